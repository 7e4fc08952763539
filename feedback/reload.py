"""Hot reload of the therapist's config file (and the programme it chooses).

The session's ``house`` timer calls ``ConfigWatcher.poll(now)`` once a second; about once
per ``interval_s`` (``EARLY_OK``) it looks at the files' modification time, size and
inode, and only when those have changed and then stayed the same from one look to the
next does it read and hash the content (an editor that rewrites the same bytes changes
nothing). So a file is not read while an editor writes it: one that truncates it and
writes it again (nano), a copy over the network (scp) or a save that first moves the old
file away (vim) left, for a moment, a part of the file, which is valid TOML with the rest
at its defaults, or no file at all. (A copy that stalls for longer than a look, a second
or more, can still be read half-written; the next look, once it is done, reads it whole.)
SIGHUP calls ``request()``, which forces a check on the next poll (it only sets a flag,
so it is safe inside a signal handler; whoever sends it has finished writing).

A changed file is validated in full. A good one comes back as ``Reloaded`` (the coach
applies it at the next breath or exercise); a bad one as ``Rejected`` with the
ConfigError, and the last good config stays in force. Keys the running unit cannot
change (the sensor, the buttons, the ring's wiring, the screen mode) keep their old
values and are listed in ``Reloaded.needs_restart``.
"""

from __future__ import annotations

import ast
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from feedback.config import MAX_FILE_BYTES, NotAFile, Section, Settings, load_config, open_file
from feedback.config_rules import ConfigError, Problem
from feedback.programme import Programme, find, problems_beside, programme_for
from feedback.words import say

log = logging.getLogger(__name__)

# A poll this share of ``interval_s`` after the last look looks again: the house timer
# calls once a second, each tick a few ms late, so the next can come a little under 1 s on.
EARLY_OK = 0.9

# section -> keys that need a restart (None = the whole section)
RESTART_KEYS: dict[str, tuple[str, ...] | None] = {
    "sensor": None,
    "buttons": None,
    "ring": ("pixels", "spi_bus", "order"),
    "screen": ("fullscreen", "width", "height"),
    "analysis": ("polarity",),  # the belts' signs are judged from the first breaths on
    "records": None,  # the store is opened at start
}


PROGRAMME_MARK = "# Programme file "  # ... then the file's lines, each behind "# "
IN_FORCE_MARK = "# Changed in this file, but in force only after a restart; in force now:"


def config_record(path, settings, not_yet: list[str] | tuple = ()) -> str:
    """The config a session is recorded with: the file as in force, the keys changed in it
    that wait for a restart (with the values still in force), and the programme file it
    chooses, as comments (the whole stays one valid TOML file; ``stored_programme``
    reads the programme back)."""
    text = _read_text(path)
    if not_yet:
        text += f"\n{IN_FORCE_MARK}\n"
        for key in not_yet:
            section, name = key.split(".", 1)
            text += f"#   {key} = {settings[section][name]!r}\n"
    try:
        prog = find(settings.programme.name, Path(path).parent)
    except ConfigError:
        prog = None
    if prog is not None:
        body = _read_text(prog)
        text += f"\n{PROGRAMME_MARK}{prog}, as in force:\n" + "".join(
            f"# {line}\n" for line in body.split("\n"))  # (splitlines would also
        # break at U+2028 and the like, which TOML allows inside strings)
    return text


def _block(config_text: str, mark: str) -> list[str] | None:
    """The comment lines after the last line that begins with ``mark`` (``config_record``
    appends its blocks), or None if there is none."""
    at = config_text.rfind("\n" + mark)
    if at < 0:
        return None
    out = []
    for line in config_text[at + 1:].split("\n")[1:]:
        if not line.startswith("#"):
            break
        out.append(line)
    return out


def stored_programme(config_text: str) -> str | None:
    """The programme file's text kept in a session's config (``config_record``), or None
    (a record made before it was kept)."""
    lines = _block(config_text, PROGRAMME_MARK)
    if lines is None:
        return None
    return "\n".join(x[2:] if x.startswith("# ") else x[1:] for x in lines) + "\n"


def in_force(config_text: str) -> list[tuple[str, str, object]]:
    """The (section, key, value) a session ran with for keys that waited for a restart,
    as ``config_record`` noted them (the file itself says the new values)."""
    out = []
    for line in _block(config_text, IN_FORCE_MARK) or []:
        m = re.fullmatch(r"#   (\w+)\.(\w+) = (.*)", line)
        if m is None:
            break
        try:
            out.append((m.group(1), m.group(2), ast.literal_eval(m.group(3))))
        except (ValueError, SyntaxError):
            continue
    return out


def _read_text(path) -> str:
    try:
        with open_file(path) as fh:
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    return text.replace("\r\n", "\n").replace("\r", "\n")  # (as text mode read it)


def load_all(path) -> tuple[Settings, Programme]:
    """The config file and the programme it chooses, both checked (the programme also
    when the config has problems, as far as it can be without it)."""
    try:
        settings = load_config(path)
    except ConfigError as exc:
        raise ConfigError(exc.problems + problems_beside(path)) from None
    return settings, programme_for(settings)


