"""The window or full screen of a running session, and what it hears from the keyboard.

``Display.open`` tries to open the screen (full-screen through SDL's KMSDRM on the unit, a
window on a laptop). If there is none it returns ``None`` with the reason, and the
session runs on with the LED ring (and, in a terminal, a status line): a missing display is a
fault to show and record, not a reason to stop giving feedback.

A screen can also come late (the DRM driver or the monitor is not ready at boot) or go
away while running. ``ReopeningDisplay`` stands where the display would: while there is
none it tries again every ``REOPEN_S`` seconds of the session's clock, and a display that
fails while drawing is closed and tried again the same way; each change is reported to
``on_change`` so the session records the ``display`` fault and its end.

In simulation the keyboard stands in for the unit's buttons (space: start/pause, n or
right arrow: next, c: calibrate again, q or escape: quit) and the emulated ring's decoded
colours are drawn in a panel beside the screen, so a laptop shows what the unit would.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # (pygame is imported here first)

KEYS = {
    "space": "start_pause",
    "return": "start_pause",
    "n": "next",
    "right": "next",
    "c": "recalibrate",
    "escape": "quit",
    "q": "quit",
}


def want_display(headless: bool, env=os.environ) -> bool:
    """Whether to try a screen at all: not with --headless or SDL's dummy driver, and on
    a desktop only when there is one to draw on."""
    if headless:
        return False
    driver = env.get("SDL_VIDEODRIVER", "")
    if driver == "dummy":
        return False
    if driver:  # kmsdrm on the unit, or whatever the user chose
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


class Display:
    """A ``feedback.screen.Screen`` on a real display, plus key and quit events."""

    is_open = True  # (a ``ReopeningDisplay`` may have none)

    def __init__(self, screen, ring_colours=None):
        self.screen = screen
        self.ring_colours = ring_colours  # callable -> list of RGB, in simulation

    @classmethod
    def open(cls, settings, ring_colours=None) -> tuple[Display | None, str | None]:
        """Open the screen; ``(None, reason)`` when it cannot be had.

        In simulation (``ring_colours`` given) the window gets a side panel where the
        emulated LED ring is drawn, so it never covers the patient's screen."""
        import pygame

        from feedback.screen import Screen

        size = (settings.screen.width, settings.screen.height)
        try:
            if ring_colours is None:
                screen = Screen(size, display=True, fullscreen=settings.screen.fullscreen)
            else:
                pygame.display.init()
                panel = size[1] // 3
                window = pygame.display.set_mode((size[0] + panel, size[1]))
                pygame.display.set_caption("Ademcoach (simulation)")
                screen = Screen(size)
                screen.surface = window.subsurface(pygame.Rect((0, 0), size))
        except pygame.error as exc:
            pygame.display.quit()  # so that the next attempt looks for the device afresh
            return None, f"no display: {exc}"
        return cls(screen, ring_colours), None

    def poll(self) -> list[str]:
        """Button names from keys, and 'quit' when the window is closed."""
        import pygame

        out = []
        for e in pygame.event.get():
            if e.type == pygame.QUIT:
                out.append("quit")
            elif e.type == pygame.KEYDOWN:
                name = KEYS.get(pygame.key.name(e.key))
                if name:
                    out.append(name)
        return out

    def show(self, view) -> None:
        self.screen.draw(view)
        if self.ring_colours is not None:
            self._draw_ring(self.ring_colours())
        import pygame

        pygame.display.flip()

    def _draw_ring(self, colours) -> None:
        """The decoded LED ring in the side panel (simulation only)."""
        import pygame

        window = pygame.display.get_surface()
        w, h = self.screen.size
        panel = pygame.Rect(w, 0, window.get_width() - w, h)
        window.fill((0, 0, 0), panel)
        if colours is None or len(colours) == 0:
            return
        r = int(panel.w * 0.36)
        cx, cy = panel.centerx, panel.centery
        dot = max(2, int(r * 2 * math.pi / len(colours) * 0.38))
        n = len(colours)
        for i, rgb in enumerate(colours):
            a = 2 * math.pi * i / n + math.pi / 2  # pixel 0 at the bottom, as on the unit
            pos = (cx + int(r * math.cos(a)), cy + int(r * math.sin(a)))
            pygame.draw.circle(window, (60, 60, 60), pos, dot + 1)
            pygame.draw.circle(window, tuple(int(c) for c in rgb[:3]), pos, dot)

    def close(self) -> None:
        import pygame

        pygame.display.quit()


REOPEN_S = 5.0


class ReopeningDisplay:
    """The display, or the attempt to get one, with ``Display``'s ``poll``/``show``/``close``.

    ``opener()`` returns ``(Display or None, reason)`` (``Display.open`` with its
    arguments); it is called now and, while it gives None, again every ``retry_s`` of
    ``clock`` when the session polls. ``on_change(problem)`` is called with the reason
    when a display fails while drawing, and with None when one opens after missing."""

    def __init__(self, opener, clock, retry_s: float = REOPEN_S, on_change=None):
        self._opener = opener
        self.clock = clock
        self.retry_s = retry_s
        self.on_change = on_change
        self._ring_colours = None
        self.display, self.problem = opener()
        self._next_try = clock.now() + retry_s

    @property
    def is_open(self) -> bool:
        return self.display is not None

    @property
    def ring_colours(self):
        return self.display.ring_colours if self.display is not None else self._ring_colours

    @ring_colours.setter
    def ring_colours(self, colours) -> None:
        self._ring_colours = colours
        if self.display is not None:
            self.display.ring_colours = colours

    def __getattr__(self, name):  # screen, _draw_ring, ...: the open display's
        display = self.__dict__.get("display")
        if display is None:
            raise AttributeError(name)
        return getattr(display, name)

    def poll(self) -> list[str]:
        if self.display is None:
            self._retry()
            return []
        import pygame

        try:
            return self.display.poll()
        except pygame.error as exc:
            self._lost(exc)
            return []

    def show(self, view) -> None:
        if self.display is None:
            return
        import pygame

        try:
            self.display.show(view)
        except pygame.error as exc:
            self._lost(exc)

    def _retry(self) -> None:
        now = self.clock.now()
        if now < self._next_try:
            return
        self._next_try = now + self.retry_s
        display, problem = self._opener()
        if display is None:
            self.problem = problem
            return
        if self._ring_colours is not None:
            display.ring_colours = self._ring_colours
        self.display, self.problem = display, None
        if self.on_change is not None:
            self.on_change(None)

    def _lost(self, exc) -> None:
        import contextlib

        import pygame

        with contextlib.suppress(pygame.error):
            self.display.close()
        self.display = None
        self.problem = f"display lost: {exc}"
        self._next_try = self.clock.now() + self.retry_s
        if self.on_change is not None:
            self.on_change(self.problem)

    def close(self) -> None:
        if self.display is not None:
            self.display.close()
            self.display = None
