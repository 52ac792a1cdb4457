# -*- test-case-name: tests.sip.test_transport -*-
"""
SIP transports (RFC 3261 section 18): UDP, TCP and TLS shells over the
sans-IO framer, and L{SipEndpoint}, which owns them and the transaction layer.

Why thin shells: parsing and framing live in L{harness.sip.message} and
L{harness.sip.framing}, the state machines in L{harness.sip.transaction}; this
module only moves bytes, records what it saw (every SIP message sent or
received becomes a L{SipEvent} observed by this endpoint's address; TLS
handshake results become L{ConnEvent}s), and turns transport failures into
typed L{TransactionFailure}s at once (RTX-2, TLS-1).

It runs unchanged on the simulated network (a L{harness.net.simulated.SimHost})
and on real sockets (a L{harness.net.wire.WireHost}); it never imports the
global reactor.  TLS is C{TLSMemoryBIOFactory(..., clock=reactor)} on top of
C{listenTCP}/C{connectTCP}: without C{clock=} application data never arrives
on a fake reactor (TWISTED-NOTES.md).

Decisions:

  - Routing of responses (RFC 3261 18.2.2, RFC 3581): over TCP/TLS on the
    connection the request came on, else a new connection to the Via's
    C{received} (or host) and sent-by port; over UDP to C{received}:C{rport}
    when the request asked for C{rport}, else C{received} (or host) and the
    sent-by port (default 5060).
  - A request bigger than C{udp_max} (1300 bytes, RFC 3261 18.1.1) for a UDP
    target goes over TCP to the same address and port (Via says TCP, and
    L{ClientTransaction.target} is the TCP target); if that is refused the
    transaction fails with C{"refused"} (no silent UDP fallback).
  - Connections are reused per (transport, host, port, TLS name) and closed
    after C{idle_timeout} seconds without traffic and without a live client
    transaction on them.
  - Hostile streams are bounded in time as well as in bytes (the framer
    bounds the bytes): a message left incomplete for C{message_timeout}
    seconds (slowloris, a Content-Length larger than what is sent) and an
    accepted TLS connection whose handshake is not done within
    C{message_timeout} close the connection, with a L{NoteEvent} saying why.
    Traffic that keeps a connection from being idle does not keep a partial
    message alive.
  - A stream that breaks framing or carries a malformed message cannot be
    resynchronised: if the request line and Via of the first unprocessed
    message can be read, it gets a 400 with the reason, then the connection
    is closed (as on UDP, where the datagram gets the 400).
  - A stream message's C{raw} in its L{SipEvent} is the message's canonical
    serialisation (the framer returns parsed messages only); a datagram's is
    the datagram as received.
"""

from __future__ import annotations

import re
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from errno import ECONNREFUSED
from operator import itemgetter
from typing import Any, Literal, cast

from twisted.internet import udp
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    NoRouteError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.internet.interfaces import (
    IAddress,
    IDelayedCall,
    IHandshakeListener,
    IListeningPort,
    IOpenSSLClientConnectionCreator,
    IProtocolFactory,
    IReactorTime,
)
from twisted.internet.protocol import (
    ClientFactory,
    DatagramProtocol,
    Factory,
    Protocol,
    connectionDone,
)
from twisted.internet.ssl import optionsForClientTLS
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.python.failure import Failure
from zope.interface import implementer

from harness.sip import _abnf
from harness.sip.framing import (
    StreamFramer,
    parse_datagram,
    parse_datagram_again,
    remember_sent,
)
from harness.sip.locate import Target
from harness.sip.message import (
    DEFAULT_LIMITS,
    Headers,
    Limits,
    ParseError,
    Request,
    Response,
    Via,
    _params_str,
    _set_param,
    _trusted_request,
    _trusted_via,
    lean_copy,
    make_response,
    new_branch,
    parse,
)
from harness.sip.transaction import (
    DEFAULT_POLICY,
    ClientTransaction,
    FailureReason,
    RetryPolicy,
    ServerTransaction,
    TransactionFailure,
    TransactionLayer,
    _Completed,
)
from harness.trace.events import ConnEvent, NoteEvent, SipEvent, Trace

TransportName = Literal["udp", "tcp", "tls"]

#: the last few requests L{SipEndpoint._stamp} stamped: (id, source) -> (request, stamped)
_STAMPED: dict[tuple[int, tuple[str, int]], tuple[Request, Request]] = {}
_STAMPED_MAX = 8
Message = Request | Response

#: RFC 3261 18.1.1: above this a request must not go over UDP (unless the path MTU is known)
UDP_MAX = 1300

_DEFAULT_PORT = {"udp": 5060, "tcp": 5060, "tls": 5061}


def _trace_clock(reactor: Any) -> Callable[[], float]:
    """The trace's time base: the network's (run-relative) clock if the reactor view has one."""
    network = getattr(reactor, "network", None) or getattr(reactor, "world", None)
    seconds: Callable[[], float] | None = getattr(network, "seconds", None)
    if callable(seconds):
        return seconds  # (annotated, not cast(): typing.cast is a call, ~4 per world)
    return lambda: float(reactor.seconds())


def _port_of(port: IListeningPort) -> int:
    """The port number a listening port is bound to."""
    return _addr(port.getHost())[1]


def _addr(address: IAddress) -> tuple[str, int]:
    return (str(getattr(address, "host", "")), int(getattr(address, "port", 0)))


def _classify(failure: Failure) -> tuple[FailureReason, str]:
    """Map a connect failure to a L{TransactionFailure} reason."""
    value = failure.value
    detail = f"{type(value).__name__}: {value}".strip()
    if isinstance(value, ConnectionRefusedError):
        return "refused", detail
    if isinstance(value, TimeoutError | TCPTimedOutError | NoRouteError | DNSLookupError):
        return "unreachable", detail
    return "error", detail


def _is_tls_error(value: BaseException) -> bool:
    name = type(value).__module__ + "." + type(value).__name__
    return "OpenSSL" in name or "VerificationError" in name or "SSL" in type(value).__name__


# --- protocols ------------------------------------------------------------------------


class _UDPProtocol(DatagramProtocol):
    noisy = False  # no "Starting protocol" log line per port: it costs per world

    def __init__(self, endpoint: SipEndpoint) -> None:
        self.endpoint = endpoint

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        # Keep the network's (str, int) tuple: every SipEvent holds one.
        if type(addr) is not tuple or type(addr[0]) is not str or type(addr[1]) is not int:
            addr = (str(addr[0]), int(addr[1]))
        self.endpoint._datagram(datagram, addr)


