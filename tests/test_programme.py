from dataclasses import replace

import pytest
from words_check import assert_dutch

from feedback.config import load_config
from feedback.config_rules import ConfigError
from feedback.events import CUE_KINDS
from feedback.programme import SHIPPED, load_programme, programme_for
from feedback.words import said

GOOD_HEAD = '[programme]\nname_nl = "Test"\nname_en = "Test"\n'
EX = '[[exercise]]\nid = "a{n}"\nname_nl = "A"\nname_en = "A"\nduration_s = 60\n'


def write(tmp_path, text, name="prog.toml"):
    p = tmp_path / name
    p.write_text(text) if isinstance(text, str) else p.write_bytes(text)
    return p


@pytest.mark.parametrize("name", ["clinic", "home"])
def test_shipped_programmes_are_valid_and_follow_the_four_steps(name):
    prog = load_programme(SHIPPED / f"{name}.toml", name)
    kinds = [e.kind for e in prog.exercises]
    assert kinds[0] == "calibration"
    assert "breathing" in kinds and "movement" in kinds
    belly = next(e for e in prog.exercises if e.kind == "breathing")
    assert belly.duration_s == 300 and belly.pacer != "off"   # 5 minutes with the pacer
    moving = next(e for e in prog.exercises if e.kind == "movement")
    assert moving.cue_on("breathe_on") and moving.hold_after_s <= 5
    assert not prog.exercises[0].cue_on("breathe_on")
    if name == "clinic":
        lifting = prog.exercises[-1]
        assert lifting.kind == "load" and lifting.repetitions and lifting.cue_on("breathe_on")


def test_the_shipped_first_analysis_measures_the_own_breathing_without_a_word():
    """Step 1, the first visit: after the calibration the patient's own breathing lying,
    sitting or standing and moving, about 2, 1 and 2 minutes, with no pacer and no cue but
    the belt check: a warning changes the breathing being measured. Holds are recorded
    (breathe_on left out of the cues, not ``hold_warnings = false``, whose exercise's
    stillness is no hold for the next), at the clinic programme's thresholds."""
    prog = load_programme(SHIPPED / "analysis.toml", "analysis")
    assert (prog.name("nl"), prog.name("en")) == ("Eerste meting", "First analysis")
    cal, lying, upright, moving = prog.exercises
    assert cal.kind == "calibration" and cal.pacer == "off"
    assert [e.kind for e in (lying, upright, moving)] == ["breathing", "breathing", "movement"]
    assert [e.duration_s for e in (lying, upright, moving)] == [120, 60, 120]
    for ex in prog.exercises:
        assert ex.pacer_mode({"mode": "fixed"}) == "off", ex.id
        assert [k for k in CUE_KINDS if ex.cue_on(k)] == ["check_belt"], ex.id
    assert all(e.hold_warnings for e in (lying, upright, moving))  # (recorded, not warned)
    assert [e.hold_after_s for e in (lying, upright, moving)] == [8.0, 8.0, 4.0]


@pytest.mark.parametrize("head, key, home", [
    ("", "mine", True),                      # an own programme, as before: home practice
    ("", "clinic", False),                   # the clinic's file from before the key
    ("home_practice = false\n", "mine", False),
    ("home_practice = true\n", "clinic", True),
])
def test_a_programme_says_whether_it_is_home_practice(tmp_path, head, key, home):
    """Only the key "clinic" was taken for the treatment room: the first analysis, or a
    clinic's own treatment-room programme, showed and reported the home target."""
    from feedback.programme import home_practice

    text = GOOD_HEAD + head + EX.format(n=1)
    assert load_programme(write(tmp_path, text, f"{key}.toml"), key).home is home
    alone = load_programme(tmp_path / f"{key}.toml")  # (its key: the file's name)
    assert (alone.key, alone.home) == (key, home)
    assert home_practice(key, text) is home  # (as the report reads a session's programme)
    assert home_practice(key, None) is (key != "clinic")  # (a record that kept no programme)
    shipped = {n: load_programme(SHIPPED / f"{n}.toml", n).home
               for n in ("clinic", "home", "analysis")}
    assert shipped == {"clinic": False, "home": True, "analysis": False}
    bad = write(tmp_path, GOOD_HEAD + 'home_practice = "nee"\n' + EX.format(n=1))
    with pytest.raises(ConfigError) as err:
        load_programme(bad)
    (problem,) = err.value.problems
    assert str(problem) == (f"{bad}:4: programme.home_practice = 'nee': must be true or "
                            "false, without quotes: write false")


