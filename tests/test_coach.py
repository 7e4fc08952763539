import dataclasses
import itertools
import math
import os

import numpy as np
import pytest
from programmes import CALIBRATION

from feedback import i18n
from feedback.coach import Coach, Snapshot, press_next
from feedback.config import defaults
from feedback.events import FOLLOWING, Breath, Cue, Exercise, Fault, FaultEnd, Hold, HoldEnd, Resume
from feedback.programme import SHIPPED, load_programme
from feedback.ringframes import BRIGHTNESS, FAULT, WARNING, ring_frame

FPS = 30.0


@pytest.fixture
def clinic():
    return load_programme(SHIPPED / "clinic.toml", "clinic")


def calm(t):
    level = 0.5 + 0.5 * math.sin(2 * math.pi * t / 10.0)
    return Snapshot("exhale", level, 6.0, 2.0, 1.0, calibrated=t > 12.0)


def drive(coach, t0, t1, state=calm, breath_every=10.0):
    """Tick at 30 fps and feed calm breaths; returns all events."""
    out, t, last = [], t0, t0
    while t < t1:
        out += coach.tick(t, state(t))
        if t - last >= breath_every:
            out += coach.feed(Breath(at=t, start=last, peak=last + 3.3, end=t, inhale_s=3.3,
                                     exhale_s=breath_every - 3.3, depth=1.0,
                                     rate_bpm=60 / breath_every))
            last = t
        t += 1 / FPS
    return out


def is_warning(frame):
    """The whole ring alike in the warning's red (not the exhale's orange), lit."""
    return bool(np.all(frame == frame[0]) and frame[0, 1] <= 0.35 * frame[0, 0]
                and frame[0, 0] >= WARNING[0] * 0.1 - 1)


def started(coach):
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 20.0)            # calibration ends once calibrated
    assert coach.exercise.id == "belly_lying"
    return coach


def test_hold_warning_reaches_the_led_frame_within_0_2_s(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 40.0)
    t = 40.0
    assert not is_warning(coach.ring_frame(t, calm(t)))
    cues = coach.feed(Hold(at=40.02, t=32.0))
    assert [c.kind for c in cues] == ["breathe_on"]
    first = coach.ring_frame(40.02 + 1 / FPS, calm(40.05))   # the very next frame
    assert is_warning(first) and first[0, 0] == WARNING[0]     # ... at its full level
    # it keeps warning (pulsing, never dark) until breathing resumes
    frames = [coach.ring_frame(40.02 + i / FPS, calm(40.05)) for i in range(2, 32)]
    assert all(is_warning(f) for f in frames)
    # A blink, not a shimmer: down to a tenth and up again, which any eye sees (with
    # deuteranopia the red and the warm white of free breathing look the same).
    assert min(int(f[0, 0]) for f in frames) <= 0.12 * WARNING[0]
    assert max(int(f[0, 0]) for f in frames[6:]) == WARNING[0]
    coach.feed(HoldEnd(at=43.0, t=42.9))
    assert not is_warning(coach.ring_frame(43.03, calm(43.03)))


def test_exercises_start_and_end_in_order_with_events(clinic):
    coach = Coach(defaults(), clinic, 0.0, autostart=True)
    events = drive(coach, 0.0, 20.0)
    ex = [e for e in events if isinstance(e, Exercise)]
    assert [(e.name, e.phase) for e in ex] == [("Kalibratie", "start"), ("Kalibratie", "end"),
                                               ("Buikademhaling liggend", "start")]
    assert 12.0 < ex[1].at < 13.0                      # calibrated at 12 s
    events = drive(coach, 20.0, 330.0)
    ends = [e for e in events if isinstance(e, Exercise) and e.phase == "end"]
    assert ends and ends[0].name == "Buikademhaling liggend"
    assert ends[0].at == pytest.approx(ex[2].at + 300.0, abs=0.1)


ASK = {"nl": "Oefening overslaan? Druk nog een keer op volgende",
       "en": "Skip this exercise? Press next again"}


def test_next_asks_before_it_skips_and_a_second_press_within_5_s_skips(clinic):
    """A patient who reached for the pause button and hit "next" lost the exercise.
    One press now asks, on the notice line at once; a second within ``next_confirm_s``
    (5 s) skips. Later, the question is gone and a press asks again."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 30.0)
    assert coach.button("next", 30.0) == []
    assert coach.exercise.id == "belly_lying" and coach.next_asked(30.0)
    assert coach.view(30.0, calm(30.0)).notice == ASK["nl"]
    assert coach.view(34.9, calm(34.9)).notice == ASK["nl"]
    drive(coach, 30.0, 36.0)
    assert not coach.next_asked(36.0)
    assert coach.view(36.0, calm(36.0)).notice != ASK["nl"]
    assert coach.button("next", 36.0) == []              # 6 s on: it asks again
    assert coach.exercise.id == "belly_lying"
    events = coach.button("next", 40.9)                  # 4.9 s after the question
    assert [(e.name, e.phase) for e in events] == [("Buikademhaling liggend", "end"),
                                                   ("Ademen met de ribben", "start")]
    assert coach.exercise.id == "ribs" and not coach.next_asked(41.0)
    assert coach.view(41.0, calm(41.0)).notice != ASK["nl"]
    assert coach.button("next", 41.5) == []              # the next exercise asks anew
    assert coach.exercise.id == "ribs"


def test_another_button_or_a_new_exercise_ends_the_question(clinic):
    """The question is for that exercise, pressed then: start/pause or calibrating
    again in between, or the exercise ending by itself, and the next press asks again.
    Paused, or on the belt screen, it asks and skips the same."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 30.0)
    coach.button("next", 30.0)
    coach.button("start_pause", 31.0)                    # paused
    assert coach.mode == "paused" and not coach.next_asked(31.0)
    assert coach.button("next", 32.0) == [] and coach.view(32.0).notice == ASK["nl"]
    coach.button("recalibrate", 33.0)
    assert coach.button("next", 34.0) == [] and coach.exercise.id == "belly_lying"
    coach.feed(Fault(at=34.5, kind="disconnected", belt="belly"))
    assert coach.view(34.6).screen == "sensor" and coach.view(34.6).notice == ASK["nl"]
    assert [e.phase for e in coach.button("next", 35.0)] == ["end", "start"]
    assert coach.exercise.id == "ribs"
    coach.feed(FaultEnd(at=35.5, kind="disconnected", belt="belly"))
    drive(coach, 36.0, 50.0)
    end = 50.0 + coach.exercise.duration_s - coach.elapsed(50.0)
    drive(coach, 50.0, end - 1.0)
    coach.button("next", end - 1.0)                      # asked 1 s before the end
    drive(coach, end - 1.0, end + 0.5)
    assert coach.exercise.id == "movement"
    assert not coach.next_asked(end + 0.5)
    assert coach.button("next", end + 1.0) == [] and coach.exercise.id == "movement"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_next_on_the_last_exercise_asks_to_end_the_session(clinic, lang):
    settings = defaults()
    settings.patient["language"] = lang
    coach = started(Coach(settings, clinic, 0.0))
    while coach.index < len(clinic.exercises) - 1:
        press_next(coach, 21.0)
    coach.button("next", 22.0)
    assert coach.view(22.0).notice == {"nl": "Sessie beëindigen? Druk nog een keer op volgende",
                                       "en": "End the session? Press next again"}[lang]
    assert coach.mode == "exercise"
    coach.button("next", 23.0)
    assert coach.mode == "summary" and coach.view(23.0).notice is None


@pytest.mark.parametrize("seen", ["far", "near"])
def test_the_question_shows_at_once_over_a_cue_and_another_notice(clinic, seen):
    """The screen answers the first press at once, as drawn: a cue ("Goed zo!", shown
    6 s, longer than the question's 5 s) went first on the exercise screen, and another
    notice (a USB export's) kept its 4 s turn on the line, so the question showed late or
    not at all."""
    from feedback.screen import Screen

    settings = defaults()
    settings.screen["view"] = seen
    coach = started(Coach(settings, clinic, 0.0))
    cues = [e for e in drive(coach, 20.0, 73.0) if isinstance(e, Cue)]
    assert cues and cues[-1].kind == "good" and 72.0 < cues[-1].at < 73.0
    coach.show_notice("Export klaar", 73.0, "export")
    assert coach.view(73.0, calm(73.0)).notice == "Export klaar"
    coach.button("next", 73.2)
    screen = Screen((800, 480))
    for t in (73.2, 75.0, 77.0):
        view = coach.view(t, calm(t))
        screen.draw(view)
        drawn = " ".join(" ".join(text for text, _r in screen.texts).split())
        assert view.notice == ASK["nl"] and ASK["nl"] in drawn, (t, drawn)
        assert i18n.text("cue.good", "nl") not in drawn


def test_the_question_on_the_last_exercise_follows_a_programme_changed_meanwhile(clinic):
    """A programme file changed during an exercise decides whether one follows it: the
    question says what the second press will do (it said "Oefening overslaan?" where the
    session then ended, and "Sessie beëindigen?" where an exercise added came next)."""
    coach = started(Coach(defaults(), clinic, 0.0))
    press_next(coach, 30.0)
    assert coach.exercise.id == "ribs"
    coach.apply_settings(defaults(), dataclasses.replace(clinic,
                                                         exercises=clinic.exercises[:3]))
    coach.button("next", 31.0)
    assert coach.view(31.0).notice == "Sessie beëindigen? Druk nog een keer op volgende"
    coach.button("next", 32.0)
    assert coach.mode == "summary"

    coach = started(Coach(defaults(), clinic, 0.0))
    while coach.index < len(clinic.exercises) - 1:
        press_next(coach, 30.0)
    extra = dataclasses.replace(clinic.exercises[2], id="ribs_again")
    coach.apply_settings(defaults(), dataclasses.replace(
        clinic, exercises=clinic.exercises + (extra,)))
    coach.button("next", 31.0)
    assert coach.view(31.0).notice == ASK["nl"]
    coach.button("next", 32.0)
    assert coach.mode == "exercise" and coach.exercise.id == "ribs_again"


def test_next_skips_at_once_with_next_confirm_s_0(clinic):
    settings = defaults()
    settings.buttons["next_confirm_s"] = 0.0
    coach = started(Coach(settings, clinic, 0.0))
    assert [e.phase for e in coach.button("next", 21.0)] == ["end", "start"]
    assert coach.exercise.id == "ribs" and not coach.next_asked(21.0)
    assert coach.view(21.0).notice != ASK["nl"]


