"""Named patient scenarios: TOML files in ``config/scenarios/``, validated like the config.

A scenario sets how the simulated patient breathes on their own, how closely they follow
the pacer, the belt signal (excursion, noise, creep) and a list of timed episodes::

    [scenario]      description, seed
    [breathing]     rate_bpm, ratio (exhale:inhale), depth, pause_s, jitter, ratio_jitter,
                    pause_jitter, belly_share, paradoxical (the belly drawn in as the
                    chest rises: two belts), belly_lag_s (the belly's movement behind
                    the chest's; negative: ahead)
    [signal]        excursion_cm, noise_mv, creep_cm_per_min, creep_tau_s, cardiac_mv,
                    heart_bpm, chest_sensitivity (the chest belt's, x the belly's)
    [follow]        lag_s, compliance
    [[episode]]     kind, start_s, duration_s and the kind's own keys

Episode kinds: ``hold`` (``after`` = "inhale" or "exhale"), ``fast`` (``rate_bpm``),
``forced`` (``depth``), ``squats`` (``period_s``, ``amplitude_cm``), ``bending``
(``amplitude_cm``), ``walking`` (``step_hz``, ``amplitude_cm``), ``posture``
(``shift_cm``: a lasting step), ``unplugged`` (``belt``: one of the config's belts, or
"all"), ``taken_off`` (``belt``, as for unplugged: the belt taken off and laid down with
its plug still in; it lies still, showing only the circuit's noise, and goes slack: the
cord loses its pre-tension, some 0.2 V below the worn rest level, more than a breath;
with ``slack = false`` it lies at the worn rest level instead; when the episode ends it
is put on again, at once, at its worn level). What a patient does besides breathing
replaces the breath for its time (``device/patient.py``, ``act_knots``): ``talk``
(``duration_s`` of speech, phrase inhales ``depth`` deep), ``cough`` (``count`` jerks),
``sigh`` and ``yawn`` (one breath ``depth`` deep and ``duration_s`` long), ``laugh``
(``duration_s``), ``sniff``, ``swallow``.

Each breath's rate and depth vary by up to +-``jitter`` (a share of them), its
exhale:inhale by up to +-``ratio_jitter`` and its rest at the bottom by up to
+-``pause_jitter`` (both 0 by default: every breath alike). Real breathing varies far more
than the default 5 %: at rest the period, depth and exhale:inhale of real stretch-belt
recordings vary by 20-45 % from breath to breath (``config/scenarios/restless.toml``).
``cardiac_mv`` adds the heartbeat's ripple at ``heart_bpm`` (its rate wandering a little).

With two belts the chest and the belly move in exact phase and with equal sensitivity
by default. ``belly_lag_s`` puts the belly's breathing that many seconds behind the
chest's (negative: ahead; in real people 0.2-0.8 s either way), ``chest_sensitivity``
makes the chest belt read its stretch that many times as large as the belly belt would
(two real belts differ by 0.7-1.3 x). Both are for two belts; one belt ignores them.

Creep is the belt's relaxation after it is put on (at the session's start): it creeps at
``creep_cm_per_min`` at first and settles with time constant ``creep_tau_s``, in all
``creep_cm_per_min x creep_tau_s / 60`` cm (device/patient.py, ``creep_cm``). A file
without ``creep_tau_s`` settles with the default 10 min.

Every problem is reported with file, line and key, like the config file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from feedback.config import Section, parse_toml, validate_table
from feedback.config_rules import Bool, Choice, ConfigError, Float, Int, Problem, Text
from feedback.words import Say, say

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "config" / "scenarios"

SECTIONS = {
    "scenario": {
        "description": Text(""),
        "seed": Int(1, lo=0, hi=2**31),
    },
    "breathing": {
        "rate_bpm": Float(12.0, lo=2.0, hi=60.0, unit="breaths/min"),
        "ratio": Float(1.5, lo=0.3, hi=5.0),
        "depth": Float(1.0, lo=0.1, hi=4.0),
        "pause_s": Float(0.3, lo=0.0, hi=5.0, unit="seconds"),
        "jitter": Float(0.05, lo=0.0, hi=0.5),
        "ratio_jitter": Float(0.0, lo=0.0, hi=0.8),
        "pause_jitter": Float(0.0, lo=0.0, hi=0.8),
        "belly_share": Float(0.6, lo=0.0, hi=1.0),
        "paradoxical": Bool(False),
        "belly_lag_s": Float(0.0, lo=-2.0, hi=2.0, unit="seconds"),
    },
    "signal": {
        "excursion_cm": Float(1.5, lo=0.1, hi=10.0, unit="cm"),
        "noise_mv": Float(1.0, lo=0.0, hi=200.0, unit="mV"),
        "creep_cm_per_min": Float(0.0, lo=-5.0, hi=5.0, unit="cm/min"),
        "creep_tau_s": Float(600.0, lo=10.0, hi=7200.0, unit="seconds"),
        "cardiac_mv": Float(0.0, lo=0.0, hi=200.0, unit="mV"),
        "heart_bpm": Float(70.0, lo=30.0, hi=200.0, unit="beats/min"),
        "chest_sensitivity": Float(1.0, lo=0.5, hi=2.0),
    },
    "follow": {
        "lag_s": Float(0.5, lo=0.0, hi=5.0, unit="seconds"),
        "compliance": Float(1.0, lo=0.0, hi=1.0),
    },
}

# Episodes that replace the breathing for their time (``device/patient.py``, ``act_knots``).
ACTS = ("talk", "cough", "sigh", "yawn", "laugh", "sniff", "swallow")

_COMMON = {
    "kind": Choice("hold", choices=("hold", "fast", "forced", "squats", "bending", "walking",
                                    "posture", "unplugged", "taken_off") + ACTS),
    "start_s": Float(0.0, lo=0.0, hi=86400.0, unit="seconds"),
    "duration_s": Float(10.0, lo=0.0, hi=86400.0, unit="seconds"),
}
EPISODE_KEYS = {
    "hold": {"after": Choice("inhale", choices=("inhale", "exhale"))},
    "fast": {"rate_bpm": Float(24.0, lo=2.0, hi=60.0, unit="breaths/min")},
    "forced": {"depth": Float(2.5, lo=0.1, hi=4.0)},
    "squats": {"period_s": Float(4.0, lo=1.0, hi=20.0, unit="seconds"),
               "amplitude_cm": Float(2.0, lo=0.0, hi=10.0, unit="cm")},
    "bending": {"amplitude_cm": Float(3.0, lo=-10.0, hi=10.0, unit="cm")},
    "walking": {"step_hz": Float(1.8, lo=0.5, hi=4.0, unit="Hz"),
                "amplitude_cm": Float(0.2, lo=0.0, hi=5.0, unit="cm")},
    "posture": {"shift_cm": Float(1.0, lo=-10.0, hi=10.0, unit="cm")},
    "unplugged": {"belt": Text("all", pattern=r"[a-z][a-z0-9_]{0,15}",
                               explain=Say("must be a belt name or \"all\"",
                                           "moet de naam van een band zijn, of \"all\""))},
    "taken_off": {"belt": Text("all", pattern=r"[a-z][a-z0-9_]{0,15}",
                               explain=Say("must be a belt name or \"all\"",
                                           "moet de naam van een band zijn, of \"all\"")),
                  "slack": Bool(True)},
    "talk": {"depth": Float(1.0, lo=0.2, hi=3.0)},
    "cough": {"count": Int(2, lo=1, hi=5)},
    "sigh": {"depth": Float(2.5, lo=1.0, hi=4.0)},
    "yawn": {"depth": Float(2.5, lo=1.0, hi=4.0)},
    "laugh": {},
    "sniff": {},
    "swallow": {},
}


@dataclass
class Scenario:
    name: str
    path: str
    scenario: Section
    breathing: Section
    signal: Section
    follow: Section
    episodes: list[Section] = field(default_factory=list)

    @property
    def description(self) -> str:
        return self.scenario.description


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def _episode_lines(text: str) -> list[dict]:
    """Line numbers of keys inside each [[episode]] table, in order."""
    out: list[dict] = []
    current: dict | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if s.startswith("["):
            current = {None: n} if re.match(r"\[\[\s*episode\s*\]\]", s) else None
            if current is not None:
                out.append(current)
        elif current is not None and (m := re.match(r"([A-Za-z0-9_\-]+)\s*=", s)):
            current.setdefault(m.group(1), n)
    return out


def load_scenario(name_or_path, belts: tuple[str, ...] | None = None) -> Scenario:
    """A scenario by name (``calm``) or path. ConfigError lists every problem.

    With ``belts`` (the config's), an ``unplugged`` episode must name one of them or "all".
    """
    p = Path(name_or_path)
    if p.suffix != ".toml" and not p.exists():
        p = SCENARIO_DIR / f"{name_or_path}.toml"
        if not p.exists():
            raise ConfigError([Problem(str(name_or_path), None,
                                       say("no such scenario; choose one of {a}",
                                           "dit scenario bestaat niet; kies uit {a}",
                                           a=", ".join(available())))])
    if p.is_dir() or p.suffix != ".toml":
        raise ConfigError([Problem(str(name_or_path), None,
                                   say("not a scenario: a simulation is a scenario's name "
                                       "({a}), a scenario file (.toml) or a recording (.csv)",
                                       "geen scenario: een simulatie is de naam van een "
                                       "scenario ({a}), een scenariobestand (.toml) of een "
                                       "opname (.csv)", a=", ".join(available())))])
    data, text = parse_toml(p)
    path = str(p)
    from feedback.config import key_lines

    lines = key_lines(text)
    problems: list[Problem] = []
    sections = {}
    for name in data:
        if name not in SECTIONS and name != "episode":
            problems.append(Problem(path, lines.get((name, None)),
                                    say("[{n}]: unknown section; expected one of {a}",
                                        "[{n}]: onbekende sectie; verwacht een van {a}",
                                        n=name, a=", ".join([*SECTIONS, "episode"]))))
        elif name in SECTIONS and not isinstance(data[name], dict):  # (was left out unsaid)
            problems.append(Problem(path, lines.get(("", name)),
                                    say("{n}: must be a section [{n}]",
                                        "{n}: moet een sectie [{n}] zijn", n=name)))
    for name, rules in SECTIONS.items():
        table = data.get(name, {})
        section, found = validate_table(table if isinstance(table, dict) else {}, rules,
                                        path, lines, name)
        sections[name] = section
        problems.extend(found)
    episodes = []
    raw_eps = data.get("episode", [])
    ep_lines = _episode_lines(text)
    if not isinstance(raw_eps, list):
        raw_eps = []
        problems.append(Problem(path, lines.get(("episode", None)),
                                Say("episode: write each one as an [[episode]] table",
                                    "episode: schrijf elke episode als een "
                                    "[[episode]]-tabel")))
    for i, ep in enumerate(raw_eps):
        where = ep_lines[i] if i < len(ep_lines) else {}
        elines = {("episode", k): v for k, v in where.items()}
        label = f"episode[{i + 1}]"
        if not isinstance(ep, dict):  # (``episode = [1]``: a traceback)
            problems.append(Problem(path, lines.get(("", "episode")),
                                    say("{label}: must be an [[episode]] table",
                                        "{label}: moet een [[episode]]-tabel zijn",
                                        label=label)))
            continue
        kind = ep.get("kind")
        if not isinstance(kind, str) or kind not in EPISODE_KEYS:  # (a list: a traceback)
            problems.append(Problem(path, where.get("kind") or where.get(None),
                                    say("{label}.kind = {k}: must be one of {a}",
                                        "{label}.kind = {k}: moet een van deze zijn: {a}",
                                        label=label, k=repr(kind), a=", ".join(EPISODE_KEYS))))
            continue
        section, found = validate_table(ep, {**_COMMON, **EPISODE_KEYS[kind]}, path, elines,
                                        "episode", prefix=label)
        problems.extend(found)
        if (kind in ("unplugged", "taken_off") and belts is not None and not found
                and section.belt not in (*belts, "all")):
            problems.append(Problem(path, where.get("belt") or where.get(None),
                                    say("{label}.belt = \"{b}\": the config has no such belt; "
                                        "its belts are {a}, or \"all\"",
                                        "{label}.belt = \"{b}\": deze band staat niet in de "
                                        "config; de banden zijn {a}, of \"all\"",
                                        label=label, b=section.belt,
                                        a=", ".join(f'"{x}"' for x in belts))))
        episodes.append(section)
    if problems:
        raise ConfigError(problems)
    return Scenario(p.stem, path, episodes=sorted(episodes, key=lambda e: e.start_s),
                    **sections)
