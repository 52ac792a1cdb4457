"""
Tests for L{harness.certify.wire}: the shared reading of the trace.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.certify import wire
from harness.profile import PROFILES
from harness.testing.tracebuilder import (
    PHONE,
    PRIMARY,
    SECONDARY,
    TraceBuilder,
    default_facts,
    register_failover,
)
from harness.trace.events import PacketEvent, Trace


class TimerTests(SynchronousTestCase):
    def test_yealink_register_offsets(self) -> None:
        p = PROFILES["yealink"]
        self.assertEqual(wire.send_offsets(p, "REGISTER", 3), [0.0, 0.5, 1.5, 3.5])
        self.assertEqual(wire.give_up_delay(p, "REGISTER", 3), 7.5)

    def test_non_invite_capped_at_t2(self) -> None:
        p = PROFILES["yealink"]
        self.assertEqual(wire.send_offsets(p, "REGISTER", 5), [0.0, 0.5, 1.5, 3.5, 7.5, 11.5])

    def test_invite_not_capped(self) -> None:
        p = PROFILES["yealink"]
        self.assertEqual(wire.send_offsets(p, "INVITE", 5), [0.0, 0.5, 1.5, 3.5, 7.5, 15.5])

    def test_retry_counts_zero_single_send(self) -> None:
        p = PROFILES["yealink"]
        self.assertEqual(wire.send_offsets(p, "REGISTER", 0), [0.0])
        self.assertEqual(wire.give_up_delay(p, "REGISTER", 0), 0.5)

    def test_rfc_gives_up_at_timer_b(self) -> None:
        p = PROFILES["rfc"]
        self.assertEqual(wire.give_up_delay(p, "REGISTER", 3), 32.0)
        self.assertEqual(wire.send_offsets(p, "INVITE", 3), [0.0, 0.5, 1.5, 3.5])

    def test_rfc_cuts_sends_after_timer_b(self) -> None:
        p = PROFILES["rfc"]
        self.assertEqual(wire.send_offsets(p, "INVITE", 20)[-1], 31.5)

    def test_tcp_single_send(self) -> None:
        p = PROFILES["yealink"]
        self.assertEqual(wire.send_offsets(p, "REGISTER", 3, "tcp"), [0.0])


class TransactionTests(SynchronousTestCase):
    def test_retransmissions_share_a_transaction(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        txns = wire.phone_transactions(tb.build(), facts)
        self.assertEqual(len(txns), 1)
        self.assertEqual([s.t for s in txns[0].sends], [0.0, 0.5, 1.5, 3.5])
        self.assertIsNone(txns[0].final)
        self.assertTrue(txns[0].failed)
        self.assertEqual(txns[0].role, "primary")

    def test_final_response_matched_by_branch_and_method(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 100, at=0.005)
        tb.respond(r, 200, at=0.01)
        (txn,) = wire.phone_transactions(tb.build(), facts)
        assert txn.final is not None
        self.assertEqual(txn.final.status, 200)
        self.assertEqual(txn.final_t, 0.01)
        self.assertTrue(txn.provisional)
        self.assertTrue(txn.ok)

    def test_lost_send_counts_as_undelivered(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, sends=[0.0, 0.5], lost=[0])
        (txn,) = wire.phone_transactions(tb.build(), facts)
        self.assertEqual([s.delivered for s in txn.sends], [False, True])

    def test_dropped_response_is_no_answer(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 200, lost=True)
        (txn,) = wire.phone_transactions(tb.build(), facts)
        self.assertIsNone(txn.final)

    def test_other_hosts_ignored(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.phone = "127.0.1.99"
        tb.register("primary", 0.0)
        self.assertEqual(wire.phone_transactions(tb.build(), facts), [])

    def test_same_branch_other_server_is_another_transaction(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.register("primary", 0.0, branch="z9hG4bKsame")
        tb.register("secondary", 1.0, branch="z9hG4bKsame", cseq=2)
        self.assertEqual(len(wire.phone_transactions(tb.build(), facts)), 2)


class ChainTests(SynchronousTestCase):
    def test_failover_is_one_chain(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        register_failover(tb)
        (chain,) = wire.chains(tb.build(), facts)
        self.assertEqual([t.dst for t in chain.txns], [PRIMARY, SECONDARY])
        self.assertTrue(chain.answered)

    def test_refresh_after_success_is_a_new_chain(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 200)
        r2 = tb.register("primary", 60.0, cseq=2)
        tb.respond(r2, 200)
        self.assertEqual(len(wire.chains(tb.build(), facts)), 2)

    def test_new_call_id_is_a_new_chain(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("INVITE", "primary", 0.0, call_id="a")
        tb.invite("secondary", 7.5, call_id="b")
        self.assertEqual(len(wire.chains(tb.build(), facts)), 2)

    def test_challenge_ends_the_chain(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 401)
        r2 = tb.register("primary", 0.02, cseq=2)
        tb.respond(r2, 200)
        self.assertEqual(len(wire.chains(tb.build(), facts)), 2)

    def test_authenticated_retry_continues_the_chain(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        r = tb.register("secondary", 7.5, cseq=2)
        tb.respond(r, 401)
        r2 = tb.register("secondary", 7.52, cseq=3, headers=[("Authorization", "Digest x=1")])
        tb.respond(r2, 200)
        (chain,) = wire.chains(tb.build(), facts)
        self.assertEqual(len(chain.txns), 3)
        self.assertTrue(chain.tail.ok)
        (rnd,) = wire.rounds(chain, facts)
        self.assertEqual(len(rnd.txns), 3)

    def test_retry_after_pause_is_a_new_round(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.silent("REGISTER", "secondary", 7.5, cseq=2)
        tb.register("primary", 45.0, cseq=3)
        (chain,) = wire.chains(tb.build(), facts)
        self.assertEqual([len(r.txns) for r in wire.rounds(chain, facts)], [2, 1])

    def test_concurrent_attempt_not_chained(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.silent("REGISTER", "primary", 0.0)
        tb.register("secondary", 1.0, cseq=2)  # while the primary is still retransmitted
        self.assertEqual(len(wire.chains(tb.build(), facts)), 2)

    def test_ack_not_chained(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        tb.call("primary", 0.0)
        chains = wire.chains(tb.build(), facts)
        self.assertEqual([c.method for c in chains], ["INVITE"])


class DialogTests(SynchronousTestCase):
    def test_in_dialog_requests_and_their_servers(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        inv = tb.call("secondary", 0.0, bye_at=5.0)
        tb.in_dialog(inv, "INVITE", 2.0, to="primary", cseq=5)
        (d,) = wire.dialogs(tb.build(), facts)
        self.assertEqual(d.dst, SECONDARY)
        self.assertEqual([(r.method, r.dst) for r in d.requests],
                         [("ACK", SECONDARY), ("INVITE", PRIMARY), ("BYE", SECONDARY)])

    def test_failed_invite_is_no_dialog(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        inv = tb.invite("primary", 0.0)
        tb.respond(inv, 486)
        self.assertEqual(wire.dialogs(tb.build(), facts), [])


class RegistrationTests(SynchronousTestCase):
    def test_intervals_from_granted_expires(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 200, headers=[("Expires", "120")])
        r2 = tb.register("primary", 60.0, cseq=2)
        tb.respond(r2, 200, headers=[("Expires", "120")])
        self.assertEqual(wire.registered_intervals(tb.build(), facts, "primary"),
                         [(0.01, 180.01)])

    def test_contact_expires_wins(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 200, headers=[("Contact", "<sip:1001@127.0.1.100:5060>;expires=30")])
        (reg,) = wire.registrations(tb.build(), facts)
        self.assertEqual(reg.granted, 30)

    def test_unregister_cuts_interval(self) -> None:
        facts = default_facts()
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0)
        tb.respond(r, 200)
        r2 = tb.register("primary", 10.0, cseq=2, expires=0)
        tb.respond(r2, 200)
        self.assertEqual(wire.registered_intervals(tb.build(), facts, "primary"),
                         [(0.01, 10.01)])

    def test_no_registration_elsewhere(self) -> None:
        facts = default_facts()
        self.assertEqual(wire.registered_intervals(Trace(), facts, "secondary"), [])


class ConnectionAttemptTests(SynchronousTestCase):
    """A connection that failed before any SIP went over it is an unanswered attempt."""

    def test_refused_syn_and_phone_side_event_are_one_attempt(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        tb.refused(0.0, "primary", after=0.01)
        (a,) = wire.conn_attempts(tb.build(), facts)
        self.assertEqual((a.server, a.start, a.t, a.what), (PRIMARY, 0.0, 0.01, "refused"))
        self.assertEqual(len(a.indexes), 2)

    def test_lost_syns_alone_are_no_attempt_yet(self) -> None:
        # (the run ends before a silent server would be given up: still being tried)
        facts = default_facts(transport=1, duration=6.0)
        tb = TraceBuilder(facts)
        tb.syn_lost(0.0, "primary", fate="down")
        tb.syn_lost(1.0, "primary", fate="down")
        self.assertEqual(wire.conn_attempts(tb.build(), facts), [])
        tb.conn(5.0, "primary", "timeout", transport="tcp", port=5060, phone_port=40002)
        (a,) = wire.conn_attempts(tb.build(), facts)
        self.assertEqual((a.start, a.t, a.what), (0.0, 5.0, "timeout"))

    def test_connection_never_used_fails_at_the_give_up_time(self) -> None:
        """
        A connection that carried no SIP by the time a silent server is given
        up (its SYN lost, the retransmitted one too late) was not established
        in time: an attempt failed then (RTX-1, RTX-2).
        """
        facts = default_facts(transport=1, retry_counts=0, duration=60.0)
        tb = TraceBuilder(facts)
        tb.syn_lost(0.0, "primary", fate="lost")
        tb._add(PacketEvent(1.0, "tcp", (PHONE, 40002), (PRIMARY, 5060), b"",
                            fate="delivered", flags="S"))
        (a,) = wire.conn_attempts(tb.build(), facts)
        self.assertEqual((a.start, a.t, a.what), (0.0, 0.5, "unestablished"))

    def test_connection_that_carried_the_request_is_no_failure(self) -> None:
        facts = default_facts(transport=1, duration=60.0)
        tb = TraceBuilder(facts)
        tb.syn_lost(0.0, "primary", fate="lost", phone_port=5060)
        tb._add(PacketEvent(1.0, "tcp", (PHONE, 5060), (PRIMARY, 5060), b"",
                            fate="delivered", flags="S"))
        r = tb.register("primary", 1.01, transport="tcp")
        tb.respond(r, 200)
        self.assertEqual(wire.conn_attempts(tb.build(), facts), [])

    def test_attempt_takes_the_next_request_and_chains(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        told = tb.refused(0.0, "primary")
        r = tb.register("secondary", told + 0.01, cseq=2, transport="tcp")
        tb.respond(r, 200)
        trace = tb.build()
        att = wire.attempts(trace, facts)
        self.assertEqual([(t.dst, t.on_wire) for t in att], [(PRIMARY, False), (SECONDARY, True)])
        ghost = att[0]
        self.assertEqual((ghost.method, ghost.call_id), ("REGISTER", r.call_id))
        self.assertTrue(ghost.failed)
        self.assertEqual(wire.failed_at(ghost, facts), told)
        self.assertIn("refused", ghost.describe())
        (chain,) = wire.chains(trace, facts)
        self.assertEqual([t.dst for t in chain.txns], [PRIMARY, SECONDARY])
        # the transactions themselves are only what reached the wire
        self.assertEqual([t.dst for t in wire.phone_transactions(trace, facts)], [SECONDARY])

    def test_two_refusals_pass_the_request_along(self) -> None:
        facts = default_facts(transport=1, redundancy_type=1)
        tb = TraceBuilder(facts)
        tb.refused(0.0, "primary")
        tb.refused(0.02, "secondary")
        tb.respond(tb.register("fallback", 0.05, call_id="reg-1", transport="tcp"), 200)
        (chain,) = wire.chains(tb.build(), facts)
        self.assertEqual([t.role for t in chain.txns], ["primary", "secondary", "fallback"])

    def test_refusal_with_nothing_after_is_left_out(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        tb.refused(0.0, "primary")
        tb.respond(tb.register("secondary", 60.0, transport="tcp"), 200)  # far too late
        self.assertEqual([t.on_wire for t in wire.attempts(tb.build(), facts)], [True])

    def test_reset_ends_the_transaction_in_flight(self) -> None:
        facts = default_facts(transport=1)
        tb = TraceBuilder(facts)
        r = tb.register("primary", 0.0, transport="tcp")
        tb.conn(2.0, "primary", "reset", transport="tcp", port=5060, phone_port=5060)
        tb.respond(tb.register("secondary", 2.01, cseq=2, call_id=r.call_id, transport="tcp"),
                   200)
        att = wire.attempts(tb.build(), facts)
        self.assertEqual([t.on_wire for t in att], [True, True])
        self.assertIsNotNone(att[0].conn_failure)
        self.assertEqual(wire.failed_at(att[0], facts), 2.0)
        # without the reset the primary would count as failed only at RTX-1's give-up time
        plain = wire.phone_transactions(tb.build(), facts)[0]
        self.assertEqual(wire.failed_at(plain, facts), 7.5)
