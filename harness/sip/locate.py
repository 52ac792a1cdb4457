"""
The phone-side RFC 3263 server locator, narrowed by the guide (DNS-1..DNS-11).

Why our own and not C{twisted.names.srvconnect}: the guide fixes choices
RFC 3263 leaves open (NAPTR then C{naptr_build} SRV then A; equal-priority SRV
records by descending weight; 5060 for TLS when DNS gives no port), a
certification harness must make each of them visible and switchable
(L{harness.profile.Profile}), and the resolution must be cached on the
harness's clock for exactly the smallest TTL of its chain (DNS-10, FB-1).

The locator needs only an C{IResolver}: on a network it is a
C{client.Resolver} (L{make_resolver}); in unit tests a
L{harness.dns.zone.Zone} answers directly and synchronously.

Rules, by clause (C{transport}: 0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR):

 - DNS-1: an IP address is used as is, no query; port 0 -> the default port.
 - DNS-3 / RFC 3263 4.2: an explicit port -> A query only, with that port.
 - DNS-2: transport 3, port 0 -> NAPTR first.  DNS-4: records with a
   supported service (C{SIP+D2U}, C{SIP+D2T}, C{SIPS+D2T}), lowest order,
   then lowest preference; the first record whose SRV set yields targets
   wins (an empty set -> the next record).  DNS-5: flag C{s} -> SRV on the
   replacement; empty flag -> NAPTR again on the replacement, at most
   C{profile.naptr_max_depth} NAPTR queries deep; other flags are skipped.
 - DNS-6: no usable NAPTR -> C{naptr_build} 0: C{_sip._udp}; 1:
   C{_sip._tcp}, then C{_sips._tcp}.
 - transport 0/1/2, port 0: SRV for that transport.
 - DNS-7: SRV lowest priority first; equal priority by the profile
   (descending weight with optional round robin, or RFC 2782 weighted
   random with the injected RNG).  DNS-8: an A query per target name, in
   that order (numeric targets as is, several addresses in answer order,
   target C{.} -> nothing, duplicates removed).
 - No SRV target -> A query on the domain; DNS-9: port = the profile's
   default for the transport.
 - DNS-10: a resolution is cached until the first record of its chain
   expires (the record's arrival time + its TTL; the smallest TTL is
   L{Resolution.ttl}).
 - DNS-11: timeout, SERVFAIL, REFUSED -> L{LocateError} at once; NXDOMAIN /
   NODATA move on to the next step and, if nothing is left, fail with
   C{"nxdomain"} or C{"empty"}.  Failures are never cached.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from twisted.internet import defer
from twisted.internet import error as ierror
from twisted.internet.abstract import isIPv6Address
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.names import client, common, dns
from twisted.names import error as nerror
from twisted.python.failure import Failure

from harness.dns.messages import Decoded
from harness.profile import Profile

Transport = Literal["udp", "tcp", "tls"]

#: NAPTR service field (lowercase) -> transport (DNS-4).
NAPTR_SERVICES: dict[bytes, Transport] = {
    b"sip+d2u": "udp",
    b"sip+d2t": "tcp",
    b"sips+d2t": "tls",
}

#: SRV prefix per transport (RFC 3263 4.2).
SRV_PREFIX: dict[Transport, str] = {
    "udp": "_sip._udp.",
    "tcp": "_sip._tcp.",
    "tls": "_sips._tcp.",
}

#: Configured C{account.X.transport} for 0..2.
TRANSPORT_CODES: dict[int, Transport] = {0: "udp", 1: "tcp", 2: "tls"}


@dataclass(frozen=True)
class Target:
    """
    One place to send a request.

    @ivar name: the SIP domain the target was found for (C{None} for an IP
        literal): the name a TLS client sends as SNI and checks the
        certificate against (RFC 5922 4.1).
    """

    transport: Transport
    host: str
    port: int
    name: str | None = None


@dataclass(frozen=True)
class Planned:
    """
    One SRV target of a resolution, in the order to try them (DNS-7): its
    addresses, or C{None} when its address lookup failed (timeout, SERVFAIL):
    a DNS failure, not an answer, so not part of what DNS-10 caches; the
    address is asked again when the phone needs this target (DNS-11).
    """

    host: str
    port: int
    transport: Transport
    addresses: tuple[str, ...] | None


@dataclass(frozen=True)
class Resolution:
    """
    The ordered targets for one configured server.

    @ivar ttl: the smallest TTL of every record in the chain (DNS-10);
        C{None} for an IP literal (never expires).
    @ivar expires_at: clock time after which the locator resolves again: the
        earliest expiry (arrival + TTL) of any record in the chain (C{None}:
        never).
    @ivar plan: the SRV targets the addresses came from, in order, with the
        ones whose address lookup failed (empty when the targets did not come
        from SRV records, or every address lookup answered).
    """

    targets: tuple[Target, ...]
    ttl: float | None
    expires_at: float | None = None
    plan: tuple[Planned, ...] = ()

    def is_primary(self, target: Target) -> bool:
        """
        Whether C{target} is the primary server: the first target, unless the
        lookup of an SRV target before it failed (DNS-8): then the primary is
        unknown, and none of them is.  SRV targets before it whose names have
        no address (NXDOMAIN, no A record) are no servers: the first one that
        has an address is the primary (explore seed 60 of dns-ip-literal: a
        nameless first SRV target, the primary's A query lost, and the
        secondary taken for the primary, ending FB-3's stay).
        """
        if self.primary_unknown:
            return False
        return bool(self.targets) and target == self.targets[0]

    @property
    def primary_unknown(self) -> bool:
        """Whether an SRV target's address lookup failed before any target with an address."""
        for p in self.plan:
            if p.addresses is None:
                return True
            if p.addresses:
                return False
        return False

    @property
    def missing(self) -> bool:
        """Whether an SRV target's address lookup failed (L{Locator.fill} asks again)."""
        return any(p.addresses is None for p in self.plan)


class LocateError(Exception):
    """
    The server could not be located (DNS-11).

    @ivar name: the configured name (or the name whose query failed).
    @ivar reason: C{"timeout"}, C{"servfail"}, C{"refused"}, C{"nxdomain"},
        C{"empty"} (names exist but give no address), or C{"error"}.
    @ivar detail: what failed, for people.
    """

    def __init__(self, name: str, reason: str, detail: str = "") -> None:
        super().__init__(f"{name}: {reason}" + (f" ({detail})" if detail else ""))
        self.name = name
        self.reason = reason
        self.detail = detail


class _Fatal(Exception):
    """A DNS failure that ends the resolution at once (timeout, SERVFAIL, ...)."""

    def __init__(self, qname: str, qtype: str, reason: str, detail: str) -> None:
        super().__init__(qname, qtype, reason, detail)
        self.qname = qname
        self.qtype = qtype
        self.reason = reason
        self.detail = detail


def failure_reason(exc: BaseException) -> str:
    """Classify a resolver failure into a L{LocateError} reason."""
    if isinstance(exc, nerror.DNSNameError | nerror.AuthoritativeDomainError):
        return "nxdomain"
    if isinstance(exc, nerror.DNSServerError):
        return "servfail"
    if isinstance(exc, nerror.DNSQueryRefusedError):
        return "refused"
    if isinstance(
        exc,
        nerror.DNSQueryTimeoutError | defer.TimeoutError | ierror.TimeoutError | TimeoutError,
    ):
        return "timeout"
    if isinstance(exc, nerror.DomainError):
        return "nxdomain"
    return "error"


@functools.lru_cache(maxsize=1024)
def is_ip(text: str) -> bool:
    """
    Whether C{text} is an IPv4 or IPv6 literal (brackets allowed).  Remembered:
    every resolution asks it of the same few names, and for a name C{ipaddress}
    raises and catches an exception per call.
    """
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _wire_name(name: str) -> bytes:
    """
    C{name} as C{dns.Query} encodes a text name (IDNA), remembered: every
    world's phone asks for the same few names, and the IDNA codec was about
    0.5 % of a short failover scenario.  An invalid name raises as before.
    """
    return dns.domainString(name)


def _norm(name: str | bytes) -> str:
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    return text.rstrip(".").lower()


T = TypeVar("T")


def order_srv(
    records: Sequence[T],
    profile: Profile,
    rng: random.Random,
    rotation: int = 0,
    *,
    priority: Any = lambda r: r.priority,
    weight: Any = lambda r: r.weight,
    weight_reversed: bool = False,
) -> list[T]:
    """
    SRV records in the order to try them (DNS-7).

    Lowest priority first.  Within a priority, C{profile.srv_tie}:
    C{"weight-desc"} -- higher weight first, ties in answer order, rotated
    left by C{rotation} when C{profile.srv_round_robin};
    C{"rfc2782"} -- RFC 2782's weighted random selection (below) with C{rng}.
    C{weight_reversed} (a deliberate defect, see L{Locator}): lowest weight
    first, whatever the profile.
    """
    out: list[T] = []
    for prio in sorted({priority(r) for r in records}):
        group = [r for r in records if priority(r) == prio]
        if profile.srv_tie == "rfc2782" and not weight_reversed:
            out.extend(rfc2782_order(group, rng, weight=weight))
            continue
        for w in sorted({weight(r) for r in group}, reverse=not weight_reversed):
            tied = [r for r in group if weight(r) == w]
            if profile.srv_round_robin and len(tied) > 1:
                k = rotation % len(tied)
                tied = tied[k:] + tied[:k]
            out.extend(tied)
    return out


def rfc2782_order(
    group: Sequence[T], rng: random.Random, *, weight: Any = lambda r: r.weight
) -> list[T]:
    """
    RFC 2782's selection within one priority, repeated until none is left:
    put the weight-0 records first (in random order), draw C{n} uniformly
    from C{0..sum(weights)} inclusive, take the first record whose running
    weight sum is C{>= n}.  A record of weight C{w} is taken first with
    probability C{w / (S + 1)}; weight-0 records share C{1 / (S + 1)}.
    """
    pending = list(group)
    out: list[T] = []
    while pending:
        zeros = [r for r in pending if weight(r) == 0]
        rng.shuffle(zeros)
        arranged = zeros + [r for r in pending if weight(r) != 0]
        total = sum(weight(r) for r in arranged)
        n = rng.randint(0, total)
        running = 0
        chosen = arranged[-1]
        for r in arranged:
            running += weight(r)
            if running >= n:
                chosen = r
                break
        out.append(chosen)
        pending.remove(chosen)
    return out


def _dedupe(targets: list[Target]) -> tuple[Target, ...]:
    seen: set[tuple[str, str, int]] = set()
    out: list[Target] = []
    for t in targets:
        key = (t.transport, t.host, t.port)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return tuple(out)


class _Run:
    """
    One resolution in progress: collects TTLs and the softest failure.

    Why plain Deferred callbacks rather than C{inlineCallbacks}: every
    registration and call resolves its server, and four nested generator
    layers (resolution, NAPTR, SRV, A) cost more than the queries' own work
    on the simulated network.  Each step below is the next statement of the
    straight-line version: the same queries, in the same order, with the same
    RNG draws, and a step that fires at once continues at once.
    """

    def __init__(self, locator: Locator, domain: str) -> None:
        self.locator = locator
        self.domain = domain
        self.ttls: list[int] = []
        self.expiries: list[float] = []  # when each record used expires (received + TTL)
        self.misses: list[str] = []  # "nxdomain" / "empty" seen so far
        self.plan: list[Planned] = []  # the last SRV set's targets (DNS-8), see L{Planned}

    def query(self, name: str, qtype: int) -> Deferred[Any]:
        """
        The records of C{qtype} for C{name} (following CNAMEs), or C{[]} for
        NXDOMAIN/NODATA; fails with L{_Fatal} for failures that end the run.
        """
        return self._ask(_norm(name), qtype, 0)

    def _ask(self, current: str, qtype: int, asked: int) -> Deferred[Any]:
        """Query C{current}: the C{asked}-th query of this lookup (at most 8, CNAMEs)."""
        if asked >= 8:
            self.misses.append("empty")
            return defer.succeed([])
        locator = self.locator
        try:
            d = locator.resolver.query(
                dns.Query(_wire_name(current), qtype, dns.IN), timeout=locator.timeout
            )
        except Exception:
            d = defer.fail()
        return d.addCallbacks(
            self._answered,
            self._failed,
            callbackArgs=(current, qtype, asked),
            errbackArgs=(current, qtype),
        )

    def _failed(self, failure: Failure, current: str, qtype: int) -> Any:
        e = failure.value
        if not isinstance(e, Exception):
            return failure
        reason = failure_reason(e)
        if reason == "nxdomain":
            self.misses.append("nxdomain")
            return []
        qtext = dns.QUERY_TYPES.get(qtype, str(qtype))
        raise _Fatal(current, qtext, reason, repr(e)) from None

    def _answered(self, result: Any, current: str, qtype: int, asked: int) -> Any:
        answers, _auth, _add = result
        target = current
        records: list[dns.RRHeader] = []
        cname_ttls: list[int] = []
        # (one pass per hop, plain loops: the three comprehensions and four
        # generators this was are a function object and a call each, per answer)
        for _hop in range(8):
            records = []
            cnames: list[Any] = []
            for rr in answers:
                if _norm(rr.name.name) == target:
                    if rr.type == qtype:
                        records.append(rr)
                    elif rr.type == dns.CNAME:  # (only read when qtype is not CNAME)
                        cnames.append(rr)
            if records or not cnames or qtype == dns.CNAME:
                break
            cname_ttls.append(int(cnames[0].ttl))
            target = _norm(cnames[0].payload.name.name)
        now = float(self.locator.clock.seconds())
        ttls, expiries = self.ttls, self.expiries
        for t in cname_ttls:
            ttls.append(t)
            expiries.append(now + t)
        if records:
            for rr in records:
                ttl = int(rr.ttl)
                ttls.append(ttl)
                expiries.append(now + ttl)
            return records
        if target != current and not any(_norm(rr.name.name) == target for rr in answers):
            # The chain left this answer (a CNAME into another zone): ask for it.
            return self._ask(target, qtype, asked + 1)
        self.misses.append("empty")
        return []

    def addresses(self, host: str) -> Deferred[Any]:
        """The IPv4 addresses of C{host}, in answer order (DNS-8)."""
        if is_ip(host):
            return defer.succeed([host.strip("[]")])
        return self.query(host, dns.A).addCallback(_dotted_quads)

    def srv(self, name: str, transport: Transport) -> Deferred[Any]:
        """Targets from the SRV records at C{name} (DNS-7, DNS-8, DNS-9)."""
        return self.query(name, dns.SRV).addCallback(self._srv_records, name, transport)

    def _srv_records(self, rrs: list[dns.RRHeader], name: str, transport: Transport) -> Any:
        if not rrs:
            return []
        locator = self.locator
        key = _norm(name)
        rotation = locator._rotation.get(key, 0)
        locator._rotation[key] = rotation + 1
        ordered = order_srv(
            rrs,
            locator.profile,
            locator.rng,
            rotation,
            priority=lambda rr: rr.payload.priority,
            weight=lambda rr: rr.payload.weight,
            weight_reversed=locator.srv_weight_reversed,
        )
        self.plan = []
        return self._srv_next(ordered, 0, transport, [], None)

    def _srv_next(
        self,
        ordered: list[Any],
        i: int,
        transport: Transport,
        targets: list[Target],
        failed: Failure | None,
    ) -> Any:
        """The addresses of C{ordered[i:]}, one target name after the other."""
        while i < len(ordered):
            srv = ordered[i].payload
            i += 1
            host = _norm(srv.target.name)
            if host in ("", "."):
                continue  # "service not available here" (RFC 2782)
            port = srv.port or self.locator.profile.default_port_for(transport)
            return self.addresses(host).addCallbacks(
                self._srv_addresses,
                self._srv_address_failed,
                callbackArgs=(ordered, i, transport, targets, port, failed),
                errbackArgs=(ordered, i, transport, targets, failed),
            )
        if not targets:
            if failed is not None:
                return failed  # every target's lookup failed: the lookup did (DNS-11)
            self.misses.append("empty")
        return targets

    def _srv_addresses(
        self,
        addrs: list[str],
        ordered: list[Any],
        i: int,
        transport: Transport,
        targets: list[Target],
        port: int,
        failed: Failure | None,
    ) -> Any:
        for addr in addrs:
            targets.append(Target(transport, addr, port, self.domain))
        host = _norm(ordered[i - 1].payload.target.name)
        self.plan.append(Planned(host, port, transport, tuple(addrs)))
        return self._srv_next(ordered, i, transport, targets, failed)

    def _srv_address_failed(
        self,
        failure: Failure,
        ordered: list[Any],
        i: int,
        transport: Transport,
        targets: list[Target],
        failed: Failure | None,
    ) -> Any:
        # DNS-8: a target whose address lookup failed (timeout, SERVFAIL) gives
        # no address, like one with no A record; the other targets still serve.
        # Only when none is left is the lookup a DNS failure (DNS-11).
        failure.trap(_Fatal)
        srv = ordered[i - 1].payload
        port = srv.port or self.locator.profile.default_port_for(transport)
        self.plan.append(Planned(_norm(srv.target.name), port, transport, None))
        return self._srv_next(ordered, i, transport, targets, failed or failure)

    def naptr(self, name: str, depth: int, want: Transport | None = None) -> Deferred[Any]:
        """
        Targets from the NAPTR records at C{name} (DNS-4, DNS-5); C{None} when
        there is no usable NAPTR record (so DNS-6 applies).  C{want}: the
        service of the record that pointed here (empty flag), if it named one:
        records of other services are skipped, so they cannot hide this one's.
        """
        return self.query(name, dns.NAPTR).addCallback(self._naptr_records, depth, want)

    def _naptr_records(self, rrs: list[Any], depth: int, want: Transport | None = None) -> Any:
        usable: list[tuple[Any, Transport | None]] = []
        for rr in rrs:
            rec = rr.payload
            flags = rec.flags.string.lower()
            service = rec.service.string.lower()
            transport = NAPTR_SERVICES.get(service)
            if want is not None and transport is not None and transport != want:
                continue
            if flags == b"s" and transport is not None:
                usable.append((rec, transport))
            elif flags == b"" and (transport is not None or service == b""):
                usable.append((rec, transport or want))
        if not usable:
            return None
        if not self.locator.naptr_answer_order:
            usable.sort(key=lambda pair: (pair[0].order, pair[0].preference))
        return self._naptr_next(usable, 0, depth)

    def _naptr_next(self, usable: list[tuple[Any, Transport | None]], i: int, depth: int) -> Any:
        """Targets from C{usable[i:]}: the first record that yields any."""
        while i < len(usable):
            rec, transport = usable[i]
            i += 1
            replacement = _norm(rec.replacement.name)
            if replacement in ("", "."):
                continue
            if rec.flags.string == b"":
                if depth >= self.locator.profile.naptr_max_depth:
                    continue
                d = self.naptr(replacement, depth + 1, transport).addCallback(
                    _of_transport, transport)
            else:
                assert transport is not None
                d = self.srv(replacement, transport)
            return d.addCallback(self._naptr_found, usable, i, depth)
        return []

    def _naptr_found(
        self, found: list[Target], usable: list[tuple[Any, Transport | None]], i: int, depth: int
    ) -> Any:
        if found:
            return found
        return self._naptr_next(usable, i, depth)

    def a_only(self, host: str, port: int, transport: Transport) -> Deferred[Any]:
        return self.addresses(host).addCallback(
            lambda addrs: [Target(transport, a, port, self.domain) for a in addrs]
        )


def _dotted_quads(rrs: list[Any]) -> list[str]:
    return [rr.payload.dottedQuad() for rr in rrs]


def _of_transport(nested: list[Target] | None, transport: Transport | None) -> list[Target]:
    """A nested NAPTR's targets, only those of C{transport} if the record named one."""
    return [t for t in nested or [] if transport is None or t.transport == transport]


class Locator:
    """
    Resolves a configured server (address, port, transport, naptr_build) to
    ordered targets with the guide's rules, caching on C{clock} (DNS-10).

    @param resolver: any C{IResolver} (a C{client.Resolver} from
        L{make_resolver}, or a L{harness.dns.zone.Zone}).
    @param clock: the clock for the cache.
    @param profile: the reading of the guide (SRV ties, TLS port, NAPTR depth).
    @param rng: the seeded RNG for the C{rfc} profile's weighted choice.
    @param timeout: passed to every C{resolver.query}; C{None} = the
        resolver's own.
    @param srv_weight_reversed: a deliberate defect (for checker tests,
        C{harness.phone.defects} "srv-weight-reversed"): equal-priority SRV
        records lowest weight first (violates DNS-7).
    @param naptr_answer_order: a deliberate defect ("ignores-naptr-order"):
        NAPTR records taken in answer order, not by order/preference
        (violates DNS-4).
    """

    def __init__(
        self,
        resolver: Any,
        clock: IReactorTime,
        profile: Profile,
        rng: random.Random,
        *,
        timeout: Sequence[int] | None = None,
        srv_weight_reversed: bool = False,
        naptr_answer_order: bool = False,
    ) -> None:
        self.resolver = resolver
        self.clock = clock
        self.profile = profile
        self.rng = rng
        self.timeout = timeout
        self.srv_weight_reversed = srv_weight_reversed
        self.naptr_answer_order = naptr_answer_order
        self._cache: dict[tuple[str, int, int, int], Resolution] = {}
        self._rotation: dict[str, int] = {}
        # what asking again settled for a resolution (id -> (it, filled, when the
        # answers then heard expire)): another request still holding it, or one alike,
        # takes that instead of asking once more (L{fill})
        self._filled: dict[int, tuple[Resolution, Resolution, float | None]] = {}

    def cached(
        self, address: str, port: int, transport: int, naptr_build: int
    ) -> Resolution | None:
        """The cached, unexpired resolution for these settings, if any."""
        key = (_norm(address), port, transport, naptr_build)
        res = self._cache.get(key)
        if res is None:
            return None
        if res.expires_at is not None and self.clock.seconds() >= res.expires_at:
            del self._cache[key]
            return None
        return res

    def flush(self) -> None:
        """Forget every cached resolution."""
        self._cache.clear()
        self._filled.clear()

    def locate(
        self, address: str, port: int, transport: int, naptr_build: int = 0
    ) -> Deferred[Resolution]:
        """
        The ordered targets for a configured server.

        @param address: the configured server: a domain or an IP literal.
        @param port: the configured port; 0 means "ask DNS" (DNS-2).
        @param transport: 0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR.
        @param naptr_build: 0 or 1 (DNS-6).
        @return: fires with a L{Resolution}, or fails with L{LocateError}.
        """
        if transport not in (0, 1, 2, 3):
            return defer.fail(ValueError(f"transport must be 0..3, not {transport!r}"))
        if naptr_build not in (0, 1):
            return defer.fail(ValueError(f"naptr_build must be 0 or 1, not {naptr_build!r}"))
        host = address.strip()
        if is_ip(host):
            # DNS-1: no query.
            tr = TRANSPORT_CODES.get(transport, "udp")
            real_port = port or self.profile.default_port_for(tr)
            return defer.succeed(
                Resolution((Target(tr, host.strip("[]"), real_port, None),), ttl=None)
            )
        hit = self.cached(host, port, transport, naptr_build)
        if hit is not None:
            return defer.succeed(hit)
        return self._resolve(host, port, transport, naptr_build)

    def fill(self, resolution: Resolution) -> Deferred[Resolution]:
        """
        C{resolution} with the addresses of its targets whose address lookup
        failed asked again (DNS-8, DNS-11: a failed lookup is retried, never
        cached as an answer), for when the phone needs them: every target it
        had has failed.  The answers join the resolution in its SRV order; it
        still expires when it would have (DNS-10: its chain is the one it
        was), and replaces it in the cache.  Fires with C{resolution} itself
        when nothing new was found.
        """
        # another request holding the same resolution already asked again and got
        # answers (the registration's failover a second before a call's INVITE gave the
        # primary up): those addresses are known, not asked for once more (DNS-10: kept
        # while the resolution lives; RTX-1: the INVITE moves on when its last interval
        # passed, not after a second lookup; explore seed 127 of round 6)
        later = self._filled.get(id(resolution))
        if later is not None and later[0] is resolution:
            resolution = later[1]
        else:
            resolution = self._filled_alike(resolution) or resolution
        if not resolution.missing:
            return defer.succeed(resolution)
        domain = next((t.name for t in resolution.targets if t.name), "")
        run = _Run(self, domain)
        plan = list(resolution.plan)
        return self._fill_next(None, run, resolution, plan, 0)

    def _filled_alike(self, resolution: Resolution) -> Resolution | None:
        """
        What asking again settled for another resolution of the same SRV set,
        lacking the same addresses (another request's lookup of the same
        server, run at the same time as this one's: two resolutions, one
        plan), while that answer lives (DNS-10).  Survey w7037 [3357], round
        24: the renewal's and a call's lookups both lost the primary's
        address; the REGISTER asked again and heard it at 54 s, and the
        INVITE, giving the secondary up at 57 s, asked once more and reached
        the primary a second after its last interval passed (RTX-1).  Both
        resolutions had expired by then (a 5 s NAPTR TTL), so the answers the
        first ask heard are what must still live (the primary's A, 120 s).
        """
        if not resolution.plan:
            return None
        now = self.clock.seconds()
        alike = [(filled, lives) for before, filled, lives in self._filled.values()
                 if before.plan == resolution.plan]
        if not alike:
            return None
        filled, lives = alike[-1]
        return filled if lives is None or now < lives else None

    def _fill_next(
        self, _: object, run: _Run, resolution: Resolution, plan: list[Planned], i: int
    ) -> Any:
        while i < len(plan):
            p = plan[i]
            i += 1
            if p.addresses is not None:
                continue
            d = run.addresses(p.host)

            def got(addrs: list[str], k: int = i - 1) -> None:
                plan[k] = replace(plan[k], addresses=tuple(addrs))

            return d.addCallbacks(got, lambda f: f.trap(_Fatal) and None).addCallback(
                self._fill_next, run, resolution, plan, i)
        domain = run.domain
        targets = _planned_targets(plan, domain)
        if targets == resolution.targets and tuple(plan) == resolution.plan:
            return resolution
        # (an answer of no address, NXDOMAIN, adds no target but settles which one is
        # the primary, DNS-8: kept too, or the next request took the primary for
        # unknown and registered there first, FO-5; survey 7002 of round 6)
        ttls = [t for t in (resolution.ttl, *run.ttls) if t is not None]
        filled = replace(resolution, targets=targets, plan=tuple(plan),
                         ttl=float(min(ttls)) if ttls else None)
        for key, cached in self._cache.items():
            if cached is resolution:
                self._cache[key] = filled
        self._filled[id(resolution)] = (resolution, filled,
                                        min(run.expiries) if run.expiries else None)
        return filled

    def _resolve(self, host: str, port: int, transport: int, naptr_build: int) -> Deferred[Any]:
        domain = _norm(host)
        run = _Run(self, domain)
        d: Deferred[Any]
        try:
            if port:
                # DNS-3 and RFC 3263 4.2: an explicit port -> A only.
                tr = TRANSPORT_CODES.get(transport, "udp")
                d = run.a_only(domain, port, tr)
            elif transport == 3:
                # DNS-2, DNS-4, DNS-5.
                d = run.naptr(domain, 1).addCallback(self._after_naptr, run, domain, naptr_build)
            else:
                tr = TRANSPORT_CODES[transport]
                d = run.srv(SRV_PREFIX[tr] + domain, tr).addCallback(
                    self._or_a_only, run, domain, tr
                )
        except Exception:
            return defer.fail()
        return d.addCallbacks(
            self._resolved,
            _located_error,
            callbackArgs=(run, domain, port, transport, naptr_build),
            errbackArgs=(domain,),
        )

    def _or_a_only(self, targets: list[Target], run: _Run, domain: str, tr: Transport) -> Any:
        """No SRV target: an A query on the domain, the transport's default port (DNS-9)."""
        if targets:
            return targets
        return run.a_only(domain, self.profile.default_port_for(tr), tr)

    def _after_naptr(
        self, found: list[Target] | None, run: _Run, domain: str, naptr_build: int
    ) -> Any:
        if found:
            return found
        # DNS-6 (no usable NAPTR, or none of its SRV sets had targets).
        order: list[Transport] = ["udp"] if naptr_build == 0 else ["tcp", "tls"]
        return self._built_srv(run, domain, order, 0)

    def _built_srv(self, run: _Run, domain: str, order: list[Transport], i: int) -> Any:
        """DNS-6: SRV for C{order[i:]} in turn, then A for the first transport."""
        if i < len(order):
            tr = order[i]
            return run.srv(SRV_PREFIX[tr] + domain, tr).addCallback(
                lambda targets: targets or self._built_srv(run, domain, order, i + 1)
            )
        tr = order[0]
        return run.a_only(domain, self.profile.default_port_for(tr), tr)

    def _resolved(
        self,
        targets: list[Target],
        run: _Run,
        domain: str,
        port: int,
        transport: int,
        naptr_build: int,
    ) -> Resolution:
        result = _dedupe(targets)
        if not result:
            reason = "nxdomain" if run.misses and run.misses[-1] == "nxdomain" else "empty"
            raise LocateError(domain, reason, "no target found")
        # DNS-10: the smallest TTL of the chain, counted from when that record
        # arrived (not from when the whole chain was complete).
        ttl = float(min(run.ttls)) if run.ttls else 0.0
        expires = min(run.expiries) if run.expiries else float(self.clock.seconds())
        plan = tuple(run.plan)
        if _planned_targets(plan, domain) != result:
            plan = ()  # (the targets did not come from that SRV set alone)
        resolution = Resolution(result, ttl=ttl, expires_at=expires, plan=plan)
        self._cache[(domain, port, transport, naptr_build)] = resolution
        return resolution


def _planned_targets(plan: Sequence[Planned], domain: str) -> tuple[Target, ...]:
    return _dedupe([Target(p.transport, a, p.port, domain)
                    for p in plan for a in p.addresses or ()])


def _located_error(failure: Failure, domain: str) -> Failure:
    """A failure that ended the run (L{_Fatal}) as the L{LocateError} callers see."""
    if failure.check(_Fatal):
        e = failure.value
        assert isinstance(e, _Fatal)
        raise LocateError(domain, e.reason, f"{e.qtype} {e.qname}: {e.detail}") from None
    return failure


class _QuietDatagramProtocol(dns.DNSDatagramProtocol):
    """
    The stock client protocol without the "Starting/Stopping protocol" log
    lines, and without decoding an answer again whose bytes after the ID it
    decoded before (L{harness.dns.messages}: every phone gets the same few
    answers; decoding them was the largest cost of a lookup).  Everything
    else is the stock C{_handleResponse}: the same pending-query match,
    address check, timeout cancel and callback; an undecodable datagram
    takes the stock path (which logs and drops it).
    """

    noisy = False

    def __init__(self, controller: Any, reactor: Any) -> None:
        # DNSMixin.__init__ without its C{self.id = random.randrange(...)}: a
        # draw from the process-wide RNG (four calls) per query for a legacy
        # attribute nothing reads; each message's ID comes from pickID
        # (C{dns.randomSource}, the world's RNG), as before.
        self.controller = controller
        self._reactor = reactor

    def _handleResponse(
        self,
        data: bytes,
        messageSource: object,
        notifyController: Callable[[dns.Message], None],
        validate: Callable[[dns.Message], bool] = lambda m: True,
    ) -> None:
        m = _ANSWERS.decode(data)
        if m is None:
            super()._handleResponse(data, messageSource, notifyController, validate)
            return
        if m.id in self.liveMessages:
            if not validate(m):
                return
            d, canceller = self.liveMessages.pop(m.id)
            canceller.cancel()
            d.callback(m)
        else:
            notifyController(m)

    def writeMessage(self, message: dns.Message, address: tuple[str, int]) -> None:
        """The stock C{writeMessage}, with the question's bytes from L{_query_bytes}."""
        self.transport.write(_query_bytes(message), address)


#: answers the phones' resolvers decoded (see L{_QuietDatagramProtocol})
_ANSWERS = Decoded()

#: the bytes after the ID of the questions the phones' resolvers sent, by what decides them
_QUESTIONS: dict[tuple[Any, ...], bytes] = {}
_QUESTIONS_MAX = 256


def _query_bytes(message: dns.Message) -> bytes:
    """
    C{message.toStr()} for a message of questions only: the bytes of an equal
    question sent before, behind this one's ID.

    Why: every phone asks the same few questions, differing only in the ID,
    and C{Message.toStr} (name labels, compression, struct packing) was about
    1.5 % of a short failover scenario; as the answers are kept by their
    bytes after the ID (L{_ANSWERS}), the questions are kept by the fields
    that decide those bytes.  Bounded: emptied when full.
    """
    if message.answers or message.authority or message.additional:
        return message.toStr()
    key = (
        message.answer, message.opCode, message.auth, message.trunc, message.recDes,
        message.recAv, message.authenticData, message.checkingDisabled, message.rCode,
        message.maxSize, tuple([(q.name.name, q.type, q.cls) for q in message.queries]),
    )
    tail = _QUESTIONS.get(key)
    if tail is not None:
        return message.id.to_bytes(2, "big") + tail
    data = message.toStr()
    if message.trunc == key[3]:  # (toStr set the truncation bit: not the usual question)
        if len(_QUESTIONS) >= _QUESTIONS_MAX:
            _QUESTIONS.clear()
        _QUESTIONS[key] = data[2:]
    return data


#: query types whose C{ResolverBase.lookup*} method is exactly
#: C{self._lookup(dns.domainString(name), dns.IN, type, timeout)} (none of them
#: overridden by C{client.Resolver}: see L{_QuietResolver.query})
_PLAIN_LOOKUPS = frozenset({dns.A, dns.AAAA, dns.SRV, dns.NAPTR, dns.CNAME})


class _QuietResolver(client.Resolver):
    """
    C{client.Resolver} whose per-query UDP protocol does not log: the stock
    resolver opens (and logs) a fresh port per query, which costs more than
    the query itself on the simulated network.  Same port choice, same
    C{dns.randomSource} draws, so traces are unchanged.
    """

    def __init__(
        self, *, servers: list[tuple[str, int]], reactor: Any, timeout: Sequence[int]
    ) -> None:
        # client.Resolver.__init__ for a list of servers (no resolv.conf: its
        # maybeParseConfig then does nothing), without ResolverBase.__init__:
        # that binds a dict of 24 methods per instance (2.6 KB per phone in a
        # big world, ~25 calls per world), which L{query} does not read (it
        # looks the method up by name); C{typeToMethod} stays the class's None.
        self._reactor = reactor
        self.timeout = timeout
        self.servers = servers
        self.resolv = None
        self.factory = client.DNSClientFactory(self, timeout)
        self.factory.noisy = False  # (client.Resolver: quiet by default)
        self.connections: list[Any] = []
        self.pending: list[Any] = []
        self._waiting: dict[Any, Any] = {}

    def query(self, query: dns.Query, timeout: Sequence[int] | None = None) -> Deferred[Any]:
        """
        C{ResolverBase.query} without the per-instance method table; for the
        types a locator asks (L{_PLAIN_LOOKUPS}) the C{_lookup} call their
        C{lookup*} method makes, made directly.

        Why: C{maybeDeferred}, the C{lookup*} method and its C{domainString}
        of a name that already is bytes were four calls per question around
        the one that does the work (C{client.Resolver._lookup} always returns
        a Deferred; an exception it raises becomes a failed one, as
        C{maybeDeferred} makes it).
        """
        qtype = query.type
        if qtype in _PLAIN_LOOKUPS:
            try:
                name = query.name.name
                if query.cls != dns.IN:
                    query = dns.Query(name, qtype, dns.IN)
                return self._ask((name, qtype, dns.IN), query, timeout)
            except BaseException:
                return defer.fail(Failure(captureVars=Deferred.debug))
        method = common.typeToMethod.get(qtype)
        if method is None:
            self._log.debug(
                "Query of unknown type {query.type} for {query.name.name!r}", query=query
            )
            return defer.maybeDeferred(self._lookup, query.name.name, dns.IN, query.type, timeout)
        return defer.maybeDeferred(getattr(self, method), query.name.name, timeout)

    def _lookup(self, name: bytes, cls: int, type: int, timeout: Any) -> Deferred[Any]:
        """The stock C{_lookup}, asked the lean way (L{_ask})."""
        return self._ask((name, type, cls), dns.Query(name, type, cls), timeout)

    def _ask(
        self, key: tuple[bytes, int, int], query: dns.Query, timeout: Sequence[int] | None
    ) -> Deferred[Any]:
        """
        C{client.Resolver._lookup} of C{query} (whose name, type and class
        are C{key}): a question already in flight is answered with it, as
        there; otherwise L{_UdpLookup} asks it.  A resolver without servers
        takes the stock path (which fails).
        """
        waiting = self._waiting.get(key)
        if waiting is not None:
            d: Deferred[Any] = Deferred()
            waiting.append(d)
            return d
        timeouts: Any = self.timeout if timeout is None else timeout  # (stock: a sequence)
        addresses = self.servers + list(self.dynServers)
        if not addresses:
            return client.Resolver._lookup(self, key[0], key[2], key[1], timeouts)
        self._waiting[key] = []
        return _UdpLookup(self, key, [query], timeouts, addresses).result

    def _connectedProtocol(self, interface: str = "") -> _QuietDatagramProtocol:
        failures = 0
        proto = _QuietDatagramProtocol(self, reactor=self._reactor)
        while True:
            try:
                self._reactor.listenUDP(dns.randomSource(), proto, interface=interface)
            except ierror.CannotListenError as e:
                failures += 1
                if getattr(e.socketError, "errno", None) == errno.EMFILE or failures >= 1000:
                    raise
            else:
                return proto


#: C{isIPv6Address}, kept by host: it tells an IPv4 server's address by an
#: C{inet_pton} that raises (an exception per query, on every query's path);
#: a pure function of the string, and a phone asks one or two servers
_is_ipv6 = functools.lru_cache(maxsize=64)(isIPv6Address)


class _UdpLookup:
    """
    One question asked over UDP exactly as C{client.Resolver._lookup} asks it
    (C{queryUDP}, C{_query}, C{_reissue}, C{filterAnswers}, the waiters'
    C{cbResult}), without the Deferred chain between those steps.

    Why: on the simulated network the stock path's layers (a second
    C{dns.Query} of the question, a per-try Deferred with four callbacks, the
    protocol's C{query} and C{_query} wrappers) were about a third of the
    phone's side of a DNS round trip.  Each try still gets a fresh
    L{_QuietDatagramProtocol} on a port drawn from C{dns.randomSource}, an ID
    from its C{pickID} (the same ID again on a retry, as C{_reissue} does), the
    same message bytes, the same timeout timer scheduled after the send, and
    the stock protocol's response matching and address check: the object
    stands in the protocol's C{liveMessages} for the Deferred there, and its
    L{callback} and L{errback} run what the stock chain's callbacks ran, in
    the same order, so draws, timers and trace are unchanged.
    """

    __slots__ = ("key", "left", "proto", "queries", "resolver", "result", "timeouts", "used")

    def __init__(
        self,
        resolver: _QuietResolver,
        key: tuple[bytes, int, int],
        queries: list[dns.Query],
        timeouts: Sequence[int],
        addresses: list[tuple[str, int]],
    ) -> None:
        self.resolver = resolver
        self.key = key
        self.queries = queries
        self.timeouts = timeouts
        self.result: Deferred[Any] = Deferred()
        # (queryUDP: the servers in the order given)
        addresses.reverse()
        used = addresses.pop()
        self.left = addresses
        self.used = [used]
        self.proto: _QuietDatagramProtocol | None = None
        self._send(used, timeouts[0], None)

    def _send(self, address: tuple[str, int], timeout: float, id: int | None) -> None:
        """C{Resolver._query} and the protocol's C{query}: one try to C{address}."""
        if _is_ipv6(address[0]):
            proto = self.resolver._connectedProtocol(interface="::")
        else:
            proto = self.resolver._connectedProtocol()
        self.proto = proto
        if id is None:
            id = proto.pickID()
        else:
            proto.resends[id] = 1
        proto._addressValidation[id] = address
        m = dns.Message(id, recDes=1)
        m.queries = self.queries
        try:
            proto.writeMessage(m, address)
        except BaseException:
            self.errback(Failure())  # (DNSMixin._query's defer.fail(), then cbQueried)
            return
        cancel = proto._reactor.callLater(timeout, proto._clearFailed, self, id)
        live: dict[int, Any] = proto.liveMessages  # (this object for the Deferred there)
        live[id] = (self, cancel)

    def callback(self, message: dns.Message) -> None:
        """The answer to the try out (the protocol matched it): C{cbQueried}, C{filterAnswers}."""
        assert self.proto is not None
        self.proto.transport.stopListening()
        try:
            outcome = self.resolver.filterAnswers(message)
        except BaseException:
            outcome = Failure()
        if type(outcome) is not tuple and isinstance(outcome, Deferred):
            # (a truncated answer: asked again over TCP; Deferred's isinstance goes
            # through ABCMeta, so the usual tuple of sections is told apart first)
            outcome.addBoth(self._finish)
        else:
            self._finish(outcome)

    def errback(self, failure: Failure) -> None:
        """The try timed out (the protocol's C{_clearFailed}): C{cbQueried}, then L{_tried}."""
        assert self.proto is not None
        self.proto.transport.stopListening()
        self._tried(failure)

    def _tried(self, failure: Failure) -> None:
        """C{Resolver._reissue}: the next server, then the next timeout; a timeout failure."""
        timed_out = failure.value
        if not isinstance(timed_out, dns.DNSQueryTimeoutError):  # (its trap)
            self._finish(failure)
            return
        left, used, timeouts = self.left, self.used, self.timeouts
        if not left:
            left = used
            left.reverse()
            used = []
            timeouts = timeouts[1:]
        if not timeouts:
            self._finish(Failure(defer.TimeoutError(self.queries)))
            return
        address = left.pop()
        used.append(address)
        self.left, self.used, self.timeouts = left, used, timeouts
        try:
            self._send(address, timeouts[0], timed_out.id)
        except BaseException:
            self._finish(Failure())

    def _finish(self, outcome: Any) -> None:
        """C{cbResult}: the questions that waited on this one first, then the asker."""
        for d in self.resolver._waiting.pop(self.key):
            d.callback(outcome)
        self.result.callback(outcome)


#: The phone resolver's retransmission schedule, seconds: it asks again after the
#: first wait and gives the question up after the last (DNS-11).  The checkers
#: read their resolver timings from it (C{checks_dns.DNS_GIVE_UP}, C{_FIRST_WAIT}).
DNS_TIMEOUTS: tuple[int, ...] = (1, 3)


def make_resolver(
    reactor: Any, dns_server: tuple[str, int], timeout: Sequence[int] = DNS_TIMEOUTS
) -> client.Resolver:
    """
    A C{client.Resolver} that asks only C{dns_server} on C{reactor}.

    Never the resolv.conf form: with it the resolver re-reads that file every 60 s
    forever (a simulated world never goes idle) and may ask the host's real
    servers.  C{timeout}: the retransmission schedule, seconds; after the
    last one the query fails with a timeout (DNS-11).
    """
    return _QuietResolver(servers=[dns_server], reactor=reactor, timeout=tuple(timeout))
