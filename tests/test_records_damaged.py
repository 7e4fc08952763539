"""A damaged records database (an SD card that lost power mid-write, a bad sector): it is
set aside and kept, a new one starts with every row that can still be read, and the unit
keeps recording."""

import sqlite3
from pathlib import Path

import pytest
from test_records import rows

from feedback import events as ev
from feedback import store
from feedback.clock import VirtualClock
from feedback.records import Records
from feedback.store import DB_NAME, damaged_files, is_damaged

WALL = 1_760_000_000.0
PER_SESSION = 300  # breaths: several pages of the breaths table per session


def breath(t):
    return ev.Breath(t, start=t - 5.0, peak=t - 3.0, end=t, inhale_s=2.0, exhale_s=3.0,
                     rate_bpm=12.0)


def breathe(rec, clock, n: int) -> None:
    """``n`` breaths into ``rec``, one every 5 s of ``clock``."""
    for _ in range(n):
        clock.advance(5.0)
        rec.add(breath(clock.now()))


def damaged_under_a_session(rec, clock, db) -> None:
    """The page where the running session's next breath goes is damaged; the writer
    opens the file again, 5 more breaths come and the session ends, all of it written."""
    damage(db, "breaths", which="last")
    rec.set_max_db_bytes(None)  # the writer opens the file again
    breathe(rec, clock, 5)
    rec.end_session("stopped")
    assert rec.flush() and rec.problem is None


def record(data, clock, sessions: int, code="AB12"):
    with Records(data, clock=clock) as rec:
        for _ in range(sessions):
            rec.start_session(code, "home", "", WALL + clock.now())
            rec.add(ev.Exercise(clock.now(), "Buikademhaling", "start"))
            breathe(rec, clock, PER_SESSION)
            rec.end_session("stopped")
        assert rec.flush() and rec.problem is None


