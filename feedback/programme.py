"""Exercise programmes: the clinic's four steps as a list of exercises in a TOML file.

A programme file (``config/programs/NAME.toml``) has a ``[programme]`` table with its
shown names and one ``[[exercise]]`` table per exercise. The main config's
``[programme] name`` picks the file. Files are checked with the same rules and the same
one-line messages as the main config, e.g.::

    clinic.toml:52: exercise[2].duration_s = -5: must be between 10 and 3600 seconds

Exercises are numbered from 1 in messages, in the order they appear in the file.
A programme file next to the config file (``<config dir>/programs``) wins over the
shipped one of the same name.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from feedback.analysis.analyzer import CAL_BREATHS
from feedback.config import (
    Settings,
    key_lines,
    parse_toml,
    parse_toml_text,
    unknown_section,
    validate_table,
)
from feedback.config_rules import (
    Bool,
    Choice,
    ConfigError,
    Float,
    Int,
    ListOf,
    Problem,
    Text,
    did_you_mean,
    show_value,
)
from feedback.config_schema import (
    CUE_SWITCHES,
    SCHEMA,
    min_rate_problem,
    pace_problem,
    rate_problem,
    rhythm_sum,
)
from feedback.events import EXERCISE_KINDS
from feedback.pacer import Pattern
from feedback.words import Say, both, decimal, say

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "programs"
# Home practice is what the home target ([patient] daily_minutes) is about (start screen,
# summary, report): every programme's sessions unless its file says ``home_practice =
# false`` (the shipped "clinic" and "analysis", in the treatment room). A file without the
# key is home practice, but for the key "clinic": its file and records from before the key
# were the treatment room's alone.
CLINIC = "clinic"
KINDS = EXERCISE_KINDS

# One line of text, without tabs or other control characters (a NUL ended up in reports;
# U+2028 from a word processor's paste is taken, as it always was).
_LINE = r"[^\x00-\x1f\x7f-\x9f]"
_NAME = Say("must be a name of 1 to 60 characters on one line (no tabs, not only spaces)",
            "moet een naam van 1 tot 60 tekens op één regel zijn (geen tabs, niet alleen "
            "spaties)")
_NAMED = r"(?=.*[^ ])" + _LINE + "{1,60}"  # (a name of spaces was a blank title on screen)
_HINT = Say("must be one line of at most 120 characters (no tabs)",
            "moet één regel van hoogstens 120 tekens zijn (geen tabs)")
HEAD_SCHEMA = {
    "name_nl": Text("", pattern=_NAMED, explain=_NAME, longest=60),
    "name_en": Text("", pattern=_NAMED, explain=_NAME, longest=60),
    "home_practice": Bool(True),  # (optional: see CLINIC above)
}
_HEAD_OPTIONAL = ("home_practice",)

EXERCISE_SCHEMA = {
    "id": Text("", pattern=r"[a-z0-9_]{1,30}",
               explain=Say("must be a short id of lower-case letters, digits and _",
                           "moet een korte id van kleine letters, cijfers en _ zijn")),
    "name_nl": Text("", pattern=_NAMED, explain=_NAME, longest=60),
    "name_en": Text("", pattern=_NAMED, explain=_NAME, longest=60),
    "hint_nl": Text("", pattern=_LINE + "{0,120}", explain=_HINT, longest=120),
    "hint_en": Text("", pattern=_LINE + "{0,120}", explain=_HINT, longest=120),
    "kind": Choice("breathing", choices=KINDS),
    "duration_s": Float(0.0, lo=10.0, hi=3600.0, unit="seconds"),
    "repetitions": Int(0, lo=1, hi=200, unit="breaths"),
    "pacer": Choice("config", choices=("config", "fixed", "adaptive", "off")),
    "inhale_s": Float(0.0, lo=1.0, hi=10.0, unit="seconds"),
    "hold_in_s": Float(-1.0, lo=0.0, hi=5.0, unit="seconds"),
    "exhale_s": Float(0.0, lo=2.0, hi=20.0, unit="seconds"),
    "hold_out_s": Float(-1.0, lo=0.0, hi=10.0, unit="seconds"),
    "start_ratio": Float(-1.0, lo=0.0, hi=4.0),
    "progress_s": Float(0.0, lo=10.0, hi=1800.0, unit="seconds"),
    "cues": ListOf(None, item=Choice("", choices=CUE_SWITCHES)),
    "hold_after_s": Float(0.0, lo=2.0, hi=15.0, unit="seconds"),
    "hold_warnings": Bool(True),
    "slower_above_bpm": Float(0.0, lo=6.0, hi=40.0, unit="breaths/min"),
}
# A calibration learns the patient's normal breath: unless it says otherwise it gives no
# cue but the belt check (the others judge against that normal) and no hold warning,
# and it runs at least as long as three breaths at 6/min, or three breaths.
CALIBRATION_CUES = ("check_belt",)
CALIBRATION_MIN_S = 30.0
CALIBRATION_MIN_BREATHS = CAL_BREATHS  # the analysis learns the normal breath on these
# The main config's [pacer] keys an exercise cannot set that its own adaptive pacer takes.
_ADAPTIVE_ONLY = ("min_rate_bpm", "max_exhale_s", "step_s", "target_rate_bpm", "target_ratio")
# Keys whose default means "not given here: use the main config".
_UNSET = {"duration_s": 0.0, "repetitions": 0, "inhale_s": 0.0, "hold_in_s": -1.0,
          "exhale_s": 0.0, "hold_out_s": -1.0, "start_ratio": -1.0, "progress_s": 0.0,
          "cues": None, "hold_after_s": 0.0, "slower_above_bpm": 0.0}


# The cues of a movement or load exercise that does not list its own (ExerciseSpec.cue_on).
MOVING_CUES = ("breathe_on", "slower", "check_belt")


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise as the coach uses it. ``None`` fields fall back to the main config."""

    id: str
    name_nl: str
    name_en: str
    kind: str
    duration_s: float | None
    repetitions: int | None
    pacer: str
    hint_nl: str = ""
    hint_en: str = ""
    inhale_s: float | None = None
    hold_in_s: float | None = None
    exhale_s: float | None = None
    hold_out_s: float | None = None
    start_ratio: float | None = None
    progress_s: float | None = None
    cues: tuple[str, ...] | None = None
    hold_after_s: float | None = None
    hold_warnings: bool = True
    # The "slower" cue's rate limit here (None: [cues] slower_above_bpm): stairs and
    # brisk walking raise the rate of a patient who breathes well.
    slower_above_bpm: float | None = None

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_nl

    def hint(self, lang: str) -> str:
        return self.hint_en if lang == "en" else self.hint_nl

    def pacer_mode(self, pacer) -> str:
        """How the pacer runs in this exercise ('fixed', 'adaptive', 'off'); ``pacer`` is
        the main config's ``[pacer]``. A calibration has none."""
        mode = pacer["mode"] if self.pacer == "config" else self.pacer
        return "off" if self.kind == "calibration" else mode

    def pattern(self, pacer) -> Pattern:
        """This exercise's rhythm: its own times, the rest from the main ``[pacer]``."""
        p = pacer
        hin = self.hold_in_s if self.hold_in_s is not None else p["hold_in_s"]
        hout = self.hold_out_s if self.hold_out_s is not None else p["hold_out_s"]
        if self.inhale_s is None and self.exhale_s is None and p["pattern"] == "rate":
            return Pattern.from_rate(p["rate_bpm"], p["ratio"], hin, hout)
        inhale = self.inhale_s if self.inhale_s is not None else p["inhale_s"]
        exhale = self.exhale_s if self.exhale_s is not None else p["exhale_s"]
        return Pattern(inhale, hin, exhale, hout)

    @property
    def moving(self) -> bool:
        """A movement or load exercise: the trunk moves, and a held breath is bracing."""
        return self.kind in ("movement", "load")

    def cue_on(self, kind: str) -> bool:
        """Is this cue active in this exercise? (The main config can still switch it off.)

        Left to their kind, movement and load exercises give only MOVING_CUES: no praise
        ("good"), since a breath held during a squat or a lift is not always seen
        (docs/analysis.md) and "Goed zo!" could praise the very bracing the exercise is
        about; and none of the cues that judge a breath's shape (``dont_force``,
        ``longer_exhale``, ``belly``), since the trunk's movement reads as breaths 1.6-3.4
        x deep and bends the ratio and the share: a calm patient squatting every 6 s was
        told "Niet forceren" 1-3 times in 4 min. A programme can list them."""
        if kind == "breathe_on" and not self.hold_warnings:
            return False
        if self.cues is None:
            return kind in MOVING_CUES if self.moving else True
        return kind in self.cues


