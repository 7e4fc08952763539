"""The real adafruit ADS1x15 driver against the emulated ADS1115."""

import errno
import math

import pytest

from device.ads1115_emu import FULL_SCALE, ADS1115Emu
from device.sensor import DATA_RATES, GAINS, AdsSensor, SensorIOError
from feedback.clock import VirtualClock
from feedback.errors import HardwareError

PGA = {2 / 3: 6.144, 1: 4.096, 2: 2.048, 4: 1.024, 8: 0.512, 16: 0.256}


def make(pins, *, belts=("belly",), channels=("A0",), gain=1, data_rate=860, rate_hz=50,
         address=0x48):
    clock = VirtualClock()
    source = pins if callable(pins) else (lambda t: pins)
    emu = ADS1115Emu(source, clock, address=address)
    sensor = AdsSensor(belts, channels, clock, gain=gain, data_rate=data_rate,
                       rate_hz=rate_hz, bus=emu)
    return clock, emu, sensor


@pytest.mark.parametrize("gain", GAINS)
def test_known_voltages_at_every_gain_and_data_rate(gain):
    fs = PGA[gain]
    volts = min(0.71 * fs, 3.1)
    for rate in DATA_RATES:
        if rate == 8:  # 8 SPS cannot keep up with the slowest belt rate (10 Hz)
            with pytest.raises(ValueError, match="too slow for 1 belt"):
                make({0: volts}, gain=gain, data_rate=rate, rate_hz=10)
            continue
        clock, emu, sensor = make({0: volts, 1: 0.2}, gain=gain, data_rate=rate, rate_hz=10)
        sensor.connect()
        t0 = clock.now()
        (got,) = sensor.read()
        assert abs(got - volts) <= 1.5 * fs / 32768, (gain, rate, got)
        # the read took one conversion time (plus bus traffic), not less
        took = clock.now() - t0
        assert 1 / rate <= took < 1 / rate + 0.004, (rate, took)


def test_clipping_to_the_code_range_and_rails():
    _, _, s = make({0: 3.3})
    s.connect()
    assert s.read()[0] == pytest.approx(3.3, abs=1e-3)
    for gain in (2, 16):
        _, _, s = make({0: 3.3}, gain=gain)
        s.connect()
        assert s.read()[0] == pytest.approx(FULL_SCALE[list(PGA).index(gain)] * 32767 / 32768)
    _, _, s = make({0: 5.0})  # beyond the supply: the input clamps at VDD + 0.3
    s.connect()
    assert s.read()[0] == pytest.approx(3.6, abs=1e-3)


def test_differential_inputs_both_polarities():
    _, _, s = make({0: 1.5, 1: 1.0, 3: 2.0}, belts=("chest", "belly"),
                   channels=("A0-A1", "A1-A3"))
    s.connect()
    a, b = s.read()
    assert a == pytest.approx(0.5, abs=2e-4) and b == pytest.approx(-1.0, abs=2e-4)


def test_two_belts_alternate_without_cross_talk():
    def pins(t):
        return {0: 1.6 + 0.3 * math.sin(2 * math.pi * 0.25 * t), 1: 0.9 - 0.2 * t / 10}

    clock, _, s = make(pins, belts=("chest", "belly"), channels=("A0", "A1"))
    s.connect()
    for t, values in s.stream(duration_s=4.0):
        chest, belly = values
        # each belt's value is its own input near the sample time, never the other's
        assert abs(chest - pins(t)[0]) < 0.003
        assert abs(belly - pins(t)[1]) < 0.003
    assert clock.now() == pytest.approx(4.0, abs=0.03)


def test_stream_is_paced_and_evenly_spaced():
    _, _, s = make({0: 1.0}, rate_hz=50)
    s.connect()
    times = [t for t, _ in s.stream(duration_s=2.0)]
    assert len(times) == 100
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) == pytest.approx(0.02) and min(gaps) == pytest.approx(0.02)


def test_driver_pitfall_continuous_mode_keeps_previous_input():
    """Why single-shot: the stock driver in continuous mode reads A0 when asked for A1."""
    from adafruit_ads1x15.ads1x15 import Mode
    from adafruit_ads1x15.ads1115 import ADS1115
    from adafruit_ads1x15.analog_in import AnalogIn

    clock = VirtualClock()
    emu = ADS1115Emu(lambda t: {0: 1.0, 1: 2.0}, clock)
    ads = ADS1115(emu, data_rate=860, mode=Mode.CONTINUOUS)
    a0, a1 = AnalogIn(ads, 0), AnalogIn(ads, 1)
    clock.advance(0.01)
    first = a0.voltage
    clock.advance(0.01)
    second = a1.voltage
    assert first != pytest.approx(2.0, abs=0.01)  # the chip had AIN0-AIN1 (power-on MUX)
    assert second != pytest.approx(2.0, abs=0.01)  # never switched to A1
    # and a fast read right after a setting change returns the config register
    clock.advance(0.01)
    ads.gain = 2
    clock.advance(0.01)
    raw = ads.read(5)  # same pin as last time: the driver's fast path
    assert raw & 0xFFFF == emu.config  # the config register (OS reads 0: busy converting)


