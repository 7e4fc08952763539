"""The unit's parts, real or emulated, chosen once at start.

``open_parts(settings, sim, clock)`` gives the sensor, ring, controls and (simulated)
patient. With ``sim`` (a scenario name such as "calm", a scenario .toml, or a recording
.csv to replay) the same adafruit and gpiozero code runs against an emulated ADS1115 at
0x48, an emulated SPI bus and gpiozero's mock pins; without it the real I2C and SPI buses
and GPIO pins are opened. Nothing else in the program knows which it got.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from device.bus import not_a_pi, not_a_pi_message
from device.controls import Controls
from device.ring import Ring
from device.sensor import CHANNELS, AdsSensor
from feedback.errors import HardwareError

SIM_ADDRESS = 0x48  # where the emulated chip answers, as on the assembled unit


@dataclass
class Parts:
    sensor: AdsSensor
    ring: Ring
    controls: Controls
    patient: object | None = None  # device.patient.Patient, or a RecordingSource, or None
    chip: object | None = None  # the emulated ADS1115 (simulation only)
    spi: object | None = None  # the emulated SPI bus (simulation only)
    pin_factory: object | None = None  # gpiozero MockFactory (simulation only)
    problems: dict = field(default_factory=dict)  # part name -> HardwareError (partial)
    _closed: bool = field(default=False, repr=False)

    @property
    def simulated(self) -> bool:
        return self.chip is not None

    def press(self, name: str) -> None:
        """Simulation: press a button ('start_pause', 'next', 'third' or 'recalibrate')."""
        if self.pin_factory is None:
            raise RuntimeError("buttons can only be pressed for real on the unit")
        if name == "recalibrate":
            self.controls.tap("next", hold_s=self.controls.long_press_s + 0.1)
        else:
            self.controls.tap(name)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for part in (self.ring, self.controls, self.sensor, self.patient):
            if part is None:
                continue
            close = getattr(part, "close", None)
            if close is not None:
                close()


def _sim_source(sim: str, settings, wired=None):
    """The simulated patient (or replayed recording) with its belts wired to the inputs
    ``wired`` (such as ``["A0"]``), or by default to those ``[sensor] channels`` names."""
    pins = [CHANNELS[ch][0] for ch in (wired or settings.sensor.channels)]
    if sim.endswith(".csv"):
        from device.replay import RecordingSource

        return RecordingSource(sim, pins=pins, belts=settings.sensor.belts, loop=True)
    from device.patient import Patient
    from device.scenario import load_scenario

    belts = tuple(settings.sensor.belts)
    return Patient(load_scenario(sim, belts), belts, pins)


def open_parts(settings, sim: str | None, clock, *, connect: bool = True,
               partial: bool = False, optional: tuple[str, ...] = (),
               wired: tuple[str, ...] | None = None) -> Parts:
    """Open every part; the sensor is connected first, so a missing chip is said first.

    ``wired`` (simulation only): the inputs the simulated belts are plugged into, one per
    belt, whatever ``[sensor] channels`` says (hw-check --sim-wired: a wrong channel
    setting can be rehearsed).

    ``partial=True`` (hw-check) records a part that fails to open in ``parts.problems``
    and leaves it None instead of raising, so the other parts can still be checked;
    ``optional`` does that for the parts named (the unit runs on without its LED ring).
    Otherwise the failure is raised as a ``HardwareError`` whose ``part`` names the part.
    """
    opened: list = []
    problems: dict[str, Exception] = {}

    board = None if sim else not_a_pi()

    def attempt(name, make):
        try:
            if board is not None:  # nothing to open here (and Blinka would only warn)
                raise HardwareError(not_a_pi_message(name, board))
            part = make()
        except Exception as exc:
            if not isinstance(exc, HardwareError):
                exc = HardwareError(f"{name}: {type(exc).__name__}: {exc}")
            exc.part = name
            if not (partial or name in optional):
                raise exc from None
            problems[name] = exc
            return None
        opened.append(part)
        return part

    try:
        chip = spi = factory = source = None
        if sim:
            from gpiozero.pins.mock import MockFactory, MockPWMPin

            from device.ads1115_emu import ADS1115Emu
            from device.spi_emu import SPIEmu

            source = _sim_source(sim, settings, wired)
            opened.append(source)
            chip = ADS1115Emu(source, clock, address=SIM_ADDRESS)
            spi = SPIEmu(order=settings.ring.order)
            factory = MockFactory(pin_class=MockPWMPin)
        sensor = AdsSensor.from_settings(settings.sensor, clock, bus=chip)
        if connect:
            attempt("sensor", lambda: (sensor.connect(), sensor)[1])
        ring = attempt("ring", lambda: Ring.from_settings(settings.ring, spi=spi))
        controls = attempt("controls", lambda: Controls.from_settings(
            settings.buttons, clock, pin_factory=factory))
        parts = Parts(sensor, ring, controls, source, chip, spi, factory)
        parts.problems = problems
        return parts
    except BaseException:
        for part in reversed(opened):
            close = getattr(part, "close", None)
            if close is not None:
                close()
        raise
