"""Checks that a config problem is also said in Dutch, for the unit's screen."""

import re

from feedback.words import Say, said

# Words that are English and not Dutch: none may be left in a problem's Dutch.
ENGLISH = {"must", "between", "give", "the", "unknown", "missing", "twice", "used", "lists",
           "slower", "leaves", "write", "put", "item", "items", "breath", "breaths", "reads",
           "section", "least", "did", "you", "mean", "number", "whole", "one", "or", "and",
           "text", "quotes", "list", "seconds", "minutes", "not", "no", "such", "syntax",
           "empty", "expected", "column", "already", "by", "share", "need", "needs", "file",
           "decimal", "point", "comma", "lower", "case", "double", "keep", "given", "name",
           "value", "values", "belt", "belts", "channel", "channels", "at", "a", "an", "with",
           "pauses", "all", "than", "shorter", "below", "full", "path"}


def english_left(dutch: str) -> set[str]:
    # (key names, quoted values and the file's own words are not prose: left out)
    prose = re.sub(r"'[^']*'|\"[^\"]*\"|\b[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)+\b|\[[^\]]*\]"
                   r"|\S+\.toml|\w*\d\w*", " ", dutch)
    return {w for w in re.findall(r"[A-Za-z]+", prose) if w.lower() in ENGLISH}


def assert_dutch(message) -> None:
    """``message`` carries Dutch that differs from its English and has no English prose
    left (key names, values and file names stay as the file writes them)."""
    assert isinstance(message, Say), message
    assert said(message, "en") == message
    dutch = said(message, "nl")
    assert dutch != message, dutch
    assert not english_left(dutch), (english_left(dutch), dutch)
