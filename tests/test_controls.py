"""Buttons and buzzer: real gpiozero devices on its mock pin factory, time injected."""

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin

from device.controls import Controls
from feedback.clock import VirtualClock


@pytest.fixture
def factory():
    previous = Device.pin_factory
    Device.pin_factory = MockFactory(pin_class=MockPWMPin)
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = previous


def make(factory, **kw):
    clock = VirtualClock()
    return clock, Controls(clock, pin_factory=factory, **kw)


def press(factory, clock, gpio, held):
    pin = factory.pin(gpio)
    pin.drive_low()
    clock.advance(held)
    pin.drive_high()


def test_short_presses_become_events_in_order(factory):
    clock, c = make(factory, third=22)
    assert c.poll() == []
    press(factory, clock, 17, 0.2)
    clock.advance(0.5)
    press(factory, clock, 27, 0.3)
    clock.advance(0.5)
    press(factory, clock, 22, 0.1)
    assert c.poll() == ["start_pause", "next", "third"]
    assert c.poll() == []
    c.close()


def test_a_button_held_10_s_is_stuck_until_it_comes_up(factory):
    clock, c = make(factory)
    factory.pin(17).drive_low()
    clock.advance(9.9)
    assert c.poll() == ["start_pause"] and c.stuck() == []  # a long press, not stuck
    clock.advance(0.2)
    c.poll()
    assert c.stuck() == ["start_pause"]
    factory.pin(17).drive_high()
    clock.advance(0.1)
    assert c.poll() == [] and c.stuck() == []


def test_a_button_down_from_the_start_is_no_press_but_is_stuck(factory):
    """A button shorted to GND (or something lying on it) when the unit starts: gpiozero
    sends no edge for it, so before it was never seen at all."""
    class Shorted(MockPWMPin):
        def _set_pull(self, value):
            super()._set_pull(value)
            self.drive_low()  # the pull-up cannot lift a line shorted to ground

    for gpio, name in ((17, "start_pause"), (27, "next")):
        factory.reset()
        factory.pin(gpio, pin_class=Shorted)
        clock, c = make(factory)
        assert c.poll() == [] and c.stuck() == []
        clock.advance(10.0)
        assert c.poll() == [] and c.stuck() == [name]
        factory.pin(gpio).drive_high()  # freed: its release is no press either
        clock.advance(0.1)
        assert c.poll() == [] and c.stuck() == []
        c.close()


def test_handlers_only_queue_until_polled(factory):
    clock, c = make(factory)
    press(factory, clock, 17, 0.2)
    assert len(c._queue) == 2  # pressed and released, nothing acted on yet
    assert c.poll() == ["start_pause"]


def test_long_press_is_recalibrate_and_fires_while_held(factory):
    clock, c = make(factory, long_press_s=1.5)
    factory.pin(27).drive_low()
    clock.advance(1.0)
    assert c.poll() == []
    clock.advance(0.6)
    assert c.poll() == ["recalibrate"]
    clock.advance(2.0)
    factory.pin(27).drive_high()
    assert c.poll() == []  # the release of a long press is not also a "next"


def test_long_press_seen_only_at_release_still_counts(factory):
    clock, c = make(factory, long_press_s=1.5)
    press(factory, clock, 27, 1.7)
    assert c.poll() == ["recalibrate"]


def test_contact_bounce_is_ignored(factory):
    clock, c = make(factory)
    pin = factory.pin(17)
    pin.drive_low()
    clock.advance(0.002)
    pin.drive_high()
    clock.advance(0.002)
    pin.drive_low()
    clock.advance(0.3)
    pin.drive_high()
    assert c.poll() == ["start_pause"]


def poll_for(c, clock, seconds, step=1 / 30):
    """Poll as the loop does (30/s) for ``seconds``; every event seen."""
    out = []
    end = clock.now() + seconds
    while clock.now() < end:
        clock.advance(step)
        out += c.poll()
    return out


def test_a_glitch_on_next_is_no_press_and_no_recalibration(factory):
    clock, c = make(factory, long_press_s=1.5)
    press(factory, clock, 27, 0.010)  # a 10 ms pulse on the line
    assert poll_for(c, clock, 3.0) == []
    press(factory, clock, 27, 0.2)  # the next real press is an ordinary "next"
    assert poll_for(c, clock, 0.5) == ["next"]


