"""``ademcoach hw-check``: a technician's check of an assembled unit.

Finds the ADS1115, reads each belt for a while and reports its level, noise and whether
breathing is seen (with two belts, has the first one unplugged to tell the sockets
apart); shows a test pattern on the ring; asks for each button; beeps. Prints
a pass/fail list and exits 0 only if nothing failed. ``--sim`` runs the same steps
against the emulated parts on a virtual clock (presses are simulated, the ring pattern
is verified from the decoded LED bit stream), so it finishes in about a second.

On the unit, with a terminal, the technician confirms what only eyes and ears can check:
after the ring's colours and after the buzzer hw-check asks "[y/n]" and fails on "n".
Stop the service first (``sudo systemctl stop ademcoach ademcoach-config.path``): it
holds the GPIO pins and reads the sensor; hw-check says so if a device is busy.

The breathing check is deliberately simple and self-contained: a smoothed, detrended
signal must cross its middle with hysteresis well above the noise.
"""

from __future__ import annotations

import contextlib
import errno
import subprocess
import sys

import numpy as np

from device.circuit import RAIL_HIGH_V, RAIL_LOW_V, Divider
from device.parts import open_parts
from device.sensor import CHANNELS, SensorIOError
from feedback.clock import MonotonicClock, VirtualClock
from feedback.errors import BadInput, HardwareError

READ_S = 15.0  # two breaths at 8/min
BUTTON_TIMEOUT_S = 15.0
REST_V = 1.8  # a worn belt at rest (docs/hardware.md, the belt circuit)
# A worn belt, slack or stretched to the limit, stays within about 1.6-2.4 V; outside this
# (and not at a rail) the cord's resistance is wrong: a damaged cord or a bad contact.
WORN_LOW_V, WORN_HIGH_V = 1.3, 2.6
COLOUR_S = 1.5  # each test colour stays this long on the ring
BEEP_S = 1.0
STOP_SERVICE = "sudo systemctl stop ademcoach ademcoach-config.path"
# Half intensity: plenty to judge every LED by eye, and white on a whole ring draws about
# half of full white's 60 mA per LED.
PATTERN = [("red", (128, 0, 0)), ("green", (0, 128, 0)), ("blue", (0, 0, 128)),
           ("white", (128, 128, 128))]


def belt_report(t: np.ndarray, v: np.ndarray) -> dict:
    """Level, noise and breaths seen in one belt's samples (volts)."""
    rate = (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 else 1.0
    k = max(1, int(rate * 0.4))
    smooth = np.convolve(v, np.ones(k) / k, mode="same")
    noise = float(np.std((v - smooth)[k:-k])) if len(v) > 3 * k else float(np.std(v))
    x = smooth[k:-k] if len(v) > 3 * k else smooth
    tt = t[k:-k] if len(v) > 3 * k else t
    x = x - np.polyval(np.polyfit(tt, x, 1), tt) if len(x) > 2 else x
    swing = float(np.percentile(x, 95) - np.percentile(x, 5)) if len(x) else 0.0
    hyst = max(5 * noise, 0.2 * swing, 0.002)
    state, crossings = 0, []
    for ti, xi in zip(tt, x, strict=True):
        if xi > hyst / 2 and state <= 0:
            if state < 0:
                crossings.append(ti)
            state = 1
        elif xi < -hyst / 2 and state >= 0:
            state = -1
    breaths = len(crossings)
    span = (crossings[-1] - crossings[0]) if breaths > 1 else 0.0
    return {"level": float(np.median(v)), "noise": noise, "swing": swing,
            "breaths": breaths,
            "rate_bpm": 60 * (breaths - 1) / span if span > 0 else None,
            "breathing": breaths >= 1 and swing > 10 * noise}


class Report:
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.rows: list[tuple[str, str, str]] = []
        self.busy = False  # a device was held by another process

    def add(self, status: str, what: str, detail: str) -> None:
        self.rows.append((status, what, detail))
        print(f"  {status:<4}  {what:<18} {detail}", file=self.out, flush=True)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r[0] == "FAIL")


