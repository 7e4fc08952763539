"""Therapist reports: ``ademcoach report``.

Reads the session records (``feedback.sessions``) and writes, per session, per exercise
and per day: minutes practised against the home target, breaths per minute, the
exhale:inhale ratio and whether it moved toward the pacer's target, holds, cues (the
corrections) and praise. As CSV (for a spreadsheet, ``feedback.report_tables``), a PNG
chart per session and a compliance calendar (``feedback.report_charts``, drawn with
pygame, already on the unit) and a plain-text summary (``feedback.report_summary``).
This module holds the command: where the records are, reading them (damaged ones too),
writing the report's folder (``build_report``), and the pieces ``feedback.export`` and
``feedback.wipe`` share with it (the config in force, the records' folder, the language).
``feedback.export`` puts the same report on a USB stick.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from pathlib import Path

from feedback.cli import config_path, fail
from feedback.config import load_config
from feedback.config_schema import SCHEMA
from feedback.errors import AdemError
from feedback.report_summary import at_home, summary_text
from feedback.report_tables import (
    DAY_COLS,
    EXERCISE_COLS,
    SESSION_COLS,
    TEXT_COLS,
    day_rows,
    exercise_rows,
    session_rows,
    write_csv,
)
from feedback.report_words import TEXTS, say
from feedback.sessions import Session, load_sessions
from feedback.store import (
    DB_NAME,
    SIMULATED,
    StorageError,
    cannot_write,
    connect,
    damaged_files,
    default_data_dir,
    is_damaged,
    migrate,
    note_of,
    readable_copy,
    salvage,
    set_aside_at,
)
from feedback.xlsx import write_workbook

# --- the commands ---------------------------------------------------------------------


def clock_warnings(sessions, today: dt.date, lang: str = "en") -> list[str]:
    """What the dates say of a clock set wrong (a unit without a clock chip starts again
    at the time it last saved; the network or a technician then sets it): sessions dated
    after the report date, and sessions that began, by the clock, before one recorded
    before them (ids follow the recording)."""
    out = []
    later = sorted(s.day for s in sessions if s.day > today)
    if later:
        out.append(say("clock_ahead_1" if len(later) == 1 else "clock_ahead", lang,
                       n=len(later), today=today.isoformat(), first=later[0].isoformat()))
    # Each setting back once: the session that began before the one recorded just before
    # it (not every later session until the clock passes the latest date again: a clock
    # a year ahead for a week named a year of sessions, one by one).
    back, before = [], None
    for s in sorted(sessions, key=lambda s: s.id):
        if before is not None and s.started_at < before:
            back.append(f"#{s.id}")
        before = s.started_at
    if back:
        ids = ", ".join(back[:CLOCK_IDS])
        if len(back) > CLOCK_IDS:
            ids += say("clock_more", lang, n=len(back) - CLOCK_IDS)
        out.append(say("clock_back_1" if len(back) == 1 else "clock_back", lang, ids=ids))
    return out


CLOCK_IDS = 10  # sessions the note on a clock set back names (then: "and n more")


def report_date() -> dt.date:
    """The day the report is made (compliance counts up to it); replaced in tests."""
    return dt.date.today()


def settings_for(args):
    """The config in force. A config that does not load stops the command (ConfigError:
    one line, exit 2): its records' directory is unknown, and another directory (the
    default one) could hold another patient's records."""
    return load_config(config_path(getattr(args, "config", None)))


def config_dir_of(settings) -> Path | None:
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


OLDEST_YEARS = 10  # records are kept at most 3650 days (records.keep_days)


def n_sessions(n: int, kind: str = "") -> str:
    """'1 session', '2 sessions' (``kind``: 'simulated ')."""
    return f"{n} {kind}session{'' if n == 1 else 's'}"


