import pytest

from feedback.config import defaults
from feedback.cues import CueRules, Targets
from feedback.events import Breath, Fault, FaultEnd, Hold, HoldEnd

WARNINGS = {"longer_exhale", "slower", "breathe_on", "dont_force", "belly", "check_belt"}


def breaths(t0=0.0, n=20, period=10.0, ratio=2.0, depth=1.0, share=None, paradoxical=None):
    """A synthetic stream of completed breaths."""
    inhale = period / (1 + ratio)
    t = t0
    for _ in range(n):
        yield Breath(at=t + period + 0.3, start=t, peak=t + inhale, end=t + period,
                     inhale_s=inhale, exhale_s=period - inhale, depth=depth,
                     rate_bpm=60.0 / period, belly_share=share, paradoxical=paradoxical)
        t += period


def run(stream, cfg=None, active=None, targets=None, tick_every=1.0):
    rules = CueRules(cfg or defaults().cues, active)
    targets = targets or Targets()
    out = []
    last_tick = 0.0
    for ev in stream:
        while last_tick + tick_every <= ev.at:
            last_tick += tick_every
            out += rules.tick(last_tick)
        out += rules.feed(ev, targets)
    return out, rules


def kinds(cues):
    return [c.kind for c in cues]


def test_calm_breathing_gives_no_warning_but_praise():
    cues, _ = run(breaths(n=20, share=0.7))
    assert not WARNINGS & set(kinds(cues))
    assert "good" in kinds(cues)


@pytest.mark.parametrize("stream, expected", [
    (lambda: breaths(n=6, period=3.0, ratio=1.5), "slower"),
    (lambda: breaths(n=6, period=8.0, ratio=0.6), "longer_exhale"),
    (lambda: breaths(n=6, period=10.0, depth=2.6), "dont_force"),
    (lambda: breaths(n=6, period=10.0, share=0.2), "belly"),
])
def test_each_breath_rule_fires_on_its_stream(stream, expected):
    cues, _ = run(stream())
    assert kinds(cues)[:1] == [expected]


def test_paradoxical_breathing_is_no_belly_breathing():
    """Two belts, the belly drawn in as the chest rises: the belly moves as much as the
    chest (share 54 %, above ``belly_share_min``), but against it. That is what the belly
    exercise is there to correct: "Adem naar je buik", and no "Goed zo!" (before, the
    share alone passed and the patient was praised every minute)."""
    cues, _ = run(breaths(n=20, share=0.54, paradoxical=True))
    assert kinds(cues)[:1] == ["belly"] and "good" not in kinds(cues)
    # breathing into the belly again (with the chest): praised, as any belly breather
    cues, _ = run(list(breaths(n=6, share=0.54, paradoxical=True))
                  + list(breaths(t0=60.0, n=14, share=0.54, paradoxical=False)))
    assert "belly" in kinds(cues) and kinds(cues)[-1] == "good"


def varied(shares, flags=None, t0=0.0, period=10.0):
    """Breaths whose belly share (and paradoxical flag) differ from breath to breath."""
    flags = flags or [False] * len(shares)
    out = []
    for k, (share, flag) in enumerate(zip(shares, flags, strict=True)):
        out += breaths(t0=t0 + k * period, n=1, period=period, share=share, paradoxical=flag)
    return out


def test_a_chest_breather_whose_belly_share_varies_is_not_praised():
    """Two belts, breathing as variable as real breathing: a chest breather (median
    share 0.24, under belly_share_min 0.4) with now and then one breath over 0.4. The
    belly cue needs every one of the last three breaths under 0.4, so each odd breath
    kept it from being due for three breaths, and "Goed zo!" came after 60 s of breaths
    that were mostly far off (simulated: 13 of 58 such belly exercises praised). The
    cue still waits for three in a row, but no praise comes for breaths that as a whole
    (their median) miss the target."""
    shares = [0.43, 0.09, 0.44, 0.28, 0.16, 0.43, 0.2, 0.24, 0.45, 0.12, 0.25, 0.41, 0.18,
              0.3, 0.22, 0.44, 0.15, 0.26, 0.21, 0.43]
    cues, _ = run(varied(shares))
    assert "belly" in kinds(cues) and "good" not in kinds(cues)