@pytest.mark.parametrize("size", [(800, 480), (480, 320), (480, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("far", [False, True], ids=["near", "far"])
def test_the_question_shows_under_the_hold_warning(clinic, far, size):
    """"Next" pressed while the hold warning shows: the patient pressed and looks for an
    answer. The question shows on the notice line under "Blijf ademen!", which stays,
    smaller but large, with its red frame; nothing overlaps. (The banner covered it.)"""
    from feedback.screen import Screen

    settings = defaults()
    settings.screen.view = "far" if far else "near"
    coach = started(Coach(settings, clinic, 0.0))
    drive(coach, 20.0, 40.0)
    coach.feed(Hold(at=40.0, t=34.0))
    assert coach.button("next", 41.0) == [] and coach.exercise.id == "belly_lying"
    v = coach.view(41.5, calm(41.5))
    assert v.warning and v.cue == "breathe_on" and v.notice == ASK["nl"]
    screen = Screen(size)
    screen.draw(v)
    drawn = " ".join(t for t, _ in screen.texts)
    assert ASK["nl"] in drawn and i18n.text("cue.breathe_on", "nl").split()[0] in drawn
    warned = [r for t, r in screen.texts if set(t.split()) & {"Blijf", "ademen!"}]
    assert warned and min(r.h for r in warned) >= min(size) // 10
    for (a, ra), (b, rb) in itertools.combinations(screen.texts, 2):
        assert not ra.colliderect(rb), f"{a!r} {ra} overlaps {b!r} {rb}"
    assert [e.phase for e in coach.button("next", 43.0)] == ["end", "start"]  # it skips
    v = coach.view(43.5, calm(43.5))
    assert v.notice != ASK["nl"]


@pytest.mark.parametrize("within", [1.0, 5.0])
def test_the_question_and_the_press_that_skips_end_together(clinic, within):
    """Up to ``next_confirm_s`` after the question, its last instant too, the screen asks
    and a press skips; after it, neither: a screen that still asks never meets a press
    that only asks again. A short setting (1 s) asks as well."""
    settings = defaults()
    settings.buttons["next_confirm_s"] = within
    coach = started(Coach(settings, clinic, 0.0))
    drive(coach, 20.0, 30.0)
    assert coach.button("next", 30.0) == [] and coach.exercise.id == "belly_lying"
    t = 30.0 + within                                    # the question's last instant
    assert coach.next_asked(t) and coach.view(t, calm(t)).notice == ASK["nl"]
    assert [e.phase for e in coach.button("next", t)] == ["end", "start"]
    assert coach.exercise.id == "ribs"
    coach.button("next", t + 1.0)                        # asked again ...
    late = t + 1.0 + within + 0.01                       # ... and pressed just too late
    assert not coach.next_asked(late)
    assert coach.button("next", late) == [] and coach.exercise.id == "ribs"


def test_next_on_the_exercise_before_the_last_asks_to_skip_it(clinic):
    """Only the last exercise's question is about ending the session."""
    coach = started(Coach(defaults(), clinic, 0.0))
    while coach.index < len(clinic.exercises) - 2:
        press_next(coach, 21.0)
    coach.button("next", 22.0)
    assert coach.view(22.0).notice == ASK["nl"]


def test_repetitions_end_the_lifting_exercise(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    for t in (30.0, 31.0, 32.0):
        press_next(coach, t)
    assert coach.exercise.id == "lifting"
    events = drive(coach, 32.0, 32.0 + 13 * 4.0 + 1, breath_every=4.0)
    assert any(isinstance(e, Exercise) and e.phase == "end" for e in events)
    assert coach.mode == "summary"
    rows = coach.summary()
    assert rows[-1]["id"] == "lifting" and rows[-1]["breaths"] == 12


def test_a_breath_under_way_when_an_exercise_begins_is_not_that_exercise_s(clinic):
    """A breath of the calibration that ended in the lifting exercise counted as one of
    its lifts, and its ratio stood on its screen and in its trend."""
    coach = started(Coach(defaults(), clinic, 0.0))
    for t in (30.0, 31.0, 32.0):
        press_next(coach, t)
    assert coach.exercise.id == "lifting"
    coach.feed(Breath(at=33.0, start=29.5, peak=31.0, end=33.0, inhale_s=1.5, exhale_s=2.0,
                      depth=1.0, rate_bpm=12.0))
    assert coach.reps == 0 and coach.ratio_now() is None
    coach.feed(Breath(at=37.0, start=33.0, peak=34.0, end=37.0, inhale_s=1.0, exhale_s=3.0,
                      depth=1.0, rate_bpm=15.0))
    assert coach.reps == 1 and coach.ratio_now() == 3.0
    assert coach.summary()[-1]["breaths"] == 1


def test_the_rate_shown_is_the_exercise_s_own_breathing(clinic):
    """The analysis's rate is a median over the breaths before the exercise too: a
    patient who followed the 5/min pacer from the first breath read "8 adem/min (doel
    5)" for half a minute, the calibration's rate (and after a pause, the rate of the
    walk to the door). The screen shows this exercise's breaths, as its ratio."""
    coach = started(Coach(defaults(), clinic, 0.0))
    assert coach.exercise.kind == "breathing"
    t0 = coach.started_t
    before = Snapshot("inhale", 0.5, 8.0, 1.5, 1.0, calibrated=True)  # the analysis: 8/min
    assert coach.view(t0 + 5.0, before).rate_bpm is None  # none of its own yet
    for k in range(3):  # followed: 11.5 s a breath, while the analysis still says 8/min
        start = t0 + 0.5 + 11.5 * k
        coach.feed(Breath(at=start + 12.0, start=start, peak=start + 3.5, end=start + 11.5,
                          inhale_s=3.5, exhale_s=8.0, depth=1.0, rate_bpm=8.0))
        assert coach.view(start + 12.0, before).rate_bpm == pytest.approx(60 / 11.5)
    press_next(coach, t0 + 40.0)  # the next exercise: its own again
    assert coach.view(t0 + 41.0, before).rate_bpm is None
    assert coach.summary()[1]["rate_bpm"] == pytest.approx(60 / 11.5)  # and its summary


def test_a_belt_not_plugged_in_before_a_session_leaves_the_start_screen(clinic):
    """A loan unit stays on between sessions, the belt unplugged: its start screen was
    "Controleer de band ... De oefening wacht zolang." all day, with no exercise to wait
    for, nor today's minutes or how to start. It stays the start screen, with the belt
    on its notice line; once a session starts, the exercise waits for the belt."""
    from feedback.screen import Screen

    coach = Coach(defaults(), clinic, 0.0, today_min=2.0)
    coach.feed(Fault(at=1.0, kind="disconnected", belt="belly"))
    view = coach.view(2.0)
    assert view.screen == "idle" and view.today_min == 2.0
    assert view.notice == "Controleer de band: band losgekoppeld (buikband)"
    screen = Screen((480, 320))
    screen.draw(view)
    drawn = [t for t, _r in screen.texts]
    assert "Druk op de startknop om te beginnen" in drawn
    assert not any("wacht" in t for t in drawn)
    coach.button("start_pause", 3.0)
    assert coach.view(4.0).screen == "sensor"  # the calibration waits for the belt
    coach.feed(FaultEnd(at=5.0, kind="disconnected", belt="belly"))
    assert coach.view(6.0).screen == "calibration" and coach.view(6.0).notice is None


def test_a_calibration_that_measured_no_breath_waits_and_says_so(clinic):
    """The belt plugged in but not worn (or far too loose): the calibration ended at its
    most (60 s) without a breath measured, and the programme ran on to "Goed gedaan!",
    7 minutes of practice and the home target met, with no breath measured and not a
    word about the belt. It waits for the breath, and says what to check; the next
    button still goes on."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    still = Snapshot()  # nothing measured: not calibrated
    missing = []
    t = 0.0
    while t < 120.0:
        coach.tick(t, still)
        view = coach.view(t, still)
        missing.append((t, view.breath_missing))
        assert view.notice is None  # (said large on its screen, not on the bottom line)
        t += 1 / FPS
    assert coach.exercise.kind == "calibration" and coach.view(t, still).screen == "calibration"
    assert all(m for s, m in missing if s > 60.0)
    assert not any(m for s, m in missing if s < 59.9)  # not before its 60 s are up
    drive(coach, 120.0, 140.0)  # the belt on: measured, on to the exercise
    assert coach.exercise.kind == "breathing" and not coach.view(140.0).breath_missing
    coach = Coach(defaults(), clinic, 0.0)  # ... or the patient goes on without
    coach.button("start_pause", 0.0)
    for k in range(90 * 30):
        coach.tick(k / FPS, still)
    assert coach.view(90.0, still).breath_missing
    press_next(coach, 90.0)
    assert coach.exercise.kind == "breathing" and not coach.view(91.0, still).breath_missing


def test_pause_stops_the_clock_and_the_pacer(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 50.0)
    coach.button("start_pause", 50.0)
    assert coach.view(60.0).screen == "pause" and coach.pacer_level(60.0) is None
    before = coach.view(60.0).left_s
    coach.button("start_pause", 200.0)
    assert coach.view(200.0).left_s == pytest.approx(before)
    assert coach.pacer_level(200.0) == pytest.approx(0.0)      # a fresh inhale begins


def test_planned_pause_and_hold_threshold_follow_the_exercise(clinic):
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    assert coach.planned_pause(1.0) is None                    # calibration: no pacer
    drive(coach, 0.0, 20.0)
    assert coach.hold_after_s == 8.0
    t = coach.running_since
    spans = {coach.planned_pause(t + x / 10) for x in range(0, 120)} - {None}
    assert spans and all(1.0 < e - s < 4.0 for s, e in spans)
    for x in range(0, 120):  # each pause (hold_out_s = 1 s) lies in such a span
        pause = coach.pacer.planned_pause(t + x / 10)
        if pause is not None:
            s, e = coach.planned_pause(t + x / 10)
            assert s < pause[0] and pause[1] < e
    press_next(coach, 30.0)
    press_next(coach, 31.0)
    assert coach.exercise.id == "movement" and coach.hold_after_s == 4.0
    assert coach.pacer_level(32.0) is None


def test_no_hold_warning_in_calibration(clinic):
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    assert coach.feed(Hold(at=3.0, t=0.0)) == []
    assert not coach.warning


def test_new_settings_apply_at_the_next_breath(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    new = defaults()
    new.cues["min_gap_s"] = 30.0
    new.patient["language"] = "en"
    coach.apply_settings(new)
    assert coach.settings is not new and coach.rules.cfg["min_gap_s"] != 30.0
    assert coach.view(24.0).exercise == "Buikademhaling liggend"  # not in mid-breath
    coach.feed(Breath(at=25.0, start=15.0, peak=18.0, end=25.0, inhale_s=3.0, exhale_s=7.0,
                      depth=1.0, rate_bpm=6.0))
    assert coach.settings is new and coach.rules.cfg["min_gap_s"] == 30.0
    assert coach.view(25.5).exercise == "Belly breathing, lying down"


def test_sensor_fault_shows_the_belt_screen_not_a_hold(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    cues = coach.feed(Fault(at=30.0, kind="flat", belt="belly"))
    assert cues == [Cue(at=30.0, kind="check_belt")]
    assert coach.feed(Hold(at=34.0, t=30.0)) == []
    assert coach.view(34.0, calm(34.0)).screen == "sensor"
    assert not is_warning(coach.ring_frame(34.0, calm(34.0)))


@pytest.mark.parametrize("lang, said", [
    ("nl", "Storing in het apparaat: meetchip reageert niet"),
    ("en", "The unit has a fault: measuring chip does not respond")])
def test_the_start_screen_says_the_chip_not_answering_is_the_unit_s(clinic, lang, said):
    settings = defaults()
    settings.patient["language"] = lang
    coach = Coach(settings, clinic, 0.0)
    coach.feed(Fault(at=1.0, kind="i2c"))
    assert coach.view(1.5).screen == "idle" and coach.view(1.5).notice == said
    coach.feed(FaultEnd(at=2.0, kind="i2c"))
    coach.feed(Fault(at=3.0, kind="disconnected", belt="belly"))
    assert coach.view(7.0).notice.startswith(i18n.text("sensor.title", lang) + ":")


def test_the_belt_screen_names_the_bus_first_and_every_belt_out(clinic):
    """A bus that stops answering while the belly is out: the screen says so (it blamed
    the belly, plugged in again or not). Both belts out: both are named."""
    from feedback.screen import Screen

    settings = defaults()
    settings.sensor["belts"] = ["chest", "belly"]
    coach = started(Coach(settings, clinic, 0.0))
    coach.feed(Fault(at=30.0, kind="disconnected", belt="belly"))
    coach.feed(Fault(at=40.0, kind="i2c"))
    view = coach.view(41.0)
    assert (view.screen, view.fault, view.fault_belts) == ("sensor", "i2c", ())
    coach.feed(FaultEnd(at=50.0, kind="i2c"))
    coach.feed(Fault(at=55.0, kind="flat", belt="chest"))  # another kind: not called
    view = coach.view(56.0)                                # unplugged, nor named
    assert (view.fault, view.fault_belts) == ("disconnected", ("belly",))
    coach.feed(FaultEnd(at=57.0, kind="flat", belt="chest"))
    coach.feed(Fault(at=58.0, kind="disconnected", belt="chest"))
    view = coach.view(59.0)
    assert (view.fault, view.fault_belts) == ("disconnected", ("belly", "chest"))
    screen = Screen((800, 480))
    screen.draw(view)
    assert "band losgekoppeld (buikband, borstband)" in [t for t, _r in screen.texts]


def test_a_recalibration_keeps_the_share_of_breaths_in_rhythm(clinic):
    """The pacer starts a new breath after a recalibration, as after a pause, and the
    exercise's share of breaths in rhythm goes on (it went back to nothing)."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 80.0)
    before = dict(coach.pacer.following)
    assert sum(before.values()) >= 3
    coach.button("recalibrate", 80.0)
    coach.tick(81.0, Snapshot(calibrated=False))
    coach.tick(90.0, calm(90.0))  # calibrated again: the exercise goes on
    assert coach.recal_since is None and coach.pacer.following == before


def test_summary_counts_holds_cues_and_following(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    begun = coach.running_since
    drive(coach, 20.0, 80.0)
    coach.feed(Hold(at=80.0, t=72.0))
    coach.feed(HoldEnd(at=82.0, t=81.0))
    press_next(coach, 82.0)
    row = coach.summary()[1]
    assert row["id"] == "belly_lying" and row["holds"] == 1
    assert row["cues"]["breathe_on"] == 1
    assert row["minutes"] == pytest.approx((82.0 - begun) / 60.0, abs=0.01)
    # (its breaths' own lengths: 10 s, as the drive feeds them to a frame)
    assert row["rate_bpm"] == pytest.approx(6.0, rel=0.01)
    assert sum(row["following"].values()) == 1.0


def test_ring_frames_show_pacer_colours_and_the_patient():
    n = 16
    inhale = ring_frame(n, 0.0, 0.5, "inhale", None)
    exhale = ring_frame(n, 0.0, 0.5, "exhale", None)
    assert inhale.shape == (n, 3) and inhale.dtype == np.uint8
    assert inhale[0, 2] > inhale[0, 0] and exhale[0, 0] > exhale[0, 2]     # blue vs orange
    lit = (inhale.sum(axis=1) > 100).sum()
    assert 6 <= lit <= 10                                                   # half full
    full = ring_frame(n, 0.0, 1.0, "inhale", None)
    assert (full.sum(axis=1) > 100).all()
    marked = ring_frame(n, 0.0, 0.2, "inhale", 0.8)
    white = np.where((marked == 255).all(axis=1))[0]
    assert len(white) in (1, 2) and all(6 <= i <= 10 for i in white)       # near the top
    night = ring_frame(n, 0.0, 1.0, "inhale", None, brightness="night")
    assert night.max() < full.max() * 0.2


def test_a_belt_fault_is_four_grey_pixels_on_every_ring_size():
    """docs/coaching.md: a belt problem is four still grey pixels (a ring of 13-15, 17-19
    ... LEDs showed five), a quarter of the ring apart, over the pacer's fill."""
    for n in range(12, 61):
        alone = ring_frame(n, 0.0, None, None, fault=True)
        grey = np.flatnonzero(alone.any(axis=1))
        assert len(grey) == 4, (n, grey)
        assert (alone[grey] == FAULT).all()
        assert max(np.diff(grey)) - min(np.diff(grey)) <= 1, (n, grey)
        paced = ring_frame(n, 0.0, 0.0, "exhale", None, fault=True)
        assert (paced[grey] >= FAULT).all()


def test_the_ring_goes_dark_at_the_summary_and_asks_for_no_belt_there(clinic):
    """The end of the session is seen on the ring: it went on showing the patient's own
    breath, as in the last exercise (the clinic's and the home programme's last ones have
    no pacer), so a patient who watches the ring saw nothing end; and once the belt was
    taken off, as the leaflet says to do at the summary, four grey LEDs asked for the
    belt with no exercise waiting for it. At the start screen a belt out is four grey
    LEDs again, as its notice line says."""
    coach = started(Coach(defaults(), clinic, 0.0))
    t = 20.0
    while coach.mode != "summary":
        t += 1.0
        drive(coach, t - 1.0, t)
        last = coach.ring_frame(t - 0.01, calm(t - 0.01))  # the last exercise's
        press_next(coach, t)
    assert coach.view(t, calm(t)).screen == "summary"
    frames = [coach.ring_frame(t + k / FPS, calm(t + k / FPS)) for k in range(1, 300)]
    assert last.any() and not any(f.any() for f in frames)
    coach.feed(Fault(at=t + 10.0, kind="disconnected", belt="belly"))
    assert coach.view(t + 10.1, calm(t + 10.1)).screen == "summary"
    assert not coach.ring_frame(t + 10.1).any()
    coach.button("start_pause", t + 11.0)  # back to the start screen, the belt still out
    assert coach.mode == "idle"
    grey = coach.ring_frame(t + 11.1)
    assert len(np.flatnonzero(grey.any(axis=1))) == 4 and (grey[grey.any(axis=1)] == FAULT).all()


def test_the_leds_are_dark_at_the_start_screen_and_show_the_breath_while_paused(clinic):
    """docs/coaching.md: at the start screen the ring is dark, though the belt already
    measures a breath; paused, it shows the patient's own breath (one or two white
    pixels) with no pacer."""
    breathing = Snapshot("exhale", 0.8, 6.0, 2.0, 1.0, calibrated=True)
    coach = Coach(defaults(), clinic, 0.0)
    assert coach.mode == "idle" and not coach.ring_frame(1.0, breathing).any()
    started(coach)
    drive(coach, 20.0, 30.0)
    coach.button("start_pause", 30.0)
    assert coach.mode == "paused"
    frame = coach.ring_frame(30.1, breathing)
    assert np.all(frame == 255, axis=1).sum() in (1, 2)
    ring = coach.settings.ring
    assert np.array_equal(frame, ring_frame(ring.pixels, 30.1, None, None, 0.8,
                                            brightness=ring.brightness))  # (no pacer)
    assert coach.pacer is not None  # (the exercise has one)


def test_the_ring_shows_the_patient_s_breath_while_the_calibration_measures(clinic):
    """The calibration screen's disc and curve follow the patient's breath from the first
    samples; the ring stayed dark until the calibration was done (20-60 s), so a patient
    lying with only the ring in view saw nothing happen. It shows the breath now, in the
    pause colour as while no pacer runs, also on "calibrate again"."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    assert coach.exercise.kind == "calibration"
    ring = coach.settings.ring
    seen = []
    for k in range(300):  # 10 s of the calibration, before anything is calibrated
        t = k / FPS
        state = calm(t)
        assert not state.calibrated
        coach.tick(t, state)
        assert coach.view(t, state).screen == "calibration"
        frame = coach.ring_frame(t, state)
        assert np.array_equal(frame, ring_frame(ring.pixels, t, None, None, state.level,
                                                brightness=ring.brightness))
        seen.append(int(frame.any(axis=1).sum()))
    assert min(seen) >= 1 and max(seen) - min(seen) >= ring.pixels // 3  # (it moves)
    drive(coach, 10.0, 20.0)
    assert coach.exercise.id == "belly_lying"
    coach.button("recalibrate", 20.0)
    uncalibrated = calm(1.0)
    coach.tick(20.1, uncalibrated)
    assert coach.view(20.1, uncalibrated).screen == "calibration"
    frame = coach.ring_frame(20.1, uncalibrated)
    assert np.array_equal(frame, ring_frame(ring.pixels, 20.1, None, None, uncalibrated.level,
                                            brightness=ring.brightness))


def test_the_configured_brightness_reaches_the_leds_once_and_follows_a_reload(
        clinic, repo, tmp_path):
    """Coach frame -> real neopixel_spi driver -> decoded WS2812 bits: the level is
    applied once, and a new level in the config file shows without a restart."""
    import shutil

    from device.ring import Ring
    from device.spi_emu import SPIEmu
    from feedback.config import load_config
    from feedback.reload import ConfigWatcher

    cfg = tmp_path / "ademcoach.toml"
    shutil.copy(repo / "config" / "ademcoach.toml", cfg)
    settings = load_config(cfg)
    assert settings.ring.brightness == "clinic"
    spi = SPIEmu()
    ring = Ring.from_settings(settings.ring, spi=spi)
    coach = started(Coach(settings, clinic, 0.0))
    drive(coach, 20.0, 40.0)
    coach.feed(Hold(at=40.02, t=32.0))
    ring.show(coach.ring_frame(40.4))  # the pulse's first, brightest moment
    assert spi.last.max() == WARNING[0]  # full level, not dimmed a second time
    coach.feed(HoldEnd(at=43.0, t=42.9))
    watcher = ConfigWatcher(cfg, settings)
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace('brightness = "clinic"', 'brightness = "night"'),
                   encoding="utf-8")
    st = cfg.stat()  # make sure the mtime moves even on coarse clocks
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert watcher.poll(43.0) is None  # seen; read at the next look, if it stayed the same
    coach.on_reload(watcher.poll(44.0), 44.0)
    drive(coach, 44.0, 60.0)  # the next breath applies it
    coach.feed(Hold(at=60.02, t=52.0))
    ring.show(coach.ring_frame(60.4))
    assert spi.last.max() == round(WARNING[0] * BRIGHTNESS["night"])


def test_recalibrate_shows_calibration_and_resumes_the_exercise(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 40.0)
    left = coach.view(40.0).left_s
    coach.button("recalibrate", 40.0)
    assert coach.view(41.0, calm(41.0)).screen == "calibration"
    assert coach.pacer_level(41.0) is None
    coach.tick(42.0, Snapshot(calibrated=False))
    coach.tick(50.0, calm(50.0))                         # calibrated again
    assert coach.view(50.0, calm(50.0)).screen == "exercise"
    assert coach.view(50.0).left_s == pytest.approx(left)


def test_a_hold_warned_before_a_recalibration_is_not_blinked_over_its_screen(clinic):
    """A warning that stays while the patient breathes sends them to the belt and to
    "calibrate again" (the leaflet says so). The calibration screen shows no warning, so
    the ring, the buzzer and the tone do not either while it runs (the ring blinked red
    over "Adem rustig in en uit" for as long as the analysis kept the hold); the hold
    still on when the exercise goes on is warned again, from the pulse's full level."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 40.0)
    coach.feed(Hold(at=40.02, t=32.0))
    assert coach.warning and is_warning(coach.ring_frame(40.05, calm(40.05)))
    coach.button("recalibrate", 41.0)
    uncalibrated = Snapshot(calibrated=False)
    for k in range(60):  # 2 s of frames during the recalibration
        t = 41.0 + k / FPS
        coach.tick(t, uncalibrated)
        view = coach.view(t, uncalibrated)
        assert view.screen == "calibration" and not view.warning
        assert not coach.warning  # (the buzzer and the tone follow it)
        assert not is_warning(coach.ring_frame(t, uncalibrated))
    coach.tick(50.0, calm(50.0))  # calibrated again, the hold still on
    assert coach.view(50.0, calm(50.0)).screen == "exercise"
    assert coach.warning and coach.view(50.0, calm(50.0)).warning
    first = coach.ring_frame(50.0, calm(50.0))
    assert is_warning(first) and first[0, 0] == WARNING[0]

def test_a_hold_carried_into_a_calibration_is_not_blinked_over_its_screen(tmp_path):
    """A calibration later in the programme that asks for hold warnings
    (``hold_warnings = true``) takes over a hold still on from the exercise before. Its
    screen is the calibration's, with no warning, and so are the ring, the buzzer and
    the tone (the ring blinked red and the buzzer sounded over "Adem rustig in en uit");
    the hold still on in the exercise after it is warned again, counted once."""
    text = CALIBRATION + """
[[exercise]]
id = "belly"
name_nl = "Buik"
name_en = "Belly"
duration_s = 60
pacer = "off"

[[exercise]]
id = "again"
name_nl = "Opnieuw meten"
name_en = "Measure again"
kind = "calibration"
duration_s = 60
hold_warnings = true

[[exercise]]
id = "after"
name_nl = "Daarna"
name_en = "After"
duration_s = 60
pacer = "off"
"""
    (tmp_path / "prog.toml").write_text('[programme]\nname_nl = "T"\nname_en = "T"\n' + text)
    prog = load_programme(tmp_path / "prog.toml")
    coach = Coach(defaults(), prog, 0.0)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 70.0)  # calibrated at 12 s
    coach.feed(Hold(at=70.0, t=64.0))
    assert coach.warning and coach.exercise.id == "belly"
    uncalibrated = Snapshot(calibrated=False)
    t = 70.0
    while coach.exercise.id == "belly":
        t += 1 / FPS
        coach.tick(t, uncalibrated)
    assert coach.exercise.id == "again" and coach.rules.holding  # (taken over)
    for _ in range(60):  # 2 s of the calibration, the hold still on
        t += 1 / FPS
        coach.tick(t, uncalibrated)
        view = coach.view(t, uncalibrated)
        assert view.screen == "calibration" and not view.warning
        assert not coach.warning  # (the buzzer and the tone follow it)
        assert not is_warning(coach.ring_frame(t, uncalibrated))
    coach.button("next", t)
    coach.button("next", t + 0.5)  # on to the next exercise, the hold still on
    assert coach.exercise.id == "after" and coach.view(t + 1, calm(t + 1)).warning
    assert coach.warning and is_warning(coach.ring_frame(t + 1, calm(t + 1)))
    assert [row["holds"] for row in coach.summary()] == [0, 1, 0, 0]


def test_adaptive_pacer_from_the_config_starts_at_the_patients_rhythm(clinic):
    s = defaults()
    s.pacer["mode"] = "adaptive"
    coach = started(Coach(s, clinic, 0.0))
    press_next(coach, 21.0)                           # 'ribs' uses the config's pacer
    assert coach.exercise.id == "ribs" and coach.pacer.adaptive
    coach.feed(Breath(at=26.5, start=21.5, peak=23.0, end=26.5, inhale_s=1.5, exhale_s=3.5,
                      depth=1.0, rate_bpm=12.0))
    later = coach.pacer.current(40.0)
    assert later.inhale_s == pytest.approx(1.5)
    # the set 1 s pause after the exhale stays; the breath's exhale counted it
    assert later.hold_out_s == pytest.approx(1.0) and later.exhale_s == pytest.approx(2.5)


def test_an_adaptive_pacer_starts_at_the_rhythm_the_calibration_measured(clinic):
    """"From the patient's own rhythm": the adaptive pacer ran the set 4 s in, 6 s out +
    1 s (5.5/min) until the first breath of its exercise, so a 14/min chest breather who
    followed it from the first cycle had that breath, the set one, taken as their own.
    Now it starts at the median breath of the session's calibration, within its limits:
    its exhale, which counts the set 1 s pause, at least 2 s."""
    s = defaults()
    s.pacer["mode"] = "adaptive"
    coach = Coach(s, clinic, 0.0)
    coach.button("start_pause", 0.0)
    t, last = 0.0, 0.0
    while coach.exercise.id == "calibration":  # 14/min: 1.9 s in, 2.4 s out
        coach.tick(t, calm(t))
        if t - last >= 4.3:
            coach.feed(Breath(at=t, start=last, peak=last + 1.9, end=t, inhale_s=1.9,
                              exhale_s=t - last - 1.9, depth=1.0, rate_bpm=14.0))
            last = t
        t += 1 / FPS
    press_next(coach, 21.0)
    assert coach.exercise.id == "ribs" and coach.pacer.adaptive
    first = coach.pacer.current(21.0)
    assert first.rate_bpm > 10.0, first  # not the set 5.5/min
    assert first.hold_out_s == pytest.approx(1.0) and first.exhale_s == pytest.approx(2.0)
    # a calibration that measured one breath (or none): the set times until the first one
    coach = started(Coach(s, clinic, 0.0))
    press_next(coach, 21.0)
    assert coach.pacer.current(21.0).rate_bpm == pytest.approx(60 / 11)


def test_an_adaptive_pacer_after_a_paced_exercise_starts_at_the_rhythm_breathed_there(clinic):
    """The clinic's "ribs" follows 5 minutes of belly breathing at its fixed 5.2/min. A
    14/min chest breather at the calibration who followed that pacer met the adaptive
    pacer of "ribs" at 12.2/min, the calibration's rhythm, more than twice as fast as
    they had just breathed (before, its first breath, at 5.2/min, set it). It starts at
    the rhythm of the last exercise that measured the patient's breaths: the
    calibration's only where nothing came between."""
    s = defaults()
    s.pacer["mode"] = "adaptive"
    coach = Coach(s, clinic, 0.0)
    coach.button("start_pause", 0.0)
    t, last = 0.0, 0.0

    def breathe(period: float, inhale: float) -> None:
        nonlocal last
        coach.feed(Breath(at=t, start=last, peak=last + inhale, end=t, inhale_s=inhale,
                          exhale_s=t - last - inhale, depth=1.0, rate_bpm=60 / period))
        last = t

    while coach.exercise.id == "calibration":  # 14/min
        coach.tick(t, calm(t))
        if t - last >= 4.3:
            breathe(4.3, 1.9)
        t += 1 / FPS
    while coach.exercise.id == "belly_lying":  # following its pacer, cycle by cycle
        coach.tick(t, calm(t))
        p = coach.pacer.current(last)
        if t - last >= p.period:
            breathe(p.period, p.inhale_s)
        t += 1 / FPS
    assert coach.exercise.id == "ribs" and coach.pacer.adaptive
    first = coach.pacer.current(t)
    assert first.rate_bpm == pytest.approx(60 / 11.5, abs=0.3), first


@pytest.mark.parametrize("interruption", ["pause", "belt"])
def test_an_adaptive_pacer_steps_back_after_a_pause_or_a_belt_out(clinic, interruption):
    """After a resume (or a belt plugged back in) the pacer is made anew; it had lost the
    patient's start, and two breaths not followed then ended the session with an
    AttributeError."""
    from feedback.pacer import Pattern

    s = defaults()
    s.pacer["mode"] = "adaptive"
    coach = started(Coach(s, clinic, 0.0))
    press_next(coach, 21.0)
    assert coach.exercise.id == "ribs"
    t = 21.0
    for _ in range(4):  # followed: the pacer steps toward the target
        coach.feed(Breath(at=t + 6.0, start=t, peak=t + 2.0, end=t + 6.0, inhale_s=2.0,
                          exhale_s=4.0, depth=1.0, rate_bpm=10.0))
        t += 6.0
    start = coach.pacer._adapt_start
    counts = (dict(coach.pacer.following), coach.pacer.short_exhales)
    assert sum(counts[0].values()) == 3  # (the first breath sets the start: not judged)
    if interruption == "pause":
        coach.button("start_pause", t)
        coach.button("start_pause", t + 5.0)
    else:
        coach.feed(Fault(at=t, kind="disconnected", belt="belly"))
        coach.tick(t + 2.0, calm(t + 2.0))
        coach.feed(FaultEnd(at=t + 5.0, kind="disconnected", belt="belly"))
    t += 5.0
    coach.tick(t, calm(t))
    before = coach.pacer._adapt_pattern
    assert coach.pacer._adapt_start == start and before is not None
    # the exercise's counts go on with the new pacer
    assert (dict(coach.pacer.following), coach.pacer.short_exhales) == counts
    # the ring goes on at the rhythm reached at once (it ran one set breath first, and a
    # patient going on at theirs was judged too slow against it)
    set_rhythm = Pattern(s.pacer.inhale_s, s.pacer.hold_in_s, s.pacer.exhale_s,
                         s.pacer.hold_out_s)
    assert before != set_rhythm and coach.pacer.current(t + 0.1) == before
    for _ in range(2):  # two quick breaths, not followed: a step back
        coach.feed(Breath(at=t + 2.0, start=t, peak=t + 1.0, end=t + 2.0, inhale_s=1.0,
                          exhale_s=1.0, depth=1.0, rate_bpm=30.0))
        t += 2.0
    after = coach.pacer._adapt_pattern
    assert after.exhale_s < before.exhale_s  # toward the patient's start


def test_the_exercise_end_says_how_many_breaths_missed_the_pacer_and_how(clinic):
    """The end of a paced exercise carries the pacer's count of each verdict, not only
    the share in rhythm: the therapist reads whether the patient breathed too fast, too
    slowly or with too short an exhale (the others were counted on the unit, then lost).
    The belly exercise's pacer: 11.5 s a breath (5.2/min)."""
    coach = started(Coach(defaults(), clinic, 0.0))
    assert sum(coach.pacer.following.values()) == 0  # (the breaths so far began before it)
    t = coach.running_since + 1.0
    for inhale, exhale in [(2.0, 1.5)] * 3 + [(7.0, 4.5)] * 2 + [(8.0, 12.0)] + [
            (3.5, 8.0)] * 2:  # too fast, exhale too short, too slow, in rhythm
        coach.tick(t + inhale + exhale, calm(t))
        coach.feed(Breath(at=t + inhale + exhale + 0.3, start=t, peak=t + inhale,
                          end=t + inhale + exhale, inhale_s=inhale, exhale_s=exhale,
                          depth=1.0, rate_bpm=60 / (inhale + exhale)))
        t += inhale + exhale
    end = next(e for e in press_next(coach, t + 1.0) if isinstance(e, Exercise))
    assert (end.name, end.phase) == ("Buikademhaling liggend", "end")
    assert end.following == {"in_sync": 2, "exhale_short": 2, "too_fast": 3, "too_slow": 1}
    assert list(end.following) == list(FOLLOWING) and end.in_sync == pytest.approx(2 / 8)
    # and the exhale at any pace: the pacer's ratio goes from 1.19 to 1.54 meanwhile
    # (its progression), so the too fast breaths' 0.75 was too short as well (under 80 %
    # of it), as the two judged so (0.64); the slow one's 1.5 and in rhythm's 2.29 not
    assert end.short_exhale == 5
    # an exercise without a pacer has none to say
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    (end, _) = press_next(coach, 10.0)
    assert (end.name, end.following, end.in_sync) == ("Kalibratie", None, None)


def test_a_patient_following_the_pacer_gets_no_warnings_only_praise(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    t = coach.running_since
    cues = []
    while coach.exercise is not None and coach.exercise.id == "belly_lying":
        pat = coach.pacer.current(t)
        inh, exh = pat.inhale_s + pat.hold_in_s, pat.exhale_s + pat.hold_out_s
        end = t + pat.period
        tt = t
        while tt < end + 0.3:
            cues += coach.tick(tt, calm(tt))
            tt += 1 / FPS
        cues += coach.feed(Breath(at=end + 0.3, start=t, peak=t + inh, end=end, inhale_s=inh,
                                  exhale_s=exh, depth=1.0, rate_bpm=pat.rate_bpm))
        t = end
    kinds = [c.kind for c in cues if isinstance(c, Cue)]
    assert kinds and set(kinds) == {"good"}
    row = coach.summary()[1]
    assert row["following"]["in_sync"] > 0.9


def test_the_live_curve_ring_keeps_the_newest_rows_in_order():
    from feedback.view import CurveRing

    ring = CurveRing(5)
    assert len(ring) == 0 and len(ring.tail(3)) == 0
    for k in range(8):  # wraps around: rows 3..7 are kept
        ring.append(float(k), k / 10, float("nan") if k % 2 else k)
    assert len(ring) == 5 and ring.last_t() == 7.0
    assert ring.tail(3)[:, 0].tolist() == [5.0, 6.0, 7.0]
    assert ring.tail(10)[:, 0].tolist() == [3.0, 4.0, 5.0, 6.0, 7.0]
    tail = ring.tail(2)
    ring.append(8.0, 0.8, 8.0)
    assert tail[:, 0].tolist() == [6.0, 7.0]  # a copy: later rows do not change it


def test_practised_today_counts_every_finished_exercise_and_session_and_restarts_at_midnight(
        clinic):
    coach = Coach(defaults(), clinic, 0.0, today_min=3.0)  # 3 min earlier today (records)
    assert coach.view(0.0).today_min == 3.0
    started(coach)                                   # calibration done: about 13 s
    assert coach.view(20.0).today_min == 3.0         # calibration is no practice
    start = coach.running_since
    drive(coach, 20.0, 80.0)
    press_next(coach, 80.0)                       # belly breathing: about 67 s
    first = coach.view(80.0).today_min
    assert first == pytest.approx(3.0 + (80.0 - start) / 60.0, abs=0.02)
    while coach.mode != "summary":                   # the rest of the session, 1 s each
        press_next(coach, 81.0)
    coach.button("start_pause", 82.0)                # back to the start screen
    assert coach.mode == "idle"
    assert coach.view(82.0).today_min == pytest.approx(first, abs=0.05)  # the last counts
    coach.button("start_pause", 90.0)                # a second session in the same run
    coach.tick(90.0, Snapshot(calibrated=False))     # ... calibrates anew
    drive(coach, 90.0, 120.0)                        # calibrated at once: 5 s
    assert coach.exercise.kind == "breathing"
    start = coach.running_since
    drive(coach, 120.0, 150.0)
    press_next(coach, 150.0)
    assert coach.view(150.0).today_min == pytest.approx(first + (150.0 - start) / 60.0,
                                                        abs=0.02)
    coach.new_day(150.0)                             # midnight, during this session
    assert coach.view(150.0).today_min == pytest.approx(0.0, abs=1e-9)
    drive(coach, 150.0, 180.0)
    press_next(coach, 180.0)                      # it counts for the day it began,
    assert coach.view(180.0).today_min == pytest.approx(0.0, abs=1e-9)  # as in the report
    while coach.mode != "summary":
        press_next(coach, 181.0)
    coach.button("start_pause", 182.0)
    coach.button("start_pause", 183.0)               # the next session is today's
    coach.tick(183.0, Snapshot(calibrated=False))
    drive(coach, 183.0, 200.0)
    start = coach.running_since
    drive(coach, start, start + 30.0)
    press_next(coach, start + 30.0)
    assert coach.view(start + 30.0).today_min == pytest.approx(0.5, abs=0.02)


def test_a_code_changed_during_a_session_leaves_it_its_patient_s(clinic):
    """A code changed and changed back while a session ran (or an export that failed
    put the old config back): the session's minutes were lost for its patient, whose
    target then read as not met; its summary showed the next patient's day."""
    import copy

    coach = started(Coach(defaults(), clinic, 0.0, today_min={"": 1.0, "CD34": 2.0}))
    drive(coach, 20.0, 80.0)
    other = copy.deepcopy(coach.settings)
    other.patient["code"] = "CD34"
    other.patient["daily_minutes"] = 30.0  # the next patient's target
    coach.apply_settings(other)
    drive(coach, 80.0, 140.0)  # (applied at a breath: the session runs on)
    assert coach.settings.patient.code == "CD34" and coach.session_code == ""
    while coach.mode != "summary":
        press_next(coach, 140.0)
    view = coach.view(140.0)  # its summary: the first patient's day, against its target
    done = view.today_min
    assert done == pytest.approx(1.0 + coach.practice_s() / 60.0) and done > 1.0 + 1.9
    assert view.today_target == 5.0
    coach.button("start_pause", 141.0)  # to the start screen: the code set now
    assert (coach.view(141.0).today_min, coach.view(141.0).today_target) == (2.0, 30.0)
    back = copy.deepcopy(other)
    back.patient["code"] = ""
    coach.apply_settings(back)
    assert coach.view(142.0).today_min == pytest.approx(done)
    coach.button("start_pause", 143.0)  # its next session begins on all of it
    assert coach.days.today_by_code[""] == pytest.approx(done) and coach.today_min == done


@pytest.mark.parametrize("size", [(800, 480), (480, 320), (480, 800)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_start_screen_shows_the_patient_code_the_next_session_is_recorded_under(
        clinic, size):
    """In the treatment room the therapist changes [patient] code between patients; a
    file with a mistake is refused on reload and the code before it stays in force. Only
    the notice said a file was refused: a session started then went under the previous
    patient's code. The start screen now names the code in force, small in its head."""
    import pygame

    from feedback.config_rules import ConfigError
    from feedback.reload import Rejected, Reloaded
    from feedback.screen import Screen

    settings = defaults()
    settings.patient["code"] = "P-2026-0041-XY"  # (16 characters, the longest)
    coach = Coach(settings, clinic, 0.0)
    screen = Screen(size)

    def head(t):
        screen.draw(coach.view(t))
        return screen.texts[0][0]

    assert head(0.0) == "Ademcoach · patiënt P-2026-0041-XY"
    area = pygame.Rect(0, 0, *size)
    rects = [r for _t, r in screen.texts]
    assert all(area.contains(r) for r in rects)
    assert not any(a.colliderect(b) for a, b in itertools.combinations(rects, 2))
    coach.on_reload(Rejected(ConfigError([])), 10.0)   # the next patient's file refused
    assert head(11.0).endswith("P-2026-0041-XY")      # ... the code in force, said
    new = defaults()
    new.patient["code"] = "P42"
    coach.on_reload(Reloaded(new, clinic), 20.0)
    assert head(21.0) == "Ademcoach · patiënt P42"
    new = defaults()                                   # no code: the head as it was
    coach.on_reload(Reloaded(new, clinic), 30.0)
    assert head(31.0) == "Ademcoach"


def test_the_summary_of_a_session_begun_before_midnight_shows_the_day_it_counts_for(clinic):
    """A late session (23:57 to 00:05): its summary read "Vandaag 0 van de 5 minuten
    geoefend" under the minutes just practised, as the new day has none. It counts for
    the day it began, so its summary says that day's minutes, as yesterday's."""
    import dataclasses

    from feedback.screen import Screen

    coach = started(Coach(defaults(), clinic, 0.0, today_min=1.0))  # 1 min that evening
    drive(coach, 20.0, 80.0)
    coach.new_day(80.0)                                 # midnight, during the session
    drive(coach, 80.0, 140.0)
    while coach.mode != "summary":
        press_next(coach, 140.0)
    practised = coach.practice_s() / 60.0
    assert practised > 1.5
    view = coach.view(140.0)
    assert view.days_back == 1
    assert view.today_min == pytest.approx(1.0 + practised)
    screen = Screen((800, 480))
    screen.draw(view)
    line = screen.texts[-1][0]
    # (the treatment room's programme: the minutes alone, no home target)
    assert line.startswith("Telt voor gisteren: ") and line.endswith(" minuten geoefend")
    screen.draw(dataclasses.replace(view, home=True))
    assert "van de 5 minuten" in screen.texts[-1][0]
    screen.draw(dataclasses.replace(view, lang="en"))
    assert screen.texts[-1][0].startswith("Counts for yesterday: ")
    coach.button("start_pause", 141.0)                  # the start screen: the new day
    idle = coach.view(141.0)
    assert (idle.days_back, idle.today_min) == (0, 0.0)


def test_a_short_session_does_not_reach_the_target_on_calibration_minutes(clinic):
    """The home target is minutes of practice: a long calibration does not count."""
    settings = defaults()
    settings.patient["daily_minutes"] = 1.0
    coach = Coach(settings, clinic, 0.0, today_min=0.5)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 55.0, state=lambda t: calm(t) if t > 50 else Snapshot())
    assert coach.exercise.kind == "breathing"        # calibration: 50 s
    drive(coach, 55.0, 70.0)
    while coach.mode != "summary":
        press_next(coach, 70.0)
    view = coach.view(70.0)
    assert view.today_min < view.today_target
    assert view.today_min == pytest.approx(0.5 + (70.0 - 50.0) / 60.0, abs=0.02)


def test_calibration_shows_no_countdown_it_ends_when_the_breath_is_measured(clinic):
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    assert coach.exercise.kind == "calibration" and coach.exercise.duration_s >= 30
    view = coach.view(3.0, calm(3.0))
    assert view.screen == "calibration" and view.left_s is None
    drive(coach, 0.0, 20.0)                                 # calibrated after 12 s
    assert coach.exercise.kind == "breathing" and coach.view(20.0).left_s is not None


def test_a_pause_left_by_recalibrating_ends_with_resume_and_the_rhythm_share_counts_on(clinic):
    """A pause and a recalibration are each recorded as one paused span, from pause to
    resume: the record leaves out what they measured, as the summary does (the report
    counted the breaths measured while calibrating: 9 against the screen's 6). A pause
    left by calibrating again goes on until the recalibration is done."""
    from feedback.events import Pause, Resume

    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 80.0, breath_every=8.0)
    counted = sum(coach.pacer.following.values())
    assert counted >= 5
    assert [type(e) for e in coach.button("start_pause", 80.0)] == [Pause]
    assert [type(e) for e in coach.button("start_pause", 90.0)] == [Resume]
    assert sum(coach.pacer.following.values()) == counted  # not started again from 0
    assert [type(e) for e in coach.button("start_pause", 95.0)] == [Pause]
    assert coach.button("recalibrate", 100.0) == []  # (the pause goes on)
    assert coach.mode == "exercise"
    marks = drive(coach, 100.0, 120.0, state=lambda t: Snapshot(calibrated=t > 104.0))
    resumed = [e.at for e in marks if isinstance(e, Pause | Resume)]
    assert resumed == [pytest.approx(104.0, abs=0.05)] and isinstance(
        next(e for e in marks if isinstance(e, Pause | Resume)), Resume)
    assert [type(e) for e in coach.button("recalibrate", 120.0)] == [Pause]  # (running)
    assert coach.button("recalibrate", 121.0) == []  # (pressed again: one pause)
    marks = drive(coach, 121.0, 140.0, state=lambda t: Snapshot(calibrated=t > 124.0))
    assert [type(e) for e in marks if isinstance(e, Pause | Resume)] == [Resume]


def test_a_pause_during_a_recalibration_does_not_let_the_clock_run_before_it_is_done(clinic):
    """Paused and resumed while the unit calibrates again: the exercise's clock stood
    still until the breath was measured again, and the screen went on showing the
    calibration, but the clock ran from the resume. The exercise ended meanwhile ("next"
    twice) recorded those 16 s of calibrating as practice."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 60.0)
    before = coach.elapsed(60.0)
    coach.button("recalibrate", 60.0)
    uncalibrated = lambda t: Snapshot(calibrated=False)  # noqa: E731
    drive(coach, 60.0, 62.0, state=uncalibrated)
    assert coach.button("start_pause", 62.0) == [] and coach.mode == "paused"
    assert coach.button("start_pause", 64.0) == [] and coach.recal_since is not None
    drive(coach, 64.0, 80.0, state=uncalibrated)
    assert coach.view(80.0).screen == "calibration"
    assert coach.elapsed(80.0) == pytest.approx(before)  # (it ran 16 s)
    end = next(e for e in press_next(coach, 80.0) if isinstance(e, Exercise))
    assert end.phase == "end" and end.active_s == pytest.approx(before)


def test_a_long_pause_during_a_recalibration_does_not_end_it_on_resume(clinic):
    """A recalibration gives up after 120 s without a measured breath. It counted the
    pause too: paused from 61 s to 400 s, it ended at the resume and the exercise went
    on with the analysis still measuring. It now counts from the resume."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 60.0)
    coach.button("recalibrate", 60.0)
    uncalibrated = lambda t: Snapshot(calibrated=False)  # noqa: E731
    drive(coach, 60.0, 61.0, state=uncalibrated)
    coach.button("start_pause", 61.0)
    coach.button("start_pause", 400.0)
    marks = drive(coach, 400.0, 410.0, state=uncalibrated)
    assert coach.view(410.0).screen == "calibration" and not marks
    marks = drive(coach, 410.0, 420.0, state=calm)  # measured again
    assert [type(e) for e in marks if isinstance(e, Resume)] == [Resume]
    assert coach.view(420.0, calm(420.0)).screen == "exercise"


def test_a_warning_given_while_recalibrating_is_none_of_the_exercise_s_tips(clinic):
    """A hold found while the sensor did not answer is warned as the sensor comes back;
    when that came during a recalibration (recorded as a pause, which the report leaves
    out), the summary counted its "Blijf ademen!" among the exercise's tips: 1 on the
    screen against 0 in the report, and no hold."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 60.0)
    assert coach.feed(Fault(at=60.0, kind="i2c")) == []
    assert coach.feed(Hold(at=61.0, t=53.0)) == []  # (found in the samples that came)
    coach.button("recalibrate", 62.0)
    coach.feed(FaultEnd(at=63.0, kind="i2c"))
    row = coach.summary()[-1]
    assert (row["cues"].get("breathe_on", 0), row["holds"]) == (0, 0)


def test_a_pause_pressed_during_a_recalibration_leaves_the_records_pause_to_its_end(clinic):
    """Pausing and going on while the unit calibrates again adds no pause of its own to
    the record: its pause, begun by the recalibration, ends only when the breath is
    measured again, so what was measured while calibrating stays out of the report."""
    from feedback.events import Pause, Resume

    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 60.0, breath_every=8.0)
    assert [type(e) for e in coach.button("recalibrate", 60.0)] == [Pause]
    uncalibrated = lambda t: Snapshot(calibrated=False)  # noqa: E731
    marks = drive(coach, 60.0, 62.0, state=uncalibrated)
    assert coach.button("start_pause", 62.0) == []  # (paused: the record's pause is open)
    assert coach.mode == "paused"
    marks += drive(coach, 62.0, 70.0, state=uncalibrated)
    assert coach.button("start_pause", 70.0) == []  # (going on: still calibrating)
    assert coach.recal_since is not None
    marks += drive(coach, 70.0, 90.0, state=lambda t: Snapshot(calibrated=t > 75.0))
    ends = [(type(e), e.at) for e in marks if isinstance(e, Pause | Resume)]
    assert ends == [(Resume, pytest.approx(75.0, abs=0.05))]
    assert coach.recal_since is None


def test_the_exercise_view_shows_the_last_breaths_belly_share_with_two_belts(clinic):
    coach = started(Coach(defaults(), clinic, 0.0))
    one = Breath(at=30.0, start=20.0, peak=23.3, end=30.0, inhale_s=3.3, exhale_s=6.7,
                 depth=1.0, rate_bpm=6.0)
    coach.feed(one)
    view = coach.view(30.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, one))
    assert view.belly_pct is None and view.belly_target is None  # one belt
    two = Breath(at=40.0, start=30.0, peak=33.3, end=40.0, inhale_s=3.3, exhale_s=6.7,
                 depth=1.0, rate_bpm=6.0, belly_share=0.31)
    coach.feed(two)
    view = coach.view(40.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, two))
    assert view.belly_pct == pytest.approx(31.0)
    assert view.belly_target == pytest.approx(100 * coach.rules.cfg["belly_share_min"])


def test_the_belly_share_is_not_shown_while_one_of_the_belts_is_out(clinic):
    """A belt out: the last breath's share is no longer what the belts measure, so the
    screen shows none (it showed 62 % beside "Controleer de buikband"), and keeps the
    column, so that the far view's disc does not grow at the next breath and shrink
    again when the belt is back; then the next breath's share."""
    settings = defaults()
    settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    coach = started(Coach(settings, clinic, 0.0))
    t0 = coach.started_t

    def breath(at, share):
        return Breath(at=at, start=at - 10.0, peak=at - 6.7, end=at, inhale_s=3.3,
                      exhale_s=6.7, depth=1.0, rate_bpm=6.0, belly_share=share)

    first = breath(t0 + 11.0, 0.62)
    coach.feed(first)
    view = coach.view(t0 + 11.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, first))
    assert view.two_belts and view.belly_pct == pytest.approx(62.0)
    coach.feed(Fault(at=t0 + 12.0, kind="disconnected", belt="belly"))
    for at, last in ((t0 + 12.5, first), (t0 + 22.0, breath(t0 + 22.0, None))):
        if last is not first:
            coach.feed(last)
        view = coach.view(at, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, last))
        assert view.two_belts and view.belly_pct is None, at - t0
    coach.feed(FaultEnd(at=t0 + 25.0, kind="disconnected", belt="belly"))
    back = breath(t0 + 36.0, 0.45)
    coach.feed(back)
    view = coach.view(t0 + 36.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, back))
    assert view.two_belts and view.belly_pct == pytest.approx(45.0)


def test_the_belly_share_shown_is_the_exercises_own_not_the_calibrations_or_the_pauses(clinic):
    """The analysis's last breath may be the calibration's, or one breathed while the
    exercise was paused: the screen shows the exercise's own, and "-" before its first
    (the column stays, so the layout does not jump when that first breath comes)."""
    from feedback.events import Pause, Resume

    coach = started(Coach(defaults(), clinic, 0.0))
    t0 = coach.started_t
    calib = Breath(at=t0, start=t0 - 10.0, peak=t0 - 6.7, end=t0, inhale_s=3.3,
                   exhale_s=6.7, depth=1.0, rate_bpm=6.0, belly_share=0.9)
    coach.feed(calib)                       # under way before the exercise: not its own
    view = coach.view(t0 + 1.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, calib))
    assert view.two_belts and view.belly_pct is None
    own = Breath(at=t0 + 10.0, start=t0 + 0.5, peak=t0 + 3.8, end=t0 + 10.0, inhale_s=3.3,
                 exhale_s=6.2, depth=1.0, rate_bpm=6.0, belly_share=0.31)
    coach.feed(own)
    view = coach.view(t0 + 10.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, own))
    assert view.belly_pct == pytest.approx(31.0)
    assert [type(e) for e in coach.button("start_pause", t0 + 11.0)] == [Pause]
    paused = Breath(at=t0 + 20.0, start=t0 + 12.0, peak=t0 + 14.0, end=t0 + 20.0,
                    inhale_s=2.0, exhale_s=6.0, depth=1.0, rate_bpm=7.0, belly_share=0.05)
    coach.feed(paused)                      # the walk to the door, paused
    assert [type(e) for e in coach.button("start_pause", t0 + 21.0)] == [Resume]
    view = coach.view(t0 + 21.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, paused))
    assert view.belly_pct == pytest.approx(31.0)


