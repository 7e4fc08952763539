"""The records database: where it lives, its schema and migrations, opening and purging.

One SQLite file, ``records.sqlite``, in the data directory. ``connect`` opens it in WAL
mode with ``synchronous=FULL`` (see ``records.py`` for why) and brings the schema up to
date with ``migrate``: versioned steps in ``MIGRATIONS``, one transaction each, never
edited once released. The writer (``records.py``) and the reports (``report.py``) both
open it through here.

A damaged file (an SD card that lost power mid-write, a bad sector) is not a passing
problem like a full disk: writing to it again will not work. ``is_damaged`` tells the
two apart; ``rebuild`` builds a new database from every row that can still be read
(``salvage``) and only then swaps it in, keeping the damaged file as
``records-damaged-STAMP.sqlite`` (``set_aside``); ``finish_rebuild`` completes a swap a
power cut interrupted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("ademcoach.records")

DB_NAME = "records.sqlite"
SIMULATED = "simulated"  # a directory below the data directory: sessions of run --sim
UNIT_DATA_DIR = Path("/var/lib/ademcoach")

# Each entry upgrades the schema by one version (PRAGMA user_version). Never edit a
# released entry: add a new one. Statements are separated by ';'.
MIGRATIONS: tuple[str, ...] = (
    # 1: the first released schema.
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY, patient_code TEXT NOT NULL DEFAULT '',
        programme TEXT NOT NULL DEFAULT '', started_at REAL NOT NULL, ended_at REAL,
        end_reason TEXT, config TEXT NOT NULL DEFAULT '');
    CREATE TABLE exercises (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        name TEXT NOT NULL, start_t REAL NOT NULL, end_t REAL);
    CREATE TABLE breaths (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        exercise_id INTEGER REFERENCES exercises(id) ON DELETE SET NULL,
        at REAL NOT NULL, start REAL, peak REAL, "end" REAL, inhale_s REAL, exhale_s REAL,
        depth REAL, rate_bpm REAL, belly_share REAL);
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        exercise_id INTEGER REFERENCES exercises(id) ON DELETE SET NULL,
        at REAL NOT NULL, t REAL NOT NULL, end_t REAL);
    CREATE TABLE cues (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        exercise_id INTEGER REFERENCES exercises(id) ON DELETE SET NULL,
        at REAL NOT NULL, kind TEXT NOT NULL);
    CREATE TABLE faults (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        at REAL NOT NULL, kind TEXT NOT NULL, belt TEXT, detail TEXT, end_at REAL)
    """,
    # 2: session clock times (for durations), two-belt paradox flag, generic events.
    """
    ALTER TABLE sessions ADD COLUMN start_t REAL;
    ALTER TABLE sessions ADD COLUMN end_t REAL;
    ALTER TABLE breaths ADD COLUMN paradoxical INTEGER;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        at REAL NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX breaths_session ON breaths(session_id);
    CREATE INDEX holds_session ON holds(session_id);
    CREATE INDEX cues_session ON cues(session_id);
    CREATE INDEX faults_session ON faults(session_id);
    CREATE INDEX exercises_session ON exercises(session_id);
    CREATE INDEX sessions_started ON sessions(started_at)
    """,
    # 3: per exercise the pacer and its target (the report compares each exercise with
    # its own target), the seconds practised without pauses and the share of breaths
    # in rhythm with the pacer. NULL: recorded before this version (or not said).
    """
    ALTER TABLE exercises ADD COLUMN pacer TEXT;
    ALTER TABLE exercises ADD COLUMN target_ratio REAL;
    ALTER TABLE exercises ADD COLUMN target_rate_bpm REAL;
    ALTER TABLE exercises ADD COLUMN active_s REAL;
    ALTER TABLE exercises ADD COLUMN in_sync REAL
    """,
    # 4: per exercise its kind (the report counts practice without the calibration) and
    # its English name. NULL: recorded before this version.
    """
    ALTER TABLE exercises ADD COLUMN kind TEXT;
    ALTER TABLE exercises ADD COLUMN name_en TEXT
    """,
    # 5: when an export first copied the session, complete, to a stick (wall clock).
    # The retention erases only exported sessions. NULL: not exported yet, or recorded
    # before this version.
    """
    ALTER TABLE sessions ADD COLUMN exported_at REAL
    """,
    # 6: an index on every column that points at another table, so that erasing a
    # session (the retention, ON DELETE CASCADE) or an exercise (ON DELETE SET NULL) finds
    # its rows without reading the whole table for each one. Without them, erasing the
    # 2,681 exported sessions older than keep_days of a clinic year took 97 s at the start.
    """
    CREATE INDEX IF NOT EXISTS breaths_exercise ON breaths(exercise_id);
    CREATE INDEX IF NOT EXISTS holds_exercise ON holds(exercise_id);
    CREATE INDEX IF NOT EXISTS cues_exercise ON cues(exercise_id);
    CREATE INDEX IF NOT EXISTS events_session ON events(session_id)
    """,
    # 7: a hold that was none: the stillness went on until the belt was taken for not
    # worn (``hold_end`` with ``not_worn``). Kept, and left out of the hold counts.
    """
    ALTER TABLE holds ADD COLUMN not_worn INTEGER
    """,
    # 8: per paced exercise how many breaths the pacer judged each way (the exercise
    # end's ``following``): in rhythm, exhale too short, too fast, too slow. The share in
    # rhythm alone did not say how a patient missed. NULL: no pacer, or recorded before.
    """
    ALTER TABLE exercises ADD COLUMN in_sync_n INTEGER;
    ALTER TABLE exercises ADD COLUMN exhale_short_n INTEGER;
    ALTER TABLE exercises ADD COLUMN too_fast_n INTEGER;
    ALTER TABLE exercises ADD COLUMN too_slow_n INTEGER
    """,
    # 9: per paced exercise how many of the judged breaths had too short an exhale at any
    # pace (the exercise end's ``short_exhale``): a breath too fast is judged too fast
    # alone, and the exhale, what the therapy trains, went unsaid. NULL: not recorded.
    """
    ALTER TABLE exercises ADD COLUMN short_exhale_n INTEGER
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StorageError(Exception):
    """The database cannot be used (newer schema, not a database)."""


class Damaged(StorageError):
    """The database file is damaged or not a database: set it aside (``set_aside``)."""


def is_damaged(exc: BaseException) -> bool:
    """Is ``exc`` a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB), not a passing problem?"""
    if isinstance(exc, Damaged):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return (isinstance(exc, sqlite3.DatabaseError) and code is not None
            and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB))


def cannot_write(exc: BaseException) -> bool:
    """Is ``exc`` SQLite unable to write beside the database (a read-only directory or
    card), which it must to open a WAL database even for reading?"""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN")


@contextlib.contextmanager
def readable_copy(db_path, where) -> Iterator[Path]:
    """A copy of the database with its WAL in a temporary directory in ``where``, deleted
    after: for reading records where nothing can be written (an SD card gone read-only),
    which is just when they must be taken off the unit. ``where`` is where the report or
    export goes: /tmp may be on the same card."""
    with tempfile.TemporaryDirectory(prefix=".ademcoach-read-", dir=where) as tmp:
        copy = Path(tmp) / Path(db_path).name
        copy_db(db_path, copy)
        yield copy


# --- where the records live -----------------------------------------------------------


def default_data_dir(configured: str = "") -> Path:
    """``[records] data_dir`` if set, else /var/lib/ademcoach if it exists, else the XDG dir.

    The unit's directory is used even when this user cannot enter it (``report`` or
    ``wipe`` run as someone other than its owner): they then say so, instead of quietly
    reading an empty directory of their own.
    """
    if configured:
        return Path(configured).expanduser()
    if UNIT_DATA_DIR.is_dir():
        return UNIT_DATA_DIR
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "ademcoach"


def ensure_data_dir(path) -> Path:
    """Create the data directory readable by its owner only (mode 0700)."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != 0o700:
        os.chmod(path, 0o700)
    return path