def test_a_paradoxical_breather_with_one_breath_not_flagged_is_not_praised():
    """Every breath paradoxical but a shallow one now and then whose belts' movements
    were too small to call (simulated: one in nine): that breath alone kept "Adem naar
    je buik" from being due, and "Goed zo!" came in the belly exercise."""
    flags = [k % 5 != 2 for k in range(20)]
    cues, _ = run(varied([0.55] * 20, flags))
    assert "belly" in kinds(cues) and "good" not in kinds(cues)


def test_a_belly_breather_with_a_chest_breath_now_and_then_is_praised_not_corrected():
    """The other way round: a belly breather (share about 0.5) with an odd chest breath
    (0.3) every fourth breath is no chest breather: praised, never told to use the
    belly."""
    shares = [0.3 if k % 4 == 3 else 0.5 + 0.02 * (k % 3) for k in range(20)]
    cues, _ = run(varied(shares))
    assert "belly" not in kinds(cues) and "good" in kinds(cues)


def test_a_single_odd_breath_is_not_enough():
    stream = list(breaths(n=5))
    odd = breaths(t0=50.0, n=1, period=3.0, ratio=0.5, depth=1.0)
    cues, _ = run(stream + list(odd) + list(breaths(t0=53.0, n=3)))
    assert not WARNINGS & set(kinds(cues))
    # three such breaths in a row are enough
    odd = breaths(t0=50.0, n=3, period=3.0, ratio=0.5, depth=1.0)
    cues, _ = run(stream + list(odd) + list(breaths(t0=59.0, n=3)))
    assert WARNINGS & set(kinds(cues))


def test_slower_follows_the_pacer_target():
    # 10 breaths/min is fine on its own, but not with a pacer asking for 5.
    assert not kinds(run(breaths(n=6, period=6.0))[0])
    assert kinds(run(breaths(n=6, period=6.0), targets=Targets(5.0, 2.0))[0])[:1] == ["slower"]


def test_longer_exhale_follows_the_pacer_s_ratio():
    """With a pacer its ratio sets the bar (75 % of it): a patient breathing 1:0.95
    while a 1:1 pacer leads (the start of a 1:1 -> 1:2 progression) is following it and
    is not told to breathe out longer, as it was by the fixed 1.0 of the config; with a
    1:2 pacer, 1:1.3 is too short; without a pacer the config's 1.0 holds."""
    near = breaths(n=8, period=8.0, ratio=0.95)
    assert "longer_exhale" not in kinds(run(near, targets=Targets(7.5, 1.0))[0])
    assert "longer_exhale" in kinds(run(breaths(n=8, period=8.0, ratio=0.95))[0])
    mid = breaths(n=8, period=8.0, ratio=1.3)
    assert "longer_exhale" in kinds(run(mid, targets=Targets(7.5, 2.0))[0])
    assert "longer_exhale" not in kinds(run(breaths(n=8, period=8.0, ratio=1.3))[0])


def test_breathe_on_comes_at_once_even_right_after_another_cue():
    stream = list(breaths(n=4, period=3.0))           # 'slower' at about 9.3 s
    stream.append(Hold(at=10.0, t=6.0))
    cues, rules = run(stream)
    assert kinds(cues) == ["slower", "breathe_on"]
    assert cues[-1].at == 10.0
    assert rules.current(10.1) == "breathe_on"
    rules.feed(HoldEnd(at=12.0, t=11.8))
    assert rules.current(12.1) != "breathe_on"


def test_a_fault_that_comes_back_every_breath_is_cued_once():
    """A belly clipped at its rail in every breath: a `saturated` fault each breath.
    "Controleer de band" came each time (every 11 s); now once while it keeps coming back
    within a minute, and again for another belt or kind, or after a quiet minute."""
    rules = CueRules(defaults().cues, belts=["chest", "belly"])
    said = []
    for k in range(15):
        t = 30.0 + 11.0 * k
        said += rules.feed(Fault(at=t, kind="saturated", belt="belly"))
        said += rules.feed(FaultEnd(at=t + 2.0, kind="saturated", belt="belly"))
    assert [(c.kind, c.at) for c in said] == [("check_belt", 30.0)]
    said = rules.feed(Fault(at=200.0, kind="saturated", belt="chest"))  # another belt
    rules.feed(FaultEnd(at=201.0, kind="saturated", belt="chest"))
    said += rules.feed(Fault(at=260.0, kind="saturated", belt="belly"))  # a quiet minute
    assert [(c.kind, c.at) for c in said] == [("check_belt", 200.0), ("check_belt", 260.0)]


