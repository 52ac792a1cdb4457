"""
Tests for L{harness.sip.transaction}: the RFC 3261 section 17 machines and the
phone's retry policy (RTX-1, RTX-2, RTX-3), against L{task.Clock} and a
list-appending fake transport.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from harness.sip.locate import Target
from harness.sip.message import Headers, Request, Response, make_response
from harness.sip.transaction import (
    ClientTransaction,
    RetryPolicy,
    ServerTransaction,
    TransactionFailure,
    TransactionLayer,
    build_ack,
    build_cancel,
    client_key,
    server_key,
)

TARGET = Target("udp", "192.0.2.10", 5060)


def make_request(
    method: str = "REGISTER",
    branch: str = "z9hG4bKaaaa",
    *,
    cseq: int = 1,
    sent_by: str = "192.0.2.1:5060",
) -> Request:
    return Request(
        method,
        "sip:example.test",
        Headers(
            [
                ("Via", f"SIP/2.0/UDP {sent_by};branch={branch}"),
                ("Max-Forwards", "70"),
                ("From", "<sip:alice@example.test>;tag=ftag"),
                ("To", "<sip:alice@example.test>"),
                ("Call-ID", "call-1@192.0.2.1"),
                ("CSeq", f"{cseq} {method}"),
                ("Route", "<sip:proxy.example.test;lr>"),
            ]
        ),
    )


class _Harness:
    """A clock, a fake transport that records what is sent, and one client transaction."""

    def __init__(
        self,
        method: str = "REGISTER",
        policy: RetryPolicy | None = None,
        *,
        reliable: bool = False,
    ) -> None:
        self.clock = Clock()
        self.sent: list[tuple[float, Request | Response]] = []
        self.layer = TransactionLayer(
            clock=self.clock,
            send_request=lambda txn, msg: self.sent.append((self.clock.seconds(), msg)),
            send_response=lambda txn, msg: self.sent.append((self.clock.seconds(), msg)),
        )
        self.txn = self.layer.request(
            make_request(method), TARGET, policy or RetryPolicy(), reliable=reliable
        )
        self.results: list[Response | TransactionFailure] = []
        self.failed_at: float | None = None
        self.txn.final.addCallbacks(self.results.append, self._failed)

    def _failed(self, failure: object) -> None:
        self.failed_at = self.clock.seconds()
        self.results.append(failure.value)  # type: ignore[attr-defined]

    def run(self, seconds: float, step: float = 0.25) -> None:
        """Advance in steps (so every timer fires at its own time), then settle."""
        end = self.clock.seconds() + seconds
        while self.clock.seconds() < end - 1e-9:
            self.clock.advance(min(step, end - self.clock.seconds()))

    def send_times(self, method: str | None = None) -> list[float]:
        method = method or self.txn.request.method
        return [
            t for t, m in self.sent if isinstance(m, Request) and m.method == method
        ]

    def respond(self, status: int, **kw: str) -> Response:
        response = make_response(self.txn.request, status, to_tag="ttag")
        self.layer.receive_response(response)
        return response


def run_to_exhaustion(h: _Harness, limit: float = 200.0) -> None:
    """Run the clock until the transaction fails (or C{limit} seconds)."""
    while not h.results and h.clock.seconds() < limit:
        calls = h.clock.getDelayedCalls()
        if not calls:
            break
        h.clock.advance(max(0.0, min(c.getTime() for c in calls) - h.clock.seconds()))


class RetryPolicyTests(SynchronousTestCase):
    def test_intervals_invite_double(self) -> None:
        p = RetryPolicy()
        self.assertEqual([p.interval(k, True) for k in range(6)], [0.5, 1, 2, 4, 8, 16])

    def test_intervals_non_invite_capped_at_t2(self) -> None:
        p = RetryPolicy()
        self.assertEqual([p.interval(k, False) for k in range(6)], [0.5, 1, 2, 4, 4, 4])

    def test_yealink_reading(self) -> None:
        p = RetryPolicy(retry_counts=3, give_up="last-interval")
        self.assertEqual(p.retransmit_offsets(False), (0.5, 1.5, 3.5))
        self.assertEqual(p.give_up_after(False), 7.5)
        self.assertEqual(p.give_up_after(True), 7.5)

    def test_rejects_negative_counts(self) -> None:
        self.assertRaises(ValueError, RetryPolicy, retry_counts=-1)

    def test_rejects_unknown_give_up(self) -> None:
        self.assertRaises(ValueError, RetryPolicy, give_up="never")  # type: ignore[arg-type]


class ClientTimerTests(SynchronousTestCase):
    """Every UDP timer sequence: values and counts."""

    def assertRun(
        self, method: str, policy: RetryPolicy, sends: list[float], fail_at: float,
        *, reliable: bool = False,
    ) -> None:
        h = _Harness(method, policy, reliable=reliable)
        run_to_exhaustion(h, limit=fail_at + 10)
        self.assertEqual(h.send_times(), sends)
        self.assertEqual(len(h.results), 1)
        failure = h.results[0]
        assert isinstance(failure, TransactionFailure)
        self.assertEqual(failure.reason, "timeout")
        self.assertEqual(failure.target, TARGET)
        self.assertAlmostEqual(h.failed_at or 0.0, fail_at)
        self.assertEqual(h.txn.state, "Terminated")
        self.assertEqual(h.layer.clients, {})
        self.assertEqual(h.clock.getDelayedCalls(), [])

    def test_invite_rfc_timer_a_until_timer_b(self) -> None:
        self.assertRun("INVITE", RetryPolicy(), [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5], 32)

    def test_non_invite_rfc_timer_e_capped_at_t2(self) -> None:
        self.assertRun(
            "REGISTER",
            RetryPolicy(),
            [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5],
            32,
        )

    def test_retry_counts_3_last_interval(self) -> None:
        policy = RetryPolicy(retry_counts=3, give_up="last-interval")
        self.assertRun("REGISTER", policy, [0, 0.5, 1.5, 3.5], 7.5)

    def test_retry_counts_3_last_interval_invite(self) -> None:
        policy = RetryPolicy(retry_counts=3, give_up="last-interval")
        self.assertRun("INVITE", policy, [0, 0.5, 1.5, 3.5], 7.5)

    def test_retry_counts_3_timer_b(self) -> None:
        policy = RetryPolicy(retry_counts=3, give_up="timer-b")
        self.assertRun("INVITE", policy, [0, 0.5, 1.5, 3.5], 32)

    def test_retry_counts_0_last_interval(self) -> None:
        policy = RetryPolicy(retry_counts=0, give_up="last-interval")
        self.assertRun("REGISTER", policy, [0], 0.5)

    def test_retry_counts_0_timer_b(self) -> None:
        policy = RetryPolicy(retry_counts=0, give_up="timer-b")
        self.assertRun("INVITE", policy, [0], 32)

    def test_retry_counts_20_timer_b_bounded_by_timer_b(self) -> None:
        policy = RetryPolicy(retry_counts=20, give_up="timer-b")
        self.assertRun("INVITE", policy, [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5], 32)

    def test_retry_counts_20_timer_b_non_invite(self) -> None:
        policy = RetryPolicy(retry_counts=20, give_up="timer-b")
        sends = [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
        self.assertRun("REGISTER", policy, sends, 32)

    def test_retry_counts_20_last_interval_non_invite(self) -> None:
        policy = RetryPolicy(retry_counts=20, give_up="last-interval")
        sends = [0, 0.5, 1.5, 3.5] + [3.5 + 4 * k for k in range(1, 18)]
        self.assertEqual(len(sends), 21)
        self.assertRun("REGISTER", policy, sends, 75.5)

    def test_retry_counts_20_last_interval_invite_uncapped(self) -> None:
        policy = RetryPolicy(retry_counts=20, give_up="last-interval")
        self.assertEqual(len(policy.retransmit_offsets(True)), 20)
        self.assertEqual(policy.retransmit_offsets(True)[-1], 0.5 * (2**20 - 1))
        self.assertEqual(policy.give_up_after(True), 0.5 * (2**21 - 1))

    def test_custom_t1_t2(self) -> None:
        policy = RetryPolicy(t1=1.0, t2=2.0, retry_counts=4, give_up="last-interval")
        self.assertRun("OPTIONS", policy, [0, 1, 3, 5, 7], 9)

    def test_reliable_no_retransmission_last_interval(self) -> None:
        policy = RetryPolicy(retry_counts=3, give_up="last-interval")
        self.assertRun("REGISTER", policy, [0], 7.5, reliable=True)

    def test_reliable_no_retransmission_invite_timer_b(self) -> None:
        self.assertRun("INVITE", RetryPolicy(), [0], 32, reliable=True)


class ClientResponseTests(SynchronousTestCase):
    def test_provisional_stops_invite_retransmission(self) -> None:
        h = _Harness("INVITE", RetryPolicy(retry_counts=3, give_up="last-interval"))
        seen: list[int] = []
        h.txn.on_provisional = lambda r: seen.append(r.status)
        h.run(0.75)
        h.respond(180)
        h.run(100)
        self.assertEqual(h.send_times(), [0, 0.5])
        self.assertEqual(seen, [180])
        self.assertEqual(h.results, [])
        self.assertEqual(h.txn.state, "Proceeding")
        self.assertEqual(h.clock.getDelayedCalls(), [])

    def test_final_after_provisional(self) -> None:
        h = _Harness("INVITE")
        h.respond(100)
        h.run(60)
        ok = h.respond(200)
        self.assertEqual(h.results, [ok])

    def test_503_delivered_at_once(self) -> None:
        h = _Harness("REGISTER", RetryPolicy(retry_counts=3, give_up="last-interval"))
        h.run(0.6)
        busy = h.respond(503)
        self.assertEqual(h.results, [busy])
        h.run(40)
        self.assertEqual(h.send_times(), [0, 0.5])
        self.assertEqual(h.txn.state, "Terminated")

    def test_non_invite_completed_lingers_timer_k(self) -> None:
        h = _Harness("REGISTER")
        h.respond(200)
        self.assertEqual(h.txn.state, "Completed")
        h.run(4.9)
        self.assertEqual(h.txn.state, "Completed")
        h.run(0.2)
        self.assertEqual(h.txn.state, "Terminated")

    def test_non_invite_reliable_terminates_at_once(self) -> None:
        h = _Harness("REGISTER", reliable=True)
        h.respond(200)
        self.assertEqual(h.txn.state, "Terminated")
        self.assertEqual(h.layer.clients, {})

    def test_non_invite_provisional_retransmits_every_t2(self) -> None:
        h = _Harness("REGISTER", RetryPolicy())
        h.run(0.25)
        h.respond(100)
        h.run(40)
        self.assertEqual(h.send_times(), [0, 4.25, 8.25, 12.25, 16.25, 20.25, 24.25, 28.25])
        failure = h.results[0]
        assert isinstance(failure, TransactionFailure)
        self.assertEqual((failure.reason, h.failed_at), ("timeout", 32))

    def test_invite_non_2xx_is_acked_by_transaction(self) -> None:
        h = _Harness("INVITE")
        busy = h.respond(486)
        self.assertEqual(h.results, [busy])
        acks = [m for _, m in h.sent if isinstance(m, Request) and m.method == "ACK"]
        self.assertEqual(len(acks), 1)
        ack = acks[0]
        self.assertEqual(ack.top_via.branch, h.txn.request.top_via.branch)
        self.assertEqual(ack.to.tag, "ttag")
        self.assertEqual((ack.cseq.seq, ack.cseq.method), (1, "ACK"))
        self.assertEqual(ack.headers.get_all("Route"), h.txn.request.headers.get_all("Route"))
        h.layer.receive_response(busy)  # retransmitted 486: ACK again, TU not told again
        self.assertEqual(len(h.send_times("ACK")), 2)
        self.assertEqual(len(h.results), 1)
        h.run(31.9)
        self.assertEqual(h.txn.state, "Completed")
        h.run(0.2)
        self.assertEqual(h.txn.state, "Terminated")

    def test_invite_2xx_not_acked_retransmissions_to_dialog(self) -> None:
        h = _Harness("INVITE")
        again: list[Response] = []
        h.txn.on_final_retransmission = again.append
        ok = h.respond(200)
        self.assertEqual(h.results, [ok])
        self.assertEqual(h.send_times("ACK"), [])
        h.layer.receive_response(ok)
        self.assertEqual(again, [ok])
        self.assertEqual(h.txn.state, "Accepted")
        h.run(32.1)
        self.assertEqual(h.txn.state, "Terminated")

    def test_transport_error_ends_at_once(self) -> None:
        h = _Harness("REGISTER", RetryPolicy(retry_counts=3))
        h.run(0.6)
        h.txn.transport_error(TransactionFailure(TARGET, "refused", "RST"))
        failure = h.results[0]
        assert isinstance(failure, TransactionFailure)
        self.assertEqual((failure.reason, failure.detail, h.failed_at), ("refused", "RST", 0.6))
        h.run(40)
        self.assertEqual(h.send_times(), [0, 0.5])
        self.assertEqual(h.clock.getDelayedCalls(), [])

    def test_unmatched_response_is_stray(self) -> None:
        h = _Harness("REGISTER")
        strays: list[Response] = []
        h.layer.on_stray_response = strays.append
        other = make_response(make_request("REGISTER", "z9hG4bKother"), 200)
        wrong_method = make_response(make_request("OPTIONS"), 200)
        self.assertFalse(h.layer.receive_response(other))
        self.assertFalse(h.layer.receive_response(wrong_method))
        self.assertEqual(strays, [other, wrong_method])
        self.assertEqual(h.results, [])

    def test_abort_fails_awaited_transactions(self) -> None:
        h = _Harness("INVITE")
        h.layer.close()
        failure = h.results[0]
        assert isinstance(failure, TransactionFailure)
        self.assertEqual(failure.reason, "error")
        self.assertEqual(h.clock.getDelayedCalls(), [])

    def test_duplicate_branch_rejected(self) -> None:
        h = _Harness("REGISTER")
        self.assertRaises(
            ValueError, h.layer.request, make_request(), TARGET, RetryPolicy(), reliable=False
        )

    def test_failure_message_names_target(self) -> None:
        text = str(TransactionFailure(TARGET, "tls", "bad cert"))
        self.assertEqual(text, "tls at udp:192.0.2.10:5060: bad cert")


class CancelClientTests(SynchronousTestCase):
    def test_cancel_waits_for_provisional(self) -> None:
        h = _Harness("INVITE")
        self.assertIsNone(h.txn.cancel())
        self.assertEqual(h.send_times("CANCEL"), [])
        h.run(1)
        h.respond(180)
        self.assertEqual(h.send_times("CANCEL"), [1])
        assert h.txn.cancel_transaction is not None
        self.assertEqual(h.txn.cancel_transaction.request.method, "CANCEL")

    def test_cancel_after_provisional(self) -> None:
        h = _Harness("INVITE")
        h.respond(180)
        cancel = h.txn.cancel()
        assert cancel is not None
        self.assertEqual(cancel.request.top_via.branch, h.txn.request.top_via.branch)
        self.assertEqual(client_key(cancel.request)[1], "CANCEL")
        self.assertIn(client_key(cancel.request), h.layer.clients)
        self.assertIsNone(h.txn.cancel() and None)  # a second cancel sends nothing new
        self.assertEqual(len(h.send_times("CANCEL")), 1)
        # the CANCEL is answered, then the INVITE gets 487 and is ACKed
        h.layer.receive_response(make_response(cancel.request, 200))
        terminated = h.respond(487)
        self.assertEqual(h.results, [terminated])
        self.assertEqual(len(h.send_times("ACK")), 1)

    def test_cancel_unanswered_ends_after_64_t1(self) -> None:
        h = _Harness("INVITE")
        h.respond(180)
        h.txn.cancel()
        h.run(33)
        failure = h.results[0]
        assert isinstance(failure, TransactionFailure)
        self.assertEqual((failure.reason, h.failed_at), ("timeout", 32))

    def test_cancel_non_invite_refused(self) -> None:
        h = _Harness("REGISTER")
        self.assertRaises(ValueError, h.txn.cancel)

    def test_build_cancel_and_ack(self) -> None:
        invite = make_request("INVITE")
        cancel = build_cancel(invite)
        self.assertEqual(cancel.uri, invite.uri)
        self.assertEqual(cancel.headers.get("To"), invite.headers.get("To"))
        self.assertEqual(str(cancel.cseq), "1 CANCEL")
        ack = build_ack(invite, make_response(invite, 404, to_tag="x"))
        self.assertEqual(ack.to.tag, "x")
        self.assertEqual(len(ack.vias), 1)


class _ServerHarness:
    def __init__(self, *, reliable: bool = False) -> None:
        self.clock = Clock()
        self.sent: list[tuple[float, Response]] = []
        self.txns: list[ServerTransaction] = []
        self.layer = TransactionLayer(
            clock=self.clock,
            send_request=lambda txn, msg: None,
            send_response=lambda txn, msg: self.sent.append((self.clock.seconds(), msg)),
            on_request=self.txns.append,
        )
        self.reliable = reliable

    def receive(self, request: Request) -> ServerTransaction | None:
        return self.layer.receive_request(
            request, ("udp", "192.0.2.1", 5060), reliable=self.reliable
        )

    def run(self, seconds: float, step: float = 0.25) -> None:
        end = self.clock.seconds() + seconds
        while self.clock.seconds() < end - 1e-9:
            self.clock.advance(min(step, end - self.clock.seconds()))

    def statuses(self) -> list[int]:
        return [r.status for _, r in self.sent]


class ServerTransactionTests(SynchronousTestCase):
    def test_absorbs_retransmissions_and_resends_last_response(self) -> None:
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        s.receive(request)  # before any response: absorbed silently
        self.assertEqual(len(s.txns), 1)
        self.assertEqual(s.sent, [])
        s.txns[0].respond(make_response(request, 100))
        s.receive(request)
        self.assertEqual(s.statuses(), [100, 100])
        s.txns[0].respond(make_response(request, 200))
        s.receive(request)
        self.assertEqual(s.statuses(), [100, 100, 200, 200])
        self.assertEqual(len(s.txns), 1)

    def test_timer_j(self) -> None:
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        s.txns[0].respond(make_response(request, 200))
        s.run(31.9)
        self.assertEqual(s.txns[0].state, "Completed")
        s.run(0.2)
        self.assertEqual(s.txns[0].state, "Terminated")
        s.receive(request)  # a late retransmission is a new transaction
        self.assertEqual(len(s.txns), 2)

    def test_timer_j_queue(self) -> None:
        """
        Completed UDP transactions are records in the layer's queue: one
        timer, each record dropped at its own deadline, retransmissions
        answered from the record even when nobody holds the transaction.
        """
        s = _ServerHarness()
        first, second = make_request("REGISTER", "z9hG4bK1"), make_request("OPTIONS", "z9hG4bK2")
        s.receive(first)
        s.txns.pop().respond(make_response(first, 200))
        s.run(10)
        s.receive(second)
        s.txns.pop().respond(make_response(second, 404))
        self.assertEqual(s.layer.servers, {})
        self.assertEqual(len(s.layer.completed), 2)
        self.assertEqual(len(s.clock.getDelayedCalls()), 1)
        s.receive(first)
        s.receive(second)
        self.assertEqual(s.statuses(), [200, 404, 200, 404])
        s.run(22.1)  # 32.1 s after the first final: its record is gone
        self.assertEqual(len(s.layer.completed), 1)
        s.receive(second)
        s.receive(first)  # a new transaction now
        self.assertEqual(s.statuses(), [200, 404, 200, 404, 404])
        self.assertEqual(len(s.txns), 1)
        s.txns.pop().respond(make_response(first, 200))
        s.run(60)
        self.assertEqual(s.layer.completed, {})
        self.assertEqual(s.clock.getDelayedCalls(), [])

    def _completed_run(self, *, drive_machine: bool, hold: bool) -> list[object]:
        """
        One UDP REGISTER answered 200 at once, its request retransmitted
        before and after Timer J; what the world saw, in order.
        C{drive_machine}: the machine is built before the answer (so the
        Trying -> Completed transition runs through Automat), as opposed to
        the shortcut in L{ServerTransaction.respond}.
        """
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        txn = s.txns.pop()
        seen: list[object] = []
        if drive_machine:
            seen.append(txn.state)  # builds the machine: Trying
        else:
            seen.append("Trying")
        txn.respond(make_response(request, 200))
        self.assertEqual(txn._built is None, not drive_machine)
        held = txn if hold else None
        del txn
        for step in (1.0, 0.5, 4.0, 26.4, 0.2):
            s.receive(request)
            s.run(step)
            seen.append((s.clock.seconds(), s.statuses(), len(s.layer.completed),
                         len(s.clock.getDelayedCalls()), len(s.txns)))
            if held is not None:
                seen.append(held.state)
        s.receive(request)  # after Timer J: a new transaction
        seen.append((s.statuses(), len(s.txns), [t.state for t in s.txns]))
        seen.append([t for t, _ in s.sent])
        return seen

    def test_completed_shortcut_is_the_machine_transition(self) -> None:
        """
        A UDP non-INVITE answered at once goes Trying -> Completed without
        its machine (the shortcut in respond): the same responses at the
        same times, the same retransmissions absorbed, the same Timer J, the
        same states seen by a caller holding the transaction -- whose
        machine, built late, is in Completed and then Terminated as it would
        have been.
        """
        for hold in (False, True):
            self.assertEqual(
                self._completed_run(drive_machine=False, hold=hold),
                self._completed_run(drive_machine=True, hold=hold),
            )
        shortcut = self._completed_run(drive_machine=False, hold=True)
        self.assertIn("Completed", shortcut)
        self.assertEqual(shortcut[-3], "Terminated")

    def test_completed_shortcut_then_abort_and_second_final(self) -> None:
        s = _ServerHarness()
        request = make_request("OPTIONS")
        s.receive(request)
        txn = s.txns[0]
        txn.respond(make_response(request, 404))
        self.assertIsNone(txn._built)
        self.assertRaises(ValueError, txn.respond, make_response(request, 200))
        self.assertEqual(txn.state, "Completed")
        s.receive(request)
        self.assertEqual(s.statuses(), [404, 404])
        txn.abort()
        self.assertEqual(txn.state, "Terminated")
        self.assertEqual(s.statuses(), [404, 404])

    def _reliable_run(self, *, drive_machine: bool, status: int) -> list[object]:
        """
        One TCP non-INVITE answered at once: what the world and a caller
        holding the transaction saw, in order.  C{drive_machine}: the machine
        is built before the answer, as opposed to the reliable shortcut in
        L{ServerTransaction.respond}.
        """
        s = _ServerHarness(reliable=True)
        request = make_request("OPTIONS")
        s.receive(request)
        txn = s.txns.pop()
        seen: list[object] = [txn.state if drive_machine else "Trying"]
        txn.respond(make_response(request, status))
        self.assertEqual(txn._built is None, not drive_machine)
        seen.append((txn.terminated, s.statuses(), dict(s.layer.servers), s.layer.completed))
        seen.append(txn.state)
        txn.request_again()
        txn.abort()
        seen.append((txn.state, s.statuses(), s.clock.getDelayedCalls()))
        self.assertRaises(ValueError, txn.respond, make_response(request, 200))
        s.receive(request)  # a new transaction: the first one has ended
        seen.append((len(s.txns), s.statuses()))
        return seen

    def test_reliable_shortcut_is_the_machine_transition(self) -> None:
        """
        Over TCP a non-INVITE answered at once goes Trying -> Completed ->
        Terminated (Timer J is zero) without its machine: the same response
        sent once, the transaction ended and forgotten by the layer at once,
        and a machine built late is in Terminated.
        """
        for status in (200, 404):
            shortcut = self._reliable_run(drive_machine=False, status=status)
            self.assertEqual(shortcut, self._reliable_run(drive_machine=True, status=status))
            self.assertEqual(shortcut[1], (True, [status], {}, {}))
            self.assertEqual(shortcut[2], "Terminated")

    def test_reliable_provisional_then_final_uses_the_machine(self) -> None:
        s = _ServerHarness(reliable=True)
        request = make_request("OPTIONS")
        s.receive(request)
        txn = s.txns[0]
        txn.respond(make_response(request, 100))
        txn.respond(make_response(request, 200))
        self.assertIsNotNone(txn._built)
        self.assertEqual((txn.state, s.statuses(), s.layer.servers), ("Terminated", [100, 200], {}))

    def test_resend_completed_only_while_current(self) -> None:
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        txn = s.txns.pop()
        txn.respond(make_response(request, 200))
        record = txn.completed_record
        assert record is not None
        self.assertIs(s.layer.completed[txn.key], record)
        self.assertTrue(s.layer.resend_completed(record))
        self.assertEqual(s.statuses(), [200, 200])
        s.run(32.5)  # Timer J
        self.assertFalse(s.layer.resend_completed(record))
        self.assertEqual(s.statuses(), [200, 200])

    def test_completed_record_none_without_the_shortcut(self) -> None:
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        txn = s.txns.pop()
        txn.respond(make_response(request, 100))
        txn.respond(make_response(request, 200))
        self.assertIsNone(txn.completed_record)

    def test_completed_record_keeps_a_lean_copy(self) -> None:
        """
        The Timer J record re-sends the final as sent (equal, same wire
        bytes, same top Via for the address) while holding none of the
        parsed values the original shares with its request; the original,
        which the TU or a trace may hold, keeps them.
        """
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        final = make_response(request, 200)
        wire = final.to_bytes()
        s.txns[0].respond(final)
        s.receive(request)
        again = s.sent[-1][1]
        record = next(iter(s.layer.completed.values()))
        self.assertIs(record.response, again)
        self.assertEqual(set(vars(again)), {"status", "reason", "headers", "body", "_wire"})
        self.assertIsNot(again, final)
        self.assertEqual(again, final)
        self.assertIs(again.to_bytes(), wire)
        self.assertEqual(again.top_via, final.top_via)
        self.assertIn("vias", vars(final))

    def test_close_ends_completed_records(self) -> None:
        s = _ServerHarness()
        request = make_request("REGISTER")
        s.receive(request)
        s.txns[0].respond(make_response(request, 200))
        s.layer.close()
        self.assertEqual(s.txns[0].state, "Terminated")
        self.assertEqual(s.layer.completed, {})
        self.assertEqual(s.clock.getDelayedCalls(), [])

    def test_reliable_terminates_at_once(self) -> None:
        s = _ServerHarness(reliable=True)
        request = make_request("REGISTER")
        s.receive(request)
        s.txns[0].respond(make_response(request, 200))
        self.assertEqual(s.txns[0].state, "Terminated")
        self.assertEqual(s.layer.servers, {})

    def test_second_final_is_an_error(self) -> None:
        s = _ServerHarness()
        request = make_request("OPTIONS")
        s.receive(request)
        s.txns[0].respond(make_response(request, 200))
        self.assertRaises(ValueError, s.txns[0].respond, make_response(request, 500))

    def test_invite_timer_g_and_h(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE")
        s.receive(invite)
        txn = s.txns[0]
        txn.respond(make_response(invite, 486, to_tag="t"))
        s.run(40)
        times = [t for t, _ in s.sent]
        self.assertEqual(times, [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5])
        self.assertTrue(txn.ack_timeout)
        self.assertEqual(txn.state, "Terminated")

    def test_invite_ack_stops_timer_g_then_timer_i(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE")
        s.receive(invite)
        txn = s.txns[0]
        busy = make_response(invite, 486, to_tag="t")
        txn.respond(busy)
        s.run(0.75)
        s.receive(build_ack(invite, busy))
        self.assertEqual(txn.state, "Confirmed")
        s.receive(build_ack(invite, busy))  # absorbed
        s.run(10)
        self.assertEqual(len(s.sent), 2)
        self.assertEqual(txn.state, "Terminated")
        self.assertFalse(txn.ack_timeout)
        self.assertEqual(len(s.txns), 1)  # the ACKs never reached the TU

    def test_invite_2xx_accepted_resends_on_retransmission(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE")
        s.receive(invite)
        s.txns[0].respond(make_response(invite, 200, to_tag="t"))
        s.receive(invite)
        self.assertEqual(s.statuses(), [200, 200])
        self.assertEqual(s.txns[0].state, "Accepted")
        s.run(32.1)
        self.assertEqual(s.txns[0].state, "Terminated")

    def test_ack_for_2xx_goes_to_tu(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE")
        s.receive(invite)
        ok = make_response(invite, 200, to_tag="t")
        s.txns[0].respond(ok)
        ack = build_ack(invite, ok).with_headers(
            build_ack(invite, ok).headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack")
        )
        s.receive(ack)
        self.assertEqual([t.request.method for t in s.txns], ["INVITE", "ACK"])
        self.assertRaises(ValueError, s.txns[1].respond, ok)

    def test_cancel_answers_200_and_tells_tu(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE")
        s.receive(invite)
        cancels: list[Request] = []
        s.txns[0].on_cancel = cancels.append
        s.receive(build_cancel(invite))
        self.assertEqual(s.statuses(), [200])
        self.assertEqual(s.sent[0][1].cseq.method, "CANCEL")
        self.assertEqual(len(cancels), 1)
        self.assertEqual(len(s.txns), 1)  # the CANCEL is not the TU's business

    def test_cancel_default_487(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE")
        s.receive(invite)
        s.txns[0].respond(make_response(invite, 180, to_tag="early"))
        s.receive(build_cancel(invite))
        self.assertEqual(s.statuses(), [180, 200, 487])
        self.assertEqual(s.sent[-1][1].to.tag, "early")

    def test_cancel_without_invite_481(self) -> None:
        s = _ServerHarness()
        s.receive(build_cancel(make_request("INVITE")))
        self.assertEqual(s.statuses(), [481])

    def test_rfc2543_matching_without_cookie(self) -> None:
        s = _ServerHarness()
        invite = make_request("INVITE", branch="oldpeer1")
        s.receive(invite)
        s.receive(invite)
        self.assertEqual(len(s.txns), 1)
        busy = make_response(invite, 486, to_tag="t")
        s.txns[0].respond(busy)
        s.receive(build_ack(invite, busy))
        self.assertEqual(s.txns[0].state, "Confirmed")

    def test_server_key_distinguishes_sent_by_and_method(self) -> None:
        a = make_request("INVITE", sent_by="192.0.2.1:5060")
        b = make_request("INVITE", sent_by="192.0.2.2:5060")
        self.assertNotEqual(server_key(a), server_key(b))
        self.assertEqual(server_key(a), server_key(build_ack(a, make_response(a, 486))))
        self.assertNotEqual(server_key(a), server_key(build_cancel(a)))


class ClientTransactionStandaloneTests(SynchronousTestCase):
    def test_usable_without_layer(self) -> None:
        clock = Clock()
        sent: list[Request] = []
        txn = ClientTransaction(
            clock, make_request("OPTIONS"), TARGET, RetryPolicy(retry_counts=0,
                                                               give_up="last-interval"),
            reliable=False, send=lambda t, m: sent.append(m),
        )
        txn.start()
        clock.advance(0.5)
        self.assertEqual(len(sent), 1)
        self.failureResultOf(txn.final, TransactionFailure)
