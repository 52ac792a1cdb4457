"""
Our authoritative DNS server on the wire, read by dig and kdig (and NSD as a
second opinion): AA bit, SRV glue, NXDOMAIN with the SOA, TC over UDP and the
whole answer over TCP.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from harness.peers.dig import DigAnswer, query_async
from harness.trace.events import DnsEvent, Trace
from tests.interop._support import (
    EXAMPLE_ZONE,
    INTEROP_ZONE,
    NSD_ADDR,
    OUR_DNS,
    need_module,
    need_tool,
    port_on,
    reactor,
)


def _start_our_server(test: TestCase) -> tuple[tuple[str, int], Trace]:
    server_mod = need_module("harness.dns.server", "DnsServer")
    zone_mod = need_module("harness.dns.zone", "Zone")
    zones = [zone_mod.Zone.from_master_file(z) for z in (INTEROP_ZONE, EXAMPLE_ZONE)]
    trace = Trace()
    server = server_mod.DnsServer(reactor, zones, trace, port=port_on(OUR_DNS), address=OUR_DNS)
    server.start()
    test.addCleanup(server.stop)
    return (OUR_DNS, server.port), trace


class _DigMixin:
    """The same checks with dig and with kdig."""

    tool = "dig"
    timeout = 30

    server: tuple[str, int]
    trace: Trace

    def setUp(self) -> None:
        need_tool(self.tool)
        self.server, self.trace = _start_our_server(self)  # type: ignore[arg-type]

    def ask(self, name: str, rtype: str, **kw: Any) -> Any:
        return query_async(reactor, self.server, name, rtype, tool=self.tool, **kw)

    @inlineCallbacks
    def test_srv_answer_is_authoritative_with_a_glue(self) -> Any:
        a: DigAnswer = yield self.ask("_sip._udp.interop.test", "SRV")
        t: Any = self
        t.assertEqual(a.rcode, "NOERROR", a.text)
        t.assertTrue(a.aa, a.text)
        t.assertEqual(
            sorted(r.rdata for r in a.answer),
            [
                "0 1 15061 secondary.interop.test.",
                "0 2 15060 primary.interop.test.",
                "1 1 15062 fallback.interop.test.",
            ],
        )
        glue = {(r.name, r.rdata) for r in a.of_type("additional", "A")}
        t.assertEqual(
            glue,
            {
                ("primary.interop.test.", "127.0.2.10"),
                ("secondary.interop.test.", "127.0.2.20"),
                ("fallback.interop.test.", "127.0.2.15"),
            },
        )

    @inlineCallbacks
    def test_per_record_ttls_are_sent_as_set(self) -> Any:
        a: DigAnswer = yield self.ask("secondary.interop.test", "A")
        t: Any = self
        t.assertEqual([(r.ttl, r.rdata) for r in a.answer], [(30, "127.0.2.20")])

    @inlineCallbacks
    def test_nxdomain_is_authoritative_with_the_soa(self) -> Any:
        a: DigAnswer = yield self.ask("nowhere.interop.test", "A")
        t: Any = self
        t.assertEqual(a.rcode, "NXDOMAIN", a.text)
        t.assertTrue(a.aa, a.text)
        t.assertEqual(a.answer, ())
        soa = a.of_type("authority", "SOA")
        t.assertEqual(len(soa), 1, a.text)
        t.assertEqual(soa[0].name, "interop.test.")
        t.assertTrue(soa[0].rdata.startswith("ns1.interop.test. hostmaster.interop.test."))

    @inlineCallbacks
    def test_name_outside_our_zones_is_refused(self) -> Any:
        a: DigAnswer = yield self.ask("example.org", "A")
        t: Any = self
        t.assertEqual(a.rcode, "REFUSED", a.text)

    @inlineCallbacks
    def test_big_answer_is_truncated_over_udp(self) -> Any:
        a: DigAnswer = yield self.ask("big.interop.test", "A", ignore_tc=True)
        t: Any = self
        t.assertEqual(a.rcode, "NOERROR", a.text)
        t.assertTrue(a.tc, a.text)
        t.assertEqual(a.answer, ())
        t.assertEqual(a.transport, "UDP")

    @inlineCallbacks
    def test_truncated_answer_is_complete_over_tcp(self) -> Any:
        # the tool's own TC -> TCP retry; our trace shows both legs
        a: DigAnswer = yield self.ask("big.interop.test", "A")
        t: Any = self
        t.assertEqual(a.rcode, "NOERROR", a.text)
        t.assertFalse(a.tc, a.text)
        t.assertTrue(a.aa)
        t.assertEqual(
            sorted(r.rdata for r in a.answer), sorted(f"127.0.3.{i}" for i in range(1, 41))
        )
        t.assertEqual(a.transport, "TCP", a.text)
        legs = [
            (e.transport, e.direction)
            for e in self.trace.of(DnsEvent)
            if e.qname.rstrip(".") == "big.interop.test"
        ]
        t.assertEqual(legs, [("udp", "in"), ("udp", "out"), ("tcp", "in"), ("tcp", "out")])

    @inlineCallbacks
    def test_naptr_answer_carries_srv_and_a_glue(self) -> Any:
        a: DigAnswer = yield self.ask("interop.test", "NAPTR", edns=True)
        t: Any = self
        t.assertTrue(a.aa)
        t.assertEqual(len(a.answer), 2)
        kinds = {(r.type, r.name) for r in a.additional}
        t.assertIn(("SRV", "_sip._udp.interop.test."), kinds)
        t.assertIn(("SRV", "_sip._tcp.interop.test."), kinds)
        t.assertIn(("A", "primary.interop.test."), kinds)


class DigTests(_DigMixin, TestCase):
    tool = "dig"


class KdigTests(_DigMixin, TestCase):
    tool = "kdig"


class SameAnswersAsNsdTests(TestCase):
    """
    NSD, serving the same master file, is the reference for what an
    authoritative server answers: our answer sections must match it record
    for record (additional sections may legitimately differ in order and in
    NS glue, so only the SRV targets' A glue is compared).
    """

    timeout = 40

    def setUp(self) -> Any:
        need_tool("dig")
        need_tool("nsd")
        from harness.peers.nsd import Nsd, NsdConfig

        self.ours, _ = _start_our_server(self)
        nsd = Nsd(NsdConfig(zones=[str(INTEROP_ZONE)], address=NSD_ADDR, port=port_on(NSD_ADDR)))
        self.addCleanup(nsd.cleanup)
        self.nsd = (NSD_ADDR, nsd.config.port)
        nsd.start()
        return nsd.when_ready(reactor, timeout=10)

    @inlineCallbacks
    def test_answers_match_nsd(self) -> Any:
        questions = [
            ("interop.test", "NAPTR"),
            ("_sip._udp.interop.test", "SRV"),
            ("_sip._tcp.interop.test", "SRV"),
            ("primary.interop.test", "A"),
            ("a-only.interop.test", "A"),
            ("nowhere.interop.test", "A"),
            ("primary.interop.test", "AAAA"),
            ("big.interop.test", "A"),
        ]
        for name, rtype in questions:
            ours = yield query_async(reactor, self.ours, name, rtype, edns=True)
            theirs = yield query_async(reactor, self.nsd, name, rtype, edns=True)
            what = f"{name} {rtype}\n--- ours ---\n{ours.text}\n--- nsd ---\n{theirs.text}"
            self.assertEqual(ours.rcode, theirs.rcode, what)
            self.assertEqual(ours.aa, theirs.aa, what)
            self.assertEqual(sorted(map(str, ours.answer)), sorted(map(str, theirs.answer)), what)
            self.assertEqual(
                sorted(map(str, ours.of_type("authority", "SOA"))),
                sorted(map(str, theirs.of_type("authority", "SOA"))),
                what,
            )
            if rtype == "SRV":
                targets = {r.rdata.split()[-1] for r in theirs.answer}

                def glue(a: DigAnswer, targets: set[str] = targets) -> list[str]:
                    return sorted(str(r) for r in a.of_type("additional", "A") if r.name in targets)

                self.assertEqual(glue(ours), glue(theirs), what)
                self.assertEqual(len(glue(ours)), len(targets), what)
