"""The whole unit in simulation: emulated chips, simulated patient, real analysis,
coaching, LED ring and records, on a virtual clock (``ademcoach run --sim``)."""

import csv
import json
import math
import re

import numpy as np
import pytest
from programmes import CALIBRATION

from device.bus import not_a_pi
from feedback import events as ev
from feedback import i18n
from feedback.cli import main
from feedback.clock import VirtualClock
from feedback.coach import press_next
from feedback.config import load_config
from feedback.config_rules import ConfigError
from feedback.reload import load_all
from feedback.run import open_session

WARNINGS = {"slower", "longer_exhale", "breathe_on", "dont_force", "belly", "check_belt"}


@pytest.fixture
def config(sim_config):
    return sim_config


def simulate(config, scenario, seconds, probe=None, setup=None, **changes):
    """Run a simulated session; returns (events, truth, session). ``probe``: (t, fn), to
    call ``fn(session, due)`` ``t`` seconds into it (and again when it returns a time);
    ``setup``: ``fn(session)``, called before it runs."""
    settings, programme = load_all(config)
    for key, value in changes.items():
        section, name = key.split("__")
        settings[section][name] = value
    out = []
    frames = []
    with open_session(settings, programme, config, sim=scenario, clock=VirtualClock(),
                      duration=seconds, status=False) as session:
        session.sinks.append(out.append)
        spi = session.parts.spi
        write = spi.write

        def spy(buf, *a, **k):  # note when each LED frame went out
            write(buf, *a, **k)
            frames.append((session.now(), spi.last.copy()))

        spi.write = spy
        plan = session.analyzer.planned_pause
        session.planned = []  # the pacer's pauses as the analysis was told of them

        def note_pause(start, end):
            session.planned.append((start, end))
            plan(start, end)

        session.analyzer.planned_pause = note_pause
        if setup is not None:
            setup(session)
        if probe is not None:
            session.loop.add("probe", lambda due: probe[1](session, due),
                             first=session.t0 + probe[0])
        session.run()
        truth = getattr(session.parts.patient, "truth", None)
    return out, truth, session, frames


def wait_for(condition, timeout_s: float = 60.0) -> bool:
    """Poll ``condition`` (a real process is under test) until it holds or time is up."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def cues(events):
    return [e for e in events if isinstance(e, ev.Cue)]


def test_calm_gives_breaths_and_no_warnings(config):
    events, truth, session, _ = simulate(config, "calm", 150)
    breaths = [e for e in events if isinstance(e, ev.Breath)]
    assert len(breaths) >= 0.7 * len(truth.breaths) > 0
    warned = {c.kind for c in cues(events)} & WARNINGS
    assert not warned, [c for c in cues(events) if c.kind in WARNINGS]
    assert "good" in {c.kind for c in cues(events)}  # praise for following the pacer
    assert [e.name for e in events if isinstance(e, ev.Exercise) and e.phase == "start"][:2] \
        == ["Kalibratie", "Buikademhaling liggend"]
    assert session.loop.stats["sample"].ticks == pytest.approx(150 * 50, rel=0.01)


def test_holds_give_breathe_on_at_once_on_screen_ring_and_record(config):
    events, truth, session, frames = simulate(config, "holds", 170)
    holds = [e for e in events if isinstance(e, ev.Hold)]
    alarms = [c for c in cues(events) if c.kind == "breathe_on"]
    after = session.coach.hold_after_s  # the exercise's own threshold (8 s)
    assert after == 8.0 and all(h["end"] - h["start"] >= after + 2.0 for h in truth.holds)
    assert len(truth.holds) == 3  # config/scenarios/holds.toml
    for h in truth.holds:
        fired = [e for e in holds if h["start"] < e.at < h["end"]]
        assert fired, f"hold {h} not detected; holds: {holds}"
        # A hold that begins with the pacer's own pause counts from the pause's end.
        start = max([h["start"]] + [end for begin, end in session.planned
                                    if begin - 1.0 <= h["start"] < end])
        assert fired[0].at - start <= after + 1.0
        assert any(abs(c.at - fired[0].at) <= 0.2 for c in alarms)
        # the LED ring shows the warning within 0.2 s of the hold event
        shown = [(t, f) for t, f in frames if fired[0].at <= t <= fired[0].at + 0.2]
        assert shown, "no LED frame within 0.2 s of the hold"
        frame = shown[0][1].astype(int)
        assert (frame[:, 0] > 2 * frame[:, 1]).all() and (frame[:, 0] > frame[:, 2]).all()
    assert len(holds) <= len(truth.holds)


def test_after_a_stalled_tick_the_loop_runs_each_job_once_not_a_burst_of_stale_ones(config):
    # One tick that holds the loop for 0.4 s: the first frame of a screen on a Pi several
    # times slower than a desktop PC (the exercise screen's, 40 ms here). The ticks that
    # fell due meanwhile were run back to back: 20 sensor reads of the same instant (on
    # the unit each a conversion and its bus traffic, 2-3 ms) and 12 LED and screen
    # frames of states already past, all before the first fresh one, which left a slow
    # unit later still.
    reads = []

    def stall(session, due):
        read = session.parts.sensor.read

        def spy():
            reads.append(session.now())
            return read()

        session.parts.sensor.read = spy
        session.clock.advance(0.4)

    events, _, session, frames = simulate(config, "calm", 50, probe=(25.0, stall))
    after = [t for t in reads if t < 25.5]
    assert after[0] == pytest.approx(25.4, abs=0.01)
    assert len([t for t in after if t < after[0] + 0.015]) == 1  # not 20 at once
    assert min(b - a for a, b in zip(reads, reads[1:], strict=False)) > 0.015
    sent = [t for t, _ in frames if 25.4 <= t < 25.42]
    assert len(sent) <= 1  # one fresh LED frame, not the 12 the stall skipped
    assert session.loop.stats["sample"].skipped >= 19
    assert [e for e in events if isinstance(e, ev.Breath) and e.at > 26.0]


def test_a_loop_late_each_second_is_said_in_the_journal_once_in_a_while_not_each_time(
        config, caplog):
    # Another process takes the CPU for 0.6 s of every second (a Pi swapping on a worn
    # card): each second the readings are more than GAP_S apart. Each such gap was a
    # journal line, a line a second written to the card that is slow already.
    def hog(session, due):
        session.clock.advance(0.6)
        return due + 1.0

    caplog.set_level("WARNING", logger="feedback.app")
    _events, _, session, _ = simulate(config, "calm", 40, probe=(5.0, hog))
    said = [r.getMessage() for r in caplog.records if "the loop was late" in r.getMessage()]
    assert 1 <= len(said) <= 2, len(said)  # the 1st and the 10th, not one a second
    assert said[-1].endswith("(10 such gaps so far)")
    assert session.late_gaps >= 30  # every second from 5 s on


def use_programme(config, name: str, text: str) -> None:
    """Make ``text`` the programme ``name`` beside ``config``, and the config's programme."""
    (config.parent / "programs").mkdir(exist_ok=True)
    (config.parent / "programs" / f"{name}.toml").write_text(text, encoding="utf-8")
    conf = config.read_text(encoding="utf-8")
    config.write_text(conf.replace('name = "clinic"', f'name = "{name}"', 1), encoding="utf-8")


SLOW = """
[programme]
name_nl = "Langzaam"
name_en = "Slow"
""" + CALIBRATION + """
[[exercise]]
id = "slow"
name_nl = "Langzaam ademen"
name_en = "Slow breathing"
kind = "breathing"
duration_s = 300
pacer = "fixed"
inhale_s = {inhale}
hold_in_s = 0.0
exhale_s = {exhale}
hold_out_s = 0.0
"""


@pytest.mark.parametrize("inhale,exhale", [(6.0, 9.0), (7.0, 10.0)])
def test_following_a_slow_pacer_without_pauses_gives_no_hold(config, inhale, exhale):
    """About 4/min, no pauses: the patient follows the pacer's rounded turns. Neither the
    turns nor the stillness at the end of the calibration (warnings off there) are holds."""
    use_programme(config, "slow", SLOW.format(inhale=inhale, exhale=exhale))
    out, truth, _s, _f = simulate(config, "calm", 330)
    starts = [e for e in out if isinstance(e, ev.Exercise) and e.phase == "start"]
    assert [e.name for e in starts] == ["Kalibratie", "Langzaam ademen"]
    assert not truth.holds
    assert not [e for e in out if isinstance(e, ev.Hold)]
    assert not [e for e in out if isinstance(e, ev.Cue) and e.kind == "breathe_on"]
    paced = [e for e in out if isinstance(e, ev.Breath) and e.start > starts[1].at + 30]
    assert len(paced) >= 15
    assert np.median([b.rate_bpm for b in paced]) == pytest.approx(60 / (inhale + exhale),
                                                                   rel=0.1)


LIFTING = """
[programme]
name_nl = "Tillen"
name_en = "Lifting"
""" + CALIBRATION + """
[[exercise]]
id = "lifting"
name_nl = "Tillen"
name_en = "Lifting"
kind = "load"
duration_s = 150
pacer = "off"
hold_after_s = 3.0
"""


def test_a_hold_after_breathing_out_at_every_lift_is_warned_at_every_lift(config, tmp_path):
    """A patient who breathes out and then holds for 5 s at every lift (every other
    breath): each hold is warned at every lift, within 4 s (after a breath out the
    stillness must last ``REST_MIN_S``, 4 s, however low ``hold_after_s``: 3.4-3.8 s after
    the simulated hold began, as its stillness begins in the exhale's flat end). Before,
    from the fourth lift on the holds were taken for the patient's own rest after the
    exhale and warned at 5.5 s, as the breath came back."""
    use_programme(config, "lifting", LIFTING)
    scenario = tmp_path / "lift-holds.toml"
    scenario.write_text(
        '[scenario]\ndescription = "holds after exhale at each lift"\nseed = 11\n'
        '[breathing]\nrate_bpm = 10.0\nratio = 1.5\npause_s = 0.5\n'
        + "".join('[[episode]]\nkind = "hold"\nafter = "exhale"\n'
                  f'start_s = {s}\nduration_s = 5.0\n' for s in range(40, 160, 14)),
        encoding="utf-8")
    events, truth, session, _ = simulate(config, str(scenario), 170)
    start = next(e.at for e in events if isinstance(e, ev.Exercise) and e.phase == "start"
                 and e.kind == "load")
    warned = [c.at for c in cues(events) if c.kind == "breathe_on"]
    held = [h for h in truth.holds if h["start"] > start + 5.0]
    assert len(held) >= 7
    late = [(h["start"], [round(t - h["start"], 1) for t in warned
                          if h["start"] <= t <= h["end"] + 2.0]) for h in held]
    assert all(d and d[0] <= 4.0 for _s, d in late), late


def test_a_patient_who_rests_after_each_exhale_is_not_warned_in_the_movement_exercises(
        config, tmp_path):
    """A calm 7/min with a rest of 2.5 s after each breath out, in the movement exercise
    (4 s) and in lifting (3 s): the rest is the patient's own, learned, and no hold."""
    use_programme(config, "lifting", LIFTING.replace(
        "[[exercise]]\nid = \"lifting\"", MOVING_60 + "\n[[exercise]]\nid = \"lifting\""))
    scenario = tmp_path / "rests.toml"
    scenario.write_text(
        '[scenario]\ndescription = "rests after each exhale"\nseed = 15\n'
        '[breathing]\nrate_bpm = 7.0\nratio = 1.6\npause_s = 2.5\n', encoding="utf-8")
    events, _, _, _ = simulate(config, str(scenario), 260)
    kinds = [e.kind for e in events if isinstance(e, ev.Exercise) and e.phase == "start"]
    assert kinds == ["calibration", "movement", "load"]
    assert not [c for c in cues(events) if c.kind == "breathe_on"]


MOVING_60 = """
[[exercise]]
id = "moving"
name_nl = "Bewegen"
name_en = "Moving"
kind = "movement"
duration_s = 60
pacer = "off"
hold_after_s = 4.0
"""