def connect(db_path, *, create: bool = True) -> sqlite3.Connection:
    """Open the database in WAL mode with synchronous=FULL and bring its schema up to date.

    ``isolation_level=None``: transactions are explicit (``BEGIN``/``COMMIT``).
    """
    db_path = os.fspath(db_path)
    if not create and not os.path.exists(db_path):
        raise StorageError(f"{db_path}: no records yet")
    conn = sqlite3.connect(db_path, timeout=5.0, isolation_level=None, check_same_thread=False)
    # A damaged byte in a text (a stored config, a name) reads as U+FFFD instead of
    # stopping every report and export of the records with a decoding error.
    conn.text_factory = lenient_text
    try:
        _not_another_programs(conn)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_damaged(exc):
            raise Damaged(str(exc)) from None
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def _not_another_programs(conn: sqlite3.Connection) -> None:
    """Raise StorageError, before anything is written into it (setting WAL mode rewrites
    its header), for a database of a newer version of this software, and for another
    program's: tables without a schema version, or without the tables of its version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")}
    core = set(TABLES) - {"events"}  # (events came with version 2)
    if version > SCHEMA_VERSION and (not tables or core <= tables):
        raise _newer(version)
    ours = core | ({"events"} if version >= 2 else set())
    if (tables and version == 0) or (version > 0 and not ours <= tables):
        held = ", ".join(sorted(tables)[:5]) or "no tables"
        raise StorageError(f"not a records database (it holds {held}); is records.data_dir "
                           "right?")


def _newer(version: int) -> StorageError:
    return StorageError(f"the records database has schema version {version}, newer than "
                        f"this software ({SCHEMA_VERSION}): update ademcoach")


def lenient_text(raw: bytes) -> str:
    """Text as stored, a byte that is not UTF-8 read as U+FFFD (``text_factory``)."""
    return raw.decode("utf-8", "replace")


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already: on SQLITE_FULL or an I/O
    error it may have rolled back by itself, and a ROLLBACK then would fail with "cannot
    rollback - no transaction is active", hiding the real error being raised."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Apply the missing migrations, each in its own transaction. Returns the old version."""
    try:
        old = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if is_damaged(exc):
            raise Damaged(f"not a records database: {exc}") from None
        raise  # a full or failing card, a lock: said as it is
    if old > SCHEMA_VERSION:
        raise _newer(old)
    for version in range(old, upto):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in MIGRATIONS[version].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        log.info("records schema upgraded to version %d", version + 1)
    return old


