"""``ademcoach run``: build a session from the config and the parts, and run it.

On the unit: the real sensor, ring and buttons, the screen full-screen, real time.
With ``--sim [SCENARIO]``: the same code against emulated chips fed by a simulated
patient (or a recording), a window where a display exists, otherwise headless with a
status line; headless simulation runs 60 s at 10x real time unless told otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import queue
import select
import signal
import sys
import time
from pathlib import Path

from feedback.config import language_in
from feedback.config_rules import ConfigError
from feedback.errors import BadInput, HardwareError

log = logging.getLogger("ademcoach")

SIM_DEFAULT_S = 60.0
SIM_HEADLESS_SPEED = 10.0
SPEED_MIN, SPEED_MAX = 0.01, 1000.0  # --speed: 100 times slower to 1000 times faster
WAIT_POLL_S = 2.0  # run --wait: how often a bad config or a missing part is tried again
# A USB export noted this long before the program started is still shown when the session
# opens: a stick in at power-on is exported while the program starts.
EXPORT_BEFORE_START_S = 120.0


def setup_logging(level=logging.INFO) -> logging.handlers.QueueListener:
    """Log records go through a queue to a background thread: the loop never waits on
    stderr or the journal."""
    q: queue.SimpleQueue = queue.SimpleQueue()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    listener = logging.handlers.QueueListener(q, handler)
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(q)]
    root.setLevel(level)
    listener.start()
    return listener


def make_clock(sim: str | None, speed: float | None, headless: bool):
    from feedback.clock import MonotonicClock, PacedClock, ScaledClock, VirtualClock

    if not sim:
        if speed is not None:
            raise BadInput("--speed works only with --sim: the unit runs in real time")
        return MonotonicClock()
    if speed is None:
        speed = SIM_HEADLESS_SPEED if headless else 1.0
    if not (speed == 0 or SPEED_MIN <= speed <= SPEED_MAX):  # nan and inf included
        raise BadInput(f"--speed {speed:g}: must be 0 (as fast as possible) or from "
                       f"{SPEED_MIN:g} to {SPEED_MAX:g} (1 = real time)")
    if speed == 0:
        return VirtualClock()
    return PacedClock(speed) if speed > 1 else ScaledClock(speed)


class ExtraOutput:
    """An output the session does not depend on (the ``--events`` file, the headless
    status line): a write that fails is said once, in the log, and that output stops;
    the session, its screen, ring and records go on. ``on_fail`` runs once then."""

    def __init__(self, write, what: str, on_fail=None):
        self._write = write
        self.what = what
        self.on_fail = on_fail
        self.failed = False

    def __call__(self, *args) -> None:
        if self.failed:
            return
        try:
            self._write(*args)
        except OSError as exc:
            self.fail(exc)

    def fail(self, exc: OSError) -> None:
        if self.failed:
            return
        self.failed = True
        log.warning("%s: cannot write (%s): no more output there; the session goes on",
                    self.what, exc.strerror or exc)
        if self.on_fail is not None:
            self.on_fail()


def wait_until_fixed(problem_view, retry, display, poll_s: float | None = None,
                     pause=time.sleep):
    """The unit's answer to a problem at start that a person must fix (a bad config file,
    a sensor that does not answer): show it on the screen and try again every ``poll_s``
    seconds (``WAIT_POLL_S``), instead of exiting and being restarted in a loop.
    ``retry()`` returns the result, or raises the problem again. ``pause(seconds)``
    waits between tries (``Waiting.pause``: a SIGHUP ends it early)."""
    from feedback import notify

    notify.ready("waiting: " + problem_view.title)
    while True:
        notify.watchdog()
        if display is not None:
            display.poll()
            display.show(problem_view.view)
        pause(WAIT_POLL_S if poll_s is None else poll_s)
        try:
            return retry()
        except problem_view.errors as exc:
            problem_view.update(exc)


class StopWaiting(BaseException):
    """SIGTERM while ``run --wait`` waits for a fix: the command ends with exit code 0.
    (A BaseException: no ``except Exception`` on the way may take it for a fault.)"""


class Waiting:
    """The signals of the service (``run --wait``) until its session takes them over
    (``install_signal_handlers``): without this, Python's default for SIGHUP ended the
    process (exit 129, which Restart=on-failure did not restart) when ``systemctl
    reload`` came while the unit waited for a fixed config or a sensor.

    SIGHUP ends the current ``pause`` at once (or the next one, if it came meanwhile),
    so the config is read again and the part tried again now; SIGTERM raises
    ``StopWaiting``. The handler only writes a byte to a pipe that ``pause`` waits on,
    so nothing is interrupted halfway. ``install()`` again after a session had the
    signals; ``close()`` puts back the handlers found at the start."""

    def __init__(self):
        self._r, self._w = os.pipe()
        for fd in (self._r, self._w):
            os.set_blocking(fd, False)
        self._before: dict = {}
        self.install()

    def install(self) -> None:
        wanted = [(signal.SIGTERM, self._on_term)]
        if hasattr(signal, "SIGHUP"):
            wanted.append((signal.SIGHUP, self._on_hup))
        for signum, handler in wanted:
            before = signal.signal(signum, handler)
            self._before.setdefault(signum, before)

    def _on_hup(self, signum, frame) -> None:
        with contextlib.suppress(OSError):  # (a full pipe: a wake-up is waiting already)
            os.write(self._w, b"\0")

    def _on_term(self, signum, frame) -> None:
        raise StopWaiting

    def pause(self, seconds: float) -> bool:
        """Wait up to ``seconds``; returns True if a SIGHUP ended the wait early."""
        woken, _, _ = select.select([self._r], [], [], seconds)
        with contextlib.suppress(OSError):
            while os.read(self._r, 64):
                pass
        return bool(woken)

    def close(self) -> None:
        for signum, before in self._before.items():
            signal.signal(signum, before)
        os.close(self._r)
        os.close(self._w)


class ConfigProblem:
    """A bad config at start, as the config error screen shows it: in the language the
    file asks for, if that much of it can be read (else Dutch)."""

    errors = (ConfigError,)

    def __init__(self, error, path=None):
        self.path = path
        self.update(error)

    def update(self, error) -> None:
        from feedback.view import config_error_view

        said = [str(p) for p in error.problems]
        if said != getattr(self, "_said", None):  # the journal gets each change once
            self._said = said
            for line in said:
                log.error("config: %s", line)
        self.title = f"config error in {error.problems[0].path}"
        lang = language_in(self.path) if self.path is not None else "nl"
        self.view = config_error_view(error.problems, lang, kept=False)


class PartProblem:
    """A part missing at start: the sensor (the belt/sensor screen) or another part the
    unit cannot run without, such as the buttons (the unit-fault screen, with the error)."""

    errors = (HardwareError,)

    def __init__(self, error, lang: str):
        self.lang = lang
        self.update(error)

    def update(self, error) -> None:
        from feedback.i18n import text
        from feedback.view import View

        if str(error) != getattr(self, "_said", None):  # the journal gets each change once
            self._said = str(error)
            log.error("%s", error)
        self.title = str(error)
        # The error is the driver's English, said for whom it is: under the patient's words
        # the technician reads why (no chip at that address, I2C off, a group missing),
        # which the belt screen alone did not say.
        detail = text("unit.detail", self.lang, error=error)
        fault = "i2c" if getattr(error, "part", "sensor") == "sensor" else "unit"
        self.view = View(screen="sensor", lang=self.lang, fault=fault, notice=detail)


def _within(target, keep) -> bool:
    """Is ``target`` the file ``keep`` (a link to it, or another name of it), or inside
    the directory ``keep``?"""
    try:
        target, keep = Path(target).resolve(), Path(keep).resolve()
    except (OSError, RuntimeError):
        return False
    if target == keep or (keep.is_dir() and target.is_relative_to(keep)):
        return True
    try:
        return os.path.samefile(target, keep)  # (a hard link)
    except OSError:
        return False


def cmd_run(args) -> int:
    from feedback import exportnote
    from feedback.cli import config_path
    from feedback.clock import MonotonicClock
    from feedback.display import Display, ReopeningDisplay, want_display
    from feedback.reload import load_all

    listener = setup_logging(logging.WARNING if args.sim else logging.INFO)
    display = waiting = None
    # a USB export from here on is shown when the session opens, also one done while the
    # unit waits for a fix (the stick brought it) or just before it started (at power-on)
    exports_since = exportnote.moment(EXPORT_BEFORE_START_S)

    def wait_for(problem, retry):
        waiting.install()  # (again: a session that could not start may have had them)
        return wait_until_fixed(problem, retry, display, pause=waiting.pause)

    def wait_for_config(exc):
        return wait_for(ConfigProblem(exc, path), lambda: load_all(path))

    try:
        if args.wait:
            waiting = Waiting()  # (its signals from the start on)
        path = config_path(args.config)
        headless = not want_display(args.headless)
        try:
            settings, programme = load_all(path)
        except ConfigError as exc:
            if not args.wait:
                raise
            if not headless:
                from feedback.config import defaults

                display = ReopeningDisplay(lambda: Display.open(defaults()), MonotonicClock())
            settings, programme = wait_for_config(exc)
        clock = make_clock(args.sim, args.speed, headless)
        duration = args.duration
        if duration is None and args.sim and headless:
            duration = SIM_DEFAULT_S
        while True:
            try:
                return _run(args, path, settings, programme, clock, headless, duration,
                            display, exports_since)
            except HardwareError as exc:
                if not args.wait:
                    raise
                if not headless and display is None:
                    display = ReopeningDisplay(lambda s=settings: Display.open(s), MonotonicClock())
                problem = PartProblem(exc, settings.patient.language)
                try:  # each try reads the config again: the fix may be there (an address)
                    settings, programme = wait_for(problem, lambda: _parts_ready(path, clock))
                except ConfigError as bad:  # the config went wrong meanwhile
                    settings, programme = wait_for_config(bad)
    except StopWaiting:
        from feedback import notify

        notify.stopping()
        log.info("stopped (SIGTERM) while waiting for a fix")
        return 0
    finally:
        if waiting is not None:
            waiting.close()
        if display is not None:
            display.close()
        listener.stop()


def _probe_parts(settings, clock) -> None:
    """Raise HardwareError while a part the unit cannot run without still fails."""
    from device.parts import open_parts

    open_parts(settings, None, clock, optional=("ring",)).close()


def _parts_ready(path, clock):
    """The config as it is now (ConfigError if it went wrong), once the parts it names
    answer (HardwareError while one does not): the session starts with the file as it is
    when the part came, not as it was when the wait began."""
    from feedback.reload import load_all

    settings, programme = load_all(path)
    _probe_parts(settings, clock)
    return settings, programme


def _run(args, path, settings, programme, clock, headless, duration, display,
         exports_since=None) -> int:
    from feedback.app import install_signal_handlers

    with open_session(settings, programme, path, sim=args.sim, clock=clock,
                      headless=headless, duration=duration, events_path=args.events,
                      display=display, exports_since=exports_since) as session:
        install_signal_handlers(session)
        reason = session.run()
        if session.status is not None:
            sys.stdout.write("\n")
        print_summary(session, "interrupted" if session.interrupted else reason)
    return 130 if session.interrupted else 0


@contextlib.contextmanager
def open_session(settings, programme, path, *, sim, clock, headless=True, duration=None,
                 events_path=None, display=None, status=True, exports_since=None):
    """Build a ``Session`` with every part opened; close them all on the way out.
    ``exports_since``: a USB export noted at this ``exportnote.moment`` or later is shown
    as a notice even if it was done before the session opened (else only those done
    after)."""
    from device.circuit import MIN_BREATH_V, RAIL_HIGH_V, RAIL_LOW_V
    from device.parts import open_parts
    from feedback import events as ev
    from feedback import exportnote, notify
    from feedback.analysis import BreathAnalyzer
    from feedback.app import Session, SessionClock, status_line
    from feedback.cli import drop_stdout
    from feedback.clock import MonotonicClock
    from feedback.coach import Coach
    from feedback.display import Display, ReopeningDisplay
    from feedback.exportnote import ExportWatcher
    from feedback.records import Records
    from feedback.reload import ConfigWatcher, config_record
    from feedback.sound import Sound
    from feedback.store import DB_NAME, SIMULATED, default_data_dir

    parts = open_parts(settings, sim, clock, optional=("ring",))
    events_file = None
    records = None
    sound = None
    display_problem = None
    ended = "closed"  # the record's end reason, unless the session itself ends it
    try:
        if not headless and display is None:
            colours = (lambda: parts.spi.last) if parts.simulated else None
            display = ReopeningDisplay(lambda: Display.open(settings, colours), clock)
        elif display is not None and parts.simulated:
            display.ring_colours = lambda: parts.spi.last
        if isinstance(display, ReopeningDisplay) and not display.is_open:
            display_problem = display.problem
        sinks = []
        if events_path:
            records_dir = default_data_dir(settings.records.data_dir)
            kept = [("the config file", path), ("the programme file", programme.source),
                    ("the recording it replays", sim if sim and Path(sim).is_file() else None)]
            for d in (records_dir, records_dir / SIMULATED):  # the unit's files there:
                # the database, the damaged ones kept for recovery, raw signal, export note
                ours = [d / n for n in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", "raw",
                                        exportnote.NAME)] + (
                    [p for p in d.iterdir() if p.name.startswith(DB_NAME.split(".")[0])]
                    if os.access(d, os.R_OK | os.X_OK) else [])
                kept += [(f"the records (in {records_dir})", p) for p in ours]
            for what, p in kept:
                if p and _within(events_path, p):
                    raise BadInput(f"--events {events_path}: would overwrite {what}; give "
                                   "another file")
            try:
                events_file = open(events_path, "w", encoding="utf-8", buffering=1)
            except OSError as exc:
                raise BadInput(f"--events {events_path}: cannot write: {exc.strerror}") from None
            events_out = ExtraOutput(lambda e: events_file.write(e.to_json() + "\n"),
                                     f"--events {events_path}")
            sinks.append(events_out)
        session_clock = SessionClock(clock, clock.now())
        records = Records.from_settings(settings, session_clock,
                                        subdir=SIMULATED if sim else "")
        today = practised_by_code(records)
        analyzer = BreathAnalyzer(settings.sensor.belts,
                                  hold_after_s=settings.analysis.hold_after_s,
                                  polarity=settings.analysis.polarity,
                                  min_breath=MIN_BREATH_V,
                                  rails=(RAIL_LOW_V, RAIL_HIGH_V))
        coach = Coach(settings, programme, 0.0, today_min=today, autostart=bool(sim))
        sound = Sound(settings.sound)
        session = Session(
            settings, parts, clock, coach=coach, analyzer=analyzer, records=records,
            display=display, sound=sound, sinks=sinks,
            status=ExtraOutput(status_line(), "status line (standard output)", drop_stdout)
            if status and (display is None or (display_problem and _terminal())) else None,
            duration=duration,
            watcher=ConfigWatcher(path, settings) if path else None, notifier=notify,
            end_when_done=bool(sim),
            exports=ExportWatcher(default_data_dir(settings.records.data_dir),
                                  since=exports_since),
            record_meta={"patient": settings.patient.code, "programme": settings.programme.name,
                         "config": config_record(path, settings) if path else ""},
            session_clock=session_clock,
            # (the unit's clock is the system's monotonic one, which a step of the
            # system clock leaves alone; a simulation's runs at its own speed)
            wall=time.time if isinstance(clock, MonotonicClock) else None)
        if "ring" in parts.problems:
            problem = str(parts.problems["ring"])
            log.warning("%s: running on with the screen only", problem)
            session.startup_faults.append(ev.Fault(at=0.0, kind="led", detail=problem))
        if display_problem:
            log.warning("%s: running on with the LED ring only, trying again every %g s",
                        display_problem, display.retry_s)
            session.startup_faults.append(ev.Fault(at=0.0, kind="display",
                                                   detail=display_problem))
        if isinstance(display, ReopeningDisplay):
            display.on_change = lambda problem: _display_changed(session, problem)
        try:
            yield session
        except Exception:
            ended = "error"  # not a stop the user made (the journal has the error)
            raise
    finally:
        if records is not None:
            records.close(ended)
        if events_file is not None:
            try:
                events_file.close()
            except OSError as exc:  # what was still buffered could not be written
                events_out.fail(exc)
        if sound is not None:  # nothing left sounding, the audio device let go
            sound.close()
        if display is not None:
            display.close()
        parts.close()


def _display_changed(session, problem: str | None) -> None:
    """The screen went away (a ``display`` fault) or came (back): record and show it."""
    from feedback import events as ev

    t = session.now()
    if problem is None:
        log.warning("display opened: the screen is back")
        session.dispatch([ev.FaultEnd(at=t, kind="display")])
    else:
        log.error("%s: running on with the LED ring only, trying again", problem)
        session.dispatch([ev.Fault(at=t, kind="display", detail=problem)])


def _terminal() -> bool:
    """Is standard output a terminal? The unit's is the journal (on the SD card), where a
    status line a second while the screen is missing would be 86,400 lines a day."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # (closed, or replaced by an object without it)
        return False