def test_the_analysis_knows_when_no_pacer_runs(config):
    """A paced exercise, then one without a pacer: from the moment it begins the analysis
    takes the breathing as the patient's own (a pacer's last turn otherwise counted for
    30 s more, and during a hold there a chest-against-belly brace turned a belt's sign)."""
    use_programme(config, "slow", SLOW.format(inhale=4.0, exhale=6.0).replace(
        "duration_s = 300", "duration_s = 60") + MOVING.split(CALIBRATION, 1)[1])
    seen = []

    def probe(session, due):
        seen.append((session.coach.mode, session.coach.exercise.id if session.coach.exercise
                     else None, session.analyzer._judge.paced(session.now())))
        return due + 1.0

    out, _truth, _s, _f = simulate(config, "calm", 200, probe=(1.0, probe))
    starts = [e for e in out if isinstance(e, ev.Exercise) and e.phase == "start"]
    assert [e.name for e in starts] == ["Kalibratie", "Langzaam ademen", "Squats"]
    by = {}
    for _mode, ex, paced in seen:
        by.setdefault(ex, []).append(paced)
    assert sum(by["slow"]) >= 50  # the pacer's spans say it runs
    assert not any(by["calibration"]) and not any(by["squats"])


MOVING = """
[programme]
name_nl = "Bewegen"
name_en = "Moving"
""" + CALIBRATION + """
[[exercise]]
id = "squats"
name_nl = "Squats"
name_en = "Squats"
kind = "movement"
duration_s = 120
pacer = "off"
hold_after_s = 4.0

[[exercise]]
id = "turning"
name_nl = "Draaien"
name_en = "Turning"
kind = "movement"
duration_s = 120
pacer = "off"
hold_after_s = 4.0
"""


def _next_into_the_first_hold(config, programme_text: str, after_s: float):
    """The ``holds`` scenario with ``programme_text``: "next" is pressed ``after_s`` into
    its first hold. Returns (the hold's true start, the events, the exercise starts)."""
    use_programme(config, "moving", programme_text)
    _out, truth, _s, _f = simulate(config, "holds", 60)
    start = truth.holds[0]["start"]
    settings, programme = load_all(config)
    out = []
    with open_session(settings, programme, config, sim="holds", clock=VirtualClock(),
                      duration=60, status=False) as s:
        s.sinks.append(out.append)
        s.loop.add("next", lambda due: press_next(s.coach, s.now(), s.button),
                   first=s.t0 + start + after_s)
        s.run()
    starts = [e for e in out if isinstance(e, ev.Exercise) and e.phase == "start"]
    return start, out, starts


def test_a_hold_under_way_when_the_next_exercise_starts_is_warned_on_time(config):
    """Bracing as the next exercise begins: after an exercise that warned of holds, the
    hold keeps counting from its start (only after one without warnings, such as the
    calibration, does the count start again)."""
    start, out, starts = _next_into_the_first_hold(config, MOVING, 2.0)
    assert [e.name for e in starts] == ["Kalibratie", "Squats", "Draaien"]
    assert starts[2].at == pytest.approx(start + 2.0, abs=0.1)
    holds = [e for e in out if isinstance(e, ev.Hold)]
    assert holds and holds[0].at - start == pytest.approx(4.0, abs=1.0)


REST = (
    'id = "rest"\nname_nl = "Rust"\nname_en = "Rest"\nkind = "breathing"\n'
    'duration_s = 300\npacer = "off"\nhold_warnings = false\n\n[[exercise]]\nid = "squats"'
)


def test_a_hold_judged_while_warnings_were_off_is_warned_when_they_come_on(config):
    """A rest without hold warnings, then squats with them: the patient has held the
    breath for 6.5 s when the squats begin. The analysis had judged that hold during the
    rest (no warning there); the squats warn it 4 s after they begin (before: never)."""
    _start, out, starts = _next_into_the_first_hold(
        config, MOVING.replace('id = "squats"', REST, 1), 6.5)
    assert [e.name for e in starts] == ["Kalibratie", "Rust", "Squats"]
    first = [e for e in out if isinstance(e, ev.Hold)][0]
    assert first.at < starts[2].at  # judged during the rest, not warned there
    cues = [e for e in out if isinstance(e, ev.Cue) and e.kind == "breathe_on"]
    assert len(cues) == 1 and cues[0].at - starts[2].at == pytest.approx(4.0, abs=0.6)


@pytest.mark.parametrize("button,exercise,after", [("start_pause", "lifting", 3.0),
                                                   ("next", "moving", 4.0)])
def test_a_breath_held_through_a_pause_is_warned_once_the_exercise_goes_on(
        config, tmp_path, button, exercise, after):
    """The therapist pauses the lifting exercise to show the next lift; the patient
    braces in position, holding the breath from about 4 s into the pause, and lifts
    still holding it once the exercise goes on (start/pause) or the next one starts
    (next). The analysis judged the hold during the pause, where nothing is warned; it
    is warned ``hold_after_s`` after the exercise goes on and counted there. Before,
    it was never warned: the hold was already on, and no second one came until the
    patient had breathed (simulated: held 10 s after the resume, no "Blijf ademen!")."""
    use_programme(config, "lifting", LIFTING + MOVING_60)
    scenario = tmp_path / "brace-in-pause.toml"
    scenario.write_text(
        '[scenario]\ndescription = "braces in a pause"\nseed = 3\n'
        '[breathing]\nrate_bpm = 12.0\nratio = 1.3\n'
        '[[episode]]\nkind = "hold"\nafter = "inhale"\nstart_s = 60.0\nduration_s = 16.0\n',
        encoding="utf-8")
    pause_at, go_at = 58.0, 68.0

    def buttons(session, due):
        if session.now() - session.t0 < go_at - 1.0:
            session.button("start_pause", session.now())  # pause
            return session.t0 + go_at
        if button == "next":  # on to the next exercise (pressed twice: it asks first)
            press_next(session.coach, session.now(), session.button)
        else:  # on again
            session.button(button, session.now())
        return None

    events, truth, session, _ = simulate(config, str(scenario), 100, probe=(pause_at, buttons))
    (held,) = truth.holds
    assert pause_at < held["start"] < go_at - after and held["end"] > go_at + after + 3.0
    assert [e.at for e in events if isinstance(e, ev.Hold) and e.at < go_at], \
        "the hold is judged during the pause"
    warned = [c.at for c in cues(events) if c.kind == "breathe_on"]
    assert len(warned) == 1 and warned[0] - go_at == pytest.approx(after, abs=0.6), warned
    rows = {r["id"]: r for r in session.coach.summary()}
    assert rows[exercise]["holds"] == 1


def test_fast_gives_slower(config):
    events, _, _, _ = simulate(config, "fast", 120)
    assert "slower" in {c.kind for c in cues(events)}
    assert "breathe_on" not in {c.kind for c in cues(events)}
    # The patient keeps breathing fast: the cue comes back, ever later (not every 9 s).
    times = [c.at for c in cues(events) if c.kind == "slower"]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) >= 3 and gaps[0] >= 16.0 and gaps[1] >= 30.0, times


def test_a_fast_breather_is_recorded_as_too_fast_for_the_pacer_not_only_out_of_rhythm(config):
    """``fast``: 20 breaths/min (30/min for half a minute) against the belly exercise's
    5.2/min pacer. The record of the exercise, ended by the session's end, says how the
    patient missed the pacer (too fast), not only that no breath was in rhythm, and the
    report says it in words."""
    import sqlite3

    events, _, session, _ = simulate(config, "fast", 150)
    end = [e for e in events if isinstance(e, ev.Exercise) and e.phase == "end"]
    assert [e.name for e in end] == ["Kalibratie", "Buikademhaling liggend"]
    assert end[0].following is None  # (no pacer)
    judged = end[1].following
    assert sum(judged.values()) >= 20 and judged["too_fast"] >= 0.9 * sum(judged.values())
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT name, in_sync, in_sync_n, exhale_short_n, too_fast_n, "
                              "too_slow_n FROM exercises ORDER BY id").fetchall()
    assert stored == [("Kalibratie", None, None, None, None, None),
                      ("Buikademhaling liggend", end[1].in_sync, *judged.values())]
    out = config.parent / "report"
    assert main(["report", "--simulated", "--config", str(config), "--out", str(out),
                 "--lang", "en"]) == 0
    (row,) = [r for r in csv.DictReader((out / "exercises.csv").open()) if r["pacer"]
              == "fixed"]
    assert int(row["judged_breaths"]) == sum(judged.values())
    assert int(row["too_fast_pct"]) >= 90 and int(row["exhale_short_pct"]) <= 10
    said = re.search(r"Out of rhythm: too fast (\d+)%, exhale too short (\d+)%, too slow "
                     r"(\d+)% \(of (\d+) breaths judged\)", (out / "summary.txt").read_text())
    assert said and int(said[1]) >= 90 and int(said[4]) == sum(judged.values())


def test_short_exhale_gives_longer_exhale(config):
    events, _, _, _ = simulate(config, "short-exhale", 150)
    kinds = {c.kind for c in cues(events)}
    assert "longer_exhale" in kinds and not kinds & {"breathe_on", "check_belt", "dont_force"}


def test_a_short_exhale_at_a_fast_pace_is_recorded_and_reported_as_short(config):
    """``short-exhale``: 8/min, exhale:inhale 0.78, against the belly pacer (5.2/min,
    2.29). Each breath is judged too fast, its first verdict, so "exhale too short" read
    0% while the unit cued "Adem langer uit": the exhale at any pace is counted apart,
    in the event, the record and the report."""
    import sqlite3

    events, _, _, _ = simulate(config, "short-exhale", 150)
    assert "longer_exhale" in {c.kind for c in cues(events)}
    (end,) = [e for e in events if isinstance(e, ev.Exercise) and e.phase == "end"
              and e.following]
    judged = sum(end.following.values())
    assert judged >= 8 and end.following["exhale_short"] <= 1
    assert end.short_exhale >= 0.9 * judged
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT short_exhale_n FROM exercises WHERE in_sync_n IS NOT "
                              "NULL").fetchall()
    assert stored == [(end.short_exhale,)]
    out = config.parent / "report"
    assert main(["report", "--simulated", "--config", str(config), "--out", str(out),
                 "--lang", "nl"]) == 0
    (row,) = [r for r in csv.DictReader((out / "exercises.csv").open()) if r["pacer"]
              == "fixed"]
    assert int(row["exhale_short_any_pct"]) == round(100 * end.short_exhale / judged)
    assert int(row["exhale_short_pct"]) <= 10
    said = re.search(r"Uitademing te kort, bij elk tempo: (\d+)% \(van (\d+) beoordeelde",
                     (out / "summary.txt").read_text())
    assert said and int(said[1]) >= 90 and int(said[2]) == judged


def test_a_patient_who_keeps_their_own_rhythm_against_the_pacer_is_not_praised(config, tmp_path):
    """A calm patient who breathes 8/min, a long exhale, and does not take up the 5.2/min
    pacer: no breath is in rhythm (the summary says 0 %), and "Goed zo!" must not say
    otherwise (it came every minute, 4 times in the belly exercise). Not fast enough for
    "Rustiger ademen" either: the ring is what asks them to follow."""
    scenario = tmp_path / "own-rhythm.toml"
    scenario.write_text(
        '[scenario]\ndescription = "own rhythm"\nseed = 16\n'
        '[breathing]\nrate_bpm = 8.0\nratio = 1.8\npause_s = 0.2\n'
        '[follow]\ncompliance = 0.0\n', encoding="utf-8")
    events, _, session, _ = simulate(config, str(scenario), 150)
    belly = session.coach.summary()[1]
    assert belly["id"] == "belly_lying" and belly["following"]["in_sync"] == 0.0
    assert "good" not in {c.kind for c in cues(events)}, cues(events)


def test_forced_gives_dont_force(config):
    events, _, _, _ = simulate(config, "forced", 110)
    kinds = [c.kind for c in cues(events)]
    assert "dont_force" in kinds
    first = next(c for c in cues(events) if c.kind == "dont_force")
    assert first.at > 60.0  # the forced breaths start at 60 s


