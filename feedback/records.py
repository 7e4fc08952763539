"""Session records: every session, exercise, breath, hold, cue and fault, in SQLite.

The real-time loop must never wait for the SD card, so ``Records.add`` only appends the
event to an in-memory backlog; a writer thread turns the backlog into batched
transactions and commits at least every ``commit_every_s`` (0.5 s).

Durability (see docs/service.md): the database is in WAL mode with
``synchronous=FULL``. In WAL mode, NORMAL syncs the WAL only at checkpoints, so a commit
survives a process crash but may be rolled back by a power cut; FULL syncs the WAL on
every commit, so a committed transaction survives power loss. With one commit per
0.5 s that is two small fsyncs a second. An event is *acknowledged* when ``add`` returns
True. While storage works, an acknowledged event is committed within
``commit_every_s`` plus the time of one batch, well inside 2 s. While storage fails (disk
full, read-only, directory missing) ``problem`` says so, acknowledged events stay in the
backlog in order and are retried every ``retry_s`` until they are written; they are lost
if power fails before storage recovers, or at a stop while it still fails (``close``
logs how many). When the backlog is full ``add`` returns
False and counts the event in ``dropped``: that event was never acknowledged.

A damaged database file (``store.is_damaged``: found by the check at start or while
writing) is not written to again. ``store.rebuild`` builds a new database next to it:
the running sessions and exercises get their rows back first, then every row that can
still be read is copied in; only then is the damaged file set aside as
``records-damaged-STAMP.sqlite`` (kept; erased only by ``wipe`` or the retention) and
the new one put in its place, and the queued events are written there. If that fails,
nothing has changed: the problem is reported like a full disk and tried again. What was
recovered is written next to the kept file and in the journal, and the next session
records a ``storage`` fault (begun and ended at once) that says it.

Errors never reach the loop: the writer catches them and reports them in ``problem``.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import errno
import fcntl
import itertools
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from feedback import events as ev
from feedback.clock import MonotonicClock
from feedback.loop import WARN_AT
from feedback.rawsignal import RAW_FILE, RawSignalLog
from feedback.store import (
    DB_NAME,
    Damaged,
    StorageError,
    close_interrupted,
    connect,
    default_data_dir,
    ensure_data_dir,
    finish_rebuild,
    is_damaged,
    note_of,
    purge,
    purge_damaged,
    rebuild,
)

log = logging.getLogger("ademcoach.records")

LOCK_NAME = "records.lock"  # held by the run that records here (close_interrupted)
HUNG_S = 10.0  # a write that has not come back for this long: the storage does not answer
# A commit that takes longer than this breaks the promise that acknowledged events older
# than 2 s are on the card: an event waits for the commit under way, the writer's
# ``commit_every_s`` and its own commit (0.75 + 0.5 + 0.75 s). A worn SD card's fsync can
# take seconds; such commits are logged at the 1st, 10th, 100th ... one.
SLOW_COMMIT_S = 0.75
REBUILD_WAIT_MAX_S = 300.0  # a failed replacement of a damaged database is tried again
#   after retry_s, then twice as long each time up to this (each try copies the whole file)

def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    where = getattr(exc, "filename", None)
    if where and getattr(exc, "strerror", None):  # an OSError: which file or folder
        text = f"{text}: {where}"
    return text.splitlines()[0][:120]


# --- the writer -------------------------------------------------------------------------


@dataclasses.dataclass
class _State:
    """What the writer remembers between batches; copied so a failed batch can be undone."""

    # handle -> sessions.id: the open sessions and the one that ended last (``add_after``);
    # one ended before is forgotten (no event joins it once another began or ended)
    rows: dict[int, int] = dataclasses.field(default_factory=dict)
    exercise: dict[int, int | None] = dataclasses.field(default_factory=dict)
    open: dict[int, tuple] = dataclasses.field(default_factory=dict)  # handle -> its "start"
    ex_start: dict[int, ev.Exercise] = dataclasses.field(default_factory=dict)  # running

    wiped: set[int] = dataclasses.field(default_factory=set)  # handles erased (this batch)

    def copy(self) -> _State:
        return _State(dict(self.rows), dict(self.exercise), dict(self.open),
                      dict(self.ex_start))

    def forget_ended(self, keep: int) -> None:
        """Forget the sessions that ended before ``keep``: kept, each was asked about at
        every commit (``_forget_wiped``), a cost that grew with every session of a unit
        never switched off."""
        for handle in [h for h in self.rows if h != keep and h not in self.open]:
            del self.rows[handle]
            self.exercise.pop(handle, None)


class Records:
    """The session record of one unit. See the module docstring for the guarantees.

    ``clock`` must be the clock that stamps the events (``at``); it measures session
    durations. Only ``start_session``, ``add``, ``add_sample``, ``end_session``,
    ``storage_events`` and ``close`` are meant for the loop; none of them touches the disk
    (``close``, at the stop, waits up to ``timeout`` for the writer to finish).
    """

    def __init__(self, data_dir=None, clock=None, *, commit_every_s: float = 0.5,
                 retry_s: float = 1.0, max_backlog: int = 50_000, batch_max: int = 5_000,
                 max_db_bytes: int | None = None, raw_max_mb: float | None = None,
                 monotonic=time.monotonic):
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self._monotonic = monotonic  # the writer's clock for its retries (tests step it)
        self.db_path = self.data_dir / DB_NAME
        self.clock = clock or MonotonicClock()
        self.commit_every_s = commit_every_s
        self.retry_s = retry_s
        self.max_backlog = max_backlog
        self.batch_max = batch_max
        self.raw_max_mb = raw_max_mb
        self._max_db_bytes = max_db_bytes
        self._db_problem: str | None = None
        self._raw_problem: str | None = None
        self._writing_since: float | None = None  # when the write under way began (_hung)
        self._reported: str | None = None  # the problem storage_events last reported
        self._notice: str | None = None  # a damaged database was replaced (see above)
        self._damage: BaseException | None = None  # damage found, not yet replaced
        self._damage_why = ""  # ... because replacing it failed so
        self._rebuild_at = 0.0  # ... and it is tried again from then (monotonic)
        self._rebuild_wait = self.retry_s
        self.dropped = 0  # events refused by add() because the backlog was full
        self.raw_dropped = 0
        self.accepted = 0  # events acknowledged by add()
        self.committed = 0  # of those, how many are in the database
        self.commits = 0  # transactions committed
        self.slow_commits = 0  # of those, how many took over SLOW_COMMIT_S
        self.worst_commit_s = 0.0
        self._backlog: collections.deque = collections.deque()
        self._raw: collections.deque = collections.deque()
        self._raw_log: RawSignalLog | None = None
        self._raw_handle: int | None = None  # the session _raw_log is of
        self._cv = threading.Condition()
        self._stop = False
        self._hurry = False
        self._current: int | None = None
        self._last: int | None = None  # the session that ended last (``add_after``)
        self._session_t0: dict[int, float] = {}
        self._begun = False  # has a session begun here (see close_interrupted)
        self._lock: int | None = None  # records.lock, held (see _lock_records)
        self._state = _State()
        self._conn: sqlite3.Connection | None = None
        self._handles = itertools.count(self._first_handle())
        self._thread = threading.Thread(target=self._run, name="records-writer", daemon=True)
        self._thread.start()

    @classmethod
    def from_settings(cls, settings, clock=None, subdir: str = "", **options) -> Records:
        """Records as the config says (``[records]``), after the retention purge.
        ``subdir`` keeps a separate database below the data directory (simulated
        sessions never mix with a patient's). Call before the loop starts: the purge
        runs on the calling thread."""
        r = settings.records
        if subdir:
            # The base is 0700 as well. If it cannot be made, the records below say so,
            # as a storage fault, and the session runs on.
            with contextlib.suppress(OSError):
                ensure_data_dir(default_data_dir(r.data_dir))
        rec = cls(default_data_dir(r.data_dir) / subdir, clock,
                  raw_max_mb=r.raw_max_mb if r.raw_signal else None, **options)
        rec.purge_older_than(r.keep_days, exported_only=not subdir)  # (no export takes
        # simulated sessions: they go by age, as all sessions did before exports counted)
        rec.close_interrupted()
        return rec

    def _first_handle(self) -> int:
        """The id the next session will most likely get (max id + 1); 1 if unknown.
        The whole file is checked first (``PRAGMA integrity_check``: it reads every page
        and compares the indexes with the tables), and a damaged database is replaced
        here, before the writer starts; if that fails, the writer tries again."""
        try:
            kept = finish_rebuild(self.db_path)
        except OSError as exc:
            log.warning("records: could not finish replacing a damaged database: %s", exc)
            kept = None
        if kept is not None:  # a power cut came after the switch began
            self._notice = (f"records database damaged: kept as {kept.name}; its replacement "
                            "was finished at this start (what it recovered: see its note, "
                            "if any)")
        first = 1
        for _ in range(2):  # the file as it is, then (if damaged) its replacement
            try:
                first = self._checked_next_id()
                break
            except (sqlite3.Error, StorageError, OSError) as exc:
                if not (is_damaged(exc) and self._replace_damaged(exc)):
                    break
        return max(first, self._after_raw_files())

    def _after_raw_files(self) -> int:
        """The number after the highest session number among the raw files in the raw
        folder (1 if none). Raw files outlive their sessions (the retention purge erases
        rows, not files): once every session was purged the next would be numbered 1 again,
        overwrite the old session00001's file, and be taken for older than the files
        left (room is made by the numbers in the names: ``RawSignalLog._make_room``)."""
        try:
            names = [p.name for p in (self.data_dir / "raw").glob("*.csv")]
        except OSError:
            return 1
        found = [int(m[2]) for m in map(RAW_FILE.fullmatch, names) if m and m[2]]
        return max(found, default=0) + 1

    def _checked_next_id(self) -> int:
        conn = connect(self.db_path, create=False)
        try:
            check = conn.execute("PRAGMA integrity_check(1)").fetchone()[0]
            if check != "ok":  # '*** in database main ***\nPage 2: ...'
                raise Damaged(check.splitlines()[-1])
            return (conn.execute("SELECT max(id) FROM sessions").fetchone()[0] or 0) + 1
        finally:
            conn.close()

    # --- the loop's side: never touches the disk --------------------------------------

    def start_session(self, patient_code: str, programme: str, config_text: str,
                      started_at_wall: float | None = None, *,
                      raw_belts: list[str] | None = None) -> int:
        """Begin a session (ending any open one). Returns its id."""
        if self._current is not None:
            self.end_session("restarted")
        handle = next(self._handles)
        t0 = self.clock.now()
        wall = time.time() if started_at_wall is None else float(started_at_wall)
        self._session_t0[handle] = t0
        self._begun = True
        self._current = handle
        self._put(("start", handle, patient_code or "", programme or "", config_text or "",
                   wall, t0), force=True)
        if raw_belts and self.raw_max_mb:
            self._put_raw(("open", handle, list(raw_belts), wall))
        return handle

    def add(self, event: ev.Event) -> bool:
        """Hand an event to the record. True = acknowledged; False = backlog full, dropped."""
        if self._current is None:
            return False
        if isinstance(event, ev.Inhale | ev.Exhale):
            return True  # the Breath that follows carries start, peak and end
        return self._put(("event", self._current, event))

    def add_after(self, event: ev.Event) -> bool:
        """Hand the session that ended last an event that belongs to it: the end of a hold
        it left open, taken for a belt not worn after it ended (``HoldEnd.not_worn``: no
        hold). False while a session runs, or if none has ended."""
        if self._current is not None or self._last is None:
            return False
        return self._put(("event", self._last, event))

    def add_sample(self, t: float, values) -> None:
        """Raw signal sample (only with raw logging on). Best effort: dropped when behind."""
        if self._current is None or not self.raw_max_mb:
            return
        self._put_raw(("sample", t, tuple(values)))

    def end_session(self, reason: str = "stopped") -> None:
        """End the current session; ``reason`` e.g. 'stopped', 'SIGTERM', 'duration'."""
        handle = self._current
        if handle is None:
            return
        self._current = None
        self._last = handle
        t_end = self.clock.now()
        t0 = self._session_t0.pop(handle)
        self._put(("end", handle, reason, t_end, t_end - t0), force=True)
        if self.raw_max_mb:
            self._put_raw(("close",))

    def redate(self, shift_s: float) -> None:
        """The system clock was set ``shift_s`` seconds since the running session began
        (or, with none running, the one that ended last): its start and end move with it,
        to the time they were on the clock as set now."""
        handle = self._current if self._current is not None else self._last
        if handle is not None:
            self._put(("redate", handle, float(shift_s)), force=True)

    def _put(self, item, force: bool = False) -> bool:
        """Queue ``item``. Session starts and ends are ``force``d past the limit (they are
        rare) so that the events acknowledged for a session always have their session."""
        with self._cv:
            if len(self._backlog) >= self.max_backlog and not force:
                self.dropped += 1
                return False
            self._backlog.append(item)
            self.accepted += 1
            if len(self._backlog) >= self.batch_max:
                self._cv.notify()
        return True

    def _put_raw(self, item) -> None:
        with self._cv:
            if len(self._raw) >= self.max_backlog and item[0] == "sample":
                self.raw_dropped += 1
                return
            self._raw.append(item)

    @property
    def problem(self) -> str | None:
        """None while records are being saved, else a short text for the screen."""
        return self._db_problem or self._raw_problem or self._hung()

    def _hung(self) -> str | None:
        """A write that has not come back for ``HUNG_S``: a card that hangs (in an fsync,
        say) raises nothing, and without this nothing would show that no record is being
        saved. (SQLite gives up on a lock another process holds after 5 s, with an error.)"""
        since = self._writing_since
        if since is not None and self._monotonic() - since >= HUNG_S:
            return f"records not saved: the storage has not answered for {HUNG_S:g} s"
        return None

    def storage_events(self, at: float) -> list[ev.Event]:
        """For the loop, once per tick: a ``Fault(kind='storage')`` when saving starts to
        fail, a ``FaultEnd`` when it works again, else nothing. Cheap (no disk, no lock)."""
        now = self.problem
        if now == self._reported:
            notice = self._notice
            if notice is None or now is not None or self._current is None:
                return []
            self._notice = None  # a damaged database was replaced: on the record, once
            return [ev.Fault(at, "storage", detail=notice), ev.FaultEnd(at, "storage")]
        before, self._reported = self._reported, now
        if now is None:
            return [ev.FaultEnd(at, "storage")]
        return ([] if before is None else [ev.FaultEnd(at, "storage")]) + [
            ev.Fault(at, "storage", detail=now)]

    @property
    def pending(self) -> int:
        """Acknowledged events not yet in the database."""
        return len(self._backlog)

    # --- control ------------------------------------------------------------------------

    def flush(self, timeout: float = 5.0) -> bool:
        """Write now and wait until every acknowledged event is committed (True) or storage
        fails or ``timeout`` passes (False). Not for the loop's hot path."""
        deadline = time.monotonic() + timeout
        with self._cv:
            target = self.accepted
            self._hurry = True
            self._cv.notify()
            while self.committed < target:
                left = deadline - time.monotonic()
                if left <= 0 or (self.problem and not self._hurry):
                    return False
                self._cv.wait(min(left, 0.05))
        return True

    def set_max_db_bytes(self, limit: int | None) -> None:
        """Cap the database size (None: no cap). A full cap behaves like a full disk."""
        self._max_db_bytes = limit
        with self._cv:
            self._drop_conn = True
            self._cv.notify()

    def close(self, reason: str = "closed", timeout: float = 10.0) -> int:
        """End the open session (with ``reason``), write what is left, stop the writer
        (waiting longer than SQLite waits for a lock another process holds, a report or a
        wipe reading the records, and less than systemd waits for the stop, so the loss is
        still logged).
        Returns how many acknowledged events could not be stored (0 normally); they are
        lost with the program, and the log says how many and why."""
        if self._current is not None:
            self.end_session(reason)
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout)
        if self._lock is not None:
            os.close(self._lock)  # (releases records.lock)
            self._lock = None
        left = len(self._backlog)
        if left:
            why = self._db_problem or "the records were still being written"
            log.error("records: %d events not saved at the stop and lost (%s)", left, why)
        if self.dropped:  # (add() said False; nobody else looks at the count)
            log.error("records: %d events refused and lost while storage failed (the "
                      "backlog was full)", self.dropped)
        if self.raw_dropped:
            log.warning("raw signal: %d samples not saved in this run", self.raw_dropped)
        return left

    def _lock_records(self) -> bool:
        """Hold ``records.lock`` in the data directory for as long as this object lives:
        False if another run holds it (it records here now, and its running session must
        not be taken for one cut short). True also where no lock can be taken (a folder
        that cannot be made or written: the writer then says the storage problem)."""
        if self._lock is not None:
            return True
        try:
            ensure_data_dir(self.data_dir)  # (the writer would make it at the first write)
            fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # (EWOULDBLOCK: held)
            os.close(fd)
            log.warning("records: another run records in %s: its sessions are left as "
                        "they are", self.data_dir)
            return False
        except OSError as exc:  # a file system without flock (ENOLCK, EOPNOTSUPP)
            os.close(fd)
            log.warning("records: no lock can be taken in %s (%s): going on without one",
                        self.data_dir, _short(exc))
            return True
        self._lock = fd
        return True

    def close_interrupted(self) -> int:
        """Mark the sessions an earlier run left without an end (a power cut, a kill) as
        interrupted, so that an export marks them complete (``store.close_interrupted``).
        Only before this object's first session: one run records into its database at
        a time (the service; simulated sessions have their own). Returns how many; 0 on
        failure (they then stay open until the next session begins, as before)."""
        if self._begun or not self._lock_records():
            return 0
        n = self._at_start("marking interrupted sessions", close_interrupted) or 0
        if n:
            log.info("records: %d session(s) without an end (a power cut or a kill) marked "
                     "interrupted", n)
        return n

    def _at_start(self, what: str, job):
        """``job(conn)`` on the database, on the calling thread before the loop starts;
        None where there is no database yet or it fails (logged as ``what`` failing)."""
        try:
            conn = connect(self.db_path, create=False)
        except (sqlite3.Error, StorageError, OSError):
            return None
        try:
            return job(conn)
        except sqlite3.Error as exc:
            log.warning("records: %s failed: %s", what, exc)
            return None
        finally:
            conn.close()

    def purge_older_than(self, days: float, now_wall: float | None = None,
                         exported_only: bool = True) -> int:
        """Delete exported sessions older than ``days`` (retention), and kept damaged
        databases set aside before then that an export copied. What is older but not
        exported yet is kept, and logged: the wall clock of a unit without a clock chip
        may have been wrong (``store.purge``). Without ``exported_only`` (the simulated
        sessions' records) all that is older goes. Returns how many sessions; 0 on
        failure."""
        now_wall = time.time() if now_wall is None else now_wall
        try:
            waiting = purge_damaged(self.data_dir, days, now_wall, exported_only)
        except OSError as exc:
            log.warning("records: retention of damaged files failed: %s", exc)
        else:
            if waiting:
                log.warning("records: %d damaged database(s) older than keep_days (%g days) "
                            "kept: not exported yet", waiting, days)
        got = self._at_start("retention purge",
                             lambda conn: purge(conn, days, now_wall, exported_only))
        if got is None:
            return 0
        n, kept = got
        if n:
            log.info("records: %d %ssession(s) older than keep_days (%g days) erased", n,
                     "exported " if exported_only else "", days)
        if kept:
            log.warning("records: %d session(s) older than keep_days (%g days) kept: not "
                        "exported yet (the retention erases them after an export)", kept, days)
        return n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the writer thread ------------------------------------------------------------

    _drop_conn = False
    _conn_file: tuple[int, int] | None = None  # the file the open connection writes to

    def _run(self) -> None:
        next_try = 0.0
        while True:
            with self._cv:
                if not (self._stop or self._hurry):
                    self._cv.wait(self.commit_every_s)
                stopping, hurry = self._stop, self._hurry
                batch = list(itertools.islice(self._backlog, self.batch_max))
                raw = list(self._raw)
                self._raw.clear()
            self._writing_since = self._monotonic()
            try:
                self._write_raw(raw)
                ok = not batch
                if batch and (stopping or hurry or self._monotonic() >= next_try):
                    ok = self._write(batch)
                    next_try = 0.0 if ok else self._monotonic() + self.retry_s
            finally:
                self._writing_since = None
            with self._cv:
                if not ok or not self._backlog:
                    self._hurry = False  # flush() sees either done or the problem
                elif len(self._backlog) >= self.batch_max:
                    self._hurry = True  # behind: write the next batch at once
                self._cv.notify_all()
                if stopping and (ok is False or not self._backlog):
                    break
        self._close_conn()
        self._end_raw_log()

    def _note_commit(self, took: float, n: int) -> None:
        """A commit that took ``took`` s: a slow one (the card) is counted, and logged at
        the 1st, 10th, 100th ... (before, nothing said it until a write hung for
        ``HUNG_S``, while the promise of 2 s no longer held)."""
        self.commits += 1
        if took <= SLOW_COMMIT_S:
            return
        self.slow_commits += 1
        self.worst_commit_s = max(self.worst_commit_s, took)
        if self.slow_commits in WARN_AT:
            log.warning("records: a commit of %d events took %.1f s (%d slow of %d so far, "
                        "worst %.1f s; the SD card is slow or worn): events up to %.1f s old "
                        "may be lost at a power cut", n, took, self.slow_commits,
                        self.commits, self.worst_commit_s,
                        self.commit_every_s + 2 * self.worst_commit_s)

    def _open(self) -> sqlite3.Connection:
        if self._conn is not None and (self._drop_conn or self._file_id() != self._conn_file):
            self._close_conn()  # asked to, or the file was removed (a wipe of a damaged one)
        self._drop_conn = False
        if self._conn is None:
            self._ensure_dir(self.data_dir)
            conn = connect(self.db_path)
            if self._max_db_bytes:
                page = conn.execute("PRAGMA page_size").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {max(1, self._max_db_bytes // page)}")
            self._conn = conn
            self._conn_file = self._file_id()
        return self._conn

    def _ensure_dir(self, path: Path) -> Path:
        """Make ``path`` (the data directory, or its raw folder) if it is not there, but
        not the data directory again once the writer has had it: a records folder that
        went away (the medium it is on unplugged, the folder moved) is a storage problem
        until it is back, with the backlog kept. (A new folder made at once was taken for
        one erased: the running session was dropped, as after a wipe, without a word.)"""
        if self._conn_file is not None and not self.data_dir.is_dir():
            raise FileNotFoundError(errno.ENOENT, "records folder missing", str(self.data_dir))
        return ensure_data_dir(path)

    def _file_id(self) -> tuple[int, int] | None:
        try:
            st = self.db_path.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _close_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _commit(self, batch: list) -> _State:
        state = self._state.copy()
        try:
            conn = self._open()
            conn.execute("BEGIN IMMEDIATE")
            self._forget_wiped(conn, state)
            for item in batch:
                self._apply(conn, state, item)
            conn.execute("COMMIT")
        except BaseException:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                self._close_conn()
            raise
        return state

    def _write(self, batch: list) -> bool:
        began = self._monotonic()
        try:
            if self._damage is not None and not self.db_path.exists():
                self._damage = None  # erased meanwhile (wipe): a new database starts
            if self._damage is not None and not self._replace_damaged(self._damage):
                raise Damaged(f"damaged and not yet replaced ({self._damage_why})")
            try:
                state = self._commit(batch)
            except (sqlite3.Error, StorageError) as exc:
                if not (is_damaged(exc) and self._replace_damaged(exc)):
                    raise
                state = self._commit(batch)  # into the new database
        except (sqlite3.Error, OSError, StorageError) as exc:
            text = f"records not saved: {_short(exc)}"
            if text != self._db_problem:
                log.warning("%s (%d waiting)", text, len(self._backlog))
            self._db_problem = text
            return False
        handle = self._raw_handle
        if handle is not None and handle in state.wiped:
            self._end_raw_log()  # its session was wiped (``_forget_wiped``): so is the rest
        self._state = state
        self._note_commit(self._monotonic() - began, len(batch))  # (before flush() returns)
        with self._cv:
            for _ in batch:
                self._backlog.popleft()
            self.committed += len(batch)
        if self._db_problem:
            log.info("records saved again after: %s", self._db_problem)
            self._db_problem = None
        return True

    def _replace_damaged(self, exc: BaseException) -> bool:
        """Replace the damaged database by a new one with what can still be read of it
        (``store.rebuild``), the running sessions and exercises keeping their rows. False
        if that failed: the damaged file then stays in place and ``_damage`` says to try
        again before the next write."""
        if self._damage is not None and self._monotonic() < self._rebuild_at:
            return False  # the last try failed: wait before copying it all again
        self._close_conn()
        st = self._state.copy()
        try:
            kept, got = rebuild(self.db_path, time.strftime("%Y%m%d-%H%M%S"),
                                before=lambda conn: self._reattach(conn, st))
        except (sqlite3.Error, OSError, StorageError) as exc2:
            if self._damage is None:
                log.error("records database damaged (%s); it stays as it is for now, a new "
                          "one could not be made: %s", _short(exc), _short(exc2))
                self._rebuild_wait = self.retry_s
            else:
                self._rebuild_wait = min(2 * self._rebuild_wait, REBUILD_WAIT_MAX_S)
            self._damage, self._damage_why = exc, _short(exc2)
            self._rebuild_at = self._monotonic() + self._rebuild_wait
            return False
        self._state, self._damage = st, None
        notice = f"records database damaged ({_short(exc)}): kept as {kept.name}; {got.text()}"
        try:
            note_of(kept).write_text(
                notice + "\nThe damaged file is kept as it was; what else it holds may be "
                "read with: sqlite3 " + kept.name + " .recover\n", encoding="utf-8")
        except OSError as exc3:
            log.warning("records: could not write %s: %s", note_of(kept).name, exc3)
        self._notice = notice
        log.error("%s", notice)
        return True

    @staticmethod
    def _reattach(conn: sqlite3.Connection, st: _State) -> None:
        """Running sessions and exercises get their rows in a new database first, under
        the ids they have in the damaged one, so that what ``salvage`` finds of them
        (their breaths, a row that is still readable) joins them."""
        for handle, (_, _, code, programme, config_text, wall, t0) in st.open.items():
            conn.execute("INSERT INTO sessions (id, patient_code, programme, config, "
                         "started_at, start_t) VALUES (?,?,?,?,?,?)",
                         (st.rows[handle], code, programme, config_text, wall, t0))
        for handle, e in st.ex_start.items():
            exid = st.exercise.get(handle)
            if exid is not None and handle in st.open:
                conn.execute("INSERT INTO exercises (id, session_id, name, start_t, pacer, "
                             "target_ratio, target_rate_bpm, kind, name_en) "
                             "VALUES (?,?,?,?,?,?,?,?,?)",
                             (exid, st.rows[handle], e.name, e.at, e.pacer, e.target_ratio,
                              e.target_rate_bpm, e.kind, e.name_en))

    @staticmethod
    def _forget_wiped(conn: sqlite3.Connection, st: _State) -> None:
        """Sessions erased by ``ademcoach wipe`` (or the retention purge) while this
        process runs: their remaining events are dropped, not written to a dangling id."""
        if not st.rows:
            return
        ids = list(st.rows.values())
        marks = ",".join("?" * len(ids))
        alive = {r[0] for r in conn.execute(f"SELECT id FROM sessions WHERE id IN ({marks})",
                                            ids)}
        for handle, sid in list(st.rows.items()):
            if sid not in alive:  # (all of it: a wiped session kept in ``open`` was
                # given its row back by a replacement of a damaged file, and the row
                # looked for there was gone: the writer thread died)
                del st.rows[handle]
                st.exercise.pop(handle, None)
                st.open.pop(handle, None)
                st.ex_start.pop(handle, None)
                st.wiped.add(handle)

    def _apply(self, conn: sqlite3.Connection, st: _State, item) -> None:
        op, handle = item[0], item[1]
        if op == "start":
            _, _, code, programme, config_text, wall, t0 = item
            cols = "patient_code, programme, config, started_at, start_t"
            vals = (code, programme, config_text, wall, t0)
            try:
                conn.execute(f"INSERT INTO sessions (id, {cols}) VALUES (?,?,?,?,?,?)",
                             (handle, *vals))
                st.rows[handle] = handle
            except sqlite3.IntegrityError:
                cur = conn.execute(f"INSERT INTO sessions ({cols}) VALUES (?,?,?,?,?)", vals)
                st.rows[handle] = cur.lastrowid
            st.exercise[handle] = None
            st.open[handle] = item
            return
        sid = st.rows.get(handle)
        if sid is None:
            return  # its session row was never written (cannot happen: order is kept)
        if op == "redate":
            shift = item[2]
            conn.execute("UPDATE sessions SET started_at=started_at+?, ended_at=ended_at+? "
                         "WHERE id=?", (shift, shift, sid))
            if handle in st.open:  # (its row, should a damaged file be replaced)
                start = st.open[handle]
                st.open[handle] = (*start[:5], start[5] + shift, start[6])
            return
        if op == "end":
            _, _, reason, t_end, duration = item
            started = conn.execute("SELECT started_at FROM sessions WHERE id=?", (sid,))
            row = started.fetchone()
            ended = row[0] + duration if row else None
            conn.execute("UPDATE sessions SET ended_at=?, end_reason=?, end_t=? WHERE id=?",
                         (ended, reason, t_end, sid))
            st.open.pop(handle, None)
            st.ex_start.pop(handle, None)
            exid = st.exercise.pop(handle, None)
            if exid is not None:
                conn.execute("UPDATE exercises SET end_t=? WHERE id=? AND end_t IS NULL",
                             (t_end, exid))
            st.forget_ended(keep=handle)
            return
        self._apply_event(conn, st, handle, sid, item[2])

    @staticmethod
    def _apply_event(conn, st: _State, handle: int, sid: int, e: ev.Event) -> None:
        exid = st.exercise.get(handle)
        if isinstance(e, ev.Breath):
            conn.execute(
                'INSERT INTO breaths (session_id, exercise_id, at, start, peak, "end", '
                "inhale_s, exhale_s, depth, rate_bpm, belly_share, paradoxical) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (sid, exid, e.at, e.start, e.peak, e.end, e.inhale_s, e.exhale_s, e.depth,
                 e.rate_bpm, e.belly_share,
                 None if e.paradoxical is None else int(e.paradoxical)))
        elif isinstance(e, ev.Hold):
            conn.execute("INSERT INTO holds (session_id, exercise_id, at, t) VALUES (?,?,?,?)",
                         (sid, exid, e.at, e.t))
        elif isinstance(e, ev.HoldEnd):
            conn.execute("UPDATE holds SET end_t=?, not_worn=? WHERE id=(SELECT max(id) "
                         "FROM holds WHERE session_id=? AND end_t IS NULL)",
                         (e.t, 1 if e.not_worn else None, sid))
        elif isinstance(e, ev.Cue):
            conn.execute("INSERT INTO cues (session_id, exercise_id, at, kind) VALUES (?,?,?,?)",
                         (sid, exid, e.at, e.kind))
        elif isinstance(e, ev.Fault):
            conn.execute("INSERT INTO faults (session_id, at, kind, belt, detail) "
                         "VALUES (?,?,?,?,?)", (sid, e.at, e.kind, e.belt, e.detail))
        elif isinstance(e, ev.FaultEnd):
            conn.execute("UPDATE faults SET end_at=? WHERE id=(SELECT max(id) FROM faults "
                         "WHERE session_id=? AND kind=? AND belt IS ? AND end_at IS NULL)",
                         (e.at, sid, e.kind, e.belt))
        elif isinstance(e, ev.Exercise) and e.phase == "start":
            if exid is not None:
                conn.execute("UPDATE exercises SET end_t=? WHERE id=?", (e.at, exid))
            cur = conn.execute(
                "INSERT INTO exercises (session_id, name, start_t, pacer, target_ratio, "
                "target_rate_bpm, kind, name_en) VALUES (?,?,?,?,?,?,?,?)",
                (sid, e.name, e.at, e.pacer, e.target_ratio, e.target_rate_bpm, e.kind,
                 e.name_en))
            st.exercise[handle] = cur.lastrowid
            st.ex_start[handle] = e
        elif isinstance(e, ev.Exercise):
            if exid is not None:
                # (the target in force at the end: a config changed meanwhile moves it)
                counts = [None if e.following is None else e.following[k]
                          for k in ev.FOLLOWING]
                conn.execute("UPDATE exercises SET end_t=?, active_s=?, in_sync=?, "
                             "in_sync_n=?, exhale_short_n=?, too_fast_n=?, too_slow_n=?, "
                             "short_exhale_n=?, target_ratio=COALESCE(?, target_ratio), "
                             "target_rate_bpm=COALESCE(?, target_rate_bpm) WHERE id=?",
                             (e.at, e.active_s, e.in_sync, *counts, e.short_exhale,
                              e.target_ratio, e.target_rate_bpm, exid))
            st.exercise[handle] = None
            st.ex_start.pop(handle, None)
        else:
            conn.execute("INSERT INTO events (session_id, at, kind, data) VALUES (?,?,?,?)",
                         (sid, e.at, e.kind_name, e.to_json()))

    def _end_raw_log(self) -> None:
        """Let go of the session's raw file, closing it. On a full or failing card its last
        rows are lost (counted and logged), and nothing else fails: the next session's
        raw file is still begun (a close that failed at a session's start left it with
        none)."""
        old, self._raw_log = self._raw_log, None
        self._raw_handle = None
        if old is None:
            return
        try:
            old.close()
        except OSError as exc:
            self.raw_dropped += 1
            log.warning("raw signal: the last rows were not saved: %s", _short(exc))

    def _write_raw(self, items: list) -> None:
        """Raw signal on the writer thread. Best effort: a failure drops samples."""
        for item in items:
            try:
                if item[0] == "open":
                    self._end_raw_log()
                    _, handle, belts, wall = item
                    self._raw_handle = handle
                    self._raw_log = RawSignalLog(
                        self.data_dir / "raw", belts, max_mb=self.raw_max_mb,
                        name=f"session{handle:05d}", ensure=self._ensure_dir)
                elif item[0] == "close":
                    self._end_raw_log()
                elif self._raw_log is not None:
                    self._raw_log.write(item[1], item[2])
            except OSError as exc:
                self.raw_dropped += 1
                self._raw_problem = f"raw signal not saved: {_short(exc)}"
                continue
            self._raw_problem = None
        if self._raw_log is not None:
            try:
                self._raw_log.flush()
            except OSError as exc:
                self._raw_problem = f"raw signal not saved: {_short(exc)}"
