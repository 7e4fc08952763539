"""The ``ademcoach`` command line.

Each sub-command is a small function that gets the parsed arguments and returns an
exit code. Errors a person can fix are ``AdemError``s: they print one line on stderr
and exit 2 (bad input) or 1 (runtime or hardware), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from feedback import __version__
from feedback.errors import AdemError, BadInput

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config"
SYSTEM_CONFIG = Path("/etc/ademcoach/ademcoach.toml")


def config_path(given: str | None) -> Path:
    """Which config file to use: --config, $ADEMCOACH_CONFIG, /etc/ademcoach, the shipped one."""
    if given is not None:
        if not given.strip():
            raise BadInput("the config file name is empty: give a path, or leave it out "
                           "for the default")
        return Path(given)
    env = os.environ.get("ADEMCOACH_CONFIG")
    if env:
        return Path(env)
    if SYSTEM_CONFIG.exists():
        return SYSTEM_CONFIG
    return REPO_CONFIG / "ademcoach.toml"


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    if value == float("inf"):  # (hw-check would wait for a press for ever)
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds")
    return value


def _given(text: str) -> str:
    """A path or name that is there: an empty one ('') meant something else silently
    (``--sim ''`` ran the real hardware, ``export ''`` the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _inputs(text: str) -> tuple[str, ...]:
    """'A0' or 'A0,A1': the ADS1115 inputs the simulated belts are wired to."""
    inputs = tuple(part.strip().upper() for part in text.split(","))
    bad = [i for i in inputs if i not in ("A0", "A1", "A2", "A3")]
    if bad or len(set(inputs)) != len(inputs) or not 1 <= len(inputs) <= 2:
        raise argparse.ArgumentTypeError(f"{text!r}: give one or two different inputs of "
                                         "A0, A1, A2, A3, one per belt, such as A0 or A0,A1")
    return inputs


def _png(text: str) -> str:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"{text!r}: the picture is a PNG; give a file name "
                                         "ending in .png")
    return text


def cmd_check_config(args) -> int:
    from feedback.config_rules import ConfigError
    from feedback.reload import load_all

    path = config_path(args.file)
    try:
        settings, programme = load_all(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.problems)
        if n > 1:  # (one problem is said in its own line)
            print(f"{path}: {n} problems", file=sys.stderr)
        return 2
    from feedback.coach import Coach

    print(f"{path}: OK")
    print(f"  programme {programme.key!r} ({programme.source}):")
    coach = Coach(settings, programme, 0.0)
    for ex in programme.exercises:
        print(f"    {ex.id}: {coach.pacing(ex)}")
        print(f"      {coach.cues_listed(ex)}")
    moving = [ex for ex in programme.exercises if ex.moving]
    if moving:
        # (the listing said "hold warning after 4 s" for squats, where one belt cannot
        # tell a held breath from the trunk's movement; an exercise that only records
        # holds, as the first analysis's, counts them with the same limit)
        how = ("warned" if any(ex.cue_on("breathe_on") for ex in moving) else "recorded")
        print("    movement and load: a hold during squats, bending or lifting is not always "
              f"found, and such movement can be {how} as one (docs/analysis.md, known "
              "limits): watch the patient")
    from feedback.config_schema import SCHEMA

    for name, section in settings.items():
        values = ", ".join(f"{k}={SCHEMA[name][k].show(v)}" for k, v in section.items())
        print(f"  [{name}] {values}")
    if note := _outside_the_service(settings.records.data_dir):
        print(note)
    for note in _hints_in_one_language(programme, settings.patient.language):
        print(note)
    return 0


def _hints_in_one_language(programme, lang: str) -> list[str]:
    """A note per exercise with a hint in one language only: the screen in the other
    shows none (a programme written in Dutch, on a unit later set to English). Not an
    error: a unit that stays in one language needs only its own."""
    said = {"nl": "Dutch", "en": "English"}
    notes = []
    for ex in programme.exercises:
        given = [k for k in ("nl", "en") if getattr(ex, f"hint_{k}")]
        if len(given) != 1:
            continue
        has, lacks = given[0], "en" if given[0] == "nl" else "nl"
        now = " (this config's language)" if lacks == lang else ""
        notes.append(f"  note: exercise {ex.id!r} has a hint in {said[has]} only "
                     f"(hint_{has}): on a screen in {said[lacks]}{now} it shows none; "
                     f"add hint_{lacks}")
    return notes