def purge(conn: sqlite3.Connection, days: float, now_wall: float,
          exported_only: bool = True) -> tuple[int, int]:
    """Delete the exported sessions that started more than ``days`` ago (by the wall
    clock, which on a unit without a clock chip can be set wrong: a session not yet
    exported is never deleted, so a wrong clock cannot erase the only copy). Without
    ``exported_only`` (simulated sessions: no export takes them) every old one goes.
    Returns (deleted, kept because not exported, the deleted sessions' ids)."""
    cutoff = now_wall - days * 86400.0
    only = " AND exported_at IS NOT NULL" if exported_only else ""
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids = [r[0] for r in conn.execute(f"SELECT id FROM sessions WHERE started_at < ?{only}",
                                          (cutoff,))]
        n = conn.execute(f"DELETE FROM sessions WHERE started_at < ?{only}",
                         (cutoff,)).rowcount
        kept = conn.execute("SELECT count(*) FROM sessions WHERE started_at < ?",
                            (cutoff,)).fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return n, kept, ids


def close_interrupted(conn: sqlite3.Connection) -> int:
    """Mark the sessions that have no end as ``interrupted``: for the unit's records at
    its start, when no session of its own has begun, such a session was cut short by a
    power cut or a kill of an earlier run, and no more rows will join it. (Without
    this, the newest one stayed open until the next session began, and an export on
    the unit just switched on could not mark it: a wipe then needed ``--force``.)
    Returns how many."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        n = conn.execute("UPDATE sessions SET end_reason = 'interrupted' "
                         "WHERE ended_at IS NULL AND end_reason IS NULL").rowcount
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return n


def complete_sessions(conn: sqlite3.Connection) -> list[int]:
    """The sessions no more rows will join: ended, or followed by a later one (the
    writer keeps the order, so an interrupted session is complete once another began).
    The newest session, still open, may be the one being recorded."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM sessions WHERE ended_at IS NOT NULL OR end_reason IS NOT NULL "
        "OR id < (SELECT max(id) FROM sessions) ORDER BY id")]


def mark_exported(conn: sqlite3.Connection, ids, at: float) -> int:
    """Note that the sessions ``ids`` are on a stick, complete (``purge``). Returns how
    many were not marked before."""
    ids = list(ids)
    n = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            n += conn.execute(
                f"UPDATE sessions SET exported_at = ? WHERE exported_at IS NULL AND id IN "
                f"({','.join('?' * len(part))})", (at, *part)).rowcount
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return n