def test_a_fault_right_after_another_is_the_same_episode():
    """The belt is unplugged and, as it comes back, found unplugged again: one
    "Controleer de band", not two within a second."""
    rules = CueRules(defaults().cues)
    said = rules.feed(Fault(at=118.5, kind="disconnected", belt="belly"))
    said += rules.feed(FaultEnd(at=119.2, kind="disconnected", belt="belly"))
    said += rules.feed(Fault(at=119.26, kind="saturated", belt="belly"))
    assert [(c.kind, c.at) for c in said] == [("check_belt", 118.5)]


def test_the_chip_not_answering_is_no_belt_cue():
    """The ADS1115 inside the unit stops answering (``i2c``): no belt to check, so no
    ``check_belt`` cue in the records (the screen says "Storing in het apparaat" from the
    fault). As the bus comes back the belt is found unplugged: that is cued, at once."""
    rules = CueRules(defaults().cues)
    said = rules.feed(Fault(at=118.5, kind="i2c"))
    assert said == [] and rules.fault and rules.current(119.0) == "check_belt"
    said += rules.feed(FaultEnd(at=119.2, kind="i2c"))
    said += rules.feed(Fault(at=119.26, kind="disconnected", belt="belly"))
    assert [(c.kind, c.at) for c in said] == [("check_belt", 119.26)]
    rules.feed(FaultEnd(at=130.0, kind="disconnected", belt="belly"))
    said = rules.feed(Fault(at=300.0, kind="i2c"))  # again, later: still none
    assert said == [] and rules.counts == {"check_belt": 1}


def test_a_belt_found_out_while_the_chip_s_fault_is_still_on_is_cued():
    """The bus comes back with the belt unplugged, and the analysis finds the belt out
    before the ``i2c`` fault is over (that waits for the sensor to answer for 0.5 s): the
    chip's fault still on is no belt being checked, so the belt gets its cue at once."""
    rules = CueRules(defaults().cues)
    said = rules.feed(Fault(at=118.5, kind="i2c"))
    said += rules.feed(Fault(at=119.1, kind="disconnected", belt="belly"))
    said += rules.feed(FaultEnd(at=119.6, kind="i2c"))
    assert [(c.kind, c.at) for c in said] == [("check_belt", 119.1)]


def test_a_fault_joins_the_belt_fault_that_ended_last_not_the_first():
    """The join (``JOIN_S``) is to the fault that ended most recently: a chest fault
    over long ago does not make the belly, out again a second after its own fault
    ended, a new episode."""
    rules = CueRules(defaults().cues, belts=["chest", "belly"])
    said = rules.feed(Fault(at=10.0, kind="saturated", belt="chest"))
    said += rules.feed(FaultEnd(at=11.0, kind="saturated", belt="chest"))
    said += rules.feed(Fault(at=100.0, kind="disconnected", belt="belly"))
    said += rules.feed(FaultEnd(at=101.0, kind="disconnected", belt="belly"))
    said += rules.feed(Fault(at=102.0, kind="saturated", belt="belly"))
    assert [(c.kind, c.at) for c in said] == [("check_belt", 10.0), ("check_belt", 100.0)]


def test_check_belt_on_fault_and_a_hold_during_a_fault_is_not_a_hold():
    stream = list(breaths(n=2)) + [Fault(at=25.0, kind="disconnected", belt="belly"),
                                   Hold(at=30.0, t=25.0)]
    cues, rules = run(stream)
    assert kinds(cues) == ["check_belt"]
    assert rules.current(31.0) == "check_belt" and not rules.holding
    rules.feed(FaultEnd(at=40.0, kind="disconnected", belt="belly"))
    assert rules.current(41.0) is None


