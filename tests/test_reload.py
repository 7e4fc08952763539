import os
import shutil
import signal

import pytest

from feedback.config import ConfigError, load_config
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


def test_nothing_changes_nothing_happens(cfg):
    w = ConfigWatcher(cfg, load_config(cfg))
    assert w.poll(0.0) is None and w.poll(5.0) is None


def test_a_good_change_is_picked_up_at_about_1_hz(cfg):
    w = ConfigWatcher(cfg, load_config(cfg))
    w.poll(0.0)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 7.5")
    assert w.poll(0.5) is None               # not yet: polled about once a second
    r = w.poll(1.1)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 7.5
    assert r.needs_restart == [] and r.programme.key == "clinic"
    assert w.poll(2.2) is None               # reported once


def test_a_bad_file_is_rejected_and_the_last_good_config_stays(cfg):
    good = load_config(cfg)
    w = ConfigWatcher(cfg, good)
    edit(cfg, "exhale_s = 6.0", "exhale_s = 40")
    r = w.poll(1.0)
    assert isinstance(r, Rejected)
    assert "pacer.exhale_s = 40: must be between 2 and 20 seconds" in str(r.error)
    assert w.current is good
    assert w.poll(3.0) is None               # the same bad file is reported only once
    edit(cfg, "exhale_s = 40", "exhale_s = 8.0")
    r = w.poll(5.0)
    assert isinstance(r, Reloaded) and r.settings.pacer.exhale_s == 8.0


@pytest.mark.parametrize("content", ["", "[pacer\n", "\x00\x01binary",
                                     "[programme]\nname = \"x\"\n"])
def test_garbage_or_unknown_programme_is_rejected(cfg, content):
    w = ConfigWatcher(cfg, load_config(cfg))
    cfg.write_bytes(content.encode())
    os.utime(cfg, ns=(1, 10**18))
    assert isinstance(w.poll(1.0), Rejected)


def test_restart_only_keys_are_reported_and_not_applied(cfg):
    old = load_config(cfg)
    w = ConfigWatcher(cfg, old)
    edit(cfg, "pixels = 16", "pixels = 24")
    edit(cfg, "i2c_bus = 1", "i2c_bus = 3")
    edit(cfg, "min_gap_s = 8.0", "min_gap_s = 12.0")
    r = w.poll(1.0)
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
    r = w.poll(1.0)
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
    coach.on_reload(w.poll(1.0), 1.0)
    assert coach.settings is good
    view = coach.view(2.0)
    assert "pacer.exhale_s = 40" in view.notice and view.notice.startswith("Nieuwe instellingen")
    screen = Screen((480, 320))
    screen.draw(view)
    rects = [r for _t, r in screen.texts]
    assert any(t == view.notice or t.endswith("...") for t, _r in screen.texts)
    area = pygame.Rect(0, 0, 480, 320)
    assert all(area.contains(r) for r in rects)
    assert not any(a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    edit(cfg, "exhale_s = 40", "exhale_s = 8.0")
    coach.on_reload(w.poll(3.0), 3.0)
    assert coach.view(3.5).notice is None
    coach.feed(Breath(
        at=4.0, start=0.0, peak=1.0, end=4.0, inhale_s=1.0, exhale_s=3.0, rate_bpm=15.0))
    assert coach.settings.pacer.exhale_s == 8.0
