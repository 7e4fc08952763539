"""Buttons and buzzer through gpiozero.

Buttons are wired from a GPIO to ground (internal pull-up). gpiozero calls our handlers
in its own thread, so a handler only queues ``(button, pressed, time)``; the main loop
calls ``poll()`` and gets the presses as names: ``start_pause``, ``next``, ``recalibrate``
(the ``next`` button held for ``long_press_s``) and ``third``.

Time comes from the injected clock, never from gpiozero's own timers: debouncing and the
long press are measured on that clock (the long press fires while still held, as soon
as a poll sees it held long enough), so tests and the simulator need no real sleeping.
The buzzer is either an active one (``Buzzer``: it beeps by itself when powered) or a
passive one on a PWM pin (``TonalBuzzer``).
"""

from __future__ import annotations

from collections import deque

DEBOUNCE_S = 0.03
BUTTONS = ("start_pause", "next", "third")


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
        self._last_edge: dict[str, float] = {}
        self._down: dict[str, float] = {}
        self._long_done = False
        self._releases: list[tuple[float, str]] = []
        self._buzzer = None
        self.buzzing = False
        pins = {"start_pause": start_pause, "next": next, "third": third}
        try:
            for name, pin in pins.items():
                if pin < 0:
                    continue
                b = Button(pin, pull_up=True, bounce_time=None, pin_factory=pin_factory)
                b.when_pressed = lambda _d=None, n=name: self._edge(n, True)
                b.when_released = lambda _d=None, n=name: self._edge(n, False)
                self._buttons[name] = b
            if buzzer >= 0:
                cls = TonalBuzzer if buzzer_kind == "tonal" else Buzzer
                self._buzzer = cls(buzzer, pin_factory=pin_factory)
        except Exception:
            self.close()
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
        self._queue.append((name, pressed, self.clock.now()))

    def poll(self) -> list[str]:
        """Presses since the last poll, in order, as event names."""
        now = self.clock.now()
        due = [r for r in self._releases if r[0] <= now]
        for r in due:
            self._releases.remove(r)
            self._buttons[r[1]].pin.drive_high()
        out: list[str] = []
        while self._queue:
            name, pressed, t = self._queue.popleft()
            if t - self._last_edge.get(name, -1e9) < DEBOUNCE_S:
                continue  # contact bounce
            self._last_edge[name] = t
            if pressed:
                if name in self._down:
                    continue
                self._down[name] = t
                if name == "next":
                    self._long_done = False
                else:
                    out.append(name)
            else:
                start = self._down.pop(name, None)
                if name == "next" and start is not None and not self._long_done:
                    out.append("recalibrate" if t - start >= self.long_press_s else "next")
        start = self._down.get("next")
        if start is not None and not self._long_done and now - start >= self.long_press_s:
            self._long_done = True
            out.append("recalibrate")
        return out

    def tap(self, name: str, hold_s: float = 0.1) -> None:
        """Simulate a press on a mock pin: down now, up ``hold_s`` later (seen by poll)."""
        self._buttons[name].pin.drive_low()
        self._releases.append((self.clock.now() + max(hold_s, 2 * DEBOUNCE_S), name))

    def beep(self, on: bool) -> None:
        """Buzzer on or off (nothing if none is fitted)."""
        if self._buzzer is None:
            return
        self.buzzing = bool(on)
        if hasattr(self._buzzer, "play"):
            if on:
                self._buzzer.play(self._buzzer.mid_tone)
            else:
                self._buzzer.stop()
        else:
            self._buzzer.value = 1 if on else 0

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