def test_one_of_two_belts_out_keeps_the_cues_and_the_hold_warnings():
    """Two belts, the belly unplugged: the chest measures on, so breaths are coached and a
    hold is a hold (the analysis judged it by the chest). One check_belt cue is recorded;
    the belt screen is not up. Only when the chest fails too is it a fault."""
    rules = CueRules(defaults().cues, belts=("chest", "belly"))
    for e in breaths(n=2):
        rules.feed(e)
    assert kinds(rules.feed(Fault(at=25.0, kind="disconnected", belt="belly"))) == ["check_belt"]
    assert not rules.fault and rules.partial == (("disconnected", "belly"),)
    assert kinds(rules.feed(Hold(at=30.0, t=26.0))) == ["breathe_on"]
    assert rules.current(31.0) == "breathe_on"
    rules.feed(HoldEnd(at=36.0, t=35.5))
    fast = list(breaths(n=6, period=3.0, ratio=1.5, t0=40.0))
    assert "slower" in kinds([c for e in fast for c in rules.feed(e)])
    assert rules.feed(Fault(at=80.0, kind="flat", belt="chest")) == []  # no second cue
    assert rules.fault and not rules.partial and rules.current(81.0) == "check_belt"
    assert rules.feed(Hold(at=85.0, t=81.0)) == []


def test_a_belt_coming_off_during_a_hold_leaves_the_warning_on():
    """The analysis goes on judging a hold by the other belt when one comes off (it ends
    the hold only if it cannot), so the warning stays until the hold ends."""
    rules = CueRules(defaults().cues, belts=("chest", "belly"))
    assert kinds(rules.feed(Hold(at=30.0, t=26.0))) == ["breathe_on"]
    assert kinds(rules.feed(Fault(at=33.0, kind="disconnected", belt="belly"))) == [
        "check_belt"]
    assert rules.holding and rules.current(34.0) == "breathe_on"
    rules.feed(HoldEnd(at=40.0, t=39.5))
    assert not rules.holding
    rules.feed(Hold(at=50.0, t=46.0))
    rules.feed(Fault(at=52.0, kind="flat", belt="chest"))  # both out: the belt screen
    assert not rules.holding and rules.current(53.0) == "check_belt"


def test_a_belt_noisy_and_then_unplugged_is_held_and_the_other_measures_on():
    """The belly turns noisy (a full fault: its noise is in the breath signal), then its
    plug comes out: it is held still, so the chest measures on, and a hold it judges is
    warned (the noisy fault cannot end while the belt is unplugged)."""
    rules = CueRules(defaults().cues, belts=("chest", "belly"))
    assert kinds(rules.feed(Fault(at=25.0, kind="noisy", belt="belly"))) == ["check_belt"]
    assert rules.fault
    assert rules.feed(Fault(at=30.0, kind="disconnected", belt="belly")) == []
    assert not rules.fault and rules.partial[0] == ("disconnected", "belly")
    assert kinds(rules.feed(Hold(at=40.0, t=36.0))) == ["breathe_on"]


@pytest.mark.parametrize("fault", [Fault(at=25.0, kind="noisy", belt="belly"),
                                   Fault(at=25.0, kind="i2c")])
def test_a_noisy_belt_or_the_chip_is_a_fault_also_with_two_belts(fault):
    """A noisy belt's noise is in the breath signal, and a failing ADC reads no belt:
    neither leaves a belt measuring."""
    rules = CueRules(defaults().cues, belts=("chest", "belly"))
    assert kinds(rules.feed(fault)) == ([] if fault.kind == "i2c" else ["check_belt"])
    assert rules.fault and not rules.partial
    assert rules.feed(Hold(at=30.0, t=26.0)) == []


def test_both_belts_failing_at_once_is_one_check_belt_cue():
    """Both plugs out together: one cue (the belt screen is already up for the second),
    and a new one when a belt fails again after everything was fixed."""
    both = [Fault(at=25.0, kind="disconnected", belt="chest"),
            Fault(at=25.0, kind="disconnected", belt="belly")]
    cues, rules = run(list(breaths(n=2)) + both)
    assert kinds(cues) == ["check_belt"] and rules.counts["check_belt"] == 1
    rules.feed(FaultEnd(at=40.0, kind="disconnected", belt="chest"))
    assert rules.fault  # the belly is still out
    rules.feed(FaultEnd(at=41.0, kind="disconnected", belt="belly"))
    assert kinds(rules.feed(Fault(at=90.0, kind="flat", belt="belly"))) == ["check_belt"]


