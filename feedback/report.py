"""Therapist reports: ``ademcoach report``.

Reads the session records (``feedback.sessions``) and writes, per session, per exercise
and per day: minutes practised against the home target, breaths per minute, the
exhale:inhale ratio and whether it moved toward the pacer's target, holds, cues (the
corrections) and praise. As CSV (for a spreadsheet), a PNG chart per session and a
compliance calendar (``feedback.report_charts``, drawn with pygame, already on the unit)
and a plain-text summary. ``feedback.export`` puts the same report on a USB stick.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import shutil
import sqlite3
import statistics
import textwrap
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from feedback import i18n
from feedback.analysis.holds import REST_MIN_S
from feedback.cli import config_path, fail
from feedback.config import SCHEMA, ConfigError, load_config
from feedback.cues import breaths_per_min
from feedback.errors import AdemError
from feedback.i18n import tenths_down
from feedback.programme import home_practice
from feedback.report_words import TEXTS, count, left_text, num, say, short
from feedback.sessions import (
    Session,
    load_sessions,
    median,
)
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

TREND_STEADY = 0.05  # ratio changes smaller than this count as "steady"


# --- numbers --------------------------------------------------------------------------


def ratios(breaths) -> list[float]:
    return [b[2] / b[1] for b in breaths if b[1] and b[1] > 0]


def rate(breaths) -> float | None:
    """Breaths/min: as many as were breathed a minute, from their lengths (inhale and
    exhale), as the unit's summary screen gives it (the analysis's rate of a breath is a
    median over the breaths before it too, of the exercise before); breaths recorded
    without their length, by the median of their recorded rates."""
    lengths = [b[1] + b[2] for b in breaths if b[1] is not None and b[2] is not None
               and b[1] + b[2] > 0]
    return breaths_per_min(lengths) if lengths else median(b[3] for b in breaths)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}%"


def belly_pct(shares) -> float | None:
    """The median belly share, in %, of breaths measured with two belts."""
    found = median(share for share, _ in shares)
    return None if found is None else 100 * found


def paradoxical_pct(shares) -> float | None:
    """The % of breaths (two belts) in which chest and belly moved against each other."""
    flags = [p for _, p in shares if p is not None]
    return 100 * sum(1 for p in flags if p) / len(flags) if flags else None


def _spread(xs: list[float]) -> float:
    """The breath-to-breath spread of ``xs`` as a standard deviation, robustly (1.4826 x
    the median absolute deviation)."""
    mid = statistics.median(xs)
    return 1.4826 * statistics.median(abs(x - mid) for x in xs)


def change(before: list[float], after: list[float], target: float,
           spread: float | None = None) -> str:
    """How the median ratio moved from the breaths ``before`` to those ``after``
    (``direction``); "no clear trend" when the two medians differ by less than twice
    what they are known to (the median of n breaths to about 1.25 x their spread /
    sqrt(n)): breathing at rest varies by 20-45 % from breath to breath, and the first and
    last thirds of 40 breaths of real recordings differ by 0.1-0.4 without any exercise.
    One breath says nothing of its spread: its side takes ``spread`` (that of all the
    breaths compared), else that of both sides together."""
    first, last = median(before), median(after)
    if spread is None:
        spread = _spread(before + after)
    s0, s1 = (_spread(xs) if len(xs) > 1 else spread for xs in (before, after))
    noise = 1.2533 * math.sqrt(s0 ** 2 / len(before) + s1 ** 2 / len(after))
    if TREND_STEADY <= abs(last - first) < 2.0 * noise:
        return "no clear trend"
    return direction(first, last, target)


def trend(breaths, target: float) -> tuple[float | None, float | None, str]:
    """Median ratio of the first and last third of the breaths, and how it moved
    (``change``)."""
    rs = ratios(breaths)
    if len(rs) < 3:
        return None, None, ""
    k = len(rs) // 3
    a, b = rs[:k], rs[-k:]
    return median(a), median(b), change(a, b, target, _spread(rs))


def direction(first: float, last: float, target: float) -> str:
    """How the ratio moved relative to the target: steady, toward, crossed or away."""
    if abs(last - first) < TREND_STEADY:
        return "steady"
    if (first - target) * (last - target) < 0:
        return "crossed the target, now " + ("below" if last < target else "above")
    return "toward the target" if abs(last - target) < abs(first - target) else \
        "away from the target"


def trends(s: Session, english: bool = False) -> list[tuple[str, float, float, str]]:
    """Per paced exercise (and for breaths recorded outside any exercise): its name (the
    English one with ``english``), the median ratio of its first and last third of
    breaths and how it moved against its target. Exercises without a pacer (calibration,
    movement) have none."""
    groups = [(e.english if english else e.name, e.breaths, e.ratio_target)
              for e in s.exercises if e.paced]
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


def _holds_text(holds, lang: str = "en") -> str:
    """'Buikademhaling 2, longest 6.0 s; Tillen 1, longest 4.0 s' from (name, seconds);
    in Dutch 'Buikademhaling 2x, langste 6,0 s; ...'."""
    by: dict[str, list[float]] = {}
    for name, secs in holds:
        by.setdefault(name or say("no_exercise", lang), []).append(secs)
    return "; ".join(say("holds_by", lang, name=name, n=len(d), secs=num(max(d), lang, 1))
                     for name, d in by.items())


def session_rows(sessions) -> list[dict]:
    """The rows of sessions.csv: in English whatever the report's language (the
    exercises by their English names where the records keep them)."""
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
            "ratio": _f(median(ratios(paced))), "ratio_target": _f(target),
            "ratio_trend": "; ".join(f"{n}: {w}" if n else w
                                     for n, _, _, w in trends(s, english=True)),
            "holds": len(s.holds),
            "holds_by_exercise": _holds_text([(e.english if e else "", secs)
                                              for e, secs in s.holds_by_exercise]),
            "cues": len(s.corrections),
            "cue_kinds": " ".join(f"{k}:{n}" for k, n in sorted(Counter(
                k for _, k in s.corrections).items())),
            "praise": len(s.praise),
            "faults": len(s.faults),
            "fault_kinds": " ".join(f"{k}:{n}" for k, n in sorted(Counter(
                k for _, _, k, _ in s.faults).items())),
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
                "name": e.english, "pacer": e.pacer or "", "minutes": _f(e.minutes, 1),
                "breaths": len(e.breaths), "breaths_per_min": _f(rate(e.breaths), 1),
                "ratio": _f(median(ratios(e.breaths))), "ratio_target": _f(e.ratio_target),
                "rate_target": _f(e.rate_target, 1), "ratio_first": _f(first),
                "ratio_last": _f(last), "ratio_trend": word,
                "in_sync_pct": _f(None if e.in_sync is None else 100 * e.in_sync, 0),
                **_missed_cols(e.following, e.short_exhale),
                "holds": e.holds, "hold_s": _f(sum(e.hold_s), 1) if e.hold_s else "",
                "longest_hold_s": _f(max(e.hold_s), 1) if e.hold_s else "", "cues": e.cues,
                "praise": e.praise,
                "belly_pct": _f(belly_pct(e.shares), 0),
                "paradoxical_pct": _f(paradoxical_pct(e.shares), 0),
            })
    return rows


def day_rows(sessions, since: dt.date | None = None, today: dt.date | None = None,
             firsts: dict | None = None) -> list[dict]:
    """One row per patient and calendar day from the first day (``since``, or the
    patient's first session ever, ``firsts``, if later) to ``today`` (the report date; the
    last session when not given). Minutes are practised minutes, pauses left out, rounded
    down to a tenth as on the unit's screen (``target_met`` is decided on the unrounded
    minutes); the ratio is that of the breaths under a pacer."""
    rows = []
    for code in sorted({s.patient for s in sessions}):
        mine = [s for s in sessions if s.patient == code]
        # from --since, but not before this patient's first session ever (a second
        # patient who got the unit later had days counted as missed before then)
        first = max(since, (firsts or {}).get(code, mine[0].day)) if since else mine[0].day
        last = max(s.day for s in mine)
        if today is not None:
            last = max(last, today)
        day = first
        previous = None  # ratios of the paced breaths of the last day with them
        goal = mine[0].daily_target  # home target: a day without sessions keeps the last
        while day <= last:
            today_s = [s for s in mine if s.day == day]
            minutes = sum(s.minutes for s in today_s)
            breaths = [b for s in today_s for b in s.breaths]
            paced = [p for s in today_s for p in s.paced]
            mine_r = ratios([b for b, _ in paced])
            ratio = median(mine_r)
            target = median(t for _, t in paced)
            if target is None:
                target = median(s.target for s in today_s)
            goal = today_s[-1].daily_target if today_s else goal
            word = ""
            if ratio is not None and previous is not None and target is not None:
                word = change(previous, mine_r, target)
            rows.append({
                "patient": code, "date": day.isoformat(),
                "minutes": _f(tenths_down(minutes), 1),
                "target_minutes": _f(goal, 1),
                "target_met": "yes" if minutes >= goal else "no",
                "sessions": len(today_s), "breaths": len(breaths),
                "breaths_per_min": _f(rate(breaths), 1), "ratio": _f(ratio),
                "ratio_target": _f(target), "ratio_trend": word,
            })
            previous = mine_r if ratio is not None else previous
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
                 "ratio_last", "ratio_trend", "in_sync_pct", "exhale_short_pct",
                 "too_fast_pct", "too_slow_pct", "exhale_short_any_pct", "judged_breaths",
                 "holds", "hold_s",
                 "longest_hold_s", "cues", "praise", "belly_pct", "paradoxical_pct"]
# Columns the workbook keeps as text, whatever they hold: a code "0012" keeps its zeros.
TEXT_COLS = frozenset({"date", "start", "patient", "programme", "name", "end"})
DAY_COLS = ["patient", "date", "minutes", "target_minutes", "target_met", "sessions",
            "breaths", "breaths_per_min", "ratio", "ratio_target", "ratio_trend"]

NOTE = textwrap.fill(
    "Minutes are practised minutes (pauses, and time without a belt that measured, left "
    "out). Breaths per minute are the breaths counted over the time they took, every "
    "exercise counted; a held breath counts as one long breath, so holds lower it. Ratios are "
    "exhale:inhale as measured (pauses counted), of the breaths under a pacer, against "
    "each exercise's own pacer target. Trends are per paced exercise (first third -> last "
    "third of its breaths); calibration, movement and other exercises without a pacer are "
    "left out. A breath-hold is no breathing movement for the exercise's hold threshold "
    "(hold_after_s). During squats and bending the belt moves with the trunk, so a hold "
    "there is not always seen: 0 holds in a movement exercise does not prove the breath "
    "was never held. The other way round, slow squats or lifts with calm breathing between "
    "them can be counted as holds, and a movement as a breath: in a movement or load "
    "exercise a hold counted does not prove the breath was held either, and its breaths "
    "per minute can be off. Each paced breath is judged against the pacer's breath it began in, "
    "the first that fits: too fast (under 80% of its length), exhale too short "
    "(exhale:inhale under 80% of the pacer's), too slow (over 130% of its length), else in "
    "rhythm; the exhale too short at any pace is counted apart. Cues are the corrections "
    "the screen gave; praise is counted apart. The patient's own breathing is given "
    "apart: breaths per minute and ratio of each exercise without a pacer, with the "
    "breaths each rests on (a calibration ends after its first few breaths).", 84)
NOTE_NL = textwrap.fill(
    "Minuten zijn geoefende minuten (pauzes en tijd zonder meting door de band niet "
    "meegeteld). Ademhalingen per minuut zijn de ademhalingen geteld over de tijd die ze "
    "duurden, elke oefening meegeteld; een ingehouden adem telt als één lange ademhaling, "
    "dus inhouden verlaagt het getal. De verhouding is uitademing:inademing zoals gemeten "
    "(rust in het ritme "
    "meegeteld), van de ademhalingen met de ademgids, tegen het doel van die oefening. "
    "Het verloop staat per begeleide oefening (eerste derde -> laatste derde van de "
    "ademhalingen); kalibratie, bewegen en andere oefeningen zonder ademgids tellen niet "
    "mee. 'Adem ingehouden' betekent: geen ademhalingsbeweging gedurende de drempel van "
    "de oefening (hold_after_s). Bij kniebuigingen en bukken beweegt de band mee met de "
    "romp, dus dan wordt inhouden niet altijd gezien: 0x adem ingehouden bij een "
    "bewegingsoefening bewijst niet dat de adem nooit werd ingehouden. Omgekeerd kunnen "
    "langzame kniebuigingen of tilbewegingen met rustig ademen ertussen als inhouden worden "
    "geteld, en een beweging als een ademhaling: bij een bewegings- of tiloefening bewijst "
    "ook een getelde keer adem inhouden niet dat de adem werd ingehouden, en de "
    "ademhalingen per minuut kunnen ernaast zitten. Elke begeleide "
    "ademhaling wordt vergeleken met de ademhaling van de ademgids waarin ze begon, het "
    "eerste dat past: te snel (korter dan 80% daarvan), uitademing te kort "
    "(uitademing:inademing onder 80% van die van de ademgids), te langzaam (langer dan "
    "130%), anders in het ritme; een te korte uitademing bij elk tempo wordt apart geteld. "
    "Aanwijzingen zijn de correcties op het scherm; "
    "complimenten staan apart. De eigen ademhaling staat apart: ademhalingen per minuut "
    "en verhouding van elke oefening zonder ademgids, met het aantal ademhalingen waarop "
    "ze rusten (een kalibratie stopt na de eerste paar ademhalingen).", 84)
NOTES = {"en": NOTE, "nl": NOTE_NL}


def hold_thresholds(sessions, lang: str = "en",
                    config_dir: Path | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The hold thresholds that applied in ``sessions``: per programme (its name in
    ``lang``) the exercises done (calibrations aside) and their threshold in seconds
    ('8 s', or '4-6 s' when they differed between sessions; '3 s (4 s after a breath out)'
    below the analysis's ``REST_MIN_S``), "(not warned)" after those that
    record holds without warning the patient (the exercise's or the config's switch).
    From the programme in force, kept with each session's config; for older records from
    the programme files as they are now (next to the config in ``config_dir``, else
    shipped). An exercise whose programme or name is not found is left out (nothing said
    rather than a guess)."""
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
            if spec is None or spec.kind == "calibration":
                continue
            # Holds are recorded at the threshold whether or not the patient is warned;
            # not warned: the warning is off, or breathe_on is not among its cues.
            name = spec.name(lang) + ("" if spec.cue_on("breathe_on") and s.warned
                                      else " " + say("not_warned", lang))
            secs = by.setdefault(programme.name(lang), {}).setdefault(name, [])
            secs.append(spec.hold_after_s or s.hold_after_s)

    def said(secs: list[float]) -> str:  # '8 s', '4-6 s', '3 s (4 s after a breath out)'
        lo, hi = min(secs), max(secs)
        text = short(lo, lang) + ("" if lo == hi else f"-{short(hi, lang)}") + " s"
        if lo < REST_MIN_S:
            text += " " + say("rest_floor", lang, s=short(REST_MIN_S, lang))
        return text

    return [(name, [(ex, said(v)) for ex, v in exercises.items()])
            for name, exercises in by.items()]


