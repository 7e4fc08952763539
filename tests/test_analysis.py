"""BreathAnalyzer on synthetic breathing with known truth."""

import math
import random
import statistics

import pytest
from synth import breathing, matched, run, varied

from feedback.analysis import AnalysisState, BreathAnalyzer
from feedback.analysis.analyzer import NOT_WORN_S
from feedback.analysis.faults import (
    DISC_S,
    FLAT_S,
    NOISE_CLIP,
    NOISE_TAU,
    NOISY_OFF,
    NOISY_ON,
    NOISY_S,
)
from feedback.analysis.frontend import FrontEnd, spread
from feedback.events import Breath, Exhale, Fault, FaultEnd, Hold, HoldEnd, Inhale
from feedback.pacer import Pacer, Pattern


def exhales(events):
    return [e.t for e in events if isinstance(e, Exhale)]


def breaths(events):
    return [e for e in events if isinstance(e, Breath)]


@pytest.mark.parametrize("rate,fs", [(6, 50), (15, 50), (40, 50), (12, 10), (12, 860)])
def test_every_breath_found_at_rates_and_sample_rates(rate, fs):
    duration = 90 if fs < 800 else 40
    samples, peaks = breathing(duration, rate_bpm=rate, fs=fs, noise=0.01)
    events = run(BreathAnalyzer(["belly"]), samples)
    found = exhales(events)
    late = [p for p in peaks if p > 12.0 and p < duration - 60.0 / rate]
    assert matched(found, late) == len(late)
    assert len(found) <= len(peaks)
    # every breath's rate, the first one's too (the calibration screen shows it)
    assert all(b.rate_bpm == pytest.approx(rate, rel=0.05) for b in breaths(events))
    assert not [e for e in events if isinstance(e, Hold | Fault)]


def test_very_slow_breathing_with_a_long_hold_threshold():
    samples, peaks = breathing(200, rate_bpm=3, fs=25, noise=0.005)
    events = run(BreathAnalyzer(["belly"], hold_after_s=10.0), samples)
    # The apex of a 20 s breath is broad: allow 5 % of the period.
    assert matched(exhales(events), peaks[1:], tol=1.0) >= len(peaks) - 2
    assert breaths(events)[-1].rate_bpm == pytest.approx(3.0, rel=0.05)


def _paced(analyzer, samples, pacer, lag=0.0, until=math.inf):
    """Feed ``samples`` and announce the pacer's still spans as the unit does (the
    patient follows ``lag`` seconds late); from ``until`` on no pacer runs."""
    events, last = [], None
    for t, x in samples:
        span = pacer.still_span(t) if t < until else None
        if span is not None and span != last:
            last = span
            analyzer.planned_pause(*span)
        elif t >= until:
            analyzer.no_pacer()
        events.extend(analyzer.feed(t + lag, x if isinstance(x, tuple) else (x,)))
    return events


@pytest.mark.parametrize("lag", [0.0, 0.8])
@pytest.mark.parametrize("noise", [0.01, 0.04])
@pytest.mark.parametrize("inhale_s,exhale_s", [(6.0, 9.0), (7.0, 10.0), (5.0, 10.0)])
def test_following_a_slow_pacer_without_a_pause_is_not_a_hold(inhale_s, exhale_s, noise, lag):
    """About 4/min with rounded turns and no pause, a patient following the pacer: the
    signal stays within a tenth of a breath of each turn for 3-4 s. The pacer announces
    that span around each turn as it does its pauses."""
    period = inhale_s + exhale_s
    samples, peaks = breathing(300, rate_bpm=60.0 / period, fs=50,
                               inhale_frac=inhale_s / period, noise=noise)
    pacer = Pacer(Pattern(inhale_s, 0.0, exhale_s, 0.0), t0=0.0)
    events = _paced(BreathAnalyzer(["belly"], hold_after_s=4.0), samples, pacer, lag)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), [p + lag for p in peaks[1:]], tol=1.0) >= len(peaks) - 2


@pytest.mark.parametrize("noise", [0.01, 0.04])
@pytest.mark.parametrize("inhale_s,exhale_s,pause_s", [
    (6.0, 9.0, 0.0), (7.0, 10.0, 0.0), (5.0, 10.0, 0.0), (8.0, 12.0, 0.0), (6.0, 9.0, 1.5)])
def test_slow_breathing_without_a_pacer_is_not_a_hold(inhale_s, exhale_s, pause_s, noise):
    """3-4/min with rounded turns, unpaced (at home, or a therapist's own count): the
    patient's recent breaths say where the next slow turn is due, as the pacer would (it
    gave 12-20 warnings in 300 s)."""
    period = inhale_s + exhale_s + pause_s
    samples, peaks = breathing(300, rate_bpm=60.0 / period, fs=50, pause_s=pause_s,
                               inhale_frac=inhale_s / (inhale_s + exhale_s), noise=noise)
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), peaks[1:], tol=1.0) >= len(peaks) - 2
    assert breaths(events)[-1].rate_bpm == pytest.approx(60.0 / period, rel=0.05)


@pytest.mark.parametrize("top", [True, False])
def test_a_hold_in_slow_unpaced_breathing_is_still_found(top):
    """A hold where a slow turn is due counts from the end of that turn's near-still span:
    at most 0.3 of the phase into it and 0.2 of the next one later than at the default."""
    inhale_s, exhale_s = 6.0, 9.0
    pre, peaks = breathing(90, rate_bpm=4.0, fs=50, inhale_frac=0.4, noise=0.01)
    stop = peaks[-1] if top else peaks[-1] + exhale_s
    pre = [(t, x) for t, x in pre if t < stop]
    rng = random.Random(4)
    hold = [(stop + i / 50, (1.0 if top else 0.0) + rng.gauss(0, 0.01)) for i in range(15 * 50)]
    post, _ = breathing(30, rate_bpm=4.0, fs=50, inhale_frac=0.4, noise=0.01, seed=2,
                        t0=stop + 15.0 - (inhale_s if top else 0.0))
    post = [(t, x) for t, x in post if t >= stop + 15.0]
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold + post)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    then = exhale_s if top else inhale_s  # the span ends 0.2 of it past the turn
    assert stop - 3.0 <= holds[0].t <= holds[0].at - 4.0 + 0.1
    assert 4.0 <= holds[0].at - stop <= 4.0 + 0.2 * then + 0.5
    # It ended when the slow breath began (the report's hold length), not 3 s into it.
    end = [e for e in events if isinstance(e, HoldEnd)][0]
    assert end.t == pytest.approx(stop + 15.0, abs=1.0)


@pytest.mark.parametrize("frac", [0.3, 0.5])
def test_a_hold_halfway_through_a_slow_breath_out_is_warned_on_time(frac):
    """Only stillness near a due turn is taken for the turn: stopped 30 % or halfway into a
    9 s breath out (4.5-6.3 s before the bottom is due), the hold is warned 4 s after."""
    pre, peaks = breathing(90, rate_bpm=4.0, fs=50, inhale_frac=0.4, noise=0.01)
    stop = peaks[-1] + frac * 9.0
    pre = [(t, x) for t, x in pre if t < stop]
    rng = random.Random(4)
    hold = [(stop + i / 50, pre[-1][1] + rng.gauss(0, 0.01)) for i in range(10 * 50)]
    holds = [e for e in run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold)
             if isinstance(e, Hold) and e.at > stop]
    assert len(holds) == 1
    assert holds[0].at - stop == pytest.approx(4.0, abs=0.7)  # (the smoothing's lag is
    assert holds[0].t == pytest.approx(stop, abs=0.7)  # estimated, not known)


@pytest.mark.parametrize("top", [True, False])
@pytest.mark.parametrize("hold_after", [3.0, 4.0])
@pytest.mark.parametrize("quick", [1, 2, 3, 4])
def test_a_hold_just_after_slow_breathing_speeds_up_is_warned_on_time(quick, hold_after, top):
    """Slow breathing (6 s in, 9 s out), then ``quick`` breaths at 12/min and a breath held
    at the top (bracing to lift) or at the bottom: the slow turns must not be predicted on
    into the quick breathing (their spans hid such holds for 8-15 s, or until breathing
    went on; a turn predicted before the quick breaths, and not dropped at their turns,
    held a hold at the bottom back by 2 s). At the bottom, after a breath out, stillness
    is a hold only from REST_MIN_S (4 s) on."""
    slow, _ = breathing(120, rate_bpm=4, fs=50, inhale_frac=0.4, noise=0.01)
    fast, peaks = breathing(quick * 5.0 + 3.0, rate_bpm=12, fs=50, inhale_frac=0.4,
                            noise=0.01, seed=2, t0=120.0)
    stop = peaks[quick] if top else 120.0 + quick * 5.0  # the next top, or this bottom
    rng = random.Random(5)
    hold = [(stop + i / 50, (1.0 if top else 0.0) + rng.gauss(0, 0.01)) for i in range(10 * 50)]
    samples = slow + [(t, x) for t, x in fast if t < stop] + hold
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    events = []
    for t, x in samples:
        if t >= 120.0 and an.hold_after_s != hold_after:
            an.set_hold_after(hold_after)  # the next exercise's threshold
        events.extend(an.feed(t, (x,)))
    holds = [e for e in events if isinstance(e, Hold) and e.at > stop - 1.0]
    assert len(holds) == 1
    assert holds[0].at - stop == pytest.approx(hold_after if top else max(hold_after, 4.0),
                                               abs=0.6)


@pytest.mark.parametrize("inhale_s,exhale_s,rest_s,hold_after", [
    (4.0, 6.0, 2.0, 3.0), (4.0, 6.0, 3.0, 3.0), (5.0, 7.5, 3.0, 4.0), (6.0, 9.0, 3.0, 4.0),
    (6.0, 9.0, 0.0, 4.0), (8.0, 12.0, 0.0, 4.0)])
def test_slow_turns_only_hold_warnings_back(inhale_s, exhale_s, rest_s, hold_after,
                                            monkeypatch):
    """Slow breathing, phases varying by 10 %, with or without a rest at the bottom, no
    hold at all: with the patient's own slow turns there are never more warnings than
    without them (a review found a rest after each breath warned 3-6 times in 4 minutes)."""
    from synth import varied

    from feedback.analysis.holds import HoldJudge

    found = []

    def warnings(seed):
        samples, _ = varied(24, inhale_s, exhale_s, rest_s, seed=seed)
        an = BreathAnalyzer(["belly"], hold_after_s=hold_after)
        events = run(an, samples)
        found.append(len(breaths(events)))
        return len([e for e in events if isinstance(e, Hold)])

    seeds = (1, 2, 3, 4)
    with_turns = [warnings(seed) for seed in seeds]
    assert min(found) >= 22  # of 24: the breathing itself is followed
    monkeypatch.setattr(HoldJudge, "slow_turn", lambda *args: None)
    without = [warnings(seed) for seed in seeds]
    assert all(a <= b for a, b in zip(with_turns, without, strict=True))
    if inhale_s + exhale_s >= 15.0:  # the slow ones: nearly all of them gone
        assert sum(with_turns) <= 4 < 20 <= sum(without)


def test_a_brace_while_a_pacer_runs_is_warned_as_the_pacer_alone_would(monkeypatch):
    """The pacer runs 8 s in, 12 s out; the patient keeps breathing 6/9 and braces for 8 s
    somewhere in a breath (24 places). The pacer's still spans apply, and the patient's
    own slow turns add nothing to them: every brace is warned while it lasts, with the
    turns as with the pacer's spans alone (chained, the turns once kept 14 of 48 such
    braces from being warned)."""
    from feedback.analysis.holds import HoldJudge

    base, _ = breathing(120, rate_bpm=4, fs=50, inhale_frac=0.4, noise=0.01)
    pacer = Pacer(Pattern(8.0, 0.0, 12.0, 0.0), t0=0.0)

    def missed():
        count = 0
        for k in range(24):
            stop = 90.0 + k * 15.0 / 24
            pre = [(t, x) for t, x in base if t < stop]
            rng = random.Random(k)
            hold = [(stop + i / 50, pre[-1][1] + rng.gauss(0, 0.01)) for i in range(8 * 50)]
            events = _paced(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold, pacer)
            count += not [e for e in events if isinstance(e, Hold) and stop - 1 < e.at < stop + 8]
        return count

    assert missed() == 0
    monkeypatch.setattr(HoldJudge, "slow_turn", lambda *args: None)
    assert missed() == 0


@pytest.mark.parametrize("rate", [12.0, 7.5])
def test_quick_breathing_announces_no_turns(rate):
    """At 12/min, or 7.5/min (a calm rhythm, its turns still within a tenth of a breath for
    only 2.4 s, not 3 s: TURN_SHARE x hold_after_s), a turn is never still for long: a
    hold at the top is warned at hold_after_s, not later (the turns of slow breaths are
    announced, HoldJudge.turned)."""
    pre, peaks = breathing(60, rate_bpm=rate, fs=50, noise=0.005)
    stop = peaks[-1]
    pre = [(t, x) for t, x in pre if t < stop]
    rng = random.Random(8)
    hold = [(stop + i / 50, 1.0 + rng.gauss(0, 0.005)) for i in range(8 * 50)]
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    holds = [e for e in run(an, pre + hold) if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - stop == pytest.approx(4.0, abs=0.3)
    assert not [p for p in an._judge._pauses if p[2]]


@pytest.mark.parametrize("top", [True, False])
def test_a_hold_in_slow_paced_breathing_is_still_found(top):
    """A hold at the pacer's turn counts from the end of its still span: at most a fifth
    of the next phase later than at the default."""
    inhale_s, exhale_s = 6.0, 9.0
    pre, peaks = breathing(75, rate_bpm=4.0, fs=50, inhale_frac=0.4, noise=0.01)
    stop = peaks[-1] if top else peaks[-1] + exhale_s  # at a top, or at the bottom after it
    pre = [(t, x) for t, x in pre if t < stop]
    level = 1.0 if top else 0.0
    rng = random.Random(4)
    # held for one whole cycle of the pacer, then in step with it again
    hold = [(stop + i / 50, level + rng.gauss(0, 0.01)) for i in range(15 * 50)]
    post, _ = breathing(30, rate_bpm=4.0, fs=50, inhale_frac=0.4, noise=0.01, seed=2,
                        t0=stop + 15.0 - (0.0 if not top else inhale_s))
    post = [(t, x) for t, x in post if t >= stop + 15.0]
    pacer = Pacer(Pattern(inhale_s, 0.0, exhale_s, 0.0), t0=0.0)
    events = _paced(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold + post, pacer)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    later = 0.2 * (exhale_s if top else inhale_s)  # the still span after the turn
    # (the patient's own rhythm predicts the turn too, a few tenths later or earlier)
    assert stop - 2.5 <= holds[0].t <= stop + later + 0.4
    assert holds[0].at - stop == pytest.approx(4.0 + later, abs=0.7)


def _held_after_breathing(still_s):
    """40 s of breathing (12/min), then the breath held for ``still_s`` (only noise): the
    samples before, the stop and the held samples."""
    pre, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    stop, level = pre[-1]
    rng = random.Random(3)
    still = [(stop + (i + 1) / 50, level + rng.gauss(0, 0.005)) for i in range(still_s * 50)]
    return pre, stop, still


def test_stillness_before_a_new_exercise_does_not_count_towards_a_hold():
    pre, stop, still = _held_after_breathing(12)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    events = run(an, pre + still[:150])  # 3 s still, then the next exercise starts
    an.holds_from(stop + 3.0)
    events += run(an, still[150:])
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(stop + 3.0, abs=0.05)
    assert holds[0].at == pytest.approx(stop + 7.0, abs=0.1)


def test_a_hold_judged_while_warnings_were_off_ends_when_they_come_on():
    # A breath held through the end of a squat exercise (no warnings there) and on into
    # the next exercise: the hold judged meanwhile ends as warnings come on, and held on,
    # it is a new hold, warned hold_after_s later. Breathing, nothing ends.
    pre, stop, still = _held_after_breathing(16)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    assert an.holds_from(20.0) == []  # breathing: no hold to end
    events = run(an, pre + still[:400])  # held 8 s: judged a hold after 4
    assert sum(isinstance(e, Hold) for e in events) == 1
    assert an.holds_from(stop + 8.0) == [HoldEnd(at=stop + 8.0, t=stop + 8.0)]
    assert an.snapshot().phase != "hold"
    events = run(an, still[400:])
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(stop + 8.0, abs=0.05)
    assert holds[0].at == pytest.approx(stop + 12.0, abs=0.1)
    assert an.holds_from(stop + 17.0) == [HoldEnd(at=stop + 17.0, t=stop + 17.0)]


def test_inhale_exhale_durations_and_ratio():
    samples, _ = breathing(120, rate_bpm=6, fs=50, inhale_frac=0.3, noise=0.01)
    events = run(BreathAnalyzer(["belly"]), samples)
    last = breaths(events)[-3:]
    for b in last:
        assert b.inhale_s == pytest.approx(3.0, abs=1.0)
        assert b.exhale_s == pytest.approx(7.0, abs=1.0)
        assert b.ratio > 1.5


@pytest.mark.parametrize("rate,ratio,pause", [(6, 0.7, 0.0), (15, 0.7, 0.0), (8, 1.0, 0.0),
                                              (12, 1.0, 1.0), (6, 2.0, 1.0), (12, 2.0, 1.0),
                                              (20, 1.5, 0.0), (5, 2.5, 2.0)])
def test_the_ratio_of_rounded_breaths_is_measured_from_where_each_movement_starts(
        rate, ratio, pause):
    """Volume leaves a rounded bottom slowly: the plateau's end is about a tenth of the
    inhale late, and an exhale shorter than the inhale read near 1 (0.7 read 0.93, 1:1
    read 1.2). Measured from where each movement starts, the ratio is right (the pause
    at the bottom counts as exhale), whatever the rate, shape and smoothing."""
    period = 60.0 / rate
    frac = 1.0 / (1.0 + ratio)
    samples, _ = breathing(150, rate_bpm=rate, fs=50, inhale_frac=frac, pause_s=pause,
                           noise=0.005, seed=rate)
    inhale = frac * (period - pause)
    want = (period - inhale) / inhale
    got = statistics.median(b.ratio for b in breaths(run(BreathAnalyzer(["belly"]), samples))
                            if b.start > 40)
    assert abs(got - want) < 0.08 * want, (got, want)


def _paused_breaths(bump=0.0, shoulder=0.0, seconds=200.0):
    """2 s in, 3 s out, 2 s pause (ratio 2.5 with the pause), at 50 Hz. ``bump``: a
    cardiac-like bump of that height in the pause, 0.3 s before the inhale; ``shoulder``:
    instead, the belt steps up by that much 0.6 s before the inhale and stays there."""
    out = []
    for i in range(int(seconds * 50)):
        ph = (i / 50) % 7.0
        if ph < 2.0:
            v = shoulder + (1 - shoulder) * (0.5 - 0.5 * math.cos(math.pi * ph / 2.0))
        elif ph < 5.0:
            v = 0.5 + 0.5 * math.cos(math.pi * (ph - 2.0) / 3.0)
        elif shoulder:
            x = min(max((ph - 6.4) / 0.2, 0.0), 1.0)
            v = shoulder * (0.5 - 0.5 * math.cos(math.pi * x))
        else:
            x = ph - 6.3
            v = bump * math.sin(math.pi * x / 0.4) if 0.0 <= x < 0.4 else 0.0
        out.append((i / 50, v))
    return out


@pytest.mark.parametrize("bump", [0.06, 0.1])
def test_a_bump_in_the_pause_is_not_where_the_inhale_began(bump):
    """Ripple in an end-expiratory pause goes above the 3 % level: the start of the rise
    is sought from the 3 % point next to its 12 % point, not from the bump before it."""
    got = statistics.median(b.ratio for b in breaths(run(BreathAnalyzer(["belly"]),
                                                         _paused_breaths(bump=bump)))
                            if b.start > 40)
    assert abs(got - 2.5) < 0.06 * 2.5, got


@pytest.mark.parametrize("shoulder", [0.04, 0.06, 0.1])
def test_a_rise_that_is_no_square_law_keeps_its_turn_time(shoulder):
    """A step up before the rise (ripple merging into it, as on BIDMC's long bottoms):
    extrapolated back as a square law its start lay deep in the pause (ratio about 1.1).
    The rise from there is no square law, so the turn time is kept: the inhale starts no
    earlier than the step (ratio 4.4 / 2.6 = 1.69 if it starts there, 2.5 if not)."""
    got = statistics.median(b.ratio for b in breaths(run(BreathAnalyzer(["belly"]),
                                                         _paused_breaths(shoulder=shoulder)))
                            if b.start > 40)
    assert 0.85 * 4.4 / 2.6 < got < 1.05 * 2.5, got


def test_creep_in_a_hold_is_not_where_the_next_inhale_began():
    """A 10 s hold after an exhale, the belt creeping up by 15 % of a breath meanwhile,
    then 2 s in, 3.5 s out, 0.5 s pause. The trough lies early in the hold; the creep
    from there is no start of a rise (it took seconds off the next exhale: 1.2 s for 4)."""
    rng = random.Random(1)
    samples = []
    for i in range(130 * 50):
        t = i / 50
        if 66.0 <= t < 76.0:
            v = 0.15 * (t - 66.0) / 10.0
        else:
            ph = (t if t < 66.0 else t - 10.0) % 6.0
            v = (0.5 - 0.5 * math.cos(math.pi * ph / 2.0) if ph < 2.0 else
                 0.5 + 0.5 * math.cos(math.pi * (ph - 2.0) / 3.5) if ph < 5.5 else 0.0)
            if t >= 76.0:
                v += 0.15 * (1 - min((t - 76.0) / 6.0, 1.0))
        samples.append((t, 1.8 + 0.1 * (v + 0.03 * math.sin(2 * math.pi * 1.2 * t)
                                         + rng.gauss(0, 0.005))))
    found = [b for b in breaths(run(BreathAnalyzer(["belly"]), samples)) if b.start > 20.0]
    assert len(found) >= 14  # of 15
    for b in found:
        assert b.exhale_s > 0.9 * (b.end - b.peak), b  # never cut by a long lead
        assert b.inhale_s < (b.peak - b.start) + 0.6, b


def test_with_cardiac_ripple_a_patient_following_the_pacer_is_not_told_to_exhale_longer():
    """1.2 s in / 1.8 s out (1:1.5), ripple of 6 % of the breath at 100/min: the rise's
    start and the top cannot both be found under the ripple, and then neither is used
    (the start alone read 0.96, and every breath was below the cue's 75 % of 1.5)."""
    pacer = Pacer(Pattern(1.2, 0, 1.8, 0), 0.0)
    rng = random.Random(2)
    samples = [(i / 50, 1.8 + 0.1 * (pacer.level(i / 50) + 0.06 * math.sin(
        2 * math.pi * 100 / 60 * i / 50) + rng.gauss(0, 0.005))) for i in range(200 * 50)]
    got = [b.ratio for b in breaths(run(BreathAnalyzer(["belly"]), samples)) if b.start > 60]
    assert len(got) >= 43  # of 46
    assert sum(r < 0.75 * 1.5 for r in got) <= 0.1 * len(got)


def test_the_smoothing_spread_is_the_low_pass_s_own():
    """``spread`` (what the low-pass adds to a square-law start, turns.py) from its
    closed form equals the variance of the front end's impulse response about its delay
    (with a time constant long against its steps, which add about delay x step)."""
    fe = FrontEnd()
    fe.tau = 2.0
    out = []
    for i in range(4000):  # an impulse; samples 50 ms apart, each closes a block
        if fe.push(i * 0.05, 20.0 if i == 100 else 0.0):
            out.append((fe.t, fe.y))
    w = [(t - 5.0, y) for t, y in out if t >= 4.99]
    total = sum(y for _, y in w)
    mean = sum(t * y for t, y in w) / total
    var = sum((t - mean) ** 2 * y for t, y in w) / total
    assert mean == pytest.approx(fe.delay, rel=0.02)
    assert var == pytest.approx(spread(fe.delay), rel=0.05)
    assert var == pytest.approx(spread(fe.delay) + fe.delay * 0.05, rel=0.01)


def test_paced_breathing_with_the_pacers_pause_is_not_a_hold():
    samples, peaks = breathing(120, rate_bpm=5, fs=50, inhale_frac=0.4, pause_s=2.5,
                               noise=0.01)
    an = BreathAnalyzer(["belly"])
    for k in range(10):  # the pacer announces each 2.5 s pause after the exhale
        an.planned_pause(k * 12.0 + 9.5, (k + 1) * 12.0)
    events = run(an, samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), peaks[1:]) >= len(peaks) - 2


