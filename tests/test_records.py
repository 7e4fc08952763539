"""Session records: round trip, migrations, storage failures, raw signal, retention."""

import logging
import os
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from feedback import events as ev
from feedback import store
from feedback.clock import VirtualClock
from feedback.coach import press_next
from feedback.rawsignal import RawSignalLog
from feedback.recording import read_recording
from feedback.records import Records
from feedback.store import DB_NAME, MIGRATIONS, SCHEMA_VERSION, connect, default_data_dir, migrate

WALL = 1_760_000_000.0  # a fixed start time (epoch seconds)


def breath(t, inhale=2.0, exhale=3.0, **kw):
    return ev.Breath(t, start=t - inhale - exhale, peak=t - exhale, end=t, inhale_s=inhale,
                     exhale_s=exhale, rate_bpm=60 / (inhale + exhale), **kw)


def rows(db, sql, *args):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_round_trip_of_a_session(tmp_path):
    clock = VirtualClock(50.0)
    data = tmp_path / "data"
    with Records(data, clock=clock) as rec:
        sid = rec.start_session("AB12", "home", "[pacer]\nexhale_s = 6.0\n", WALL)
        rec.add(ev.Exercise(50.0, "Buikademhaling", "start"))
        rec.add(ev.Inhale(51.0, t=50.5))
        rec.add(breath(55.0, belly_share=0.7, paradoxical=False))
        rec.add(ev.Hold(60.0, t=56.0))
        rec.add(ev.Cue(60.0, "breathe_on"))
        rec.add(ev.HoldEnd(61.0, t=61.0))
        rec.add(ev.Fault(62.0, "disconnected", belt="belly", detail="no signal"))
        rec.add(ev.FaultEnd(64.0, "disconnected", belt="belly"))
        rec.add(ev.Exercise(70.0, "Buikademhaling", "end"))
        rec.add(ev.Exercise(70.0, "Lange uitademing", "start"))
        rec.add(breath(75.0, 2.0, 5.0))
        clock.advance(30.0)
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None and rec.pending == 0
    assert sid == 1
    db = data / DB_NAME
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    assert rows(db, "SELECT patient_code, programme, config, started_at, ended_at, end_reason,"
                    " start_t, end_t FROM sessions") == [
        ("AB12", "home", "[pacer]\nexhale_s = 6.0\n", WALL, WALL + 30.0, "stopped", 50.0, 80.0)]
    ex = rows(db, "SELECT id, name, start_t, end_t FROM exercises ORDER BY id")
    assert [(n, s, e) for _, n, s, e in ex] == [("Buikademhaling", 50.0, 70.0),
                                                ("Lange uitademing", 70.0, 80.0)]
    b = rows(db, "SELECT exercise_id, at, inhale_s, exhale_s, belly_share, paradoxical "
                 "FROM breaths ORDER BY id")
    assert b == [(ex[0][0], 55.0, 2.0, 3.0, 0.7, 0), (ex[1][0], 75.0, 2.0, 5.0, None, None)]
    assert rows(db, "SELECT exercise_id, at, t, end_t FROM holds") == [(ex[0][0], 60.0, 56.0, 61.0)]
    assert rows(db, "SELECT kind FROM cues") == [("breathe_on",)]
    assert rows(db, "SELECT kind, belt, detail, at, end_at FROM faults") == [
        ("disconnected", "belly", "no signal", 62.0, 64.0)]
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]


def test_second_session_gets_next_id_and_open_session_is_closed(tmp_path):
    for expected in (1, 2):
        rec = Records(tmp_path, clock=VirtualClock())
        assert rec.start_session("X", "clinic", "", WALL) == expected
        rec.add(breath(5.0))
        assert rec.close() == 0
    assert rows(tmp_path / DB_NAME, "SELECT id, end_reason FROM sessions") == [
        (1, "closed"), (2, "closed")]


def test_a_hold_left_open_gets_its_end_after_the_session_only_if_it_was_a_belt_not_worn(
        tmp_path):
    """A session ends with a hold open; once the belt is taken for not worn the hold's
    end comes to the session that ended last (``add_after``), marked. Nothing comes
    while a session runs, or before any has ended."""
    rec = Records(tmp_path, clock=VirtualClock())
    late = ev.HoldEnd(at=70.0, t=70.0, not_worn=True)
    assert not rec.add_after(late)  # (no session has ended)
    rec.start_session("P1", "home", "", WALL)
    rec.add(ev.Hold(at=14.0, t=10.0))
    assert not rec.add_after(late)  # (one runs: its own events come through add)
    rec.end_session("stopped")
    assert rec.add_after(late)
    assert rec.close() == 0
    assert rows(tmp_path / DB_NAME, "SELECT t, end_t, not_worn FROM holds") == [
        (10.0, 70.0, 1)]


def test_old_database_is_upgraded_keeping_its_data(tmp_path):
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, upto=1)
    conn.execute("INSERT INTO sessions (patient_code, programme, started_at, config) "
                 "VALUES ('OLD1', 'home', ?, '')", (WALL,))
    conn.execute("INSERT INTO breaths (session_id, at, inhale_s, exhale_s) VALUES (1, 9, 2, 4)")
    conn.close()
    assert rows(db, "PRAGMA user_version") == [(1,)]
    rec = Records(tmp_path, clock=VirtualClock())
    assert rec.start_session("NEW1", "home", "", WALL + 60) == 2
    rec.add(breath(3.0, paradoxical=True))
    assert rec.close() == 0
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION == len(
        MIGRATIONS) >= 2
    assert rows(db, "SELECT session_id, at, paradoxical FROM breaths ORDER BY id") == [
        (1, 9.0, None), (2, 3.0, 1)]


def test_newer_schema_is_refused_without_touching_it(tmp_path):
    db = tmp_path / DB_NAME
    sqlite3.connect(db).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    before = db.read_bytes()  # (its header was rewritten for WAL before it was refused)
    rec = Records(tmp_path, clock=VirtualClock())
    rec.start_session("X", "home", "", WALL)
    assert rec.add(breath(1.0))
    assert not rec.flush(timeout=30.0)
    assert "newer than this software" in rec.problem
    assert rec.close(timeout=2) == rec.pending == 3  # session start, breath, session end
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION + 5,)]
    assert db.read_bytes() == before


def filled(tmp_path) -> tuple[Records, int]:
    """Records whose database runs out of room (max_page_count makes SQLite really give
    SQLITE_FULL, like a full card), and how many breaths were added till it did."""
    rec = Records(tmp_path, clock=VirtualClock(), max_db_bytes=64 * 1024, retry_s=0.05)
    rec.start_session("FULL", "home", "x" * 2000, WALL)
    n = 0
    while rec.problem is None:
        for _ in range(200):
            n += 1
            assert rec.add(breath(float(n)))
        rec.flush(timeout=5)
    return rec, n


def test_full_database_warns_keeps_backlog_and_recovers(tmp_path):
    rec, n = filled(tmp_path)
    assert "full" in rec.problem
    (fault,) = rec.storage_events(7.0)
    assert (fault.kind, fault.at, fault.detail) == ("storage", 7.0, rec.problem)
    assert rec.storage_events(7.1) == []  # reported once
    rec.add(fault)  # the loop records it like any fault: it is stored once there is room
    waiting = rec.pending
    assert waiting > 0
    for _ in range(50):  # the loop carries on; add() never raises
        n += 1
        assert rec.add(breath(float(n)))
    rec.set_max_db_bytes(None)  # room again (as after freeing the card)
    assert rec.flush(timeout=10)
    assert rec.problem is None and rec.pending == 0
    assert rec.storage_events(9.0) == [ev.FaultEnd(9.0, "storage")]
    assert rec.close() == 0
    got = [a for (a,) in rows(tmp_path / DB_NAME, "SELECT at FROM breaths ORDER BY id")]
    assert got == [float(i) for i in range(1, n + 1)]
    assert rows(tmp_path / DB_NAME, "SELECT kind, at FROM faults") == [("storage", 7.0)]
    assert rows(tmp_path / DB_NAME, "PRAGMA integrity_check") == [("ok",)]


