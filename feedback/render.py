"""``ademcoach render SCREEN --out PNG``: any screen with example data, for docs and checks.

The example data is made by running the real coach over a synthetic calm breath
(sine-shaped, exhale longer than inhale), so the picture shows what the unit would show.
The programme, the language and the settings are the config's (``--config FILE``, else
the one ``run`` would use), so a therapist sees their own exercises' names and hints; the
exercise shown is the first after the calibration, or the one asked for (``--exercise``).
"""

from __future__ import annotations

import math
import re
import tomllib

from feedback.coach import Coach, Snapshot, press_next
from feedback.config import defaults, validate
from feedback.config_rules import ConfigError
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
             inhale: float = 4.0, until=None, share: float | None = None) -> Snapshot:
    """Feed a calm synthetic breath from t0 to t1; return the last snapshot. With
    ``until``, stop early at the first moment ``t`` that ``until(t)`` is true. ``share``:
    the belly's share of each breath (two belts), else None; negative for a paradoxical
    breath (the belly drawn in as the chest rises), as the screen shows it."""
    t, state = t0, Snapshot()
    last = t0
    n = 0
    def breath_from(t: float) -> tuple[float, float]:
        """The length and inhale of the breath that begins at ``t``: the pacer's, as the
        analysis measures a breath that follows it (half the pause after the inhale on
        each side, the pause after the exhale with the exhale), where one runs; else the
        example's own. (The numbers said 6/min under a curve that followed a 5.2/min
        pacer: "6 adem/min (doel 5)" on the picture of a patient in rhythm.)"""
        if coach.pacer_level(t) is None or coach.pacer is None:
            return period, inhale
        p = coach.pacer.current(t)
        return p.period, p.inhale_s + 0.5 * p.hold_in_s

    length, drawn_in = breath_from(t0)  # (of the breaths fed; the curve as before)
    while t < t1 and not (until and until(t)):
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
        if t - last >= length:
            coach.feed(Breath(at=t, start=last, peak=last + drawn_in, end=t, inhale_s=drawn_in,
                              exhale_s=length - drawn_in, depth=1.0, rate_bpm=60.0 / length,
                              belly_share=None if share is None else abs(share),
                              paradoxical=None if share is None else share < 0))
            last = t
            length, drawn_in = breath_from(t)
        n += 1
        t = t0 + n / fps
    return state


SHOT_S = 95.0  # when the picture is taken, in the session (s)


def _shot_time(settings, programme, shown: int) -> float:
    """When the picture of exercise ``shown`` is taken: 95 s into the session, or, where
    that exercise would have ended by then (a short one, few breaths), 3 s before its end
    (found by running the same example once)."""
    coach = Coach(settings, programme, 0.0, today_min=4.0)
    coach.button("start_pause", 0.0)
    at = [SHOT_S]

    def over(t: float) -> bool:
        if coach.index < shown:  # (before the one shown: its start counts from 20 s)
            return False
        if coach.mode != "exercise" or coach.index > shown:
            at[0] = min(at[0], t - 3.0)
            return True
        return False

    _breathe(coach, 0.0, 20.0, until=over)
    _skip_to(coach, shown, 20.0)
    _breathe(coach, 20.0, SHOT_S, until=over)
    return max(at[0], 1.0)


def _skip_to(coach: Coach, shown: int, t: float) -> None:
    """Go on to exercise ``shown`` at ``t`` (the next button), from the one after the
    calibration, which the examples start with."""
    while coach.mode == "exercise" and coach.index < shown:
        press_next(coach, t)


def exercise_index(programme, exercise: str | None) -> int:
    """Which exercise the examples show: the one with the id ``exercise``, else the
    first after a calibration. An id the programme does not have is bad input."""
    exercises = programme.exercises
    if exercise is None:
        return 1 if exercises[0].kind == "calibration" else 0
    ids = [ex.id for ex in exercises]
    if exercise not in ids:
        raise BadInput(f"--exercise {exercise}: programme {programme.key!r} has no such "
                       f"exercise; its exercises: {', '.join(ids)}")
    return ids.index(exercise)


