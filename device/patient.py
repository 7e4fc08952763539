"""A simulated patient: the emulated ADS1115's signal source, with ground truth.

The patient breathes on their own (rate, exhale:inhale ratio, depth, end-exhale pause,
breath-to-breath jitter) or, after ``follow(pacer_level)``, follows the pacer with a lag
and a compliance (1 = exactly, 0 = not at all: their own rhythm). Timed episodes from the
scenario add breath-holds (after inhale, as when lifting, or after exhale), fast or forced
breathing, posture steps, squat/bending/walking movement, what a patient does besides
breathing (talking, coughing, a sigh or a yawn, laughing, a sniff, a swallow: ``ACTS``,
each replacing the breath for its time and then handing back to the breathing or the
pacer from where it left the lungs), unplugged belts and belts
taken off (laid down, the plug still in: slack, without the cord's pre-tension, and
still, only the circuit's noise; with ``slack = false`` still at the worn rest level);
the belt creeps after it is put on and settles (``creep_cm``). The lung signal is split over chest
and belly (``belly_share``; with ``paradoxical`` the belly is drawn in as the chest
rises; ``belly_lag_s`` puts the belly's movement behind the chest's, or ahead, and
``chest_sensitivity`` makes the chest belt read more or less than the belly belt), turned
into belt stretch in cm, then into volts by the sensor's divider (device/circuit.py),
plus noise.

Calling the patient with a time gives ``{ADC pin: volts}``; calls must come in
non-decreasing time (as the ADC samples). Ground truth is kept as it goes: every breath
(trough, peak, next trough, depth) from the noise-free lung signal, every hold and every
unplugged span, so tests and benchmarks can score the analysis.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from device.circuit import Divider
from device.scenario import ACTS, Scenario

STEP_S = 0.01  # ground truth and the pacer-following filter run on this grid


TRUTH_KEEP = 5000  # breaths, holds and unplug episodes kept as ground truth


def creep_cm(signal, t: float) -> float:
    """The belt's creep ``t`` seconds after it was put on, in cm of belt stretch.

    A conductive-rubber belt relaxes viscoelastically: it creeps at ``creep_cm_per_min``
    when just put on, ever more slowly, and settles ``creep_cm_per_min x creep_tau_s``
    away (a first-order relaxation with time constant ``creep_tau_s``). Within the first
    minutes this is the steady creep at ``creep_cm_per_min``; it never runs to a rail.
    The belt is put on when the simulated session starts (the patient's clock at 0)."""
    tau = signal.creep_tau_s
    return signal.creep_cm_per_min / 60.0 * tau * -math.expm1(-max(t, 0.0) / tau)


@dataclass
class Truth:
    """What really happened, for scoring. Times in seconds of the patient's clock.

    Only the last ``TRUTH_KEEP`` entries of each kind are kept, so a simulation left
    running for hours keeps a constant memory."""

    breaths: deque = field(default_factory=lambda: deque(maxlen=TRUTH_KEEP))
    holds: deque = field(default_factory=lambda: deque(maxlen=TRUTH_KEEP))
    unplugged: deque = field(default_factory=lambda: deque(maxlen=TRUTH_KEEP))

    def write(self, path) -> None:
        data = {k: list(v) for k, v in vars(self).items()}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)


@dataclass
class _Phase:
    kind: str  # inhale | hold_in | exhale | hold_out
    start: float
    end: float
    v0: float
    v1: float


