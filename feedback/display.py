"""The window or full screen of a running session, and what it hears from the keyboard.

``Display.open`` tries to open the screen (full-screen through SDL's KMSDRM on the unit, a
window on a laptop). If there is none it returns ``None`` with the reason, and the
session runs on with the LED ring (and a terminal status line): a missing display is a
fault to show and record, not a reason to stop giving feedback.

In simulation the keyboard stands in for the unit's buttons and the emulated ring's
decoded colours are drawn in the corner, so a laptop shows what the unit would.
"""

from __future__ import annotations

import math
import os

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

    def __init__(self, screen, ring_colours=None):
        self.screen = screen
        self.ring_colours = ring_colours  # callable -> list of RGB, in simulation

    @classmethod
    def open(cls, settings, ring_colours=None) -> tuple[Display | None, str | None]:
        """Open the screen; ``(None, reason)`` when it cannot be had."""
        import pygame

        from feedback.screen import Screen

        size = (settings.screen.width, settings.screen.height)
        try:
            screen = Screen(size, display=True, fullscreen=settings.screen.fullscreen)
        except pygame.error as exc:
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
        self.screen.present()

    def _draw_ring(self, colours) -> None:
        """The decoded LED ring, small, in the bottom-right corner (simulation only)."""
        import pygame

        if colours is None or len(colours) == 0:
            return
        surf = self.screen.surface
        w, h = surf.get_size()
        r = int(min(w, h) * 0.06)
        cx, cy = w - r - int(r * 0.5), h - r - int(r * 0.5)
        dot = max(2, int(r * 0.22))
        n = len(colours)
        for i, rgb in enumerate(colours):
            a = 2 * math.pi * i / n - math.pi / 2
            pos = (cx + int(r * math.cos(a)), cy + int(r * math.sin(a)))
            pygame.draw.circle(surf, (60, 60, 60), pos, dot + 1)
            pygame.draw.circle(surf, tuple(int(c) for c in rgb[:3]), pos, dot)

    def close(self) -> None:
        import pygame

        pygame.display.quit()
