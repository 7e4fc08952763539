"""Therapist reports, export to a USB stick, and wiping the records.

``ademcoach report`` reads the session records and writes, per session, per exercise
and per day: minutes practised against the home target, breaths per minute, the
exhale:inhale ratio and whether it moved toward the pacer's target, holds, cues (the
corrections) and praise. As
CSV (for a spreadsheet), a PNG chart per session and a compliance calendar (drawn with
pygame, already on the unit) and a plain-text summary.

``ademcoach export DIR`` writes the report plus a consistent copy of the database (SQLite
backup API) and the raw signal files into DIR, atomically: everything goes into a
temporary directory on the same file system that is renamed into place at the end, so a
stick pulled out too early never holds a half export that looks complete. A config file
``DIR/ademcoach.toml`` is validated and installed (the old one kept as ``.bak``).

``ademcoach wipe`` erases every record for the next patient (secure_delete + VACUUM so
the old pages are overwritten, raw signal files removed).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedback import exportnote, i18n
from feedback.cli import REPO_CONFIG, config_path, fail
from feedback.config import SCHEMA, ConfigError, load_config
from feedback.cues import CORRECTIONS, SENSOR_FAULTS, no_belt_measures
from feedback.errors import AdemError
from feedback.reload import in_force, stored_programme
from feedback.store import (
    DB_NAME,
    SIMULATED,
    StorageError,
    complete_sessions,
    connect,
    copy_db,
    damage_leftovers,
    damaged_files,
    default_data_dir,
    exported_mark,
    fsync_dir,
    is_damaged,
    mark_exported,
    migrate,
    note_of,
    salvage,
    set_aside_at,
    shred,
    shred_db,
)

HOME_TARGET_MIN = SCHEMA["patient"]["daily_minutes"].default  # minutes a day, at home
HOLD_AFTER_S = SCHEMA["analysis"]["hold_after_s"].default  # for exercises without their own
PRAISE = ("good",)  # cues that praise: counted apart from the cues that correct
CLINIC = "clinic"  # the treatment room's programme ([programme] name): no home practice
TREND_STEADY = 0.05  # ratio changes smaller than this count as "steady"


# --- the report's words, per language ----------------------------------------------------
# summary.txt and the charts are written in the unit's language ([patient] language, or
# ``report --lang``); the CSV files keep English column names, words and decimal points.

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Ademcoach report",
        "none": "No sessions recorded in this period.",
        "patient": "Patient {code}: {first} to {until} (last session {ago})",
        "no_code": "(no code)",
        "today": "today",
        "ago": "{days} ago",
        "day": "day", "days": "days",
        "sessions": "Sessions: {n}",
        "interrupted_n": " ({n} interrupted)",
        "practice": "Practice: {minutes} min on {practised} of {days}; home target "
                    "{target} min/day met on {met}",
        "practice_changed": "Practice: {minutes} min on {practised} of {days}; the home "
                            "target changed in this period, each day is judged by its own:",
        "practice_run": "{target} min/day from {first} to {last}: met on {met} of {days}",
        "practice_clinic": "Practice: {minutes} min on {practised} of {days}, all with the "
                           "clinic programme (the home target is for practice at home)",
        "rate": "Breaths per minute: {first} in the first session, {last} in the last",
        "ratio": "Exhale:inhale ratio: {first} in the first session, {last} in the last "
                 "(target {target})",
        "in_sync": "In rhythm with the pacer: {share}",
        "belly": "Belly share of each breath (two belts; 50% = as much as the chest): {first} in "
                 "the first session, {last} in the last;\n  chest and belly moved against each "
                 "other in {para} of the breaths",
        "in_sync_share": "{pct}% of the paced breaths ({by})",
        "holds": "Breath-holds: {n}",
        "holds_by": "{name} {n}, longest {secs} s",
        "no_exercise": "(no exercise)",
        "hold_after": "Hold thresholds (hold_after_s), as the sessions' programmes set them:",
        "cues": "Cues (corrections): ",
        "cue": '"{text}" {n}x',
        "praise": "Praise: ",
        "nothing": "none",
        "faults": "Faults: ",
        "damaged_now": "NOTE: the records database is damaged; this report shows what could "
                       "still be read.\nThe unit sets the file aside and starts a new one "
                       "when it next starts or records.",
        "damaged_kept": "NOTE: a damaged records database was set aside on {when} and kept as "
                        "{name};\nwhat could be read was recovered. Records from before "
                        "then may be missing.",
        "per_session": "Per session: {code}date start minutes breaths/min ratio "
                       "(first->last per paced exercise) holds cues praise, faults",
        "code": "patient ",
        "row_faults": " faults: {faults}",
        "fault_n": "{kind} {n}x",
        "whole_session": "whole session",
        "row": "{date} {start} {minutes:>5} min {rate:>5}/min ratio {ratio:>4} ",
        "row_end": "holds {holds} cues {cues} praise {praise}",
        "interrupted": "interrupted",
        "steady": "steady",
        "fault.disconnected": "disconnected", "fault.saturated": "saturated",
        "fault.flat": "flat", "fault.noisy": "noisy", "fault.i2c": "i2c", "fault.led": "led",
        "fault.display": "display", "fault.storage": "storage",
        "toward the target": "toward the target",
        "away from the target": "away from the target",
        "crossed the target, now below": "crossed the target, now below",
        "crossed the target, now above": "crossed the target, now above",
        # the session chart
        "chart.title": "Session {id}  {start}  {minutes} min  patient {code}  {programme}",
        "chart.ratio": "exhale : inhale  ({target})",
        "chart.target": "target {values}",
        "chart.no_pacer": "no pacer",
        "chart.rate": "breaths / min",
        "chart.minutes": "minutes",
        "legend.ratio": "ratio per breath",
        "legend.target": "target",
        "legend.rate": "breaths/min",
        "legend.hold": "hold",
        "legend.cue": "cue",
        "legend.praise": "praise",
        "legend.fault": "fault",
        "legend.pause": "paused",
        # the practice calendar
        "cal.title": "Practice calendar, patient {code}",
        "cal.line": "Home target {target} min/day: met on {met} of {days} ({first} to {last})",
        "cal.line_clinic": "Clinic programme only: practised on {practised} of {days} "
                           "({first} to {last})",
        "cal.met": ">= {target} min",
        "cal.some": "some practice",
        "cal.none": "no practice",
        "cal.note": "number = minutes practised",
        "cal.weekdays": "Mo Tu We Th Fr Sa Su",
        "cal.months": "January February March April May June July August September "
                      "October November December",
        "cal.short": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    },
    "nl": {
        "title": "Ademcoach-rapport",
        "none": "Geen sessies vastgelegd in deze periode.",
        "patient": "Patiënt {code}: {first} t/m {until} (laatste sessie {ago})",
        "no_code": "(geen code)",
        "today": "vandaag",
        "ago": "{days} geleden",
        "day": "dag", "days": "dagen",
        "sessions": "Sessies: {n}",
        "interrupted_n": " ({n} onderbroken)",
        "practice": "Geoefend: {minutes} min op {practised} van {days}; thuisdoel "
                    "{target} min per dag gehaald op {met}",
        "practice_changed": "Geoefend: {minutes} min op {practised} van {days}; het thuisdoel "
                            "is in deze periode gewijzigd, elke dag telt tegen zijn eigen doel:",
        "practice_run": "{target} min per dag van {first} t/m {last}: gehaald op {met} van "
                        "{days}",
        "practice_clinic": "Geoefend: {minutes} min op {practised} van {days}, alles met het "
                           "programma van de behandelkamer (het thuisdoel is voor thuis)",
        "rate": "Ademhalingen per minuut: {first} in de eerste sessie, {last} in de laatste",
        "ratio": "Verhouding uitademing:inademing: {first} in de eerste sessie, {last} in de "
                 "laatste (doel {target})",
        "in_sync": "In het ritme van de ademgids: {share}",
        "belly": "Buikaandeel van elke ademhaling (twee banden; 50% = evenveel als de borst): "
                 "{first} in de eerste sessie, {last} in de laatste;\n  borst en buik bewogen "
                 "tegen elkaar in bij {para} van de ademhalingen",
        "in_sync_share": "{pct}% van de begeleide ademhalingen ({by})",
        "holds": "Adem ingehouden: {n}x",
        "holds_by": "{name} {n}x, langste {secs} s",
        "no_exercise": "(geen oefening)",
        "hold_after": "Drempels voor 'adem ingehouden' (hold_after_s), zoals de programma's "
                      "ze zetten:",
        "cues": "Aanwijzingen (correcties): ",
        "cue": '"{text}" {n}x',
        "praise": "Complimenten: ",
        "nothing": "geen",
        "faults": "Storingen: ",
        "damaged_now": "LET OP: de database met metingen is beschadigd; dit rapport toont wat "
                       "nog leesbaar is.\nHet apparaat zet het bestand apart en begint een "
                       "nieuw bestand bij de volgende start of opname.",
        "damaged_kept": "LET OP: een beschadigde database met metingen is op {when} apart gezet "
                        "en bewaard als {name};\nwat leesbaar was, is teruggehaald. Metingen "
                        "van daarvoor kunnen ontbreken.",
        "per_session": "Per sessie: {code}datum begin minuten adem/min uit:in "
                       "(eerste->laatste per begeleide oefening) ingehouden aanwijzingen "
                       "complimenten, storingen",
        "code": "patiënt ",
        "row_faults": " storingen: {faults}",
        "fault_n": "{kind} {n}x",
        "whole_session": "hele sessie",
        "row": "{date} {start} {minutes:>5} min {rate:>5}/min uit:in {ratio:>4} ",
        "row_end": "ingehouden {holds} aanwijzingen {cues} complimenten {praise}",
        "interrupted": "onderbroken",
        "steady": "gelijk gebleven",
        "toward the target": "richting het doel",
        "away from the target": "van het doel af",
        "crossed the target, now below": "voorbij het doel, nu eronder",
        "crossed the target, now above": "voorbij het doel, nu erboven",
        "fault.disconnected": "band losgekoppeld",
        "fault.saturated": "band te strak of te los",
        "fault.flat": "geen beweging gemeten",
        "fault.noisy": "onrustig signaal",
        "fault.i2c": "meetchip reageert niet",
        "fault.led": "ledring",
        "fault.display": "scherm",
        "fault.storage": "opslag",
        "chart.title": "Sessie {id}  {start}  {minutes} min  patiënt {code}  {programme}",
        "chart.ratio": "uitademing : inademing  ({target})",
        "chart.target": "doel {values}",
        "chart.no_pacer": "zonder ademgids",
        "chart.rate": "ademhalingen per minuut",
        "chart.minutes": "minuten",
        "legend.ratio": "uit:in per ademhaling",
        "legend.target": "doel",
        "legend.rate": "adem/min",
        "legend.hold": "adem ingehouden",
        "legend.cue": "aanwijzing",
        "legend.praise": "compliment",
        "legend.fault": "storing",
        "legend.pause": "pauze",
        "cal.title": "Oefenkalender, patiënt {code}",
        "cal.line": "Thuisdoel {target} min per dag gehaald op {met} van {days} "
                    "({first} t/m {last})",
        "cal.line_clinic": "Alleen in de behandelkamer: geoefend op {practised} van {days} "
                           "({first} t/m {last})",
        "cal.met": "{target} min of meer",
        "cal.some": "korter geoefend",
        "cal.none": "niet geoefend",
        "cal.note": "getal = minuten geoefend",
        "cal.weekdays": "ma di wo do vr za zo",
        "cal.months": "januari februari maart april mei juni juli augustus september "
                      "oktober november december",
        "cal.short": "jan feb mrt apr mei jun jul aug sep okt nov dec",
    },
}
REPORT_LANGUAGES = tuple(TEXTS)


def say(key: str, lang: str = "en", **fields) -> str:
    """The report's text ``key`` in ``lang``, formatted (English when it has no such)."""
    s = TEXTS.get(lang, TEXTS["en"]).get(key) or TEXTS["en"].get(key, key)
    return s.format(**fields) if fields else s


