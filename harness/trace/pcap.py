"""
Write a trace as a classic libpcap file, for Wireshark, tshark and sngrep.

Why synthesise packets instead of capturing them: on the simulated network
there is no wire to capture, and on the wire network the harness already
records every SIP message and DNS exchange it takes part in.  Rebuilding
Ethernet/IPv4/UDP/TCP frames from the trace gives the same file for the same
seed, on both networks, without privileges.

What is written (and why):

  - L{SipEvent}s.  Each C{"out"} event is written as sent (source = C{local}).
    Each C{"in"} event is written (source = C{remote}) only when no matching
    C{"out"} (same transport, source, destination and bytes) was recorded:
    when both ends are harness endpoints the message appears once, and a
    message from an external phone still appears.  Retransmissions match one
    for one.  A message sent but lost on the simulated network still appears
    (a capture at the sender would show it).
  - L{DnsEvent}s that carry C{raw} bytes, deduplicated the same way.  A TCP
    query/answer gets its 2-byte length prefix (C{raw} is the bare message).
    An answer with rcode C{"TIMEOUT"} (a query the server dropped) is not
    written: nothing was sent.
  - TCP and TLS streams are rebuilt per connection (the pair of addresses): a
    SYN / SYN-ACK / ACK handshake before the first segment (or at the
    recorded C{connect}/C{accept}), consistent sequence and acknowledgement
    numbers, segments of at most 1460 bytes, FIN or RST at a recorded
    C{close}/C{reset}, SYN + RST for C{refused} and a lone SYN for
    C{timeout}, so Wireshark reassembles the SIP messages.
  - B{TLS is written as plain TCP on the same port}: the file shows the SIP
    inside TLS as plaintext, for readability (the harness records the
    plaintext, never the keys).  Tell Wireshark with C{-d tcp.port==5061,sip}
    (or "Decode As") since it otherwise expects TLS on 5061.
  - L{PacketEvent}s (the simulated network's own view), L{FaultEvent}s and
    L{NoteEvent}s are not written.

Timestamps are C{EPOCH_BASE} (2026-01-01T00:00:00Z) plus the event's C{t},
with microsecond resolution, so a run's file is byte-for-byte reproducible.
MAC addresses are derived from the IPv4 addresses (C{02:00:a:b:c:d}, locally
administered), and IPv4 identification numbers count up from 1.
"""

from __future__ import annotations

import functools
import ipaddress
import struct
import zlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from harness.trace.events import Address, ConnEvent, DnsEvent, Event, PacketEvent, SipEvent

#: 2026-01-01T00:00:00Z as a Unix time: the timestamp of t = 0.
EPOCH_BASE = 1767225600

LINKTYPE_ETHERNET = 1
SNAPLEN = 262144
#: largest TCP payload per synthesised segment (Ethernet MTU minus IP and TCP headers)
MSS = 1460
#: largest UDP payload that fits in one IPv4 datagram
MAX_UDP_PAYLOAD = 65507

_PCAP_HEADER = struct.Struct("<IHHiIII")
_RECORD_HEADER = struct.Struct("<IIII")
_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_UDP = struct.Struct("!HHHH")
_TCP = struct.Struct("!HHIIBBHHH")

PROTO_TCP = 6
PROTO_UDP = 17

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Writable(Protocol):
    """Anything with C{write(bytes)}: a file opened C{"wb"}, a C{BytesIO}."""

    def write(self, data: bytes, /) -> object: ...


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of C{data}."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def mac_for(ip: str) -> bytes:
    """A deterministic, locally administered MAC address for an IPv4 address."""
    return b"\x02\x00" + _ip_bytes(ip)


@functools.lru_cache(maxsize=4096)
def _ip_bytes(ip: str) -> bytes:
    try:
        return ipaddress.IPv4Address(ip).packed
    except ValueError:
        raise ValueError(f"pcap: {ip!r} is not an IPv4 address") from None


