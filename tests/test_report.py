"""Reports, export and wipe, from sessions written through Records with known numbers."""

import csv
import io
import json
import os
import sqlite3
import time

import pygame
import pytest

from feedback import events as ev
from feedback.cli import main
from feedback.clock import VirtualClock
from feedback.records import Records
from feedback.report_charts import RATIO, calendar_chart, calendar_size
from feedback.store import DB_NAME

DAY0 = 1_760_011_200.0  # 2025-10-09 12:00 UTC


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def breath(t, i, e):
    return ev.Breath(t, start=t - i - e, peak=t - e, end=t, inhale_s=i, exhale_s=e,
                     rate_bpm=60 / (i + e))


@pytest.fixture
def unit(tmp_path, monkeypatch):
    """A data dir with three sessions and a config pointing at it; reported on the day of
    the last session."""
    import datetime as dt

    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2025, 10, 11))
    data = tmp_path / "data"
    clock = VirtualClock(1000.0)
    rec = Records(data, clock=clock, raw_max_mb=1)
    # session 1: day 0, 6 minutes, two exercises, ratios 1.0 1.0 1.2 | 1.3 1.4 1.4
    rec.start_session("AB12", "home", "[pacer]\ninhale_s = 4.0\nexhale_s = 6.0\n", DAY0,
                      raw_belts=["belly"])
    rec.add_sample(1000.0, (0.5,))
    rec.add(ev.Exercise(1000.0, "Buikademhaling", "start"))
    for k, (i, e) in enumerate([(2, 2), (2, 2), (2.5, 3)]):
        rec.add(breath(1010.0 + 10 * k, i, e))
    rec.add(ev.Hold(1050.0, t=1046.0))
    rec.add(ev.Cue(1050.0, "breathe_on"))
    rec.add(ev.HoldEnd(1052.0, t=1052.0))
    rec.add(ev.Exercise(1180.0, "Buikademhaling", "end"))
    rec.add(ev.Exercise(1180.0, "Lange uitademing", "start"))
    for k, (i, e) in enumerate([(2, 2.6), (2.5, 3.5), (2.5, 3.5)]):
        rec.add(breath(1200.0 + 10 * k, i, e))
    rec.add(ev.Cue(1230.0, "longer_exhale"))
    clock.advance(360.0)
    rec.end_session("stopped")
    # session 2: day 2, 3 minutes, no exercises, ratio 1.5
    rec.start_session("AB12", "home", "", DAY0 + 2 * 86400)
    for k in range(3):
        rec.add(breath(clock.now() + 10 * (k + 1), 2.0, 3.0))
    clock.advance(180.0)
    rec.end_session("sigterm")
    assert rec.close() == 0
    # session 3: day 2, interrupted by a power cut: no end, last breath 120 s after start
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute("INSERT INTO sessions (id, patient_code, programme, started_at, config, "
                 "start_t) VALUES (3, 'AB12', 'home', ?, '', 0)", (DAY0 + 2 * 86400 + 3600,))
    conn.execute("INSERT INTO breaths (session_id, at, inhale_s, exhale_s, rate_bpm) "
                 "VALUES (3, 120, 2, 4, 10)")
    conn.commit()
    conn.close()
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{data}"\n')
    return data, cfg


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_report_csv_numbers(unit, tmp_path):
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    s = read_csv(out / "sessions.csv")
    assert [r["session"] for r in s] == ["1", "2", "3"]
    one = s[0]
    assert (one["date"], one["start"], one["minutes"], one["end"]) == (
        "2025-10-09", "12:00", "6.0", "stopped")
    assert (one["exercises"], one["breaths"], one["holds"], one["cues"]) == ("2", "6", "1", "2")
    # ratios 1.0 1.0 1.2 | 1.3 1.4 1.4: median 1.25; the trend is per exercise (recorded
    # without their own targets: the config's 1.5 for both): 1.0->1.2 and 1.3->1.4
    assert one["ratio"] == "1.25"
    assert (one["ratio_target"], one["ratio_trend"]) == ("1.50", (
        "Buikademhaling: toward the target; Lange uitademing: toward the target"))
    assert one["holds_by_exercise"] == "Buikademhaling 1, longest 6.0 s"
    assert one["cue_kinds"] == "breathe_on:1 longer_exhale:1"
    # 6 breaths in 4 + 4 + 5.5 + 4.6 + 6 + 6 = 30.1 s: 11.96/min
    assert one["breaths_per_min"] == "12.0"
    assert (s[1]["minutes"], s[1]["end"], s[1]["ratio"]) == ("3.0", "sigterm", "1.50")
    assert (s[2]["minutes"], s[2]["end"], s[2]["ratio"]) == ("2.0", "interrupted", "2.00")
    ex = read_csv(out / "exercises.csv")
    assert [(r["name"], r["minutes"], r["breaths"], r["holds"], r["cues"]) for r in ex] == [
        ("Buikademhaling", "3.0", "3", "1", "1"), ("Lange uitademing", "3.0", "3", "0", "1")]
    days = read_csv(out / "days.csv")
    assert [(d["date"], d["minutes"], d["target_met"], d["sessions"]) for d in days] == [
        ("2025-10-09", "6.0", "yes", "1"), ("2025-10-10", "0.0", "no", "0"),
        ("2025-10-11", "5.0", "yes", "2")]
    # day ratios: 1.25, then 1.5 1.5 1.5 2.0 -> 1.5 (target 1.5): toward the target
    assert [(d["ratio"], d["ratio_target"], d["ratio_trend"]) for d in days] == [
        ("1.25", "1.50", ""), ("", "", ""), ("1.50", "1.50", "toward the target")]
    summary = (out / "summary.txt").read_text()
    assert "Sessions: 3 (1 interrupted)" in summary
    assert "Practice: 11.0 min on 2 of 3 days; home target 5 min/day met on 2 days" in summary
    # the cues as the English screen says them, not their internal names
    assert '  Cues (corrections): "Keep breathing!" 1x, "Breathe out longer" 1x\n' in summary


