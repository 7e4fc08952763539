import subprocess
import sys

import pytest

from feedback import __version__
from feedback.cli import main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("run", "analyze", "check-config", "hw-check", "render", "report", "export",
                "wipe"):
        assert cmd in out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"ademcoach {__version__}"


def test_no_command_is_one_line_on_stderr_and_exit_2(capsys):
    assert main([]) == 2
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err == ("ademcoach: give a command: run, analyze, check-config, hw-check, "
                        "render, report, export, wipe (see ademcoach --help)\n")


@pytest.mark.parametrize("argv", [["check-config", ""], ["check-config", " "],
                                  ["report", "--config", ""], ["wipe", "--yes", "--config", ""],
                                  ["analyze", "x.csv", "--config", ""]])
def test_an_empty_config_path_is_refused_not_taken_for_the_default(argv, capsys, tmp_path,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (f"ademcoach {argv[0]}: the config file name is empty: give a path, or "
                   "leave it out for the default\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, what", [
    (["run", "--sim", "", "--headless"], "--sim"),  # (ran the real hardware)
    (["export", ""], "DIR"),  # (exported into the current directory)
    (["report", "--out", " "], "--out"),
    (["run", "--sim", "calm", "--events", ""], "--events"),
    (["analyze", ""], "RECORDING.csv"),
])
def test_an_empty_path_or_name_is_refused_not_taken_for_another(argv, what, capsys, tmp_path,
                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert capsys.readouterr().err == (f"ademcoach {argv[0]}: argument {what}: must not be "
                                       f"empty (see ademcoach {argv[0]} --help)\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x", "x.jpg", "x.tga"])
def test_render_writes_png_only(name, capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        main(["render", "hold", "--out", str(tmp_path / name)])
    assert e.value.code == 2
    assert "give a file name ending in .png" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_help_says_the_formats_defaults_and_choices(capsys):
    from feedback.render import SCREENS

    def help_of(*argv):
        with pytest.raises(SystemExit):
            main([*argv, "--help"])
        return "".join(capsys.readouterr().out.split())  # wrapped anywhere, even at a "-"

    render = help_of("render")
    assert ",".join(SCREENS[:-1]) + "or" + SCREENS[-1] in render
    assert "default800x480" in render
    assert "--configFILEconfigfilewhoseprogramme(names,hints),language" in render
    report = help_of("report")
    assert "YYYY-MM-DD" in report and "default:./ademcoach-report" in report
    assert "FILE.csv" in help_of("run")


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "--duration", "-3"])
    assert e.value.code == 2
    assert "must be more than 0" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["hw-check", "--timeout", "inf"],
                                  ["run", "--duration", "Infinity"]])
