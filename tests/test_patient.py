"""The simulated patient: scenarios produce what they claim, checked on the ground truth
and on the volts the emulated ADC would see."""

import math

import numpy as np
import pytest

from device.circuit import MIN_BREATH_V, RAIL_HIGH_V, RAIL_LOW_V, Divider
from device.patient import Patient, creep_cm
from device.scenario import available, load_scenario
from feedback.analysis import BreathAnalyzer
from feedback.config_rules import ConfigError
from feedback.events import Breath, Fault

RATE = 25.0  # Hz: enough for these checks and fast


def run(name, seconds, belts=("belly",), pins=(0,), follow=None):
    p = Patient(load_scenario(name), belts, pins)
    if follow is not None:
        p.follow(follow)
    t = np.arange(0, seconds, 1 / RATE)
    v = np.array([[p(x)[pin] for pin in pins] for x in t])
    return p, t, v


def breaths_between(p, a, b):
    return [x for x in p.truth.breaths if a <= x["start"] and x["end"] <= b]


def test_required_scenarios_exist_and_load():
    names = available()
    for name in ("calm", "fast", "holds", "chest", "forced", "squats", "unplugged"):
        assert name in names
    for name in names:
        assert load_scenario(name).description


def test_calm_rate_ratio_and_realistic_volts():
    p, t, v = run("calm", 120)
    bs = p.truth.breaths
    rate = 60 / np.mean([b["end"] - b["start"] for b in bs])
    assert 7.2 < rate < 8.8
    assert np.mean([b["exhale_s"] / b["inhale_s"] for b in bs]) > 1.4
    assert 0.9 < np.mean([b["depth"] for b in bs]) < 1.1
    # the divider sits near 1.8 V and a breath swings it by ~0.1 V
    assert v.min() > 1.7 and v.max() < 2.05 and 0.07 < np.ptp(v) < 0.2


def _spread(values):
    return float(np.std(values) / np.mean(values))


def test_restless_breaths_differ_as_real_breaths_at_rest_do():
    """Real stretch-belt recordings at rest vary by 20-45 % from breath to breath in
    period, depth and exhale:inhale (the other scenarios by 8 % at most), with the
    heartbeat's ripple on top: the restless scenario has that, calm keeps every breath
    alike."""
    p, t, v = run("restless", 300)
    bs = p.truth.breaths
    assert 8.0 < 60 / np.median([b["end"] - b["start"] for b in bs]) < 11.0
    assert 0.2 < _spread([b["end"] - b["start"] for b in bs]) < 0.45
    assert 0.15 < _spread([b["depth"] for b in bs]) < 0.45
    assert 0.15 < _spread([b["exhale_s"] / b["inhale_s"] for b in bs]) < 0.45
    # the ripple at 68/min: a peak in the spectrum beside the breathing's harmonics
    f = np.fft.rfftfreq(len(v), 1 / RATE)
    power = np.abs(np.fft.rfft(v[:, 0] - v[:, 0].mean())) ** 2
    near = (f > 1.0) & (f < 1.3)
    assert power[near].max() > 20 * np.median(power[(f > 1.5) & (f < 3.0)])
    calm, _, _ = run("calm", 300)
    cb = calm.truth.breaths
    assert _spread([b["exhale_s"] / b["inhale_s"] for b in cb]) < 0.05
    assert _spread([b["end"] - b["start"] for b in cb]) < 0.05


def test_fast_episode_is_faster():
    p, _, _ = run("fast", 120)
    before = breaths_between(p, 5, 58)
    during = breaths_between(p, 61, 89)
    r0 = 60 / np.mean([b["end"] - b["start"] for b in before])
    r1 = 60 / np.mean([b["end"] - b["start"] for b in during])
    assert 17 < r0 < 23 and 26 < r1 < 34


