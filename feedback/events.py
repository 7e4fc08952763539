"""The event stream: every kind of event, in one place, for every producer and consumer.

An event is a small frozen dataclass. On the wire (``analyze`` stdout, ``run --events``)
each event is one JSON object per line with ``"event"`` (its kind) and ``"at"`` (signal
time in seconds of the last sample the producer had seen when it emitted it). Optional
fields that are ``None`` are left out of the JSON. See docs/formats.md.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import ClassVar

FAULT_KINDS = ("disconnected", "saturated", "flat", "noisy", "i2c", "led", "display", "storage",
               "button", "sound", "slow")
CUE_KINDS = ("longer_exhale", "slower", "breathe_on", "dont_force", "belly", "good", "check_belt")
# The pacer's verdict on each breath it judged (feedback/pacer.py): in rhythm, or how not.
FOLLOWING = ("in_sync", "exhale_short", "too_fast", "too_slow")


@dataclass(frozen=True)
class Event:
    """Base of all events. ``at``: signal time when the event was emitted."""

    at: float
    kind_name: ClassVar[str] = ""

    def to_dict(self) -> dict:
        out = {"event": self.kind_name}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, float):
                value = round(value, 6) if math.isfinite(value) else None
            out[f.name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Inhale(Event):
    """A trough: the patient started breathing in at ``t``."""

    t: float = 0.0
    kind_name: ClassVar[str] = "inhale"


@dataclass(frozen=True)
class Exhale(Event):
    """A peak: the patient started breathing out at ``t``."""

    t: float = 0.0
    kind_name: ClassVar[str] = "exhale"


@dataclass(frozen=True)
class Breath(Event):
    """One completed breath, trough to trough.

    ``depth`` is relative to the calibrated normal breath (1.0 = normal).
    ``belly_share`` (0..1) and ``paradoxical`` only with two belts.
    """

    start: float = 0.0
    peak: float = 0.0
    end: float = 0.0
    inhale_s: float = 0.0
    exhale_s: float = 0.0
    depth: float = 1.0
    rate_bpm: float = 0.0
    belly_share: float | None = None
    paradoxical: bool | None = None
    kind_name: ClassVar[str] = "breath"

    @property
    def ratio(self) -> float:
        """Exhale:inhale ratio of this breath (exhale seconds per inhale second)."""
        return self.exhale_s / self.inhale_s if self.inhale_s > 0 else float("nan")


@dataclass(frozen=True)
class Hold(Event):
    """Breathing stopped at ``t``; emitted when the hold warning fires."""

    t: float = 0.0
    kind_name: ClassVar[str] = "hold"


@dataclass(frozen=True)
class HoldEnd(Event):
    """Breathing resumed at ``t`` after a hold; ``not_worn`` True: it was no hold, the
    stillness went on until the belt was taken for not worn (a ``flat`` fault follows)."""

    t: float = 0.0
    not_worn: bool | None = None
    kind_name: ClassVar[str] = "hold_end"


@dataclass(frozen=True)
class Fault(Event):
    """A sensor or part fault began. ``kind`` is one of FAULT_KINDS."""

    kind: str = "disconnected"
    belt: str | None = None
    detail: str | None = None
    kind_name: ClassVar[str] = "fault"

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")


@dataclass(frozen=True)
class FaultEnd(Event):
    """A fault of ``kind`` cleared."""

    kind: str = "disconnected"
    belt: str | None = None
    kind_name: ClassVar[str] = "fault_end"

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")


@dataclass(frozen=True)
class Cue(Event):
    """A coaching cue shown to the patient. ``kind`` is one of CUE_KINDS."""

    kind: str = "good"
    kind_name: ClassVar[str] = "cue"

    def __post_init__(self):
        if self.kind not in CUE_KINDS:
            raise ValueError(f"unknown cue kind {self.kind!r}; one of {', '.join(CUE_KINDS)}")


PACER_MODES = ("fixed", "adaptive", "off")
EXERCISE_KINDS = ("calibration", "breathing", "movement", "load")


@dataclass(frozen=True)
class Exercise(Event):
    """An exercise started (``phase='start'``) or ended (``phase='end'``).

    At the start (all optional, left out by older producers): ``kind``, the exercise's
    kind (one of EXERCISE_KINDS: calibration minutes are no practice), ``name_en``, its
    English name (``name`` is the Dutch one), ``pacer``, the pacer's mode in this
    exercise (one of PACER_MODES; ``off``: no pacer), and with a pacer the target it
    leads to: ``target_ratio``, exhale:inhale as the analysis measures it (pauses
    counted, ``Pattern.effective_ratio``), and ``target_rate_bpm``. At the end:
    ``active_s``, seconds practised (pauses left out) and, with a pacer, ``in_sync``, the
    share (0..1) of the assessed breaths that followed it, ``following``, how many of them
    the pacer judged each way (every one of FOLLOWING, in that order: the share of each
    is its count over their sum), ``short_exhale``, how many of those breaths had an
    exhale short of the pacer's whatever their pace (a breath too fast is judged so, and
    may have had a short exhale too), and the target in force at the end (a config
    changed during the exercise moves it).
    """

    name: str = ""
    phase: str = "start"
    kind: str | None = None
    name_en: str | None = None
    pacer: str | None = None
    target_ratio: float | None = None
    target_rate_bpm: float | None = None
    active_s: float | None = None
    in_sync: float | None = None
    following: dict[str, int] | None = None
    short_exhale: int | None = None
    kind_name: ClassVar[str] = "exercise"

    def __post_init__(self):
        if self.phase not in ("start", "end"):
            raise ValueError(f"exercise phase must be 'start' or 'end', not {self.phase!r}")
        if self.kind is not None and self.kind not in EXERCISE_KINDS:
            raise ValueError(f"unknown exercise kind {self.kind!r}; one of "
                             f"{', '.join(EXERCISE_KINDS)}")
        if self.pacer is not None and self.pacer not in PACER_MODES:
            raise ValueError(f"unknown pacer mode {self.pacer!r}; one of "
                             f"{', '.join(PACER_MODES)}")
        if self.following is not None:
            if not isinstance(self.following, dict) or set(self.following) != set(FOLLOWING):
                raise ValueError(f"following must give a count for each of "
                                 f"{', '.join(FOLLOWING)}")
            if not all(type(n) is int and n >= 0 for n in self.following.values()):
                raise ValueError("following's counts must be whole numbers, 0 or more")
        if self.short_exhale is not None:
            if self.following is None:
                raise ValueError("short_exhale counts the breaths judged in following: "
                                 "it needs following")
            if not (type(self.short_exhale) is int
                    and 0 <= self.short_exhale <= sum(self.following.values())):
                raise ValueError("short_exhale must be a whole number, 0 up to the breaths "
                                 "judged in following")


@dataclass(frozen=True)
class Pause(Event):
    """The exercise stopped: the patient paused it (the start/pause button), or it
    calibrates again, until the ``Resume``."""

    kind_name: ClassVar[str] = "pause"


@dataclass(frozen=True)
class Resume(Event):
    """The exercise goes on after a pause (or a recalibration)."""

    kind_name: ClassVar[str] = "resume"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind_name: cls
    for cls in (Inhale, Exhale, Breath, Hold, HoldEnd, Fault, FaultEnd, Cue, Exercise, Pause,
                Resume)
}


def from_dict(data: dict) -> Event:
    """Build an event from its JSON object. Raises ValueError naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"an event must be a JSON object, not {type(data).__name__}")
    name = data.get("event")
    cls = EVENT_TYPES.get(name)
    if cls is None:
        raise ValueError(f"unknown event {name!r}; one of {', '.join(EVENT_TYPES)}")
    known = {f.name for f in dataclasses.fields(cls)}
    extra = set(data) - known - {"event"}
    if extra:
        raise ValueError(f"event {name!r} has no field {', '.join(sorted(extra))}")
    if "at" not in data:
        raise ValueError(f"event {name!r} has no 'at'")
    return cls(**{k: v for k, v in data.items() if k != "event"})


def from_json(line: str) -> Event:
    """Parse one JSON Lines line into an event."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    return from_dict(data)


def read_events(path) -> list[Event]:
    """Read a whole JSON Lines event file (for tests, reports and tools)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(from_json(line))
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"{path}:{n}: {exc}") from None
    return out