def example_view(screen: str, lang: str = "nl", settings=None, programme=None,
                 exercise: str | None = None, belly: float | None = None) -> View:
    """A view of ``screen`` with believable data: with ``settings`` and ``programme`` (a
    config's), else every setting at its default and the shipped clinic programme; the
    exercise screens show ``exercise`` (an id), else the first after a calibration. With
    two belts the example patient breathes 62 % into the belly, or ``belly`` % (-100 to
    100; negative: paradoxically)."""
    if screen not in SCREENS:
        raise BadInput(f"no screen {screen!r}; valid: {', '.join(SCREENS)}")
    if settings is None:
        settings = defaults()
    if belly is not None and len(settings.sensor.belts) != 2:
        raise BadInput(f"--belly {belly:g}: the belly's share needs a "
                       "config with two belts ([sensor] belts = [\"chest\", \"belly\"])")
    if belly is not None and not -100.0 <= belly <= 100.0:
        raise BadInput(f"--belly {belly:g}: give the belly's share "
                       "from -100 to 100 (%; negative: paradoxical breathing)")
    settings.patient["language"] = lang
    if screen == "one-belt":  # two belts, the belly's plug out: the chest measures on
        settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    if programme is None:
        programme = load_programme(SHIPPED / "clinic.toml", "clinic")
    if screen == "config":
        text = "[pacer]\nexhale_s = 40\n\n[ring]\npixel = 24\n"  # two slips, as checked
        try:
            validate(tomllib.loads(text), "/etc/ademcoach/ademcoach.toml", text)
        except ConfigError as exc:
            return config_error_view(exc.problems, lang, kept=True)
    coach = Coach(settings, programme, 0.0, today_min=4.0)
    # A config with two belts: the breaths carry the belly's share and the exercise screen
    # its belly column, as on the unit (the example patient: 62 % belly). On the one-belt
    # screen the belly is out: its breaths have none.
    share = None
    if len(settings.sensor.belts) == 2 and screen != "one-belt":
        share = 0.62 if belly is None else belly / 100.0
    if screen == "idle":
        return coach.view(0.0)
    coach.button("start_pause", 0.0)
    exercises = programme.exercises
    shown = exercise_index(programme, exercise)
    if (screen not in ("calibration", "summary") and shown < len(exercises)
            and exercises[shown].kind == "calibration"):
        raise BadInput(f"--exercise {exercises[shown].id}: a calibration; it is shown by "
                       "the calibration screen")
    if screen == "calibration":
        if exercises[0].kind != "calibration":  # none: the recalibration shows the screen
            coach.button("recalibrate", 0.0)
        state = _breathe(coach, 0.0, 10.0, share=share)
        return coach.view(10.0, state)
    if shown >= len(exercises) and screen != "summary":
        raise BadInput(f"the {screen} screen: programme {programme.key!r} has no exercise "
                       "after its calibration to show")
    end = _shot_time(settings, programme, shown) if screen != "summary" else SHOT_S
    held_s = min(8.0, end - 1.0) if screen == "hold" else 0.0  # a hold up to the picture
    stop = end - held_s
    state = _breathe(coach, 0.0, min(20.0, stop), share=share)  # (until calibrated)
    if screen != "summary":
        _skip_to(coach, shown, min(20.0, stop))
    if stop > 20.0:
        state = _breathe(coach, 20.0, stop, share=share)
    if screen in ("sensor", "one-belt"):
        coach.feed(Fault(at=end, kind="disconnected", belt="belly"))
        return coach.view(end, state)
    if screen == "hold":
        held = Snapshot("hold", state.level, state.rate_bpm, state.ratio, 1.0, True)
        for i in range(round(held_s * 30)):
            coach.tick(stop + i / 30.0, held)
        coach.feed(Hold(at=end, t=stop))
        return coach.view(end, held)
    if screen == "pause":
        coach.button("start_pause", end)
        return coach.view(end, state)
    if screen == "summary":  # each exercise left after 70 s (or when it ends), one hold
        t = end
        while coach.mode != "summary":
            if coach.mode == "exercise":
                press_next(coach, t)
            if coach.mode != "exercise":
                break
            state = _breathe(coach, t, t + 70.0, period=7.5, inhale=3.0, share=share)
            t += 70.0
            if coach.mode == "exercise" and coach.index == len(exercises) - 1:
                coach.feed(Hold(at=t, t=t - 4.0))
        return coach.view(t, state)
    return coach.view(end, state)


def cmd_render(args) -> int:
    import os
    import sys

    from feedback.cli import config_path
    from feedback.reload import load_all

    size = parse_size(args.size)
    if args.screen not in SCREENS:
        raise BadInput(f"no screen {args.screen!r}; valid: {', '.join(SCREENS)}")
    # A config that does not load is a ConfigError: one line, exit 2, as for every command.
    settings, programme = load_all(config_path(args.config))
    lang = args.lang or settings.patient.language
    view = example_view(args.screen, lang, settings, programme, args.exercise, args.belly)
    from feedback.screen import Screen

    screen = Screen(size)
    screen.draw(view)
    try:
        screen.save(args.out)
    except Exception as exc:  # pygame raises its own error type for a bad path
        raise BadInput(f"--out {args.out}: cannot write the PNG ({exc})") from None
    print(f"{args.screen} ({size[0]}x{size[1]}, {lang}) -> {os.fspath(args.out)}",
          file=sys.stdout)
    return 0
