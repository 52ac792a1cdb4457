"""
Checkers for DNS-* (locating the servers), judged from the queries the phone
made at the harness's DNS server and the answers it got (C{DnsEvent}s), and
from where its requests then went.

The zone's answers are re-read here (the C{answers} strings of the trace) to
work out what a compliant phone had to do next; the checker never asks the
phone's resolver.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from harness._cached import cached_property
from harness._frozen import quick_init
from harness.certify import wire
from harness.certify._memo import per_run
from harness.certify.checks_base import Ctx
from harness.certify.facts import Facts
from harness.certify.verdict import Verdict
from harness.certify.wire import Chain, Txn, began_with, norm
from harness.sip.locate import DNS_TIMEOUTS, is_ip
from harness.trace.events import DnsEvent, PacketEvent, Trace

__all__ = ["CHECKS"]

_SERVICES = {"SIP+D2U": "udp", "SIP+D2T": "tcp", "SIPS+D2T": "tls"}
_SRV_PREFIX = {0: "_sip._udp", 1: "_sip._tcp", 2: "_sips._tcp"}
_TRANSPORT = {0: "udp", 1: "tcp", 2: "tls"}
_NAPTR_RE = re.compile(
    r'(\d+) (\d+) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" (\S+)'
)


@quick_init
@dataclass(frozen=True)
class Q:
    """One query of the phone and its answer."""

    index: int
    t: float
    name: str
    type: str
    answer: DnsEvent | None

    @property
    def empty(self) -> bool:
        """No record of the asked type came back (timeout, error, NODATA)."""
        return not self.records

    @property
    def failed(self) -> bool:
        return self.answer is None or self.answer.rcode != "NOERROR"

    @cached_property
    def records(self) -> list[str]:
        """
        The rdata of the answers of the asked type; do not change the list.
        Worked out once per query (a dozen checkers read the same few queries'
        records: about 12 parses per judged run became 3).
        """
        if self.answer is None or self.answer.rcode != "NOERROR":
            return []
        out = []
        for a in self.answer.answers:
            parts = a.split(" ", 2)
            if len(parts) == 3 and parts[1] == self.type:
                out.append(parts[2])
        return out

    @property
    def ttl(self) -> float | None:
        if self.answer is None or not self.answer.ttls:
            return None
        return float(min(self.answer.ttls))


@dataclass(frozen=True)
class Naptr:
    order: int
    pref: int
    flags: str
    service: str
    replacement: str


@dataclass(frozen=True)
class Srv:
    priority: int
    weight: int
    port: int
    target: str


#: Seconds within which the same query asked again is the resolver retrying it
#: (its answer, or the query itself, was lost on the way), not a new lookup.
_RESOLVER_RETRY = 5.0


def queries(ctx: Ctx) -> list[Q]:
    """
    The phone's queries, a query whose answer never reached the phone and that
    the resolver asked again (the same name and type next, within
    L{_RESOLVER_RETRY}) counted once, as its last try.  Only a try within
    L{_TRY_GAP} of the last one is the resolver's: it asks again once, its first
    wait after the first try, then gives the question up (DNS-11); the same
    question later, even within L{_RESOLVER_RETRY}, is a new lookup's (survey
    7004, round 8: the DNS host dropping every query, the registration's lookup
    failed at 4.0 s and a call's asked again at 4.005 s).
    """
    qs = [Q(i, q.t, norm(q.qname), q.qtype, a) for i, q, a in ctx.dns]
    dropped = _dropped(ctx)

    def never_reached(q: Q) -> bool:
        return q.answer is None or q.answer.rcode == "TIMEOUT" or dropped(q)

    # (a last try whose answer the network dropped gave the phone nothing: a timeout)
    return [
        replace(q, answer=None) if dropped(q) else q
        for n, q in enumerate(qs)
        if not (
            n + 1 < len(qs)
            and qs[n + 1].name == q.name
            and qs[n + 1].type == q.type
            and qs[n + 1].t - q.t <= min(_RESOLVER_RETRY, _TRY_GAP)
            and never_reached(q)
        )
    ]


def _dropped(ctx: Ctx) -> Callable[[Q], bool]:
    """
    Whether the network lost the answer to a query the DNS server heard and
    answered: the answers lost, by name and type as well as time (answers to
    other queries sent at the same instant reached the phone; a lost packet
    that cannot be read may have been any answer of its instant).
    """
    lost = _lost_answer_ports_of(ctx.trace, ctx.facts)
    unread = _unread_lost_answers_of(ctx.trace, ctx.facts)

    def dropped(q: Q) -> bool:
        return q.answer is not None and (
            (q.name, q.type, q.answer.t, q.answer.remote[1]) in lost or q.answer.t in unread)

    return dropped


@per_run  # (the one pass over the packets for lost answers: L{_lost_answers_of} too)
def _lost_answer_ports_of(trace: Trace, facts: Facts) -> frozenset[tuple[str, str, float, int]]:
    """
    (name, type, time, the phone's port) of the DNS server's answers the network
    lost on their way: the port tells two answers to one question sent in the
    same instant apart, one reaching the phone and one lost (survey w7049
    [2089], round 28: a registration's NAPTR query answered and a call's, asked
    in the same instant, its answer lost; the first read as lost, its lookup as
    waited out, and the fallback REGISTER after it as sent while the working
    server worked, FBK-S1).
    """
    dns_host = facts.dns[0] if facts.dns is not None else None
    out: set[tuple[str, str, float, int]] = set()
    for _, e in trace.indexed(PacketEvent):
        if not (e.proto == "udp" and e.src[0] == dns_host and e.fate != "delivered"):
            continue
        asked = _read_answer(e.payload)
        if asked is not None:
            out.add((*asked, e.t, e.dst[1]))
    return frozenset(out)


@per_run
def _query_sends(trace: Trace, facts: Facts) -> dict[int, float]:
    """
    When the phone sent each of its queries the DNS server heard (by the
    query's event index): its packet's time, the latest of the same bytes
    from the same port before the server heard it (a retry resends them).
    """
    if facts.dns is None:
        return {}
    sent: dict[tuple[tuple[str, int], bytes], list[float]] = {}
    for _, e in trace.indexed(PacketEvent):
        if e.proto == "udp" and e.dst == facts.dns:
            sent.setdefault((e.src, e.payload), []).append(e.t)
    out: dict[int, float] = {}
    for i, e in trace.indexed(DnsEvent):
        if e.direction == "in" and e.raw:
            times = [t for t in sent.get((e.remote, e.raw), ()) if t <= e.t]
            if times:
                out[i] = times[-1]
    return out


def _asked_before_answer(ctx: Ctx, q: Q, x: Q, expected: bool = False) -> bool:
    """
    Whether the phone sent query C{x} before the answer to C{q} can have
    reached it: C{x} cannot be what the phone made of that answer, but another
    lookup's, at the same time (a renewal's and a call's: explore seed 16 of
    dns-ip-literal, round 3).  From the server's times alone when the packets
    are not in the trace.  C{expected}: C{x} asks what that answer calls for.
    """
    if q.answer is None:
        return False
    # (the answer reached the phone a network delay after it left: at least half the
    # estimate of the one-way delay from below, jitter and all; explore seed 33 of
    # dns-ip-literal, round 3: 20 ms latency, the other lookup's query sent as the
    # answer left the server)
    delay = _shortest_query_delay(ctx.trace, ctx.facts)
    sent = _sent(ctx, x)
    if sent < q.answer.t + delay / 2 - 1e-9:
        return True
    # (and a query that is not what the answer calls for, sent within the whole
    # estimate, is another lookup's; one that is, the phone asking it as the answer
    # came on the fast end of the jitter, is this one's: explore seed 144 of
    # dns-ip-literal, round 5, 100 ms latency, a call's A query 91 ms after the
    # renewal's NAPTR answer left, the renewal's SRV query 100 ms after; seeds 147
    # and 156, the SRV query 5.5 ms after the empty NAPTR answer, estimate 5.6 ms)
    return not expected and sent < q.answer.t + delay - 1e-9


@per_run
def _shortest_query_delay(trace: Trace, facts: Facts) -> float:
    """
    An estimate of the network's one-way delay from below: the shortest time
    any query of the phone took to reach the DNS server, less the spread of
    those times (the jitter: with no latency an answer may come back at once,
    explore seed 9 of dns-ip-literal, round 3).  No bound with few queries: they
    may all have met the slow end of the jitter while an answer met the fast
    end (seeds 147 and 156 of round 5: four or five queries 5.76 to 5.94 ms, an
    answer at most 5.5 ms).  0 if there is none.
    """
    sends = _query_sends(trace, facts)
    events = trace.events
    delays = [max(0.0, events[i].t - t) for i, t in sends.items()]
    if not delays:
        return 0.0
    return max(0.0, 2 * min(delays) - max(delays))


def _sent(ctx: Ctx, x: Q) -> float:
    """When the phone sent C{x} (L{_query_sends}; the server's time without packets)."""
    return _query_sends(ctx.trace, ctx.facts).get(x.index, x.t)


def _with_it(ctx: Ctx, x: Q, qs: list[Q], name: str, qtype: str | None = None) -> Q | None:
    """
    A query for C{name} (of C{qtype}, if given) among C{qs} that the phone sent
    in the same instant as C{x}: two lookups at once each asked their next
    question then, in either order (explore seed 16 of dns-ip-literal, round 3).
    """
    at = _sent(ctx, x)
    return next((y for y in qs if y is not x and y.name == name
                 and (qtype is None or y.type == qtype) and abs(_sent(ctx, y) - at) <= 1e-6),
                None)


def _naptrs(q: Q) -> list[Naptr]:
    out = []
    for r in q.records:
        m = _NAPTR_RE.fullmatch(r)
        if m:
            out.append(Naptr(int(m[1]), int(m[2]), m[3].lower(), m[4].upper(), norm(m[6])))
    return out


def _srvs(q: Q) -> list[Srv]:
    return list(_parse_srvs(tuple(q.records)))


@functools.lru_cache(maxsize=256)  # (several checkers read the same few answers)
def _parse_srvs(records: tuple[str, ...]) -> tuple[Srv, ...]:
    out = []
    for r in records:
        p = r.split()
        if len(p) == 4 and all(x.isdigit() for x in p[:3]):
            out.append(Srv(int(p[0]), int(p[1]), int(p[2]), norm(p[3]) if p[3] != "." else "."))
    return tuple(out)


def _domain(ctx: Ctx) -> str | None:
    return ctx.server1_domain


def _g1_requests(ctx: Ctx) -> list[Txn]:
    return [t for t in ctx.txns if ctx.group(t.dst) == 1]


def _guard_domain(ctx: Ctx, c: str) -> tuple[str | None, Verdict | None]:
    dom = _domain(ctx)
    if dom is None:
        return None, ctx.na(c, "server 1 is not a domain name")
    if ctx.facts.dns is None:
        return None, ctx.na(c, "the scenario has no DNS server")
    return dom, None


# -- DNS-1, 2, 3, T -----------------------------------------------------------------------


def dns1(ctx: Ctx) -> Verdict:
    c = "DNS-1"
    acct = ctx.facts.account
    ips = [(n, acct.server(n)) for n in (1, 2) if acct.server(n).configured
           and acct.server(n).is_ip]
    if not ips:
        return ctx.na(c, "no SIP server is configured as an IP address")
    qs = ctx.queries
    all_ip = all(acct.server(n).is_ip or not acct.server(n).configured for n in (1, 2))
    for q in qs:
        if all_ip or any(q.name == norm(s.address) for _, s in ips):
            return ctx.failed(c, "a DNS query although the server is an IP address",
                              "no DNS query", f"{q.type} {q.name}", (q.index,))
    ev: list[int] = []
    for _, s in ips:
        if acct.transport == 3:
            continue
        want = s.port or ctx.profile.default_port_for(_TRANSPORT[acct.transport])
        for t in ctx.txns:
            if t.dst == s.address:
                ev.extend(t.indexes[:1])
                if t.sends[0].port != want:
                    return ctx.failed(c, f"request to {s.address} on the wrong port",
                                      f"port {want}", f"port {t.sends[0].port}", t.indexes)
    return ctx.passed(c, "IP-address servers used without DNS, on the configured or default "
                         "port", ev)


def dns2(ctx: Ctx) -> Verdict:
    c = "DNS-2"
    acct = ctx.facts.account
    if acct.transport != 3 or acct.server(1).port != 0:
        return ctx.na(c, "not transport 3 with port 0")
    dom, guard = _guard_domain(ctx, c)
    if guard:
        return guard
    qs = ctx.queries
    g1 = _g1_requests(ctx)
    if not qs:
        if g1:
            return ctx.failed(c, "requests sent without any DNS query", f"NAPTR {dom} first",
                              "no query", g1[0].indexes)
        return ctx.na(c, "the phone made no DNS query and sent nothing")
    first = qs[0]
    if first.type != "NAPTR" or first.name != dom:
        return ctx.failed(c, "the first query is not NAPTR for the domain", f"NAPTR {dom}",
                          f"{first.type} {first.name}", (first.index,))
    if g1 and g1[0].first < first.t:
        return ctx.failed(c, "a request went out before the NAPTR query", "NAPTR first",
                          g1[0].describe(), g1[0].indexes)
    return ctx.passed(c, f"NAPTR {dom} queried first", (first.index,))


def _a_only(ctx: Ctx, c: str, dom: str, port: int) -> Verdict:
    qs = [q for q in ctx.queries]
    for q in qs:
        if q.type != "A" or q.name != dom:
            return ctx.failed(c, "a query other than A for the domain",
                              f"A {dom} only", f"{q.type} {q.name}", (q.index,))
    g1 = _g1_requests(ctx)
    for t in g1:
        if t.sends[0].port != port:
            return ctx.failed(c, "request not sent to the configured port", f"port {port}",
                              f"port {t.sends[0].port}", t.indexes)
    if not qs:
        return ctx.na(c, "the phone made no DNS query")
    return ctx.passed(c, f"A {dom} only; requests to port {port}",
                      [q.index for q in qs] + [i for t in g1[:1] for i in t.indexes[:1]])


def dns3(ctx: Ctx) -> Verdict:
    c = "DNS-3"
    acct = ctx.facts.account
    port = acct.server(1).port
    if acct.transport != 3 or port == 0:
        return ctx.na(c, "not transport 3 with an explicit port")
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    return _a_only(ctx, c, dom, port)


def dns_t(ctx: Ctx) -> Verdict:
    c = "DNS-T"
    acct = ctx.facts.account
    if acct.transport == 3:
        return ctx.na(c, "transport 3 (DNS-NAPTR): DNS-2/DNS-3")
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    port = acct.server(1).port
    if port != 0:
        return _a_only(ctx, c, dom, port)
    qs = ctx.queries
    if not qs:
        return ctx.na(c, "the phone made no DNS query")
    srv = f"{_SRV_PREFIX[acct.transport]}.{dom}"
    if qs[0].type != "SRV" or qs[0].name != srv:
        return ctx.failed(c, "the first query is not the transport's SRV query", f"SRV {srv}",
                          f"{qs[0].type} {qs[0].name}", (qs[0].index,))
    for q in qs:
        if q.type not in ("SRV", "A") or (q.type == "SRV" and q.name != srv):
            return ctx.failed(c, "a query other than the transport's SRV and A",
                              f"SRV {srv}, then A", f"{q.type} {q.name}", (q.index,))
    want = _TRANSPORT[acct.transport]
    for t in _g1_requests(ctx):
        if t.transport != want and not (want == "tcp" and t.transport == "tls"):
            return ctx.failed(c, "request over the wrong transport", want,
                              f"{t.describe()} over {t.transport}", t.indexes)
    return ctx.passed(c, f"SRV {srv}, then A", [q.index for q in qs[:4]])


# -- NAPTR (DNS-4, 5, 6) -----------------------------------------------------------------------


def _after_root(qs: list[Q], n: int, root: str) -> list[Q]:
    out = []
    for q in qs[n + 1 :]:
        if q.type == "NAPTR" and q.name == root:
            break
        out.append(q)
    return out


def _pending_from_before(qs: Sequence[Q], unsent: Sequence[Q], q: Q, rec: Naptr) -> Q | None:
    """
    An earlier lookup's query of the question record C{rec} of NAPTR answer
    C{q} calls for (SRV for flag C{"s"}, NAPTR for an empty flag), asked
    before C{q} within L{DNS_GIVE_UP} and still unanswered when C{q}'s answer
    came (lost on its way, the resolver asking again): the resolver shares a
    pending question (twisted.names does), so the lookup of C{q} asked
    nothing of its own for that record, as DNS-5 reads it.  Survey w7069
    [9971], round 33: two calls' lookups a second apart, the first one's
    NAPTR query for the empty-flag record's name lost and asked again just
    as the second's NAPTR answer came; the second lookup's next own query
    was the SRV that shared answer called for.
    """
    qtype = "SRV" if rec.flags == "s" else "NAPTR"
    answered = q.answer.t if q.answer is not None else q.t
    for x in [*qs, *unsent]:
        if (x.type != qtype or x.name != rec.replacement or not x.t < q.t
                or q.t - x.t > DNS_GIVE_UP or not _unanswered(x)):
            continue
        if not any(y.type == qtype and y.name == rec.replacement and x.t < y.t
                   and not _unanswered(y) and y.answer is not None
                   and y.answer.t < answered for y in qs):
            return x
    return None


def _first_asks(qs: Sequence[Q], unsent: Sequence[Q], q: Q, good: Sequence[Naptr]) -> set[str]:
    """
    The names the lookup of NAPTR answer C{q} can ask first of its own, on
    that answer's arrival (what L{_asked_before_answer} calls "expected"): the
    most preferred usable record's; any usable record's when that one's
    question was still pending from an earlier lookup (L{_pending_from_before}:
    the resolver shares it, the lookup's next own question follows its
    answer).  A later record's query sent before the answer can have come is
    another lookup's step, not this one's.  Survey w7085 [559..565], round 35:
    a call's lookup 0.44 s after another's, its NAPTR answer leaving the server
    at 190.542 (100 ms latency); the earlier lookup's _sip._udp SRV query sent
    at 190.603, as its _sips._tcp answer came, read as the call's first step.
    """
    if not good:
        return set()
    if _pending_from_before(qs, unsent, q, good[0]) is None:
        return {good[0].replacement}
    return {r.replacement for r in good}


def dns4(ctx: Ctx) -> Verdict:
    c = "DNS-4"
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    qs = ctx.queries
    unsent = _unsent_queries(ctx)
    judged = 0
    ev: list[int] = []
    for n, q in enumerate(qs):
        if q.type != "NAPTR" or q.name != dom or not _naptrs(q):
            continue
        recs = _naptrs(q)
        good = sorted((r for r in recs if r.service in _SERVICES), key=lambda r: (r.order, r.pref))
        bad = {r.replacement for r in recs if r.service not in _SERVICES} - {
            r.replacement for r in good
        }
        # (in the order the phone sent them, not the order they reached the server: two
        # lookups' questions sent 0.3 ms apart arrive swapped under 1 ms of jitter,
        # explore seed 402 of dns-ip-literal, round 12)
        after = _after_root(qs, n, dom)
        # (with the questions the network lost on the way, sent before the next NAPTR
        # question of the domain: a try the resolver asks again a second later is this
        # lookup's step still, whatever another lookup asks meanwhile; survey 7017 [07],
        # round 17: two calls' lookups a second apart, the second's _sip._udp lost on the
        # way and asked again, the first's _sip._tcp retry heard in between)
        end = _sent(ctx, qs[n + 1 + len(after)]) if n + 1 + len(after) < len(qs) else math.inf
        lost_on_way = [x for x in unsent if _sent(ctx, q) < x.t < end
                       and not (x.type == "NAPTR" and x.name == dom)]
        first = _first_asks(qs, unsent, q, good)
        follow = sorted(
            (x for x in (*after, *lost_on_way) if x.type in ("SRV", "NAPTR")
             and not _asked_before_answer(ctx, q, x, x.name in first)),
            key=lambda x: _sent(ctx, x))
        if not good:
            continue
        judged += 1
        ev.append(q.index)
        pos = 0
        # (while this lookup waits to ask a lost question again, what is asked meanwhile is
        # another lookup's: survey 7009 [01], session 19, two lookups interleaved, the
        # other's next record asked between this one's lost try and its retry)
        waiting_until: float | None = None
        # (a lookup asks its next question once its last one's answer reached it: a
        # query sent before is another lookup's of the same domain, its NAPTR asked
        # just before this one's, its steps between this one's; survey 7011 [06],
        # round 13: a call's and a registration's lookups 0.36 s apart, the call's
        # _sips._tcp asked before the registration's _sip._udp answer came back)
        last = q
        for x in follow:
            if waiting_until is not None:
                if x.t < waiting_until:
                    continue
                waiting_until = None
            if last is not q and pos < len(good) and _asked_before_answer(
                    ctx, last, x, x.name == good[pos].replacement):
                continue
            if x.name in bad:
                return ctx.failed(c, "query for a record with an unsupported service",
                                  "only SIP+D2U, SIP+D2T, SIPS+D2T records",
                                  f"{x.type} {x.name}", (q.index, x.index))
            if pos >= len(good):
                break
            want = good[pos]
            if x.name != want.replacement and _with_it(ctx, x, follow, want.replacement):
                continue  # another lookup's question, asked in the same instant
            shared = (None if x.name == want.replacement
                      else _pending_from_before(qs, unsent, q, want))
            if shared is not None:
                # the record's question an earlier lookup still waited on: the resolver
                # shares it (L{_pending_from_before}); what follows its answer is DNS-5's
                ev.append(shared.index)
                break
            if x.name != want.replacement:
                return ctx.failed(c, "NAPTR records not taken by order, then pref",
                                  f"{want.replacement} (order {want.order}, pref {want.pref})",
                                  f"{x.type} {x.name}", (q.index, x.index))
            ev.append(x.index)
            last = x
            if x.type == "SRV" and _srvs(x) and any(
                    s.target != "." and _addresses(qs, qs.index(x), s.target, first=True)
                    for s in _srvs(x)):
                # this record gave targets: requests use its transport (an SRV set whose
                # every target's address lookup failed gave none, DNS-8: explore seed 41,
                # the phone then fell to the A query of the domain, over UDP by
                # naptr_build 0)
                tr = _SERVICES[want.service]
                # (a new request's: an in-dialog one goes where its dialog was set up,
                # over its transport, FO-4, whatever a later lookup chose; survey w7040
                # [8397], round 26, a re-INVITE over TLS as a new call's NAPTR gave UDP)
                g1 = [t for t in _g1_requests(ctx) if t.first >= x.t and not t.in_dialog]
                if g1 and g1[0].transport != tr:
                    return ctx.failed(c, "request not over the chosen record's transport",
                                      f"{tr} ({want.service})", g1[0].transport,
                                      (x.index, *g1[0].indexes))
                break
            if x.type == "NAPTR":
                break  # DNS-5's business
            again = None if x.answer is not None and x.answer.rcode != "TIMEOUT" else min(
                (y.t for y in follow if y.name == x.name and y.type == x.type
                 and 0 < y.t - x.t <= min(_RESOLVER_RETRY, _TRY_GAP)), default=None)
            if again is not None:
                # its answer never reached the phone and the resolver asked again, another
                # lookup's queries in between (L{queries} merges only tries next to each
                # other): the same record's step still (survey 7007 [13], round 9, no
                # latency: a call's SRV answer lost at 1.0 s, asked again at 2.0 s)
                waiting_until = again
                continue
            pos += 1
    if not judged:
        return ctx.na(c, "no NAPTR answer with a supported record")
    return ctx.passed(c, "NAPTR records followed by order, then pref; unsupported ones skipped",
                      ev)


def dns5(ctx: Ctx) -> Verdict:
    c = "DNS-5"
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    qs = ctx.queries
    judged = 0
    ev: list[int] = []
    # name -> the service of the empty-flag record that pointed there: it applies to
    # that delegation path (RFC 3403 §4.1), so the records there of other services
    # are not candidates
    path: dict[str, str] = {}
    lost = _lost_answers(ctx)
    unsent = _unsent_queries(ctx)
    for n, q in enumerate(qs):
        if q.type != "NAPTR" or _answer_lost(q, lost, ctx.tol):
            continue  # (an answer the network lost told the phone nothing)
        via = path.get(q.name)
        good = sorted((r for r in _naptrs(q) if r.service in _SERVICES and r.flags in ("s", "")
                       and via in (None, r.service)),
                      key=lambda r: (r.order, r.pref))
        for r in good:
            if r.flags == "":
                path.setdefault(r.replacement, r.service)
        if not good:
            continue
        first = good[0]
        want = "SRV" if first.flags == "s" else "NAPTR"
        # (the next query the phone asked: one the network lost on its way counts,
        # though the server never saw it; explore seed 3: the SRV query lost twice,
        # the lookup failed, DNS-11, and the next one the server heard was the
        # retry's NAPTR)
        # (nor the resolver asking again an earlier lookup's query that never got an
        # answer to the phone: that lookup's, not this one's; explore seed 29 of
        # dns-ip-literal, round 3, third find: an A query lost, asked again a second
        # later just after another call's NAPTR answer)
        # (a query of the question the flag asks for is this lookup's all the same)
        earlier = [x for x in [*qs[:n], *unsent] if x.t < q.t and _unanswered(x)]
        asked = (want, first.replacement)
        heard = [x for x in qs[n + 1 :] if x.type in ("SRV", "NAPTR", "A")
                 and not _asked_before_answer(ctx, q, x, (x.type, x.name) == asked)
                 and not _asked_again(x, asked, earlier)]
        # (nor what another lookup's answer, come in meanwhile, calls for, when this
        # one's question follows: survey of explore seed 192 of dns-ip-literal, round 7,
        # no latency, a call's lookup and the registration's retry interleaved, the
        # call's SRV NXDOMAIN 1 ms after the retry's NAPTR answer, its A query for the
        # domain 10 ms later, the retry's NAPTR query 1 ms after that)
        own = [x for x in heard if (x.type, x.name) == asked
               or not (_another_lookups_step(ctx, q, x, qs, dom)
                       or _begins_another_lookup(ctx, x, asked, dom, lost))]
        if own and (own[0].type, own[0].name) == asked:
            heard = own
        nxt = min((x for x in (
            next(iter(heard), None),
            next((x for x in unsent if x.t > q.t and x.type in ("SRV", "NAPTR", "A")
                  and not _asked_again(x, asked, earlier)), None),
        ) if x is not None), key=lambda x: x.t, default=None)
        if nxt is None:
            continue
        if nxt.type != want or nxt.name != first.replacement:
            # another lookup's question asked in the same instant as this one's
            nxt = _with_it(ctx, nxt, qs[n + 1 :], first.replacement, want) or nxt
        if nxt.type != want or nxt.name != first.replacement:
            # an earlier lookup's query of that question, still waiting for its answer
            # (lost on its way, the resolver asking again): a resolver shares a pending
            # question (as DNS-6 reads explore seed 41; explore seed 29 of
            # dns-ip-literal, round 3: two calls' lookups, the SRV query lost twice)
            nxt = next((x for x in [*qs[:n], *unsent]
                        if x.type == want and x.name == first.replacement
                        and x.t < q.t and q.t - x.t <= DNS_GIVE_UP and _unanswered(x)),
                       nxt)
        judged += 1
        ev.extend((q.index, nxt.index))
        if nxt.type != want or nxt.name != first.replacement:
            return ctx.failed(c, f"flag {first.flags!r} not followed",
                              f"{want} {first.replacement}", f"{nxt.type} {nxt.name}",
                              (q.index, nxt.index))
    # bounded depth
    depth = 0
    for q in qs:
        if q.type == "NAPTR":
            depth = 1 if q.name == dom else depth + 1
            if depth > ctx.profile.naptr_max_depth:
                return ctx.failed(c, "NAPTR chain deeper than the bound",
                                  f"at most {ctx.profile.naptr_max_depth} NAPTR queries",
                                  f"{depth} ({q.name})", (q.index,))
    if not judged:
        return ctx.na(c, "no NAPTR answer with a flag 's' or empty-flag record")
    return ctx.passed(c, "NAPTR flags followed ('s' -> SRV, empty -> NAPTR)", ev)


def dns6(ctx: Ctx) -> Verdict:
    c = "DNS-6"
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    acct = ctx.facts.account
    qs = ctx.queries
    want = [f"_sip._udp.{dom}"] if acct.naptr_build == 0 else [f"_sip._tcp.{dom}",
                                                               f"_sips._tcp.{dom}"]
    judged = 0
    ev: list[int] = []
    unsent = _unsent_queries(ctx)
    for n, q in enumerate(qs):
        if q.type != "NAPTR" or q.name != dom or q.answer is None:
            continue
        if q.answer.rcode not in ("NOERROR", "NXDOMAIN"):
            continue  # SERVFAIL, REFUSED ...: a DNS failure (DNS-11), not "no NAPTR"
        if any(r.service in _SERVICES for r in _naptrs(q)):
            continue
        # (an SRV query the network lost on its way is the phone's query all the
        # same, though the server never saw it: explore seed 8, 20 % loss, both
        # tries of the SRV query lost and the lookup timed out, DNS-11)
        heard = _after_root(qs, n, dom)
        until = min((x.t for x in [*qs[n + 1 :], *unsent] if x.t > q.t
                     and x.type == "NAPTR" and x.name == dom), default=None)
        # (one sent in the same instant as the NAPTR query, its packet after the query in
        # the trace, is after it all the same: survey w7052 [3603], round 29, no latency
        # nor jitter, a renewal's SRV query lost at 300.0 s as the run ended)
        lost_srv = [x for x in unsent if x.type == "SRV" and (x.t, x.index) > (q.t, q.index)
                    and (until is None or x.t < until)]
        cand = sorted([x for x in heard if x.type == "SRV"] + lost_srv, key=lambda x: x.t)
        # (a query sent before this answer could reach the phone is another lookup's:
        # a renewal's next SRV name while a call's NAPTR answer was on its way, explore
        # seed 19 of dns-ip-literal, round 4, 0.1 s latency)
        cand = [x for x in cand if not _asked_before_answer(ctx, q, x, x.name in want)]
        follow = _own_tries(cand,
                            [x for x in [*qs[:n], *unsent] if x.t < q.t and _unanswered(x)])
        if not follow and cand:
            # an earlier lookup's query of the same question, still in flight when this
            # one needed it, asked for both: a resolver shares a pending question
            # (twisted.names.client.Resolver does; explore seed 41: two calls' lookups a
            # second apart, the first one's SRV query lost and asked again)
            follow = cand[:1]
        elif follow and follow[0].name != want[0]:
            # likewise when this lookup went on past it (explore seed 19 of
            # dns-ip-literal, round 3: a call's SRV answer lost, the renewal's lookup
            # sharing the resolver's retry, then asking the next SRV name)
            shared = next((x for x in cand if x.name == want[0] and x.t < follow[0].t), None)
            if shared is not None:
                follow = [shared, *follow]
        if not follow:
            # an earlier lookup's query of that SRV name, asked before this NAPTR answer
            # and still waiting for its answer (lost on its way or on the way back, the
            # resolver asking again): the resolver shares the pending question, as DNS-5
            # reads (explore seed 415 of dns-ip-literal, round 12, 20 % loss: a call's
            # SRV query lost, its retry's answer lost; the registration's retry lookup
            # got its empty NAPTR answer meanwhile and failed with the call's, DNS-11)
            # (while it waits, nothing else is asked before the resolver gives it up: a
            # lookup asking on past the answer, its domain's A, shared nothing)
            same = sorted((x for x in [*qs[:n], *unsent] if x.type == "SRV"
                           and x.name == want[0] and x.t < q.t), key=lambda x: x.t)
            tries = [x for x in same if q.t - x.t <= DNS_GIVE_UP]
            give_up = tries[0].t + DNS_GIVE_UP if tries else q.t
            if tries and _unanswered(same[-1]) and not any(
                    q.t < x.t < give_up and (x.type, x.name) != ("SRV", want[0])
                    for x in [*heard, *unsent]):
                follow = same[-1:]
        if not follow:
            # the SRV query this answer calls for, sent after the answer left the server
            # but within half the estimate of the one-way delay, and no other after it:
            # the answer came back on the fast end of the jitter (the estimate is no bound
            # with few queries, L{_shortest_query_delay}); this lookup's query, or another
            # lookup's it shared (as above).  Survey 7023 [03], round 20: no latency, 10 ms
            # jitter, six queries 4.95 to 9.0 ms (estimate 0.9 ms), the empty NAPTR answer
            # back within 0.02 ms and the SRV query sent then.
            answered = q.answer.t
            follow = sorted((x for x in [*lost_srv, *heard] if x.type == "SRV"
                             and x.name == want[0] and _sent(ctx, x) >= answered - 1e-9),
                            key=lambda x: x.t)[:1]
        judged += 1
        ev.append(q.index)
        if not follow:
            return ctx.failed(c, "no SRV query after an empty NAPTR answer",
                              f"SRV {want[0]} (naptr_build {acct.naptr_build})", "none",
                              (q.index,))
        for k, x in enumerate(follow[: len(want)]):
            ev.append(x.index)
            if x.name != want[k]:
                return ctx.failed(c, "wrong SRV query after an empty NAPTR answer",
                                  f"SRV {want[k]} (naptr_build {acct.naptr_build})",
                                  f"SRV {x.name}", (q.index, x.index))
            if not x.empty:
                break
    if not judged:
        return ctx.na(c, "no NAPTR answer without supported records")
    return ctx.passed(c, f"no NAPTR -> SRV {', then '.join(want)}", ev)


def _another_lookups_step(ctx: Ctx, q: Q, x: Q, qs: list[Q], dom: str) -> bool:
    """
    Whether query C{x} asks what the answer to another query than C{q}, come
    in after C{q} was asked and before C{x} left, calls for: that lookup's next
    step (whichever answer left the server first: survey w7054 [2047], round 29,
    0.1 s latency, a call's SRV answer sent 11 ms before the registration's NAPTR
    answer, the call's address query for its first target asked after both).
    An SRV answer calls for its targets' addresses; an empty one (DNS-6,
    RFC 3263 4.2) for the domain's other SRV names or its address; a NAPTR
    answer for its records' replacements.
    """
    if q.answer is None:
        return False
    sent = _sent(ctx, x)
    for p in qs:
        if (p is q or p.answer is None or p.t >= x.t
                or not _sent(ctx, q) <= p.answer.t <= sent + 1e-9):
            continue
        calls: set[tuple[str, str]] = set()
        if p.type == "NAPTR":
            calls = {("SRV" if r.flags == "s" else "NAPTR", r.replacement) for r in _naptrs(p)}
        elif p.type == "SRV" and p.records:
            calls = {(t, r.target) for r in _srvs(p) for t in ("A", "AAAA")}
        elif p.type == "SRV":
            calls = {("A", dom), ("AAAA", dom)} | {
                ("SRV", f"{pre}.{dom}") for pre in ("_sip._udp", "_sip._tcp", "_sips._tcp")}
        if (x.type, x.name) in calls:
            return True
    return False


def _begins_another_lookup(ctx: Ctx, x: Q, asked: tuple[str, str], dom: str,
                           lost: AbstractSet[tuple[str, str, float]]) -> bool:
    """
    Whether query C{x} begins another lookup, not a step of one following a
    NAPTR answer that calls for C{asked}: a NAPTR query of the domain itself
    (DNS-2) whose answer cannot have called for C{asked} (it never reached the
    phone, or its records point elsewhere), so a query of C{asked} after it is
    still the first lookup's.  Survey w7054 [1379], round 29, 20 % loss: the
    registration's retry asked the domain's NAPTR 13 ms after a call's flag-s
    answer, its answer lost, then the call's SRV query left.  An answer that
    does call for C{asked} may have been followed instead (the first lookup
    asking nothing): not this.
    """
    if (x.type, x.name) != ("NAPTR", dom) or asked == ("NAPTR", dom):
        return False
    if x.answer is None or _answer_lost(x, lost, ctx.tol):
        return True
    return asked not in {("SRV" if r.flags == "s" else "NAPTR", r.replacement)
                         for r in _naptrs(x)}


def _asked_again(x: Q, wanted: tuple[str, str], earlier: list[Q]) -> bool:
    """
    Whether C{x} is the resolver asking again one of the C{earlier} queries
    that never got an answer (within L{_RESOLVER_RETRY}), unless it asks the
    C{wanted} (type, name) question itself.
    """
    return (x.type, x.name) != wanted and any(
        e.name == x.name and e.type == x.type and 0 < x.t - e.t <= _RESOLVER_RETRY
        for e in earlier)


def _own_tries(follow: list[Q], earlier: list[Q]) -> list[Q]:
    """
    The queries of C{follow} (after a NAPTR answer) that are this lookup's own
    tries, each once: not the resolver asking again a query of an earlier
    lookup that never got an answer to the phone (C{earlier}: lost on its way,
    its answer lost or not sent), within L{_RESOLVER_RETRY} of it (two lookups
    at once, a REGISTER's and a call's: explore seed 12); and a query asked
    again within that span counted once, as its last try.
    """
    out = [x for x in follow
           if not any(e.name == x.name and e.type == x.type
                      and 0 < x.t - e.t <= _RESOLVER_RETRY for e in earlier)]
    return [x for k, x in enumerate(out)
            if not (_unanswered(x) and any(
                y.name == x.name and y.type == x.type and 0 <= y.t - x.t <= _RESOLVER_RETRY
                for y in out[k + 1 :]))]


# -- SRV and A (DNS-7, 8, 9) -------------------------------------------------------------------


def _addresses(qs: list[Q], after: int, name: str, *, first: bool = False,
               by: float | None = None) -> list[str]:
    """
    The addresses of the first A answer for C{name} after query C{after}; with
    C{first}, of the first A query for it only (the lookup's own: if it failed, or
    its answer was lost, the target gave no address then, DNS-8).  With C{by},
    only answers the phone had by then (an address asked for later, when the
    target was needed, was not among the targets then: explore seed 2).
    """
    if is_ip(name):
        return [name]
    for q in qs[after + 1 :]:
        if by is not None and (q.answer.t if q.answer is not None else q.t) > by:
            return []
        if q.type == "A" and q.name == name:
            if not q.failed:
                return [r for r in q.records]
            if first:
                return []
    return []


def _first_srv(qs: list[Q]) -> list[tuple[int, Q]]:
    seen: set[str] = set()
    out = []
    for n, q in enumerate(qs):
        if q.type == "SRV" and _srvs(q) and q.name not in seen:
            seen.add(q.name)
            out.append((n, q))
    return out


def dns7(ctx: Ctx) -> Verdict:
    c = "DNS-7"
    qs = ctx.queries
    judged = 0
    ev: list[int] = []
    weighted = ctx.profile.srv_tie == "weight-desc"
    for _, q in _first_srv(qs):
        recs = [r for r in _srvs(q) if r.target != "."]
        if len(recs) < 2:
            continue

        def rank(r: Srv) -> tuple[int, ...]:
            return (r.priority, -r.weight) if weighted else (r.priority,)

        ranks = sorted({rank(r) for r in recs})
        if len(ranks) < 2:
            continue
        # (the first request after the answer by when it began, a TCP/TLS attempt with
        # its connection's first SYN: two chains may start together on the wire, one
        # carried by a failed connection the wire reads as the next request's, explore
        # seed 47: the primary's late 200 and the secondary's lost SYN at 2.1 s)
        after = [ch for ch in ctx.new_chains(1) if ch.start >= q.t]
        chain = min(after, key=lambda ch: min(t.started for t in ch.txns), default=None)
        if chain is None:
            continue
        # (the targets the phone had when the request began: one whose address
        # lookup failed and that it asked for again when it needed it is not ranked)
        # (the lookup's own A query the network lost on its way, both tries, is its
        # query all the same: the target gave no address then, DNS-11; survey 7021
        # [03], round 19: the primary's A query lost twice, the phone went on to the
        # secondary 4 s later, a call's lookup meanwhile got the primary's address)
        # (read question by question, L{questions}: a try lost and asked again is the
        # question's, counted as its answered try)
        sent = _sent(ctx, q)
        own = [x.last for x in ctx.questions if x.first > sent]
        addr_rank: dict[str, int] = {}
        for r in recs:
            for a in _addresses(own, -1, r.target, first=True, by=chain.start):
                addr_rank.setdefault(a, ranks.index(rank(r)))
        judged += 1
        ev.append(q.index)
        tried: list[str] = []
        # (in the order the attempts began, a TCP/TLS attempt with its connection's first
        # SYN: explore seed 47, 0.1 s latency, the REGISTER reached the primary just as
        # the phone, having given it up, sent its first SYN to the secondary)
        began = sorted(chain.txns, key=lambda t: t.started)
        for f in ctx.conn_failures:  # a target that failed at connection level was tried
            if q.t <= f.t <= began[0].started and f.server not in tried:
                tried.append(f.server)
        for t in began:
            if t.dst not in tried:
                tried.append(t.dst)
        known = [a for a in tried if a in addr_rank]
        expect_order = sorted(addr_rank, key=lambda a: addr_rank[a])
        # a request begun at the server the phone failed over to, that server's
        # stay (FB-1/2/3) still running, starts there whatever its rank: the FB-*
        # checkers judge that start, the rest of the list is judged here (survey
        # 7009 [05], round 11: the first SRV answer of _sips._tcp the phone got was
        # the lookup of a call under FB-2's stay on the secondary)
        kept = 1 if known and _began_at_current(ctx, known[0], chain.start) else 0
        for k, a in enumerate(known):
            if k < kept:
                continue
            best = min((addr_rank[x] for x in expect_order if x not in known[:k]), default=0)
            if addr_rank[a] != best:
                tie = "higher weight first" if weighted else "RFC 2782 (priority order)"
                return ctx.failed(
                    c,
                    f"SRV targets of {q.name} not tried by priority, {tie}",
                    " then ".join(ctx.name(x) for x in expect_order),
                    " then ".join(ctx.name(x) for x in known),
                    (q.index, *chain.indexes),
                )
        ev.extend(chain.head.indexes[:1])
    if not judged:
        return ctx.na(c, "no SRV answer with targets of different rank followed by a request")
    return ctx.passed(c, f"SRV order honoured (profile {ctx.profile.name}: "
                         f"{ctx.profile.srv_tie})", ev)


def _began_at_current(ctx: Ctx, address: str, t: float) -> bool:
    """
    Whether C{address} was the current server of an earlier failover of
    server 1 at C{t} under a failback mode that keeps new requests there
    (FB-1/2/3; not FB-0), the primary having answered nothing since (FB-OK).
    """
    if ctx.facts.account.server(1).failback_mode == 0 or ctx.is_primary(address):
        return False
    for f in ctx.failovers:
        if f.to != address or f.t > t:
            continue
        if not any(ctx.is_primary(x.dst, f.to) and not x.in_dialog and x.answered
                   and x.final_t is not None and f.t < x.final_t < t for x in ctx.txns):
            return True
    return False


def dns8(ctx: Ctx) -> Verdict:
    c = "DNS-8"
    qs = ctx.queries
    judged = 0
    ev: list[int] = []
    unsent = _unsent_queries(ctx)
    for n, q in _first_srv(qs):
        recs = _srvs(q)
        judged += 1
        ev.append(q.index)
        later = qs[n + 1 :]
        for r in recs:
            if r.target == "." or is_ip(r.target):
                for x in later:
                    if x.type == "A" and (x.name in (".", "") or x.name == r.target):
                        return ctx.failed(c, f"A query for SRV target {r.target!r}",
                                          "no A query for '.' or a numeric target",
                                          f"A {x.name}", (q.index, x.index))
        names = sorted((r for r in recs if r.target != "." and not is_ip(r.target)),
                       key=lambda r: (r.priority, -r.weight))
        if names and ctx.new_chains(1):
            first_rank = (names[0].priority, names[0].weight)
            tied = {r.target for r in names if (r.priority, r.weight) == first_rank}
            # (an A query the network lost on its way is the phone's query all the same,
            # though the server never saw it: explore seed 41, both tries lost)
            wanted = {r.target for r in names}
            a = min((x for x in [*later, *(u for u in unsent if u.t > q.t)]
                     if x.type == "A" and x.name in wanted), key=lambda x: x.t, default=None)
            if a is None:
                return ctx.failed(c, f"no A query for the targets of {q.name}",
                                  f"A {' or '.join(sorted(tied))}", "none", (q.index,))
            ev.append(a.index)
        # several addresses: tried in answer order
        for x in later:
            if x.type != "A" or len(x.records) < 2:
                continue
            addrs = x.records
            for ch in ctx.new_chains(1):
                if ch.start < x.t:
                    continue
                tried = [t.dst for t in ch.txns if t.dst in addrs]
                dedup = list(dict.fromkeys(tried))
                if len(dedup) >= 2:
                    order = [a for a in addrs if a in dedup]
                    if dedup != order:
                        return ctx.failed(c, f"addresses of {x.name} not tried in answer order",
                                          " then ".join(order), " then ".join(dedup),
                                          (x.index, *ch.indexes))
                    ev.append(x.index)
                    break
    if not judged:
        return ctx.na(c, "no SRV answer with records")
    return ctx.passed(c, "A queries for SRV name targets; addresses in answer order", ev)


def dns9(ctx: Ctx) -> Verdict:
    c = "DNS-9"
    acct = ctx.facts.account
    if acct.server(1).port != 0:
        return ctx.na(c, "an explicit port is configured")
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    qs = ctx.queries
    if any(q.type == "SRV" and _srvs(q) for q in qs):
        return ctx.na(c, "DNS gave a port (SRV)")
    if not any(q.type == "A" and q.name == dom and q.records for q in qs):
        return ctx.na(c, "no A answer for the domain")
    g1 = _g1_requests(ctx)
    if not g1:
        return ctx.na(c, "no request to server 1")
    for t in g1:
        want = ctx.profile.default_port_for(t.transport)
        if t.sends[0].port != want:
            return ctx.failed(c, "no port from DNS: wrong default port",
                              f"port {want} ({t.transport}, profile {ctx.profile.name})",
                              f"port {t.sends[0].port}", t.indexes)
    return ctx.passed(c, "no port from DNS: default port used", g1[0].indexes[:1])


# -- TTL and failures (DNS-10, 11) -----------------------------------------------------------------


def _root(ctx: Ctx, qs: list[Q], dom: str) -> tuple[str, str] | None:
    for q in qs:
        if q.name == dom or q.name.endswith("." + dom):
            return (q.name, q.type)
    return None


def _lookups(qs: list[Q], root: tuple[str, str]) -> list[list[Q]]:
    """Queries grouped into lookups, each starting at a query for the root (name, type)."""
    out: list[list[Q]] = []
    for q in qs:
        # (a root query within a resolver's give-up time of an unanswered last query is
        # the resolver asking again, if that query was the root's: one after a later
        # step's question began another lookup, a call's, its first query lost as the
        # registration's lookup waited on its A answer; explore seed 403 of
        # dns-ip-literal, round 12)
        # (within its one retry's gap, L{_TRY_GAP}, not its give-up time: the resolver
        # asks a question twice, then waits its last 3 s and fails; the same question
        # 4 s after an unanswered second try is a new lookup's, survey w7044 [6580] of
        # round 27, a call's lookup timed out at 12.0 s, the next call's at 13.0 s)
        if (q.name, q.type) == root and not (out and _unanswered(out[-1][-1])
                                              and (out[-1][-1].name, out[-1][-1].type) == root
                                              and q.t - out[-1][-1].t <= _TRY_GAP):
            out.append([q])
        elif out:
            out[_asker(out, q)].append(q)
    return out


def _asker(out: list[list[Q]], q: Q) -> int:
    """
    Which of the lookups begun so far asked C{q}, a step after the root: the
    latest, unless C{q} is an address query for a name no SRV answer of the
    latest had named by then while an earlier one's had (a resolver asks for
    a target's address only once an SRV answer of its own named it).  Survey
    7065 [4810] (round 31): the registration's lookup asking the secondary's
    address as a call's lookup began with the root, 0.2 s before its own
    SRV answer; counted in the call's lookup, that A record's TTL made the
    call's resolution expire before the renewal reused it (DNS-10).  While the
    latest still waits on an answer (one lost, to be asked again) the last
    lookup keeps the query, as before: two lookups at once then share their
    questions (L{dns10}'s round 8 reading, explore seed 244).
    """
    last = len(out) - 1
    if q.type != "A" or any(x.answer is None for x in out[last]):
        return last
    for k in range(last, -1, -1):
        # (by then: at the same instant too, an answer and the next query it brought)
        if any(x.type == "SRV" and x.answer is not None
               and x.answer.t <= q.t + wire._SAME_INSTANT
               and any(s.target == q.name for s in _srvs(x)) for x in out[k]):
            return k
    return last


def _lookup_ok(lk: list[Q]) -> bool:
    return any(q.type == "A" and q.records for q in lk) or any(
        q.type == "SRV" and any(is_ip(s.target) for s in _srvs(q)) for q in lk
    )


def dns10(ctx: Ctx) -> Verdict:
    c = "DNS-10"
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    qs = ctx.queries
    root = _root(ctx, qs, dom)
    if root is None:
        return ctx.na(c, "the phone made no DNS query for server 1")
    lookups = _server1_lookups(ctx)  # (= _lookups(qs, root): qs, dom and root are its)
    if _ttl_outlasts_run(ctx, lookups):
        return ctx.na(c, _DNS10_NONE)
    judged = 0
    ev: list[int] = []
    dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
    lost = [
        e.t for _, e in ctx.trace.indexed(PacketEvent)
        if e.proto == "udp" and e.fate != "delivered" and dns_host in (e.src[0], e.dst[0])
    ]
    unsent = _unsent_queries(ctx)
    for k, lk in enumerate(lookups):
        if not _lookup_ok(lk):
            continue
        if any(lk[0].t <= t <= lk[-1].t + DNS_GIVE_UP for t in lost):
            # a query of this lookup (or its answer) was lost and maybe never got
            # through: the lookup may have failed (DNS-11), leaving nothing to reuse
            continue
        ttls = [q.ttl for q in lk if q.ttl is not None]
        if not ttls:
            continue
        ttl = min(ttls)
        expiry = lk[0].t + ttl
        nxt = lookups[k + 1][0] if k + 1 < len(lookups) else None
        # (a lookup begun while this one was still under way for the phone, its last
        # answer not yet back, had nothing to reuse: another request's lookup at the
        # same time; explore seed 33 of dns-ip-literal, round 3, fourth find: a call's
        # lookup and the registration's RTX-5 retry 0.14 s apart)
        done = max((q.answer.t for q in lk if q.answer is not None), default=lk[-1].t)
        # (two resolutions at once: an earlier lookup still under way when this one
        # began, both reaching an address; the phone may go on with either, the wire
        # does not say which it kept, and the earlier one's TTL runs out first: a new
        # lookup after that is due for it; explore seed 244 of dns-ip-literal, round 8:
        # a call's lookup and the registration's RTX-5 retry 0.55 s apart, SRV TTL 5 s,
        # the next call resolved again after the call's resolution expired)
        # (its address may have come through the later lookup's shared question, a
        # query of its own lost: it went on there, L{_carried_on}, and was under way
        # while the resolver could still be waiting for that question)
        held = [min(q.ttl for q in e if q.ttl is not None) + e[0].t
                for j, e in enumerate(lookups[:k])
                if any(q.ttl is not None for q in e)
                and ((_lookup_ok(e)
                      and max((q.answer.t for q in e if q.answer is not None),
                              default=e[-1].t) >= lk[0].t - ctx.tol)
                     or (lk[0].t <= e[-1].t + DNS_GIVE_UP
                         and _carried_on(ctx, e, lookups[j + 1 :], unsent)))]
        reuse_until = min([expiry, *held])
        if nxt is not None and nxt.t < reuse_until - ctx.tol and nxt.t > done + ctx.tol:
            return ctx.failed(c, "resolution not reused until its TTL expired",
                              f"no new {root[1]} {root[0]} before {expiry:.3f} s (TTL {ttl:g})",
                              f"at {nxt.t:.3f} s", (lk[0].index, nxt.index))
        # (a request began when it was handed to the transport: over TCP/TLS with its
        # connection's first SYN; one that waited for a connection since before the
        # expiry used the resolution it began with: explore seed 26, SYNs lost)
        # (each record's TTL runs from its answer's arrival, RFC 1035/2181: a lookup of
        # several queries in turn, each a round trip, ends its chain's life later than
        # its first query plus the smallest TTL; the new request is due to resolve again
        # only after the earliest record expired counted so; survey seed 196 of
        # dns-ip-literal, round 6: 100 ms latency, SRV, NXDOMAIN, A over 0.4 s, the
        # renewal 0.2 s after the first query's expiry reused the resolution)
        expired = min(((q.answer.t if q.answer is not None else q.t) + q.ttl
                       for q in lk if q.ttl is not None), default=expiry)
        # (a request begins when it is handed to the transport, over TCP/TLS with its
        # connection's first SYN: FO-5's REGISTER at the next target whose SYN went
        # out as a request failing over gave its target up is a step of that
        # request, which resolved when it began; survey 7009 [04], round 11:
        # register_on_enable 1, a call's INVITE silenced at the primary 7.5 s after
        # its lookup, TTL 5 s, the secondary's first SYN lost at the give-up, the
        # REGISTER on the wire 0.2 s later)
        # (a renewal held behind another REGISTER of its Call-ID began at its renewal
        # point, L{_held_renewal_began}, with the resolution it had then)
        chain = next((ch for ch in ctx.rounds if not ch.in_dialog
                      and _request_began(ctx, ch) > max(expiry, expired) + ctx.tol
                      and ctx.group(ch.head.dst) == 1
                      and not ctx.busy_at(min(ch.start, ch.head.started), ch)), None)
        if chain is None:
            continue
        judged += 1
        ev.extend((lk[0].index, chain.head.sends[0].index))
        # (a head TCP held back behind another request's lost segment may have been
        # written only after the round's next attempt, L{wire.began_with}: the request
        # began there, and resolved before that)
        began = max(chain.start, began_with(chain, ctx.trace, ctx.facts).started)
        # (a call that rode the registration's outstanding REGISTER began at its
        # connection, L{call_conn_behind_register})
        behind = call_conn_behind_register(ctx, chain.head)
        if behind is not None:
            began = behind.start
        if nxt is None or nxt.t > began + ctx.tol:
            return ctx.failed(c, "the first new request after the TTL expired did not resolve "
                                 "again", f"{root[1]} {root[0]} before {began:.3f} s",
                              f"at {nxt.t:.3f} s" if nxt else "none",
                              (lk[0].index, *chain.head.indexes))
    if not judged:
        return ctx.na(c, _DNS10_NONE)
    return ctx.passed(c, f"{judged} resolution(s) reused until the TTL, then renewed", ev)


_DNS10_NONE = "no new request after a resolution's TTL expired"


def _ttl_outlasts_run(ctx: Ctx, lookups: list[list[Q]]) -> bool:
    """
    Whether L{dns10} surely judges nothing over C{lookups}, told before it
    reads every packet for lost DNS (the benchmark's 10 s run, TTL 60 s, is
    n/a so).  Equivalent to its loop, which returns before C{judged} only on
    a next lookup begun before the C{expiry} of a lookup with TTLs (its
    C{reuse_until} is at most that, so none such: no failure), and judges
    only a round whose request began (L{_request_began}) after some lookup's
    C{max(expiry, expired)} + tol; a request began at most at its head's
    start + at_once + tol (L{_held_renewal_began}'s renewal point is at most
    tol after the end of the REGISTER it was held behind, which its head
    followed within at_once), and every round's head is one of
    L{Ctx.attempts} (the rounds cut L{Ctx.chains}, made of them): if every
    attempt started more than at_once + tol before the earliest of those
    times, no round is judged and DNS-10 is n/a, as its loop finds.
    """
    bound = float("inf")
    for k, lk in enumerate(lookups):
        ttls = [q.ttl for q in lk if q.ttl is not None]
        if not ttls:
            continue  # (the loop skips it)
        expiry = lk[0].t + min(ttls)
        if k + 1 < len(lookups) and lookups[k + 1][0].t < expiry:
            return False  # (a next lookup the loop may find too early)
        expired = min((q.answer.t if q.answer is not None else q.t) + q.ttl
                      for q in lk if q.ttl is not None)
        bound = min(bound, max(expiry, expired))
    latest = max((x.started for x in ctx.attempts), default=float("-inf"))
    return latest + ctx.at_once + ctx.tol < bound


def _request_began(ctx: Ctx, ch: Chain) -> float:
    """
    When the new request of round C{ch} began, for DNS-10 (a request resolves
    when it begins): its first attempt's start, or, for a renewal held behind
    another REGISTER, its renewal point (L{_held_renewal_began}), or, for a
    call that rode the registration's outstanding REGISTER, its connection's
    start (L{call_conn_behind_register}).
    """
    held = _held_renewal_began(ctx, ch)
    if held is not None:
        return held
    behind = call_conn_behind_register(ctx, ch.head)
    return ch.head.started if behind is None else behind.start


def _held_renewal_began(ctx: Ctx, ch: Chain) -> float | None:
    """
    The renewal point (REG-2, L{Profile.renewal_delay}) of the last
    registration at server 1, if REGISTER round C{ch} is that renewal held
    behind another REGISTER of its Call-ID: one outstanding when the renewal
    fell due, whose end C{ch}'s first attempt followed at once (RFC 3261 10.2:
    no second REGISTER of a Call-ID until the previous one has its final
    response or has timed out), no REGISTER begun in between.  The renewal
    began at its renewal point, taking the resolution it had then (DNS-10),
    not when it reached the wire.  Survey w7034 [6394], round 23: TLS, SRV
    TTL 60 s, FO-5's REGISTER to the silent secondary outstanding from
    29.0 s to 100.5 s, the renewal due at 30.3 s going to the primary at
    100.5 s through the first resolution.  None otherwise.
    """
    head = ch.head
    if ch.method != "REGISTER" or ctx.group(head.dst) != 1:
        return None
    reg = max((r for r in ctx.regs if ctx.group(r.dst) == 1 and r.t < head.started - ctx.tol),
              key=lambda r: r.t, default=None)
    if reg is None:
        return None
    due = reg.t + ctx.profile.renewal_delay(reg.granted)
    if any(x.method == "REGISTER" and due + ctx.tol < x.started < head.started - ctx.tol
           for x in ctx.attempts):
        return None  # (the renewal went out on its own: C{ch} is a later request)
    held = any(x is not head and x.method == "REGISTER" and x.call_id == head.call_id
               and x.started <= due + ctx.tol
               and (end := x.final_t if x.final_t is not None else ctx.failed_at(x)) is not None
               and end >= due - ctx.tol and abs(head.started - end) <= ctx.at_once
               for x in ctx.attempts)
    return due if held else None


def call_conn_behind_register(ctx: Ctx, head: Txn) -> wire.ConnAttempt | None:
    """
    The connection to another target of server 1 that planned call C{head}
    (a new INVITE, C{register_on_enable} 1) began with, when it failed in the
    call's moment (L{wire._placed_at}, within 1 s of the placing) before any
    SIP went over it while a REGISTER of the account was already outstanding
    at C{head}'s target, and C{head} followed that REGISTER's 2xx at once.
    Why: FO-5 registers at the next target before using it, and RFC 3261
    10.2 allows no second REGISTER of the Call-ID while one is outstanding,
    so the call rode the registration's REGISTER there (round 5's reading,
    explore seed 115) and began at that connection, with the resolution it
    had then, however long the REGISTER kept it waiting.  The wire names no
    request for the connection.  Survey w7098 [9985..9991], round 38: TCP,
    the renewal's REGISTER to the secondary (40 s delay) outstanding from
    131.28 s, a call at 158 s resolving afresh, refused at the primary at
    158.01 s, its INVITE at 171.28 s right after that REGISTER's 2xx.
    Each connection is one call's at most: the calls take them in the order
    they were placed, each the earliest one left in its moment
    (L{_behind_register_claims}; a call that tried no connection must not
    claim another's, second review of round 38, probe q1 HOLE).  A
    connection the wire read as a synthetic REGISTER's (L{wire.attempts})
    is taken only while dialogs are open at its server and more such
    connections are left there than dialogs, as one per open dialog may be
    an in-dialog request's (L{_dialogs_open_at}).
    C{None}: no such connection.
    """
    if not _rides_register(ctx, head):
        return None
    if ctx._behind_register is None:
        ctx._behind_register = _behind_register_claims(ctx)
    return ctx._behind_register.get(head.call_id)


def _rides_register(ctx: Ctx, head: Txn) -> bool:
    """
    Whether C{head} may be a planned call that rode an outstanding REGISTER
    at server 1 (L{call_conn_behind_register}): a new INVITE to server 1 with
    C{register_on_enable} 1 and a placing to belong to.
    """
    return (head.method == "INVITE" and not head.in_dialog and ctx.group(head.dst) == 1
            and bool(ctx.facts.account.server(1).register_on_enable)
            and wire._placed_at(ctx.facts, head, ctx.call_placings) is not None)


def _behind_register_claims(ctx: Ctx) -> dict[str, wire.ConnAttempt]:
    """
    Which connection each call (by Call-ID) that rode an outstanding REGISTER
    began with (L{call_conn_behind_register}).  Why: one refused connection
    is one call's attempt, so two calls placed close together must not both
    read it as theirs; the phone resolves and connects for its calls in the
    order they were placed, so each call, in that order, takes the earliest
    of its candidates (L{_behind_register_candidates}) no earlier call took.
    """
    heads = sorted((h for h in ctx.txns if _rides_register(ctx, h)),
                   key=lambda h: (wire._placed_at(ctx.facts, h, ctx.call_placings) or 0.0,
                                  h.started))
    claims: dict[str, wire.ConnAttempt] = {}
    taken: set[int] = set()
    for h in heads:
        if h.call_id in claims:
            continue
        cands, named = _behind_register_candidates(ctx, h)
        left = [a for a in cands if a.index not in taken]
        for a in left:
            n = _dialogs_open_at(ctx, a.server, a.start)
            if n == 0:
                if a.index in named:
                    continue
            # (a dialog still open there, FO-4: one failed connection per open dialog
            # may be an in-dialog request's, e.g. an earlier call's BYE; the call's is
            # one more, which the wire may have read as the registration's (a synthetic
            # REGISTER's); review of round 38, probe p6)
            elif len([b for b in left if b.server == a.server]) <= n:
                continue
            claims[h.call_id] = a
            taken.add(a.index)
            break
    return claims


def _behind_register_candidates(ctx: Ctx, head: Txn
                                ) -> tuple[list[wire.ConnAttempt], set[int]]:
    """
    The failed connections call C{head} may have begun with while riding an
    outstanding REGISTER (L{call_conn_behind_register}), earliest first, and
    the indexes of those the wire read as a synthetic REGISTER's.  Why: the
    candidates of every such REGISTER C{head} followed at once, each in the
    call's moment at another target of server 1 and failed while the
    REGISTER was outstanding.
    """
    placed = wire._placed_at(ctx.facts, head, ctx.call_placings)
    if placed is None:
        return [], set()
    named = {i for x in ctx.attempts for i in x.indexes}
    synth = {i for x in ctx.attempts if x.method == "REGISTER" and not x.on_wire
             for i in x.indexes}
    synth -= {i for x in ctx.attempts if x.on_wire or x.method != "REGISTER"
              for i in x.indexes}
    found: dict[int, wire.ConnAttempt] = {}
    for y in ctx.txns:
        if (y.method != "REGISTER" or y.dst != head.dst or not y.ok or y.late
                or y.final_t is None
                or not y.final_t - ctx.tol <= head.started <= y.final_t + ctx.at_once):
            continue
        for a in ctx.conn_attempts:
            if (ctx.group(a.server) == 1 and a.server != y.dst
                    and (a.index not in named or a.index in synth)
                    and placed - ctx.tol <= a.start <= placed + 1.0 + ctx.tol
                    and y.started <= a.t + ctx.tol and a.t <= y.final_t + ctx.tol):
                found.setdefault(a.index, a)
    cands = sorted(found.values(), key=lambda a: (a.start, a.index))
    return cands, {a.index for a in cands if a.index in named}


def _dialogs_open_at(ctx: Ctx, server: str, t: float) -> int:
    """
    How many dialogs set up at C{server} (a new INVITE answered 2xx before
    C{t}) had no BYE sent by C{t}.  Why: an in-dialog request goes where its
    dialog was set up (FO-4), so each may have opened a connection there
    that failed, and nothing on the wire names it
    (L{call_conn_behind_register} must not read it as a new call's).
    """
    return sum(x.method == "INVITE" and not x.in_dialog and x.dst == server and x.ok
               and x.final_t is not None and x.final_t < t
               and not any(b.method == "BYE" and b.call_id == x.call_id and b.started <= t
                           for b in ctx.txns)
               for x in ctx.txns)


def dns11(ctx: Ctx) -> Verdict:
    c = "DNS-11"
    dom, guard = _guard_domain(ctx, c)
    if guard or dom is None:
        return guard or ctx.na(c, "no domain")
    qs = ctx.queries
    root = _root(ctx, qs, dom)
    if root is None:
        return ctx.na(c, "the phone made no DNS query for server 1")
    lookups = _server1_lookups(ctx)  # (= _lookups(qs, root): qs, dom and root are its)
    if _no_lookup_failed(ctx, dom, lookups):
        return ctx.na(c, _DNS11_NONE)
    # lookups whose every query the network lost (the DNS host down): failed
    # lookups too, and a retry of an earlier failed one all the same
    unheard = _unheard_lookups(ctx, dom, qs)
    attempts = sorted([(lk[0].t, lk[0].index) for lk in lookups]
                      + [(d.start, d.index) for d in unheard])
    unsent = _unsent_queries(ctx)
    # (index, start, end, when the resolver had surely given up: DnsDown's C{latest})
    failed = [(lk[0].index, lk[0].t, e, e + DNS_GIVE_UP if any(map(_unanswered, lk)) else e)
              for n, lk in enumerate(lookups)
              if not _lookup_ok(lk) and not _carried_on(ctx, lk, lookups[n + 1 :], unsent)
              for e in (max(q.answer.t if q.answer else q.t for q in lk),)]
    failed += [(d.index, d.start, d.latest, d.latest) for d in unheard]
    failed.sort(key=lambda f: f[1])
    fb = ctx.fallback if ctx.facts.account.server(2).configured else None
    judged = 0
    ev: list[int] = []
    for first, start, end, gave_up in failed:
        judged += 1
        ev.append(first)
        nxt = next((i for t, i in attempts if t > end), None)
        later = max(ctx.profile.retry_interval, float(ctx.facts.account.fallback_timeout))
        # (the fallback server taking over at the failure and failing too: the phone's
        # next round, this lookup again, comes a retry interval after that, RTX-5)
        # (at once after the resolver gave up, its last query unanswered: survey 7012
        # [01] of round 14, the SRV query and its retry dropped, the fallback server's
        # REGISTER 3 s after the retry, silent past the end of the run)
        # (or a REGISTER there begun before the lookup and still in flight as it failed,
        # FO-6's or the registration's own: the registration's next round, this lookup
        # again, waits for it to end, RTX-5; survey w7044 [3491], round 27: successive
        # mode, the fallback's REGISTER retransmitted from 197.0 s to 272.5 s, a call's
        # lookup empty at 263.0 s, the retry due at 302.5 s, after the run's end)
        base = max([end, *(d for t in ctx.txns
                           if fb is not None and t.dst == fb and t.failed
                           and t.first <= gave_up + ctx.at_once
                           and (start - ctx.tol <= t.first
                                or (t.method == "REGISTER" and in_flight(ctx, t, start)))
                           and (d := ctx.failed_at(t)) is not None)])
        # (the fallback server taking over at the failure and registering the phone only
        # later, its REGISTER retransmitted through drops: the phone is on it from that
        # 2xx, and its probe of server 1, this lookup again, is due fallback.timeout
        # after it, FBK-S3; survey w7034 [3665], round 23: the RTX-5 retry's lookup
        # empty at 561.0 s, the fallback's 200 at 576.5 s, the run over at 600 s)
        on_fb = max([end, *(r.t for r in ctx.regs
                            if fb is not None and r.dst == fb
                            and start - ctx.tol <= r.txn.started <= gave_up + ctx.at_once)])
        base = max(base, on_fb)
        # (or failing later, before this probe's next was due: explore seed 164 of
        # dns-ip-literal, round 5, fallback.timeout 16 s, the fallback server's renewal
        # failing 14.5 s after the probe's lookup failed, the retry due 30 s after that;
        # the probe is due fallback.timeout after the phone was on the fallback server,
        # so from that 2xx when it came later;
        # survey 7064 [5164], round 31: the lookup failed at 192.65 s, the fallback's
        # 200 at 200.26 s through drops, its renewal failing at 288.07 s, before the
        # probe due at 289.36 s, the retry 30 s later, after the run's end)
        probe_due = on_fb + float(ctx.facts.account.fallback_timeout) + ctx.tol
        base = max([base, *(d for t in ctx.attempts
                            if fb is not None and t.dst == fb and t.failed
                            and end < t.first and (d := ctx.failed_at(t)) is not None
                            and d <= probe_due)])
        due = base + later + 4.0 + ctx.tol
        # (a registration at server 1 held when the retry would be due, won after the
        # lookup failed or not yet due for renewal then, leaves nothing to retry: the
        # lookup is next due with the next new request, DNS-10; explore seed 6, a
        # call's lookup failed while the REGISTER failed over to the secondary through
        # the resolution it began with)
        held = any(ctx.group(r.dst) == 1 and r.t <= due <= r.t + r.granted
                   and (r.t >= start - ctx.tol or due <= r.t + r.granted / 2)
                   for r in ctx.regs)
        if nxt is None and due < ctx.end and not held:
            return ctx.failed(c, "the failed lookup was never retried",
                              f"{root[1]} {root[0]} again later", "none", (first,))
        if nxt is not None:
            ev.append(nxt)
        if fb is not None:
            # (a transaction to the fallback server still in flight then is the phone
            # using it: a silent fallback server's REGISTER being retransmitted, its
            # own cycle going on, FBK-C1, RTX-5)
            used = next((t for t in ctx.txns if t.dst == fb and (
                t.first >= start - ctx.tol or in_flight(ctx, t, start))), None)
            registered = any(r.dst == fb and r.t <= end and r.t + r.granted >= end
                             for r in ctx.regs)
            # (a connection to it that failed before any SIP went over it, begun or still
            # being tried then, is a try there all the same, RTX-2, though nothing on the
            # wire names its request: explore seeds 3, 15, the fallback stopped)
            conn = next((a for a in ctx.conn_attempts
                         if a.server == fb and a.t >= start - ctx.tol), None)
            if used is None and conn is not None:
                ev.append(conn.index)
            elif used is None and not registered:
                if end + ctx.profile.retry_interval < ctx.end:
                    return ctx.failed(c, "DNS failure of server 1: the fallback server did not "
                                         "take over", "a request to the fallback server",
                                      "none", (first,))
            elif used is not None:
                ev.extend(used.indexes[:1])
    if not judged:
        return ctx.na(c, _DNS11_NONE)
    return ctx.passed(c, f"{judged} failed lookup(s): fallback took over, lookup retried", ev)


_DNS11_NONE = "no DNS lookup for server 1 failed"


def _no_lookup_failed(ctx: Ctx, dom: str, lookups: list[list[Q]]) -> bool:
    """
    Whether L{dns11} surely finds no failed lookup of C{dom}, told before it
    reads the lookups' retries and the fallback server's transactions (the
    benchmark's runs are n/a so): every lookup reached an address (its
    C{failed} list takes only lookups without one, L{_lookup_ok}) and the
    network lost no query for the domain (L{_unheard_lookups} finds none
    without one, L{_lost_queries}).  Then its loop judges nothing and DNS-11
    is n/a, as the loop finds.
    """
    return all(map(_lookup_ok, lookups)) and not _lost_queries(ctx, dom)


def in_flight(ctx: Ctx, txn: Txn, t: float) -> bool:
    """Whether C{txn} had begun by C{t} and was not yet answered or given up then."""
    if txn.first > t + ctx.tol:
        return False
    done = txn.final_t if txn.final_t is not None else ctx.failed_at(txn)
    return done is None or done >= t - ctx.tol


def first_srv_priorities(ctx: Ctx) -> dict[str, int]:
    """Address -> SRV priority, from the first SRV answer with records and its A answers."""
    qs = ctx.queries
    firsts = _first_srv(qs)
    if not firsts:
        return {}
    n, q = firsts[0]
    out: dict[str, int] = {}
    for r in _srvs(q):
        if r.target == ".":
            continue
        for a in _addresses(qs, n, r.target):
            out.setdefault(a, r.priority)
    return out


@quick_init
@dataclass(frozen=True)
class DnsDown:
    """
    A lookup of server 1's domain that gave no address (DNS-11: a failure of
    server 1, like every target failing).  C{start}: its first query;
    C{end}: its last query or answer; C{latest}: when the phone's resolver
    had surely given up (C{end}, or L{DNS_GIVE_UP} s later if a query went
    unanswered: the resolver was still waiting).  C{index}: its first query's
    trace index; C{indexes}: every query and answer.  C{waited_out}: a
    question of its own went unanswered (or its answer was lost), or its
    next question was lost on the way (L{_next_question_lost}), so the
    resolver failed it only when its waits were over, L{DNS_GIVE_UP} after
    its first try, not at its last query (C{timed_out} also counts packets
    lost nearby, which may be another lookup's).
    """

    start: float
    end: float
    latest: float
    index: int
    indexes: tuple[int, ...]
    timed_out: bool
    waited_out: bool = False
    next_lost: float | None = None

    @property
    def gave_up(self) -> float:
        """
        When the phone's resolver gave this lookup up (DNS-11: server 1 failed
        then), the one reading of it for RTX-5's retry and FBK-S1: its last
        query or answer; L{DNS_GIVE_UP} after its first query when a question
        of its own went unanswered (the resolver fails a question only when
        its waits are over, not at its last try); and, when it timed out only
        by packets lost nearby, no later than that (later tries counted with
        it may be a new lookup's).  When its next question was lost on the
        way (C{next_lost}, L{_next_question_lost}), L{DNS_GIVE_UP} after that
        question's first try: the resolver waited on it from then (review of
        round 36: an SRV answered NXDOMAIN at 56.0 s, the domain's A lost at
        56.003 and 57.003 s, the lookup given up at 60.003 s, not 59.0 s).
        C{latest} is when it had surely given up.
        """
        if self.waited_out:
            return max(self.start, self.next_lost or self.start) + DNS_GIVE_UP
        if self.timed_out:
            return min(self.end, self.start + DNS_GIVE_UP)
        return self.end

    def describe(self) -> str:
        why = "timed out" if self.timed_out else "no address"
        return f"lookup of server 1 at {self.start:.3f} s ({why} by {self.end:.3f} s)"


#: Seconds a resolver may keep waiting for an unanswered query (the same span
#: that groups a query's retransmissions into one lookup): the phone resolver's
#: whole schedule, make_resolver's L{DNS_TIMEOUTS} (1, 3).
DNS_GIVE_UP = float(sum(DNS_TIMEOUTS))


def dns_failures(ctx: Ctx) -> list[DnsDown]:
    """The failed lookups of server 1's domain (no address came back), in order."""
    dom = _domain(ctx)
    if dom is None or ctx.facts.dns is None:
        return []
    qs = ctx.queries
    out = _unheard_lookups(ctx, dom, qs)
    root = _root(ctx, qs, dom)
    if root is None:
        return out
    prev_end = float("-inf")
    lookups = _server1_lookups(ctx)  # (= _lookups(qs, root): qs, dom and root are its)
    unsent = _unsent_queries(ctx)
    borrowed: set[int] = set()
    borrowed_lost: set[float] = set()
    # (read at the first failed lookup: most runs have none)
    lost: list[float] | None = None
    lost_queries: list[float] = []
    tries: list[tuple[str, str, float]] = []
    for n, lk in enumerate(lookups):
        end = max(q.answer.t if q.answer else q.t for q in lk)
        before, prev_end = prev_end, end
        # (queries an earlier lookup went on with, its lost question's retry and the
        # address that retry named, fell among this one's: they are that lookup's, so
        # this one got nothing of them; explore seed 402 of dns-ip-literal, round 12:
        # a call's lookup at its _sips SRV step when a renewal's began, the renewal's
        # own SRV steps lost and timed out)
        later = lookups[n + 1 :]
        if _carried_on(ctx, lk, later, unsent):
            went, asked = _went_on_with(ctx, lk, later, unsent)
            borrowed |= went
            borrowed_lost |= asked
            continue
        # (nor is an address the phone asked for again after its answer came back, while
        # this lookup went on: a resolver asks no question again that it holds the
        # answer to, so that answer was another lookup's, interleaved with this one;
        # survey 7019 [06] of round 18, a renewal's lookup got the secondary's address
        # at 259.02 s amid a call's, whose own queries for it were lost at 262.08 s and
        # 263.08 s, the call's lookup failing at 266.08 s)
        # (unless this one asked none of those questions itself and waited on them: the
        # resolver shares a pending question, so their answers served it too; survey
        # w7047 [7930], round 27: a call's SRV query lost, a renewal's lookup begun
        # before the retry with its own NAPTR step, asking nothing more of its own, and
        # the REGISTER and the INVITE sent together at the addresses the retry led to)
        shared = _shared_with(lk, borrowed, unsent) if borrowed else set()
        if not _never_named_a_target(lk) and _lookup_ok(
                [q for q in lk if (q.index not in borrowed or q.index in shared)
                 and not _answered_then_asked_again(q, lk, later, unsent)]):
            continue
        if lost is None:
            # packets between the phone and the DNS host the network did not deliver:
            # the last answer lost on its way back, or a later query of the lookup lost
            # on its way there, leaves the phone's resolver waiting, as an unanswered
            # query does; queries lost just before the first one the server heard
            # began the lookup
            dns_host = ctx.facts.dns[0]
            lost = [e.t for _, e in ctx.trace.indexed(PacketEvent)
                    if e.proto == "udp" and e.fate != "delivered"
                    and dns_host in (e.src[0], e.dst[0])]
            lost_queries = [t for _, t, _ in _lost_queries(ctx, dom)]
            # (the resolver's earlier tries of a query whose answer never reached the
            # phone are counted once, as the last try, L{queries}: the lookup began at
            # the first)
            tries = [(norm(q.qname), q.qtype, q.t) for _, q, _ in ctx.dns]
        start = lk[0].t
        for name, kind, t in reversed(tries):
            if (name == lk[0].name and kind == lk[0].type and before < t < start
                    and t >= start - _RESOLVER_RETRY):
                start = t
        for t in reversed(lost_queries):
            if t in borrowed_lost:
                continue  # (an earlier lookup's question, asked again: see above)
            if before < t < start and t >= start - DNS_GIVE_UP:
                start = t
        waited_out = timed_out = any(_unanswered(q) for q in lk)
        waiting = end
        for t in lost:
            if end - ctx.tol <= t <= waiting + DNS_GIVE_UP:
                timed_out = True
                waiting = max(waiting, t)
        # (a question an earlier lookup still had pending, asked and never answered, that
        # this one had not asked: its next one, maybe, which the resolver does not ask
        # again but waits on (twisted.names shares a pending question), failing when
        # that one's tries give up; explore seed 402 of dns-ip-literal, round 13: a
        # call's DNS-6 _sip._tcp lost at 305.0 and 306.0 s, a renewal's lookup at
        # 308.5 s stopping after its _sip._udp, both failing at 309.0 s)
        own_names = {q.name for q in lk}
        next_lost = _next_question_lost(ctx, lk, end, unsent)
        waited_out = waited_out or next_lost is not None
        pending = max((u.t + DNS_GIVE_UP
                       for u in [*unsent, *(q for q in qs if _unanswered(q))]
                       if u.name not in own_names and end - DNS_GIVE_UP <= u.t <= end + ctx.tol
                       and u.t + DNS_GIVE_UP > end and not _asked_again_by(qs, u, end)),
                      default=None)
        idx: list[int] = [q.index for q in lk]
        out.append(
            DnsDown(
                start=start,
                end=end,
                latest=max(waiting + DNS_GIVE_UP if timed_out else end, pending or end),
                index=lk[0].index,
                indexes=tuple(idx),
                timed_out=timed_out or pending is not None,
                waited_out=waited_out,
                next_lost=next_lost,
            )
        )
    out.sort(key=lambda d: d.start)
    return out


def _next_question_lost(ctx: Ctx, lk: Sequence[Q], end: float,
                        unsent: Sequence[Q]) -> float | None:
    """
    When lookup C{lk}, ended at C{end} with no address, asked its next
    question, if it asked it then and the network lost that query (its first
    try at C{end}, or its second within L{_TRY_GAP}): the resolver waited on
    it and failed the lookup only when its waits were over, L{DNS_GIVE_UP}
    after that try, not at the last answer the server sent
    (C{DnsDown.waited_out}; review of round 36: a call's _sip._udp SRV
    answered NXDOMAIN at 55.0 s, its A for the domain lost at 55.0 and
    56.0 s, the lookup dated failed at 55.0 s, so a REGISTER to the fallback
    server at 55.5 s seemed no earlier than the failure, FBK-S1).  Only a
    question the lookup could ask next counts (L{_next_names}): a lost
    query of another server's name is another lookup's (second review of
    round 36: server 2's A lost at 16.01 and 17.01 s beside server 1's SRV
    answered SERVFAIL at 16.0 s, read as server 1's lookup failing at
    20.0 s).  None when no such query was lost.
    """
    names = _next_names(ctx, lk)
    return min((u.t for u in unsent
                if u.name in names and end - ctx.tol <= u.t <= end + _TRY_GAP),
               default=None)


def _next_names(ctx: Ctx, lk: Sequence[Q]) -> set[str]:
    """
    The names of server 1 that lookup C{lk} had not asked and might ask
    next: its domain and names under it (the domain's A after an SRV
    NXDOMAIN, the next SRV after a NAPTR), and the names its answers gave
    (SRV targets, NAPTR replacements), as L{server1_query_times} reads them.
    """
    dom = _domain(ctx)
    own = {q.name for q in lk}
    given = {s.target for q in lk for s in _srvs(q) if s.target != "."}
    given |= {n.replacement for q in lk for n in _naptrs(q)}
    names = {u.name for u in _unsent_queries(ctx)
             if dom is not None and (u.name == dom or u.name.endswith("." + dom))}
    return (names | given) - own


def _never_named_a_target(lk: list[Q]) -> bool:
    """
    Whether lookup C{lk} asked SRV questions and got no answer to any of them
    (every try unheard or its answer lost): a timeout ends the phone's
    resolution at once (DNS-11, L{harness.sip.locate}), so it never learnt a
    target to ask the address of, and an address answered among its queries
    is another lookup's, interleaved with it (survey w7054 [1530], round 29:
    a call's lookup from 236.0 s, its A answer for the primary lost and asked
    again at 237.01 s; the renewal's lookup from 236.92 s, both its SRV tries
    lost, failing at 240.91 s, that retry read as its address).
    """
    srvs = [q for q in lk if q.type == "SRV"]
    return bool(srvs) and all(_unanswered(q) for q in srvs)


def _answered_then_asked_again(q: Q, lk: list[Q], later: list[list[Q]],
                               unsent: Sequence[Q]) -> bool:
    """
    Whether the phone asked C{q}'s question again, in lookup C{lk}'s time (until
    the next lookup began, and no later than L{DNS_GIVE_UP} after C{lk}'s last
    query), after C{q}'s answer with records had reached it: then that answer
    was not C{lk}'s.
    """
    if q.answer is None or not q.records:
        return False
    until = min(later[0][0].t if later else float("inf"), lk[-1].t + DNS_GIVE_UP)
    return any(u.name == q.name and u.type == q.type and q.answer.t < u.t <= until
               for u in (*lk, *unsent))


def _asked_again_by(qs: list[Q], u: Q, t: float) -> bool:
    """Whether the question of C{u} was asked again, and answered, after C{u} by C{t}."""
    return any(q.name == u.name and q.type == u.type and u.t < q.t <= t
               and not _unanswered(q) for q in qs)


def _carried_on(ctx: Ctx, lk: list[Q], later: list[list[Q]], unsent: Sequence[Q]) -> bool:
    """
    Whether lookup C{lk}, though it shows no address, went on in a later one:
    the next lookup, begun while C{lk} was under way, got the same address
    twice (the two lookups' questions interleaved, L{_lookups} cuts them apart
    at the second one's first query); or C{lk}'s next question, lost on its
    way to the DNS server right after the lookup's last query the server
    heard, was asked again by the resolver within L{_RESOLVER_RETRY} and that
    retry is part of a later lookup that found an address: a resolver shares a
    pending question (twisted.names.client.Resolver does), so the retry's
    answer served C{lk} too, which went on from it (explore seed 16 of
    dns-ip-literal, round 3: a call's NAPTR-chain query lost, a renewal's
    lookup begun before its retry); or C{lk} moved on to its next target's
    address there (L{_moved_on_among_later}).
    """
    last = lk[-1].t
    nxt = later[0] if later else None
    if nxt is not None and nxt[0].t <= last + DNS_GIVE_UP:
        # two lookups interleaved, cut apart at the second one's first query: that
        # one holds the first one's later questions too, the same address asked and
        # answered twice (explore seed 16 of dns-ip-literal, round 3, third find: a
        # renewal's lookup, a call's begun before the renewal's reached its address)
        got: dict[tuple[str, str], int] = {}
        for x in nxt:
            if x.type == "A" and x.records:
                got[(x.name, x.type)] = got.get((x.name, x.type), 0) + 1
        if any(k >= 2 for k in got.values()):
            return True
    if _unanswered(lk[-1]):
        # its last question's answer never reached the phone and the resolver asked it
        # again, among a later lookup's queries, which got the answer: the retry served
        # both lookups, the later one sharing the pending question (explore seed 402 of
        # dns-ip-literal, round 13: a renewal's A answer lost at 304.46 s, a call's
        # lookup begun at 305.0 s asking no A of its own, the retry at 305.46 s
        # answered, the renewal's REGISTER and the call's INVITE sent at once)
        q = lk[-1]
        if any(_lookup_ok(other) and any(
                x.name == q.name and x.type == q.type and x.records
                and 0 < x.t - q.t <= min(_RESOLVER_RETRY, _TRY_GAP) for x in other)
               for other in later):
            return True
    mine = {(q.name, q.type) for q in lk}
    for u in unsent:
        if not (last <= u.t <= last + DNS_GIVE_UP):
            continue
        if (u.name, u.type) in mine:
            # (a question C{lk} had asked already is no next question of it: another
            # lookup's, a call's first query lost as the lookup before timed out;
            # explore seed 403 of dns-ip-literal, round 12)
            continue
        for other in later:
            if _lookup_ok(other) and any(
                    x.name == u.name and x.type == u.type and 0 < x.t - u.t <= _RESOLVER_RETRY
                    and not _question_given_up(ctx, u, x.t)
                    for x in other):
                return True
    # ... or its address question gave up and the resolver moved on to the next target
    # there, the later lookup waiting on that same question
    return _moved_on_among_later(ctx, lk, later)


def _moved_on_among_later(ctx: Ctx, lk: list[Q], later: list[list[Q]]) -> bool:
    """
    Whether lookup C{lk}, though it shows no address, moved on to its next
    target and got that one's address among a later lookup's queries: an
    address question of C{lk}'s ended without an address (L{_ended_without}:
    given up L{DNS_GIVE_UP} after its first try), and at that moment the
    resolver asked for the address of another target C{lk}'s SRV answer named,
    which C{lk} had not asked, and an address came back.  The later lookup
    asked no such question of its own then: it waited on C{lk}'s pending one
    (twisted.names shares it) and went on with it, so that answer served both,
    as L{_carried_on} reads a shared retry (survey 7029, round 22: the
    primary's A question lost and its answer lost, a renewal's lookup begun
    meanwhile, the secondary's A asked as the primary's was given up and
    answered; the call's INVITE went to the secondary).
    """
    if not later:
        return False
    targets = {s.target for q in lk if q.type == "SRV" for s in _srvs(q)}
    if not targets:
        return False
    own = {q.index for q in lk}
    unsent = {u.index for u in _unsent_queries(ctx)}
    until = later[0][0].t
    mine = [x for x in ctx.questions
            if any(t.index in own for t in x.tries)
            or (x.tries[0].index in unsent and lk[-1].t <= x.first < until)]
    asked = {x.name for x in mine}
    ends = [e for x in mine if x.type == "A" and (e := _ended_without(x)) is not None]
    return any(y.type == "A" and y.name in targets and y.name not in asked
               and y.heard is not None and y.heard.records
               and any(abs(y.first - e) <= ctx.tol for e in ends)
               for y in ctx.questions)


def _shared_with(lk: list[Q], borrowed: set[int], unsent: Sequence[Q]) -> set[int]:
    """
    The queries among lookup C{lk}'s that an earlier lookup went on with
    (C{borrowed}, L{_went_on_with}) and that served C{lk} as well: an SRV
    question C{lk} never asked itself (no try of its own, heard or lost), with
    C{lk} asking nothing of its own before it but answered steps, nor after it
    but the addresses of the targets it named, and those address queries.  The
    resolver does not ask a pending question again (twisted.names shares it):
    C{lk} waited on it and went on with its answer, as the earlier lookup did.
    A lookup that asked the question itself (explore seed 402 of round 12, the
    renewal's own lost C{_sips} tries) is judged by its own tries.
    """
    own = [q for q in lk if q.index not in borrowed]
    lost = [u for u in unsent if lk[0].t <= u.t <= lk[-1].t]
    out: set[int] = set()
    for x in lk:
        if x.index not in borrowed or x.type != "SRV":
            continue
        named = {norm(r.target) for r in _srvs(x)}
        if any((q.name, q.type) == (x.name, x.type)
               or (q.t > x.t and not (q.type == "A" and q.name in named))
               for q in (*own, *lost)) or any(u.t < x.t for u in lost):
            continue
        out.add(x.index)
        out |= {y.index for y in lk if y.index in borrowed and y.type == "A" and y.name in named}
    return out


def _question_given_up(ctx: Ctx, u: Q, at: float) -> bool:
    """
    Whether the phone's resolver had given up lost query C{u}'s question by
    C{at}: L{DNS_GIVE_UP} after its first try (make_resolver's schedule (1, 3),
    DNS-11).  The same question asked after that is a new lookup's, never the
    resolver's retry of C{u} that an earlier lookup went on with (survey w7086
    [4907..4909], round 36: a call's A question lost at 55.0 and 56.0 s, given
    up at 59.0 s, the fallback server taking the call; the next call's lookup
    asked it at 60.0 s and was answered, which read as the first call's retry,
    so the next call's lookup seemed to fail, DNS-11, FO-6, FBK-S2).
    """
    q = next((x for x in ctx.questions if any(t.index == u.index for t in x.tries)), None)
    return q is not None and at > q.first + DNS_GIVE_UP + ctx.tol


def _went_on_with(ctx: Ctx, lk: list[Q], later: list[list[Q]],
                  unsent: Sequence[Q]) -> tuple[set[int], set[float]]:
    """
    The queries of the next lookup that lookup C{lk} went on with (L{_carried_on}):
    the retry of its next question, lost on its way to the DNS server before
    the next lookup began (a question C{lk} had not asked yet), and the
    address queries for the targets that retry's SRV answer named; and when
    that lost question was sent.
    """
    out: set[int] = set()
    asked: set[float] = set()
    last = lk[-1].t
    nxt = later[0] if later else []
    mine = {(q.name, q.type) for q in lk}
    for u in unsent:
        if not (last <= u.t <= last + DNS_GIVE_UP) or not nxt or u.t >= nxt[0].t:
            continue
        if (u.name, u.type) in mine:
            continue
        for x in nxt:
            if (x.name == u.name and x.type == u.type and 0 < x.t - u.t <= _RESOLVER_RETRY
                    and not _question_given_up(ctx, u, x.t)):
                out.add(x.index)  # (the first retry only)
                asked.add(u.t)
                names = {norm(r.target) for r in _srvs(x)} if x.type == "SRV" else set()
                for name in names:  # (the first ask of each target's address)
                    y = next((y for y in nxt if y.type == "A" and y.t >= x.t
                              and y.name == name), None)
                    if y is not None:
                        out.add(y.index)
                break
    return out, asked


#: The phone resolver's first wait for an answer before asking again (make_resolver's
#: schedule L{DNS_TIMEOUTS}, (1, 3); the profile does not change it).
_FIRST_WAIT = float(DNS_TIMEOUTS[0])

#: The longest gap between two tries of one question as the DNS server hears them:
#: the resolver's first wait, and the spread of the network's delays with room.
_TRY_GAP = _FIRST_WAIT + 1.0


def _unheard_lookups(ctx: Ctx, dom: str, qs: list[Q]) -> list[DnsDown]:
    """
    Lookups of server 1's domain whose every try of a question the network
    lost on the way (the DNS host down or unreachable): the DNS server saw
    nothing of it, yet the phone's queries are on the wire.  The tries of one
    question are the same name asked again within the resolver's first wait
    (L{_FIRST_WAIT}); another lookup's queries of other names, heard meanwhile
    (a renewal's beside a call's), say nothing of this one (explore seed 52 of
    dns-ip-literal: the registration's lookup heard at 96-99 s, a call's NAPTR
    query lost at 99 and 100 s, the call's lookup failed, DNS-11).
    """
    groups: list[list[tuple[int, float, str]]] = []
    open_: dict[str, list[tuple[int, float, str]]] = {}
    for i, t, name in _lost_queries(ctx, dom):
        g = open_.get(name)
        if g is not None and t - g[-1][1] <= _FIRST_WAIT + ctx.tol:
            g.append((i, t, name))
        else:
            g = open_[name] = [(i, t, name)]
            groups.append(g)
    if not groups:
        return []  # (no query lost: most runs, for which the reading below is waste)
    # (an answer lost on the way matched by its question, not by its time alone: another
    # lookup's answer lost a few ms apart is not this one's)
    lost = _lost_answers(ctx)
    unheard_by_phone = [q for q in qs if _unanswered(q) or _answer_lost(q, lost, ctx.tol)]
    firsts = {dom, _first_question(ctx, dom)}
    out = []
    for g in groups:
        start, end, name = g[0][1], g[-1][1], g[0][2]
        if any(q.name == name and start - ctx.tol <= q.t <= end + _FIRST_WAIT + ctx.tol
               for q in qs):
            continue  # a try of the same question got through: the lookup went on
        if any(q.name == name and start - DNS_GIVE_UP <= q.t < start for q in unheard_by_phone):
            continue  # retransmissions of a query whose answer never reached the phone
        if any(start - DNS_GIVE_UP <= q.t <= start and q.name == name
               and (q.answer is None or q.answer.t - q.t >= _FIRST_WAIT - ctx.tol)
               for q in qs):
            continue  # the resolver asking again a query the server heard, answered late
        if name not in firsts and any(start - DNS_GIVE_UP <= q.t <= end + DNS_GIVE_UP
                                      for q in qs):
            # a later step's question (an SRV or A name): its lookup got that far, the
            # server heard its first queries; that lookup is read with them
            # (not the lookup's first question, the transport's SRV name: nothing of
            # that lookup came before it, and a lookup heard after its give-up is a new
            # one; survey w7084 [946], round 35)
            continue
        out.append(DnsDown(start=start, end=end, latest=end + DNS_GIVE_UP, index=g[0][0],
                           indexes=tuple(i for i, _, _ in g), timed_out=True,
                           waited_out=True))
    return out


def _first_question(ctx: Ctx, dom: str) -> str:
    """
    The name every lookup of server 1's domain C{dom} asks first (DNS-T,
    L{harness.sip.locate}): the transport's SRV name for transport 0..2 with
    port 0, else the domain itself (NAPTR, or A with a port).  A lost try of
    it is no later step of a lookup heard before: nothing of its own lookup
    can have been asked earlier (survey w7084 [946], round 35: a renewal's
    _sip._tcp SRV query lost at 16.01 and 17.01 s, read as a step of the
    call's lookup heard at 21.0 s, after the renewal's had been given up).
    """
    acct = ctx.facts.account
    if acct.transport in _SRV_PREFIX and acct.server(1).port == 0:
        return f"{_SRV_PREFIX[acct.transport]}.{dom}"
    return dom


def server1_first_question(ctx: Ctx) -> tuple[str, str] | None:
    """
    The question (name, type) every lookup of server 1's domain asks first
    (L{_first_question}; NAPTR on the domain for transport 3 with port 0, A
    with a port), None without a domain.  A lookup begun while that question
    is in flight asks nothing of its own: the resolver shares the query among
    its askers (twisted.names' C{_waiting}; survey w7041 [7868], round 36).
    """
    dom = _domain(ctx)
    if dom is None:
        return None
    name = _first_question(ctx, dom)
    if name != dom:
        return name, "SRV"
    acct = ctx.facts.account
    return dom, "NAPTR" if acct.transport == 3 and acct.server(1).port == 0 else "A"


def server1_query_times(ctx: Ctx) -> tuple[float, ...]:
    """
    When the phone sent each try of a question about server 1's names (the
    domain and names under it, and the names its SRV and NAPTR answers
    gave), lost tries included, in order.  Not L{wire.phone_query_times}'s
    every query: a lookup of another server's domain is no retry of server
    1's (a review of round 36: server 2's renewal lookup read as RTX-5's
    retry of server 1's failed one).
    """
    dom = _domain(ctx)
    if dom is None:
        return ()
    names = {dom}
    out = []
    for x in ctx.questions:  # (in the order asked: a name is given before it is asked)
        if not (x.name in names or x.name.endswith("." + dom)):
            continue
        out += [x.first, *(q.t for q in x.tries[1:])]
        if x.heard is not None:
            names |= {s.target for s in _srvs(x.heard) if s.target != "."}
            names |= {n.replacement for n in _naptrs(x.heard)}
    return tuple(sorted(out))


def _server1_lookups(ctx: Ctx) -> list[list[Q]]:
    """
    The phone's lookups of server 1's domain, in order; none without a domain,
    a DNS server or any query for it (the views below ask "the lookup in use
    at t", each from this list).  Kept on the context (L{Ctx.server1_lookups}).
    """
    return ctx.server1_lookups


def _server1_lookups_of(ctx: Ctx) -> list[list[Q]]:
    """L{_server1_lookups}, worked out."""
    dom = _domain(ctx)
    if dom is None or ctx.facts.dns is None:
        return []
    qs = ctx.queries
    root = _root(ctx, qs, dom)
    return [] if root is None else _lookups(qs, root)


def resolution_ttl(ctx: Ctx, t: float) -> float | None:
    """
    The smallest TTL in the answers of the last lookup of server 1's domain
    that gave an address by C{t} (the resolution in use then: DNS-10, FB-1);
    C{None} without one or without TTLs.
    """
    done = [lk for lk in _server1_lookups(ctx) if lk[0].t <= t + ctx.tol and _lookup_ok(lk)]
    return _lookup_ttl(done[-1]) if done else None


def _lookup_ttl(lk: list[Q]) -> float | None:
    """The smallest TTL in lookup C{lk}'s answers (DNS-10's), C{None} without TTLs."""
    return min((q.ttl for q in lk if q.ttl is not None), default=None)


def resolution_ttls(ctx: Ctx, since: float, until: float) -> list[float]:
    """
    The smallest TTL of each lookup of server 1's domain that gave an address,
    begun from C{since} to C{until}: the TTLs the resolutions in use over that
    time told the phone (FB-1 when the zone's TTL changed during a stay).
    """
    return [ttl for lk in _server1_lookups(ctx)
            if since - ctx.tol <= lk[0].t <= until + ctx.tol and _lookup_ok(lk)
            and (ttl := _lookup_ttl(lk)) is not None]


def _lost_answers(ctx: Ctx) -> frozenset[tuple[str, str, float]]:
    """(name, type, time) of the DNS server's answers the network lost on their way."""
    return _lost_answers_of(ctx.trace, ctx.facts)


@per_run  # (read by most DNS views, several times per judge)
def _lost_answers_of(trace: Trace, facts: Facts) -> frozenset[tuple[str, str, float]]:
    """
    L{_lost_answer_ports_of} without the phone's port: the same scan of the
    packets, read by the views that tell answers apart by name, type and time.
    """
    return frozenset(lost[:3] for lost in _lost_answer_ports_of(trace, facts))


@per_run  # (read by L{queries} and L{questions}: one pass over the packets per run)
def _unread_lost_answers_of(trace: Trace, facts: Facts) -> frozenset[float]:
    """
    When the DNS server sent answers the network lost that cannot be read: any
    answer of that instant may have been one of them (L{_dropped}).
    """
    dns_host = facts.dns[0] if facts.dns is not None else None
    return frozenset(
        e.t for _, e in trace.indexed(PacketEvent)
        if e.proto == "udp" and e.src[0] == dns_host and e.fate != "delivered"
        and not _read_answer(e.payload))


def _read_answer(payload: bytes | None) -> tuple[str, str] | None:
    """The (name, type) a DNS message asks about, or C{None} if it cannot be read."""
    from twisted.names import dns as _dns

    if not payload:
        return None
    try:
        m = _dns.Message()
        m.fromStr(payload)
        q = m.queries[0]
        return (norm(q.name.name.decode("ascii", "replace")),
                _dns.QUERY_TYPES.get(q.type, str(q.type)))
    except Exception:
        return None


def _answer_lost(q: Q, lost: AbstractSet[tuple[str, str, float]], tol: float) -> bool:
    """The DNS server answered C{q} but the network lost the answer."""
    a = q.answer
    return a is not None and any(n == q.name and k == q.type and abs(t - a.t) <= tol
                                 for n, k, t in lost)


def _lost_queries(ctx: Ctx, dom: str) -> list[tuple[int, float, str]]:
    """
    The phone's queries for C{dom} (or names under it) the network did not
    deliver: (event index, time, name asked).
    """
    return [(q.index, q.t, q.name) for q in _unsent_queries(ctx)
            if q.name == dom or q.name.endswith("." + dom)]


def _unsent_queries(ctx: Ctx) -> tuple[Q, ...]:
    """
    The phone's queries the network did not deliver to the DNS server, read
    from the packets (C{index}: the packet's event; no answer): the phone
    asked them, though the server never saw them.
    """
    return _unsent_queries_of(ctx.trace, ctx.facts)


@per_run  # (read by most DNS views, several times per judge: one pass over the packets)
def _unsent_queries_of(trace: Trace, facts: Facts) -> tuple[Q, ...]:
    dns_host = facts.dns[0] if facts.dns is not None else None
    out: list[Q] = []
    for i, e in trace.indexed(PacketEvent):
        if not (e.proto == "udp" and e.dst[0] == dns_host
                and e.fate != "delivered" and e.payload
                and (facts.phone is None or e.src[0] == facts.phone)):
            continue
        asked = _read_answer(e.payload)
        if asked is not None:
            out.append(Q(i, e.t, asked[0], asked[1], None))
    return tuple(out)


@quick_init
@dataclass(frozen=True)
class Question:
    """
    One question of the phone's resolver (a name and a type) with its tries:
    it asks once more L{_FIRST_WAIT} after a try that brought nothing back and
    gives the question up L{DNS_GIVE_UP} after the first (DNS-11).  A try the
    network lost on its way is a try all the same; an answer the network lost
    on its way back is none (its try's C{answer} is C{None}).
    """

    first: float  # when the phone sent the first try
    name: str
    type: str
    tries: tuple[Q, ...]  # in the order sent

    @property
    def heard(self) -> Q | None:
        """The try whose answer reached the phone (any rcode but a dropped query's)."""
        last = self.tries[-1]
        return last if last.answer is not None and last.answer.rcode != "TIMEOUT" else None

    @property
    def last(self) -> Q:
        """The try that ended the question: the one answered, else the last sent."""
        return self.tries[-1]


def questions(ctx: Ctx) -> tuple[Question, ...]:
    """
    The phone's DNS questions in the order it asked them (by when it sent
    each first try), the queries the network lost on their way included: the
    one view of what the phone asked and heard when two lookups interleave (a
    call's begun while the registration's waited), where grouping queries
    into lookups by their first question reads the other lookup's steps as
    this one's (surveys 7021 [02], [03], [04] of round 19).  A try within
    L{_TRY_GAP} of a question's first, which brought nothing back, is that
    question's second.  Read through L{Ctx.questions} (built once per run).
    """
    dropped = _dropped(ctx)
    tries = sorted(
        [(_sent(ctx, q), q) for q in (
            Q(i, e.t, norm(e.qname), e.qtype, a) for i, e, a in ctx.dns)]
        + [(u.t, u) for u in _unsent_queries(ctx)],
        key=lambda x: (x[0], x[1].index))
    out: list[Question] = []
    open_: dict[tuple[str, str], int] = {}
    for sent, q in tries:
        if dropped(q):
            q = replace(q, answer=None)  # (the answer never reached the phone)
        k = open_.get((q.name, q.type))
        if k is not None:
            prev = out[k]
            if (len(prev.tries) == 1 and prev.heard is None
                    and sent - prev.first <= _TRY_GAP):
                out[k] = replace(prev, tries=(*prev.tries, q))
                continue
        open_[(q.name, q.type)] = len(out)
        out.append(Question(sent, q.name, q.type, (q,)))
    return tuple(out)


def given_up_before(ctx: Ctx, req: Txn) -> dict[str, tuple[int, int]]:
    """
    Server 1's targets that the lookup behind request C{req} (at C{head})
    had given up (DNS-8, DNS-11: a target whose address lookup failed gives
    no target), read question by question (L{questions}): the request's
    first target as it had it is the last address question for C{head}
    whose answer can have reached the phone before C{req} left it
    (L{_answer_before}); its lookup asked it
    on moving on from a target's address question that ended without an
    address (L{_ended_without}: given up L{DNS_GIVE_UP} after its first try,
    or answered with none), no answer naming that target having reached the
    phone between the two while the question was still open
    (L{_heard_by_then}).  What another lookup begun meanwhile (a call's)
    heard was not that lookup's, which the view of "the last lookup begun
    before t" (L{unresolved_targets}) misses when the two interleave (survey
    7021 [02] and [04], round 19).  For each such address: the trace indexes
    of the given-up question's first try and of the head's answered try.
    Empty when the request's own lookup had them.
    """
    head = req.dst
    qs, names = ctx.address_questions
    heads = names.get(head, frozenset())
    moved_on = _own_head_question(ctx, qs, heads, req)
    if moved_on is None:
        return {}
    out: dict[str, tuple[int, int]] = {}
    for a in sorted({s.address for s in ctx.facts.targets} - {head}):
        mine = names.get(a, frozenset())
        if not mine or mine & heads:
            continue
        # (begun before the lookup asked the head's address, and ended as it did: a
        # question asked after it, another request's, was not what that lookup moved on
        # from; review of round 37)
        given_up = next((x for x in qs if x.name in mine and x.first < moved_on.first
                         and (end := _ended_without(x)) is not None
                         and _ended_as(ctx, x, end, moved_on.first)
                         and not _heard_by_then(ctx, x, a, end, moved_on, heads)),
                        None)
        if given_up is None:
            given_up = _given_up_through_nameless(ctx, qs, names, mine, moved_on, a, req)
        if given_up is not None:
            out[a] = (given_up.tries[0].index, moved_on.last.index)
    return out


def _given_up_through_nameless(ctx: Ctx, qs: Sequence[Question],
                               names: dict[str, frozenset[str]], mine: frozenset[str],
                               moved_on: Question, address: str,
                               req: Txn) -> Question | None:
    """
    For L{given_up_before}: the question for C{address}'s names (C{mine}) the
    lookup gave up before it moved on to C{moved_on}, through targets that
    gave no address in between (SRV names no answer ever gave an address for,
    each question ending without one as the next began, L{_ended_as}): the
    lookup walks its target list, and a nameless target between the two
    leaves the given-up one no less given up.  Survey w7092 [2774], round 38:
    UDP, C{failback_mode} 0, C{register_on_enable} 1, SRV targets primary, a
    nameless one and the secondary; a call's lookup lost the primary's A
    twice and gave it up at 242.02 s, the nameless target's NXDOMAIN lost
    and heard at 243.02 s, the secondary's A at 243.03 s: FO-5's REGISTER
    and the INVITE at the secondary.  The renewal's lookup, begun at 241.23
    s, heard the primary's address at 242.24 s and renewed there; read as
    the call's, FB-0 failed the call.  So the primary stays given up
    despite answers for C{address} that questions asked after this lookup
    gave it up heard, when each such answer has a request of another lookup
    to C{address} sent on it (by request C{req}'s start, at once;
    L{_request_of_another_lookup}): that answer was the other lookup's, and
    this one owes the primary nothing.  When any such answer has none, it
    may have been this lookup asking the primary again, and its going past
    the primary it heard is no give-up (C{None}): a phone that took the
    answer and still went past the primary is not excused.
    """
    named = frozenset().union(*names.values())
    step = moved_on.first
    for _ in range(len(qs)):
        hop = next((x for x in qs if x.name not in named and x.first < step
                    and (end := _ended_without(x)) is not None and _ended_as(ctx, x, end, step)),
                   None)
        if hop is None:
            return None
        step = hop.first
        x = next((x for x in qs if x.name in mine and x.first < step
                  and (end := _ended_without(x)) is not None and _ended_as(ctx, x, end, step)),
                 None)
        if x is None:
            continue
        if _asked_before_placed(ctx, x, req):
            return None  # (another lookup's give-up: req's call was not yet placed)
        gave_up = x.first + DNS_GIVE_UP if x.heard is None else step
        heard = [y for y in qs if y is not x and y.heard is not None and y.name in mine
                 and y.heard.records and x.first <= y.first <= moved_on.first]
        if any(y.first <= gave_up - ctx.tol for y in heard):
            return None  # (asked while this lookup still wanted it: it may have had it)
        if any(y.heard is not None and y.heard.answer is not None and not any(
                _request_of_another_lookup(ctx, y, r) for r in ctx.attempts
                if r.dst == address and r.started <= req.started + ctx.at_once)
               for y in heard):
            return None  # (an answer no other lookup's request went on: this lookup's)
        return x
    return None


def _asked_before_placed(ctx: Ctx, x: Question, req: Txn) -> bool:
    """
    For L{_given_up_through_nameless}: whether the given-up question C{x} was
    asked before the call of C{req} (a call's first INVITE) was placed
    (L{wire._placed_at}, by Call-ID, L{Ctx.call_placings}): a call placed
    after another call's lookup gave the primary up has a lookup of its own
    and inherits no give-up (second review of round 38: a call placed at
    34.55 s, after the first call's lookup gave the primary up at 34.01 s,
    sent its INVITE to the secondary past the primary the renewal had just
    heard, and passed FB-0).  Never for a registration's request.
    """
    if req.method != "INVITE" or req.in_dialog:
        return False
    placed = wire._placed_at(ctx.facts, req, ctx.call_placings)
    return placed is not None and x.first < placed - ctx.tol


def _request_of_another_lookup(ctx: Ctx, y: Question, r: Txn) -> bool:
    """
    For L{_given_up_through_nameless}: whether request C{r}, to the given-up
    address, began on question C{y}'s answer as another lookup's request, so
    that C{y} may have been that lookup's: a registration's (a renewal's
    lookup running beside a call's; survey w7092 [2774], round 38), or a
    call's INVITE whose lookup was already running when C{y} was sent
    (L{_lookup_running}) and whose own question for the address was C{y}
    (the last answered that could reach the phone before it,
    L{_answer_before}; as for L{_used_by_another}): a call whose lookup asked
    the address itself took its own answer, and C{y} stays unexplained.  Not
    a request in a dialog (an ACK, a BYE, a re-INVITE), which follows its
    dialog's INVITE and no lookup (review of round 38's walk: a session
    refresh of an earlier call at the primary excused a call's lookup that
    went past the primary it heard, FB-0).  A call planned after
    C{y} was sent took its answer from the cache and says nothing of whose
    C{y} was (review of round 37: a registration's lookup that asked the
    primary again as it gave it up and registered at the secondary past a
    nameless target, a call planned at 4.2 s going to the primary at 4.22 s,
    still fails FO-1).  A REGISTER, too, only when C{y} was its own question
    (second review of round 38: one REGISTER excused any number of answers).
    """
    heard = y.heard
    if heard is None or heard.answer is None or r.started < heard.answer.t or r.in_dialog:
        return False
    if _own_address_question(ctx, r) is not y:
        return False
    if r.method == "INVITE":
        return _lookup_running(ctx, y, r)
    return r.method == "REGISTER"


def _own_address_question(ctx: Ctx, r: Txn) -> Question | None:
    """
    Request C{r}'s own address question for its target: the last that gave
    the address and whose answer can have reached the phone before C{r} left
    it (L{_answer_before}); C{None} without one.  The question a request
    went on, so one request is evidence for one question only.
    """
    qs, names = ctx.address_questions
    mine = names.get(r.dst, frozenset())
    own = [q for q in qs if q.name in mine and q.heard is not None
           and r.dst in q.heard.records and _answer_before(ctx, q.heard, r)]
    return own[-1] if own else None


def _own_head_question(ctx: Ctx, qs: Sequence[Question], heads: AbstractSet[str],
                       req: Txn) -> Question | None:
    """
    Request C{req}'s own address question for its target (of names
    C{heads}): the last that gave the target and whose answer can have
    reached the phone before C{req} left it (L{_answer_before}).  The
    one-way margin there may set aside only an answer of about the request's
    own moment: when it leaves none, or picks one older than the tolerance
    and a first DNS wait before the request while a later answer reached
    the server's side by C{req.started}, the view is the last answered by
    then (the reading before the margin).  So it is, too, when a request
    of another Call-ID to the same address began between the pick's answer
    and C{req}: that answer served the other request, and a lookup asks a name
    once, so it was not C{req}'s own however recent.  Otherwise a lookup
    that heard the primary and went past it, its request read a hair after
    its own answer, would borrow a stale lookup's give-up as its own
    (review of round 37, FAILBACK: a call's lookup hearing the primary at
    290.06 s, its INVITE to the secondary read at 290.13 s, 15 ms legs,
    would take an earlier call's secondary question of 284.1 s and its
    give-up; third review: so with the call planned at 285.0 s, the
    earlier call's answer under a second old, its INVITE between).
    """
    given = [x for x in qs if x.name in heads and x.heard is not None
             and req.dst in x.heard.records]
    got = [x for x in given if x.heard is not None and _answer_before(ctx, x.heard, req)]
    near = [x for x in given if x.heard is not None and x.heard.answer is not None
            and x.heard.answer.t <= req.started]
    if not near:
        return got[-1] if got else None
    if not got:
        return near[-1]
    pick = got[-1]
    assert pick.heard is not None and pick.heard.answer is not None
    stale = req.started - pick.heard.answer.t > ctx.tol + _FIRST_WAIT
    used = any(r is not req and r.dst == req.dst and r.call_id != req.call_id
               and pick.heard.answer.t < r.started < req.started for r in ctx.attempts)
    return near[-1] if pick is not near[-1] and (stale or used) else pick


def _answer_before(ctx: Ctx, q: Q, req: Txn) -> bool:
    """
    Whether the answer to query C{q} can have reached the phone before it
    sent request C{req}, as far as the trace tells.  C{req.started} is the
    phone's first SYN for it (its own time: the answer's one way back lies
    before it) or the server's reading it (the request's way there too):
    the answer left the DNS server that many one-way times earlier, each
    taken as L{_shortest_query_delay} (C{2 min - max} of the DNS queries'
    delays; 0 without packets, where this is "answered by then").  That is
    an estimate, not a bound: a few queries may all have met the slow end
    of the jitter while the SIP legs met the fast end, so an answer the
    request had may be set aside (the lenient way: L{_own_head_question}
    then keeps the margin from reaching back to a stale lookup's question),
    and with wide jitter one it never had may be kept (the strict way).
    Survey w7089 [1356], round 37: the second call's secondary A asked at
    285.12 s and answered at 285.14 s, as the server read the first call's
    INVITE sent at 285.12 s: the INVITE never had it.  Review of round 37:
    with jitter a question sent a few ms before the request was no more its
    own (not only one sent at that instant).
    """
    a = q.answer
    if a is None:
        return False
    ways = 1 if req.conn_start is not None else 2
    return a.t <= req.started - ways * _shortest_query_delay(ctx.trace, ctx.facts) + 1e-6


def _heard_by_then(ctx: Ctx, x: Question, address: str, end: float, moved_on: Question,
                   heads: AbstractSet[str]) -> bool:
    """
    Whether an answer naming C{address}, that of given-up question C{x},
    reached the phone between C{x} and the lookup's move on to the head's
    address question C{moved_on} (one of names C{heads}): a question begun
    between the two that brought the address.

    Not one whose answer left the DNS server only after C{x} was given up
    (C{end}) and that another lookup used (L{_used_by_another}), when
    C{moved_on} was the first question of the head's names begun since
    then: a lookup asks a name once, so C{moved_on} was the move on of the
    lookup that gave C{x} up, and that answer came to another lookup (a
    call's, begun as C{x} ended; DNS-8, DNS-11).  Survey w7089 [1356], round
    37: FB-0, a call's primary A lost twice and given up at 285.04 s, a
    second call's asked then and answered at 285.06 s, its INVITE to the
    primary; the first call's INVITE to the secondary after ghost's NXDOMAIN.
    When another question of the head's names came first since the give-up
    (the giving-up lookup's own move on), C{moved_on} was another lookup's,
    and the answer counts: a call's lookup that heard the primary and went
    to the secondary still fails (w7038 [166], round 26, FB-1).  So does a
    lookup that re-asked the given-up address, heard it, and went on past it
    with no request of another lookup there (review of round 37).
    """
    qs, names = ctx.address_questions
    mine = names.get(address, frozenset())
    first = next((q for q in qs if q.name in heads and q.first >= end - ctx.tol), None)
    for y in qs:
        if (y is x or y.heard is None or y.name not in mine or not y.heard.records
                or not x.first <= y.first <= moved_on.first):
            continue
        a = y.heard.answer
        if (a is None or a.t <= end or first is not moved_on
                or not _used_by_another(ctx, y, address)):
            return True
    return False


def _used_by_another(ctx: Ctx, y: Question, address: str) -> bool:
    """
    Whether a request of the phone went to C{address} on address question
    C{y}'s answer: one begun after that answer whose own question for the
    address (the last answered that could reach the phone before it,
    L{_answer_before}) was C{y}.  The evidence that C{y} was another
    lookup's, heard after the lookup that gave C{address} up had moved on:
    without it, C{y} may be that lookup asking the address again, and its
    going past the address it heard is no give-up (review of round 37: a
    lone registration's lookup re-asking the primary as it gave it up,
    then registering at the secondary, fails FO-1).  Only a call's INVITE
    whose lookup was running when C{y} was sent counts
    (L{_lookup_running}), begun within the tolerance and a first DNS wait
    of C{y}'s answer: a request much later, on C{y}'s cached answer, is no
    evidence, whenever its call was planned (second and third reviews of
    round 37: a call planned at 0.5 s, before the re-ask at 4.01 s, its
    INVITE to the primary at 30 s).  A call planned before the re-ask whose
    INVITE went soon after it still serves: two lookups may share one
    question, and which one asked it the trace cannot tell (a known
    ambiguity, read the lenient way).
    """
    heard = y.heard
    assert heard is not None and heard.answer is not None
    for r in ctx.attempts:
        if r.dst != address or r.started <= heard.answer.t:
            continue
        if (_own_address_question(ctx, r) is y and _lookup_running(ctx, y, r)
                and r.started <= heard.answer.t + ctx.tol + _FIRST_WAIT):
            return True
    return False


def _lookup_running(ctx: Ctx, y: Question, r: Txn) -> bool:
    """
    Whether request C{r} is a call's INVITE whose lookup was already under
    way when question C{y} was sent: the latest call planned by the time
    C{r} began was planned no later than C{y} (within the tolerance).  Only
    then can C{y} have been that lookup's own question; a call planned
    later that went to the address on C{y}'s cached answer says nothing of
    whose C{y} was, and a registration's request may be the giving-up
    lookup's own (review of round 37: a lone registration's lookup
    re-asking the given-up primary and going past it still fails FO-1 with
    a call to the primary at 4.2 s or 30 s; a call's lookup doing so still
    breaks the FAILBACK invariant with a later call at 300 s).
    """
    if r.method != "INVITE":
        return False
    plan = ctx.last_call_planned(r.started)
    return plan is not None and plan <= y.first + ctx.tol


#: Seconds by which an answer's time in the trace may follow the request the
#: phone sent on hearing it (the two clocks' rounding): an answer heard only
#: after the request left was none the phone could act on.
_HEARD_EPS = 0.002


def _ended_as(ctx: Ctx, x: Question, end: float, t: float) -> bool:
    """
    Whether question C{x}, ended without an address at C{end}
    (L{_ended_without}), ended as the phone moved on at C{t}: its give-up,
    dated from its first try, within the tolerance either side; an answer
    with no address, at most L{_HEARD_EPS} after C{t} (the phone cannot act
    on an answer that reached it after it moved on; review of round 37: a
    SERVFAIL 40 ms after the REGISTER left read as what moved it on).
    """
    if x.heard is None:
        return abs(end - t) <= ctx.tol
    return t - ctx.tol <= end <= t + _HEARD_EPS


def address_questions(ctx: Ctx) -> tuple[tuple[Question, ...], dict[str, frozenset[str]]]:
    """
    The phone's address (A) questions (L{questions}), and for each address an
    answer heard gave, the names it gave it for: what L{given_up_before} reads
    of the whole run, read through L{Ctx.address_questions} (built once per
    run, not per request).
    """
    qs = tuple(x for x in ctx.questions if x.type == "A")
    names: dict[str, set[str]] = {}
    for x in qs:
        if x.heard is not None:
            for r in x.heard.records:
                names.setdefault(r, set()).add(x.name)
    return qs, {a: frozenset(n) for a, n in names.items()}


def _ended_without(x: Question) -> float | None:
    """
    When the resolver ended address question C{x} without an address, moving
    on to the next target (DNS-8: no address, no target): its give-up
    L{DNS_GIVE_UP} after the first try when nothing came back, or the
    answer's time when one came with none (SERVFAIL, REFUSED, NXDOMAIN, no A
    record).  C{None} when an address came back.
    """
    if x.heard is None:
        return x.first + DNS_GIVE_UP
    a = x.heard.answer
    return a.t if a is not None and not x.heard.records else None


def unresolved_for(ctx: Ctx, req: Txn, t: float) -> frozenset[str]:
    """
    Server 1's targets the resolution request C{req} had gave no address
    for, as read at C{t}: L{unresolved_targets} at
    C{t}, and the targets the request's own lookup gave up before it moved on
    to its target's address (L{given_up_before}), when another lookup
    interleaved.
    """
    return (unresolved_targets(ctx, t) | given_up_before(ctx, req).keys()
            | given_up_as_begun(ctx, req.dst, req.started))


def given_up_as_begun(ctx: Ctx, head: str, started: float) -> frozenset[str]:
    """
    Server 1's targets other than C{head} whose address question, begun
    before a request began at C{started} at C{head}, ended without an address
    (L{_ended_without}) in that very instant, no answer naming that target
    having reached the phone since the question's first try: the lookup
    behind the request waited for it, and, that target failed (DNS-8,
    DNS-11), the request went at once to the one it had.  L{given_up_before}
    reads a lookup that asked C{head}'s address only after giving the other
    up; here the other was still under way after C{head}'s was heard (asked
    beside it, or a question another lookup had in flight, which the phone's
    resolver shares).  Survey w7087 [5418], round 37: FB-2 on the secondary,
    a call's lookup heard the primary's address at 104.02 s and waited on
    the secondary's question another call had asked at 104.01 s, both tries
    lost; given up at 108.01 s, the INVITE went to the primary then.
    """
    qs, names = ctx.address_questions
    heads = names.get(head, frozenset())
    out: set[str] = set()
    for a in {s.address for s in ctx.facts.targets} - {head}:
        mine = names.get(a, frozenset())
        if not mine or mine & heads:
            continue
        for x in qs:
            end = _ended_without(x) if x.name in mine and x.first < started else None
            if end is None or not _ended_as(ctx, x, end, started):
                continue
            # (the head's address heard while the lookup waited on it, by the request's
            # own lookup: one heard before the other question was asked was a lookup
            # that had no need to wait on it; review of round 37)
            h = next((h for h in reversed(qs) if h.name in heads and h.heard is not None
                      and h.heard.answer is not None and head in h.heard.records
                      and x.first <= h.heard.answer.t <= min(end, started) + ctx.tol), None)
            if h is None:
                continue
            since = min(x.first, _own_lookup_began(ctx, h))
            if not any(y.name in mine and y.heard is not None and y.heard.records
                       and y.heard.answer is not None
                       and since <= y.heard.answer.t <= started for y in qs):
                out.add(a)
                break
    return frozenset(out)


def _own_lookup_began(ctx: Ctx, h: Question) -> float:
    """
    When the lookup that asked address question C{h} began, as far as the
    questions tell: the last question of server 1's domain other than an
    address's (SRV, NAPTR) first asked before C{h}, else C{h} itself.  An
    answer naming a target heard since reached that lookup: it had that
    target and waited on no other question for it (L{given_up_as_begun}).
    """
    dom = _domain(ctx)
    return max((y.first for y in ctx.questions
                if y.type != "A" and y.first <= h.first and dom is not None
                and (y.name == dom or y.name.endswith("." + dom))),
               default=h.first)


def unresolved_targets(ctx: Ctx, t: float) -> frozenset[str]:
    """
    The targets of server 1 that the last lookup of its domain before C{t}
    gave no address for, though it gave others: an address query of them
    failed or was lost (DNS-8: a target whose address lookup failed gives no
    target), or the records did not name them.  They were not in the
    resolution the phone used at C{t}, so nothing was due there.  Empty when
    there was no such lookup or it gave no address at all (DNS-11).
    """
    before = [lk for lk in _server1_lookups(ctx) if lk[0].t <= t + ctx.tol]
    if not before:
        return frozenset()
    lk = before[-1]
    # (an answer the network lost gave the phone nothing)
    lost = _lost_answers(ctx)
    # (an address asked for again after C{t}, when the target was needed, was
    # not in the resolution then)
    heard = [q for q in lk if not _answer_lost(q, lost, ctx.tol)
             and (q.answer.t if q.answer is not None else q.t) <= t]
    got = {r for q in heard if q.type == "A" for r in q.records}
    got |= {s.target for q in heard if q.type == "SRV" for s in _srvs(q) if is_ip(s.target)}
    if not got:
        return frozenset()
    return frozenset(s.address for s in ctx.facts.targets if s.address not in got)


def settled_unresolved_targets(ctx: Ctx, t: float) -> frozenset[str]:
    """
    L{unresolved_targets} at C{t} when the lookup in use I{settled} that they
    have no address: every SRV target name it had no address for was asked and
    answered, the answer reaching the phone, with none (NXDOMAIN, or no A
    record).  Such a name is no target (DNS-8) until the resolution is renewed
    (DNS-10): the phone owes no second ask, unlike for an address query that
    failed or was lost (DNS-11).  So is an address that no name of the lookup
    had, every name's address heard: the records moved the name to another
    target's address, or named it no more (w7038 [7177], round 26: the
    secondary's A record set to the primary's address, the renewal's lookup
    giving both names the primary's; the resolution had one address, so a
    Retry-After there left the phone nothing to skip to, RTX-3).  Empty
    otherwise.
    """
    missing = unresolved_targets(ctx, t)
    if not missing:
        return frozenset()
    names = unresolved_names(ctx, t)
    if not names:
        return missing
    lk = [lk for lk in _server1_lookups(ctx) if lk[0].t <= t + ctx.tol][-1]
    lost = _lost_answers(ctx)
    settled = {q.name for q in lk if q.type == "A" and q.answer is not None
               and q.answer.rcode in ("NXDOMAIN", "NOERROR") and not q.records
               and not _answer_lost(q, lost, ctx.tol) and q.answer.t <= t}
    return missing if names <= settled else frozenset()


def given_up_unresolved_targets(ctx: Ctx, t: float) -> frozenset[str]:
    """
    L{unresolved_targets} at C{t} when the lookup in use had I{ended} every
    address question of the SRV target names it had no address for by then:
    answered with none (L{settled_unresolved_targets}) or given up, nothing
    having come back (DNS-11: a failed address lookup fails that target; it
    is asked again only when the target is needed next).  Such a name gave
    the resolution no target when the phone chose one at C{t} (DNS-8).  Empty
    otherwise, and while a question is still under way.
    """
    missing = unresolved_targets(ctx, t)
    names = unresolved_names(ctx, t)
    if not missing or not names:
        return frozenset()
    for name in names:
        # (begun by C{t}: one the phone began after choosing is no part of the choice)
        asked = [x for x in ctx.questions if x.type == "A" and x.name == name and x.first <= t]
        end = _ended_without(asked[-1]) if asked else None
        if end is None or end > t + ctx.tol:
            return frozenset()
    return missing


def address_asked(ctx: Ctx, address: str, lo: float, hi: float) -> float | None:
    """
    When, between C{lo} and C{hi}, the phone began asking for the address of
    a target of server 1 that the lookup in use at C{lo} gave none for (its
    address query failed or was lost, DNS-8): it needed that target then and
    asked again (DNS-11), so moving there began with that query, the
    resolver's retries included (explore seed 2).  C{None} when it had the
    address then, or did not ask.
    """
    if address not in unresolved_targets(ctx, lo):
        return None
    names = {q.name for q in ctx.queries if q.type == "A" and address in q.records}
    tries = [q.t for _, q, _ in ctx.dns if q.qtype == "A" and norm(q.qname) in names]
    tries += [q.t for q in _unsent_queries(ctx) if q.type == "A" and q.name in names]
    inside = [t for t in tries if lo <= t <= hi]
    return min(inside) if inside else None


def unresolved_names(ctx: Ctx, t: float) -> set[str]:
    """
    The SRV target names of the lookup of server 1 in use at C{t} for which
    the phone had heard no address by then (DNS-8: its address query failed
    or was lost, or named none).
    """
    before = [lk for lk in _server1_lookups(ctx) if lk[0].t <= t + ctx.tol]
    if not before:
        return set()
    lost = _lost_answers(ctx)
    names = {s.target for q in before[-1] if q.type == "SRV" for s in _srvs(q)
             if s.target != "."}
    names -= {q.name for q in before[-1] if q.type == "A" and q.records
              and not _answer_lost(q, lost, ctx.tol)
              and (q.answer.t if q.answer is not None else q.t) <= t}
    return names


def _lookup_began(ctx: Ctx, x: tuple[float, str, DnsEvent | None], fail_t: float) -> float:
    """
    When the lookup that asked the address query C{x} began: the phone's
    resolver asks a question at most twice, C{_FIRST_WAIT} apart, then gives
    up C{DNS_GIVE_UP} after the first try.  Tries of the same name pair up in
    time order (a first try, then a second within L{_TRY_GAP}, else a new
    lookup), queries the network lost included.
    """
    name = x[1]
    times = sorted({q.t for _, q, _ in ctx.dns
                    if q.qtype == "A" and norm(q.qname) == name
                    and fail_t - 3 * DNS_GIVE_UP <= q.t <= x[0]}
                   | {q.t for q in _unsent_queries(ctx)
                      if q.type == "A" and q.name == name
                      and fail_t - 3 * DNS_GIVE_UP <= q.t <= x[0]})
    start: float | None = None
    for t in times:
        if start is not None and t - start <= _TRY_GAP and t != start:
            if t >= x[0]:
                return start
            start = None  # its second try: the next one begins a lookup
            continue
        start = t
    return start if start is not None else x[0]


def _failed_attempt_after(ctx: Ctx, gave: float, fail_t: float) -> bool:
    """
    Whether the attempt at a target of server 1 that failed at C{fail_t}
    began only once a lookup was given up at C{gave} (the DNS server's times,
    a latency after the phone's): the phone moved on from that lookup to the
    attempt (DNS-8: a target whose address lookup failed gives no target), so
    the lookup was over, not under way, when the attempt failed, however close
    the two (survey w7037 [902], round 24: TLS, 100 ms latency, the DNS
    server dropping, the secondary's A given up at 43.195 s, the connection
    to the primary begun at 43.085 s and refused at 43.295 s; the phone then
    asked again for ghost and the secondary, 4 s each).
    """
    return any(ctx.group(x.dst) == 1 and gave - ctx.tol <= x.started <= fail_t
               and (done := ctx.failed_at(x)) is not None and abs(done - fail_t) <= ctx.tol
               for x in ctx.attempts)


def _reask_run(ctx: Ctx, fail_t: float,
               began: float | None = None) -> list[tuple[float, str, DnsEvent | None]]:
    """
    The phone's asking again for the addresses the lookup in use at C{fail_t}
    lacked (DNS-8: their address queries failed or were lost; DNS-11: a
    failed address lookup is retried when the target is needed), as it bore
    on a target failing at C{fail_t}: the run of address queries for those
    names (time, name, the answer that reached the phone or C{None}; queries
    the network lost included) that was still under way then (begun for
    another request's failure just before, its answer not yet in: survey 7003
    of round 7, a call's INVITE answered 503 at 211.00 s, the phone asking
    for the secondary's address, the renewal giving the primary up at
    211.09 s), or that began at once after it; each query within the
    resolver's give-up time of the one before.  Empty if there was none.
    The one view behind L{address_reasked}, L{address_heard_again} and
    L{address_reasked_until}.
    """
    names = unresolved_names(ctx, fail_t)
    if began is not None:
        # (the names the request's own resolution lacked, in use when it began: a newer
        # lookup of another request's, which got them, is not the one the phone fills
        # for it; survey w7036 [1055], round 24: a call's INVITE sent to the secondary
        # at 393 s on a resolution without the primary's address, that address got by
        # the renewal's lookup at 441 s, the INVITE failing at 590.04 s, the primary's
        # address asked again, DNS down, the fallback server at the give-up, 594.04 s)
        names |= unresolved_names(ctx, began)
    if not names:
        return []
    lost = _lost_answers(ctx)
    tries = sorted(
        [(q.t, norm(q.qname), None if a is None or any(
            n == norm(q.qname) and k == "A" and abs(t - a.t) <= ctx.tol for n, k, t in lost)
          else a)
         for _, q, a in ctx.dns
         if q.qtype == "A" and norm(q.qname) in names and q.t >= fail_t - DNS_GIVE_UP]
        + [(q.t, q.name, None) for q in _unsent_queries(ctx)
           if q.type == "A" and q.name in names and q.t >= fail_t - DNS_GIVE_UP],
        key=lambda x: x[0])
    before = [x for x in tries if x[0] < fail_t - ctx.tol]
    run: list[tuple[float, str, DnsEvent | None]] = []
    if before:
        last = before[-1]
        if fail_t - last[0] <= DNS_GIVE_UP and (last[2] is None or last[2].rcode == "TIMEOUT"
                                                or last[2].t > fail_t - ctx.tol) and (
                # (and its lookup not given up by then: a resolver's second try of a
                # question is no new lookup, the give-up runs from its first try; survey
                # 7017 [04] of round 17, ghost's A asked at 252.38 s, asked again 1 s
                # later, both lost, given up at 256.36 s as the REGISTER went out, the
                # primary failing at 256.86 s, the phone's new lookup of ghost then)
                (gave := _lookup_began(ctx, last, fail_t) + DNS_GIVE_UP) >= fail_t - ctx.tol
                and not _failed_attempt_after(ctx, gave, fail_t)):
            # still waiting for an answer when the target failed: the phone's asking
            # again had begun, the run back to its first query
            run = [last]
            for x in reversed(before[:-1]):
                if run[0][0] - x[0] > DNS_GIVE_UP:
                    break
                run.insert(0, x)
    for x in tries[len(before):]:
        if x[0] - (run[-1][0] if run else fail_t) > (DNS_GIVE_UP if run else ctx.at_once):
            break
        run.append(x)
    return run


def address_reasked(ctx: Ctx, address: str, fail_t: float) -> bool:
    """
    Whether the phone asked again for the address of the target of server 1
    at C{address}, which the lookup in use at C{fail_t} lacked, in the run of
    L{_reask_run} (under way as a target failed at C{fail_t}, or begun at once
    after it): it needed that target then (DNS-11).
    """
    names = {q.name for q in ctx.queries if q.type == "A" and address in q.records}
    return any(name in names for _, name, _ in _reask_run(ctx, fail_t))


def address_heard_again(ctx: Ctx, fail_t: float, dst: str) -> float | None:
    """
    When the phone, asking again (L{_reask_run}: at once after a target failed
    at C{fail_t}, or already asking then) for the addresses the lookup in use
    lacked (DNS-8, DNS-11: a failed address lookup is retried when the target
    is needed), first heard C{dst} among the answers, or, when later, when
    that asking again ended (L{_reask_ended}: it asks for every address it
    lacked before it goes on): the next target was tried only then, RTX-2's
    "at once" counting from there (and RTX-3's after a 503, RTX-1's after a
    give-up).  C{None} if it did not ask again, or no answer that reached it
    named C{dst}.  (Survey 7002 [08], round 6: the secondary's A answers
    lost, the re-ask after the primary refused answered 1 s late; survey 7003
    [02]: the same after a 503.)
    """
    run = _reask_run(ctx, fail_t)
    for _, _, a in run:
        if a is not None and any(dst in r.split() for r in a.answers):
            # (the phone goes on once it has asked for every address it lacked, in the
            # SRV order, not at the first answer naming the next target: survey 7033
            # [8001]-[8003], round 23, the primary refused, the secondary's address
            # answered at once, ghost's query lost and asked again a second later, the
            # REGISTER to the secondary on ghost's NXDOMAIN; FO-2)
            return max(a.t, _reask_ended(run, fail_t)[0])
    return None


def address_reasked_until(ctx: Ctx, fail_t: float, began: float | None = None) -> float | None:
    """
    When every target the phone had failed at C{fail_t} and it then asked
    again (L{_reask_run}) for the addresses the lookup in use lacked (DNS-8,
    DNS-11: a failed address lookup is retried when the target is needed),
    and got none: when the last of those lookups ended (its answer reached the
    phone, or the resolver gave up on it).  Every target had failed only then
    (explore seed 15 of round 3, second find: a target without an address
    first in the SRV order, asked again after the secondary's give-up, its
    NXDOMAIN a second later; and a defect search at seed 0: after the
    primary refused, a 1 s re-ask of "ghost", then the fallback, FO-6,
    FBK-S2).  C{None} if it did not ask, or got an address.  Used through
    L{Ctx.round_failed_at}.  C{began}: when the request whose target failed
    began, if known (the names its own resolution lacked count too).
    """
    run = _reask_run(ctx, fail_t, began)
    if not run:
        return None
    end, found = _reask_ended(run, fail_t)
    return None if found else end  # (an address after all: the phone goes on there)


def _reask_ended(run: list[tuple[float, str, DnsEvent | None]],
                 fail_t: float) -> tuple[float, bool]:
    """
    When the phone's asking again (L{_reask_run}) ended, and whether it got
    an address: it asks for every address the lookup in use lacked before it
    goes on (DNS-8: the A queries of the SRV targets make one lookup;
    C{locate.fill}), so the run ends with the last of its names, each at the
    first answer that reached the phone or at the resolver's give-up.  No
    earlier than C{fail_t}.
    """
    end, found = fail_t, False
    for name in {x[1] for x in run}:
        mine = [x for x in run if x[1] == name]
        # (a query the DNS server dropped, its record's rcode TIMEOUT, was never answered:
        # the resolver's give-up ends it, explore seed 415 of round 12, next find)
        heard = [a for _, _, a in mine if a is not None and a.rcode != "TIMEOUT"]
        if heard:
            found |= heard[0].rcode == "NOERROR" and any(" A " in r for r in heard[0].answers)
            end = max(end, heard[0].t)
        else:
            end = max(end, mine[0][0] + DNS_GIVE_UP)
    return end, found


def reask_of_another_lookup(ctx: Ctx, sent: float, fail_t: float) -> bool:
    """
    Whether the run of address queries under way as a target failed at
    C{fail_t} (L{_reask_run}, behind L{address_reasked_until}) belonged to a
    new lookup of server 1, begun (its first query) after the request that
    failed there was sent at C{sent}: another request's lookup (a call
    placed meanwhile), not the phone asking again for the targets of the
    round it was in.  RTX-5 does not say whether the round waits for it:
    every target it had may have failed at C{fail_t} already (survey w7029
    [7966], round 22: the primary silent to REGISTER from 335.8 s, a call's
    lookup at 350.0 s losing the answers for ghost, a name without an
    address, the primary given up at 351.3 s and the retry 30 s after that).
    """
    run = _reask_run(ctx, fail_t)
    if not run or run[0][0] >= fail_t - ctx.tol:
        return False
    # (the last lookup begun by the run's first query is the one it belonged to: the
    # resolver's own retries count once, as the last try, L{Ctx.queries}, and queries
    # the network lost are in none)
    begun = [lk for lk in _server1_lookups(ctx) if lk[0].t <= run[0][0] + ctx.tol]
    return bool(begun) and begun[-1][0].t > sent + ctx.tol


def first_resolved_target(ctx: Ctx, t: float) -> str | None:
    """
    The address the resolution of server 1's domain in use at C{t} gave
    first for its first target (the last lookup by then that asked for an
    address: its first address query, or a first SRV record with a numeric
    target): where a new request was due first, the primary (FO-1: the first
    target of DNS-*), also when a DNS fault had moved the primary's name to an
    address no harness server has.  C{None} without such a lookup, or if that
    query's answer did not reach the phone or named no address (the first
    target gave no address then, DNS-8).
    """
    for lk in reversed([lk for lk in _server1_lookups(ctx) if lk[0].t <= t + ctx.tol]):
        firsts: set[str] | None = None  # the SRV targets of the best priority, if any
        for q in lk:
            if q.type == "SRV":
                srvs = _srvs(q)
                best = min((r.priority for r in srvs), default=None)
                firsts = {r.target for r in srvs if r.priority == best}
                first = next((r for r in srvs if r.priority == best), None)
                if first is not None and is_ip(first.target):
                    return first.target
            if q.type == "A":
                lost = _answer_lost(q, _lost_answers(ctx), ctx.tol)
                if (not q.records and not lost and q.answer is not None
                        and q.answer.rcode in ("NOERROR", "NXDOMAIN")
                        and (firsts is None or norm(q.name) in firsts)):
                    # the first target's name has no address, an answer (DNS-8: no
                    # target, nothing to ask again): the first target left is the top of
                    # the list, as the phone reads it (explore seed 38 of
                    # dns-ip-literal, round 3: the primary's A record removed)
                    firsts = None
                    continue
                if (not q.records or lost
                        or (firsts is not None and norm(q.name) not in firsts)):
                    # (the first address asked for is a later target's: the first
                    # target's lookup failed before reaching the wire, DNS-8)
                    return None
                return q.records[0]
    return None


def register_elsewhere(ctx: Ctx) -> list[int]:
    """
    Trace indexes of the REGISTERs the phone sent to an address that a lookup
    of server 1's domain gave but where no harness server is (DNS moved a
    target away, say to a dead host): its REGISTERs to the working server as
    the DNS named it (DNS-8), though none of the servers could hear them.
    """
    dom = _domain(ctx)
    if dom is None or ctx.facts.dns is None:
        return []
    mine = [q for q in ctx.queries if q.name == dom or q.name.endswith("." + dom)]
    names = {q.name for q in mine} | {
        norm(r.target) for q in mine if q.type == "SRV" for r in _srvs(q)}
    got = {r for q in ctx.queries if q.type == "A" and q.name in names for r in q.records}
    got |= {r.target for q in mine if q.type == "SRV" for r in _srvs(q) if is_ip(r.target)}
    got -= ctx.facts.addresses
    if not got:
        return []
    out = []
    for i, e in ctx.trace.indexed(PacketEvent):
        if (e.dst[0] in got and e.payload.startswith(b"REGISTER ")
                and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone)):
            out.append(i)
    return out


def _unanswered(q: Q) -> bool:
    """The server sent nothing back (no answer, or a deliberately dropped query)."""
    return q.answer is None or q.answer.rcode == "TIMEOUT"


CHECKS = {
    "DNS-1": dns1,
    "DNS-2": dns2,
    "DNS-3": dns3,
    "DNS-4": dns4,
    "DNS-5": dns5,
    "DNS-6": dns6,
    "DNS-7": dns7,
    "DNS-8": dns8,
    "DNS-9": dns9,
    "DNS-10": dns10,
    "DNS-11": dns11,
    "DNS-T": dns_t,
}
