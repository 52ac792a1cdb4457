"""
One fake SIP server (primary, secondary, fallback, or any named role): a
L{SipEndpoint} with a L{Registrar}, a L{CallServer} and its faults.

Why one class for every role: the roles differ only in data (address,
feature set, whether the location service is shared), and a certification
must be able to put any fault on any of them.  The server is the I{only}
place a fault takes effect (L{SipServer.apply_fault}), and each application
is recorded as a L{FaultEvent} with C{target=role}, so faults applied from
Python directly are traced exactly like scheduled ones.

Request flow: the endpoint's transaction layer absorbs retransmissions and
answers CANCEL; each new server transaction (and each ACK for a 2xx) comes to
L{SipServer._on_request}, which tells the request observers (the fault
scheduler's C{on_request} counters), asks the active request-level faults
for a L{Decision} and then either drops, answers, delays, half-answers
(crash-mid) or hands the request to the registrar (REGISTER) or the call
server (everything else).

Ports: C{stop} and C{flap} close every listening port and connection by
closing the endpoint; re-opening builds a fresh endpoint on the same ports
(a host that went down loses its transactions, as a real one would).
C{cert} swaps the certificate behind a switchable TLS connection creator,
so new TLS connections see the new certificate while the ports stay open.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from OpenSSL.SSL import Connection
from twisted.internet.interfaces import IDelayedCall, IOpenSSLServerConnectionCreator
from zope.interface import implementer

from harness.servers.faults import Fault, FaultError, RequestFaults
from harness.servers.features import FeatureSet, MwiState, feature_set
from harness.servers.location import Binding, LocationService
from harness.servers.proxy import CallServer, DialogRecord
from harness.servers.registrar import Authenticator, Registrar
from harness.sip.message import Request, make_response, new_tag
from harness.sip.transaction import RetryPolicy, ServerTransaction
from harness.sip.transport import SipEndpoint, _trace_clock  # (the same time base)
from harness.tls import server_context
from harness.trace.events import FaultEvent, Trace

__all__ = ["DEFAULT_TRANSPORTS", "SipServer", "SwitchableServerCreator"]

DEFAULT_TRANSPORTS: Mapping[str, int] = {"udp": 5060, "tcp": 5060, "tls": 5061}


@implementer(IOpenSSLServerConnectionCreator)
class SwitchableServerCreator:
    """
    A TLS server connection creator whose certificate can be changed while
    the port stays open (fault C{cert}): each new connection asks
    L{current} for its context.
    """

    def __init__(self, current: Any) -> None:
        self.current = current

    def serverConnectionForTLS(self, tlsProtocol: Any) -> Connection:
        cur = self.current
        if IOpenSSLServerConnectionCreator.providedBy(cur):
            return cast(Connection, cur.serverConnectionForTLS(tlsProtocol))
        return Connection(cur.getContext(), None)


def _default_cert(role: str, domain: str) -> str:
    """C{<role>.<domain>} if the bundled PKI has it, else C{<domain>}."""
    from harness.tls import certs_dir

    for name in (f"{role}.{domain}", domain):
        if (certs_dir() / f"{name}.pem").exists():
            return name
    return f"{role}.{domain}"


class SipServer:
    """
    A fake SIP server.

    @param reactor: the host's reactor view (C{SimHost}, C{WireHost}).
    @param trace: the run's trace.
    @param role: its name in traces and faults (C{"primary"}, ...).
    @param address: the IP address it listens on.
    @param transports: transport -> port.
    @param domain: the SIP domain (digest realm; the echo user's domain).
    @param location: a shared L{LocationService}, or None for its own.
    @param features: a L{FeatureSet} or C{"full"} / C{"basic"} /
        C{"basic:405"} ...; default C{"full"}.
    @param credentials: auth user -> password; None: no authentication.
    @param rng: the run's seeded RNG (branches, tags, nonces).
    @param tls_cert_name: the certificate presented on TLS (a name under
        C{certs/}); default C{"<role>.<domain>"}.
    @param min_expires / max_expires / default_expires: registration limits.
    @param auto_answer_users: users answered by the server itself (echo).
    @param answer_delay: seconds between the echo user's 180 and 200.
    @param digest_algorithms: offered digest algorithms, preferred first.
    @param policy: retry policy of the server's own client transactions.
    @param aliases: other hosts that name this server (a cluster peer's
        address, the domain) for Route processing.
    @param trust_root: the CA trusted when the server is a TLS client.
    @param udp_receive_buffer: the UDP socket's receive buffer on a real
        network (see L{SipEndpoint}); None: the system default.
    @param udp_batch: UDP datagrams sent per batch on a real network (see
        L{SipEndpoint}); 1: each at once.
    """

    def __init__(
        self,
        reactor: Any,
        trace: Trace,
        *,
        role: str,
        address: str,
        transports: Mapping[str, int] = DEFAULT_TRANSPORTS,
        domain: str = "example.test",
        location: LocationService | None = None,
        features: FeatureSet | str | None = None,
        credentials: Mapping[str, str] | None = None,
        rng: random.Random | None = None,
        tls_cert_name: str | None = None,
        min_expires: int = 30,
        max_expires: int = 86400,
        default_expires: int = 3600,
        auto_answer_users: Iterable[str] = ("echo",),
        answer_delay: float = 0.0,
        digest_algorithms: tuple[str, ...] = ("MD5",),
        nonce_lifetime: float = 300.0,
        policy: RetryPolicy | None = None,
        aliases: Iterable[str] = (),
        trust_root: Any = None,
        mwi: MwiState | None = None,
        udp_receive_buffer: int | None = None,
        udp_batch: int = 1,
    ) -> None:
        for t in transports:
            if t not in ("udp", "tcp", "tls"):
                raise ValueError(f"unknown transport {t!r} (valid: udp, tcp, tls)")
        self.reactor = reactor
        self.trace = trace
        self.role = role
        self.address = address
        self.transports: dict[str, int] = dict(transports)
        self.domain = domain
        self.rng = rng if rng is not None else random.Random(0)
        self.features = feature_set(features)
        self.tls_cert_name = tls_cert_name or _default_cert(role, domain)
        self.trust_root = trust_root
        self.udp_receive_buffer = udp_receive_buffer
        self.udp_batch = udp_batch
        self.aliases = {a.lower() for a in aliases} | {address.lower(), domain.lower()}
        self._now = _trace_clock(reactor)
        self._location = location if location is not None else LocationService(reactor)
        self.auth: Authenticator | None = None
        if credentials is not None:
            self.auth = Authenticator(
                realm=domain,
                clock=reactor,
                rng=self.rng,
                credentials=dict(credentials),
                algorithms=digest_algorithms,
                nonce_lifetime=nonce_lifetime,
            )
        self.registrar = Registrar(
            self._location,
            server_name=role,
            min_expires=min_expires,
            max_expires=max_expires,
            default_expires=default_expires,
            auth=self.auth,
            rng=self.rng,
        )
        self.proxy = CallServer(
            name=role,
            address=address,
            domain=domain,
            clock=reactor,
            rng=self.rng,
            location=self._location,
            features=self.features,
            endpoint=lambda: self.endpoint,
            local_uri=self.local_uri,
            is_local=self.is_local,
            auto_answer_users=auto_answer_users,
            answer_delay=answer_delay,
            policy=policy,
            mwi=mwi,
        )
        self.faults = RequestFaults()
        self.endpoint: SipEndpoint | None = None
        self._tls_creator: SwitchableServerCreator | None = None
        self._running = False
        self._stopped = False  # ports closed by a fault
        self._flap: list[IDelayedCall] = []
        self._flapping: Fault | None = None
        self._stop_faults: list[Fault] = []
        self._observers: list[Callable[[Request], None]] = []
        self._delayed: list[IDelayedCall] = []
        #: requests received (transactions, plus ACKs for 2xx), by method
        self.received: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"<SipServer {self.role} {self.address} {sorted(self.transports.items())}>"

    # -- identity ----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.role

    @property
    def ports(self) -> tuple[tuple[str, int], ...]:
        """(transport, port) pairs it listens on (as in C{certify.facts.ServerInfo})."""
        return tuple(sorted(self.transports.items()))

    def local_uri(self, transport: str) -> str:
        """C{sip:<address>:<port>;transport=<t>} for this server on C{transport}."""
        t = transport if transport in self.transports else next(iter(self.transports), "udp")
        port = self.transports.get(t, 5060)
        return f"sip:{self.address}:{port};transport={t}"

    def is_local(self, host: str) -> bool:
        return host.lower().strip("[]") in self.aliases

    # -- location sharing ------------------------------------------------------------------

    @property
    def location(self) -> LocationService:
        return self._location

    def use_location(self, location: LocationService) -> None:
        """Use a (shared) location service from now on (L{WorkingCluster})."""
        self._location = location
        self.registrar.location = location
        self.proxy.location = location

    def bindings(self, aor: str) -> list[Binding]:
        return self._location.bindings(aor)

    @property
    def dialogs(self) -> dict[str, DialogRecord]:
        """Every dialog this server handled, by Call-ID."""
        return self.proxy.dialogs

    # -- life cycle --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Started and not stopped by a fault: the ports are open."""
        return self.endpoint is not None

    def start(self) -> None:
        """Open the ports (the TLS certificate is loaded now)."""
        self._running = True
        if not self._stopped:
            self._open()

    def stop(self) -> None:
        """Close every port and connection, cancel every timer (end of the run)."""
        self._running = False
        self._cancel_flap()
        for call in self._delayed:
            if call.active():
                call.cancel()
        self._delayed.clear()
        self.proxy.close()
        self._close()

    def _open(self) -> None:
        if self.endpoint is not None:
            return
        creator = None
        if "tls" in self.transports:
            if self._tls_creator is None:
                self._tls_creator = SwitchableServerCreator(server_context(self.tls_cert_name))
            creator = self._tls_creator
        endpoint = SipEndpoint(
            self.reactor,
            self.trace,
            self.address,
            rng=self.rng,
            tls_server_context=creator,
            trust_root=self.trust_root,
            name=self.role,
            udp_receive_buffer=self.udp_receive_buffer,
            udp_batch=self.udp_batch,
        )
        endpoint.on_request = self._on_request
        # (the keys were checked in __init__; annotated as Any rather than cast():
        # typing.cast is a call, three per server per world)
        transports: dict[Any, int] = self.transports
        try:
            for transport, port in transports.items():
                endpoint.listen(transport, port)
        except Exception:
            endpoint.close()
            raise
        self.endpoint = endpoint

    def _close(self) -> None:
        endpoint, self.endpoint = self.endpoint, None
        if endpoint is not None:
            endpoint.close()

    # -- requests ----------------------------------------------------------------------

    def add_request_observer(self, observer: Callable[[Request], None]) -> Callable[[], None]:
        """
        Call C{observer} with every new request (one per transaction, and ACKs
        for 2xx) before faults are applied; returns an unsubscribe function.
        """
        self._observers.append(observer)

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)

        return unsubscribe

    def _on_request(self, st: ServerTransaction) -> None:
        request = st.request
        method = request.method
        self.received[method] = self.received.get(method, 0) + 1
        if self._observers:
            for observer in list(self._observers):
                observer(request)
        if not self.faults:
            self._handle(st)  # no fault active: the common case, decided without a Decision
            return
        decision = self.faults.decide(method)
        kind = decision.kind
        if kind == "pass":
            self._handle(st)
        elif kind == "drop":
            return
        elif kind == "respond":
            if method == "ACK":
                return
            headers = []
            if decision.retry_after is not None:
                headers.append(("Retry-After", str(decision.retry_after)))
            code = decision.code or 503
            st.respond(make_response(request, code, to_tag=self._tag(code), headers=headers))
        elif kind == "delay":
            self._delayed.append(self.reactor.callLater(decision.seconds, self._late, st))
        elif kind == "crash":
            if method != "ACK":
                st.respond(make_response(request, 100))

    def _tag(self, code: int) -> str | None:
        return new_tag(self.rng) if code >= 200 else None

    def _late(self, st: ServerTransaction) -> None:
        self._delayed = [c for c in self._delayed if c.active()]
        if self.endpoint is None or st.terminated:
            return
        self._handle(st)

    def _handle(self, st: ServerTransaction) -> None:
        if st.request.method == "REGISTER":
            if not self.features.allows_method("REGISTER"):
                self.proxy._reject_method(st)
                return
            st.respond(self.registrar.handle(st.request, st.source))
        else:
            self.proxy.handle(st)

    # -- faults ------------------------------------------------------------------------

    def _event(self, action: str, detail: str = "") -> None:
        self.trace.record(FaultEvent(self._now(), self.role, action, detail))

    def apply_fault(self, fault: Fault) -> None:
        """
        Apply C{fault} now and record it (see L{harness.servers.faults} for
        the meaning of each action).  C{until} is the scheduler's business.
        """
        a = fault.action
        if a in ("silence", "respond", "delay", "drop-first", "crash-mid"):
            self.faults.add(fault)
        elif a == "stop":
            self._stop_faults.append(fault)
            self._set_stopped(True)
        elif a == "restore":
            self._event("restore", fault.describe())
            self.restore(record=False)
            return
        elif a == "flap":
            self._cancel_flap()
            self._flapping = fault
        elif a == "cert":
            self._set_cert(fault.name or self.tls_cert_name)
        else:
            raise FaultError(f"action {a!r} does not apply to a SIP server")
        self._event(a, fault.describe())
        if a == "flap":
            self._flap_down(fault)

    def lift_fault(self, fault: Fault) -> None:
        """Undo one fault (its C{until} has come); recorded as C{restore}."""
        a = fault.action
        lifted = False
        if a in ("silence", "respond", "delay", "drop-first", "crash-mid"):
            lifted = self.faults.remove(fault)
        elif a == "stop" and fault in self._stop_faults:
            self._stop_faults.remove(fault)
            lifted = True
            if not self._stop_faults and self._flapping is None:
                self._set_stopped(False)
        elif a == "flap" and self._flapping == fault:
            self._cancel_flap()
            lifted = True
            if not self._stop_faults:
                self._set_stopped(False)
        elif a == "cert":
            self._set_cert(self.tls_cert_name)
            lifted = True
        if lifted:
            self._event("restore", f"{a} lifted (until)")

    def restore(self, *, record: bool = True) -> None:
        """Lift every fault: answer normally, ports open, original certificate."""
        if record:
            self._event("restore")
        self.faults.clear()
        self._stop_faults.clear()
        self._cancel_flap()
        self._set_cert(self.tls_cert_name)
        self._set_stopped(False)

    def _set_stopped(self, stopped: bool) -> None:
        self._stopped = stopped
        if stopped:
            self._close()
        elif self._running:
            self._open()

    def _set_cert(self, name: str) -> None:
        context = server_context(name)
        if self._tls_creator is None:
            self._tls_creator = SwitchableServerCreator(context)
        else:
            self._tls_creator.current = context

    def _cancel_flap(self) -> None:
        for call in self._flap:
            if call.active():
                call.cancel()
        self._flap.clear()
        self._flapping = None

    def _flap_down(self, fault: Fault) -> None:
        if self._flapping is not fault:
            return
        period = fault.period or 1.0
        down = fault.down if fault.down is not None else period / 2
        self._set_stopped(True)
        self._event("flap", "down")
        self._flap = [self.reactor.callLater(down, self._flap_up, fault)]

    def _flap_up(self, fault: Fault) -> None:
        if self._flapping is not fault:
            return
        period = fault.period or 1.0
        down = fault.down if fault.down is not None else period / 2
        if not self._stop_faults:
            self._set_stopped(False)
        self._event("flap", "up")
        self._flap = [self.reactor.callLater(period - down, self._flap_down, fault)]
