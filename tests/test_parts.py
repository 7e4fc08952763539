"""open_parts and hw-check: the whole device layer against the emulated parts."""

import numpy as np
import pytest

from device.hwcheck import belt_report
from device.parts import open_parts
from device.patient import Patient
from device.scenario import load_scenario
from feedback.cli import main
from feedback.clock import VirtualClock
from feedback.config import defaults, load_config
from feedback.errors import HardwareError

MESSAGE = ("No ADS1115 at 0x{:02x} on I2C bus 1: check wiring and that I2C is enabled "
           "(raspi-config)")


def config(tmp_path, text):
    f = tmp_path / "ademcoach.toml"
    f.write_text(text)
    return f


def test_simulated_parts_work_together(tmp_path):
    settings = load_config(config(tmp_path, '[sensor]\nbelts = ["chest", "belly"]\n'
                                            'channels = ["A0", "A1"]\n[buttons]\nthird = 22\n'))
    clock = VirtualClock()
    parts = open_parts(settings, "chest", clock)
    try:
        assert parts.simulated and isinstance(parts.patient, Patient)
        samples = [v for _, v in parts.sensor.stream(duration_s=8.0)]
        chest, belly = np.ptp(np.array(samples), axis=0)
        assert chest > 3 * belly  # the chest scenario reaches the right belt
        frame = np.zeros((parts.ring.pixels, 3), np.uint8)
        frame[3] = (0, 0, 200)
        parts.ring.show(frame)
        lit = np.flatnonzero(parts.spi.last.any(axis=1))
        assert lit.tolist() == [3] and parts.spi.last[3, 2] > 0
        parts.press("start_pause")
        clock.advance(0.2)
        parts.press("third")
        clock.advance(0.2)
        assert parts.controls.poll() == ["start_pause", "third"]
        parts.press("recalibrate")
        clock.advance(2.0)
        assert parts.controls.poll() == ["recalibrate"]
    finally:
        parts.close()


def test_replay_as_the_simulation_input(tmp_path):
    rec = tmp_path / "r.csv"
    rec.write_text("t,belly\n" + "".join(f"{i / 10},{np.sin(i / 10):.4f}\n"
                                         for i in range(100)))
    clock = VirtualClock()
    parts = open_parts(defaults(), str(rec), clock)
    try:
        parts.patient.follow(None)  # same interface as a simulated patient
        vals = [v[0] for _, v in parts.sensor.stream(duration_s=9.0)]
        assert min(vals) > 1.69 and max(vals) < 1.96 and np.ptp(vals) > 0.2
    finally:
        parts.close()


def test_pacer_following_through_the_parts(repo, tmp_path):
    # the fast patient, but one that follows the pacer 90 %
    text = (repo / "config" / "scenarios" / "fast.toml").read_text()
    scenario = tmp_path / "fast-following.toml"
    scenario.write_text(text.replace("compliance = 0.0", "compliance = 0.9"))
    clock = VirtualClock()
    parts = open_parts(defaults(), str(scenario), clock)
    try:
        parts.patient.follow(lambda t: 1.0 if (t % 10) < 5 else 0.0)
        for _ in parts.sensor.stream(duration_s=30.0):
            pass
        bs = [b for b in parts.patient.truth.breaths if b["start"] > 5]
        assert bs and all(9 < b["end"] - b["start"] < 11 for b in bs)
    finally:
        parts.close()


def test_real_parts_without_a_pi_say_the_clear_message():
    with pytest.raises(HardwareError) as info:
        open_parts(defaults(), None, VirtualClock())
    assert str(info.value) == MESSAGE.format(0x48)


def test_hw_check_sim_passes(capsys):
    assert main(["hw-check", "--sim"]) == 0
    out = capsys.readouterr().out
    for what in ("sensor", "belt belly (A0)", "ring", "button start_pause", "button next"):
        assert any(line.split()[:1] == ["PASS"] and what in line for line in out.splitlines())
    assert "breathing seen" in out and "all checks passed" in out and "FAIL" not in out


def test_hw_check_sim_with_all_parts_fitted(tmp_path, capsys):
    f = config(tmp_path, '[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1"]\n'
                         '[buttons]\nthird = 22\nbuzzer = 13\nbuzzer_kind = "tonal"\n'
                         '[ring]\npixels = 24\norder = "RGB"\n')
    assert main(["hw-check", "--sim", "--config", str(f)]) == 0
    out = capsys.readouterr().out
    assert "button third" in out and "PASS  buzzer" in out and "24 LEDs" in out
    assert "belt chest (A0)" in out and "belt belly (A1)" in out


def test_hw_check_missing_chip_fails_with_the_message(tmp_path, capsys):
    f = config(tmp_path, "[sensor]\naddress = 0x49\n")  # the emulated chip answers at 0x48
    assert main(["hw-check", "--sim", "--config", str(f)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  sensor             {MESSAGE.format(0x49)}" in out
    assert "check(s) FAILED" in out


def test_hw_check_on_a_machine_without_the_chip(capsys):
    assert main(["hw-check", "--timeout", "0.05"]) == 1
    assert MESSAGE.format(0x48) in capsys.readouterr().out


def test_belt_report_tells_breathing_from_a_hold():
    p = Patient(load_scenario("holds"))
    t = np.arange(0, 60, 0.02)
    v = np.array([p(x)[0] for x in t])
    breathing = belt_report(t[:1000], v[:1000])  # 0-20 s: calm breathing at 10/min
    assert breathing["breathing"] and 8 <= breathing["rate_bpm"] <= 12
    h = p.truth.holds[0]
    inside = (t > h["start"] + 0.5) & (t < h["end"] - 0.5)
    held = belt_report(t[inside], v[inside])
    assert not held["breathing"] and held["noise"] < 0.002