def practised_by_code(records, today=None) -> dict[str, float]:
    """Minutes practised today (``today``: the local date) so far, by patient code, for
    the start screen. Read once, before the loop starts (a code a reload sets later is
    looked up here, not read from the card in the loop); an unreadable record counts as
    none."""
    import datetime as dt
    import sqlite3

    from feedback.sessions import load_sessions
    from feedback.store import lenient_text

    if not records.db_path.exists():
        return {}
    today = today or dt.date.today()
    try:
        conn = sqlite3.connect(f"file:{records.db_path}?mode=ro", uri=True)
        conn.text_factory = lenient_text  # (a damaged byte in a name read as 0 minutes)
        try:
            sessions = load_sessions(conn, since=today)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("could not read today's practice from the records: %s", exc)
        return {}
    out: dict[str, float] = {}
    for s in sessions:
        if s.day == today:
            out[s.patient] = out.get(s.patient, 0.0) + s.minutes
    return out


def print_summary(session, reason: str) -> None:
    """A short summary at the end of a headless session."""
    from feedback.i18n import number, text, text_or
    from feedback.view import belly, in_sync, tips

    lang = session.settings.patient.language
    counts = session.counts
    if reason == "left":  # (as the report says it: not "stood still", the patient did not)
        from feedback.report_words import left_text

        said = left_text(lang)
    else:
        said = text_or(f"end.{reason}", lang, reason)
    print(text("status.summary", lang, seconds=f"{session.now():.0f}", reason=said) + ":")
    for row in session.coach.summary():
        name = row.get(f"name_{lang}") or row.get("name_nl")
        print("  " + text("status.exercise", lang, name=name,
                          minutes=number(row["minutes"], lang),
                          rate=number(row["rate_bpm"], lang), ratio=number(row["ratio"], lang),
                          holds=row["holds"], cues=tips(row), in_sync=in_sync(row),
                          belly="" if row.get("belly_pct") is None else
                          ", " + text("summary.belly", lang) + " " + belly(row)))
    # (a hold that ended as a belt not worn was none, nor its warning: the summary and the
    # report leave them out)
    given = dict(session.cue_counts)
    given["breathe_on"] = given.get("breathe_on", 0) - session.not_worn_warnings
    cues = [f"{k} {v}" for k, v in sorted(given.items()) if v]
    holds = counts.get("hold", 0) - session.not_worn_holds
    print(f"  events: breaths {counts.get('breath', 0)}, holds {holds}, "
          f"faults {counts.get('fault', 0)}, cues: {', '.join(cues) or 'none'}")
    print(f"  loop: {session.loop.late_summary()}")
