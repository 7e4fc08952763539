"""The coach: programme progression, pacer and cues, in one place the loop can call.

Data flows one way: the loop feeds analysis events (``feed``) and ticks the coach with
the time and the analysis snapshot (``tick``); the coach returns cue and exercise events
and answers what the ring (``ring_frame``) and screen (``view``) should show. Buttons
come in through ``button``. Time is always passed in.

Session states (``mode``): ``idle`` (start screen) -> ``exercise`` <-> ``paused`` ->
``summary``. A recalibration in the middle of an exercise is no mode of its own: the mode
is ``exercise`` with ``recal_since`` set (its clock stops, the screen shows calibration).
A session that has not run for ``LEFT_S`` on end (paused, waiting for a belt that
measures or for a calibration's first breath), with no button pressed meanwhile, was
left: it ends at its summary as far as it got (``left``), and the next one starts anew.
A calibration exercise always calibrates anew: the belt is put on again for each session,
so the loop asks the analysis to forget the normal breath when one starts
(``wants_calibration``), and the exercise ends only once the breath has been measured
again, never on an earlier session's calibration.
New settings (``apply_settings``) take effect at the next breath; a new programme at the
next exercise boundary.

This module is the session's state machine (modes, buttons, ``tick``, ``feed``, the
exercise's clock). Its parts, each in a module of its own: ``coach_pacing`` (an
exercise's pacer under a config, and the ``check-config`` lines about it),
``coach_practice`` (each exercise's numbers, the minutes practised per day),
``coach_notices`` (the notice line) and ``coach_view`` (the screen's view model and the
ring's frame).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from feedback import coach_view, i18n
from feedback.coach_notices import Notices, rejected_notice
from feedback.coach_pacing import (
    describe_cues,
    describe_pacing,
    follow_settings,
    hold_after,
    make_pacer,
)
from feedback.coach_practice import ExerciseStats, PracticeDays, own_breath
from feedback.coach_view import CURVE_HZ
from feedback.cues import (
    CueRules,
    Targets,
)
from feedback.events import (
    FOLLOWING,
    Breath,
    Cue,
    Event,
    Exercise,
    Fault,
    FaultEnd,
    Hold,
    HoldEnd,
    Pause,
    Resume,
)
from feedback.pacer import Pacer
from feedback.programme import ExerciseSpec, Programme
from feedback.view import CurveRing, View


class StateLike(Protocol):
    """What the coach reads from the analysis snapshot (``AnalysisState``)."""

    phase: str
    level: float
    rate_bpm: float | None
    ratio: float | None
    depth: float | None
    calibrated: bool
    breath: Breath | None


# A session that has not run this long on end, with no button pressed, was left (the
# patient took the belt off or paused, and walked away): it ends at its summary. Resumed
# the next day it went on mid-exercise without a calibration, counted for the day before.
LEFT_S = 1800.0
# A belt that measures again this soon after its fault began (a real signal that sat at
# one level for a moment): the pacer goes on in its rhythm rather than starting a new
# breath, which made the ring jump back to an inhale at every such blip. The shortest
# exhale a pacer asks for (``exhale_s`` >= 2 s): the patient has not lost the rhythm.
BLIP_S = 2.0


def press_next(coach: Coach, t: float, button=None):
    """The next button pressed by someone who means it: twice where the unit asks first
    (``[buttons] next_confirm_s``). ``button`` takes the presses (the app's; default the
    coach's own); what the press that acted returned."""
    press = button or coach.button
    out = press("next", t)
    if coach.next_asked(t):
        out = press("next", t)
    return out


@dataclass
class Snapshot:
    """A plain AnalysisState-shaped snapshot (for tests, render and replays)."""

    phase: str = "calibrating"
    level: float = 0.0
    rate_bpm: float | None = None
    ratio: float | None = None
    depth: float | None = None
    calibrated: bool = False
    breath: Breath | None = None


class Coach:
    """Programme, pacer and cues for one session (see the module docstring)."""

    def __init__(self, settings, programme: Programme, t0: float,
                 today_min: float | dict[str, float] = 0.0, autostart: bool = False):
        self.settings = settings
        self.programme = programme
        self.t0 = t0
        # Minutes practised today before this session and on the other days this run
        # has seen, by patient code (``today_min``, from the records: a number is the
        # configured code's).
        self.days = PracticeDays(settings.patient.code, today_min)
        self.session_code = settings.patient.code  # the code this session's stats are for
        self.session_target = settings.patient.daily_minutes  # ... and its home target
        self.session_home = programme.home  # ... and whether it was home practice
        self.mode = "idle"
        self.index = 0
        self.stats: list[ExerciseStats] = []
        self.pacer: Pacer | None = None
        self.rules = CueRules(settings.cues, t0=t0, belts=settings.sensor.belts)
        self.reps = 0
        self.started_t = 0.0  # when the running exercise began
        self.elapsed_before = 0.0
        # The exercise's clock runs from ``running_since`` (None: it stands still, as in a
        # pause, a recalibration, or without a belt that measures) on ``elapsed_before``.
        self.running_since: float | None = None
        self._stopped_at: float | None = None  # when the clock last stopped
        # the hold under way, if counted: (its exercise's stats, the clock when it began,
        # its "Blijf ademen!" cues before it)
        self._held: tuple[ExerciseStats, float, int] | None = None
        self._ex_mode = "off"  # the pacer mode the running exercise began with
        self.recal_since: float | None = None
        # When the session last ran (its exercise's clock, toward the exercise's end) or
        # a button was pressed in it: LEFT_S later with neither, it was left (``left``).
        self._active_at = t0
        self.left = False
        # "next" pressed once during an exercise, at this time: it asks before it skips
        # (``next_asked``, ``[buttons] next_confirm_s``)
        self._next_asked: float | None = None
        self._seen_uncalibrated = False
        self._pending = None
        self._pending_programme: Programme | None = None
        self.notices = Notices()  # the lines at the bottom of the screen
        self._warned_from: float | None = None  # the ring's hold warning shows since
        # The live curve keeps CURVE_HZ points a second: finer than a breath needs, and
        # a screen width holds no more.
        n = int(CURVE_HZ * 120) + 2  # curve_s is at most 120 s
        self.curve = CurveRing(n)
        self._now = t0
        if autostart:
            self._pending_start = True
        else:
            self._pending_start = False

    # --- properties ---------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self.settings.patient.language

    @property
    def exercise(self) -> ExerciseSpec | None:
        if self.mode in ("idle", "summary"):
            return None
        return self.programme.exercises[self.index]

    @property
    def hold_after_s(self) -> float:
        """The current exercise's hold warning threshold (the analysis should use it)."""
        return hold_after(self.settings, self.exercise or self.programme.exercises[self.index])

    @property
    def warning(self) -> bool:
        """A breath-hold warning is showing: on the ring, the screen, the buzzer and the
        tone alike. Not during a sensor fault (the belt screen), nor while calibrating,
        again or in a calibration exercise (its screen has no warning; a hold still on
        is warned when an exercise goes on: one taken over by a calibration that asks
        for hold warnings blinked over its screen), nor while paused."""
        return (self.running() and self.rules.holding and not self.rules.fault
                and self.exercise.kind != "calibration")

    @property
    def wants_calibration(self) -> bool:
        """A calibration exercise has just started and has not yet seen the analysis
        uncalibrated: the loop must make the analysis learn the normal breath again (as
        the 'recalibrate' button does)."""
        ex = self.exercise
        return (self.mode == "exercise" and ex is not None and ex.kind == "calibration"
                and not self._seen_uncalibrated)

    def elapsed(self, t: float) -> float:
        """Seconds the exercise has run: not while paused or recalibrating, nor while no
        belt measures (time without a measured breath is no practice)."""
        if self.running_since is None:
            return self.elapsed_before
        return self.elapsed_before + max(t - self.running_since, 0.0)

    def _run_clock(self, t: float) -> None:
        """Let the exercise's clock run from ``t``, unless no belt measures: then it waits
        for the belt. The time it stood still is no good breathing either."""
        if self._stopped_at is not None:
            self.rules.skip(self._stopped_at, t)
            self._stopped_at = t if self.rules.fault else None
        self.running_since = None if self.rules.fault else t

    def _stop_clock(self, t: float) -> None:
        if self.running_since is not None:
            self.elapsed_before = self.elapsed(t)
            self.running_since, self._stopped_at = None, t
            self._active_at = t

    def _fault_clock(self, was: bool, t: float) -> None:
        """A fault began or ended in a running exercise: without a belt that measures its
        clock stands still, as in a pause; when one measures again the exercise goes on as
        after a pause, the pacer starting a new breath (its tone came mid-phase), a
        progression from where the clock stood (it ran on, then a pause took it back);
        after a blip shorter than ``BLIP_S`` the pacer goes on in its rhythm."""
        if was == self.rules.fault or not self.running():
            return
        if self.rules.fault:
            self._stop_clock(t)
            return
        stopped = self._stopped_at
        self._run_clock(t)
        if stopped is None or t - stopped >= BLIP_S:
            self._restart_pacer(t)

    def _restart_pacer(self, t: float) -> None:
        """The exercise's pacer starts a new breath at ``t`` (a resume, the end of a
        recalibration, a belt that measures again), keeping the share of breaths in
        rhythm over the whole exercise."""
        old = self.pacer
        self.pacer = self._make_pacer(t)
        if old is not None and self.pacer is not None:
            self.pacer.carry_counts(old)

    def running(self) -> bool:
        """An exercise runs: not paused, not recalibrating, not idle or on the summary."""
        return self.mode == "exercise" and self.recal_since is None

    # --- pacer --------------------------------------------------------------------------

    def pacing(self, ex: ExerciseSpec) -> str:
        """How ``ex`` will run, in one line (``check-config`` lists it per exercise)."""
        return describe_pacing(self.settings, ex)

    def cues_listed(self, ex: ExerciseSpec) -> str:
        """Which cues ``ex`` can give, in one line under its pacing (``check-config``)."""
        return describe_cues(self.settings, ex)

    def _make_pacer(self, t: float) -> Pacer | None:
        """The exercise's pacer from ``t`` (its start, a resume, the end of a
        recalibration), in the mode it began with (``coach_pacing.make_pacer``)."""
        ex = self.programme.exercises[self.index]
        return make_pacer(self.settings, ex, self._ex_mode, t, self.elapsed(t), self.pacer)

    def pacer_level(self, t: float) -> float | None:
        """Pacer fill 0..1 at ``t``, or None when no pacer is running."""
        return self.pacer.level(t) if self.pacing_now else None

    def pacer_phase(self, t: float) -> str | None:
        """The pacer's phase at ``t`` (its tones follow it); None while no pacer runs or
        no belt measures (the exercise waits: no tones either)."""
        if self.rules.fault:
            return None
        return self.pacer.phase(t) if self.pacing_now else None

    def pacer_turn(self, t: float) -> tuple[str, float] | None:
        """The pacer's phase at ``t`` and when it began, for its tones: one per phase, so
        a phase that goes on after a blip of the sensor is not sounded again. None as
        for ``pacer_phase``."""
        if self.rules.fault or not self.pacing_now:
            return None
        return self.pacer.turn(t)

    @property
    def pacing_now(self) -> bool:
        """Does a pacer run now (an exercise with one, not paused or recalibrating)?"""
        return bool(self.pacer and self.running())

    def planned_pause(self, t: float) -> tuple[float, float] | None:
        """The span at ``t`` in which the pacer asks for (near) stillness, that the
        analysis must not call a hold: its pause and the eased turn around it. None while
        the patient breathes at another pace (``after_breaths`` breaths in a row too fast
        or too slow for the pacer): its pauses are not theirs, and a patient at 20/min
        against a 5/min pacer had holds warned 1-2 s late, some only after they ended.
        (A breath at its pace with too short an exhale still follows its pauses.)"""
        if not self.pacing_now or self.rules.off_pace(pace_only=True):
            return None
        return self.pacer.still_span(t)

    def targets(self, t: float) -> Targets:
        ex = self.exercise
        own = ex.slower_above_bpm if ex is not None else None
        if self.pacing_now:
            p = self.pacer.current(t)
            return Targets(p.rate_bpm, p.effective_ratio, own)
        return Targets(slower_above_bpm=own)

    # --- flow ---------------------------------------------------------------------------

    def _start_exercise(self, t: float) -> list[Event]:
        self._take_pending_programme()
        ex = self.programme.exercises[self.index]
        self.mode = "exercise"
        self.reps = 0
        self._active_at = t
        self.started_t = t  # a breath that began before this is not the exercise's
        self.elapsed_before = 0.0
        self._run_clock(t)
        self.recal_since = None
        self._next_asked = None  # (a question for the exercise before is not this one's)
        self._seen_uncalibrated = False  # a calibration exercise must measure anew
        self.pacer = None
        self._ex_mode = ex.pacer_mode(self.settings.pacer)
        self.pacer = self._make_pacer(t)
        if self.pacer is not None and self.pacer.adaptive and (own := own_breath(self.stats)):
            self.pacer.start_from(*own)
        self.rules = CueRules(self.settings.cues, [k for k in self.settings.cues
                                                    if ex.cue_on(k)], t0=t,
                              belts=self.settings.sensor.belts).carry(self.rules)
        self.stats.append(ExerciseStats(ex))
        if self.pacer is None:
            return [Exercise(at=t, name=ex.name_nl, phase="start", kind=ex.kind,
                             name_en=ex.name_en, pacer="off")]
        # The target the exercise leads to, as the analysis measures it (pauses counted).
        goal = self.pacer.goal()
        return [Exercise(at=t, name=ex.name_nl, phase="start", kind=ex.kind,
                         name_en=ex.name_en, pacer=self._ex_mode,
                         target_ratio=goal.effective_ratio, target_rate_bpm=goal.rate_bpm)]

    def stop(self, t: float) -> list[Event]:
        """The session stops at ``t`` (duration over, SIGTERM, window closed): the exercise
        still running ends here, as far as it got."""
        if self.mode not in ("exercise", "paused") or not self.stats:
            return []
        out = self._finish_exercise(t)
        self.mode = "summary"
        self.pacer = None
        return out

    def _finish_exercise(self, t: float) -> list[Event]:
        ex = self.programme.exercises[self.index]
        st = self.stats[-1]
        st.active_s = self.elapsed(t)
        in_sync, following, short, target = None, None, None, {}
        if self.pacer:
            st.following = self.pacer.summary()
            if sum(self.pacer.following.values()):
                in_sync = st.following["in_sync"]
            # how many breaths it judged each way: the therapist reads how they missed
            following = {k: self.pacer.following[k] for k in FOLLOWING}
            short = self.pacer.short_exhales  # (at any pace: one too fast may be short too)
            goal = self.pacer.goal()  # (a config changed meanwhile may have moved it)
            target = {"target_ratio": goal.effective_ratio, "target_rate_bpm": goal.rate_bpm}
        self._stop_clock(t)
        return [Exercise(at=t, name=ex.name_nl, phase="end", active_s=st.active_s,
                         in_sync=in_sync, following=following, short_exhale=short,
                         **target)]

    def _end_exercise(self, t: float) -> list[Event]:
        out = self._finish_exercise(t)
        self._apply_pending(t)
        self._take_pending_programme()
        if self.index + 1 < len(self.programme.exercises):
            self.index += 1
            out += self._start_exercise(t)
        else:
            self.mode = "summary"
            self.pacer = None
        return out

    def _goes_on_in(self) -> tuple[Programme, int]:
        """The programme the running exercise's end goes on in, and that exercise's place
        in it: a programme file changed meanwhile decides by its own length whether one
        follows (the old one's ran the last exercise again, or ended before one added)."""
        programme = self._pending_programme or self.programme
        return programme, min(self.index, len(programme.exercises) - 1)

    def _take_pending_programme(self) -> None:
        """A programme file changed meanwhile is taken up (``_goes_on_in``)."""
        self.programme, self.index = self._goes_on_in()
        self._pending_programme = None

    def last_exercise(self) -> bool:
        """Whether the running exercise's end is the session's (what "next" asks)."""
        programme, index = self._goes_on_in()
        return index + 1 >= len(programme.exercises)

    def button(self, name: str, t: float) -> list[Event]:
        """'start_pause', 'next' or 'recalibrate' (other names are ignored)."""
        if self.mode in ("exercise", "paused") and name in ("start_pause", "next",
                                                             "recalibrate"):
            self._active_at = t  # (someone is there: LEFT_S counts from here)
        asked, self._next_asked = self._next_asked, None  # (any button ends the question)
        if name == "start_pause":
            if self.mode == "idle":
                self.index = 0
                self.left = False
                if self.stats:  # the session before counts on, for the day it began
                    self.days.add(self.session_code, self.practice_s() / 60.0)
                self.session_code = self.settings.patient.code
                self.session_target = self.settings.patient.daily_minutes
                self.session_home = self.programme.home
                self.days.begin_session()
                self.stats = []
                # (the live curve begins with the session: before it the belt was the
                # patient's before, or between two patients, at their calibration's scale)
                self.curve.clear()
                return self._start_exercise(t)
            # (during a recalibration the record's pause is open already: it ends with
            # the recalibration, ``tick``)
            if self.mode == "exercise":
                self._stop_clock(t)
                self.mode = "paused"
                return [Pause(at=t)] if self.recal_since is None else []
            if self.mode == "paused":
                self.mode = "exercise"
                self._run_clock(t)
                self._restart_pacer(t)
                return [Resume(at=t)] if self.recal_since is None else []
            if self.mode == "summary":
                self.mode = "idle"
                return []
        elif name == "next":
            if self.mode in ("exercise", "paused"):
                if not self._next_confirmed(asked, t):
                    self._next_asked = t
                    return []
                if self.mode == "paused":
                    self._stop_clock(t)
                return self._end_exercise(t)
            if self.mode == "idle":
                return self.button("start_pause", t)
            if self.mode == "summary":
                self.mode = "idle"
        elif name == "recalibrate" and self.mode in ("exercise", "paused"):
            # The record keeps a recalibration as a pause, to its end (``tick``): what
            # it measures is left out of the report's numbers as of the summary's (the
            # report counted the breaths measured while calibrating: 9 against 6). A
            # pause it began in goes on to its end; one pressed again goes on as one.
            began = self.mode == "exercise" and self.recal_since is None
            self._stop_clock(t)
            self.mode = "exercise"
            self.recal_since = t
            self._seen_uncalibrated = False
            return [Pause(at=t)] if began else []
        return []

    def _next_confirmed(self, asked: float | None, t: float) -> bool:
        """Whether "next" skips the exercise now: pressed again within
        ``[buttons] next_confirm_s`` of the press that asked (0: at once). A patient who
        reached for the pause button and hit "next" lost the exercise, with no way back."""
        within = self.settings.buttons.next_confirm_s
        return within <= 0 or (asked is not None and 0.0 <= t - asked <= within)

    def next_asked(self, t: float) -> bool:
        """Whether the screen asks to press "next" again (it was pressed once, within
        ``[buttons] next_confirm_s``, during an exercise that still runs or waits)."""
        asked = self._next_asked
        return (asked is not None and self.mode in ("exercise", "paused")
                and 0.0 <= t - asked <= self.settings.buttons.next_confirm_s)

    def tick(self, t: float, state: StateLike | None = None) -> list[Event]:
        """Advance to ``t``: record the curve, end exercises, give the ``good`` cue."""
        self._now = t
        if state is not None and (not self.curve or t - self.curve.last_t() >= 1 / CURVE_HZ):
            target = self.pacer.level(t) if self.pacer is not None and self.running() else None
            self.curve.append(t, float(state.level), np.nan if target is None else target)
        out: list[Event] = []
        if self._pending_start:
            self._pending_start = False
            out += self.button("start_pause", t)
        if self.mode not in ("exercise", "paused"):
            return out
        ran = self._ran_until(t, state)
        if ran is not None:
            self._active_at = max(self._active_at, ran)
        if t - self._active_at >= LEFT_S:
            return out + self._leave(t)
        if self.mode != "exercise":
            return out
        if self.recal_since is not None:
            if state is not None and not state.calibrated:
                self._seen_uncalibrated = True
            done = state is not None and state.calibrated and (
                self._seen_uncalibrated or t - self.recal_since > 5.0)
            if done or t - self.recal_since > 120.0:
                self.recal_since = None
                self._run_clock(t)
                self._restart_pacer(t)  # (the rhythm share went back to nothing)
                out.append(Resume(at=t))  # (the record's pause ends)
            return out
        ex = self.programme.exercises[self.index]
        el = self.elapsed(t)
        if ex.kind == "calibration" and state is not None:
            if not state.calibrated:
                self._seen_uncalibrated = True
            elif self._seen_uncalibrated and el >= 5.0:  # measured in this exercise
                return out + self._end_exercise(t)
        if ex.duration_s is not None and el >= ex.duration_s:
            if self.calibration_waits(t, state):
                # No breath measured in all that time (a belt not worn, or far too
                # loose): going on would count practice no belt measured. It waits, and
                # its screen says what to check (``View.breath_missing``); the next
                # button still goes on.
                return out
            return out + self._end_exercise(t)
        if ex.repetitions is not None and self.reps >= ex.repetitions:
            return out + self._end_exercise(t)
        out += self._record(self.rules.tick(t))
        return out

    def calibration_waits(self, t: float, state: StateLike | None) -> bool:
        """A calibration exercise has had its time and measured no breath: it waits."""
        ex = self.programme.exercises[self.index]
        return (ex.kind == "calibration" and ex.duration_s is not None
                and self.elapsed(t) >= ex.duration_s
                and state is not None and not state.calibrated)

    def _ran_until(self, t: float, state: StateLike | None) -> float | None:
        """Up to when the session has run, if its exercise's clock runs at ``t``
        (None: paused, recalibrating, waiting for a belt that measures): ``t``, or for a
        calibration that waits for a breath, when its time was up."""
        if not self.running() or self.running_since is None:
            return None
        if self.calibration_waits(t, state):
            ex = self.programme.exercises[self.index]
            return self.running_since + max(ex.duration_s - self.elapsed_before, 0.0)
        return t

    def _leave(self, t: float) -> list[Event]:
        """The session has not run for ``LEFT_S``, and no button was pressed: it was left.
        It ends at its summary, as far as it got: the running exercise with the time it
        ran (a calibration that waited for a breath, up to when it began to wait), as
        when the programme is done; the loop ends its record as ``left``."""
        if self.running_since is not None:  # (a calibration waiting for a breath)
            self._stop_clock(min(self._active_at, t))
        self.recal_since = None
        out = self.stop(t)
        self.left = True
        # New settings that waited for a breath or the exercise's end are in force from
        # its summary, as after the last exercise (the start screen and the next session
        # were the old config's, its patient code and target, until a breath came).
        self._apply_pending(t)
        return out

    def feed(self, event: Event) -> list[Event]:
        """An analysis event in; cue (and exercise) events out."""
        self._now = max(self._now, event.at)
        if isinstance(event, Fault | FaultEnd):
            was = self.rules.fault
            cues = self.rules.feed(event, self.targets(event.at))
            self._fault_clock(was, event.at)
            if self.running() and any(c.kind == "breathe_on" for c in cues):
                self.stats[-1].holds += 1  # (a hold found during the fault, warned now)
            return self._record(cues) if self.mode == "exercise" else []
        if isinstance(event, HoldEnd):
            self._hold_over(event)
        if not self.running():
            if isinstance(event, HoldEnd):
                self.rules.feed(event)
            return []
        st = self.stats[-1]
        if isinstance(event, Hold) and not self.rules.fault:
            st.holds += 1
            self._held = (st, self.elapsed(event.t), st.cues["breathe_on"])
        verdict = ""
        if isinstance(event, Breath):
            # (A breath under way when the exercise began followed the exercise before,
            # or its pacer: it is no repetition of this one, nor its rate or ratio; the
            # pacer does not judge it either.)
            if event.start >= self.started_t:
                self.reps += 1
                st.rates.append(event.rate_bpm)
                if event.end > event.start:
                    st.periods.append(event.end - event.start)
                if event.inhale_s > 0:
                    st.ratios.append(event.ratio)
                st.share = event.belly_share
                if st.share is not None and event.paradoxical:
                    # the belly moved the wrong way: "buik -54%" (against "doel >=40%"),
                    # not "54%", a pass beside the cue "Adem naar je buik"
                    st.share = -st.share
                if st.share is not None:  # (so on the summary too)
                    st.shares.append(st.share)
                if self.pacer:
                    verdict = self.pacer.observe(event.start, event.inhale_s, event.exhale_s,
                                                 at=event.at)
            self._apply_pending(event.at)
        return self._record(self.rules.feed(event, self.targets(event.at), verdict))

    def _hold_over(self, event: HoldEnd) -> None:
        """A hold ended. One that was none (``not_worn``: the stillness went on until the
        belt was taken for not worn) is counted no more in this session's summary, nor
        its "Blijf ademen!" among the exercise's tips (the records drop it too), and if
        its exercise still runs, the time since it began on the exercise's clock was no
        practice. (Its first minute counted as a hold, and toward the home target, for a
        belt laid down.) An exercise that began after it (the one before ran out of time
        with the belt lying there) ran all its clock on that stillness: none of it was
        practice. The record keeps the hold, marked (store.py)."""
        held, self._held = self._held, None
        if not event.not_worn or held is None or not any(st is held[0] for st in self.stats):
            return
        held[0].holds -= 1
        cues = held[0].cues  # as before the hold: its warnings go
        cues["breathe_on"] = held[2]
        if not cues["breathe_on"]:
            del cues["breathe_on"]
        if self.mode in ("exercise", "paused"):
            since = held[1] if held[0] is self.stats[-1] else 0.0
            self.elapsed_before -= max(self.elapsed(event.at) - since, 0.0)

    def rate_now(self) -> float | None:
        """The breaths/min shown: the median of this exercise's last five breaths' own
        rates (from their lengths), None before its first. The analysis's rate is a median
        over the breaths before too: a patient who followed the pacer from the first breath read the
        calibration's "8 adem/min (doel 5)" for half a minute, and after a pause the
        rate of the walk to the door."""
        mine = self.stats[-1].periods[-5:] if self.stats and self.mode == "exercise" else []
        return float(statistics.median([60.0 / p for p in mine])) if mine else None

    def ratio_now(self) -> float | None:
        """The exhale:inhale shown: the median of this exercise's last five breaths (as
        many as the analysis takes), None before its first. The analysis's own ratio
        carried the breaths of the exercise before, at another pace, for a minute."""
        mine = self.stats[-1].ratios[-5:] if self.stats and self.mode == "exercise" else []
        return float(statistics.median(mine)) if mine else None  # (per frame: no numpy)

    def _record(self, cues: list[Cue]) -> list[Event]:
        if self.stats and self.mode == "exercise":
            for c in cues:
                self.stats[-1].cues[c.kind] += 1
        return list(cues)

    # --- settings -----------------------------------------------------------------------

    def apply_settings(self, settings, programme: Programme | None = None) -> None:
        """Use new settings from the next breath, a new programme from the next exercise."""
        self._pending = settings
        if programme is not None:
            self._pending_programme = programme
        if self.mode in ("idle", "summary"):
            self._apply_pending(None)
            if self._pending_programme is not None:
                self.programme, self._pending_programme = self._pending_programme, None
                self.index = 0

    def _apply_pending(self, t: float | None) -> None:
        """New settings at a breath (or exercise) boundary; the running exercise's pacer
        follows them only if its own settings changed (``coach_pacing.follow_settings``)."""
        if self._pending is None:
            return
        old, self.settings, self._pending = self.settings, self._pending, None
        self.rules.set_config(self.settings.cues)
        if self.pacer is None or self.mode != "exercise":
            return
        ex = self.programme.exercises[self.index]
        follow_settings(self.pacer, ex, old, self.settings, t, self.elapsed(t))

    def on_reload(self, result, t: float) -> None:
        """Take a ``reload.Reloaded`` or ``reload.Rejected`` from the ConfigWatcher."""
        error = getattr(result, "error", None)
        if error is not None:  # shown until a good file comes (the old settings run on)
            self.show_notice(rejected_notice(error, self.lang), t, "config", lasting=True)
            return
        self.apply_settings(result.settings, result.programme)
        if result.needs_restart:
            keys = ", ".join(result.needs_restart)
            self.show_notice(i18n.text("config.restart", result.settings.patient.language,
                                       keys=keys), t, "config")
        else:
            self.show_notice(None, t, "config")

    def show_notice(self, text: str | None, t: float, source: str = "info",
                    lasting: bool = False) -> None:
        """A notice at the bottom of the screen for ``NOTICE_S``, or while ``lasting``
        until its source clears it (None). Each source (config, unit, export) has its
        own, so one clearing its own does not take another's away; several take turns."""
        self.notices.show(text, t, source, lasting)

    @property
    def notice(self) -> tuple[str, float] | None:
        """The newest notice and since when (None: none)."""
        return self.notices.newest

    # --- outputs ------------------------------------------------------------------------

    def summary(self) -> list[dict]:
        """Per exercise done so far: minutes, breaths/min, ratio, holds, cues, following."""
        rows = []
        for i, st in enumerate(self.stats):
            if i == len(self.stats) - 1 and self.running_since is not None:
                st.active_s = self.elapsed(self._now)
                if self.pacer:
                    st.following = self.pacer.summary()
            rows.append(st.row())
        return rows

    def ring_frame(self, t: float, state: StateLike | None = None) -> np.ndarray:
        """The LED ring's frame at ``t``: (pixels, 3) uint8 RGB (``coach_view.ring_frame``)."""
        # The warning's pulse runs from the first frame that shows it, at its full level.
        if not self.warning:
            self._warned_from = None
        elif self._warned_from is None:
            self._warned_from = t
        return coach_view.ring_frame(self, t, state, self._warned_from)

    @property
    def today_min(self) -> float:
        """Minutes practised today before this session, by the patient shown."""
        return self.days.today_by_code.get(self.shown_code(), 0.0)

    def session_shown(self) -> bool:
        """A session runs or its summary shows: its patient's day and target are shown
        (as in the report, which judges the day by the config the session began with),
        not those of a code or target set meanwhile."""
        return self.mode in ("exercise", "paused", "summary") and bool(self.stats)

    def shown_code(self) -> str:
        """Whose day the screen shows: the session's patient while it runs and on its
        summary (a code changed meanwhile is the next patient's), else the code set now."""
        return self.session_code if self.session_shown() else self.settings.patient.code

    def practised_min(self) -> float:
        """Minutes practised today, toward the home target, by the patient shown: before
        this run (from the records), in earlier sessions of this run and in the exercises
        of this session done so far (not a session that began before midnight, nor
        another patient's). Calibration is not practice and does not count."""
        code = self.shown_code()
        mine = code == self.session_code and not self.days_back
        return self.days.today_by_code.get(code, 0.0) + (self.practice_s() / 60.0 if mine
                                                         else 0.0)

    def practice_s(self, t: float | None = None) -> float:
        """Seconds of practice in this session's exercises (calibration left out); with
        ``t``, the running exercise as far as it got at ``t``."""
        done = [s for s in self.stats if s.spec.kind != "calibration"]
        total = sum(s.active_s for s in done)
        if t is not None and self.mode in ("exercise", "paused") and self.stats \
                and self.stats[-1] in done:
            total += self.elapsed(t) - self.stats[-1].active_s
        return total

    @property
    def days_back(self) -> int:
        """How many days before today this session began (0: today's, or none; below 0:
        a clock set back since it began); its summary says that day's minutes."""
        return self.days.days_back() if self.stats else 0

    def new_day(self, t: float, days: int = 1) -> None:
        """The date moved on ``days`` at ``t`` (``PracticeDays.new_day``): a session
        running over midnight counts, all of it, for the day it began."""
        self.days.new_day(days)

    def redate(self, days_back: int) -> None:
        """This session (running, or its summary) was re-dated: the clock was set since
        it began. It counts for the day ``days_back`` before today (``PracticeDays``)."""
        self.days.redate(days_back)

    def view(self, t: float, state: StateLike | None = None) -> View:
        """The screen's view model at ``t`` (``coach_view.view``)."""
        return coach_view.view(self, t, state)