def fill(mnt, leave: int) -> Path:
    """Fill the file system at ``mnt`` up to ``leave`` bytes; returns the filler file."""
    st = os.statvfs(mnt)
    filler = mnt / "filler"
    filler.write_bytes(b"x" * max(0, st.f_bavail * st.f_frsize - leave))
    return filler


@pytest.mark.parametrize("leave", [0, 4096, 8192])
def test_a_database_created_on_a_full_card_says_the_card_is_full(tmpfs, leave):
    # A real full file system: SQLite rolls the transaction back by itself on SQLITE_FULL,
    # so the migration must not bury that under "cannot rollback - no transaction is
    # active" (nor call a disk I/O error "not a records database").
    (tmpfs / "data").mkdir()
    filler = fill(tmpfs, leave)
    with pytest.raises(sqlite3.OperationalError) as caught:
        connect(tmpfs / "data" / DB_NAME).close()
    assert str(caught.value) in ("database or disk is full", "disk I/O error")
    rec = Records(tmpfs / "data", clock=VirtualClock(), retry_s=0.05)
    rec.start_session("FULL", "home", "", WALL)
    rec.add(breath(1.0))
    assert not rec.flush(timeout=30.0)
    assert rec.problem in ("records not saved: database or disk is full",
                           "records not saved: disk I/O error")
    filler.unlink()  # room again
    assert rec.flush(timeout=10) and rec.problem is None
    assert rec.close() == 0
    assert rows(tmpfs / "data" / DB_NAME, "SELECT at FROM breaths") == [(1.0,)]


def test_migrate_says_the_error_when_sqlite_rolled_back_by_itself(tmp_path):
    class FullAtCommit:  # SQLite's answer to a full card at COMMIT: rolled back, SQLITE_FULL
        def __init__(self, conn):
            self.conn = conn

        @property
        def in_transaction(self):
            return self.conn.in_transaction

        def execute(self, sql, *args):
            if sql == "COMMIT":
                self.conn.execute("ROLLBACK")
                raise sqlite3.OperationalError("database or disk is full")
            return self.conn.execute(sql, *args)

    conn = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    full = FullAtCommit(conn)
    with pytest.raises(sqlite3.OperationalError, match="^database or disk is full$"):
        migrate(full)
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    assert migrate(conn) == 0 and conn.execute("PRAGMA user_version").fetchone() == (
        SCHEMA_VERSION,)


