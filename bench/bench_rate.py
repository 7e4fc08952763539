"""The breath-hold scores at the unit's own sample rate.

``bench_analysis`` feeds every recording at the rate it was recorded at (125 Hz for
BIDMC, about 15 Hz for the stretch-belt windows). The unit samples its belt at
``[sensor] rate_hz`` (50 Hz by default). Here the same holds set is resampled to 50 Hz
(and 25 Hz) in two ways, and scored the same way:

- ``line``: a straight line between the samples, as the replay into the emulated ADC
  does (``ademcoach run --sim FILE``). Between samples 67 ms apart it has no noise at all,
  so the stretch-belt windows (coarsely quantised, 0.01 a step) lose the roughness of
  their steps.
- ``held``: each sample held until the next, as a unit would read a sensor that changes
  its value 15 times a second: the steps and their roughness stay.

Neither is what a belt read at 50 Hz gives (its own electrical noise, at a finer
resolution): the two bracket how the scores depend on the rate and on the belt's noise.
It is not a measurement of a unit.
"""

from __future__ import annotations

import numpy as np

from bench.bench_analysis import (
    _holds_records,
    _holds_result,
    _score_holds,
    analyse,
    pct,
)

# (rate, how): None is each recording at its own rate
CASES = ((None, ""), (50.0, "line"), (25.0, "line"), (50.0, "held"), (25.0, "held"))


def resampled(ts, vals, rate_hz: float | None, how: str = "line"):
    """(times, rows) at ``rate_hz``: each belt a straight line between the samples
    (``line``) or each sample held until the next (``held``)."""
    if rate_hz is None:
        return ts, vals
    t = np.asarray(ts, dtype=float)
    v = np.asarray(vals, dtype=float).reshape(len(t), -1)
    grid = np.arange(t[0], t[-1], 1.0 / rate_hz)
    if how == "held":
        rows = v[np.searchsorted(t, grid, side="right") - 1]
    else:
        rows = np.stack([np.interp(grid, t, v[:, j]) for j in range(v.shape[1])], axis=1)
    return grid.tolist(), [tuple(row) for row in rows.tolist()]


def score(rate_hz: float | None, how: str = "line") -> dict:
    res = _holds_result()
    for name, belts, ts, vals, spans in _holds_records():
        t, v = resampled(ts, vals, rate_hz, how)
        events, _dt = analyse(t, v, belts)
        _score_holds(res, name, events, spans, t[0], t[-1])
    return res


def run() -> str:
    lines = ["### Breath-holds at the unit's sample rate", "",
             "The holds set (`holds/`, hold_after_s = 4.0) as `analysis` scores it, and "
             "resampled to the unit's rate: by a straight line between samples (`line`, as "
             "the replay into the emulated ADC), or each sample held until the next (`held`, "
             "a sensor that changes 15 times a second read at 50 Hz). See the module's "
             "docstring: this shows the dependence on the rate and on the belt's noise; it "
             "is no measurement of a unit.", "",
             "| rate | holds detected | latency median / p95 | pauses flagged | "
             "stretch-belt windows | false alarms / h |", "|---|---|---|---|---|---|"]
    for rate, how in CASES:
        h = score(rate, how)
        lat = h["lat"]
        label = "own" if rate is None else f"{rate:.0f} Hz, {how}"
        lines.append(
            f"| {label} | {h['found']}/{h['holds']} | "
            f"{np.median(lat):.2f} / {pct(lat, 0.95):.2f} s | {h['flagged']}/{h['pauses']} | "
            f"{h['wfound']}/{h['windows']} | {h['false'] / h['hours']:.2f} "
            f"({h['false']}) |")
    return "\n".join(lines) + "\n"