def test_paced_breathing_with_end_expiratory_pause_is_not_a_hold():
    # Unannounced: a half-cosine breath at 5/min dwells over 1.5 s near its bottom, so with
    # the 2.5 s pause every rest is still for more than 4 s. The rest is learned from the
    # first breaths (before calibration ends), so none of them is warned.
    samples, peaks = breathing(120, rate_bpm=5, fs=50, inhale_frac=0.4, pause_s=2.5,
                               noise=0.01)
    events = run(BreathAnalyzer(["belly"]), samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), peaks[1:]) >= len(peaks) - 2


def test_scale_offset_and_uneven_sampling_do_not_matter():
    a, peaks = breathing(80, rate_bpm=12, fs=40, noise=0.01, seed=3)
    b = [(t, 5e4 + 1234.0 * x) for t, x in breathing(80, rate_bpm=12, fs=40, noise=0.01,
                                                      seed=3, jitter=0.6)[0]]
    ea = run(BreathAnalyzer(["belly"]), a)
    eb = run(BreathAnalyzer(["belly"]), b)
    late = [p for p in peaks if 12 < p < 75]
    assert matched(exhales(ea), late) == len(late)
    assert matched(exhales(eb), late) == len(late)


def test_inverted_belt_with_flag_and_with_auto():
    samples, peaks = breathing(90, rate_bpm=10, fs=50, inhale_frac=0.3, noise=0.01)
    flipped = [(t, -x) for t, x in samples]
    late = [p for p in peaks if 40 < p < 85]
    fixed = run(BreathAnalyzer(["belly"], polarity="inverted"), flipped)
    assert matched(exhales(fixed), late) == len(late)
    an = BreathAnalyzer(["belly"], polarity="auto")
    assert an.inverted == (False,)
    auto = run(an, flipped)
    assert matched(exhales(auto), late) == len(late)
    assert an.inverted == (True,)
    normal = run(BreathAnalyzer(["belly"], polarity="normal"), flipped)
    assert matched(exhales(normal), late) == 0  # peaks of -x are the troughs


def test_hold_with_creep_is_detected_once_with_its_start():
    pre, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    t_stop = pre[-1][0]
    level = pre[-1][1]
    hold = [(t_stop + (i + 1) / 50, level + 0.01 * (i / 50)) for i in range(12 * 50)]
    post, _ = breathing(20, rate_bpm=12, fs=50, noise=0.005, t0=hold[-1][0] + 0.02,
                        seed=2)
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold + post)
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 1 and len(ends) == 1
    assert holds[0].t == pytest.approx(t_stop, abs=1.5)
    assert holds[0].at - holds[0].t == pytest.approx(4.0, abs=0.1)
    assert hold[-1][0] - 0.5 < ends[0].t < hold[-1][0] + 3.0
    assert not [e for e in events if isinstance(e, Fault)]


@pytest.mark.parametrize("start", [50.0, 52.0, 54.0, 56.0])
@pytest.mark.parametrize("gap", [5.0, 15.0, 30.0])
def test_a_gap_in_the_samples_is_neither_a_hold_nor_part_of_a_breath(gap, start):
    """The sensor does not answer for ``gap`` seconds (an I2C outage) while the patient
    breathes calmly at 7.5/min: what came between is unknown. Before, a gap of 10 s or
    more was stillness (a hold warned when the samples came back, at the 8 s of a lying
    exercise) and one breath spanned it (a 31 s exhale after a 30 s gap)."""
    samples, _ = breathing(140, rate_bpm=7.5, fs=50, noise=0.003)
    kept = [(t, x) for t, x in samples if not start <= t < start + gap]
    events = run(BreathAnalyzer(["belly"], hold_after_s=8.0), kept)
    assert not [e for e in events if isinstance(e, Hold | HoldEnd)]
    got = breaths(events)
    assert all(b.end <= start or b.start >= start + gap for b in got)
    assert not [e for e in events if isinstance(e, Inhale | Exhale)
                and start < e.t < start + gap]
    after = [b for b in got if b.start >= start + gap]
    assert len(after) >= (140 - start - gap) // 8 - 2  # breathing is followed again
    assert all(b.exhale_s == pytest.approx(4.8, abs=0.6) for b in after[1:])


@pytest.mark.parametrize("gap", [2.0, 5.0, 10.0])
def test_a_level_step_across_a_gap_is_no_noisy_belt(gap):
    """The belt settles two breaths higher while no samples come (the patient moved during
    an outage): the step is no noise (a `noisy` fault came 2 s after the samples did)."""
    samples, _ = breathing(140, rate_bpm=12, fs=50, noise=0.005)
    kept = [(t, x + (2.0 if t >= 60.0 + gap else 0.0)) for t, x in samples
            if not 60.0 <= t < 60.0 + gap]
    events = run(BreathAnalyzer(["belly"], hold_after_s=8.0), kept)
    assert not [e for e in events if isinstance(e, Fault)]
    assert len([b for b in breaths(events) if b.start > 60.0 + gap]) >= 10


@pytest.mark.parametrize("start", [54.3, 55.0, 55.7, 56.4, 57.1])
@pytest.mark.parametrize("moved", [False, True])
def test_a_hold_goes_on_across_a_short_gap_unless_the_belt_moved(moved, start):
    """Held from 40 s, no samples for 1 s from ``start``: the hold goes on if the belt is
    where it was, and ends at once if it is half a breath away, wherever the gap falls
    against the band the stillness clock re-anchors every 3 s during a hold (before, in
    about a third of the places the jump across the gap was never compared)."""
    pre, _ = breathing(40, rate_bpm=7.5, fs=50, noise=0.003)
    level = pre[-1][1]
    hold = [(t, level + (0.5 if moved and t >= start + 1.0 else 0.0) + 0.003 * math.sin(i))
            for i in range(30 * 50) for t in [40.0 + i / 50]
            if not start <= t < start + 1.0]
    events = run(BreathAnalyzer(["belly"], hold_after_s=8.0), pre + hold)
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert holds[0].at < start
    if moved:
        assert ends and ends[0].at < start + 1.3 and ends[0].t >= start + 1.0
    else:
        assert len(holds) == 1 and not ends


def _held_from_40(gap_at=None, gap=0.0, top=False):
    """Calm breathing at 7.5/min, then held from 40 s (at the bottom of the breath, or
    with ``top`` after the next inhale, 43.2 s); no samples for ``gap`` seconds from
    ``gap_at`` s into the hold. The Hold events."""
    pre, _ = breathing(43.2 if top else 40, rate_bpm=7.5, fs=50, noise=0.003)
    t_stop, level = pre[-1]
    hold = [(t, level + 0.003 * math.sin(i)) for i in range(30 * 50)
            for t in [t_stop + (i + 1) / 50]
            if gap_at is None or not gap_at <= t - t_stop < gap_at + gap]
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold)
    return [e for e in events if isinstance(e, Hold)]


@pytest.mark.parametrize("gap_at", [0.5, 1.5, 2.5, 3.3])
@pytest.mark.parametrize("gap", [0.6, 1.0, 2.4])
def test_stillness_before_a_short_gap_counts_towards_a_hold(gap, gap_at):
    """Held after breathing in (a brace), no samples for ``gap`` s (shorter than
    HELD_GAP_S) before it became a hold: warned the gap's length later than without it,
    with the same start. Before, stillness started again after the gap: warned up to
    ``hold_after_s`` later."""
    [plain] = _held_from_40(top=True)
    [held] = _held_from_40(gap_at, gap, top=True)
    assert held.t == pytest.approx(plain.t, abs=0.05)  # when breathing really stopped
    assert held.at == pytest.approx(plain.at + gap, abs=0.3)


@pytest.mark.parametrize("gap_at", [0.5, 2.5])
@pytest.mark.parametrize("gap", [1.0, 2.4])
def test_stillness_at_the_bottom_starts_again_after_a_gap(gap, gap_at):
    """Held at the bottom of the breath, where people rest: the gap may have hidden a
    breath between two rests (paused, they added up to false holds), so stillness counts
    afresh after it, and the hold is warned ``hold_after_s`` after the gap."""
    [held] = _held_from_40(gap_at, gap)
    t_back = 40.0 + gap_at + gap
    assert held.t == pytest.approx(t_back, abs=0.3)
    assert held.at == pytest.approx(t_back + 4.0, abs=0.3)


@pytest.mark.parametrize("gap", [2.5, 4.0])
def test_stillness_starts_again_after_a_long_gap(gap):
    """A gap of HELD_GAP_S or more says nothing: stillness counts from its end, also in
    the judgement (the low-pass starts afresh there without its delay; counted from its
    delay before, the warning came 0.2 s early)."""
    [held] = _held_from_40(1.0, gap)
    t_back = 40.0 + 1.0 + gap
    assert held.t == pytest.approx(t_back, abs=0.05)
    assert held.at == pytest.approx(t_back + 4.0, abs=0.1)


@pytest.mark.parametrize("inhale, exhale, rest", [
    (6.0, 9.0, 0.0), (4.0, 6.0, 0.0), (2.0, 3.0, 0.0), (1.2, 1.8, 0.0),  # 4-20/min
    (3.8, 5.7, 2.5), (3.2, 4.8, 2.0),  # slow, with an end-expiratory pause
    (1.0, 1.5, 2.5), (0.6, 0.9, 2.5), (1.0, 1.5, 1.5),  # 12-15/min, long rests
])
def test_a_short_gap_at_any_phase_of_calm_breathing_is_no_hold(inhale, exhale, rest):
    """No samples for 0.6-2.4 s, wherever in the breath the gap falls: the stillness
    before it and after it, with the gap's own seconds left out, is no hold (the belt is
    measured across it, its band does not creep meanwhile, and a turn seen before the
    gap is not moved to its end, where the next slow turn was predicted late: 21 of 300
    gaps in 4/min breathing gave a hold). A gap in which a quick breath fits does not
    join the rests on either side of it (at 12-15/min with rests of 2.5 s they made a
    hold)."""
    samples, _ = varied(26, inhale, exhale, rest, spread=0.0, noise=0.01)
    period = inhale + exhale + rest
    base = 60.0 - 60.0 % period + period  # a breath starting after calibration
    samples = [s for s in samples if s[0] < base + 3.0 * period]
    step = 0.5 if period > 5.0 else 0.25
    for gap in (0.6, 1.5, 2.4):
        for k in range(int(period / step)):
            g0 = base + step * k
            events = run(BreathAnalyzer(["belly"]),
                         [s for s in samples if not g0 <= s[0] < g0 + gap])
            assert not [e for e in events if isinstance(e, Hold)], (gap, g0)
            assert [t for t in exhales(events) if t > g0 + gap], (gap, g0)  # followed on


@pytest.mark.parametrize("inhale, top, exhale", [(1.0, 1.5, 1.5), (1.0, 2.0, 2.0)])
def test_a_gap_between_two_pauses_at_the_top_is_no_hold(inhale, top, exhale):
    """A patient who pauses at the top of each breath (such rests are not learned, as
    those at the bottom are), and a gap that hides the breath out and the next one in:
    the two pauses, joined across the gap, made a hold (5 in 672 runs). The stillness so
    far is taken off the breath's movement, so a breath fits in the gap and it counts
    afresh."""
    rng = random.Random(3)
    period = inhale + top + exhale

    def level(t):
        ph = t % period
        if ph < inhale:
            return 0.5 - 0.5 * math.cos(math.pi * ph / inhale)
        if ph < inhale + top:
            return 1.0
        return 0.5 + 0.5 * math.cos(math.pi * (ph - inhale - top) / exhale)

    samples = [(k / 50, level(k / 50) + rng.gauss(0, 0.01)) for k in range(110 * 50)]
    base = 90.0 - 90.0 % period + period
    for gap in (1.6, 2.0, 2.4):
        for k in range(int(period / 0.25)):
            g0 = base + 0.25 * k
            events = run(BreathAnalyzer(["belly"]),
                         [x for x in samples if not g0 <= x[0] < g0 + gap])
            assert not [e for e in events if isinstance(e, Hold)], (gap, g0)
            assert [t for t in exhales(events) if t > g0 + gap], (gap, g0)  # followed on


def test_a_hold_through_a_gap_in_the_samples_ends_there_and_is_warned_again():
    """Held from 40 s to 80 s, no samples from 55 to 60 s: warned at 48 s, ended where
    the samples stopped, and warned again 8 s after they came back (the breath is
    still held); the gap itself never counts as stillness."""
    pre, _ = breathing(40, rate_bpm=7.5, fs=50, noise=0.003)
    level = pre[-1][1]
    hold = [(40.0 + i / 50, level + 0.003 * math.sin(i)) for i in range(40 * 50)
            if not 55.0 <= 40.0 + i / 50 < 60.0]
    post, _ = breathing(30, rate_bpm=7.5, fs=50, noise=0.003, t0=80.0, seed=2)
    events = run(BreathAnalyzer(["belly"], hold_after_s=8.0), pre + hold + post)
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 2 and len(ends) == 2, [(type(e).__name__, e.at) for e in events
                                                if isinstance(e, Hold | HoldEnd)]
    assert holds[0].at < 55.0 and ends[0].at == pytest.approx(60.0, abs=0.05)
    assert ends[0].t == pytest.approx(55.0, abs=0.05)
    assert holds[1].at == pytest.approx(68.0, abs=1.0) and holds[1].t >= 60.0
    assert 80.0 <= ends[1].at < 86.0


