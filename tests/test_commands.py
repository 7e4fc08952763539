"""The plumbing of report, export and wipe: which config, which records, which files."""

import io
import os
import sqlite3
import subprocess

import pytest

from feedback import events as ev
from feedback.cli import main
from feedback.clock import VirtualClock
from feedback.records import Records
from feedback.store import DB_NAME

DAY0 = 1_760_000_000.0


def _session(data, code="AB12"):
    rec = Records(data, clock=VirtualClock(1000.0))
    rec.start_session(code, "home", "", DAY0)
    rec.add(ev.Breath(1010.0, start=1005.0, peak=1007.0, end=1010.0, inhale_s=2.0,
                      exhale_s=3.0, rate_bpm=12.0))
    rec.end_session("duration")
    assert rec.close() == 0


def _count(data) -> int:
    conn = sqlite3.connect(data / DB_NAME)
    try:
        return conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def two_dirs(tmp_path, monkeypatch):
    """The patient's records where the config says, and others in the default directory."""
    patient, default = tmp_path / "patient", tmp_path / "xdg" / "ademcoach"
    _session(patient, "AB12")
    _session(default, "ZZ99")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("ADEMCOACH_CONFIG", raising=False)
    return patient, default


def _bad_configs(tmp_path, patient):
    typo = tmp_path / "typo.toml"
    typo.write_text(f'[records]\ndata_dir = "{patient}"\ndat_dir = "x"\n')
    only_unknown = tmp_path / "unknown.toml"
    only_unknown.write_text('[records]\ndat_dir = "x"\n')
    return {
        "typo": (["--config", str(typo)], {}, f"{typo}:3: records.dat_dir: unknown key"),
        "only an unknown key": (["--config", str(only_unknown)], {},
                                f"{only_unknown}:2: records.dat_dir: unknown key"),
        "missing": (["--config", str(tmp_path / "nonexist.toml")], {},
                    f"{tmp_path / 'nonexist.toml'}: no such file"),
        "bad env": ([], {"ADEMCOACH_CONFIG": str(tmp_path / "nope.toml")},
                    f"{tmp_path / 'nope.toml'}: no such file"),
    }


@pytest.mark.parametrize("which", ["typo", "only an unknown key", "missing", "bad env"])
@pytest.mark.parametrize("command", ["wipe", "report", "export"])
def test_a_config_that_does_not_load_stops_the_command_and_touches_no_records(
        two_dirs, tmp_path, monkeypatch, capsys, command, which):
    patient, default = two_dirs
    opts, env, said = _bad_configs(tmp_path, patient)[which]
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    stick = tmp_path / "stick"
    stick.mkdir()
    out = tmp_path / "out"
    argv = {"wipe": ["wipe", "--yes"], "report": ["report", "--out", str(out)],
            "export": ["export", str(stick)]}[command] + opts
    before = {p: p.read_bytes() for d in (patient, default) for p in d.rglob("*") if p.is_file()}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"ademcoach {command}: {said}"), err
    assert _count(patient) == 1 and _count(default) == 1
    assert {p: p.read_bytes() for d in (patient, default) for p in d.rglob("*")
            if p.is_file()} == before  # no export note either
    assert not out.exists() and list(stick.iterdir()) == []


