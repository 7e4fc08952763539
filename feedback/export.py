"""Export to a USB stick, a new config from the stick, and wiping the records.

``ademcoach export DIR`` writes the report plus a consistent copy of the database (SQLite
backup API) and the raw signal files into DIR, atomically: everything goes into a
temporary directory on the same file system that is renamed into place at the end, so a
stick pulled out too early never holds a half export that looks complete. A config file
``DIR/ademcoach.toml`` is validated and installed (the old one kept as ``.bak``), then
renamed ``ademcoach.toml.installed`` on the stick, so the next unit the stick goes into
does not install it too. What an export copied is marked: only that may the retention
(``keep_days``) erase.

``ademcoach wipe`` erases every record for the next patient (secure_delete + VACUUM so
the old pages are overwritten, raw signal files overwritten and removed). Records no
export has carried yet (sessions without ``exported_at``, kept damaged databases without their
``.exported`` mark) it erases only when told to (``--force``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import shutil
import signal
import sqlite3
import stat
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from feedback import exportnote
from feedback.cli import REPO_CONFIG, config_path, fail
from feedback.config import SCHEMA, ConfigError, Problem, load_config
from feedback.errors import AdemError
from feedback.rawsignal import RAW_FILE
from feedback.records import LOCK_NAME
from feedback.report import (
    build_report,
    config_dir_of,
    n_sessions,
    records_dir,
    records_exist,
    report_language,
    settings_for,
)
from feedback.store import (
    DB_NAME,
    SIMULATED,
    StorageError,
    cannot_write,
    complete_sessions,
    connect,
    copy_db,
    damage_leftovers,
    damaged_files,
    default_data_dir,
    exported_mark,
    fsync_dir,
    is_damaged,
    mark_exported,
    note_of,
    readable_copy,
    shred,
    shred_db,
)
from feedback.words import Say, both, dutch, say


def install_config(new: Path, target: Path, records_now: Path | None = None) -> str:
    """Validate ``new`` as ``check-config`` does, its programme included, and install it at
    ``target`` (old one kept as .bak). Returns what happened; raises ConfigError (nothing
    changed) when it is invalid, or when it moves the records away from ``records_now``
    to where this user cannot record (``records_now`` None: not known, the unit's own
    config being broken; a ``data_dir`` the new config sets is checked all the same)."""
    from feedback.config import Problem, key_lines
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


def _near_miss(stick: Path) -> Path | None:
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


def _shown(path: Path) -> str:
    """A name from the stick as it can be written to export.txt and read there: bytes that
    are not UTF-8 as ``\\xeb`` (a FAT stick's names come in the mount's character set:
    "patiënt" in Latin-1 failed the whole export, its note could not be written), control
    characters as ``\\n`` (a newline in a name made a line of export.txt of its own)."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], text)


def _link_note(path: Path) -> str | None:
    """The note for a file on the stick that is a link, or None. A link is not followed:
    the export reads only files on the stick itself (a link named ademcoach.toml installed
    a config from elsewhere on the unit, and read a file such as /etc/shadow into the
    problems it wrote on the stick). A FAT or exFAT stick holds no links; a folder given
    by hand may."""
    if not path.is_symlink():
        return None
    try:
        to = _shown(Path(os.readlink(path)))
    except OSError:
        to = "?"
    return f"{_shown(path)}: not installed: it is a link to {to}, not a file on the stick"


def _has_config_section(path: Path) -> bool:
    """Does the start of ``path`` hold a line such as ``[patient]``?"""
    try:
        with open(path, "rb") as fh:
            head = fh.read(NEAR_MISS_READ)
    except OSError:
        return False
    return _SECTION.search(head.decode("utf-8", "replace").replace("\r\n", "\n")) is not None


def _set_aside_on_stick(stick_config: Path, notes: list[str]) -> Path | None:
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


