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

This module holds what the loop calls (``Records``: the backlog and its limits, sessions
begun and ended, ``storage_events``), opening the records (the check at start, the
retention purge, the lock) and closing them; the writer thread's side (committing, the
damaged database's replacement, the raw signal files) is ``records_writer.Writer``.
"""

from __future__ import annotations

import collections
import contextlib
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
from feedback.rawsignal import RAW_FILE, RawSignalLog
from feedback.records_writer import Writer, WriterState, short_error
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
    purge,
    purge_damaged,
)

log = logging.getLogger("ademcoach.records")

LOCK_NAME = "records.lock"  # held by the run that records here (close_interrupted)
HUNG_S = 10.0  # a write that has not come back for this long: the storage does not answer


class Records(Writer):
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
        self._state = WriterState()
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

    def _remove_raw_files(self, ids: set[int]) -> None:
        """Delete the raw signal files of the sessions ``ids`` (the retention erased them,
        and the export they waited for copied their files too): they stayed until the
        raw folder needed room, the signal of a patient whose records were gone. Files of
        any other session stay, those of sessions a damaged database lost included."""
        try:
            for p in (self.data_dir / "raw").glob("session*.csv"):
                m = RAW_FILE.fullmatch(p.name)
                if m and m[2] and int(m[2]) in ids:
                    p.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("records: raw files of erased sessions not removed: %s", exc)

    def _after_raw_files(self) -> int:
        """The number after the highest session number among the raw files in the raw
        folder (1 if none). Raw files can outlive their sessions' rows (a damaged database's
        lost sessions; before, every purged one's): once no session row was left the next
        would be numbered 1 again, overwrite the old session00001's file, and be taken for
        older than the files left (room is made by the numbers in the names:
        ``RawSignalLog._make_room``)."""
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
                        self.data_dir, short_error(exc))
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
        n, kept, ids = got
        if n:
            log.info("records: %d %ssession(s) older than keep_days (%g days) erased", n,
                     "exported " if exported_only else "", days)
            self._remove_raw_files(set(ids))
        if kept:
            log.warning("records: %d session(s) older than keep_days (%g days) kept: not "
                        "exported yet (the retention erases them after an export)", kept, days)
        return n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
