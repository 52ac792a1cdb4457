"""
Build synthetic traces, readably, for checker tests.

Why a builder: a checker can only be trusted if it is seen to fail, and the
failing phone is easiest to write as the trace it would produce -- "a REGISTER
to the primary at 0, retransmitted at 0.5, 1.5, 3.5; then one to the secondary
at 7.5, answered 200".  The builder writes exactly that, producing the events
the harness's servers, DNS server and simulated network would record (real
L{SipEvent}s with messages built as text and parsed by
L{harness.sip.message.parse}), so the checkers read them as they read a run.

    tb = TraceBuilder(default_facts())
    reg = tb.silent("REGISTER", "primary", at=0.0)
    ok = tb.register("secondary", at=7.5, call_id=reg.call_id, cseq=2)
    tb.respond(ok, 200)
    trace = tb.build()
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from harness.certify.facts import CallPlan, Facts, ServerInfo
from harness.certify.verdict import Verdict
from harness.certify.wire import send_offsets
from harness.phone.config import AccountConfig, ServerConfig
from harness.profile import PROFILES, Profile
from harness.sip.message import parse
from harness.trace.events import (
    ConnEvent,
    DnsEvent,
    Event,
    FaultEvent,
    PacketEvent,
    SipEvent,
    Trace,
)

__all__ = [
    "DNS",
    "DOMAIN",
    "FALLBACK",
    "PHONE",
    "PRIMARY",
    "SECONDARY",
    "Req",
    "TraceBuilder",
    "default_facts",
    "failback_problems",
    "register_failover",
    "verdict_of",
]

PHONE = "127.0.1.100"
PRIMARY = "127.0.1.10"
SECONDARY = "127.0.1.20"
FALLBACK = "127.0.1.15"
DNS = "127.0.1.53"
DOMAIN = "example.test"

_REASONS = {100: "Trying", 180: "Ringing", 200: "OK", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            407: "Proxy Authentication Required", 486: "Busy Here",
            489: "Bad Event", 501: "Not Implemented", 503: "Service Unavailable"}


def default_facts(
    *,
    profile: str | Profile = "yealink",
    scenario: str = "synthetic",
    enable: int = 1,
    server1: str = DOMAIN,
    server2: str = FALLBACK,
    port1: int = 5060,
    transport: int = 0,
    naptr_build: int = 0,
    redundancy_type: int = 0,
    fallback_timeout: int = 120,
    expires: int = 3600,
    retry_counts: int = 3,
    failback_mode: int = 0,
    failback_timeout: int = 3600,
    register_on_enable: int = 0,
    password: str = "secret",
    duration: float = 300.0,
    calls: Iterable[float] = (),
    **extra: object,
) -> Facts:
    """
    Facts for a synthetic run: primary, secondary and fallback servers on the
    default loopback addresses, account 1 with server 1 = C{server1} (a
    domain by default) and server 2 = C{server2}; C{extra} sets any other
    L{Facts} field.
    """
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    s1 = ServerConfig(address=server1, port=port1, expires=expires, retry_counts=retry_counts,
                      failback_mode=failback_mode, failback_timeout=failback_timeout,
                      register_on_enable=register_on_enable)
    s2 = ServerConfig(address=server2, expires=expires, retry_counts=retry_counts)
    account = AccountConfig(index=1, enable=enable, user_name="1001", auth_name="1001",
                            password=password, servers=(s1, s2), transport=transport,
                            naptr_build=naptr_build, redundancy_type=redundancy_type,
                            fallback_timeout=fallback_timeout)
    ports = (("udp", 5060), ("tcp", 5060), ("tls", 5061))
    servers = (ServerInfo("primary", PRIMARY, ports), ServerInfo("secondary", SECONDARY, ports),
               ServerInfo("fallback", FALLBACK, ports))
    base = Facts(scenario=scenario, account=account, profile=prof, servers=servers,
                 dns=(DNS, 53), phone=PHONE, duration=duration)
    plans = tuple(CallPlan(float(at), f"sip:echo@{DOMAIN}") for at in calls)
    return replace(base, calls=plans, **extra)  # type: ignore[arg-type]


@dataclass
class Req:
    """A request the builder wrote: what later responses and in-dialog requests need."""

    method: str
    dst: str
    branch: str
    call_id: str
    cseq: int
    from_tag: str
    to_tag: str | None
    transport: str
    port: int
    sends: list[float] = field(default_factory=list)
    remote_tag: str | None = None

    @property
    def last(self) -> float:
        return self.sends[-1]


class TraceBuilder:
    """Writes the events a run would record; L{build} returns them as a L{Trace}, by time."""

    def __init__(self, facts: Facts | None = None) -> None:
        self.facts = facts or default_facts()
        self.phone = self.facts.phone or PHONE
        self.user = self.facts.account.user_name or "1001"
        self._events: list[Event] = []
        self._n = itertools.count(1)

    # -- addresses ---------------------------------------------------------------

    def addr(self, to: str) -> str:
        """A role (C{"primary"}) or an address."""
        s = self.facts.server(to)
        return s.address if s is not None else to

    def _add(self, event: Event) -> None:
        self._events.append(event)

    def build(self) -> Trace:
        """The trace, events in time order (stable for equal times)."""
        trace = Trace()
        for e in sorted(self._events, key=lambda e: e.t):
            trace.record(e)
        return trace

    # -- SIP -----------------------------------------------------------------------

    def request(
        self,
        method: str,
        to: str,
        at: float,
        *,
        sends: Sequence[float] = (0.0,),
        lost: Iterable[int] = (),
        branch: str | None = None,
        call_id: str | None = None,
        cseq: int = 1,
        transport: str = "udp",
        port: int = 5060,
        from_tag: str = "ft",
        to_tag: str | None = None,
        expires: int | None = None,
        user: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        unread: bool = False,
    ) -> Req:
        """
        The phone sends C{method} to C{to} at C{at + s} for each C{s} in
        C{sends} (retransmissions share the branch); the sends whose position
        is in C{lost} are dropped by the network (C{PacketEvent}, fate
        C{"down"}) instead of reaching the server.  C{unread}: the phone wrote
        it onto a TLS connection (its own C{SipEvent} and a delivered segment)
        but the server never read it (it stopped or closed the connection).
        """
        dst = self.addr(to)
        n = next(self._n)
        branch = branch or f"z9hG4bK{n:08d}"
        call_id = call_id or f"call-{n}@{self.phone}"
        user = user or self.user
        lines = [
            f"{method} sip:{DOMAIN} SIP/2.0",
            f"Via: SIP/2.0/{transport.upper()} {self.phone}:5060;branch={branch};rport",
            "Max-Forwards: 70",
            f"From: <sip:{user}@{DOMAIN}>;tag={from_tag}",
            f"To: <sip:{user}@{DOMAIN}>" + (f";tag={to_tag}" if to_tag else ""),
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} {method}",
            f"Contact: <sip:{user}@{self.phone}:5060>",
        ]
        if expires is not None:
            lines.append(f"Expires: {expires}")
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append("Content-Length: 0")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
        msg = parse(raw)
        lost_set = set(lost)
        req = Req(method, dst, branch, call_id, cseq, from_tag, to_tag, transport, port)
        for k, s in enumerate(sends):
            t = at + s
            req.sends.append(t)
            if unread:
                self._add(SipEvent(t, self.phone, "out", transport,  # type: ignore[arg-type]
                                   (self.phone, 5060), (dst, port), msg, raw))
                self._add(PacketEvent(t, "tcp", (self.phone, 5060), (dst, port), b""))
            elif k in lost_set:
                self._add(PacketEvent(t, "udp" if transport == "udp" else "tcp",
                                      (self.phone, 5060), (dst, port), raw, fate="down"))
            else:
                self._add(SipEvent(t, dst, "in", transport, (dst, port),  # type: ignore[arg-type]
                                   (self.phone, 5060), msg, raw))
        return req

    def configured_expires(self, to: str) -> int:
        """The expires configured for the server C{to} belongs to."""
        n = 2 if self.facts.group_of(self.addr(to)) == 2 else 1
        return self.facts.account.server(n).expires

    def register(self, to: str, at: float, *, call_id: str = "reg-1",
                 expires: int | str | None = "configured", **kw: object) -> Req:
        """
        A REGISTER (Call-ID C{"reg-1"} unless told) asking for C{expires}:
        by default the configured one; C{None} for no Expires header.
        """
        exp = self.configured_expires(to) if isinstance(expires, str) else expires
        return self.request("REGISTER", to, at, call_id=call_id, expires=exp,
                            **kw)  # type: ignore[arg-type]

    def invite(self, to: str, at: float, **kw: object) -> Req:
        """An initial INVITE (a fresh Call-ID unless told)."""
        return self.request("INVITE", to, at, **kw)  # type: ignore[arg-type]

    def silent(self, method: str, to: str, at: float, *, retry_counts: int | None = None,
               **kw: object) -> Req:
        """C{method} to a silent server: sent on the profile's RTX-1 schedule, never answered."""
        dst = self.addr(to)
        if retry_counts is None:
            n = 2 if self.facts.group_of(dst) == 2 else 1
            retry_counts = self.facts.account.server(n).retry_counts
        transport = str(kw.get("transport", "udp"))
        offs = send_offsets(self.facts.profile, method, retry_counts, transport)
        if method == "REGISTER":
            kw.setdefault("call_id", "reg-1")
            kw.setdefault("expires", self.configured_expires(to))
        return self.request(method, to, at, sends=offs, **kw)  # type: ignore[arg-type]

    def give_up(self, method: str, to: str = "primary") -> float:
        """Seconds after the first send at which the profile gives up on a silent server."""
        from harness.certify.wire import give_up_delay

        n = 2 if self.facts.group_of(self.addr(to)) == 2 else 1
        return give_up_delay(self.facts.profile, method, self.facts.account.server(n).retry_counts)

    def respond(
        self,
        req: Req,
        status: int,
        at: float | None = None,
        *,
        to_tag: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        reason: str | None = None,
        lost: bool = False,
    ) -> None:
        """The server answers C{req} (by default 10 ms after its last send)."""
        t = req.last + 0.01 if at is None else at
        if to_tag is None and status >= 200 and req.method == "INVITE" and req.to_tag is None:
            to_tag = f"tt{req.branch[-4:]}"
        if to_tag and req.method == "INVITE" and 200 <= status < 300:
            req.remote_tag = to_tag
        tag = req.to_tag or to_tag
        lines = [
            f"SIP/2.0 {status} {reason or _REASONS.get(status, 'Status')}",
            f"Via: SIP/2.0/{req.transport.upper()} {self.phone}:5060;branch={req.branch};rport",
            f"From: <sip:{self.user}@{DOMAIN}>;tag={req.from_tag}",
            f"To: <sip:{self.user}@{DOMAIN}>" + (f";tag={tag}" if tag else ""),
            f"Call-ID: {req.call_id}",
            f"CSeq: {req.cseq} {req.method}",
            *[f"{k}: {v}" for k, v in headers],
            "Content-Length: 0",
        ]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self._add(SipEvent(t, req.dst, "out", req.transport, (req.dst, req.port),  # type: ignore[arg-type]
                           (self.phone, 5060), parse(raw), raw))
        if lost:
            self._add(PacketEvent(t, "udp", (req.dst, req.port), (self.phone, 5060), raw,
                                  fate="down"))

    def in_dialog(self, invite: Req, method: str, at: float, *, to: str | None = None,
                  cseq: int | None = None, **kw: object) -> Req:
        """An in-dialog request of the dialog C{invite} set up (to its server unless told)."""
        return self.request(
            method,
            to or invite.dst,
            at,
            call_id=invite.call_id,
            cseq=cseq if cseq is not None else (invite.cseq if method == "ACK" else
                                                invite.cseq + 1),
            from_tag=invite.from_tag,
            to_tag=invite.remote_tag or "tt",
            **kw,  # type: ignore[arg-type]
        )

    def call(self, to: str, at: float, *, bye_at: float | None = None, **kw: object) -> Req:
        """INVITE answered 200, ACK, and (if C{bye_at}) a BYE answered 200, all at C{to}."""
        inv = self.invite(to, at, **kw)
        self.respond(inv, 200)
        self.in_dialog(inv, "ACK", inv.last + 0.02)
        if bye_at is not None:
            bye = self.in_dialog(inv, "BYE", bye_at)
            self.respond(bye, 200)
        return inv

    # -- DNS, faults, connections -------------------------------------------------------

    def dns(self, at: float, qname: str, qtype: str, answers: Iterable[str] = (), *,
            ttl: int = 300, rcode: str = "NOERROR", answer_after: float = 0.001) -> None:
        """
        The phone queries C{qtype qname} at C{at}; the DNS server answers with
        the records C{answers} (rdata strings, e.g. C{"0 1 5060 a.example.test"})
        after C{answer_after} seconds, or, with C{rcode="TIMEOUT"}, drops it.
        """
        assert self.facts.dns is not None
        host, port = self.facts.dns
        remote = (self.phone, 40000)
        self._add(DnsEvent(at, host, "in", "udp", (host, port), remote, qname, qtype))
        recs = tuple(f"{qname} {qtype} {a}" for a in answers) if rcode == "NOERROR" else ()
        self._add(DnsEvent(at + answer_after, host, "out", "udp", (host, port), remote, qname,
                           qtype, rcode, recs, tuple(ttl for _ in recs)))

    def fault(self, at: float, target: str, action: str, detail: str = "") -> None:
        self._add(FaultEvent(at, target, action, detail))

    def conn(self, at: float, to: str, what: str, *, transport: str = "tls",
             detail: str = "", port: int = 5061, phone_port: int = 40001) -> None:
        """A connection event at server C{to} with the phone (C{phone_port}) as the peer."""
        dst = self.addr(to)
        self._add(ConnEvent(at, dst, what, transport, (dst, port),  # type: ignore[arg-type]
                            (self.phone, phone_port), detail))

    def syn_lost(self, at: float, to: str, *, port: int = 5060, fate: str = "closed",
                 phone_port: int = 40002) -> None:
        """A TCP SYN of the phone that the network did not deliver."""
        self._add(PacketEvent(at, "tcp", (self.phone, phone_port), (self.addr(to), port), b"",
                              fate=fate, flags="S"))

    def refused(self, at: float, to: str, *, port: int = 5060, after: float = 0.01) -> float:
        """
        The phone's TCP connection to C{to} is refused: its SYN meets a closed
        port at C{at} (the simulated network's record) and the phone's side
        records C{"refused"} C{after} s later, on a port of its own.  Returns
        when the phone learned it.
        """
        phone_port = 41000 + next(self._n)
        self.syn_lost(at, to, port=port, phone_port=phone_port)
        dst = self.addr(to)
        self._add(ConnEvent(at + after, self.phone, "refused", "tcp", (self.phone, phone_port),
                            (dst, port), "RST"))
        return at + after