@implementer(IHandshakeListener)
class _StreamProtocol(Protocol):
    """One TCP or TLS connection's SIP protocol: frames the stream, reports to its connection."""

    def __init__(self, conn: _Connection) -> None:
        self.conn = conn
        self.framer = StreamFramer(conn.endpoint.limits)

    def connectionMade(self) -> None:
        self.conn.made(self)

    def handshakeCompleted(self) -> None:
        self.conn.handshake_done()

    def dataReceived(self, data: bytes) -> None:
        conn = self.conn
        conn.touch()
        if conn.transport == "tls" and not conn.ready:
            conn.handshake_done()
        framer = self.framer
        # What is held of a partial message, for the 400 if this read breaks the
        # stream (bounded: only the head is needed).
        prior = bytes(framer._buffer[:_HEAD_PEEK]) if framer.buffered else b""
        try:
            messages = framer.feed(data)
        except ParseError as e:
            for message in e.complete:  # the good messages before the bad one
                if conn.closed:
                    return
                conn.endpoint._received(message, message.to_bytes(), conn.transport, conn, None)
            conn.framing_error(e, prior + data[:_HEAD_PEEK])
            return
        conn.partial(bool(messages), framer.buffered)
        for message in messages:
            if conn.closed:
                return
            conn.endpoint._received(message, message.to_bytes(), conn.transport, conn, None)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.conn.lost(reason)


class _OutboundFactory(ClientFactory):
    noisy = False

    def __init__(self, conn: _Connection) -> None:
        self.conn = conn

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        return _StreamProtocol(self.conn)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.conn.connect_failed(reason)


class _InboundFactory(Factory):
    noisy = False

    def __init__(self, endpoint: SipEndpoint, transport: TransportName) -> None:
        self.endpoint = endpoint
        self.transport = transport

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        remote = _addr(addr) if addr is not None else ("", 0)
        conn = _Connection(self.endpoint, self.transport, remote, None, outbound=False)
        self.endpoint._connections[conn] = None
        return _StreamProtocol(conn)


#: timer comparisons allow for floating-point residues of subtraction
_EPSILON = 1e-6


class _Connection:
    """
    One TCP/TLS connection (made by us or accepted): the queue of messages
    waiting for it to be ready, the client transactions that sent on it (to be
    failed if it fails), and its idle timer.
    """

    def __init__(
        self,
        endpoint: SipEndpoint,
        transport: TransportName,
        remote: tuple[str, int],
        target: Target | None,
        *,
        outbound: bool,
    ) -> None:
        self.endpoint = endpoint
        self.transport = transport
        self.remote = remote
        self.local: tuple[str, int] = (endpoint.address, 0)
        self.target = target
        self.outbound = outbound
        self.protocol: _StreamProtocol | None = None
        self.connector: Any = None
        self.ready = False
        self.closed = False
        #: messages waiting for the connection, each with the client transaction
        #: that sent it (None for an ACK to a 2xx or a response)
        self.pending: list[tuple[Message, ClientTransaction | None]] = []
        self.txns: list[ClientTransaction] = []
        self.last_activity = endpoint.reactor.seconds()
        self.idle_timer: IDelayedCall | None = None
        #: since when the framer has held an incomplete message (None: it holds none)
        self.partial_since: float | None = None
        self.partial_timer: IDelayedCall | None = None
        self.handshake_timer: IDelayedCall | None = None

    def __repr__(self) -> str:
        way = "->" if self.outbound else "<-"
        return f"<_Connection {self.transport} {way} {self.remote[0]}:{self.remote[1]}>"

    # lifecycle

    def made(self, protocol: _StreamProtocol) -> None:
        self.protocol = protocol
        transport = protocol.transport
        if transport is not None:
            self.local = _addr(transport.getHost())
        self.touch()
        self._arm_idle()
        if self.transport != "tls":
            self._ready()
        elif not self.outbound and self.endpoint.message_timeout is not None:
            self.handshake_timer = self.endpoint.reactor.callLater(
                self.endpoint.message_timeout, self._handshake_check
            )

    def handshake_done(self) -> None:
        if self.ready or self.closed:
            return
        ep = self.endpoint
        ep._conn_event("tls-ok", "tls", self.local, self.remote, self._tls_name())
        self._ready()

    def _tls_name(self) -> str:
        if self.target is None:
            return "server side"
        return f"verified {self.target.name or self.target.host}"

    def _ready(self) -> None:
        self.ready = True
        self._cancel_timer("handshake_timer")
        pending, self.pending = self.pending, []
        for message, txn in pending:
            # A transaction that gave up while its connection was being set up
            # (a SYN lost and retransmitted after the give-up time, RTX-1/RTX-2)
            # is over: its request must not reach the server now, seconds after
            # the phone moved on to the next target or the fallback server.
            if txn is None or not txn.terminated:
                self._write(message, txn)

    def connect_failed(self, reason: Failure) -> None:
        if self.closed:
            return
        self.closed = True
        self.endpoint._forget(self)
        why, detail = _classify(reason)
        self._fail_txns(why, detail)

    def lost(self, reason: Failure) -> None:
        if self.closed:
            return
        self.closed = True
        self._cancel_idle()
        self._cancel_timer("partial_timer")
        self._cancel_timer("handshake_timer")
        self.endpoint._forget(self)
        if self.transport == "tls" and not self.ready:
            value = reason.value
            detail = f"{type(value).__name__}: {value}"[:500]
            kind: FailureReason = "tls" if value is not None and _is_tls_error(value) else "reset"
            if kind == "tls":
                self.endpoint._conn_event("tls-fail", "tls", self.local, self.remote, detail)
            self._fail_txns(kind, detail)
            return
        value = reason.value
        self._fail_txns("reset", f"connection lost: {type(value).__name__}: {value}"[:500])

    def _fail_txns(self, why: FailureReason, detail: str) -> None:
        txns, self.txns = self.txns, []
        self.pending = []
        for txn in txns:
            if not txn.terminated:
                txn.transport_error(TransactionFailure(txn.target, why, detail))

    def framing_error(self, error: ParseError, head: bytes = b"") -> None:
        ep = self.endpoint
        reason = str(getattr(error, "reason", error))
        ep._note(
            f"framing error on {self.transport} from {self.remote[0]}:{self.remote[1]}: "
            f"{reason}; closing"
        )
        raw = _stream_400(head, reason)
        if raw is not None and self.ready and not self.closed:
            try:
                reply: Message | None = parse(raw, ep.limits)
            except ParseError:
                reply = None
            protocol = self.protocol
            if protocol is not None and protocol.transport is not None:
                self.touch()
                ep._sip_event("out", self.transport, self.local, self.remote, reply, raw)
                protocol.transport.write(raw)
        self.close()

    def partial(self, completed: bool, buffered: int) -> None:
        """After a read: track how long an incomplete message has been held."""
        if not buffered:
            self.partial_since = None
            return
        if completed or self.partial_since is None:
            self.partial_since = self.endpoint.reactor.seconds()
        timeout = self.endpoint.message_timeout
        if timeout is not None and self.partial_timer is None and not self.closed:
            self.partial_timer = self.endpoint.reactor.callLater(timeout, self._partial_check)

    def _partial_check(self) -> None:
        self.partial_timer = None
        since = self.partial_since
        timeout = self.endpoint.message_timeout
        if self.closed or since is None or timeout is None:
            return
        held = self.endpoint.reactor.seconds() - since
        if held < timeout - _EPSILON:  # see _idle_check on rounding residues
            self.partial_timer = self.endpoint.reactor.callLater(
                timeout - held, self._partial_check
            )
            return
        protocol = self.protocol
        buffered = protocol.framer.buffered if protocol is not None else 0
        self.endpoint._note(
            f"incomplete message on {self.transport} from {self.remote[0]}:{self.remote[1]} "
            f"for {held:g} s ({buffered} bytes held); closing"
        )
        self.close()

    def _handshake_check(self) -> None:
        self.handshake_timer = None
        if self.closed or self.ready:
            return
        self.endpoint._note(
            f"TLS handshake from {self.remote[0]}:{self.remote[1]} not done within "
            f"{self.endpoint.message_timeout:g} s; closing"
        )
        protocol = self.protocol
        if protocol is not None and protocol.transport is not None:
            # abort: a clean TLS close would wait for the stalled peer's close_notify
            cast(Any, protocol.transport).abortConnection()
        self.close()

    def close(self) -> None:
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.loseConnection()
        elif self.connector is not None and not self.closed:
            try:
                self.connector.stopConnecting()
            except Exception:
                pass
        self._cancel_idle()
        self._cancel_timer("partial_timer")
        self._cancel_timer("handshake_timer")

    # traffic

    def attach(self, txn: ClientTransaction) -> None:
        if txn not in self.txns:
            self.txns = [t for t in self.txns if not t.terminated]
            self.txns.append(txn)

    def send(self, message: Message, txn: ClientTransaction | None = None) -> None:
        if self.closed:
            return
        if not self.ready:
            self.pending.append((message, txn))
            return
        self._write(message, txn)

    def _write(self, message: Message, txn: ClientTransaction | None = None) -> None:
        protocol = self.protocol
        if protocol is None or protocol.transport is None:
            self.pending.append((message, txn))
            return
        raw = message.to_bytes()
        self.touch()
        self.endpoint._sip_event("out", self.transport, self.local, self.remote, message, raw)
        protocol.transport.write(raw)

    def touch(self) -> None:
        self.last_activity = self.endpoint.reactor.seconds()

    def _arm_idle(self) -> None:
        idle = self.endpoint.idle_timeout
        if idle is None:
            return
        self.idle_timer = self.endpoint.reactor.callLater(idle, self._idle_check)

    def _idle_check(self) -> None:
        self.idle_timer = None
        if self.closed:
            return
        idle = self.endpoint.idle_timeout
        assert idle is not None
        now = self.endpoint.reactor.seconds()
        busy = any(not t.terminated for t in self.txns)
        quiet_for = now - self.last_activity
        # compare with a margin: "idle - quiet_for" can be a rounding residue
        # (1e-15) that a clock at t=70 cannot advance by, looping forever
        if busy or quiet_for < idle - _EPSILON:
            delay = idle if busy else idle - quiet_for
            self.idle_timer = self.endpoint.reactor.callLater(delay, self._idle_check)
            return
        self.close()

    def _cancel_idle(self) -> None:
        if self.idle_timer is not None and self.idle_timer.active():
            self.idle_timer.cancel()
        self.idle_timer = None

    def _cancel_timer(self, name: str) -> None:
        timer: IDelayedCall | None = getattr(self, name)
        if timer is not None and timer.active():
            timer.cancel()
        setattr(self, name, None)