def num(x: float | None, lang: str = "en", nd: int = 2) -> str:
    """A number for the summary and charts: a decimal comma in Dutch, '-' when unknown."""
    return i18n.number(x, lang, nd)


def short(x: float, lang: str) -> str:
    """A target or tick as short as it goes ('5', '2.5'); a decimal comma in Dutch."""
    s = f"{x:g}"
    return s.replace(".", ",") if lang == "nl" else s


def count(n: int, lang: str, key: str = "day") -> str:
    """'1 day', '3 days'; '1 dag', '3 dagen'."""
    return f"{n} {say(key if n == 1 else key + 's', lang)}"


# --- reading the records ------------------------------------------------------------


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
    kind: str | None = None  # "calibration", "breathing", ...; None: not recorded (old)
    name_en: str | None = None  # its English name; None: not recorded (old record)
    hold_s: list = field(default_factory=list)  # how long each of its holds lasted
    shares: list = field(default_factory=list)  # (belly_share, paradoxical): two belts only

    @property
    def paced(self) -> bool:
        return self.ratio_target is not None

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
    faults: list = field(default_factory=list)  # (t0, t1, kind)
    exercises: list = field(default_factory=list)  # Exercise, with start offsets in .start
    span_minutes: float = 0.0  # from start to end, pauses included
    pauses: list = field(default_factory=list)  # (t0, t1) from start
    paced: list = field(default_factory=list)  # (breath, target ratio) under a pacer
    loose: list = field(default_factory=list)  # breaths outside any exercise
    holds_by_exercise: list = field(default_factory=list)  # (exercise name, duration s)
    shares: list = field(default_factory=list)  # (belly_share, paradoxical): two belts only

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
    def day(self) -> dt.date:
        return self.start_local.date()

    @property
    def target(self) -> float | None:
        """The target ratio this session's paced breaths were breathing to (median)."""
        found = _median(t for _, t in self.paced)
        if found is None:
            found = _median(e.ratio_target for e in self.exercises)
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
                  patient: str | None = None, lang: str = "nl") -> list[Session]:
    """Every session (from ``since``, of ``patient``), oldest first, with its details;
    the exercises named in ``lang`` (in Dutch where no English name was recorded)."""
    have = _columns(conn, "exercises")
    extra = ("pacer", "target_ratio", "target_rate_bpm", "active_s", "in_sync", "kind",
             "name_en")
    ex_cols = ", ".join(c if c in have else "NULL" for c in extra)
    with_events = bool(_columns(conn, "events"))
    paradox = "paradoxical" if "paradoxical" in _columns(conn, "breaths") else "NULL"
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
                    f"{paradox} FROM breaths WHERE session_id=? ORDER BY at")
        holds = q("SELECT t, coalesce(end_t, at), exercise_id, at FROM holds "
                  "WHERE session_id=? ORDER BY t")
        cues = q("SELECT at, kind, exercise_id FROM cues WHERE session_id=? ORDER BY at")
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
        s.pauses = [(a - t0, b - t0) for a, b in pauses]
        s.breaths = [(a - t0, i, e, r) for a, i, e, r, *_ in breaths]
        s.shares = [b[5:] for b in breaths if b[5] is not None]
        s.holds = [(a - t0, b - t0) for a, b, _ in holds]
        s.cues = [(a - t0, k) for a, k, _ in cues]
        # a fault never cleared lasted to the end of the session (a belt unplugged all along)
        s.faults = [(a - t0, (t1 if b is None else max(a, b)) - t0, k) for a, b, k, _ in faults]
        # Where the unit's clock stood still (paused, or no belt measuring), for the
        # exercises whose end, and so their own count, a power cut took.
        still = _union(pauses + _unmeasured(faults, _belts(stored), t1))
        names = {}
        for eid, name, es, ee, mode, target, rate_t, active_s, in_sync, kind, name_en in exs:
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
                          kind=kind, name_en=name_en)
            ex.breaths = [b[:4] for b in breaths if b[4] == eid]
            ex.shares = [b[5:] for b in breaths if b[4] == eid and b[5] is not None]
            ex.hold_s = [h[1] - h[0] for h in holds if h[2] == eid]
            ex.cues = sum(1 for c in cues if c[2] == eid and c[1] in CORRECTIONS)
            ex.praise = sum(1 for c in cues if c[2] == eid and c[1] in PRAISE)
            s.exercises.append(ex)
            names[eid] = ex
        if s.exercises:  # practice: the calibration does not count (as on the unit)
            s.minutes = sum(e.minutes for e in s.exercises if e.kind != "calibration")
        else:
            s.minutes = max(0.0, span - _overlap(still, t0, t1)) / 60.0
        for a, i, e, r, eid, *_ in breaths:
            b = (a - t0, i, e, r)
            ex = names.get(eid)
            if ex is None:
                s.loose.append(b)
                s.paced.append((b, fallback))
            elif ex.paced:
                s.paced.append((b, ex.ratio_target))
        s.holds_by_exercise = [(names[eid].name if eid in names else "", b - a)
                               for a, b, eid in holds]
        out.append(s)
    return out