def test_a_long_sagging_hold_with_a_swallow_is_one_hold_until_breathing_resumes():
    """A breath held in for 30 s: the chest sags slowly (0.025 amplitudes per second, under
    the creep allowance) and a swallow dips it by 0.15 amplitudes, less than END_BAND, 12 s
    in. One hold, not ended by the swallow; the band is re-anchored every WINDOW_S, so the
    first breath after the hold (from the sagged level) still ends it during its inhale."""
    pre, _ = breathing(37.0, rate_bpm=12, fs=50, noise=0.005)  # ends at the top of a breath
    t_stop, level = pre[-1]
    rng = random.Random(4)
    sag = 0.025

    def swallow(t):
        u = (t - t_stop - 12.0) / 0.6
        return -0.15 * math.sin(math.pi * u) if 0.0 <= u <= 1.0 else 0.0

    hold = [(t, level - sag * (t - t_stop) + swallow(t) + rng.gauss(0, 0.005))
            for t in (t_stop + (i + 1) / 50 for i in range(30 * 50))]
    resume = hold[-1][0] + 0.02
    post, _ = breathing(20, rate_bpm=12, fs=50, noise=0.005, t0=resume, seed=2,
                        offset=level - sag * (resume - t_stop))  # 12/min: a 2 s inhale
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold + post)
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 1 and len(ends) == 1
    assert holds[0].t == pytest.approx(t_stop, abs=0.6)
    assert holds[0].at - holds[0].t == pytest.approx(4.0, abs=0.1)
    assert resume < ends[0].at < resume + 2.0
    assert not [e for e in events if isinstance(e, Fault)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_hold_on_a_shallow_noisy_signal_is_found_once_and_on_time(seed):
    """Shallow 30/min breaths (0.25 units) on a 10 Hz ADC with noise of 0.02 units per
    sample: 8 % of a breath, so 4 x the noise is about four times BAND x the amplitude. The
    breaths are still clear; the band's noise floor keeps the noise inside it, so the
    stop is seen where it happened and warned hold_after_s later, once."""
    amp, noise, fs = 0.25, 0.02, 10
    pre, peaks = breathing(40, rate_bpm=30, fs=fs, amp=amp, noise=noise, seed=seed)
    t_stop, _ = pre[-1]  # the end of a breath out
    rng = random.Random(seed + 10)
    still = [(t_stop + (i + 1) / fs, rng.gauss(0, noise)) for i in range(12 * fs)]
    resume = still[-1][0] + 1 / fs
    post, _ = breathing(20, rate_bpm=30, fs=fs, amp=amp, noise=noise, t0=resume,
                        seed=seed + 20)
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + still + post)
    assert not [e for e in events if isinstance(e, Fault)]
    late = [p for p in peaks if p > 15.0]
    assert matched(exhales(events), late) == len(late)
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 1 and len(ends) == 1
    assert holds[0].t == pytest.approx(t_stop, abs=0.6)
    assert holds[0].at - holds[0].t == pytest.approx(4.0, abs=1.5 / fs)
    assert resume < ends[0].at < resume + 2.0  # within the first breath


def test_breathing_again_after_a_long_hold_with_cardiac_ripple_is_no_fault():
    """During a long hold the turn detector's running amplitude shrinks to the ripple; the
    first breaths after it must not look like a jump (disconnected) or like noise."""
    pre, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    t_stop, level = pre[-1]
    hold = [(t_stop + (i + 1) / 50, level + 0.03 * math.sin(2 * math.pi * 1.2 * i / 50))
            for i in range(25 * 50)]
    post, peaks = breathing(40, rate_bpm=12, fs=50, noise=0.005, t0=hold[-1][0] + 0.02,
                            seed=2)
    events = run(BreathAnalyzer(["belly"]), pre + hold + post)
    assert not [e for e in events if isinstance(e, Fault)]
    assert len([e for e in events if isinstance(e, Hold)]) == 1
    late = [p for p in peaks if p > hold[-1][0] + 10.0]
    assert matched(exhales(events), late) >= len(late) - 1


def test_two_belts_in_a_long_hold_with_cardiac_ripple_and_noise_are_no_noisy_fault():
    """Two belts, each with its own noise, held 40 s with a little cardiac ripple: each
    belt's own running amplitude shrinks to the ripple (it follows what it sees), so its
    faults are judged against its breath as calibrated. One hold, warned until the breath
    comes back; no fault; the breaths after it are found."""
    rng = random.Random(1)
    pre, _ = breathing(40, rate_bpm=12, fs=50)
    t_stop, level = pre[-1]
    hold = [(t_stop + (i + 1) / 50, level + 0.01 * math.sin(2 * math.pi * 1.2 * i / 50))
            for i in range(40 * 50)]
    post, peaks = breathing(40, rate_bpm=12, fs=50, t0=hold[-1][0] + 0.02, seed=2)
    both = [(t, (1.83 + 0.05 * x + rng.gauss(0, 0.00025), 1.6 + 0.03 * x + rng.gauss(0, 0.00015)))
            for t, x in pre + hold + post]
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    assert not [e for e in events if isinstance(e, Fault)]
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 1 and len(ends) == 1
    assert ends[0].t == pytest.approx(hold[-1][0], abs=1.0)
    late = [p for p in peaks if p > hold[-1][0] + 10.0]
    assert matched(exhales(events), late) >= len(late) - 1


def test_slow_exhale_still_moving_is_not_a_hold():
    samples, _ = breathing(120, rate_bpm=6, fs=25, inhale_frac=0.25, noise=0.005)
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert len(breaths(events)) >= 10  # of 12: each slow breath is followed


def test_planned_pause_is_not_a_hold_and_the_clock_starts_at_its_end():
    pre, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    t_stop = pre[-1][0]
    level = pre[-1][1]
    still = [(t_stop + (i + 1) / 50, level) for i in range(10 * 50)]
    still = [(t, x + 0.002 * math.sin(40 * t)) for t, x in still]
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    an.planned_pause(t_stop, t_stop + 5.0)
    events = run(an, pre + still)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t >= t_stop + 5.0 - 0.1
    assert holds[0].at >= t_stop + 9.0 - 0.1


def _stop_then_still(seconds, at_top):
    """Calm breathing, then the breath stops (at the top of an inhale or the end of an
    exhale) and stays still with a little noise. Returns (samples, stop time)."""
    # 12/min with inhale_frac 0.4: peaks at 2 s + k x 5 s, breaths end at k x 5 s.
    pre, _ = breathing(37.0 if at_top else 40.0, rate_bpm=12, fs=50, noise=0.005)
    t_stop, level = pre[-1]
    rng = random.Random(4)
    still = [(t_stop + (i + 1) / 50, level + rng.gauss(0, 0.005)) for i in range(seconds * 50)]
    return pre + still, t_stop


@pytest.mark.parametrize("at_top", [True, False])
@pytest.mark.parametrize("offset", [1.8, 2.5, 3.5])
def test_a_hold_that_began_clearly_before_a_planned_pause_keeps_counting(at_top, offset):
    """The pacer's pause comes while the patient is already holding (e.g. held at the top
    of an inhale while the pacer went on to exhale): the pause must not restart the clock."""
    samples, t_stop = _stop_then_still(10, at_top)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    an.planned_pause(t_stop + offset, t_stop + offset + 1.0)
    holds = [e for e in run(an, samples) if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(t_stop, abs=0.6)
    assert holds[0].at <= t_stop + 4.5


@pytest.mark.parametrize("at_top", [True, False])
@pytest.mark.parametrize("offset", [-0.9, -0.3, 0.0, 0.4, 0.8])
def test_stillness_that_begins_with_the_pacers_pause_counts_from_its_end(at_top, offset):
    """The patient follows the pacer into its pause up to about 1 s early or late: that
    stillness is the pacer's, and the hold clock starts only when the pause ends."""
    samples, t_stop = _stop_then_still(10, at_top)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    start, end = t_stop + offset, t_stop + offset + 2.0
    an.planned_pause(start, end)
    holds = [e for e in run(an, samples) if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(end, abs=0.05)
    assert end + 4.0 - 0.1 <= holds[0].at <= end + 4.5


def test_pauses_long_past_are_forgotten_but_those_ahead_are_kept():
    samples, _ = breathing(200, rate_bpm=12, fs=25, noise=0.005)
    an = BreathAnalyzer(["belly"])
    an.planned_pause(150.0, 151.0)  # announced ahead
    run(an, samples[: 100 * 25])
    for k in range(100):  # one a second, as a long session would
        an.planned_pause(k + 0.5, k + 1.0)
    assert len(an._judge._pauses) < 70  # of 101: those ended over 64 s ago are gone
    assert (150.0, 151.0) in [p[:2] for p in an._judge._pauses]


def test_paced_breathing_following_the_pacer_early_or_late_gives_no_hold():
    """Breaths of 5/min whose 2.5 s pause starts up to 0.8 s before or after the pacer's:
    the rounded end of the slow exhale must not count as stillness before the pause."""
    samples, peaks = breathing(120, rate_bpm=5, fs=50, inhale_frac=0.4, pause_s=2.5,
                               noise=0.01)
    rng = random.Random(2)
    an = BreathAnalyzer(["belly"])
    for k in range(10):
        shift = rng.uniform(-0.8, 0.8)
        an.planned_pause(k * 12.0 + 9.5 + shift, (k + 1) * 12.0 + shift)
    events = run(an, samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), peaks[1:]) >= len(peaks) - 2


def _steady_then_paced(pause_s):
    """40 s of 12/min breathing without any rest at the bottom (so the learned rest is 0),
    then 5/min paced breathing with ``pause_s`` still at the bottom of every breath.
    Returns the samples, the true peaks of the paced part and the pacer's pauses."""
    steady, _ = breathing(40, rate_bpm=12, fs=50, noise=0.01)
    paced, peaks = breathing(120, rate_bpm=5, fs=50, inhale_frac=0.4, pause_s=pause_s,
                             noise=0.01, t0=40.0, seed=2)
    pauses = [(40.0 + (k + 1) * 12.0 - pause_s, 40.0 + (k + 1) * 12.0) for k in range(10)]
    return steady + paced, peaks, pauses


@pytest.mark.parametrize("pause_s", [4.0, 5.0])
def test_the_pacers_pauses_are_no_hold_when_no_rest_has_been_learned(pause_s):
    """Only the announcement keeps these pauses from being holds: unannounced, the same
    breathing is warned, hold_after_s after the first pause began."""
    samples, peaks, pauses = _steady_then_paced(pause_s)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    for start, end in pauses:
        an.planned_pause(start, end)
    events = run(an, samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), peaks[1:]) >= len(peaks) - 2
    holds = [e for e in run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
             if isinstance(e, Hold)]
    assert holds
    assert holds[0].t == pytest.approx(pauses[0][0], abs=1.0)
    assert holds[0].at - holds[0].t == pytest.approx(4.0, abs=0.2)


def test_the_pacers_pauses_followed_early_or_late_are_no_hold_when_no_rest_is_learned():
    """As above, with the patient stopping up to 1 s before or 0.8 s after the pacer's
    pause begins (a positive shift: the pacer's pause comes after the patient stopped)."""
    samples, peaks, pauses = _steady_then_paced(4.0)
    shifts = [1.0, -0.8, 0.8, -0.4, 0.0, 0.9, -0.6, 0.5, -0.2, 1.0]
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    for (start, end), shift in zip(pauses, shifts, strict=True):
        an.planned_pause(start + shift, end + shift)
    events = run(an, samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), peaks[1:]) >= len(peaks) - 2
    unannounced = run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
    assert [e for e in unannounced if isinstance(e, Hold)]


def test_a_hold_after_paced_breathing_counts_through_the_next_pause():
    """Paced 5/min breathing with announced pauses, then the patient stops at the top of
    an inhale and the pacer's next pause passes: one hold, counted from the stop."""
    samples, _ = breathing(62.0 + 3.8, rate_bpm=5, fs=50, inhale_frac=0.4, pause_s=2.5,
                           noise=0.01)
    t_stop, level = samples[-1]  # the top of the sixth breath
    rng = random.Random(6)
    samples += [(t_stop + (i + 1) / 50, level + rng.gauss(0, 0.01)) for i in range(12 * 50)]
    an = BreathAnalyzer(["belly"], hold_after_s=8.0)
    for k in range(7):
        an.planned_pause(k * 12.0 + 9.5, (k + 1) * 12.0)
    holds = [e for e in run(an, samples) if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(t_stop, abs=0.8)
    assert holds[0].at <= t_stop + 8.5


@pytest.mark.parametrize("until, hold_after, after", [
    (42.0, 2.0, 2.0),  # held in at the top: at the threshold set
    (40.0, 2.0, 4.0),  # at the bottom, where people rest: never under REST_MIN_S
    (40.0, 3.0, 4.0),
    (40.0, 6.0, 6.0),  # (which only ever raises it)
    (42.0, 6.0, 6.0),
])
def test_hold_after_can_be_changed(until, hold_after, after):
    """A breath held in is warned at ``hold_after_s``, however short. Stillness after a
    breath out, where people rest, needs 4 s at least: with the lifting exercise's 3 s,
    the exhale's flat end, a normal rest and the slow start of the next breath were
    warned every few minutes on real breathing at rest (docs/analysis.md)."""
    pre, _ = breathing(until, rate_bpm=12, fs=50, noise=0.005)
    t_stop, level = pre[-1]
    still = [(t_stop + (i + 1) / 50, level + 0.002 * math.sin(i)) for i in range(10 * 50)]
    an = BreathAnalyzer(["belly"])
    an.set_hold_after(hold_after)
    holds = [e for e in run(an, pre + still) if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - holds[0].t == pytest.approx(after, abs=0.1)
    with pytest.raises(ValueError, match="hold_after_s must be more than 0"):
        an.set_hold_after(0)


@pytest.mark.parametrize("share", [0.2, 0.35, 0.45])
def test_a_small_breath_held_in_is_warned_at_hold_after_not_as_a_rest(share):
    """Bracing for a lift on a small breath in (a fifth to half a normal one, from the
    bottom) is a breath held in: warned at ``hold_after_s`` (lifting's 3 s). It lies
    below half the last breath, where people rest after a breath out, and was warned
    only at ``REST_MIN_S`` (4 s), like a rest."""
    pre, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)  # ends at a trough
    rise = 2.0 * share
    up = [(40.0 + i / 50, share * (0.5 - 0.5 * math.cos(math.pi * i / 50 / rise)))
          for i in range(int(rise * 50))]
    still = [(40.0 + rise + (i + 1) / 50, share + 0.002 * math.sin(i)) for i in range(10 * 50)]
    an = BreathAnalyzer(["belly"])
    an.set_hold_after(3.0, learn_holds=False)
    holds = [e for e in run(an, pre + up + still) if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - holds[0].t == pytest.approx(3.0, abs=0.1)
    assert holds[0].at - (40.0 + rise) < 3.0 + 0.1


def _laid_down(still_s, seed=3):
    """40 s of breathing (12/min), then the belt lies still for ``still_s`` (only its
    noise), then breathing again: the samples, when it lay down and when it was on again."""
    pre, _ = breathing(40.5, rate_bpm=12, fs=50, noise=0.005)  # ends at the bottom
    t_down, level = pre[-1]
    rng = random.Random(seed)
    still = [(t_down + (i + 1) / 50, level + rng.gauss(0, 0.005))
             for i in range(int(still_s * 50))]
    t_on = still[-1][0] + 0.02
    post, peaks = breathing(40, rate_bpm=12, fs=50, noise=0.005, t0=t_on, seed=seed + 1,
                            offset=level)
    return pre + still + post, t_down, t_on, [p for p in peaks if p > t_on + 12.0]


def test_a_belt_laid_down_with_its_plug_in_is_a_flat_fault_after_a_minute_not_a_hold():
    """A belt taken off and laid down, its plug still in: only its noise, and no rail to
    say it is out. It is a hold first (the patient may be holding the breath), but a
    hold of ``NOT_WORN_S`` is a belt that is not worn: the hold ends there and the belt
    has a ``flat`` fault until breathing moves it again. No breath spans that time, and
    breathing is measured again at once."""
    samples, t_down, t_on, late = _laid_down(150.0)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    events, phases = [], {}
    for t, x in samples:
        events.extend(an.feed(t, (x,)))
        phases.setdefault(round(t), an.snapshot().phase)
    (hold,) = [e for e in events if isinstance(e, Hold)]
    (end,) = [e for e in events if isinstance(e, HoldEnd)]
    (fault,) = [e for e in events if isinstance(e, Fault)]
    (over,) = [e for e in events if isinstance(e, FaultEnd)]
    assert hold.t == pytest.approx(t_down, abs=1.0)
    assert (fault.kind, fault.belt) == ("flat", "belly") and "not worn" in fault.detail
    assert fault.at - hold.t == pytest.approx(NOT_WORN_S, abs=0.1)
    assert end.at == fault.at and end.not_worn  # over where the fault begins: it was none
    assert over.kind == "flat" and t_on < over.at < t_on + 2.0
    assert {phases[s] for s in range(round(fault.at) + 1, round(t_on))} == {"fault"}
    assert not [b for b in breaths(events) if b.start < t_on - 1.0 and b.end > fault.at]
    # (the first breath after: its trough follows no fall, so it may start at no turn
    # and go unreported; the next one is)
    first = min(b.start for b in breaths(events) if b.end > t_on)
    assert t_on - 1.0 <= first <= t_on + 60 / 12 + 0.5
    assert matched(exhales(events), late) == len(late)


def test_a_hold_shorter_than_not_worn_s_stays_a_hold():
    samples, t_down, t_on, _ = _laid_down(NOT_WORN_S - 5.0)
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
    assert not [e for e in events if isinstance(e, Fault)]
    (hold,) = [e for e in events if isinstance(e, Hold)]
    (end,) = [e for e in events if isinstance(e, HoldEnd)]
    assert t_on < end.at < t_on + 2.0 and end.not_worn is None


def test_a_belt_not_worn_stays_so_when_warnings_come_on_and_hands_over_to_a_real_fault():
    """Hold warnings coming on (a new exercise) restart a hold, not a belt taken for not
    worn; a belt that is then unplugged ends the one fault as the other begins."""
    samples, t_down, t_on, _ = _laid_down(150.0)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0, min_breath=0.01, rails=(-5.0, 5.0))
    events = []
    for t, x in samples:
        if t_down + 100.0 <= t < t_down + 120.0:
            x = 9.9  # unplugged: beyond the circuit's rail
        events.extend(an.feed(t, (x,)))
        if abs(t - (t_down + 80.0)) < 0.01:
            assert an.holds_from(t) == []
    kinds = [(type(e).__name__, getattr(e, "kind", None)) for e in events
             if isinstance(e, Fault | FaultEnd | Hold | HoldEnd)]
    assert kinds[:5] == [("Hold", None), ("HoldEnd", None), ("Fault", "flat"),
                         ("FaultEnd", "flat"), ("Fault", "disconnected")]
    flat_end = next(e for e in events if isinstance(e, FaultEnd))
    assert flat_end.at == pytest.approx(t_down + 100.0, abs=0.1)


@pytest.mark.parametrize("gap_s", [3.0, 20.0])
def test_a_belt_not_worn_stays_so_across_a_long_gap_in_the_samples(gap_s):
    """The belt lies unworn; the sensor does not answer for longer than a hold outlasts
    (``HELD_GAP_S``). Nothing moved the belt: it is still not worn after the gap. Before,
    the gap ended the fault, the stillness after it was a new hold, warned
    ``hold_after_s`` later ("Blijf ademen!" for a minute to no one), then the fault again."""
    samples, t_down, t_on, _ = _laid_down(150.0)
    gap = (t_down + 90.0, t_down + 90.0 + gap_s)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0, min_breath=0.1)
    events = run(an, [(t, x) for t, x in samples if not gap[0] <= t < gap[1]])
    assert len([e for e in events if isinstance(e, Hold)]) == 1
    (fault,) = [e for e in events if isinstance(e, Fault)]
    (over,) = [e for e in events if isinstance(e, FaultEnd)]
    assert fault.at < gap[0] and t_on < over.at < t_on + 2.0
    assert not [b for b in breaths(events) if b.start < t_on - 1.0 and b.end > fault.at]