def check_sensor(parts, clock, rep: Report, read_s: float, ready=None,
                 unplug=None) -> None:
    """``ready()``: wait until the technician has put the belt on (a terminal's Enter);
    ``unplug(belt, out)``: have that belt's jack pulled out (``out``) or put back, and
    return when it is (two belts: see ``check_belt_order``)."""
    s = parts.sensor
    try:
        s.connect()
    except HardwareError as exc:
        rep.busy = rep.busy or _busy(exc)
        rep.add("FAIL", "sensor", str(exc))
        detail = getattr(exc, "detail", None)
        if detail:
            print(f"        ({detail})", file=rep.out)
        return
    rep.add("PASS", "sensor", f"ADS1115 at 0x{s.address:02x} on I2C bus {s.i2c_bus} "
            f"(gain {s.gain:g}, {s.data_rate} SPS, {s.rate_hz} Hz)")
    belts = " and ".join(s.belts)
    print(f"        put the belt{'s' if len(s.belts) > 1 else ''} on ({belts}), snug, and "
          f"breathe calmly: reading for {read_s:g} s...", file=rep.out, flush=True)
    if ready is not None:
        ready()
    times, rows, errors = [], [], 0
    for t, values in s.stream(duration_s=read_s):
        if isinstance(values, SensorIOError):
            errors += 1
            continue
        times.append(t)
        rows.append(values)
    if not rows:
        rep.add("FAIL", "sensor reads", f"every read failed ({errors} I2C errors)")
        return
    if errors:
        rep.add("FAIL", "sensor reads", f"{errors} of {errors + len(rows)} reads failed")
    t = np.array(times)
    v = np.array(rows)
    elsewhere = None  # the belts found on other inputs, looked for at the first rail
    for i, belt in enumerate(s.belts):
        x = v[:, i]
        what = f"belt {belt} ({s.channels[i]})"
        at_rail = (x >= RAIL_HIGH_V) | (x <= RAIL_LOW_V)
        if at_rail.any() and not at_rail.all() and np.median(x) < RAIL_HIGH_V:
            # Now and then at a rail: the plug or the cord opens (or shorts) and closes.
            secs = float(at_rail.sum()) / s.rate_hz
            rep.add("FAIL", what, f"at a rail for {secs:.1f} s of {read_s:g} s in "
                    f"{_runs(at_rail)} spell(s): a loose jack or a broken cord (wiggle the "
                    f"plug and the cord while watching); the rest of the time "
                    f"{np.median(x[~at_rail]):.3f} V")
            continue
        r = belt_report(t, x)
        text = f"level {r['level']:.3f} V, noise {r['noise'] * 1000:.1f} mV"
        rail = cause = None
        if r["level"] >= RAIL_HIGH_V:
            rail, cause = "at the 3.3 V rail", ("the cord or jack is open (belt unplugged, "
                                                "broken cord or solder joint)")
        elif r["level"] <= RAIL_LOW_V:
            rail, cause = "at 0 V", ("the cord or jack is shorted, or the 2.2 kOhm "
                                     "resistor or its 3V3 is missing")
        if rail is not None:
            if elsewhere is None:
                elsewhere = belts_elsewhere(s, clock)
            hint = _elsewhere_hint(elsewhere)
            rep.add("FAIL", what, f"{text}: {rail}" + (f"; {hint}, or else " if hint else ": ")
                    + f"{cause}; expected about {REST_V:g} V with the belt worn")
        elif not WORN_LOW_V <= r["level"] <= WORN_HIGH_V:
            high = r["level"] > WORN_HIGH_V
            rep.add("FAIL", what, f"{text}: {'above' if high else 'below'} the "
                    f"{WORN_LOW_V:g}-{WORN_HIGH_V:g} V of a worn belt (about {REST_V:g} V at "
                    f"rest): the cord's resistance is too {'high' if high else 'low'} "
                    + ("(a damaged cord, or a bad contact in the jack)" if high else
                       "(a partly shorted cord or jack)"))
        elif not r["breathing"]:
            rep.add("FAIL", what, f"{text}: no breathing seen in {read_s:g} s "
                    f"(swing {r['swing'] * 1000:.1f} mV); check the belt is worn and tight")
        else:
            rate = f", ~{r['rate_bpm']:.0f}/min" if r["rate_bpm"] else ""
            rep.add("PASS", what, f"{text}, breathing seen: swing {r['swing'] * 1000:.0f} mV"
                    f", {r['breaths']} breath(s){rate}")
    levels = np.median(v, axis=0)
    if len(s.belts) == 2 and all(WORN_LOW_V <= x <= WORN_HIGH_V for x in levels):
        if unplug is None:
            rep.add("SKIP", "belt sockets", "not checked: no terminal to ask for a belt to be "
                    "unplugged (two belts breathe alike, so swapped jacks look right)")
        else:
            check_belt_order(s, clock, rep, unplug)


