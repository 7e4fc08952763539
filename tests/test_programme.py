from dataclasses import replace

import pytest

from feedback.config import ConfigError, load_config
from feedback.programme import SHIPPED, load_programme, programme_for

GOOD_HEAD = '[programme]\nname_nl = "Test"\nname_en = "Test"\n'
EX = '[[exercise]]\nid = "a{n}"\nname_nl = "A"\nname_en = "A"\nduration_s = 60\n'


def write(tmp_path, text, name="prog.toml"):
    p = tmp_path / name
    p.write_text(text) if isinstance(text, str) else p.write_bytes(text)
    return p


@pytest.mark.parametrize("name", ["clinic", "home"])
def test_shipped_programmes_are_valid_and_follow_the_four_steps(name):
    prog = load_programme(SHIPPED / f"{name}.toml", name)
    kinds = [e.kind for e in prog.exercises]
    assert kinds[0] == "calibration"
    assert "breathing" in kinds and "movement" in kinds
    belly = next(e for e in prog.exercises if e.kind == "breathing")
    assert belly.duration_s == 300 and belly.pacer != "off"   # 5 minutes with the pacer
    moving = next(e for e in prog.exercises if e.kind == "movement")
    assert moving.cue_on("breathe_on") and moving.hold_after_s <= 5
    assert not prog.exercises[0].cue_on("breathe_on")
    if name == "clinic":
        lifting = prog.exercises[-1]
        assert lifting.kind == "load" and lifting.repetitions and lifting.cue_on("breathe_on")


@pytest.mark.parametrize("text, expected", [
    (GOOD_HEAD + EX.format(n=1) + EX.format(n=2).replace("60", "-5"),
     ":13: exercise[2].duration_s = -5: must be between 10 and 3600 seconds"),
    (GOOD_HEAD + EX.format(n=1).replace("duration_s", "duraton_s"),
     ":8: exercise[1].duraton_s: unknown key; did you mean 'duration_s'?"),
    (GOOD_HEAD + EX.format(n=1) + "repetitions = 5\n",
     "exercise[1]: give either duration_s or repetitions"),
    (GOOD_HEAD + EX.format(n=1).replace("duration_s = 60\n", ""),
     "exercise[1]: give either duration_s or repetitions"),
    (GOOD_HEAD + EX.format(n=1) + 'cues = ["slower", "louder"]\n',
     "exercise[1].cues = ['slower', 'louder']: item 2: must be one of"),
    (GOOD_HEAD + EX.format(n=1) + 'pacer = "on"\n', "exercise[1].pacer = 'on': must be one of"),
    (GOOD_HEAD + EX.format(n=1) + "hold_after_s = 1\n",
     "exercise[1].hold_after_s = 1: must be between 2 and 15 seconds"),
    (GOOD_HEAD + EX.format(n=1) + EX.format(n=1), "exercise[2].id = 'a1': used twice"),
    (GOOD_HEAD, "no [[exercise]] tables"),
    (EX.format(n=1), "programme.name_nl: missing"),
    (GOOD_HEAD + "[[exercis]]\nid = \"x\"\n", "[exercis]: unknown section; did you mean"),
    (GOOD_HEAD + "[[exercise]\n", ":4: TOML syntax"),
    ("", "the file is empty"),
    (b"\xff\xfe\x00garbage", "not a text file"),
])
def test_bad_programmes_give_clear_messages(tmp_path, text, expected):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_programme(p)
    messages = [str(x) for x in err.value.problems]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(str(p)) for m in messages)


def test_unknown_programme_name_lists_the_available_ones(tmp_path):
    cfg = write(tmp_path, '[patient]\ncode = "X1"\n[programme]\nname = "klinic"\n',
                "ademcoach.toml")
    with pytest.raises(ConfigError) as err:
        programme_for(load_config(cfg))
    assert str(err.value) == (f"{cfg}:4: programme.name = 'klinic': no such programme; "
                              "available: 'clinic', 'home'; did you mean 'clinic'?")


def test_a_programme_next_to_the_config_file_is_found(tmp_path):
    (tmp_path / "programs").mkdir()
    write(tmp_path / "programs", GOOD_HEAD + EX.format(n=1), "mine.toml")
    cfg = write(tmp_path, '[programme]\nname = "mine"\n', "ademcoach.toml")
    prog = programme_for(load_config(cfg))
    assert prog.key == "mine" and prog.exercises[0].id == "a1"
    assert prog.exercises[0].cues is None and prog.exercises[0].cue_on("slower")


def test_no_praise_in_movement_and_load_exercises_unless_listed():
    from feedback.programme import SHIPPED, load_programme

    clinic = load_programme(SHIPPED / "clinic.toml", "clinic")
    kinds = {ex.kind: ex for ex in clinic.exercises}
    assert kinds["breathing"].cue_on("good") and kinds["breathing"].cue_on("slower")
    for kind in ("movement", "load"):
        assert not kinds[kind].cue_on("good") and kinds[kind].cue_on("breathe_on")
    listed = replace(kinds["movement"], cues=("good", "breathe_on"))
    assert listed.cue_on("good") and not listed.cue_on("slower")
