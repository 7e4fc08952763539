"""The report's plain-text summary, ``summary.txt``, in the report's language
(``feedback.report_words``): the note on what the numbers mean, the hold thresholds in
force, per patient the minutes practised against the home target, breaths per minute,
the ratio against the pacer's target, the breaths in rhythm and how the others missed it,
the belly share, holds, cues, praise and faults, and a line per session
(``summary_text`` and the helpers only it uses).
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from feedback import i18n
from feedback.analysis.holds import REST_MIN_S
from feedback.config_rules import ConfigError
from feedback.config_schema import SCHEMA
from feedback.i18n import tenths_down
from feedback.programme import home_practice
from feedback.report_tables import (
    MISSED,
    belly_pct,
    change,
    holds_text,
    paradoxical_pct,
    rate,
    ratios,
    session_rows,
    trends,
)
from feedback.report_words import TEXTS, count, left_text, num, say, short
from feedback.sessions import Session, median


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}%"


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
    "(exhale:inhale under 75% of the pacer's), too slow (over 130% of its length), else in "
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
    "(uitademing:inademing onder 75% van die van de ademgids), te langzaam (langer dan "
    "130%), anders in het ritme; een te korte uitademing bij elk tempo wordt apart geteld. "
    "Aanwijzingen zijn de correcties op het scherm; "
    "complimenten staan apart. De eigen ademhaling staat apart: ademhalingen per minuut "
    "en verhouding van elke oefening zonder ademgids, met het aantal ademhalingen waarop "
    "ze berusten (een kalibratie stopt na de eerste paar ademhalingen).", 84)
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
                     + (f" ({holds_text(holds, lang)})" if holds else ""))
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