# --- the endpoint --------------------------------------------------------------------


class SipEndpoint:
    """
    One host's SIP stack below the TU: its listening transports, its
    connections and its transaction layer.

    The TU sets L{on_request} (called with each new L{ServerTransaction}, and
    with an unanswerable one for an ACK to a 2xx) and calls L{request} for
    each client transaction.  Every message sent or received is recorded in
    C{trace} as a L{SipEvent} with C{observer=address}.

    @param reactor: the host's reactor view (L{harness.net.simulated.SimHost},
        L{harness.net.wire.WireHost}); provides IReactorTime, IReactorUDP,
        IReactorTCP.
    @param tls_server_context: server connection creator for C{listen("tls")}
        (e.g. L{harness.tls.server_context}).
    @param trust_root: the CA a TLS client trusts (e.g. L{harness.tls.load_ca}());
        None: the platform's trust store.
    @param server_policy: T1/T2/T4 for server transactions (Timers G, H, I, J, L).
    @param idle_timeout: close a connection after this many seconds without
        traffic (None: never).
    @param message_timeout: close a connection that has held an incomplete
        message for this many seconds, or (accepted TLS) has not finished its
        handshake within it (None: never).  Default 64*T1: a request that
        takes longer to arrive than its transaction may live is useless.
    @param connect_timeout: give up a TCP/TLS connect after this long (the
        transaction's own give-up time usually comes first).
    @param udp_max: requests larger than this for a UDP target go over TCP.
    @param trace_clock: the trace's time base; default: the network's clock.
    @param udp_receive_buffer: on a real socket, ask the kernel for this many
        bytes of UDP receive buffer (C{SO_RCVBUF}; Linux caps it at
        C{net.core.rmem_max}); None: the system default.  See L{listen}.
    @param udp_batch: on a real socket, send UDP datagrams in batches of up
        to this many, what is left at the end of the reactor turn (1: each
        at once, the default).  See L{_udp_send}.
    """

    def __init__(
        self,
        reactor: Any,
        trace: Trace,
        address: str,
        *,
        rng: Any,
        tls_server_context: Any = None,
        trust_root: Any = None,
        limits: Limits = DEFAULT_LIMITS,
        name: str = "",
        server_policy: RetryPolicy | None = None,
        idle_timeout: float | None = 180.0,
        message_timeout: float | None = 32.0,
        connect_timeout: float = 32.0,
        udp_max: int | None = UDP_MAX,
        trace_clock: Callable[[], float] | None = None,
        udp_receive_buffer: int | None = None,
        udp_batch: int = 1,
    ) -> None:
        self.reactor = reactor
        self.udp_receive_buffer = udp_receive_buffer
        self.clock: IReactorTime = reactor
        self.trace = trace
        self._sip_events: bool = getattr(trace, "wants_sip_events", True)
        self.address = address
        self.rng = rng
        self.tls_server_context = tls_server_context
        self.trust_root = trust_root
        self.limits = limits
        self.name = name or address
        self.idle_timeout = idle_timeout
        self.message_timeout = message_timeout
        self.connect_timeout = connect_timeout
        self.udp_max = udp_max
        self._now = trace_clock if trace_clock is not None else _trace_clock(reactor)
        self.on_request: Callable[[ServerTransaction], None] | None = None
        self.on_stray_response: Callable[[Response], None] | None = None
        self.layer = TransactionLayer(
            clock=reactor,
            send_request=self._send_request,
            send_response=self._send_response,
            server_policy=server_policy if server_policy is not None else DEFAULT_POLICY,
            on_request=self._deliver_request,
            on_stray_response=self._deliver_stray,
        )
        self._ports: dict[str, IListeningPort] = {}
        self._udp_protocol: _UDPProtocol | None = None
        self._udp_local_cache: tuple[IListeningPort, tuple[str, int]] | None = None
        self._udp_send_cache: _UdpSendCache | None = None
        self.udp_batch = udp_batch
        #: datagrams L{_udp_send} holds for the end of the reactor turn (C{udp_batch})
        self._udp_held: list[tuple[IListeningPort, socket.socket, bytes, tuple[str, int]]] = []
        self._outbound: dict[tuple[str, str, int, str | None], _Connection] = {}
        # insertion-ordered (a dict, not a set): closing order must not depend
        # on object addresses, or the same seed would not give the same trace
        self._connections: dict[_Connection, None] = {}
        self._creators: dict[str, IOpenSSLClientConnectionCreator] = {}
        if not self._sip_events:
            # Retransmissions recognised before parsing (see _absorbed); only
            # without SIP events, which need every datagram parsed anyway.
            self._absorber = _Absorber(_ABSORB_T1S * self.layer.server_policy.t1)
            self.layer.keep_response = self._kept_answer
        self.closed = False

    #: set per instance only when absorbing (a class default costs the many
    #: endpoints of a simulated world nothing: no attribute, no empty queues)
    _absorber: _Absorber | None = None
    #: without SIP events: the last UDP response sent and its (bytes, address)
    _last_answer: tuple[Response, tuple[bytes, tuple[str, int]]] | None = None

    def __repr__(self) -> str:
        return f"<SipEndpoint {self.name} {sorted(self._ports)}>"

    # -- TU hooks

    def _deliver_request(self, txn: ServerTransaction) -> None:
        if self.on_request is not None:
            self.on_request(txn)
        elif txn.request.method != "ACK" and not txn.answered:
            txn.respond(make_response(txn.request, 501))

    def _deliver_stray(self, response: Response) -> None:
        if self.on_stray_response is not None:
            self.on_stray_response(response)

    # -- listening

    def listen(self, transport: TransportName, port: int = 0) -> None:
        """Listen on C{transport} (C{"udp"}, C{"tcp"}, C{"tls"}) at C{port} (0: any)."""
        if transport in self._ports:
            raise ValueError(f"{self.name} already listens on {transport}")
        if transport == "udp":
            self._udp_protocol = _UDPProtocol(self)
            self._ports["udp"] = self.reactor.listenUDP(
                port, self._udp_protocol, interface=self.address,
                maxPacketSize=self.limits.max_size,
            )
            if self.udp_receive_buffer is not None:
                self._set_receive_buffer(self._ports["udp"], self.udp_receive_buffer)
        elif transport == "tcp":
            self._ports["tcp"] = self._listen_stream(port, lambda: _InboundFactory(self, "tcp"))
        elif transport == "tls":
            context = self.tls_server_context
            if context is None:
                raise ValueError("listen('tls') needs tls_server_context")
            self._ports["tls"] = self._listen_stream(
                port, lambda: TLSMemoryBIOFactory(
                    context, False, _InboundFactory(self, "tls"), clock=self.reactor))
        else:
            raise ValueError(f"unknown transport {transport!r}")

    def _listen_stream(
        self, port: int, make_factory: Callable[[], IProtocolFactory]
    ) -> IListeningPort:
        """
        A TCP listening port for the factory C{make_factory} builds: on the
        simulated network built at the first connection (most worlds of a
        UDP scenario never connect to a server's TCP and TLS ports, and a
        TLS factory is the dearest part of opening one), on a real reactor at
        once.
        """
        lazily = getattr(self.reactor, "listen_tcp_lazily", None)
        listening: IListeningPort
        if lazily is not None:
            listening = lazily(port, make_factory, interface=self.address)
        else:
            listening = self.reactor.listenTCP(port, make_factory(), interface=self.address)
        return listening

    @staticmethod
    def _set_receive_buffer(port: IListeningPort, size: int) -> None:
        """
        C{SO_RCVBUF} of a real UDP port (a simulated one has no socket: nothing to do).

        Why: the kernel drops datagrams that arrive while the receive buffer
        is full, and the default (208 KiB, ~150 REGISTERs) is filled by one
        burst of a load generator during a pause of ours (a young garbage
        collection, a busy neighbour).  Measured with SIPp at 5,000 REGISTER/s
        against the bench registrar: ~2,000 datagrams dropped in 5 s, each
        retransmitted 500 ms later on top of the load, and the step failed.
        Real SIP servers enlarge it for the same reason (Kamailio probes up
        to its C{maxbuffer}).
        """
        sock = getattr(port, "socket", None)
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)

    def local_port(self, transport: TransportName) -> int:
        """
        The port this endpoint listens on for C{transport} (what goes into Via
        and Contact).  UDP is opened on an ephemeral port on first use; for
        TCP/TLS without a listener, the UDP port (or the default) is given.
        """
        port = self._ports.get(transport)
        if port is not None:
            # UDP: the number L{_udp_local} keeps (every REGISTER asks twice, Via
            # and Contact; getHost builds an address object each time)
            return self._udp_local(port)[1] if transport == "udp" else _port_of(port)
        if transport == "udp":
            self.listen("udp", 0)
            return self.local_port("udp")
        if "udp" in self._ports:
            return self.local_port("udp")
        return _DEFAULT_PORT[transport]

    # -- client side

    def request(
        self, request: Request, target: Target, policy: RetryPolicy
    ) -> ClientTransaction:
        """
        Start a client transaction: add our top Via (new branch, sent-by this
        endpoint, C{rport}) and send C{request} to C{target}.  Each call is a
        new transaction (RTX-4).
        """
        if self.closed:
            raise RuntimeError(f"{self.name} is closed")
        target = self._maybe_large(request, target)
        via = self._via(target.transport)
        stamped = request.with_headers(request.headers.add("Via", via, first=True))
        return self.layer.request(stamped, target, policy, reliable=target.transport != "udp")

    def _maybe_large(self, request: Request, target: Target) -> Target:
        if target.transport != "udp" or self.udp_max is None:
            return target
        # +100: the Via we are about to add
        if len(request.to_bytes()) + 100 > self.udp_max:
            return replace(target, transport="tcp")
        return target

    def _via(self, transport: TransportName) -> str:
        port = self.local_port(transport)
        branch = new_branch(self.rng)
        return f"SIP/2.0/{transport.upper()} {self.address}:{port};rport;branch={branch}"

    def send_ack(self, ack: Request, target: Target) -> Request:
        """
        Send an ACK for a 2xx (the dialog layer's, RFC 3261 13.2.2.4): no
        transaction; a Via with a new branch is added if it has none.  Returns
        the ACK as sent (to send again, unchanged, for each retransmitted 2xx).
        """
        if not ack.headers.get_all("Via"):
            ack = ack.with_headers(ack.headers.add("Via", self._via(target.transport), first=True))
        self._send_to(ack, target, None)
        return ack

    def _send_request(self, txn: ClientTransaction, message: Request) -> None:
        self._send_to(message, txn.target, txn)

    def _send_to(self, message: Message, target: Target, txn: ClientTransaction | None) -> None:
        if self.closed:
            return
        if target.transport == "udp":
            self._udp_write(message, message.to_bytes(), (target.host, target.port))
            return
        conn = self._connection_for(target)
        if txn is not None:
            conn.attach(txn)
        conn.send(message, txn)

    def _udp_write(
        self,
        message: Message | None,
        raw: bytes,
        dest: tuple[str, int],
        *,
        force_event: bool = False,
    ) -> None:
        if "udp" not in self._ports:
            self.listen("udp", 0)
        port = self._ports["udp"]
        local = self._udp_local(port)
        if message is not None or force_event:
            self._sip_event("out", "udp", local, dest, message, raw)
            if (message is not None and type(port) is not udp.Port
                    and message.__dict__.get("_wire") is raw):
                # its receiver, in this process, need not parse it again (on the wire
                # the receiver is another process: nothing to share)
                remember_sent(raw, message)
        self._udp_send(port, raw, dest)

    def _udp_send(self, port: IListeningPort, raw: bytes, dest: tuple[str, int]) -> None:
        """
        C{port.write(raw, dest)}, with Twisted's per-datagram checks answered
        once per destination host.

        Why: Twisted's UDP C{Port.write} checks on every datagram that the
        host is an IP literal of the socket's family (four C{isIPAddress}/
        C{isIPv6Address} calls, ~3 us per response under load, as much as
        the rest of sending).  A registrar answers the same few hosts over
        and over, so the answer is remembered per host (bounded) and the
        socket's C{sendto} is called directly, for Twisted's own unconnected
        UDP port only; anything else (a simulated port, a connected one, a
        host that fails the check) goes through C{write} as before.  A failed
        C{sendto} sent nothing; it is handed to C{write}, which tries again
        and handles the error as it always did, except ECONNREFUSED (a late
        ICMP error for an earlier datagram), which C{write} silently drops:
        dropped here too, so the datagram's fate is the same.
        """
        cached = self._udp_send_cache
        if cached is None or cached[0] is not port:
            sock: socket.socket | None = None
            if type(port) is udp.Port and not port._connectedAddr:
                sock = port.socket
            cached = self._udp_send_cache = (port, sock, {})
        _, sock, checked = cached
        host = dest[0]
        ok = checked.get(host)
        if ok is None and sock is not None:
            ok = (
                isIPAddress(host) if sock.family == socket.AF_INET else isIPv6Address(host)
            )
            if len(checked) >= _UDP_HOSTS_MAX:
                checked.clear()
            checked[host] = ok
        if not ok or sock is None:
            if self._udp_held:
                self._udp_release()  # in order
            port.write(raw, dest)  # type: ignore[attr-defined]
            return
        if self.udp_batch > 1:
            # Batches (C{udp_batch}): why, in L{_udp_release}.
            held = self._udp_held
            if not held:
                self.clock.callLater(0, self._udp_release)
            held.append((port, sock, raw, dest))
            if len(held) >= self.udp_batch:
                self._udp_release()
            return
        _sendto(port, sock, raw, dest)

    def _udp_release(self) -> None:
        """
        Send the datagrams L{_udp_send} held, in order.

        Why batches (C{udp_batch}): on loopback, each datagram to a peer
        that sleeps in its poll wakes it, inside our C{sendto} (measured with
        perf: 8.5 % of the bench registrar's samples, in the wake-up path).
        A reactor turn reads many requests (Twisted reads a UDP socket until
        it is empty); their responses sent together wake the load generator
        once per batch, not once per response.  Measured with SIPp closed
        loop (200 in flight, 5 s, alternating runs): CPU per REGISTER 124 ->
        101 us (batches of 16) and 111 -> 94 us (32), REGISTER/s +20 %;
        batches of 64 overflowed SIPp's own receive buffer (128 KiB, ~100 of
        our datagrams) and it retransmitted.  Each response waits at most
        for the rest of its reactor turn.
        """
        held, self._udp_held = self._udp_held, []
        for i, (port, sock, raw, dest) in enumerate(held):
            try:
                _sendto(port, sock, raw, dest)
            except Exception:
                rest = held[i + 1 :]  # still sent, later, in order
                if rest:
                    if not self._udp_held:
                        self.clock.callLater(0, self._udp_release)
                    self._udp_held[:0] = rest
                raise

    def _udp_local(self, port: IListeningPort) -> tuple[str, int]:
        """C{(address, port)} of the UDP port, built once per port (getHost costs)."""
        cached = self._udp_local_cache
        if cached is None or cached[0] is not port:
            cached = self._udp_local_cache = (port, (self.address, _port_of(port)))
        return cached[1]

    def _connection_for(self, target: Target) -> _Connection:
        key = (target.transport, target.host, target.port,
               target.name if target.transport == "tls" else None)
        conn = self._outbound.get(key)
        if conn is not None and not conn.closed:
            if conn.ready or not conn.txns or any(
                    not t.terminated for t in conn.txns) or any(
                    t is None for _, t in conn.pending):
                return conn
            # still connecting, and every request that waited for it gave up (RTX-2:
            # not established in time): abandon it, a new request connects afresh
            # (explore seed 15, issue 10: a retry 30 s later rode the old connection
            # attempt's SYN retransmissions and never showed on the wire)
            conn.close()
            conn.closed = True
            self._forget(conn)
        conn = _Connection(
            self, target.transport, (target.host, target.port), target, outbound=True
        )
        self._outbound[key] = conn
        self._connections[conn] = None
        factory: Any = _OutboundFactory(conn)
        if target.transport == "tls":
            creator = self._client_creator(target.name or target.host)
            factory = TLSMemoryBIOFactory(creator, True, factory, clock=self.reactor)
        conn.connector = self.reactor.connectTCP(
            target.host, target.port, factory, timeout=self.connect_timeout
        )
        return conn

    def _client_creator(self, name: str) -> IOpenSSLClientConnectionCreator:
        creator = self._creators.get(name)
        if creator is None:
            if self.trust_root is not None:
                creator = optionsForClientTLS(name, trustRoot=self.trust_root)
            else:
                creator = optionsForClientTLS(name)
            self._creators[name] = creator
        return creator

    def _forget(self, conn: _Connection) -> None:
        self._connections.pop(conn, None)
        if conn.target is not None:
            t = conn.target
            key = (t.transport, t.host, t.port, t.name if t.transport == "tls" else None)
            if self._outbound.get(key) is conn:
                del self._outbound[key]

    # -- server side

    def _kept_answer(self, txn: ServerTransaction, response: Response) -> object:
        """
        What a Timer J record keeps of its final when no message is recorded
        (the layer's C{keep_response}): C{(wire bytes, address)} over UDP,
        all that L{_send_response} reads to answer a retransmission.

        Why: a loaded registrar holds 32 s of records, and a kept response
        object (L{lean_copy}) held 7 more objects per record than these
        (the response, its headers, their tuple and the fields of its own:
        stamped Via, tagged To, From, Call-ID), each walked by every young
        garbage collection.  Measured in-process (60,000 REGISTERs): tracked
        objects per REGISTER 13.6 -> 8.6 before the first young collection
        (which walks them all), 6.0 -> 4.0 after it; collection time per
        REGISTER 6.6-7.2 -> 1.9-2.1 us (3 young collections -> 1).
        With messages recorded, a retransmission's answer is an event that
        carries the message: the response is kept as before.
        """
        if txn.source[0] != "udp":
            return lean_copy(response)
        last = self._last_answer
        if last is not None and last[0] is response:
            return last[1]  # just sent (L{_send_response}): the same bytes and address
        return (response.to_bytes(), self._udp_response_address(response))

    def _send_response(self, txn: ServerTransaction, response: Response) -> None:
        if self.closed:
            return
        if type(response) is tuple:  # a Timer J record's wire form: see _kept_answer
            self._udp_write(None, *response)
            return
        transport = txn.source[0]
        if transport == "udp":
            answer = (response.to_bytes(), self._udp_response_address(response))
            if not self._sip_events:
                # for L{_kept_answer}, asked next when this is a final answered at
                # once: one address computed per REGISTER, not two (~2 us, in-process)
                self._last_answer = (response, answer)
            self._udp_write(response, *answer)
            return
        conn = txn.connection
        if isinstance(conn, _Connection) and not conn.closed:
            conn.send(response)
            return
        via = response.top_via
        host = via.received or via.host
        port = via.port or _DEFAULT_PORT[transport]
        self._connection_for(Target(cast(Any, transport), host, port, None)).send(response)

    @staticmethod
    def _udp_response_address(response: Response) -> tuple[str, int]:
        """
        Where a UDP response goes (RFC 3261 18.2.2, RFC 3581 4): the top Via's
        C{received} (else its host) and C{rport} if it has a value (else its
        port, 5060 by default).

        The same answer as C{via.received} and C{via.rport} (the first
        parameter of each name, any case), read in one pass over the
        parameters instead of two look-ups through properties: 1.9 -> 1.0 us
        per response, in-process.
        """
        via = response.top_via
        received = rport = None
        for name, value in via.params:
            lname = name.lower()
            if lname == "received":
                if received is None:
                    received = value or ""
            elif lname == "rport" and rport is None:
                rport = value or ""
        host = received or via.host
        if rport:
            return (host, int(rport))
        return (host, via.port or 5060)

    # -- receiving

    def _datagram(self, data: bytes, source: tuple[str, int]) -> None:
        absorber = self._absorber
        if absorber is not None and self._absorbed(absorber.answered, data, source):
            return
        port = self._ports.get("udp")
        local = self._udp_local(port) if port is not None else (self.address, 0)
        try:
            if absorber is None:
                message = parse_datagram_again(data, self.limits)
            else:
                # Absorbing (no SIP events): a retransmission that reaches the
                # parser came after the absorb window or from elsewhere, long
                # after the few datagrams parse_datagram_again remembers; its
                # look-up and entry, and the stamp's (see _stamp), only cost.
                message = parse_datagram(data, self.limits)
        except ParseError as e:
            self._malformed_datagram(data, source, local, e)
            return
        if message is None:
            return  # CRLF keep-alive
        txn = self._received(message, data, "udp", None, (local, source))
        if absorber is not None and txn is not None:
            self._remember_answer(absorber, data, txn)

    def _absorbed(self, answered: dict[bytes, _Completed], data: bytes,
                  source: tuple[str, int]) -> bool:
        """
        Answer C{data} without parsing it if it is a retransmission of a
        request answered at once: the very same bytes from the same source
        within the absorb window, whose Timer J record is still current.

        Why: an overloaded UDP server gets retransmissions on top of its
        load (SIPp sends them after T1, 2T1, 4T1), and each one cost a full
        parse, Via stamp and transaction match (~50 us), only to resend the
        stored response.  The same bytes from the same source parse to the
        same request, get the same stamp, hence the same transaction key,
        which matches the same record (no server transaction can hold that
        key while the record is current): so the full path would send
        exactly this response, to the same address.  Anything else -- other
        bytes, another source, an ended record -- takes the full path.
        """
        record = answered.get(data)
        if record is None:
            return False
        _, host, port = record.source
        if host != source[0] or port != source[1]:
            return False
        return self.layer.resend_completed(record)

    def _remember_answer(self, absorber: _Absorber, data: bytes,
                         txn: ServerTransaction) -> None:
        """
        Keep C{data} for L{_absorbed} if C{txn} was answered at once (the
        UDP non-INVITE shortcut: a Timer J record holds its final).

        Only for the absorb window (8*T1: a client's first three
        retransmissions, all of SIPp's), not for the record's 32 s: the
        datagrams would double the memory of a loaded server.  Later
        retransmissions take the full path, which answers them the same.
        Entries are dropped oldest first, as they leave the window (an entry
        made again for the same bytes meanwhile may go with its elder: it is
        only a shortcut, the full path still answers).
        """
        record = txn.completed_record
        if record is None:
            return
        now = self.clock.seconds()
        answered, until, keys = absorber.answered, absorber.until, absorber.data
        while until and until[0] <= now:
            until.popleft()
            answered.pop(keys.popleft(), None)
        answered[data] = record
        until.append(now + absorber.window)
        keys.append(data)

    def _received(
        self,
        message: Message,
        raw: bytes,
        transport: TransportName,
        conn: _Connection | None,
        addresses: tuple[tuple[str, int], tuple[str, int]] | None,
    ) -> ServerTransaction | None:
        """Record and hand on one message; the new server transaction, if one was made."""
        if addresses is None:
            assert conn is not None
            local, remote = conn.local, conn.remote
        else:
            local, remote = addresses
        self._sip_event("in", transport, local, remote, message, raw)
        if self.closed:
            return None
        if isinstance(message, Response):
            self.layer.receive_response(message)
            return None
        try:
            if self._absorber is None:
                request = self._stamp(message, remote)
            else:  # a message parsed afresh (see _datagram): no stamp to find again
                request = self._stamp_now(message, remote)
            return self.layer.receive_request(
                request,
                (transport, remote[0], remote[1]),
                reliable=transport != "udp",
                connection=conn,
            )
        except ParseError as e:
            self._note(f"bad {message.method} from {remote[0]}:{remote[1]}: {e}")
            if message.method == "ACK":
                return None
            try:
                reply = make_response(message, 400, _reason(str(getattr(e, "reason", e))))
            except ParseError:
                return None
            if transport == "udp":
                self._udp_write(reply, reply.to_bytes(), remote)
            elif conn is not None:
                conn.send(reply)
            return None

    def _stamp(self, request: Request, remote: tuple[str, int]) -> Request:
        """
        RFC 3261 18.2.1 / RFC 3581: fill in C{received} and C{rport} on the top
        Via.  A request stamped for the same source a moment ago (a UDP
        retransmission: L{parse_datagram_again} gives its first copy's message)
        gets the same stamped request: messages are frozen values.
        """
        key = (id(request), remote)
        known = _STAMPED.get(key)
        if known is not None and known[0] is request:
            return known[1]
        stamped = self._stamp_now(request, remote)
        if len(_STAMPED) >= _STAMPED_MAX:
            del _STAMPED[next(iter(_STAMPED))]
        _STAMPED[key] = (request, stamped)  # (the request kept: its id stays its own)
        return stamped

    def _stamp_now(self, request: Request, remote: tuple[str, int]) -> Request:
        top = request.top_via  # ParseError "missing Via header" if there is none
        host = remote[0]
        params = top.params
        if params and params[0][0] == "branch":
            # The usual Via: its stamp found by what is around the branch
            shape = _stamp_shape(top, host, remote[1])
            if shape is None:
                return request
            branch = params[0]
            params = (branch, *shape[0])
            new = _trusted_via(top.transport, top.host, top.port, params)
            value = branch[1]
            text = shape[1] + (";branch" if value is None else f";branch={value}") + shape[2]
        else:
            stamped_params = _rport_stamped(params, host, remote[1])
            if stamped_params is not None:
                params = stamped_params
            elif top.host != host:
                params = _set_param(params, "received", host)
            else:
                return request
            new = _trusted_via(top.transport, top.host, top.port, params)
            text = str(new)
        # Only the top Via changes: build the copy without re-validating the
        # rest (as the parser builds messages) and carry over what the parser
        # already parsed and checked, so the transaction layer and the TU do
        # not parse the same header texts again (about 20 us per request
        # under load).  When the values added are tokens (an IPv4 source, a
        # port number), C{text} is exactly what parsing it would give back
        # as C{new}, and what L{Headers.with_top_via} would store: the fast
        # path; otherwise the general one, parsing (and checking) lazily.
        parsed = request.__dict__
        pairs = request.headers._pairs
        vias = parsed.get("vias")
        headers = None
        if vias is not None and _TOKEN_RE.fullmatch(host):
            headers = _with_top_via(pairs, text, len(vias))
        if headers is None:
            headers = request.headers.with_top_via(text)
            vias = None
        stamped = _trusted_request(request.method, request.uri, headers, request.body)
        carried = stamped.__dict__
        for name in _CARRIED:
            if name in parsed:
                carried[name] = parsed[name]
        if vias is not None:
            carried["vias"] = (new, *vias[1:])
        return stamped

    def _malformed_datagram(
        self, data: bytes, source: tuple[str, int], local: tuple[str, int], error: ParseError
    ) -> None:
        reason = str(getattr(error, "reason", error))
        self._note(f"malformed datagram from {source[0]}:{source[1]} ({len(data)} bytes): {reason}")
        raw = _bad_request_reply(data, reason)
        if raw is None:
            return
        try:
            reply: Message | None = parse(raw, self.limits)
        except ParseError:
            # The 400 echoes the header that was wrong; the peer should still
            # hear why.  Its SipEvent then carries message=None ("unparsed").
            reply = None
        self._udp_write(reply, raw, source, force_event=True)

    # -- trace

    def _sip_event(
        self,
        direction: Literal["in", "out"],
        transport: TransportName,
        local: tuple[str, int],
        remote: tuple[str, int],
        message: Message | None,
        raw: bytes,
    ) -> None:
        if self._sip_events:
            self.trace.record(
                SipEvent(
                    self._now(), self.address, direction, transport, local, remote, message, raw
                )
            )

    def _conn_event(
        self,
        what: str,
        transport: TransportName,
        local: tuple[str, int],
        remote: tuple[str, int],
        detail: str = "",
    ) -> None:
        self.trace.record(ConnEvent(self._now(), self.address, what, transport, local, remote,
                                    detail))

    def _note(self, text: str) -> None:
        self.trace.record(NoteEvent(self._now(), self.address, text))

    # -- shutdown

    def close(self) -> None:
        """Stop listening, close every connection, abort every transaction and timer."""
        if self.closed:
            return
        self.closed = True
        self.layer.close()
        if self._udp_held:
            self._udp_release()
        for port in list(self._ports.values()):
            port.stopListening()
        self._ports.clear()
        for conn in list(self._connections):
            conn.close()
        self._connections.clear()
        self._outbound.clear()
        if self._absorber is not None:
            self._absorber = _Absorber(self._absorber.window)


