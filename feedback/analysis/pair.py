"""``BeltPair``: two belts (chest and belly) made into one breath signal.

The two belts are summed in their own units (``signal``), each with its polarity and,
if it moves against the other, its sign turned, so that they never cancel out
(``_track_phase``). During a hold the phase is not judged, so a belly that turns
against the chest at a slow pace would leave the sum still for good; a whole breath of
both belts against the way they are summed turns the sign there
(``_breathing_in_hold``). The analyzer (analyzer.py) owns the polarity, the
calibration, the faults and the breaths (depth, belly share, the ``paradoxical`` flag);
this module keeps what it needs of the two belts: each belt's own turn detector,
amplitude (``belt_amp``, for the fault tests), zero and sign in the sum and recent
turns, their correlation, the belts' recent values (``values_at``: each belt's
excursion in a breath; ``moved``: each belt's own movement over a breath, for the belly
share and the paradox), and what a polarity turned by the analyzer does to the sum
(``flipped``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from feedback.analysis.faults import STILL_WINDOW_S, BeltFaults
from feedback.analysis.frontend import FrontEnd
from feedback.analysis.holds import HoldJudge
from feedback.analysis.turns import TurnDetector, _median

PHASE_R = 0.3  # correlation beyond which the belts move together / against
HELD_TURN = 0.8  # during a hold: a belt's movement this x its usual breath ...
HELD_PERIOD = (0.7, 1.4)  # ... over a breath this x the usual, both belts, opposite ways
BELT_FLOOR = 0.25  # a belt is judged against at least this x the other's (faults); one
#   moving less than this (half of it, for the phase) hardly moves, and alone it carries
#   too little of the breath to judge holds by (analyzer: ``_measuring_alone``)
TURNS_SEEN = 2  # turns before a belt's faults are judged against its breaths (not the jump in)
HIST = 80  # blocks of both belts' values kept (the phase's look-back, a turn's values)
TRACE = 1500  # ... and for a whole breath's movement of each belt (60 s of 40 ms blocks)


class BeltPair:
    """The two belts' part of the analysis. ``fes`` and ``faults``: the analyzer's front
    ends and fault judges of the two belts; ``belly``: which of them is the belly;
    ``judge``: the hold judge (a hold is no evidence of the phase); ``min_breath``: the
    smallest swing that can be a breath, in the input's units (0: any)."""

    def __init__(self, fes: Sequence[FrontEnd], faults: Sequence[BeltFaults], belly: int,
                 judge: HoldJudge, min_breath: float = 0.0):
        self._fe, self._faults, self.belly = fes, faults, belly
        self._judge, self._min_breath = judge, min_breath
        self.dets = [self._detector() for _ in range(2)]  # each belt's own turns
        self._scale = [0.0, 0.0]  # each belt's breath amplitude (faults, paradox)
        self._ref: list[float | None] = [None, None]  # each belt's zero in the sum
        self._along = [1.0, 1.0]  # +1, or -1 for a belt moving against the other
        self._cov = [0.0, 0.0, 0.0]  # var 0, var 1, covariance, of the belts' movements
        self.phase_ready = False  # has their phase been judged?
        self.turned_at = float("-inf")  # when a belt's sign in the sum last turned
        # each belt's own last turns (t, value, kind), to see breathing during a hold, and
        # its last movements between turns outside holds (what moves in a hold is no breath)
        self._turns = [deque(maxlen=3) for _ in range(2)]
        self._moves = [deque(maxlen=5) for _ in range(2)]
        # when the running hold began: the usual breath (s) and each belt's (its own: the
        # sum's breaths are merged or missed as a belly turns against the chest)
        self._hold_usual: tuple[float, list[float]] = (4.0, [0.0, 0.0])
        self._track_t0: float | None = None  # when both belts were first read
        self._good = [0.0, 0.0]  # each belt's last value before a disconnection
        self._held = [False, False]  # ... held there, unplugged, in the last block
        # when each belt last came back from being held (``_track_phase``)
        self.back_t = [float("-inf"), float("-inf")]
        self._hist: deque = deque(maxlen=HIST)  # (t, belt values) for per-belt shares
        self._trace: deque = deque(maxlen=TRACE)  # the same, over a whole breath (``moved``)

    def _detector(self) -> TurnDetector:
        return TurnDetector(4.0, self._min_breath, edges=False)

    @property
    def along(self) -> tuple[float, float]:
        """Each belt's sign in the sum on top of its polarity: +1, or -1 for the belt
        turned round because it moves against the other."""
        return self._along[0], self._along[1]

    def relearn(self) -> None:
        """The normal breath is learned again: so are the belts' own breaths."""
        self.dets = [self._detector() for _ in range(2)]
        self._scale = [0.0, 0.0]

    def unread(self, i: int) -> None:
        """Belt ``i`` starts afresh (plugged in before any breath): not read yet."""
        self._ref[i] = None

    def belt_amp(self, i: int, calibrated: bool) -> float:
        """Belt ``i``'s breath amplitude for judging it (faults, a sizeable excursion):
        once calibrated, as it was then (its running one shrinks to the ripple in a long
        hold); 0 before ``TURNS_SEEN`` turns (no breath to judge against). A belt that
        hardly moves (a chest breather's belly) is judged against the other belt's
        breaths (same type and gain), not against its own noise."""
        amps = [self._scale[k] if calibrated and self._scale[k] > 0
                else d.amp if len(d.amps) >= TURNS_SEEN else 0.0
                for k, d in enumerate(self.dets)]
        return max(amps[i], BELT_FLOOR * max(amps))

    def steady_since(self, t: float) -> bool:
        """Has the belts' phase been judged, and has no sign turned since ``t``? (A breath
        from then on is summed as it will go on being: it may calibrate.)"""
        return self.phase_ready and t > self.turned_at

    def signal(self, bad: list[bool], sign: Sequence[float], calibrated: bool,
               period: float, t_prev: float) -> float:
        """The breath signal of this block: the two belts summed.

        The sum is in the belts' own units (same type and gain), so a belt that hardly
        moves (a chest breather's belly) adds only its small noise. A belt that moves
        against the other (paradoxical breathing, or a belt mounted the other way round)
        is counted with its sign turned (``_track_phase``), so the two never cancel out;
        the chest keeps its polarity (``keeps_polarity``). Each belt counts from its own
        zero, moved whenever its sign turns so that the sum does not jump. With the signs
        right the sum moves by |chest| + |belly| whichever way the belts move, so turning
        a sign leaves the normal breath as it is. A belt in ``bad`` (unplugged, or a jump
        being judged) is held at its last good value, so the other belt's breathing is
        still followed. ``sign``: each belt's polarity; ``period``: the usual breath;
        ``t_prev``: the time of the block before."""
        fes, good, ref = self._fe, self._good, self._ref
        for i, fe in enumerate(fes):
            det = self.dets[i]
            if not bad[i]:
                turn = det.step(fe.t, fe.y, fe.delay)
                if turn is not None:
                    if self._turns[i] and not self._judge.holding:
                        self._moves[i].append(abs(turn[2] - self._turns[i][-1][1]))
                    self._turns[i].append((turn[1], turn[2], turn[0]))
                if self._held[i] and ref[i] is not None:
                    # Back (plugged in again): it counts from where it was held, so the
                    # plug's step is no movement of the breath signal.
                    ref[i] += fe.y - good[i]
                    self.back_t[i] = fe.t
                good[i] = fe.y
            f = self._faults[i]  # (not: a jump being judged)
            self._held[i] = bad[i] and (f.at_level or f.lying)
            if ref[i] is None:
                if bad[i]:
                    continue  # not read yet (unplugged from the start): adds nothing yet
                ref[i] = good[i]
            if not calibrated or self._scale[i] <= 0:
                self._scale[i] = det.amp
        self._track_phase(fes[0].t, bad, sign, period, t_prev)
        self._breathing_in_hold(fes[0].t, bad, sign)
        return sum(sign[i] * self._along[i] * (good[i] - ref[i]) for i in range(2)
                   if ref[i] is not None)

    def remember(self, tb: float) -> None:
        """Keep this block's belt values (None: a belt not read yet)."""
        item = (tb, tuple(g if r is not None else None
                          for g, r in zip(self._good, self._ref, strict=True)))
        self._hist.append(item)
        self._trace.append(item)

    def moved(self, t0: float, t1: float, sign: Sequence[float]):
        """Each belt's own movement over a breath from ``t0`` to ``t1`` (the breath
        signal's turns): its range there (max - min, in its own units) and the
        correlation of the two belts' values there, with their polarity (+1: they moved
        together, -1: against each other). Its own range, not its values at the sum's
        turns: a belt ahead of or behind the other turns at other times than the sum, and
        showed only part of its movement there. None if the breath reaches back before
        the values kept, or a belt was not read in it."""
        trace = self._trace
        if not trace or trace[0][0] > t0:
            return None
        xs: list[tuple[float, float]] = []
        for tb, v in reversed(trace):
            if tb < t0:
                break
            if tb <= t1:
                if None in v:
                    return None
                xs.append((sign[0] * v[0], sign[1] * v[1]))
        if len(xs) < 3:
            return None
        n = len(xs)
        m0 = sum(x[0] for x in xs) / n
        m1 = sum(x[1] for x in xs) / n
        v0 = sum((x[0] - m0) ** 2 for x in xs)
        v1 = sum((x[1] - m1) ** 2 for x in xs)
        cov = sum((x[0] - m0) * (x[1] - m1) for x in xs)
        r = cov / (v0 * v1) ** 0.5 if v0 > 0 and v1 > 0 else 0.0
        ranges = tuple(max(x[i] for x in xs) - min(x[i] for x in xs) for i in range(2))
        return ranges, r

    def values_at(self, t: float):
        """The belts' values at the block nearest ``t`` (None before the first)."""
        if not self._hist:
            return None
        return min(self._hist, key=lambda item: abs(item[0] - t))[1]

    def keeps_polarity(self) -> int:
        """Of two belts moving against each other, the one whose rise is the inhale: the
        chest (in paradoxical breathing the belly moves in as the chest rises), unless
        it hardly moves."""
        chest, belly = 1 - self.belly, self.belly
        return chest if self._scale[chest] >= BELT_FLOOR * self._scale[belly] else belly

    def flipped(self, i: int) -> bool:
        """Belt ``i``'s polarity was turned (found to be mounted inverted). Returns True
        if the whole sum turned over with it (it follows this belt): its turns so far
        are then upside down."""
        self._cov[2] = -self._cov[2]  # the belts' correlation, with the new sign
        if i != self.keeps_polarity():
            self._along[i] = -self._along[i]  # its part of the sum stays as it was
            return False
        # the sum follows this belt: all of it turns over, from where it is
        self._along[1 - i] = -self._along[1 - i]
        for k in range(2):
            if self._ref[k] is not None:
                self._ref[k] = 2.0 * self._good[k] - self._ref[k]
        return True

    def hold_began(self) -> None:
        """A hold began: keep the usual breath as it was (breaths during a hold must not
        change it), the chest's period and each belt's usual movement."""
        dets = self.dets
        self._hold_usual = (dets[self.keeps_polarity()].period,
                            [_median(m) if m else d.amp
                             for m, d in zip(self._moves, dets, strict=True)])

    def _track_phase(self, t: float, bad: list[bool], sign: Sequence[float], period: float,
                     t_prev: float) -> None:
        """Do the belts (with their polarity) move together or against each other? The
        correlation of their movements over an eighth of a breath (so breathing, not
        cardiac ripple or noise, decides), averaged over about a breath (the median of
        the recent breaths), with hysteresis; not while the breath is still (a hold says
        nothing about it), nor while a belt has not moved for ``STILL_WINDOW_S`` (on the
        unit: ``BeltFaults.stillness``; one lying unworn kept nothing of how the two
        breathed, and the handling as it was put on again turned it round). A step
        (posture, a belt shifting) counts as at most a fast breath, and offsets do not
        count at all, nor the step of a belt back from being held (unplugged, or put on
        again after lying unworn: its step alone turned it round). Breaths before the
        first decision are no calibration breaths (``phase_ready``)."""
        if any(bad) or not self._hist:
            return
        if any(f.still_since is not None and t - f.still_since > STILL_WINDOW_S
               and not f.breathing for f in self._faults):
            return  # a belt that does not move (lying unworn) says nothing about it
        dets = self.dets
        if self._track_t0 is None:
            self._track_t0 = t
        still = self._judge.clock.since
        if still is not None and t_prev - still > 1.0:
            return
        back = t - period / 8.0
        if back < max(self.back_t):  # (its step from where it was held is no movement)
            return
        then = next((v for tt, v in self._hist if tt >= back), None)
        if then is None or None in then:  # (a belt just plugged in: not read back then)
            return
        d = []
        for i in range(2):
            lim = dets[i].amp or float("inf")
            d.append(sign[i] * min(max(self._good[i] - then[i], -lim), lim))
        dt = max(t - t_prev, 0.0) if t_prev > float("-inf") else 0.0
        a = min(dt / period, 1.0)
        cov = self._cov
        for k, x in enumerate((d[0] * d[0], d[1] * d[1], d[0] * d[1])):
            cov[k] += a * (x - cov[k])
        small, large = sorted(cov[:2])
        if t - self._track_t0 < period:
            return  # too early
        self.phase_ready = True
        if small <= (BELT_FLOOR / 2) ** 2 * large:
            return  # one belt hardly moves: its sign does not matter (the sum is the other)
        r = cov[2] / (small * large) ** 0.5
        against = self._along[0] * self._along[1] < 0
        if (r < -PHASE_R and not against) or (r > PHASE_R and against):
            self._turn_signs(t, r < 0)

    def _turn_signs(self, t: float, against: bool) -> None:
        """The belts move ``against`` each other (or together): the belt that does not keep
        its polarity turns its sign in the sum, and its zero moves so the sum does not jump."""
        keep = self.keeps_polarity()
        for i in range(2):
            want = 1.0 if i == keep or not against else -1.0
            if want != self._along[i]:  # its part of the sum stays where it is
                self._ref[i] = 2.0 * self._good[i] - self._ref[i]
                self._along[i] = want
        self.turned_at = t

    def _breathing_in_hold(self, t: float, bad: list[bool], sign: Sequence[float]) -> None:
        """During a hold, while the phase is not judged: do the two belts breathe against
        the way they are summed? A belly that turns paradoxical at a slow pace leaves the
        sum nearly still: a hold is warned, and it never ended while the patient breathed
        on. A held breath can move volume between chest and belly too (a brace, rocking),
        so only a whole breath counts: each belt turned three times since the hold and
        the pacer began, each movement at least ``HELD_TURN`` x that belt's usual one
        (outside holds, as when the hold began), over a breath of the pacer's length
        (``HELD_PERIOD``; the chest's own until the pacer's is known), and each of the
        first belt's turns met by the other's opposite turn (as summed) within a quarter
        of it. Then the signs turn, the sum shows the breathing, and the hold ends as any
        hold does. Only while a pacer runs: without one (the movement and lifting
        exercises) a held breath with bracing is what must be warned."""
        judge = self._judge
        turns = self._turns
        if (not judge.holding or not judge.paced(t) or any(bad)
                or min(len(turns[0]), len(turns[1])) < 3):
            return
        usual, sizes = self._hold_usual
        usual = judge.pacer_period() or usual  # (the pace the patient follows now)
        start = max(judge.hold_t, judge.paced_from)  # (turns before the pacer: no evidence)
        for i in range(2):
            (t0, v0, _), (_, v1, _), (t2, v2, _) = turns[i]
            if t0 < start or not HELD_PERIOD[0] * usual <= t2 - t0 <= HELD_PERIOD[1] * usual:
                return
            if min(abs(v1 - v0), abs(v2 - v1)) < HELD_TURN * sizes[i]:
                return
        along = self._along[0] * self._along[1] * sign[0] * sign[1]
        for tc, _, kind in turns[0]:
            tm, _, other = min(turns[1], key=lambda turn: abs(turn[0] - tc))
            if abs(tm - tc) > usual / 4 or (other == kind) == (along > 0):
                return  # not met, or met as the sum already has it
        self._turn_signs(t, self._along[0] * self._along[1] > 0)
        self._cov[2] = -self._cov[2]  # (what the breathing before said is turned too)
        for belt in turns:
            belt.clear()
