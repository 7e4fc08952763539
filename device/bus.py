"""What every bus object offers adafruit_bus_device: busio's lock methods; and for the
emulated buses, failure injection and the check that the driver took the lock."""

from __future__ import annotations

import errno
import os


class BusLock:
    """``try_lock`` / ``unlock`` / ``deinit`` as busio's I2C and SPI objects have them."""

    _locked = False

    def try_lock(self) -> bool:
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self) -> None:
        self._locked = False

    def deinit(self) -> None:
        self._locked = False


class EmulatedBus(BusLock):
    """Base of the emulated buses: ``fail_next(n, err)`` makes the next ``n`` transfers
    raise ``OSError(err)``; each transfer starts with ``_begin``."""

    name = "bus"
    default_errno = errno.EIO

    def __init__(self):
        self._failures: list[int] = []

    def fail_next(self, count: int = 1, err: int | None = None) -> None:
        """Make the next ``count`` transfers raise ``OSError(err)``."""
        self._failures.extend([self.default_errno if err is None else err] * count)

    def _begin(self) -> None:
        if not self._locked:
            raise RuntimeError(f"{self.name} used without try_lock()")
        if self._failures:
            err = self._failures.pop(0)
            raise OSError(err, os.strerror(err))