def test_unit_faults_are_not_belt_problems():
    cues, rules = run([Fault(at=1.0, kind="storage")])
    assert cues == [] and not rules.fault


@pytest.mark.parametrize("unit", ["slow", "led", "sound"])
def test_a_belt_out_just_after_a_fault_of_the_unit_ended_is_cued(unit):
    """A fault of the unit's own (the unit too slow to read the belt in time, the LED
    ring, the sound) is no belt episode: a belt unplugged a second after it ended was
    taken for the same episode (``JOIN_S``) and got no "Controleer de band"."""
    rules = CueRules(defaults().cues)
    said = rules.feed(Fault(at=60.0, kind=unit))
    said += rules.feed(FaultEnd(at=130.0, kind=unit))
    said += rules.feed(Fault(at=131.0, kind="disconnected", belt="belly"))
    assert [(c.kind, c.at) for c in said] == [("check_belt", 131.0)]


def test_cues_are_rate_limited_by_min_gap():
    cfg = defaults().cues
    cfg["repeat_gap_max_s"] = cfg.min_gap_s  # no back-off: only the gap
    cues, _ = run(breaths(n=30, period=3.0), cfg)
    times = [c.at for c in cues]
    assert len(times) >= 5
    assert all(b - a >= cfg.min_gap_s for a, b in zip(times, times[1:], strict=False))


def test_priority_when_several_are_due():
    # Fast, short exhale and forced: dont_force outranks slower outranks longer_exhale.
    cues, _ = run(breaths(n=3, period=3.0, ratio=0.5, depth=3.0))
    assert kinds(cues) == ["dont_force"]
    cues, _ = run(breaths(n=3, period=3.0, ratio=0.5))
    assert kinds(cues) == ["slower"]


def test_each_cue_can_be_switched_off_in_config_and_per_exercise():
    assert "slower" in kinds(run(breaths(n=6, period=3.0))[0])  # on: the same stream
    cfg = defaults().cues
    cfg["slower"] = False
    assert "slower" not in kinds(run(breaths(n=6, period=3.0), cfg)[0])
    assert "slower" not in kinds(run(breaths(n=6, period=3.0), active={"good"})[0])
    assert kinds(run([Hold(at=5.0, t=1.0)])[0]) == ["breathe_on"]
    off = defaults().cues
    off["breathe_on"] = False
    cues, rules = run([Hold(at=5.0, t=1.0)], off)
    assert cues == [] and not rules.holding


def test_a_cue_the_patient_does_not_act_on_comes_back_ever_later():
    """Breathing too fast for 5 minutes: 'slower' again after 16, 32, then every 60 s
    (the cap), not every 8-10 s."""
    cfg = defaults().cues
    cues, rules = run(breaths(n=100, period=3.0), cfg)
    times = [c.at for c in cues if c.kind == "slower"]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert times[0] < 10.0 and 5 <= len(times) <= 8, times
    assert gaps[0] >= 2 * cfg.min_gap_s and gaps[1] >= 4 * cfg.min_gap_s
    assert all(b >= a - 1e-6 for a, b in zip(gaps, gaps[1:], strict=False))     # never closer
    assert all(g < cfg.repeat_gap_max_s + 3.0 for g in gaps)             # up to the cap
    assert rules.repeat_gap("slower") == cfg.repeat_gap_max_s


def test_the_back_off_starts_afresh_once_the_patient_meets_the_target():
    cfg = defaults().cues
    fast = list(breaths(n=20, period=3.0))                  # 0-60 s: too fast
    calm = list(breaths(t0=60.0, n=3, period=10.0))         # 3 calm breaths
    again = list(breaths(t0=90.0, n=10, period=3.0))        # too fast again
    cues, rules = run(fast + calm + again, cfg)
    late = [c.at for c in cues if c.kind == "slower" and c.at > 90.0]
    assert late and late[0] < 90.0 + 3 * 3.0 + 1.0          # at once, after 3 breaths
    assert late[1] - late[0] == pytest.approx(2 * cfg.min_gap_s, abs=3.0)
    # One calm breath among fast ones is not a change: the gap keeps growing.
    mixed = fast + list(breaths(t0=60.0, n=1, period=10.0)) + list(
        breaths(t0=70.0, n=10, period=3.0))
    cues, _ = run(mixed, cfg)
    times = [c.at for c in cues if c.kind == "slower"]
    assert all(b - a >= 4 * cfg.min_gap_s for a, b in zip(times[1:], times[2:], strict=False))


