"""
The wire network on trial's real reactor: few, bounded, loopback only.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer
from twisted.internet import reactor as _reactor
from twisted.internet.interfaces import IReactorTCP, IReactorTime, IReactorUDP
from twisted.internet.protocol import ClientFactory, DatagramProtocol, Factory, Protocol
from twisted.trial.unittest import SynchronousTestCase, TestCase
from zope.interface.verify import verifyObject

from harness.net import WireNetwork
from harness.trace.events import ConnEvent, Trace

reactor: Any = _reactor
A, B = "127.0.1.10", "127.0.1.20"


class Echo(DatagramProtocol):
    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.transport.write(datagram, addr)


class Catch(DatagramProtocol):
    def __init__(self) -> None:
        self.got: defer.Deferred[tuple[bytes, Any]] = defer.Deferred()

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        if not self.got.called:
            self.got.callback((datagram, addr))


class WireAddressTests(SynchronousTestCase):
    def test_foreign_address_is_a_clear_value_error(self) -> None:
        net = WireNetwork(reactor, Trace())
        e = self.assertRaises(ValueError, net.host, "192.0.2.77")
        self.assertIn("192.0.2.77", str(e))

    def test_host_provides_reactor_interfaces(self) -> None:
        host = WireNetwork(reactor, Trace()).host(A)
        for iface in (IReactorTime, IReactorUDP, IReactorTCP):
            self.assertTrue(verifyObject(iface, host))

    def test_binding_elsewhere_refused(self) -> None:
        host = WireNetwork(reactor, Trace()).host(A)
        self.assertRaises(ValueError, host.listenUDP, 0, DatagramProtocol(), B)


class WireLoopbackTests(TestCase):
    timeout = 5

    def test_udp_echo_between_two_loopback_addresses(self) -> defer.Deferred[None]:
        net = WireNetwork(reactor, Trace())
        server_port = net.host(B).listenUDP(0, Echo())
        catch = Catch()
        client_port = net.host(A).listenUDP(0, catch)
        self.addCleanup(server_port.stopListening)
        self.addCleanup(client_port.stopListening)
        self.assertEqual(client_port.getHost().host, A)
        client_port.write(b"ping", (B, server_port.getHost().port))
        catch.got.addTimeout(2, reactor)

        def check(result: tuple[bytes, Any]) -> None:
            data, addr = result
            self.assertEqual((data, addr), (b"ping", (B, server_port.getHost().port)))

        return catch.got.addCallback(check)

    def test_tcp_connect_is_bound_and_recorded(self) -> defer.Deferred[None]:
        trace = Trace()
        net = WireNetwork(reactor, trace)
        port = net.host(B).listenTCP(0, Factory.forProtocol(Protocol))
        self.addCleanup(port.stopListening)
        made: defer.Deferred[Protocol] = defer.Deferred()

        class Hello(Protocol):
            def connectionMade(self) -> None:
                made.callback(self)

        net.host(A).connectTCP(B, port.getHost().port, ClientFactory.forProtocol(Hello), timeout=2)
        made.addTimeout(2, reactor)

        def check(proto: Protocol) -> defer.Deferred[None]:
            self.assertEqual(proto.transport.getHost().host, A)
            closed: defer.Deferred[None] = defer.Deferred()
            proto.connectionLost = lambda reason: closed.callback(None)  # type: ignore[method-assign]
            proto.transport.loseConnection()
            return closed.addTimeout(2, reactor)

        def events(_: None) -> None:
            whats = {(e.observer, e.what) for e in trace.of(ConnEvent)}
            self.assertIn((A, "connect"), whats)
            self.assertIn((A, "close"), whats)

        return made.addCallback(check).addCallback(events)
