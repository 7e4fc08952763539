"""A real simulated session for the power-loss test (tests/killharness.py).

Usage: ``python tests/session_producer.py DATA_DIR SEED``. Runs ``ademcoach run --sim``'s
session (emulated chips, simulated patient, real analysis, coaching and records) on a
virtual clock, as fast as the machine allows, until killed, and prints the protocol the
harness reads::

    session <id>
    breath <at> <time.monotonic() when the breath was handed to the records> <accepted>
    committed <how many of the events handed to the records are in the database>

``accepted`` is the records' count of events acknowledged once the breath was handed
over: the breath is in the database once ``committed`` reaches it.
"""

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from feedback import events as ev  # noqa: E402
from feedback.clock import VirtualClock  # noqa: E402
from feedback.reload import load_all  # noqa: E402
from feedback.run import open_session  # noqa: E402


def main(data_dir: str, seed: int) -> None:
    settings, programme = load_all(REPO / "config" / "ademcoach.toml")
    settings.records["data_dir"] = data_dir
    settings.patient["code"] = f"K{seed}"
    out = sys.stdout
    with open_session(settings, programme, None, sim="fast", clock=VirtualClock(),
                      duration=None, status=False) as session:
        session.end_when_done = False
        base = session.dispatch
        said = []

        def dispatch(events):
            base(events)  # the records have the events when this returns
            records = session.records
            if session.record_id is not None and session.record_id not in said:
                said.append(session.record_id)
                out.write(f"session {session.record_id}\n")
            for e in events:
                if isinstance(e, ev.Breath):
                    out.write(f"breath {e.at!r} {time.monotonic():.6f} {records.accepted}\n")
            out.write(f"committed {records.committed}\n")
            out.flush()

        session.dispatch = dispatch
        session.run()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
