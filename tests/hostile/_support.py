"""
Shared set-up for the hostile-input tests: a simulated world with one fake
server (or the built-in phone's endpoint), a raw attacker that writes bytes
on UDP, TCP and TLS, a well-behaved UA, and resource snapshots.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.protocol import ClientFactory, DatagramProtocol, Protocol
from twisted.internet.ssl import optionsForClientTLS
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.python.failure import Failure

from harness.net.simulated import SimWorld
from harness.servers.server import SipServer
from harness.sip.locate import Target
from harness.sip.message import ParseError, Response, parse
from harness.sip.transport import SipEndpoint
from harness.testing.hostile import Sender
from harness.testing.ua import SimpleUA
from harness.tls import load_ca
from harness.trace.events import ConnEvent, NoteEvent

PRIMARY = "127.0.1.10"
ATTACKER = "127.0.0.66"
ALICE = "127.0.0.5"
PORTS = {"udp": 5060, "tcp": 5060, "tls": 5061}
TLS_NAME = "primary.example.test"


def make_server(world: SimWorld, **kw: Any) -> SipServer:
    s = SipServer(world.host(PRIMARY), world.trace, role="primary", address=PRIMARY,
                  rng=random.Random(3), **kw)
    s.start()
    return s


def run(world: SimWorld, seconds: float) -> None:
    world.run(until=world.seconds() + seconds)


def result(world: SimWorld, d: Deferred[Any], seconds: float = 40.0) -> Any:
    out: list[Any] = []
    d.addBoth(out.append)
    world.run(until=world.seconds() + seconds, predicate=lambda: bool(out))
    if not out:
        raise AssertionError(f"no result within {seconds} virtual seconds")
    return out[0]


class _Collect(Protocol):
    def __init__(self, conn: RawConn) -> None:
        self.conn = conn

    def connectionMade(self) -> None:
        self.conn.transport = self.transport
        self.conn.connected = True
        for chunk in self.conn.queued:
            self.transport.write(chunk)
        self.conn.queued = []

    def dataReceived(self, data: bytes) -> None:
        self.conn.received += data

    def connectionLost(self, reason: Failure = None) -> None:  # type: ignore[assignment]
        self.conn.lost = reason


class _Factory(ClientFactory):
    def __init__(self, conn: RawConn) -> None:
        self.conn = conn

    def buildProtocol(self, addr: Any) -> Protocol:
        return _Collect(self.conn)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.conn.lost = reason


@dataclass
class RawConn:
    """A raw TCP or TLS client connection: write bytes, read what comes back."""

    received: bytes = b""
    lost: Failure | None = None
    connected: bool = False
    transport: Any = None
    queued: list[bytes] = field(default_factory=list)

    def send(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)
        else:
            self.queued.append(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.loseConnection()

    def responses(self) -> list[Response]:
        """The complete responses received so far (Content-Length framed)."""
        out: list[Response] = []
        data = self.received
        while b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            cl = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    cl = int(line.split(b":", 1)[1])
            msg, data = head + b"\r\n\r\n" + rest[:cl], rest[cl:]
            try:
                m = parse(msg)
            except ParseError:
                continue
            if isinstance(m, Response):
                out.append(m)
        return out


class _UdpCollect(DatagramProtocol):
    def __init__(self) -> None:
        self.received: list[bytes] = []

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.received.append(datagram)


class Attacker:
    """Writes raw bytes at a SIP element from its own simulated host."""

    def __init__(self, world: SimWorld, address: str = ATTACKER) -> None:
        self.world = world
        self.address = address
        self.host = world.host(address)
        self.udp_proto = _UdpCollect()
        self.udp_port = self.host.listenUDP(0, self.udp_proto, interface=address)
        self.conns: list[RawConn] = []

    def sender(self, transport: str, target: str = PRIMARY, port: int | None = None) -> Sender:
        if transport == "udp":
            port = self.udp_port.getHost().port
        return Sender(transport.upper(), self.address, port or 40000, target)

    def udp(self, data: bytes, dst: tuple[str, int] = (PRIMARY, 5060)) -> None:
        self.udp_port.write(data, dst)

    def udp_responses(self) -> list[Response]:
        out = []
        for d in self.udp_proto.received:
            try:
                m = parse(d)
            except ParseError:
                continue
            if isinstance(m, Response):
                out.append(m)
        return out

    def connect(self, transport: str, dst: str = PRIMARY, port: int | None = None,
                *, tls_name: str = TLS_NAME) -> RawConn:
        conn = RawConn()
        factory: Any = _Factory(conn)
        if transport == "tls":
            creator = optionsForClientTLS(tls_name, trustRoot=load_ca())
            factory = TLSMemoryBIOFactory(creator, True, factory, clock=self.host)
        self.host.connectTCP(dst, port or PORTS[transport], factory, timeout=10)
        self.conns.append(conn)
        return conn


_ua_seeds = itertools.count(11)


def good_ua(world: SimWorld, transport: str = "udp") -> SimpleUA:
    """A well-behaved UA (fresh branches and Call-IDs each time it is made)."""
    return SimpleUA(world.host(ALICE), world.trace, ALICE, "alice",
                    rng=random.Random(next(_ua_seeds)),
                    transports=("udp", "tcp") if transport != "udp" else ("udp",),
                    trust_root=load_ca())


def register_ok(world: SimWorld, ua: SimpleUA, transport: str = "udp",
                target: str = PRIMARY) -> bool:
    t = Target(transport, target, PORTS[transport], TLS_NAME if transport == "tls" else None)  # type: ignore[arg-type]
    r = result(world, ua.register(t, expires=300))
    return isinstance(r, Response) and r.status == 200


@dataclass(frozen=True)
class Snapshot:
    """What could grow without bound, at one moment."""

    timers: int  # pending delayed calls (callLater) on the world clock
    heap: int  # live entries on the clock's heap (internal ones included)
    tcp: int  # open simulated TCP connection ends (world-wide)
    conns: int  # the element's SipEndpoint connections
    buffered: int  # bytes held in the element's stream framers
    server_txns: int
    client_txns: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def snapshot(world: SimWorld, endpoint: SipEndpoint | None) -> Snapshot:
    conns = list(endpoint._connections) if endpoint is not None else []
    buffered = sum(c.protocol.framer.buffered for c in conns if c.protocol is not None)
    layer = endpoint.layer if endpoint is not None else None
    return Snapshot(
        timers=len(world.clock.getDelayedCalls()),
        heap=world.clock.pending(),
        tcp=len(world.connections()),
        conns=len(conns),
        buffered=buffered,
        server_txns=len(layer.servers) if layer is not None else 0,
        client_txns=len(layer.clients) if layer is not None else 0,
    )


def notes(world: SimWorld, observer: str, since: int = 0) -> list[str]:
    return [e.text for e in world.trace.events[since:]
            if isinstance(e, NoteEvent) and e.source == observer]


def conn_events(world: SimWorld, observer: str, since: int = 0) -> list[ConnEvent]:
    return [e for e in world.trace.events[since:]
            if isinstance(e, ConnEvent) and e.observer == observer]