def _outside_the_service(data_dir: str) -> str | None:
    """A note when ``data_dir`` is set where the service (systemd/ademcoach.service) cannot
    keep records: it may write only below /var/lib/ademcoach (and its config folder), and
    its /tmp is its own, emptied at every restart. Not an error: the file may be meant for
    a development machine, where any folder will do."""
    from feedback.store import UNIT_DATA_DIR

    if not data_dir:
        return None
    path = Path(os.path.normpath(Path(data_dir).expanduser()))
    if path == UNIT_DATA_DIR or UNIT_DATA_DIR in path.parents:
        return None
    return (f"  note: records.data_dir = {data_dir!r} is outside {UNIT_DATA_DIR}: the service "
            f"(ademcoach.service) cannot keep records there (it may write only below "
            f"{UNIT_DATA_DIR}; its /tmp is emptied at every restart)")


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake said in one line (what, and where to read more), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _lazy(module: str, name: str):
    def handler(args) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args)

    return handler


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="ademcoach",
        description="Breathing-biofeedback unit: stretch belt, LED ring and screen.",
    )
    p.add_argument("--version", action="version", version=f"ademcoach {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a session (on the unit, or simulated with --sim)")
    run.add_argument("--sim", nargs="?", const="calm", metavar="SCENARIO", type=_given,
                     help="simulated patient and emulated parts: a scenario (default calm; "
                          "see config/scenarios), a scenario file of your own FILE.toml, or "
                          "a recording FILE.csv to replay")
    run.add_argument("--headless", action="store_true",
                     help="no window: a live status line in the terminal")
    run.add_argument("--duration", type=_positive, metavar="S",
                     help="stop after S seconds of session time")
    run.add_argument("--speed", type=float, metavar="X",
                     help="simulation speed: 1 = real time, from 0.01 to 1000, 0 = as fast "
                          "as possible (default: 10 headless, else 1)")
    run.add_argument("--config", metavar="FILE", help="config file")
    run.add_argument("--events", metavar="FILE", type=_given,
                     help="also write the event stream to FILE")
    run.add_argument("--wait", action="store_true",
                     help="on a bad config or a missing part at start, show the problem "
                          "on screen and wait until it is fixed (the service)")
    run.set_defaults(func=_lazy("feedback.run", "cmd_run"))

    an = sub.add_parser("analyze", help="replay a recording through the analysis, print events")
    an.add_argument("recording", metavar="RECORDING.csv", type=_given)
    an.add_argument("--channel", metavar="NAME", action="append",
                    help="belt column to analyse (twice for chest and belly)")
    an.add_argument("--config", metavar="FILE",
                    help="config file for analysis.hold_after_s and polarity (default: as run)")
    an.add_argument("--unit", action="store_true",
                    help="the recording is this unit's own raw signal (volts at the ADC "
                         "input): judge it knowing the belt circuit, as the unit does")
    an.set_defaults(func=_lazy("feedback.analyze", "cmd_analyze"))

    cc = sub.add_parser("check-config", help="validate a config file")
    cc.add_argument("file", nargs="?", metavar="FILE")
    cc.set_defaults(func=cmd_check_config)

    hw = sub.add_parser("hw-check", help="check the sensor, ring, buttons and buzzer")
    hw.add_argument("--sim", action="store_true", help="run against the emulated parts")
    hw.add_argument("--sim-wired", metavar="A0[,A1]", type=_inputs,
                    help="run against the emulated parts with the simulated belts wired to "
                         "these inputs (one per belt), whatever [sensor] channels says")
    hw.add_argument("--config", metavar="FILE", help="config file")
    hw.add_argument("--timeout", type=_positive, metavar="S",
                    help="seconds to wait for each button press (default 15)")
    hw.add_argument("--force", action="store_true", help="run even while the service runs")
    hw.set_defaults(func=_lazy("device.hwcheck", "cmd_hw_check"))

    rd = sub.add_parser("render", help="render a screen with example data to a PNG")
    rd.add_argument("screen", metavar="SCREEN",
                    help="idle, calibration, exercise, hold, pause, summary, sensor, one-belt "
                         "or config")
    rd.add_argument("--out", required=True, metavar="PNG", type=_png,
                    help="the picture to write (a file name ending in .png)")
    rd.add_argument("--size", default="800x480", metavar="WxH",
                    help="screen size in pixels (default 800x480; from 480x320 to 1920x1080)")
    rd.add_argument("--lang", choices=("nl", "en"),
                    help="the screen's language (default: the config's [patient] language)")
    rd.add_argument("--config", metavar="FILE",
                    help="config file whose programme (names, hints), language and settings "
                         "the example shows (default: as run finds it)")
    rd.add_argument("--exercise", metavar="ID", type=_given,
                    help="the exercise (its id in the programme) that the exercise, hold, "
                         "pause and sensor screens show (default: the first after the "
                         "calibration)")
    rd.add_argument("--belly", type=float, metavar="PCT",
                    help="with a config of two belts, the belly's share of the example "
                         "breaths in %% (default 62; negative: paradoxical breathing)")
    rd.set_defaults(func=_lazy("feedback.render", "cmd_render"))

    rp = sub.add_parser("report", help="therapist report of the stored sessions")
    rp.add_argument("--since", metavar="DATE",
                    help="only the sessions from this day on, as YYYY-MM-DD")
    rp.add_argument("--out", metavar="DIR", type=_given,
                    help="directory to write the report into (default: ./ademcoach-report); "
                         "an earlier report there is replaced")
    rp.add_argument("--config", metavar="FILE")
    rp.add_argument("--patient", metavar="CODE", help="only the sessions of this patient code")
    rp.add_argument("--simulated", action="store_true",
                    help="the simulated sessions (run --sim) instead of the patient's")
    rp.add_argument("--lang", choices=("nl", "en"),
                    help="language of summary.txt and the charts (default: the config's "
                         "[patient] language); the CSV files stay English")
    rp.set_defaults(func=_lazy("feedback.report", "cmd_report"))

    ex = sub.add_parser("export", help="copy report and records to a USB stick or directory")
    ex.add_argument("dir", metavar="DIR", type=_given)
    ex.add_argument("--config", metavar="FILE")
    ex.set_defaults(func=_lazy("feedback.export", "cmd_export"))

    wp = sub.add_parser("wipe", help="erase all session records (for the next patient)")
    wp.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    wp.add_argument("--force", action="store_true",
                    help="also erase records no export has carried yet (without it, wipe "
                         "refuses while there are any)")
    wp.add_argument("--config", metavar="FILE")
    wp.set_defaults(func=_lazy("feedback.wipe", "cmd_wipe"))
    p.commands = tuple(sub.choices)
    return p