def test_our_reads_are_right_after_setting_changes():
    clock, emu, s = make({0: 1.0, 1: 2.0}, belts=("a", "b"), channels=("A0", "A1"))
    s.connect()
    assert s.read() == pytest.approx((1.0, 2.0), abs=2e-4)
    s._ads.gain = 2
    assert s.read() == pytest.approx((1.0, 2.0), abs=2e-4)


def test_emulated_single_shot_busy_bit_and_continuous_mode():
    clock = VirtualClock()
    volts = {0: 0.5}
    emu = ADS1115Emu(lambda t: dict(volts), clock, bus_hz=0)
    buf = bytearray(2)

    def reg(ptr):
        emu.writeto_then_readfrom(0x48, bytes([ptr]), buf)
        return buf[0] << 8 | buf[1]

    assert emu.try_lock() and not emu.try_lock()
    # single shot, AIN0-GND, +-4.096 V, 128 SPS
    emu.writeto(0x48, bytes([1, 0xC3, 0x83]))
    assert reg(1) & 0x8000 == 0  # busy
    clock.advance(1 / 128 - 1e-4)
    assert reg(1) & 0x8000 == 0
    clock.advance(2e-4)
    assert reg(1) & 0x8000
    assert reg(0) == round(0.5 / 4.096 * 32768)
    # continuous: a new result every 1/128 s, sampled at its own end time
    emu.writeto(0x48, bytes([1, 0x42, 0x83]))
    volts[0] = 1.0
    clock.advance(1 / 128 + 1e-6)
    assert reg(0) == round(1.0 / 4.096 * 32768)
    volts[0] = 2.0
    assert reg(0) == round(1.0 / 4.096 * 32768)  # the next conversion is not done yet
    clock.advance(1 / 128)
    assert reg(0) == round(2.0 / 4.096 * 32768)
    emu.unlock()


@pytest.mark.parametrize("rate", DATA_RATES)
def test_a_chip_10_percent_slow_is_polled_again_and_read_right(rate):
    # the datasheet allows the data rate 10 % off: a conversion can still be running when
    # the driver first looks at the nominal time, and it must then poll again
    counts = {}
    for factor in (1.0, 1.1):
        clock = VirtualClock()
        emu = ADS1115Emu(lambda t: {0: 1.3}, clock, rate_factor=factor)
        s = AdsSensor(["belly"], ["A0"], clock, data_rate=rate, rate_hz=1, bus=emu)
        s.connect()
        before = emu.transactions
        for _ in range(5):
            assert s.read() == pytest.approx((1.3,), abs=2e-4)
        counts[factor] = (emu.transactions - before) / 5
    if rate <= 128:  # above that, the poll's own bus time (~0.4 ms) covers the 10 %
        assert counts[1.1] > counts[1.0]  # the extra poll really ran


def test_a_config_write_during_a_conversion_does_not_change_its_gain():
    clock = VirtualClock()
    emu = ADS1115Emu(lambda t: {0: 0.5}, clock, bus_hz=0)
    buf = bytearray(2)
    assert emu.try_lock()
    emu.writeto(0x48, bytes([1, 0xC3, 0x83]))  # single shot, AIN0, +-4.096 V, 128 SPS
    clock.advance(1 / 256)
    emu.writeto(0x48, bytes([1, 0x45, 0x83]))  # +-1.024 V, OS=0: no new conversion
    clock.advance(1 / 128)
    emu.writeto_then_readfrom(0x48, bytes([0]), buf)
    assert buf[0] << 8 | buf[1] == round(0.5 / 4.096 * 32768)
    emu.unlock()


def test_i2c_errors_are_retried_then_reported():
    clock, emu, s = make({0: 1.2})
    s.connect()
    emu.fail_next(2, errno.EIO)
    assert s.read() == pytest.approx((1.2,), abs=2e-4)
    assert s.errors == 2
    emu.fail_next(50, errno.EREMOTEIO)
    with pytest.raises(SensorIOError) as info:
        s.read()
    assert info.value.errno == errno.EREMOTEIO and isinstance(info.value, OSError)
    emu.clear_failures()
    assert s.read() == pytest.approx((1.2,), abs=2e-4)  # and it carries on afterwards


