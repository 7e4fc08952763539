"""The whole unit under a seeded random mix of what weeks of use bring, all at once: button
presses (short, long, double), the belt unplugged or shorted and put back, breath-holds,
I2C error bursts and hung-bus timeouts, the loop stalled, the config saved valid, broken,
with another programme, language or patient code, the wall clock stepped, the session quit
mid-exercise and started again; one belt or two. After each run: nothing raised (nor in the
journal), every record and exercise is ended, the minutes practised fit in the session's
span, no fault is left on once its cause has ended, the report builds and its breaths and
holds agree with the summary screen's, and that screen draws."""

import csv
import datetime as dt
import errno
import logging
import os
import random
import sqlite3
import threading
import traceback

import pytest

from feedback.clock import VirtualClock
from feedback.config_rules import ConfigError
from feedback.reload import load_all
from feedback.report import build_report
from feedback.run import open_session
from feedback.screen import Screen
from feedback.sessions import load_sessions
from feedback.store import DB_NAME, SIMULATED

CAUSE_GRACE_S = 20.0  # a fault may outlast its cause this long (latches, stillness)
QUIET_S = 35.0  # the last seconds of each session, with nothing done to the unit
ACTIONS = ["short", "long", "double", "unplug", "short_rail", "hold", "i2c", "i2c_timeout",
           "stall", "cfg_valid", "cfg_broken", "cfg_other", "wall", "quit"]
WEIGHTS = [6, 2, 2, 2, 1, 3, 2, 1, 2, 1, 1, 2, 1, 1]


class Overlay:
    """The simulated patient's belts, with a belt unplugged (the 3.3 V rail), shorted
    (0 V) or all held still during windows (start, end, kind, pin) of session time."""

    def __init__(self, source):
        self.source = source
        self.windows: list[tuple[float, float, str, int]] = []
        self._held: dict = {}

    def __call__(self, t):
        v = dict(self.source(t))
        for a, b, kind, pin in self.windows:
            if a <= t < b:
                if kind == "hold":
                    v = dict(self._held.setdefault((a, b), dict(v)))
                else:
                    v[pin] = 3.3 if kind == "unplug" else 0.0
        return v


def config_text(base: str, *, code: str, lang: str, programme: str, belts: int,
                exhale: float = 6.0, broken: bool = False) -> str:
    text = (base.replace('code = ""', f'code = "{code}"', 1)
            .replace('language = "nl"', f'language = "{lang}"', 1)
            .replace('name = "clinic"', f'name = "{programme}"', 1)
            .replace("exhale_s = 6.0", f"exhale_s = {exhale}", 1))
    if belts == 2:
        text = text.replace('belts = ["belly"]', 'belts = ["chest", "belly"]', 1)
        text = text.replace('channels = ["A0"]', 'channels = ["A0", "A1"]', 1)
    return text + "\n[oops\n" if broken else text


