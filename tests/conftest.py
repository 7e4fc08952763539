"""Shared test set-up: no display, no sound card, no Pi.

SDL uses its dummy drivers and gpiozero its mock pin factory. The real recordings are
read from ``../shared/data`` next to the repository (or $ADEMCOACH_DATA).
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ADEMCOACH_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"shared recordings not found at {DATA} (set ADEMCOACH_DATA)")
    return DATA


@pytest.fixture
def repo() -> Path:
    return REPO
