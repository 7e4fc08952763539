"""A recording as the emulated chip's input, read back through the real driver."""

import math
import re
import subprocess
import sys

import pytest

from device.ads1115_emu import ADS1115Emu
from device.replay import FIT_HIGH_V, FIT_LOW_V, RecordingSource
from device.sensor import AdsSensor
from feedback.clock import VirtualClock
from feedback.errors import RecordingError


def write_csv(path, seconds=4.0, hz=100):
    rows = ["t,chest,belly"]
    for i in range(int(seconds * hz)):
        t = i / hz
        rows.append(f"{t:.2f},{1.5 + 0.2 * math.sin(t):.5f},{0.8 + 0.1 * t:.5f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_replay_through_the_adc_in_time(tmp_path):
    f = write_csv(tmp_path / "rec.csv")
    clock = VirtualClock(10.0)
    src = RecordingSource(f, pins=(0, 1), fit=False, start=10.0)
    s = AdsSensor(["chest", "belly"], ["A0", "A1"], clock, bus=ADS1115Emu(src, clock))
    s.connect()
    n = 0
    for t, (chest, belly) in s.stream(duration_s=3.0):
        rt = t - 10.0
        assert chest == pytest.approx(1.5 + 0.2 * math.sin(rt), abs=0.002)
        assert belly == pytest.approx(0.8 + 0.1 * rt, abs=0.002)
        n += 1
    assert n == 150 and not src.finished


def test_fit_maps_each_column_onto_belt_volts(tmp_path):
    f = write_csv(tmp_path / "rec.csv")
    src = RecordingSource(f, pins=(0, 1), channels=["belly", "chest"])
    # columns picked in the given order: belly on pin 0, chest on pin 1
    assert src(0.0)[0] == pytest.approx(FIT_LOW_V)
    assert src(3.99)[0] == pytest.approx(FIT_HIGH_V, abs=1e-3)
    lo_hi = [src(t / 10)[1] for t in range(40)]
    assert min(lo_hi) >= FIT_LOW_V - 1e-6 and max(lo_hi) <= FIT_HIGH_V + 1e-6


def test_fit_keeps_two_belts_sizes_to_each_other(tmp_path):
    """A two-belt recording whose belly moves twice as far as its chest: replayed with one
    scale for both (each fitted to the full range, the belly's share read 50 %)."""
    f = tmp_path / "two.csv"
    f.write_text("t,chest,belly\n" + "".join(
        f"{k / 10:.1f},{5 + math.sin(k / 5):.4f},{-3 + 2 * math.sin(k / 5):.4f}\n"
        for k in range(200)))
    src = RecordingSource(f, pins=(0, 1), channels=["chest", "belly"])
    volts = [src(k / 10) for k in range(200)]
    spans = [max(v[i] for v in volts) - min(v[i] for v in volts) for i in (0, 1)]
    assert spans[1] == pytest.approx(FIT_HIGH_V - FIT_LOW_V, rel=1e-3)
    assert spans[1] / spans[0] == pytest.approx(2.0, rel=1e-3)
    assert min(v[0] for v in volts) == pytest.approx(FIT_LOW_V, abs=1e-6)


def test_end_holds_or_loops(tmp_path):
    f = write_csv(tmp_path / "rec.csv", seconds=2.0)
    src = RecordingSource(f, channels=["chest"], fit=False)
    last = src(5.0)[0]
    assert src.finished and last == pytest.approx(1.5 + 0.2 * math.sin(1.99), abs=1e-4)
    looped = RecordingSource(f, channels=["chest"], fit=False, loop=True)
    assert looped(2.5)[0] == pytest.approx(1.5 + 0.2 * math.sin(2.5 - 1.99), abs=2e-3)
    assert not looped.finished


def test_bad_recording_is_reported_with_its_line(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("t,belly\n0,1\n0.1,2\n0.2,x\n")
    src = RecordingSource(f, fit=False)
    with pytest.raises(RecordingError, match="bad.csv:4"):
        src(1.0)


def test_a_one_row_recording_is_refused_at_once(tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("t,belly\n0,1\n")
    with pytest.raises(RecordingError) as e:
        RecordingSource(f, loop=True)
    assert str(e.value) == (f"{f}:2: only one sample: a replay needs at least two rows "
                            "(and some breaths)")


def test_a_recording_of_gaps_is_refused_at_once(tmp_path):
    """t written in milliseconds: a session ran on it showing nothing, with no word why."""
    f = write_csv(tmp_path / "ms.csv")
    f.write_text("\n".join([f.read_text().split("\n")[0]] + [
        f"{float(r.split(',')[0]) * 1000:g},{r.split(',', 1)[1]}"
        for r in f.read_text().split("\n")[1:] if r]) + "\n")
    with pytest.raises(RecordingError) as e:
        RecordingSource(f, pins=(0, 1), loop=True)
    assert str(e.value) == (f"{f}: 399 of its 399 steps in t are longer than 0.5 s: no "
                            "breath can be followed; t must be in seconds")
    assert RecordingSource(write_csv(tmp_path / "s.csv"), pins=(0, 1))  # in seconds: fine


def test_a_short_loop_far_behind_reopens_the_file_once(tmp_path, monkeypatch):
    f = tmp_path / "two.csv"
    f.write_text("t,belly\n0,1\n0.5,3\n")
    src = RecordingSource(f, fit=False, loop=True)
    opened = []
    real = RecordingSource._open

    def counted(self):
        opened.append(1)
        assert len(opened) < 5, "the file is reopened pass after pass"
        real(self)

    monkeypatch.setattr(RecordingSource, "_open", counted)
    assert src(1e7 + 0.25)[0] == pytest.approx(2.0)  # 20 million passes later: mid-pass
    assert len(opened) == 1 and not src.finished
    assert src(1e7 + 0.5)[0] == pytest.approx(1.0)  # and on from there


@pytest.mark.parametrize("header, pins, belts, said", [
    ("t,belly", (0, 1), ("chest", "belly"),
     "1 signal column (belly) for 2 belts (chest, belly): the replay takes one column per "
     "belt; keep only those columns or name the columns after the belts"),
    ("t,a,b,c", (0,), ("belly",),
     "3 signal columns (a, b, c) for 1 belt (belly): the replay takes one column per belt; "
     "keep only those columns or name the columns after the belts"),
    ("t,a,b", (0,), None,
     "2 signal columns (a, b) for 1 belt: the replay takes one column per belt; keep only "
     "those columns"),
])
def test_columns_that_do_not_match_the_belts_are_refused_before_reading(
        tmp_path, header, pins, belts, said):
    f = tmp_path / "rec.csv"
    n = header.count(",")
    f.write_text(header + "\n" + "".join(f"{i / 10}" + ",1" * n + "\n" for i in range(50)))
    with pytest.raises(RecordingError) as e:
        RecordingSource(f, pins=pins, belts=belts)
    assert str(e.value) == f"{f}:1: {said}"


def test_columns_named_like_the_belts_are_picked_by_name(tmp_path):
    f = write_csv(tmp_path / "rec.csv")  # t,chest,belly
    src = RecordingSource(f, pins=(0,), belts=["belly"], fit=False)
    assert src(2.0)[0] == pytest.approx(0.8 + 0.1 * 2.0, abs=1e-3)
    both = RecordingSource(f, pins=(0, 1), belts=["belly", "chest"], fit=False)
    assert both(2.0)[0] == pytest.approx(0.8 + 0.1 * 2.0, abs=1e-3)
    assert both(2.0)[1] == pytest.approx(1.5 + 0.2 * math.sin(2.0), abs=1e-3)


def test_run_sim_refuses_a_recording_it_cannot_replay_with_one_line(tmp_path, sim_config):
    one = tmp_path / "one.csv"
    one.write_text("t,belly\n0,1\n")
    two_belts = tmp_path / "two.toml"
    text = sim_config.read_text()
    text = re.sub(r"(?m)^belts = .*$", 'belts = ["chest", "belly"]', text)
    text = re.sub(r"(?m)^channels = .*$", 'channels = ["A0", "A1"]', text)
    two_belts.write_text(text)
    belly = tmp_path / "belly.csv"
    belly.write_text("t,belly\n" + "".join(f"{i / 10},{i % 7}\n" for i in range(100)))
    for rec, cfg, said in [
        (one, sim_config, f"{one}:2: only one sample"),
        (belly, two_belts, f"{belly}:1: 1 signal column (belly) for 2 belts"),
    ]:
        r = subprocess.run([sys.executable, "-m", "feedback.cli", "run", "--sim", str(rec),
                            "--headless", "--duration", "5", "--speed", "0",
                            "--config", str(cfg)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith(f"ademcoach run: {said}") and r.stderr.count("\n") == 1
