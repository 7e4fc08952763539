"""The report's tables: per session, per exercise and per day (``sessions.csv``,
``exercises.csv``, ``days.csv``, and the same rows in ``report.xlsx``), in English with
decimal points whatever the report's language, and the numbers they are made of: breaths
per minute, the exhale:inhale ratio and how it moved against the pacer's target
(``trend``, ``change``, ``direction``), belly share and paradoxical breathing.
``feedback.report`` writes them; ``feedback.report_summary`` says the same numbers in words.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import statistics
from collections import Counter
from pathlib import Path

from feedback.cues import breaths_per_min
from feedback.i18n import tenths_down
from feedback.report_words import num, say
from feedback.sessions import Session, median

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


def holds_text(holds, lang: str = "en") -> str:
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
            "holds_by_exercise": holds_text([(e.english if e else "", secs)
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