UTC_ZONES = ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu",
             "Etc/Zulu", "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0")
TIMEZONE = "Europe/Amsterdam"  # the clinic's (patients and therapists are Dutch)
SYNCED = "/run/systemd/timesync/synchronized"  # timesyncd: set by the network this boot


def hours_off(zone: str, year: int) -> list[float]:
    """How many hours ``zone``'s clock is from the clinic's (``TIMEZONE``) on the first of
    each month of ``year``, each distinct difference once, sorted ([] : the same time all
    year, or a zone this computer does not know). Raspberry Pi OS images are set to
    Europe/London unless told otherwise: an hour off all year, and no UTC."""
    import datetime as dt
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ours, theirs = ZoneInfo(TIMEZONE), ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return []
    off = set()
    for month in range(1, 13):
        t = dt.datetime(year, month, 1, 12, tzinfo=dt.UTC)
        diff = (t.astimezone(ours).utcoffset() - t.astimezone(theirs).utcoffset())
        if diff:
            off.add(abs(diff.total_seconds()) / 3600)
    return sorted(off)


def zone_name(localtime: str = "/etc/localtime") -> str | None:
    """The system's timezone, as its /etc/localtime link names it (None: not known)."""
    import os

    try:
        target = os.path.realpath(localtime)
    except OSError:
        return None
    _, found, name = target.partition("zoneinfo/")
    return name if found and name else None


RTC_TIME = "/sys/class/rtc/rtc0/since_epoch"  # the clock chip's own time (UTC seconds)
RTC_AGREES_S = 300.0  # a chip further than this from the system clock has lost its time


def rtc_time(path: str = RTC_TIME) -> float | None:
    """The clock chip's time, seconds since the epoch (None: it cannot be read)."""
    try:
        with open(path, encoding="ascii") as fh:
            return float(fh.read().strip())
    except (OSError, ValueError):
        return None


def check_clock(rep: Report, now=None, zone: str | None = None, rtc: bool | None = None,
                synced: bool | None = None, chip: float | None = None) -> None:
    """The date and time the records will carry. Without a clock chip and the network a
    unit starts again at the time it last saved (docs/hardware.md, Clock); in a zone that
    does not keep Amsterdam's time (UTC; Europe/London, where Raspberry Pi OS images are
    set), the screen's day turns at 01:00 or 02:00 and the report's times are 1-2 h early.
    A chip whose own time (``chip``) is far from the system's lost it (a Pi 5 without a
    cell on BAT, a module without its cell): it is no source. A WARN (not a FAIL): the
    parts work; the technician sets the clock and the zone."""
    import datetime as dt
    import os

    now = now or dt.datetime.now().astimezone()
    zone = zone_name() if zone is None else zone
    if rtc is None:
        rtc = os.path.exists("/dev/rtc0")
        chip = rtc_time() if rtc and chip is None else chip
    synced = os.path.exists(SYNCED) if synced is None else synced
    lost = rtc and chip is not None and abs(chip - now.timestamp()) > RTC_AGREES_S
    shown = f"{now:%Y-%m-%d %H:%M} {now.tzname()} ({zone or 'zone unknown'})"
    problems = []
    utc = zone in UTC_ZONES or (zone is None and not now.utcoffset())
    off = hours_off("UTC" if utc else zone, now.year) if utc or zone else []
    if utc and not off:  # (no zone data to count with: UTC is 1 h off in winter, 2 in summer)
        off = [1.0, 2.0]
    if off:
        hours = f"{off[0]:g}" + (f"-{off[-1]:g}" if len(off) > 1 else "")
        problems.append(f"the timezone is {'UTC' if utc else zone}, not {TIMEZONE}: the day on "
                        f"the screen and the report's times are {hours} h off (sudo "
                        f"timedatectl set-timezone {TIMEZONE})")
    if lost:
        at = dt.datetime.fromtimestamp(chip, dt.UTC)
        problems.append(f"the clock chip reads {at:%Y-%m-%d %H:%M} UTC, not this time: it "
                        "lost its time (no backup cell, or a flat one: on a Pi 5 the cell on "
                        "BAT) or was never set, and the next start takes the date from it "
                        "or from the last shutdown; fit a cell, set the clock, then sudo "
                        "hwclock -w")
    elif not rtc and not synced:
        problems.append("no clock chip and not set by the network since boot: check the date "
                        "and time (sudo date -s 'YYYY-MM-DD HH:MM'), or fit an RTC")
    source = ("set by the network" if synced else "from the clock chip" if rtc and not lost
              else "")
    if problems:
        rep.add("WARN", "clock", shown + "; " + "; ".join(problems))
    else:
        rep.add("PASS", "clock", shown + (f", {source}" if source else ""))