#: bytes of a broken stream looked at to answer its first message with a 400
_HEAD_PEEK = 16384
_CONTENT_LENGTH_LINE_RE = re.compile(rb"^(?:content-length|l)[ \t]*:", re.I | re.M)

_REQUEST_LINE_RE = re.compile(rb"^([A-Za-z0-9.!%*_+`'~-]+) +(\S+) +SIP/2\.0\r?$")
_COPIED = {
    b"via": b"Via", b"v": b"Via", b"from": b"From", b"f": b"From", b"to": b"To", b"t": b"To",
    b"call-id": b"Call-ID", b"i": b"Call-ID", b"cseq": b"CSeq",
}


def _with_top_via(
    pairs: tuple[tuple[str, str], ...], text: str, count: int
) -> Headers | None:
    """
    L{Headers.with_top_via} for the usual layout, where the C{count} Vias are
    consecutive fields (the result is then the same), else None.
    """
    if count == 1 and pairs and pairs[0][0] == "Via":
        # A single Via, first (what phones and SIPp send).  C{count} is the
        # number of Vias parsed from these very pairs, so there is no other.
        return Headers._trusted((("Via", text), *pairs[1:]))
    # Counted on the list of names (C loops, no generators: this runs per request).
    names = list(map(_first, pairs))
    if count < 1 or names.count("Via") != count:
        return None
    i = names.index("Via")
    if names[i : i + count].count("Via") != count:
        return None
    return Headers._trusted((*pairs[:i], ("Via", text), *pairs[i + 1 :]))


