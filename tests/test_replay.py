"""A recording as the emulated chip's input, read back through the real driver."""

import math

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


def test_end_holds_or_loops(tmp_path):
    f = write_csv(tmp_path / "rec.csv", seconds=2.0)
    src = RecordingSource(f, fit=False)
    last = src(5.0)[0]
    assert src.finished and last == pytest.approx(1.5 + 0.2 * math.sin(1.99), abs=1e-4)
    looped = RecordingSource(f, fit=False, loop=True)
    assert looped(2.5)[0] == pytest.approx(1.5 + 0.2 * math.sin(2.5 - 1.99), abs=2e-3)
    assert not looped.finished


def test_bad_recording_is_reported_with_its_line(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("t,belly\n0,1\n0.1,x\n")
    src = RecordingSource(f, fit=False)
    with pytest.raises(RecordingError, match="bad.csv:3"):
        src(1.0)
