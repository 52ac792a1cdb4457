"""
Checkers for RTX-* (when a server counts as failed) and REG-* (registration).

Each reads the phone's transactions and chains (L{harness.certify.wire}) and
compares them with the profile's timers.  Times are compared with the facts'
tolerance (C{Facts.tol}); "at once" means within four tolerances (a TCP or TLS
handshake to the next target fits in that on the simulated network).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from harness.certify import wire
from harness.certify.checks_base import Ctx, retry_after
from harness.certify.checks_dns import (
    DNS_GIVE_UP,
    DnsDown,
    _ended_without,
    _reask_run,
    address_asked,
    address_heard_again,
    address_reasked,
    address_reasked_until,
    first_resolved_target,
    given_up_as_begun,
    given_up_before,
    given_up_unresolved_targets,
    in_flight,
    reask_of_another_lookup,
    server1_first_question,
    server1_query_times,
    settled_unresolved_targets,
    unresolved_names,
    unresolved_targets,
)
from harness.certify.verdict import Verdict
from harness.sip.message import ParseError, Request
from harness.trace.events import ConnEvent, PacketEvent, SipEvent

__all__ = ["CHECKS"]


def _began(ctx: Ctx, lo: float, nxt: wire.Txn) -> float:
    """
    When the move to the next target C{nxt} began, from C{lo} on: its first
    send or connection, or the phone asking again for its address if the
    lookup in use gave none (DNS-8: its address query failed or was lost;
    DNS-11: asked again when the target is needed, explore seed 2).
    """
    asked = address_asked(ctx, nxt.dst, lo, nxt.first)
    if asked is None:
        # (the lookup in use as seen a tolerance later: an answer heard just before the
        # failure, inside the tolerance before it, was in the resolution the phone
        # moved on from; explore seed 278 of round 8, fourth find, the secondary's
        # address heard 15 ms before its refusal, the primary's lost and asked again)
        asked = address_asked(ctx, nxt.dst, lo + ctx.tol, nxt.first)
    if asked is None:
        return nxt.started
    return min(nxt.started, _missing_asked_from(ctx, lo, asked))


def _missing_asked_from(ctx: Ctx, lo: float, asked: float) -> float:
    """
    When the phone, from C{lo} on, began asking again for the addresses the
    lookup in use at C{lo} gave none for, in the run of address queries that
    led to the one at C{asked}: it asks for every such target again, in SRV
    order, when every target it had has failed (DNS-8, DNS-11), so moving on
    began with the first, even one for a target before the next (explore
    seed 15 of round 3: a target with no address first in the SRV order,
    asked for again at the primary's give-up, then the secondary's address).
    """
    from harness.certify.checks_dns import _unsent_queries

    names = unresolved_names(ctx, lo)
    tries = sorted({q.t for _, q, _ in ctx.dns if q.qtype == "A" and wire.norm(q.qname) in names}
                   | {q.t for q in _unsent_queries(ctx) if q.type == "A" and q.name in names})
    start = asked
    for t in reversed([t for t in tries if lo <= t < asked]):
        if start - t > DNS_GIVE_UP:
            break
        start = t
    return start


def _next_in_chain(ctx: Ctx, txn: wire.Txn) -> wire.Txn | None:
    """The next attempt of the same round (a retry after a pause is not "moving on")."""
    for c in ctx.rounds:
        for n, t in enumerate(c.txns):
            if t is txn:
                nxt = c.txns[n + 1] if n + 1 < len(c.txns) else None
                return _past_others_register(ctx, txn, nxt)
    return None


def _past_others_register(ctx: Ctx, txn: wire.Txn, nxt: wire.Txn | None) -> wire.Txn | None:
    """
    C{nxt}, unless it is FO-5's REGISTER for another request (a call's, as it
    moved on) over and done before the REGISTER C{txn} was due to give its
    target up: that is not C{txn}'s move to the next target, the next
    REGISTER after it is (explore seed 37 of round 3: a renewal silent at
    the primary, a call's INVITE giving the primary up meanwhile and FO-5's
    REGISTER to the secondary answered at once; the renewal went on to the
    secondary at its own give-up time).  One still under way then is the
    renewal's as well (the phone waits for it, RFC 3261 10.2).
    """
    if (nxt is None or txn.method != "REGISTER" or not _roe_register(ctx, nxt)
            or _roe_register(ctx, txn)):
        return nxt
    done = nxt.final_t if nxt.final_t is not None else ctx.failed_at(nxt)
    if done is None or done > txn.started + ctx.give_up(txn) - ctx.tol:
        return nxt
    # (one sent once C{txn} had ended, its 503 heard, is C{txn}'s move as well: the
    # phone sends one REGISTER of the Call-ID at a time, and it went to the target the
    # registration moved on to; survey w7049 [5775], round 28, TCP, the REGISTER and a
    # call's INVITE both answered 503 by the primary at 0.035 s, one REGISTER to the
    # secondary at 0.05 s for both)
    ended = txn.final_t if txn.final_t is not None else ctx.failed_at(txn)
    if ended is not None and nxt.started >= ended - ctx.tol:
        return nxt
    # (FO-5's REGISTER answered, the one after it starts a chain of its own)
    return next((x for x in ctx.attempts if x.method == "REGISTER" and x.call_id == txn.call_id
                 and x.first > nxt.first and ctx.group(x.dst) == ctx.group(txn.dst)
                 and not _roe_register(ctx, x)), None)


def _chain_of(ctx: Ctx, txn: wire.Txn) -> wire.Chain | None:
    for c in ctx.rounds:
        if any(t is txn for t in c.txns):
            return c
    return None


def _fmt(xs: list[float]) -> str:
    return "[" + ", ".join(f"{x:.3f}" for x in xs) + "]"


# -- RTX ------------------------------------------------------------------------------


def _closed_at_retry(ctx: Ctx, due: tuple[float, ...], slack: float) -> float | None:
    """
    When a connection between the phone and a server of server 1 came to its
    end at one of the retry times C{due} (within C{slack}): the server sent its
    close (a TLS close_notify, a FIN) then, and the connection closed, by
    either end, within a second; C{None} if none did.
    """
    segs = [(p.src, p.dst, p.t) for _, p in ctx.trace.indexed(PacketEvent)
            if p.proto == "tcp" and p.fate == "delivered" and p.src[0] in ctx.facts.addresses
            and not p.payload and "S" not in p.flags and "R" not in p.flags]
    for _, e in ctx.trace.indexed(ConnEvent):
        if (e.what != "close" or e.local[0] != e.observer or ctx.group(e.local[0]) != 1
                or (ctx.facts.phone is not None and e.remote[0] != ctx.facts.phone)):
            continue
        sent = [t for src, dst, t in segs if src == e.local and dst == e.remote
                and e.t - 1.0 <= t <= e.t]
        if not sent:
            continue
        at = max(sent)
        if any(abs(at - d) <= slack for d in due):
            return at
    return None


def _unread_records(ctx: Ctx, lo: float, hi: float, group: int | None) -> list[float]:
    """
    When, in (C{lo}, C{hi}], a server of C{group} closed a TLS connection with
    the phone just as the phone wrote a record onto it that the server never
    read (a request lost with the connection: nothing says which, but it was
    one): the times of those closes.
    """
    out = []
    for _, e in ctx.trace.indexed(ConnEvent):
        if (e.what != "close" or e.local[0] != e.observer or ctx.group(e.local[0]) != group
                or not lo < e.t <= hi
                or (ctx.facts.phone is not None and e.remote[0] != ctx.facts.phone)):
            continue
        recs = [p.t for _, p in ctx.trace.indexed(PacketEvent)
                if p.proto == "tcp" and not p.payload and not p.flags and p.fate == "delivered"
                and p.src == e.remote and p.dst == e.local and e.t - ctx.tol <= p.t <= e.t]
        if recs and not any(
                s.direction == "in" and s.observer == e.local[0] and s.remote == e.remote
                and min(recs) <= s.t <= e.t + ctx.tol
                for _, s in ctx.trace.indexed(SipEvent)):
            out.append(e.t)
    return out


def _written_by(ctx: Ctx, x: wire.Txn) -> float:
    """
    The latest time the phone may have written C{x}'s request: over TCP/TLS, a
    request held back behind another's lost segment and delivered with its
    retransmission was written at some time between that lost copy (the time
    the wire gives it, C{x.first}) and the first segment that carried it when
    the wire shows it (L{wire.Sent.written_by}), else the server reading it.
    (The read alone let a phone that moved on early pass whenever the network
    held its request past the due time: review of survey w7086 [8224], round 36.)
    """
    s0 = x.sends[0]
    if x.on_wire and s0.held and s0.written_by is not None:
        return max(x.first, s0.written_by)
    if x.on_wire and x.transport != "udp" and s0.delivered:
        return max(x.first, ctx.trace.events[s0.index].t)
    return x.first


def _joined_opening(ctx: Ctx, x: wire.Txn) -> bool:
    """
    Whether C{x}, a REGISTER, went out in the first burst of a TCP/TLS
    connection a planned call's INVITE opened as the call was placed (or its
    hang-up's BYE or re-INVITE, as that fell due): it may
    have been handed to the transport at any time while the connection was
    being opened, joining it (the phone opens no second one to the same
    server).
    """
    if x.method != "REGISTER" or x.conn_start is None or not x.on_wire:
        return False
    start, s0 = x.conn_start, x.sends[0]
    if ctx.at_call_moment(start) and any(
            y.method == "INVITE" and not y.in_dialog and y.dst == x.dst
            and y.conn_start == start and y.sends[0].sport == s0.sport for y in ctx.txns):
        return True
    # (or one a planned hang-up's BYE (re-INVITE) opened to its dialog's server as it
    # fell due: explore seed 113 of round 8, next find, the BYE's SYNs lost from
    # 552.01 s, the retry due at 555.005 s written with it as it came up at 555.02 s)
    return any(srv == x.dst and due - ctx.tol <= start <= due + 1.0 + ctx.tol
               for srv, due in ctx.planned_in_dialog) and any(
        y.in_dialog and y.method in ("BYE", "INVITE") and y.dst == x.dst
        and y.conn_start == start and y.sends[0].sport == s0.sport for y in ctx.txns)


def _call_joined_opening(ctx: Ctx, x: wire.Txn) -> float | None:
    """
    When C{x}, a planned call's first INVITE over TCP/TLS, may first have been
    handed to the transport: the call was placed while the connection it went
    over was being opened (its first SYN before the call), so it joined that
    connection (the phone opens no second one to the same server) and its
    timer ran from the call's moment, not from its write as the connection
    came up.  C{None} if it did not, or if that is not clear: the connection
    the call's own (a call placed at its first SYN), or two calls placed while
    it was being opened.
    """
    if x.method != "INVITE" or x.in_dialog or not x.on_wire or x.transport == "udp":
        return None
    s0 = x.sends[0]
    syn = wire._first_syns(ctx.trace, ctx.facts).get((s0.dst, s0.port, s0.sport))
    if syn is None or syn >= x.first - ctx.tol:
        return None
    # (a connection a call opened as it was placed is that call's own, its INVITE timed
    # from its first SYN already; and with two calls joining it the wire cannot tell
    # which INVITE was which, explore seed 11 of round 2: neither is read here)
    if any(abs(p.at - syn) <= ctx.tol for p in ctx.facts.calls):
        return None
    placed = [p.at for p in ctx.facts.calls if syn < p.at <= x.first + ctx.tol]
    return placed[0] if len(placed) == 1 else None


def _roe_for_call(ctx: Ctx, t: wire.Txn, registered: str) -> bool:
    """
    Whether C{t} is register_on_enable's REGISTER (FO-5) to a target of server 1
    other than C{registered}, sent as a planned call was placed, that call's
    INVITE following it.  Not one that left the phone before the call was
    placed (the wire times a request from the server's read, a latency
    later: survey w7037 [9833], round 24, 100 ms latency, failback_mode 2,
    the renewal to the primary written at 246.66 s, read at 246.76 s, a call
    placed at 247 s).
    """
    if (t.method != "REGISTER" or ctx.group(t.dst) != 1 or t.dst == registered
            or not ctx.facts.account.server(1).register_on_enable):
        return False
    if not ctx.at_call_moment(t.started) or not ctx.at_call_moment(ctx.left_phone(t)):
        return False
    end = t.started + ctx.give_up(t) + ctx.at_once
    return any(x.method == "INVITE" and not x.in_dialog and t.started <= x.started <= end
               for x in ctx.txns)


def _top_unknown(ctx: Ctx, t: float) -> bool:
    """
    Whether the lookup of server 1 in use at C{t} did not say which target is
    the primary: it gave no address for its first target though it was asked
    (the query or its answer lost, DNS-11), L{first_resolved_target}.
    """
    from harness.certify.checks_dns import _server1_lookups

    return (any(lk[0].t <= t + ctx.tol for lk in _server1_lookups(ctx))
            and first_resolved_target(ctx, t) is None)


def _roe_before_call(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether C{t} is register_on_enable's REGISTER to a secondary sent as a
    planned call was placed, answered 2xx in time, the call's INVITE going to
    that target right after it (FO-5: registered there before other requests).
    """
    if (t.method != "REGISTER" or ctx.group(t.dst) != 1
            # (the primary too, when the phone could not know it was: the lookup in use
            # then lacked the first target's address, its query lost, DNS-8/DNS-11;
            # survey 7002: the account unregistered, a call's lookup losing the first
            # SRV target's A query, FO-5's REGISTER to the primary before the INVITE)
            or (ctx.is_primary(t.dst) and not _top_unknown(ctx, t.started))
            or not ctx.facts.account.server(1).register_on_enable
            or not t.ok or t.late or t.final_t is None):
        return False
    # (the call placed before it: the REGISTER may follow the INVITE's failure at the
    # primary, seconds after the call was placed; explore seed 24 of round 4, next find)
    if not any(p.at - ctx.tol <= t.started for p in ctx.facts.calls):
        return False
    return any(x.method == "INVITE" and not x.in_dialog and x.dst == t.dst
               and t.final_t - ctx.tol <= x.started <= t.final_t + ctx.at_once
               for x in ctx.txns)


