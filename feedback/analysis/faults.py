"""Sensor faults, per belt: disconnected, saturated, flat, noisy.

- A run of exactly the same raw value for ``FLAT_S`` seconds (and at least
  ``FLAT_MIN_N`` samples) cannot be a person, held breath or not: a live belt on a
  16-bit ADC always shows some noise, and even the coarsely quantised stretch sensor
  never repeats one code for more than about a second while the breath is held. Such a
  run is ``disconnected`` when the signal jumped there (by more than ``JUMP`` breath
  amplitudes), ``saturated`` when it sits at the highest or lowest value seen (a rail),
  and ``flat`` otherwise. It ends as soon as the value changes.
- ``noisy``: the sample-to-sample roughness of the 40 ms block means, compared to the
  breath amplitude, stays above ``NOISY_ON`` for ``NOISY_S`` seconds; it ends once it has
  stayed below ``NOISY_OFF`` for as long.
Because ``FLAT_S`` is shorter than the shortest hold threshold (2 s), a stuck signal
becomes a fault before it could ever become a hold.
"""

from __future__ import annotations

import math

FLAT_S = 1.5
FLAT_MIN_N = 8
JUMP = 5.0
RAIL = 0.01  # within this share of the seen range of an extreme = at a rail
NOISY_ON = 0.25
NOISY_OFF = 0.12
NOISY_S = 2.0
NOISE_TAU = 1.0


class BeltFaults:
    """Fault state of one belt; ``stuck_kind`` / ``noisy`` are the active faults."""

    __slots__ = ("stuck_kind", "noisy", "_d1", "_prev", "_ms", "_since", "_last_t",
                 "noise")

    def __init__(self):
        self.stuck_kind = None
        self.noisy = False
        self._prev = None
        self._d1 = 0.0
        self._ms = 0.0
        self._since = None
        self._last_t = None
        self.noise = 0.0  # noise standard deviation estimate of the block means

    def stuck(self, fe, y_before: float, amp: float) -> str:
        """Classify a run of identical raw values (called once it is long enough)."""
        x = fe.last_x
        span = fe.xmax - fe.xmin
        if amp > 0 and abs(x - y_before) > JUMP * amp:
            return "disconnected"
        if span > 0 and (x >= fe.xmax - RAIL * span or x <= fe.xmin + RAIL * span):
            return "saturated"
        return "flat"

    def roughness(self, t: float, raw: float, amp: float):
        """Update the noise estimate from one block mean. Returns +1 when ``noisy``
        starts, -1 when it ends, else 0."""
        prev = self._prev
        self._prev = raw
        if prev is None:
            self._last_t = t
            return 0
        d1 = raw - prev
        d2 = d1 - self._d1
        self._d1 = d1
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
