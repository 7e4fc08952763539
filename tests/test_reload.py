import os
import shutil
import signal

import pytest

from feedback.coach import press_next
from feedback.config import load_config
from feedback.config_rules import ConfigError
from feedback.events import Breath
from feedback.reload import ConfigWatcher, Rejected, Reloaded, load_all


@pytest.fixture
def cfg(tmp_path, repo):
    p = tmp_path / "ademcoach.toml"
    shutil.copy(repo / "config" / "ademcoach.toml", p)
    return p


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    st = os.stat(path)                      # make sure the mtime moves even on coarse clocks
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def settled(w, t):
    """A look at ``t`` sees the file changed; the next, a second later, finds it the same
    and reads it (a file that changed since the last look may still be being written)."""
    assert w.poll(t) is None
    return w.poll(t + 1.0)


def test_nothing_changes_nothing_happens(cfg):
    w = ConfigWatcher(cfg, load_config(cfg))
    assert w.poll(0.0) is None and w.poll(5.0) is None


def test_a_good_change_is_picked_up_at_about_1_hz(cfg):
    w = ConfigWatcher(cfg, load_config(cfg))
    w.poll(0.0)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 7.5")
    assert w.poll(0.5) is None               # not yet: polled about once a second
    assert w.poll(1.1) is None               # changed since the last look: wait for the next
    r = w.poll(2.2)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 7.5
    assert r.needs_restart == [] and r.programme.key == "clinic"
    assert w.poll(3.3) is None               # reported once


def test_the_house_timers_ticks_a_little_late_each_look_at_the_file(cfg):
    """The house timer calls once a second, each tick a few ms late: one a little later
    than the next came less than 1 s after it, and the watcher let it pass (on the
    unit, about one look in three was skipped: a change waited 2 s)."""
    w = ConfigWatcher(cfg, load_config(cfg))
    w.poll(1.004)                            # tick 1, 4 ms late
    edit(cfg, "exhale_s = 6.0", "exhale_s = 7.5")
    assert w.poll(2.001) is None             # tick 2, 1 ms late: 0.997 s after tick 1
    r = w.poll(2.999)                        # tick 3, 1 ms early: it read the file
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 7.5


def test_a_bad_file_is_rejected_and_the_last_good_config_stays(cfg):
    good = load_config(cfg)
    w = ConfigWatcher(cfg, good)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 40")
    r = settled(w, 1.0)
    assert isinstance(r, Rejected)
    assert "pacer.exhale_s = 40: must be between 2 and 20 seconds" in str(r.error)
    assert w.current is good
    assert w.poll(3.0) is None               # the same bad file is reported only once
    edit(cfg, "exhale_s = 40", "exhale_s = 8.0")
    r = settled(w, 5.0)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 8.0


def therapists_file(cfg) -> str:
    """A config as a therapist sets it: little of it at the shipped values."""
    text = cfg.read_text(encoding="utf-8")
    for old, new in (('code = ""', 'code = "AB12"'), ('language = "nl"', 'language = "en"'),
                     ('name = "clinic"', 'name = "home"'), ("enabled = false", "enabled = true"),
                     ('brightness = "clinic"', 'brightness = "home"')):
        assert old in text
        text = text.replace(old, new, 1)
    cfg.write_text(text, encoding="utf-8")
    return text


def applied(r) -> tuple:
    s = r.settings
    return (s.patient.code, s.patient.language, s.programme.name, s.sound.enabled,
            s.ring.brightness, s.pacer.exhale_s)