def _code_in(data: bytes) -> str | None:
    """``[patient] code`` as written in a config file's ``data`` ("" when not set), or
    None if the file cannot be read as TOML."""
    try:
        patient = tomllib.loads(data.decode("utf-8")).get("patient", {})
        code = patient.get("code", "") if isinstance(patient, dict) else None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return code if isinstance(code, str) else None


def _stick_programmes(dest: Path, target: Path) -> list[str]:
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
        if link := _link_note(p):
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
        notes.append(f"{_shown(p)}: not installed: an export installs only ademcoach.toml, "
                     "not a programme; " + (f"the unit runs its own {runs}" if runs else
                                           f"the unit has no programme {p.stem!r}")
                     + f"; copy the file to {target.parent / 'programs'} on the unit")
    return notes


def _code_change(old: str | None, new: str) -> str | None:
    """The note for an installed config that changes ``[patient] code``, or None."""
    if old == new:
        return None
    before = "(unreadable)" if old is None else old or "(none)"
    return f"patient.code {before} -> {new or '(none)'}"


def _data_dir_change(old, new) -> str | None:
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


def _others_held(data_dir: Path, code: str) -> str | None:
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


def _put_back(previous: dict[Path, tuple | None],
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


def _fsync_tree(root: Path) -> None:
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


def _stick_trouble(exc: BaseException) -> str | None:
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
    """An export that failed writing to the stick; ``why``: ``_stick_trouble``."""

    def __init__(self, message: str, why: str | None):
        super().__init__(message)
        self.why = why


def _terminated(signum, frame):
    raise AdemError("export stopped (SIGTERM) before it was complete; nothing was written")


def cmd_export(args) -> int:
    dest = Path(args.dir)
    if dest.exists() and not dest.is_dir():
        raise fail(f"{dest}: is a file, not a directory; give the stick's directory")
    if not dest.is_dir():
        raise fail(f"{dest}: no such directory (is the stick mounted?)")
    target = config_path(getattr(args, "config", None))
    try:
        settings = load_config(target)
    except ConfigError as exc:
        if not target.is_file():  # a mistyped --config: nothing to replace, nothing to read
            raise
        settings, broken = None, exc  # a config on the stick may replace it
    notes, status = [], 0
    stick_config = dest / "ademcoach.toml"
    previous = None  # the config files replaced, put back if the export fails
    installed = False  # the stick's config is in force (installed, or the same already)
    refused = []  # the problems of a stick's config not installed (export.txt says them)
    changed_to = None  # the patient code it brought, when it changed the code
    # systemd stops a slow export with SIGTERM (its time is up, or the stick was pulled:
    # BindsTo=): end as an exception, so the half-written folder is removed, the config is
    # as before and the note says it failed. From before the stick's config is installed:
    # a stop right after it left the new config in force, and nothing exported.
    before = signal.signal(signal.SIGTERM, _terminated)
    renamed: list[Path] = []  # the stick's config's new name, once it is set aside
    # (where the unit's config says; with a broken one, where the stick's says)
    data_dir = records_dir(args, settings) if settings is not None else None
    # A copy in the unit's own records folder is no export: its sessions were marked as
    # carried off, so a wipe then erased them without --force and left the copy, the
    # patient's whole record, on the unit for the next patient.
    if data_dir is not None and dest.resolve().is_relative_to(data_dir.resolve()):
        raise fail(f"{dest}: is inside the unit's records folder ({data_dir}); give the "
                   "stick's directory")

    def set_aside() -> list[str]:
        """(Last, once the export is in place: a stick pulled before keeps its config
        under its own name, to be installed at the next try, as the unit put it back.)"""
        said: list[str] = []
        if (done := _set_aside_on_stick(stick_config, said)) is not None:
            renamed.append(done)
        return said

    try:
        there = os.path.lexists(stick_config)  # (a link to itself does not "exist")
        if not there and (near := _near_miss(dest)):
            notes.append(f"{_shown(near)}: not installed: the unit takes only a file named "
                         "ademcoach.toml (an editor may have added an extension the computer "
                         "hides, such as .txt): rename it")
            refused = [Problem(_shown(near), None, say(
                "not named ademcoach.toml: rename it",
                "heet niet ademcoach.toml: hernoem het"))]
            status = 2
        elif there and (link := _link_note(stick_config)):  # (never followed off the stick)
            notes.append(link)
            status = 2
        elif there and not stick_config.is_file():  # (never opened: a FIFO would block)
            notes.append(f"{stick_config}: not installed: " + (
                "it is a folder, not a config file" if stick_config.is_dir() else
                "it is not a regular file, not a config file"))
            status = 2
        elif stick_config.is_file():
            if target == REPO_CONFIG / "ademcoach.toml":
                notes.append(f"{stick_config}: not installed: this machine has no unit "
                             "config (give --config FILE)")
                status = 2
            else:
                try:
                    previous = {p: (p.read_bytes(), os.stat(p)) if p.is_file() else None
                                for p in (target, target.with_name(target.name + ".bak"))}
                    if previous[target] and stick_config.stat().st_size == len(
                            previous[target][0]) and (previous[target][0]
                                              == stick_config.read_bytes()):
                        previous = None  # the same config: nothing is replaced
                    notes.append(install_config(stick_config, target, None if settings
                                                is None else default_data_dir(
                                                    settings.records.data_dir)))
                except ConfigError as exc:
                    previous = None
                    notes.append(f"{stick_config}: not installed, the current config stays:")
                    notes.extend(f"  {p}" for p in exc.problems)
                    refused = exc.problems
                    status = 2
                except OSError as exc:  # the unit's config folder cannot be read or written
                    previous = None
                    notes.append(f"{stick_config}: not installed, the current config stays: "
                                 f"cannot replace {target}: {exc.strerror}")
                    status = 2
                else:
                    installed = True
                    new = load_config(target)
                    old = (settings.patient.code if settings is not None else
                           _code_in(previous[target][0]) if previous else new.patient.code)
                    if change := _code_change(old, new.patient.code):
                        notes.append(change)
                        changed_to = new.patient.code
                    if settings is not None and (moved := _data_dir_change(settings, new)):
                        notes.append(moved)
                    if settings is None:  # (else the records are where the old config said)
                        settings = new
        notes.extend(_stick_programmes(dest, target))
        if settings is None:  # the records' directory is unknown: export nothing
            for note in notes:
                print(note, file=sys.stderr)
            raise broken
        data_dir = records_dir(args, settings)
        if changed_to is not None and (held := _others_held(data_dir, changed_to)):
            notes.append(held)
        records_exist(data_dir / DB_NAME, "read", "export")  # before anything goes on the stick
        lang = report_language(args, settings)
        sessions, copied, kept = _export(dest, data_dir, notes, lang,
                                         config_dir_of(settings),
                                         _refused_in(stick_config, refused, lang),
                                         set_aside if installed else None)
    except BaseException:
        if previous is not None or renamed:  # nothing was written: nor is the config
            _put_back(previous or {}, (renamed[0], stick_config) if renamed else None)
        if data_dir is not None:
            exportnote.write(data_dir, "failed", why=getattr(sys.exc_info()[1], "why", None))
        raise
    finally:
        signal.signal(signal.SIGTERM, before)
    _mark_exported(data_dir, copied, kept)  # (the export is on the stick: it stands)
    # ("installed" only for settings that changed: the unit's own config again is "ok")
    exportnote.write(data_dir, "refused" if status else
                     "installed" if installed and previous is not None else "ok", len(sessions))
    for note in notes:
        print(note, file=sys.stderr if status else sys.stdout)
    return status


def _refused_in(stick_config: Path, problems, lang: str) -> list[str]:
    """A refused stick config's problems as the Dutch screen says them, for export.txt on a
    Dutch unit (the notes say them in English); none in English."""
    if not problems or lang != "nl":
        return []
    return [f"{stick_config}: niet overgenomen, de huidige instellingen blijven:"] + [
        f"  {p.path}{f', regel {p.line}' if p.line else ''}: {dutch(p.message)}"
        for p in problems]


def _export(dest: Path, data_dir: Path, notes: list[str], lang: str = "en",
            config_dir: Path | None = None, extra: list[str] = (),
            last=None) -> tuple[list, list[int], list[Path]]:
    """Write the export directory on ``dest`` atomically; returns the sessions in it, the
    ids of those now complete on the stick and the damaged files copied (for
    ``_mark_exported``). ``extra``: lines for export.txt only (after the notes). ``last``:
    done on the stick once the folder is in place, before the stick's top folder is synced
    (it returns lines for the notes and export.txt). If anything fails, the folder is
    removed again, in place or not."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    final = dest / f"ademcoach-export-{stamp}"
    placed = False  # renamed into place: a failure after it removes it there
    notes.extend(_remove_leftovers(dest))
    try:
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=dest))
    except OSError as exc:  # a read-only or full stick, or one this user may not write
        raise StickError(f"export to {dest} failed, nothing was written: "
                         f"cannot write there: {exc.strerror}", _stick_trouble(exc)) from None
    writing = _hold(tmp)  # (another export on the stick meanwhile leaves it alone)
    try:
        db = data_dir / DB_NAME
        drawn, complete = _exported_before(db)
        sessions = build_report(data_dir, tmp / "report", lang=lang, config_dir=config_dir,
                                skip_charts=drawn)
        if skipped := drawn & {s.id for s in sessions}:
            notes.append(f"charts: only of the sessions no export carried before; the "
                         f"{n_sessions(len(skipped))} exported earlier "
                         f"{'has its' if len(skipped) == 1 else 'have theirs'} in the "
                         "earlier exports (a technician's `ademcoach report` on the unit "
                         "draws them all)")
        copied: list[int] = []  # sessions now complete on the stick (store.purge)
        if db.exists():
            try:
                copied, damaged = _copy_records(db, tmp / DB_NAME)
            except sqlite3.DatabaseError as exc:
                if not cannot_write(exc):
                    raise
                with readable_copy(db, tmp) as copy:  # a read-only card: from a copy
                    copied, damaged = _copy_records(copy, tmp / DB_NAME)
            ended = []
            if complete is not None:
                # A session that ended while the report read it has a chart of its
                # beginning: left unmarked, for the next export to draw it whole.
                ended = [i for i in copied if i not in complete]
                copied = [i for i in copied if i in complete]
            if damaged:
                notes.append(f"{DB_NAME} is damaged: copied as it is; the report shows what "
                             "could still be read of it")
            elif open_ := [s for s in sessions if s.id not in copied]:
                if meanwhile := [s for s in open_ if s.id in ended]:
                    notes.append(
                        f"{_sessions_at(meanwhile)} ended while this export was being made: "
                        "copied whole, but the report and chart are of the part recorded "
                        "before; not marked as exported: the next export reports and marks "
                        f"{'it' if len(meanwhile) == 1 else 'them'} (a wipe before that "
                        "says not exported yet)")
                s = open_[-1]  # (only the newest can be open: complete_sessions)
                if s not in meanwhile:
                    notes.append(
                        f"session {s.id} ({s.start_local:%Y-%m-%d %H:%M}) has no end (a "
                        "power cut, or being recorded now): copied, but not marked as "
                        "exported, as more of it may come; a wipe then needs --force")
        kept = damaged_files(data_dir)
        for f in kept:
            copy_db(f, tmp / f.name)
            if note_of(f).exists():
                shutil.copyfile(note_of(f), tmp / note_of(f).name)
            notes.append(f"{f.name}: a damaged database set aside by the unit, copied as it is")
        raw = data_dir / "raw"
        if raw.is_dir():
            (tmp / "raw").mkdir()
            for f in sorted(raw.glob("*.csv")):
                shutil.copyfile(f, tmp / "raw" / f.name)
        (tmp / "export.txt").write_text("\n".join(
            [f"Ademcoach export {stamp}: {n_sessions(len(sessions))} from {data_dir}", *notes,
             *extra]) + "\n", encoding="utf-8")
        _fsync_tree(tmp)
        n = 1
        while final.exists():  # two exports within one second
            n += 1
            final = dest / f"ademcoach-export-{stamp}-{n}"
        os.rename(tmp, final)
        placed = True
        if last is not None:
            said = last()
            notes.extend(said)
            with open(final / "export.txt", "a", encoding="utf-8") as fh:
                fh.write("".join(f"{line}\n" for line in said))
                fh.flush()
                os.fsync(fh.fileno())
        fsync_dir(dest)  # the renames themselves are on the stick before the screen says so
    except BaseException as exc:
        shutil.rmtree(final if placed else tmp, ignore_errors=True)
        if isinstance(exc, OSError | sqlite3.Error):
            raise StickError(f"export to {dest} failed, nothing was written: {exc}",
                             _stick_trouble(exc)) from None
        raise
    finally:
        if writing is not None:
            os.close(writing)
    print(f"exported {n_sessions(len(sessions))} to {final}")
    return sessions, copied, kept


TMP_PREFIX = ".ademcoach-export-"  # an export's folder on the stick until it is complete


def _hold(folder: Path) -> int | None:
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


def _remove_leftovers(dest: Path) -> list[str]:
    """Remove the hidden folders earlier exports left on the stick ``dest`` (a stick taken
    out before the export was complete keeps it: a part of the records, unseen by the
    therapist who deletes the exports, and in the way on a stick nearly full). One export
    runs per device, but a technician's ``ademcoach export`` may write the same stick
    mounted elsewhere at the same time: a folder another export holds (``_hold``) is
    being written, and stays. Returns the notes."""
    try:
        found = sorted(p for p in dest.iterdir() if p.name.startswith(TMP_PREFIX)
                       and p.is_dir() and not p.is_symlink())
    except OSError:
        return []
    notes = []
    for p in found:
        held = _hold(p)
        if held is None:  # another export writes it now (or it went meanwhile)
            continue
        try:
            shutil.rmtree(p)
        except OSError as exc:
            notes.append(f"{_shown(p)}: a hidden folder left on the stick by an export cut "
                         f"short could not be removed ({exc.strerror}): delete it by hand")
            continue
        finally:
            os.close(held)
        notes.append("removed a hidden folder left on the stick by an export cut short (the "
                     f"stick taken out too early): {_shown(Path(p.name))}")
    return notes


def _sessions_at(sessions) -> str:
    """'session 4 (2025-10-12 12:00)', or 'sessions 4 (...), 5 (...)'."""
    return ("session " if len(sessions) == 1 else "sessions ") + ", ".join(
        f"{s.id} ({s.start_local:%Y-%m-%d %H:%M})" for s in sessions)


def _exported_before(db: Path) -> tuple[frozenset[int], frozenset[int] | None]:
    """(the sessions an earlier export marked, the sessions complete now, before the report
    reads them). The marked ones' charts are in the exports of then: a clinic unit keeps a
    year of sessions (``keep_days``); drawing every chart again at each export took 72 s
    here for 2,920 sessions (8 s without), several times that on a Pi, where the export
    service gives up after its time. Only a session complete now may be marked by this
    export: one that ends while the report reads it gets a chart of its beginning. Any
    doubt (no database, a damaged one): every chart drawn, no session held back."""
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError):
        return frozenset(), None
    try:
        with conn:  # (one read: both from the same moment)
            conn.execute("BEGIN")
            marked = frozenset(i for (i,) in conn.execute(
                "SELECT id FROM sessions WHERE exported_at IS NOT NULL"))
            return marked, frozenset(complete_sessions(conn))
    except sqlite3.Error:
        return frozenset(), None
    finally:
        conn.close()


def _copy_records(db: Path, dst_path: Path) -> tuple[list[int], bool]:
    """Copy the database ``db`` to ``dst_path``; returns (the sessions now complete in the
    copy, whether ``db`` is damaged). A damaged one goes as it is, for recovery."""
    src = sqlite3.connect(db)
    dst = sqlite3.connect(dst_path)
    try:
        src.backup(dst)  # copies pages without reading them: check the copy
        if dst.execute("PRAGMA integrity_check(1)").fetchone()[0] == "ok":
            return complete_sessions(dst), False
    except sqlite3.DatabaseError as exc:
        if not is_damaged(exc):
            raise
        dst.close()  # (a file SQLite cannot copy at all: the file itself)
        copy_db(db, dst_path)
    finally:
        dst.close()
        src.close()
    return [], True


def _mark_exported(data_dir: Path, sessions: list[int], kept: list[Path]) -> None:
    """Note in the data directory what is now on a stick: only that may the retention
    (``keep_days``) erase. A failure keeps the records longer, and is said."""
    try:
        if sessions:
            conn = connect(data_dir / DB_NAME, create=False)
            try:
                mark_exported(conn, sessions, time.time())
            finally:
                conn.close()
        for f in kept:
            exported_mark(f).touch()
        if kept:
            fsync_dir(data_dir)
    except (sqlite3.Error, StorageError, OSError) as exc:
        print(f"the unit could not note this export ({exc}): the retention (keep_days) keeps "
              "these records until an export is noted", file=sys.stderr)


@dataclass
class Holdings:
    """What a wipe of a data directory would erase, and what of it no export has carried
    yet (erasing that loses it)."""

    sessions: int | None = 0  # None: records.sqlite is too damaged to count them
    unexported: int = 0  # sessions without exported_at
    open_newest: int | None = None  # the newest session's id, if it has no end nor mark
    damaged: bool = False  # records.sqlite is damaged: no export can mark its sessions
    kept: list[str] = field(default_factory=list)  # kept damaged databases not exported
    codes: set[str] | None = None  # the sessions' patient codes (None: not known)

    def describe(self) -> str:
        if self.sessions is None:
            said = f"{DB_NAME} is damaged: its sessions cannot be counted"
        else:
            said = n_sessions(self.sessions)
            if self.sessions:
                said += (", all exported" if not self.unexported else
                         f", {self.unexported} of them not exported yet")
            if self.damaged:
                said += f"; {DB_NAME} is damaged"
        if self.kept:
            said += f"; not exported yet: {', '.join(self.kept)}"
        return said

    def refusal(self, data_dir: Path) -> str | None:
        """The one line a wipe without --force says instead of erasing, or None."""
        said = []
        # what an export marks: the ended sessions, the kept damaged databases
        closed = 0 if self.damaged else self.unexported - (self.open_newest is not None)
        what = []
        if closed:
            what.append(n_sessions(closed) if closed == self.sessions
                        else f"{closed} of {n_sessions(self.sessions)}")
        if self.kept:
            what.append(f"the damaged database{'s' if len(self.kept) > 1 else ''} "
                        + ", ".join(self.kept))
        if what:
            it, are = ("it", "is") if closed + len(self.kept) == 1 else ("them", "are")
            said.append(f"{' and '.join(what)} {are} not exported yet: export {it} first "
                        f"(ademcoach export DIR), or give --force to erase {it} anyway")
        # what no export marks: copied as far as it goes, then --force
        if self.damaged and (self.sessions is None or self.unexported):
            said.append(f"{DB_NAME} is damaged, so no export can mark its sessions as "
                        "exported: export it first (ademcoach export DIR), then give "
                        "--force to erase it")
        elif self.open_newest is not None:
            said.append(f"the newest session ({self.open_newest}) has no end (cut short by "
                        "a power cut, or being recorded now), so no export marks it as "
                        "exported: if an export has copied it (its export.txt says so), "
                        "give --force to erase it; if not, export first")
        return f"{data_dir}: {'; '.join(said)}" if said else None


def holdings(data_dir: Path) -> Holdings:
    """Count what ``wipe`` would erase in ``data_dir`` (checking records.sqlite whole:
    a damaged one is copied by an export, but never marked)."""
    kept = _kept_unexported(data_dir)
    db = data_dir / DB_NAME
    if not records_exist(db, "erase", "wipe"):
        return Holdings(kept=kept)
    try:
        conn = connect(db, create=False)
        try:
            held = _counts(conn)
            held.damaged = conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok"
        finally:
            conn.close()
    except (sqlite3.Error, StorageError) as exc:
        if not is_damaged(exc):
            raise
        held = Holdings(None, damaged=True)
    held.kept = kept
    return held


def _kept_unexported(data_dir: Path) -> list[str]:
    """The kept damaged databases no export has copied (``exported_mark``)."""
    return [f.name for f in damaged_files(data_dir) if not exported_mark(f).exists()]


def _counts(conn: sqlite3.Connection) -> Holdings:
    """The sessions in ``conn``, those not exported yet and the newest without an end
    (``complete_sessions``: an export copies it, but does not mark it)."""
    n, marked, open_newest = conn.execute(
        "SELECT count(*), count(exported_at), (SELECT id FROM sessions WHERE id = "
        "(SELECT max(id) FROM sessions) AND exported_at IS NULL AND ended_at IS NULL "
        "AND end_reason IS NULL) FROM sessions").fetchone()
    codes = {c for (c,) in conn.execute("SELECT DISTINCT patient_code FROM sessions")}
    return Holdings(n, n - marked, open_newest, codes=codes)


def wipe(data_dir: Path, damaged: list | None = None, *, force: bool = False,
         unexported: list | None = None) -> int:
    """Erase every record in ``data_dir``; returns how many sessions were erased (and
    adds how many of them no export had carried to ``unexported``).
    Works while the unit runs (SQLite locking); old pages are overwritten, not just freed.
    Damaged databases (the records file itself, or kept ones) cannot be read: they are
    overwritten and removed, and their names added to ``damaged``. The records file
    goes first, then what damage handling left, until nothing new turns up (a unit that
    sets a file aside meanwhile). Without ``force`` it erases nothing (BadInput) while
    anything there was not exported: a kept damaged database no export copied, a
    session without ``exported_at`` (counted in the erasing transaction itself, so one
    the unit recorded meanwhile is not lost), a records file too damaged to read."""
    db = data_dir / DB_NAME
    n = 0
    gone = damaged if damaged is not None else []
    if not force and (kept := _kept_unexported(data_dir)):
        raise fail(Holdings(kept=kept).refusal(data_dir))
    if records_exist(db, "erase", "wipe"):
        counted: list[Holdings] = []
        try:
            n = _erase(db, data_dir, force, counted)
        except (sqlite3.Error, StorageError) as exc:
            if not is_damaged(exc):
                raise
            if not force and not counted:  # (counted: every session in it was exported)
                raise fail(Holdings(None, damaged=True).refusal(data_dir)) from None
            shred_db(db)
            gone.append(db.name)
        if unexported is not None and counted:
            unexported.append(counted[0].unexported)
    for _ in range(5):
        left = damage_leftovers(data_dir)
        if not left:
            break
        for f in left:
            shred(f)
            if f.suffix == ".sqlite":
                gone.append(f.name)
    _erase_raw(data_dir / "raw")
    return n


def _erase_raw(raw: Path) -> None:
    """The raw signal files the unit wrote, overwritten and removed (``shred``: only
    unlinked, the patient's breathing stayed in the card's free blocks), and their folder
    once empty; nothing else (a data_dir set to a folder of other things lost its "raw"
    subfolder whole)."""
    if not raw.is_dir():
        return
    for f in raw.iterdir():
        if RAW_FILE.fullmatch(f.name) and f.is_file():
            if f.is_symlink():  # (not what it points at)
                f.unlink(missing_ok=True)
                continue
            try:
                shred(f)
            except PermissionError:  # (a file made by another user, e.g. a run as root)
                f.unlink(missing_ok=True)
                print(f"{f}: could not be overwritten (no permission to write it), only "
                      "removed: its blocks stay on the card until written over",
                      file=sys.stderr)
    with contextlib.suppress(OSError):
        raw.rmdir()


def _erase(db: Path, data_dir: Path, force: bool, counted: list) -> int:
    """Erase the sessions in ``db``; returns how many. Once they are counted (in the
    erasing transaction), what was there goes into ``counted``; sessions not exported
    without ``force``: BadInput, nothing erased."""
    conn = connect(db, create=False)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("BEGIN IMMEDIATE")
        held = _counts(conn)
        if held.unexported and not force:
            conn.execute("ROLLBACK")
            raise fail(held.refusal(data_dir))
        counted.append(held)
        n = held.sessions
        for table in ("events", "faults", "cues", "holds", "breaths", "exercises",
                      "sessions"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("COMMIT")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return n


def cmd_wipe(args) -> int:
    settings = settings_for(args)
    data_dir = records_dir(args, settings)
    records_exist(data_dir / DB_NAME, "erase", "wipe")  # before asking: it would erase nothing
    force = getattr(args, "force", False)
    try:
        held = holdings(data_dir)
    except (sqlite3.Error, StorageError) as exc:
        raise AdemError(f"{data_dir}: cannot erase the records: {exc}") from None
    refusal = held.refusal(data_dir)
    if refusal and not force:  # before asking: a yes would lose them
        raise fail(refusal)
    demo = data_dir / SIMULATED
    with_demo = not getattr(args, "simulated", False) and (demo / DB_NAME).exists()
    if not args.yes:
        also = ""
        if with_demo:  # (erased with them: said, or the count after it would surprise)
            try:
                n_demo = holdings(demo).sessions
            except (sqlite3.Error, StorageError):
                n_demo = None
            also = (f"; and {n_sessions(n_demo, 'simulated ')} in {demo}"
                    if n_demo is not None else f"; and the simulated sessions in {demo}")
        print(f"This erases ALL session records in {data_dir} ({held.describe()}{also}). "
              "Type 'yes' to go on: ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("yes", "ja"):
            print("nothing erased")
            return 1
    try:
        damaged: list[str] = []
        unexported: list[int] = []
        n = wipe(data_dir, damaged, force=force, unexported=unexported)
        if with_demo:
            # simulated sessions carry the patient code too; no export takes them
            n_demo = wipe(demo, damaged, force=True)
            print(f"erased {n_sessions(n_demo, 'simulated ')} from {demo}")
    except (sqlite3.Error, StorageError) as exc:
        raise AdemError(f"{data_dir}: cannot erase the records: {exc}") from None
    if damaged:
        print(f"erased damaged databases (their sessions could not be counted): "
              f"{', '.join(damaged)}")
    lost = sum(unexported)
    print(f"erased {n_sessions(n)} from {data_dir}"
          + (f" ({lost} of them not exported)" if lost else ""))
    code = settings.patient.code
    if code and (not held.codes or code in held.codes):  # (else: the next one's already)
        print(f"patient.code is still {settings.patient.code!r}: set the next patient's "
              f"code in {settings.source}")
    if _unit_running(data_dir):  # (its start screen would give the next patient's day
        # the wiped one's minutes, its summary screen the wiped one's session)
        print("the unit running on these records still shows what it kept of them (today's "
              "minutes, the last session's summary) until it restarts: sudo systemctl "
              "restart ademcoach")
    return 0


def _unit_running(data_dir: Path) -> bool:
    """Does a run record in ``data_dir`` now (it holds ``records.lock``: the service)?
    The lock is only tried, shared, and let go at once."""
    try:
        fd = os.open(data_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:  # (EWOULDBLOCK: held)
        return True
    except OSError:  # (a file system without flock: not known, not said)
        return False
    finally:
        os.close(fd)  # (lets go of the shared lock, if it was taken)
    return False
