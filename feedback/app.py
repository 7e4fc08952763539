"""``ademcoach run``: the real-time loop that wires sensor -> analysis -> coaching ->
LED ring, screen and records.

One ``Loop`` drives every job on one clock (see feedback/loop.py):

- ``sample``   at the sensor rate: read the belts, feed the analysis, dispatch events;
- ``ring``     30 frames/s: the pacer animation and warnings on the LED ring;
- ``screen``   ``screen.fps``: the pygame screen (not in headless mode);
- ``house``    1/s: buttons, config reload, watchdog, status line, storage health, end.

Data flows one way. Events from the analysis go to the coach, which answers with cues
and exercise events; every event is written to the records and the ``--events`` file.
Faults at run time (I2C errors, LED write failures, a full disk, a bad new config) are
shown and recorded, and the loop keeps going.
"""

from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass

from feedback import events as ev

log = logging.getLogger(__name__)

RING_FPS = 30


@dataclass
class RunOptions:
    """What ``ademcoach run`` was asked to do."""

    sim: str | None = None
    headless: bool = False
    duration: float | None = None
    speed: float | None = None
    events_path: str | None = None
    wait_for_config: bool = False


class FaultLatch:
    """Turns a stream of ok/failed outcomes of one part into fault/fault_end events."""

    def __init__(self, kind: str, belt: str | None = None):
        self.kind = kind
        self.belt = belt
        self.active = False
        self.count = 0

    def failed(self, at: float, detail: str) -> list[ev.Event]:
        self.count += 1
        if self.active:
            return []
        self.active = True
        return [ev.Fault(at=at, kind=self.kind, belt=self.belt, detail=detail)]

    def ok(self, at: float) -> list[ev.Event]:
        if not self.active:
            return []
        self.active = False
        return [ev.FaultEnd(at=at, kind=self.kind, belt=self.belt)]