_first = itemgetter(0)


def _sendto(port: IListeningPort, sock: socket.socket, raw: bytes, dest: tuple[str, int]) -> None:
    """C{sock.sendto}, a failure handed to C{port.write} (see L{SipEndpoint._udp_send})."""
    try:
        sock.sendto(raw, dest)
    except OSError as e:
        if e.args[0] == ECONNREFUSED:
            return
        port.write(raw, dest)  # type: ignore[attr-defined]


_Params = tuple[tuple[str, str | None], ...]
#: see L{_stamp_shape}; cleared when full
_stamp_shapes: dict[tuple[object, ...], tuple[_Params, str, str] | None] = {}
_STAMP_SHAPES_MAX = 4096


def _stamp_shape(
    top: Via, host: str, port: int
) -> tuple[_Params, str, str] | None:
    """
    How L{SipEndpoint._stamp_now} stamps C{top}, a Via whose first parameter
    is C{branch}, for a request from C{(host, port)}: the parameters after the
    branch once stamped, and the texts of the stamped Via before and after
    its branch parameter; None if it needs no stamp.

    The stamp (C{received}, C{rport}) never touches the branch, so it depends
    only on the rest, which a phone sends the same with every request: found
    by it, not computed again (the parameter scan and the Via's text).
    Measured per SIPp REGISTER in-process: see the commit message.
    """
    rest = top.params[1:]
    key = (top.transport, top.host, top.port, rest, host, port)
    shape = _stamp_shapes.get(key, _NO_SHAPE)
    if shape is not _NO_SHAPE:
        return shape  # type: ignore[return-value]
    stamped = _rport_stamped(rest, host, port)
    if stamped is None and top.host != host:
        stamped = _set_param(rest, "received", host)
    if stamped is None:
        shape = None
    else:
        shape = (stamped, f"SIP/2.0/{top.transport} {top.sent_by}", _params_str(stamped))
    if len(_stamp_shapes) >= _STAMP_SHAPES_MAX:
        _stamp_shapes.clear()
    _stamp_shapes[key] = shape
    return shape


