"""The coaching keys of the config: rules, defaults and the shipped file."""

import logging

import pytest
from words_check import assert_dutch

from feedback.coach import press_next
from feedback.config import defaults, load_config
from feedback.config_rules import ConfigError
from feedback.sound import Sound, tone, warning_wave


@pytest.mark.parametrize("text, expected", [
    ("[pacer]\npattern = \"bpm\"\n", ":2: pacer.pattern = 'bpm': must be one of 'seconds', 'rate'"),
    ("[pacer]\nratio = 9\n", "pacer.ratio = 9: must be between 0.5 and 4"),
    ("[pacer]\nrate_bpm = \"six\"\n", "pacer.rate_bpm = 'six': must be a number"),
    ("[pacer]\ntarget_rate_bpm = 3.5\nmin_rate_bpm = 5\n",
     "pacer.target_rate_bpm = 3.5: must not be below pacer.min_rate_bpm = 5"),
    ("[cues]\nslower_above_bpm = 100\n", "cues.slower_above_bpm = 100: must be between 6 and 40"),
    ("[cues]\nafter_breaths = 2.5\n", "cues.after_breaths = 2.5: must be a whole number"),
    ("[cues]\ngood_after = 60\n", "cues.good_after: unknown key; did you mean 'good_after_s'?"),
    ("[cues]\nbelly = \"yes\"\n", "cues.belly = 'yes': must be true or false"),
    ("[sound]\nvolume = 2\n", "sound.volume = 2: must be between 0 and 1"),
    ("[ring]\nbrightness = \"dim\"\n", "must be one of 'clinic', 'home', 'night'"),
    ("[screen]\ncurve_s = 5\n", "screen.curve_s = 5: must be between 10 and 120 seconds"),
])
def test_bad_coaching_keys(tmp_path, text, expected):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert any(expected in str(m) for m in err.value.problems), err.value.problems


def test_rate_pattern_is_used_by_the_coach(tmp_path):
    from feedback.coach import Coach
    from feedback.programme import SHIPPED, load_programme

    p = tmp_path / "c.toml"
    p.write_text("[pacer]\npattern = \"rate\"\nrate_bpm = 5\nratio = 2\nhold_out_s = 0\n")
    prog = load_programme(SHIPPED / "clinic.toml")
    coach = Coach(load_config(p), prog, 0.0)
    coach.button("start_pause", 0.0)
    press_next(coach, 1.0)               # to the exercises with the pacer
    press_next(coach, 2.0)               # 'ribs' takes its rhythm from the config
    pat = coach.pacer.current(3.0)
    assert pat.period == pytest.approx(12.0) and pat.ratio == pytest.approx(2.0)


def test_sound_is_off_by_default_and_survives_without_a_device(monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="feedback.sound")
    s = Sound(defaults().sound)
    assert not s.enabled
    s.update(0.0, "inhale", True)           # a warning moment: still nothing is played
    s.update(1.0, "exhale", False)
    assert list(s.played) == [] and caplog.records == []  # not even tried
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    on = dict(defaults().sound, enabled=True)
    s = Sound(on)
    assert not s.enabled
    (warning,) = caplog.records             # one warning, then it runs on silently
    assert "audio device could not be opened" in warning.getMessage()
    s.update(0.0, "inhale", True)
    assert list(s.played) == [] and len(caplog.records) == 1