@dataclass(frozen=True)
class Programme:
    key: str
    name_nl: str
    name_en: str
    exercises: tuple[ExerciseSpec, ...]
    source: str = ""
    home: bool = True  # home practice: the home target is about its sessions


    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_nl


@functools.lru_cache(maxsize=64)
def home_practice(key: str, text: str | None) -> bool:
    """Was a session of programme ``key`` home practice? ``text`` is the programme file
    it ran with as its record keeps it (None in records made before that was kept)."""
    try:
        value = tomllib.loads(text or "").get("programme", {}).get("home_practice")
    except (tomllib.TOMLDecodeError, AttributeError):
        value = None
    return value if isinstance(value, bool) else key != CLINIC


def available(config_dir: Path | None = None) -> list[str]:
    """Programme names that can be chosen (shipped and next to the config file)."""
    found = list(SHIPPED.glob("*.toml"))
    if config_dir and (config_dir / "programs").is_dir():
        found += (config_dir / "programs").glob("*.toml")
    return sorted({p.stem for p in found if p.is_file()})


def find(name: str, config_dir: Path | None = None) -> Path | None:
    """The file of programme ``name``: next to the config, else shipped; None if neither
    has it. A folder that cannot be looked in (no permission), or a ``NAME.toml`` that is
    not a file, is a ConfigError: which programme is meant cannot be known then."""
    for base in ([config_dir / "programs"] if config_dir else []) + [SHIPPED]:
        p = base / f"{name}.toml"
        try:
            st = os.stat(p)
        except (FileNotFoundError, NotADirectoryError):
            if os.path.islink(p):  # (said "no such programme" while the file is right there)
                raise ConfigError([Problem(os.fspath(p), None, say(
                    "is a link to {to}, which is not there", "is een koppeling naar {to}, "
                    "dat er niet is", to=os.readlink(p)))]) from None
            continue
        except OSError as exc:
            raise ConfigError([Problem(os.fspath(base), None,
                                       say("cannot look for programme {n} here: {why}",
                                           "kan hier niet naar programma {n} zoeken: {why}",
                                           n=repr(name), why=exc.strerror))]) from None
        if not stat.S_ISREG(st.st_mode):
            said = (Say("is a directory, not a programme file", "is een map, geen "
                        "programmabestand") if stat.S_ISDIR(st.st_mode) else
                    Say("is not a regular file, not a programme file", "is geen gewoon "
                        "bestand en dus geen programmabestand"))
            raise ConfigError([Problem(os.fspath(p), None, said)])
        return p
    return None