def test_a_belt_put_on_during_a_long_gap_is_worn_again_at_once():
    """The same, but the belt is put on while the sensor does not answer: it breathes at
    another level after the gap. The fault ends with the first samples."""
    samples, t_down, t_on, _ = _laid_down(150.0)
    gap = (t_on - 10.0, t_on + 2.5)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0, min_breath=0.1)
    events = run(an, [(t, x + (0.8 if t >= gap[1] else 0.0)) for t, x in samples
                      if not gap[0] <= t < gap[1]])
    (over,) = [e for e in events if isinstance(e, FaultEnd)]
    assert gap[1] <= over.at < gap[1] + 1.0
    assert len([e for e in events if isinstance(e, Hold)]) == 1


@pytest.mark.parametrize("still_s", [100.0, 300.0])
def test_a_belt_laid_down_while_it_is_calibrated_again_is_not_worn_too(still_s):
    """The normal breath is learned again (a new session's calibration, a long press) and
    the belt is taken off after a breath or two of it, before it is known: to set it
    right, or for good. Before calibration no hold is judged, so nothing said that the
    belt was not worn; once breathed on again, the breath begun before it lay down was
    reported, spanning the whole time (and learned as one of the normal breath's), and
    the calibration then found a hold from when it lay down, stored as minutes long.
    Now it is not worn after ``NOT_WORN_S`` as when calibrated, and none of that is
    reported."""
    samples, t_down, t_on, _ = _laid_down(still_s)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0, min_breath=0.1)
    events = []
    for t, x in samples:
        if abs(t - (t_down - 5.0)) < 0.01:
            an.recalibrate()
        events.extend(an.feed(t, (x,)))
    assert not [e for e in events if isinstance(e, Hold)]
    (fault,) = [e for e in events if isinstance(e, Fault)]
    (over,) = [e for e in events if isinstance(e, FaultEnd)]
    assert fault.kind == "flat" and "not worn" in fault.detail
    assert t_down + NOT_WORN_S <= fault.at < t_down + NOT_WORN_S + 2.0
    assert t_on < over.at < t_on + 2.0
    assert not [b for b in breaths(events) if b.start < t_on - 1.0 and b.end > t_down]
    assert len([b for b in breaths(events) if b.start > t_on - 1.0]) >= 5
    assert an.snapshot().calibrated


def test_two_belts_laid_down_are_both_not_worn():
    samples, t_down, t_on, _ = _laid_down(100.0)
    two = [(t, (x, 0.5 * x)) for t, x in samples]
    events = run(BreathAnalyzer(["chest", "belly"], hold_after_s=4.0), two)
    faults = [e for e in events if isinstance(e, Fault)]
    assert sorted((f.kind, f.belt) for f in faults) == [("flat", "belly"), ("flat", "chest")]
    assert sorted(e.belt for e in events if isinstance(e, FaultEnd)) == ["belly", "chest"]
    assert all(t_on < e.at < t_on + 2.0 for e in events if isinstance(e, FaultEnd))


def test_stuck_value_is_a_flat_fault_not_a_hold():
    pre, _ = breathing(30, rate_bpm=12, fs=50, noise=0.01)
    t_end = pre[-1][0]
    stuck = [(t_end + (i + 1) / 50, 0.37) for i in range(10 * 50)]
    post, _ = breathing(10, rate_bpm=12, fs=50, noise=0.01, t0=stuck[-1][0] + 0.02)
    events = run(BreathAnalyzer(["belly"]), pre + stuck + post)
    faults = [e for e in events if isinstance(e, Fault)]
    assert [f.kind for f in faults] == ["flat"]
    assert faults[0].belt == "belly"
    assert not [e for e in events if isinstance(e, Hold)]
    assert [e.kind for e in events if isinstance(e, FaultEnd)] == ["flat"]


def _runs_at(samples, value):
    """Runs of samples exactly at ``value``: (first t, last t, t of the next sample)."""
    runs, first, last = [], None, None
    for t, x in samples:
        if x == value:
            first = t if first is None else first
            last = t
        elif first is not None:
            runs.append((first, last, t))
            first = None
    return runs


def test_breaths_clipped_at_a_rail_are_saturated_while_they_clip():
    """The belt is tightened: for 20 s the top of every breath sits on the ADC's top code
    (about 1.8 s each), then it is loosened again. Each stay on the rail of FLAT_S or more
    is a saturated fault from FLAT_S after the clipping began until it leaves the rail."""
    rail = 1.2
    before, _ = breathing(30, rate_bpm=12, fs=50, noise=0.01)
    tight, _ = breathing(20, rate_bpm=12, fs=50, noise=0.01, t0=30.0, offset=0.5, seed=2)
    after, peaks = breathing(30, rate_bpm=12, fs=50, noise=0.01, t0=50.0, seed=3)
    samples = [(t, min(x, rail)) for t, x in before + tight + after]
    runs = [r for r in _runs_at(samples, rail) if r[1] - r[0] >= FLAT_S]
    assert len(runs) >= 3 and all(30.0 < r[0] < r[2] < 50.0 for r in runs)
    events = run(BreathAnalyzer(["belly"]), samples)
    faults = [e for e in events if isinstance(e, Fault)]
    ends = [e for e in events if isinstance(e, FaultEnd)]
    assert [f.kind for f in faults] == ["saturated"] * len(runs)
    assert [e.kind for e in ends] == ["saturated"] * len(runs)
    for (first, _last, off), fault, end in zip(runs, faults, ends, strict=True):
        assert FLAT_S <= fault.at - first <= FLAT_S + 0.03  # within one sample
        assert end.at == off  # the first sample off the rail
    assert not [e for e in events if isinstance(e, Hold)]
    late = [p for p in peaks if p > 55.0]
    assert matched(exhales(events), late) == len(late)


def test_unplugged_to_an_exact_code_is_disconnected_until_plugged_back():
    """The belt is pulled out and the input sits at one exact code far outside the
    breathing: the stuck-run check finds it FLAT_S after the jump, and it ends with the
    first sample of breathing again."""
    pre, _ = breathing(30, rate_bpm=12, fs=50, noise=0.01)
    out = pre[-1][0] + 0.02
    gone = [(out + i / 50, 40.0) for i in range(250)]
    back = gone[-1][0] + 0.02
    post, peaks = breathing(30, rate_bpm=12, fs=50, noise=0.01, t0=back, seed=3)
    events = run(BreathAnalyzer(["belly"]), pre + gone + post)
    faults = [e for e in events if isinstance(e, Fault)]
    ends = [e for e in events if isinstance(e, FaultEnd)]
    assert [f.kind for f in faults] == ["disconnected"]
    assert FLAT_S <= faults[0].at - out <= FLAT_S + 0.03
    assert [e.kind for e in ends] == ["disconnected"] and ends[0].at == back
    assert not [e for e in events if isinstance(e, Hold)]
    assert not [e for e in events if out < e.at < back and isinstance(e, Breath)]
    # nor one that spans the unplugged time (its "turns" are the plug's steps)
    assert not [e for e in events if isinstance(e, Breath) and e.start < back and e.end > out]
    late = [p for p in peaks if p > back + 5.0]
    assert matched(exhales(events), late) == len(late)


@pytest.mark.parametrize("kind, level, noise", [
    ("flat", None, 0.0),  # the ADC sticks at its last code
    ("disconnected", 40.0, 0.0),  # unplugged: one exact code far away
    ("disconnected", 14.0, 0.01),  # unplugged: far away, with the ADC's own noise
])
def test_a_fault_during_a_hold_ends_it_and_no_hold_is_judged_until_it_is_over(
        kind, level, noise):
    """A breath held half-way in for 6 s (warned after 4 s), then the belt fails for 6 s,
    then breathing again: the fault ends the hold at the moment it is found, and no
    second hold comes, during the fault or after it."""
    pre, _ = breathing(36.2, rate_bpm=12, fs=50, noise=0.005)  # 1.2 s into an inhale
    t_stop, held = pre[-1]
    rng = random.Random(4)
    still = [(t_stop + (i + 1) / 50, held + rng.gauss(0, 0.005)) for i in range(6 * 50)]
    out = still[-1][0] + 0.02
    code = round(still[-1][1], 3) if level is None else level
    gone = [(out + i / 50, code + (rng.gauss(0, noise) if noise else 0.0))
            for i in range(6 * 50)]
    back = gone[-1][0] + 0.02
    post, _ = breathing(20, rate_bpm=12, fs=50, noise=0.005, t0=back, seed=3)
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + still + gone + post)
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    faults = [e for e in events if isinstance(e, Fault)]
    assert len(holds) == 1 and holds[0].at < out
    assert [f.kind for f in faults] == [kind]
    if noise:  # the level test: DISC_S after the jump (and before FLAT_S)
        assert DISC_S <= faults[0].at - out <= FLAT_S
    else:  # the same code for FLAT_S
        assert FLAT_S <= faults[0].at - out <= FLAT_S + 0.03
    assert len(ends) == 1 and ends[0].at == faults[0].at
    assert out <= ends[0].t <= ends[0].at
    assert [e.kind for e in events if isinstance(e, FaultEnd)] == [kind]


def _unplugged(level, seconds=10.0, noise=0.01, fs=50):
    """Calm breathing (amplitude 1), the plug out for ``seconds`` (the input at ``level``
    with a little ADC noise), then breathing again. Returns (samples, out, back)."""
    pre, _ = breathing(40, rate_bpm=12, fs=fs, noise=0.01)
    out = pre[-1][0] + 1.0 / fs
    rng = random.Random(8)
    gone = [(out + i / fs, level + rng.gauss(0, noise)) for i in range(int(seconds * fs))]
    back = gone[-1][0] + 1.0 / fs
    post, _ = breathing(40, rate_bpm=12, fs=fs, noise=0.01, t0=back, seed=3)
    return pre + gone + post, out, back


@pytest.mark.parametrize("level, noise", [(14.0, 0.01), (-12.0, 0.01), (60.0, 0.3)])
def test_unplugged_belt_with_adc_noise_is_one_disconnected_fault(level, noise):
    """The rail is far away and the ADC's noise there is small next to the jump (also
    when the breaths are shallow next to the noise: level 60, noise 0.3)."""
    samples, out, back = _unplugged(level, noise=noise)
    events = run(BreathAnalyzer(["belly"]), samples)
    faults = [e for e in events if isinstance(e, Fault)]
    ends = [e for e in events if isinstance(e, FaultEnd)]
    assert [f.kind for f in faults] == ["disconnected"] and faults[0].belt == "belly"
    assert out + 0.9 <= faults[0].at <= out + 1.5
    assert [e.kind for e in ends] == ["disconnected"] and back <= ends[0].at <= back + 0.2
    assert not [e for e in events if isinstance(e, Hold)]
    # breathing is followed again at once: no jump is taken for a breath
    assert len(exhales([e for e in events if back < e.at < back + 40.0])) >= 6
    assert not [e for e in events if out - 1.0 < e.at < back and isinstance(e, Breath)]


def test_unplugged_to_an_exact_code_that_flickers_once_is_still_one_fault():
    """A rail that reads one exact code (the stuck-run check fires) and later shows one
    other code: still the same disconnection, ended only when the plug is back."""
    samples, out, back = _unplugged(14.0, noise=0.0)
    samples = [(t, x + (0.001 if out + 3.0 <= t < out + 3.1 else 0.0)) for t, x in samples]
    events = run(BreathAnalyzer(["belly"]), samples)
    assert [e.kind for e in events if isinstance(e, Fault)] == ["disconnected"]
    ends = [e for e in events if isinstance(e, FaultEnd)]
    assert [e.kind for e in ends] == ["disconnected"] and back <= ends[0].at <= back + 0.2


def test_one_of_two_belts_unplugged_names_that_belt():
    samples, out, back = _unplugged(14.0)
    chest, _ = breathing(samples[-1][0] + 0.01, rate_bpm=12, fs=50, noise=0.01)
    both = [(t, (c, x)) for (t, x), (_t, c) in zip(samples, chest, strict=False)]
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    faults = [e for e in events if isinstance(e, Fault)]
    assert [(f.kind, f.belt) for f in faults] == [("disconnected", "belly")]
    assert [e.kind for e in events if isinstance(e, FaultEnd)] == ["disconnected"]
    # the chest belt's breathing is still followed meanwhile, and nothing is a hold
    assert len(exhales([e for e in events if out + 1.0 < e.at < back])) >= 1
    assert not [e for e in events if isinstance(e, Hold)]


@pytest.mark.parametrize("step", [0.5, 3.0])
def test_posture_step_is_no_fault(step):
    """A posture change moves the belt's baseline by a few breath amplitudes at once,
    then breathing goes on: no fault, no hold, breaths keep coming."""
    samples, peaks = breathing(120, rate_bpm=12, fs=50, noise=0.01)
    moved = [(t, x + (step if t > 60.0 else 0.0)) for t, x in samples]
    events = run(BreathAnalyzer(["belly"]), moved)
    assert not [e for e in events if isinstance(e, Fault | Hold)]
    late = [p for p in peaks if 75 < p < 115]
    assert matched(exhales(events), late) == len(late)


def test_a_few_large_posture_steps_are_no_noisy_fault():
    """The patient shifts to and fro: three steps of 4 breath amplitudes (under JUMP),
    0.6 s apart. Each step makes second differences of about its own size; unclipped they
    would lift the roughness above NOISY_ON for more than NOISY_S, clipped at NOISE_CLIP
    amplitudes they are no noise. No fault, no hold, and the breaths are found again."""
    samples, peaks = breathing(100, rate_bpm=12, fs=50, noise=0.01)

    def shift(t):
        steps = 0 if t < 50.01 else min(3, int((t - 50.01) / 0.6) + 1)
        return 4.0 * (steps % 2)  # up, down, up

    events = run(BreathAnalyzer(["belly"]), [(t, x + shift(t)) for t, x in samples])
    assert not [e for e in events if isinstance(e, Fault | Hold)]
    late = [p for p in peaks if 60.0 < p < 95.0]  # from the second breath after them
    assert matched(exhales(events), late) == len(late)


def test_a_knock_that_does_not_stay_is_no_disconnection():
    samples, _ = breathing(80, rate_bpm=12, fs=50, noise=0.01)
    knocked = [(t, x + (9.0 if 50.0 < t < 50.4 else 0.0)) for t, x in samples]
    events = run(BreathAnalyzer(["belly"]), knocked)
    assert [e.kind for e in events if isinstance(e, Fault)] == ["noisy"]  # the knock itself
    assert not [e for e in events if isinstance(e, Hold)]
    assert len(breaths(events)) >= 14  # of 16


def _noise_burst(seconds, sigma=1.0, fs=100, b0=30.0):
    """Calm 12/min breathing (amplitude 1) with gaussian noise of ``sigma`` per sample
    added from ``b0`` for ``seconds``. Returns (samples, true peaks, burst start, end)."""
    b1 = b0 + seconds
    samples, peaks = breathing(b1 + 30.0, rate_bpm=12, fs=fs, noise=0.01)
    rng = random.Random(5)
    noisy = [(t, x + (rng.gauss(0, sigma) if b0 <= t < b1 else 0.0)) for t, x in samples]
    return noisy, peaks, b0, b1


# Noise of 1 amplitude per sample at 100 Hz is 0.5 amplitudes in the 40 ms block means:
# twice NOISY_ON. The roughness, a running mean square with time constant NOISE_TAU, passes
# NOISY_ON a fraction of a second into it. Afterwards it decays by exp(-t / NOISE_TAU), so
# from a level r it takes 2 NOISE_TAU ln(r / NOISY_OFF) to fall below NOISY_OFF; r is at
# most NOISE_CLIP / sqrt(6) (every second difference is clipped at NOISE_CLIP).
FALL_MAX = 2.0 * NOISE_TAU * math.log(NOISE_CLIP / math.sqrt(6.0) / NOISY_OFF)
FALL_ON_OFF = 2.0 * NOISE_TAU * math.log(NOISY_ON / NOISY_OFF)


def test_noise_burst_is_a_noisy_fault_from_noisy_s_on_until_calm_for_noisy_s():
    samples, peaks, b0, b1 = _noise_burst(6.0)
    events = run(BreathAnalyzer(["belly"]), samples)
    faults = [e for e in events if isinstance(e, Fault)]
    ends = [e for e in events if isinstance(e, FaultEnd)]
    assert [f.kind for f in faults] == ["noisy"] and faults[0].belt == "belly"
    assert [e.kind for e in ends] == ["noisy"]
    assert NOISY_S <= faults[0].at - b0 <= NOISY_S + 2.0 * NOISE_TAU
    # from above NOISY_ON (twice it when the burst ends) to below NOISY_OFF, then NOISY_S
    assert NOISY_S + FALL_ON_OFF <= ends[0].at - b1 <= NOISY_S + FALL_MAX + 0.1
    assert not [e for e in events if isinstance(e, Hold)]
    late = [p for p in peaks if p > ends[0].at + 3.0]
    assert late and matched(exhales(events), late) == len(late)


def test_a_noisy_fault_lasts_while_the_roughness_stays_above_noisy_off():
    """Interference at half the sample rate of a 20 Hz ADC (every sample is a block of
    its own, and each second difference is 4 x the interference, so the roughness is
    known exactly): twice NOISY_ON for 4 s, then for 6 s midway between NOISY_OFF and
    NOISY_ON, then gone. One fault: on NOISY_S after the roughness passed NOISY_ON, kept
    through the milder part, off NOISY_S after the roughness fell below NOISY_OFF."""
    b0, b1, calm = 30.0, 34.0, 40.0
    strong = 2.0 * NOISY_ON * math.sqrt(6.0) / 4.0
    mild = math.sqrt(NOISY_ON * NOISY_OFF) * math.sqrt(6.0) / 4.0
    samples, _ = breathing(70, rate_bpm=12, fs=20, noise=0.01)
    samples = [(t, x + (-1) ** i * (strong if b0 <= t < b1 else mild if b1 <= t < calm
                                    else 0.0)) for i, (t, x) in enumerate(samples)]
    events = run(BreathAnalyzer(["belly"]), samples)
    faults = [e for e in events if isinstance(e, Fault)]
    ends = [e for e in events if isinstance(e, FaultEnd)]
    assert [f.kind for f in faults] == ["noisy"] and [e.kind for e in ends] == ["noisy"]
    rise = -NOISE_TAU * math.log(1.0 - 0.25)  # the mean square to (NOISY_ON / strong)^2
    assert NOISY_S <= faults[0].at - b0 <= NOISY_S + rise + 0.2
    fall = NOISE_TAU * math.log(NOISY_ON / NOISY_OFF)  # = 2 tau ln(mild / NOISY_OFF)
    assert ends[0].at - calm == pytest.approx(NOISY_S + fall, abs=0.3)
    assert not [e for e in events if isinstance(e, Hold)]


def test_noise_burst_shorter_than_noisy_s_is_no_fault():
    """The same noise for 0.8 s: the roughness takes a moment to rise above NOISY_ON and
    to fall again afterwards, but it stays above it for well under NOISY_S."""
    samples, peaks, _b0, b1 = _noise_burst(0.8)
    events = run(BreathAnalyzer(["belly"]), samples)
    assert not [e for e in events if isinstance(e, Fault | Hold)]
    late = [p for p in peaks if p > b1 + 3.0]
    assert matched(exhales(events), late) == len(late)


