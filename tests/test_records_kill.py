"""SIGKILL at random moments during simulated sessions (the real `ademcoach run --sim`
session on a virtual clock): the record stays sound and loses nothing it had committed.
How soon a breath is committed (the 2 s bound) is measured by `make bench BENCH=records`
with the same harness: a time bound is no test on a shared machine."""

import sys
import threading
from pathlib import Path

from killharness import run_kills

PRODUCER = str(Path(__file__).resolve().parent / "session_producer.py")


def test_sigkill_at_random_moments_loses_nothing_committed(tmp_path):
    # Two independent chains of 25 kills each (50 in all) run side by side to keep the
    # test short; each chain appends sessions to its own database.
    reports, errors = {}, []

    def chain(n):
        try:
            reports[n] = run_kills([sys.executable, PRODUCER, "{data_dir}", "{seed}"],
                                   tmp_path / f"chain{n}", kills=25, seed=n + 1,
                                   max_s=4.0, db_name="simulated/records.sqlite")
        except AssertionError as exc:
            errors.append(f"chain {n}: {exc}")

    threads = [threading.Thread(target=chain, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    total = sum(r.kills for r in reports.values())
    assert total == 50
    # The kills must really have found committed breaths, not only early deaths. Every
    # other kill (12 of each chain's 25) comes 0.02-4 s after the first breath; the
    # records commit every 0.5 s.
    tested = sum(r.tested_kills for r in reports.values())
    assert tested >= 10, f"only {tested} kills came after a breath was committed"
    worst = max(r.worst_loss_s for r in reports.values())
    breaths = sum(r.checked_breaths for r in reports.values())
    print(f"50 kills, {tested} with committed breaths ({breaths} breaths); "
          f"worst loss window {worst:.3f} s")
