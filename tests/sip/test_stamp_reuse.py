"""
A request the transport stamped for a source a moment ago (a UDP
retransmission: the parse gives its first copy's message) gets the same
stamped request, and only then.
"""

from __future__ import annotations

from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from harness.net.simulated import SimWorld
from harness.sip import transport as transport_module
from harness.sip.message import parse
from harness.sip.transport import SipEndpoint

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "messages"
REGISTER = (FIXTURES / "register.sip").read_bytes()


class StampReuseTests(SynchronousTestCase):
    def setUp(self) -> None:
        transport_module._STAMPED.clear()
        self.addCleanup(transport_module._STAMPED.clear)
        world = SimWorld(0)
        self.ep = SipEndpoint(world.host("127.0.9.1"), world.trace, "127.0.9.1", rng=world.rng)
        self.calls: list[object] = []
        real = self.ep._stamp_now

        def counted(request: object, remote: tuple[str, int]) -> object:
            self.calls.append(request)
            return real(request, remote)  # type: ignore[arg-type]

        self.ep._stamp_now = counted  # type: ignore[method-assign]

    def test_same_request_same_source(self) -> None:
        request = parse(REGISTER)
        first = self.ep._stamp(request, ("127.0.9.7", 5070))
        again = self.ep._stamp(request, ("127.0.9.7", 5070))
        self.assertIs(again, first)
        self.assertEqual(len(self.calls), 1)
        self.assertEqual(first.top_via.received, "127.0.9.7")

    def test_other_source_stamped_afresh(self) -> None:
        request = parse(REGISTER)
        a = self.ep._stamp(request, ("127.0.9.7", 5070))
        b = self.ep._stamp(request, ("127.0.9.8", 5071))
        self.assertEqual((a.top_via.received, b.top_via.received), ("127.0.9.7", "127.0.9.8"))
        self.assertEqual(len(self.calls), 2)

    def test_equal_but_other_request_stamped_afresh(self) -> None:
        """Kept by identity: an equal message parsed again is stamped again (same result)."""
        a = self.ep._stamp(parse(REGISTER), ("127.0.9.7", 5070))
        b = self.ep._stamp(parse(REGISTER), ("127.0.9.7", 5070))
        self.assertEqual(a, b)
        self.assertEqual(len(self.calls), 2)

    def test_bounded(self) -> None:
        requests = [parse(REGISTER) for _ in range(3 * transport_module._STAMPED_MAX)]
        for r in requests:
            self.ep._stamp(r, ("127.0.9.7", 5070))
        self.assertEqual(len(transport_module._STAMPED), transport_module._STAMPED_MAX)