def _pseudo_header(src: bytes, dst: bytes, proto: int, length: int) -> bytes:
    return src + dst + struct.pack("!BBH", 0, proto, length)


@dataclass
class _Stream:
    """One synthesised TCP connection: next sequence number per endpoint."""

    client: Address
    server: Address
    next_seq: dict[Address, int] = field(default_factory=dict)


class _PcapWriter:
    """Frames packets and keeps per-connection TCP state."""

    def __init__(self, fp: Writable) -> None:
        self.fp = fp
        self.count = 0
        self.ip_id = 0
        self.streams: dict[tuple[Address, Address], _Stream] = {}
        self.generation: Counter[tuple[Address, Address]] = Counter()
        fp.write(_PCAP_HEADER.pack(0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))

    # -- framing -----------------------------------------------------------

    def _frame(self, t: float, src: Address, dst: Address, proto: int, l4: bytes) -> None:
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        s, d = _ip_bytes(src[0]), _ip_bytes(dst[0])
        total = 20 + len(l4)
        header = _IPV4.pack(0x45, 0, total, self.ip_id, 0x4000, 64, proto, 0, s, d)
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        frame = mac_for(dst[0]) + mac_for(src[0]) + b"\x08\x00" + header + l4
        micros = max(0, round(t * 1_000_000))
        seconds, usec = divmod(micros, 1_000_000)
        self.fp.write(_RECORD_HEADER.pack(EPOCH_BASE + seconds, usec, len(frame), len(frame)))
        self.fp.write(frame)
        self.count += 1

    def udp(self, t: float, src: Address, dst: Address, payload: bytes) -> None:
        if len(payload) > MAX_UDP_PAYLOAD:
            return  # cannot have been on the wire as one datagram
        length = 8 + len(payload)
        segment = _UDP.pack(src[1], dst[1], length, 0) + payload
        pseudo = _pseudo_header(_ip_bytes(src[0]), _ip_bytes(dst[0]), PROTO_UDP, length)
        csum = checksum(pseudo + segment) or 0xFFFF
        segment = segment[:6] + struct.pack("!H", csum) + segment[8:]
        self._frame(t, src, dst, PROTO_UDP, segment)

    def _tcp(
        self, t: float, src: Address, dst: Address, seq: int, ack: int, flags: int, data: bytes
    ) -> None:
        header = _TCP.pack(src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                           5 << 4, flags, 65535, 0, 0)
        segment = header + data
        pseudo = _pseudo_header(_ip_bytes(src[0]), _ip_bytes(dst[0]), PROTO_TCP, len(segment))
        csum = checksum(pseudo + segment)
        segment = segment[:16] + struct.pack("!H", csum) + segment[18:]
        self._frame(t, src, dst, PROTO_TCP, segment)

    # -- TCP streams -------------------------------------------------------

    @staticmethod
    def _key(a: Address, b: Address) -> tuple[Address, Address]:
        return (a, b) if a <= b else (b, a)

    def _isn(self, src: Address, dst: Address) -> int:
        gen = self.generation[self._key(src, dst)]
        return zlib.crc32(f"{src[0]}:{src[1]}>{dst[0]}:{dst[1]}#{gen}".encode())

    def open(self, t: float, client: Address, server: Address) -> _Stream:
        """The stream between the two addresses, with a handshake if it is new."""
        key = self._key(client, server)
        stream = self.streams.get(key)
        if stream is not None:
            return stream
        isn_c, isn_s = self._isn(client, server), self._isn(server, client)
        self._tcp(t, client, server, isn_c, 0, SYN, b"")
        self._tcp(t, server, client, isn_s, isn_c + 1, SYN | ACK, b"")
        self._tcp(t, client, server, isn_c + 1, isn_s + 1, ACK, b"")
        stream = _Stream(client, server, {client: isn_c + 1, server: isn_s + 1})
        self.streams[key] = stream
        return stream

    def tcp_data(self, t: float, src: Address, dst: Address, payload: bytes) -> None:
        stream = self.open(t, src, dst)
        for start in range(0, len(payload), MSS):
            chunk = payload[start : start + MSS]
            last = start + MSS >= len(payload)
            self._tcp(t, src, dst, stream.next_seq[src], stream.next_seq[dst],
                      (PSH | ACK) if last else ACK, chunk)
            stream.next_seq[src] += len(chunk)

    def tcp_close(self, t: float, local: Address, remote: Address, reset: bool) -> None:
        key = self._key(local, remote)
        stream = self.streams.pop(key, None)
        if stream is None:
            return
        self.generation[key] += 1
        seq_l, seq_r = stream.next_seq[local], stream.next_seq[remote]
        if reset:
            self._tcp(t, local, remote, seq_l, seq_r, RST | ACK, b"")
            return
        self._tcp(t, local, remote, seq_l, seq_r, FIN | ACK, b"")
        self._tcp(t, remote, local, seq_r, seq_l + 1, FIN | ACK, b"")
        self._tcp(t, local, remote, seq_l + 1, seq_r + 1, ACK, b"")

    def tcp_refused(self, t: float, client: Address, server: Address, answered: bool) -> None:
        if self._key(client, server) in self.streams:
            return
        isn = self._isn(client, server)
        self._tcp(t, client, server, isn, 0, SYN, b"")
        if answered:
            self._tcp(t, server, client, 0, isn + 1, RST | ACK, b"")
        self.generation[self._key(client, server)] += 1


