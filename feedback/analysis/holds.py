"""Breath-hold detection: how long has the breath signal been still?

"Still" means the smoothed signal stays inside a band around where it settled: the band
is ``BAND`` x the calibrated breath amplitude (never less than a few times the noise, but
the noise never widens it beyond ``END_BAND``, a breath-sized movement) and
widens by ``CREEP`` x amplitude per second, so the slow creep of a conductive-rubber belt
(or the slow sag of a held chest) stays inside it, while a slow exhale of 6-10 s, which
moves about a tenth of a breath per second, leaves it within about two seconds and
restarts the clock. The rounded turn of a slow breath without a pause stays in the band
for 4 s and more: with the pacer, that span around each of its turns is announced like
its pauses (``Pacer.still_span``); the patient's own slow rhythm predicts it too, for
its next turn (``HoldJudge.slow_turn``). A normal end-expiratory pause (up to about
2.5 s) is still, but shorter than the hold threshold. The hold fires ``hold_after_s``
after the stillness began, with ``t`` = that start; a planned pause moves the start of
the clock to its end.
Once a hold is on, only a breath-sized movement (``END_BAND``) ends it: a swallow or a
twitch during a long hold does not end it and start a second one.

``StillnessClock`` measures stillness; ``HoldJudge`` decides when it is a hold (the
threshold, the pacer's planned pauses and the patient's own rest after each breath).
"""

from __future__ import annotations

import math
from collections import deque

from feedback.analysis.turns import NEAR

BAND = 0.08  # x calibrated amplitude: what counts as not moving
CREEP = 0.03  # x calibrated amplitude per second: drift that still counts as not moving
NOISE_BAND = 4.0  # x noise level: the band is never narrower than this (up to END_BAND)
END_BAND = 0.25  # x calibrated amplitude: during a hold, only breath-sized movement ends it
WINDOW_S = 3.0  # during a hold the band is re-anchored this often, so creep stays bounded
SETTLE_S = 1.0  # "still moving": changed by more than SETTLE x amplitude within this time
SETTLE = 0.06  # (0.06 amplitudes per second: twice the creep allowance; over a whole
#               second, so cardiac ripple of about 1 Hz mostly cancels)
SETTLE_WITHIN_S = 2.0  # ... looked for only this long after the signal entered the band
LEFT = 0.02  # x amplitude: a hold ended when the signal last moved less than this ...
LEFT_S = 0.4  # ... within this time
LEFT_WITHIN_S = 4.0  # ... looked for this far back (a slow breath out leaves END_BAND
#                     about 3 s after it began)


