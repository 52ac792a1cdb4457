"""
Checkers for FBK-* (fallback to server 2), TLS-1, STORM-1 and CFG-*.

Server 2's transactions are those at the server with role C{"fallback"};
"the working server" is any target of server 1.  Server 1 is I{down} for a
request when a chain tried all its targets and every attempt failed
(L{Ctx.exhausted}).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from harness.certify import wire
from harness.certify.checks_base import Ctx
from harness.certify.checks_dns import (
    DNS_GIVE_UP,
    DnsDown,
    _ended_without,
    in_flight,
    register_elsewhere,
    unresolved_targets,
)
from harness.certify.checks_fo import (
    _request_behind_roe,
    fallback_refused_at_once,
    fallback_register_in_flight,
    fallback_write_in_flight,
    registers_for_failover,
)
from harness.certify.checks_rtx import _closed_at_retry, _unread_records
from harness.certify.verdict import Verdict
from harness.sip.message import Request
from harness.trace.events import ConnEvent, PacketEvent, SipEvent

__all__ = ["CHECKS"]


def _fallback_guard(ctx: Ctx, c: str, rtype: int) -> Verdict | None:
    acct = ctx.facts.account
    if ctx.fallback is None or not acct.server(2).configured:
        return ctx.na(c, "no fallback server configured")
    if acct.redundancy_type != rtype:
        name = "concurrent" if rtype == 0 else "successive"
        return ctx.na(c, f"redundancy_type is {acct.redundancy_type}, not {rtype} ({name})")
    if not acct.enabled:
        return ctx.na(c, "the account is disabled")
    return None


def _on_fallback_at(ctx: Ctx, t: float) -> bool:
    """
    The phone held a registration at the fallback server at C{t}, or was on
    it while it refused (L{Ctx.on_refusing_fallback}).
    """
    fb = ctx.fallback
    return (any(r.dst == fb and r.t <= t <= r.t + r.granted for r in ctx.regs)
            or ctx.on_refusing_fallback(t))


def _exhaustions(ctx: Ctx, method: str | None = None) -> list[tuple[wire.Chain, float]]:
    out = []
    for ch in ctx.new_chains(1):
        if method is not None and ch.method != method:
            continue
        t = ctx.exhausted_at(ch)
        if t is not None:
            out.append((ch, t))
    return out


def _failed_connections(ctx: Ctx, group: int) -> list[wire.ConnAttempt]:
    """
    The phone's connections to servers of C{group} that failed before any SIP
    went over them (refused, reset, timed out, TLS never up, not established
    in time), away from a planned call's time: attempts to register there
    (RTX-2), even when nothing on the wire says which request each carried
    (L{wire.attempts} names one only from a request next to it).
    """
    out = []
    claimed: set[tuple[int, str]] = set()
    for a in wire.conn_attempts(ctx.trace, ctx.facts):
        if ctx.group(a.server) != group:
            continue
        # a planned call's INVITE opens one connection to each server it tries (RTX-2:
        # never the same target twice in a row): the first there in the call's moment;
        # another one then is the registration's (explore seed 66 of dns-ip-literal,
        # round 4: successive mode, every lookup of server 1 failing and the fallback
        # server stopped, its REGISTER's and the call's INVITE's connections refused)
        call = next((n for n, p in enumerate(ctx.facts.calls)
                     if p.at - ctx.tol <= a.start <= p.at + 1.0 + ctx.tol
                     and (n, a.server) not in claimed
                     and not _call_in_flight_elsewhere(ctx, p.at, a)), None)
        if call is not None and _call_went_to_fallback(ctx, ctx.facts.calls[call].at, a):
            call = None
        if call is not None:
            claimed.add((call, a.server))
            continue
        out.append(a)
    return out


def _call_in_flight_elsewhere(ctx: Ctx, placed: float, a: wire.ConnAttempt) -> bool:
    """
    Whether the INVITE of a call placed at C{placed} had already left the
    phone for another server before connection C{a} began, and was not given
    up by then: the call was trying that server, so C{a} is not its (RTX-2:
    one target at a time).  Survey 7006 (session 19): successive mode, on the
    fallback server, a call's INVITE there at 242.000 s and the probe's
    connection to the stopped working server refused at 242.004 s.
    """
    for x in ctx.txns:
        if (x.method != "INVITE" or x.in_dialog or x.dst == a.server
                or not placed - ctx.tol <= x.started < a.start - wire._SAME_INSTANT):
            continue
        done = ctx.failed_at(x)
        if done is None or done > a.start + ctx.tol:
            return True
    return False


def _call_went_to_fallback(ctx: Ctx, placed: float, a: wire.ConnAttempt) -> bool:
    """
    Whether the call placed at C{placed} had already tried the fallback server
    when connection C{a} to server 1 began: its INVITE there, or the first
    connection there in the call's moment (the INVITE's, RTX-2).  The fallback
    server is a call's last target (FBK-C2, FO-6): nothing follows it, so C{a}
    is not the call's but a REGISTER's (RTX-2), a probe's while on the fallback
    server (FBK-S3).  Survey 7040 [7695], round 26: successive mode, TLS, a call
    placed at 248 s refused by the flapping fallback server, the probe due at
    249 s refused by the stopped working server.
    """
    if ctx.group(a.server) != 1:
        return False
    window = (placed - ctx.tol, a.start - wire._SAME_INSTANT)
    return any(x.method == "INVITE" and not x.in_dialog and ctx.group(x.dst) == 2
               and window[0] <= x.started < window[1] for x in ctx.attempts) or any(
        ctx.group(c.server) == 2 and window[0] <= c.start < window[1]
        for c in ctx.conn_attempts)


def _unnamed_register_conns(ctx: Ctx) -> list[wire.ConnAttempt]:
    """
    The phone's failed connections to server 1 that no REGISTER on the wire
    names (L{wire.attempts} names one only from a request next to it: the
    call's INVITE that went to the fallback server next names them all, and
    one with nothing after it is named by none), other than a planned call's
    (L{_failed_connections}: its first to each server) or its hang-up's or
    re-INVITE's: REGISTER tries (RTX-2).

    A planned BYE or re-INVITE claims the first failed connection to its
    dialog's server begun in the second after it fell due (L{_hang_up_claims},
    the reading L{wire.attempts} leaves such a connection unnamed by): the
    phone sends those on the call's plan (FO-4), whatever server it is
    registered at.  Survey 7028 [01], round 21: successive mode, TLS, on the
    fallback server, the call's re-INVITE at 68.2 s refused by the flapping
    primary, read as a probe 6 s after the fallback.
    """
    named = {(x.dst, x.conn_failure.phone_port) for x in ctx.attempts
             if x.method == "REGISTER" and x.conn_failure is not None}
    in_dialog = ctx.hang_up_claims
    return [a for a in _failed_connections(ctx, 1)
            if (a.server, a.phone_port) not in named and not _hang_up_conn(ctx, a)
            and a.index not in in_dialog]


def _opening_after(ctx: Ctx, group: int, t: float) -> tuple[int, float] | None:
    """
    The first SYN (trace index, time) the phone sent to a server of C{group}
    after C{t} on a connection that never carried SIP and never failed in the
    run (still being opened when it ended), away from a planned call's time.
    """
    failed = {(a.server, a.phone_port) for a in ctx.conn_attempts}
    used = {(x.dst, s.sport) for x in ctx.txns if x.on_wire for s in x.sends}
    for i, e in ctx.trace.indexed(PacketEvent):
        if (e.proto == "tcp" and "S" in e.flags and "A" not in e.flags
                and e.t > t + ctx.tol and ctx.group(e.dst[0]) == group
                and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone)
                and (e.dst[0], e.src[1]) not in failed and (e.dst[0], e.src[1]) not in used
                and not ctx.at_call_moment(e.t)):
            return i, e.t
    return None


def _hang_up_conn(ctx: Ctx, a: wire.ConnAttempt) -> bool:
    """
    Whether failed connection C{a} began when a planned call through its server
    was due to be hung up (the call's C{duration} after it came up): the BYE's
    connection, not a REGISTER's.
    """
    for d in ctx.dialogs:
        if d.dst != a.server:
            continue
        by = d.invite.first + ctx.tol
        latest = ctx.last_call_planned(by)
        if latest is None:
            continue
        # (calls placed at the same time: each dialog owes what any of them plans, as
        # wire._planned_in_dialog reads it)
        plans = [p for p in ctx.facts.calls if p.at <= by]
        if any(p.at >= latest - ctx.tol and p.duration is not None
               and abs(a.start - (d.established + p.duration)) <= 2 * ctx.tol
               for p in plans):
            return True
    return False


def _still_opening(ctx: Ctx, group: int) -> list[tuple[int, float]]:
    """
    The phone's connections to servers of C{group} (an address DNS moved a
    name of server 1 to included, DNS-8) still being opened when the run
    ended, away from a planned call's time: every SYN unanswered, no SIP over
    them, RTX-1's give-up time not yet reached (L{wire.conn_attempts} leaves
    them out).  Each is an attempt under way, by (trace index of its first SYN,
    its time).

    So is one opened whose records never reached the server: no server read
    SIP over it, none of the phone's segments were readable (a TLS record: the
    trace shows no payload, so L{wire.phone_requests} cannot name its request,
    as a plain TCP one's it can), and the phone's last segment on it before
    the run ended was lost, its transport still sending it again (RTX-2).
    Survey w7073 [8951], round 33: TLS, 5 % loss, the working server's
    give-up at 59.52 s, the fallback server's handshake done at 59.54 s, the
    phone's segment then lost twice, the run over at 60 s.
    """
    phone = ctx.facts.phone
    known = {(a.server, a.phone_port) for a in wire.conn_attempts(ctx.trace, ctx.facts)}
    first: dict[tuple[str, int], tuple[int, float]] = {}
    answered: set[tuple[str, int]] = set()  # the server's segments reached the phone
    readable: set[tuple[str, int]] = set()  # a payload the wire parses (plain TCP)
    read: set[tuple[str, int]] = set()  # a server read SIP over it
    lost_last: dict[tuple[str, int], bool] = {}  # the phone's last record on it lost
    for i, e in ctx.trace.indexed(PacketEvent, SipEvent):
        if isinstance(e, SipEvent):
            if e.direction == "in" and e.remote[0] == phone and e.transport != "udp":
                read.add((e.observer, e.remote[1]))
            continue
        if e.proto != "tcp":
            continue
        if e.src[0] == phone:
            key = (e.dst[0], e.src[1])
            if "S" in e.flags and "A" not in e.flags and ctx.group(e.dst[0]) == group:
                first.setdefault(key, (i, e.t))
            elif e.payload:
                readable.add(key)
            elif not e.flags and e.t < ctx.facts.duration:
                lost_last[key] = e.fate != "delivered"
        elif e.dst[0] == phone and e.fate == "delivered":
            answered.add((e.src[0], e.dst[1]))
    return [(i, t) for key, (i, t) in first.items()
            if key not in known and key not in readable and key not in read
            and (key not in answered or lost_last.get(key, False))
            and not ctx.at_call_moment(t)]


def _renewal_on_hang_up_conn(ctx: Ctx) -> list[tuple[float, wire.ConnAttempt]]:
    """
    Failures of server 1 on a connection begun at a planned call's hang-up
    time (L{_hang_up_conn}: the BYE's, FO-4) that the registration's renewal
    shared: the renewal was due (REG-2: the last half of a registration held
    at server 1 had begun), the connection's server was the only target of
    server 1 with an address (DNS-8), and the phone's REGISTER went to the
    fallback server at once after it failed.  A pending connection serves
    every request waiting for its server (as RTX-5 reads it): server 1 failed
    the renewal then (FBK-S1, FBK-S2, FBK-S3), though L{wire.attempts} names
    the connection the BYE's alone.  Explore survey 7002 [10] (round 6):
    TCP, the primary stopped, the renewal and the hang-up both due at 30.05 s.
    So did one the renewal opened itself, which no request on the wire names
    (L{wire.attempts}).  By (time server 1 failed, the connection).
    """
    if not ctx.conn_attempts:
        return []  # (no failed connection: most runs; FBK-S1/S2/S3 each ask)
    fb = ctx.fallback
    claimed = {(x.dst, x.conn_failure.phone_port) for x in ctx.attempts
               if not x.on_wire and x.conn_failure is not None}
    planned = ctx.planned_in_dialog
    registering = {a.index for a in _failed_connections(ctx, 1)}
    out = []
    for a in ctx.conn_attempts:
        if ctx.group(a.server) != 1 or (a.server, a.phone_port) in claimed:
            continue
        # (or the renewal's own connection, which nothing on the wire names: no call's
        # placement's, no planned re-INVITE's or BYE's; explore seed 254 of
        # dns-ip-literal, round 7: TCP, the primary flapping down during a call, its
        # re-INVITE's connection refused at 59.5 s, the renewal's at 60.04 s, the
        # REGISTER to the fallback server at once)
        # (a planned re-INVITE's connection pending as the renewal fell due is shared as
        # the BYE's is: survey 7017 [05], round 17, TCP, the primary flapping down
        # mid-call, the re-INVITE's SYN at 47.2 s refused at 47.4 s, the renewal due at
        # 47.3 s, the REGISTER to the fallback server at once)
        in_dialog = any(dst == a.server and abs(a.start - t) <= 2 * ctx.tol
                        for dst, t in planned)
        if not _hang_up_conn(ctx, a) and not in_dialog and a.index not in registering:
            continue
        wanted = {s.address for s in ctx.facts.targets} - unresolved_targets(ctx, a.start)
        if not wanted <= {a.server}:
            continue
        if not any(ctx.group(r.dst) == 1
                   and r.t + r.granted / 2 - ctx.tol <= a.start <= r.t + r.granted + ctx.tol
                   for r in ctx.regs):
            continue
        if any(x.method == "REGISTER" and x.dst == fb
               and a.t - ctx.tol <= x.started <= a.t + ctx.at_once for x in ctx.attempts):
            out.append((a.t, a))
    return out


def _renewal_lost_at_close(ctx: Ctx) -> list[float]:
    """
    Failures of server 1 when the registration's renewal, written onto the TLS
    connection to its only target with an address just as that server closed
    it (L{_unread_records}: a record the server never read), was lost with it:
    the renewal was due (REG-2: the last half of a registration held at server
    1 had begun) and the phone's REGISTER went to the fallback server at once
    (RTX-2: the connection failing fails the target, as the readings take a
    request written onto a closing connection).  No request on the wire names
    it; the phone's renewal is the one that failed there.  Explore seed 284 of
    dns-ip-literal, round 8: no latency, the primary stopped at the renewal's
    due time, the fallback REGISTER in the same instant.  (Times server 1
    failed.)
    """
    fb = ctx.fallback
    out = []
    for t in _unread_records(ctx, -math.inf, ctx.end, 1) + _closed_at_renewal(ctx):
        wanted = {s.address for s in ctx.facts.targets} - unresolved_targets(ctx, t)
        if len(wanted) > 1:
            continue
        if not any(ctx.group(r.dst) == 1
                   and r.t + r.granted / 2 - ctx.tol <= t <= r.t + r.granted + ctx.tol
                   for r in ctx.regs):
            continue
        if any(x.method == "REGISTER" and x.dst == fb
               and t - ctx.tol <= x.started <= t + ctx.at_once for x in ctx.attempts):
            out.append(t)
    return out


def _closed_at_renewal(ctx: Ctx) -> list[float]:
    """
    When a server of group 1 closed its TCP connection with the phone (its idle
    close) at the very time the profile's renewal (REG-2, L{Profile.renewal_delay})
    of a registration there fell due: the renewal crossed the close, written onto
    a connection the phone's stack had just seen closed, and nothing of it reached
    the wire, as a TLS record the server never read did (L{_unread_records}).
    Survey 7016 [05], round 16: TCP, no latency, C{expires} 240, the renewal due at
    180 s as the primary closed the connection idle since 0 s.
    """
    out = []
    for _, e in ctx.trace.indexed(ConnEvent):
        if (e.what != "close" or e.transport != "tcp" or e.local[0] != e.observer
                or ctx.group(e.local[0]) != 1
                or (ctx.facts.phone is not None and e.remote[0] != ctx.facts.phone)):
            continue
        if any(r.dst == e.local[0]
               and abs(r.t + ctx.profile.renewal_delay(r.granted) - e.t) <= ctx.tol
               for r in ctx.regs):
            out.append(e.t)
    return out


def _try_start(x: wire.Txn | wire.ConnAttempt, first: bool = False) -> float:
    """When a try began (L{wire.Txn.started}, or its C{first} send)."""
    if isinstance(x, wire.ConnAttempt):
        return x.start
    return x.first if first else x.started


def _try_failed_at(ctx: Ctx, x: wire.Txn | wire.ConnAttempt) -> float | None:
    return x.t if isinstance(x, wire.ConnAttempt) else ctx.failed_at(x)


def _try_describe(x: wire.Txn | wire.ConnAttempt) -> str:
    if isinstance(x, wire.ConnAttempt):
        return f"{x.transport} connection to {x.server} {x.what} at {x.t:.3f}, no SIP sent"
    return x.describe()


def _ended_at(ctx: Ctx, x: wire.Txn) -> float:
    """When an attempt was answered or failed; C{-inf} if never (the run ended first)."""
    end = ctx.failed_at(x)
    end = end if end is not None else x.final_t
    return end if end is not None else float("-inf")


# -- concurrent ---------------------------------------------------------------------------


def fbk_c1(ctx: Ctx) -> Verdict:
    c = "FBK-C1"
    guard = _fallback_guard(ctx, c, 0)
    if guard:
        return guard
    fb = ctx.fallback
    # (a 2xx that reached the phone after it had given that REGISTER up, RTX-1, a
    # server that only delays its answers, registered it nowhere: the phone retries,
    # RTX-5, and owes no renewal of it; explore seed 20 of dns-ip-literal, round 3)
    regs = [r for r in ctx.regs if not r.txn.late]
    regs_fb = [r for r in regs if r.dst == fb]
    sent_fb = [t for t in ctx.txns if t.method == "REGISTER" and t.dst == fb]
    tries_fb: list[wire.Txn | wire.ConnAttempt] = list(sent_fb)
    if not tries_fb:
        # a fallback server whose port is closed never gets SIP: the phone's refused
        # connections to it are its REGISTER attempts (RTX-2), even when no SIP at all
        # went out to say which request they carried
        tries_fb = [t for t in ctx.attempts if t.dst == fb and t.conn_failure is not None]
        tries_fb = tries_fb or [a for a in _failed_connections(ctx, 2) if a.server == fb]
    else:
        # so are they between REGISTERs that did reach it (a flapping fallback server,
        # refusing while down: explore seed 5 of dns-ip-literal)
        ended = {t.conn_failure for t in sent_fb if t.conn_failure is not None}
        tries_fb += [a for a in _failed_connections(ctx, 2)
                     if a.server == fb and a not in ended]
        tries_fb.sort(key=lambda x: _try_start(x, first=True))
    # (an attempt whose connection failed before any SIP went over it counts: RTX-2)
    sent_w = [t for t in ctx.attempts if t.method == "REGISTER" and ctx.group(t.dst) == 1]
    if not tries_fb:
        return ctx.failed(c, "concurrent mode: no REGISTER to the fallback server",
                          "REGISTER to both servers", "none to the fallback server")
    tried_w = _failed_connections(ctx, 1)
    # (REGISTERs to where the DNS moved server 1, no harness server there, are sent to
    # the working server all the same, DNS-8: explore seed 14 of dns-ip-literal)
    moved = [] if sent_w or ctx.dns_downs or tried_w else register_elsewhere(ctx)
    if not sent_w and not ctx.dns_downs and not tried_w and not moved:
        # (a failed lookup leaves nothing to send, DNS-11)
        return ctx.failed(c, "concurrent mode: no REGISTER to the working server",
                          "REGISTER to both servers", "none to the working server")
    # both registrations kept: each registration renewed before it expires
    ev = [*tries_fb[0].indexes, *(sent_w[0].indexes if sent_w else
                                 ctx.dns_downs[0].indexes if ctx.dns_downs else
                                 tried_w[0].indexes if tried_w else moved[:1])]
    grp1_primary = next((x.dst for x in ctx.attempts if x.method == "REGISTER"
                         and ctx.group(x.dst) == 1 and ctx.is_primary(x.dst)), None)
    for r in [*regs_fb, *[r for r in regs if ctx.group(r.dst) == 1]]:
        if r.t + r.granted + ctx.tol >= ctx.end:
            continue
        if _registered_nothing(ctx, r.txn, grp1_primary):
            continue  # nothing to refresh
        grp = ctx.group(r.dst)
        # a renewal whose connection failed before any SIP went over it was tried
        # (RTX-2): the server, not the phone, let the registration lapse
        nxt = next((t for t in ctx.attempts if t.method == "REGISTER"
                    and ctx.group(t.dst) == grp and t.first > r.t + ctx.tol), None)
        # so was one whose lookup of server 1's domain gave no address (DNS-11): while
        # DNS fails, that lookup is all of the renewal the wire can show
        lookup = next((d for d in ctx.dns_downs if grp == 1 and d.start > r.t + ctx.tol
                       and d.start <= r.t + r.granted + ctx.tol), None)
        if lookup is not None and (nxt is None or lookup.start < nxt.started):
            ev.extend(lookup.indexes[:1])
            continue
        # and one whose failed connection had no attempt after it to name its request
        # (wire.attempts leaves it out), other than a planned hang-up's (explore seed 8)
        conn = next((a for a in _failed_connections(ctx, grp or 0)
                     if a.start > r.t + ctx.tol and not _hang_up_conn(ctx, a)), None)
        if conn is not None and conn.start <= r.t + r.granted + ctx.tol and (
                nxt is None or conn.start < nxt.started):
            ev.append(conn.index)
            continue
        # and one whose connection was still being opened when the run ended, its SYNs
        # unanswered, RTX-1's give-up time not reached (explore seed 112 of
        # dns-ip-literal, round 5: the primary's name moved to a dead address, DNS-8,
        # retry_counts 9: the renewal's SYNs there from 30 s until the end at 60 s)
        opening = next((i for i, t in _still_opening(ctx, grp or 0)
                        if r.t + ctx.tol < t <= r.t + r.granted + ctx.tol
                        and (nxt is None or t < nxt.started)), None)
        if opening is not None:
            ev.append(opening)
            continue
        # and one that joined the connection a planned call's INVITE was opening to
        # that server, still being opened when the renewal fell due (REG-2's last half),
        # which then failed before any SIP went over it (RTX-2): the phone opens no
        # second connection to the same server (as checks_rtx._joined_opening reads a
        # renewal that went out on it), and its RTX-5 retry came a retry interval after
        # (survey 7002 [04], round 6: TLS, the call's SYN at 31 s lost, refused at 32 s,
        # the renewal due at 31.8 s, the retry at 62 s)
        # (or the one a planned call's BYE was opening at its hang-up, as round 6 reads a
        # renewal due then for FBK-S1: survey 7006 [08], round 9, TCP, 20 % loss, the
        # BYE's SYNs lost from 470.4 s, the renewal due at 473.2 s, both refused at
        # 473.5 s, the retry at 503.5 s)
        joined = next((a for a in ctx.conn_attempts if ctx.group(a.server) == grp
                       and a.server == r.dst
                       and (ctx.at_call_moment(a.start) or _hang_up_conn(ctx, a))
                       and r.t + ctx.tol < a.start <= r.t + r.granted + ctx.tol
                       and a.t >= r.t + r.granted / 2 - ctx.tol), None)
        if joined is not None:
            due = joined.t + ctx.profile.retry_interval
            slack = ctx.tol + ctx.profile.t1
            if ((nxt is None and due - slack > ctx.end)
                    or (nxt is not None and abs(nxt.started - due) <= slack)):
                ev.append(joined.index)
                continue
        # and one written onto the connection its server closed (or stopped) as it fell
        # due, lost with it (L{_renewal_lost_at_close}: a TLS record the server never
        # read, or a close at the profile's renewal time; survey 7016 [02], round 16:
        # TLS, no latency, the primary stopped at the renewal's due time, the RTX-5 retry
        # refused a retry interval later)
        lost = [t for t in _unread_records(ctx, r.t + ctx.tol, r.t + r.granted + ctx.tol, grp)
                + (_closed_at_renewal(ctx) if grp == 1 else [])
                if r.t + r.granted / 2 - ctx.tol <= t <= r.t + r.granted + ctx.tol]
        if lost and (nxt is None or min(lost) <= nxt.started):
            continue
        if nxt is None or nxt.started > r.t + r.granted + ctx.tol:
            return ctx.failed(c, f"registration at {ctx.name(r.dst)} not refreshed",
                              f"REGISTER before {r.t + r.granted:.3f} s",
                              nxt.describe() if nxt else "none", r.txn.indexes)
        ev.extend(nxt.indexes[:1])
    if not regs_fb:
        # The fallback server never accepted a REGISTER (down, or refusing): the phone
        # cannot be registered there, only keep trying (RTX-5 after each failed try).
        ri = ctx.profile.retry_interval
        for x in tries_fb:
            done = _try_failed_at(ctx, x)
            if done is None or done + ri + ctx.tol + ctx.profile.t1 >= ctx.end:
                continue  # refused, or the run ended before a retry was due
            again = next((y for y in tries_fb if _try_start(y, first=True)
                          > _try_start(x, first=True)), None)
            if again is None or _try_start(again) > done + ri + ctx.tol + ctx.profile.t1:
                # (a call's connection to the fallback server pending as the retry fell
                # due, begun at that instant or not yet decided then, was the retry's as
                # well, as RTX-5 reads it (and FBK-C3 for the working server); explore
                # seed 183 of dns-ip-literal, round 7, third find: the call's INVITE
                # failing over there at the retry's due time, both refused at once)
                due = done + ri
                shared = next((a for a in ctx.conn_attempts if a.server == fb
                               and a.start > done + ctx.tol
                               and (abs(a.start - due) <= wire._SAME_INSTANT
                                    or a.start < due < a.t)), None)
                if shared is not None:
                    ev.extend(shared.indexes[:1])
                    continue
                return ctx.failed(c, "the fallback server never answered and the phone "
                                     "stopped registering to it",
                                  f"REGISTER to the fallback server by {done + ri:.3f} s",
                                  _try_describe(again) if again else "none", x.indexes)
        return ctx.passed(c, "registered to the working server; the fallback server never "
                             "accepted a REGISTER and the phone kept trying",
                          [*ev, *(i for x in tries_fb for i in x.indexes[:1])])
    return ctx.passed(c, "registered to the working and the fallback server, both kept "
                         "refreshed", ev)


def fbk_c2(ctx: Ctx) -> Verdict:
    c = "FBK-C2"
    guard = _fallback_guard(ctx, c, 0)
    if guard:
        return guard
    fb = ctx.fallback
    cands = [(ch, t) for ch, t in _exhaustions(ctx, "INVITE")
             if any(x.final is None for x in ch.txns)]
    if not cands:
        return ctx.na(c, "no INVITE went unanswered by every target of the working server")
    ev: list[int] = []
    for ch, t_fail in cands:
        ev.extend(ch.indexes)
        for x in ch.txns:
            # RTX-1 at the working server: a silent attempt there got every send (an
            # attempt answered with a provisional stops retransmitting, RFC 3261 17.1.1.2)
            if x.final is None and ctx.group(x.dst) == 1 and not x.provisional:
                want = len(wire.send_offsets(ctx.profile, "INVITE", ctx.retry_counts(x.dst),
                                             x.transport))
                if len(x.sends) != want:
                    return ctx.failed(c, "INVITE not retried per RTX-1 at the working server",
                                      f"{want} sends", x.describe(), x.indexes)
        nxt = next((x for x in ctx.txns if x.method == "INVITE" and x.dst == fb
                    and x.call_id == ch.call_id), None)
        if nxt is None:
            refused = fallback_refused_at_once(ctx, t_fail)
            if refused is not None:
                ev.extend(refused.indexes)
                continue  # the connection for it was refused: the server is why
            written = fallback_write_in_flight(ctx, t_fail)
            if written is not None:
                ev.append(written)
                continue  # written at once; the network held it until the run ended
            if t_fail + 4 * ctx.tol < ctx.end:
                return ctx.failed(c, "the INVITE did not go to the fallback server",
                                  "INVITE to the fallback server, same Call-ID", "none",
                                  ch.indexes)
            continue
        ev.extend(nxt.indexes)
        if not nxt.ok or nxt.late or ctx.maybe_late(nxt):
            # refused, or never answered (a silent fallback server, or its 2xx lost on
            # the way), or answered only once the phone had given it up (RTX-1): the
            # call cannot complete, and the server, not the phone, is why
            continue
        dlg = next((d for d in ctx.dialogs if d.invite is nxt), None)
        ack = [r for r in (dlg.requests if dlg else ()) if r.method == "ACK"]
        if not ack and not ctx.ack_due(nxt):
            continue  # answered as the run ended: the ACK was still on its way
        if not ack or ack[0].dst != fb:
            return ctx.failed(c, "the call was not completed through the fallback server",
                              "ACK to the fallback server",
                              ack[0].describe() if ack else "none", nxt.indexes)
        ev.extend(ack[0].indexes)
    return ctx.passed(c, f"{len(cands)} call(s) completed through the fallback server", ev)


def _retry_rode(ctx: Ctx, t: float, before: float | None
                ) -> tuple[float, tuple[int, ...]] | None:
    """
    Where the RTX-5 retry due a retry interval after C{t} failed with nothing of
    its own on the wire (the next REGISTER there, if any, at C{before}): when
    that failure was, and the evidence.

    A call's connection to the working server pending as the retry fell due,
    begun at that instant or not yet decided then, was the retry's as well, as
    RTX-5 reads it: it failed with it, and the next is due a retry interval
    after that (explore seed 183 of dns-ip-literal, round 6: TCP, no latency, a
    call's SYN at 30.000 s, the retry due at 30.011 s, both refused at 30.011
    s).  The retry falling due as the working server closed the TLS connection
    it went over was lost with it (RTX-5's reading): the next is due a retry
    interval after the close (explore seed 117 of round 5, a flapping primary
    going down at each retry time).
    """
    ri = ctx.profile.retry_interval
    due = t + ri
    # (the registration's own failure just before, a lookup of server 1 that timed out,
    # DNS-11, nothing of it on the wire since: its retry fell due a retry interval after
    # the resolver gave up, between the lookup's last answer and that give-up's bound;
    # explore seed 403 of dns-ip-literal, round 12: the lookup at start timed out by
    # 4.01 s, a call's connection failing at 5.04 s, the retry riding the next call's
    # connection at 33-34.01 s)
    lookup = next((d for d in reversed(ctx.dns_downs)
                   if d.timed_out and d.end <= t + ctx.tol), None)
    own: tuple[float, float] | None = None
    if lookup is not None and not any(
            x.method == "REGISTER" and ctx.group(x.dst) == 1
            and lookup.start < x.started <= t + ctx.tol for x in ctx.attempts):
        own = (lookup.end + ri, lookup.latest + ri)
    # (the renewal of the registration at server 1 in force as it was found down, due
    # before the retry interval was up, stayed due then, FBK-C1/REG-2: the REGISTER
    # went then, riding a call's connection pending at that moment; survey 7022 [02],
    # round 20: TLS to plain TCP servers, the renewal due at 90.37 s over the 90 s
    # call's connections, the retry interval up at 92.7 s)
    reg = next((r for r in reversed(ctx.regs)
                if ctx.group(r.dst) == 1 and r.t <= t + ctx.tol), None)
    renew = (reg.t + ctx.profile.renewal_delay(reg.granted)) if reg is not None else None
    if renew is not None and not t + ctx.tol < renew < due:
        renew = None
    shared = next((a for a in ctx.conn_attempts
                   if ctx.group(a.server) == 1 and ctx.is_primary(a.server)
                   and a.start > t + ctx.tol
                   and (before is None or a.start < before - ctx.tol)
                   and (abs(a.start - due) <= wire._SAME_INSTANT
                        or a.start < due < a.t
                        or (renew is not None and a.start <= renew + ctx.tol
                            and renew < a.t)
                        or (own is not None and a.start <= own[1] and a.t >= own[0]))), None)
    if shared is not None:
        return shared.t, tuple(shared.indexes[:1])
    closed = _closed_at_retry(ctx, (due,), ctx.tol + ctx.profile.t1)
    if closed is not None and closed > t + ctx.tol:
        return closed, ()
    return None


def _went_on_over_pending(ctx: Ctx, t: float, tried: set[str]
                          ) -> wire.ConnAttempt | None:
    """
    The connection to a further target of server 1 (none of C{tried}) that the
    phone was already opening when a REGISTER round's last connection failed
    at C{t}, failing after it: the round went on to that target over it (a
    call's, RTX-2) and failed when it did.  Explore seed 403 of dns-ip-literal,
    round 12 [t12b's s403b]: TLS to plain TCP servers, the RTX-5 retry's
    connection to the primary reset at 34.03 s, the call's to the secondary,
    pending since 33.02 s, at 36.04 s; the next retry a retry interval after
    that.
    """
    return next((a for a in ctx.conn_attempts
                 if ctx.group(a.server) == 1 and a.server not in tried
                 and a.start <= t + ctx.tol and a.t > t + ctx.tol), None)


def _call_tried_working(ctx: Ctx, inv: wire.Txn) -> tuple[int, ...]:
    """
    The tries of the working server that the call of INVITE C{inv}, sent to
    the fallback server, made first and that failed with nothing of the
    INVITE on the wire (trace indexes; empty if none): the failed connection
    the call claimed (L{Ctx.call_claims}) and register_on_enable's REGISTER for
    a target that was refused (FO-5, L{Ctx.roe_registers}), begun from the
    call's placing until the INVITE left.  FBK-C3 asks new INVITEs to go to
    the working server once it answers again; the call went there first and
    the working server failed it, so the INVITE's handover to the fallback
    server is FBK-C2's (survey w7050 [6179], round 28: TCP, the primary
    flapping down, the call's connection there refused at 423.8 s, FO-5's
    REGISTER at the secondary answered 500, the INVITE then to the fallback).
    """
    placed = ctx.last_call_planned(inv.started + ctx.tol)
    if placed is None:
        return ()
    since, until = placed - ctx.tol, inv.started + ctx.tol
    out = [a.index for a in ctx.conn_attempts
           if a.index in ctx.call_claims and since <= a.start and a.t <= until]
    # (answered: its final response has a time, which may be 0.0 s, the run's start)
    out += [x.indexes[0] for x in ctx.txns
            if id(x) in ctx.roe_registers and ctx.group(x.dst) == 1 and x.answered
            and not x.ok and since <= x.started
            and x.final_t is not None and x.final_t <= until]
    return tuple(sorted(out))


def _lookup_at_end(ctx: Ctx, due: float) -> int | None:
    """
    The trace index of the first try of the phone's first DNS question asked
    at C{due} (within T1 and the tolerance, as RTX-5 reads a retry that is a
    query only) when the lookup it began was still under way as the run
    ended: its last question unheard and not yet given up (L{DNS_GIVE_UP}
    after its first try, DNS-11), or heard too late for a REGISTER to follow.
    A retry starts with resolving server 1 again; the run ending mid-lookup
    left its REGISTER unsent, not forgotten.  Survey w7052 [2080], round 29:
    the retry due at 58.48 s, its SRV query lost and asked again at 59.59 s,
    the second target's A query lost at 59.90 s, the run over at 60 s.
    """
    slack = ctx.tol + ctx.profile.t1
    asked = [x for x in ctx.questions if x.first >= due - slack]
    if not asked or asked[0].first > due + slack:
        return None
    last = asked[-1]
    if last.heard is None:
        if last.first + DNS_GIVE_UP < ctx.end:
            return None
    elif last.heard.answer is None or last.heard.answer.t + ctx.at_once < ctx.end:
        return None
    return asked[0].tries[0].index


def fbk_c3(ctx: Ctx) -> Verdict:
    c = "FBK-C3"
    guard = _fallback_guard(ctx, c, 0)
    if guard:
        return guard
    # (FO-5's REGISTER ahead of a call while the registration held is that call's
    # attempt at one target: the INVITE behind it moved on and its own round says
    # whether server 1 failed, L{_roe_while_registered}, as FBK-S2 reads it; survey
    # w7100 [925], round 38: a call's A query for the primary lost, its REGISTER to the
    # silent secondary given up at 231.60 s, the INVITE then to the primary, answered;
    # skipped only when that INVITE went to server 1 and did not fail: failed there,
    # server 1 failed as a whole when it did, ctx.failed_at; gone to the fallback
    # server, the chain stands as it is: review of round 38, probe p3)
    down: list[tuple[wire.Chain, float]] = []
    for ch, t in _exhaustions(ctx):
        if _roe_while_registered(ctx, ch, t):
            x = _request_behind_roe(ctx, ch, t)
            if x is None or ctx.group(x.dst) != 1:
                down.append((ch, t))  # (the call went on to the fallback server)
            elif x.failed:
                done = ctx.failed_at(x)  # (its round failed server 1 there)
                down.append((ch, t if done is None else done))
            continue
        down.append((ch, t))
    down.sort(key=lambda d: d[1])
    if not down:
        return ctx.na(c, "the working server never failed as a whole")
    ri = ctx.profile.retry_interval
    dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
    dns_out = [
        e.t for _, e in ctx.trace.indexed(PacketEvent)
        if e.proto == "udp" and e.dst[0] == dns_host and e.src[0] == ctx.facts.phone
    ]
    unnamed = _unnamed_register_conns(ctx)
    ev: list[int] = []
    for ch, t_fail in down[:1]:
        ev.extend(ch.indexes)
        # keep sending REGISTER to the working server until it answers
        t = t_fail
        back: float | None = None
        while True:
            # a REGISTER still being tried there at C{t} (a renewal sent while the
            # INVITE's attempts went unanswered) is the phone still sending it
            nxt = next((x for x in ctx.attempts if x.method == "REGISTER"
                        and ctx.group(x.dst) == 1 and x.first <= t + ctx.tol
                        and _ended_at(ctx, x) > t + ctx.tol), None)
            nxt = nxt or next((x for x in ctx.attempts if x.method == "REGISTER"
                               and ctx.group(x.dst) == 1 and x.first > t + ctx.tol), None)
            # a REGISTER there that was answered 2xx as the working server was found
            # down (a renewal, under way since before, failing over between its targets
            # as a call gave them up, or its 200 lost and the resend answered just after
            # the call's INVITE gave the server up): it is up again, the phone registered
            # (explore seed 70 of dns-ip-literal: the secondary silent to INVITEs only;
            # explore seed 413, round 11: the next REGISTER there the renewal that 2xx
            # set, 46 s on)
            if nxt is None or nxt.first > t + ctx.tol:
                up = next((x for x in ctx.attempts if x.method == "REGISTER"
                           and ctx.group(x.dst) == 1 and x.ok and x.final_t is not None
                           and t - ctx.tol <= x.final_t <= t + ctx.at_once), None)
                if up is not None:
                    ev.extend(up.indexes[:1])
                    back = up.final_t
                    break
            # a lookup of the working server's domain that gave no address was the phone
            # trying it (DNS-11: a failure of that server; the lookup is retried later):
            # while DNS fails, that lookup is all of the REGISTER the wire can show
            lookup = next((d for d in ctx.dns_downs if d.start > t + ctx.tol), None)
            # a retry whose connections failed before any SIP went over them while a
            # planned call's INVITE tried the same servers (its own connections beside
            # the call's, RTX-2): the wire names no request on them, the REGISTER was
            # tried (survey 7007 [01], round 9: TLS to plain TCP servers, the RTX-5
            # retry falling due as a call was placed; the next retry a retry interval
            # after the secondary reset the retry's connection)
            # (the next target's begun as the one before failed counts too)
            conn = next((a for a in unnamed if a.start > t + ctx.tol
                         or (a.start > t - ctx.tol and a.t > t + ctx.tol)), None)
            if conn is not None and (nxt is None or conn.start < nxt.first - ctx.tol) and (
                    lookup is None or conn.start < lookup.start - ctx.tol):
                began = min([conn.start] + [q for q in dns_out
                                            if t + ctx.tol < q <= conn.start])
                # (the retry rode a call's connection pending as it fell due, as for a
                # REGISTER on the wire below, `_retry_rode`; survey w7069 [3324], round 32:
                # TLS to plain ports, the retry due at 62.21 s over a call's connection to
                # the primary from 62.0 s, reset at 63.40 s, the secondary's next)
                rode = (_retry_rode(ctx, t, conn.start)
                        if began > t + ri + ctx.tol + ctx.profile.t1 else None)
                if rode is not None:
                    ev.extend(rode[1])
                    t = rode[0]
                    continue
                if began > t + ri + ctx.tol + ctx.profile.t1:
                    return ctx.failed(c, "REGISTER to the down working server not retried "
                                         "in time", f"REGISTER by {t + ri:.3f} s",
                                      _try_describe(conn), conn.indexes)
                ev.extend(conn.indexes[:1])
                t = conn.t
                went_on = _went_on_over_pending(ctx, t, {conn.server})
                if went_on is not None:
                    ev.extend(went_on.indexes[:1])
                    t = went_on.t
                continue
            if lookup is not None and (nxt is None or lookup.start < nxt.first - ctx.tol):
                # (its first query, even one the network or a dropping DNS server lost:
                # the resolver retries it a second later)
                began = min([lookup.start] + [q for q in dns_out
                                              if t + ctx.tol < q <= lookup.start])
                if began > t + ri + ctx.tol + ctx.profile.t1:
                    return ctx.failed(c, "REGISTER to the down working server not retried "
                                         "in time", f"REGISTER by {t + ri:.3f} s",
                                      lookup.describe(), lookup.indexes)
                ev.extend(lookup.indexes[:1])
                t = lookup.latest
                continue
            if nxt is None:
                # a connection the phone began there that the run ended before it was
                # decided (SYNs unanswered, RTX-1's time not up: wire.conn_attempts
                # leaves it out) was the REGISTER going out (RTX-2; explore seed 14)
                opening = _opening_after(ctx, 1, t)
                if opening is not None:
                    i_syn, t_syn = opening
                    # (it began with resolving server 1, as below: its first query, even
                    # one whose answer the network lost; survey 7019, round 20: 100 ms
                    # latency, the retry's lookup at 598.31 s, the A answer lost and asked
                    # again a second later, its SYN at 599.71 s when the run ended at 600)
                    began = min([t_syn] + [q for q in dns_out if t + ctx.tol < q <= t_syn])
                    if began > t + ri + ctx.tol + ctx.profile.t1:
                        return ctx.failed(c, "REGISTER to the down working server not "
                                             "retried in time", f"REGISTER by {t + ri:.3f} s",
                                          f"connection to the working server at {t_syn:.3f}",
                                          (i_syn,))
                    ev.append(i_syn)
                    break
                # (the retry due before the run ended rode a call's connection there, or
                # was lost with a closing TLS connection, as above: nothing of its own on
                # the wire, the next one due after the end; survey 7009 [02], round 11)
                rode = _retry_rode(ctx, t, None)
                if rode is not None:
                    ev.extend(rode[1])
                    t = rode[0]
                    continue
                resolving = _lookup_at_end(ctx, t + ri)
                if resolving is not None:
                    ev.append(resolving)
                    break
                if t + ri + ctx.tol + ctx.profile.t1 < ctx.end:
                    return ctx.failed(c, "the phone stopped sending REGISTER to the working "
                                         "server while it was down",
                                      f"REGISTER to the working server by {t + ri:.3f} s",
                                      "none", ch.indexes)
                break
            ev.extend(nxt.indexes[:1])
            # a retry starts with resolving server 1 again: its first query, even one the
            # network lost (the resolver retries it a second later), is when it started
            began = min([nxt.started] + [q for q in dns_out if t + ctx.tol < q <= nxt.first])
            if began > t + ri + ctx.tol + ctx.profile.t1:
                # (the retry rode a call's pending connection there, or was lost with a
                # closing TLS connection: `_retry_rode`)
                rode = _retry_rode(ctx, t, nxt.first)
                if rode is not None:
                    ev.extend(rode[1])
                    t = rode[0]
                    continue
                return ctx.failed(c, "REGISTER to the down working server not retried in time",
                                  f"REGISTER by {t + ri:.3f} s", nxt.describe(), nxt.indexes)
            chain = next((x for x in ctx.rounds if any(y is nxt for y in x.txns)), None)
            answered = [y for y in (chain.txns if chain else (nxt,)) if y.answered]
            if answered:
                back = answered[0].final_t
                break
            done = ctx.chain_failed_at(chain) if chain else ctx.failed_at(nxt)
            # always moves on, past an attempt still being tried at C{t} too
            t = max(done if done is not None else nxt.last, nxt.first, _ended_at(ctx, nxt))
            tried = chain.txns if chain else (nxt,)
            if not tried[-1].on_wire or tried[-1].conn_failure is not None:
                went_on = _went_on_over_pending(ctx, t, {x.dst for x in tried})
                if went_on is not None:
                    ev.extend(went_on.indexes[:1])
                    t = went_on.t
        if back is None:
            continue
        inv = next((x for x in ctx.rounds if x.method == "INVITE" and not x.in_dialog
                    and x.start > back + ctx.tol), None)
        if inv is not None:
            # the call's first INVITE is its lowest CSeq, not the first to reach a server
            # (RFC 3261 8.1.1.5): one to the working server whose connection the server
            # closed as it went out reached it after the fallback server's had left
            # (survey 7011 [07], round 13: TLS, the primary flapping down as the INVITE
            # was written, heard 2 ms after the phone had moved on)
            inv = min((x for x in ctx.rounds if x.method == "INVITE" and not x.in_dialog
                       and x.start > back + ctx.tol and x.head.call_id == inv.head.call_id),
                      key=lambda x: x.head.cseq)
            ev.extend(inv.head.indexes)
            # the lookup of the working server's domain for it gave no address (DNS-11: a
            # failure of server 1 as a whole, the fallback server takes over, FO-6): the
            # working server was down again, whatever it answered before (explore seed
            # 42 of dns-ip-literal: the A record's TTL ran out, the DNS server SERVFAILed)
            down_again = _down_again(ctx, back, inv)
            claimed = _call_tried_working(ctx, inv.head) if down_again is None else ()
            if down_again is not None:
                ev.extend(down_again.indexes)
            elif claimed:
                ev.extend(claimed)
            elif ctx.group(inv.head.dst) != 1:
                return ctx.failed(c, "the working server answered again, yet a new INVITE "
                                     "went to the fallback server",
                                  "INVITE to the working server", inv.head.describe(),
                                  inv.head.indexes)
    return ctx.passed(c, "REGISTER kept going to the down working server; new INVITEs went "
                         "back to it once it answered", ev)


def _down_again(ctx: Ctx, back: float, inv: wire.Chain) -> DnsDown | None:
    """
    The failed lookup of server 1 (DNS-11: a failure of server 1 as a whole,
    FO-6) that sent new INVITE C{inv} to the fallback server after the
    working server answered again at C{back}.  Either one begun after
    C{back}, the INVITE by its C{latest} (explore seed 42 of dns-ip-literal);
    or one begun before C{back} whose give-up, read question by question
    (L{_lookup_given_up}), came after C{back}, the INVITE leaving from
    C{ctx.tol} before that give-up to C{ctx.at_once} after it, with no answer
    giving one of server 1's addresses heard after C{back} by the INVITE
    (L{_address_heard}): the phone learnt of that failure only then and had
    no address that served it (survey w7087 [1910], round 37: a call's SRV
    question asked at 43 s while the retry was under way, its answers lost,
    the secondary's 200 at 45.21 s, the resolver giving up at 47 s and the
    INVITE to the fallback server then).  Not one given up before C{back}, an
    INVITE long after the give-up, or after an address was heard (review of
    round 37); nor one of more new calls' INVITEs to the fallback server in
    that instant than lookups that failed then (L{_fallback_invites_outnumber},
    the project's reading: one failed lookup sends one call there; second and
    third reviews of round 37); nor one whose INVITE left after a call placed
    after the give-up (L{_placed_by_give_up}: that call never waited on the
    lookup; third review of round 37).
    """
    started = inv.head.started
    for d in ctx.dns_downs:
        if d.start > inv.start:
            continue
        if back < d.start:
            if started <= d.latest + ctx.at_once:
                return d
            continue
        gave = _lookup_given_up(ctx, d)
        if (back < gave and gave - ctx.tol <= started <= gave + ctx.at_once
                and not _address_heard(ctx, back, started)
                and _placed_by_give_up(ctx, started, gave)
                and not _fallback_invites_outnumber(ctx, started)):
            return d
    return None


def _placed_by_give_up(ctx: Ctx, started: float, gave: float) -> bool:
    """
    Whether the latest call placed by the time a request left at C{started}
    was placed by the give-up C{gave} of a failed lookup (with C{ctx.tol}):
    a call placed after that lookup gave up never waited on it, so its
    INVITE is not what the failure sent to the fallback server (third review
    of round 37: a call placed 60 ms after another call's lookup failed,
    its INVITE to the fallback server on that failure).
    """
    placed = ctx.last_call_planned(started + ctx.tol)
    return (-1.0 if placed is None else placed) <= gave + ctx.tol


def _fallback_invites_outnumber(ctx: Ctx, started: float) -> bool:
    """
    Whether more new calls sent their INVITE to the fallback server in the
    moment of C{started} than lookups of server 1 failed then (L{DnsDown},
    given up as read by L{_lookup_given_up}).  The guide does not say it;
    the project reads it so (docs/readings.md, "One failed lookup sends one
    call to the fallback server"): the wire names no lookup's request, so
    two calls there on one failed lookup had one of them, for all the wire
    shows, not sent by a failure of its own (reviews of round 37).  A
    REGISTER retry's lookup moving on as a call's failed leaves one INVITE
    there, on one failed lookup: no excess.  A resolver that shares a
    question in flight between lookups (the built-in one does) can fail two
    calls on one question: such a phone fails here (a known limitation).
    """
    lo, hi = started - ctx.at_once, started + ctx.at_once
    calls = {x.head.call_id for x in ctx.rounds
             if x.method == "INVITE" and not x.in_dialog
             and ctx.facts.group_of(x.head.dst) == 2 and lo <= x.head.started <= hi}
    failed = sum(1 for d in ctx.dns_downs
                 if d.start <= hi and lo - ctx.tol <= _lookup_given_up(ctx, d) <= hi)
    return len(calls) > failed


def _lookup_given_up(ctx: Ctx, d: DnsDown) -> float:
    """
    When the phone's resolver gave failed lookup C{d} up, read from its
    questions (L{checks_dns.questions}): the last of them to end without an
    address (L{_ended_without}: L{DNS_GIVE_UP} after the first try of one
    that brought nothing back, or the answer that had none), the next
    question it lost on the way (C{next_lost}) among them.  C{latest} is when
    it had surely given up, seconds later than the resolver did when a lost
    packet nearby reads as its own; C{gave_up} when no question of it is seen.
    """
    mine = set(d.indexes)
    ends = [e for x in ctx.questions
            if (any(q.index in mine for q in x.tries)
                or (d.next_lost is not None and abs(x.first - d.next_lost) <= 1e-9))
            and (e := _ended_without(x)) is not None]
    return max(ends, default=d.gave_up)


def _address_heard(ctx: Ctx, lo: float, hi: float) -> bool:
    """
    Whether an answer giving one of server 1's targets an address reached the
    phone after C{lo}, by C{hi}: a lookup that had the working server's
    address, which a request then could use (L{_down_again}).
    """
    targets = {s.address for s in ctx.facts.targets}
    qs, _ = ctx.address_questions
    return any(x.heard is not None and x.heard.answer is not None
               and lo < x.heard.answer.t <= hi and targets & set(x.heard.records)
               for x in qs)


# -- successive ------------------------------------------------------------------------------


def _on_fallback_periods(ctx: Ctx) -> list[tuple[wire.Txn, float]]:
    """Successful REGISTERs at the fallback server that follow an exhaustion of server 1."""
    fb = ctx.fallback
    # (worked out at the first registration there that needs them: most runs have none,
    # and these were most of FBK-S3's and FBK-S4's cost when they are n/a)
    downs: list[float] | None = None
    taken: list[float] | None = None
    out = []
    for r in ctx.regs:
        if r.dst != fb:
            continue
        if taken is None:
            taken = _taken_back_times(ctx)
        if _put_on_nothing(ctx, r, taken):
            continue
        if downs is None:
            downs = _server1_downs(ctx)
        if any(t <= r.txn.first + ctx.tol for t in downs):
            out.append((r.txn, r.t))
    return out


def _server1_downs(ctx: Ctx) -> list[float]:
    """
    When server 1 failed as far as a fallback REGISTER after it is concerned
    (L{_on_fallback_periods}): exhaustions, failed lookups, renewals lost with
    their connection, answers that came too late.
    """
    fb = ctx.fallback
    # (a failed lookup counts from its first query: one that reads as going on past the
    # fallback REGISTER may be two lookups, the registration's given up and a call's
    # begun right after, their queries in one span; explore seed 347 of dns-ip-literal,
    # round 9: every query dropped, the REGISTER to the fallback server at 4 s, the
    # call's queries at 4 s and 5 s)
    downs = [t for _, t in _exhaustions(ctx, "REGISTER")] + [d.start for d in ctx.dns_downs]
    downs += [t for t, _ in _renewal_on_hang_up_conn(ctx)]
    downs += _renewal_lost_at_close(ctx)
    # (and a round whose last answer may have come after the phone gave its target up
    # (RTX-1), the phone's REGISTER to the fallback server begun at that very time: it
    # had not taken that answer, server 1 had failed (FBK-S2); survey 7028, round 21:
    # TLS, retry_counts 0, the primary's 200 3 ms after the give-up at 0.5 s, the
    # fallback REGISTER then, the probes on schedule from it)
    downs += [t for t, _ in _late_answer_downs(ctx)
              if any(x.method == "REGISTER" and x.dst == fb
                     and abs(x.started - t) <= ctx.at_once for x in ctx.attempts)]
    return downs


def _put_on_nothing(ctx: Ctx, r: wire.Registration, taken: Sequence[float]) -> bool:
    """
    Whether fallback registration C{r}'s 2xx put the phone on nothing
    (L{_on_fallback_periods}): it came, or may have come, too late.  C{taken}
    is L{_taken_back_times}, worked out once by the caller.
    """
    fb = ctx.fallback
    # a 2xx that came after the phone had given that REGISTER up (RTX-1: a server
    # that only delays its answers) put the phone on nothing: it went on failing
    # over and retrying (explore seed 7, second find: the fallback server 40 s slow; seed 10)
    if r.txn.late:
        return True
    # a 2xx sent so close to the phone's give-up time that it may have come too
    # late (RTX-1), after which the phone registered there again long before a
    # renewal was due: it had not taken that 2xx (explore seed 6, issue 10)
    if ctx.maybe_late(r.txn) and any(
            x.method == "REGISTER" and x.dst == fb
            and r.t + ctx.tol < x.first < r.t + r.granted / 2 for x in ctx.attempts):
        return True
    # nor one after which the phone retried from server 1's top a retry interval
    # after its give-up time (RTX-5), as after every target failing (explore seed 142
    # of dns-ip-literal, round 5: TLS, 100 ms latency, the fallback server's 200 at
    # the phone's give-up time, the retry to the primary 30 s later)
    # (or whose retry found server 1 without an address again, its lookup failing,
    # DNS-11: seed 168 of round 5, TLS, the 200's segment lost and sent again at the
    # give-up time, every lookup of the domain empty)
    if ctx.maybe_late(r.txn):
        due = r.txn.started + ctx.give_up(r.txn) + ctx.profile.retry_interval
        slack = ctx.tol + ctx.profile.t1
        # (unless the phone renewed that registration there in REG-2's last half,
        # before that time: it had taken the 2xx, and a try of server 1 then is a
        # probe, fallback.timeout equal to the retry interval; survey 7002 [01],
        # round 6: 100 ms latency, TCP, the probe's lookup 30.2 s after the 200)
        # (before the retry would have begun at the top of the list: its own fallback
        # REGISTER comes only once server 1 failed again, after the due time; explore
        # seed 251 of dns-ip-literal, round 7: TCP, 100 ms latency, the renewal 0.5 s
        # before the probe, fallback.timeout equal to the retry interval)
        # (the retry begins with resolving server 1 again: its first query, even one
        # the network lost, as a probe's does; survey 7003, round 7: TLS, 100 ms
        # latency, the retry's SRV query lost, its REGISTER 1.6 s after the due time)
        # (a lookup that began in a planned call's moment was the call's, the retry
        # using its answer, and the retry began with its own try: survey 7018 [05],
        # round 17: TLS, 100 ms latency, the call at 30 s resolving server 1, the
        # retry's connection to the primary at 31.7 s, due then)
        # (at whichever target of server 1 its lookup put first, not only the primary:
        # the retry begins at the top of that resolution; survey w7044 [8052], round
        # 27: UDP, the domain's two A records, the retry 30 s after the maybe-late 200
        # going to the secondary, answered)
        queries = _phone_queries(ctx)  # (once, not per attempt: a scan of the packets)
        retry = next((x for x in ctx.attempts if x.method == "REGISTER"
                      and ctx.group(x.dst) == 1
                      and (abs((b := _name_lookup_began(ctx, queries, x.started)) - due) <= slack
                           or (ctx.at_call_moment(b) and abs(x.started - due) <= slack))),
                     None)
        # (or before that try of server 1 at the retry's time had failed, answered or
        # not: one registered nowhere goes to the fallback server only once server 1
        # failed, FO-6; survey 7038 [1752], round 26: TCP, 100 ms latency, the
        # fallback.timeout and the retry interval both 30 s, the renewal there and the
        # probe in one instant, the probe answered)
        upper = due - ctx.tol
        if retry is not None:
            gone = ctx.failed_at(retry)
            upper = max(upper, (r.t + r.granted if gone is None else gone) - ctx.tol)
        upper = min(upper, _taken_back_at(taken, r) + ctx.tol)
        renewed = any(x.method == "REGISTER" and x.dst == fb
                      and r.t + r.granted / 2 - ctx.tol <= x.started
                      <= min(r.t + r.granted + ctx.tol, upper)
                      for x in ctx.attempts)
        # (a retry's lookup failing, DNS-11, shows the same when it is also where the
        # first probe was due: survey 7014 [02], round 14: TCP, 100 ms latency,
        # fallback.timeout equal to the retry interval, the probe's lookup 30 s after
        # the maybe-late 200 gave no address and nothing went to the fallback server
        # until its renewal in REG-2's last half)
        probe_due = r.t + ctx.facts.account.fallback_timeout
        ptol = ctx.profile.probe_tolerance + ctx.tol
        # (nor when the first probe came fallback.timeout after that 2xx, well before
        # the retry could begin, and the phone stayed on: one registered nowhere waits
        # the retry interval, RTX-5, and tries nothing in between; the try of server 1
        # at the retry's time is then a later probe on the schedule; survey 7016 [01],
        # round 16: TCP, 100 ms latency, retry_counts 0, fallback.timeout 10, every
        # lookup of server 1 empty, probes at 10.7 s and 20.9 s before the one at 31.1 s)
        if due - slack > ctx.end and _nothing_new_after(ctx, r.t):
            return True
        probed = any(
            not p.answered and abs(p.start - probe_due) <= ptol
            and p.start + ptol < due - slack and _stayed_on(ctx, p.start, p.done[1], r)
            for p in _probes(ctx))
        if not (renewed or probed) and (
                (retry is not None and not _fallen_back_after(ctx, retry, r))
                or any(abs(d.start - due) <= slack
                       and not (abs(d.start - probe_due) <= ptol
                                and _stayed_on(ctx, d.start, d.latest, r))
                       for d in ctx.dns_downs)):
            return True
    return False


def _nothing_new_after(ctx: Ctx, t: float) -> bool:
    """
    Whether the phone began no new request after C{t} (none outside a dialog,
    to any server, nor a lookup of server 1's name that failed, DNS-11) to the
    end of the run.  Read for a fallback 2xx that may have come too late
    (RTX-1) when the retry from the top (RTX-5) would fall due only after the
    run ended: a phone that had not taken it, registered nowhere, waits for
    that retry; one on the fallback server would have probed (FBK-S3); with
    nothing on the wire either reading stands (a call sent straight to the
    fallback server, or a probe, would tell them apart).  Survey w7069
    [4189], round 33: TLS, 100 ms latency, the fallback server's
    retry_counts 0, its 200 sent 30 ms after the phone gave the REGISTER up
    at 272.635 s, the retry due at 302.635 s of a 300 s run, nothing after it.
    """
    return (not any(not x.in_dialog and x.method != "ACK" and x.started > t - ctx.tol
                    for x in ctx.attempts)
            and not any(d.start > t - ctx.tol for d in ctx.dns_downs))


def _taken_back_times(ctx: Ctx) -> list[float]:
    """
    When server 1 registered the phone, in order, a 2xx that may have come too
    late (RTX-1) left out: it shows nothing, the phone may have stayed on the
    fallback server and renewed there.  One pass over the registrations for
    every L{_taken_back_at}, not one per fallback registration.
    """
    return sorted(x.t for x in ctx.regs if ctx.group(x.dst) == 1
                  and not x.txn.late and not ctx.maybe_late(x.txn))


def _taken_back_at(taken: Sequence[float], r: wire.Registration) -> float:
    """
    When server 1 registered the phone after fallback registration C{r}
    (C{inf} if it never did): from then the phone is on server 1 (FBK-S4,
    or RTX-5's retry from the top of the list answered), and a later REGISTER
    to the fallback server is a new fallback, not C{r}'s renewal
    (L{_put_on_nothing}).  Survey w7047 [3399], round 27: TCP, the fallback
    server's 200 10 ms after the give-up, the retry to the primary 30 s later
    answered, and the next REGISTER to the fallback server the failover of the
    primary's renewal 190 s after that.
    """
    i = bisect.bisect_right(taken, r.t)  # (C{taken}: L{_taken_back_times})
    return taken[i] if i < len(taken) else math.inf


def _fallen_back_after(ctx: Ctx, retry: wire.Txn, r: wire.Registration) -> bool:
    """
    Whether the phone showed, by not falling back, that C{retry} (a try of
    server 1 a retry interval after fallback registration C{r}'s 2xx maybe
    came too late) was a probe while on that registration: its round failed
    well before REG-2's last half of C{r}, and no REGISTER went to the
    fallback server in between (RTX-5's retry failing would have fallen back
    at once, FO-6).  Explore seed 251 of dns-ip-literal, round 7, next find:
    TCP, 100 ms latency, the try at 38 s silent until 45.5 s, the next
    REGISTER to the fallback server its renewal at 67.9 s.
    """
    if retry.answered:
        return False
    rnd = next((c for c in ctx.rounds if any(x is retry for x in c.txns)), None)
    done = ctx.chain_failed_at(rnd) if rnd is not None else ctx.failed_at(retry)
    return _stayed_on(ctx, retry.started, done, r)


def _stayed_on(ctx: Ctx, start: float, done: float | None, r: wire.Registration) -> bool:
    """
    L{_fallen_back_after} for a try of server 1 begun at C{start} that failed
    at C{done}: a REGISTER round, or a lookup of server 1's name that gave no
    address (DNS-11: "fallback takes over" at once, FO-6, had the phone been
    registered nowhere).  A try still under way when the run ended shows
    nothing: the phone had no chance to fall back (survey 7039 [7143], round
    26: TLS, 100 ms latency, the fallback server's 200 2 ms after the give-up,
    the retry 30 s later silent, its give-up due 54 s after the run's end).
    """
    half = r.t + r.granted / 2 - ctx.tol
    if done is None or done + ctx.at_once >= half or done > ctx.end:
        return False
    return not any(x.method == "REGISTER" and x.dst == ctx.fallback
                   and start < x.started < half for x in ctx.attempts)


@dataclass(frozen=True)
class _Probe:
    """
    One try of the working server while on the fallback server (FBK-S3): a
    REGISTER round to server 1, or a lookup of server 1's domain that failed
    (while DNS fails, that lookup is all of the probe the wire can show).
    C{done} is the span in which the phone learned the outcome.
    """

    start: float
    answered: bool
    done: tuple[float, float]
    indexes: tuple[int, ...]
    what: str


def _probe_done(ctx: Ctx, at: float) -> tuple[float, float]:
    """
    The span in which the phone learned a probe had failed, its last try of
    server 1 having failed at C{at}: from then until the phone had given up
    asking again for a target whose address the lookup in use lacked, when
    it did (L{Ctx.round_ended}, DNS-11): the round ends with its last
    target, one without an address included (survey w7033 [4283], round 23:
    TLS, 20 % loss, a probe's connection to the stopped primary refused at
    222.8 s, ghost's NXDOMAIN lost, asked again and lost until 226.8 s, the
    next probe 30 s after that).
    """
    return at, ctx.round_ended(at)


def _name_lookup_began(ctx: Ctx, queries: list[tuple[float, bytes]], at: float) -> float:
    """
    When the lookup of server 1's name that led to an attempt at C{at} began:
    the first of the phone's DNS queries (C{queries}: time and payload, in
    order) for that name or names under it right before it, each within a
    resolver's wait (L{DNS_GIVE_UP}) of the next; C{at} if there were none.
    """
    from harness.certify.checks_dns import _read_answer

    dom = wire.norm(ctx.facts.account.server(1).address)
    began = at
    for q_t, payload in reversed(queries):
        if q_t >= began:
            continue
        if began - q_t > DNS_GIVE_UP:
            break
        asked = _read_answer(payload)
        if asked is None or asked[0] == dom or asked[0].endswith("." + dom):
            began = q_t
    return began


def _handed_out(ctx: Ctx, x: wire.Txn) -> int | None:
    """
    The trace index of the phone's own record of sending C{x}'s request
    (its SIP event, the same Via branch, in the request's flight): over TLS the
    data segment is written after the transport took it, and the phone may
    begin a lookup in between (survey 7041 [1251], round 26: no latency, a
    call's INVITE handed to the fallback server's TLS connection, then the
    probe's DNS query, then the INVITE's segment).
    """
    if not x.on_wire or not x.branch or ctx.facts.phone is None:
        return None
    for i, e in ctx.trace.indexed(SipEvent):
        if e.t > x.first + 1e-9:
            break
        if (e.observer == ctx.facts.phone and e.direction == "out"
                and e.remote[0] == x.dst and e.t >= x.first - wire._IN_FLIGHT
                and isinstance(e.message, Request) and wire._branch(e.message) == x.branch):
            return i
    return None


def _left_before_lookup(ctx: Ctx, x: wire.Txn, d: DnsDown) -> bool:
    """
    Whether C{x}'s request left the phone before the failed lookup C{d}'s
    first query did (so it did not wait for that lookup): by time, or, in
    the same instant, by the two packets' order in the trace.
    """
    i = _handed_out(ctx, x)
    if i is None:
        i = ctx.left_phone_packet(x)[1]
    if i is None:
        return False
    dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
    first = next((j for j, e in ctx.trace.indexed(PacketEvent)
                  if e.proto == "udp" and e.dst[0] == dns_host
                  and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone)
                  and d.start - ctx.tol <= e.t <= d.start + 1e-9), d.index)
    return i < first


def _phone_queries(ctx: Ctx) -> list[tuple[float, bytes]]:
    """The phone's DNS queries on the wire, delivered or not: time and payload, in order."""
    dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
    return [(e.t, e.payload) for _, e in ctx.trace.indexed(PacketEvent)
            if e.proto == "udp" and e.dst[0] == dns_host
            and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone)]


def _probes(ctx: Ctx) -> list[_Probe]:
    out = []
    queries = _phone_queries(ctx)
    for ch in ctx.new_chains(1):
        if ch.method != "REGISTER":
            continue
        if registers_for_failover(ctx, ch):
            # register_on_enable 1: the REGISTER a call's failing-over INVITE owes the
            # next target first (FO-5), not a probe (explore seed 24 of dns-ip-literal)
            continue
        done = ctx.chain_failed_at(ch)
        # (a probe begins with resolving server 1, then its connection's first SYN, RFC
        # 3261 17.1: its REGISTER may reach the wire seconds later, its DNS answers or
        # its TLS segments lost; explore seeds 10, 16)
        out.append(_Probe(_name_lookup_began(ctx, queries, ch.head.started), ch.answered,
                          (ch.tail.last, ch.tail.last) if done is None
                          else _probe_done(ctx, done), ch.head.indexes, ch.head.describe()))
    # a try of server 1 begun while a REGISTER to the fallback server was still pending (a
    # renewal there, unanswered) is no failover from it (RTX-2: a target is left once it
    # failed, and the fallback server is the last): a new request, the probe, although
    # L{wire.rounds} keeps it in the fallback REGISTER's round; survey 7022 [03], round
    # 20: TLS, the fallback server crashed after its 100 Trying to the renewal, the
    # probe's connection to the primary refused 3.5 s before the phone gave that up
    for ch in ctx.rounds:
        if ch.method != "REGISTER" or ch.in_dialog or ctx.group(ch.head.dst) != 2:
            continue
        for prev, x in itertools.pairwise(ch.txns):
            if ctx.group(x.dst) != 1:
                continue
            left = ctx.failed_at(prev)
            if left is not None and x.first < left - ctx.tol:
                done = ctx.failed_at(x)
                out.append(_Probe(_name_lookup_began(ctx, queries, x.started), x.answered,
                                  (x.last, x.last) if done is None else _probe_done(ctx, done),
                                  x.indexes, x.describe()))
            break
    # a connection to the working server that failed before any SIP, no request on the
    # wire naming it, is a probe too (RTX-2: a connection is the REGISTER's try; survey
    # 7006, session 19: a probe's connection refused 4 ms after a call's INVITE left for
    # the fallback server, nothing after it in RTX-1's time to name it)
    for a in _unnamed_register_conns(ctx):
        out.append(_Probe(a.start, False, _probe_done(ctx, a.t), a.indexes,
                          f"REGISTER -> {ctx.name(a.server)} at {a.start:.3f} ({a.transport} "
                          f"connection {a.what} at {a.t:.3f}, no SIP sent)"))
    fb = ctx.fallback
    for d in ctx.dns_downs:
        # a failed lookup followed at once by an INVITE (or other non-REGISTER) to the
        # fallback server was that request's lookup (FBK-C2 / FO-6), not a probe; a
        # request that reached the fallback server while the lookup was still going on
        # (before its last query or answer) was not waiting for it, nor one sent before
        # the lookup began (a probe's lookup just after a call went there, explore seed 7)
        going_on = max(d.start, d.latest - DNS_GIVE_UP if d.timed_out else d.end)
        # (when the lookup's first query left the phone, if the trace has the phone's
        # packet: the network's latency before the DNS server heard it)
        sent = min((q_t for q_t, _ in queries if d.start - ctx.tol <= q_t <= d.start),
                   default=None)
        began = d.start + ctx.tol if sent is None else sent + wire._SAME_INSTANT
        nxt = next((t for t in ctx.attempts if t.dst == fb and t.first >= going_on
                    and t.method not in ("ACK", "CANCEL")), None)
        if (nxt is not None and nxt.method != "REGISTER" and not nxt.in_dialog
                # (nor one whose packet left the phone before the lookup's first query,
                # in the same instant: the trace records packets in the order they were
                # sent; survey 7013 [01], round 14: no latency, a call placed at 30 s,
                # its INVITE to the fallback server sent just before the probe due then
                # began its failed lookup)
                and not _left_before_lookup(ctx, nxt, d)
                and nxt.first <= d.latest + ctx.at_once
                # (nor one that left the phone before the lookup's last answer left the
                # DNS server: it had not waited for the lookup's outcome; survey 7002
                # [05], round 6: 100 ms latency, a call placed 0.2 s into a probe's
                # lookup, its INVITE to the fallback server arriving as the A answer left)
                and (d.timed_out or ctx.left_phone(nxt) >= d.end - 1e-9)
                # (a call placed after the lookup began did not start it: explore seed
                # 339 of dns-ip-literal, round 9, 100 ms latency, a probe's query sent
                # 0.19 s before a call was placed, the INVITE to the fallback server
                # leaving as the empty answer reached the DNS server's side)
                and not any(began < p.at <= nxt.first + ctx.tol
                            for p in ctx.facts.calls)):
            continue
        if ((nxt is None or nxt.first > d.latest + ctx.at_once) and ctx.at_call_moment(d.start)
                and fallback_refused_at_once(ctx, d.latest) is not None):
            # (so was a failed lookup in a planned call's moment followed at once by a
            # connection to the fallback server that failed before any SIP went over it:
            # the call's INVITE failing over (FO-6), its try there that connection (RTX-2),
            # nothing on the wire naming it; survey 7017 [03], round 17: successive mode,
            # server 1's name without an address, the fallback server flapping down as a
            # call was placed, its SYN refused)
            continue
        out.append(_Probe(d.start, False, (d.end, d.latest), d.indexes, d.describe()))
    out.sort(key=lambda p: p.start)
    return out


def _given_up_before(ctx: Ctx, t: wire.Txn) -> set[str]:
    """
    C{t}'s target and those of server 1 the phone's REGISTER had moved on from
    just before it, one after the other: each attempt failed, or its answer may
    have reached the phone only after it gave the target up (RTX-1; a 2xx sent
    then splits the chain on the wire), and the next began as it ended.
    """
    out = {t.dst}
    cur = t
    while True:
        prev = None
        for x in ctx.attempts:
            if (x.method != "REGISTER" or ctx.group(x.dst) != 1 or x.dst in out
                    or x.first >= cur.first or not (x.failed or ctx.maybe_late(x))):
                continue
            end = ctx.failed_at(x) if x.failed else x.started + ctx.give_up(x)
            if end is not None and abs(end - cur.started) <= ctx.at_once:
                prev = x
        if prev is None:
            return out
        out.add(prev.dst)
        cur = prev


def _registered_nothing(ctx: Ctx, t: wire.Txn, primary: str | None) -> bool:
    """
    Whether the 2xx to REGISTER C{t} reached the phone only after it had
    given C{t} up (RTX-1), so that it registered nothing: late on the wire;
    or possibly late (L{Ctx.maybe_late}) and the phone then moved on through
    the other targets of server 1 (L{_given_up_after}), or, at server 1, retried
    from the C{primary} a retry interval later or fell back (L{Ctx.not_taken}).
    Explore seed 56 of dns-ip-literal (TLS, 0.1 s latency, retry_counts 0),
    rounds 3 and 4.
    """
    if t.late:
        return True
    if not ctx.maybe_late(t):
        return False
    if _given_up_after(ctx, t)[0]:
        return True
    return primary is not None and ctx.group(t.dst) == 1 and ctx.not_taken(t, primary)


def _began_then_done(x: tuple[str, float, float | None]) -> tuple[float, float]:
    return (x[1], x[2] if x[2] is not None else float("inf"))


def _given_up_after(ctx: Ctx, t: wire.Txn) -> tuple[set[str], float]:
    """
    The targets of server 1 the phone's REGISTER moved on to after giving
    C{t} up (its answer late, L{Ctx.maybe_late}), one after the other at
    once, each failing (a connection that never carried SIP counts, RTX-2),
    and when the last of them failed (C{t}'s give-up time if none).  Explore
    seed 47 of dns-ip-literal: TLS, the primary's 200 came 0.2 s after the
    phone gave it up; the secondary's SYN was lost and it was given up too,
    then the phone fell back: its REGISTER to the fallback server was right.
    """
    # (dst, began, failed) of each later failed attempt at a target of server 1
    # (later than C{t} began: over TLS the wire knows C{t}'s send only as the server
    # read it, after the next target's connection may have begun; survey 7003,
    # round 7: 100 ms latency, the secondary's SYN 22 ms before the primary read the
    # REGISTER the phone had given up)
    tries = [(x.dst, x.started, ctx.failed_at(x)) for x in ctx.attempts
             if x.method == "REGISTER" and ctx.group(x.dst) == 1 and x.failed
             and x.started > t.started and x.first > t.started]
    tries += [(a.server, a.start, a.t) for a in _failed_connections(ctx, 1)
              if a.start > t.started]
    out: set[str] = set()
    end = t.started + ctx.give_up(t)
    while True:
        # (the same try may be both a failed attempt and its connection's later end:
        # the phone gave it up first, RTX-1's time from its SYN; a TLS connection up
        # too late, closed idle minutes after)
        nxt = next(((dst, done) for dst, began, done in sorted(tries, key=_began_then_done)
                    if dst != t.dst and dst not in out and done is not None
                    and abs(began - end) <= ctx.at_once), None)
        if nxt is None:
            return out, end
        out.add(nxt[0])
        end = nxt[1]


def _moved_on_at_once(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether the phone, at C{t}'s give-up time (RTX-1), moved on at once to
    another target of server 1 with the same REGISTER (RTX-4: its Call-ID):
    a 2xx to C{t} that may have come only after that time was not taken
    (survey 7003, round 7: TLS, 100 ms latency, a probe's 200 from the
    secondary 32 ms after the give-up, the primary asked next and answering).
    """
    gave = t.started + ctx.give_up(t)
    return any(x.method == "REGISTER" and x.call_id == t.call_id and x.dst != t.dst
               and ctx.group(x.dst) == 1
               and gave - ctx.tol <= x.started <= gave + ctx.at_once for x in ctx.attempts)


def _exhausted_as_run_ended(ctx: Ctx, ch: wire.Chain) -> float | None:
    """
    When every target of server 1 failed in C{ch} though the run ended within
    the tolerance of its last attempt's give-up time (L{Ctx.exhausted_at}
    leaves such a cut-short attempt out), if the phone's REGISTER to the
    fallback server at that very time shows it had given server 1 up (FBK-S2;
    explore seed 24 of dns-ip-literal: the fallback 49 ms before the end).
    That give-up time may fall just after the end: over TCP/TLS the wire
    times the attempt from the server's read, up to a latency after the
    phone wrote it and started its timer (survey w7037 [8172], round 24:
    the phone gave the primary up and fell back at 300.000 s of 300, the
    wire's give-up time 300.005 s).
    """
    g1 = [t for t in ch.txns if ctx.group(t.dst) == 1]
    if not g1 or g1[-1].final is not None or ctx.completed(g1[-1]):
        return None
    wanted = {s.address for s in ctx.facts.targets} - unresolved_targets(ctx, ch.head.first)
    if not wanted or not wanted <= {t.dst for t in g1}:
        return None
    gave = ctx.failed_at(g1[-1])
    if gave is None or gave > ctx.end + ctx.tol:
        return None
    fb = ctx.fallback
    if any(x.method == "REGISTER" and x.dst == fb and abs(x.started - gave) <= ctx.at_once
           for x in ctx.attempts):
        return gave
    return None


def _late_answer_downs(ctx: Ctx) -> list[tuple[float, wire.Txn]]:
    """
    Server 1 down for the phone at a REGISTER round's end though its last
    attempt, at a target of server 1, was answered: the answer may have
    reached the phone only after it gave that target up (L{Ctx.maybe_late},
    RTX-1), and every other target had failed before it or failed after it
    (L{_given_up_before}, L{_given_up_after}).  By (when the last of them
    failed, that answered attempt).  FBK-S1 lets the phone count server 1
    down then; FBK-S3 counts the fallback from a REGISTER sent there at that
    very time (survey 7028, round 21: TLS, retry_counts 0, the primary's 200
    3 ms after the give-up at 0.5 s).
    """
    out = []
    for ch in ctx.new_chains(1):
        t = ch.tail
        if (ch.method != "REGISTER" or not t.answered or ctx.group(t.dst) != 1
                or not ctx.maybe_late(t)):
            continue
        # (a target the resolution in use did not give was not in the round, DNS-8, as
        # Ctx.exhausted_at reads it; survey w7052 [3092], round 29: a DNS set-record
        # for another name made a second target the lookup of server 1 never gave)
        wanted = ({s.address for s in ctx.facts.targets}
                  - unresolved_targets(ctx, ch.head.first))
        before = {x.dst for x in ch.txns[:-1] if x.failed} | _given_up_before(ctx, t)
        after, down_at = _given_up_after(ctx, t)
        if wanted <= before | after:
            out.append((down_at, t))
    return out


def _lookup_failed_at(ctx: Ctx, d: DnsDown) -> float:
    """
    When failed lookup C{d} of server 1 failed for the phone, as early as it
    may have (FBK-S1 lets the phone fall back from then): its give-up
    (L{DnsDown.gave_up}), a tolerance earlier when that is reckoned from its
    first query rather than read off the wire.
    """
    return d.gave_up - ctx.tol if d.waited_out else d.gave_up


def fbk_s1(ctx: Ctx) -> Verdict:
    c = "FBK-S1"
    guard = _fallback_guard(ctx, c, 1)
    if guard:
        return guard
    fb = ctx.fallback
    events: list[tuple[float, str, wire.Txn | None]] = []
    late_downs = _late_answer_downs(ctx)
    events.extend((down_at, "down", t) for down_at, t in late_downs)
    late = {id(t) for _, t in late_downs}
    for ch in ctx.new_chains(1):
        if ch.method != "REGISTER":
            continue
        for t in ch.txns:
            # (a phone may keep the Call-ID when it falls back: the fallback server's
            # answer in the same chain says nothing of the working server)
            if t.answered and ctx.group(t.dst) == 1:
                if id(t) in late:
                    continue
                if t.ok and ctx.maybe_late(t) and _moved_on_at_once(ctx, t):
                    continue  # not taken: the phone had moved on to the next target
                if t.ok:  # (a refusal, say a 500 to a probe, registers nowhere: FBK-S4)
                    events.append((t.final_t or t.first, "ok", t))
        ft = ctx.exhausted_at(ch)
        if ft is None:
            ft = _exhausted_as_run_ended(ctx, ch)
        if ft is not None:
            events.append((ft, "down", ch.tail))
    for d in ctx.dns_downs:
        # (a timed-out lookup failed for the phone once its resolver gave up, at most
        # DNS_GIVE_UP after its first query: the resolver's later tries of the same
        # question, a new lookup's, may be counted with it; explore seed 29 of
        # dns-ip-literal, round 3, sixth find: a dropping DNS server, two lookups)
        # (and no sooner, when a question of its own went unanswered: its last try
        # is not its failure; a new lookup's question 3 s after that try is no longer
        # counted with it, round 27)
        events.append((_lookup_failed_at(ctx, d), "down", None))
    events.extend((t, "down", None) for t, _ in _renewal_on_hang_up_conn(ctx))
    events.extend((t, "down", None) for t in _renewal_lost_at_close(ctx))
    events.sort(key=lambda e: e[0])
    working_down = False
    # (an attempt whose connection failed before any SIP went over it counts: RTX-2)
    regs_w = [t for t in ctx.attempts if t.method == "REGISTER" and ctx.group(t.dst) == 1]
    tried_w = _failed_connections(ctx, 1)
    if not regs_w and not ctx.dns_downs and not tried_w:
        return ctx.failed(c, "no REGISTER to the working server", "REGISTER to the working "
                          "server", "none")
    for t in [t for t in ctx.txns if t.method == "REGISTER" and t.dst == fb]:
        # (the working server's answer counts once it can have reached the phone
        # before this REGISTER left: a probe and the fallback's renewal due together)
        # (over TCP a request written behind a lost segment went out with its
        # retransmission: the wire times it from the lost copy, the earliest it can
        # have been written; it may have been written as late as it got through, and
        # the working server may have failed in between: explore seed 23 of
        # dns-ip-literal, round 3, 20 % loss, a BYE lost twice before the REGISTER)
        written_by = t.first
        if t.on_wire and t.transport != "udp":
            written_by = max(written_by, ctx.trace.events[t.sends[0].index].t)
        # (and it left the phone before the wire saw it: TLS, the server's read time)
        left = ctx.left_phone(t)
        state = [e for e in events if (e[1] == "down" and e[0] <= written_by + ctx.tol)
                 or (e[1] != "down" and e[0] + ctx.tol < left)]
        working_down = bool(state) and state[-1][1] == "down"
        if not working_down:
            last_ok = state[-1][2] if state else None
            why = last_ok.describe() if last_ok else "before server 1 had failed"
            return ctx.failed(c, "REGISTER to the fallback server while the working server "
                                 "worked", "REGISTER to the working server only",
                              f"{t.describe()} (working server: {why})", t.indexes)
    return ctx.passed(c, "only the working server got REGISTER while it worked",
                      regs_w[0].indexes if regs_w else tried_w[0].indexes if tried_w else ())


def _conn_before_lookup(ctx: Ctx, a: wire.ConnAttempt, d: DnsDown) -> bool:
    """
    Whether connection C{a} was begun before the failed lookup C{d} started:
    by time, or, in the instant C{d}'s first query left the phone (a query
    the network lost: C{d.start} is its leaving), by its first SYN coming
    ahead of that query in the trace.  The phone may open a connection and
    start another request's lookup in one instant (survey w7072 [9916], round
    33: the registration's fallback connection and a call's A query both at
    0.2126 s, the SYN first); that connection owes nothing to the lookup.
    """
    if a.start < d.start:
        return True
    if a.start > d.start + 1e-9:
        return False
    dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
    query = next((j for j, e in ctx.trace.indexed(PacketEvent)
                  if e.proto == "udp" and e.dst[0] == dns_host and e.src[0] == ctx.facts.phone
                  and abs(e.t - d.start) <= 1e-9), None)
    return query is not None and a.index < query


def _fallback_backoff(ctx: Ctx, t: float) -> float | None:
    """
    When the phone's RTX-5 retry at the fallback server falls due, if at C{t}
    it is waiting one out: its last REGISTER attempt there before C{t} failed
    (silent, 503, refused: L{fallback_failed_at}) less than the retry interval
    before C{t}.  Server 1 failing again then (another request's lookup or
    attempt, DNS-11) does not make the fallback server, which has just failed
    too, due at once: the next REGISTER there is the retry (RTX-5).  C{None}
    if no such wait is running.
    """
    done = fallback_failed_at(ctx, t)
    if done is None:
        return None
    due = done + ctx.profile.retry_interval + ctx.tol + ctx.profile.t1
    # (to the retry's own instant, its slack: server 1 failing as the retry fell due is
    # still behind it, as checks_fo._fallback_failed_before reads it; survey w7050
    # [2669], round 28: a probe given up at 551.0 s, the retry to the primary then)
    if done > t + ctx.tol or due < t:
        return None
    return due


def fallback_failed_at(ctx: Ctx, t: float) -> float | None:
    """
    When the phone's last REGISTER attempt at the fallback server begun before
    C{t} failed, C{None} if it did not: the one reading of that moment for
    FBK-S2 (L{_fallback_backoff}) and FO-6 (L{checks_fo._fallback_failed_before}).

    A connection there that failed before any SIP went over it is such an
    attempt (RTX-2), though no REGISTER on the wire names it: explore seed 239
    of dns-ip-literal, round 7, TLS, the handshake lost until after the
    give-up, the connection then carrying a call's INVITE.  So is one the
    fallback server refused (a 500, say: no failure, RTX-3, but no
    registration either; the phone registers there again a retry interval
    later, explore seed 30 of dns-ip-literal, round 3: a call's lookup failed
    a second after the fallback server had refused the REGISTER).
    """
    fb = ctx.fallback
    prev = [x for x in ctx.attempts if x.method == "REGISTER" and x.dst == fb and x.first < t]
    conn = max((a for a in _failed_connections(ctx, 2) if a.start < t),
               key=lambda a: a.start, default=None)
    if not prev and conn is None:
        return None
    if conn is not None and (not prev or conn.start > prev[-1].started):
        return conn.t
    last = prev[-1]
    done = ctx.failed_at(last)
    if (done is None and last.final is not None and last.final.status >= 300
            and last.final.status not in (401, 407)):
        done = last.final_t
    return done


def _roe_while_registered(ctx: Ctx, ch: wire.Chain, t_fail: float) -> bool:
    """
    Whether REGISTER chain C{ch}, every target of server 1 failed at
    C{t_fail}, was FO-5's REGISTER ahead of a call's INVITE (for that one
    target: the INVITE behind it moved on and its round says whether server 1
    failed, as FO-6 reads it, L{_request_behind_roe}) while the registration
    at server 1 held: the registration had not failed, and owes no fallback
    for it, as for a call's failed lookup then.  Unregistered, the phone
    owes the fallback (survey 7019 [04], round 18).  Survey 7027 [01], round
    21: UDP, registered at the primary for 5138 s, a call's A query for it
    lost twice, its REGISTER to the silent secondary, the INVITE then to the
    primary, asked for again.
    """
    start = ch.head.started
    return (any(ctx.group(r.dst) == 1 and r.t <= start <= r.t + r.granted for r in ctx.regs)
            and _request_behind_roe(ctx, ch, t_fail) is not None)


def fbk_s2(ctx: Ctx) -> Verdict:
    c = "FBK-S2"
    guard = _fallback_guard(ctx, c, 1)
    if guard:
        return guard
    fb = ctx.fallback
    cands = [(ch, t) for ch, t in _exhaustions(ctx, "REGISTER")
             if any(x.final is None for x in ch.txns) and not _on_fallback_at(ctx, t)
             and not _roe_while_registered(ctx, ch, t)]
    downs = [d for d in ctx.dns_downs if not _on_fallback_at(ctx, d.end)]
    if not cands and not downs:
        return ctx.na(c, "the working server never left a REGISTER unanswered on every target "
                         "(nor failed its lookup) while the phone was not registered at the "
                         "fallback server")
    ev: list[int] = []
    for d in downs:  # DNS-11: no REGISTER can reach the working server; fall back at once
        # (an in-dialog request there, an earlier call's BYE, is no fallback: FO-4;
        # explore seed 29 of dns-ip-literal, round 3, fifth find)
        first = next((x for x in ctx.attempts if x.dst == fb and x.first >= d.start - ctx.tol
                      and x.method not in ("ACK", "CANCEL") and not x.in_dialog), None)
        # (its connection begun at once counts, its SYNs lost and sent again: RTX-2;
        # survey 7007 [03], round 9: TLS, the call's INVITE on the wire 0.6 s later)
        if (first is not None and first.method != "REGISTER"
                and first.started <= d.latest + ctx.at_once
                and (any(ctx.group(r.dst) == 1 and r.t <= d.start <= r.t + r.granted
                         for r in ctx.regs)
                     or any(x.method == "REGISTER" and ctx.group(x.dst) == 1
                            and in_flight(ctx, x, d.start) for x in ctx.attempts))):
            # the lookup of a call (or other new request) that went to the fallback server
            # at once (FO-6) while the registration at the working server held, or while a
            # REGISTER there was still under way through the resolution it began with
            # (explore seed 6: it failed over to the secondary and registered): the
            # REGISTER fallback is due when a REGISTER fails, as for a call failing on
            # every target of the working server
            continue
        ev.extend(d.indexes)
        backoff = _fallback_backoff(ctx, d.start)
        due = max(d.latest + ctx.at_once, backoff or 0.0)
        again = backoff is not None and (
            any(d.start < x.start <= due + ctx.tol for x in ctx.dns_downs)
            or any(x.method == "REGISTER" and ctx.group(x.dst) == 1
                   and d.start < x.first <= due for x in ctx.attempts))
        if again:
            # the RTX-5 retry the phone was waiting out starts from the top: server 1
            # failed again in it (its lookup, or every target), and the fallback that
            # failure owes is judged on its own
            continue
        # a REGISTER to the fallback server still under way when the lookup started
        # (the lookup of another request, while falling back) is that fallback
        pending = next((x for x in ctx.txns if x.method == "REGISTER" and x.dst == fb
                        and x.first < d.start
                        and (x.final_t if x.final_t is not None else
                             (ctx.failed_at(x) or x.last)) >= d.start - ctx.tol), None)
        if pending is not None:
            ev.extend(pending.indexes)
            continue
        # ... as is a connection to it begun before the lookup started and failing only
        # as it went on, before any SIP went over it (RTX-2): the earlier fallback's
        # REGISTER (and a call's INVITE after it) waiting for that one connection
        # (explore seed 77 of dns-ip-literal, round 4: successive mode, TLS, the
        # registration's lookup failed, then the call's; the fallback server's TLS
        # handshake lost; begun in the lookup's first instant, ahead of its query, it
        # is still begun before it: survey w7072 [9916], round 33)
        opened = next((a for a in ctx.conn_attempts if ctx.group(a.server) == 2
                       and _conn_before_lookup(ctx, a, d) and a.t >= d.start - ctx.tol), None)
        if opened is not None:
            ev.extend(opened.indexes)
            continue
        nxt = next((x for x in ctx.txns if x.method == "REGISTER" and x.dst == fb
                    and x.first >= d.start - ctx.tol), None)
        if nxt is None or nxt.started > due:
            # a connection to the fallback server opened in time that failed before any
            # SIP went over it (refused, RTX-2) was the REGISTER there, though no REGISTER
            # ever on the wire names it (explore seed 15: the fallback server stopped)
            conn = next((a for a in _failed_connections(ctx, 2)
                         if d.start - ctx.tol <= a.start <= due), None)
            # (at a planned call's time too, one begun at once as the lookup failed and
            # before any later lookup of server 1 began, whose request's it could be:
            # explore seed 77 of dns-ip-literal, round 4, the registration's lookup
            # failing at 5 ms, its connection to the fallback server at 10 ms, the
            # call's lookup from 15 ms)
            # (from when the lookup gave up, DNS-11: at its answer when only another
            # lookup's query lost nearby made it look timed out, not DNS_GIVE_UP later;
            # survey w7072 [9916], round 33: the answer at 0.108 s, the call's first query
            # lost at 0.213 s, the fallback connection begun then)
            later = min((x.start for x in ctx.dns_downs if x.start > d.start), default=math.inf)
            conn = conn or next((a for a in ctx.conn_attempts if ctx.group(a.server) == 2
                                 and d.gave_up - ctx.tol <= a.start <= min(due, later)), None)
            if conn is not None:
                ev.extend(conn.indexes)
                continue
            if nxt is None and due > ctx.end:
                continue
            return ctx.failed(c, "no REGISTER to the fallback server once the lookup of the "
                                 "working server failed",
                              f"REGISTER to the fallback server by {due:.3f} s",
                              nxt.describe() if nxt else "none", d.indexes)
        ev.extend(nxt.indexes)
    for ch, t_fail in cands:
        ev.extend(ch.indexes)
        for x in ch.txns:
            # RTX-1 at the working server: a silent attempt there got every send (an
            # attempt answered with a provisional stops retransmitting, RFC 3261 17.1.1.2)
            if x.final is None and ctx.group(x.dst) == 1 and not x.provisional:
                want = len(wire.send_offsets(ctx.profile, "REGISTER", ctx.retry_counts(x.dst),
                                             x.transport))
                if len(x.sends) != want:
                    return ctx.failed(c, "REGISTER not retried per RTX-1 at the working server",
                                      f"{want} sends", x.describe(), x.indexes)
        g1_last = [x for x in ch.txns if ctx.group(x.dst) == 1][-1]
        # (an attempt whose connection failed before any SIP is a REGISTER there, RTX-2)
        nxt = next((x for x in ctx.attempts if x.method == "REGISTER" and x.dst == fb
                    and x.first >= g1_last.first), None)
        backoff = _fallback_backoff(ctx, t_fail)
        late = max(t_fail + 4 * ctx.tol, backoff or 0.0)
        if backoff is not None and (nxt is None or nxt.started > late) and any(
                x.method == "REGISTER" and ctx.group(x.dst) == 1
                and max(g1_last.first, t_fail - ctx.tol) < x.first and x.started <= backoff
                for x in ctx.attempts):
            # the RTX-5 retry the phone was waiting out, the fallback server having failed
            # too, started from the top of the list (server 1); the fallback that retry's
            # failure owes is judged on its own (explore seed 213 of dns-ip-literal, round
            # 6: successive mode, the fallback's renewal given up at 127 s, a probe failing
            # at 136 s, the retry at the primary at 157 s, the fallback at 168.5 s)
            continue
        if nxt is None or nxt.started > late:
            # a connection to the fallback server opened at once, failing before any SIP
            # went over it, shared with a call's INVITE that failed over with the REGISTER
            # (as FO-3 reads one connection serving both; explore seed 249 of
            # dns-ip-literal, round 7: TCP, the working server's connection reset under
            # both, one SYN to the stopped fallback server refused)
            refused = fallback_refused_at_once(ctx, t_fail)
            if refused is not None:
                ev.extend(refused.indexes)
                continue
            # a REGISTER to the fallback server begun before and still under way when
            # server 1 failed (retransmitted, neither answered nor given up) is that
            # fallback, as for a failed lookup above (survey 7019 [04] of round 18:
            # falling back, the fallback silent, a call's try of server 1 failing, FO-5's
            # REGISTER at the secondary refused with 503)
            pending = fallback_register_in_flight(ctx, g1_last.first, t_fail)
            if pending is not None:
                ev.extend(pending.indexes)
                continue
            if nxt is None and late > ctx.end:
                continue
            # a connection to the fallback server begun at once and still being opened
            # when the run ended (its SYNs unanswered, RTX-1's time not up) was the
            # REGISTER going out (RTX-2, as FBK-C3 reads one to the working server;
            # explore seed 349 of dns-ip-literal, round 9: 20 % loss, the working server's
            # give-up at 59.5 s, the SYN to the fallback server lost, the run over at 60 s)
            opening = next((i for i, at in _still_opening(ctx, 2)
                            if t_fail - ctx.tol <= at <= late), None)
            if nxt is None and opening is not None:
                ev.append(opening)
                continue
            return ctx.failed(c, "no REGISTER to the fallback server once the working server "
                                 "failed", f"REGISTER to the fallback server by {late:.3f} s",
                              nxt.describe() if nxt else "none", ch.indexes)
        ev.extend(nxt.indexes)
    parts = []
    if cands:
        parts.append(f"{len(cands)} time(s) working server silent -> REGISTER retried -> "
                     "REGISTER to the fallback server")
    if downs:
        parts.append(f"{len(downs)} failed lookup(s) of the working server -> REGISTER to the "
                     "fallback server at once")
    return ctx.passed(c, "; ".join(parts), ev)


def _fallback_renewal_failed_at(ctx: Ctx, x: wire.Txn) -> float | None:
    """
    When REGISTER C{x} to the fallback server failed: L{Ctx.failed_at}, or,
    for a 2xx that may have reached the phone only after it gave C{x} up
    (L{Ctx.maybe_late}), its give-up time if the phone then retried server 1
    from the top a retry interval later (RTX-5): it had not taken that 2xx
    (explore seed 25 of dns-ip-literal: 100 ms latency, a renewal's segments
    lost, the 200 on the wire 200 ms after the give-up).
    """
    done = ctx.failed_at(x)
    if done is not None or not ctx.maybe_late(x):
        return done
    gave = x.started + ctx.give_up(x)
    due = gave + ctx.profile.retry_interval
    slack = ctx.tol + ctx.profile.t1
    if any(y.method == "REGISTER" and ctx.group(y.dst) == 1 and abs(y.started - due) <= slack
           for y in ctx.attempts) or any(abs(d.start - due) <= slack for d in ctx.dns_downs):
        return gave
    # (a retry starts with resolving server 1 again: its first query is when it began,
    # as FBK-C3 reads a retry; survey w7055 [5738], round 29: the fallback server's 200
    # 28 ms after the give-up at 535.43 s, the retry's lookup at 565.45 s, its REGISTER
    # to the primary over TLS only at 566.68 s)
    retry = next((y for y in ctx.attempts if y.method == "REGISTER" and ctx.group(y.dst) == 1
                  and y.started > gave + ctx.tol), None)
    if retry is not None and any(abs(q.first - due) <= slack and q.first <= retry.started
                                 for q in ctx.questions):
        return gave
    return None


def _fallback_renewal_on_conn(ctx: Ctx, t_on: float) -> float | None:
    """
    When the fallback registration's renewal failed on a connection to the
    fallback server, begun after C{t_on}, that failed before any SIP went
    over it, already being opened as the renewal fell due (REG-2's last half
    of a registration there; nothing had renewed it yet): a pending connection
    serves every request waiting for its server (as RTX-5 reads it), though
    the wire names it for the call's INVITE that opened it.  Every target has
    then failed and RTX-5's retries take over (survey 7016 [01], round 17:
    successive mode, TCP, the fallback server stopped, a call's connection
    there at 30 s refused at 31 s, the renewal due at 30.4 s).  So does one
    begun while the renewal was due and not yet made, a planned BYE's or
    re-INVITE's aside: the renewal's own, which the wire may leave unnamed or
    give to a call placed in the same second (survey 7049 [4766], round 28:
    TLS, the renewal's connection at 30.8 s refused at 31 s, a call at 31 s).
    """
    fb = ctx.fallback
    regs = [r for r in ctx.regs if r.dst == fb and r.t >= t_on - ctx.tol]
    out = []
    for a in ctx.conn_attempts:
        if a.server != fb or a.start <= t_on + ctx.tol:
            continue
        # (one begun once the renewal fell due may be a planned BYE's or re-INVITE's
        # alone, round 15's reading, FallbackRenewalRefusedBeforeTheCallsHangUpTests)
        in_dialog = _hang_up_conn(ctx, a) or a.index in ctx.hang_up_claims
        for r in regs:
            # (already being opened when the renewal fell due, or begun while it was due
            # and not yet made: the renewal's own, which no request on the wire names;
            # either way failing after it fell due)
            due = r.t + r.granted / 2
            if not (due - ctx.tol <= a.t <= r.t + r.granted):
                continue
            if a.start >= due - ctx.tol and in_dialog:
                continue
            if any(x.method == "REGISTER" and x.dst == fb
                   and r.t + ctx.tol < x.first < a.start - ctx.tol for x in ctx.attempts):
                continue  # renewed before that connection
            out.append(a.t)
    return min(out, default=None)


def fbk_s3(ctx: Ctx) -> Verdict:
    c = "FBK-S3"
    guard = _fallback_guard(ctx, c, 1)
    if guard:
        return guard
    periods = ctx.on_fallback_periods
    if not periods:
        return ctx.na(c, "the phone never registered at the fallback server after server 1 "
                         "failed")
    every = float(ctx.facts.account.fallback_timeout)
    ptol = ctx.profile.probe_tolerance + ctx.tol
    ev: list[int] = []
    probes = 0
    all_probes = _probes(ctx)
    fb = ctx.fallback
    off: float | None = None
    for txn, t_on in periods[:1]:
        ev.extend(txn.indexes)
        # The phone is on the fallback server until the working server takes it back
        # (FBK-S4) or the fallback server fails a REGISTER too (its renewal): then
        # every target has failed and RTX-5's retries from the top of the list take
        # over; REGISTERs to the working server after that are those, not probes.
        off = min((d for x in ctx.attempts
                   if x.method == "REGISTER" and x.dst == fb and x.first > t_on + ctx.tol
                   and (d := _fallback_renewal_failed_at(ctx, x)) is not None), default=None)
        shared = _fallback_renewal_on_conn(ctx, t_on)
        if shared is not None:
            off = shared if off is None else min(off, shared)
        until = ctx.end if off is None else min(ctx.end, off)
        # the schedule may run from the previous probe's start or from its outcome
        refs: list[tuple[float, float]] = [(t_on, t_on)]
        end_ref = t_on
        while True:
            nxt = next((p for p in all_probes if until >= p.start > end_ref + ctx.tol), None)
            if nxt is None:
                # (due by the latest reference the schedule may run from, as a probe is
                # judged: a failed lookup's outcome is known only between its last query
                # and the resolver's give-up, DNS-11; explore seed 109 of dns-ip-literal,
                # round 5: the run ended 9.8 s after the last lookup failed)
                due = max(hi for _, hi in refs) + every
                # (a probe begun on time, its lookup answered, whose connection to server 1
                # was still being opened when the run ended: under way, RTX-2 not yet over;
                # survey 7018 [08], round 17: TCP, 5 % loss, the probe's lookup at 292.0 s
                # of 300 naming an address with no server, its SYNs unanswered)
                opening = _opening_after(ctx, 1, end_ref + ctx.tol) if due + ptol < until else None
                if opening is not None and abs(
                        _name_lookup_began(ctx, _phone_queries(ctx), opening[1]) - due) <= ptol:
                    probes += 1
                    ev.append(opening[0])
                    break
                if due + ptol < until:
                    return ctx.failed(c, "no probe of the working server while on the fallback "
                                         "server", f"REGISTER to the working server (or, "
                                      "while DNS fails, a lookup of its name) at "
                                      f"{due:.3f} s ± {ptol:g}", "none",
                                      txn.indexes)
                break
            ok_gap = any(lo + every - ptol <= nxt.start <= hi + every + ptol for lo, hi in refs)
            if not ok_gap:
                return ctx.failed(c, "probe of the working server off the fallback.timeout "
                                     "schedule",
                                  f"probe {every:g} s ± {ptol:g} after {end_ref:.3f} s",
                                  nxt.what, nxt.indexes)
            probes += 1
            ev.extend(nxt.indexes[:1])
            if nxt.answered:
                break
            refs = [(nxt.start, nxt.start), nxt.done]
            end_ref = max(nxt.done[0], nxt.start)  # always moves on
    if not probes:
        if off is not None and off < ctx.end:
            return ctx.na(c, f"the fallback server failed (at {off:.3f} s) before the first "
                             "probe was due")
        return ctx.na(c, "the run ended before the first probe was due")
    return ctx.passed(c, f"{probes} probe(s) of the working server every {every:g} s "
                         f"(± {ptol:g})", ev)


def fbk_s4(ctx: Ctx) -> Verdict:
    c = "FBK-S4"
    guard = _fallback_guard(ctx, c, 1)
    if guard:
        return guard
    periods = ctx.on_fallback_periods
    if not periods:
        return ctx.na(c, "the phone never registered at the fallback server after server 1 "
                         "failed")
    t_on = periods[0][1]
    # a 2xx that came after the phone gave the probe up (RTX-1), or so close to it that
    # it may have, did not put the phone back on the working server
    back = next((r for r in ctx.regs if ctx.group(r.dst) == 1 and r.txn.first > t_on
                 and not r.txn.late and not ctx.maybe_late(r.txn)), None)
    if back is None:
        return ctx.na(c, "the working server never answered a probe")
    ev = list(back.txn.indexes)
    later = [ch for ch in ctx.rounds if not ch.in_dialog and ch.start > back.t + ctx.tol]
    # a lookup of server 1's domain that gave no address after that is the working
    # server failing again (DNS-11: "counts as failure of that server; fallback takes
    # over"): what follows it is a new fallback (FBK-S2), not a lapse of this return
    # (explore seed 8: both answers of a renewal's lookup lost)
    relapse = min((d.start for d in ctx.dns_downs if d.start > back.t + ctx.tol),
                  default=float("inf"))
    # so is a connection to it that failed (RTX-2), whatever request it carried (a
    # call's BYE and the next call's INVITE sharing one refused connection: explore
    # seed 23 of dns-ip-literal, the working server down again mid-call)
    relapse = min([relapse] + [a.t for a in ctx.conn_attempts
                               if ctx.group(a.server) == 1 and a.start > back.t + ctx.tol])
    # and so is the renewal there lost with the connection its server closed as it
    # fell due (survey 7016 [05], round 16: TCP, the primary's idle close at the renewal)
    relapse = min([relapse] + [t for t in _renewal_lost_at_close(ctx) if t > back.t + ctx.tol])
    prev: wire.Chain | None = None
    for ch in later:
        if ch.start + ctx.tol >= relapse:
            break
        gave = prev.tail.started + ctx.give_up(prev.tail) if prev is not None else 0.0
        if (ctx.group(ch.head.dst) != 1 and prev is not None and ctx.maybe_late(prev.tail)
                # (the fallback try began with its connection's first SYN, RTX-2: its
                # REGISTER may reach the server seconds later; survey 7013 [03], round
                # 14: TLS, 20 % loss, the SYN-ACKs lost, the REGISTER there 1.3 s late)
                and min(abs(ch.start - gave), abs(ch.head.started - gave)) <= ctx.at_once):
            # the working server's 2xx to the round before came so close to the phone's
            # give-up time (RTX-1) that it may have been too late, and the phone went to
            # the fallback server at that very time: for the phone the working server
            # failed again, and this is a new fallback (FBK-S2; explore seed 25 of
            # dns-ip-literal: 100 ms latency, the 200's first copies lost)
            break
        prev = ch
        ev.extend(ch.head.indexes)
        if ctx.group(ch.head.dst) != 1:
            if ch.method == "REGISTER":
                return ctx.failed(c, "back on the working server, yet a REGISTER went to the "
                                     "fallback server", "REGISTER to the working server only",
                                  ch.head.describe(), ch.head.indexes)
            return ctx.failed(c, "back on the working server, yet a new request went to the "
                                 "fallback server", f"{ch.method} to the working server",
                              ch.head.describe(), ch.head.indexes)
        if ctx.exhausted(ch):
            break
    return ctx.passed(c, f"registered at the working server again at {back.t:.3f} s; "
                         f"{len(later)} later request(s) went there", ev)


def fbk_f(ctx: Ctx) -> Verdict:
    c = "FBK-F"
    rejected = [t for t in ctx.txns if t.final is not None and t.final.status in (405, 489, 501)]
    if not rejected:
        return ctx.na(c, "no server rejected a request as unsupported (405/489/501)")
    ev: list[int] = []
    for t in rejected:
        assert t.final_t is not None and t.final is not None
        ev.extend(t.indexes)
        other = next((x for x in ctx.txns if x.call_id == t.call_id and x.method == t.method
                      and x.dst != t.dst and x.first >= t.final_t - ctx.tol), None)
        if other is not None:
            return ctx.failed(c, f"a {t.final.status} made the phone fail over",
                              f"no {t.method} to another server", other.describe(),
                              (*t.indexes, *other.indexes))
        for plan in ctx.facts.calls:
            if plan.at <= t.final_t:
                continue
            inv = next((ch for ch in ctx.rounds if ch.method == "INVITE" and not ch.in_dialog
                        and ch.start >= plan.at - ctx.tol), None)
            if inv is None:
                if plan.at + 1.0 < ctx.end:
                    return ctx.failed(c, f"after the {t.final.status} the phone stopped calling",
                                      f"INVITE at {plan.at:.3f} s", "none", t.indexes)
                continue
            ev.extend(inv.head.indexes)
            if inv.start > plan.at + 1.0 + ctx.tol:
                return ctx.failed(c, f"after the {t.final.status} the planned call was late",
                                  f"INVITE at {plan.at:.3f} s", inv.head.describe(),
                                  inv.head.indexes)
    return ctx.passed(c, f"{len(rejected)} unsupported-feature rejection(s); calling went on, "
                         "no failover", ev)


# -- TLS, STORM ------------------------------------------------------------------------------


_BAD_CERT = ("wrong", "self", "expired", "untrusted", "mismatch", "bad", "revoked", "unknown-ca")


def _untrusted_cert(detail: str) -> bool:
    """
    Whether a C{cert} fault's certificate (C{"name=wrong-name"}) is one a
    compliant phone must reject.  A server's own certificate (any other name)
    makes it trusted again.
    """
    return any(word in detail.lower() for word in _BAD_CERT)


def tls1(ctx: Ctx) -> Verdict:
    c = "TLS-1"
    periods: dict[str, list[tuple[float, float, tuple[int, ...]]]] = {}
    for role in ctx.facts.untrusted:
        s = ctx.facts.server(role)
        if s is not None:
            periods.setdefault(s.address, []).append((0.0, float("inf"), ()))
    for i, f in ctx.faults:
        s = ctx.facts.server(f.target)
        if s is None:
            continue
        if f.action == "cert" and _untrusted_cert(f.detail):
            periods.setdefault(s.address, []).append((f.t, float("inf"), (i,)))
        elif f.action == "restore" or f.action == "cert":
            periods[s.address] = [(a, min(b, f.t) if a <= f.t else b, ev)
                                  for a, b, ev in periods.get(s.address, [])]
    if not periods:
        return ctx.na(c, "no server presented an untrusted or mismatched certificate")
    attempts: list[int] = []
    for addr, spans in periods.items():
        for a, b, fev in spans:
            for n, e in enumerate(ctx.trace.events):
                if not a <= e.t <= b:
                    continue
                if (
                    isinstance(e, SipEvent)
                    and e.observer == addr
                    and e.direction == "in"
                    and e.transport == "tls"
                    and (ctx.facts.phone is None or e.remote[0] == ctx.facts.phone)
                ):
                    return ctx.failed(c, f"SIP accepted over TLS by the phone although "
                                         f"{ctx.name(addr)}'s certificate is untrusted",
                                      "handshake aborted, no SIP over that connection",
                                      f"{getattr(e.message, 'method', 'message')} over TLS at "
                                      f"{e.t:.3f} s", (*fev, n))
                if (
                    isinstance(e, ConnEvent)
                    and e.transport == "tls"
                    and addr in (e.local[0], e.remote[0])
                    and e.what in ("tls-fail", "accept", "close", "reset")
                ):
                    attempts.append(n)
    if not attempts:
        return ctx.na(c, "the phone never tried TLS to a server with an untrusted certificate")
    return ctx.passed(c, f"{len(attempts)} TLS connection event(s) at untrusted servers, no SIP "
                         "delivered over them", attempts)


def storm1(ctx: Ctx) -> Verdict:
    c = "STORM-1"
    servers = ctx.facts.addresses
    times: list[float] = []
    phones: set[str] = set()
    ev: list[int] = []
    # (the SIP events and the packets: a REGISTER the network dropped at a server, down
    # or cut off, is part of the wave all the same)
    for i, e in ctx.trace.indexed(PacketEvent, SipEvent):  # (the same list as wire.py's)
        if (
            isinstance(e, SipEvent)
            and e.direction == "in"
            and e.observer in servers
            and getattr(e.message, "method", None) == "REGISTER"
        ):
            times.append(e.t)
            phones.add(e.remote[0])
            ev.append(i)
        elif isinstance(e, PacketEvent) and e.fate != "delivered" and e.dst[0] in servers:
            if e.payload.startswith(b"REGISTER "):
                times.append(e.t)
                phones.add(e.src[0])
                ev.append(i)
    if len(phones) < 2:
        return ctx.na(c, "fewer than two phones registered: no storm to measure")
    buckets = Counter(int(t) for t in times)
    span = max(buckets) - min(buckets) + 1
    mean = len(times) / span
    peak = max(buckets.values())
    ratio = peak / mean
    figure = (f"{len(phones)} phones, {len(times)} REGISTERs over {span} s: peak {peak}/s, "
              f"mean {mean:.2f}/s, peak-to-mean {ratio:.2f}")
    bound = ctx.facts.storm_bound
    if bound is None:
        bound = getattr(ctx.profile, "storm_bound", None)
    if bound is not None and ratio > bound:
        return ctx.failed(c, f"synchronized re-registration wave: {figure}",
                          f"peak-to-mean <= {bound:g}", f"{ratio:.2f}", ev[:50])
    return ctx.passed(c, figure, ev[:50])


# -- CFG ---------------------------------------------------------------------------------------


def cfg1(ctx: Ctx) -> Verdict:
    c = "CFG-1"
    acct = ctx.facts.account
    s1 = acct.server(1)
    checks: list[str] = []
    ev: list[int] = []
    g1 = [t for t in ctx.txns if ctx.group(t.dst) == 1]
    if not acct.enabled:
        if ctx.txns:
            return ctx.failed(c, "enable defaults to 0: the disabled account sent requests",
                              "nothing sent", ctx.txns[0].describe(), ctx.txns[0].indexes)
        return ctx.passed(c, "enable 0: nothing sent")
    if s1.expires == 3600:
        regs = [t for t in g1 if t.method == "REGISTER" and wire.asked_expires(t.request) != 0]
        for t in regs:
            if wire.asked_expires(t.request) != 3600:
                return ctx.failed(c, "default expires not asked", "expires 3600",
                                  f"{wire.asked_expires(t.request)}", t.indexes)
        if regs:
            checks.append("expires 3600")
            ev.extend(regs[0].indexes)
    if s1.retry_counts == 3:
        silent = [t for t in g1 if t.transport == "udp" and t.final is None and not t.provisional
                  and ctx.completed(t) and t.method != "ACK"]
        for t in silent:
            if len(t.sends) != 4:
                return ctx.failed(c, "default retry_counts 3 not applied", "1 + 3 sends",
                                  t.describe(), t.indexes)
        if silent:
            checks.append("1 + 3 sends")
            ev.extend(silent[0].indexes)
    if acct.transport == 0 and g1:
        for t in g1:
            if t.transport != "udp":
                return ctx.failed(c, "default transport 0 (UDP) not used", "UDP",
                                  t.describe() + f" over {t.transport}", t.indexes)
        checks.append("UDP")
        ev.extend(g1[0].indexes[:1])
    if s1.is_ip and s1.port == 5060 and g1:
        for t in g1:
            if t.sends[0].port != 5060:
                return ctx.failed(c, "default port 5060 not used", "port 5060",
                                  f"port {t.sends[0].port}", t.indexes)
        checks.append("port 5060")
    if not checks:
        return ctx.na(c, "no default setting had a consequence on the wire in this run")
    return ctx.passed(c, "defaults seen on the wire: " + ", ".join(checks), ev)


_ERROR_RE = re.compile(r"^.+:\d+: .+\(valid: .+\)$")


def cfg2(ctx: Ctx) -> Verdict:
    c = "CFG-2"
    f = ctx.facts
    if f.config_file is None:
        return ctx.na(c, "judged on the configuration loader's outcome, which this run does not "
                         "carry (see tests/phone/test_config.py)")
    if f.config_expect_errors is True and not f.config_errors:
        return ctx.failed(c, f"{f.config_file}: a bad file was accepted",
                          "a clear error and nothing applied", "no error")
    if f.config_expect_errors is False and f.config_errors:
        return ctx.failed(c, f"{f.config_file}: a valid file was rejected", "no error",
                          f.config_errors[0])
    for err in f.config_errors:
        if not _ERROR_RE.match(err):
            return ctx.failed(c, "an error does not name file, line, key, value and range",
                              "file:line: key = value: problem (valid: range)", err)
    if f.config_errors and ctx.txns:
        return ctx.failed(c, "the rejected file was applied: the phone sent requests",
                          "nothing from the file applied", ctx.txns[0].describe(),
                          ctx.txns[0].indexes)
    return ctx.passed(c, f"{f.config_file}: {len(f.config_errors)} error(s), each naming "
                         "file, line, key, value and range")


def cfg3(ctx: Ctx) -> Verdict:
    c = "CFG-3"
    f = ctx.facts
    if f.config_file is None:
        return ctx.na(c, "judged on the configuration loader's outcome, which this run does not "
                         "carry (see tests/phone/test_config.py)")
    unknown = [w for w in f.config_warnings if "unknown key" in w]
    if f.config_unknown_keys is None and not unknown:
        return ctx.na(c, f"{f.config_file} has no unknown keys")
    if f.config_errors and not f.config_expect_errors:
        return ctx.failed(c, "unknown keys made the file an error", "warnings only",
                          f.config_errors[0])
    if f.config_unknown_keys is not None and len(unknown) != f.config_unknown_keys:
        return ctx.failed(c, "not one warning per unknown key",
                          f"{f.config_unknown_keys} warning(s)", f"{len(unknown)}")
    return ctx.passed(c, f"{len(unknown)} unknown key(s), one warning each, no error")


CHECKS = {
    "FBK-C1": fbk_c1,
    "FBK-C2": fbk_c2,
    "FBK-C3": fbk_c3,
    "FBK-S1": fbk_s1,
    "FBK-S2": fbk_s2,
    "FBK-S3": fbk_s3,
    "FBK-S4": fbk_s4,
    "FBK-F": fbk_f,
    "TLS-1": tls1,
    "STORM-1": storm1,
    "CFG-1": cfg1,
    "CFG-2": cfg2,
    "CFG-3": cfg3,
}
