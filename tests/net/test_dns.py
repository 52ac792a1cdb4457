"""
The stock twisted.names client and server over the simulated network, on
virtual time, over UDP and TCP.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer
from twisted.names import authority, client, common, dns, error, server
from twisted.trial.unittest import SynchronousTestCase

from harness.net import SimWorld
from harness.trace.events import PacketEvent

DNS, PHONE = "127.0.1.53", "127.0.1.100"
ORIGIN = b"example.test"


class MemoryAuthority(authority.FileAuthority):
    """An in-memory authority (TWISTED-NOTES: skip FileAuthority's file reading)."""

    def __init__(self, records: dict[bytes, list[Any]]) -> None:
        common.ResolverBase.__init__(self)
        self._cache: dict[Any, Any] = {}
        soa = dns.Record_SOA(mname=b"ns." + ORIGIN, rname=b"root." + ORIGIN, serial=1, minimum=60)
        self.soa = (ORIGIN, soa)
        self.records = {ORIGIN: [soa], **records}


def start_dns(world: SimWorld, records: dict[bytes, list[Any]]) -> None:
    host = world.host(DNS)
    factory = server.DNSServerFactory(authorities=[MemoryAuthority(records)])
    host.listenUDP(53, dns.DNSDatagramProtocol(factory, reactor=host))
    host.listenTCP(53, factory)


RECORDS = {
    b"sip.example.test": [dns.Record_A("127.0.1.10", ttl=120)],
    b"_sip._udp.example.test": [
        dns.Record_SRV(10, 60, 5060, b"sip.example.test", ttl=300),
        dns.Record_SRV(20, 0, 5060, b"sip2.example.test", ttl=300),
    ],
}


class DNSTests(SynchronousTestCase):
    def test_lookup_address_over_udp(self) -> None:
        world = SimWorld(latency=0.002)
        start_dns(world, RECORDS)
        phone = world.host(PHONE)
        resolver = client.Resolver(servers=[(DNS, 53)], reactor=phone)
        with world.deterministic_dns():
            d = resolver.lookupAddress("sip.example.test")
            world.run()
        answers, _, _ = self.successResultOf(d)
        self.assertEqual([a.payload.dottedQuad() for a in answers], ["127.0.1.10"])
        self.assertEqual(answers[0].ttl, 120)
        self.assertEqual(world.seconds(), 0.004)
        packets = world.trace.of(PacketEvent)
        self.assertEqual(packets[0].dst, (DNS, 53))

    def test_srv_over_tcp(self) -> None:
        world = SimWorld()
        start_dns(world, RECORDS)
        phone = world.host(PHONE)
        resolver = client.Resolver(servers=[(DNS, 53)], reactor=phone)
        query = dns.Query(b"_sip._udp.example.test", dns.SRV)
        with world.deterministic_dns():
            d = resolver.queryTCP([query])
            world.run()
        message = self.successResultOf(d)
        self.assertEqual(sorted(r.payload.priority for r in message.answers), [10, 20])
        self.assertIn("tcp", {p.proto for p in world.trace.of(PacketEvent)})

    def test_nxdomain(self) -> None:
        world = SimWorld()
        start_dns(world, RECORDS)
        resolver = client.Resolver(servers=[(DNS, 53)], reactor=world.host(PHONE))
        d = resolver.lookupAddress("nope.example.test")
        world.run()
        self.failureResultOf(d, error.DNSNameError)

    def test_dns_server_down_times_out_on_virtual_time(self) -> None:
        world = SimWorld()
        start_dns(world, RECORDS)
        world.set_host_down(DNS, True)
        resolver = client.Resolver(servers=[(DNS, 53)], timeout=(1, 3), reactor=world.host(PHONE))
        d = resolver.lookupAddress("sip.example.test")
        world.run()
        self.failureResultOf(d, defer.TimeoutError)
        self.assertEqual(world.seconds(), 4.0)
        self.assertEqual([p.t for p in world.trace.of(PacketEvent)], [0.0, 1.0])

    def test_deterministic_dns_restores_random_source(self) -> None:
        original = dns.randomSource
        world = SimWorld(5)
        with world.deterministic_dns():
            self.assertIsNot(dns.randomSource, original)
            ids = [dns.randomSource() for _ in range(3)]
        self.assertIs(dns.randomSource, original)
        with SimWorld(5).deterministic_dns():
            self.assertEqual([dns.randomSource() for _ in range(3)], ids)
        self.assertIs(dns.randomSource, original)
