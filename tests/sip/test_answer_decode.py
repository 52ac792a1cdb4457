"""
The phone's resolver does not decode an answer again whose bytes after the
ID it decoded before (harness.dns.messages), and resolves exactly as when it
decodes every answer.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.dns.server import DnsServer
from harness.dns.zone import Zone
from harness.net.simulated import SimWorld
from harness.profile import get_profile
from harness.scenario import bundled_scenarios_dir
from harness.sip import locate
from harness.sip.locate import Locator, make_resolver
from harness.trace.events import Trace

ZONE = bundled_scenarios_dir().parent / "zones" / "example.test.zone"


def _resolve_twice(seed: int) -> tuple[list[Any], Trace]:
    """Two fresh resolutions of example.test (NAPTR -> SRV -> A) in one world."""
    world = SimWorld(seed, trace=Trace(), latency=0.001)
    results: list[Any] = []
    with world.deterministic_dns():
        DnsServer(world.host("127.0.1.53"), [Zone.from_master_file(ZONE)], world.trace,
                  port=53).start()
        host = world.host("127.0.0.100")
        resolver = make_resolver(host, ("127.0.1.53", 53))
        for n in range(2):
            locator = Locator(resolver, host, get_profile("yealink"), random.Random(n))
            locator.locate("example.test", 0, 3, 0).addBoth(results.append)
            world.run(until=world.seconds() + 5.0)
    return results, world.trace


class AnswerDecodeTests(SynchronousTestCase):
    def setUp(self) -> None:
        locate._ANSWERS.known.clear()
        self.addCleanup(locate._ANSWERS.known.clear)

    def test_not_decoded_again(self) -> None:
        _resolve_twice(0)
        decoded: list[bytes] = []
        real = dns.Message.fromStr

        def spy(message: dns.Message, data: bytes) -> None:
            decoded.append(data)
            real(message, data)

        self.patch(dns.Message, "fromStr", spy)
        results, _ = _resolve_twice(1)
        self.assertEqual(len(results), 2)
        # the server's queries and the phone's answers were all seen before
        self.assertEqual(decoded, [])

    def test_same_results_as_decoding(self) -> None:
        kept = _resolve_twice(7)
        self.assertGreater(len(locate._ANSWERS.known), 0)
        locate._ANSWERS.known.clear()
        self.patch(locate._ANSWERS, "keep", lambda message, data: None)
        fresh = _resolve_twice(7)
        self.assertEqual(repr(kept[0]), repr(fresh[0]))
        self.assertEqual(kept[1].sha256(), fresh[1].sha256())
        self.assertEqual(locate._ANSWERS.known, {})
