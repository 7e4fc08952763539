"""The exercise's clock, and the practice time it adds up to: the coach's own.

``ExerciseClock`` is a part of ``Coach`` (``coach.py``), which inherits it: how long the
exercise has run (``elapsed``; the clock stands still while paused, recalibrating or with
no belt that measures, ``_run_clock``, ``_stop_clock``, ``_fault_clock``), whether an
exercise runs, whether a calibration waits for a breath and up to when the session has
run (toward ``LEFT_S``); and the minutes practised, in this session (``practice_s``) and
today by the patient shown (``practised_min``, ``today_min``), with the day the session
counts for (``days_back``, ``new_day``, ``redate``, kept by ``PracticeDays``). It reads
and sets the coach's state that ``Coach.__init__`` makes (``running_since``,
``elapsed_before``, ``_stopped_at``, ``_active_at``, the stats, the days, the cue rules'
fault); time is passed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedback.coach import StateLike

# A belt that measures again this soon after its fault began (a real signal that sat at
# one level for a moment): the pacer goes on in its rhythm rather than starting a new
# breath, which made the ring jump back to an inhale at every such blip. The shortest
# exhale a pacer asks for (``exhale_s`` >= 2 s): the patient has not lost the rhythm.
BLIP_S = 2.0


class ExerciseClock:
    """The exercise's clock and the practice time of ``Coach`` (see the module docstring)."""

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

    def running(self) -> bool:
        """An exercise runs: not paused, not recalibrating, not idle or on the summary."""
        return self.mode == "exercise" and self.recal_since is None

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