def test_a_belt_fault_and_a_hold_still_on_carry_over_into_the_next_exercise(clinic):
    """The analysis reports a fault (or a hold) once, when it begins: a new exercise
    must not forget it and show the exercise screen while the belt is still unplugged."""
    coach = started(Coach(defaults(), clinic, 0.0))
    coach.feed(Fault(at=30.0, kind="disconnected", belt="belly"))
    assert coach.view(30.0).screen == "sensor"
    first = coach.exercise.id
    press_next(coach, 31.0)
    drive(coach, 31.0, 33.0)
    assert coach.exercise.id != first
    assert coach.view(33.0).screen == "sensor"
    coach.feed(FaultEnd(at=34.0, kind="disconnected", belt="belly"))
    assert coach.view(34.0).screen == "exercise"
    coach.feed(Hold(at=40.0, t=36.0))
    assert coach.warning
    press_next(coach, 41.0)
    drive(coach, 41.0, 42.0)
    assert coach.warning == coach.exercise.hold_warnings  # still held, if this one warns
    coach.feed(HoldEnd(at=43.0, t=43.0))
    assert not coach.warning


def test_the_belt_screen_names_the_exercise_that_waits_so_a_button_shows_its_effect(clinic):
    """On the belt screen "start/pause" and "next" still work: it says which exercise
    waits and whether it is paused, else the patient presses and sees nothing change."""
    coach = started(Coach(defaults(), clinic, 0.0))
    coach.feed(Fault(at=30.0, kind="disconnected", belt="belly"))
    view = coach.view(30.0)
    first = coach.exercise.name("nl")
    assert (view.screen, view.exercise, view.paused) == ("sensor", first, False)
    coach.button("start_pause", 31.0)
    view = coach.view(31.0)
    assert (view.screen, view.exercise, view.paused) == ("sensor", first, True)
    press_next(coach, 32.0)
    drive(coach, 32.0, 33.0)
    view = coach.view(33.0)
    assert view.screen == "sensor" and not view.paused
    assert view.exercise == coach.exercise.name("nl") != first