@pytest.mark.parametrize("text", ["[programme\nname_nl = ", "programme = 3\n",
                                  '[programme]\nhome_practice = "nee"\n'])
def test_a_stored_programme_that_cannot_be_read_is_judged_by_its_name(text):
    """A record keeps the programme text it ran with; one that is no longer TOML (a hand
    edit, a cut), or whose [programme] is not a table of a true or false home_practice,
    is judged by the programme's name, as a record that kept none, and the report goes
    on."""
    from feedback.programme import home_practice

    assert home_practice("clinic", text) is False
    assert home_practice("home", text) is True


@pytest.mark.parametrize("text, expected", [
    (GOOD_HEAD + EX.format(n=1) + EX.format(n=2).replace("60", "-5"),
     ":13: exercise[2].duration_s = -5: must be between 10 and 3600 seconds"),
    (GOOD_HEAD + EX.format(n=1).replace("duration_s", "duraton_s"),
     ":8: exercise[1].duraton_s: unknown key; did you mean 'duration_s'?"),
    (GOOD_HEAD + EX.format(n=1) + "repetitions = 5\n",
     ":9: exercise[1].repetitions = 5: give either duration_s or repetitions (one of the two), "
     "not both"),
    (GOOD_HEAD + EX.format(n=1).replace("duration_s = 60\n", ""),
     "exercise[1]: give either duration_s or repetitions"),
    (GOOD_HEAD + EX.format(n=1) + 'cues = ["slower", "louder"]\n',
     "exercise[1].cues = ['slower', 'louder']: item 2: must be one of"),
    (GOOD_HEAD + EX.format(n=1) + 'pacer = "on"\n', "exercise[1].pacer = 'on': must be one of"),
    (GOOD_HEAD + EX.format(n=1) + "hold_after_s = 1\n",
     "exercise[1].hold_after_s = 1: must be between 2 and 15 seconds"),
    (GOOD_HEAD + EX.format(n=1) + "slower_above_bpm = 50\n",
     ":9: exercise[1].slower_above_bpm = 50: must be between 6 and 40 breaths/min"),
    (GOOD_HEAD + EX.format(n=1) + EX.format(n=1), "exercise[2].id = 'a1': used twice"),
    (GOOD_HEAD + EX.format(n=1) + 'hint_nl = """Adem\nrustig"""\n',  # (said: too long)
     "exercise[1].hint_nl = 'Adem\\nrustig': must be one line of at most 120 characters"),
    (GOOD_HEAD + EX.format(n=1).replace('name_nl = "A"', 'name_nl = "A\\u0000"'),
     "exercise[1].name_nl = 'A\\x00': must be a name of 1 to 60 characters on one line"),
    (GOOD_HEAD + EX.format(n=1).replace('name_nl = "A"', 'name_nl = "   "'),
     "exercise[1].name_nl = '   ': must be a name of 1 to 60 characters on one line (no "
     "tabs, not only spaces)"),
    # (the value is cut in the message: a name one over did not say by how much)
    (GOOD_HEAD + EX.format(n=1).replace('name_nl = "A"', 'name_nl = "' + "x" * 61 + '"'),
     ": must be a name of 1 to 60 characters on one line (no tabs, not only spaces) "
     "(it has 61)"),
    (GOOD_HEAD + EX.format(n=1) + 'hint_en = "' + "y" * 130 + '"\n',
     ": must be one line of at most 120 characters (no tabs) (it has 130)"),
    (GOOD_HEAD, "no [[exercise]] tables"),
    (EX.format(n=1), "programme.name_nl: missing"),
    (GOOD_HEAD + "[[exercis]]\nid = \"x\"\n", "[exercis]: unknown section; did you mean"),
    (GOOD_HEAD + "[[exercise]\n", ":4: TOML syntax"),
    (GOOD_HEAD + EX.format(n=1).replace("[[exercise]]", "[exercise]")
     + EX.format(n=2).replace("[[exercise]]", "[exercise]"),  # ("keep one" lost exercises)
     ":9: TOML syntax: [exercise] is given twice: write [[exercise]], with two brackets, "
     "for each one"),
    # one [exercise] was "no [[exercise]] tables"; [[programme]] and programme = 1 were
    # "programme.name_nl: missing", with its names right under it
    (GOOD_HEAD + EX.format(n=1).replace("[[exercise]]", "[exercise]"),
     ":4: [exercise]: write [[exercise]], with two brackets, for each exercise"),
    (GOOD_HEAD.replace("[programme]", "[[programme]]") + EX.format(n=1),
     ":1: programme: must be one section [programme], with one bracket"),
    ("programme = 1\n" + EX.format(n=1),
     ":1: programme: must be one section [programme], with one bracket"),
    ("", "the file is empty"),
    (b"\xff\xfe\x00garbage", "not a text file"),
    # the main config's [pacer] keys in an exercise: "ratio: unknown key; did you mean
    # 'duration_s'?" told a therapist who wrote rate and ratio nothing of how to say them
    (GOOD_HEAD + EX.format(n=1) + "rate_bpm = 6\nratio = 2\n",
     ":10: exercise[1].ratio: not an exercise's key: an exercise gives its rhythm in seconds "
     "(inhale_s, hold_in_s, exhale_s, hold_out_s, start_ratio, progress_s); ratio is set in "
     "[pacer] of the main config, for every exercise with pacer = \"config\""),
    (GOOD_HEAD + EX.format(n=1) + 'pacer = "adaptive"\ntarget_ratio = 2.5\n',
     ":10: exercise[1].target_ratio: not an exercise's key: an exercise gives its rhythm in "
     "seconds (inhale_s, hold_in_s, exhale_s, hold_out_s, start_ratio, progress_s); "
     "target_ratio is set in [pacer] of the main config, for every exercise with pacer = "
     "\"config\" or \"adaptive\""),
    (GOOD_HEAD + EX.format(n=1) + 'mode = "adaptive"\n',
     ":9: exercise[1].mode: an exercise sets its pacer with pacer = \"fixed\", \"adaptive\", "
     "\"off\" or \"config\""),
])
def test_bad_programmes_give_clear_messages(tmp_path, text, expected):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_programme(p)
    messages = [str(x) for x in err.value.problems]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(str(p)) for m in messages)
    for x in err.value.problems:  # and each in Dutch, for the screen
        assert_dutch(x.message)


