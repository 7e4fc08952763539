"""LED ring frames as numpy arrays: the pacer, the patient's own breath, the warnings.

The ring is read out of the corner of the eye, during a squat, so it says things by
*where* it is lit and *how* it moves, not only by hue:

- The pacer fills the ring from the bottom up along both sides during the inhale (like a
  glass filling) and empties it during the exhale. Inhale is blue, exhale orange, the
  pauses a soft warm white.
- The patient's measured breath level is a pair of bright white pixels at the matching
  height, drawn over the fill: when the patient lags, the white pair is visibly below or
  above the edge of the fill.
- A breath-hold warning lights the *whole* ring and pulses it (2.5 Hz) in vermillion /
  magenta-red, from full level down to a tenth and back: a blink that any eye sees,
  whatever its colour vision (with protanopia, the warning's red and the warm white of
  a patient's own breath filling the ring while no pacer runs look the same). The pulse
  starts at its full level when the warning does, so the very first frame after the Hold
  event is its brightest, and it never goes dark.

Colours are from the Okabe-Ito palette, chosen to stay apart for the common colour-vision
deficiencies: blue vs orange survive protanopia and deuteranopia (the blue-yellow axis is
kept) and differ strongly in lightness for tritanopia; the warning differs from both in
being whole-ring and pulsing, and the pause colour is unsaturated, so no meaning rests on
red/green; the warning differs in moving light most of all. Brightness levels: clinic
(full), home (dimmer), night (faint).
"""

from __future__ import annotations

import math

import numpy as np

INHALE = (0, 114, 178)        # Okabe-Ito blue
EXHALE = (230, 159, 0)        # Okabe-Ito orange
PAUSE = (200, 190, 160)       # warm white, unsaturated
WARNING = (213, 50, 80)       # vermillion towards magenta-red
PATIENT = (255, 255, 255)     # the patient's own breath: brightest white
FAULT = (120, 120, 120)       # belt problem: still grey, no pulse
BRIGHTNESS = {"clinic": 1.0, "home": 0.45, "night": 0.12}
PULSE_HZ = 2.5
PULSE_LOW = 0.1  # the warning's pulse goes down to this share of its full level
PHASE_COLOUR = {"inhale": INHALE, "hold_in": PAUSE, "exhale": EXHALE, "hold_out": PAUSE}
_HEIGHTS: dict[int, np.ndarray] = {}


def heights(n: int) -> np.ndarray:
    """Height 0 (bottom) .. 1 (top) of each pixel; pixel 0 is at the bottom."""
    h = _HEIGHTS.get(n)
    if h is None:
        angle = 2.0 * np.pi * np.arange(n) / n
        h = (1.0 - np.cos(angle)) / 2.0
        _HEIGHTS[n] = h
    return h


def warning_frame(n: int, t: float, brightness: str = "clinic") -> np.ndarray:
    """The whole ring in the warning colour, pulsing between PULSE_LOW and 100%: at its
    full level at ``t`` = 0 (the caller counts ``t`` from the warning's start)."""
    mid = 0.5 * (1.0 + PULSE_LOW)
    pulse = mid + (1.0 - mid) * math.cos(2.0 * math.pi * PULSE_HZ * t)
    scale = pulse * BRIGHTNESS[brightness]
    row = np.array(WARNING, dtype=np.float32) * scale
    return np.repeat(row[None, :], n, axis=0).round().astype(np.uint8)


def ring_frame(
    n: int,
    t: float,
    pacer_level: float | None,
    pacer_phase: str | None,
    patient_level: float | None = None,
    warning: float | None = None,
    fault: bool = False,
    brightness: str = "clinic",
) -> np.ndarray:
    """One frame for an ``n``-pixel ring, RGB uint8 of shape (n, 3).

    ``pacer_level`` None = pacer off (only the patient's breath is shown, in the pause
    colour, so the patient still sees the breath). ``warning`` wins over everything: a
    number, the time of the warning's start, from which its pulse runs.
    """
    if warning is not None:
        return warning_frame(n, t - warning, brightness)
    h = heights(n)
    out = np.zeros((n, 3), dtype=np.float32)
    if fault:  # four still grey pixels, a quarter of the ring apart
        out[np.unique((np.arange(4) * n) // 4)] = FAULT
        if pacer_level is None:
            return (out * BRIGHTNESS[brightness]).round().astype(np.uint8)
    if pacer_level is not None:
        colour = np.array(PHASE_COLOUR.get(pacer_phase or "inhale", PAUSE), dtype=np.float32)
        # Soft edge: a pixel half-way over the edge is half lit. Bottom pixel always dim-lit
        # so an empty ring still shows the pacer is running.
        edge = 1.5 / n
        fill = np.clip((pacer_level - h) / edge + 0.5, 0.0, 1.0)
        fill = np.maximum(fill, 0.12)
        out = np.maximum(out, fill[:, None] * colour[None, :])
    elif patient_level is not None:
        fill = np.clip((patient_level - h) / (1.5 / n) + 0.5, 0.0, 1.0) * 0.5
        out = np.maximum(out, fill[:, None] * np.array(PAUSE, dtype=np.float32)[None, :])
    if patient_level is not None and not fault:
        level = min(max(patient_level, 0.0), 1.0)
        mark = np.abs(h - level)
        nearest = mark <= mark.min() + 1e-9
        out[nearest] = PATIENT
    return (out * BRIGHTNESS[brightness]).round().astype(np.uint8)
