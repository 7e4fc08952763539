"""The WS2812 LED ring through ``neopixel_spi`` (SPI MOSI, no root, Pi 3/4/5 and Zero 2 W).

The ring only shows frames: an (N, 3) uint8 array of RGB colours made by the coaching
code, with the config's brightness level already applied (``feedback.ringframes``, so a
reloaded level shows in the first frame made with it); the driver sends them as they are.
A failed SPI write raises ``RingIOError`` (an OSError) for the loop to report as a fault
of kind ``led``; the next frame tries again.
"""

from __future__ import annotations

import contextlib

import numpy as np

from device.bus import (
    bus_missing,
    denied,
    import_blinka,
    missing_package,
    permission_message,
    software_message,
)
from feedback.errors import BadInput, HardwareError

ORDERS = ("GRB", "RGB", "BRG", "RBG", "GBR", "BGR")
MOSI_GPIO = {0: 10, 1: 20}  # the pin each SPI bus sends the ring's data on


class RingIOError(OSError):
    """A frame could not be sent to the ring."""


def open_spi(bus_num: int):
    """The real SPI bus through Blinka (imported here, never at module import)."""
    board, busio = import_blinka()

    if bus_num == 0:
        return busio.SPI(board.SCK, MOSI=board.MOSI)
    if bus_num == 1:
        return busio.SPI(board.SCK_1, MOSI=board.MOSI_1)
    raise HardwareError(f"ring: SPI bus {bus_num} is not supported; use 0 (GPIO10) or 1")


def spi_open_message(exc: BaseException, bus: int) -> str:
    """A missing software package is not a wiring fault, nor is a user outside the group
    that may open the bus; a missing bus is SPI disabled."""
    package = missing_package(exc)
    if package is not None:
        return software_message(f"LED ring: SPI bus {bus} cannot be opened", package)
    refused = denied(exc)  # (/dev/spidevN.0 is there, but not for this user)
    if refused is not None:
        return permission_message(f"LED ring: SPI bus {bus} cannot be opened", refused)
    hint = "enable SPI (sudo raspi-config nonint do_spi 0) and reboot" if bus_missing(exc) \
        else "check that SPI is enabled (raspi-config)"
    return f"LED ring: cannot open SPI bus {bus}: {hint} ({exc})"


class Ring:
    """A ring of ``pixels`` WS2812 LEDs. ``spi`` is a bus object; None opens ``spi_bus``."""

    def __init__(self, pixels: int = 16, *, order: str = "GRB", spi_bus: int = 0, spi=None):
        if not 12 <= pixels <= 60:
            raise BadInput(f"ring: {pixels} pixels; must be between 12 and 60")
        if order not in ORDERS:
            raise BadInput(f"ring: pixel order {order!r} must be one of {', '.join(ORDERS)}")
        try:
            import_blinka()  # neopixel_spi imports Blinka's board (on a Pi: its GPIO library)
            if spi is None:
                spi = open_spi(spi_bus)
            import neopixel_spi
        except HardwareError:
            raise
        except Exception as exc:  # Blinka fails in many ways off a Pi or without SPI
            raise HardwareError(spi_open_message(exc, spi_bus)) from None
        self.pixels = pixels
        self.order = order
        self.spi_bus = spi_bus
        self.spi = spi
        self._np = neopixel_spi.NeoPixel_SPI(spi, pixels, pixel_order=order,
                                             brightness=1.0, auto_write=False)

    @classmethod
    def from_settings(cls, ring, spi=None) -> Ring:
        return cls(ring.pixels, order=ring.order, spi_bus=ring.spi_bus, spi=spi)

    def show(self, frame: np.ndarray) -> None:
        """Light the ring with ``frame``: uint8 RGB, shape (pixels, 3)."""
        frame = np.asarray(frame)
        if frame.shape != (self.pixels, 3):
            raise ValueError(f"ring frame has shape {frame.shape}; expected ({self.pixels}, 3)")
        self._np[0:self.pixels] = [tuple(p) for p in frame.astype(np.uint8).tolist()]
        try:
            self._np.show()
        except OSError as exc:
            raise RingIOError(exc.errno, f"LED ring write failed: {exc.strerror}") from None

    def close(self) -> None:
        """Turn the LEDs off (best effort)."""
        with contextlib.suppress(OSError):
            self.show(np.zeros((self.pixels, 3), dtype=np.uint8))
