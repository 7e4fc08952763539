"""Breath-hold detection: how long has the breath signal been still?

"Still" means the smoothed signal stays inside a band around where it settled: the band
is ``BAND`` x the calibrated breath amplitude (never less than a few times the noise) and
widens by ``CREEP`` x amplitude per second, so the slow creep of a conductive-rubber belt
(or the slow sag of a held chest) stays inside it, while a slow exhale of 6-10 s, which
moves about a tenth of a breath per second, leaves it within about two seconds and
restarts the clock. A normal end-expiratory pause (up to about 2.5 s) is still, but
shorter than the hold threshold. The hold fires ``hold_after_s`` after the stillness
began, with ``t`` = that start; a planned pause moves the start of the clock to its end.
Once a hold is on, only a breath-sized movement (``END_BAND``) ends it: a swallow or a
twitch during a long hold does not end it and start a second one.
"""

from __future__ import annotations

from collections import deque

BAND = 0.08  # x calibrated amplitude: what counts as not moving
CREEP = 0.03  # x calibrated amplitude per second: drift that still counts as not moving
NOISE_BAND = 4.0  # x noise level: the band is never narrower than this
END_BAND = 0.25  # x calibrated amplitude: during a hold, only breath-sized movement ends it
WINDOW_S = 3.0  # during a hold the band is re-anchored this often, so creep stays bounded
SETTLE_S = 1.0  # "still moving": changed by more than SETTLE x amplitude within this time
SETTLE = 0.06  # (0.06 amplitudes per second: twice the creep allowance; over a whole
#               second, so cardiac ripple of about 1 Hz mostly cancels)
SETTLE_WITHIN_S = 2.0  # ... looked for only this long after the signal entered the band


class StillnessClock:
    """``step(t, y, amp, noise)`` -> seconds of stillness so far; ``since`` its start.

    ``settled`` is when the signal last moved by more than ``SETTLE`` amplitudes within
    ``SETTLE_S`` (the middle of that span): the end of a rounded, slow turn enters the
    band about a second before the movement really stops, so this is the better estimate
    of when the patient stopped (used to tell the patient's own stop from following the
    pacer's pause). It is refined only during the first ``SETTLE_WITHIN_S`` of stillness:
    later movement inside the band (a swallow, the next breath starting) says nothing
    about the stop.
    """

    __slots__ = ("since", "t0", "lo", "hi", "settled", "last", "last_since", "last_settled",
                 "_recent")

    def __init__(self):
        self.since = None
        self.last = 0.0  # how long the stillness that movement last ended had lasted
        self.last_since = self.last_settled = 0.0  # ... and its since / settled
        self.t0 = 0.0  # start of the current band
        self.lo = self.hi = 0.0
        self.settled = 0.0
        self._recent: deque[tuple[float, float]] = deque()

    def reset(self, t: float, y: float) -> None:
        self.since = self.t0 = self.settled = t
        self.lo = self.hi = y

    def step(self, t: float, y: float, amp: float, noise: float, holding: bool = False) -> float:
        if self.since is None:
            self.reset(t, y)
            return 0.0
        recent = self._recent
        recent.append((t, y))
        while t - recent[0][0] > SETTLE_S:
            recent.popleft()
        if t - self.since <= SETTLE_WITHIN_S and \
                abs(y - recent[0][1]) > max(SETTLE * amp, NOISE_BAND * noise):
            self.settled = 0.5 * (t + recent[0][0])  # it moved within that span
        if holding and t - self.t0 > WINDOW_S:
            self.t0 = t
            self.lo = self.hi = y
        lo = min(self.lo, y)
        hi = max(self.hi, y)
        base = END_BAND if holding else BAND
        band = max(base * amp, NOISE_BAND * noise) + CREEP * amp * (t - self.t0)
        if hi - lo > band:
            # Moved: the stillness (if any) starts again from here.
            self.last = t - self.since
            self.last_since, self.last_settled = self.since, self.settled
            self.reset(t, y)
            return 0.0
        self.lo, self.hi = lo, hi
        return t - self.since
