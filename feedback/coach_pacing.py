"""An exercise's pacing under a config: what its pacer is made of, its hold threshold,
the lines ``check-config`` prints about them, and the running pacer as the coach uses it.

The coach makes each exercise's pacer with ``make_pacer`` (from ``pacer_parts``), lets
new settings reach it with ``follow_settings`` and tells the analysis the threshold
from ``hold_after``; ``describe_pacing`` and ``describe_cues`` say in words what the
unit will do with an exercise (``Coach.pacing`` and ``Coach.cues_listed``). Functions
of the settings and the exercise, and of the time and how far the exercise's clock has
run, passed in: they keep no state of their own. ``RunningPacer`` is a part of
``Coach``, which inherits it: the running exercise's pacer, made and made anew, and what
the ring, the screen, the tones and the analysis ask of it.
"""

from __future__ import annotations

from feedback.analysis.holds import REST_MIN_S
from feedback.cues import Targets, slower_limit
from feedback.pacer import Adaptive, Pacer, Pattern
from feedback.programme import ExerciseSpec


def hold_after(settings, ex: ExerciseSpec) -> float:
    """The hold warning threshold of ``ex`` under ``settings`` (the analysis uses it)."""
    return ex.hold_after_s or settings.analysis.hold_after_s


def pacer_parts(settings, ex: ExerciseSpec) -> tuple:
    """All the pacer of ``ex`` is made of, under ``settings``: its mode, pattern, the ratio
    a fixed pacer starts from (0: none) and over how many seconds, and an adaptive pacer's
    targets and limits."""
    p = settings.pacer
    start = ex.start_ratio if ex.start_ratio is not None else p.start_ratio
    over = ex.progress_s if ex.progress_s is not None else p.progress_s
    return (ex.pacer_mode(p), ex.pattern(p), start, over,
            Adaptive(p.target_rate_bpm, p.target_ratio, p.min_rate_bpm, p.max_exhale_s,
                     p.step_s))


def progression_at(settings, ex: ExerciseSpec, done: float) -> tuple[float, float] | None:
    """A fixed pacer's progression ``done`` seconds into ``ex`` (the exercise's clock):
    (the ratio there, seconds left)."""
    _mode, pattern, start, over, _a = pacer_parts(settings, ex)
    if start and done < over - 1.0:
        return start + (pattern.ratio - start) * done / over, over - done
    return None


def make_pacer(settings, ex: ExerciseSpec, mode: str, t: float, done: float,
               old: Pacer | None) -> Pacer | None:
    """The pacer of ``ex`` from ``t``, ``done`` seconds into it (its start, a resume, the
    end of a recalibration), in the ``mode`` it began with: a reload changes a mode only
    from the next exercise (a pause or a recalibration switched it mid-exercise, while
    the record said otherwise). An adaptive one goes on from where ``old`` had got to."""
    _mode, pattern, _start, _over, limits = pacer_parts(settings, ex)
    if mode == "off":
        return None
    progression = progression_at(settings, ex, done) if mode == "fixed" else None
    adaptive = limits if mode == "adaptive" else None
    pacer = Pacer(pattern, t, progression, adaptive)
    if old is not None and old.adaptive and adaptive and old._adapt_pattern:
        pacer.resume_from(old)  # where the patient had got to
    return pacer


def follow_settings(pacer: Pacer, ex: ExerciseSpec, old, new, t: float,
                    done: float) -> None:
    """New settings (``old`` to ``new``) reach the running pacer of ``ex`` at ``t``,
    ``done`` seconds into it. It changes only if its own settings did, and goes on from
    where it is: a progression from the ratio it has reached, an adaptive pacer from the
    patient's progress. (A change of the pacer's mode waits for the next exercise.)"""
    before, now = pacer_parts(old, ex), pacer_parts(new, ex)
    if before == now or before[0] != now[0]:
        return
    if now[0] == "adaptive":
        pacer.set_limits(now[4])
        return
    progression = progression_at(new, ex, done)
    if progression is not None:  # on from the ratio reached, over the time left
        progression = (pacer.current(t).ratio, progression[1])
    pacer.retarget(now[1], progression, t)


def _times(p: Pattern) -> str:
    """A rhythm as ``check-config`` lists it: "4 s in, 6 s out + 1 s pause", each time to a
    tenth of a second (a rhythm given as a rate and a ratio was listed as "3.29193 s in")."""
    def sec(x: float) -> str:
        return f"{round(x, 1):g} s"
    return (f"{sec(p.inhale_s)} in" + (f" + {sec(p.hold_in_s)} pause" if p.hold_in_s else "")
            + f", {sec(p.exhale_s)} out"
            + (f" + {sec(p.hold_out_s)} pause" if p.hold_out_s else ""))


