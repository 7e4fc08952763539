import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.display import KEYS, want_display


@pytest.mark.parametrize("headless, env, want", [
    (True, {"DISPLAY": ":0"}, False),                         # --headless wins
    (False, {"SDL_VIDEODRIVER": "dummy", "DISPLAY": ":0"}, False),
    (False, {"SDL_VIDEODRIVER": "kmsdrm"}, True),             # the unit, no desktop
    (False, {"DISPLAY": ":0"}, True),                         # a laptop with X
    (False, {"WAYLAND_DISPLAY": "wayland-0"}, True),
    (False, {}, False),                                       # ssh, CI: no screen at all
])
def test_when_a_screen_is_tried(headless, env, want):
    assert want_display(headless, env) is want


def test_opening_the_screen_says_nothing_on_standard_output():
    """pygame's greeting ("pygame-ce 2.5.8 (SDL ...)") went to standard output, which is
    the journal under systemd, at each start of the unit: the display imported pygame
    before the modules that hide it."""
    env = {k: v for k, v in os.environ.items() if k != "PYGAME_HIDE_SUPPORT_PROMPT"}
    code = ("from feedback.config import defaults\n"
            "from feedback.display import Display\n"
            "display, problem = Display.open(defaults())\n"
            "assert display is not None, problem\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parent.parent, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_keys_stand_for_the_units_buttons():
    # as the README says: space = start/pause, n = next, c = calibrate again, q = quit
    assert KEYS["space"] == "start_pause"
    assert KEYS["n"] == "next"
    assert KEYS["c"] == "recalibrate"
    assert KEYS["q"] == "quit"
    assert (KEYS["return"], KEYS["right"], KEYS["escape"]) == ("start_pause", "next", "quit")


def test_key_presses_and_closing_the_window_become_button_names():
    import pygame

    from feedback.display import Display

    pygame.display.init()
    try:
        pygame.event.clear()
        for key in (pygame.K_SPACE, pygame.K_n, pygame.K_x, pygame.K_c, pygame.K_RIGHT,
                    pygame.K_q):
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        assert Display(screen=None).poll() == [
            "start_pause", "next", "recalibrate", "next", "quit", "quit"]  # x means nothing
        assert Display(screen=None).poll() == []
    finally:
        pygame.display.quit()