def read_workbook(path) -> dict:
    """The sheets of a report.xlsx as {name: rows}, each cell as its type says: a number
    (a cell without a type) as a float, an inline string as text, a missing cell as ''."""
    import re
    import zipfile
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as z:
        parts = z.namelist()
        types = z.read("[Content_Types].xml").decode()
        assert all(f'PartName="/{p}"' in types for p in parts
                   if p.startswith("xl/") and not p.endswith(".rels")), types
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        links = {r.get("Id"): r.get("Target") for r in
                 ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        sheets = {}
        for sh in book.find("m:sheets", ns):
            root = ElementTree.fromstring(z.read("xl/" + links[sh.get(rel)]))
            rows = []
            for r in root.find("m:sheetData", ns):
                cells = {}
                for c in r:
                    col = re.match(r"[A-Z]+", c.get("r")).group()
                    if c.get("t") == "inlineStr":
                        cells[col] = c.find("m:is/m:t", ns).text or ""
                    else:
                        assert c.get("t") is None, c.get("t")
                        cells[col] = float(c.find("m:v", ns).text)
                rows.append(cells)
            sheets[sh.get("name")] = rows
    return sheets


def test_the_report_workbook_holds_the_tables_with_numbers_as_numbers(unit, tmp_path):
    """A Dutch Excel opens the CSV files' rows as one text cell each (it expects semicolons
    and decimal commas) and reads "1.25" as text or a date. report.xlsx has the same
    tables, a number stored as a number (shown 1,25 there), a code or date as text."""
    from feedback.xlsx import column

    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    book = read_workbook(out / "report.xlsx")
    assert list(book) == ["sessions", "exercises", "days"]
    for name, rows in book.items():
        table = list(csv.reader(io.StringIO((out / f"{name}.csv").read_text())))
        header = table[0]
        assert [rows[0].get(column(i)) for i in range(len(header))] == header
        assert len(rows) == len(table)
        for got, want in zip(rows[1:], table[1:], strict=True):
            for i, (h, text) in enumerate(zip(header, want, strict=True)):
                cell = got.get(column(i), "")
                if h in ("date", "start", "patient", "programme", "name") or not text:
                    assert cell == text, (name, h, cell, text)
                elif text.replace(".", "", 1).lstrip("-").isdigit():
                    assert cell == pytest.approx(float(text)), (name, h, cell, text)
                else:
                    assert cell == text, (name, h, cell, text)
    one = book["sessions"][1]
    assert (one["A"], one["B"], one["D"], one["L"]) == (1.0, "2025-10-09", "AB12", 1.25)
    assert [r["E"] for r in book["days"][1:]] == ["yes", "no", "yes"]
    assert [column(n) for n in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_a_code_that_looks_like_a_number_stays_text_in_the_workbook(tmp_path):
    """A patient code "0012" (the config allows digits only) was not turned into 12."""
    from feedback.xlsx import write_workbook

    path = tmp_path / "t.xlsx"
    write_workbook(path, [("days", [{"patient": "0012", "minutes": "5.0", "note": " a<b "},
                                    {"patient": "AB12", "minutes": "", "note": "x\x01y"}],
                           ["patient", "minutes", "note"])], frozenset({"patient"}))
    rows = read_workbook(path)["days"]
    assert rows[1:] == [{"A": "0012", "B": 5.0, "C": " a<b "}, {"A": "AB12", "C": "xy"}]


def test_values_edited_by_hand_into_the_wrong_type_are_read_past_and_said(unit, tmp_path):
    """SQLite keeps 'fast' in a REAL column: the report and the export stopped with a
    traceback at it, and the records could not leave the unit."""
    data, cfg = unit
    conn = sqlite3.connect(data / DB_NAME)
    first = conn.execute("SELECT min(id) FROM breaths WHERE session_id = 1").fetchone()[0]
    conn.execute("UPDATE breaths SET rate_bpm = 'fast' WHERE id = ?", (first,))
    conn.execute("UPDATE breaths SET at = 'later' WHERE id = ?", (first + 1,))
    conn.execute("UPDATE exercises SET name = CAST('Buik' AS BLOB) WHERE session_id = 1 "
                 "AND name = 'Buikademhaling'")
    conn.commit()
    conn.close()
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    summary = (out / "summary.txt").read_text()
    assert (f"NOTE: records.sqlite, table breaths row {first}: rate_bpm = 'fast' is not a "
            "number (was the file edited outside the unit?); read as empty.\n") in summary
    assert (f"table breaths row {first + 1}: at = 'later' is not a number (was the file "
            "edited outside the unit?); the row is left out.\n") in summary
    one = read_csv(out / "sessions.csv")[0]
    assert one["breaths"] == "5"  # of 6: the one without a time is left out
    ex = read_csv(out / "exercises.csv")
    assert [(r["name"], r["breaths"]) for r in ex] == [("Buik", "2"), ("Lange uitademing", "3")]
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    (exp,) = list(stick.iterdir())
    conn = sqlite3.connect(exp / DB_NAME)  # the records leave the unit as they are
    assert conn.execute("SELECT rate_bpm FROM breaths WHERE id = ?", (first,)).fetchone() == (
        "fast",)
    conn.close()


def test_a_breath_under_way_when_an_exercise_began_is_not_that_exercise_s(tmp_path):
    """As on the unit: a breath of the exercise before that ended in the next one was
    that one's first, and its ratio turned the trend ("toward the target")."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("AB12", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Kalibratie", "start", kind="calibration", pacer="off"))
    for k in range(3):
        rec.add(breath(10.0 + 10 * k, 4.0, 6.0))
    rec.add(ev.Exercise(32.0, "Kalibratie", "end"))
    rec.add(ev.Exercise(32.0, "Lange uitademing", "start", kind="breathing", pacer="fixed",
                        target_ratio=2.0, target_rate_bpm=6.0))
    rec.add(breath(33.0, 4.0, 3.0))  # began at 26 s, in the calibration: ratio 0.75
    for k in range(4):
        rec.add(breath(43.0 + 10 * k, 3.3, 6.7))  # ratio 2.03 each
    rec.add(ev.Exercise(80.0, "Lange uitademing", "end", active_s=48.0))
    clock.advance(80.0)
    rec.end_session("stopped")
    assert rec.close() == 0
    cfg = tmp_path / "unit.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{data}"\n')
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    ex = {r["name"]: r for r in read_csv(out / "exercises.csv")}
    long = ex["Lange uitademing"]
    assert (long["breaths"], long["ratio_first"], long["ratio_last"]) == ("4", "2.03", "2.03")
    assert ex["Kalibratie"]["breaths"] == "3"
    session = read_csv(out / "sessions.csv")[0]
    assert session["breaths"] == "8" and session["ratio"] == "2.03"  # (paced: its own four)


def test_report_charts(unit, tmp_path):
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    img = pygame.image.load(str(out / "session-00001.png"))
    assert img.get_size() == (800, 480)
    blue = sum(1 for x in range(0, 800, 2) for y in range(60, 270, 2)
               if tuple(img.get_at((x, y)))[:3] == RATIO)
    assert blue > 20  # the ratio series is drawn
    cal = pygame.image.load(str(out / "calendar-AB12.png"))
    assert cal.get_height() == calendar_size(1)[1] and cal.get_width() >= calendar_size(1)[0]
    assert sorted(p.name for p in out.glob("*.png")) == [
        "calendar-AB12.png", "session-00001.png", "session-00002.png", "session-00003.png"]


def test_since_does_not_count_days_before_a_patients_first_session(unit, tmp_path):
    """--since gave every patient days from that date, so a second patient who got the
    unit two days later had two missed days before they had it."""
    data, cfg = unit
    rec = Records(data, clock=VirtualClock(5000.0))
    rec.start_session("CD34", "home", "", DAY0 + 2 * 86400 + 7200)
    rec.add(breath(5010.0, 2.0, 3.0))
    rec.end_session("duration")
    assert rec.close() == 0
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out), "--since", "2025-10-08"]) == 0
    days = read_csv(out / "days.csv")
    assert [d["date"] for d in days if d["patient"] == "AB12"] == [
        "2025-10-09", "2025-10-10", "2025-10-11"]
    assert [d["date"] for d in days if d["patient"] == "CD34"] == ["2025-10-11"]
    # and a patient who had the unit before --since keeps the days missed after it: the
    # review found them dropped when the first session in the period came later
    assert main(["report", "--config", str(cfg), "--out", str(out), "--since", "2025-10-10"]) == 0
    days = read_csv(out / "days.csv")
    assert [(d["date"], d["sessions"]) for d in days if d["patient"] == "AB12"] == [
        ("2025-10-10", "0"), ("2025-10-11", "2")]
    # a patient with sessions before --since and none after it is named, not left out
    assert main(["report", "--config", str(cfg), "--out", str(out), "--since", "2025-10-11",
                 "--patient", "AB12"]) == 0
    assert [(d["patient"], d["date"]) for d in read_csv(out / "days.csv")] == [
        ("AB12", "2025-10-11")]
    assert main(["report", "--config", str(cfg), "--out", str(out), "--since", "2025-10-12"]) == 0
    summary = (out / "summary.txt").read_text()
    assert ("Patients without a session in this period, and the day of their last: AB12 on "
            "2025-10-11, CD34 on 2025-10-11") in summary


def test_an_empty_report_says_why_when_it_is_not_the_period(unit, tmp_path, capsys):
    """A mistyped code (codes are case-sensitive) or a data_dir with no records gave an
    empty report and no hint."""
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out), "--patient", "ab12"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "(no sessions with patient code 'ab12'; the records hold 'AB12')")
    empty = tmp_path / "empty"
    cfg.write_text(f'[records]\ndata_dir = "{empty}"\n')
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        f"(no records in {empty}: is records.data_dir right?)")


def test_a_session_stopped_at_once_does_not_blank_the_first_and_last_lines(unit,
                                                                           tmp_path):
    """The rate and ratio "in the first session, ... in the last" came from whatever
    session was first or last: one stopped at once, with no breaths, said "-"."""
    data, cfg = unit

    def lines():
        out = tmp_path / "out"
        assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
        text = (out / "summary.txt").read_text(encoding="utf-8").splitlines()
        return [x for x in text if x.strip().startswith(("Breaths per minute",
                                                         "Exhale:inhale ratio"))]

    before = lines()
    assert len(before) == 2 and not any(": -" in x for x in before), before
    rec = Records(data, clock=VirtualClock(9000.0))
    for day in (-1, 2):  # one stopped at once before the others, one after
        rec.start_session("AB12", "home", "", DAY0 + day * 86400 + 9000)
        rec.end_session("closed")
    assert rec.close() == 0
    assert lines() == before


def test_since_filters_and_bad_since_is_exit_2(unit, tmp_path, capsys):
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out), "--since", "2025-10-10"]) == 0
    assert [r["session"] for r in read_csv(out / "sessions.csv")] == ["2", "3"]
    assert main(["report", "--config", str(cfg), "--out", str(out), "--since", "10-10-2025"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("ademcoach report: --since '10-10-2025': not a date; use YYYY-MM-DD, "
                   "e.g. 2025-03-01")
    # the days and the calendar run from --since: from 1500 pygame crashed (a segfault)
    for since in ("1500-01-01", "", "2015-01-01"):
        assert main(["report", "--config", str(cfg), "--out", str(out), "--since", since]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"ademcoach report: --since {since}") and "\n" not in err, err


def test_a_patient_code_no_config_could_hold_is_exit_2(unit, tmp_path, capsys):
    """It reported "0 sessions" with exit 0, as if the patient had not practised."""
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out), "--patient", "bad code!"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ademcoach report: --patient 'bad code!': not a patient code; it must be a "
        "pseudonymous code of up to 16 letters, digits, - or _")
    assert not out.exists()


def test_report_without_records(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{tmp_path / "none"}"\n')
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    assert "No sessions recorded" in (tmp_path / "o" / "summary.txt").read_text()
    assert read_csv(tmp_path / "o" / "sessions.csv") == []


def test_a_new_report_folder_is_readable_by_its_owner_only(unit, tmp_path):
    """The records are 0700; a report made of them (docs/service.md: sudo -u ademcoach
    ademcoach report --out /tmp/ademcoach-report, under sudo's umask 022) was readable by
    every user of the machine, and a wipe leaves it. A folder that was there keeps its mode."""
    import os
    import stat

    data, cfg = unit
    old = os.umask(0o022)
    try:
        assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "new" / "r")]) == 0
        mine = tmp_path / "mine"
        mine.mkdir(mode=0o755)
        assert main(["report", "--config", str(cfg), "--out", str(mine)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new" / "r").stat().st_mode) == 0o700
    assert "AB12" in (tmp_path / "new" / "r" / "sessions.csv").read_text()
    assert stat.S_IMODE(mine.stat().st_mode) == 0o755


def test_export_is_complete_and_atomic(unit, tmp_path):
    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    (exp,) = list(stick.iterdir())
    assert exp.name.startswith("ademcoach-export-")
    conn = sqlite3.connect(exp / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (3,)
    conn.close()
    assert (exp / "report" / "sessions.csv").exists()
    assert len(list((exp / "raw").glob("*.csv"))) == 1
    assert "3 sessions" in (exp / "export.txt").read_text()
    note = json.loads((data / "last-export.json").read_text())
    assert (note["status"], note["sessions"]) == ("ok", 3)


def test_an_export_draws_the_charts_only_of_sessions_no_export_carried_before(unit, tmp_path):
    """A clinic unit keeps a year of sessions: drawing every session's chart again at each
    export took 75 s for 2,920 of them here (several times that on a Pi, where the export
    service gives up after its time, and then no session is ever marked exported). The
    tables and the summary still cover every session."""
    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()

    def export():
        before = set(stick.iterdir())
        assert main(["export", str(stick), "--config", str(cfg)]) == 0
        (new,) = set(stick.iterdir()) - before
        return new

    def charts(exp) -> list[str]:
        return sorted(p.name for p in (exp / "report").glob("session-*.png"))

    first = export()
    assert charts(first) == ["session-00001.png", "session-00002.png", "session-00003.png"]
    assert "charts:" not in (first / "export.txt").read_text()
    second = export()  # 1 and 2 are marked now; 3 has no end (a power cut): not marked
    assert charts(second) == ["session-00003.png"]
    assert [r["session"] for r in read_csv(second / "report" / "sessions.csv")] == ["1", "2", "3"]
    assert ("charts: only of the sessions no export carried before; the 2 sessions exported "
            "earlier have theirs in the earlier exports") in (second / "export.txt").read_text()
    rec = Records(data, clock=VirtualClock(5000.0))
    rec.start_session("AB12", "home", "", DAY0 + 3 * 86400)
    rec.add(breath(5010.0, 2.0, 3.0))
    rec.end_session("stopped")
    assert rec.close() == 0
    assert charts(export()) == ["session-00003.png", "session-00004.png"]


def test_a_session_that_ends_while_the_export_reports_gets_its_chart_in_the_next(
        unit, tmp_path, monkeypatch):
    """The unit records on while a stick exports (the report of a clinic year takes a
    while): a session still open when the report read it, and ended before the records
    were copied, is complete on the stick but its chart is of its beginning. It is not
    marked exported, so the next export draws its whole chart (and marks it)."""
    from feedback import export as export_mod

    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    rec = Records(data, clock=VirtualClock(5000.0))
    rec.start_session("AB12", "home", "", DAY0 + 3 * 86400)
    rec.add(breath(5010.0, 2.0, 3.0))
    assert rec.flush(timeout=10)
    real = export_mod.build_report

    def build_report_as_the_session_ends(*args, **kwargs):
        sessions = real(*args, **kwargs)  # (session 4 read open, as far as it got)
        for k in range(2, 20):
            rec.add(breath(5000.0 + 10 * k, 2.0, 3.0))
        rec.end_session("stopped")
        assert rec.close() == 0
        return sessions

    monkeypatch.setattr(export_mod, "build_report", build_report_as_the_session_ends)

    def export():
        before = set(stick.iterdir())
        assert main(["export", str(stick), "--config", str(cfg)]) == 0
        (new,) = set(stick.iterdir()) - before
        said.append((new / "export.txt").read_text())
        return sorted(p.name for p in (new / "report").glob("session-*.png"))

    said = []
    assert export()[-1] == "session-00004.png"  # drawn from its first breath only
    # (export.txt said it had "no end (a power cut, or being recorded now)")
    assert ("session 4 (2025-10-12 12:00) ended while this export was being made: copied "
            "whole, but the report and chart are of the part recorded before; not marked "
            "as exported: the next export reports and marks it") in said[-1]
    assert "has no end" not in said[-1]
    monkeypatch.setattr(export_mod, "build_report", real)
    assert "session-00004.png" in export()  # now whole
    assert "session-00004.png" not in export()


def test_an_export_that_cannot_read_the_marks_draws_every_chart(tmp_path):
    """No database, or one that is not SQLite: no session counts as exported before (every
    chart is drawn) and none is held back from being marked."""
    from feedback.export import _exported_before

    assert _exported_before(tmp_path / "none.sqlite") == (frozenset(), None)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    assert _exported_before(bad) == (frozenset(), None)


def test_a_hidden_folder_left_by_a_pulled_stick_is_removed_at_the_next_export(unit, tmp_path):
    """A stick pulled out during an export keeps its hidden temporary folder, with a copy
    of the records in it: it stayed on the stick for good, unseen by the therapist who
    deleted the exports, and taking room on a stick nearly full. The next export removes
    it (a link so named is left alone, and what it points at)."""
    data, cfg = unit
    stick = tmp_path / "stick"
    left = stick / ".ademcoach-export-k2j4hq8z"
    (left / "report").mkdir(parents=True)
    (left / DB_NAME).write_bytes((data / DB_NAME).read_bytes()[:4096])
    (left / "report" / "session-00001.png").write_bytes(b"cut off")
    (stick / ".ademcoach-export-link").symlink_to(data)
    mine = stick / ".ademcoach-notes"
    mine.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert not left.exists() and mine.is_dir()
    assert (stick / ".ademcoach-export-link").is_symlink() and (data / DB_NAME).is_file()
    (exp,) = stick.glob("ademcoach-export-*")
    assert ("removed a hidden folder left on the stick by an export cut short (the stick "
            "taken out too early): .ademcoach-export-k2j4hq8z") in (exp / "export.txt").read_text()


def test_an_export_leaves_the_hidden_folder_another_export_is_writing(unit, tmp_path,
                                                                     monkeypatch):
    """Two exports to one stick at once (the one udev started, and a technician's
    ``ademcoach export`` on the same stick mounted on the desktop): the second took the
    first one's folder, still being written, for a leftover of a stick pulled out, and
    removed it, and the first failed. A folder an export is writing is left alone."""
    import feedback.export as export

    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    real = export.build_report
    second = []

    def report_then_another_export(*args, **kw):
        sessions = real(*args, **kw)
        if not second:  # the first export's report is in its hidden folder: now the other
            second.append(None)
            second[0] = main(["export", str(stick), "--config", str(cfg)])
        return sessions

    monkeypatch.setattr(export, "build_report", report_then_another_export)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert second == [0]
    exports = sorted(stick.glob("ademcoach-export-*"))
    assert len(exports) == 2 and not list(stick.glob(".ademcoach-export-*"))
    for exp in exports:
        assert (exp / DB_NAME).is_file() and (exp / "report").is_dir()
        assert "hidden folder" not in (exp / "export.txt").read_text()


def test_failed_export_leaves_nothing(unit, tmp_path, capsys):
    data, cfg = unit
    (data / "raw" / "broken.csv").mkdir()  # a directory where a file is expected
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 1
    assert list(stick.iterdir()) == []
    assert "nothing was written" in capsys.readouterr().err
    assert json.loads((data / "last-export.json").read_text())["status"] == "failed"


def test_an_export_syncs_every_folder_it_wrote_before_it_is_marked(unit, tmp_path,
                                                                   monkeypatch):
    """The names in a folder last through a pulled stick only once the folder itself is
    synced. SQLite's journal beside the copied records is written and synced, then removed:
    a removal never synced can come back, and SQLite then rolls the stick's records back
    to an empty file when the therapist opens them, while the unit has marked them
    exported (and a wipe erases them)."""
    import os
    from pathlib import Path

    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    synced = []
    real = os.fsync

    def fsync(fd):
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    (exp,) = list(stick.iterdir())
    (tmp,) = {stick / p.relative_to(stick).parts[0] for p in synced
              if p.is_relative_to(stick) and p != stick
              and p.relative_to(stick).parts[0].startswith(".ademcoach-export-")}
    for d in [exp, *(p for p in exp.rglob("*") if p.is_dir())]:  # its name before the rename
        as_written = tmp / d.relative_to(exp)
        assert as_written in synced, f"{d.relative_to(stick)} not synced"
        files = [i for i, p in enumerate(synced) if p.parent == as_written]
        assert synced.index(as_written) > max(files, default=-1)  # after what is in it
    assert synced[-1] == stick  # the rename last, then the export is marked
    conn = sqlite3.connect(data / DB_NAME)
    assert conn.execute("SELECT count(exported_at) FROM sessions").fetchone() == (2,)
    conn.close()


def test_an_installed_config_is_on_the_card_before_the_stick_says_so(unit, tmp_path,
                                                                     monkeypatch):
    """The stick's config replaced the unit's by a rename that no sync of the config's
    folder made last: a unit switched off at the notice (unplugged, as a home unit is)
    could come back with the old config, and the previous patient's code, while the
    stick said ademcoach.toml.installed. The backup too is synced before the rename."""
    import os
    from pathlib import Path

    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    old = cfg.read_text()
    (stick / "ademcoach.toml").write_text(old + "[pacer]\nexhale_s = 8.0\n")
    synced = []
    real = os.fsync

    def fsync(fd):
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert (stick / "ademcoach.toml.installed").exists()
    bak = cfg.with_name(cfg.name + ".bak")
    assert bak.read_text() == old
    for written in (bak, cfg):  # each synced, renamed, and then its folder synced,
        at = synced.index(cfg.parent / f".{written.name}.new")
        assert cfg.parent in synced[at:synced.index(stick)]  # before the stick says so


def test_a_folder_the_stick_cannot_list_fails_the_export(unit, tmp_path, monkeypatch, capsys):
    """A flaky stick that fails to list a folder while the export syncs it: its files were
    not synced, so the export failed (it was marked and said done, its report unsynced)."""
    import errno
    import os

    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    real = os.scandir

    def scandir(path="."):
        p = path if isinstance(path, int) else os.fspath(path)  # (rmtree lists by fd)
        if str(p).endswith("/report") and os.path.exists(os.path.join(p, "..", "export.txt")):
            raise OSError(errno.EIO, "Input/output error", p)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["export", str(stick), "--config", str(cfg)]) == 1
    assert "nothing was written: [Errno 5] Input/output error" in capsys.readouterr().err
    assert list(stick.iterdir()) == []
    assert json.loads((data / "last-export.json").read_text())["status"] == "failed"
    conn = sqlite3.connect(data / DB_NAME)
    assert conn.execute("SELECT count(exported_at) FROM sessions").fetchone() == (0,)
    conn.close()


def test_export_installs_a_valid_config_and_keeps_a_backup(unit, tmp_path, capsys):
    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    new = old + "[pacer]\nexhale_s = 8.0\n"
    (stick / "ademcoach.toml").write_text(new)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert cfg.read_text() == new
    assert (tmp_path / "unit.toml.bak").read_text() == old
    # installed: renamed on the stick, so that the next unit it goes into does not take it
    done = stick / "ademcoach.toml.installed"
    assert not (stick / "ademcoach.toml").exists() and done.read_text() == new
    renamed = (f"{stick / 'ademcoach.toml'}: renamed to ademcoach.toml.installed, so that "
               "no unit installs it again")
    assert renamed in capsys.readouterr().out.splitlines()
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert renamed in (exp / "export.txt").read_text().splitlines()
    assert "patient.code" not in (exp / "export.txt").read_text()  # (the same code)
    assert json.loads((data / "last-export.json").read_text())["status"] == "installed"
    # the same file sent again changes nothing (the backup stays the old one), and the
    # screen does not say new settings were taken over
    done.rename(stick / "ademcoach.toml")
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert (tmp_path / "unit.toml.bak").read_text() == old
    assert json.loads((data / "last-export.json").read_text())["status"] == "ok"
    assert sorted(p.name for p in stick.iterdir() if p.is_file()) == [done.name]


def test_records_that_cannot_be_read_are_said_as_not_checked_for_another_patient(tmp_path):
    """A read-only records folder left the "still holds AB12's sessions" note out without
    a word: the technician read nothing and took the unit to be empty."""
    from feedback.export_config import others_held

    assert others_held(tmp_path, "CD34") is None  # no records at all: nothing to say
    (tmp_path / DB_NAME).write_bytes(b"not a database" * 100)
    said = others_held(tmp_path, "CD34")
    assert said.startswith("could not check whether the unit still holds another patient's "
                           "sessions (") and said.endswith("before the unit goes to CD34")


def test_a_config_that_changes_the_patient_code_says_so(unit, tmp_path, capsys):
    data, cfg = unit
    cfg.write_text(f'[patient]\ncode = "AB12"\n[records]\ndata_dir = "{data}"\n')
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(f'[patient]\ncode = "CD34"\n[records]\n'
                                          f'data_dir = "{data}"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "patient.code AB12 -> CD34" in out
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert "patient.code AB12 -> CD34" in (exp / "export.txt").read_text().splitlines()
    # AB12's sessions are still on the unit: without a wipe they go home with CD34
    held = ("the unit still holds 3 sessions of AB12 (copied to this stick): erase them "
            "with ademcoach wipe before the unit goes to CD34; a unit that stays in the "
            "treatment room keeps them")
    assert held in out and held in (exp / "export.txt").read_text().splitlines()
    note = json.loads((data / "last-export.json").read_text())
    assert (note["status"], note["sessions"]) == ("installed", 3)  # the screen says so
    # no code at all, from a unit config that does not load (its code read as written)
    cfg.write_text(f'[patient]\ncode = "EF56"\nlanguage = "xx"\n[records]\n'
                   f'data_dir = "{data}"\n')
    (stick / "ademcoach.toml").write_text(f'[records]\ndata_dir = "{data}"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert "patient.code EF56 -> (none)" in capsys.readouterr().out.splitlines()


def test_wipe_asks_about_simulated_records_it_cannot_count(tmp_path, capsys, monkeypatch):
    """The question names the simulated sessions erased with the patient's; where their
    database cannot be read, it says so without a count rather than a wrong one."""
    from feedback.store import SIMULATED

    data = tmp_path / "data"
    _ended_sessions(data, 1)
    (data / SIMULATED).mkdir(mode=0o700)
    (data / SIMULATED / DB_NAME).write_bytes(b"not a database" * 100)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert main(["wipe", "--force", "--config", str(cfg)]) == 1
    assert capsys.readouterr().out.startswith(
        f"This erases ALL session records in {data} (1 session, 1 of them not exported yet; "
        f"and the simulated sessions in {data / SIMULATED}). Type 'yes' to go on: ")


def test_a_stick_config_that_moves_the_records_says_where_they_stay(unit, tmp_path,
                                                                   capsys):
    """A stick's config with another records.data_dir was installed without a word: the
    wipe after it said "erased 0 sessions" from the new place, and the patient's
    sessions stayed in the old one, out of reach of every report, export and wipe."""
    data, cfg = unit
    elsewhere = tmp_path / "elsewhere"
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(f'[records]\ndata_dir = "{elsewhere}"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    said = (f"records.data_dir {data} -> {elsewhere}: the unit records there from its next "
            f"start; the sessions in {data} stay there, and a report, export or wipe with "
            "this config no longer finds them (move them, or set data_dir back)")
    assert said in capsys.readouterr().out.splitlines()
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert said in (exp / "export.txt").read_text().splitlines()
    # the same place written otherwise (the default, spelled out) is no move
    (stick / "ademcoach.toml.installed").rename(stick / "ademcoach.toml")
    (stick / "ademcoach.toml").write_text(f'[records]\ndata_dir = "{elsewhere}/"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert not [x for x in capsys.readouterr().out.splitlines()
                if x.startswith("records.data_dir")]


def _stick_moving_the_records_under_a_file(tmp_path):
    """A stick whose config sets records.data_dir under a file; and the line that says so."""
    (tmp_path / "notes.txt").write_text("not a folder\n")
    nowhere = tmp_path / "notes.txt" / "records"
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(f'[patient]\ncode = "CD34"\n[records]\n'
                                          f'data_dir = "{nowhere}"\n')
    return stick, (f"  {stick / 'ademcoach.toml'}:4: records.data_dir = '{nowhere}': the "
                   f"unit cannot record there ({tmp_path / 'notes.txt'} is not a folder)")


def test_a_stick_config_that_moves_the_records_where_the_unit_cannot_write_is_refused(
        unit, tmp_path, capsys):
    """A stick's config with a records.data_dir the unit cannot make or write (a path
    under a file, a folder on a read-only file system such as all but the unit's own
    folders under the service's ProtectSystem=strict) was installed, said only as a move:
    every session after it ran with a storage fault, and its records were lost."""
    data, cfg = unit
    old = cfg.read_text()
    stick, said = _stick_moving_the_records_under_a_file(tmp_path)
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert said in capsys.readouterr().err.splitlines()
    assert cfg.read_text() == old and (stick / "ademcoach.toml").exists()
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert said in (exp / "export.txt").read_text().splitlines()
    note = json.loads((data / "last-export.json").read_text())
    assert (note["status"], note["sessions"]) == ("refused", 3)
    # the stick itself: the export may write there, the unit cannot (mounted for the
    # export alone, and it leaves with the therapist)
    (stick / "ademcoach.toml").write_text(f'[patient]\ncode = "CD34"\n[records]\n'
                                          f'data_dir = "{stick / "records"}"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert (f"  {stick / 'ademcoach.toml'}:4: records.data_dir = '{stick / 'records'}': the "
            f"unit cannot record there ({stick / 'records'} is on the USB stick)"
            ) in capsys.readouterr().err.splitlines()
    assert cfg.read_text() == old


def test_a_stick_config_that_mends_a_broken_one_cannot_move_the_records_out_of_reach(
        unit, tmp_path, capsys):
    """The unit's own config broken (the service waits with the problem on its screen),
    a stick brings one that mends it but sets a records.data_dir the unit cannot record
    in: it was installed without the check a working config gets (exit 0), and every
    session after it lost its records."""
    _data, cfg = unit
    cfg.write_text(cfg.read_text() + "\n[pacer]\nexhale_s = 40\n")  # broken
    broken = cfg.read_text()
    stick, said = _stick_moving_the_records_under_a_file(tmp_path)
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert said in capsys.readouterr().err.splitlines()
    assert cfg.read_text() == broken and (stick / "ademcoach.toml").exists()


@pytest.mark.parametrize("name", ["ademcoach.toml.txt", "Ademcoach.txt",
                                  "ademcoach (1).toml"])
def test_a_config_on_the_stick_under_another_name_is_said_not_passed_over(
        unit, tmp_path, capsys, name):
    """Notepad on Windows saves "ademcoach.toml.txt" and hides the ".txt": the file was
    passed over without a word, the screen said only "3 sessies gekopieerd", and the
    next patient's code was never installed. It is refused now, and said."""
    data, cfg = unit
    cfg.write_text(f'[patient]\ncode = "AB12"\nlanguage = "nl"\n[records]\n'
                   f'data_dir = "{data}"\n')
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / name).write_text(f'[patient]\ncode = "CD34"\n[records]\ndata_dir = "{data}"\n')
    (stick / "ademcoach.toml.installed").write_text("[patient]\ncode = \"XY\"\n")  # (old)
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    said = (f"{stick / name}: not installed: the unit takes only a file named ademcoach.toml "
            "(an editor may have added an extension the computer hides, such as .txt): "
            "rename it")
    assert said in capsys.readouterr().err.splitlines()
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    text = (exp / "export.txt").read_text().splitlines()
    assert said in text and f"  {stick / name}: heet niet ademcoach.toml: hernoem het" in text
    assert json.loads((data / "last-export.json").read_text())["status"] == "refused"
    assert 'code = "AB12"' in cfg.read_text() and (stick / name).exists()


@pytest.mark.parametrize("name, shown", [
    (os.fsdecode(b"ademcoach-pati\xebnt.toml"), "ademcoach-pati\\xebnt.toml"),
    ("ademcoach\nnieuw.toml", "ademcoach\\nnieuw.toml"),
])
def test_a_config_under_another_name_that_is_not_utf8_or_has_a_newline_is_said_too(
        unit, tmp_path, capsys, name, shown):
    """A FAT stick whose names come in as Latin-1 ("patiënt", the e with diaeresis as the
    byte 0xEB) failed the whole export on the name, with a traceback: export.txt could
    not be written, and every try after it failed the same way until the file was
    renamed. A newline in a name broke export.txt's lines. Both are said, escaped."""
    data, cfg = unit
    cfg.write_text(cfg.read_text().replace('language = "en"', 'language = "nl"'))
    before = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / name).write_text('[patient]\ncode = "CD34"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    said = f"{stick / shown}: not installed: the unit takes only a file named ademcoach.toml"
    assert said in capsys.readouterr().err
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    text = (exp / "export.txt").read_text().splitlines()
    assert [x for x in text if x.startswith(said)]
    assert f"  {stick / shown}: heet niet ademcoach.toml: hernoem het" in text
    note = json.loads((data / "last-export.json").read_text())
    assert (note["status"], note["sessions"]) == ("refused", 3)
    assert cfg.read_text() == before and (stick / name).exists()


@pytest.mark.parametrize("name, text", [
    ("ademcoach-notes.txt", "AB12: 3x per week, pacer 4-6; call back in June\n"),
    ("Ademcoach handleiding.txt", "Steek de stick in en wacht op de melding.\n"),
    ("ademcoach.toml.bak", '[patient]\ncode = "XY99"\n'),  # an editor's backup
    ("ademcoach.toml~", '[patient]\ncode = "XY99"\n'),
])
def test_a_therapists_own_file_or_a_backup_on_the_stick_is_not_taken_for_a_config(
        unit, tmp_path, capsys, name, text):
    """A notes file or a manual whose name begins with "ademcoach", or an editor's backup
    of the config left beside it, was refused as a config under another name: the screen
    said "instellingen niet overgenomen" at each export, and export.txt said to rename it
    to ademcoach.toml (a backup renamed so would install an older config)."""
    data, cfg = unit
    before = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / name).write_text(text)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    out = capsys.readouterr()
    assert "not installed" not in out.out + out.err
    assert json.loads((data / "last-export.json").read_text())["status"] == "ok"
    assert cfg.read_text() == before and (stick / name).read_text() == text


def test_a_stick_config_that_cannot_be_renamed_is_still_installed_and_said(
        unit, tmp_path, capsys):
    data, cfg = unit
    stick = tmp_path / "stick"
    (stick / "ademcoach.toml.installed" / "photos").mkdir(parents=True)  # in the way
    new = cfg.read_text() + "[pacer]\nexhale_s = 8.0\n"
    (stick / "ademcoach.toml").write_text(new)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert cfg.read_text() == new
    said = (f"{stick / 'ademcoach.toml'}: could not be renamed to ademcoach.toml.installed "
            "(Is a directory): take it off the stick, or the next unit it goes into installs "
            "it too")
    assert said in capsys.readouterr().out.splitlines()
    (exp,) = [p for p in stick.iterdir() if p.name.startswith("ademcoach-export-")]
    assert said in (exp / "export.txt").read_text().splitlines()
    assert (stick / "ademcoach.toml").read_text() == new
    assert json.loads((data / "last-export.json").read_text())["status"] == "installed"


def test_export_rejects_an_invalid_config(unit, tmp_path, capsys):
    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text("[pacer]\nexhale_s = 40\n")
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    assert cfg.read_text() == old and not (tmp_path / "unit.toml.bak").exists()
    err = capsys.readouterr().err
    assert "not installed" in err and "pacer.exhale_s = 40: must be between 2 and 20" in err
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert "must be between 2 and 20" in (exp / "export.txt").read_text()
    assert json.loads((data / "last-export.json").read_text())["status"] == "refused"


def _export_measured(stick, cfg) -> tuple[int, int]:
    """``ademcoach export STICK``'s exit code and its peak of memory as Python counts it."""
    import tracemalloc

    tracemalloc.start()
    try:
        code = main(["export", str(stick), "--config", str(cfg)])
        return code, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_file_named_like_the_config_is_refused_unread_and_the_export_goes_on(
        unit, tmp_path, capsys):
    """A stick is not to be trusted: a file of a gigabyte named ademcoach.toml was read
    whole (twice over, some 2 GB of memory: on a Pi a MemoryError and a traceback, no
    export and no notice on the screen). Here 256 MB: the export's peak of memory (as
    Python counts it; a limit on the whole process's address space failed SQLite in a
    long test run) stays far below it."""
    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    with open(stick / "ademcoach.toml", "wb") as fh:
        fh.write(b"# " + b"x" * 100 + b"\n")
        fh.truncate(1 << 28)  # (sparse)
    code, peak = _export_measured(stick, cfg)
    assert code == 2 and peak < 32 << 20, f"{peak / 2**20:.0f} MB"
    assert cfg.read_text() == old
    said = f"{stick / 'ademcoach.toml'}: larger than 256 kB: not a config file"
    assert said in capsys.readouterr().err
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert said in (exp / "export.txt").read_text()
    assert (stick / "ademcoach.toml").stat().st_size == 1 << 28  # kept as it was
    note = json.loads((data / "last-export.json").read_text())
    assert (note["status"], note["sessions"]) == ("refused", 3)


def test_export_says_why_it_refused_a_config_in_the_units_language_too(unit, tmp_path,
                                                                       capsys):
    """The Dutch screen says "instellingen niet overgenomen"; export.txt on the stick, where
    the therapist looks for why, said it in English only (the Dutch of each problem is
    there: the screen shows it)."""
    data, cfg = unit
    cfg.write_text(cfg.read_text().replace('language = "en"', 'language = "nl"'))
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text("[pacer]\nexhale_s = 40\n")
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "moet tussen" not in err  # (the journal and the terminal stay English)
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    lines = (exp / "export.txt").read_text().splitlines()
    assert f"{stick / 'ademcoach.toml'}: not installed, the current config stays:" in lines
    assert f"{stick / 'ademcoach.toml'}: niet overgenomen, de huidige instellingen blijven:" \
        in lines
    assert (f"  {stick / 'ademcoach.toml'}, regel 2: pacer.exhale_s = 40: moet tussen 2 en 20 "
            "seconden liggen") in lines


def test_export_to_a_missing_dir_or_a_file_is_exit_2_and_touches_nothing(
        unit, tmp_path, capsys):
    data, cfg = unit
    before = sorted(p.name for p in data.iterdir())
    assert main(["export", str(tmp_path / "nostick"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("nostick: no such directory (is the stick mounted?)")
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    assert main(["export", str(afile), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is a file, not a directory" in err
    assert sorted(p.name for p in data.iterdir()) == before  # no export note either
    assert not (tmp_path / "nostick").exists()


def test_report_into_a_file_is_exit_2_with_one_line(unit, tmp_path, capsys):
    data, cfg = unit
    afile = tmp_path / "good.csv"
    afile.write_text("keep me")
    assert main(["report", "--config", str(cfg), "--out", str(afile)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out" in err and "is a file" in err
    assert afile.read_text() == "keep me"


def test_simulated_sessions_are_reported_apart_and_pointed_to(tmp_path, capsys):
    from feedback.store import SIMULATED

    data = tmp_path / "data"
    rec = Records(data / SIMULATED, clock=VirtualClock(1000.0))
    rec.start_session("", "clinic", "", DAY0)
    rec.add(breath(1010.0, 2.0, 3.0))
    rec.end_session("duration")
    assert rec.close() == 0
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    said = capsys.readouterr().out
    assert said.startswith("0 sessions") and "ademcoach report --simulated" in said
    assert main(["report", "--simulated", "--config", str(cfg),
                 "--out", str(tmp_path / "s")]) == 0
    assert capsys.readouterr().out.startswith("1 session reported")
    assert len(read_csv(tmp_path / "s" / "sessions.csv")) == 1


def _files_bytes(data):
    return b"".join(p.read_bytes() for p in data.glob(DB_NAME + "*"))


def test_wipe_asks_first(unit, monkeypatch, capsys):
    data, cfg = unit
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert main(["wipe", "--force", "--config", str(cfg)]) == 1
    assert capsys.readouterr().out == (
        f"This erases ALL session records in {data} (3 sessions, 3 of them not exported "
        "yet). Type 'yes' to go on: nothing erased\n")
    assert sqlite3.connect(data / DB_NAME).execute("SELECT count(*) FROM sessions").fetchone() \
        == (3,)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["wipe", "--force", "--config", str(cfg)]) == 0
    assert "erased 3 sessions" in capsys.readouterr().out


def test_wipe_yes_erases_everything_for_real(unit, capsys):
    data, cfg = unit
    assert b"AB12" in _files_bytes(data)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == f"erased 3 sessions from {data} (3 of them not exported)\n"
    conn = sqlite3.connect(data / DB_NAME)
    for table in ("sessions", "breaths", "holds", "cues", "exercises", "faults", "events"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    conn.close()
    assert b"AB12" not in _files_bytes(data)  # overwritten, not only unlinked from the tree
    assert not (data / "raw").exists()
    # the unit goes on recording after a wipe
    rec = Records(data, clock=VirtualClock())
    rec.start_session("CD34", "home", "", DAY0)
    rec.add(breath(5.0, 2, 3))
    assert rec.close() == 0


def test_wipe_erases_the_raw_files_the_unit_wrote_and_nothing_else(tmp_path, unit):
    """A data_dir set to a folder of other things lost its "raw" subfolder whole, even with
    no records in it."""
    data, cfg = unit
    raw = data / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "session00001-001.csv").write_text("t,belly\n0.0,1.0\n")
    (raw / "photo.cr2").write_bytes(b"precious")
    (raw / "mine.csv").write_text("my own table\n")
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert sorted(p.name for p in raw.iterdir()) == ["mine.csv", "photo.cr2"]
    other = tmp_path / "other"
    (other / "raw").mkdir(parents=True)
    (other / "raw" / "notes.txt").write_text("mine")
    cfg.write_text(f'[records]\ndata_dir = "{other}"\n')
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 0
    assert (other / "raw" / "notes.txt").read_text() == "mine"


def _ended_sessions(data, n, code="AB12", first=0):
    """``n`` sessions of patient ``code``, each ended, on days ``first`` on."""
    rec = Records(data, clock=VirtualClock(1000.0))
    for k in range(first, first + n):
        rec.start_session(code, "home", "", DAY0 + k * 86400)
        rec.add(breath(rec.clock.now() + 10.0, 2.0, 3.0))
        rec.end_session("stopped")
    assert rec.close() == 0


def _n_sessions(data):
    with sqlite3.connect(data / DB_NAME) as conn:
        return conn.execute("SELECT count(*) FROM sessions").fetchone()[0]


REFUSED = ("not exported yet: export {it} first (ademcoach export DIR), or give --force to "
           "erase {it} anyway\n")


def test_wipe_overwrites_the_raw_signal_rather_than_only_unlinking_it(tmp_path, unit):
    """The raw signal is the patient's breathing; removed by name only, its blocks stayed
    on the card for anyone reading it. A second name for the same file (a hard link) shows
    what the blocks hold after the wipe."""
    data, cfg = unit
    raw = data / "raw" / "session00001-001.csv"
    assert raw.read_text().startswith("t,belly")
    (tmp_path / "seen").hardlink_to(raw)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert not raw.exists() and not (data / "raw").exists()
    left = (tmp_path / "seen").read_bytes()
    assert left.strip(b"\0") == b""


def test_wipe_refuses_sessions_no_export_has_carried(tmp_path, monkeypatch, capsys):
    data, cfg, stick = tmp_path / "data", tmp_path / "c.toml", tmp_path / "stick"
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')
    stick.mkdir()
    _ended_sessions(data, 3)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # never asked: refused first
    for argv in (["wipe", "--yes"], ["wipe"]):
        assert main([*argv, "--config", str(cfg)]) == 2
        said = capsys.readouterr()
        assert said.out == ""
        assert said.err == f"ademcoach wipe: {data}: 3 sessions are " + REFUSED.format(it="them")
        assert _n_sessions(data) == 3
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    _ended_sessions(data, 1, first=3)  # a session after the export
    capsys.readouterr()
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 2
    assert capsys.readouterr().err == (f"ademcoach wipe: {data}: 1 of 4 sessions is "
                                       + REFUSED.format(it="it"))
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    capsys.readouterr()
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 0  # all exported: as ever
    assert capsys.readouterr().out == f"erased 4 sessions from {data}\n"
    assert _n_sessions(data) == 0


def test_wipe_counts_again_a_session_recorded_while_it_asks(tmp_path, monkeypatch, capsys):
    """The unit runs on while the technician reads the question: a session it records
    meanwhile is counted when the erasing begins, and nothing is erased."""
    data, cfg, stick = tmp_path / "data", tmp_path / "c.toml", tmp_path / "stick"
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')
    stick.mkdir()
    _ended_sessions(data, 2)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    capsys.readouterr()

    class Technician(io.StringIO):
        def readline(self, *a):
            _ended_sessions(data, 1, code="CD34", first=2)  # the next patient, meanwhile
            return "yes\n"

    monkeypatch.setattr("sys.stdin", Technician())
    assert main(["wipe", "--config", str(cfg)]) == 2
    said = capsys.readouterr()
    assert said.out == (f"This erases ALL session records in {data} (2 sessions, all "
                        "exported). Type 'yes' to go on: ")
    assert said.err == f"ademcoach wipe: {data}: 1 of 3 sessions is " + REFUSED.format(it="it")
    assert _n_sessions(data) == 3


def test_wipe_reminds_that_the_patient_code_is_still_configured(tmp_path, capsys):
    """The records are gone, the code is not: the next patient's sessions would be
    recorded under it."""
    data, cfg = tmp_path / "data", tmp_path / "c.toml"
    cfg.write_text(f'[patient]\ncode = "AB12"\n[records]\ndata_dir = "{data}"\n')
    _ended_sessions(data, 2)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"erased 2 sessions from {data} (2 of them not exported)",
        f"patient.code is still 'AB12': set the next patient's code in {cfg}"]
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 0  # nothing left: said again
    assert capsys.readouterr().out.splitlines()[-1].startswith("patient.code is still 'AB12'")
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')  # no code set: nothing to remind
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == f"erased 0 sessions from {data}\n"
    # the stick's export put in the next patient's code: the sessions erased were not his
    cfg.write_text(f'[patient]\ncode = "CD34"\n[records]\ndata_dir = "{data}"\n')
    _ended_sessions(data, 2)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == f"erased 2 sessions from {data} (2 of them not exported)\n"


def test_wipe_under_a_running_unit_says_it_still_shows_what_it_kept_until_a_restart(
        tmp_path, capsys):
    """The unit that runs keeps the wiped patient's minutes of today and the last summary
    in memory: without a restart the next patient starts on them. A wipe while it runs
    (it holds records.lock) says so; one with no unit running does not."""
    data, cfg = tmp_path / "data", tmp_path / "c.toml"
    cfg.write_text(f'[patient]\ncode = "CD34"\n[records]\ndata_dir = "{data}"\n')
    _ended_sessions(data, 2)
    unit = Records(data, clock=VirtualClock())  # the service, as it starts
    unit.close_interrupted()
    try:
        assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
        assert capsys.readouterr().out.splitlines() == [
            f"erased 2 sessions from {data} (2 of them not exported)",
            "the unit running on these records still shows what it kept of them (today's "
            "minutes, the last session's summary) until it restarts: sudo systemctl restart "
            "ademcoach"]
    finally:
        unit.close()
    _ended_sessions(data, 1)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == f"erased 1 session from {data} (1 of them not exported)\n"


def test_wipe_where_the_lock_cannot_be_tried_does_not_say_the_unit_runs(
        tmp_path, capsys, monkeypatch):
    """A file system without flock (a network mount): whether a unit runs on the records
    is not known, and the wipe does not tell to restart one."""
    import errno

    import feedback.wipe

    data, cfg = tmp_path / "data", tmp_path / "c.toml"
    cfg.write_text(f'[patient]\ncode = "CD34"\n[records]\ndata_dir = "{data}"\n')
    _ended_sessions(data, 1)
    (data / "records.lock").touch()

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(feedback.wipe.fcntl, "flock", no_locks)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == f"erased 1 session from {data} (1 of them not exported)\n"

def test_a_session_cut_short_last_needs_force_after_its_export(unit, tmp_path, capsys):
    """The newest session has no end (a power cut): an export copies it but cannot tell it
    from one being recorded, so it never marks it; the refusal says so."""
    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    said = ("session 3 (2025-10-11 13:00) has no end (a power cut, or being recorded now): "
            "copied, but not marked as exported, as more of it may come; a wipe then needs "
            "--force")
    assert said in capsys.readouterr().out.splitlines()
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert said in (exp / "export.txt").read_text().splitlines()
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 2
    assert capsys.readouterr().err == (
        f"ademcoach wipe: {data}: the newest session (3) has no end (cut short by a power "
        "cut, or being recorded now), so no export marks it as exported: if an export has "
        "copied it (its export.txt says so), give --force to erase it; if not, export first\n")
    assert _n_sessions(data) == 3
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == f"erased 3 sessions from {data} (1 of them not exported)\n"


def test_the_unit_switched_on_again_marks_a_session_cut_short_so_its_export_counts(
        unit, tmp_path, capsys):
    """A loan unit comes back after a power cut in its last session (or unplugged
    mid-session): switched on, its records mark that session interrupted, so the export
    marks it complete and the wipe needs no --force. It reads as it did: 2 minutes,
    interrupted. A session without an end that the unit's own run began is left alone."""
    from feedback.config import load_config

    data, cfg = unit
    out = tmp_path / "before"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    before = read_csv(out / "sessions.csv")
    rec = Records.from_settings(load_config(cfg), VirtualClock(5000.0))  # the unit starts
    own = rec.start_session("AB12", "home", "", DAY0 + 3 * 86400)
    rec.add(breath(5010.0, 2.0, 3.0))
    assert rec.flush(30.0) and rec.close_interrupted() == 0  # (its own session: not)
    assert rec.close() == 0
    out = tmp_path / "after"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    after = read_csv(out / "sessions.csv")
    assert after[:3] == before and after[2]["end"] == "interrupted"
    assert after[3]["session"] == str(own) and after[3]["end"] == "closed"
    # the unit as it comes back: session 4 too was cut short (its end taken away)
    conn = sqlite3.connect(data / DB_NAME)
    conn.execute("UPDATE sessions SET ended_at = NULL, end_reason = NULL WHERE id = 4")
    conn.commit()
    conn.close()
    Records.from_settings(load_config(cfg), VirtualClock(9000.0)).close()
    stick = tmp_path / "stick"
    stick.mkdir()
    capsys.readouterr()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert "has no end" not in capsys.readouterr().out
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.startswith(f"erased 4 sessions from {data}\n")
    assert _n_sessions(data) == 0


@pytest.mark.parametrize("first, last, target, said", [
    (1.0, 1.02, 1.5, "steady"),
    (1.0, 1.3, 1.5, "toward the target"),
    (1.3, 1.0, 1.5, "away from the target"),
    (1.6, 1.2, 1.5, "crossed the target, now below"),
    (1.2, 1.9, 1.5, "crossed the target, now above"),
])
def test_ratio_direction_in_plain_words(first, last, target, said):
    from feedback.report_tables import direction

    assert direction(first, last, target) == said


def test_the_home_target_is_the_one_configured_when_the_patient_practised(tmp_path,
                                                                         monkeypatch):
    # Day 0: 7 minutes with a target of 10 (not met); day 1: 6 minutes with the target
    # back at the default of 5 (met). Each day is judged by the target it was set to.
    import datetime as dt

    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2025, 10, 10))
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    for day, (minutes, config) in enumerate([(7, "[patient]\ndaily_minutes = 10.0\n"),
                                             (6, "[pacer]\ninhale_s = 4.0\n")]):
        rec.start_session("CD34", "home", config, DAY0 + day * 86400)
        rec.add(breath(clock.now() + 10, 2.0, 3.0))
        clock.advance(minutes * 60.0)
        rec.end_session("stopped")
    rec.close()
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{data}"\n')
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    days = read_csv(out / "days.csv")
    assert [(d["minutes"], d["target_minutes"], d["target_met"]) for d in days] == [
        ("7.0", "10.0", "no"), ("6.0", "5.0", "yes")]
    summary = (out / "summary.txt").read_text()
    assert ("Practice: 13.0 min on 2 of 2 days; the home target changed in this period, "
            "each day is judged by its own:\n"
            "    10 min/day from 2025-10-09 to 2025-10-09: met on 0 of 1 day\n"
            "    5 min/day from 2025-10-10 to 2025-10-10: met on 1 of 1 day\n") in summary
    # (in Dutch a day "telt tegen" its target read as English "counts against")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "nl"),
                 "--lang", "nl"]) == 0
    assert ("Geoefend: 13,0 min op 2 van 2 dagen; het thuisdoel is in deze periode "
            "gewijzigd, elke dag wordt aan zijn eigen doel gemeten:\n"
            "    10 min per dag van 2025-10-09 t/m 2025-10-09: gehaald op 0 van 1 dag\n"
            ) in (tmp_path / "nl" / "summary.txt").read_text()
    cal = pygame.image.load(str(out / "calendar-CD34.png"))
    assert cal.get_size()[0] > 0


def test_the_export_note_is_read_once_and_garbage_is_ignored(tmp_path):
    from feedback import exportnote

    watcher = exportnote.ExportWatcher(tmp_path)
    assert watcher.poll() is None  # no export yet
    (tmp_path / exportnote.NAME).write_text("{not json")
    assert watcher.poll() is None
    (tmp_path / exportnote.NAME).write_text('{"status": "maybe", "sessions": 2}')
    assert watcher.poll() is None  # an unknown status is no note
    assert exportnote.write(tmp_path, "refused", 4)
    assert watcher.poll()["status"] == "refused"
    assert watcher.poll() is None  # shown once
    assert not exportnote.write(tmp_path / "missing", "ok", 1)  # no data dir: no note


def test_the_note_of_an_export_in_an_earlier_boot_is_not_shown_at_each_start(tmp_path):
    """A home unit has no clock chip: unplugged, it starts again at the time its clock was
    last saved, before the export a stick made at its last power-on. That note then looked
    written in the two minutes before the program started, and every start showed it
    ("USB-stick: 12 sessies gekopieerd, nieuwe instellingen overgenomen", no stick in). A
    note says the boot it was written in; one from this boot counts by its monotonic
    clock, whatever the wall clock did meanwhile."""
    from pathlib import Path

    from feedback import exportnote

    if not Path("/proc/sys/kernel/random/boot_id").is_file():
        pytest.skip("no boot id on this system")
    since = exportnote.moment(120.0)  # the start of `ademcoach run`, less two minutes
    (tmp_path / exportnote.NAME).write_text(json.dumps({
        "status": "installed", "sessions": 12, "at": since["at"] + 60.0,  # (as saved)
        "boot": "a boot before this one", "mono": 80.0}))
    assert exportnote.ExportWatcher(tmp_path, since=since).poll() is None
    # written in this boot, as the program started: shown, even where the clock was set
    # back meanwhile (its wall time before the start)
    assert exportnote.write(tmp_path, "installed", 12)
    note = json.loads((tmp_path / exportnote.NAME).read_text())
    (tmp_path / exportnote.NAME).write_text(json.dumps({**note, "at": since["at"] - 3600}))
    assert exportnote.ExportWatcher(tmp_path, since=since).poll()["sessions"] == 12
    # a note of an earlier version (no boot in it) goes by its wall time, as before
    del note["boot"], note["mono"]
    (tmp_path / exportnote.NAME).write_text(json.dumps(note))
    assert exportnote.ExportWatcher(tmp_path, since=since).poll()["sessions"] == 12


@pytest.mark.parametrize("config, expected", [
    ("[patient]\ndaily_minutes = 12.5\n", 12.5),
    ("[patient]\ndaily_minutes = 0\n", 5.0),        # out of range: the default
    ("[patient]\ndaily_minutes = \"veel\"\n", 5.0),  # not a number
    ("patient = 3\n", 5.0),                         # not a section
    ("[patient\n", 5.0),                            # not TOML
    ("", 5.0),
])
def test_the_daily_target_stored_with_a_session_is_read_safely(config, expected):
    from feedback.sessions import _stored, _targets

    assert _targets(_stored(config))[1] == expected


@pytest.mark.parametrize("config, expected", [
    ("[pacer]\ninhale_s = 4.0\nexhale_s = 6.0\n", 1.5),
    ("[pacer]\ninhale_s = 0\n", None),          # would divide by zero: the default
    ("[pacer]\nexhale_s = \"lang\"\n", None),    # not a number
    ("pacer = 3\n", None),                      # not a section
    ("[pacer\n", None),                         # not TOML
])
def test_the_target_ratio_stored_with_a_session_is_read_safely(config, expected):
    from feedback.config_schema import SCHEMA
    from feedback.sessions import _stored, _targets

    default = SCHEMA["pacer"]["exhale_s"].default / SCHEMA["pacer"]["inhale_s"].default
    assert _targets(_stored(config))[0] == pytest.approx(
        default if expected is None else expected)


@pytest.mark.parametrize("months", [1, 2, 5])
def test_every_text_of_the_calendar_is_inside_the_image(tmp_path, months):
    import datetime as dt

    first = dt.date(2026, 1, 12)
    days = [{"date": (first + dt.timedelta(days=d)).isoformat(), "minutes": 4.0 + d % 3,
             "target_minutes": 5.0, "target_met": "yes" if 4.0 + d % 3 >= 5.0 else "no"}
            for d in range(0, 28 * months, 3)]
    path = tmp_path / "cal.png"
    rects = calendar_chart("HOME-0042", days, path)
    area = pygame.Rect((0, 0), pygame.image.load(str(path)).get_size())
    assert len(rects) == 6 and all(area.contains(r) for r in rects), (area, rects)


@pytest.fixture
def locked_unit(tmp_path, monkeypatch):
    """The unit's data dir with one session, which this user may not enter (as a 0700
    directory of the ademcoach user); no data_dir in the config."""
    import os
    from pathlib import Path

    from feedback import store

    unit = tmp_path / "var-lib-ademcoach"
    rec = Records(unit, clock=VirtualClock(0.0))
    rec.start_session("AB12", "home", "", DAY0)
    rec.add(breath(10.0, 2.0, 3.0))
    assert rec.close() == 0
    monkeypatch.setattr(store, "UNIT_DATA_DIR", unit)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cfg = tmp_path / "c.toml"
    cfg.write_text("[patient]\ndaily_minutes = 5.0\n")
    if os.geteuid() == 0:  # root enters anything: refuse the way a 0700 directory does
        real_stat, real_access = Path.stat, os.access

        def stat(self, *args, **kwargs):
            if self.parent == unit:
                raise PermissionError(13, "Permission denied", str(self))
            return real_stat(self, *args, **kwargs)

        monkeypatch.setattr(Path, "stat", stat)
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == unit
                            else real_access(p, mode, **kw))
        yield unit, cfg
        monkeypatch.undo()
    else:
        unit.chmod(0)
        yield unit, cfg
        unit.chmod(0o700)
    assert sqlite3.connect(unit / DB_NAME).execute(
        "SELECT count(*) FROM sessions").fetchone() == (1,)  # nothing was erased


def test_report_as_another_user_says_so_instead_of_reading_an_empty_dir(
        locked_unit, tmp_path, capsys):
    unit, cfg = locked_unit
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert f"{unit}: no permission to read the records" in err
    assert "sudo -u ademcoach ademcoach report" in err
    assert not (tmp_path / "xdg").exists()


def test_wipe_as_another_user_refuses_instead_of_erasing_nothing(locked_unit, tmp_path,
                                                                 capsys):
    unit, cfg = locked_unit
    assert main(["wipe", "--yes", "--config", str(cfg)]) == 1
    said = capsys.readouterr()
    assert "erased" not in said.out
    assert f"{unit}: no permission to erase the records" in said.err
    assert "sudo -u ademcoach ademcoach wipe" in said.err


CLINIC_CONFIG = "[pacer]\ninhale_s = 4.0\nexhale_s = 6.0\nhold_out_s = 1.0\n"
BELLY_TARGET = 8.0 / 3.5  # clinic belly_lying: 3.5 s in, 7 s out, 1 s pause after it


def clinic_session(data, clock=None, wall=DAY0):
    """Calibration (no pacer, ratio 1.0), belly breathing (fixed pacer, ratio 1.6 -> 2.1),
    movement (no pacer, ratio 1.0; ended by the session end), a hold in each of the last
    two; 6 minutes, all practised."""
    clock = clock or VirtualClock(0.0)
    t0 = clock.now()
    rec = Records(data, clock=clock)
    rec.start_session("EF56", "clinic", CLINIC_CONFIG, wall)
    rec.add(ev.Exercise(t0, "Kalibratie", "start", pacer="off"))
    for k in range(6):
        rec.add(breath(t0 + 10.0 + 5 * k, 2.5, 2.5))
    rec.add(ev.Exercise(t0 + 60.0, "Kalibratie", "end", active_s=60.0))
    rec.add(ev.Exercise(t0 + 60.0, "Buikademhaling liggend", "start", pacer="fixed",
                        target_ratio=BELLY_TARGET, target_rate_bpm=60 / 11.5))
    for k, r in enumerate([1.6, 1.6, 1.6, 2.0, 2.0, 2.2]):
        rec.add(breath(t0 + 60.0 + 11.5 * (k + 1), 3.5, 3.5 * r))
    rec.add(ev.Hold(t0 + 150.0, t=t0 + 144.0))
    rec.add(ev.HoldEnd(t0 + 152.0, t=t0 + 152.0))
    rec.add(ev.Exercise(t0 + 300.0, "Buikademhaling liggend", "end", active_s=240.0,
                        in_sync=0.75))
    rec.add(ev.Exercise(t0 + 300.0, "Ademen tijdens bewegen", "start", pacer="off"))
    for k in range(3):
        rec.add(breath(t0 + 305.0 + 5 * k, 2.5, 2.5))
    rec.add(ev.Hold(t0 + 320.0, t=t0 + 316.0))
    rec.add(ev.HoldEnd(t0 + 321.0, t=t0 + 321.0))
    clock.advance(360.0)
    rec.end_session("programme finished")
    assert rec.close() == 0


def report(tmp_path, monkeypatch, data, today, lang="en"):
    """The report of ``data`` as made on ``today``, in ``lang`` (its config r.toml and
    folder out in English, r-nl.toml and out-nl in Dutch)."""
    import datetime as dt

    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date.fromisoformat(today))
    cfg = tmp_path / ("r.toml" if lang == "en" else f"r-{lang}.toml")
    cfg.write_text(f'[patient]\nlanguage = "{lang}"\n[records]\ndata_dir = "{data}"\n')
    out = tmp_path / ("out" if lang == "en" else f"out-{lang}")
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    return out


