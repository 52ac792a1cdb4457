"""Calls through the fake servers: proxying, the echo user, features, clusters."""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from harness.net.simulated import SimWorld
from harness.servers.cluster import WorkingCluster
from harness.servers.faults import Fault
from harness.sip.message import Headers, Request, Response, new_call_id, new_tag
from harness.testing.ua import Call, SimpleUA
from tests.servers.world import (
    ALICE,
    BOB,
    FALLBACK,
    PRIMARY,
    SECONDARY,
    result,
    server,
    tcp,
    ua,
    udp,
    wire,
)


def subscribe(world: SimWorld, who: SimpleUA, target: Any, event: str) -> Response:
    headers = Headers(
        [
            ("Max-Forwards", "70"),
            ("From", f"<{who.aor()}>;tag={new_tag(world.rng)}"),
            ("To", f"<{who.aor()}>"),
            ("Call-ID", new_call_id(world.rng, who.address)),
            ("CSeq", "1 SUBSCRIBE"),
            ("Contact", f"<{who.contact()}>"),
            ("Event", event),
            ("Expires", "600"),
        ]
    )
    r = result(world, who.send(Request("SUBSCRIBE", who.aor(), headers), target).final)
    assert isinstance(r, Response)
    return r


class ProxyTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=5)
        self.primary = server(self.world)
        self.alice = ua(self.world, "alice", ALICE)
        self.bob = ua(self.world, "bob", BOB)
        for u in (self.alice, self.bob):
            self.assertEqual(result(self.world, u.register(udp(PRIMARY))).status, 200)

    def call(self, uri: str = "sip:bob@example.test", via: str = PRIMARY) -> Call:
        c = result(self.world, self.alice.invite(uri, udp(via)))
        self.assertIsInstance(c, Call)
        return c

    def test_call_between_two_phones_with_record_route(self) -> None:
        c = self.call()
        self.assertEqual(c.route, ("<sip:127.0.1.10:5060;transport=udp;lr>",))
        self.assertEqual(c.remote_target, "sip:bob@127.0.0.6:5060")
        self.world.advance(1)
        self.assertEqual(len(self.bob.acks), 1)  # the ACK went through the proxy
        r = result(self.world, self.alice.bye(c))
        self.assertEqual(r.status, 200)
        self.assertEqual([m.method for m in self.bob.received], ["INVITE", "BYE"])
        record = self.primary.dialogs[c.call_id]
        self.assertEqual((record.kind, record.server, record.state), ("proxied", "primary",
                                                                      "terminated"))
        self.assertIn("ACK", record.methods)

    def test_call_over_tcp_reaches_the_contact(self) -> None:
        world = SimWorld(seed=13)
        server(world)
        alice = ua(world, "alice", ALICE, transports=("udp", "tcp"))
        bob = ua(world, "bob", BOB, transports=("udp", "tcp"))
        for u in (alice, bob):
            self.assertEqual(result(world, u.register(tcp(PRIMARY))).status, 200)
        c = result(world, alice.invite("sip:bob@example.test", tcp(PRIMARY)))
        self.assertIsInstance(c, Call)
        self.assertEqual(c.route, ("<sip:127.0.1.10:5060;transport=tcp;lr>",))
        self.assertEqual(result(world, alice.bye(c)).status, 200)
        self.assertEqual({e.transport for e in world.trace.sip([BOB])}, {"tcp"})

    def test_relayed_responses_lose_the_proxy_via(self) -> None:
        c = self.call()
        self.assertEqual(len(c.response.vias), 1)
        self.assertIn("100 INVITE", wire(self.world, ALICE))
        self.assertIn("180 INVITE", wire(self.world, ALICE))

    def test_unknown_user_is_404(self) -> None:
        r = result(self.world, self.alice.invite("sip:nobody@example.test", udp(PRIMARY)))
        self.assertEqual(r.status, 404)

    def test_known_but_unregistered_is_480(self) -> None:
        result(self.world, self.bob.register(udp(PRIMARY), expires=0))
        r = result(self.world, self.alice.invite("sip:bob@example.test", udp(PRIMARY)))
        self.assertEqual(r.status, 480)

    def test_options_answered_by_the_server(self) -> None:
        headers = Headers([("Max-Forwards", "70"), ("From", "<sip:alice@example.test>;tag=1"),
                           ("To", "<sip:example.test>"), ("Call-ID", "o1"), ("CSeq", "1 OPTIONS")])
        r = result(self.world, self.alice.send(Request("OPTIONS", "sip:example.test", headers),
                                               udp(PRIMARY)).final)
        self.assertEqual(r.status, 200)
        self.assertIn("INVITE", r.headers.get_all("Allow"))
        self.assertEqual(self.bob.received, [])

    def test_cancel_is_relayed_and_487_comes_back(self) -> None:
        self.bob.answer_code = 180  # ring for ever
        d = self.alice.invite("sip:bob@example.test", udp(PRIMARY))
        self.world.advance(1)
        self.alice.last_invite.cancel()
        r = result(self.world, d)
        self.assertEqual(r.status, 487)
        self.assertIn("CANCEL", wire(self.world, BOB))
        self.assertIn("487 INVITE", wire(self.world, BOB, "out"))

    def test_echo_call_reinvite_and_bye(self) -> None:
        c = self.call("sip:echo@example.test")
        self.assertEqual(c.remote_target, "sip:echo@127.0.1.10:5060;transport=udp")
        self.assertEqual(c.response.headers.get("Content-Type"), "application/sdp")
        self.assertEqual(result(self.world, self.alice.reinvite(c)).status, 200)
        self.assertEqual(result(self.world, self.alice.bye(c)).status, 200)
        record = self.primary.dialogs[c.call_id]
        self.assertEqual((record.kind, record.state), ("echo", "terminated"))
        self.assertEqual(record.methods, ["INVITE", "ACK", "INVITE", "ACK", "BYE"])
        self.assertEqual(
            wire(self.world, PRIMARY, "out"),
            ["200 REGISTER", "200 REGISTER", "180 INVITE", "200 INVITE", "200 INVITE",
             "200 BYE"],
        )

    def test_echo_bye_for_unknown_dialog_is_481(self) -> None:
        c = self.call("sip:echo@example.test")
        result(self.world, self.alice.bye(c))
        self.assertEqual(result(self.world, self.alice.bye(c)).status, 481)

    def test_auto_answer_users_are_configurable(self) -> None:
        srv = server(self.world, "secondary", SECONDARY, auto_answer_users=("ivr",))
        self.assertIsInstance(self.call("sip:ivr@example.test", via=SECONDARY), Call)
        self.assertEqual(srv.dialogs.popitem()[1].kind, "echo")

    def test_mwi_subscribe_gets_200_and_notify(self) -> None:
        self.primary.proxy.set_messages("alice", 2, 1)
        r = subscribe(self.world, self.alice, udp(PRIMARY), "message-summary")
        self.assertEqual(r.status, 200)
        self.world.advance(1)
        [notify] = [m for m in self.alice.received if m.method == "NOTIFY"]
        self.assertEqual(notify.headers.get("Event"), "message-summary")
        self.assertIn(b"Messages-Waiting: yes", notify.body)
        self.assertIn(b"Voice-Message: 2/1", notify.body)


class FeatureTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=6)
        self.alice = ua(self.world, "alice", ALICE)

    def test_fallback_rejects_mwi_while_calls_work(self) -> None:
        server(self.world, "fallback", FALLBACK, features="basic")
        self.assertEqual(result(self.world, self.alice.register(udp(FALLBACK))).status, 200)
        r = subscribe(self.world, self.alice, udp(FALLBACK), "message-summary")
        self.assertEqual(r.status, 489)
        r = subscribe(self.world, self.alice, udp(FALLBACK), "dialog;sla")
        self.assertEqual(r.status, 489)
        c = result(self.world, self.alice.invite("sip:echo@example.test", udp(FALLBACK)))
        self.assertIsInstance(c, Call)
        self.assertEqual(result(self.world, self.alice.bye(c)).status, 200)

    def test_reject_code_405_and_501(self) -> None:
        server(self.world, "fallback", FALLBACK, features="basic:405")
        r = subscribe(self.world, self.alice, udp(FALLBACK), "message-summary")
        self.assertEqual(r.status, 405)
        self.assertNotIn("SUBSCRIBE", r.headers.get_all("Allow"))
        server(self.world, "other", "127.0.1.99", features="basic:501")
        r = subscribe(self.world, self.alice, udp("127.0.1.99"), "message-summary")
        self.assertEqual(r.status, 501)

    def test_basic_refuses_message_with_405(self) -> None:
        server(self.world, "fallback", FALLBACK, features="basic")
        headers = Headers([("Max-Forwards", "70"), ("From", "<sip:alice@example.test>;tag=1"),
                           ("To", "<sip:echo@example.test>"), ("Call-ID", "m1"),
                           ("CSeq", "1 MESSAGE")])
        r = result(self.world, self.alice.send(
            Request("MESSAGE", "sip:echo@example.test", headers, b"hi"), udp(FALLBACK)).final)
        self.assertEqual(r.status, 405)


class ClusterTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.world = SimWorld(seed=7)
        self.alice = ua(self.world, "alice", ALICE)
        self.bob = ua(self.world, "bob", BOB)

    def cluster(self, shared: bool) -> WorkingCluster:
        p = server(self.world, "primary", PRIMARY)
        s = server(self.world, "secondary", SECONDARY)
        return WorkingCluster(p, s, shared_location=shared)

    def test_shared_location_routes_through_secondary_after_primary_fault(self) -> None:
        cl = self.cluster(True)
        for u in (self.alice, self.bob):
            result(self.world, u.register(udp(PRIMARY)))
        self.assertEqual(len(cl.secondary.bindings("bob")), 1)
        cl.primary.apply_fault(Fault("silence"))
        failed = result(self.world, self.alice.invite("sip:bob@example.test", udp(PRIMARY)))
        self.assertEqual(failed.value.reason, "timeout")
        c = result(self.world, self.alice.invite("sip:bob@example.test", udp(SECONDARY)))
        self.assertIsInstance(c, Call)
        self.assertEqual(c.route, ("<sip:127.0.1.20:5060;transport=udp;lr>",))
        self.assertEqual(result(self.world, self.alice.bye(c)).status, 200)
        self.assertEqual(cl.secondary.dialogs[c.call_id].server, "secondary")
        self.assertNotIn(c.call_id, cl.primary.dialogs)

    def test_separate_location_does_not_know_the_other_registrations(self) -> None:
        cl = self.cluster(False)
        for u in (self.alice, self.bob):
            result(self.world, u.register(udp(PRIMARY)))
        self.assertEqual(cl.secondary.bindings("bob"), [])
        r = result(self.world, self.alice.invite("sip:bob@example.test", udp(SECONDARY)))
        self.assertEqual(r.status, 404)


class DeterminismTests(SynchronousTestCase):
    def run_once(self) -> str:
        world = SimWorld(seed=21)
        srv = server(world, credentials={"alice": "pw"})
        srv.apply_fault(Fault("drop-first", count=1, methods=("INVITE",)))
        alice = ua(world, "alice", ALICE)
        result(world, alice.register(udp(PRIMARY), password="pw"))
        c = result(world, alice.invite("sip:echo@example.test", udp(PRIMARY)))
        c = result(world, alice.invite("sip:echo@example.test", udp(PRIMARY)))
        result(world, alice.bye(c))
        return world.trace.sha256()

    def test_same_seed_same_trace(self) -> None:
        self.assertEqual(self.run_once(), self.run_once())


