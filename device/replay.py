"""A recording CSV as the emulated ADS1115's input (docs/formats.md).

The chip samples ``source(t)``; the replay answers with the recording's value at
``t - start`` (linear between rows), so it runs in real time with a real clock and
faster with a ScaledClock or VirtualClock. It streams the file in constant memory.

Recordings are in any unit, the same for all their columns. With ``fit=True`` (the
default) a first streaming pass finds each column's range; the widest is mapped onto the
volts a belt gives through the divider (1.70 to 1.95 V), the others with the same scale
from 1.70 V (the belts keep their sizes to each other); otherwise
``volts = offset + scale * value``. Past the end the replay holds the last value and sets
``finished`` (or starts again with ``loop``).
"""

from __future__ import annotations

from collections.abc import Sequence

from feedback.analysis.analyzer import GAP_S  # a longer step is a gap to the analysis
from feedback.errors import RecordingError
from feedback.recording import RecordingReader

FIT_LOW_V, FIT_HIGH_V = 1.70, 1.95


class RecordingSource:
    """``pins`` get one column each: the columns named like ``belts`` (when the file has
    them all), else ``channels``, else the file's columns in order, which must then be
    exactly one per pin. Anything else, and a file with fewer than two samples, is a
    ``RecordingError`` at construction (exit code 2 on the command line)."""

    def __init__(self, path, pins: Sequence[int] = (0,), channels: list[str] | None = None,
                 *, belts: Sequence[str] | None = None, start: float = 0.0, fit: bool = True,
                 scale: float = 1.0, offset: float = 0.0, loop: bool = False):
        self.path = path
        self.pins = tuple(pins)
        self.start = start
        self.loop = loop
        self.finished = False
        n = len(self.pins)
        self.channels = self._pick(channels, belts)
        self._open()  # checks the columns and that there are two samples, before fitting
        if fit:
            lo, hi = [float("inf")] * n, [float("-inf")] * n
            rows = gaps = 0
            prev_t = None
            with RecordingReader(path, self.channels) as r:
                for s in r:
                    for i in range(n):
                        lo[i] = min(lo[i], s.values[i])
                        hi[i] = max(hi[i], s.values[i])
                    rows += 1
                    gaps += prev_t is not None and s.t - prev_t > GAP_S
                    prev_t = s.t
            if gaps * 2 > rows - 1:  # (t in milliseconds: the session ran on without a word)
                raise RecordingError(path, None, f"{gaps} of its {rows - 1} steps in t are "
                                     f"longer than {GAP_S:g} s: no breath can be followed; "
                                     "t must be in seconds")
            # One scale for all columns (the widest range onto the belt's volts), so two
            # belts keep their sizes to each other: scaled each to the full range, the
            # replayed belly's share of a two-belt recording was meaningless.
            k = (FIT_HIGH_V - FIT_LOW_V) / (max(h - lo_ for lo_, h in zip(lo, hi,
                                                                        strict=True)) or 1.0)
            self._scale = [k] * n
            self._offset = [FIT_LOW_V - lo_ * k for lo_, k in zip(lo, self._scale, strict=True)]
        else:
            self._scale, self._offset = [scale] * n, [offset] * n

    def _pick(self, channels, belts) -> list[str] | None:
        """The columns to replay, one per pin (None: all of them, in file order)."""
        with RecordingReader(self.path, channels) as r:
            columns = r.columns
        n = len(self.pins)
        if channels is None and belts and all(b in columns for b in belts):
            columns = list(belts)
        if len(columns) == n:
            return list(columns) if channels is not None or belts else None
        given = ", ".join(columns)
        wanted = f"{n} belt{'s' if n != 1 else ''}"
        if belts:
            wanted += f" ({', '.join(belts)})"
        by_name = (" or name the columns after the belts" if belts else "")
        raise RecordingError(
            self.path, 1, f"{len(columns)} signal column{'s' if len(columns) != 1 else ''} "
                          f"({given}) for {wanted}: the replay takes one column per belt; keep "
                          f"only those columns{by_name}")

    def _open(self) -> None:
        self._reader = RecordingReader(self.path, self.channels)
        try:
            self._rows = iter(self._reader)
            first = next(self._rows)
            second = next(self._rows, None)
        except BaseException:
            self._reader.close()
            raise
        if second is None:
            self._reader.close()
            raise RecordingError(self.path, first.line, "only one sample: a replay needs at "
                                                        "least two rows (and some breaths)")
        self._t0 = first.t
        self._prev, self._next = first, second

    def _advance(self, rt: float) -> None:
        while self._next.t <= rt:
            self._prev = self._next
            try:
                self._next = next(self._rows)
            except StopIteration:
                if not self.loop:
                    self.finished = True
                    return
                # Start again where the first row stands in for the last one; every whole
                # pass that fits before rt is skipped at once (one reopen per call, however
                # short the file is against the step).
                period = self._prev.t - self._t0
                shift = period * max(1, (rt - self._t0) // period)
                self._reader.close()
                self._open()
                rt -= shift
                self.start += shift

    def __call__(self, t: float) -> dict[int, float]:
        rt = t - self.start + self._t0
        if not self.finished:
            self._advance(rt)
            rt = t - self.start + self._t0  # a loop moved the start on
        a, b = self._prev, self._next
        if self.finished or b.t <= a.t:
            vals = a.values
        else:
            w = min(1.0, max(0.0, (rt - a.t) / (b.t - a.t)))
            vals = tuple(x + (y - x) * w for x, y in zip(a.values, b.values, strict=True))
        return {pin: self._offset[i] + self._scale[i] * vals[i]
                for i, pin in enumerate(self.pins)}

    def follow(self, pacer_level) -> None:
        """A recording cannot follow the pacer; accepted so it can stand in for a patient."""

    def close(self) -> None:
        self._reader.close()
