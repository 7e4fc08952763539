import pytest

from feedback.pacer import Adaptive, Pacer, Pattern


def test_fixed_pattern_phases_levels_and_pauses():
    p = Pacer(Pattern(4.0, 1.0, 6.0, 2.0), t0=10.0)
    assert p.current(10.0).period == 13.0
    assert p.phase(10.5) == "inhale" and p.phase(14.5) == "hold_in"
    assert p.phase(15.5) == "exhale" and p.phase(21.5) == "hold_out"
    assert p.phase(23.5) == "inhale"  # second cycle
    assert p.level(10.0) == pytest.approx(0.0)
    assert p.level(12.0) == pytest.approx(0.5)
    assert p.level(14.5) == 1.0
    assert p.level(18.0) == pytest.approx(0.5)
    assert p.level(22.0) == 0.0
    assert p.planned_pause(14.2) == (14.0, 15.0)
    assert p.planned_pause(22.0) == (21.0, 23.0)
    assert p.planned_pause(12.0) is None
    assert p.planned_pause(10.0 + 100 * 13.0 + 12.0) == pytest.approx((1321.0, 1323.0))


def test_rate_and_ratio():
    pat = Pattern.from_rate(6.0, 2.0)
    assert pat.period == pytest.approx(10.0)
    assert pat.inhale_s == pytest.approx(10 / 3) and pat.ratio == pytest.approx(2.0)
    pat = Pattern.from_rate(5.0, 1.5, hold_out_s=2.0)
    assert pat.period == pytest.approx(12.0) and pat.ratio == pytest.approx(1.5)
    assert pat.effective_ratio > pat.ratio


def test_progression_moves_ratio_from_one_to_two_over_three_minutes():
    base = Pattern.from_rate(6.0, 2.0)
    p = Pacer(base, t0=0.0, progression=(1.0, 180.0))
    assert p.current(1.0).ratio == pytest.approx(1.0)
    mid = p.current(90.0).ratio
    assert 1.3 < mid < 1.7
    assert p.current(200.0).ratio == pytest.approx(2.0)
    assert p.current(200.0).period == pytest.approx(10.0)  # the rate stays


def test_level_is_continuous_across_cycles_and_changes():
    p = Pacer(Pattern.from_rate(6.0, 2.0), t0=0.0, progression=(1.0, 60.0))
    prev = p.level(0.0)
    t = 0.0
    while t < 120.0:
        t += 0.02
        now = p.level(t)
        assert abs(now - prev) < 0.05, t
        prev = now


def adaptive_pacer() -> Pacer:
    """An adaptive pacer with the shipped limits and targets (6/min, exhale:inhale 2, at
    most 10 s out, at least 4/min, steps of 0.5 s) over the home rhythm it runs until the
    patient's own is known (4 s in, 6 s out, 1 s rest)."""
    return Pacer(Pattern(4.0, 0.0, 6.0, 1.0), t0=0.0, adaptive=Adaptive())


def follow(p: Pacer, t: float, cycles: int, scale: float = 1.0) -> float:
    """A patient who breathes exactly the pacer's current cycle (``scale`` < 1: faster)."""
    for _ in range(cycles):
        pat = p.current(t)
        inh, exh = (pat.inhale_s + pat.hold_in_s) * scale, (pat.exhale_s + pat.hold_out_s) * scale
        p.observe(t, inh, exh)
        t += pat.period * scale
    return t


def test_adaptive_starts_from_the_patient_and_lengthens_the_exhale_step_by_step():
    p = adaptive_pacer()
    p.observe(0.0, 2.0, 3.5)  # the patient's own rhythm: fast (the exhale counts the pause)
    t = p.current(0.0).period
    own = p.current(t + 0.01)
    assert (own.inhale_s, own.exhale_s, own.hold_out_s) == pytest.approx((2.0, 2.5, 1.0))
    exhales = []
    for _ in range(6):
        t = follow(p, t, 1)
        exhales.append(p.current(t + 0.01).exhale_s)
    steps = [b - a for a, b in zip(exhales, exhales[1:], strict=False)]
    assert all(s == pytest.approx(0.5) for s in steps), exhales
    t = follow(p, t, 40)
    final = p.current(t + 0.01)
    goal = Pattern.from_rate(6.0, 2.0, 0.0, 1.0)  # the pause as the therapist set it
    assert final.exhale_s == pytest.approx(goal.exhale_s)
    assert final.inhale_s == pytest.approx(goal.inhale_s)
    assert final.hold_out_s == pytest.approx(1.0)
    assert final.rate_bpm == pytest.approx(6.0)
    assert p.summary()["in_sync"] > 0.9