def act_knots(ep, v0: float, rng) -> list[tuple[float, float]]:
    """The lung signal of an act (``ep.kind`` in ACTS) starting at level ``v0``, as knots
    (seconds from its start, level; 1 = a normal breath's depth, 0 = the end of a normal
    exhale), joined by half-cosines, so each knot is a turn or a moment's stop:

    - talk: ``duration_s`` of speech: a quick inhale (0.5-0.8 s), then phrases of 2.5-6 s,
      each a slow, uneven exhale (syllables of 0.2-0.5 s, now and then a stop) down to
      0.3 below to 0.1 above the normal end of an exhale, with quick inhales of 0.3-0.6 s
      between them to 0.5-1.1 x ``depth``;
    - cough: one inhale to 1.4 in 0.8 s, then ``count`` sharp exhale jerks (0.12 s each,
      a 0.2 s closed glottis before each), ending 0.2 below the normal end;
    - sigh: one breath ``depth`` deep lasting ``duration_s`` (inhale 40 %, a 0.4 s top);
      yawn: the same with a long inhale (50 %), a 1.5 s stretch at the top, a quick exhale;
    - laugh: ``duration_s`` of small exhale pulses at 4-5 per second (each 0.06-0.14 of a
      breath, a little rebound), a quick inhale when the lungs run low;
    - sniff: a quick 0.35 inhale in 0.3 s, back in 1 s; swallow: 0.8 s still, a small
      bump (the larynx rising)."""
    k, out, t = ep.kind, [(0.0, v0)], 0.0

    def go(dt: float, v: float) -> None:
        nonlocal t
        t += dt
        out.append((t, v))

    if k == "talk":
        d = ep.duration_s
        go(rng.uniform(0.5, 0.8), ep.depth * rng.uniform(0.9, 1.3))
        while t < d - 1.0:
            length = min(rng.uniform(2.5, 6.0), max(d - t, 1.0))
            top, bottom = out[-1][1], rng.uniform(-0.3, 0.1)
            n = max(int(length / rng.uniform(0.2, 0.5)), 2)
            w = rng.uniform(0.2, 1.5, n) * (rng.uniform(size=n) > 0.15)  # some stops
            w = np.cumsum(w) / max(w.sum(), 1e-9)
            for x in w:
                go(length / n, top + (bottom - top) * float(x))
            if t < d - 1.0:
                go(rng.uniform(0.3, 0.6), ep.depth * rng.uniform(0.5, 1.1))
    elif k == "cough":
        go(0.8, 1.4)
        step = 1.6 / ep.count
        for i in range(ep.count):
            go(0.2, out[-1][1])
            go(0.12, 1.4 - step * (i + 1))
        go(0.3, out[-1][1])
    elif k in ("sigh", "yawn"):
        d = ep.duration_s
        if k == "sigh":
            go(0.4 * d, ep.depth)
            go(0.4, ep.depth)
            go(d - t, 0.0)
        else:
            go(0.5 * d, ep.depth)
            go(1.5, ep.depth * 1.03)
            go(max(d - t, 1.0), 0.0)
    elif k == "laugh":
        d = ep.duration_s
        go(0.5, 1.1)
        while t < d:
            if out[-1][1] < -0.3:
                go(0.4, 0.8)
            v = out[-1][1] - rng.uniform(0.06, 0.14)
            go(0.08, v)
            go(rng.uniform(0.1, 0.16), v + 0.02)
    elif k == "sniff":
        go(0.3, v0 + 0.35)
        go(0.3, v0 + 0.35)
        go(1.0, v0)
    elif k == "swallow":
        go(0.3, v0)
        go(0.2, v0 + 0.04)
        go(0.3, v0)
    return out


def _along(knots: list[tuple[float, float]], dt: float) -> float:
    """The level ``dt`` seconds into an act's knots (half-cosines between them)."""
    for (t0, v0), (t1, v1) in zip(knots, knots[1:], strict=False):
        if dt < t1:
            x = min(1.0, max(0.0, (dt - t0) / (t1 - t0))) if t1 > t0 else 1.0
            return v0 + (v1 - v0) * (0.5 - 0.5 * math.cos(math.pi * x))
    return knots[-1][1]


def _in(ep, t: float) -> bool:
    return ep.start_s <= t < ep.start_s + ep.duration_s


def _smooth_window(ep, t: float, ramp: float = 1.0) -> float:
    """0 outside the episode, 1 inside, with cosine ramps of ``ramp`` seconds."""
    a, b = ep.start_s, ep.start_s + ep.duration_s
    if t <= a or t >= b:
        return 0.0
    x = min(t - a, b - t, ramp) / ramp
    return 0.5 - 0.5 * math.cos(math.pi * x)


