"""What the unit needs from PyPI on a Raspberry Pi is declared in pyproject.toml."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent

PI_ENVS = [{"sys_platform": "linux", "platform_machine": m} for m in ("aarch64", "armv7l")]


def declared(env) -> dict[str, Requirement]:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    out = {}
    for line in deps:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({**default_environment(), **env}):
            out[req.name.lower()] = req
    return out


def pi_detector(pi5: bool):
    board = SimpleNamespace(any_raspberry_pi=True, any_raspberry_pi_5_board=pi5,
                            any_jetson_board=False)
    return SimpleNamespace(board=board, chip=SimpleNamespace(id="BCM2XXX"))


@pytest.mark.parametrize("env", PI_ENVS, ids=lambda e: e["platform_machine"])
@pytest.mark.parametrize("pi5", [False, True], ids=["pi3-4-zero2", "pi5"])
def test_a_pi_install_gets_every_gpio_library_blinka_imports(env, pi5):
    from adafruit_blinka import platform_dependencies as pd

    ours = declared(env)
    for module, requirement in pd.get_platform_dependencies(pi_detector(pi5), (3, 11)):
        if module in pd._OPTIONAL_BACKENDS:  # PWM and NeoPixel backends: not used here
            continue
        theirs = Requirement(requirement)
        assert theirs.name.lower() in ours, f"{requirement} is not installed on a Pi"
        mine = ours[theirs.name.lower()].specifier
        candidates = ["1.6.3", "2.1.3", "2.2.0", "2.2.2", "2.5.0", "3.0.0"]
        allowed = [v for v in candidates if mine.contains(v)]
        assert allowed and all(theirs.specifier.contains(v) for v in allowed), (mine, theirs)


def test_blinka_is_held_to_the_major_version_whose_needs_are_declared():
    blinka = declared(PI_ENVS[0])["adafruit-blinka"].specifier
    assert blinka.contains("10.0.0") and not blinka.contains("11.0.0")
    assert not blinka.contains("9.2.0")


def test_a_pi_without_the_gpio_library_is_told_a_package_is_missing_not_the_wiring():
    try:
        import gpiod  # noqa: F401
        pytest.skip("gpiod is installed here: the missing-package case cannot be shown")
    except ImportError:
        pass
    # Blinka told it runs on a Pi 4: it imports its Pi pin map, which needs gpiod
    env = {**os.environ, "BLINKA_FORCEBOARD": "RASPBERRY_PI_4B", "BLINKA_FORCECHIP": "BCM2XXX"}
    code = ("from device.sensor import AdsSensor\n"
            "from device.ring import Ring\n"
            "from feedback.clock import VirtualClock\n"
            "for make in (lambda: AdsSensor(['belly'], ['A0'], VirtualClock()).connect(),\n"
            "             lambda: Ring(16)):\n"
            "    try:\n"
            "        make()\n"
            "    except Exception as exc:\n"
            "        print(type(exc).__name__, exc)\n")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=60, cwd=REPO, stdin=subprocess.DEVNULL)
    lines = r.stdout.splitlines()
    assert len(lines) == 2, r.stdout + r.stderr
    for line, what in zip(lines, ("I2C bus 1", "LED ring: SPI bus 0"), strict=True):
        assert line.startswith(f"HardwareError {what} cannot be opened: a software package "
                               "is missing (Python module 'gpiod'), not a wiring fault"), line
        assert "wiring and" not in line