def flushed(rec, seconds: float = 30.0) -> bool:
    """Everything written, waiting through the writer's pauses between retries."""
    import time

    deadline = time.monotonic() + seconds
    while not rec.flush(timeout=0.5):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def damage(db, table: str, which: str = "middle") -> tuple[int, int]:
    """Overwrite one leaf page of ``table`` with garbage, as a failing card would.
    Returns how many leaf pages the table has and how many rows the damaged one held."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page is in the main file
        pages = conn.execute("SELECT pageno, ncell FROM dbstat WHERE name=? AND "
                             "pagetype='leaf' ORDER BY pageno", (table,)).fetchall()
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    page, cells = {"first": pages[0], "middle": pages[len(pages) // 2],
                   "last": pages[-1]}[which]
    with open(db, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xa5" * size)
    return len(pages), cells


def test_damage_is_told_apart_from_a_passing_problem(tmp_path):
    data = tmp_path / "data"
    record(data, VirtualClock(0.0), 2)
    db = data / DB_NAME
    damage(db, "breaths")
    with pytest.raises(sqlite3.DatabaseError) as info:
        rows(db, "SELECT count(*), sum(at) FROM breaths")
    assert is_damaged(info.value)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database, " * 200)
    with pytest.raises(store.Damaged):
        store.connect(tmp_path / "junk.sqlite")
    locked = sqlite3.OperationalError("database is locked")
    assert not is_damaged(locked) and not is_damaged(OSError(28, "No space left on device"))


def test_a_damaged_database_is_set_aside_kept_and_what_can_be_read_is_recovered(tmp_path):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 3)
    db = data / DB_NAME
    leaves, cells = damage(db, "breaths")
    assert leaves >= 6
    before = db.read_bytes()

    with Records(data, clock=clock) as rec:
        kept = damaged_files(data)
        assert [k.name[:16] for k in kept] == ["records-damaged-"]
        assert kept[0].read_bytes() == before  # kept exactly as it was found
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert [r[0] for r in rows(db, "SELECT id FROM sessions ORDER BY id")] == [1, 2, 3]
        # only the rows on the damaged page are lost
        assert rows(db, "SELECT count(*) FROM breaths") == [(3 * PER_SESSION - cells,)]
        assert rows(db, "SELECT count(*) FROM exercises") == [(3,)]

        sid = rec.start_session("AB12", "home", "", WALL + clock.now())
        assert sid == 4  # after the recovered ones
        clock.advance(5.0)
        rec.add(breath(clock.now()))
        for e in rec.storage_events(clock.now()):
            rec.add(e)
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None
    faults = rows(db, "SELECT session_id, kind, at, end_at, detail FROM faults")
    assert len(faults) == 1
    session, kind, at, end_at, detail = faults[0]
    assert (session, kind, at) == (4, "storage", end_at)
    assert kept[0].name in detail
    assert (f"recovered 3 sessions, 3 exercises, {3 * PER_SESSION - cells} of at most "
            f"{3 * PER_SESSION} breaths") in detail
    assert "kept file" not in detail  # nothing readable was left out
    assert detail in store.note_of(kept[0]).read_text()  # also next to the kept file
    assert rows(db, "SELECT count(*) FROM breaths WHERE session_id=4") == [(1,)]


def test_the_damage_notice_waits_for_a_session_and_comes_once(tmp_path):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    damage(data / DB_NAME, "breaths")
    with Records(data, clock=clock) as rec:
        assert rec.storage_events(1.0) == []  # no session to put it in yet
        rec.start_session("AB12", "home", "", WALL)
        first = rec.storage_events(2.0)
        assert [type(e).__name__ for e in first] == ["Fault", "FaultEnd"]
        assert rec.storage_events(3.0) == []


def test_damage_found_while_recording_keeps_the_running_session(tmp_path):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    db = data / DB_NAME
    with Records(data, clock=clock) as rec:
        rec.start_session("CD34", "home", "[pacer]\n", WALL)
        rec.add(ev.Exercise(0.0, "Lange uitademing", "start"))
        breathe(rec, clock, PER_SESSION)
        assert rec.flush()
        damage(db, "sessions", which="first")  # the running session's own row
        rec.set_max_db_bytes(None)  # the writer opens the file again and reads it
        breathe(rec, clock, 10)
        rec.add(ev.Hold(clock.now(), t=clock.now() - 4.0))
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None and rec.pending == 0
    assert len(damaged_files(data)) == 1
    assert rows(db, "SELECT id, patient_code, config, started_at, end_reason FROM sessions") == [
        (1, "CD34", "[pacer]\n", WALL, "stopped")]
    # the breaths from before the damage were salvaged into the session's new row
    assert rows(db, "SELECT count(*) FROM breaths WHERE session_id=1") == [(PER_SESSION + 10,)]
    assert rows(db, "SELECT count(*) FROM holds WHERE session_id=1") == [(1,)]


def test_a_damaged_file_that_cannot_be_moved_is_a_storage_problem_not_a_crash(
        tmp_path, monkeypatch):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    db = data / DB_NAME
    damage(db, "breaths", which="last")  # where the next breath goes

    def refuse(src, dst):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(store.os, "replace", refuse)  # the card went read-only
    with Records(data, clock=clock, retry_s=0.05) as rec:
        rec.start_session("EF56", "home", "", WALL)  # its id: the old ones were unreadable
        rec.add(breath(5.0))
        assert not rec.flush(timeout=30.0)
        assert rec.problem and rec.problem.startswith("records not saved")
        assert rec.pending >= 1  # kept, retried
        assert [type(e).__name__ for e in rec.storage_events(6.0)] == ["Fault"]
        monkeypatch.undo()  # the card works again: a later retry replaces the file
        assert flushed(rec) and rec.problem is None
        assert [type(e).__name__ for e in rec.storage_events(7.0)] == ["FaultEnd"]
        assert [type(e).__name__ for e in rec.storage_events(8.0)] == ["Fault", "FaultEnd"]
    assert len(damaged_files(data)) == 1
    # the old session keeps its id and its breaths; the running one did not take them
    assert rows(db, "SELECT id, patient_code FROM sessions ORDER BY id") == [
        (1, "AB12"), (2, "EF56")]
    got = dict(rows(db, "SELECT session_id, count(*) FROM breaths GROUP BY session_id"))
    assert got[2] == 1 and PER_SESSION * 0.8 < got[1] < PER_SESSION


def test_a_running_session_is_found_again_when_the_old_ids_were_never_known(
        tmp_path, monkeypatch):
    """The file could not be read at start (locked, not damaged): the next session's id
    was a guess. Damage met later while writing is replaced then, and the running
    session continues in the row salvaged for it, not in a second one."""
    import feedback.records

    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    db = data / DB_NAME

    def locked(*a, **k):
        raise sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as m:
        m.setattr(feedback.records, "connect", locked)
        rec = Records(data, clock=clock, retry_s=0.05)
    try:
        rec.start_session("EF56", "home", "", WALL + 1e6)  # its id was guessed: 1, taken
        breathe(rec, clock, 5)
        assert rec.flush() and rec.problem is None
        damaged_under_a_session(rec, clock, db)  # where the next breath goes
    finally:
        rec.close()
    assert len(damaged_files(data)) == 1
    assert rows(db, "SELECT id, patient_code, end_reason FROM sessions ORDER BY id") == [
        (1, "AB12", "stopped"), (2, "EF56", "stopped")]
    assert rows(db, "SELECT count(*) FROM breaths WHERE session_id=2")[0][0] >= 5


def test_a_replacement_that_fails_changes_nothing_and_is_tried_again(tmp_path, monkeypatch):
    """No room for the copy (a full card): the damaged file stays where it is, nothing
    is lost, the screen says records are not saved, and the next try replaces it."""
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 2)
    db = data / DB_NAME
    _, cells = damage(db, "breaths")
    before = db.read_bytes()

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfile", full)
    with Records(data, clock=clock, retry_s=0.05) as rec:
        assert db.read_bytes() == before and not damaged_files(data)
        assert not list(data.glob("*.new*")) and not list(data.glob(".ademcoach-salvage*"))
        rec.start_session("AB12", "home", "", WALL + 1e6)
        rec.add(breath(clock.now() + 5.0))
        assert not rec.flush(timeout=30.0)
        assert rec.problem and "damaged" in rec.problem and rec.pending >= 1
        assert db.read_bytes() == before  # not written to while damaged
        monkeypatch.undo()
        assert flushed(rec) and rec.problem is None
    (kept,) = damaged_files(data)
    assert kept.read_bytes() == before
    assert rows(db, "SELECT count(*) FROM sessions") == [(3,)]
    assert rows(db, "SELECT count(*) FROM breaths") == [(2 * PER_SESSION - cells + 1,)]


@pytest.mark.parametrize("switched", [True, False])
def test_a_replacement_cut_short_is_finished_or_undone_at_the_next_start(tmp_path, switched):
    """A power cut during a replacement: the new database was complete and the damaged
    one already set aside (put the new one in place), or it was not (remove it: the
    damaged file is still in place and is replaced again)."""
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    db = data / DB_NAME
    new = data / (DB_NAME + store.NEW_SUFFIX)
    if switched:
        db.rename(new)  # the damaged one already set aside, the new one not yet renamed
    else:
        damage(db, "breaths")
        new.write_bytes(b"half a database")
    with Records(data, clock=clock) as rec:
        rec.start_session("AB12", "home", "", WALL + 1e6)
        assert rec.flush()
    assert not new.exists()
    assert rows(db, "SELECT count(*) FROM sessions") == [(2,)]
    assert len(damaged_files(data)) == (0 if switched else 1)


def test_rows_whose_session_row_was_lost_are_counted_and_kept_in_the_file(tmp_path):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 2)
    damage(data / DB_NAME, "sessions", which="first")  # every session row
    with Records(data, clock=clock) as rec:
        rec.start_session("AB12", "home", "", WALL + 1e6)
        for e in rec.storage_events(clock.now()):
            rec.add(e)
        assert rec.flush()
    (detail,) = rows(data / DB_NAME, "SELECT detail FROM faults")[0]
    assert "recovered nothing" in detail
    assert (f"left only in the kept file (their session row was lost): 2 exercises, "
            f"{2 * PER_SESSION} breaths") in detail


def test_the_start_check_finds_a_stale_index_page(tmp_path):
    """A card that loses a write: an index page keeps its old contents. Every page
    reads fine (quick_check passes), but the index no longer matches its table, and
    a report by session would miss breaths. The start-up check finds it, and the new
    database has all of them again."""
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 2)
    db = data / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    old = db.read_bytes()
    record(data, clock, 2)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    leaves = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE "
                                         "name='breaths_session' AND pagetype='leaf'")]
    conn.close()
    new = db.read_bytes()
    page = next(p for p in leaves if p * size <= len(old)
                and old[(p - 1) * size:p * size] != new[(p - 1) * size:p * size])
    with open(db, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(old[(page - 1) * size:page * size])
    assert rows(db, "PRAGMA quick_check") == [("ok",)]
    assert rows(db, "PRAGMA integrity_check") != [("ok",)]
    Records(data, clock=clock).close()
    assert len(damaged_files(data)) == 1
    assert rows(db, "SELECT session_id, count(*) FROM breaths GROUP BY session_id") == [
        (k, PER_SESSION) for k in (1, 2, 3, 4)]


def test_a_running_exercise_whose_row_was_lost_gets_it_back(tmp_path):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    db = data / DB_NAME
    with Records(data, clock=clock) as rec:
        rec.start_session("CD34", "home", "", WALL)
        rec.add(ev.Exercise(0.0, "Lange uitademing", "start", pacer="fixed", target_ratio=2.0,
                            target_rate_bpm=6.0))
        breathe(rec, clock, 10)
        assert rec.flush()
        damage(db, "exercises", which="first")
        rec.set_max_db_bytes(None)
        rec.add(breath(clock.now() + 5.0))
        rec.add(ev.Exercise(clock.now() + 6.0, "Lange uitademing", "end", active_s=56.0,
                            in_sync=0.8))
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None
    assert rows(db, "SELECT id, name, start_t, end_t, pacer, target_ratio, active_s, in_sync "
                    "FROM exercises") == [(1, "Lange uitademing", 0.0, 56.0, "fixed", 2.0,
                                          56.0, 0.8)]
    assert rows(db, "SELECT count(*) FROM breaths WHERE exercise_id=1") == [(11,)]


def test_kept_damaged_files_follow_the_retention(tmp_path):
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    damage(data / DB_NAME, "breaths")
    Records(data, clock=clock).close()
    (kept,) = damaged_files(data)
    assert store.note_of(kept).exists()
    orphan = data / "records-damaged-20200101-000000.sqlite-wal"  # its file is gone
    orphan.write_bytes(b"old WAL")
    import time

    from feedback.export import _export, _mark_exported

    rec = Records(data, clock=clock)
    try:
        rec.purge_older_than(365, now_wall=time.time() + 364 * 86400)
        assert kept.exists() and orphan.exists()
        rec.purge_older_than(365, now_wall=time.time() + 366 * 86400)
        assert kept.exists() and not orphan.exists()  # no export has copied it yet
        stick = tmp_path / "stick"
        stick.mkdir()
        assert not store.exported_mark(kept).exists()
        _mark_exported(data, *_export(stick, data, [])[1:])
        assert store.exported_mark(kept).exists()
        rec.purge_older_than(365, now_wall=time.time() + 364 * 86400)
        assert kept.exists()
        rec.purge_older_than(365, now_wall=time.time() + 366 * 86400)
        assert not kept.exists() and not store.note_of(kept).exists()
        assert not store.exported_mark(kept).exists()
    finally:
        rec.close()


# --- report, export and wipe --------------------------------------------------------------


def config(tmp_path, data):
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{data}"\n')
    return cfg


def test_the_report_reads_what_it_can_of_a_damaged_database_and_says_so(tmp_path):
    from feedback.cli import main

    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 3)
    db = data / DB_NAME
    damage(db, "breaths")
    before = db.read_bytes()
    cfg, out = config(tmp_path, data), tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    summary = (out / "summary.txt").read_text()
    assert "the records database is damaged" in summary and "Sessions: 3" in summary
    assert len((out / "sessions.csv").read_text().splitlines()) == 4
    assert db.read_bytes() == before  # the report only reads

    Records(data, clock=clock).close()  # the unit starts: the file is set aside
    (kept,) = damaged_files(data)
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    summary = (out / "summary.txt").read_text()
    assert "is damaged" not in summary and "Sessions: 3" in summary
    assert f"set aside on {kept.name[16:20]}-{kept.name[20:22]}-" in summary
    assert kept.name in summary


def test_export_carries_damaged_files_and_wipe_erases_them(tmp_path, capsys):
    from feedback.cli import main

    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 2, code="GH78")
    damage(data / DB_NAME, "breaths")
    Records(data, clock=clock).close()
    (kept,) = damaged_files(data)
    cfg, stick = config(tmp_path, data), tmp_path / "stick"
    stick.mkdir()
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 2  # not on a stick yet
    assert capsys.readouterr().err == (
        f"ademcoach wipe: {data}: 2 sessions and the damaged database {kept.name} are not "
        "exported yet: export them first (ademcoach export DIR), or give --force to erase "
        "them anyway\n")
    assert kept.exists() and rows(data / DB_NAME, "SELECT count(*) FROM sessions") == [(2,)]
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    (exp,) = stick.iterdir()
    assert (exp / kept.name).read_bytes() == kept.read_bytes()
    assert (exp / store.note_of(kept).name).read_text() == store.note_of(kept).read_text()
    assert f"{kept.name}: a damaged database" in (exp / "export.txt").read_text()
    assert rows(exp / DB_NAME, "SELECT count(*) FROM sessions") == [(2,)]
    (data / (DB_NAME + store.NEW_SUFFIX)).write_bytes(b"GH78 half built")  # a power cut

    assert main(["wipe", "--yes", "--config", str(cfg)]) == 0  # all exported: no --force
    said = capsys.readouterr().out
    assert kept.name in said and "erased 2 sessions" in said
    assert not store.damage_leftovers(data)
    assert not any(b"GH78" in f.read_bytes() for f in data.rglob("*") if f.is_file())


def test_wipe_erases_a_damaged_records_file_under_a_running_unit(tmp_path, capsys):
    from feedback.cli import main

    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    db = data / DB_NAME
    with Records(data, clock=clock) as rec:
        rec.start_session("IJ90", "home", "", WALL)
        breathe(rec, clock, PER_SESSION)
        assert rec.flush()
        damage(db, "breaths")
        cfg = config(tmp_path, data)
        assert main(["wipe", "--yes", "--config", str(cfg)]) == 2  # nothing is exported
        assert capsys.readouterr().err == (
            f"ademcoach wipe: {data}: records.sqlite is damaged, so no export can mark its "
            "sessions as exported: export it first (ademcoach export DIR), then give --force "
            "to erase it\n")
        assert db.exists()
        assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
        assert "records.sqlite" in capsys.readouterr().out
        assert not db.exists()
        rec.add(breath(clock.now() + 5.0))  # the wiped session: dropped, not misfiled
        rec.start_session("KL12", "home", "", WALL + 3600)
        rec.add(breath(clock.now() + 10.0))
        rec.end_session("stopped")
        assert rec.flush() and rec.problem is None
    # a new file, not the removed one the writer had open
    assert rows(db, "SELECT patient_code FROM sessions") == [("KL12",)]
    assert rows(db, "SELECT count(*) FROM breaths") == [(1,)]


def test_a_damaged_file_the_report_cannot_copy_is_one_line_and_exit_1(tmp_path, monkeypatch,
                                                                       capsys):
    from feedback.cli import main

    data = tmp_path / "data"
    record(data, VirtualClock(0.0), 1)
    damage(data / DB_NAME, "breaths")

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfile", full)
    out = tmp_path / "out"
    assert main(["report", "--config", str(config(tmp_path, data)), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "damaged and could not be read either" in err
    assert "No space left" in err and "--out" not in err


def test_a_salvage_copy_left_by_a_power_cut_is_erased_at_the_next_start(tmp_path):
    data = tmp_path / "data"
    record(data, VirtualClock(0.0), 1)
    stray = data / (store.SALVAGE_PREFIX + "x1y2")
    stray.mkdir()
    (stray / "damaged.sqlite").write_bytes((data / DB_NAME).read_bytes())
    assert (stray / "damaged.sqlite") in store.damage_leftovers(data)  # wipe finds it too
    Records(data, clock=VirtualClock(0.0)).close()
    assert not stray.exists()


def test_a_replacement_cut_between_the_renames_keeps_the_wal_with_its_file(tmp_path):
    """The damaged file was renamed, its WAL not yet: that WAL belongs to the kept file
    and must not be read as the new database's."""
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 2)
    db = data / DB_NAME
    kept = data / "records-damaged-20261125-120000.sqlite"
    db.rename(kept)
    (data / (DB_NAME + "-wal")).write_bytes(b"the damaged file's WAL")
    record(tmp_path / "new", clock, 1, code="NEW1")  # a complete replacement
    (tmp_path / "new" / DB_NAME).rename(data / (DB_NAME + store.NEW_SUFFIX))
    with Records(data, clock=clock) as rec:
        rec.start_session("NEW1", "home", "", WALL + 1e6)
        for e in rec.storage_events(clock.now()):
            rec.add(e)
        assert rec.flush()
    assert Path(f"{kept}-wal").read_bytes() == b"the damaged file's WAL"
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT count(*) FROM sessions") == [(2,)]
    (detail,) = rows(db, "SELECT detail FROM faults")[0]
    assert kept.name in detail and "finished at this start" in detail