@pytest.mark.parametrize("seconds", [20.0, 30.0])
def test_talking_is_not_told_to_breathe_slower(config, repo, tmp_path, seconds):
    """Two belts, a calm patient who talks for 20 or 30 s in the belly exercise: phrases of
    4-6 s, each a quick inhale and the phrase breathed out, at 10-15/min against the
    5.2/min pacer. "Rustiger ademen" came as the talk ended, once more 16 s later for a
    breath back at the pacer's pace (the analysis's median still at the talk's), and
    twice for 30 s. Speech is no fast breathing: a breath breathed out three times as
    long as in is not taken as too fast (cues.SPEECH_RATIO)."""
    scenario = tmp_path / "talk.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text()
                        + '\n[[episode]]\nkind = "talk"\nstart_s = 150.0\n'
                        f'duration_s = {seconds}\n', encoding="utf-8")
    events, _, _, _ = simulate(config, str(scenario), 150.0 + seconds + 45.0,
                               sensor__belts=["chest", "belly"], sensor__channels=["A0", "A1"])
    talking = [b for b in events if isinstance(b, ev.Breath)
               and 150.0 <= b.start < 150.0 + seconds]
    assert len(talking) >= 4 and all(b.end - b.start < 7.0 for b in talking)  # (the talk)
    assert not {c.kind for c in cues(events)} & WARNINGS, cues(events)


def test_talk_during_the_calibration_does_not_set_an_adaptive_pacer_off(config, repo,
                                                                          tmp_path):
    """The therapist explains while the unit calibrates, the patient answers: the talk
    (phrases of 4-6 s, the exhale 5-7 x the inhale) is the calibration's breath. The home
    programme with an adaptive pacer started from it, 1 s in and 4.4 s out, and a patient
    who followed the ring read 0 % in rhythm with "Adem langer uit" 4 times in 3 minutes.
    The pacer starts at the talk's length of breath but at the target's exhale:inhale."""
    text = config.read_text(encoding="utf-8").replace('name = "clinic"', 'name = "home"', 1)
    config.write_text(text.replace('mode = "fixed"', 'mode = "adaptive"', 1), encoding="utf-8")
    scenario = tmp_path / "talk.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text()
                        + '\n[[episode]]\nkind = "talk"\nstart_s = 0.0\n'
                        'duration_s = 15.0\n', encoding="utf-8")
    events, _, session, _ = simulate(config, str(scenario), 200)
    calibration, belly = session.coach.summary()[:2]
    assert calibration["id"] == "calibration" and calibration["ratio"] > 4.0  # (the talk)
    assert belly["following"]["in_sync"] >= 0.8, belly["following"]
    assert not [c for c in cues(events) if c.kind == "longer_exhale"]


def test_chest_breathing_with_two_belts_gives_belly(config):
    events, _, _, _ = simulate(config, "chest", 120, sensor__belts=["chest", "belly"],
                               sensor__channels=["A0", "A1"])
    breaths = [e for e in events if isinstance(e, ev.Breath)]
    shares = [b.belly_share for b in breaths if b.belly_share is not None]
    assert shares and np.median(shares) < 0.35
    assert "belly" in {c.kind for c in cues(events)}


def test_paradoxical_breathing_with_two_belts_gives_belly_not_praise(config, repo, tmp_path):
    """Two belts, a patient who draws the belly in as the chest rises (paradoxical
    breathing), the belly moving as much as the chest. Every breath is recorded as
    paradoxical, and the belly exercise asks "Adem naar je buik" and never praises
    (before, the belly's share alone, about 54 %, passed `belly_share_min`: no cue, and
    "Goed zo!" every minute)."""
    scenario = tmp_path / "paradoxical.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text(
        encoding="utf-8").replace("belly_share = 0.65", "belly_share = 0.5\nparadoxical = true"),
        encoding="utf-8")
    seen = []

    def look(session, due):  # the screen's belly column, every 5 s
        seen.append(session.coach.view(due, session.analyzer.snapshot()))
        return due + 5.0

    events, _, _, _ = simulate(config, str(scenario), 200, probe=(60.0, look),
                               sensor__belts=["chest", "belly"],
                               sensor__channels=["A0", "A1"])
    breaths = [e for e in events if isinstance(e, ev.Breath) and e.at > 30.0]
    assert breaths and all(b.paradoxical for b in breaths)
    assert all(0.4 < b.belly_share < 0.6 for b in breaths)
    belly = next(e.at for e in events if isinstance(e, ev.Exercise) and e.phase == "start"
                 and e.kind == "breathing")
    said = [c.kind for c in cues(events) if c.at > belly]
    assert "belly" in said and "good" not in said
    # the screen shows the belly moving the wrong way ("buik -54%"), not a share that
    # passes its target ("54%", "doel >=40%") beside "Adem naar je buik"
    shown = [v.belly_pct for v in seen if v.screen == "exercise"]
    assert shown and all(-60 < pct < -40 for pct in shown)


