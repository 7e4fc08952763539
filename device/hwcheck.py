"""``ademcoach hw-check``: a technician's check of an assembled unit.

Finds the ADS1115, reads each belt for a while and reports its level, noise and whether
breathing is seen; shows a test pattern on the ring; asks for each button; beeps. Prints
a pass/fail list and exits 0 only if nothing failed. ``--sim`` runs the same steps
against the emulated parts on a virtual clock (presses are simulated, the ring pattern
is verified from the decoded LED bit stream), so it finishes in about a second.

The breathing check is deliberately simple and self-contained: a smoothed, detrended
signal must cross its middle with hysteresis well above the noise.
"""

from __future__ import annotations

import sys

import numpy as np

from device.parts import open_parts
from device.sensor import SensorIOError
from feedback.clock import MonotonicClock, VirtualClock
from feedback.errors import HardwareError

READ_S = 15.0  # two breaths at 8/min
BUTTON_TIMEOUT_S = 15.0
RAIL_LOW_V, RAIL_HIGH_V = 0.05, 3.2
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

    def add(self, status: str, what: str, detail: str) -> None:
        self.rows.append((status, what, detail))
        print(f"  {status:<4}  {what:<18} {detail}", file=self.out, flush=True)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r[0] == "FAIL")


def check_sensor(parts, clock, rep: Report, read_s: float) -> None:
    s = parts.sensor
    try:
        s.connect()
    except HardwareError as exc:
        rep.add("FAIL", "sensor", str(exc))
        detail = getattr(exc, "detail", None)
        if detail:
            print(f"        ({detail})", file=rep.out)
        return
    rep.add("PASS", "sensor", f"ADS1115 at 0x{s.address:02x} on I2C bus {s.i2c_bus} "
            f"(gain {s.gain:g}, {s.data_rate} SPS, {s.rate_hz} Hz)")
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
    for i, belt in enumerate(s.belts):
        r = belt_report(t, v[:, i])
        what = f"belt {belt} ({s.channels[i]})"
        text = f"level {r['level']:.3f} V, noise {r['noise'] * 1000:.1f} mV"
        if not RAIL_LOW_V < r["level"] < RAIL_HIGH_V:
            rep.add("FAIL", what, f"{text}: at a supply rail; belt unplugged or shorted")
        elif not r["breathing"]:
            rep.add("FAIL", what, f"{text}: no breathing seen in {read_s:g} s "
                    f"(swing {r['swing'] * 1000:.1f} mV); check the belt is worn and tight")
        else:
            rate = f", ~{r['rate_bpm']:.0f}/min" if r["rate_bpm"] else ""
            rep.add("PASS", what, f"{text}, breathing seen: swing {r['swing'] * 1000:.0f} mV"
                    f", {r['breaths']} breath(s){rate}")


def check_ring(parts, clock, rep: Report) -> None:
    ring = parts.ring
    if ring is None:
        rep.add("FAIL", "ring", str(parts.problems.get("ring", "not available")))
        return
    n = ring.pixels
    bad = []
    for name, colour in PATTERN:
        frame = np.tile(np.array(colour, np.uint8), (n, 1))
        try:
            ring.show(frame)
        except OSError as exc:
            rep.add("FAIL", "ring", f"write failed: {exc}")
            return
        if parts.spi is not None:
            got = parts.spi.last
            if got is None or got.shape != (n, 3) or not np.array_equal(got, frame):
                bad.append(name)
        clock.sleep_until(clock.now() + 0.5)
    ring.close()
    if parts.spi is not None:
        if bad:
            rep.add("FAIL", "ring", f"decoded LED colours wrong for: {', '.join(bad)}")
        else:
            rep.add("PASS", "ring", f"{n} LEDs: red, green, blue, white decoded correctly")
    else:
        rep.add("PASS", "ring", f"{n} LEDs sent red, green, blue, white: check all lit")


def check_buttons(parts, clock, rep: Report, timeout_s: float) -> None:
    c = parts.controls
    if c is None:
        rep.add("FAIL", "buttons", str(parts.problems.get("controls", "not available")))
        return
    for name in c.names:
        print(f"        press the {name.replace('_', '/')} button "
              f"(within {timeout_s:g} s)...", file=rep.out, flush=True)
        c.poll()
        if parts.pin_factory is not None:
            clock.sleep_until(clock.now() + 0.3)
            parts.press(name)
        deadline = clock.now() + timeout_s
        seen = False
        while clock.now() < deadline and not seen:
            clock.sleep_until(clock.now() + 0.02)
            seen = name in c.poll()
        rep.add("PASS" if seen else "FAIL", f"button {name}",
                "pressed" if seen else f"no press within {timeout_s:g} s")
    if not c.has_buzzer:
        rep.add("SKIP", "buzzer", "not fitted (buttons.buzzer = -1)")
        return
    c.beep(True)
    on = c.buzzing
    clock.sleep_until(clock.now() + 0.3)
    c.beep(False)
    rep.add("PASS" if on else "FAIL", "buzzer", "beeped: did you hear it?")


def cmd_hw_check(args) -> int:
    from feedback.cli import config_path
    from feedback.config import load_config

    settings = load_config(config_path(getattr(args, "config", None)))
    sim = "calm" if getattr(args, "sim", False) else None
    clock = VirtualClock() if sim else MonotonicClock()
    rep = Report()
    print(f"ademcoach hw-check{' (emulated parts, simulated patient)' if sim else ''}",
          file=rep.out)
    parts = open_parts(settings, sim, clock, connect=False, partial=True)
    try:
        check_sensor(parts, clock, rep, READ_S)
        check_ring(parts, clock, rep)
        check_buttons(parts, clock, rep, getattr(args, "timeout", None) or BUTTON_TIMEOUT_S)
    finally:
        parts.close()
    if rep.failed:
        print(f"hw-check: {rep.failed} check(s) FAILED", file=rep.out)
        return 1
    print("hw-check: all checks passed", file=rep.out)
    return 0