class EchoRetransmits2xxTests(SynchronousTestCase):
    """
    The echo user is a UAS core (RFC 3261 13.3.1.4): its 2xx to an INVITE is
    retransmitted, T1 after it and then at intervals doubling up to T2,
    until the ACK arrives; with no ACK after 64*T1 it ends the dialog with a
    BYE.  (Before: one 2xx, re-sent only for a retransmitted INVITE, which a
    UAC that got the 180 never sends, so a lost 200 left the call unanswered
    for the rest of the run.)
    """

    def setUp(self) -> None:
        self.world = SimWorld(seed=5)
        self.primary = server(self.world)
        self.alice = ua(self.world, "alice", ALICE)
        self.assertEqual(result(self.world, self.alice.register(udp(PRIMARY))).status, 200)

    def oks(self) -> list[float]:
        """When the server sent a 200 to the INVITE, relative to the first."""
        ts = [e.t for e in self.world.trace.sip([PRIMARY]) if e.direction == "out"
              and getattr(e.message, "status", None) == 200
              and e.message.cseq.method == "INVITE"]  # type: ignore[union-attr]
        return [round(t - ts[0], 3) for t in ts]

    def test_no_ack_retransmits_then_bye(self) -> None:
        c = result(self.world, self.alice.invite("sip:echo@example.test", udp(PRIMARY),
                                                 ack=False))
        self.assertIsInstance(c, Call)
        self.world.advance(40)
        self.assertEqual(self.oks(), [0.0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5,
                                      31.5])
        self.assertEqual([m.method for m in self.alice.received], ["BYE"])
        bye = self.alice.received[0]
        self.assertEqual((bye.call_id, bye.to.tag, bye.from_.tag),
                         (c.call_id, c.local_tag, c.remote_tag))
        self.assertEqual(self.primary.dialogs[c.call_id].state, "terminated")
        self.assertEqual(len(self.primary.proxy.ack_timeouts), 1)

    def test_late_ack_stops_the_retransmissions(self) -> None:
        c = result(self.world, self.alice.invite("sip:echo@example.test", udp(PRIMARY),
                                                 ack=False))
        self.world.advance(2.0)
        self.alice.endpoint.send_ack(self.alice.in_dialog(c, "ACK", 1), udp(PRIMARY))
        self.world.advance(40)
        self.assertEqual(self.oks(), [0.0, 0.5, 1.5])
        self.assertEqual(self.alice.received, [])
        self.assertEqual(self.primary.dialogs[c.call_id].state, "confirmed")

    def test_bye_ends_the_retransmissions(self) -> None:
        c = result(self.world, self.alice.invite("sip:echo@example.test", udp(PRIMARY),
                                                 ack=False))
        self.world.advance(1.0)
        self.assertEqual(result(self.world, self.alice.bye(c)).status, 200)
        self.world.advance(40)
        self.assertEqual(self.oks(), [0.0, 0.5])
        self.assertEqual(self.alice.received, [])
        self.assertEqual(self.primary.proxy.ack_timeouts, [])

    def test_no_ack_over_tcp_ends_without_a_connection_of_ours(self) -> None:
        """Over TCP the connection carries the 2xx: no re-send (once the connection is
        gone it would need one of the server's own to the phone, which the wire would
        read as the phone's), nor a BYE; the dialog still ends after 64*T1."""
        world = SimWorld(seed=13)
        primary = server(world)
        alice = ua(world, "alice", ALICE, transports=("udp", "tcp"))
        self.assertEqual(result(world, alice.register(tcp(PRIMARY))).status, 200)
        c = result(world, alice.invite("sip:echo@example.test", tcp(PRIMARY), ack=False))
        world.advance(40)
        oks = [e for e in world.trace.sip([PRIMARY]) if e.direction == "out"
               and getattr(e.message, "status", None) == 200
               and e.message.cseq.method == "INVITE"]  # type: ignore[union-attr]
        self.assertEqual(len(oks), 1)
        self.assertEqual(alice.received, [])
        self.assertEqual(primary.dialogs[c.call_id].state, "terminated")
        syns = [e for e in world.trace if getattr(e, "kind", "") == "packet"
                and e.proto == "tcp" and e.flags == "S"  # type: ignore[union-attr]
                and e.src[0] == PRIMARY  # type: ignore[union-attr]
                and e.src[1] != 5060]  # type: ignore[union-attr]  # (not a SYN-ACK)
        self.assertEqual(syns, [])

    def test_ack_at_once_no_retransmission(self) -> None:
        c = result(self.world, self.alice.invite("sip:echo@example.test", udp(PRIMARY)))
        self.world.advance(40)
        self.assertEqual(self.oks(), [0.0])
        self.assertEqual(self.primary.dialogs[c.call_id].state, "confirmed")


class ProxyRelays2xxRetransmissionsTests(SynchronousTestCase):
    """
    A retransmission of the callee's 2xx (its UAS core resending it until the
    ACK, RFC 3261 13.3.1.4) is forwarded upstream (16.7 step 5); before, the
    proxy's client transaction dropped it, so a caller whose first 200 was
    lost never got one.
    """

    def test_retransmitted_2xx_reaches_the_caller(self) -> None:
        world = SimWorld(seed=5)
        server(world)
        alice = ua(world, "alice", ALICE)
        bob = ua(world, "bob", BOB)
        for u in (alice, bob):
            self.assertEqual(result(world, u.register(udp(PRIMARY))).status, 200)
        invites: list[Any] = []
        incoming = bob.endpoint.on_request

        def keep(st: Any) -> None:
            if st.request.method == "INVITE":
                invites.append(st)
            incoming(st)

        bob.endpoint.on_request = keep
        c = result(world, alice.invite("sip:bob@example.test", udp(PRIMARY)))
        self.assertIsInstance(c, Call)
        invites[0].request_again()  # (bob's transaction, Accepted, sends its 200 again)
        world.advance(1)
        oks = [e for e in world.trace.sip([ALICE]) if e.direction == "in"
               and getattr(e.message, "status", None) == 200
               and e.message.cseq.method == "INVITE"]  # type: ignore[union-attr]
        self.assertEqual(len(oks), 2)
        self.assertEqual(oks[0].raw, oks[1].raw)


class EchoDownLosesItsRetransmissionsTests(SynchronousTestCase):
    """A server that went down (its endpoint closed) neither retransmits nor sends a BYE."""

    def test_stop_fault_drops_the_pending_2xx(self) -> None:
        world = SimWorld(seed=5)
        primary = server(world)
        alice = ua(world, "alice", ALICE)
        self.assertEqual(result(world, alice.register(udp(PRIMARY))).status, 200)
        result(world, alice.invite("sip:echo@example.test", udp(PRIMARY), ack=False))
        world.advance(1.0)
        primary.apply_fault(Fault("stop"))
        world.advance(5.0)
        primary.restore()
        world.advance(40)
        self.assertEqual(alice.received, [])
        self.assertEqual(primary.proxy.ack_timeouts, [])
