"""Colours as eyes with a colour-vision deficiency see them, and WCAG 2 contrast, for the
tests that measure the screen's and the LED ring's colours from what is drawn.

The dichromacies are simulated with the matrices of Machado, Oliveira and Fernandes
(2009, "A physiologically-based model for simulation of color vision deficiency"),
severity 1.0, applied to linear sRGB: protanopia and deuteranopia (together about 8 % of
men), tritanopia (rare)."""

from __future__ import annotations

import numpy as np

MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
VISIONS = ("normal", *MACHADO)


def linear(colour) -> np.ndarray:
    c = np.asarray(colour, dtype=float)[..., :3] / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def seen(colour, vision: str) -> tuple[int, int, int]:
    """``colour`` (sRGB 0-255) as ``vision`` sees it, back in sRGB."""
    lin = linear(colour)
    if vision != "normal":
        lin = np.clip(MACHADO[vision] @ lin, 0.0, 1.0)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return tuple(int(round(v * 255)) for v in srgb)


def luminance(colour) -> float:
    return float(linear(colour) @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a, b, vision: str = "normal") -> float:
    """WCAG 2 contrast ratio of two sRGB colours, as ``vision`` sees them."""
    hi, lo = sorted((luminance(seen(a, vision)), luminance(seen(b, vision))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