def test_a_file_being_written_is_not_read_half_written(cfg):
    """nano writes the file in place (emptied, then written), scp copies it over piece by
    piece: a look in between found a part of it, valid TOML with the rest at the shipped
    values, and applied that: the sound went off, and with an earlier cut the programme,
    the language and the patient code (a session begun then was recorded as nobody's)."""
    text = therapists_file(cfg)
    w = ConfigWatcher(cfg, load_config(cfg))
    assert w.poll(0.0) is None
    new = text.replace("exhale_s = 6.0", "exhale_s = 7.5")
    got = []
    for t, part in ((1.0, ""), (2.0, new[: new.index("[sound]")]), (3.0, new), (4.0, None),
                    (5.0, None)):
        if part is not None:  # (each write in place, as nano and scp do)
            cfg.write_text(part, encoding="utf-8")
        got.append(w.poll(t))
    assert [type(r).__name__ for r in got] == ["NoneType"] * 3 + ["Reloaded", "NoneType"]
    assert applied(got[3]) == ("AB12", "en", "home", True, "home", 7.5)


def test_vims_save_that_moves_the_old_file_away_first_is_no_missing_file(cfg):
    """vim (backupcopy=auto) renames the file to ``ademcoach.toml~``, writes a new one and
    removes the backup; its swap file lies beside it meanwhile. A look between the rename
    and the write refused the config as missing ("no such file" on screen for a second);
    a file that stays away is refused."""
    text = therapists_file(cfg)
    w = ConfigWatcher(cfg, load_config(cfg))
    assert w.poll(0.0) is None
    swap = cfg.parent / ".ademcoach.toml.swp"
    swap.write_bytes(b"b0VIM 9.0\0" + b"\0" * 4000)
    backup = cfg.parent / "ademcoach.toml~"
    cfg.rename(backup)
    assert w.poll(1.0) is None
    cfg.write_text(text.replace("exhale_s = 6.0", "exhale_s = 8.0"), encoding="utf-8")
    backup.unlink()
    assert w.poll(2.0) is None
    r = w.poll(3.0)
    assert isinstance(r, Reloaded) and applied(r) == ("AB12", "en", "home", True, "home", 8.0)
    swap.unlink()
    assert w.poll(4.0) is None
    cfg.unlink()  # gone for good: refused, once it stays away from one look to the next
    assert w.poll(5.0) is None
    r = w.poll(6.0)
    assert isinstance(r, Rejected) and str(r.error) == f"{cfg}: no such file"


def test_a_save_while_the_last_one_is_being_checked_is_applied(cfg, monkeypatch):
    """Checking a file takes a while (tens of ms on a Pi): a save that came meanwhile, the
    therapist's second one, was taken as read, as the file was looked at again after the
    check, and never applied."""
    from feedback import reload

    w = ConfigWatcher(cfg, load_config(cfg))
    check = reload.load_all

    def saved_meanwhile(path):  # (the real check; the second save lands as it ends)
        out = check(path)
        edit(cfg, "exhale_s = 7.0", "exhale_s = 8.0")
        monkeypatch.setattr(reload, "load_all", check)
        return out

    monkeypatch.setattr(reload, "load_all", saved_meanwhile)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 7.0")
    r = settled(w, 1.0)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 7.0
    r = settled(w, 3.0)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 8.0
    assert w.poll(5.0) is None and w.poll(6.0) is None


def test_the_same_bytes_saved_after_another_programme_was_chosen_change_nothing(cfg):
    """Once the config chose another programme, the files watched are the config and the
    new programme's, and a save of the same bytes is no change: it is compared with what
    those files hold, not with the config and the programme before."""
    w = ConfigWatcher(cfg, load_config(cfg))
    edit(cfg, 'name = "clinic"', 'name = "home"')
    r = settled(w, 1.0)
    assert isinstance(r, Reloaded) and r.programme.key == "home"
    edit(cfg, "exhale_s = 6.0", "exhale_s = 6.0")  # saved again as it was: a new mtime
    assert w.poll(3.0) is None and w.poll(4.0) is None
    edit(cfg, "exhale_s = 6.0", "exhale_s = 7.0")
    r = settled(w, 5.0)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 7.0


