"""sd_notify against a real AF_UNIX datagram socket, path and abstract."""

import os
import socket

from feedback import notify


def _listener(addr):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(addr)
    sock.settimeout(2)
    return sock


def test_path_socket_receives_each_state(tmp_path, monkeypatch):
    path = str(tmp_path / "notify")
    with _listener(path) as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        assert notify.ready("Kalibreren")
        assert sock.recv(4096) == b"READY=1\nSTATUS=Kalibreren"
        assert notify.watchdog() and sock.recv(4096) == b"WATCHDOG=1"
        assert notify.status("Oefening 2: ademhaling 12/min")
        assert sock.recv(4096) == b"STATUS=Oefening 2: ademhaling 12/min"
        assert notify.stopping() and sock.recv(4096) == b"STOPPING=1"


def test_abstract_socket_name(monkeypatch):
    name = f"ademcoach-test-{os.getpid()}"
    with _listener("\0" + name) as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify.watchdog()
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_without_systemd_or_with_a_dead_socket(tmp_path, monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify.ready() is False
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert notify.watchdog() is False  # no listener: no exception either


def test_a_full_queue_drops_the_message_and_never_blocks(tmp_path, monkeypatch):
    """A receiver that stops reading must not stall the loop that pings it."""
    path = str(tmp_path / "notify")
    with _listener(path) as sock:
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        results = [notify.watchdog() for _ in range(5000)]  # no one reads meanwhile
        assert results[0] is True and results[-1] is False
        assert sock.recv(4096) == b"WATCHDOG=1"
