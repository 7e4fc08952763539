"""The recorded sessions as the report reads them back from the records database.

``load_sessions`` turns the rows of one session (its breaths, holds, cues, faults,
exercises and pause marks) into a ``Session`` with its ``Exercise`` list: times from the
session's start, what came while paused left out, practised minutes with pauses and time
without a measuring belt left out, and each breath with the pacer target it was breathing
to. Older schemas lack some columns and a power cut leaves ends unwritten: both are read
(the gaps estimated from what was recorded, or left None).
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import statistics
import tomllib
from dataclasses import dataclass, field

from feedback.config_schema import SCHEMA
from feedback.cues import CORRECTIONS, SENSOR_FAULTS, no_belt_measures
from feedback.events import FOLLOWING
from feedback.reload import in_force, stored_programme

HOME_TARGET_MIN = SCHEMA["patient"]["daily_minutes"].default  # minutes a day, at home
HOLD_AFTER_S = SCHEMA["analysis"]["hold_after_s"].default  # for exercises without their own
PRAISE = ("good",)  # cues that praise: counted apart from the cues that correct


def median(xs) -> float | None:
    """The median of the numbers in ``xs`` (None and NaN left out); None if there are none."""
    xs = [x for x in xs if x is not None and x == x]
    return statistics.median(xs) if xs else None


@dataclass
class Exercise:
    id: int
    name: str
    minutes: float  # practised: pauses (and recalibration) left out
    breaths: list = field(default_factory=list)  # (at, inhale_s, exhale_s, rate_bpm)
    cues: int = 0  # corrections
    praise: int = 0  # PRAISE cues
    start: float = 0.0  # seconds from the session start
    end: float = 0.0
    pacer: str | None = None  # "fixed", "adaptive", "off"; None: not recorded (old record)
    ratio_target: float | None = None  # exhale:inhale target, pauses counted; None: no pacer
    rate_target: float | None = None  # breaths/min target, when recorded
    in_sync: float | None = None  # share of assessed breaths in rhythm with the pacer
    # how many breaths the pacer judged each way (events.FOLLOWING: in_sync,
    # exhale_short, too_fast, too_slow); None: no pacer, or not recorded (before schema 8)
    following: dict[str, int] | None = None
    # how many of those breaths had too short an exhale, at any pace (one too fast is
    # judged too fast alone); None: not recorded (before schema 9, or no ``following``)
    short_exhale: int | None = None
    kind: str | None = None  # "calibration", "breathing", ...; None: not recorded (old)
    name_en: str | None = None  # its English name; None: not recorded (old record)
    hold_s: list = field(default_factory=list)  # how long each of its holds lasted
    shares: list = field(default_factory=list)  # (belly_share, paradoxical): two belts only

    @property
    def paced(self) -> bool:
        return self.ratio_target is not None

    @property
    def english(self) -> str:
        """Its English name (as recorded in Dutch where no English name was kept)."""
        return self.name_en or self.name

    @property
    def holds(self) -> int:
        return len(self.hold_s)


@dataclass
class Session:
    id: int
    patient: str
    programme: str
    started_at: float  # wall clock, epoch seconds
    minutes: float  # practised: pauses and the calibration left out
    end_reason: str
    ratio_target: float  # the config's pacer, for breaths without a recorded target
    daily_target: float = HOME_TARGET_MIN  # [patient] daily_minutes when it was recorded
    hold_after_s: float = HOLD_AFTER_S  # [analysis] hold_after_s when it was recorded
    programme_text: str | None = None  # the programme file in force (records since 2026-11)
    breaths: list = field(default_factory=list)  # (t, inhale_s, exhale_s, rate_bpm) from start
    holds: list = field(default_factory=list)  # (t0, t1) from start
    cues: list = field(default_factory=list)  # (t, kind), praise included
    faults: list = field(default_factory=list)  # (t0, t1, kind, belt: with two, else "")
    exercises: list = field(default_factory=list)  # Exercise, with start offsets in .start
    span_minutes: float = 0.0  # from start to end, pauses included
    pauses: list = field(default_factory=list)  # (t0, t1) from start
    paced: list = field(default_factory=list)  # (breath, target ratio) under a pacer
    loose: list = field(default_factory=list)  # breaths outside any exercise
    holds_by_exercise: list = field(default_factory=list)  # (Exercise or None, duration s)
    shares: list = field(default_factory=list)  # (belly_share, paradoxical): two belts only
    warned: bool = True  # [cues] breathe_on when it was recorded: holds warned at all

    @property
    def corrections(self) -> list[tuple[float, str]]:
        """The cues that correct the breathing (as the summary screen's "tips": not the
        praise, nor the belt check, which is about the belt and is in the faults)."""
        return [c for c in self.cues if c[1] in CORRECTIONS]

    @property
    def praise(self) -> list[tuple[float, str]]:
        return [c for c in self.cues if c[1] in PRAISE]

    @property
    def ex_starts(self) -> list[tuple[float, str]]:
        """(start from the session start, name) of each exercise."""
        return [(e.start, e.name) for e in self.exercises]

    @property
    def start_local(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.started_at)

    @property
    def cut_short(self) -> bool:
        """Ended by a power cut (no end recorded) or by an error in the program."""
        return self.end_reason in ("interrupted", "error")

    @property
    def left(self) -> bool:
        """Ended by the unit after ``coach.LEFT_S`` without running (paused, or without a
        belt that measures): the patient walked away; not cut short, what ran is whole."""
        return self.end_reason == "left"

    @property
    def day(self) -> dt.date:
        return self.start_local.date()

    @property
    def target(self) -> float | None:
        """The target ratio this session's paced breaths were breathing to (median)."""
        found = median(t for _, t in self.paced)
        if found is None:
            found = median(e.ratio_target for e in self.exercises)
        if found is None and not self.exercises:
            found = self.ratio_target
        return found


