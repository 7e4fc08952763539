"""A real recording with a loose floor (the benchmark has the real targets)."""

from bench.bench_analysis import analyse, annotations, match, prf, window
from feedback.events import Exhale, Hold
from feedback.recording import read_recording


def test_bidmc01_breaths_against_annotator(data_dir):
    rec = data_dir / "bidmc" / "bidmc01.csv"
    belts, ts, vals = read_recording(rec)
    events, _ = analyse(ts, vals, belts)
    det = window([e.t for e in events if isinstance(e, Exhale)], ts[-1])
    truth = window(annotations(rec.with_name("bidmc01.breaths.csv"))["ann1"], ts[-1])
    tp = len(match(det, truth))
    assert prf(tp, len(det), len(truth))[2] >= 0.9


def test_spliced_holds_are_found(data_dir):
    rec = data_dir / "holds" / "bidmc01-holds.csv"
    belts, ts, vals = read_recording(rec)
    events, _ = analyse(ts, vals, belts)
    holds = [e for e in events if isinstance(e, Hold)]
    spans = (data_dir / "holds" / "bidmc01-holds.holds.csv").read_text().splitlines()[1:]
    for line in spans:
        start, end, kind = line.split(",")
        inside = [h for h in holds if float(start) <= h.at <= float(end)]
        assert bool(inside) == (kind == "hold"), line