def test_stream_keeps_going_through_an_error_burst():
    clock, emu, s = make({0: 1.0})
    s.connect()
    got = []
    for i, (_t, v) in enumerate(s.stream(duration_s=1.0)):
        if i == 10:
            emu.fail_next(12, errno.EIO)
        got.append(v)
    faults = [v for v in got if isinstance(v, SensorIOError)]
    assert len(faults) == 3 and all(f.errno == errno.EIO for f in faults)
    assert isinstance(got[-1], tuple) and len(got) == 50


def test_a_timeout_is_not_retried_and_the_bus_is_left_alone_for_a_while():
    clock, emu, s = make({0: 1.2})
    s.connect()
    emu.fail_next(10**6, errno.ETIMEDOUT, delay_s=1.0)  # a hung bus, as on the Pi
    t0, before = clock.now(), emu.transactions
    with pytest.raises(SensorIOError) as info:
        s.read()
    assert clock.now() - t0 < 1.1 and emu.transactions - before == 1  # one try, no retry
    assert info.value.errno == errno.ETIMEDOUT and "not read again for 1 s" in str(info.value)
    # paused: reads fail at once without the bus
    clock.advance(0.5)
    t1, before = clock.now(), emu.transactions
    with pytest.raises(SensorIOError):
        s.read()
    assert clock.now() == t1 and emu.transactions == before
    # still hung after the pause: one more try, then a longer pause (doubling, capped)
    pauses = []
    for _ in range(6):
        clock.sleep_until(s._resume_at)
        with pytest.raises(SensorIOError) as info:
            s.read()
        pauses.append(s._resume_at - clock.now())
    assert pauses == pytest.approx([2.0, 4.0, 8.0, 8.0, 8.0, 8.0])
    # the bus is free again: the first read after the pause works, and so does the next
    emu.clear_failures()
    clock.sleep_until(s._resume_at)
    assert s.read() == pytest.approx((1.2,), abs=2e-4)
    assert s.read() == pytest.approx((1.2,), abs=2e-4)


def test_a_slow_failure_of_any_kind_counts_as_a_timeout():
    clock, emu, s = make({0: 1.2}, belts=("chest", "belly"), channels=("A0", "A1"))
    s.connect()
    emu.fail_next(3, errno.EIO, delay_s=0.5)
    before = emu.transactions
    with pytest.raises(SensorIOError):
        s.read()
    assert emu.transactions - before == 1  # neither a retry nor the second belt
    assert s.clock.now() < s._resume_at


def test_missing_chip_gives_the_clear_message():
    clock = VirtualClock()
    emu = ADS1115Emu(lambda t: {}, clock, address=0x48)
    emu.present = False
    s = AdsSensor(["belly"], ["A0"], clock, bus=emu)
    with pytest.raises(HardwareError) as info:
        s.connect()
    assert str(info.value) == ("No ADS1115 at 0x48 on I2C bus 1: check wiring and that I2C "
                               "is enabled (raspi-config)")
    assert emu.try_lock()
    assert emu.scan() == []


@pytest.mark.parametrize(("chip_at", "pin"), [(0x49, "VDD"), (0x4B, "SCL")])
def test_a_chip_at_another_address_is_found_and_named(chip_at, pin):
    clock = VirtualClock()
    emu = ADS1115Emu(lambda t: {}, clock, address=chip_at)
    s = AdsSensor(["belly"], ["A0"], clock, bus=emu)
    with pytest.raises(HardwareError) as info:
        s.connect()
    assert str(info.value) == (
        f"No ADS1115 at 0x48 on I2C bus 1, but a device answers at 0x{chip_at:02x} (ADDR "
        f"wired to {pin}): set [sensor] address = 0x{chip_at:02x}, or wire ADDR to GND")


def test_one_i2c_error_while_connecting_is_tried_again():
    clock, emu, s = make({0: 1.2})
    emu.fail_next(2, errno.EREMOTEIO)  # the driver's probe: its write and its read
    s.connect()
    assert s.read() == pytest.approx((1.2,), abs=2e-4)


def test_a_stuck_conversion_times_out_instead_of_hanging():
    clock, emu, s = make({0: 1.0})
    s.connect()
    emu._settle = lambda: None  # the chip never finishes a conversion
    with pytest.raises(SensorIOError) as info:
        s.read()
    assert info.value.errno == errno.ETIMEDOUT


