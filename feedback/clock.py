"""Time sources. Logic never reads the wall clock: it is handed a clock.

``MonotonicClock`` is the real one; ``VirtualClock`` is stepped by tests and by the
simulator as fast as possible (``--speed 0``); ``PacedClock`` is the simulator's faster
than real time (``--speed X`` above 1), ``ScaledClock`` its real time or slower.

Each clock's ``rate`` is how many of its seconds pass in a second of real time (1.0 for a
``VirtualClock``, which has no real time of its own): the screen draws ``fps`` frames a
real second by it.
"""

import time


class MonotonicClock:
    """Seconds from ``time.monotonic``; ``sleep_until`` really sleeps."""

    rate = 1.0

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, t: float) -> None:
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """A clock that only moves when told to. ``sleep_until`` jumps straight there."""

    rate = 1.0

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


class PacedClock(VirtualClock):
    """A simulation faster than real time (``ademcoach run --sim --speed X``, X above 1):
    a ``VirtualClock`` whose ``sleep_until(t)`` first waits until real time has reached
    ``t / speed``. Time moves only as the loop and the emulated parts step it, as at
    ``--speed 0``, so a computer that cannot keep ``speed`` runs the simulation slower
    instead of skipping samples (a ``ScaledClock`` at 1000 x left a 60 s session two
    readings and no breath); once behind, it goes on at ``speed`` from where it is."""

    def __init__(self, speed: float):
        super().__init__()
        self.rate = speed
        self._real0 = time.monotonic()  # real time at which the clock read 0

    def sleep_until(self, t: float) -> None:
        if t <= self._t:
            return
        delay = self._real0 + t / self.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:  # behind: no catching up at more than ``speed``
            self._real0 -= delay
        self._t = t


class ScaledClock:
    """Real time slowed down by ``speed`` (``ademcoach run --sim --speed X``, X from 0.01
    to 1; faster is a ``PacedClock``, ``--speed 0`` a ``VirtualClock``). Like the unit's
    clock it runs on while the loop is busy, and the loop counts and skips late ticks."""

    def __init__(self, speed: float = 1.0):
        self.rate = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.rate

    def sleep_until(self, t: float) -> None:
        delay = (t - self.now()) / self.rate
        if delay > 0:
            time.sleep(delay)
