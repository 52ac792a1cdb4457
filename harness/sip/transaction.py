# -*- test-case-name: tests.sip.test_transaction -*-
"""
RFC 3261 section 17 transactions as Automat state machines, on any IReactorTime.

Why Automat machines whose states carry their data (the shape of Twisted's
C{application/_client_service.py}): every timer belongs to the state that
starts it (Timer A/B live in I{Calling}, Timer D in I{Completed}, ...), so
leaving a state is the one place a timer is cancelled and a timer can never
fire into a state that does not expect it.

The phone's retry rule (RTX-1, RTX-2) sits on top of RFC 3261 in
L{RetryPolicy}: C{retry_counts} N means the original request and N
retransmissions, then "no response"; when that is declared is the profile's
C{give_up} reading.  Transport errors end a client transaction at once (RTX-2);
a 503 is an ordinary final response for the TU to judge (RTX-3).

Decisions the RFC leaves open, documented here once:

  - INVITE client, I{Proceeding}: RFC 3261 runs no timer there (Timer C is a
    proxy timer).  Neither do we: a server that sends 180 and never a final
    keeps the transaction open until the TU calls L{ClientTransaction.cancel}
    (after which RFC 3261 9.1's 64*T1 bound applies: no final within 64*T1 of
    the CANCEL ends the transaction with reason C{"timeout"}) or the endpoint
    is closed.
  - 2xx to INVITE: the client transaction moves to I{Accepted} (RFC 6026) for
    Timer M = 64*T1; retransmitted 2xx go to
    L{ClientTransaction.on_final_retransmission} so the dialog layer can
    re-send its ACK.  The server transaction likewise stays in I{Accepted}
    for Timer L = 64*T1 and, unlike RFC 6026, re-sends the 2xx when the INVITE
    is retransmitted (this spares the fake servers a 2xx retransmission loop
    of their own and is harmless: the phone's UAS core would have done it).
  - C{give_up="last-interval"} is taken literally, without a Timer B bound:
    with C{retry_counts=20} an unanswered non-INVITE is sent 21 times (the
    last at 71.5 s with T1=0.5, T2=4) and fails at 75.5 s.  INVITE intervals
    double without a cap (RFC Timer A), so large counts mean long waits.
  - Reliable transports: one send, the same give-up time as over UDP (RTX-2).
"""

from __future__ import annotations

import functools
import math
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from automat import TypeMachineBuilder
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from harness._automat import indexed as _indexed
from harness.sip.message import Headers, ParseError, Request, Response, lean_copy

if TYPE_CHECKING:
    from harness.sip.locate import Target

MAGIC_COOKIE = "z9hG4bK"

FailureReason = Literal["timeout", "refused", "reset", "tls", "unreachable", "error"]
GiveUp = Literal["last-interval", "timer-b"]

#: (transport, host, port) a request came from
Source = tuple[str, str, int]


