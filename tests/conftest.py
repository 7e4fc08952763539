"""Shared test set-up: no display, no sound card, no Pi.

SDL uses its dummy drivers and gpiozero its mock pin factory. The real recordings are
read from ``../shared/data`` next to the repository (or $ADEMCOACH_DATA).
"""

import os
import subprocess
from pathlib import Path

import pytest

from feedback.config_rules import Problem
from feedback.words import Say

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


@pytest.fixture
def tmpfs(tmp_path):
    """A real 2 MB file system (tmpfs), for full and read-only disks; needs root."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture
def sim_config(repo, tmp_path):
    """The shipped config with the records in a temporary directory."""
    text = (repo / "config" / "ademcoach.toml").read_text(encoding="utf-8")
    text = text.replace('data_dir = ""', f'data_dir = "{tmp_path / "data"}"')
    path = tmp_path / "ademcoach.toml"
    path.write_text(text, encoding="utf-8")
    return path


# Every config problem carries its Dutch, for the unit's screen (feedback/words.py): a
# test during which one is made without it fails, whatever the test is about.
_plain_problems: list[str] = []


def _problem_init(init):
    def checked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if not isinstance(self.message, Say):
            _plain_problems.append(str(self))
    return checked


Problem.__init__ = _problem_init(Problem.__init__)


@pytest.fixture(autouse=True)
def _config_problems_are_said_in_dutch():
    before = len(_plain_problems)
    yield
    assert _plain_problems[before:] == [], "a config problem without its Dutch"