def test_each_exercise_is_compared_with_its_own_pacer_target(tmp_path, monkeypatch):
    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    ex = read_csv(out / "exercises.csv")
    assert [(r["name"], r["pacer"], r["ratio_target"], r["rate_target"]) for r in ex] == [
        ("Kalibratie", "off", "", ""), ("Buikademhaling liggend", "fixed", "2.29", "5.2"),
        ("Ademen tijdens bewegen", "off", "", "")]
    (s,) = read_csv(out / "sessions.csv")
    # the paced breaths only, against the belly exercise's 8 / 3.5 (not the config's 6 / 4)
    assert (s["ratio"], s["ratio_target"]) == ("1.80", "2.29")
    assert "(target 2.29)" in (out / "summary.txt").read_text()


def test_records_without_exercise_targets_still_report_against_the_config(tmp_path):
    from feedback.sessions import load_sessions
    from feedback.store import migrate

    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, upto=2)  # before exercises had a target: no such columns
    conn.execute("INSERT INTO sessions (id, patient_code, started_at, config, start_t, end_t)"
                 " VALUES (1, 'OLD', ?, '[pacer]\ninhale_s = 4.0\nexhale_s = 6.0\n', 0, 120)",
                 (DAY0,))
    conn.execute("INSERT INTO exercises (id, session_id, name, start_t) VALUES (1, 1, 'X', 0)")
    conn.execute("INSERT INTO breaths (session_id, exercise_id, at, inhale_s, exhale_s, "
                 "rate_bpm) VALUES (1, 1, 10, 2, 3, 12)")
    conn.close()
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as the unit reads today's minutes
    (s,) = load_sessions(ro)
    ro.close()
    assert s.exercises[0].ratio_target == pytest.approx(1.5) and s.target == pytest.approx(1.5)
    assert s.minutes == pytest.approx(2.0)


