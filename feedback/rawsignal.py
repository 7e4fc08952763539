"""The raw belt signal, kept beside the session records when ``records.raw_signal`` is on.

Written in the recording format (feedback/recording.py) so a stored session can be
replayed with ``ademcoach analyze``. Files are split at ``file_mb`` and the oldest files
are deleted so the raw signal never takes more than ``max_mb`` in total: a loan unit can
run for weeks without filling its card. Used on the records writer thread only.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from feedback.recording import RecordingWriter

MB = 1_000_000
# The files a log writes (NAME-001.csv; records.py names them session00042-001.csv): only
# these are pruned, and erased by ``wipe``, not whatever else lies in the folder.
RAW_FILE = re.compile(r"(raw|session(\d{5,}))-(\d{3,})\.csv")


class RawSignalLog:
    """Append samples; rotate by size; keep the whole directory under ``max_mb``."""

    def __init__(self, directory, belts: list[str], max_mb: float, file_mb: float | None = None,
                 name: str = "raw", ensure=None):
        self.directory = Path(directory)
        if ensure is not None:
            ensure(self.directory)
        else:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.belts = list(belts)
        self.max_bytes = int(max_mb * MB)
        default_file = min(self.max_bytes / 10, 16 * MB)
        self.file_bytes = max(1024, int(file_mb * MB) if file_mb else int(default_file))
        self.name = name
        self._writer: RecordingWriter | None = None
        self._part = 0
        self.files: list[Path] = []  # files this log wrote, oldest first

    def write(self, t: float, values) -> None:
        if self._writer is None or self._writer.bytes_written >= self.file_bytes:
            self._rotate()
        self._writer.write(t, values)

    def _rotate(self) -> None:
        """Close the file and begin the next. On a full or failing card the file is let go
        even if closing it fails (its last rows are lost), and the next one counts only
        once it could be begun: until then each sample tries it again under the same
        name (one empty file at most, not one a sample)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
        path = self.directory / f"{self.name}-{self._part + 1:03d}.csv"
        self._make_room()
        self._writer = RecordingWriter(path, self.belts)
        self._part += 1
        self.files.append(path)

    def _make_room(self) -> None:
        """Delete the oldest raw files until a new full file fits under ``max_bytes``.
        Oldest by recording order: other logs' files by their session number and part,
        then this log's own. Not by file time: a unit without a clock chip may have had
        its clock set back, and the files written since looked older than those written
        before (the running session's own files went first)."""
        found = []
        mine = set(self.files)
        for p in self.directory.glob("*.csv"):
            m = RAW_FILE.fullmatch(p.name)
            if not m:  # the unit's own files only
                continue
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            order = (p in mine, int(m[2] or -1), int(m[3]))
            found.append((order, p.name, p, st.st_size))
        found.sort()
        total = sum(size for *_, size in found)
        for _, _, path, size in found:
            if total + self.file_bytes <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            total -= size

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        writer, self._writer = self._writer, None  # (let go even if closing fails)
        if writer is not None:
            writer.close()