def test_a_stick_config_is_not_installed_at_a_mistyped_config_path(two_dirs, tmp_path,
                                                                   capsys):
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text('[pacer]\nexhale_s = 8.0\n')
    typo = tmp_path / "etc" / "ademcoach.tolm"
    assert main(["export", str(stick), "--config", str(typo)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"ademcoach export: {typo}: no such file"
    assert not typo.exists() and not typo.parent.exists()
    assert [p.name for p in stick.iterdir()] == ["ademcoach.toml"]


def test_a_stick_config_replaces_a_broken_one_and_the_export_goes_on(two_dirs, tmp_path,
                                                                     capsys):
    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    broken = f'[records]\ndata_dir = "{patient}"\n[pacer]\nexhale_s = 40\n'
    cfg.write_text(broken)
    stick = tmp_path / "stick"
    stick.mkdir()
    good = f'[records]\ndata_dir = "{patient}"\n'
    (stick / "ademcoach.toml").write_text(good)
    cfg.chmod(0o640)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "exported 1 session " in out and "previous kept as unit.toml.bak" in out
    assert cfg.stat().st_mode & 0o777 == 0o640  # (it took the umask's 0644)
    assert cfg.read_text() == good and (tmp_path / "unit.toml.bak").read_text() == broken


def test_a_broken_config_with_a_refused_stick_config_exports_nothing(two_dirs, tmp_path,
                                                                     capsys):
    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    cfg.write_text("[pacer]\nexhale_s = 40\n")
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text("[pacer]\nexhale_s = 50\n")
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "not installed, the current config stays" in err[0]
    assert err[-1].startswith(f"ademcoach export: {cfg}:2: pacer.exhale_s = 40")
    assert [p.name for p in stick.iterdir()] == ["ademcoach.toml"]
    assert not (patient / "last-export.json").exists()


def test_install_config_mentions_a_backup_only_when_there_was_one(tmp_path):
    from feedback.export_config import install_config

    new = tmp_path / "new.toml"
    new.write_text("[pacer]\nexhale_s = 8.0\n")
    target = tmp_path / "etc" / "ademcoach.toml"
    said = install_config(new, target)
    assert said == f"installed {new} as {target}"
    assert not (tmp_path / "etc" / "ademcoach.toml.bak").exists()
    new.write_text("[pacer]\nexhale_s = 9.0\n")
    assert install_config(new, target).endswith("(previous kept as ademcoach.toml.bak)")


def test_export_to_a_read_only_stick_is_one_line_exit_1_and_leaves_nothing(
        two_dirs, tmp_path, tmpfs, capsys):
    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[records]\ndata_dir = "{patient}"\n')
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    assert main(["export", str(tmpfs), "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert err == (f"ademcoach export: export to {tmpfs} failed, nothing was written: "
                   "cannot write there: Read-only file system\n")
    assert list(tmpfs.iterdir()) == []
    import json

    assert json.loads((patient / "last-export.json").read_text())["status"] == "failed"


def test_an_export_into_the_records_folder_is_refused(two_dirs, tmp_path, capsys):
    """It was taken: the sessions were marked as carried off, a wipe without --force
    then erased them and left the export's copy of them on the unit."""
    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[records]\ndata_dir = "{patient}"\n')
    (patient / "sub").mkdir()
    for dest in (patient, patient / "sub"):
        assert main(["export", str(dest), "--config", str(cfg)]) == 2
        assert capsys.readouterr().err == (f"ademcoach export: {dest}: is inside the unit's "
                                           f"records folder ({patient}); give the stick's "
                                           "directory\n")
    assert sorted(p.name for p in patient.iterdir()) == [DB_NAME, "sub"]
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 2  # not exported: kept
    assert _count(patient) == 1


@pytest.fixture
def unit(two_dirs, tmp_path):
    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{patient}"\n')
    return patient, cfg


def test_a_report_into_an_earlier_report_replaces_its_files_and_nothing_else(
        unit, tmp_path, capsys):
    patient, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    assert (out / "session-00001.png").is_file() and (out / "calendar-AB12.png").is_file()
    (out / "notes.txt").write_text("mine")
    (out / "session-00007.png").write_bytes(b"an earlier chart")
    assert main(["report", "--config", str(cfg), "--out", str(out),
                 "--patient", "CD34"]) == 0
    assert "No sessions" in (out / "summary.txt").read_text()
    assert sorted(p.name for p in out.iterdir()) == [
        "days.csv", "exercises.csv", "notes.txt", "report.xlsx", "sessions.csv", "summary.txt"]


def test_a_report_into_a_folder_of_other_things_is_refused(unit, tmp_path, capsys):
    patient, cfg = unit
    out = tmp_path / "Desktop"
    out.mkdir()
    (out / "calendar-holiday.png").write_bytes(b"not the report's")
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"ademcoach report: --out {out}: not empty and no earlier report in it; "
                   "give a new or empty directory, or that of an earlier report (its files "
                   "are replaced)\n")
    assert [p.name for p in out.iterdir()] == ["calendar-holiday.png"]


def test_a_report_inside_the_records_folder_is_refused(unit, capsys, monkeypatch):
    """A report there (e.g. the default ./ademcoach-report run from the records folder)
    outlived the wipe: the patient's every session left on the unit for the next one."""
    patient, cfg = unit
    for out in (patient / "ademcoach-report", patient):
        assert main(["report", "--config", str(cfg), "--out", str(out)]) == 2
        assert capsys.readouterr().err == (
            f"ademcoach report: --out {out}: is inside the records folder ({patient}), where "
            "a wipe does not reach; give a folder outside it\n")
    assert not (patient / "ademcoach-report").exists()
    monkeypatch.chdir(patient)
    assert main(["report", "--config", str(cfg)]) == 2
    assert "is inside the records folder" in capsys.readouterr().err
    # (--simulated reads the folder below it, but a report there is in the unit's all the same)
    assert main(["report", "--simulated", "--config", str(cfg), "--out",
                 str(patient / "simulated" / "r")]) == 2
    assert f"is inside the records folder ({patient})" in capsys.readouterr().err


def test_a_records_problem_is_not_blamed_on_out(unit, tmp_path, capsys, monkeypatch):
    patient, cfg = unit

    def denied(data_dir):
        raise PermissionError(13, "Permission denied", str(data_dir))

    monkeypatch.setattr("feedback.report.damaged_files", denied)
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err == (f"ademcoach report: {patient}: cannot read the "
                                       "records: Permission denied\n")


def test_export_without_permission_on_the_records_names_export(unit, tmp_path, capsys,
                                                               monkeypatch):
    patient, cfg = unit
    real = __import__("os").access
    monkeypatch.setattr("os.access", lambda p, mode, **kw: False if str(p) == str(patient)
                        else real(p, mode, **kw))
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"{patient}: no permission to read the records" in err
    assert err.rstrip().endswith("sudo -u ademcoach ademcoach export")
    assert list(stick.iterdir()) == []


def test_records_on_a_card_gone_read_only_can_still_be_reported_and_exported(
        tmp_path, tmpfs, capsys, monkeypatch):
    """SQLite must write beside a WAL database even to read it: on a card gone read-only
    report and export said "attempt to write a readonly database" and took nothing off
    the unit, just when the records must be rescued. They read a copy now."""
    monkeypatch.delenv("ADEMCOACH_CONFIG", raising=False)
    data = tmpfs / "data"
    _session(data, "AB12")
    _session(data, "AB12")
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    import tempfile  # /tmp is on the same card on the unit: read-only as well

    monkeypatch.setattr(tempfile, "tempdir", str(tmpfs))
    (tmp_path / "out" / ".ademcoach-read-x").mkdir(parents=True)  # a killed report's
    assert main(["report", "--out", str(tmp_path / "out"), "--config", str(cfg)]) == 0
    assert "2 sessions" in capsys.readouterr().out
    assert not list((tmp_path / "out").glob(".ademcoach-read-*"))  # the copy is gone
    assert len((tmp_path / "out" / "sessions.csv").read_text().splitlines()) == 3
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    (export,) = stick.iterdir()
    assert _count(export) == 2
    assert "could not note this export" in capsys.readouterr().err
    subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


def test_a_damaged_byte_in_a_stored_text_does_not_stop_report_or_export(unit, tmp_path,
                                                                        capsys):
    """One byte that is not UTF-8 in a stored config (the database itself intact) stopped
    every report and export with a decoding error: the records were stuck on the unit."""
    patient, cfg = unit
    db = patient / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sessions SET config = CAST(? AS TEXT)", (b"[pacer]\xff\n",))
    conn.execute("UPDATE sessions SET patient_code = CAST(? AS TEXT)", (b"AB\xfe2",))
    conn.commit()
    conn.close()
    assert main(["report", "--out", str(tmp_path / "out"), "--config", str(cfg)]) == 0
    assert "AB\ufffd2" in (tmp_path / "out" / "sessions.csv").read_text(encoding="utf-8")
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    (export,) = stick.iterdir()
    assert _count(export) == 1


def _fill(mnt, leave: int) -> None:
    """Fill the file system at ``mnt`` up to about ``leave`` bytes."""
    free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
    (mnt / "filler").write_bytes(b"\0" * max(free - leave, 0))


def test_a_png_that_does_not_fit_is_an_error_not_a_cut_off_file(unit, tmp_path, tmpfs,
                                                               capsys):
    """pygame reports no write error: on a full disk render and report said they had
    written PNGs that were cut off or empty."""
    patient, cfg = unit
    _fill(tmpfs, 16 * 1024)
    assert main(["render", "idle", "--out", str(tmpfs / "idle.png"), "--size",
                 "1920x1080"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert main(["report", "--out", str(tmpfs / "report"), "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert [p.name for p in tmpfs.rglob("*.png")] == []  # none cut off, no leftovers
    assert [p.name for p in tmpfs.rglob("*.tmp")] == []


@pytest.mark.parametrize("leave", [8 * 1024, 200 * 1024])  # (a file, then SQLite's copy)
def test_a_full_or_write_protected_stick_is_said_so_on_the_screen(two_dirs, tmp_path, tmpfs,
                                                                  capsys, leave):
    """The screen said "niets gekopieerd, probeer opnieuw" for a stick too full for the
    export, or one with its write-protect switch on: trying again fails again, and the
    reason was only in the journal (export.txt cannot be written on such a stick)."""
    import json

    from feedback import exportnote

    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[records]\ndata_dir = "{patient}"\n')
    _fill(tmpfs, leave)
    assert main(["export", str(tmpfs), "--config", str(cfg)]) == 1
    assert ("No space left on device" if leave < 100 * 1024 else "database or disk is full"
            ) in capsys.readouterr().err
    note = json.loads((patient / "last-export.json").read_text())
    assert (note["status"], note.get("why")) == ("failed", "full")
    assert exportnote.notice(note, "nl") == ("USB-stick vol: niets gekopieerd; maak ruimte "
                                             "of neem een andere stick")
    assert exportnote.notice(note, "en") == ("USB stick full: nothing copied; make room or "
                                             "use another stick")
    (tmpfs / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    assert main(["export", str(tmpfs), "--config", str(cfg)]) == 1
    note = json.loads((patient / "last-export.json").read_text())
    assert (note["status"], note.get("why")) == ("failed", "read-only")
    assert exportnote.notice(note, "nl") == ("USB-stick is beveiligd tegen schrijven: niets "
                                             "gekopieerd")
    subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    # a stick that takes the export: no reason
    assert main(["export", str(tmpfs), "--config", str(cfg)]) == 0
    note = json.loads((patient / "last-export.json").read_text())
    assert "why" not in note and exportnote.notice(note, "nl") == (
        "USB-stick: 1 sessie gekopieerd")


def test_an_export_that_fails_puts_the_unit_config_back(two_dirs, tmp_path, tmpfs, capsys):
    """The stick's config was installed before the export, and stayed when the export
    then failed (a full stick), while the unit said nothing had been written."""
    patient, _ = two_dirs
    cfg = tmp_path / "unit.toml"
    old = f'[records]\ndata_dir = "{patient}"\n'
    cfg.write_text(old)
    cfg.chmod(0o640)
    bak = tmp_path / "unit.toml.bak"
    bak.write_text("# the one before\n")
    new = old + "[pacer]\nexhale_s = 8.0\n"
    (tmpfs / "ademcoach.toml").write_text(new)
    _fill(tmpfs, 8 * 1024)
    assert main(["export", str(tmpfs), "--config", str(cfg)]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert (cfg.read_text(), bak.read_text()) == (old, "# the one before\n")
    assert sorted(p.name for p in tmpfs.iterdir()) == ["ademcoach.toml", "filler"]
    assert cfg.stat().st_mode & 0o777 == 0o640  # (it became 644, from the umask)
    # the same config on the stick: nothing is replaced, so nothing is put back either
    (tmpfs / "ademcoach.toml").unlink()
    (tmpfs / "filler").unlink()
    (tmpfs / "ademcoach.toml").write_text(old)
    _fill(tmpfs, 8 * 1024)
    inode = cfg.stat().st_ino
    assert main(["export", str(tmpfs), "--config", str(cfg)]) == 1
    assert "could not be put back" not in capsys.readouterr().err
    assert cfg.stat().st_ino == inode
    assert sorted(p.name for p in tmpfs.iterdir()) == ["ademcoach.toml", "filler"]


def test_records_that_cannot_be_read_put_the_unit_config_back(unit, tmp_path, capsys,
                                                              monkeypatch):
    """The review found the stick's config left installed when the records could not
    be read (no permission), which was checked after the install."""
    patient, cfg = unit
    old = cfg.read_text()
    real = os.access
    monkeypatch.setattr("os.access", lambda p, mode, **kw: False if str(p) == str(patient)
                        else real(p, mode, **kw))
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(old + "[pacer]\nexhale_s = 8.0\n")
    assert main(["export", str(stick), "--config", str(cfg)]) == 1
    assert "no permission to read the records" in capsys.readouterr().err
    assert cfg.read_text() == old and not (tmp_path / "unit.toml.bak").exists()


def test_a_config_folder_that_cannot_be_written_still_lets_the_records_out(
        two_dirs, tmp_path, tmpfs, capsys):
    """Installing the stick's config failed with a bare "Permission denied" and no records
    were exported; now the export goes on and says the config was not installed."""
    patient, _ = two_dirs
    cfg = tmpfs / "unit.toml"
    old = f'[records]\ndata_dir = "{patient}"\n'
    cfg.write_text(old)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(old + "[pacer]\nexhale_s = 8.0\n")
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    said = capsys.readouterr()
    assert "exported 1 session " in said.out
    assert (f"{stick / 'ademcoach.toml'}: not installed, the current config stays: cannot "
            f"replace {cfg}: Read-only file system") in said.err
    assert cfg.read_text() == old
    subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)


def test_a_folder_named_like_the_config_on_the_stick_is_said(unit, tmp_path, capsys):
    patient, cfg = unit
    stick = tmp_path / "stick"
    (stick / "ademcoach.toml").mkdir(parents=True)
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    said = capsys.readouterr()
    assert "exported 1 session " in said.out
    assert f"{stick / 'ademcoach.toml'}: not installed: it is a folder" in said.err


def test_a_pipe_or_a_loop_named_like_the_config_on_the_stick_is_said_as_what_it_is(
        unit, tmp_path, capsys):
    """A FIFO in the config's place was said to be a folder; a link to itself (a loop) was
    passed over without a word. Neither is read (a FIFO would block the export)."""
    patient, cfg = unit
    before = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    os.mkfifo(stick / "ademcoach.toml")
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert (f"{stick / 'ademcoach.toml'}: not installed: it is not a regular file"
            in capsys.readouterr().err)
    (stick / "ademcoach.toml").unlink()
    (stick / "ademcoach.toml").symlink_to("ademcoach.toml")
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert (f"{stick / 'ademcoach.toml'}: not installed: it is a link to ademcoach.toml"
            in capsys.readouterr().err)
    assert cfg.read_text() == before


def test_a_link_on_the_stick_is_not_followed_off_the_stick(unit, tmp_path, capsys,
                                                            monkeypatch):
    """A link named ademcoach.toml was followed wherever it pointed: a config elsewhere on
    the machine was installed from it, and a file such as /etc/shadow was read (an export
    by hand, as root: its first line's column went into export.txt). The export reads
    only files on the stick itself; a link is said and left alone."""
    patient, cfg = unit
    before = cfg.read_text()
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(before + "[pacer]\nexhale_s = 8.0\n")
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").symlink_to(elsewhere)
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert (f"{stick / 'ademcoach.toml'}: not installed: it is a link to {elsewhere}, "
            "not a file on the stick") in err, err
    assert cfg.read_text() == before and not (tmp_path / "unit.toml.bak").exists()
    assert (stick / "ademcoach.toml").is_symlink()  # (not renamed: it was not installed)
    (exp,) = stick.glob("ademcoach-export-*")
    assert "it is a link to" in (exp / "export.txt").read_text()
    # a link under another name, or in programs/, is not read either
    (stick / "ademcoach.toml").unlink()
    notes = tmp_path / "notes.txt"
    notes.write_text("[patient]\n")
    (stick / "ademcoach.txt").symlink_to(notes)
    (stick / "programs").mkdir()
    (stick / "programs" / "home.toml").symlink_to(elsewhere)
    opened = []
    real_open = io.open

    def spy(file, *args, **kw):
        if isinstance(file, str | os.PathLike):
            opened.append(os.path.realpath(file))
        return real_open(file, *args, **kw)

    monkeypatch.setattr("builtins.open", spy)
    monkeypatch.setattr("io.open", spy)  # (pathlib's)
    main(["export", str(stick), "--config", str(cfg)])
    monkeypatch.undo()
    assert opened and str(notes) not in opened and str(elsewhere) not in opened
    said = capsys.readouterr()
    assert (f"{stick / 'programs' / 'home.toml'}: not installed: it is a link to "
            f"{elsewhere}, not a file on the stick") in said.out + said.err


def test_the_config_under_another_case_on_a_stick_that_keeps_case_is_said(
        unit, tmp_path, capsys):
    """FAT finds ADEMCOACH.TOML as ademcoach.toml; a folder on a file system that keeps
    case (an export by hand) passed it over without a word."""
    patient, cfg = unit
    before = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ADEMCOACH.TOML").write_text('[patient]\ncode = "CD34"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert (f"{stick / 'ADEMCOACH.TOML'}: not installed: the unit takes only a file named "
            "ademcoach.toml" in capsys.readouterr().err)
    assert cfg.read_text() == before


def test_another_programs_database_is_not_written_into(unit, tmp_path, capsys):
    """A records.sqlite that is not ours (data_dir set to another program's folder) got
    the record tables written into it by a report."""
    patient, cfg = unit
    other = tmp_path / "other"
    other.mkdir()
    cfg.write_text(f'[records]\ndata_dir = "{other}"\n')
    for version, tables in ((0, "photos"), (3, "photos"), (75, "photos"),
                            (3, "sessions, users")):  # (its header was rewritten for WAL)
        (other / DB_NAME).unlink(missing_ok=True)
        conn = sqlite3.connect(other / DB_NAME)
        for table in tables.split(", "):
            conn.execute(f"CREATE TABLE {table} (name TEXT)")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
        conn.close()
        before = (other / DB_NAME).read_bytes()
        assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 1
        err = capsys.readouterr().err
        assert f"not a records database (it holds {tables})" in err, err
        assert (other / DB_NAME).read_bytes() == before