def _stored(config_text: str) -> dict[str, dict]:
    """The config stored with a session, as its sections (those that are tables), with
    the values in force for keys that waited for a restart (``reload.config_record``
    notes them in comments); empty when missing or unreadable."""
    try:
        stored = tomllib.loads(config_text or "")
    except tomllib.TOMLDecodeError:
        return {}
    out = {k: dict(v) for k, v in stored.items() if isinstance(v, dict)}
    for section, key, value in in_force(config_text):
        out.setdefault(section, {})[key] = value
    return out


def _targets(stored: dict) -> tuple[float, float]:
    """From the config stored with a session (``_stored``): the pacer's exhale:inhale ratio
    and the home target in minutes a day; the defaults for whatever is missing or bad.
    The ratio is only the fallback for records without a per-exercise target."""
    pacer = {k: r.default for k, r in SCHEMA["pacer"].items()}
    daily = HOME_TARGET_MIN
    if "patient" in stored:
        value, problem = SCHEMA["patient"]["daily_minutes"].check(
            stored["patient"].get("daily_minutes"))
        daily = HOME_TARGET_MIN if problem else value
    try:
        pacer.update(stored.get("pacer", {}))
        ratio = float(pacer["exhale_s"]) / float(pacer["inhale_s"])
    except (TypeError, ValueError, ZeroDivisionError):
        ratio = SCHEMA["pacer"]["exhale_s"].default / SCHEMA["pacer"]["inhale_s"].default
    return ratio, daily


def _hold_after(stored: dict) -> float:
    """From the config stored with a session (``_stored``): ``[analysis] hold_after_s``,
    the hold threshold of exercises that set none of their own; the default if missing or
    bad."""
    value, problem = SCHEMA["analysis"]["hold_after_s"].check(
        stored.get("analysis", {}).get("hold_after_s"))
    return HOLD_AFTER_S if problem else value


def _warned(stored: dict) -> bool:
    """From the config stored with a session (``_stored``): ``[cues] breathe_on``, whether
    a hold was warned at all (else only recorded); the default if missing or bad."""
    value, problem = SCHEMA["cues"]["breathe_on"].check(
        stored.get("cues", {}).get("breathe_on"))
    return SCHEMA["cues"]["breathe_on"].default if problem else value


def _belts(stored: dict) -> list[str]:
    """From the config stored with a session (``_stored``): ``[sensor] belts``, the
    default if missing or bad."""
    belts, problem = SCHEMA["sensor"]["belts"].check(stored.get("sensor", {}).get("belts"))
    return SCHEMA["sensor"]["belts"].default if problem else belts


