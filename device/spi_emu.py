"""An emulated SPI bus with a WS2812 ring on its MOSI line.

``neopixel_spi`` drives WS2812 LEDs by sending one SPI byte per LED data bit at 6.4 MHz:
a byte with a long high time is a 1, a short one a 0, and zero bytes before and after
form the reset gap. This bus records every write and decodes the bit stream the way the
LEDs would (high time against the WS2812 threshold), undoing the strip's colour order,
so tests see the RGB colours that would really light up and the simulator can draw them.
"""

from __future__ import annotations

import numpy as np

from device.bus import EmulatedBus

T1H_THRESHOLD_S = 0.55e-6  # WS2812B: T0H 0.40 us, T1H 0.80 us (+-0.15 us)


def decode_ws2812(data: bytes, frequency: float, order: str = "GRB") -> np.ndarray:
    """Decode one SPI write to an (N, 3) uint8 array of RGB colours.

    Leading and trailing zero bytes are the reset gap. Each remaining byte is one data
    bit: its high time (leading one bits times the SPI bit time) decides 0 or 1.
    """
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    nz = np.flatnonzero(raw)
    if nz.size == 0:
        return np.zeros((0, 3), dtype=np.uint8)
    raw = raw[nz[0]:nz[-1] + 1]
    bits = np.unpackbits(raw).reshape(-1, 8)
    # number of leading ones in each byte
    high = np.where(bits.all(axis=1), 8, np.argmin(bits, axis=1))
    databits = (high / frequency > T1H_THRESHOLD_S).astype(np.uint8)
    usable = len(databits) - len(databits) % 24
    wire = np.packbits(databits[:usable]).reshape(-1, 3)
    rgb = np.empty_like(wire)
    for i, ch in enumerate(order[:3]):
        rgb[:, "RGB".index(ch)] = wire[:, i]
    return rgb


class SPIEmu(EmulatedBus):
    """The busio.SPI methods neopixel_spi uses, with a decoded record of each frame."""

    name = "SPI bus"

    def __init__(self, order: str = "GRB", keep: int = 50):
        self.order = order
        self.frequency = 100_000
        self.writes = 0
        self.frames: list[np.ndarray] = []
        self.keep = keep
        super().__init__()

    def configure(self, baudrate: int = 100000, polarity: int = 0, phase: int = 0,
                  bits: int = 8) -> None:
        self.frequency = baudrate

    def write(self, buf, start: int = 0, end: int | None = None) -> None:
        self._begin()
        self.writes += 1
        data = bytes(buf[start:len(buf) if end is None else end])
        self.frames.append(decode_ws2812(data, self.frequency, self.order))
        del self.frames[:-self.keep]

    def deinit(self) -> None:
        self._locked = False

    @property
    def last(self) -> np.ndarray | None:
        """The colours the ring shows now (RGB), or None before the first frame."""
        return self.frames[-1] if self.frames else None