def at_home(sessions) -> bool:
    """Did any of ``sessions`` practise at home? A session of a programme in the treatment
    room (``home_practice = false`` in the programme it ran: the clinic's, the first
    analysis) is not; the home target is not about those."""
    return any(home_practice(s.programme, s.programme_text) for s in sessions)


def _cue_text(kind: str, lang: str = "en") -> str:
    """A cue as the patient's screen says it in ``lang`` (its internal name if unknown)."""
    return i18n.text_or(f"cue.{kind}", lang, kind)


def _cues_text(cues: Counter, lang: str) -> str:
    """'"Adem langer uit" 3x, "Blijf ademen!" 1x': the most frequent first."""
    return ", ".join(say("cue", lang, text=_cue_text(k, lang), n=n)
                     for k, n in cues.most_common())


def _in_sync_text(sessions, lang: str = "en") -> str:
    """'72% (Buikademhaling 80%, Ribben 60%)', weighted by the breaths the pacer judged
    (by the exercise's breaths where their count was not recorded); '' when not
    recorded."""
    by: dict[str, list[float]] = {}
    for s in sessions:
        for e in s.exercises:
            n = sum(e.following.values()) if e.following else len(e.breaths)
            if e.in_sync is not None and n:
                w = by.setdefault(e.name, [0.0, 0.0])
                w[0] += e.in_sync * n
                w[1] += n
    if not by:
        return ""
    total = sum(a for a, _ in by.values()) / sum(n for _, n in by.values())
    return say("in_sync_share", lang, pct=f"{100 * total:.0f}", by=", ".join(
        f"{name} {100 * a / n:.0f}%" for name, (a, n) in by.items()))


