"""The docs are true: docs/architecture.md names every module, and the examples in the
docs are what the program says."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_every_module_is_named_in_the_architecture():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [p for package in ("feedback", "feedback/analysis", "device")
               for p in sorted((REPO / package).glob("*.py")) if p.name != "__init__.py"]
    assert len(modules) > 40
    missing = [str(p.relative_to(REPO)) for p in modules if f"{p.name}`" not in text]
    assert not missing, f"not in docs/architecture.md: {missing}"


def _block_after(text: str, marker: str) -> list[str]:
    """The lines of the first ``` block after ``marker``."""
    return text.split(marker, 1)[1].split("```", 2)[1].strip().splitlines()


def test_the_check_config_example_is_what_it_says_of_the_shipped_config(tmp_path, capsys):
    """README.md and docs/formats.md show check-config on the shipped config with two slips
    at the lines they name; the screen's Dutch line in formats.md is the same problem."""
    import re

    from feedback.cli import main
    from feedback.config import load_config
    from feedback.config_rules import ConfigError
    from feedback.screen import Screen
    from feedback.view import config_error_view

    lines = (REPO / "config" / "ademcoach.toml").read_text(encoding="utf-8").splitlines()
    examples = {p: _block_after((REPO / p).read_text(encoding="utf-8"), marker)
                for p, marker in (("README.md", "problem in one pass:"),
                                  ("docs/formats.md", "for example"))}
    assert examples["README.md"] == examples["docs/formats.md"]
    for line in examples["README.md"][:2]:
        n, key = re.match(r"ademcoach\.toml:(\d+): (\w+\.\w+)", line).groups()
        name = key.split(".")[1]
        assert lines[int(n) - 1].startswith(f"{'pixels' if name == 'pixel' else name} = ")
        lines[int(n) - 1] = {"exhale_s": "exhale_s = 40", "pixel": "pixel = 16"}[name]
    cfg = tmp_path / "ademcoach.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["check-config", str(cfg)]) == 2
    said = capsys.readouterr().err.replace(str(tmp_path) + "/", "").splitlines()
    assert said == examples["README.md"]
    formats = " ".join((REPO / "docs" / "formats.md").read_text(encoding="utf-8").split())
    dutch = re.search(r"Dutch by default: `([^`]*)`", formats).group(1)
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    screen = Screen((800, 480))
    screen.draw(config_error_view(exc.value.problems, "nl", kept=True))
    assert dutch in " ".join(t for t, _r in screen.texts)


def test_the_demo_example_is_what_make_demo_prints(sim_config, capsys):
    """README.md shows the end of `make demo` (`run --sim calm`: headless, 60 s at 10 x).
    Faster than real time a sample is taken when it is due, so it prints what --speed 0
    prints, whatever the computer."""
    from feedback.cli import main

    shown = _block_after((REPO / "README.md").read_text(encoding="utf-8"),
                         "`make demo` runs `ademcoach run --sim calm`")
    assert main(["run", "--sim", "calm", "--headless", "--speed", "0",
                 "--config", str(sim_config)]) == 0
    said = capsys.readouterr().out.splitlines()
    assert [line.strip() for line in said[-len(shown):]] == [line.strip() for line in shown]