def test_unknown_programme_name_lists_the_available_ones(tmp_path):
    cfg = write(tmp_path, '[patient]\ncode = "X1"\n[programme]\nname = "klinic"\n',
                "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert str(err.value) == (f"{cfg}:4: programme.name = 'klinic': no such programme; "
                              "available: 'analysis', 'clinic', 'home'; did you mean 'clinic'?")


def test_a_programme_next_to_the_config_file_is_found(tmp_path):
    (tmp_path / "programs").mkdir()
    write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1), "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    prog = programme_for(load_config(cfg))
    assert prog.key == "mine" and prog.exercises[0].id == "a1"
    assert prog.exercises[0].cues is None and prog.exercises[0].cue_on("slower")


def test_no_praise_in_movement_and_load_exercises_unless_listed():
    from feedback.programme import SHIPPED, load_programme

    clinic = load_programme(SHIPPED / "clinic.toml", "clinic")
    kinds = {ex.kind: ex for ex in clinic.exercises}
    assert kinds["breathing"].cue_on("good") and kinds["breathing"].cue_on("slower")
    for kind in ("movement", "load"):
        assert not kinds[kind].cue_on("good") and kinds[kind].cue_on("breathe_on")
    listed = replace(kinds["movement"], cues=("good", "breathe_on"))
    assert listed.cue_on("good") and not listed.cue_on("slower")



@pytest.mark.parametrize("kind", ["movement", "load"])
def test_a_movement_or_load_exercise_left_to_its_kind_judges_no_breath_s_shape(kind):
    """A therapist's own movement or load exercise without a ``cues`` list: the trunk's
    movement reads as breaths 1.6-3.4 x deep and bends the ratio and the share, so only
    the hold warning, "slower" and the belt check are on (a calm patient squatting every
    6 s was told "Niet forceren" 1-3 times in 4 min, and "Adem langer uit" 1-3 times);
    listed, any cue is on. A breathing exercise left to its kind keeps them all."""
    ex = replace(next(e for e in load_programme(SHIPPED / "clinic.toml", "clinic").exercises
                      if e.kind == kind), cues=None)
    assert [c for c in CUE_KINDS if ex.cue_on(c)] == ["slower", "breathe_on", "check_belt"]
    assert replace(ex, cues=("dont_force",)).cue_on("dont_force")
    breathing = replace(ex, kind="breathing")
    assert [c for c in CUE_KINDS if breathing.cue_on(c)] == list(CUE_KINDS)