def _exercise_lines(text: str) -> dict:
    """Line numbers per (``exercise[i]``, key), counting ``[[exercise]]`` from 1."""
    lines: dict = {}
    section, n_ex = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*\[\[\s*exercise\s*\]\]", raw):
            n_ex += 1
            section = f"exercise[{n_ex}]"
            lines[(section, None)] = n
            continue
        m = re.match(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]", raw)
        if m:
            section = m.group(1)
            lines.setdefault((section, None), n)
            continue
        m = re.match(r"^\s*([A-Za-z0-9_\-]+)\s*=", raw)
        if m:
            lines.setdefault((section, m.group(1)), n)
    return lines


def load_programme(path, key: str | None = None) -> Programme:
    """Read and check a programme file. Raises ConfigError listing every problem."""
    path = os.fspath(path)
    data, text = parse_toml(path)
    return _programme(data, text, path, key)


def programme_from_text(text: str, path: str, key: str | None = None) -> Programme:
    """A programme from its text (as a session's record keeps it), checked as a file."""
    data, text = parse_toml_text(text, path)
    return _programme(data, text, path, key)


def _programme(data: dict, text: str, path: str, key: str | None) -> Programme:
    programme, _numbers, problems = _read(data, text, path, key)
    if problems:
        raise ConfigError(problems)
    return programme