# --- numbers --------------------------------------------------------------------------


def _median(xs) -> float | None:
    xs = [x for x in xs if x is not None and x == x]
    return statistics.median(xs) if xs else None


def ratios(breaths) -> list[float]:
    return [b[2] / b[1] for b in breaths if b[1] and b[1] > 0]


def rate(breaths) -> float | None:
    return _median(b[3] for b in breaths)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}%"


def belly_pct(shares) -> float | None:
    """The median belly share, in %, of breaths measured with two belts."""
    found = _median(share for share, _ in shares)
    return None if found is None else 100 * found


def paradoxical_pct(shares) -> float | None:
    """The % of breaths (two belts) in which chest and belly moved against each other."""
    flags = [p for _, p in shares if p is not None]
    return 100 * sum(1 for p in flags if p) / len(flags) if flags else None


def trend(breaths, target: float) -> tuple[float | None, float | None, str]:
    """Median ratio of the first and last third of the breaths, and the direction."""
    rs = ratios(breaths)
    if len(rs) < 3:
        return None, None, ""
    k = len(rs) // 3
    first, last = _median(rs[:k]), _median(rs[-k:])
    return first, last, direction(first, last, target)


def direction(first: float, last: float, target: float) -> str:
    """How the ratio moved relative to the target: steady, toward, crossed or away."""
    if abs(last - first) < TREND_STEADY:
        return "steady"
    if (first - target) * (last - target) < 0:
        return "crossed the target, now " + ("below" if last < target else "above")
    return "toward the target" if abs(last - target) < abs(first - target) else \
        "away from the target"


def trends(s: Session) -> list[tuple[str, float, float, str]]:
    """Per paced exercise (and for breaths recorded outside any exercise): the median
    ratio of its first and last third of breaths and how it moved against its target.
    Exercises without a pacer (calibration, movement) have none."""
    groups = [(e.name, e.breaths, e.ratio_target) for e in s.exercises if e.paced]
    if s.loose:
        groups.append(("", s.loose, s.ratio_target))
    out = []
    for name, breaths, target in groups:
        first, last, word = trend(breaths, target)
        if word:
            out.append((name, first, last, word))
    return out


def _f(x, nd=2) -> str:
    return "" if x is None else f"{x:.{nd}f}"


def tenths_down(x: float) -> float:
    """Minutes rounded down to a tenth, as the unit's screen shows them: a day just under
    its target never reads as the target (4.96 of 5 is 4.9, not 5.0). The minutes of a
    day and a session are shown so, for them to agree; an exercise's are rounded, as on
    the summary screen's rows."""
    return math.floor(max(x, 0.0) * 10 + 1e-9) / 10


def _holds_text(holds, lang: str = "en") -> str:
    """'Buikademhaling 2, longest 6.0 s; Tillen 1, longest 4.0 s' from (name, seconds);
    in Dutch 'Buikademhaling 2x, langste 6,0 s; ...'."""
    by: dict[str, list[float]] = {}
    for name, secs in holds:
        by.setdefault(name or say("no_exercise", lang), []).append(secs)
    return "; ".join(say("holds_by", lang, name=name, n=len(d), secs=num(max(d), lang, 1))
                     for name, d in by.items())