def main(argv: list[str] | None = None) -> int:
    # gpiozero warns once per pin library it cannot load before it finds one (or none,
    # which is then said in one line): not for the person at the unit.
    warnings.filterwarnings("ignore", message="Falling back from")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = f"ademcoach {args.command}" if getattr(args, "command", None) else "ademcoach"
        print(f"{sub}: unrecognized arguments: {' '.join(extra)} (see {sub} --help)",
              file=sys.stderr)
        return 2
    if not getattr(args, "command", None):
        names = ", ".join(parser.commands)
        print(f"ademcoach: give a command: {names} (see ademcoach --help)", file=sys.stderr)
        return 2
    try:
        code = args.func(args)
    except AdemError as exc:
        print(f"ademcoach {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        drop_stdout()
        return 0
    except OSError as exc:  # not foreseen by the command (such as its output on a full disk)
        drop_stdout()
        where = f": {exc.filename}" if exc.filename else ""
        print(f"ademcoach {args.command}: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    try:
        sys.stdout.flush()  # what is still buffered: a full disk is said here, not on exit
    except BrokenPipeError:
        drop_stdout()
    except OSError as exc:
        drop_stdout()
        print(f"ademcoach {args.command}: cannot write to standard output: {exc.strerror}",
              file=sys.stderr)
        return 1
    return code


def drop_stdout() -> None:
    """After a write to stdout failed (a full disk, a closed pipe): send what is still
    buffered, and anything later, to /dev/null, so leaving does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor
        pass


def fail(message: str) -> BadInput:
    """Shorthand for sub-commands: ``raise fail('...')`` gives exit 2 with the message."""
    return BadInput(message)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
