"""Tell systemd how the service is doing (sd_notify), without a library.

systemd passes a datagram socket in ``$NOTIFY_SOCKET`` for ``Type=notify`` units; a name
starting with '@' is an abstract socket. Outside systemd the variable is unset and every
call is a cheap no-op. Errors are swallowed: a missed heartbeat must never stop feedback.
"""

from __future__ import annotations

import os
import socket


def notify(state: str, env: dict | None = None) -> bool:
    """Send ``state`` (e.g. 'READY=1', 'WATCHDOG=1', 'STATUS=...', 'STOPPING=1').
    Returns True if it was sent."""
    addr = (env if env is not None else os.environ).get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr[0] == "@":
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.setblocking(False)  # a full queue drops the message, never stalls the loop
            sock.sendto(state.encode("utf-8", "replace"), addr)
    except OSError:
        return False
    return True


def ready(status: str | None = None) -> bool:
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def watchdog() -> bool:
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    return notify(f"STATUS={text}")


def stopping() -> bool:
    return notify("STOPPING=1")