def test_the_trend_is_per_paced_exercise_not_over_calibration_and_movement(
        tmp_path, monkeypatch):
    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    ex = read_csv(out / "exercises.csv")
    assert [(r["ratio_first"], r["ratio_last"], r["ratio_trend"]) for r in ex] == [
        ("", "", ""), ("1.60", "2.10", "toward the target"), ("", "", "")]
    (s,) = read_csv(out / "sessions.csv")
    # over the whole session it was 1.0 -> 1.0, "steady"
    assert s["ratio_trend"] == "Buikademhaling liggend: toward the target"
    summary = (out / "summary.txt").read_text()
    assert "Trends are per paced exercise" in summary
    assert "(Buikademhaling liggend 1.60->2.10)" in summary


def test_paused_time_is_no_practice(tmp_path, monkeypatch):
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    # day 0: 2 minutes practised around a 30-minute pause; the coach said so at the end
    rec.start_session("GH78", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="fixed", target_ratio=1.75))
    rec.add(ev.Pause(60.0))
    rec.add(ev.Resume(1860.0))
    rec.add(ev.Exercise(1920.0, "Buikademhaling", "end", active_s=120.0))
    clock.advance(1920.0)
    rec.end_session("programme finished")
    # day 1: the same, stopped during the exercise (no active seconds recorded): the
    # recorded pause is taken off the exercise's length
    rec.start_session("GH78", "home", "", DAY0 + 86400)
    rec.add(ev.Exercise(clock.now(), "Buikademhaling", "start", pacer="fixed",
                        target_ratio=1.75))
    rec.add(ev.Pause(clock.now() + 60.0))
    rec.add(ev.Resume(clock.now() + 1860.0))
    clock.advance(1920.0)
    rec.end_session("stopped")
    assert rec.close() == 0
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    s = read_csv(out / "sessions.csv")
    assert [(r["minutes"], r["length_minutes"]) for r in s] == [("2.0", "32.0"), ("2.0", "32.0")]
    assert [(d["minutes"], d["target_met"]) for d in read_csv(out / "days.csv")] == [
        ("2.0", "no"), ("2.0", "no")]
    assert "Practice: 4.0 min on 2 of 2 days" in (out / "summary.txt").read_text()


def test_a_pause_never_resumed_lasts_to_the_end_of_the_session(tmp_path, monkeypatch):
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("GH78", "home", "", DAY0)  # paused after 3 min, then left (power cut)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="fixed", target_ratio=1.75))
    rec.add(ev.Pause(180.0))
    clock.advance(3600.0)
    rec.end_session("SIGTERM")
    assert rec.close() == 0
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    assert [(r["minutes"], r["length_minutes"]) for r in read_csv(out / "sessions.csv")] == [
        ("3.0", "60.0")]


def test_breaths_per_minute_are_the_breaths_counted_not_the_median_of_their_rates(
        tmp_path, monkeypatch):
    """Irregular breathing (as real breathing is: 20-45 % from breath to breath) read
    higher than it was breathed: breaths of 4, 4, 4 and 12 s are 4 in 24 s, 10/min, where
    the median of their own rates (15, 15, 15, 5) said 15/min, above a 'breathe under
    12/min' a therapist may set. The unit's summary screen counts them the same way."""
    from feedback.coach_practice import ExerciseStats
    from feedback.programme import ExerciseSpec

    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("GH78", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="off"))
    lengths = [4.0, 4.0, 4.0, 12.0]
    t = 0.0
    for n in lengths:
        t += n
        rec.add(breath(t, n / 3, 2 * n / 3))
    rec.add(ev.Exercise(30.0, "Buikademhaling", "end", active_s=30.0))
    clock.advance(30.0)
    rec.end_session("programme finished")
    assert rec.close() == 0
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    (e,) = read_csv(out / "exercises.csv")
    (s,) = read_csv(out / "sessions.csv")
    assert (e["breaths_per_min"], s["breaths_per_min"]) == ("10.0", "10.0")
    spec = ExerciseSpec("belly", "Buikademhaling", "Belly breathing", "breathing", 30.0, None,
                        "off")
    screen = ExerciseStats(spec, periods=lengths, rates=[15.0, 15.0, 15.0, 5.0]).row()
    assert screen["rate_bpm"] == pytest.approx(10.0)


def test_what_came_while_paused_is_left_out_as_on_the_summary_screen(tmp_path, monkeypatch):
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("GH78", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="fixed", target_ratio=1.75))
    for t, i, e in [(10, 2, 3), (20, 2, 3), (30, 2, 4)]:  # 12, 12, 10/min; 1.5, 1.5, 2.0
        rec.add(breath(t, i, e))
    rec.add(ev.Pause(35.0))
    for t in (40, 45, 50, 55):  # while paused: 30/min, ratio 1.0
        rec.add(breath(t, 1, 1))
    rec.add(ev.Hold(52.0, t=44.0))  # its warning fired while paused
    rec.add(ev.Cue(52.0, "breathe_on"))
    rec.add(ev.HoldEnd(56.0, t=56.0))
    rec.add(ev.Resume(70.0))
    rec.add(ev.Hold(74.0, t=66.0))  # began while paused, warned after going on: counts
    rec.add(ev.Cue(74.0, "breathe_on"))
    rec.add(ev.HoldEnd(76.0, t=76.0))
    for t in (82, 88):  # 10/min, ratio 2.0
        rec.add(breath(t, 2, 4))
    rec.add(ev.Exercise(100.0, "Buikademhaling", "end", active_s=65.0))
    clock.advance(100.0)
    rec.end_session("programme finished")
    assert rec.close() == 0
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    # practised: 5 breaths in 5+5+6+6+6 = 28 s (10.7/min), ratios 1.5 1.5 2 2 2; counted
    # with the paused breaths it would be 9 in 36 s (15.0/min) and 1.50
    (e,) = read_csv(out / "exercises.csv")
    assert (e["breaths"], e["breaths_per_min"], e["ratio"]) == ("5", "10.7", "2.00")
    assert (e["holds"], e["longest_hold_s"], e["cues"]) == ("1", "10.0", "1")
    (s,) = read_csv(out / "sessions.csv")
    assert (s["breaths"], s["breaths_per_min"], s["ratio"], s["holds"], s["cues"]) == (
        "5", "10.7", "2.00", "1", "1")
    summary = (out / "summary.txt").read_text()
    assert "Breath-holds: 1 (Buikademhaling 1, longest 10.0 s)" in summary
    assert '"Keep breathing!" 1x' in summary


def test_the_report_counts_an_exercise_as_the_summary_screen_does(sim_config, tmp_path):
    """A simulated session paused from 35 s to 70 s, in which the patient holds the breath
    (the hold at about 52 s is while paused): the report's numbers per exercise are the
    coach's."""
    from feedback.reload import load_all
    from feedback.run import open_session
    from feedback.sessions import load_sessions

    settings, programme = load_all(sim_config)
    with open_session(settings, programme, sim_config, sim="holds", clock=VirtualClock(),
                      duration=120, status=False) as s:
        for at in (35.0, 70.0):
            s.loop.add(f"press {at}", lambda due, s=s: s.button("start_pause", s.now()),
                       first=s.t0 + at)
        s.run()
        screen = s.coach.summary()
    db = tmp_path / "data" / "simulated" / DB_NAME
    conn = sqlite3.connect(db)
    (pause,) = load_sessions(conn)[0].pauses
    assert pause == pytest.approx((35.0, 70.0), abs=0.1)
    paused = [conn.execute(f"SELECT count(*) FROM {table} WHERE at > 35 AND at <= 70")
              .fetchone()[0] for table in ("breaths", "holds")]
    conn.close()
    assert all(paused), paused  # the records hold breaths and a hold from the pause
    out = tmp_path / "out"
    assert main(["report", "--simulated", "--config", str(sim_config), "--out", str(out)]) == 0
    rows = read_csv(out / "exercises.csv")
    assert [r["name"] for r in rows] == [x["name_en"] for x in screen]
    for row, x in zip(rows, screen, strict=True):
        assert (row["breaths"], row["holds"], row["cues"], row["minutes"]) == (
            str(x["breaths"]), str(x["holds"]), str(sum(x["cues"].values())),
            f"{x['minutes']:.1f}"), (row, x)
        assert row["breaths_per_min"] == f"{x['rate_bpm']:.1f}"
        assert row["ratio"] == f"{x['ratio']:.2f}"


def test_an_exercise_s_breaths_per_minute_are_its_own_breaths(sim_config, tmp_path):
    """A patient who follows the clinic's belly pacer (5.2/min) from its first breath:
    the screen, its summary and the report said about 8 adem/min beside "in ritme 100%",
    the calibration's rate, which the analysis's rate of each breath (a median over the
    breaths before it) carried into the exercise."""
    from feedback.reload import load_all
    from feedback.run import open_session

    settings, programme = load_all(sim_config)
    shown = []
    with open_session(settings, programme, sim_config, sim="calm", clock=VirtualClock(),
                      duration=60, status=False) as s:
        s.loop.add("look", lambda due: shown.append(s.coach.view(
            s.now(), s.analyzer.snapshot()).rate_bpm), first=s.t0 + 59.0)
        s.run()
        summary = s.coach.summary()
    paced = 60.0 / 11.5  # 3.5 s in, 7 s out, 1 s rest
    row = next(x for x in summary if x["id"] == "belly_lying")
    assert row["following"]["in_sync"] == 1.0 and row["breaths"] >= 2
    assert row["rate_bpm"] == pytest.approx(paced, rel=0.05)
    assert shown[0] == pytest.approx(paced, rel=0.05)
    out = tmp_path / "out"
    assert main(["report", "--simulated", "--config", str(sim_config), "--out", str(out)]) == 0
    (ex,) = [r for r in read_csv(out / "exercises.csv") if r["name"] == row["name_en"]]
    assert ex["breaths_per_min"] == f"{row['rate_bpm']:.1f}"


def praised_session(data):
    """One exercise with two corrections, three times praise ("good") and a belt check
    (no correction of the breathing: the summary screen does not count it either)."""
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("PR01", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="fixed", target_ratio=1.75))
    for t, kind in [(20.0, "longer_exhale"), (60.0, "good"), (90.0, "slower"),
                    (120.0, "check_belt"), (150.0, "good"), (210.0, "good")]:
        rec.add(ev.Cue(t, kind))
    rec.add(ev.Exercise(240.0, "Buikademhaling", "end", active_s=240.0))
    clock.advance(240.0)
    rec.end_session("programme finished")
    assert rec.close() == 0


def test_praise_is_no_cue_to_correct(tmp_path, monkeypatch):
    data = tmp_path / "data"
    praised_session(data)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    (e,) = read_csv(out / "exercises.csv")
    assert (e["cues"], e["praise"]) == ("2", "3")
    (s,) = read_csv(out / "sessions.csv")
    assert (s["cues"], s["cue_kinds"], s["praise"]) == ("2", "longer_exhale:1 slower:1", "3")
    summary = (out / "summary.txt").read_text()
    assert ('  Cues (corrections): "Breathe out longer" 1x, "Breathe more slowly" 1x\n'
            in summary)
    assert '  Praise: "Good, keep it up!" 3x\n' in summary
    assert "holds 0 cues 2 praise 3\n" in summary
    nl = tmp_path / "nl"
    cfg = tmp_path / "nl.toml"
    cfg.write_text(f'[patient]\nlanguage = "nl"\n[records]\ndata_dir = "{data}"\n')
    assert main(["report", "--config", str(cfg), "--out", str(nl)]) == 0
    summary = (nl / "summary.txt").read_text(encoding="utf-8")
    assert ("  Aanwijzingen (correcties, op het scherm 'tips'): "
            '"Adem langer uit" 1x, "Rustiger ademen" 1x\n' in summary)
    assert '  Complimenten: "Goed zo!" 3x\n' in summary
    assert "ingehouden 0 aanwijzingen 2 complimenten 3\n" in summary


def test_without_praise_the_summary_has_no_praise_line(tmp_path, monkeypatch):
    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert "  Cues (corrections): none\n" in summary and "  Praise:" not in summary


def test_the_chart_marks_praise_and_pauses_apart(tmp_path, monkeypatch):
    from feedback import report_charts
    from feedback.report_charts import CUE, PAUSE, PRAISE
    from feedback.sessions import load_sessions

    data = tmp_path / "data"
    praised_session(data)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    img = pygame.image.load(str(out / "session-00001.png"))
    conn = sqlite3.connect(data / DB_NAME)
    (s,) = load_sessions(conn)
    conn.close()
    for lang, words in (("en", {"cue", "praise", "paused"}),
                        ("nl", {"aanwijzing", "compliment", "pauze"})):
        report_charts.session_chart(s, tmp_path / f"{lang}.png", lang)
        assert words <= {t for t, _ in report_charts.drawn}
        _inside_and_apart(tmp_path / f"{lang}.png", report_charts.drawn)

    def marks(color, minute):  # pixels of ``color`` just above the ratio panel's bottom
        x = round(60 + minute / 4 * 720)
        return sum(1 for dx in range(-6, 7) for y in range(246, 259)
                   if tuple(img.get_at((x + dx, y)))[:3] == color)

    # 4 minutes over 720 px: corrections at 20 s and 90 s, praise at 60, 150 and 210 s
    assert all(marks(CUE, m) > 10 and not marks(PRAISE, m) for m in (20 / 60, 1.5))
    assert all(marks(PRAISE, m) > 5 and not marks(CUE, m) for m in (1.0, 2.5, 3.5))
    assert not marks(CUE, 2.0)  # the belt check at 120 s: no cue (the counts say 2)
    # a pause: hatched, unlike a hold or a fault
    data2 = tmp_path / "data2"
    clock = VirtualClock(0.0)
    rec = Records(data2, clock=clock)
    rec.start_session("PA01", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="fixed", target_ratio=1.75))
    rec.add(ev.Pause(60.0))
    rec.add(ev.Resume(120.0))
    rec.add(ev.Exercise(240.0, "Buikademhaling", "end", active_s=180.0))
    clock.advance(240.0)
    rec.end_session("programme finished")
    assert rec.close() == 0
    out2 = report(tmp_path, monkeypatch, data2, "2025-10-09")
    img = pygame.image.load(str(out2 / "session-00001.png"))

    def hatch(x0, x1):  # pause-coloured pixels in the ratio panel between x0 and x1
        return sum(1 for x in range(x0, x1) for y in range(72, 258)
                   if tuple(img.get_at((x, y)))[:3] == PAUSE)

    assert hatch(60 + 180 + 5, 60 + 360 - 5) > 300  # 1-2 min: paused
    assert hatch(62, 60 + 180 - 5) == 0 and hatch(60 + 360 + 5, 778) == 0


def test_the_share_of_breaths_in_rhythm_with_the_pacer_is_reported(tmp_path, monkeypatch):
    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    assert [r["in_sync_pct"] for r in read_csv(out / "exercises.csv")] == ["", "75", ""]
    assert ("In rhythm with the pacer: 75% of the paced breaths (Buikademhaling liggend 75%)"
            in (out / "summary.txt").read_text())


def paced_session(data, wall, exercises, clock=None, code="EF56", short=None):
    """One session of paced exercises, each ``(name, name_en, breaths, following)``: its
    breaths 11.5 s apart, in rhythm or not as ``following`` counts them, 2 min each;
    ``short``, per exercise, how many had too short an exhale at any pace (not recorded
    when not given, as before schema 9)."""
    clock = clock or VirtualClock(0.0)
    t = clock.now()
    with Records(data, clock=clock) as rec:
        rec.start_session(code, "home", CLINIC_CONFIG, wall)
        for i, (name, name_en, n, following) in enumerate(exercises):
            rec.add(ev.Exercise(t, name, "start", pacer="fixed", kind="breathing",
                                name_en=name_en, target_ratio=BELLY_TARGET,
                                target_rate_bpm=60 / 11.5))
            for k in range(n):
                rec.add(breath(t + 11.5 * (k + 1), 3.5, 8.0))
            judged = sum(following.values()) if following else 0
            rec.add(ev.Exercise(t + 120.0, name, "end", active_s=120.0,
                                in_sync=following["in_sync"] / judged if judged else None,
                                following=following,
                                short_exhale=None if short is None else short[i]))
            t += 120.0
        clock.advance(t - clock.now())
        rec.end_session("programme finished")


def test_how_the_breaths_missed_the_pacer_is_reported_per_exercise_and_over_the_period(
        tmp_path, monkeypatch):
    """Not only the share in rhythm: the report says how the other breaths missed the
    pacer (exhale too short, too fast, too slow), in exercises.csv per exercise and in
    summary.txt over the period, in English and in Dutch; a session recorded before the
    unit kept it (only its share in rhythm) is said to be not recorded."""
    data = tmp_path / "data"
    clinic_session(data)  # recorded before: belly 75 % in rhythm, no breakdown
    paced_session(data, DAY0 + 86400, [
        ("Buikademhaling liggend", None, 10,  # (its English name not kept, as before)
         {"in_sync": 6, "exhale_short": 3, "too_fast": 1, "too_slow": 0}),
        ("Ribben", None, 8, {"in_sync": 2, "exhale_short": 0, "too_fast": 5,
                             "too_slow": 1})])
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    ex = read_csv(out / "exercises.csv")
    cols = ("in_sync_pct", "exhale_short_pct", "too_fast_pct", "too_slow_pct",
            "judged_breaths")
    assert [tuple(r[c] for c in cols) for r in ex] == [
        ("", "", "", "", ""), ("75", "", "", "", ""), ("", "", "", "", ""),  # not recorded
        ("60", "30", "10", "0", "10"), ("25", "0", "62", "12", "8")]
    summary = (out / "summary.txt").read_text()
    # 6 + 2 of 18 judged in rhythm, and 75 % of the old session's 6 paced breaths:
    # (8 + 4.5) / 24 = 52 %
    assert ("In rhythm with the pacer: 52% of the paced breaths (Buikademhaling liggend 66%, "
            "Ribben 25%)") in summary
    assert ("  Out of rhythm: too fast 33%, exhale too short 17%, too slow 6% (of 18 breaths "
            "judged; not recorded for 1 session)\n"
            "    Buikademhaling liggend: too fast 10%, exhale too short 30%, too slow 0% "
            "(of 10)\n"
            "    Ribben: too fast 62%, exhale too short 0%, too slow 12% (of 8)\n") in summary
    # in Dutch, with the exercises' Dutch names
    nl = report(tmp_path, monkeypatch, data, "2025-10-10", lang="nl")
    dutch = (nl / "summary.txt").read_text()
    assert ("  Uit het ritme: te snel 33%, uitademing te kort 17%, te langzaam 6% (van 18 "
            "beoordeelde ademhalingen; niet vastgelegd bij 1 sessie)\n"
            "    Buikademhaling liggend: te snel 10%, uitademing te kort 30%, te langzaam 0% "
            "(van 10)\n") in dutch
    assert "te snel (korter dan 80%" in " ".join(dutch.split())  # what the words mean
    # the CSV files are the same in either language, and the workbook has them with the
    # shares as numbers
    assert read_csv(nl / "exercises.csv") == ex
    sheet = read_workbook(nl / "report.xlsx")["exercises"]
    head = {v: k for k, v in sheet[0].items()}
    assert [tuple(row.get(head[c], "") for c in cols) for row in sheet[4:]] == [
        (60.0, 30.0, 10.0, 0.0, 10.0), (25.0, 0.0, 62.0, 12.0, 8.0)]