class StillnessClock:
    """``step(t, y, amp, noise)`` -> seconds since the stillness began (0: moving);
    ``since`` its start.

    ``settled`` is when the signal last moved by more than ``SETTLE`` amplitudes within
    ``SETTLE_S`` (the middle of that span): the end of a rounded, slow turn enters the
    band about a second before the movement really stops, so this is the better estimate
    of when the patient stopped (used to tell the patient's own stop from following the
    pacer's pause). It is refined only during the first ``SETTLE_WITHIN_S`` of stillness:
    later movement inside the band (a swallow, the next breath starting) says nothing
    about the stop.
    """

    __slots__ = ("since", "t0", "lo", "hi", "settled", "last", "last_since", "last_settled",
                 "_recent", "_older", "left", "_y", "gaps", "rose")

    def __init__(self):
        self.since = None
        self.last = 0.0  # how long the stillness that movement last ended had lasted
        self.last_since = self.last_settled = 0.0  # ... and its since / settled
        self.t0 = 0.0  # start of the current band
        self.lo = self.hi = 0.0
        self.settled = 0.0
        self.left = 0.0  # when the movement that last ended the stillness began
        self._recent: deque[tuple[float, float]] = deque()
        self._older: deque[tuple[float, float]] = deque()
        self._y: float | None = None  # the point before
        self.gaps: tuple[tuple[float, float], ...] = ()  # paused for these, in this stillness
        self.rose = False  # the movement that began this stillness went up (breathing in)

    def reset(self, t: float, y: float, rose: bool = False) -> None:
        self.since = self.t0 = self.settled = t
        self.lo = self.hi = y
        self.gaps = ()
        self.rose = rose

    def pause(self, start: float, end: float) -> None:
        """No points from ``start`` to ``end`` (a short gap in the samples): the stillness
        under way is neither ended nor lengthened by it. Its band stays where it was (the
        first point after the gap is measured against it) and does not creep meanwhile."""
        if self.since is not None:
            self.gaps += ((start, end),)
            self.t0 += end - start

    def gap_after(self, t: float) -> float:
        """Seconds of the pauses (``pause``) in this stillness after ``t``."""
        if not self.gaps:
            return 0.0
        return sum(end - max(start, t) for start, end in self.gaps if end > t)

    def _movement_start(self, m: float) -> float:
        """When the movement now seen began: the last point (of the last ``LEFT_WITHIN_S``)
        that had moved by less than ``m`` over ``LEFT_S`` (a breath-sized movement that
        ends a hold is seen only well into the breath that ended it)."""
        pts = (*self._older, *self._recent)
        j = len(pts) - 1
        for k in range(len(pts) - 1, -1, -1):
            tk, yk = pts[k]
            while j > 0 and tk - pts[j][0] < LEFT_S:
                j -= 1
            if tk - pts[j][0] < LEFT_S:
                break
            if abs(yk - pts[j][1]) <= m:
                return tk
        return pts[0][0] if pts else 0.0

    def step(self, t: float, y: float, amp: float, noise: float, holding: bool = False) -> float:
        prev, self._y = self._y, y
        if self.since is None:
            self.reset(t, y)
            return 0.0
        recent = self._recent
        recent.append((t, y))
        while t - recent[0][0] > SETTLE_S:
            self._older.append(recent.popleft())
        older = self._older
        while older and t - older[0][0] > LEFT_WITHIN_S:
            older.popleft()
        # The noise floor stops at END_BAND: breath-sized movement, which ends a hold, is
        # never still, however noisy the belt (else noisy breathing becomes a hold).
        floor = min(NOISE_BAND * noise, END_BAND * amp)
        if (t - self.since - self.gap_after(self.since) <= SETTLE_WITHIN_S
                and abs(y - recent[0][1]) > max(SETTLE * amp, floor)):
            self.settled = 0.5 * (t + recent[0][0])  # it moved within that span
        if holding and t - self.t0 > WINDOW_S:
            # Anchored on the point before this one, so that this one is still measured
            # against where the belt was (after a gap: the jump across it ends the hold).
            self.t0 = t
            self.lo = self.hi = y if prev is None else prev
        lo = min(self.lo, y)
        hi = max(self.hi, y)
        base = END_BAND if holding else BAND
        band = max(base * amp, floor) + CREEP * amp * (t - self.t0)
        if hi - lo > band:
            # Moved: the stillness (if any) starts again from here. (When a hold ends:
            # when did the movement begin? Only then, not at every step of a breath.)
            if holding:
                self.left = max(self._movement_start(max(LEFT * amp, noise)), self.since)
            self.last = t - self.since
            self.last_since, self.last_settled = self.since, self.settled
            self.reset(t, y, rose=y > self.hi)
            return 0.0
        self.lo, self.hi = lo, hi
        return t - self.since


# A patient follows the pacer into its pause up to about 1 s early or late; the stop of a
# rounded, slow breath out is estimated up to 0.4 s before it really comes.
PAUSE_GRACE_S = 1.4
# The patient's own slow turns. A rounded (half-cosine) turn without a pause is near still
# from within 15 % of it (APPROACH_SHARE of the phase before it) to within a tenth after
# it (LEFT_SHARE of the next phase, as the pacer's eased turns, ``pacer.EASED_STILL``;
# from within a tenth before it, noisy slow breathing, noise 4 % of a breath, still gave
# holds). A hold begun in that span is warned later, by up to its length.
NEAR_SHARE = math.acos(1.0 - 2.0 * NEAR) / math.pi  # 0.30: turns.NEAR before a turn
APPROACH_SHARE = math.acos(1.0 - 2.0 * 0.15) / math.pi  # 0.25
LEFT_SHARE = math.acos(1.0 - 2.0 * 0.1) / math.pi  # 0.20
TURN_GRACE_S = 0.5  # the stop is estimated up to this much early (StillnessClock.settled)
TURN_SHARE = 0.75  # turns announced only when NEAR_SHARE x the breath is this x hold_after_s
PACED_S = 30.0  # a pacer whose last still span ended less than this ago is still running
OWN_PAUSES = 5  # the rest before this many breaths is remembered
OWN_PAUSE_MIN_S = 1.0  # stillness shorter than this is no rest
OWN_PAUSE_K = 1.5  # a hold at the bottom needs this x the patient's usual rest ...
OWN_PAUSE_CAP = 2.0  # ... but never more than this x hold_after_s
BOTTOM = 0.5  # level below which stillness is at the end of a breath out
REST_MIN_S = 4.0  # ... and never a hold in less, whatever hold_after_s (a normal rest)
SURE_S = 1e-6  # (rounding: ``t - (since - lag)`` and ``(t - since) + lag`` may differ,
ROUND = 1e-15  # by a few units in the last place of ``t``: this share of it, at any t)