def describe_pacing(settings, ex: ExerciseSpec) -> str:
    """How ``ex`` will run, in one line (``check-config`` lists it per exercise)."""
    mode, p, start, over, limits = pacer_parts(settings, ex)
    length = (f"{ex.repetitions} breath{'s' if ex.repetitions != 1 else ''}"
              if ex.repetitions else f"{ex.duration_s:g} s")
    if ex.kind == "calibration":
        length = "until the breath is measured, at most " + (
            length if ex.repetitions else f"{length} of measuring")
    after = hold_after(settings, ex)
    warn = f"hold warning after {after:g} s" + (
        f" ({REST_MIN_S:g} s after a breath out)" if after < REST_MIN_S else "")
    if not ex.hold_warnings:
        warn = "no hold warning"
    elif not ex.cue_on("breathe_on"):
        warn = "no hold warning (breathe_on is not in its cues; holds are recorded)"
    elif not settings.cues["breathe_on"]:
        warn = "no hold warning ([cues] breathe_on = false; holds are recorded)"
    if ex.cue_on("slower") and settings.cues["slower"]:
        own = ex.slower_above_bpm or settings.cues["slower_above_bpm"]
        whose = ("the exercise's" if ex.slower_above_bpm
                 else "[cues] slower_above_bpm")
        limit = own if mode in ("off", "adaptive") else slower_limit(own, p.rate_bpm)
        if limit < own:  # (the pacer's 1.5 x rule is lower: it applies)
            warn += (f", 'slower' above {limit:.1f}/min (with the pacer: 1.5 x its rate, "
                     f"at least 3/min above it; {whose} {own:g}/min is higher)")
        else:
            warn += f", 'slower' above {own:g}/min" + (
                " or 1.5 x the pacer's rate where lower" if mode == "adaptive" else "")
    if mode == "off":
        return f"{ex.kind}, {length}, no pacer, {warn}"
    rhythm = _times(p) + f" = {60.0 / p.period:.1f}/min"
    if mode == "adaptive":
        a = settings.pacer
        goal = Pacer(p, 0.0, adaptive=limits).goal()  # the target as the unit runs it
        held = (abs(goal.rate_bpm - a.target_rate_bpm) > 0.05
                or abs(goal.ratio - a.target_ratio) > 0.005)
        toward = (f"{goal.rate_bpm:.1f}/min and exhale:inhale {goal.ratio:.2f} "
                  f"(target_rate_bpm {a.target_rate_bpm:g} and target_ratio "
                  f"{a.target_ratio:.2f} held to max_exhale_s and min_rate_bpm)" if held
                  else f"{a.target_rate_bpm:g}/min and exhale:inhale {a.target_ratio:.2f}")
        return (f"{ex.kind}, {length}, adaptive pacer: from the patient's own rhythm "
                f"(until it is known {rhythm}) towards {toward}, at the patient's own "
                f"rate where that is slower; the exhale at most "
                f"{a.max_exhale_s:g} s, in steps of {a.step_s:g} s, {warn}")
    way = "rising" if start < p.ratio else "falling"
    # (the rate stays, so the inhale changes too: 4 s in, 8 s out from 1.3 starts at
    # 5.2 s in, which a therapist who set 4 s in did not expect unless told)
    first = Pattern.from_rate(p.rate_bpm, start, p.hold_in_s, p.hold_out_s) if start else p
    ramp = (f" ({way} from {start:.2f} over the first {over:g} s, at the same rate: "
            f"it starts at {_times(first)})" if start else "")
    return (f"{ex.kind}, {length}, {mode} pacer {rhythm}, exhale:inhale {p.ratio:.2f} as "
            f"set{ramp}, {p.effective_ratio:.2f} as measured (pauses counted), {warn}")


def describe_cues(settings, ex: ExerciseSpec) -> str:
    """Which cues ``ex`` can give, in one line under its pacing (``check-config``): the
    exercise's ``cues`` (or their default for its kind) and the main config's
    switches together. The listing said only the hold warning, so a therapist could
    not see that a movement exercise with no ``cues`` asks for a longer exhale, nor
    that ``belly`` needs two belts."""
    from feedback.config_schema import CUE_SWITCHES

    on = [k for k in CUE_SWITCHES if ex.cue_on(k) and settings.cues[k]]
    two = len(settings.sensor.belts) == 2
    shown = [k if k != "belly" or two else "belly (not with one belt)" for k in on]
    off = [k for k in CUE_SWITCHES if ex.cue_on(k) and not settings.cues[k]]
    line = "cues: " + (", ".join(shown) if shown else "none")
    if off:
        line += f" ([cues] switches off {', '.join(off)})"
    return line


class RunningPacer:
    """The running exercise's pacer, as ``Coach`` uses it: a part of ``Coach``, which
    inherits it. It makes the pacer (at the exercise's start, a resume, the end of a
    recalibration, a belt that measures again) and answers what the ring, the screen, the
    tones and the analysis ask of it (``pacer_level``, ``pacer_phase``, ``pacer_turn``,
    ``planned_pause``, ``targets``, ``hold_after_s``), and ``check-config``'s lines
    (``pacing``, ``cues_listed``). It reads and sets the coach's state that
    ``Coach.__init__`` makes (the pacer, the settings, the exercise, the cue rules)."""

    @property
    def hold_after_s(self) -> float:
        """The current exercise's hold warning threshold (the analysis should use it)."""
        return hold_after(self.settings, self.exercise or self.programme.exercises[self.index])

    def _restart_pacer(self, t: float) -> None:
        """The exercise's pacer starts a new breath at ``t`` (a resume, the end of a
        recalibration, a belt that measures again), keeping the share of breaths in
        rhythm over the whole exercise."""
        old = self.pacer
        self.pacer = self._make_pacer(t)
        if old is not None and self.pacer is not None:
            self.pacer.carry_counts(old)

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