def test_an_endless_time_is_refused(argv, capsys):
    """hw-check --timeout inf would wait for a button press for ever."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert f"{argv[2]!r} must be a number of seconds" in capsys.readouterr().err


def test_check_config_ok_and_bad(tmp_path, capsys, repo):
    assert main(["check-config", str(repo / "config" / "ademcoach.toml")]) == 0
    out = capsys.readouterr().out
    assert "OK" in out
    # each exercise as it will run: the clinic's belly breathing is 3.5 s in, 7 s out and
    # the 1 s pause of the main config, so 60 / 11.5 = 5.2/min and 2.29 as measured
    # (its ratio rises from 1:1 over the first 3 minutes: the listing said only 2.00)
    assert ("    belly_lying: breathing, 300 s, fixed pacer 3.5 s in, 7 s out + 1 s pause = "
            "5.2/min, exhale:inhale 2.00 as set (rising from 1.00 over the first 180 s, at "
            "the same rate: it starts at 5.2 s in, 5.2 s out + 1 s pause), 2.29 as measured "
            "(pauses counted), hold warning after 8 s, 'slower' above 8.2/min (with the pacer: "
            "1.5 x its rate, at least 3/min above it; [cues] slower_above_bpm 16/min is higher)"
            ) in out.splitlines()
    assert ("    ribs: breathing, 180 s, fixed pacer 4 s in, 6 s out + 1 s pause = 5.5/min, "
            "exhale:inhale 1.50 as set, 1.75 as measured (pauses counted), hold warning "
            "after 8 s, 'slower' above 8.5/min (with the pacer: 1.5 x its rate, at least "
            "3/min above it; [cues] slower_above_bpm 16/min is higher)") in out.splitlines()
    # the movement and lifting exercises' own rate limit for "slower"; lifting's 3 s is
    # for a breath held in: after a breath out, where people rest, never under 4 s
    assert ("    movement: movement, 240 s, no pacer, hold warning after 4 s, 'slower' above "
            "22/min") in out.splitlines()
    assert ("    lifting: load, 12 breaths, no pacer, hold warning after 3 s (4 s after a "
            "breath out), 'slower' above 22/min") in out.splitlines()
    adaptive = tmp_path / "adaptive.toml"
    adaptive.write_text('[pacer]\nmode = "adaptive"\n')
    assert main(["check-config", str(adaptive)]) == 0
    assert ("    ribs: breathing, 180 s, adaptive pacer: from the patient's own rhythm (until "
            "it is known 4 s in, 6 s out + 1 s pause = 5.5/min) towards 6/min and "
            "exhale:inhale 2.00, at the patient's own rate where that is slower; the "
            "exhale at most 10 s, in steps of 0.5 s, hold warning after 8 s, 'slower' above 16/min "
            "or 1.5 x the pacer's rate where lower"
            ) in capsys.readouterr().out.splitlines()
    # a target the limits hold back is said as the unit will run it (it said "3/min")
    adaptive.write_text('[pacer]\nmode = "adaptive"\nmin_rate_bpm = 3\nmax_exhale_s = 12\n'
                        'target_rate_bpm = 3\ntarget_ratio = 2.5\n')
    assert main(["check-config", str(adaptive)]) == 0
    assert (") towards 3.3/min and exhale:inhale 2.21 (target_rate_bpm 3 and target_ratio 2.50 "
            "held to max_exhale_s and min_rate_bpm), at the patient's own rate where that is "
            "slower; "
            ) in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[pacer]\nexhale_s = 40\n[ring]\npixel = 3\n")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{bad}:2: pacer.exhale_s = 40: must be between 2 and 20 seconds"
    assert err[1] == f"{bad}:4: ring.pixel: unknown key; did you mean 'pixels'?"
    assert "2 problems" in err[2]


def test_console_script_runs_without_traceback(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_bytes(b"\x00\x01garbage")
    r = subprocess.run([sys.executable, "-m", "feedback.cli", "check-config", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "not a text file" in r.stderr


def test_render_takes_the_screen_sizes_the_unit_supports(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["render", "summary", "--out", str(out), "--size", "320x240"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--size '320x240': must be from 480x320 to 1920x1080")
    assert main(["render", "summary", "--out", str(out), "--size", "1920x1080"]) == 0


@pytest.mark.parametrize("argv, said", [
    (["analyze", "x.csv", "--chanel", "belt"],
     "ademcoach analyze: unrecognized arguments: --chanel belt (see ademcoach analyze --help)"),
    (["run", "--speed", "fast"],
     "ademcoach run: argument --speed: invalid float value: 'fast' (see ademcoach run --help)"),
    (["frobnicate"], "ademcoach: argument COMMAND: invalid choice: 'frobnicate'"),
])
def test_a_mistyped_command_line_is_one_line_and_exit_2(argv, said, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith(said), err


def test_check_config_lists_what_the_exercises_really_do(tmp_path, capsys):
    """A calibration given in breaths is listed (it raised a TypeError); a hold warning
    the cues switch off is not promised; a ratio that falls is not called rising."""
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "clinic.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n\n'
        '[[exercise]]\nid = "cal"\nname_nl = "K"\nname_en = "C"\nkind = "calibration"\n'
        'repetitions = 3\nhold_warnings = true\n\n'
        '[[exercise]]\nid = "cal2"\nname_nl = "K2"\nname_en = "C2"\nkind = "calibration"\n'
        'duration_s = 60\n\n'
        '[[exercise]]\nid = "quiet"\nname_nl = "S"\nname_en = "Q"\nkind = "breathing"\n'
        'duration_s = 120\npacer = "off"\ncues = ["slower"]\nhold_after_s = 3\n\n'
        '[[exercise]]\nid = "down"\nname_nl = "D"\nname_en = "D"\nkind = "breathing"\n'
        'duration_s = 120\npacer = "fixed"\ninhale_s = 4\nexhale_s = 4\nstart_ratio = 2\n'
        'progress_s = 60\n')
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "clinic"\n')
    assert main(["check-config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert ("    cal: calibration, until the breath is measured, at most 3 breaths, no pacer, "
            "hold warning after 4 s") in out
    assert ("    cal2: calibration, until the breath is measured, at most 60 s of measuring, "
            "no pacer, no hold warning") in out  # (not asked for: a calibration's default)
    assert ("    quiet: breathing, 120 s, no pacer, no hold warning (breathe_on is not in "
            "its cues; holds are recorded), 'slower' above 16/min") in out
    assert any(line.startswith("    down:") and "(falling from 2.00 over the first 60 s"
               in line for line in out)
    cfg.write_text('[programme]\nname = "clinic"\n[cues]\nbreathe_on = false\n')
    assert main(["check-config", str(cfg)]) == 0
    assert ("    cal: calibration, until the breath is measured, at most 3 breaths, no pacer, "
            "no hold warning ([cues] breathe_on = false; holds are recorded)"
            ) in capsys.readouterr().out.splitlines()


def test_check_config_lists_a_rhythm_in_tenths_of_a_second_and_where_a_progression_starts(
        tmp_path, capsys):
    """A rhythm given as a rate and a ratio was listed to five decimals ("3.29193 s in,
    4.2795 s out"); a progression from 1.3 to 4 s in, 8 s out at the same rate starts at
    5.2 s in, not the 4 s the therapist wrote, and the listing did not say so."""
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "home.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n\n'
        '[[exercise]]\nid = "belly"\nname_nl = "B"\nname_en = "B"\nkind = "breathing"\n'
        'duration_s = 300\npacer = "config"\n\n'
        '[[exercise]]\nid = "longer"\nname_nl = "L"\nname_en = "L"\nkind = "breathing"\n'
        'duration_s = 300\npacer = "fixed"\ninhale_s = 4\nexhale_s = 8\nhold_out_s = 1\n'
        'start_ratio = 1.3\nprogress_s = 240\n')
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "home"\n[pacer]\npattern = "rate"\nrate_bpm = 7\n'
                   'ratio = 1.3\n')
    assert main(["check-config", str(cfg)]) == 0
    out = {line.split(":")[0].strip(): line for line in capsys.readouterr().out.splitlines()}
    assert ("belly: breathing, 300 s, fixed pacer 3.3 s in, 4.3 s out + 1 s pause = 7.0/min, "
            "exhale:inhale 1.30 as set, 1.60 as measured") in out["belly"], out["belly"]
    assert ("fixed pacer 4 s in, 8 s out + 1 s pause = 4.6/min, exhale:inhale 2.00 as set "
            "(rising from 1.30 over the first 240 s, at the same rate: it starts at 5.2 s in, "
            "6.8 s out + 1 s pause), 2.25 as measured") in out["longer"], out["longer"]


def test_check_config_lists_the_cues_of_each_exercise(tmp_path, capsys):
    """The listing said only the hold warning: which cues an exercise without ``cues``
    gives, that ``belly`` needs two belts, or that a hold in a squat is not always found,
    a therapist learnt only on the unit."""
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "visit.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n\n'
        '[[exercise]]\nid = "cal"\nname_nl = "K"\nname_en = "C"\nkind = "calibration"\n'
        'duration_s = 60\n\n'
        '[[exercise]]\nid = "belly"\nname_nl = "B"\nname_en = "B"\nkind = "breathing"\n'
        'duration_s = 300\n\n'
        '[[exercise]]\nid = "squats"\nname_nl = "S"\nname_en = "S"\nkind = "movement"\n'
        'duration_s = 60\npacer = "off"\n\n'
        # (one movement exercise that only records holds beside one that warns: warned)
        '[[exercise]]\nid = "walk"\nname_nl = "W"\nname_en = "W"\nkind = "movement"\n'
        'duration_s = 60\npacer = "off"\ncues = ["check_belt"]\n')
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "visit"\n[cues]\ndont_force = false\n')
    assert main(["check-config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    at = {line.split(":")[0].strip(): i for i, line in enumerate(out)}
    assert out[at["cal"] + 1] == "      cues: check_belt"
    assert out[at["belly"] + 1] == ("      cues: longer_exhale, slower, breathe_on, belly (not "
                                    "with one belt), good, check_belt ([cues] switches off "
                                    "dont_force)")
    # (a movement exercise left to its kind judges no breath's shape: no dont_force to
    # switch off)
    assert out[at["squats"] + 1] == "      cues: slower, breathe_on, check_belt"
    assert ("    movement and load: a hold during squats, bending or lifting is not always "
            "found, and such movement can be warned as one (docs/analysis.md, known limits): "
            "watch the patient") in out
    cfg.write_text('[programme]\nname = "visit"\n[sensor]\nbelts = ["chest", "belly"]\n'
                   'channels = ["A0", "A1"]\n')
    assert main(["check-config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[at["belly"] + 1] == ("      cues: longer_exhale, slower, breathe_on, dont_force, "
                                    "belly, good, check_belt")


def test_check_config_takes_the_first_analysis_and_says_its_holds_are_only_recorded(
        tmp_path, capsys, repo):
    """The shipped config set to the first analysis (``[programme] name = "analysis"``):
    every exercise without a pacer, recording holds without a warning, and the movement
    limit recalled for holds recorded as for holds warned (it was said only where a
    movement exercise warned: the hold count of squats was read as complete)."""
    text = (repo / "config" / "ademcoach.toml").read_text(encoding="utf-8")
    assert 'name = "clinic"' in text
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text(text.replace('name = "clinic"', 'name = "analysis"', 1), encoding="utf-8")
    assert main(["check-config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("  programme 'analysis' (") and out[1].endswith("analysis.toml):")
    listed = {line.split(":")[0].strip(): line.split(": ", 1)[1] for line in out[2:10]}
    recorded = "no hold warning (breathe_on is not in its cues; holds are recorded)"
    assert listed == {
        "calibration": "calibration, until the breath is measured, at most 60 s of measuring, "
                       "no pacer, no hold warning",
        "own_lying": f"breathing, 120 s, no pacer, {recorded}",
        "own_upright": f"breathing, 60 s, no pacer, {recorded}",
        "own_moving": f"movement, 120 s, no pacer, {recorded}",
        "cues": "check_belt"}
    assert out.count("      cues: check_belt") == 4
    assert ("    movement and load: a hold during squats, bending or lifting is not always "
            "found, and such movement can be recorded as one (docs/analysis.md, known "
            "limits): watch the patient") in out


def test_check_config_says_the_rate_limit_a_paced_exercise_really_has(tmp_path, capsys):
    """An exercise's own ``slower_above_bpm`` above what its pacer allows (1.5 x its rate,
    at least 3/min above it) is not what the unit cues at: "'slower' above 30/min" was
    said for a 5.5/min pacer, which cues "Rustiger ademen" above 8.5/min."""
    (tmp_path / "programs").mkdir()
    ex = ('[[exercise]]\nid = "{id}"\nname_nl = "{id}"\nname_en = "{id}"\nkind = "breathing"\n'
          'duration_s = 120\npacer = "{pacer}"\ninhale_s = 4\nexhale_s = 6\n'
          'slower_above_bpm = {bpm}\n\n')
    (tmp_path / "programs" / "clinic.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n\n'
        + ex.format(id="high", pacer="fixed", bpm=30)
        + ex.format(id="low", pacer="fixed", bpm=7)
        + ex.format(id="free", pacer="adaptive", bpm=30))
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "clinic"\n')
    assert main(["check-config", str(cfg)]) == 0
    out = {line.split(":")[0].strip(): line for line in capsys.readouterr().out.splitlines()}
    assert out["high"].endswith("hold warning after 4 s, 'slower' above 8.5/min (with the "
                                "pacer: 1.5 x its rate, at least 3/min above it; the "
                                "exercise's 30/min is higher)"), out["high"]
    assert out["low"].endswith("hold warning after 4 s, 'slower' above 7/min"), out["low"]
    assert out["free"].endswith("'slower' above 30/min or 1.5 x the pacer's rate where "
                                "lower"), out["free"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_check_config_notes_a_hint_given_in_one_language_only(tmp_path, capsys, lang):
    """A programme written with hint_nl only, on a unit set to English: its screen showed
    no hint and check-config said nothing. Now a note says which exercise and which key
    to add (an exercise with both hints, or none, gets no note)."""
    (tmp_path / "programs").mkdir()
    ex = '[[exercise]]\nid = "{}"\nname_nl = "N"\nname_en = "N"\nduration_s = 60\n{}\n'
    (tmp_path / "programs" / "mine.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n\n'
        + ex.format("squat", 'hint_nl = "Blijf ademen bij het zakken"')
        + ex.format("walk", 'hint_en = "Breathe on while you walk"')
        + ex.format("both", 'hint_nl = "a"\nhint_en = "b"') + ex.format("none", ""))
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text(f'[programme]\nname = "mine"\n[patient]\nlanguage = "{lang}"\n')
    assert main(["check-config", str(cfg)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "note:" in line]
    here = " (this config's language)"
    assert notes == [
        "  note: exercise 'squat' has a hint in Dutch only (hint_nl): on a screen in English"
        f"{here if lang == 'en' else ''} it shows none; add hint_en",
        "  note: exercise 'walk' has a hint in English only (hint_en): on a screen in Dutch"
        f"{here if lang == 'nl' else ''} it shows none; add hint_nl"]
    for shipped in ("clinic", "home", "analysis"):  # (the shipped programmes have every hint twice)
        cfg.write_text(f'[programme]\nname = "{shipped}"\n')
        (tmp_path / "programs" / "mine.toml").unlink(missing_ok=True)
        assert main(["check-config", str(cfg)]) == 0
        assert "hint in" not in capsys.readouterr().out


def test_check_config_notes_a_data_dir_the_service_cannot_record_in(tmp_path, capsys):
    """A data_dir outside /var/lib/ademcoach was said OK, and the service (which may write
    only there, and whose /tmp is emptied at every restart) then lost every session. It is
    still OK (the file may be for a development machine), with a note that says why."""
    cfg = tmp_path / "ademcoach.toml"
    for data_dir, noted in [("/tmp/sessions", True), ("/home/therapist/ademcoach", True),
                            ("/var/lib/ademcoach/../other", True),
                            ("/var/lib/ademcoach", False), ("/var/lib/ademcoach/clinic", False),
                            ("", False)]:
        cfg.write_text(f'[records]\ndata_dir = "{data_dir}"\n')
        assert main(["check-config", str(cfg)]) == 0
        notes = [line for line in capsys.readouterr().out.splitlines() if "note:" in line]
        assert bool(notes) == noted, (data_dir, notes)
        if noted:
            assert notes == [f"  note: records.data_dir = {data_dir!r} is outside "
                             "/var/lib/ademcoach: the service (ademcoach.service) cannot keep "
                             "records there (it may write only below /var/lib/ademcoach; its "
                             "/tmp is emptied at every restart)"]
