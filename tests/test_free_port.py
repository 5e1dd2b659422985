"""Ports chosen for the test stacks are never ones the system hands out by itself."""

import socket
from pathlib import Path

import pytest

import cpom.mail_catcher as catcher
from cpom.mail_catcher import CHOSEN_PORTS, free_port

EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def test_a_chosen_port_is_free_and_outside_the_ephemeral_range() -> None:
    low = int(EPHEMERAL.read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(port in CHOSEN_PORTS and port < low for port in ports)
    assert len(ports) > 1
    for port in ports:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))


def test_every_chosen_port_taken_lets_the_system_choose(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        only = taken.getsockname()[1]
        monkeypatch.setattr(catcher, "CHOSEN_PORTS", range(only, only + 1))
        monkeypatch.setattr("cpom.mail_catcher.random.sample", lambda ports, _: list(ports))
        port = catcher.free_port()
    assert port != only
