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
    assert {KEYS["space"], KEYS["n"], KEYS["c"], KEYS["q"]} == {
        "start_pause", "next", "recalibrate", "quit"}