def test_while_one_cue_backs_off_another_due_one_is_given():
    """Fast and a short exhale: 'slower' outranks 'longer_exhale', but while 'slower'
    waits out its growing gap 'longer_exhale' gets its turn."""
    cues, _ = run(breaths(n=40, period=3.0, ratio=0.5))
    said = kinds(cues)
    assert said[0] == "slower" and "longer_exhale" in said
    times = [c.at for c in cues]
    assert all(b - a >= defaults().cues.min_gap_s for a, b in zip(times, times[1:],
                                                                  strict=False))


@pytest.mark.parametrize("rule, odd, usual", [
    # (breath period s, exhale:inhale): mostly too fast (16/min is the bar) ...
    ("slower", (3.0, 2.0), (6.0, 2.0)),
    # ... mostly too short an exhale (1.0 without a pacer)
    ("longer_exhale", (8.0, 0.7), (8.0, 1.4)),
])
def test_breaths_that_mostly_miss_the_rate_or_exhale_target_are_not_praised(rule, odd, usual):
    """As for the belly: two of every three breaths off target, the third on it, so the
    cue (every breath of three in a row off) is never due, and "Goed zo!" came for
    breathing that mostly was what the cue is there to correct. On target mostly, with an
    odd breath off, it is praised."""
    def stream(pattern):
        out, t = [], 0.0
        for k in range(30):
            period, ratio = pattern[k % 3]
            out += breaths(t0=t, n=1, period=period, ratio=ratio)
            t += period
        return out

    cues, _ = run(stream([odd, odd, usual]))
    assert rule not in kinds(cues) and "good" not in kinds(cues)
    cues, _ = run(stream([usual, usual, odd]))
    assert rule not in kinds(cues) and "good" in kinds(cues)


def test_with_a_slow_pacer_slower_waits_until_3_per_min_above_it():
    """A 5/min pacer: 1.5 x its rate is 7.5/min, but a patient 3/min above it is close
    enough not to be told "Rustiger ademen" (8/min is the bar); 8.5/min is too fast."""
    pacer = Targets(5.0, 2.0)
    assert "slower" not in kinds(run(breaths(n=8, period=60 / 7.8), targets=pacer)[0])
    assert "slower" in kinds(run(breaths(n=8, period=60 / 8.5), targets=pacer)[0])


def test_praise_comes_once_a_good_after_s_not_at_every_gap():
    """Calm breathing on target for 5 minutes: "Goed zo!" once every ``good_after_s``
    (60 s), not every ``min_gap_s`` (8 s) once it has come."""
    cfg = defaults().cues
    cues, _ = run(breaths(n=30, period=10.0, share=0.7), cfg)
    times = [c.at for c in cues if c.kind == "good"]
    assert 3 <= len(times) <= 5, times
    assert all(b - a >= cfg.good_after_s for a, b in zip(times, times[1:], strict=False))


def test_praise_after_a_pause_waits_for_a_breath():
    """50 s on target, then 8 s of recalibration (``skip``): the good time before it
    counts, but "Goed zo!" came 8 s after the exercise went on, before the patient had
    breathed again. It now waits for the first breath after the break."""
    cfg = defaults().cues
    rules = CueRules(cfg)
    for b in breaths(n=5, period=10.0, share=0.7):  # 0-50 s, found at 10.3 ... 50.3 s
        rules.feed(b, Targets())
    rules.skip(52.0, 60.0)
    assert not [c for t in range(61, 70) for c in rules.tick(float(t))]  # (60 s at 68)
    after = next(breaths(t0=60.0, n=1, period=10.0, share=0.7))  # found at 70.3 s
    assert not rules.feed(after, Targets())
    assert kinds(rules.tick(71.0)) == ["good"]  # 52 s before the break and 11 s after


