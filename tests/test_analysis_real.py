"""A real recording with a loose floor (the benchmark has the real targets)."""

import random

import pytest

from bench.bench_analysis import analyse, annotations, match, prf, window
from feedback.analysis import BreathAnalyzer
from feedback.events import Breath, Exhale, Hold
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


@pytest.mark.parametrize(("lag", "belly_sign", "off"), [(0.3, 1.0, 1), (-0.3, 1.0, 1),
                                                       (-0.6, -1.0, 5)])
def test_two_belts_out_of_phase_on_a_real_recording_keep_the_share(data_dir, lag, belly_sign,
                                                                   off):
    """A real belt recording (about 16/min) made into a chest and a belly of equal share,
    the belly ``lag`` s behind (negative: ahead), with it or against it, each with its
    own noise. Read at the summed signal's turns, 9 of 63 breaths read below 0.4 (0.3 s
    behind; down to 0.16: the "belly" cue for a belly breather), 14 of 67 above 0.6 (0.3 s
    ahead), and 0.6 s ahead 21 of 63 outside 0.4-0.6 and 40 paradoxical breaths flagged.
    Each belt's own movement over the breath: at most ``off`` breaths outside 0.4-0.6,
    the paradox flagged as true in 90 % or more (one breath of 1.1 s, where 0.3 s is a
    third of the breath, is flagged either way)."""
    _, ts, vals = read_recording(data_dir / "belt" / "bio-resting-5min.csv")
    xs = [v[0] for v in vals]
    n = round(lag * 100)  # (100 Hz)
    rng = random.Random(3)
    an = BreathAnalyzer(["chest", "belly"])
    got = []
    for k, t in enumerate(ts):
        belly = belly_sign * xs[min(max(k - n, 0), len(xs) - 1)]
        for e in an.feed(t, (xs[k] + rng.gauss(0, 0.002), belly + rng.gauss(0, 0.002))):
            if isinstance(e, Breath) and e.at > 30:
                got.append(e)
    assert len(got) >= 60
    assert sum(not 0.4 <= b.belly_share <= 0.6 for b in got) <= off
    right = sum(b.paradoxical == (belly_sign < 0) for b in got)
    assert right >= 0.9 * len(got)
