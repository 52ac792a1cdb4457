"""
The phone's resolver asks a UDP question without the stock Deferred chain
(L{harness.sip.locate._UdpLookup}) and still resolves exactly as the stock
C{client.Resolver._lookup} path: the same datagrams (ports, IDs, bytes), the
same trace, the same results and failures, with answers, lost queries and
their retries, a server that never answers, two servers in turn, NXDOMAIN
and one question asked twice while in flight.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.names import client, dns
from twisted.trial.unittest import SynchronousTestCase

from harness.dns.server import DnsServer
from harness.dns.zone import Zone
from harness.net.simulated import SimWorld
from harness.profile import get_profile
from harness.scenario import bundled_scenarios_dir
from harness.sip import locate
from harness.sip.locate import Locator
from harness.trace.events import Trace

ZONE = bundled_scenarios_dir().parent / "zones" / "example.test.zone"


def _stock_ask(
    self: locate._QuietResolver, key: tuple[bytes, int, int], query: dns.Query, timeout: Any
) -> Any:
    """C{_QuietResolver._ask} as the stock resolver asks: C{client.Resolver._lookup}."""
    return client.Resolver._lookup(self, key[0], key[2], key[1], timeout)


def _world(
    seed: int,
    *,
    loss: float = 0.0,
    dns_up: bool = True,
    servers: tuple[tuple[str, int], ...] = (("127.0.1.53", 53),),
    names: tuple[str, ...] = ("example.test", "example.test"),
    together: bool = False,
) -> tuple[str, str]:
    """
    Resolutions of C{names} by one phone's resolver in one world: in turn,
    or all at once (C{together}: the same questions in flight together).
    Returns the results' repr and the trace's digest.
    """
    world = SimWorld(seed, trace=Trace(), latency=0.001, loss=loss)
    results: list[Any] = []
    with world.deterministic_dns():
        if dns_up:
            DnsServer(world.host("127.0.1.53"), [Zone.from_master_file(ZONE)], world.trace,
                      port=53).start()
        host = world.host("127.0.0.100")
        resolver = locate._QuietResolver(servers=list(servers), reactor=host, timeout=(1, 3))
        for n, name in enumerate(names):
            locator = Locator(resolver, host, get_profile("yealink"), random.Random(n))
            locator.locate(name, 0, 3, 0).addBoth(results.append)
            if not together:
                world.run(until=world.seconds() + 20.0)
        world.run(until=world.seconds() + 20.0)
    return repr(results), world.trace.sha256()


class LeanLookupTests(SynchronousTestCase):
    def setUp(self) -> None:
        locate._ANSWERS.known.clear()
        self.addCleanup(locate._ANSWERS.known.clear)

    def _same(self, **kw: Any) -> str:
        lean = _world(**kw)
        self.patch(locate._QuietResolver, "_ask", _stock_ask)
        stock = _world(**kw)
        self.assertEqual(lean, stock)
        return lean[0]

    def test_answered(self) -> None:
        self.assertIn("127.0.1.", self._same(seed=3))

    def test_lost_queries_asked_again(self) -> None:
        for seed in range(6):
            self._same(seed=seed, loss=0.3)

    def test_no_answer_times_out(self) -> None:
        self.assertIn("Failure", self._same(seed=1, dns_up=False))

    def test_two_servers_in_turn(self) -> None:
        self._same(seed=2, servers=(("127.0.1.54", 53), ("127.0.1.53", 53)))

    def test_nxdomain(self) -> None:
        self._same(seed=4, names=("nothing-here.example.test",))

    def test_same_question_in_flight(self) -> None:
        self._same(seed=5, together=True)
        self._same(seed=6, together=True, loss=0.3)

    def test_lean_path_taken(self) -> None:
        """(the equality above compares two paths, not one with itself)"""
        made: list[locate._UdpLookup] = []
        real = locate._UdpLookup.__init__

        def spy(self: locate._UdpLookup, *args: Any) -> None:
            made.append(self)
            real(self, *args)

        self.patch(locate._UdpLookup, "__init__", spy)
        _world(seed=3)
        self.assertGreater(len(made), 0)
