"""Wiping the records: ``ademcoach wipe``.

It erases every record for the next patient (secure_delete + VACUUM so the old pages are
overwritten, raw signal files overwritten and removed). Records no export has carried
yet (sessions without ``exported_at``, kept damaged databases without their
``.exported`` mark) it erases only when told to (``--force``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

from feedback.cli import fail
from feedback.errors import AdemError
from feedback.rawsignal import RAW_FILE
from feedback.records import LOCK_NAME
from feedback.report import n_sessions, records_dir, records_exist, settings_for
from feedback.store import (
    DB_NAME,
    SIMULATED,
    StorageError,
    connect,
    damage_leftovers,
    damaged_files,
    exported_mark,
    is_damaged,
    shred,
    shred_db,
)


@dataclass
class Holdings:
    """What a wipe of a data directory would erase, and what of it no export has carried
    yet (erasing that loses it)."""

    sessions: int | None = 0  # None: records.sqlite is too damaged to count them
    unexported: int = 0  # sessions without exported_at
    open_newest: int | None = None  # the newest session's id, if it has no end nor mark
    damaged: bool = False  # records.sqlite is damaged: no export can mark its sessions
    kept: list[str] = field(default_factory=list)  # kept damaged databases not exported
    codes: set[str] | None = None  # the sessions' patient codes (None: not known)

    def describe(self) -> str:
        if self.sessions is None:
            said = f"{DB_NAME} is damaged: its sessions cannot be counted"
        else:
            said = n_sessions(self.sessions)
            if self.sessions:
                said += (", all exported" if not self.unexported else
                         f", {self.unexported} of them not exported yet")
            if self.damaged:
                said += f"; {DB_NAME} is damaged"
        if self.kept:
            said += f"; not exported yet: {', '.join(self.kept)}"
        return said

    def refusal(self, data_dir: Path) -> str | None:
        """The one line a wipe without --force says instead of erasing, or None."""
        said = []
        # what an export marks: the ended sessions, the kept damaged databases
        closed = 0 if self.damaged else self.unexported - (self.open_newest is not None)
        what = []
        if closed:
            what.append(n_sessions(closed) if closed == self.sessions
                        else f"{closed} of {n_sessions(self.sessions)}")
        if self.kept:
            what.append(f"the damaged database{'s' if len(self.kept) > 1 else ''} "
                        + ", ".join(self.kept))
        if what:
            it, are = ("it", "is") if closed + len(self.kept) == 1 else ("them", "are")
            said.append(f"{' and '.join(what)} {are} not exported yet: export {it} first "
                        f"(ademcoach export DIR), or give --force to erase {it} anyway")
        # what no export marks: copied as far as it goes, then --force
        if self.damaged and (self.sessions is None or self.unexported):
            said.append(f"{DB_NAME} is damaged, so no export can mark its sessions as "
                        "exported: export it first (ademcoach export DIR), then give "
                        "--force to erase it")
        elif self.open_newest is not None:
            said.append(f"the newest session ({self.open_newest}) has no end (cut short by "
                        "a power cut, or being recorded now), so no export marks it as "
                        "exported: if an export has copied it (its export.txt says so), "
                        "give --force to erase it; if not, export first")
        return f"{data_dir}: {'; '.join(said)}" if said else None


def holdings(data_dir: Path) -> Holdings:
    """Count what ``wipe`` would erase in ``data_dir`` (checking records.sqlite whole:
    a damaged one is copied by an export, but never marked)."""
    kept = _kept_unexported(data_dir)
    db = data_dir / DB_NAME
    if not records_exist(db, "erase", "wipe"):
        return Holdings(kept=kept)
    try:
        conn = connect(db, create=False)
        try:
            held = _counts(conn)
            held.damaged = conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok"
        finally:
            conn.close()
    except (sqlite3.Error, StorageError) as exc:
        if not is_damaged(exc):
            raise
        held = Holdings(None, damaged=True)
    held.kept = kept
    return held


def _kept_unexported(data_dir: Path) -> list[str]:
    """The kept damaged databases no export has copied (``exported_mark``)."""
    return [f.name for f in damaged_files(data_dir) if not exported_mark(f).exists()]


def _counts(conn: sqlite3.Connection) -> Holdings:
    """The sessions in ``conn``, those not exported yet and the newest without an end
    (``complete_sessions``: an export copies it, but does not mark it)."""
    n, marked, open_newest = conn.execute(
        "SELECT count(*), count(exported_at), (SELECT id FROM sessions WHERE id = "
        "(SELECT max(id) FROM sessions) AND exported_at IS NULL AND ended_at IS NULL "
        "AND end_reason IS NULL) FROM sessions").fetchone()
    codes = {c for (c,) in conn.execute("SELECT DISTINCT patient_code FROM sessions")}
    return Holdings(n, n - marked, open_newest, codes=codes)


def wipe(data_dir: Path, damaged: list | None = None, *, force: bool = False,
         unexported: list | None = None) -> int:
    """Erase every record in ``data_dir``; returns how many sessions were erased (and
    adds how many of them no export had carried to ``unexported``).
    Works while the unit runs (SQLite locking); old pages are overwritten, not just freed.
    Damaged databases (the records file itself, or kept ones) cannot be read: they are
    overwritten and removed, and their names added to ``damaged``. The records file
    goes first, then what damage handling left, until nothing new turns up (a unit that
    sets a file aside meanwhile). Without ``force`` it erases nothing (BadInput) while
    anything there was not exported: a kept damaged database no export copied, a
    session without ``exported_at`` (counted in the erasing transaction itself, so one
    the unit recorded meanwhile is not lost), a records file too damaged to read."""
    db = data_dir / DB_NAME
    n = 0
    gone = damaged if damaged is not None else []
    if not force and (kept := _kept_unexported(data_dir)):
        raise fail(Holdings(kept=kept).refusal(data_dir))
    if records_exist(db, "erase", "wipe"):
        counted: list[Holdings] = []
        try:
            n = _erase(db, data_dir, force, counted)
        except (sqlite3.Error, StorageError) as exc:
            if not is_damaged(exc):
                raise
            if not force and not counted:  # (counted: every session in it was exported)
                raise fail(Holdings(None, damaged=True).refusal(data_dir)) from None
            shred_db(db)
            gone.append(db.name)
        if unexported is not None and counted:
            unexported.append(counted[0].unexported)
    for _ in range(5):
        left = damage_leftovers(data_dir)
        if not left:
            break
        for f in left:
            shred(f)
            if f.suffix == ".sqlite":
                gone.append(f.name)
    _erase_raw(data_dir / "raw")
    return n


def _erase_raw(raw: Path) -> None:
    """The raw signal files the unit wrote, overwritten and removed (``shred``: only
    unlinked, the patient's breathing stayed in the card's free blocks), and their folder
    once empty; nothing else (a data_dir set to a folder of other things lost its "raw"
    subfolder whole)."""
    if not raw.is_dir():
        return
    for f in raw.iterdir():
        if RAW_FILE.fullmatch(f.name) and f.is_file():
            if f.is_symlink():  # (not what it points at)
                f.unlink(missing_ok=True)
                continue
            try:
                shred(f)
            except PermissionError:  # (a file made by another user, e.g. a run as root)
                f.unlink(missing_ok=True)
                print(f"{f}: could not be overwritten (no permission to write it), only "
                      "removed: its blocks stay on the card until written over",
                      file=sys.stderr)
    with contextlib.suppress(OSError):
        raw.rmdir()


def _erase(db: Path, data_dir: Path, force: bool, counted: list) -> int:
    """Erase the sessions in ``db``; returns how many. Once they are counted (in the
    erasing transaction), what was there goes into ``counted``; sessions not exported
    without ``force``: BadInput, nothing erased."""
    conn = connect(db, create=False)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("BEGIN IMMEDIATE")
        held = _counts(conn)
        if held.unexported and not force:
            conn.execute("ROLLBACK")
            raise fail(held.refusal(data_dir))
        counted.append(held)
        n = held.sessions
        for table in ("events", "faults", "cues", "holds", "breaths", "exercises",
                      "sessions"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("COMMIT")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return n


def cmd_wipe(args) -> int:
    settings = settings_for(args)
    data_dir = records_dir(args, settings)
    records_exist(data_dir / DB_NAME, "erase", "wipe")  # before asking: it would erase nothing
    force = getattr(args, "force", False)
    try:
        held = holdings(data_dir)
    except (sqlite3.Error, StorageError) as exc:
        raise AdemError(f"{data_dir}: cannot erase the records: {exc}") from None
    refusal = held.refusal(data_dir)
    if refusal and not force:  # before asking: a yes would lose them
        raise fail(refusal)
    demo = data_dir / SIMULATED
    with_demo = not getattr(args, "simulated", False) and (demo / DB_NAME).exists()
    if not args.yes:
        also = ""
        if with_demo:  # (erased with them: said, or the count after it would surprise)
            try:
                n_demo = holdings(demo).sessions
            except (sqlite3.Error, StorageError):
                n_demo = None
            also = (f"; and {n_sessions(n_demo, 'simulated ')} in {demo}"
                    if n_demo is not None else f"; and the simulated sessions in {demo}")
        print(f"This erases ALL session records in {data_dir} ({held.describe()}{also}). "
              "Type 'yes' to go on: ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("yes", "ja"):
            print("nothing erased")
            return 1
    try:
        damaged: list[str] = []
        unexported: list[int] = []
        n = wipe(data_dir, damaged, force=force, unexported=unexported)
        if with_demo:
            # simulated sessions carry the patient code too; no export takes them
            n_demo = wipe(demo, damaged, force=True)
            print(f"erased {n_sessions(n_demo, 'simulated ')} from {demo}")
    except (sqlite3.Error, StorageError) as exc:
        raise AdemError(f"{data_dir}: cannot erase the records: {exc}") from None
    if damaged:
        print(f"erased damaged databases (their sessions could not be counted): "
              f"{', '.join(damaged)}")
    lost = sum(unexported)
    print(f"erased {n_sessions(n)} from {data_dir}"
          + (f" ({lost} of them not exported)" if lost else ""))
    code = settings.patient.code
    if code and (not held.codes or code in held.codes):  # (else: the next one's already)
        print(f"patient.code is still {settings.patient.code!r}: set the next patient's "
              f"code in {settings.source}")
    if _unit_running(data_dir):  # (its start screen would give the next patient's day
        # the wiped one's minutes, its summary screen the wiped one's session)
        print("the unit running on these records still shows what it kept of them (today's "
              "minutes, the last session's summary) until it restarts: sudo systemctl "
              "restart ademcoach")
    return 0


def _unit_running(data_dir: Path) -> bool:
    """Does a run record in ``data_dir`` now (it holds ``records.lock``: the service)?
    The lock is only tried, shared, and let go at once."""
    try:
        fd = os.open(data_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # (EWOULDBLOCK: held)
        return True
    except OSError:  # (a file system without flock: not known, not said)
        return False
    finally:
        os.close(fd)  # (lets go of the shared lock, if it was taken)
    return False
