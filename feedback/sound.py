"""Optional sound: soft tones that follow the pacer, and the breath-hold warning tone.

Off by default (``[sound] enabled``). Tones are synthesised with numpy at start-up (no
audio files): a soft rising tone at the start of each inhale, a lower falling one at the
start of each exhale, both with slow attack and release so they do not startle, and a
two-tone warning repeated while the breath is held. A unit without an audio device must
keep running: if the mixer cannot start, or a tone cannot be played, sound is disabled
with one logged warning and ``problem`` says why, for the session to show and record.
"""

from __future__ import annotations

import logging
import os
from collections import deque

import numpy as np

log = logging.getLogger(__name__)
RATE = 22050
# A pacer tone marks the ring's turn: one not sounded within this time of its phase's
# start (the turn fell in a blip of the sensor, or sound was switched on mid-phase) is
# left out, not sounded part-way into the phase, where the ring makes no turn.
TONE_LATE_S = 0.25


def tone(f0: float, f1: float, seconds: float, volume: float, attack: float = 0.15) -> np.ndarray:
    """A sine gliding from f0 to f1 Hz with a raised-cosine envelope; int16 stereo."""
    n = max(int(RATE * seconds), 2)
    freq = np.linspace(f0, f1, n)
    phase = 2.0 * np.pi * np.cumsum(freq) / RATE
    env = np.ones(n)
    k = max(int(RATE * min(attack, seconds / 2)), 1)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, k))
    env[:k] = ramp
    env[-k:] = ramp[::-1]
    wave = np.sin(phase) * env * volume * 0.6 * 32767
    mono = wave.astype(np.int16)
    return np.column_stack([mono, mono])


def warning_wave(volume: float) -> np.ndarray:
    """Two short tones, high then lower: clearly not a pacer tone."""
    a = tone(880.0, 880.0, 0.18, volume, attack=0.01)
    b = tone(660.0, 660.0, 0.18, volume, attack=0.01)
    gap = np.zeros((int(RATE * 0.06), 2), dtype=np.int16)
    return np.concatenate([a, gap, b])


class Sound:
    """Plays pacer and warning tones; ``update`` once per frame with the coach's state."""

    def __init__(self, sound_settings):
        self.cfg = sound_settings
        self._sounds: dict = {}
        self._mixer = False  # the mixer is open (the audio device held)
        self.problem: str | None = None  # sound wanted but not working: why
        self._last_phase: tuple | None = None  # the pacer's phase and its start
        self._last_warn = float("-inf")
        self.played: deque[str] = deque(maxlen=32)  # the last sounds played (for tests)
        self._open()

    def _open(self, say: bool = True) -> None:
        """Open the mixer and make the tones, if the settings want sound (``say``: a
        failure goes to the journal; ``retry``'s do not, once a minute)."""
        sound_settings = self.cfg
        self.enabled = bool(sound_settings["enabled"])
        self.problem = None
        if not self.enabled:
            return
        try:
            os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
            import pygame

            pygame.mixer.init(frequency=RATE, size=-16, channels=2)
            self._mixer = True
            vol = float(sound_settings["volume"])
            make = pygame.sndarray.make_sound
            self._sounds = {
                "inhale": make(np.ascontiguousarray(tone(330.0, 440.0, 0.8, vol * 0.5))),
                "exhale": make(np.ascontiguousarray(tone(330.0, 247.0, 1.0, vol * 0.5))),
                "warning": make(np.ascontiguousarray(warning_wave(vol))),
            }
        except Exception as exc:  # no audio device, no driver, bad mixer: keep running
            if say:
                log.warning("sound disabled: the audio device could not be opened (%s)", exc)
            self.close()  # (a mixer opened whose tones could not be made: let it go)
            self.enabled = False
            self.problem = f"audio device could not be opened: {exc}"

    def apply(self, sound_settings) -> None:
        """New settings (a reload): the tones' switches at once; switched on or off, or a
        new volume, opens the mixer again."""
        old, self.cfg = self.cfg, sound_settings
        if (old["enabled"], old["volume"]) != (sound_settings["enabled"],
                                               sound_settings["volume"]):
            self.close()
            self._open()

    def retry(self) -> None:
        """Sound wanted but not working (``problem``): open the audio device again (a USB
        sound card plugged in again, a device that failed for a moment). The session
        calls it once a minute while the fault lasts."""
        if self.problem is not None and self.cfg["enabled"]:
            self.close()
            self._open(say=False)

    def update(self, t: float, pacer_phase: str | None, warning: bool,
               phase_start: float | None = None) -> None:
        """Play what the moment calls for: a pacer tone when a new phase begins, the
        warning every 1.5 s while the breath is held. A phase is new by its name and
        ``phase_start``, when it began: a phase that goes on after a moment without a
        pacer (None: a blip of the sensor, where the ring made no turn) is not sounded
        again; one that a resume or a new exercise starts afresh is. A turn not sounded
        by ``TONE_LATE_S`` after it is left out."""
        if not self.enabled:
            return
        key = None if pacer_phase is None else (pacer_phase, phase_start)
        if warning:
            if self.cfg["warning_tone"] and t - self._last_warn >= 1.5:
                self._play("warning")
                self._last_warn = t
        elif (self.cfg["pacer_tones"] and pacer_phase in ("inhale", "exhale")
              and key != self._last_phase
              and (phase_start is None or t - phase_start <= TONE_LATE_S)):
            self._play(pacer_phase)
        if key is not None:
            self._last_phase = key

    def _play(self, name: str) -> None:
        try:
            self._sounds[name].play()
            self.played.append(name)
        except Exception as exc:
            log.warning("sound disabled: %s", exc)
            self.enabled = False
            self.problem = f"a tone could not be played: {exc}"

    def close(self) -> None:
        """Stop whatever plays and let the audio device go."""
        self.enabled = False
        self._sounds = {}
        if self._mixer:  # (also one whose tones could not be made)
            import pygame

            pygame.mixer.quit()
            self._mixer = False