def test_holds_are_flat_and_in_the_truth():
    p, t, v = run("holds", 170)
    kinds = [h["kind"] for h in p.truth.holds]
    assert kinds == ["inhale", "exhale", "inhale"]
    for h, want in zip(p.truth.holds, (10, 11, 12), strict=True):
        assert h["end"] - h["start"] == pytest.approx(want)
        inside = (t > h["start"] + 0.2) & (t < h["end"] - 0.2)
        assert np.std(v[inside]) < 0.003  # only noise (1 mV) and slow creep
        lung = p.lung
        assert lung(h["start"] + 1) == pytest.approx(lung(h["end"] - 1), abs=1e-6)
    # held after inhale: near the top; after exhale: at the bottom
    top = max(v[:, 0])
    mid = (p.truth.holds[0]["start"] + p.truth.holds[0]["end"]) / 2
    assert abs(v[np.searchsorted(t, mid), 0] - top) < 0.03
    no_breath = [b for b in p.truth.breaths if b["end"] - b["start"] > 9]
    assert len(no_breath) == 3  # each hold shows up as one long breath, not as breaths


def test_chest_breathing_moves_the_chest_belt():
    p, t, v = run("chest", 60, belts=("chest", "belly"), pins=(0, 1))
    chest, belly = np.ptp(v[:, 0]), np.ptp(v[:, 1])
    assert chest > 3 * belly


def test_forced_breaths_are_deeper():
    p, _, _ = run("forced", 110)
    normal = [b["depth"] for b in breaths_between(p, 0, 59)]
    forced = [b["depth"] for b in breaths_between(p, 62, 99)]
    assert 0.9 < np.mean(normal) < 1.1 and 2.2 < np.mean(forced) < 2.8


def test_squats_add_movement_at_the_squat_rhythm():
    p, t, v = run("squats", 595)
    assert len(p.truth.holds) == 2
    calm = v[(t > 505) & (t < 528), 0]
    squat = v[(t > 532) & (t < 588), 0]
    assert np.ptp(squat) > 1.5 * np.ptp(calm)
    spec = np.abs(np.fft.rfft(squat - squat.mean()))
    freqs = np.fft.rfftfreq(len(squat), 1 / RATE)
    assert abs(freqs[np.argmax(spec)] - 0.25) < 0.03  # one squat every 4 s


def test_unplugged_belt_reads_the_rail():
    p, t, v = run("unplugged", 50, belts=("chest", "belly"), pins=(0, 1))
    off = (t >= 30) & (t < 40)
    assert np.all(np.abs(v[off] - 3.3) < 0.006)
    assert np.all(v[~off] < 2.1)
    assert list(p.truth.unplugged) == [{"start": 30.0, "end": 40.0, "belt": "all"}]



@pytest.mark.parametrize("follow", [None, "pacer"])
def test_a_belt_taken_off_lies_still_and_slack_whatever_the_patient_does(tmp_path, follow):
    """A belt taken off and laid down with its plug in (``taken_off``): inside the rails,
    still, with the circuit's noise only (no breath, no heartbeat, no creep), whether the
    patient breathes on their own or follows the pacer; the other belt goes on measuring.
    It lies slack: the cord without its 15 % pre-tension, 0.22 V below the worn rest level
    (almost two breaths of 0.12 V), and is put on again at its worn level. Before, a
    laid-down belt could only be played as a held breath, which the simulated patient gave
    up as soon as the pacer stopped (at a pause); then it lay at the worn rest level, as a
    belt never lies."""
    f = tmp_path / "off.toml"
    f.write_text('[signal]\nnoise_mv = 0.5\ncardiac_mv = 3.0\ncreep_cm_per_min = -0.3\n'
                 'chest_sensitivity = 1.3\n'
                 '[[episode]]\nkind = "taken_off"\nstart_s = 20\nduration_s = 30\n'
                 'belt = "all"\n')
    p = Patient(load_scenario(f, ("chest", "belly")), ("chest", "belly"), (0, 1))
    if follow:
        p.follow(_pacer)
    t = np.arange(0, 70, 1 / RATE)
    v = np.array([[p(x)[pin] for pin in (0, 1)] for x in t])
    off = (t >= 20) & (t < 50)
    d = Divider()
    slack = d.volts(-0.15 * 15.0)  # (strain 0: the cord as it lies, whatever the belt)
    assert d.volts(0.0) - slack == pytest.approx(0.22, abs=0.01)  # (from the worn rest)
    for pin in (0, 1):
        assert abs(np.mean(v[off, pin]) - slack) < 0.001
        assert np.std(v[off, pin]) < 0.001  # 0.5 mV of noise, nothing else
        assert v[off, pin].min() > RAIL_LOW_V and v[off, pin].max() < RAIL_HIGH_V
        on = v[(t >= 55), pin]
        assert np.ptp(on) > 0.02 and on.min() > slack + 0.15  # breathing, worn again
        assert np.ptp(v[(t >= 5) & (t < 20), pin]) > 0.02


