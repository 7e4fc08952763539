"""Cue rules: what to tell the patient, and when not to.

Each rule looks at the analysis events (and, for ``good``, the passing time) and may
propose a cue. Proposals go through one gate so the patient is not flooded:

- ``breathe_on`` (on a Hold event) and ``check_belt`` (on a sensor Fault) are urgent: they
  bypass the gap and appear at once.
- every other cue needs ``cues.min_gap_s`` since the last cue shown; when several are
  due at once the highest priority wins (PRIORITY below). A suppressed cue is not queued:
  its rule still holds on the next breath and proposes it again.
- back-off: a correction (BACKOFF below) that the patient has not (yet) acted on is not
  repeated every ``min_gap_s``: the gap before the same cue again doubles with each
  repeat (2, 4, 8 ... x ``min_gap_s``) up to ``cues.repeat_gap_max_s``. It starts again
  from ``min_gap_s`` once the patient meets that cue's target for ``after_breaths``
  breaths in a row (and in each new exercise). While one correction waits out its gap,
  another that is due may be given.
- during a sensor fault no breathing cue is given and a Hold is never reported as a
  breath-hold (the belt, not the patient, stopped). With two belts, one of them
  unplugged, flat or at a rail is no such fault while the other works (``partial``):
  the analysis goes on with the other belt (breaths, and holds judged by that belt
  alone), and so do the cues; the belt check is a notice on the exercise screen.

A cue kind is active when it is on in ``[cues]`` of the config *and* in the exercise's
``cues`` list. The rules are plain functions of the event stream so they can be tested
on synthetic streams and on the simulated patient through the real analysis alike.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from feedback.events import Breath, Cue, Event, Fault, FaultEnd, Hold, HoldEnd
from feedback.pacer import EXHALE_FLOOR

# With a pacer, "Adem langer uit" comes for breaths whose exhale:inhale is below this share
# of the pacer's (its pauses counted); the screen shows that least ratio as the target, and
# the pacer judges such a breath's exhale short (``Pacer.short_exhale``).
PRIORITY = ("breathe_on", "check_belt", "dont_force", "slower", "longer_exhale", "belly", "good")
URGENT = ("breathe_on", "check_belt")
# A breath whose exhale is this many times its inhale or more is no fast breathing for
# "Rustiger ademen": speech is breathed so (a quick inhale, then the phrase breathed out),
# and 20-30 s of talking to the therapist read as 4-7 breaths too fast for the pacer. Of the
# breaths faster than 16/min in the BIDMC recordings at rest, 4.6 % reach it.
SPEECH_RATIO = 3.0
# The cues that correct the patient's breathing (the summary's "tips"): not the praise,
# nor the belt check (the belt, not the breathing).
CORRECTIONS = ("breathe_on", "dont_force", "slower", "longer_exhale", "belly")
# The corrections the breath rules give, which back off when repeated (breathe_on comes
# once per hold, at once).
BACKOFF = ("dont_force", "slower", "longer_exhale", "belly")
SENSOR_FAULTS = ("disconnected", "saturated", "flat", "noisy", "i2c")
# A belt held still in the analysis' sum (not a noisy one, whose noise is in it): with
# two belts, the other one still measures.
HELD_FAULTS = ("disconnected", "saturated", "flat")
# The same fault of the same belt back within this long of its end is the same trouble
# (a belt that reaches its rail in every breath): no new check_belt cue; screen and
# records still show each one.
CHECK_AGAIN_S = 60.0
JOIN_S = 2.0  # a fault that begins this soon after another ended is the same episode


def slower_limit(slower_above_bpm: float, pacer_bpm: float | None = None) -> float:
    """The rate above which breaths are too fast for the ``slower`` cue: the config's or
    the exercise's ``slower_above_bpm``, and with a pacer at ``pacer_bpm`` no more than
    1.5 x its rate (and 3/min above it), where that is lower."""
    if pacer_bpm:
        return min(slower_above_bpm, max(pacer_bpm * 1.5, pacer_bpm + 3))
    return slower_above_bpm


def breaths_per_min(lengths) -> float | None:
    """Breaths/min over breaths of these ``lengths`` (s): how many were breathed a minute,
    60 x their number over their summed length, None for none. Not the median of each
    breath's own rate: with the 20-45 % breath-to-breath spread of real breathing that
    reads 0.5-2/min higher than the breaths counted."""
    lengths = [x for x in lengths if x > 0]
    return 60.0 * len(lengths) / sum(lengths) if lengths else None


@dataclass(frozen=True)
class Targets:
    """What the pacer asks for at the moment (None when the pacer is off), and the
    exercise's own rate limit for the ``slower`` cue (None: the ``[cues]`` one)."""

    rate_bpm: float | None = None
    ratio: float | None = None
    slower_above_bpm: float | None = None