class Patient:
    """A scenario's patient wearing ``belts`` on ADC ``pins`` (one pin per belt)."""

    def __init__(self, scenario: Scenario, belts: Sequence[str] = ("belly",),
                 pins: Sequence[int] = (0,), divider: Divider | None = None):
        self.scenario = scenario
        self.belts = tuple(belts)
        self.pins = tuple(pins)
        self.divider = divider or Divider()
        self.truth = Truth()
        b = scenario.breathing
        self._rng = np.random.default_rng(scenario.scenario.seed)
        self._pacer: Callable[[float], float] | None = None
        self._phases: list[_Phase] = []
        self._pending_holds = [e for e in scenario.episodes if e.kind == "hold"]
        self._pending_acts = [e for e in scenario.episodes if e.kind in ACTS]
        self._act: tuple[float, list[tuple[float, float]]] | None = None  # (start, knots)
        # (its own generator: a scenario without acts breathes exactly as before)
        self._act_rng = np.random.default_rng(scenario.scenario.seed + 7919)
        self._t = 0.0  # the step grid has been run up to here
        self._level = 0.0  # lung signal on the grid (0 = end of a normal exhale)
        self._follow_level = 0.0
        self._freeze: tuple[float, float] | None = None  # (until, level) for follow holds
        self._last_t = 0.0
        # ground-truth extremum tracking
        self._dir = 1
        self._ext_v = 0.0
        self._ext_t = 0.0
        self._trough: tuple[float, float] | None = (0.0, 0.0)
        self._peak: tuple[float, float] | None = None
        self._hyst = 0.15 * b.depth
        # two belts out of phase: the belt behind reads the lung signal ``_delay[name]``
        # seconds late, from the step grid's recent values (``_lung_before``); the belt
        # ahead is on the ground truth's time. (Kept only when set, so a scenario
        # without it gives exactly the signal it gave before.)
        lag = b.belly_lag_s if len(self.belts) > 1 else 0.0
        self._delay = {name: max(-lag, 0.0) if "chest" in name else max(lag, 0.0)
                       for name in self.belts}
        self._past: deque | None = None
        if lag:
            self._past = deque([(0.0, self._level)], maxlen=int(abs(lag) / STEP_S) + 4)
        for ep in scenario.episodes:
            if ep.kind == "unplugged":
                self.truth.unplugged.append({"start": ep.start_s,
                                             "end": ep.start_s + ep.duration_s,
                                             "belt": ep.belt})
        self._schedule(0.0, 0.0)

    # --- public -------------------------------------------------------------------

    def follow(self, pacer_level: Callable[[float], float] | None) -> None:
        """Follow the pacer (``t -> 0..1``), or breathe on their own with None."""
        self._pacer = pacer_level
        self._follow_level = self._level

    def __call__(self, t: float) -> dict[int, float]:
        t = max(t, self._last_t)
        self._last_t = t
        self._run_to(t)
        lung = self._lung_now(t)
        out = {}
        sc = self.scenario
        for name, pin in zip(self.belts, self.pins, strict=True):
            moving = lung if not self._delay[name] else self._lung_before(t, lung,
                                                                          self._delay[name])
            off = self._episode("taken_off", name, t)
            worn = off is None
            stretch = self._belt_share(name) * moving * sc.signal.excursion_cm if worn else 0.0
            stretch += (self._motion(name, t) if worn else 0.0) + creep_cm(sc.signal, t)
            if len(self.belts) > 1 and "chest" in name and sc.signal.chest_sensitivity != 1.0:
                stretch *= sc.signal.chest_sensitivity  # the whole belt reads more or less
            if off is not None and off.slack:  # (laid down: the cord without its tension)
                stretch = self.divider.slack_cm
            plugged = self._episode("unplugged", name, t) is None
            v = self.divider.volts(stretch, connected=plugged)
            if sc.signal.cardiac_mv > 0 and plugged and worn:
                v += sc.signal.cardiac_mv / 1000.0 * self._heartbeat(t)
            if sc.signal.noise_mv > 0:
                v += float(self._rng.normal(0.0, sc.signal.noise_mv / 1000.0))
            out[pin] = v
        return out

    def _lung_before(self, t: float, lung: float, delay: float) -> float:
        """The lung signal ``delay`` seconds before ``t`` (``lung`` is its value at ``t``),
        linear between the step grid's values; before the start, the start's."""
        s = t - delay
        later = (t, lung)
        for point in reversed(self._past):
            if point[0] <= s:
                if later[0] <= point[0]:
                    return point[1]
                x = (s - point[0]) / (later[0] - point[0])
                return point[1] + x * (later[1] - point[1])
            later = point
        return later[1]  # (before the first value kept: at the start, the rest level)

    def _heartbeat(self, t: float) -> float:
        """The cardiac ripple at ``t``, -1..1: a sharp beat at ``heart_bpm``, whose rate
        wanders by up to 13 % over half a minute (as a real heart's does)."""
        hz = self.scenario.signal.heart_bpm / 60.0
        phase = 2 * math.pi * hz * (t + 0.6 * math.sin(2 * math.pi * t / 30.0))
        return 0.7 * math.sin(phase) + 0.3 * math.sin(2 * phase + 0.8)

    def lung(self, t: float) -> float:
        """The noise-free lung signal at ``t`` (1 = a normal breath's depth)."""
        self._run_to(t)
        return self._lung_now(t)

    def _lung_now(self, t: float) -> float:
        if self._act is not None:
            return _along(self._act[1], t - self._act[0])
        return self._own(t) if self._pacer is None else self._level

    # --- own rhythm -----------------------------------------------------------------

    def _params(self, t: float) -> tuple[float, float, float, float]:
        b = self.scenario.breathing
        rate, depth = b.rate_bpm, b.depth
        for ep in self.scenario.episodes:
            if _in(ep, t):
                if ep.kind == "fast":
                    rate = ep.rate_bpm
                elif ep.kind == "forced":
                    depth = ep.depth
        j = b.jitter
        rate *= 1.0 + float(self._rng.uniform(-j, j))
        depth *= 1.0 + float(self._rng.uniform(-j, j))
        # (drawn only when set, so a scenario without them breathes exactly as before)
        ratio = b.ratio
        if b.ratio_jitter:
            ratio *= 1.0 + float(self._rng.uniform(-b.ratio_jitter, b.ratio_jitter))
        pause = b.pause_s
        if b.pause_jitter:
            pause *= 1.0 + float(self._rng.uniform(-b.pause_jitter, b.pause_jitter))
        return rate, ratio, depth, pause

    def _schedule(self, t: float, v0: float) -> None:
        """Plan the next breath (and any hold due within it) from ``t``."""
        rate, ratio, depth, pause = self._params(t)
        cycle = 60.0 / rate
        pause = min(pause, 0.3 * cycle)
        ti = (cycle - pause) / (1.0 + ratio)
        te = cycle - pause - ti
        phases = [_Phase("inhale", t, t + ti, v0, depth)]
        hold = self._take_hold(t + ti, "inhale")
        if hold is not None:
            phases.append(_Phase("hold_in", t + ti, t + ti + hold, depth, depth))
        s = phases[-1].end
        phases.append(_Phase("exhale", s, s + te, depth, 0.0))
        s += te
        hold = self._take_hold(s, "exhale")
        phases.append(_Phase("hold_out", s, s + (hold if hold is not None else pause), 0.0, 0.0))
        self._phases.extend(phases)

    def _take_hold(self, t: float, after: str) -> float | None:
        if self._pacer is not None:
            return None  # while following, holds freeze the followed breath (_step_follow)
        for ep in self._pending_holds:
            if ep.after == after and t >= ep.start_s:
                self._pending_holds.remove(ep)
                self.truth.holds.append({"start": t, "end": t + ep.duration_s,
                                         "kind": after})
                return ep.duration_s
        return None

    def _own(self, t: float) -> float:
        while self._phases and self._phases[-1].end <= t:
            last = self._phases[-1]
            self._schedule(last.end, last.v1)
        while len(self._phases) > 1 and self._phases[0].end <= t:
            self._phases.pop(0)
        p = self._phases[0]
        if p.end <= p.start:
            return p.v1
        x = min(1.0, max(0.0, (t - p.start) / (p.end - p.start)))
        return p.v0 + (p.v1 - p.v0) * (0.5 - 0.5 * math.cos(math.pi * x))

    # --- the step grid: following the pacer, ground truth ----------------------------

    def _run_to(self, t: float) -> None:
        while self._t + STEP_S <= t:
            self._t += STEP_S
            if self._acting(self._t):
                self._level = _along(self._act[1], self._t - self._act[0])
            elif self._pacer is None:
                self._level = self._own(self._t)
            else:
                self._level = self._step_follow(self._t)
            self._track(self._t, self._level)
            if self._past is not None:
                self._past.append((self._t, self._level))

    def _acting(self, t: float) -> bool:
        """Is an act (talking, a cough ...) on at ``t``? Starts a due one from the level
        the lungs are at; one that is over hands back to the breathing from its end."""
        if self._act is None and self._pending_acts and self._pending_acts[0].start_s <= t:
            ep = self._pending_acts.pop(0)
            self._act = (t, act_knots(ep, self._level, self._act_rng))
        if self._act is None:
            return False
        start, knots = self._act
        if t - start < knots[-1][0]:
            return True
        self._act = None
        self._follow_level = knots[-1][1]
        self._phases = []
        self._schedule(t, knots[-1][1])
        return False

    def _step_follow(self, t: float) -> float:
        f = self.scenario.follow
        depth = self.scenario.breathing.depth or 1.0
        for ep in list(self._pending_holds):
            # While following, a hold begins at the first top (after="inhale") or bottom
            # (after="exhale") of the followed breath from its start time on.
            x = self._follow_level / depth
            at_turn = x >= 0.9 if ep.after == "inhale" else x <= 0.1
            if t >= ep.start_s and at_turn and self._freeze is None:
                self._pending_holds.remove(ep)
                self._freeze = (t + ep.duration_s, self._follow_level)
                self.truth.holds.append({"start": t, "end": t + ep.duration_s,
                                         "kind": ep.after})
        if self._freeze is not None:
            if t < self._freeze[0]:
                return self._freeze[1]
            self._freeze = None
        target = min(1.0, max(0.0, float(self._pacer(t - f.lag_s))))
        depth = self.scenario.breathing.depth
        for ep in self.scenario.episodes:
            if ep.kind == "forced" and _in(ep, t):
                depth = ep.depth
        alpha = STEP_S / 0.3  # the chest cannot jump: ~0.3 s time constant
        self._follow_level += alpha * (target * depth - self._follow_level)
        return f.compliance * self._follow_level + (1.0 - f.compliance) * self._own(t)

    def _track(self, t: float, v: float) -> None:
        """Turning points with hysteresis; a flat top or bottom counts at its end."""
        eps = 1e-6
        if self._dir > 0:
            if v >= self._ext_v - eps:
                self._ext_v, self._ext_t = max(v, self._ext_v), t
            elif v < self._ext_v - self._hyst:
                self._peak = (self._ext_t, self._ext_v)
                self._dir, self._ext_v, self._ext_t = -1, v, t
        else:
            if v <= self._ext_v + eps:
                self._ext_v, self._ext_t = min(v, self._ext_v), t
            elif v > self._ext_v + self._hyst:
                trough = (self._ext_t, self._ext_v)
                if self._trough is not None and self._peak is not None:
                    start, peak, end = self._trough[0], self._peak[0], trough[0]
                    depth_ref = self.scenario.breathing.depth or 1.0
                    self.truth.breaths.append({
                        "start": round(start, 3), "peak": round(peak, 3), "end": round(end, 3),
                        "inhale_s": round(peak - start, 3), "exhale_s": round(end - peak, 3),
                        "depth": round((self._peak[1] - self._trough[1]) / depth_ref, 3)})
                self._trough, self._peak = trough, None
                self._dir, self._ext_v, self._ext_t = 1, v, t

    # --- belts ------------------------------------------------------------------------

    def _belt_share(self, name: str) -> float:
        if len(self.belts) == 1:
            return 1.0
        b = self.scenario.breathing
        if "chest" in name:
            return 2.0 * (1.0 - b.belly_share)
        return 2.0 * b.belly_share * (-1.0 if b.paradoxical else 1.0)

    def _motion(self, name: str, t: float) -> float:
        chest = "chest" in name
        cm = 0.0
        for ep in self.scenario.episodes:
            if ep.kind == "posture":
                if t >= ep.start_s:
                    cm += ep.shift_cm * min(1.0, (t - ep.start_s) / 0.3)
            elif not _in(ep, t):
                continue
            elif ep.kind == "squats":
                phase = (t - ep.start_s) / ep.period_s
                down = 0.5 - 0.5 * math.cos(2 * math.pi * phase)
                cm += ep.amplitude_cm * down * (0.3 if chest else 1.0)
            elif ep.kind == "bending":
                cm += ep.amplitude_cm * _smooth_window(ep, t) * (0.5 if chest else 1.0)
            elif ep.kind == "walking":
                cm += ep.amplitude_cm * math.sin(2 * math.pi * ep.step_hz * (t - ep.start_s))
        return cm

    def _episode(self, kind: str, name: str, t: float):
        """The episode of ``kind`` (unplugged, taken_off) belt ``name`` is in at ``t``, or
        None."""
        return next((ep for ep in self.scenario.episodes if ep.kind == kind
                     and _in(ep, t) and ep.belt in ("all", name)), None)