def test_sound_follows_the_pacer_and_warns(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    s = Sound(dict(defaults().sound, enabled=True))
    assert s.enabled
    for t, phase, warn in [(0, "inhale", False), (1, "inhale", False), (4, "hold_in", False),
                           (5, "exhale", False), (6, "exhale", True), (6.5, "exhale", True),
                           (7.6, "exhale", True)]:
        s.update(t, phase, warn)
    s.close()
    assert list(s.played) == ["inhale", "exhale", "warning", "warning"]


def test_synthesised_tones_are_soft_at_the_edges():
    w = tone(330, 440, 0.5, 1.0)
    assert w.dtype.name == "int16" and w.shape[1] == 2
    assert abs(int(w[0, 0])) < 200 and abs(int(w[-1, 0])) < 200
    assert abs(w).max() > 10000
    assert tone(330, 440, 0.5, 0.2).max() < w.max()
    assert len(warning_wave(0.5)) > len(tone(880, 880, 0.18, 0.5))


@pytest.mark.parametrize("text, expected", [
    # max_exhale_s bounds the adaptive pacer only: a fixed 12 s exhale is fine ...
    ('[pacer]\nmode = "fixed"\nexhale_s = 12\n', None),
    # ... an adaptive pacer starts from exhale_s, so there it must fit
    ('[pacer]\nmode = "adaptive"\nexhale_s = 12\n',
     "pacer.max_exhale_s = 10: must not be shorter than pacer.exhale_s = 12"),
    # 25 s a breath is 2.4/min: slower than any pacer rate the config allows (3-20/min)
    ('[pacer]\ninhale_s = 4\nhold_in_s = 5\nexhale_s = 6\nhold_out_s = 10\n',
     ":5: pacer: 4 s in + 5 s pause + 6 s out + 10 s pause = 25 s a breath (2.4/min): "
     "slower than 3 breaths/min"),
    ('[pacer]\ninhale_s = 4\nhold_in_s = 0\nexhale_s = 12\nhold_out_s = 4\n', None),  # 20 s
    ('[pacer]\npattern = "rate"\nrate_bpm = 3\nhold_out_s = 10\n', None),
    # an adaptive pacer runs the set times until the first breath: they must keep to
    # min_rate_bpm (12/min: 5 s a breath), as its limits must fit together
    ('[pacer]\nmode = "adaptive"\nmin_rate_bpm = 12\ntarget_rate_bpm = 12\n',
     ":3: pacer.min_rate_bpm = 12: the adaptive pacer starts from 4 s in + 6 s out + 1 s "
     "pause = 11 s a breath (5.5/min), set by pacer.inhale_s (default), exhale_s (default), "
     "hold_out_s (default): slower than that allows (at most 5 s a breath); give a lower "
     "pacer.min_rate_bpm or a quicker start rhythm"),
    ('[pacer]\nmode = "adaptive"\ninhale_s = 2\nexhale_s = 2\nhold_in_s = 2\nhold_out_s = 3\n'
     'min_rate_bpm = 12\ntarget_rate_bpm = 12\n',
     ":7: pacer.min_rate_bpm = 12: the adaptive pacer starts from 2 s in + 2 s pause + 2 s "
     "out + 3 s pause = 9 s a breath (6.7/min), set by pacer.inhale_s (line 3), exhale_s "
     "(line 4), hold_in_s (line 5), hold_out_s (line 6): slower than that allows (at most 5 "
     "s a breath); even its shortest breath, 1 s in and 2 s out, with 5 s of pauses does "
     "not fit: give a lower pacer.min_rate_bpm or shorter pauses"),
    ('[pacer]\nmode = "adaptive"\npattern = "rate"\nrate_bpm = 10\nmin_rate_bpm = 12\n'
     'target_rate_bpm = 12\n', ":5: pacer.min_rate_bpm = 12: the adaptive pacer starts "
     "from 2 s in + 3 s out + 1 s pause = 6 s a breath (10.0/min), set by pacer.rate_bpm "
     "(line 4), ratio (default), hold_out_s (default)"),
    ('[pacer]\nmode = "adaptive"\ninhale_s = 1.5\nexhale_s = 2.5\nmin_rate_bpm = 12\n'
     'target_rate_bpm = 12\n', None),  # 1.5 + 2.5 + 1 = 5 s: just fits
    ('[pacer]\nmode = "fixed"\nmin_rate_bpm = 12\ntarget_rate_bpm = 12\n', None),
])
def test_pacer_rhythm_limits(tmp_path, text, expected):
    p = tmp_path / "c.toml"
    p.write_text(text)
    if expected is None:
        load_config(p)
        return
    with pytest.raises(ConfigError) as err:
        load_config(p)
    found = [m for m in err.value.problems if expected in str(m)]
    assert found, err.value.problems
    assert_dutch(found[0].message)


def test_a_programme_exercise_slower_than_the_slowest_pacer_is_refused(tmp_path):
    from feedback.programme import programme_for

    (tmp_path / "programs").mkdir()
    head = '[programme]\nname_nl = "T"\nname_en = "T"\n'
    ex = '[[exercise]]\nid = "a"\nname_nl = "A"\nname_en = "A"\nduration_s = 60\n'
    (tmp_path / "programs" / "slow.toml").write_text(
        head + ex + 'pacer = "fixed"\nexhale_s = 14\nhold_out_s = 4\n')  # 4+0+14+4 = 22 s
    (tmp_path / "programs" / "adapt.toml").write_text(
        head + ex + 'pacer = "adaptive"\nexhale_s = 12\n')
    (tmp_path / "programs" / "ok.toml").write_text(
        head + ex + 'pacer = "fixed"\nexhale_s = 12\n')
    for name, expected in (("slow", "slow.toml:11: exercise[1]: 4 s in + 14 s out + 4 s "
                                    "pause = 22 s a breath (2.7/min)"),
                           ("adapt", "adapt.toml:10: exercise[1]: an adaptive pacer's exhale "
                                     "of 12 s is longer than pacer.max_exhale_s = 10"),
                           ("ok", None)):
        cfg = tmp_path / "ademcoach.toml"
        cfg.write_text(f'[programme]\nname = "{name}"\n')
        if expected is None:
            assert programme_for(load_config(cfg)).key == name
            continue
        with pytest.raises(ConfigError) as err:
            programme_for(load_config(cfg))
        assert any(expected in str(m) for m in err.value.problems), err.value.problems


def test_an_adaptive_exercise_slower_than_min_rate_is_refused(tmp_path):
    """An exercise's own adaptive pacer starts from its own times; with the main config's
    pacer fixed, the config's check never saw them."""
    from feedback.programme import programme_for

    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "p.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n[[exercise]]\nid = "a"\nname_nl = "A"\n'
        'name_en = "A"\nduration_s = 60\npacer = "adaptive"\ninhale_s = 3\nexhale_s = 5\n')
    cfg = tmp_path / "ademcoach.toml"
    for min_rate, expected in ((6, None), (8, "p.toml:11: exercise[1]: its adaptive pacer "
                               "starts from 3 s in + 5 s out + 1 s pause = 9 s a breath "
                               "(6.7/min): slower than pacer.min_rate_bpm = 8 allows (at "
                               "most 7.5 s a breath); give a lower pacer.min_rate_bpm")):
        cfg.write_text(f'[programme]\nname = "p"\n[pacer]\nmin_rate_bpm = {min_rate}\n'
                       f'target_rate_bpm = {min_rate}\n')
        if expected is None:
            assert programme_for(load_config(cfg)).key == "p"
            continue
        with pytest.raises(ConfigError) as err:
            programme_for(load_config(cfg))
        found = [m for m in err.value.problems if expected in str(m)]
        assert found, err.value.problems
        assert_dutch(found[0].message)