def _longer(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return max(a[0], b[0]), max(a[1], b[1])


def _median(values) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


class HoldJudge:
    """When stillness is a hold: the ``StillnessClock`` plus the pacer's planned pauses
    and the patient's own rest.

    - Planned pauses: the pacer's own pause must not become a hold by itself, but it must
      not hide one either. Stillness whose stop (``settled``) lies inside a planned pause
      or less than ``PAUSE_GRACE_S`` before it (following the pacer early) counts only from
      the pause's end; stillness that began clearly earlier keeps counting through it.
    - The patient's own slow turns (``slow_turn``): the same, for the next turn the
      recent breaths predict, only while no pacer runs; one at most moves a stillness's
      start, and each turn drops the predictions made for after it (``turned``). They
      only hold a warning back: a hold is judged first without them, then again from the
      end of their span against the rest remembered with their spans taken off.
    - The patient's own rest: some people rest after every breath out, for seconds. For
      each breath the longest stillness at the bottom before it (below ``BOTTOM`` of the
      last breath, ``OWN_PAUSE_MIN_S`` or more, outside planned pauses; 0 if none) is
      remembered for ``OWN_PAUSES`` breaths. Stillness at the bottom must last
      ``OWN_PAUSE_K`` x their median (a hold counted at most as the cap), and never more
      than ``OWN_PAUSE_CAP`` x ``hold_after_s``; and, when the movement into it went down
      (a breath out), never less than ``REST_MIN_S``, however short ``hold_after_s`` (3 s
      in lifting warned the rests of breathing at rest as it really varies, each as the
      next breath came). A patient who only now and then stops keeps a median of 0, so a
      few holds do not teach it to wait longer. Stillness at the top (a breath held in)
      always counts from ``hold_after_s``; and so, unless the patient's rest says more,
      does stillness below ``BOTTOM`` come to by breathing in (bracing on a small breath).
      With ``learn_holds`` off (the movement and load exercises) a stillness warned as a
      hold is never remembered as a rest: a patient who holds the breath after breathing
      out at every lift, every other breath, otherwise taught it to wait up to the cap,
      and from the third lift on the warning came as the breath came back.

    All times are of the smoothed signal; ``lag`` is its delay behind the belt.
    """

    def __init__(self, hold_after_s: float):
        self.clock = StillnessClock()
        self.holding = False
        self.learn_holds = True  # may a stillness warned as a hold become a rest?
        self.set_hold_after(hold_after_s)
        # (start, end, the patient's own slow turn rather than the pacer's)
        self._pauses: list[tuple[float, float, bool]] = []
        self._from = float("-inf")  # stillness counts from here at the earliest
        self._paced_until = float("-inf")  # a pacer runs (its turns are announced) till then
        self.paced_from = float("inf")  # ... since then
        # its last still spans: (start, middle)
        self._middles: deque[tuple[float, float]] = deque(maxlen=3)
        self._hold_t = 0.0  # when the running hold began
        self._gap_end = float("-inf")  # when the points came back after the last gap
        self.forget_rest()

    def set_hold_after(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError("hold_after_s must be more than 0")
        self.hold_after_s = float(seconds)

    def planned_pause(self, start: float, end: float, now: float) -> None:
        if not self.paced(now):  # a pacer starts (again)
            self.paced_from = float(start)
            self._middles.clear()
        spans = self._middles
        if spans and spans[-1][0] == start:  # the same span again (the pacer's next
            spans.pop()  # inhale, now known, ends it otherwise)
        if not spans or start > spans[-1][0]:
            spans.append((float(start), 0.5 * (start + end)))
        self._add_span(start, end, now)
        self._paced_until = max(self._paced_until, float(end) + PACED_S)

    def pacer_period(self) -> float | None:
        """The pacer's breath (s), from its last three still spans (a turn at the top and
        one at the bottom in turn); None until it has announced three since it started."""
        m = self._middles
        return m[2][1] - m[0][1] if len(m) == 3 else None

    def _add_span(self, start: float, end: float, now: float, turn: bool = False) -> None:
        if end > start:
            # Spans long past cannot matter any more (their hold would have fired).
            keep = now - 60.0 - self.hold_after_s
            self._pauses = [p for p in self._pauses if p[1] >= keep]
            self._pauses.append((float(start), float(end), turn))
            self._pauses.sort()

    def no_pacer(self) -> None:
        self._paced_until = float("-inf")

    def paced(self, now: float) -> bool:
        """Does a pacer run (has it announced a still span in the last ``PACED_S``)?"""
        return now < self._paced_until

    def turned(self, t: float) -> None:
        """The breath turned at ``t``: the slow turns predicted after it are dropped (the
        next ones are predicted from here, ``slow_turn``)."""
        self._pauses = [p for p in self._pauses if not (p[2] and p[0] > t)]

    def slow_turn(self, t: float, into: float, out: float, now: float) -> None:
        """The breath turns (or is due to) at ``t``, after ``into`` s of breathing towards
        it and before ``out`` s of breathing away. For slow breaths, the span in which a
        rounded turn hardly moves (APPROACH_SHARE of ``into`` before it to LEFT_SHARE of
        ``out`` after it) is taken as the pacer's eased turns are: stillness that settled
        in it counts from its end. Quicker turns are never still for long, and a hold
        there is warned at once."""
        if self.paced(now):
            return  # the pacer announces its own turns: the patient's would add to them
        if NEAR_SHARE * (into + out) >= TURN_SHARE * self.hold_after_s:
            self._add_span(t - APPROACH_SHARE * into, t + LEFT_SHARE * out, now, turn=True)

    def count_from(self, t: float) -> bool:
        """Stillness before ``t`` does not count towards a hold (warnings come on: the
        stillness while they were off is no hold). A hold already judged then ends here
        (True), and if the breath stays held it is a new hold ``hold_after_s`` later."""
        self._from = float(t)
        was, self.holding = self.holding, False
        return was

    def forget_rest(self) -> None:
        # The rest before each breath: (with the slow turns taken off, without)
        self._own: deque[tuple[float, float]] = deque(maxlen=OWN_PAUSES)
        self._rest = (0.0, 0.0)  # the longest rest since the last trough
        self._counted = None  # the stillness (its start) already counted at a trough
        self._low = False  # the current stillness is at the bottom of the breath
        self._rest_floor = False  # ... and came there breathing out (``REST_MIN_S``)

    def restart(self, t: float | None = None, y: float | None = None) -> None:
        """Stillness starts again: at ``(t, y)``, or at the next point when not given
        (after a fault: what the signal did meanwhile says nothing)."""
        if t is None:
            self.clock.since = None
        else:
            self.clock.reset(t, y)

    @property
    def hold_t(self) -> float:
        """When the running (or last) hold began."""
        return self._hold_t

    def gap(self, start: float, end: float, pause: bool) -> None:
        """No points from ``start`` to ``end``. With ``pause`` (a short gap) stillness before
        it counts, its own seconds do not, and the belt is measured across it
        (``StillnessClock.pause``); else stillness starts again after it. Stillness that
        starts after it counts from its end at the earliest (the low-pass starts afresh
        there, without its delay: taken back by it, the stillness began in the gap)."""
        if pause:
            self.clock.pause(start, end)
        else:
            self.clock.since = None
        self._gap_end = end

    def end_hold(self) -> bool:
        """A fault ends a running hold. True if there was one."""
        was, self.holding = self.holding, False
        return was

    def hold_since(self, t: float) -> None:
        """The stillness under way is taken for a hold from ``t`` without being judged one
        (a belt not worn, found before calibration, when no hold is judged): from here it
        ends as a hold does, at a breath-sized movement."""
        self.holding = True
        self._hold_t = float(t)

    def breath_starts(self, t: float, lag: float) -> None:
        """At a trough: remember the rest before this breath. The trough is often declared
        before the clock has seen the movement, so a stillness still running counts here
        (and not again when it ends)."""
        rest = self._rest
        clock = self.clock
        if self._low and clock.since is not None:
            if self.learn_holds or not self.holding:
                rest = _longer(rest, self._own_rest(t, clock.since, clock.settled, lag))
            self._counted = clock.since
        self._own.append(rest)
        self._rest = (0.0, 0.0)

    def step(self, t: float, y: float, amp: float, noise: float, lag: float, level: float,
             judge: bool = True) -> tuple[str, float] | None:
        """One point of the smoothed signal; ``level`` is where it lies in the last breath
        (0 bottom, 1 top). Returns ``("hold", t_start)``, ``("hold_end", t)`` or None.
        With ``judge`` False (before calibration) the rest is learned, no hold judged."""
        clock = self.clock
        was = clock.since
        still = clock.step(t, y, amp, noise, self.holding)
        if still == 0.0 and clock.since != was:
            # Movement ended the stillness that was running (not a reset from outside).
            if (self._low and clock.last_since == was and was != self._counted
                    and (self.learn_holds or not self.holding)):
                self._rest = _longer(self._rest, self._own_rest(
                    t, clock.last_since, clock.last_settled, lag))
            self._low = level < BOTTOM
            self._rest_floor = self._low and not clock.rose
        if self.holding:  # (ended by breathing even while calibrating again)
            if still == 0.0:
                self.holding = False
                return "hold_end", max(clock.left - lag, self._hold_t)
            return None
        if judge and still > 0.0 and (
                still + lag >= self.hold_after_s - SURE_S - ROUND * abs(t)):
            # (Shorter, it cannot be a hold yet: it counts from ``since - lag`` or later,
            # less any gap, and a hold takes ``hold_after_s`` or more. Not judged: the
            # cheap test first, as most of a breath is a moment of stillness or two.)
            # Without the slow turns first: they may hold a warning back, never add one.
            # A gap's seconds do not count (``gap``); the start stays when it really was.
            plain = max(self.still_from(lag, turns=False), self._from)
            if t - plain - clock.gap_after(plain) < self.hold_after():
                return None
            s0 = max(self.still_from(lag), self._from)
            if s0 == plain or t - s0 - clock.gap_after(s0) >= self.hold_after(turned=True):
                self.holding = True
                self._hold_t = s0
                return "hold", s0
        return None

    def still_from(self, lag: float, since: float | None = None,
                   settled: float | None = None, turns: bool = True) -> float:
        """When the current stillness (or the one given) counts from, in belt time: the
        belt settled ``lag`` before the smoothed signal did, and a planned pause it
        followed moves the start to the pause's end."""
        if since is None:
            since, settled = self.clock.since, self.clock.settled
        s0 = since - lag
        stop = max(settled, since) - lag
        if since >= self._gap_end:  # (``gap``: not from inside the last one)
            s0, stop = max(s0, self._gap_end), max(stop, self._gap_end)
        pauses = self._pauses
        while pauses and pauses[0][1] < s0 - PAUSE_GRACE_S:
            pauses.pop(0)  # over before this stillness began: can never matter again
        for start, end, turn in pauses:
            grace = TURN_GRACE_S if turn else PAUSE_GRACE_S
            if end <= stop or start - grace > stop or (turn and not turns):
                if start - PAUSE_GRACE_S > stop:
                    break  # sorted: later spans begin later still
                continue
            s0 = stop = end
            turns = turns and not turn  # one slow turn at most: they do not chain
        return s0

    @property
    def at_bottom(self) -> bool:
        """The current stillness is at the bottom of the breath (where people rest)."""
        return self._low

    def rests(self) -> list[float]:
        """The patient's own rest before each of the last breaths (0: none)."""
        return [r[1] for r in self._own]

    def hold_after(self, turned: bool = False) -> float:
        """Seconds of stillness that make a hold, here (see the class docstring); counted
        from the end of a slow turn if ``turned``."""
        if not self._low:
            return self.hold_after_s
        base = max(self.hold_after_s, REST_MIN_S) if self._rest_floor else self.hold_after_s
        if len(self._own) < 3:
            return base
        rest = _median([r[0 if turned else 1] for r in self._own])
        return min(max(base, OWN_PAUSE_K * rest), max(OWN_PAUSE_CAP * self.hold_after_s, base))

    def _own_rest(self, end: float, since: float, settled: float,
                  lag: float) -> tuple[float, float]:
        """The patient's own part of a stillness at the bottom that ended at ``end``: with
        the slow turns' spans taken off, and without."""
        cap = OWN_PAUSE_CAP * self.hold_after_s
        out = []
        for turns in (True, False):
            own = end - lag - self.still_from(lag, since, settled, turns)
            out.append(0.0 if own < OWN_PAUSE_MIN_S else min(own, cap))
        return out[0], out[1]
