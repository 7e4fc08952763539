"""The recording format: CSV, header ``t,<belt>[,<belt>...]``, one sample per row.

``t`` is time in seconds, increasing but not necessarily evenly spaced; every other
column is one belt's signal in any unit, offset and polarity. ``RecordingReader``
streams a file row by row in constant memory and rejects malformed files with a
``RecordingError`` that names the file and line. ``RecordingWriter`` writes the same
format (the unit's raw-signal record). See docs/formats.md.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

from feedback.errors import RecordingError

MAX_LINE = 1 << 20  # bytes: a row of a few numbers is far shorter; no line end is no recording
CR_ONLY = "its lines end in CR only (as old Mac programs save): save it with LF or CRLF line ends"


@dataclass(frozen=True)
class Sample:
    """One row: ``t`` in seconds and one value per belt, in header order."""

    t: float
    values: tuple[float, ...]
    line: int


class RecordingReader:
    """Stream a recording CSV. Use as a context manager or call ``close()``.

    ``channels`` picks belts by name (default: all signal columns, in file order).
    The header is read and checked on construction; rows are checked as they stream.
    """

    def __init__(self, path, channels: list[str] | None = None):
        self.path = os.fspath(path)
        try:
            self._fh = open(self.path, "rb")  # decoded line by line: errors get their line
        except FileNotFoundError:
            raise RecordingError(self.path, None, "no such file") from None
        except IsADirectoryError:
            raise RecordingError(self.path, None, "is a directory, not a recording") from None
        except OSError as exc:
            raise RecordingError(self.path, None, f"cannot open: {exc.strerror}") from None
        self._line = 0
        try:
            self.columns, self._picks = self._read_header(channels)
        except BaseException:
            self._fh.close()
            raise

    def _readline(self) -> str:
        """The next line as text ('' at the end); counts lines."""
        raw = self._fh.readline(MAX_LINE + 1)
        if not raw:
            return ""
        self._line += 1
        if len(raw) > MAX_LINE:
            raise RecordingError(self.path, self._line, "a line longer than 1 MB: not a "
                                 "recording (or its line ends are missing)")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RecordingError(self.path, self._line, "not a text file (not UTF-8)") from None

    def _read_header(self, channels):
        header = self._readline().lstrip("\ufeff")  # (a byte-order mark, as Excel writes)
        while header and not header.strip():  # blank lines before the header
            header = self._readline()
        if not header:
            raise RecordingError(self.path, 1, "empty file: expected a header 't,<belt>,...'")
        at = self._line
        if "\r" in header.rstrip("\r\n"):
            raise RecordingError(self.path, at, CR_ONLY)
        names = [n.strip() for n in header.strip().split(",")]
        if names[0] != "t":
            raise RecordingError(
                self.path, at, f"first column must be 't' (time in seconds), not {names[0]!r}"
            )
        belts = names[1:]
        if not belts:
            raise RecordingError(self.path, at, "no signal column after 't'")
        seen = {"t"}
        for i, name in enumerate(belts):
            if not name:
                raise RecordingError(self.path, at, f"column {i + 2} has no name")
            if name in seen:
                raise RecordingError(self.path, at, f"column name {name!r} appears twice")
            seen.add(name)
        if channels is None:
            picks = list(range(len(belts)))
            chosen = belts
        else:
            picks = []
            for ch in channels:
                if ch not in belts:
                    has = ", ".join(belts[:10]) + (f" and {len(belts) - 10} more"
                                                   if len(belts) > 10 else "")
                    raise RecordingError(self.path, at, f"no channel {ch!r}; the file has {has}")
                picks.append(belts.index(ch))
            chosen = list(channels)
        self._ncols = len(names)
        return chosen, picks

    def __iter__(self) -> Iterator[Sample]:
        prev_t = -math.inf
        ncols = self._ncols
        picks = self._picks
        path = self.path
        readline = self._readline
        while True:
            raw = readline()
            if not raw:
                break
            line = self._line
            text = raw.strip()
            if not text:
                continue
            cells = text.split(",")
            if len(cells) != ncols:
                if "\r" in text:
                    raise RecordingError(path, line, CR_ONLY)
                raise RecordingError(path, line, f"expected {ncols} cells, found {len(cells)}")
            try:
                if "_" in text:  # float() takes 1_5 as 15, and other scripts' digits
                    raise ValueError
                if not text.isascii():  # (spaces of any kind around a number are fine)
                    cells = [c.strip() for c in cells]
                    if not all(c.isascii() for c in cells):
                        raise ValueError
                nums = [float(c) for c in cells]
            except ValueError:
                bad = next(c for c in cells if not _is_number(c))
                raise RecordingError(path, line, f"not a number: {bad.strip()!r}") from None
            if not all(math.isfinite(x) for x in nums):
                raise RecordingError(path, line,
                                     "values must be finite (no nan or inf, nor numbers too "
                                     "large for a float, beyond about ±1.8e308)")
            t = nums[0]
            if t <= prev_t:
                raise RecordingError(
                    path, line, f"time goes backwards or stands still: t={t:g} after {prev_t:g}"
                )
            prev_t = t
            yield Sample(t, tuple(nums[1 + i] for i in picks), line)
        if prev_t == -math.inf:
            raise RecordingError(path, self._line, "no samples after the header")

    def close(self) -> None:
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _is_number(cell: str) -> bool:
    """Is ``cell`` a number as the format writes it (ASCII, no digit separators)?"""
    if "_" in cell or not cell.strip().isascii():
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_recording(path, channels: list[str] | None = None):
    """Read a whole recording into memory: ``(columns, t, values)`` as lists.

    For tests and benchmarks on short files; the unit itself streams.
    """
    with RecordingReader(path, channels) as reader:
        ts, vals = [], []
        for s in reader:
            ts.append(s.t)
            vals.append(s.values)
        return reader.columns, ts, vals


class RecordingWriter:
    """Write samples in the recording format. Flushes on ``flush()`` and ``close()``."""

    def __init__(self, path, belts: list[str]):
        if not belts:
            raise ValueError("a recording needs at least one belt column")
        self.path = os.fspath(path)
        self._fh = open(self.path, "w", encoding="utf-8", newline="")
        self._fh.write(",".join(["t", *belts]) + "\n")
        self._n = len(belts)
        self.bytes_written = self._fh.tell()

    def write(self, t: float, values) -> None:
        if len(values) != self._n:
            raise ValueError(f"expected {self._n} values, got {len(values)}")
        row = f"{t:.4f}," + ",".join(f"{v:.6g}" for v in values) + "\n"
        self._fh.write(row)
        self.bytes_written += len(row)

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