def test_a_reload_switches_the_sound_on_and_its_tones_at_once(monkeypatch):
    """The therapist switches the sound on, then the pacer tones off, in a running session:
    each applies at once (they were read only at start)."""
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    s = Sound(defaults().sound)
    s.update(0.0, "inhale", True)
    assert not s.enabled and list(s.played) == []
    s.apply(dict(defaults().sound, enabled=True))
    s.update(1.0, "inhale", False)
    s.update(2.0, "exhale", True)
    s.apply(dict(defaults().sound, enabled=True, pacer_tones=False))
    s.update(5.0, "inhale", False)
    s.apply(dict(defaults().sound, enabled=False))
    s.update(8.0, "exhale", True)
    assert list(s.played) == ["inhale", "warning"] and not s.enabled


@pytest.mark.parametrize("main, expected", [
    # A fixed main config: its own rhythm is not checked against the adaptive limits, so
    # the programme's adaptive exercise that takes it must be.
    ('[pacer]\nexhale_s = 12\n',
     ["adapt.toml:4: exercise[1]: its adaptive pacer starts from 4 s in + 12 s out + 1 s "
      "pause = 17 s a breath (3.5/min): slower than pacer.min_rate_bpm = 4 allows",
      "adapt.toml:4: exercise[1]: an adaptive pacer's exhale of 12 s is longer than "
      "pacer.max_exhale_s = 10"]),
    # An adaptive main config is checked as itself, at its own keys (and refused before
    # the programme is read: said once).
    ('[pacer]\nmode = "adaptive"\nexhale_s = 12\n',
     ["ademcoach.toml:5: pacer.max_exhale_s = 10: must not be shorter than pacer.exhale_s "
      "= 12", "ademcoach.toml:5: pacer.min_rate_bpm = 4: the adaptive pacer starts from 4 s "
      "in + 12 s out + 1 s pause = 17 s a breath (3.5/min)"]),
    ('[pacer]\nmode = "adaptive"\nexhale_s = 8\n', []),
])
def test_an_adaptive_exercise_on_the_main_configs_rhythm_is_checked_once(tmp_path, main,
                                                                         expected):
    """An exercise with ``pacer = "adaptive"`` and no times of its own runs the main
    config's rhythm: too slow for ``min_rate_bpm`` or with an exhale over
    ``max_exhale_s``, check-config says so at the exercise (the main config's own check
    judges its rhythm by the adaptive limits only when its own pacer is adaptive), and an
    adaptive main config is refused at its own keys."""
    from feedback.programme import programme_for

    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "adapt.toml").write_text(
        '[programme]\nname_nl = "T"\nname_en = "T"\n[[exercise]]\nid = "a"\nname_nl = "A"\n'
        'name_en = "A"\nduration_s = 60\npacer = "adaptive"\n')
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text('[programme]\nname = "adapt"\n' + main)
    if not expected:
        assert programme_for(load_config(cfg)).key == "adapt"
        return
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    said = [str(m) for m in err.value.problems]
    assert len(said) == len(expected), said
    for text, want in zip(said, expected, strict=True):
        assert want in text, said