def test_unusable_data_dir_warns_then_writes_everything_once_it_is_usable(tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the directory should be")
    rec = Records(blocked, clock=VirtualClock(), retry_s=0.05)
    rec.start_session("RO", "home", "", WALL)
    for i in range(1, 31):
        assert rec.add(breath(float(i)))
    assert not rec.flush(timeout=30.0)
    assert rec.problem and rec.problem.startswith("records not saved")
    assert rec.pending == 31
    blocked.unlink()
    assert rec.flush(timeout=10) and rec.problem is None
    assert rec.close() == 0
    assert len(rows(blocked / DB_NAME, "SELECT id FROM breaths")) == 30


def test_backlog_limit_refuses_instead_of_growing(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    rec = Records(blocked, clock=VirtualClock(), max_backlog=10, retry_s=60)
    rec.start_session("B", "home", "", WALL)
    results = [rec.add(breath(float(i))) for i in range(20)]
    assert results == [True] * 9 + [False] * 11  # the session row took one place
    assert rec.dropped == 11 and rec.accepted == 10
    # a new session still starts (its start is never refused), its events wait their turn
    rec.start_session("C", "home", "", WALL + 60)
    assert rec.pending == 12 and rec.add(breath(99.0)) is False
    assert rec.close(timeout=2) == rec.pending == 13  # and the end of session C


def test_a_re_dating_is_not_refused_by_a_full_backlog(tmp_path):
    """The system clock was set a day on while the storage failed and the backlog was
    full: the session's re-dating is not refused as its events are (it moves the start
    the report counts the session's minutes by), and is written once storage works."""
    blocked = tmp_path / "data"
    blocked.write_text("a file where the directory should be")
    rec = Records(blocked, clock=VirtualClock(), max_backlog=10, retry_s=0.05)
    rec.start_session("B", "home", "", WALL)
    results = [rec.add(breath(float(i))) for i in range(1, 21)]
    assert results == [True] * 9 + [False] * 11  # (full)
    rec.redate(86400.0)
    assert not rec.flush(timeout=0.2)
    blocked.unlink()
    assert rec.flush(timeout=10) and rec.problem is None
    assert rec.close() == 0
    assert rows(blocked / DB_NAME, "SELECT started_at FROM sessions") == [(WALL + 86400.0,)]

def test_a_stop_says_how_many_events_the_full_backlog_refused(tmp_path, caplog):
    """The refused events were counted (``dropped``) and never said anywhere: the
    journal told of the 13 left at the stop, not of the 11 lost before it."""
    caplog.set_level(logging.ERROR, logger="ademcoach.records")
    blocked = tmp_path / "file"
    blocked.write_text("")
    rec = Records(blocked, clock=VirtualClock(), max_backlog=10, retry_s=60)
    rec.start_session("B", "home", "", WALL)
    for i in range(20):
        rec.add(breath(float(i)))
    rec.close(timeout=2)
    said = [r.getMessage() for r in caplog.records]
    assert "records: 11 events refused and lost while storage failed (the backlog was " \
           "full)" in said


def test_read_only_filesystem_for_real(tmpfs):
    # A read-only mount (EROFS, even for root) that becomes writable later: a remount to
    # read-only under an open database is refused by the kernel ("busy"), so it starts ro.
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        rec = Records(tmpfs / "data", clock=VirtualClock(), retry_s=0.05)
        rec.start_session("RO", "home", "", WALL)
        rec.add(breath(1.0))
        rec.add(breath(2.0))
        assert not rec.flush(timeout=30.0)
        assert "read-only" in rec.problem.lower(), rec.problem
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert rec.flush(timeout=10) and rec.problem is None
    assert rec.close() == 0
    assert rows(tmpfs / "data" / DB_NAME, "SELECT at FROM breaths") == [(1.0,), (2.0,)]


def test_raw_signal_rotates_and_stays_under_its_cap(tmp_path):
    (tmp_path / "mine.csv").write_text("t,x\n")  # not the log's: never pruned (it was)
    log = RawSignalLog(tmp_path, ["chest", "belly"], max_mb=0.01, file_mb=0.002)
    for i in range(3000):
        log.write(i * 0.02, (1.0 + i * 1e-4, 2.0))
    log.close()
    assert (tmp_path / "mine.csv").read_text() == "t,x\n"
    files = sorted(tmp_path.glob("raw-*.csv"))
    assert len(log.files) > 5 and len(files) < len(log.files)
    assert sum(f.stat().st_size for f in files) <= 10_000 + 100
    cols, t, vals = read_recording(files[-1])
    assert cols == ["chest", "belly"] and t[-1] == pytest.approx(2999 * 0.02)


def test_raw_signal_keeps_the_newest_sessions_after_the_clock_was_set_back(tmp_path):
    """A unit whose clock ran a year ahead (set by hand) and was then set right: the raw
    files of the sessions recorded meanwhile carry the later times. Room is made by
    recording order (the session numbers in the names), not by file time: before, the
    running session's own files went first, each as the next began, while the files
    dated ahead stayed for good."""
    ahead = time.time() + 365 * 86400
    for n in (1, 2):
        f = tmp_path / f"session{n:05d}-001.csv"
        f.write_text("t,belly\n" + "0.0,1.0\n" * 300)  # ~2.4 kB each
        os.utime(f, (ahead + n, ahead + n))
    log = RawSignalLog(tmp_path, ["belly"], max_mb=0.01, file_mb=0.002, name="session00003")
    for i in range(1200):  # ~13 kB: several files, more than the 10 kB the cap leaves
        log.write(i * 0.02, (1.0 + i * 1e-4,))
    log.close()
    left = sorted(f.name for f in tmp_path.glob("*.csv"))
    assert "session00001-001.csv" not in left  # the oldest recorded went first
    mine = [f.name for f in log.files]
    assert left == [n for n in ["session00002-001.csv", *mine] if n in left]
    assert left[-3:] == mine[-3:]  # the running session keeps its latest files
    assert sum((tmp_path / n).stat().st_size for n in left) <= 10_000 + 100


def test_raw_signal_through_records(tmp_path):
    rec = Records(tmp_path, clock=VirtualClock(), raw_max_mb=1)
    rec.start_session("R", "home", "", WALL, raw_belts=["belly"])
    for i in range(100):
        rec.add_sample(i * 0.02, (0.5,))
    rec.end_session()
    rec.close()
    (f,) = (tmp_path / "raw").glob("*.csv")
    assert read_recording(f)[1][-1] == pytest.approx(99 * 0.02)


def test_raw_files_left_by_purged_sessions_are_never_taken_for_newer_ones(tmp_path):
    """The retention purge erased every session (a unit stored for over ``keep_days``
    after its last export), so the next one would be numbered 1 again, but the raw
    files of the erased ones stay until room is needed. The new sessions are numbered
    after them: before, the first overwrote the old session00001's file, and room was
    made by the numbers in the names, so the new sessions' files went before the old
    ones (session00001 before session00041)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("session00001-001.csv", "session00041-001.csv"):
        (raw / name).write_text("t,belly\n" + "9.0,9.0\n" * 250)  # ~2 kB each
    rec = Records(tmp_path, clock=VirtualClock(), raw_max_mb=0.01)  # 1 kB files
    ids = []
    for n in range(2):
        ids.append(rec.start_session(f"P{n}", "home", "", WALL + 3600 * n,
                                     raw_belts=["belly"]))
        for i in range(300):  # ~3.6 kB: three or four files of its own
            rec.add_sample(i * 0.02, (1.0 + i * 1e-4,))
        rec.end_session("stopped")
        assert rec.flush(timeout=10), rec.problem
    assert rec.close() == 0
    left = sorted(f.name for f in raw.glob("*.csv"))
    assert "session00041-001.csv" not in left, left  # the oldest recorded went first
    assert {name[:12] for name in left} == {f"session{n:05d}" for n in ids}, left
    assert min(ids) > 41


def test_raw_signal_makes_room_by_session_number_then_part(tmp_path):
    """Room is made session by session: all of an older session's parts go before the
    first part of a newer one (session00001-003 before session00002-001)."""
    older = [f"session00001-{part:03d}.csv" for part in (1, 2, 3)]
    for name in [*older, "session00002-001.csv"]:
        (tmp_path / name).write_text("t,belly\n" + "0.0,1.0\n" * 375)  # ~3 kB each
    log = RawSignalLog(tmp_path, ["belly"], max_mb=0.01, file_mb=0.002, name="session00003")
    log.write(0.0, (1.0,))  # its first file wants 2 kB of the 10: two of the four go
    log.close()
    left = sorted(f.name for f in tmp_path.glob("*.csv"))
    assert left == ["session00001-003.csv", "session00002-001.csv", "session00003-001.csv"]


def test_the_raw_signal_goes_on_over_the_commits_of_its_session(tmp_path):
    """A session's raw file takes its samples to its end, however many times the writer
    commits meanwhile (it ends early only for a session that was wiped)."""
    rec = Records(tmp_path, clock=VirtualClock(), raw_max_mb=1)
    rec.start_session("R", "home", "", WALL, raw_belts=["belly"])
    for k in range(3):
        for i in range(50):
            rec.add_sample((50 * k + i) * 0.02, (0.5,))
        rec.add(breath(1.0 + k))
        assert rec.flush()
    rec.end_session()
    assert rec.close() == 0
    (f,) = (tmp_path / "raw").glob("*.csv")
    t = read_recording(f)[1]
    assert len(t) == 150 and t[-1] == pytest.approx(149 * 0.02)


def test_other_files_in_the_raw_folder_leave_the_session_numbers_alone(tmp_path):
    """Only the sessions' own raw files number the next session: a file of the log's
    default name (raw-001.csv) or another CSV put there is no session, and no reason
    to fail."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("raw-001.csv", "notes.csv", "session00007-002.csv"):
        (raw / name).write_text("t,belly\n0.0,1.0\n")
    rec = Records(tmp_path, clock=VirtualClock())
    sid = rec.start_session("P", "home", "", WALL)
    rec.end_session("stopped")
    assert rec.close() == 0
    assert sid == 8
    assert rows(tmp_path / DB_NAME, "SELECT id, patient_code FROM sessions") == [(8, "P")]


def test_a_session_ending_on_a_full_card_with_the_raw_signal_on_stops_no_records(tmpfs):
    """The raw signal on; the card fills during a session and it ends while full. Before,
    closing its raw file failed, the file stayed in the log closed, and the flush after it
    raised ValueError, which ended the records writer: nothing was saved again, not the
    next session once the card had room either (lost at the stop)."""
    rec = Records(tmpfs / "data", clock=VirtualClock(), retry_s=0.01, raw_max_mb=200)
    rec.start_session("RAW1", "home", "", WALL, raw_belts=["belly"])
    for i in range(20):
        rec.add_sample(i * 0.02, (1.5,))
    rec.add(breath(1.0))
    assert rec.flush(timeout=30) and rec.problem is None
    filler = fill(tmpfs, 0)
    for i in range(20, 2020):  # 40 s of raw signal the full card does not take
        rec.add_sample(i * 0.02, (1.5,))
    rec.add(breath(41.0))
    rec.end_session("stopped")
    assert not rec.flush(timeout=30.0)
    filler.unlink()  # room again: a new session, and what waited, are saved
    rec.start_session("RAW2", "home", "", WALL + 3600)
    rec.add(breath(3601.0))
    assert rec.flush(timeout=30) and rec.problem is None
    assert rec.close() == 0
    assert rows(tmpfs / "data" / DB_NAME, "SELECT s.patient_code, b.at FROM breaths b "
                "JOIN sessions s ON s.id = b.session_id ORDER BY b.id") == [
        ("RAW1", 1.0), ("RAW1", 41.0), ("RAW2", 3601.0)]


def test_a_raw_file_due_to_turn_over_on_a_full_card_begins_one_file_not_one_a_sample(tmpfs):
    """A raw file reaches its size while the card is full: it is closed (its last rows
    lost) and the next one is begun once there is room, under the next number. Before,
    each sample began another empty file (50 a second, without a header, each a glob of
    the folder more), and the closed file could be flushed again (ValueError)."""
    raw = tmpfs / "raw"
    log = RawSignalLog(raw, ["belly"], max_mb=1, file_mb=0.005)
    for i in range(10):
        log.write(i * 0.02, (1.5,))
    log.flush()
    filler = fill(tmpfs, 0)
    failed = 0
    for i in range(10, 2010):  # ~24 kB: the 5 kB files would turn over 4 times
        try:
            log.write(i * 0.02, (1.5,))
            log.flush()
        except OSError:  # (the records writer drops that sample and goes on)
            failed += 1
    assert failed > 0
    assert len(list(raw.iterdir())) <= 2
    filler.unlink()
    for i in range(2010, 2110):
        log.write(i * 0.02, (1.5,))
    log.close()
    files = sorted(raw.iterdir())
    assert [f.name for f in files] == ["raw-001.csv", "raw-002.csv"]
    cols, t, _ = read_recording(files[-1])
    assert cols == ["belly"] and t[0] >= 2010 * 0.02 - 1e-9 and t[-1] == pytest.approx(2109 * 0.02)


def export_to(stick, data):
    """What ``ademcoach export`` does with the records: write them, then mark them."""
    from feedback.export import _export, _mark_exported

    stick.mkdir(exist_ok=True)
    sessions, copied, kept = _export(stick, data, [])
    _mark_exported(data, copied, kept)
    return sessions


def test_purge_older_than_erases_old_exported_sessions(tmp_path):
    data = tmp_path / "data"
    rec = Records(data, clock=VirtualClock())
    for day in (400, 10, 0):
        rec.start_session("P", "home", "", WALL - day * 86400)
        rec.add(breath(1.0))
        rec.end_session()
    assert rec.flush()
    export_to(tmp_path / "stick", data)
    assert rows(data / DB_NAME, "SELECT count(*) FROM sessions WHERE exported_at > 0") == [(3,)]
    assert rec.purge_older_than(365, now_wall=WALL) == 1
    assert rows(data / DB_NAME, "SELECT started_at FROM sessions") == [
        (WALL - 10 * 86400,), (WALL,)]
    assert rows(data / DB_NAME, "SELECT count(*) FROM breaths") == [(2,)]
    rec.close()


def test_the_retention_erases_the_raw_files_of_the_sessions_it_erases(tmp_path):
    """The raw signal of a session the retention erased stayed until the raw folder
    needed room: a patient's breathing kept on the unit after their records were gone.
    Its files go with it now; every other session's stay, also those of a session the
    records no longer hold (a damaged database's: the raw file may be all that is left)."""
    data = tmp_path / "data"
    rec = Records(data, clock=VirtualClock())
    ids = []
    for day in (400, 380, 0):
        ids.append(rec.start_session("P", "home", "", WALL - day * 86400))
        rec.add(breath(1.0))
        rec.end_session()
    assert rec.flush()
    export_to(tmp_path / "stick", data)
    raw = data / "raw"
    raw.mkdir(exist_ok=True)
    names = [f"session{n:05d}-{part:03d}.csv" for n in ids for part in (1, 2)]
    names += ["session00099-001.csv", "notes.csv"]
    for name in names:
        (raw / name).write_text("t,belly\n0.0,1.0\n")
    assert rec.purge_older_than(365, now_wall=WALL) == 2
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        [f"session{ids[2]:05d}-001.csv", f"session{ids[2]:05d}-002.csv",
         "session00099-001.csv", "notes.csv"])
    rec.close()


def test_every_reference_to_another_table_is_indexed(tmp_path):
    """Erasing a session (the retention) erases its rows in every table and clears the
    exercise of its breaths, holds and cues: SQLite finds those rows through an index on
    the column that points back, or else reads the whole table for every row erased."""
    conn = connect(tmp_path / DB_NAME)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        indexed = {conn.execute(f"PRAGMA index_info({ix[1]})").fetchone()[2]
                   for ix in conn.execute(f"PRAGMA index_list({table})")}
        for ref in conn.execute(f"PRAGMA foreign_key_list({table})"):
            assert ref[3] in indexed, f"{table}.{ref[3]} -> {ref[2]}: no index"
    conn.close()


def test_the_retention_erases_a_year_in_steps_that_grow_with_it_not_faster(tmp_path):
    """A clinic unit's year: the retention erases the old exported sessions at the start,
    before the first pacer frame. Its work grows with the sessions erased, not with their
    square (each erased exercise read every breath of every session: 97 s for a year
    of 8 sessions a day, on a fast machine)."""

    def steps(n):
        data = tmp_path / f"data{n}"
        rec = Records(data, clock=VirtualClock())
        for i in range(n):
            rec.start_session("P", "clinic", "", WALL - 400 * 86400 + i * 3600)
            for e in range(3):
                rec.add(ev.Exercise(i * 500.0 + e * 100, f"ex{e}", "start"))
                for b in range(15):
                    rec.add(breath(i * 500.0 + e * 100 + b * 6 + 6))
            rec.end_session()
        assert rec.flush(timeout=60)
        conn = sqlite3.connect(data / DB_NAME)
        conn.execute("UPDATE sessions SET exported_at = ?", (WALL,))
        conn.commit()
        conn.close()
        count = [0]

        def step():
            count[0] += 1

        conn = connect(data / DB_NAME)
        conn.set_progress_handler(step, 100)
        assert store.purge(conn, 365, WALL)[:2] == (n, 0)
        conn.close()
        rec.close()
        return count[0]

    small, large = steps(40), steps(160)
    assert large < 6 * small, (small, large)  # 4x the sessions: about 4x the work


def test_a_clock_set_a_year_behind_and_corrected_loses_no_session(tmp_path, caplog):
    # No clock chip: staff typed 2025 for 2026. The loan's sessions look a year old once
    # the clock is put right; nothing has been exported, so the retention keeps them all.
    import datetime as dt

    def wall(y, m, d):
        return dt.datetime(y, m, d, 10).timestamp()

    data = tmp_path / "data"
    rec = Records(data, clock=VirtualClock())
    for day in range(10, 21):
        rec.start_session("LOAN1", "home", "", wall(2025, 11, day))
        rec.add(breath(1.0))
        rec.end_session()
    assert rec.close() == 0
    rec = Records(data, clock=VirtualClock())  # the next start, the clock corrected
    assert rec.purge_older_than(365, now_wall=wall(2026, 11, 26)) == 0
    assert rows(data / DB_NAME, "SELECT count(*) FROM sessions") == [(11,)]
    assert rows(data / DB_NAME, "SELECT count(*) FROM breaths") == [(11,)]
    assert "11 session(s) older than keep_days (365 days) kept: not exported yet" in caplog.text
    # a new session, then more starts: still nothing of the loan is erased
    rec.start_session("LOAN1", "home", "", wall(2026, 11, 26))
    rec.add(breath(2.0))
    assert rec.close() == 0
    rec = Records(data, clock=VirtualClock())
    assert rec.purge_older_than(365, now_wall=wall(2026, 11, 27)) == 0
    assert rows(data / DB_NAME, "SELECT count(*) FROM sessions") == [(12,)]
    # the therapist exports: on the stick, the retention may erase the old ones
    export_to(tmp_path / "stick", data)
    (copy,) = (tmp_path / "stick").glob("ademcoach-export-*/records.sqlite")
    assert rows(copy, "SELECT count(*) FROM breaths") == [(12,)]
    assert rec.purge_older_than(365, now_wall=wall(2026, 11, 27)) == 11
    assert rows(data / DB_NAME, "SELECT started_at FROM sessions") == [(wall(2026, 11, 26),)]
    rec.close()


def test_an_export_marks_only_the_sessions_it_carried_complete(tmp_path):
    data = tmp_path / "data"
    rec = Records(data, clock=VirtualClock())
    rec.start_session("A", "home", "", 1_000_000.0)
    rec.add(breath(1.0))
    rec.start_session("A", "home", "", 1_000_100.0)  # the first ends as restarted
    rec.add(breath(2.0))
    assert rec.flush()  # the second is being recorded while the stick is in
    export_to(tmp_path / "stick", data)
    assert rows(data / DB_NAME, "SELECT id, exported_at IS NOT NULL FROM sessions") == [
        (1, 1), (2, 0)]
    rec.add(breath(3.0))  # joins the session after the export
    assert rec.flush()
    assert rec.purge_older_than(1, now_wall=WALL) == 1
    assert rows(data / DB_NAME, "SELECT at FROM breaths") == [(2.0,), (3.0,)]
    rec.close()
    # an interrupted session is complete once a later one began
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    conn.execute("UPDATE sessions SET ended_at=NULL, end_reason=NULL")  # a power cut
    conn.execute("INSERT INTO sessions (started_at) VALUES (?)", (WALL,))
    assert store.complete_sessions(conn) == [2]
    conn.close()


def test_default_data_dir(monkeypatch, tmp_path):
    unit = tmp_path / "unit"
    monkeypatch.setattr(store, "UNIT_DATA_DIR", unit)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir("/srv/x") == Path("/srv/x")            # configured wins
    assert default_data_dir("") == tmp_path / "xdg" / "ademcoach"  # no unit directory
    unit.mkdir()
    assert default_data_dir("") == unit                           # the unit's, writable
    assert default_data_dir("~/records") == Path.home() / "records"
    unit.rmdir()
    unit.write_text("a file, not a directory")
    assert default_data_dir("") == tmp_path / "xdg" / "ademcoach"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir("") == tmp_path / "home" / ".local" / "share" / "ademcoach"


@pytest.fixture
def unwritable_dir(request, tmp_path):
    """An existing directory this process cannot write to (root: a read-only mount)."""
    if os.geteuid() != 0:
        d = tmp_path / "ro"
        d.mkdir(mode=0o500)
        yield d
        d.chmod(0o700)
        return
    mnt = request.getfixturevalue("tmpfs")
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
    yield mnt
    subprocess.run(["mount", "-o", "remount,rw", str(mnt)], check=True)


def test_default_data_dir_is_the_unit_dir_even_when_it_cannot_write(monkeypatch, tmp_path,
                                                                    unwritable_dir):
    # report and wipe run as another user must say so, not read a directory of their own
    monkeypatch.setattr(store, "UNIT_DATA_DIR", unwritable_dir)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert unwritable_dir.is_dir()
    assert default_data_dir("") == unwritable_dir


def test_connect_migrates_fresh_database(tmp_path):
    conn = connect(tmp_path / f"{uuid.uuid4().hex}.sqlite")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "exercises", "breaths", "holds", "cues", "faults", "events"} <= names
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL


def test_from_settings_applies_data_dir_raw_and_retention(tmp_path):
    from feedback.config import validate

    old = Records(tmp_path, clock=VirtualClock())
    old.start_session("OLD", "home", "", 1_000_000.0)  # 1970: far past keep_days
    old.add(breath(1.0))
    assert old.close() == 0
    export_to(tmp_path / "stick", tmp_path)  # only what was exported is erased
    settings = validate({"records": {"data_dir": str(tmp_path), "keep_days": 30,
                                     "raw_signal": True, "raw_max_mb": 5}})
    rec = Records.from_settings(settings, VirtualClock())
    assert rec.data_dir == tmp_path and rec.raw_max_mb == 5
    assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM sessions") == [(0,)]
    rec.close()


def test_wipe_while_recording_drops_the_wiped_session_and_carries_on(tmp_path):
    from feedback.wipe import wipe

    rec = Records(tmp_path, clock=VirtualClock())
    rec.start_session("GONE", "home", "", WALL)
    rec.add(breath(1.0))
    assert rec.flush()
    assert wipe(tmp_path, force=True) == 1  # (the session being recorded: not exported)
    rec.add(breath(2.0))  # still the wiped session: must not end up under a dangling id
    assert rec.flush() and rec.problem is None
    rec.start_session("NEXT", "home", "", WALL + 60)
    rec.add(breath(3.0))
    assert rec.close() == 0
    assert rows(tmp_path / DB_NAME, "SELECT s.patient_code, b.at FROM breaths b JOIN sessions s "
                                    "ON s.id = b.session_id") == [("NEXT", 3.0)]
    assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM breaths") == [(1,)]


