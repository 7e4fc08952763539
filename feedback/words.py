"""Messages in two languages: the English a technician reads, and the Dutch on the screen.

A config problem is said in English by ``ademcoach check-config`` and in the journal, and
in the screen's language on the unit. ``Say`` is the English text itself (a ``str``, so
every place that prints or compares a message works unchanged) and carries its Dutch in
``nl``. ``say`` fills an English and a Dutch template from the same parts, each part in
its own language::

    say("{key}: unknown key", "{key}: onbekende instelling", key=...)
    both("{key} = {v}: {rule}", key=..., v=..., rule=rule)  # (the same template in both)

Key names, values and file names stay as the file writes them (``pacer.exhale_s``,
``0.5``, ``true``) in both languages: that is what the therapist must type. Numbers a
message works out or retells in its own words (a rhythm's seconds and breaths a minute)
are ``decimal``: a decimal comma in the Dutch, as the screen writes its numbers.
"""

from __future__ import annotations

import ast
import re


class Say(str):
    """English text (the string itself) that also knows its Dutch (``nl``)."""

    nl: str

    def __new__(cls, en: str, nl: str):
        obj = super().__new__(cls, en)
        obj.nl = str(nl)
        return obj

    def __getnewargs__(self):  # (pickle and copy: both languages)
        return str(self), self.nl


def dutch(text) -> str:
    """The Dutch of ``text``: its ``nl`` if it has one, else the text as it is."""
    return getattr(text, "nl", None) or str(text)


def said(text, lang: str) -> str:
    """``text`` in ``lang``: Dutch where it has Dutch, else as it is."""
    return dutch(text) if lang == "nl" else str(text)


def say(en: str, nl: str, **parts) -> Say:
    """``en`` and ``nl`` formatted with ``parts``, each part in the template's language."""
    return Say(en.format(**{k: str(v) for k, v in parts.items()}),
               nl.format(**{k: dutch(v) for k, v in parts.items()}))


def both(template: str, **parts) -> Say:
    """``say`` with one template for both languages (only its parts differ)."""
    return say(template, template, **parts)


def decimal(number) -> Say:
    """A number of the message's own ('5.5', or '4 s in + 1.5 s out') in both languages:
    a decimal comma in the Dutch ('5,5'); a number the file writes ('key = value') is
    not one of these."""
    en = str(number)
    return Say(en, re.sub(r"(?<=\d)\.(?=\d)", ",", en))


def plural(count: int, en: str, nl: str, en_many: str | None = None,
           nl_many: str | None = None) -> Say:
    """``count`` and a noun in both languages: 1 belt / 2 belts, 1 band / 2 banden."""
    one = count == 1
    return Say(f"{count} {en if one else en_many or en + 's'}",
               f"{count} {nl if one else nl_many or nl + 'en'}")


UNITS = {  # a rule's unit, as each language says it
    "seconds": "seconden", "minutes": "minuten", "breaths/min": "ademhalingen/min",
    "breaths": "ademhalingen", "pixels": "pixels", "frames/s": "beelden/s",
    "samples/s": "metingen/s", "days": "dagen", "MB": "MB",
}


def unit(name: str) -> Say:
    return Say(name, UNITS.get(name, name))


# TOML's own syntax messages (Python's tomllib), in plain English and Dutch: (tomllib's
# message, English, Dutch). Any other stays as tomllib says it.
_TOML = [
    (r"Invalid statement", "not a valid line", "ongeldige regel"),
    (r"Expected newline or end of document after a statement",
     "nothing more belongs on this line after the value (an explanation goes after a #)",
     "na de waarde hoort niets meer op deze regel (uitleg achter een #)"),
    (r"Expected '=' after a key in a key/value pair", "a name needs an = and a value after it",
     "na de naam hoort een = en een waarde"),
    (r"Expected '\]' at the end of a table declaration", "] is missing after the section's name",
     "] ontbreekt na de naam van de sectie"),
    (r"Expected '\]\]' at the end of an array declaration", "]] is missing after [[ and the name",
     "]] ontbreekt na [[ en de naam"),
    (r"Expected (.+)", r"\1 belongs here", r"hier hoort \1"),
    (r"Found invalid character (.+)", r"invalid character \1", r"ongeldig teken \1"),
    (r"Cannot declare (.+) twice", r"\1 is given twice", r"\1 staat er twee keer"),
    (r"Cannot overwrite a value", "this value is already given", "deze waarde staat er al"),
    (r"Cannot mutate immutable namespace (.+)", r"\1 cannot be added to here",
     r"\1 kan hier niet meer worden aangevuld"),
    (r"Cannot redefine namespace (.+)", r"\1 is already given", r"\1 staat er al"),
    (r"Invalid initial character for a key part",
     "a name must begin with a letter, digit, _ or -",
     "een naam moet met een letter, cijfer, _ of - beginnen"),
    (r"Unclosed array", "the list is not closed: ] is missing",
     "de lijst is niet gesloten: ] ontbreekt"),
    (r"Unclosed inline table", "the table is not closed: } is missing",
     "de tabel is niet gesloten: } ontbreekt"),
    (r"Duplicate inline table key (.+)", r"\1 is given twice in the table",
     r"\1 staat twee keer in de tabel"),
    (r"Unescaped '\\' in a string", "a backslash in text must be doubled",
     "een backslash in tekst moet dubbel"),
    (r"Invalid hex value", "invalid hexadecimal value", "ongeldige hexadecimale waarde"),
    (r"Escaped character is not a Unicode scalar value", "invalid Unicode character",
     "ongeldig Unicode-teken"),
    (r"Unterminated string", "the text is not closed: a quote is missing",
     "de tekst is niet gesloten: een aanhalingsteken ontbreekt"),
    # (a line end inside text: its closing quote is missing)
    (r"Illegal character '\\n'", "the text is not closed: a quote is missing",
     "de tekst is niet gesloten: een aanhalingsteken ontbreekt"),
    (r"Illegal character (.+)", r"invalid character \1", r"ongeldig teken \1"),
    (r"Invalid date or datetime", "invalid date or time", "ongeldige datum of tijd"),
    (r"Invalid value", "invalid value: put text in quotes, write a number with a decimal "
                       "point and yes/no as true/false",
     "ongeldige waarde: zet tekst tussen aanhalingstekens, schrijf een getal met een punt en "
     "ja/nee als true/false"),
]


def toml_words(message: str) -> Say:
    """A tomllib syntax message in plain English and Dutch (as tomllib says it in both if
    it is not known)."""
    for pattern, en, nl in _TOML:
        m = re.fullmatch(pattern, message)
        if m:
            if not m.groups():
                return Say(en, nl)
            name = _name(m.group(1))
            return Say(en.replace("\\1", name), nl.replace("\\1", name))
    return Say(message, message)


def _name(said: str) -> str:
    """A key as TOML's messages give it, as a file writes it: ('a', 'b') is a.b."""
    try:
        parts = ast.literal_eval(said)
    except (ValueError, SyntaxError):
        return said
    return ".".join(map(str, parts)) if isinstance(parts, tuple) else said

