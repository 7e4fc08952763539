"""What a session has practised: each exercise's numbers, and the minutes per day.

``ExerciseStats`` is what the coach keeps of one exercise (its minutes, breaths, cues,
how well the patient followed the pacer) and the summary's line made of it;
``own_breath`` is the patient's own rhythm as the exercises so far measured it (where an
adaptive pacer starts). ``PracticeDays`` keeps the minutes practised per day by patient
code, for the day's target on the screen; the coach owns one and tells it when a
session begins and when the date moves on. No time is read here.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from feedback.cues import breaths_per_min
from feedback.programme import ExerciseSpec

# An adaptive pacer starts from the median breath of the last exercise before it that
# measured this many (the breath under way when the calibration began is not its own, so
# a calibration that ends on the analysis's three breaths has two or three).
OWN_BREATHS = 2


@dataclass
class ExerciseStats:
    spec: ExerciseSpec
    active_s: float = 0.0
    rates: list = field(default_factory=list)
    ratios: list = field(default_factory=list)
    periods: list = field(default_factory=list)  # each breath's own length (s), for the screen
    share: float | None = None  # the belly's share of its last breath (two belts), for the
    #   screen; negative for a paradoxical breath (the belly drawn in as the chest rises)
    shares: list = field(default_factory=list)  # each breath's belly share (two belts),
    #   negative for a paradoxical one, as ``share``
    holds: int = 0
    cues: Counter = field(default_factory=Counter)
    following: dict = field(default_factory=dict)

    def row(self) -> dict:
        """One summary line: minutes, breaths/min, exhale:inhale, holds, cues, following,
        and with two belts the belly's share."""
        def med(xs):
            return float(np.median(xs)) if xs else None

        # (its own breaths counted over their length: the analysis's rate of a breath is
        # a median over the breaths before it too, of the exercise before)
        rate = breaths_per_min(self.periods) if self.periods else med(self.rates)
        return {"id": self.spec.id, "name_nl": self.spec.name_nl, "name_en": self.spec.name_en,
                "minutes": self.active_s / 60.0, "breaths": len(self.rates),
                "rate_bpm": rate, "ratio": med(self.ratios), "holds": self.holds,
                # (the median belly share, a paradoxical breath's negative as on the
                # exercise screen: the report's belly_pct is its size, and the share of
                # paradoxical breaths beside it; None without two belts)
                "belly_pct": None if not self.shares else 100 * med(self.shares),
                "cues": dict(self.cues), "following": dict(self.following)}


def own_breath(stats: list[ExerciseStats]) -> tuple[float, float] | None:
    """The patient's own breath in this session, (inhale, exhale) in seconds, as last
    measured before this exercise: the median length and exhale:inhale of the
    breaths of the last exercise that measured ``OWN_BREATHS`` of them, all of a
    calibration's, the last five of another's (the rhythm breathed just now: after
    5 minutes at the clinic's 5.2/min belly pacer, the calibration's 14/min was more
    than twice as fast). None before any did (one breath says little of a rhythm
    that varies by a third from breath to breath; the first breath in the exercise
    is taken then)."""
    for st in reversed(stats):
        if len(st.periods) >= OWN_BREATHS and len(st.ratios) >= OWN_BREATHS:
            k = 0 if st.spec.kind == "calibration" else -5
            period = float(statistics.median(st.periods[k:]))
            ratio = float(statistics.median(st.ratios[k:]))
            return period / (1.0 + ratio), period * ratio / (1.0 + ratio)
    return None


class PracticeDays:
    """Minutes practised per day, by patient code: today's, and those of the other days
    this run has seen (see the module docstring)."""

    def __init__(self, code: str, today_min: float | dict[str, float]):
        # Minutes practised today before this session, by patient code (from the records,
        # ``today_min``: a number is the configured code's): a new code from a reload
        # shows its own, with no read of the card in the loop.
        self.today_by_code = (dict(today_min) if isinstance(today_min, dict)
                              else {code: today_min})
        # Days by number (the wall-clock date less the one at start, ``new_day``), and the
        # minutes of the other days this run has seen: a clock set back to a day gives it
        # its minutes back. The session counts for the day it began (``_session_day``).
        self._day_no = 0
        self._session_day = 0
        self._other_days: dict[int, dict[str, float]] = {}

    def add(self, code: str, minutes: float) -> None:
        """The session before counts on, for the day it began: ``minutes`` of ``code``."""
        day = self.session_minutes()
        day[code] = day.get(code, 0.0) + minutes

    def begin_session(self) -> None:
        """A session begins: it counts for the day it is now."""
        self._session_day = self._day_no

    def days_back(self) -> int:
        """How many days before today the session began (0: today's; below 0: a clock
        set back since it began)."""
        return self._day_no - self._session_day

    def redate(self, days_back: int) -> None:
        """The session began ``days_back`` days before today after all (the clock was
        set since it began, and its start re-dated by the step): it counts for that day."""
        self._session_day = self._day_no - days_back

    def session_minutes(self) -> dict[str, float]:
        """The minutes, by code, of the day this session began (before it)."""
        if self._session_day == self._day_no:
            return self.today_by_code
        return self._other_days.setdefault(self._session_day, {})

    def new_day(self, days: int = 1) -> None:
        """The date moved on ``days`` (midnight: 1; a clock jump: more, or fewer than 0, set
        back): today's practice is that of the day it is now, 0 for a day not seen
        before in this run. A session running over midnight counts, all of it, for the
        day it began, as in the records and the report (the screen counted what followed
        midnight for the new day, the report did not: the patient was told the target was
        met, the therapist read it was not). A clock set back to a day seen before gives
        it its minutes back (it showed 0 for a day already practised)."""
        if not days:
            return
        self._other_days[self._day_no] = self.today_by_code
        self._day_no += days
        self.today_by_code = self._other_days.pop(self._day_no, {})