@pytest.mark.parametrize("expected, stream", [
    ("longer_exhale", lambda: breaths(n=40, period=8.0, ratio=0.6)),
    ("dont_force", lambda: breaths(n=40, period=8.0, depth=2.6)),
    ("belly", lambda: breaths(n=40, period=8.0, share=0.2)),
])
def test_every_correction_the_patient_does_not_act_on_comes_back_ever_later(expected, stream):
    """As 'slower' does: a short exhale, over-deep breaths or chest breathing kept up for
    5 minutes is corrected again after 16, 32, then every 60 s, not every 8-10 s."""
    cfg = defaults().cues
    cues, rules = run(stream(), cfg)
    times = [c.at for c in cues if c.kind == expected]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert 4 <= len(times) <= 8, times
    assert gaps[0] >= 2 * cfg.min_gap_s and gaps[1] >= 4 * cfg.min_gap_s
    assert rules.repeat_gap(expected) == cfg.repeat_gap_max_s


def test_a_breath_back_at_the_pacer_s_pace_is_not_told_to_breathe_slower():
    """A patient who talks for 20 s in the belly exercise (5.2/min pacer) makes breaths of
    4-6 s, then follows the pacer again. A breath carries the analysis's rate, the median
    of the last 5 breaths' lengths, which stays at the talk's pace for two breaths after
    it: the first 11.5 s breath read 12.9/min, and "Rustiger ademen" came a second time,
    16 s after the first, for a breath that followed the pacer (simulated, two belts).
    The rule judges each breath by its own length too."""
    lengths = [11.5] * 3 + [4.0] * 5 + [11.5] * 4
    stream, t, done = [], 0.0, []
    for length in lengths:
        done.append(length)
        median = sorted(done[-5:])[len(done[-5:]) // 2]
        stream.append(Breath(at=t + length + 0.5, start=t, peak=t + length / 3.3,
                             end=t + length, inhale_s=length / 3.3,
                             exhale_s=length - length / 3.3, rate_bpm=60.0 / median))
        t += length
    cues, _ = run(stream, targets=Targets(5.2, 2.29))
    slower = [c.at for c in cues if c.kind == "slower"]
    back = sum(lengths[:8])  # the first breath at the pacer's pace again begins here
    assert len(slower) == 1 and slower[0] < back + 1.0, (slower, back)


@pytest.mark.parametrize("ratio, told", [(2.9, True), (3.0, False), (5.0, False)])
def test_speech_is_no_fast_breathing(ratio, told):
    """Breaths of 5 s (12/min) against the 5.2/min pacer are too fast for it, unless they
    are breathed out three times as long as in or more: talk, a quick inhale and the
    phrase breathed out (``SPEECH_RATIO``), which got "Rustiger ademen" as it ended."""
    cues, _ = run(breaths(n=6, period=5.0, ratio=ratio), targets=Targets(5.2, 2.29))
    assert ("slower" in kinds(cues)) is told, kinds(cues)


@pytest.mark.parametrize("rate,length,fast", [
    (20.0, 3.5, True),     # fast by the median and by its own length (17.1/min)
    (20.0, 4.0, False),    # the median fast, the breath itself 15/min: not too fast
    (16.0, 3.5, False),    # the median at the limit is not above it
    (20.0, 3.75, False),   # its own length at the limit (16/min) is not above it
    (20.0, 0.0, True),     # no length of its own: the median judges it
])
def test_slower_takes_a_breath_as_too_fast_only_above_the_limit_by_both_rates(
        rate, length, fast):
    """"Rustiger ademen" is due when most recent breaths are over ``slower_above_bpm``
    (16/min) both by the analysis's rate (the median of the last breaths) and by their own
    length (60 s over it); a breath at the limit is not over it."""
    rules = CueRules(defaults().cues)
    for k in range(3):
        start = 10.0 * k
        rules.breaths.append(Breath(at=start + length + 0.3, start=start,
                                    peak=start + length / 3, end=start + length,
                                    inhale_s=length / 3, exhale_s=length * 2 / 3, depth=1.0,
                                    rate_bpm=rate))
    assert ("slower" in rules.problems(Targets())) is fast