# -- common shapes ----------------------------------------------------------------------


def register_failover(tb: TraceBuilder, at: float = 0.0, *, cseq: int = 1,
                      call_id: str = "reg-1", granted: int | None = None) -> tuple[Req, Req]:
    """
    The guide's REGISTER failover: the primary is silent (RTX-1 schedule),
    then the secondary answers 200 at once.  Returns both requests.
    """
    first = tb.silent("REGISTER", "primary", at, cseq=cseq, call_id=call_id)
    second = tb.register("secondary", at + tb.give_up("REGISTER"), cseq=cseq + 1,
                         call_id=call_id)
    hdrs = [("Expires", str(granted))] if granted is not None else []
    tb.respond(second, 200, headers=hdrs)
    return first, second


def verdict_of(trace: Trace, facts: Facts, clause: str) -> Verdict:
    """The one verdict of C{clause} (through L{harness.certify.checkers.judge})."""
    from harness.certify.checkers import judge

    return judge(trace, facts, [clause])[0]


def failback_problems(tb: TraceBuilder, subject: Any, faults: Sequence[Any] = (),
                      tol: float = 0.05) -> list[str]:
    """
    The explore FAILBACK invariant (L{harness.explore._failback_invariants})
    over C{tb}'s trace, for a world whose judged account is C{subject} (an
    L{harness.testing.strategies.AccountSpec}) and whose faults are
    C{faults}: the invariant tests build their worlds this way.
    """
    from types import SimpleNamespace

    from harness.certify import wire
    from harness.explore import _failback_invariants

    trace = tb.build()
    run = SimpleNamespace(
        world=SimpleNamespace(faults=list(faults), subject=subject),
        result=SimpleNamespace(facts=tb.facts, trace=trace),
    )
    mine = wire.phone_transactions(trace, tb.facts)
    return _failback_invariants(run, mine, tol)  # type: ignore[arg-type]
