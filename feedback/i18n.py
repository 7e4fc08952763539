"""Every string the patient sees, one dict per language. Dutch is the default.

Keys are stable identifiers; a test checks that every key exists in every language.
Numbers are formatted here too, since Dutch writes a decimal comma.
"""

from __future__ import annotations

import math

STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "app": "Ademcoach",
        "idle.title": "Klaar om te beginnen",
        "idle.programme": "Programma",
        "idle.today": "Vandaag geoefend",
        "idle.of": "van",
        "idle.met": "doel gehaald",
        "idle.patient": "patiënt",
        "export.ok": "USB-stick: {sessions} sessies gekopieerd",
        "export.ok.one": "USB-stick: 1 sessie gekopieerd",
        "export.installed": "USB-stick: {sessions} sessies gekopieerd, nieuwe instellingen "
                            "overgenomen",
        "export.installed.one": "USB-stick: 1 sessie gekopieerd, nieuwe instellingen "
                                "overgenomen",
        "export.refused": "USB-stick: {sessions} sessies gekopieerd, instellingen niet overgenomen",
        "export.refused.one": "USB-stick: 1 sessie gekopieerd, instellingen niet overgenomen",
        "export.failed": "USB-stick: niets gekopieerd, probeer opnieuw",
        "export.failed.full": "USB-stick vol: niets gekopieerd; maak ruimte of neem een "
                              "andere stick",
        "export.failed.read-only": "USB-stick is beveiligd tegen schrijven: niets gekopieerd",
        "idle.press": "Druk op de startknop om te beginnen",
        "calibration.say": "Adem rustig in en uit",
        "calibration.wait": "Even meten hoe je ademt: houd je stil, praat niet",
        "calibration.none": "Nog geen ademhaling gemeten. Zit de band goed om?",
        "exercise.left": "nog {time}",
        "exercise.reps_left": "nog {n} ademhalingen",
        "exercise.reps_left.one": "nog 1 ademhaling",
        # (the far view: the number large, the word small after it)
        "exercise.reps_number": "nog {n}",
        "exercise.reps_number.one": "nog 1",
        "exercise.reps_word": "ademhalingen",
        "exercise.reps_word.one": "ademhaling",
        "exercise.rate": "adem/min",
        "exercise.ratio": "uit:in",
        "exercise.belly": "buik",
        "exercise.target": "doel",
        "phase.inhale": "Adem in",
        "phase.hold_in": "Korte pauze",
        "phase.exhale": "Adem uit",
        "phase.hold_out": "Rust",
        "phase.free": "Adem op je eigen tempo",
        "pause.title": "Pauze",
        "pause.press": "Druk op de startknop om verder te gaan",
        "next.ask": "Oefening overslaan? Druk nog een keer op volgende",
        "next.ask_last": "Sessie beëindigen? Druk nog een keer op volgende",
        "summary.title": "Goed gedaan!",
        "summary.title_left": "Sessie gestopt",
        "summary.exercise": "Oefening",
        "summary.minutes": "min",
        "summary.rate": "adem/min",
        "summary.ratio": "uit:in",
        "summary.belly": "buik",
        "summary.holds": "ingehouden",
        "summary.cues": "tips",
        "summary.in_sync": "in ritme",
        "summary.total": "Vandaag {minutes} van de {target} {target_unit} geoefend",
        "summary.total_met": "Vandaag {minutes} {minutes_unit} geoefend: doel van {target} "
                             "{target_unit} gehaald",
        "summary.total_yesterday": "Telt voor gisteren: {minutes} van de {target} "
                                   "{target_unit} geoefend",
        "summary.total_met_yesterday": "Telt voor gisteren: {minutes} {minutes_unit} "
                                       "geoefend, doel gehaald",
        "summary.total_earlier": "Deze sessie telt voor de dag waarop je begon",
        "summary.total_room": "Vandaag {minutes} {minutes_unit} geoefend",
        "summary.total_room_yesterday": "Telt voor gisteren: {minutes} {minutes_unit} "
                                        "geoefend",
        "summary.press": "Druk op de startknop om terug te gaan",
        "unit.minute": "minuut",
        "unit.minutes": "minuten",
        "sensor.title": "Controleer de band",
        "sensor.paused": "{exercise} (pauze)",
        "sensor.body": "De band meet niets bruikbaars. Zit hij goed om en is hij "
                       "aangesloten?",
        # (under the body while an exercise waits: not at start-up, before any session)
        "sensor.waits": "De oefening wacht zolang.",
        "sensor.disconnected": "band losgekoppeld",
        "sensor.saturated": "band zit te strak of te los",
        "sensor.flat": "geen beweging gemeten",
        "sensor.noisy": "onrustig signaal",
        "sensor.i2c": "meetchip reageert niet",
        "sensor.i2c_body": "Het ligt niet aan de band: het apparaat zelf meet niet en "
                           "probeert het steeds opnieuw. Blijft dit, zet het dan uit en weer "
                           "aan.",
        "sensor.partial": "Controleer de {belt} ({what}); de {other} meet verder",
        # (the far view: the same notice as a large head and the rest small under it)
        "sensor.partial_head": "Controleer de {belt}",
        "sensor.partial_detail": "{what}; de {other} meet verder",
        "belt.chest": "borstband",
        "belt.belly": "buikband",
        "unit.storage": "Opslaan lukt nu niet; laat het apparaat aan, dan worden je "
                        "metingen opgeslagen zodra het weer kan",
        "unit.led": "De ring werkt niet; volg het scherm",
        "unit.button": "Een knop blijft ingedrukt; laat hem los",
        "unit.sound": "Het geluid werkt niet; volg de ring en het scherm",
        "unit.slow": "Het apparaat is te traag om je adem te meten; oefen rustig door",
        "unit.display": "Geen scherm gevonden",
        "unit.detail": "Voor de technicus: {error}",
        "unit.title": "Storing in het apparaat",
        "unit.body": "Een onderdeel werkt niet. Neem contact op met je fysiotherapeut; het "
                     "apparaat probeert het steeds opnieuw.",
        "config.title": "Instellingen kloppen niet",
        "config.kept": "De vorige instellingen blijven gelden: je kunt gewoon oefenen. Laat dit "
                       "aan je fysiotherapeut zien.",
        "config.none": "Het apparaat start pas als het instellingenbestand klopt. Neem contact op "
                       "met je fysiotherapeut.",
        "config.line": "regel {line}",
        "config.more": "en nog {n} andere fouten",
        "config.more.one": "en nog 1 andere fout",
        "config.notice": "Nieuwe instellingen niet gebruikt: {problem}",
        "config.where": "fout in {where}; zie ademcoach check-config",
        "config.restart": "Herstart nodig voor: {keys}",
        "state.inhale": "inademen",
        "state.exhale": "uitademen",
        "state.hold": "adem ingehouden",
        "state.fault": "storing",
        "state.calibrating": "kalibreren",
        "status.summary": "Samenvatting na {seconds} s ({reason})",
        "end.duration": "ingestelde duur voorbij",
        "end.stopped": "gestopt",
        "end.closed": "venster gesloten",
        "end.interrupted": "onderbroken met Ctrl-C",
        "end.SIGTERM": "gestopt door het systeem",
        "end.programme finished": "programma klaar",
        "status.exercise": "{name}: {minutes} min, {rate} adem/min, uit:in {ratio}, "
                           "adem ingehouden {holds}x, tips {cues}, in ritme {in_sync}{belly}",
        "cue.longer_exhale": "Adem langer uit",
        "cue.slower": "Rustiger ademen",
        "cue.breathe_on": "Blijf ademen!",
        "cue.dont_force": "Niet forceren, adem rustig",
        "cue.belly": "Adem naar je buik",
        "cue.good": "Goed zo!",
        "cue.check_belt": "Controleer de band",
        "unit.s": "s",
        "unit.min": "min",
    },
    "en": {
        "app": "Breathing coach",
        "idle.title": "Ready to start",
        "idle.programme": "Programme",
        "idle.today": "Practised today",
        "idle.of": "of",
        "idle.met": "goal reached",
        "idle.patient": "patient",
        "export.ok": "USB stick: {sessions} sessions copied",
        "export.ok.one": "USB stick: 1 session copied",
        "export.installed": "USB stick: {sessions} sessions copied, new settings installed",
        "export.installed.one": "USB stick: 1 session copied, new settings installed",
        "export.refused": "USB stick: {sessions} sessions copied, settings not installed",
        "export.refused.one": "USB stick: 1 session copied, settings not installed",
        "export.failed": "USB stick: nothing copied, try again",
        "export.failed.full": "USB stick full: nothing copied; make room or use another stick",
        "export.failed.read-only": "USB stick is write-protected: nothing copied",
        "idle.press": "Press the start button to begin",
        "calibration.say": "Breathe in and out calmly",
        "calibration.wait": "Learning how you breathe: keep still, do not talk",
        "calibration.none": "No breathing measured yet. Is the belt on snugly?",
        "exercise.left": "{time} left",
        "exercise.reps_left": "{n} breaths left",
        "exercise.reps_left.one": "1 breath left",
        "exercise.reps_number": "{n}",
        "exercise.reps_number.one": "1",
        "exercise.reps_word": "breaths left",
        "exercise.reps_word.one": "breath left",
        "exercise.rate": "breaths/min",
        "exercise.ratio": "out:in",
        "exercise.belly": "belly",
        "exercise.target": "target",
        "phase.inhale": "Breathe in",
        "phase.hold_in": "Short pause",
        "phase.exhale": "Breathe out",
        "phase.hold_out": "Rest",
        "phase.free": "Breathe at your own pace",
        "pause.title": "Paused",
        "pause.press": "Press the start button to continue",
        "next.ask": "Skip this exercise? Press next again",
        "next.ask_last": "End the session? Press next again",
        "summary.title": "Well done!",
        "summary.title_left": "Session stopped",
        "summary.exercise": "Exercise",
        "summary.minutes": "min",
        "summary.rate": "breaths/min",
        "summary.ratio": "out:in",
        "summary.belly": "belly",
        "summary.holds": "holds",
        "summary.cues": "cues",
        "summary.in_sync": "in rhythm",
        "summary.total": "{minutes} of {target} {target_unit} practised today",
        "summary.total_met": "{minutes} {minutes_unit} practised today: goal of {target} "
                             "{target_unit} reached",
        "summary.total_yesterday": "Counts for yesterday: {minutes} of {target} "
                                   "{target_unit} practised",
        "summary.total_met_yesterday": "Counts for yesterday: {minutes} {minutes_unit} "
                                       "practised, goal reached",
        "summary.total_earlier": "This session counts for the day you began it",
        "summary.total_room": "{minutes} {minutes_unit} practised today",
        "summary.total_room_yesterday": "Counts for yesterday: {minutes} {minutes_unit} "
                                        "practised",
        "summary.press": "Press the start button to go back",
        "unit.minute": "minute",
        "unit.minutes": "minutes",
        "sensor.title": "Check the belt",
        "sensor.paused": "{exercise} (paused)",
        "sensor.body": "The breathing belt gives no usable signal. Is it on snugly and "
                       "plugged in?",
        "sensor.waits": "The exercise waits meanwhile.",
        "sensor.disconnected": "belt unplugged",
        "sensor.saturated": "belt too tight or too loose",
        "sensor.flat": "no movement measured",
        "sensor.noisy": "noisy signal",
        "sensor.i2c": "measuring chip does not respond",
        "sensor.i2c_body": "It is not the belt: the unit itself cannot measure and keeps "
                           "trying. If this stays, switch it off and on again.",
        "sensor.partial": "Check the {belt} ({what}); the {other} keeps measuring",
        "sensor.partial_head": "Check the {belt}",
        "sensor.partial_detail": "{what}; the {other} keeps measuring",
        "belt.chest": "chest belt",
        "belt.belly": "belly belt",
        "unit.storage": "Saving is not working right now; leave the unit on and your records are "
                        "saved as soon as it works again",
        "unit.led": "The LED ring is not working; follow the screen",
        "unit.button": "A button is stuck down; release it",
        "unit.sound": "Sound is not working; follow the ring and the screen",
        "unit.slow": "The unit is too slow to measure your breathing; keep practising calmly",
        "unit.display": "No screen found",
        "unit.detail": "For the technician: {error}",
        "unit.title": "The unit has a fault",
        "unit.body": "A part is not working. Contact your physiotherapist; the unit keeps "
                     "trying.",
        "config.title": "The settings are not right",
        "config.kept": "The previous settings stay in force: you can practise as usual. Show this "
                       "to your physiotherapist.",
        "config.none": "The unit starts once the settings file is right. Contact your "
                       "physiotherapist.",
        "config.line": "line {line}",
        "config.more": "and {n} more problems",
        "config.more.one": "and 1 more problem",
        "config.notice": "New settings not used: {problem}",
        "config.where": "error in {where}; see ademcoach check-config",
        "config.restart": "Restart needed for: {keys}",
        "state.inhale": "inhale",
        "state.exhale": "exhale",
        "state.hold": "holding",
        "state.fault": "fault",
        "state.calibrating": "calibrating",
        "status.summary": "Summary after {seconds} s ({reason})",
        "end.duration": "set duration over",
        "end.stopped": "stopped",
        "end.closed": "window closed",
        "end.SIGTERM": "stopped by the system",
        "end.interrupted": "interrupted with Ctrl-C",
        "end.programme finished": "programme finished",
        "status.exercise": "{name}: {minutes} min, {rate} breaths/min, out:in {ratio}, "
                           "breath held {holds}x, cues {cues}, in rhythm {in_sync}{belly}",
        "cue.longer_exhale": "Breathe out longer",
        "cue.slower": "Breathe more slowly",
        "cue.breathe_on": "Keep breathing!",
        "cue.dont_force": "Don't force it, breathe calmly",
        "cue.belly": "Breathe into your belly",
        "cue.good": "Good, keep it up!",
        "cue.check_belt": "Check the belt",
        "unit.s": "s",
        "unit.min": "min",
    },
}
LANGUAGES = tuple(STRINGS)