def test_the_belly_target_is_shown_only_where_the_belly_cue_is_on(clinic):
    settings = defaults()
    settings.cues["belly"] = False
    coach = started(Coach(settings, clinic, 0.0))
    two = Breath(at=30.0, start=20.0, peak=23.3, end=30.0, inhale_s=3.3, exhale_s=6.7,
                 depth=1.0, rate_bpm=6.0, belly_share=0.55)
    coach.feed(two)
    view = coach.view(30.0, Snapshot("inhale", 0.1, 6.0, 2.0, 1.0, True, two))
    assert view.belly_pct == pytest.approx(55.0) and view.belly_target is None


def test_each_sessions_calibration_measures_the_breath_anew(clinic):
    """The belt is put on again for every session: a second run of the programme in the
    same process must not end its calibration on the first session's measurement."""
    coach = started(Coach(defaults(), clinic, 0.0))
    while coach.mode != "summary":
        press_next(coach, 30.0)
    coach.button("start_pause", 31.0)                       # summary -> start screen
    coach.button("start_pause", 32.0)                       # the next session
    assert coach.exercise.kind == "calibration" and coach.wants_calibration
    drive(coach, 32.0, 60.0)         # the analysis still has the old calibration: no end
    assert coach.exercise.kind == "calibration"
    coach.tick(60.0, Snapshot(calibrated=False))            # it learns the breath again
    assert not coach.wants_calibration
    drive(coach, 60.0, 62.0, state=lambda t: Snapshot(calibrated=False))
    assert coach.exercise.kind == "calibration"
    drive(coach, 62.0, 64.0)                                # measured: the exercise ends
    assert coach.exercise.kind == "breathing"
    assert not coach.wants_calibration


