"""The rules of a config key, and what breaking one gives.

Each rule type (``Float``, ``Int``, ``Bool``, ``Choice``, ``Text``, ``ListOf``,
``OneOrEach``) checks one value and, when it is wrong, says the rule in English and Dutch
(a ``words.Say``), with a "did you mean ...?" hint for a near name (``did_you_mean``,
``DUTCH_NAMES``). A problem found in a file is a ``Problem`` naming its file and line;
``ConfigError`` carries all of them. The config's schema (``config_schema.py``), the
programmes and the scenarios are made of these rules.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from feedback.errors import BadInput
from feedback.words import Say, both, say, unit


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
        return repr(value) if isinstance(value, str) else show_value(value)


def fmt(x) -> str:
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
    if kind == "switch" and word in YES_WORDS + NO_WORDS + ON_WORDS + OFF_WORDS:
        written = "true" if word in YES_WORDS + ON_WORDS else "false"
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
    return say("between {lo} and {hi}{unit}", "tussen {lo} en {hi}{unit}", lo=fmt(lo),
               hi=fmt(hi), unit=both(" {u}", u=unit(unit_name)) if unit_name else "")


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
                    and (hint := did_you_mean(value, self.choices)):
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


def show_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, float) and value.is_integer():
        return repr(value)  # as written: 16.0 is no whole number to TOML
    return fmt(value) if isinstance(value, float) else str(value)


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


def did_you_mean(name: str, options) -> Say | str:
    options = list(options)
    meant = DUTCH_NAMES.get(name.lower())
    close = ([meant] if meant in options else
             difflib.get_close_matches(name, [str(o) for o in options], n=1, cutoff=0.6))
    return say("; did you mean {c}?", "; bedoel je {c}?", c=repr(close[0])) if close else ""


# A yes or no as a therapist may type it (any case); "aan"/"uit" (as the config's comments
# say "true = aan") and "on"/"off" only for a switch: "off" is also one of pacer.mode's words.
YES_WORDS, NO_WORDS = ("true", "yes", "ja"), ("false", "no", "nee")
ON_WORDS, OFF_WORDS = ("on", "aan"), ("off", "uit")
