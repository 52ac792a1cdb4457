"""Scripted servers: expectations met, unmet, and unexpected requests."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.net.simulated import SimWorld
from harness.servers.bench import bench_registrar_sim
from harness.servers.script import Expect, ScriptedServer, ScriptFailure
from harness.sip.message import Request
from harness.sip.transaction import RetryPolicy
from tests.servers.world import ALICE, PRIMARY, result, ua, udp

QUICK = RetryPolicy(retry_counts=1, give_up="last-interval")


def has_auth(request: Request) -> bool:
    return request.headers.get("Authorization") is not None


class ScriptTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=12)
        self.alice = ua(self.world, "alice", ALICE, policy=QUICK)

    def scripted(self, *expect: Expect, **kw: object) -> ScriptedServer:
        s = ScriptedServer(self.world.host(PRIMARY), self.world.trace, PRIMARY,
                           list(expect), transports={"udp": 5060}, **kw)  # type: ignore[arg-type]
        s.start()
        return s

    def test_401_then_200(self) -> None:
        challenge = (401, [("WWW-Authenticate",
                            'Digest realm="example.test", nonce="abc", qop="auth"')])
        s = self.scripted(Expect("REGISTER", challenge, source=ALICE),
                          Expect("REGISTER", 200, match=has_auth))
        r = result(self.world, self.alice.register(udp(PRIMARY), password="pw"))
        self.assertEqual(r.status, 200)
        self.assertTrue(s.consumed())
        s.assert_done()
        with s.consume(self.fail):
            pass

    def test_list_of_answers_expands(self) -> None:
        s = self.scripted(Expect("REGISTER", [503, 200]))
        self.assertEqual(result(self.world, self.alice.register(udp(PRIMARY))).status, 503)
        self.assertEqual(result(self.world, self.alice.register(udp(PRIMARY))).status, 200)
        s.assert_done()

    def test_unmet_expectations_are_listed(self) -> None:
        s = self.scripted(Expect("REGISTER", 200), Expect("INVITE", 486, label="busy"))
        result(self.world, self.alice.register(udp(PRIMARY)))
        e = self.assertRaises(ScriptFailure, s.assert_done)
        self.assertIn("Still expecting:\n- INVITE -> 486 [busy]", str(e))

    def test_unexpected_requests_are_listed_and_not_answered(self) -> None:
        s = self.scripted(Expect("INVITE", 200, source="127.0.0.99"))
        out = result(self.world, self.alice.register(udp(PRIMARY)))
        self.assertEqual(str(out.value.reason), "timeout")
        e = self.assertRaises(ScriptFailure, s.assert_done)
        text = str(e)
        self.assertIn("Unexpected requests:", text)
        self.assertIn("REGISTER sip:example.test from udp:127.0.0.5:5060", text)
        self.assertIn("method REGISTER != INVITE", text)
        self.assertIn("source 127.0.0.5 != 127.0.0.99", text)
        self.assertEqual(len(s.unexpected), 1)  # the retransmission was absorbed

    def test_unexpected_code_answers(self) -> None:
        s = self.scripted(unexpected_code=500)
        self.assertEqual(result(self.world, self.alice.register(udp(PRIMARY))).status, 500)
        self.assertFalse(s.consumed() and not s.unexpected)
        failures: list[str] = []
        with s.consume(failures.append):
            pass
        self.assertIn("No more requests expected".lower(), failures[0].lower())


class BenchTests(SynchronousTestCase):
    def test_bench_registrar_sim_reports_a_rate(self) -> None:
        figures = bench_registrar_sim(0.05)
        self.assertGreater(figures["registers"], 0)
        self.assertEqual(figures["ok"], figures["registers"])
        self.assertGreater(figures["register_per_s"], 0)