def test_a_breath_begun_before_the_pacer_is_not_judged_nor_learned_from():
    """The first breath of an exercise began in the one before (or in a pause before the
    pacer): it says nothing about following this pacer, nor about the patient's rhythm."""
    a = Adaptive(target_rate_bpm=6.0, target_ratio=2.0, step_s=0.5)
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=100.0, adaptive=a)
    assert p.observe(88.4, 4.6, 6.9) == ""  # from the 5/min exercise before
    assert sum(p.following.values()) == 0
    p.observe(100.5, 2.0, 3.0)  # the first breath of this exercise sets the start
    t = 100.0 + p.current(100.0).period
    assert p.current(t + 0.01).exhale_s == pytest.approx(3.0)
    fixed = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=100.0)
    assert fixed.observe(95.0, 2.0, 2.0) == ""
    assert fixed.observe(100.2, 4.0, 6.0) == "in_sync"
    assert fixed.summary()["in_sync"] == 1.0


def test_adaptive_respects_the_therapists_limits():
    a = Adaptive(target_rate_bpm=4.0, target_ratio=4.0, min_rate_bpm=5.0, max_exhale_s=7.0,
                 step_s=1.0)
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=0.0, adaptive=a)
    p.observe(0.0, 3.0, 3.0)
    t = follow(p, p.current(0.0).period, 60)
    final = p.current(t)
    assert final.exhale_s <= 7.0 + 1e-9
    assert final.rate_bpm >= 5.0 - 1e-9


def test_adaptive_waits_and_backs_off_when_the_patient_does_not_follow():
    a = Adaptive(step_s=0.5)
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=0.0, adaptive=a)
    p.observe(0.0, 2.0, 3.0)
    t = follow(p, p.current(0.0).period, 4)
    reached = p.current(t + 0.01).exhale_s
    t = follow(p, t, 4, scale=0.6)     # the patient breathes much faster than the pacer
    assert p.current(t + 0.01).exhale_s < reached
    assert p.following["too_fast"] == 4
    assert p.current(t + 0.01).exhale_s >= 3.0 - 1e-9   # never below the patient's own start


def test_assessment_verdicts():
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=0.0)
    assert p.assess(4.0, 6.0, 1.0) == "in_sync"
    assert p.assess(2.0, 3.0, 1.0) == "too_fast"
    assert p.assess(5.0, 4.0, 1.0) == "exhale_short"
    assert p.assess(6.0, 9.0, 1.0) == "too_slow"


def test_set_pattern_applies_from_the_next_cycle():
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=0.0)
    assert p.phase(3.0) == "inhale"
    p.set_pattern(Pattern(2.0, 0.0, 3.0, 0.0))
    assert p.current(5.0).period == 10.0     # the running cycle is not cut short
    assert p.current(10.5).period == 5.0


def test_a_first_breath_too_slow_for_min_rate_is_shortened_in_and_out_alike():
    """min_rate_bpm = 12 (5 s a breath) with a 1 s pause: a first breath of 3 s in and
    5.5 s out became 3 s in and 1 s out, below the 2 s exhale floor and shorter than the
    inhale. Both are shortened alike now: 4 s of breathing at the patient's 1:1.5."""
    a = Adaptive(target_rate_bpm=12.0, target_ratio=2.0, min_rate_bpm=12.0)
    p = Pacer(Pattern(2.0, 0.0, 2.0, 1.0), t0=0.0, adaptive=a)
    p.observe(0.0, 3.0, 5.5)  # (the exhale counts the 1 s pause, as the analysis does)
    start = p.current(p.current(0.0).period + 0.01)
    assert (start.inhale_s, start.exhale_s, start.hold_out_s) == pytest.approx((1.6, 2.4, 1.0))
    assert start.period == pytest.approx(5.0)