def partial_faults(faults, belts) -> tuple[tuple[str, str], ...]:
    """With two belts: the sensor faults (kind, belt) of the one held still, if the other
    measures on (else empty). Sorted: the belt's held fault comes first."""
    if len(belts) != 2 or not faults:
        return ()
    faults = tuple(sorted(faults, key=lambda f: (f[0] not in HELD_FAULTS, str(f))))
    out = {belt for _kind, belt in faults}
    if len(out) == 1 and out < set(belts) and any(
            kind in HELD_FAULTS for kind, _belt in faults):
        return faults  # (a belt noisy before it was unplugged is held all the same)
    return ()


def shown_fault(faults) -> tuple[str, tuple[str, ...]]:
    """The sensor fault the belt screen names, and the belts it names: ``i2c`` first (no
    belt is read at all, so a belt's fault from before says nothing now), else the first
    kind in SENSOR_FAULTS' order, with every belt that has that fault (before, the first
    in alphabetical order: an unplugged belly hid a bus that stopped answering, and of two
    belts unplugged only one was named)."""
    if any(kind == "i2c" for kind, _belt in faults):
        return "i2c", ()
    kind = min((k for k, _b in faults), key=SENSOR_FAULTS.index)
    return kind, tuple(sorted({b for k, b in faults if b and k == kind}))


def no_belt_measures(faults, belts) -> bool:
    """Do the sensor faults (kind, belt) now on leave no belt measuring? (The belt screen;
    the exercise's clock stands still.)"""
    return bool(faults) and not partial_faults(faults, belts)