MISSED = ("too_fast", "exhale_short", "too_slow")  # how a breath missed the pacer, as judged


def _missed_cols(following: dict[str, int] | None, short: int | None) -> dict[str, str]:
    """exercises.csv's share (%) of the judged breaths with too short an exhale, too fast
    and too slow (each breath its first verdict), with too short an exhale at any pace
    (``short``), and how many were judged; empty where not recorded (or none judged)."""
    n = sum(following.values()) if following else 0
    out = {f"{k}_pct": _f(100 * following[k] / n, 0) if n else "" for k in MISSED}
    out["exhale_short_any_pct"] = _f(100 * short / n, 0) if n and short is not None else ""
    out["judged_breaths"] = "" if following is None else n
    return out


def _missed_text(counts: dict[str, int], lang: str) -> str:
    """'too fast 10%, exhale too short 30%, too slow 0%', of the breaths judged."""
    n = sum(counts.values())
    return ", ".join(f"{say('missed.' + k, lang)} {100 * counts[k] / n:.0f}%" for k in MISSED)


def _by_exercise(sessions, counts) -> tuple[dict[str, Counter], set]:
    """Per exercise (its name as loaded) the sum of ``counts(e)`` over its paced
    exercises that judged breaths, and the sessions with a paced exercise for which
    ``counts`` gives None or that judged none with only its share in rhythm kept:
    recorded before the unit kept that count."""
    by: dict[str, Counter] = {}
    unrecorded = set()
    for s in sessions:
        for e in s.exercises:
            c = counts(e) if e.following and sum(e.following.values()) else None
            if c is not None:
                by.setdefault(e.name, Counter()).update(c)
            elif e.in_sync is not None:
                unrecorded.add(s.id)
    return by, unrecorded