def test_a_chest_breather_following_the_ribs_exercise_is_praised_there(config):
    """Two belts, a chest breather who follows the pacer: "Adem naar je buik" in the belly
    exercise, but the ribs exercise does not ask for the belly (its cues leave ``belly``
    out), so breathing with the ribs there earns "Goed zo!" as any cue it gives would
    allow (before, the belly rule it does not give kept the praise away all 3 minutes)."""
    events, _, session, _ = simulate(config, "chest", 500, sensor__belts=["chest", "belly"],
                                     sensor__channels=["A0", "A1"])
    starts = [e for e in events if isinstance(e, ev.Exercise) and e.phase == "start"]
    assert [e.kind for e in starts][:3] == ["calibration", "breathing", "breathing"]
    ribs = starts[2].at
    assert session.coach.summary()[2]["following"]["in_sync"] > 0.9
    belly = [c.kind for c in cues(events) if c.at < ribs]
    assert "belly" in belly and "good" not in belly
    assert [c.kind for c in cues(events) if ribs <= c.at < starts[3].at] == ["good", "good"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_with_two_belts_the_summary_gives_each_exercise_s_belly_share(config, capsys, lang):
    """A chest breather on two belts: the summary (screen and headless) gives each
    exercise's belly share, the median of its breaths (a paradoxical one negative, as on
    the exercise screen; the report's where none is), beside the other figures. It gave
    none: the patient saw the share only during the exercise."""
    from feedback.run import print_summary
    from feedback.view import in_sync

    events, _, session, _ = simulate(config, "chest", 150, sensor__belts=["chest", "belly"],
                                     sensor__channels=["A0", "A1"], patient__language=lang)
    rows = session.coach.summary()
    breaths = [e for e in events if isinstance(e, ev.Breath) and e.belly_share is not None]
    marks = {(x.name, x.phase): x.at for x in events if isinstance(x, ev.Exercise)}
    assert len(rows) >= 2 and breaths
    for row in rows:
        began = marks[row["name_nl"], "start"]
        ended = marks.get((row["name_nl"], "end"), math.inf)
        mine = [-b.belly_share if b.paradoxical else b.belly_share for b in breaths
                if began <= b.start and began <= b.at < ended]
        assert row["belly_pct"] == pytest.approx(100 * np.median(mine)), row["id"]
    assert rows[-1]["belly_pct"] < 35  # (a chest breather)
    capsys.readouterr()
    print_summary(session, "done")
    lines = capsys.readouterr().out.splitlines()[1:1 + len(rows)]
    word = i18n.text("summary.belly", lang)
    assert len(lines) == len(rows)
    assert all(line.endswith(f"{in_sync(r)}, {word} {round(r['belly_pct'])}%")
               for r, line in zip(rows, lines, strict=True))
    _, _, one, _ = simulate(config, "chest", 60, patient__language=lang)
    rows = one.coach.summary()
    assert rows and all(r["belly_pct"] is None for r in rows)
    print_summary(one, "done")
    lines = capsys.readouterr().out.splitlines()[1:1 + len(rows)]
    assert len(lines) == len(rows)  # (one belt: the line ends as before, without the share)
    assert all(line.endswith(f" {in_sync(r)}") for r, line in zip(rows, lines, strict=True))


def test_a_session_s_record_carries_its_patient_code_programme_and_config(config):
    """What the therapist reads whose session it was, and under which settings, comes
    from the session's row: the patient code and programme in force, and the config text
    it ran with."""
    import sqlite3

    simulate(config, "calm", 30, patient__code="P042")
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        (code, programme, text), = conn.execute(
            "SELECT patient_code, programme, config FROM sessions").fetchall()
    assert (code, programme) == ("P042", "clinic")
    assert "[programme]" in text and "clinic.toml" in text


def test_calm_with_two_belts_is_as_calm_as_with_one(config):
    """Two belts read at their real offset (about 1.8 V) through the emulated ADC: the
    summed signal gives the true breaths, depth, rate and belly share, and no false hold
    or warning."""
    events, truth, session, _ = simulate(config, "calm", 150, sensor__belts=["chest", "belly"],
                                         sensor__channels=["A0", "A1"])
    assert not [e for e in events if isinstance(e, ev.Hold | ev.Fault)]
    assert not {c.kind for c in cues(events)} & WARNINGS
    breaths = [e for e in events if isinstance(e, ev.Breath)]
    assert len(breaths) >= 0.7 * len(truth.breaths) > 0
    assert all(b.end - b.start > 3.0 for b in breaths)  # nothing spurious (calm: 5-8/min)
    late = [b for b in breaths if b.at > 60.0]
    assert late and all(0.8 < b.depth < 1.25 and 4.0 < b.rate_bpm < 9.0 for b in late)
    share = session.parts.patient.scenario.breathing.belly_share
    assert all(b.belly_share == pytest.approx(share, abs=0.05) for b in late)


def test_a_belly_breather_whose_belly_lags_the_chest_reads_the_true_share(config):
    """``belly-lag``: a belly breather at rest (70 % in the belly, about 15/min, every breath
    different, not following the pacer) whose belly turns 0.4 s after the chest, through
    the whole unit with two belts. Every breath's belly share, on the screen and in the
    records, is the share of the belts' own movement (0.69 of the volts: the belt circuit
    is not quite linear, 0.70 of the cm) within 0.03, as for the same patient in phase.
    Read at the summed signal's turns the shares ran 0.66-0.76, the screen 66-76 %."""
    import sqlite3

    from device.circuit import Divider

    seen = []

    def look(session, due):  # the screen's belly column, every 5 s
        view = session.coach.view(due, session.analyzer.snapshot())
        if view.screen == "exercise" and view.belly_pct is not None:
            seen.append(view.belly_pct)
        return due + 5.0

    events, truth, session, _ = simulate(config, "belly-lag", 300, probe=(30.0, look),
                                         sensor__belts=["chest", "belly"],
                                         sensor__channels=["A0", "A1"])
    b = session.parts.patient.scenario.breathing
    assert (b.belly_share, b.belly_lag_s) == (0.7, 0.4)
    cm = 2 * session.parts.patient.scenario.signal.excursion_cm  # a breath's stretch, both
    d = Divider()
    belly, chest = (d.volts(x * cm) - d.volts(0.0) for x in (b.belly_share, 1 - b.belly_share))
    read = belly / (belly + chest)
    assert read == pytest.approx(0.687, abs=0.001)
    breaths = [e for e in events if isinstance(e, ev.Breath) and e.at > 30.0]
    assert len(breaths) >= 0.8 * len([x for x in truth.breaths if x["start"] > 30.0]) > 40
    assert all(e.belly_share == pytest.approx(read, abs=0.03) and not e.paradoxical
               for e in breaths)
    assert len(seen) >= 40 and all(pct == pytest.approx(100 * read, abs=3.0) for pct in seen)
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        kept = [r[0] for r in conn.execute("SELECT belly_share FROM breaths WHERE at > 30")]
    assert len(kept) >= len(breaths) and all(x == pytest.approx(read, abs=0.03) for x in kept)
    assert "belly" not in {c.kind for c in cues(events)}


def test_unplugged_belt_is_a_fault_not_a_hold(config):
    events, truth, _, _ = simulate(config, "unplugged", 70)
    faults = [e for e in events if isinstance(e, ev.Fault)]
    assert faults and 30.0 <= faults[0].at <= 32.0 and faults[0].kind in (
        "disconnected", "saturated", "flat")
    assert any(isinstance(e, ev.FaultEnd) and 40.0 <= e.at <= 45.0 for e in events)
    assert not [e for e in events if isinstance(e, ev.Hold) and 29 <= e.at <= 45]
    kinds = [c.kind for c in cues(events)]
    assert "check_belt" in kinds and "breathe_on" not in kinds


@pytest.mark.parametrize("out_at", [8.0, 20.0])
def test_with_one_of_two_belts_unplugged_holds_are_still_warned(config, repo, tmp_path, out_at):
    """The belly belt's plug comes out early (8 s: before the calibration has measured
    three breaths with both belts) and stays out: the chest goes on measuring. Every
    hold of the ``holds`` scenario is still warned on time (before, no hold was judged
    while either belt had a fault), the belt check is a notice on the exercise screen
    instead of the belt screen, and the ring keeps pacing."""
    scenario = tmp_path / "belly-out.toml"
    scenario.write_text((repo / "config" / "scenarios" / "holds.toml").read_text(
        encoding="utf-8") + f'\n[[episode]]\nkind = "unplugged"\nstart_s = {out_at}\n'
        'duration_s = 500.0\nbelt = "belly"\n', encoding="utf-8")
    seen = []

    def look(session, due):  # twice a second from 140 s, through the third hold
        t = session.now()
        seen.append((t, session.coach.view(t), session.coach.rules.fault,
                     session.coach.ring_frame(t).astype(int)))
        return due + 0.5

    events, truth, session, _ = simulate(config, str(scenario), 170, probe=(140.0, look),
                                         sensor__belts=["chest", "belly"],
                                         sensor__channels=["A0", "A1"])
    faults = [e for e in events if isinstance(e, ev.Fault)]
    assert [(f.kind, f.belt) for f in faults] == [("disconnected", "belly")]
    assert out_at <= faults[0].at <= out_at + 1.0
    assert [c.kind for c in cues(events) if c.kind == "check_belt"] == ["check_belt"]
    holds = [e for e in events if isinstance(e, ev.Hold)]
    alarms = [c.at for c in cues(events) if c.kind == "breathe_on"]
    after = session.coach.hold_after_s
    assert len(holds) == len(truth.holds) == 3
    for h, fired in zip(truth.holds, holds, strict=True):
        start = max([h["start"]] + [end for begin, end in session.planned
                                    if begin - 1.0 <= h["start"] < end])
        assert h["start"] < fired.at < h["end"] and fired.at - start <= after + 1.0
        assert any(abs(at - fired.at) <= 0.2 for at in alarms)
    end = next(e.at for e in events if isinstance(e, ev.HoldEnd) and e.at > holds[2].at)
    during = [s for s in seen if holds[2].at + 0.1 < s[0] < end - 0.1]
    assert during
    for _t, view, fault, ring in during:
        assert view.screen == "exercise" and not fault and view.warning
        assert (ring[:, 0] > 2 * ring[:, 1]).all()  # the ring's hold alarm
    # the notice line: the belt notice, taking turns with the exercise's hint (None)
    assert {view.notice for _t, view, *_ in seen} == {
        "Controleer de buikband (band losgekoppeld); de borstband meet verder", None}
    assert sum(row["holds"] for row in session.coach.summary()) == 3


def test_the_unit_reads_the_belt_with_the_configured_polarity(config):
    _, _, session, _ = simulate(config, "calm", 5, analysis__polarity="inverted")
    assert session.analyzer.inverted == (True,)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_session_left_is_named_at_the_end_as_the_report_names_it(config, capsys, lang):
    """The headless summary of a session the unit ended because it was left said "left:
    stood still too long", which reads as if the patient stood still; the report says
    "left: ended after 30 min without practice". Both say the report's words now."""
    from feedback.report_words import left_text
    from feedback.run import print_summary

    _, _, session, _ = simulate(config, "calm", 5, patient__language=lang)
    capsys.readouterr()
    print_summary(session, "left")
    first = capsys.readouterr().out.splitlines()[0]
    assert left_text(lang) in first and "30 min" in first
    assert "stood still" not in first and "stilgestaan" not in first


def test_run_command_writes_the_event_stream(config, tmp_path, capsys):
    out = tmp_path / "events.jsonl"
    code = main(["run", "--sim", "holds", "--headless", "--speed", "0", "--duration", "120",
                 "--config", str(config), "--events", str(out)])
    assert code == 0
    stdout = capsys.readouterr().out
    assert "Samenvatting na 120 s (ingestelde duur voorbij):" in stdout and "/min" in stdout
    assert ", uit:in " in stdout  # exhale/inhale as one number, as on the screen
    import re

    live = [line for line in stdout.splitlines() if re.match(r" ?\d+:\d\d  ", line)]
    assert len(live) >= 100  # once a second
    assert re.match(r" 1:59  \w+ *[\d,-]+/min  uit:in [\d,-]+ ", live[-2] + " ")
    lines = out.read_text().splitlines()
    parsed = [ev.from_json(x) for x in lines]
    assert [e.at for e in parsed] == sorted(e.at for e in parsed)
    exercises = [e for e in parsed if isinstance(e, ev.Exercise)]
    assert [e.phase for e in exercises] == ["start", "end"] * (len(exercises) // 2)
    assert exercises[-1].at == pytest.approx(120.0, abs=0.1)  # cut short by --duration,
    assert exercises[-1].active_s > 30.0                       # ended as far as it got
    assert any(json.loads(x).get("kind") == "breathe_on" for x in lines)


def test_a_recording_replays_the_column_named_like_the_belt(config, tmp_path):
    """The shipped config has one belt, "belly": of a two-belt recording (t,chest,belly)
    the belly column is replayed; the chest's breaths are twice as fast here."""
    rec = tmp_path / "two.csv"
    rows = ["t,chest,belly"]
    for k in range(60 * 50):
        t = k / 50
        rows.append(f"{t:.2f},{0.5 - 0.5 * np.cos(2 * np.pi * t / 2.5):.4f},"
                    f"{0.5 - 0.5 * np.cos(2 * np.pi * t / 5.0):.4f}")
    rec.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out, _truth, _s, _f = simulate(config, str(rec), 60)
    rates = [e.rate_bpm for e in out if isinstance(e, ev.Breath) and e.start > 20]
    assert len(rates) >= 6
    assert np.median(rates) == pytest.approx(12.0, rel=0.05)


@pytest.mark.parametrize("argv, message", [
    (["run", "--sim", "nosuch", "--headless"], "nosuch"),
    (["run", "--speed", "3", "--headless"], "--speed works only with --sim"),
    (["run", "--sim", "calm", "--headless", "--speed", "-1"], "must be 0"),
    (["run", "--sim", "calm", "--headless", "--events", "/nonexistent/dir/e.jsonl"],
     "--events /nonexistent/dir/e.jsonl: cannot write"),
])
def test_run_bad_input_exits_2(config, capsys, argv, message):
    assert main([*argv, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_window_shows_the_screen_and_the_emulated_ring_and_keys_work(config):
    import pygame


    settings, programme = load_all(config)
    settings.screen["fullscreen"] = False
    modes = []
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=40, headless=False, status=False) as s:
        display = s.display
        def press_space(due):
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
            return None

        s.loop.add("key", press_space, first=s.t0 + 30.0)
        s.loop.add("mode", lambda due: (modes.append((s.now(), s.coach.mode)), due + 1)[1],
                   first=s.t0 + 29.5)
        s.run()
        window = pygame.display.get_surface()
        w, h = display.screen.size
        assert window.get_size() == (w + h // 3, h)  # the screen plus a panel for the ring
        ring = s.parts.spi.last
        # the emulated ring's decoded colours are drawn in the panel as on the unit: pixel
        # 0 at the bottom, where the pacer's fill starts (it was drawn on top, so the
        # window's ring filled from the top down)
        panel_w = window.get_width() - w
        cx, cy = w + panel_w // 2, h // 2
        r = int(panel_w * 0.36)
        bottom = tuple(window.get_at((cx, cy + r))[:3])
        top = tuple(window.get_at((cx, cy - r))[:3])
        assert bottom == tuple(int(c) for c in ring[0])
        assert top == tuple(int(c) for c in ring[len(ring) // 2])
    assert ("paused" in [m for t, m in modes if t > 30.0]), modes
    assert [m for t, m in modes if t < 30.0] == ["exercise"]


def test_the_third_button_calibrates_again_in_one_press(config):
    """A unit with the optional third button (GPIO22): one short press on its pin starts
    the calibration again, as holding "next" does; without the button fitted, the
    long press still does."""
    seen = []

    def probe(session, due):
        t = session.now()
        if not seen:
            session.parts.controls.tap("third")  # the real gpiozero pin, a short press
        seen.append((t, session.coach.view(t).screen, session.analyzer.snapshot().calibrated))
        return due + 0.5 if len(seen) < 4 else None

    simulate(config, "calm", 60, probe=(40.0, probe), buttons__third=22)
    assert seen[0][1:] == ("exercise", True)
    assert ("calibration", False) in [s[1:] for s in seen[1:]], seen


def test_start_screen_counts_todays_practice_from_the_records(config):
    settings, programme = load_all(config)
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=90, status=False) as s:
        s.run()
        practised = s.coach.practised_min()
        calibration = s.coach.stats[0].active_s / 60.0
    # 1.5 minutes in all, of which the calibration is no practice
    assert calibration > 0.2 and practised == pytest.approx(1.5 - calibration, abs=0.02)
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=1, status=False) as s:
        # the records hold today's first session: as its own screen counted it
        assert s.coach.today_min == pytest.approx(practised, abs=0.02)


def test_another_patient_code_starts_from_that_patient_s_practice_today(config):
    """A unit left on while a stick's config set the next patient's code: the new
    patient's start screen showed the last one's minutes (7 of 10) and, after a first
    session, the target as met. Each code has its own day, known from the start (no
    read of the card in the loop), and a session stays its patient's to its summary."""
    import re

    settings, programme = load_all(config)
    text = config.read_text()
    assert 'code = ""' in text
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=90, status=False) as s:
        s.run()
        coach = s.coach
        mine = coach.practised_min()
        assert coach.mode == "summary" and mine > 0.5

        def code_now(code):
            config.write_text(re.sub(r'code = ".*"', f'code = "{code}"', text, count=1))
            s.watcher.request()  # (as SIGHUP does; the file's time may not have moved)
            s.tick_house(s.now())
            assert s.settings.patient.code == coach.settings.patient.code == code  # (idle)

        code_now("CD34")
        assert coach.view(s.now()).today_min == pytest.approx(mine)  # its own summary
        coach.button("start_pause", s.now())  # the summary is left: the start screen
        assert coach.mode == "idle" and coach.view(s.now()).today_min == 0.0
        code_now("")  # and back (an export that failed puts the old config back)
        assert coach.view(s.now()).today_min == pytest.approx(mine)
        code_now("CD34")
        coach.button("start_pause", s.now())  # CD34's first session
        assert coach.session_code == "CD34" and coach.view(s.now()).today_min == 0.0
        assert coach.days.today_by_code[""] == pytest.approx(mine)  # the first patient's day


# What this machine says for the missing sensor: off a Pi, that it is no Pi.
NO_SENSOR = ("sensor: this computer is not a Raspberry Pi" if not_a_pi() is not None
             else "No ADS1115 at 0x48 on I2C bus 1")


def test_service_mode_waits_for_a_fixed_config_and_a_sensor(config, tmp_path):
    """``run --wait`` (the service) never exits on a bad config or a missing sensor, nor
    on SIGHUP while it waits; SIGTERM ends it with exit code 0."""
    import signal
    import subprocess
    import sys

    good = config.read_text()
    config.write_text("[pacer]\nexhale_s = 40\n")
    err = tmp_path / "err.txt"
    with open(err, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "feedback.cli", "run", "--wait",
                                 "--headless", "--config", str(config)],
                                stdout=subprocess.DEVNULL, stderr=fh)
    try:
        assert wait_for(lambda: "pacer.exhale_s = 40: must be between 2 and 20 seconds"
                        in err.read_text() or proc.poll() is not None), err.read_text()
        assert proc.poll() is None, err.read_text()
        proc.send_signal(signal.SIGHUP)  # systemctl reload: it ended the process (129)
        config.write_text(good)  # fixed: now it needs the sensor, which this machine lacks
        assert wait_for(lambda: NO_SENSOR in err.read_text()
                        or proc.poll() is not None), err.read_text()
        assert proc.poll() is None, err.read_text()  # and it retries: the test below
        proc.send_signal(signal.SIGTERM)  # systemctl stop, while it waits: a clean end
        assert proc.wait(timeout=60) == 0, err.read_text()
    finally:
        proc.kill()
        proc.wait()


def test_waiting_for_the_sensor_retries_the_real_probe_until_it_answers(config, caplog):
    """What ``run --wait`` does while the sensor is missing: the real probe of the parts
    fails on this machine and is tried again and again (said once), until it answers."""
    import logging

    from feedback.errors import HardwareError
    from feedback.run import PartProblem, _probe_parts, wait_until_fixed

    settings = load_config(config)
    tries = []

    def retry():
        tries.append(1)
        if len(tries) < 4:
            _probe_parts(settings, VirtualClock())  # raises: no sensor here
        return "answered"

    with caplog.at_level(logging.ERROR, logger="ademcoach"):
        with pytest.raises(HardwareError) as first:
            _probe_parts(settings, VirtualClock())
        problem = PartProblem(first.value, "nl")
        assert (problem.view.screen, problem.view.fault) == ("sensor", "i2c")
        assert wait_until_fixed(problem, retry, None, poll_s=0.0) == "answered"
    assert len(tries) == 4
    assert [r.getMessage() for r in caplog.records] == [str(first.value)]
    assert NO_SENSOR in str(first.value)


def test_sighup_while_waiting_tries_again_at_once_and_sigterm_ends_it(config, monkeypatch):
    """systemctl reload (SIGHUP, also after an edit) while the service waited for a fixed
    config or a sensor ended the process with Python's default (exit 129, which
    Restart=on-failure did not restart). Now a SIGHUP ends the pause between tries: the
    config is read again now; a SIGTERM ends the wait, exit code 0."""
    import signal
    import time

    from feedback import notify, run

    good = config.read_text()
    config.write_text("[pacer]\nexhale_s = 40\n")
    monkeypatch.setattr(run, "WAIT_POLL_S", 60.0)  # a try within seconds is the SIGHUP's
    unhandled = []  # a signal the command left to whatever handled it before

    def before(signum, frame):
        unhandled.append(signal.Signals(signum).name)

    sent, at = [], []

    def to_systemd(state, env=None):  # what would go to systemd, and the signals it sends
        sent.append(state)
        if state == "WATCHDOG=1":  # each time before the pause between tries
            at.append(time.monotonic())
            if len(at) == 1:  # waiting for the config: it is fixed, then reloaded
                config.write_text(good)
                signal.raise_signal(signal.SIGHUP)
            elif len(at) == 2:  # now waiting for the sensor (none here): stopped
                signal.raise_signal(signal.SIGTERM)
            else:
                raise AssertionError(f"still waiting after SIGTERM: {sent}")
        return True

    monkeypatch.setattr(notify, "notify", to_systemd)
    old = {s: signal.signal(s, before) for s in (signal.SIGHUP, signal.SIGTERM)}
    try:
        assert main(["run", "--wait", "--headless", "--config", str(config)]) == 0
        assert {s: signal.getsignal(s) for s in old} == {s: before for s in old}  # put back
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    assert unhandled == []
    assert at[1] - at[0] < 30.0  # tried again at once, not after the 60 s pause
    waits = [m.split("STATUS=")[1] for m in sent if m.startswith("READY=1")]
    assert len(waits) == 2 and waits[0].startswith(f"waiting: config error in {config}")
    assert NO_SENSOR in waits[1]
    assert sent[-1] == "STOPPING=1"


def test_a_config_fixed_while_waiting_for_the_sensor_is_the_one_the_session_gets(config):
    """The part's wait read the config once, at its start: a fix made meanwhile (a sensor
    address) was never tried, and the session started with the old settings while the
    file, recorded with it, said otherwise. Each try reads the file again."""
    from feedback.errors import HardwareError
    from feedback.run import _parts_ready

    good = config.read_text()
    config.write_text("[pacer]\nexhale_s = 40\n")
    with pytest.raises(ConfigError):
        _parts_ready(config, VirtualClock())  # read anew: the mistake is found
    config.write_text(good)
    with pytest.raises(HardwareError) as err:  # the config is fine: then the sensor
        _parts_ready(config, VirtualClock())
    assert NO_SENSOR in str(err.value)


def test_without_wait_a_bad_config_exits_2_and_no_sensor_exits_1(config, capsys):
    good = config.read_text()
    config.write_text("[pacer]\nexhale_s = 40\n")
    assert main(["run", "--headless", "--config", str(config)]) == 2
    assert "pacer.exhale_s = 40" in capsys.readouterr().err
    config.write_text(good)
    assert main(["run", "--headless", "--config", str(config)]) == 1
    assert NO_SENSOR in capsys.readouterr().err


def test_sigterm_finishes_the_record_and_exits_0(config):
    import signal
    import sqlite3
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "feedback.cli", "run", "--sim", "calm",
                             "--headless", "--speed", "20", "--duration", "3600",
                             "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = config.parent / "data" / "simulated" / "records.sqlite"

    def stored_breaths():
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                return conn.execute("SELECT count(*) FROM breaths").fetchone()[0]
        except sqlite3.Error:
            return 0

    assert wait_for(lambda: stored_breaths() >= 5 or proc.poll() is not None)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Samenvatting na " in out and "(gestopt door het systeem):" in out
    with sqlite3.connect(db) as conn:
        (reason, ended), = conn.execute("SELECT end_reason, ended_at FROM sessions").fetchall()
        breaths = conn.execute("SELECT count(*) FROM breaths").fetchone()[0]
    assert reason == "SIGTERM" and ended is not None and breaths >= 5


def test_an_unchanged_led_frame_is_not_sent_again_but_refreshed_every_second(config):
    settings, programme = load_all(config)
    seen = []
    with open_session(settings, programme, config, sim="unplugged", clock=VirtualClock(),
                      duration=40, status=False) as s:
        # The belt is out from 30 to 40 s: four still grey LEDs, the same frame throughout
        def count(due):
            seen.append((s.parts.spi.writes, s.loop.stats["frame"].ticks))
            return due + 8.5 if len(seen) < 2 else None

        s.loop.add("count", count, 31.0)
        s.run()
    (w0, f0), (w1, f1) = seen
    assert f1 - f0 >= 254 and 8 <= w1 - w0 <= 17


def test_a_usb_export_done_meanwhile_is_shown_as_a_notice(config):
    from feedback import exportnote
    from feedback.store import default_data_dir

    settings, programme = load_all(config)
    data_dir = default_data_dir(settings.records.data_dir)
    data_dir.mkdir(parents=True)
    assert exportnote.write(data_dir, "ok", 3)  # an export before the session: not shown
    seen = []
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=12.0, status=False) as session:
        def export(due):  # the stick goes in 5 s into the session
            assert exportnote.write(data_dir, "ok", 7)
            seen.append(session.coach.notice)
            return None

        session.loop.add("export", export, 5.0)
        session.run()
        notice, shown_at = session.coach.notice
        view = session.coach.view(shown_at + 1.0)
    assert seen == [None]
    assert notice == "USB-stick: 7 sessies gekopieerd"
    assert 5.0 <= shown_at <= 6.1
    assert view.notice == notice


def test_a_usb_export_done_while_the_unit_waited_for_a_fix_is_shown_when_it_starts(
        config, tmp_path, monkeypatch):
    """The service waits on a broken config; the therapist brings a stick with a good one.
    The export installs it and the unit starts, but its notice was never shown (the
    session's watcher was made after the export: "take the stick out when the screen shows
    the notice" had no notice to wait for). So for a stick in at power-on."""
    import signal

    from feedback import notify
    from feedback.app import Session
    from feedback.records import Records
    from feedback.store import default_data_dir

    good = config.read_text()
    settings = load_config(config)
    records = Records(default_data_dir(settings.records.data_dir), clock=VirtualClock())
    records.start_session("AB12", "home", "", 1_760_011_200.0)  # the patient's, to export
    records.end_session("stopped")
    assert records.close() == 0
    config.write_text(good + "[pacer]\nexhale_s = 40\n")  # broken: the unit waits
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(good)
    exported = []

    def to_systemd(state, env=None):
        if state == "WATCHDOG=1" and not exported:  # waiting for a fixed config
            exported.append(main(["export", str(stick), "--config", str(config)]))
            signal.raise_signal(signal.SIGHUP)  # (the config watcher: try again now)
        return True

    shown = []
    show = Session._show_export

    def seen(self, t):
        show(self, t)
        if self.coach.notice is not None:
            shown.append(self.coach.notice[0])

    monkeypatch.setattr(notify, "notify", to_systemd)
    monkeypatch.setattr(Session, "_show_export", seen)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGHUP, signal.SIGTERM)}
    try:
        assert main(["run", "--wait", "--headless", "--sim", "calm", "--duration", "3",
                     "--speed", "0", "--config", str(config)]) == 0
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
    assert exported == [0] and config.read_text() == good
    assert shown and shown[0] == "USB-stick: 1 sessie gekopieerd, nieuwe instellingen overgenomen"


