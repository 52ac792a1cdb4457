"""
Property-based exploration: run many generated worlds against a phone and
report every clause failure with the shrunk world as a ready-to-commit
scenario.

Why here and not only in the tests: C{sip-harness certify --explore N} lets a
user point the same search at the built-in phone or a defective variant, and a
counterexample is printed as fixture files plus its ladder, so a bug found by
search becomes a regression scenario by copy and paste.

The oracle (L{check_world}) is the clause checkers (L{harness.certify.checkers})
plus properties the clauses imply but no single checker states: liveness
(registered within a bound once a server is reachable), safety (never a
destination neither the configuration nor DNS names; in-dialog requests stay
where the dialog was set up; no request storm), the failback modes as
invariants over time, no internal phone error and no livelocked world.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hseed
from hypothesis import strategies as st

from harness.certify import wire
from harness.phone.defects import Defects
from harness.sip.message import ParseError, Request, Response
from harness.testbed import RunResult, Testbed
from harness.testing.hypothesis_trial import constants_pinned
from harness.testing.strategies import DNS_ADDRESS, World, ZoneSpec, worlds
from harness.trace.events import PacketEvent, SipEvent
from harness.trace.ladder import text_ladder

__all__ = [
    "MAX_STEPS",
    "ExploreResult",
    "Finding",
    "WorldRun",
    "check_world",
    "explore",
    "format_explore",
    "registration_bound",
    "run_world",
]

#: Events one world may run.  A generated world of at most ten virtual minutes
#: needs a few thousand; hitting the bound means the world livelocked (a timer
#: rescheduling itself without the clock moving).
MAX_STEPS = 50_000
#: Out-of-dialog client transactions one account may start per virtual minute.
STORM_TXNS_PER_MINUTE = 60


@dataclass
class WorldRun:
    """One world run: the testbed result plus what the runner saw."""

    world: World
    result: RunResult
    livelock: bool
    wall: float

    @property
    def trace(self) -> Any:
        return self.result.trace


def run_world(world: World, *, defects: Defects | None = None, seed: int | None = None) -> WorldRun:
    """
    Build, run and judge C{world} on the simulated network, bounded to
    L{MAX_STEPS} events (a livelock is reported, not waited out).
    """
    scenario = world.scenario()
    t0 = time.perf_counter()
    bed = Testbed(scenario, seed=seed, defects=defects)
    sim = bed.world
    assert sim is not None
    livelock = False
    with sim.deterministic_dns():
        bed.start()
        epoch = sim.seconds() - bed.now()
        reason = sim.run(until=epoch + scenario.duration, max_steps=MAX_STEPS)
        livelock = reason == "max_steps"
        bed.stop()
        result = bed.result()
    return WorldRun(world, result, livelock, time.perf_counter() - t0)


# -- the oracle ---------------------------------------------------------------------------


def registration_bound(world: World, profile: Any) -> float:
    """
    Seconds within which the judged account must hold a registration once
    every fault is lifted: a full retry interval (RTX-5), then one attempt
    through every target of both servers, each given up per RTX-1 after
    C{1 + retry_counts} sends on Timer A intervals, plus the probe interval in
    successive mode (FBK-S3) and a DNS timeout allowance.
    """
    acct = world.subject
    n1 = len(world.zone.hosts) + 1 if world.zone is not None else 1  # + a ghost target
    give1 = wire.give_up_delay(profile, "REGISTER", acct.retry_counts[0])
    give2 = wire.give_up_delay(profile, "REGISTER", acct.retry_counts[1])
    bound = profile.retry_interval + n1 * give1 + (give2 if acct.server2 else 0.0)
    if acct.server2 and acct.redundancy_type == 1:
        bound += acct.fallback_timeout
    # a drop-first fault is "lifted" when set, yet it bites the next COUNT requests:
    # over TCP/TLS (one send each) every one may cost a whole round, the retry
    # interval after it included (explore seed 20: two faults dropping one each)
    drops = sum(int(f.get("count", 1)) for f in world.faults if f["action"] == "drop-first")
    if drops > 1:
        bound += (drops - 1) * (profile.retry_interval + n1 * give1)
    return bound + 2 * 4.0 + 1.0  # two DNS timeouts (1 s + 3 s), slack


def _tol(world: World) -> float:
    net = world.network
    return 2 * (net.get("latency", 0.005) + net.get("jitter", 0.0)) + 0.05


def _user(req: Request | Response) -> str | None:
    try:
        return req.from_.uri.user
    except (ParseError, ValueError, AttributeError):
        return None


def _healthy_from(world: World, trace: Any, facts: Any = None) -> float | None:
    """
    The time from which no fault is active any more (every C{until} passed,
    every fault lifted, every C{drop-first} done dropping), or C{None} if
    some fault lasts to the end or changes the zone for good.
    """
    last = 0.0
    for f in world.faults:
        if f["action"] in ("set-record", "remove-record"):
            return None
        if f["action"] == "set-ttl":
            continue
        if f["action"] == "drop-first":
            # armed when set, it bites the next COUNT requests, which may come much
            # later (explore seed 33 of round 3: a renewal 14 s after the fault was set,
            # dropped, retried 30 s later): healthy once the last of them arrived
            last = max(last, float(f["at"]), _last_dropped(f, trace, facts, world.faults))
            continue
        until = f.get("until")
        if until is None or until >= world.duration:
            return None
        last = max(last, float(until))
    return last


#: Request-level fault actions: on one server the newest matching one decides
#: (L{harness.servers.faults.RequestFaults.decide}).
_REQUEST_ACTIONS = frozenset({"silence", "respond", "delay", "drop-first", "crash-mid"})


def _last_dropped(f: dict[str, Any], trace: Any, facts: Any,
                  faults: Iterable[dict[str, Any]] = ()) -> float:
    """
    When the last request a C{drop-first} fault C{f} dropped reached its
    server: the COUNT-th new request (method, Call-ID, CSeq) of a matching
    method from the fault's time on, or the last of fewer (nothing more came
    for it to drop: its effect on the phone ended there); 0 if none came, or
    without C{facts}.  A request that came while a newer request-level fault
    of C{faults} matching it was active on the same server (a C{silence}, say)
    was that fault's to decide, not C{f}'s: C{f} still holds its count
    (L{harness.servers.faults.RequestFaults}; survey 7007 [08] of round 9, a
    drop-first of three REGISTERs set at 40 s, a silence from 57 s to 297 s
    over it: the three REGISTERs after 297 s dropped).
    """
    if facts is None:
        return 0.0
    addr = next((s.address for s in facts.servers if s.role == f["target"]), None)
    methods = set(f.get("methods") or ())
    order = list(faults)
    mine = next((i for i, g in enumerate(order) if g is f), -1)
    newer = [g for i, g in enumerate(order)
             if g["target"] == f["target"] and g["action"] in _REQUEST_ACTIONS
             and (float(g["at"]), i) > (float(f["at"]), mine)]
    # (a newer drop-first decides only while it still has requests to drop)
    ends = {id(g): (_last_dropped(g, trace, facts, order) if g["action"] == "drop-first"
                    else float(g.get("until", math.inf))) for g in newer}

    def masked(method: str, t: float) -> bool:
        return any((not g.get("methods") or method in g["methods"])
                   and float(g["at"]) <= t
                   and (t <= ends[id(g)] if g["action"] == "drop-first" else t < ends[id(g)])
                   for g in newer)

    seen: set[tuple[str, str, str]] = set()
    last = 0.0
    for e in trace.events:
        if not (isinstance(e, SipEvent) and e.observer == addr and e.direction == "in"
                and isinstance(e.message, Request) and e.t >= float(f["at"])):
            continue
        req = e.message
        if req.method == "ACK" or (methods and req.method not in methods):
            continue  # (an ACK starts no server transaction)
        if newer and masked(req.method, e.t):
            continue
        try:
            key = (req.method, req.call_id, str(req.headers.get("CSeq")))
        except (ParseError, ValueError):
            continue
        if key not in seen:
            seen.add(key)
            last = float(e.t)
            if len(seen) >= int(f.get("count", 1)):
                return last
    return last


def _registered_at(txns: list[wire.Txn], user: str, t: float) -> bool:
    for x in txns:
        if x.method != "REGISTER" or not x.ok or x.final_t is None or x.final_t > t:
            continue
        if _user(x.request) != user:
            continue
        expires = wire.asked_expires(x.request) or 0
        assert x.final is not None
        granted = _granted(x.final, expires)
        if granted > 0 and x.final_t + granted > t:
            return True
    return False


def _granted(resp: Response, asked: int) -> int:
    for value in resp.headers.get_all("Contact"):
        if "expires=" in value:
            v = value.split("expires=", 1)[1].split(";", 1)[0].strip().rstrip(">")
            if v.isdigit():
                return int(v)
    h = resp.headers.get("Expires")
    return int(h) if h and h.strip().isdigit() else asked


def check_world(run: WorldRun, *, clauses: Iterable[str] | None = None) -> list[str]:
    """
    Every property the run violates, one line each (empty: all hold).
    C{clauses} limits the checker verdicts considered (default: all).
    """
    world, result, trace = run.world, run.result, run.result.trace
    facts = result.facts
    problems: list[str] = []
    if run.livelock:
        problems.append(f"LIVELOCK: the world ran {MAX_STEPS} events without reaching its end")
    for err in result.phone_errors:
        problems.append(f"PHONE-ERROR: {err}")
    wanted = set(clauses) if clauses is not None else None
    for v in result.verdicts:
        if v.status == "fail" and (wanted is None or v.clause in wanted):
            problems.append(f"{v.clause}: {v.summary} (expected {v.expected}; saw {v.seen})")
    user = world.subject.user
    txns = wire.phone_transactions(trace, facts)
    mine = [t for t in txns if _user(t.request) == user]
    tol = _tol(world)

    # Safety: destinations.  Every address the phone sends to is named by the
    # configuration or by an A record the DNS served.
    named = {DNS_ADDRESS, world.subject.server1, world.subject.server2}
    named |= {a.server1 for a in world.extras}
    if world.zone is not None:
        named |= world.zone.addresses()
        for f in world.faults:
            if f["action"] == "set-record":
                named |= set(f["value"])
    phone = facts.phone
    for i, e in enumerate(trace.events):
        if isinstance(e, PacketEvent) and e.src[0] == phone and e.dst[0] not in named:
            problems.append(f"SAFETY-DEST: event {i}: the phone sent to {e.dst[0]}, "
                            f"which neither the configuration nor DNS names")
            break

    # Safety: in-dialog requests stay where the dialog was set up (FO-4).  The
    # dialog is where the first 2xx arrived: a 2xx that comes later from a target
    # the phone had already given up on (a server that only delayed its answer past
    # RTX-1's give-up) sets up nothing the phone took part in.
    # A request belongs to that dialog when it carries the 2xx's To tag (the ACK
    # for a non-2xx answer carries that answer's tag and goes with its INVITE).
    where: dict[str, str] = {}
    first_ok: dict[str, float] = {}
    tag_of: dict[str, str | None] = {}
    for t in mine:
        if t.method == "INVITE" and not t.in_dialog and t.ok and t.final_t is not None:
            if t.call_id not in first_ok or t.final_t < first_ok[t.call_id]:
                first_ok[t.call_id], where[t.call_id] = t.final_t, t.dst
                assert t.final is not None
                try:
                    tag_of[t.call_id] = t.final.to.tag
                except (ParseError, ValueError):
                    tag_of[t.call_id] = None
    for s in wire.phone_requests(trace, facts):
        req = s.request
        try:
            to_tag = req.to.tag
            in_dialog = to_tag is not None
            call_id = req.call_id
        except (ParseError, ValueError):
            continue
        if (
            in_dialog
            and _user(req) == user
            and call_id in where
            and to_tag == tag_of.get(call_id)
            and s.dst != where[call_id]
        ):
            problems.append(f"SAFETY-DIALOG: event {s.index}: in-dialog {req.method} went to "
                            f"{facts.role_of(s.dst)}, the dialog is at "
                            f"{facts.role_of(where[call_id])}")
            break

    # Safety: no storm of new transactions per virtual minute per account.
    per_user: dict[str, list[float]] = defaultdict(list)
    for t in txns:
        if not t.in_dialog and t.method != "ACK":
            u = _user(t.request)
            if u is not None:
                per_user[u].append(t.first)
    for u, times in per_user.items():
        times.sort()
        j = 0
        for i, t0 in enumerate(times):
            while times[j] < t0 - 60.0:
                j += 1
            if i - j + 1 > STORM_TXNS_PER_MINUTE:
                problems.append(f"STORM: account {u} started {i - j + 1} transactions in the "
                                f"minute before {t0:.1f} s")
                break

    # Liveness: registered within the bound once every fault is lifted.
    healthy = _healthy_from(world, trace, facts)
    if (
        healthy is not None
        and not world.network.get("loss")
        and world.subject.transport != 2
        and _resolvable(world)
    ):
        bound = registration_bound(world, facts.profile)
        deadline = healthy + bound
        if deadline <= world.duration and not _registered_at(mine, user, deadline):
            problems.append(f"LIVENESS: faults all lifted at {healthy:.1f} s but the account "
                            f"held no registration at {deadline:.1f} s (bound {bound:.1f} s)")

    problems += _failback_invariants(run, mine, tol)
    problems += _naptr_order(world, mine, {s.address for s in facts.targets})
    return problems


def _naptr_order(world: World, mine: list[wire.Txn], group1: set[str]) -> list[str]:
    """
    DNS-4 as a property: with transport 3 and port 0, the first request to
    server 1's targets (C{group1}; server 2, the fallback server, is
    configured apart) uses the transport of the lowest (order, pref) supported
    NAPTR record whose SRV set names a host.
    """
    z, a = world.zone, world.subject
    if z is None or a.transport != 3 or a.port1 != 0 or not z.naptr:
        return []
    if any(f["target"] == "dns" for f in world.faults):
        return []
    services = {"udp": "_sip._udp", "tcp": "_sip._tcp", "tls": "_sips._tcp"}
    usable = {s.service for s in z.srv if any(r[3] != "ghost" for r in s.records)}
    expected = None
    for transport in _naptr_transports(z):
        if services.get(transport) in usable:
            expected = transport
            break
    first = next((t for t in mine if t.method == "REGISTER" and t.dst in group1), None)
    if expected is None or first is None or first.transport == expected:
        return []
    return [f"DNS-ORDER: the first REGISTER used {first.transport}; the lowest-order "
            f"supported NAPTR record with targets is {expected} (DNS-4)"]


def _naptr_transports(z: ZoneSpec) -> list[str]:
    """
    The transports of the NAPTR records the locator may follow, lowest
    (order, pref) first.  Behind the zone's pointer record (empty flag,
    C{"SIP+D2U"}) the chain may only yield that service (the locator's
    reading of DNS-5, its service naming what lies down its path): records
    of other services there are skipped, and with none usable DNS-6 applies.
    Survey 7063 [7029, 7030] (round 31): the pointer led only to a
    C{SIPS+D2T} record; LIVENESS took the zone as resolvable and owed a
    registration the locator, rightly, could never reach.
    """
    return [t for _, _, _, t in sorted(z.naptr) if not z.naptr_indirect or t == "udp"]


def _resolvable(world: World) -> bool:
    """Whether server 1 resolves to some harness server in this zone (mini RFC 3263)."""
    z = world.zone
    a = world.subject
    if z is None:
        return True
    if not z.hosts:
        return False
    if a.port1 != 0:
        return z.domain_a
    names = {"udp": "_sip._udp", "tcp": "_sip._tcp", "tls": "_sips._tcp"}
    have = {s.service for s in z.srv}
    if a.transport == 3 and any(names.get(t) in have for t in _naptr_transports(z)):
        return True
    if a.transport == 3:
        wanted = ["_sip._udp"] if a.naptr_build == 0 else ["_sip._tcp", "_sips._tcp"]
    else:
        wanted = [names[{0: "udp", 1: "tcp", 2: "tls"}[a.transport]]]
    return any(w in have for w in wanted) or z.domain_a


def _passed_over(ctx: Any, chain: wire.Chain, t: wire.Txn) -> bool:
    """
    Whether C{t}'s answer, which may have reached the phone only after it gave
    C{t} up (L{Ctx.maybe_late}), was not taken: the phone moved on at once, at
    that give-up time, to another target of server 1 with the same request
    (RTX-1), as the checkers read a REGISTER's (round 7) or a call's INVITE's
    (survey 7006 [01] of round 11: TCP, 100 ms latency, a call's 180 and 200 at
    the primary lost and sent again as the phone gave the INVITE up and went to
    the secondary, which answered: a failover, the stay of FB-3 runs from it).
    """
    if not ctx.maybe_late(t):
        return False
    gave = t.started + ctx.give_up(t)
    return any(x.dst != t.dst and ctx.group(x.dst) == 1
               and gave - ctx.tol <= x.started <= gave + ctx.at_once
               for x in chain.txns[chain.txns.index(t) + 1:])


def _failback_invariants(run: WorldRun, mine: list[wire.Txn], tol: float) -> list[str]:
    """
    FB-0..FB-3Z as invariants over time, for server 1 of the judged account:
    after a failover to target S at time tf, where may each later new request
    start?
    """
    world, facts = run.world, run.result.facts
    if any(f["action"] in ("set-record", "remove-record") for f in world.faults):
        return []
    primary = facts.primary.address if facts.primary else None
    group1 = {s.address for s in facts.targets}
    if primary is None or len(group1) < 2:
        return []
    acct = world.subject
    mode = acct.failback_mode[0]
    timeout = acct.failback_timeout[0]
    # attempts, not only transactions: a connection refused before any SIP went
    # over it (RTX-2) is the request's try at that server
    user = world.subject.user
    ctx = _ctx(run)
    tries = [t for t in ctx.attempts if _user(t.request) == user]
    # (by rounds through the target list, as the checkers read them: an RTX-5 retry
    # after every target failed is a new round, not the failed one going on; explore
    # seed 243 of dns-ip-literal, round 7: the retry begun at the secondary, the
    # primary's address lost, DNS-8, a failover from nothing; so is the retry after an
    # attempt that left the phone no target, the next one's address lost, DNS-8/DNS-11,
    # as L{Ctx.rounds} reads it since round 9: survey 7007 [01] of round 10, FB-3, a
    # renewal refused at the primary, the secondary's address lost, the retry 30 s later
    # at the secondary under the stay, no failover)
    alone = ctx._out_of_targets()
    chains = [
        r for c in wire.chains(run.result.trace, facts, tries)
        if not c.in_dialog and c.method != "ACK"
        for part in _retry_parts(c, facts, primary) for r in wire.rounds(part, facts, alone)
        if r.head.dst in group1
    ]
    min_ttl = _min_ttl(run)
    skip: list[tuple[float, float]] = []
    for x in mine:
        if (x.dst == primary and x.final is not None and x.final.status == 503
                and x.final_t is not None):  # (0.0 on a network without latency)
            ra = x.final.headers.get("Retry-After")
            if ra and ra.strip().isdigit():
                skip.append((x.final_t, x.final_t + int(ra.strip()) + tol))
    events: list[tuple[float, int, wire.Chain, str | None]] = []
    # (only server 1's targets: a request server 1 handed over to the fallback server,
    # FO-6, is no failover between its targets, whose failback the modes rule;
    # explore seed 26 of dns-ip-literal: a call's INVITE answered there)
    for c in chains:
        events.append((c.start, 1, c, None))
        ans = next((t for t in c.txns if t.answered and t.final_t is not None
                    and t.dst in group1 and not _passed_over(ctx, c, t)), None)
        if ans is not None and ans.final_t is not None:
            events.append((ans.final_t, 0, c, None))
        # the current server itself failing a new request ends the stay: the phone moves
        # on down its list, and once every target failed RTX-5 retries from its top (as
        # the FB-* checkers read it, FB-3Z's "until the current server itself fails";
        # explore seed 143 of dns-ip-literal, round 5: failback_mode 1, a call's INVITE
        # failed over to the secondary, FO-5's REGISTER there answered, the INVITE
        # silenced there too; the registration's retry 30 s later began at the primary)
        fails = [done for x in c.txns
                 if x.dst in group1 and (done := wire.failed_at(x, facts)) is not None]
        for x in c.txns:
            if x.dst in group1 and (done := wire.failed_at(x, facts)) is not None:
                events.append((done, -1, c, x.dst))
        if c.method == "REGISTER" and fails and len(fails) == len(c.txns):
            # (a REGISTER round that failed at every target it tried: the registration's
            # own, its retry starts from the top, L{Slot.exhausted}, below)
            events.append((max(fails), -2, c, None))
    events.sort(key=lambda e: (e[0], e[1]))

    def for_failover(c: wire.Chain) -> bool:
        # register_on_enable 1: the REGISTER the phone sends to the next target before
        # a request failing over goes there is part of that failover (FO-5), not a new
        # request (explore seed 24 of dns-ip-literal)
        # (... and so is a chain whose answered attempt is FO-5's REGISTER for one target
        # whose request did not get through there, as the checkers read it
        # (L{Ctx.roe_unfollowed}), whatever the wire lent it before: survey w7037 [9581],
        # round 24, TLS, a call's refused connection to the primary in that chain too)
        head = c.head.dst
        if c.method == "REGISTER" and any(x.answered and ctx.roe_unfollowed(x)
                                          for x in c.txns):
            return True
        return bool(
            c.method == "REGISTER" and acct.register_on_enable[0] and head != primary
            and any(x.method not in ("REGISTER", "ACK", "CANCEL") and not x.in_dialog
                    and x.dst in group1 and x.dst != head
                    and (f := wire.failed_at(x, facts)) is not None
                    and abs(f - c.head.started) <= 4 * tol for x in tries))

    current: str | None = None
    tf = 0.0
    failed_over = False
    from_top = False
    out: list[str] = []
    for t, kind, c, lost in events:
        if kind == -2:
            from_top = from_top or not for_failover(c)
            continue
        if kind == -1:
            if lost == current:
                current = None
            continue
        if kind == 0:
            ans = next(x for x in c.txns if x.answered and x.dst in group1
                       and not _passed_over(ctx, c, x))
            if ans.dst != primary and (ans.late or wire.answer_not_taken(
                    ans, primary, tries, facts, wire.phone_lookups(run.result.trace, facts))):
                continue
            if ans.dst == primary:
                current, failed_over, from_top = None, False, False
            elif (c.head.dst == ans.dst and ans.dst != current
                  and all(x.dst == ans.dst for x in c.txns[:c.txns.index(ans)])
                  and primary in _unresolved_for(run, c, c.start)):
                # the lookup in use gave the primary no address (DNS-8, DNS-11): the
                # request started at the first target it had, no failover (explore seed
                # 154 of dns-ip-literal, round 5: a call's A answers for the primary
                # lost, its INVITE to the secondary; the next call's went to the primary)
                continue
            elif current is None and for_failover(c):
                # (... and its answer no failover either: the phone is on that server once
                # the request it was for gets through there, as the FB-* checkers read a
                # failover; survey 7017 [01], round 17: FB-1, a call's INVITE silenced at
                # the secondary after FO-5's REGISTER was answered there, the next call,
                # begun before that INVITE failed, at the primary)
                continue
            elif (current is None and c.head.dst == ans.dst
                  and all(x.dst == ans.dst for x in c.txns[:c.txns.index(ans)])):
                # (a request that began where it was answered, no other target failing
                # in it, failed over from nothing, as the FB-* checkers read a failover:
                # the RTX-5 retry after the current server itself failed a call's INVITE,
                # begun at that server as the stay from the failover before allowed, is
                # on it again under that failover's stay, not a new one; survey 7003
                # [06], round 7: FB-1, the stay from 2.3 s, the retry at 108.5 s answered
                # at the secondary, the next call at 166 s at the primary after the TTL)
                # (... the stay of a failover since the phone was last on the primary, or
                # a request that got through there: a rejection of one begun there with no
                # such stay to resume put the phone on nothing, as the FB-* checkers read
                # a failover, a request begun at the primary; survey 7008 [02] of round 10:
                # FB-3, FO-5's REGISTER for a call's INVITE lost at the primary, 486 at the
                # secondary, the call lost, the RTX-5 retry 30 s later at the primary)
                if failed_over or ans.ok:
                    current = ans.dst
                continue
            elif ans.dst != current or any(x.dst != ans.dst
                                           for x in c.txns[:c.txns.index(ans)]):
                # (failing over again, to the same server, is a new failover: FB-3's
                # duration and FB-1's TTL start again; so is a chain that began at the
                # current server, moved on when it failed (FO-2) and came back to it
                # after another target failed too, an RTX-5 retry beginning at the
                # primary once the stay was over: explore seed 102 of dns-ip-literal,
                # round 5)
                current, tf, failed_over, from_top = ans.dst, t, True, False
            continue
        if current is None or t <= tf + tol:
            continue
        if from_top and c.method == "REGISTER" and c.head.dst == primary:
            # the registration's retry after a round of its own failed at every target
            # since the failover starts again from the top of the list (RTX-5: the stay
            # the current server's failure ended; the phone's L{Slot.exhausted}, round
            # 31, survey w7061 [7273]), whatever a call kept since (calls keep the stay):
            # w7048 [1044], FB-3, the renewal failing at the secondary and the primary,
            # a call answered at the secondary meanwhile, the retry at the primary.  One
            # at the current server instead is RTX-5's to fail, not this invariant's.
            continue
        head = c.head.dst
        if any(a <= t <= b for a, b in skip):
            continue
        if for_failover(c):
            continue
        stay = rule = None
        if mode == 0:
            stay, rule = False, "FB-0 newRequests: every new request tries the primary first"
        elif mode == 1 and min_ttl is not None and t < tf + min_ttl - tol:
            stay, rule = True, f"FB-1 DNSTTL: stay until the TTL ({min_ttl:g} s) expires"
        elif mode == 2:
            # (FO-5's REGISTER at the current server before a new request FB-2 keeps
            # there is that request's, as the FB-2 checker reads it: survey 7006 [02],
            # round 9, register_on_enable 1, a call kept on the secondary)
            stay = c.method != "REGISTER" or (
                current is not None and _registers_for_stay(_ctx(run), c, current))
            rule = "FB-2 registration: only a registration renewal tries the primary"
        elif mode == 3 and timeout == 0:
            stay, rule = True, "FB-3Z: stay until the current server fails"
        elif mode == 3 and t < tf + timeout - tol:
            stay, rule = True, f"FB-3 duration: stay for {timeout} s"
        elif mode == 3 and t > tf + timeout + tol:
            stay, rule = False, f"FB-3 duration: primary first after {timeout} s"
        if stay is None:
            continue
        if (stay and head != current and current not in _unresolved_for(run, c, t)
                # (FO-5's REGISTER there, failed or refused, was its attempt at the
                # current server; survey w7037 [1090], round 24: FB-3Z, the secondary's
                # 403 to it, the INVITE on to the primary)
                and _began_at(ctx, c) != current):
            # (a lookup that gave the current server no address, DNS-8/DNS-11, left it
            # no target: the request starts where that resolution says; explore seed 9
            # of dns-ip-literal)
            out.append(f"FAILBACK: {c.method} at {t:.3f} s started at {facts.role_of(head)} "
                       f"after the failover to {facts.role_of(current)} at {tf:.3f} s ({rule})")
            break
        # (FO-5's REGISTER ahead of it, failed at the primary the lookup in use did not
        # establish, was its attempt there, as FB-0 reads it: w7038 [7545], round 26)
        if (not stay and head != primary and primary not in _unresolved_for(run, c, t)
                and not _tried_on_shared_conn(run, c, primary)
                and _began_at(ctx, c) != primary):
            out.append(f"FAILBACK: {c.method} at {t:.3f} s started at {facts.role_of(head)}, "
                       f"not the primary ({rule})")
            break
    return out


def _retry_parts(chain: wire.Chain, facts: Any, primary: str) -> list[wire.Chain]:
    """
    C{chain} split where, after a pause of at least half the retry interval
    since the attempt before failed, an attempt went to the primary in a part
    that began elsewhere: RTX-5's retry from the top of the list (or a new
    request), whose rounds L{wire.rounds} splits off only at the chain's first
    server.  A chain may begin at the secondary: FO-5's REGISTER there for a
    call failing over (survey 7007 [07] of round 9: the RTX-5 retry at the
    primary 30 s later, then its failover to the secondary, read as a request
    begun at the secondary).
    """
    pause = facts.profile.retry_interval / 2
    out: list[wire.Chain] = []
    cur: list[wire.Txn] = []
    for x in chain.txns:
        if cur and x.dst == primary and cur[0].dst != primary:
            done = wire.failed_at(cur[-1], facts)
            if done is not None and x.first - done >= pause:
                out.append(wire.Chain(chain.method, chain.call_id, tuple(cur)))
                cur = []
        cur.append(x)
    if not out:
        return [chain]
    return [*out, wire.Chain(chain.method, chain.call_id, tuple(cur))]


def _ctx(run: WorldRun) -> Any:
    """
    The checkers' view of C{run} (L{harness.certify.checks_base.Ctx}), built
    once per run: the invariants that read the wire as a checker does share
    its cached views.
    """
    ctx = run.__dict__.get("_ctx")
    if ctx is None:
        from harness.certify.checks_base import Ctx

        ctx = run.__dict__["_ctx"] = Ctx(run.result.trace, run.result.facts)
    return ctx


def _registers_for_stay(ctx: Any, chain: wire.Chain, current: str) -> bool:
    from harness.certify.checks_fo import _registers_for_stay as for_stay

    return for_stay(ctx, chain, current)


def _began_at(ctx: Any, chain: wire.Chain) -> str:
    """
    Where new request C{chain} began, as the FB-* checkers read it: at the
    target of FO-5's REGISTER that failed or was refused just before it
    (L{harness.certify.checks_fo._began_at}), else at its first attempt's.
    """
    from harness.certify.checks_fo import _began_at as began_at

    return str(began_at(ctx, chain))


def _tried_on_shared_conn(run: WorldRun, c: wire.Chain, server: str) -> bool:
    """
    Whether request C{c}, begun elsewhere, had tried C{server} over a
    connection there that failed before any SIP went over it, just as C{c}
    began: the phone's one connection to C{server} for two requests due at
    once (a call's hang-up and a renewal), which the wire reading gives to the
    planned in-dialog request alone (L{wire.attempts}), leaving C{c} a chain
    begun at its next target (survey 7021 [05], round 19: FB-0, the renewal
    and the call's BYE due at one instant, their connection to the stopped
    primary refused, the renewal at the secondary at once, FO-2).
    """
    if c.method != "REGISTER":
        return False
    ctx = _ctx(run)
    tol = run.result.facts.tol
    return any(a.server == server and a.start <= c.head.started
               and abs(a.t - c.head.started) <= tol
               for a in wire.conn_attempts(ctx.trace, run.result.facts))


def _unresolved_for(run: WorldRun, c: wire.Chain, t: float) -> frozenset[str]:
    """
    Server 1's targets the lookup in use at C{t} gave no address for (its
    address query failed or was lost, DNS-8/DNS-11: no target then, so the
    request starts at the next one), plus those the lookup behind request
    C{c} gave up just before C{c} began (L{checks_dns.unresolved_for}: read
    question by question, a call's lookup interleaved with the registration's
    had the primary's address, the registration's had not; survey 7021 [02]).
    """
    from harness.certify.checks_dns import unresolved_for

    return unresolved_for(_ctx(run), c.head, t)


def _min_ttl(run: WorldRun) -> float | None:
    """The smallest TTL the DNS server ever served the phone (a lower bound of FB-1's)."""
    from harness.trace.events import DnsEvent

    ttls = [
        ttl
        for e in run.result.trace.events
        if isinstance(e, DnsEvent) and e.direction == "out"
        for ttl in e.ttls
    ]
    return float(min(ttls)) if ttls else None


# -- exploring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A property the phone violated, with the shrunk world."""

    problems: tuple[str, ...]
    world: World
    ladder: str

    def report(self) -> str:
        return (
            "\n".join(self.problems)
            + "\n\n"
            + self.world.fixture_text()
            + "\n# ---- ladder\n"
            + self.ladder
        )


@dataclass
class ExploreResult:
    """What L{explore} found and how fast it went."""

    phone: str
    examples: int = 0
    wall: float = 0.0
    virtual: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.wall if self.wall else 0.0

    @property
    def virtual_per_wall(self) -> float:
        return self.virtual / self.wall if self.wall else 0.0

    @property
    def passed(self) -> bool:
        return not self.findings


class _Found(AssertionError):
    pass


def describe_failure(run: WorldRun, problems: list[str]) -> str:
    """The note a failing example carries: problems, fixture files, ladder."""
    return Finding(tuple(problems), run.world, text_ladder(run.result.trace)).report()


def search_worlds(
    body: Callable[[World], None],
    n: int,
    *,
    seed: int,
    phases: Iterable[Phase],
    strategy: st.SearchStrategy[World] | None = None,
) -> None:
    """
    Hypothesis over generated worlds as the tools outside the test suite run
    it (L{explore}, and the survey's L{harness.testing.survey.survey} and
    C{shrink_world}): C{body} on up to C{n} worlds drawn with C{seed}, in
    C{phases}; no example database (a run is reproduced by its seed, not by
    a file left behind, and the same worlds wherever it runs: Hypothesis's
    local constants pinned, L{harness.testing.hypothesis_trial.pin_constants}),
    no deadline (a world's wall time says nothing about
    it), no health checks (a slow or filtered draw is the strategy's nature
    here, not a test's flaw).  An exception C{body} raises ends the search
    (after shrinking, with L{Phase.shrink}) and propagates.
    """

    @hseed(seed)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=list(phases),
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(strategy if strategy is not None else worlds())
    def probe(world: World) -> None:
        body(world)

    with constants_pinned():
        probe()


def explore(
    n: int,
    *,
    phone_defects: Iterable[str] | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    strategy: st.SearchStrategy[World] | None = None,
    shrink: bool = True,
) -> ExploreResult:
    """
    Run C{n} generated worlds (Hypothesis, seeded by C{seed}) against the
    built-in phone, with C{phone_defects} if given; on the first violated
    property, shrink the world and record it as a L{Finding}.
    """
    names = tuple(phone_defects or ())
    defects = Defects.of(*names) if names else None
    out = ExploreResult(phone="builtin" + (f":defect={','.join(names)}" if names else ""))
    last: dict[str, Any] = {}
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    def probe(world: World) -> None:
        run = run_world(world, defects=defects)
        out.examples += 1
        out.virtual += world.duration
        if progress is not None:
            progress(out.examples, n)
        problems = check_world(run)
        if problems:
            last["run"], last["problems"] = run, problems
            raise _Found("\n".join(problems))

    started = time.perf_counter()
    try:
        search_worlds(probe, n, seed=seed, phases=phases, strategy=strategy)
    except _Found:
        run, problems = last["run"], last["problems"]
        out.findings.append(Finding(tuple(problems), run.world, text_ladder(run.result.trace)))
    out.wall = time.perf_counter() - started
    return out


def format_explore(result: ExploreResult) -> str:
    """A human-readable summary of an exploration, with any finding in full."""
    lines = [
        f"explored {result.examples} worlds against {result.phone} in {result.wall:.1f} s "
        f"({result.examples_per_second:.1f} worlds/s, "
        f"{result.virtual_per_wall:,.0f} virtual s per wall s)",
    ]
    if result.passed:
        lines.append("no property violated")
    for f in result.findings:
        lines.append("VIOLATED (shrunk world below):")
        lines.append(f.report())
    return "\n".join(lines) + "\n"

