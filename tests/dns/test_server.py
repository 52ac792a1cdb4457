"""
Tests for L{harness.dns.server.DnsServer}: authoritative behaviour on the
wire (AA, NXDOMAIN/NODATA with SOA, REFUSED, glue, TC and TCP fallback),
faults, the trace, and the port life cycle.  Runs on L{tests.dns.fakenet},
with the stock C{client.Resolver} as the client where a client is needed.
"""

from __future__ import annotations

import struct
from typing import Any

from twisted.internet.address import IPv4Address
from twisted.internet.protocol import DatagramProtocol
from twisted.internet.testing import StringTransport
from twisted.names import dns, error
from twisted.trial.unittest import SynchronousTestCase

from harness.dns.server import DnsServer
from harness.dns.zone import Zone
from harness.sip.locate import make_resolver
from harness.trace.events import DnsEvent, Trace
from tests.dns.fakenet import FakeNet

SERVER = "127.0.1.53"
CLIENT = "127.0.0.9"


def make_zone(glue: bool = True) -> Zone:
    z = Zone("example.test", glue=glue)
    z.add("_sip._udp", dns.Record_SRV(0, 1, 5060, b"a.example.test"), ttl=120)
    z.add("a", dns.Record_A("127.0.1.10"), ttl=30)
    return z