def test_a_calibration_gives_no_cues_but_the_belt_check_and_no_hold_warning_unless_asked(
        tmp_path):
    """It learns the normal breath: "Adem langer uit" came in a calibration written without
    ``cues``, judged against a normal breath not yet measured."""
    cal = EX.format(n=1) + 'kind = "calibration"\n'
    prog = load_programme(write(tmp_path, GOOD_HEAD + cal))
    (ex,) = prog.exercises
    assert ex.cues == ("check_belt",) and not ex.hold_warnings
    assert ex.cue_on("check_belt") and not ex.cue_on("longer_exhale")
    asked = cal + 'cues = ["check_belt", "slower"]\nhold_warnings = true\n'
    (ex,) = load_programme(write(tmp_path, GOOD_HEAD + asked)).exercises
    assert ex.cue_on("slower") and ex.hold_warnings and not ex.cue_on("breathe_on")
    (ex,) = load_programme(write(tmp_path, GOOD_HEAD + cal + "hold_warnings = true\n")).exercises
    assert ex.cue_on("breathe_on") and ex.cue_on("check_belt") and not ex.cue_on("slower")
    listed = cal + 'cues = ["check_belt", "breathe_on"]\n'  # (asked for by its cue alone)
    (ex,) = load_programme(write(tmp_path, GOOD_HEAD + listed)).exercises
    assert ex.hold_warnings and ex.cue_on("breathe_on")
    (ex,) = load_programme(write(tmp_path, GOOD_HEAD + EX.format(n=1))).exercises
    assert ex.cues is None and ex.cue_on("longer_exhale") and ex.hold_warnings  # the others


def test_a_calibration_runs_at_least_30_s_or_3_breaths(tmp_path):
    """Shorter, it ended before the normal breath was measured (one breath, 9 s in). It
    is raised, not refused: a programme written before must not stop the unit."""
    cal = EX.format(n=1) + 'kind = "calibration"\n'
    for given, want in (("duration_s = 60", (60.0, None)), ("duration_s = 10", (30.0, None)),
                        ("repetitions = 1", (None, 3)), ("repetitions = 5", (None, 5))):
        text = GOOD_HEAD + cal.replace("duration_s = 60", given)
        (ex,) = load_programme(write(tmp_path, text)).exercises
        assert (ex.duration_s, ex.repetitions) == want, given
    (ex,) = load_programme(write(tmp_path, GOOD_HEAD + EX.format(n=1).replace(
        "duration_s = 60", "repetitions = 1"))).exercises
    assert ex.repetitions == 1  # (another kind keeps what it was given)


def test_a_progression_start_from_the_main_config_is_said_there(tmp_path):
    """``[pacer] start_ratio`` with an exercise's own rhythm: the problem was said at the
    programme's ``hold_out_s`` line, which the therapist had not changed."""
    (tmp_path / "programs").mkdir()
    write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + 'pacer = "fixed"\n'
          "inhale_s = 2\nexhale_s = 3\nhold_out_s = 0.5\n", "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n[pacer]\nstart_ratio = 0.5\n',
                "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    (problem,) = err.value.problems
    assert str(problem).startswith(f"{cfg}:4: pacer.start_ratio = 0.5: with the rhythm of "
                                   "exercise[1] in mine.toml, its progression would start at "
                                   "5.5 s a breath")
    assert_dutch(problem.message)


@pytest.fixture
def locked_programs(tmp_path, monkeypatch):
    """``programs/`` beside the config, which cannot be entered (chmod 000; as root, whom
    permissions do not stop, looking into it is refused the way they would refuse it)."""
    import os

    programs = tmp_path / "programs"
    programs.mkdir()
    write(programs, GOOD_HEAD + EX.format(n=1), "clinic.toml")

    def lock():
        programs.chmod(0)
        if os.geteuid() == 0:
            real_stat = os.stat

            def stat(path, *args, **kwargs):
                if os.path.dirname(os.fspath(path)) == str(programs):
                    raise PermissionError(13, "Permission denied", os.fspath(path))
                return real_stat(path, *args, **kwargs)

            monkeypatch.setattr(os, "stat", stat)

    def unlock():
        monkeypatch.undo()
        programs.chmod(0o755)

    yield programs, lock, unlock
    unlock()


