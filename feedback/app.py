"""``ademcoach run``: the real-time loop that wires sensor -> analysis -> coaching ->
LED ring, screen and records.

One ``Loop`` drives every job on one clock (see feedback/loop.py):

- ``sample``   at the sensor rate: read the belts, feed the analysis, dispatch events;
- ``frame``    30/s: buttons, the coach's clock, the LED ring, buzzer and tones;
- ``screen``   ``screen.fps``: the pygame screen (not in headless mode; of real time in a
  simulation faster than real time);
- ``house``    1/s: config reload, storage health, notices, watchdog, status line, end.

Data flows one way. Events from the analysis go to the coach, which answers with cues
and exercise events; every event is written to the records and the ``--events`` file.
Faults at run time (I2C errors, LED write failures, a full disk, a bad new config) are
shown and recorded, and the loop keeps going.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys

import numpy as np

from feedback import events as ev
from feedback.analysis.analyzer import GAP_S
from feedback.latches import BRIEF_LOG_S, FaultLatch, SlowLatch
from feedback.loop import WARN_AT, Loop
from feedback.reload import config_record

log = logging.getLogger(__name__)

RING_FPS = 30
SOUND_RETRY_S = 60.0  # sound wanted but not working: its device is tried again this often
# The unit's own parts, not the belt; ``slow``: the unit itself too slow to read the belt
UNIT_FAULTS = ("led", "display", "storage", "button", "sound", "slow")
# Those said on the notice line while they fail, the records first (a missing display has
# no screen to say it on)
NOTICED_FAULTS = ("storage", "slow", "led", "button", "sound")


# The system clock stepped by more than this against the loop's monotonic clock: it was
# set (by the network, or by hand). The two run at the same rate otherwise (the kernel
# slews both alike), so the step is what the dates recorded before it were off by.
CLOCK_SET_S = 5.0


class SessionClock:
    """Session time (the signal time of events): the loop's clock less the start."""

    def __init__(self, clock, t0: float):
        self.clock = clock
        self.t0 = t0

    def now(self) -> float:
        return self.clock.now() - self.t0


