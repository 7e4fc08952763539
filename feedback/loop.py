"""The one timer loop.

Every periodic job (sampling, LED frames, screen frames, config checks, watchdog) is a
timer: a callback that gets the time it was due and returns when it wants to run next
(or ``None`` to stop). The loop runs the earliest timer, sleeping on the clock it was
given until then, so tests and the fast simulator step a virtual clock and nothing
sleeps. Everything runs on the thread that calls ``run``; no other thread calls into it
(the records writer and the log listener are fed through queues of their own, the
buttons' callbacks only queue edges for ``Controls.poll``), and only ``stop`` is safe
from a signal handler.

Late ticks are counted per timer: a tick that starts more than ``late_after`` seconds
after it was due. A tick that runs a whole period or more late is the only one of the
ticks that fell due meanwhile: the next is the first after it on the timer's own grid.
(Run back to back, the stale ticks read the sensor again and again at the same instant
and drew LED and screen frames of states already past, before the first fresh one: after
a 0.4 s tick, 20 sensor reads and 12 frames of each kind, 2-3 ms each on a Pi; a unit
that is slow already fell further behind.)
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Callback = Callable[[float], float | None]
WARN_AT = frozenset(10**k for k in range(7))  # log a timer's 1st, 10th, 100th ... late tick


@dataclass
class TimerStats:
    """How one timer has kept up: ticks run, late ticks, worst lateness, ticks skipped."""

    ticks: int = 0
    late: int = 0
    worst_late_s: float = 0.0
    skipped: int = 0
    lateness: list[float] = field(default_factory=list)

    def note(self, late_s: float, keep: int) -> None:
        self.ticks += 1
        if keep:
            self.lateness.append(late_s)
            if len(self.lateness) > keep:
                del self.lateness[: len(self.lateness) - keep]


class Loop:
    """A single-threaded scheduler of timers on an injected clock."""

    def __init__(self, clock, late_after: float = 0.02, keep_lateness: int = 0,
                 warn_after: float = 0.1):
        self.clock = clock
        self.late_after = late_after
        self.warn_after = warn_after
        self.keep_lateness = keep_lateness
        self.stats: dict[str, TimerStats] = {}
        self._heap: list[tuple[float, int, str, Callback]] = []
        self._seq = itertools.count()
        self._stop = False

    def add(self, name: str, callback: Callback, first: float | None = None) -> None:
        """Run ``callback(due)`` at ``first`` (default: now), then whenever it asks."""
        when = self.clock.now() if first is None else first
        self.stats.setdefault(name, TimerStats())
        heapq.heappush(self._heap, (when, next(self._seq), name, callback))

    def stop(self) -> None:
        """Ask the loop to return after the current timer (safe from a signal handler)."""
        self._stop = True

    def run(self, until: float | None = None) -> None:
        """Run timers until ``stop()``, no timers are left, or the clock reaches ``until``."""
        self._stop = False
        while self._heap and not self._stop:
            due, _, name, callback = self._heap[0]
            if until is not None and due > until:
                self.clock.sleep_until(until)
                break
            self.clock.sleep_until(due)
            if self._stop:
                break
            heapq.heappop(self._heap)
            now = self.clock.now()
            late = now - due
            stats = self.stats[name]
            stats.note(late, self.keep_lateness)
            if late > self.late_after:
                stats.late += 1
                stats.worst_late_s = max(stats.worst_late_s, late)
                if late > self.warn_after and stats.late in WARN_AT:
                    log.warning("%s tick %.0f ms late (%d late of %d so far)", name,
                                late * 1000, stats.late, stats.ticks)
            nxt = callback(due)
            if nxt is None:
                continue
            if nxt <= now:
                # A period or more behind (a stall): skip the stale ticks rather than
                # bursting through them.
                period = max(nxt - due, 1e-3)
                missed = int((now - nxt) / period) + 1
                stats.skipped += missed
                nxt += missed * period
            heapq.heappush(self._heap, (nxt, next(self._seq), name, callback))

    def late_summary(self) -> str:
        # (the ticks skipped too: a sample timer a period late skips a reading, so a busy
        # computer's 5000 of 6000 readings read as "654/5000 late" and nothing more)
        parts = [f"{n}: {s.late}/{s.ticks} late (worst {s.worst_late_s * 1000:.0f} ms"
                 + (f", {s.skipped} skipped" if s.skipped else "") + ")"
                 for n, s in self.stats.items() if s.late]
        return "; ".join(parts) or "no late ticks"