def test_a_unit_left_on_for_months_writes_as_much_per_commit_as_on_its_first_day(
        tmp_path, monkeypatch):
    """The writer forgets a session once a later one has ended (no event can join it
    once a later one began). Before, it kept every session of the run and asked the
    database about each at every commit, twice a second: 1 ms a commit with 10
    sessions, 10 ms with 3,000, growing without end on a unit never switched off.
    SQLite's limit on the values in one statement, set low here, shows it: the 60th
    session could not be saved."""
    from feedback import records_writer

    def connect_limited(*a, **k):
        conn = connect(*a, **k)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 50)
        return conn

    monkeypatch.setattr(records_writer, "connect", connect_limited)
    rec = Records(tmp_path, clock=VirtualClock(), retry_s=0.01)
    for n in range(60):
        rec.start_session(f"P{n}", "home", "", WALL + 3600 * n)
        rec.add(breath(1.0 + n))
        if n == 59:
            rec.add(ev.Hold(61.0, t=57.0))  # left open at its end ...
        rec.end_session("programme finished")
        assert rec.flush(timeout=10), rec.problem
    assert rec.add_after(ev.HoldEnd(120.0, t=117.0, not_worn=True))  # ... and closed after
    assert rec.close() == 0 and rec.problem is None
    assert rows(tmp_path / DB_NAME, "SELECT count(*), count(DISTINCT session_id) "
                                    "FROM breaths") == [(60, 60)]
    assert rows(tmp_path / DB_NAME, "SELECT s.patient_code, h.end_t, h.not_worn FROM holds h "
                                    "JOIN sessions s ON s.id = h.session_id") == [
        ("P59", 117.0, 1)]


def test_wipe_while_recording_ends_the_wiped_session_s_raw_signal(tmp_path):
    """The raw signal of the session being recorded went on after a wipe: its next file
    failed for the raw folder the wipe had removed, a storage fault on the screen for the
    rest of the session (or, in a folder that stayed, came back with the wiped patient's
    breathing)."""
    from feedback.wipe import wipe

    rec = Records(tmp_path, clock=VirtualClock(), raw_max_mb=0.01)  # 1 kB files
    rec.start_session("GONE", "home", "", WALL, raw_belts=["belly"])
    for k in range(200):
        rec.add_sample(k * 0.02, (1.5,))
    rec.add(breath(1.0))
    assert rec.flush()
    assert list((tmp_path / "raw").iterdir())
    assert wipe(tmp_path, force=True) == 1
    assert not (tmp_path / "raw").exists()
    for k in range(200, 400):  # still the wiped session
        rec.add_sample(k * 0.02, (1.5,))
    rec.add(breath(9.0))
    assert rec.flush()
    for k in range(400, 600):
        rec.add_sample(k * 0.02, (1.5,))
    rec.add(breath(13.0))  # (a write that comes after them)
    assert rec.flush() and rec.problem is None
    assert not (tmp_path / "raw").exists()
    rec.start_session("NEXT", "home", "", WALL + 60, raw_belts=["belly"])
    rec.add_sample(20.0, (1.5,))
    rec.add(breath(21.0))
    assert rec.close() == 0
    rows_ = [line for f in (tmp_path / "raw").iterdir() for line in f.read_text().split()]
    assert rows_ == ["t,belly", "20.0000,1.5"]


def test_fault_ends_are_matched_by_kind_and_belt(tmp_path):
    with Records(tmp_path, clock=VirtualClock()) as rec:
        rec.start_session("F", "home", "", WALL)
        rec.add(ev.Fault(1.0, "storage", detail="disk full"))   # no belt
        rec.add(ev.Fault(2.0, "i2c"))                           # no belt
        rec.add(ev.Fault(3.0, "disconnected", belt="chest"))
        rec.add(ev.Fault(4.0, "disconnected", belt="belly"))
        rec.add(ev.FaultEnd(5.0, "storage"))
        rec.add(ev.FaultEnd(6.0, "disconnected", belt="chest"))  # not the newest one
        rec.add(ev.FaultEnd(7.0, "disconnected", belt="belly"))
        rec.add(ev.FaultEnd(8.0, "flat", belt="chest"))          # nothing open: no change
        rec.add(ev.FaultEnd(8.5, "disconnected"))                # no belt-less one open
        assert rec.flush() and rec.problem is None
    assert rows(tmp_path / DB_NAME, "SELECT kind, belt, at, end_at FROM faults ORDER BY id") == [
        ("storage", None, 1.0, 5.0), ("i2c", None, 2.0, None),
        ("disconnected", "chest", 3.0, 6.0), ("disconnected", "belly", 4.0, 7.0)]


