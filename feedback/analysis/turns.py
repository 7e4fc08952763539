"""Turn detection: peaks (end of inhale) and troughs (end of exhale), causally.

Works on the decimated, lightly smoothed breath signal (about 25 points per second, see
``frontend.py``), so its cost does not grow with the ADC rate. The rules, all relative to
the recent breath amplitude ``amp`` (peak-to-peak, robust median of the last turns) and
period, so they hold for any scale and for 3 to 40 breaths/min:

- A candidate extremum is the running maximum since the last trough (or minimum since
  the last peak). It only counts once the excursion from the previous turn is at least
  ``GATE`` x amp: ripple, cardiac pulsation and noise never make a breath.
- It is declared when the signal has come back from it by ``DROP`` x amp, or earlier by
  ``EARLY`` x amp when the slope over the last fraction of a period confirms that the
  signal is really moving away at a sizeable share of the typical breath slope. How far
  past the turn one must wait is what the patient feels as lag; the slope test cuts it
  where the evidence is clear and falls back to the plain drop test where it is not.
- The turn time reported, minus the smoothing lag: for a peak the middle of the top
  plateau of the smoothed signal (where a person marks the top of a breath, also when
  it is clipped or flat); for a trough the end of the bottom plateau, where the belt
  has clearly started to expand again.
- Once the movement after a turn is complete, where it really began (``_phase_edges``):
  a rounded breath leaves its bottom slowly, so the plateau's end is about a tenth of
  the inhale late. The inhale and exhale durations, and so the ratio, are measured from
  these starts (``BreathAnalyzer._phases``); an end-expiratory pause counts as part of
  the exhale, as in the usual definition of expiratory time and as the pacer counts its
  own pause after the exhale (``Pattern.effective_ratio``).
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
from collections import deque

from .frontend import spread

GATE = 0.45  # minimum rise/fall between turns, x recent amplitude
DROP = 0.2  # plain hysteresis: come back this far from the extremum, x amplitude
EARLY = 0.08  # early declaration with slope evidence, x amplitude
SLOPE = 0.37  # ... when the recent slope is at least this share of the typical slope
PLATEAU = 0.03  # "still at the top": within this share of amplitude of the extremum
ENV_SHARE = 0.5  # the amplitude is never taken below this share of the recent range
CHUNK_S = 1.0  # the recent range is kept as min/max per chunk of this length
SCHMITT = 0.2  # coarse period: crossings of the midline by +-this share of the range
MIN_GAP = 0.55  # two peaks (or troughs) at least this share of a period apart
HIST = 64  # recent points (about 2.5 s) for the slope and the extremum after a turn
SQUARE = (0.7, 1.35)  # phase edges: a start is sought only where the movement is nearer
#   a square law (_square: 1) than a straight line (1.67), whose start the plateau's end
#   already marks within 3 % of the inhale
LEAD_MAX = 0.25  # ... and no further back than this share of the usual inhale (a square
#   law's start lies 0.1-0.17 of it before its 3 % point; creep in a hold is no start)
NEAR = 0.2  # a bottom was reached when the signal came within this share of its breath


def _median(values) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def _between(a, b, level: float) -> float:
    """The time at which the line from point ``a`` to point ``b`` passes ``level``."""
    (ta, ya), (tb, yb) = a, b
    return tb if yb == ya else ta + (level - ya) * (tb - ta) / (yb - ya)


def _time(point) -> float:
    return point[0]


def _square(d1: float, d2: float) -> bool:
    """Does a movement go on as a square law? ``d1``: from PLATEAU to 4 x PLATEAU of
    the breath, ``d2``: from there to 9 x PLATEAU (equal for a square law, 1.67 x for a
    straight line; a ripple bump or creep taken for the start makes ``d1`` long)."""
    return d1 > 0 and SQUARE[0] <= d2 / d1 <= SQUARE[1]


def _lead(d: float, var: float) -> float:
    """How long before it reached a level L a square-law departure began, when it reached
    4 L ``d`` later: ``d`` itself, less for smoothing of variance ``var`` (seconds
    squared), which lifts a square law k t^2 by k var (so (u + d)^2 - 4 u^2 = 3 var)."""
    return (d + math.sqrt(max(4.0 * d * d - 9.0 * var, 0.0))) / 3.0


def _upper(values) -> float:
    """Upper quartile: a typical breath excursion even when ripple turns are mixed in."""
    s = sorted(values)
    return s[(3 * (len(s) - 1)) // 4]


class TurnDetector:
    """Feed ``step(t, y, lag)``; returns ``None`` or ``(kind, t_turn, value)`` with kind
    ``'peak'`` or ``'trough'``. ``amp`` and ``period`` are its running estimates."""

    def __init__(self, period: float = 4.0, floor: float = 0.0, edges: bool = True):
        self.edges = edges  # seek where movements begin (``_phase_edges``), for the ratio
        self.floor = floor  # the smallest breath amplitude, in the input's units (0: any)
        self.amps: deque[float] = deque(maxlen=8)
        self.rises: deque[float] = deque(maxlen=9)  # trough -> peak durations
        self.falls: deque[float] = deque(maxlen=9)  # peak -> trough durations
        self.descents: deque[float] = deque(maxlen=9)  # peak -> the trough reached
        self.last_trough_t = None
        self.amp = 0.0  # 0 until bootstrapped
        self.period = period
        self.mode = 0  # 0 unknown, +1 seeking a peak, -1 seeking a trough
        self.hi = self.lo = 0.0
        self.hi_v0 = self.lo_v0 = 0.0
        self.hi_t0 = self.hi_t1 = self.lo_t0 = self.lo_t1 = 0.0
        self.last_val = 0.0  # value at the last declared turn
        self.last_t = None  # time of the last declared turn
        self.last_peak_t = None
        # The recent points: about 40 s (when a bottom was reached); of them the last
        # HIST are the recent ones the turn rules look at.
        self._hist: deque[tuple[float, float]] = deque(maxlen=1024)
        self._k = 0  # the slope's look back, in points (``_back``)
        self._boot_lo = self._boot_hi = None
        self._boot_t0 = None
        self.started = False
        self._chunks: deque[tuple[float, float, float]] = deque()  # (t0, lo, hi)
        self._top = self._bottom = 0.0  # the highest hi and lowest lo of the chunks
        self.env = 0.0
        self._mid = None  # slow midline for the coarse period
        self._above = False
        self._up_t = None
        self._ups: deque[float] = deque(maxlen=5)
        # For the exhale:inhale ratio (``_phase_edges``), times as in ``_hist``:
        self._trough_edge = None  # the last trough's (plateau start, plateau end, value)
        self._peak_edge = None  # the last peak's (plateau start, rise end or None, end, value,
        #   smoothing delay then)
        self.onset_lead = None  # how long before its turn time the last complete rise
        #   began (None: not known)
        self.top_t = None  # the middle of the last peak's turn, from where its movement
        #   into it ended and out of it began (None: not known)

    def reset(self) -> None:
        self.__init__(self.period, self.floor, self.edges)

    def rescale(self, k: float) -> None:
        """The breaths to come will be ``k`` times as large (one of two belts dropped out,
        or came back): the amplitudes learned, and the recent range, are scaled to match,
        as if the signal had always been that size. (Else a belt left with 40 % of the
        breath is gated by the breaths of both, and its next breath is missed.)"""
        self.amps = deque((a * k for a in self.amps), maxlen=self.amps.maxlen)
        self.amp = max(self.amp * k, self.floor)
        self._chunks = deque((t0, 0.5 * (lo + hi) - 0.5 * k * (hi - lo),
                              0.5 * (lo + hi) + 0.5 * k * (hi - lo))
                             for t0, lo, hi in self._chunks)
        self._span()
        self.env *= k  # (until the next chunk's extreme: then the chunks' own range)

    def _range(self, t: float, y: float) -> float:
        """Peak-to-peak range of the signal over the last 2.5 periods (8-25 s).

        It anchors the amplitude: the detector's own excursions alone would shrink if
        ripple were ever taken for breaths, and then keep finding ripple.
        """
        chunks = self._chunks
        if chunks and t - chunks[-1][0] < CHUNK_S:
            t0, lo, hi = chunks[-1]
            if y < lo or y > hi:
                chunks[-1] = (t0, min(lo, y), max(hi, y))
                # (a chunk only widens: the range of all of them widens to y, if at all)
                self._top, self._bottom = max(self._top, y), min(self._bottom, y)
                self.env = self._top - self._bottom
            return self.env
        chunks.append((t, y, y))
        keep = min(max(2.5 * self.period, 8.0), 25.0)
        while t - chunks[0][0] > keep:
            chunks.popleft()
        self._span()
        self.env = self._top - self._bottom
        return self.env

    def _span(self) -> None:
        chunks = self._chunks
        self._top = max(c[2] for c in chunks) if chunks else 0.0
        self._bottom = min(c[1] for c in chunks) if chunks else 0.0

    def _coarse_period(self, t: float, y: float, env: float) -> None:
        """Period from big swings only: upward crossings of a slow midline with a
        hysteresis of +-SCHMITT x range. Cardiac ripple and noise cannot cross it, so
        this period (which sets the smoothing and the minimum gap) cannot collapse."""
        if self._mid is None:
            self._mid = y
            return
        dt = 0.04
        self._mid += (y - self._mid) * (dt / (self.period + dt))
        if self._above:
            if y < self._mid - SCHMITT * env:
                self._above = False
        elif y > self._mid + SCHMITT * env:
            self._above = True
            if self._up_t is not None:
                p = t - self._up_t
                if 1.2 <= p <= 25.0:
                    self._ups.append(p)
                    self.period = _median(self._ups)
            self._up_t = t

    def _threshold_amp(self, t: float, y: float) -> float:
        env = self._range(t, y)
        self._coarse_period(t, y, env)
        # Median of recent breath excursions, but within [ENV_SHARE, 1] x recent range:
        # shallower breathing lowers it, ripple cannot drag it down.
        return max(min(max(self.amp, ENV_SHARE * env), env), self.floor)

    def step(self, t: float, y: float, lag: float):
        hist = self._hist
        hist.append((t, y))
        if not self.started:
            if self._boot_t0 is None:
                self._boot_t0 = t
                self._boot_lo = self._boot_hi = y
                self.hi = self.lo = self.hi_v0 = self.lo_v0 = y
                self.hi_t0 = self.hi_t1 = self.lo_t0 = self.lo_t1 = t
            self._boot_lo = min(self._boot_lo, y)
            self._boot_hi = max(self._boot_hi, y)
            # First amplitude guess: the range over the first seconds.
            if t - self._boot_t0 < 1.5:
                self._track(t, y)
                return None
            self.amp = max(self._boot_hi - self._boot_lo, self.floor, 1e-12)
            self.started = True
        self._track(t, y)
        # Past the last turn's own value again (the turn was a shoulder, or the breath
        # went on): measure the next excursion from here, so the state cannot get stuck.
        if (self.mode < 0 and y > self.last_val) or (self.mode > 0 and y < self.last_val):
            self.last_val = y
        amp = self._threshold_amp(t, y)
        if amp <= 0:
            return None
        # Recent slope over about a tenth of a period.
        win = min(max(0.1 * self.period, 0.12), 0.6)
        t_old, y_old = hist[-1 - self._back(t, win)]
        slope = (y - y_old) / (t - t_old) if t > t_old else 0.0
        typical = amp / (0.45 * self.period)
        mode = self.mode
        gap = MIN_GAP * self.period
        if mode >= 0 and (self.last_peak_t is None or t - lag - self.last_peak_t >= gap):
            back = self.hi - y
            if self.hi - (self.last_val if mode else self.lo) >= GATE * amp and (
                back >= DROP * amp or (back >= EARLY * amp and slope <= -SLOPE * typical)
            ):
                return self._declare("peak", t, y, lag)
        if mode <= 0 and (self.last_trough_t is None or t - lag - self.last_trough_t >= gap):
            back = y - self.lo
            if (self.last_val if mode else self.hi) - self.lo >= GATE * amp and (
                back >= DROP * amp or (back >= EARLY * amp and slope >= SLOPE * typical)
            ):
                return self._declare("trough", t, y, lag)
        return None

    def _back(self, t: float, win: float) -> int:
        """How many points back the first one at least ``win`` before ``t`` is, else the
        oldest of the last ``HIST``. Times increase, so from where it was last time (the
        window moves on with each point) one or two looks suffice; else by halving."""
        hist = self._hist
        last = min(len(hist), HIST) - 1
        k = min(self._k, last)
        if (k == last or t - hist[-1 - k][0] >= win) and (
                k == 0 or t - hist[-k][0] < win):
            return k
        lo, hi = 0, last
        while lo < hi:
            mid = (lo + hi) // 2
            if t - hist[-1 - mid][0] >= win:
                hi = mid
            else:
                lo = mid + 1
        self._k = lo
        return lo

    def _track(self, t: float, y: float) -> None:
        """Running extremes and the span of time spent within PLATEAU of them."""
        eps = PLATEAU * self.amp
        if y > self.hi:
            if y > self.hi_v0 + eps:  # a new top level: its plateau starts now
                self.hi_t0 = t
                self.hi_v0 = y
            self.hi = y
            self.hi_t1 = t
        elif y >= self.hi - eps:
            self.hi_t1 = t
        if y < self.lo:
            if y < self.lo_v0 - eps:
                self.lo_t0 = t
                self.lo_v0 = y
            self.lo = y
            self.lo_t1 = t
        elif y <= self.lo + eps:
            self.lo_t1 = t

    def _reached(self, val: float, near: float) -> float:
        """When the breath came within ``near`` of the bottom at ``val`` (its first point
        there, after the last point further away before it)."""
        first = None
        for tt, yy in reversed(self._hist):
            if yy - val <= near:
                first = tt
            elif first is not None:
                break
        return first if first is not None else self._hist[0][0]

    @staticmethod
    def _crossing(pts, t0: float, level: float, up: bool, back: bool = False):
        """When the signal ``pts`` crossed ``level`` (rising through it if ``up``, else
        falling) first from ``t0`` on, or with ``back`` last up to ``t0``; linear between
        points; None if it did not."""
        prev = None
        if not back:
            for p in itertools.islice(pts, bisect_left(pts, t0, key=_time), None):
                if p[1] >= level if up else p[1] <= level:
                    return p[0] if prev is None else _between(prev, p, level)
                prev = p
            return None
        for j in range(bisect_right(pts, t0, key=_time) - 1, -1, -1):
            p = pts[j]
            if not (p[1] >= level if up else p[1] <= level):
                return p[0] if prev is None else _between(p, prev, level)
            prev = p
        return None

    def _onset(self, pts, t_edge: float, val: float, size: float, up: bool, var: float,
               back: bool = False):
        """Where the movement away from a turn at ``val`` began, seen from ``t_edge`` on
        (or, ``back``, where the movement into it ended, seen up to ``t_edge``); ``up``:
        the signal rises there. A rounded turn is left as the square of time (volume
        whose flow starts from zero), so from where the signal is PLATEAU and 4 x PLATEAU
        of the excursion ``size`` away, the start lies about as far before the first as
        the second is after it (``_lead``). The PLATEAU point taken is the one next to
        the 4 x PLATEAU point (a ripple bump before it is no start), and the movement
        must go on as a square law to 9 x PLATEAU (``_square``). None if it does not, or
        if the history does not show it."""
        away = (-1.0 if back else 1.0) * (1.0 if up else -1.0) * PLATEAU * size

        def cross(t, share, toward):  # toward: searching from t towards the turn
            return self._crossing(pts, t, val + share * away, up, back != toward)

        t2 = cross(t_edge, 4.0, False)
        t1 = None if t2 is None else cross(t2, 1.0, True)
        t3 = None if t1 is None else cross(t2, 9.0, False)
        if t3 is None or not _square(abs(t2 - t1), abs(t3 - t2)):
            return None
        lead = _lead(abs(t2 - t1), var)
        return t1 + lead if back else t1 - lead

    def _phase_edges(self, kind: str, val: float, excursion: float, lag: float) -> None:
        """At a turn, with the movement before it complete: for a peak, where the rise
        from the last trough began (``onset_lead``) and where it ended; for a trough,
        where the fall from the last peak began, and so the middle of the top (``top_t``).
        Each within its plateau (a start no earlier than the signal reached the bottom)."""
        var = spread(lag)
        edge = self._trough_edge if kind == "peak" else self._peak_edge
        since = edge[0] if edge is not None else -math.inf  # the last turn's plateau start
        pts = []
        for p in reversed(self._hist):  # the points since then, and one before
            pts.append(p)
            if p[0] < since:
                break
        pts.reverse()
        most = LEAD_MAX * _median(self.rises) if self.rises else math.inf
        if kind == "peak":
            end = self._onset(pts, self.hi_t0, val, excursion, True, var, back=True)
            if end is not None:
                end = min(max(end, self.hi_t0), self.hi_t1)
            self._peak_edge = (self.hi_t0, end, self.hi_t1, val, lag)
            self.onset_lead = None
            if self._trough_edge is not None:
                t0, t1, low = self._trough_edge
                start = self._onset(pts, t1, low, excursion, True, var)
                if start is not None and t1 - start <= most:
                    self.onset_lead = t1 - min(max(start, t0), t1)
            return
        self.top_t = None
        if self._peak_edge is not None:
            t0, end, t1, top, then = self._peak_edge
            fall = None if end is None else self._onset(pts, t1, top, excursion, False, var)
            if fall is not None:
                self.top_t = 0.5 * (end + min(max(fall, t0), t1)) - then
        self._trough_edge = (self.lo_t0, self.lo_t1, val)

    def _declare(self, kind: str, t: float, y: float, lag: float):
        if kind == "peak":
            val = self.hi
            t_turn = 0.5 * (self.hi_t0 + self.hi_t1) - lag
            excursion = self.hi - (self.last_val if self.mode else self.lo)
            if self.edges:
                self._phase_edges(kind, val, excursion, lag)
            self.mode = -1
            self.lo = self.lo_v0 = y
            self.lo_t0 = self.lo_t1 = t
        else:
            val = self.lo
            t_turn = self.lo_t1 - lag
            excursion = (self.last_val if self.mode else self.hi) - self.lo
            if self.edges:
                self._phase_edges(kind, val, excursion, lag)
            self.mode = 1
            self.hi = self.hi_v0 = y
            self.hi_t0 = self.hi_t1 = t
        # Keep the running extremum of the new direction from the turn on (of the last
        # HIST points).
        since = []
        for p in reversed(self._hist):
            if len(since) == HIST or p[0] < t_turn + lag:
                break
            since.append(p)
        for tt, yy in reversed(since):
            if kind == "peak" and yy < self.lo:
                self.lo = self.lo_v0 = yy
                self.lo_t0 = self.lo_t1 = tt
            elif kind == "trough" and yy > self.hi:
                self.hi = self.hi_v0 = yy
                self.hi_t0 = self.hi_t1 = tt
        self.amps.append(excursion)
        self.amp = max(_upper(self.amps), self.floor)
        if kind == "peak" and self.last_trough_t is not None:
            self.rises.append(t_turn - self.last_trough_t)
        if kind == "trough":
            if self.last_peak_t is not None:
                self.falls.append(t_turn - self.last_peak_t)
                # how long the breath out took to come near its bottom (holds.py)
                reached = self._reached(val, NEAR * excursion) - lag
                self.descents.append(max(reached - self.last_peak_t, 0.0))
            self.last_trough_t = t_turn
        if kind == "peak":
            self.last_peak_t = t_turn
        self.last_val = val
        self.last_t = t_turn
        return kind, t_turn, val