@pytest.mark.parametrize("typed", ['"Jansen, J."', '"Jan de Vries"', "Jansen",
                                   '"Vries-1984-03-12-x"'])
def test_a_name_typed_as_the_patient_code_is_rejected_without_being_logged(cfg, caplog,
                                                                           typed):
    """A therapist who types the patient's name where the code goes: the file is refused,
    and the journal (which no wipe reaches, docs/service.md) got the name, as did the
    start screen of ``run --wait``: "patient.code = 'Jansen, J.': must be a pseudonymous
    code". The problem names the file, the line and the key, not what was typed."""
    import logging

    from feedback.coach_notices import rejected_notice
    from feedback.words import said

    w = ConfigWatcher(cfg, load_config(cfg))
    edit(cfg, 'code = ""', f"code = {typed}")
    with caplog.at_level(logging.WARNING, logger="feedback.reload"):
        r = settled(w, 1.0)
    assert isinstance(r, Rejected)
    name = typed.strip('"').split(",")[0]
    shown = [str(p) for p in r.error.problems] + [said(p.message, lang)
                                                 for p in r.error.problems
                                                 for lang in ("nl", "en")]
    shown += [rejected_notice(r.error, lang) for lang in ("nl", "en")]
    assert ":21: " in caplog.text and "code" in caplog.text  # (where: file, line, key)
    assert name not in caplog.text and not [s for s in shown if name in s], (caplog.text, shown)


@pytest.mark.parametrize("content", ["", "[pacer\n", "\x00\x01binary",
                                     "[programme]\nname = \"x\"\n",
                                     # nested past Python's recursion limit: it crashed the
                                     # running unit with a RecursionError
                                     "[pacer]\nx = " + "[" * 3000 + "]" * 3000 + "\n",
                                     "[pacer]\nx = " + "{a = " * 3000 + "1" + "}" * 3000])
def test_garbage_or_unknown_programme_is_rejected(cfg, content):
    w = ConfigWatcher(cfg, load_config(cfg))
    cfg.write_bytes(content.encode())
    os.utime(cfg, ns=(1, 10**18))
    assert isinstance(settled(w, 1.0), Rejected)


def test_a_fifo_in_place_of_the_config_is_rejected_without_waiting_on_it(cfg):
    """Opened to be read, a FIFO waits for a writer: the running unit's loop stood still
    (no hold warning), and ``check-config`` on one hung."""
    import threading

    w = ConfigWatcher(cfg, load_config(cfg))
    cfg.unlink()
    os.mkfifo(cfg)
    got = []
    poll = threading.Thread(target=lambda: got.append(settled(w, 1.0)), daemon=True)
    poll.start()
    poll.join(10.0)
    if poll.is_alive():  # (let it go: a writer that closes at once is an end of file)
        os.close(os.open(cfg, os.O_WRONLY | os.O_NONBLOCK))
        poll.join(10.0)
    assert got and not poll.is_alive(), "the watcher waited on the FIFO"
    (r,) = got
    assert isinstance(r, Rejected)
    assert str(r.error) == (f"{cfg}: is not a regular file (a pipe or a device), not a "
                            "config file")


