"""``ademcoach run`` plumbing: the clock it is given and the extra outputs it writes to."""

import contextlib
import math
import os

import pytest

from feedback.cli import main
from feedback.clock import PacedClock, ScaledClock, VirtualClock
from feedback.errors import BadInput
from feedback.run import make_clock


@pytest.mark.parametrize("speed", [math.nan, math.inf, -math.inf, -1.0, 1e-300, 0.001, 5000.0])
def test_a_speed_the_simulation_cannot_keep_is_refused(speed):
    with pytest.raises(BadInput) as e:
        make_clock("calm", speed, True)
    assert str(e.value) == (f"--speed {speed:g}: must be 0 (as fast as possible) or from "
                            "0.01 to 1000 (1 = real time)")


@pytest.mark.parametrize("speed, kind", [(0.0, VirtualClock), (0.01, ScaledClock),
                                         (1.0, ScaledClock), (1.5, PacedClock),
                                         (1000.0, PacedClock)])
def test_the_speeds_in_range_give_their_clock(speed, kind):
    clock = make_clock("calm", speed, True)
    assert isinstance(clock, kind)
    # its seconds a second of real time, by which the screen draws ``fps`` frames a real
    # second (a virtual clock has no real time: its own seconds count as such)
    assert clock.rate == (speed or 1.0)


def test_a_bad_speed_on_the_command_line_is_one_line_and_exit_2(sim_config, capsys):
    assert main(["run", "--sim", "calm", "--headless", "--speed", "5000",
                 "--config", str(sim_config)]) == 2
    err = capsys.readouterr().err
    assert err == ("ademcoach run: --speed 5000: must be 0 (as fast as possible) or from "
                   "0.01 to 1000 (1 = real time)\n")


def test_a_paced_simulation_in_a_window_draws_the_screen_at_its_rate_of_real_time(
        sim_config, monkeypatch):
    """``run --sim --speed 10`` in a window drew every frame of the simulation's time,
    300 a second of real time, and ran at about 2 x on this computer: the screen is
    drawn ``fps`` times a second of real time (no screen shows more), every sample
    still read."""
    from feedback.reload import load_all
    from feedback.run import open_session

    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    settings, programme = load_all(sim_config)
    with open_session(settings, programme, sim_config, sim="calm", clock=PacedClock(50.0),
                      headless=False, duration=10, status=False) as s:
        assert s.display is not None
        s.run()
        stats = s.loop.stats
    assert stats["screen"].ticks <= 10 * settings.screen.fps / 50.0 + 1
    assert stats["sample"].ticks >= 10 * settings.sensor.rate_hz
    assert stats["sample"].skipped == 0


def test_a_speed_the_computer_cannot_keep_runs_slower_and_skips_no_sample(sim_config,
                                                                          tmp_path, capsys):
    """At 1000 x every sample is due 20 us of real time after the last, which no computer
    here keeps: the simulation runs slower than asked, as at --speed 0, instead of leaving
    a 60 s session two readings and no breath."""
    events = tmp_path / "events.jsonl"
    for speed in ("0", "1000"):
        assert main(["run", "--sim", "calm", "--headless", "--duration", "60", "--speed",
                     speed, "--events", str(events), "--config", str(sim_config)]) == 0
        out = capsys.readouterr().out
        assert "loop: no late ticks" in out, out
        if speed == "0":
            fast = events.read_text()
    assert events.read_text() == fast  # the same samples, the same events
    assert fast.count('"event":"breath"') >= 5


def _sessions(data):
    import sqlite3

    from feedback.store import DB_NAME, SIMULATED

    conn = sqlite3.connect(data / SIMULATED / DB_NAME)
    try:
        return conn.execute("SELECT end_reason FROM sessions").fetchall()
    finally:
        conn.close()


def test_an_events_file_that_cannot_be_written_is_said_once_and_the_session_runs_on(
        sim_config, tmp_path, capsys):
    assert main(["run", "--sim", "calm", "--headless", "--duration", "30", "--speed", "0",
                 "--events", "/dev/full", "--config", str(sim_config)]) == 0
    said = capsys.readouterr()
    assert said.err.count("--events /dev/full: cannot write (No space left on device)") == 1
    assert "breaths" in said.out  # the summary: the session ran to its end
    assert _sessions(tmp_path / "data") == [("duration",)]


