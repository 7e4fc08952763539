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