@pytest.mark.parametrize("min_rate", [4.0, 6.0, 9.0, 12.0])
@pytest.mark.parametrize("max_exhale", [2.0, 4.0, 10.0])
@pytest.mark.parametrize("holds", [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)])
def test_the_adaptive_limits_never_give_a_short_exhale(min_rate, max_exhale, holds):
    """Whatever the patient's first breath, the pacer's start and every step after it keep
    to the limits: no slower than min_rate_bpm, the exhale within 2 s..max_exhale_s, the
    inhale at least 1 s, and the exhale not shorter than the inhale when the patient's
    own was not."""
    a = Adaptive(target_rate_bpm=max(min_rate, 6.0), target_ratio=2.0, min_rate_bpm=min_rate,
                 max_exhale_s=max_exhale, step_s=1.0)
    hin, hout = holds
    for inhale in (1.0, 2.0, 3.0, 5.0, 8.0):
        for ratio in (0.5, 1.0, 1.5, 3.0):
            p = Pacer(Pattern(2.0, hin, 2.0, hout), t0=0.0, adaptive=a)
            p.observe(0.0, inhale + hin / 2, inhale * ratio + hout + hin / 2)
            t = p.current(0.0).period
            for _ in range(12):
                pat = p.current(t + 0.01)
                case = (inhale, ratio, pat)
                assert pat.period <= 60.0 / min_rate + 1e-9, case
                assert 2.0 - 1e-9 <= pat.exhale_s <= max_exhale + 1e-9, case
                assert pat.inhale_s >= 1.0 - 1e-9, case
                if ratio >= 1.0:
                    assert pat.exhale_s >= pat.inhale_s - 1e-9, case
                t = follow(p, t, 1)


def test_a_tighter_max_exhale_takes_the_inhale_with_it():
    """A reload cuts max_exhale_s below the inhale reached: the exhale is cut to it, and
    the inhale with it (it stayed, so the exhale turned shorter than the inhale)."""
    p = adaptive_pacer()
    p.observe(0.0, 3.5, 5.0)  # starts at 3.5 s in, 4 s out
    p.set_limits(Adaptive(target_rate_bpm=6.0, target_ratio=2.0, max_exhale_s=3.0))
    cut = p.current(p.current(0.0).period + 0.01)
    assert (cut.inhale_s, cut.exhale_s, cut.hold_out_s) == pytest.approx((3.0, 3.0, 1.0))


def test_a_rate_with_pauses_keeps_its_rate_and_ratio():
    """Set as 6/min and exhale:inhale 2 with a pause after the inhale (and one after the
    exhale): the cycle is still 10 s, the pauses taken out of the breathing, not added."""
    pat = Pattern.from_rate(6.0, 2.0, hold_in_s=1.0)
    assert pat.period == pytest.approx(10.0) and pat.ratio == pytest.approx(2.0)
    assert (pat.inhale_s, pat.exhale_s) == pytest.approx((3.0, 6.0))
    pat = Pattern.from_rate(6.0, 2.0, hold_in_s=1.0, hold_out_s=2.0)
    assert pat.rate_bpm == pytest.approx(6.0)
    assert (pat.inhale_s, pat.exhale_s) == pytest.approx((7 / 3, 14 / 3))


def test_a_short_exhale_is_counted_at_any_pace_and_kept_across_pacers():
    """A breath too fast is judged too fast alone; its short exhale is counted apart
    (``short_exhales``), and a pacer restarted in the same exercise (a pause, a
    recalibration) goes on counting where the one before left off."""
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=0.0)  # 10 s, exhale:inhale 1.5
    verdicts = [p.observe(0.0, 2.0, 1.5),   # too fast, exhale short (0.75)
                p.observe(10.0, 2.0, 4.0),  # too fast, exhale long enough (2.0)
                p.observe(20.0, 5.0, 4.0),  # in pace, exhale short (0.8)
                p.observe(30.0, 4.0, 6.0)]  # in rhythm
    assert verdicts == ["too_fast", "too_fast", "exhale_short", "in_sync"]
    assert p.short_exhales == 2 and p.following["exhale_short"] == 1
    again = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=50.0)
    again.carry_counts(p)
    again.observe(50.0, 7.0, 7.0)  # too slow with a short exhale: judged exhale_short
    assert again.short_exhales == 3 and sum(again.following.values()) == 5
    before = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=100.0)
    assert before.observe(90.0, 2.0, 1.0) == "" and before.short_exhales == 0  # (not judged)


def test_a_gasp_in_under_a_second_with_a_shorter_breath_out_is_a_short_exhale():
    """A patient in pain who gasps in (0.6-1 s) and lets the air out at once breathes
    30-45 times a minute: each breath is too fast, and its exhale is short too. Those
    short exhales are counted with the rest, however quick the breath in was; only a
    breath with no breath in measured cannot have its exhale weighed against it."""
    p = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=0.0)  # 10 s, exhale:inhale 1.5
    verdicts = [p.observe(0.0, 0.6, 0.65),  # 48 a minute, exhale:inhale 1.08
                p.observe(10.0, 1.0, 1.0),  # 30 a minute, 1.0
                p.observe(20.0, 0.8, 1.6),  # exhale:inhale 2.0: long enough
                p.observe(30.0, 0.0, 1.0)]  # no breath in measured: no ratio
    assert verdicts == ["too_fast"] * 4
    assert p.short_exhales == 2