def test_a_glitch_on_start_pause_neither_toggles_nor_swallows_the_next_press(factory):
    clock, c = make(factory)
    press(factory, clock, 17, 0.010)
    assert poll_for(c, clock, 1.0) == []
    press(factory, clock, 17, 0.15)
    assert poll_for(c, clock, 0.5) == ["start_pause"]


def test_a_glitch_polled_in_the_middle_is_still_no_press(factory):
    clock, c = make(factory)
    factory.pin(17).drive_low()
    clock.advance(0.015)
    assert c.poll() == []  # not yet steady
    factory.pin(17).drive_high()
    assert poll_for(c, clock, 1.0) == []


def test_a_short_break_while_held_does_not_end_a_long_press(factory):
    clock, c = make(factory, long_press_s=1.5)
    pin = factory.pin(27)
    pin.drive_low()
    clock.advance(0.8)
    pin.drive_high()  # a dirty contact opens for 5 ms
    clock.advance(0.005)
    pin.drive_low()
    assert poll_for(c, clock, 1.0) == ["recalibrate"]
    pin.drive_high()
    assert poll_for(c, clock, 0.5) == []


def test_unfitted_buttons_and_simulated_taps(factory):
    clock, c = make(factory, third=-1)
    assert c.names == ("start_pause", "next")
    c.tap("next")
    assert c.poll() == []
    clock.advance(0.2)
    assert c.poll() == ["next"]  # released by this poll
    clock.advance(0.5)
    c.tap("next", hold_s=2.0)
    clock.advance(2.1)
    assert c.poll() == ["recalibrate"]


def test_active_buzzer(factory):
    clock, c = make(factory, buzzer=18, buzzer_kind="active")
    c.beep(True)
    assert factory.pin(18).state == 1
    c.beep(False)
    assert factory.pin(18).state == 0


def test_tonal_buzzer_on_a_pwm_pin(factory):
    clock, c = make(factory, buzzer=13, buzzer_kind="tonal")
    c.beep(True)
    pin = factory.pin(13)
    assert pin.frequency == pytest.approx(440, rel=0.01) and pin.state == 0.5
    c.beep(False)
    assert not pin.frequency and not pin.state


def test_no_buzzer_is_silent(factory):
    clock, c = make(factory)
    c.beep(True)
    assert not c.has_buzzer and not c.buzzing
    # only the two buttons' pins were claimed, both as inputs: no pin drives a buzzer
    claimed = {pin.info.name: pin.function for pin in factory.pins.values()}
    assert claimed == {"GPIO17": "input", "GPIO27": "input"}
    c.beep(False)
    c.close()


@pytest.mark.parametrize("kind", ["active", "tonal"])
def test_the_buzzer_pin_is_driven_once_per_change_not_every_frame(factory, monkeypatch, kind):
    """The session asks for the buzzer every frame (30 times a second). Before, each ask
    wrote the pin again: a tonal buzzer's PWM was set anew (frequency, then duty) 30 times
    a second through a hold warning, which restarts the waveform on a real pin, and an
    active buzzer's pin was written 2100 times in a 70 s session."""
    writes = []
    for name in ("_set_state", "_set_frequency"):
        real = getattr(MockPWMPin, name)

        def counted(pin, value, real=real, name=name):
            if pin.info.name == "GPIO13":
                writes.append((name, value))
            return real(pin, value)

        monkeypatch.setattr(MockPWMPin, name, counted)
    clock, c = make(factory, buzzer=13, buzzer_kind=kind)
    pin = factory.pin(13)
    writes.clear()
    for on in [False] * 30 + [True] * 90 + [False] * 30:  # 5 s, 3 s of them warned
        c.beep(on)
        if on:
            assert pin.state == (0.5 if kind == "tonal" else 1) and c.buzzer_on
    assert not pin.state and not c.buzzer_on
    on_writes = 2 if kind == "tonal" else 1  # (a tone: its frequency and its duty)
    assert len(writes) <= 2 * on_writes, writes
