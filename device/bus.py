"""What every bus object offers adafruit_bus_device: busio's lock methods; and for the
emulated buses, failure injection and the check that the driver took the lock."""

from __future__ import annotations

import errno
import os
import re


class BusLock:
    """``try_lock`` / ``unlock`` / ``deinit`` as busio's I2C and SPI objects have them."""

    _locked = False

    def try_lock(self) -> bool:
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self) -> None:
        self._locked = False

    def deinit(self) -> None:
        self._locked = False


class EmulatedBus(BusLock):
    """Base of the emulated buses: ``fail_next(n, err)`` makes the next ``n`` transfers
    raise ``OSError(err)``; each transfer starts with ``_begin``.

    ``fail_next(..., delay_s=1.0)`` makes each of those failures take that long first, on
    the bus's ``clock`` (which must be able to ``advance``, as a VirtualClock does): the
    Pi's i2c-bcm2835 driver gives up on a hung bus with ETIMEDOUT after about a second
    per transfer, while a missing acknowledge (EREMOTEIO) comes back at once."""

    name = "bus"
    default_errno = errno.EIO
    clock = None

    def __init__(self):
        self._failures: list[tuple[int, float]] = []

    def fail_next(self, count: int = 1, err: int | None = None, delay_s: float = 0.0) -> None:
        """Make the next ``count`` transfers raise ``OSError(err)``, each after ``delay_s``."""
        if delay_s and getattr(self.clock, "advance", None) is None:
            raise ValueError(f"{self.name}: a slow failure needs a clock that can advance")
        code = self.default_errno if err is None else err
        self._failures.extend([(code, delay_s)] * count)

    def clear_failures(self) -> None:
        self._failures.clear()

    def _begin(self) -> None:
        if not self._locked:
            raise RuntimeError(f"{self.name} used without try_lock()")
        if self._failures:
            err, delay_s = self._failures.pop(0)
            if delay_s:
                self.clock.advance(delay_s)
            raise OSError(err, os.strerror(err))


def import_blinka():
    """``board`` and ``busio`` from Blinka, for the real buses (never imported at module
    import). Blinka 10 offers, on a terminal, to pip-install the optional backends it
    knows for the board (PWM, rpi_ws281x) into the running environment the first time
    ``board`` is imported: hw-check must not stop at such a question, and the packages
    the unit needs come from its own dependencies (pyproject.toml), so the offer is off."""
    os.environ.setdefault("BLINKA_SKIP_DEPENDENCY_CHECK", "1")
    import board
    import busio

    return board, busio


_MISSING_LIBRARY = re.compile(r"platform library '([^']+)'")


def missing_package(exc: BaseException) -> str | None:
    """The software package whose absence made opening a real bus fail, or None when the
    failure is something else (no such bus, no chip, not a Pi)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, ModuleNotFoundError):
            return (exc.name or "?").split(".")[0]
        found = _MISSING_LIBRARY.search(str(exc))
        if found:
            return found.group(1)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def bus_missing(exc: BaseException) -> bool:
    """Did opening fail because the kernel has no such bus (I2C or SPI not enabled)?"""
    if isinstance(exc, FileNotFoundError):
        return True
    text = str(exc)
    return any(s in text for s in ("check if enabled", "Make sure I2C is enabled",
                                   "No Hardware I2C", "No Hardware SPI", "does not exist"))


def denied(exc: BaseException | None) -> OSError | None:
    """The permission error (EACCES, EPERM) that made opening a device fail, or None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def denied_device(paths) -> OSError | None:
    """A PermissionError for the first of ``paths`` that is there but that this process may
    not open for reading and writing (a library that says only "can not open" hides why)."""
    for path in paths:
        if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
            return PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    return None


def permission_message(what: str, exc: OSError) -> str:
    """A device file this user may not open: the group that may, and how to join it. The
    wiring is not at fault, and enabling I2C or SPI again would not help."""
    import grp
    import pwd

    path = exc.filename or "the device"
    try:
        user = pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        user = str(os.geteuid())
    try:
        st = os.stat(path)
        gid = st.st_gid
        group = grp.getgrgid(gid).gr_name
        member = user in grp.getgrgid(gid).gr_mem
        if gid == 0 or not st.st_mode & 0o060:  # no group may open it: root's alone
            group = None
    except (OSError, KeyError):
        gid, group, member = None, None, False
    again = ("sudo systemctl restart ademcoach" if user == "ademcoach"
             else "log out and in again")
    if group is None:
        fix = ("only root may open it, so this system lacks Raspberry Pi OS's device groups "
               "(i2c, spi, gpio): install on Raspberry Pi OS Bookworm (docs/hardware.md)")
    elif member and gid not in os.getgroups():
        fix = f"{user} joined group {group} after this login: {again}"
    else:
        fix = f"sudo usermod -aG {group} {user}, then {again}"
    return (f"{what}: user {user} may not open {path}"
            + (f" (group {group})" if group else "") + f", not a wiring fault: {fix}")


def not_a_pi() -> str | None:
    """The board this computer is, when it is not a Raspberry Pi (None on a Pi, or when it
    cannot be told): there the unit's parts cannot be opened, whatever the wiring."""
    try:
        from adafruit_platformdetect import Detector

        board = Detector().board
        name = board.id  # None: a board it does not know (a newer Pi, say): try it
        if name is None or board.any_raspberry_pi or str(name).startswith("RASPBERRY_PI"):
            return None
        return str(name)
    except Exception:
        return None


def not_a_pi_message(what: str, board: str) -> str:
    return (f"{what}: this computer is not a Raspberry Pi (it is {board}), so the unit's "
            f"parts cannot be opened here; use --sim to try the unit without them")


def software_message(what: str, package: str) -> str:
    return (f"{what}: a software package is missing (Python module {package!r}), not a "
            f"wiring fault: install the program again "
            f"(sudo /opt/ademcoach/src/scripts/install-pi.sh)")
