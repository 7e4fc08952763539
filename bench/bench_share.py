"""Two belts: the belly share and the paradox flag where the truth is known.

Real single-belt recordings (the three stretch-belt ones, at their own pace and twice as
slow, and two BIDMC ones) are made into a chest and a belly belt: the belly carries
``share`` of the breath, ``lag`` seconds behind the chest (negative: ahead, as real
bellies and chests are a few tenths of a second apart), in phase with it or against it
(paradoxical), each belt with its own noise of 1 % of a breath. Each breath's
``belly_share`` is scored against ``share``, and its ``paradoxical`` flag against the
direction; the first 6 breaths (the calibration) are left out. The belts' sensitivities
are equal here: a belt more sensitive than the other reads a larger share, which the
analysis cannot know (docs/analysis.md, "Two belts").
"""

from __future__ import annotations

import itertools

import numpy as np

from bench.bench_analysis import DATA
from feedback.analysis import BreathAnalyzer
from feedback.events import Breath
from feedback.recording import read_recording

FS = 50.0  # the unit's sample rate
SHARES = (0.2, 0.5, 0.8)
LAGS = (-0.3, 0.0, 0.3, 0.6)
NOISE = 0.01  # x a breath (4 SD of the recording)
SKIP = 6  # breaths left out at the start (the calibration's)


def signals():
    """(name, pace, times, values): each recording resampled to 50 Hz, 200 s of it at
    its own pace (x1) and, for the stretch belts, 400 s twice as slow (x2)."""
    paths = [(p, (1, 2)) for p in sorted((DATA / "belt").glob("*.csv"))]
    paths += [(DATA / "bidmc" / f"{n}.csv", (1,)) for n in ("bidmc01", "bidmc10")]
    for path, scales in paths:
        _belts, ts, vals = read_recording(path)
        t = np.asarray(ts) - ts[0]
        x = np.asarray([v[0] for v in vals])
        for k in scales:
            grid = np.arange(0.0, min(t[-1] * k, 200.0 * k), 1.0 / FS)
            yield path.stem, k, grid, np.interp(grid / k, t, x)


def two_belts(t, x, share, lag, against, rng):
    """Chest and belly (volts, about 0.1 V a breath) from one recording ``x``."""
    x = (x - x.mean()) * (0.1 / (4 * x.std()))
    n = int(round(lag * FS))
    late = np.roll(x, n)  # (the samples rolled round: at the start for a belly behind,
    #   in the calibration; at the end for one ahead, at most the last breath)
    chest = 1.83 + (1 - share) * x + rng.normal(0.0, NOISE * 0.1, len(x))
    belly = 1.75 + (-share if against else share) * late + rng.normal(0.0, NOISE * 0.1, len(x))
    return np.column_stack((chest, belly))


def score():
    """Per lag: each breath's share error, and the paradox flags of each direction."""
    rng = np.random.default_rng(1)
    out = {lag: {"err": [], "hit": [0, 0], "false": [0, 0]} for lag in LAGS}
    for (_name, _pace, t, x), share, lag, against in itertools.product(
            list(signals()), SHARES, LAGS, (False, True)):
        rows = two_belts(t, x, share, lag, against, rng)
        an = BreathAnalyzer(["chest", "belly"], hold_after_s=4.0)
        breaths = [e for ti, v in zip(t.tolist(), rows.tolist(), strict=True)
                   for e in an.feed(ti, v) if isinstance(e, Breath)]
        res = out[lag]
        for e in breaths[SKIP:]:
            if e.belly_share is None:
                continue
            res["err"].append(abs(e.belly_share - share))
            flags = res["hit"] if against else res["false"]
            flags[0] += bool(e.paradoxical)
            flags[1] += 1
    return out


def run() -> str:
    out = score()
    lines = ["### Two belts: belly share and paradox, truth known", "",
             "Three stretch-belt recordings (own pace and twice as slow) and bidmc01, bidmc10, "
             "each made into two belts: the belly carries 0.2, 0.5 or 0.8 of the breath, "
             "`lag` s behind the chest (negative: ahead), with it or against it, 1 % noise "
             "on each; equal sensitivities. Per breath after the first 6:", "",
             "| lag (s) | breaths | share error median | p90 | over 0.1 | paradox found | "
             "false paradox |",
             "|---|---|---|---|---|---|---|"]
    for lag in LAGS:
        r = out[lag]
        err = np.asarray(r["err"])
        hit, false = r["hit"], r["false"]
        lines.append(f"| {lag:+.1f} | {len(err)} | {np.median(err):.3f} | "
                     f"{np.percentile(err, 90):.3f} | {np.mean(err > 0.1):.1%} | "
                     f"{hit[0] / max(hit[1], 1):.1%} | {false[0] / max(false[1], 1):.1%} |")
    return "\n".join(lines) + "\n"