def test_an_adaptive_step_waits_for_the_ring_to_show_the_step_before():
    """A patient who keeps up but breathes a little faster than the pacer (at 85 % of its
    breath, "in rhythm") starts more than one breath in some of its cycles. Each of them
    stepped the rhythm on, so the ring's next breath was two steps longer than the one
    before (4.5 s, 5.25 s, then 6.75 s), and the pacer ran ahead of a patient who was
    slowing down with it. A step now waits until the ring has begun a breath with the
    step before: consecutive breaths of the ring differ by one step at most."""
    p = adaptive_pacer()
    p.start_from(1.5, 1.5)  # a 20/min breather: 1.5 s in, 2 s out + 1 s pause
    t, start, end, seen = 0.0, 0.0, None, []
    while t < 240.0:
        t = round(t + 0.05, 2)
        p.level(t)  # the ring asks every frame
        if end is None:
            pat = p.current(start)
            end = start + 0.85 * pat.period  # in rhythm, but a little fast
        if t >= end + 0.45:  # found about half a second after it ended
            p.observe(start, 0.85 * (pat.inhale_s + pat.hold_in_s),
                      0.85 * (pat.exhale_s + pat.hold_out_s), at=t)
            start, end = end, None
        if not seen or p.current(t) is not seen[-1]:
            seen.append(p.current(t))
    exhales = [c.exhale_s for c in seen]
    assert exhales[-1] > 5.0  # (it did go on toward the target)
    assert max(b - a for a, b in zip(exhales, exhales[1:], strict=False)) <= 0.5 + 1e-9, exhales
    assert p.summary()["in_sync"] == 1.0


def test_a_patient_already_slower_than_the_target_is_not_led_faster():
    """A calm patient at 5/min (12 s a breath, exhale:inhale 1.6 as measured) against the
    adaptive target of 6/min: the pacer started at their 5/min and, breath by breath,
    shortened the exhale from 6.4 s to 6 s and led them to 6/min, faster than their own.
    The rate it leads to is now the target or the patient's own, whichever is slower; it
    only moves the ratio toward the target, lengthening the exhale."""
    p = adaptive_pacer()
    p.start_from(4.6, 7.4)  # the calibration's median breath (the exhale counts the pause)
    first = p.current(0.01)
    assert first.rate_bpm == pytest.approx(5.0)
    seen = [first]
    t = 0.0
    for _ in range(30):
        t = follow(p, t, 1)
        seen.append(p.current(t + 0.01))
    assert max(s.rate_bpm for s in seen) <= 5.0 + 1e-6, [round(s.rate_bpm, 2) for s in seen]
    exhales = [s.exhale_s for s in seen]
    assert all(b >= a - 1e-9 for a, b in zip(exhales, exhales[1:], strict=False)), exhales
    assert seen[-1].ratio == pytest.approx(2.0)  # the target's exhale:inhale, at their rate
    assert p.goal().rate_bpm == pytest.approx(5.0)
    assert p.summary()["in_sync"] == 1.0


def test_an_adaptive_start_never_asks_a_longer_exhale_than_the_target():
    """Talk during the calibration read as breaths of 9.9/min with an exhale 5.4 x the
    inhale (pauses counted), and the adaptive pacer started there: 1 s in, 4.4 s out and
    the 1 s rest. No breath that followed it could be measured to meet it, every one was
    judged "exhale too short", and stepping back only returned to that start (0 % in
    rhythm, "Adem langer uit" 4 times). The start keeps the patient's breath length but
    never a larger exhale:inhale than the target's; a start at or below it is kept."""
    p = adaptive_pacer()
    p.start_from(1.0, 5.4)  # the talk's median breath (the exhale counts the rest)
    first = p.current(0.01)
    assert first.ratio == pytest.approx(2.0)
    assert first.period == pytest.approx(6.4)  # the patient's own length of breath
    assert first.hold_out_s == 1.0
    q = adaptive_pacer()
    q.start_from(2.0, 3.5)  # a fast breather's own: exhale 1.25 x the inhale, kept
    assert (q.current(0.01).inhale_s, q.current(0.01).exhale_s) == pytest.approx((2.0, 2.5))