def _read(data: dict, text: str, path: str,
          key: str | None) -> tuple[Programme, list[int], list[Problem]]:
    """The programme with the exercises that passed their checks, their numbers in the
    file (from 1), and every problem found (the exercises with none can then be checked
    for their pacing in the same pass)."""
    lines = _exercise_lines(text)
    lines.update({k: v for k, v in key_lines(text).items() if k[0] != "exercise"})
    problems: list[Problem] = []
    for name in data:
        if name not in ("programme", "exercise"):
            problems.append(Problem(path, lines.get((name, None)) or lines.get(("", name)),
                                    unknown_section(name, ["programme", "exercise"])))
    head = data.get("programme", {})
    shaped = isinstance(head, dict)
    if not shaped:  # (``[[programme]]`` was told its names were missing, under them)
        problems.append(Problem(path, lines.get(("", "programme"))
                                or lines.get(("programme", None)),
                                Say("programme: must be one section [programme], with one "
                                    "bracket", "programme: moet één sectie [programme] zijn, "
                                    "met één haak")))
        head = {}
    head_vals, found = validate_table(head, HEAD_SCHEMA, path, lines, "programme")
    problems += found
    for k in HEAD_SCHEMA:
        if shaped and k not in head and k not in _HEAD_OPTIONAL:
            problems.append(Problem(path, lines.get(("programme", None)),
                                    say("programme.{k}: missing; give the programme's shown "
                                        "name", "programme.{k}: ontbreekt; geef de naam die "
                                        "het scherm voor het programma toont", k=k)))
    raw = data.get("exercise", [])
    if isinstance(raw, dict):  # ([exercise] with one bracket: said as "no exercises")
        problems.append(Problem(path, lines.get(("exercise", None)), Say(
            "[exercise]: write [[exercise]], with two brackets, for each exercise",
            "[exercise]: schrijf voor elke oefening [[exercise]], met twee haken")))
        raw = []
    elif not isinstance(raw, list) or not raw:
        problems.append(Problem(path, None, Say(
            "no [[exercise]] tables: a programme needs at least one exercise",
            "geen [[exercise]]-tabellen: een programma heeft minstens één oefening nodig")))
        raw = []
    exercises, numbers, ids = [], [], set()
    for i, table in enumerate(raw, 1):
        label = f"exercise[{i}]"
        if not isinstance(table, dict):
            problems.append(Problem(path, None, say("{label}: must be an [[exercise]] table",
                                                    "{label}: moet een [[exercise]]-tabel zijn",
                                                    label=label)))
            continue
        # A key of the main config's [pacer] that an exercise cannot set (its rhythm is in
        # seconds; rate and ratio, and the adaptive limits and targets, are the main
        # config's): said so, where "unknown key; did you mean 'duration_s'?" was said for
        # ``ratio = 2`` in an exercise.
        pacer_only = [k for k in table if k in SCHEMA["pacer"] and k not in EXERCISE_SCHEMA]
        for k in pacer_only:
            at = lines.get((label, k)) or lines.get((label, None))
            if k == "mode":
                said = say("{label}.mode: an exercise sets its pacer with pacer = \"fixed\", "
                           "\"adaptive\", \"off\" or \"config\"",
                           "{label}.mode: een oefening kiest haar ademgids met pacer = "
                           "\"fixed\", \"adaptive\", \"off\" of \"config\"", label=label)
            else:
                adaptive = k in _ADAPTIVE_ONLY
                said = say(
                    "{label}.{k}: not an exercise's key: an exercise gives its rhythm in "
                    "seconds (inhale_s, hold_in_s, exhale_s, hold_out_s, start_ratio, "
                    "progress_s); {k} is set in [pacer] of the main config, for every "
                    "exercise with pacer = {m_en}",
                    "{label}.{k}: geen instelling van een oefening: een oefening geeft haar "
                    "ritme in seconden (inhale_s, hold_in_s, exhale_s, hold_out_s, "
                    "start_ratio, progress_s); {k} staat in [pacer] van het hoofdbestand, "
                    "voor elke oefening met pacer = {m_nl}", label=label, k=k,
                    m_en='"config" or "adaptive"' if adaptive else '"config"',
                    m_nl='"config" of "adaptive"' if adaptive else '"config"')
            problems.append(Problem(path, at, said))
        vals, found = validate_table({k: v for k, v in table.items() if k not in pacer_only},
                                     EXERCISE_SCHEMA, path, lines, label)
        problems += found
        at = lines.get((label, None))
        for k in ("id", "name_nl", "name_en"):
            if k not in table:
                problems.append(Problem(path, at, say("{k}: missing", "{k}: ontbreekt",
                                                      k=f"{label}.{k}")))
        has_d, has_r = "duration_s" in table, "repetitions" in table
        if has_d and has_r:  # (at the second given: both were said at [[exercise]])
            first, second = sorted(("duration_s", "repetitions"),
                                   key=lambda k: lines.get((label, k)) or 0)
            problems.append(Problem(path, lines.get((label, second)) or at, say(
                "{k} = {v}: give either duration_s or repetitions (one of the two), not "
                "both: {o} = {w} is given too",
                "{k} = {v}: geef duration_s of repetitions (één van de twee), niet allebei: "
                "{o} = {w} staat er ook", k=f"{label}.{second}", v=show_value(table[second]),
                o=first, w=show_value(table[first]))))
        elif not has_d and not has_r:
            problems.append(Problem(path, at, say(
                "{label}: give either duration_s or repetitions (one of the two): neither is "
                "given", "{label}: geef duration_s of repetitions (één van de twee): geen van "
                "beide staat er", label=label)))
        if vals["id"] and vals["id"] in ids:
            problems.append(Problem(path, lines.get((label, "id")),
                                    say("{label}.id = {id}: used twice",
                                        "{label}.id = {id}: komt twee keer voor", label=label,
                                        id=repr(vals["id"]))))
        ids.add(vals["id"])
        if found:
            continue
        got = {k: (None if k in _UNSET and vals[k] == _UNSET[k] else vals[k])
               for k in EXERCISE_SCHEMA}
        if got["kind"] == "calibration":  # it learns the normal breath: nothing to judge
            # A shorter cap than the breaths it measures on ended it before the breath was
            # measured; it runs at least that long (and ends sooner once it is measured).
            # Raised, not refused: programmes written before must keep the unit running.
            if got["duration_s"] is not None:
                got["duration_s"] = max(got["duration_s"], CALIBRATION_MIN_S)
            if got["repetitions"] is not None:
                got["repetitions"] = max(got["repetitions"], CALIBRATION_MIN_BREATHS)
            # (unless asked: hold_warnings = true, or breathe_on among its cues)
            got["hold_warnings"] = table.get("hold_warnings",
                                             "breathe_on" in (got["cues"] or ()))
            if "cues" not in table:  # (a hold warning asked for comes with its cue)
                got["cues"] = CALIBRATION_CUES + (("breathe_on",) if got["hold_warnings"]
                                                  else ())
        if got["cues"] is not None:
            got["cues"] = tuple(got["cues"])
        exercises.append(ExerciseSpec(**got))
        numbers.append(i)
    key = key or Path(path).stem
    home = head_vals["home_practice"] if "home_practice" in head else key != CLINIC
    return (Programme(key, head_vals["name_nl"], head_vals["name_en"], tuple(exercises), path,
                      home), numbers, problems)


