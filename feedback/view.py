"""What the screen shows: the view model the coach fills and the screen draws.

``View`` holds raw values (numbers, keys, arrays) and the few texts that come from the
config or the coach already in the patient's language (the programme's and exercise's
names, the hint, the notice line); the screen picks every other string and the layout.
``CurveRing`` keeps the live curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from feedback import i18n
from feedback.cues import CORRECTIONS


class CurveRing:
    """The live curve: rows of (t, patient level, pacer level or nan) in a numpy ring, so
    a frame takes the rows it shows without converting the whole history."""

    __slots__ = ("rows", "i", "count")

    def __init__(self, n: int):
        self.rows = np.empty((n, 3))
        self.i = 0  # where the next row goes
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def last_t(self) -> float:
        return float(self.rows[self.i - 1, 0])

    def clear(self) -> None:
        """Forget every row (a new session: what the belt measured before is not its)."""
        self.i = 0
        self.count = 0

    def append(self, t: float, level: float, target: float) -> None:
        self.rows[self.i] = (t, level, target)
        self.i = (self.i + 1) % len(self.rows)
        self.count = min(self.count + 1, len(self.rows))

    def tail(self, k: int) -> np.ndarray:
        """The last ``k`` rows (or all there are), oldest first, as a new array."""
        k = min(k, self.count)
        start = self.i - k
        if start >= 0:
            return self.rows[start:self.i].copy()
        return np.concatenate((self.rows[start:], self.rows[:self.i]))


@dataclass
class View:
    """Everything a screen needs, in raw values (and the texts above, already in
    ``lang``); the screen picks the other strings and the layout."""

    screen: str
    lang: str = "nl"
    programme: str = ""
    today_min: float = 0.0
    today_target: float = 5.0  # the home target, minutes a day ([patient] daily_minutes)
    # False for a programme in the treatment room (``home_practice = false``: "clinic",
    # "analysis"): the minutes are shown, not the home target, which is for practice at home
    home: bool = True
    patient: str = ""  # the patient code the screen's day and the next session are for
    # The summary of a session begun before midnight: the day it counts for, so many days
    # back (1: yesterday), and ``today_min`` is that day's.
    days_back: int = 0
    left: bool = False  # the summary of a session that ended standing still (coach.LEFT_S),
    #   or that measured no breath at all: titled "Sessie gestopt", not "Goed gedaan!"
    exercise: str = ""
    paused: bool = False  # (the belt screen: the exercise that waits is paused)
    hint: str = ""
    index: int = 0
    total: int = 0
    left_s: float | None = None
    reps_left: int | None = None
    progress: float = 0.0
    pacer_level: float | None = None
    pacer_phase: str | None = None
    patient_level: float | None = None
    rate_bpm: float | None = None
    ratio: float | None = None
    target_rate: float | None = None
    target_ratio: float | None = None  # the least the "longer exhale" cue accepts (a pacer)
    two_belts: bool = False  # two belts measure: the belly's share is shown
    belly_pct: float | None = None  # ... of the exercise's last breath, % (None: none yet)
    belly_target: float | None = None  # ... and the least the belly cue accepts, %
    cue: str | None = None
    warning: bool = False
    curve_t: np.ndarray | None = None
    curve_patient: np.ndarray | None = None
    curve_target: np.ndarray | None = None
    curve_s: float = 30.0
    far: bool = False  # [screen] view = "far": the exercise and calibration screens' far view
    rows: list = field(default_factory=list)
    fault: str | None = None
    fault_belts: tuple = ()  # the belts with the fault shown (config names; none: i2c)
    problems: list = field(default_factory=list)
    kept: bool = True
    notice: str | None = None
    # The notice is the question "next" asks (``Coach.next_asked``): it shows under the
    # hold warning too, which then keeps the space above the notice line.
    asked: bool = False
    # The calibration has had its time and measured no breath: it waits, its screen
    # saying so in its main text's place ("Controleer de band", then "Nog geen ...")
    breath_missing: bool = False
    # The notice on the line as a short head and the rest, where it has them (a belt to
    # check): the far view's exercise screen draws the head large, on a banner.
    notice_head: str | None = None
    notice_detail: str | None = None


def minutes(x: float, lang: str = "nl", up: bool = False) -> str:
    """Minutes as the patient reads them: rounded down to a tenth, whole minutes without
    the decimal ('4,6', '5'). Rounded down, so a number never reads as the target met
    before it is (4.96 of 5 shows '4,9', not '5'); a target rounded ``up`` for the same
    reason (1.04 of a 1.05 target read "1 of 1")."""
    tenths = (math.ceil(max(x, 0.0) * 10 - 1e-9) if up
              else round(i18n.tenths_down(x) * 10))
    shown = i18n.number(tenths / 10, lang, 1)
    return shown[:-2] if tenths % 10 == 0 else shown


def tips(row: dict) -> int:
    """A summary row's corrections: its cues less the praise and the belt checks."""
    return sum(n for kind, n in row["cues"].items() if kind in CORRECTIONS)


def belly(row: dict) -> str:
    """A summary row's belly share ('58%', the median of its breaths), '-' without one."""
    pct = row.get("belly_pct")
    return "-" if pct is None else f"{round(pct)}%"


def in_sync(row: dict) -> str:
    """A summary row's share of breaths in rhythm with the pacer, '-' without a pacer."""
    following = row.get("following") or {}
    if not any(following.values()):
        return "-"
    return f"{round(100 * following.get('in_sync', 0.0))}%"


def config_error_view(problems, lang: str = "nl", kept: bool = False) -> View:
    """The config error screen: ``problems`` are ConfigError.problems or strings."""
    return View(screen="config", lang=lang, problems=list(problems), kept=kept)
