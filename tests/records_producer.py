"""A fast, deterministic session for the power-loss test (tests/killharness.py).

Usage: ``python tests/records_producer.py DATA_DIR SEED``. Writes one session to
Records in DATA_DIR: breaths, holds, cues, faults and exercises, several hundred events
per second, until killed. Prints the protocol the harness reads::

    session <id>
    breath <at> <time.monotonic() just after add() returned>
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback import events as ev  # noqa: E402
from feedback.clock import VirtualClock  # noqa: E402
from feedback.records import Records  # noqa: E402


def main(data_dir: str, seed: int) -> None:
    rng = random.Random(seed)
    clock = VirtualClock()
    rec = Records(data_dir, clock=clock)
    sid = rec.start_session(f"K{seed}", "killtest", f"seed = {seed}\n", time.time())
    out = sys.stdout
    out.write(f"session {sid}\n")
    out.flush()
    n = 0
    while True:
        n += 1
        t = float(n)
        clock.sleep_until(t)
        if n % 40 == 1:
            rec.add(ev.Exercise(t, f"oefening {n // 40 + 1}", "start"))
        inhale = 1.5 + rng.random()
        exhale = inhale * (1.2 + rng.random())
        rec.add(ev.Breath(t, start=t - inhale - exhale, peak=t - exhale, end=t,
                          inhale_s=inhale, exhale_s=exhale, depth=0.8 + rng.random() * 0.4,
                          rate_bpm=60 / (inhale + exhale), belly_share=rng.random()))
        out.write(f"breath {t!r} {time.monotonic():.6f}\n")
        out.flush()
        if n % 7 == 0:
            rec.add(ev.Hold(t, t=t - 4))
            rec.add(ev.Cue(t, "breathe_on"))
            rec.add(ev.HoldEnd(t + 0.5, t=t + 0.5))
        if n % 23 == 0:
            rec.add(ev.Fault(t, "i2c", detail="simulated"))
            rec.add(ev.FaultEnd(t + 0.2, "i2c"))
        if n % 40 == 0:
            rec.add(ev.Exercise(t, f"oefening {n // 40}", "end"))
        time.sleep(0.002)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
