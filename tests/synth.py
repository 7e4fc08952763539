"""Synthetic breathing with known truth, for the analysis tests."""

from __future__ import annotations

import math
import random


def breathing(duration, rate_bpm=12.0, fs=50.0, inhale_frac=0.4, amp=1.0, offset=0.0,
              noise=0.0, jitter=0.0, seed=1, t0=0.0, pause_s=0.0):
    """Samples ``(t, x)`` and the true peak times. Each breath: a half-cosine rise over the
    inhale, a half-cosine fall over the exhale, then ``pause_s`` flat at the bottom."""
    rng = random.Random(seed)
    period = 60.0 / rate_bpm
    active = period - pause_s
    ti = inhale_frac * active
    te = active - ti
    out, peaks = [], []
    t = t0
    k = 0
    while t < t0 + duration:
        ph = (t - t0) % period
        if ph < ti:
            v = 0.5 - 0.5 * math.cos(math.pi * ph / ti)
        elif ph < active:
            v = 0.5 + 0.5 * math.cos(math.pi * (ph - ti) / te)
        else:
            v = 0.0
        out.append((t, offset + amp * v + (rng.gauss(0, noise) if noise else 0.0)))
        k += 1
        dt = 1.0 / fs
        t += dt * (1.0 + rng.uniform(-jitter, jitter)) if jitter else dt
    n = 0
    while t0 + n * period + ti < t0 + duration:
        peaks.append(t0 + n * period + ti)
        n += 1
    return out, peaks


def run(analyzer, samples):
    """Feed ``(t, x)`` or ``(t, (x1, x2))`` samples; return all events."""
    events = []
    for t, x in samples:
        events.extend(analyzer.feed(t, x if isinstance(x, tuple) else (x,)))
    return events


def matched(times, truth, tol=0.5):
    """How many of ``truth`` have a detection within ``tol``."""
    return sum(1 for p in truth if any(abs(p - d) <= tol for d in times))


def varied(n, inhale_s, exhale_s, rest_s=0.0, spread=0.1, fs=50.0, noise=0.01, seed=1, t0=0.0):
    """``n`` half-cosine breaths whose phases (and rest at the bottom) each vary by up to
    +-``spread``: samples ``(t, x)`` and the true peak times."""
    rng = random.Random(seed)
    out, peaks = [], []
    t = t0
    for _ in range(n):
        ti, te, tr = (d * rng.uniform(1 - spread, 1 + spread) for d in (inhale_s, exhale_s,
                                                                        rest_s))
        start = t
        while t < start + ti + te + tr:
            ph = t - start
            if ph < ti:
                v = 0.5 - 0.5 * math.cos(math.pi * ph / ti)
            elif ph < ti + te:
                v = 0.5 + 0.5 * math.cos(math.pi * (ph - ti) / te)
            else:
                v = 0.0
            out.append((t, v + rng.gauss(0, noise)))
            t += 1.0 / fs
        peaks.append(start + ti)
    return out, peaks