def _roe_failed_at_call(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether C{t}, a REGISTER to server 1 under register_on_enable, was FO-5's
    REGISTER ahead of a planned call's INVITE at the call's first target (a
    secondary, or the primary when the lookup in use lacked the first
    target's address, L{_top_unknown}), sent as the call was placed, and
    failed or was refused (L{wire.Txn.refused}: no registration either):
    the call's first INVITE on the wire followed its end, at once
    or once the phone had asked again for the addresses it lacked (DNS-11),
    elsewhere (survey 7007 [14], round 9: the primary silent at 112 s, ghost's
    address asked again in vain, the INVITE to the fallback server at 114.7 s;
    the registration's own retry came at 118.5 s, from its own failure).
    """
    if not wire.in_call_window(ctx.trace, ctx.facts, t.started):
        return False
    done = roe_ended_at(ctx, t)
    if done is None:
        return False
    lo, hi = _roe_window(ctx, done, relook=True)
    seen: set[str] = set()
    for x in ctx.attempts:
        if x.method != "INVITE" or x.in_dialog or not x.on_wire:
            continue
        first = x.call_id not in seen
        seen.add(x.call_id)
        if first and x.dst != t.dst and lo <= x.started <= hi:
            return True
    return _call_moved_on_unsent(ctx, t, lo, hi) or _call_out_of_targets(ctx, t, done, hi)


def _call_moved_on_unsent(ctx: Ctx, t: wire.Txn, lo: float, hi: float) -> bool:
    """
    Whether the call behind FO-5's REGISTER C{t}, sent in its moment, moved
    on when C{t} ended (between C{lo} and C{hi}, L{_roe_window}) over a
    connection to another target of server 1 that failed before any SIP went
    over it (RTX-2: refused, reset), and no new INVITE reached the wire from
    C{t} until the next call was placed or the run ended: that connection was
    the INVITE's attempt there, as an INVITE on the wire would be, and the
    call failed at server 1 (FO-6) with nothing on the wire to name it.  The
    wire, naming a failed connection by the request that failed as it began,
    reads it as the REGISTER's failover, and RTX-5 took the two for a
    registration round that failed every target (survey w7052 [8913], round
    29: TCP, successive mode with no fallback server, a call's REGISTER silent
    at the secondary from 89.02 s, its connection to the stopped primary
    refused at 92.53 s; the registration's retry at its own time, 97.3 s).
    """
    if _moved_on_over(ctx, t, lo, hi) is None:
        return False
    until = min((p.at for p in ctx.facts.calls if p.at > t.started + ctx.tol),
                default=ctx.end)
    return not any(x.method == "INVITE" and not x.in_dialog and x.on_wire
                   and t.started <= x.started <= until for x in ctx.attempts)


def _call_out_of_targets(ctx: Ctx, t: wire.Txn, done: float, hi: float) -> bool:
    """
    Whether the call behind FO-5's REGISTER C{t}, sent in its moment and
    ended at C{done}, had no target left after it: the phone asked again at
    once (by C{hi}) for the addresses its lookup lacked (DNS-11: the call
    needed its next target) and no new INVITE reached the wire from C{t}
    until the next call was placed or the run ended (FO-6: the call failed
    at server 1, with no fallback server to go to).  The REGISTER was that
    call's attempt, not the registration's (survey w7047 [2454..2455], round
    27: the top SRV target's address lost, a call's REGISTER to the primary
    given up at 86.3 s, ghost's address asked again, NXDOMAIN; the
    registration's retry at its time, 99.5 s).
    """
    from harness.certify.checks_dns import _reask_run

    if not any(done - ctx.tol <= q_t <= hi for q_t, _, _ in _reask_run(ctx, done)):
        return False
    until = min((p.at for p in ctx.facts.calls if p.at > t.started + ctx.tol),
                default=ctx.end)
    return not any(x.method == "INVITE" and not x.in_dialog and x.on_wire
                   and t.started <= x.started <= until for x in ctx.attempts)


def _moved_on_over(ctx: Ctx, t: wire.Txn, lo: float, hi: float) -> wire.ConnAttempt | None:
    """
    The connection to another target of server 1, failed before any SIP went
    over it, that began between C{lo} and C{hi} as FO-5's REGISTER C{t} ended
    (L{_call_moved_on_unsent}), if any: after C{t} began, and to a target
    the call had not tried before C{t} since it was placed (its INVITE never
    goes back to a target it left, RTX-2: a connection there then is another
    request's, RTX-5's retry waiting for C{t}; survey w7036 [910], round 24).
    """
    placed = ctx.last_call_planned(t.started + ctx.tol)
    if placed is None:
        placed = t.started
    tried = {x.dst for x in ctx.attempts
             if placed - ctx.tol <= x.started and x.first < t.first and x is not t}
    return next((a for a in ctx.conn_attempts
                 if ctx.group(a.server) == 1 and a.server != t.dst and a.server not in tried
                 and t.first < a.start and lo <= a.start <= hi),
                None)


def unsent_call_attempts(ctx: Ctx) -> frozenset[int]:
    """
    The C{id}s of the attempts the wire names by a REGISTER that were a
    call's INVITE moving on from FO-5's REGISTER over a connection that failed
    before any SIP went over it (L{_call_moved_on_unsent}): no attempt of the
    registration, so L{Ctx.rounds} leaves them out of its rounds (FO-2, RTX-5).
    """
    conns: set[int] = set()
    for t in ctx.txns:
        if id(t) not in ctx.roe_registers:
            continue
        done = roe_ended_at(ctx, t)
        if done is None:
            continue
        lo, hi = _roe_window(ctx, done, relook=True)
        a = _moved_on_over(ctx, t, lo, hi)
        if a is not None and _call_moved_on_unsent(ctx, t, lo, hi):
            conns.add(a.index)
    return frozenset(id(x) for x in ctx.attempts
                     if not x.on_wire and x.method == "REGISTER" and x.conn_failure is not None
                     and x.conn_failure.index in conns)


def roe_ended_at(ctx: Ctx, t: wire.Txn) -> float | None:
    """
    When FO-5's REGISTER C{t} stopped being its request's way to its one
    target: when it failed there (L{Ctx.failed_at}), or when it was refused
    (L{wire.Txn.refused}: a final error other than a challenge registers
    nothing, so no request goes there either, FO-5), at that answer; the
    request behind it moves on then (survey 7031 [5010], round 22: the
    secondary answering every REGISTER 500, a call's REGISTER there, then
    its lookup of the primary and the INVITE).  C{None}: neither.
    """
    done = ctx.failed_at(t)
    if done is None and t.refused and not t.late:
        done = t.final_t
    return done


def _roe_window(ctx: Ctx, done: float, *, relook: bool = False) -> tuple[float, float]:
    """
    When the request behind FO-5's REGISTER that failed at C{done} moves on
    (the REGISTER is for one target only): at once, from the tolerance before
    (a delivered request and a dropped one are timed a latency apart, survey
    7024 [01]) to the at-once allowance after; with C{relook}, or once the
    phone has asked again for the addresses it lacked (DNS-11: a resolver's
    give-up time more).  The one window every reader of FO-5's REGISTER uses.
    """
    return done - ctx.tol, done + (DNS_GIVE_UP if relook else 0.0) + ctx.at_once


def _roe_ahead_of(ctx: Ctx, x: wire.Txn) -> wire.Txn | None:
    """
    The REGISTER of the account to another target of server 1 that the new
    INVITE C{x} went out as it failed, under register_on_enable, if any:
    FO-5's REGISTER there, or one of the account's it waited for and joined
    (RFC 3261 10.2), was the INVITE's attempt at that target, so C{x} was not
    its first (explore seed 316, round 9, third find: a call at 1 s, the
    primary inside its Retry-After, the INVITE's REGISTER to the silent
    secondary joining the registration's until 7.53 s, then the primary as
    the last target).  The wire names transactions by Call-ID, so that
    attempt is in the registration's chain, not the INVITE's.
    """
    if (x.method != "INVITE" or x.in_dialog
            or not ctx.facts.account.server(1).register_on_enable):
        return None
    for y in ctx.txns:
        if (y.method != "REGISTER" or y.dst == x.dst or ctx.group(y.dst) != 1
                or y.started >= x.started - ctx.tol):
            continue
        done = ctx.failed_at(y)
        if done is not None:
            lo, hi = _roe_window(ctx, done)
            if lo <= x.started <= hi:
                return y
    return None


def _roe_failed_at(ctx: Ctx, x: wire.Txn) -> float | None:
    """
    When FO-5's REGISTER C{x} failed its target (L{Ctx.failed_at}), or, its
    200 OK sent so close to RTX-1's give-up time that it may have reached the
    phone after it (L{Ctx.maybe_late}), that give-up time: either reading
    stands, and the request behind it not following there says which the
    phone took (survey 7010 [01] of round 12: TLS, a lost segment, the
    secondary's 200 47 ms after the give-up, nothing left for the INVITE).
    """
    done = ctx.failed_at(x)
    if done is None and ctx.maybe_late(x):
        return x.started + ctx.give_up(x)
    return done


def _roe_cut_off_by_the_end(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether C{t}, a REGISTER to a secondary of server 1 under
    register_on_enable, was FO-5's REGISTER ahead of a planned call's INVITE
    whose answer the end of the run cut off: sent in the call's moment, no
    final answer, not failed by the end, RTX-1's give-up time from it not reached by the
    end, so the INVITE behind it could not follow yet (survey 7016 [06] of
    round 16: a call at 119 s, FB-2 keeping the secondary in use, its REGISTER
    there answered 100 only as the run ended at 120 s).
    """
    return (t.final is None and ((done := ctx.failed_at(t)) is None or done > ctx.end)
            and wire.in_call_window(ctx.trace, ctx.facts, t.started)
            and t.started + ctx.give_up(t) > ctx.end - ctx.tol
            and not any(x.method == "INVITE" and not x.in_dialog and x.started >= t.started
                        for x in ctx.attempts))


def _roe_register(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether C{t} is register_on_enable's REGISTER to a secondary (FO-5): sent as
    another request (an INVITE) gave up a target of server 1.  It is for that one
    target only; when it fails, the request behind it moves on, not the REGISTER.
    """
    if (t.method != "REGISTER" or ctx.group(t.dst) != 1
            or not ctx.facts.account.server(1).register_on_enable):
        return False
    if ctx.is_primary(t.dst):
        # (the primary too, when the phone could not know it was, a call's first target
        # then: L{_roe_failed_at_call})
        return _top_unknown(ctx, t.started) and _roe_failed_at_call(ctx, t)
    if _roe_failed_at_call(ctx, t) or _roe_cut_off_by_the_end(ctx, t):
        return True
    return _roe_after_another_target(ctx, t)


def _gave_up_at(ctx: Ctx, x: wire.Txn) -> float | None:
    """
    When the phone gave C{x}'s target up, as a REGISTER going out to another
    target then may show (L{_roe_after_another_target}): when C{x} failed
    there (L{Ctx.failed_at}), or, its final answer sent so close to RTX-1's
    give-up time that it may have reached the phone only after it
    (L{Ctx.maybe_late}), that give-up time: either reading stands, and FO-5's
    REGISTER to the next target at that instant says which the phone took, as
    L{_roe_failed_at} reads it for a REGISTER (survey w7087 [6963], round 37:
    TLS, 100 ms latency, a call's INVITE to the primary given up at 392.1 s,
    its 200 sent then, FO-5's REGISTER to the silent secondary at once, the
    registration's retry 30 s after that failed).  Not when the answer surely
    reached the phone in time (L{Ctx.surely_in_time}, read on the phone's
    side), nor when the phone ACKed it (L{_acked}): it took the answer and
    kept the call, so it gave nothing up, and a REGISTER then is the
    registration's own.
    """
    done = ctx.failed_at(x)
    if (done is None and ctx.maybe_late(x) and not ctx.surely_in_time(x)
            and not _acked(ctx, x)):
        return x.started + ctx.give_up(x)
    return done


def _acked(ctx: Ctx, x: wire.Txn) -> bool:
    """
    Whether the phone sent C{x}'s target an ACK with C{x}'s Call-ID and CSeq
    (RFC 3261 13.2.2.4: the ACK of an INVITE's 2xx): it had the answer and
    took it, whatever the timing read at the server says.
    """
    return any(a.method == "ACK" and a.call_id == x.call_id and a.cseq == x.cseq
               and a.dst == x.dst for a in ctx.txns)


def _roe_after_another_target(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether REGISTER C{t} went out as another new request (an INVITE) gave
    up, or had its connection fail at, another target of server 1: FO-5's
    REGISTER for that request's next target, its attempt there, so not the
    first target that request tried (RTX-3's Retry-After skips a target
    tried first; survey w7034 [2655], round 23).
    """
    if (t.method != "REGISTER" or ctx.group(t.dst) != 1
            or not ctx.facts.account.server(1).register_on_enable):
        return False
    for x in ctx.txns:
        if x.method in ("REGISTER", "ACK", "CANCEL") or x.in_dialog or x.dst == t.dst:
            continue
        done = _gave_up_at(ctx, x)
        # (over TCP/TLS it began with its connection's first SYN: lost SYNs put its
        # REGISTER on the wire seconds later; explore seed 121 of round 5)
        if ctx.group(x.dst) == 1 and done is not None and (
                abs(done - t.first) <= ctx.tol or abs(done - t.started) <= ctx.tol):
            return True
    # (or a planned call's connection to another target, refused or failed before its
    # INVITE got on the wire, just before: explore seed 36 of round 3, the INVITE's
    # connection to the stopped primary refused, FO-5's REGISTER to the secondary)
    # (in the call's moment, L{wire.call_windows}: explore seed 244, round 9, next find,
    # the call's lookup losing queries, its connection 2 s after it was placed)
    # (or as the phone gave that connection up, its SYNs unanswered for RTX-1's time,
    # before it failed, L{wire._given_up_at}: survey w7098 [9761..9763], round 38, TLS,
    # retry_counts 0, a call's SYN to the stopped primary at 117.18 s, its RST lost,
    # FO-5's REGISTER to the secondary at 117.68 s, the retransmitted SYN refused at
    # 118.23 s; the call's connection, so RTX-1's time is the INVITE's: review of round
    # 38, probe p5)
    return any(
        ctx.group(a.server) == 1 and a.server != t.dst
        and any(g - ctx.tol <= t.started <= g + ctx.at_once
                for g in (a.t, wire._given_up_at(ctx.facts, a, "INVITE")))
        and wire.in_call_window(ctx.trace, ctx.facts, a.start)
        for a in ctx.conn_attempts
    )


def _moved_on_time(ctx: Ctx, t: wire.Txn, nxt: wire.Txn, due: float) -> bool:
    """
    Whether the phone moved on from the silent target of C{t} to C{nxt}'s
    target when C{t} was due to give it up (C{due}, RTX-1's time): C{nxt}
    began then, or, under register_on_enable (FO-5), the REGISTER to the next
    target that must succeed before any other request goes there did.
    """
    roe = _roe_on_time(ctx, t, nxt, due)
    if roe is not None:
        return roe
    return due - ctx.tol <= nxt.started <= due + 2 * ctx.tol + 0.01 or (
        due - ctx.tol <= _began(ctx, due - ctx.tol, nxt) <= due + 2 * ctx.tol + 0.01) or (
        # the lookup in use had no address for it and the phone was asking again (begun
        # at once, or under way for another request that failed just before): moving on
        # runs from the answer naming it, as RTX-2's and RTX-3's "at once" do (survey
        # 7003 of round 7: a call's INVITE answered 503 at 211.00 s, the secondary's
        # address asked again, lost, answered at 212.00 s; the renewal gave the primary
        # up at 211.09 s and went on once that answer came)
        (heard := address_heard_again(ctx, due, nxt.dst)) is not None
        and due - ctx.tol <= nxt.started <= max(due, heard) + 2 * ctx.tol + 0.01) or (
        # ... and got no address (DNS-11: that target failed too): the next target after
        # it runs from the end of that lookup (survey 7007 [04], round 9: the first SRV
        # target's address lost at start, asked again as the primary's INVITE gave up at
        # 86.5 s, the query lost, its NXDOMAIN lost; the fallback at the resolver's
        # give-up, 90.5 s)
        (until := address_reasked_until(ctx, due)) is not None
        and due - ctx.tol <= nxt.started <= until + 2 * ctx.tol + 0.01) or (
        # over a connection another request had opened (and the wire counted nxt among
        # the requests that waited for it, their arrivals within tol): nxt began with its
        # own send (explore seed 43 of round 3: latency 0.1 s, the concurrent REGISTER to
        # the fallback server first on it, the INVITE 0.1 s behind as the primary failed)
        nxt.started < due - ctx.tol and _rode_another(ctx, nxt)
        and due - ctx.tol <= nxt.first <= due + 2 * ctx.tol + 0.01) or (
        # over a connection another request had begun to open before the due time and
        # that came up only after it: nxt went out with the first requests it carried
        # (explore seed 8 of round 4: the REGISTER's SYNs to the secondary lost from
        # 8.54 s, the INVITE giving the primary up at 9.5 s, both sent at 9.75 s)
        nxt.conn_start is not None and nxt.conn_start < due - ctx.tol < nxt.first
        and (_rode_another(ctx, nxt) or _opened_by_fallback_retry(ctx, nxt))) or (
        # TCP held back behind another request's lost segment (L{wire.Sent.held}): nxt
        # was written, so began, at some time from that lost copy, the time the wire gives
        # it, until its own first copy went out, L{_written_by} (survey w7086 [8224],
        # round 36: TLS, the concurrent renewal to the fallback server lost at 495.411 s,
        # the INVITE giving the primary up at 495.5 s behind it, its own first copy lost
        # in that renewal's retransmission at 495.611 s, read at 495.811 s)
        nxt.on_wire and nxt.sends[0].held and nxt.first <= due + 2 * ctx.tol + 0.01
        and due - ctx.tol <= _written_by(ctx, nxt))


def _opened_by_fallback_retry(ctx: Ctx, nxt: wire.Txn) -> bool:
    """
    Whether C{nxt}'s connection to the fallback server was begun by the
    fallback registration's RTX-5 retry, its first SYN a retry interval after
    that registration's last attempt there failed (L{checks_fbk._fallback_backoff}):
    that connection was the registration's, not C{nxt}'s own, even if no
    REGISTER went over it (one with a shorter timer than the connection's
    setup gives up before it comes up).  A request moving on to the fallback
    server as it was being opened joins it (the phone opens no second one to
    the same server) and goes out as it comes up (survey w7045 [2741], round
    27: TLS, 100 ms latency, the fallback's retry_counts 0, its retry's SYN
    at 258.2 s, the ServerHello lost, the connection up at 258.8 s; the
    primary's INVITE given up at 258.5 s, sent over it at 258.8 s).
    """
    from harness.certify.checks_fbk import _fallback_backoff

    start = nxt.conn_start
    if start is None or nxt.dst != ctx.fallback:
        return False
    slack = ctx.tol + ctx.profile.t1
    due = _fallback_backoff(ctx, start - slack)
    return due is not None and abs(due - slack - start) <= slack


def _rode_another(ctx: Ctx, nxt: wire.Txn) -> bool:
    """Whether C{nxt} went over a TCP/TLS connection that carried another request first."""
    s0 = nxt.sends[0]
    return nxt.transport != "udp" and any(
        x is not nxt and x.dst == nxt.dst and x.transport == nxt.transport
        and x.sends[0].sport == s0.sport and x.sends[0].index < s0.index
        for x in ctx.txns)


def _roe_on_time(ctx: Ctx, t: wire.Txn, nxt: wire.Txn, due: float) -> bool | None:
    """
    L{_moved_on_time} for a move that began with a REGISTER to the next
    target at C{due} (FO-5): whether C{nxt} followed it on time (once its
    200 OK arrived); C{None} if no such REGISTER went out then.
    """
    # register_on_enable (FO-5): moving on starts with a REGISTER to the next target
    # (a failed REGISTER to a secondary keeps the request from it: FO-6 follows)
    roe_on = bool(ctx.facts.account.server(1).register_on_enable)
    roe = next((x for x in ctx.txns if x.method == "REGISTER"
                and (x.dst == nxt.dst or (roe_on and x.dst != t.dst
                                          and ctx.group(x.dst) == 1
                                          and ctx.group(t.dst) == 1))
                and t.first < x.first <= nxt.first
                # (FO-5's, over TCP/TLS, began with its connection's SYN: explore seed 2
                # of round 2, second find, the SYN-ACK lost)
                and due - ctx.tol <= (x.started if roe_on else x.first)
                <= due + 2 * ctx.tol + 0.01), None)
    if roe is None and roe_on:
        # FO-5's REGISTER to the next target already under way when this target
        # gave up (another request's, that gave up earlier): the phone waits for
        # it (RFC 3261 10.2: never two REGISTERs of one Call-ID at once) and
        # sends there once it succeeded (explore seed 9: two calls).  Over TCP/TLS it
        # was under way from its connection's first SYN (C{started}), not its first
        # send: survey w7077 [1778], round 34, TLS, the second call's INVITE giving the
        # primary up at 6.5 s, the first call's FO-5 REGISTER to the secondary begun at
        # 5.57 s, its SYN and a handshake segment lost, sent at 6.79 s, its 200 at 7.0 s
        roe = next((x for x in ctx.txns if x.method == "REGISTER"
                    and x.dst == nxt.dst and x.started < due + ctx.tol
                    and x.final is not None and x.final_t is not None
                    and 200 <= x.final.status < 300
                    and due - ctx.tol <= x.final_t <= nxt.started
                    and nxt.started <= x.final_t + ctx.at_once), None)
    if roe is None and roe_on:
        # FO-5's REGISTER to another target of server 1 already under way when this
        # target gave up, that then failed: the phone waited for it, and that target
        # failed for the request behind it (FO-5: no request there before a REGISTER
        # succeeded), which moved on once it had (explore seed 24 of round 3: the
        # REGISTER's own failover to the secondary, its 200 OK lost; the INVITE
        # went to the fallback server when that REGISTER gave up)
        for x in ctx.txns:
            done = ctx.failed_at(x) if x.method == "REGISTER" else None
            # (C{done} within the tolerance after C{nxt} began: a REGISTER the server read
            # is timed by its arrival there, one the network dropped, as a stopped fallback
            # server's INVITE, by the phone's send; survey 7024 [01], round 20, UDP, 5 ms
            # latency, the INVITE to the fallback seemingly sent 5 ms before the REGISTER
            # it had waited for failed)
            if (done is not None and x.dst not in (t.dst, nxt.dst)
                    and ctx.group(x.dst) == 1 and ctx.group(t.dst) == 1
                    and x.started < due + ctx.tol
                    and due - ctx.tol <= done <= nxt.started + ctx.tol):
                return nxt.started <= done + ctx.at_once
    if roe is None and roe_on:
        # a REGISTER of the account still outstanding at the target this request gave
        # up (its renewal, begun before): FO-5's REGISTER to the next target waits for
        # it (RFC 3261 10.2: no new REGISTER of a Call-ID until the previous one has
        # its final response or has timed out), and the REGISTER there that followed
        # its end at once (its own failover, FO-2) is the move; the request goes once
        # that one's 2xx came (explore seed 115 of round 5: the renewal at 15.04 s
        # silent at the primary, a call's INVITE giving the primary up at 15.5 s)
        for x in ctx.txns:
            if (x.method != "REGISTER" or x.dst != t.dst or not x.first < due + ctx.tol
                    or x.started > due + ctx.tol):
                continue
            done = x.final_t if x.final_t is not None else ctx.failed_at(x)
            if done is None or done < due - ctx.tol:
                continue
            roe = next((y for y in ctx.txns if y.method == "REGISTER"
                        and y.call_id == x.call_id and y.dst == nxt.dst
                        and done - ctx.tol <= y.started <= done + ctx.at_once), None)
            if roe is not None:
                break
    if roe is not None:
        if (roe is nxt or roe.dst != nxt.dst or roe.final is None or roe.final_t is None
                or not 200 <= roe.final.status < 300):
            return True
        # the request behind that REGISTER goes once its 200 OK reached the phone (over
        # TCP/TLS a lost segment delays it: explore seed 2), not whenever it likes
        arrived = roe.final_t
        if roe.final_index is not None and roe.transport != "udp":
            arrived = max(arrived, wire.stream_arrivals(ctx.trace, ctx.facts).get(
                roe.final_index, arrived))
        return nxt.started <= arrived + ctx.at_once
    return None


def rtx1(ctx: Ctx) -> Verdict:
    """Silent UDP server: 1 + retry_counts sends on Timer A/E, then the next target on time."""
    c = "RTX-1"
    cands = [
        t
        for t in ctx.txns
        if t.transport == "udp"
        and t.final is None
        and not t.provisional
        and t.method != "ACK"
        and ctx.completed(t)
    ]
    if not cands:
        return ctx.na(c, "no UDP transaction went unanswered to the end of its retransmissions")
    problems: list[tuple[str, str, str, tuple[int, ...]]] = []
    ev: list[int] = []
    moved = 0
    for t in cands:
        rc = ctx.retry_counts(t.dst)
        want = wire.send_offsets(ctx.profile, t.method, rc, "udp")
        got = [s.t - t.first for s in t.sends]
        ev.extend(t.indexes)
        off = any(abs(g - w) > ctx.tol for g, w in zip(got, want, strict=False))
        if len(got) != len(want) or off:
            problems.append(
                (
                    f"{t.describe()}: wrong retransmissions (retry_counts {rc})",
                    f"{len(want)} sends at +{_fmt(want)} s",
                    f"{len(got)} sends at +{_fmt(got)} s",
                    t.indexes,
                )
            )
            continue
        nxt = _next_in_chain(ctx, t)
        if nxt is not None and nxt.dst != t.dst and _roe_register(ctx, t):
            nxt = None  # FO-5's REGISTER for one target: the request behind it moves on
        if nxt is not None and _probe_behind_fallback(ctx, t, nxt):
            nxt = None
        if nxt is not None and nxt.dst != t.dst:
            due = t.first + ctx.give_up(t)
            moved += 1
            ev.extend(nxt.indexes[:1])
            if not _moved_on_time(ctx, t, nxt, due):
                rule = (
                    "when the last interval passed"
                    if ctx.profile.give_up == "last-interval"
                    else "at Timer B/F (64*T1)"
                )
                problems.append(
                    (
                        f"{t.describe()}: next target {ctx.name(nxt.dst)} not tried {rule}",
                        f"first send to {ctx.name(nxt.dst)} at {due:.3f} s "
                        f"(profile {ctx.profile.name})",
                        f"at {nxt.first:.3f} s",
                        (*t.indexes, nxt.sends[0].index),
                    )
                )
    if problems:
        what, exp, seen, evid = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return ctx.failed(c, what + more, exp, seen, evid)
    return ctx.passed(
        c,
        f"{len(cands)} silent transaction(s) got exactly 1 + retry_counts sends on the "
        f"RFC 3261 timers; {moved} moved on to the next target on time "
        f"(profile {ctx.profile.name}, give_up {ctx.profile.give_up})",
        ev,
    )


def _probe_behind_fallback(ctx: Ctx, t: wire.Txn, nxt: wire.Txn) -> bool:
    """
    Whether C{nxt}, at server 1 and begun before C{t} at the fallback server
    was due to give it up, is no move on from C{t}: the fallback server is the
    last target (FO-6), server 1 after it is the top of the list again, so a
    REGISTER there meanwhile is FBK-S3's probe of the working server (or
    another request's), on a schedule of its own (explore seed 215 of round
    6: successive mode, the fallback's renewal silent from 435.3 s, the probe
    due at 438.1 s refused; the renewal failed at its own give-up time).  Not
    if the request went to the fallback server again before that time: it
    had left C{t} early and started over from the top (explore seed 10,
    C{SuccessiveRetryAfterSilentFallbackTests}).
    """
    due = t.started + ctx.give_up(t)
    return (ctx.group(t.dst) == 2 and ctx.group(nxt.dst) == 1
            and nxt.started < due - ctx.tol
            and not any(y.dst == t.dst and y.call_id == t.call_id and y.method == t.method
                        and nxt.first <= y.first < due - ctx.tol for y in ctx.attempts))


def _probe_from_fallback(ctx: Ctx, t: wire.Txn, nxt: wire.Txn) -> bool:
    """
    Whether C{t}, a REGISTER to server 1 while the account was registered at
    the fallback server in successive mode, was FBK-S3's probe of the working
    server: when it fails the phone stays on the fallback server (the probe
    has no next target, FBK-S3 sets the next probe's time), so C{nxt}, a
    REGISTER there, is that registration's renewal on its own schedule, no
    move on from C{t} (survey 7005 of round 8: a TLS probe of the silent
    primary given up at 22.1 s, the fallback renewal at 31.1 s).
    """
    fb = ctx.fallback
    return (ctx.facts.account.redundancy_type == 1 and t.method == "REGISTER"
            and ctx.group(t.dst) == 1 and nxt.dst == fb
            and any(r.dst == fb and r.t <= t.started <= r.t + r.granted for r in ctx.regs))


def _round_exhausted_by(ctx: Ctx, f: wire.ConnFailure) -> bool:
    """
    Whether the connection failure C{f} ended the last attempt of a round (of
    the request the wire reads into that connection, L{wire.attempts}) that
    had tried every target of server 1 by then: no next target is due.
    """
    owner = next((t for t in ctx.attempts if t.conn_failure is not None
                  and f.index in t.conn_failure.indexes), None)
    if owner is None:
        return False
    rnd = _chain_of(ctx, owner)
    if rnd is None:
        return False
    # (the round's last attempt at server 1: it may go on to the fallback server, FO-6,
    # no target of server 1's list; survey 7007 [05], round 9, a call's INVITE refused
    # at the secondary, then the primary, then answered by the fallback)
    at = next(n for n, x in enumerate(rnd.txns) if x is owner)
    after = rnd.txns[at + 1:]
    if any(ctx.group(x.dst) == 1 for x in after):
        return False
    targets = ctx.facts.own_targets
    return bool(targets) and targets <= {x.dst for x in rnd.txns}


def _hang_up_claims(
    ctx: Ctx, conns: Sequence[wire.ConnAttempt], hang_ups: Sequence[tuple[str, float]],
    calls: AbstractSet[int] = frozenset(),
) -> set[int]:
    """
    The failed connections the phone's planned in-dialog requests opened: for
    each hang-up (or re-INVITE) due, the first connection to its dialog's
    server begun in the second after it was due, one each (the same one-each
    reading as a call's connection, RTX-5).  One a planned call claims
    (C{calls}, L{Ctx.call_claims}) is the call's when another one is there:
    a call placed as another call hangs up opens one connection and the
    BYE another, begun a few milliseconds apart, the earlier one inside the
    hang-up's tolerance (w7044 [7960..7965], round 27: a call at 116 s, the
    5 s call up since 111.009 s hanging up, both connections refused by the
    flapping primary; the BYE's, the second, was read as an early RTX-5 retry).
    """
    hung: set[int] = set()
    ordered = sorted(conns, key=lambda a: a.start)
    for srv, due in sorted(hang_ups, key=lambda h: h[1]):
        near = [a for a in ordered if a.server == srv and a.index not in hung
                and due - ctx.tol <= a.start <= due + 1.0 + ctx.tol]
        first = next((a for a in near if a.index not in calls), near[0] if near else None)
        if first is not None:
            hung.add(first.index)
    return hung


def _waiting_on(ctx: Ctx, t: wire.Txn, f: wire.ConnFailure) -> bool:
    """
    Whether attempt C{t} was a request waiting on the connection whose reset
    is C{f} (a reset fails only what went over it, RTX-2): one on the wire
    at that server, over that connection (or UDP), not yet answered or given
    up.  Not an attempt the wire reads into a failed connection
    (C{on_wire=False}): its try was that connection, not this one, and this
    very connection's own reading is no request waiting on it (explore seed
    44 of dns-ip-literal: an idle connection reset by a flap).  Explore seed
    28 of round 4: a REGISTER waiting on the primary's TLS port when a
    call's TLS hello to its plain port, DNS-9, was reset.  Survey w7069
    [177], round 33: TLS to plain ports, a call's connection to the primary
    given up at RTX-1's time (49.5 s) and aborted by the phone's handshake
    timer at 50.0 s, as the next call's own connection there began; that
    call's attempt (its connection refused later) was read as waiting on
    the aborted one, the secondary wanted at once.
    """
    return (t.dst == f.server and t.method != "ACK" and t.on_wire
            and in_flight(ctx, t, f.t)
            and (t.transport == "udp" or any(x.sport == f.phone_port for x in t.sends)))


def _failed_after_move_on(ctx: Ctx, f: wire.ConnFailure
                          ) -> list[tuple[wire.Txn, float, wire.Txn]] | None:
    """
    The moves on of the attempts the wire reads over the connection of C{f}
    (each with the time it gave its target up, RTX-1's, L{Ctx.failed_at},
    and its next attempt), when every one of them had given its target up
    before C{f} came and had begun its next target, of the same group, no
    earlier than that and before C{f} too: C{f} is then the late end of a connection
    the phone no longer waited on (its SYNs still retried by the stack), so
    it fails no request and no move is owed for it; each move is judged
    against its own give-up time instead (survey w7086 [746..749], round 36:
    TLS, the stopped primary, the renewal's SYNs lost or their RSTs lost from
    183.23 s, the renewal given up at 210.73 s and sent to the secondary
    then, the same connection's last SYN refused at 214.24 s).  C{None}
    otherwise: a phone that moved on only after C{f}, or early, is judged by
    C{f} as before; so is one when a planned call fell due while the
    connection was being opened: its request may have joined it, unseen
    (no SYN of its own, the wire reading one stand-in attempt), and was
    still waiting on it when it failed (review of round 36: the renewal's
    SYNs lost from 1.0 s, a call at 20.0 s, the last SYN refused at 32.01 s).
    """
    over = [t for t in ctx.attempts
            if t.conn_failure is not None and f.index in t.conn_failure.indexes]
    if not over:
        return None
    lo = min(t.started for t in over)
    if any(lo - ctx.tol <= p.at <= f.t + ctx.tol for p in ctx.facts.calls):
        return None
    moves: list[tuple[wire.Txn, float, wire.Txn]] = []
    for t in over:
        gone = ctx.failed_at(t)
        if gone is None or gone >= f.t - ctx.tol:
            return None
        nxt = _next_in_chain(ctx, t)
        if (nxt is None or nxt.dst == t.dst or ctx.group(nxt.dst) != ctx.group(t.dst)
                or not gone - ctx.tol <= nxt.started < f.t - ctx.tol):
            return None
        moves.append((t, gone, nxt))
    return moves


def rtx2(ctx: Ctx) -> Verdict:
    """TCP/TLS: a connection failure moves on at once; a silent connected server on RTX-1's time."""
    c = "RTX-2"
    if _streams_untried(ctx):
        return ctx.na(c, _RTX2_NONE)
    ev: list[int] = []
    judged = 0
    # the first attempt of a round starts again from the top (RTX-5's retry): it is
    # not the failed target's moving on (explore seed 18: retry_counts 9, so RTX-1's
    # time, 31.5 s, outlasts the retry interval after the last target was refused)
    heads = {id(r.head) for r in ctx.rounds}
    # each planned hang-up (or re-INVITE) claims one failed connection to its dialog's
    # server, the first begun in the second after it fell due (as RTX-5 reads it): a
    # second one there in that second is another request's, judged (round 9)
    conns = ctx.conn_attempts
    hung = ctx.hang_up_claims
    hung_events = {i for a in conns if a.index in hung for i in a.indexes}
    for f in ctx.conn_failures:
        if f.what not in ("refused", "reset", "timeout", "tls-fail"):
            continue
        if f.index in hung_events:
            # a planned call's BYE or re-INVITE to the server its dialog is on: it stays
            # there (FO-4), no next target is due (explore seeds 8 and 40 of dns-ip-literal, a
            # flapping primary refusing the BYE; the next attempt at the secondary was the
            # renewal's, after its own refused connection)
            continue
        if f.what == "reset" and not any(_waiting_on(ctx, t, f) for t in ctx.attempts):
            # an idle connection reset (the server's port closed by a fault): no request
            # failed with it, the next one opens a connection of its own (explore seed
            # 44 of dns-ip-literal: a flap closed the primary's ports 26 s after the
            # phone had given its last request there up; the renewal 4 s later was
            # refused and moved on at once)
            continue
        moves = _failed_after_move_on(ctx, f)
        if moves is not None:
            # the request waiting on this connection had given its target up at RTX-1's
            # time and moved on before the connection failed: this failure failed
            # nothing; its move is judged against its own give-up time (survey w7086
            # [746..749], round 36)
            for t, gone, to in moves:
                judged += 1
                ev.extend((*t.indexes, to.sends[0].index))
                if (to.started > gone + ctx.at_once
                        and _began(ctx, gone - ctx.tol, to) > gone + ctx.at_once):
                    return ctx.failed(
                        c,
                        f"{t.describe()}: {t.transport} connection to {ctx.name(t.dst)} not "
                        "up on RTX-1's time: next target not tried at once",
                        f"{ctx.name(to.dst)} tried by {gone + ctx.at_once:.3f} s "
                        f"(profile {ctx.profile.name})",
                        f"first send to {ctx.name(to.dst)} at {to.first:.3f} s",
                        (*t.indexes, to.sends[0].index),
                    )
            continue
        group = ctx.group(f.server)
        if group == 1 and _round_exhausted_by(ctx, f):
            # the request whose connection failed had tried every other target of the
            # list in this round already (an INVITE that began at the secondary, the
            # server in use, and went on to the primary): it has no next target, RTX-5
            # and FO-6 take over (survey 7002: the secondary's close failed a call's
            # INVITE at 420.2 s, the primary refused it at once; the next attempt at
            # the secondary was the registration's, after its own retry was refused)
            continue
        horizon = f.t + wire.give_up_delay(ctx.profile, "REGISTER", ctx.retry_counts(f.server))
        # (the next target's attempt may be a connection that failed as well, before
        # any SIP went over it: explore seed 18, both targets refusing)
        nxt = next(
            (
                t
                for t in ctx.attempts
                if t.dst != f.server
                and ctx.group(t.dst) == group
                and t.method != "ACK"
                and f.t - ctx.tol <= t.first <= horizon + ctx.tol
                and not (id(t) in heads and t.first > f.t + ctx.at_once)
            ),
            None,
        )
        if nxt is None:
            continue
        judged += 1
        ev.extend((f.index, nxt.sends[0].index))
        # (a connection to another target of the group opened at once is the request
        # moving on, whatever it carried: one the wire reads into no attempt, a planned
        # call's whose INVITE never got on the wire, counts too; survey 7013 [04] of
        # round 14, a call's connection refused at the primary, its FO-5 REGISTER's to
        # the secondary refused 2 ms later, the next attempt there on the wire 26 s on)
        if any(a.server != f.server and ctx.group(a.server) == group
               and f.t - ctx.tol <= a.start <= f.t + ctx.at_once for a in conns):
            continue
        # (under register_on_enable the move to the next target begins with FO-5's
        # REGISTER there: one of the account's already outstanding there when this
        # connection failed is joined, RFC 3261 10.2, as L{_roe_on_time} reads it; survey
        # 7016 [07] of round 16, a call's connection refused at the primary at 75.2 s,
        # FO-5's REGISTER to the slow secondary outstanding since 43.5 s, the INVITE
        # there after its 200 at 83.6 s)
        if ctx.facts.account.server(1).register_on_enable and group == 1 and any(
                x.method == "REGISTER" and x.dst != f.server and ctx.group(x.dst) == 1
                and x.started < f.t - ctx.tol
                and (x.final_t if x.final_t is not None and not x.late
                     else ctx.failed_at(x) or ctx.end) > f.t + ctx.tol
                for x in ctx.txns):
            continue
        if nxt.started > f.t + ctx.at_once and _began(ctx, f.t - ctx.tol, nxt) > f.t + ctx.at_once:
            return ctx.failed(
                c,
                f"{f.transport} {f.what} at {ctx.name(f.server)}: next target not tried at once",
                f"{ctx.name(nxt.dst)} tried by {f.t + ctx.at_once:.3f} s",
                f"first send to {ctx.name(nxt.dst)} at {nxt.first:.3f} s",
                (f.index, nxt.sends[0].index),
            )
    for t in ctx.txns:
        if t.transport == "udp" or t.final is not None or t.provisional or t.method == "ACK":
            continue
        if t.conn_failure is not None:
            # its connection failed: judged above, by that failure, or by its move on
            # when it had moved on before the failure (L{_failed_after_move_on})
            continue
        if not ctx.completed(t):
            continue
        nxt = _next_in_chain(ctx, t)
        if nxt is None or nxt.dst == t.dst or _roe_register(ctx, t):
            continue  # (FO-5's REGISTER for one target: the request behind it moves on)
        if _probe_behind_fallback(ctx, t, nxt) or _probe_from_fallback(ctx, t, nxt):
            continue
        due = t.started + ctx.give_up(t)
        if _roe_register(ctx, nxt) and nxt.started < due - ctx.tol:
            # FO-5's REGISTER for a call's failover, already under way at the next target
            # when this REGISTER was given up there: the registration moved on by riding
            # it, not early (explore seed 37 of dns-ip-literal, round 5, next find)
            continue
        judged += 1
        ev.extend((*t.indexes, nxt.sends[0].index))
        # (the next target's attempt began with its connection: nxt.started; under
        # register_on_enable with the REGISTER to the next target, as in RTX-1: explore
        # seed 2, an INVITE behind that REGISTER, whose 200 OK TCP delivered late)
        # (one that joined another request's connection while it was being opened may
        # have been handed to the transport at any time until it came up, its timer
        # running from then, L{_joined_opening}: explore seed 138 of round 5, next find,
        # the renewal falling due 1 s after a call's SYN to the primary)
        joined = _joined_opening(ctx, t) and _moved_on_time(
            ctx, t, nxt, min(max(nxt.started, due), t.first + ctx.give_up(t)))
        # (so may a call's INVITE placed while another request's connection to that
        # server was being opened, joining it: its timer ran from the call's moment;
        # explore seed 422 of round 10, left open until round 17: the retry's SYNs lost
        # from 30.5 s, the call at 31.0 s, the INVITE written as the connection came up
        # at 31.11 s, given up at 31.5 s)
        handed = _call_joined_opening(ctx, t)
        if handed is not None and not joined:
            joined = _moved_on_time(ctx, t, nxt, min(max(nxt.started, handed + ctx.give_up(t)),
                                                     t.first + ctx.give_up(t)))
        if not joined and not _moved_on_time(ctx, t, nxt, due):
            return ctx.failed(
                c,
                f"{t.describe()}: connected but silent {t.transport} server not failed on "
                "RTX-1's time",
                f"next target at {due:.3f} s (profile {ctx.profile.name})",
                f"at {nxt.first:.3f} s",
                (*t.indexes, nxt.sends[0].index),
            )
    if not judged:
        return ctx.na(c, _RTX2_NONE)
    return ctx.passed(c, f"{judged} TCP/TLS failure(s): next target tried on time", ev)


_RTX2_NONE = ("no TCP/TLS connection failure or silent TCP/TLS server was followed by an "
              "attempt at another target")


def _streams_untried(ctx: Ctx) -> bool:
    """
    Whether L{rtx2} surely judges nothing, told before it reads the rounds'
    heads and the hang-ups' claims on failed connections (a UDP run, as the
    benchmark's, is n/a so): no failed connection (its first loop reads
    only those) and every transaction over UDP (its second loop skips each
    UDP one first).  Then RTX-2 is n/a, as its loops find.
    """
    return not ctx.conn_failures and all(t.transport == "udp" for t in ctx.txns)


_NOT_FAILURE_MIN = 300


def _every_known_target_tried(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether, when C{t}'s 503 came, C{t}'s request had tried every target of
    server 1 that the lookup in use as C{t} began gave an address for
    (L{unresolved_targets} left out): its round's attempts up to C{t}, FO-5's
    REGISTERs sent for its targets within that round at the end (give-up or
    503) of one of its earlier attempts (L{Ctx.roe_registers}: the request's
    attempt there), and the targets a 503's Retry-After let it
    skip (RTX-3).  Only then does the phone ask again for the addresses the
    lookup lacked (DNS-11: it fills its list when every target it had failed);
    asking while it still had an untried target with an address is no reason
    to wait before going there (review of round 37: SRV primary, secondary,
    ghost, ghost's answers lost at start, a 503 at the primary, ghost asked
    again and the secondary only after its NXDOMAIN).
    """
    assert t.final_t is not None
    chain = _chain_of(ctx, t)
    own = chain.txns if chain is not None else (t,)
    lo, hi = own[0].first - ctx.tol, t.started + ctx.tol
    tried = {x.dst for x in own if x.started <= hi}
    ends = [d for x in own if x is not t and x.started <= hi
            for d in (_gave_up_at(ctx, x),
                      x.final_t if x.final is not None and x.final.status == 503 else None)
            if d is not None]
    # (an FO-5 REGISTER is this request's attempt only when it began at the end of one of
    # its round's earlier attempts: another call's, sent in the same window, is not;
    # second review of t45w91, round 37)
    tried |= {x.dst for x in ctx.txns
              if id(x) in ctx.roe_registers and lo <= x.started <= hi
              and any(abs(d - x.started) <= ctx.tol or abs(d - x.first) <= ctx.tol
                      for d in ends)}
    final_t = t.final_t
    had = {s.address for s in ctx.facts.targets} - unresolved_targets(ctx, t.started)
    return all(a in tried or any(b0 <= final_t <= b1 for b0, b1 in ctx.retry_after_windows(a))
               for a in had)


def _owed_reask(ctx: Ctx, t: wire.Txn) -> set[str]:
    """
    The SRV target names the phone owed a second ask when C{t}'s 503 came:
    those the lookup in use, at C{t}'s start or its 503, had no address for
    (L{unresolved_names}), less those it had I{settled} with none
    (L{settled_unresolved_targets}: no target until the resolution is renewed,
    DNS-8, DNS-10; no second ask is owed, unlike for a lost or failed one,
    DNS-11).
    """
    assert t.final_t is not None
    owed: set[str] = set()
    for at in (t.started, t.final_t):
        if not settled_unresolved_targets(ctx, at):
            owed |= unresolved_names(ctx, at)
    return owed


def _late_after_reask(ctx: Ctx, t: wire.Txn, nxt: wire.Txn) -> bool:
    """
    Whether C{nxt}, the attempt after C{t}'s 503, came later than "at once"
    after the phone's asking again, at once, for the addresses the lookup in
    use lacked (DNS-11: a failed address lookup is retried when the target is
    needed) ended with none (L{address_reasked_until}): that target failed
    then, so RTX-3's "at once" for the next one runs from there, as RTX-1's
    does (L{_moved_on_time}).  Late, as read from the 503, when the phone did
    not ask again or got an address, or still had a target with an address
    its request had not tried (L{_every_known_target_tried}): it had no
    reason to ask then; or asked again for only some of the names it owed a
    second ask (L{_owed_reask}).  The end is capped at the resolver's
    give-up after the 503: a slower answer is no reason to wait longer.
    """
    assert t.final_t is not None
    if not _every_known_target_tried(ctx, t):
        return True
    until = address_reasked_until(ctx, t.final_t, t.started)
    if until is None:
        return True
    # (every name the lookup in use lacked asked again: the phone fills its list before it
    # goes on, a re-ask of only some is no reason to wait; and the resolver gives a name
    # up DNS_GIVE_UP after its first try, so a later answer does not stretch the wait;
    # review of t45w91, round 37)
    if not _owed_reask(ctx, t) <= {name for _, name, _ in _reask_run(ctx, t.final_t, t.started)}:
        return True
    until = min(until, t.final_t + ctx.at_once + DNS_GIVE_UP)
    return nxt.started > until + ctx.at_once and _began(
        ctx, until - ctx.tol, nxt) > until + ctx.at_once


def rtx3(ctx: Ctx) -> Verdict:
    """503 -> next target at once, Retry-After honoured; other final responses are not failures."""
    c = "RTX-3"
    ev: list[int] = []
    judged = 0
    group_targets = {s.address for s in ctx.facts.targets}
    for t in ctx.txns:
        if t.final is None or t.final_t is None or t.final.status < _NOT_FAILURE_MIN:
            continue
        if t.final.status == 503:
            judged += 1
            ev.extend(t.indexes)
            nxt = _next_in_chain(ctx, t)
            chain = _chain_of(ctx, t)
            if nxt is not None and nxt.dst != t.dst:
                ev.append(nxt.sends[0].index)
                # (the next attempt began with its connection's first SYN: a lost SYN
                # puts its request a second later, explore seed 15; or, under
                # register_on_enable, with the REGISTER there, FO-5: explore seed 2 of
                # round 2, third find)
                roe = _roe_on_time(ctx, t, nxt, t.final_t)
                if roe is not None:
                    late = not roe
                else:
                    late = nxt.started > t.final_t + ctx.at_once and _began(
                        ctx, t.final_t - ctx.tol, nxt) > t.final_t + ctx.at_once
                    # (the lookup in use had no address for it and the phone asked again at
                    # once, its answers lost: "at once" runs from the first answer naming it,
                    # as RTX-2's does, FO-2; survey 7003 [02], 20 % loss)
                    heard = (address_heard_again(ctx, t.final_t, nxt.dst) if late else None)
                    if heard is not None:
                        late = nxt.started > heard + ctx.at_once
                    # (... and got no address, DNS-11: that target failed too, and the next
                    # one after it runs from the end of that lookup, as RTX-1's does;
                    # survey w7091 [2649], round 37: ghost's A answers lost at start, a
                    # call's INVITE answered 503 at the primary at 5.245 s, ghost asked
                    # again at once, its NXDOMAIN at 6.255 s, the fallback at 6.26 s)
                    elif late:
                        late = _late_after_reask(ctx, t, nxt)
                if late:
                    return ctx.failed(
                        c,
                        f"{t.describe()}: next target not tried at once after the 503",
                        f"next target by {t.final_t + ctx.at_once:.3f} s",
                        f"{ctx.name(nxt.dst)} at {nxt.started:.3f} s",
                        (*t.indexes, nxt.sends[0].index),
                    )
            elif (nxt is None and chain is not None and ctx.group(t.dst) == 1
                  # (an in-dialog request stays where its dialog is, FO-4: a 503 to a
                  # BYE ends it there, explore seed 9)
                  and not t.in_dialog
                  # (nor does FO-5's REGISTER for one target: the request behind it moves
                  # on, not the REGISTER; explore seed 120 of round 5, next find, a call's
                  # REGISTER to the secondary answered 503, nothing left for the INVITE)
                  and not _roe_register(ctx, t)):
                tried = {x.dst for x in chain.txns}
                # (under register_on_enable the attempt at the next target begins with a
                # REGISTER there, FO-5: one of the account's under way there as the 503
                # came, or sent at once, that then failed was that attempt, and nothing
                # else goes there; explore seed 120 of round 5, the registration's own
                # failover REGISTER silent at the secondary as a call's INVITE got a 503)
                if t.method != "REGISTER" and ctx.facts.account.server(1).register_on_enable:
                    final_t = t.final_t
                    tried |= {x.dst for x in ctx.txns
                              if x.method == "REGISTER" and x.dst != t.dst
                              and x.started <= final_t + ctx.at_once
                              and (done := _roe_failed_at(ctx, x)) is not None
                              and done >= final_t - ctx.tol}
                    # (or sent at once and refused there (486, 403 ...; a 401/407 is a
                    # challenge to answer, REG-3): the target was tried and answered;
                    # RTX-3 counts no refusal as a failure, and FO-5 lets no other
                    # request go there unregistered, so nothing more is owed it, as
                    # Ctx._refused_register_first reads it for FO-3; survey 7015 [02]
                    # of round 15, decided in round 17: a call's 503 at the primary,
                    # its REGISTER to the secondary answered 486)
                    tried |= {x.dst for x in ctx.txns
                              if x.method == "REGISTER" and x.dst != t.dst
                              and final_t - ctx.tol <= x.started <= final_t + ctx.at_once
                              and not x.late and x.refused}
                    # (or FO-5's REGISTER waited for one of the account's still under way
                    # elsewhere as the 503 came, RFC 3261 10.2, and went, or joined that
                    # one's own move, to the next target when it ended, then failed;
                    # explore seed 316, round 9, next find: the registration silent at
                    # the primary until 7.52 s, its REGISTER to the silent secondary then)
                    ends = [e for y in ctx.txns
                            if y.method == "REGISTER" and y.started <= final_t + ctx.tol
                            and (e := ctx.failed_at(y) if y.failed else y.final_t) is not None
                            and e >= final_t - ctx.tol]
                    # (failed, or refused as above: survey w7058 [843], round 30, the
                    # registration's retry silent at the primary until 97.0 s, a call's
                    # 503 there at 96.0 s, the REGISTER to the secondary at 97.0 s 403)
                    tried |= {x.dst for x in ctx.txns
                              if x.method == "REGISTER" and x.dst != t.dst
                              and (ctx.failed_at(x) is not None or (not x.late and x.refused))
                              and any(e - ctx.tol <= x.started <= e + ctx.at_once
                                      for e in ends)}
                # (an address a DNS fault moved a name to is that name's, no target of its
                # own (RTX-5's reading): a lookup that never used the name, the domain's
                # A record taking the place of a missing SRV set (DNS-6), never reaches
                # it; explore seed 133 of round 5)
                untried = (group_targets - tried) & ctx.facts.own_targets
                # (nor a target the lookup in use gave no address for, whose address the
                # phone then had no better luck asking again for, DNS-8 and DNS-11: no
                # target; explore seed 138 of round 5, the secondary's A answers lost)
                # (a phone that never asked again still owes it: explore seed 2)
                # (asked again at once, or already asking as the 503 came: another
                # request's failure just before had begun it, survey 7003 of round 7, a
                # call's INVITE answered 503 0.09 s before the renewal's 503)
                # (nor one whose name the lookup in use settled has no address, NXDOMAIN
                # heard: no target until the resolution is renewed, DNS-8, DNS-10; explore
                # seed 444 of dns-ip-literal, round 17, the primary's A record removed)
                untried -= settled_unresolved_targets(ctx, t.final_t)
                later = t.final_t + ctx.at_once + DNS_GIVE_UP
                untried -= {u for u in unresolved_targets(ctx, t.final_t)
                            & unresolved_targets(ctx, later)
                            if address_reasked(ctx, u, t.final_t)}
                if untried and t.final_t + ctx.at_once < ctx.end:
                    return ctx.failed(
                        c,
                        f"{t.describe()}: the 503 did not make the phone try the next target",
                        f"a new attempt at {', '.join(sorted(ctx.name(u) for u in untried))}",
                        "none",
                        t.indexes,
                    )
            # (a 503 to an in-dialog request skips nothing: that request went where its
            # dialog is, FO-4, no target was chosen, so none is failed or skipped; the
            # Retry-After skip is part of choosing targets, RFC 3263 4.3; explore seed 16
            # of round 4, a BYE answered 503 with Retry-After: 30, the next call's
            # INVITE to the primary a second later)
            # (nor does one that reached the phone after it had given the transaction up,
            # RTX-1, or may have (L{Ctx.maybe_late}): no transaction took it, the phone
            # never heard the Retry-After; survey 7024 [03], round 20, TCP, 5 % loss, a
            # call's INVITE segment lost twice, given up at 24.50 s, the primary reading
            # it at last and answering 503 with Retry-After: 120 at 24.60 s, the
            # registration's retry at the primary 30 s later)
            ra = (retry_after(t.final)
                  if not t.in_dialog and not t.late and not ctx.maybe_late(t) else 0)
            if ra:
                for x in ctx.txns:
                    if (
                        x.dst == t.dst
                        and t.final_t + ctx.tol < x.first < t.final_t + ra - ctx.tol
                        and x.method != "ACK"
                        and not x.in_dialog
                    ):
                        ch = _chain_of(ctx, x)
                        # (a server with one target has none to skip to: the fallback
                        # server is its own, explore seed 6, server 1's lookup failing;
                        # an address a DNS fault later moved the name to is that name's,
                        # no second target (RTX-5's reading): survey 7004 [01], a call
                        # 26 s into the primary's Retry-After with no other target)
                        alone = ctx.group(t.dst) == 2 or len(ctx.facts.own_targets) < 2
                        # (nor one whose other targets' names the lookup in use settled
                        # have no address, DNS-8: explore seed 444, round 17, next find)
                        # (... or given up, nothing heard back, DNS-11: survey 7031
                        # [7468], round 22, a call's new lookup losing the secondary's
                        # A answers twice, the INVITE to the primary as it gave up)
                        alone = alone or (ctx.facts.own_targets - {t.dst}
                                          <= settled_unresolved_targets(ctx, x.started)
                                          | given_up_unresolved_targets(ctx, x.started))
                        # (nor FO-5's REGISTER there for a request that gave another
                        # target up first: that request tried the skipped target last,
                        # the others failing; survey w7034 [2655], round 23, a call's
                        # INVITE silent at the primary, its REGISTER to the secondary 1.5 s
                        # before the secondary's Retry-After ran out)
                        if (ch is not None and ch.head is x and not alone
                                and _roe_ahead_of(ctx, x) is None
                                and not _roe_after_another_target(ctx, x)):
                            return ctx.failed(
                                c,
                                f"{ctx.name(t.dst)} tried first inside its Retry-After: {ra}",
                                f"{ctx.name(t.dst)} skipped until {t.final_t + ra:.3f} s",
                                f"{x.describe()}",
                                (*t.indexes, x.sends[0].index),
                            )
        else:
            if t.late:
                # an answer that reached the phone after it gave the transaction up
                # counts for nothing (RTX-1): no move after it is a move on from it
                # (survey 7101 of round 6: a primary delaying by 40 s, the 500 to a
                # REGISTER given up 33 s before it came, the renewal then moving on to
                # the secondary at its own give-up time)
                continue
            judged += 1
            ev.extend(t.indexes)
            horizon = t.final_t + ctx.give_up(t) + ctx.tol
            for x in ctx.txns:
                if (
                    x.call_id == t.call_id
                    and x.method == t.method
                    and x.dst != t.dst
                    # (after it: the attempt it moved on from may end within tol of its
                    # answer, explore seed 21, a 503 then the fallback's 500 at once; in
                    # trace order, without latency in the same instant)
                    and (x.first, x.sends[0].index) > (t.first, t.sends[0].index)
                    and t.final_t - ctx.tol <= x.first <= horizon
                    # (not a later try from the top whose new lookup gave this target no
                    # address, DNS-8: the next target is then the first it had, explore
                    # seed 31 of round 3, the retry 30 s after the 500, the primary's
                    # address answers lost)
                    and not _fresh_lookup_lacked(ctx, t.final_t + ctx.at_once, x, t.dst)
                    # (nor the move at the give-up time of an attempt whose answer came
                    # too late, or was sent so close to it that it may have reached the
                    # phone only after, L{Ctx.maybe_late}: explore seed 43 of round 3,
                    # latency 0.1 s, the 500 sent as the phone gave the primary up)
                    and not ((t.late or ctx.maybe_late(t))
                             and x.started <= t.started + ctx.give_up(t) + 2 * ctx.tol + 0.01)
                    # (nor a new try from the top of the list a retry interval after the
                    # answer, RTX-5: the registration it refused is tried again, which is
                    # no move to the next target; explore seed 114 of round 5, retry_counts
                    # 9, the silent primary's give-up time longer than the interval)
                    and not _retried_from_top(ctx, t, x)
                    # (nor FO-5's REGISTER for another request's target: a call's INVITE
                    # answered 503 at the primary moved on, and register_on_enable sent the
                    # REGISTER there first, keeping the registration's Call-ID (RFC 3261
                    # 10.2); the INVITE's move, not the refused REGISTER's; survey 7018
                    # [01] of round 17, a 486 to the renewal at 90.1 s, a call's INVITE
                    # answered 503 at 113 s, its REGISTER to the secondary at once)
                    and id(x) not in ctx.roe_registers
                    # (nor a move on from a later attempt of the same request: the phone
                    # tried that again after the answer (RTX-5's retry, itself judged
                    # here if it was answered), and moved on from there, a refused
                    # connection, RTX-2; survey 7003 of round 7, a 486 to the registration
                    # at 182.6 s, another to its retry at 212.9 s, the next retry's
                    # connection to the primary refused at 248.9 s, then the secondary;
                    # explore seed 213 of round 6, no latency: the retry refused at the
                    # primary and the secondary in the same instant, in trace order)
                    and not any(y is not x and y.call_id == t.call_id
                                and y.method == t.method
                                and (t.first, t.sends[0].index) < (y.first, y.sends[0].index)
                                < (x.first, x.sends[0].index)
                                for y in ctx.attempts)
                ):
                    return ctx.failed(
                        c,
                        f"{t.describe()}: a {t.final.status} is not a failure, yet the phone "
                        "tried another target",
                        f"no {t.method} with Call-ID {t.call_id} to another server",
                        x.describe(),
                        (*t.indexes, x.sends[0].index),
                    )
    if not judged:
        return ctx.na(c, "no server answered a request with a 503 or another error response")
    return ctx.passed(c, f"{judged} error response(s) handled as RTX-3 says", ev)


def _retried_from_top(ctx: Ctx, t: wire.Txn, x: wire.Txn) -> bool:
    """
    Whether C{x} begins a new round at the primary (the top of the list) no
    earlier than a retry interval after C{t}'s final answer: the request tried
    again (RTX-5), not moved on from C{t}'s target because of the answer.
    """
    if t.final_t is None or not ctx.is_primary(x.dst):
        return False
    if not (any(x.first >= at + ctx.profile.retry_interval - ctx.tol
                for at in (t.final_t, _pending_refusal(ctx, t))
                if at is not None)
            or _retry_fell_due_over(ctx, t, x)):
        return False
    return any(r.head is x for r in ctx.rounds)


def _retry_fell_due_over(ctx: Ctx, t: wire.Txn, x: wire.Txn) -> bool:
    """
    Whether RTX-5's retry (L{Ctx.retry_times}), owed before C{t}'s answer, fell
    due while C{t} was under way or after it, C{x} going out as it fell due
    or, the phone waiting for C{t} (RFC 3261 10.2: one REGISTER of a Call-ID
    at a time), at once when C{t} ended: C{x} is that retry, from the top of
    the list, not a move on from C{t}'s answer (survey w7048 [5201], round 28:
    a call's lookup failing at 72 s put the retry at 102.02 s; FO-5's REGISTER
    for the next call, sent at 101.5 s, answered 403 at 102.02 s; the retry
    to the primary at 102.04 s).  A move on at once with no retry due still
    fails.
    """
    assert t.final_t is not None
    return any(owed <= t.final_t and t.started - ctx.tol <= due <= x.first + ctx.tol
               and x.first <= max(due, t.final_t) + ctx.at_once
               for owed, due in ctx.retry_times)


def _pending_refusal(ctx: Ctx, t: wire.Txn) -> float | None:
    """
    When C{t} is FO-5's REGISTER for a call's target (L{Ctx.roe_registers}),
    the answer refusing the registration's own attempt just before it, if
    one did: that refusal set the registration's retry (RTX-5), still
    pending while FO-5's REGISTER went out for the call, so the retry may
    count its interval from there, not from C{t}'s own refusal.
    """
    if id(t) not in ctx.roe_registers:
        return None
    own = [y for y in ctx.txns
           if y.method == t.method and y.call_id == t.call_id and y is not t
           and id(y) not in ctx.roe_registers
           and y.final_t is not None and y.final_t <= t.started + ctx.tol]
    if not own:
        return None
    last = max(own, key=lambda y: (y.first, y.sends[0].index))
    return last.final_t if last.refused else None


def _over_before(x: wire.ConnAttempt, a: wire.Txn) -> bool:
    """
    Whether the failed connection C{x} was over before C{a}'s request went
    out, so used no CSeq after C{a}'s: failed earlier, or in the same instant
    but recorded before C{a}'s first send.  The trace's order is read only for
    a connection begun and refused in that one instant (no latency: a refusal
    is recorded at the moment of its SYN): one recorded after C{a} was then the
    phone moving on from C{a}'s target (a 503 answered at once, RTX-3).  One
    begun earlier and heard failing at C{a}'s instant began before C{a}, so
    used its CSeq first (the old rule: failed by the time C{a} went out).
    A stream request whose first copy was lost is dated from that copy but
    indexed by the server's read, recorded later: a refusal in the lost copy's
    instant is recorded before that index, so falls back to the old rule.
    """
    if x.t != a.first:
        return x.t < a.first
    if x.start != x.t:
        return True
    return max(x.indexes) < a.sends[0].index


def rtx4(ctx: Ctx) -> Verdict:
    """Each attempt at a new target is a new transaction; a REGISTER keeps Call-ID, CSeq + 1."""
    c = "RTX-4"
    ev: list[int] = []
    judged = 0
    conns = ctx.conn_attempts
    for ch in ctx.chains:
        sent = [t for t in ch.txns if t.on_wire]  # a failed connection carried no request
        if len(sent) < 2:
            continue
        judged += 1
        ev.extend(ch.indexes)
        branches = [t.branch for t in sent]
        if len(set(branches)) != len(branches):
            return ctx.failed(
                c,
                f"{ch.method} {ch.call_id}: an attempt at a new target reused a Via branch",
                "a new branch per attempt",
                ", ".join(branches),
                ch.indexes,
            )
        if ch.method == "REGISTER":
            for a, b in itertools.pairwise(sent):
                # an attempt whose connection failed before any SIP went over it used a
                # CSeq nobody saw: each such attempt in between allows one more
                # (a's time is when the server saw it, a connection's when the phone
                # began it: with latency, the next target's SYN may be recorded at the
                # moment a arrived, explore seed 17; without latency, a connection
                # refused at once may begin at the very moment b went out to another
                # server, and one refused by the time a went out came before a, explore
                # seed 5 of round 3)
                # (at a's very instant, the trace's order says which came first: survey
                # w7086 [6566], round 36, TCP, no latency, each retry's REGISTER answered
                # 503 by the primary and the secondary's port refused in the same instant,
                # after it)
                # (and at b's very instant, one to another server counts only if the
                # trace recorded it before b: one after it used a CSeq after b's)
                unseen = sum(1 for x in conns if a.last - ctx.tol < x.start <= b.first
                             and (x.start < b.first
                                  or (x.server != b.dst and x.index < b.sends[0].index))
                             and not _over_before(x, a))
                # (and so did a request the phone wrote onto a TLS connection as the
                # server closed it, never read: explore seed 117 of round 5, the retry
                # due at 121 s as the flapping primary's close_notify came)
                unseen += len(_unread_records(ctx, a.last, b.first, ctx.group(b.dst)))
                # and so does each REGISTER of the same Call-ID that is not this chain's,
                # sent in between (register_on_enable's REGISTER for a call's failover,
                # FO-5, while the renewal was still being tried: explore seed 37 of
                # dns-ip-literal, round 4)
                unseen += sum(1 for x in ctx.txns
                              if x.method == "REGISTER" and x.call_id == ch.call_id
                              and a.first < x.first < b.first
                              and all(x is not y for y in sent))
                if not a.cseq + 1 <= b.cseq <= a.cseq + 1 + unseen:
                    return ctx.failed(
                        c,
                        f"REGISTER {ch.call_id}: CSeq not incremented by one per attempt",
                        f"CSeq {a.cseq + 1} after {a.cseq}",
                        f"CSeq {b.cseq}",
                        (*a.indexes, *b.indexes),
                    )
    # A REGISTER failing over to another target of the same server keeps its Call-ID.
    regs = [t for t in ctx.txns if t.method == "REGISTER"]
    for a in regs:
        if not a.failed or (a.final is None and not ctx.completed(a)):
            continue
        group = ctx.group(a.dst)
        nxt = next(
            (b for b in regs if b.first > a.last and ctx.group(b.dst) == group),
            None,
        )
        if nxt is None or nxt.dst == a.dst or group != 1:
            continue
        judged += 1
        ev.extend((*a.indexes, nxt.sends[0].index))
        if nxt.call_id != a.call_id:
            return ctx.failed(
                c,
                f"REGISTER to {ctx.name(nxt.dst)} after {ctx.name(a.dst)} failed: new Call-ID",
                f"Call-ID {a.call_id}, CSeq {a.cseq + 1}",
                f"Call-ID {nxt.call_id}, CSeq {nxt.cseq}",
                (*a.indexes, nxt.sends[0].index),
            )
    if not judged:
        return ctx.na(c, "no request was tried at more than one target")
    return ctx.passed(c, f"{judged} failover(s): new branch per attempt, REGISTER Call-ID kept, "
                         "CSeq + 1", ev)


def _lookup_failed_before(ctx: Ctx, start: float, dst: str) -> bool:
    """
    Whether, after C{start} and before the phone's next REGISTER to C{dst}, it
    looked up the address of another target and got none (timeout, lost
    packets, an error or no record): that target failed (DNS-11), so a retry
    going on to C{dst} did start from the top (explore seed 2: the primary's A
    query lost twice at the retry, the secondary tried next).
    """
    from harness.certify.checks_dns import _read_answer

    end = next((x.started for x in ctx.attempts
                if x.method == "REGISTER" and x.dst == dst and x.first > start), None)
    if end is None:
        return False
    dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
    addr_types = ("A", "AAAA")
    # names that resolve to dst (its own lookup), and lookups that got an address
    of_dst = {q.name for q in ctx.queries if q.type in addr_types and dst in q.records}
    resolved = {q.name for q in ctx.queries
                if q.type in addr_types and start < q.t < end and q.records}
    if any(q.type in addr_types and start < q.t < end and not q.records
           and q.name not in of_dst and q.name not in resolved for q in ctx.queries):
        return True  # answered with an error or nothing, or the answer was lost
    for _, e in ctx.trace.indexed(PacketEvent):
        if (e.proto != "udp" or e.dst[0] != dns_host or e.src[0] != ctx.facts.phone
                or not start < e.t < end):
            continue
        asked = _read_answer(e.payload)  # (a query the network lost: no DnsEvent)
        if (asked is not None and asked[1] in addr_types and asked[0] not in of_dst
                and asked[0] not in resolved):
            return True
    return False


def _top_unresolved_for_retry(ctx: Ctx, start: float, dst: str, top: str) -> bool:
    """
    Whether the lookup behind the phone's first REGISTER to C{dst} after
    C{start} gave C{top} no address, read question by question as FB-0..FB-3
    read a request's own lookup (L{given_up_before}, L{given_up_as_begun}:
    the questions alone, not L{unresolved_targets}' "last lookup before t",
    which may be another request's): the retry tried the top
    of the list, whose address question failed (DNS-8, DNS-11), and went on.
    L{_lookup_failed_before} counts a name as resolved when any answer in the
    span had its address, another request's heard before the retry's own
    question included.  Survey w7087 [5418], round 37: the retry due at
    104.57 s, a call's lookup heard the primary's address at 104.02 s, the
    retry's own question for it asked at 105.59 s, both answers lost, given
    up at 109.59 s, the secondary's asked then and its REGISTER at 110.61 s.
    """
    x = next((x for x in ctx.attempts
              if x.method == "REGISTER" and x.dst == dst and x.first > start), None)
    # (only the question-based views: "the last lookup before the REGISTER" may be a
    # call's, begun after the retry's own had the top's address; review of round 37)
    return x is not None and (top in given_up_before(ctx, x)
                              or top in given_up_as_begun(ctx, dst, x.started))


def _every_target_failed_since(ctx: Ctx, fail_t: float, lo: float) -> float:
    """
    The first moment, after C{lo} and after the last answer a target of server 1
    gave before C{fail_t}, by which every target of server 1 had failed, any
    request's attempt counting (a call's INVITE refused before the REGISTER's
    round failed: explore seed 12 of round 2); C{fail_t} if none is earlier.

    Only a request that goes down the list counts: an in-dialog request (a
    hang-up's BYE, a re-INVITE) goes where its dialog is (FO-4), so its
    failure, or its connection's, is no target failing for the list, and the
    phone owes no retry for it (w7050 [7384], round 28: a BYE refused at
    42.06 s while registered, calls refused at 63.02 s and 64.01 s, the retry
    at 93.02 s, not 72.06 s).
    """
    targets = ctx.facts.own_targets
    answered = [x.final_t for x in ctx.txns
                if ctx.group(x.dst) == 1 and x.final is not None and x.final_t is not None
                and not x.late and x.final.status != 503 and x.final_t < fail_t - ctx.tol]
    lo = max([lo, *answered])
    fails = sorted((f, x.dst) for x in ctx.attempts
                   if ctx.group(x.dst) == 1 and x.failed and x.method != "ACK"
                   and not x.in_dialog
                   and (f := ctx.failed_at(x)) is not None and lo < f <= fail_t)
    # (a failed connection that carried no SIP and that no attempt stands for: a call's,
    # not a planned hang-up's, L{Ctx.hang_up_claims})
    hung = ctx.hang_up_claims
    fails += [(a.t, a.server) for a in ctx.conn_attempts
              if ctx.group(a.server) == 1 and lo < a.t <= fail_t and a.index not in hung]
    fails.sort()
    seen: set[str] = set()
    for f, dst in fails:
        seen.add(dst)
        if targets <= seen:
            return f
    return fail_t


def _move_on_times(ctx: Ctx, b: wire.ConnAttempt) -> tuple[float, ...]:
    """
    When a request whose connection C{b} failed could move on to the next
    target (RTX-2): C{b}'s failure, or the give-up time of a silent target
    (RTX-1) counted from its first SYN if that came first (nothing answered
    by then; the request's method unknown on the wire: INVITE's or
    REGISTER's, as L{wire.failed_at} reads a request's connection).
    """
    rc = ctx.retry_counts(b.server)
    return (b.t, *(g for m in ("INVITE", "REGISTER")
                   if (g := b.start + wire.give_up_delay(ctx.profile, m, rc)) < b.t))


def _moved_on_conns(ctx: Ctx) -> frozenset[int]:
    """
    The indexes of the failed connections to server 1 opened at once after
    another target of server 1 failed or was given up (L{_move_on_times},
    L{Ctx.failed_at}): a request moving on down the list (RTX-2), or FO-5's
    REGISTER it sends there first, not a retry from the top of the list.
    A retry from the top opens its first connection with no other target
    just failed, so an early retry is still seen by that connection.
    """
    conns = [b for b in ctx.conn_attempts if ctx.group(b.server) == 1]
    gave_up = [(b.server, d) for b in conns for d in _move_on_times(ctx, b)]
    gave_up += [(x.dst, d) for x in ctx.attempts if ctx.group(x.dst) == 1
                and (d := ctx.failed_at(x)) is not None]
    return frozenset(a.index for a in conns
                     if any(srv != a.server and d - ctx.tol <= a.start <= d + ctx.at_once
                            for srv, d in gave_up))


def _fallback_lost(ctx: Ctx) -> list[tuple[wire.Txn, float]]:
    """
    Successive mode: the renewals of the fallback registration whose
    connection failed before any SIP went over it (refused, reset, its SYNs
    unanswered) while the phone was on the fallback server, each with the
    time it failed.  Server 1 had failed (that is why the phone was there)
    and now the fallback server, the last target, failed too: every target
    has failed, and RTX-5's retry from the top of the list is due a retry
    interval later (survey w7064 [7341, 7342], round 34: the renewal refused
    at 73.502 s, the stopped fallback server).

    Left out, no retry being owed or its time not told by this failure:
    one a REGISTER to server 1 was under way beside (FBK-S3's probe sent
    before it, or at once after it, or its lookup begun: its answer decides;
    a 200 puts the phone back on the working server, FBK-S4, and its failure
    starts a round of server 1 that L{rtx5}'s rounds judge; survey w7068
    [352], round 34, the probe sent at 174.366 s, the renewal refused at
    174.371 s, the probe's 200 at 174.378 s); one after server 1 registered
    again; a planned call's or hang-up's connection (FO-4: a call on the
    fallback server goes there).
    """
    fb = ctx.fallback
    if fb is None or ctx.facts.account.redundancy_type != 1:
        return []
    # (most runs have no such attempt: the claims and registrations are read only then)
    unsent = [x for x in ctx.attempts if x.method == "REGISTER" and x.dst == fb
              and not x.on_wire and x.conn_failure is not None]
    if not unsent:
        return []
    regs = [r for r in ctx.regs if not r.txn.late]
    claimed = ctx.call_claims | ctx.hang_up_claims
    queries: tuple[float, ...] | None = None  # (read when first needed)
    out: list[tuple[wire.Txn, float]] = []
    for x in unsent:
        if x.conn_failure is None or x.conn_failure.index in claimed:
            continue
        lost = ctx.failed_at(x)
        if lost is None or lost > ctx.end:
            continue
        held = [r for r in regs if r.dst == fb and r.t <= x.started <= r.t + r.granted]
        if not held or any(ctx.group(w.dst) == 1 and held[-1].t < w.t <= lost for w in regs):
            continue
        if any(y.method == "REGISTER" and ctx.group(y.dst) == 1
               and y.started <= lost + ctx.at_once
               and ((done := y.final_t if y.final_t is not None else ctx.failed_at(y)) is None
                    or done >= lost - ctx.tol)
               for y in ctx.attempts):
            continue
        # (nor one the phone was looking a name up beside, since its last attempt at
        # server 1: a probe of a server 1 named in DNS begins with its lookup, and its
        # REGISTER may reach the wire only after the renewal failed; survey w7062 [362],
        # round 34, the probe's lookup from 145.30 s, the renewal refused at 145.722 s,
        # the probe's REGISTER at 146.931 s)
        if queries is None:
            queries = wire.phone_query_times(ctx.trace, ctx.facts)
        since = max([held[-1].t,
                     *(y.started for y in ctx.attempts if ctx.group(y.dst) == 1
                       and y.started <= lost + ctx.at_once),
                     *(b.start for b in ctx.conn_attempts if ctx.group(b.server) == 1
                       and b.start <= lost + ctx.at_once)])
        if any(since < q <= lost + ctx.at_once for q in queries):
            continue
        out.append((x, lost))
    return out


def _retry_after_fallback_lost(ctx: Ctx) -> tuple[int, list[int], Verdict | None]:
    """
    RTX-5 for L{_fallback_lost}'s failures: the first REGISTER to server 1
    after each (or failed connection there no call claimed) must not come
    before the retry interval has passed since it.  Only an early retry is
    judged: a later one may have waited for a lookup or an outstanding
    REGISTER of its Call-ID (RFC 3261 10.2), and none at all may be a phone
    whose wire is the same as a good one's until the end.
    Why: a phone back at server 1 10 s after the fallback renewal was refused
    retried early; RTX-2 once failed it only by reading the refused
    connection as server 1's request moving on (L{wire.attempts}).
    Returns how many were judged, their evidence and the failure, if any.
    """
    ri = ctx.profile.retry_interval
    slack = ctx.tol + ctx.profile.t1
    judged = 0
    ev: list[int] = []
    lost_at = _fallback_lost(ctx)
    if not lost_at:
        return judged, ev, None
    alone = ctx.roe_registers | ctx.unsent_calls
    claimed = ctx.call_claims | ctx.hang_up_claims
    # (nor a connection opened at once after another target of server 1 failed: a
    # call's move down the list, RTX-2, or FO-5's REGISTER for it; survey w7086 [2052],
    # round 36, TLS to plain ports, a call's connection to the primary reset at 19.3 s,
    # FO-5's REGISTER's connection to the secondary opened at once and reset, the call
    # then to the fallback server; the retry from the primary at 47 s)
    moved_on = _moved_on_conns(ctx)
    for x, lost in lost_at:
        after = [(y.started, y.describe(), y.sends[0].index) for y in ctx.attempts
                 if y.method == "REGISTER" and ctx.group(y.dst) == 1 and id(y) not in alone
                 and y.started > lost + ctx.at_once]
        after += [(a.start, f"{a.transport} connection to {ctx.name(a.server)} at "
                   f"{a.start:.3f} ({a.what})", a.index) for a in ctx.conn_attempts
                  if ctx.group(a.server) == 1 and a.index not in claimed
                  and a.index not in moved_on and a.start > lost + ctx.at_once]
        if not after:
            continue
        r_t, r_what, r_index = min(after)
        judged += 1
        ev.extend((*x.indexes, r_index))
        if r_t < lost + ri - slack:
            return judged, ev, ctx.failed(
                "RTX-5",
                "retry after the fallback registration failed not at the retry interval",
                f"retry at {lost + ri:.3f} s (retry_interval {ri} s after the fallback "
                f"renewal failed at {lost:.3f})",
                r_what,
                (*x.indexes, r_index),
            )
    return judged, ev, None


def rtx5(ctx: Ctx) -> Verdict:
    """Every target failed -> the phone retries after retry_interval, from the top."""
    c = "RTX-5"
    fb_judged, fb_ev, fb_failed = _retry_after_fallback_lost(ctx)
    if fb_failed is not None:
        return fb_failed
    if _register_never_failed_everywhere(ctx):
        if fb_judged:
            return ctx.passed(c, f"{fb_judged} retry round(s) after the fallback "
                              "registration failed", fb_ev)
        return ctx.na(c, _RTX5_NONE)
    ri = ctx.profile.retry_interval
    ev: list[int] = []
    judged = 0
    top = ctx.primary
    conns = ctx.conn_attempts
    # FO-5's REGISTERs for one target (another request's, as it moved on there) are
    # neither part of the registration's rounds nor its retry (explore seed 9), nor is
    # a call's INVITE moving on from one over a connection that failed before any SIP
    # (survey w7052 [8913], round 29)
    alone = ctx.roe_registers | ctx.unsent_calls
    # (what only a round in which every target failed reads, worked out at the first
    # such round: most runs have none, and RTX-5 is n/a; with REG-2's and the DNS
    # failure views' like change, judging 2.72 -> 2.55 M instructions per bench run)
    dns_out: list[tuple[float, int]] = []
    heads: set[int] = set()
    hang_ups: Sequence[tuple[str, float]] = ()
    hung: frozenset[int] = frozenset()
    moved_on: frozenset[int] = frozenset()
    read_rounds = False
    dns_down: list[DnsDown] | None = None  # (read when first needed)
    for ch in ctx.new_chains(1):
        if ch.method != "REGISTER":
            continue
        # every round of this chain that ended with all targets failed
        # (server 1's targets only: the fallback server is no target of server 1's list;
        # a chain may carry its REGISTER when the wire lent a refused connection that
        # request's identity, and successive mode's fallback is looked at below)
        rounds: list[list[wire.Txn]] = [[]]
        for t in ch.txns:
            if ctx.group(t.dst) != 1 or id(t) in alone:
                continue
            if rounds[-1] and t.dst in {x.dst for x in rounds[-1]}:
                rounds.append([])
            rounds[-1].append(t)
        for n, rnd in enumerate(rounds):
            if not rnd:
                continue
            last = rnd[-1]
            if not all(t.failed for t in rnd):
                continue
            # (an address a DNS fault moved a name to is that name's, not a target of its
            # own: a round through the list before the move never saw it, explore seed 14
            # of round 2)
            if ctx.facts.own_targets - {t.dst for t in rnd}:
                continue  # not every target failed in this round
            fail_t = ctx.round_failed_at(last)
            if fail_t is None:
                continue
            # (a round read as failed only when another request's new lookup of server 1,
            # under way as its last target failed, ended: the round may not have waited
            # for it, every target it had failed at the last one's failure, and the retry
            # interval may run from there as well, L{reask_of_another_lookup})
            given_up = ctx.failed_at(last)
            own_end = (given_up if given_up is not None and given_up < fail_t - ctx.tol
                       and reask_of_another_lookup(ctx, last.started, given_up) else None)
            if not read_rounds:
                read_rounds = True
                dns_host = ctx.facts.dns[0] if ctx.facts.dns is not None else None
                dns_out = [
                    (e.t, i) for i, e in ctx.trace.indexed(PacketEvent)
                    if e.proto == "udp" and e.dst[0] == dns_host and e.src[0] == ctx.facts.phone
                ]
                heads = {id(r.head) for r in ctx.rounds}
                hang_ups = ctx.planned_in_dialog
                # each planned hang-up (or re-INVITE) claims one failed connection to the
                # server of its dialog (FO-4), the first begun in the second after it is
                # due, as a call claims one in its window: a retry from the top of the list
                # opening its own connection there a moment later is a retry all the same
                # (explore seed 113 of round 7: the BYE refused by the primary, the retry's
                # connection there 1 s later)
                hung = ctx.hang_up_claims
                moved_on = _moved_on_conns(ctx)  # (read below)
            # successive fallback: the fallback server is the last target of the round.
            # Concurrent mode (FBK-C1, FBK-C3): the fallback server keeps a registration
            # of its own, on its own cycle; a REGISTER to it at the same moment is not
            # part of server 1's round, and server 1 is retried whatever it answers.
            successive = ctx.facts.account.redundancy_type == 1
            rescued = False
            server1_failed = fail_t
            # (the fallback attempt began with its connection's first SYN, RFC 3261 17.1:
            # lost SYNs and a TLS handshake may put its REGISTER seconds later)
            # (an attempt whose connection never carried its REGISTER counts as well:
            # its SYNs lost until after the give-up, explore seed 10)
            for x in ctx.attempts if successive else ():
                # (or one already under way then, begun during the round: the fallback
                # taking over from an earlier failure of server 1, still in progress when
                # another request's failure (lent the REGISTER's identity) confirmed it;
                # explore seed 58 of round 4, the fallback's SYNs lost
                # from 0.64 s, a call's INVITE failing server 1 at 1.015 s)
                under_way = (
                    x.started < fail_t - ctx.tol
                    and any(ctx.group(y.dst) == 1 and (fy := ctx.failed_at(y)) is not None
                            and fy - ctx.tol <= x.started <= fy + ctx.at_once
                            for y in ctx.attempts)
                    and (x.final_t if x.final_t is not None and not x.late
                         else ctx.failed_at(x) or x.last) >= fail_t - ctx.tol
                )
                if (
                    x.method == "REGISTER"
                    and ctx.group(x.dst) == 2
                    and (fail_t - ctx.tol <= x.started <= fail_t + ctx.at_once or under_way)
                ):
                    done = ctx.failed_at(x)
                    # (nor while it was still being tried when the run ended, its give-up
                    # after the end: every target had not failed in the run; w7056 [32],
                    # round 30, on the fallback server, its renewal answered 100 only as
                    # it crashed, a probe of the stopped primary refused 22 ms later)
                    if done is None or done > ctx.end:
                        rescued = True  # the fallback server answered: no retry is due
                        break
                    # (nor when server 1 had registered the phone again before the
                    # fallback's REGISTER failed: the phone was back on it then, and
                    # the fallback failing left a target that had not failed; w7077
                    # [6326], round 34: the probe failed at 220.0 s, the fallback's
                    # renewal of 220.4 s silenced until 271.9 s, the next probe
                    # answered at 235.1 s and renewed since)
                    if _registered_at_server1(ctx, server1_failed, done):
                        rescued = True
                        break
                    fail_t = max(fail_t, done)
                    last = x
            if rescued:
                continue
            # register_on_enable's REGISTER to the secondary ahead of a call placed
            # before the retry was due (FO-5), answered 2xx: the account is registered
            # again.  RTX-5 does not say whether the retry is still due: a retry at its
            # time is judged as one (explore seed 0 of round 1), and none at all is
            # accepted too, the next REGISTER then a renewal, REG-2's (explore seed 24
            # of round 4: every target failed at 94.1 s, a call at 95 s registered at
            # the secondary first, the renewal 15 s later)
            registered_again = any(_roe_before_call(ctx, x) and last.last < x.first < fail_t + ri
                                   for x in ctx.txns)
            fb = ctx.fallback
            if ctx.facts.account.redundancy_type == 1 and any(
                r.dst == fb and r.t <= fail_t <= r.t + r.granted for r in ctx.regs
            ):
                continue  # a probe while on the fallback server: FBK-S3 sets its pace
            if successive and ctx.on_refusing_fallback(fail_t):
                continue  # so is one while the fallback server refuses (RTX-3: no failure)
            nxt: wire.Txn | None
            if n + 1 < len(rounds):
                nxt = rounds[n + 1][0]
            else:
                nxt = next(
                    (
                        t
                        for t in ctx.attempts
                        if t.method == "REGISTER" and ctx.group(t.dst) == 1 and t.first > last.last
                        and id(t) not in alone
                    ),
                    None,
                )
            # a retry owed by an earlier failure, begun while this round's last REGISTER
            # was still outstanding and held back behind it, is no early retry of this
            # round: it is already the retry from the top (L{_retry_held_back_by})
            if nxt is not None and _retry_held_back_by(ctx, last, fail_t, nxt):
                judged += 1
                ev.extend((*last.indexes, nxt.sends[0].index))
                continue
            # (a planned call's failed connection the wire lent the REGISTER's identity,
            # before the retry was due, is the call's, not an early retry: explore
            # seed 219 of round 6, third find, the retry refused at 37.5 s, calls at 38 s
            # and 39 s refused, the run over before the next retry was due; explore seed
            # 284, round 9, a call's connection refused 14 s before the retry was due,
            # FO-5's REGISTER to the secondary at once lending it its identity)
            lent_by = fail_t + ri - ctx.tol - ctx.profile.t1
            while (nxt is not None and not nxt.on_wire and nxt.started < lent_by
                   and wire.in_call_window(ctx.trace, ctx.facts, nxt.started)):
                lent = nxt
                nxt = next((t for t in ctx.attempts
                            if t.method == "REGISTER" and ctx.group(t.dst) == 1
                            and (t.first, t.sends[0].index) > (lent.first, lent.sends[0].index)
                            and id(t) not in alone), None)
            # a retry whose connection failed before any SIP went over it (refused, and
            # nothing after it on the wire to say what it carried) is a retry all the same
            # (nothing on the wire says what such a connection was for: the one nearest
            # the retry time is taken for the retry)
            # (each planned call claims one such connection, the first in its window: a
            # retry falling due just as a call was placed opened its own, explore seed 40
            # of round 3, a call at 30 s and the retry at 30.01 s, both refused)
            # (a call opens no connection before it is placed: one begun earlier, the
            # call riding it, was the retry's; explore seed 69 of round 4, the retry's
            # connection at 30.8 s, the call at 31 s behind it, both reset at 31.2 s)
            # (its moment lasts until a second after the lookup the call made then,
            # wire.call_windows: survey 7003 of round 7, a call's queries lost, its
            # connection 2 s after it was placed)
            claimed = ctx.call_claims
            # (nor one opened at once after another target's connection failed: the
            # same request moving on down the list, RTX-2, not a retry from its top;
            # explore seed 69 of round 4, a call's connections to the primary and then
            # the secondary, both reset, a second before the retry)
            # (the phone moved on when that connection failed or, nothing answered, when
            # it gave the target up at RTX-1's time from its first SYN, whichever came
            # first, as wire.failed_at reads a request's: survey 7019 [01] of round 18, a
            # call's SYNs to the primary lost from 49.0 s, given up at 49.5 s, its
            # connection to the secondary then, the primary's reset only at 49.62 s)
            # (or when another request's attempt there failed, its connection up and the
            # server silent: survey 7019 [05] of round 18, a call's INVITE to the delayed
            # primary at 288.0 s given up at 291.5 s, its connection to the secondary then)
            # (moved_on, L{_moved_on_conns}, read once above with the hang-ups' claims)
            options: list[tuple[float, str, str, int]] = [
                (a.start, a.server,
                 f"{a.transport} connection to {ctx.name(a.server)} at {a.start:.3f} "
                 f"({a.what})", a.index)
                for a in conns
                if ctx.group(a.server) == 1 and a.start > last.last + ctx.tol
                # not a planned call's connection (its INVITE never got on the wire)
                and a.index not in claimed and a.index not in moved_on
                # nor its hang-up's (FO-4: the BYE goes where the call is; explore seed 1,
                # the server gone during the call)
                and a.index not in hung
                and (nxt is None or a.start < nxt.first - ctx.tol)
            ]
            # (so is a connection still being tried at the end, its SYNs unanswered: no
            # failure decided it yet, explore seed 40 of round 3, the retry's SYN meeting
            # the stopped server a second before the end, its RST lost; its first SYN)
            decided = {(a.server, a.phone_port) for a in conns}
            pending: dict[tuple[str, int], wire.ConnFailure] = {}
            for f in ctx.conn_failures:
                if f.what.startswith("syn-") and (f.server, f.phone_port) not in decided:
                    pending.setdefault((f.server, f.phone_port), f)
            # (a hang-up whose connection was decided claims no pending one)
            hung_pending = {
                syn.index
                for srv, due in hang_ups
                if not any(a.index in hung and a.server == srv
                           and due - ctx.tol <= a.start <= due + 1.0 + ctx.tol for a in conns)
                and (syn := min((f for f in pending.values() if f.server == srv
                                 and due - ctx.tol <= f.t <= due + 1.0 + ctx.tol),
                                key=lambda f: f.t, default=None)) is not None
            }
            options += [
                (f.t, f.server, f"tcp connection to {ctx.name(f.server)} at {f.t:.3f} "
                 "(SYN unanswered)", f.index)
                for f in pending.values()
                if ctx.group(f.server) == 1 and f.t > last.last + ctx.tol
                and not ctx.at_call_moment(f.t)
                and f.index not in hung_pending
                and (nxt is None or f.t < nxt.first - ctx.tol)
            ]
            # (and one the server accepted, still being set up or carrying nothing the
            # server read when the run ended, inside RTX-1's time from its first SYN: the
            # run ended before the retry's REGISTER reached the server; survey 7016 [03]
            # of round 16, the retry's SYN at 119.4 s, a TLS handshake record lost, its
            # REGISTER written at the 120 s end)
            first_syns = wire._first_syns(ctx.trace, ctx.facts)
            carried = {(s.dst, s.sport) for x in ctx.attempts for s in x.sends}
            options += [
                (e.t, e.dst[0], f"{ctx.name(e.dst[0])} connection opened at {e.t:.3f}, "
                 "nothing of it read by the end", i)
                for i, e in ctx.trace.indexed(PacketEvent)
                if e.proto == "tcp" and "S" in e.flags and "A" not in e.flags
                and e.src[0] == ctx.facts.phone
                and e.t == first_syns.get((srv := e.dst[0], e.dst[1], p_port := e.src[1]))
                and ctx.group(srv) == 1 and (srv, p_port) not in decided
                and (srv, p_port) not in pending and (srv, p_port) not in carried
                and e.t > last.last + ctx.tol and not ctx.at_call_moment(e.t)
                and (nxt is None or e.t < nxt.first - ctx.tol)
                and ctx.end - e.t <= wire.give_up_delay(ctx.profile, "REGISTER",
                                                       ctx.retry_counts(srv)) + ctx.tol
            ]
            # a failed connection without SIP may have been another request's (a call):
            # any REGISTER attempt at server 1 up to the retry time is a candidate too
            # Only the first attempt of a round can be a retry: a later attempt of a
            # round moved on from the one before it (RTX-1/2), it did not start again
            # (seen: a refused primary, then the secondary 10 ms later, both as near the
            # retry time; nearest must not pick the secondary)
            horizon = fail_t + ri + ctx.tol + ctx.profile.t1
            options += [
                # (a TCP/TLS attempt starts with its connection's first SYN, RFC 3261 17.1)
                (x.started, x.dst, x.describe(), x.sends[0].index)
                for x in ctx.attempts
                if x.method == "REGISTER" and ctx.group(x.dst) == 1
                and last.last + ctx.tol < x.first <= horizon and x is not nxt
                and id(x) in heads and id(x) not in alone
                # (nor a planned call's lent connection well before the retry time, above)
                and not (not x.on_wire and x.started < lent_by
                         and wire.in_call_window(ctx.trace, ctx.facts, x.started))
            ]
            if nxt is not None:
                options.append((nxt.started, nxt.dst, nxt.describe(), nxt.sends[0].index))
                # (one TCP held back behind another request's lost segment was written at
                # some time until the server read it, L{_written_by}: explore seed 113 of
                # round 5, next find, the retry due at 524.716 s written behind a call's
                # INVITE lost from 524.211 s, both read at 524.816 s)
                # (or one that joined another request's connection while it was being
                # opened, handed to the transport at any time until it came up: explore
                # seed 113 of round 5, third find, a call's SYNs lost from 519 s, the
                # retry due at 524.716 s, both written as it came up at 526.211 s)
                if _joined_opening(ctx, nxt) and nxt.conn_start is not None:
                    options += [(min(max(d, nxt.conn_start), nxt.first), nxt.dst,
                                 f"{nxt.describe()}, behind a connection opened at "
                                 f"{nxt.conn_start:.3f}", nxt.sends[0].index)
                                for d in (fail_t + ri,)]
                latest = _written_by(ctx, nxt)
                if latest > nxt.first:
                    options += [(min(max(d, nxt.first), latest), nxt.dst,
                                 f"{nxt.describe()}, held back until {latest:.3f}",
                                 nxt.sends[0].index)
                                for d in (fail_t + ri,)]
                # a retry starts with resolving server 1 again (DNS-10/11): its first
                # query, even one the network lost, is when the phone retried.  That is
                # the first query since the failure (a retry whose lookup failed, DNS-11,
                # sends no REGISTER: the next one is a retry later), or the first of the
                # run of queries right before the REGISTER (an earlier query, further
                # apart than a resolver waits, was another request's: explore seeds 30
                # and 9, a call's lookup between)
                window = [q for q in dns_out if last.last < q[0] <= nxt.first]
                run = None
                for cand in reversed(window):
                    if (run[0] if run is not None else nxt.first) - cand[0] > DNS_GIVE_UP:
                        break
                    run = cand
                starts = window[:1] + ([run] if run is not None and run != window[0] else [])
                # (or any new lookup of server 1's name begun in between: another
                # request's lookup may run into the retry's, their queries less than a
                # resolver's wait apart, explore seed 28 of round 3: a call's lookup at
                # 36 s, its answers lost, the retry's beginning at 39.5 s)
                starts += [q for q in window if q not in starts and _lookup_start(ctx, q[1])]
                # (a lookup begun there that failed (DNS-11) before nxt began gave the
                # retry no target at all: it started again from the top all the same,
                # and nxt was a later request's; survey w7045 [1877], round 27: the
                # retry's lookup at 190.2 s timed out, a call's connections to the
                # primary and then the secondary at 201 s lent the REGISTER's identity)
                if dns_down is None and top is not None and starts:
                    dns_down = ctx.dns_downs
                for q in starts:
                    went = (top if top is not None and _lookup_begun_failed(
                        ctx, dns_down or [], q, nxt.started) else nxt.dst)
                    then = ("failed (DNS-11); later " if went != nxt.dst else "then ")
                    options.append((q[0], went, f"DNS query at {q[0]:.3f} s, {then}"
                                    f"{nxt.describe()}", q[1]))
            if nxt is None and top is not None:
                # no REGISTER after it: a retry whose lookup of server 1 failed (DNS-11)
                # shows on the wire as that DNS query only
                options += [
                    (q_t, top, f"DNS query at {q_t:.3f} s (no REGISTER after it)", q_i)
                    for q_t, q_i in dns_out if q_t > last.last + ctx.tol
                    # only a query at the retry time: others were other requests' lookups
                    and abs(q_t - (fail_t + ri)) <= ctx.tol + ctx.profile.t1
                ]
            # RTX-5 does not say which failure the retry interval runs from when another
            # request's round failed every target again before the retry was due (a
            # second call refused 1 s after the first): from the first time every target
            # had failed, or from the last.  Both are accepted (explore seed 12 of round
            # 2: the phone counted from the first call's failure)
            # (only for a round that is a planned call's failed connection the wire lent
            # the REGISTER's identity: a REGISTER's own early retry is no such failure)
            slack = ctx.tol + ctx.profile.t1
            since = fail_t
            own_due: float | None = None
            # (a lent round through several targets as well: every attempt of it a
            # failed connection that carried no SIP, survey 7013 [02] of round 14, calls
            # at 3 s and 4 s, each refused at both targets of server 1)
            if not rnd[0].on_wire and (last.dst == rnd[0].dst
                                       or not any(x.on_wire for x in rnd)) and wire.in_call_window(
                    ctx.trace, ctx.facts, rnd[0].started):
                # (from the registration's own attempt before it on: failures before that
                # one were its to answer, and it did; explore seed 219 of round 6, the
                # retry refused at 37.5 s, calls at 38 s and 39 s refused, the next retry
                # 30 s after the first of those three, not after a call's failure at 10 s)
                before = [x.started for x in ctx.attempts
                          if x.method == "REGISTER" and x.call_id == rnd[0].call_id
                          and ctx.group(x.dst) == 1
                          and (x.first, x.sends[0].index) < (rnd[0].first, rnd[0].sends[0].index)]
                # (and back a full interval: a failure whose retry was still pending
                # when the lent round failed counts, explore seed 219 of round 6, next
                # find, the registration failed at 7.5 s, calls refused at 36 s and 37 s,
                # its retry at 37.5 s)
                # (the registration's own attempts counting from the first of its last
                # round: a round through several targets whose retry was still pending
                # failed at all of them, survey 7013 [02] of round 14, the registration
                # reset at the primary and the secondary by 1.1 s, its retry at 31.2 s,
                # calls' connections failing both again at 3 s and 4 s)
                prev = next((r for r in ctx.rounds if before and any(
                    x.started == before[-1] and x.call_id == rnd[0].call_id
                    for x in r.txns)), None)
                own = [prev.head.started] if prev is not None else before[-1:]
                since = _every_target_failed_since(
                    ctx, fail_t, max([fail_t - ri - slack, *own]))
                own_due = _own_retry_pending(ctx, prev, rnd[0].started)
            due: tuple[float, ...] = (fail_t + ri, since + ri)
            if own_due is not None:
                due = (*due, own_due)
            if own_end is not None and last is rnd[-1]:
                due = (*due, own_end + ri)
            # successive mode: the fallback server failing while a probe of the working
            # server (FBK-S3), whose last outcome was its failure, was still under way:
            # as far as the phone knew, every target had failed then.  RTX-5 does not say
            # whether the retry interval runs from there or from the probe's failure:
            # both are accepted (explore seed 5 of round 3, third find: the fallback's
            # renewal lost at 74 s during a 43.5 s probe, the retry 30 s later)
            if successive:
                lost_fb = [d for x in ctx.attempts
                           if x.method == "REGISTER" and ctx.group(x.dst) == 2
                           and (d := ctx.failed_at(x)) is not None
                           and rnd[0].started < d < fail_t - ctx.tol]
                if lost_fb:
                    due = (*due, max(lost_fb) + ri)
            # a renewal in place of the retry (L{_renewal_in_place}) that failed every
            # target again made the next retry due a retry interval after that failure
            # (w7039 [2084..2090], round 25: calls refused at 13 s and 14 s, the renewal
            # due at 15.04 s refused at 16.05 s, the retry at 46.05 s)
            renewed = _failed_renewal_in_place(ctx, options, rnd[0].started, fail_t,
                                               max(due) + slack)
            if renewed is not None:
                due = (*due, renewed + ri)
            # (a retry falling due while another request's connection to the top of the
            # list was still being opened waits for that connection: the phone opens
            # no second one to the same server, so nothing of the retry's own reaches
            # the wire before that connection is decided; explore seed 38 of round 4,
            # a call's SYNs at 59 s, the retry due at 61.64 s, both refused at 62.01 s)
            # (that connection failing, the retry failed with it: the next is due a
            # retry interval later, judged below)
            rode = {a.index: a.t for a in conns for d in due
                    if ctx.group(a.server) == 1 and top is not None and a.server == top
                    and a.start > last.last and a.start < d - slack and a.t > d + ctx.tol
                    and (nxt is None or a.t < nxt.first + ctx.tol)}
            options += [
                (d, a.server, f"{a.transport} connection to {ctx.name(a.server)} opened at "
                 f"{a.start:.3f}, still being tried at the retry time ({a.what} at "
                 f"{a.t:.3f})", a.index)
                for a in conns for d in due if a.index in rode and a.start < d - slack
                and a.t > d + ctx.tol
            ]
            # (a planned call's connection to the top of the list still pending at the
            # retry time, begun at that very instant or not yet decided then, is the
            # retry's as well: the phone shares a pending connection with every request
            # waiting for that server, as FO-2 and FO-3 failing over together do, so the
            # retry put nothing of its own on the wire and failed with it; explore seeds
            # 103 and 113 of round 5: a call at 62 s as the retry fell due, one SYN,
            # refused; a call's SYN at 117.000 s, the retry due at 117.005 s, refused at
            # 117.010 s.  One decided before the retry fell due was the call's alone)
            # (so is a planned hang-up's connection, FO-4's BYE opening one to the
            # server of the call as the retry fell due: explore seed 113 of round 6, the
            # BYE's SYN at 560.011 s lost, the retry due at 560.017 s, refused at 563.0 s)
            shared = {a.index: a.t for a in conns for d in due
                      if (a.index in claimed or a.index in hung)
                      and top is not None and a.server == top
                      and a.start > last.last + ctx.tol
                      and (abs(a.start - d) <= wire._SAME_INSTANT or a.start < d < a.t)
                      and (nxt is None or a.start < nxt.first - ctx.tol)}
            options += [
                (d, a.server, f"{a.transport} connection to {ctx.name(a.server)} at "
                 f"{a.start:.3f}, a call's, pending at the retry time ({a.what} at "
                 f"{a.t:.3f})", a.index)
                for a in conns for d in due if a.index in shared
                and (abs(a.start - d) <= wire._SAME_INSTANT or a.start < d < a.t)
            ]
            rode.update(shared)
            # (and so is a planned call's or hang-up's connection to the top of the list
            # still being tried at the end, its SYNs unanswered, begun before the retry
            # fell due: the retry waited on it and the run ended first; survey 7018 [09]
            # of round 17, the hang-up's SYNs to the stopped primary lost from 298.0 s,
            # the retry due at 299.0 s, the run over at 300 s)
            # (undecided by the end: no failure of it makes another retry due, RTX-1's
            # give-up from the retry being the other reading, judged below)
            waited = {f.index: f for f in pending.values() for d in due
                      if top is not None and f.server == top
                      and (f.index in hung_pending or ctx.at_call_moment(f.t))
                      and (f.server, f.phone_port) not in carried
                      and last.last + ctx.tol < f.t <= d + wire._SAME_INSTANT
                      and (nxt is None or f.t < nxt.first - ctx.tol)}
            options += [
                (d, f.server, f"tcp connection to {ctx.name(f.server)} at {f.t:.3f}, "
                 "another request's, its SYNs unanswered at the retry time and the end",
                 f.index)
                for f in waited.values() for d in due if f.t <= d + wire._SAME_INSTANT
            ]
            rode.update({i: ctx.end for i in waited})
            # (a lookup of server 1 another request began before the retry fell due and
            # still under way then is the retry's as well: the phone shares a lookup in
            # progress as it shares a pending connection, so the retry put nothing of its
            # own on the wire, and when that lookup failed (DNS-11) the retry failed with
            # it; explore seed 278 of round 8, a call at 89 s, its SRV answers lost, the
            # retry due at 92.07 s, the lookup given up at 93 s)
            if top is not None:
                if dns_down is None:
                    dns_down = ctx.dns_downs
                options += [
                    (d, top, f"DNS lookup of server 1 begun at {dd.start:.3f} s, under way "
                     f"at the retry time, failed (DNS-11) by {dd.latest:.3f} s", dd.index)
                    for dd in dns_down for d in due
                    if last.last + ctx.tol < dd.start < d - ctx.tol
                    and d <= dd.latest + ctx.tol
                    and (nxt is None or dd.latest < nxt.started - ctx.tol)
                ]
            retry = min(options, key=lambda o: min(abs(o[0] - d) for d in due), default=None)
            if registered_again and (retry is None or min(abs(retry[0] - d) for d in due)
                                     > slack):
                continue
            if retry is None:
                # a retry falling due as the top target's server closed the connection
                # it would go over (TLS: the close_notify reaching the phone then) may
                # be lost with that connection before anything reached the wire: that
                # target failed then (RTX-2), and the retry interval runs again from
                # there (explore seed 43 of round 4: the primary closing its TLS
                # connection at 105.0 s, the retry due at 105.1 s; the phone's only
                # segment its close_notify reply)
                closed = _closed_at_retry(ctx, due, slack)
                if closed is not None and closed + ri + ctx.tol >= ctx.end:
                    continue
                if fail_t + ri + ctx.tol < ctx.end:
                    return ctx.failed(
                        c,
                        "every target failed and the phone never retried",
                        f"a REGISTER to the top of the list at {fail_t + ri:.3f} s",
                        "none",
                        last.indexes,
                    )
                continue
            r_t, r_dst, r_what, r_index = retry
            judged += 1
            ev.extend((*last.indexes, r_index))
            # (a retry falling due as the top target's server closed the TLS connection
            # it went over may be lost with it, as below: the target failed then, RTX-2,
            # and the next retry is due a retry interval after the close; explore seed
            # 117 of round 5, a flapping primary going down at each retry time)
            closed = _closed_at_retry(ctx, due, slack)
            # (a last attempt TCP held back behind another request's lost segment may
            # have been written, and its timer started, as late as the server read it,
            # L{_written_by}, after waiting for the connection since its SYN or not:
            # it failed, and the retry is due, anywhere in that span; explore seed 113
            # of round 5, next find: the retry written at 524.716 s behind a call's
            # INVITE on the connection the call opened at 517 s)
            held_span = (last.on_wire and (last.sends[0].held or _joined_opening(ctx, last))
                         and fail_t + ri - slack <= r_t
                         <= _written_by(ctx, last) + ctx.give_up(last) + ri + slack)
            if (min(abs(r_t - d) for d in due) > slack and not held_span
                    and not (closed is not None and abs(r_t - (closed + ri)) <= slack)
                    and not _renewal_in_place(ctx, rnd[0].started, fail_t, r_t,
                                              max(due) + slack)
                    and _register_outstanding(ctx, rnd[0].call_id, due, r_t) is None):
                also = (f"; or at {since + ri:.3f} s, after {since:.3f} when every target "
                        "had first failed" if since < fail_t else "")
                if own_end is not None and last is rnd[-1]:
                    also += (f"; or at {own_end + ri:.3f} s, after {own_end:.3f} when its "
                             "last target was given up")
                if own_due is not None:
                    also += f"; or at {own_due:.3f} s, the registration's own retry"
                return ctx.failed(
                    c,
                    "retry after every target failed not at the retry interval",
                    f"retry at {fail_t + ri:.3f} s (retry_interval {ri} s after {fail_t:.3f}"
                    f"{also})",
                    r_what,
                    (*last.indexes, r_index),
                )
            # (the renewal in the retry's place failing, the retry it made due must come:
            # a phone that took the renewal for its retry and then gave up registering
            # still fails, w7039 [2086] with no-reregister-retry; a renewal the wire reads
            # as a round of its own, the next REGISTER after the round, has its retry
            # judged with that round)
            if (renewed is not None and r_t < renewed and renewed + ri + slack < ctx.end
                    and (nxt is None or nxt.started > renewed + ctx.tol)
                    and not any(abs(o[0] - d) <= slack for o in options for d in due)):
                return ctx.failed(
                    c,
                    "every target failed and the phone never retried",
                    f"a REGISTER to the top of the list at {renewed + ri:.3f} s (the renewal "
                    f"in the retry's place failed at {renewed:.3f})",
                    "none",
                    (*last.indexes, r_index),
                )
            # (or it gave that connection up at RTX-1's time counted from the retry, as
            # a request handed to a connection never established does, wire.failed_at:
            # explore seed 113 of round 6, third find, a call's SYNs lost from 528 s, the
            # retry due at 535.07 s given up at 542.57 s, the TCP timeout only at 560 s)
            ends = ({rode[r_index], min(rode[r_index], r_t + wire.give_up_delay(
                ctx.profile, "REGISTER", ctx.retry_counts(r_dst)))}
                if r_index in rode else set())
            # (and that connection failing, the retry moved on down the list at once
            # (RTX-2), joining the connection another request of the same round opened
            # to the next target then: the retry's round ended when that one failed;
            # explore seed 403 of round 10, next find, TLS to plain ports, a call's
            # connection to the primary lost its SYN at 30 s, the retry due at 30.27 s
            # rode it, reset at 31.02 s, the call's to the secondary from 31.02 s reset
            # at 31.64 s, the next retry 30 s after that)
            if r_index in rode:
                e, seen = rode[r_index], {r_index}
                srv = next((a.server for a in conns if a.index == r_index), None)
                while True:
                    on = next((a for a in conns if a.index not in seen
                               and ctx.group(a.server) == 1 and a.server != srv
                               and e - ctx.tol <= a.start <= e + ctx.at_once), None)
                    if on is None:
                        break
                    seen.add(on.index)
                    e, srv = on.t, on.server
                    ends.add(e)
            if ends and all(e + ri + slack < ctx.end for e in ends) and not any(
                    abs(st - (e + ri)) <= slack for e in ends
                    for st in [*(x.started for x in ctx.attempts
                                 if x.method == "REGISTER" and ctx.group(x.dst) == 1),
                               *(a.start for a in conns if ctx.group(a.server) == 1),
                               # (or a retry whose lookup failed, DNS-11: its first query,
                               # nothing else on the wire; explore seed 278 of round 8,
                               # next find, the retry due at 187.04 s, its A answer lost)
                               *(q_t for q_t, _ in dns_out)]):
                return ctx.failed(
                    c,
                    "every target failed and the phone never retried",
                    f"a REGISTER to the top of the list at {rode[r_index] + ri:.3f} s (the "
                    f"retry failed with the connection it waited for at {rode[r_index]:.3f})",
                    "none",
                    (*last.indexes, r_index),
                )
            # "the top of the list" is the one the failed round went through: under a
            # failback mode that keeps the server in use (FB-1/2/3: the round began
            # there, as those clauses judge) the retry may start there again; with
            # newRequests (FB-0) that is the primary anyway (explore seeds 6, 7)
            keeps = ctx.facts.account.server(1).failback_mode != 0
            # a target still inside the Retry-After of a 503 it sent is skipped (RTX-3):
            # the top of the list is then the first target not skipped (explore seed 2:
            # the primary's 503 to a call's INVITE put the retry at the secondary)
            skipped = {
                x.dst for x in ctx.txns
                if x.final is not None and x.final_t is not None and x.final.status == 503
                and ctx.group(x.dst) == 1
                and x.final_t <= r_t < x.final_t + retry_after(x.final) + ctx.tol
            }
            first_up = next((s.address for s in ctx.facts.targets
                             if s.address not in skipped), None)
            # (a DNS fault that moved the primary's name to an address no harness server
            # has moved the top of the list there: FO-1's reading, explore seed 14 of
            # round 2)
            moved_top = first_resolved_target(ctx, r_t)
            if top is not None and not (ctx.is_primary(r_dst)
                                        or (moved_top is not None and r_dst == moved_top
                                            and (ctx.facts.role_of(r_dst) or "").startswith(
                                                "moved-"))
                                        or (keeps and r_dst == rnd[0].dst)
                                        # (or the server another request failed over to
                                        # after the round, kept in use by the same modes:
                                        # explore seed 62 of round 4, a call failing over
                                        # to the secondary under DNSTTL, the retry there)
                                        or (keeps and any(
                                            f.to == r_dst and last.last < f.t <= r_t
                                            for f in ctx.failovers))
                                        or (top in skipped and r_dst == first_up)
                                        or _lookup_failed_before(ctx, last.last, r_dst)
                                        or _top_unresolved_for_retry(ctx, last.last, r_dst,
                                                                     top)):
                return ctx.failed(
                    c,
                    "retry did not start again from the top of the list",
                    f"first retry to {ctx.name(top)}",
                    r_what,
                    (*last.indexes, r_index),
                )
    judged += fb_judged
    ev.extend(fb_ev)
    if not judged:
        return ctx.na(c, _RTX5_NONE)
    return ctx.passed(c, f"{judged} retry round(s) after {ri} s, from the top of the list", ev)


_RTX5_NONE = "no REGISTER saw every target of server 1 fail with time left to retry"


def _register_never_failed_everywhere(ctx: Ctx) -> bool:
    """
    Whether L{rtx5} surely judges nothing, told before it cuts the rounds
    and reads the claims on failed connections (a run whose REGISTER failed
    over and was answered, as the benchmark's, is n/a so): some own target of
    server 1 (L{Facts.own_targets}) saw no REGISTER of server 1's new chains
    fail.  A round it judges is some of one such chain's attempts, every one
    failed, together at every own target: there is none, and RTX-5 is n/a,
    as its loop finds.
    """
    failed = {t.dst for ch in ctx.new_chains(1) if ch.method == "REGISTER"
              for t in ch.txns if t.failed}
    return bool(ctx.facts.own_targets - failed)


def _registered_at_server1(ctx: Ctx, lo: float, hi: float) -> bool:
    """
    Whether the phone, registered at the fallback server when server 1's
    round failed at C{lo} (that round a probe's, FBK-S3), was registered at
    server 1 again (a 2xx to a REGISTER, not one that came after the phone
    had given it up, RTX-1) after C{lo} and by C{hi}: successive mode's
    fallback REGISTER failing at C{hi} did not fail every target then (RTX-5
    reads a retry owed only when every target had failed, as far as the
    phone knew).

    Only after a probe: a phone with no fallback binding at C{lo} went on to
    the fallback server as its round's last target, and going back to server
    1 while that REGISTER was still out is an early retry, whatever server 1
    then answered (review of round 34: that phone passed RTX-5 without the
    first condition; L{FallbacksRenewalFailingAfterTheProbeAnsweredTests}).
    """
    fb = ctx.fallback
    regs = ctx.regs
    return (any(r.dst == fb and r.t <= lo <= r.t + r.granted for r in regs)
            and any(ctx.group(r.dst) == 1 and not r.txn.late and lo < r.t <= hi
                    for r in regs))


def _own_retry_pending(ctx: Ctx, prev: wire.Chain | None, lent: float) -> float | None:
    """
    When the registration's own retry of its round C{prev} fell due, if that
    round failed every target and the retry was still pending when a round
    the wire lent the REGISTER's identity (a planned call's connections)
    began at C{lent}: the registration's retry timer runs on whatever other
    requests meet meanwhile, an answer to a call between included (w7044
    [7960], round 27, run on: the registration given up at 110.0 s, a call
    answered at 111.009 s, calls' connections refused at 116 s, the retry at
    140.0 s).  C{None} otherwise.

    An attempt of C{prev} answered only about its give-up time, the answer
    not taken (L{Ctx.not_taken}: the phone retried from the top a retry
    interval after that give-up), failed then as far as the phone knew
    (w7092 [1128], round 37: TLS, 100 ms latency, retry_counts 0, the first
    REGISTER given up at 0.5 s, its 200 sent at 0.528 s; calls' connections
    refused at 21 s and 22 s, the registration's retry at 30.5 s).
    """
    if prev is None or not all(x.failed or _not_taken_at(ctx, x) is not None
                               for x in prev.txns):
        return None
    gave = _not_taken_at(ctx, prev.tail) if not prev.tail.failed else None
    done = (ctx.round_failed_at(prev.tail) if gave is None
            else ctx.round_ended(gave, began=prev.tail.started))
    if done is None:
        return None
    due = done + ctx.profile.retry_interval
    return due if done <= lent <= due else None


def _not_taken_at(ctx: Ctx, x: wire.Txn) -> float | None:
    """
    For attempt C{x}, answered so near its give-up time that the phone did
    not take the answer (L{Ctx.not_taken}: it retried from the top a retry
    interval after that give-up), that give-up time: the phone's own timer
    ran out first and it acted so, the target failed as far as it knew
    (read for the registration's own retry, L{_own_retry_pending}).  C{None}
    when C{x} failed outright, or was answered and the answer taken, or the
    answer surely reached the phone before its give-up (L{Ctx.surely_in_time},
    read from the phone's side: a 200 sent within C{tol} of the give-up at
    the server may still have been well in time; second review of round 37,
    the REGISTER's SYN at 0.0 s, its 200 sent at 0.30 s, the give-up at
    0.5 s: a REGISTER at 30.5 s was an early retry).
    """
    top = ctx.primary
    if x.failed or top is None or ctx.surely_in_time(x) or not ctx.not_taken(x, top):
        return None
    return x.started + ctx.give_up(x)


def _lookup_begun_failed(ctx: Ctx, down: Sequence[DnsDown], q: tuple[float, int],
                         before: float) -> bool:
    """
    Whether the lookup of server 1 whose first query is C{q} (time, trace
    index) failed (DNS-11, L{dns_failures}) before C{before}: the request
    that began it reached no target by then.
    """
    return any(abs(dd.start - q[0]) <= ctx.tol and dd.latest < before - ctx.tol
               for dd in down)


def _fresh_lookup_lacked(ctx: Ctx, after: float, x: wire.Txn, address: str) -> bool:
    """
    Whether C{x} went out on a lookup of server 1 begun after C{after} that
    gave C{address} no address (DNS-8: its address query failed or was lost).
    """
    from harness.certify.checks_dns import _server1_lookups

    before = [lk for lk in _server1_lookups(ctx) if lk[0].t <= x.started + ctx.tol]
    return (bool(before) and before[-1][0].t > after
            and address in unresolved_targets(ctx, x.started))


def _lookup_start(ctx: Ctx, index: int) -> bool:
    """
    Whether the phone's DNS query packet at trace index C{index} asks for
    server 1's name itself, or (no NAPTR asked: transport 0..2) for its SRV
    name: the first query of a lookup of server 1 (DNS-2, DNS-3, DNS-T).
    """
    from harness.certify.checks_dns import _domain, _read_answer

    dom = _domain(ctx)
    e = ctx.trace.events[index]
    asked = _read_answer(e.payload) if isinstance(e, PacketEvent) else None
    if dom is None or asked is None:
        return False
    name = asked[0]
    return name == dom or (ctx.facts.account.transport != 3 and name.startswith("_")
                           and name.endswith("." + dom) and asked[1] == "SRV")


def _register_outstanding(ctx: Ctx, call_id: str, due: Sequence[float],
                          r_t: float) -> wire.Txn | None:
    """
    The REGISTER of the registration's Call-ID C{call_id} (FO-5's for a call,
    say) to a target of server 1 that was still outstanding when the retry
    fell due (at one of C{due}), if the retry at C{r_t} began as that one
    ended (its final response, or its give-up): the phone sends no new
    REGISTER of a Call-ID until the previous one has its final response or
    has timed out (RFC 3261 10.2), so the retry waited for it.  RTX-5's
    interval is the earliest the retry may go, not a deadline it can keep
    then (survey w7036 [910], round 24: every target refused at 62.69 s, the
    retry due at 92.69 s; FO-5's REGISTER for a call, sent to the silent
    secondary at 87.1 s, given up at 98.02 s, the retry to the primary then).
    So is FO-5's REGISTER whose connection carried no SIP, which the wire
    names by its call (L{_roe_behind_unsent_call}).
    """
    for x in ctx.attempts:
        own = x.method == "REGISTER" and x.call_id == call_id and x.on_wire
        if ((not own and not _roe_behind_unsent_call(ctx, x)) or ctx.group(x.dst) != 1
                or not any(x.started < d and in_flight(ctx, x, d) for d in due)):
            continue
        done = x.final_t if x.final_t is not None else ctx.failed_at(x)
        if done is not None and done - ctx.tol <= r_t <= done + ctx.at_once:
            return x
    return None


def _retry_held_back_by(ctx: Ctx, last: wire.Txn, fail_t: float, nxt: wire.Txn) -> bool:
    """
    Whether REGISTER C{nxt}, sent as the round's last REGISTER C{last} was
    given up at C{fail_t}, was the registration's retry of an earlier failure
    (L{_retry_times}: a failed lookup of server 1, DNS-11, say) that fell due
    while C{last} was still outstanding and began then with its lookup of
    server 1: the phone sends no new REGISTER of a Call-ID until the one
    outstanding has its final response or has timed out (RFC 3261 10.2), so
    that retry waited for C{last} and went out as it ended, from the top of
    the list (C{nxt} went to the primary).  The round's failure then found its
    retry already under way: it is no early retry of that round, and RTX-5
    owes no second one (its own failure, if every target fails again, is
    judged as a round of its own).
    Survey w7069 [2264..2270], round 32: the renewal failed at the primary at
    398.5 s and went to the silent secondary; a call's lookup failed at 412 s
    (FBK-C3), the retry due at 442.0 s looked server 1 up then and waited; the
    secondary given up at 446.027 s, the retry's REGISTER to the primary then.
    A REGISTER at once after the failure with no lookup begun at a due retry
    time before it is still an early retry.
    """
    if (nxt.method != "REGISTER" or nxt.call_id != last.call_id or not nxt.on_wire
            or not ctx.is_primary(nxt.dst)
            or not fail_t - ctx.tol <= nxt.started <= fail_t + ctx.at_once):
        return False
    slack = ctx.tol + ctx.profile.t1
    due = [d for _, d in ctx.retry_times if last.started + ctx.tol < d < fail_t - slack]
    return any(last.started + ctx.tol < q < fail_t - ctx.tol and abs(q - d) <= slack
               for q in wire.phone_query_times(ctx.trace, ctx.facts) for d in due)


def _roe_behind_unsent_call(ctx: Ctx, x: wire.Txn) -> bool:
    """
    Whether attempt C{x}, a new INVITE's at a secondary of server 1 whose
    connection carried no SIP, was FO-5's REGISTER there: under
    register_on_enable the phone sends a target nothing before it registered
    there, unless its binding there still stood, so the connection was the
    REGISTER's, which the wire names by the call it was for, and the
    account's next REGISTER waited for it (RFC 3261 10.2, as
    L{_register_outstanding} reads; w7056 [1003], round 30: a call's
    connections to the primary reset and to the secondary lost from
    244.21 s, the retry due at 245.11 s, its SYN to the primary as the
    secondary was given up at 245.71 s).
    """
    return (x.method == "INVITE" and not x.in_dialog and not x.on_wire
            and bool(ctx.facts.account.server(1).register_on_enable)
            and ctx.group(x.dst) == 1 and not ctx.is_primary(x.dst)
            and not any(r.dst == x.dst and r.t <= x.started <= r.t + r.granted
                        for r in ctx.regs))


def _renewal_in_place(ctx: Ctx, began: float, fail_t: float, r_t: float,
                      latest: float) -> bool:
    """
    Whether the attempt at C{r_t}, before the retry that every target failing
    at C{fail_t} (in a round begun at C{began}) made due (by C{latest}), is the
    renewal of a registration at server 1 still valid at C{fail_t}, in the
    last half of its granted interval (REG-2's window), which opened after
    that round began (a round begun in the window was the renewal itself).
    The guide and RTX-5 do not say whether a renewal falling due before the
    retry takes the retry's place: still registered (another request, a
    call, failed every target), the phone owes REG-2 its renewal, and that
    renewal goes to the top of the list just as the retry would.  Both are
    accepted: the retry at the retry interval, or the renewal in its window
    before it (explore seed 12 of round 3: a registration granted 60 s, two
    calls refused at 2 and 3 s, the renewal at 30 s).  A REGISTER before the
    window, or after the retry time, is neither.
    """
    reg = max((r for r in ctx.regs if ctx.group(r.dst) == 1 and r.t <= fail_t),
              key=lambda r: r.t, default=None)
    if reg is None or fail_t > reg.t + reg.granted:
        return False
    lo, hi = reg.t + reg.granted / 2, reg.t + reg.granted
    return began < lo - ctx.tol and lo - ctx.tol <= r_t <= min(hi + ctx.tol, latest)


def _failed_renewal_in_place(ctx: Ctx, options: Sequence[tuple[float, str, str, int]],
                             began: float, fail_t: float, latest: float) -> float | None:
    """
    When every target of server 1 had failed again after the earliest of
    C{options} (the retry's candidates) that was a renewal in place of the
    retry (L{_renewal_in_place}), if it failed before C{latest}: the phone
    took that renewal for the retry, and its failure, like any round's,
    makes the next retry due a retry interval later (RTX-5).  Without it the
    retry after the failed renewal read as a late retry of the round before.
    """
    starts = sorted(o[0] for o in options
                    if o[0] > fail_t and _renewal_in_place(ctx, began, fail_t, o[0], latest))
    if not starts:
        return None
    done = _every_target_failed_since(ctx, latest, starts[0] - ctx.tol)
    return done if done < latest - ctx.tol else None


# -- REG ------------------------------------------------------------------------------------


def _user_of(req: Request) -> str | None:
    try:
        return req.from_.uri.user
    except (ParseError, ValueError, AttributeError):
        return None


def _unfinished_tls(ctx: Ctx) -> tuple[int, str] | None:
    """
    The first connection of the phone to a server that carried bytes that
    are not SIP (a TLS handshake) and never reached C{"tls-ok"}: the phone
    tried to reach the server, the handshake never finished (RTX-2: not
    established).  Its trace index and server.
    """
    servers = ctx.facts.addresses
    tls = ctx.facts.account.transport == 2
    ok: set[tuple[str, int, int]] = set()
    for _, e in ctx.trace.indexed(ConnEvent):
        if e.what == "tls-ok":
            for srv, ph in ((e.local, e.remote), (e.remote, e.local)):
                if srv[0] in servers:
                    ok.add((srv[0], srv[1], ph[1]))
    for i, e in ctx.trace.indexed(PacketEvent):
        if (
            e.proto == "tcp"
            and not e.flags
            and e.dst[0] in servers
            and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone)
            and (e.dst[0], e.dst[1], e.src[1]) not in ok
            and (
                # bytes that are not SIP (a request starts with its method name), or a
                # segment the network recorded without its (encrypted) bytes under TLS
                (e.payload and not e.payload[:1].isalpha())
                or (not e.payload and tls)
            )
        ):
            return i, e.dst[0]
    return None


def _unseen_registration(ctx: Ctx, first: wire.Txn) -> wire.ConnAttempt | None:
    """
    When no REGISTER of the account ever reached the wire but a connection of
    the phone failed before its first request did: the first failed connection
    away from every planned call's moment (L{wire.call_windows}) and not one a
    planned hang-up claims, if any.  Only the registration opens one then (the
    phone does not retry a failed call): it is the registration's retry
    (RTX-5), so the attempt at start was the registration's too, whatever call
    shared its connection (survey 7007 [02], round 9: TCP, the REGISTER's and
    the call's INVITE at 0 s waited for one SYN, lost; the registration's
    retries 30 s apart refused or lost, a second call's INVITE at 1 s got
    through).  C{None} when nothing shows the registration.
    """
    conns = ctx.conn_attempts
    if not any(a.start <= first.first for a in conns):
        return None
    tol = ctx.tol
    windows = wire.call_windows(ctx.trace, ctx.facts)
    hung = ctx.hang_up_claims
    return next((a for a in conns if a.index not in hung
                 and not any(lo - tol <= a.start <= hi + tol for lo, hi in windows)), None)


def _retried_registration(ctx: Ctx, first: wire.Txn, reg: wire.Txn) -> wire.ConnAttempt | None:
    """
    When the account's first REGISTER on the wire, C{reg}, came after its
    first request C{first} and began a retry interval after a failed
    connection (RTX-5), itself perhaps such a retry of an earlier one: the
    failed connection of that chain that began before C{first}, if any.  Only
    the registration is retried a retry interval after it failed (the phone
    retries no failed call), so the attempt at start was the registration's,
    whatever call shared its connection (survey 7008 [01], round 10: TCP, the
    REGISTER and two calls' INVITEs at 0 s waited for one SYN, lost; a third
    call's INVITE at 3 s got on the wire, the registration's retry at 30.5 s).
    A connection still opening when RTX-1's time ran out failed then (RTX-2:
    not established), whatever the wire shows of it later (explore seed 402,
    round 10: its first SYN lost, the late SYN's answer met the phone's reset
    0.5 s after it had given the connection up).
    C{None} when nothing ties the REGISTER to an attempt at start.
    """
    ri, tol = ctx.profile.retry_interval, ctx.tol
    conns = ctx.conn_attempts

    def failed(a: wire.ConnAttempt) -> tuple[float, ...]:
        return (a.t, a.start + wire._opening_window(ctx.facts, "REGISTER", a.server))

    t = reg.started
    for _ in range(len(conns)):
        before = [a for a in conns if a.start < t
                  and any(abs(f + ri - t) <= tol for f in failed(a))]
        if not before:
            return None
        a = min(before, key=lambda a: a.start)
        if a.start < first.first:
            return a
        t = a.start
    return None


def reg1(ctx: Ctx) -> Verdict:
    """An enabled account registers at start; a disabled one sends nothing."""
    c = "REG-1"
    acct = ctx.facts.account
    user = acct.user_name or None
    mine = [t for t in ctx.txns if user is None or _user_of(t.request) in (user, None)]
    if not acct.enabled:
        if mine:
            t = mine[0]
            return ctx.failed(c, "a disabled account sent a request", "nothing sent",
                              t.describe(), t.indexes)
        queries = ctx.dns
        if queries and user is None:
            i = queries[0][0]
            return ctx.failed(c, "a disabled account queried DNS", "nothing sent",
                              f"DNS query (event {i})", (i,))
        return ctx.passed(c, "the disabled account sent nothing")
    if not mine:
        # no REGISTER could be sent: server 1's lookup failed (DNS-11) or every connection
        # failed (RTX-2), and no other server was configured to take over
        if ctx.dns_downs:
            d = ctx.dns_downs[0]
            return ctx.passed(c, f"tried to register at start: the {d.describe()}; no server "
                                 "address to send a REGISTER to", d.indexes)
        if ctx.facts.dns is not None:
            # the DNS server never saw (or never answered) the lookup: the network lost
            # the queries or the DNS host was down (DNS-11), yet the phone tried
            dns_host = ctx.facts.dns[0]
            sent = next(
                ((i, e) for i, e in ctx.trace.indexed(PacketEvent)
                 if e.proto == "udp" and e.dst[0] == dns_host
                 and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone)),
                None,
            )
            if sent is not None:
                i, e = sent
                return ctx.passed(c, f"tried to register at start: its DNS query at {e.t:.3f} s "
                                     f"got no answer ({e.fate}); no server address to send a "
                                     "REGISTER to", (i,))
        refused = ctx.conn_attempts
        if refused:
            a = refused[0]
            return ctx.passed(c, f"tried to register at start: the {a.transport} connection to "
                                 f"{ctx.name(a.server)} failed ({a.what}) at {a.t:.3f} s",
                              a.indexes)
        hello = _unfinished_tls(ctx)
        if hello is not None:
            return ctx.passed(c, "tried to register at start: its TLS handshake with "
                                 f"{ctx.name(hello[1])} never completed", (hello[0],))
        return ctx.failed(c, "the enabled account never registered", "a REGISTER at start",
                          "no request at any server")
    first_out = [t for t in mine if not t.in_dialog]
    first = first_out[0] if first_out else mine[0]
    regs = [t for t in mine if t.method == "REGISTER"]
    # Sends the network dropped carry their send time, delivered ones the time the
    # server saw them: a REGISTER within the tolerance of the first request was first.
    if not regs or (first.method != "REGISTER" and regs[0].first > first.first + ctx.tol):
        # its REGISTERs at start may have found no server: connections failed before
        # any SIP went over them (RTX-2), away from a planned call's time (explore seed
        # 55 of dns-ip-literal: every REGISTER's connection lost or refused, a flapping
        # primary, while a call's INVITE got through)
        tried = [a for a in ctx.conn_attempts if a.start < first.first - ctx.tol
                 and not ctx.at_call_moment(a.start)]
        if tried:
            a = tried[0]
            return ctx.passed(c, f"tried to register at start: the {a.transport} connection to "
                                 f"{ctx.name(a.server)} failed ({a.what}) at {a.t:.3f} s",
                              a.indexes)
        # (or its lookup of server 1 gave no address (DNS-11), before the first request
        # and away from a planned call's time, or one more than the calls placed then:
        # explore seed 316, round 9, SERVFAIL until 10 s, the call at 10 s the first
        # request on the wire, the REGISTER's retry at 30; L{_registration_lookups})
        looked = _registration_lookups(ctx, first.first)
        if looked:
            d = looked[0]
            return ctx.passed(c, f"tried to register at start: the {d.describe()}; no server "
                                 "address to send a REGISTER to", d.indexes)
        # (or, in concurrent mode, its REGISTER to the fallback server at start (FBK-C1)
        # began a connection there that came up only after the phone had given that
        # REGISTER up (RTX-1, RTX-2), and the first request on the wire, handed over to
        # the fallback server once server 1 had failed for it, later went over it: the
        # connection began before server 1 could have failed, so it was not that
        # request's; survey 7017 [06], round 17: TLS, 100 ms latency, retry_counts 0,
        # a call at 0 s, server 1's lookup empty, the INVITE the first request on the wire)
        early = _fallback_connection_at_start(ctx, first)
        if early is not None:
            return ctx.passed(c, "tried to register at start: its REGISTER to the fallback "
                                 f"server began with the connection there at {early:.3f} s, "
                                 f"before server 1 had failed for {first.describe()}",
                              first.indexes)
        retry = None if regs else _unseen_registration(ctx, first)
        if retry is None and regs:
            # (or its first REGISTER on the wire was RTX-5's retry of a connection at start)
            at_start = _retried_registration(ctx, first, regs[0])
            if at_start is not None:
                a = at_start
                return ctx.passed(c, f"tried to register at start: the {a.transport} connection "
                                     f"to {ctx.name(a.server)} failed ({a.what}) at {a.t:.3f} s; "
                                     f"its retry {regs[0].describe()}",
                                  (*a.indexes, *regs[0].indexes))
        if retry is not None:
            return ctx.passed(c, "tried to register at start: no REGISTER of it got on the wire; "
                                 f"its retry's {retry.transport} connection to "
                                 f"{ctx.name(retry.server)} failed ({retry.what}) at "
                                 f"{retry.t:.3f} s", retry.indexes)
        if not regs:
            return ctx.failed(c, "the enabled account never sent a REGISTER",
                              "a REGISTER at start", first.describe(), first.indexes)
        return ctx.failed(c, "the account sent another request before registering",
                          "a REGISTER first", first.describe(), first.indexes)
    return ctx.passed(c, f"registered at start: {regs[0].describe()}", regs[0].indexes)


def _registration_lookups(ctx: Ctx, before: float) -> list[DnsDown]:
    """
    The failed lookups of server 1's domain (DNS-11) before C{before} that
    were the registration's: those away from a planned call's moment; or,
    where more of them fell in calls' moments than calls were placed then
    (a call's INVITE makes one lookup), the first of those (survey w7060
    [4043..4049], round 30: SERVFAIL until 10 s, a call at 0 s, two failed
    lookups at 0.1 s and 0.3 s, the registration's retry due at 30.2 s, the
    call at 20 s the first request on the wire).
    """
    downs = [d for d in ctx.dns_downs if d.start < before - ctx.tol]
    away = [d for d in downs if not ctx.at_call_moment(d.start)]
    if away:
        return away
    calls = {n for n, p in enumerate(ctx.facts.calls) for d in downs
             if p.at - ctx.tol <= d.start <= p.at + 1.0 + ctx.tol}
    return downs[:1] if len(downs) > len(calls) else []


def _fallback_connection_at_start(ctx: Ctx, first: wire.Txn) -> float | None:
    """
    In concurrent mode, if C{first} (not a REGISTER) went to the fallback server
    over a connection the phone had begun there before server 1 had failed for
    it (its lookup of server 1 answered without an address, DNS-11, or a target
    of server 1 failed, RTX-1/RTX-2), when that connection began: it was the
    account's REGISTER there at start (FBK-C1), not C{first}'s hand-over (FBK-C2).
    """
    if (ctx.facts.account.redundancy_type != 0 or first.method == "REGISTER"
            or ctx.group(first.dst) != 2 or first.conn_start is None):
        return None
    failed = [d.start for d in ctx.dns_downs if d.start <= first.first]
    failed += [done for t in ctx.attempts
               if t.call_id == first.call_id and ctx.group(t.dst) == 1
               and (done := ctx.failed_at(t)) is not None]
    if not failed or first.conn_start >= min(failed):
        return None
    return first.conn_start


def _failure_time(ctx: Ctx, t: wire.Txn) -> float:
    """When C{t}'s target failed, or its first send if the wire cannot tell."""
    done = ctx.failed_at(t)
    if done is None and ctx.maybe_late(t):
        return t.started + ctx.give_up(t)
    return done if done is not None else t.first


def _retry_times(ctx: Ctx) -> list[tuple[float, float]]:
    """
    When RTX-5's retries were due, each with the moment from which its round
    was owed one (a registration granted after that moment does not void it):
    a retry interval after each REGISTER round in which every target of server
    1 failed (owed from that failure), and, in successive mode, after each
    failed REGISTER to the fallback server (owed from its start: server 1 had
    failed before it, by its transactions or by its lookup, DNS-11, which
    leaves no transaction; FBK-S2, then every target failed).  Where no
    fallback server takes over (concurrent mode, FBK-C1: the fallback server
    is registered alongside and takes nothing over; or successive mode
    without one), a failed lookup of server 1 (DNS-11: a failure of server
    1, as if every target had failed) owes one too, a retry interval after
    the resolver gave it up.
    """
    out: list[tuple[float, float]] = []
    ri = ctx.profile.retry_interval
    if not (ctx.facts.account.redundancy_type == 1 and ctx.fallback is not None):
        out.extend((d.start, d.gave_up + ri) for d in ctx.dns_downs)
    targets = {s.address for s in ctx.facts.targets}
    for rnd in ctx.rounds:
        if rnd.method != "REGISTER":
            continue
        mine = [t for t in rnd.txns if ctx.group(t.dst) == 1]
        if not mine or targets - {t.dst for t in mine} or not all(t.failed for t in mine):
            continue
        done = ctx.failed_at(mine[-1])
        if done is not None:
            out.append((done, done + ri))
    if ctx.facts.account.redundancy_type == 1 and ctx.fallback is not None:
        for x in ctx.attempts:
            if x.method == "REGISTER" and x.dst == ctx.fallback:
                done = ctx.failed_at(x)
                if done is not None:
                    out.append((x.started, done + ri))
    return out


def _rtx5_retry(ctx: Ctx, nxt: wire.Txn, granted_at: float,
                retry_times: Sequence[tuple[float, float]]) -> bool:
    """
    Whether REGISTER C{nxt} was RTX-5's retry of a round owed one before the
    registration granted at C{granted_at} (L{_retry_times}): it began at the
    retry time, or went out behind a lookup of server 1's name that began then
    (DNS-10: the resolution had expired; its queries lost and asked again put
    the REGISTER seconds late, as L{wire.answer_not_taken} reads a retry).
    That lookup need not be the first of the phone's lookups run together on
    the wire: one a call began a few seconds before may still have been
    asking (survey w7045 [3683], round 27: a call's lookup from 227.0 s, the
    retry's own from 231.83 s, its REGISTER at 233.74 s).
    """
    slack = ctx.tol + ctx.profile.t1
    due = [d for owed, d in retry_times if owed < granted_at]
    if not due:
        return False
    if any(abs(nxt.started - d) <= slack for d in due):
        return True
    began = [q for q in wire.phone_query_times(ctx.trace, ctx.facts)
             if q <= nxt.started + ctx.tol and any(abs(q - d) <= slack for d in due)]
    return any(lo - ctx.tol <= q and nxt.started <= hi + ctx.tol
               for lo, hi in wire.phone_lookups(ctx.trace, ctx.facts)
               for q in began if q <= hi)


def _lookup_retry_missed(ctx: Ctx, r: wire.Registration) -> float | None:
    """
    When RTX-5's retry was due after the registration attempt of server 1
    whose lookup failed after C{r} (DNS-11, L{_first_retry_window}), if the
    phone let C{r} lapse and never came back: no REGISTER to server 1's group
    after C{r}, and no DNS question of server 1's names nor connection to
    that group around the retry's time (None: no such retry was missed).  A
    retry that joined server 1's first question in flight and failed with it
    (L{_joined_question_failed}) sent nothing of its own; the next one, from
    that failure, is asked for then.  A failed lookup excuses the renewal it
    stood for, not the retry it owes; without this a phone that gives up
    registering after a DNS failure (defect C{no-reregister-retry}) passes
    REG-2 and FBK-C1 (survey w7084 [946], round 35: the renewal's SRV
    question lost at 16.01 and 17.01 s, the retry due at 50.01 s in a 120 s
    run).
    """
    if ctx.facts.account.redundancy_type == 1 and ctx.fallback is not None:
        return None  # (the fallback server takes over: FBK-S2, FO-6, FBK-S3 judge)
    if any(x.method == "REGISTER" and ctx.group(x.dst) == 1 and x.first > r.t + ctx.tol
           for x in ctx.attempts):
        return None
    window = _first_retry_window(ctx, r)
    if window is None:
        return None
    due, hi = window
    slack = ctx.tol + ctx.profile.t1
    ri = ctx.profile.retry_interval
    queries = server1_query_times(ctx)
    # (once, or again for each retry that joined a question in flight and failed
    # with it: the next falls due from that failure; survey w7041 [7868], round 36)
    while hi < ctx.end:
        if _retry_heard(ctx, queries, due - slack, hi):
            return None
        failed = _joined_question_failed(ctx, due, slack)
        if failed is None or failed + ri <= due:
            return due
        due = failed + ri
        hi = due + slack + DNS_GIVE_UP
    return None


def _first_retry_window(ctx: Ctx, r: wire.Registration) -> tuple[float, float] | None:
    """
    When RTX-5's first retry after registration C{r}'s lapse was due, and the
    latest it may begin (its lookup's first query or a connection), or None
    when no registration attempt's lookup was seen to fail.  The phone's
    retry timer runs from a registration attempt's failure: the renewal's,
    or, when a call found server 1 down while registered (FBK-C3), the
    attempt it moved to C{min(retry_interval, time left to the renewal)}
    (review of round 36: a call's lookup failing at 9 s, the attempt at the
    15 s renewal failing at 19 s, the retry due at 49 s, not 39 s).  The
    first failure from that attempt on may be a call's, its lookup in flight
    beside the attempt's and failing first while the phone was still
    registered; the attempt's own failure then restarts the timer.  So the
    window runs to the retry of the last lookup in flight at that first
    failure, plus a resolver's give-up for the retry's first question.
    Only the first attempt's retry is asked for: a later failure, a call's
    or the retry's own, need not restart it (survey w7078 [5771], round 35:
    the name NXDOMAIN, the registration's retries at 248.5 and 279.6 s, a
    call's lookup failing between at 254.0 s).  A call's failure that moved
    the attempt need not be a lookup's: every target of server 1 failing
    (L{_exhausted_after}, as FBK-C3 reads it) moves it too (second review of
    round 36: a call's INVITE to a silent primary given up at 12.52 s, the
    moved attempt at 42.52 s failing its lookup at 46.52 s, the retries at
    76.52 and 110.52 s, not due from the 53 s renewal).
    """
    ri, tol = ctx.profile.retry_interval, ctx.tol
    downs = sorted((d for d in ctx.dns_downs if d.start > r.t + tol), key=lambda d: d.gave_up)
    if not downs:
        return None
    renew = r.t + ctx.profile.renewal_delay(r.granted)
    first = min([downs[0].gave_up, *_exhausted_after(ctx, r.t + tol)])
    attempt = min(first + ri, renew) if first < renew - tol else renew
    mine = [d for d in downs if d.gave_up >= attempt - tol]
    if not mine:
        return None
    due = mine[0].gave_up + ri
    last = max(d.gave_up for d in mine if d.start <= mine[0].gave_up + tol)
    return due, last + ri + tol + ctx.profile.t1 + DNS_GIVE_UP


def _exhausted_after(ctx: Ctx, t: float) -> list[float]:
    """
    When, after C{t}, a request's every target of server 1 failed (RTX-2's
    round over, L{Ctx.exhausted_at}): a failure of server 1 that moves the
    registration's attempt, as a failed lookup does (RTX-5, FBK-C3).
    """
    out = []
    for ch in ctx.new_chains(1):
        at = ctx.exhausted_at(ch)
        if at is not None and at > t:
            out.append(at)
    return out


def _retry_heard(ctx: Ctx, queries: Sequence[float], lo: float, hi: float) -> bool:
    """
    Whether the phone began anything of server 1 from C{lo} to C{hi}: a DNS
    question of its names (L{server1_query_times}) or a connection to its
    group.  A query after C{hi} is another's, a call's lookup (review of
    round 36: a call at 55 s read as the retry due at 49 s of a phone that
    never retried).
    """
    return any(lo <= q <= hi for q in queries) or any(
        ctx.group(a.server) == 1 and lo <= a.start <= hi for a in ctx.conn_attempts)


def _joined_question_failed(ctx: Ctx, due: float, slack: float) -> float | None:
    """
    When the lookup of server 1 that RTX-5's retry due at C{due} joined
    failed: its first question (L{server1_first_question}) asked before the
    retry fell due and still in flight then (no answer heard by C{due} less
    C{slack}, nor given up, L{DNS_GIVE_UP} after its first try), then ended
    with no record (L{_ended_without}: given up, or answered without one).
    The phone's resolver shares a question in flight among its askers, so
    such a retry sends no query of its own and fails with the other lookup
    (survey w7041 [7868], round 36: a call's SRV question asked at 46 and
    47 s, never answered, the retry due at 49 s failing with it at 50 s).
    None when no such question was in flight, or it brought a record (the
    retry then goes on, and its later steps are on the wire).
    """
    first = server1_first_question(ctx)
    if first is None:
        return None
    for x in ctx.questions:
        if (x.name, x.type) != first or x.first > due + ctx.tol:
            continue
        ended = _ended_without(x)
        # (an answer after the resolver's give-up ended nothing: it was given up then)
        if ended is not None and min(ended, x.first + DNS_GIVE_UP) >= due - slack:
            return min(ended, x.first + DNS_GIVE_UP)
    return None


def _trouble_since(
    ctx: Ctx, r: wire.Registration, conn_trouble: Sequence[ConnEvent]
) -> tuple[list[wire.Txn], list[float]]:
    """
    REG-2's trouble at the group of C{r}'s server since C{r}: its failed
    transactions and when connections to it (or lookups of server 1) failed.
    Worked out only when REG-2 reads them: most registrations of a short run
    are not due for renewal before it ends.
    """
    group = ctx.group(r.dst)
    # a failure of the group since the registration legitimately re-registers early
    # (as is an answer that may have reached the phone only after it gave the
    # server up, L{Ctx.maybe_late}: either reading stands; survey 7006 [02], round
    # 9, UDP, latency 0.1 s, a call's INVITE given up at 177.5 s, the UAS's 200
    # re-sent at 177.6 s, the registration's RTX-5 retry 30 s later)
    # (an ACK is no trouble: it gets no response, RFC 3261 17.1.1.3, so the wire's
    # "no final response" says nothing of its server; round 18 saw every call's ACK
    # after a registration waive REG-2's judgement of its renewal)
    # (a failure in the registration's very instant may have come after it: survey
    # 7019 of round 18, no latency, the INVITE's 503 and the REGISTER's 200 at 0.0 s,
    # the registration's RTX-5 retry 30 s later, hidden until then by the ACK)
    troubled = [
        t for t in ctx.txns
        if ctx.group(t.dst) == group and t.method != "ACK"
        and (t.failed or ctx.maybe_late(t))
        and r.t - wire._SAME_INSTANT < _failure_time(ctx, t)
    ]
    # a connection to the group lost or refused since (RTX-2) is trouble as well
    lost_conn = [
        e.t for e in conn_trouble
        if ctx.group(e.local[0]) == group and e.t > r.t
    ] + [f.t for f in ctx.conn_failures if ctx.group(f.server) == group and f.t > r.t]
    # and so is a failed lookup of server 1's name (DNS-11: a failure of server 1,
    # say an INVITE's, after which the phone may register again from the top)
    # (by when the phone had given it up: a lookup begun before this registration, a
    # call's, may fail after it; explore seed 52 of dns-ip-literal)
    if group == 1:
        lost_conn += [d.start if d.start > r.t else d.latest
                      for d in ctx.dns_downs if d.latest > r.t]
    return troubled, lost_conn


def _held_after_all(ctx: Ctx, w: wire.Registration) -> bool:
    """
    Successive mode: whether the phone showed that it held C{w}, a registration
    whose 2xx may have reached it only as it gave the REGISTER up (RTX-1, the
    network's delay within the tolerance): its next new request to C{w}'s
    server group after it was a call's INVITE (a phone that took the probe for
    failed stays on the other server and sends its calls there, FBK-S4), or a
    REGISTER in C{w}'s last half that is no probe due C{fallback.timeout} after
    it (REG-2: C{w}'s renewal).  Survey 7011 [08], round 13: TCP, 100 ms
    latency, the probe's 200 sent 0.31 s into its 0.5 s, the calls then placed
    at the working server and its renewal 60 s later, the fallback's binding
    left to lapse.
    """
    group = ctx.group(w.dst)
    nxt = next((x for x in ctx.attempts if ctx.group(x.dst) == group and not x.in_dialog
                and x.method not in ("ACK", "CANCEL") and x.started > w.t + ctx.tol), None)
    if nxt is None:
        return False
    if nxt.method == "INVITE":
        return True
    slack = ctx.tol + ctx.profile.t1
    probe = w.txn.started + float(ctx.facts.account.fallback_timeout)
    return (nxt.method == "REGISTER" and abs(nxt.started - probe) > slack
            and w.t + w.granted / 2 - ctx.tol <= nxt.started <= w.t + w.granted + ctx.tol)


def reg2(ctx: Ctx) -> Verdict:
    """REGISTER asks for the configured expires; renewal in the last half of the granted time."""
    c = "REG-2"
    acct = ctx.facts.account
    regs = [t for t in ctx.txns if t.method == "REGISTER"]
    if not regs:
        return ctx.na(c, "no REGISTER was sent")
    ev: list[int] = []
    for t in regs:
        asked = wire.asked_expires(t.request)
        if asked == 0:
            continue
        want = acct.server(2 if ctx.group(t.dst) == 2 else 1).expires
        if asked != want:
            return ctx.failed(c, f"{t.describe()}: wrong expires asked", f"expires {want}",
                              f"expires {asked}", t.indexes)
    judged = 0
    successive = acct.redundancy_type == 1 and ctx.fallback is not None
    conn_trouble = [
        e for _, e in ctx.trace.indexed(ConnEvent)
        if e.local[0] in ctx.facts.addresses
        and e.what in ("close", "reset", "refused", "timeout", "tls-fail")
        and (ctx.facts.phone is None or e.remote[0] == ctx.facts.phone)
    ]
    arrivals = wire.stream_arrivals(ctx.trace, ctx.facts)
    for r in ctx.regs:
        idx = r.txn.final_index
        arrived = max(r.t, arrivals.get(idx, r.t)) if idx is not None else r.t
        if r.txn.late or arrived + ctx.tol >= r.txn.started + ctx.give_up(r.txn):
            # the 2xx reached the phone (TCP/TLS: its segment lost, when a copy got
            # through) when the phone's transaction was giving up (RTX-1): it may have
            # come to a phone that no longer waited for it, so the phone need not know
            # it holds this binding
            continue
        group = ctx.group(r.dst)
        # the group's next REGISTER attempt begins the renewal (not the head of a round:
        # a failed connection to the other group may take this REGISTER's Call-ID)
        later = [
            x
            for x in ctx.attempts
            if x.method == "REGISTER"
            and x.first > r.t + ctx.tol
            and ctx.group(x.dst) == group
            # (not register_on_enable's REGISTER to another target ahead of a call,
            # FO-5: the phone registers there to send the call, no renewal of this
            # binding; explore seed 62 of round 4, the lookup's first target lost so
            # the phone took no target for the primary, a REGISTER before the INVITE)
            and not _roe_for_call(ctx, x, r.dst)
        ]
        nxt = later[0] if later else None
        lo, hi = r.t + r.granted / 2, r.t + r.granted
        if successive:
            # FBK-S4: registered at the other server since this REGISTER began (a probe
            # the working server answered), the phone registers to one server at a
            # time and lets this binding go unrenewed
            moved = [
                w for w in ctx.regs
                if ctx.group(w.dst) != group
                and r.txn.started - ctx.tol <= w.t <= hi
                and (ctx.surely_in_time(w.txn) or _held_after_all(ctx, w))
            ]
            if moved and (nxt is None or nxt.first > moved[0].t + ctx.tol):
                continue
        if nxt is None:
            if hi + ctx.tol < ctx.end:
                troubled, lost_conn = _trouble_since(ctx, r, conn_trouble)
                if not troubled and not lost_conn:
                    return ctx.failed(
                        c, f"registration at {ctx.name(r.dst)} expired unrenewed",
                        f"a renewal in [{lo:.3f}, {hi:.3f}] s", "none", r.txn.indexes)
                missed = _lookup_retry_missed(ctx, r) if group == 1 else None
                if missed is not None:
                    return ctx.failed(
                        c, f"registration at {ctx.name(r.dst)} expired unrenewed, its failed "
                           "lookup never retried",
                        f"a renewal in [{lo:.3f}, {hi:.3f}] s, or RTX-5's retry at "
                        f"{missed:.3f} s", "none", r.txn.indexes)
            continue
        troubled, lost_conn = _trouble_since(ctx, r, conn_trouble)
        if troubled and troubled[0].first < nxt.first:
            continue
        if lost_conn and min(lost_conn) < nxt.first:
            continue
        if (group == 1 and nxt.dst != r.dst
                and r.dst in unresolved_targets(ctx, nxt.first)):
            # the lookup in use then gave no address for the server registered at
            # (DNS-8: its address query failed or was lost): the REGISTER elsewhere
            # is FO-5's or a failover's, no renewal (explore seed 3, a call's lookup)
            continue
        if group == 1 and _rtx5_retry(ctx, nxt, r.t, ctx.retry_times):
            # not a renewal: RTX-5's retry of a round in which every target failed
            # before this registration (another request's REGISTER, FO-5, registered
            # meanwhile); RTX-5 judges it (explore seed 0)
            # (or of one still under way then, at the fallback server, that failed
            # after it: survey w7029 [9836] of round 22, successive mode, the lookup
            # of server 1 timed out at 346.1 s, the REGISTER to the silent fallback
            # server given up at 393.6 s, a call's FO-5 REGISTER granted meanwhile at
            # 381.7 s, the retry from the top at 423.6 s)
            continue
        judged += 1
        ev.extend((*r.txn.indexes, nxt.sends[0].index))
        # (a request TCP held back behind another's lost segment and delivered with its
        # retransmission was written at some time between that lost copy, the time the
        # wire gives it, and the server reading it: explore seed 104 of round 5, a call's
        # INVITE lost at 120.0 s, the renewal written at 120.12 s, both sent again at
        # 120.2 s; the window opened at 120.1 s)
        written_by = _written_by(ctx, nxt)
        if not (lo - ctx.tol <= written_by and nxt.first <= hi + ctx.tol):
            return ctx.failed(
                c,
                f"renewal of the registration granted {r.granted} s at {r.t:.3f} s "
                "outside the last half of the interval",
                f"renewal in [{lo:.3f}, {hi:.3f}] s",
                f"{nxt.describe()}",
                (*r.txn.indexes, nxt.sends[0].index),
            )
    if not judged:
        return ctx.passed(c, "every REGISTER asked for the configured expires (no renewal was "
                             "due within the run)", [i for t in regs for i in t.indexes[:1]])
    return ctx.passed(c, f"expires as configured; {judged} renewal(s) in the last half of the "
                         "granted interval", ev)


_PARAM_RE = re.compile(r'([A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)')


def _digest_params(value: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = value.strip().partition(" ")
    out = {}
    for k, v in _PARAM_RE.findall(rest):
        out[k.lower()] = v[1:-1] if v.startswith('"') else v
    return scheme, out


def _digest_ok(method: str, params: dict[str, str], password: str) -> bool:
    alg = params.get("algorithm", "MD5").upper()
    name = {"MD5": "md5", "SHA-256": "sha256", "MD5-SESS": "md5", "SHA-256-SESS": "sha256"}.get(alg)
    if name is None:
        return False

    def h(s: str) -> str:
        return hashlib.new(name, s.encode("utf-8")).hexdigest()

    ha1 = h(f"{params.get('username', '')}:{params.get('realm', '')}:{password}")
    if alg.endswith("-SESS"):
        ha1 = h(f"{ha1}:{params.get('nonce', '')}:{params.get('cnonce', '')}")
    ha2 = h(f"{method}:{params.get('uri', '')}")
    if params.get("qop"):
        want = h(
            f"{ha1}:{params.get('nonce', '')}:{params.get('nc', '')}:"
            f"{params.get('cnonce', '')}:{params['qop']}:{ha2}"
        )
    else:
        want = h(f"{ha1}:{params.get('nonce', '')}:{ha2}")
    return want == params.get("response", "").lower()


def reg3(ctx: Ctx) -> Verdict:
    """A 401/407 is answered once with correct digest credentials; a second challenge ends it."""
    c = "REG-3"
    acct = ctx.facts.account
    username = acct.auth_name or acct.user_name
    challenged = [
        t for t in ctx.txns if t.final is not None and t.final.status in (401, 407)
    ]
    if not challenged:
        return ctx.na(c, "no server challenged the phone")
    ev: list[int] = []
    for t in challenged:
        assert t.final is not None and t.final_t is not None
        ev.extend(t.indexes)
        hdr = "WWW-Authenticate" if t.final.status == 401 else "Proxy-Authenticate"
        reply = "Authorization" if t.final.status == 401 else "Proxy-Authorization"
        _, chal = _digest_params(t.final.headers.get(hdr) or "")
        was_authed = t.request.headers.get(reply) is not None
        nxt = next(
            (
                x
                for x in ctx.txns
                if x.call_id == t.call_id
                and x.method == t.method
                and x.first > t.first
                and x.first > t.final_t - ctx.tol
            ),
            None,
        )
        if was_authed:
            stale = chal.get("stale", "").lower() == "true"
            soon = t.final_t + ctx.profile.retry_interval - ctx.tol
            if nxt is not None and not stale and nxt.first < soon:
                return ctx.failed(
                    c,
                    "a second challenge for the same credentials was answered again (a loop)",
                    f"no new {t.method} before {t.final_t + ctx.profile.retry_interval:.3f} s",
                    nxt.describe(),
                    (*t.indexes, nxt.sends[0].index),
                )
            continue
        if nxt is None:
            if t.final_t + ctx.at_once < ctx.end:
                return ctx.failed(c, f"{t.describe()}: challenge not answered",
                                  f"{t.method} with {reply}", "none", t.indexes)
            continue
        ev.append(nxt.sends[0].index)
        value = nxt.request.headers.get(reply)
        if value is None:
            return ctx.failed(c, f"{t.describe()}: the next {t.method} carries no {reply}",
                              f"{reply}: Digest username=\"{username}\" ...",
                              nxt.describe(), (*t.indexes, nxt.sends[0].index))
        scheme, cred = _digest_params(value)
        problems = []
        if scheme.lower() != "digest":
            problems.append(f"scheme {scheme}")
        if cred.get("username") != username:
            problems.append(f"username {cred.get('username')!r} (want {username!r})")
        if chal.get("nonce") and cred.get("nonce") != chal.get("nonce"):
            problems.append("nonce not the challenge's")
        if chal.get("realm") is not None and cred.get("realm") != chal.get("realm"):
            problems.append("realm not the challenge's")
        if "auth" in chal.get("qop", "").split(",") and cred.get("qop") != "auth":
            problems.append("qop=auth not used")
        if acct.password and not _digest_ok(t.method, cred, acct.password):
            problems.append("digest response does not match the password")
        if problems:
            return ctx.failed(c, f"{nxt.describe()}: bad credentials", "a correct digest answer",
                              "; ".join(problems), (*t.indexes, nxt.sends[0].index))
    return ctx.passed(c, f"{len(challenged)} challenge(s) answered once, correctly", ev)


CHECKS = {
    "RTX-1": rtx1,
    "RTX-2": rtx2,
    "RTX-3": rtx3,
    "RTX-4": rtx4,
    "RTX-5": rtx5,
    "REG-1": reg1,
    "REG-2": reg2,
    "REG-3": reg3,
}
