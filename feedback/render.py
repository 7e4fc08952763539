"""``ademcoach render SCREEN --out PNG``: any screen with example data, for docs and checks.

The example data is made by running the real coach over a synthetic calm breath
(sine-shaped, exhale longer than inhale), so the picture shows what the unit would show.
"""

from __future__ import annotations

import math
import re
import tomllib

from feedback.coach import Coach, Snapshot
from feedback.config import ConfigError, defaults, validate
from feedback.errors import BadInput
from feedback.events import Breath, Fault, Hold
from feedback.programme import SHIPPED, load_programme
from feedback.view import View, config_error_view

SCREENS = ("idle", "calibration", "exercise", "hold", "pause", "summary", "sensor", "one-belt",
           "config")
MIN_SIZE, MAX_SIZE = (480, 320), (1920, 1080)  # the screens the config accepts


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{2,5})[xX](\d{2,5})", text.strip())
    if not m:
        raise BadInput(f"--size {text!r}: give width x height in pixels, e.g. 800x480 "
                       f"(from {MIN_SIZE[0]}x{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]})")
    w, h = int(m.group(1)), int(m.group(2))
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise BadInput(f"--size {text!r}: must be from {MIN_SIZE[0]}x{MIN_SIZE[1]} to "
                       f"{MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return w, h


def _breathe(coach: Coach, t0: float, t1: float, fps: float = 30.0, period: float = 10.0,
             inhale: float = 4.0) -> Snapshot:
    """Feed a calm synthetic breath from t0 to t1; return the last snapshot."""
    t, state = t0, Snapshot()
    last = t0
    n = 0
    while t < t1:
        x = ((t - t0) % period)
        level = (0.5 - 0.5 * math.cos(math.pi * x / inhale) if x < inhale
                 else 0.5 + 0.5 * math.cos(math.pi * (x - inhale) / (period - inhale)))
        follow = coach.pacer_level(t - 0.7)
        if follow is not None:  # the example patient follows the pacer, a little late
            level = follow
        state = Snapshot(phase="inhale" if x < inhale else "exhale", level=level * 0.95,
                         rate_bpm=60.0 / period, ratio=(period - inhale) / inhale, depth=1.0,
                         calibrated=t - t0 > 12.0)
        coach.tick(t, state)
        if t - last >= period:
            coach.feed(Breath(at=t, start=last, peak=last + inhale, end=t, inhale_s=inhale,
                              exhale_s=period - inhale, depth=1.0, rate_bpm=60.0 / period))
            last = t
        n += 1
        t = t0 + n / fps
    return state


def example_view(screen: str, lang: str = "nl") -> View:
    """A view of ``screen`` with believable data."""
    if screen not in SCREENS:
        raise BadInput(f"no screen {screen!r}; valid: {', '.join(SCREENS)}")
    settings = defaults()
    settings.patient["language"] = lang
    if screen == "one-belt":  # two belts, the belly's plug out: the chest measures on
        settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    programme = load_programme(SHIPPED / "clinic.toml", "clinic")
    if screen == "config":
        text = "[pacer]\nexhale_s = 40\n\n[ring]\npixel = 24\n"  # two slips, as checked
        try:
            validate(tomllib.loads(text), "/etc/ademcoach/ademcoach.toml", text)
        except ConfigError as exc:
            return config_error_view(exc.problems, lang, kept=True)
    coach = Coach(settings, programme, 0.0, today_min=4.0)
    if screen == "idle":
        return coach.view(0.0)
    coach.button("start_pause", 0.0)
    if screen == "calibration":
        state = _breathe(coach, 0.0, 10.0)
        return coach.view(10.0, state)
    _breathe(coach, 0.0, 20.0)                      # calibration ends once calibrated
    state = _breathe(coach, 20.0, 95.0 if screen != "hold" else 87.0)
    if screen in ("sensor", "one-belt"):
        coach.feed(Fault(at=95.0, kind="disconnected", belt="belly"))
        return coach.view(95.0, state)
    if screen == "hold":
        held = Snapshot("hold", state.level, state.rate_bpm, state.ratio, 1.0, True)
        for i in range(8 * 30):
            coach.tick(87.0 + i / 30.0, held)
        coach.feed(Hold(at=95.0, t=87.0))
        return coach.view(95.0, held)
    if screen == "pause":
        coach.button("start_pause", 95.0)
        return coach.view(95.0, state)
    if screen == "summary":
        t = 95.0
        for _ in range(3):
            coach.button("next", t)
            state = _breathe(coach, t, t + 70.0, period=7.5, inhale=3.0)
            t += 70.0
        coach.feed(Hold(at=t, t=t - 4.0))
        coach.button("next", t)
        return coach.view(t, state)
    return coach.view(95.0, state)


def cmd_render(args) -> int:
    import os
    import sys

    size = parse_size(args.size)
    if args.screen not in SCREENS:
        raise BadInput(f"no screen {args.screen!r}; valid: {', '.join(SCREENS)}")
    view = example_view(args.screen, args.lang)
    from feedback.screen import Screen

    screen = Screen(size)
    screen.draw(view)
    try:
        screen.save(args.out)
    except Exception as exc:  # pygame raises its own error type for a bad path
        raise BadInput(f"--out {args.out}: cannot write the PNG ({exc})") from None
    print(f"{args.screen} ({size[0]}x{size[1]}, {args.lang}) -> {os.fspath(args.out)}",
          file=sys.stdout)
    return 0