_NO_SHAPE = object()


def _rport_stamped(
    params: tuple[tuple[str, str | None], ...], host: str, port: int
) -> tuple[tuple[str, str | None], ...] | None:
    """
    A top Via's parameters stamped for a request that asked for C{rport}
    (RFC 3581 4): C{received} set to C{host} and C{rport} to C{port}; None if
    its first C{rport} is absent or has a value (C{Via.rport is not True}).

    The same tuple as C{_set_param(_set_param(params, "received", host),
    "rport", str(port))} (each replaced in place, keeping its spelling, or
    C{received} appended), in one pass instead of three (the C{rport}
    look-up and two copies): ~1 us per request received, in-process.
    """
    rport_at = received_at = -1
    for i, (name, _) in enumerate(params):
        lname = name.lower()
        if lname == "rport":
            if rport_at < 0:
                rport_at = i
        elif lname == "received" and received_at < 0:
            received_at = i
    if rport_at < 0 or params[rport_at][1]:
        return None
    out = list(params)
    out[rport_at] = (params[rport_at][0], str(port))
    if received_at < 0:
        out.append(("received", host))
    else:
        out[received_at] = (params[received_at][0], host)
    return tuple(out)


#: (port, its socket if it is Twisted's unconnected UDP port, host -> is an IP literal
#: of the socket's family): see L{SipEndpoint._udp_send}
_UdpSendCache = tuple[IListeningPort, "socket.socket | None", dict[str, bool]]
_UDP_HOSTS_MAX = 4096