class Session:
    """One running session: the objects of every layer and the timers that drive them.

    Everything it needs is passed in, so tests build it on a virtual clock with emulated
    parts and step it; ``feedback.run`` builds it for the command line.
    """

    def __init__(self, settings, parts, clock, *, coach, analyzer, records=None,
                 display=None, sound=None, sinks=(), status=None, duration=None,
                 watcher=None, notifier=None, end_when_done=False, record_meta=None,
                 session_clock: SessionClock | None = None, exports=None, today=None,
                 wall=None):
        self.settings = settings
        self.parts = parts
        self.clock = clock
        self.coach = coach
        self.analyzer = analyzer
        self.records = records
        self.display = display
        self.sound = sound
        self.buzzer_problem: str | None = None  # the buzzer's pin failing: why
        self._sound_failing = (False, False)  # (the sound, the buzzer) as last recorded
        self._sound_tried: float | None = None  # a failed audio device: when last tried
        self.sinks = list(sinks)
        self.status = status
        self.duration = duration
        self.watcher = watcher
        self.exports = exports  # an ExportWatcher: the last USB export, shown as a notice
        # The system clock (epoch seconds), watched against the loop's clock for a step
        # (``_check_wall``); None: not watched (a simulation, whose clock is its own).
        self.wall = wall
        self.today = today or (dt.date.today if wall is None else  # the wall-clock date
                               lambda: dt.date.fromtimestamp(self.wall()))  # ("today")
        self._day = self.today()
        self._wall_offset: float | None = None  # the system clock less the loop's, as last
        self._session_wall: float | None = None  # when the last record session began
        self.notifier = notifier
        self.end_when_done = end_when_done
        self.record_meta = record_meta or {}
        # Session time: shared with the records, which stamp durations with it.
        self.session_clock = session_clock or SessionClock(clock, clock.now())
        self.t0 = self.session_clock.t0
        self.now = self.session_clock.now
        self.i2c = FaultLatch("i2c")
        self.led = FaultLatch("led")
        self.stuck = FaultLatch("button", grace_s=None)  # Controls.stuck() waits STUCK_S
        self._stuck_names: list[str] = []
        self._brief_logged = 0.0
        self.counts: dict[str, int] = {}
        # Holds that ended as a belt not worn (no hold after all), and the "Blijf ademen!"
        # given for them: the headless summary's tally leaves them out, as the summary and
        # the report do
        self.not_worn_holds = self.not_worn_warnings = 0
        self._warned_before_hold = 0  # breathe_on cues given before the hold under way
        self.cue_counts: dict[str, int] = {}
        self.startup_faults: list[ev.Event] = []
        self.faults_on: dict[tuple, ev.Fault] = {}  # (kind, belt) -> the fault, while on
        self.stop_reason = "stopped"
        self.interrupted = False  # stopped by Ctrl-C (SIGINT)
        self.recording = False
        self.record_id: int | None = None
        self._pause_span = None
        self._hold_after = None
        self._warned_holds = False  # the exercise before this one warned of holds
        self._paused_hold = False  # a hold judged while paused is on (not yet its end)
        self._patient_follows = False
        self._ring_last = (None, 0.0)
        self._unit_notice = False
        self._service_line = None
        self._period = 1.0 / settings.sensor.rate_hz
        self._last_read: float | None = None  # when the sensor last gave its values
        self.late_gaps = 0  # readings more than GAP_S apart because the loop was late
        self.slow = SlowLatch()  # ... a `slow` fault when they come often or long
        self.loop = Loop(clock)

    # --- events -------------------------------------------------------------------

    def dispatch(self, events: list[ev.Event]) -> None:
        """Send events everywhere; the coach's answers (cues, exercises) follow them."""
        pending = list(events)
        while pending:
            e = pending.pop(0)
            self.counts[e.kind_name] = self.counts.get(e.kind_name, 0) + 1
            if isinstance(e, ev.Exercise):
                self._exercise_boundary(e)
            elif isinstance(e, ev.Resume):
                self._unwarned_hold(e.at)
            elif isinstance(e, ev.Hold | ev.HoldEnd):
                self._paused_hold = isinstance(e, ev.Hold) and self.coach.mode == "paused"
                if isinstance(e, ev.Hold):
                    self._warned_before_hold = self.cue_counts.get("breathe_on", 0)
                elif e.not_worn:
                    self.not_worn_holds += 1
                    self.not_worn_warnings += (self.cue_counts.get("breathe_on", 0)
                                               - self._warned_before_hold)
            if isinstance(e, ev.Fault):
                self.faults_on[(e.kind, e.belt)] = e
            elif isinstance(e, ev.FaultEnd):
                self.faults_on.pop((e.kind, e.belt), None)
            if isinstance(e, ev.Cue):
                self.cue_counts[e.kind] = self.cue_counts.get(e.kind, 0) + 1
            for sink in self.sinks:
                sink(e)
            if self.records is not None and self.recording:
                self.records.add(e)
            elif self.records is not None and isinstance(e, ev.HoldEnd) and e.not_worn:
                # (the session ended with the belt lying there: its hold was none)
                self.records.add_after(e)
            if not isinstance(e, ev.Cue | ev.Exercise):
                pending.extend(self.coach.feed(e))
            if isinstance(e, ev.Hold):
                self.show_ring(self.now())  # the warning must not wait for the next frame

    def _exercise_boundary(self, e: ev.Exercise) -> None:
        """A record session spans a run of the programme: from its first exercise to the
        summary (or the end of the process)."""
        if e.phase == "start":
            self._sync_hold_after()
            ex = self.coach.exercise
            if not self._warned_holds:  # stillness while warnings were off is no hold
                self.dispatch(self.analyzer.holds_from(e.at))
            else:
                self._unwarned_hold(e.at)
            self._warned_holds = bool(ex is not None and ex.hold_warnings)
            if self.coach.wants_calibration:  # the belt is on anew: measure it again
                self.analyzer.recalibrate()
            if self.records is not None and not self.recording:
                meta = self.record_meta
                self._check_wall()  # (a step not yet seen is not this session's)
                self._session_wall = self.wall() if self.wall is not None else None
                self.record_id = self.records.start_session(
                    meta.get("patient", ""), meta.get("programme", ""), meta.get("config", ""),
                    self._session_wall, raw_belts=list(self.parts.sensor.belts))
                self.recording = True
                # What is wrong with the unit itself as the session begins (a fault that
                # began and ended before it, such as a screen that came late, is not),
                # and a belt fault still on: the record must see it begin, or its end
                # matches nothing and the report counts that time as practice.
                for f in self.unit_faults.values():
                    self.records.add(ev.Fault(at=e.at, kind=f.kind, belt=f.belt,
                                              detail=f.detail))
                for kind, belt in sorted(self.coach.rules.faults, key=str):
                    f = self.faults_on.get((kind, belt))
                    self.records.add(ev.Fault(at=e.at, kind=kind, belt=belt,
                                              detail=f.detail if f else None))

    def _unwarned_hold(self, t: float) -> None:
        """The exercise goes on at ``t`` (a resume, or the next exercise started from a
        pause) with a hold on that the analysis judged while paused, where the coach
        warns and counts nothing: the stillness in the pause is no hold, as in an
        exercise without warnings. Held on, it is a new hold ``hold_after_s`` after
        ``t``, warned and counted as any (a patient bracing in the pause and lifting with
        the breath still held was never warned: the hold was already on, and no second
        one came before a breath)."""
        if self._paused_hold:
            self._paused_hold = False
            self.dispatch(self.analyzer.holds_from(t))

    @property
    def unit_faults(self) -> dict[str, ev.Fault]:
        """The unit's own parts failing now, by kind."""
        return {k: f for (k, _b), f in self.faults_on.items() if k in UNIT_FAULTS}

    def _sync_hold_after(self) -> None:
        """The analysis warns after the current exercise's hold threshold; in a movement
        or load exercise a hold it warned is never learned as a rest the patient makes
        after each exhale (holds after breathing out at every lift were, from the third
        lift on, and then warned only as the breath came back)."""
        coach = self.coach
        ex = coach.exercise or coach.programme.exercises[coach.index]
        hold_after = (coach.hold_after_s, not ex.moving)
        if hold_after != self._hold_after:
            self._hold_after = hold_after
            self.analyzer.set_hold_after(*hold_after)

    def _end_record(self, reason: str) -> None:
        self.dispatch(self.coach.stop(self.now()))  # the exercise cut short ends too
        if self.records is not None and self.recording:
            self.records.end_session(reason)
            self.recording = False

    # --- timers -------------------------------------------------------------------

    def tick_sample(self, due: float) -> float | None:
        t = self.now()
        try:
            values = self.parts.sensor.read()
        except OSError as exc:
            self.dispatch(self.i2c.failed(t, f"{type(exc).__name__}: {exc}", self._last_read))
            return due + self._period
        if self.i2c.since is not None:
            self.dispatch(self.i2c.ok(t))
        elif self._last_read is not None and t - self._last_read > GAP_S:
            # No read failed, the loop itself was late: the analysis takes the gap as
            # unknown (a hold under way ends there). Said in the journal at the 1st,
            # 10th, 100th ... such gap, as the loop says its late ticks: a unit whose
            # CPU another process takes each second wrote a line a second to the card.
            # Often or long, it is a `slow` fault of the unit (SlowLatch), shown and
            # recorded: the analysis finds no breath and no hold meanwhile.
            self.late_gaps += 1
            if self.late_gaps in WARN_AT:
                log.warning("no reading for %.2f s at %.1f s: the loop was late (%d such "
                            "gaps so far)", t - self._last_read, t, self.late_gaps)
            self.dispatch(self.slow.late(self._last_read, t))
        else:
            self.dispatch(self.slow.ok(t))
        self._last_read = t
        span = self.coach.planned_pause(t)
        if span is not None and span != self._pause_span:
            self._pause_span = span
            self.analyzer.planned_pause(*span)
        elif not self.coach.pacing_now:  # (the analysis must not take it as still running)
            self.analyzer.no_pacer()
        if self.records is not None and self.recording:
            self.records.add_sample(t, values)
        out = self.analyzer.feed(t, values)
        if out:
            self.dispatch(out)
        return due + self._period

    def show_ring(self, t: float, state=None) -> None:
        """Send the coach's LED frame. A frame equal to the last one sent is not sent
        again (the LEDs keep their colours), except once a second as a refresh."""
        if self.parts.ring is None:  # it could not be opened: a led fault since the start
            return
        frame = self.coach.ring_frame(t, state or self.analyzer.snapshot())
        last, sent_at = self._ring_last
        if last is not None and t - sent_at < 1.0 and np.array_equal(frame, last):
            return
        try:
            self.parts.ring.show(frame)
        except OSError as exc:
            self._ring_last = (None, t)
            self.dispatch(self.led.failed(t, f"LED ring: {exc}"))
        else:
            self._ring_last = (frame, t)
            if self.led.since is not None:
                self.dispatch(self.led.ok(t))

    def tick_frame(self, due: float) -> float | None:
        """LED frame, buttons, coach timing, buzzer and tones: RING_FPS times a second."""
        t = self.now()
        for name in self.parts.controls.poll():
            self.button(name, t)
        mode_before = self.coach.mode
        state = self.analyzer.snapshot()
        self.dispatch(self.coach.tick(t, state))
        self._programme_done(mode_before)
        self._sync_patient(t)
        self.show_ring(t, state)
        warning = self.coach.warning
        self._beep(warning)
        if self.sound is not None:
            phase, start = self.coach.pacer_turn(t) or (None, None)
            self.sound.update(t, phase, warning, start)
        return due + 1.0 / RING_FPS

    def _sync_patient(self, t: float) -> None:
        """Simulation: the simulated patient follows the pacer while there is one."""
        patient = self.parts.patient
        if patient is None or not hasattr(patient, "follow"):
            return
        pacing = self.coach.pacer_level(t) is not None
        if pacing != self._patient_follows:
            self._patient_follows = pacing
            t0 = self.t0
            coach = self.coach
            patient.follow((lambda tc: coach.pacer_level(tc - t0) or 0.0) if pacing else None)

    def button(self, name: str, t: float) -> None:
        if name == "quit":
            self.stop("closed")
            return
        if name == "third":  # the optional third button: calibrate again in one press,
            name = "recalibrate"  # for a patient who cannot hold "next" down
        if name == "recalibrate":
            self.analyzer.recalibrate()
        self._check_day()  # (a session started just after midnight is the new day's)
        before = self.coach.mode
        self.dispatch(self.coach.button(name, t))
        self._programme_done(before)

    def _check_day(self) -> None:
        """A unit left on over midnight: today's practice starts again (checked each
        second, and before a button, so that a session started in the second after
        midnight is not taken for the day before's)."""
        shift = self._check_wall()
        day = self.today()
        if day != self._day:  # (a clock that jumped: by as many days, back or forth)
            days = (day - self._day).days
            self._day = day
            self.coach.new_day(self.now(), days)
        if shift and self._session_wall is not None and self.coach.stats:
            # The session the screen counts (running, or the last one: its minutes are
            # not yet added to a day) began before the clock was set: it counts for the
            # day it really began, as its record (the running or last one) now says.
            self._session_wall += shift
            self.coach.redate((day - dt.date.fromtimestamp(self._session_wall)).days)
            if self.records is not None:
                self.records.redate(shift)

    def _check_wall(self) -> float:
        """How far the system clock was set (stepped against the loop's monotonic clock)
        since last looked at; 0.0 for none, or less than ``CLOCK_SET_S``. A unit without
        a clock chip starts at the time it last saved, and the network may set it right
        minutes into a session: the session begun before is then re-dated by the step."""
        if self.wall is None:
            return 0.0
        offset = self.wall() - self.clock.now()
        if self._wall_offset is None:
            self._wall_offset = offset
        shift = offset - self._wall_offset
        if abs(shift) < CLOCK_SET_S:
            return 0.0
        self._wall_offset = offset
        log.warning("the system clock was set %+.0f s; the last session begun before it "
                    "is dated by the clock as set now", shift)
        return shift

    def _programme_done(self, mode_before: str) -> None:
        """The programme reached its summary (its last exercise ended, or "next" skipped
        it), or the session was left (``coach.LEFT_S`` without running, as "left"): the
        record session ends there, and a simulation with it. (A button that skipped to
        the summary left the record open, and the next run was put in it.)"""
        if self.coach.mode == "summary" and mode_before != "summary":
            reason = "left" if self.coach.left else "programme finished"
            self._end_record(reason)
            if self.end_when_done:
                self.stop(reason)

    def tick_screen(self, due: float) -> float | None:
        t = self.now()
        for name in self.display.poll():
            if name != "quit" and self.parts.simulated:
                self.parts.press(name)  # keys stand in for the unit's buttons
            else:
                self.button(name, t)
        if self.display.is_open:  # no view is built for a screen that is not there
            self.display.show(self.coach.view(t, self.analyzer.snapshot()))
        # ``fps`` frames a second of real time (the clock's ``rate``), not of a
        # simulation's own: a screen shows no more, and drawing each frame of its time
        # held ``--speed 10`` in a window to about 2 x.
        return due + self.clock.rate / self.settings.screen.fps

    def tick_house(self, due: float) -> float | None:
        """Once a second: config reload, storage health, watchdog, status, the end."""
        t = self.now()
        if self.watcher is not None:
            result = self.watcher.poll(t)
            if result is not None:
                self.coach.on_reload(result, t)
                if getattr(result, "settings", None) is not None:  # Reloaded, not Rejected
                    self.settings = result.settings
                    if self.sound is not None:
                        self.sound.apply(result.settings.sound)
                    self.record_meta["config"] = config_record(
                        self.watcher.path, result.settings, result.needs_restart)
                    self.record_meta["patient"] = result.settings.patient.code
                    self.record_meta["programme"] = result.settings.programme.name
        self._sync_hold_after()
        self._check_day()
        if self.records is not None:
            self.dispatch(self.records.storage_events(t))
        self._check_buttons(t)
        self._check_sound(t)
        self._show_unit_faults(t)
        self._log_brief(t)
        self._show_export(t)
        if self.notifier is not None:
            self.notifier.watchdog()
            line = self.service_status()
            if line != self._service_line:
                self._service_line = line
                self.notifier.status(line)
        if self.status is not None and not getattr(self.display, "is_open", False):
            self.status(self, t)  # (headless, or while a wanted screen is missing)
        if self.duration is not None and t >= self.duration - 1e-9:
            self.stop("duration")
            return None
        return due + 1.0

    def service_status(self) -> str:
        """One line for ``systemctl status``: what the unit is doing and what is failing."""
        coach = self.coach
        ex = coach.exercise
        if coach.mode in ("exercise", "paused") and ex is not None:
            doing = (f"{coach.mode} {coach.index + 1}/{len(coach.programme.exercises)}: "
                     f"{ex.name('en')}")
        else:
            doing = coach.mode
        faults = sorted(f"{kind}" + (f" ({belt})" if belt else "")
                        for kind, belt in coach.rules.faults)
        faults += sorted(k for k in self.unit_faults if k not in coach.rules.faults)
        return doing + (f"; fault: {', '.join(faults)}" if faults else "")

    def _check_buttons(self, t: float) -> None:
        """A button held down far longer than any press is a fault of the unit: shown,
        recorded, and over when it comes up (before, a stuck start/pause button left the
        session paused with nothing on screen or in the records to say why)."""
        stuck = self.parts.controls.stuck()
        if stuck != self._stuck_names:  # another set of buttons: the record names it
            self._stuck_names = stuck
            self.dispatch(self.stuck.ok(t))
        if stuck:
            from device.controls import STUCK_S

            self.dispatch(self.stuck.failed(t, f"button held down for over {STUCK_S:g} s "
                                               f"(stuck, or something presses it): "
                                               f"{', '.join(stuck)}"))

    def _log_brief(self, t: float, final: bool = False) -> None:
        """Once a minute, and at the end: how often the sensor and the ring failed too
        briefly to be a fault (a bus that starts to fail shows here first)."""
        if t - self._brief_logged < BRIEF_LOG_S and not final:
            return
        since, self._brief_logged = self._brief_logged, t
        for latch, what in ((self.i2c, "sensor reads"), (self.led, "LED frames")):
            if latch.brief:
                log.warning("%d brief failures of %s in the last %.0f s (each under %g s: "
                            "no fault)", latch.brief, what, t - since, latch.grace_s)
                latch.brief = 0

    def _beep(self, warning: bool, again: bool = False) -> None:
        """The buzzer with the hold warning. Its pin failing is a ``sound`` fault (the
        ring and the screen warn on), over once the pin is written again; before, the
        error ended the session. ``again``: write it even if unchanged (``_check_sound``
        tries a failed pin once a second, so a fault is over once the pin is back, not
        only at the next warning)."""
        controls = self.parts.controls
        before = controls.buzzing
        try:
            controls.beep(warning, again)
        except Exception as exc:  # (gpiozero's and the pin library's errors alike)
            if self.buzzer_problem is None:
                log.warning("buzzer: %s: %s", type(exc).__name__, exc)
            self.buzzer_problem = f"buzzer: {type(exc).__name__}: {exc}"
        else:
            if again or controls.buzzing != before:  # (written: the pin works)
                self.buzzer_problem = None

    def _check_sound(self, t: float) -> None:
        """Sound switched on that cannot play (no audio device, or one that failed), or a
        buzzer whose pin fails, is a fault of the unit: shown and recorded, over when it
        plays again or is switched off (before, only the journal said it, and the unit
        was silent)."""
        if self.buzzer_problem is not None:
            self._beep(self.coach.warning, again=True)
        if self.sound is None or self.sound.problem is None:
            self._sound_tried = None
        elif self._sound_tried is None:  # (just failed: tried again in a minute)
            self._sound_tried = t
        elif t - self._sound_tried >= SOUND_RETRY_S:
            self.sound.retry()
            self._sound_tried = t
        problems = (self.sound.problem if self.sound is not None else None,
                    self.buzzer_problem)
        failing = tuple(p is not None for p in problems)
        on = self.faults_on.get(("sound", None))
        if on is not None and failing != self._sound_failing:
            # Another part fails, or one of two no longer: the record names what fails
            # (as for buttons), not the part that failed first.
            self.dispatch([ev.FaultEnd(at=t, kind="sound")])
            on = None
        self._sound_failing = failing
        if any(failing) and on is None:
            self.dispatch([ev.Fault(at=t, kind="sound",
                                    detail="; ".join(p for p in problems if p is not None))])

    def _show_unit_faults(self, t: float) -> None:
        """A failing part of the unit stays on screen as a notice for as long as it fails."""
        from feedback.i18n import text

        shown = [k for k in NOTICED_FAULTS if k in self.unit_faults]
        if shown:
            lang = self.settings.patient.language
            self.coach.show_notice(" / ".join(text(f"unit.{k}", lang) for k in shown), t,
                                   "unit", lasting=True)
            self._unit_notice = True
        elif self._unit_notice:
            self.coach.show_notice(None, t, "unit")
            self._unit_notice = False

    def _show_export(self, t: float) -> None:
        """A USB export just done (by its own process) is shown as a notice."""
        if self.exports is None:
            return
        note = self.exports.poll()
        if note is not None:
            from feedback.exportnote import notice

            self.coach.show_notice(notice(note, self.settings.patient.language), t, "export")

    # --- running ------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        self.stop_reason = reason
        if self.notifier is not None:
            self.notifier.stopping()
        self.loop.stop()

    def run(self) -> str:
        """Run until the duration, the programme's end, a quit or a signal. Returns why."""
        start = self.clock.now()
        self.loop.add("sample", self.tick_sample, start)
        self.loop.add("frame", self.tick_frame, start)
        if self.display is not None:
            self.loop.add("screen", self.tick_screen, start)
        self.loop.add("house", self.tick_house, start + 1.0)
        if self.startup_faults:
            self.dispatch(list(self.startup_faults))
        if self.notifier is not None:
            self.notifier.ready()
        self.loop.run()
        self._log_brief(self.now(), final=True)
        self._end_record(self.stop_reason)
        return self.stop_reason


