"""Export to a USB stick: ``ademcoach export DIR``.

It writes the report plus a consistent copy of the database (SQLite backup API) and the
raw signal files into DIR, atomically: everything goes into a temporary directory on the
same file system that is renamed into place at the end, so a stick pulled out too early
never holds a half export that looks complete (the stick's side of it:
``feedback.export_stick``). A config file ``DIR/ademcoach.toml`` is validated and
installed (the old one kept as ``.bak``), then renamed ``ademcoach.toml.installed`` on the
stick, so the next unit the stick goes into does not install it too
(``feedback.export_config``). What an export copied is marked: only that may the
retention (``keep_days``) erase. ``feedback.wipe`` erases the records.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from feedback import exportnote
from feedback.cli import REPO_CONFIG, config_path, fail
from feedback.config import load_config
from feedback.config_rules import ConfigError, Problem
from feedback.errors import AdemError
from feedback.export_config import (
    code_change,
    code_in,
    data_dir_change,
    install_config,
    near_miss,
    others_held,
    put_back,
    refused_in,
    set_aside_on_stick,
    stick_programmes,
)
from feedback.export_stick import (
    TMP_PREFIX,
    StickError,
    fsync_tree,
    link_note,
    lock_folder,
    remove_leftovers,
    shown_name,
    stick_trouble,
)
from feedback.report import (
    build_report,
    config_dir_of,
    n_sessions,
    records_dir,
    records_exist,
    report_language,
)
from feedback.store import (
    DB_NAME,
    StorageError,
    cannot_write,
    complete_sessions,
    connect,
    copy_db,
    damaged_files,
    default_data_dir,
    exported_mark,
    fsync_dir,
    is_damaged,
    mark_exported,
    note_of,
    readable_copy,
)
from feedback.words import say


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
        if (done := set_aside_on_stick(stick_config, said)) is not None:
            renamed.append(done)
        return said

    try:
        there = os.path.lexists(stick_config)  # (a link to itself does not "exist")
        if not there and (near := near_miss(dest)):
            notes.append(f"{shown_name(near)}: not installed: the unit takes only a file named "
                         "ademcoach.toml (an editor may have added an extension the computer "
                         "hides, such as .txt): rename it")
            refused = [Problem(shown_name(near), None, say(
                "not named ademcoach.toml: rename it",
                "heet niet ademcoach.toml: hernoem het"))]
            status = 2
        elif there and (link := link_note(stick_config)):  # (never followed off the stick)
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
                           code_in(previous[target][0]) if previous else new.patient.code)
                    if change := code_change(old, new.patient.code):
                        notes.append(change)
                        changed_to = new.patient.code
                    if settings is not None and (moved := data_dir_change(settings, new)):
                        notes.append(moved)
                    if settings is None:  # (else the records are where the old config said)
                        settings = new
        notes.extend(stick_programmes(dest, target))
        if settings is None:  # the records' directory is unknown: export nothing
            for note in notes:
                print(note, file=sys.stderr)
            raise broken
        data_dir = records_dir(args, settings)
        if changed_to is not None and (held := others_held(data_dir, changed_to)):
            notes.append(held)
        records_exist(data_dir / DB_NAME, "read", "export")  # before anything goes on the stick
        lang = report_language(args, settings)
        sessions, copied, kept = _export(dest, data_dir, notes, lang,
                                         config_dir_of(settings),
                                         refused_in(stick_config, refused, lang),
                                         set_aside if installed else None)
    except BaseException:
        if previous is not None or renamed:  # nothing was written: nor is the config
            put_back(previous or {}, (renamed[0], stick_config) if renamed else None)
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
    notes.extend(remove_leftovers(dest))
    try:
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=dest))
    except OSError as exc:  # a read-only or full stick, or one this user may not write
        raise StickError(f"export to {dest} failed, nothing was written: "
                         f"cannot write there: {exc.strerror}", stick_trouble(exc)) from None
    writing = lock_folder(tmp)  # (another export on the stick meanwhile leaves it alone)
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
        fsync_tree(tmp)
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
                             stick_trouble(exc)) from None
        raise
    finally:
        if writing is not None:
            os.close(writing)
    print(f"exported {n_sessions(len(sessions))} to {final}")
    return sessions, copied, kept


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
