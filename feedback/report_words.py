"""The report's words, per language, and how it writes numbers.

summary.txt and the charts are written in the unit's language (``[patient] language``,
or ``report --lang``); the CSV files keep English column names, words and decimal
points. ``say`` finds a text (English where a language lacks it), ``num``, ``short`` and
``count`` write numbers as the language does (minutes are rounded down as the unit's
screen rounds them: ``i18n.tenths_down``).
"""

from __future__ import annotations

from feedback import i18n

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Ademcoach report",
        "none": "No sessions recorded in this period.",
        "absent": "Patients without a session in this period, and the day of their last: {who}",
        "absent_one": "{code} on {day}",
        "patient": "Patient {code}: {first} to {until} (last session {ago})",
        "no_code": "(no code)",
        "today": "today",
        "after_report": "after the report date",
        "ago": "{days} ago",
        "day": "day", "days": "days",
        "sessions": "Sessions: {n}",
        "interrupted_n": " ({n} interrupted)",
        "practice": "Practice: {minutes} min on {practised} of {days}; home target "
                    "{target} min/day met on {met}",
        "practice_changed": "Practice: {minutes} min on {practised} of {days}; the home "
                            "target changed in this period, each day is judged by its own:",
        "practice_run": "{target} min/day from {first} to {last}: met on {met} of {days}",
        "practice_clinic": "Practice: {minutes} min on {practised} of {days}, all with "
                           "treatment-room programmes (the home target is for practice at "
                           "home)",
        "rate": "Breaths per minute, every exercise together: {first} in the first session, "
                "{last} in the last",
        "own_one": "Own breathing (exercises without a pacer): {by}",
        "own_first": "Own breathing (exercises without a pacer), first session: {by}",
        "own_last": "Own breathing (exercises without a pacer), last session: {by}",
        "own_by": "{name} {rate}/min, exhale:inhale {ratio} ({n})",
        "breath": "breath", "breaths": "breaths",
        "ratio": "Exhale:inhale ratio: {first} in the first session, {last} in the last "
                 "(target {target})",
        "ratio_unpaced": "Exhale:inhale ratio with a pacer: no exercise had a pacer (own "
                         "breathing: below)",
        "in_sync": "In rhythm with the pacer: {share}",
        "belly": "Belly share of each breath (two belts; 50% = as much as the chest): {first} in "
                 "the first session, {last} in the last;\n  chest and belly moved against each "
                 "other in {para} of the breaths",
        "belly_by": "by exercise, first session -> last: {by}",
        "belly_by_one": "by exercise: {by}",
        "in_sync_share": "{pct}% of the paced breaths ({by})",
        "missed": "Out of rhythm: {reasons} (of {n}{unrecorded})",
        "missed_by": "{name}: {reasons} (of {n})",
        "missed_unrecorded": "; not recorded for {sessions}",
        "missed_none": "Out of rhythm: not recorded (sessions recorded before the unit kept "
                       "how a breath missed the pacer)",
        "short_any": "Exhale too short, at any pace: {pct}% (of {n}{unrecorded})",
        "short_any_by": "{name}: {pct}% (of {n})",
        "missed.exhale_short": "exhale too short",
        "missed.too_fast": "too fast",
        "missed.too_slow": "too slow",
        "judged_breath": "breath judged", "judged_breaths": "breaths judged",
        "a_session": "session", "a_sessions": "sessions",
        "holds": "Breath-holds: {n}",
        "holds_by": "{name} {n}, longest {secs} s",
        "no_exercise": "(no exercise)",
        "hold_after": "Hold thresholds (hold_after_s), as the sessions' programmes set them:",
        "rest_floor": "({s} s after a breath out)",
        "not_warned": "(not warned)",
        "cues": "Cues (corrections): ",
        "cue": '"{text}" {n}x',
        "praise": "Praise: ",
        "nothing": "none",
        "faults": "Faults: ",
        "damaged_now": "NOTE: the records database is damaged; this report shows what could "
                       "still be read.\nThe unit sets the file aside and starts a new one "
                       "when it next starts or records.",
        "untyped": "NOTE: {name}, table {table} row {row}: {column} = {value} is not a "
                   "number (was the file edited outside the unit?); {what}.",
        "clock_ahead_1": "NOTE: 1 session is dated after the report date ({today}), the first "
                         "on {first}: the unit's clock, or this computer's, was wrong; the "
                         "days below run to the last session.",
        "clock_ahead": "NOTE: {n} sessions are dated after the report date ({today}), the "
                       "first on {first}: the unit's clock, or this computer's, was wrong; "
                       "the days below run to the last session.",
        "clock_back_1": "NOTE: by the unit's clock, session {ids} began before a session "
                        "recorded before it (the clock was set back); the lists below are in "
                        "the clock's order.",
        "clock_back": "NOTE: by the unit's clock, sessions {ids} began before a session "
                      "recorded before them (the clock was set back); the lists below are in "
                      "the clock's order.",
        "clock_more": " and {n} more",
        "untyped_empty": "read as empty",
        "untyped_left_out": "the row is left out",
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
        # (the unit ended it: nothing ran for coach.LEFT_S, paused or without a belt)
        "left": "left: ended after {minutes} min without practice",
        "left_chart": "left for {minutes} min",
        "steady": "steady",
        "no clear trend": "no clear trend",
        # (as the screen says them; the CSV files keep the codes: disconnected, i2c ...)
        "fault.disconnected": "belt unplugged",
        "fault.saturated": "belt too tight or too loose",
        "fault.flat": "no movement measured",
        "fault.noisy": "noisy signal",
        "fault.i2c": "measuring chip does not respond",
        "fault.led": "LED ring",
        "fault.display": "screen",
        "fault.storage": "storage",
        "fault.button": "button stuck",
        "fault.sound": "sound not working",
        "fault.slow": "unit too slow, breaths and holds not measured",
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
        "cal.line_clinic": "Treatment room only: practised on {practised} of {days} "
                           "({first} to {last})",
        "cal.met": "{target} min or more",
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
        "absent": "Patiënten zonder sessie in deze periode, en de dag van hun laatste: {who}",
        "absent_one": "{code} op {day}",
        "patient": "Patiënt {code}: {first} t/m {until} (laatste sessie {ago})",
        "no_code": "(geen code)",
        "today": "vandaag",
        "after_report": "na de datum van dit rapport",
        "ago": "{days} geleden",
        "day": "dag", "days": "dagen",
        "sessions": "Sessies: {n}",
        "interrupted_n": " ({n} onderbroken)",
        "practice": "Geoefend: {minutes} min op {practised} van {days}; thuisdoel "
                    "{target} min per dag gehaald op {met}",
        "practice_changed": "Geoefend: {minutes} min op {practised} van {days}; het thuisdoel "
                            "is in deze periode gewijzigd, elke dag wordt aan zijn eigen doel "
                            "gemeten:",
        "practice_run": "{target} min per dag van {first} t/m {last}: gehaald op {met} van "
                        "{days}",
        "practice_clinic": "Geoefend: {minutes} min op {practised} van {days}, alles met "
                           "programma's voor de behandelkamer (het thuisdoel is voor thuis)",
        "rate": "Ademhalingen per minuut, alle oefeningen samen: {first} in de eerste sessie, "
                "{last} in de laatste",
        "own_one": "Eigen ademhaling (oefeningen zonder ademgids): {by}",
        "own_first": "Eigen ademhaling (oefeningen zonder ademgids), eerste sessie: {by}",
        "own_last": "Eigen ademhaling (oefeningen zonder ademgids), laatste sessie: {by}",
        "own_by": "{name} {rate}/min, uit:in {ratio} ({n})",
        "breath": "ademhaling", "breaths": "ademhalingen",
        "ratio": "Verhouding uitademing:inademing: {first} in de eerste sessie, {last} in de "
                 "laatste (doel {target})",
        "ratio_unpaced": "Verhouding uitademing:inademing met ademgids: geen oefening had "
                         "een ademgids (eigen ademhaling: hieronder)",
        "in_sync": "In het ritme van de ademgids: {share}",
        "belly": "Buikaandeel van elke ademhaling (twee banden; 50% = evenveel als de borst): "
                 "{first} in de eerste sessie, {last} in de laatste;\n  borst en buik bewogen "
                 "tegen elkaar in bij {para} van de ademhalingen",
        "belly_by": "per oefening, eerste sessie -> laatste: {by}",
        "belly_by_one": "per oefening: {by}",
        "in_sync_share": "{pct}% van de begeleide ademhalingen ({by})",
        "missed": "Uit het ritme: {reasons} (van {n}{unrecorded})",
        "missed_by": "{name}: {reasons} (van {n})",
        "missed_unrecorded": "; niet vastgelegd bij {sessions}",
        "missed_none": "Uit het ritme: niet vastgelegd (sessies opgenomen voordat het "
                       "apparaat bijhield hoe een ademhaling van de ademgids afweek)",
        "short_any": "Uitademing te kort, bij elk tempo: {pct}% (van {n}{unrecorded})",
        "short_any_by": "{name}: {pct}% (van {n})",
        "missed.exhale_short": "uitademing te kort",
        "missed.too_fast": "te snel",
        "missed.too_slow": "te langzaam",
        "judged_breath": "beoordeelde ademhaling", "judged_breaths": "beoordeelde ademhalingen",
        "a_session": "sessie", "a_sessions": "sessies",
        "holds": "Adem ingehouden: {n}x",
        "holds_by": "{name} {n}x, langste {secs} s",
        "no_exercise": "(geen oefening)",
        "hold_after": "Drempels voor 'adem ingehouden' (hold_after_s), zoals de programma's "
                      "ze instellen:",
        "not_warned": "(zonder waarschuwing)",
        "rest_floor": "({s} s na een uitademing)",
        "cues": "Aanwijzingen (correcties, op het scherm 'tips'): ",
        "cue": '"{text}" {n}x',
        "praise": "Complimenten: ",
        "nothing": "geen",
        "faults": "Storingen: ",
        "damaged_now": "LET OP: de database met metingen is beschadigd; dit rapport toont wat "
                       "nog leesbaar is.\nHet apparaat zet het bestand apart en begint een "
                       "nieuw bestand bij de volgende start of opname.",
        "clock_ahead_1": "LET OP: 1 sessie is gedateerd na de datum van dit rapport ({today}), "
                         "de eerste op {first}: de klok van het apparaat, of van deze "
                         "computer, stond verkeerd; de dagen hieronder lopen tot de laatste "
                         "sessie.",
        "clock_ahead": "LET OP: {n} sessies zijn gedateerd na de datum van dit rapport "
                       "({today}), de eerste op {first}: de klok van het apparaat, of van deze "
                       "computer, stond verkeerd; de dagen hieronder lopen tot de laatste "
                       "sessie.",
        "clock_back_1": "LET OP: volgens de klok van het apparaat begon sessie {ids} vóór een "
                        "sessie die eerder is opgenomen (de klok is teruggezet); de lijsten "
                        "hieronder staan in de volgorde van de klok.",
        "clock_back": "LET OP: volgens de klok van het apparaat begonnen sessies {ids} vóór "
                      "een sessie die eerder is opgenomen (de klok is teruggezet); de lijsten "
                      "hieronder staan in de volgorde van de klok.",
        "untyped": "LET OP: {name}, tabel {table} rij {row}: {column} = {value} is geen "
                   "getal (is het bestand buiten het apparaat bewerkt?); {what}.",
        "clock_more": " en nog {n}",
        "untyped_empty": "gelezen als leeg",
        "untyped_left_out": "de rij is weggelaten",
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
        "left": "verlaten: gestopt na {minutes} min zonder oefenen",
        "left_chart": "{minutes} min verlaten",
        "steady": "gelijk gebleven",
        "no clear trend": "geen duidelijk verloop",
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
        "fault.button": "knop vast",
        "fault.sound": "geluid werkt niet",
        "fault.slow": "apparaat te traag, adem en inhouden niet gemeten",
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


def left_text(lang: str, key: str = "left") -> str:
    """What a session the unit ended because it was left says: in its row, or on its
    chart (``left_chart``, shorter: the title beside it stays legible)."""
    from feedback.coach import LEFT_S

    return say(key, lang, minutes=short(LEFT_S / 60.0, lang))