def test_a_belt_taken_off_stays_worn_where_the_other_breathes(tmp_path):
    """One belt taken off: the other breathes on at its worn level; ``slack = false``
    lays the belt down at its worn rest level (creep included), not slack."""
    f = tmp_path / "off.toml"
    f.write_text('[signal]\nnoise_mv = 0.5\ncardiac_mv = 3.0\n'
                 '[[episode]]\nkind = "taken_off"\nstart_s = 20\nduration_s = 30\n'
                 'belt = "belly"\nslack = false\n')
    p = Patient(load_scenario(f, ("chest", "belly")), ("chest", "belly"), (0, 1))
    t = np.arange(0, 70, 1 / RATE)
    v = np.array([[p(x)[pin] for pin in (0, 1)] for x in t])
    off = (t >= 20) & (t < 50)
    rest = Divider().volts(creep_cm(load_scenario(f).signal, 35.0))
    assert abs(np.mean(v[off, 1]) - rest) < 0.001 and np.std(v[off, 1]) < 0.001
    assert np.ptp(v[(t >= 55), 1]) > 0.02 and np.ptp(v[off, 0]) > 0.02  # breathing
    assert v[off, 0].min() > rest - 0.01


def _pacer(t):  # 6 breaths/min: 4 s in, 6 s out
    x = t % 10
    if x < 4:
        return 0.5 - 0.5 * math.cos(math.pi * x / 4)
    return 0.5 + 0.5 * math.cos(math.pi * (x - 4) / 6)


def test_following_the_pacer_with_lag():
    sc = load_scenario("fast")  # 20/min on their own
    sc.follow["compliance"] = 1.0
    p = Patient(sc)
    p.follow(_pacer)
    for i in range(60 * 25):
        p(i / 25)
    bs = breaths_between(p, 10, 60)
    assert 60 / np.mean([b["end"] - b["start"] for b in bs]) == pytest.approx(6, abs=0.2)
    for b in bs:  # the pacer peaks at 4 s; the patient the lag plus the chest's inertia later
        assert sc.follow.lag_s < (b["peak"] % 10) - 4 < sc.follow.lag_s + 0.6


def test_partial_compliance_still_follows_the_pacer_rate(repo, tmp_path):
    text = (repo / "config" / "scenarios" / "fast.toml").read_text()
    scenario = tmp_path / "fast-following.toml"
    scenario.write_text(text.replace("compliance = 0.0", "compliance = 0.9"))
    p, _, _ = run(str(scenario), 60, follow=_pacer)
    bs = breaths_between(p, 10, 60)
    assert 60 / np.mean([b["end"] - b["start"] for b in bs]) == pytest.approx(6, abs=0.6)


def test_creep_is_steady_at_first_and_settles():
    """A rubber belt creeps at creep_cm_per_min when put on and relaxes towards a limit
    (creep_cm_per_min x creep_tau_s) instead of creeping on for ever."""
    sig = load_scenario("calm").signal
    assert sig.creep_cm_per_min == -0.05 and sig.creep_tau_s == 600.0  # the default
    assert creep_cm(sig, 0.0) == 0.0
    assert creep_cm(sig, 60.0) == pytest.approx(-0.05, rel=0.06)  # the first minute as before
    assert creep_cm(sig, 600.0) == pytest.approx(-0.5 * (1 - math.exp(-1)))
    assert creep_cm(sig, 8 * 3600.0) == pytest.approx(-0.5, abs=1e-9)
    assert creep_cm(sig, 24 * 3600.0) >= -0.5


def test_creep_time_constant_from_the_scenario(repo, tmp_path):
    text = (repo / "config" / "scenarios" / "calm.toml").read_text()
    f = tmp_path / "slow-creep.toml"
    f.write_text(text.replace("creep_cm_per_min = -0.05",
                              "creep_cm_per_min = -0.05\ncreep_tau_s = 1200.0"))
    sig = load_scenario(f).signal
    assert sig.creep_tau_s == 1200.0
    assert creep_cm(sig, 10 * 3600.0) == pytest.approx(-1.0, abs=1e-6)
    f.write_text(text.replace("creep_cm_per_min = -0.05", "creep_tau_s = 0.0"))
    with pytest.raises(ConfigError,
                       match=r"slow-creep.toml:17: signal.creep_tau_s = 0.0: must be between 10"):
        load_scenario(f)