def test_a_short_exhale_at_any_pace_is_reported_apart_from_the_first_verdict(
        tmp_path, monkeypatch):
    """A breath too fast is judged too fast alone: "exhale too short" read 0 % for a
    patient whose every exhale was too short. The share with too short an exhale at any
    pace is reported apart, per exercise in exercises.csv and over the period (and per
    exercise) in summary.txt; a session that recorded the verdicts without it (schema 8)
    is said to be not recorded, and counts in neither share."""
    data = tmp_path / "data"
    paced_session(data, DAY0, [  # recorded before schema 9: the verdicts only
        ("Buik", "Belly", 6, {"in_sync": 0, "exhale_short": 0, "too_fast": 6,
                              "too_slow": 0})])
    paced_session(data, DAY0 + 86400, [
        ("Buik", "Belly", 10, {"in_sync": 0, "exhale_short": 0, "too_fast": 10,
                               "too_slow": 0}),
        ("Ribben", "Ribs", 8, {"in_sync": 4, "exhale_short": 2, "too_fast": 1,
                               "too_slow": 1})], short=[9, 3])
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    cols = ("exhale_short_pct", "too_fast_pct", "exhale_short_any_pct", "judged_breaths")
    assert [tuple(r[c] for c in cols) for r in read_csv(out / "exercises.csv")] == [
        ("0", "100", "", "6"), ("0", "100", "90", "10"), ("25", "12", "38", "8")]
    summary = (out / "summary.txt").read_text()
    assert ("  Exhale too short, at any pace: 67% (of 18 breaths judged; not recorded for "
            "1 session)\n"
            "    Belly: 90% (of 10)\n"
            "    Ribs: 38% (of 8)\n") in summary
    nl = report(tmp_path, monkeypatch, data, "2025-10-10", lang="nl")
    assert ("  Uitademing te kort, bij elk tempo: 67% (van 18 beoordeelde ademhalingen; niet "
            "vastgelegd bij 1 sessie)\n    Buik: 90% (van 10)\n") in (
        nl / "summary.txt").read_text()
    sheet = read_workbook(nl / "report.xlsx")["exercises"]
    head = {v: k for k, v in sheet[0].items()}
    assert [row.get(head["exhale_short_any_pct"], "") for row in sheet[1:]] == ["", 90.0, 38.0]


def test_a_patient_whose_every_exhale_was_short_reads_100_percent(tmp_path, monkeypatch):
    """The patient the short exhales are counted for: every breath too fast, and every
    exhale too short with it. Over the period, as per exercise, that is all of them."""
    data = tmp_path / "data"
    paced_session(data, DAY0, [("Buik", "Belly", 12, {"in_sync": 0, "exhale_short": 0,
                                                      "too_fast": 12, "too_slow": 0})],
                  short=[12])
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    assert [r["exhale_short_any_pct"] for r in read_csv(out / "exercises.csv")] == ["100"]
    summary = (out / "summary.txt").read_text()
    assert "  Exhale too short, at any pace: 100% (of 12 breaths judged)\n" in summary
    assert "Belly: 100% (of 12)" not in summary  # (one exercise: no line per exercise)


def test_sessions_recorded_before_the_breakdown_report_it_as_not_recorded(tmp_path,
                                                                          monkeypatch):
    data = tmp_path / "data"
    clinic_session(data)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert ("  In rhythm with the pacer: 75% of the paced breaths (Buikademhaling liggend 75%)\n"
            "  Out of rhythm: not recorded (sessions recorded before the unit kept how a "
            "breath missed the pacer)\n") in summary
    # a paced exercise that judged no breath has nothing to say; one in rhythm throughout
    # says so (0 % each way) and counts its breaths
    data2 = tmp_path / "data2"
    paced_session(data2, DAY0, [
        ("Buik", "Belly", 0, dict.fromkeys(("in_sync", "exhale_short", "too_fast",
                                            "too_slow"), 0)),
        ("Ribben", "Ribs", 4, {"in_sync": 4, "exhale_short": 0, "too_fast": 0,
                               "too_slow": 0})])
    out = report(tmp_path, monkeypatch, data2, "2025-10-09")
    assert [(r["in_sync_pct"], r["too_fast_pct"], r["judged_breaths"])
            for r in read_csv(out / "exercises.csv")] == [("", "", "0"), ("100", "0", "4")]
    summary = (out / "summary.txt").read_text()
    assert ("  Out of rhythm: too fast 0%, exhale too short 0%, too slow 0% (of 4 breaths "
            "judged)\n  Breath") in summary


def test_holds_are_listed_by_exercise(tmp_path, monkeypatch):
    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    ex = read_csv(out / "exercises.csv")
    assert [(r["holds"], r["hold_s"], r["longest_hold_s"]) for r in ex] == [
        ("0", "", ""), ("1", "8.0", "8.0"), ("1", "5.0", "5.0")]
    listed = "Buikademhaling liggend 1, longest 8.0 s; Ademen tijdens bewegen 1, longest 5.0 s"
    (s,) = read_csv(out / "sessions.csv")
    assert s["holds_by_exercise"] == listed and "holds_per_exercise" not in s
    summary = (out / "summary.txt").read_text()
    assert f"Breath-holds: 2 ({listed})" in summary and "per exercise)" not in summary


def test_compliance_counts_up_to_the_report_date(tmp_path, monkeypatch):
    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-13")
    days = read_csv(out / "days.csv")
    assert [(d["date"], d["target_met"]) for d in days] == [
        ("2025-10-09", "yes"), ("2025-10-10", "no"), ("2025-10-11", "no"),
        ("2025-10-12", "no"), ("2025-10-13", "no")]
    summary = (out / "summary.txt").read_text()
    assert "2025-10-09 to 2025-10-13 (last session 4 days ago)" in summary
    assert ("Practice: 6.0 min on 1 of 5 days, all with treatment-room programmes (the home "
            "target is for practice at home)\n") in summary


def test_the_home_target_is_not_judged_on_clinic_sessions_alone(tmp_path, monkeypatch):
    from feedback import report_charts

    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    clinic_session(data, clock)  # EF56, 6 minutes with the clinic programme on day 0
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert "met on" not in summary and "all with treatment-room programmes" in summary
    said = [t for t, _ in report_charts.drawn]  # the calendar is drawn last
    assert said[1] == "Treatment room only: practised on 1 of 1 day (09 Oct to 09 Oct 2025)"
    # a day later the same patient practises at home: the home target counts again
    rec = Records(data, clock=clock)
    rec.start_session("EF56", "home", "", DAY0 + 86400)
    rec.add(ev.Exercise(clock.now(), "Buikademhaling", "start", pacer="fixed",
                        target_ratio=1.75))
    clock.advance(120.0)
    rec.end_session("stopped")
    assert rec.close() == 0
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    summary = (out / "summary.txt").read_text()
    assert "Practice: 8.0 min on 2 of 2 days; home target 5 min/day met on 1 day\n" in summary
    assert [t for t, _ in report_charts.drawn][1].startswith("Home target 5 min/day: met on 1")


def test_the_target_line_is_drawn_under_paced_exercises_only(tmp_path, monkeypatch):
    from feedback.report_charts import TARGET

    clinic_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    img = pygame.image.load(str(out / "session-00001.png"))

    def green(x0, x1):  # target pixels in the ratio panel between x0 and x1
        return sum(1 for x in range(x0, x1) for y in range(72, 258)
                   if tuple(img.get_at((x, y)))[:3] == TARGET)

    # 6 minutes over 720 px: calibration 0-1 min, belly 1-5 min, movement 5-6 min
    assert green(62, 178) == 0 and green(662, 778) == 0
    assert green(182, 658) > 100


def test_names_of_short_exercises_do_not_overlap(tmp_path):
    from feedback.report_charts import session_chart

    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("IJ90", "clinic", "", DAY0)
    for t, name in [(0.0, "Kalibratie"), (5.0, "Buikademhaling"), (9.0, "Ademen met de ribben"),
                    (12.0, "Tillen: uitademen bij inspanning"), (600.0, "Lange uitademing")]:
        rec.add(ev.Exercise(t, name, "start", pacer="off"))
    rec.add(breath(700.0, 2.0, 3.0))
    clock.advance(720.0)
    assert rec.close() == 0
    (s,) = report_sessions(data, "nl")
    path = tmp_path / "s.png"
    rects = session_chart(s, path)  # 12 minutes: the first four start within 12 s
    area = pygame.Rect((0, 0), pygame.image.load(str(path)).get_size())
    assert len(rects) >= 3 and all(area.contains(r) for r in rects)
    assert not any(a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_holds_go_to_their_own_exercise_when_two_share_a_dutch_name(tmp_path):
    """Two exercises of a programme may share their Dutch name (only ids must differ):
    sessions.csv credited a hold in the first to the second's English name."""
    from feedback.report_tables import session_rows

    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("IJ90", "clinic", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", name_en="Belly breathing, slow"))
    rec.add(ev.Hold(20.0, t=14.0))
    rec.add(ev.HoldEnd(22.0, t=22.0))
    rec.add(ev.Exercise(60.0, "Buikademhaling", "end"))
    rec.add(ev.Exercise(60.0, "Buikademhaling", "start", name_en="Belly breathing, 1:3"))
    rec.add(breath(100.0, 2.0, 3.0))
    clock.advance(120.0)
    assert rec.close() == 0
    (row,) = session_rows(report_sessions(data, "nl"))
    assert row["holds_by_exercise"] == "Belly breathing, slow 1, longest 8.0 s"


def test_an_exercise_line_does_not_run_through_a_panels_caption(tmp_path):
    """Each exercise's start is a line down both panels; one that starts where a panel's
    caption is ("exhale : inhale", "breaths / min") went through its letters."""
    from feedback import report_charts

    pictures, captions = [], []
    for second in (False, True):
        data = tmp_path / f"data{second}"
        clock = VirtualClock(0.0)
        rec = Records(data, clock=clock)
        rec.start_session("IJ90", "clinic", "", DAY0)
        rec.add(ev.Exercise(0.0, "Kalibratie", "start", pacer="off"))
        if second:  # 20 s into a 6-minute chart: under the captions' words
            rec.add(ev.Exercise(20.0, "Buikademhaling", "start", pacer="off"))
        rec.add(breath(300.0, 2.0, 3.0))
        clock.advance(360.0)
        assert rec.close() == 0
        (s,) = report_sessions(data, "nl")
        path = tmp_path / f"s{second}.png"
        report_charts.session_chart(s, path)
        pictures.append(pygame.image.load(str(path)))
        captions.append([r for t, r in report_charts.drawn
                         if t.startswith(("exhale : inhale", "breaths / min"))])
    assert len(captions[0]) == 2 and captions[0] == captions[1]
    for r in captions[0]:
        inside = [(x, y) for x in range(r.left, r.right) for y in range(r.top, r.bottom)]
        assert [pictures[1].get_at(p) for p in inside] == [pictures[0].get_at(p) for p in inside]
    # ... and the line is there, below the caption
    x = next(x for x in range(captions[0][0].left, captions[0][0].right)
             if pictures[1].get_at((x, captions[0][0].bottom + 8)) !=
             pictures[0].get_at((x, captions[0][0].bottom + 8)))
    assert captions[0][0].left < x < captions[0][0].right


def test_an_export_stopped_by_sigterm_leaves_nothing_half_written(unit, tmp_path, capsys,
                                                                   monkeypatch):
    import os
    import signal

    from feedback import export

    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(old + "[pacer]\nexhale_s = 8.0\n")
    real = export.build_report

    def slow_then_stopped(*a, **k):  # systemd's TimeoutStartSec hits during the copy
        out = real(*a, **k)
        os.kill(os.getpid(), signal.SIGTERM)
        return out

    monkeypatch.setattr(export, "build_report", slow_then_stopped)
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["export", str(stick), "--config", str(cfg)]) == 1
    # the hidden temporary folder is gone too; the stick's config is back under its name
    assert list(stick.iterdir()) == [stick / "ademcoach.toml"]
    assert cfg.read_text() == old
    assert "export stopped (SIGTERM)" in capsys.readouterr().err
    assert json.loads((data / "last-export.json").read_text())["status"] == "failed"
    assert signal.getsignal(signal.SIGTERM) is handler


def test_a_stop_right_after_the_sticks_config_was_installed_puts_the_config_back(
        unit, tmp_path, capsys, monkeypatch):
    """The stick pulled (systemd stops the export: BindsTo=) just after its config was
    installed, before the copy began: the SIGTERM ended the program there, the new
    patient's config in force, nothing exported, no notice on the screen, and the stick's
    config under its own name, so that the next try found it the unit's config already
    and never said that the unit still held the previous patient's sessions."""
    import os
    import signal

    from feedback import export

    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(f'[patient]\ncode = "CD34"\n[records]\n'
                                          f'data_dir = "{data}"\n')
    real = export.install_config

    def installed_then_stopped(*a, **k):
        out = real(*a, **k)
        os.kill(os.getpid(), signal.SIGTERM)
        return out

    def ends_the_program(signum, frame):  # as SIG_DFL would: the program ends here
        raise SystemExit(128 + signum)

    monkeypatch.setattr(export, "install_config", installed_then_stopped)
    handler = signal.signal(signal.SIGTERM, ends_the_program)
    try:
        assert main(["export", str(stick), "--config", str(cfg)]) == 1
        assert signal.getsignal(signal.SIGTERM) is ends_the_program
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert cfg.read_text() == old and not (tmp_path / "unit.toml.bak").exists()
    assert list(stick.iterdir()) == [stick / "ademcoach.toml"]
    assert "export stopped (SIGTERM)" in capsys.readouterr().err
    assert json.loads((data / "last-export.json").read_text())["status"] == "failed"
    # the next try installs it, and says what the change means
    monkeypatch.setattr(export, "install_config", real)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "patient.code (none) -> CD34" in out
    assert ("the unit still holds 3 sessions of AB12 (copied to this stick): erase them "
            "with ademcoach wipe before the unit goes to CD34; a unit that stays in the "
            "treatment room keeps them") in out


def test_the_sticks_config_keeps_its_name_until_the_export_is_on_the_stick(
        unit, tmp_path, monkeypatch):
    """It was renamed .installed before the copy began: a stick pulled during the copy
    (what the unit then failed to rename back) kept that name while the unit put its own
    config back, so the next try copied the records but installed nothing, and the stick
    said the config was installed."""
    from feedback import export

    data, cfg = unit
    stick = tmp_path / "stick"
    stick.mkdir()
    new = cfg.read_text() + "[pacer]\nexhale_s = 8.0\n"
    (stick / "ademcoach.toml").write_text(new)
    during = []
    real = export.build_report

    def pulled_now(*a, **k):  # what the stick holds if it is pulled during the copy
        during.append(sorted(p.name for p in stick.iterdir()
                             if not p.name.startswith(".ademcoach-export-")))
        return real(*a, **k)

    monkeypatch.setattr(export, "build_report", pulled_now)
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert during == [["ademcoach.toml"]]
    assert cfg.read_text() == new
    (exp,) = [p for p in stick.iterdir() if p.is_dir()]
    assert sorted(p.name for p in stick.iterdir()) == [exp.name, "ademcoach.toml.installed"]
    assert (f"{stick / 'ademcoach.toml'}: renamed to ademcoach.toml.installed, so that no "
            "unit installs it again") in (exp / "export.txt").read_text().splitlines()


def test_an_export_that_fails_once_in_place_is_taken_off_the_stick(unit, tmp_path,
                                                                    monkeypatch, capsys):
    """The stick failed as its top folder was synced, after the export folder was renamed
    into place: "nothing was written", the screen said nothing was copied and the unit
    put its config back, but a complete-looking folder stayed, its export.txt saying
    the config was installed."""
    import errno

    from feedback import export

    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(old + "[pacer]\nexhale_s = 8.0\n")
    real = export.fsync_dir

    def fsync_dir(path):
        if path == stick:
            raise OSError(errno.EIO, "Input/output error")
        real(path)

    monkeypatch.setattr(export, "fsync_dir", fsync_dir)
    assert main(["export", str(stick), "--config", str(cfg)]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert [p.name for p in stick.iterdir()] == ["ademcoach.toml"]
    assert cfg.read_text() == old
    assert json.loads((data / "last-export.json").read_text())["status"] == "failed"
    conn = sqlite3.connect(data / DB_NAME)
    assert conn.execute("SELECT count(exported_at) FROM sessions").fetchone() == (0,)
    conn.close()


def test_a_stick_config_is_checked_with_its_programme_where_it_will_be_installed(
        unit, tmp_path, capsys):
    import shutil

    from feedback.programme import SHIPPED

    data, cfg = unit
    old = cfg.read_text()
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "ademcoach.toml").write_text(
        f'[records]\ndata_dir = "{data}"\n[programme]\nname = "thuis-jan"\n')
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert f"{stick / 'ademcoach.toml'}:4: programme.name = 'thuis-jan': no such programme" in err
    assert cfg.read_text() == old
    (cfg.parent / "programs").mkdir()  # the therapist's own programme, on the unit
    shutil.copy(SHIPPED / "home.toml", cfg.parent / "programs" / "thuis-jan.toml")
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert 'name = "thuis-jan"' in cfg.read_text()


def test_a_huge_programme_file_on_the_stick_is_not_read_whole(unit, tmp_path, capsys):
    """A file of a gigabyte in the stick's programs/ named as a programme the unit has
    (home.toml) was read whole to compare it with the unit's: on a Pi a MemoryError and
    no export. Here 256 MB (sparse): the peak stays far below it."""
    data, cfg = unit
    stick = tmp_path / "stick"
    (stick / "programs").mkdir(parents=True)
    with open(stick / "programs" / "home.toml", "wb") as fh:
        fh.truncate(1 << 28)
    code, peak = _export_measured(stick, cfg)
    assert code == 0 and peak < 32 << 20, f"{peak / 2**20:.0f} MB"
    assert f"{stick / 'programs' / 'home.toml'}: not installed" in capsys.readouterr().out


def test_a_programme_on_the_stick_is_said_not_installed(unit, tmp_path, capsys):
    """A therapist's own programme beside the config on the stick, checked OK there, was
    refused as "no such programme" with no word that an export does not carry it; one
    named as a programme the unit has (an edited home.toml) was not said at all: the
    config went in and the unit ran its own home programme."""
    import shutil

    from feedback.programme import SHIPPED

    data, cfg = unit
    stick = tmp_path / "stick"
    (stick / "programs").mkdir(parents=True)
    (stick / "ademcoach.toml").write_text(
        f'[records]\ndata_dir = "{data}"\n[programme]\nname = "thuis-jan"\n')
    shutil.copy(SHIPPED / "home.toml", stick / "programs" / "thuis-jan.toml")
    assert main(["check-config", str(stick / "ademcoach.toml")]) == 0  # OK on the stick
    capsys.readouterr()
    assert main(["export", str(stick), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert (f"{stick / 'programs' / 'thuis-jan.toml'}: not installed: an export installs "
            f"only ademcoach.toml, not a programme; the unit has no programme 'thuis-jan'; "
            f"copy the file to {cfg.parent / 'programs'} on the unit") in err
    assert err.count("not installed: an export installs only") == 1  # (said once)
    # (the config's own problem says where such a programme goes on the unit)
    assert f"a programme of your own goes in {cfg.parent / 'programs' / 'thuis-jan.toml'}" in err
    (stick / "ademcoach.toml").write_text(
        f'[records]\ndata_dir = "{data}"\n[programme]\nname = "home"\n')
    (stick / "programs" / "home.toml").write_text(
        (SHIPPED / "home.toml").read_text().replace("duration_s = 300", "duration_s = 600"))
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert 'name = "home"' in cfg.read_text()  # the config is in, its programme is not:
    assert (f"{stick / 'programs' / 'home.toml'}: not installed: an export installs only "
            f"ademcoach.toml, not a programme; the unit runs its own {SHIPPED / 'home.toml'}; "
            f"copy the file to {cfg.parent / 'programs'} on the unit") in out
    assert any(f"{stick / 'programs' / 'home.toml'}: not installed" in p.read_text()
               for p in stick.glob("ademcoach-export-*/export.txt"))  # (and on the stick)
    # a programme on the stick the unit runs as it is is not said
    (stick / "programs" / "home.toml").write_bytes((SHIPPED / "home.toml").read_bytes())
    (stick / "programs" / "thuis-jan.toml").unlink()
    assert main(["export", str(stick), "--config", str(cfg)]) == 0
    assert "programs" not in capsys.readouterr().out


def test_wipe_also_erases_the_simulated_sessions_with_their_patient_code(tmp_path, capsys,
                                                                         monkeypatch):
    """They are said in the question too (it said '0 sessions', then erased them)."""
    from feedback.config import load_config
    from feedback.store import SIMULATED

    data = tmp_path / "data"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[records]\ndata_dir = "{data}"\n')
    rec = Records.from_settings(load_config(cfg), VirtualClock(1000.0), subdir=SIMULATED)
    rec.start_session("P017", "clinic", "", DAY0)
    rec.add(breath(1010.0, 2.0, 3.0))
    rec.end_session("duration")
    assert rec.close() == 0
    assert (data.stat().st_mode & 0o777, (data / SIMULATED).stat().st_mode & 0o777) == (
        0o700, 0o700)  # both made readable by their owner only
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["wipe", "--config", str(cfg)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"This erases ALL session records in {data} (0 sessions; and 1 "
                           f"simulated session in {data / SIMULATED}). Type 'yes' to go on: ")
    assert "erased 1 simulated session " in said
    assert main(["report", "--simulated", "--config", str(cfg), "--out",
                 str(tmp_path / "o")]) == 0
    assert capsys.readouterr().out.startswith("0 sessions")
    assert not list((tmp_path / "o").glob("calendar*.png"))


# --- the report in Dutch ------------------------------------------------------------


def dutch_config(tmp_path, data, language='language = "nl"\n'):
    cfg = tmp_path / "nl.toml"
    cfg.write_text(f'[patient]\n{language}[records]\ndata_dir = "{data}"\n')
    return cfg


@pytest.mark.parametrize("language", ['language = "nl"\n', ""])  # Dutch is the default
def test_the_summary_is_dutch_on_a_dutch_unit_and_the_csv_stays_english(
        unit, tmp_path, monkeypatch, language):
    import datetime as dt

    data, _ = unit
    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2025, 10, 12))
    out = tmp_path / "out"
    assert main(["report", "--config", str(dutch_config(tmp_path, data, language)),
                 "--out", str(out)]) == 0
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert summary.startswith("Ademcoach-rapport\n\nMinuten zijn geoefende minuten")
    assert "Patiënt AB12: 2025-10-09 t/m 2025-10-12 (laatste sessie 1 dag geleden)\n" in summary
    assert "  Sessies: 3 (1 onderbroken)\n" in summary
    assert ("  Geoefend: 11,0 min op 2 van 4 dagen; thuisdoel 5 min per dag gehaald op "
            "2 dagen\n") in summary
    assert ("  Verhouding uitademing:inademing: 1,25 in de eerste sessie, 2,00 in de laatste "
            "(doel 1,50): voorbij het doel, nu erboven\n") in summary
    assert "  Adem ingehouden: 1x (Buikademhaling 1x, langste 6,0 s)\n" in summary
    # the cues as the Dutch screen says them, and only so
    assert ("  Aanwijzingen (correcties, op het scherm 'tips'): "
            '"Blijf ademen!" 1x, "Adem langer uit" 1x\n' in summary)
    assert "(Buikademhaling 1,00->1,20, Lange uitademing 1,30->1,40)" in summary
    assert " onderbroken\n" in summary and "Keep breathing" not in summary
    for english in ("Practice", "Sessions", "toward", "ratio", "interrupted", "none"):
        assert english not in summary, english
    # the CSV files are data: English words, decimal points
    (one, *_) = read_csv(out / "sessions.csv")
    assert (one["minutes"], one["ratio"], one["holds_by_exercise"]) == (
        "6.0", "1.25", "Buikademhaling 1, longest 6.0 s")
    assert one["ratio_trend"].startswith("Buikademhaling: toward the target")
    assert [d["target_met"] for d in read_csv(out / "days.csv")] == ["yes", "no", "yes", "no"]


def test_lang_en_overrides_a_dutch_config(unit, tmp_path):
    data, _ = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(dutch_config(tmp_path, data)), "--out", str(out),
                 "--lang", "en"]) == 0
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert "Practice: 11.0 min on 2 of 3 days" in summary
    assert "Geoefend" not in summary and "Blijf ademen" not in summary