def _twins(clinic, settings):
    """Two coaches in the same state; ``drive`` both alike."""
    return [started(Coach(settings(), clinic, 0.0)) for _ in range(2)]


def _ratios(coach, t0, t1):
    return [round(coach.pacer.current(t).ratio, 3) for t in np.arange(t0, t1, 5.0)]


def test_a_reload_that_leaves_the_pacer_alone_keeps_its_progression(clinic):
    """The therapist changes the brightness in mid-exercise: the 1:1 -> 1:2 progression of
    'belly_lying' goes on as it was (a reload used to drop it: the ratio jumped to 2)."""
    a, b = _twins(clinic, defaults)
    drive(a, 20.0, 80.0)
    drive(b, 20.0, 80.0)
    new = defaults()
    new.ring["brightness"] = "night"
    b.apply_settings(new)
    drive(a, 80.0, 140.0)
    drive(b, 80.0, 140.0)
    assert b.settings is new
    assert _ratios(b, 140.0, 220.0) == _ratios(a, 140.0, 220.0)
    assert _ratios(b, 140.0, 145.0)[0] < 1.9


def test_a_reload_keeps_an_adaptive_pacers_progress_and_applies_new_limits(clinic):
    def adaptive():
        s = defaults()
        s.pacer["mode"] = "adaptive"
        return s

    a, b = _twins(clinic, adaptive)
    for coach in (a, b):
        press_next(coach, 21.0)                       # 'ribs' uses the config's pacer
        drive(coach, 21.0, 120.0, breath_every=7.0)      # breaths in rhythm: it steps on
    reached = a.pacer.current(125.0)
    new = adaptive()
    new.patient["language"] = "en"
    b.apply_settings(new)
    drive(a, 120.0, 130.0, breath_every=7.0)
    drive(b, 120.0, 130.0, breath_every=7.0)
    assert b.settings is new and b.pacer.current(140.0) == a.pacer.current(140.0)
    assert b.pacer.current(140.0) != b.pacer._adapt_start  # not back to the start
    limited = adaptive()
    limited.pacer["max_exhale_s"] = reached.exhale_s - 1.0
    b.apply_settings(limited)
    drive(b, 130.0, 140.0, breath_every=7.0)
    now = b.pacer.current(150.0)
    assert now.exhale_s <= reached.exhale_s - 1.0
    # the exhale reached was longer than the inhale; cut below the inhale, it takes the
    # inhale with it (see tests/test_pacer.py)
    assert reached.exhale_s > reached.inhale_s > reached.exhale_s - 1.0
    assert now.inhale_s <= a.pacer.current(150.0).inhale_s - 0.3 + 1e-9


def test_a_new_pacer_target_in_mid_progression_goes_on_from_the_ratio_reached(clinic):
    def ramp(exhale_s=8.0):
        s = defaults()
        s.pacer.update(pattern="seconds", inhale_s=4.0, hold_in_s=0.0, exhale_s=exhale_s,
                       hold_out_s=0.0, start_ratio=1.0, progress_s=120.0)
        return s

    coach = started(Coach(ramp(), clinic, 0.0))
    press_next(coach, 21.0)                           # 'ribs': the config's pacer
    drive(coach, 21.0, 81.0)
    before = coach.pacer.current(81.0).ratio
    assert 1.2 < before < 1.8
    coach.apply_settings(ramp(exhale_s=10.0))
    drive(coach, 81.0, 100.0)
    after = _ratios(coach, 100.0, 115.0)
    assert all(before - 0.05 <= r <= before + 0.4 for r in after)  # no jump to 2.5
    assert coach.pacer.current(150.0).ratio == pytest.approx(2.5, abs=0.01)


def test_time_without_a_belt_that_measures_is_no_practice(clinic):
    """The belt is unplugged for a minute of 'belly_lying' (300 s): its clock stands still
    meanwhile, so the exercise runs a minute longer and counts 300 s, and the minutes of
    practice today count only measured time. (An unplugged session counted as practice:
    the home target 'met' with no breath measured.)"""
    coach = started(Coach(defaults(), clinic, 0.0))
    begun = coach.running_since
    drive(coach, 20.0, 60.0)
    coach.feed(Fault(at=60.0, kind="disconnected", belt="belly"))
    drive(coach, 60.0, 120.0)
    assert coach.elapsed(120.0) == pytest.approx(60.0 - begun, abs=0.05)
    assert coach.view(120.0).screen == "sensor"
    assert coach.pacer_phase(120.0) is None  # no pacer tones while the exercise waits
    coach.feed(FaultEnd(at=120.0, kind="disconnected", belt="belly"))
    # on as after a pause: a new breath in (the first tone came in mid-phase)
    assert coach.pacer.t0 == 120.0 and coach.pacer_phase(120.0) == "inhale"
    events = drive(coach, 120.0, begun + 370.0)
    end = next(e for e in events if isinstance(e, Exercise) and e.phase == "end")
    assert end.at == pytest.approx(begun + 360.0, abs=0.1) and end.active_s == pytest.approx(
        300.0, abs=0.1)
    # the next exercise: 10 s measured, then a fault that lasts, paused and resumed
    coach.feed(Fault(at=begun + 370.0, kind="disconnected", belt="belly"))
    drive(coach, begun + 370.0, begun + 400.0)
    coach.button("start_pause", begun + 400.0)
    coach.button("start_pause", begun + 410.0)
    drive(coach, begun + 410.0, begun + 500.0)
    assert coach.elapsed(begun + 500.0) == pytest.approx(10.0, abs=0.1)
    assert coach.practised_min() == pytest.approx(5.0, abs=0.01)  # the finished one: 300 s