def check_belt_order(s, clock, rep: Report, unplug, reads: int = 10) -> None:
    """Two worn belts both breathe, so a belt in the other's socket (or swapped
    ``[sensor] channels``) passes every reading above, and the unit would take the chest
    for the belly. The technician pulls the first belt's jack: only its input may go to
    the 3.3 V rail (an open cord; see docs/hardware.md, the belt circuit)."""
    first, second = s.belts
    print(f"        the sockets: with the {first} belt unplugged only {s.channels[0]} may "
          f"read 3.3 V", file=rep.out, flush=True)
    unplug(first, True)
    rows = []
    try:
        for _ in range(reads):
            with contextlib.suppress(OSError):
                rows.append(s.read())
            clock.sleep_until(clock.now() + 0.05)
    finally:
        unplug(first, False)
    what = "belt sockets"
    if not rows:
        rep.add("FAIL", what, "every read failed while the belt was unplugged")
        return
    open_ = [bool(np.median([r[i] for r in rows]) >= RAIL_HIGH_V) for i in range(2)]
    ch = s.channels
    if open_ == [True, False]:
        rep.add("PASS", what, f"unplugging {first} opened {ch[0]} only: each belt is on its "
                "own input")
    elif open_ == [False, True]:
        rep.add("FAIL", what, f"unplugging {first} opened {ch[1]}, the input of {second}: the "
                f"two jacks are in each other's sockets, or the sockets are wired to each "
                f"other's inputs; swap them, or set [sensor] channels = [\"{ch[1]}\", "
                f"\"{ch[0]}\"]")
    elif open_ == [True, True]:
        rep.add("FAIL", what, f"unplugging {first} opened both {ch[0]} and {ch[1]}: was "
                f"{second} unplugged too? if not, the sockets share their tip wire")
    else:
        rep.add("FAIL", what, f"unplugging {first} opened neither {ch[0]} nor {ch[1]}: was "
                f"its jack pulled out? if so, its socket's tip is not wired to an input of "
                f"the ADS1115")


def belts_elsewhere(s, clock, reads: int = 10) -> list[tuple[str, float]]:
    """The single-ended inputs that no configured channel uses but that read like a
    worn belt (every one of ``reads`` reads, 0.05 s apart, within the worn belt's range):
    ``[(channel, median volts)]``. A belt wired to another input than ``[sensor]
    channels`` names leaves its configured input at a rail."""
    used = {pin for ch in s.channels for pin in CHANNELS[ch] if pin is not None}
    found = []
    for ch in ("A0", "A1", "A2", "A3"):
        if CHANNELS[ch][0] in used:
            continue
        volts = []
        try:
            for _ in range(reads):
                volts.append(s.read_input(ch))
                clock.sleep_until(clock.now() + 0.05)
        except (OSError, HardwareError):
            continue
        if all(WORN_LOW_V <= x <= WORN_HIGH_V for x in volts):
            found.append((ch, float(np.median(volts))))
    return found


def _elsewhere_hint(found: list[tuple[str, float]]) -> str:
    """'a belt reads on A0 (1.874 V): check [sensor] channels', or '' if none was found."""
    if not found:
        return ""
    where = " and ".join(f"{ch} ({volts:.3f} V)" for ch, volts in found)
    return (f"{'a belt reads' if len(found) == 1 else 'belts read'} on {where}: "
            "check [sensor] channels")


