"""The USB stick itself, as an export writes it: a name read from the stick as it can be
written back (``shown_name``), a link on it (never followed: ``link_note``), why writing to
it failed when trying again cannot help (full, read-only: ``StickError``), the hidden
folder an export writes in until it is complete (``TMP_PREFIX``), its lock (``lock_folder``)
and the removal of those an export cut short left behind, and a folder tree synced onto
the stick (``fsync_tree``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sqlite3
from pathlib import Path

from feedback.errors import AdemError
from feedback.store import fsync_dir


def shown_name(path: Path) -> str:
    """A name from the stick as it can be written to export.txt and read there: bytes that
    are not UTF-8 as ``\\xeb`` (a FAT stick's names come in the mount's character set:
    "patiënt" in Latin-1 failed the whole export, its note could not be written), control
    characters as ``\\n`` (a newline in a name made a line of export.txt of its own)."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def link_note(path: Path) -> str | None:
    """The note for a file on the stick that is a link, or None. A link is not followed:
    the export reads only files on the stick itself (a link named ademcoach.toml installed
    a config from elsewhere on the unit, and read a file such as /etc/shadow into the
    problems it wrote on the stick). A FAT or exFAT stick holds no links; a folder given
    by hand may."""
    if not path.is_symlink():
        return None
    try:
        to = shown_name(Path(os.readlink(path)))
    except OSError:
        to = "?"
    return f"{shown_name(path)}: not installed: it is a link to {to}, not a file on the stick"


def fsync_tree(root: Path) -> None:
    """Every file under ``root`` onto the disk, then every folder, ``root`` last: a
    folder's own fsync is what makes the names in it last, among them the removal of
    SQLite's journal beside the copied records (left on the stick, it would undo the copy
    when the file is opened). A folder that cannot be read is an error, not a gap."""
    def unreadable(exc: OSError) -> None:
        raise exc

    for dirpath, _, files in os.walk(root, topdown=False, onerror=unreadable):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(dirpath)


def stick_trouble(exc: BaseException) -> str | None:
    """Why writing to the stick failed, when trying again with it cannot help
    (``exportnote.REASONS``), or None."""
    if isinstance(exc, OSError):
        return ({errno.ENOSPC: "full", errno.EDQUOT: "full",
                 errno.EROFS: "read-only"}.get(exc.errno))
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return ({sqlite3.SQLITE_FULL: "full", sqlite3.SQLITE_READONLY: "read-only"}
                .get(code & 0xFF if isinstance(code, int) else None))
    return None


class StickError(AdemError):
    """An export that failed writing to the stick; ``why``: ``stick_trouble``."""

    def __init__(self, message: str, why: str | None):
        super().__init__(message)
        self.why = why


TMP_PREFIX = ".ademcoach-export-"  # an export's folder on the stick until it is complete


def lock_folder(folder: Path) -> int | None:
    """Lock ``folder``, an export's hidden folder, for as long as the export writes it
    (``flock``: let go when the descriptor is closed, or the process ends); the
    descriptor, or None where it cannot be locked."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_leftovers(dest: Path) -> list[str]:
    """Remove the hidden folders earlier exports left on the stick ``dest`` (a stick taken
    out before the export was complete keeps it: a part of the records, unseen by the
    therapist who deletes the exports, and in the way on a stick nearly full). One export
    runs per device, but a technician's ``ademcoach export`` may write the same stick
    mounted elsewhere at the same time: a folder another export holds (``lock_folder``) is
    being written, and stays. Returns the notes."""
    try:
        found = sorted(p for p in dest.iterdir() if p.name.startswith(TMP_PREFIX)
                       and p.is_dir() and not p.is_symlink())
    except OSError:
        return []
    notes = []
    for p in found:
        held = lock_folder(p)
        if held is None:  # another export writes it now (or it went meanwhile)
            continue
        try:
            shutil.rmtree(p)
        except OSError as exc:
            notes.append(f"{shown_name(p)}: a hidden folder left on the stick by an export cut "
                         f"short could not be removed ({exc.strerror}): delete it by hand")
            continue
        finally:
            os.close(held)
        notes.append("removed a hidden folder left on the stick by an export cut short (the "
                     f"stick taken out too early): {shown_name(Path(p.name))}")
    return notes
