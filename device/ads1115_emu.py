"""A register-level emulated ADS1115 that looks like an I2C bus to the adafruit driver.

The object offers the bus methods ``adafruit_bus_device.I2CDevice`` and the
``adafruit_ads1x15`` driver call (``try_lock``, ``unlock``, ``writeto``,
``readfrom_into``, ``writeto_then_readfrom``, ``scan``) and behaves like the chip behind
them, so the real driver code runs unchanged on a machine without a Pi:

- a 2-bit pointer register selects which 16-bit register a read returns (conversion,
  config, low and high threshold); a read without a new pointer returns the register
  last pointed at, exactly like the chip (this is what makes a careless continuous-mode
  read return the config register);
- the config register: OS (start a single conversion / busy flag), MUX (4 single-ended
  and 4 differential inputs), PGA full scale, MODE (continuous or single-shot), DR;
- conversions take ``rate_factor / data_rate`` seconds of the injected clock (the
  datasheet allows the data rate to be 10 % off: ``rate_factor=1.1`` is a slow chip, so
  a driver that polls once at the nominal time finds it still busy); a single-shot
  conversion starts ``startup_s`` after the write that asks for it, the chip's power-up
  (the datasheet's "approximately 25 us"; TI has also given about 110 us); results are the
  input voltage for the selected MUX scaled by the PGA and clipped to the signed 16-bit
  code range (a single-ended input is also clamped to the supply rails), with the MUX
  and PGA latched when the conversion started (a config write during a single-shot
  conversion does not change it, as on the chip);
- in continuous mode conversions follow each other back to back from the moment the
  config was written, each sampling the input at its own end time; a config write while
  they run lets the conversion under way finish with the settings it started with, and
  the new settings apply from the next one (datasheet, continuous-conversion mode).

Input volts come from ``source(t) -> {pin: volts}`` (pins 0..3; a pin not in the dict
reads 0 V). Faults are injected with ``fail_next`` (I2C errors, errno 5/110/121; with
``delay_s`` a slow one, as a hung bus times out on the Pi) and
``present = False`` (nobody answers: as with a missing chip or wrong address).

Bus time: with a clock that can ``advance`` (a VirtualClock), every transaction moves
the clock on by the time its bytes take at ``bus_hz`` (100 kHz, the Pi's default), so a
driver polling the busy flag sees time pass just as on the real bus.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from device.bus import EmulatedBus

POINTER_CONVERSION, POINTER_CONFIG, POINTER_LO, POINTER_HI = 0, 1, 2, 3
CONFIG_RESET = 0x8583  # datasheet power-on value: single-shot, AIN0-AIN1, +-2.048 V, 128 SPS

FULL_SCALE = (6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256)  # by PGA code
DATA_RATES = (8, 16, 32, 64, 128, 250, 475, 860)  # by DR code
# MUX code -> (positive pin, negative pin or None for ground)
MUX = ((0, 1), (0, 3), (1, 3), (2, 3), (0, None), (1, None), (2, None), (3, None))

Source = Callable[[float], dict]


def code_for(volts: float, full_scale: float) -> int:
    """The ADS1115's signed 16-bit output code for a differential input voltage."""
    code = int(round(volts / full_scale * 32768))
    return max(-32768, min(32767, code))