def test_inhale_and_exhale_are_acknowledged_but_not_stored(tmp_path):
    with Records(tmp_path, clock=VirtualClock()) as rec:
        rec.start_session("IE", "home", "", WALL)
        assert rec.add(ev.Inhale(1.0, t=0.5)) and rec.add(ev.Exhale(3.0, t=2.5))
        assert rec.flush() and rec.problem is None
    db = tmp_path / DB_NAME
    tables = [name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type='table'")]
    assert "events" in tables and "breaths" in tables
    counts = {t: rows(db, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}
    assert counts == {t: int(t == "sessions") for t in tables}  # only the session itself


def test_starting_a_session_while_one_is_open_ends_it_as_restarted(tmp_path):
    clock = VirtualClock(100.0)
    with Records(tmp_path, clock=clock) as rec:
        first = rec.start_session("A", "home", "", WALL)
        rec.add(breath(105.0))
        clock.advance(20.0)
        second = rec.start_session("B", "home", "", WALL + 20.0)
        rec.add(breath(125.0))
        clock.advance(10.0)
    assert (first, second) == (1, 2)
    assert rows(tmp_path / DB_NAME, "SELECT id, patient_code, started_at, ended_at, end_reason, "
                                    "start_t, end_t FROM sessions ORDER BY id") == [
        (1, "A", WALL, WALL + 20.0, "restarted", 100.0, 120.0),
        (2, "B", WALL + 20.0, WALL + 30.0, "closed", 120.0, 130.0)]
    assert rows(tmp_path / DB_NAME, "SELECT session_id, at FROM breaths ORDER BY id") == [
        (1, 105.0), (2, 125.0)]


def test_an_exercise_start_closes_the_exercise_still_open(tmp_path):
    clock = VirtualClock(0.0)
    with Records(tmp_path, clock=clock) as rec:
        rec.start_session("E", "home", "", WALL)
        rec.add(ev.Exercise(10.0, "Buikademhaling", "start"))
        rec.add(breath(15.0))
        rec.add(ev.Exercise(20.0, "Lange uitademing", "start"))  # no 'end' for the first
        rec.add(breath(25.0))
        clock.advance(40.0)
    db = tmp_path / DB_NAME
    ex = rows(db, "SELECT id, name, start_t, end_t FROM exercises ORDER BY id")
    assert [(n, s, e) for _, n, s, e in ex] == [("Buikademhaling", 10.0, 20.0),
                                                ("Lange uitademing", 20.0, 40.0)]
    assert rows(db, "SELECT exercise_id FROM breaths ORDER BY id") == [(ex[0][0],), (ex[1][0],)]


def test_events_before_any_session_are_refused(tmp_path):
    rec = Records(tmp_path, clock=VirtualClock())
    assert rec.add(breath(1.0)) is False
    assert rec.add(ev.Cue(1.0, "good")) is False
    assert rec.accepted == 0 and rec.pending == 0
    rec.start_session("S", "home", "", WALL)
    rec.end_session()
    assert rec.add(breath(2.0)) is False  # nor after it has ended
    assert rec.accepted == 2  # its start and its end
    assert rec.close() == 0
    assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM breaths") == [(0,)]
    assert rows(tmp_path / DB_NAME, "SELECT count(*) FROM cues") == [(0,)]


def _clinic_coach():
    from feedback.coach import Coach
    from feedback.config import validate
    from feedback.programme import SHIPPED, load_programme

    return Coach(validate({}), load_programme(SHIPPED / "clinic.toml"), 0.0)


def test_the_coach_says_each_exercise_target_its_active_time_and_pauses():
    coach = _clinic_coach()
    (start,) = coach.button("start_pause", 0.0)
    assert (start.name, start.pacer, start.target_ratio) == ("Kalibratie", "off", None)
    end, belly = press_next(coach, 10.0)
    assert (end.phase, end.active_s, end.in_sync) == ("end", 10.0, None)
    # belly_lying: 3.5 s in, 7 s out, 1 s pause after the exhale: 8 / 3.5 as measured
    # (the end of its 1:1 -> 1:2 progression), not the config's 6 / 4
    assert (belly.name, belly.pacer) == ("Buikademhaling liggend", "fixed")
    assert belly.target_ratio == pytest.approx(8.0 / 3.5)
    assert belly.target_rate_bpm == pytest.approx(60.0 / 11.5)
    assert coach.button("start_pause", 20.0) == [ev.Pause(20.0)]
    assert coach.button("start_pause", 50.0) == [ev.Resume(50.0)]
    for k in range(4):  # breaths in the pacer's rhythm
        t0 = 50.0 + 11.5 * k
        coach.feed(ev.Breath(t0 + 11.5, start=t0, peak=t0 + 3.5, end=t0 + 11.5,
                             inhale_s=3.5, exhale_s=8.0, rate_bpm=60 / 11.5))
    end, ribs = press_next(coach, 110.0)
    assert end.active_s == pytest.approx(100.0 - 30.0)  # the 30 s pause is no practice
    assert 0.0 < end.in_sync <= 1.0
    assert ribs.target_ratio == pytest.approx(7.0 / 4.0)  # the config's 4 s / 6 s + 1 s


def test_exercise_targets_active_time_and_pauses_are_stored(tmp_path):
    with Records(tmp_path, clock=VirtualClock(0.0)) as rec:
        rec.start_session("AB12", "clinic", "", WALL)
        rec.add(ev.Exercise(0.0, "Kalibratie", "start", pacer="off"))
        rec.add(ev.Exercise(10.0, "Kalibratie", "end", active_s=10.0))
        rec.add(ev.Exercise(10.0, "Buik", "start", pacer="fixed", target_ratio=2.25,
                            target_rate_bpm=5.5))
        rec.add(ev.Pause(20.0))
        rec.add(ev.Resume(50.0))
        rec.add(ev.Exercise(110.0, "Buik", "end", active_s=70.0, in_sync=0.75))
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None
    assert rows(tmp_path / DB_NAME, "SELECT name, pacer, target_ratio, target_rate_bpm, "
                                    "active_s, in_sync FROM exercises ORDER BY id") == [
        ("Kalibratie", "off", None, None, 10.0, None), ("Buik", "fixed", 2.25, 5.5, 70.0, 0.75)]
    assert rows(tmp_path / DB_NAME, "SELECT at, kind FROM events ORDER BY id") == [
        (20.0, "pause"), (50.0, "resume")]


def test_schema_2_gets_the_exercise_columns_keeping_old_rows_unknown(tmp_path):
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, upto=2)
    conn.execute("INSERT INTO sessions (patient_code, programme, started_at, config) "
                 "VALUES ('OLD1', 'home', ?, '')", (WALL,))
    conn.execute("INSERT INTO exercises (session_id, name, start_t, end_t) "
                 "VALUES (1, 'Oud', 0, 60)")
    conn.close()
    connect(db).close()
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION >= 3
    assert rows(db, "SELECT name, pacer, target_ratio, active_s, in_sync FROM exercises") == [
        ("Oud", None, None, None, None)]


FOLLOWED = {"in_sync": 12, "exhale_short": 6, "too_fast": 1, "too_slow": 1}


def test_how_the_breaths_followed_the_pacer_is_stored_and_read_back(tmp_path):
    """The exercise end's count of each verdict goes into the record and comes back to the
    report as it was; an exercise without a pacer has none (NULL, not zeros)."""
    from feedback.sessions import load_sessions

    with Records(tmp_path, clock=VirtualClock(0.0)) as rec:
        rec.start_session("AB12", "home", "", WALL)
        rec.add(ev.Exercise(0.0, "Kalibratie", "start", pacer="off"))
        rec.add(ev.Exercise(10.0, "Kalibratie", "end", active_s=10.0))
        rec.add(ev.Exercise(10.0, "Buik", "start", pacer="fixed", target_ratio=2.25,
                            target_rate_bpm=5.5))
        rec.add(ev.Exercise(250.0, "Buik", "end", active_s=240.0, in_sync=0.6,
                            following=FOLLOWED, short_exhale=7))
        rec.add(ev.Exercise(250.0, "Ribben", "start", pacer="adaptive", target_ratio=2.0,
                            target_rate_bpm=6.0))
        rec.add(ev.Exercise(260.0, "Ribben", "end", active_s=10.0,  # (none judged)
                            following=dict.fromkeys(FOLLOWED, 0), short_exhale=0))
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None
    assert rows(tmp_path / DB_NAME, "SELECT name, in_sync, in_sync_n, exhale_short_n, "
                                    "too_fast_n, too_slow_n, short_exhale_n FROM exercises "
                                    "ORDER BY id") == [
        ("Kalibratie", None, None, None, None, None, None), ("Buik", 0.6, 12, 6, 1, 1, 7),
        ("Ribben", None, 0, 0, 0, 0, 0)]
    conn = connect(tmp_path / DB_NAME, create=False)
    try:
        (s,) = load_sessions(conn)
    finally:
        conn.close()
    assert [e.following for e in s.exercises] == [None, FOLLOWED, dict.fromkeys(FOLLOWED, 0)]
    assert [e.short_exhale for e in s.exercises] == [None, 7, 0]


def _paced_exercise_edited(tmp_path, column: str, value: str):
    """The exercises of a session with one paced exercise (FOLLOWED, 20 judged, 7 of them
    with too short an exhale), read back after ``column`` was set to ``value`` by hand."""
    from feedback.sessions import load_sessions

    with Records(tmp_path, clock=VirtualClock(0.0)) as rec:
        rec.start_session("AB12", "home", "", WALL)
        rec.add(ev.Exercise(0.0, "Buik", "start", pacer="fixed", target_ratio=2.25))
        rec.add(ev.Exercise(60.0, "Buik", "end", active_s=60.0, in_sync=0.6,
                            following=FOLLOWED, short_exhale=7))
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute(f"UPDATE exercises SET {column} = {value}")
    conn.commit()
    conn.close()
    conn = connect(tmp_path / DB_NAME, create=False)
    try:
        (s,) = load_sessions(conn)
    finally:
        conn.close()
    return [(e.in_sync, e.following, e.short_exhale) for e in s.exercises]


@pytest.mark.parametrize("edited", ["9e999", "-1", "-9e999", "'fast'", "x'00'"])
def test_a_verdict_count_edited_by_hand_out_of_range_reads_as_not_recorded(tmp_path, edited):
    """SQLite keeps 9e999 in an INTEGER column as an infinite real: the report (and the
    export, which writes it) stopped with an OverflowError turning it into a count. Text
    or bytes there are read past as any wrong type is. (The short exhales, counted among
    the verdicts, go with them.)"""
    assert _paced_exercise_edited(tmp_path, "too_fast_n", edited) == [(0.6, None, None)]


@pytest.mark.parametrize("edited", ["21", "-1", "9e999", "'few'"])
def test_a_short_exhale_count_edited_by_hand_out_of_range_reads_as_not_recorded(tmp_path,
                                                                               edited):
    """More short exhales than breaths judged (20), below 0 or infinite cannot be a count:
    read as not recorded, the verdicts kept; 20, all of them, can."""
    assert _paced_exercise_edited(tmp_path, "short_exhale_n", edited) == [
        (0.6, FOLLOWED, None)]
    assert _paced_exercise_edited(tmp_path / "all", "short_exhale_n", "20") == [
        (0.6, FOLLOWED, 20)]


def _upgraded(tmp_path, schema: int, exercise: dict, **end):
    """A database of ``schema`` with one old session whose paced exercise had the columns
    of ``exercise``, opened by this version, which records a session of its own with an
    exercise ending with ``end``: the two sessions, old and new, as loaded."""
    from feedback.sessions import load_sessions

    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, upto=schema)
    conn.execute("INSERT INTO sessions (patient_code, programme, started_at, config, start_t,"
                 " end_t, ended_at, end_reason) VALUES ('OLD1', 'home', ?, '', 0, 300, ?, "
                 "'programme finished')", (WALL, WALL + 300))
    row = {"session_id": 1, "name": "Buik", "start_t": 0, "end_t": 300, "pacer": "fixed",
           "target_ratio": 2.25, "active_s": 300, "kind": "breathing", **exercise}
    conn.execute(f"INSERT INTO exercises ({', '.join(row)}) VALUES "
                 f"({', '.join('?' * len(row))})", tuple(row.values()))
    conn.close()
    with Records(tmp_path, clock=VirtualClock(0.0)) as rec:
        rec.start_session("OLD1", "home", "", WALL + 86400)
        rec.add(ev.Exercise(0.0, "Buik", "start", pacer="fixed", target_ratio=2.25))
        rec.add(ev.Exercise(300.0, "Buik", "end", active_s=300.0, in_sync=0.6,
                            following=FOLLOWED, **end))
        rec.end_session("programme finished")
        assert rec.flush() and rec.problem is None
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    conn = connect(db, create=False)
    try:
        return load_sessions(conn)
    finally:
        conn.close()