def test_a_programs_folder_that_cannot_be_entered_is_a_clear_problem_at_start(
        tmp_path, locked_programs, capsys):
    from feedback.cli import main

    programs, lock, _ = locked_programs
    cfg = write(tmp_path, '[patient]\ncode = "X1"\n', "ademcoach.toml")
    lock()
    assert main(["check-config", str(cfg)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{programs}: cannot look for programme 'clinic' here: Permission denied"]


def test_a_programs_folder_locked_while_running_keeps_the_last_good_programme(
        tmp_path, locked_programs):
    from feedback.reload import ConfigWatcher, Rejected, Reloaded, load_all

    programs, lock, unlock = locked_programs
    cfg = write(tmp_path, '[patient]\ncode = "X1"\n', "ademcoach.toml")
    settings, programme = load_all(cfg)
    assert programme.source == str(programs / "clinic.toml")
    w = ConfigWatcher(cfg, settings)
    assert w.poll(0.0) is None
    lock()
    r = w.poll(1.0)
    assert isinstance(r, Rejected)
    assert str(r.error) == f"{programs}: cannot look for programme 'clinic' here: " \
                           "Permission denied"
    assert w.current is settings
    assert w.poll(2.0) is None and w.poll(3.0) is None  # said once, not every second
    unlock()
    # Nothing changed meanwhile, but the rejection must go from the screen (it stayed
    # for good): the files are checked again and come back as good.
    r = w.poll(4.0)
    assert isinstance(r, Reloaded) and r.programme.source == str(programs / "clinic.toml")
    assert w.poll(4.5) is None
    write(programs, GOOD_HEAD + EX.format(n=1) + EX.format(n=2), "clinic.toml")
    assert w.poll(5.0) is None  # seen; read at the next look, if it stayed the same
    r = w.poll(6.0)
    assert isinstance(r, Reloaded) and [e.id for e in r.programme.exercises] == ["a1", "a2"]


def test_a_programme_that_is_a_broken_link_is_said_as_such(tmp_path):
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "mine.toml").symlink_to("/media/stick/mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert str(err.value) == (f"{tmp_path / 'programs' / 'mine.toml'}: is a link to "
                              "/media/stick/mine.toml, which is not there")
    assert_dutch(err.value.problems[0].message)


def test_a_programme_that_is_a_directory_is_said_as_such(tmp_path):
    from feedback.programme import available

    (tmp_path / "programs" / "p_dir.toml").mkdir(parents=True)
    cfg = write(tmp_path, '[programme]\nname = "p_dir"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert str(err.value) == (f"{tmp_path / 'programs' / 'p_dir.toml'}: is a directory, "
                              "not a programme file")
    assert said(err.value.problems[0].message, "nl") == "is een map, geen programmabestand"
    assert available(tmp_path) == ["analysis", "clinic", "home"]


@pytest.mark.parametrize("exercise, expected", [
    ('pacer = "off"\ninhale_s = 4\n',
     ":10: exercise[1].inhale_s: has no effect here: its pacer is off; leave it out"),
    ('pacer = "adaptive"\nstart_ratio = 1\n',
     ":10: exercise[1].start_ratio: has no effect here: only a fixed pacer has a progression"),
    ('kind = "calibration"\nprogress_s = 60\n',
     ":10: exercise[1].progress_s: has no effect here: a calibration has no pacer"),
    ('pacer = "fixed"\ninhale_s = 4\nexhale_s = 2\nstart_ratio = 3\nprogress_s = 600\n',
     ":13: exercise[1]: its progression takes 600 s (progress_s), longer than the "
     "exercise's 60 s: the pacer would never reach its exhale:inhale of 0.50"),
    ('pacer = "fixed"\ninhale_s = 1\nexhale_s = 2\nhold_out_s = 0\nstart_ratio = 4\n'
     'progress_s = 30\n', ":13: exercise[1]: a progression from exhale:inhale 4 would start "
     "at 3 s a breath (20/min) at exhale:inhale 4, leaves 0.6 s to breathe in"),
    ('pacer = "config"\nhold_in_s = 5\nhold_out_s = 5\n',
     ":11: exercise[1]: 10 s a breath (6/min) at exhale:inhale 1.5, with 10 s of pauses, "
     "leaves 0.0 s to breathe in and 0.0 s out"),
])
def test_an_exercise_whose_pacing_cannot_run_as_written_is_a_problem(tmp_path, exercise,
                                                                      expected):
    """Keys that do nothing where they stand, a progression longer than its exercise, and
    rhythms with too little time to breathe in or out (they ran, quietly clamped)."""
    (tmp_path / "programs").mkdir()
    prog = write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + exercise, "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n[pacer]\npattern = "rate"\n',
                "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert len(err.value.problems) == 1
    assert str(err.value.problems[0]).startswith(f"{prog}{expected}")
    assert_dutch(err.value.problems[0].message)



@pytest.mark.parametrize("exercise", ['pacer = "adaptive"\nstart_ratio = 1\n',
                                      'pacer = "adaptive"\nexhale_s = 15\n'])
def test_the_dutch_calls_an_exercise_s_adaptive_pacer_as_the_files_do(tmp_path, exercise):
    """The files call it "adaptive" and the Dutch comments the "adaptieve ademgids"; the
    problems called it "meegaand"."""
    (tmp_path / "programs").mkdir()
    write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + exercise, "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    dutch = " ".join(said(p.message, "nl") for p in err.value.problems)
    assert "adaptieve" in dutch and "meegaand" not in dutch, dutch

@pytest.mark.parametrize("main", ['[pacer]\nmode = "off"\n', '[pacer]\nmode = "adaptive"\n',
                                  "[pacer]\nstart_ratio = 1.0\nprogress_s = 240\n"])
def test_keys_kept_for_the_main_configs_pacer_are_no_problem(tmp_path, main):
    """An exercise that follows the main config's pacer keeps its rhythm and progression
    for when that pacer is on; a progression set in the main config may outlast a short
    exercise. Neither may stop the unit from starting (a review found both refused)."""
    (tmp_path / "programs").mkdir()
    write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + 'pacer = "config"\n'
          'inhale_s = 4\nexhale_s = 6\nstart_ratio = 1\nprogress_s = 30\n', "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n' + main, "ademcoach.toml")
    assert programme_for(load_config(cfg)).exercises[0].pacer == "config"
    shipped = write(tmp_path, main.replace('mode = "off"', 'mode = "fixed"'), "clinic.toml")
    assert programme_for(load_config(shipped)).key == "clinic"


@pytest.mark.parametrize("name", ["clinic", "home", "analysis"])
def test_the_shipped_hints_speak_to_the_patient_in_both_languages_alike(name):
    """A hint that says "your" in English says "je" in Dutch: the ribs exercise said "Hands
    on your ribs" and "Handen op de ribben" (beside "Hand op je buik"). And the lifting
    hint's "don't hold" said not what (the breath)."""
    import re

    programme = load_programme(SHIPPED / f"{name}.toml", name)
    for ex in programme.exercises:
        en, nl = ex.hint("en"), ex.hint("nl")
        assert bool(re.search(r"\byou(r)?\b", en, re.I)) == bool(re.search(r"\bje\b", nl)), (
            en, nl)
        assert not re.search(r"\bhold\b(?! your breath)", en), en


def test_check_config_says_an_exercise_s_pacing_problems_beside_another_s_key_problems(
        tmp_path):
    """Every problem in one pass: a typo in one exercise hid the pacing problems of the
    others (a key without effect, an adaptive pacer's exhale over its limit), which came
    only once the typo was fixed."""
    (tmp_path / "programs").mkdir()
    prog = write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + "hold_afer_s = 4\n"
                 + EX.format(n=2) + 'pacer = "off"\ninhale_s = 3\n'
                 + EX.format(n=3) + 'pacer = "adaptive"\nexhale_s = 11\n'
                 'hold_out_s = 0\n', "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    messages = [str(p) for p in err.value.problems]
    assert messages == [
        f"{prog}:9: exercise[1].hold_afer_s: unknown key; did you mean 'hold_after_s'?",
        f"{prog}:16: exercise[2].inhale_s: has no effect here: its pacer is off; leave it out",
        f"{prog}:23: exercise[3]: an adaptive pacer's exhale of 11 s is longer than "
        "pacer.max_exhale_s = 10"], messages
    for p in err.value.problems:
        assert_dutch(p.message)


def test_a_typo_in_a_later_exercise_is_said_after_an_earlier_one_s_pacing(tmp_path):
    """The problems of one pass come in file order: a pacing problem of the first exercise
    before a typo in the third, though the typos are found first."""
    (tmp_path / "programs").mkdir()
    prog = write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + 'pacer = "off"\n'
                 'inhale_s = 3\n' + EX.format(n=2) + EX.format(n=3) + "hold_afer_s = 4\n",
                 "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert [str(p) for p in err.value.problems] == [
        f"{prog}:10: exercise[1].inhale_s: has no effect here: its pacer is off; leave it out",
        f"{prog}:21: exercise[3].hold_afer_s: unknown key; did you mean 'hold_after_s'?"]