# --- a damaged database -----------------------------------------------------------------

DAMAGED_PREFIX = "records-damaged-"
NEW_SUFFIX = ".new"  # records.sqlite.new: a replacement being built
TABLES = ("sessions", "exercises", "breaths", "holds", "cues", "faults", "events")  # parents first
_SIDE = ("-wal", "-shm")
SALVAGE_PREFIX = ".ademcoach-salvage-"  # a copy being read, in the data directory


def damaged_files(data_dir) -> list[Path]:
    """The damaged databases set aside in ``data_dir`` (main files), oldest first."""
    def order(p: Path):  # records-damaged-STAMP.sqlite, then STAMP-2, STAMP-3 ...
        rest = p.stem.removeprefix(DAMAGED_PREFIX)
        return rest[:15], int(rest[16:]) if rest[16:].isdigit() else 1

    return sorted(Path(data_dir).glob(f"{DAMAGED_PREFIX}*.sqlite"), key=order)


def damage_leftovers(data_dir) -> list[Path]:
    """Every file of damage handling in ``data_dir``: the kept databases with their WAL
    and notes, an unfinished replacement, and copies left by a salvage cut short."""
    d = Path(data_dir)
    return (sorted(d.glob(f"{DAMAGED_PREFIX}*")) + sorted(d.glob(f"{DB_NAME}{NEW_SUFFIX}*"))
            + sorted(f for c in d.glob(f"{SALVAGE_PREFIX}*") if c.is_dir() for f in c.iterdir()))


def clear_salvage_copies(data_dir) -> None:
    """Erase copies a salvage cut short (a power cut, a kill) left in ``data_dir``."""
    for c in Path(data_dir).glob(f"{SALVAGE_PREFIX}*"):
        if c.is_dir():
            for f in c.iterdir():
                shred(f)
            c.rmdir()


def note_of(kept: Path) -> Path:
    """The text file next to a kept database: what happened and what was recovered."""
    return kept.with_suffix(".txt")


def exported_mark(kept: Path) -> Path:
    """An empty file next to a kept database once an export copied it (``purge_damaged``)."""
    return kept.with_suffix(".exported")


def set_aside_at(kept: Path) -> float:
    """When ``kept`` was set aside (epoch seconds): from its name, else its file time."""
    stamp = kept.name.removeprefix(DAMAGED_PREFIX)[:15]
    try:
        return dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S").timestamp()
    except ValueError:
        return kept.stat().st_mtime


def shred(path) -> None:
    """Overwrite a file with zeros, then remove it (nothing if it is not there)."""
    try:
        f = open(path, "r+b")
    except FileNotFoundError:
        return
    with f:
        size = f.seek(0, os.SEEK_END)
        f.seek(0)
        while size > 0:
            size -= f.write(b"\0" * min(size, 1 << 20))
        f.flush()
        os.fsync(f.fileno())
    os.unlink(path)


def copy_db(src, dst) -> None:
    """A database file as it is, with its WAL (which holds the newest commits)."""
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")


def shred_db(db) -> None:
    """``shred`` a database with its -wal and -shm."""
    for suffix in (*_SIDE, ""):
        shred(f"{db}{suffix}")


