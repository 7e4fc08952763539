"""What the coach shows: the screen's view model and the LED ring's frame.

``view`` fills a ``View`` from the coach's state at ``t`` and the analysis snapshot,
with the notice line (``Notices.line``) and the live curve that ``Coach.tick`` records
(``CURVE_HZ`` points a second); ``ring_frame`` draws the ring's frame
(``ringframes.py``). They are the coach's own (``Coach.view``, ``Coach.ring_frame``), in
a file of their own: they read its public state (the curve, whether the exercise runs,
the day the session counts for) and change none of it but the notice line's turn; since
when the ring's hold warning shows is kept by the coach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from feedback import i18n
from feedback.coach_notices import belt_notice, idle_belt_notice
from feedback.cues import shown_fault
from feedback.pacer import EXHALE_FLOOR
from feedback.ringframes import ring_frame as _ring_frame
from feedback.view import View

if TYPE_CHECKING:
    from feedback.coach import Coach, StateLike

CURVE_HZ = 12  # points a second in the live breathing curve


def view(coach: Coach, t: float, state: StateLike | None = None) -> View:
    """The screen's view model at ``t``, with its notice line: where the screen has a
    line of its own at the bottom (the exercise's hint, the calibration's "wait", the
    summary's "press the start button"), that line takes a turn (``_notice_line``)."""
    v = _view(coach, t, state)
    if coach.next_asked(t):  # "next" pressed once: the question, at once and alone
        # (not in turn with other notices, nor under a cue, which the exercise screen
        # shows first: "Goed zo!" stayed 6 s, longer than the question; the hold warning
        # stays, above it)
        v.notice = i18n.text("next.ask_last" if coach.last_exercise() else "next.ask",
                             coach.lang)
        v.asked = True
        if not (v.warning and v.cue == "breathe_on"):
            v.cue = None
        return v
    # (with one of two belts out, that notice takes its turn there too: belt_notice)
    belt = belt_notice(coach.rules, coach.lang) if coach.rules.partial else None
    # The far view's exercise screen draws a belt to check on a banner in the pacer's
    # word's place: the word takes its turn then, as a hint does, hint or not.
    v.notice = _notice_line(coach, t, belt, hint=v.screen in ("calibration", "summary") or (
        v.screen == "exercise" and (bool(v.hint) or (v.far and belt is not None))))
    if belt is not None and v.notice == belt:
        v.notice_head = belt_notice(coach.rules, coach.lang, "sensor.partial_head")
        v.notice_detail = belt_notice(coach.rules, coach.lang, "sensor.partial_detail")
    return v


def _notice_line(coach: Coach, t: float, belt: str | None, hint: bool) -> str | None:
    """The notice line (``Notices.line``): a belt to check (``belt``) takes its turn
    first."""
    shown = [belt] if belt is not None else []
    if coach.mode == "idle" and coach.rules.fault:  # (no exercise waits for it yet)
        shown = [idle_belt_notice(coach.rules, coach.lang)]
    return coach.notices.line(t, shown, hint)


def _view(coach: Coach, t: float, state: StateLike | None) -> View:
    lang = coach.lang
    v = View(screen="idle", lang=lang, programme=coach.programme.name(lang),
             today_min=coach.practised_min(),
             today_target=(coach.session_target if coach.session_shown() else
                           coach.settings.patient.daily_minutes),
             total=len(coach.programme.exercises), index=coach.index,
             curve_s=coach.settings.screen.curve_s,
             far=coach.settings.screen.view == "far",
             # (a session's summary: the programme it began with, as the report judges it)
             home=(coach.session_home if coach.session_shown() else
                   coach.programme.home),
             patient=coach.shown_code())
    if coach.mode == "summary":
        v.screen = "summary"
        v.rows = coach.summary()
        # (titled as stopped, not "Goed gedaan!", also when no breath was measured
        # at all: a belt out from the start, "next" pressed through every exercise)
        v.left = coach.left or not any(row["breaths"] for row in v.rows)
        if coach.days_back:  # begun on another day (midnight, a clock that jumped)
            v.days_back = coach.days_back
            v.today_min = (coach.days.session_minutes().get(coach.session_code, 0.0)
                           + coach.practice_s() / 60.0)
        return v
    if coach.rules.fault and coach.mode != "idle":  # (idle: the start screen, with a
        v.screen = "sensor"                         # notice: no exercise waits yet)
        v.fault, v.fault_belts = shown_fault(coach.rules.faults)
        # (the exercise that waits, and whether it is paused: what the buttons change)
        v.exercise = coach.programme.exercises[coach.index].name(lang)
        v.paused = coach.mode == "paused"
        return v
    if coach.mode == "idle":
        return v
    ex = coach.programme.exercises[coach.index]
    v.exercise, v.hint = ex.name(lang), ex.hint(lang)
    el = coach.elapsed(t)
    if ex.duration_s and ex.kind != "calibration":  # calibration ends when it has
        v.left_s = max(ex.duration_s - el, 0.0)      # measured (duration_s: at most)
        v.progress = min(el / ex.duration_s, 1.0)
    if ex.repetitions:
        v.reps_left = max(ex.repetitions - coach.reps, 0)
        v.progress = min(coach.reps / ex.repetitions, 1.0)
    if coach.mode == "paused":
        v.screen = "pause"
        return v
    if coach.recal_since is not None or ex.kind == "calibration":
        v.screen = "calibration"
        v.breath_missing = coach.calibration_waits(t, state)
        v.patient_level = state.level if state is not None else None
        _fill_curve(coach, v, t)
        return v
    v.screen = "exercise"
    v.pacer_level, v.pacer_phase = coach.pacer_level(t), coach.pacer_phase(t)
    if state is not None:
        v.patient_level = state.level if state.calibrated else None
        v.rate_bpm, v.ratio = coach.rate_now(), coach.ratio_now()
        # Two belts: the belly's share of this exercise's last breath ("-" before its
        # first: the analysis's last breath may be the calibration's, or one of the
        # pause before a resume). The column shows while two belts measure, and stays,
        # empty, while one of them is out: the last share is not this breath's (it
        # showed 62 % beside "Controleer de buikband", then the column went, and the
        # far view's disc grew, at the next breath).
        share = coach.stats[-1].share if coach.stats else None
        out = bool(coach.rules.partial)
        v.two_belts = out or share is not None or (
            state.breath is not None and state.breath.belly_share is not None)
        if v.two_belts:
            v.belly_pct = 100 * share if share is not None and not out else None
            if coach.rules.enabled("belly"):  # the least the belly cue accepts
                v.belly_target = 100 * coach.rules.cfg["belly_share_min"]
    tg = coach.targets(t)
    # The ratio's target is the least the "longer exhale" cue accepts, not the
    # pacer's own: the analysis dates the start of an inhale after a rest a little
    # early, so a patient who follows the 4-6-1 s pacer exactly reads 1,6, and "doel
    # 1,8" told the patient to breathe out longer than the pacer asked.
    v.target_rate = tg.rate_bpm
    v.target_ratio = EXHALE_FLOOR * tg.ratio if tg.ratio else None
    v.cue = coach.rules.current(t)
    v.warning = coach.warning
    _fill_curve(coach, v, t)
    return v


def _fill_curve(coach: Coach, v: View, t: float) -> None:
    """The last ``screen.curve_s`` seconds of the patient's breathing and of the
    pacer's target, as recorded by ``tick``."""
    if not coach.curve:
        return
    span = coach.settings.screen.curve_s
    arr = coach.curve.tail(int(CURVE_HZ * span) + 2)  # only what can be on screen
    arr = arr[arr[:, 0] >= t - span]
    if not len(arr):
        return
    rel = (arr[:, 0] - t).astype(np.float32)
    v.curve_t = rel
    v.curve_patient = arr[:, 1].astype(np.float32)
    paced = ~np.isnan(arr[:, 2])
    if paced.sum() > 1 and coach.pacer is not None and coach.running():
        v.curve_target = np.stack([rel[paced], arr[paced, 2]], axis=1)


def _calibrating(coach: Coach) -> bool:
    """A calibration measures now: an exercise of that kind, or "calibrate again"."""
    ex = coach.exercise
    if ex is None or coach.rules.fault:
        return False
    return coach.recal_since is not None or ex.kind == "calibration"


def ring_frame(coach: Coach, t: float, state: StateLike | None,
               warned_from: float | None) -> np.ndarray:
    """The LED ring's frame at ``t``: (pixels, 3) uint8 RGB; a hold warning shows since
    ``warned_from`` (``Coach.ring_frame`` keeps when it began). Dark at the summary: the
    session is over (the patient's own breath there looked like the last exercise, and
    the belt taken off like a belt for an exercise to wait for)."""
    if coach.mode == "summary":
        return _ring_frame(coach.settings.ring.pixels, t, None, None)
    fault = coach.rules.fault
    patient = None
    if state is not None and (state.calibrated or _calibrating(coach)):
        patient = state.level  # (calibrating: the screen's disc and curve show it too)
    if coach.mode in ("idle", "paused") or coach.recal_since is not None:
        level, phase = (None, None)
        if coach.mode == "idle":
            patient = None
    elif fault:  # the exercise waits for the belt: no pacing (its phase is None too)
        level, phase = (None, None)
    else:
        level, phase = coach.pacer_level(t), coach.pacer_phase(t)
    return _ring_frame(coach.settings.ring.pixels, t, level, phase, patient,
                       warning=warned_from, fault=fault,
                       brightness=coach.settings.ring.brightness)
