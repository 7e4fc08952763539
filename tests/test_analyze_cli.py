"""``ademcoach analyze``: events out as JSON lines, bad input as one line and exit 2."""

import json

from synth import breathing

from feedback.cli import main
from feedback.events import from_json


def write(path, header, rows):
    path.write_text(header + "\n" + "".join(",".join(f"{v:g}" for v in r) + "\n"
                                            for r in rows))
    return path


def test_analyze_prints_json_events(tmp_path, capsys):
    samples, peaks = breathing(60, rate_bpm=12, fs=25, noise=0.01)
    rec = write(tmp_path / "r.csv", "t,belly", samples)
    assert main(["analyze", str(rec)]) == 0
    lines = capsys.readouterr().out.splitlines()
    events = [from_json(line) for line in lines]
    kinds = {e.kind_name for e in events}
    assert {"inhale", "exhale", "breath"} <= kinds
    assert len([e for e in events if e.kind_name == "exhale"]) >= len(peaks) - 2
    assert all("at" in json.loads(line) for line in lines)


def test_analyze_two_channels_and_config(tmp_path, capsys, repo):
    samples, _ = breathing(40, rate_bpm=12, fs=25, noise=0.01)
    rows = [(t, x, 2 * x, 7.0) for t, x in samples]
    rec = write(tmp_path / "r.csv", "t,chest,belly,temp", rows)
    cfg = tmp_path / "c.toml"
    cfg.write_text("[analysis]\nhold_after_s = 6.0\n")
    assert main(["analyze", str(rec), "--channel", "chest", "--channel", "belly",
                 "--config", str(cfg)]) == 0
    out = [from_json(x) for x in capsys.readouterr().out.splitlines()]
    shares = [e.belly_share for e in out if e.kind_name == "breath"]
    assert shares and abs(shares[-1] - 2 / 3) < 0.05


def test_analyze_polarity_from_config(tmp_path, capsys):
    samples, peaks = breathing(60, rate_bpm=10, fs=25, inhale_frac=0.3, noise=0.01)
    rec = write(tmp_path / "r.csv", "t,belly", [(t, -x) for t, x in samples])
    cfg = tmp_path / "c.toml"
    cfg.write_text('[analysis]\npolarity = "inverted"\n')
    assert main(["analyze", str(rec), "--config", str(cfg)]) == 0
    exh = [e.t for e in map(from_json, capsys.readouterr().out.splitlines())
           if e.kind_name == "exhale"]
    late = [p for p in peaks if 12 < p < 55]
    assert all(any(abs(p - t) < 0.5 for t in exh) for p in late)
    cfg.write_text('[analysis]\npolarity = "upside-down"\n')
    assert main(["analyze", str(rec), "--config", str(cfg)]) == 2
    assert "polarity" in capsys.readouterr().err


