"""Shared set-up for the server tests: a simulated world, servers and UAs."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from harness.net.simulated import SimWorld
from harness.servers.server import SipServer
from harness.sip.locate import Target
from harness.testing.ua import SimpleUA

PRIMARY, SECONDARY, FALLBACK = "127.0.1.10", "127.0.1.20", "127.0.1.15"
ALICE, BOB = "127.0.0.5", "127.0.0.6"


def udp(host: str, port: int = 5060) -> Target:
    return Target("udp", host, port)


def tcp(host: str, port: int = 5060) -> Target:
    return Target("tcp", host, port)


def server(world: SimWorld, role: str = "primary", address: str = PRIMARY, **kw: Any) -> SipServer:
    s = SipServer(world.host(address), world.trace, role=role, address=address, rng=world.rng, **kw)
    s.start()
    return s


def ua(world: SimWorld, user: str, address: str, **kw: Any) -> SimpleUA:
    return SimpleUA(world.host(address), world.trace, address, user, rng=world.rng, **kw)


def result(world: SimWorld, d: Deferred[Any], seconds: float = 40.0) -> Any:
    """Run the world until C{d} fires (at most C{seconds} more); its result or failure."""
    out: list[Any] = []
    d.addBoth(out.append)
    world.run(until=world.seconds() + seconds, predicate=lambda: bool(out))
    if not out:
        raise AssertionError(f"no result within {seconds} virtual seconds")
    return out[0]


def wire(world: SimWorld, observer: str, direction: str = "in") -> list[str]:
    """Summaries ("REGISTER", "200 REGISTER") of SIP messages an observer saw."""
    out = []
    for e in world.trace.sip([observer]):
        if e.direction != direction:
            continue
        m = e.message
        out.append(m.method if hasattr(m, "method") else f"{m.status} {m.cseq.method}")
    return out