def text(key: str, lang: str = "nl", **fields) -> str:
    """The string ``key`` in ``lang`` (Dutch if the language is unknown), formatted."""
    table = STRINGS.get(lang, STRINGS["nl"])
    s = table.get(key) or STRINGS["nl"][key]
    return s.format(**fields) if fields else s


def counted(key: str, lang: str, count: int, **fields) -> str:
    """``text(key)`` for ``count`` things: its ``KEY.one`` form when ``count`` is 1 ("nog 1
    ademhaling", not "nog 1 ademhalingen")."""
    one = f"{key}.one"
    return text(one if count == 1 and one in STRINGS["nl"] else key, lang, **fields)


def minutes_word(shown: str, lang: str) -> str:
    """The word after minutes as shown ('1' -> "minuut", '2,5' -> "minuten")."""
    return text("unit.minute" if shown == "1" else "unit.minutes", lang)


def text_or(key: str, lang: str, fallback: str) -> str:
    """``text(key, lang)``, or ``fallback`` for a key no language has (a cue, belt or end
    reason without a screen text: its own name)."""
    return text(key, lang) if key in STRINGS["nl"] else fallback


def tenths_down(x: float) -> float:
    """Minutes rounded down to a tenth, as the screen and the report show a day's and a
    session's: a day just under its target never reads as the target (4.96 of 5 is 4.9,
    not 5.0)."""
    return math.floor(max(x, 0.0) * 10 + 1e-9) / 10


def number(x: float | None, lang: str = "nl", digits: int = 1) -> str:
    """``1.5`` as '1,5' in Dutch and '1.5' in English; '-' when unknown."""
    if x is None or x != x:
        return "-"
    s = f"{x:.{digits}f}"
    return s.replace(".", ",") if lang == "nl" else s


def clock(seconds: float) -> str:
    """Seconds as m:ss."""
    s = max(int(round(seconds)), 0)
    return f"{s // 60}:{s % 60:02d}"