def test_systemctl_status_shows_the_exercise_and_a_belt_fault_when_they_change(
        config, monkeypatch):
    from feedback import notify

    sent = []  # what would go to systemd (the socket itself: tests/test_notify.py)
    monkeypatch.setattr(notify, "notify", lambda state, env=None: sent.append(state) or True)
    simulate(config, "unplugged", 70)
    status = [m.removeprefix("STATUS=") for m in sent if m.startswith("STATUS=")]
    assert sent[0] == "READY=1" and sent[-1] == "STOPPING=1"
    assert sent.count("WATCHDOG=1") >= 69  # once a second
    assert status[0].startswith("exercise 1/") and "Calibration" in status[0]
    assert all(a != b for a, b in zip(status, status[1:], strict=False))  # only changes
    faulty = [s for s in status if "; fault: " in s]
    assert faulty and any(k in faulty[0] for k in ("disconnected", "saturated", "flat"))
    assert "fault" not in status[-1]  # the belt was plugged in again


def test_waiting_for_a_fix_logs_each_problem_once_not_every_retry(tmp_path, caplog):
    import logging

    from feedback.run import ConfigProblem, wait_until_fixed

    cfg = tmp_path / "bad.toml"
    cfg.write_text("[pacer]\nexhale_s = 40\n")
    tries = []

    def retry():  # unchanged twice, then another mistake, then fixed
        tries.append(1)
        if len(tries) == 3:
            cfg.write_text("[pacer]\nexhale_s = 41\n")
        if len(tries) == 5:
            cfg.write_text("[pacer]\nexhale_s = 8\n")
        return load_config(cfg)

    with caplog.at_level(logging.ERROR, logger="ademcoach"):
        try:
            load_config(cfg)
        except ConfigError as exc:
            problem = ConfigProblem(exc)
        settings = wait_until_fixed(problem, retry, None, poll_s=0.0)
    assert settings.pacer.exhale_s == 8.0 and len(tries) == 5
    logged = [r.getMessage() for r in caplog.records]
    assert logged == [f"config: {cfg}:2: pacer.exhale_s = 40: must be between 2 and 20 seconds",
                      f"config: {cfg}:2: pacer.exhale_s = 41: must be between 2 and 20 seconds"]


def test_an_exercise_retargeted_by_a_changed_config_is_recorded_with_its_new_target(config):
    """The record kept the target the exercise started with: a patient who followed the
    new pacer 100 % read as "crossed the target, now above" in the report."""
    import sqlite3

    use_programme(config, "own", SLOW.replace('pacer = "fixed"', 'pacer = "config"').split(
        "inhale_s")[0])  # (the main config's pacer)

    def edit(session, due):  # the therapist lengthens the exhale 100 s in
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("exhale_s = 6.0", "exhale_s = 8.0", 1),
                          encoding="utf-8")

    out, _truth, _s, _f = simulate(config, "calm", 160, probe=(100.0, edit))
    starts = [e for e in out if isinstance(e, ev.Exercise) and e.phase == "start"]
    ends = [e for e in out if isinstance(e, ev.Exercise) and e.phase == "end"]
    paced = next(i for i, e in enumerate(starts) if e.target_ratio is not None)
    assert starts[paced].at < 100.0 < ends[paced].at
    assert ends[paced].target_ratio > starts[paced].target_ratio + 0.2
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT target_ratio, target_rate_bpm FROM exercises "
                            "ORDER BY id").fetchall()[paced]
    assert kept == pytest.approx((ends[paced].target_ratio, ends[paced].target_rate_bpm))