def programme_for(settings: Settings) -> Programme:
    """The programme the config chooses. An unknown name is a problem in the config file."""
    name = settings.programme.name
    config_dir = Path(settings.source).parent if settings.source else None
    path = find(name, config_dir)
    if path is None:
        line = None
        if settings.source and os.path.isfile(settings.source):
            with open(settings.source, encoding="utf-8") as fh:
                line = key_lines(fh.read()).get(("programme", "name"))
        have = available(config_dir)
        raise ConfigError([Problem(
            settings.source or "<config>", line,
            say("programme.name = {n}: no such programme; available: {have}{hint}",
                "programme.name = {n}: dit programma bestaat niet; te kiezen: {have}{hint}",
                n=repr(name), have=", ".join(repr(h) for h in have),
                hint=did_you_mean(name, have) or _where_own(name, config_dir, settings.source)))])
    data, text = parse_toml(os.fspath(path))
    programme, numbers, problems = _read(data, text, os.fspath(path), name)
    # (the pacing of the exercises whose keys are right, in the same pass: a typo in one
    # exercise hid the others' pacing problems until it was fixed)
    problems += pacing_problems(settings, programme, numbers)
    if problems:
        problems.sort(key=lambda q: (q.path != programme.source, q.line or 0))
        raise ConfigError(problems)
    return programme