def test_every_scenario_belt_stays_worn_for_a_day():
    """However long a scenario runs, its creep keeps the belt at a worn belt's levels
    (hw-check's 1.3-2.6 V), far from the rails where it reads as unplugged or shorted."""
    d = Divider()
    for name in available():
        sig = load_scenario(name).signal
        for t in np.linspace(0, 24 * 3600, 97):
            c = creep_cm(sig, float(t))
            assert d.volts(c) > 1.3 and d.volts(c + sig.excursion_cm) < 2.6, (name, t)


def test_eight_hours_of_calm_breathing_stay_in_the_circuits_range():
    """The soak's patient, 8 simulated hours of `calm` sampled at 5 Hz (the time is only
    an argument: nothing sleeps). Its belt crept on without end and reached the 0.1 V rail
    after 3.2 hours, where the unit took it for a belt unplugged or shorted; now it settles
    half a centimetre in and the last minutes still give calm breaths and no fault."""
    p = Patient(load_scenario("calm"))
    lo, hi, fs = 9.0, 0.0, 5.0
    late = []
    for i in range(int(8 * 3600 * fs)):
        t = i / fs
        v = p(t)[0]
        lo, hi = min(lo, v), max(hi, v)
        if t >= 8 * 3600 - 600:
            late.append((t, v))
    assert lo > RAIL_LOW_V + 1.0 and hi < RAIL_HIGH_V - 1.0
    assert lo > 1.7 and hi < 2.05  # as in its first minutes
    an = BreathAnalyzer(["belly"], min_breath=MIN_BREATH_V, rails=(RAIL_LOW_V, RAIL_HIGH_V))
    events = [e for t, v in late for e in an.feed(t, [v])]
    assert not [e for e in events if isinstance(e, Fault)]
    rates = [e.rate_bpm for e in events if isinstance(e, Breath)]
    assert len(rates) >= 60 and 7.0 < np.median(rates) < 9.0


def test_divider_levels_and_rails():
    d = Divider()
    assert 1.7 < d.volts(0) < 1.9
    assert d.volts(1.5) > d.volts(0) > d.volts(-1.0)
    assert d.volts(0, connected=False) == 3.3


