"""Device layer: sampling loop timing against the emulated ADS1115, CPU per sample, LED show.

The sampling loop is the real ``AdsSensor.stream`` with a real monotonic clock: it sleeps
to each 50 Hz tick and through each conversion (single-shot, 860 SPS), so its rate and
jitter are what this machine's scheduler gives. CPU per sample is measured on a virtual
clock (no sleeping): the driver, our retry/pacing wrapper and the chip emulator together.
The emulator costs a little CPU that the real chip does not; the bus wait it replaces
(~1.3 ms per belt at 100 kHz I2C) does not cost CPU on the Pi either.
"""

from __future__ import annotations

import time

import numpy as np

from device.ads1115_emu import ADS1115Emu
from device.ring import Ring
from device.sensor import AdsSensor
from device.spi_emu import SPIEmu
from feedback.clock import MonotonicClock, VirtualClock

SECONDS = 4.0


def _source(t):
    return {0: 1.8 + 0.05 * np.sin(t), 1: 1.7 + 0.04 * np.cos(t)}


def sampling(belts: int, seconds: float = SECONDS) -> dict:
    clock = MonotonicClock()
    names, chans = ["chest", "belly"][:belts], ["A0", "A1"][:belts]
    s = AdsSensor(names, chans, clock, rate_hz=50, bus=ADS1115Emu(_source, clock))
    s.connect()
    done, late = [], []
    cpu0 = time.process_time()
    for t, _values in s.stream(duration_s=seconds):
        now = time.monotonic()
        done.append(now)
        late.append(now - t)
    cpu = time.process_time() - cpu0
    gaps = np.diff(done) * 1000
    dev = np.abs(gaps - 20.0)
    return {"n": len(done), "rate": (len(done) - 1) / (done[-1] - done[0]),
            "jit50": np.percentile(dev, 50), "jit99": np.percentile(dev, 99),
            "lat50": np.percentile(late, 50) * 1000, "lat99": np.percentile(late, 99) * 1000,
            "cpu_pct": 100 * cpu / seconds}


def cpu_per_sample(belts: int, n: int = 2000) -> float:
    clock = VirtualClock()
    names, chans = ["chest", "belly"][:belts], ["A0", "A1"][:belts]
    s = AdsSensor(names, chans, clock, bus=ADS1115Emu(_source, clock))
    s.connect()
    t0 = time.process_time()
    for _ in range(n):
        s.read()
    return (time.process_time() - t0) / n * 1e6


def show_time(pixels: int, n: int = 300) -> float:
    ring = Ring(pixels, spi=SPIEmu())
    frame = np.random.default_rng(0).integers(0, 256, (pixels, 3), dtype=np.uint8)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        ring.show(frame)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e6


def run() -> str:
    rows = []
    for belts in (1, 2):
        r = sampling(belts)
        rows.append(f"| {belts} | {r['n']} | {r['rate']:.2f} Hz | {r['jit50']:.2f} ms | "
                    f"{r['jit99']:.2f} ms | {r['lat50']:.2f} ms | {r['lat99']:.2f} ms | "
                    f"{r['cpu_pct']:.1f} % |")
    cpu = [cpu_per_sample(1), cpu_per_sample(2)]
    show = {p: show_time(p) for p in (16, 60)}
    return "\n".join([
        "**Device layer** (`bench/bench_device.py`): `AdsSensor.stream` at 50 Hz for "
        f"{SECONDS:g} s on a real monotonic clock against the emulated ADS1115 (single-shot, "
        "860 SPS). Jitter = |interval between samples - 20 ms|; latency = sample ready "
        "minus its scheduled tick (the conversions and bus traffic).",
        "",
        "| belts | samples | achieved rate | jitter p50 | jitter p99 | latency p50 | "
        "latency p99 | CPU (of one core) |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"CPU per sample of the device layer (driver + pacing + emulated chip, virtual "
        f"clock): {cpu[0]:.0f} us with one belt, {cpu[1]:.0f} us with two.",
        "",
        f"LED `Ring.show()` (neopixel_spi bit encoding + emulated SPI decode): "
        f"{show[16]:.0f} us for 16 pixels, {show[60]:.0f} us for 60 (median of 300).",
    ])


if __name__ == "__main__":
    print(run())