def problems_beside(config_path) -> list[Problem]:
    """The problems of the programme file a config that does not load chooses, as far as
    the file alone can tell (its pacing needs the config's [pacer]): said with the config's,
    so that a slip in each file is not said one after the other. None where the name
    cannot be read from the config."""
    try:
        data, _text = parse_toml(config_path)
    except ConfigError:
        return []
    head = data.get("programme", {})
    name = head.get("name", SCHEMA["programme"]["name"].default) if isinstance(
        head, dict) else None
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_-]{1,40}", name):
        return []
    try:
        path = find(name, Path(os.fspath(config_path)).parent)
        if path is not None:
            load_programme(path, name)
    except ConfigError as exc:
        return exc.problems
    return []


def _where_own(name: str, config_dir: Path | None, source: str | None) -> Say | str:
    """Where the therapist's own programme ``name`` goes, beside the config file, and a
    file of that name found where programmes are not looked for (beside the config itself,
    or in another folder there: ``program/``, ``Programs/``), to be moved."""
    if config_dir is None:
        return ""
    goes = config_dir / "programs" / f"{name}.toml"
    try:
        near = [p for p in [config_dir / f"{name}.toml", *sorted(config_dir.glob(
                f"*/{name}.toml"))] if p.is_file() and p != goes and os.fspath(p) != source]
    except OSError:
        near = []
    if near:
        return say("; {p} is not where programmes are looked for: move it to {goes}",
                   "; {p} staat niet waar programma's gezocht worden: verplaats het naar "
                   "{goes}", p=os.fspath(near[0]), goes=os.fspath(goes))
    return say("; a programme of your own goes in {goes}",
               "; een eigen programma hoort in {goes}", goes=os.fspath(goes))


def _config_line(settings: Settings, key: str) -> int | None:
    """The line of ``[pacer] key`` in the main config file (None if it cannot be read)."""
    try:
        with open(settings.source, encoding="utf-8") as fh:
            return key_lines(fh.read()).get(("pacer", key))
    except (OSError, TypeError, ValueError):
        return None