def _unmeasured(faults, belts, t1: float) -> list[tuple[float, float]]:
    """The spans in which no belt measured, from the sensor faults (at, end_at, kind,
    belt) as the coach judged them: there the exercise's clock stood still."""
    # At the same moment a start comes before an end (a fault that ended as it began).
    changes = sorted([(a, 0, k, b or "") for a, _e, k, b in faults if k in SENSOR_FAULTS]
                     + [(t1 if e is None else max(a, e), 1, k, b or "")
                        for a, e, k, b in faults if k in SENSOR_FAULTS])
    on: set = set()
    spans, since = [], None
    for t, ends, kind, belt in changes:
        (on.discard if ends else on.add)((kind, belt or None))
        now = no_belt_measures(on, belts)
        if now and since is None:
            since = t
        elif not now and since is not None:
            spans.append((since, t))
            since = None
    if since is not None:
        spans.append((since, t1))
    return spans


def _union(spans) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns ``table`` has (none when it does not exist): older schemas lack some."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


TABLES = ("sessions", "exercises", "breaths", "holds", "cues", "faults", "events")


@dataclass
class Untyped:
    """A stored value not of its column's type (a database edited by hand: ``'fast'`` as
    a breath's rate): read as empty, or its row left out when the value is required."""

    table: str
    row: int
    column: str
    value: object
    row_left_out: bool


def typed_tables(conn: sqlite3.Connection, found: list[Untyped]) -> None:
    """Shadow each records table with a temporary view of the same name that reads a
    value not of its column's type as NULL, and leaves out a row whose required number
    (a time, an id) is not one; a blob in a text column is read as text. SQLite stores
    what it is given whatever the column says, and the report would stop at the first
    such value. What was read differently is added to ``found`` (the first three of each
    table, in order)."""
    for table in TABLES:
        cols = conn.execute(f"PRAGMA main.table_info({table})").fetchall()
        if not cols:
            continue
        shown, checks, required = [], [], []
        for _, name, decl, notnull, _, pk in cols:
            q = f'"{name}"'
            if "INT" in decl.upper() or "REAL" in decl.upper():
                ok = f"typeof({q}) IN ('integer', 'real')"
                if notnull or pk:
                    required.append(ok)
                    shown.append(q)
                else:
                    ok = f"({ok} OR {q} IS NULL)"
                    shown.append(f"CASE WHEN {ok} THEN {q} END AS {q}")
                checks.append((name, ok, bool(notnull or pk)))
            else:
                shown.append(f"CASE WHEN typeof({q}) = 'blob' THEN CAST({q} AS TEXT) "
                             f"ELSE {q} END AS {q}")
        conn.execute(f"DROP VIEW IF EXISTS temp.{table}")
        conn.execute(f"CREATE TEMP VIEW {table} AS SELECT {', '.join(shown)} FROM main.{table}"
                     + (f" WHERE {' AND '.join(required)}" if required else ""))
        wrong = " OR ".join(f"NOT {ok}" for _, ok, _ in checks)
        if not wrong:
            continue
        names = ", ".join(f'"{n}"' for n, _, _ in checks)
        for row in conn.execute(f"SELECT rowid, {names} FROM main.{table} WHERE {wrong} "
                                "ORDER BY rowid LIMIT 3"):
            bad = [(n, v) for (n, _, req), v in zip(checks, row[1:], strict=True)
                   if not (isinstance(v, int | float) or (v is None and not req))]
            left_out = any(req for (n, _, req) in checks if n in dict(bad))
            found.extend(Untyped(table, row[0], n, v, left_out) for n, v in bad)


def _following(counts) -> dict[str, int] | None:
    """An exercise's counts of the pacer's verdicts as recorded (in FOLLOWING's order), or
    None: not recorded (no pacer, before schema 8, or a value a hand edit left unusable:
    below 0, or too large to count, such as 9e999, which SQLite keeps as infinite)."""
    if any(n is None or not 0 <= n < math.inf for n in counts):
        return None
    return dict(zip(FOLLOWING, (int(n) for n in counts), strict=True))


def _short_exhale(n, following: dict[str, int] | None) -> int | None:
    """An exercise's count of judged breaths with too short an exhale, at any pace, as
    recorded, or None: not recorded (before schema 9, no verdicts to count it among, or
    a value a hand edit left out of 0 to the breaths judged)."""
    if n is None or following is None or not 0 <= n <= sum(following.values()):
        return None
    return int(n)


