"""Power-loss harness: run a command that writes session records, SIGKILL it at random
moments, and check the database after every kill.

Reusable for any producer that speaks this protocol on stdout (one line each, flushed)::

    session <id>                 the session it writes (Records.start_session's id)
    breath <at> <monotonic> <n>  a Breath with this ``at`` was handed to Records.add at
                                 time.monotonic() = <monotonic> (the clock is system-wide);
                                 Records.accepted was then <n>
    committed <c>                Records.committed: the first <c> events acknowledged
                                 are in the database

``command`` is a list of arguments; ``{data_dir}`` and ``{seed}`` in them are replaced.
Every other kill is timed from the producer's first breath instead of its start, so that
kills find committed breaths however long the start takes on a loaded machine (the
others hit the start itself: creating the database, opening the session).

After each kill: ``PRAGMA integrity_check`` is ok, every earlier session still has the
same row counts, and every breath the producer said was committed is stored. How long
before the kill the oldest missing breath was handed over (the loss window) is measured;
with ``grace_s`` it must not exceed that (the benchmark sets it: a time bound is no test
on a shared machine). ``run_kills`` returns a KillReport or raises AssertionError naming
the kill.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TABLES = ("breaths", "holds", "cues", "faults", "exercises")


@dataclass
class KillReport:
    kills: int = 0
    checked_breaths: int = 0  # breaths said to be committed: they had to be stored
    tested_kills: int = 0  # kills with at least one such breath
    worst_loss_s: float = 0.0  # the oldest breath found missing, in seconds before the kill
    loss_windows: list = field(default_factory=list)


def _counts(db: Path) -> dict:
    if not db.exists():
        return {}
    conn = sqlite3.connect(db)
    try:
        out = {}
        for (sid,) in conn.execute("SELECT id FROM sessions"):
            out[sid] = tuple(
                conn.execute(f"SELECT count(*) FROM {t} WHERE session_id=?", (sid,)).fetchone()[0]
                for t in TABLES
            )
        return out
    finally:
        conn.close()


def _read(proc, lines: list, first_breath: threading.Event) -> None:
    for raw in proc.stdout:
        lines.append(raw.decode().split())
        if lines[-1][:1] == ["breath"]:
            first_breath.set()


def run_kills(command: list[str], data_dir: Path, kills: int = 25, seed: int = 1,
              min_s: float = 0.02, max_s: float = 2.6, grace_s: float | None = None,
              db_name: str = "records.sqlite", env: dict | None = None,
              start_timeout_s: float = 120.0) -> KillReport:
    rng = random.Random(seed)
    db = Path(data_dir) / db_name
    report = KillReport()
    for k in range(kills):
        before = _counts(db)
        args = [a.format(data_dir=data_dir, seed=seed * 1000 + k) for a in command]
        start = time.monotonic()
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=env)
        lines: list = []
        first_breath = threading.Event()
        reader = threading.Thread(target=_read, args=(proc, lines, first_breath), daemon=True)
        reader.start()
        delay = rng.uniform(min_s, max_s)
        if k % 2 and not first_breath.wait(start_timeout_s):
            proc.kill()
            proc.wait()
            raise AssertionError(f"kill {k + 1}: no breath within {start_timeout_s:g} s")
        time.sleep(delay)
        kill_t = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.join(5)
        report.kills += 1
        where = f"kill {k + 1} after {kill_t - start:.2f} s"
        assert proc.returncode == -signal.SIGKILL, f"{where}: producer exited by itself"
        conn = sqlite3.connect(db) if db.exists() else None
        try:
            if conn is not None:
                ok = conn.execute("PRAGMA integrity_check").fetchall()
                assert ok == [("ok",)], f"{where}: integrity_check says {ok}"
            after = _counts(db)
            for sid, counts in before.items():
                assert after.get(sid) == counts, (
                    f"{where}: earlier session {sid} changed: {counts} -> {after.get(sid)}")
            sids = [int(x[1]) for x in lines if x and x[0] == "session"]
            handed = [(float(x[1]), float(x[2]), int(x[3])) for x in lines
                      if len(x) == 4 and x[0] == "breath"]
            committed = max((int(x[1]) for x in lines if len(x) == 2 and x[0] == "committed"),
                            default=0)
            if not sids:
                assert not handed, f"{where}: breaths before the session line"
                continue
            stored = set()
            if conn is not None:
                stored = {round(a, 6) for (a,) in conn.execute(
                    "SELECT at FROM breaths WHERE session_id=?", (sids[0],))}
            missing = [(mono, n) for at, mono, n in handed if round(at, 6) not in stored]
            sure = [at for at, _mono, n in handed if n <= committed]
            report.checked_breaths += len(sure)
            report.tested_kills += bool(sure)
            lost = [n for _mono, n in missing if n <= committed]
            assert not lost, f"{where}: {len(lost)} breath(s) said to be committed are missing"
            if missing:
                window = kill_t - min(mono for mono, _n in missing)
                report.loss_windows.append(window)
                report.worst_loss_s = max(report.worst_loss_s, window)
                assert grace_s is None or window <= grace_s, (
                    f"{where}: a breath handed over {window:.2f} s before the kill is missing")
        finally:
            if conn is not None:
                conn.close()
    return report