@pytest.mark.parametrize("where", ["mine.toml", "program/mine.toml", "Programs/mine.toml",
                                   "programma/mine.toml"])
def test_a_programme_in_the_wrong_folder_is_pointed_to(tmp_path, where):
    """A programme written beside the config, or in a folder not named ``programs``, was
    "no such programme; available: 'analysis', 'clinic', 'home'", with nothing said of where it must
    be."""
    (tmp_path / where).parent.mkdir(exist_ok=True)
    write(tmp_path, GOOD_HEAD + EX.format(n=1), where)
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    (problem,) = err.value.problems
    assert str(problem) == (
        f"{cfg}:2: programme.name = 'mine': no such programme; available: 'analysis', "
        "'clinic', 'home'; "
        f"{tmp_path / where} is not where programmes are looked for: move it to "
        f"{tmp_path / 'programs' / 'mine.toml'}")
    assert_dutch(problem.message)
    assert "verplaats het naar" in said(problem.message, "nl")


def test_an_unknown_programme_says_where_one_s_own_goes(tmp_path):
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert str(err.value) == (
        f"{cfg}:2: programme.name = 'mine': no such programme; available: 'analysis', "
        "'clinic', 'home'; "
        f"a programme of your own goes in {tmp_path / 'programs' / 'mine.toml'}")