def _endpoints(event: SipEvent | DnsEvent) -> tuple[Address, Address]:
    """(source, destination) of the message the event records."""
    if event.direction == "out":
        return event.local, event.remote
    return event.remote, event.local


def message_key(event: SipEvent | DnsEvent) -> Hashable:
    """What makes an C{"in"} event the same message as an C{"out"} event."""
    src, dst = _endpoints(event)
    return (event.kind, event.transport, src, dst, event.raw)


def lost_udp_sends(listed: list[Event]) -> dict[int, int]:
    """
    The C{"out"} UDP SIP/DNS events whose datagram the network did not
    deliver, each with the index of the L{PacketEvent} that says so.  The
    network records each datagram as it is sent (just before or after the
    sender's own record, at the same instant), so a datagram lost then is
    that send's, not the first send of the same bytes (a server retransmitting
    a response: the first copy delivered, a later one lost); one dropped at
    its arrival (host down, port closed) is the oldest copy of those bytes
    still in flight (neither received nor dropped yet).
    """
    sends: dict[tuple[object, ...], list[tuple[int, float]]] = defaultdict(list)
    packets: dict[tuple[object, ...], list[tuple[int, float, str]]] = defaultdict(list)
    for index, event in enumerate(listed):
        if isinstance(event, PacketEvent):
            if event.proto == "udp" and event.payload:
                packets[(event.src, event.dst, event.payload)].append(
                    (index, event.t, event.fate))
        elif (isinstance(event, SipEvent | DnsEvent) and event.direction == "out"
                and event.transport == "udp" and event.raw):
            sends[(event.local, event.remote, event.raw)].append((index, event.t))
    gone: dict[int, int] = {}
    #: packet index -> (key, send index) of each send-time packet delivered
    entered: dict[int, tuple[tuple[object, ...], int]] = {}
    #: arrival-time drops: packet index -> key
    dropped: dict[int, tuple[object, ...]] = {}
    for key, ps in packets.items():
        ss = sends.get(key)
        if not ss:
            continue
        used = [False] * len(ss)
        start = 0
        for pi, pt, fate in ps:
            while start < len(ss) and (used[start] or ss[start][1] < pt - 1e-6):
                start += 1
            n = next((n for n in range(start, len(ss))
                      if not used[n] and abs(ss[n][1] - pt) <= 1e-6), None)
            if n is not None:
                used[n] = True
                if fate == "delivered":
                    entered[max(pi, ss[n][0])] = (key, ss[n][0])
                else:
                    gone[ss[n][0]] = pi
            elif fate != "delivered":
                dropped[pi] = key
    if not dropped:
        return gone
    flying: dict[tuple[object, ...], deque[int]] = defaultdict(deque)
    for index, event in enumerate(listed):
        if index in entered:
            key, j = entered[index]
            flying[key].append(j)
        if index in dropped:
            queue = flying.get(dropped[index])
            if queue:
                gone[queue.popleft()] = index
        elif (isinstance(event, SipEvent | DnsEvent) and event.direction == "in"
                and event.transport == "udp"):
            queue = flying.get((event.remote, event.local, event.raw))
            if queue:
                queue.popleft()  # received
    return gone


