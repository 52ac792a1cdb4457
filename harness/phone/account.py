"""
One account of the built-in phone: registration, failover between the DNS
targets of server 1, failback per mode, and fallback to server 2.

The account never asks the network "is the server up?"; like a real phone it
only sends requests and reacts to answers, timeouts and transport errors, so
everything it decides is visible on the wire for the checkers to judge.

Request flow for every *new* request (REGISTER, refresh, initial INVITE,
SUBSCRIBE): resolve the server (DNS-*), pick the start target by the failback
mode (L{Slot.order}), send one client transaction per target (RTX-4) with the
retry policy (RTX-1/2), move on after a timeout, transport error or 503
(RTX-3), and stop at the first other final response.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.python.failure import Failure

from harness.phone.config import AccountConfig
from harness.phone.lifecycle import (
    FALLBACK_STATES,
    LifecycleCore,
    LifecycleInputs,
    new_lifecycle,
)
from harness.phone.slot import Slot
from harness.sip.digest import answer, parse_challenge
from harness.sip.locate import LocateError, Resolution, Target
from harness.sip.message import Headers, Request, Response, new_call_id, new_tag
from harness.sip.transaction import ClientTransaction, RetryPolicy, TransactionFailure
from harness.trace.events import NoteEvent

if TYPE_CHECKING:
    from harness.phone.phone import Phone

CONCURRENT, SUCCESSIVE = 0, 1
_FAILBACK_CLAUSE = {0: "FB-0", 1: "FB-1", 2: "FB-2", 3: "FB-3"}
_TRANSPORT_NAMES = {0: "udp", 1: "tcp", 2: "tls", 3: "dns-naptr"}


class AllTargetsFailed(Exception):
    """
    Every target of a server failed this request (RTX-5 / FO-6 take over).
    C{dns}: the lookup of the server gave no target (DNS-11), so no request
    of any kind can reach it now.
    """

    def __init__(self, slot: int, why: str, dns: bool = False) -> None:
        super().__init__(f"server {slot}: {why}")
        self.slot = slot
        self.why = why
        self.dns = dns


@dataclass(frozen=True)
class Answered:
    """A final response to a new request and where it came from."""

    response: Response
    target: Target
    index: int
    request: Request


@dataclass
class Dialog:
    """An established call: in-dialog requests go to C{target} (FO-4)."""

    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str
    remote_uri: str
    remote_target: str
    route: tuple[str, ...]
    target: Target
    slot: int
    cseq: int
    outgoing: bool
    #: the last ACK sent for a 2xx of ours, as sent (sent again for each
    #: retransmission of that 2xx, RFC 3261 13.2.2.4)
    ack: Request | None = None


@dataclass(frozen=True)
class CallResult:
    """What became of a call the phone placed."""

    answered: bool
    status: int | None
    target: Target | None
    slot: int | None


class Account:
    """Registration and request routing for one C{account.X}."""

    def __init__(self, phone: Phone, config: AccountConfig) -> None:
        self.phone = phone
        self.config = config
        # (formatted once: every note carries it; neither part ever changes)
        self._name = f"phone {phone.address} account {config.index}"
        clock = phone.reactor
        self.slots = {
            n: Slot(n, config.server(n), clock, phone.defects)
            for n in (1, 2)
            if config.server(n).address
        }
        self.dialogs: dict[str, Dialog] = {}
        # the call timers (re-INVITE, BYE); the registration timers live in the
        # lifecycle machine's states
        self._timers: dict[str, IDelayedCall] = {}
        self.lifecycle_core = LifecycleCore(
            clock=clock,
            note=self.note,
            renewal_delay=phone.profile.renewal_delay,
            retry_interval=phone.profile.retry_interval,
            probe_interval=self._probe_interval(),
            on_renew=self._renew_due,
            on_retry=self._retry_due,
            on_probe=self._probe_due,
            on_fallback_renew=self._fallback_renew_due,
            on_fallback_retry=self._fallback_retry_due,
        )
        self.lifecycle: LifecycleInputs = new_lifecycle(self.lifecycle_core)
        self._reg_call_id = {n: new_call_id(phone.rng, phone.address) for n in self.slots}
        self._reg_cseq = dict.fromkeys(self.slots, 0)
        self._from_tag = {n: new_tag(phone.rng) for n in self.slots}
        # by slot, the phone's bindings: each target a registration reached (a 2xx) and
        # when that registration expires, kept while a later attempt fails without
        # reaching it or registers elsewhere (L{_holds_binding})
        self._bindings: dict[int, dict[Target, float]] = {}
        # server 1 refused the registration's last REGISTER (RTX-3: no failure) and its
        # retry is pending (L{_fall_back_now})
        self._refused_retry = False
        self._stopped = False
        self.calls: list[CallResult] = []
        # REG-1: the registration at start goes out before any other request;
        # requests made earlier wait here until it has been sent (or has failed
        # without sending anything, e.g. DNS-11).
        self._start_sent = False
        self._start_waiters: list[Deferred[None]] = []
        # RFC 3261 10.2: one REGISTER per registration Call-ID at a time; by slot, the
        # target of the REGISTER in flight and who waits for its final response
        self._reg_in_flight: dict[
            int, tuple[Target, list[Deferred[Response | TransactionFailure]]]
        ] = {}

    # -- helpers -------------------------------------------------------------

    @property
    def on_fallback(self) -> bool:
        """FBK-S2: the account is on its fallback server (successive mode)."""
        return self.lifecycle_core.state in FALLBACK_STATES

    @property
    def state(self) -> str:
        """The lifecycle machine's state."""
        return self.lifecycle_core.state

    def _probe_interval(self) -> float | None:
        if "no-probing" in self.phone.defects:
            return None
        interval = float(self.config.fallback_timeout)
        if "probes-wrong-interval" in self.phone.defects:
            interval *= 2
        return interval

    @property
    def name(self) -> str:
        return self._name

    def note(self, text: str, clause: str | None = None) -> None:
        self.phone.trace.record(NoteEvent(self.phone.reactor.seconds(), self._name, text, clause))

    def _spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> Deferred[Any]:
        d = Deferred.fromCoroutine(coro)

        def failed(f: Failure) -> None:
            if not self._stopped:
                self.note(f"internal error in {what}: {f.getErrorMessage()}")
                self.phone.errors.append(f)

        d.addErrback(failed)
        return d

    def _schedule(self, name: str, delay: float, fn: Callable[[], object]) -> None:
        old = self._timers.pop(name, None)
        if old is not None and old.active():
            old.cancel()
        if self._stopped:
            return

        def fire() -> None:
            self._timers.pop(name, None)
            fn()

        self._timers[name] = self.phone.reactor.callLater(max(0.0, delay), fire)

    def _cancel(self, name: str) -> None:
        old = self._timers.pop(name, None)
        if old is not None and old.active():
            old.cancel()

    def policy(self, slot: Slot) -> RetryPolicy:
        """RTX-1: the server's retry_counts on the profile's timers."""
        profile = self.phone.profile
        retries = slot.config.retry_counts
        if "retries-too-many" in self.phone.defects:
            retries += 1
        elif "retries-too-few" in self.phone.defects:
            retries = max(0, retries - 1)
        return RetryPolicy(
            t1=profile.t1,
            t2=profile.t2,
            t4=profile.t4,
            retry_counts=retries,
            give_up=profile.give_up,
        )

    def aor(self, slot: Slot) -> str:
        return f"sip:{self.config.user_name}@{slot.config.address}"

    def contact(self, target: Target) -> str:
        port = self.phone.endpoint.local_port(target.transport)
        scheme = "sips" if target.transport == "tls" else "sip"
        tp = "" if target.transport == "udp" else f";transport={target.transport}"
        return f"<{scheme}:{self.config.user_name}@{self.phone.address}:{port}{tp}>"

    def _headers(
        self,
        *,
        from_: str,
        to: str,
        call_id: str,
        cseq: int,
        method: str,
        extra: list[tuple[str, str]],
    ) -> Headers:
        pairs = [
            ("Max-Forwards", "70"),
            ("From", from_),
            ("To", to),
            ("Call-ID", call_id),
            ("CSeq", f"{cseq} {method}"),
            *extra,
            ("User-Agent", "sip-harness-phone"),
        ]
        return Headers(pairs)

    def _display(self) -> str:
        name = self.config.display_name
        return f'"{name}" ' if name else ""

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """REG-1: an enabled account registers at start (a disabled one sends nothing)."""
        if not self.config.enable:
            return
        if 1 in self.slots:
            self.lifecycle.start()
            self._spawn(self._register_working(initial=True), "registration")
        else:
            self._start_done()
        if 2 in self.slots and self.config.redundancy_type == CONCURRENT:
            self._spawn(self._register_slot(2), "fallback registration")  # FBK-C1
        elif 2 in self.slots and "registers-fallback-in-successive" in self.phone.defects:
            self._spawn(self._register_slot(2), "fallback registration")

    def stop(self) -> None:
        self._stopped = True
        for name in list(self._timers):
            self._cancel(name)
        self.lifecycle.stop()
        self._start_done()

    def _start_done(self) -> None:
        """The registration at start is on the wire (or failed): let other requests go."""
        if self._start_sent:
            return
        self._start_sent = True
        waiters, self._start_waiters = self._start_waiters, []
        for d in waiters:
            d.callback(None)

    async def _after_start(self) -> None:
        """REG-1: wait until the registration at start has been sent."""
        if not self._start_sent:
            d: Deferred[None] = Deferred()
            self._start_waiters.append(d)
            await d

    # -- sending a new request through one server's targets --------------------

    async def _resolve(self, slot: Slot) -> Resolution:
        server = slot.config
        try:
            resolution: Resolution = await self.phone.locator.locate(
                server.address, server.port, self.config.transport, self.config.naptr_build
            )
        except LocateError as e:
            self.note(f"server {slot.number}: DNS failed for {server.address}: {e}", "DNS-11")
            raise AllTargetsFailed(slot.number, f"DNS failure: {e}", dns=True) from e
        if not resolution.targets:
            self.note(f"server {slot.number}: no targets for {server.address}", "DNS-11")
            raise AllTargetsFailed(slot.number, "no targets", dns=True)
        slot.last_resolution = resolution
        return resolution

    async def send_new(
        self,
        slot: Slot,
        make: Callable[[Target], Request],
        *,
        is_register: bool,
    ) -> Answered:
        """
        Send a new request through C{slot}'s targets, from the one the failback
        mode chooses, until a server gives a final answer other than 503.
        """
        resolution = await self._resolve(slot)
        reasons: list[str] = []
        tried: set[Target] = set()
        while True:
            answered = await self._send_through(slot, resolution, make, is_register=is_register,
                                                reasons=reasons, tried=tried)
            if answered is not None:
                return answered
            # every target it had failed: the ones whose address lookup failed are
            # needed now; ask for them again (DNS-11: a failed lookup is retried, it
            # was no answer to keep until the TTL, DNS-10)
            filled = await self.phone.locator.fill(resolution) if resolution.missing else None
            if filled is not None:
                slot.last_resolution = filled  # (what it now knows, DNS-8)
            if filled is None or set(filled.targets) <= tried:
                break
            resolution = slot.last_resolution = filled
        raise AllTargetsFailed(slot.number, "; ".join(reasons) or "no target")

    async def _send_through(
        self,
        slot: Slot,
        resolution: Resolution,
        make: Callable[[Target], Request],
        *,
        is_register: bool,
        reasons: list[str],
        tried: set[Target],
    ) -> Answered | None:
        """L{send_new} through C{resolution}'s targets not yet C{tried}."""
        targets = resolution.targets
        for index in slot.order(targets, is_register=is_register):
            target = targets[index]
            if target in tried:
                continue
            tried.add(target)
            if (not is_register and target != slot.registered
                    and not self._holds_binding(slot, target)):
                roe = slot.config.register_on_enable or (
                    "registers-before-secondary" in self.phone.defects
                )
                if roe and not resolution.is_primary(target):
                    # FO-5: register to the secondary before sending it anything else
                    ok = await self._register_one(slot, target)
                    if not ok:
                        reasons.append(f"{_fmt(target)}: REGISTER first failed")
                        continue
            request = make(target)
            try:
                response = await self._transact(slot, request, target)
            except TransactionFailure as e:
                self.note(f"{_fmt(target)} failed: {e.reason} ({e.detail})", "RTX-1")
                reasons.append(f"{_fmt(target)}: {e.reason}")
                continue
            if response.status == 503:
                retry_after = _retry_after(response)
                if retry_after:
                    slot.back_off(target, retry_after)
                self.note(f"{_fmt(target)} answered 503; next target", "RTX-3")
                reasons.append(f"{_fmt(target)}: 503")
                continue
            was_failed_over = slot.failover_at is not None
            if slot.answered(index, resolution, after_failure=bool(reasons)):
                self.note(
                    f"server {slot.number}: failed over to {_fmt(target)}",
                    "FO-2" if is_register else "FO-3",
                )
            elif resolution.is_primary(target) and was_failed_over:
                # the decision that matters most to a tester: say it, with its mode's clause
                clause = _FAILBACK_CLAUSE.get(slot.mode, "FB-OK")
                self.note(
                    f"server {slot.number}: failed back to the primary {_fmt(target)}", clause
                )
            return Answered(response, target, index, request)
        return None

    async def _transact(self, slot: Slot, request: Request, target: Target) -> Response:
        if request.method != "REGISTER":
            return await self._transact_once(slot, request, target)
        pending = self._reg_in_flight.get(slot.number)
        waited = False
        while pending is not None and pending[0] != target:
            # RFC 3261 10.2: no new REGISTER of this Call-ID until the one outstanding at
            # another target (FO-5's for a call, a renewal's) has its final response or
            # has timed out, whichever request this one is (a renewal falling due while
            # FO-5's REGISTER to the secondary waited on a slow server, survey 7016 [07])
            done: Deferred[Response | TransactionFailure] = Deferred()
            pending[1].append(done)
            await done
            waited = True
            pending = self._reg_in_flight.get(slot.number)
        if waited and pending is None and cseq_of(request) < self._reg_cseq[slot.number]:
            # (another REGISTER numbered after this one went first: CSeq still + 1)
            self._reg_cseq[slot.number] += 1
            request = Request(request.method, request.uri, request.headers.set(
                "CSeq", f"{self._reg_cseq[slot.number]} REGISTER"), request.body)
        if pending is not None and pending[0] == target:
            # RFC 3261 10.2: never a second REGISTER of this Call-ID in parallel (a
            # REGISTER failover, FO-2, and FO-5's registration before an INVITE going
            # there at once): the one in flight decides for both
            if cseq_of(request) == self._reg_cseq[slot.number]:
                self._reg_cseq[slot.number] -= 1  # never sent: RTX-4's CSeq stays + 1
            waiter: Deferred[Response | TransactionFailure] = Deferred()
            pending[1].append(waiter)
            got = await waiter
            if isinstance(got, TransactionFailure):
                raise got
            return got
        waiters: list[Deferred[Response | TransactionFailure]] = []
        self._reg_in_flight[slot.number] = (target, waiters)
        outcome: Response | TransactionFailure = TransactionFailure(target, "error", "stopped")
        try:
            outcome = await self._transact_once(slot, request, target)
            return outcome
        except TransactionFailure as e:
            outcome = e
            raise
        finally:
            if self._reg_in_flight.get(slot.number, (None, None))[1] is waiters:
                del self._reg_in_flight[slot.number]
            for w in waiters:
                w.callback(outcome)
            del outcome  # (a failure's traceback keeps this frame: no cycle through it)

    async def _transact_once(self, slot: Slot, request: Request, target: Target) -> Response:
        final = self._request(request, target, slot).final
        if request.method == "REGISTER":
            self._start_done()
        # (not the transaction in a local: a failed one keeps its failure, whose
        # traceback keeps this frame, so the two made a cycle per timeout, left to
        # the cyclic collector)
        response: Response = await final
        if response.status in (401, 407):
            # REG-3: answer the challenge once; a second challenge is a failure
            authed = self._authorize(request, response)
            if authed is None:
                return response
            txn = self._request(authed, target, slot)
            response = await txn.final
        return response

    def _request(self, request: Request, target: Target, slot: Slot) -> ClientTransaction:
        """
        Start a client transaction; an INVITE's retransmitted 2xx get the
        dialog's ACK again (RFC 3261 13.2.2.4: the UAS core retransmits its
        2xx until the ACK arrives, 13.3.1.4).
        """
        txn = self.phone.endpoint.request(request, target, self.policy(slot))
        if request.method == "INVITE":
            txn.on_final_retransmission = partial(self._ack_again, request.call_id)
        return txn

    def _ack_again(self, call_id: str, response: Response) -> None:
        dialog = self.dialogs.get(call_id)
        if (dialog is None or dialog.ack is None or not 200 <= response.status < 300
                or response.cseq.seq != dialog.ack.cseq.seq):
            return
        self.phone.endpoint.send_ack(dialog.ack, dialog.target)

    def _authorize(self, request: Request, challenge: Response) -> Request | None:
        header = "WWW-Authenticate" if challenge.status == 401 else "Proxy-Authenticate"
        reply = "Authorization" if challenge.status == 401 else "Proxy-Authorization"
        value = challenge.headers.get(header)
        if value is None or not self.config.password:
            return None
        try:
            ch = parse_challenge(value)
        except ValueError:
            return None
        creds = answer(
            ch,
            method=request.method,
            uri=request.uri,
            username=self.config.auth_name or self.config.user_name,
            password=self.config.password,
            cnonce=f"{self.phone.rng.getrandbits(64):016x}",
            nc=1,
        )
        cseq = request.cseq
        headers = (
            request.headers.remove("Via")
            .set("CSeq", f"{cseq.seq + 1} {cseq.method}")
            .set(reply, creds.to_header())
        )
        if request.method == "REGISTER":
            self._reg_cseq[self._slot_of_call(request.call_id)] = cseq.seq + 1
        return Request(request.method, request.uri, headers, request.body)

    def _slot_of_call(self, call_id: str) -> int:
        for n, cid in self._reg_call_id.items():
            if cid == call_id:
                return n
        return 1

    # -- registration ------------------------------------------------------------

    def _make_register(self, slot: Slot, expires: int) -> Callable[[Target], Request]:
        def make(target: Target) -> Request:
            self._reg_cseq[slot.number] += 1  # RTX-4: same Call-ID, CSeq + 1
            aor = self.aor(slot)
            headers = self._headers(
                from_=f"{self._display()}<{aor}>;tag={self._from_tag[slot.number]}",
                to=f"<{aor}>",
                call_id=self._reg_call_id[slot.number],
                cseq=self._reg_cseq[slot.number],
                method="REGISTER",
                extra=[("Contact", self.contact(target)), ("Expires", str(expires))],
            )
            return Request("REGISTER", f"sip:{slot.config.address}", headers)

        return make

    async def _register_one(self, slot: Slot, target: Target) -> bool:
        """REGISTER to one given target (register_on_enable, FO-5)."""
        # RFC 3261 10.2: no new REGISTER of this Call-ID until the one outstanding (a
        # renewal or a retry still waiting on another target) has its final response or
        # has timed out: wait for it; a REGISTER to this very target joins it (_transact)
        while (pending := self._reg_in_flight.get(slot.number)) is not None \
                and pending[0] != target:
            done: Deferred[Response | TransactionFailure] = Deferred()
            pending[1].append(done)
            await done
        if slot.registered == target:
            # the registration moved there meanwhile (the renewal's own failover, FO-2)
            self.note(f"registered at {_fmt(target)} before using it", "FO-5")
            return True
        request = self._make_register(slot, slot.config.expires)(target)
        try:
            response = await self._transact(slot, request, target)
        except TransactionFailure:
            return False
        if 200 <= response.status < 300:
            self._registered(slot, target, response, request)
            self.note(f"registered at {_fmt(target)} before using it", "FO-5")
            return True
        return False

    async def _register(self, slot: Slot, *, own_round: bool = False) -> bool | None:
        """
        One registration attempt through all of C{slot}'s targets: C{True}
        registered, C{False} every target failed (RTX-5, FO-6), C{None} a
        server answered with a refusal (not a server failure, RTX-3).
        C{own_round}: the working server's registration itself (not a probe):
        every target failing it sends its retry to the top (L{Slot.exhausted};
        a failed lookup tried no target, DNS-11, and leaves the order as it was).
        """
        try:
            got = await self.send_new(
                slot, self._make_register(slot, slot.config.expires), is_register=True
            )
        except AllTargetsFailed as e:
            self.note(f"server {slot.number}: registration failed: {e.why}", "RTX-5")
            slot.registered = None
            if own_round and not e.dns:
                slot.exhausted()
            return False
        if 200 <= got.response.status < 300:
            self._registered(slot, got.target, got.response, got.request)
            return True
        self.note(f"server {slot.number}: registration refused: {got.response.status}", "REG-3")
        slot.registered = None
        self._bindings.pop(slot.number, None)
        return None

    def _holds_binding(self, slot: Slot, target: Target) -> bool:
        """
        Whether the phone's last registration at C{target} is still unexpired
        though a later registration attempt failed without being refused (its
        lookup failed, DNS-11, or every target failed, RTX-5) or registered at
        another target: the binding at C{target} stands (RFC 3261 10.2.1: a
        registrar's binding lasts until it expires; the secondary's 200 OK did
        not end it), so FO-5 owes no REGISTER there before sending it a request.
        A REGISTER then would stand in for the renewal FB-2 sends to the primary
        (survey 7018 [03], round 17: the renewal's lookup failed, a call kept on
        the secondary registered there first and the RTX-5 retry to the primary
        never came), or for a new request's try of the primary (w7038 [7545],
        round 26: registered at the primary for 120 s from 2.1 s, its renewal
        unanswered and failed over to the secondary; the next lookup left the
        nameless first SRV target unresolved, so the primary was not known as
        such, and the call at 91 s registered there first, not inviting it:
        FB-0 saw the INVITE start at the secondary).
        """
        until = self._bindings.get(slot.number, {}).get(target)
        return until is not None and self.phone.reactor.seconds() < until

    def _registered(self, slot: Slot, target: Target, response: Response, req: Request) -> None:
        granted = _granted_expires(response, req, slot.config.expires)
        slot.registered = target
        now = self.phone.reactor.seconds()
        self._bindings.setdefault(slot.number, {})[target] = now + granted
        self.note(f"server {slot.number}: registered at {_fmt(target)} for {granted}s", "REG-2")
        if slot.number == 1:
            self._refused_retry = False  # (registered: no retry after a refusal pending)
            self.lifecycle.registered(target, granted)  # REG-2 (profile renewal point)
        elif slot.number == 2:
            keep_fresh = (
                self.config.redundancy_type == CONCURRENT
                or "registers-fallback-in-successive" in self.phone.defects
            )
            self.lifecycle.fallback_registered(target, granted, keep_fresh)
        if self.phone.mwi:
            self._spawn(self._subscribe_mwi(slot, target), "MWI subscription")

    # the lifecycle's timers fire here: feed the input, then start what it allows

    def _renew_due(self) -> None:
        if self.lifecycle.renew_due():
            self._spawn(self._register_working(), "renewal")

    def _retry_due(self) -> None:
        self.lifecycle.retry_due()
        self._spawn(self._register_working(), "retry")

    def _probe_due(self) -> None:
        if self.lifecycle.probe_due():
            self._spawn(self._probe(), "probe")

    def _fallback_renew_due(self) -> None:
        """REG-2: refresh the registration at the fallback server at the renewal point."""
        self.lifecycle.fallback_renew_due()
        self._spawn(self._register_slot(2), "renew")

    def _fallback_retry_due(self) -> None:
        self.lifecycle.fallback_retry_due()
        self._spawn(self._register_slot(2), "retry")

    async def _register_slot(self, n: int) -> None:
        """Register (or refresh) the fallback server alone; retry per RTX-5 on failure."""
        assert n == 2
        ok = await self._register(self.slots[n])
        if not ok and not self._stopped:
            if ok is False and self.on_fallback:
                # successive mode, on the fallback server because server 1 failed, and
                # now the fallback server failed too: every target has failed, so RTX-5
                # retries the whole list from its top (server 1, then FO-6/FBK-S2 the
                # fallback), instead of retrying the fallback server alone while
                # probing the working server only every fallback.timeout s
                self.lifecycle.fallback_lost()
            elif (self.config.redundancy_type == SUCCESSIVE and not self.on_fallback
                  and "registers-fallback-in-successive" not in self.phone.defects):
                # successive mode, back on the working server (FBK-S4) while this renewal
                # of the fallback registration was out: one server at a time, so it is
                # not kept and its failure is not retried (FBK-S1; survey 7003, round 7:
                # the probe's 200 and the fallback renewal's failure half a second apart)
                self.note("server 2: registration failed; back on the working server, "
                          "not retried", "FBK-S4")
            else:
                self.lifecycle.fallback_failed()

    async def _register_working(self, initial: bool = False) -> None:
        """Register to server 1; on failure fall back (successive) or retry later."""
        try:
            await self._register_working_once()
        finally:
            if initial:
                self._start_done()

    async def _register_working_once(self) -> None:
        slot = self.slots[1]
        self._refused_retry = False
        ok = await self._register(slot, own_round=True)
        if ok or self._stopped:
            return
        if (ok is False and self.config.redundancy_type == SUCCESSIVE and 2 in self.slots
                and await self._fall_back()):
            return
        self._retry_later(refused=ok is None)

    async def _fall_back(self) -> bool:
        """
        FBK-S2 / FO-6: server 1 failed; register to the fallback server.  Whether
        it accepted (the lifecycle then keeps that registration refreshed and
        starts probing).
        """
        self.lifecycle.falling_back()
        if await self._register(self.slots[2]):
            self.lifecycle.fell_back()
            return True
        return False

    def _retry_later(self, refused: bool = False) -> None:
        """RTX-5: retry the registration after the retry interval (C{refused}: RTX-3)."""
        if "no-reregister-retry" in self.phone.defects:
            self.lifecycle.gave_up()
            return
        self.lifecycle.retry_later()
        self._refused_retry = refused

    def _owes_fallback_now(self, e: AllTargetsFailed) -> bool:
        """
        Whether a request's failure at server 1, C{e}, makes the registration fall
        back at once (successive mode): the lookup of server 1 gave no target
        (DNS-11: a failure of that server, whatever request asked; fallback takes
        over) while the registration, registered nowhere, waited out its retry
        after server 1 refused it (a refusal is no failure, RTX-3).  Its own
        retry would find server 1 failed only at the retry interval.  Survey
        7027 [02], round 21: a 500 to the first REGISTER, the name's A record
        removed, a call's lookup failing 8 s in, the REGISTER to the fallback
        server only 22 s later.
        """
        return (e.slot == 1 and e.dns and self._refused_retry and self.state == "Retrying"
                and self.config.redundancy_type == SUCCESSIVE and 2 in self.slots)

    async def _fall_back_now(self) -> None:
        """L{_owes_fallback_now}: the pending retry is void; register to the fallback."""
        self._refused_retry = False
        self.lifecycle.retry_due()
        if not await self._fall_back() and not self._stopped:
            self._retry_later()

    async def _probe(self) -> None:
        """FBK-S3/S4: REGISTER to the working server while on the fallback."""
        ok = await self._register(self.slots[1])
        if ok:
            self.lifecycle.probe_ok()
        elif not self._stopped:
            self.lifecycle.probe_failed()

    # -- MWI (FBK-F) ---------------------------------------------------------------

    async def _subscribe_mwi(self, slot: Slot, target: Target) -> None:
        aor = self.aor(slot)
        headers = self._headers(
            from_=f"<{aor}>;tag={new_tag(self.phone.rng)}",
            to=f"<{aor}>",
            call_id=new_call_id(self.phone.rng, self.phone.address),
            cseq=1,
            method="SUBSCRIBE",
            extra=[
                ("Contact", self.contact(target)),
                ("Event", "message-summary"),
                ("Accept", "application/simple-message-summary"),
                ("Expires", str(slot.config.expires)),
            ],
        )
        request = Request("SUBSCRIBE", aor, headers)
        try:
            response = await self._transact(slot, request, target)
        except TransactionFailure as e:
            self.note(f"MWI subscription to {_fmt(target)} got no answer: {e.reason}")
            return
        if response.status in (405, 489, 501):
            self.note(
                f"{_fmt(target)} does not offer MWI ({response.status}); calling unaffected",
                "FBK-F",
            )

    # -- calls ------------------------------------------------------------------------

    def call(
        self, uri: str, *, duration: float = 5.0, reinvite: bool = False
    ) -> Deferred[CallResult]:
        """Place a call (FO-3, FBK-C2); hang up after C{duration} seconds."""
        return self._spawn(self._call(uri, duration, reinvite), "call")

    def _call_slots(self) -> list[Slot]:
        if self.on_fallback and 2 in self.slots:
            return [self.slots[2]]
        return [self.slots[n] for n in (1, 2) if n in self.slots]

    async def _call(self, uri: str, duration: float, reinvite: bool) -> CallResult:
        call_id = new_call_id(self.phone.rng, self.phone.address)
        tag = new_tag(self.phone.rng)
        cseq = 0
        await self._after_start()  # REG-1: the REGISTER at start goes first
        for slot in self._call_slots():
            local_uri = self.aor(slot)

            def make(target: Target, slot: Slot = slot, local_uri: str = local_uri) -> Request:
                nonlocal cseq
                cseq += 1
                headers = self._headers(
                    from_=f"{self._display()}<{local_uri}>;tag={tag}",
                    to=f"<{uri}>",
                    call_id=call_id,
                    cseq=cseq,
                    method="INVITE",
                    extra=[
                        ("Contact", self.contact(target)),
                        ("Content-Type", "application/sdp"),
                    ],
                )
                return Request("INVITE", uri, headers, _sdp(self.phone.address))

            try:
                got = await self.send_new(slot, make, is_register=False)
            except AllTargetsFailed as e:
                self.note(f"INVITE through server {slot.number} failed: {e.why}", "FO-6")
                if self._owes_fallback_now(e):
                    self._spawn(self._fall_back_now(), "fallback")
                if slot.number == 1 and slot.registered is not None:
                    # FBK-C3: the working server is down; keep trying to register to it
                    slot.registered = None
                    self._bindings.pop(slot.number, None)
                    self.lifecycle.working_lost()
                continue
            status = got.response.status
            if not 200 <= status < 300:
                result = CallResult(False, status, got.target, slot.number)
                self.calls.append(result)
                return result
            dialog = self._dialog_from_2xx(got, slot, tag, local_uri)
            self._send_ack(dialog, cseq_of(got.request))
            self.note(f"call {call_id} up through {_fmt(got.target)}", "FO-3")
            result = CallResult(True, status, got.target, slot.number)
            self.calls.append(result)
            if reinvite:
                self._schedule(
                    f"reinvite-{call_id}",
                    duration / 2,
                    partial(self._spawn_in_dialog, self._reinvite, dialog, "re-INVITE"),
                )
            self._schedule(
                f"bye-{call_id}", duration, partial(self._spawn_in_dialog, self._bye, dialog, "BYE")
            )
            return result
        result = CallResult(False, None, None, None)
        self.calls.append(result)
        return result

    def _spawn_in_dialog(
        self, fn: Callable[[Dialog], Coroutine[Any, Any, None]], dialog: Dialog, what: str
    ) -> None:
        self._spawn(fn(dialog), what)

    def _dialog_from_2xx(self, got: Answered, slot: Slot, tag: str, local_uri: str) -> Dialog:
        resp = got.response
        route = tuple(reversed(resp.headers.get_all("Record-Route")))
        contact = resp.headers.get("Contact") or f"<{got.request.uri}>"
        remote_target = _uri_of(contact)
        return Dialog(
            call_id=resp.call_id,
            local_tag=tag,
            remote_tag=resp.to.tag or "",
            local_uri=local_uri,
            remote_uri=got.request.uri,
            remote_target=remote_target,
            route=route,
            target=got.target,
            slot=slot.number,
            cseq=cseq_of(got.request),
            outgoing=True,
        )

    def _dialog_target(self, dialog: Dialog) -> Target:
        if "bye-to-new-server" in self.phone.defects:
            slot = self.slots.get(dialog.slot)
            res = slot.last_resolution if slot is not None else None
            if slot is not None and res is not None and res.targets:
                return res.targets[slot.position(res.targets)]
        return dialog.target

    def _in_dialog(self, dialog: Dialog, method: str, cseq: int, body: bytes = b"") -> Request:
        extra: list[tuple[str, str]] = [("Route", r) for r in dialog.route]
        extra.append(("Contact", self.contact(dialog.target)))
        if body:
            extra.append(("Content-Type", "application/sdp"))
        headers = self._headers(
            from_=f"<{dialog.local_uri}>;tag={dialog.local_tag}",
            to=f"<{dialog.remote_uri}>;tag={dialog.remote_tag}",
            call_id=dialog.call_id,
            cseq=cseq,
            method=method,
            extra=extra,
        )
        return Request(method, dialog.remote_target, headers, body)

    def _send_ack(self, dialog: Dialog, cseq: int) -> None:
        ack = self._in_dialog(dialog, "ACK", cseq)
        # FO-4: where the dialog was set up
        dialog.ack = self.phone.endpoint.send_ack(ack, dialog.target)
        self.dialogs[dialog.call_id] = dialog

    async def _reinvite(self, dialog: Dialog) -> None:
        if dialog.call_id not in self.dialogs:
            return
        dialog.cseq += 1
        req = self._in_dialog(dialog, "INVITE", dialog.cseq, _sdp(self.phone.address, hold=True))
        target = self._dialog_target(dialog)
        slot = self.slots[dialog.slot]
        try:
            response = await self._request(req, target, slot).final
        except TransactionFailure as e:
            self.note(f"re-INVITE failed: {e.reason}")
            return
        if 200 <= response.status < 300:
            dialog.ack = self.phone.endpoint.send_ack(
                self._in_dialog(dialog, "ACK", dialog.cseq), target)

    async def _bye(self, dialog: Dialog) -> None:
        if self.dialogs.pop(dialog.call_id, None) is None:
            return
        dialog.cseq += 1
        req = self._in_dialog(dialog, "BYE", dialog.cseq)
        target = self._dialog_target(dialog)
        slot = self.slots[dialog.slot]
        try:
            await self.phone.endpoint.request(req, target, self.policy(slot)).final
        except TransactionFailure as e:
            self.note(f"BYE to {_fmt(target)} failed: {e.reason}", "FO-4")
            return
        self.note(f"call {dialog.call_id} ended through {_fmt(target)}", "FO-4")

    # -- incoming requests (UAS) ---------------------------------------------------

    def incoming(self, st: Any) -> None:
        """Answer a request addressed to this account (calls from the server)."""
        from harness.sip.message import make_response

        request: Request = st.request
        method = request.method
        if method == "INVITE":
            existing = self.dialogs.get(request.call_id)
            tag = existing.local_tag if existing else new_tag(self.phone.rng)
            transport, host, port = st.source
            target = Target(transport, host, port)
            st.respond(make_response(request, 180, to_tag=tag))
            contact = self.contact(target)
            st.respond(
                make_response(
                    request,
                    200,
                    to_tag=tag,
                    headers=[("Contact", contact), ("Content-Type", "application/sdp")],
                    body=_sdp(self.phone.address),
                )
            )
            if existing is None:
                route = tuple(request.headers.get_all("Record-Route"))
                remote_contact = request.headers.get("Contact") or f"<{request.from_.uri}>"
                self.dialogs[request.call_id] = Dialog(
                    call_id=request.call_id,
                    local_tag=tag,
                    remote_tag=request.from_.tag or "",
                    local_uri=str(request.to.uri),
                    remote_uri=str(request.from_.uri),
                    remote_target=_uri_of(remote_contact),
                    route=route,
                    target=target,
                    slot=1,
                    cseq=0,
                    outgoing=False,
                )
            return
        if method == "BYE":
            # RFC 3261 15.1.2: a BYE matching no dialog gets 481 (the echo
            # user's BYE for an INVITE this phone abandoned, whose 2xx it
            # ignored, or a BYE crossing this phone's own hang-up).
            known = self.dialogs.pop(request.call_id, None) is not None
            st.respond(make_response(request, 200 if known else 481))
            return
        if method in ("OPTIONS", "NOTIFY", "CANCEL", "MESSAGE", "UPDATE", "INFO"):
            st.respond(make_response(request, 200))
            return
        st.respond(make_response(request, 501))