def test_baseline_step_and_drift_keep_breaths_coming():
    samples, peaks = breathing(120, rate_bpm=12, fs=50, noise=0.01)
    moved = [(t, x + 0.02 * t + (3.0 if t > 60 else 0.0)) for t, x in samples]
    events = run(BreathAnalyzer(["belly"]), moved)
    late = [p for p in peaks if 75 < p < 115]
    assert matched(exhales(events), late) == len(late)


def test_two_belts_share_and_paradox():
    chest, peaks = breathing(60, rate_bpm=12, fs=50, noise=0.005)
    belly = [(t, 3.0 * x) for t, x in chest]
    both = [(t, (c, b)) for (t, c), (_t, b) in zip(chest, belly, strict=True)]
    ev = run(BreathAnalyzer(["chest", "belly"]), both)
    last = breaths(ev)[-3:]
    assert all(b.belly_share == pytest.approx(0.75, abs=0.05) for b in last)
    assert not any(b.paradoxical for b in last)
    an = BreathAnalyzer(["chest", "belly"])
    run(an, both[: len(both) // 2])
    # then the belly moves against the chest, by half its normal breath (a belly that
    # mirrored the chest exactly would leave the volume, the sum, unchanged: no breath)
    rest = [(t, (c, b - 1.5 * 3.0 * x)) for (t, (c, b)), (_t2, x)
            in zip(both[len(both) // 2:], chest[len(chest) // 2:], strict=True)]
    ev2 = run(an, rest)
    assert any(b.paradoxical for b in breaths(ev2)[-3:])


def test_snapshot_follows_the_breath():
    samples, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    an = BreathAnalyzer(["belly"])
    first = an.snapshot()
    assert isinstance(first, AnalysisState) and first.phase == "calibrating"
    assert not first.calibrated
    phases = set()
    for t, x in samples:
        an.feed(t, (x,))
        if t > 20:
            phases.add(an.snapshot().phase)
    s = an.snapshot()
    assert s.calibrated and phases == {"inhale", "exhale"}
    assert s.rate_bpm == pytest.approx(12, rel=0.05)
    assert s.ratio == pytest.approx(1.5, abs=0.3)
    assert s.depth == pytest.approx(1.0, abs=0.15)
    assert -0.5 <= s.level <= 1.5
    an.recalibrate()
    assert an.snapshot().phase == "calibrating"


def test_events_come_in_time_order_with_t_not_after_at():
    samples, _ = breathing(60, rate_bpm=20, fs=30, noise=0.05, jitter=0.5)
    events = run(BreathAnalyzer(["belly"]), samples)
    assert events
    ats = [e.at for e in events]
    assert ats == sorted(ats)
    for e in events:
        if isinstance(e, Inhale | Exhale | Hold | HoldEnd):
            assert e.t <= e.at


def test_bad_arguments():
    with pytest.raises(ValueError, match="one or two belts"):
        BreathAnalyzer([])
    with pytest.raises(ValueError, match="one or two belts"):
        BreathAnalyzer(["a", "b", "c"])
    with pytest.raises(ValueError, match="polarity must be one of"):
        BreathAnalyzer(["belly"], polarity="sideways")
    with pytest.raises(ValueError, match="one per belt"):
        BreathAnalyzer(["chest", "belly"]).feed(0.0, (1.0,))


@pytest.mark.parametrize("pattern", [(3.5, 0, 7, 1), (4, 0, 6, 1), (3, 0, 6, 2), (4, 1, 6, 1),
                                     (4, 0, 4, 0), (4, 0, 3, 0), (1.5, 0, 3, 0.5)])
def test_measured_ratio_matches_the_pacers_own_count_of_its_pauses(pattern):
    """A patient who follows the pacer exactly must read as on target: the analysis
    counts the pause after the exhale as exhale, as the pacer does."""
    from feedback.pacer import Pacer, Pattern

    pacer = Pacer(Pattern(*pattern), 0.0)
    a = BreathAnalyzer(["belly"])
    ratios = []
    for i in range(200 * 50):
        t = i / 50
        for e in a.feed(t, (1.8 + 0.1 * pacer.level(t),)):
            if isinstance(e, Breath) and t > 60:
                ratios.append(e.exhale_s / e.inhale_s)
    want = Pattern(*pattern).effective_ratio
    assert abs(statistics.median(ratios) - want) < 0.07 * want


def _hold_at(level, t_start, seconds, fs=50, noise=0.01, seed=4):
    rng = random.Random(seed)
    return [(t_start + i / fs, level + rng.gauss(0, noise)) for i in range(int(seconds * fs))]


def test_a_belt_clipping_at_both_rails_every_breath_still_calibrates_and_finds_holds():
    # Every breath sits for seconds at the ADC's top and bottom codes (a belt set too
    # tight for its gain): each of those runs is a saturated fault, but the breaths
    # between are real, so the normal breath is still learned and a hold still found.
    pre, _ = breathing(90, rate_bpm=6, fs=50, noise=0.01)
    pre = [(t, min(max(x, 0.1), 0.9)) for t, x in pre]  # 2 s at each rail per breath
    an = BreathAnalyzer(["belly"])
    events = run(an, pre)
    assert {e.kind for e in events if isinstance(e, Fault)} == {"saturated"}
    assert an.snapshot().calibrated
    hold = _hold_at(0.5, pre[-1][0] + 0.02, 12.0)
    events = run(an, hold)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - hold[0][0] < 5.0


def test_the_patients_own_long_pause_after_every_breath_is_not_a_hold():
    # In, out, then 5.5 s still, every breath: the patient's rhythm. Once a few such
    # pauses are seen, they are no longer warned; a hold clearly longer still is.
    samples, _ = breathing(150, rate_bpm=6, fs=50, noise=0.01, pause_s=5.5)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    events = run(an, samples)
    late = [e for e in events if isinstance(e, Hold) and e.at > 90.0]
    assert not late
    hold = _hold_at(0.0, samples[-1][0] + 0.02, 20.0)
    post, _ = breathing(30, rate_bpm=6, fs=50, noise=0.01, t0=hold[-1][0] + 0.02, seed=5)
    events = run(an, hold + post)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    assert 4.0 < holds[0].at - holds[0].t <= 8.2  # at most twice hold_after_s


def _resting_patient():
    """100 s of 6/min breathing with 4 s still at the bottom after every breath: the rest
    learned is about 5 s (with the rounded end of the breath out), so stillness at the
    bottom is warned only after 1.5 x that, about 7.5 s."""
    samples, _ = breathing(100, rate_bpm=6, fs=50, noise=0.01, pause_s=4.0)
    return samples


def _then(samples, seconds, rate_bpm, pause_s=0.0, seed=2):
    more, _ = breathing(seconds, rate_bpm=rate_bpm, fs=50, noise=0.01, pause_s=pause_s,
                        t0=samples[-1][0] + 0.02, seed=seed)
    return samples + more


@pytest.mark.parametrize("free, warned", [(7, True), (1, False)])
def test_the_learned_rest_is_remembered_for_five_breaths(free, warned):
    """The resting patient (10 breaths) breathes ``free`` breaths of 12/min without any
    rest, then is still at the bottom for 6 s. The rest is remembered for the last
    OWN_PAUSES = 5 breaths, so after 7 free breaths it is forgotten and the stillness is
    warned hold_after_s after it began. After only one free breath the rest is still
    remembered, and 6 s is within the patient's usual rest."""
    samples = _then(_resting_patient(), free * 5.0, 12)
    t_still = samples[-1][0] + 0.02
    samples += _hold_at(0.0, t_still, 6.0)
    holds = [e for e in run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
             if isinstance(e, Hold)]
    if not warned:
        assert not holds
        return
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(t_still, abs=0.8)
    assert holds[0].at - holds[0].t == pytest.approx(4.0, abs=0.2)


@pytest.mark.parametrize("recalibrate", [True, False])
def test_calibrating_again_forgets_the_learned_rest(recalibrate):
    """After the resting patient, ``recalibrate()`` for a new patient who rests 4 s after
    only two of their first four breaths (1.5 x the median of their rests, about 2.5 s,
    is not more than hold_after_s). Their 6 s stillness at the bottom is then warned
    hold_after_s after it began; without the recalibration the old patient's rests still
    count (a median of about 5 s), and it is not."""
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    samples = _resting_patient()
    run(an, samples)
    if recalibrate:
        an.recalibrate()
    new = _then(samples, 5.0, 12, seed=3)
    new = _then(new, 20.0, 6, pause_s=4.0, seed=4)
    new = _then(new, 5.0, 12, seed=5)
    t_still = new[-1][0] + 0.02
    new += _hold_at(0.0, t_still, 6.0)
    holds = [e for e in run(an, new[len(samples):]) if isinstance(e, Hold) and e.at > t_still]
    if not recalibrate:
        assert not holds
        return
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(t_still, abs=0.8)
    assert holds[0].at - holds[0].t == pytest.approx(4.0, abs=0.2)


@pytest.mark.parametrize(("offset", "scale"), [(0.0, 1.0), (1.83, 0.08)])
def test_a_breath_held_in_is_warned_at_hold_after_even_in_a_long_pauser(offset, scale):
    # (1.83, 0.08): as the unit reads a belt, 80 mV breaths at about 1.83 V: where the
    # stillness lies in the breath (top or bottom) is the same at any offset and scale.
    samples, _ = breathing(150, rate_bpm=6, fs=50, noise=0.01, pause_s=5.5)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    run(an, [(t, offset + scale * x) for t, x in samples])
    t = samples[-1][0] + 0.02
    rise = [(t + i / 50, 0.5 - 0.5 * math.cos(math.pi * i / 75)) for i in range(75)]
    top = _hold_at(1.0, rise[-1][0] + 0.02, 10.0)
    holds = [e for e in run(an, [(t, offset + scale * x) for t, x in rise + top])
             if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - holds[0].t == pytest.approx(4.0, abs=0.2)


def test_holds_do_not_teach_the_unit_to_wait_longer():
    # Breathing without pauses, and five holds at the bottom a few breaths apart: each
    # is warned hold_after_s after it began, the last as early as the first.
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    samples, _ = breathing(40, rate_bpm=12, fs=50, noise=0.01)
    for k in range(5):
        hold = _hold_at(0.0, samples[-1][0] + 0.02, 10.0, seed=k)
        post, _ = breathing(20, rate_bpm=12, fs=50, noise=0.01, t0=hold[-1][0] + 0.02,
                            seed=k + 10)
        samples += hold + post
    holds = [e for e in run(an, samples) if isinstance(e, Hold)]
    assert len(holds) == 5
    assert all(h.at - h.t == pytest.approx(4.0, abs=0.2) for h in holds)


def test_the_pacers_pauses_do_not_teach_the_unit_to_wait_longer():
    # Paced 5/min breathing with a 4 s pause after each exhale, announced by the pacer;
    # then the patient stays at the bottom past the next pause. The pacer's pauses are
    # not the patient's own rest, so the warning comes hold_after_s after the pause ends.
    samples, _ = breathing(120.0, rate_bpm=5, fs=50, inhale_frac=0.4, pause_s=4.0,
                           noise=0.01)
    t_end = samples[-1][0]
    samples += _hold_at(0.0, t_end + 0.02, 14.0)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    for k in range(11):
        an.planned_pause(k * 12.0 + 8.0, (k + 1) * 12.0)
    holds = [e for e in run(an, samples) if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].t == pytest.approx(120.0, abs=0.3)
    assert holds[0].at <= 120.0 + 4.5


def test_a_hold_running_when_calibrating_again_ends_when_breathing_resumes():
    pre, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    t_stop, level = pre[-1]
    still = _hold_at(level, t_stop + 0.02, 6.0, noise=0.005)
    an = BreathAnalyzer(["belly"], hold_after_s=4.0)
    assert [e for e in run(an, pre + still) if isinstance(e, Hold)]
    an.recalibrate()  # the therapist presses "calibrate" during the hold
    post, _ = breathing(6, rate_bpm=12, fs=50, noise=0.005, t0=still[-1][0] + 0.02, seed=3)
    ends = [e for e in run(an, post) if isinstance(e, HoldEnd)]
    assert len(ends) == 1 and ends[0].at < post[0][0] + 3.0
    assert an.snapshot().phase == "calibrating"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fs", [10, 50])
def test_noisy_shallow_breathing_is_no_hold(fs, seed):
    """A noisy belt (a fifth of a breath of noise, below the noisy-fault threshold here)
    on shallower breaths for 30 s: the noise must not widen "still" to a whole breath."""
    samples, peaks = breathing(90, rate_bpm=12, fs=fs, noise=0.005, seed=seed)
    rng = random.Random(seed + 100)
    samples = [(t, x * 0.7 + rng.gauss(0, 0.2)) if 30 <= t < 60 else (t, x)
               for t, x in samples]
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), samples)
    assert not [e for e in events if isinstance(e, Hold)]
    assert matched(exhales(events), [p for p in peaks if 62 < p < 88]) >= 4


@pytest.mark.parametrize("rate", [6.0, 12.0, 20.0])
def test_two_belts_on_a_real_offset_give_true_breaths_depth_and_rate(rate):
    """Belts read as the ADC sees them: about 1.8 V at rest and a breath of a few hundredths
    of a volt. Learning each belt's scale must not make the summed signal jump (the
    offset divided by a changing scale): no false breaths, no hold, depth 1 and the
    true rate once calibrated."""
    chest, peaks = breathing(120, rate_bpm=rate, fs=50, amp=0.08, offset=1.83, noise=0.0005)
    belly, _ = breathing(120, rate_bpm=rate, fs=50, amp=0.15, offset=1.85, noise=0.0005,
                         seed=2)
    both = [(t, (c, b)) for (t, c), (_t, b) in zip(chest, belly, strict=True)]
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    got = breaths(events)
    assert not [e for e in events if isinstance(e, Hold | Fault)]
    period = 60.0 / rate
    assert all(abs(b.end - b.start - period) < 0.2 * period for b in got)  # none spurious
    late = [b for b in got if b.at > 60.0]
    assert late and all(b.depth == pytest.approx(1.0, abs=0.1) for b in late)
    assert all(b.rate_bpm == pytest.approx(rate, rel=0.05) for b in late)
    assert all(b.belly_share == pytest.approx(0.15 / 0.23, abs=0.03) for b in late)
    assert matched(exhales(events), [p for p in peaks if 30 < p < 115]) == len(
        [p for p in peaks if 30 < p < 115])


def test_one_too_short_first_breath_does_not_fix_the_rate_forever():
    """A twitch measured as a 0.4 s 'breath' at the start: later breaths are not outliers
    to be left out of the rate; the rate follows them."""
    samples, _ = breathing(90, rate_bpm=10, fs=50, noise=0.002, t0=2.0)
    twitch = [(i * 0.02, 0.5 + 0.5 * math.sin(2 * math.pi * i * 0.02 / 0.4)) for i in range(100)]
    events = run(BreathAnalyzer(["belly"]), twitch + samples)
    late = [b for b in breaths(events) if b.at > 40.0]
    assert late and all(b.rate_bpm == pytest.approx(10, rel=0.05) for b in late)


@pytest.mark.parametrize("odd", [0.7, 1.5])
def test_one_sigh_or_one_quick_breath_leaves_the_rate_at_the_rhythm(odd):
    """Calm breathing at 12/min with one breath ``odd`` x as long (a sigh, a quick breath,
    each short of a new rhythm): the rate is the rhythm's, for that breath and after it
    (the screen's rate does not jump, and the coach does not cue on one breath)."""
    a, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    b, _ = breathing(5 * odd, rate_bpm=12 / odd, fs=50, noise=0.005, t0=40, seed=2)
    c, _ = breathing(40, rate_bpm=12, fs=50, noise=0.005, t0=40 + 5 * odd, seed=3)
    found = breaths(run(BreathAnalyzer(["belly"]), a + b + c))
    odd_one = [x for x in found if 38 < x.start < 42]
    assert len(odd_one) == 1 and odd_one[0].end - odd_one[0].start == pytest.approx(
        5 * odd, abs=0.3)
    late = [x for x in found if x.end > 20]
    assert len(late) >= 11
    assert all(x.rate_bpm == pytest.approx(12, rel=0.05) for x in late)


def _two_belts(belly_of, seconds=120, rate=12.0, noise=0.0005, seed=3):
    """A chest belt at 1.83 V with 80 mV breaths; the belly belt as ``belly_of(t, chest
    breath 0..1, rng)`` says."""
    rng = random.Random(seed)
    chest, peaks = breathing(seconds, rate_bpm=rate, fs=50, amp=1.0, noise=0.0)
    both = [(t, (1.83 + 0.08 * x + rng.gauss(0, noise), belly_of(t, x, rng)))
            for t, x in chest]
    return both, peaks


def _every_breath_at_12(events, peaks):
    """Every true breath found, none extra, at 12/min; returns the breaths after 30 s."""
    late = [p for p in peaks if 20 < p < 115]
    assert matched(exhales(events), late) == len(late)
    assert len(exhales([e for e in events if 20 < e.at < 115])) <= len(late) + 1
    got = [b for b in breaths(events) if b.at > 30]
    assert all(b.rate_bpm == pytest.approx(12, rel=0.05) for b in got)
    return got


@pytest.mark.parametrize("size", [1.0, 0.4])
def test_paradoxical_breathing_is_flagged_not_cancelled(size):
    """The belly moves in as the chest rises (paradoxical breathing, or a belly belt
    mounted the other way round). The two must not cancel out in the sum: the true
    breaths and rate, the paradox flagged, no hold."""
    both, peaks = _two_belts(lambda t, x, rng: 1.75 - size * 0.08 * x + rng.gauss(0, 0.0005))
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    got = _every_breath_at_12(events, peaks)
    assert sum(b.paradoxical for b in got) >= 0.9 * len(got)
    assert all(b.belly_share == pytest.approx(size / (1 + size), abs=0.05) for b in got)
    assert not [e for e in events if isinstance(e, Hold | Fault)]


def test_a_belly_that_hardly_moves_is_no_noise_source_no_fault_and_no_paradox():
    """A chest breather: the belly belt only shows its 1 mV noise. Its noise must not be
    blown up to breath size (false breaths, a breath rate three times too high), nor be
    a noisy belt, nor paradoxical breathing."""
    both, peaks = _two_belts(lambda t, x, rng: 1.75 + rng.gauss(0, 0.001))
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    got = _every_breath_at_12(events, peaks)
    assert not any(b.paradoxical for b in got) and all(b.belly_share < 0.05 for b in got)
    assert not [e for e in events if isinstance(e, Hold | Fault)]


def test_one_of_two_belts_unplugged_keeps_the_depth_and_leaves_the_share_out():
    """The belly (two thirds of each breath) is unplugged for a minute: the chest still
    measures every breath, depth is judged against the chest's usual breath, and no
    belly share is made up; afterwards the normal depth is as before."""
    def belly(t, x, rng):
        return 3.29 if 40 <= t < 100 else 1.75 + 0.16 * x + rng.gauss(0, 0.0005)

    both, peaks = _two_belts(belly, seconds=160)
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    assert [(e.kind, e.belt) for e in events if isinstance(e, Fault)] == [
        ("disconnected", "belly")]
    during = [b for b in breaths(events) if b.start > 45 and b.end < 99]
    assert len(during) >= 8
    assert all(b.belly_share is None and b.paradoxical is None for b in during)
    assert all(b.depth == pytest.approx(1.0, abs=0.15) for b in during)
    after = [b for b in breaths(events) if b.start > 105]
    assert after and all(b.depth == pytest.approx(1.0, abs=0.1) for b in after)
    # also the breaths in which it comes out and goes back in
    assert all(b.depth == pytest.approx(1.0, abs=0.15) for b in breaths(events) if b.at > 20)
    assert all(b.belly_share == pytest.approx(2 / 3, abs=0.05) for b in after)


@pytest.mark.parametrize("rate", [6.0, 12.0, 20.0])
def test_two_belts_find_the_first_breaths_as_one_belt_does(rate):
    both, peaks = _two_belts(lambda t, x, rng: 1.75 + 0.1 * x + rng.gauss(0, 0.0005),
                             seconds=40, rate=rate)
    two = exhales(run(BreathAnalyzer(["chest", "belly"]), both))
    one = exhales(run(BreathAnalyzer(["chest"]), [(t, (c,)) for t, (c, _b) in both]))
    assert len(two) >= len(one) >= len([p for p in peaks if p < 38]) - 1
    assert matched(two, one, tol=0.3) == len(one)


def test_a_patient_who_starts_breathing_paradoxically_is_followed_at_once():
    """Halfway, the belly turns from moving with the chest to moving against it (and its
    level steps, as a belt that shifts does). The new sign is found within about a
    breath: no hold, at most the breath of the change merged with the next, the paradox
    flagged from then on, and the depth stays that of a normal breath."""
    def belly(t, x, rng):
        return 1.75 + (0.4 if t < 60 else -0.4) * 0.08 * x + rng.gauss(0, 0.0005)

    both, peaks = _two_belts(belly)
    events = run(BreathAnalyzer(["chest", "belly"]), both)
    assert not [e for e in events if isinstance(e, Hold | Fault)]
    late = [p for p in peaks if 20 < p < 115]
    assert matched(exhales(events), late) >= len(late) - 1
    assert matched(exhales(events), [p for p in late if p > 70]) == len(
        [p for p in late if p > 70])
    after = [b for b in breaths(events) if b.start > 70]
    assert after and all(b.paradoxical for b in after)
    assert all(b.depth == pytest.approx(1.0, abs=0.15) for b in after)


def _slow_two_belts(rate, share, belly_sign, rock=None, seconds=240.0, seed=3, pace=None,
                    late=0.0, shallow_until=0.0):
    """Two belts breathing at ``rate`` (``late`` s after the pacer
    ``Pattern(0.4 p, 0, 0.6 p, 0)`` at ``pace``, or at ``rate``), the belly carrying
    ``share`` of each breath and moving as ``belly_sign(t)`` (1 with the chest, -1
    against it); breaths half as deep before ``shallow_until``. ``rock``: (start, end,
    size, period) a breath held at the bottom while chest and belly rock against each
    other by ``size`` of each one's breath (volume moved between them), ``period`` 0: one
    slow brace instead."""
    rng = random.Random(seed)
    period = 60.0 / rate
    chest, _ = breathing(seconds + period, rate_bpm=rate, fs=50, amp=1.0, t0=late - period)
    out = []
    for t, x in chest:
        if t < 0:
            continue
        xc = xb = x if t >= shallow_until else 0.5 * x
        if rock is not None and rock[0] <= t < rock[1]:
            u, size, period = t - rock[0], rock[2], rock[3]
            r = (size * min(u / 2.0, 1.0, (rock[1] - t) / 2.0) if period == 0
                 else size * 0.5 * (1.0 - math.cos(2.0 * math.pi * u / period)))
            xc, xb = -r, r
        out.append((t, (1.83 + 0.16 * (1 - share) * xc + rng.gauss(0, 0.0005),
                        1.75 + belly_sign(t) * 0.16 * share * xb + rng.gauss(0, 0.0005))))
    p = 60.0 / (pace or rate)
    return out, Pacer(Pattern(0.4 * p, 0.0, 0.6 * p, 0.0), t0=0.0)


def _warned(events, end):
    """Seconds a hold was on, up to ``end``, and the holds."""
    on, total, holds = None, 0.0, []
    for e in events:
        if isinstance(e, Hold):
            on = e.at
            holds.append(e)
        elif isinstance(e, HoldEnd) and on is not None:
            total, on = total + e.at - on, None
    return total + (end - on if on is not None else 0.0), holds


@pytest.mark.parametrize("rate,share,ramp,mounted,off", [
    (4, 0.4, 0.0, "normal", None), (5, 0.5, 0.0, "normal", None),
    (5, 0.5, 0.0, "inverted", None), (6, 0.4, 15.0, "normal", None),
    (5, 0.35, 15.0, "normal", None), (6 * 0.9, 0.6, 15.0, "normal", (6, 1.0))])
def test_a_belly_turning_against_the_chest_at_a_slow_pace_ends_its_hold(rate, share, ramp,
                                                                        mounted, off):
    """Paced slow breathing; at 120 s the belly turns from moving with the chest to
    against it (at once, or over 15 s). The sum then hardly moves, a hold is warned, and
    while the sum is still the belts' phase is not judged: "Blijf ademen!" stayed on for
    the rest of the session while the patient breathed. While a pacer runs, a whole
    breath of both belts turning against each other, each by most of its usual breath at
    the usual pace, turns the belly's sign: the warning is off within about a breath.
    (``mounted`` "inverted": a belly belt mounted the other way round, and set so; ``off``:
    the pacer's rate and how late the patient follows it, 10 % slower: the sum's breaths
    around the turn were merged, and a usual breath taken from them never matched.)"""
    def belly_sign(t):
        turned = 1.0 if t < 120 else -1.0 if t >= 120 + ramp else 1.0 - 2.0 * (t - 120) / ramp
        return -turned if mounted == "inverted" else turned

    pace, late = off or (None, 0.0)
    samples, pacer = _slow_two_belts(rate, share, belly_sign, pace=pace, late=late)
    an = BreathAnalyzer(["chest", "belly"], polarity=["normal", mounted])
    events = _paced(an, samples, pacer)
    period = 60.0 / rate
    warned, holds = _warned(events, 240.0)
    assert len(holds) <= 1 and warned <= 1.5 * period + an.hold_after_s + 2.0
    assert an._pair.along[0] * an._pair.along[1] < 0
    late = [b for b in breaths(events) if b.start > 120 + ramp + 2 * period]
    assert late and all(b.paradoxical for b in late)


@pytest.mark.parametrize("into", [6.0, 16.0, 26.0])
def test_a_belly_turning_against_the_chest_just_after_the_pace_changed_ends_its_hold(into):
    """6/min, then a pacer at 4/min from 100 s, and ``into`` s later the belly (half the
    breath) turns against the chest. The usual breath is the pacer's, which the patient
    follows now: the belts' own still had the old pace, and "Blijf ademen!" stayed on
    for good."""
    rng = random.Random(2)
    first, _ = breathing(100, rate_bpm=6, fs=50)
    then, _ = breathing(200, rate_bpm=4, fs=50, t0=100.0)
    samples = [(t, (1.83 + 0.08 * x + rng.gauss(0, 0.0005),
                    1.75 + (-1.0 if t >= 100 + into else 1.0) * 0.08 * x
                    + rng.gauss(0, 0.0005))) for t, x in first + then]
    an = BreathAnalyzer(["chest", "belly"])
    events = run(an, samples[:100 * 50]) + _paced(
        an, samples[100 * 50:], Pacer(Pattern(6.0, 0.0, 9.0, 0.0), t0=100.0))
    warned, holds = _warned(events, 300.0)
    assert len(holds) <= 1 and warned <= 1.5 * 15.0 + an.hold_after_s + 2.0
    assert an._pair.along[0] * an._pair.along[1] < 0


def test_the_pacers_breath_is_taken_from_its_still_spans_each_counted_once():
    """The unit announces a span again when the pacer's next inhale, now known, ends it
    later (a pattern that changes each cycle): counted twice, the pacer's breath read
    half its length, and a belly turning against the chest stayed warned 10 s longer."""
    from feedback.analysis.holds import HoldJudge

    judge = HoldJudge(8.0)
    assert judge.pacer_period() is None
    for start, end in [(3.2, 4.8), (8.8, 10.8), (13.2, 14.8), (18.8, 20.8), (18.8, 21.2)]:
        judge.planned_pause(start, end, now=start)
    assert judge.pacer_period() == pytest.approx(20.0 - 9.8)
    assert judge.paced(21.0) and judge.paced_from == 3.2
    judge.no_pacer()
    judge.planned_pause(40.0, 41.0, now=40.0)  # a pacer starts again: its own spans only
    assert judge.paced_from == 40.0 and judge.pacer_period() is None


@pytest.mark.parametrize("seed", [1, 4])
def test_a_belly_against_the_chest_and_back_again_is_followed_both_ways(seed):
    """A calm minute at 13/min, then the pacer at 6/min (4 s in, 6 s out), followed 0.5 s
    late, the belly (60 % of the breath) 0.4 s behind the chest, cardiac ripple and noise.
    At 150 s the belly turns against the chest, at 210 s back. Each turn is warned as a
    hold for about a breath, no longer: the usual breath is the belts' own, not the sum's
    (whose breaths around a turn are merged: judged by them, the turn back was never seen
    and "Blijf ademen!" stayed on for two minutes)."""
    rng = random.Random(seed)

    def fill(t):
        if t < 60.0:
            return 0.8 * (0.5 - 0.5 * math.cos(2 * math.pi * t * 13 / 60))
        u = (t - 60.5) % 10.0
        return (0.5 - 0.5 * math.cos(math.pi * u / 4.0) if u < 4.0
                else 0.5 + 0.5 * math.cos(math.pi * (u - 4.0) / 6.0))

    samples = []
    for k in range(330 * 50):
        t = k / 50
        beat = 0.07 * math.sin(2 * math.pi * 1.2 * t)
        sign = -1.0 if 150 <= t < 210 else 1.0
        samples.append((t, (1.83 + 0.16 * (0.4 * fill(t) + beat + rng.gauss(0, 0.02)),
                            1.75 + 0.16 * (sign * 0.6 * fill(t - 0.4) + 0.5 * beat
                                           + rng.gauss(0, 0.02)))))
    an = BreathAnalyzer(["chest", "belly"])
    pacer = Pacer(Pattern(4.0, 0.0, 6.0, 0.0), t0=60.0)
    events = run(an, samples[:60 * 50]) + _paced(an, samples[60 * 50:], pacer)
    warned, holds = _warned([e for e in events if e.at > 60], 330.0)
    assert len(holds) <= 2 and warned <= 2 * (1.5 * 10.0 + an.hold_after_s + 2.0)
    assert an._pair.along == (1.0, 1.0)


@pytest.mark.parametrize("paced,size,period,shallow", [
    (False, 0.7, 10.0, 0), (False, 1.0, 12.0, 0), (True, 0.5, 10.0, 0), (True, 1.0, 0.0, 0),
    (True, 0.5, 0.0, 0), (True, 0.5, 10.0, 60), ("stopped", 0.8, 10.0, 0)])
def test_a_held_breath_that_moves_between_chest_and_belly_stays_warned(paced, size, period,
                                                                       shallow):
    """A breath held for 30 s while volume moves between chest and belly (a brace, or
    rocking: chest in, belly out and back) looks like paradoxical breathing to the belts
    while the sum stays still. Without a pacer (the movement and lifting exercises,
    where holds matter most) nothing during a hold turns a belt's sign, whatever the
    rocking, also right after a paced exercise ("stopped": before, the pacer counted as
    running 30 s after its last turn); with one, only rocking at the usual pace by most
    of each belt's breath does (a whole breath of it is paradoxical breathing as far as
    the belts can tell), measured against the breaths of now, not of the calibration
    (``shallow``: the first minute's breaths were half as deep, and rocking by half a
    breath ended the warning early)."""
    rock = (109.5, 139.5, size, period)
    samples, pacer = _slow_two_belts(6, 0.4, lambda t: 1.0, rock=rock, seconds=170.0,
                                     shallow_until=shallow)
    an = BreathAnalyzer(["chest", "belly"])
    events = (run(an, samples) if not paced else
              _paced(an, samples, pacer, until=104.0 if paced == "stopped" else math.inf))
    held = [e for e in events if isinstance(e, Hold) and 105 < e.t < 120]
    # (normal breath learned on the shallow ones: the rocking moves the sum by a fifth of
    # it, and the stillness begins only as the rocking slows at its turn)
    assert len(held) == 1 and held[0].at < 109.5 + (8.0 if not shallow else 10.0)
    end = next(e for e in events if isinstance(e, HoldEnd) and e.at > held[0].at)
    assert end.at >= 139.5
    assert an._pair.along == (1.0, 1.0)


def test_a_belly_mirroring_the_chest_from_the_start_is_calibrated_right():
    """A belly belt mounted the other way round with the same excursion as the chest: its
    sign must be found before the normal breath is learned, or every later breath reads
    two or three times too deep (and 'do not force' follows)."""
    both, _ = _two_belts(lambda t, x, rng: 1.75 - 0.08 * x + rng.gauss(0, 0.0005))
    got = [b for b in breaths(run(BreathAnalyzer(["chest", "belly"]), both)) if b.at > 30]
    assert got and all(b.depth == pytest.approx(1.0, abs=0.15) for b in got)


@pytest.mark.parametrize("lag", [0.3, 0.5])
def test_a_belly_lagging_behind_the_chest_is_not_turned_round(lag):
    """The belly follows the chest a little later, cardiac ripple and all. Its sign must
    stay: turning it would cancel the sum (false breaths, lost holds)."""
    rng = random.Random(5)
    chest, peaks = breathing(120, rate_bpm=14, fs=50, amp=1.0, noise=0.0)

    def ripple(t):
        return 0.06 * math.sin(2 * math.pi * 1.2 * t)

    x_at = dict(chest)
    ts = [t for t, _ in chest]
    both = []
    for k, (t, x) in enumerate(chest):
        j = max(k - round(lag * 50), 0)
        both.append((t, (1.83 + 0.08 * (x + ripple(t)) + rng.gauss(0, 0.0005),
                         1.75 + 0.04 * (x_at[ts[j]] + ripple(ts[j])) + rng.gauss(0, 0.0005))))
    an = BreathAnalyzer(["chest", "belly"])
    events = run(an, both)
    assert an._pair.along == (1.0, 1.0)
    assert not [b for b in breaths(events) if b.paradoxical]
    late = [p for p in peaks if 20 < p < 115]
    assert matched(exhales(events), late, tol=0.8) == len(late)


@pytest.mark.parametrize("lag", [-0.6, 0.6])
@pytest.mark.parametrize("share", [0.3, 0.7])
@pytest.mark.parametrize("belly_sign", [1.0, -1.0])
def test_a_belly_ahead_of_or_behind_the_chest_keeps_its_share(lag, share, belly_sign):
    """The belly turns 0.6 s before or after the chest (at 20/min), carrying ``share`` of
    the breath, with the chest or against it. Each breath's share is each belt's own
    movement, not its values at the summed signal's turns, which a belt out of phase
    passes before or after its own (the smaller belt read 0.19-0.24 for 0.3, the larger
    0.73-0.81 for 0.7); the paradox flag as true."""
    rng = random.Random(5)
    chest, _ = breathing(120, rate_bpm=20, fs=50, amp=1.0, noise=0.0)
    xs = [x for _, x in chest]
    n = round(lag * 50)
    both = [(t, (1.83 + 0.1 * (1 - share) * x + rng.gauss(0, 0.0005),
                 1.75 + belly_sign * 0.1 * share * xs[min(max(k - n, 0), len(xs) - 1)]
                 + rng.gauss(0, 0.0005)))
            for k, (t, x) in enumerate(chest)]
    got = [b for b in breaths(run(BreathAnalyzer(["chest", "belly"]), both)) if b.at > 30]
    assert len(got) >= 28
    assert all(b.belly_share == pytest.approx(share, abs=0.02) for b in got)
    assert all(b.paradoxical == (belly_sign < 0) for b in got)


def test_polarity_auto_with_a_reversed_belly_keeps_the_sum_whole():
    """Polarity "auto" on two belts: turning a belt it judges reversed must not undo the
    sign the sum already gave it (that cancelled the sum: false holds, lost breaths)."""
    rng = random.Random(3)
    chest, peaks = breathing(180, rate_bpm=4, fs=50, inhale_frac=1 / 3, pause_s=5.0)
    both = [(t, (1.83 + 0.04 * x + rng.gauss(0, 0.0005),
                 1.75 - 0.06 * x + rng.gauss(0, 0.0005))) for t, x in chest]
    an = BreathAnalyzer(["chest", "belly"], polarity="auto")
    events = run(an, both)
    assert an.inverted == (False, True)  # the reversed belly was found
    assert not [e for e in events if isinstance(e, Hold)]
    late = [p for p in peaks if 30 < p < 175]
    assert matched(exhales(events), late, tol=0.8) == len(late)


@pytest.mark.parametrize("belly_sign", [1.0, -1.0])
def test_polarity_auto_with_a_reversed_chest_turns_the_whole_sum_over(belly_sign):
    """Polarity "auto" on two belts, the chest mounted the other way round (the belly too,
    or not): the sum follows the chest, so once the chest is found reversed (after five
    breaths) the whole sum turns over with it. From then on the breaths are the right way
    up: every one found, the exhale (3.4 s in, 5.6 s out, 1 s still) measured as the
    exhale, no hold."""
    rng = random.Random(3)
    chest, peaks = breathing(120, rate_bpm=6, fs=50, inhale_frac=0.35, pause_s=1.0)
    both = [(t, (1.83 - 0.06 * x + rng.gauss(0, 0.0005),
                 1.75 + belly_sign * 0.04 * x + rng.gauss(0, 0.0005))) for t, x in chest]
    an = BreathAnalyzer(["chest", "belly"], polarity="auto")
    events, found = [], None
    for t, x in both:
        events += an.feed(t, x)
        if found is None and an.inverted[0]:
            found = t
    assert an.inverted == (True, belly_sign < 0)
    assert found < 60
    assert not [e for e in events if isinstance(e, Hold)]
    late = [p for p in peaks if found + 10 < p < 115]
    assert matched(exhales(events), late, tol=0.8) == len(late)
    after = [b for b in breaths(events) if b.at > found]
    assert len(after) >= 5
    assert all(b.ratio == pytest.approx(6.6 / 3.4, rel=0.2) for b in after)


def _belt_put_on(before: str, seconds: float = 90.0, fs: float = 50.0):
    """Volts as the unit reads them: 20 s of a belt unplugged (at the 3.3 V rail) or lying
    still (at its rest level), each with only the ADC's noise, then worn and breathing
    12/min with 60 mV breaths."""
    rng = random.Random(5)
    out = []
    for k in range(int(seconds * fs)):
        t = k / fs
        if t < 20.0:
            v = (3.3 if before == "unplugged" else 1.8) + rng.gauss(0, 0.0005)
        else:
            v = 1.8 + 0.06 * (0.5 - 0.5 * math.cos(2 * math.pi * (t - 20.0) / 5.0))
            v += rng.gauss(0, 0.001)
        out.append((t, v))
    return out


@pytest.mark.parametrize("rails", [None, (0.1, 3.2)])
@pytest.mark.parametrize("before", ["unplugged", "lying still"])
def test_a_belt_put_on_after_the_start_is_found_at_once(before, rails):
    """The unit knows its circuit: the smallest breath (the ADC's noise before the belt is
    worn makes no breaths and no "noisy" belt) and the rails (an unplugged belt is a fault
    from the start, which ends when it is plugged in). Plugging in is no disconnection."""
    an = BreathAnalyzer(["belly"], min_breath=0.01, rails=rails)
    events = run(an, _belt_put_on(before))
    faults = [e for e in events if isinstance(e, Fault | FaultEnd)]
    if rails and before == "unplugged":
        assert [(type(e), e.kind) for e in faults] == [(Fault, "disconnected"),
                                                       (FaultEnd, "disconnected")]
        assert faults[0].at < 0.1 and 20.0 <= faults[1].at < 20.2
    else:
        assert not faults
    assert not [e for e in breaths(events) if e.end < 20.0]
    late = [e for e in breaths(events) if e.start > 25.0]
    assert len(late) >= 12
    assert late[-1].rate_bpm == pytest.approx(12.0, rel=0.05)
    assert late[-1].depth == pytest.approx(1.0, abs=0.15)


def test_a_second_belt_plugged_in_late_is_measured_from_then_on():
    rng = random.Random(6)
    samples = []
    for k in range(90 * 50):
        t = k / 50
        b = 0.5 - 0.5 * math.cos(2 * math.pi * t / 5.0)
        chest = 1.8 + 0.04 * b + rng.gauss(0, 0.001)
        belly = 3.3 + rng.gauss(0, 0.0005) if t < 20 else 1.75 + 0.06 * b + rng.gauss(0, 0.001)
        samples.append((t, (chest, belly)))
    an = BreathAnalyzer(["chest", "belly"], min_breath=0.01, rails=(0.1, 3.2))
    events = run(an, samples)
    faults = [e for e in events if isinstance(e, Fault | FaultEnd)]
    assert [(type(e), e.kind, e.belt) for e in faults] == [
        (Fault, "disconnected", "belly"), (FaultEnd, "disconnected", "belly")]
    late = [e for e in breaths(events) if e.start > 30.0]
    assert len(late) >= 10
    assert all(e.belly_share == pytest.approx(0.6, abs=0.05) for e in late)
    assert all(e.depth == pytest.approx(1.0, abs=0.1) for e in late)


@pytest.mark.parametrize("before,after", [(15.0, 5.0), (6.0, 12.0)])
def test_the_rate_follows_a_new_rhythm_from_its_second_breath(before, after):
    """The next exercise's pacer: from 15 to 5 per minute (or 6 to 12), the rate must not
    linger at the old rhythm for three more breaths (the coach would cue against it)."""
    a, _ = breathing(60, rate_bpm=before, fs=50, noise=0.01)
    b, _ = breathing(120, rate_bpm=after, fs=50, noise=0.01, t0=a[-1][0] + 0.02, seed=2)
    change = b[0][0]
    events = run(BreathAnalyzer(["belly"]), a + b)
    new = [e for e in breaths(events) if e.start >= change - 0.5]
    assert new[1].rate_bpm == pytest.approx(after, rel=0.15)
    assert all(e.rate_bpm == pytest.approx(after, rel=0.1) for e in new[2:])
    old = [e for e in breaths(events) if 20 < e.end < change - 1]
    assert all(e.rate_bpm == pytest.approx(before, rel=0.1) for e in old)


@pytest.mark.parametrize("top", [True, False])
def test_a_holds_end_is_when_breathing_resumed_not_when_it_was_seen(top):
    """The report's hold lengths come from hold_end.t - hold.t: the end must be when the
    breath began, not when a quarter of a breath had been seen (about 1 s later)."""
    pre, peaks = breathing(60, rate_bpm=10, fs=50, inhale_frac=0.4, noise=0.005)
    stop = peaks[-1] if top else peaks[-1] + 3.6  # 6 s breaths: 2.4 s in, 3.6 s out
    pre = [(t, x) for t, x in pre if t < stop]
    level = 1.0 if top else 0.0
    rng = random.Random(7)
    hold = [(stop + i / 50, level + rng.gauss(0, 0.005)) for i in range(10 * 50)]
    resume = stop + 10.0
    # Breathing resumes with the exhale after a top, with the inhale after a bottom.
    post, _ = breathing(40, rate_bpm=10, fs=50, inhale_frac=0.4, noise=0.005, seed=2,
                        t0=resume - (2.4 if top else 0.0))
    post = [(t, x) for t, x in post if t >= resume]
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold + post)
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(ends) == 1
    assert ends[0].t == pytest.approx(resume, abs=0.4)
    assert ends[0].at > ends[0].t + 0.5  # seen later, as before


@pytest.mark.parametrize("sag", [lambda u: -0.012 * u * u, lambda u: -0.0015 * u ** 3])
def test_a_held_chest_that_sags_faster_and_faster_is_warned(sag):
    """The held chest sinks, speeding up (by 0.19 or 0.10 of a breath at 4 s): still a
    hold, warned on time (a rule that held back holds while the signal sped up lost them)."""
    pre, peaks = breathing(40, rate_bpm=12, fs=50, noise=0.005)
    stop = peaks[-1]
    pre = [(t, x) for t, x in pre if t < stop]
    rng = random.Random(8)
    hold = [(stop + i / 50, 1.0 + sag(i / 50) + rng.gauss(0, 0.005)) for i in range(8 * 50)]
    post, _ = breathing(20, rate_bpm=12, fs=50, noise=0.005, seed=2, t0=stop + 8.0 - 2.0)
    post = [(t, x) for t, x in post if t >= stop + 8.0]
    events = run(BreathAnalyzer(["belly"], hold_after_s=4.0), pre + hold + post)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1
    assert holds[0].at - stop == pytest.approx(4.0, abs=0.8)


def _chest_and_belly(belly, seconds=120.0, hold=(62.0, 72.0)):
    """Volts as the unit reads them: the chest breathes 12/min (0.12 V) and holds the
    breath in over ``hold``; the belly's value at ``t`` is ``belly(t, rng)``."""
    rng = random.Random(9)
    out = []
    for k in range(int(seconds * 50)):
        t = k / 50
        if hold[0] <= t < hold[1]:
            b = 1.0
        else:
            shift = hold[1] - hold[0] if t >= hold[1] else 0.0
            b = 0.5 - 0.5 * math.cos(2 * math.pi * (t - shift) / 5.0)
        out.append((t, (1.8 + 0.12 * b + rng.gauss(0, 0.001), belly(t, rng))))
    return out


@pytest.mark.parametrize("part", [0.05, 0.1])
def test_two_belts_with_a_still_belly_still_warn_a_hold(part):
    """A chest breather's belly hardly moves (``part`` of the chest's breath, with it):
    the sum is the chest's breathing, and its hold is warned (the analysis waited for
    the belts' phase, which a still belt never gives, and so never calibrated). Such a
    belly is worn: no fault, and its small share is measured (the belly cue needs it)."""
    def belly(t, rng):
        b = 1.0 if 62.0 <= t < 72.0 else 0.5 - 0.5 * math.cos(
            2 * math.pi * (t - (10.0 if t >= 72.0 else 0.0)) / 5.0)
        return 1.9 + part * 0.12 * b + rng.gauss(0, 0.001)

    an = BreathAnalyzer(["chest", "belly"], min_breath=0.01, rails=(0.1, 3.2))
    events = run(an, _chest_and_belly(belly))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=1.0)
    assert not [e for e in events if isinstance(e, Fault)]
    shares = [b.belly_share for b in breaths(events) if b.start > 15.0]
    assert None not in shares and statistics.median(shares) == pytest.approx(
        part / (1 + part), abs=0.02)


@pytest.mark.parametrize("noise", [0.0003, 0.001, 0.003])
@pytest.mark.parametrize("part", [0.0, 0.03, 0.1])
def test_on_a_noisy_circuit_a_barely_moving_belly_is_worn_and_one_of_only_noise_is_not(
        part, noise):
    """A chest breather's belly moving with the breath by ``part`` of the chest's, on a
    circuit with ``noise`` volts of noise (3 mV: about 24 ADC codes). Judged by the range
    of its 40 ms means against 10 x its noise alone, a belly of 0.03 was taken for not
    worn 5 times in 10 minutes at 3 mV ("Controleer de buikband" to a patient wearing
    it), and most breaths lost their share. Its movement with the chest's breathing
    stands out of the noise: it is worn, and its share is measured. A belly that shows
    only the noise is not worn after ``NOT_WORN_S``, and stays so."""
    def belly(t, rng):
        b = 1.0 if 62.0 <= t < 72.0 else 0.5 - 0.5 * math.cos(
            2 * math.pi * (t - (10.0 if t >= 72.0 else 0.0)) / 5.0)
        return 1.9 + part * 0.12 * b + rng.gauss(0, noise)

    events = run(_unit_belts(), _chest_and_belly(belly, seconds=600.0))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=1.0)
    faults = [(e.kind, e.belt, round(e.at)) for e in events if isinstance(e, Fault)]
    shares = [b.belly_share for b in breaths(events) if b.start > 30.0]
    if part == 0.0:
        assert faults == [("flat", "belly", round(NOT_WORN_S))]
        assert not [e for e in events if isinstance(e, FaultEnd)]
        assert set(shares) == {None}
    else:
        assert faults == []
        assert shares.count(None) <= 2 and statistics.median(
            [s for s in shares if s is not None]) == pytest.approx(part / (1 + part), abs=0.03)


def test_of_two_belts_one_that_shows_only_its_noise_is_not_worn_and_the_other_measures():
    """A belly belt that shows only the circuit's noise while the chest breathes measures
    nothing, worn or not: after ``NOT_WORN_S`` it is not worn (a ``flat`` fault: "check
    the belly belt, the chest belt measures on"). The chest then judges holds alone, and
    every breath before was measured by the chest alone too: full depth, no belly share
    made of the belly's noise."""
    an = BreathAnalyzer(["chest", "belly"], min_breath=0.01, rails=(0.1, 3.2))
    events = run(an, _chest_and_belly(lambda t, rng: 1.9 + rng.gauss(0, 0.001)))
    (fault,) = [e for e in events if isinstance(e, Fault)]
    assert (fault.kind, fault.belt) == ("flat", "belly") and "not worn" in fault.detail
    assert fault.at == pytest.approx(NOT_WORN_S, abs=0.5)
    (hold,) = [e for e in events if isinstance(e, Hold)]
    assert hold.at - 62.0 == pytest.approx(4.0, abs=1.0)
    assert not [e for e in events if isinstance(e, FaultEnd)]
    for b in breaths(events):
        assert b.belly_share is None and (b.start < 15.0 or b.end > 62.0 or b.depth
                                          == pytest.approx(1.0, abs=0.1))
    assert an.snapshot().phase != "fault"  # (the chest measures on)


def test_two_belts_with_the_belly_unplugged_from_the_start_follow_the_chest():
    an = BreathAnalyzer(["chest", "belly"], min_breath=0.01, rails=(0.1, 3.2))
    events = run(an, _chest_and_belly(lambda t, rng: 3.3 + rng.gauss(0, 0.0005), seconds=60.0,
                                hold=(100.0, 100.0)))
    faults = [e for e in events if isinstance(e, Fault)]
    assert [(f.kind, f.belt) for f in faults] == [("disconnected", "belly")]
    rates = [e.rate_bpm for e in breaths(events) if e.start > 15.0]
    assert len(rates) >= 7 and rates[-1] == pytest.approx(12.0, rel=0.05)


def _one_belt_out(out, share, seconds=140.0, hold=(62.0, 72.0), rate=12.0, since=40.0,
                  until=100.0, flat=False, lag=0.0, ripple=0.0, more=(), lying=False,
                  slack=0.0, handling=0.0, laid=()):
    """Volts as the unit reads them: both belts follow one breath (12/min, held in over
    ``hold``), the chest carrying ``share`` of it, the belly ``lag`` s later, both with
    ``ripple`` x the breath of cardiac ripple; the belt ``out`` is unplugged (the 3.3 V
    rail) or, with ``flat``, stuck on one code over [since, until), or with ``lying``
    lies still there (where its breath was at ``since``, less ``slack``: a belt taken off
    goes slack; only its noise) and is put on again 0.03 V tighter, over ``handling`` s
    (pulled and let go, between slack and tight, before it breathes); and the belts of
    ``more`` ((belt, since, until), ...) are unplugged as well, those of ``laid`` lie
    still there (where their breath was at ``since``: only their noise)."""
    rng = random.Random(9)
    rows = []
    hands = random.Random(int(until * 10))
    pulls = [hands.uniform(-0.08, 0.12) for _ in range(int(handling / 0.5) + 2)]

    def breath(t):
        if hold and hold[0] <= t < hold[1]:
            return 1.0
        shift = hold[1] - hold[0] if hold and t >= hold[1] else 0.0
        return 0.5 - 0.5 * math.cos(2 * math.pi * (t - shift) * rate / 60.0)

    for k in range(int(seconds * 50)):
        t = k / 50
        beat = ripple * math.sin(2 * math.pi * 1.1 * t)
        v = {"chest": 1.8 + 0.3 * share * (breath(t) + beat) + rng.gauss(0, 0.001),
             "belly": 1.7 + 0.3 * (1 - share) * (breath(t - lag) + beat) + rng.gauss(0, 0.001)}
        if lying:
            if since <= t < until:
                v[out] = {"chest": 1.8 + 0.3 * share * breath(since),
                          "belly": 1.7 + 0.3 * (1 - share) * breath(since - lag)}[out] + (
                    rng.gauss(0, 0.001)) - slack
            elif until <= t < until + handling:  # (moved by hand: every 0.5 s a level)
                k, x = divmod((t - until) / 0.5, 1.0)
                v[out] = {"chest": 1.8, "belly": 1.7}[out] + pulls[int(k)] + x * (
                    pulls[int(k) + 1] - pulls[int(k)]) + rng.gauss(0, 0.001)
            elif t >= until:
                v[out] += 0.03
        elif since <= t < until:
            v[out] = 1.234 if flat else 3.3 + rng.gauss(0, 0.0005)
        for belt, t0, t1 in more:
            if t0 <= t < t1:
                v[belt] = 3.3 + rng.gauss(0, 0.0005)
        for belt, t0, t1 in laid:
            if t0 <= t < t1:
                v[belt] = {"chest": 1.8 + 0.3 * share * breath(t0),
                           "belly": 1.7 + 0.3 * (1 - share) * breath(t0 - lag)}[belt] + (
                    rng.gauss(0, 0.001))
        rows.append((t, (v["chest"], v["belly"])))
    return rows


def _unit_belts():
    return BreathAnalyzer(["chest", "belly"], min_breath=0.01, rails=(0.1, 3.2))


@pytest.mark.parametrize("out", ["chest", "belly"])
@pytest.mark.parametrize("share", [0.3, 0.5, 0.7])
@pytest.mark.parametrize("flat", [False, True])
def test_with_one_of_two_belts_out_the_other_still_warns_a_hold(out, share, flat):
    """A belt's plug comes out (or its reading sticks) for a minute, and the patient holds
    the breath meanwhile: the other belt judges the hold on its own, against its part of
    the normal breath, and warns it as both would (before: no hold while either belt had
    a fault). The hold ends when breathing resumes, and nothing else is a hold."""
    events = run(_unit_belts(), _one_belt_out(out, share, flat=flat))
    faults = [e for e in events if isinstance(e, Fault)]
    assert [f.belt for f in faults] == [out] and 40.0 <= faults[0].at <= 42.0
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=0.5)
    assert len(ends) == 1 and 72.0 < ends[0].at < 74.0


