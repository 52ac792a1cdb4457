"""
UDP on the simulated network: delivery, latency, loss, down hosts, closed
ports, size limit, connected sockets, and a Timer A/B retransmission sequence.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.error import CannotListenError, InvalidAddressError
from twisted.internet.interfaces import (
    IListeningPort,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUDP,
    IUDPTransport,
)
from twisted.internet.protocol import DatagramProtocol
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from harness.net import SimWorld
from harness.trace.events import PacketEvent

A, B = "127.0.1.10", "127.0.1.20"


class Recorder(DatagramProtocol):
    """Keeps (time, data, source) of every datagram; echoes if asked."""

    def __init__(self, clock: Any, echo: bool = False) -> None:
        self.clock = clock
        self.echo = echo
        self.got: list[tuple[float, bytes, tuple[str, int]]] = []
        self.refused = 0

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.got.append((self.clock.seconds(), datagram, addr))
        if self.echo:
            self.transport.write(datagram, addr)

    def connectionRefused(self) -> None:
        self.refused += 1


class Retransmitter(DatagramProtocol):
    """
    RFC 3261 Timer A/B in miniature: send, retransmit at T1, 2*T1, 4*T1 ...;
    give up at 64*T1.  (The real transaction layer lives in harness.sip.)
    """

    def __init__(self, clock: Any, dst: tuple[str, int], t1: float = 0.5) -> None:
        self.clock = clock
        self.dst = dst
        self.t1 = t1
        self.sends: list[float] = []
        self.outcome: tuple[str, float] | None = None

    def startProtocol(self) -> None:
        self.interval = self.t1
        self._send()
        self.timer_a = self.clock.callLater(self.interval, self._fire_a)
        self.timer_b = self.clock.callLater(64 * self.t1, self._fire_b)

    def _send(self) -> None:
        self.sends.append(self.clock.seconds())
        self.transport.write(b"REQUEST", self.dst)

    def _fire_a(self) -> None:
        self._send()
        self.interval *= 2
        self.timer_a = self.clock.callLater(self.interval, self._fire_a)

    def _fire_b(self) -> None:
        self.timer_a.cancel()
        self.outcome = ("timeout", self.clock.seconds())

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        if self.outcome is None:
            self.timer_a.cancel()
            self.timer_b.cancel()
            self.outcome = ("response", self.clock.seconds())


class UDPTests(SynchronousTestCase):
    def test_host_provides_reactor_interfaces(self) -> None:
        host = SimWorld().host(A)
        for iface in (IReactorTime, IReactorUDP, IReactorTCP, IReactorSSL):
            self.assertTrue(verifyObject(iface, host))

    def test_port_provides_interfaces(self) -> None:
        host = SimWorld().host(A)
        port = host.listenUDP(5060, DatagramProtocol())
        self.assertTrue(verifyObject(IListeningPort, port))
        self.assertTrue(verifyObject(IUDPTransport, port))
        self.assertEqual((port.getHost().type, port.getHost().host), ("UDP", A))
        self.assertEqual(port.getHost().port, 5060)

    def test_echo_with_latency(self) -> None:
        world = SimWorld(latency=0.010)
        server = Recorder(world.clock, echo=True)
        client = Recorder(world.clock)
        world.host(B).listenUDP(5060, server)
        port = world.host(A).listenUDP(0, client)
        port.write(b"ping", (B, 5060))
        world.run()
        self.assertEqual(server.got, [(0.010, b"ping", (A, port.getHost().port))])
        self.assertEqual(client.got, [(0.020, b"ping", (B, 5060))])
        self.assertEqual([e.fate for e in world.trace.of(PacketEvent)], ["delivered", "delivered"])

    def test_ephemeral_ports_are_distinct_and_reused_after_close(self) -> None:
        host = SimWorld().host(A)
        p1 = host.listenUDP(0, DatagramProtocol())
        p2 = host.listenUDP(0, DatagramProtocol())
        self.assertNotEqual(p1.getHost().port, p2.getHost().port)
        self.assertGreaterEqual(p1.getHost().port, 32768)
        self.assertRaises(CannotListenError, host.listenUDP, p1.getHost().port, DatagramProtocol())
        self.successResultOf(p1.stopListening())
        host.listenUDP(p1.getHost().port, DatagramProtocol())

    def test_interface_of_another_host_refused(self) -> None:
        host = SimWorld().host(A)
        self.assertRaises(CannotListenError, host.listenUDP, 0, DatagramProtocol(), B)
        host.listenUDP(0, DatagramProtocol(), A)

    def test_hostname_refused_on_write(self) -> None:
        port = SimWorld().host(A).listenUDP(0, DatagramProtocol())
        self.assertRaises(InvalidAddressError, port.write, b"x", ("example.test", 5060))

    def test_closed_port_drops_silently(self) -> None:
        world = SimWorld()
        world.host(B)
        client = Recorder(world.clock)
        port = world.host(A).listenUDP(0, client)
        port.write(b"x", (B, 9))
        world.run()
        self.assertEqual([e.fate for e in world.trace.of(PacketEvent)], ["closed"])
        self.assertEqual(client.refused, 0)

    def test_icmp_refusal_reaches_connected_socket_only(self) -> None:
        world = SimWorld(icmp=True, latency=0.01)
        world.host(B)
        connected = Recorder(world.clock)
        unconnected = Recorder(world.clock)
        cport = world.host(A).listenUDP(0, connected)
        cport.connect(B, 9)
        cport.write(b"x")
        world.host(A).listenUDP(0, unconnected).write(b"x", (B, 9))
        world.run()
        self.assertEqual((connected.refused, unconnected.refused), (1, 0))
        self.assertEqual(world.seconds(), 0.02)

    def test_connected_socket_filters_other_sources(self) -> None:
        world = SimWorld()
        listener = Recorder(world.clock)
        lport = world.host(A).listenUDP(5060, listener)
        lport.connect(B, 5060)
        world.host(B).listenUDP(5060, DatagramProtocol()).write(b"ok", (A, 5060))
        world.host("127.0.1.30").listenUDP(5060, DatagramProtocol()).write(b"no", (A, 5060))
        world.run()
        self.assertEqual([d for _, d, _ in listener.got], [b"ok"])

    def test_down_host_drops_both_ways(self) -> None:
        world = SimWorld()
        server = Recorder(world.clock, echo=True)
        world.host(B).listenUDP(5060, server)
        port = world.host(A).listenUDP(0, Recorder(world.clock))
        world.set_host_down(B, True)
        port.write(b"in", (B, 5060))
        world.run()
        self.assertEqual(server.got, [])
        server.transport.write(b"out", (A, port.getHost().port))
        world.run()
        self.assertEqual([e.fate for e in world.trace.of(PacketEvent)], ["down", "down"])
        world.set_host_down(B, False)
        port.write(b"in", (B, 5060))
        world.run()
        self.assertEqual(len(server.got), 1)

    def test_host_going_down_in_flight_records_second_event(self) -> None:
        world = SimWorld(latency=1.0)
        world.host(B).listenUDP(5060, Recorder(world.clock))
        world.host(A).listenUDP(0, DatagramProtocol()).write(b"x", (B, 5060))
        world.clock.callLater(0.5, world.set_host_down, B, True)
        world.run()
        fates = [(e.t, e.fate) for e in world.trace.of(PacketEvent)]
        self.assertEqual(fates, [(0.0, "delivered"), (1.0, "down")])

    def test_partition_and_heal(self) -> None:
        world = SimWorld()
        server = Recorder(world.clock)
        world.host(B).listenUDP(5060, server)
        port = world.host(A).listenUDP(0, DatagramProtocol())
        world.partition(A, B)
        port.write(b"1", (B, 5060))
        world.run()
        world.heal(A, B)
        port.write(b"2", (B, 5060))
        world.run()
        self.assertEqual([d for _, d, _ in server.got], [b"2"])

    def test_too_big_dropped(self) -> None:
        world = SimWorld(max_datagram=1300)
        server = Recorder(world.clock)
        world.host(B).listenUDP(5060, server)
        port = world.host(A).listenUDP(0, DatagramProtocol())
        port.write(b"x" * 1301, (B, 5060))
        port.write(b"x" * 1300, (B, 5060))
        world.run()
        self.assertEqual([e.fate for e in world.trace.of(PacketEvent)], ["toobig", "delivered"])
        self.assertEqual(len(server.got), 1)

    def test_receiver_truncates_to_max_packet_size(self) -> None:
        world = SimWorld()
        server = Recorder(world.clock)
        world.host(B).listenUDP(5060, server, maxPacketSize=4)
        world.host(A).listenUDP(0, DatagramProtocol()).write(b"abcdefgh", (B, 5060))
        world.run()
        self.assertEqual(server.got[0][1], b"abcd")

    def test_loss_is_deterministic_per_seed(self) -> None:
        def fates(seed: int) -> list[str]:
            world = SimWorld(seed, loss=0.5)
            world.host(B).listenUDP(5060, DatagramProtocol())
            port = world.host(A).listenUDP(0, DatagramProtocol())
            for _ in range(64):
                port.write(b"x", (B, 5060))
            return [e.fate for e in world.trace.of(PacketEvent)]

        self.assertEqual(fates(1), fates(1))
        self.assertNotEqual(fates(1), fates(2))
        self.assertEqual(set(fates(1)), {"lost", "delivered"})

    def test_per_link_latency_and_jitter(self) -> None:
        world = SimWorld(latency=0.005)
        world.set_link(A, B, latency=0.1, jitter=0.05)
        server = Recorder(world.clock)
        world.host(B).listenUDP(5060, server)
        world.host("127.0.1.30").listenUDP(0, DatagramProtocol()).write(b"x", (B, 5060))
        world.host(A).listenUDP(0, DatagramProtocol()).write(b"y", (B, 5060))
        world.run()
        times = {d: t for t, d, _ in server.got}
        self.assertEqual(times[b"x"], 0.005)
        self.assertTrue(0.1 <= times[b"y"] <= 0.15, times)
        self.assertEqual(world.link(B, A).latency, 0.1)

    def test_protocol_error_is_logged_and_port_keeps_working(self) -> None:
        world = SimWorld()

        class Broken(Recorder):
            def datagramReceived(self, datagram: bytes, addr: Any) -> None:
                super().datagramReceived(datagram, addr)
                raise RuntimeError("boom")

        server = Broken(world.clock)
        world.host(B).listenUDP(5060, server)
        port = world.host(A).listenUDP(0, DatagramProtocol())
        port.write(b"1", (B, 5060))
        port.write(b"2", (B, 5060))
        world.run()
        self.assertEqual(len(server.got), 2)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 2)


class RetransmissionTests(SynchronousTestCase):
    """Timer A/B on virtual time: 0.5, 1, 2, 4, 8, 16 s between sends; timeout at 32 s."""

    def test_unanswered_request_times_out_at_64_t1(self) -> None:
        world = SimWorld(latency=0.0)
        world.host(B).listenUDP(5060, Recorder(world.clock))  # never answers
        proto = Retransmitter(world.clock, (B, 5060))
        world.host(A).listenUDP(0, proto)
        world.run()
        self.assertEqual(proto.sends, [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
        self.assertEqual(proto.outcome, ("timeout", 32.0))
        self.assertEqual(len(world.trace.of(PacketEvent)), 7)

    def test_dead_server_host_times_out_the_same(self) -> None:
        world = SimWorld()
        world.host(B)
        world.set_host_down(B, True)
        proto = Retransmitter(world.clock, (B, 5060))
        world.host(A).listenUDP(0, proto)
        world.run()
        self.assertEqual(len(proto.sends), 7)
        self.assertEqual(proto.outcome, ("timeout", 32.0))
        self.assertEqual({e.fate for e in world.trace.of(PacketEvent)}, {"down"})

    def test_answer_to_the_fourth_send_stops_retransmission(self) -> None:
        world = SimWorld(latency=0.01)

        class AnswerFourth(DatagramProtocol):
            n = 0

            def datagramReceived(self, datagram: bytes, addr: Any) -> None:
                self.n += 1
                if self.n == 4:
                    self.transport.write(b"200", addr)

        world.host(B).listenUDP(5060, AnswerFourth())
        proto = Retransmitter(world.clock, (B, 5060))
        world.host(A).listenUDP(0, proto)
        world.run()
        self.assertEqual(proto.sends, [0.0, 0.5, 1.5, 3.5])
        self.assertEqual(proto.outcome, ("response", 3.5 + 0.01 + 0.01))
        self.assertEqual(world.clock.getDelayedCalls(), [])


class IpLiteralMemoTests(SynchronousTestCase):
    """The simulated port's destination check remembers the IP literals it passed."""

    def test_like_twisted_and_remembered(self) -> None:
        from twisted.internet.abstract import isIPAddress

        from harness.net import _udp

        _udp._IP_LITERALS.clear()
        self.addCleanup(_udp._IP_LITERALS.clear)
        for host in ["127.0.0.1", "127.0.0.1", "example.test", "300.1.1.1", "::1", ""]:
            self.assertEqual(_udp._is_ip_literal(host), isIPAddress(host), host)
        self.assertEqual(_udp._IP_LITERALS, {"127.0.0.1"})
        calls: list[str] = []
        self.patch(_udp, "isIPAddress", lambda h: calls.append(h) or True)
        self.assertTrue(_udp._is_ip_literal("127.0.0.1"))
        self.assertEqual(calls, [])
