"""
Hostile DNS at the locator (L{harness.sip.locate.Locator} over a real
C{client.Resolver} on the simulated network): a fake DNS server answers each
query with crafted bytes.  Every case must end as a L{LocateError} (DNS-11)
within a bounded virtual time: never a hang, never another exception.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from typing import Any

from twisted.internet.protocol import DatagramProtocol
from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.net.simulated import SimWorld
from harness.profile import get_profile
from harness.sip.locate import LocateError, Locator, make_resolver

DNS_HOST = "127.0.1.53"
PHONE = "127.0.0.100"
DOMAIN = "example.test"
#: resolver timeouts (1, 3) per query, at most 8 CNAME hops and 4 NAPTR levels and a
#: few SRV/A steps: any resolution ends well within this
BOUND = 120.0

Reply = Callable[[dns.Message, tuple[str, int]], list[tuple[bytes, int]]]


def _answer(query: dns.Message, records: list[dns.RRHeader], *, rcode: int = dns.OK,
            id_delta: int = 0, trunc: bool = False) -> bytes:
    m = dns.Message(id=(query.id + id_delta) % 65536, answer=True, auth=True, rCode=rcode,
                    trunc=trunc)
    m.queries = list(query.queries)
    m.answers = records
    return m.toStr()


def _rr(name: str | bytes, payload: Any, ttl: int = 60) -> dns.RRHeader:
    return dns.RRHeader(name=name, type=payload.TYPE, ttl=ttl, payload=payload, auth=True)


class CraftedDns(DatagramProtocol):
    """A DNS 'server' whose every answer is made by C{reply} (bytes, source port)."""

    def __init__(self, world: SimWorld, reply: Reply) -> None:
        self.world = world
        self.reply = reply
        self.queries = 0
        host = world.host(DNS_HOST)
        self.port = host.listenUDP(53, self, interface=DNS_HOST)
        self.other = host.listenUDP(5353, DatagramProtocol(), interface=DNS_HOST)

    def datagramReceived(self, data: bytes, addr: Any) -> None:
        self.queries += 1
        query = dns.Message()
        query.fromStr(data)
        for raw, src in self.reply(query, addr):
            (self.port if src == 53 else self.other).write(raw, addr)


class HostileDnsTests(SynchronousTestCase):
    def _locate(self, reply: Reply, transport: int = 3) -> tuple[LocateError, float, int]:
        world = SimWorld(5)
        with world.deterministic_dns():
            server = CraftedDns(world, reply)
            host = world.host(PHONE)
            locator = Locator(make_resolver(host, (DNS_HOST, 53)), host, get_profile("yealink"),
                              random.Random(1))
            out: list[Any] = []
            locator.locate(DOMAIN, 0, transport, 0).addBoth(out.append)
            world.run(until=BOUND, predicate=lambda: bool(out))
            self.assertTrue(out, f"no result within {BOUND} virtual seconds")
            failure = out[0]
            self.assertTrue(hasattr(failure, "value"), f"resolved: {failure!r}")
            self.assertIsInstance(failure.value, LocateError)
            elapsed = world.seconds()
            # nothing left behind: no timers, no open ports but the servers'
            world.run(until=BOUND * 2)
            self.assertEqual(world.clock.getDelayedCalls(), [])
            return failure.value, elapsed, server.queries

    def test_garbage_answers(self) -> None:
        """Random bytes for every answer: ignored, so the query times out."""
        rng = random.Random(3)
        err, t, _ = self._locate(lambda q, a: [(bytes(rng.getrandbits(8) for _ in range(40)),
                                                53)])
        self.assertEqual(err.reason, "timeout")
        self.assertLess(t, 10)

    def test_truncated_header(self) -> None:
        """Three bytes: shorter than a DNS header."""
        err, _, _ = self._locate(lambda q, a: [(struct.pack("!H", q.id) + b"\x81", 53)])
        self.assertEqual(err.reason, "timeout")

    def test_malformed_records(self) -> None:
        """A correct header promising answers whose RDATA runs past the end."""
        def reply(q: dns.Message, a: Any) -> list[tuple[bytes, int]]:
            good = _answer(q, [_rr(q.queries[0].name.name, dns.Record_A("192.0.2.1"))])
            return [(good[:-2], 53), (good[:12] + b"\xc0\xff" * 20, 53)]
        err, _, _ = self._locate(reply, transport=0)
        self.assertIn(err.reason, ("timeout", "empty"))

    def test_mismatched_id(self) -> None:
        """A well-formed answer with another ID is not the answer."""
        err, _, _ = self._locate(lambda q, a: [(_answer(q, [_rr(
            q.queries[0].name.name, dns.Record_A("192.0.2.1"))], id_delta=1), 53)], transport=0)
        self.assertEqual(err.reason, "timeout")

    def test_wrong_source_port(self) -> None:
        """A well-formed answer from port 5353 instead of 53 is not the answer."""
        err, _, _ = self._locate(lambda q, a: [(_answer(q, [_rr(
            q.queries[0].name.name, dns.Record_A("192.0.2.1"))]), 5353)], transport=0)
        self.assertEqual(err.reason, "timeout")

    def test_wrong_source_address(self) -> None:
        """A spoofed answer from another host (right ID, right port number): ignored."""
        world_box: list[Any] = []

        def reply(q: dns.Message, a: Any) -> list[tuple[bytes, int]]:
            raw = _answer(q, [_rr(q.queries[0].name.name, dns.Record_A("192.0.2.66"))])
            world_box[0].write(raw, a)
            return []

        world = SimWorld(5)
        with world.deterministic_dns():
            CraftedDns(world, reply)
            world_box.append(world.host("127.0.0.66").listenUDP(53, DatagramProtocol(),
                                                                 interface="127.0.0.66"))
            host = world.host(PHONE)
            locator = Locator(make_resolver(host, (DNS_HOST, 53)), host, get_profile("yealink"),
                              random.Random(1))
            out: list[Any] = []
            locator.locate(DOMAIN, 0, 0, 0).addBoth(out.append)
            world.run(until=BOUND, predicate=lambda: bool(out))
        self.assertIsInstance(out[0].value, LocateError)
        self.assertEqual(out[0].value.reason, "timeout")

    def test_cname_loop(self) -> None:
        """a -> b -> a CNAMEs, across answers: bounded queries, then 'empty'."""
        def reply(q: dns.Message, a: Any) -> list[tuple[bytes, int]]:
            name = q.queries[0].name.name
            other = b"b." + DOMAIN.encode() if name.startswith(b"a.") else b"a." + DOMAIN.encode()
            return [(_answer(q, [_rr(name, dns.Record_CNAME(other))]), 53)]
        err, _, queries = self._locate(reply, transport=0)
        self.assertEqual(err.reason, "empty")
        self.assertLess(queries, 40)

    def test_cname_loop_in_one_answer(self) -> None:
        """A CNAME chain that loops within one answer."""
        def reply(q: dns.Message, a: Any) -> list[tuple[bytes, int]]:
            name = q.queries[0].name.name
            return [(_answer(q, [_rr(name, dns.Record_CNAME(b"x." + name)),
                                 _rr(b"x." + name, dns.Record_CNAME(name))]), 53)]
        err, _, queries = self._locate(reply, transport=0)
        self.assertIn(err.reason, ("empty", "nxdomain"))
        self.assertLess(queries, 40)

    def test_naptr_loop(self) -> None:
        """Empty-flag NAPTR records pointing at each other: bounded depth, then fails."""
        def reply(q: dns.Message, a: Any) -> list[tuple[bytes, int]]:
            name = q.queries[0].name.name
            if q.queries[0].type == dns.NAPTR:
                nxt = b"n" + name if len(name) < 60 else DOMAIN.encode()
                return [(_answer(q, [_rr(name, dns.Record_NAPTR(
                    10, 10, b"", b"", b"", nxt))]), 53)]
            return [(_answer(q, [], rcode=dns.ENAME), 53)]
        err, _, queries = self._locate(reply)
        self.assertIn(err.reason, ("empty", "nxdomain"))
        self.assertLess(queries, 40)

    def test_huge_answer(self) -> None:
        """
        An answer of 1,000 SRV records (30 KB): too big for the client's UDP
        buffer, so it is read as truncated and retried over TCP, which this
        server refuses: a clear failure, bounded.
        """
        def reply(q: dns.Message, a: Any) -> list[tuple[bytes, int]]:
            name = q.queries[0].name.name
            if q.queries[0].type == dns.SRV:
                return [(_answer(q, [_rr(name, dns.Record_SRV(1, i, 5060, f"t{i}.invalid"))
                                     for i in range(1000)]), 53)]
            return [(_answer(q, [], rcode=dns.ESERVER), 53)]
        err, _, queries = self._locate(reply, transport=0)
        self.assertIn(err.reason, ("error", "servfail"))
        self.assertLess(queries, 10)

    def test_truncated_flag_without_tcp(self) -> None:
        """TC set on every answer and no DNS over TCP: the retry over TCP fails, bounded."""
        err, _, _ = self._locate(lambda q, a: [(_answer(q, [], trunc=True), 53)], transport=0)
        self.assertIsInstance(err, LocateError)

    def test_servfail_and_refused(self) -> None:
        for rcode, reason in ((dns.ESERVER, "servfail"), (dns.EREFUSED, "refused")):
            err, t, _ = self._locate(lambda q, a, r=rcode: [(_answer(q, [], rcode=r), 53)])
            self.assertEqual(err.reason, reason)
            self.assertLess(t, 1)
