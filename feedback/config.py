"""The therapist's config file: a declarative schema and a validator.

Every key has a rule (type, range, choices) and a default. ``load_config`` reads a TOML
file, checks every key in one pass and raises ``ConfigError`` carrying *all* problems,
each a one-line message naming the file, line, section and key and stating the rule::

    ademcoach.toml:80: pacer.exhale_s = 40: must be between 2 and 20 seconds

Unknown sections and keys are rejected with a "did you mean ...?" hint. Keys that are
missing take their defaults, so a therapist's file can be short. The same machinery
validates exercise programmes (``validate_table``).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from typing import Any

from feedback.errors import BadInput
from feedback.pacer import EXHALE_MIN_S, INHALE_MIN_S  # the least inhale_s and exhale_s
from feedback.words import Say, both, decimal, dutch, plural, say, toml_words, unit


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a config file."""

    path: str
    line: int | None
    message: str  # English; a ``words.Say`` also carries its Dutch

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ConfigError(BadInput):
    """A config file has problems. ``str()`` is the first; ``problems`` holds them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "config error"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


# --- rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A key's type and limits. ``check`` returns (value, None) or (None, rule text)."""

    default: Any
    help: str = ""

    def check(self, value):  # pragma: no cover - abstract
        raise NotImplementedError

    def show(self, value) -> str:
        """``value`` as a message says it: text quoted, numbers and booleans as in TOML."""
        return repr(value) if isinstance(value, str) else _show(value)


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Float(Rule):
    lo: float = float("-inf")
    hi: float = float("inf")
    unit: str = ""

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, say("must be a number {r}{q}", "moet een getal {r} zijn{q}",
                             r=_between(self.lo, self.hi, self.unit), q=_unquoted(value, "number"))
        if not self.lo <= value <= self.hi:
            return None, say("must be {r}", "moet {r} liggen",
                             r=_between(self.lo, self.hi, self.unit))
        return float(value), None


def _unquoted(value, kind: str) -> Say | str:
    """For a value of the key's ``kind`` ("number", "whole" or "switch") given as text
    ('8', "8,5", "true", "ja", "aan"): how to write it without the quotes (', without
    quotes: write 8'); else nothing (a number key's "ja" is not to be written true, nor a
    switch's "8" as 8)."""
    if not isinstance(value, str):
        return ""
    word = value.strip().lower()
    if kind == "switch" and word in _YES + _NO + _ON + _OFF:
        written = "true" if word in _YES + _ON else "false"
    elif kind == "number" and re.fullmatch(r"[-+]?\d+([.,]\d+)?", word):
        written = word.replace(",", ".")
    elif kind == "whole" and re.fullmatch(r"[-+]?\d+", word):
        written = word
    else:
        return ""
    return say(", without quotes: write {w}", ", zonder aanhalingstekens: schrijf {w}",
               w=written)


def _between(lo, hi, unit_name: str) -> Say:
    """'between 2 and 20 seconds' in both languages."""
    return say("between {lo} and {hi}{unit}", "tussen {lo} en {hi}{unit}", lo=_fmt(lo),
               hi=_fmt(hi), unit=both(" {u}", u=unit(unit_name)) if unit_name else "")


@dataclass(frozen=True)
class Int(Rule):
    lo: int = -(2**63)
    hi: int = 2**63
    unit: str = ""

    def check(self, value):
        between = _between(self.lo, self.hi, self.unit)
        if isinstance(value, bool) or not isinstance(value, int):
            return None, say("must be a whole number {r}{q}", "moet een geheel getal {r} zijn{q}",
                             r=between, q=_unquoted(value, "whole"))
        if not self.lo <= value <= self.hi:
            return None, say("must be {r}", "moet {r} liggen", r=between)
        return value, None


@dataclass(frozen=True)
class Bool(Rule):
    def check(self, value):
        if not isinstance(value, bool):
            return None, say("must be true or false{q}", "moet true of false zijn{q}",
                             q=_unquoted(value, "switch"))
        return value, None


@dataclass(frozen=True)
class Choice(Rule):
    choices: tuple = ()
    hex: bool = False  # say the numbers as 0x48 (I2C addresses)
    why: str = ""  # a words.Say: why these are the only choices, said after the rule

    def check(self, value):
        # (of the same type: 72.0 equals 0x48 but is no I2C address, and was taken)
        if not any(type(value) is type(c) and value == c for c in self.choices):
            listed = ", ".join(self.show(c) for c in self.choices)
            if len(self.choices) == 1:
                rule = say("must be {listed}", "moet {listed} zijn", listed=listed)
            else:
                rule = say("must be one of {listed}", "moet een van deze zijn: {listed}",
                           listed=listed)
            if isinstance(value, float) and value in self.choices:  # 1.0 for 1
                return None, say("must be a whole number: {listed}",
                                 "moet een geheel getal zijn: {listed}", listed=listed
                                 if len(self.choices) == 1 else say("one of {listed}",
                                                                    "een van {listed}",
                                                                    listed=listed))
            if self.why:
                rule = both("{rule}: {why}", rule=rule, why=self.why)
            elif isinstance(value, str) and all(isinstance(c, str) for c in self.choices) \
                    and (hint := _hint(value, self.choices)):
                rule = both("{rule}{hint}", rule=rule, hint=hint)  # ('slowr', 'adaptief')
            return None, rule
        return value, None

    def show(self, value) -> str:
        if self.hex and isinstance(value, int) and not isinstance(value, bool):
            return f"0x{value:02x}"
        return super().show(value)


@dataclass(frozen=True)
class OneOrEach(Rule):
    """One value for all, or a list with one per item (``ListOf`` of ``item``)."""

    item: Rule = field(default_factory=lambda: Text(default=""))
    max_len: int = 2

    def check(self, value):
        if not isinstance(value, list):
            return self.item.check(value)
        return ListOf(self.default, item=self.item, min_len=1, max_len=self.max_len).check(value)


