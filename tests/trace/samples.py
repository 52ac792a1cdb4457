"""
A small, hand-made trace used by the trace output tests.

The SIP layer is another part; these tests only need messages that quack like
L{harness.sip.message.Request}/C{Response} (what L{summarise_sip} and the
ladder read), so tiny stand-ins are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from twisted.names import dns

from harness.trace.events import (
    ConnEvent,
    DnsEvent,
    Event,
    FaultEvent,
    NoteEvent,
    PacketEvent,
    SipEvent,
    Trace,
)

PHONE = "127.0.1.100"
PRIMARY = "127.0.1.10"
SECONDARY = "127.0.1.20"
FALLBACK = "127.0.1.15"
DNS = "127.0.1.53"

HOSTS = {
    PHONE: "phone",
    DNS: "dns",
    PRIMARY: "primary",
    SECONDARY: "secondary",
    FALLBACK: "fallback",
}

#: TCP DNS is served on a non-standard port to exercise tshark's "decode as"
DNS_TCP_PORT = 5300
HOSTILE = "<script>alert('x')</script>&\x1b[31m"


@dataclass(frozen=True)
class CSeq:
    seq: int
    method: str


@dataclass(frozen=True)
class Req:
    method: str
    uri: str


@dataclass(frozen=True)
class Resp:
    status: int
    reason: str
    cseq: CSeq


def request(method: str, uri: str, branch: str, body: bytes = b"", call_id: str = "c1") -> bytes:
    head = (
        f"{method} {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {PHONE}:5060;branch={branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:1001@example.test>;tag=ft\r\n"
        f"To: <sip:1001@example.test>\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: 1 {method}\r\n"
        f"Contact: <sip:1001@{PHONE}:5060>\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def response(status: int, reason: str, method: str, branch: str, call_id: str = "c1") -> bytes:
    return (
        f"SIP/2.0 {status} {reason}\r\n"
        f"Via: SIP/2.0/UDP {PHONE}:5060;branch={branch};rport\r\n"
        f"From: <sip:1001@example.test>;tag=ft\r\n"
        f"To: <sip:1001@example.test>;tag=tt\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: 1 {method}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def dns_query(name: str, qtype: int, ident: int) -> bytes:
    msg = dns.Message(id=ident, recDes=True)
    msg.queries = [dns.Query(name.encode(), qtype)]
    return msg.toStr()


def dns_answer(name: str, ident: int, target: str) -> bytes:
    msg = dns.Message(id=ident, answer=True, auth=True)
    msg.queries = [dns.Query(name.encode(), dns.A)]
    msg.answers = [dns.RRHeader(name.encode(), dns.A, ttl=60, payload=dns.Record_A(target, 60))]
    return msg.toStr()


def sip(
    t: float,
    observer: str,
    direction: str,
    transport: str,
    local: tuple[str, int],
    remote: tuple[str, int],
    message: object,
    raw: bytes,
) -> SipEvent:
    return SipEvent(t, observer, direction, transport, local, remote, message, raw)  # type: ignore[arg-type]


def build() -> Trace:
    """
    The sample: DNS lookups, a UDP REGISTER challenged by the primary (both ends
    recorded), a lost retransmission, a fault, TCP failover to the secondary with
    a large INVITE, a TLS REGISTER seen only by the fallback, a hostile note.
    """
    trace = Trace()
    events: list[Event] = []
    p5060 = (PHONE, 5060)
    # DNS over UDP/53: query received by the server, answer sent (server-side only)
    q = dns_query("primary.example.test", dns.A, 7)
    a = dns_answer("primary.example.test", 7, PRIMARY)
    events.append(DnsEvent(0.010, DNS, "in", "udp", (DNS, 53), (PHONE, 40000),
                           "primary.example.test", "A", raw=q))
    events.append(DnsEvent(0.011, DNS, "out", "udp", (DNS, 53), (PHONE, 40000),
                           "primary.example.test", "A", "NOERROR",
                           (f"primary.example.test A {PRIMARY}",), (60,), raw=a))
    # REGISTER over UDP, recorded at both ends
    reg = request("REGISTER", "sip:example.test", "z9hG4bK1")
    events.append(sip(0.100, PHONE, "out", "udp", p5060, (PRIMARY, 5060),
                      Req("REGISTER", "sip:example.test"), reg))
    events.append(sip(0.105, PRIMARY, "in", "udp", (PRIMARY, 5060), p5060,
                      Req("REGISTER", "sip:example.test"), reg))
    r401 = response(401, "Unauthorized", "REGISTER", "z9hG4bK1")
    events.append(sip(0.106, PRIMARY, "out", "udp", (PRIMARY, 5060), p5060,
                      Resp(401, "Unauthorized", CSeq(1, "REGISTER")), r401))
    events.append(sip(0.111, PHONE, "in", "udp", p5060, (PRIMARY, 5060),
                      Resp(401, "Unauthorized", CSeq(1, "REGISTER")), r401))
    events.append(NoteEvent(0.2, "phone", HOSTILE, clause="RED-1"))
    events.append(FaultEvent(1.0, "primary", "silence", "all methods"))
    reg2 = request("REGISTER", "sip:example.test", "z9hG4bK2")
    events.append(sip(1.5, PHONE, "out", "udp", p5060, (PRIMARY, 5060),
                      Req("REGISTER", "sip:example.test"), reg2))
    events.append(PacketEvent(1.5, "udp", p5060, (PRIMARY, 5060), reg2, fate="lost"))
    # DNS over TCP on a non-standard port
    q2 = dns_query("secondary.example.test", dns.A, 8)
    a2 = dns_answer("secondary.example.test", 8, SECONDARY)
    events.append(DnsEvent(2.0, DNS, "in", "tcp", (DNS, DNS_TCP_PORT), (PHONE, 40001),
                           "secondary.example.test", "A", raw=q2))
    events.append(DnsEvent(2.001, DNS, "out", "tcp", (DNS, DNS_TCP_PORT), (PHONE, 40001),
                           "secondary.example.test", "A", "NOERROR",
                           (f"secondary.example.test A {SECONDARY}",), (60,), raw=a2))
    # TCP to the secondary: connect, REGISTER, 200, a large INVITE (segmented)
    pt = (PHONE, 41000)
    events.append(ConnEvent(32.5, PHONE, "connect", "tcp", pt, (SECONDARY, 5060)))
    events.append(ConnEvent(32.5, SECONDARY, "accept", "tcp", (SECONDARY, 5060), pt))
    reg3 = request("REGISTER", "sip:example.test", "z9hG4bK3")
    events.append(sip(32.5, PHONE, "out", "tcp", pt, (SECONDARY, 5060),
                      Req("REGISTER", "sip:example.test"), reg3))
    events.append(sip(32.505, SECONDARY, "in", "tcp", (SECONDARY, 5060), pt,
                      Req("REGISTER", "sip:example.test"), reg3))
    ok = response(200, "OK", "REGISTER", "z9hG4bK3")
    events.append(sip(32.506, SECONDARY, "out", "tcp", (SECONDARY, 5060), pt,
                      Resp(200, "OK", CSeq(1, "REGISTER")), ok))
    events.append(sip(32.511, PHONE, "in", "tcp", pt, (SECONDARY, 5060),
                      Resp(200, "OK", CSeq(1, "REGISTER")), ok))
    body = b"v=0\r\n" + b"a=x-filler:" + b"y" * 3000 + b"\r\n"
    inv = request("INVITE", "sip:2000@example.test", "z9hG4bK4", body=body, call_id="c2")
    events.append(sip(40.0, PHONE, "out", "tcp", pt, (SECONDARY, 5060),
                      Req("INVITE", "sip:2000@example.test"), inv))
    events.append(ConnEvent(45.0, PHONE, "close", "tcp", pt, (SECONDARY, 5060)))
    # TLS to the fallback, recorded only by the fallback (an external phone)
    ptls = (PHONE, 42000)
    reg5 = request("REGISTER", "sips:example.test", "z9hG4bK5")
    events.append(sip(60.0, FALLBACK, "in", "tls", (FALLBACK, 5061), ptls,
                      Req("REGISTER", "sips:example.test"), reg5))
    ok5 = response(200, "OK", "REGISTER", "z9hG4bK5")
    events.append(sip(60.001, FALLBACK, "out", "tls", (FALLBACK, 5061), ptls,
                      Resp(200, "OK", CSeq(1, "REGISTER")), ok5))
    # a refused TCP connection and a hostile message
    events.append(ConnEvent(61.0, PHONE, "refused", "tcp", (PHONE, 43000), (PRIMARY, 5060)))
    evil = request("MESSAGE", "sip:<script>@example.test", "z9hG4bK6",
                   body=HOSTILE.encode(), call_id="c3")
    events.append(sip(62.0, PHONE, "out", "udp", p5060, (SECONDARY, 5060),
                      Req("MESSAGE", "sip:<script>alert(1)</script>@example.test"), evil))
    for event in events:
        trace.record(event)
    return trace