def test_a_session_ended_by_an_unexpected_error_is_not_recorded_as_closed(config):
    """The record's end reason said "closed" (the window closed, q, Ctrl-C) when the
    program stopped on an error; it says "error" now, and what came before is kept."""
    import sqlite3

    settings, programme = load_all(config)

    def broken(due):  # (a fault injected 20 s in: any error the loop does not expect)
        raise RuntimeError("injected")

    with pytest.raises(RuntimeError, match="injected"), open_session(
            settings, programme, config, sim="calm", clock=VirtualClock(), duration=60,
            status=False) as session:
        session.loop.add("broken", broken, first=session.t0 + 20.0)
        session.run()
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        (reason, breaths), = conn.execute(
            "SELECT end_reason, (SELECT COUNT(*) FROM breaths) "
            "FROM sessions").fetchall()
    assert reason == "error" and breaths >= 2


@pytest.mark.parametrize("text, lang", [
    ('[patient]\nlanguage = "en"\n[pacer]\nexhale_s = 40\n', "en"),
    ('[patient]\nlanguage = "en"\n[pacer]\nexhale_s = 4,5\n', "nl"),  # (not readable)
    ('[patient]\nlanguage = "fr"\n[pacer]\nexhale_s = 40\n', "nl"),
    ("[pacer]\nexhale_s = 40\n", "nl"),
])
def test_the_config_screen_at_start_speaks_the_language_the_file_asks_for(tmp_path, text,
                                                                          lang):
    """An English-speaking patient's unit with a slip in its file said what was wrong in
    Dutch; it follows patient.language when that much of the file can be read."""
    from feedback.run import ConfigProblem

    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    view = ConfigProblem(err.value, cfg).view
    assert view.lang == lang and view.screen == "config"


def test_a_unit_left_on_over_midnight_counts_the_session_for_the_day_it_began(
        config, monkeypatch):
    """As the records and the report do: the new day starts at 0 and this session is the
    old day's (the screen counted what followed midnight for the new day)."""
    import datetime as dt
    import types

    from feedback import app

    calls = []

    def today():  # the wall-clock date: midnight comes 20 s into the session
        calls.append(1)
        return dt.date(2026, 3, 1) if len(calls) <= 20 else dt.date(2026, 3, 2)

    monkeypatch.setattr(app, "dt", types.SimpleNamespace(date=types.SimpleNamespace(
        today=today)))
    _, _, session, _ = simulate(config, "calm", 60)
    coach = session.coach
    done = sum(row["minutes"] for row in coach.summary())  # the exercise running counts too
    assert done == pytest.approx(1.0, abs=0.05)  # a minute of practice in all
    assert coach.practised_min() == 0.0


def test_a_session_started_in_the_second_after_midnight_is_the_new_day_s(config, monkeypatch):
    """The day was looked at once a second, after the buttons: a session started just
    after midnight was then taken for the day before's, and its minutes were nobody's
    on the screen (the records put it on the new day)."""
    import datetime as dt
    import types

    from feedback import app

    day = [dt.date(2026, 3, 1)]
    monkeypatch.setattr(app, "dt", types.SimpleNamespace(date=types.SimpleNamespace(
        today=lambda: day[0])))

    def midnight(session, due):  # the first session to its summary, then a new one
        day[0] = dt.date(2026, 3, 2)
        t = session.now()
        session.end_when_done = False  # (a simulation stops at the summary)
        while session.coach.mode != "summary":
            press_next(session.coach, t, session.button)
        session.button("start_pause", t)  # to the start screen
        session.button("start_pause", t)  # and a new session, in the new day's first second

    _, _, session, _ = simulate(config, "calm", 200, probe=(60.0, midnight))
    coach = session.coach
    assert coach.session_code == "" and len(coach.stats) >= 2  # calibration, then practice
    practised = coach.practised_min()
    assert practised == pytest.approx(coach.practice_s() / 60.0) and practised > 0.5


def test_a_session_paused_and_left_ends_as_left_and_the_next_day_s_counts_for_that_day(
        config, monkeypatch):
    """Paused at 21:00 and left, the unit on: the session never ended, the next day it went
    on mid-exercise ("nog 2:30") without a calibration and what was practised counted for
    the day before (the start screen said 0 after it). After ``LEFT_S`` it ends at its
    summary, its record as "left" with the practice before the pause; the next day a
    button brings the start screen and a new session, which counts for that day."""
    import datetime as dt
    import sqlite3
    import types

    from feedback import app
    from feedback.coach import LEFT_S
    from feedback.sessions import load_sessions
    from feedback.store import DB_NAME, SIMULATED

    day = [dt.date(2026, 3, 1)]
    monkeypatch.setattr(app, "dt", types.SimpleNamespace(date=types.SimpleNamespace(
        today=lambda: day[0])))
    seen = {}

    def walk_away(session, due):
        t = session.now()
        coach = session.coach
        if not seen:  # paused at 120 s, and left
            session.end_when_done = False  # (a simulation ends at its summary)
            session.button("start_pause", t)
            seen["paused"] = (coach.exercise.id, coach.practice_s(t) / 60.0)
            return session.t0 + 120.0 + LEFT_S + 5.0
        if "left" not in seen:  # 5 s after LEFT_S: its summary, its record ended
            seen["left"] = (coach.mode, coach.view(t).screen, session.recording)
            day[0] = dt.date(2026, 3, 2)  # then midnight
            return due + 5.0
        seen["days_back"] = coach.view(t).days_back  # the next day: "Telt voor gisteren"
        session.button("start_pause", t)  # the start screen
        seen["idle"] = (coach.view(t).screen, coach.view(t).today_min)
        session.button("start_pause", t + 0.5)  # and today's session
        seen["new"] = coach.exercise.kind
        return None

    _, _, session, _ = simulate(config, "calm", 120.0 + LEFT_S + 150.0,
                                probe=(120.0, walk_away))
    exercise, before = seen["paused"]
    assert exercise == "belly_lying" and before > 1.0
    assert seen["left"] == ("summary", "summary", False)
    assert seen["days_back"] == 1
    assert seen["idle"] == ("idle", 0.0) and seen["new"] == "calibration"
    coach = session.coach  # today's session: calibrated anew, practised, today's
    assert [st.spec.id for st in coach.stats][:2] == ["calibration", "belly_lying"]
    practised = coach.practised_min()
    assert practised == pytest.approx(coach.practice_s() / 60.0) and practised > 1.0
    settings, _ = load_all(config)
    conn = sqlite3.connect(f"{settings.records.data_dir}/{SIMULATED}/{DB_NAME}")
    first, second = load_sessions(conn)
    conn.close()
    assert first.end_reason == "left" and second.end_reason == "duration"
    assert first.minutes == pytest.approx(before, abs=0.01)  # the practice before the pause
    assert first.span_minutes == pytest.approx(2.0 + LEFT_S / 60.0, abs=0.05)


def test_the_breaths_measured_while_calibrating_again_are_left_out_of_the_report(config):
    """"next" held in the belly exercise: the unit calibrates again, its clock stopped,
    and the summary screen leaves out the breaths measured meanwhile. The record did not
    keep the recalibration, and the report counted them (9 breaths against the screen's
    6). It is recorded as a pause until the breath is measured again."""
    import sqlite3

    from feedback.sessions import load_sessions
    from feedback.store import DB_NAME, SIMULATED

    def hold_next(session, due):
        session.button("recalibrate", session.now())

    events, _, session, _ = simulate(config, "calm", 240.0, probe=(120.0, hold_next))
    marks = [e for e in events if isinstance(e, ev.Pause | ev.Resume)]
    assert [type(e) for e in marks] == [ev.Pause, ev.Resume]
    assert marks[0].at == pytest.approx(session.t0 + 120.0, abs=0.1)
    during = [b for b in events if isinstance(b, ev.Breath) and marks[0].at <= b.at < marks[1].at]
    assert during  # (the analysis measured breaths while calibrating)
    shown = {r["id"]: r["breaths"] for r in session.coach.summary()}
    settings, _ = load_all(config)
    conn = sqlite3.connect(f"{settings.records.data_dir}/{SIMULATED}/{DB_NAME}")
    (stored,) = load_sessions(conn)
    conn.close()
    assert [len(e.breaths) for e in stored.exercises] == [shown["calibration"],
                                                          shown["belly_lying"]]


def test_a_ring_that_cannot_be_opened_is_a_led_fault_and_the_unit_runs_on(config, monkeypatch):
    import errno

    from device.spi_emu import SPIEmu

    def no_device(self, *a, **k):  # the SPI bus refuses to be set up
        raise OSError(errno.ENODEV, "No such device")

    monkeypatch.setattr(SPIEmu, "configure", no_device)
    events, _, session, frames = simulate(config, "calm", 60)
    faults = [e for e in events if isinstance(e, ev.Fault)]
    assert [(f.kind, f.at) for f in faults] == [("led", 0.0)]
    assert faults[0].detail == "ring: OSError: [Errno 19] No such device"
    assert sum(isinstance(e, ev.Breath) for e in events) >= 5 and frames == []
    assert session.coach.view(session.now()).notice == "De ring werkt niet; volg het scherm"


def test_waiting_for_a_part_shows_which_kind_of_problem(config, monkeypatch):
    from gpiozero.exc import GPIOPinInUse
    from gpiozero.pins.mock import MockFactory

    from device.parts import open_parts
    from feedback.errors import HardwareError
    from feedback.run import PartProblem
    from feedback.screen import Screen

    reserve = MockFactory.reserve_pins

    def held_elsewhere(self, requester, *names):  # another process holds the button's pin
        if 17 in names:
            raise GPIOPinInUse("pin 17 is already in use by another process")
        return reserve(self, requester, *names)

    settings, _ = load_all(config)
    monkeypatch.setattr(MockFactory, "reserve_pins", held_elsewhere)
    with pytest.raises(HardwareError) as err:  # the real Controls, through gpiozero
        open_parts(settings, "calm", VirtualClock())
    assert err.value.part == "controls" and "pin 17 is already in use" in str(err.value)
    view = PartProblem(err.value, "nl").view
    assert view.fault == "unit" and "pin 17 is already in use" in view.notice
    # The part's own error is the driver's English: on the Dutch screen it says whom it
    # is for (it stood there bare, under the Dutch for the patient).
    assert view.notice == f"Voor de technicus: {err.value}"
    assert PartProblem(err.value, "en").view.notice == f"For the technician: {err.value}"
    screen = Screen((800, 480))
    screen.draw(view)
    assert "Storing in het apparaat" in [t for t, _r in screen.texts]
    sensor = HardwareError("No ADS1115 at 0x48 on I2C bus 1")
    sensor.part = "sensor"
    assert PartProblem(sensor, "nl").view.fault == "i2c"


def test_waiting_for_the_sensor_shows_the_technician_why(config):
    """A sensor missing at start put only "Controleer de band / meetchip reageert niet" on
    the screen: a technician at a unit with ADDR wired to VDD, I2C not enabled or the
    service outside group i2c was sent to the belt, and the reason was in the journal
    alone. The screen now says it under the patient's words, as for the other parts."""
    from device.parts import open_parts
    from feedback.errors import HardwareError
    from feedback.run import PartProblem
    from feedback.screen import Screen

    text = config.read_text().replace("address = 0x48", "address = 0x49")
    assert "address = 0x49" in text
    config.write_text(text)
    settings, _ = load_all(config)
    with pytest.raises(HardwareError) as err:  # the real driver on the emulated chip (0x48)
        open_parts(settings, "calm", VirtualClock())
    assert err.value.part == "sensor" and "answers at 0x48" in str(err.value)
    view = PartProblem(err.value, "nl").view
    assert (view.screen, view.fault) == ("sensor", "i2c")
    assert view.notice == f"Voor de technicus: {err.value}"
    assert PartProblem(err.value, "en").view.notice == f"For the technician: {err.value}"
    screen = Screen((800, 480))
    screen.draw(view)
    shown = " ".join(t for t, _r in screen.texts)
    assert "Storing in het apparaat" in shown and "meetchip reageert niet" in shown
    assert "0x48" in shown and "Voor de technicus" in shown
    # (at start, before any session: no exercise waits; it said "De oefening wacht zolang")
    assert "oefening" not in shown.casefold() and "wacht" not in shown