def test_an_exhale_the_screen_and_the_cue_accept_is_not_judged_short():
    """The screen's exhale:inhale target and "Adem langer uit" accept 75 % of the pacer's
    ratio (pacer.EXHALE_FLOOR: the analysis dates an inhale after a rest early, so a patient
    who follows exactly measures a little less). The rhythm verdict asked for 80 %: a
    20/min breather who followed the adaptive pacer's first breaths exactly (1.5 s in,
    2 s out, 1 s rest: 2.0 as measured) read 1.55-1.62, "doel >=1,5" met on the screen and
    no cue, yet four of five breaths were judged "uitademing te kort" and the pacer did
    not step on for 20 s. The verdict now takes the same floor."""
    from feedback.cues import CueRules, Targets
    from feedback.events import Breath
    from feedback.pacer import EXHALE_FLOOR

    p = Pacer(Pattern(1.5, 0.0, 2.0, 1.0), t0=0.0)
    goal = p.current(0.0).effective_ratio
    inhale = 1.75
    for share in (0.76, 0.78):
        exhale = share * goal * inhale
        assert exhale / inhale >= EXHALE_FLOOR * goal  # the screen's target is met
        rules = CueRules({"after_breaths": 3, "slower_above_bpm": 40.0,
                          "longer_exhale_below": 1.0, "dont_force_depth": 1.8,
                          "belly_share_min": 0.4})
        for k in range(3):
            rules.breaths.append(Breath(at=4.5 * k + 4.5, start=4.5 * k, peak=4.5 * k + inhale,
                                        end=4.5 * k + 4.5, inhale_s=inhale, exhale_s=exhale,
                                        depth=1.0, rate_bpm=60 / 4.5))
        assert "longer_exhale" not in rules.problems(Targets(p.current(0.0).rate_bpm, goal))
        assert p.assess(inhale, exhale, 0.0) == "in_sync", share
        assert not p.short_exhale(inhale, exhale, 0.0)
    assert p.assess(inhale, 0.7 * goal * inhale, 0.0) == "exhale_short"


def test_an_exhale_at_exactly_the_floor_is_not_short_for_the_pacer_nor_the_cue():
    """The rhythm verdict and "Adem langer uit" share one floor (``EXHALE_FLOOR`` of the
    pacer's exhale:inhale) and agree at it: an exhale that reaches it is long enough."""
    from feedback.cues import CueRules, Targets
    from feedback.events import Breath
    from feedback.pacer import EXHALE_FLOOR

    p = Pacer(Pattern(2.0, 0.0, 4.0, 0.0), t0=0.0)
    goal = p.current(0.0).effective_ratio
    inhale, exhale = 2.0, EXHALE_FLOOR * goal * 2.0  # (1.5 x the inhale: exact in binary)
    assert exhale / inhale == EXHALE_FLOOR * goal
    rules = CueRules({"after_breaths": 3, "slower_above_bpm": 40.0, "longer_exhale_below": 1.0,
                      "dont_force_depth": 1.8, "belly_share_min": 0.4})
    for k in range(3):
        rules.breaths.append(Breath(at=6.0 * k + 5.0, start=6.0 * k, peak=6.0 * k + inhale,
                                    end=6.0 * k + 5.0, inhale_s=inhale, exhale_s=exhale,
                                    depth=1.0, rate_bpm=12.0))
    assert "longer_exhale" not in rules.problems(Targets(p.current(0.0).rate_bpm, goal))
    assert not p.short_exhale(inhale, exhale, 0.0)
    assert p.short_exhale(inhale, exhale - 0.01, 0.0)


def test_an_adaptive_start_with_pauses_reads_as_the_patients_own_breath():
    """With pauses set, the analysis counts half the pause after the inhale in each of the
    breath's halves and the pause after the exhale in the exhale. The pacer's start takes
    the pauses out so, measured the same way, it is the patient's own breath again."""
    a = Adaptive(target_rate_bpm=6.0, target_ratio=2.0, min_rate_bpm=4.0, max_exhale_s=10.0,
                 step_s=0.5)
    p = Pacer(Pattern(4.0, 1.0, 6.0, 1.0), t0=0.0, adaptive=a)
    p.start_from(3.5, 6.5)  # exhale:inhale 1.86 as measured, under the target's 2
    first = p.current(0.01)
    assert (first.hold_in_s, first.hold_out_s) == (1.0, 1.0)
    assert first.inhale_s + 0.5 * first.hold_in_s == pytest.approx(3.5)
    assert first.exhale_s + 0.5 * first.hold_in_s + first.hold_out_s == pytest.approx(6.5)
