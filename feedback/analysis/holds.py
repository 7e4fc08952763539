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

BAND = 0.08  # x calibrated amplitude: what counts as not moving
CREEP = 0.03  # x calibrated amplitude per second: drift that still counts as not moving
NOISE_BAND = 4.0  # x noise level: the band is never narrower than this
END_BAND = 0.25  # x calibrated amplitude: during a hold, only breath-sized movement ends it
WINDOW_S = 3.0  # during a hold the band is re-anchored this often, so creep stays bounded


class StillnessClock:
    """``step(t, y, amp, noise)`` -> seconds of stillness so far; ``since`` its start."""

    __slots__ = ("since", "t0", "lo", "hi")

    def __init__(self):
        self.since = None
        self.t0 = 0.0  # start of the current band
        self.lo = self.hi = 0.0

    def reset(self, t: float, y: float) -> None:
        self.since = self.t0 = t
        self.lo = self.hi = y

    def step(self, t: float, y: float, amp: float, noise: float, holding: bool = False) -> float:
        if self.since is None:
            self.reset(t, y)
            return 0.0
        if holding and t - self.t0 > WINDOW_S:
            self.t0 = t
            self.lo = self.hi = y
        lo = min(self.lo, y)
        hi = max(self.hi, y)
        base = END_BAND if holding else BAND
        band = max(base * amp, NOISE_BAND * noise) + CREEP * amp * (t - self.t0)
        if hi - lo > band:
            # Moved: the stillness (if any) starts again from here.
            self.reset(t, y)
            return 0.0
        self.lo, self.hi = lo, hi
        return t - self.since