class _Catcher(DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[dns.Message] = []
        self.raw: list[bytes] = []

    def datagramReceived(self, data: bytes, addr: Any) -> None:
        self.raw.append(data)
        m = dns.Message()
        m.fromStr(data)
        self.got.append(m)


def query_bytes(name: str, qtype: int, qid: int = 77, edns: int | None = None) -> bytes:
    m = dns.Message(id=qid, recDes=1)
    m.queries = [dns.Query(name, qtype, dns.IN)]
    if edns is not None:
        m.additional = [dns._OPTHeader(udpPayloadSize=edns)]
    return m.toStr()


class _World:
    def __init__(self, zones: list[Zone] | None = None, *, start: bool = True) -> None:
        self.net = FakeNet()
        self.trace = Trace()
        self.server = DnsServer(
            self.net.host(SERVER), zones if zones is not None else [make_zone()], self.trace
        )
        if start:
            self.server.start()
        self.catcher = _Catcher()
        self.client_port = self.net.host(CLIENT).listenUDP(5353, self.catcher)

    def ask(self, name: str, qtype: int, **kw: Any) -> dns.Message | None:
        before = len(self.catcher.got)
        self.client_port.write(query_bytes(name, qtype, **kw), (SERVER, 53))
        self.net.run()
        return self.catcher.got[before] if len(self.catcher.got) > before else None

    def resolver(self) -> Any:
        return make_resolver(self.net.host(CLIENT), (SERVER, 53))

    def events(self) -> list[DnsEvent]:
        return self.trace.of(DnsEvent)


class AuthoritativeAnswerTests(SynchronousTestCase):
    def test_answer_has_aa(self) -> None:
        m = _World().ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual((m.rCode, m.auth, m.answer), (dns.OK, 1, 1))
        self.assertEqual(m.answers[0].payload.dottedQuad(), "127.0.1.10")
        self.assertEqual(m.answers[0].ttl, 30)
        self.assertEqual(m.id, 77)
        self.assertEqual(m.recDes, 1)
        self.assertEqual(m.recAv, 0)

    def test_nxdomain_has_aa_and_soa(self) -> None:
        m = _World().ask("nope.example.test", dns.A)
        assert m is not None
        self.assertEqual((m.rCode, m.auth), (dns.ENAME, 1))
        self.assertEqual([rr.type for rr in m.authority], [dns.SOA])
        self.assertEqual(m.answers, [])

    def test_nodata_has_aa_and_soa(self) -> None:
        m = _World().ask("a.example.test", dns.AAAA)
        assert m is not None
        self.assertEqual((m.rCode, m.auth), (dns.OK, 1))
        self.assertEqual(m.answers, [])
        self.assertEqual([rr.type for rr in m.authority], [dns.SOA])

    def test_outside_refused(self) -> None:
        m = _World().ask("example.org", dns.A)
        assert m is not None
        self.assertEqual((m.rCode, m.auth), (dns.EREFUSED, 0))

    def test_longest_origin_answers(self) -> None:
        parent = Zone("test")
        parent.add("a.example", dns.Record_A("127.0.9.99"))
        m = _World([parent, make_zone()]).ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual(m.answers[0].payload.dottedQuad(), "127.0.1.10")

    def test_srv_glue_on(self) -> None:
        m = _World().ask("_sip._udp.example.test", dns.SRV)
        assert m is not None
        self.assertEqual([rr.payload.dottedQuad() for rr in m.additional], ["127.0.1.10"])

    def test_srv_glue_off(self) -> None:
        m = _World([make_zone(glue=False)]).ask("_sip._udp.example.test", dns.SRV)
        assert m is not None
        self.assertEqual(m.additional, [])

    def test_edns_query_gets_opt(self) -> None:
        m = _World().ask("a.example.test", dns.A, edns=1232)
        assert m is not None
        self.assertEqual([rr.type for rr in m.additional], [dns.OPT])

    def test_tcp_answer(self) -> None:
        w = _World()
        proto = w.server.factory.buildProtocol(IPv4Address("TCP", CLIENT, 4444))
        transport = StringTransport(peerAddress=IPv4Address("TCP", CLIENT, 4444))
        proto.makeConnection(transport)
        q = query_bytes("a.example.test", dns.A)
        proto.dataReceived(struct.pack("!H", len(q)) + q)
        data = transport.value()
        (length,) = struct.unpack("!H", data[:2])
        m = dns.Message()
        m.fromStr(data[2 : 2 + length])
        self.assertEqual((m.rCode, m.auth, len(m.answers)), (dns.OK, 1, 1))
        ins = [e for e in w.events() if e.direction == "in"]
        self.assertEqual((ins[0].transport, ins[0].remote), ("tcp", (CLIENT, 4444)))


def big_zone(n: int = 40) -> Zone:
    z = make_zone()
    for i in range(n):
        z.add("big", dns.Record_A(f"127.0.8.{i}"))
    return z


class TruncationTests(SynchronousTestCase):
    def test_too_big_for_udp_is_truncated(self) -> None:
        w = _World([big_zone()])
        m = w.ask("big.example.test", dns.A)
        assert m is not None
        self.assertEqual((m.trunc, m.answers), (1, []))
        self.assertLessEqual(len(w.catcher.raw[-1]), 512)

    def test_edns_allows_bigger(self) -> None:
        m = _World([big_zone()]).ask("big.example.test", dns.A, edns=4096)
        assert m is not None
        self.assertEqual((m.trunc, len(m.answers)), (0, 40))

    def test_glue_dropped_before_truncating(self) -> None:
        z = big_zone(25)
        for i in range(25):
            z.add("_sip._tcp", dns.Record_SRV(0, i, 5060, b"big.example.test"))
        z.records[z.absolute("_sip._tcp")] = z.records[z.absolute("_sip._tcp")][:6]
        m = _World([z]).ask("_sip._tcp.example.test", dns.SRV)
        assert m is not None
        self.assertEqual((m.trunc, len(m.answers), m.additional), (0, 6, []))

    def test_tcp_fallback_with_client_resolver(self) -> None:
        w = _World([big_zone()])
        d = w.resolver().lookupAddress("big.example.test")
        w.net.run(d)
        answers, _, _ = self.successResultOf(d)
        self.assertEqual(len(answers), 40)
        self.assertEqual(w.net.connections, 1)
        outs = [(e.transport, len(e.answers)) for e in w.events() if e.direction == "out"]
        self.assertEqual(outs, [("udp", 0), ("tcp", 40)])

    def test_truncate_fault_forces_tcp(self) -> None:
        w = _World()
        w.server.faults.truncate = True
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual((m.trunc, m.answers), (1, []))
        d = w.resolver().lookupAddress("a.example.test")
        w.net.run(d)
        answers, _, _ = self.successResultOf(d)
        self.assertEqual(answers[0].payload.dottedQuad(), "127.0.1.10")


class FaultTests(SynchronousTestCase):
    def test_servfail(self) -> None:
        w = _World()
        w.server.faults.servfail = True
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual(m.rCode, dns.ESERVER)
        self.assertEqual(w.events()[-1].rcode, "SERVFAIL")

    def test_servfail_client_error(self) -> None:
        w = _World()
        w.server.faults.servfail = True
        d = w.resolver().lookupAddress("a.example.test")
        w.net.run(d)
        self.failureResultOf(d, error.DNSServerError)

    def test_drop_client_times_out(self) -> None:
        w = _World()
        w.server.faults.drop = True
        d = w.resolver().lookupAddress("a.example.test")
        w.net.run(d)
        self.assertTrue(d.called)
        self.assertEqual(w.net.clock.seconds(), 4.0)  # make_resolver's (1, 3)
        self.assertIsNotNone(self.failureResultOf(d))
        kinds = [(e.direction, e.rcode) for e in w.events()]
        self.assertEqual(kinds, [("in", "NOERROR"), ("out", "TIMEOUT")] * 2)
        self.assertEqual([e.raw for e in w.events() if e.direction == "out"], [b"", b""])

    def test_delay(self) -> None:
        w = _World()
        w.server.faults.delay = 0.25
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        outs = [e for e in w.events() if e.direction == "out"]
        self.assertEqual(outs[0].t, 0.25)

    def test_nxdomain_for_a_name(self) -> None:
        w = _World()
        w.server.faults.nxdomain.add("a.example.test")
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual((m.rCode, m.auth), (dns.ENAME, 1))
        self.assertEqual([rr.type for rr in m.authority], [dns.SOA])
        other = w.ask("_sip._udp.example.test", dns.SRV)
        assert other is not None
        self.assertEqual(other.rCode, dns.OK)

    def test_clear(self) -> None:
        w = _World()
        w.server.faults.servfail = True
        w.server.faults.clear()
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual(m.rCode, dns.OK)

    def test_down_closes_ports_and_up_reopens(self) -> None:
        w = _World()
        w.server.set_down(True)
        self.assertNotIn((SERVER, 53), w.net.udp)
        self.assertNotIn((SERVER, 53), w.net.tcp)
        self.assertIsNone(w.ask("a.example.test", dns.A))
        w.server.set_down(False)
        self.assertIsNotNone(w.ask("a.example.test", dns.A))

    def test_change_at_run_time(self) -> None:
        w = _World()
        w.server.zones[0].replace("a", [dns.Record_A("127.0.1.20")])
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual(m.answers[0].payload.dottedQuad(), "127.0.1.20")


class TraceAndLifecycleTests(SynchronousTestCase):
    def test_events(self) -> None:
        w = _World()
        w.net.clock.advance(3)
        w.ask("_sip._udp.example.test", dns.SRV)
        q, a = w.events()
        self.assertEqual(
            (q.t, q.observer, q.direction, q.transport, q.local, q.remote, q.qname, q.qtype),
            (
                3.0,
                SERVER,
                "in",
                "udp",
                (SERVER, 53),
                (CLIENT, 5353),
                "_sip._udp.example.test",
                "SRV",
            ),
        )
        self.assertEqual(q.raw, query_bytes("_sip._udp.example.test", dns.SRV))
        self.assertEqual(a.direction, "out")
        self.assertEqual(a.answers, ("_sip._udp.example.test SRV 0 1 5060 a.example.test",))
        self.assertEqual(a.ttls, (120,))
        self.assertEqual(a.raw, w.catcher.raw[-1])

    def test_epoch(self) -> None:
        net = FakeNet()
        net.clock.advance(100)
        trace = Trace()
        server = DnsServer(net.host(SERVER), [make_zone()], trace, epoch=90.0)
        server.start()
        port = net.host(CLIENT).listenUDP(0, _Catcher())
        port.write(query_bytes("a.example.test", dns.A), (SERVER, 53))
        net.run()
        self.assertEqual(trace.events[0].t, 10.0)

    def test_not_listening_before_start(self) -> None:
        w = _World(start=False)
        self.assertIsNone(w.ask("a.example.test", dns.A))

    def test_stop_closes_ports(self) -> None:
        w = _World()
        w.server.stop()
        self.assertEqual((w.net.udp.keys() - {(CLIENT, 5353)}, w.net.tcp), (set(), {}))

    def test_port_zero_picks_one(self) -> None:
        net = FakeNet()
        server = DnsServer(net.host(SERVER), [make_zone()], Trace(), port=0)
        server.start()
        self.assertNotEqual(server.port, 0)
        self.assertIn((SERVER, server.port), net.udp)
        self.assertIn((SERVER, server.port), net.tcp)

    def test_address_from_host_view(self) -> None:
        server = DnsServer(FakeNet().host("127.0.1.99"), [], Trace())
        self.assertEqual(server.address, "127.0.1.99")

    def test_delayed_answer_after_down_not_sent(self) -> None:
        w = _World()
        w.server.faults.delay = 1.0
        w.client_port.write(query_bytes("a.example.test", dns.A), (SERVER, 53))
        w.net.clock.advance(0)
        w.server.set_down(True)
        w.net.run()
        self.assertEqual(w.catcher.got, [])


class AnswerCacheTests(SynchronousTestCase):
    """
    Answers are kept by query bytes (after the ID), zone contents and
    faults: a repeated query gets the same bytes under its own ID, and a
    changed zone or fault is answered afresh.
    """

    def test_repeat_gets_its_own_id(self) -> None:
        w = _World()
        first = w.ask("a.example.test", dns.A, qid=1)
        second = w.ask("a.example.test", dns.A, qid=2)
        assert first is not None and second is not None
        self.assertEqual((first.id, second.id), (1, 2))
        self.assertEqual(w.catcher.raw[0][2:], w.catcher.raw[1][2:])

    def test_zone_change_seen(self) -> None:
        zone = make_zone()
        w = _World([zone])
        w.ask("a.example.test", dns.A)
        zone.replace("a", [dns.Record_A("127.0.1.20")], type="A")
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual([rr.payload.dottedQuad() for rr in m.answers], ["127.0.1.20"])
        self.assertEqual(w.events()[-1].answers, ("a.example.test A 127.0.1.20",))

    def test_direct_edit_seen_after_changed(self) -> None:
        zone = make_zone()
        w = _World([zone])
        w.ask("a.example.test", dns.A)
        zone.records[zone.absolute("a")][0].address = dns.Record_A("127.0.1.30").address
        zone.changed()
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual([rr.payload.dottedQuad() for rr in m.answers], ["127.0.1.30"])

    def test_fault_change_seen(self) -> None:
        w = _World()
        w.ask("a.example.test", dns.A)
        w.server.faults.servfail = True
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual(m.rCode, dns.ESERVER)
        w.server.faults.servfail = False
        w.server.faults.nxdomain.add("a.example.test")
        m = w.ask("a.example.test", dns.A)
        assert m is not None
        self.assertEqual(m.rCode, dns.ENAME)


class QueryDecodeCacheTests(SynchronousTestCase):
    """
    A UDP query whose bytes after the ID were decoded before is not decoded
    again; the server hears it with its own ID, and answers and records it as
    it would a fresh one.
    """

    def setUp(self) -> None:
        from harness.dns import server as server_module

        server_module._QUERIES.known.clear()
        self.addCleanup(server_module._QUERIES.known.clear)

    def count_decodes(self) -> list[bytes]:
        seen: list[bytes] = []
        real = dns.Message.fromStr

        def spy(message: dns.Message, data: bytes) -> None:
            seen.append(data)
            real(message, data)

        self.patch(dns.Message, "fromStr", spy)
        return seen

    def test_not_decoded_again(self) -> None:
        w = _World()
        w.ask("a.example.test", dns.A, qid=1)
        decoded = self.count_decodes()
        second = w.ask("a.example.test", dns.A, qid=2)
        assert second is not None
        self.assertEqual(second.id, 2)
        # only the catcher decoded (the answer); the server did not decode the query
        self.assertEqual(decoded, [w.catcher.raw[-1]])

    def test_same_answers_and_events_as_fresh(self) -> None:
        """The same queries give the same bytes and events with and without the cache."""
        from harness.dns import server as server_module

        def run() -> tuple[list[bytes], list[Any]]:
            w = _World()
            for qid, (name, qtype) in enumerate([
                ("a.example.test", dns.A), ("a.example.test", dns.A),
                ("nope.example.test", dns.A), ("nope.example.test", dns.A),
                ("_sip._udp.example.test", dns.SRV), ("_sip._udp.example.test", dns.SRV),
            ]):
                w.ask(name, qtype, qid=100 + qid)
            return w.catcher.raw, [(e.direction, e.qname, e.qtype, e.rcode, e.answers, e.raw)
                                   for e in w.events()]

        cached = run()
        self.assertGreater(len(server_module._QUERIES.known), 0)
        server_module._QUERIES.known.clear()
        self.patch(server_module._QUERIES, "keep", lambda message, data: None)
        self.assertEqual(run(), cached)
        self.assertEqual(server_module._QUERIES.known, {})

    def test_kept_query_independent(self) -> None:
        """A reader changing the message it got does not change the kept query."""
        from harness.dns import server as server_module
        from harness.dns.messages import with_id

        w = _World()
        w.ask("a.example.test", dns.A, qid=1)
        (kept,) = server_module._QUERIES.known.values()
        copy = with_id(kept, b"\x00\x07" + bytes(20))
        copy.queries.append(dns.Query("b.example.test", dns.A, dns.IN))
        copy.additional.append(dns._OPTHeader())
        self.assertEqual(len(kept.queries), 1)
        self.assertEqual(kept.additional, [])
        self.assertEqual(copy.id, 7)


class QueryTextsTests(SynchronousTestCase):
    """
    The trace form of a query (its name and type, and the server's address) is
    worked out once per query and read again for its answer's event: the events
    of interleaved queries (an answer held back by a delay while another query
    is heard), of a port picked at start and of a dropped query are as before.
    """

    def _fields(self, e: DnsEvent) -> tuple[Any, ...]:
        return (e.direction, e.local, e.qname, e.qtype, e.rcode, e.answers, e.ttls)

    def test_in_and_out_events(self) -> None:
        w = _World()
        w.ask("a.example.test", dns.A)
        w.ask("_sip._udp.example.test", dns.SRV)
        w.ask("a.example.test", dns.A)
        self.assertEqual(
            [self._fields(e) for e in w.events()],
            [
                ("in", (SERVER, 53), "a.example.test", "A", "NOERROR", (), ()),
                ("out", (SERVER, 53), "a.example.test", "A", "NOERROR",
                 ("a.example.test A 127.0.1.10",), (30,)),
                ("in", (SERVER, 53), "_sip._udp.example.test", "SRV", "NOERROR", (), ()),
                ("out", (SERVER, 53), "_sip._udp.example.test", "SRV", "NOERROR",
                 ("_sip._udp.example.test SRV 0 1 5060 a.example.test",), (120,)),
                ("in", (SERVER, 53), "a.example.test", "A", "NOERROR", (), ()),
                ("out", (SERVER, 53), "a.example.test", "A", "NOERROR",
                 ("a.example.test A 127.0.1.10",), (30,)),
            ],
        )

    def test_delayed_answers_interleaved(self) -> None:
        w = _World()
        w.server.faults.delay = 0.5
        w.client_port.write(query_bytes("a.example.test", dns.A, qid=1), (SERVER, 53))
        w.client_port.write(query_bytes("_sip._udp.example.test", dns.SRV, qid=2), (SERVER, 53))
        w.net.run()
        self.assertEqual(
            [(e.direction, e.qname, e.qtype) for e in w.events()],
            [
                ("in", "a.example.test", "A"),
                ("in", "_sip._udp.example.test", "SRV"),
                ("out", "a.example.test", "A"),
                ("out", "_sip._udp.example.test", "SRV"),
            ],
        )

    def test_port_picked_at_start(self) -> None:
        net = FakeNet()
        trace = Trace()
        server = DnsServer(net.host(SERVER), [make_zone()], trace, port=0)
        server.start()
        client = net.host(CLIENT).listenUDP(5353, _Catcher())
        client.write(query_bytes("a.example.test", dns.A), (SERVER, server.port))
        net.run()
        self.assertNotEqual(server.port, 0)
        self.assertEqual({e.local for e in trace.of(DnsEvent)}, {(SERVER, server.port)})

    def test_dropped_query(self) -> None:
        w = _World()
        w.server.faults.drop = True
        self.assertIsNone(w.ask("a.example.test", dns.A))
        self.assertEqual(
            [self._fields(e) for e in w.events()],
            [
                ("in", (SERVER, 53), "a.example.test", "A", "NOERROR", (), ()),
                ("out", (SERVER, 53), "a.example.test", "A", "TIMEOUT", (), ()),
            ],
        )
