"""The pacer: the rhythm the ring and the screen ask the patient to breathe to.

A breathing cycle is inhale, pause after inhale (hold_in), exhale, pause after exhale
(hold_out). The rhythm is given in seconds or as a rate plus an exhale:inhale ratio, may
progress over an exercise (e.g. 1:1 to 1:2 over 3 minutes), or adapt to the patient:
start from the patient's own measured rhythm and lengthen mainly the exhale, one step per
breath the patient follows, toward the target rate and ratio (as device-guided breathing
does). A cycle's timing is fixed when it starts, so changes never make the ring jump.

Time is always passed in. Queries may go back as far as the kept history (for the target
curve on screen) but the pacer itself only moves forward.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass

from feedback.events import FOLLOWING

PHASES = ("inhale", "hold_in", "exhale", "hold_out")
# The share of a phase, next to its turn, in which the eased fill (1 - cos) stays within a
# tenth of the turn's level: 1 - cos(pi x) <= 0.2 for x <= 0.205.
EASED_STILL = 0.2
# The shortest inhale and exhale a pacer asks for (the least pacer.inhale_s and exhale_s
# the config allows); the adaptive pacer's limits never cut a breath below them.
INHALE_MIN_S, EXHALE_MIN_S = 1.0, 2.0
# A breath's exhale is short of the pacer's below this share of its exhale:inhale (pauses
# counted): the rhythm verdict, "Adem langer uit" and the screen's target all take it. (The
# verdict took 80 %, so an exhale that met the screen's target was judged too short.)
EXHALE_FLOOR = 0.75


@dataclass(frozen=True)
class Pattern:
    """One breathing cycle's timing, in seconds."""

    inhale_s: float
    hold_in_s: float
    exhale_s: float
    hold_out_s: float

    @classmethod
    def from_rate(cls, rate_bpm: float, ratio: float, hold_in_s: float = 0.0,
                  hold_out_s: float = 0.0) -> Pattern:
        """A cycle of ``rate_bpm`` per minute whose exhale is ``ratio`` times the inhale."""
        breathing = max(60.0 / rate_bpm - hold_in_s - hold_out_s, 1.0)
        inhale = breathing / (1.0 + ratio)
        return cls(inhale, hold_in_s, breathing - inhale, hold_out_s)

    @property
    def period(self) -> float:
        return self.inhale_s + self.hold_in_s + self.exhale_s + self.hold_out_s

    @property
    def rate_bpm(self) -> float:
        return 60.0 / self.period

    @property
    def ratio(self) -> float:
        """Exhale:inhale, without the pauses (what the therapist sets)."""
        return self.exhale_s / self.inhale_s

    @property
    def effective_ratio(self) -> float:
        """Exhale:inhale as the breath analysis measures it: a breath's exhale runs from
        the middle of the pause after the inhale to the end of the pause after the
        exhale (feedback/analysis/turns.py)."""
        half = 0.5 * self.hold_in_s
        return (self.exhale_s + self.hold_out_s + half) / (self.inhale_s + half)


@dataclass(frozen=True)
class Adaptive:
    """Adaptive mode: where to go and the therapist's limits."""

    target_rate_bpm: float = 6.0
    target_ratio: float = 2.0
    min_rate_bpm: float = 4.0
    max_exhale_s: float = 10.0
    step_s: float = 0.5
    misses_to_back_off: int = 2


@dataclass(frozen=True)
class _Cycle:
    start: float
    pattern: Pattern

    @property
    def end(self) -> float:
        return self.start + self.pattern.period