def fsync_dir(path) -> None:
    """Make a rename or a new file in ``path`` last through a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def purge_damaged(data_dir, days: float, now_wall: float, exported_only: bool = True) -> int:
    """Erase kept damaged databases set aside more than ``days`` ago (retention: every
    session in them is older) that an export has copied (``exported_mark``), and a kept
    WAL as old without its file. Returns how many kept databases were not erased only
    because no export has copied them yet."""
    cutoff = now_wall - days * 86400.0
    waiting = 0
    for kept in damaged_files(data_dir):
        if set_aside_at(kept) >= cutoff:
            continue
        if exported_only and not exported_mark(kept).exists():
            waiting += 1
            continue
        shred_db(kept)
        shred(note_of(kept))
        shred(exported_mark(kept))
    for side in Path(data_dir).glob(f"{DAMAGED_PREFIX}*.sqlite-*"):  # without its file
        main = Path(str(side).rsplit("-", 1)[0])
        if not main.exists() and side.stat().st_mtime < cutoff:
            shred(side)
    return waiting


def set_aside(db_path, stamp: str) -> Path:
    """Rename the damaged ``db_path`` (and its -wal and -shm) to
    ``records-damaged-STAMP.sqlite`` next to it, kept as it was. Returns the new name."""
    db_path = Path(db_path)
    kept = db_path.with_name(f"{DAMAGED_PREFIX}{stamp}.sqlite")
    n = 1
    while kept.exists():
        n += 1
        kept = db_path.with_name(f"{DAMAGED_PREFIX}{stamp}-{n}.sqlite")
    # The main file first: a WAL left behind under the old name without it is known to
    # belong to the kept file (``finish_rebuild``), never to the new database.
    for suffix in ("", *_SIDE):
        src = Path(f"{db_path}{suffix}")
        if src.exists():
            os.replace(src, f"{kept}{suffix}")
    fsync_dir(db_path.parent)
    return kept


def rebuild(db_path, stamp: str, before=None) -> tuple[Path, Salvaged]:
    """Replace the damaged ``db_path`` by a new database holding what can still be read
    of it; the damaged file is kept as ``records-damaged-STAMP.sqlite`` (``set_aside``).
    ``before(conn)`` runs on the new database before the rows are copied. The new
    database is built as ``records.sqlite.new`` and put in place only when complete: a
    failure or a power cut before that changes nothing (the damaged file stays where it
    is), and ``finish_rebuild`` completes a switch cut short.
    Returns the kept file and what was copied."""
    db_path = Path(db_path)
    new = Path(f"{db_path}{NEW_SUFFIX}")
    shred_db(new)  # an unfinished one from before
    conn = connect(new)
    try:
        if before:
            before(conn)
        got = salvage(db_path, conn, workdir=db_path.parent)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        conn.close()
        shred_db(new)
        raise
    conn.close()
    if not db_path.exists():  # erased meanwhile (ademcoach wipe): so is what was copied
        shred_db(new)
        raise StorageError("the records were erased while a damaged file was replaced")
    kept = set_aside(db_path, stamp)
    _switch(new, db_path)
    return kept, got


def finish_rebuild(db_path) -> Path | None:
    """Complete a ``rebuild`` cut short: put a finished replacement in place (returns the
    kept file it replaced), or remove an unfinished one (the damaged file is then still
    in place, to be replaced again). Copies of a salvage cut short are erased."""
    db_path = Path(db_path)
    clear_salvage_copies(db_path.parent)
    new = Path(f"{db_path}{NEW_SUFFIX}")
    if not new.exists():
        return None
    if db_path.exists():
        shred_db(new)
        return None
    kept = (damaged_files(db_path.parent) or [None])[-1]
    for side in _SIDE:  # cut short between the damaged file's renames: its WAL is here
        src = Path(f"{db_path}{side}")
        if src.exists():
            if kept is not None and not Path(f"{kept}{side}").exists():
                os.replace(src, f"{kept}{side}")
            else:
                shred(src)
    _switch(new, db_path)
    log.warning("records: a replacement of a damaged database was completed")
    return kept


def _switch(new: Path, db_path: Path) -> None:
    for side in _SIDE:  # a clean close leaves none; a power cut might
        if Path(f"{new}{side}").exists():
            os.replace(f"{new}{side}", f"{db_path}{side}")
    os.replace(new, db_path)
    fsync_dir(db_path.parent)


@dataclass
class Salvaged:
    """Rows copied out of a damaged database, per table; ``orphans``: rows that were read
    but left out because their session row was lost (they are still in the kept file)."""

    copied: dict[str, int] = field(default_factory=dict)
    orphans: dict[str, int] = field(default_factory=dict)
    top: dict[str, int] = field(default_factory=dict)  # the highest id found, if any

    def text(self) -> str:
        got = ", ".join(
            f"{n} of at most {self.top[t]} {t}" if self.top.get(t, 0) > n else f"{n} {t}"
            for t, n in self.copied.items() if n) or "nothing"
        out = f"recovered {got}"
        lost = ", ".join(f"{n} {t}" for t, n in self.orphans.items() if n)
        if lost:
            out += f"; left only in the kept file (their session row was lost): {lost}"
        return out


def salvage(src, dst: sqlite3.Connection, workdir=None) -> Salvaged:
    """Copy every row of ``src`` (a damaged database, left untouched) that can still be
    read into ``dst`` (an up-to-date database), ids kept, in one transaction. It reads a
    copy made in ``workdir`` (default: the system's), erased afterwards. A lost exercise
    leaves its breaths without one; rows whose session was lost are counted, not copied."""
    with tempfile.TemporaryDirectory(prefix=SALVAGE_PREFIX, dir=workdir) as tmp:
        copy = Path(tmp) / "damaged.sqlite"
        try:
            copy_db(src, copy)
            old = sqlite3.connect(copy, isolation_level=None)
            try:
                return _copy_rows(old, dst)
            finally:
                old.close()
        finally:
            shred_db(copy)


def _copy_rows(old: sqlite3.Connection, dst: sqlite3.Connection) -> Salvaged:
    got = Salvaged()
    dst.execute("BEGIN IMMEDIATE")
    try:
        for table in TABLES:
            try:
                have = {r[1] for r in old.execute(f"PRAGMA table_info({table})")}
            except sqlite3.DatabaseError:
                continue  # the schema itself is unreadable
            want = [r[1] for r in dst.execute(f"PRAGMA table_info({table})")]
            cols = [c for c in want if c in have]
            if "id" not in cols:
                continue
            names = ", ".join(f'"{c}"' for c in cols)
            insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({','.join('?' * len(cols))})"
            ex = cols.index("exercise_id") if "exercise_id" in cols else None
            copied = orphans = 0
            with contextlib.suppress(sqlite3.DatabaseError):
                got.top[table] = old.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
            for row in _readable(old, table, names):
                try:
                    copied += dst.execute(insert, row).rowcount
                    continue
                except sqlite3.IntegrityError:
                    pass
                if ex is not None:  # its exercise was lost: keep it without one
                    with contextlib.suppress(sqlite3.IntegrityError):
                        copied += dst.execute(insert, (*row[:ex], None, *row[ex + 1:])).rowcount
                        continue
                orphans += 1  # its session was lost
            got.copied[table], got.orphans[table] = copied, orphans
        dst.execute("COMMIT")
    except BaseException:
        rollback(dst)
        raise
    return got


CHUNK = 256  # rows read per query while salvaging


def _readable(conn: sqlite3.Connection, table: str, names: str) -> Iterator[tuple]:
    """The rows of ``table`` that can be read. A damaged page stops reading in id order;
    it goes on after it, jumping ahead 1, 2, 4 ... ids until a read works again, and then
    reads back from there towards the damaged page, so that only the rows on damaged
    pages are lost."""
    fwd = f"SELECT id, {names} FROM {table} WHERE id > ? ORDER BY id LIMIT ?"
    bwd = f"SELECT id, {names} FROM {table} WHERE id > ? AND id < ? ORDER BY id DESC LIMIT ?"
    last = 0
    while True:
        rows, ok = _chunk(conn, fwd, lambda pos: (pos,), last)
        yield from (r[1:] for r in rows)
        last = rows[-1][0] if rows else last
        if ok:
            if len(rows) < CHUNK:
                return  # the end of the table
            continue
        gap, jump, found = last, 1, None  # a damaged page right after ``last``
        while found is None:
            if jump >= 1 << 40:
                return
            try:
                found = conn.execute(fwd, (gap + jump, 1)).fetchone()
            except sqlite3.DatabaseError:
                jump *= 2
                continue
            if found is None:
                return  # nothing after the damage
        back = found[0]
        while True:
            rows, ok = _chunk(conn, bwd, lambda pos, gap=gap: (gap, pos), back)
            yield from (r[1:] for r in rows)
            back = rows[-1][0] if rows else back
            if not ok or len(rows) < CHUNK:
                break
        last = found[0] - 1  # on from the row found, read again in order


def _chunk(conn: sqlite3.Connection, sql: str, args, pos) -> tuple[list, bool]:
    """Up to ``CHUNK`` rows from ``pos`` on: (rows, True), or at a damaged page the rows
    before it and False. The cursor reads one row ahead, so a chunk that fails is read
    again one row at a time, up to the damaged page exactly."""
    try:
        return conn.execute(sql, (*args(pos), CHUNK)).fetchall(), True
    except sqlite3.DatabaseError:
        pass
    rows: list = []
    for _ in range(CHUNK):
        try:
            one = conn.execute(sql, (*args(pos), 1)).fetchone()
        except sqlite3.DatabaseError:
            return rows, False
        if one is None:
            return rows, True
        rows.append(one)
        pos = one[0]
    return rows, True