@pytest.mark.parametrize("out", ["chest", "belly"])
@pytest.mark.parametrize("share", [0.3, 0.5, 0.7])
def test_of_two_belts_one_laid_down_is_not_worn_and_the_other_measures_alone(out, share):
    """The belt ``out`` is taken off at 20 s and laid down, its plug still in, and put on
    again at 180 s; the patient breathes on, and holds the breath over 130-140 s. The sum
    still breathes, so no hold said so: before, nothing did. The belly read a share near
    0 ("Adem naar je buik" to a patient whose belly belt lay on the floor), each breath
    read as deep as the other belt's part and the normal breath shrank toward it, and the
    hold was judged against the normal breath of both. Now the belt is not worn
    ``NOT_WORN_S`` after it lay down until it is put on; meanwhile every breath reads
    about 1.0 deep and has no share, the other belt judges the hold alone, and once the
    belt is on again the share is back."""
    rows = _one_belt_out(out, share, seconds=240.0, hold=(130.0, 140.0), since=20.0,
                         until=180.0, lying=True)
    events = run(_unit_belts(), rows)
    faults = [e for e in events if isinstance(e, Fault)]
    assert [(f.kind, f.belt) for f in faults] == [("flat", out)]
    assert "not worn" in faults[0].detail
    assert faults[0].at == pytest.approx(20.0 + NOT_WORN_S, abs=1.0)
    (over,) = [e for e in events if isinstance(e, FaultEnd)]
    assert over.belt == out and 180.0 <= over.at < 181.0
    (hold,) = [e for e in events if isinstance(e, Hold)]
    (end,) = [e for e in events if isinstance(e, HoldEnd)]
    assert hold.at - 130.0 == pytest.approx(4.0, abs=0.5) and 140.0 < end.at < 142.0
    lying = [b for b in breaths(events) if b.start > 25.0 and b.end < 178.0
             and not b.start < 140.0 < b.end]
    assert len(lying) >= 25 and all(b.belly_share is None for b in lying)
    assert max(abs(b.depth - 1.0) for b in lying) < 0.1
    on = [b.belly_share for b in breaths(events) if b.start > 185.0]
    assert len(on) >= 8 and statistics.median(on) == pytest.approx(1.0 - share, abs=0.05)