def _ease(x: float) -> float:
    """Smooth 0..1 so the fill starts and ends gently, like a breath."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(x, 0.0), 1.0))


class Pacer:
    """The rhythm over one exercise.

    ``progression=(start_ratio, over_s)`` moves the ratio from ``start_ratio`` to the
    pattern's ratio over ``over_s`` seconds at the same rate. ``adaptive`` makes the pacer
    start from the patient's rhythm (``start_from``, else the first observed breath) and
    adapt (``pattern`` is then only used until the patient's rhythm is known).
    """

    def __init__(self, pattern: Pattern, t0: float, progression: tuple[float, float] | None = None,
                 adaptive: Adaptive | None = None, history_s: float = 120.0):
        self.base = pattern
        self.t0 = t0
        self.progression = progression
        self._progress_t0 = t0  # the progression counts from here
        self.adaptive = adaptive
        self.history_s = history_s
        self._cycles: deque[_Cycle] = deque()
        self._next: Pattern | None = None
        self._adapt_pattern: Pattern | None = None
        self._adapt_start: Pattern | None = None
        self._misses = 0
        self.following: Counter = Counter()
        # judged breaths whose exhale was short of the pacer's (``short_exhale``), at any
        # pace: a breath too fast is judged so, and its short exhale would go unsaid
        self.short_exhales = 0
        self._cycles.append(_Cycle(t0, self._pattern_for(t0)))

    # --- the schedule ------------------------------------------------------------------

    def _pattern_for(self, t: float) -> Pattern:
        if self._next is not None:
            p, self._next = self._next, None
            return p
        if self.adaptive and self._adapt_pattern is not None:
            return self._adapt_pattern
        if self.progression:
            start_ratio, over_s = self.progression
            x = min(max((t - self._progress_t0) / over_s, 0.0), 1.0)
            ratio = start_ratio + (self.base.ratio - start_ratio) * x
            return Pattern.from_rate(self.base.rate_bpm, ratio, self.base.hold_in_s,
                                     self.base.hold_out_s)
        return self.base

    def _advance(self, t: float) -> None:
        while self._cycles[-1].end <= t:
            end = self._cycles[-1].end
            self._cycles.append(_Cycle(end, self._pattern_for(end)))
        while len(self._cycles) > 2 and self._cycles[1].end < t - self.history_s:
            self._cycles.popleft()

    def _cycle_at(self, t: float) -> _Cycle:
        self._advance(t)
        for c in reversed(self._cycles):
            if c.start <= t:
                return c
        return self._cycles[0]

    def set_pattern(self, pattern: Pattern) -> None:
        """Use ``pattern`` from the next cycle on (an adaptive pacer: go on from there)."""
        self.base = pattern
        self.progression = None
        self._next = pattern
        if self.adaptive:
            self._adapt_pattern = pattern

    def resume_from(self, old: Pacer) -> None:
        """Go on where ``old``, this exercise's adaptive pacer before a pause, a
        recalibration or a belt that measures again, had got to: its rhythm, the patient's
        start it steps back toward and the breaths missed in a row. (Without the start,
        the next step back failed and ended the session.) Its first cycle is that rhythm
        too, not the set one: a patient going on at their rhythm was judged too slow
        against it, and stepped back. (The exercise's counts go on by ``carry_counts``,
        for every mode: ``Coach._restart_pacer``.)"""
        self.set_pattern(old._adapt_pattern)
        self._cycles = deque([_Cycle(self.t0, old._adapt_pattern)])
        self._next = None
        self._adapt_start = old._adapt_start
        self._misses = old._misses

    def carry_counts(self, old: Pacer) -> None:
        """Go on counting where ``old``, this exercise's pacer before, left off: the
        verdicts and the short exhales are the exercise's, not one pacer's."""
        self.following = old.following
        self.short_exhales = old.short_exhales

    def retarget(self, pattern: Pattern, progression: tuple[float, float] | None,
                 t: float) -> None:
        """New settings for a fixed pacer, from the next cycle on: ``pattern``, reached by
        ``progression`` = (the ratio now, seconds left) counted from ``t``, if any."""
        self.base = pattern
        self.progression = progression
        self._progress_t0 = t
        self._next = None

    def set_limits(self, adaptive: Adaptive) -> None:
        """New targets and limits for an adaptive pacer; where the patient has got to
        stays, within the new limits."""
        self.adaptive = adaptive
        if self._adapt_pattern is not None:
            self._adapt_pattern = self._limit(self._adapt_pattern)
        if self._next is not None:  # (the patient's start, not yet begun)
            self._next = self._limit(self._next)

    # --- what the ring and screen ask ---------------------------------------------------

    def current(self, t: float) -> Pattern:
        """The pattern of the cycle running at ``t``."""
        return self._cycle_at(t).pattern

    def phase(self, t: float) -> str:
        """'inhale', 'hold_in', 'exhale' or 'hold_out' at ``t``."""
        return self._where(t)[0]

    def turn(self, t: float) -> tuple[str, float]:
        """The phase at ``t`` and when it began: the ring's last turn (its tone)."""
        name, _x, start, _end = self._where(t)
        return name, start

    def level(self, t: float) -> float:
        """Pacer fill 0..1: rises during inhale, 1 in hold_in, falls in exhale, 0 in hold_out."""
        name, x, _start, _end = self._where(t)
        if name == "inhale":
            return _ease(x)
        if name == "hold_in":
            return 1.0
        if name == "exhale":
            return 1.0 - _ease(x)
        return 0.0

    def _where(self, t: float) -> tuple[str, float, float, float]:
        c = self._cycle_at(t)
        p = c.pattern
        s = c.start
        for name, length in zip(PHASES, (p.inhale_s, p.hold_in_s, p.exhale_s, p.hold_out_s),
                                strict=True):
            if length > 0 and t < s + length:
                return name, (t - s) / length, s, s + length
            s += length
        return "hold_out", 1.0, c.end, c.end

    def planned_pause(self, t: float) -> tuple[float, float] | None:
        """The pause span (hold_in or hold_out) running at ``t``, or None.

        The breath analysis must not call this a breath-hold: the pacer asked for it.
        """
        name, _x, start, end = self._where(t)
        if name in ("hold_in", "hold_out") and end > start:
            return (start, end)
        return None

    def still_span(self, t: float) -> tuple[float, float] | None:
        """The span around the pacer's turn at ``t`` in which it asks for (near)
        stillness, or None: its pause there (if any) with the eased ends of the phases on
        either side, the last and first ``EASED_STILL`` of them, where the fill stays
        within a tenth of the turn's level. A patient who follows a slow pacer without
        pauses (6 s in, 9 s out) hardly moves for 3 s around each turn; the breath
        analysis must not call that a hold (feedback/analysis/holds.py)."""
        c = self._cycle_at(t)
        p, s = c.pattern, c.start
        k = EASED_STILL
        top = (s + (1 - k) * p.inhale_s, s + p.inhale_s + p.hold_in_s + k * p.exhale_s)
        if top[0] <= t <= top[1]:
            return top
        bottom_start = s + p.inhale_s + p.hold_in_s + (1 - k) * p.exhale_s
        if t >= bottom_start:  # into the next cycle's inhale (taken as long as this one's)
            return (bottom_start, c.end + k * p.inhale_s)
        if t <= s + k * p.inhale_s and t > self.t0:  # the previous cycle's bottom
            q = self._cycle_at(s - 1e-9)
            if q is not c:
                pq = q.pattern
                return (q.start + pq.inhale_s + pq.hold_in_s + (1 - k) * pq.exhale_s,
                        s + k * p.inhale_s)
        return None

    # --- following and adaptation -------------------------------------------------------

    def assess(self, inhale_s: float, exhale_s: float, start: float) -> str:
        """How one breath compared to the cycle it started in (see FOLLOWING)."""
        p = self._cycle_at(start).pattern
        period = inhale_s + exhale_s
        if period < 0.8 * p.period:
            return "too_fast"
        if self.short_exhale(inhale_s, exhale_s, start):
            return "exhale_short"
        if period > 1.3 * p.period:
            return "too_slow"
        return "in_sync"

    def short_exhale(self, inhale_s: float, exhale_s: float, start: float) -> bool:
        """Was the breath's exhale:inhale under ``EXHALE_FLOOR`` (75 %) of the cycle's it
        started in (pauses counted, as the analysis measures them), whatever its pace?"""
        p = self._cycle_at(start).pattern
        return inhale_s > 0 and exhale_s / inhale_s < EXHALE_FLOOR * p.effective_ratio

    def observe(self, start: float, inhale_s: float, exhale_s: float,
                at: float | None = None) -> str:
        """Record a completed breath, found at ``at`` (None: the ring's latest breath is
        the one running); in adaptive mode, step the rhythm. Returns the verdict, or ""
        for a breath that began before this pacer did (it followed the exercise before,
        or none: it is neither judged nor learned from).

        A step toward the target waits until the ring has begun a breath with the step
        before: a patient a little faster than the pacer ("in rhythm" at 85 % of its
        breath) begins two breaths in some of its cycles, and each stepped it on, so the
        ring's next breath was two steps longer than the last and the pacer ran ahead."""
        if start < self.t0:
            return ""
        if self.adaptive and self._adapt_pattern is None:
            # First breath: start from the patient's own rhythm, within the limits, with
            # the pauses as set (the breath's own times count them as the analysis does).
            self._adapt_pattern = self._own(inhale_s, exhale_s)
            self._adapt_start = self._adapt_pattern
            self._next = self._adapt_pattern
            return "in_sync"
        running = self._cycle_at(at).pattern if at is not None else self._cycles[-1].pattern
        verdict = self.assess(inhale_s, exhale_s, start)
        self.following[verdict] += 1
        self.short_exhales += self.short_exhale(inhale_s, exhale_s, start)
        if self.adaptive:
            if verdict == "in_sync":
                self._misses = 0
                if running == self._adapt_pattern:  # (the ring shows the step before)
                    self._adapt_pattern = self._step(self._adapt_pattern, +1)
            else:
                self._misses += 1
                if self._misses >= self.adaptive.misses_to_back_off:
                    self._misses = 0
                    self._adapt_pattern = self._step(self._adapt_pattern, -1)
        return verdict

    def _own(self, inhale_s: float, exhale_s: float) -> Pattern:
        """A breath of the patient's (its times as the analysis measures them, pauses
        counted) as this adaptive pacer's rhythm: the pauses as set, within the limits."""
        hin, hout = self.base.hold_in_s, self.base.hold_out_s
        inhale = max(inhale_s - 0.5 * hin, 1.0)
        exhale = max(exhale_s - hout - 0.5 * hin, 1.0)
        most = self.adaptive.target_ratio
        if exhale > most * inhale:
            # Never a longer exhale, for its inhale, than the target's: the pacer leads the
            # exhale longer, not shorter. (The limits' least exhale, EXHALE_MIN_S, comes
            # after: with a target_ratio below 2 a short breath can start above it.)
            # Breaths that read far longer are seldom the patient's rhythm: talk during the
            # calibration read 5.4-6.9, and a pacer of 1 s in and 4 s out, which no breath
            # followed could be measured to meet, judged every breath's exhale too short
            # and never stepped (0 % in rhythm).
            breath = inhale + exhale
            inhale, exhale = breath / (1.0 + most), breath * most / (1.0 + most)
        return self._limit(Pattern(inhale, hin, exhale, hout))

    def start_from(self, inhale_s: float, exhale_s: float) -> None:
        """An adaptive pacer starts from the patient's rhythm known before its exercise
        (as the exercises before it measured it), from its first cycle, rather than from
        the set times until the first breath: a 14/min chest breather met the set 5.5/min
        at once, and following it, that breath was taken as their own rhythm."""
        p = self._own(inhale_s, exhale_s)
        self._adapt_pattern = self._adapt_start = p
        self._cycles = deque([_Cycle(self.t0, p)])
        self._next = None

    def goal(self) -> Pattern:
        """The pattern this pacer leads to: the adaptive mode's goal, else its own pattern
        (the end of a progression)."""
        return self._target() if self.adaptive else self.base

    def _target(self) -> Pattern:
        """The adaptive goal: ``target_ratio`` at ``target_rate_bpm``, or at the patient's
        own start where that is slower (a calm patient at 5/min was led to 6/min, their
        exhale shortened step by step: the pacer never leads faster than the patient's
        own rhythm), within the limits."""
        a = self.adaptive
        rate = a.target_rate_bpm
        if self._adapt_start is not None:
            rate = min(rate, self._adapt_start.rate_bpm)
        return self._limit(Pattern.from_rate(rate, a.target_ratio,
                                             self.base.hold_in_s, self.base.hold_out_s))

    def _limit(self, p: Pattern) -> Pattern:
        """``p`` within the therapist's limits: the exhale at most ``max_exhale_s`` and the
        breath no slower than ``min_rate_bpm``, never below ``INHALE_MIN_S`` in and
        ``EXHALE_MIN_S`` out, and never with a smaller exhale:inhale than ``p``'s (nor
        than 1 if ``p``'s was more): a breath too long for the rate has its inhale and
        exhale shortened alike; an exhale cut to ``max_exhale_s`` takes the inhale with
        it as far as it would otherwise be the longer. (Only limits that cannot be met
        together, which the config refuses, leave the breath slower than the rate.)"""
        a = self.adaptive
        inhale, exhale = p.inhale_s, p.exhale_s
        least = min(exhale / inhale, 1.0)  # the exhale:inhale the limits may not go below
        if exhale > a.max_exhale_s:
            exhale = a.max_exhale_s
            inhale = min(inhale, exhale / least)
        room = 60.0 / a.min_rate_bpm - p.hold_in_s - p.hold_out_s
        if inhale + exhale > room:
            scale = max(room, 0.0) / (inhale + exhale)
            inhale, exhale = inhale * scale, exhale * scale
        if exhale < EXHALE_MIN_S:
            exhale = EXHALE_MIN_S
            inhale = min(inhale, max(room - exhale, 0.0))
        if inhale < INHALE_MIN_S:
            inhale = INHALE_MIN_S
            exhale = max(EXHALE_MIN_S, min(exhale, room - inhale))
        return Pattern(inhale, p.hold_in_s, exhale, p.hold_out_s)

    def _step(self, p: Pattern, direction: int) -> Pattern:
        """Move toward the target (+1) or back toward the patient's own start (-1): the
        exhale by a full step, the inhale by half a step, so the exhale lengthens first.
        A step that shortens both never leaves the exhale shorter than the inhale unless
        where it comes from or goes to has it so."""
        a = self.adaptive
        goal = self._target() if direction > 0 else self._adapt_start

        def move(x: float, g: float, step: float) -> float:
            return g if abs(g - x) <= step else x + math.copysign(step, g - x)

        exhale = move(p.exhale_s, goal.exhale_s, a.step_s)
        inhale = move(p.inhale_s, goal.inhale_s, a.step_s / 2)
        if p.exhale_s >= p.inhale_s and goal.exhale_s >= goal.inhale_s:
            inhale = min(inhale, exhale)
        return self._limit(Pattern(inhale, p.hold_in_s, exhale, p.hold_out_s))

    def summary(self) -> dict[str, float]:
        """Share of assessed breaths per verdict (0..1), e.g. {'in_sync': 0.8, ...}."""
        n = sum(self.following.values())
        return {k: (self.following[k] / n if n else 0.0) for k in FOLLOWING}
