"""The notice line at the bottom of the screen, and the texts the coach puts on it.

``Notices`` keeps one notice per source (config, unit, export), each for
``NOTICE_S`` or, ``lasting``, until its source clears it, and gives the line one at a
time, several taking turns. The texts: what a rejected config's notice says
(``rejected_notice``), and which belt to check (``belt_notice``, ``idle_belt_notice``),
from the cue rules' faults. The coach owns one ``Notices`` (``Coach.show_notice``);
time is passed in.
"""

from __future__ import annotations

import re

from feedback import i18n
from feedback.cues import shown_fault
from feedback.words import said

NOTICE_S = 30.0  # a notice (an export done, a restart needed) stays this long
NOTICE_TURN_S = 4.0  # several notices take turns on the one line
NOTICE_MESSAGE = 80  # characters of a rejected config's message the notice line says whole


class Notices:
    """The notices of one session's screen, one per source (see the module docstring)."""

    def __init__(self):
        # Lines at the bottom of the screen, one per source: (text, since, lasting).
        self._notices: dict[str, tuple[str, float, bool]] = {}
        self._turn: tuple[str, float] | None = None  # the notice on the line, since when

    def show(self, text: str | None, t: float, source: str = "info",
             lasting: bool = False) -> None:
        """A notice at the bottom of the screen for ``NOTICE_S``, or while ``lasting``
        until its source clears it (None). Each source (config, unit, export) has its
        own, so one clearing its own does not take another's away; several take turns."""
        if text:
            old = self._notices.get(source)
            since = old[1] if old is not None and old[0] == text else t  # (said again)
            self._notices[source] = (text, since, lasting)
        else:
            self._notices.pop(source, None)

    @property
    def newest(self) -> tuple[str, float] | None:
        """The newest notice and since when (None: none)."""
        if not self._notices:
            return None
        text, since, _ = max(self._notices.values(), key=lambda n: n[1])
        return text, since

    def line(self, t: float, first: list[str], hint: bool = False) -> str | None:
        """The notice line: one notice at a time, each for ``NOTICE_TURN_S`` in turn when
        there are several (joined, they shrank to a few pixels on the small screen). A
        notice that comes or goes waits for the turn to end: none flickers. ``first``
        take their turns before the stored notices (a belt to check). With ``hint``
        (the screen's own line at the bottom, which a notice covers: the exercise's hint,
        the calibration's "wait", the summary's "press") that line takes a turn too
        (None): a notice that lasts the whole exercise (a belt out) no longer hides the
        exercise's instruction."""
        shown = list(first)
        shown += [text for text, since, lasting in sorted(self._notices.values(),
                                                          key=lambda n: n[1])
                  if lasting or t - since < NOTICE_S]
        turn = self._turn
        if not shown:
            self._turn = None
            return None
        if hint:
            shown.append(None)
        if turn is not None and turn[0] in shown and 0.0 <= t - turn[1] < NOTICE_TURN_S:
            return turn[0]
        after = shown.index(turn[0]) + 1 if turn is not None and turn[0] in shown else 0
        self._turn = (shown[after % len(shown)], t)
        return self._turn[0]


def rejected_notice(error, lang: str) -> str:
    """The notice of a rejected config (``reload.Rejected``'s error): its first problem,
    where it is and, when short enough to read on the line, what it is."""
    first = error.problems[0] if error.problems else error
    name = getattr(first, "path", "").rsplit("/", 1)[-1]
    line = getattr(first, "line", None)
    message = said(getattr(first, "message", first), lang)
    where = name + (", " + i18n.text("config.line", lang, line=line) if line else "")
    if len(message) <= NOTICE_MESSAGE:
        problem = f"{where}: {message}"
    else:  # (a long rule, wrapped to three lines of 10 px at 480x320): where it is
        english = str(getattr(first, "message", first))  # ("TOML-schrijfwijze")
        key = english.split(":", 1)[0].split(" = ", 1)[0]
        if re.fullmatch(r"[\w.\[\]-]+", key):  # a key, not a sentence
            where += f" ({key})"
        problem = i18n.text("config.where", lang, where=where)
    return i18n.text("config.notice", lang, problem=problem)


def idle_belt_notice(rules, lang: str) -> str:
    """The start screen's line for a belt that does not measure: what and which."""
    kind, belts = shown_fault(rules.faults)
    what = i18n.text(f"sensor.{kind}", lang)
    if belts:
        what += " (" + ", ".join(i18n.text_or(f"belt.{b}", lang, b) for b in belts) + ")"
    title = "unit.title" if kind == "i2c" else "sensor.title"  # (the chip is no belt)
    return f"{i18n.text(title, lang)}: {what}"


def belt_notice(rules, lang: str, key: str = "sensor.partial") -> str:
    """Which belt to check and why, and which one goes on measuring (``key``
    "sensor.partial_head": which belt to check; "sensor.partial_detail": the rest)."""
    (kind, belt), *_ = rules.partial
    other = next(b for b in rules.belts if b != belt)
    said = i18n.text(key, lang, belt=i18n.text_or(f"belt.{belt}", lang, belt),
                     other=i18n.text_or(f"belt.{other}", lang, other),
                     what=i18n.text(f"sensor.{kind}", lang))
    return said[:1].upper() + said[1:]