def session_rows(sessions) -> list[dict]:
    rows = []
    for s in sessions:
        paced = [b for b, _ in s.paced]
        target = s.target
        rows.append({
            "session": s.id, "date": s.day.isoformat(),
            "start": s.start_local.strftime("%H:%M"), "patient": s.patient,
            "programme": s.programme, "minutes": _f(tenths_down(s.minutes), 1),
            "length_minutes": _f(s.span_minutes, 1), "end": s.end_reason,
            "exercises": len(s.exercises), "breaths": len(s.breaths),
            "breaths_per_min": _f(rate(s.breaths), 1),
            "ratio": _f(_median(ratios(paced))), "ratio_target": _f(target),
            "ratio_trend": "; ".join(f"{n}: {w}" if n else w for n, _, _, w in trends(s)),
            "holds": len(s.holds), "holds_by_exercise": _holds_text(s.holds_by_exercise),
            "cues": len(s.corrections),
            "cue_kinds": " ".join(f"{k}:{n}" for k, n in sorted(Counter(
                k for _, k in s.corrections).items())),
            "praise": len(s.praise),
            "faults": len(s.faults),
            "fault_kinds": " ".join(f"{k}:{n}" for k, n in sorted(Counter(
                k for *_, k in s.faults).items())),
            "belly_pct": _f(belly_pct(s.shares), 0),
            "paradoxical_pct": _f(paradoxical_pct(s.shares), 0),
        })
    return rows


def exercise_rows(sessions) -> list[dict]:
    rows = []
    for s in sessions:
        for i, e in enumerate(s.exercises):
            first, last, word = trend(e.breaths, e.ratio_target) if e.paced else (None,) * 2 + (
                "",)
            rows.append({
                "session": s.id, "date": s.day.isoformat(), "exercise": i + 1,
                "name": e.name, "pacer": e.pacer or "", "minutes": _f(e.minutes, 1),
                "breaths": len(e.breaths), "breaths_per_min": _f(rate(e.breaths), 1),
                "ratio": _f(_median(ratios(e.breaths))), "ratio_target": _f(e.ratio_target),
                "rate_target": _f(e.rate_target, 1), "ratio_first": _f(first),
                "ratio_last": _f(last), "ratio_trend": word,
                "in_sync_pct": _f(None if e.in_sync is None else 100 * e.in_sync, 0),
                "holds": e.holds, "hold_s": _f(sum(e.hold_s), 1) if e.hold_s else "",
                "longest_hold_s": _f(max(e.hold_s), 1) if e.hold_s else "", "cues": e.cues,
                "praise": e.praise,
                "belly_pct": _f(belly_pct(e.shares), 0),
                "paradoxical_pct": _f(paradoxical_pct(e.shares), 0),
            })
    return rows


def day_rows(sessions, since: dt.date | None = None,
             today: dt.date | None = None) -> list[dict]:
    """One row per patient and calendar day from the first day to ``today`` (the report
    date; the last session when not given). Minutes are practised minutes, pauses left
    out, rounded down to a tenth as on the unit's screen (``target_met`` is decided on
    the unrounded minutes); the ratio is that of the breaths under a pacer."""
    rows = []
    for code in sorted({s.patient for s in sessions}):
        mine = [s for s in sessions if s.patient == code]
        first = since or mine[0].day
        last = max(s.day for s in mine)
        if today is not None:
            last = max(last, today)
        day = first
        previous = None  # ratio of the last day with breaths
        goal = mine[0].daily_target  # home target: a day without sessions keeps the last
        while day <= last:
            today_s = [s for s in mine if s.day == day]
            minutes = sum(s.minutes for s in today_s)
            breaths = [b for s in today_s for b in s.breaths]
            paced = [p for s in today_s for p in s.paced]
            ratio = _median(ratios([b for b, _ in paced]))
            target = _median(t for _, t in paced)
            if target is None:
                target = _median(s.target for s in today_s)
            goal = today_s[-1].daily_target if today_s else goal
            word = ""
            if ratio is not None and previous is not None and target is not None:
                word = direction(previous, ratio, target)
            rows.append({
                "patient": code, "date": day.isoformat(),
                "minutes": _f(tenths_down(minutes), 1),
                "target_minutes": _f(goal, 1),
                "target_met": "yes" if minutes >= goal else "no",
                "sessions": len(today_s), "breaths": len(breaths),
                "breaths_per_min": _f(rate(breaths), 1), "ratio": _f(ratio),
                "ratio_target": _f(target), "ratio_trend": word,
            })
            previous = ratio if ratio is not None else previous
            day += dt.timedelta(days=1)
    return rows


