"""Per-belt front end: raw-sample checks and decimation to a steady analysis rate.

Every raw sample costs only a comparison or two and an addition here. Samples are
averaged in blocks of ``BLOCK_S`` (40 ms: two whole cycles of 50 Hz mains, so mains hum
averages out) and each block mean, stamped with the mean time of its samples (so the
averaging adds no time shift, even with uneven spacing), goes on to a two-pole low-pass
(with a little lead, see LEAD) whose time constant follows the breathing period.
Everything downstream therefore runs at about 25 points per second whether the ADC
delivers 10 or 860 samples per second.

Raw checks (per sample, before any averaging) feed ``faults.py``: runs of exactly the
same value (a stuck ADC code, a rail) and the running extremes.
"""

from __future__ import annotations

import math

BLOCK_S = 0.04
# Output = second stage + LEAD x (first stage - second stage). LEAD 0 is the plain
# two-pole low-pass (delay 2 tau); 2 would cancel the delay of a ramp entirely (and most
# of the noise suppression with it). 0.6 keeps most of the suppression and cuts the
# delay to 1.4 tau: the delay is what the patient sees as lag on the ring.
LEAD = 0.6


def spread(delay: float) -> float:
    """Variance (seconds squared) of the low-pass's response, moved back by its
    ``delay``: what it adds to a square-law movement k t^2 is k x this (turns.py). From
    the moments of the impulse response: 2 tau^2 for the first stage's share of the
    output, 6 tau^2 for the second's, less the squared delay. (That of the continuous
    low-pass: its steps of BLOCK_S add about ``delay`` x BLOCK_S, but at the start of a
    movement the smoothing also reaches back into the still part before it, which adds
    less; with the steps counted the ratio reads 2-4 % higher, docs/analysis.md.)"""
    tau = delay / (2.0 - LEAD)
    return ((6.0 - 4.0 * LEAD) - (2.0 - LEAD) ** 2) * tau * tau


class FrontEnd:
    """One belt. ``push(t, x)`` returns True when a new smoothed point is ready in
    ``.t`` / ``.y`` (and the block's raw mean in ``.raw``)."""

    __slots__ = ("_n", "_sum", "_tsum", "_t0", "t", "y", "raw", "tau", "_init",
                 "last_x", "run_t0", "run_n", "xmin", "xmax", "_last_t", "_y1", "_y2")

    def __init__(self):
        self._n = 0
        self._sum = 0.0
        self._tsum = 0.0
        self._t0 = None
        self.t = 0.0
        self.y = 0.0
        self._y1 = 0.0
        self._y2 = 0.0
        self.raw = 0.0
        self.tau = 0.1
        self._init = False
        self.last_x = math.nan
        self.run_t0 = 0.0  # start of the current run of identical raw values
        self.run_n = 0
        self.xmin = math.inf
        self.xmax = -math.inf
        self._last_t = None

    def settle_at(self, x: float) -> None:
        """Put the low-pass at rest at ``x`` (after a disconnection: no glide back)."""
        self.y = self._y1 = self._y2 = x

    def gap(self, restart: bool = True) -> None:
        """Samples stopped for a while: the block under way is dropped (averaged with the
        samples after the gap, it would stand in the gap's middle at neither's value), and
        with ``restart`` the low-pass starts afresh at the first block after it (gliding
        over from before the gap, it would show a movement that no one saw)."""
        self._n = 0
        self._sum = self._tsum = 0.0
        self._t0 = self._last_t = None
        self._init = self._init and not restart

    @property
    def delay(self) -> float:
        """How far the smoothed signal lags the belt (seconds): (2 - LEAD) x tau."""
        return (2.0 - LEAD) * self.tau

    def push(self, t: float, x: float) -> bool:
        if x == self.last_x:
            self.run_n += 1
        else:
            self.last_x = x
            self.run_t0 = t
            self.run_n = 1
            if x > self.xmax:
                self.xmax = x
            if x < self.xmin:
                self.xmin = x
        dt = t - self._last_t if self._last_t is not None else 0.0
        self._last_t = t
        if self._t0 is None:
            self._t0 = t
        self._n += 1
        self._sum += x
        self._tsum += t
        # Close the block once it spans BLOCK_S including this sample's own interval.
        if t - self._t0 + dt < BLOCK_S:
            return False
        n = self._n
        bt = self._tsum / n
        bx = self._sum / n
        self._n = 0
        self._sum = 0.0
        self._tsum = 0.0
        self._t0 = None
        self.raw = bx
        if not self._init:
            self._init = True
            self.y = self._y1 = self._y2 = bx
        else:
            dt = bt - self.t
            a = dt / (self.tau + dt)
            self._y1 += (bx - self._y1) * a
            self._y2 += (self._y1 - self._y2) * a
            self.y = self._y2 + LEAD * (self._y1 - self._y2)
        self.t = bt
        return True