def _unrecorded(sessions: set, lang: str) -> str:
    """'; not recorded for 2 sessions', or '' for none."""
    return say("missed_unrecorded", lang, sessions=count(
        len(sessions), lang, "a_session")) if sessions else ""


def _missed_lines(sessions, lang: str = "en") -> list[str]:
    """How the paced breaths that were not in rhythm missed it, over the period and, with
    more than one paced exercise, per exercise (its name in ``lang``), each of the breaths
    the pacer judged; with the sessions that recorded only the share in rhythm (before
    schema 8) counted, or "not recorded" when none did more. [] when no share in rhythm
    was recorded either."""
    by, unrecorded = _by_exercise(sessions, lambda e: e.following)
    if not by:
        return [say("missed_none", lang)] if unrecorded else []
    total = sum(by.values(), Counter())
    lines = [say("missed", lang, reasons=_missed_text(total, lang), n=count(
        sum(total.values()), lang, "judged_breath"), unrecorded=_unrecorded(unrecorded, lang))]
    if len(by) > 1:
        lines += ["  " + say("missed_by", lang, name=name, reasons=_missed_text(c, lang),
                             n=sum(c.values())) for name, c in by.items()]
    return lines


def _short_lines(sessions, lang: str = "en") -> list[str]:
    """The share of the judged breaths whose exhale was too short at any pace, over the
    period and, with more than one paced exercise, per exercise: a breath too fast is
    judged too fast alone, so "exhale too short" above can read 0% for a patient whose
    every exhale was too short. Of the exercises that recorded it (schema 9 on; the
    sessions that judged breaths without it are said); [] when none did."""
    by, unrecorded = _by_exercise(sessions, lambda e: None if e.short_exhale is None else {
        "short": e.short_exhale, "judged": sum(e.following.values())})
    if not by:
        return []
    total = sum(by.values(), Counter())
    lines = [say("short_any", lang, pct=f"{100 * total['short'] / total['judged']:.0f}",
                 n=count(total["judged"], lang, "judged_breath"),
                 unrecorded=_unrecorded(unrecorded, lang))]
    if len(by) > 1:
        lines += ["  " + say("short_any_by", lang, name=name,
                             pct=f"{100 * c['short'] / c['judged']:.0f}", n=c["judged"])
                  for name, c in by.items()]
    return lines


