"""Buttons and buzzer through gpiozero.

Buttons are wired from a GPIO to ground (internal pull-up). gpiozero calls our handlers
in its own thread, so a handler only queues ``(button, pressed, time)``; the main loop
calls ``poll()`` and gets the presses as names: ``start_pause``, ``next``, ``recalibrate``
(the ``next`` button held for ``long_press_s``) and ``third``.

Time comes from the injected clock, never from gpiozero's own timers: debouncing and the
long press are measured on that clock (the long press fires while still held, as soon
as a poll sees it held long enough), so tests and the simulator need no real sleeping.

Debouncing: a button's state counts only once its pin has stayed there for
``DEBOUNCE_S``. A press shorter than that (a glitch on the line, contact bounce) is no
press at all, and a release shorter than that within a held press does not end it; a
real press counts from its last edge, so bounce at the start does not shorten a hold.
A button held down for ``STUCK_S`` or longer is no person's press: ``stuck()`` names it
(a button that sticks, a cable shorted, something lying on it), for the unit to show.
The buzzer is either an active one (``Buzzer``: it beeps by itself when powered) or a
passive one on a PWM pin (``TonalBuzzer``).
"""

from __future__ import annotations

import glob
from collections import deque

from device.bus import (
    denied,
    denied_device,
    missing_package,
    permission_message,
    software_message,
)
from feedback.errors import HardwareError

DEBOUNCE_S = 0.03
STUCK_S = 10.0  # held longer than this: stuck, not pressed
# BCM GPIO number -> pin on the 40-pin header (for messages to the technician)
HEADER_PIN = {0: 27, 1: 28, 2: 3, 3: 5, 4: 7, 5: 29, 6: 31, 7: 26, 8: 24, 9: 21, 10: 19,
              11: 23, 12: 32, 13: 33, 14: 8, 15: 10, 16: 36, 17: 11, 18: 12, 19: 35, 20: 38,
              21: 40, 22: 15, 23: 16, 24: 18, 25: 22, 26: 37, 27: 13}


GPIO_DEVICES = ("/dev/gpiochip*", "/dev/gpiomem")  # what gpiozero's pin libraries open


def gpio_open_message(exc: BaseException, devices=None) -> str | None:
    """Why the GPIO pins could not be opened, when it is no wiring fault: a missing pin
    library (lgpio, which the service uses and pyproject.toml installs on a Pi), or a user
    outside the group that may open the GPIO devices (lgpio says only "can not open
    gpiochip", so the devices are tried); None when it is something else."""
    import importlib.util

    what = "buttons: the GPIO pins cannot be opened"
    package = missing_package(exc)
    if package is None and "pin factory" in str(exc) and \
            importlib.util.find_spec("lgpio") is None:
        package = "lgpio"  # (gpiozero tried every pin library and says only that)
    if package is not None:
        return software_message(what, package)
    if devices is None:
        devices = [p for pattern in GPIO_DEVICES for p in sorted(glob.glob(pattern))]
    refused = denied(exc) or denied_device(devices)
    return permission_message(what, refused) if refused is not None else None


def pin_name(gpio: int) -> str:
    """'GPIO27 (header pin 13)'."""
    pin = HEADER_PIN.get(gpio)
    return f"GPIO{gpio}" + (f" (header pin {pin})" if pin else "")