def test_the_ring_does_not_pace_while_the_exercise_waits_for_the_belt(clinic):
    """With the belt unplugged the screen says the exercise waits and the tones stop,
    but the ring went on filling and emptying, the exhale in the inhale's blue (the
    phase it was given was None). It shows the belt problem alone, still, until a belt
    measures; then the pacer starts a new breath, in and out in their own colours."""
    from feedback.ringframes import EXHALE, FAULT, INHALE

    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 60.0)
    coach.feed(Fault(at=60.0, kind="disconnected", belt="belly"))
    frames = [coach.ring_frame(60.0 + k / 3.0) for k in range(60)]  # 20 s: two breaths
    assert all(np.array_equal(f, frames[0]) for f in frames)  # still
    lit = np.flatnonzero(frames[0].any(axis=1))
    assert len(lit) == 4 and (frames[0][lit] == FAULT).all()
    coach.feed(FaultEnd(at=80.0, kind="disconnected", belt="belly"))
    p = coach.pacer.current(80.0)
    breath_in = coach.ring_frame(80.0 + p.inhale_s / 2)
    breath_out = coach.ring_frame(80.0 + p.inhale_s + p.hold_in_s + p.exhale_s / 2)
    assert tuple(breath_in[0]) == INHALE and tuple(breath_out[0]) == EXHALE


def test_a_belt_back_within_a_moment_leaves_the_pacer_in_its_rhythm(clinic):
    """A real belt signal that sits at one level for 1.5 s now and then (a recording
    clipped at its bottom, BIDMC 17 replayed: 16 belt faults of 0.1-1 s in the 5 minutes
    of the home belly exercise) is a belt fault each time. After one that short the
    pacer goes on in its rhythm, as if the fault had not come: it started a new breath
    each time, the ring jumping from the middle of an exhale back to the start of an
    inhale, up to every 4 s. After a longer one it still starts a new breath
    (test_the_ring_does_not_pace_while_the_exercise_waits_for_the_belt)."""
    a, b = _twins(clinic, defaults)
    drive(a, 20.0, 60.0)
    drive(b, 20.0, 60.0)
    t0 = b.pacer.t0
    for at in (60.0, 64.1, 71.3):  # brief faults, mid-breath
        b.feed(Fault(at=at, kind="flat", belt="belly"))
        drive(b, at, at + 0.4)
        b.feed(FaultEnd(at=at + 0.4, kind="flat", belt="belly"))
        drive(b, at + 0.4, at + 4.0)
    drive(a, 60.0, 80.0)
    drive(b, 75.3, 80.0)
    assert b.pacer.t0 == t0
    for t in np.arange(75.0, 80.0, 0.5):
        assert b.pacer_phase(t) == a.pacer_phase(t)
        assert b.pacer_level(t) == pytest.approx(a.pacer_level(t), abs=0.02)
    b.feed(Fault(at=80.0, kind="flat", belt="belly"))  # a longer one: a new breath
    drive(b, 80.0, 83.0)
    b.feed(FaultEnd(at=83.0, kind="flat", belt="belly"))
    assert b.pacer.t0 == 83.0 and b.pacer_phase(83.0) == "inhale"


def test_good_counts_only_practice_not_a_pause(clinic):
    """40 s of good breathing, a 60 s pause, then on: "Goed zo!" (after 60 s) comes 20 s
    after the resume, not at once (the pause counted as good breathing)."""
    coach = started(Coach(defaults(), clinic, 0.0))
    begun = coach.running_since
    cues = drive(coach, begun, begun + 40.0)
    assert not [c for c in cues if isinstance(c, Cue)]
    coach.button("start_pause", begun + 40.0)
    drive(coach, begun + 40.0, begun + 100.0)
    coach.button("start_pause", begun + 100.0)
    good = [c.at for c in drive(coach, begun + 100.0, begun + 130.0)
            if isinstance(c, Cue) and c.kind == "good"]
    assert good and good[0] == pytest.approx(begun + 120.0, abs=1.0)


def test_a_new_pacer_mode_waits_for_the_next_exercise_through_pause_and_recalibration(clinic):
    """'ribs' follows the main config's pacer (fixed). The therapist switches the main
    pacer off, then to adaptive: the running exercise keeps its fixed pacer through a
    pause and a recalibration (they switched it, while its record said 'fixed')."""
    coach = started(Coach(defaults(), clinic, 0.0))
    press_next(coach, 21.0)
    assert coach.exercise.id == "ribs" and coach.pacer and not coach.pacer.adaptive
    for mode in ("off", "adaptive"):
        new = defaults()
        new.pacer["mode"] = mode
        coach.apply_settings(new)
        coach.feed(Breath(at=30.0, start=21.5, peak=25.0, end=30.0, inhale_s=3.5,
                          exhale_s=5.0, depth=1.0, rate_bpm=7.0))
        assert coach.settings is new
        coach.button("start_pause", 31.0)
        coach.button("start_pause", 32.0)
        assert coach.pacer is not None and not coach.pacer.adaptive
        coach.button("recalibrate", 33.0)
        drive(coach, 33.0, 50.0)
        assert coach.recal_since is None
        assert coach.pacer is not None and not coach.pacer.adaptive
    press_next(coach, 60.0)  # a new session: its 'ribs' runs the adaptive pacer
    while coach.mode != "idle":
        press_next(coach, 61.0)
    coach.button("start_pause", 62.0)
    press_next(coach, 63.0)
    assert coach.exercise.id == "belly_lying"  # (its own pacer: fixed)
    press_next(coach, 64.0)
    assert coach.exercise.id == "ribs" and coach.pacer.adaptive


def test_a_progression_stands_still_with_the_exercise_clock_during_a_fault(clinic):
    """'belly_lying' goes from 1:1 to 1:2 over 180 s of exercise. A minute of belt fault
    stops its clock; the progression must not run on meanwhile (it did, and a pause then
    took the ratio back by that minute, a sudden shorter exhale)."""
    a, b = _twins(clinic, defaults)
    drive(a, 20.0, 50.0)
    drive(b, 20.0, 50.0)
    b.feed(Fault(at=50.0, kind="disconnected", belt="belly"))
    drive(b, 50.0, 110.0)
    b.feed(FaultEnd(at=110.0, kind="disconnected", belt="belly"))
    drive(a, 50.0, 110.0)
    drive(b, 110.0, 170.0)
    ratio = b.pacer.current(170.0).ratio
    assert b.elapsed(170.0) == pytest.approx(a.elapsed(110.0), abs=0.1)
    # the same exercise time without the fault (a cycle, 0.06 of ratio, apart at most)
    assert ratio == pytest.approx(a.pacer.current(110.0).ratio, abs=0.06)
    b.button("start_pause", 170.0)
    b.button("start_pause", 171.0)
    drive(b, 171.0, 183.0)
    assert b.pacer.current(183.0).ratio >= ratio - 0.01  # no step back after a pause


def test_several_notices_take_turns_on_the_one_line(clinic):
    """A rejected config, a failing part and an export: each is shown whole in turn (all
    joined, they shrank to a few pixels at 480x320)."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.show_notice("Nieuwe instellingen niet gebruikt: fout", 0.0, "config", lasting=True)
    coach.show_notice("De ring werkt niet", 1.0, "unit", lasting=True)
    coach.show_notice("USB-stick: 3 sessies gekopieerd", 2.0, "export")
    seen = {coach.view(t).notice for t in np.arange(2.0, 14.0, 0.5)}
    assert seen == {"Nieuwe instellingen niet gebruikt: fout", "De ring werkt niet",
                    "USB-stick: 3 sessies gekopieerd"}
    seen = {coach.view(t).notice for t in np.arange(40.0, 52.0, 0.5)}  # the export's 30 s
    assert seen == {"Nieuwe instellingen niet gebruikt: fout", "De ring werkt niet"}
    coach.show_notice(None, 60.0, "unit")
    assert coach.view(61.0).notice == coach.view(65.0).notice == (
        "Nieuwe instellingen niet gebruikt: fout")


def test_a_notice_that_comes_or_is_said_again_waits_for_the_turn(clinic):
    """A notice arriving mid-turn, or one said again each second (a failing part), must not
    cut the one on the line short: it flickered for fractions of a second."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.show_notice("A", 0.0, "config", lasting=True)
    assert {coach.view(float(t)).notice for t in np.arange(0.0, 5.0, 0.25)} == {"A"}
    coach.show_notice("B", 5.0, "export")  # A's second turn began at 4 s: it ends at 8 s
    assert {coach.view(float(t)).notice for t in np.arange(5.0, 8.0, 0.25)} == {"A"}
    assert coach.view(8.0).notice == "B"
    shown = []
    for t in np.arange(9.0, 24.0, 0.25):
        coach.show_notice("C", float(t), "unit", lasting=True)  # said again every frame
        shown.append(coach.view(float(t)).notice)
    runs = [1]
    for a, b in zip(shown, shown[1:], strict=False):
        runs[-1:] = [runs[-1] + 1] if a == b else [runs[-1], 1]
    assert set(shown) == {"A", "B", "C"} and min(runs[1:-1]) >= 16  # 4 s each, at 0.25 s


def test_a_lasting_notice_lets_the_exercises_hint_take_its_turn(clinic):
    """A notice covers the screen's own bottom line (the exercise's hint, the
    calibration's "wait"). One that lasts the whole exercise, a belt out, hid the
    exercise's instruction for good: the hint now takes a turn on the line, as a further
    notice would; where the screen has no such line (idle, pause) the notice stays."""
    from feedback.screen import Screen

    settings = defaults()
    settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    coach = Coach(settings, clinic, 0.0)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 20.0)  # the calibration ends once calibrated
    coach.feed(Fault(at=30.0, kind="disconnected", belt="belly"))
    drive(coach, 20.0, 30.0)
    views = [coach.view(float(t)) for t in np.arange(30.0, 50.0, 0.25)]
    assert views[0].screen == "exercise" and views[0].hint
    notice = next(v.notice for v in views if v.notice)
    assert "buikband" in notice  # (Dutch by default)
    shown = [v.notice for v in views]
    assert set(shown) == {notice, None}
    runs = [1]
    for a, b in zip(shown, shown[1:], strict=False):
        runs[-1:] = [runs[-1] + 1] if a == b else [runs[-1], 1]
    assert min(runs[1:-1]) >= 16  # 4 s each, at 0.25 s
    hinted = next(v for v in views if v.notice is None)
    for far in (False, True):  # (the far view wraps it under the pacer's word)
        screen = Screen((480, 320))
        screen.draw(dataclasses.replace(hinted, far=far))
        assert hinted.hint in " ".join(t for t, _r in screen.texts)
    coach.button("start_pause", 50.0)  # paused: nothing of its own at the bottom
    assert {coach.view(float(t)).notice for t in np.arange(50.0, 62.0, 0.25)} == {notice}


@pytest.mark.parametrize("hinted", [True, False])
@pytest.mark.parametrize("seen", ["far", "near"])
def test_in_the_far_view_a_belt_to_check_takes_turns_with_the_pacer_s_word(clinic, seen,
                                                                           hinted):
    """The far view draws a belt to check large, on a banner in the pacer word's place
    (docs/coaching.md, Near and far), from the view's head and rest of the notice, which
    the view carries while that notice is on the line. The word takes its turn then, as
    a hint does, also in an exercise without a hint: else the banner stayed for the whole
    exercise and the word never showed. The near view keeps the notice on its line, where
    it stays while there is no hint to take turns with."""
    settings = defaults()
    settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    settings.screen["view"] = seen
    if not hinted:
        clinic = dataclasses.replace(clinic, exercises=tuple(
            dataclasses.replace(ex, hint_nl="", hint_en="") for ex in clinic.exercises))
    coach = Coach(settings, clinic, 0.0)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 20.0)
    coach.feed(Fault(at=30.0, kind="disconnected", belt="belly"))
    drive(coach, 20.0, 30.0)
    views = [coach.view(float(t)) for t in np.arange(30.0, 50.0, 0.25)]
    assert views[0].screen == "exercise" and bool(views[0].hint) == hinted
    notice = "Controleer de buikband (band losgekoppeld); de borstband meet verder"
    turns = seen == "far" or hinted
    assert {v.notice for v in views} == ({notice, None} if turns else {notice})
    for v in views:
        assert (v.notice_head, v.notice_detail) == (
            ("Controleer de buikband", "Band losgekoppeld; de borstband meet verder")
            if v.notice else (None, None))
    coach.show_notice("USB-stick: 3 sessies gekopieerd", 50.0, "export")
    other = [coach.view(float(t)) for t in np.arange(50.0, 70.0, 0.25)]
    assert "USB-stick: 3 sessies gekopieerd" in {v.notice for v in other}
    assert all(v.notice_head is None for v in other if v.notice not in (notice, None))


def test_a_lasting_notice_lets_the_summarys_press_line_take_its_turn(clinic):
    """The summary's bottom line says how to go back ("Druk op de startknop om terug te
    gaan"); a belt out at the end of the session took that line for as long as the
    summary stood. It takes its turn, as the exercise's hint does."""
    from feedback.screen import Screen

    settings = defaults()
    settings.sensor["belts"], settings.sensor["channels"] = ["chest", "belly"], ["A0", "A1"]
    coach = Coach(settings, clinic, 0.0)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 20.0)
    coach.feed(Fault(at=30.0, kind="disconnected", belt="belly"))
    drive(coach, 20.0, 30.0)
    t = 30.0
    while coach.mode != "summary":
        t += 1.0
        press_next(coach, t)
    views = [coach.view(float(s)) for s in np.arange(t, t + 20.0, 0.25)]
    assert {v.screen for v in views} == {"summary"}
    assert {v.notice is None for v in views} == {True, False}
    assert all("buikband" in v.notice for v in views if v.notice)
    screen = Screen((480, 320))
    screen.draw(next(v for v in views if v.notice is None))
    assert "Druk op de startknop om terug te gaan" in [x for x, _r in screen.texts]