def test_a_huge_file_in_place_of_the_config_is_rejected_without_being_read_whole(cfg):
    """A config larger than 256 kB is refused unread at start and by an export; the running
    unit's watcher read it whole all the same, to see whether it had changed, in the
    loop (a file of a gigabyte: the memory of a Pi 3, a MemoryError, the unit down)."""
    import tracemalloc

    w = ConfigWatcher(cfg, load_config(cfg))
    with open(cfg, "ab") as fh:
        fh.write(b"# " + b"x" * (64 << 20) + b"\n")
    tracemalloc.start()
    try:
        r = settled(w, 1.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(r, Rejected) and "larger than 256 kB" in str(r.error)
    assert peak < 8 << 20
    assert w.poll(3.0) is None  # said once
    cfg.write_text("[pacer]\nexhale_s = 8.0\n")  # the right file again
    os.utime(cfg, ns=(1, 10**18))
    assert isinstance(settled(w, 5.0), Reloaded)


def test_a_file_no_check_foresaw_is_rejected_and_the_unit_runs_on(cfg, monkeypatch, caplog):
    """Whatever checking a changed file raises, the running unit keeps its settings and
    says so on screen (in Dutch too) and in the journal, with the traceback."""
    from feedback import reload
    from feedback.words import said

    good = load_config(cfg)
    w = ConfigWatcher(cfg, good)

    def broken(path):  # (a fault injected into the checking, not a file's content)
        raise MemoryError

    monkeypatch.setattr(reload, "load_all", broken)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 7.0")
    r = settled(w, 1.0)
    assert isinstance(r, Rejected) and w.current is good
    (p,) = r.error.problems
    assert str(p) == f"{cfg}: could not be checked (MemoryError); the journal has the details"
    assert said(p.message, "nl").startswith("kon niet worden gecontroleerd (MemoryError)")
    assert "Traceback" in caplog.text


def test_restart_only_keys_are_reported_and_not_applied(cfg):
    old = load_config(cfg)
    w = ConfigWatcher(cfg, old)
    edit(cfg, "pixels = 16", "pixels = 24")
    edit(cfg, "i2c_bus = 1", "i2c_bus = 3")
    edit(cfg, "min_gap_s = 8.0", "min_gap_s = 12.0")
    r = settled(w, 1.0)
    assert isinstance(r, Reloaded)
    assert sorted(r.needs_restart) == ["ring.pixels", "sensor.i2c_bus"]
    assert r.settings.ring.pixels == 16 and r.settings.sensor.i2c_bus == 1
    assert r.settings.cues.min_gap_s == 12.0


def test_sighup_forces_a_check(cfg):
    w = ConfigWatcher(cfg, load_config(cfg))
    w.poll(0.0)
    text = cfg.read_text(encoding="utf-8").replace("volume = 0.5", "volume = 0.7")
    st = os.stat(cfg)
    cfg.write_text(text, encoding="utf-8")
    os.utime(cfg, ns=(st.st_atime_ns, st.st_mtime_ns))   # same mtime, same size
    old = signal.signal(signal.SIGHUP, lambda *_: w.request())
    try:
        os.kill(os.getpid(), signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, old)
    r = w.poll(0.1)                          # before the 1 s interval: forced by the signal
    assert isinstance(r, Reloaded) and r.settings.sound.volume == 0.7


def test_a_changed_programme_file_is_noticed(tmp_path, repo):
    shutil.copytree(repo / "config", tmp_path / "config")
    cfg = tmp_path / "config" / "ademcoach.toml"
    w = ConfigWatcher(cfg, load_config(cfg))
    edit(tmp_path / "config" / "programs" / "clinic.toml", "duration_s = 300", "duration_s = 5")
    r = settled(w, 1.0)
    assert isinstance(r, Rejected) and "exercise[2].duration_s = 5" in str(r.error)


def test_load_all(cfg):
    settings, programme = load_all(cfg)
    assert settings.programme.name == programme.key == "clinic"
    with pytest.raises(ConfigError):
        load_all(cfg.parent / "missing.toml")


def test_the_coach_shows_a_rejected_file_and_keeps_its_settings(cfg):
    import pygame

    from feedback.coach import Coach
    from feedback.screen import Screen

    good, programme = load_all(cfg)
    coach = Coach(good, programme, 0.0)
    coach.button("start_pause", 0.0)
    w = ConfigWatcher(cfg, good)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 40")
    coach.on_reload(settled(w, 10.0), 1.0)
    assert coach.settings is good
    view = coach.view(2.0)
    line = next(i for i, x in enumerate(cfg.read_text().splitlines(), 1) if "exhale_s = 40" in x)
    assert view.notice == (f"Nieuwe instellingen niet gebruikt: ademcoach.toml, regel {line}: "
                           "pacer.exhale_s = 40: moet tussen 2 en 20 seconden liggen")
    # it stays while the file is wrong (it went after 30 s), whatever else comes and goes
    coach.show_notice("De ring werkt niet; volg het scherm", 50.0, "unit", lasting=True)
    coach.show_notice(None, 60.0, "unit")
    # (on the calibration screen its "wait" line takes a turn on the notice line)
    assert {coach.view(100.0 + k / 4).notice for k in range(40)} == {view.notice, None}
    screen = Screen((480, 320))
    screen.draw(view)
    rects = [r for _t, r in screen.texts]
    # the notice line at the bottom, wrapped, whole
    assert " ".join(t for t, r in screen.texts if r.top >= 0.8 * 320) == view.notice
    area = pygame.Rect(0, 0, 480, 320)
    assert all(area.contains(r) for r in rects)
    assert not any(a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    edit(cfg, "exhale_s = 40", "exhale_s = 8.0")
    coach.on_reload(settled(w, 30.0), 3.0)
    assert coach.view(3.5).notice is None
    coach.settings.patient["language"] = "en"  # the same, in English
    edit(cfg, "exhale_s = 8.0", "exhale_s = 41")
    coach.on_reload(settled(w, 40.0), 4.0)
    assert coach.view(4.5).notice == (f"New settings not used: ademcoach.toml, line {line}: "
                                      "pacer.exhale_s = 41: must be between 2 and 20 seconds")
    edit(cfg, "exhale_s = 41", "exhale_s = 8.0")
    coach.on_reload(settled(w, 50.0), 5.0)
    coach.feed(Breath(
        at=4.0, start=0.0, peak=1.0, end=4.0, inhale_s=1.0, exhale_s=3.0, rate_bpm=15.0))
    assert coach.settings.pacer.exhale_s == 8.0
    # a long rule (three lines of 10 px at 480x320): where it is, and where it is said
    coach.settings.patient["language"] = "nl"
    edit(cfg, "exhale_s = 8.0", "exhale_s = 20.0")  # 4 + 20 + 1 s: slower than 3/min
    coach.on_reload(settled(w, 61.0), 6.1)
    notice = coach.view(6.2).notice
    assert notice.startswith("Nieuwe instellingen niet gebruikt: fout in ademcoach.toml, "
                             "regel ") and notice.endswith(" (pacer); zie ademcoach check-config")
    # a long TOML syntax message: no "(TOML-schrijfwijze)" for a key
    edit(cfg, "exhale_s = 20.0", "exhale_s = 6.0\n[cues]\n[cues]")
    coach.on_reload(settled(w, 72.0), 7.2)
    notice = coach.view(7.3).notice
    assert "(" not in notice and notice.endswith("; zie ademcoach check-config"), notice


def test_the_screen_s_view_changes_without_a_restart(cfg):
    """[screen] view = "far" (shipped) to "near" and back: the coach takes it with the
    other coaching settings, at the next breath, and the screen draws the view asked for
    (the near view's numbers under its curve; the far view's large pacer word)."""
    from feedback.coach import Coach
    from feedback.i18n import text
    from feedback.screen import Screen

    good, programme = load_all(cfg)
    assert good.screen.view == "far"
    coach = Coach(good, programme, 0.0)
    coach.button("start_pause", 0.0)
    press_next(coach, 0.5)  # (past the calibration, to the first exercise)
    w = ConfigWatcher(cfg, good)
    assert coach.view(1.0).far
    t = 1.0
    for view, far in (("near", False), ("far", True)):
        edit(cfg, f'view = "{"far" if far is False else "near"}"', f'view = "{view}"')
        t += 1.1
        r = settled(w, t)
        t += 1.0
        assert isinstance(r, Reloaded) and r.needs_restart == [], r
        coach.on_reload(r, t)
        coach.feed(Breath(at=t + 0.5, start=t - 9.5, peak=t - 5.5, end=t + 0.5, inhale_s=4.0,
                          exhale_s=6.0, rate_bpm=6.0))
        v = coach.view(t + 0.6)
        assert v.screen == "exercise" and v.far is far
        screen = Screen((800, 480))
        screen.draw(v)
        word = text(f"phase.{v.pacer_phase}", "nl")
        drawn = {t: r for t, r in screen.texts}
        assert (word in drawn) and (drawn[word].h >= 90 if far else drawn[word].h < 50)
        assert any(x.startswith("adem/min") for x in drawn) is not far


def test_polarity_and_records_wait_for_a_restart_and_the_record_says_what_is_in_force(cfg):
    """analysis.polarity and [records] are read once at start: a change is 'needs a
    restart', not silently ignored; the config stored with a session is the file with the
    values still in force noted, and the programme file it chooses, as one TOML file."""
    import tomllib

    from feedback.reload import config_record

    w = ConfigWatcher(cfg, load_config(cfg))
    edit(cfg, 'polarity = "normal"', 'polarity = "inverted"')
    edit(cfg, "keep_days = 365", "keep_days = 30")
    edit(cfg, "pixels = 16", "pixels = 24")
    r = settled(w, 1.0)
    assert sorted(r.needs_restart) == ["analysis.polarity", "records.keep_days", "ring.pixels"]
    assert r.settings.analysis.polarity == "normal" and r.settings.records.keep_days == 365
    text = config_record(cfg, r.settings, r.needs_restart)
    stored = tomllib.loads(text)
    assert stored["analysis"]["polarity"] == "inverted"  # the file as it is ...
    assert "#   analysis.polarity = 'normal'" in text      # ... and what is in force
    assert "#   ring.pixels = 16" in text
    assert "# Programme file " in text and '# id = "belly_lying"' in text


def test_a_programme_kept_with_a_session_reads_back_whole(tmp_path):
    """A hint pasted from a word processor may hold U+2028 (TOML allows it in a string):
    the kept copy broke there and the report lost the programme."""
    from feedback.programme import programme_from_text
    from feedback.reload import config_record, stored_programme

    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "eigen.toml").write_text(
        '[programme]\nname_nl = "Eigen"\nname_en = "Own"\n[[exercise]]\nid = "a"\n'
        'name_nl = "Liggen"\nname_en = "Lying"\nduration_s = 60\n'
        'hint_nl = "Liggend of zittend,\u2028langer uit dan in"\nhold_after_s = 6.0\n',
        encoding="utf-8")
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "eigen"\n')
    kept = stored_programme(config_record(cfg, load_config(cfg)))
    prog = programme_from_text(kept, "<record>", "eigen")
    assert prog.exercises[0].hint_nl == "Liggend of zittend,\u2028langer uit dan in"
    assert prog.exercises[0].hold_after_s == 6.0
    assert stored_programme("[patient]\ncode = \"X\"\n") is None  # an older record


def test_damaged_notes_in_a_stored_config_are_passed_over():
    """A stored config whose in-force note or programme block was cut or altered: what can
    be read is read, the rest is left, nothing raises."""
    from feedback.reload import IN_FORCE_MARK, PROGRAMME_MARK, in_force, stored_programme

    text = (f'[sensor]\nbelts = ["chest", "belly"]\n\n{IN_FORCE_MARK}\n'
            "#   sensor.belts = ['belly'\n#   ring.pixels = 16\nnot a comment\n"
            "#   ring.order = 'GRB'\n")
    assert in_force(text) == [("ring", "pixels", 16)]  # the cut list passed over; the block
    assert in_force("[patient]\n") == []               # ends at the first other line
    assert stored_programme(f"x = 1\n\n{PROGRAMME_MARK}p.toml, as in force:\n") == "\n"