def write_csv(path: Path, rows: list[dict], header: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


SESSION_COLS = ["session", "date", "start", "patient", "programme", "minutes",
                "length_minutes", "end", "exercises", "breaths", "breaths_per_min", "ratio",
                "ratio_target", "ratio_trend", "holds", "holds_by_exercise", "cues",
                "cue_kinds", "praise", "faults", "fault_kinds", "belly_pct", "paradoxical_pct"]
EXERCISE_COLS = ["session", "date", "exercise", "name", "pacer", "minutes", "breaths",
                 "breaths_per_min", "ratio", "ratio_target", "rate_target", "ratio_first",
                 "ratio_last", "ratio_trend", "in_sync_pct", "holds", "hold_s",
                 "longest_hold_s", "cues", "praise", "belly_pct", "paradoxical_pct"]
DAY_COLS = ["patient", "date", "minutes", "target_minutes", "target_met", "sessions",
            "breaths", "breaths_per_min", "ratio", "ratio_target", "ratio_trend"]

NOTE = ("Minutes are practised minutes (pauses, and time without a belt that measured,\n"
        "left out). Ratios are exhale:inhale as\n"
        "measured (pauses counted), of the breaths under a pacer, against each exercise's\n"
        "own pacer target. Trends are per paced exercise (first third -> last third of its\n"
        "breaths); calibration, movement and other exercises without a pacer are left out.\n"
        "A breath-hold is no breathing movement for the exercise's hold threshold\n"
        "(hold_after_s). During squats and bending the belt moves with the trunk, so a hold\n"
        "there is not always seen: 0 holds in a movement exercise does not prove the breath\n"
        "was never held. Cues are the corrections the screen gave; praise is counted apart.")
NOTE_NL = (
    "Minuten zijn geoefende minuten (pauzes en tijd zonder meting door de band niet\n"
    "meegeteld). De verhouding is\n"
    "uitademing:inademing zoals gemeten (rust in het ritme meegeteld), van de ademhalingen\n"
    "met de ademgids, tegen het doel van die oefening. Het verloop staat per begeleide\n"
    "oefening (eerste derde -> laatste derde van de ademhalingen); kalibratie, bewegen en\n"
    "andere oefeningen zonder ademgids tellen niet mee. 'Adem ingehouden' betekent:\n"
    "geen ademhalingsbeweging gedurende de drempel van de oefening (hold_after_s). Bij\n"
    "kniebuigingen en bukken beweegt de band mee met de romp, dus dan wordt inhouden niet\n"
    "altijd gezien: 0x adem ingehouden bij een bewegingsoefening bewijst niet dat de adem\n"
    "nooit werd ingehouden. Aanwijzingen zijn de correcties op het scherm; complimenten\n"
    "staan apart.")
NOTES = {"en": NOTE, "nl": NOTE_NL}


def hold_thresholds(sessions, lang: str = "en",
                    config_dir: Path | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The hold thresholds that applied in ``sessions``: per programme (its name in
    ``lang``) the exercises done with hold warnings on and their threshold in seconds
    ('8', or '4-6' when they differed between sessions). From the programme in force,
    kept with each session's config; for older records from the programme files as they
    are now (next to the config in ``config_dir``, else shipped). An exercise whose
    programme or name is not found is left out (nothing said rather than a guess)."""
    from feedback.programme import find, load_programme, programme_from_text

    found: dict = {}
    by: dict[str, dict[str, list[float]]] = {}
    for s in sessions:
        key = (s.programme, s.programme_text)
        if key not in found:
            found[key] = None
            try:
                if s.programme_text is not None:
                    found[key] = programme_from_text(s.programme_text, "<record>", s.programme)
                elif re.fullmatch(SCHEMA["programme"]["name"].pattern, s.programme):
                    path = find(s.programme, config_dir)
                    found[key] = load_programme(path, s.programme) if path else None
            except (ConfigError, OSError):
                pass  # a broken or unreadable programme: unknown
        programme = found[key]
        if programme is None:
            continue
        for e in s.exercises:
            spec = next((x for x in programme.exercises
                         if e.name in (x.name_nl, x.name_en)), None)
            if spec is None or not spec.hold_warnings:
                continue
            secs = by.setdefault(programme.name(lang), {}).setdefault(spec.name(lang), [])
            secs.append(spec.hold_after_s or s.hold_after_s)
    return [(name, [(ex, short(min(v), lang) if min(v) == max(v) else
                     f"{short(min(v), lang)}-{short(max(v), lang)}")
                    for ex, v in exercises.items()])
            for name, exercises in by.items()]


def at_home(sessions) -> bool:
    """Did any of ``sessions`` practise at home? Only the clinic programme's sessions
    are known to be in the treatment room; the home target is not about those."""
    return any(s.programme != CLINIC for s in sessions)


def _cues_text(cues: Counter, lang: str) -> str:
    """'"Adem langer uit" 3x, "Blijf ademen!" 1x': the most frequent first."""
    return ", ".join(say("cue", lang, text=_cue_text(k, lang), n=n)
                     for k, n in cues.most_common())


def _in_sync_text(sessions, lang: str = "en") -> str:
    """'72% (Buikademhaling 80%, Ribben 60%)', weighted by breaths; '' when not recorded."""
    by: dict[str, list[float]] = {}
    for s in sessions:
        for e in s.exercises:
            if e.in_sync is not None and e.breaths:
                w = by.setdefault(e.name, [0.0, 0.0])
                w[0] += e.in_sync * len(e.breaths)
                w[1] += len(e.breaths)
    if not by:
        return ""
    total = sum(a for a, _ in by.values()) / sum(n for _, n in by.values())
    return say("in_sync_share", lang, pct=f"{100 * total:.0f}", by=", ".join(
        f"{name} {100 * a / n:.0f}%" for name, (a, n) in by.items()))


def target_runs(days) -> list[tuple[float, str, str, int, int]]:
    """The home target of ``days`` (rows of one patient, in order) as runs of days with
    the same target: (target, first date, last date, days, days met)."""
    runs: list[list] = []
    for d in days:
        goal = float(d["target_minutes"])
        if not runs or runs[-1][0] != goal:
            runs.append([goal, d["date"], d["date"], 0, 0])
        run = runs[-1]
        run[2] = d["date"]
        run[3] += 1
        run[4] += d["target_met"] == "yes"
    return [tuple(r) for r in runs]


def _covered(spans) -> float:
    """How long the (t0, t1) ``spans`` cover together (overlaps counted once)."""
    total, reach = 0.0, None
    for a, b in sorted(spans):
        if reach is None or a > reach:
            total += b - a
            reach = b
        elif b > reach:
            total += b - reach
            reach = b
    return total


def _faults_text(s: Session, lang: str = "en") -> str:
    """A session's faults by kind: how often and how long ('band losgekoppeld 1x (hele
    sessie)', 'disconnected 2x (40 s)'); no time for a fault begun and ended at once."""
    span = s.span_minutes * 60.0
    out = []
    for kind, n in Counter(k for *_, k in s.faults).items():
        secs = _covered([(a, b) for a, b, k in s.faults if k == kind])
        said = say("fault_n", lang, kind=TEXTS[lang].get("fault." + kind, kind), n=n)
        if span > 0 and secs >= 0.95 * span:
            said += f" ({say('whole_session', lang)})"
        elif secs >= 60:
            said += f" ({num(secs / 60, lang, 1)} min)"
        elif secs >= 0.5:
            said += f" ({secs:.0f} s)"
        out.append(said)
    return ", ".join(out)


def summary_text(sessions, days, today: dt.date, lang: str = "en",
                 warnings: Sequence[str] = (), config_dir: Path | None = None) -> str:
    """The plain-text summary a therapist reads first, in ``lang`` ("nl" or "en");
    ``warnings`` (about the records themselves) come right under the title. The hold
    thresholds are those of the sessions' programmes (looked for next to the config in
    ``config_dir``, else shipped)."""
    head = [say("title", lang), ""] + [w + "\n" for w in warnings]
    if not sessions:
        return "\n".join([*head, say("none", lang)]) + "\n"
    lines = [*head, NOTES.get(lang, NOTE)]
    thresholds = hold_thresholds(sessions, lang, config_dir)
    if thresholds:
        lines.append(say("hold_after", lang))
        lines.extend(f"  {name}: " + ", ".join(f"{ex} {secs} s" for ex, secs in exercises)
                     for name, exercises in thresholds)
    lines.append("")
    for code in sorted({s.patient for s in sessions}):
        mine = [s for s in sessions if s.patient == code]
        last = mine[-1].day
        until = max(today, last)  # the report date (a clock set wrong: the last session)
        my_days = [d for d in days if d["patient"] == code and d["date"] <= until.isoformat()]
        practised = [d for d in my_days if d["sessions"]]
        met = [d for d in my_days if d["target_met"] == "yes"]
        total = sum(s.minutes for s in mine)
        ago = (until - last).days
        lines.append(say(
            "patient", lang, code=code or say("no_code", lang), first=my_days[0]["date"],
            until=until, ago=say("today", lang) if ago == 0 else say(
                "ago", lang, days=count(ago, lang))))
        interrupted = sum(1 for s in mine if s.end_reason == "interrupted")
        lines.append("  " + say("sessions", lang, n=len(mine)) + (
            say("interrupted_n", lang, n=interrupted) if interrupted else ""))
        goals = target_runs(my_days)
        if not at_home(mine):
            key = "practice_clinic"
        else:
            key = "practice" if len(goals) == 1 else "practice_changed"
        lines.append("  " + say(key, lang, minutes=num(tenths_down(total), lang, 1),
                                practised=len(practised), days=count(len(my_days), lang),
                                target=short(goals[-1][0], lang), met=count(len(met), lang)))
        if key == "practice_changed":  # each day against the target it had
            lines.extend("    " + say("practice_run", lang, target=short(goal, lang),
                                      first=a, last=b, met=n_met, days=count(n, lang))
                         for goal, a, b, n, n_met in goals)
        first, last_s = mine[0], mine[-1]
        lines.append("  " + say("rate", lang, first=num(rate(first.breaths), lang, 1),
                                last=num(rate(last_s.breaths), lang, 1)))
        r0 = _median(ratios([b for b, _ in first.paced]))
        r1 = _median(ratios([b for b, _ in last_s.paced]))
        target = last_s.target
        word = direction(r0, r1, target) if None not in (r0, r1, target) else ""
        lines.append("  " + say("ratio", lang, first=num(r0, lang), last=num(r1, lang),
                                target=num(target, lang))
                     + (f": {say(word, lang)}" if word else ""))
        in_sync = _in_sync_text(mine, lang)
        if in_sync:
            lines.append("  " + say("in_sync", lang, share=in_sync))
        two = [s for s in mine if s.shares]
        if two:
            lines.append("  " + say(
                "belly", lang, first=_pct(belly_pct(two[0].shares)),
                last=_pct(belly_pct(two[-1].shares)),
                para=_pct(paradoxical_pct([x for s in two for x in s.shares]))))
        holds = [h for s in mine for h in s.holds_by_exercise]
        lines.append("  " + say("holds", lang, n=len(holds))
                     + (f" ({_holds_text(holds, lang)})" if holds else ""))
        cues = Counter(k for s in mine for _, k in s.corrections)
        lines.append("  " + say("cues", lang) + (_cues_text(cues, lang) or say("nothing", lang)))
        praise = Counter(k for s in mine for _, k in s.praise)
        if praise:
            lines.append("  " + say("praise", lang) + _cues_text(praise, lang))
        faults = Counter(k for s in mine for *_, k in s.faults)
        if faults:
            lines.append("  " + say("faults", lang) + ", ".join(
                f"{TEXTS[lang].get('fault.' + k, k)} {n}"
                for k, n in faults.most_common()))
        lines.append("")
    several = len({s.patient for s in sessions}) > 1  # each line says whose it is
    codes = {s.patient: s.patient or say("no_code", lang) for s in sessions}
    width = max(map(len, codes.values()))
    lines.append(say("per_session", lang, code=say("code", lang) if several else ""))
    for s, r in zip(sessions, session_rows(sessions), strict=True):
        moved = ", ".join(f"{n + ' ' if n else ''}{num(a, lang)}->{num(b, lang)}"
                          for n, a, b, _ in trends(s))
        lines.append(f"  #{r['session']:<4} " + (f"{codes[s.patient]:<{width}} " if several
                                                 else "") + say(
            "row", lang, date=r["date"], start=r["start"],
            minutes=num(tenths_down(s.minutes), lang, 1),
            rate=num(rate(s.breaths), lang, 1),
            ratio=num(_median(ratios([b for b, _ in s.paced])), lang))
                     + (f"({moved}) " if moved else "")
                     + say("row_end", lang, holds=r["holds"], cues=r["cues"],
                           praise=r["praise"])
                     + (say("row_faults", lang, faults=_faults_text(s, lang)) if s.faults
                        else "")
                     + (" " + say("interrupted", lang) if r["end"] == "interrupted" else ""))
    return "\n".join(lines) + "\n"


# --- the commands ---------------------------------------------------------------------


def report_date() -> dt.date:
    """The day the report is made (compliance counts up to it); replaced in tests."""
    return dt.date.today()


def _settings(args):
    """The config in force. A config that does not load stops the command (ConfigError:
    one line, exit 2): its records' directory is unknown, and another directory (the
    default one) could hold another patient's records."""
    return load_config(config_path(getattr(args, "config", None)))


def _config_dir(settings) -> Path | None:
    """Where the config in force lies: its own programmes are next to it."""
    return Path(settings.source).parent if settings and settings.source else None


def records_dir(args, settings) -> Path:
    """The records' directory of the config in force (``settings``, already loaded)."""
    data = default_data_dir(settings.records.data_dir)
    return data / SIMULATED if getattr(args, "simulated", False) else data


def report_language(args, settings) -> str:
    """``--lang``, else the config's ``[patient] language`` (Dutch when it does not load)."""
    given = getattr(args, "lang", None)
    if given:
        return given
    lang = settings.patient.language if settings else SCHEMA["patient"]["language"].default
    return lang if lang in TEXTS else "en"


def _parse_since(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"--since {text!r}: not a date; use YYYY-MM-DD, e.g. 2025-03-01") from None


def _found(db: Path, what: str, command: str) -> bool:
    """Does the records database exist? Raises AdemError when this user may not look
    (the unit's directory belongs to the ``ademcoach`` user, mode 0700)."""
    try:
        found = db.exists()
        denied = db.parent.is_dir() and not os.access(db.parent, os.R_OK | os.X_OK | (
            os.W_OK if what == "erase" else 0))
    except PermissionError:
        denied = True
    if denied:
        raise AdemError(f"{db.parent}: no permission to {what} the records; run it as their "
                        f"owner, e.g. sudo -u ademcoach ademcoach {command}") from None
    return found


def _load(conn: sqlite3.Connection, since, patient, lang: str = "nl") -> list[Session]:
    try:
        return load_sessions(conn, since, patient, lang)
    finally:
        conn.close()


def _kept_warning(kept: Path, lang: str) -> str:
    """The summary's warning about a kept damaged database, with what its note says."""
    when = dt.datetime.fromtimestamp(set_aside_at(kept)).strftime("%Y-%m-%d %H:%M")
    text = say("damaged_kept", lang, name=kept.name, when=when)
    try:
        return text + "\n" + note_of(kept).read_text(encoding="utf-8").strip()
    except OSError:
        return text


def _read_damaged(db: Path, since, patient, lang: str = "nl") -> list[Session]:
    """What can still be read of a damaged ``db``, through a copy in memory."""
    mem = sqlite3.connect(":memory:", isolation_level=None)
    migrate(mem)
    try:
        salvage(db, mem)  # the file is left as it is
    except (OSError, sqlite3.Error) as exc:
        mem.close()
        raise AdemError(f"{db}: the records are damaged and could not be read either: "
                        f"{exc}") from None
    return _load(mem, since, patient, lang)


def build_report(data_dir: Path, out: Path, since: dt.date | None = None,
                 patient: str | None = None, today: dt.date | None = None,
                 lang: str = "en", config_dir: Path | None = None) -> list[Session]:
    """Write the whole report into ``out`` (created), summary and charts in ``lang``;
    programmes are looked for next to the config in ``config_dir``, else shipped.
    Returns the sessions reported."""
    from feedback import report_charts

    out.mkdir(parents=True, exist_ok=True)
    db = data_dir / DB_NAME
    sessions: list[Session] = []
    warnings = [_kept_warning(f, lang) for f in damaged_files(data_dir)]
    if _found(db, "read", "report"):
        try:
            sessions = _load(connect(db, create=False), since, patient, lang)
        except (sqlite3.Error, StorageError) as exc:
            if not is_damaged(exc):
                raise AdemError(f"{db}: cannot read the records: {exc}") from None
            sessions = _read_damaged(db, since, patient, lang)
            warnings.append(say("damaged_now", lang))
    today = today or report_date()
    days = day_rows(sessions, since, today)
    write_csv(out / "sessions.csv", session_rows(sessions), SESSION_COLS)
    write_csv(out / "exercises.csv", exercise_rows(sessions), EXERCISE_COLS)
    write_csv(out / "days.csv", days, DAY_COLS)
    (out / "summary.txt").write_text(
        summary_text(sessions, days, today, lang, warnings, config_dir), encoding="utf-8")
    for s in sessions:
        report_charts.session_chart(s, out / f"session-{s.id:05d}.png", lang)
    for code in sorted({s.patient for s in sessions}):
        report_charts.calendar_chart(code, [d for d in days if d["patient"] == code],
                                     out / calendar_file(code), lang,
                                     at_home([s for s in sessions if s.patient == code]))
    return sessions


# The names the report gives its files: an earlier report's files are replaced by name.
REPORT_FILES = ("summary.txt", "sessions.csv", "exercises.csv", "days.csv")
_REPORT_CHART = re.compile(r"(session-\d{5,}|calendar(-.+)?)\.png")


def calendar_file(code: str) -> str:
    """The calendar's file name: ``calendar-CODE.png``; ``calendar.png`` for sessions
    without a code, a name no code can give (``calendar-none.png`` was a real code's)."""
    return f"calendar-{code}.png" if code else "calendar.png"


def _earlier_report(out: Path) -> list[Path]:
    """The files an earlier report left in ``out``. A directory with other things in it but
    no report is refused: the report would leave its files among someone else's."""
    if not out.is_dir() or not any(out.iterdir()):
        return []
    if not (out / "summary.txt").is_file():
        raise fail(f"--out {out}: not empty and no earlier report in it; give a new or "
                   "empty directory, or that of an earlier report (its files are replaced)")
    return [p for p in out.iterdir() if p.is_file() and (
        p.name in REPORT_FILES or _REPORT_CHART.fullmatch(p.name))]


def _within(path, root: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(root.resolve())
    except (OSError, TypeError, ValueError):
        return False


def _check_patient(code: str | None) -> None:
    """A ``--patient`` code the config could never have stored: say so (it found none)."""
    rule = SCHEMA["patient"]["code"]
    if code is not None and not re.fullmatch(rule.pattern, code):
        raise fail(f"--patient {code!r}: not a patient code; it {rule.explain}")


def cmd_report(args) -> int:
    since = _parse_since(args.since)
    _check_patient(getattr(args, "patient", None))
    out = Path(args.out or "ademcoach-report")
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out}: is a file; give a directory for the report")
    settings = _settings(args)
    data = records_dir(args, settings)
    try:
        earlier = _earlier_report(out)
        sessions = build_report(data, out, since, getattr(args, "patient", None),
                                lang=report_language(args, settings),
                                config_dir=_config_dir(settings))
        written = set(REPORT_FILES) | {f"session-{s.id:05d}.png" for s in sessions} | {
            calendar_file(s.patient) for s in sessions}
        for old in earlier:  # charts of sessions no longer reported, and the like
            if old.name not in written:
                old.unlink(missing_ok=True)
    except OSError as exc:
        if exc.filename is not None and not _within(exc.filename, out):
            raise AdemError(f"{exc.filename}: cannot read the records: {exc.strerror}") \
                from None
        raise AdemError(f"--out {out}: cannot write the report: {exc.strerror}") from None
    print(f"{len(sessions)} sessions reported in {out}/ (summary.txt, CSV and PNG)")
    if not sessions and not getattr(args, "simulated", False) and \
            (data / SIMULATED / DB_NAME).exists():
        print(f"(simulated sessions are kept apart in {data / SIMULATED}: "
              "ademcoach report --simulated)")
    return 0


def install_config(new: Path, target: Path) -> str:
    """Validate ``new`` as ``check-config`` does, its programme included, and install it at
    ``target`` (old one kept as .bak). Returns what happened; raises ConfigError (nothing
    changed) when it is invalid."""
    from feedback.config import Problem, key_lines
    from feedback.programme import programme_for

    settings = load_config(new)
    settings.source = os.fspath(target)  # its programme is looked for where it will be
    try:
        programme_for(settings)
    except ConfigError as exc:
        line = key_lines(new.read_text(encoding="utf-8")).get(("programme", "name"))
        raise ConfigError([Problem(os.fspath(new), line, p.message)
                           for p in exc.problems]) from None
    data = new.read_bytes()
    if target.exists() and target.read_bytes() == data:
        return f"{target} is already this config; nothing changed"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.new")
    tmp.write_bytes(data)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    kept = target.exists()
    if kept:
        shutil.copyfile(target, target.with_name(target.name + ".bak"))
    os.replace(tmp, target)
    return f"installed {new} as {target}" + (f" (previous kept as {target.name}.bak)"
                                             if kept else "")


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                os.fsync(fh.fileno())


def _terminated(signum, frame):
    raise AdemError("export stopped (SIGTERM) before it was complete; nothing was written")


def _cue_text(kind: str, lang: str = "en") -> str:
    """A cue as the patient's screen says it in ``lang`` (its internal name if unknown)."""
    return i18n.text_or(f"cue.{kind}", lang, kind)


def cmd_export(args) -> int:
    dest = Path(args.dir)
    if dest.exists() and not dest.is_dir():
        raise fail(f"{dest}: is a file, not a directory; give the stick's directory")
    if not dest.is_dir():
        raise fail(f"{dest}: no such directory (is the stick mounted?)")
    target = config_path(getattr(args, "config", None))
    try:
        settings = load_config(target)
    except ConfigError as exc:
        if not target.is_file():  # a mistyped --config: nothing to replace, nothing to read
            raise
        settings, broken = None, exc  # a config on the stick may replace it
    notes, status = [], 0
    stick_config = dest / "ademcoach.toml"
    if stick_config.is_file():
        if target == REPO_CONFIG / "ademcoach.toml":
            notes.append(f"{stick_config}: not installed: this machine has no unit config "
                         "(give --config FILE)")
            status = 2
        else:
            try:
                notes.append(install_config(stick_config, target))
            except ConfigError as exc:
                notes.append(f"{stick_config}: not installed, the current config stays:")
                notes.extend(f"  {p}" for p in exc.problems)
                status = 2
            else:
                settings = load_config(target)
    if settings is None:  # the records' directory is unknown: export nothing
        for note in notes:
            print(note, file=sys.stderr)
        raise broken
    data_dir = records_dir(args, settings)
    _found(data_dir / DB_NAME, "read", "export")  # before anything is written to the stick
    # systemd stops a slow export with SIGTERM: end as an exception, so the half-written
    # folder is removed and the note says it failed.
    before = signal.signal(signal.SIGTERM, _terminated)
    try:
        sessions = _export(dest, data_dir, notes, report_language(args, settings),
                           _config_dir(settings))
    except BaseException:
        exportnote.write(data_dir, "failed")
        raise
    finally:
        signal.signal(signal.SIGTERM, before)
    exportnote.write(data_dir, "refused" if status else "ok", len(sessions))
    for note in notes:
        print(note, file=sys.stderr if status else sys.stdout)
    return status


def _export(dest: Path, data_dir: Path, notes: list[str], lang: str = "en",
            config_dir: Path | None = None) -> list:
    """Write the export directory on ``dest`` atomically; returns the sessions in it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    final = dest / f"ademcoach-export-{stamp}"
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".ademcoach-export-", dir=dest))
    except OSError as exc:  # a read-only or full stick, or one this user may not write
        raise AdemError(f"export to {dest} failed, nothing was written: "
                        f"cannot write there: {exc.strerror}") from None
    try:
        sessions = build_report(data_dir, tmp / "report", lang=lang, config_dir=config_dir)
        db = data_dir / DB_NAME
        copied: list[int] = []  # sessions now complete on the stick (store.purge)
        if db.exists():
            src = sqlite3.connect(db)
            dst = sqlite3.connect(tmp / DB_NAME)
            damaged = False
            try:
                src.backup(dst)  # copies pages without reading them: check the copy
                damaged = dst.execute("PRAGMA integrity_check(1)").fetchone()[0] != "ok"
                if not damaged:
                    copied = complete_sessions(dst)
            except sqlite3.DatabaseError as exc:
                if not is_damaged(exc):
                    raise
                dst.close()  # a damaged file goes as it is, for recovery
                copy_db(db, tmp / DB_NAME)
                damaged = True
            finally:
                dst.close()
                src.close()
            if damaged:
                notes.append(f"{DB_NAME} is damaged: copied as it is; the report shows what "
                             "could still be read of it")
        kept = damaged_files(data_dir)
        for f in kept:
            copy_db(f, tmp / f.name)
            if note_of(f).exists():
                shutil.copyfile(note_of(f), tmp / note_of(f).name)
            notes.append(f"{f.name}: a damaged database set aside by the unit, copied as it is")
        raw = data_dir / "raw"
        if raw.is_dir():
            (tmp / "raw").mkdir()
            for f in sorted(raw.glob("*.csv")):
                shutil.copyfile(f, tmp / "raw" / f.name)
        (tmp / "export.txt").write_text("\n".join(
            [f"Ademcoach export {stamp}: {len(sessions)} sessions from {data_dir}", *notes]
        ) + "\n", encoding="utf-8")
        _fsync_tree(tmp)
        n = 1
        while final.exists():  # two exports within one second
            n += 1
            final = dest / f"ademcoach-export-{stamp}-{n}"
        os.rename(tmp, final)
        fsync_dir(dest)  # the rename itself is on the stick before the screen says so
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError | sqlite3.Error):
            raise AdemError(f"export to {dest} failed, nothing was written: {exc}") from None
        raise
    print(f"exported {len(sessions)} sessions to {final}")
    _mark_exported(data_dir, copied, kept)
    return sessions


def _mark_exported(data_dir: Path, sessions: list[int], kept: list[Path]) -> None:
    """Note in the data directory what is now on a stick: only that may the retention
    (``keep_days``) erase. A failure keeps the records longer, and is said."""
    try:
        if sessions:
            conn = connect(data_dir / DB_NAME, create=False)
            try:
                mark_exported(conn, sessions, time.time())
            finally:
                conn.close()
        for f in kept:
            exported_mark(f).touch()
        if kept:
            fsync_dir(data_dir)
    except (sqlite3.Error, StorageError, OSError) as exc:
        print(f"the unit could not note this export ({exc}): the retention (keep_days) keeps "
              "these records until an export is noted", file=sys.stderr)


def wipe(data_dir: Path, damaged: list | None = None) -> int:
    """Erase every record in ``data_dir``; returns how many sessions were erased.
    Works while the unit runs (SQLite locking); old pages are overwritten, not just freed.
    Damaged databases (the records file itself, or kept ones) cannot be read: they are
    overwritten and removed, and their names added to ``damaged``. The records file
    goes first, then what damage handling left, until nothing new turns up (a unit that
    sets a file aside meanwhile)."""
    db = data_dir / DB_NAME
    n = 0
    gone = damaged if damaged is not None else []
    if _found(db, "erase", "wipe"):
        try:
            n = _erase(db)
        except (sqlite3.Error, StorageError) as exc:
            if not is_damaged(exc):
                raise
            shred_db(db)
            gone.append(db.name)
    for _ in range(5):
        left = damage_leftovers(data_dir)
        if not left:
            break
        for f in left:
            shred(f)
            if f.suffix == ".sqlite":
                gone.append(f.name)
    shutil.rmtree(data_dir / "raw", ignore_errors=True)
    return n


def _erase(db: Path) -> int:
    conn = connect(db, create=False)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("BEGIN IMMEDIATE")
        n = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        for table in ("events", "faults", "cues", "holds", "breaths", "exercises",
                      "sessions"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("COMMIT")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return n


def cmd_wipe(args) -> int:
    data_dir = records_dir(args, _settings(args))
    _found(data_dir / DB_NAME, "erase", "wipe")  # before asking: it would erase nothing
    if not args.yes:
        print(f"This erases ALL session records in {data_dir}. Type 'yes' to go on: ",
              end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("yes", "ja"):
            print("nothing erased")
            return 1
    try:
        damaged: list[str] = []
        n = wipe(data_dir, damaged)
        demo = data_dir / SIMULATED
        if not getattr(args, "simulated", False) and (demo / DB_NAME).exists():
            n_demo = wipe(demo, damaged)  # simulated sessions carry the patient code too
            print(f"erased {n_demo} simulated sessions from {demo}")
    except (sqlite3.Error, StorageError) as exc:
        raise AdemError(f"{data_dir}: cannot erase the records: {exc}") from None
    if damaged:
        print(f"erased damaged databases (their sessions could not be counted): "
              f"{', '.join(damaged)}")
    print(f"erased {n} sessions from {data_dir}")
    return 0