def test_a_problem_in_the_main_config_does_not_hide_the_programme_s(tmp_path):
    """A therapist who changed both files and made a slip in each was told only of the main
    config's; the programme's problems came after that was fixed."""
    from feedback.reload import load_all

    (tmp_path / "programs").mkdir()
    prog = write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1) + 'kind = "lifting"\n',
                 "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n[pacer]\nexhale_s = 40\n',
                "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        load_all(cfg)
    assert [str(p) for p in err.value.problems] == [
        f"{cfg}:4: pacer.exhale_s = 40: must be between 2 and 20 seconds",
        f"{prog}:9: exercise[1].kind = 'lifting': must be one of 'calibration', 'breathing', "
        "'movement', 'load'"]
    with pytest.raises(ConfigError) as err:  # (a programme that is right adds nothing)
        load_all(write(tmp_path, '[pacer]\nexhale_s = 40\n', "shipped.toml"))
    assert len(err.value.problems) == 1


@pytest.mark.parametrize("name", ['"mine"', "5", '"../mine"'])
def test_a_problem_in_the_main_config_beside_a_programme_not_to_be_found_is_said(tmp_path,
                                                                                   name):
    """A config with a problem of its own that chooses no programme that can be looked up
    (none of that name, a name that is no text or no name) is still a line per problem,
    the config's first, not a traceback."""
    from feedback.reload import load_all

    cfg = write(tmp_path, f"[programme]\nname = {name}\n[pacer]\nexhale_s = 40\n",
                "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        load_all(cfg)
    said = [str(p) for p in err.value.problems]
    assert f"{cfg}:4: pacer.exhale_s = 40: must be between 2 and 20 seconds" in said
    assert all(line.startswith(f"{cfg}:") for line in said), said


@pytest.mark.parametrize("line, expected", [
    ('cues = ["breathe_on", "slowr"]\n',
     "exercise[1].cues = ['breathe_on', 'slowr']: item 2: must be one of 'longer_exhale', "
     "'slower', 'breathe_on', 'dont_force', 'belly', 'good', 'check_belt'; did you mean "
     "'slower'?"),
    ('pacer = "adaptief"\n', "exercise[1].pacer = 'adaptief': must be one of 'config', "
     "'fixed', 'adaptive', 'off'; did you mean 'adaptive'?"),
    ('pacer = "uit"\n', "; did you mean 'off'?"),
    ('kind = "bewegen"\n', "; did you mean 'movement'?"),
    ('kind = "tillen"\n', "; did you mean 'load'?"),
    ("soort = \"load\"\n", "exercise[1].soort: unknown key; did you mean 'kind'?"),
    ("herhalingen = 10\n", "exercise[1].herhalingen: unknown key; did you mean "
     "'repetitions'?"),
    ("ademgids = \"off\"\n", "exercise[1].ademgids: unknown key; did you mean 'pacer'?"),
])
def test_a_misspelt_or_dutch_name_is_met_with_the_one_meant(tmp_path, line, expected):
    """A cue, kind or pacer misspelt, or a key or value written in Dutch (the comments
    explain them in Dutch): the rule alone was said, not which name was meant."""
    p = write(tmp_path, GOOD_HEAD + EX.format(n=1) + line)
    with pytest.raises(ConfigError) as err:
        load_programme(p)
    messages = [str(x) for x in err.value.problems]
    assert any(m.endswith(expected) for m in messages), messages
    for x in err.value.problems:
        assert_dutch(x.message)


def test_a_dutch_key_in_the_main_config_is_met_with_the_one_meant(tmp_path):
    cfg = write(tmp_path, '[patient]\ntaal = "en"\n', "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert str(err.value) == f"{cfg}:2: patient.taal: unknown key; did you mean 'language'?"


def test_duration_and_repetitions_both_given_is_said_at_the_second(tmp_path):
    """Both were said at the [[exercise]] line, as if neither had been given."""
    p = write(tmp_path, GOOD_HEAD + EX.format(n=1) + "pacer = \"off\"\nrepetitions = 12\n"
              + EX.format(n=2).replace("duration_s = 60\n", ""))
    with pytest.raises(ConfigError) as err:
        load_programme(p)
    assert [str(x) for x in err.value.problems] == [
        f"{p}:10: exercise[1].repetitions = 12: give either duration_s or repetitions (one of "
        "the two), not both: duration_s = 60 is given too",
        f"{p}:11: exercise[2]: give either duration_s or repetitions (one of the two): "
        "neither is given"]
    for x in err.value.problems:
        assert_dutch(x.message)


def test_repetitions_given_before_duration_is_said_at_duration_s(tmp_path):
    """The second of the two in the file is where it is said, in either order."""
    p = write(tmp_path, GOOD_HEAD + EX.format(n=1).replace("duration_s = 60\n", "")
              + 'pacer = "off"\nrepetitions = 12\nduration_s = 60\n')
    with pytest.raises(ConfigError) as err:
        load_programme(p)
    assert [str(x) for x in err.value.problems] == [
        f"{p}:10: exercise[1].duration_s = 60: give either duration_s or repetitions (one of "
        "the two), not both: repetitions = 12 is given too"]


def test_each_dutch_name_points_to_a_name_the_files_know():
    """A Dutch name whose meant name the files do not have (a slip such as 'duration' for
    duration_s) gave no hint, or a guess, and nothing said so."""
    from feedback.config_rules import DUTCH_NAMES, Choice
    from feedback.config_schema import SCHEMA
    from feedback.programme import EXERCISE_SCHEMA, HEAD_SCHEMA

    known = {*SCHEMA, "exercise"}  # (the sections, and the programme file's [[exercise]])
    for schema in (*SCHEMA.values(), HEAD_SCHEMA, EXERCISE_SCHEMA):
        known |= set(schema)
        known |= {c for rule in schema.values() if isinstance(rule, Choice)
                  for c in rule.choices if isinstance(c, str)}
    assert {dutch: meant for dutch, meant in DUTCH_NAMES.items() if meant not in known} == {}
    assert [dutch for dutch in DUTCH_NAMES if dutch != dutch.lower()] == []  # (looked up so)


@pytest.mark.parametrize("name", ["clinic", "home", "analysis"])
def test_shipped_programmes_say_breathe_in_and_out_in_english_as_the_screen_does(name):
    """The English screen tells the patient "Breathe in", "Breathe out", "Breathe out
    longer"; the shipped programmes' English names and hints said "exhale on effort" and
    "exhale longer than inhale" on the same screen, where the Dutch says "uitademen" and
    "langer uit dan in", the plain words. No English text a patient reads uses the clinical
    terms."""
    import re

    from feedback import i18n

    clinical = re.compile(r"\b(in|ex)hal(e|es|ed|ing|ation)\b", re.IGNORECASE)
    prog = load_programme(SHIPPED / f"{name}.toml", name)
    shown = [prog.name("en")] + [t for e in prog.exercises for t in (e.name("en"), e.hint("en"))]
    # (the screen's own strings; state.* are the terminal status line's phase names)
    shown += [s for k, s in i18n.STRINGS["en"].items() if not k.startswith("state.")]
    assert not [s for s in shown if clinical.search(s)]