def test_analyze_bad_inputs(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("t,belly\n0,1\n0.1,oops\n")
    assert main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:3" in err and "oops" in err and len(err.strip().splitlines()) == 1
    good = write(tmp_path / "g.csv", "t,belly", [(0, 1), (0.1, 2)])
    assert main(["analyze", str(good), "--channel", "chest"]) == 2
    assert "no channel 'chest'" in capsys.readouterr().err
    cfg = tmp_path / "c.toml"
    cfg.write_text("[analysis]\nhold_after_s = 99\n")
    assert main(["analyze", str(good), "--config", str(cfg)]) == 2
    assert "hold_after_s" in capsys.readouterr().err
    three = write(tmp_path / "3.csv", "t,a,b,c", [(0, 1, 2, 3), (0.1, 2, 3, 4)])
    assert main(["analyze", str(three)]) == 2
    assert "--channel" in capsys.readouterr().err


def test_analyze_finds_the_config_as_the_unit_does_and_refuses_a_column_twice(
        tmp_path, capsys, monkeypatch):
    samples, peaks = breathing(60, rate_bpm=10, fs=25, inhale_frac=0.3, noise=0.01)
    rec = write(tmp_path / "r.csv", "t,belly", [(t, -x) for t, x in samples])
    cfg = tmp_path / "unit.toml"
    cfg.write_text('[analysis]\npolarity = "inverted"\n')
    monkeypatch.setenv("ADEMCOACH_CONFIG", str(cfg))  # no --config: as `run` finds it
    assert main(["analyze", str(rec)]) == 0
    exh = [e.t for e in map(from_json, capsys.readouterr().out.splitlines())
           if e.kind_name == "exhale"]
    late = [p for p in peaks if 12 < p < 55]
    assert all(any(abs(p - t) < 0.5 for t in exh) for p in late)  # read inverted
    cfg.write_text("[analysis]\nhold_after_s = 99\n")
    assert main(["analyze", str(rec)]) == 2
    assert "unit.toml:2: analysis.hold_after_s = 99" in capsys.readouterr().err
    monkeypatch.delenv("ADEMCOACH_CONFIG")
    assert main(["analyze", str(rec), "--channel", "belly", "--channel", "belly"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--channel belly given twice; name two different columns")


def test_a_per_belt_polarity_goes_to_the_column_of_that_name(tmp_path, capsys, monkeypatch):
    import feedback.analyze

    given = []

    class Spy(feedback.analyze.BreathAnalyzer):
        def __init__(self, belts, **kw):
            given.append((list(belts), kw["polarity"]))
            super().__init__(belts, **kw)

    monkeypatch.setattr(feedback.analyze, "BreathAnalyzer", Spy)
    samples, _ = breathing(30, rate_bpm=12, fs=25, noise=0.01)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1"]\n'
                   '[analysis]\npolarity = ["normal", "inverted"]\n')
    rec = write(tmp_path / "r.csv", "t,belly,chest", [(t, -x, x) for t, x in samples])
    assert main(["analyze", str(rec), "--config", str(cfg)]) == 0
    assert given[-1] == (["belly", "chest"], ["inverted", "normal"])
    assert main(["analyze", str(rec), "--channel", "chest", "--config", str(cfg)]) == 0
    assert given[-1] == (["chest"], ["normal"])
    capsys.readouterr()
    other = write(tmp_path / "o.csv", "t,resp", samples)
    assert main(["analyze", str(other), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err == (f"ademcoach analyze: {other}: column 'resp' is not a belt of {cfg} "
                   "(chest, belly), whose analysis.polarity is given per belt; name the "
                   "columns after the belts, pick them with --channel, or give one polarity "
                   "for all\n")


def test_a_gap_in_the_recording_is_a_warning_with_its_line(tmp_path, capsys):
    samples, _ = breathing(60, rate_bpm=12, fs=25, noise=0.01)
    rows = [(t if t < 30 else t + 5.0, x) for t, x in samples]  # 5 s without samples
    rec = write(tmp_path / "r.csv", "t,belly", rows)
    line = 2 + next(i for i, (t, _) in enumerate(rows) if t >= 35.0)
    assert main(["analyze", str(rec)]) == 0
    said = capsys.readouterr()
    gap_from = max(t for t, _ in rows if t < 30)
    assert said.err == (f"{rec}:{line}: warning: no samples for "
                        f"{rows[line - 2][0] - gap_from:g} s (t {gap_from:.2f} to "
                        f"{rows[line - 2][0]:.2f}); the analysis takes it as unknown: no "
                        "breath or hold across it\n")
    assert said.out  # the events are still there


def test_a_file_of_gaps_says_ten_and_counts_the_rest(tmp_path, capsys):
    """t written in milliseconds: every row a gap, each was one line on stderr."""
    samples, _ = breathing(60, rate_bpm=12, fs=25, noise=0.01)
    rec = write(tmp_path / "r.csv", "t,belly", [(t * 1000, x) for t, x in samples])
    assert main(["analyze", str(rec)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 11 and all(": warning: no samples for 40 s" in x for x in err[:10])
    assert err[-1] == (f"{rec}: warning: {len(samples) - 11} more gaps not listed "
                       f"({len(samples) - 1} in all): t must be in seconds, and most of its "
                       f"{len(samples)} rows are more than 0.5 s apart")


def _unit_raw(tmp_path):
    """A two-belt raw signal as the unit records it (volts at the ADC inputs): the belly
    unplugged (its input at the 3.3 V rail) for the first 20 s, then plugged in."""
    import math
    import random

    rng = random.Random(6)
    rows = []
    for k in range(60 * 50):
        t = k / 50
        b = 0.5 - 0.5 * math.cos(2 * math.pi * t / 5.0)
        belly = 3.3 + rng.gauss(0, 0.0005) if t < 20 else 1.75 + 0.06 * b + rng.gauss(0, 0.001)
        rows.append((t, 1.8 + 0.04 * b + rng.gauss(0, 0.001), belly))
    return write(tmp_path / "raw.csv", "t,chest,belly", rows)


def test_analyze_unit_judges_the_unit_s_raw_signal_as_the_unit_did(tmp_path, capsys):
    """``--unit``: the recording is the unit's own raw signal, judged with the belt
    circuit's rails and smallest breath as on the unit (feedback/run.py): the belly is
    unplugged from the first sample, and plugged in at 20 s. Without it the analysis
    knows no circuit: the ADC's noise at the rail is taken for a belt's, and called
    noisy."""
    from device.circuit import MIN_BREATH_V, RAIL_HIGH_V, RAIL_LOW_V
    from feedback.analysis import BreathAnalyzer
    from feedback.recording import read_recording

    rec = _unit_raw(tmp_path)
    assert main(["analyze", str(rec), "--unit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    unit = BreathAnalyzer(["chest", "belly"], min_breath=MIN_BREATH_V,
                          rails=(RAIL_LOW_V, RAIL_HIGH_V))
    _cols, ts, vals = read_recording(rec)
    assert lines == [e.to_json() for t, v in zip(ts, vals, strict=True)
                     for e in unit.feed(t, v)]
    faults = [json.loads(x) for x in lines if '"fault' in x]
    assert [(f["event"], f["belt"]) for f in faults] == [("fault", "belly"),
                                                          ("fault_end", "belly")]
    assert faults[0]["at"] < 0.1 and 20.0 <= faults[1]["at"] < 20.5
    assert main(["analyze", str(rec)]) == 0
    plain = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    early = [f["kind"] for f in plain if f["event"] == "fault" and f["at"] < 20.0]
    assert "disconnected" not in early and "noisy" in early  # the rail's noise as a belt's


def test_analyze_unit_refuses_what_no_input_of_the_unit_reads(tmp_path, capsys):
    rec = write(tmp_path / "r.csv", "t,belly", [(0.0, 1.8), (0.02, -3.6), (0.04, 5.0)])
    assert main(["analyze", str(rec), "--unit"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "r.csv:4" in err and "--unit" in err
