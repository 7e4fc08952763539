"""The stretch-belt sensor: one or two belts on an ADS1115, through the adafruit driver.

How channels are read, and why: the adafruit ``ads1x15`` 3.x driver has two traps in
continuous mode. (1) When it switches to another pin it rewrites the config register but
takes the MUX bits back *from the chip*, so the chip keeps converting whatever input it
had: with two belts both would return the first belt. (2) Its fast continuous read does
not set the pointer register, so right after any config write (gain, data rate, a pin
change) it reads back the *config* register as if it were a conversion. Both are shown
against the emulated chip in tests/test_sensor.py.

We therefore use single-shot mode, which the driver does correctly: every read writes the
config with the requested MUX and the OS bit, waits for the conversion and reads the
conversion register with the pointer set. Its wait is an unbounded busy loop; our
subclass replaces it with a wait on the injected clock for the nominal conversion time
(1/data_rate) followed by a few bounded polls of the busy flag, so it neither spins the
CPU on a Pi Zero nor hangs if the chip stops answering. Two belts are two conversions a
few milliseconds apart (at 860 SPS: 1.2 ms each), far below one breath.

I2C errors that come back at once (errno 5 or 121: a glitch, a missing acknowledge) are
retried with a short backoff; after ``retries`` they become ``SensorIOError`` (an
``OSError``) for the loop to report as a fault of kind ``i2c`` and carry on. A *timeout*
is different: on the Pi's i2c-bcm2835 a hung bus (SDA held low, a chip in a bad state)
fails each transfer with ETIMEDOUT only after about a second, and every retry would
freeze the loop, its LED frames, screen and systemd watchdog for another second. So a
failure that is a timeout (errno 110, or any failure that took longer than ``slow_s``)
is not retried: the read fails at once and the sensor is left alone for ``pause_s``
(doubling while it keeps timing out, up to ``max_pause_s``); reads in that time fail
without touching the bus. The first good read ends the pause. Blinka is imported inside
``connect()`` only.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Sequence

from device.bus import (
    BusLock,
    bus_missing,
    denied,
    import_blinka,
    missing_package,
    not_a_pi,
    not_a_pi_message,
    permission_message,
    software_message,
)
from feedback.errors import BadInput, HardwareError
from feedback.words import Say, decimal, plural, say

# config name -> (positive pin, negative pin or None)
CHANNELS = {
    "A0": (0, None), "A1": (1, None), "A2": (2, None), "A3": (3, None),
    "A0-A1": (0, 1), "A0-A3": (0, 3), "A1-A3": (1, 3), "A2-A3": (2, 3),
}
DATA_RATES = (8, 16, 32, 64, 128, 250, 475, 860)
GAINS = (2 / 3, 1, 2, 4, 8, 16)


BUS_S = 0.0025  # a conversion's I2C traffic: three transfers (config, a poll, the result)
#   are about 1.3 ms on the wire at the Pi's default 100 kHz, and each transfer's kernel
#   call and Python on a Pi add some tenths of a ms; the read runs on the loop's thread


def data_rate_problem(data_rate: int, belts: int, rate_hz: float) -> Say | None:
    """Why ``data_rate`` cannot keep up with ``rate_hz`` samples/s of ``belts`` belts (each
    sample of each belt is one conversion plus its bus traffic, within 80 % of the
    period), or None when it can."""
    def fits(rate):
        return belts * (1.0 / rate + BUS_S) <= 0.8 / rate_hz

    if fits(data_rate):
        return None
    enough = [r for r in DATA_RATES if fits(r)]
    most = int(0.8 / (belts * (1.0 / max(DATA_RATES) + BUS_S)))  # (at the fastest rate)
    hint = (say("use {n} or more", "geef {n} of meer", n=enough[0]) if enough else
            say("lower sensor.rate_hz to {m} or less (at data_rate = {r})",
                "geef sensor.rate_hz = {m} of minder (bij data_rate = {r})", m=most,
                r=max(DATA_RATES)))
    return say("too slow for {belts} at sensor.rate_hz = {hz} (a conversion with its I2C "
               "traffic takes {ms} ms); {hint}", "te traag voor {belts} bij sensor.rate_hz = "
               "{hz} (een meting met het verkeer over I2C duurt {ms} ms); {hint}",
               belts=plural(belts, "belt", "band"), hz=rate_hz,
               ms=decimal(f"{1000 * (1 / data_rate + BUS_S):.1f}"), hint=hint)


class SensorIOError(OSError):
    """The sensor did not answer after the retries: report a fault of kind ``i2c``."""


def absent_message(address: int, bus: int) -> str:
    return (f"No ADS1115 at 0x{address:02x} on I2C bus {bus}: "
            "check wiring and that I2C is enabled (raspi-config)")


ADDR_PIN = {0x48: "GND", 0x49: "VDD", 0x4A: "SDA", 0x4B: "SCL"}  # ADS1115 ADDR wiring


def scan_message(address: int, bus: int, found: list[int] | None) -> str:
    """The message for a chip that does not answer at ``address``, from what a scan of the
    bus found (None: the scan failed as well)."""
    base = absent_message(address, bus)
    if not found:
        return base
    ads = [a for a in found if a in ADDR_PIN]
    if ads:
        a = ads[0]
        return (f"No ADS1115 at 0x{address:02x} on I2C bus {bus}, but a device answers at "
                f"0x{a:02x} (ADDR wired to {ADDR_PIN[a]}): set [sensor] address = 0x{a:02x}"
                f", or wire ADDR to {ADDR_PIN.get(address, 'GND')}")
    others = ", ".join(f"0x{a:02x}" for a in found)
    return (f"No ADS1115 at 0x{address:02x} on I2C bus {bus}; only other devices answer "
            f"({others}), none at an ADS1115 address (0x48-0x4b): check the ADS1115's "
            f"wiring and supply")


def bus_open_message(exc: BaseException, address: int, bus: int) -> str:
    """What the technician reads when the I2C bus itself could not be opened: a missing
    software package is not a wiring fault, nor is a user outside the group that may open
    the bus, and a bus the kernel lacks is I2C not enabled."""
    package = missing_package(exc)
    if package is not None:
        return software_message(f"I2C bus {bus} cannot be opened", package)
    refused = denied(exc)  # (Blinka passes the PermissionError of /dev/i2c-N on as it is)
    if refused is not None:
        return permission_message(f"I2C bus {bus} cannot be opened", refused)
    if bus_missing(exc):
        return (f"I2C bus {bus} is not there: enable I2C (sudo raspi-config nonint do_i2c 0) "
                f"and reboot; the ADS1115 at 0x{address:02x} cannot be reached without it")
    return absent_message(address, bus)


class _LockedLinuxI2C(BusLock):
    """A numbered Linux I2C bus with the lock methods adafruit_bus_device expects."""

    def __init__(self, bus_num: int):
        from adafruit_blinka.microcontroller.generic_linux.i2c import I2C

        self._bus = I2C(bus_num)

    def __getattr__(self, name):
        return getattr(self._bus, name)


def open_i2c(bus_num: int):
    """The real I2C bus through Blinka (imported here, never at module import)."""
    if bus_num == 1:
        board, busio = import_blinka()
        return busio.I2C(board.SCL, board.SDA)
    return _LockedLinuxI2C(bus_num)


def _paced_driver_class(clock):
    """The adafruit ADS1115 with its busy loop replaced by a bounded, clock-paced wait."""
    from adafruit_ads1x15.ads1115 import ADS1115

    class PacedADS1115(ADS1115):
        _started = 0.0

        def _write_config(self, pin_config=None):
            super()._write_config(pin_config)
            self._started = clock.now()

        def _conversion_complete(self) -> int:
            period = 1.0 / self.data_rate
            due = self._started + period + 50e-6  # conversion time plus wake-up
            if clock.now() < due:
                clock.sleep_until(due)
            # Only a poll that began after the deadline and still reads busy is a timeout:
            # the program can be held up after a poll's answer (the GIL, the scheduler),
            # and by then the busy flag it read is old.
            late = clock.now() > self._started + 3 * period + 0.002
            if super()._conversion_complete():
                return 1
            if late:
                raise OSError(errno.ETIMEDOUT, "ADS1115 conversion did not finish")
            clock.sleep_until(clock.now() + period / 10)
            return 0

    return PacedADS1115


class AdsSensor:
    """One or two stretch belts on an ADS1115.

    ``bus`` is an I2C bus object (the emulator in tests and simulation); None opens the
    real bus ``i2c_bus`` in ``connect()``.
    """

    def __init__(self, belts: Sequence[str], channels: Sequence[str], clock, *,
                 gain: float = 1, data_rate: int = 860, rate_hz: int = 50,
                 address: int = 0x48, i2c_bus: int = 1, bus=None,
                 retries: int = 3, backoff_s: float = 0.002, slow_s: float = 0.1,
                 pause_s: float = 1.0, max_pause_s: float = 8.0):
        if len(belts) != len(channels) or not 1 <= len(belts) <= 2:
            raise BadInput(f"sensor: give one channel per belt (belts {list(belts)}, "
                           f"channels {list(channels)})")
        for ch in channels:
            if ch not in CHANNELS:
                raise BadInput(f"sensor: unknown channel {ch!r}; use one of "
                               f"{', '.join(CHANNELS)}")
        if gain not in GAINS:
            raise BadInput(f"sensor: gain {gain} must be one of 2/3, 1, 2, 4, 8, 16")
        if data_rate not in DATA_RATES:
            raise BadInput(f"sensor: data rate {data_rate} must be one of {DATA_RATES}")
        problem = data_rate_problem(data_rate, len(belts), rate_hz)
        if problem:
            raise BadInput(f"sensor.data_rate = {data_rate}: {problem}")
        self.belts = tuple(belts)
        self.channels = tuple(channels)
        self.clock = clock
        self.gain = gain
        self.data_rate = data_rate
        self.rate_hz = rate_hz
        self.address = address
        self.i2c_bus = i2c_bus
        self.retries = retries
        self.backoff_s = backoff_s
        self.slow_s = slow_s
        self.pause_s = pause_s
        self.max_pause_s = max_pause_s
        self._pause = 0.0  # the current pause after a timeout; 0 while the bus answers
        self._resume_at = float("-inf")
        self._timeout: OSError | None = None
        self._bus = bus
        self._owns_bus = bus is None
        self._ads = None
        self._inputs: list = []
        self.errors = 0  # I2C errors seen (retried or not)

    @classmethod
    def from_settings(cls, sensor, clock, bus=None) -> AdsSensor:
        """Build from the validated ``[sensor]`` section."""
        return cls(sensor.belts, sensor.channels, clock, gain=sensor.gain,
                   data_rate=sensor.data_rate, rate_hz=sensor.rate_hz,
                   address=sensor.address, i2c_bus=sensor.i2c_bus, bus=bus)

    def connect(self) -> None:
        """Find the chip and set it up. HardwareError with the clear message if absent."""
        from adafruit_ads1x15.analog_in import AnalogIn

        if self._bus is None:
            board = not_a_pi()
            if board is not None:
                raise HardwareError(not_a_pi_message(f"I2C bus {self.i2c_bus}", board))
            try:
                self._bus = open_i2c(self.i2c_bus)
            except Exception as exc:  # Blinka fails in many ways off a Pi or without I2C
                err = HardwareError(bus_open_message(exc, self.address, self.i2c_bus))
                err.detail = f"{type(exc).__name__}: {exc}"
                raise err from None
        driver = _paced_driver_class(self.clock)
        for attempt in (1, 2):  # one I2C error while connecting is tried again
            try:
                ads = driver(self._bus, gain=self.gain, data_rate=self.data_rate,
                             address=self.address)
                break
            except (ValueError, OSError):
                if attempt == 2:
                    raise HardwareError(scan_message(self.address, self.i2c_bus,
                                                     self._scan())) from None
                self.clock.sleep_until(self.clock.now() + 0.01)
        self._ads = ads
        self._inputs = [AnalogIn(ads, *CHANNELS[ch]) if CHANNELS[ch][1] is not None
                        else AnalogIn(ads, CHANNELS[ch][0]) for ch in self.channels]

    def _scan(self) -> list[int] | None:
        """The addresses that answer on the bus (what i2cdetect shows), or None."""
        bus = self._bus
        try:
            if not bus.try_lock():
                return None
            try:
                return sorted(bus.scan())
            finally:
                bus.unlock()
        except (OSError, RuntimeError, ValueError):
            return None

    def read(self) -> tuple[float, ...]:
        """Volts per belt (belt order). Retries quick I2C errors; SensorIOError after
        that, at once after a timeout, and without using the bus while paused after one."""
        if self._ads is None:
            raise HardwareError("sensor.read() before connect()")
        if self.clock.now() < self._resume_at:
            raise self._paused_error()
        values = tuple(self._read_one(inp) for inp in self._inputs)
        self._pause = 0.0
        return values

    def read_input(self, channel: str) -> float:
        """Volts on one input that may be none of the belts' (hw-check looks for a belt
        on another input); retried as ``read()`` is, SensorIOError after that."""
        from adafruit_ads1x15.analog_in import AnalogIn

        if self._ads is None:
            raise HardwareError("sensor.read_input() before connect()")
        if self.clock.now() < self._resume_at:
            raise self._paused_error()
        return self._read_one(AnalogIn(self._ads, *CHANNELS[channel]))

    def _read_one(self, inp) -> float:
        last: OSError | None = None
        for attempt in range(self.retries + 1):
            started = self.clock.now()
            try:
                return inp.voltage
            except OSError as exc:
                self.errors += 1
                last = exc
                if exc.errno == errno.ETIMEDOUT or self.clock.now() - started > self.slow_s:
                    self._timed_out(exc)
                if attempt < self.retries:
                    self.clock.sleep_until(self.clock.now() + self.backoff_s * 2 ** attempt)
        code = last.errno if last is not None and last.errno else errno.EIO
        raise SensorIOError(code, f"ADS1115 at 0x{self.address:02x} did not answer after "
                                  f"{self.retries + 1} tries: {os.strerror(code)}")

    def _timed_out(self, exc: OSError) -> None:
        """A slow failure: no retry now, and no reading for a while (see the module)."""
        self._pause = min(self.max_pause_s, 2 * self._pause if self._pause else self.pause_s)
        self._resume_at = self.clock.now() + self._pause
        self._timeout = exc
        raise self._paused_error() from None

    def _paused_error(self) -> SensorIOError:
        exc = self._timeout
        code = exc.errno if exc is not None and exc.errno else errno.ETIMEDOUT
        return SensorIOError(code, f"ADS1115 at 0x{self.address:02x} timed out "
                                   f"({os.strerror(code)}): not read again for "
                                   f"{self._pause:g} s")

    def stream(self, duration_s: float | None = None) -> Iterator[tuple[float, object]]:
        """Read at ``rate_hz`` paced by the clock; yields ``(t, volts or SensorIOError)``.

        ``t`` is the scheduled sample time. A tick that is missed (the loop was late) is
        skipped rather than bunched, so the spacing stays even.
        """
        period = 1.0 / self.rate_hz
        start = self.clock.now()
        n = 0
        while duration_s is None or n * period < duration_s - 1e-9:
            next_t = start + n * period
            self.clock.sleep_until(next_t)
            try:
                values: object = self.read()
            except SensorIOError as exc:
                values = exc
            yield next_t, values
            n += 1
            late = self.clock.now() - (start + n * period)
            if late > period:
                n += int(late / period)

    def close(self) -> None:
        if self._owns_bus and self._bus is not None and hasattr(self._bus, "deinit"):
            self._bus.deinit()
        self._ads = None
