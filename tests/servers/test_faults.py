"""Each fault kind, observed on the wire (the trace), and the fault scheduler."""

from __future__ import annotations

from twisted.names import dns
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from harness.dns.server import DnsServer
from harness.dns.zone import Zone
from harness.net.simulated import SimWorld
from harness.servers.faults import Fault, FaultError, FaultScheduler
from harness.sip.locate import Target
from harness.sip.message import Response
from harness.sip.transaction import RetryPolicy
from harness.testing.ua import Call
from harness.tls import load_ca
from harness.trace.events import FaultEvent, PacketEvent
from tests.servers.world import ALICE, PRIMARY, result, server, tcp, ua, udp, wire

QUICK = RetryPolicy(retry_counts=1, give_up="last-interval")  # gives up after 1.5 s


def reason(outcome: object) -> str:
    assert isinstance(outcome, Failure), outcome
    return str(getattr(outcome.value, "reason", outcome.value))


class FaultModelTests(SynchronousTestCase):
    def test_from_dict_reads_scenario_tables(self) -> None:
        f = Fault.from_dict({"target": "primary", "at": 10, "action": "respond", "code": 503,
                             "retry_after": 30, "methods": ["register"]})
        self.assertEqual(f, Fault("respond", methods=("REGISTER",), code=503, retry_after=30))
        self.assertEqual(f.describe(), "methods=REGISTER code=503 retry_after=30")

    def test_unknown_action_names_where(self) -> None:
        e = self.assertRaises(FaultError, Fault.from_dict, {"action": "explode"},
                              "x.toml:faults[2]")
        self.assertIn("x.toml:faults[2].action", str(e))
        self.assertIn("silence", str(e))

    def test_unknown_key_is_an_error(self) -> None:
        e = self.assertRaises(FaultError, Fault.from_dict, {"action": "silence", "code": 5}, "f")
        self.assertIn("f.code: unknown key for action 'silence'", str(e))

    def test_bad_values_are_errors(self) -> None:
        for d, text in [
            ({"action": "respond"}, "code is required"),
            ({"action": "respond", "code": 99}, "not a final status"),
            ({"action": "respond", "code": "503"}, "expected an integer"),
            ({"action": "delay"}, "seconds"),
            ({"action": "drop-first", "count": 0}, "count"),
            ({"action": "flap", "period": 10, "down": 10}, "down must be"),
            ({"action": "cert"}, "name is required"),
            ({"action": "silence", "methods": [1]}, "list of strings"),
        ]:
            e = self.assertRaises(FaultError, Fault.from_dict, d, "f")
            self.assertIn(text, str(e))


class SipFaultTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=8)
        self.server = server(self.world)
        self.alice = ua(self.world, "alice", ALICE, transports=("udp", "tcp"), policy=QUICK)

    def register(self, target: Target | None = None) -> object:
        return result(self.world, self.alice.register(target or udp(PRIMARY)))

    def faults(self) -> list[tuple[str, str, str]]:
        return [(e.target, e.action, e.detail) for e in self.world.trace.of(FaultEvent)]

    def test_silence_receives_and_never_answers(self) -> None:
        self.server.apply_fault(Fault("silence"))
        self.assertEqual(reason(self.register()), "timeout")
        self.assertEqual(wire(self.world, PRIMARY), ["REGISTER", "REGISTER"])  # + 1 retransmission
        self.assertEqual(wire(self.world, PRIMARY, "out"), [])
        self.assertEqual(self.faults(), [("primary", "silence", "")])

    def test_silence_per_method(self) -> None:
        self.server.apply_fault(Fault("silence", methods=("INVITE",)))
        self.assertEqual(self.register().status, 200)  # type: ignore[attr-defined]
        out = result(self.world, self.alice.invite("sip:echo@example.test", udp(PRIMARY)))
        self.assertEqual(reason(out), "timeout")

    def test_stop_drops_udp_and_refuses_tcp_then_restore(self) -> None:
        self.server.apply_fault(Fault("stop"))
        self.assertFalse(self.server.running)
        self.assertEqual(reason(self.register()), "timeout")
        fates = {p.fate for p in self.world.trace.of(PacketEvent)
                 if p.dst == (PRIMARY, 5060) and p.proto == "udp"}
        self.assertEqual(fates, {"closed"})
        self.assertEqual(reason(self.register(tcp(PRIMARY))), "refused")
        self.server.apply_fault(Fault("restore"))
        self.assertEqual(self.register().status, 200)  # type: ignore[attr-defined]
        self.assertEqual([a for _, a, _ in self.faults()], ["stop", "restore"])

    def test_respond_with_retry_after(self) -> None:
        self.server.apply_fault(Fault("respond", code=503, retry_after=30))
        r = self.register()
        assert isinstance(r, Response)
        self.assertEqual((r.status, r.headers.get("Retry-After")), (503, "30"))

    def test_delay_answers_late(self) -> None:
        self.alice.policy = RetryPolicy(retry_counts=3)
        self.server.apply_fault(Fault("delay", seconds=2.0))
        start = self.world.seconds()
        self.assertEqual(self.register().status, 200)  # type: ignore[attr-defined]
        [answered] = [e.t for e in self.world.trace.sip([PRIMARY]) if e.direction == "out"]
        self.assertAlmostEqual(answered - start, 2.005, places=3)

    def test_drop_first_counts_transactions(self) -> None:
        self.server.apply_fault(Fault("drop-first", count=2, methods=("REGISTER",)))
        self.assertEqual(reason(self.register()), "timeout")
        self.assertEqual(reason(self.register()), "timeout")
        self.assertEqual(self.register().status, 200)  # type: ignore[attr-defined]
        self.assertEqual(wire(self.world, PRIMARY).count("REGISTER"), 5)  # 2 x (1 + 1 rtx) + 1

    def test_flap_goes_down_and_up_periodically(self) -> None:
        self.server.apply_fault(Fault("flap", period=10.0, down=4.0))
        self.world.advance(25)
        events = [(round(e.t), e.action, e.detail) for e in self.world.trace.of(FaultEvent)]
        self.assertEqual(events, [
            (0, "flap", "period=10.0 down=4.0"), (0, "flap", "down"), (4, "flap", "up"),
            (10, "flap", "down"), (14, "flap", "up"), (20, "flap", "down"), (24, "flap", "up"),
        ])
        self.assertEqual(self.register().status, 200)  # type: ignore[attr-defined]  # up at 25
        self.server.apply_fault(Fault("restore"))
        self.world.advance(30)
        self.assertTrue(self.server.running)

    def test_crash_mid_answers_100_then_nothing(self) -> None:
        self.server.apply_fault(Fault("crash-mid", methods=("INVITE",)))
        d = self.alice.invite("sip:echo@example.test", udp(PRIMARY))
        self.world.advance(60)
        self.assertNoResult(d)
        self.assertEqual(wire(self.world, PRIMARY, "out"), ["100 INVITE"])

    def test_restore_undoes_everything(self) -> None:
        for f in (Fault("silence"), Fault("respond", code=500), Fault("stop")):
            self.server.apply_fault(f)
        self.server.apply_fault(Fault("restore"))
        self.assertEqual(self.register().status, 200)  # type: ignore[attr-defined]


class CertFaultTests(SynchronousTestCase):
    def test_cert_fault_presents_another_certificate(self) -> None:
        world = SimWorld(seed=9)
        srv = server(world)
        target = Target("tls", PRIMARY, 5061, "primary.example.test")
        first = ua(world, "alice", ALICE, trust_root=load_ca(), policy=QUICK)
        self.assertEqual(result(world, first.register(target)).status, 200)
        srv.apply_fault(Fault("cert", name="wrong-name"))
        second = ua(world, "bob", "127.0.0.6", trust_root=load_ca(), policy=QUICK)
        self.assertEqual(reason(result(world, second.register(target))), "tls")
        srv.apply_fault(Fault("restore"))
        third = ua(world, "carol", "127.0.0.7", trust_root=load_ca(), policy=QUICK)
        self.assertEqual(result(world, third.register(target)).status, 200)


class SchedulerTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=10)
        self.server = server(self.world)
        self.alice = ua(self.world, "alice", ALICE, policy=QUICK)
        self.sched = FaultScheduler(self.world.clock, self.world.trace, {"primary": self.server})

    def test_at_applies_on_time_and_until_lifts(self) -> None:
        self.sched.at(10, "primary", Fault("silence", until=20))
        self.world.advance(15)
        self.assertEqual(reason(result(self.world, self.alice.register(udp(PRIMARY)))), "timeout")
        self.world.run(until=21)
        self.assertEqual(result(self.world, self.alice.register(udp(PRIMARY))).status, 200)
        events = [(e.t, e.action) for e in self.world.trace.of(FaultEvent)]
        self.assertEqual(events, [(10, "silence"), (20, "restore")])

    def test_on_request_applies_to_the_nth_request(self) -> None:
        self.sched.on_request("primary", 3, Fault("respond", code=503), method="REGISTER")
        statuses = [result(self.world, self.alice.register(udp(PRIMARY))).status
                    for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 503, 503])

    def test_load_scenario_tables(self) -> None:
        self.sched.load([{"at": 5, "target": "primary", "action": "stop"},
                         {"at": 8, "target": "primary", "action": "restore"}])
        self.world.advance(6)
        self.assertFalse(self.server.running)
        self.world.advance(3)
        self.assertTrue(self.server.running)

    def test_load_errors_name_the_entry(self) -> None:
        e = self.assertRaises(FaultError, self.sched.load,
                              [{"target": "primary", "action": "stop"}], "s.toml:faults")
        self.assertIn("s.toml:faults[0]", str(e))
        e = self.assertRaises(FaultError, self.sched.at, 1, "nobody", Fault("stop"))
        self.assertIn("unknown fault target 'nobody'", str(e))
        e = self.assertRaises(FaultError, self.sched.at, 1, "primary", Fault("servfail"))
        self.assertIn("does not apply to SIP server", str(e))

    def test_dns_faults_through_the_dns_server_api(self) -> None:
        zone = Zone("example.test")
        zone.add("primary.example.test", dns.Record_A("127.0.1.10", ttl=60))
        dns_server = DnsServer(self.world.host("127.0.1.53"), [zone], self.world.trace)
        dns_server.start()
        sched = FaultScheduler(self.world.clock, self.world.trace, {"dns": dns_server})
        sched.apply("dns", Fault("servfail"))
        sched.apply("dns", Fault("nxdomain", name="Primary.example.test."))
        sched.apply("dns", Fault("down"))
        self.assertTrue(dns_server.faults.servfail)
        self.assertEqual(dns_server.faults.nxdomain, {"primary.example.test"})
        self.assertTrue(dns_server.down)
        sched.apply("dns", Fault("set-record", name="primary.example.test", type="A",
                                 value=("127.0.1.11",), ttl=5))
        [rec] = zone.get("primary.example.test", "A")
        self.assertEqual((rec.dottedQuad(), rec.ttl), ("127.0.1.11", 5))
        sched.apply("dns", Fault("restore"))
        self.assertFalse(dns_server.faults.servfail or dns_server.down)
        self.assertEqual([e.action for e in self.world.trace.of(FaultEvent)],
                         ["servfail", "nxdomain", "down", "set-record", "restore"])


class EchoUnderFaultsTests(SynchronousTestCase):
    def test_invite_faults_do_not_touch_register(self) -> None:
        world = SimWorld(seed=11)
        srv = server(world)
        alice = ua(world, "alice", ALICE, policy=QUICK)
        srv.apply_fault(Fault("respond", code=486, methods=("INVITE",)))
        self.assertEqual(result(world, alice.register(udp(PRIMARY))).status, 200)
        r = result(world, alice.invite("sip:echo@example.test", udp(PRIMARY)))
        self.assertEqual(r.status, 486)
        srv.lift_fault(Fault("respond", code=486, methods=("INVITE",)))
        self.assertIsInstance(result(world, alice.invite("sip:echo@example.test", udp(PRIMARY))),
                              Call)
