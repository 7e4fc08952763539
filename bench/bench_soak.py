"""Soak: 8 simulated hours of `ademcoach run --sim calm` on a virtual clock, as fast as the
machine allows, the programme run again whenever it ends. Memory (RSS and tracemalloc)
every simulated hour, the records backlog, the live curve's length and late ticks: all
must stay flat. Breaths and faults are counted per hour: the calm patient breathes at the
same pace all night and no fault may come (a belt that drifts to a rail would show as
faults and as breaths that stop, or that noise makes up)."""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.bench_unit import _settings

SOAK_H = 8.0


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def soak(tmp) -> dict:
    import device.patient

    # The simulated patient's ground truth (for scoring, not part of the unit) is kept
    # short here, so that the table shows the unit's own memory.
    device.patient.TRUTH_KEEP = 100
    from feedback.clock import VirtualClock
    from feedback.run import open_session

    settings, programme = _settings(tmp)
    hours = []
    with open_session(settings, programme, None, sim="calm", clock=VirtualClock(),
                      duration=SOAK_H * 3600, status=False) as s:
        s.end_when_done = False

        def again(due):  # a new run of the programme whenever one ends
            if s.coach.mode == "summary":
                s.button("start_pause", s.now())
                s.button("start_pause", s.now())
            return due + 5.0

        def hourly(due):
            seen = {"breaths": s.counts.get("breath", 0), "faults": s.counts.get("fault", 0)}
            gone = hours[-1]["seen"] if hours else {"breaths": 0, "faults": 0}
            hours.append({"seen": seen, "breaths": seen["breaths"] - gone["breaths"],
                          "faults": seen["faults"] - gone["faults"],
                          "t_h": s.now() / 3600, "rss": rss_mb(),
                          "traced": tracemalloc.get_traced_memory()[0] / 1e6,
                          "backlog": s.records.pending, "curve": len(s.coach.curve),
                          "late": sum(st.late for st in s.loop.stats.values()),
                          "runs": s.counts.get("exercise", 0) // 2})
            return due + 3600.0

        s.loop.add("again", again, s.t0 + 5.0)
        s.loop.add("hourly", hourly, s.t0 + 60.0)
        tracemalloc.start()
        w0 = time.perf_counter()
        s.run()
        wall = time.perf_counter() - w0
        hourly(0)
        tracemalloc.stop()
        breaths = s.counts.get("breath", 0)
        faults = s.counts.get("fault", 0)
    return {"hours": hours, "wall": wall, "breaths": breaths, "faults": faults}


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        sk = soak(Path(tmp))
    lines = [
        f"**Soak** (`bench/bench_soak.py`): {SOAK_H:.0f} simulated hours of `run --sim calm` in "
        f"{sk['wall']:.0f} s wall (tracemalloc on), {sk['breaths']} breaths, "
        f"{sk['faults']} faults, the programme "
        "run again whenever it ended (the simulated patient's ground-truth log, which the "
        "unit does not have, kept to 100 entries). A row's breaths and faults are those since "
        "the row before.",
        "",
        "| hour | RSS MB | traced MB | records backlog | curve points | late ticks | "
        "programme runs | breaths | faults |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for h in sk["hours"]:
        lines.append(f"| {h['t_h']:.1f} | {h['rss']:.1f} | {h['traced']:.2f} | {h['backlog']} "
                     f"| {h['curve']} | {h['late']} | {h['runs']} | {h['breaths']} "
                     f"| {h['faults']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