@pytest.mark.parametrize("out", ["chest", "belly"])
def test_a_belt_put_on_again_from_slack_leaves_the_breathing_measured(out):
    """A belt laid down goes slack (0.15 V below where it breathed: half the breath of
    both) and is put on again, at any point of a breath. Lying still for over a minute,
    it left the belts' phase nothing to go by, and its step back to the worn level,
    against the other belt's movement, turned its sign in the sum: the two cancelled,
    a hold was warned 4 s later to a patient breathing on, and no breath was found for
    the rest of the minute. Now it is held out of the sum while it is put on, as a plug
    put back in, and comes back counting from there: no hold, every breath about 1.0
    deep (the one it came back in, measured by the other belt alone)."""
    for k in range(10):
        until = 180.0 + k * 0.5  # (one breath is 5 s)
        rows = _one_belt_out(out, 0.5, seconds=until + 30.0, hold=None, since=20.0,
                             until=until, lying=True, slack=0.15)
        events = run(_unit_belts(), rows)
        (over,) = [e for e in events if isinstance(e, FaultEnd)]
        assert over.belt == out and until <= over.at < until + 0.5
        assert not [e for e in events if isinstance(e, Hold)], until
        after = [b for b in breaths(events) if b.end > until]
        assert len(after) >= 5, until
        assert all(b.depth == pytest.approx(1.0, abs=0.1) for b in after), (
            until, [(round(b.start, 1), round(b.depth, 2)) for b in after])


