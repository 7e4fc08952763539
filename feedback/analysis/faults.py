"""Sensor faults, per belt: disconnected, saturated, flat, noisy.

- A run of exactly the same raw value for ``FLAT_S`` seconds (and at least
  ``FLAT_MIN_N`` samples) cannot be a person, held breath or not: a live belt on a
  16-bit ADC always shows some noise, and even the coarsely quantised stretch sensor
  never repeats one code for more than about a second while the breath is held. Such a
  run is ``disconnected`` when the signal jumped there (by more than ``JUMP`` breath
  amplitudes), ``saturated`` when it sits at the highest or lowest value seen (a rail),
  and ``flat`` otherwise. It ends as soon as the value changes.
- ``disconnected`` also without exactly constant codes: an unplugged belt pulls the
  divider to a supply rail, so the signal jumps by more than ``JUMP`` breath amplitudes
  within ``JUMP_S`` (no breath or movement is that fast) and then stays within
  ``DISC_STILL`` amplitudes or ``DISC_REL`` of the jump (only the ADC's own noise) for
  ``DISC_S``. It ends when the signal leaves that level by ``DISC_END`` times that
  tolerance (the plug is back). While a jump is being judged the belt is ``suspect``:
  its blocks feed neither breaths nor holds. If the codes after such a jump are exactly
  constant, the run check above fires first; it is then the same disconnection, and a
  code flickering later does not end it.
- ``noisy``: the sample-to-sample roughness of the 40 ms block means, compared to the
  breath amplitude, stays above ``NOISY_ON`` for ``NOISY_S`` seconds; it ends once it has
  stayed below ``NOISY_OFF`` for as long. Each second difference is clipped at
  ``NOISE_CLIP`` amplitudes, so a single step (a posture change, a plug) is no noise.
- Two belts, one of them lying somewhere while the other breathes (taken off or slipped
  off, its plug still in): the breath signal still moves, so no hold says so. Its block
  means stay within a small band (``stillness``: no movement of more than a given size
  within ``STILL_WINDOW_S``), nor move with the other belt's breathing (``along``: a
  movement the noise hides from the first, found by fitting the other belt's breath to
  it) for as long as the analyzer asks (``lying``; analyzer.py).
Because ``FLAT_S`` is shorter than the shortest hold threshold (2 s), a stuck signal
becomes a fault before it could ever become a hold.
"""

from __future__ import annotations

import math
from collections import deque

