"""Every string the patient sees, one dict per language. Dutch is the default.

Keys are stable identifiers; a test checks that every key exists in every language.
Numbers are formatted here too, since Dutch writes a decimal comma.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "app": "Ademcoach",
        "idle.title": "Klaar om te beginnen",
        "idle.programme": "Programma",
        "idle.today": "Vandaag geoefend",
        "idle.of": "van",
        "idle.met": "doel gehaald",
        "export.ok": "USB-stick: {sessions} sessies gekopieerd",
        "export.refused": "USB-stick: {sessions} sessies gekopieerd, instellingen niet overgenomen",
        "export.failed": "USB-stick: niets gekopieerd, probeer opnieuw",
        "idle.press": "Druk op de knop om te starten",
        "calibration.title": "Kalibratie",
        "calibration.say": "Adem rustig in en uit",
        "calibration.wait": "Even meten hoe jij ademt",
        "exercise.left": "nog",
        "exercise.reps_left": "nog {n} keer",
        "exercise.rate": "adem/min",
        "exercise.ratio": "uit : in",
        "exercise.target": "doel",
        "phase.inhale": "Adem in",
        "phase.hold_in": "Even vasthouden",
        "phase.exhale": "Adem uit",
        "phase.hold_out": "Rust",
        "phase.free": "Adem in je eigen ritme",
        "pause.title": "Pauze",
        "pause.press": "Druk op de knop om verder te gaan",
        "summary.title": "Goed gedaan!",
        "summary.exercise": "Oefening",
        "summary.minutes": "min",
        "summary.rate": "adem/min",
        "summary.ratio": "uit:in",
        "summary.holds": "inhouden",
        "summary.cues": "tips",
        "summary.in_sync": "in ritme",
        "summary.total": "Vandaag {minutes} van de {target} minuten geoefend",
        "summary.total_met": "Vandaag {minutes} minuten geoefend: doel van {target} gehaald",
        "sensor.title": "Controleer de band",
        "sensor.body": "De ademband meet niets bruikbaars. Zit hij goed om en is hij "
                       "aangesloten?",
        "sensor.disconnected": "band losgekoppeld",
        "sensor.saturated": "band te strak of buiten bereik",
        "sensor.flat": "geen beweging gemeten",
        "sensor.noisy": "onrustig signaal",
        "sensor.i2c": "meetchip antwoordt niet",
        "unit.storage": "Opslaan lukt niet; de metingen worden bewaard tot het weer lukt",
        "unit.led": "De ledring werkt niet; volg het scherm",
        "unit.display": "Geen scherm gevonden",
        "config.title": "Instellingen kloppen niet",
        "config.kept": "De vorige instellingen blijven gelden.",
        "config.none": "Het apparaat kan niet starten tot het instellingenbestand klopt.",
        "config.line": "regel {line}",
        "config.more": "en nog {n} andere fout(en)",
        "config.notice": "Nieuwe instellingen niet gebruikt: {problem}",
        "config.restart": "Herstart nodig voor: {keys}",
        "state.inhale": "inademen",
        "state.exhale": "uitademen",
        "state.hold": "adem vast",
        "state.fault": "storing",
        "state.calibrating": "kalibreren",
        "status.summary": "Samenvatting na {seconds} s ({reason})",
        "end.duration": "ingestelde duur voorbij",
        "end.stopped": "gestopt",
        "end.closed": "venster gesloten",
        "end.SIGTERM": "gestopt door het systeem",
        "end.programme finished": "programma klaar",
        "status.exercise": "{name}: {minutes} min, {rate} adem/min, in:uit 1:{ratio}, "
                           "adem vastgehouden {holds}x, aanwijzingen {cues}",
        "cue.longer_exhale": "Adem langer uit",
        "cue.slower": "Rustiger ademen",
        "cue.breathe_on": "Blijf ademen!",
        "cue.dont_force": "Niet forceren, gewoon rustig",
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
        "export.ok": "USB stick: {sessions} sessions copied",
        "export.refused": "USB stick: {sessions} sessions copied, settings not installed",
        "export.failed": "USB stick: nothing copied, try again",
        "idle.press": "Press the button to start",
        "calibration.title": "Calibration",
        "calibration.say": "Breathe in and out calmly",
        "calibration.wait": "Learning how you breathe",
        "exercise.left": "left",
        "exercise.reps_left": "{n} more",
        "exercise.rate": "breaths/min",
        "exercise.ratio": "out : in",
        "exercise.target": "target",
        "phase.inhale": "Breathe in",
        "phase.hold_in": "Hold gently",
        "phase.exhale": "Breathe out",
        "phase.hold_out": "Rest",
        "phase.free": "Breathe at your own pace",
        "pause.title": "Paused",
        "pause.press": "Press the button to continue",
        "summary.title": "Well done!",
        "summary.exercise": "Exercise",
        "summary.minutes": "min",
        "summary.rate": "br/min",
        "summary.ratio": "out:in",
        "summary.holds": "holds",
        "summary.cues": "cues",
        "summary.in_sync": "in sync",
        "summary.total": "Today {minutes} of {target} minutes practised",
        "summary.total_met": "Today {minutes} minutes practised: {target}-minute goal reached",
        "sensor.title": "Check the belt",
        "sensor.body": "The breathing belt gives no usable signal. Is it on snugly and "
                       "plugged in?",
        "sensor.disconnected": "belt unplugged",
        "sensor.saturated": "belt too tight or out of range",
        "sensor.flat": "no movement measured",
        "sensor.noisy": "noisy signal",
        "sensor.i2c": "measuring chip does not answer",
        "unit.storage": "Saving fails; records are kept until it works again",
        "unit.led": "The LED ring is not working; follow the screen",
        "unit.display": "No screen found",
        "config.title": "Settings are not right",
        "config.kept": "The previous settings stay in force.",
        "config.none": "The unit cannot start until the settings file is right.",
        "config.line": "line {line}",
        "config.more": "and {n} more problem(s)",
        "config.notice": "New settings not used: {problem}",
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
        "end.programme finished": "programme finished",
        "status.exercise": "{name}: {minutes} min, {rate} breaths/min, in:out 1:{ratio}, "
                           "breath held {holds}x, cues {cues}",
        "cue.longer_exhale": "Breathe out longer",
        "cue.slower": "Breathe more slowly",
        "cue.breathe_on": "Keep breathing!",
        "cue.dont_force": "Don't force it, stay calm",
        "cue.belly": "Breathe into your belly",
        "cue.good": "Well done!",
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
