"""Time sources. Logic never reads the wall clock: it is handed a clock.

``MonotonicClock`` is the real one; ``VirtualClock`` is stepped by tests and by the
simulator running faster than real time.
"""

import time


class MonotonicClock:
    """Seconds from ``time.monotonic``; ``sleep_until`` really sleeps."""

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, t: float) -> None:
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """A clock that only moves when told to. ``sleep_until`` jumps straight there."""

    def __init__(self, start: float = 0.0):
        self._t = float(start)

    def now(self) -> float:
        return self._t

    def advance(self, dt: float) -> None:
        if dt < 0:
            raise ValueError(f"a virtual clock cannot go back ({dt} s)")
        self._t += dt

    def sleep_until(self, t: float) -> None:
        if t > self._t:
            self._t = t


class ScaledClock:
    """Real time sped up by ``speed`` (``ademcoach run --sim --speed X``, X above 0;
    ``--speed 0``, as fast as possible, is a ``VirtualClock``)."""

    def __init__(self, speed: float = 1.0):
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.speed

    def sleep_until(self, t: float) -> None:
        delay = (t - self.now()) / self.speed
        if delay > 0:
            time.sleep(delay)