def test_a_hold_that_was_a_belt_laid_down_is_no_hold_and_no_practice(clinic):
    """The analysis takes a hold of a minute for a belt not worn (``hold_end`` with
    ``not_worn``, then a ``flat`` fault). That minute counted as a hold on the summary
    and, on the exercise's clock, as practice toward the home target: neither now. A
    real hold stays a hold."""
    still = Snapshot(phase="hold")
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 40.0)
    practised = coach.elapsed(40.0)
    coach.feed(Hold(at=48.0, t=40.0))
    drive(coach, 40.0, 100.0, state=lambda t: still, breath_every=1e9)
    assert coach.stats[-1].holds == 1 and coach.elapsed(100.0) == pytest.approx(
        practised + 60.0, abs=0.1)
    assert coach.summary()[1]["cues"]["breathe_on"] == 1  # "Blijf ademen!" was shown ...
    coach.feed(HoldEnd(at=100.0, t=100.0, not_worn=True))
    coach.feed(Fault(at=100.0, kind="flat", belt="belly", detail="not worn"))
    assert coach.stats[-1].holds == 0
    assert "breathe_on" not in coach.summary()[1]["cues"]  # ... and is no tip: no hold
    assert coach.elapsed(100.0) == pytest.approx(practised, abs=0.1)
    assert coach.elapsed(150.0) == pytest.approx(practised, abs=0.1)  # (the belt fault)
    coach.feed(FaultEnd(at=150.0, kind="flat", belt="belly"))
    drive(coach, 150.0, 170.0)
    assert coach.elapsed(170.0) == pytest.approx(practised + 20.0, abs=0.2)
    coach.feed(Hold(at=178.0, t=170.0))  # a real one
    drive(coach, 170.0, 190.0, state=lambda t: still, breath_every=1e9)
    coach.feed(HoldEnd(at=191.0, t=190.0))
    assert coach.stats[-1].holds == 1 and coach.summary()[1]["cues"]["breathe_on"] == 1
    assert coach.elapsed(191.0) == pytest.approx(practised + 41.0, abs=0.2)


def test_a_belt_laid_down_leaves_the_warnings_of_a_real_hold_before_it_on_the_summary(clinic):
    """Only the laid-down belt's own "Blijf ademen!" goes from the exercise's tips: a real
    hold warned earlier in the same exercise keeps its warning there."""
    still = Snapshot(phase="hold")
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 40.0)
    coach.feed(Hold(at=48.0, t=40.0))  # a real one
    drive(coach, 40.0, 60.0, state=lambda t: still, breath_every=1e9)
    coach.feed(HoldEnd(at=60.0, t=60.0))
    drive(coach, 60.0, 80.0)
    real = coach.summary()[1]["cues"]["breathe_on"]
    assert real >= 1
    coach.feed(Hold(at=88.0, t=80.0))  # the belt laid down
    drive(coach, 80.0, 140.0, state=lambda t: still, breath_every=1e9)
    assert coach.summary()[1]["cues"]["breathe_on"] > real
    coach.feed(HoldEnd(at=140.0, t=140.0, not_worn=True))
    coach.feed(Fault(at=140.0, kind="flat", belt="belly", detail="not worn"))
    assert coach.stats[-1].holds == 1
    assert coach.summary()[1]["cues"]["breathe_on"] == real


def test_a_belt_laid_down_before_a_session_began_is_no_hold_in_it(clinic):
    """The analysis runs before the start button: a belt lying still there ends its hold
    as not worn while no session runs. The coach takes it in its stride, and the session
    started after it counts no hold."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.feed(Hold(at=8.0, t=0.0))
    coach.feed(HoldEnd(at=60.0, t=60.0, not_worn=True))
    coach.feed(Fault(at=60.0, kind="flat", belt="belly", detail="not worn"))
    coach.feed(FaultEnd(at=70.0, kind="flat", belt="belly"))
    coach.button("start_pause", 70.0)
    drive(coach, 70.0, 90.0, state=lambda t: calm(t - 70.0))  # (a calibration anew)
    assert coach.mode == "exercise" and coach.exercise.id == "belly_lying"
    drive(coach, 90.0, 120.0)
    assert [row["holds"] for row in coach.summary()] == [0, 0]


def test_a_belt_laid_down_as_an_exercise_ends_is_no_practice_in_the_next(clinic):
    """The belly exercise's time runs out 30 s into a belt lying still; the ribs exercise
    begins and its clock runs on the same stillness until it is taken for a belt not
    worn. The hold is counted nowhere, and the ribs exercise's clock (it still runs) is
    set back to nothing: its 30 s were a belt on the floor, not practice toward the home
    target. (The belly exercise's minutes stay as they ended.)"""
    still = Snapshot(phase="hold")
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 280.0)
    coach.feed(Hold(at=290.0, t=282.0))
    drive(coach, 280.0, 342.0, state=lambda t: still, breath_every=1e9)
    assert coach.exercise.id == "ribs" and coach.elapsed(342.0) > 25.0
    before = coach.practice_s(342.0)
    coach.feed(HoldEnd(at=342.0, t=342.0, not_worn=True))
    coach.feed(Fault(at=342.0, kind="flat", belt="belly", detail="not worn"))
    assert [row["holds"] for row in coach.summary()] == [0, 0, 0]
    assert coach.elapsed(342.0) == pytest.approx(0.0, abs=0.1)
    assert coach.practice_s(342.0) == pytest.approx(before - (342.0 - coach.started_t),
                                                     abs=0.1)
    coach.feed(FaultEnd(at=360.0, kind="flat", belt="belly"))
    drive(coach, 360.0, 380.0)
    assert coach.elapsed(380.0) == pytest.approx(20.0, abs=0.2)


def test_the_ratio_shown_is_of_this_exercises_own_breaths(clinic):
    """The screen showed the analysis's ratio of its last five breaths, whatever the
    exercise: the calibration's free breathing (here 1:2) stood on the belly exercise's
    screen for a minute while the patient breathed 1:1."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    t, last = 0.0, 0.0
    while coach.exercise.id != "belly_lying":  # calibration: breaths of 1:2
        t += 6.0
        coach.feed(Breath(at=t, start=last, peak=last + 2.0, end=t, inhale_s=2.0,
                          exhale_s=4.0, depth=1.0, rate_bpm=10.0))
        coach.tick(t, Snapshot("exhale", 0.5, 10.0, 2.0, 1.0, calibrated=t > 12.0))
        last = t
    state = Snapshot("exhale", 0.5, 10.0, 2.0, 1.0, calibrated=True)  # (the analysis: 2.0)
    assert coach.view(t + 0.1, state).ratio is None  # none of its own yet: "-"
    for _ in range(2):  # two breaths of 1:1
        t += 6.0
        coach.feed(Breath(at=t, start=last, peak=last + 3.0, end=t, inhale_s=3.0,
                          exhale_s=3.0, depth=1.0, rate_bpm=10.0))
        last = t
    assert coach.view(t + 0.1, state).ratio == pytest.approx(1.0)


def idle_ticks(coach, t0, t1, state=None, step=1.0):
    """Tick from ``t0`` to ``t1`` (once a second: nothing moves while the session stands
    still); returns the events."""
    out, t = [], t0
    while t <= t1 + 1e-9:
        out += coach.tick(t, state(t) if callable(state) else state)
        t += step
    return out


@pytest.mark.parametrize("how", ["paused", "belt", "recalibrating", "calibration"])
def test_a_session_that_has_not_run_for_left_s_ends_at_its_summary(clinic, how):
    """The patient paused, or took the belt off (the exercise waits for a belt that
    measures), and walked away: the session never ended, and the next day it went on
    mid-exercise ("nog 2:30") without a calibration, counting for the day before. After
    ``LEFT_S`` without running and without a button it was left: it ends at its summary
    as far as it got, as when the programme is done, and its exercise counts the time
    it ran before, not the time it stood still."""
    from feedback.coach import LEFT_S

    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 80.0)
    ran = coach.elapsed(80.0)
    assert ran > 60.0
    state = calm
    if how == "paused":
        coach.button("start_pause", 80.0)
    elif how == "belt":
        coach.feed(Fault(at=80.0, kind="disconnected", belt="belly"))
    elif how == "recalibrating":  # ... and the belt went out: it waits for it
        coach.button("recalibrate", 80.0)
        coach.feed(Fault(at=90.0, kind="disconnected", belt="belly"))
        state = Snapshot(calibrated=False)
    else:  # a new session: the belt plugged in but not worn, its calibration waits
        while coach.mode != "summary":
            press_next(coach, 80.0)
        coach.button("start_pause", 80.0)
        coach.button("start_pause", 80.0)
        state, ran = Snapshot(), 60.0  # it waits from the end of its 60 s
        calibration = coach.exercise
        assert calibration.kind == "calibration" and calibration.duration_s == ran
    stood = 80.0 + (ran if how == "calibration" else 0.0)  # it stands still from here
    events = idle_ticks(coach, 80.0, stood + LEFT_S - 1.0, state)
    assert coach.mode in ("exercise", "paused")  # not yet
    # (a recalibration gives up after 120 s: the record's pause for it ends, and the
    # exercise waits for the belt)
    assert [type(e) for e in events] == ([Resume] if how == "recalibrating" else [])
    assert coach.view(stood + LEFT_S - 1.0).screen != "summary"
    events = idle_ticks(coach, stood + LEFT_S, stood + LEFT_S, state)
    assert coach.mode == "summary" and coach.left
    (end,) = events
    assert isinstance(end, Exercise) and end.phase == "end"
    assert end.active_s == pytest.approx(ran, abs=0.1)
    view = coach.view(stood + LEFT_S + 1.0)
    assert view.screen == "summary" and view.left  # (titled so: not "Goed gedaan!")
    assert view.rows[-1]["minutes"] == pytest.approx(ran / 60.0, abs=0.01)
    if how != "calibration":
        assert view.today_min == pytest.approx(ran / 60.0, abs=0.01)  # as it counts
    coach.button("start_pause", stood + LEFT_S + 2.0)  # then the start screen, as always
    assert coach.mode == "idle" and coach.view(stood + LEFT_S + 2.0).screen == "idle"
    coach.button("start_pause", stood + LEFT_S + 3.0)  # and a new session calibrates anew
    assert coach.exercise.kind == "calibration" and coach.wants_calibration
    assert not coach.left


def test_a_pause_shorter_than_left_s_goes_on_where_it_was(clinic):
    """A pause of 29 minutes at home, or of 20 in the treatment room while the therapist
    explains, resumes as before: the same exercise, its time left as it was."""
    from feedback.coach import LEFT_S

    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 50.0)
    for pause in (LEFT_S - 60.0, 20 * 60.0):
        t = coach._now
        left = coach.view(t).left_s
        coach.button("start_pause", t)
        assert not idle_ticks(coach, t, t + pause, calm)
        assert coach.mode == "paused"
        coach.button("start_pause", t + pause)
        assert coach.mode == "exercise" and coach.exercise.id == "belly_lying"
        assert coach.view(t + pause).left_s == pytest.approx(left)
        drive(coach, t + pause, t + pause + 30.0)
    # the belt out for 29 minutes, then a resume with it still out: someone is there,
    # the exercise waits for the belt again as it did
    t = coach._now
    coach.feed(Fault(at=t, kind="disconnected", belt="belly"))
    idle_ticks(coach, t, t + LEFT_S - 60.0, calm)
    coach.button("start_pause", t + LEFT_S - 60.0)
    coach.button("start_pause", t + LEFT_S - 59.0)
    idle_ticks(coach, t + LEFT_S - 59.0, t + LEFT_S + 60.0, calm)
    assert coach.mode == "exercise" and coach.view(t + LEFT_S + 60.0).screen == "sensor"


def test_a_session_left_before_midnight_counts_for_its_day_and_the_next_for_the_next(clinic):
    """Left at 21:00 with the belt off, it went on the next morning mid-exercise, and what
    was practised then counted for the day before: today's target read 0. It ends by
    itself; the next morning its summary says the day it counted for, the start screen
    has today's 0, and the new session counts for today."""
    from feedback.coach import LEFT_S

    coach = started(Coach(defaults(), clinic, 0.0, today_min=1.0))  # 1 min that evening
    drive(coach, 20.0, 80.0)
    evening = coach.practice_s(80.0) / 60.0
    coach.feed(Fault(at=80.0, kind="disconnected", belt="belly"))  # the belt off at 21:00
    idle_ticks(coach, 80.0, 80.0 + LEFT_S, calm)
    assert coach.mode == "summary"
    coach.new_day(4 * 3600.0)  # midnight
    coach.feed(FaultEnd(at=12 * 3600.0, kind="disconnected", belt="belly"))  # the morning
    morning = 12 * 3600.0
    view = coach.view(morning)
    assert view.screen == "summary" and view.days_back == 1  # "Telt voor gisteren"
    assert view.today_min == pytest.approx(1.0 + evening, abs=0.01)
    coach.button("start_pause", morning)
    assert coach.view(morning).today_min == 0.0  # the start screen: today's, none yet
    coach.button("start_pause", morning + 1.0)  # today's session, calibrated anew
    assert coach.exercise.kind == "calibration"
    coach.tick(morning + 1.0, Snapshot(calibrated=False))
    drive(coach, morning + 1.0, morning + 20.0, lambda t: calm(t - morning + 12.0))
    assert coach.exercise.id == "belly_lying"
    begun = coach.running_since
    drive(coach, morning + 20.0, morning + 80.0)
    press_next(coach, morning + 80.0)
    assert coach.view(morning + 80.0).today_min == pytest.approx(
        (morning + 80.0 - begun) / 60.0, abs=0.02)


def test_a_config_changed_while_a_left_session_waited_is_in_force_after_it(clinic):
    """The session paused and left; meanwhile the config changed (the next patient's code,
    target and language, from a USB stick or by hand): a reload reaches a running
    session at its next breath or exercise. Left, it ends at its summary as a finished
    one does, and the new config is in force from there: the start screen and the next
    session were the old patient's, in the old language and against the old target
    (the new code's practice counted for the old one), until that session's first
    breath."""
    import copy

    from feedback.coach import LEFT_S

    coach = started(Coach(defaults(), clinic, 0.0, today_min={"": 1.0, "EF56": 3.0}))
    drive(coach, 20.0, 80.0)
    coach.button("start_pause", 80.0)
    new = copy.deepcopy(coach.settings)
    new.patient["code"] = "EF56"
    new.patient["daily_minutes"] = 10.0
    new.patient["language"] = "en"
    coach.apply_settings(new)
    idle_ticks(coach, 80.0, 80.0 + LEFT_S, calm)
    assert coach.mode == "summary" and coach.left
    view = coach.view(80.0 + LEFT_S)  # its summary: its patient's day, against its target
    assert view.lang == "en" and view.today_target == 5.0
    assert view.today_min == pytest.approx(1.0 + coach.practice_s() / 60.0)
    coach.button("start_pause", 81.0 + LEFT_S)  # the start screen: the config set now
    view = coach.view(81.0 + LEFT_S)
    assert (view.lang, view.today_min, view.today_target) == ("en", 3.0, 10.0)
    coach.button("start_pause", 82.0 + LEFT_S)  # and the next session is the new code's
    assert (coach.session_code, coach.session_target) == ("EF56", 10.0)


