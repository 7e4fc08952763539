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
exercises in turn). Its parts, each in a module of its own: ``coach_clock`` (the
exercise's clock and the practice time it adds up to, ``ExerciseClock``),
``coach_pacing`` (an exercise's pacer under a config, the running one as the coach uses
it, ``RunningPacer``, and the ``check-config`` lines about it), ``coach_reload`` (new
settings and programmes and when they take effect, ``Reloading``), ``coach_practice``
(each exercise's numbers, the minutes practised per day), ``coach_notices`` (the notice
line) and ``coach_view`` (the screen's view model and the ring's frame). ``Coach``
inherits the three parts that act on its state.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from feedback import coach_view
from feedback.coach_clock import ExerciseClock
from feedback.coach_notices import Notices
from feedback.coach_pacing import RunningPacer
from feedback.coach_practice import ExerciseStats, PracticeDays, own_breath
from feedback.coach_reload import Reloading
from feedback.coach_view import CURVE_HZ
from feedback.cues import CueRules
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
# Calibrating again ends once the analysis has measured the breath anew (it showed itself
# uncalibrated, then calibrated), or RECAL_MIN_S after the press if it never showed itself
# uncalibrated; it gives up after RECAL_MAX_S without (both count from a resume when it
# was paused meanwhile).
RECAL_MIN_S, RECAL_MAX_S = 5.0, 120.0


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


class Coach(ExerciseClock, RunningPacer, Reloading):
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
                if self.recal_since is not None:
                    # (still calibrating: the clock and the pacer wait for it, and its
                    # limits count from here: a pause of minutes in it gave it up at once,
                    # the analysis still measuring)
                    self.recal_since = t
                    return []
                self._run_clock(t)
                self._restart_pacer(t)
                return [Resume(at=t)]
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
                self._seen_uncalibrated or t - self.recal_since > RECAL_MIN_S)
            if done or t - self.recal_since > RECAL_MAX_S:
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
        # (counted only while the exercise runs: a recalibration is a pause in the record,
        # and the report leaves out what came in it, as the summary does)
        if self.stats and self.running():
            for c in cues:
                self.stats[-1].cues[c.kind] += 1
        return list(cues)

    # --- notices ------------------------------------------------------------------------

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

    def view(self, t: float, state: StateLike | None = None) -> View:
        """The screen's view model at ``t`` (``coach_view.view``)."""
        return coach_view.view(self, t, state)