def test_schema_8_gets_the_short_exhale_count_keeping_old_exercises_not_recorded(tmp_path):
    """A database of schema 8 opens, migrates to 9 and keeps its verdicts: its exercise
    has no count of short exhales (not recorded); one recorded after the upgrade has."""
    old, new = _upgraded(tmp_path, 8, {"in_sync": 0.6, "in_sync_n": 12, "exhale_short_n": 6,
                                       "too_fast_n": 1, "too_slow_n": 1}, short_exhale=9)
    assert SCHEMA_VERSION == 9
    assert [(e.following, e.short_exhale) for e in old.exercises] == [(FOLLOWED, None)]
    assert [(e.following, e.short_exhale) for e in new.exercises] == [(FOLLOWED, 9)]


def test_schema_7_gets_the_verdict_counts_keeping_old_exercises_not_recorded(tmp_path):
    """A database of schema 7 (before the verdicts were stored) opens, migrates to 8 and
    keeps its rows: its paced exercise has its share in rhythm and no breakdown, which
    reads as not recorded; a session recorded after the upgrade has both."""
    old, new = _upgraded(tmp_path, 7, {"in_sync": 0.5})
    assert rows(tmp_path / DB_NAME, "SELECT session_id, in_sync, in_sync_n, exhale_short_n, "
                                    "too_fast_n, too_slow_n FROM exercises ORDER BY id") == [
        (1, 0.5, None, None, None, None), (2, 0.6, 12, 6, 1, 1)]
    assert [(e.in_sync, e.following) for e in old.exercises] == [(0.5, None)]
    assert [(e.in_sync, e.following) for e in new.exercises] == [(0.6, FOLLOWED)]


def _way_back(repo, version: int) -> str:
    """The commands docs/service.md gives to take a database from ``version`` back one."""
    import re

    text = (repo / "docs" / "service.md").read_text(encoding="utf-8")
    block = text.split(f"Back from schema {version} to {version - 1}", 1)[1].split("```")[1]
    return "".join(re.findall(r'"([^"]*)"', block.split("executescript(", 1)[1]))


@pytest.mark.parametrize("to", [8, 7])
def test_the_way_back_that_service_md_gives_leaves_the_older_schema(tmp_path, repo, to):
    """docs/service.md gives the commands that take a database back to schema 8, and from
    there to 7 (a unit taken back to a version before): they leave the exercises table as
    that schema made it, the rows kept, and this version brings it up again."""
    db = tmp_path / DB_NAME
    with Records(tmp_path, clock=VirtualClock(0.0)) as rec:
        rec.start_session("AB12", "home", "", WALL)
        rec.add(ev.Exercise(0.0, "Buik", "start", pacer="fixed", target_ratio=2.25))
        rec.add(ev.Exercise(60.0, "Buik", "end", active_s=60.0, in_sync=0.6,
                            following=FOLLOWED, short_exhale=7))
        rec.end_session("stopped")
    for version in range(SCHEMA_VERSION, to, -1):
        sqlite3.connect(db).executescript(_way_back(repo, version))
    older = sqlite3.connect(":memory:", isolation_level=None)
    migrate(older, upto=to)
    assert rows(db, "PRAGMA table_info(exercises)") == older.execute(
        "PRAGMA table_info(exercises)").fetchall()
    assert rows(db, "PRAGMA user_version") == [(to,)]
    assert rows(db, "SELECT name, in_sync FROM exercises") == [("Buik", 0.6)]
    connect(db).close()
    assert rows(db, "SELECT in_sync, short_exhale_n FROM exercises") == [(0.6, None)]


def test_a_stop_while_the_card_is_full_says_how_many_events_are_lost(tmp_path, caplog):
    """close() returned the count and nobody looked: the loss was silent."""
    caplog.set_level(logging.ERROR, logger="ademcoach.records")
    rec, _ = filled(tmp_path)
    left = rec.close(timeout=2)
    assert left > 0
    (said,) = [r.getMessage() for r in caplog.records]
    assert said == (f"records: {left} events not saved at the stop and lost "
                    "(records not saved: database or disk is full)")