class CueRules:
    """Rate-limited, prioritised cue rules over the event stream.

    ``cues`` is the ``[cues]`` section of the config; ``active`` the set of cue kinds the
    exercise allows (None = all); ``belts`` the belts' names (None: any belt fault stops
    the cues, as with one belt).
    """

    def __init__(self, cues, active=None, t0: float = 0.0, belts=None):
        self.cfg = cues
        self.active = set(active) if active is not None else None
        self.belts = tuple(belts) if belts is not None else ()
        self.last_cue_at = float("-inf")
        self.faults: set[tuple[str, str | None]] = set()
        self.holding_since: float | None = None
        self.hold_unsaid = False  # a hold found during a sensor's fault, not yet warned
        self.breaths: deque[Breath] = deque(maxlen=10)
        # The pacer's verdict on each breath it judged (pacer.FOLLOWING): "Goed zo!" is
        # not for breaths out of rhythm with it.
        self.verdicts: deque[str] = deque(maxlen=10)
        self.ok_since = t0
        self.last_breath_at: float | None = None
        self.shown: tuple[str, float] | None = None
        self.counts: dict[str, int] = {}
        # Back-off: per correction, how often it was given since the patient last met
        # its target, and when it was given last.
        self.repeats: dict[str, int] = {}
        self.given_at: dict[str, float] = {}
        self.fault_ended: dict[tuple[str, str | None], float] = {}  # when each last ended

    def carry(self, before: CueRules) -> CueRules:
        """Take over what is still going on from the last exercise's rules: a belt fault
        (its end has not come yet), and a hold if this exercise warns of holds."""
        self.faults = set(before.faults)
        self.fault_ended = dict(before.fault_ended)
        if before.holding and self.enabled("breathe_on"):
            self.holding_since = before.holding_since
            self.hold_unsaid = before.hold_unsaid
        return self

    def enabled(self, kind: str) -> bool:
        return bool(self.cfg[kind]) and (self.active is None or kind in self.active)

    def set_config(self, cues) -> None:
        self.cfg = cues

    @property
    def fault(self) -> bool:
        """No usable signal (the belt screen is up): a sensor fault that leaves no belt
        measuring."""
        return no_belt_measures(self.faults, self.belts)

    @property
    def partial(self) -> tuple[tuple[str, str], ...]:
        """Two belts, and the faults (kind, belt) of the one held still, if the other
        measures on (else empty). Sorted: the belt's held fault comes first."""
        return partial_faults(self.faults, self.belts)

    @property
    def holding(self) -> bool:
        return self.holding_since is not None

    # --- events -------------------------------------------------------------------------

    def feed(self, event: Event, targets: Targets = Targets(), verdict: str = "") -> list[Cue]:
        """Cues for ``event``. ``verdict``: for a breath, how it followed the pacer
        (``Pacer.observe``: "in_sync" or how it did not; "" when no pacer judged it)."""
        if isinstance(event, Fault) and event.kind in SENSOR_FAULTS:
            key = (event.kind, event.belt)
            # (The chip inside the unit not answering, ``i2c``, is no belt to check and
            # gets no cue: the screen says "Storing in het apparaat", and the fault itself
            # is the record. A belt found out as the bus comes back is cued.)
            ended = {k: at for k, at in self.fault_ended.items() if k[0] != "i2c"}
            already = event.kind == "i2c" or any(k[0] != "i2c" for k in self.faults) or (
                event.at - ended.get(key, float("-inf")) < CHECK_AGAIN_S  # the belt is
                or event.at - max(ended.values(), default=float("-inf")) < JOIN_S)  # checked
            self.faults.add(key)
            if self.fault and event.kind != "i2c":  # (the analysis ends its hold too;
                # with one of two belts out the other goes on judging it). No belt read
                # (i2c): the hold is not shown while the belt screen is, and shows again
                # after it unless the analysis ended it.
                self.holding_since, self.hold_unsaid = None, False
            self._reset_ok(event.at)
            return [] if already else self._urgent("check_belt", event.at)
        if isinstance(event, FaultEnd):
            self.faults.discard((event.kind, event.belt))
            if event.kind in SENSOR_FAULTS:  # (a unit's own part, or the unit too slow,
                # is no belt episode that a belt out a second later would join)
                self.fault_ended[(event.kind, event.belt)] = event.at
            self._reset_ok(event.at)
            if self.hold_unsaid and self.holding and not self.fault:
                self.hold_unsaid = False  # (the hold below: warned as the belt screen goes)
                return self._urgent("breathe_on", event.at)
            return []
        if isinstance(event, Hold):
            if not self.enabled("breathe_on"):
                return []
            if self.fault:
                # Samples came (the sensor answers again, not yet for long enough to end
                # its fault): the analysis found the hold in them. It is warned when the
                # belt screen goes, as a hold under way is. (Not when a belt's own fault
                # leaves none measuring once the bus is back: the analysis ends its hold
                # then. One of two belts out, the other judges the hold alone.)
                rest = {f for f in self.faults if f[0] != "i2c"}
                if not no_belt_measures(rest, self.belts):
                    self.holding_since, self.hold_unsaid = event.at, True
                return []
            self.holding_since = event.at
            self._reset_ok(event.at)
            return self._urgent("breathe_on", event.at)
        if isinstance(event, HoldEnd):
            self.holding_since, self.hold_unsaid = None, False
            self._reset_ok(event.at)
            return []
        if isinstance(event, Breath) and not self.fault:
            self.breaths.append(event)
            self.last_breath_at = event.at
            if verdict:
                self.verdicts.append(verdict)
            return self._on_breath(event, targets)
        return []

    def tick(self, t: float) -> list[Cue]:
        """Time-based rules: ``good`` after a stretch in target."""
        if self.fault or self.holding or self.last_breath_at is None:
            return []
        if t - self.last_breath_at > 20.0:  # no breaths seen lately: nothing to praise
            return []
        if t - self.ok_since >= self.cfg["good_after_s"] and self.enabled("good"):
            out = self._gate(["good"], t)
            if out:
                self.ok_since = t
            return out
        return []

    # --- rules --------------------------------------------------------------------------

    def _rules(self, targets: Targets) -> dict:
        """Per breath rule: (how many recent breaths it looks at, is a breath off target,
        is a breath on target). A breath that tells nothing (no inhale measured, one belt
        only) is neither."""
        c = self.cfg
        n = c["after_breaths"]
        slower_above = slower_limit(targets.slower_above_bpm or c["slower_above_bpm"],
                                    targets.rate_bpm)
        # With a pacer its ratio sets how long an exhale must be (a 1:1 pacer followed
        # exactly is no exhale too short), else the therapist's fixed floor.
        below = EXHALE_FLOOR * targets.ratio if targets.ratio else c["longer_exhale_below"]
        deep, share_min = c["dont_force_depth"], c["belly_share_min"]

        def fast(b) -> bool:
            # Too fast by the analysis's rate (the median of the last 5 breaths, so one
            # short breath, a twitch split off, is no fast breathing) and by the breath's
            # own length: the median stays at a faster pace for two breaths after it, and
            # a patient back at the pacer's pace after 20 s of talking was told "Rustiger
            # ademen" for a breath that followed it. Nor is speech fast (SPEECH_RATIO).
            own = 60.0 / (b.end - b.start) if b.end > b.start else b.rate_bpm
            speech = b.inhale_s > 0 and b.ratio >= SPEECH_RATIO
            return b.rate_bpm > slower_above and own > slower_above and not speech

        return {
            "slower": (n, fast, lambda b: not fast(b)),
            "longer_exhale": (n, lambda b: b.inhale_s > 0 and b.ratio < below,
                              lambda b: b.inhale_s > 0 and b.ratio >= below),
            "dont_force": (min(2, n), lambda b: b.depth > deep, lambda b: b.depth <= deep),
            # A paradoxical breath (the belly drawn in as the chest rises) is no belly
            # breathing, however much the belly moves: its share alone read 54 % and the
            # belly exercise praised it ("Goed zo!") instead of "Adem naar je buik".
            "belly": (n, lambda b: b.belly_share is not None and (
                          b.belly_share < share_min or bool(b.paradoxical)),
                      lambda b: b.belly_share is not None and b.belly_share >= share_min
                      and not b.paradoxical),
        }

    def problems(self, targets: Targets = Targets()) -> list[str]:
        """Cue kinds the recent breaths call for (regardless of gap and switches)."""
        if len(self.breaths) < self.cfg["after_breaths"]:
            return []
        recent = list(self.breaths)
        return [kind for kind, (n, off, _on) in self._rules(targets).items()
                if all(off(b) for b in recent[-n:])]

    def met(self, targets: Targets = Targets()) -> list[str]:
        """Cue kinds whose target the last ``after_breaths`` breaths all met."""
        n = self.cfg["after_breaths"]
        recent = list(self.breaths)[-n:]
        if len(recent) < n:
            return []
        return [kind for kind, (_n, _off, on) in self._rules(targets).items()
                if all(on(b) for b in recent)]

    def _on_breath(self, b: Breath, targets: Targets) -> list[Cue]:
        for kind in self.met(targets):  # the patient changed: a new cue starts afresh
            self.repeats.pop(kind, None)
        # A rule switched off (in [cues], or left out of the exercise's cues, as "belly" in
        # the ribs exercise) is no fault there: it keeps no praise away either.
        due = [k for k in self.problems(targets) if self.enabled(k)]
        # Out of rhythm with the pacer for as many breaths as a cue waits for: no cue of
        # its own (the ring shows it), but no praise either. (A patient who kept their
        # own calm 8/min against a 5/min pacer, 0 % in rhythm in the summary, was told
        # "Goed zo!" every minute.) Nor for breaths mostly off a target (``mostly_off``),
        # if not all of them.
        if due or self.off_pace() or self.mostly_off(targets):
            self._reset_ok(b.at)
        return self._gate(due, b.at)

    def off_pace(self, pace_only: bool = False) -> bool:
        """The pacer judged the last ``after_breaths`` breaths all out of its rhythm; with
        ``pace_only``, all too fast or too slow for it (not only too short an exhale)."""
        n = self.cfg["after_breaths"]
        recent = list(self.verdicts)[-n:]
        off = ("too_fast", "too_slow") if pace_only else ("too_fast", "too_slow",
                                                          "exhale_short")
        return len(recent) == n and all(v in off for v in recent)

    def mostly_off(self, targets: Targets = Targets()) -> list[str]:
        """The rules switched on whose target most of their recent breaths miss (more than
        half of the breaths the rule looks at). A cue waits for every one of them to miss
        (one breath is no habit), but praise must not come for breaths that mostly miss:
        real breathing varies from breath to breath by a third or more, and one breath
        over the bar among chest breaths (the belly's share, median 24 %), or one too
        shallow to call paradoxical, kept the cue from being due for three breaths, and a
        chest or paradoxical breather was told "Goed zo!" in the belly exercise. The same
        holds for the rate and the exhale."""
        recent = list(self.breaths)
        return [kind for kind, (n, off, _on) in self._rules(targets).items()
                if self.enabled(kind) and len(recent) >= n
                and 2 * sum(1 for b in recent[-n:] if off(b)) > n]

    def _reset_ok(self, t: float) -> None:
        self.ok_since = t

    def skip(self, start: float, end: float) -> None:
        """Time without practice (a pause, a recalibration, no belt measuring) does not
        count toward ``good_after_s``: "Goed zo!" came right after a pause. Nor does
        praise come before a breath after it: a recalibration's 11 s kept the praise
        waiting, and "Goed zo!" came as the exercise went on, before any breath."""
        self.last_breath_at = None
        if self.ok_since <= start:
            self.ok_since += max(end - start, 0.0)
        elif self.ok_since < end:
            self.ok_since = end

    # --- the gate -----------------------------------------------------------------------

    def _urgent(self, kind: str, t: float) -> list[Cue]:
        if not self.enabled(kind):
            return []
        return [self._emit(kind, t)]

    def _gate(self, kinds: list[str], t: float) -> list[Cue]:
        if not kinds or t - self.last_cue_at < self.cfg["min_gap_s"]:
            return []
        kinds = [k for k in kinds if t - self.given_at.get(k, float("-inf"))
                 >= self.repeat_gap(k)]
        if not kinds:
            return []
        kind = min(kinds, key=PRIORITY.index)
        return [self._emit(kind, t)]

    def repeat_gap(self, kind: str) -> float:
        """Seconds the cue ``kind`` must wait since it was last given (the back-off):
        ``min_gap_s`` at first, doubling with each repeat up to ``repeat_gap_max_s``."""
        gap = self.cfg["min_gap_s"]
        n = self.repeats.get(kind, 0) if kind in BACKOFF else 0
        if n:
            gap = max(gap, min(gap * 2.0 ** min(n, 30), self.cfg["repeat_gap_max_s"]))
        return gap

    def _emit(self, kind: str, t: float) -> Cue:
        self.last_cue_at = t
        self.shown = (kind, t)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if kind in BACKOFF:
            self.repeats[kind] = self.repeats.get(kind, 0) + 1
            self.given_at[kind] = t
        return Cue(at=t, kind=kind)

    def current(self, t: float) -> str | None:
        """The cue to show at ``t``: a breath-hold or sensor fault while it lasts, else the
        last cue for ``cues.show_s`` seconds."""
        if self.fault:
            return "check_belt" if self.enabled("check_belt") else None
        if self.holding:
            return "breathe_on"
        if self.shown and self.shown[0] not in URGENT and t - self.shown[1] < self.cfg["show_s"]:
            return self.shown[0]
        return None
