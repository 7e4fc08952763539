"""The records writer thread's side of ``Records`` (``records.py``).

``Writer`` is what runs on the writer thread: it takes the backlog that the loop's side
queued in batches and commits each in one transaction (``_write``, ``_commit``,
``_apply``), replaces a damaged database by a new one with what can still be read of it
(``_replace_damaged``), and writes the raw signal files (``_write_raw``). ``WriterState``
is what it remembers between batches. The guarantees are in ``records.py``'s docstring.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import itertools
import logging
import sqlite3
import time
from pathlib import Path

from feedback import events as ev
from feedback.loop import WARN_AT
from feedback.rawsignal import RawSignalLog
from feedback.store import (
    Damaged,
    StorageError,
    connect,
    ensure_data_dir,
    is_damaged,
    note_of,
    rebuild,
)

log = logging.getLogger("ademcoach.records")

# A commit that takes longer than this breaks the promise that acknowledged events older
# than 2 s are on the card: an event waits for the commit under way, the writer's
# ``commit_every_s`` and its own commit (0.75 + 0.5 + 0.75 s). A worn SD card's fsync can
# take seconds; such commits are logged at the 1st, 10th, 100th ... one.
SLOW_COMMIT_S = 0.75
REBUILD_WAIT_MAX_S = 300.0  # a failed replacement of a damaged database is tried again
#   after retry_s, then twice as long each time up to this (each try copies the whole file)


def short_error(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    where = getattr(exc, "filename", None)
    if where and getattr(exc, "strerror", None):  # an OSError: which file or folder
        text = f"{text}: {where}"
    return text.splitlines()[0][:120]


# --- the writer -------------------------------------------------------------------------


@dataclasses.dataclass
class WriterState:
    """What the writer remembers between batches; copied so a failed batch can be undone."""

    # handle -> sessions.id: the open sessions and the one that ended last (``add_after``);
    # one ended before is forgotten (no event joins it once another began or ended)
    rows: dict[int, int] = dataclasses.field(default_factory=dict)
    exercise: dict[int, int | None] = dataclasses.field(default_factory=dict)
    open: dict[int, tuple] = dataclasses.field(default_factory=dict)  # handle -> its "start"
    ex_start: dict[int, ev.Exercise] = dataclasses.field(default_factory=dict)  # running

    wiped: set[int] = dataclasses.field(default_factory=set)  # handles erased (this batch)

    def copy(self) -> WriterState:
        return WriterState(dict(self.rows), dict(self.exercise), dict(self.open),
                           dict(self.ex_start))

    def forget_ended(self, keep: int) -> None:
        """Forget the sessions that ended before ``keep``: kept, each was asked about at
        every commit (``_forget_wiped``), a cost that grew with every session of a unit
        never switched off."""
        for handle in [h for h in self.rows if h != keep and h not in self.open]:
            del self.rows[handle]
            self.exercise.pop(handle, None)


class Writer:
    """The writer thread's half of ``Records`` (which sets up the state it uses): all of
    it runs on that thread (``_run``), but for ``_replace_damaged`` when ``Records`` finds
    the database damaged at its start, before the thread begins."""

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

    def _commit(self, batch: list) -> WriterState:
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
            text = f"records not saved: {short_error(exc)}"
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
                          "one could not be made: %s", short_error(exc), short_error(exc2))
                self._rebuild_wait = self.retry_s
            else:
                self._rebuild_wait = min(2 * self._rebuild_wait, REBUILD_WAIT_MAX_S)
            self._damage, self._damage_why = exc, short_error(exc2)
            self._rebuild_at = self._monotonic() + self._rebuild_wait
            return False
        self._state, self._damage = st, None
        notice = f"records database damaged ({short_error(exc)}): kept as {kept.name}; {got.text()}"
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
    def _reattach(conn: sqlite3.Connection, st: WriterState) -> None:
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
    def _forget_wiped(conn: sqlite3.Connection, st: WriterState) -> None:
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

    def _apply(self, conn: sqlite3.Connection, st: WriterState, item) -> None:
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
    def _apply_event(conn, st: WriterState, handle: int, sid: int, e: ev.Event) -> None:
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
            log.warning("raw signal: the last rows were not saved: %s", short_error(exc))

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
                self._raw_problem = f"raw signal not saved: {short_error(exc)}"
                continue
            self._raw_problem = None
        if self._raw_log is not None:
            try:
                self._raw_log.flush()
            except OSError as exc:
                self._raw_problem = f"raw signal not saved: {short_error(exc)}"