def test_scenario_errors_name_file_line_and_key(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[breathing]\nrate_bpm = 100\nratoi = 2\n\n[[episode]]\nkind = \"hold\"\n"
                 "after = \"sideways\"\n\n[[episode]]\nkind = \"dance\"\n\n"
                 "[[episode]]\nkind = \"taken_off\"\nslack = \"yes\"\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(f)
    msgs = [str(p) for p in info.value.problems]
    assert any(m.endswith("bad.toml:2: breathing.rate_bpm = 100: must be between 2 and 60 "
                          "breaths/min") for m in msgs)
    assert any(":3: breathing.ratoi: unknown key; did you mean 'ratio'?" in m for m in msgs)
    assert any(":7: episode[1].after = 'sideways': must be one of" in m for m in msgs)
    assert any(":10: episode[2].kind = 'dance'" in m for m in msgs)
    assert any(m.endswith(":14: episode[3].slack = 'yes': must be true or false, without "
                          "quotes: write true") for m in msgs)
    with pytest.raises(ConfigError, match="no such scenario; choose one of"):
        load_scenario("nonesuch")


def test_an_act_with_a_bad_or_foreign_key_is_named_with_its_line(tmp_path):
    """The acts' own keys are checked as every episode's: a cough of 9 jerks, a talk
    given a cough's count, a talk too shallow to read."""
    f = tmp_path / "acts.toml"
    f.write_text('[[episode]]\nkind = "cough"\ncount = 9\n\n'
                 '[[episode]]\nkind = "talk"\ncount = 2\ndepth = 0.1\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(f)
    msgs = [str(p) for p in info.value.problems]
    assert len(msgs) == 3, msgs
    assert msgs[0].endswith(":3: episode[1].count = 9: must be between 1 and 5")
    assert any(":7: episode[2].count: unknown key" in m for m in msgs), msgs
    assert any(m.endswith(":8: episode[2].depth = 0.1: must be between 0.2 and 3")
               for m in msgs), msgs


@pytest.mark.parametrize("text, expected", [
    ("episode = [1]\n", ":1: episode[1]: must be an [[episode]] table"),
    ('[[episode]]\nkind = ["hold"]\n', ":2: episode[1].kind = ['hold']: must be one of hold"),
    ("[[episode]]\nkind = {a = 1}\n", ":2: episode[1].kind = {'a': 1}: must be one of hold"),
    ("breathing = 8\n", ":1: breathing: must be a section [breathing]"),
])
def test_a_scenario_of_the_wrong_shape_is_one_line_not_a_traceback(tmp_path, text, expected):
    """Each was an AttributeError or TypeError out of ``ademcoach run --sim`` (or, for a
    section given as a value, the scenario ran on its defaults without a word)."""
    f = tmp_path / "odd.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(f)
    (problem,) = info.value.problems
    assert str(problem).startswith(f"{f}{expected}")


def test_a_folder_or_another_file_is_no_scenario(tmp_path):
    """A folder was called "not a config file", a README a TOML syntax error."""
    notes = tmp_path / "README.md"
    notes.write_text("# Notes\nsome text\n")
    for what in (tmp_path, notes):
        with pytest.raises(ConfigError) as info:
            load_scenario(what)
        (problem,) = info.value.problems
        assert str(problem).startswith(f"{what}: not a scenario: a simulation is a scenario's "
                                       "name (belly-lag, calm, ")
        assert str(problem).endswith("a scenario file (.toml) or a recording (.csv)")


def test_same_scenario_same_signal_and_truth_written(tmp_path):
    import json

    a = Patient(load_scenario("holds"))
    b = Patient(load_scenario("holds"))
    va = [a(t / 10)[0] for t in range(600)]
    vb = [b(t / 10)[0] for t in range(600)]
    assert va == vb  # seeded: a simulated session can be replayed exactly
    a.truth.write(tmp_path / "truth.json")
    data = json.loads((tmp_path / "truth.json").read_text())
    assert data["holds"] == list(a.truth.holds) and len(data["breaths"]) == len(a.truth.breaths) > 5


@pytest.mark.parametrize("kind", ["unplugged", "taken_off"])
def test_an_unplugged_episode_must_name_a_belt_of_the_config(tmp_path, kind):
    """Such an episode named a belt the unit does not have and then did nothing."""
    f = tmp_path / "out.toml"
    f.write_text(f'[[episode]]\nkind = "{kind}"\nstart_s = 5\nbelt = "chest"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(f, ("belly",))
    (problem,) = info.value.problems
    assert str(problem) == (f'{f}:4: episode[1].belt = "chest": the config has no such belt; '
                            'its belts are "belly", or "all"')
    assert load_scenario(f, ("chest", "belly")).episodes[0].belt == "chest"
    assert load_scenario(f).episodes[0].belt == "chest"  # no config to compare with


def test_run_refuses_a_scenario_unplugging_a_belt_it_does_not_have(sim_config, tmp_path,
                                                                    capsys):
    from feedback.cli import main

    f = tmp_path / "out.toml"
    f.write_text('[[episode]]\nkind = "unplugged"\nstart_s = 5\nbelt = "chest"\n')
    assert main(["run", "--sim", str(f), "--headless", "--speed", "0", "--duration", "5",
                 "--config", str(sim_config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'out.toml:4: episode[1].belt = "chest"' in err


def _two_belts(repo, tmp_path, extra: str, name: str = "apart"):
    """``calm`` with the two belts' breathing alike (half each, no noise, creep or jitter)
    and ``extra`` lines in [breathing] / [signal]."""
    text = (repo / "config" / "scenarios" / "calm.toml").read_text()
    text = (text.replace("belly_share = 0.65", "belly_share = 0.5")
            .replace("jitter = 0.05", "jitter = 0.0").replace("noise_mv = 1.0", "noise_mv = 0.0")
            .replace("creep_cm_per_min = -0.05", "creep_cm_per_min = 0.0"))
    breathing, signal = extra.split("|")
    text = text.replace("[breathing]\n", f"[breathing]\n{breathing}\n")
    text = text.replace("[signal]\n", f"[signal]\n{signal}\n")
    f = tmp_path / f"{name}.toml"
    f.write_text(text)
    return f


@pytest.mark.parametrize("lag", [0.4, -0.4])
def test_the_belly_can_lag_behind_or_run_ahead_of_the_chest(repo, tmp_path, lag):
    """``belly_lag_s``: the belly belt shows the chest's movement that many seconds later
    (negative: earlier). The belt ahead is on the ground truth's time (the lung signal),
    the one behind reads it late; before the start the late one is at rest."""
    f = _two_belts(repo, tmp_path, f"belly_lag_s = {lag}|")
    p = Patient(load_scenario(f), ("chest", "belly"), (0, 1))
    fs, d = 100, Divider()
    t = np.arange(0, 60, 1 / fs)
    v, lung = [], []
    for x in t:
        v.append(p(x))
        lung.append(p.lung(x))
    chest, belly = np.array([o[0] for o in v]), np.array([o[1] for o in v])
    ahead, behind = (chest, belly) if lag > 0 else (belly, chest)
    n = round(abs(lag) * fs)
    assert np.ptp(chest) > 0.05
    assert np.abs(behind[n:] - ahead[:-n]).max() < 1e-5  # the same movement, lag s later
    assert np.abs(behind[:n] - d.volts(0.0)).max() < 1e-9
    exc = p.scenario.signal.excursion_cm
    assert np.abs(ahead - [d.volts(x * exc) for x in lung]).max() < 1e-12


def test_the_chest_belt_can_read_more_or_less_than_the_belly_belt(repo, tmp_path):
    """``chest_sensitivity``: the chest belt reads its stretch that many times as large as
    the belly belt would; with one belt (nothing to compare it with) both keys do nothing."""
    for s in (0.7, 1.3):
        f = _two_belts(repo, tmp_path, f"|chest_sensitivity = {s}")
        p, _, v = run(str(f), 60, belts=("chest", "belly"), pins=(0, 1))
        assert np.ptp(v[:, 0]) / np.ptp(v[:, 1]) == pytest.approx(s, rel=0.03)
        assert p.truth.breaths
    plain = _two_belts(repo, tmp_path, "|", name="plain")
    both = _two_belts(repo, tmp_path, "belly_lag_s = -0.6|chest_sensitivity = 1.3")
    assert np.array_equal(run(str(plain), 60)[2], run(str(both), 60)[2])


def test_belly_lag_and_chest_sensitivity_are_checked_like_the_other_keys(repo, tmp_path,
                                                                         sim_config, capsys):
    from feedback.cli import main

    f = _two_belts(repo, tmp_path, "belly_lag_s = 2.5|chest_sensitivity = 0.2")
    with pytest.raises(ConfigError) as info:
        load_scenario(f)
    msgs = [str(p) for p in info.value.problems]
    assert msgs == [f"{f}:7: breathing.belly_lag_s = 2.5: must be between -2 and 2 seconds",
                    f"{f}:16: signal.chest_sensitivity = 0.2: must be between 0.5 and 2"]
    f = _two_belts(repo, tmp_path, 'belly_lag_s = "0.4"|')
    assert main(["run", "--sim", str(f), "--headless", "--speed", "0", "--duration", "5",
                 "--config", str(sim_config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert ("apart.toml:7: breathing.belly_lag_s = '0.4': must be a number between -2 and 2 "
            "seconds, without quotes: write 0.4") in err


ACT = '\n[[episode]]\nkind = "{kind}"\nstart_s = 30.0\n{keys}\n'


@pytest.mark.parametrize("follow", [None, "pacer"])
def test_talking_is_a_long_uneven_exhale_with_quick_inhales_then_breathing_again(
        repo, tmp_path, follow):
    """20 s of talk, on their own rhythm or following the pacer: phrases of 2.5-6 s whose
    exhale is several times the inhale; before and after it the breathing as it was."""
    scenario = tmp_path / "talk.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text()
                        + ACT.format(kind="talk", keys="duration_s = 20.0"))
    p, _, _ = run(str(scenario), 90, follow=_pacer if follow else None)
    talk = breaths_between(p, 30.0, 51.0)
    assert len(talk) >= 3
    assert all(2.0 < b["end"] - b["start"] < 7.0 for b in talk), talk
    assert np.median([b["exhale_s"] / b["inhale_s"] for b in talk]) > 3.0
    normal = 60.0 / 8.0 if follow is None else 10.0
    for b in breaths_between(p, 0.0, 29.0) + breaths_between(p, 60.0, 90.0):
        assert b["end"] - b["start"] == pytest.approx(normal, rel=0.15)


@pytest.mark.parametrize("kind,keys,depth", [("sigh", "duration_s = 10.0\ndepth = 2.5", 2.5),
                                             ("yawn", "duration_s = 10.0\ndepth = 2.0", 2.0),
                                             ("cough", "count = 3", None),
                                             ("laugh", "duration_s = 5.0", None)])
def test_a_sigh_or_yawn_is_one_deep_breath_and_a_cough_or_laugh_quick_jerks(
        repo, tmp_path, kind, keys, depth):
    scenario = tmp_path / f"{kind}.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text()
                        + ACT.format(kind=kind, keys=keys))
    p, _, _ = run(str(scenario), 60)
    deepest = max(breaths_between(p, 25.0, 50.0), key=lambda b: b["depth"])
    if depth is not None:
        assert deepest["depth"] == pytest.approx(depth, rel=0.1)
        assert 8.0 < deepest["end"] - deepest["start"] < 14.0
    else:  # a cough's fall is a jerk: 3 breaths' depth a second or more
        q = Patient(load_scenario(str(scenario)))  # (the lungs as they go, from the start)
        lung = np.array([q.lung(x) for x in np.arange(0.0, 36.0, 0.04)])[750:]
        fall = np.diff(lung) / 0.04
        if kind == "cough":
            assert np.min(fall) < -3.0
        else:  # laughing: 4-5 small pulses a second
            pulses = np.sum((fall[:-1] < -0.1) & (fall[1:] >= -0.1))
            assert 15 <= pulses <= 30, pulses


def _act_lungs(repo, tmp_path, kind, keys="", until=40.0):
    """A calm patient's noise-free lungs with one act at 30 s: (times, levels) every
    20 ms, and the level the act started from."""
    scenario = tmp_path / f"{kind}.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text()
                        + ACT.format(kind=kind, keys=keys))
    q = Patient(load_scenario(str(scenario)))
    ts = np.arange(0.0, until, 0.02)
    lung = np.array([q.lung(x) for x in ts])
    return ts, lung, lung[np.searchsorted(ts, 30.0)]


def test_a_sniff_is_a_quick_small_inhale_and_a_swallow_a_still_moment_with_a_bump(
        repo, tmp_path):
    """A sniff: 0.35 of a breath in within 0.3 s, setting off gently (the knots are joined
    by half-cosines), held 0.3 s, back in 1 s; a swallow: 0.3 s still, a bump of 0.04,
    0.8 s in all. Each then hands back to the breathing from where it left the lungs."""
    ts, lung, v0 = _act_lungs(repo, tmp_path, "sniff")
    act = lung[(ts >= 30.0) & (ts <= 31.7)]
    top = int(np.argmax(act))
    assert act[top] - v0 == pytest.approx(0.35, abs=0.02)
    assert 0.25 <= top * 0.02 <= 0.65  # (up in 0.3 s, held 0.3 s)
    assert lung[np.searchsorted(ts, 30.06)] - v0 < 0.05  # (a straight line: 0.07)
    assert lung[np.searchsorted(ts, 31.62)] == pytest.approx(v0, abs=0.02)
    assert np.max(np.abs(np.diff(lung[ts >= 31.0]))) < 0.05  # the breath goes on smoothly
    ts, lung, v0 = _act_lungs(repo, tmp_path, "swallow")
    assert np.ptp(lung[(ts >= 30.0) & (ts <= 30.28)]) < 0.005  # still
    act = lung[(ts >= 30.0) & (ts <= 30.8)]
    assert np.max(act) - v0 == pytest.approx(0.04, abs=0.01)
    assert np.max(np.abs(np.diff(lung[ts >= 30.5]))) < 0.05


def test_a_yawn_breathes_in_longer_and_out_quicker_than_a_sigh(repo, tmp_path):
    """The same depth and length: a sigh breathes in for 40 % of it and lets the breath
    go slowly; a yawn breathes in for half of it, stretches 1.5 s at the top and breathes
    out quickly."""
    halves = {}
    for kind in ("sigh", "yawn"):
        ts, lung, _ = _act_lungs(repo, tmp_path, kind, "duration_s = 10.0\ndepth = 2.5", 42.0)
        act, at = lung[(ts >= 30.0) & (ts <= 41.0)], ts[(ts >= 30.0) & (ts <= 41.0)]
        top = np.flatnonzero(act >= 0.95 * np.max(act))
        down = top[-1] + np.argmax(act[top[-1]:] < 0.1)
        halves[kind] = (at[top[0]] - 30.0, at[down] - at[top[-1]])  # (in, out)
    assert 3.0 < halves["sigh"][0] < 4.0, halves  # (95 % of its top after 40 % of 10 s)
    assert halves["yawn"][0] > halves["sigh"][0] + 0.5, halves
    assert halves["yawn"][1] < halves["sigh"][1] - 1.0, halves


def _acts_lungs(repo, tmp_path, acts, ts, follow=None):
    """A calm patient's noise-free lungs at ``ts`` with ``acts`` ((kind, start, keys) ...),
    on their own rhythm or following ``follow``."""
    scenario = tmp_path / "acts.toml"
    scenario.write_text((repo / "config" / "scenarios" / "calm.toml").read_text() + "".join(
        ACT.replace("30.0", str(start)).format(kind=kind, keys=keys)
        for kind, start, keys in acts))
    q = Patient(load_scenario(str(scenario)))
    q.follow(follow)
    return np.array([q.lung(x) for x in ts])


@pytest.mark.parametrize("follow", [None, "pacer"])
@pytest.mark.parametrize("kind,keys,length", [("talk", "duration_s = 6.0", 6.0),
                                              ("cough", "count = 2", 1.74),
                                              ("sigh", "duration_s = 4.0", 4.0),
                                              ("yawn", "duration_s = 5.0", 5.0),
                                              ("laugh", "duration_s = 3.0", 3.0),
                                              ("sniff", "", 1.6), ("swallow", "", 0.8)])
def test_an_act_in_the_middle_of_a_breath_starts_and_hands_back_where_the_lungs_are(
        repo, tmp_path, follow, kind, keys, length):
    """An act that starts halfway through a breath (on their own rhythm or following the
    pacer) starts from the level the lungs are at and, at its end, hands back to the
    breathing or the pacer from the level it left them at: read between the 10 ms steps
    too, the signal never jumps (the quickest move of an act, a cough's jerk of 0.8 in
    0.12 s, goes under 0.04 in 3.7 ms), and the lungs breathe on after it."""
    ts = np.arange(28.0, 34.0 + length + 12.0, 0.0037)
    lung = _acts_lungs(repo, tmp_path, [(kind, 34.0, keys)], ts,
                       follow=_pacer if follow else None)
    assert 0.3 < lung[np.searchsorted(ts, 34.0)] < 0.9  # (halfway through a breath)
    steps = np.abs(np.diff(lung))
    assert steps.max() < 0.06, (ts[np.argmax(steps)], steps.max())
    assert np.ptp(lung[ts > 34.0 + length + 1.0]) > 0.8  # (breathing again)


def test_an_act_due_while_another_is_on_waits_for_its_end_and_starts_from_there(
        repo, tmp_path):
    """A sniff due 0.5 s into a cough of two jerks (1.74 s) comes after the whole cough:
    the cough goes up to 1.4 and down to 0.2 below the end of a normal exhale, and holds
    there until 32.74 s; then the sniff goes 0.35 up from there (top 33.04-33.34 s) and
    back by 34.34 s, with no jump on the way."""
    ts = np.arange(30.0, 36.0, 0.0037)
    lung = _acts_lungs(repo, tmp_path, [("cough", 31.0, "count = 2"), ("sniff", 31.5, "")],
                       ts)

    def at(a, b):
        return lung[(ts >= a) & (ts <= b)]

    assert np.max(at(31.0, 32.0)) == pytest.approx(1.4, abs=0.01)
    assert np.abs(at(32.5, 32.72) + 0.2).max() < 0.01  # (the cough's end)
    sniff = at(32.8, 34.3)
    assert np.max(sniff) == pytest.approx(-0.2 + 0.35, abs=0.01)
    assert np.abs(at(33.1, 33.3) - np.max(sniff)).max() < 0.01
    assert lung[np.searchsorted(ts, 34.34)] == pytest.approx(-0.2, abs=0.01)
    assert np.abs(np.diff(lung)).max() < 0.06