def test_the_programme_error_example_is_what_it_says_of_the_shipped_clinic(tmp_path, capsys):
    import re
    import shutil

    from feedback.cli import main

    text = " ".join((REPO / "docs" / "coaching.md").read_text(encoding="utf-8").split())
    example = re.search(r"exercises counted from 1: `([^`]*)`", text).group(1)
    n = int(re.match(r"clinic\.toml:(\d+): exercise\[2\]\.duration_s = -5", example).group(1))
    shutil.copy(REPO / "config" / "ademcoach.toml", tmp_path)
    (tmp_path / "programs").mkdir()
    lines = (REPO / "config" / "programs" / "clinic.toml").read_text(
        encoding="utf-8").splitlines()
    assert lines[n - 1].startswith("duration_s = ")
    lines[n - 1] = "duration_s = -5"
    (tmp_path / "programs" / "clinic.toml").write_text("\n".join(lines) + "\n")
    assert main(["check-config", str(tmp_path / "ademcoach.toml")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{tmp_path}/programs/{example}"]


def test_the_event_stream_example_parses_and_adds_up():
    from feedback.events import Breath, from_json

    text = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    events = [from_json(line) for line in _block_after(text, "Example:")]
    breath = next(e for e in events if isinstance(e, Breath))
    assert breath.inhale_s + breath.exhale_s == pytest.approx(breath.end - breath.start)


def _leaflet_halves() -> dict[str, str]:
    text = (REPO / "docs" / "patient-leaflet.md").read_text(encoding="utf-8")
    text = text.split("-->", 1)[1]  # (the note to the clinic is not printed)
    nl, en = text.split("\n---\n")
    return {"nl": nl, "en": en}


def _screen_texts(lang: str) -> dict[str, str]:
    """Every text the home programme's screen can show in ``lang``, by key: the unit's
    strings (a {field} matching anything) and the programme's names and hints."""
    import re
    import tomllib

    from feedback import i18n

    out = {key: re.sub(r"\\\{\w+\\\}", ".+", re.escape(s))
           for key, s in i18n.STRINGS[lang].items()}
    home = tomllib.loads((REPO / "config" / "programs" / "home.toml").read_text("utf-8"))
    for ex in home["exercise"]:
        for field in ("name", "hint"):
            out[f"{ex['id']}.{field}"] = re.escape(ex[f"{field}_{lang}"])
    return out


def test_the_patient_leaflet_quotes_the_screen_and_says_the_same_in_english():
    """Each text in bold in the leaflet is one the unit's screen shows (feedback/i18n.py, or
    the home programme's names and hints), and the English half quotes the same ones in
    the same order as the Dutch."""
    import re

    keys = {}
    for lang, half in _leaflet_halves().items():
        quoted = [" ".join(q.split()) for q in re.findall(r"\*\*(.+?)\*\*", half, re.S)]
        assert len(quoted) > 30
        texts = _screen_texts(lang)
        keys[lang] = []
        for q in quoted:
            found = {k for k, pattern in texts.items() if re.fullmatch(pattern, q)}
            assert found, f"{lang}: '{q}' is no text of the screen"
            keys[lang].append(found)
    assert len(keys["nl"]) == len(keys["en"])
    for i, (nl, en) in enumerate(zip(keys["nl"], keys["en"], strict=True)):
        assert nl & en, f"quote {i + 1}: {sorted(nl)} in Dutch, {sorted(en)} in English"


def test_the_patient_leaflet_numbers_are_the_units():
    """The long press, the home programme's minutes, the day's target and the time after
    which a session that stands still stops, as the leaflet gives them."""
    import tomllib

    from feedback.coach import LEFT_S

    config = tomllib.loads((REPO / "config" / "ademcoach.toml").read_text("utf-8"))
    home = tomllib.loads((REPO / "config" / "programs" / "home.toml").read_text("utf-8"))
    kinds = [(ex["kind"], ex.get("duration_s")) for ex in home["exercise"]]
    assert kinds == [("calibration", 45), ("breathing", 300), ("movement", 120)]
    assert config["buttons"]["long_press_s"] == 1.5
    assert config["patient"]["daily_minutes"] == 5
    assert LEFT_S == 30 * 60
    halves = {lang: " ".join(half.split()) for lang, half in _leaflet_halves().items()}
    for said in ("volgende 1,5 seconde vasthouden", "**Buikademhaling**, 5 minuten",
                 "**Blijf ademen tijdens bewegen**, 2 minuten", "4 van 5 min",
                 "30 minuten stil"):
        assert said in halves["nl"], said
    for said in ("hold next for 1.5 seconds", "**Belly breathing**, 5 minutes",
                 "**Keep breathing while moving**, 2 minutes", "4 of 5 min",
                 "stands still for 30 minutes"):
        assert said in halves["en"], said


def _restart_marks() -> dict[str, set[str]]:
    """The keys config/ademcoach.toml says need a restart, by language: a key whose own
    comment says so (or the comment of the key it is listed under, as height under
    width), and every key of a section that says it of all of its keys."""
    import re

    from feedback.config_schema import SCHEMA

    said = {"en": re.compile(r"needs a restart", re.I),
            "nl": re.compile(r"vereist (een )?herstart", re.I)}
    whole = {"en": "Everything in [{s}] needs a restart",
             "nl": "Alles in [{s}] vereist een herstart"}
    marked: dict[str, set[str]] = {"en": set(), "nl": set()}
    section, block, last = "", [], []
    for line in (REPO / "config" / "ademcoach.toml").read_text("utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            section, block, last = line.strip("[]"), [], []
        elif line.startswith("#"):
            block.append(line)
            for lang in marked:
                if whole[lang].format(s=section) in line:
                    marked[lang].update(f"{section}.{k}" for k in SCHEMA[section])
        elif "=" in line:
            key = line.split("=")[0].strip()
            last = block or last  # (no comment of its own: the one above the key before)
            for lang, pattern in said.items():
                if any(pattern.search(c) for c in last):
                    marked[lang].add(f"{section}.{key}")
            block = []
        else:
            block = []
    return marked


def test_the_config_says_which_keys_need_a_restart():
    """The file's comments say "needs a restart" ("vereist herstart") of exactly the keys
    a running unit keeps until a restart (feedback/reload.py): the buzzer and the long
    press were not said to, and a therapist who changed long_press_s saw no change."""
    from feedback.config_schema import SCHEMA
    from feedback.reload import RESTART_KEYS

    restart = {f"{s}.{k}" for s, keys in RESTART_KEYS.items()
               for k in (keys if keys is not None else SCHEMA[s])}
    for lang, marked in _restart_marks().items():
        assert sorted(restart - marked) == [], f"{lang}: not said to need a restart"
        assert sorted(marked - restart) == [], f"{lang}: said to need a restart, but do not"


@pytest.mark.parametrize("name", sorted(p.stem for p in (REPO / "docs" / "screens").glob("*.png")))
def test_the_screenshots_are_what_render_draws(name):
    """docs/screens/NAME.png is `ademcoach render NAME` with the shipped config at 800x480
    in Dutch, as README.md and docs/coaching.md say: the calibration's picture still
    said "Even meten hoe je ademt" after the screen had long asked to keep still and not
    talk. (A few pixels may differ with the font library; a changed text is thousands.)"""
    import numpy as np
    import pygame

    from feedback.reload import load_all
    from feedback.render import example_view
    from feedback.screen import Screen

    settings, programme = load_all(REPO / "config" / "ademcoach.toml")
    drawn = Screen((800, 480)).draw(example_view(name, "nl", settings, programme))
    shipped = pygame.image.load(REPO / "docs" / "screens" / f"{name}.png")
    assert shipped.get_size() == drawn.get_size()
    a = pygame.surfarray.array3d(drawn).astype(int)
    b = pygame.surfarray.array3d(shipped).astype(int)
    changed = int((np.abs(a - b).sum(axis=2) > 48).sum())
    assert changed < 0.002 * a.shape[0] * a.shape[1], f"{name}: {changed} pixels differ"


def test_the_scenarios_said_to_vary_as_real_breathing_does_are_those_that_do():
    """README.md, docs/formats.md and restless.toml name the scenarios whose breaths vary
    by more than 8 %, as real breathing does: formats.md and restless.toml said only
    `restless`, after belly-lag had come (every breath 40 % apart)."""
    import tomllib

    from device.scenario import SECTIONS, available

    varied = set()
    for name in available():
        data = tomllib.loads((REPO / "config" / "scenarios" / f"{name}.toml").read_text("utf-8"))
        breathing = {k: rule.default for k, rule in SECTIONS["breathing"].items()}
        breathing.update(data.get("breathing", {}))
        if max(breathing[k] for k in ("jitter", "ratio_jitter", "pause_jitter")) > 0.08:
            varied.add(name)
    assert varied == {"restless", "belly-lag"}
    said = {p: " ".join((REPO / p).read_text("utf-8").replace("#", " ").split())
            for p in ("README.md", "docs/formats.md", "config/scenarios/restless.toml")}
    assert "the others but `belly-lag` vary by 8 % at most" in said["README.md"]
    assert "`restless` and `belly-lag` (two belts) have that" in said["docs/formats.md"]
    assert "The other scenarios but belly-lag" in said["config/scenarios/restless.toml"]


def test_the_keys_the_docs_give_are_the_screens():
    """README.md and docs/service.md give every key the screen takes (feedback/display.py),
    and what q and Escape do there: a keyboard on the unit ends the service with exit
    code 0, which Restart=on-failure did not restart (the unit stayed dark); the unit
    file restarts it always, as the doc says."""
    from feedback.display import KEYS

    words = {"space": "space", "return": "Enter", "n": "n", "right": "right arrow",
             "c": "c", "escape": "Escape", "q": "q"}
    assert set(KEYS) == set(words)
    for doc in ("README.md", "docs/service.md"):
        text = " ".join((REPO / doc).read_text("utf-8").split())
        assert ("space or Enter = start/pause, n or the right arrow = next" in text
                and "c = calibrate again" in text and "q or Escape" in text), doc
    service = " ".join((REPO / "docs" / "service.md").read_text("utf-8").split())
    assert "systemd starts it again 3 s later (`Restart=always`" in service
    unit = (REPO / "systemd" / "ademcoach.service").read_text("utf-8").splitlines()
    assert "Restart=always" in unit and "RestartPreventExitStatus=2" in unit


def test_the_buzzer_sounds_through_a_hold_warning_whatever_sound_says(sim_config):
    """docs/coaching.md ("Sound"): the buzzer sounds for as long as a hold warning is on,
    also with [sound] warning_tone = false; the docs said nothing of how it sounds or
    which switch silences it."""
    from feedback.clock import VirtualClock
    from feedback.reload import load_all
    from feedback.run import open_session

    settings, programme = load_all(sim_config)
    settings.buttons["buzzer"] = 13
    settings.sound["warning_tone"] = False
    heard = []
    with open_session(settings, programme, sim_config, sim="holds", clock=VirtualClock(),
                      duration=70, status=False) as session:
        def listen(due):
            heard.append((session.coach.warning, session.parts.controls.buzzer_on))
            return due + 0.25

        session.loop.add("listen", listen, first=session.t0 + 1.0)
        session.run()
    assert any(warning for warning, _ in heard)
    assert all(warning == buzzing for warning, buzzing in heard)
    text = " ".join((REPO / "docs" / "coaching.md").read_text("utf-8").split())
    assert "also with `enabled = false` or `warning_tone = false`" in text


def test_the_code_quotes_the_docs_examples():
    """feedback/programme.py's docstring gives coaching.md's error example (it named line
    31 of clinic.toml, where the calibration's English name is)."""
    import re

    from feedback import programme

    text = " ".join((REPO / "docs" / "coaching.md").read_text(encoding="utf-8").split())
    example = re.search(r"exercises counted from 1: `([^`]*)`", text).group(1)
    assert example in programme.__doc__


def test_the_config_says_the_adaptive_pacer_runs_the_set_rhythm_only_until_it_knows_the_patients():
    """[pacer] min_rate_bpm and max_exhale_s: the set rhythm is what an adaptive pacer runs
    until the patient's own is measured (tests/test_coach.py: after a calibration it
    starts at once at the calibration's rhythm); the comments said it started there."""
    lines = (REPO / "config" / "ademcoach.toml").read_text("utf-8").splitlines()
    for key in ("min_rate_bpm", "max_exhale_s"):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} = "))
        above = []
        for line in reversed(lines[:at]):
            if not line.startswith("#"):
                break
            above.insert(0, line.lstrip("# "))
        said = " ".join(" ".join(above).split())
        assert "until the patient's own rhythm is measured" in said.lower(), key
        assert "tot het eigen ritme van de patiënt gemeten is" in said.lower(), key


def test_the_architecture_names_what_device_takes_from_feedback():
    """docs/architecture.md lists the pieces of `feedback` that `device` imports (the two
    packages import each other): the analysis's GAP_S, which replay.py takes, was not."""
    import re

    text = " ".join((REPO / "docs" / "architecture.md").read_text("utf-8").split())
    said = text.split("`device` uses a few of `feedback`'s shared pieces", 1)[1]
    said = said.split("so the two packages import each other", 1)[0]
    taken = set()
    for path in (REPO / "device").glob("*.py"):
        src = path.read_text("utf-8")
        for module, names in re.findall(r"from feedback\.([\w.]+) import \(?([\w, \n]+)\)?",
                                        src):
            taken.add((module, tuple(n.strip() for n in names.split(",") if n.strip())))
    for module, names in sorted(taken):
        named = (f"`{module.split('.')[-1]}.py`" in said
                 or all(f"`{n}`" in said for n in names)
                 or (module == "cli" and "the command line's config lookup" in said))
        assert named, f"device imports {names} from feedback.{module}"


def test_the_architecture_names_every_module_of_feedback_that_imports_device():
    """docs/architecture.md says which modules of `feedback` import `device`, and only
    inside functions; the command line's lazy import of hw-check was not named."""
    import re

    text = " ".join((REPO / "docs" / "architecture.md").read_text("utf-8").split())
    said = text.split("`feedback` imports `device` only inside functions:", 1)[1]
    said = said.split("`parts.py`:", 1)[0]
    importers = set()
    for path in (REPO / "feedback").rglob("*.py"):
        src = path.read_text("utf-8")
        assert not re.search(r"^(from|import) device", src, re.M), \
            f"{path.name} imports device at the top"
        if re.search(r"^\s+from device\.|[\"']device\.\w+[\"']", src, re.M):
            importers.add(path.name)
    assert importers
    missing = sorted(n for n in importers if f"`{n}`" not in said)
    assert not missing, f"import device but are not named: {missing}"
