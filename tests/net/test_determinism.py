"""
Same seed, same trace; and nothing in a simulated run touches the global reactor.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import reactor as global_reactor
from twisted.internet.endpoints import (
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    wrapClientTLS,
    wrapServerTLS,
)
from twisted.internet.protocol import ClientFactory, DatagramProtocol, Factory, Protocol
from twisted.names import client, dns, server
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.trial.unittest import SynchronousTestCase

from harness.net import SimWorld
from tests.net.test_dns import RECORDS, MemoryAuthority
from tests.net.test_tls import client_options, server_options
from tests.net.test_udp import Retransmitter

A, B, DNS = "127.0.1.10", "127.0.1.20", "127.0.1.53"


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)


class Hello(Protocol):
    def connectionMade(self) -> None:
        self.transport.write(b"hello")

    def dataReceived(self, data: bytes) -> None:
        self.transport.loseConnection()


class AnswerSometimes(DatagramProtocol):
    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.transport.write(b"200 OK", addr)


def exchange(seed: int, *, jitter: float = 0.003, loss: float = 0.2, tls: bool = True) -> SimWorld:
    """A small world: a DNS lookup, a retransmitted UDP request, TCP and TLS echoes."""
    world = SimWorld(seed, latency=0.01, jitter=jitter, loss=loss)
    a, b, ns = world.host(A), world.host(B), world.host(DNS)
    factory = server.DNSServerFactory(authorities=[MemoryAuthority(RECORDS)])
    ns.listenUDP(53, dns.DNSDatagramProtocol(factory, reactor=ns))
    b.listenUDP(5060, AnswerSometimes())
    b.listenTCP(5060, Factory.forProtocol(Echo))
    with world.deterministic_dns():
        resolver = client.Resolver(servers=[(DNS, 53)], timeout=(1, 3, 11), reactor=a)
        resolver.lookupService("_sip._udp.example.test").addErrback(lambda f: None)
        a.listenUDP(0, Retransmitter(a, (B, 5060)))
        TCP4ClientEndpoint(a, B, 5060).connect(Factory.forProtocol(Hello)).addErrback(
            lambda f: None
        )
        if tls:
            wrapServerTLS(server_options(), TCP4ServerEndpoint(b, 5061), clock=b).listen(
                Factory.forProtocol(Echo)
            )
            wrapClientTLS(client_options(), TCP4ClientEndpoint(a, B, 5061), clock=a).connect(
                Factory.forProtocol(Hello)
            ).addErrback(lambda f: None)
        world.run(until=120)
    return world


class DeterminismTests(SynchronousTestCase):
    def test_same_seed_same_trace(self) -> None:
        first, second = exchange(42), exchange(42)
        self.assertGreater(len(first.trace), 20)
        self.assertEqual(first.trace.to_jsonl(), second.trace.to_jsonl())
        self.assertEqual(first.trace.sha256(), second.trace.sha256())

    def test_different_seed_different_trace(self) -> None:
        self.assertNotEqual(exchange(1).trace.sha256(), exchange(2).trace.sha256())

    def test_without_randomness_seed_does_not_matter_except_dns_ids(self) -> None:
        """With no jitter or loss the network draws nothing: only DNS IDs/ports differ."""
        one = exchange(1, jitter=0.0, loss=0.0, tls=False)
        two = exchange(2, jitter=0.0, loss=0.0, tls=False)
        non_dns = [(e.t, e.kind) for e in one.trace if getattr(e, "dst", ("", 0))[0] != DNS]
        self.assertEqual(
            non_dns,
            [(e.t, e.kind) for e in two.trace if getattr(e, "dst", ("", 0))[0] != DNS],
        )


class NoGlobalReactorTests(SynchronousTestCase):
    """A sentinel on the global reactor records any use; a sim run must leave it empty."""

    NAMES = (
        "callLater",
        "callWhenRunning",
        "callFromThread",
        "listenUDP",
        "listenTCP",
        "connectTCP",
        "listenSSL",
        "connectSSL",
        "seconds",
    )

    def install_sentinel(self) -> list[str]:
        used: list[str] = []
        for name in self.NAMES:
            if hasattr(global_reactor, name):

                def boom(*args: Any, _name: str = name, **kw: Any) -> Any:
                    used.append(_name)
                    raise AssertionError(f"global reactor {_name} used")

                self.patch(global_reactor, name, boom)
        return used

    def test_sim_run_never_uses_global_reactor(self) -> None:
        before = list(global_reactor.getDelayedCalls())  # type: ignore[attr-defined]
        used = self.install_sentinel()
        world = exchange(9)
        self.assertEqual(used, [])
        self.assertEqual(list(global_reactor.getDelayedCalls()), before)  # type: ignore[attr-defined]
        self.assertGreater(len(world.trace), 20)

    def test_sentinel_catches_a_missing_clock(self) -> None:
        """Negative control: TLS without clock= does reach the global reactor."""
        used = self.install_sentinel()
        world = SimWorld()
        b, a = world.host(B), world.host(A)
        b.listenTCP(5061, TLSMemoryBIOFactory(server_options(), False, Factory.forProtocol(Echo)))
        a.connectTCP(
            B,
            5061,
            TLSMemoryBIOFactory(client_options(), True, ClientFactory.forProtocol(Hello), clock=a),
        )
        world.run()
        self.assertIn("callLater", used)
        self.flushLoggedErrors(AssertionError)
