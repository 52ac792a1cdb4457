"""
Our locator (RFC 3263 with the guide's rules) on the real reactor, with a real
C{client.Resolver}: NSD serving a master file and our DNS server serving the
same file must lead to the same ordered targets.  NSD is the independent
witness that our server's answers are what an authoritative server sends.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import TestCase

from harness.trace.events import Trace
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

#: (domain, port, transport 0..3, naptr_build)
CASES = [
    ("interop.test", 0, 3, 0),  # NAPTR -> SIP+D2T first -> _sip._tcp
    ("interop.test", 0, 3, 1),
    ("interop.test", 0, 0, 0),  # SRV _sip._udp
    ("interop.test", 0, 1, 0),  # SRV _sip._tcp
    ("primary.interop.test", 15070, 0, 0),  # explicit port: A only
    ("a-only.interop.test", 0, 0, 0),  # no SRV: A with the default port
    ("example.test", 0, 3, 0),
    ("example.test", 0, 2, 0),  # _sips._tcp
]


class LocatorAgainstNsdTests(TestCase):
    timeout = 40

    def setUp(self) -> Any:
        need_tool("nsd")
        locate = need_module("harness.sip.locate", "Locator", "make_resolver")
        server_mod = need_module("harness.dns.server", "DnsServer")
        zone_mod = need_module("harness.dns.zone", "Zone")
        profile = need_module("harness.profile", "PROFILES")
        from harness.peers.nsd import Nsd, NsdConfig

        self.locate = locate
        self.profile = profile.PROFILES["yealink"]
        zones = [zone_mod.Zone.from_master_file(z) for z in (INTEROP_ZONE, EXAMPLE_ZONE)]
        ours = server_mod.DnsServer(reactor, zones, Trace(), port=port_on(OUR_DNS), address=OUR_DNS)
        ours.start()
        self.addCleanup(ours.stop)
        self.ours = (OUR_DNS, ours.port)
        nsd = Nsd(
            NsdConfig(
                zones=[str(INTEROP_ZONE), str(EXAMPLE_ZONE)],
                address=NSD_ADDR,
                port=port_on(NSD_ADDR),
            )
        )
        self.addCleanup(nsd.cleanup)
        self.nsd = (NSD_ADDR, nsd.config.port)
        nsd.start()
        return nsd.when_ready(reactor, timeout=10)

    def locator(self, server: tuple[str, int]) -> Any:
        resolver = self.locate.make_resolver(reactor, server, timeout=(2,))
        return self.locate.Locator(resolver, reactor, self.profile, random.Random(0))

    @inlineCallbacks
    def test_same_targets_from_nsd_and_our_server(self) -> Any:
        via_ours = self.locator(self.ours)
        via_nsd = self.locator(self.nsd)
        for case in CASES:
            ours = yield via_ours.locate(*case)
            theirs = yield via_nsd.locate(*case)
            self.assertEqual(ours.targets, theirs.targets, f"{case}")
            self.assertEqual(ours.ttl, theirs.ttl, f"{case}")
            self.assertTrue(ours.targets, f"{case}")

    @inlineCallbacks
    def test_naptr_resolution_is_the_guides_order(self) -> Any:
        # the fixed expectation, so "both equally wrong" cannot pass
        res = yield self.locator(self.nsd).locate("interop.test", 0, 3, 0)
        self.assertEqual(
            [(t.transport, t.host, t.port) for t in res.targets],
            [
                ("tcp", "127.0.2.10", 15060),  # weight 2 before weight 1 (DNS-7)
                ("tcp", "127.0.2.20", 15061),
                ("tcp", "127.0.2.15", 15062),  # priority 1 last
            ],
        )
        self.assertEqual(res.ttl, 30)  # smallest TTL in the chain (secondary's A)

    @inlineCallbacks
    def test_unknown_name_fails_the_same_way(self) -> Any:
        errors = []
        for server in (self.ours, self.nsd):
            try:
                yield self.locator(server).locate("nowhere.interop.test", 0, 0, 0)
            except self.locate.LocateError as e:
                errors.append(e.reason)
        self.assertEqual(errors, ["nxdomain", "nxdomain"])
