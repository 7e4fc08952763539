"""The therapist's config file: a declarative schema and a validator.

Every key has a rule (type, range, choices) and a default. ``load_config`` reads a TOML
file, checks every key in one pass and raises ``ConfigError`` carrying *all* problems,
each a one-line message naming the file, line, section and key and stating the rule::

    ademcoach.toml:80: pacer.exhale_s = 40: must be between 2 and 20 seconds

Unknown sections and keys are rejected with a "did you mean ...?" hint. Keys that are
missing take their defaults, so a therapist's file can be short. The same machinery
validates exercise programmes (``validate_table``).

This module reads the file (``parse_toml``: its encoding, size and TOML syntax, said in
plain words), finds each key's line, validates the tables and gives the ``Settings``; the
rule types, ``Problem`` and ``ConfigError`` are in ``config_rules.py``, ``SCHEMA`` and
the rules across keys in ``config_schema.py``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib

from feedback.config_rules import (
    NO_WORDS,
    OFF_WORDS,
    ON_WORDS,
    YES_WORDS,
    Bool,
    ConfigError,
    Problem,
    Rule,
    did_you_mean,
)
from feedback.config_schema import LANGUAGES, SCHEMA, cross_checks
from feedback.words import Say, both, say, toml_words


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
    if (low in YES_WORDS + NO_WORDS and _is_switch(key, unknown=True)) or (
            low in ON_WORDS + OFF_WORDS and _is_switch(key)):
        word = "true" if low in YES_WORDS + ON_WORDS else "false"
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
                                        label=label, key=shown_key, hint=did_you_mean(key, schema)))
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
               hint=did_you_mean(name, known))


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
    problems.extend(cross_checks(settings, path, lines, frozenset(rejected)))
    if problems:
        problems.sort(key=lambda p: p.line or 0)  # in the order of the file
        raise ConfigError(problems)
    settings.source = path
    return settings


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
