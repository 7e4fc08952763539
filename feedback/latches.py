"""The unit's fault latches: how a stream of outcomes becomes ``fault`` and ``fault_end``
events. ``FaultLatch`` turns one part's ok/failed uses (the sensor, the LED ring) into a
fault once it has failed for longer than a brief failure, over once it has worked for as
long; ``SlowLatch`` turns the gaps between readings that the loop's own lateness made into
the unit's ``slow`` fault. The session (``feedback/app.py``) feeds them from its timers.
"""

from __future__ import annotations

import logging
from collections import deque

from feedback import events as ev
from feedback.analysis.analyzer import GAP_S, HELD_GAP_S

# (the session's journal lines, under its name: what they say is the session's)
log = logging.getLogger("feedback.app")

# A part failing for less than this is a brief failure, not a fault: as long as the
# analysis's own gap (GAP_S), the shortest stretch without samples it takes as unknown.
GRACE_S = GAP_S
BRIEF_LOG_S = 60.0  # brief failures are counted and logged once a minute


class FaultLatch:
    """Turns a stream of ok/failed outcomes of one part into fault/fault_end events.

    A part that works again within ``grace_s`` of its last good use (one lost sample of a
    bus that is a little flaky, one LED frame) is no fault: the patient is not sent to
    check the belt and the exercise does not stop for 20 ms. Such brief failures are
    counted (``brief``) for the journal. Longer is a fault, said at the failure that makes
    it longer, and over once the part has worked for ``grace_s`` without failing, said
    then: a part that works only now and then (a loose wire) is one fault, not a fault
    and its end at each good use (the screen went to the belt screen and back twice a
    second). Faults are logged as they begin and end."""

    def __init__(self, kind: str, grace_s: float | None = GRACE_S):
        self.kind = kind
        self.grace_s = grace_s  # None: every failure is a fault at once, over at once
        self.active = False  # the fault was reported
        self.since: float | None = None  # the last good use before the failures
        self.good_since: float | None = None  # during a fault: working again since
        self.brief = 0

    def failed(self, at: float, detail: str, last_good: float | None = None) -> list[ev.Event]:
        """A failure at ``at``; ``last_good``: when the part last worked (default: now)."""
        if self.active:
            self.good_since = None  # not over yet
            return []
        if self.since is None:
            self.since = at if last_good is None else last_good
        if self.grace_s is not None and at - self.since <= self.grace_s:
            return []
        self.active = True
        log.warning("%s fault at %.1f s: %s", self.kind, at, detail)
        return [ev.Fault(at=at, kind=self.kind, detail=detail)]

    def ok(self, at: float) -> list[ev.Event]:
        """The part worked at ``at`` (during a fault: call at each good use)."""
        if self.since is None:
            return []
        if not self.active:
            self.since = None
            self.brief += 1
            return []
        if self.grace_s is not None:
            if self.good_since is None:
                self.good_since = at
            if at - self.good_since < self.grace_s:
                return []
        since, self.since = self.since, None
        self.active, self.good_since = False, None
        log.info("%s fault over at %.1f s, after %.1f s", self.kind, at, at - since)
        return [ev.FaultEnd(at=at, kind=self.kind)]


# The loop too late to read the belt in time (another process takes the CPU): readings
# more than GAP_S apart with no read failing, each of which the analysis takes as unknown
# (no breath is found across it, a hold under way may end there). One such gap is a
# hiccup (a slow first screen frame, a card that stalls a write): the breath it falls in
# is lost, no more. SLOW_GAPS of them within SLOW_WITHIN_S, one slow paced breath (6/min),
# leave no room for such a breath between two of them: a ``slow`` fault; so does one
# gap as long as HELD_GAP_S (2.5 s), across which the analysis ends a hold under way. It
# is over once the belt has been read in time for SLOW_OVER_S, a breath's length again.
SLOW_GAPS = 3
SLOW_WITHIN_S = 10.0
SLOW_ONE_S = HELD_GAP_S
SLOW_OVER_S = 10.0


class SlowLatch:
    """Turns the gaps between readings that the loop's own lateness made into ``slow``
    fault and fault_end events (see SLOW_GAPS). While it is on, breaths and holds are not
    measured; the session goes on (the patient is paced by the ring and the screen)."""

    def __init__(self):
        self.active = False
        self.gaps: deque[tuple[float, float]] = deque()  # recent late gaps (from, to)
        self.last: float | None = None  # when the last late gap ended
        self.during = 0  # late gaps while the fault is on (for the journal)

    def late(self, t0: float, t: float) -> list[ev.Event]:
        """No reading from ``t0`` to ``t`` (over GAP_S), and none failed."""
        self.last = t
        self.gaps.append((t0, t))
        while self.gaps[0][1] <= t - SLOW_WITHIN_S:  # (within: less than it apart)
            self.gaps.popleft()
        if self.active:
            self.during += 1
            return []
        if len(self.gaps) < SLOW_GAPS and t - t0 < SLOW_ONE_S:
            return []
        self.active, self.during = True, len(self.gaps)
        first = self.gaps[0][0]
        n = len(self.gaps)
        detail = (f"the belt could not be read in time: {n} gap{'s' * (n > 1)} of over "
                  f"{GAP_S:g} s between readings within {t - first:.1f} s (longest "
                  f"{max(b - a for a, b in self.gaps):.2f} s; no read failed: the unit was "
                  f"too busy, another process taking the CPU for example); breaths and "
                  f"holds are not measured while this lasts")
        log.warning("slow fault at %.1f s: %s", t, detail)
        return [ev.Fault(at=t, kind="slow", detail=detail)]

    def ok(self, t: float) -> list[ev.Event]:
        """The belt was read in time at ``t``."""
        if not self.active or t - self.last < SLOW_OVER_S:
            return []
        self.active = False
        self.gaps.clear()
        log.info("slow fault over at %.1f s, after %d late gaps", t, self.during)
        return [ev.FaultEnd(at=t, kind="slow")]