def test_lang_nl_with_no_sessions(tmp_path):
    out = tmp_path / "o"
    assert main(["report", "--config", str(dutch_config(tmp_path, tmp_path / "none")),
                 "--out", str(out)]) == 0
    assert (out / "summary.txt").read_text(encoding="utf-8") == (
        "Ademcoach-rapport\n\nGeen sessies vastgelegd in deze periode.\n")


def test_a_bad_lang_is_one_line_and_exit_2(unit, tmp_path, capsys):
    data, cfg = unit
    with pytest.raises(SystemExit) as e:
        main(["report", "--config", str(cfg), "--out", str(tmp_path / "o"), "--lang", "de"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--lang" in err and "'de'" in err, err
    assert not (tmp_path / "o").exists()


def _inside_and_apart(path, texts):
    area = pygame.Rect((0, 0), pygame.image.load(str(path)).get_size())
    rects = [r for _, r in texts]
    assert all(area.contains(r) for r in rects), texts
    return rects


def test_the_session_chart_speaks_dutch(unit, tmp_path):
    import re

    from feedback import report_charts

    data, _ = unit
    one, _, third = report_sessions(data, "nl")
    for s in (one, third):
        path = tmp_path / f"s{s.id}.png"
        report_charts.session_chart(s, path, "nl")
        said = [t for t, _ in report_charts.drawn]
        assert said[0] == f"Sessie {s.id}  {s.start_local:%Y-%m-%d %H:%M}  " \
                          f"{s.minutes:.1f} min  patiënt AB12  Thuis".replace(".", ",")
        assert {"ademhalingen per minuut", "minuten", "uit:in per ademhaling", "doel",
                "adem/min", "adem ingehouden", "aanwijzing", "storing"} <= set(said)
        assert not [t for t in said if re.search(r"\d\.\d", t)], said  # decimal commas
        rects = _inside_and_apart(path, report_charts.drawn)
        assert not any(a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert "uitademing : inademing  (doel 1,50)" in said
    assert "onderbroken" in said  # the third session was cut off by a power cut


def test_the_chart_gives_each_exercise_s_target_in_order_apart_in_dutch(unit, tmp_path):
    """"(doel 2,33, 4,14)": with the decimal comma the list read as one number or three,
    and it was sorted, not in the exercises' order."""
    from feedback import report_charts

    data, _ = unit
    one = report_sessions(data, "nl")[0]
    assert [e.paced for e in one.exercises] == [True, True]
    one.exercises[0].ratio_target, one.exercises[1].ratio_target = 2.5, 1.75
    report_charts.session_chart(one, tmp_path / "targets.png", "nl")
    assert "uitademing : inademing  (doel 2,50; 1,75)" in [t for t, _ in report_charts.drawn]


def test_a_long_chart_title_is_made_to_fit(unit, tmp_path):
    """A 16-letter patient code, a long programme name and an interrupted session: the
    title is drawn smaller, inside the chart and clear of the "interrupted" label."""
    from feedback import report_charts

    data, _ = unit
    s = report_sessions(data, "nl")[2]  # interrupted
    s.patient, s.programme, s.id = "ABCDEFGHIJKLMNOP", "clinic", 12345
    path = tmp_path / "long.png"
    report_charts.session_chart(s, path, "nl")
    title, cut = report_charts.drawn[0], report_charts.drawn[1]
    assert title[0].endswith("patiënt ABCDEFGHIJKLMNOP  Behandelkamer")
    assert cut[0] == "onderbroken"
    assert title[1].left >= 0 and title[1].right < cut[1].left <= cut[1].right <= 800


def test_the_calendar_speaks_dutch(tmp_path):
    import datetime as dt

    from feedback import report_charts

    first = dt.date(2025, 10, 9)
    days = [{"date": (first + dt.timedelta(days=d)).isoformat(), "minutes": 3.0 * (d % 3),
             "target_minutes": 7.5, "target_met": "no"} for d in range(30)]
    path = tmp_path / "cal.png"
    rects = calendar_chart("AB12", days, path, "nl")
    said = [t for t, _ in report_charts.drawn]
    assert said[:2] == ["Oefenkalender, patiënt AB12",
                        "Thuisdoel 7,5 min per dag gehaald op 0 van 30 dagen "
                        "(9 okt t/m 7 nov 2025)"]
    assert {"Oktober 2025", "November 2025", "ma", "zo", "7,5 min of meer", "korter geoefend",
            "niet geoefend", "getal = minuten geoefend"} <= set(said)
    assert not {"Mo", "October 2025", "some practice"} & set(said)
    _inside_and_apart(path, report_charts.drawn)
    calendar_chart("AB12", days, tmp_path / "cal-en.png", "en")  # (in words, not ">= 7.5")
    assert "7.5 min or more" in {t for t, _ in report_charts.drawn}
    _inside_and_apart(tmp_path / "cal-en.png", report_charts.drawn)
    assert len(rects) == 6 and not any(
        a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_a_schema_1_database_reads_without_migrating(tmp_path):
    """The start screen reads today's minutes read-only, before the writer migrates; a
    hold recorded then counts (no column marks a belt not worn there)."""
    from feedback.sessions import load_sessions
    from feedback.store import migrate

    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, upto=1)
    conn.execute("INSERT INTO sessions (patient_code, programme, started_at, ended_at, "
                 "config) VALUES ('OLD1', 'home', ?, ?, '')", (DAY0, DAY0 + 300))
    conn.execute("INSERT INTO breaths (session_id, at, inhale_s, exhale_s) VALUES (1, 9, 2, 4)")
    conn.execute("INSERT INTO holds (session_id, at, t, end_t) VALUES (1, 24, 20, 30)")
    conn.close()
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (s,) = load_sessions(ro)
    finally:
        ro.close()
    assert s.patient == "OLD1" and s.minutes == pytest.approx(5.0)
    assert [round(b - a, 1) for a, b in s.holds] == [10.0]


def test_the_calendar_and_the_summary_agree_on_a_day_just_under_the_target(tmp_path):
    from feedback import report_charts

    # 4.995 min against a 5 min target: not met (days.csv, summary.txt), though the CSV
    # shows the minutes rounded to 5.0; the calendar must not count it as met
    days = [{"patient": "P1", "date": "2026-03-02", "minutes": "5.0", "target_minutes": "5",
             "target_met": "no", "sessions": 1}]
    calendar_chart("P1", days, tmp_path / "cal.png", "en")
    texts = [t for t, *_ in report_charts.drawn]
    assert any("met on 0 of 1 day" in t for t in texts), texts


def test_the_report_says_every_text_in_both_languages():
    from feedback.report_words import TEXTS

    assert set(TEXTS["nl"]) == set(TEXTS["en"])
    assert all(TEXTS["nl"][k] and TEXTS["en"][k] for k in TEXTS["en"])


def test_belly_share_and_paradoxical_breathing_are_reported_with_two_belts(tmp_path,
                                                                           monkeypatch):
    import datetime as dt

    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2025, 10, 12))
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        # day 0: one belt (no shares); day 1: chest breathing; day 2: belly breathing
        for day, shares in enumerate([None, [0.3, 0.35, 0.4, 0.3], [0.6, 0.7, 0.65, 0.7]]):
            rec.start_session("AB12", "home", "", DAY0 + day * 86400)
            rec.add(ev.Exercise(clock.now(), "Buikademhaling", "start"))
            for k, share in enumerate(shares or [None] * 4):
                clock.advance(6.0)
                rec.add(ev.Breath(clock.now(), start=clock.now() - 6, peak=clock.now() - 4,
                                  end=clock.now(), inhale_s=2.0, exhale_s=4.0, rate_bpm=10.0,
                                  belly_share=share,
                                  paradoxical=None if share is None else (day == 1 and k == 0)))
            rec.end_session("stopped")
    out = tmp_path / "out"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{data}"\n')
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    sessions = read_csv(out / "sessions.csv")
    assert [(r["belly_pct"], r["paradoxical_pct"]) for r in sessions] == [
        ("", ""), ("32", "25"), ("68", "0")]
    exercises = read_csv(out / "exercises.csv")
    assert [r["belly_pct"] for r in exercises] == ["", "32", "68"]
    summary = (out / "summary.txt").read_text()
    assert "Belly share of each breath (two belts; 50% = as much as the chest): 32% in the " \
           "first session, 68% in the last" in summary
    assert "against each other in 12% of the breaths" in summary  # 1 of 8
    nl = tmp_path / "nl"
    assert main(["report", "--config", str(cfg), "--out", str(nl), "--lang", "nl"]) == 0
    assert "Buikaandeel van elke ademhaling" in (nl / "summary.txt").read_text()


def test_the_summary_gives_the_belly_share_per_exercise(tmp_path, monkeypatch):
    """Step 1 of the therapy analyses the breathing: a session's median belly share mixes
    the calibration, the belly exercise and the ribs exercise (which asks for the chest).
    The summary gives each exercise's, in the first and the last session."""
    import datetime as dt

    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2025, 10, 12))
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    plan = [[("Kalibratie", 0.2), ("Buikademhaling", 0.3)],
            [("Kalibratie", 0.25), ("Buikademhaling", 0.65), ("Ribben", 0.2)]]
    with Records(data, clock=clock) as rec:
        for day, exercises in enumerate(plan):
            rec.start_session("AB12", "home", "", DAY0 + day * 86400)
            for name, share in exercises:
                rec.add(ev.Exercise(clock.now(), name, "start"))
                for _ in range(3):
                    clock.advance(6.0)
                    rec.add(ev.Breath(clock.now(), start=clock.now() - 6,
                                      peak=clock.now() - 4, end=clock.now(), inhale_s=2.0,
                                      exhale_s=4.0, rate_bpm=10.0, belly_share=share,
                                      paradoxical=False))
                rec.add(ev.Exercise(clock.now(), name, "end"))
            rec.end_session("stopped")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[patient]\nlanguage = "en"\n[records]\ndata_dir = "{data}"\n')
    out, nl = tmp_path / "out", tmp_path / "nl"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    assert ("  by exercise, first session -> last: Kalibratie 20% -> 25%, Buikademhaling "
            "30% -> 65%, Ribben - -> 20%\n") in (out / "summary.txt").read_text()
    assert main(["report", "--config", str(cfg), "--out", str(nl), "--lang", "nl"]) == 0
    assert "  per oefening, eerste sessie -> laatste: Kalibratie 20% -> 25%," in (
        nl / "summary.txt").read_text()


def test_one_belt_reports_no_belly_share(unit, tmp_path):
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    assert "Belly share" not in (out / "summary.txt").read_text()
    assert {r["belly_pct"] for r in read_csv(out / "sessions.csv")} == {""}


def test_the_calibration_is_no_practice_and_english_names_are_recorded(sim_config, tmp_path):
    """The unit counts practice without the calibration; the report (and the start
    screen after a restart, which reads it) must count the same. With --lang en the
    exercises have their English names, which the records now keep."""
    from feedback.reload import load_all
    from feedback.run import open_session

    settings, programme = load_all(sim_config)
    with open_session(settings, programme, sim_config, sim="holds", clock=VirtualClock(),
                      duration=90, status=False) as s:
        s.run()
        practised = s.coach.practised_min()
        calibration = s.coach.stats[0].active_s / 60.0
    assert calibration > 0.2
    out = tmp_path / "out"
    assert main(["report", "--simulated", "--lang", "en", "--config", str(sim_config),
                 "--out", str(out)]) == 0
    (session,) = read_csv(out / "sessions.csv")
    # rounded down to a tenth, as the unit's screen shows it
    assert practised - 0.1 < float(session["minutes"]) <= practised + 1e-9
    names = [r["name"] for r in read_csv(out / "exercises.csv")]
    assert names == [ex.name_en for ex in programme.exercises[:len(names)]]
    assert names[0] == "Calibration"
    # the holds by exercise too (the summary's line and the sessions.csv column)
    assert session["holds_by_exercise"].startswith(names[1] + " 1,")
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    assert f"Breath-holds: 1 ({names[1]} 1," in summary
    assert programme.exercises[1].name_nl not in summary


def test_the_csv_files_are_the_same_in_either_language(sim_config, tmp_path):
    """The CSV files are data for a spreadsheet: English names and words whatever
    ``--lang`` the summary and charts are in (a Dutch report mixed Dutch exercise names
    into English phrases there)."""
    from feedback.reload import load_all
    from feedback.run import open_session

    settings, programme = load_all(sim_config)
    with open_session(settings, programme, sim_config, sim="holds", clock=VirtualClock(),
                      duration=200, status=False) as s:
        s.run()
    outs = {}
    for lang in ("nl", "en"):
        outs[lang] = tmp_path / lang
        assert main(["report", "--simulated", "--lang", lang, "--config", str(sim_config),
                     "--out", str(outs[lang])]) == 0
    for name in ("sessions.csv", "exercises.csv", "days.csv"):
        assert (outs["nl"] / name).read_bytes() == (outs["en"] / name).read_bytes(), name
    (session,) = read_csv(outs["nl"] / "sessions.csv")
    names = [r["name"] for r in read_csv(outs["nl"] / "exercises.csv")]
    assert names == [ex.name_en for ex in programme.exercises[:len(names)]]
    assert session["ratio_trend"] and session["holds_by_exercise"]
    dutch = [ex.name_nl for ex in programme.exercises]
    assert not any(n in session["ratio_trend"] + session["holds_by_exercise"] for n in dutch)
    assert (outs["nl"] / "summary.txt").read_text(encoding="utf-8") != (
        outs["en"] / "summary.txt").read_text(encoding="utf-8")


# --- minutes, targets, thresholds, faults and file names as they were ----------------


def test_the_calendar_rounds_minutes_down_as_the_unit_screen_does(tmp_path):
    """A day 4.6 (or 4.96) minutes short of 5 showed "5" in an amber cell, while the
    legend said green is "5 min of meer"; the unit's screen says "4,6 van 5"."""
    from feedback import report_charts

    days = [{"date": "2026-03-02", "minutes": "4.6", "target_minutes": "5.0",
             "target_met": "no"},
            {"date": "2026-03-03", "minutes": 4.96, "target_minutes": "5.0",
             "target_met": "no"},
            {"date": "2026-03-04", "minutes": "12.0", "target_minutes": "5.0",
             "target_met": "yes"}]
    calendar_chart("P042", days, tmp_path / "cal.png", "nl")
    said = [t for t, _ in report_charts.drawn]
    assert {"4,6", "4,9", "12"} <= set(said)
    assert not {"5,0", "12,0"} & set(said)
    assert said.count("5") == 1  # the 5th of March: no minutes read as the target
    calendar_chart("P042", days, tmp_path / "cal-en.png", "en")
    assert {"4.6", "4.9", "12"} <= {t for t, _ in report_charts.drawn}