def test_simulated_sessions_go_by_age_as_no_export_takes_them(tmp_path):
    """`export` never copies the simulated records, so waiting for an export kept them
    for good (they carry the patient code of the config they ran with)."""
    from feedback.config import defaults
    from feedback.store import SIMULATED

    settings = defaults()
    settings.records["data_dir"] = str(tmp_path / "data")
    settings.records["keep_days"] = 1
    sim = tmp_path / "data" / SIMULATED
    with Records(sim, clock=VirtualClock()) as rec:
        for day in (30, 0):
            rec.start_session("P042", "home", "", time.time() - day * 86400)
            rec.end_session()
    Records.from_settings(settings, VirtualClock(), subdir=SIMULATED).close()
    assert len(rows(sim / DB_NAME, "SELECT id FROM sessions")) == 1
    with Records(tmp_path / "data", clock=VirtualClock()) as rec:  # the patient's: kept
        rec.start_session("P042", "home", "", time.time() - 30 * 86400)
        rec.end_session()
    Records.from_settings(settings, VirtualClock()).close()
    assert len(rows(tmp_path / "data" / DB_NAME, "SELECT id FROM sessions")) == 1


def test_a_card_that_stops_answering_is_a_storage_fault_and_nothing_is_lost(tmp_path,
                                                                           monkeypatch):
    """An SD card can hang (in an fsync, say) without an error: the writer then waits
    and nothing showed that no record was being saved. A write that has not come back
    for HUNG_S is a storage fault, on screen and in the records, until it does; then
    everything waiting is saved. (The hang is SQLite's own progress callback held.)"""
    import threading

    import feedback.records_writer as writer_mod
    from feedback.records import HUNG_S

    gate, stuck = threading.Event(), threading.Event()
    gate.set()
    real = writer_mod.connect

    def connect(path, *args, **kw):
        conn = real(path, *args, **kw)

        def progress():
            if not gate.is_set():
                stuck.set()
                gate.wait()
            return 0

        conn.set_progress_handler(progress, 50)
        return conn

    monkeypatch.setattr(writer_mod, "connect", connect)
    mono = [100.0]
    rec = Records(tmp_path, clock=VirtualClock(), monotonic=lambda: mono[0])
    sid = rec.start_session("AB12", "home", "", WALL)
    rec.add(breath(5.0))
    assert rec.flush(30.0) and rec.storage_events(5.0) == []
    gate.clear()
    rec.add(breath(10.0))
    try:
        assert stuck.wait(30.0)  # the writer is inside its write, and stays there
        mono[0] += HUNG_S - 0.1
        assert rec.storage_events(11.0) == [] and rec.problem is None  # not yet
        mono[0] += 0.2
        (fault,) = rec.storage_events(12.0)
        assert (fault.kind, fault.at) == ("storage", 12.0)
        assert fault.detail == "records not saved: the storage has not answered for 10 s"
        assert rec.storage_events(13.0) == []  # said once
    finally:
        gate.set()
    assert rec.flush(30.0) and rec.problem is None
    (end,) = rec.storage_events(14.0)
    assert isinstance(end, ev.FaultEnd) and (end.kind, end.at) == ("storage", 14.0)
    rec.end_session("stopped")
    assert rec.close() == 0
    assert rows(tmp_path / DB_NAME, "SELECT session_id, at FROM breaths ORDER BY at") == [
        (sid, 5.0), (sid, 10.0)]


def test_slow_commits_of_a_worn_card_are_said_in_the_journal(tmp_path, monkeypatch,
                                                            caplog):
    """A worn SD card whose fsync takes 2.5 s breaks the promise that acknowledged events
    older than 2 s are on the card, and nothing said so until a write hung for HUNG_S.
    Slow commits are logged at the 1st, 10th, 100th ...; the time a commit takes is the
    writer's clock (SQLite's progress callback moves it on, nothing sleeps)."""
    import feedback.records_writer as writer_mod

    real = writer_mod.connect
    mono = [100.0]
    slow = [0.0]  # how long the next commit takes

    def connect(path, *args, **kw):
        conn = real(path, *args, **kw)

        def progress():
            mono[0] += slow[0]
            slow[0] = 0.0  # (once per commit)
            return 0

        conn.set_progress_handler(progress, 1)
        return conn

    monkeypatch.setattr(writer_mod, "connect", connect)
    rec = Records(tmp_path, clock=VirtualClock(), monotonic=lambda: mono[0])
    rec.start_session("AB12", "home", "", WALL)
    with caplog.at_level(logging.WARNING, logger="ademcoach.records"):
        # (0.75 s: no longer than SLOW_COMMIT_S, not slow; 0.875 s, the worst so far)
        for i, took in enumerate([0.75, 0.1, 0.875, 0.2, 2.5] + [1.5] * 8):
            slow[0] = took
            rec.add(breath(5.0 * (i + 1)))
            assert rec.flush(30.0)
    said = [r.getMessage() for r in caplog.records if "took" in r.getMessage()]
    assert len(said) == 2, said  # the 1st and the 10th slow one, not the fast ones
    assert said[0].startswith("records: a commit of 1 events took 0.9 s (1 slow of 3 so far, "
                              "worst 0.9 s;"), said[0]
    assert "(10 slow of 13 so far, worst 2.5 s;" in said[1]
    assert said[1].endswith("events up to 5.5 s old may be lost at a power cut")
    assert rec.close() == 0
    assert len(rows(tmp_path / DB_NAME, "SELECT at FROM breaths")) == 13  # all written


def test_a_second_run_on_the_same_records_leaves_the_first_s_session_open(tmp_path,
                                                                          caplog):
    """Each start marks the sessions an earlier run left without an end as interrupted.
    A second run recording into the same folder at the same time (a run started by hand
    beside the service) took the first's running session for one cut short: an export
    would then mark it exported while rows still joined it. The run that records holds
    records.lock; the second leaves the sessions alone, and says so."""
    from feedback.config import load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[records]\ndata_dir = "{tmp_path / "data"}"\n')
    first = Records.from_settings(load_config(cfg), VirtualClock(0.0))
    sid = first.start_session("AB12", "home", "", WALL)
    first.add(breath(5.0))
    assert first.flush(30.0)
    with caplog.at_level(logging.WARNING, logger="ademcoach.records"):
        second = Records.from_settings(load_config(cfg), VirtualClock(0.0))
    assert "another run records in" in caplog.text
    assert rows(tmp_path / "data" / DB_NAME,
                "SELECT end_reason FROM sessions WHERE id = ?", sid) == [(None,)]
    assert second.close() == 0 and first.close() == 0
    assert rows(tmp_path / "data" / DB_NAME, "SELECT end_reason FROM sessions") == [
        ("closed",)]
    # a run that was killed (its lock gone with it) is cut short, and the next start says so
    third = Records.from_settings(load_config(cfg), VirtualClock(0.0))
    third.start_session("AB12", "home", "", WALL + 60)
    third.add(breath(65.0))
    assert third.flush(30.0)
    os.close(third._lock)  # (as the kill's end of the process would)
    third._lock = None
    fourth = Records.from_settings(load_config(cfg), VirtualClock(0.0))
    assert rows(tmp_path / "data" / DB_NAME, "SELECT id, end_reason FROM sessions") == [
        (sid, "closed"), (sid + 1, "interrupted")]
    assert fourth.close() == 0
    third.close()  # (the killed run's writer, in this process)


def test_records_where_no_lock_can_be_taken_still_mark_a_session_cut_short(
        tmp_path, caplog, monkeypatch):
    """A data directory on a file system that has no flock (ENOLCK: an NFS mount without
    its lock daemon) was taken for one another run records in: the log said so, wrongly,
    and the session a power cut left open was never marked (as where no lock file can be
    made, the start goes on without the lock)."""
    import errno
    import fcntl

    from feedback.config import load_config

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[records]\ndata_dir = "{tmp_path / "data"}"\n')
    cut = Records.from_settings(load_config(cfg), VirtualClock(0.0))
    sid = cut.start_session("AB12", "home", "", WALL)
    cut.add(breath(5.0))
    assert cut.flush(30.0)
    cut._current = None  # (a power cut: the session has no end)
    assert cut.close() == 0

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with caplog.at_level(logging.WARNING, logger="ademcoach.records"):
        rec = Records.from_settings(load_config(cfg), VirtualClock(0.0))
    assert "another run records" not in caplog.text
    assert "no lock" in caplog.text
    assert rows(tmp_path / "data" / DB_NAME, "SELECT end_reason FROM sessions WHERE id = ?",
                sid) == [("interrupted",)]
    assert rec.close() == 0