# --- policy -------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """
    RFC 3261 timer values plus the phone's retry rule.

    @ivar retry_counts: C{None}: plain RFC 3261 (retransmit until Timer B/F);
        N: the original and at most N retransmissions (RTX-1); 0: one send.
    @ivar give_up: when an unanswered transaction fails with reason
        C{"timeout"}: C{"last-interval"}, once the interval that follows the
        last retransmission has passed (T1=0.5, N=3: sends at 0, 0.5, 1.5,
        3.5, failure at 7.5); C{"timer-b"}, at Timer B/F = 64*T1.  Ignored
        when C{retry_counts} is None (always 64*T1).
    """

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0
    retry_counts: int | None = None
    give_up: GiveUp = "timer-b"

    def __post_init__(self) -> None:
        if self.retry_counts is not None and self.retry_counts < 0:
            raise ValueError(f"retry_counts must be >= 0, not {self.retry_counts}")
        if self.give_up not in ("last-interval", "timer-b"):
            raise ValueError(f"give_up must be 'last-interval' or 'timer-b': {self.give_up!r}")
        if not (self.t1 > 0 and self.t2 > 0 and self.t4 >= 0):
            raise ValueError("T1 and T2 must be > 0, T4 >= 0")

    @property
    def timer_b(self) -> float:
        """Timer B / F / H / J / L / M: 64*T1."""
        return 64 * self.t1

    def interval(self, k: int, invite: bool) -> float:
        """The k-th (0-based) Timer A/E interval: T1*2^k, capped at T2 for non-INVITE."""
        value = self.t1 * math.ldexp(1.0, min(k, 60))
        return value if invite else min(value, self.t2)

    def retransmit_offsets(self, invite: bool) -> tuple[float, ...]:
        """
        Seconds after the first send at which a UDP client retransmits, in order.
        Kept per (policy, invite): every client transaction asks, of a few
        equal policies.
        """
        return _retransmit_offsets(self, invite)

    def give_up_after(self, invite: bool) -> float:
        """Seconds after the first send at which an unanswered client transaction fails."""
        return _give_up_after(self, invite)


@functools.lru_cache(maxsize=256)
def _retransmit_offsets(policy: RetryPolicy, invite: bool) -> tuple[float, ...]:
    offsets: list[float] = []
    at = 0.0
    k = 0
    limit = policy.retry_counts
    bound = policy.timer_b if (limit is None or policy.give_up == "timer-b") else math.inf
    while limit is None or len(offsets) < limit:
        at += policy.interval(k, invite)
        k += 1
        if at >= bound:
            break
        offsets.append(at)
    return tuple(offsets)


@functools.lru_cache(maxsize=256)
def _give_up_after(policy: RetryPolicy, invite: bool) -> float:
    if policy.retry_counts is None or policy.give_up == "timer-b":
        return policy.timer_b
    return sum(policy.interval(k, invite) for k in range(policy.retry_counts + 1))


#: the RFC 3261 defaults, one shared value: a policy is frozen, and building one
#: (its checks) cost ~2.5 us of each endpoint and call server a world builds
DEFAULT_POLICY = RetryPolicy()


class TransactionFailure(Exception):
    """
    A client transaction ended without a final response.

    @ivar target: where the request was sent.
    @ivar reason: C{"timeout"} (no answer within the policy), C{"refused"}
        (connection refused), C{"reset"} (connection lost while waiting),
        C{"tls"} (handshake or certificate verification failed, TLS-1),
        C{"unreachable"}, C{"error"} (anything else, e.g. endpoint closed).
    @ivar detail: a human-readable why.
    """

    def __init__(self, target: Target, reason: FailureReason, detail: str = "") -> None:
        super().__init__(target, reason, detail)
        self.target = target
        self.reason: FailureReason = reason
        self.detail = detail

    def __str__(self) -> str:
        t = self.target
        where = f"{getattr(t, 'transport', '?')}:{getattr(t, 'host', t)}:{getattr(t, 'port', '?')}"
        return f"{self.reason} at {where}" + (f": {self.detail}" if self.detail else "")


# --- matching ------------------------------------------------------------------------


def client_key(message: Request | Response) -> tuple[str, str]:
    """
    RFC 3261 17.1.3: a response matches the client transaction whose request
    had the same top Via branch and the same CSeq method.
    """
    return (message.top_via.branch or "", message.cseq.method)


def server_key(request: Request) -> tuple[object, ...]:
    """
    RFC 3261 17.2.3: branch (with the magic cookie), sent-by and method, ACK
    matching INVITE.  Without the cookie (an RFC 2543 peer): Call-ID, From tag,
    CSeq number, top Via and Request-URI (the To tag is left out so the ACK
    for a non-2xx matches its INVITE).  CANCEL has keys of its own; see
    L{cancel_target_key} for the INVITE it cancels.
    """
    method = "INVITE" if request.method == "ACK" else request.method
    via = request.top_via
    params = via.params
    if params and params[0][0] == "branch":
        branch = params[0][1] or ""  # = via.branch, without its three calls (per request)
    else:
        branch = via.branch or ""
    if branch.startswith(MAGIC_COOKIE):
        return ("3261", branch, via.sent_by.lower(), method)
    return _rfc2543_key(request, method)


def cancel_target_key(cancel: Request) -> tuple[object, ...]:
    """The L{server_key} of the INVITE a CANCEL refers to (RFC 3261 9.2)."""
    via = cancel.top_via
    branch = via.branch or ""
    if branch.startswith(MAGIC_COOKIE):
        return ("3261", branch, via.sent_by.lower(), "INVITE")
    return _rfc2543_key(cancel, "INVITE")


def _rfc2543_key(request: Request, method: str) -> tuple[object, ...]:
    via = request.top_via
    plain_via = (via.transport, via.sent_by.lower(), via.branch)
    return (
        "2543",
        request.call_id,
        request.from_.tag,
        request.cseq.seq,
        plain_via,
        request.uri,
        method,
    )


def _copy(request: Request, names: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name in names:
        pairs.extend((name, v) for v in request.headers.get_all(name))
    return pairs


def build_ack(request: Request, response: Response) -> Request:
    """
    The ACK for a non-2xx final response (RFC 3261 17.1.1.3): same
    Request-URI, top Via, Call-ID, From, CSeq number and Route set; To from
    the response (with its tag).
    """
    pairs: list[tuple[str, str]] = [("Via", request.headers.get_all("Via")[0])]
    pairs.append(("Max-Forwards", "70"))
    pairs.extend(_copy(request, ("From",)))
    pairs.append(("To", response.headers.get("To") or request.headers.get("To") or ""))
    pairs.extend(_copy(request, ("Call-ID",)))
    pairs.append(("CSeq", f"{request.cseq.seq} ACK"))
    pairs.extend(_copy(request, ("Route",)))
    return Request("ACK", request.uri, Headers(pairs))


def build_cancel(request: Request) -> Request:
    """The CANCEL for an INVITE (RFC 3261 9.1): same top Via branch, To, From, Call-ID, Route."""
    pairs: list[tuple[str, str]] = [("Via", request.headers.get_all("Via")[0])]
    pairs.append(("Max-Forwards", "70"))
    pairs.extend(_copy(request, ("From", "To", "Call-ID")))
    pairs.append(("CSeq", f"{request.cseq.seq} CANCEL"))
    pairs.extend(_copy(request, ("Route",)))
    return Request("CANCEL", request.uri, Headers(pairs))


# --- client transactions -------------------------------------------------------------


class _ClientInputs(Protocol):
    """What can happen to a client transaction (the machine's inputs)."""

    def start(self) -> None:
        "The TU hands the request over: first send."

    def provisional(self, response: Response) -> None:
        "A 1xx arrived."

    def success(self, response: Response) -> None:
        "A 2xx arrived."

    def failure_response(self, response: Response) -> None:
        "A 300-699 arrived."

    def retransmit_due(self) -> None:
        "Timer A/E fired."

    def give_up(self) -> None:
        "Timer B/F (or the policy's give-up, or 64*T1 after CANCEL) fired."

    def transport_error(self, failure: TransactionFailure) -> None:
        "The transport could not carry the request (refused, reset, TLS)."

    def linger_done(self) -> None:
        "Timer D/K/M fired: stop absorbing retransmissions."

    def cancel(self) -> None:
        "The TU wants the INVITE cancelled."

    def abort(self) -> None:
        "The endpoint is closing."


@dataclass(eq=False)
class _ClientCore:
    """What a client transaction keeps for its whole life (shared by all states)."""

    txn: ClientTransaction
    clock: IReactorTime
    policy: RetryPolicy
    reliable: bool
    send: Callable[[ClientTransaction, Request], None]
    on_terminated: Callable[[ClientTransaction], None]
    start_cancel: Callable[[ClientTransaction], None] | None
    invite: bool
    offsets: tuple[float, ...] = ()
    started: float = 0.0
    deadline: float = 0.0
    sends: int = 0
    cancel_sent: bool = False
    cancel_pending: bool = False

    def transmit(self) -> None:
        self.sends += 1
        self.txn.sends.append(self.clock.seconds())
        self.send(self.txn, self.txn.request)

    def next_retransmit(self, machine: _ClientInputs) -> IDelayedCall | None:
        """Schedule the next retransmission from the precomputed offsets, if any."""
        if self.reliable:
            return None
        index = self.sends - 1
        if index >= len(self.offsets):
            return None
        delay = self.started + self.offsets[index] - self.clock.seconds()
        return self.clock.callLater(max(0.0, delay), machine.retransmit_due)

    def deliver(self, response: Response) -> None:
        self.txn.final_response = response
        d = self.txn.final
        if not d.called:
            d.callback(response)

    def fail(self, failure: TransactionFailure, *, only_if_awaited: bool = False) -> None:
        self.txn.failure = failure
        d = self.txn.final
        if d.called:
            return
        if only_if_awaited:
            # Closing: whoever waits hears of it, but a failure nobody
            # handles is dropped rather than logged as an unhandled error.
            d.addErrback(lambda _: None)
        d.errback(failure)

    def provisional_to_tu(self, response: Response) -> None:
        callback = self.txn.on_provisional
        if callback is not None:
            callback(response)

    def send_cancel(self) -> None:
        if not self.cancel_sent and self.start_cancel is not None:
            self.cancel_sent = True
            self.start_cancel(self.txn)

    def terminate(self) -> None:
        txn = self.txn
        txn.terminated = True
        self.on_terminated(txn)
        _release(self)


@dataclass(eq=False)
class _Timers:
    """
    A state's own timers (its data): Calling/Trying hold the retransmit
    (A/E) and give-up (B/F) timers, INVITE Proceeding the 64*T1 timer after a
    CANCEL (as C{give_up}), Completed/Accepted/Confirmed their D/K/M/I/J/L
    timer (C{linger}), the INVITE server's Completed G and H.  Leaving the
    state stops them all.
    """

    retransmit: IDelayedCall | None = None
    give_up: IDelayedCall | None = None
    linger: IDelayedCall | None = None

    def stop(self) -> None:
        for timer in (self.retransmit, self.give_up, self.linger):
            if timer is not None and timer.active():
                timer.cancel()
        self.retransmit = self.give_up = self.linger = None





def _release(core: _ClientCore | _ServerCore) -> None:
    """
    Drop a terminated transaction's core -> transaction link.

    Why: transaction -> machine -> core -> transaction is a reference cycle,
    so a finished transaction was garbage only the cyclic collector could
    free (15 objects each).  A server under load keeps tens of thousands of
    UDP transactions alive for Timer J (32 s), so they reached the oldest
    generation before dying, and full collections of that heap stalled the
    process for up to 0.8 s.  Without the cycle, reference counting frees a
    transaction as soon as the layer forgets it.  Nothing reads the core's
    C{txn} after Terminated: every input there is a no-op.
    """
    core.txn = None  # type: ignore[assignment]


def _linger(clock: IReactorTime, machine: _ClientInputs | _ServerInputs, seconds: float) -> (
    _Timers
):
    if seconds <= 0:
        # Reliable transport: Timer D/K/I/J are zero.  A reentrant input is
        # postponed by Automat until this transition has finished.
        machine.linger_done()
        return _Timers()
    return _Timers(linger=clock.callLater(seconds, machine.linger_done))


def _build_client_machine(invite: bool) -> Callable[[_ClientCore], _ClientInputs]:
    b = TypeMachineBuilder(_ClientInputs, _ClientCore)
    I = _ClientInputs  # noqa: E741

    def first_send(c: _ClientInputs, s: _ClientCore) -> _Timers:
        s.started = s.clock.seconds()
        s.offsets = () if s.reliable else s.policy.retransmit_offsets(s.invite)
        s.deadline = s.started + s.policy.give_up_after(s.invite)
        # A transport error raised synchronously by this send is an input
        # Automat postpones until we are in Calling/Trying, which handles it.
        s.transmit()
        return _Timers(
            retransmit=s.next_retransmit(c),
            give_up=s.clock.callLater(s.deadline - s.started, c.give_up),
        )

    def proceeding_nonin(c: _ClientInputs, s: _ClientCore, response: Response) -> (
        _Timers
    ):
        # RFC 3261 17.1.2.2: in Proceeding, Timer E fires every T2; Timer F keeps running.
        now = s.clock.seconds()
        retransmit = None
        budget = s.policy.retry_counts
        if not s.reliable and (budget is None or s.sends - 1 < budget):
            if now + s.policy.t2 < s.deadline:
                retransmit = s.clock.callLater(s.policy.t2, c.retransmit_due)
        return _Timers(
            retransmit=retransmit,
            give_up=s.clock.callLater(max(0.0, s.deadline - now), c.give_up),
        )

    def proceeding_invite(c: _ClientInputs, s: _ClientCore, response: Response) -> _Timers:
        return _Timers()

    def completed(c: _ClientInputs, s: _ClientCore, response: Response) -> _Timers:
        if s.invite:
            return _linger(s.clock, c, 0.0 if s.reliable else 32.0)  # Timer D
        return _linger(s.clock, c, 0.0 if s.reliable else s.policy.t4)  # Timer K

    def accepted(c: _ClientInputs, s: _ClientCore, response: Response) -> _Timers:
        return _linger(s.clock, c, s.policy.timer_b)  # Timer M (RFC 6026)

    Init = b.state("Init")
    Terminated = b.state("Terminated")
    Trying = b.state("Calling" if invite else "Trying", first_send)
    Proceeding = b.state("Proceeding", proceeding_invite if invite else proceeding_nonin)
    Completed = b.state("Completed", completed)
    Accepted = b.state("Accepted", accepted)

    # -- Init
    @Init.upon(I.start).to(Trying)
    def started(c: _ClientInputs, s: _ClientCore) -> None:
        pass

    @Init.upon(I.abort).to(Terminated)
    def init_abort(c: _ClientInputs, s: _ClientCore) -> None:
        s.terminate()

    @Init.upon(I.transport_error).to(Terminated)
    def init_error(c: _ClientInputs, s: _ClientCore, failure: TransactionFailure) -> None:
        s.fail(failure)
        s.terminate()

    # -- Calling / Trying
    @Trying.upon(I.retransmit_due).loop()
    def retransmit(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
        s.transmit()
        data.retransmit = s.next_retransmit(c)

    @Trying.upon(I.give_up).to(Terminated)
    def timed_out(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
        data.stop()
        sends = s.sends
        waited = s.clock.seconds() - s.started
        s.fail(
            TransactionFailure(
                s.txn.target, "timeout", f"no response after {sends} send(s) in {waited:g} s"
            )
        )
        s.terminate()

    @Trying.upon(I.transport_error).to(Terminated)
    def transport_failed(
        c: _ClientInputs, s: _ClientCore, data: _Timers, failure: TransactionFailure
    ) -> None:
        data.stop()
        s.fail(failure)
        s.terminate()

    @Trying.upon(I.abort).to(Terminated)
    def trying_abort(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
        data.stop()
        s.fail(TransactionFailure(s.txn.target, "error", "endpoint closed"), only_if_awaited=True)
        s.terminate()

    @Trying.upon(I.provisional).to(Proceeding)
    def first_provisional(
        c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
    ) -> None:
        data.stop()
        s.provisional_to_tu(response)
        if s.cancel_pending:
            c.cancel()  # postponed: runs in Proceeding

    @Trying.upon(I.failure_response).to(Completed)
    def trying_final(
        c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
    ) -> None:
        data.stop()
        if s.invite:
            s.send(s.txn, build_ack(s.txn.request, response))
        s.deliver(response)

    if invite:

        @Trying.upon(I.cancel).loop()
        def cancel_early(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
            # RFC 3261 9.1: no CANCEL before a provisional response.
            s.cancel_pending = True

        @Trying.upon(I.success).to(Accepted)
        def calling_ok(
            c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
        ) -> None:
            data.stop()
            s.deliver(response)

    else:
        Trying.upon(I.cancel).loop().returns(None)

        @Trying.upon(I.success).to(Completed)
        def trying_ok(
            c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
        ) -> None:
            data.stop()
            s.deliver(response)

    # -- Proceeding
    if invite:

        @Proceeding.upon(I.provisional).loop()
        def more_provisional(
            c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
        ) -> None:
            s.provisional_to_tu(response)

        @Proceeding.upon(I.cancel).loop()
        def cancel_now(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
            if not s.cancel_sent:
                s.send_cancel()
                data.give_up = s.clock.callLater(s.policy.timer_b, c.give_up)

        @Proceeding.upon(I.give_up).to(Terminated)
        def cancel_unanswered(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
            data.stop()
            s.fail(
                TransactionFailure(
                    s.txn.target, "timeout", "no final response within 64*T1 of the CANCEL"
                )
            )
            s.terminate()

        @Proceeding.upon(I.success).to(Accepted)
        def proceeding_ok(
            c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
        ) -> None:
            data.stop()
            s.deliver(response)

        @Proceeding.upon(I.failure_response).to(Completed)
        def proceeding_final(
            c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
        ) -> None:
            data.stop()
            s.send(s.txn, build_ack(s.txn.request, response))
            s.deliver(response)

        Proceeding.upon(I.retransmit_due).loop().returns(None)

        @Proceeding.upon(I.transport_error).to(Terminated)
        def proceeding_error(
            c: _ClientInputs, s: _ClientCore, data: _Timers, failure: TransactionFailure
        ) -> None:
            data.stop()
            s.fail(failure)
            s.terminate()

        @Proceeding.upon(I.abort).to(Terminated)
        def proceeding_abort(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
            data.stop()
            s.fail(
                TransactionFailure(s.txn.target, "error", "endpoint closed"), only_if_awaited=True
            )
            s.terminate()

    else:

        @Proceeding.upon(I.provisional).loop()
        def more_provisional_ni(
            c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response
        ) -> None:
            s.provisional_to_tu(response)

        @Proceeding.upon(I.retransmit_due).loop()
        def retransmit_t2(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
            s.transmit()
            data.retransmit = None
            budget = s.policy.retry_counts
            if budget is None or s.sends - 1 < budget:
                if s.clock.seconds() + s.policy.t2 < s.deadline:
                    data.retransmit = s.clock.callLater(s.policy.t2, c.retransmit_due)

        Proceeding.upon(I.cancel).loop().returns(None)
        Proceeding.upon(I.give_up).to(Terminated)(timed_out)
        Proceeding.upon(I.transport_error).to(Terminated)(transport_failed)
        Proceeding.upon(I.abort).to(Terminated)(trying_abort)
        Proceeding.upon(I.failure_response).to(Completed)(trying_final)
        Proceeding.upon(I.success).to(Completed)(trying_ok)

    # -- Completed: absorb retransmitted finals (INVITE: re-send the ACK)
    @Completed.upon(I.failure_response).loop()
    def final_again(c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response) -> (
        None
    ):
        if s.invite:
            s.send(s.txn, build_ack(s.txn.request, response))

    @Completed.upon(I.linger_done).to(Terminated)
    @Accepted.upon(I.linger_done).to(Terminated)
    def linger_over(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
        data.stop()
        s.terminate()

    @Completed.upon(I.abort).to(Terminated)
    @Accepted.upon(I.abort).to(Terminated)
    def linger_abort(c: _ClientInputs, s: _ClientCore, data: _Timers) -> None:
        data.stop()
        s.terminate()

    for name in ("provisional", "success"):
        Completed.upon(getattr(I, name)).loop().returns(None)
    for state in (Completed, Accepted):
        state.upon(I.retransmit_due).loop().returns(None)
        state.upon(I.give_up).loop().returns(None)
        state.upon(I.transport_error).loop().returns(None)
        state.upon(I.cancel).loop().returns(None)

    # -- Accepted (INVITE 2xx): later 2xx go to the dialog layer
    @Accepted.upon(I.success).loop()
    def ok_again(c: _ClientInputs, s: _ClientCore, data: _Timers, response: Response) -> None:
        callback = s.txn.on_final_retransmission
        if callback is not None:
            callback(response)

    Accepted.upon(I.provisional).loop().returns(None)
    Accepted.upon(I.failure_response).loop().returns(None)

    # -- Terminated and Init absorb everything else
    for name in ("provisional", "success", "failure_response", "transport_error"):
        Terminated.upon(getattr(I, name)).loop().returns(None)
    for name in ("start", "retransmit_due", "give_up", "linger_done", "cancel", "abort"):
        Terminated.upon(getattr(I, name)).loop().returns(None)
    for name in ("provisional", "success", "failure_response"):
        Init.upon(getattr(I, name)).loop().returns(None)
    Init.upon(I.cancel).loop().returns(None)

    return b.build()


_INVITE_CLIENT = _indexed(_build_client_machine(True))
_NON_INVITE_CLIENT = _indexed(_build_client_machine(False))


class ClientTransaction:
    """
    One client transaction: a request sent to one target and its outcome.

    @ivar request: the request as sent (with this transaction's top Via).
    @ivar target: where it goes.
    @ivar final: fires with the final L{Response} (any status, 503 included:
        RTX-3 is the TU's call) or fails with L{TransactionFailure}.
    @ivar on_provisional: called with each 1xx.
    @ivar on_final_retransmission: INVITE only: called with each 2xx after the
        first (retransmissions or forks) so the dialog layer can ACK it.
    @ivar sends: the clock times at which the request was (re)sent.
    """

    def __init__(
        self,
        clock: IReactorTime,
        request: Request,
        target: Target,
        policy: RetryPolicy,
        *,
        reliable: bool,
        send: Callable[[ClientTransaction, Request], None],
        on_terminated: Callable[[ClientTransaction], None] = lambda txn: None,
        start_cancel: Callable[[ClientTransaction], None] | None = None,
    ) -> None:
        self.request = request
        self.target = target
        self.policy = policy
        self.reliable = reliable
        self.final: Deferred[Response] = Deferred()
        self.final_response: Response | None = None
        self.failure: TransactionFailure | None = None
        self.on_provisional: Callable[[Response], None] | None = None
        self.on_final_retransmission: Callable[[Response], None] | None = None
        self.sends: list[float] = []
        self.terminated = False
        self.cancel_transaction: ClientTransaction | None = None
        self.key = client_key(request)
        self.invite = request.method == "INVITE"
        core = _ClientCore(
            txn=self,
            clock=clock,
            policy=policy,
            reliable=reliable,
            send=send,
            on_terminated=on_terminated,
            start_cancel=start_cancel,
            invite=self.invite,
        )
        factory = _INVITE_CLIENT if self.invite else _NON_INVITE_CLIENT
        self._machine = factory(core)

    @property
    def state(self) -> str:
        """The machine's current state name (for tests and traces)."""
        return str(self._machine.__automat_transitioner__._state.name)

    def start(self) -> None:
        """Send the request for the first time and start the timers."""
        self._machine.start()

    def receive(self, response: Response) -> None:
        """A response matching this transaction (L{client_key}) arrived."""
        if response.status < 200:
            self._machine.provisional(response)
        elif response.status < 300:
            self._machine.success(response)
        else:
            self._machine.failure_response(response)

    def transport_error(self, failure: TransactionFailure) -> None:
        """The transport failed for this transaction's request: end it at once (RTX-2)."""
        self._machine.transport_error(failure)

    def cancel(self) -> ClientTransaction | None:
        """
        Cancel an INVITE (RFC 3261 9.1): the CANCEL goes out as its own
        non-INVITE client transaction, at once if a provisional response has
        arrived, else as soon as one does.  Returns the CANCEL transaction if
        it was started now (also at L{cancel_transaction}).
        """
        if not self.invite:
            raise ValueError(f"only an INVITE can be cancelled, not {self.request.method}")
        self._machine.cancel()
        return self.cancel_transaction

    def abort(self) -> None:
        """Stop every timer; the endpoint is going away."""
        self._machine.abort()

    def __repr__(self) -> str:
        return f"<ClientTransaction {self.request.method} {self.key[0]} {self.state}>"


# --- server transactions --------------------------------------------------------------


class _ServerInputs(Protocol):
    def request_again(self) -> None:
        "A retransmission of the request arrived."

    def ack(self) -> None:
        "The ACK for a non-2xx final arrived (INVITE only)."

    def send_provisional(self, response: Response) -> None:
        "The TU sends a 1xx."

    def send_success(self, response: Response) -> None:
        "The TU sends a 2xx."

    def send_failure(self, response: Response) -> None:
        "The TU sends a 300-699."

    def retransmit_due(self) -> None:
        "Timer G fired."

    def give_up(self) -> None:
        "Timer H fired: no ACK came."

    def linger_done(self) -> None:
        "Timer I/J/L fired."

    def abort(self) -> None:
        "The endpoint is closing."


@dataclass(eq=False)
class _ServerCore:
    txn: ServerTransaction
    clock: IReactorTime
    policy: RetryPolicy
    reliable: bool
    send: Callable[[ServerTransaction, Response], None]
    on_terminated: Callable[[ServerTransaction], None]
    #: the layer's Timer J queue (see L{TransactionLayer}); None: a timer of our own
    on_completed: Callable[[ServerTransaction, Response, float], _Completed] | None = None
    last: Response | None = None
    g_interval: float = 0.0

    def transmit(self, response: Response) -> None:
        self.last = response
        self.send(self.txn, response)

    def resend(self) -> None:
        if self.last is not None:
            self.send(self.txn, self.last)

    def terminate(self) -> None:
        txn = self.txn
        txn.terminated = True
        self.on_terminated(txn)
        _release(self)


def _build_server_machine(invite: bool) -> Callable[[_ServerCore], _ServerInputs]:
    b = TypeMachineBuilder(_ServerInputs, _ServerCore)
    I = _ServerInputs  # noqa: E741

    def completed_nonin(c: _ServerInputs, s: _ServerCore, response: Response) -> _Timers:
        if not s.reliable and s.on_completed is not None:
            # Timer J is the layer's (one queue, one timer); it ends us at the deadline.
            # The core now answers through the record, not the transaction:
            # that breaks the transaction -> machine -> core -> transaction
            # cycle (see _release), so reference counting frees a completed
            # transaction nobody holds at once instead of leaving it to the
            # cyclic collector (measured: ~15 us per request under load).
            s.txn = s.on_completed(s.txn, response, s.policy.timer_b)  # type: ignore[assignment]
            return _Timers()
        return _linger(s.clock, c, 0.0 if s.reliable else s.policy.timer_b)  # Timer J

    def completed_invite(c: _ServerInputs, s: _ServerCore, response: Response) -> _Timers:
        s.g_interval = s.policy.t1
        g = None if s.reliable else s.clock.callLater(s.g_interval, c.retransmit_due)
        return _Timers(retransmit=g, give_up=s.clock.callLater(s.policy.timer_b, c.give_up))  # H

    def confirmed(c: _ServerInputs, s: _ServerCore) -> _Timers:
        return _linger(s.clock, c, 0.0 if s.reliable else s.policy.t4)  # Timer I

    def accepted(c: _ServerInputs, s: _ServerCore, response: Response) -> _Timers:
        return _linger(s.clock, c, s.policy.timer_b)  # Timer L

    if invite:
        # An INVITE server transaction starts in Proceeding (RFC 3261 17.2.1).
        Proceeding = b.state("Proceeding")
        Trying = Proceeding
    else:
        Trying = b.state("Trying")
        Proceeding = b.state("Proceeding")
    Terminated = b.state("Terminated")
    Completed = b.state("Completed", completed_invite if invite else completed_nonin)

    @Proceeding.upon(I.request_again).loop()
    def resend_provisional(c: _ServerInputs, s: _ServerCore) -> None:
        s.resend()

    if not invite:
        Trying.upon(I.request_again).loop().returns(None)

        @Trying.upon(I.send_provisional).to(Proceeding)
        def trying_provisional(c: _ServerInputs, s: _ServerCore, response: Response) -> None:
            s.transmit(response)

        @Trying.upon(I.send_success).to(Completed)
        @Trying.upon(I.send_failure).to(Completed)
        @Proceeding.upon(I.send_success).to(Completed)
        @Proceeding.upon(I.send_failure).to(Completed)
        def final_nonin(c: _ServerInputs, s: _ServerCore, response: Response) -> None:
            s.transmit(response)

        Trying.upon(I.abort).to(Terminated).returns(None)

    @Proceeding.upon(I.send_provisional).loop()
    def another_provisional(c: _ServerInputs, s: _ServerCore, response: Response) -> None:
        s.transmit(response)

    @Proceeding.upon(I.abort).to(Terminated)
    def proceeding_abort(c: _ServerInputs, s: _ServerCore) -> None:
        s.terminate()

    if invite:
        Accepted = b.state("Accepted", accepted)
        Confirmed = b.state("Confirmed", confirmed)

        @Proceeding.upon(I.send_failure).to(Completed)
        def final_error(c: _ServerInputs, s: _ServerCore, response: Response) -> None:
            s.transmit(response)

        @Proceeding.upon(I.send_success).to(Accepted)
        def final_ok(c: _ServerInputs, s: _ServerCore, response: Response) -> None:
            s.transmit(response)

        Proceeding.upon(I.ack).loop().returns(None)

        @Completed.upon(I.request_again).loop()
        def resend_final(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            s.resend()

        @Completed.upon(I.retransmit_due).loop()
        def timer_g(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            s.resend()
            s.g_interval = min(2 * s.g_interval, s.policy.t2)
            data.retransmit = s.clock.callLater(s.g_interval, c.retransmit_due)

        @Completed.upon(I.ack).to(Confirmed)
        def acked(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            data.stop()

        @Completed.upon(I.give_up).to(Terminated)
        def no_ack(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            data.stop()
            s.txn.ack_timeout = True
            s.terminate()

        @Completed.upon(I.abort).to(Terminated)
        def completed_abort(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            data.stop()
            s.terminate()

        @Accepted.upon(I.request_again).loop()
        def resend_ok(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            s.resend()

        Accepted.upon(I.ack).loop().returns(None)
        Confirmed.upon(I.ack).loop().returns(None)
        Confirmed.upon(I.request_again).loop().returns(None)
        lingering: tuple[Any, ...] = (Accepted, Confirmed)
    else:
        lingering = (Completed,)

        @Completed.upon(I.request_again).loop()
        def resend_final_ni(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            s.resend()

    for state in lingering:

        @state.upon(I.linger_done).to(Terminated)
        @state.upon(I.abort).to(Terminated)
        def linger_over(c: _ServerInputs, s: _ServerCore, data: _Timers) -> None:
            data.stop()
            s.terminate()

    for name in ("request_again", "ack", "retransmit_due", "give_up", "linger_done", "abort"):
        Terminated.upon(getattr(I, name)).loop().returns(None)
    for name in ("send_provisional", "send_success", "send_failure"):
        Terminated.upon(getattr(I, name)).loop().returns(None)

    return b.build()


_INVITE_SERVER = _indexed(_build_server_machine(True))
_NON_INVITE_SERVER = _indexed(_build_server_machine(False))


class ServerTransaction:
    """
    One server transaction: a request received and the responses to it.

    @ivar request: the request as received (top Via with C{received}/C{rport}
        filled in by the transport, RFC 3261 18.2.1 / RFC 3581).
    @ivar source: C{(transport, host, port)} the request came from.
    @ivar on_cancel: INVITE only: called with the CANCEL request when one
        matching this transaction arrives before a final response (the
        CANCEL itself has already been answered 200).  If None, the endpoint
        answers the INVITE 487 itself.
    @ivar ack_timeout: True if Timer H fired (a non-2xx final was never ACKed).
    """

    def __init__(
        self,
        clock: IReactorTime,
        request: Request,
        source: Source,
        policy: RetryPolicy,
        *,
        reliable: bool,
        send: Callable[[ServerTransaction, Response], None],
        on_terminated: Callable[[ServerTransaction], None] = lambda txn: None,
        key: tuple[object, ...] | None = None,
        on_completed: Callable[[ServerTransaction, Response, float], _Completed] | None = None,
    ) -> None:
        if request.method == "ACK":
            raise ValueError("an ACK creates no server transaction")
        self.request = request
        self.source = source
        self.reliable = reliable
        self.invite = request.method == "INVITE"
        self.key = key if key is not None else server_key(request)
        self.on_cancel: Callable[[Request], None] | None = None
        self.terminated = False
        self.ack_timeout = False
        self.final_response: Response | None = None
        self.responses: list[Response] = []
        #: transport-layer routing hint (the connection the request came on)
        self.connection: object | None = None
        self._clock = clock
        self._policy = policy
        self._send = send
        self._on_terminated = on_terminated
        self._on_completed = on_completed
        #: the Automat machine, built when first needed (see L{_machine})
        self._built: _ServerInputs | None = None
        #: set by the Completed shortcut in L{respond}: the layer's Timer J record
        self._record: _Completed | None = None

    @property
    def _machine(self) -> _ServerInputs:
        """
        The transaction's RFC 3261 17.2 machine, built on first use.

        Why lazily: a registrar answers a UDP REGISTER with its final response
        at once, and the layer's Timer J record (L{_Completed}) then does all a
        Completed non-INVITE transaction does; building a core and a machine
        nobody drives again cost ~5 us per request.  L{respond} takes that
        Trying -> Completed step directly (see there).  If anything needs the
        machine after that shortcut (a caller still holding the transaction
        aborts it, or Timer J ends it), the machine is built and driven
        through the very same inputs it would have had -- the final response
        from Trying -- with the two outputs the shortcut already performed
        (sending, handing over to the layer's record) not repeated, so it is
        in Completed with the state its own transition would have left.
        """
        machine = self._built
        if machine is not None:
            return machine
        core = _ServerCore(
            txn=self,
            clock=self._clock,
            policy=self._policy,
            reliable=self.reliable,
            send=self._send,
            on_terminated=self._on_terminated,
            on_completed=self._on_completed,
        )
        machine = self._built = (_INVITE_SERVER if self.invite else _NON_INVITE_SERVER)(core)
        record = self._record
        if record is not None:
            # the final as sent (the record may keep only its wire form)
            response = self.final_response
            assert response is not None
            core.send = lambda txn, response: None  # sent already, by the shortcut
            core.on_completed = lambda txn, response, linger: record  # queued already
            if response.status < 300:
                machine.send_success(response)
            else:
                machine.send_failure(response)
            core.send = self._send
            core.on_completed = self._on_completed
        elif self.terminated and self.final_response is not None and self.reliable and (
            not self.invite
        ):
            # After the reliable shortcut of respond (the only way to be
            # terminated with a final response and no machine): replay that
            # final from Trying with its two outputs (send, terminate) not
            # repeated; Completed lingers 0 s, so the machine ends Terminated.
            response = self.final_response
            core.send = lambda txn, response: None
            core.on_terminated = lambda txn: None
            if response.status < 300:
                machine.send_success(response)
            else:
                machine.send_failure(response)
        return machine

    @property
    def completed_record(self) -> _Completed | None:
        """
        The layer's Timer J record if L{respond} took the UDP non-INVITE
        shortcut (answered at once): it answers this transaction's
        retransmissions until Timer J.  None otherwise.
        """
        return self._record

    @property
    def state(self) -> str:
        machine: Any = self._machine
        return str(machine.__automat_transitioner__._state.name)

    @property
    def answered(self) -> bool:
        """True once a final response has been sent."""
        return self.final_response is not None

    def respond(self, response: Response) -> None:
        """
        Send C{response}; the transaction re-sends the latest one when the
        request is retransmitted.  A second final response is an error.
        """
        if self.final_response is not None:
            raise ValueError(
                f"{self.request.method} already answered {self.final_response.status}"
            )
        self.responses.append(response)
        if (
            self._built is None
            and response.status >= 200
            and not self.invite
            and not self.reliable
            and self._on_completed is not None
            and not self.terminated
        ):
            # Shortcut of RFC 3261 17.2.2 for the usual non-INVITE server
            # transaction over UDP, answered before anything else happened to
            # it: Trying --final--> Completed, whose outputs are exactly these
            # two -- send the response (final_nonin), then enter Completed,
            # which for a layer-owned Timer J is handing the response to the
            # layer's record (completed_nonin).  The record then absorbs
            # retransmissions and ends the transaction at Timer J, as it does
            # for a machine-driven one; L{_machine} builds the machine in this
            # same state if it is ever needed.
            self.final_response = response
            self._send(self, response)
            self._record = self._on_completed(self, response, self._policy.timer_b)
            return
        if (
            self._built is None
            and response.status >= 200
            and not self.invite
            and self.reliable
            and not self.terminated
        ):
            # The same shortcut over a reliable transport (TCP/TLS), where
            # Timer J is zero: Trying --final--> Completed --(J=0)-->
            # Terminated, whose outputs are exactly these -- send the response
            # (final_nonin), then end the transaction (terminate: flag, tell
            # the layer).  Building and driving the machine for it was ~10 us
            # per request over TCP; L{_machine} builds it in Terminated if it
            # is ever needed.
            self.final_response = response
            self._send(self, response)
            self.terminated = True
            self._on_terminated(self)
            return
        if response.status < 200:
            self._machine.send_provisional(response)
        elif response.status < 300:
            self.final_response = response
            self._machine.send_success(response)
        else:
            self.final_response = response
            self._machine.send_failure(response)

    def request_again(self) -> None:
        """A retransmission of the request arrived: absorb it (re-send the last response)."""
        self._machine.request_again()

    def ack(self) -> None:
        """The ACK for our non-2xx final arrived."""
        self._machine.ack()

    def abort(self) -> None:
        self._machine.abort()

    def __repr__(self) -> str:
        return f"<ServerTransaction {self.request.method} {self.state}>"


# --- the transaction layer -----------------------------------------------------------


@dataclass(eq=False)
class TransactionLayer:
    """
    The transaction tables and the matching of incoming messages (sans-IO:
    the transport shell supplies the C{send_*} callables and feeds in what it
    receives).  Used by L{harness.sip.transport.SipEndpoint}; usable alone
    with a L{twisted.internet.task.Clock} and list-appending callables.

    @ivar on_request: the TU: called with each new L{ServerTransaction}, and
        with a pseudo-transaction for an ACK that matched none (an ACK for a
        2xx, for the dialog layer) whose C{respond} raises.
    @ivar on_stray_response: called with responses that match no client
        transaction (e.g. a 2xx retransmitted after Timer M).
    @ivar completed: UDP non-INVITE server transactions in I{Completed}
        (RFC 3261 17.2.2), by key: a L{_Completed} record each, kept until
        Timer J (64*T1) to absorb retransmissions of the request.

    Why Timer J is the layer's and not each transaction's: a registrar under
    load holds tens of thousands of completed UDP transactions at once (32 s
    of traffic).  As transactions, each kept its request, machine and an
    C{IDelayedCall} in the reactor's heap (whose ordering is a Python
    C{__lt__}, so every push and pop cost about 18 Python calls).  All
    records share one deadline offset, so one FIFO queue is deadline-ordered
    and one timer, for its head, serves them all; the world stays busy
    exactly as long as before (until the last deadline), and the record
    re-sends the stored final response exactly as the machine's
    I{Completed} state did.  The transaction object itself is only kept
    alive by whoever else holds it (a weak reference lets the queue still
    move it to I{Terminated} at its deadline).
    """

    clock: IReactorTime
    send_request: Callable[[ClientTransaction, Request], None]
    send_response: Callable[[ServerTransaction, Response], None]
    server_policy: RetryPolicy = DEFAULT_POLICY
    on_request: Callable[[ServerTransaction], None] | None = None
    on_stray_response: Callable[[Response], None] | None = None
    clients: dict[tuple[str, str], ClientTransaction] = field(default_factory=dict)
    servers: dict[tuple[object, ...], ServerTransaction] = field(default_factory=dict)
    completed: dict[tuple[object, ...], _Completed] = field(default_factory=dict)
    #: what a Timer J record keeps of its final response (C{_Completed.response}),
    #: handed back to C{send_response} for each retransmission: by default a
    #: L{lean_copy}; a transport that records no messages may keep less (see
    #: L{harness.sip.transport.SipEndpoint._kept_answer})
    keep_response: Callable[[ServerTransaction, Response], object] = lambda txn, r: lean_copy(r)
    _expiry: deque[_Completed] = field(default_factory=deque)
    _expiry_call: IDelayedCall | None = None

    def request(
        self, request: Request, target: Target, policy: RetryPolicy, *, reliable: bool
    ) -> ClientTransaction:
        """Start a client transaction for C{request} (which already carries its top Via)."""
        txn = ClientTransaction(
            self.clock,
            request,
            target,
            policy,
            reliable=reliable,
            send=self.send_request,
            on_terminated=self._client_done,
            start_cancel=self._start_cancel,
        )
        if txn.key in self.clients:
            raise ValueError(f"branch {txn.key[0]} already in use for {txn.key[1]}")
        self.clients[txn.key] = txn
        txn.start()
        return txn

    def _start_cancel(self, invite: ClientTransaction) -> None:
        cancel = build_cancel(invite.request)
        txn = invite.cancel_transaction = self.request(
            cancel, invite.target, invite.policy, reliable=invite.reliable
        )
        # The INVITE's own outcome (487, or 64*T1 after the CANCEL) is what the
        # TU waits for; the CANCEL's is kept on the transaction
        # (final_response / failure), not raised as an unhandled error.
        txn.final.addErrback(lambda _: None)

    def _client_done(self, txn: ClientTransaction) -> None:
        if self.clients.get(txn.key) is txn:
            del self.clients[txn.key]

    def _server_done(self, txn: ServerTransaction) -> None:
        if self.servers.get(txn.key) is txn:
            del self.servers[txn.key]

    def _server_completed(
        self, txn: ServerTransaction, response: Response, linger: float
    ) -> _Completed:
        """A UDP non-INVITE server transaction sent its final: keep a record until Timer J."""
        key = txn.key
        if self.servers.get(key) is txn:
            del self.servers[key]
        now = self.clock.seconds()
        record = _Completed(
            key,
            now + linger,
            self.keep_response(txn, response),
            txn.source,
            txn.connection,
            weakref.ref(txn),
        )
        self.completed[key] = record
        expiry = self._expiry
        if expiry and record.deadline < expiry[-1].deadline:
            # The clock went backwards (a wall clock stepped): keep the queue ordered.
            record.deadline = expiry[-1].deadline
        expiry.append(record)
        if self._expiry_call is None:
            # The same call a transaction's own Timer J was (callLater(64*T1)).
            self._expiry_call = self.clock.callLater(linger, self._expire)
        return record

    def resend_completed(self, record: _Completed) -> bool:
        """
        Answer a retransmission from C{record} (RFC 3261 17.2.2, Completed),
        as L{receive_request} does for a request matching it; False, and
        nothing sent, if the record is no longer the current one for its key
        (Timer J has ended it, or the layer was closed).

        Why: a transport that has recognised a retransmission before parsing
        it (L{harness.sip.transport.SipEndpoint._datagram}) answers it here,
        with exactly what the full path would have sent.
        """
        if self.completed.get(record.key) is not record:
            return False
        self.send_response(record, record.response)  # type: ignore[arg-type]
        return True

    def _expire(self) -> None:
        """Timer J for every record whose deadline has come; re-arm for the next one."""
        self._expiry_call = None
        now = self.clock.seconds()
        expiry = self._expiry
        completed = self.completed
        while expiry and expiry[0].deadline <= now:
            record = expiry.popleft()
            if completed.get(record.key) is record:
                del completed[record.key]
            txn = record.txn()
            if txn is not None:
                txn.terminated = True
                txn._machine.linger_done()
        if expiry:
            self._expiry_call = self.clock.callLater(_delay_to(now, expiry[0].deadline),
                                                     self._expire)

    def receive_response(self, response: Response) -> bool:
        """Hand a response to its client transaction; False (and stray) if none matches."""
        try:
            key = client_key(response)
        except ParseError:
            return False
        txn = self.clients.get(key)
        if txn is None:
            if self.on_stray_response is not None:
                self.on_stray_response(response)
            return False
        txn.receive(response)
        return True

    def receive_request(
        self,
        request: Request,
        source: Source,
        *,
        reliable: bool,
        connection: object | None = None,
    ) -> ServerTransaction | None:
        """
        Match a request to a server transaction (absorbing retransmissions and
        ACKs), answer CANCELs, or create a new transaction and give it to the
        TU.  Returns the new transaction, if one was made.
        """
        key = server_key(request)
        existing = self.servers.get(key)
        if request.method == "ACK":
            if existing is not None and existing.invite and not _is_2xx(existing):
                existing.ack()
                return None
            # An ACK for a 2xx (its own transaction, RFC 3261 17.1.1.3): the TU's.
            if self.on_request is not None:
                self.on_request(_AckDelivery(self.clock, request, source, connection))
            return None
        if existing is not None:
            existing.request_again()
            return None
        record = self.completed.get(key)
        if record is not None:
            # RFC 3261 17.2.2, Completed: a retransmission gets the final again.
            self.send_response(record, record.response)  # type: ignore[arg-type]
            return None
        txn = ServerTransaction(
            self.clock,
            request,
            source,
            self.server_policy,
            reliable=reliable,
            send=self.send_response,
            on_terminated=self._server_done,
            key=key,
            on_completed=self._server_completed,
        )
        txn.connection = connection
        self.servers[key] = txn
        if request.method == "CANCEL":
            self._cancel(txn)
            return txn
        if self.on_request is not None:
            self.on_request(txn)
        return txn

    def _cancel(self, cancel: ServerTransaction) -> None:
        from harness.sip.message import make_response

        invite = self.servers.get(cancel_target_key(cancel.request))
        if invite is None or not invite.invite:
            cancel.respond(make_response(cancel.request, 481))
            return
        cancel.respond(make_response(cancel.request, 200))
        if invite.answered:
            return
        if invite.on_cancel is not None:
            invite.on_cancel(cancel.request)
        else:
            invite.respond(make_response(invite.request, 487, to_tag=_tag_for(invite)))

    def close(self) -> None:
        """Abort every transaction (timers cancelled; awaited Deferreds fail with "error")."""
        for ctxn in list(self.clients.values()):
            ctxn.abort()
        for stxn in list(self.servers.values()):
            stxn.abort()
        if self._expiry_call is not None and self._expiry_call.active():
            self._expiry_call.cancel()
        self._expiry_call = None
        for record in self._expiry:
            alive = record.txn()
            if alive is not None:
                alive.terminated = True
                alive.abort()
        self.clients.clear()
        self.servers.clear()
        self.completed.clear()
        self._expiry.clear()


class _Completed:
    """
    What a completed UDP non-INVITE server transaction needs until Timer J:
    its key, deadline, final response and where responses go (C{source} and
    C{connection}, the attributes the layer's C{send_response} reads from a
    transaction), and a weak reference to the transaction, to end it at the
    deadline if anyone still holds it.  The transaction's machine answers
    through the record too (it stands in for the transaction in the core),
    hence C{terminated}.  C{response} is what the layer's C{keep_response}
    made of the final (a L{lean_copy} unless the transport asked for less).
    """

    __slots__ = ("connection", "deadline", "key", "response", "source", "terminated", "txn")

    def __init__(
        self,
        key: tuple[object, ...],
        deadline: float,
        response: object,
        source: Source,
        connection: object | None,
        txn: weakref.ref[ServerTransaction],
    ) -> None:
        self.key = key
        self.deadline = deadline
        self.response = response
        self.source = source
        self.connection = connection
        self.txn = txn
        self.terminated = False


def _delay_to(now: float, when: float) -> float:
    """
    The delay whose C{now + delay} is exactly C{when} (a clock adds the two):
    a re-armed Timer J fires at the record's deadline to the last bit, as the
    transaction's own C{callLater(64*T1)} did, so simulated runs do not move.
    """
    delay = max(0.0, when - now)
    for _ in range(4):
        at = now + delay
        if at == when:
            break
        delay = math.nextafter(delay, math.inf if at < when else -math.inf)
    return delay


def _is_2xx(txn: ServerTransaction) -> bool:
    return txn.final_response is not None and 200 <= txn.final_response.status < 300


def _tag_for(txn: ServerTransaction) -> str:
    """A To tag for a locally generated final: the one already sent in a 1xx, if any."""
    for response in txn.responses:
        tag = response.to.tag
        if tag:
            return tag
    return f"{abs(hash((txn.request.call_id, txn.request.cseq.seq))) & 0xFFFFFFFFFFFF:012x}"


class _AckDelivery(ServerTransaction):
    """
    What the TU gets for an ACK that matched no INVITE server transaction (an
    ACK for a 2xx, RFC 3261 13.3.1.4): the request and where it came from;
    it cannot be answered.
    """

    def __init__(
        self, clock: IReactorTime, request: Request, source: Source, connection: object | None
    ) -> None:
        self.request = request
        self.source = source
        self.reliable = source[0] != "udp"
        self.invite = False
        self.key = ("ACK",)
        self.on_cancel = None
        self.terminated = True
        self.ack_timeout = False
        self.final_response = None
        self.responses = []
        self.connection = connection

    @property
    def state(self) -> str:
        return "Terminated"

    def respond(self, response: Response) -> None:
        raise ValueError("an ACK is never answered")

    def request_again(self) -> None:
        pass

    def ack(self) -> None:
        pass

    def abort(self) -> None:
        pass


__all__ = [
    "DEFAULT_POLICY",
    "MAGIC_COOKIE",
    "ClientTransaction",
    "RetryPolicy",
    "ServerTransaction",
    "Source",
    "TransactionFailure",
    "TransactionLayer",
    "build_ack",
    "build_cancel",
    "cancel_target_key",
    "client_key",
    "server_key",
]