def test_wipe_while_a_replacement_waits_lets_the_unit_record_again(tmp_path, monkeypatch):
    from feedback.wipe import wipe

    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    damage(data / DB_NAME, "breaths")

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfile", full)
    with Records(data, clock=clock, retry_s=0.05) as rec:
        rec.start_session("AB12", "home", "", WALL + 1e6)
        rec.add(breath(clock.now() + 5.0))
        assert not rec.flush(timeout=30.0) and rec.problem  # the writer has tried
        wipe(data, force=True)  # the patient's records go, the damaged one with them
        monkeypatch.undo()
        rec.start_session("CD34", "home", "", WALL + 2e6)
        rec.add(breath(clock.now() + 10.0))
        assert flushed(rec) and rec.problem is None
    # (events still waiting from before the wipe are written after it: see service.md)
    assert ("CD34",) in rows(data / DB_NAME, "SELECT patient_code FROM sessions")


def test_a_replacement_that_keeps_failing_is_tried_less_and_less_often(tmp_path, monkeypatch):
    """Each try copies the whole file: on a full card it must not do so every time the
    writer runs, but after 0.05, 0.1, 0.2, 0.4, 0.8 s. The writer's retry clock is
    stepped, 0.01 s at a time, and the writer runs once at each step."""
    data = tmp_path / "data"
    record(data, VirtualClock(0.0), 1)
    damage(data / DB_NAME, "breaths")
    now = [100.0]
    tries = []

    def full(*a, **k):
        tries.append(now[0])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfile", full)
    with Records(data, clock=VirtualClock(0.0), retry_s=0.05, commit_every_s=0.01,
                 monotonic=lambda: now[0]) as rec:
        rec.start_session("AB12", "home", "", WALL + 1e6)
        rec.add(breath(5.0))
        for _ in range(160):
            assert not rec.flush(timeout=30.0)  # (returns once the writer has tried)
            now[0] += 0.01
        assert "No space left" in (rec.problem or "")
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert gaps == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8], abs=0.011)