def test_a_second_session_in_the_same_run_calibrates_again(config):
    """The service runs for days and the belt goes on anew for each session: each run of
    the programme starts with a real calibration, not the last one's."""
    settings, programme = load_all(config)
    out = []
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      status=False) as s:
        s.end_when_done = False
        s.sinks.append(out.append)
        s.loop.add("finish", lambda due: [press_next(s.coach, s.now(), s.button) for _ in range(4)]
                   and None, first=s.t0 + 60.0)              # to the summary
        s.loop.add("idle", lambda due: s.button("start_pause", s.now()), first=s.t0 + 61.0)
        s.loop.add("again", lambda due: s.button("start_pause", s.now()), first=s.t0 + 62.0)
        s.loop.add("end", lambda due: s.stop("test"), first=s.t0 + 120.0)
        s.run()
    cal = [e for e in out if isinstance(e, ev.Exercise) and e.name == "Kalibratie"]
    assert [e.phase for e in cal] == ["start", "end", "start", "end"]
    for start, end in (cal[:2], cal[2:]):
        took = end.at - start.at
        breaths = [e for e in out if isinstance(e, ev.Breath) and start.at < e.at <= end.at]
        assert took > 15.0 and len(breaths) >= 2, (took, len(breaths))


def test_the_next_patient_s_calibration_screen_draws_no_curve_of_before_their_session(config):
    """The calibration screen's live curve ("Even meten hoe je ademt") showed the last
    30 s of the belt, of before the session too: the patient before, on their summary,
    or the belt as it went from one patient to the next, scaled by their calibration.
    It begins with the session."""
    settings, programme = load_all(config)
    seen = {}
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      status=False) as s:
        s.end_when_done = False

        def finish(due):  # the first patient's session to its summary, left on screen
            while s.coach.mode != "summary":
                press_next(s.coach, s.now(), s.button)

        def look(due):
            seen[s.coach.mode] = s.coach.view(s.now(), s.analyzer.snapshot())

        s.loop.add("finish", lambda due: finish(due), first=s.t0 + 60.0)
        s.loop.add("summary", look, first=s.t0 + 100.0)
        s.loop.add("idle", lambda due: s.button("start_pause", s.now()), first=s.t0 + 101.0)
        s.loop.add("next", lambda due: s.button("start_pause", s.now()), first=s.t0 + 102.0)
        s.loop.add("calibration", look, first=s.t0 + 106.0)
        s.loop.add("end", lambda due: s.stop("test"), first=s.t0 + 107.0)
        s.run()
    assert seen["summary"].screen == "summary" and seen["exercise"].screen == "calibration"
    curve = seen["exercise"].curve_t
    assert curve is not None and len(curve) >= 30  # (some 10 points a second)
    assert curve.min() >= -4.0 - 0.1, curve.min()  # the 4 s since the session began


def test_the_headless_status_line_shows_a_cue_only_while_the_screen_would(config):
    import io

    from feedback.app import status_line
    from feedback.i18n import text

    settings, programme = load_all(config)
    out = io.StringIO()
    with open_session(settings, programme, config, sim="fast", clock=VirtualClock(),
                      duration=80, status=False) as s:
        s.status = status_line(out)
        s.run()
    lines = out.getvalue().splitlines()
    slower = text("cue.slower", "nl")
    shown = [i for i, line in enumerate(lines) if line.endswith(slower)]
    assert shown, lines
    # 'Rustiger ademen' for cues.show_s (6 s) after each cue, then '-', not for the rest
    # of the session
    runs = [1]
    for a, b in zip(shown, shown[1:], strict=False):
        runs[-1:] = [runs[-1] + 1] if b == a + 1 else [runs[-1], 1]
    assert len(runs) >= 2 and max(runs) <= settings.cues.show_s + 1, (runs, lines)


def test_a_belt_fault_on_when_a_new_session_begins_is_in_its_record(config, tmp_path):
    """The belt is out from 30 s to 200 s; meanwhile the patient finishes the session and
    starts the next. That session's record must see the fault begin (only its end came:
    the report counted the whole time as practice)."""
    import sqlite3

    from feedback.sessions import load_sessions
    from feedback.store import DB_NAME, SIMULATED

    scenario = tmp_path / "long-out.toml"
    scenario.write_text(
        '[scenario]\ndescription = "out from 30 to 200 s"\nseed = 7\n'
        '[breathing]\nrate_bpm = 10.0\nratio = 1.5\n[signal]\nexcursion_cm = 1.5\n'
        'noise_mv = 1.0\n[[episode]]\nkind = "unplugged"\nstart_s = 30.0\n'
        'duration_s = 170.0\nbelt = "all"\n')

    def anew(session, due):  # to the summary, then the start screen and a new session
        session.end_when_done = False  # (a simulation ends with its programme)
        t = session.now()
        if session.coach.mode != "summary":
            while session.coach.mode != "summary":
                press_next(session.coach, t, session.button)
            return due + 2.0
        session.button("start_pause", t)
        session.button("start_pause", t + 0.5)
        return None

    simulate(config, str(scenario), 300, probe=(60.0, anew))
    settings, _ = load_all(config)
    conn = sqlite3.connect(f"{settings.records.data_dir}/{SIMULATED}/{DB_NAME}")
    second = load_sessions(conn)[1]
    rows = conn.execute("SELECT at, end_at, kind FROM faults WHERE session_id=?",
                        (second.id,)).fetchall()
    first_detail, detail = (r[0] for r in conn.execute(
        "SELECT detail FROM faults WHERE kind='disconnected' ORDER BY id"))
    conn.close()
    assert [k for *_, k in rows] == ["disconnected"] and rows[0][1] is not None
    assert detail == first_detail and "unplugged" in detail  # what the technician reads
    # measured from 200 s to about 300 s (the calibration first): under 100 s of practice
    assert second.minutes * 60.0 < 100.0


def test_todays_practice_is_read_past_a_damaged_byte(tmp_path):
    """The start screen's minutes today read as 0 when a stored text had a byte that is
    not UTF-8 (the reports read past it already)."""
    import datetime as dt
    import sqlite3

    from feedback.records import Records
    from feedback.run import practised_by_code

    day = dt.date(2026, 3, 14)  # (a session 10 minutes ago was yesterday's just after 0:00)
    rec = Records(tmp_path, clock=VirtualClock(0.0))
    rec.start_session("AB12", "home", "[pacer]\n",
                      dt.datetime.combine(day, dt.time(0, 5)).timestamp())
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing"))
    rec.add(ev.Exercise(120.0, "Buikademhaling", "end", active_s=120.0))
    rec.end_session("duration")
    assert rec.close() == 0
    assert practised_by_code(rec, day)["AB12"] == pytest.approx(2.0)
    assert practised_by_code(rec, day + dt.timedelta(days=1)) == {}
    with sqlite3.connect(rec.db_path) as conn:
        conn.execute("UPDATE sessions SET config = CAST(? AS TEXT)", (b"[pacer]\xff\n",))
    assert practised_by_code(rec, day)["AB12"] == pytest.approx(2.0)


def test_a_clock_set_back_over_midnight_gives_the_day_its_minutes_back(config, monkeypatch):
    """A unit whose clock ran a day ahead is set right (by hand, or by the network): the
    date goes back. The day it returns to kept its minutes (the screen read 0), and a
    session begun on the later date does not count for "yesterday" (the records put it
    on the date it began, now tomorrow's)."""
    import datetime as dt
    import types

    from feedback import app

    day = [dt.date(2026, 3, 1)]
    monkeypatch.setattr(app, "dt", types.SimpleNamespace(date=types.SimpleNamespace(
        today=lambda: day[0])))
    seen = {}

    def jumps(session, due):
        t = session.now()
        coach = session.coach
        if not seen:  # a minute practised on 1 March, then to the start screen
            session.end_when_done = False
            while coach.mode != "summary":
                press_next(session.coach, t, session.button)
            session.button("start_pause", t)
            seen["before"] = coach.view(t).today_min
            day[0] = dt.date(2026, 3, 2)  # the clock runs ahead into 2 March
            return due + 5.0
        if "ahead" not in seen:
            seen["ahead"] = coach.view(t).today_min
            session.button("start_pause", t)  # a session begun on "2 March"
            day[0] = dt.date(2026, 3, 1)  # and the clock is set back to 1 March
            return due + 5.0
        seen["back"] = (coach.today_min, coach.practised_min())
        while coach.mode != "summary":
            press_next(session.coach, t, session.button)
        seen["summary"] = coach.view(t).days_back
        session.button("start_pause", t)  # the start screen: 1 March's minutes
        seen["idle"] = coach.view(t).today_min
        return None

    simulate(config, "calm", 120, probe=(70.0, jumps))
    assert seen["before"] > 0.5 and seen["ahead"] == 0.0
    assert seen["back"] == (pytest.approx(seen["before"]), pytest.approx(seen["before"]))
    assert seen["summary"] == -1  # not "Telt voor gisteren"
    assert seen["idle"] == pytest.approx(seen["before"])


def test_a_clock_that_jumps_a_month_mid_session_does_not_say_yesterday(config, monkeypatch):
    """The date a month on in the middle of a session, with no step of the system
    clock measured (a simulation, whose clock is its own; on the unit such a step
    re-dates the session: the next test): the session counts for the date it
    began (the records' date), which its summary said was "gisteren"."""
    import datetime as dt
    import types

    from feedback import app

    day = [dt.date(2026, 10, 27)]
    monkeypatch.setattr(app, "dt", types.SimpleNamespace(date=types.SimpleNamespace(
        today=lambda: day[0])))
    seen = {}

    def jump(session, due):
        t = session.now()
        day[0] = dt.date(2026, 11, 27)
        session._check_day()
        session.end_when_done = False
        while session.coach.mode != "summary":
            press_next(session.coach, t, session.button)
        seen["days_back"] = session.coach.view(t).days_back
        return None

    simulate(config, "calm", 80, probe=(70.0, jump))
    assert seen["days_back"] == 31


class SteppedWall:
    """A unit's system clock, in Europe/Amsterdam: it starts at ``saved`` (local time's
    fields) and runs on with the loop's monotonic clock (once ``attach``ed to a session)
    until ``step`` sets it, as the network does; the records' clock reads it, and with
    ``dates`` the session's date. Local times given after it are Amsterdam's (``at``).
    (The test undoes ``monkeypatch`` and calls ``time.tzset()`` when done.)"""

    def __init__(self, monkeypatch, saved: tuple, dates: bool = True):
        import datetime as dt
        import time
        import types

        from feedback import app, records

        monkeypatch.setenv("TZ", "Europe/Amsterdam")
        time.tzset()
        self.saved = dt.datetime(*saved).timestamp()
        self.base, self.clock = self.saved, None
        if dates:
            monkeypatch.setattr(app, "dt", types.SimpleNamespace(date=types.SimpleNamespace(
                today=lambda: dt.date.fromtimestamp(self()),
                fromtimestamp=dt.date.fromtimestamp)))
        monkeypatch.setattr(records, "time", types.SimpleNamespace(
            time=self, monotonic=time.monotonic, strftime=time.strftime))

    def __call__(self) -> float:
        return self.base + (self.clock.now() if self.clock is not None else 0.0)

    def attach(self, session) -> None:
        """The session's loop clock runs this clock on, and the session watches it."""
        self.clock = session.clock
        session.wall = self

    def step(self, by: float) -> None:
        self.base += by

    @staticmethod
    def stored(config):
        """The one session the simulation recorded, as the report reads it (in the time
        zone set here: call before the test undoes it)."""
        import sqlite3

        from feedback.sessions import load_sessions
        from feedback.store import DB_NAME, SIMULATED

        conn = sqlite3.connect(config.parent / "data" / SIMULATED / DB_NAME)
        try:
            (s,) = load_sessions(conn)
        finally:
            conn.close()
        return s


