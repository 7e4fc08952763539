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
    assert [line.rsplit(",", 1)[1] for line in spans].count("hold") == 6  # and 2 pauses
    for line in spans:
        start, end, kind = line.split(",")
        inside = [h for h in holds if float(start) <= h.at <= float(end)]
        assert bool(inside) == (kind == "hold"), line


def test_a_record_clipped_at_both_rails_learns_its_rest_and_finds_its_holds(data_dir):
    # bidmc05: every breath runs from rail to rail and then rests 3-9 s. Its holds are
    # found, and most of its own rests are not warned.
    rec = data_dir / "holds" / "bidmc05-holds.csv"
    belts, ts, vals = read_recording(rec)
    kept = []
    events, _ = analyse(ts, vals, belts, keep=kept)
    assert kept[0].snapshot().calibrated
    holds = [e for e in events if isinstance(e, Hold)]
    spans = [line.split(",") for line in
             (data_dir / "holds" / "bidmc05-holds.holds.csv").read_text().splitlines()[1:]]
    found = outside = 0
    for start, end, kind in spans:
        inside = [h for h in holds if float(start) <= h.at <= float(end)]
        if kind == "hold":
            found += bool(inside)
        else:
            assert not inside, (start, kind)
    for h in holds:
        outside += not any(float(s) <= h.at <= float(e) for s, e, _k in spans)
    breaths = sum(1 for e in events if isinstance(e, Exhale))
    assert found >= 5
    assert outside <= breaths // 3  # its rests: about 50 breaths, most not warned
