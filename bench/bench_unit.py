"""The whole unit: CPU use in real time, loop jitter, start time, and an 8-hour soak.

- CPU: ``ademcoach run --sim calm`` in real time for ``REAL_S`` seconds, headless and with
  the screen drawn (SDL's dummy video driver: the drawing without a monitor), ``PAIRS``
  runs of each interleaved, 50 Hz sampling, 30 LED and 30 screen frames a second; process
  CPU time / wall time. The simulated
  patient and the emulated chips are included, so the real unit does less.
- Jitter: how late each loop tick started (p50/p99) in that run.
- Start time: a fresh interpreter, from the first import to the first LED frame.
The 8-hour soak is in bench_soak.py.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL_S = 20.0
PAIRS = 3  # headless and screen runs, interleaved: the machine is shared and noisy


def _settings(data_dir):
    from feedback.reload import load_all

    settings, programme = load_all(REPO / "config" / "ademcoach.toml")
    settings.records["data_dir"] = str(data_dir)
    return settings, programme


def _timed(obj, names, acc: list) -> None:
    """Wrap ``obj``'s methods so the CPU time spent in them adds up in ``acc[0]``."""
    for name in names:
        fn = getattr(obj, name)

        def timed(*a, _fn=fn, **k):
            c0 = time.thread_time()
            try:
                return _fn(*a, **k)
            finally:
                acc[0] += time.thread_time() - c0

        setattr(obj, name, timed)


def cpu_real_time(tmp, screen: bool = True) -> dict:
    from feedback.clock import ScaledClock
    from feedback.display import Display
    from feedback.run import open_session

    os.environ["SDL_VIDEODRIVER"] = "dummy"
    settings, programme = _settings(tmp)
    settings.screen["fullscreen"] = False
    display = None
    if screen:
        display, problem = Display.open(settings)
        assert display is not None, problem
    with open_session(settings, programme, None, sim="calm", clock=ScaledClock(1.0),
                      duration=REAL_S, display=display, status=False) as s:
        s.loop.keep_lateness = 100_000
        # What only the simulation does: the emulated ADS1115 (with the simulated patient
        # behind it) and the decoding of the WS2812 bits on the emulated SPI bus.
        sim = [0.0]
        _timed(s.parts.chip, ("writeto", "readfrom_into", "writeto_then_readfrom"), sim)
        _timed(s.parts.spi, ("write",), sim)
        if display is not None:  # the emulated ring drawn beside the screen
            _timed(display, ("_draw_ring",), sim)
        c0, w0 = time.process_time(), time.perf_counter()
        s.run()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        late = {name: st.lateness for name, st in s.loop.stats.items()}
        ticks = {name: st.ticks for name, st in s.loop.stats.items()}
    all_late = sorted(x for v in late.values() for x in v)
    q = statistics.quantiles(all_late, n=100)
    return {"cpu_pct": 100 * cpu / wall, "sim_pct": 100 * sim[0] / wall, "wall": wall,
            "ticks": ticks,
            "p50_ms": 1000 * statistics.median(all_late), "p99_ms": 1000 * q[98]}


START_SCRIPT = r"""
import time
t0 = time.perf_counter()
import sys
from feedback.clock import VirtualClock
from feedback.reload import load_all
from feedback.run import open_session
settings, programme = load_all(sys.argv[1])
settings.records["data_dir"] = sys.argv[2]
settings.screen["fullscreen"] = False
with open_session(settings, programme, None, sim="calm", clock=VirtualClock(),
                  duration=1.0, headless=False, status=False) as s:
    spi = s.parts.spi
    write = spi.write
    def first(*a, **k):
        write(*a, **k)
        print(f"{time.perf_counter() - t0:.4f}", flush=True)
        s.stop("first frame")
    spi.write = first
    s.run()
"""


def start_time(tmp, runs=7) -> list[float]:
    out = []
    for i in range(runs):
        r = subprocess.run([sys.executable, "-c", START_SCRIPT,
                            str(REPO / "config" / "ademcoach.toml"), str(Path(tmp) / f"s{i}")],
                           capture_output=True, text=True, check=True, cwd=REPO,
                           env={**os.environ, "SDL_VIDEODRIVER": "dummy",
                                "PYGAME_HIDE_SUPPORT_PROMPT": "1"})
        out.append(float(r.stdout.split()[0]))
    return out


def _ticks(result: dict) -> str:
    return ", ".join(f"{name} {n}" for name, n in result["ticks"].items())


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        starts = start_time(tmp)
        runs = {False: [], True: []}
        for k in range(PAIRS):
            for screen in (False, True):
                runs[screen].append(cpu_real_time(Path(tmp) / f"cpu{k}{screen:d}", screen))
    # The run with the median CPU of each kind stands for it (its ticks and lateness).
    headless, cpu = (sorted(runs[kind], key=lambda r: r["cpu_pct"])[PAIRS // 2]
                     for kind in (False, True))
    spread = {kind: ", ".join(f"{r['cpu_pct']:.1f}" for r in runs[kind])
              for kind in (False, True)}
    lines = [
        "**The whole unit** (`bench/bench_unit.py`), simulated patient and emulated chips "
        "included.",
        "",
        f"CPU in real time, {REAL_S:.0f} s of `run --sim calm` after start-up (process CPU "
        "time over wall time, the records writer thread included; target <= 3 % of one "
        f"core), {PAIRS} runs of each kind interleaved; the median run is shown:",
        "",
        "| run | ticks | CPU (one core), median | all runs | less the simulation's own work "
        "| tick lateness p50 | p99 |",
        "|---|---|---|---|---|---|---|",
        f"| headless (`--headless`: sampling 50/s, LED 30/s) | {_ticks(headless)} | "
        f"**{headless['cpu_pct']:.1f} %** | {spread[False]} % | "
        f"{headless['cpu_pct'] - headless['sim_pct']:.1f} % | {headless['p50_ms']:.2f} ms | "
        f"{headless['p99_ms']:.2f} ms |",
        f"| with the screen drawn 30/s (SDL dummy driver) | {_ticks(cpu)} | "
        f"**{cpu['cpu_pct']:.1f} %** | {spread[True]} % | "
        f"{cpu['cpu_pct'] - cpu['sim_pct']:.1f} % | {cpu['p50_ms']:.2f} ms | "
        f"{cpu['p99_ms']:.2f} ms |",
        "",
        f"The simulation's own work: the emulated ADS1115 with the simulated patient behind "
        f"it, the decoding of the LED bits on the emulated SPI bus and, with the screen, the "
        f"emulated ring drawn beside it. It took {headless['sim_pct']:.1f} % (headless) and "
        f"{cpu['sim_pct']:.1f} % (with the screen) in the median runs. The real unit does "
        "not do this; it does real I2C and SPI transfers instead, not measured here.",
        "",
        "Start time, from the first import to the first LED frame, the screen opened (SDL "
        f"dummy driver) and the parts connected (fresh interpreter, {len(starts)} runs): "
        f"median {statistics.median(starts):.2f} s, min {min(starts):.2f} s, "
        f"max {max(starts):.2f} s.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