def _belly_by_exercise(first, last) -> str:
    """'Kalibratie 16% -> 58%, Buikademhaling liggend 20% -> 61%': each exercise's belly
    share in the first and the last session with two belts (one value when they are
    one). A session's median mixes exercises that ask for different breathing (the ribs
    exercise asks for the chest): the therapist reads step 1's analysis per exercise."""
    def shares(s) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for e in s.exercises:
            if e.shares:
                out.setdefault(e.name, belly_pct(e.shares))
        return out

    a, b = shares(first), shares(last)
    names = list(a) + [n for n in b if n not in a]
    if len(names) < 2:  # (one exercise: the line above says it)
        return ""
    if first is last:
        return ", ".join(f"{n} {_pct(a[n])}" for n in names)
    return ", ".join(f"{n} {_pct(a.get(n))} -> {_pct(b.get(n))}" for n in names)


def _own_text(s: Session, lang: str = "en") -> str:
    """'Kalibratie 17,7/min, uit:in 0,84 (3 ademhalingen); Ademen tijdens bewegen ...': the
    patient's own breathing, each exercise that ran without a pacer (recorded as such) on
    its own, with the breaths it rests on; '' when none measured any. The session's
    breaths/min counts the paced exercises too (a chest breather at 18/min who followed
    the 5.2/min pacer read 10.1/min there) and its ratio only the paced breaths, so
    neither is the breathing the therapist analyses in step 1."""
    return "; ".join(
        say("own_by", lang, name=e.name,
            rate=num(rate(e.breaths), lang, 1), ratio=num(median(ratios(e.breaths)), lang),
            n=count(len(e.breaths), lang, "breath"))
        for e in s.exercises if e.pacer == "off" and e.breaths)


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