def test_importing_the_device_layer_does_not_load_blinka():
    import subprocess
    import sys

    code = ("import sys, pkgutil, importlib, device\n"
            "for m in pkgutil.iter_modules(device.__path__):\n"
            "    importlib.import_module('device.' + m.name)\n"
            "print(sorted(m for m in ('board', 'busio', 'neopixel_spi', 'adafruit_blinka')\n"
            "             if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_rate_check_names_the_keys_and_a_fix():
    clock = VirtualClock()
    with pytest.raises(ValueError) as info:
        AdsSensor(["chest", "belly"], ["A0", "A1"], clock, data_rate=128, rate_hz=50)
    assert str(info.value) == ("sensor.data_rate = 128: too slow for 2 belts at "
                               "sensor.rate_hz = 50 (a conversion with its I2C traffic "
                               "takes 10.3 ms); use 250 or more")


def test_emulated_continuous_mode_finishes_the_conversion_under_way_on_a_config_write():
    # datasheet (SBAS444, continuous-conversion mode): "When writing new configuration
    # settings, the currently ongoing conversion completes with the previous configuration
    # settings. Thereafter, continuous conversions with the new configuration settings
    # start." This is why the driver waits two conversion times after a pin change.
    clock = VirtualClock()
    volts = {0: 1.0, 1: 2.0}
    emu = ADS1115Emu(lambda t: dict(volts), clock, bus_hz=0)
    buf = bytearray(2)

    def conversion():
        emu.writeto_then_readfrom(0x48, bytes([0]), buf)
        return buf[0] << 8 | buf[1]

    def code(v, fs=4.096):
        return round(v / fs * 32768)

    period = 1 / 128
    assert emu.try_lock()
    emu.writeto(0x48, bytes([1, 0x42, 0x83]))  # continuous, AIN0-GND, +-4.096 V, 128 SPS
    clock.advance(1.5 * period)
    assert conversion() == code(1.0)
    emu.writeto(0x48, bytes([1, 0x54, 0x83]))  # AIN1-GND at +-2.048 V, in mid-conversion
    volts[0] = 1.5
    clock.advance(0.5 * period + 1e-6)  # the conversion under way ends: AIN0 at +-4.096 V
    assert conversion() == code(1.5)
    clock.advance(0.5 * period)  # the first with the new settings is not done yet
    assert conversion() == code(1.5)
    clock.advance(0.5 * period)
    assert conversion() == code(2.0, 2.048)
    clock.advance(period)
    assert conversion() == code(2.0, 2.048)
    emu.unlock()


@pytest.mark.parametrize("startup_s", [None, 110e-6])
def test_emulated_single_shot_conversion_starts_after_the_power_up(startup_s):
    # datasheet (single-shot mode): on OS = 1 "the device powers up in approximately
    # 25 us, resets the OS bit to 0, and starts a single conversion"; TI has also given
    # about 110 us from the write's last acknowledge for oscillator and settling
    clock = VirtualClock()
    if startup_s is None:  # the datasheet's, by default
        emu, startup_s = ADS1115Emu(lambda t: {0: 0.5}, clock, bus_hz=0), 25e-6
    else:
        emu = ADS1115Emu(lambda t: {0: 0.5}, clock, bus_hz=0, startup_s=startup_s)
    buf = bytearray(2)

    def busy():
        emu.writeto_then_readfrom(0x48, bytes([1]), buf)
        return not buf[0] & 0x80

    assert emu.try_lock()
    emu.writeto(0x48, bytes([1, 0xC3, 0xE3]))  # single shot, AIN0, +-4.096 V, 860 SPS
    clock.advance(1 / 860 + startup_s - 5e-6)
    assert busy()
    clock.advance(10e-6)
    assert not busy()
    emu.unlock()


class HeldUpAfterBusy(ADS1115Emu):
    """The chip, read by a program that is held up for ``stall_s`` right after one poll
    read the busy flag (the I2C transfer let go of the GIL and the records writer kept it
    for its 5 ms switch interval, or the kernel ran something else meanwhile)."""

    stall_s = 0.005
    stalls = 1

    def writeto_then_readfrom(self, address, out_buffer, in_buffer, **kwargs):
        super().writeto_then_readfrom(address, out_buffer, in_buffer, **kwargs)
        if out_buffer[0] == 1 and not in_buffer[0] & 0x80 and self.stalls:
            self.stalls -= 1
            self.clock.advance(self.stall_s)


def test_a_program_held_up_after_a_busy_poll_is_no_timeout():
    # I2C at 400 kHz, a chip 10 % slow with TI's 110 us power-up: the first poll finds it
    # still converting. The program then runs again 5 ms later, past the poll deadline,
    # but the conversion had long finished: the read is good, not a timeout that leaves
    # the belt unread for a second (an i2c fault on the screen and in the record).
    clock = VirtualClock()
    emu = HeldUpAfterBusy(lambda t: {0: 1.3}, clock, bus_hz=400_000, rate_factor=1.1,
                          startup_s=110e-6)
    s = AdsSensor(["belly"], ["A0"], clock, data_rate=860, rate_hz=50, bus=emu)
    s.connect()
    assert s.read() == pytest.approx((1.3,), abs=2e-4)
    assert emu.stalls == 0 and s.errors == 0  # it was held up, and that was no error
    assert s.read() == pytest.approx((1.3,), abs=2e-4)