class ADS1115Emu(EmulatedBus):
    """One emulated ADS1115 on its own emulated I2C bus."""

    name = "I2C bus"
    default_errno = errno.EREMOTEIO

    def __init__(self, source: Source, clock, *, address: int = 0x48, vdd: float = 3.3,
                 bus_hz: float = 100_000.0, rate_factor: float = 1.0,
                 startup_s: float = 25e-6):
        self.source = source
        self.rate_factor = rate_factor
        self.startup_s = startup_s
        self.clock = clock
        self.address = address
        self.vdd = vdd
        self.present = True
        self.bus_hz = bus_hz
        self.pointer = POINTER_CONVERSION
        self.config = CONFIG_RESET
        self.lo_thresh = 0x8000
        self.hi_thresh = 0x7FFF
        self.conversion = 0
        super().__init__()
        self._busy_until: float | None = None  # single-shot conversion in progress
        self._single_mux = 0
        self._single_pga = 0
        self._cont_start: float | None = None  # continuous mode: when conversions started
        self._cont_done = 0  # continuous conversions already latched into the register
        self._cont_mux = self._cont_pga = 0  # their settings, and their period
        self._cont_period = 0.0
        # a conversion under way when the config was written: (end, mux, pga)
        self._finishing: tuple[float, int, int] | None = None
        self.transactions = 0

    # --- the I2C bus interface (busio.I2C's methods) ---------------------------------


    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
        return False

    def scan(self) -> list[int]:
        self._transaction(0, None, scan=True)
        return [self.address] if self.present else []

    def writeto(self, address: int, buffer, *, start: int = 0, end: int | None = None,
                stop: bool = True) -> None:
        data = bytes(buffer[start:len(buffer) if end is None else end])
        self._transaction(len(data), address)
        self._write(data)

    def readfrom_into(self, address: int, buffer, *, start: int = 0,
                      end: int | None = None, stop: bool = True) -> None:
        end = len(buffer) if end is None else end
        self._transaction(end - start, address)
        self._read_into(buffer, start, end)

    def writeto_then_readfrom(self, address: int, out_buffer, in_buffer, *,
                              out_start: int = 0, out_end: int | None = None,
                              in_start: int = 0, in_end: int | None = None,
                              stop: bool = False) -> None:
        data = bytes(out_buffer[out_start:len(out_buffer) if out_end is None else out_end])
        in_end = len(in_buffer) if in_end is None else in_end
        self._transaction(len(data) + in_end - in_start + 1, address)
        self._write(data)
        self._read_into(in_buffer, in_start, in_end)

    # --- chip behaviour --------------------------------------------------------------

    def _transaction(self, nbytes: int, address: int | None, scan: bool = False) -> None:
        if not self._locked:
            raise RuntimeError("I2C bus used without try_lock()")
        self.transactions += 1
        advance = getattr(self.clock, "advance", None)
        if advance is not None and self.bus_hz > 0 and not scan:
            advance((nbytes + 1) * 9 / self.bus_hz)
        self._begin()
        if not scan and (not self.present or address != self.address):
            raise OSError(errno.EREMOTEIO, os.strerror(errno.EREMOTEIO))

    def _write(self, data: bytes) -> None:
        if not data:
            return  # an address-only write: the probe
        self.pointer = data[0] & 0x03
        if len(data) < 3:
            return
        value = data[1] << 8 | data[2]
        if self.pointer == POINTER_CONFIG:
            self._write_config(value)
        elif self.pointer == POINTER_LO:
            self.lo_thresh = value
        elif self.pointer == POINTER_HI:
            self.hi_thresh = value
        # the conversion register is read-only

    def _read_into(self, buffer, start: int, end: int) -> None:
        value = self._register(self.pointer)
        raw = bytes([value >> 8, value & 0xFF])
        for i in range(start, end):
            buffer[i] = raw[(i - start) % 2]

    def _register(self, pointer: int) -> int:
        self._settle()
        if pointer == POINTER_CONVERSION:
            return self.conversion & 0xFFFF
        if pointer == POINTER_CONFIG:
            busy = self._busy_until is not None or self._cont_start is not None
            return (self.config & 0x7FFF) | (0 if busy else 0x8000)
        return self.lo_thresh if pointer == POINTER_LO else self.hi_thresh

    def _write_config(self, value: int) -> None:
        self._settle()
        self.config = value & 0x7FFF
        now = self.clock.now()
        if not value & 0x0100:  # MODE = 0: continuous; (re)start the conversion sequence
            self._busy_until = None
            start = now
            if self._cont_start is not None:  # the conversion under way ends as it began
                start = self._cont_start + (self._cont_done + 1) * self._cont_period
                self._finishing = (start, self._cont_mux, self._cont_pga)
            self._cont_start = start
            self._cont_done = 0
            self._cont_mux = (value >> 12) & 0x07
            self._cont_pga = (value >> 9) & 0x07
            self._cont_period = self.conversion_time
        else:
            self._cont_start = None  # single-shot / power-down
            self._finishing = None
            if value & 0x8000 and self._busy_until is None:
                self._single_mux = (value >> 12) & 0x07
                self._single_pga = (value >> 9) & 0x07
                self._busy_until = now + self.startup_s + self.conversion_time

    @property
    def conversion_time(self) -> float:
        return self.rate_factor / DATA_RATES[(self.config >> 5) & 0x07]

    def _settle(self) -> None:
        """Latch every conversion that has finished by now into the conversion register."""
        now = self.clock.now()
        if self._busy_until is not None and now >= self._busy_until:
            self.conversion = self._convert(self._single_mux, self._busy_until,
                                            self._single_pga)
            self._busy_until = None
        if self._finishing is not None and now >= self._finishing[0] - 1e-12:
            end, mux, pga = self._finishing
            self.conversion = self._convert(mux, end, pga)
            self._finishing = None
        if self._cont_start is not None:
            period = self._cont_period
            done = int((now - self._cont_start) / period + 1e-9)
            if done > self._cont_done:
                self.conversion = self._convert(self._cont_mux,
                                                self._cont_start + done * period,
                                                self._cont_pga)
                self._cont_done = done

    def _convert(self, mux: int, t: float, pga: int | None = None) -> int:
        pins = self.source(t)
        pos, neg = MUX[mux]
        lo, hi = -0.3, self.vdd + 0.3  # input protection diodes clamp beyond the rails
        v = min(hi, max(lo, float(pins.get(pos, 0.0))))
        if neg is not None:
            v -= min(hi, max(lo, float(pins.get(neg, 0.0))))
        pga = (self.config >> 9) & 0x07 if pga is None else pga
        return code_for(v, FULL_SCALE[pga]) & 0xFFFF