def _runs(mask: np.ndarray) -> int:
    """How many separate spells of True."""
    m = mask.astype(int)
    return int(m[0] + np.count_nonzero(np.diff(m) == 1))


def ask_tty(question: str, out=None) -> bool:
    """Ask the technician a yes/no question on the terminal; no answer (EOF) is no."""
    out = out or sys.stdout
    while True:
        print(f"        {question} [y/n] ", end="", file=out, flush=True)
        line = sys.stdin.readline()
        if not line:
            print(file=out)
            return False
        answer = line.strip().lower()
        if answer in ("y", "yes", "j", "ja"):
            return True
        if answer in ("n", "no", "nee"):
            return False


def _shown(ring, frame, rep: Report) -> bool:
    """``frame`` sent to the ring; False, with the ring's FAIL, when the write failed."""
    try:
        ring.show(frame)
    except OSError as exc:
        rep.busy = rep.busy or _busy(exc)
        rep.add("FAIL", "ring", f"write failed: {exc}")
        return False
    return True


def check_ring(parts, clock, rep: Report, ask=None) -> None:
    """Each colour for COLOUR_S, announced. ``ask(question) -> bool``: the technician's
    answer (on the unit, with a terminal); in simulation the decoded bit stream is checked."""
    ring = parts.ring
    if ring is None:
        rep.add("FAIL", "ring", str(parts.problems.get("ring", "not available")))
        return
    n = ring.pixels
    bad = []
    print(f"        watch the ring: {', '.join(name for name, _ in PATTERN)}, "
          f"{COLOUR_S:g} s each", file=rep.out, flush=True)
    for name, colour in PATTERN:
        frame = np.tile(np.array(colour, np.uint8), (n, 1))
        print(f"        ring: all {n} LEDs {name}", file=rep.out, flush=True)
        if not _shown(ring, frame, rep):
            return
        if parts.spi is not None:
            got = parts.spi.last
            if got is None or got.shape != (n, 3) or not np.array_equal(got, frame):
                bad.append(name)
        clock.sleep_until(clock.now() + COLOUR_S)
    ring.close()
    colours = ", ".join(name for name, _ in PATTERN)
    if parts.spi is not None and bad:
        rep.add("FAIL", "ring", f"decoded LED colours wrong for: {', '.join(bad)}")
    elif ask is not None:
        if ask(f"did all {n} LEDs light {colours}, in that order, red first? (green "
               "first: the LEDs take another colour order than [ring] order says)"):
            rep.add("PASS", "ring", f"{n} LEDs: {colours} seen")
        else:
            rep.add("FAIL", "ring", f"{n} LEDs: not all colours seen; check the 5 V supply, "
                    f"the 74AHCT125, the data line from {_data_pin(ring)} to 1A and from 1Y "
                    "through the 330 Ohm to DIN, and [ring] pixels/order")
    elif parts.spi is not None:
        rep.add("PASS", "ring", f"{n} LEDs: {colours} decoded correctly")
    else:
        rep.add("PASS", "ring", f"{n} LEDs sent {colours}: not confirmed (no terminal); "
                "check all lit")
    if rep.rows[-1][0] != "FAIL":  # (a ring that did not light: nobody saw where)
        check_ring_place(parts, clock, rep, ask)


RING_TURN = ("turn the ring so that its first LED (the one DIN feeds) is at the bottom, as "
             "the patient sees it: the pacer's fill rises from there along both sides "
             "(docs/hardware.md)")


def check_ring_place(parts, clock, rep: Report, ask=None) -> None:
    """Where the ring's first LED is: at the bottom, or the pacer's fill falls from the
    top (a ring mounted any way passed, its colours all seen). The first LED is lit alone,
    white, while the technician is asked (else for ``COLOUR_S``); in simulation the
    decoded frame must light it alone."""
    ring = parts.ring
    first = np.zeros((ring.pixels, 3), np.uint8)
    first[0] = PATTERN[-1][1]  # (white, the last colour shown)
    print("        ring: only the first LED (the one DIN feeds) white", file=rep.out, flush=True)
    if not _shown(ring, first, rep):
        return
    decoded = None if parts.spi is None else np.array_equal(parts.spi.last, first)
    if decoded is False:
        rep.add("FAIL", "ring position", "decoded frame did not light the first LED alone")
    elif ask is not None:
        if ask("is the one white LED lit now at the bottom of the ring?"):
            rep.add("PASS", "ring position", "first LED at the bottom")
        else:
            rep.add("FAIL", "ring position", RING_TURN)
    else:
        clock.sleep_until(clock.now() + COLOUR_S)
        rep.add("PASS", "ring position", "first LED alone decoded correctly" if decoded else
                "not confirmed (no terminal); check that the first LED lit alone is at the "
                "bottom")
    ring.close()