@dataclass(frozen=True)
class Text(Rule):
    pattern: str = r".*"
    explain: str = ""  # a words.Say, so the screen can say it in Dutch
    longest: int = 0  # the most characters the pattern takes (0: no such limit to say)
    # Never repeated in a problem: the patient code, where a name may have been typed by
    # mistake (problems go to the journal, which no wipe reaches, and onto the screen).
    private: bool = False

    def check(self, value):
        if not isinstance(value, str):
            return None, Say("must be text in quotes", "moet tekst tussen aanhalingstekens zijn")
        if not re.fullmatch(self.pattern, value):
            why = self.explain or say("must match {p}", "moet passen bij {p}", p=self.pattern)
            if self.longest and len(value) > self.longest:  # (the value is cut in the
                # message: a name one character too long did not say by how much)
                why = say("{why} (it has {n})", "{why} (het zijn er {n})", why=why,
                          n=len(value))
            return None, why
        return value, None


@dataclass(frozen=True)
class ListOf(Rule):
    item: Rule = field(default_factory=lambda: Text(default=""))
    min_len: int = 0
    max_len: int = 1000

    def check(self, value):
        if not isinstance(value, list):
            example = f'["{value}"]' if isinstance(value, str) else "[...]"
            return None, say("must be a list in square brackets: {example}",
                             "moet een lijst tussen vierkante haken zijn: {example}",
                             example=example)
        if not self.min_len <= len(value) <= self.max_len:
            return None, say("must list {lo} to {hi} items", "moet {lo} tot {hi} waarden bevatten",
                             lo=self.min_len, hi=self.max_len)
        out = []
        for i, v in enumerate(value):
            ok, err = self.item.check(v)
            if err:
                return None, say("item {i}: {err}", "waarde {i}: {err}", i=i + 1, err=err)
            out.append(ok)
        return out, None


# --- the schema ----------------------------------------------------------------------

LANGUAGES = ("nl", "en")
CUE_SWITCHES = (
    "longer_exhale", "slower", "breathe_on", "dont_force", "belly", "good", "check_belt",
)

SCHEMA: dict[str, dict[str, Rule]] = {
    "patient": {
        "code": Text("", pattern=r"[A-Za-z0-9_-]{0,16}", private=True,
                     explain=Say("must be a pseudonymous code of up to 16 letters, digits, - or _",
                                 "moet een pseudonieme code zijn van hoogstens 16 letters, "
                                 "cijfers, - of _")),
        "language": Choice("nl", choices=LANGUAGES),
        "daily_minutes": Float(5.0, lo=1.0, hi=60.0, unit="minutes"),
    },
    "programme": {
        "name": Text("clinic", pattern=r"[a-z0-9_-]{1,40}",
                     explain=Say("must be a programme's file name from config/programs, in "
                                 "lower case: 'clinic', 'analysis' or 'home', or one of your "
                                 "own",
                                 "moet de bestandsnaam van een programma uit config/programs "
                                 "zijn, in kleine letters: 'clinic', 'analysis' of 'home', of "
                                 "een eigen")),
    },
    "analysis": {
        "hold_after_s": Float(4.0, lo=2.0, hi=15.0, unit="seconds"),
        "polarity": OneOrEach("normal", item=Choice("normal", choices=(
            "normal", "inverted", "auto"))),
    },
    "pacer": {
        "mode": Choice("fixed", choices=("fixed", "adaptive", "off")),
        "inhale_s": Float(4.0, lo=1.0, hi=10.0, unit="seconds"),
        "hold_in_s": Float(0.0, lo=0.0, hi=5.0, unit="seconds"),
        "exhale_s": Float(6.0, lo=2.0, hi=20.0, unit="seconds"),
        "hold_out_s": Float(1.0, lo=0.0, hi=10.0, unit="seconds"),
        "min_rate_bpm": Float(4.0, lo=3.0, hi=12.0, unit="breaths/min"),
        "max_exhale_s": Float(10.0, lo=2.0, hi=20.0, unit="seconds"),
        "step_s": Float(0.5, lo=0.1, hi=2.0, unit="seconds"),
        "pattern": Choice("seconds", choices=("seconds", "rate")),
        "rate_bpm": Float(6.0, lo=3.0, hi=20.0, unit="breaths/min"),
        "ratio": Float(1.5, lo=0.5, hi=4.0),
        "start_ratio": Float(0.0, lo=0.0, hi=4.0),
        "progress_s": Float(180.0, lo=10.0, hi=1800.0, unit="seconds"),
        "target_rate_bpm": Float(6.0, lo=3.0, hi=20.0, unit="breaths/min"),
        "target_ratio": Float(2.0, lo=0.5, hi=4.0),
    },
    "cues": {
        **{name: Bool(True) for name in CUE_SWITCHES},
        "min_gap_s": Float(8.0, lo=2.0, hi=60.0, unit="seconds"),
        "repeat_gap_max_s": Float(60.0, lo=2.0, hi=600.0, unit="seconds"),
        "after_breaths": Int(3, lo=1, hi=10, unit="breaths"),
        "slower_above_bpm": Float(16.0, lo=6.0, hi=40.0, unit="breaths/min"),
        "longer_exhale_below": Float(1.0, lo=0.3, hi=3.0),
        "dont_force_depth": Float(1.8, lo=1.2, hi=5.0),
        "belly_share_min": Float(0.4, lo=0.1, hi=0.9),
        "good_after_s": Float(60.0, lo=10.0, hi=600.0, unit="seconds"),
        "show_s": Float(6.0, lo=2.0, hi=30.0, unit="seconds"),
    },
    "ring": {
        "pixels": Int(16, lo=12, hi=60, unit="pixels"),
        "order": Choice("GRB", choices=("GRB", "RGB", "BRG", "RBG", "GBR", "BGR")),
        "brightness": Choice("clinic", choices=("clinic", "home", "night")),
        "spi_bus": Int(0, lo=0, hi=1),  # device/ring.py: SPI0 (GPIO10) or SPI1 (GPIO20)
    },
    "screen": {
        "fullscreen": Bool(True),
        "width": Int(800, lo=480, hi=1920, unit="pixels"),
        "height": Int(480, lo=320, hi=1080, unit="pixels"),
        "fps": Int(30, lo=10, hi=60, unit="frames/s"),
        "curve_s": Float(30.0, lo=10.0, hi=120.0, unit="seconds"),
        "view": Choice("far", choices=("far", "near")),
    },
    "sound": {
        "enabled": Bool(False),
        "volume": Float(0.5, lo=0.0, hi=1.0),
        "pacer_tones": Bool(True),
        "warning_tone": Bool(True),
    },
    "sensor": {
        "i2c_bus": Int(1, lo=0, hi=20),
        "address": Choice(0x48, choices=(0x48, 0x49, 0x4A, 0x4B), hex=True),
        # The belt circuit swings over 0-3.3 V and an unplugged belt sits at 3.3 V
        # (device/circuit.py): gain 1 (+-4.096 V) holds both rails; the ADS1115's higher
        # gains (2-16: +-2.048 V down to +-0.256 V) cut them off, and its 2/3 cannot be
        # written in TOML.
        "gain": Choice(1, choices=(1,), why=Say(
            "the ADS1115's range at gain 1 is +-4.096 V; the belt circuit swings over "
            "0-3.3 V and an unplugged belt sits at 3.3 V (docs/hardware.md), so at a higher "
            "gain (at most 2.048 V) every belt would read as cut off or disconnected",
            "het bereik van de ADS1115 bij versterking 1 is +-4.096 V; de spanning van het "
            "bandcircuit loopt van 0 tot 3.3 V en een losgekoppelde band geeft 3.3 V "
            "(docs/hardware.md), dus bij een hogere versterking (hoogstens 2.048 V) zou elke "
            "band als afgekapt of losgekoppeld gelden")),
        "data_rate": Choice(860, choices=(8, 16, 32, 64, 128, 250, 475, 860)),
        "rate_hz": Int(50, lo=10, hi=250, unit="samples/s"),
        "belts": ListOf(["belly"], item=Text("", pattern=r"[a-z][a-z0-9_]{0,15}",
                                             explain=Say("must be a short lower-case name",
                                                         "moet een korte naam in kleine "
                                                         "letters zijn")),
                        min_len=1, max_len=2),
        "channels": ListOf(["A0"], item=Choice("A0", choices=(
            "A0", "A1", "A2", "A3", "A0-A1", "A0-A3", "A1-A3", "A2-A3")), min_len=1, max_len=2),
    },
    "buttons": {
        "start_pause": Int(17, lo=0, hi=27),
        "next": Int(27, lo=0, hi=27),
        "third": Int(-1, lo=-1, hi=27),
        "buzzer": Int(-1, lo=-1, hi=27),
        "buzzer_kind": Choice("active", choices=("active", "tonal")),
        "long_press_s": Float(1.5, lo=0.5, hi=5.0, unit="seconds"),
        "next_confirm_s": Float(5.0, lo=0.0, hi=10.0, unit="seconds"),
    },
    "records": {
        # (no control characters: a NUL in the path was a traceback at start)
        "data_dir": Text("", pattern=r"[^\x00-\x1f\x7f]*", explain=Say(
            "must be a folder's path on one line, without control characters",
            "moet het pad van een map op één regel zijn, zonder stuurtekens")),
        "keep_days": Int(365, lo=1, hi=3650, unit="days"),
        "raw_signal": Bool(False),
        "raw_max_mb": Int(200, lo=1, hi=10000, unit="MB"),
    },
}