def pacing_problems(settings: Settings, programme: Programme,
                    numbers: list[int] | None = None) -> list[Problem]:
    """The rhythm each paced exercise will run, from its own times and the main config's
    (the main config's own rhythm is checked with the config): not slower than the
    slowest pacer rate, and an adaptive pacer's exhale within ``pacer.max_exhale_s``.
    ``numbers``: each exercise's number in the file, where some were left out."""
    path = programme.source
    try:
        with open(path, encoding="utf-8") as fh:
            lines = _exercise_lines(fh.read())
    except OSError:
        lines = {}
    pacer = settings.pacer
    out = []
    numbers = numbers if numbers is not None else range(1, len(programme.exercises) + 1)
    for i, ex in zip(numbers, programme.exercises, strict=True):
        mode = ex.pacer_mode(pacer)
        label = f"exercise[{i}]"
        own = [k for k in ("inhale_s", "hold_in_s", "exhale_s", "hold_out_s")
               if getattr(ex, k) is not None]
        ramp = [k for k in ("start_ratio", "progress_s") if getattr(ex, k) is not None]
        # Keys that can never act in this exercise (not ones a pacer = "config" exercise
        # keeps for when the main config's mode changes).
        mine = "calibration" if ex.kind == "calibration" else ex.pacer
        why = {"calibration": Say("a calibration has no pacer",
                                  "een kalibratie heeft geen ademgids"),
               "off": Say("its pacer is off", "de ademgids staat uit"),
               "adaptive": Say("only a fixed pacer has a progression (an adaptive one finds "
                               "its own way)", "alleen een vaste ademgids heeft een opbouw (een "
                               "adaptieve zoekt zelf de weg)")}.get(mine)
        for k in (own + ramp if mine in ("calibration", "off") else
                  ramp if mine == "adaptive" else []):
            out.append(Problem(path, lines.get((label, k)),
                               say("{k}: has no effect here: {why}; leave it out",
                                   "{k}: werkt hier niet: {why}; laat het weg",
                                   k=f"{label}.{k}", why=why)))
        if mode == "off":
            continue
        at = lines.get((label, own[-1] if own else None)) or lines.get((label, None))
        p = ex.pattern(pacer)
        by_rate = ex.inhale_s is None and ex.exhale_s is None and pacer["pattern"] == "rate"
        if by_rate:
            problem = rate_problem(pacer["rate_bpm"], pacer["ratio"], p.hold_in_s,
                                   p.hold_out_s)
        else:
            problem = pace_problem(p.inhale_s, p.hold_in_s, p.exhale_s, p.hold_out_s)
        if own and problem:
            out.append(Problem(path, at, both("{label}: {p}", label=label, p=problem)))
        start = ex.start_ratio if ex.start_ratio is not None else pacer["start_ratio"]
        over = ex.progress_s if ex.progress_s is not None else pacer["progress_s"]
        if mode == "fixed" and start and ex.duration_s and over > ex.duration_s and ramp:
            out.append(Problem(
                path, lines.get((label, "progress_s")) or lines.get((label, "start_ratio"))
                or at, say("{label}: its progression takes {over} s (progress_s), longer than "
                           "the exercise's {d} s: the pacer would never reach its "
                           "exhale:inhale of {r}; give a shorter progress_s",
                           "{label}: de opbouw duurt {over} s (progress_s), langer dan de "
                           "oefening van {d} s: de ademgids zou uit:in {r} nooit halen; geef "
                           "een kortere progress_s", label=label, over=decimal(f"{over:g}"),
                           d=decimal(f"{ex.duration_s:g}"), r=decimal(f"{p.ratio:.2f}"))))
        if mode == "fixed" and start and (own or ramp) and not problem:
            problem = rate_problem(60.0 / p.period, start, p.hold_in_s, p.hold_out_s)
            if problem and ex.start_ratio is None:  # the config's start, this rhythm
                out.append(Problem(settings.source or path, _config_line(settings,
                                                                         "start_ratio"),
                                   say("pacer.start_ratio = {s}: with the rhythm of {label} "
                                       "in {f}, its progression would start at {p}",
                                       "pacer.start_ratio = {s}: met het ritme van {label} "
                                       "in {f} zou de opbouw beginnen bij {p}", s=f"{start:g}",
                                       label=label, f=Path(path).name, p=problem)))
            elif problem:
                out.append(Problem(path, lines.get((label, "start_ratio")) or at,
                                   say("{label}: a progression from exhale:inhale {s} would "
                                       "start at {p}", "{label}: een opbouw vanaf uit:in {s} "
                                       "zou beginnen bij {p}", label=label,
                                       s=decimal(f"{start:g}"), p=problem)))
        if mode == "adaptive" and (own or pacer["mode"] != "adaptive"):
            problem = min_rate_problem(pacer["min_rate_bpm"], p.inhale_s, p.hold_in_s,
                                       p.exhale_s, p.hold_out_s)
            if problem:
                out.append(Problem(path, at, say(
                    "{label}: its adaptive pacer starts from {start}: {p}",
                    "{label}: de adaptieve ademgids begint met {start}: {p}", label=label,
                    start=rhythm_sum(p.inhale_s, p.hold_in_s, p.exhale_s, p.hold_out_s),
                    p=problem)))
        if mode == "adaptive" and p.exhale_s > pacer["max_exhale_s"] and (
                ex.exhale_s is not None or pacer["mode"] != "adaptive"):
            out.append(Problem(path, lines.get((label, "exhale_s")) or at,
                               say("{label}: an adaptive pacer's exhale of {e} s is longer "
                                   "than pacer.max_exhale_s = {m}", "{label}: de uitademing "
                                   "van {e} s is te lang voor een adaptieve ademgids: "
                                   "pacer.max_exhale_s = {m}", label=label,
                                   e=decimal(f"{p.exhale_s:g}"),
                                   m=f"{pacer['max_exhale_s']:g}")))
    out.sort(key=lambda q: (q.path != path, q.line or 0))  # in the order of the files
    return out