def save(path, text: str) -> None:
    tmp = path.with_suffix(".new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Journal(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.tracebacks: list[str] = []

    def emit(self, record):
        if record.exc_info or "Traceback" in record.getMessage():
            self.tracebacks.append(record.getMessage())


def soak(config, seed: int, sessions: int = 2, seconds: float = 75.0):
    """Run ``sessions`` sessions of up to ``seconds`` on the records beside ``config``
    under seed ``seed``'s mix; returns the problems found (empty: none)."""
    rng = random.Random(seed)
    base = config.read_text(encoding="utf-8")
    state = dict(code=rng.choice(["", "P01"]), lang=rng.choice(["nl", "en"]),
                 programme=rng.choice(["clinic", "home", "analysis"]),
                 belts=rng.choice([1, 2]))
    save(config, config_text(base, **state))
    wall0 = dt.datetime.now().timestamp() - rng.uniform(0, 3600)
    shift = [0.0]
    problems: list[str] = []
    summaries: dict[int, list[dict]] = {}  # record id -> the summary screen's rows
    causes: dict[int, list[tuple[float, float]]] = {}  # record id -> its faults' causes
    journal = Journal()
    logging.getLogger().addHandler(journal)
    thread_errors: list[str] = []
    hook = threading.excepthook
    threading.excepthook = lambda a: thread_errors.append(str(a.exc_value))
    start = 0.0
    try:
        for _k in range(sessions):
            try:
                settings, programme = load_all(config)
            except ConfigError:  # (saved broken last: the therapist fixes it)
                save(config, config_text(base, **state))
                settings, programme = load_all(config)
            clock = VirtualClock(start=start)
            now_causes: list[tuple[float, float]] = []
            with open_session(settings, programme, config, sim="calm", clock=clock,
                              duration=seconds, status=False) as s:
                s.records.commit_every_s = s.records.retry_s = 0.01
                s.end_when_done = False
                overlay = s.parts.chip.source = Overlay(s.parts.chip.source)
                pins = list(s.parts.patient.pins)
                s.wall = lambda c=clock: wall0 + c.now() + shift[0]
                s.today = lambda s=s: dt.date.fromtimestamp(s.wall())
                s._day = s.today()
                end_record = s._end_record

                def ended(reason, s=s, end_record=end_record, now_causes=now_causes):
                    rid = s.record_id if s.recording else None
                    end_record(reason)
                    if rid is not None:
                        summaries[rid] = [dict(r) for r in s.coach.summary()]
                        causes[rid] = now_causes
                s._end_record = ended

                def act(due, s=s, overlay=overlay, pins=pins, now_causes=now_causes):
                    t = s.now()
                    if t > seconds - QUIET_S:  # (a quiet end: every fault must be over)
                        return None
                    what = rng.choices(ACTIONS, WEIGHTS)[0]
                    if what == "short":
                        s.parts.press(rng.choice(["start_pause", "next"]))
                    elif what == "long":
                        s.parts.press("recalibrate")
                    elif what == "double":
                        s.parts.press("next")
                        s.loop.add(f"again@{t}", lambda d: s.parts.press("next"),
                                   first=s.clock.now() + rng.uniform(0.2, 1.5))
                    elif what in ("unplug", "short_rail", "hold"):
                        end = min(t + rng.uniform(2.0, 40.0), seconds - QUIET_S)
                        kind = {"short_rail": "short"}.get(what, what)
                        overlay.windows.append((t, end, kind, rng.choice(pins)))
                        now_causes.append((t, end))
                    elif what == "i2c":
                        n = rng.randint(2, 400)
                        s.parts.chip.fail_next(n)
                        now_causes.append((t, t + n / 40.0 + 2.0))
                    elif what == "i2c_timeout":
                        s.parts.chip.fail_next(1, errno.ETIMEDOUT, delay_s=1.0)
                        now_causes.append((t, t + 10.0))
                    elif what == "stall":
                        d = rng.uniform(0.2, 3.0)
                        s.clock.advance(d)
                        now_causes.append((t, t + d + 12.0))
                    elif what.startswith("cfg"):
                        if what == "cfg_other":
                            key, choices = rng.choice([
                                ("programme", ["clinic", "home", "analysis"]),
                                ("lang", ["nl", "en"]), ("code", ["", "P01", "K7"])])
                            state[key] = rng.choice(choices)
                        save(config, config_text(base, **state, exhale=rng.choice([5.0, 7.0]),
                                                 broken=what == "cfg_broken"))
                    elif what == "wall":
                        shift[0] += rng.choice([-1, 1]) * rng.choice([600, 3 * 3600, 86400])
                    elif what == "quit":
                        s.stop("closed")
                        return None
                    return due + rng.expovariate(1 / 4.0)

                s.loop.add("soak", act, first=s.clock.now() + rng.uniform(1.0, 10.0))
                s.run()
                t_end = s.now()
                Screen((480, 320)).draw(s.coach.view(t_end, s.analyzer.snapshot()))
                last = max((b for _a, b in now_causes), default=-1e9)
                if t_end - last > CAUSE_GRACE_S and (s.faults_on or s.coach.rules.faults):
                    problems.append(f"faults on at {t_end:.0f} s, {t_end - last:.0f} s after "
                                    f"their causes ended: {sorted(s.faults_on, key=str)}")
            start = clock.now() + rng.uniform(60.0, 3600.0)
    except Exception:
        problems.append(traceback.format_exc())
    finally:
        threading.excepthook = hook
        logging.getLogger().removeHandler(journal)
    problems += [f"journal: {m}" for m in journal.tracebacks]
    problems += [f"thread: {m}" for m in thread_errors]
    return problems + check_records(config, summaries, causes)


def check_records(config, summaries, causes) -> list[str]:
    problems = []
    data = config.parent / "data" / SIMULATED
    conn = sqlite3.connect(data / DB_NAME)
    try:
        for sid, reason, t1 in conn.execute("SELECT id, end_reason, end_t FROM sessions"):
            if reason is None or t1 is None:
                problems.append(f"record {sid} not ended")
                continue
            if conn.execute("SELECT count(*) FROM exercises WHERE session_id=? AND end_t "
                            "IS NULL", (sid,)).fetchone()[0]:
                problems.append(f"record {sid}: an exercise not ended")
            last = max((b for a, b in causes.get(sid, []) if a <= t1), default=-1e9)
            on = conn.execute("SELECT kind, belt FROM faults WHERE session_id=? AND "
                              "end_at IS NULL", (sid,)).fetchall()
            if on and t1 - last > CAUSE_GRACE_S:
                problems.append(f"record {sid}: faults {on} left on at its end ({t1:.0f} s), "
                                f"{t1 - last:.0f} s after their causes ended")
        sessions = load_sessions(conn)
    finally:
        conn.close()
    for s in sessions:
        if s.minutes > s.span_minutes + 1e-9:
            problems.append(f"record {s.id}: {s.minutes:.3f} minutes practised in a span of "
                            f"{s.span_minutes:.3f}")
    out = config.parent / "report"
    build_report(data, out, config_dir=config.parent)
    with open(out / "exercises.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for sid, screen in summaries.items():
        report = [r for r in rows if int(r["session"]) == sid]
        seen = [(int(r["breaths"] or 0), int(r["holds"] or 0)) for r in report]
        shown = [(r["breaths"], r["holds"]) for r in screen]
        if seen != shown:
            problems.append(f"record {sid}: (breaths, holds) per exercise: summary screen "
                            f"{shown}, report {seen}")
    if not summaries:
        problems.append("no session was recorded")
    return problems


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_unit_under_a_random_mix_of_everything_keeps_its_invariants(sim_config, seed):
    assert soak(sim_config, seed) == []