def test_an_events_file_that_would_overwrite_what_the_session_reads_or_keeps_is_refused(
        sim_config, tmp_path, capsys):
    """--events on the config, the replayed recording or a file among the records
    overwrote it (the records' database was lost): exit 2, nothing touched."""
    from feedback.recording import RecordingWriter

    rec = tmp_path / "rec.csv"
    with RecordingWriter(rec, ["belly"]) as w:
        for i in range(500):
            w.write(i / 25, [math.sin(i / 25)])
    assert main(["run", "--sim", "calm", "--headless", "--duration", "5", "--speed", "0",
                 "--config", str(sim_config)]) == 0
    db = tmp_path / "data" / "simulated" / "records.sqlite"
    capsys.readouterr()
    kept = {p: p.read_bytes() for p in (sim_config, rec, db)}
    linked = tmp_path / "linked.jsonl"
    os.link(db, linked)  # another name of the records
    kept_damaged = db.with_name("records-damaged-20260101-000000.sqlite")  # for recovery
    kept_damaged.write_bytes(b"precious")
    for target, sim, said in [(sim_config, "calm", "the config file"),
                              (rec, str(rec), "the recording it replays"),
                              (db, "calm", f"the records (in {tmp_path / 'data'})"),
                              (linked, "calm", f"the records (in {tmp_path / 'data'})"),
                              (kept_damaged, "calm", f"the records (in {tmp_path / 'data'})"),
                              (db.with_name(db.name + "-wal"), "calm",  # (not there between
                               f"the records (in {tmp_path / 'data'})"),  # sessions)
                              (db.with_name("last-export.json"), "calm",
                               f"the records (in {tmp_path / 'data'})")]:
        assert main(["run", "--sim", sim, "--headless", "--duration", "5", "--speed", "0",
                     "--events", str(target), "--config", str(sim_config)]) == 2
        assert capsys.readouterr().err == (f"ademcoach run: --events {target}: would "
                                           f"overwrite {said}; give another file\n")
    assert {p: p.read_bytes() for p in kept} == kept and kept_damaged.read_bytes() == b"precious"
    # a new file in the records' folder is no record (data_dir may be a home folder)
    events = tmp_path / "data" / "events.jsonl"
    assert main(["run", "--sim", "calm", "--headless", "--duration", "5", "--speed", "0",
                 "--events", str(events), "--config", str(sim_config)]) == 0
    assert events.read_text().count("\n") > 0


def test_a_status_line_that_cannot_be_written_stops_and_the_session_runs_on(
        sim_config, tmp_path, capsys, monkeypatch):
    import sys

    full = open("/dev/full", "w")
    monkeypatch.setattr(sys, "stdout", full)
    try:
        code = main(["run", "--sim", "calm", "--headless", "--duration", "30", "--speed", "0",
                     "--config", str(sim_config)])
    finally:
        monkeypatch.undo()
        full.close()
    assert code == 0
    err = capsys.readouterr().err
    assert err.count("status line (standard output): cannot write") == 1, err
    assert _sessions(tmp_path / "data") == [("duration",)]


def test_analyze_into_a_full_disk_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    import sys

    rec = tmp_path / "r.csv"
    rec.write_text("t,belly\n" + "".join(f"{i / 25},{math.sin(i / 25):.4f}\n"
                                         for i in range(25 * 60)))
    full = open("/dev/full", "w")
    monkeypatch.setattr(sys, "stdout", full)
    try:
        code = main(["analyze", str(rec)])
    finally:
        monkeypatch.undo()
        full.close()
    assert code == 1
    assert capsys.readouterr().err == ("ademcoach analyze: cannot write the events to "
                                       "standard output: No space left on device\n")


def test_any_command_into_a_full_disk_is_one_line_and_exit_1(sim_config, capsys,
                                                              monkeypatch):
    """A command that does not handle its own output (check-config's long listing): a
    full disk is one line on stderr and exit 1, not a traceback."""
    import sys

    full = open("/dev/full", "w", buffering=1)
    monkeypatch.setattr(sys, "stdout", full)
    try:
        code = main(["check-config", str(sim_config)])
    finally:
        monkeypatch.undo()
        with contextlib.suppress(OSError):  # what it still holds cannot be written either
            full.close()
    assert code == 1
    assert capsys.readouterr().err == ("ademcoach check-config: No space left on device\n")


def test_a_records_folder_that_cannot_be_made_is_a_storage_problem_and_the_session_runs_on(
        sim_config, tmp_path, capsys):
    """As on the unit: the simulation exited 1 ("Not a directory") before it began."""
    (tmp_path / "file").write_text("a file where a folder should be")
    text = sim_config.read_text().replace(str(tmp_path / "data"), str(tmp_path / "file" / "in"))
    sim_config.write_text(text)
    assert main(["run", "--sim", "calm", "--headless", "--duration", "30", "--speed", "0",
                 "--config", str(sim_config)]) == 0
    said = capsys.readouterr()
    assert "breaths" in said.out  # the summary: the session ran to its end
    assert f"records not saved: Not a directory: {tmp_path / 'file' / 'in'}" in said.err


def test_ctrl_c_ends_the_session_as_q_does(sim_config, tmp_path, capsys, monkeypatch):
    """Ctrl-C left with a traceback-free exit 130 but no summary, and the running
    exercise's end (its practised time) missing from the record."""
    import os
    import signal
    import sqlite3

    from feedback.app import Session

    before = signal.getsignal(signal.SIGINT)
    run = Session.run

    def run_and_interrupt(session):  # Ctrl-C 20 s into the session
        session.loop.add("ctrl-c", lambda due: os.kill(os.getpid(), signal.SIGINT),
                         first=session.t0 + 20.0)
        return run(session)

    monkeypatch.setattr(Session, "run", run_and_interrupt)
    try:
        assert main(["run", "--sim", "calm", "--headless", "--duration", "60", "--speed", "0",
                     "--config", str(sim_config)]) == 130  # (as after Ctrl-C: scripts tell)
    finally:
        signal.signal(signal.SIGINT, before)
    assert "(onderbroken met Ctrl-C)" in capsys.readouterr().out  # the summary
    conn = sqlite3.connect(tmp_path / "data" / "simulated" / "records.sqlite")
    try:
        (reason,), = conn.execute("SELECT end_reason FROM sessions").fetchall()
        (end_t, active_s), = conn.execute("SELECT end_t, active_s FROM exercises").fetchall()
    finally:
        conn.close()
    assert reason == "closed" and 19.0 < end_t < 21.0 and active_s > 0
