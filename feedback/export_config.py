"""A new config from the USB stick, for ``ademcoach export``: ``DIR/ademcoach.toml`` is
validated as ``check-config`` does, its programme included, and installed atomically (the
old one kept as ``.bak``), then renamed ``ademcoach.toml.installed`` on the stick, so the
next unit the stick goes into does not install it too; if the export fails, the config
is put back as it was. Also the notes about it: a file meant as the config but named
otherwise, programme files on the stick (not installed), a changed patient code or
records folder, other patients' records still on the unit, and a refused config's
problems in Dutch.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import stat
import sys
import tomllib
from pathlib import Path

from feedback.config import load_config
from feedback.config_rules import ConfigError
from feedback.config_schema import SCHEMA
from feedback.export_stick import link_note, shown_name
from feedback.report import n_sessions
from feedback.store import DB_NAME, default_data_dir, fsync_dir
from feedback.words import Say, both, dutch, say


def install_config(new: Path, target: Path, records_now: Path | None = None) -> str:
    """Validate ``new`` as ``check-config`` does, its programme included, and install it at
    ``target`` (old one kept as .bak). Returns what happened; raises ConfigError (nothing
    changed) when it is invalid, or when it moves the records away from ``records_now``
    to where this user cannot record (``records_now`` None: not known, the unit's own
    config being broken; a ``data_dir`` the new config sets is checked all the same)."""
    from feedback.config import key_lines
    from feedback.config_rules import Problem
    from feedback.programme import programme_for

    settings = load_config(new)
    moved_to = default_data_dir(settings.records.data_dir)
    moves = (moved_to != records_now if records_now is not None
             else bool(settings.records.data_dir))
    if moves and (why := _on_the_stick(moved_to, new.parent) or _cannot_record_in(moved_to)):
        line = key_lines(new.read_text(encoding="utf-8")).get(("records", "data_dir"))
        raise ConfigError([Problem(os.fspath(new), line, say(
            "records.data_dir = {d}: the unit cannot record there ({why})",
            "records.data_dir = {d}: het apparaat kan daar niet opslaan ({why})",
            d=repr(settings.records.data_dir), why=why))])
    settings.source = os.fspath(target)  # its programme is looked for where it will be
    try:
        programme_for(settings)
    except ConfigError as exc:
        line = key_lines(new.read_text(encoding="utf-8")).get(("programme", "name"))
        raise ConfigError([Problem(os.fspath(new), line, p.message)
                           for p in exc.problems]) from None
    data = new.read_bytes()
    if target.exists() and target.read_bytes() == data:
        return f"{target} is already this config; nothing changed"
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = target.exists()
    if kept:  # (synced, as the config: a power cut soon after leaves both whole)
        _replace_file(target.with_name(target.name + ".bak"), target.read_bytes(),
                      os.stat(target))
    # (with the mode the unit's config had: 0640 became the umask's 0644)
    _replace_file(target, data, os.stat(target) if kept else None)
    return f"installed {new} as {target}" + (f" (previous kept as {target.name}.bak)"
                                             if kept else "")


def _on_the_stick(data_dir: Path, stick: Path) -> Say | None:
    """A data_dir on the stick the config came from: the export may write there, the unit
    cannot (the stick is mounted for the export alone, and leaves with the therapist)."""
    try:
        inside = data_dir.resolve().is_relative_to(stick.resolve())
    except OSError:
        return None
    return say("{p} is on the USB stick", "{p} staat op de USB-stick",
               p=data_dir) if inside else None


def _cannot_record_in(data_dir: Path) -> Say | None:
    """Why the records could not be made in ``data_dir`` by this user, or None: the folder,
    or the nearest folder above it that is there, must be a folder this user may write on
    a file system that is not read-only (the export runs as the unit's user, with its view
    of the file systems)."""
    path = data_dir
    while not os.path.lexists(path) and path.parent != path:
        path = path.parent
    try:
        st = os.stat(path)
        if not stat.S_ISDIR(st.st_mode):
            return say("{p} is not a folder", "{p} is geen map", p=path)
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return say("{p} is on a read-only file system",
                       "{p} staat op een alleen-lezen bestandssysteem", p=path)
    except OSError as exc:
        return both("{p}: {why}", p=path, why=exc.strerror)
    if not os.access(path, os.W_OK | os.X_OK):
        return say("{p} may not be written by this user",
                   "{p} mag door deze gebruiker niet beschreven worden", p=path)
    return None


def _replace_file(path: Path, data: bytes, like: os.stat_result | None = None,
                  owner: bool = False) -> None:
    """Put ``data`` at ``path`` atomically (a synced temporary file renamed over it, the
    folder synced after: the rename lasts through a power cut before the stick, or the
    screen, says the config was installed), with the mode of ``like`` (and its owner,
    with ``owner``, where this user may give it)."""
    mode = stat.S_IMODE(like.st_mode) if like is not None else 0o666
    tmp = path.with_name(f".{path.name}.new")
    tmp.unlink(missing_ok=True)  # (created with its mode: never wider meanwhile)
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if like is not None:
        os.chmod(tmp, mode)  # (the umask may have narrowed it)
        if owner:
            with contextlib.suppress(PermissionError):  # (only root may give it away)
                os.chown(tmp, like.st_uid, like.st_gid)
    os.replace(tmp, path)
    fsync_dir(path.parent)


INSTALLED_SUFFIX = ".installed"  # the stick's config, once installed


# An editor's backup of the config (Notepad++ .bak, Emacs ~): not meant to be installed,
# and renamed to ademcoach.toml as the note would say, an older config would be.
BACKUP_ENDINGS = ("~", ".bak", ".old", ".orig")
_SECTION = re.compile(r"^\ufeff?[ \t]*\[[ \t]*(" + "|".join(SCHEMA)
                      + r")[ \t]*\][ \t]*(#.*)?$", re.MULTILINE)
NEAR_MISS_READ = 1 << 16  # how much of a .txt file is looked at for a config's sections


def near_miss(stick: Path) -> Path | None:
    """A file on the stick meant as its config but not named ``ademcoach.toml`` (Windows
    hides the ".txt" Notepad adds: ``ademcoach.toml.txt``), or None. It was passed over
    without a word: the notice said only "N sessies gekopieerd", and the next patient's
    code was never installed. A name with ".toml" in it is meant as one; a ".txt" file
    only if it holds a section of the config (a therapist's own "ademcoach-notes.txt" is
    not one); a backup (``ademcoach.toml.bak``, ``ademcoach.toml~``) never."""
    try:
        names = sorted(p for p in stick.iterdir() if p.is_file())
    except OSError:
        return None
    for p in names:
        low = p.name.lower()
        if (not low.startswith("ademcoach") or p.name == "ademcoach.toml"
                or INSTALLED_SUFFIX in low or low.endswith(BACKUP_ENDINGS)):
            continue
        if ".toml" in low or (low.endswith(".txt") and not p.is_symlink()
                              and _has_config_section(p)):
            return p
    return None


def _has_config_section(path: Path) -> bool:
    """Does the start of ``path`` hold a line such as ``[patient]``?"""
    try:
        with open(path, "rb") as fh:
            head = fh.read(NEAR_MISS_READ)
    except OSError:
        return False
    return _SECTION.search(head.decode("utf-8", "replace").replace("\r\n", "\n")) is not None


def set_aside_on_stick(stick_config: Path, notes: list[str]) -> Path | None:
    """Rename the stick's config, now installed, to ``ademcoach.toml.installed``: left as
    it was, every unit the stick goes into would install it (and record its patient under
    this one's code). Returns the new name; None if it could not be renamed (said in
    ``notes``: the install stands)."""
    done = stick_config.with_name(stick_config.name + INSTALLED_SUFFIX)
    try:
        os.replace(stick_config, done)
    except OSError as exc:
        notes.append(f"{stick_config}: could not be renamed to {done.name} "
                     f"({exc.strerror}): take it off the stick, or the next unit it goes "
                     "into installs it too")
        return None
    notes.append(f"{stick_config}: renamed to {done.name}, so that no unit installs it "
                 "again")
    return done


def code_in(data: bytes) -> str | None:
    """``[patient] code`` as written in a config file's ``data`` ("" when not set), or
    None if the file cannot be read as TOML."""
    try:
        patient = tomllib.loads(data.decode("utf-8")).get("patient", {})
        code = patient.get("code", "") if isinstance(patient, dict) else None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return code if isinstance(code, str) else None


def stick_programmes(dest: Path, target: Path) -> list[str]:
    """Notes for the programme files in the stick's ``programs/`` folder that the unit does
    not run as they are: an export installs only ``ademcoach.toml``. A therapist's own
    programme beside the config was refused as "no such programme", with no word why; one
    who edited ``home.toml`` there had the config installed and the unit's own ``home``
    run, unsaid."""
    from feedback.programme import find

    folder = dest / "programs"
    try:
        files = sorted(p for p in folder.glob("*.toml") if p.is_file())
    except OSError:
        return []
    notes = []
    for p in files:
        if link := link_note(p):
            notes.append(link)
            continue
        try:
            runs = find(p.stem, target.parent)
            # (sizes first: a file of gigabytes named home.toml was read whole)
            same = (runs is not None and runs.stat().st_size == p.stat().st_size
                    and runs.read_bytes() == p.read_bytes())
        except (ConfigError, OSError):
            runs, same = None, False
        if same:
            continue
        notes.append(f"{shown_name(p)}: not installed: an export installs only ademcoach.toml, "
                     "not a programme; " + (f"the unit runs its own {runs}" if runs else
                                           f"the unit has no programme {p.stem!r}")
                     + f"; copy the file to {target.parent / 'programs'} on the unit")
    return notes


def code_change(old: str | None, new: str) -> str | None:
    """The note for an installed config that changes ``[patient] code``, or None."""
    if old == new:
        return None
    before = "(unreadable)" if old is None else old or "(none)"
    return f"patient.code {before} -> {new or '(none)'}"


def data_dir_change(old, new) -> str | None:
    """The note for an installed config that moves ``[records] data_dir``, or None. The
    records stay where they are, and a report, export or wipe after it looks in the new
    place: it said "erased 0 sessions" and the patient's sessions stayed behind."""
    before, after = default_data_dir(old.records.data_dir), default_data_dir(
        new.records.data_dir)
    if before == after:
        return None
    return (f"records.data_dir {before} -> {after}: the unit records there from its next "
            f"start; the sessions in {before} stay there, and a report, export or wipe "
            "with this config no longer finds them (move them, or set data_dir back)")