def _parse_since(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        since = dt.date.fromisoformat(text)
    except ValueError:
        raise fail(f"--since {text!r}: not a date; use YYYY-MM-DD, e.g. 2025-03-01") from None
    # (the days and the calendar run from --since: from the year 1500 they crashed pygame)
    today = report_date()
    if since < today.replace(year=today.year - OLDEST_YEARS, day=min(today.day, 28)):
        raise fail(f"--since {text}: more than {OLDEST_YEARS} years ago; the unit keeps "
                   "records at most that long (records.keep_days): give a later date")
    return since


def records_exist(db: Path, what: str, command: str) -> bool:
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


def _load(conn: sqlite3.Connection, since, patient, lang: str = "nl",
          warnings: list[str] | None = None) -> list[Session]:
    """The sessions in ``conn`` (closed after); a value not of its type is said in
    ``warnings``."""
    untyped: list = []
    try:
        sessions = load_sessions(conn, since, patient, lang, untyped)
    finally:
        conn.close()
    if warnings is not None:
        warnings.extend(
            say("untyped", lang, name=DB_NAME, table=u.table, row=u.row, column=u.column,
                value=repr(u.value)[:40],
                what=say("untyped_left_out" if u.row_left_out else "untyped_empty", lang))
            for u in untyped)
    return sessions


def _kept_warning(kept: Path, lang: str) -> str:
    """The summary's warning about a kept damaged database, with what its note says."""
    when = dt.datetime.fromtimestamp(set_aside_at(kept)).strftime("%Y-%m-%d %H:%M")
    text = say("damaged_kept", lang, name=kept.name, when=when)
    try:
        return text + "\n" + note_of(kept).read_text(encoding="utf-8").strip()
    except OSError:
        return text


def _read_damaged(db: Path, since, patient, lang: str = "nl",
                  warnings: list[str] | None = None) -> list[Session]:
    """What can still be read of a damaged ``db``, through a copy in memory."""
    mem = sqlite3.connect(":memory:", isolation_level=None)
    migrate(mem)
    try:
        salvage(db, mem)  # the file is left as it is
    except (OSError, sqlite3.Error) as exc:
        mem.close()
        raise AdemError(f"{db}: the records are damaged and could not be read either: "
                        f"{exc}") from None
    return _load(mem, since, patient, lang, warnings)


def _read_records(db: Path, patient, lang: str, warnings: list[str],
                  scratch: Path | None = None) -> list[Session]:
    """Every session in ``db`` (of ``patient``): through a copy in ``scratch`` (a writable
    directory) where nothing can be written beside it (a read-only card), and what can
    still be read of a damaged one (said in ``warnings``)."""
    try:
        return _load(connect(db, create=False), None, patient, lang, warnings)
    except (sqlite3.Error, StorageError) as exc:
        if cannot_write(exc) and scratch is not None:
            with readable_copy(db, scratch) as copy:
                return _read_records(copy, patient, lang, warnings)
        if not is_damaged(exc):
            raise AdemError(f"{db}: cannot read the records: {exc}") from None
        warnings.append(say("damaged_now", lang))
        return _read_damaged(db, None, patient, lang, warnings)


def build_report(data_dir: Path, out: Path, since: dt.date | None = None,
                 patient: str | None = None, today: dt.date | None = None,
                 lang: str = "en", config_dir: Path | None = None,
                 skip_charts: frozenset[int] = frozenset()) -> list[Session]:
    """Write the whole report into ``out`` (created), summary and charts in ``lang``;
    programmes are looked for next to the config in ``config_dir``, else shipped. The
    sessions in ``skip_charts`` get no chart of their own (an export leaves out those an
    earlier export drew). Returns the sessions reported."""
    from feedback import report_charts

    # (a new folder only for its owner, as the records are: a report left in /tmp was
    # readable by every user, and no wipe erases it)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = data_dir / DB_NAME
    sessions: list[Session] = []
    warnings = [_kept_warning(f, lang) for f in damaged_files(data_dir)]
    firsts: dict[str, dt.date] = {}  # each patient's first session, before --since too
    absent: dict[str, dt.date] = {}  # patients with sessions before --since, none after
    if records_exist(db, "read", "report"):
        sessions = _read_records(db, patient, lang, warnings, scratch=out)
        for s in sessions:
            firsts.setdefault(s.patient, s.day)
        before = {s.patient: s.day for s in sessions if since and s.day < since}
        sessions = [s for s in sessions if since is None or s.day >= since]
        absent = {code: day for code, day in before.items()
                  if code not in {s.patient for s in sessions}}
    today = today or report_date()
    warnings += clock_warnings(sessions, today, lang)
    days = day_rows(sessions, since, today, firsts)
    tables = [("sessions", session_rows(sessions), SESSION_COLS),
              ("exercises", exercise_rows(sessions), EXERCISE_COLS), ("days", days, DAY_COLS)]
    for name, rows, header in tables:
        write_csv(out / f"{name}.csv", rows, header)
    write_workbook(out / "report.xlsx", tables, TEXT_COLS)
    (out / "summary.txt").write_text(
        summary_text(sessions, days, today, lang, warnings, config_dir, absent),
        encoding="utf-8")
    for s in sessions:
        if s.id not in skip_charts:
            report_charts.session_chart(s, out / f"session-{s.id:05d}.png", lang)
    for code in sorted({s.patient for s in sessions}):
        report_charts.calendar_chart(code, [d for d in days if d["patient"] == code],
                                     out / calendar_file(code), lang,
                                     at_home([s for s in sessions if s.patient == code]))
    return sessions


# The names the report gives its files: an earlier report's files are replaced by name.
REPORT_FILES = ("summary.txt", "sessions.csv", "exercises.csv", "days.csv", "report.xlsx")
_REPORT_CHART = re.compile(r"(session-\d{5,}|calendar(-.+)?)\.png")


def calendar_file(code: str) -> str:
    """The calendar's file name: ``calendar-CODE.png``; ``calendar.png`` for sessions
    without a code, a name no code can give (``calendar-none.png`` was a real code's)."""
    return f"calendar-{code}.png" if code else "calendar.png"


def _earlier_report(out: Path) -> list[Path]:
    """The files an earlier report left in ``out``. A directory with other things in it but
    no report is refused: the report would leave its files among someone else's."""
    if not out.is_dir():
        return []
    for left in out.glob(".ademcoach-read-*"):  # a copy a killed report left behind
        shutil.rmtree(left, ignore_errors=True)
    if not any(out.iterdir()):
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
    settings = settings_for(args)
    data = records_dir(args, settings)
    # (a report there outlives a wipe: the patient's every session, left on the unit for
    # the next one)
    unit = default_data_dir(settings.records.data_dir)  # (with --simulated, above data)
    if out.resolve().is_relative_to(unit.resolve()):
        raise fail(f"--out {out}: is inside the records folder ({unit}), where a wipe "
                   "does not reach; give a folder outside it")
    try:
        earlier = _earlier_report(out)
        sessions = build_report(data, out, since, getattr(args, "patient", None),
                                lang=report_language(args, settings),
                                config_dir=config_dir_of(settings))
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
    print(f"{n_sessions(len(sessions))} reported in {out}/ (summary.txt, CSV, report.xlsx and PNG)")
    if not sessions:
        why = _why_none(data, getattr(args, "patient", None))
        if why:
            print(f"({why})")
    if not sessions and not getattr(args, "simulated", False) and \
            (data / SIMULATED / DB_NAME).exists():
        print(f"(simulated sessions are kept apart in {data / SIMULATED}: "
              "ademcoach report --simulated)")
    return 0


def _why_none(data: Path, patient: str | None) -> str | None:
    """Why a report found no sessions, if it is not the period: no records where the
    config points, or none with the ``--patient`` code (codes are case-sensitive)."""
    db = data / DB_NAME
    if not db.exists():
        return f"no records in {data}: is records.data_dir right?"
    if patient is None:
        return None
    try:
        conn = connect(db, create=False)
        try:
            codes = [c for (c,) in conn.execute(
                "SELECT DISTINCT patient_code FROM sessions ORDER BY patient_code")]
        finally:
            conn.close()
    except (sqlite3.Error, StorageError):
        return None
    if patient in codes:
        return None
    held = ", ".join(repr(c) for c in codes[:10]) + (" ..." if len(codes) > 10 else "")
    return (f"no sessions with patient code {patient!r}; the records hold "
            f"{held or 'no sessions'}")
