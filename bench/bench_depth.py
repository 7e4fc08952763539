"""Depth against the normal breath that follows the patient, and against the calibration.

A breath's ``depth`` is its amplitude over the normal breath, which the first breaths set
and each breath since moves 5 % towards itself (``analyzer.ADAPT``, docs/analysis.md). So a
patient who keeps forcing deep breaths reads less deep each breath: at 2.2 x, below the
``dont_force`` cue's 1.8 from the fifth breath on (about 2.2 / 1.05^n). Here, on the real
recordings of people at rest (BIDMC and the three stretch-belt recordings), nobody forces:
how far does the normal breath move from the calibrated one, and how often would the cue's
condition (two breaths in a row deeper than ``dont_force_depth``) hold against each?
"""

from __future__ import annotations

import statistics

from bench.bench_analysis import DATA, POLARITY
from feedback.analysis import BreathAnalyzer
from feedback.events import Breath
from feedback.recording import read_recording

DEEP = 1.8  # config [cues] dont_force_depth, the shipped default


def records():
    return sorted((DATA / "bidmc").glob("bidmc??.csv")) + sorted((DATA / "belt").glob("*.csv"))


def score(path) -> dict:
    """One recording: the normal breath's range over the calibrated one, and how many
    breaths end a run of two deeper than ``DEEP`` against either."""
    belts, ts, vals = read_recording(path)
    an = BreathAnalyzer(belts, hold_after_s=4.0, polarity=POLARITY)
    cal = None
    drift = []
    cues = {"normal": 0, "calibration": 0}
    prev = {"normal": False, "calibration": False}
    n = 0
    for t, v in zip(ts, vals, strict=True):
        for e in an.feed(t, v):
            if not isinstance(e, Breath) or an.normal_amplitude <= 0:
                continue
            if cal is None:
                cal = an.normal_amplitude
                continue  # the breath that completed the calibration
            n += 1
            now = an.normal_amplitude
            drift.append(now / cal)
            depth = {"normal": e.depth, "calibration": e.depth * now / cal}
            for k, d in depth.items():
                deep = d > DEEP
                cues[k] += deep and prev[k]
                prev[k] = deep
    return {"name": path.stem, "breaths": n, "lo": min(drift), "hi": max(drift),
            "hours": (ts[-1] - ts[0]) / 3600.0, **cues}


def run() -> str:
    rows = [score(p) for p in records()]
    hours = sum(r["hours"] for r in rows)
    far = [max(r["hi"], 1.0 / r["lo"]) for r in rows]
    lines = ["### Depth: the normal breath that follows, against the calibrated one", "",
             f"{len(rows)} real recordings of people at rest (BIDMC and the stretch-belt "
             f"recordings, {hours:.2f} h, {sum(r['breaths'] for r in rows)} breaths after "
             "the calibration). How far the normal breath moved from the calibrated one "
             "(its largest factor either way, per record), and the breaths that would meet "
             f"the `dont_force` cue's condition (this and the breath before deeper than "
             f"{DEEP}) with depth measured against each:", "",
             "| | median record | worst record |", "|---|---|---|",
             f"| normal breath moved by a factor of | {statistics.median(far):.2f} | "
             f"{max(far):.2f} ({rows[far.index(max(far))]['name']}) |", "",
             "| depth against | breaths meeting the cue's condition | per hour | records |",
             "|---|---|---|---|"]
    for k, label in (("normal", "the normal breath (as the unit does)"),
                     ("calibration", "the calibrated breath")):
        total = sum(r[k] for r in rows)
        lines.append(f"| {label} | {total} | {total / hours:.1f} | "
                     f"{sum(1 for r in rows if r[k])} |")
    belt = [r for r in rows if not r["name"].startswith("bidmc")]
    lines += ["", "Stretch-belt recordings: " + ", ".join(
        f"{r['name']} {r['lo']:.2f}-{r['hi']:.2f} x" for r in belt) + "."]
    return "\n".join(lines) + "\n"