def _pause_spans(marks, starts, t_end) -> list[tuple[float, float]]:
    """Paused spans from the ``pause``/``resume`` events: a pause lasts until it is
    resumed, the next exercise starts (the next button while paused) or the session ends."""
    spans, since = [], None
    for at, kind in sorted(list(marks) + [(s, "exercise") for s in starts]):
        if kind == "pause" and since is None:
            since = at
        elif kind != "pause" and since is not None:
            spans.append((since, max(since, at)))
            since = None
    if since is not None:
        spans.append((since, max(since, t_end)))
    return spans


def _overlap(spans, a: float, b: float) -> float:
    return sum(max(0.0, min(b, s1) - max(a, s0)) for s0, s1 in spans)


def _paused(spans, at: float) -> bool:
    """Was ``at`` in a paused span? The coach counts no breath, hold or cue from the pause
    button on until the patient goes on, so neither does the report (an event at the same
    instant as a button is taken as having come before it)."""
    return any(s0 < at <= s1 for s0, s1 in spans)


def load_sessions(conn: sqlite3.Connection, since: dt.date | None = None,
                  patient: str | None = None, lang: str = "nl",
                  untyped: list[Untyped] | None = None) -> list[Session]:
    """Every session (from ``since``, of ``patient``), oldest first, with its details;
    the exercises named in ``lang`` (in Dutch where no English name was recorded). A value
    not of its column's type is read as empty (``typed_tables``; listed in ``untyped``)."""
    typed_tables(conn, untyped if untyped is not None else [])
    have = _columns(conn, "exercises")
    extra = ("pacer", "target_ratio", "target_rate_bpm", "active_s", "in_sync", "kind",
             "name_en") + tuple(f"{k}_n" for k in FOLLOWING) + ("short_exhale_n",)
    ex_cols = ", ".join(c if c in have else "NULL" for c in extra)
    with_events = bool(_columns(conn, "events"))
    paradox = "paradoxical" if "paradoxical" in _columns(conn, "breaths") else "NULL"
    # (a hold that was none, a belt taken for not worn: kept, not counted)
    worn = "AND not_worn IS NULL " if "not_worn" in _columns(conn, "holds") else ""
    clock = ", ".join(c if c in _columns(conn, "sessions") else "NULL"
                      for c in ("start_t", "end_t"))  # schema 1 had no session clock
    out = []
    for sid, code, prog, started, ended, reason, cfg, t0, t1 in conn.execute(
        "SELECT id, patient_code, programme, started_at, ended_at, end_reason, config, "
        f"{clock} FROM sessions ORDER BY started_at, id"
    ):
        if since and dt.datetime.fromtimestamp(started).date() < since:
            continue
        if patient is not None and code != patient:
            continue
        def q(sql, sid=sid):
            return conn.execute(sql, (sid,)).fetchall()

        breaths = q("SELECT at, inhale_s, exhale_s, rate_bpm, exercise_id, belly_share, "
                    f"{paradox}, start FROM breaths WHERE session_id=? ORDER BY at")
        holds = q("SELECT t, coalesce(end_t, at), exercise_id, at, end_t FROM holds "
                  f"WHERE session_id=? {worn}ORDER BY t")
        cues = q("SELECT at, kind, exercise_id FROM cues WHERE session_id=? ORDER BY at")
        if worn:  # a hold that was none: its "Blijf ademen!" is no correction either
            laid = q("SELECT at, end_t FROM holds WHERE session_id=? AND not_worn IS NOT NULL")
            cues = [c for c in cues if c[1] != "breathe_on" or not any(
                a <= c[0] and (b is None or c[0] <= max(a, b)) for a, b in laid)]
        faults = q("SELECT at, end_at, kind, belt FROM faults WHERE session_id=? "
                   "ORDER BY at, id")
        exs = q(f"SELECT id, name, start_t, end_t, {ex_cols} FROM exercises "
                "WHERE session_id=? ORDER BY id")
        marks = q("SELECT at, kind FROM events WHERE session_id=? AND kind IN "
                  "('pause', 'resume') ORDER BY at, id") if with_events else []
        times = [b[0] for b in breaths] + [h[1] for h in holds] + [c[0] for c in cues]
        times += [e[3] for e in exs if e[3] is not None]
        times += [f[0] if f[1] is None else f[1] for f in faults]
        times += [m[0] for m in marks]
        if t0 is None:  # schema 1 had no session clock: measure from the first event
            t0 = min(times + [e[2] for e in exs], default=0.0)
        if t1 is None:  # interrupted (power cut): up to the last thing recorded
            t1 = max(times, default=t0)
            if ended is not None:
                t1 = max(t1, t0 + ended - started)
        pauses = _pause_spans(marks, [e[2] for e in exs], t1)
        # A hold still going when the session ended has no end (breathing never resumed;
        # a fault or a gap ends one in the analysis): it lasted to the session's end, not
        # just to its warning.
        holds = [(a, max(b, t1) if end is None else b, *rest)
                 for a, b, *rest, end in holds]
        # What came while paused is not part of the exercise (a hold counts when its
        # warning fired: ``at``), as on the summary screen.
        breaths = [b for b in breaths if not _paused(pauses, b[0])]
        holds = [h[:3] for h in holds if not _paused(pauses, h[3])]
        cues = [c for c in cues if not _paused(pauses, c[0])]
        span = max(0.0, t1 - t0)
        stored = _stored(cfg)
        fallback, daily = _targets(stored)
        s = Session(sid, code, prog, started, 0.0, reason or "interrupted", fallback, daily,
                    _hold_after(stored), stored_programme(cfg or ""), span_minutes=span / 60.0)
        s.warned = _warned(stored)
        s.pauses = [(a - t0, b - t0) for a, b in pauses]
        s.breaths = [(a - t0, i, e, r) for a, i, e, r, *_ in breaths]
        s.shares = [b[5:7] for b in breaths if b[5] is not None]
        s.holds = [(a - t0, b - t0) for a, b, _ in holds]
        s.cues = [(a - t0, k) for a, k, _ in cues]
        # a fault never cleared lasted to the end of the session (a belt unplugged all along)
        two = len(_belts(stored)) == 2  # (with one, the belt goes without saying)
        s.faults = [(a - t0, (t1 if b is None else max(a, b)) - t0, k, (belt or "") if two
                     else "") for a, b, k, belt in faults]
        # Where the unit's clock stood still (paused, or no belt measuring), for the
        # exercises whose end, and so their own count, a power cut took.
        still = _union(pauses + _unmeasured(faults, _belts(stored), t1))
        # The breaths each exercise judges: one under way when its exercise began followed
        # the exercise before (the unit counts it neither as a repetition nor in its rate
        # or ratio), and is no paced breath of either.
        began = {e[0]: e[2] for e in exs}
        judged = [b for b in breaths
                  if b[7] is None or b[4] not in began or b[7] >= began[b[4]]]
        names = {}
        for (eid, name, es, ee, mode, target, rate_t, active_s, in_sync, kind, name_en,
             *counts, short) in exs:
            end = ee if ee is not None else t1
            if active_s is None:
                active_s = max(0.0, end - es - _overlap(still, es, end))
            if mode is None:  # recorded before the exercises had their own target
                target = fallback
            elif mode == "off":
                target = rate_t = None
            elif target is None:
                target = fallback
            if lang == "en" and name_en:
                name = name_en
            ex = Exercise(eid, name, active_s / 60.0, start=es - t0, end=end - t0, pacer=mode,
                          ratio_target=target, rate_target=rate_t, in_sync=in_sync,
                          kind=kind, name_en=name_en,
                          following=_following(counts))
            ex.short_exhale = _short_exhale(short, ex.following)
            own = [b for b in judged if b[4] == eid]
            ex.breaths = [b[:4] for b in own]
            ex.shares = [b[5:7] for b in own if b[5] is not None]
            ex.hold_s = [h[1] - h[0] for h in holds if h[2] == eid]
            ex.cues = sum(1 for c in cues if c[2] == eid and c[1] in CORRECTIONS)
            ex.praise = sum(1 for c in cues if c[2] == eid and c[1] in PRAISE)
            s.exercises.append(ex)
            names[eid] = ex
        if s.exercises:  # practice: the calibration does not count (as on the unit)
            s.minutes = sum(e.minutes for e in s.exercises if e.kind != "calibration")
        else:
            s.minutes = max(0.0, span - _overlap(still, t0, t1)) / 60.0
        for a, i, e, r, eid, *_ in judged:
            b = (a - t0, i, e, r)
            ex = names.get(eid)
            if ex is None:
                s.loose.append(b)
                s.paced.append((b, fallback))
            elif ex.paced:
                s.paced.append((b, ex.ratio_target))
        s.holds_by_exercise = [(names.get(eid), b - a)
                               for a, b, eid in holds]
        out.append(s)
    return out