@pytest.mark.parametrize("out", ["chest", "belly"])
def test_a_belt_put_on_again_by_hand_leaves_the_belts_summed_as_they_breathe(out):
    """The same, but the belt is put on over 6 s: pulled and let go between slack and
    tight, every half second another way, before it breathes. The belts' phase had
    followed the belt lying still for the minute before it was taken for not worn, and
    kept nothing of how the two belts breathed: the handling turned its sign in the
    sum, which cancelled (a hold 4 s later and no breath for the next minute, at two of
    ten points of a breath). A belt that does not move says nothing about the phase:
    the belts stay summed as they breathed before, and after the handling every breath
    is about 1.0 deep, without a hold."""
    for k in range(10):
        until = 180.0 + k * 0.5
        rows = _one_belt_out(out, 0.5, seconds=until + 40.0, hold=None, since=20.0,
                             until=until, lying=True, slack=0.15, handling=6.0)
        events = run(_unit_belts(), rows)
        assert not [e for e in events if isinstance(e, Hold)], until
        after = [b for b in breaths(events) if b.start > until + 6.0]
        assert len(after) >= 5, until
        assert all(b.depth == pytest.approx(1.0, abs=0.1) for b in after), (
            until, [(round(b.start, 1), round(b.depth, 2)) for b in after])


def test_of_two_belts_one_laid_down_and_the_other_unplugged_is_no_hold():
    """The chest belt lies unworn; then the belly is unplugged too: nothing measures.
    Before, the chest lying still was taken for a held breath, "Blijf ademen!" for as
    long as the belly was out; now both belts have their fault, and no hold is judged."""
    rows = _one_belt_out("chest", 0.5, seconds=260.0, hold=None, since=20.0, until=250.0,
                         lying=True, more=(("belly", 130.0, 190.0),))
    an = _unit_belts()
    events, phases = [], set()
    for t, x in rows:
        events.extend(an.feed(t, x))
        if 131.0 < t < 189.0:
            phases.add(an.snapshot().phase)
    assert not [e for e in events if isinstance(e, Hold)]
    assert [(e.kind, e.belt) for e in events if isinstance(e, Fault)] == [
        ("flat", "chest"), ("disconnected", "belly")]
    assert phases == {"fault"}


@pytest.mark.parametrize("on", [250.0, 251.3, 252.6])
def test_of_two_belts_laid_down_one_put_on_again_leaves_the_other_one_fault(on):
    """The chest lies unworn from 20 s; the belly is laid down too at 130 s (both belts
    still: taken for a hold, then for not worn) and stays there while the chest is put
    on again at ``on``. The belly lies on, not worn, while the chest breathes: one fault
    for the time it lay there. Before, its fault ended when the chest's breathing ended
    the stillness and came back 0.06 s later, as lying while the other breathes: two
    rows in the record for one time off, and the notice flickered."""
    rows = _one_belt_out("chest", 0.5, seconds=330.0, hold=None, since=20.0, until=on,
                         lying=True, laid=(("belly", 130.0, 310.0),))
    events = run(_unit_belts(), rows)
    flat = [(e.belt, round(e.at)) for e in events if isinstance(e, Fault)]
    over = [(e.belt, round(e.at)) for e in events if isinstance(e, FaultEnd)]
    assert flat == [("chest", 80), ("belly", 190)]
    assert over == [("chest", round(on)), ("belly", 310)]
    (end,) = [e for e in events if isinstance(e, HoldEnd)]
    assert end.not_worn and end.at == pytest.approx(190.0, abs=1.0)
    assert breaths([e for e in events if e.at > on + 10.0])  # the chest measures


@pytest.mark.parametrize("out", ["chest", "belly"])
@pytest.mark.parametrize("rate", [4.0, 6.0, 20.0, 30.0])
def test_with_one_of_two_belts_out_breathing_on_is_no_hold(out, rate):
    """The other belt alone, breathing from 4 to 30/min: its slow turns are its own
    breath's (judged against its part of the normal breath, not the whole), so no hold."""
    events = run(_unit_belts(), _one_belt_out(out, 0.5, seconds=300.0, hold=None, rate=rate,
                                              since=60.0, until=280.0))
    assert not [e for e in events if isinstance(e, Hold)]
    assert [(e.kind, e.belt) for e in events if isinstance(e, Fault)] == [("disconnected", out)]
    alone = [b for b in breaths(events) if 65.0 < b.start < 275.0]
    assert len(alone) >= round(rate * 210 / 60) - 1  # the breaths of the belt left


@pytest.mark.parametrize("rate", [6.0, 12.0, 20.0])
@pytest.mark.parametrize("out,share", [("belly", 0.3), ("chest", 0.7), ("belly", 0.5)])
def test_when_the_belt_carrying_most_of_the_breath_drops_out_no_breath_is_lost(out, share,
                                                                             rate):
    """The belt that carries most of the breath comes unplugged at any point of a breath
    (and back a minute later): the sum now moves only by the other belt's part, and the
    turn detector must expect that size at once. Before, gated by the breaths of both, it
    missed or merged the next one or two breaths and read them 0.1-0.6 deep, up to 7.5 s
    late. Every breath is found, within a second of its top, and reads about 1.0 deep."""
    period = 60.0 / rate
    for k in range(4):
        since = 60.0 + k * period / 4
        rows = _one_belt_out(out, share, seconds=150.0, hold=None, rate=rate, since=since,
                             until=since + 60.0)
        events = run(_unit_belts(), rows)
        tops = [(n + 0.5) * period for n in range(int(150 / period))]
        for t0 in (since, since + 60.0):  # out, and back
            truth = [p for p in tops if t0 < p < t0 + 30.0]
            got = [e for e in events if isinstance(e, Exhale) and t0 - 0.5 < e.t < t0 + 30.5]
            top = [min(tops, key=lambda p, e=e: abs(p - e.t)) for e in got]
            assert matched([e.t for e in got], truth) == len(truth), (k, t0)
            assert all(abs(e.t - p) <= 0.5 for e, p in zip(got, top, strict=True)), (k, t0)
            assert all(e.at - p < 1.0 + 0.1 * period for e, p in zip(got, top, strict=True))
            assert all(b.depth == pytest.approx(1.0, abs=0.15) for b in breaths(events)
                       if t0 - 1.0 < b.end and b.start < t0 + 30.0), (k, t0)
        assert not [e for e in events if isinstance(e, Hold)]


@pytest.mark.parametrize("rate", [6.0, 12.0, 20.0])
@pytest.mark.parametrize("late,share", [("belly", 0.2), ("belly", 0.4), ("chest", 0.3)])
def test_a_belt_plugged_in_during_a_breath_leaves_its_depth_right(late, share, rate):
    """One belt is unplugged from the start, so the normal breath is learned on the other
    alone; then it is plugged in, at any point of a breath. That breath is measured by
    the first belt alone, by its own excursion: the sum's also held the new belt's part
    from when it came, and read it up to five times too deep (a 'do not force' cue for a
    calm breath). Every breath around it reads about 1.0 deep."""
    period = 60.0 / rate
    for k in range(3):
        plug = 60.0 + k * 0.3 * period
        rows = _one_belt_out(late, share, seconds=100.0, hold=None, rate=rate, since=0.0,
                             until=plug)
        events = run(_unit_belts(), rows)
        around = [b for b in breaths(events) if plug - 2 * period < b.end < plug + 30.0]
        assert len(around) >= 30.0 / period - 1
        assert all(b.depth == pytest.approx(1.0, abs=0.2) for b in around), (
            plug, [(round(b.start, 1), round(b.depth, 2)) for b in around])


@pytest.mark.parametrize("case", ["out before calibration", "recalibrated while out"])
def test_a_belt_lost_before_the_normal_breath_is_learned_leaves_the_other_to_learn_it(case):
    """The belly comes off 8 s in, before three breaths were measured by both (or the
    therapist recalibrates while it is off): the normal breath is learned on the chest,
    and the chest's hold is warned (before, the analysis never calibrated: no hold all
    session, while the screen said the chest measured on)."""
    an = _unit_belts()
    rows = _one_belt_out("belly", 0.5, since=8.0 if case == "out before calibration" else 20.0,
                         until=140.0)
    events = []
    for t, v in rows:
        if case == "recalibrated while out" and t == 30.0:
            an.recalibrate()
        events += an.feed(t, v)
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=0.5)
    assert all(b.depth == pytest.approx(1.0, abs=0.1) for b in breaths(events) if b.at > 80)


def test_with_the_chest_flat_the_smoothing_follows_the_belly_s_ripple():
    """Cardiac ripple of a tenth of a breath on both belts, and the chest stuck on one
    code: the smoothing must count the wiggles of the belly that measures, against its
    own breath, not those of the flat chest, or the ripple keeps the belly from being
    still: the 10 s hold was warned only after it had ended."""
    events = run(_unit_belts(), _one_belt_out("chest", 0.5, flat=True, ripple=0.1))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and 65.5 < holds[0].at < 70.0


@pytest.mark.parametrize("rate", [12.0, 30.0])
def test_a_belly_lagging_the_chest_judges_holds_alone_by_its_own_amplitude(rate):
    """The belly follows the chest 0.5 s late (at 30/min a quarter of a breath). Its part
    of the normal breath is its own amplitude against the sum's, not its excursion at the
    sum's turns (near zero at 30/min, which judged no hold at all with the chest out)."""
    events = run(_unit_belts(), _one_belt_out("chest", 0.5, rate=rate, lag=0.5))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=1.0)


@pytest.mark.parametrize("since,until", [(66.0, 100.0), (40.0, 68.0)])
def test_a_belt_unplugged_or_plugged_back_during_a_hold_leaves_it_one_hold(since, until):
    """The belly's plug comes out 4 s into a held breath, or goes back in 6 s into it:
    one hold, warned once, ending when breathing resumes (before: the fault ended it and
    a second warning followed, or the plug's step ended it)."""
    events = run(_unit_belts(), _one_belt_out("belly", 0.5, since=since, until=until))
    holds = [e for e in events if isinstance(e, Hold)]
    ends = [e for e in events if isinstance(e, HoldEnd)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=0.5)
    assert len(ends) == 1 and 72.0 < ends[0].at < 74.0 and ends[0].t > 71.0


def test_belts_swapped_after_the_normal_breath_was_learned_on_one_are_learned_again():
    """The belly is out from the start, so the normal breath is learned on the chest; at
    30 s the belly is plugged in and, within a second, the chest's plug comes out. The
    belly alone must learn its own normal breath and judge the hold (before: calibrated
    on the chest, no part known for the belly, no hold for the rest of the session)."""
    events = run(_unit_belts(), _one_belt_out("belly", 0.5, since=0.0, until=30.0,
                                              more=[("chest", 30.5, 140.0)]))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=0.5)


@pytest.mark.parametrize("period", [6.0, 16.0])
def test_a_flaky_plug_from_the_start_does_not_keep_the_calibration_from_ending(period):
    """The belly's plug is out half of the time from the start, in spans shorter than
    three breaths: the normal breath is learned on whichever belts measure three breaths
    first (it started over at every change, and at 16/min never ended: no hold)."""
    flaky = [("belly", k * period, k * period + period / 2) for k in range(int(60 / period))]
    events = run(_unit_belts(), _one_belt_out("belly", 0.5, rate=16.0, since=0.0, until=0.0,
                                              more=flaky))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=0.5)


def test_plugging_in_the_second_belt_keeps_the_normal_breath_meanwhile():
    """Learned on the chest alone, then the belly is plugged in 4 s before a hold: the
    normal breath of both is learned meanwhile, and the hold is judged against the
    chest's until then (before: three breaths without any hold judgement)."""
    an = _unit_belts()
    events = run(an, _one_belt_out("belly", 0.5, since=0.0, until=58.0))
    holds = [e for e in events if isinstance(e, Hold)]
    assert len(holds) == 1 and holds[0].at - 62.0 == pytest.approx(4.0, abs=0.5)
    later = [b for b in breaths(events) if b.start > 75.0]
    assert later and all(b.depth == pytest.approx(1.0, abs=0.1) for b in later)
    assert an.snapshot().calibrated


@pytest.mark.parametrize("share,rate", [(0.3, 12.0), (0.5, 12.0), (0.7, 12.0), (0.5, 4.0)])
def test_the_ring_level_fits_the_breath_once_the_second_belt_is_in(share, rate):
    """Learned on the chest alone, then the belly is plugged in: until the normal breath
    of both is learned (three breaths), the level the ring shows is the sum's against the
    chest's normal breath scaled up by the belts' own amplitudes (the new belt's range
    while its own turns are first guesses), not against the chest's alone (the ring read
    1.4-1.5 breaths, and -0.5 at the bottom, for three to four breaths)."""
    an = _unit_belts()
    period = 60.0 / rate
    levels = []
    for t, v in _one_belt_out("belly", share, seconds=50.0 + 6 * period, rate=rate,
                              hold=None, since=0.0, until=50.0):
        an.feed(t, v)
        if t >= 50.0 + period:  # from the breath after the one it came in
            levels.append(an.snapshot().level)
    assert 0.85 < max(levels) < 1.15 and -0.15 < min(levels) < 0.15


def test_the_ring_level_fits_the_breath_when_the_second_belt_came_in_during_a_hold():
    """Plugged in while the patient holds the breath: the new belt's first turns are
    ripple (its amplitude at the floor), so its range is what counts until it turned on
    real breaths (the ring swung from -0.5 to 1.5 for two breaths after the hold)."""
    an = _unit_belts()
    levels = []
    for t, v in _one_belt_out("belly", 0.3, seconds=110.0, hold=(46.0, 56.0), since=0.0,
                              until=50.0):
        an.feed(t, v)
        if t >= 62.0:
            levels.append(an.snapshot().level)
    assert 0.85 < max(levels) < 1.15 and -0.15 < min(levels) < 0.15


@pytest.mark.parametrize("into", [4.013, 5.033, 6.033, 7.013])
def test_a_plug_pulled_mid_hold_at_any_moment_of_a_block_leaves_one_hold(into):
    """The 40 ms block in which the plug comes out is half breathing level, half rail: it
    must not enter the breath signal as movement (it ended the hold, and a second warning
    followed, at about 40 % of the moments at 50 Hz)."""
    events = run(_unit_belts(), _one_belt_out("belly", 0.5, since=62.0 + into, until=140.0))
    assert len([e for e in events if isinstance(e, Hold)]) == 1
    assert len([e for e in events if isinstance(e, HoldEnd)]) == 1


def test_a_belt_left_with_less_than_a_quarter_of_the_breath_judges_no_hold():
    """The chest carries a fifth of each breath, and the belly comes off: too little to
    tell a held breath from a shallow one, so, as before, no hold is judged until the
    belly is back."""
    events = run(_unit_belts(), _one_belt_out("belly", 0.2))
    assert not [e for e in events if isinstance(e, Hold)]
    assert [e.belt for e in events if isinstance(e, Fault)] == ["belly"]


@pytest.mark.parametrize("out", ["chest", "belly"])
def test_a_belt_unplugged_from_the_start_leaves_the_other_to_learn_and_judge(out):
    """The second belt is not plugged in until 150 s: the normal breath is learned on the
    one belt and its hold warned after 4 s; once both are in, the normal breath is
    learned again with both (depth 1, the share measured) and a hold is warned again."""
    rows = _one_belt_out(out, 0.4, seconds=100.0, since=0.0, until=150.0)
    rows += _one_belt_out(out, 0.4, seconds=260.0, hold=(200.0, 210.0), since=0.0,
                          until=150.0)[5000:]
    events = run(_unit_belts(), rows)
    assert [(type(e).__name__, e.belt) for e in events if isinstance(e, Fault | FaultEnd)] == [
        ("Fault", out), ("FaultEnd", out)]
    holds = [e for e in events if isinstance(e, Hold)]
    assert [round(h.at - s) for h, s in zip(holds, (62.0, 200.0), strict=True)] == [4, 4]
    both = [b for b in breaths(events) if b.start > 152.0]
    assert len(both) >= 8
    assert all(b.depth == pytest.approx(1.0, abs=0.1) for b in both)
    assert all(b.belly_share == pytest.approx(0.6, abs=0.05) for b in both)
    assert all(b.belly_share is None for b in breaths(events) if b.start < 150.0)


@pytest.mark.parametrize("phase", [0.0, 1.0, 2.0, 3.0, 4.0])
def test_no_turn_is_put_before_the_first_sample(phase):
    """A recording that starts near a bottom: the first trough's time, less the smoothing's
    lag, lay up to 0.1 s before the recording began (``analyze`` printed t = -0.096)."""
    samples, _ = breathing(40 + phase, rate_bpm=12, fs=125, noise=0.002)
    samples = [(t - phase, x) for t, x in samples if t >= phase]
    events = run(BreathAnalyzer(["belly"]), samples)
    first = samples[0][0]
    assert [e for e in events if isinstance(e, Inhale)]
    assert all(e.t >= first for e in events if isinstance(e, Inhale | Exhale))
    assert all(b.start >= first for b in breaths(events))


def test_the_normal_breath_follows_forced_breaths_five_percent_a_breath():
    """The normal breath is set by the calibration and moves 5 % towards each breath, up
    to 2 x (docs/analysis.md): a patient who keeps breathing 2.2 x as deep reads less deep
    each breath, below the cue's 1.8 from the fifth breath on (bench/bench_depth.py says why it
    follows: at rest the normal breath of real belts moves by up to 2.9 x)."""
    calm, _ = breathing(60, rate_bpm=10, amp=1.0, noise=0.005)
    deep, _ = breathing(90, rate_bpm=10, amp=2.2, noise=0.005, t0=60.0, seed=2)
    an = BreathAnalyzer(["belly"])
    assert an.normal_amplitude == 0.0
    before, forced = [], []
    for t, x in calm + deep:
        for e in an.feed(t, (x,)):
            if isinstance(e, Breath) and an.normal_amplitude > 0:
                (before if e.start < 59.5 else forced).append((e.depth, an.normal_amplitude))
    normal = before[-1][1]
    assert normal > 0 and all(d == pytest.approx(1.0, abs=0.1) for d, _ in before[3:])
    depths = [d for d, _ in forced]
    assert depths[0] == pytest.approx(2.2 / 1.05, abs=0.15)
    assert all(b < a for a, b in zip(depths[:5], depths[1:6], strict=True))
    assert depths[3] > 1.8 > depths[5]
    # the amplitude itself stays that of the forced breath: depth x the normal now
    assert all(d * n == pytest.approx(2.2 * normal, rel=0.1) for d, n in forced)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_belly_moving_about_as_little_as_the_noise_allows_does_not_flicker(seed):
    """A chest breather's belly moving with the breath by half a percent of the chest's
    (0.6 mV, about the least ``along`` counts) on a 1 mV circuit: one window finds its
    movement and the next does not. Once taken for not worn, each window that found it
    ended the fault and the next minute began it again, up to 5 times in 10 minutes, and
    once 0.1-0.2 s later ("Controleer de buikband" flickered, two rows in the record each
    time). A belt taken for not worn is put on again by its movement with the other's
    breathing only from ``ALONG_BACK`` x the floor: one fault, which lasts."""
    rng = random.Random(seed)
    rows = []
    for k in range(600 * 50):
        t = k / 50
        b = 0.5 - 0.5 * math.cos(2 * math.pi * t / 5.0)
        rows.append((t, (1.8 + 0.12 * b + rng.gauss(0, 0.001),
                         1.9 + 0.005 * 0.12 * b + rng.gauss(0, 0.001))))
    events = run(_unit_belts(), rows)
    faults = [(type(e).__name__, e.belt, round(e.at, 1)) for e in events
              if isinstance(e, Fault | FaultEnd)]
    assert len(faults) <= 1, faults
