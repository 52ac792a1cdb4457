"""
The harness's authoritative DNS server: L{Zone}s served over UDP and TCP on
any reactor (the real one, or a simulated host's view), with faults that a
scenario switches at run time, and every query and answer in the trace.

Why a subclass of C{DNSServerFactory} rather than the stock one: the stock
factory answers through a C{ResolverChain} (NXDOMAIN for names outside the
zone, no AA bit or SOA on negative answers), never truncates (a decoded
query has C{maxSize=0}), builds its TCP protocols on the global reactor, and
cannot drop, delay or fail an answer on purpose.  Here the factory keeps
twisted.names' protocols and message codec and decides the answer itself:

 - the zone with the longest origin containing the name answers with AA;
   NXDOMAIN and NODATA carry the SOA; a name in no zone gets REFUSED;
 - UDP answers larger than 512 bytes (or the client's EDNS payload size)
   first lose their additional section (RFC 2181 9) and, if still too big,
   go out empty with TC set, so the client retries over TCP;
 - faults (L{DnsFaults}): SERVFAIL, drop (the client times out), delay,
   NXDOMAIN for chosen names, truncate always, down (ports closed).

Every query received is a C{DnsEvent(direction="in")}; every answer sent a
C{DnsEvent(direction="out")}.  A deliberately dropped query is recorded as
an C{"out"} event with rcode C{"TIMEOUT"} and no bytes: nothing was sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from twisted.internet.interfaces import IListeningPort
from twisted.names import dns, resolve, server

from harness.dns.messages import Decoded
from harness.dns.zone import (
    AcyclicResolver,
    NameNotFound,
    NotAuthoritative,
    Zone,
    rr_text,
    type_name,
)
from harness.trace.events import DnsEvent, Trace

#: Largest UDP answer without EDNS (RFC 1035 4.2.1).
UDP_LIMIT = 512

_RCODE_NAMES = {
    dns.OK: "NOERROR",
    dns.EFORMAT: "FORMERR",
    dns.ESERVER: "SERVFAIL",
    dns.ENAME: "NXDOMAIN",
    dns.ENOTIMP: "NOTIMP",
    dns.EREFUSED: "REFUSED",
}


def rcode_name(code: int) -> str:
    """C{3} -> C{"NXDOMAIN"}."""
    return _RCODE_NAMES.get(code, f"RCODE{code}")


@dataclass
class DnsFaults:
    """
    Faults of one L{DnsServer}, read on every query, so setting a field takes
    effect at once.  (C{down} is L{DnsServer.set_down}: it opens or closes
    ports.)

    @ivar servfail: answer every query with SERVFAIL.
    @ivar drop: answer nothing (the client's query times out).
    @ivar delay: seconds to hold every answer before sending it.
    @ivar nxdomain: names (lowercase, no final dot) answered NXDOMAIN with
        the zone's SOA, whatever records they have.
    @ivar truncate: answer every UDP query with an empty, truncated (TC)
        message, forcing TCP.
    """

    servfail: bool = False
    drop: bool = False
    delay: float = 0.0
    nxdomain: set[str] = field(default_factory=set)
    truncate: bool = False

    def clear(self) -> None:
        """Lift every fault (C{down} is separate)."""
        self.servfail = False
        self.drop = False
        self.delay = 0.0
        self.nxdomain.clear()
        self.truncate = False


#: Answers already worked out (L{DnsServer._answer}), shared by every server of
#: the process: the worlds of a certification serve copies of the same zones.
_ANSWERS: dict[Any, tuple[bytes, str, tuple[str, ...], tuple[int, ...]]] = {}

_V = TypeVar("_V")
_SHARED: dict[Any, Any] = {}


def _shared(value: _V) -> _V:
    """An equal immutable value seen before (bounded: forgotten when full), else C{value}."""
    found: _V | None = _SHARED.get(value)  # (not cast(): a call, ~18 per run)
    if found is None:
        if len(_SHARED) >= 4096:
            _SHARED.clear()
        _SHARED[value] = found = value
    return found


class _UDPProtocol(dns.DNSDatagramProtocol):
    """
    Keeps the raw bytes of the datagram being handled, for the trace, and
    does not decode a query again that it has decoded before.

    Why: every phone asks the same few questions, each with a new ID, and
    decoding a query was the largest cost of serving it once the answer is
    kept (L{DnsServer._answer}).  What follows the ID decides everything
    else the stock protocol decodes, so a query whose bytes after the ID were
    seen before is handed on as a copy of that query's message with this
    ID.  This protocol only serves: with no query of its own in flight (the
    stock protocol's C{liveMessages}, C{resends}) every well-formed datagram
    goes to the controller, as here; anything else takes the stock path.
    """

    noisy = False
    raw: bytes = b""

    def datagramReceived(self, data: bytes, addr: tuple[str, int]) -> None:
        self.raw = data
        if len(data) > 12 and not self.liveMessages and not self.resends:
            known = _QUERIES.get(data)
            if known is not None:
                # (L{_Factory.messageReceived} without its keep: these bytes are kept)
                self.controller.owner._received(known, self, addr)
                return
        super().datagramReceived(data, addr)


#: decoded UDP queries by their bytes after the ID (see L{_UDPProtocol})
_QUERIES = Decoded()


class _TCPProtocol(dns.DNSProtocol):
    """Keeps the raw bytes of the message being handled, for the trace."""

    raw: bytes = b""

    def stringReceived(self, data: bytes) -> None:
        self.raw = data
        super().stringReceived(data)


class _Chain(AcyclicResolver, resolve.ResolverChain):  # type: ignore[misc]  # typeToMethod: a view
    """The stock resolver chain without its reference cycle."""

    def __init__(self, resolvers: list[Any]) -> None:
        # ResolverChain.__init__ without ResolverBase.__init__ (AcyclicResolver).
        self.resolvers = resolvers


class _Factory(server.DNSServerFactory):
    """The stock factory with the answer decided by L{DnsServer}."""

    def __init__(self, owner: DnsServer) -> None:
        # What DNSServerFactory.__init__(authorities=zones) sets, without its
        # stock chain, which binds every lookup method into itself: a reference
        # cycle per world (see AcyclicResolver).
        self.canRecurse = False
        self.resolver = _Chain(list(owner.zones))
        self.verbose = 0
        self.connections: list[Any] = []
        self.owner = owner
        self.noisy = False

    def buildProtocol(self, addr: Any) -> _TCPProtocol:
        # The stock one builds DNSProtocol(self): reactor=None -> global reactor.
        p = _TCPProtocol(self, reactor=self.owner.reactor)
        p.factory = self
        return p

    def messageReceived(self, message: dns.Message, proto: Any, address: Any = None) -> None:
        if isinstance(proto, _UDPProtocol):
            _QUERIES.keep(message, proto.raw)
        self.owner._received(message, proto, address)


def _edns_payload(message: dns.Message) -> int | None:
    for rr in message.additional:
        if rr.type == dns.OPT:
            return max(UDP_LIMIT, int(rr.cls))  # OPT's CLASS is the UDP payload size
    return None


class DnsServer:
    """
    An authoritative DNS server for C{zones} on C{reactor}.

    @param reactor: provides C{listenUDP}, C{listenTCP}, C{callLater},
        C{seconds}: the real reactor, a L{harness.net.simulated.SimHost} or a
        L{harness.net.wire.WireHost}.
    @param zones: the zones served; the longest matching origin answers.
    @param trace: where every query and answer is recorded.
    @param port: UDP and TCP port (0: any free UDP port, and TCP on the same).
    @param address: the address to bind and the trace's C{observer}; default
        the host view's C{address} attribute, else C{"127.0.0.1"}.
    @param epoch: reactor time at which the run started (trace times are
        C{reactor.seconds() - epoch}; 0 suits the simulated clock).

    @ivar faults: the run-time faults (L{DnsFaults}).
    @ivar down: whether the ports are closed (L{set_down}).
    """

    def __init__(
        self,
        reactor: Any,
        zones: Iterable[Zone],
        trace: Trace,
        *,
        port: int = 53,
        address: str | None = None,
        epoch: float = 0.0,
    ) -> None:
        self.reactor = reactor
        self.zones: list[Zone] = list(zones)
        self.trace = trace
        self.port = port
        self.address: str = address or getattr(reactor, "address", None) or "127.0.0.1"
        self.epoch = epoch
        self.faults = DnsFaults()
        self.down = False
        self.factory = _Factory(self)
        self.udp_protocol = _UDPProtocol(self.factory, reactor=reactor)
        self._udp_port: IListeningPort | None = None
        self._tcp_port: IListeningPort | None = None
        self._started = False
        #: the query last recorded, with its name and type as the trace holds them
        self._query_texts: tuple[dns.Query | None, str, str] | None = None
        #: C{(address, port)} as the trace holds it (the port known once listening)
        self._local: tuple[str, int] | None = None

    # -- life cycle ------------------------------------------------------------

    def start(self) -> None:
        """Listen on UDP and TCP (the port is known after this if it was 0)."""
        self._started = True
        if not self.down:
            self._listen()

    def stop(self) -> None:
        """Close both ports and every TCP connection."""
        self._started = False
        self._close()

    def set_down(self, down: bool) -> None:
        """
        Fault "down": close the ports (and TCP connections) so queries find
        no server, or open them again on the same port.
        """
        self.down = down
        if down:
            self._close()
        elif self._started:
            self._listen()

    def _listen(self) -> None:
        if self._udp_port is None:
            self._udp_port = self.reactor.listenUDP(
                self.port, self.udp_protocol, interface=self.address
            )
            bound: Any = self._udp_port.getHost()
            self.port = int(bound.port)
        if self._tcp_port is None:
            self._tcp_port = self.reactor.listenTCP(self.port, self.factory, interface=self.address)

    def _close(self) -> None:
        for proto in list(self.factory.connections):
            if proto.transport is not None:
                proto.transport.loseConnection()
        for attr in ("_udp_port", "_tcp_port"):
            port = getattr(self, attr)
            if port is not None:
                setattr(self, attr, None)
                port.stopListening()

    # -- zones -----------------------------------------------------------------

    def zone_for(self, name: bytes | str) -> Zone | None:
        """The zone with the longest origin containing C{name}, if any."""
        best: Zone | None = None
        for zone in self.zones:
            if zone.contains(name) and (best is None or len(zone.origin) > len(best.origin)):
                best = zone
        return best

    # -- handling --------------------------------------------------------------

    def _now(self) -> float:
        return float(self.reactor.seconds()) - self.epoch

    def _record(
        self,
        direction: str,
        transport: str,
        remote: tuple[str, int],
        query: dns.Query | None,
        rcode: str = "NOERROR",
        answers: list[dns.RRHeader] | None = None,
        raw: bytes = b"",
    ) -> None:
        if answers:
            texts = _shared(tuple(rr_text(rr) for rr in answers))
            ttls = _shared(tuple(int(rr.ttl) for rr in answers))
        else:
            # (what the two lines above give for no answers: the one empty tuple,
            # without two generators and two look-ups per query received)
            texts = ttls = ()
        self._record_texts(direction, transport, remote, query, rcode, texts, ttls, raw)

    def _record_texts(
        self,
        direction: str,
        transport: str,
        remote: tuple[str, int],
        query: dns.Query | None,
        rcode: str,
        answers: tuple[str, ...],
        ttls: tuple[int, ...],
        raw: bytes,
    ) -> None:
        """L{_record} with the answers already in their trace form."""
        # Every phone asks the same few names and gets the same answers: the
        # events share equal values instead of each holding its own copies.
        # (The query's name and type as the trace holds them are worked out once
        # per query, for its "in" event, and read again for its "out" one.)
        known = self._query_texts
        if known is not None and known[0] is query:
            _, qname, qtype = known
        else:
            qname = _shared(query.name.name.decode("ascii", "backslashreplace")) if query else ""
            qtype = type_name(query.type) if query else ""
            self._query_texts = (query, qname, qtype)
        local = self._local
        if local is None or local[1] != self.port:
            local = self._local = _shared((self.address, self.port))
        self.trace.record(
            DnsEvent(
                t=self._now(),
                observer=self.address,
                direction=direction,  # type: ignore[arg-type]
                transport=transport,  # type: ignore[arg-type]
                local=local,
                remote=remote,
                qname=qname,
                qtype=qtype,
                rcode=rcode,
                answers=answers,
                ttls=ttls,
                raw=raw,
            )
        )

    def _received(self, message: dns.Message, proto: Any, address: Any) -> None:
        if address is not None:
            transport = "udp"
            remote = (str(address[0]), int(address[1]))
        else:
            transport = "tcp"
            peer: Any = proto.transport.getPeer()
            remote = (str(peer.host), int(peer.port))
        query = message.queries[0] if message.queries else None
        self._record(
            "in",
            transport,
            remote,
            query,
            rcode=rcode_name(message.rCode),
            raw=getattr(proto, "raw", b""),
        )
        if message.answer:
            return  # a stray response, not a query: ignore it
        if self.faults.drop:
            self._record("out", transport, remote, query, rcode="TIMEOUT")
            return
        raw = getattr(proto, "raw", b"")
        data, rcode, texts, ttls = self._answer(message, transport, raw)

        def send() -> None:
            if transport == "udp":
                if proto.transport is None:
                    return  # closed meanwhile (down/stop during a delay)
                proto.transport.write(data, address)
            else:
                if proto.transport is None or proto not in self.factory.connections:
                    return
                proto.sendString(data)
            self._record_texts("out", transport, remote, query, rcode, texts, ttls, data)

        if self.faults.delay > 0:
            self.reactor.callLater(self.faults.delay, send)
        else:
            send()

    def _answer(
        self, message: dns.Message, transport: str, raw: bytes
    ) -> tuple[bytes, str, tuple[str, ...], tuple[int, ...]]:
        """
        The wire form of the answer to C{message} (fitted to a datagram on
        UDP), its rcode name, and its answers and TTLs as the trace holds them.

        Why kept: every phone of a world asks the same few questions, and
        building, fitting (one encoding per try) and describing an answer
        cost more than the rest of serving it, and every world of a
        certification serves a copy of the same zone.  The answer depends
        only on the query's bytes after its ID (C{raw}, as received), the
        transport, the zones' contents and the faults: all of them are the key
        (a zone's C{content} token changes with its records), and only the ID
        is put in front again.
        """
        key: Any = None
        if len(raw) > 12:  # a whole header: the ID and what follows it
            f = self.faults
            key = (
                transport,
                raw[2:],
                tuple(
                    (z.content, z.origin, len(z.entries), z.glue, z.default_ttl)
                    for z in self.zones
                ),
                f.servfail,
                f.truncate,
                frozenset(f.nxdomain) if f.nxdomain else None,
            )
            hit = _ANSWERS.get(key)
            if hit is not None:
                body, rcode, texts, ttls = hit
                return raw[:2] + body, rcode, texts, ttls
        response = self.respond(message)
        data = self._fit_udp(response, message) if transport == "udp" else response.toStr()
        answers = response.answers
        out = (
            data,
            rcode_name(response.rCode),
            _shared(tuple(rr_text(rr) for rr in answers)),
            _shared(tuple(int(rr.ttl) for rr in answers)),
        )
        if key is not None and data[:2] == raw[:2]:
            if len(_ANSWERS) >= 4096:
                _ANSWERS.clear()
            _ANSWERS[key] = (data[2:], *out[1:])
        return out

    def respond(self, message: dns.Message) -> dns.Message:
        """
        The response to query C{message} under the current zones and faults
        (without truncation, which depends on the transport).
        """
        response = dns.Message(
            id=message.id,
            answer=1,
            opCode=message.opCode,
            recDes=message.recDes,
            recAv=0,
            maxSize=0,  # never let twisted cut bytes; L{_fit_udp} truncates
        )
        response.queries = list(message.queries)
        edns = _edns_payload(message)

        def finish(rcode: int, auth: bool = False) -> dns.Message:
            response.rCode = rcode
            response.auth = auth
            if edns is not None:
                opt: Any = dns._OPTHeader(udpPayloadSize=4096)  # encodes like an RR
                response.additional.append(opt)
            return response

        if message.opCode != dns.OP_QUERY:
            return finish(dns.ENOTIMP)
        if len(message.queries) != 1:
            return finish(dns.EFORMAT)
        query = message.queries[0]
        name = query.name.name.rstrip(b".").lower()
        zone = self.zone_for(name)
        if self.faults.servfail:
            return finish(dns.ESERVER)
        if zone is None or query.cls not in (dns.IN, dns.ANY):
            return finish(dns.EREFUSED)
        if name.decode("ascii", "replace") in self.faults.nxdomain:
            response.authority = zone.negative_authority()
            return finish(dns.ENAME, auth=True)
        try:
            answers, authority, additional = zone.answer(name, query.type)
        except NameNotFound as e:
            response.authority = list(e.authority)
            return finish(dns.ENAME, auth=True)
        except NotAuthoritative:
            return finish(dns.EREFUSED)
        except Exception:
            return finish(dns.ESERVER)
        response.answers = list(answers)
        response.authority = list(authority)
        response.additional = list(additional)
        return finish(dns.OK, auth=True)

    def _fit_udp(self, response: dns.Message, query: dns.Message) -> bytes:
        """
        Drop glue, then truncate (TC, empty sections), to fit one datagram;
        returns the wire form that fits.
        """
        limit = _edns_payload(query) or UDP_LIMIT
        opt = [rr for rr in response.additional if rr.type == dns.OPT]
        if not self.faults.truncate:
            data = response.toStr()
            if len(data) <= limit:
                return data
            response.additional = opt
            data = response.toStr()
            if len(data) <= limit:
                return data
        response.answers = []
        response.authority = []
        response.additional = opt
        response.trunc = 1
        return response.toStr()
