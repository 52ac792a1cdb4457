"""Shared helpers: the bundled scenarios, the real reactor, skips for busy ports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twisted.internet import reactor as _reactor
from twisted.trial.unittest import SkipTest

from harness.peers.process import port_bound
from harness.scenario import Scenario, load_scenario

reactor: Any = _reactor

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"


def scenario(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.toml")


def need_free(sc: Scenario) -> None:
    """Skip unless every address:port the scenario's servers and DNS use is free."""
    wanted = []
    if sc.dns is not None:
        wanted.append((sc.dns.address, sc.dns.port))
    for s in sc.servers:
        wanted.append((s.address, s.port))
    for host, port in wanted:
        for proto in ("udp", "tcp"):
            if port_bound(host, port, proto):
                raise SkipTest(f"{host}:{port}/{proto} is in use (another run?)")


def bound_addresses(sc: Scenario) -> list[tuple[str, int, str]]:
    """Which of the scenario's addresses:ports are bound now (should be none after a run)."""
    out = []
    hosts = {s.address for s in sc.servers} | ({sc.dns.address} if sc.dns else set())
    for proto in ("udp", "tcp"):
        from harness.peers.process import bound_ports

        out += [(a, p, proto) for a, p in bound_ports(proto) if a in hosts]
    return out