def test_export_says_when_the_records_file_has_a_damaged_page(tmp_path, capsys):
    from feedback.cli import main

    data = tmp_path / "data"
    record(data, VirtualClock(0.0), 2)
    damage(data / DB_NAME, "breaths")
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(config(tmp_path, data))]) == 0
    (exp,) = stick.iterdir()
    assert "records.sqlite is damaged" in (exp / "export.txt").read_text()
    assert "records.sqlite is damaged" in capsys.readouterr().out


def test_damage_after_a_wipe_under_a_running_session_keeps_the_unit_recording(tmp_path):
    """``ademcoach wipe`` erases the session being recorded; it ends, the next begins, and
    later the card damages the new file. The replacement gives the running session its
    row again, and only that one: before, the wiped session was still taken for running
    (the writer forgot its row, not that it ran), its row was looked for, and the
    writer thread died on it: nothing was saved again for as long as the unit ran."""
    from feedback.wipe import wipe

    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    db = data / DB_NAME
    with Records(data, clock=clock) as rec:
        rec.start_session("GONE", "home", "", WALL)
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start"))
        rec.add(breath(5.0))
        assert rec.flush()
        assert wipe(data, force=True) == 1
        rec.add(breath(10.0))
        assert rec.flush()
        rec.end_session("stopped")
        sid = rec.start_session("EF56", "home", "", WALL + 60)
        rec.add(ev.Exercise(clock.now(), "Buikademhaling", "start"))
        breathe(rec, clock, PER_SESSION)
        assert rec.flush()
        damage(db, "sessions", which="first")  # the running session's own row
        rec.set_max_db_bytes(None)  # the writer opens the file again and reads it
        clock.advance(5.0)
        rec.add(breath(clock.now()))
        assert rec.flush(timeout=10) and rec.problem is None and rec.pending == 0
        rec.end_session("stopped")
        assert rec.flush(timeout=10) and rec.problem is None
    assert len(damaged_files(data)) == 1
    assert rows(db, "SELECT id, patient_code, end_reason FROM sessions") == [
        (sid, "EF56", "stopped")]
    assert rows(db, "SELECT count(*) FROM exercises") == [(1,)]


def test_a_re_dated_running_session_keeps_its_date_when_a_damaged_file_is_replaced(
        tmp_path):
    """The system clock was set a month on during a session: its start moved with it.
    The card then damaged the file, and the replacement gave the running session its
    row back as it began, a month early, so the report put its minutes on the wrong
    day: the row given back is the re-dated one."""
    clock = VirtualClock(0.0)
    data = tmp_path / "data"
    record(data, clock, 1)
    db = data / DB_NAME
    shift = 31 * 86400.0
    rec = Records(data, clock=clock, retry_s=0.05)
    try:
        rec.start_session("EF56", "home", "", WALL + 1e6)
        breathe(rec, clock, 5)
        rec.redate(shift)
        assert rec.flush() and rec.problem is None
        assert rows(db, "SELECT started_at FROM sessions WHERE id=2") == [(WALL + 1e6 + shift,)]
        damaged_under_a_session(rec, clock, db)  # where the next breath goes
    finally:
        rec.close()
    assert len(damaged_files(data)) == 1
    assert rows(db, "SELECT id, started_at, end_reason FROM sessions ORDER BY id")[1:] == [
        (2, WALL + 1e6 + shift, "stopped")]