def install_signal_handlers(session: Session) -> None:
    """SIGTERM stops cleanly (the record is finished); SIGHUP asks for a config reload;
    Ctrl-C (SIGINT) ends the session as q does, with its summary and the running
    exercise's end in the record (a second Ctrl-C stops at once)."""

    def on_term(signum, frame):
        session.stop("SIGTERM")

    def on_int(signum, frame):
        signal.signal(signal.SIGINT, signal.default_int_handler)
        session.interrupted = True  # (the command still ends with 130, as after Ctrl-C)
        session.stop("closed")

    def on_hup(signum, frame):
        if session.watcher is not None:
            session.watcher.request()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_int)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hup)


def status_line(stream=None):
    """The headless terminal status, rewritten in place once a second:
    time, the patient's phase, breaths/min, exhale:inhale (as on the screen), the cue while
    the screen shows it ('-' after cues.show_s, or while there is none)."""
    from feedback.cues import shown_fault
    from feedback.i18n import number, text

    def show(session: Session, t: float) -> None:
        out = stream or sys.stdout
        s = session.analyzer.snapshot()
        lang = session.settings.patient.language
        coach = session.coach  # the cue while it is on the screen, as the screen shows it
        rate = f"{number(coach.rate_now() if coach.mode == 'exercise' else s.rate_bpm, lang)}/min"
        shown = coach.ratio_now() if coach.mode == "exercise" else s.ratio
        ratio = f"{text('summary.ratio', lang)} {number(shown, lang)}"
        kind = coach.rules.current(t) if coach.mode == "exercise" else None
        cue = text(f"cue.{kind}", lang) if kind else "-"
        if kind == "check_belt" and shown_fault(coach.rules.faults)[0] == "i2c":
            cue = text("unit.title", lang)  # (the chip inside the unit is no belt: as the
            #                                  screen says it)
        phase = text(f"state.{s.phase}", lang)
        line = f"{int(t) // 60:2d}:{int(t) % 60:02d}  {phase:<15} {rate:>9}  {ratio:<10}  {cue}"
        if out.isatty():
            out.write("\r" + line.ljust(72)[:78])
        else:
            out.write(line + "\n")
        out.flush()

    return show
