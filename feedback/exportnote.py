"""The last USB export, for the screen.

``ademcoach export`` runs in its own process (started by udev when a stick goes in), so it
leaves a short note in the data directory, and the running unit shows it as a notice:
how many sessions went onto the stick, and that a config on the stick was installed or
refused, or that the export failed (and why, when the stick is full or write-protected).
The note is written atomically; a note that cannot be read is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

NAME = "last-export.json"
STATUSES = ("ok", "installed", "refused", "failed")
# Why an export failed, when trying again with the same stick cannot help: the screen
# says it (the stick holds no export.txt then, and "try again" failed again).
REASONS = ("full", "read-only")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str | None:
    """This boot of the system (Linux), or None where it is not known."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except (OSError, ValueError):
        return None


def moment(before_s: float = 0.0) -> dict:
    """Now, less ``before_s``, as a note says when it was written: the wall clock, and
    this boot with its monotonic clock (which a clock set back, or a unit without a clock
    chip starting again at the time last saved, does not move)."""
    out = {"at": time.time() - before_s}
    if (boot := boot_id()) is not None:
        out.update(boot=boot, mono=time.monotonic() - before_s)
    return out


def _written_since(note: dict, since: dict) -> bool:
    """Was ``note`` written at ``since`` (a ``moment``) or later? By the monotonic clock
    where both know their boot (a note of another boot: no), else by the wall clock (a
    note of an earlier version)."""
    if note.get("boot") is not None and since.get("boot") is not None:
        mono = note.get("mono")
        return (note["boot"] == since["boot"] and isinstance(mono, int | float)
                and mono >= since["mono"])
    at = note.get("at")
    return isinstance(at, int | float) and at >= since["at"]


def write(data_dir: Path, status: str, sessions: int = 0, why: str | None = None) -> bool:
    """Leave the note (``status`` one of ``STATUSES``; ``why``, for a failed one, one of
    ``REASONS`` or None). False if it could not be written: the export itself matters
    more than its note."""
    if status not in STATUSES:
        raise ValueError(f"export status must be one of {STATUSES}")
    if why is not None and why not in REASONS:
        raise ValueError(f"export failure reason must be one of {REASONS}")
    path = Path(data_dir) / NAME
    tmp = path.with_name(f".{NAME}.{os.getpid()}")
    try:
        tmp.write_text(json.dumps({"status": status, "sessions": int(sessions),
                                   **({"why": why} if why else {}), **moment()}),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def notice(note: dict, lang: str) -> str:
    """The screen's notice for ``note`` (as ``ExportWatcher.poll`` returns it)."""
    from feedback.i18n import counted

    key = f"export.{note['status']}"
    if note["status"] == "failed" and note.get("why") in REASONS:
        key += f".{note['why']}"
    n = note.get("sessions", 0)
    n = n if isinstance(n, int) else 0
    return counted(key, lang, n, sessions=n)


class ExportWatcher:
    """``poll()`` returns a note written since the last poll (or since it was made, or
    at ``since``, a ``moment``, or later).

    ``since`` is for a note written before the watcher could be made: an export done while
    the unit waited for a fixed config (a stick that brings one) or a part, or at power-on
    with the stick already in, is then still shown when the session opens. A note of an
    earlier boot is not (a unit without a clock chip starts again at the time last saved,
    maybe before that note's wall time: every start showed it)."""

    def __init__(self, data_dir: Path, since: dict | None = None):
        self.path = Path(data_dir) / NAME
        self._seen = self._stamp()
        if since is not None and self._seen is not None:
            note = self._read()
            if note is not None and _written_since(note, since):
                self._seen = None  # (shown at the first poll)

    def _stamp(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def poll(self) -> dict | None:
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return None
        self._seen = stamp
        return self._read()

    def _read(self) -> dict | None:
        try:
            note = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(note, dict) or note.get("status") not in STATUSES:
            return None
        return note