def _data_pin(ring) -> str:
    """'GPIO10 (header pin 19)': where the ring's data leaves the Pi (SPI MOSI)."""
    from device.controls import pin_name
    from device.ring import MOSI_GPIO

    gpio = MOSI_GPIO.get(getattr(ring, "spi_bus", 0))
    return pin_name(gpio) if gpio is not None else "SPI MOSI"


def check_buttons(parts, clock, rep: Report, timeout_s: float, ask=None) -> None:
    c = parts.controls
    if c is None:
        rep.add("FAIL", "buttons", str(parts.problems.get("controls", "not available")))
        return
    from device.controls import pin_name

    for name in c.names:
        where = pin_name(c.gpio[name])
        if c.reads_pressed(name):  # before anyone pressed: no press could be told apart
            rep.add("FAIL", f"button {name}", f"{where} reads pressed before the press: "
                    "the button is stuck or its line is shorted to GND (or it is a "
                    "normally-closed button, or a resistor pulls the line down: the pin has "
                    "its own pull-up, a button needs no resistor)")
            continue
        print(f"        press the {name.replace('_', '/')} button "
              f"(within {timeout_s:g} s)...", file=rep.out, flush=True)
        c.poll()
        if parts.pin_factory is not None:
            clock.sleep_until(clock.now() + 0.3)
            parts.press(name)
        deadline = clock.now() + timeout_s
        seen = False
        others: list[str] = []  # other buttons pressed meanwhile: swapped wires?
        while clock.now() < deadline and not seen:
            clock.sleep_until(clock.now() + 0.02)
            for pressed in c.poll():
                button = "next" if pressed == "recalibrate" else pressed  # a long press
                if button == name:
                    seen = True
                elif button not in others:
                    others.append(button)
        if seen:
            rep.add("PASS", f"button {name}", f"pressed ({where})")
        elif others:
            other = others[0]
            rep.add("FAIL", f"button {name}", f"no press on {where} within {timeout_s:g} s, "
                    f"but the {other.replace('_', '/')} button's pin, "
                    f"{pin_name(c.gpio[other])}, was pressed: are the two buttons' wires "
                    f"swapped? check which pin each button goes to, and [buttons] "
                    f"{name} = {c.gpio[name]} and {other} = {c.gpio[other]}")
        else:
            rep.add("FAIL", f"button {name}", f"no press within {timeout_s:g} s on {where}: "
                    "check the button's wires to that pin and to GND (not to 3V3: the pin "
                    "is pulled up inside, and a press must pull it to GND), and [buttons] "
                    f"{name} = {c.gpio[name]}")
    if "third" not in c.names:  # (said, so a third button fitted but not set is seen)
        rep.add("SKIP", "button third", "not fitted (buttons.third = -1)")
    if not c.has_buzzer:
        rep.add("SKIP", "buzzer", "not fitted (buttons.buzzer = -1)")
        return
    print(f"        listen: the buzzer sounds for {BEEP_S:g} s", file=rep.out, flush=True)
    problem = None
    try:
        c.beep(True)
        on = c.buzzer_on
        clock.sleep_until(clock.now() + BEEP_S)
        c.beep(False)
    except Exception as exc:  # gpiozero or the pin library refused
        on, problem = False, f"{type(exc).__name__}: {exc}"
    if not on:
        rep.add("FAIL", "buzzer", f"could not be switched on ({pin_name(c.buzzer_gpio)}"
                + (f"; {problem}" if problem else "") + ")")
    elif ask is not None:
        if ask("did you hear the buzzer?"):
            rep.add("PASS", "buzzer", "heard")
        else:
            rep.add("FAIL", "buzzer", "not heard; check its wiring, polarity and "
                    "[buttons] buzzer_kind (active or tonal)")
    elif parts.pin_factory is not None:
        rep.add("PASS", "buzzer", "switched on and off (emulated)")
    else:
        rep.add("PASS", "buzzer", "beeped: not confirmed (no terminal); did you hear it?")