class Section(dict):
    """A validated section: a dict whose keys are also attributes (``cfg.pacer.exhale_s``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Settings(dict):
    """All sections of a validated config. ``source`` is the file it came from (or None)."""

    source: str | None = None

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# --- finding lines -------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def key_lines(text: str) -> dict[tuple[str, str | None], int]:
    """Map (section, key) and (section, None) to their line numbers in TOML text.

    Good enough for the flat files Ademcoach uses; a key it cannot place gets no line.
    """
    lines: dict[tuple[str, str | None], int] = {}
    section = ""
    for n, raw in enumerate(text.splitlines(), 1):
        m = _HEADER.match(raw)
        if m:
            section = m.group(1)
            lines.setdefault((section, None), n)
            continue
        m = _KEY.match(raw)
        if m:
            lines.setdefault((section, m.group(1)), n)
    return lines


# The names the files' Dutch comments use for keys and values (and a therapist may write
# in their place), with the name meant: "taal" was "unknown key" and no more.
DUTCH_NAMES = {
    "patiënt": "patient", "programma": "programme", "oefening": "exercise",
    "oefeningen": "exercise", "taal": "language", "naam": "name", "thuisdoel": "daily_minutes",
    "soort": "kind", "duur": "duration_s", "duur_s": "duration_s", "tijd_s": "duration_s",
    "herhalingen": "repetitions", "ademgids": "pacer", "aanwijzingen": "cues",
    "inademen": "inhale_s", "uitademen": "exhale_s", "helderheid": "brightness",
    "geluid": "sound", "scherm": "screen", "knoppen": "buttons", "band": "sensor",
    "uit": "off", "vast": "fixed", "adaptief": "adaptive", "ademhaling": "breathing",
    "ademen": "breathing", "bewegen": "movement", "beweging": "movement",
    "belasting": "load", "tillen": "load", "kracht": "load", "kalibratie": "calibration",
    "kalibreren": "calibration", "nederlands": "nl", "engels": "en", "nacht": "night",
    "thuis": "home", "kliniek": "clinic", "behandelkamer": "clinic", "dichtbij": "near",
    "ver": "far",
}


def _hint(name: str, options) -> Say | str:
    options = list(options)
    meant = DUTCH_NAMES.get(name.lower())
    close = ([meant] if meant in options else
             difflib.get_close_matches(name, [str(o) for o in options], n=1, cutoff=0.6))
    return say("; did you mean {c}?", "; bedoel je {c}?", c=repr(close[0])) if close else ""


# --- validation ----------------------------------------------------------------------


# A config is some 15 kB; a file larger than this is not one, and is not read whole (a
# file of a gigabyte named ademcoach.toml on a USB stick filled the memory of the Pi).
# A changed config is parsed on the loop's thread: 1 MB took 0.1 s on a PC (a Pi is
# slower, and a stall of 0.5 s ends a hold under way); this much takes a quarter of it.
MAX_FILE_BYTES = 256 << 10


class NotAFile(OSError):
    """A path that is neither a regular file nor a directory (a FIFO, a device)."""


def open_file(path):
    """``path`` opened for reading in binary, if it is a regular file; a directory is an
    IsADirectoryError, anything else a NotAFile, said without waiting on it (a FIFO opened
    the plain way waits for a writer: ``check-config`` hung, and a config turned into one
    would have stopped the running unit's loop)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", path)
        if not stat.S_ISREG(mode):
            raise NotAFile(0, "not a regular file", path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def parse_toml(path) -> tuple[dict, str]:
    """Read and parse a TOML file; problems become a ConfigError with the line."""
    path = os.fspath(path)
    try:
        with open_file(path) as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except NotAFile:
        raise ConfigError([Problem(path, None, Say(
            "is not a regular file (a pipe or a device), not a config file",
            "is geen gewoon bestand (een pipe of apparaat) en dus geen "
            "instellingenbestand"))]) from None
    except FileNotFoundError:
        raise ConfigError([Problem(path, None, Say("no such file",
                                                   "dit bestand bestaat niet"))]) from None
    except IsADirectoryError:
        raise ConfigError([Problem(path, None, Say("is a directory, not a config file",
                                                   "is een map, geen instellingenbestand"))]
                          ) from None
    except OSError as exc:
        raise ConfigError([Problem(path, None, say("cannot read: {why}",
                                                   "kan niet gelezen worden: {why}",
                                                   why=exc.strerror))]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError([Problem(path, None, Say(
            "larger than 256 kB: not a config file (is this the right file?)",
            "groter dan 256 kB: geen instellingenbestand (is dit het goede bestand?)"))])
    if _utf16_text(raw):  # (said as "not a text file")
        raise ConfigError([Problem(path, None, Say(
            "saved as UTF-16 (Notepad's \"Unicode\"): save it again as UTF-8",
            "opgeslagen als UTF-16 (\"Unicode\" in Kladblok): sla het opnieuw op als UTF-8"))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if _ansi_text(raw):
            raise ConfigError([Problem(path, line, Say(
                "not saved as UTF-8 (an editor's \"ANSI\" encoding, at a letter such as ë): "
                "save it again as UTF-8",
                "niet opgeslagen als UTF-8 (de \"ANSI\"-codering van een editor, bij een "
                "letter zoals ë): sla het opnieuw op als UTF-8"))]) from None
        raise ConfigError(
            [Problem(path, line, Say("not a text file (not UTF-8): is this the right file?",
                                     "geen tekstbestand (geen UTF-8): is dit het goede "
                                     "bestand?"))]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ConfigError([Problem(path, line, Say("not a text file (contains NUL bytes)",
                                                   "geen tekstbestand (bevat NUL-bytes)"))])
    # (past a byte-order mark, as some Windows editors save)
    return parse_toml_text(text.removeprefix("\ufeff"), path)


def _ansi_text(raw: bytes) -> bool:
    """Is ``raw`` text saved in Windows' "ANSI" code page (cp1252, as Notepad did): mostly
    ASCII, no control characters but tabs and line ends?"""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return (not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
            and sum(c.isascii() for c in text) >= 0.9 * len(text))


def _utf16_text(raw: bytes) -> bool:
    """Is ``raw`` text saved as UTF-16 (a byte-order mark, then mostly ASCII)?"""
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        text = raw.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and sum(c.isascii() for c in text) >= 0.9 * len(text)


def parse_toml_text(text: str, path: str) -> tuple[dict, str]:
    """Parse TOML ``text`` (from ``path``); problems become a ConfigError with the line."""
    cr = re.search(r"\r(?!\n)", text)
    if cr:  # (TOML said "Expected newline" at a column of the first line)
        raise ConfigError([Problem(path, text[:cr.start()].count("\n") + 1, Say(
            "its lines end in CR only (as old Mac programs save): save it with LF or CRLF "
            "line ends", "de regels eindigen alleen op CR (zoals oude Mac-programma's "
            "opslaan): sla het op met LF- of CRLF-regeleinden"))])
    if not text.strip():
        raise ConfigError([Problem(path, None, Say("the file is empty: expected TOML settings",
                                                   "het bestand is leeg: er horen "
                                                   "TOML-instellingen in"))])
    try:
        data = tomllib.loads(text)
    except RecursionError:  # (tomllib reads nested lists and tables by recursion)
        raise ConfigError([Problem(path, _deepest_line(text), Say(
            "TOML syntax: lists or tables nested too deeply (brackets inside brackets)",
            "TOML-schrijfwijze: lijsten of tabellen te diep in elkaar genest (haken "
            "binnen haken)"))]) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        if m is None and "(at end of document)" in msg:  # (a last line without newline)
            line = len(text.splitlines()) or 1
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
        msg = msg or "syntax error"
        col = say(" (column {c})", " (kolom {c})", c=m.group(2)) if m else ""
        hint = _syntax_hint(text.splitlines()[line - 1] if line else "", msg)
        told = hint or both("{m}{col}", m=toml_words(msg), col=col)
        raise ConfigError([Problem(path, line, say("TOML syntax: {t}", "TOML-schrijfwijze: {t}",
                                                   t=told))]) from None
    return data, text


def _deepest_line(text: str, deep: int = 50) -> int | None:
    """The first line where brackets nest ``deep`` levels (strings not told apart)."""
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        for ch in line:
            depth += (ch in "[{") - (ch in "]}")
            if depth >= deep:
                return n
    return None


# A yes or no as a therapist may type it (any case); "aan"/"uit" (as the config's comments
# say "true = aan") and "on"/"off" only for a switch: "off" is also one of pacer.mode's words.
_YES, _NO = ("true", "yes", "ja"), ("false", "no", "nee")
_ON, _OFF = ("on", "aan"), ("off", "uit")


def _is_switch(key: str, unknown: bool = False) -> bool:
    """Is ``key`` a true/false key of the config or of a programme's exercise? With
    ``unknown``, a key of neither counts as one too (a switch mistyped, or a scenario's)."""
    from feedback.programme import EXERCISE_SCHEMA

    tables = (*SCHEMA.values(), EXERCISE_SCHEMA)
    return any(isinstance(rules.get(key), Bool) for rules in tables) or (
        unknown and not any(key in rules for rules in tables))


def _is_private(key: str) -> bool:
    """Is ``key`` one whose value a problem never repeats (``Text.private``)?"""
    return any(getattr(rules.get(key), "private", False) for rules in SCHEMA.values())


def _syntax_hint(source: str, msg: str) -> Say | None:
    """Plain words for the slips a therapist makes most in a TOML line, or None."""
    m = re.match(r"\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*(#.*)?$", source)
    if msg.startswith("Cannot overwrite") or msg.startswith("Cannot declare"):
        table = re.match(r"\s*\[+\s*([^\]]+?)\s*\]", source)
        listed = re.match(r"\s*\[\s*(exercise|episode)\s*\]", source)
        if listed:  # ("keep one" would have deleted exercises)
            return say("[{n}] is given twice: write [[{n}]], with two brackets, for each one",
                       "[{n}] staat er twee keer: schrijf voor elke {each} [[{n}]], met twee "
                       "haken", n=listed.group(1),
                       each={"exercise": "oefening"}.get(listed.group(1), listed.group(1)))
        if table and not m:  # a section twice: its keys belong under one
            return say("section [{t}] is given twice: put all its keys under one [{t}]",
                       "sectie [{t}] staat er twee keer: zet al zijn instellingen onder één "
                       "[{t}]", t=table.group(1))
        what = repr(m.group(1)) if m else Say("this key or section",
                                              "deze instelling of sectie")
        return say("{what} is given twice; keep one", "{what} staat er twee keer; laat er één "
                   "staan", what=what)
    if not m:
        return None
    key, value = m.group(1), m.group(2)
    # (a name typed as the patient code is not repeated: see ``Text.private``)
    shown = "..." if _is_private(key) else value
    if re.fullmatch(r"-?\d+,\d+", value):
        return say("{key} = {value}: write a decimal point, not a comma ({fixed})",
                   "{key} = {value}: schrijf een punt, geen komma ({fixed})", key=key,
                   value=shown, fixed=shown.replace(",", "."))
    low = value.lower()
    # (a yes or no only where true/false is what the key takes: "language = ja" is no
    # switch, nor "daily_minutes = nee")
    if (low in _YES + _NO and _is_switch(key, unknown=True)) or (
            low in _ON + _OFF and _is_switch(key)):
        word = "true" if low in _YES + _ON else "false"
        return say("{key} = {value}: write {word} (lower case, no quotes)",
                   "{key} = {value}: schrijf {word} (kleine letters, zonder aanhalingstekens)",
                   key=key, value=shown, word=word)
    if re.fullmatch(r"[A-Za-z][\w-]*", value):
        return say('{key} = {value}: put text in double quotes: {key} = "{value}"',
                   '{key} = {value}: zet tekst tussen dubbele aanhalingstekens: '
                   '{key} = "{value}"', key=key, value=shown)
    return None


def validate_table(
    data: dict, schema: dict[str, Rule], path: str, lines: dict, section: str, prefix: str = ""
) -> tuple[Section, list[Problem]]:
    """Check one table against its rules; return its effective values and problems."""
    out = Section()
    problems: list[Problem] = []
    label = prefix or section
    for key, value in data.items():
        rule = schema.get(key)
        line = (lines.get((section, key)) or lines.get((f"{section}.{key}", None))
                or lines.get((section, None)))
        if rule is None:
            shown_key = _short(key, 40)  # (a long one was drawn 6 px high)
            problems.append(
                Problem(path, line, say("{label}.{key}: unknown key{hint}",
                                        "{label}.{key}: onbekende instelling{hint}",
                                        label=label, key=shown_key, hint=_hint(key, schema)))
            )
            continue
        ok, err = rule.check(value)
        if err and getattr(rule, "private", False):  # (the file, line and key say where)
            problems.append(Problem(path, line, both("{k}: {err}", k=f"{label}.{key}",
                                                     err=err)))
        elif err:
            shown = _short(rule.show(value), 60)  # (a long list or text: its start says which)
            problems.append(Problem(path, line, both("{k} = {v}: {err}", k=f"{label}.{key}",
                                                     v=shown, err=err)))
        else:
            out[key] = ok
    for key, rule in schema.items():
        out.setdefault(key, rule.default)
    return out, problems


def _short(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, with "..." where it was cut."""
    return text if len(text) <= most else text[:most - 3] + "..."


def unknown_section(name: str, known) -> Say:
    return say("[{n}]: unknown section{hint}", "[{n}]: onbekende sectie{hint}", n=name,
               hint=_hint(name, known))


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, float) and value.is_integer():
        return repr(value)  # as written: 16.0 is no whole number to TOML
    return _fmt(value) if isinstance(value, float) else str(value)


def validate(data: dict, path: str = "<config>", text: str = "") -> Settings:
    """Validate parsed TOML against SCHEMA. Raises ConfigError with every problem."""
    lines = key_lines(text)
    problems: list[Problem] = []
    settings = Settings()
    for name, value in data.items():
        if name not in SCHEMA:
            line = lines.get((name, None)) or lines.get(("", name))
            problems.append(Problem(path, line, unknown_section(name, SCHEMA)))
        elif not isinstance(value, dict):
            problems.append(  # (``[[pacer]]``: the line of its header)
                Problem(path, lines.get(("", name)) or lines.get((name, None)),
                        say("{n}: must be a section [{n}]", "{n}: moet een sectie [{n}] zijn",
                            n=name))
            )
    rejected: set[str] = set()  # ('section.key') given, and wrong
    for name, rules in SCHEMA.items():
        table = data.get(name, {})
        table = table if isinstance(table, dict) else {}
        section, found = validate_table(table, rules, path, lines, name)
        settings[name] = section
        problems.extend(found)
        rejected.update(f"{name}.{k}" for k, v in table.items()
                        if k in rules and rules[k].check(v)[1] is not None)
    problems.extend(_cross_checks(settings, path, lines, frozenset(rejected)))
    if problems:
        problems.sort(key=lambda p: p.line or 0)  # in the order of the file
        raise ConfigError(problems)
    settings.source = path
    return settings


# GPIOs the SPI driver takes for the ring's bus (CE pins, MISO, MOSI, SCLK) on a Pi
SPI_PINS = {0: (7, 8, 9, 10, 11), 1: (18, 19, 20, 21)}  # bus 1: dtoverlay=spi1-1cs
# GPIOs of the I2C buses whose pins are fixed on a Pi: bus 1 (GPIO2, 3) and bus 0
# (GPIO0, 1: ID_SD and ID_SC, dtparam=i2c_vc=on); other buses come from overlays with
# pins of their own choosing
I2C_PINS = {0: ((0, "SDA"), (1, "SCL")), 1: ((2, "SDA"), (3, "SCL"))}


SLOWEST_BPM = 3.0  # the slowest pacer: the least pacer.rate_bpm and min_rate_bpm allow


def rate_times(rate_bpm: float, ratio: float, hold_in_s: float,
               hold_out_s: float) -> tuple[float, float]:
    """(inhale, exhale) in seconds of a rhythm given as a rate and a ratio, unclamped."""
    breathing = 60.0 / rate_bpm - hold_in_s - hold_out_s
    inhale = breathing / (1.0 + ratio)
    return inhale, breathing - inhale


def rate_problem(rate_bpm: float, ratio: float, hold_in_s: float,
                 hold_out_s: float) -> Say | None:
    """What is wrong with a rhythm given as a rate and an exhale:inhale ratio (``pattern =
    "rate"``, or a progression's start), or None: its pauses and ratio must leave at least
    ``INHALE_MIN_S`` to breathe in and ``EXHALE_MIN_S`` to breathe out, as the seconds
    would have to."""
    inhale, exhale = rate_times(rate_bpm, ratio, hold_in_s, hold_out_s)
    if inhale >= INHALE_MIN_S - 1e-9 and exhale >= EXHALE_MIN_S - 1e-9:
        return None
    pauses = hold_in_s + hold_out_s
    return say("{period} s a breath ({rate}/min) at exhale:inhale {ratio}{pauses} leaves "
               "{i} s to breathe in and {e} s out; at least {i_min} s in and {e_min} s out: "
               "give a slower rate, shorter pauses or a ratio nearer 1",
               "{period} s per ademhaling ({rate}/min) bij uit:in {ratio}{pauses} laat "
               "{i} s over om in te ademen en {e} s om uit te ademen; minstens {i_min} s in en "
               "{e_min} s uit: geef een trager tempo, kortere pauzes of een verhouding "
               "dichter bij 1",
               period=decimal(f"{60.0 / rate_bpm:.3g}"), rate=decimal(f"{rate_bpm:.3g}"),
               ratio=decimal(f"{ratio:.3g}"),
               pauses=say(", with {p} s of pauses,", ", met {p} s pauze,",
                          p=decimal(_fmt(pauses))) if pauses else ",",
               i=decimal(f"{max(inhale, 0.0):.1f}"), e=decimal(f"{max(exhale, 0.0):.1f}"),
               i_min=decimal(_fmt(INHALE_MIN_S)), e_min=decimal(_fmt(EXHALE_MIN_S)))


def pace_problem(inhale_s: float, hold_in_s: float, exhale_s: float,
                 hold_out_s: float) -> Say | None:
    """What is wrong with a pacer rhythm given in seconds, or None: a breath may take at
    most 60 / SLOWEST_BPM seconds."""
    period = inhale_s + hold_in_s + exhale_s + hold_out_s
    if period <= 60.0 / SLOWEST_BPM + 1e-9:
        return None
    parts = [(inhale_s, "in", "in"), (hold_in_s, "pause", "pauze"), (exhale_s, "out", "uit"),
             (hold_out_s, "pause", "pauze")]
    sums = [(f"{_fmt(x)} s {en}", f"{dutch(decimal(_fmt(x)))} s {nl}") for x, en, nl in parts
            if x or en != "pause"]
    return say("{sum} = {period} s a breath ({rate}/min): slower than {slowest} breaths/min, "
               "the slowest pacer; at most {most} s in all",
               "{sum} = {period} s per ademhaling ({rate}/min): trager dan {slowest} "
               "ademhalingen/min, het traagste tempo van de ademgids; hoogstens {most} s in "
               "totaal", sum=Say(" + ".join(en for en, _ in sums),
                                 " + ".join(nl for _, nl in sums)),
               period=decimal(_fmt(period)), rate=decimal(f"{60.0 / period:.1f}"),
               slowest=decimal(_fmt(SLOWEST_BPM)), most=decimal(_fmt(60.0 / SLOWEST_BPM)))


def rhythm_sum(inhale_s: float, hold_in_s: float, exhale_s: float,
               hold_out_s: float) -> Say:
    """'4 s in + 6 s out + 1 s pause = 11 s a breath (5.5/min)', in both languages."""
    parts = [(inhale_s, "in", "in"), (hold_in_s, "pause", "pauze"), (exhale_s, "out", "uit"),
             (hold_out_s, "pause", "pauze")]
    sums = [(f"{x:.3g} s {en}", f"{dutch(decimal(f'{x:.3g}'))} s {nl}")
            for x, en, nl in parts if x or en != "pause"]
    period = inhale_s + hold_in_s + exhale_s + hold_out_s
    return say("{sum} = {period} s a breath ({rate}/min)",
               "{sum} = {period} s per ademhaling ({rate}/min)",
               sum=Say(" + ".join(en for en, _ in sums), " + ".join(nl for _, nl in sums)),
               period=decimal(f"{period:.3g}"), rate=decimal(f"{60.0 / period:.1f}"))


def min_rate_problem(min_rate_bpm: float, inhale_s: float, hold_in_s: float,
                     exhale_s: float, hold_out_s: float, limit: str | Say = "") -> Say | None:
    """Why an adaptive pacer that starts from this rhythm breaks ``min_rate_bpm``, or None.

    It runs these times until the patient's first breath, so they must fit in a breath
    of ``60 / min_rate_bpm`` s; and its limits keep every inhale at ``INHALE_MIN_S`` or
    more and every exhale at ``EXHALE_MIN_S`` or more, which with the pauses must fit too.
    Says 'slower than <limit> allows (at most 5 s a breath); <what to change>'; the
    limit is 'pacer.min_rate_bpm = 12' unless given."""
    most = 60.0 / min_rate_bpm
    pauses = hold_in_s + hold_out_s
    if inhale_s + exhale_s + pauses <= most + 1e-9:
        return None
    if pauses + INHALE_MIN_S + EXHALE_MIN_S > most + 1e-9:
        hint = say("even its shortest breath, {i} s in and {e} s out, with {p} s of pauses "
                   "does not fit: give a lower pacer.min_rate_bpm or shorter pauses",
                   "zelfs de kortste ademhaling, {i} s in en {e} s uit, past met {p} s "
                   "pauze niet: geef een lagere pacer.min_rate_bpm of kortere pauzes",
                   i=decimal(_fmt(INHALE_MIN_S)), e=decimal(_fmt(EXHALE_MIN_S)),
                   p=decimal(f"{pauses:g}"))
    else:
        hint = Say("give a lower pacer.min_rate_bpm or a quicker start rhythm",
                   "geef een lagere pacer.min_rate_bpm of een sneller begintempo")
    limit = limit or f"pacer.min_rate_bpm = {_fmt(min_rate_bpm)}"
    return say("slower than {limit} allows (at most {most} s a breath); {hint}",
               "trager dan {limit} toelaat (hoogstens {most} s per ademhaling); {hint}",
               limit=limit, most=decimal(f"{most:.3g}"), hint=hint)


def _keys_at(section: str, keys: list[str], lines: dict) -> Say:
    """'pacer.inhale_s (line 4), exhale_s (default)': the keys and where the file sets them."""
    en = [f"{k} (line {lines[(section, k)]})" if (section, k) in lines else f"{k} (default)"
          for k in keys]
    nl = [f"{k} (regel {lines[(section, k)]})" if (section, k) in lines
          else f"{k} (standaard)" for k in keys]
    return Say(f"{section}." + ", ".join(en), f"{section}." + ", ".join(nl))


def _cross_checks(s: Settings, path: str, lines: dict,
                  rejected: frozenset = frozenset()) -> list[Problem]:
    """Rules that involve more than one key. A rule that would read a ``rejected`` key
    ('section.key', already a problem of its own) is left out: it would judge the default
    standing in for it, not what the file says."""
    out = []

    def given(*keys: str) -> bool:
        return not rejected.intersection(keys)

    sensor = s["sensor"]
    belts = plural(len(sensor["belts"]), "belt", "band")
    if (given("sensor.belts", "sensor.channels")
            and len(sensor["belts"]) != len(sensor["channels"])):
        out.append(Problem(path, lines.get(("sensor", "channels"))
                           or lines.get(("sensor", "belts")),  # (the one the file sets)
                           say("sensor.channels: lists {n} for {belts}; give one channel per "
                               "belt", "sensor.channels: noemt {n} voor {belts}; geef één "
                               "kanaal per band",
                               n=plural(len(sensor["channels"]), "channel", "kanaal",
                                        nl_many="kanalen"), belts=belts)))
    polarity = s["analysis"]["polarity"]
    if (given("analysis.polarity", "sensor.belts") and isinstance(polarity, list)
            and len(polarity) != len(sensor["belts"])):
        out.append(Problem(path, lines.get(("analysis", "polarity")),
                           say("analysis.polarity: lists {n} for {belts}; give one for all "
                               "belts or one per belt", "analysis.polarity: noemt {n} voor "
                               "{belts}; geef er één voor alle banden of één per band",
                               n=plural(len(polarity), "value", "waarde", nl_many="waarden"),
                               belts=belts)))
    if len(set(sensor["belts"])) != len(sensor["belts"]):
        out.append(Problem(path, lines.get(("sensor", "belts")),
                           Say("sensor.belts: the two belts need different names",
                               "sensor.belts: de twee banden moeten verschillende namen "
                               "hebben")))
    from device.sensor import CHANNELS, data_rate_problem

    chans = sensor["channels"]
    if len(chans) == 2 and {p for p in CHANNELS[chans[0]] if p is not None} & {
            p for p in CHANNELS[chans[1]] if p is not None}:
        out.append(Problem(path, lines.get(("sensor", "channels")),
                           say("sensor.channels = {c}: the two belts share an ADC pin; each "
                               "belt needs its own input", "sensor.channels = {c}: de twee "
                               "banden delen een pin van de ADC; elke band heeft een eigen "
                               "ingang nodig", c=chans)))
    problem = data_rate_problem(sensor["data_rate"], len(sensor["belts"]), sensor["rate_hz"])
    if problem and given("sensor.data_rate", "sensor.belts", "sensor.rate_hz"):
        out.append(Problem(path, lines.get(("sensor", "data_rate"))
                           or lines.get(("sensor", "rate_hz")),  # (the one the file sets)
                           both("sensor.data_rate = {r}: {p}",
                               r=sensor["data_rate"], p=problem)))
    if not any(k.startswith("pacer.") for k in rejected):
        out.extend(_pacer_checks(s["pacer"], path, lines))
    data_dir = s["records"]["data_dir"]
    if data_dir and not os.path.isabs(os.path.expanduser(data_dir)):
        out.append(Problem(path, lines.get(("records", "data_dir")),
                           say("records.data_dir = {d}: give a full path, e.g. "
                               "\"/var/lib/ademcoach\" (a relative one would depend on where "
                               "the program is started)", "records.data_dir = {d}: geef een "
                               "volledig pad, bijvoorbeeld \"/var/lib/ademcoach\" (een "
                               "relatief pad hangt af van waar het programma start)",
                               d=repr(data_dir))))
    elif data_dir and os.path.exists(data_dir) and not os.path.isdir(data_dir):
        out.append(Problem(path, lines.get(("records", "data_dir")),
                           say("records.data_dir = {d}: is a file; give a directory",
                               "records.data_dir = {d}: is een bestand; geef een map",
                               d=repr(data_dir))))
    b = s["buttons"]
    pins = [(k, b[k]) for k in ("start_pause", "next", "third", "buzzer")
            if b[k] >= 0 and given(f"buttons.{k}")]
    seen: dict[int, str] = {}  # GPIO -> who uses it (a Say, or a key as the file writes it)
    if given("sensor.i2c_bus") and sensor["i2c_bus"] in I2C_PINS:
        bus = sensor["i2c_bus"]
        seen.update({pin: say("the sensor's I2C bus {b} ({w})", "I2C-bus {b} van de sensor ({w})",
                              b=bus, w=wire) for pin, wire in I2C_PINS[bus]})
    if given("ring.spi_bus") and s["ring"]["spi_bus"] in SPI_PINS:
        bus = s["ring"]["spi_bus"]
        seen.update({pin: say("the LED ring's SPI bus {b}", "SPI-bus {b} van de ledring", b=bus)
                     for pin in SPI_PINS[bus]})
    for key, pin in pins:
        if pin in seen:
            user = seen[pin]
            out.append(Problem(path, lines.get(("buttons", key)),
                               say("buttons.{key} = {pin}: GPIO {pin} is already used by {user}",
                                   "buttons.{key} = {pin}: GPIO {pin} wordt al gebruikt door "
                                   "{user}", key=key, pin=pin, user=user)))
        seen[pin] = f"buttons.{key}"
    return out


def _pacer_checks(pacer: Section, path: str, lines: dict) -> list[Problem]:
    """The rules across the pacer's keys."""
    out = []
    holds = (pacer["hold_in_s"], pacer["hold_out_s"])
    by_rate = pacer["pattern"] == "rate"
    exhale = pacer["exhale_s"]
    what: str = f"pacer.exhale_s = {_fmt(exhale)}"  # (a plain part: the same in Dutch)
    if by_rate:
        exhale = rate_times(pacer["rate_bpm"], pacer["ratio"], *holds)[1]
        what = say("the {e} s that pacer.rate_bpm and ratio give",
                   "de {e} s die pacer.rate_bpm en ratio geven", e=decimal(f"{exhale:.1f}"))
    if pacer["mode"] == "adaptive" and pacer["max_exhale_s"] < exhale - 1e-9:
        starts = ("rate_bpm", "ratio", "hold_in_s", "hold_out_s") if by_rate else ("exhale_s",)
        out.append(Problem(path, lines.get(("pacer", "max_exhale_s"))
                           or next((lines[("pacer", k)] for k in starts if ("pacer", k) in lines),
                                   None),
                           say("pacer.max_exhale_s = {m}: must not be shorter than {what} (the "
                               "adaptive pacer starts from it)", "pacer.max_exhale_s = {m}: "
                               "mag niet korter zijn dan {what} (daar begint de adaptieve "
                               "ademgids mee)", m=_fmt(pacer["max_exhale_s"]), what=what)))
    if by_rate:
        problem = rate_problem(pacer["rate_bpm"], pacer["ratio"], *holds)
        given = [k for k in ("rate_bpm", "ratio", "hold_in_s", "hold_out_s")
                 if ("pacer", k) in lines]
        if problem:
            out.append(Problem(path, lines.get(("pacer", given[-1] if given else None)),
                               both("pacer: {p}", p=problem)))
    if pacer["start_ratio"] and pacer["mode"] == "fixed":
        if by_rate:
            period = 60.0 / pacer["rate_bpm"]
        else:
            period = pacer["inhale_s"] + pacer["exhale_s"] + sum(holds)
        problem = rate_problem(60.0 / period, pacer["start_ratio"], *holds)
        if problem:
            out.append(Problem(path, lines.get(("pacer", "start_ratio")),
                               say("pacer.start_ratio = {r}: the progression would start at {p}",
                                   "pacer.start_ratio = {r}: de opbouw zou beginnen bij {p}",
                                   r=_fmt(pacer["start_ratio"]), p=problem)))
    if not by_rate:
        problem = pace_problem(pacer["inhale_s"], pacer["hold_in_s"], pacer["exhale_s"],
                               pacer["hold_out_s"])
        given = [k for k in ("inhale_s", "hold_in_s", "exhale_s", "hold_out_s")
                 if ("pacer", k) in lines]
        if problem:
            out.append(Problem(path, lines.get(("pacer", given[-1] if given else None)),
                               both("pacer: {p}", p=problem)))
    if pacer["mode"] == "adaptive":
        if by_rate:
            inhale, exhale = rate_times(pacer["rate_bpm"], pacer["ratio"], *holds)
            keys = ["rate_bpm", "ratio"]
        else:
            inhale, exhale = pacer["inhale_s"], pacer["exhale_s"]
            keys = ["inhale_s", "exhale_s"]
        keys += [k for k in ("hold_in_s", "hold_out_s") if pacer[k]]
        problem = min_rate_problem(pacer["min_rate_bpm"], inhale, holds[0], exhale, holds[1],
                                   Say("that", "dat"))
        if problem:
            given = [k for k in keys if ("pacer", k) in lines]
            out.append(Problem(path, lines.get(("pacer", "min_rate_bpm"))
                               or lines.get(("pacer", given[-1] if given else None)),
                               say("pacer.min_rate_bpm = {m}: the adaptive pacer starts from "
                                   "{start}, set by {keys}: {p}",
                                   "pacer.min_rate_bpm = {m}: de adaptieve ademgids begint "
                                   "met {start}, ingesteld met {keys}: {p}",
                                   m=_fmt(pacer["min_rate_bpm"]), start=rhythm_sum(
                                       inhale, holds[0], exhale, holds[1]),
                                   keys=_keys_at("pacer", keys, lines), p=problem)))
    if pacer["target_rate_bpm"] < pacer["min_rate_bpm"]:
        out.append(Problem(path, lines.get(("pacer", "target_rate_bpm"))
                           or lines.get(("pacer", "min_rate_bpm")),
                           say("pacer.target_rate_bpm = {t}: must not be below "
                               "pacer.min_rate_bpm = {m}", "pacer.target_rate_bpm = {t}: mag "
                               "niet lager zijn dan pacer.min_rate_bpm = {m}",
                               t=_fmt(pacer["target_rate_bpm"]), m=_fmt(pacer["min_rate_bpm"]))))
    return out


def language_in(path) -> str:
    """The screen language a config file asks for, as far as it can be read ("nl" when it
    cannot): the language of the screen that says what is wrong with the file."""
    try:
        data, _text = parse_toml(path)
    except ConfigError:
        return "nl"
    patient = data.get("patient")
    language = patient.get("language") if isinstance(patient, dict) else None
    return language if language in LANGUAGES else "nl"


def defaults() -> Settings:
    """The effective settings of an empty config: every key at its default."""
    s = validate({}, "<defaults>")
    s.source = None
    return s


def load_config(path) -> Settings:
    """Read, parse and validate a config file. Raises ConfigError listing every problem."""
    data, text = parse_toml(path)
    return validate(data, os.fspath(path), text)
