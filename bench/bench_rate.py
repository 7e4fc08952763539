"""The breath-hold scores at the unit's own sample rate.

``bench_analysis`` feeds every recording at the rate it was recorded at (125 Hz for
BIDMC, about 15 Hz for the stretch-belt windows). The unit samples its belt at
``[sensor] rate_hz`` (50 Hz by default). Here the same holds set is resampled to 50 Hz
(and 25 Hz) by a straight line between its samples, as the replay into the emulated ADC
does (``ademcoach run --sim FILE``), and scored the same way. A straight line between
samples 67 ms apart is not what a belt read at 50 Hz gives (no noise between them), so
this shows how the scores depend on the rate; it is not a measurement of a unit.
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

RATES = (None, 50.0, 25.0)  # None: each recording at its own rate


def resampled(ts, vals, rate_hz: float | None):
    """(times, rows) at ``rate_hz``, each belt a straight line between the samples."""
    if rate_hz is None:
        return ts, vals
    t = np.asarray(ts, dtype=float)
    v = np.asarray(vals, dtype=float).reshape(len(t), -1)
    grid = np.arange(t[0], t[-1], 1.0 / rate_hz)
    cols = [np.interp(grid, t, v[:, j]) for j in range(v.shape[1])]
    return grid.tolist(), [tuple(row) for row in np.stack(cols, axis=1).tolist()]


def score(rate_hz: float | None) -> dict:
    res = _holds_result()
    for name, belts, ts, vals, spans in _holds_records():
        t, v = resampled(ts, vals, rate_hz)
        events, _dt = analyse(t, v, belts)
        _score_holds(res, name, events, spans, t[0], t[-1])
    return res


def run() -> str:
    lines = ["### Breath-holds at the unit's sample rate", "",
             "The holds set (`holds/`, hold_after_s = 4.0) as `analysis` scores it, and "
             "resampled to the unit's rate by a straight line between samples (see the "
             "module's docstring: this shows the dependence on the rate; it is no "
             "measurement of a unit).", "",
             "| rate | holds detected | latency median / p95 | pauses flagged | "
             "stretch-belt windows | false alarms / h |", "|---|---|---|---|---|---|"]
    for rate in RATES:
        h = score(rate)
        lat = h["lat"]
        lines.append(
            f"| {'own' if rate is None else f'{rate:.0f} Hz'} | {h['found']}/{h['holds']} | "
            f"{np.median(lat):.2f} / {pct(lat, 0.95):.2f} s | {h['flagged']}/{h['pauses']} | "
            f"{h['wfound']}/{h['windows']} | {h['false'] / h['hours']:.2f} "
            f"({h['false']}) |")
    return "\n".join(lines) + "\n"