def cseq_of(request: Request) -> int:
    return request.cseq.seq


def _fmt(target: Target) -> str:
    return f"{target.host}:{target.port}/{target.transport}"


def _uri_of(name_addr: str) -> str:
    text = name_addr.strip()
    if "<" in text and ">" in text:
        return text[text.index("<") + 1 : text.index(">")]
    return text.split(";", 1)[0]


def _retry_after(response: Response) -> int:
    value = response.headers.get("Retry-After")
    if not value:
        return 0
    head = value.split(";", 1)[0].split("(", 1)[0].strip()
    return int(head) if head.isdigit() else 0


def _granted_expires(response: Response, request: Request, asked: int) -> int:
    """The expiry the registrar granted our binding (Contact param, else Expires)."""
    ours = _uri_of(request.headers.get("Contact") or "")
    for value in response.headers.get_all("Contact"):
        if _uri_of(value) == ours and "expires=" in value:
            param = value.split("expires=", 1)[1].split(";", 1)[0].strip()
            if param.isdigit():
                return int(param)
    header = response.headers.get("Expires")
    if header and header.strip().isdigit():
        return int(header.strip())
    return asked


def _sdp(address: str, hold: bool = False) -> bytes:
    direction = "sendonly" if hold else "sendrecv"
    return (
        "v=0\r\n"
        f"o=harness 1 1 IN IP4 {address}\r\n"
        "s=-\r\n"
        f"c=IN IP4 {address}\r\n"
        "t=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        f"a={direction}\r\n"
    ).encode("ascii")