def _sim_unplug(parts):
    """``unplug(belt, out)`` for the simulated patient: the belt's jack is out, so the
    input it is wired to reads the 3.3 V rail, until it is put back."""
    chip = parts.chip
    source = chip.source

    def unplug(belt: str, out: bool) -> None:
        if not out:
            chip.source = source
            return
        pin = parts.patient.pins[list(parts.patient.belts).index(belt)]
        chip.source = lambda t: {**source(t), pin: Divider().vcc}

    return unplug


def _busy(exc: BaseException | None) -> bool:
    """Is this failure (or what caused it) a device held by another process?"""
    seen = 0
    while exc is not None and seen < 5:
        if getattr(exc, "errno", None) == errno.EBUSY:
            return True
        text = str(exc).lower()
        if "busy" in text or "in use" in text:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def service_running() -> bool:
    """Is ademcoach.service active (it holds the pins and reads the sensor)?"""
    try:
        r = subprocess.run(["systemctl", "is-active", "--quiet", "ademcoach.service"],
                           capture_output=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


def cmd_hw_check(args) -> int:
    from feedback.cli import config_path
    from feedback.config import load_config

    settings = load_config(config_path(getattr(args, "config", None)))
    wired = getattr(args, "sim_wired", None)
    if wired is not None and len(wired) != len(settings.sensor.belts):
        belts = " and ".join(settings.sensor.belts)
        raise BadInput(f"--sim-wired {','.join(wired)}: give one input per belt "
                       f"({len(settings.sensor.belts)}: {belts}), such as "
                       + ",".join(f"A{i}" for i in range(len(settings.sensor.belts))))
    sim = "calm" if getattr(args, "sim", False) or wired is not None else None
    clock = VirtualClock() if sim else MonotonicClock()
    rep = Report()
    print(f"ademcoach hw-check{' (emulated parts, simulated patient)' if sim else ''}",
          file=rep.out)
    if not sim and service_running():
        if not getattr(args, "force", False):
            print(f"hw-check: the ademcoach service is running and uses the same devices "
                  f"(it writes the sensor's config and the ring too, so both would be "
                  f"wrong): stop it first: {STOP_SERVICE}  (or hw-check --force to check "
                  f"anyway)", file=rep.out, flush=True)
            return 1
        print("hw-check: the ademcoach service is running (--force): results may be wrong",
              file=rep.out, flush=True)
    ask = ready = None
    if not sim and sys.stdin is not None and sys.stdin.isatty():
        def ask(question):
            return ask_tty(question, rep.out)

        def ready():
            print("        press Enter when the belt is on", end="", file=rep.out, flush=True)
            sys.stdin.readline()
    parts = open_parts(settings, sim, clock, connect=False, partial=True, wired=wired)
    unplug = _sim_unplug(parts) if sim else None
    if ask is not None:
        def unplug(belt, out):
            print(f"        {'unplug' if out else 'plug'} the {belt} belt's jack "
                  f"{'from' if out else 'back into'} the unit, then press Enter", end="",
                  file=rep.out, flush=True)
            sys.stdin.readline()
    try:
        check_sensor(parts, clock, rep, READ_S, ready, unplug)
        check_ring(parts, clock, rep, ask)
        check_buttons(parts, clock, rep, getattr(args, "timeout", None) or BUTTON_TIMEOUT_S,
                      ask)
    finally:
        parts.close()
    if sim:  # (the emulated parts' computer is not the unit: said, so no clock line is
        rep.add("SKIP", "clock", "not checked with --sim (this computer is not the unit)")
    else:  # taken for one that passed)
        check_clock(rep)
    if any(_busy(p) for p in parts.problems.values()) or rep.busy:
        print(f"hw-check: a GPIO, SPI or I2C device is busy (in use by another program, "
              f"usually the service): {STOP_SERVICE}", file=rep.out)
    if rep.failed:
        print(f"hw-check: {rep.failed} check(s) FAILED", file=rep.out)
        return 1
    print("hw-check: all checks passed", file=rep.out)
    return 0