def _belly_minute(rec) -> None:
    """A session of patient P1 begins with a minute of the belly exercise: six breaths."""
    rec.start_session("P1", "home", "", DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing", pacer="off"))
    for k in range(6):
        rec.add(breath(10.0 + 10 * k, 4.0, 6.0))


def test_a_belt_laid_down_is_no_hold_and_its_warning_no_cue_in_the_report(tmp_path,
                                                                            monkeypatch):
    """A belt laid on the table: a minute of stillness is a hold, warned, then taken for a
    belt not worn (``hold_end`` with ``not_worn``). The hold was left out of the report's
    counts, but its "Blijf ademen!" stayed among the cues (the corrections), also on the
    unit's summary. A real hold's warning stays one."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        _belly_minute(rec)
        rec.add(ev.Hold(78.0, t=70.0))            # a real one, warned ...
        rec.add(ev.Cue(78.0, "breathe_on"))
        rec.add(ev.HoldEnd(82.0, t=81.0))         # ... and breathing again
        rec.add(ev.Hold(98.0, t=90.0))            # the belt laid down, warned ...
        rec.add(ev.Cue(98.0, "breathe_on"))
        rec.add(ev.Cue(99.0, "longer_exhale"))
        rec.add(ev.HoldEnd(150.0, t=150.0, not_worn=True))  # ... and found not worn
        rec.add(ev.Exercise(200.0, "Buikademhaling", "end", active_s=90.0))
        clock.advance(200.0)
        rec.end_session("programme finished")
    (one,) = report_sessions(data)
    assert one.holds == [(70.0, 81.0)]
    assert one.corrections == [(78.0, "breathe_on"), (99.0, "longer_exhale")]
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    (s,) = read_csv(out / "sessions.csv")
    assert (s["holds"], s["cues"], s["cue_kinds"]) == ("1", "2", "breathe_on:1 longer_exhale:1")


def test_a_belt_laid_down_warned_late_is_no_cue_in_the_report_either(tmp_path, monkeypatch):
    """A hold found while the other belt was out is warned only as that belt comes back,
    after the hold began: its "Blijf ademen!" is the laid-down belt's all the same, up to
    the hold's end, and no correction. One said after the hold ended stays one."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        _belly_minute(rec)
        rec.add(ev.Hold(98.0, t=90.0))            # the belt laid down ...
        rec.add(ev.Cue(120.0, "breathe_on"))      # ... warned as the other belt came back
        rec.add(ev.HoldEnd(150.0, t=150.0, not_worn=True))  # ... and found not worn
        rec.add(ev.Cue(160.0, "breathe_on"))      # (a hold after it, unrecorded here)
        rec.add(ev.Exercise(200.0, "Buikademhaling", "end", active_s=90.0))
        clock.advance(200.0)
        rec.end_session("programme finished")
    (one,) = report_sessions(data)
    assert one.holds == []
    assert one.corrections == [(160.0, "breathe_on")]


def report_sessions(data, lang="en"):
    from feedback.sessions import load_sessions
    from feedback.store import connect

    conn = connect(data / DB_NAME, create=False)
    try:
        return load_sessions(conn, lang=lang)
    finally:
        conn.close()


def test_the_report_rounds_practised_minutes_down_and_judges_the_target_unrounded(
        tmp_path, monkeypatch):
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        for day, seconds in enumerate([297.6, 300.0, 303.0]):  # 4.96, 5.0 and 5.05 min
            rec.start_session("P042", "home", "", DAY0 + day * 86400)
            rec.add(breath(clock.now() + 10, 2.0, 3.0))
            clock.advance(seconds)
            rec.end_session("stopped")
    out = report(tmp_path, monkeypatch, data, "2025-10-11")
    assert [(d["minutes"], d["target_met"]) for d in read_csv(out / "days.csv")] == [
        ("4.9", "no"), ("5.0", "yes"), ("5.0", "yes")]
    # the session's own numbers agree: sessions.csv, the summary and the chart's title
    assert [r["minutes"] for r in read_csv(out / "sessions.csv")] == ["4.9", "5.0", "5.0"]
    summary = (out / "summary.txt").read_text()
    assert "Practice: 15.0 min on 3 of 3 days;" in summary  # 15.01
    assert "  #1    2025-10-09 12:00   4.9 min " in summary
    from feedback import report_charts
    report_charts.session_chart(report_sessions(data)[0], tmp_path / "s1.png")
    assert "  4.9 min  " in report_charts.drawn[0][0]


def test_days_met_under_an_earlier_target_are_not_credited_to_the_new_one(tmp_path,
                                                                       monkeypatch):
    """The therapist raised daily_minutes from 5 to 10 during the loan: the summary said
    "home target 10 min/day met on 6 days" though those days met only the old 5."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        for day in range(8):  # 6 minutes a day: 6 days under 5 min, then 2 under 10 min
            daily = 5.0 if day < 6 else 10.0
            rec.start_session("P042", "home", f"[patient]\ndaily_minutes = {daily}\n",
                              DAY0 + day * 86400)
            rec.add(breath(clock.now() + 10, 2.0, 3.0))
            clock.advance(360.0)
            rec.end_session("stopped")
    out = report(tmp_path, monkeypatch, data, "2025-10-17")  # the 9th day, no practice
    summary = (out / "summary.txt").read_text()
    assert "10 min/day met on" not in summary
    assert ("  Practice: 48.0 min on 8 of 9 days; the home target changed in this period, "
            "each day is judged by its own:\n"
            "    5 min/day from 2025-10-09 to 2025-10-14: met on 6 of 6 days\n"
            "    10 min/day from 2025-10-15 to 2025-10-17: met on 0 of 3 days\n") in summary
    assert main(["report", "--config", str(tmp_path / "r.toml"), "--out", str(out),
                 "--lang", "nl"]) == 0
    assert ("    5 min per dag van 2025-10-09 t/m 2025-10-14: gehaald op 6 van 6 dagen\n"
            "    10 min per dag van 2025-10-15 t/m 2025-10-17: gehaald op 0 van 3 dagen\n"
            ) in (out / "summary.txt").read_text()


def test_an_unchanged_target_keeps_its_one_line(unit, tmp_path):
    data, cfg = unit
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    summary = (out / "summary.txt").read_text()
    assert "changed" not in summary
    assert "  Practice: 11.0 min on 2 of 3 days; home target 5 min/day met on 2 days\n" in summary


def home_session(data, code="P042", config="", wall=DAY0, programme="home",
                 exercises=(("Kalibratie", "calibration"), ("Buikademhaling", "breathing"),
                            ("Blijf ademen tijdens bewegen", "movement"))):
    """A session of the home programme: a minute of each exercise, a breath in each."""
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session(code, programme, config, wall)
        for name, kind in exercises:
            rec.add(ev.Exercise(clock.now(), name, "start", kind=kind, pacer="off"))
            rec.add(breath(clock.now() + 10, 2.0, 3.0))
            clock.advance(60.0)
            rec.add(ev.Exercise(clock.now(), name, "end", active_s=60.0))
        rec.end_session("stopped")


def test_the_note_quotes_the_hold_thresholds_of_the_programme_done(tmp_path, monkeypatch):
    """It quoted the clinic programme's 8 s lying, 4 s moving, 3 s lifting to a patient
    who only did the home programme (and lifted nothing)."""
    home_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert ("Hold thresholds (hold_after_s), as the sessions' programmes set them:\n"
            "  Home: Belly breathing 8 s, Keep breathing while moving 4 s\n\n") in summary
    assert "3 s" not in summary and "lifting" not in summary and "Calibration" not in summary
    clinic_session(tmp_path / "data", wall=DAY0 + 3600)  # EF56 at the clinic, same day
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert ("  Home: Belly breathing 8 s, Keep breathing while moving 4 s\n"
            "  Clinic: Belly breathing, lying down 8 s, Breathing while moving 4 s\n"
            ) in summary
    assert "3 s" not in summary  # nobody lifted
    nl = tmp_path / "nl"
    assert main(["report", "--config", str(tmp_path / "r.toml"), "--out", str(nl),
                 "--lang", "nl"]) == 0
    assert ("Drempels voor 'adem ingehouden' (hold_after_s), zoals de programma's ze "
            "instellen:\n  Thuis: Buikademhaling 8 s, Blijf ademen tijdens bewegen 4 s\n"
            "  Behandelkamer: Buikademhaling liggend 8 s, Ademen tijdens bewegen 4 s\n"
            ) in (nl / "summary.txt").read_text()


def test_the_note_says_movement_can_be_counted_as_holds_and_breaths_too(tmp_path, monkeypatch):
    """The note said only that a hold during squats or bending may be missed. The other
    way round is as common: a simulated patient breathing well at 12/min, lifting every
    8-10 s with 2-3 cm of belt movement, read 4-5 holds in 4 minutes of the lifting
    exercise, and each slow lift merged with a breath (24 breaths counted of 46), so the
    therapist read a patient who braces, at half the breaths/min."""
    home_session(tmp_path / "data")
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    text = " ".join((out / "summary.txt").read_text().split())
    assert "0 holds in a movement exercise does not prove the breath was never held" in text
    assert ("The other way round, slow squats or lifts with calm breathing between them can "
            "be counted as holds, and a movement as a breath: in a movement or load "
            "exercise a hold counted does not prove the breath was held either, and its "
            "breaths per minute can be off.") in text
    nl = tmp_path / "nl"
    assert main(["report", "--config", str(tmp_path / "r.toml"), "--out", str(nl),
                 "--lang", "nl"]) == 0
    dutch = " ".join((nl / "summary.txt").read_text(encoding="utf-8").split())
    assert ("Omgekeerd kunnen langzame kniebuigingen of tilbewegingen met rustig ademen "
            "ertussen als inhouden worden geteld, en een beweging als een ademhaling: bij een "
            "bewegings- of tiloefening bewijst ook een getelde keer adem inhouden niet dat de "
            "adem werd ingehouden, en de ademhalingen per minuut kunnen ernaast zitten."
            ) in dutch


def test_the_hold_threshold_of_an_own_programme_and_of_the_config(tmp_path, monkeypatch):
    """A programme next to the config; an exercise without its own threshold has the
    config's analysis.hold_after_s as stored with the session. A programme that is not
    found is not guessed at."""
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "eigen.toml").write_text(
        '[programme]\nname_nl = "Eigen"\nname_en = "Own"\n'
        '[[exercise]]\nid = "a"\nname_nl = "Zitten"\nname_en = "Sitting"\nduration_s = 60\n'
        'hold_after_s = 6.0\n'
        '[[exercise]]\nid = "b"\nname_nl = "Staan"\nname_en = "Standing"\nduration_s = 60\n')
    data = tmp_path / "data"
    home_session(data, config="[analysis]\nhold_after_s = 5.0\n", programme="eigen",
                 exercises=(("Zitten", "breathing"), ("Staan", "breathing")))
    out = report(tmp_path, monkeypatch, data, "2025-10-09")  # its config is in tmp_path
    assert "  Own: Sitting 6 s, Standing 5 s\n" in (out / "summary.txt").read_text()
    (tmp_path / "programs" / "eigen.toml").unlink()
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    assert "Hold thresholds" not in (out / "summary.txt").read_text()


def test_exercises_that_record_holds_without_warning_are_listed_as_such(tmp_path,
                                                                        monkeypatch):
    """An exercise with ``cues = []`` was listed with its threshold as if warned, one with
    ``hold_warnings = false`` left out, though both record and count holds."""
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "eigen.toml").write_text(
        '[programme]\nname_nl = "Eigen"\nname_en = "Own"\n'
        '[[exercise]]\nid = "a"\nname_nl = "Traplopen"\nname_en = "Stairs"\nduration_s = 60\n'
        'hold_after_s = 2.0\ncues = []\n'
        '[[exercise]]\nid = "b"\nname_nl = "Wandelen"\nname_en = "Walking"\nduration_s = 60\n'
        'hold_warnings = false\n'
        '[[exercise]]\nid = "c"\nname_nl = "Tillen"\nname_en = "Lifting"\nduration_s = 60\n'
        'hold_after_s = 3.0\n')
    data = tmp_path / "data"
    home_session(data, programme="eigen", exercises=(
        ("Traplopen", "movement"), ("Wandelen", "movement"), ("Tillen", "load")))
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    assert ("  Own: Stairs (not warned) 2 s (4 s after a breath out), Walking (not warned) "
            "4 s, Lifting 3 s (4 s after a breath out)\n" in (out / "summary.txt").read_text())
    # the config's own switch, as stored with the session, turned every warning off
    off = tmp_path / "off"
    home_session(off, config="[cues]\nbreathe_on = false\n", programme="eigen",
                 exercises=(("Tillen", "load"),))
    out = report(tmp_path, monkeypatch, off, "2025-10-09")
    assert ("  Own: Lifting (not warned) 3 s (4 s after a breath out)\n"
            in (out / "summary.txt").read_text())


def test_each_session_line_names_its_patient_when_the_report_has_several(tmp_path,
                                                                        monkeypatch):
    """Two codes in one report: the #1 and #2 lines looked the same."""
    import re

    data = tmp_path / "data"
    home_session(data, "P042")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert re.search(r"^  #1    2025-10-09 12:00 ", summary, re.M)  # one code: as it was
    assert "Per session: date start" in summary
    home_session(data, "Q7", wall=DAY0 + 3600)
    home_session(data, "", wall=DAY0 + 7200)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    lines = (out / "summary.txt").read_text().splitlines()
    rows = [line for line in lines if line.startswith("  #")]
    assert [row[:27] for row in rows] == ["  #1    P042      2025-10-0",
                                          "  #2    Q7        2025-10-0",
                                          "  #3    (no code) 2025-10-0"]
    assert "Per session: patient date start" in lines[lines.index(rows[0]) - 1]


def test_each_session_line_says_its_faults(tmp_path, monkeypatch):
    """A session with the belt unplugged all along read like any other; the fault, never
    cleared, was also drawn 0 s long on its chart."""

    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("P042", "home", "", DAY0)  # unplugged from start to end
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing"))
        rec.add(ev.Fault(0.02, kind="disconnected", belt="belly"))
        clock.advance(400.0)
        rec.end_session("duration")
        rec.start_session("P042", "home", "", DAY0 + 3600)  # 12 s, and the LEDs at once
        rec.add(breath(clock.now() + 5, 2.0, 3.0))
        rec.add(ev.Fault(clock.now() + 30, kind="disconnected", belt="belly"))
        rec.add(ev.FaultEnd(clock.now() + 42, kind="disconnected", belt="belly"))
        rec.add(ev.Fault(clock.now() + 50, kind="led"))
        rec.add(ev.FaultEnd(clock.now() + 50, kind="led"))
        clock.advance(300.0)
        rec.end_session("stopped")
        rec.start_session("P042", "home", "", DAY0 + 7200)  # no faults
        clock.advance(120.0)
        rec.end_session("stopped")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    rows = [line for line in (out / "summary.txt").read_text().splitlines()
            if line.startswith("  #")]
    assert rows[0].endswith(" praise 0 faults: belt unplugged 1x (whole session)")
    assert rows[1].endswith(" praise 0 faults: belt unplugged 1x (12 s), LED ring 1x")
    assert rows[2].endswith(" praise 0")
    # the period's line counts them as the rows do ("disconnected 2", beside "1x" rows)
    assert "  Faults: belt unplugged 2x, LED ring 1x\n" in (out / "summary.txt").read_text()
    csv_rows = read_csv(out / "sessions.csv")
    assert [(r["faults"], r["fault_kinds"]) for r in csv_rows] == [
        ("1", "disconnected:1"), ("2", "disconnected:1 led:1"), ("0", "")]
    first = report_sessions(data, "nl")[0]
    assert first.faults == [(pytest.approx(0.02), pytest.approx(400.0), "disconnected", "")]
    nl = tmp_path / "nl"
    assert main(["report", "--config", str(tmp_path / "r.toml"), "--out", str(nl),
                 "--lang", "nl"]) == 0
    assert " storingen: band losgekoppeld 1x (hele sessie)\n" in (nl / "summary.txt").read_text()



def test_the_english_report_names_faults_in_words_as_the_dutch_does():
    """The Dutch summary says "band losgekoppeld", "band te strak of te los", as the
    screen does; the English said the event codes ("disconnected", "saturated", "flat",
    "i2c", "led"). It says the English screen's words now."""
    from feedback import i18n, report_words
    from feedback.events import FAULT_KINDS

    for kind in FAULT_KINDS:
        en = report_words.say(f"fault.{kind}", "en")
        assert en != kind or kind == "storage", kind
        assert report_words.say(f"fault.{kind}", "nl") != en
    for kind in ("disconnected", "saturated", "flat", "noisy", "i2c"):
        assert report_words.say(f"fault.{kind}", "en") == i18n.text(f"sensor.{kind}", "en")


def test_a_belt_out_for_hours_of_a_session_is_not_said_as_the_whole_session(tmp_path,
                                                                          monkeypatch):
    """The patient took the belt off 3 minutes into a session and put it back on 4 hours
    later, then finished it: 7 minutes practised, yet the fault read "(whole session)",
    as it covered 97 % of the session's span."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("P042", "home", "", DAY0)
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing"))
        rec.add(breath(60.0, 4.0, 7.0))
        rec.add(ev.Fault(180.0, kind="disconnected", belt="belly"))
        rec.add(ev.FaultEnd(180.0 + 14400.0, kind="disconnected", belt="belly"))
        rec.add(breath(180.0 + 14400.0 + 60.0, 4.0, 7.0))
        clock.advance(180.0 + 14400.0 + 270.0)
        rec.add(ev.Exercise(clock.now(), "Buikademhaling", "end", active_s=450.0))
        rec.end_session("programme finished")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    (row,) = [line for line in (out / "summary.txt").read_text().splitlines()
              if line.startswith("  #")]
    assert row.endswith(" faults: belt unplugged 1x (240.0 min)"), row


def test_the_calendar_without_a_code_cannot_overwrite_a_real_codes(tmp_path, monkeypatch):
    """No code gave calendar-none.png, which the code "none" (a valid one) overwrote."""
    from feedback import report_charts

    data = tmp_path / "data"
    home_session(data, "")
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.txt").write_text("an earlier report\n")
    (out / "calendar-none.png").write_bytes(b"its calendar without a code")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    assert sorted(p.name for p in out.glob("*.png")) == ["calendar.png", "session-00001.png"]
    home_session(data, "none", wall=DAY0 + 3600)
    titles = {}
    drawn = report_charts.calendar_chart

    def calendar(code, days, path, *args):
        rects = drawn(code, days, path, *args)
        titles[path.name] = report_charts.drawn[0][0]
        return rects

    monkeypatch.setattr(report_charts, "calendar_chart", calendar)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    assert titles == {"calendar.png": "Practice calendar, patient (no code)",
                      "calendar-none.png": "Practice calendar, patient none"}
    assert {"calendar.png", "calendar-none.png"} <= {p.name for p in out.glob("*.png")}


def test_the_hold_thresholds_are_those_kept_with_the_session(tmp_path, monkeypatch):
    """A session records the programme in force with its config: the note quotes that,
    not the programme file as edited since, nor nothing when the file is gone."""
    from feedback.config import load_config
    from feedback.reload import config_record

    (tmp_path / "programs").mkdir()
    prog = tmp_path / "programs" / "eigen.toml"
    prog.write_text('[programme]\nname_nl = "Eigen"\nname_en = "Own"\n'
                    '[[exercise]]\nid = "a"\nname_nl = "Zitten"\nname_en = "Sitting"\n'
                    'duration_s = 60\nhold_after_s = 6.0\n')
    cfg = tmp_path / "unit.toml"
    cfg.write_text('[programme]\nname = "eigen"\n')
    kept = config_record(cfg, load_config(cfg))
    home_session(tmp_path / "data", config=kept, programme="eigen",
                 exercises=(("Zitten", "breathing"),))
    prog.write_text(prog.read_text().replace("hold_after_s = 6.0", "hold_after_s = 9.0"))
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    assert "  Own: Sitting 6 s\n" in (out / "summary.txt").read_text()
    prog.unlink()
    out = report(tmp_path, monkeypatch, tmp_path / "data", "2025-10-09")
    assert "  Own: Sitting 6 s\n" in (out / "summary.txt").read_text()
    # under the analysis's floor for a rest after a breath out, the floor is said too
    prog.write_text('[programme]\nname_nl = "Eigen"\nname_en = "Own"\n'
                    '[[exercise]]\nid = "a"\nname_nl = "Zitten"\nname_en = "Sitting"\n'
                    'duration_s = 60\nhold_after_s = 3.0\n')
    home_session(tmp_path / "data2", config=config_record(cfg, load_config(cfg)),
                 programme="eigen", exercises=(("Zitten", "breathing"),))
    out = report(tmp_path, monkeypatch, tmp_path / "data2", "2025-10-09")
    assert "  Own: Sitting 3 s (4 s after a breath out)\n" in (out / "summary.txt").read_text()


def belt_session(data, belts, faults, ended=True):
    """A 300 s session of one exercise with these belts (None: the one belly belt) and
    these ``faults`` (start, end, belt) of a disconnected belt; ``ended=False``: no
    exercise end, as after a power cut."""
    clock = VirtualClock(0.0)
    config = f"[sensor]\nbelts = {belts}\nchannels = [\"A0\", \"A1\"]\n" if belts else ""
    rec = Records(data, clock=clock)
    rec.start_session("GH78", "home", config, DAY0)
    rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing", pacer="off"))
    for t0, t1, belt in faults:
        rec.add(ev.Fault(t0, kind="disconnected", belt=belt))
        rec.add(ev.FaultEnd(t1, kind="disconnected", belt=belt))
    rec.add(breath(299.0, 2.0, 3.0))
    if ended:
        rec.add(ev.Exercise(300.0, "Buikademhaling", "end", active_s=300.0))
    clock.advance(300.0)
    rec.end_session("programme finished" if ended else "")
    assert rec.close() == 0


@pytest.mark.parametrize("belts, counted", [(None, 4.0), ('["chest", "belly"]', 5.0)])
def test_an_exercise_cut_off_counts_no_time_without_a_measuring_belt(tmp_path, monkeypatch,
                                                                      belts, counted):
    """A power cut took the exercise's end (and so the unit's own count): its time is
    estimated, leaving out pauses and, as the unit does, the time in which no belt
    measured (it counted the minute with the belt out as practice). With two belts one
    belt out leaves the other measuring: that minute counts."""
    data = tmp_path / "data"
    belt_session(data, belts, [(60.0, 120.0, "belly")], ended=False)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    assert [r["minutes"] for r in read_csv(out / "exercises.csv")] == [f"{counted:.1f}"]


@pytest.mark.parametrize("lang, belts, row, total", [
    ("en", '["chest", "belly"]',
     "belt unplugged (belly belt) 1x (2.0 min), belt unplugged (chest belt) 1x (10 s)",
     "belt unplugged (belly belt) 1x, belt unplugged (chest belt) 1x"),
    ("nl", '["chest", "belly"]',
     "band losgekoppeld (buikband) 1x (2,0 min), band losgekoppeld (borstband) 1x (10 s)",
     "band losgekoppeld (buikband) 1x, band losgekoppeld (borstband) 1x"),
    ("en", None, "belt unplugged 2x (2.2 min)", "belt unplugged 2x"),
    ("nl", None, "band losgekoppeld 2x (2,2 min)", "band losgekoppeld 2x")])
def test_with_two_belts_a_fault_names_its_belt(tmp_path, lang, belts, row, total):
    """"band losgekoppeld 1x (2,0 min)" did not say which of two belts was out (the
    records keep it); with one belt it goes without saying."""
    from feedback.report import build_report

    data, out = tmp_path / "data", tmp_path / "out"
    belt_session(data, belts, [(60.0, 180.0, "belly"), (200.0, 210.0, "chest")])
    build_report(data, out, None, None, lang=lang)
    summary = (out / "summary.txt").read_text()
    assert f": {row}\n" in summary, summary  # the session's row
    assert f": {total}\n" in summary, summary  # the patient's line
    assert ("belly belt" in summary or "buikband" in summary) == (belts is not None)


def test_the_spans_without_a_measuring_belt_as_the_unit_judged_them():
    """A fault that ended as it began lasted to the end of the session (its end was taken
    before its start); two belts count only while both are out; an i2c fault (no belt)
    leaves none measuring."""
    from feedback.sessions import _overlap, _unmeasured

    assert _overlap(_unmeasured([(60.0, 60.0, "noisy", "belly")], ["belly"], 300.0),
                    0.0, 300.0) == 0.0
    two = ["chest", "belly"]
    faults = [(60.0, 200.0, "disconnected", "chest"), (100.0, 150.0, "disconnected", "belly")]
    assert _unmeasured(faults, two, 300.0) == [(100.0, 150.0)]
    assert _unmeasured([(10.0, None, "i2c", None)], two, 300.0) == [(10.0, 300.0)]


def test_the_belts_a_session_ran_with_are_those_in_force_not_the_edited_file(tmp_path):
    """[sensor] waits for a restart: the file said two belts while the unit ran on one,
    and the report judged a belly fault as 'the other belt measures on'."""
    from feedback.config import load_config
    from feedback.reload import config_record
    from feedback.sessions import _belts, _stored

    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1"]\n')
    running = load_config(cfg)
    running.sensor["belts"], running.sensor["channels"] = ["belly"], ["A0"]
    kept = config_record(cfg, running, ["sensor.belts", "sensor.channels"])
    assert _belts(_stored(kept)) == ["belly"]
    assert _belts(_stored(config_record(cfg, load_config(cfg)))) == ["chest", "belly"]


def test_a_session_ended_by_an_error_reads_as_interrupted(tmp_path, monkeypatch):
    """A session the program's error ended (end reason "error") read as a whole one."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("ER01", "home", "", DAY0)
        rec.add(breath(10.0, 2.0, 3.0))
        clock.advance(60.0)
        rec.end_session("error")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert "Sessions: 1 (1 interrupted)" in summary
    assert [x for x in summary.splitlines() if x.startswith("  #")][0].endswith(" interrupted")


def test_a_session_left_reads_as_left_not_interrupted(tmp_path, monkeypatch):
    """A session the unit ended because nothing ran for 30 minutes (end reason "left":
    paused and walked away) is whole, not cut short: its practice before counts, its row
    and chart say it was left, and the 30 minutes are in its length only."""
    from feedback import report_charts
    from feedback.coach import LEFT_S

    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("LF01", "home", "", DAY0)
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing", pacer="off"))
        for k in range(12):
            rec.add(breath(10.0 + 10 * k, 4.0, 6.0))
        rec.add(ev.Pause(126.0))
        rec.add(ev.Exercise(126.0 + LEFT_S, "Buikademhaling", "end", active_s=126.0))
        clock.advance(126.0 + LEFT_S)
        rec.end_session("left")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    summary = (out / "summary.txt").read_text()
    assert "Sessions: 1\n" in summary and "interrupted" not in summary
    (row,) = [x for x in summary.splitlines() if x.startswith("  #")]
    assert row.startswith("  #1    2025-10-09 12:00   2.1 min ")
    assert row.endswith(" left: ended after 30 min without practice")
    (s,) = read_csv(out / "sessions.csv")
    assert (s["minutes"], s["length_minutes"], s["end"]) == ("2.1", "32.1", "left")
    (one,) = report_sessions(data, "nl")
    report_charts.session_chart(one, tmp_path / "left.png", "nl")
    title, label = report_charts.drawn[:2]
    assert label[0] == "30 min verlaten" and title[1].right < label[1].left


def test_a_chart_names_a_programme_by_its_key_when_its_file_is_broken(tmp_path, monkeypatch):
    """The chart titles name a shipped programme in the report's language; a file that
    does not load (or a key no file can have) falls back to the key, and nothing else."""
    from feedback import programme
    from feedback.report_charts import programme_name

    assert programme_name("clinic", "nl") == "Behandelkamer"
    monkeypatch.setattr(programme, "SHIPPED", tmp_path)
    (tmp_path / "clinic.toml").write_text("[programme\n", encoding="utf-8")
    programme_name.cache_clear()  # (it remembers each programme's name)
    assert programme_name("clinic", "nl") == "clinic"
    assert programme_name("a\0b", "nl") == "a\0b"
    programme_name.cache_clear()


def test_a_unit_clock_set_wrong_is_said_at_the_top(unit, tmp_path, monkeypatch):
    """A unit without a clock chip, or a computer whose clock differs: sessions dated
    after the report date stretched the period to them (a session a year ahead: "on 2 of
    366 days", "last session today") and a clock set back put a later session before
    earlier ones, with nothing to say why."""
    import datetime as dt

    data, cfg = unit
    conn = sqlite3.connect(data / DB_NAME)  # session 3 recorded after the clock went back
    conn.execute("UPDATE sessions SET started_at = ? WHERE id = 3", (DAY0 + 3600,))
    conn.commit()
    conn.close()
    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2025, 10, 10))
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    summary = (out / "summary.txt").read_text()
    assert ("NOTE: 1 session is dated after the report date (2025-10-10), the first on "
            "2025-10-11: the unit's clock, or this computer's, was wrong; the days below run "
            "to the last session.\n") in summary
    assert ("NOTE: by the unit's clock, session #3 began before a session recorded before "
            "it (the clock was set back); the lists below are in the clock's order.\n"
            ) in summary
    # (the patient's line said "(last session today)" of a session a day after the report)
    assert "Patient AB12: 2025-10-09 to 2025-10-11 (last session after the report date)" \
        in summary
    assert main(["report", "--config", str(cfg), "--out", str(out), "--lang", "nl"]) == 0
    summary = (out / "summary.txt").read_text()
    assert "LET OP: 1 sessie is gedateerd na de datum van dit rapport (2025-10-10)" in summary
    assert "LET OP: volgens de klok van het apparaat begon sessie #3 vóór" in summary