def _fault_kinds(s: Session) -> list[tuple[str, str]]:
    """Each fault of ``s`` as (kind, belt): the belt with two belts, else ""."""
    return [(k, belt) for _, _, k, belt in s.faults]


def _fault_said(kind: str, belt: str, n: int, lang: str) -> str:
    """'band losgekoppeld (buikband) 1x': with two belts, which one."""
    what = TEXTS[lang].get("fault." + kind, kind)
    if belt:
        what += f" ({i18n.text_or(f'belt.{belt}', lang, belt)})"
    return say("fault_n", lang, kind=what, n=n)


def _faults_text(s: Session, lang: str = "en") -> str:
    """A session's faults by kind: how often and how long ('band losgekoppeld 1x (hele
    sessie)', 'disconnected 2x (40 s)'); no time for a fault begun and ended at once. With
    two belts, by belt too ('belt unplugged (belly belt) 1x (2.0 min)')."""
    span = s.span_minutes * 60.0
    out = []
    kinds = _fault_kinds(s)
    for (kind, belt), n in Counter(kinds).items():
        secs = _covered([(a, b) for a, b, *key in s.faults if tuple(key) == (kind, belt)])
        said = _fault_said(kind, belt, n, lang)
        # (the whole session: all but its first moments, not 97 % of a session the
        # patient came back to hours later and practised in)
        if span > 0 and span - secs < min(0.05 * span, 30.0):
            said += f" ({say('whole_session', lang)})"
        elif secs >= 60:
            said += f" ({num(secs / 60, lang, 1)} min)"
        elif secs >= 0.5:
            said += f" ({secs:.0f} s)"
        out.append(said)
    return ", ".join(out)