class Session:
    """One running session: the objects of every layer and the timers that drive them.

    Everything it needs is passed in, so tests build it on a virtual clock with emulated
    parts and step it; ``run_command`` builds it for the command line.
    """

    def __init__(self, settings, parts, clock, *, coach, analyzer, records=None,
                 display=None, sinks=(), status=None, duration=None, watcher=None,
                 notifier=None):
        self.settings = settings
        self.parts = parts
        self.clock = clock
        self.coach = coach
        self.analyzer = analyzer
        self.records = records
        self.display = display
        self.sinks = list(sinks)
        self.status = status
        self.duration = duration
        self.watcher = watcher
        self.notifier = notifier
        self.t0 = clock.now()
        self.i2c = FaultLatch("i2c")
        self.led = FaultLatch("led")
        self.storage = FaultLatch("storage")
        self.last_cue: ev.Cue | None = None
        self.config_problems: list[str] = []
        self.counts: dict[str, int] = {}
        self.stopping = False
        self._pause_span = None
        self._hold_after = None
        from feedback.loop import Loop

        self.loop = Loop(clock)

    # --- time ---------------------------------------------------------------------

    def now(self) -> float:
        """Session time: seconds since the session started (the signal time of events)."""
        return self.clock.now() - self.t0

    # --- events -------------------------------------------------------------------

    def dispatch(self, events: list[ev.Event]) -> None:
        """Send events everywhere; the coach's answers (cues, exercises) follow them."""
        pending = list(events)
        while pending:
            e = pending.pop(0)
            self.counts[e.kind_name] = self.counts.get(e.kind_name, 0) + 1
            if isinstance(e, ev.Cue):
                self.last_cue = e
            for sink in self.sinks:
                sink(e)
            if self.records is not None:
                self.records.add(e)
            if not isinstance(e, ev.Cue | ev.Exercise):
                pending.extend(self.coach.feed(e))
            if isinstance(e, ev.Hold | ev.Cue) and (
                isinstance(e, ev.Hold) or e.kind == "breathe_on"
            ):
                self.show_ring(self.now())  # the warning must not wait for the next frame
        self._sync_coach_to_analysis()

    def _sync_coach_to_analysis(self) -> None:
        hold_after = self.coach.hold_after_s
        if hold_after != self._hold_after:
            self._hold_after = hold_after
            self.analyzer.set_hold_after(hold_after)

    # --- timers -------------------------------------------------------------------

    def tick_sample(self, due: float) -> float | None:
        t = self.now()
        try:
            values = self.parts.sensor.read()
        except OSError as exc:
            self.dispatch(self.i2c.failed(t, f"{type(exc).__name__}: {exc}"))
            return due + 1.0 / self.settings.sensor.rate_hz
        self.dispatch(self.i2c.ok(t))
        span = self.coach.planned_pause(t)
        if span is not None and span != self._pause_span:
            self._pause_span = span
            self.analyzer.planned_pause(*span)
        self.dispatch(self.analyzer.feed(t, values))
        return due + 1.0 / self.settings.sensor.rate_hz

    def show_ring(self, t: float) -> None:
        frame = self.coach.ring_frame(t, self.analyzer.snapshot())
        try:
            self.parts.ring.show(frame)
        except OSError as exc:
            self.dispatch(self.led.failed(t, f"LED ring: {exc}"))
        else:
            self.dispatch(self.led.ok(t))

    def tick_ring(self, due: float) -> float | None:
        self.show_ring(self.now())
        return due + 1.0 / RING_FPS

    def tick_screen(self, due: float) -> float | None:
        t = self.now()
        for name in self.display.poll():
            if name == "quit":
                self.stop("closed")
                return None
            self.dispatch(self.coach.button(name, t))
        view = self.coach.view(t, self.analyzer.snapshot())
        self.display.show(view, ring=self.parts.ring, problems=self.config_problems)
        return due + 1.0 / self.settings.screen.fps

    def tick_house(self, due: float) -> float | None:
        t = self.now()
        for name in self.parts.controls.poll():
            if name == "recalibrate":
                self.analyzer.recalibrate()
            self.dispatch(self.coach.button(name, t))
        self.dispatch(self.coach.tick(t, self.analyzer.snapshot()))
        self._check_config(t)
        self._check_storage(t)
        if self.notifier is not None:
            self.notifier.watchdog()
        if self.status is not None:
            self.status(self, t)
        if self.duration is not None and t >= self.duration:
            self.stop("duration")
            return None
        if self.coach.finished:
            self.stop("programme finished")
            return None
        return due + 1.0

    def _check_config(self, t: float) -> None:
        if self.watcher is None:
            return
        result = self.watcher.check()
        if result is None:
            return
        if result.error is not None:
            self.config_problems = [str(p) for p in result.error.problems]
            log.warning("config not applied: %s", result.error)
            return
        self.config_problems = list(result.needs_restart)
        self.settings = result.settings
        self.coach.apply_settings(result.settings)
        log.info("config reloaded from %s", result.settings.source)

    def _check_storage(self, t: float) -> None:
        if self.records is None:
            return
        problem = self.records.problem
        if problem:
            self.dispatch(self.storage.failed(t, problem))
        else:
            self.dispatch(self.storage.ok(t))

    # --- running ------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        self.stop_reason = reason
        self.loop.stop()

    def run(self) -> str:
        """Run until the duration, the programme's end, a quit or a signal. Returns why."""
        self.stop_reason = "stopped"
        start = self.clock.now()
        self.loop.add("sample", self.tick_sample, start)
        self.loop.add("ring", self.tick_ring, start)
        if self.display is not None:
            self.loop.add("screen", self.tick_screen, start)
        self.loop.add("house", self.tick_house, start)
        self.dispatch(self.coach.tick(0.0, self.analyzer.snapshot()))
        if self.notifier is not None:
            self.notifier.ready()
        self.loop.run()
        return self.stop_reason


def install_signal_handlers(session: Session) -> None:
    """SIGTERM stops cleanly (the record is finished); SIGHUP asks for a config reload."""

    def on_term(signum, frame):
        session.stop("SIGTERM")

    def on_hup(signum, frame):
        if session.watcher is not None:
            session.watcher.request()

    signal.signal(signal.SIGTERM, on_term)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hup)


def status_line(stream=sys.stdout):
    """The headless terminal status: time, phase, breaths/min, ratio, last cue."""
    from feedback.i18n import text

    def show(session: Session, t: float) -> None:
        s = session.analyzer.snapshot()
        lang = session.settings.patient.language
        rate = f"{s.rate_bpm:4.1f}/min" if s.rate_bpm else "  --/min"
        ratio = f"1:{s.ratio:.1f}" if s.ratio else "1:--"
        cue = text(lang, f"cue.{session.last_cue.kind}") if session.last_cue else "-"
        phase = text(lang, f"phase.{s.phase}")
        stream.write(f"\r{int(t) // 60:2d}:{int(t) % 60:02d}  {phase:<12} {rate}  {ratio:<6}"
                     f"  {cue:<28}")
        stream.flush()

    return show