def match_ins(events: Iterable[Event]) -> dict[int, int]:
    """
    For each C{"in"} SIP/DNS event that repeats a recorded C{"out"} event (the
    receiving side's record of a message whose sending side was also
    recorded), the index of that C{"out"} event.  Matched one for one, the
    earliest unmatched C{"out"} first, so retransmissions pair up.  Shared with
    the ladder, which draws such a pair as one arrow.
    """
    listed = list(events)
    gone = lost_udp_sends(listed)
    outs: dict[Hashable, deque[int]] = defaultdict(deque)
    for index, event in enumerate(listed):
        if (isinstance(event, SipEvent | DnsEvent) and event.direction == "out"
                and index not in gone):
            outs[message_key(event)].append(index)
    matched: dict[int, int] = {}
    for index, event in enumerate(listed):
        if isinstance(event, SipEvent | DnsEvent) and event.direction == "in":
            queue = outs.get(message_key(event))
            if queue:
                matched[index] = queue.popleft()
    return matched


def duplicate_ins(events: Iterable[Event]) -> set[int]:
    """Indexes of the C{"in"} events that L{match_ins} pairs with an C{"out"}."""
    return set(match_ins(events))


def write_pcap(
    events: Iterable[Event],
    fp: Writable,
    *,
    redact: Callable[[bytes], bytes] | None = None,
) -> int:
    """
    Write C{events} (a L{Trace} or any iterable of events) to C{fp} as a
    libpcap file; returns the number of packets written.  C{redact}, if
    given, rewrites every SIP payload first (e.g. to blank digest responses
    before sharing a capture); stream sequence numbers follow the rewritten
    lengths.
    """
    listed = list(events)
    skip = duplicate_ins(listed)
    writer = _PcapWriter(fp)
    for index, event in enumerate(listed):
        if index in skip:
            continue
        if isinstance(event, SipEvent):
            src, dst = _endpoints(event)
            payload = redact(event.raw) if redact is not None else event.raw
            if event.transport == "udp":
                writer.udp(event.t, src, dst, payload)
            else:
                writer.tcp_data(event.t, src, dst, payload)
        elif isinstance(event, DnsEvent):
            if not event.raw or (event.direction == "out" and event.rcode == "TIMEOUT"):
                continue
            src, dst = _endpoints(event)
            if event.transport == "udp":
                writer.udp(event.t, src, dst, event.raw)
            else:
                writer.tcp_data(event.t, src, dst, struct.pack("!H", len(event.raw)) + event.raw)
        elif isinstance(event, ConnEvent) and event.transport != "udp":
            if event.what in ("connect", "accept"):
                client, server = (
                    (event.local, event.remote)
                    if event.what == "connect"
                    else (event.remote, event.local)
                )
                writer.open(event.t, client, server)
            elif event.what in ("close", "reset"):
                writer.tcp_close(event.t, event.local, event.remote, event.what == "reset")
            elif event.what in ("refused", "timeout"):
                writer.tcp_refused(event.t, event.local, event.remote, event.what == "refused")
    return writer.count


__all__ = [
    "EPOCH_BASE",
    "LINKTYPE_ETHERNET",
    "checksum",
    "duplicate_ins",
    "mac_for",
    "match_ins",
    "message_key",
    "write_pcap",
]