def test_a_clock_set_back_once_names_one_session_not_all_that_follow(unit, tmp_path,
                                                                    monkeypatch):
    """A clock a year ahead for two sessions, then set right: the note named every session
    after it (a year of them, one by one: 200 ids here) as begun "before a session recorded
    before it". It names where the clock went back; many settings back, the first ten."""
    import datetime as dt

    data, cfg = unit
    conn = sqlite3.connect(data / DB_NAME)

    def session(at):
        conn.execute("INSERT INTO sessions (patient_code, programme, started_at, config, "
                     "start_t, ended_at, end_reason) VALUES ('AB12', 'home', ?, '', 0, ?, "
                     "'stopped')", (at, at + 300))

    for k in range(2):  # sessions 4 and 5 a year ahead, then 200 set right from 6 on
        session(DAY0 + (368 + k) * 86400)
    for k in range(200):
        session(DAY0 + (3 + k) * 86400)
    conn.commit()
    monkeypatch.setattr("feedback.report.report_date", lambda: dt.date(2026, 5, 1))
    out = tmp_path / "out"
    assert main(["report", "--config", str(cfg), "--out", str(out)]) == 0
    assert ("NOTE: by the unit's clock, session #6 began before a session recorded before "
            "it (the clock was set back)") in (out / "summary.txt").read_text()
    for k in range(12):  # and then a clock that goes ahead a day and back, twelve times
        session(DAY0 + (210 + k) * 86400)
        session(DAY0 + (209 + k) * 86400)
    conn.commit()
    conn.close()
    assert main(["report", "--config", str(cfg), "--out", str(out), "--lang", "nl"]) == 0
    assert ("begonnen sessies #6, #207, #209, #211, #213, #215, #217, #219, #221, #223 en "
            "nog 3 vóór") in (out / "summary.txt").read_text()


def test_a_raw_file_the_wipe_may_not_write_is_removed_and_said(unit, monkeypatch, capsys):
    """A raw signal file another user made (a run as root) cannot be overwritten by the
    service's user: the wipe stopped there, the database already erased and the raw files
    after it left. It is now removed (the folder allows that) and named on stderr."""
    import builtins

    data, cfg = unit
    raw = data / "raw" / "session00001-001.csv"
    real_open = builtins.open

    def guarded(path, mode="r", *a, **k):  # the operating system's answer for that file
        if os.fspath(path) == os.fspath(raw) and mode != "r":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, mode, *a, **k)

    monkeypatch.setattr(builtins, "open", guarded)
    assert main(["wipe", "--yes", "--force", "--config", str(cfg)]) == 0
    assert not raw.exists() and not (data / "raw").exists()
    err = capsys.readouterr().err
    assert f"{raw}: could not be overwritten (no permission to write it), only removed" in err


def test_a_day_with_only_the_calibration_is_not_counted_as_practised(tmp_path, monkeypatch):
    """The patient put the belt on and stopped during the calibration: no practice, and
    the calendar shows the day grey ("no practice"), but the summary counted it among
    the days practised ("Practice: 3.0 min on 2 of 2 days")."""
    from feedback import report_charts

    data = tmp_path / "data"
    home_session(data, exercises=(("Kalibratie", "calibration"),
                                  ("Buikademhaling", "breathing"),
                                  ("Blijf ademen tijdens bewegen", "movement")))
    home_session(data, wall=DAY0 + 86400, exercises=(("Kalibratie", "calibration"),))
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    days = read_csv(out / "days.csv")
    assert [(d["date"], d["minutes"], d["sessions"]) for d in days] == [
        ("2025-10-09", "2.0", "1"), ("2025-10-10", "0.0", "1")]
    summary = (out / "summary.txt").read_text()
    assert "  Practice: 2.0 min on 1 of 2 days;" in summary
    said = [t for t, _ in report_charts.drawn][1]  # the calendar's line under its title
    assert said == "Home target 5 min/day: met on 0 of 2 days (09 Oct to 10 Oct 2025)"


def test_a_hold_still_going_when_the_session_ended_lasted_to_its_end(tmp_path, monkeypatch):
    """The patient held the breath 14 s before the session ended (the programme's last
    exercise ran out, or the therapist stopped it): no breathing resumed, so no hold_end
    was recorded, and the report said the hold lasted 8.0 s, the time to its warning."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("P042", "home", "", DAY0)
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing",
                            pacer="fixed", target_ratio=1.75))
        rec.add(breath(10.0, 2.0, 3.0))
        rec.add(ev.Hold(24.0, t=16.0))
        rec.add(ev.Cue(24.0, "breathe_on"))
        clock.advance(30.0)  # still held when the session ends, 14 s after it began
        rec.add(ev.Exercise(30.0, "Buikademhaling", "end", active_s=30.0))
        rec.end_session("programme finished")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    (ex,) = read_csv(out / "exercises.csv")
    assert (ex["holds"], ex["hold_s"], ex["longest_hold_s"]) == ("1", "14.0", "14.0")
    (s,) = read_csv(out / "sessions.csv")
    assert s["holds_by_exercise"] == "Buikademhaling 1, longest 14.0 s"
    # the chart's red band reaches the end too
    (session,) = report_sessions(data)
    assert session.holds == [(16.0, 30.0)]


# ratios of 30 paced breaths that vary from breath to breath as real breathing at rest
# does (20-45 %), with no trend: the first ten read 1.55 by their median, the last ten 1.4
UNSTEADY = [1.0, 1.9, 1.2, 2.0, 1.1, 1.8, 1.3, 2.1, 1.4, 1.7,
            1.5, 1.2, 1.9, 1.4, 1.6, 1.1, 2.0, 1.3, 1.7, 1.5,
            1.0, 2.0, 1.1, 1.9, 1.2, 1.8, 0.9, 2.1, 1.3, 1.5]


def test_a_ratio_that_only_varies_from_breath_to_breath_is_no_trend(tmp_path, monkeypatch):
    """Every breath different, as at rest: the medians of the first and last ten breaths
    differ by 0.15 by chance, far less than those medians are known to, yet the report
    said the ratio had moved "away from the target". On the three real belt recordings
    the first and last thirds of 40 breaths differ by 0.1-0.4 (median): any window of
    them was a trend."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("P042", "home", "", DAY0)
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start", kind="breathing",
                            pacer="fixed", target_ratio=1.75))
        for k, r in enumerate(UNSTEADY):
            rec.add(breath(10.0 * (k + 1), 4.0, 4.0 * r))
        clock.advance(310.0)
        rec.add(ev.Exercise(310.0, "Buikademhaling", "end", active_s=310.0))
        rec.end_session("programme finished")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    (ex,) = read_csv(out / "exercises.csv")
    assert (ex["ratio_first"], ex["ratio_last"]) == ("1.55", "1.40")
    assert ex["ratio_trend"] == "no clear trend"
    (s,) = read_csv(out / "sessions.csv")
    assert s["ratio_trend"] == "Buikademhaling: no clear trend"
    # the same breaths, each alike in its third: that is a trend
    assert report_trend([1.6] * 10 + [1.5] * 10 + [1.4] * 10) == "away from the target"


def report_trend(rs, target=1.75):
    from feedback.report_tables import trend

    return trend([(0.0, 4.0, 4.0 * r, None) for r in rs], target)[2]


@pytest.mark.parametrize("rs", [[1.2, 1.9, 1.6], [1.2, 2.3, 2.0, 1.6, 1.3],
                                [1.4, 1.0, 1.5, 1.9, 2.0]])
def test_a_third_of_one_breath_is_no_trend(rs):
    """An exercise stopped after a few breaths has thirds of one breath: their spread is
    not known from it (it read as none), so any two breaths 0.05 apart were a move toward
    or away from the target, the chance the trend is to leave out at its largest. One
    breath's third is judged by the spread of the breaths of both: no clear trend."""
    assert report_trend(rs) == "no clear trend"
    # (a move far beyond the breaths' spread is still one)
    assert report_trend([1.0, 1.02, 1.01, 1.03, 1.75]) == "toward the target"


def test_days_and_sessions_whose_ratios_differ_by_chance_are_no_trend(tmp_path,
                                                                      monkeypatch):
    """The same unsteady breathing on two days (ten breaths each, medians 1.55 and 1.40):
    days.csv and the summary said the ratio had moved "away from the target"."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        for day, rs in enumerate([UNSTEADY[:10], UNSTEADY[20:]]):
            t0 = clock.now()
            rec.start_session("P042", "home", "", DAY0 + day * 86400)
            rec.add(ev.Exercise(t0, "Buikademhaling", "start", kind="breathing",
                                pacer="fixed", target_ratio=1.75))
            for k, r in enumerate(rs):
                rec.add(breath(t0 + 10.0 * (k + 1), 4.0, 4.0 * r))
            clock.advance(310.0)
            rec.add(ev.Exercise(clock.now(), "Buikademhaling", "end", active_s=310.0))
            rec.end_session("programme finished")
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    days = read_csv(out / "days.csv")
    assert [(d["ratio"], d["ratio_trend"]) for d in days] == [
        ("1.55", ""), ("1.40", "no clear trend")]
    summary = (out / "summary.txt").read_text()
    assert ("  Exhale:inhale ratio: 1.55 in the first session, 1.40 in the last (target "
            "1.75): no clear trend\n") in summary


def test_each_exercise_row_has_its_place_and_its_own_cues_and_praise(tmp_path, monkeypatch):
    """exercises.csv, one row per exercise: the number of the exercise in its session (as
    the therapist finds it in the programme), and the corrections and praise given in it,
    not those of another exercise nor the belt check (no correction of the breathing)."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        rec.start_session("PR02", "home", "", DAY0)
        rec.add(ev.Exercise(0.0, "Buikademhaling", "start", pacer="fixed", target_ratio=1.75))
        for t, kind in [(20.0, "longer_exhale"), (60.0, "good"), (120.0, "good"),
                        (130.0, "check_belt")]:
            rec.add(ev.Cue(t, kind))
        rec.add(ev.Exercise(180.0, "Buikademhaling", "end", active_s=180.0))
        rec.add(ev.Exercise(180.0, "Ademen tijdens bewegen", "start", pacer="off"))
        for t, kind in [(190.0, "slower"), (210.0, "slower"), (230.0, "breathe_on")]:
            rec.add(ev.Cue(t, kind))
        clock.advance(300.0)
        rec.add(ev.Exercise(300.0, "Ademen tijdens bewegen", "end", active_s=120.0))
        rec.end_session("programme finished")
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    rows = read_csv(out / "exercises.csv")
    assert [(r["exercise"], r["name"], r["cues"], r["praise"]) for r in rows] == [
        ("1", "Buikademhaling", "1", "2"), ("2", "Ademen tijdens bewegen", "3", "0")]


def test_a_move_within_twice_what_chance_moves_the_median_is_no_trend():
    """Ten breaths a third, spread as at rest (0.19 by their median deviation): the
    median of the last third 0.18 above the first is less than twice what chance alone
    moves a median of ten such breaths by (2 x 0.10): no clear trend. 0.25 above it is a
    move toward the target."""
    first = [1.2, 1.5, 1.3, 1.6, 1.4, 1.7, 1.35, 1.55, 1.45, 1.25]

    def breaths(shift):
        return first + [1.4] * 10 + [r + shift for r in first]

    assert report_trend(breaths(0.18)) == "no clear trend"
    assert report_trend(breaths(0.25)) == "toward the target"


def test_breaths_without_a_readable_length_are_counted_by_their_rate():
    """A breath whose inhale or exhale could not be read (NULL in a damaged or hand-edited
    database) has no length: breaths/min comes from the breaths that have one, and from
    the recorded rates only when none has (before a check on the wrong column would
    have added None to a number and stopped the report)."""
    from feedback.report_tables import rate

    t = 100.0
    assert rate([(t, None, 3.0, 30.0), (t, 2.0, 3.0, 30.0), (t, 2.0, None, 30.0)]) == (
        pytest.approx(12.0))  # one breath of 5 s
    assert rate([(t, None, 3.0, 10.0), (t, 2.0, None, 14.0)]) == pytest.approx(12.0)


def test_the_ratio_line_gives_both_targets_when_the_pacer_changed(tmp_path, monkeypatch):
    """A therapist who set a slower pacer halfway a loan (target 1.75, then 2.27): the
    summary read "1.00 in the first session, 2.00 in the last (target 2.27)", as if the
    first session had breathed 1.00 against 2.27."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        for day, (target, r) in enumerate([(1.75, 1.0), (2.272727, 2.0)]):
            t0 = clock.now()
            rec.start_session("P042", "home", "", DAY0 + day * 86400)
            rec.add(ev.Exercise(t0, "Buikademhaling", "start", kind="breathing",
                                pacer="fixed", target_ratio=target))
            for k in range(6):
                rec.add(breath(t0 + 10.0 * (k + 1), 4.0, 4.0 * r))
            clock.advance(310.0)
            rec.add(ev.Exercise(clock.now(), "Buikademhaling", "end", active_s=310.0))
            rec.end_session("programme finished")
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    assert ("  Exhale:inhale ratio: 1.00 in the first session, 2.00 in the last (target "
            "1.75 -> 2.27): toward the target\n") in (out / "summary.txt").read_text()
    out = report(tmp_path, monkeypatch, data, "2025-10-10", lang="nl")
    assert "(doel 1,75 -> 2,27): richting het doel" in (out / "summary.txt").read_text()


def test_the_ratio_line_gives_one_target_for_a_programme_that_did_not_change(
        tmp_path, monkeypatch):
    """The clinic programme's two paced exercises (belly 2.29, ribs 1.75), done for
    other lengths in two sessions: each session's median target differs, and the line
    read "(target 1.75 -> 2.29)" for a programme that never changed."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    with Records(data, clock=clock) as rec:
        for day, (belly, ribs) in enumerate([(3, 6), (6, 3)]):
            rec.start_session("P001", "clinic", "", DAY0 + day * 86400)
            for name, target, n in (("Buik", 2.285714, belly), ("Ribben", 1.75, ribs)):
                t0 = clock.now()
                rec.add(ev.Exercise(t0, name, "start", kind="breathing", pacer="fixed",
                                    target_ratio=target))
                for k in range(n):
                    rec.add(breath(t0 + 10.0 * (k + 1), 4.0, 6.0))
                clock.advance(10.0 * n + 5.0)
                rec.add(ev.Exercise(clock.now(), name, "end", active_s=10.0 * n + 5.0))
            rec.end_session("programme finished")
    text = (report(tmp_path, monkeypatch, data, "2025-10-10") / "summary.txt").read_text()
    line = next(x for x in text.splitlines() if x.startswith("  Exhale:inhale ratio:"))
    assert "->" not in line and "(target 2.29)" in line, line


def _own_and_paced_session(data, wall, own, clock, n_own=6):
    """A calibration (no pacer) of ``n_own`` breaths of ``own`` (inhale_s, exhale_s), then
    four minutes of belly breathing that follows a 1:2 pacer at 5.7/min."""
    t0 = clock.now()
    rec = Records(data, clock=clock)
    rec.start_session("GH78", "clinic", CLINIC_CONFIG, wall)
    rec.add(ev.Exercise(t0, "Kalibratie", "start", kind="calibration", name_en="Calibration",
                        pacer="off"))
    i, e = own
    for k in range(n_own):
        rec.add(breath(t0 + 5.0 + (i + e) * (k + 1), i, e))
    rec.add(ev.Exercise(t0 + 30.0, "Kalibratie", "end", active_s=30.0))
    rec.add(ev.Exercise(t0 + 30.0, "Buikademhaling liggend", "start", kind="breathing",
                        name_en="Belly breathing, lying down", pacer="fixed",
                        target_ratio=2.0, target_rate_bpm=60 / 10.5))
    for k in range(22):
        rec.add(breath(t0 + 30.0 + 10.5 * (k + 1), 3.5, 7.0))
    rec.add(ev.Exercise(t0 + 270.0, "Buikademhaling liggend", "end", active_s=240.0,
                        in_sync=1.0))
    clock.advance(300.0)
    rec.end_session("programme finished")
    assert rec.close() == 0


def test_the_patients_own_breathing_is_reported_apart_from_the_paced_exercises(
        tmp_path, monkeypatch):
    """Step 1 of the therapy analyses the patient's own breathing. A tense chest breather
    at 18/min with exhale:inhale 0.8 who follows the belly pacer read "Breaths per minute:
    6.7" (the paced breaths mixed in) and a ratio of the paced breaths alone: their own
    18/min and 0.8 were in no line of the summary."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    _own_and_paced_session(data, DAY0, (1.85, 1.48), clock)  # 18/min, 0.8
    _own_and_paced_session(data, DAY0 + 86400, (2.0, 3.0), clock)  # 12/min, 1.5
    out = report(tmp_path, monkeypatch, data, "2025-10-10")
    text = (out / "summary.txt").read_text()
    assert ("  Own breathing (exercises without a pacer), first session: "
            "Calibration 18.0/min, exhale:inhale 0.80 (6 breaths)\n") in text
    assert ("  Own breathing (exercises without a pacer), last session: "
            "Calibration 12.0/min, exhale:inhale 1.50 (6 breaths)\n") in text
    # the session's figure mixes the paced breaths in, and says so
    assert "  Breaths per minute, every exercise together: 6.7 in the first session" in text
    nl = (report(tmp_path, monkeypatch, data, "2025-10-10", "nl") / "summary.txt").read_text()
    assert ("  Eigen ademhaling (oefeningen zonder ademgids), eerste sessie: "
            "Kalibratie 18,0/min, uit:in 0,80 (6 ademhalingen)\n") in nl
    # one session: one line
    one = tmp_path / "one"
    _own_and_paced_session(one / "data", DAY0, (1.85, 1.48), VirtualClock(0.0))
    text = (report(one, monkeypatch, one / "data", "2025-10-09") / "summary.txt").read_text()
    assert ("  Own breathing (exercises without a pacer): "
            "Calibration 18.0/min, exhale:inhale 0.80 (6 breaths)\n") in text


def test_the_own_breathing_lines_are_the_first_and_last_sessions_that_measured_it(
        tmp_path, monkeypatch):
    """Four sessions, the last with no breath in its calibration (the patient began
    with the belt loose): the own breathing's last line is the third session's, the
    last that measured any, not the second's nor an empty one."""
    data = tmp_path / "data"
    clock = VirtualClock(0.0)
    for day, (own, n) in enumerate([((1.85, 1.48), 6), ((1.5, 1.5), 6), ((2.0, 3.0), 6),
                                    ((2.0, 3.0), 0)]):
        _own_and_paced_session(data, DAY0 + (day - 3) * 86400, own, clock, n_own=n)
    text = (report(tmp_path, monkeypatch, data, "2025-10-10") / "summary.txt").read_text()
    own = [x for x in text.splitlines() if x.startswith("  Own breathing")]
    assert own == [
        "  Own breathing (exercises without a pacer), first session: "
        "Calibration 18.0/min, exhale:inhale 0.80 (6 breaths)",
        "  Own breathing (exercises without a pacer), last session: "
        "Calibration 12.0/min, exhale:inhale 1.50 (6 breaths)"], own

def _analysis_session(data, config_dir, wall=DAY0):
    """The shipped first analysis as the unit records it (its programme kept with the
    config): a calibration, then two minutes of the patient's own breathing lying down,
    a chest breather at 15/min with exhale:inhale 0.8, one 10 s hold in it (recorded, not
    warned), and a minute sitting at 12/min."""
    from feedback.config import load_config
    from feedback.reload import config_record

    cfg = config_dir / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "analysis"\n')
    clock = VirtualClock(0.0)
    rec = Records(data, clock=clock)
    rec.start_session("AN01", "analysis", config_record(cfg, load_config(cfg)), wall)
    rec.add(ev.Exercise(0.0, "Kalibratie", "start", kind="calibration", name_en="Calibration",
                        pacer="off"))
    for k in range(3):
        rec.add(breath(4.0 * (k + 1), 2.0, 2.0))
    rec.add(ev.Exercise(12.0, "Kalibratie", "end", active_s=12.0))
    rec.add(ev.Exercise(12.0, "Eigen ademhaling liggend", "start", kind="breathing",
                        name_en="Own breathing, lying down", pacer="off"))
    for k in range(28):
        rec.add(breath(12.0 + 4.0 * (k + 1), 2.22, 1.78))
    rec.add(ev.Hold(130.0, t=122.0))
    rec.add(ev.HoldEnd(132.0, t=132.0))
    rec.add(ev.Exercise(132.0, "Eigen ademhaling liggend", "end", active_s=120.0))
    rec.add(ev.Exercise(132.0, "Eigen ademhaling zittend of staand", "start",
                        kind="breathing", name_en="Own breathing, sitting or standing",
                        pacer="off"))
    for k in range(12):
        rec.add(breath(132.0 + 5.0 * (k + 1), 2.0, 3.0))
    rec.add(ev.Exercise(192.0, "Eigen ademhaling zittend of staand", "end", active_s=60.0))
    clock.advance(200.0)
    rec.end_session("programme finished")
    assert rec.close() == 0


def test_a_first_analysis_is_reported_as_the_treatment_room_s_not_as_home_practice(
        tmp_path, monkeypatch):
    """A first analysis in the treatment room was judged against the home target ("home
    target 5 min/day met on 0 days", a red calendar): only the clinic programme was taken
    for the treatment room. Its ratio line said "- in the first session, - in the last
    (target -)" above the own breathing's ratios, as if none were measured."""
    from feedback import report_charts

    data = tmp_path / "data"
    _analysis_session(data, tmp_path)
    out = report(tmp_path, monkeypatch, data, "2025-10-09")
    text = (out / "summary.txt").read_text()
    assert "met on" not in text
    assert ("  Practice: 3.0 min on 1 of 1 day, all with treatment-room programmes (the home "
            "target is for practice at home)\n") in text
    assert [t for t, _ in report_charts.drawn][1].startswith("Treatment room only: practised")
    assert "  Exhale:inhale ratio with a pacer: no exercise had a pacer (own breathing: " \
           "below)\n" in text and "(target -)" not in text
    assert ("  Own breathing (exercises without a pacer): Calibration 15.0/min, exhale:inhale "
            "1.00 (3 breaths); Own breathing, lying down 15.0/min, exhale:inhale 0.80 (28 "
            "breaths); Own breathing, sitting or standing 12.0/min, exhale:inhale 1.50 (12 "
            "breaths)\n") in text
    assert ("  First analysis: Own breathing, lying down (not warned) 8 s, Own breathing, "
            "sitting or standing (not warned) 8 s\n") in text
    assert "  Breath-holds: 1 (Own breathing, lying down 1, longest 10.0 s)" in text
    nl = (report(tmp_path, monkeypatch, data, "2025-10-09", "nl") / "summary.txt").read_text()
    assert "alles met programma's voor de behandelkamer" in nl and "gehaald op" not in nl
    assert ("  Verhouding uitademing:inademing met ademgids: geen oefening had een ademgids "
            "(eigen ademhaling: hieronder)\n") in nl