@dataclass
class Reloaded:
    settings: Settings
    programme: Programme
    needs_restart: list[str] = field(default_factory=list)


@dataclass
class Rejected:
    error: ConfigError


def keep_restart_keys(new: Settings, old: Settings) -> tuple[Settings, list[str]]:
    """``new`` with the restart-only keys put back to ``old``; the keys that differed."""
    changed = []
    out = Settings({name: Section(sec) for name, sec in new.items()})
    out.source = new.source
    for section, keys in RESTART_KEYS.items():
        for key in keys if keys is not None else tuple(new[section]):
            if new[section][key] != old[section][key]:
                changed.append(f"{section}.{key}")
                out[section][key] = old[section][key]
    return out, changed


class ConfigWatcher:
    """Notices a changed config (or programme) file and validates it."""

    def __init__(self, path, current: Settings | None = None, interval_s: float = 1.0):
        self.path = Path(path)
        self.current = current
        self.interval_s = interval_s
        self._requested = False
        self._last_check = float("-inf")
        self._sigs: dict[Path, tuple | None] = {}  # as last read
        self._seen: dict[Path, tuple | None] = {}  # at the last look
        self._hash: str | None = None
        self._problem: str | None = None  # the file problem last reported, once
        self._watch_files()
        self._hash = self._content_hash()

    def _files(self) -> list[Path]:
        files = [self.path]
        if self.current is not None:
            from feedback.programme import find

            prog = find(self.current.programme.name, self.path.parent)
            if prog:
                files.append(prog)
        return files

    @staticmethod
    def _sig(p: Path) -> tuple | None:
        try:
            st = os.stat(p)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _watch_files(self) -> None:
        try:
            self._sigs = {p: self._sig(p) for p in self._files()}
        except ConfigError:  # the programme cannot be looked for: poll says so
            self._sigs = {self.path: self._sig(self.path)}
        self._seen = self._sigs

    def _content_hash(self, files: list[Path] | None = None) -> str:
        """The files' contents, each up to ``MAX_FILE_BYTES`` and one byte: a larger file
        is refused whatever it holds, and is not read whole (in the loop) to see that."""
        h = hashlib.sha256()
        for p in list(self._sigs) if files is None else files:
            try:
                with open_file(p) as fh:
                    h.update(fh.read(MAX_FILE_BYTES + 1))
            except NotAFile:  # (parse_toml says so; opened the plain way it blocked)
                h.update(b"<not a file>")
            except OSError:
                h.update(b"<missing>")
            h.update(b"\0")
        return h.hexdigest()

    def request(self) -> None:
        """Check on the next poll (SIGHUP)."""
        self._requested = True

    def poll(self, now: float) -> Reloaded | Rejected | None:
        """Call often; returns a result only when the files' content changed."""
        if not self._requested and now - self._last_check < EARLY_OK * self.interval_s:
            return None
        forced, self._requested = self._requested, False
        self._last_check = now
        try:
            files = self._files()
        except ConfigError as exc:  # e.g. programs/ can no longer be entered
            said = str(exc)
            if said == self._problem:
                return None
            self._problem = said
            for p in exc.problems:
                log.warning("config not applied: %s", p)
            return Rejected(exc)
        if self._problem is not None:
            # It can be looked for again: check it even if the files are as before (the
            # rejection stayed on screen for good, as nothing seemed to change).
            forced, self._hash = True, None
        self._problem = None
        sigs = {p: self._sig(p) for p in files}
        settled, self._seen = sigs == self._seen, sigs
        if not forced and (sigs == self._sigs or not settled):
            return None  # as before, or changed since the last look: still being written
        self._sigs = sigs
        digest = self._content_hash(files)
        if digest == self._hash:
            return None
        self._hash = digest
        try:
            settings, programme = load_all(self.path)
        except ConfigError as exc:
            for p in exc.problems:
                log.warning("config not applied: %s", p)
            return Rejected(exc)
        except Exception as exc:  # a file no check foresaw must not stop the unit
            log.exception("config not applied: checking %s failed", self.path)
            return Rejected(ConfigError([Problem(os.fspath(self.path), None, say(
                "could not be checked ({e}); the journal has the details",
                "kon niet worden gecontroleerd ({e}); de details staan in het logboek",
                e=type(exc).__name__))]))
        restart: list[str] = []
        if self.current is not None:
            settings, restart = keep_restart_keys(settings, self.current)
            if restart:
                log.warning("config: needs a restart to apply %s", ", ".join(restart))
        self.current = settings
        self._watch_files()
        if list(self._sigs) == files:
            # The files as they were before they were read: a save that came while they
            # were being checked is a change still to read (taken afresh after the
            # check, it was taken as read, and that save was never applied).
            self._sigs = self._seen = sigs
            self._hash = digest
        else:  # another programme chosen: its file as it is now
            self._hash = self._content_hash()
        return Reloaded(settings, programme, restart)
