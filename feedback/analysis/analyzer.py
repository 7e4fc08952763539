"""``BreathAnalyzer``: one or two belts in, breath events out, one sample at a time.

Data flow per sample: each belt's ``FrontEnd`` (raw checks, 40 ms block means, low-pass)
-> on every new block: faults, the breath signal (one belt, or two belts summed in their
own units, polarity-corrected, a belt moving against the other turned round:
``pair.BeltPair``) -> ``TurnDetector`` (peaks and troughs) -> events; and the same
signal -> ``HoldJudge`` -> holds. Nothing looks ahead: every event is emitted from
samples already seen, with ``at`` = the time of the sample that completed the evidence.

Calibration: the first ``CAL_BREATHS`` breaths set the normal breath amplitude (depth
1.0, level 0..1); afterwards it keeps following the breathing slowly. Polarity
(``"auto"``): a person breathes in faster than out, so if over the first breaths the
"rise" takes clearly longer than the "fall" (median ratio above ``FLIP_RATIO``) the belt
is taken to be mounted inverted and the signal is flipped once. ``"normal"`` (higher =
inhale) and ``"inverted"`` fix it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from feedback.analysis.faults import FLAT_MIN_N, FLAT_S, JUMP, BeltFaults
from feedback.analysis.frontend import FrontEnd
from feedback.analysis.holds import NEAR_SHARE, HoldJudge
from feedback.analysis.pair import BELT_FLOOR, TURNS_SEEN, BeltPair
from feedback.analysis.turns import TurnDetector, _median
from feedback.events import Breath, Event, Exhale, Fault, FaultEnd, Hold, HoldEnd, Inhale

CAL_BREATHS = 3
POLARITY_BREATHS = 5
FLIP_RATIO = 1.25
ADAPT = 0.05  # share of each new breath in the running normal amplitude
POLARITIES = ("auto", "normal", "inverted")
OUTLIER = 3.0  # a breath this many times longer or shorter than usual is left out of the rate
SHIFT = 1.6  # ... two in a row this far off the same way are a new rhythm
SMOOTH_CLEAN = 1 / 50  # low-pass time constant per stage, x period, clean signal
SMOOTH_RIPPLE = 1 / 9  # ... when the signal wiggles 4 or more times per breath
WIGGLE_H = 0.05  # reversal size that counts as a wiggle, x breath amplitude
WIGGLE_ADAPT = 0.2  # share of each new period in the running wiggle count
TURN_SIZE = 0.5  # a turn this x the calibrated breath or more is a breath's, for slow turns
OWN_PARTS = 5  # two belts: breaths whose belts' parts of the sum are remembered
PARADOX_R = 0.1  # two belts whose values over a breath correlate below -this: paradoxical
GAP_S = 0.5  # no sample for longer than this: the breathing in between is unknown
HELD_GAP_S = 2.5  # ... but a hold goes on across a shorter one (a bus timeout and its pause)
HIDE = 0.6  # ... and stillness across one shorter than this x the quickest recent breath's
#            movement (no breath fits in it: else the rests on either side add up to a hold)
NOT_WORN_S = 60.0  # a hold this long is a belt not worn (laid down, its plug still in)
WORN_TOL_S = 1.0  # a breath from this long before the belt moved again is its first
LYING_QUIET = 0.25  # two belts: one moving less than this x the smallest breath (or ...
LYING_NOISE = 10.0  # ... this x its own noise, if more) for NOT_WORN_S while the other
#                     breathes lies unworn (``_watch_lying``)
PUT_ON_S = 3.0  # ... and once it moves again, it is held out of the sum this long
ALONG_BREATHS = 1.5  # ... its movement with the other's breathing is judged over windows
ALONG_S = (15.0, 25.0)  # of this many usual breaths, within these seconds (``_watch_lying``)
ALONG_FLOOR = 0.05  # ... and counts from this x the smallest breath, peak to peak
ALONG_BACK = 2.0  # ... and from this x that for a belt already taken for not worn


@dataclass(frozen=True)
class AnalysisState:
    """What the screen and ring need right now."""

    phase: str  # 'inhale' | 'exhale' | 'hold' | 'fault' | 'calibrating'
    level: float  # 0 = end of a normal exhale, 1 = top of a normal inhale
    rate_bpm: float | None
    ratio: float | None  # exhale:inhale of the recent breaths
    depth: float | None  # last breath, 1.0 = calibrated normal
    calibrated: bool
    breath: Breath | None


def _usual(durations) -> float:
    """The usual of recent phase durations, for a slow turn: the median, but never more
    than the last (a patient who speeds up is followed at once), unless the last two are
    both ``SHIFT`` x longer (a new, slower rhythm, as for the rate)."""
    med, last = _median(durations), durations[-1]
    if len(durations) >= 2 and min(last, durations[-2]) >= SHIFT * med:
        return min(last, durations[-2])
    return min(med, last)


class BreathAnalyzer:
    """Causal breath analysis for ``belts`` (names in the order of ``values``)."""

    def __init__(self, belts: Sequence[str], hold_after_s: float = 4.0,
                 polarity: str | Sequence[str] = "normal", min_breath: float = 0.0,
                 rails: tuple[float, float] | None = None):
        belts = list(belts)
        if not 1 <= len(belts) <= 2:
            raise ValueError("the analysis takes one or two belts")
        pols = [polarity] * len(belts) if isinstance(polarity, str) else list(polarity)
        if len(pols) != len(belts) or any(p not in POLARITIES for p in pols):
            raise ValueError(f"polarity must be one of {', '.join(POLARITIES)} per belt")
        self.belts = belts
        self._pols = pols
        # The smallest swing that can be a breath, in the input's units: the unit knows its
        # circuit (a belt lying still or unplugged shows only the ADC's noise, which must
        # not become breaths, a normal breath and a "noisy" belt); 0 for recordings of
        # unknown scale, where everything is relative to the signal itself.
        self.min_breath = float(min_breath)
        self._fe = [FrontEnd() for _ in belts]
        # ``rails``: where a belt can only be unplugged or shorted (the circuit's own
        # levels, in the input's units, polarity not applied): outside (lo, hi) it is
        # ``disconnected`` at once, also before any breath; back inside, it is plugged in.
        # None: unknown.
        self._faults = [BeltFaults(rails) for _ in belts]
        self._railed = [False] * len(belts)  # a sample of the block beyond a rail
        self._run_y = [0.0] * len(belts)  # smoothed value when the current raw run began
        self._judge = HoldJudge(hold_after_s)
        belly = belts.index("belly") if "belly" in belts else len(belts) - 1
        self._pair = (BeltPair(self._fe, self._faults, belly, self._judge, self.min_breath)
                      if len(belts) == 2 else None)
        self._alone: tuple[int, float] | None = None  # (belt, its usual) measuring alone
        self._unworn: list[int] = []  # the belts taken for not worn (``NOT_WORN_S``)
        self._worn_from = float("-inf")  # breathing moved them again from then
        self._tb = float("-inf")  # time of the last analysed block
        self._y_was: list[float] = []  # each belt's smoothed value in the block before
        self._reset_calibration()
        self._breath: Breath | None = None
        self._t_first: float | None = None
        self._t_last: float | None = None  # the last sample's time (gaps)
        self._gap_start = float("-inf")  # the last gap in the samples began
        self._gap_end = float("-inf")  # ... and when samples came back
        self._y = 0.0
        self._wdir, self._wext, self._wrev, self._wt0, self._wiggle = 0, 0.0, 0, None, 1.0
        self._wk = 0  # the belt whose wiggles are counted

    # --- public API ------------------------------------------------------------------

    @property
    def hold_after_s(self) -> float:
        return self._judge.hold_after_s

    def set_hold_after(self, seconds: float, learn_holds: bool = True) -> None:
        """Stillness of ``seconds`` is a hold. ``learn_holds`` False (the movement and load
        exercises): a hold warned at the bottom of the breath is never learned as the
        patient's own rest (``holds.HoldJudge``)."""
        self._judge.set_hold_after(seconds)
        self._judge.learn_holds = learn_holds

    def planned_pause(self, start_t: float, end_t: float) -> None:
        """The pacer asks for a pause over [start_t, end_t]: stillness there is no hold.

        Stillness that begins during the pause (or up to a second before it) counts only
        from ``end_t``; stillness that began earlier is a hold already under
        way and keeps counting through the pause (``holds.HoldJudge``).
        """
        self._judge.planned_pause(start_t, end_t, self._tb)

    def no_pacer(self) -> None:
        """No pacer runs (now): the exercise has none, or it waits. Until it announces a
        still span again (``planned_pause``), the breathing is the patient's own."""
        self._judge.no_pacer()

    def holds_from(self, t: float) -> list[Event]:
        """Hold warnings come on at ``t`` (an exercise that warns after one that did not):
        stillness before does not count towards a hold. A hold judged while they were off
        ends here; held on, it is a new hold ``hold_after_s`` after ``t``. A belt taken
        for not worn stays so."""
        if self._unworn:
            return []
        if self._judge.count_from(t):
            return [HoldEnd(at=t, t=t)]
        return []

    def recalibrate(self) -> None:
        """Forget the normal breath (and an automatic polarity) and learn it again."""
        self._reset_calibration()

    @property
    def normal_amplitude(self) -> float:
        """The normal breath's amplitude (signal units) as it stands now: set by the
        calibration and moved ``ADAPT`` towards each breath since (0 before calibration).
        A breath's ``depth`` is its amplitude over this, read just after it."""
        return self._amp_cal

    @property
    def inverted(self) -> tuple[bool, ...]:
        """Per belt: is it being read inverted (set, or found by ``polarity="auto"``)?"""
        return tuple(sign < 0 for sign in self._sign)

    def snapshot(self) -> AnalysisState:
        det = self._det
        faulted = any(f.stuck_kind or f.noisy or f.disconnected or f.lying
                      for f in self._faults)
        alone = self._alone  # (one of two belts out: the other measures on, unless it is
        if self._unworn or (faulted and (alone is None or self._out(alone[0]))):  # out too)
            phase = "fault"
        elif self._judge.holding:
            phase = "hold"
        elif not self._calibrated:
            phase = "calibrating"
        else:
            phase = "inhale" if det.mode > 0 else "exhale"
        amp = self._normal() or det.amp
        if self._joined():  # learned on one belt, both measure: the sum is more than it
            j = min(self._cal_belts)  # the new belt: its range so far, while its own
            a = [d.amp if i == j else max(d.amp, d.env)  # turns are still first guesses
                 for i, d in enumerate(self._pair.dets)]
            if a[j] > 0:
                amp = self._amp_cal * (a[0] + a[1]) / a[j]
        level = (self._y - det.last_val) / amp if amp > 0 and det.last_t is not None else 0.0
        if det.mode < 0:  # exhaling: measured down from the top just passed
            level = 1.0 - (det.last_val - self._y) / amp if amp > 0 else 0.0
        b = self._breath
        ratios = [x.exhale_s / x.inhale_s for x in self._recent if x.inhale_s > 0]
        return AnalysisState(
            phase=phase,
            level=max(-0.5, min(1.5, level)),
            rate_bpm=b.rate_bpm if b else None,
            ratio=_median(ratios) if ratios else None,
            depth=b.depth if b else None,
            calibrated=self._calibrated,
            breath=b,
        )

    def feed(self, t: float, values: Sequence[float]) -> list[Event]:
        """One sample: ``t`` seconds (never before the last sample's), one value per
        belt. Returns the events it caused."""
        out: list[Event] = []
        fes = self._fe
        if self._t_first is None:
            self._t_first = t  # no turn is put before the first sample
        elif t - self._t_last > GAP_S:
            self._gap(self._t_last, t, out)
        self._t_last = t
        if len(values) != len(fes):
            raise ValueError(f"expected {len(fes)} values (one per belt), got {len(values)}")
        ready = False
        rails = self._faults[0].rails  # (the same circuit for every belt)
        for i, fe in enumerate(fes):
            x = float(values[i])
            if x != x:  # nan: a missing reading; skip it
                continue
            if rails is not None and not rails[0] < x < rails[1]:
                self._railed[i] = True
            if x != fe.last_x:
                if fe.run_n >= FLAT_MIN_N:
                    self._run_ended(i, t, out)
                self._run_y[i] = fe.y
            ready = fe.push(t, x) or ready
            if fe.run_n >= FLAT_MIN_N and t - fe.run_t0 >= FLAT_S:
                self._stuck(i, t, out)
        if ready:
            self._block(t, out)
        return out

    # --- internals ---------------------------------------------------------------------

    def _gap(self, t0: float, t: float, out: list) -> None:
        """No sample from ``t0`` to ``t`` (the sensor did not answer, a recording with a
        hole): nothing is known of the breathing in between, so the gap is neither
        stillness nor part of a breath. If it is shorter than ``HELD_GAP_S``, a hold under
        way goes on, and stillness not yet a hold is paused (its seconds before the gap
        count, the gap's do not) unless it is at the bottom of the breath or a breath fits
        in the gap (``HIDE``), when it counts afresh; after a longer gap a hold under way
        ends where the samples stopped (held on, it is a new hold ``hold_after_s`` after
        they return) and stillness counts afresh. No breath begun before a gap is
        reported (its turns lie on either side), and no turn is put inside it."""
        # A short gap (an I2C error, or one timeout of a hung bus and the pause after it:
        # about 2 s) does not end a hold: the stillness clock runs on through it, and the
        # hold ends only if the belt is somewhere else afterwards. Ended at the gap, the
        # warning went off for 8 s while the patient held on. A breath taken wholly inside
        # the gap, back at the same level, is missed: the warning stays (the safe side).
        # Stillness restarted after a short gap warned up to ``hold_after_s`` late; but
        # paused across a gap that could hide a breath, the rest before it and the rest
        # after it made a false hold.
        # A belt taken for not worn (``_not_worn``) stays so across a gap of any length:
        # the first samples after it are measured against where it lay, so one put on
        # meanwhile is worn again at once. (Ended at a long gap, the stillness after it
        # was a new hold, warned to no one for a minute, then the fault again.)
        short = t - t0 < HELD_GAP_S
        held = self._judge.holding and (short or bool(self._unworn))
        if not held:
            if self._judge.end_hold():
                self._hold_over(t, t0, out)
            # Not at the bottom, where the patient may rest before and after a breath the
            # gap hid (the rest that begins there cannot be known in advance), and only
            # if the quickest a breath moved lately does not fit in it: the shortest
            # recent breath less the longest recent rest, or less this stillness so far
            # (it may be a rest of each breath, as at the top: rests there are not learned).
            durs = self._durations
            since = self._judge.clock.since
            still = t0 - since if since is not None else 0.0
            moving = (max(min(durs) - max(*self._judge.rests(), still, 0.0), 0.0)
                      if durs else 0.0)
            pause = short and not self._judge.at_bottom and t - t0 < HIDE * moving
            self._judge.gap(t0, t, pause=pause)
        self._gap_start, self._gap_end = t0, t
        for fe, f in zip(self._fe, self._faults, strict=True):
            fe.gap(restart=not held)
            fe.run_t0 = t  # a run of equal codes counts from here (flat), and a
            f.gap()  # level step across the gap is no noise

    def _detector(self, period: float = 4.0, edges: bool = True) -> TurnDetector:
        """A turn detector; ``edges``: also where movements begin (the breath signal's,
        for the ratio; a single belt's need not)."""
        return TurnDetector(period, self.min_breath, edges)

    def _reset_calibration(self) -> None:
        self._det = self._detector()
        self._sign = [-1.0 if p == "inverted" else 1.0 for p in self._pols]
        self._polarity_done = [p != "auto" for p in self._pols]
        self._amp_cal = 0.0
        self._cal_belts: frozenset[int] = frozenset()  # the belts it was learned on
        self._learning: dict[frozenset[int], list[float]] = {}  # breaths, per set of belts
        # two belts: each belt's own amplitude as a share of the sum's, recent breaths
        self._parts: deque[tuple[float, ...]] = deque(maxlen=OWN_PARTS)
        self._calibrated = False
        self._durations: deque[float] = deque(maxlen=5)
        self._odd: list[float] = []  # the last durations SHIFT x off the usual, one way
        self._odd_way = 0
        self._recent: deque[Breath] = deque(maxlen=5)
        self._lost: set[int] = set()  # belts flat or unplugged during this breath
        self._exc: deque[tuple[float, ...]] = deque(maxlen=CAL_BREATHS)  # two belts:
        #   the recent normal breaths' per-belt excursions (a belt's usual breath)
        self._trough = None  # (t, value, belt values)
        self._peak = None
        self._judge.forget_rest()
        if self._pair:
            self._pair.relearn()

    def _stuck(self, i: int, t: float, out: list) -> None:
        f = self._faults[i]
        if f.stuck_kind is not None or f.disconnected:
            return
        self._lying_over(i, t, out)  # (a fault of its own takes over)
        detail = f"same value {self._fe[i].last_x:g} for {FLAT_S:g} s"
        if f.confirm():  # right after a jump: unplugged, until the signal leaves the level
            self._lost.add(i)
            self._end_hold(t, t, out)
            out.append(Fault(at=t, kind="disconnected", belt=self.belts[i], detail=detail))
            return
        amp = self._pair.dets[i].amp if self._pair else self._det.amp
        f.stuck_kind = f.stuck(self._fe[i], self._run_y[i], amp)
        if f.stuck_kind != "saturated":
            self._lost.add(i)  # this breath says nothing about the normal depth
        self._end_hold(t, t, out)
        out.append(Fault(at=t, kind=f.stuck_kind, belt=self.belts[i], detail=detail))

    def _run_ended(self, i: int, t: float, out: list) -> None:
        f = self._faults[i]
        if f.stuck_kind is not None:
            out.append(FaultEnd(at=t, kind=f.stuck_kind, belt=self.belts[i]))
            if f.stuck_kind != "saturated":
                self._lost.add(i)  # this breath began without it
            f.stuck_kind = None
            self._judge.restart()

    def _signal(self, bad: list[bool]) -> float:
        """The breath signal: one belt with its sign, or two belts summed
        (``BeltPair.signal``: a belt moving against the other is turned round, one in
        ``bad`` is held at its last good value)."""
        if self._pair is None:
            return self._sign[0] * self._fe[0].y
        return self._pair.signal(bad, self._sign, self._calibrated, self._period(), self._tb)

    def _period(self) -> float:
        """The usual breath (the median of the recent ones), for judging the belts' phase."""
        return min(max(_median(self._durations) if self._durations else 4.0, 2.0), 20.0)

    def _smoothing(self, x: float, det) -> float:
        """Low-pass time constant: a share of the breathing period, larger when the
        signal wiggles (cardiac ripple, motion) more than twice per breath.

        Wiggles are reversals of the raw block means by more than ``WIGGLE_H`` x the
        breath amplitude (of the belt left alone, if one of two is out), counted per
        breath (a clean breath has one up and one down).
        """
        amp = self._alone[1] if self._alone else det.amp
        if amp > 0:
            h = WIGGLE_H * amp
            if self._wdir >= 0:
                if x > self._wext:
                    self._wext = x
                elif x < self._wext - h:
                    self._wdir, self._wext, self._wrev = -1, x, self._wrev + 1
            elif x < self._wext:
                self._wext = x
            elif x > self._wext + h:
                self._wdir, self._wext, self._wrev = 1, x, self._wrev + 1
        t = self._fe[0].t
        if self._wt0 is None:
            self._wt0 = t
        elif t - self._wt0 >= det.period:
            per_breath = 0.5 * self._wrev * det.period / (t - self._wt0)
            self._wiggle += (per_breath - self._wiggle) * WIGGLE_ADAPT
            self._wt0, self._wrev = t, 0
        share = SMOOTH_CLEAN + (SMOOTH_RIPPLE - SMOOTH_CLEAN) * min(
            max((self._wiggle - 2.0) / 2.0, 0.0), 1.0)
        return min(max(det.period * share, 0.03), 0.4)

    def _end_hold(self, t_now: float, t: float, out: list) -> None:
        """A fault ends a running hold, unless one of two belts goes on judging it."""
        if self._measuring_alone() is None and self._judge.end_hold():
            self._hold_over(t_now, t, out)

    def _hold_over(self, t_now: float, t: float, out: list) -> None:
        """The hold under way has ended at ``t``: its end, or, for belts taken for not
        worn, the end of that fault (their hold was ended when it began)."""
        if self._unworn:
            # Of two belts, one that still lies there while the other breathes again (put
            # on) goes on not worn, as lying unworn (``_watch_lying``): one fault for the
            # time it lay there. (Its fault ended here and came back 0.06 s later: two
            # rows in the record, and the notice flickered.)
            lies = [i for i in self._unworn if self._still_lying(i)]
            for i in lies:
                self._faults[i].lying = True
            out.extend(FaultEnd(at=t_now, kind="flat", belt=self.belts[i])
                       for i in self._unworn if i not in lies)
            self._unworn = []
            self._worn_from = t  # (breaths from before are none: ``_breath_done``)
        else:
            out.append(HoldEnd(at=t_now, t=t))

    def _still_for(self, tb: float) -> float:
        """How long the breath signal has been still, for ``NOT_WORN_S``: the hold under
        way; before calibration, when no hold is judged, the stillness itself, once the
        turn detector has seen a breath (a belt laid down while the normal breath is
        learned again; one never breathed on has nothing to be still against)."""
        judge = self._judge
        if judge.holding:
            return tb - judge.hold_t
        since = judge.clock.since
        if self._calibrated or since is None or len(self._det.amps) < TURNS_SEEN:
            return 0.0
        return tb - since - judge.clock.gap_after(since)

    def _not_worn(self, t_now: float, out: list) -> None:
        """Stillness of ``NOT_WORN_S`` is no breath held: the belt lies somewhere, its
        plug still in (the signal stays inside the rails, so nothing else says it is
        out). The hold ends (before calibration, when none is judged, the stillness is
        taken for one: ``_still_for``), and each belt without a fault of its own gets a
        ``flat`` one until breathing movement ends the stillness (the judge keeps it
        running).
        No breath that began before the belt moves again is reported: the one under way
        and any the noise makes of the stillness would span the time it lay there."""
        unworn = [i for i, f in enumerate(self._faults)
                  if not (f.stuck_kind or f.noisy or f.suspect or f.lying)]
        if not unworn:  # (a hold is judged on a belt that measures: never so)
            return
        self._unworn = unworn
        if self._judge.holding:
            out.append(HoldEnd(at=t_now, t=t_now, not_worn=True))
        else:  # (before calibration: taken for one, so that breathing ends it as a hold)
            self._judge.hold_since(self._judge.clock.since)
        detail = f"no movement for {NOT_WORN_S:g} s: the belt is not worn"
        out.extend(Fault(at=t_now, kind="flat", belt=self.belts[i], detail=detail)
                   for i in self._unworn)

    def _watch_lying(self, t_now: float, bad: list[bool], out: list) -> None:
        """Two belts, one lying somewhere (taken or slipped off, its plug still in) while
        the other breathes: the sum still breathes, so no hold says so. (The belly read
        a share near 0, "Adem naar je buik" to a patient whose belly belt lay on the
        floor; each breath read about half as deep, and the normal breath shrank toward
        it; and a held breath ended late, the chest's part alone hardly clearing the
        sum's threshold.) A belt that moves no more than ``LYING_QUIET`` x the smallest
        breath (or ``LYING_NOISE`` x its own noise, if more) within any window
        (``BeltFaults.stillness``), nor with the other belt's breathing
        (``BeltFaults.along``: over windows of ``ALONG_BREATHS`` usual breaths, from
        ``ALONG_FLOOR`` x the smallest breath; a chest breather's belly on a noisy
        circuit moves too little for the first, and is worn) for ``NOT_WORN_S``, while
        the other, without a fault,
        has moved within the last half of that and no hold is under way, gets a
        ``flat`` fault until it moves again (``_lying_over``). Meanwhile it is held
        still in the sum (``bad``) and the other belt measures alone
        (``_measuring_alone``), and for ``PUT_ON_S`` after it moves again, while it is
        put on (``BeltFaults.put_on``: its step from slack to worn is no breath).
        Breaths over which it did not move at all are measured without it before that
        (``_breath_done``). Only where the smallest breath is known in the input's units
        (the unit's circuit: ``min_breath``)."""
        fes, faults = self._fe, self._faults
        span = min(max(ALONG_BREATHS * self._period(), ALONG_S[0]), ALONG_S[1])
        y_was, self._y_was = self._y_was, [fe.y for fe in fes]
        y_was = y_was or self._y_was  # (the first block: no rate of change yet)
        for i, f in enumerate(faults):
            if f.own_fault:
                f.still_since = None  # (a fault of its own says what it is)
                f.along_off()
                continue
            size = max(LYING_QUIET * self.min_breath, LYING_NOISE * f.noise)
            moved = f.stillness(fes[i].t, fes[i].raw, size) == 0.0
            j, other = 1 - i, faults[1 - i]
            if other.own_fault or other.lying:
                f.along_off()  # (nothing to move with)
            else:  # (``breathing`` when it moves with the other's breath)
                f.along(fes[i].t, fes[i].raw, fes[j].y, fes[j].y - y_was[j], span, size,
                        ALONG_FLOOR * self.min_breath * (ALONG_BACK if f.lying else 1.0))
            if f.lying:
                if moved or f.breathing:  # it moves: put on again (or picked up)
                    self._lying_over(i, t_now, out)
                    f.put_on(fes[i].t + PUT_ON_S)
                bad[i] = True
        if self._judge.holding or self._unworn:
            return
        for i, f in enumerate(faults):
            if f.lying or not self._still_lying(i):
                continue
            f.lying = bad[i] = True
            detail = (f"no movement for {NOT_WORN_S:g} s while the {self.belts[1 - i]} "
                      "breathes: the belt is not worn")
            out.append(Fault(at=t_now, kind="flat", belt=self.belts[i], detail=detail))

    def _still_lying(self, i: int) -> bool:
        """Two belts on the unit: belt ``i`` has not moved for ``NOT_WORN_S`` while the
        other, without a fault, has moved within the last half of that (lying unworn,
        ``_watch_lying``)."""
        if self._pair is None or self.min_breath <= 0:
            return False
        f, other = self._faults[i], self._faults[1 - i]
        if (f.own_fault or f.still_since is None or other.own_fault or other.lying
                or other.still_since is None):
            return False
        return (self._fe[i].t - f.still_since >= NOT_WORN_S
                and self._fe[1 - i].t - other.still_since < NOT_WORN_S / 2)

    def _lying_over(self, i: int, t_now: float, out: list) -> None:
        """Belt ``i``, taken for lying unworn (``_watch_lying``), moved again, or a fault
        of its own begins: the ``flat`` fault ends."""
        f = self._faults[i]
        if f.lying:
            f.lying = False
            out.append(FaultEnd(at=t_now, kind="flat", belt=self.belts[i]))
            self._lost.add(i)  # this breath began without it

    def _belt_amp(self, i: int) -> float:
        """Belt ``i``'s breath amplitude for judging it (faults, a sizeable excursion):
        the calibrated one once known (two belts: ``BeltPair.belt_amp``).

        The turn detector's own running amplitude shrinks to the ripple during a long hold
        (it follows what it sees), which would make the first breath after it look like a
        jump or like noise. Before ``TURNS_SEEN`` turns there is no breath to judge against
        (0: no jump or noise test): a belt plugged in after the start jumps from the rail
        to where it breathes, and that drop is the detector's first turn."""
        if self._pair is not None:
            return self._pair.belt_amp(i, self._calibrated)
        if self._calibrated and self._amp_cal > 0:
            return self._amp_cal
        return self._det.amp if len(self._det.amps) >= TURNS_SEEN else 0.0

    def _block(self, t_now: float, out: list) -> None:
        fes = self._fe
        det = self._det
        bad = [False] * len(fes)
        for i, fe in enumerate(fes):
            f = self._faults[i]
            famp = self._belt_amp(i)
            if famp == 0.0 and self.min_breath > 0 and f.jumped(fe.t, fe.raw,
                                                                 JUMP * self.min_breath):
                # No breath yet, and the belt jumps: it was plugged in or put on. Nothing
                # learned so far is worth keeping: start from its new level.
                fe.settle_at(fe.raw)
                f.restart_noise()
                self._reset_calibration()
                if self._pair:
                    self._pair.unread(i)
                self._judge.restart()
            change = f.level(fe.t, fe.raw, famp, fe.run_t0)
            if change > 0:
                self._lying_over(i, t_now, out)
                self._end_hold(t_now, fe.t, out)
                self._lost.add(i)
                detail = ("outside the belt circuit's range: unplugged or shorted" if f.at_rail
                          else "jumped far outside the breathing range and stays")
                out.append(Fault(at=t_now, kind="disconnected", belt=self.belts[i],
                                 detail=detail))
            elif change < 0:
                out.append(FaultEnd(at=t_now, kind="disconnected", belt=self.belts[i]))
                self._lost.add(i)  # this breath began without it
            railed, self._railed[i] = self._railed[i], False
            if f.suspect:
                bad[i] = True
                if f.at_level:
                    fe.settle_at(fe.raw)  # restart from the level the plug brings back
                continue
            if railed:  # part of the block on a rail: the plug going out (or in) is no
                bad[i] = True  # breath, and the block before is held
                continue
            change = f.roughness(fe.t, fe.raw, famp)
            if change > 0:
                self._lying_over(i, t_now, out)
                self._end_hold(t_now, fe.t, out)
                out.append(Fault(at=t_now, kind="noisy", belt=self.belts[i]))
            elif change < 0:
                out.append(FaultEnd(at=t_now, kind="noisy", belt=self.belts[i]))
        if self._pair is not None and self.min_breath > 0:
            self._watch_lying(t_now, bad, out)
        if all(bad):  # no breath is this fast: keep it out of breaths, holds and smoothing
            self._judge.restart(fes[0].t, self._y)
            return
        # The smoothing follows the wiggles of the first belt, or of the second while the
        # first is unplugged, flat or at a rail (a flat chest shows none of the belly's
        # cardiac ripple).
        k = 1 if self._pair and self._gone(0) and not self._out(1) else 0
        if k != self._wk:  # its extremes so far were the other belt's
            self._wk, self._wext = k, fes[k].raw
        tau = fes[k].tau if bad[k] else self._smoothing(fes[k].raw, det)
        for fe in fes:
            fe.tau = tau
        y = self._signal(bad)
        tb = self._tb = fes[0].t
        self._y = y
        if self._pair:
            self._pair.remember(tb)
        turn = det.step(tb, y, fes[0].delay)
        if turn is not None:
            self._turn(turn, t_now, out)
        self._holds(tb, t_now, y, out)

    def _turn(self, turn, t_now: float, out: list) -> None:
        kind, t_turn, val = turn
        t_turn = min(max(t_turn, self._t_first), t_now)
        if self._gap_start < t_turn < self._gap_end:
            # Not inside a gap (the belt's lag reaches back into it); a turn seen before
            # the gap keeps its time (at the gap's end, the next one was predicted late).
            t_turn = self._gap_end
        belts = self._pair.values_at(t_turn) if self._pair else None
        self._slow_turns(kind, t_turn)
        if kind == "peak":
            out.append(Exhale(at=t_now, t=t_turn))
            self._peak = (t_turn, val, belts)
            return
        out.append(Inhale(at=t_now, t=t_turn))
        self._judge.breath_starts(self._tb, self._fe[0].delay)
        prev, peak = self._trough, self._peak
        self._trough = (t_turn, val, belts)
        if prev is None or peak is None or not prev[0] < peak[0] < t_turn:
            return
        self._breath_done(prev, peak, self._trough, t_now, out)

    def _slow_turns(self, kind: str, t_turn: float) -> None:
        """Slow breaths: their rounded turns hardly move for seconds. Tell the hold judge
        that the breath turned (``HoldJudge.turned``) and where its next turn is due
        (``HoldJudge.slow_turn``), from the recent phases (``_usual``). Not for ripple
        taken for a turn during a hold: only for breath-sized turns."""
        det = self._det
        if self._calibrated and det.amps[-1] < TURN_SIZE * self._normal():
            return
        self._judge.turned(t_turn)
        if not det.rises or not det.descents:
            return
        # A rounded breath out comes near its bottom (turns.NEAR) after 0.70 of it; its
        # end-expiratory rest (part of the trough's time) is the patient's own (holds.py).
        share = 1.0 - NEAR_SHARE
        rise, out = _usual(det.rises), _usual(det.descents) / share
        judge, now = self._judge, self._tb
        if kind == "peak":
            judge.slow_turn(t_turn + out, out, rise, now)
        else:
            judge.slow_turn(t_turn + rise, rise, out, now)

    def _breath_done(self, start, peak, end, t_now: float, out: list) -> None:
        lost, self._lost = self._lost, set()
        lost |= {i for i, f in enumerate(self._faults)  # a fault still going on
                 if f.suspect or (f.stuck_kind and f.stuck_kind != "saturated")}
        if self._pair:  # of two belts, one at a rail all through it measured none of it,
            lost |= {i for i, f in enumerate(self._faults)  # nor one not read at its turns,
                     if (f.stuck_kind == "saturated" and self._fe[i].run_t0 <= start[0])
                     or any(v is not None and v[i] is None for v in (start[2], peak[2], end[2]))
                     # nor one lying, or that did not move since before it began, nor
                     # one held out while it was put on again when it began
                     or f.lying or (self.min_breath > 0 and f.still_since is not None
                                    and f.still_since <= start[0] and not f.breathing)
                     or f.put_until > start[0]}
        if (len(lost) == len(self.belts) or start[0] <= self._gap_end or self._unworn
                or start[0] < self._worn_from - WORN_TOL_S):
            # Every belt was flat or unplugged during it: the "breath" spans the plug's
            # steps, not a breath (with two belts, the other one still measured it); or
            # it began before a gap in the samples (``_gap``), or before the belts were
            # breathed on again after lying unworn (``_not_worn``).
            return
        amp = peak[1] - 0.5 * (start[1] + end[1])
        rate = self._rate(end[0] - start[0])
        exc = None  # two belts: each belt's excursion in this breath
        if None not in (start[2], peak[2], end[2]):  # (a belt not read: None)
            exc = tuple(None if i in lost else peak[2][i] - 0.5 * (start[2][i] + end[2][i])
                        for i in range(2))
            if not lost:
                self._exc.append(exc)
                if self._pair.steady_since(start[0]):
                    amps = [d.amp for d in self._pair.dets]  # each belt's part of the sum's
                    if self._det.amp > 0:
                        self._parts.append(tuple(a / self._det.amp for a in amps))
        # The normal breath is learned on the belts that measure: on one of two while the
        # other is out (unplugged from the start, or lost before the breath was learned),
        # else on both; the first set of belts to measure CAL_BREATHS breaths sets it (a
        # flaky plug does not start it over). Learned on other belts than measure now (a
        # belt came in, or the two were swapped), it is learned meanwhile for these and
        # replaced once known.
        measured = frozenset(range(len(self.belts))) - lost
        if exc is not None and len(measured) == 1 < len(self.belts):
            # One of two belts measured it: its own excursion. (The sum's also holds
            # the other's part until it dropped out, or from when it was plugged in: a
            # belt plugged in during the breath made it read up to five times too deep.)
            amp = abs(exc[min(measured)])
        usable = len(measured) < 2 or self._pair.steady_since(start[0])
        basis = self._cal_belts
        if self._calibrated and measured == basis:
            if usable:
                self._amp_cal += ADAPT * (min(max(amp, 0.5 * self._amp_cal),
                                              2.0 * self._amp_cal) - self._amp_cal)
        elif usable and (not self._calibrated or not measured <= basis):
            amps = self._learning.setdefault(measured, [])
            amps.append(amp)
            if len(amps) >= CAL_BREATHS:
                self._amp_cal, self._cal_belts = _median(amps), measured
                self._calibrated = True
                self._learning.clear()
                basis = measured
        depth = amp / self._amp_cal if self._amp_cal > 0 else 1.0
        if exc is not None and self._calibrated and measured != basis:
            # Measured by other belts than the normal breath was learned on: by the
            # excursion of a belt in both against its usual breath (the normal breath if
            # learned on it alone); not known after a swap of belts.
            i = min(measured & basis, default=None)
            usual = (0.0 if i is None else self._amp_cal if basis == {i} else
                     _median([abs(e[i]) for e in self._exc]) if self._exc else 0.0)
            depth = abs(exc[i]) / usual if usual > 0 else 1.0
        share = paradox = None
        if not lost and exc is not None:
            b = self._pair.belly
            moved = self._pair.moved(start[0], end[0], self._sign)
            if moved is not None:  # each belt's own range over the breath
                size, r = moved
                against = r < -PARADOX_R
            else:  # (a breath longer than the values kept) its rise between the sum's turns
                rise = [(peak[2][i] - start[2][i]) * self._sign[i] for i in range(2)]
                size, against = [abs(x) for x in rise], rise[0] * rise[1] < 0
            total = size[0] + size[1]
            share = size[b] / total if total > 0 else 0.5
            big = [size[i] > 0.15 * self._belt_amp(i) for i in range(2)]
            paradox = bool(all(big) and against)
        inhale_s, exhale_s = self._phases(start[0], peak[0], end[0])
        breath = Breath(
            at=t_now, start=start[0], peak=peak[0], end=end[0],
            inhale_s=inhale_s, exhale_s=exhale_s,
            depth=depth, rate_bpm=rate, belly_share=share, paradoxical=paradox,
        )
        self._breath = breath
        self._recent.append(breath)
        out.append(breath)
        self._check_polarity()

    def _phases(self, start: float, peak: float, end: float) -> tuple[float, float]:
        """Inhale and exhale seconds of a breath: from where the belt starts to move out
        to the middle of its turn at the top, and from there to where it starts to move
        out again (``TurnDetector.onset_lead``, ``top_t``), so that a rounded breath's
        slow start is not counted as exhale. Both ends move by the start's lead: the next
        rise has not yet shown its own."""
        det = self._det
        top, lead = det.top_t, det.onset_lead
        if top is None or lead is None or not start - lead < top < end - lead:
            return peak - start, end - peak  # both or neither: their errors cancel partly
        return top - start + lead, end - lead - top

    def _rate(self, dur: float) -> float:
        """Breaths/min from the median of the recent breath durations.

        A duration more than ``OUTLIER`` x off the median (a hold inside a breath, a
        twitch) is left out. Two in a row that are ``SHIFT`` x or more off it the same way
        are a new rhythm (the pacer of the next exercise, or the first "breaths" were none)
        and replace it at once: the median of five would take three breaths to follow a
        change from 15 to 5 per minute, and the coach would say "breathe slower" to a
        patient who already follows the pacer."""
        durs = self._durations
        med = _median(durs) if durs else None
        if med is None:
            durs.append(dur)
            return 60.0 / dur
        way = 1 if dur >= SHIFT * med else -1 if dur <= med / SHIFT else 0
        if way and self._odd and self._odd_way != way:
            self._odd.clear()
        if way:
            self._odd.append(dur)
            self._odd_way = way
            if len(self._odd) >= 2:
                durs.clear()
                durs.extend(self._odd)
                self._odd.clear()
            elif med / OUTLIER < dur < OUTLIER * med:
                durs.append(dur)
        else:
            durs.append(dur)
            self._odd.clear()
        return 60.0 / _median(durs)

    def _check_polarity(self) -> None:
        """Flip a belt marked "auto" once if its rises are clearly slower than its falls."""
        dets = self._pair.dets if self._pair else [self._det]
        for i, det in enumerate(dets):
            if self._polarity_done[i] or len(det.rises) < POLARITY_BREATHS:
                continue
            self._polarity_done[i] = True
            if _median(det.rises) > FLIP_RATIO * _median(det.falls):
                self._sign[i] = -self._sign[i]
                if self._pair is None or self._pair.flipped(i):  # the sum turned over
                    self._det = self._detector(self._det.period)
                    self._trough = self._peak = None

    def _level(self, y: float) -> float:
        """Where ``y`` lies between the last trough (0) and the last peak (1)."""
        if self._trough is None or self._peak is None:
            return 1.0
        lo, hi = self._trough[1], self._peak[1]
        return (y - lo) / (hi - lo) if hi > lo else 1.0

    def _normal(self) -> float:
        """The normal breath's amplitude now: of the belt left alone if one of two is out
        (``_measuring_alone``), else the calibrated one (0 before calibration)."""
        return self._alone[1] if self._alone else self._amp_cal

    def _joined(self) -> bool:
        """Two belts measure, but the normal breath was learned on one of them alone (the
        other came in since; the normal breath of both is being learned)."""
        return (self._pair is not None and self._calibrated and len(self._cal_belts) == 1
                and not self._out(0) and not self._out(1))

    def _gone(self, i: int) -> bool:
        """Belt ``i`` is unplugged, flat or at a rail (not just a jump being judged)."""
        f = self._faults[i]
        return f.disconnected or f.stuck_kind is not None or f.lying

    def _out(self, i: int) -> bool:
        """Belt ``i`` is held still in the sum: unplugged (or a jump being judged), flat,
        lying unworn or at a rail."""
        f = self._faults[i]
        return f.suspect or f.stuck_kind is not None or f.lying

    def _measuring_alone(self) -> tuple[int, float] | None:
        """Two belts, one of them unplugged, flat or at a rail (held still in the sum) and
        the other without a fault: that belt and its normal breath, if it carries at least
        ``BELT_FLOOR`` of the sum's. It alone then judges holds. Its normal breath is the
        calibrated one if that was learned on it alone, else its part of it: its own
        amplitude (its turn detector's) against the sum's, over the recent breaths both
        belts measured (not its excursion at the sum's turns, which a belt that lags the
        other shows too small). None otherwise (one belt, no fault, or a fault that
        leaves nothing to judge by)."""
        if self._pair is None or not self._calibrated:
            return None
        out = [self._out(i) for i in range(2)]
        if out.count(True) != 1:
            return None
        j = out.index(False)
        if self._faults[j].noisy:
            return None
        if self._cal_belts == {j}:  # the normal breath was learned on this belt alone
            return j, self._amp_cal
        if not self._parts:
            return None
        part = _median([p[j] for p in self._parts])
        return (j, part * self._amp_cal) if part >= BELT_FLOOR else None

    def _holds(self, tb: float, t_now: float, y: float, out: list) -> None:
        judge = self._judge
        faults = self._faults
        if len(faults) == 1:  # (the common case, without a generator each block)
            f = faults[0]
            faulted, noise = bool(f.stuck_kind or f.noisy or f.suspect), f.noise
        else:
            faulted = any(f.stuck_kind or f.noisy or f.suspect or f.lying for f in faults)
            noise = max(f.noise for f in faults)
        # Before calibration the stillness clock already runs on the turn detector's
        # amplitude, to learn the patient's rest from the first breaths; no hold is judged.
        calibrated = self._calibrated
        amp = self._amp_cal if calibrated else self._det.amp
        # A belt that drops out is held where it was, and one that comes back counts from
        # there (``BeltPair.signal``): stillness that began before goes on being measured.
        before, was = self._normal(), self._alone
        alone = self._alone = self._measuring_alone() if faulted else None
        after = self._normal()
        if ((was[0] if was else None) != (alone[0] if alone else None)
                and before > 0 and after > 0):
            self._det.rescale(after / before)  # its turns gate on the breath it will see
        if alone is not None:  # the other belt is held still: judge by this one's breaths
            amp, noise = alone[1], self._faults[alone[0]].noise
        elif faulted or amp <= 0:
            judge.restart(tb, y)
            return
        # The smoothed signal settles later than the belt by the filter delay.
        change = judge.step(tb, y, amp, noise, self._fe[0].delay, self._level(y), calibrated)
        if change is None:
            if not self._unworn and self._still_for(tb) >= NOT_WORN_S:
                self._not_worn(t_now, out)
            return
        kind, t = change
        if kind == "hold" and self._pair:
            self._pair.hold_began()
        if kind == "hold":
            out.append(Hold(at=t_now, t=t))
        else:  # (the belt's lag reaches back before the samples came)
            self._hold_over(t_now, max(t, self._gap_end), out)