#: how long (in T1s) a datagram is kept to recognise its retransmissions unparsed
_ABSORB_T1S = 8


class _Absorber:
    """
    What L{SipEndpoint._absorbed} recognises: datagram bytes -> the Timer J
    record holding the final response they got; when each entry leaves the
    window and its key, as two flat queues (not one of tuples, so entries add
    no objects for the collector).
    """

    __slots__ = ("answered", "data", "until", "window")

    def __init__(self, window: float) -> None:
        self.window = window
        self.answered: dict[bytes, _Completed] = {}
        self.until: deque[float] = deque()
        self.data: deque[bytes] = deque()

#: parsed header values a stamped request shares with the request as received
_CARRIED = ("call_id", "cseq", "from_", "to", "contacts")
_TOKEN_RE = re.compile(_abnf.token)


def _reason(text: str) -> str:
    cleaned = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in text).strip()
    return ("Bad Request - " + cleaned)[:120].strip() if cleaned else "Bad Request"


def _stream_400(head: bytes, reason: str) -> bytes | None:
    """
    The 400 for a broken stream, if the first unprocessed message (at the
    start of C{head}) is the one at fault: it has no Content-Length, or it
    does not parse.  A later message in the same read may have broken the
    stream; the first one then gets no 400 (it was fine), only the close.
    """
    head = head.lstrip(b"\r\n")
    if not head:
        return None
    first = head.split(b"\r\n\r\n", 1)[0]
    if not _CONTENT_LENGTH_LINE_RE.search(first):
        return _bad_request_reply(head, reason)
    try:
        parse(head)
    except ParseError:
        return _bad_request_reply(head, reason)
    return None


def _bad_request_reply(data: bytes, reason: str) -> bytes | None:
    """
    A 400 for a datagram the parser rejected, if its request line and Via can
    still be read (RFC 3261 16.3 / 8.2: tell the sender what was wrong).
    """
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    m = _REQUEST_LINE_RE.match(lines[0].rstrip(b"\r") + b"\r") or _REQUEST_LINE_RE.match(
        lines[0].rstrip(b"\r")
    )
    if m is None or m.group(1).upper() == b"ACK":
        return None
    copied: list[bytes] = []
    seen: set[bytes] = set()
    for line in lines[1:]:
        line = line.rstrip(b"\r")
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        canonical = _COPIED.get(name.strip().lower())
        if canonical is None:
            continue
        if canonical != b"Via" and canonical in seen:
            continue
        seen.add(canonical)
        copied.append(canonical + b": " + value.strip())
    if b"Via" not in seen:
        return None
    status = b"SIP/2.0 400 " + _reason(reason).encode("ascii")
    return b"\r\n".join([status, *copied, b"Content-Length: 0", b"", b""])


__all__ = ["UDP_MAX", "SipEndpoint", "TransportName"]