@pytest.mark.parametrize("right, began", [
    ((2026, 11, 28, 8, 0, 0), (2026, 11, 28)),
    # (begun half a minute before midnight, the clock set after it: the day before)
    ((2026, 11, 27, 23, 59, 30), (2026, 11, 27)),
])
def test_a_session_begun_before_the_clock_was_set_counts_for_the_day_it_really_began(
        config, monkeypatch, right, began):
    """A unit without a clock chip booted at the time it saved at its last shutdown, a
    month ago, and the network set its clock a minute into the session.
    The session was recorded, and counted on the screen, for the saved date ("Telt voor
    27 oktober"); the loop's monotonic clock says when it really began: it is re-dated
    when the clock is seen to step, on the screen and in the records alike."""
    import datetime as dt
    import sqlite3
    import time

    from feedback.sessions import load_sessions
    from feedback.store import DB_NAME, SIMULATED

    wall = SteppedWall(monkeypatch, (2026, 10, 27, 20, 10))  # the clock at boot
    saved, right = wall.saved, dt.datetime(*right).timestamp()  # (the real time then)
    began = dt.date(*began)
    today = dt.date(2026, 11, 28)  # (when the clock is set, and at the summary)
    seen = {}

    def network(session, due):
        t = session.now()
        if not seen:
            wall.step(right - saved)  # timesyncd steps the clock
            seen["set"] = t
            return due + 20.0
        session.end_when_done = False
        while session.coach.mode != "summary":
            press_next(session.coach, t, session.button)
        view = session.coach.view(t)
        seen["summary"] = (view.days_back, view.today_min)
        session.button("start_pause", t)  # the start screen: today's minutes
        seen["idle"] = session.coach.view(t).today_min
        return None

    try:
        _, _, session, _ = simulate(config, "calm", 120, setup=wall.attach,
                                    probe=(60.0, network))
    finally:
        monkeypatch.undo()
        time.tzset()
    practised = session.coach.practice_s() / 60.0
    assert practised > 0.5
    days_back, shown = seen["summary"]
    assert days_back == (today - began).days  # not "Telt voor 27 oktober"
    assert shown == pytest.approx(practised)  # (the minutes of the day it counts for)
    assert seen["idle"] == pytest.approx(practised if began == today else 0.0)
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    try:
        conn = sqlite3.connect(config.parent / "data" / SIMULATED / DB_NAME)
        (s,) = load_sessions(conn)
        conn.close()
        assert s.day == began
        assert abs(s.started_at - right) < 5.0  # begun at the start, on the real clock
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_clock_set_just_before_a_record_starts_does_not_re_date_it(config, monkeypatch):
    """The system clock is looked at as a record session starts: a step made before it
    (the network sets the clock a month on after the unit's last look at it, in the
    second before the session starts) is not that session's. Its record starts on the
    clock as set, and is not moved on by the step again when the clock is next looked
    at, to a month ahead. On the unit each start follows a button, which looks at the
    clock first; a session the coach starts itself (a simulation's first, here with the
    system clock watched) has only the look as its record starts."""
    import datetime as dt
    import time


    wall = SteppedWall(monkeypatch, (2026, 10, 27, 20, 10), dates=False)  # the clock at boot
    saved, right = wall.saved, dt.datetime(2026, 11, 28, 8, 0).timestamp()  # (the real time)

    def setup(session):
        wall.attach(session)
        session._check_wall()  # the unit's last look at its clock
        wall.step(right - saved)  # timesyncd steps it; the session starts at once

    try:
        _, _, session, _ = simulate(config, "calm", 30, setup=setup)
        s = wall.stored(config)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert session.coach.practice_s() > 0.0  # (it ran, the clock looked at since)
    assert abs(s.started_at - right) < 5.0  # begun on the clock as set, not a month on
    assert s.day == dt.date(2026, 11, 28)

def test_the_unit_watches_its_system_clock_for_a_step_and_a_simulation_does_not(
        config, monkeypatch):
    """On the unit (the system's monotonic clock) a step of the system clock is seen, to
    re-date a session begun before it (the test before); a simulation runs on a clock of
    its own, against which the system clock says nothing."""
    import time

    from feedback.clock import MonotonicClock

    step = [0.0]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + step[0])
    settings, programme = load_all(config)
    seen = {}
    for name, clock in (("unit", MonotonicClock()), ("simulation", VirtualClock())):
        step[0] = 0.0
        with open_session(settings, programme, config, sim="calm", clock=clock, duration=1,
                          status=False) as session:
            session._check_wall()
            step[0] = 3600.0  # (the network sets the clock an hour on)
            seen[name] = session._check_wall()
    assert seen["unit"] == pytest.approx(3600.0, abs=1.0)
    assert seen["simulation"] == 0.0


def test_a_step_of_the_system_clock_counts_from_five_seconds_either_way(config):
    """A step of the system clock against the loop's is a setting of the clock from
    ``CLOCK_SET_S`` (5 s) on, forward or back; less is not (the two keep the same rate
    otherwise), and each step is counted once."""
    settings, programme = load_all(config)
    wall = [1_800_000_000.0]
    with open_session(settings, programme, config, sim="calm", clock=VirtualClock(),
                      duration=1, status=False) as session:
        session.wall = lambda: wall[0]
        seen = [session._check_wall()]
        for step in (4.5, 0.5, -5.5, 6.0):
            wall[0] += step
            seen.append(session._check_wall())
        seen.append(session._check_wall())
    assert seen == [0.0, 0.0, 5.0, -5.5, 6.0, 0.0]


def test_a_clock_set_before_any_session_dates_the_first_by_the_clock_as_set(
        config, monkeypatch):
    """The network sets the clock a month on while the unit waits at its start screen,
    before any session (the usual case: soon after boot): the step is seen, there is no
    session to re-date, and the session begun after it is dated by the clock as set,
    on the screen and in its record."""
    import datetime as dt
    import time


    wall = SteppedWall(monkeypatch, (2026, 10, 27, 20, 10))  # the clock at boot
    saved, right = wall.saved, dt.datetime(2026, 11, 28, 8, 0).timestamp()  # (the real time)
    seen = {}

    def setup(session):
        wall.attach(session)
        session._check_day()  # the unit looks at its clock (each second)
        wall.step(right - saved)  # timesyncd steps it
        session._check_day()  # and sees the step, at its start screen

    def summary(session, due):
        t = session.now()
        session.end_when_done = False
        while session.coach.mode != "summary":
            press_next(session.coach, t, session.button)
        seen["days_back"] = session.coach.view(t).days_back
        return None

    try:
        simulate(config, "calm", 40, setup=setup, probe=(30.0, summary))
        s = wall.stored(config)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert seen["days_back"] == 0  # counts for today
    assert abs(s.started_at - right) < 5.0
    assert s.day == dt.date(2026, 11, 28)

def test_a_patient_who_follows_the_home_pacer_reads_the_exhale_target_as_met(config):
    """The home pacer (4 s in, 6 s out, 1 s rest) was shown as "doel 1,8" (its ratio with
    the rest counted); the analysis dates the start of an inhale after a rest a little
    early, so a patient following it exactly read 1,6 and was told, in effect, to breathe
    out longer than the pacer asked. The target shown is the least the "longer exhale" cue
    accepts: met by the follower, who gets no such cue."""
    from feedback.pacer import EXHALE_FLOOR

    text = config.read_text(encoding="utf-8").replace('name = "clinic"', 'name = "home"', 1)
    config.write_text(text, encoding="utf-8")
    seen = []

    def look(session, due):
        t = session.now()
        view = session.coach.view(t, session.analyzer.snapshot())
        if view.screen == "exercise" and view.ratio is not None:
            seen.append((view.ratio, view.target_ratio, session.coach.pacer.current(t)))
        return due + 10.0

    events, _truth, _session, _ = simulate(config, "calm", 330, probe=(120.0, look))
    assert len(seen) >= 15
    for ratio, target, pattern in seen:
        assert (pattern.inhale_s, pattern.exhale_s, pattern.hold_out_s) == (4.0, 6.0, 1.0)
        assert target == pytest.approx(EXHALE_FLOOR * pattern.effective_ratio)
        assert ratio >= target
    assert not [c for c in cues(events) if c.kind == "longer_exhale"]


def test_holds_of_a_patient_off_the_pacers_pace_are_warned_on_time(config, repo, tmp_path):
    """The pacer's pauses are passed to the analysis as stillness that is no hold. A
    patient breathing at 20/min against the belly exercise's 5/min pacer does not make
    those pauses: their holds were warned up to 2.3 s late (10.3 s at 8 s), as the
    pacer's pauses were taken out of them. Once the pacer judges the breaths too fast
    for it, its pauses are no longer passed on."""
    text = (repo / "config" / "scenarios" / "fast.toml").read_text(encoding="utf-8")
    text = text[:text.index("[[episode]]")]
    for i in range(8):  # holds at eight points of the pacer's cycle, after both turns
        text += (f'\n[[episode]]\nkind = "hold"\nafter = "{("exhale", "inhale")[i % 2]}"\n'
                 f"start_s = {80 + 27 * i}.0\nduration_s = 12.0\n")
    scenario = tmp_path / "fast-holds.toml"
    scenario.write_text(text, encoding="utf-8")
    events, truth, session, _ = simulate(config, str(scenario), 330)
    holds = [e for e in events if isinstance(e, ev.Hold)]
    assert len(truth.holds) == 8
    for h in truth.holds:
        fired = [e for e in holds if h["start"] - 1.0 < e.at < h["end"] + 3.0]
        assert fired, h
        assert fired[0].at - h["start"] <= 8.0 + 1.0, (h, fired[0])  # belly_lying: 8 s


def test_breathing_at_rest_with_real_variability_is_no_hold_when_lifting(config):
    """The ``restless`` patient breathes as real people at rest do (breath length, depth,
    ratio and rest vary by some 20-60 % from breath to breath, a cardiac ripple) and never
    holds. In lifting (``hold_after_s`` 3 s) a long exhale's flat end, a longer rest and a
    slow next breath were warned as holds 4 times in 300 s, each as the breath came back;
    after a breath out the stillness now needs 4 s (``holds.REST_MIN_S``)."""
    use_programme(config, "lifting", LIFTING.replace("duration_s = 150", "duration_s = 300"))
    events, truth, _s, _f = simulate(config, "restless", 340)
    assert not truth.holds
    lifting = next(e.at for e in events if isinstance(e, ev.Exercise) and e.phase == "start"
                   and e.kind == "load")
    breaths = [e for e in events if isinstance(e, ev.Breath) and e.at > lifting]
    assert len(breaths) >= 35
    assert not [e for e in events if isinstance(e, ev.Hold)]
    assert not [c for c in cues(events) if c.kind == "breathe_on"]


def test_the_first_analysis_records_the_holds_of_the_own_breathing_without_a_word(config):
    """The shipped first analysis (step 1) on the unit: a patient who holds the breath
    10-12 s three times while breathing as usual. The holds are recorded and counted per
    exercise, for the therapist, but no cue is given and the ring never warns: a warning
    would change the breathing being measured. Its summary gives the minutes without the
    home target: it is no home practice (before, only the key "clinic" was taken for the
    treatment room, and the summary read "x van de 5 minuten")."""
    import sqlite3

    from feedback.ringframes import WARNING

    use_programme(config, "analysis", "")
    (config.parent / "programs" / "analysis.toml").unlink()  # (the shipped one)
    events, _, session, frames = simulate(config, "holds", 330)
    assert session.coach.programme.source.endswith("config/programs/analysis.toml")
    starts = [e for e in events if isinstance(e, ev.Exercise) and e.phase == "start"]
    assert [(e.name, e.pacer) for e in starts] == [
        ("Kalibratie", "off"), ("Eigen ademhaling liggend", "off"),
        ("Eigen ademhaling zittend of staand", "off"), ("Eigen ademhaling bij bewegen", "off")]
    holds = [e for e in events if isinstance(e, ev.Hold)]
    assert len(holds) == 3 and starts[1].at < holds[0].at and holds[2].at > starts[2].at
    assert cues(events) == []
    assert frames and not any(
        np.all(f == f[0]) and f[0, 1] <= 0.35 * f[0, 0] and f[0, 0] >= WARNING[0] * 0.1 - 1
        for _t, f in frames)
    assert [row.holds for row in session.coach.stats] == [0, 2, 1, 0]
    db = config.parent / "data" / "simulated" / "records.sqlite"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT programme FROM sessions").fetchall() == [("analysis",)]
        assert conn.execute("SELECT COUNT(*) FROM holds").fetchone() == (3,)
    view = session.coach.view(session.now())
    assert view.screen == "summary" and not view.home