@pytest.mark.parametrize("exercise, period, slower", [
    ("movement", 3.0, False),   # 20/min on the stairs: under its own 22/min
    ("movement", 2.4, True),    # 25/min: over it
    ("lifting", 3.0, False),    # 20/min under load: under its own 22/min
    ("lifting", 2.4, True),
    ("belly_lying", 3.0, True),  # no limit of its own: [cues] slower_above_bpm, 16/min
])
def test_an_exercise_s_own_rate_limit_sets_when_slower_comes(clinic, exercise, period, slower):
    """The clinic's movement exercise has stairs and brisk walking in it, and its lifting
    exercise load, which raise the rate of a patient who breathes well (16-20/min: the
    lifting exercise said "Rustiger ademen" 3-7 times in 4 min to such a patient): their
    own ``slower_above_bpm`` (22) replaces the config's 16 there; an exercise without one
    keeps the config's."""
    coach = started(Coach(defaults(), clinic, 0.0))
    t = 30.0
    while coach.exercise.id != exercise:
        press_next(coach, t)
        t += 1.0
    cues = [e.kind for e in drive(coach, t, t + 40.0, breath_every=period)
            if isinstance(e, Cue)]
    assert ("slower" in cues) == slower, cues


@pytest.mark.parametrize("exercise, cued", [("movement", False), ("lifting", False),
                                             ("belly_lying", True)])
def test_squats_read_as_deep_breaths_do_not_bring_dont_force_in_the_clinic_s_movement(
        clinic, exercise, cued):
    """A squat or a bend reads as a breath 1.6-3.4 x deep: a calm patient squatting every
    6 s was told "Niet forceren, adem rustig" 1-3 times in 4 min of the clinic's movement
    exercise. The movement and load exercises leave that cue out; the belly exercise,
    where a breath that deep is forced, keeps it."""
    coach = started(Coach(defaults(), clinic, 0.0))
    t = 30.0
    while coach.exercise.id != exercise:
        press_next(coach, t)
        t += 1.0
    out, last, end = [], t, t + 60.0
    while t < end:
        out += coach.tick(t, calm(t))
        if t - last >= 6.0:
            out += coach.feed(Breath(at=t, start=last, peak=last + 2.5, end=t, inhale_s=2.5,
                                     exhale_s=3.5, depth=2.5, rate_bpm=10.0))
            last = t
        t += 1 / FPS
    assert ("dont_force" in [e.kind for e in out if isinstance(e, Cue)]) == cued


def test_a_session_that_measured_no_breath_is_not_praised(clinic):
    """The belt unplugged from the start (or never worn): the patient pressed "next"
    through every exercise and the summary said "Goed gedaan!" over rows of nothing,
    0 minutes. A session in which no breath was measured is titled as one that stopped;
    a session that measured breaths is praised as before."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.button("start_pause", 0.0)
    coach.feed(Fault(at=1.0, kind="disconnected", belt="belly"))
    t = 2.0
    while coach.mode != "summary":
        coach.tick(t, Snapshot())
        press_next(coach, t)
        t += 5.0
    view = coach.view(t)
    assert view.screen == "summary" and view.left
    assert all(row["breaths"] == 0 for row in view.rows)
    coach.button("start_pause", t)
    coach.feed(FaultEnd(at=t, kind="disconnected", belt="belly"))
    started(coach)  # (from its start at 0 s: the coach takes the times it is given)
    while coach.mode != "summary":
        press_next(coach, 30.0)
    assert not coach.view(30.0).left


def test_at_the_pacers_pace_with_too_short_an_exhale_its_pauses_are_still_no_hold(clinic):
    """A patient who keeps the pacer's pace but breathes out too briefly follows its
    rhythm, pauses included: the stillness the pacer asks for is still no breath-hold
    (only breaths too fast or too slow for it make its pauses not theirs)."""
    coach = started(Coach(defaults(), clinic, 0.0))
    t0 = coach.pacer.t0
    period = coach.pacer.current(t0).period  # 11.5 s
    for k in range(3):  # at its pace, 7 s in and 4.5 s out
        start = t0 + period * k
        coach.feed(Breath(at=start + period + 0.3, start=start, peak=start + 7.0,
                          end=start + period, inhale_s=7.0, exhale_s=period - 7.0,
                          depth=1.0, rate_bpm=60 / period))
    assert coach.pacer.following["exhale_short"] == 3
    pause = t0 + 4 * period - 0.5  # in the pacer's pause after its fourth exhale
    assert coach.pacer.planned_pause(pause) is not None
    assert coach.planned_pause(pause) is not None
    for k in range(3):  # then 20/min: its pauses are not the patient's
        start = t0 + 4 * period + 3.0 * k
        coach.feed(Breath(at=start + 3.3, start=start, peak=start + 1.0, end=start + 3.0,
                          inhale_s=1.0, exhale_s=2.0, depth=1.0, rate_bpm=20.0))
    later = t0 + 6 * period - 0.5
    assert coach.pacer.planned_pause(later) is not None and coach.planned_pause(later) is None


def test_a_session_started_long_after_the_belt_came_out_waits_for_the_belt(clinic):
    """A loan unit on all day with the belt unplugged: a session started hours later
    waits for the belt (the belt screen), it is not taken at once for one left for 30
    minutes; once the belt is in, the calibration runs."""
    coach = Coach(defaults(), clinic, 0.0)
    coach.feed(Fault(at=10.0, kind="disconnected", belt="belly"))
    idle_ticks(coach, 0.0, 3 * 3600.0, step=60.0)
    coach.button("start_pause", 3 * 3600.0)
    assert idle_ticks(coach, 3 * 3600.0, 3 * 3600.0 + 60.0, Snapshot()) == []
    assert coach.mode == "exercise" and not coach.left
    assert coach.view(3 * 3600.0 + 60.0).screen == "sensor"
    coach.feed(FaultEnd(at=3 * 3600.0 + 90.0, kind="disconnected", belt="belly"))
    assert coach.view(3 * 3600.0 + 91.0).screen == "calibration"


LONG = """
[programme]
name_nl = "Lang"
name_en = "Long"
""" + CALIBRATION + """
[[exercise]]
id = "long"
name_nl = "Lang"
name_en = "Long"
kind = "breathing"
duration_s = 2400
"""


def test_practice_longer_than_half_an_hour_is_not_taken_for_a_session_left(clinic):
    """An exercise of 40 minutes breathed through without a button: it runs its 40
    minutes and ends as done, not as a session left after 30 minutes."""
    from feedback.programme import programme_from_text

    coach = Coach(defaults(), programme_from_text(LONG, "long.toml"), 0.0)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 20.0)
    assert coach.exercise.id == "long"
    start, t, last, events = coach.started_t, 20.0, 20.0, []
    while coach.mode == "exercise" and t < start + 2500.0:
        t += 1.0
        events += coach.tick(t, calm(t))
        if t - last >= 10.0:
            events += coach.feed(Breath(at=t, start=last, peak=last + 3.3, end=t,
                                        inhale_s=3.3, exhale_s=6.7, depth=1.0, rate_bpm=6.0))
            last = t
    (end,) = [e for e in events if isinstance(e, Exercise) and e.phase == "end"]
    assert end.at == pytest.approx(start + 2400.0, abs=1.5) and not coach.left
    assert coach.summary()[-1]["minutes"] == pytest.approx(40.0, abs=0.05)


def test_a_pause_is_taken_for_a_session_left_after_30_minutes(clinic):
    """The patient pauses and walks away: after 29 minutes the pause still waits; after
    30 the session has ended at its summary."""
    coach = started(Coach(defaults(), clinic, 0.0))
    coach.button("start_pause", 30.0)
    idle_ticks(coach, 30.0, 30.0 + 29 * 60.0, calm, step=10.0)
    assert coach.mode == "paused"
    idle_ticks(coach, 30.0 + 29 * 60.0, 30.0 + 30 * 60.0, calm, step=10.0)
    assert coach.mode == "summary" and coach.left


def test_a_belt_fault_in_an_exercise_is_no_hold_on_its_summary(clinic):
    """The belt out for 10 s and back: the summary counts no breath-hold for it (the
    belt, not the patient, stopped); a real hold afterwards counts once."""
    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 40.0)
    assert [c.kind for c in coach.feed(Fault(at=40.0, kind="disconnected", belt="belly"))
            ] == ["check_belt"]
    coach.feed(FaultEnd(at=50.0, kind="disconnected", belt="belly"))
    assert coach.summary()[-1]["holds"] == 0
    coach.feed(Hold(at=60.0, t=52.0))
    coach.feed(HoldEnd(at=63.0, t=63.0))
    assert coach.summary()[-1]["holds"] == 1


def test_a_programme_changed_in_the_config_takes_over_at_the_next_exercise(clinic):
    """The therapist chooses another programme while an exercise runs: that exercise goes
    on, the next comes from the new programme; on the start screen it takes over at
    once."""
    home = load_programme(SHIPPED / "home.toml", "home")
    coach = started(Coach(defaults(), clinic, 0.0))
    coach.apply_settings(defaults(), home)
    assert coach.exercise.id == "belly_lying"
    press_next(coach, 30.0)
    assert coach.programme is home and coach.exercise in home.exercises
    idle = Coach(defaults(), clinic, 0.0)
    idle.apply_settings(defaults(), home)
    assert idle.view(1.0).programme == "Thuis"
    idle.button("start_pause", 2.0)
    assert idle.exercise is home.exercises[0]


def test_a_programme_file_shortened_or_lengthened_during_its_session_goes_on_by_its_new_length(
        clinic):
    """The therapist takes the exercises after the running one out of the programme file:
    the session ends after it (the running one started again, as the file's last, since the
    old programme's length decided whether there was a next); or adds one after the last:
    that one comes next (the session ended at its summary)."""
    coach = started(Coach(defaults(), clinic, 0.0))
    press_next(coach, 30.0)
    press_next(coach, 40.0)
    assert coach.exercise.id == "movement"
    coach.apply_settings(defaults(), dataclasses.replace(clinic,
                                                         exercises=clinic.exercises[:4]))
    press_next(coach, 50.0)
    assert coach.mode == "summary"
    assert [row["id"] for row in coach.summary()].count("movement") == 1
    coach = started(Coach(defaults(), clinic, 0.0))  # (the running one taken out too)
    press_next(coach, 30.0)
    press_next(coach, 40.0)
    coach.apply_settings(defaults(), dataclasses.replace(clinic,
                                                         exercises=clinic.exercises[:2]))
    press_next(coach, 50.0)
    assert coach.mode == "summary" and coach.hold_after_s > 0

    coach = started(Coach(defaults(), clinic, 0.0))
    for t in (30.0, 40.0, 50.0):
        press_next(coach, t)
    assert coach.exercise.id == "lifting"
    extra = dataclasses.replace(clinic.exercises[2], id="ribs_again")
    coach.apply_settings(defaults(), dataclasses.replace(
        clinic, exercises=clinic.exercises + (extra,)))
    press_next(coach, 60.0)
    assert coach.mode == "exercise" and coach.exercise.id == "ribs_again"


def test_the_exercise_screen_shows_the_exhale_target_and_the_pacers_curve(clinic):
    """With a pacer the screen gives the least exhale:inhale the "longer exhale" cue
    accepts as its target (3/4 of the pacer's, pauses counted), and the last 30 s of
    the patient's breathing drawn against the pacer's."""
    from feedback.pacer import EXHALE_FLOOR

    coach = started(Coach(defaults(), clinic, 0.0))
    drive(coach, 20.0, 80.0)
    v = coach.view(80.0, calm(80.0))
    assert v.screen == "exercise"
    assert v.target_ratio == pytest.approx(
        EXHALE_FLOOR * coach.pacer.current(80.0).effective_ratio)
    assert v.curve_t is not None and len(v.curve_t) == len(v.curve_patient)
    assert v.curve_t.min() >= -30.0 - 1e-3 and v.curve_t.max() > -0.2
    assert v.curve_t.min() < -29.0
    assert v.curve_target is not None and len(v.curve_target) == len(v.curve_t)
    rel, level = v.curve_target[-1]
    assert level == pytest.approx(coach.pacer.level(80.0 + rel), abs=1e-3)


def test_the_lifting_screen_counts_the_breaths_left_and_its_progress(clinic):
    """12 lifts, one a breath: after 3 the screen says 9 to go and its bar is a quarter
    full."""
    coach = started(Coach(defaults(), clinic, 0.0))
    for t in (30.0, 31.0, 32.0):
        press_next(coach, t)
    assert coach.exercise.id == "lifting" and coach.exercise.repetitions == 12
    drive(coach, 32.0, 32.0 + 3 * 4.0 + 0.5, breath_every=4.0)
    v = coach.view(45.0, calm(45.0))
    assert (v.reps_left, v.progress) == (9, pytest.approx(0.25))


def test_the_summary_keeps_the_home_target_of_the_programme_its_session_began_with(clinic):
    """A home session, and the programme set to the clinic's meanwhile (a reload while it
    runs, taken at its next exercise, or while its summary shows). The report judges the
    session by the programme it began with, a home session toward the home target; its
    summary showed the minutes alone, as a treatment-room session's, and a clinic
    session's summary showed a home target once the programme was set to home."""
    import copy

    from feedback.reload import Reloaded

    home = load_programme(SHIPPED / "home.toml", "home")
    settings = defaults()
    settings.programme["name"] = "home"
    coach = Coach(settings, home, 0.0)
    coach.button("start_pause", 0.0)
    drive(coach, 0.0, 60.0)
    assert coach.mode == "exercise" and coach.view(60.0).home
    room = copy.deepcopy(coach.settings)
    room.programme["name"] = "clinic"
    coach.on_reload(Reloaded(room, clinic), 60.0)   # taken at the next exercise
    while coach.mode != "summary":
        press_next(coach, 61.0)
    assert coach.programme.key == "clinic"
    assert coach.view(62.0).screen == "summary" and coach.view(62.0).home
    coach.button("start_pause", 63.0)               # the start screen: the clinic's now
    assert coach.mode == "idle" and not coach.view(63.0).home
    coach.button("start_pause", 64.0)               # a clinic session ...
    drive(coach, 64.0, 90.0)
    while coach.mode != "summary":
        press_next(coach, 91.0)
    assert not coach.view(92.0).home
    coach.on_reload(Reloaded(settings, home), 93.0)  # ... and home set on its summary
    assert coach.mode == "summary" and not coach.view(94.0).home
    coach.button("start_pause", 95.0)
    assert coach.mode == "idle" and coach.view(95.0).home
