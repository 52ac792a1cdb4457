"""
TCP on the simulated network: listening ports, connectors, transports.

The model is small but keeps the behaviours a SIP phone's failover depends on:

 - connect: SYN, then SYN-ACK (the server accepts on SYN arrival and the
   client is connected one round trip after it started); a closed port answers
   with RST (C{ConnectionRefusedError} after one round trip); a lost, dropped
   (host down, partition) or black-holed SYN is retransmitted after 1, 2, 4, ...
   seconds like Linux until the connector's timeout (C{TimeoutError}) or six
   retries (C{TCPTimedOutError});
 - data: one C{write} is one segment, delivered in order after the link
   latency (jitter never reorders a stream); a segment the link loses (or
   drops because a host is down or partitioned) is retransmitted with
   exponential back-off from 200 ms, and everything written after it waits
   behind it; after fifteen retransmissions the sender gives up
   (C{TCPTimedOutError}, ConnEvent "timeout");
 - close: C{loseConnection} sends FIN; both protocols see C{ConnectionDone}
   (the closer at once, the peer when the FIN arrives).  C{abortConnection}
   sends RST: the aborter sees C{ConnectionAborted}, the peer
   C{ConnectionLost} when the RST arrives.  Data arriving at a closed endpoint
   is answered with RST.  No half-close.

Every segment is a L{PacketEvent} (flags C{"S"} for SYN and SYN-ACK, C{"F"},
C{"R"}, C{""} for data); connection facts are L{ConnEvent}s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from twisted.internet import error
from twisted.internet.abstract import isIPAddress
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import (
    IConnector,
    IConsumer,
    IListeningPort,
    IProducer,
    IProtocol,
    IProtocolFactory,
    IPushProducer,
    ITCPTransport,
)
from twisted.internet.protocol import ClientFactory, Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from harness.net._clock import VirtualDelayedCall

if TYPE_CHECKING:
    from harness.net.simulated import SimHost, SimWorld

_log = Logger()

Address = tuple[str, int]

SYN_RTO = 1.0
SYN_RETRIES = 6
DATA_RTO = 0.2
DATA_RTO_MAX = 60.0
DATA_RETRIES = 15


def _tls_looking(data: bytes) -> bool:
    """A TLS handshake record (what a ClientHello starts with); SIP never does."""
    return len(data) >= 3 and data[0] == 0x16 and data[1] == 0x03


@implementer(IListeningPort)
class SimTCPPort:
    """
    A listening TCP socket on a simulated host.

    Given C{make_factory} instead of a C{factory}, the port listens at once
    (it takes its number, a SYN to it is accepted) but builds its factory only
    when the first connection arrives (L{accepting}): most worlds of a UDP
    scenario never connect to the TCP and TLS ports their servers open, and a
    TLS factory is the dearest part of opening one.  A factory never built was
    never started, so it is not stopped either: the factories' C{doStart} and
    C{doStop} have no effect but their own port count.
    """

    def __init__(
        self,
        host: SimHost,
        port: int,
        factory: IProtocolFactory | None,
        backlog: int,
        make_factory: Callable[[], IProtocolFactory] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.factory = factory
        self.backlog = backlog
        self.listening = False
        #: builds L{factory} at the first connection (see L{accepting}), if not given
        self._make_factory = make_factory if factory is None else None

    def __repr__(self) -> str:
        return f"<SimTCPPort {self.host.address}:{self.port}>"

    def startListening(self) -> None:
        if self.factory is not None:
            self.factory.doStart()
        self.listening = True

    def accepting(self) -> IProtocolFactory:
        """The factory of an arriving connection, built and started on first use."""
        factory = self.factory
        if factory is None:
            make, self._make_factory = self._make_factory, None
            assert make is not None
            factory = self.factory = make()
            factory.doStart()
        return factory

    def stopListening(self) -> Deferred[None]:
        """
        Stop accepting: later SYNs are refused.  Established connections stay
        up, as with a real listening socket.
        """
        if self.listening:
            self.listening = False
            self.host._tcp_listener_closed(self)
            self._make_factory = None
            if self.factory is not None:
                self.factory.doStop()
        return succeed(None)

    loseConnection = stopListening

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", self.host.address, self.port)


class _Attempt:
    """One connection attempt of a connector: the SYN and its retransmissions."""

    def __init__(self, connector: SimConnector, local_port: int) -> None:
        self.connector = connector
        self.world = connector.host.world
        self.src: Address = (connector.host.address, local_port)
        self.dst: Address = connector.dest
        self.alive = True
        self.retries = 0
        self.retry_timer: VirtualDelayedCall | None = None
        #: the server's end once a SYN was accepted (duplicate SYNs are then ignored)
        self.server: SimTCPTransport | None = None

    def send_syn(self) -> None:
        world = self.world
        fate, delay = world._fate(self.src[0], self.dst[0])
        if fate == "delivered":
            if self.dst in world._blackholes:
                fate = "blackhole"
            elif self.dst[1] not in world._hosts[self.dst[0]]._tcp_listeners:
                fate = "closed"  # the RST comes back from the arrival handler
        world._record_tcp(self.src, self.dst, b"", fate, "S")
        now = world.clock._now
        if fate in ("delivered", "closed"):
            world.clock.call_at(now + delay, _syn_arrived, self, fate == "closed")
        self.retry_timer = world.clock.call_at(now + SYN_RTO * (2**self.retries), self._retry)

    def _retry(self) -> None:
        self.retry_timer = None
        if not self.alive:
            return
        self.retries += 1
        if self.retries > SYN_RETRIES:
            self.fail("timeout", error.TCPTimedOutError(), "SYN retransmissions exhausted")
        else:
            self.send_syn()

    def _finish(self) -> None:
        self.alive = False
        if self.retry_timer is not None and self.retry_timer.active():
            self.retry_timer.cancel()
        self.retry_timer = None

    def fail(self, what: str | None, exc: Exception, detail: str = "") -> None:
        """Give up: record C{what} (if any), free the port, tell the connector."""
        if not self.alive:
            return
        self._finish()
        host = self.connector.host
        host._tcp_used.discard(self.src[1])
        if what is not None:
            self.world._record_conn(host.address, what, self.src, self.dst, detail)
        self.connector._failed(self, Failure(exc))

    def refused(self) -> None:
        """An RST answered our SYN."""
        self.fail("refused", error.ConnectionRefusedError("Connection refused"), "RST")


def _syn_arrived(attempt: _Attempt, closed: bool = False) -> None:
    """
    A SYN reached the server host: accept it, or answer RST if nothing listens.
    A SYN the trace recorded as meeting a closed port (C{closed}) is refused even
    if the port opened while it was on its way: the trace says what happened.
    """
    world = attempt.world
    if attempt.server is not None:
        if closed and attempt.server.disconnected:
            # the server's end was reset before its SYN-ACK got through, its RST lost:
            # the phone's next SYN meets the closed port and draws an RST (RFC 793), as
            # the trace records (explore seed 44 of dns-ip-literal, round 4: a flap
            # closed the port under a half-open connection, the SYN-ACKs and RST lost)
            world._send_control(attempt.dst, attempt.src, "R", attempt.refused)
        return  # duplicate SYN; our SYN-ACK is being (re)transmitted by the pipe
    server_host = world._hosts.get(attempt.dst[0])
    listener = server_host._tcp_listeners.get(attempt.dst[1]) if server_host else None
    if server_host is None or listener is None or closed:
        world._send_control(attempt.dst, attempt.src, "R", attempt.refused)
        return
    client_host = attempt.connector.host
    server = SimTCPTransport(world, server_host, attempt.dst, attempt.src, None)
    client = SimTCPTransport(world, client_host, attempt.src, attempt.dst, attempt)
    server._pair(client)
    attempt.server = server
    world._record_conn(server_host.address, "accept", attempt.dst, attempt.src)
    server.pipe.send(b"", "S")  # SYN-ACK, reliable like data; server data queues behind it
    protocol = listener.accepting().buildProtocol(IPv4Address("TCP", *attempt.src))
    if protocol is None:
        server._attach(Protocol())
        server.loseConnection()
    else:
        server._attach(protocol)


@implementer(IConnector)
class SimConnector:
    """What C{SimHost.connectTCP} returns; behaves like C{twisted.internet.tcp.Connector}."""

    def __init__(
        self,
        host: SimHost,
        dest_host: str,
        dest_port: int,
        factory: ClientFactory,
        timeout: float | None,
        bindAddress: tuple[str, int] | None,
    ) -> None:
        self.host = host
        self.dest: Address = (dest_host, int(dest_port))
        self.factory = factory
        self.timeout = timeout
        self.bindAddress = bindAddress
        self.state = "disconnected"
        self.factoryStarted = False
        self.transport: SimTCPTransport | None = None
        self._attempt: _Attempt | None = None
        self._timeout_call: VirtualDelayedCall | None = None

    def __repr__(self) -> str:
        return f"<SimConnector {self.host.address} -> {self.dest[0]}:{self.dest[1]} {self.state}>"

    def connect(self) -> None:
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:
            self.factory.doStart()
            self.factoryStarted = True
        clock = self.host.world.clock
        problem: Exception | None = None
        local_port = 0
        if not isIPAddress(self.dest[0]):
            problem = error.DNSLookupError(
                f"{self.dest[0]!r}: the simulated network connects to IP literals only"
            )
        else:
            try:
                local_port = self.host._bind_tcp_client(self.bindAddress)
            except error.CannotListenError as e:
                problem = error.ConnectBindError(str(e))
        attempt = self._attempt = _Attempt(self, local_port)
        if self.timeout is not None:
            self._timeout_call = clock.callLater(
                self.timeout, attempt.fail, "timeout", error.TimeoutError(), "connector timeout"
            )
        self.factory.startedConnecting(self)
        if problem is not None:
            attempt.src = (self.host.address, 0)
            clock.call_at(clock._now, attempt.fail, None, problem)
        elif attempt.alive and self._attempt is attempt:
            attempt.send_syn()

    def stopConnecting(self) -> None:
        if self.state != "connecting" or self._attempt is None:
            raise error.NotConnectingError("we're not trying to connect")
        self._attempt.fail(None, error.UserError())

    def disconnect(self) -> None:
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected" and self.transport is not None:
            self.transport.loseConnection()

    def getDestination(self) -> IPv4Address:
        return IPv4Address("TCP", *self.dest)

    # called by the attempt / transport

    def _cancel_timeout(self) -> None:
        if self._timeout_call is not None and self._timeout_call.active():
            self._timeout_call.cancel()
        self._timeout_call = None

    def _stop_factory(self) -> None:
        if self.state == "disconnected" and self.factoryStarted:
            self.factory.doStop()
            self.factoryStarted = False

    def _failed(self, attempt: _Attempt, reason: Failure) -> None:
        if attempt is not self._attempt:
            return
        self._cancel_timeout()
        self._attempt = None
        self.state = "disconnected"
        self.factory.clientConnectionFailed(self, reason)
        self._stop_factory()

    def _connected(self, transport: SimTCPTransport) -> None:
        self._cancel_timeout()
        self._attempt = None
        self.state = "connected"
        self.transport = transport
        protocol = self.factory.buildProtocol(transport.getPeer())
        if protocol is None:
            transport._attach(Protocol())
            transport.loseConnection()
        else:
            transport._attach(protocol)

    def _lost(self, reason: Failure) -> None:
        self.state = "disconnected"
        self.transport = None
        self.factory.clientConnectionLost(self, reason)
        self._stop_factory()


class _Pipe:
    """
    One direction of a connection: in-order delivery with latency, and
    retransmission of what the link lost.
    """

    __slots__ = (
        "dead",
        "held",
        "last_arrival",
        "receiver",
        "retries",
        "rto",
        "sender",
        "timer",
        "world",
    )

    def __init__(self, world: SimWorld, sender: SimTCPTransport, receiver: SimTCPTransport):
        self.world = world
        self.sender = sender
        self.receiver = receiver
        self.last_arrival = 0.0
        self.held: list[tuple[bytes, str]] = []
        self.timer: VirtualDelayedCall | None = None
        self.rto = DATA_RTO
        self.retries = 0
        self.dead = False

    def send(self, payload: bytes, flags: str = "") -> None:
        if self.dead:
            return
        if self.held:
            self.held.append((payload, flags))
        else:
            self._transmit([(payload, flags)])

    def _transmit(self, segments: list[tuple[bytes, str]]) -> None:
        world = self.world
        src = self.sender.local
        dst = self.sender.remote
        clock = world.clock
        for i, (payload, flags) in enumerate(segments):
            fate, delay = world._fate(src[0], dst[0])
            world._record_tcp(src, dst, payload, fate, flags, self.sender.tls)
            if fate != "delivered":
                self.held = segments[i:]
                self.timer = clock.call_at(clock._now + self.rto, self._retransmit)
                self.rto = min(self.rto * 2, DATA_RTO_MAX)
                return
            arrival = clock._now + delay
            if arrival < self.last_arrival:
                arrival = self.last_arrival
            self.last_arrival = arrival
            clock.call_at(arrival, self.receiver._segment, payload, flags)
            # progress (an ACK will come): back-off starts afresh
            self.rto = DATA_RTO
            self.retries = 0

    def _retransmit(self) -> None:
        self.timer = None
        if self.dead:
            return
        self.retries += 1
        if self.retries > DATA_RETRIES:
            self.kill()
            self.sender._gave_up()
            return
        segments, self.held = self.held, []
        self._transmit(segments)

    def kill(self) -> None:
        self.dead = True
        self.held = []
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def reset(self) -> None:
        """Send RST (discarding anything held), ordered after data in flight."""
        self.kill()
        world = self.world
        src, dst = self.sender.local, self.sender.remote
        fate, delay = world._fate(src[0], dst[0])
        world._record_tcp(src, dst, b"", fate, "R")
        if fate == "delivered":
            arrival = max(world.clock._now + delay, self.last_arrival)
            self.last_arrival = arrival
            world.clock.call_at(arrival, self.receiver._rst_arrived)


@implementer(ITCPTransport, IConsumer, IPushProducer)
class SimTCPTransport:
    """
    One end of a simulated TCP connection; the protocol's C{transport}.
    Provides L{ITCPTransport}; producers are accepted and never paused (the
    simulated socket buffer is unbounded).
    """

    def __init__(
        self,
        world: SimWorld,
        host: SimHost,
        local: Address,
        remote: Address,
        attempt: _Attempt | None,
    ) -> None:
        self.world = world
        self.host = host
        self.local = local
        self.remote = remote
        self._attempt = attempt
        self.connector: SimConnector | None = attempt.connector if attempt else None
        self.protocol: IProtocol | None = None
        self.peer: SimTCPTransport | None = None
        self.pipe: _Pipe = None  # type: ignore[assignment]  # set by _pair
        self.connected = False
        self.disconnecting = False
        self.disconnected = False
        self.tls = False
        self.producer: IProducer | None = None
        self.streaming = False
        self._paused = False
        self._inbox: list[tuple[bytes, str]] = []
        self._nodelay = False
        self._keepalive = False
        world._conns[id(self)] = self

    def __repr__(self) -> str:
        return (
            f"<SimTCPTransport {self.local[0]}:{self.local[1]} -> "
            f"{self.remote[0]}:{self.remote[1]}>"
        )

    def _pair(self, other: SimTCPTransport) -> None:
        self.peer = other
        other.peer = self
        self.pipe = _Pipe(self.world, self, other)
        other.pipe = _Pipe(self.world, other, self)

    def _attach(self, protocol: IProtocol) -> None:
        self.protocol = protocol
        self.connected = True
        try:
            protocol.makeConnection(self)
        except Exception:
            _log.failure("Unhandled error in makeConnection on {t!r}", t=self)
            self._fail_protocol(Failure())

    # ITransport

    def write(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if not data or not self.connected or self.disconnecting:
            return
        if self.peer is not None and not self.tls and not self.peer.tls and _tls_looking(data):
            self.tls = self.peer.tls = True
        self.pipe.send(data)

    def writeSequence(self, data: list[bytes]) -> None:  # type: ignore[override]
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """Send FIN after what was written; the protocol sees C{ConnectionDone} now."""
        if self.disconnected or self.disconnecting:
            return
        self.disconnecting = True
        self.pipe.send(b"", "F")
        clock = self.world.clock
        clock.call_at(clock._now, self._close_local, error.ConnectionDone(), "close", "local")

    def abortConnection(self) -> None:
        """Send RST, drop anything unsent; the protocol sees C{ConnectionAborted}."""
        if self.disconnected:
            return
        self.disconnecting = True
        self.pipe.reset()
        clock = self.world.clock
        clock.call_at(clock._now, self._close_local, error.ConnectionAborted(), "reset", "aborted")

    def getPeer(self) -> IPv4Address:
        return IPv4Address("TCP", *self.remote)

    def getHost(self) -> IPv4Address:
        return IPv4Address("TCP", *self.local)

    # ITCPTransport

    def loseWriteConnection(self) -> None:
        raise NotImplementedError("half-close is not simulated")

    def getTcpNoDelay(self) -> bool:
        return self._nodelay

    def setTcpNoDelay(self, enabled: bool) -> None:
        self._nodelay = bool(enabled)

    def getTcpKeepAlive(self) -> bool:
        return self._keepalive

    def setTcpKeepAlive(self, enabled: bool) -> None:
        self._keepalive = bool(enabled)

    # IConsumer

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        if self.producer is not None:
            raise RuntimeError(f"Cannot register producer {producer!r}: already have one")
        self.producer = producer
        self.streaming = streaming
        if not streaming:
            clock = self.world.clock
            clock.call_at(clock._now, self._pull)

    def _pull(self) -> None:
        """Drive a pull producer: the simulated socket always has room."""
        producer = self.producer
        if producer is None or self.streaming or self.disconnected:
            return
        producer.resumeProducing()  # type: ignore[attr-defined]
        clock = self.world.clock
        clock.call_at(clock._now, self._pull)

    def unregisterProducer(self) -> None:
        self.producer = None

    # IPushProducer (reading side)

    def pauseProducing(self) -> None:
        self._paused = True

    def resumeProducing(self) -> None:
        if not self._paused:
            return
        self._paused = False
        inbox, self._inbox = self._inbox, []
        for payload, flags in inbox:
            self._segment(payload, flags)

    def stopProducing(self) -> None:
        self.loseConnection()

    # segment arrival (called by the peer's pipe)

    def _segment(self, payload: bytes, flags: str) -> None:
        if self.disconnected:
            if payload and self.peer is not None and not self.peer.disconnected:
                self.world._send_control(self.local, self.remote, "R", self.peer._rst_arrived)
            return
        if flags == "S":
            self._synack()
            return
        if self._paused:
            self._inbox.append((payload, flags))
            return
        if payload and self.protocol is not None:
            try:
                self.protocol.dataReceived(payload)
            except Exception:
                _log.failure("Unhandled error in dataReceived on {t!r}", t=self)
                self._fail_protocol(Failure())
                return
        if "F" in flags and not self.disconnected:
            if not self.disconnecting:
                self.disconnecting = True
                self.pipe.send(b"", "F")
            self._close_local(error.ConnectionDone(), "close", "peer")

    def _synack(self) -> None:
        attempt = self._attempt
        if attempt is None or not attempt.alive:
            # the connector gave up before the SYN-ACK came: reset the server end
            self.disconnected = True
            self.world._conns.pop(id(self), None)
            self.pipe.reset()
            return
        attempt._finish()
        connector = attempt.connector
        self.world._record_conn(self.host.address, "connect", self.local, self.remote)
        connector._connected(self)

    def _rst_arrived(self) -> None:
        if self.disconnected:
            return
        attempt = self._attempt
        if attempt is not None and attempt.alive:
            # an RST to a connection still opening (our SYN-ACK never came) refuses it
            # (RFC 793, SYN-SENT): the connector learns it now (explore seed 44 of
            # dns-ip-literal, round 4, second find: a flap reset the server's end of a
            # half-open connection, the phone recorded the reset yet went on sending SYNs)
            self.disconnected = True
            self.world._conns.pop(id(self), None)
            self.pipe.kill()
            attempt.refused()
            return
        self.pipe.kill()
        self._close_local(error.ConnectionLost("Connection reset by peer"), "reset", "peer")

    def _gave_up(self) -> None:
        if not self.disconnected:
            self._close_local(error.TCPTimedOutError(), "timeout", "retransmissions exhausted")

    def _fail_protocol(self, reason: Failure) -> None:
        """The protocol raised: reset the connection with that error, as a real reactor does."""
        if self.disconnected:
            return
        self.disconnecting = True
        self.pipe.reset()
        self._close_local(reason, "reset", "protocol error")

    def _close_local(self, reason: Exception | Failure, what: str, detail: str) -> None:
        if self.disconnected:
            return
        self.disconnected = True
        self.connected = False
        world = self.world
        world._conns.pop(id(self), None)
        if self.connector is not None:
            self.host._tcp_used.discard(self.local[1])
        world._record_conn(self.host.address, what, self.local, self.remote, detail)
        failure = reason if isinstance(reason, Failure) else Failure(reason)
        if self.protocol is not None:
            try:
                self.protocol.connectionLost(failure)
            except Exception:
                _log.failure("Unhandled error in connectionLost on {t!r}", t=self)
        if self.connector is not None and self.connector.transport is self:
            self.connector._lost(failure)