class Controls:
    """The unit's buttons and optional buzzer. ``pin_factory`` None = gpiozero's default."""

    def __init__(self, clock, *, start_pause: int = 17, next: int = 27, third: int = -1,
                 buzzer: int = -1, buzzer_kind: str = "active", long_press_s: float = 1.5,
                 pin_factory=None):
        from gpiozero import Button, Buzzer, TonalBuzzer

        self.clock = clock
        self.long_press_s = long_press_s
        self._queue: deque = deque()
        self._buttons = {}
        self._raw: dict[str, tuple[bool, float]] = {}  # the pin as last seen: state, since
        self._down: dict[str, float] = {}  # buttons taken as pressed, and since when
        self._long_done = False
        self._releases: list[tuple[float, str]] = []
        self._stamp: float | None = None  # the time a simulated release really happened
        self._buzzer = None
        self.buzzing = False
        pins = {"start_pause": start_pause, "next": next, "third": third}
        self.gpio = {name: pin for name, pin in pins.items() if pin >= 0}
        self.buzzer_gpio = buzzer
        try:
            for name, pin in pins.items():
                if pin < 0:
                    continue
                b = Button(pin, pull_up=True, bounce_time=None, pin_factory=pin_factory)
                b.when_pressed = lambda _d=None, n=name: self._edge(n, True)
                b.when_released = lambda _d=None, n=name: self._edge(n, False)
                self._buttons[name] = b
                if b.is_pressed:  # down already (stuck, shorted): no press, but stuck() sees
                    now = clock.now()  # it; gpiozero sends no edge for a pin already low
                    self._raw[name] = (True, now)
                    self._down[name] = now
                    self._long_done = self._long_done or name == "next"  # its release: none
            if buzzer >= 0:
                cls = TonalBuzzer if buzzer_kind == "tonal" else Buzzer
                self._buzzer = cls(buzzer, pin_factory=pin_factory)
        except Exception as exc:
            self.close()
            message = gpio_open_message(exc) if pin_factory is None else None
            if message is not None:
                raise HardwareError(message) from exc
            raise

    @classmethod
    def from_settings(cls, buttons, clock, pin_factory=None) -> Controls:
        return cls(clock, start_pause=buttons.start_pause, next=buttons.next,
                   third=buttons.third, buzzer=buttons.buzzer,
                   buzzer_kind=buttons.buzzer_kind,
                   long_press_s=buttons.get("long_press_s", 1.5), pin_factory=pin_factory)

    @property
    def names(self) -> tuple[str, ...]:
        """The buttons that are fitted."""
        return tuple(self._buttons)

    def _edge(self, name: str, pressed: bool) -> None:
        """gpiozero's thread: record the edge and nothing else."""
        t = self.clock.now() if self._stamp is None else self._stamp
        self._queue.append((name, pressed, t))

    def poll(self) -> list[str]:
        """Presses since the last poll, in order, as event names."""
        now = self.clock.now()
        due = sorted(r for r in self._releases if r[0] <= now)
        for r in due:
            self._releases.remove(r)
            self._stamp = r[0]
            try:
                self._buttons[r[1]].pin.drive_high()
            finally:
                self._stamp = None
        out: list[str] = []
        while self._queue:
            name, pressed, t = self._queue.popleft()
            self._settle_all(t, out)  # what became steady before this edge comes first
            if self._raw.get(name, (False, 0.0))[0] != pressed:
                self._raw[name] = (pressed, t)
        self._settle_all(now, out)
        start = self._down.get("next")
        if start is not None and not self._long_done and now - start >= self.long_press_s:
            self._long_done = True
            out.append("recalibrate")
        return out

    def stuck(self) -> list[str]:
        """The buttons held down for ``STUCK_S`` or longer, as of the last ``poll()``."""
        now = self.clock.now()
        return sorted(name for name, since in self._down.items() if now - since >= STUCK_S)

    def _settle_all(self, t: float, out: list[str]) -> None:
        for name in sorted(self._raw, key=lambda n: self._raw[n][1]):
            self._settle(name, t, out)

    def _settle(self, name: str, t: float, out: list[str]) -> None:
        """Take the pin's state as the button's once it has held for DEBOUNCE_S by ``t``."""
        pressed, since = self._raw.get(name, (False, 0.0))
        if pressed == (name in self._down) or t - since < DEBOUNCE_S:
            return
        if pressed:
            self._down[name] = since
            if name == "next":
                self._long_done = False
            else:
                out.append(name)
        else:
            start = self._down.pop(name)
            if name == "next" and not self._long_done:
                out.append("recalibrate" if since - start >= self.long_press_s else "next")

    def tap(self, name: str, hold_s: float = 0.1) -> None:
        """Simulate a press on a mock pin: down now, up ``hold_s`` later (seen by poll)."""
        self._buttons[name].pin.drive_low()
        self._releases.append((self.clock.now() + max(hold_s, 2 * DEBOUNCE_S), name))

    def beep(self, on: bool, again: bool = False) -> None:
        """Buzzer on or off (nothing if none is fitted). The session asks every frame; the
        pin is written only when that changes (setting a tonal buzzer's PWM again restarts
        its waveform on a real pin), or when asked ``again`` (a pin that failed: is it
        back?)."""
        if self._buzzer is None or (bool(on) == self.buzzing and not again):
            return
        if hasattr(self._buzzer, "play"):
            if on:
                self._buzzer.play(self._buzzer.mid_tone)
            else:
                self._buzzer.stop()
        else:
            self._buzzer.value = 1 if on else 0
        self.buzzing = bool(on)  # (after the write: one that failed is tried again)

    def reads_pressed(self, name: str) -> bool:
        """Whether the button's pin reads pressed (low) right now."""
        return bool(self._buttons[name].is_pressed)

    @property
    def buzzer_on(self) -> bool:
        """Whether the buzzer's pin is really driven (not only asked to be)."""
        return self._buzzer is not None and bool(self._buzzer.is_active)

    @property
    def has_buzzer(self) -> bool:
        return self._buzzer is not None

    def close(self) -> None:
        for b in self._buttons.values():
            b.close()
        self._buttons.clear()
        if self._buzzer is not None:
            self._buzzer.close()
            self._buzzer = None