def _one_target(session) -> bool:
    """Were all of ``session``'s paced breaths breathed against one target ratio?"""
    return len({round(t, 2) for _b, t in session.paced if t is not None}) == 1


def summary_text(sessions, days, today: dt.date, lang: str = "en",
                 warnings: Sequence[str] = (), config_dir: Path | None = None,
                 absent: dict | None = None) -> str:
    """The plain-text summary a therapist reads first, in ``lang`` ("nl" or "en");
    ``warnings`` (about the records themselves) come right under the title. The hold
    thresholds are those of the sessions' programmes (looked for next to the config in
    ``config_dir``, else shipped). ``absent``: patients with sessions before the period
    and none in it, with the day of their last (a patient who stopped practising)."""
    head = [say("title", lang), ""] + [w + "\n" for w in warnings]
    if absent:
        head += [say("absent", lang, who=", ".join(
            say("absent_one", lang, code=code or say("no_code", lang), day=day)
            for code, day in sorted(absent.items()))), ""]
    if not sessions:
        return "\n".join([*head, say("none", lang)]) + "\n"
    lines = [*head, NOTES.get(lang, NOTE)]
    thresholds = hold_thresholds(sessions, lang, config_dir)
    if thresholds:
        lines.append(say("hold_after", lang))
        lines.extend(f"  {name}: " + ", ".join(f"{ex} {secs}" for ex, secs in exercises)
                     for name, exercises in thresholds)
    lines.append("")
    for code in sorted({s.patient for s in sessions}):
        mine = [s for s in sessions if s.patient == code]
        last = mine[-1].day
        until = max(today, last)  # the report date (a clock set wrong: the last session)
        my_days = [d for d in days if d["patient"] == code and d["date"] <= until.isoformat()]
        # as the calendar colours them: a day whose sessions practised nothing (stopped
        # in the calibration) is no day practised
        practised = [d for d in my_days if float(d["minutes"]) > 0]
        met = [d for d in my_days if d["target_met"] == "yes"]
        total = sum(s.minutes for s in mine)
        ago = (until - last).days
        lines.append(say(
            "patient", lang, code=code or say("no_code", lang), first=my_days[0]["date"],
            until=until, ago=say("after_report", lang) if last > today  # (not "today")
            else say("today", lang) if ago == 0 else say("ago", lang, days=count(ago, lang))))
        interrupted = sum(1 for s in mine if s.cut_short)
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
        # the first and last sessions that measured something (one stopped at once
        # said "-" for the whole period)
        measured = [x for x in mine if x.breaths] or mine
        lines.append("  " + say("rate", lang, first=num(rate(measured[0].breaths), lang, 1),
                                last=num(rate(measured[-1].breaths), lang, 1)))
        paced = [x for x in mine if x.paced] or mine
        rs0 = ratios([b for b, _ in paced[0].paced])
        rs1 = ratios([b for b, _ in paced[-1].paced])
        r0, r1 = median(rs0), median(rs1)
        target0, target = paced[0].target, paced[-1].target
        word = change(rs0, rs1, target) if None not in (r0, r1, target) else ""
        said = num(target, lang)
        if (None not in (target0, target) and num(target0, lang) != said
                and _one_target(paced[0]) and _one_target(paced[-1])):
            # the pacer's target changed between them: the first was breathing to its own
            # (not a session's median over exercises of other targets, which moves with
            # how long each was done: the clinic programme's 2.29 and 1.75)
            said = f"{num(target0, lang)} -> {said}"
        pacers = [e.pacer for x in mine for e in x.exercises]
        if pacers and all(p == "off" for p in pacers):
            # (the first analysis: "- in the first session, - in the last (target -)"
            # read as nothing measured, above the own breathing's ratios)
            lines.append("  " + say("ratio_unpaced", lang))
        else:
            lines.append("  " + say("ratio", lang, first=num(r0, lang), last=num(r1, lang),
                                    target=said)
                         + (f": {say(word, lang)}" if word else ""))
        own = [(x, _own_text(x, lang)) for x in mine]
        own = [(x, text) for x, text in own if text]
        if len(own) == 1:
            lines.append("  " + say("own_one", lang, by=own[0][1]))
        elif own:
            lines.append("  " + say("own_first", lang, by=own[0][1]))
            lines.append("  " + say("own_last", lang, by=own[-1][1]))
        in_sync = _in_sync_text(mine, lang)
        if in_sync:
            lines.append("  " + say("in_sync", lang, share=in_sync))
        lines.extend("  " + line for line in _missed_lines(mine, lang) + _short_lines(mine, lang))
        two = [s for s in mine if s.shares]
        if two:
            lines.append("  " + say(
                "belly", lang, first=_pct(belly_pct(two[0].shares)),
                last=_pct(belly_pct(two[-1].shares)),
                para=_pct(paradoxical_pct([x for s in two for x in s.shares]))))
            by = _belly_by_exercise(two[0], two[-1])
            if by:
                lines.append("  " + say("belly_by" if len(two) > 1 else "belly_by_one", lang,
                                        by=by))
        holds = [(e.name if e else "", secs) for s in mine for e, secs in s.holds_by_exercise]
        lines.append("  " + say("holds", lang, n=len(holds))
                     + (f" ({_holds_text(holds, lang)})" if holds else ""))
        cues = Counter(k for s in mine for _, k in s.corrections)
        lines.append("  " + say("cues", lang) + (_cues_text(cues, lang) or say("nothing", lang)))
        praise = Counter(k for s in mine for _, k in s.praise)
        if praise:
            lines.append("  " + say("praise", lang) + _cues_text(praise, lang))
        faults = Counter(key for s in mine for key in _fault_kinds(s))
        if faults:
            lines.append("  " + say("faults", lang) + ", ".join(  # as the rows say them
                _fault_said(k, belt, n, lang) for (k, belt), n in faults.most_common()))
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
            ratio=num(median(ratios([b for b, _ in s.paced])), lang))
                     + (f"({moved}) " if moved else "")
                     + say("row_end", lang, holds=r["holds"], cues=r["cues"],
                           praise=r["praise"])
                     + (say("row_faults", lang, faults=_faults_text(s, lang)) if s.faults
                        else "")
                     + (" " + say("interrupted", lang) if s.cut_short else "")
                     + (" " + left_text(lang) if s.left else ""))
    return "\n".join(lines) + "\n"


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