def others_held(data_dir: Path, code: str) -> str | None:
    """The note for records of other patients than ``code`` still on the unit after a
    config for ``code`` was installed (a wipe forgotten: they would go home with the next
    patient and into their report), or None; records that cannot be read here (a
    read-only records folder) are said as not checked."""
    if not (data_dir / DB_NAME).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{data_dir / DB_NAME}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT patient_code, count(*) FROM sessions "
                                "WHERE patient_code != ? GROUP BY patient_code "
                                "ORDER BY patient_code", (code,)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return (f"could not check whether the unit still holds another patient's sessions "
                f"({exc}): look with ademcoach report before the unit goes to "
                f"{code or 'the next patient'}")
    if not rows:
        return None
    held = ", ".join(f"{n_sessions(n)} of {c or '(no code)'}" for c, n in rows)
    # (a loan unit's advice; a treatment-room unit keeps every patient's, as it should)
    return (f"the unit still holds {held} (copied to this stick): erase them with "
            f"ademcoach wipe before the unit goes to {code or 'the next patient'}; "
            "a unit that stays in the treatment room keeps them")


def put_back(previous: dict[Path, tuple | None],
              renamed: tuple[Path, Path] | None = None) -> None:
    """The config and its .bak as they were before the stick's was installed: content,
    mode and owner (None: the file was not there), and the stick's config under its own
    name again (``renamed``: (its name now, its name before)). A SIGTERM meanwhile is
    ignored, so the put-back is never left half done (the export has failed already)."""
    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        if renamed is not None:
            try:
                os.replace(*renamed)
            except OSError as exc:
                print(f"{renamed[0]}: could not be renamed back to {renamed[1].name} "
                      f"({exc.strerror}): it was not installed", file=sys.stderr)
        for path, was in previous.items():
            try:
                if was is None:
                    path.unlink(missing_ok=True)
                    continue
                data, st = was
                _replace_file(path, data, st, owner=True)
            except OSError as exc:
                print(f"{path}: could not be put back as it was before the stick's config "
                      f"({exc.strerror})", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, before)


def refused_in(stick_config: Path, problems, lang: str) -> list[str]:
    """A refused stick config's problems as the Dutch screen says them, for export.txt on a
    Dutch unit (the notes say them in English); none in English."""
    if not problems or lang != "nl":
        return []
    return [f"{stick_config}: niet overgenomen, de huidige instellingen blijven:"] + [
        f"  {p.path}{f', regel {p.line}' if p.line else ''}: {dutch(p.message)}"
        for p in problems]
