"""The config's schema: every section and key with its rule, and the rules across keys.

``SCHEMA`` gives each key of ``ademcoach.toml`` its rule and default (the rule types are in
``config_rules.py``). ``cross_checks`` holds the rules that involve more than one key:
belts and their channels, the ADS1115's data rate, GPIO pins used twice, the records
folder, and the pacer's rhythm (``rate_problem``, ``pace_problem``, ``min_rate_problem``,
which the programmes' exercises are checked by too).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from feedback.config_rules import (
    Bool,
    Choice,
    Float,
    Int,
    ListOf,
    OneOrEach,
    Problem,
    Rule,
    Text,
    fmt,
)
from feedback.pacer import EXHALE_MIN_S, INHALE_MIN_S  # the least inhale_s and exhale_s
from feedback.words import Say, both, decimal, dutch, plural, say

if TYPE_CHECKING:
    from feedback.config import Section, Settings


# --- the schema ----------------------------------------------------------------------

LANGUAGES = ("nl", "en")
CUE_SWITCHES = (
    "longer_exhale", "slower", "breathe_on", "dont_force", "belly", "good", "check_belt",
)

SCHEMA: dict[str, dict[str, Rule]] = {
    "patient": {
        "code": Text("", pattern=r"[A-Za-z0-9_-]{0,16}", private=True,
                     explain=Say("must be a pseudonymous code of up to 16 letters, digits, - or _",
                                 "moet een pseudonieme code zijn van hoogstens 16 letters, "
                                 "cijfers, - of _")),
        "language": Choice("nl", choices=LANGUAGES),
        "daily_minutes": Float(5.0, lo=1.0, hi=60.0, unit="minutes"),
    },
    "programme": {
        "name": Text("clinic", pattern=r"[a-z0-9_-]{1,40}",
                     explain=Say("must be a programme's file name from config/programs, in "
                                 "lower case: 'clinic', 'analysis' or 'home', or one of your "
                                 "own",
                                 "moet de bestandsnaam van een programma uit config/programs "
                                 "zijn, in kleine letters: 'clinic', 'analysis' of 'home', of "
                                 "een eigen")),
    },
    "analysis": {
        "hold_after_s": Float(4.0, lo=2.0, hi=15.0, unit="seconds"),
        "polarity": OneOrEach("normal", item=Choice("normal", choices=(
            "normal", "inverted", "auto"))),
    },
    "pacer": {
        "mode": Choice("fixed", choices=("fixed", "adaptive", "off")),
        "inhale_s": Float(4.0, lo=1.0, hi=10.0, unit="seconds"),
        "hold_in_s": Float(0.0, lo=0.0, hi=5.0, unit="seconds"),
        "exhale_s": Float(6.0, lo=2.0, hi=20.0, unit="seconds"),
        "hold_out_s": Float(1.0, lo=0.0, hi=10.0, unit="seconds"),
        "min_rate_bpm": Float(4.0, lo=3.0, hi=12.0, unit="breaths/min"),
        "max_exhale_s": Float(10.0, lo=2.0, hi=20.0, unit="seconds"),
        "step_s": Float(0.5, lo=0.1, hi=2.0, unit="seconds"),
        "pattern": Choice("seconds", choices=("seconds", "rate")),
        "rate_bpm": Float(6.0, lo=3.0, hi=20.0, unit="breaths/min"),
        "ratio": Float(1.5, lo=0.5, hi=4.0),
        "start_ratio": Float(0.0, lo=0.0, hi=4.0),
        "progress_s": Float(180.0, lo=10.0, hi=1800.0, unit="seconds"),
        "target_rate_bpm": Float(6.0, lo=3.0, hi=20.0, unit="breaths/min"),
        "target_ratio": Float(2.0, lo=0.5, hi=4.0),
    },
    "cues": {
        **{name: Bool(True) for name in CUE_SWITCHES},
        "min_gap_s": Float(8.0, lo=2.0, hi=60.0, unit="seconds"),
        "repeat_gap_max_s": Float(60.0, lo=2.0, hi=600.0, unit="seconds"),
        "after_breaths": Int(3, lo=1, hi=10, unit="breaths"),
        "slower_above_bpm": Float(16.0, lo=6.0, hi=40.0, unit="breaths/min"),
        "longer_exhale_below": Float(1.0, lo=0.3, hi=3.0),
        "dont_force_depth": Float(1.8, lo=1.2, hi=5.0),
        "belly_share_min": Float(0.4, lo=0.1, hi=0.9),
        "good_after_s": Float(60.0, lo=10.0, hi=600.0, unit="seconds"),
        "show_s": Float(6.0, lo=2.0, hi=30.0, unit="seconds"),
    },
    "ring": {
        "pixels": Int(16, lo=12, hi=60, unit="pixels"),
        "order": Choice("GRB", choices=("GRB", "RGB", "BRG", "RBG", "GBR", "BGR")),
        "brightness": Choice("clinic", choices=("clinic", "home", "night")),
        "spi_bus": Int(0, lo=0, hi=1),  # device/ring.py: SPI0 (GPIO10) or SPI1 (GPIO20)
    },
    "screen": {
        "fullscreen": Bool(True),
        "width": Int(800, lo=480, hi=1920, unit="pixels"),
        "height": Int(480, lo=320, hi=1080, unit="pixels"),
        "fps": Int(30, lo=10, hi=60, unit="frames/s"),
        "curve_s": Float(30.0, lo=10.0, hi=120.0, unit="seconds"),
        "view": Choice("far", choices=("far", "near")),
    },
    "sound": {
        "enabled": Bool(False),
        "volume": Float(0.5, lo=0.0, hi=1.0),
        "pacer_tones": Bool(True),
        "warning_tone": Bool(True),
    },
    "sensor": {
        "i2c_bus": Int(1, lo=0, hi=20),
        "address": Choice(0x48, choices=(0x48, 0x49, 0x4A, 0x4B), hex=True),
        # The belt circuit swings over 0-3.3 V and an unplugged belt sits at 3.3 V
        # (device/circuit.py): gain 1 (+-4.096 V) holds both rails; the ADS1115's higher
        # gains (2-16: +-2.048 V down to +-0.256 V) cut them off, and its 2/3 cannot be
        # written in TOML.
        "gain": Choice(1, choices=(1,), why=Say(
            "the ADS1115's range at gain 1 is +-4.096 V; the belt circuit swings over "
            "0-3.3 V and an unplugged belt sits at 3.3 V (docs/hardware.md), so at a higher "
            "gain (at most 2.048 V) every belt would read as cut off or disconnected",
            "het bereik van de ADS1115 bij versterking 1 is +-4,096 V; de spanning van het "
            "bandcircuit loopt van 0 tot 3,3 V en een losgekoppelde band geeft 3,3 V "
            "(docs/hardware.md), dus bij een hogere versterking (hoogstens 2,048 V) zou elke "
            "band als afgekapt of losgekoppeld gelden")),
        "data_rate": Choice(860, choices=(8, 16, 32, 64, 128, 250, 475, 860)),
        "rate_hz": Int(50, lo=10, hi=250, unit="samples/s"),
        "belts": ListOf(["belly"], item=Text("", pattern=r"[a-z][a-z0-9_]{0,15}",
                                             explain=Say("must be a short lower-case name",
                                                         "moet een korte naam in kleine "
                                                         "letters zijn")),
                        min_len=1, max_len=2),
        "channels": ListOf(["A0"], item=Choice("A0", choices=(
            "A0", "A1", "A2", "A3", "A0-A1", "A0-A3", "A1-A3", "A2-A3")), min_len=1, max_len=2),
    },
    "buttons": {
        "start_pause": Int(17, lo=0, hi=27),
        "next": Int(27, lo=0, hi=27),
        "third": Int(-1, lo=-1, hi=27),
        "buzzer": Int(-1, lo=-1, hi=27),
        "buzzer_kind": Choice("active", choices=("active", "tonal")),
        "long_press_s": Float(1.5, lo=0.5, hi=5.0, unit="seconds"),
        "next_confirm_s": Float(5.0, lo=0.0, hi=10.0, unit="seconds"),
    },
    "records": {
        # (no control characters: a NUL in the path was a traceback at start)
        "data_dir": Text("", pattern=r"[^\x00-\x1f\x7f]*", explain=Say(
            "must be a folder's path on one line, without control characters",
            "moet het pad van een map op één regel zijn, zonder stuurtekens")),
        "keep_days": Int(365, lo=1, hi=3650, unit="days"),
        "raw_signal": Bool(False),
        "raw_max_mb": Int(200, lo=1, hi=10000, unit="MB"),
    },
}


# GPIOs the SPI driver takes for the ring's bus (CE pins, MISO, MOSI, SCLK) on a Pi
SPI_PINS = {0: (7, 8, 9, 10, 11), 1: (18, 19, 20, 21)}  # bus 1: dtoverlay=spi1-1cs
# GPIOs of the I2C buses whose pins are fixed on a Pi: bus 1 (GPIO2, 3) and bus 0
# (GPIO0, 1: ID_SD and ID_SC, dtparam=i2c_vc=on); other buses come from overlays with
# pins of their own choosing
I2C_PINS = {0: ((0, "SDA"), (1, "SCL")), 1: ((2, "SDA"), (3, "SCL"))}


SLOWEST_BPM = 3.0  # the slowest pacer: the least pacer.rate_bpm and min_rate_bpm allow


def rate_times(rate_bpm: float, ratio: float, hold_in_s: float,
               hold_out_s: float) -> tuple[float, float]:
    """(inhale, exhale) in seconds of a rhythm given as a rate and a ratio, unclamped."""
    breathing = 60.0 / rate_bpm - hold_in_s - hold_out_s
    inhale = breathing / (1.0 + ratio)
    return inhale, breathing - inhale


def rate_problem(rate_bpm: float, ratio: float, hold_in_s: float,
                 hold_out_s: float) -> Say | None:
    """What is wrong with a rhythm given as a rate and an exhale:inhale ratio (``pattern =
    "rate"``, or a progression's start), or None: its pauses and ratio must leave at least
    ``INHALE_MIN_S`` to breathe in and ``EXHALE_MIN_S`` to breathe out, as the seconds
    would have to."""
    inhale, exhale = rate_times(rate_bpm, ratio, hold_in_s, hold_out_s)
    if inhale >= INHALE_MIN_S - 1e-9 and exhale >= EXHALE_MIN_S - 1e-9:
        return None
    pauses = hold_in_s + hold_out_s
    return say("{period} s a breath ({rate}/min) at exhale:inhale {ratio}{pauses} leaves "
               "{i} s to breathe in and {e} s out; at least {i_min} s in and {e_min} s out: "
               "give a slower rate, shorter pauses or a ratio nearer 1",
               "{period} s per ademhaling ({rate}/min) bij uit:in {ratio}{pauses} laat "
               "{i} s over om in te ademen en {e} s om uit te ademen; minstens {i_min} s in en "
               "{e_min} s uit: geef een trager tempo, kortere pauzes of een verhouding "
               "dichter bij 1",
               period=decimal(f"{60.0 / rate_bpm:.3g}"), rate=decimal(f"{rate_bpm:.3g}"),
               ratio=decimal(f"{ratio:.3g}"),
               pauses=say(", with {p} s of pauses,", ", met {p} s pauze,",
                          p=decimal(fmt(pauses))) if pauses else ",",
               i=decimal(f"{max(inhale, 0.0):.1f}"), e=decimal(f"{max(exhale, 0.0):.1f}"),
               i_min=decimal(fmt(INHALE_MIN_S)), e_min=decimal(fmt(EXHALE_MIN_S)))


def pace_problem(inhale_s: float, hold_in_s: float, exhale_s: float,
                 hold_out_s: float) -> Say | None:
    """What is wrong with a pacer rhythm given in seconds, or None: a breath may take at
    most 60 / SLOWEST_BPM seconds."""
    period = inhale_s + hold_in_s + exhale_s + hold_out_s
    if period <= 60.0 / SLOWEST_BPM + 1e-9:
        return None
    parts = [(inhale_s, "in", "in"), (hold_in_s, "pause", "pauze"), (exhale_s, "out", "uit"),
             (hold_out_s, "pause", "pauze")]
    sums = [(f"{fmt(x)} s {en}", f"{dutch(decimal(fmt(x)))} s {nl}") for x, en, nl in parts
            if x or en != "pause"]
    return say("{sum} = {period} s a breath ({rate}/min): slower than {slowest} breaths/min, "
               "the slowest pacer; at most {most} s in all",
               "{sum} = {period} s per ademhaling ({rate}/min): trager dan {slowest} "
               "ademhalingen/min, het traagste tempo van de ademgids; hoogstens {most} s in "
               "totaal", sum=Say(" + ".join(en for en, _ in sums),
                                 " + ".join(nl for _, nl in sums)),
               period=decimal(fmt(period)), rate=decimal(f"{60.0 / period:.1f}"),
               slowest=decimal(fmt(SLOWEST_BPM)), most=decimal(fmt(60.0 / SLOWEST_BPM)))


def rhythm_sum(inhale_s: float, hold_in_s: float, exhale_s: float,
               hold_out_s: float) -> Say:
    """'4 s in + 6 s out + 1 s pause = 11 s a breath (5.5/min)', in both languages."""
    parts = [(inhale_s, "in", "in"), (hold_in_s, "pause", "pauze"), (exhale_s, "out", "uit"),
             (hold_out_s, "pause", "pauze")]
    sums = [(f"{x:.3g} s {en}", f"{dutch(decimal(f'{x:.3g}'))} s {nl}")
            for x, en, nl in parts if x or en != "pause"]
    period = inhale_s + hold_in_s + exhale_s + hold_out_s
    return say("{sum} = {period} s a breath ({rate}/min)",
               "{sum} = {period} s per ademhaling ({rate}/min)",
               sum=Say(" + ".join(en for en, _ in sums), " + ".join(nl for _, nl in sums)),
               period=decimal(f"{period:.3g}"), rate=decimal(f"{60.0 / period:.1f}"))


def min_rate_problem(min_rate_bpm: float, inhale_s: float, hold_in_s: float,
                     exhale_s: float, hold_out_s: float, limit: str | Say = "") -> Say | None:
    """Why an adaptive pacer that starts from this rhythm breaks ``min_rate_bpm``, or None.

    It runs these times until the patient's first breath, so they must fit in a breath
    of ``60 / min_rate_bpm`` s; and its limits keep every inhale at ``INHALE_MIN_S`` or
    more and every exhale at ``EXHALE_MIN_S`` or more, which with the pauses must fit too.
    Says 'slower than <limit> allows (at most 5 s a breath); <what to change>'; the
    limit is 'pacer.min_rate_bpm = 12' unless given."""
    most = 60.0 / min_rate_bpm
    pauses = hold_in_s + hold_out_s
    if inhale_s + exhale_s + pauses <= most + 1e-9:
        return None
    if pauses + INHALE_MIN_S + EXHALE_MIN_S > most + 1e-9:
        hint = say("even its shortest breath, {i} s in and {e} s out, with {p} s of pauses "
                   "does not fit: give a lower pacer.min_rate_bpm or shorter pauses",
                   "zelfs de kortste ademhaling, {i} s in en {e} s uit, past met {p} s "
                   "pauze niet: geef een lagere pacer.min_rate_bpm of kortere pauzes",
                   i=decimal(fmt(INHALE_MIN_S)), e=decimal(fmt(EXHALE_MIN_S)),
                   p=decimal(f"{pauses:g}"))
    else:
        hint = Say("give a lower pacer.min_rate_bpm or a quicker start rhythm",
                   "geef een lagere pacer.min_rate_bpm of een sneller begintempo")
    limit = limit or f"pacer.min_rate_bpm = {fmt(min_rate_bpm)}"
    return say("slower than {limit} allows (at most {most} s a breath); {hint}",
               "trager dan {limit} toelaat (hoogstens {most} s per ademhaling); {hint}",
               limit=limit, most=decimal(f"{most:.3g}"), hint=hint)


def _keys_at(section: str, keys: list[str], lines: dict) -> Say:
    """'pacer.inhale_s (line 4), exhale_s (default)': the keys and where the file sets them."""
    en = [f"{k} (line {lines[(section, k)]})" if (section, k) in lines else f"{k} (default)"
          for k in keys]
    nl = [f"{k} (regel {lines[(section, k)]})" if (section, k) in lines
          else f"{k} (standaard)" for k in keys]
    return Say(f"{section}." + ", ".join(en), f"{section}." + ", ".join(nl))


def cross_checks(s: Settings, path: str, lines: dict,
                  rejected: frozenset = frozenset()) -> list[Problem]:
    """Rules that involve more than one key. A rule that would read a ``rejected`` key
    ('section.key', already a problem of its own) is left out: it would judge the default
    standing in for it, not what the file says."""
    out = []

    def given(*keys: str) -> bool:
        return not rejected.intersection(keys)

    sensor = s["sensor"]
    belts = plural(len(sensor["belts"]), "belt", "band")
    if (given("sensor.belts", "sensor.channels")
            and len(sensor["belts"]) != len(sensor["channels"])):
        out.append(Problem(path, lines.get(("sensor", "channels"))
                           or lines.get(("sensor", "belts")),  # (the one the file sets)
                           say("sensor.channels: lists {n} for {belts}; give one channel per "
                               "belt", "sensor.channels: noemt {n} voor {belts}; geef één "
                               "kanaal per band",
                               n=plural(len(sensor["channels"]), "channel", "kanaal",
                                        nl_many="kanalen"), belts=belts)))
    polarity = s["analysis"]["polarity"]
    if (given("analysis.polarity", "sensor.belts") and isinstance(polarity, list)
            and len(polarity) != len(sensor["belts"])):
        out.append(Problem(path, lines.get(("analysis", "polarity")),
                           say("analysis.polarity: lists {n} for {belts}; give one for all "
                               "belts or one per belt", "analysis.polarity: noemt {n} voor "
                               "{belts}; geef er één voor alle banden of één per band",
                               n=plural(len(polarity), "value", "waarde", nl_many="waarden"),
                               belts=belts)))
    if len(set(sensor["belts"])) != len(sensor["belts"]):
        out.append(Problem(path, lines.get(("sensor", "belts")),
                           Say("sensor.belts: the two belts need different names",
                               "sensor.belts: de twee banden moeten verschillende namen "
                               "hebben")))
    from device.sensor import CHANNELS, data_rate_problem

    chans = sensor["channels"]
    if len(chans) == 2 and {p for p in CHANNELS[chans[0]] if p is not None} & {
            p for p in CHANNELS[chans[1]] if p is not None}:
        out.append(Problem(path, lines.get(("sensor", "channels")),
                           say("sensor.channels = {c}: the two belts share an ADC pin; each "
                               "belt needs its own input", "sensor.channels = {c}: de twee "
                               "banden delen een pin van de ADC; elke band heeft een eigen "
                               "ingang nodig", c=chans)))
    problem = data_rate_problem(sensor["data_rate"], len(sensor["belts"]), sensor["rate_hz"])
    if problem and given("sensor.data_rate", "sensor.belts", "sensor.rate_hz"):
        out.append(Problem(path, lines.get(("sensor", "data_rate"))
                           or lines.get(("sensor", "rate_hz")),  # (the one the file sets)
                           both("sensor.data_rate = {r}: {p}",
                               r=sensor["data_rate"], p=problem)))
    if not any(k.startswith("pacer.") for k in rejected):
        out.extend(_pacer_checks(s["pacer"], path, lines))
    data_dir = s["records"]["data_dir"]
    if data_dir and not os.path.isabs(os.path.expanduser(data_dir)):
        out.append(Problem(path, lines.get(("records", "data_dir")),
                           say("records.data_dir = {d}: give a full path, e.g. "
                               "\"/var/lib/ademcoach\" (a relative one would depend on where "
                               "the program is started)", "records.data_dir = {d}: geef een "
                               "volledig pad, bijvoorbeeld \"/var/lib/ademcoach\" (een "
                               "relatief pad hangt af van waar het programma start)",
                               d=repr(data_dir))))
    elif data_dir and os.path.exists(data_dir) and not os.path.isdir(data_dir):
        out.append(Problem(path, lines.get(("records", "data_dir")),
                           say("records.data_dir = {d}: is a file; give a directory",
                               "records.data_dir = {d}: is een bestand; geef een map",
                               d=repr(data_dir))))
    b = s["buttons"]
    pins = [(k, b[k]) for k in ("start_pause", "next", "third", "buzzer")
            if b[k] >= 0 and given(f"buttons.{k}")]
    seen: dict[int, str] = {}  # GPIO -> who uses it (a Say, or a key as the file writes it)
    if given("sensor.i2c_bus") and sensor["i2c_bus"] in I2C_PINS:
        bus = sensor["i2c_bus"]
        seen.update({pin: say("the sensor's I2C bus {b} ({w})", "I2C-bus {b} van de sensor ({w})",
                              b=bus, w=wire) for pin, wire in I2C_PINS[bus]})
    if given("ring.spi_bus") and s["ring"]["spi_bus"] in SPI_PINS:
        bus = s["ring"]["spi_bus"]
        seen.update({pin: say("the LED ring's SPI bus {b}", "SPI-bus {b} van de ledring", b=bus)
                     for pin in SPI_PINS[bus]})
    for key, pin in pins:
        if pin in seen:
            user = seen[pin]
            out.append(Problem(path, lines.get(("buttons", key)),
                               say("buttons.{key} = {pin}: GPIO {pin} is already used by {user}",
                                   "buttons.{key} = {pin}: GPIO {pin} wordt al gebruikt door "
                                   "{user}", key=key, pin=pin, user=user)))
        seen[pin] = f"buttons.{key}"
    return out


def _pacer_checks(pacer: Section, path: str, lines: dict) -> list[Problem]:
    """The rules across the pacer's keys."""
    out = []
    holds = (pacer["hold_in_s"], pacer["hold_out_s"])
    by_rate = pacer["pattern"] == "rate"
    exhale = pacer["exhale_s"]
    what: str = f"pacer.exhale_s = {fmt(exhale)}"  # (a plain part: the same in Dutch)
    if by_rate:
        exhale = rate_times(pacer["rate_bpm"], pacer["ratio"], *holds)[1]
        what = say("the {e} s that pacer.rate_bpm and ratio give",
                   "de {e} s die pacer.rate_bpm en ratio geven", e=decimal(f"{exhale:.1f}"))
    if pacer["mode"] == "adaptive" and pacer["max_exhale_s"] < exhale - 1e-9:
        starts = ("rate_bpm", "ratio", "hold_in_s", "hold_out_s") if by_rate else ("exhale_s",)
        out.append(Problem(path, lines.get(("pacer", "max_exhale_s"))
                           or next((lines[("pacer", k)] for k in starts if ("pacer", k) in lines),
                                   None),
                           say("pacer.max_exhale_s = {m}: must not be shorter than {what} (the "
                               "adaptive pacer starts from it)", "pacer.max_exhale_s = {m}: "
                               "mag niet korter zijn dan {what} (daar begint de adaptieve "
                               "ademgids mee)", m=fmt(pacer["max_exhale_s"]), what=what)))
    if by_rate:
        problem = rate_problem(pacer["rate_bpm"], pacer["ratio"], *holds)
        given = [k for k in ("rate_bpm", "ratio", "hold_in_s", "hold_out_s")
                 if ("pacer", k) in lines]
        if problem:
            out.append(Problem(path, lines.get(("pacer", given[-1] if given else None)),
                               both("pacer: {p}", p=problem)))
    if pacer["start_ratio"] and pacer["mode"] == "fixed":
        if by_rate:
            period = 60.0 / pacer["rate_bpm"]
        else:
            period = pacer["inhale_s"] + pacer["exhale_s"] + sum(holds)
        problem = rate_problem(60.0 / period, pacer["start_ratio"], *holds)
        if problem:
            out.append(Problem(path, lines.get(("pacer", "start_ratio")),
                               say("pacer.start_ratio = {r}: the progression would start at {p}",
                                   "pacer.start_ratio = {r}: de opbouw zou beginnen bij {p}",
                                   r=fmt(pacer["start_ratio"]), p=problem)))
    if not by_rate:
        problem = pace_problem(pacer["inhale_s"], pacer["hold_in_s"], pacer["exhale_s"],
                               pacer["hold_out_s"])
        given = [k for k in ("inhale_s", "hold_in_s", "exhale_s", "hold_out_s")
                 if ("pacer", k) in lines]
        if problem:
            out.append(Problem(path, lines.get(("pacer", given[-1] if given else None)),
                               both("pacer: {p}", p=problem)))
    if pacer["mode"] == "adaptive":
        if by_rate:
            inhale, exhale = rate_times(pacer["rate_bpm"], pacer["ratio"], *holds)
            keys = ["rate_bpm", "ratio"]
        else:
            inhale, exhale = pacer["inhale_s"], pacer["exhale_s"]
            keys = ["inhale_s", "exhale_s"]
        keys += [k for k in ("hold_in_s", "hold_out_s") if pacer[k]]
        problem = min_rate_problem(pacer["min_rate_bpm"], inhale, holds[0], exhale, holds[1],
                                   Say("that", "dat"))
        if problem:
            given = [k for k in keys if ("pacer", k) in lines]
            out.append(Problem(path, lines.get(("pacer", "min_rate_bpm"))
                               or lines.get(("pacer", given[-1] if given else None)),
                               say("pacer.min_rate_bpm = {m}: the adaptive pacer starts from "
                                   "{start}, set by {keys}: {p}",
                                   "pacer.min_rate_bpm = {m}: de adaptieve ademgids begint "
                                   "met {start}, ingesteld met {keys}: {p}",
                                   m=fmt(pacer["min_rate_bpm"]), start=rhythm_sum(
                                       inhale, holds[0], exhale, holds[1]),
                                   keys=_keys_at("pacer", keys, lines), p=problem)))
    if pacer["target_rate_bpm"] < pacer["min_rate_bpm"]:
        out.append(Problem(path, lines.get(("pacer", "target_rate_bpm"))
                           or lines.get(("pacer", "min_rate_bpm")),
                           say("pacer.target_rate_bpm = {t}: must not be below "
                               "pacer.min_rate_bpm = {m}", "pacer.target_rate_bpm = {t}: mag "
                               "niet lager zijn dan pacer.min_rate_bpm = {m}",
                               t=fmt(pacer["target_rate_bpm"]), m=fmt(pacer["min_rate_bpm"]))))
    return out