FLAT_S = 1.5
FLAT_MIN_N = 8
JUMP = 5.0
RAIL = 0.01  # within this share of the seen range of an extreme = at a rail
NOISY_ON = 0.25
NOISY_OFF = 0.12
NOISY_S = 2.0
NOISE_TAU = 1.0
NOISE_CLIP = 2.0  # x amplitude: one second difference counts at most this much
JUMP_S = 0.12  # a jump of JUMP amplitudes within this time is no breath
DISC_S = 1.0  # ... and staying at the new level this long is a disconnected belt
DISC_STILL = 0.15  # x amplitude: "staying at the level" (block means) ...
DISC_REL = 0.03  # ... or this share of the jump, if more (shallow breaths, a noisy rail)
DISC_END = 3.0  # x the tolerance: leaving the level this far ends it (plugged back)
RESUME_BLOCKS = 3  # blocks skipped after the plug is back (the step's partial blocks)
STILL_WINDOW_S = 5.0  # a belt's movement is judged within windows this long (``stillness``)
ALONG_F = 20.0  # F (2 and n - 4 degrees of freedom) of a movement with the other belt's
#                 breathing (``along``): a belt that shows only noise exceeds 20 about
#                 once in 5 x 10^8 windows


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """``a`` x = ``b`` (small, symmetric), by elimination; None if singular."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-300:
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for k in range(c, n + 1):
                m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for c in range(n - 1, -1, -1):
        x[c] = (m[c][n] - sum(m[c][k] * x[k] for k in range(c + 1, n))) / m[c][c]
    return x


def _along_found(sums: list[float], size: float, floor: float) -> bool:
    """From a window's sums of products of (1, t, o, q, x) (``BeltFaults.along``): does
    ``x`` move with ``o`` and ``q``, clearly (``ALONG_F``), by ``floor`` or more and by
    less than ``size``, peak to peak?"""
    idx = {}
    k = 0
    for a in range(5):
        for b in range(a, 5):
            idx[a, b] = idx[b, a] = k
            k += 1
    n = sums[0]
    if n < 20:
        return False

    def rss(cols: list[int]) -> float | None:
        a = [[sums[idx[i, j]] for j in cols] for i in cols]
        b = [sums[idx[i, 4]] for i in cols]
        beta = _solve(a, b)
        if beta is None:
            return None
        return sums[idx[4, 4]] - sum(bi * ci for bi, ci in zip(beta, b, strict=True))

    full, part = rss([0, 1, 2, 3]), rss([0, 1])
    if full is None or part is None or full <= 0.0:
        return False
    extra = part - full
    if extra <= 0.0 or (extra / 2.0) / (full / (n - 4.0)) < ALONG_F:
        return False
    pp = 2.0 * math.sqrt(2.0 * extra / n)  # (a sine wave's, of that mean square)
    return floor <= pp < size


class BeltFaults:
    """Fault state of one belt; ``stuck_kind`` / ``noisy`` are the active faults."""

    __slots__ = ("rails", "_at_rail", "stuck_kind", "noisy", "_d1", "_prev", "_ms", "_since",
                 "_last_t", "noise", "disconnected", "_recent", "_cand_t", "_lo", "_hi",
                 "_tol", "_resume", "lying", "still_since", "_w_t0", "_w_lo", "_w_hi",
                 "put_until", "_putting", "breathing", "_a_t0", "_a_x0", "_a_o0", "_a_sums")

    def __init__(self, rails: tuple[float, float] | None = None):
        self.rails = rails  # a level outside (lo, hi) is an unplugged or shorted belt
        self._at_rail = False  # disconnected because of that (ends back inside)
        self.stuck_kind = None
        self.noisy = False
        self.disconnected = False
        self._recent: deque[tuple[float, float]] = deque(maxlen=8)
        self._cand_t = None  # a jump is being judged since then
        self._lo = self._hi = 0.0
        self._tol = 0.0  # how much the level may move and still be "staying"
        self._resume = 0
        self._prev = None
        self._d1: float | None = 0.0
        self._ms = 0.0
        self._since = None
        self._last_t = None
        self.noise = 0.0  # noise standard deviation estimate of the block means
        self.lying = False  # taken for lying unworn while the other belt breathes
        self.still_since: float | None = None  # no movement since (``stillness``)
        self._w_t0 = 0.0  # the movement window began
        self._w_lo = self._w_hi = 0.0  # ... and the block means' range in it
        self.put_until = float("-inf")  # put on again until then (``put_on``; kept after)
        self._putting = False  # ... and that time has not come yet
        self.breathing = False  # moved with the other belt's breathing (``along``)
        self._a_t0: float | None = None  # ... over the window that began then
        self._a_x0 = self._a_o0 = 0.0  # (its first values: the sums are taken from them)
        self._a_sums = [0.0] * 15

    def stuck(self, fe, y_before: float, amp: float) -> str:
        """Classify a run of identical raw values (called once it is long enough)."""
        x = fe.last_x
        span = fe.xmax - fe.xmin
        if amp > 0 and abs(x - y_before) > JUMP * amp:
            return "disconnected"
        if span > 0 and (x >= fe.xmax - RAIL * span or x <= fe.xmin + RAIL * span):
            return "saturated"
        return "flat"

    @property
    def suspect(self) -> bool:
        """Disconnected, or a jump is being judged, or just plugged back (or put on)."""
        return (self.disconnected or self._cand_t is not None or self._resume > 0
                or self._putting)

    @property
    def own_fault(self) -> bool:
        """A fault of its own (unplugged or being judged so, put on, stuck, noisy): it
        says what the belt is, and the belt is judged neither still nor lying."""
        return self.suspect or self.stuck_kind is not None or self.noisy

    @property
    def at_rail(self) -> bool:
        """Disconnected because the level is outside the circuit's range."""
        return self._at_rail

    @property
    def at_level(self) -> bool:
        """Disconnected or just plugged back (or put on): the smoothing should rest at the
        raw level."""
        return self.disconnected or self._resume > 0 or self._putting

    def confirm(self) -> bool:
        """A stuck run right after a jump: take it as this disconnection (which ends only
        when the signal leaves the level). False if no jump is being judged."""
        if self._cand_t is None or self.disconnected:
            return False
        self.disconnected = True
        return True

    def restart_noise(self) -> None:
        """The noise estimate starts again from the next block (what came before, such as
        a jump, says nothing about the belt's noise now)."""
        self._prev = None
        self._d1 = self._ms = 0.0
        self.noise = 0.0

    def jumped(self, t: float, x: float, size: float) -> bool:
        """Whether block mean ``x`` is more than ``size`` from one within ``JUMP_S``."""
        return any(t - tt <= JUMP_S and abs(x - xx) > size for tt, xx in self._recent)

    def level(self, t: float, x: float, amp: float, run_t0: float) -> int:
        """Watch one block mean ``x`` for a jump to a level that then stays (an unplugged
        belt). ``run_t0``: when the current run of identical raw values began (exactly
        constant codes are left to ``stuck``). Returns +1 when ``disconnected`` starts,
        -1 when it ends, else 0."""
        recent = self._recent
        change = 0
        rails = self.rails
        if rails is not None and not self.disconnected and not rails[0] < x < rails[1]:
            self.disconnected = self._at_rail = True  # the circuit's own "unplugged"
            self._cand_t = None
            self._resume = 0
            recent.append((t, x))
            return 1
        if self.disconnected:
            if self._at_rail:
                back = rails[0] < x < rails[1]
            else:
                a = DISC_END * self._tol
                back = x < self._lo - a or x > self._hi + a
            if back:
                self.disconnected = self._at_rail = False
                self._cand_t = None
                self._resume = RESUME_BLOCKS
                recent.clear()
                change = -1
        elif self._resume > 0:
            self._resume -= 1
            if self._resume == 0:
                self._prev = None  # the noise estimate restarts from here
                self._d1 = 0.0
        elif self._putting:
            if t >= self.put_until:
                self._putting = False
                self._prev = None  # (as above)
                self._d1 = 0.0
        elif self._cand_t is not None:
            lo, hi = min(self._lo, x), max(self._hi, x)
            if hi - lo > self._tol:
                self._cand_t = None  # it moves: not a disconnection
            else:
                self._lo, self._hi = lo, hi
                if t - self._cand_t >= DISC_S and run_t0 > self._cand_t:
                    self.disconnected = True
                    change = 1
        # (A belt lying unworn that jumps and stays is being put on, not unplugged: the
        # rails say that; ``put_on`` takes its step. Taken for a plug, a belt of a small
        # share put on from slack was "unplugged" for 3 s.)
        if (self._cand_t is None and not self.disconnected and not self._resume
                and not self._putting and not self.lying and amp > 0):
            lim = JUMP * amp
            for tt, xx in recent:
                if t - tt <= JUMP_S and (x - xx > lim or xx - x > lim):
                    jump = abs(x - xx)
                    self._cand_t = t
                    self._lo = self._hi = x
                    self._tol = max(DISC_STILL * amp, DISC_REL * jump)
                    break
        recent.append((t, x))
        return change

    def gap(self) -> None:
        """Samples stopped for a while: the differences start again after it (the step
        from the last block before it to the first after is no noise), the noise
        estimate so far is kept. The stillness counts afresh, unless the belt is taken
        for lying: then the first blocks after the gap are measured against where it lay
        (one put on meanwhile moves at once)."""
        self._prev = self._d1 = None
        self._a_t0 = None
        if not self.lying:
            self.still_since = None

    def put_on(self, until: float) -> None:
        """A belt taken for lying unworn moves again: it is being put on. Until ``until``
        its blocks feed neither breaths nor holds, and it settles at its new level
        (``suspect``, ``at_level``), as a plug put back in: the step from slack to worn and
        the handling are no breath, nor noise: the noise estimate starts again (the step
        from where it lay to where it is worn, clipped at ``NOISE_CLIP`` amplitudes, made
        a belt of a small share ``noisy`` for 5 s, from 3 s after it was put on)."""
        self.put_until, self._putting = until, True
        self.restart_noise()
        self._since = None

    def stillness(self, t: float, x: float, size: float) -> float:
        """Watch one block mean ``x`` for movement: more than ``size`` within a window of
        ``STILL_WINDOW_S`` (a new one begins at each movement). Returns how long the belt
        has not moved (0 when it moves now). Slow creep, less than ``size`` per window,
        is no movement."""
        if self.still_since is None:
            self.still_since = self._w_t0 = t
            self._w_lo = self._w_hi = x
            return 0.0
        lo, hi = min(self._w_lo, x), max(self._w_hi, x)
        if hi - lo > size:
            self.still_since = self._w_t0 = t
            lo = hi = x
        elif t - self._w_t0 >= STILL_WINDOW_S:
            self._w_t0 = t
            lo = hi = x
        self._w_lo, self._w_hi = lo, hi
        return t - self.still_since

    def along(self, t: float, x: float, o: float, q: float, span: float, size: float,
              floor: float) -> None:
        """Watch one block mean ``x`` for movement with the other belt's breathing, too
        small for ``stillness`` to see against the noise: over each window of ``span``
        seconds, ``x`` fitted by a level and a slope (offsets and creep), and then also
        by ``o`` and ``q`` (the other belt's value and its rate of change: a belt a
        little behind or ahead moves with both). The part of ``x`` the other belt's
        breathing explains must stand out of the rest (an F test, ``ALONG_F``: a belt
        lying still shows only noise, uncorrelated with it) and measure, from peak to
        peak, at least ``floor`` and less than ``size`` (a larger movement is
        ``stillness``'s). Then ``breathing`` holds until the next window ends, and the
        belt has moved within the window (``still_since`` at its start at the latest)."""
        if self._a_t0 is None:
            self._a_t0, self._a_x0, self._a_o0 = t, x, o
            self._a_sums = [0.0] * 15
        u = (1.0, t - self._a_t0, o - self._a_o0, q, x - self._a_x0)
        sums = self._a_sums
        k = 0
        for a in range(5):
            ua = u[a]
            for b in range(a, 5):
                sums[k] += ua * u[b]
                k += 1
        if t - self._a_t0 < span:
            return
        t0 = self._a_t0
        self._a_t0 = None
        self.breathing = _along_found(sums, size, floor)
        if self.breathing and self.still_since is not None and self.still_since < t0:
            self.still_since = t0

    def along_off(self) -> None:
        """No window for ``along`` now (a fault of this belt or the other's): it starts
        afresh, and the belt is no longer taken to move with the other's breathing."""
        self._a_t0 = None
        self.breathing = False

    def roughness(self, t: float, raw: float, amp: float):
        """Update the noise estimate from one block mean. Returns +1 when ``noisy``
        starts, -1 when it ends, else 0."""
        prev = self._prev
        self._prev = raw
        if prev is None:
            self._last_t = t
            return 0
        d1 = raw - prev
        if self._d1 is None:  # (after a gap: a second difference needs two first ones)
            self._d1, self._last_t = d1, t
            return 0
        d2 = d1 - self._d1
        self._d1 = d1
        if amp > 0:
            d2 = min(max(d2, -NOISE_CLIP * amp), NOISE_CLIP * amp)
        dt = t - self._last_t
        self._last_t = t
        a = dt / (NOISE_TAU + dt)
        self._ms += (d2 * d2 - self._ms) * a
        self.noise = math.sqrt(self._ms / 6.0)
        if amp <= 0:
            return 0
        ratio = self.noise / amp
        want = ratio > NOISY_ON if not self.noisy else ratio > NOISY_OFF
        if want == self.noisy:
            self._since = None
            return 0
        if self._since is None:
            self._since = t
        if t - self._since >= NOISY_S:
            self.noisy = want
            self._since = None
            return 1 if want else -1
        return 0
