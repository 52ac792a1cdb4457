"""
Checkers for FO-* (failover between server 1's targets) and FB-* (failback,
per C{sip_server.1.failback_mode}).

A I{failover} (L{Ctx.failovers}) is a chain whose first attempt went to the
primary and failed, and that another target of server 1 then answered; its
time is that answer's.  "New requests" are the out-of-dialog chains that start
later; where each one's first attempt went is what the failback clauses judge.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.certify import wire
from harness.certify.checks_base import Ctx, Failover
from harness.certify.checks_dns import (
    address_heard_again,
    call_conn_behind_register,
    first_resolved_target,
    given_up_before,
    in_flight,
    resolution_ttl,
    resolution_ttls,
    settled_unresolved_targets,
    unresolved_for,
    unresolved_targets,
)
from harness.certify.checks_rtx import (
    _roe_after_another_target,
    _roe_before_call,
    _roe_register,
    _roe_window,
    roe_ended_at,
)
from harness.certify.verdict import Verdict
from harness.trace.events import PacketEvent

__all__ = ["CHECKS"]


def _after(ctx: Ctx, f: Failover) -> list[wire.Chain]:
    """New server-1 chains starting after failover C{f}, up to the next failover."""
    later = [g for g in ctx.failovers if g.chain.start > f.chain.start]
    stop = later[0].chain.start if later else float("inf")
    return [
        c
        for c in ctx.new_chains(1)
        if c is not f.chain and f.t + ctx.tol < c.start and c.start <= stop
    ]


def _skipped(ctx: Ctx, address: str, t: float, head: wire.Txn) -> bool:
    """
    Whether C{address} was no target at C{t} for the request whose first
    attempt is C{head}: skipped for a 503's Retry-After (RTX-3), or the
    lookup the request used gave no address for it while giving others
    (DNS-8, DNS-11: its address query failed or was lost).  That lookup is
    the request's own, read question by question (L{unresolved_for}): a
    call's lookup begun while it waited, which heard the address, was not
    the one it used (survey w7038 [166..172], round 26: FB-1, the renewal's
    A query for the primary lost twice and given up, the renewal on to the
    secondary as a call's lookup got the primary's address).
    """
    if any(a <= t <= b for a, b in ctx.retry_after_windows(address)):
        return True
    return address in unresolved_for(ctx, head, t)


def _tried_by_connection(ctx: Ctx, txn: wire.Txn, others: set[str]) -> int | None:
    """
    The trace index of a connection to another target of server 1 (C{others})
    that the phone began when C{txn}'s target failed and that failed before
    any SIP went over it (RTX-2: refused, reset): the failover's try, though
    no request is on the wire to name it, and one connection may be the try of
    every request that failed then (a REGISTER's and an INVITE's; explore
    seeds 17, 18, 31 of dns-ip-literal).  Or one another request was still
    opening there when C{txn}'s target failed, failing later: the failover
    joined it (the phone opens no second connection to the same server, as
    C{checks_rtx._joined_opening} reads it; explore seed 403 of round 10: TLS
    to plain ports, a call's connection to the secondary opening from 30.02 s,
    the registration's retry given up at the primary at 30.29 s, that
    connection closed at 30.64 s).
    """
    done = ctx.failed_at(txn)
    if done is None:
        return None
    found = next((a.index for a in ctx.conn_attempts
                  if a.server in others and a.what != "unestablished"
                  and (done - ctx.tol <= a.start <= done + ctx.at_once
                       or a.start < done <= a.t + ctx.tol)), None)
    return found if found is not None else _opening_at_end(ctx, others, done)


def _opening_at_end(ctx: Ctx, others: set[str], done: float) -> int | None:
    """
    The trace index of the first SYN of a connection to another target of
    server 1 (C{others}) that the phone began when a request's target failed
    at C{done} and that was still being opened
    when the run ended: no answer from the server reached the phone over it,
    no SIP went over it, and it had not failed (L{wire.conn_attempts} leaves
    it out, RTX-1's time from its first SYN not reached, or its RST lost).  The
    failover was under way, as REG-2 and FBK-C1 read a renewal's connection
    still being opened at the end (survey 7010 [03] of round 12: TCP, the
    INVITE given the silent primary up at 119.50 s, its SYN to the stopped
    secondary then, the RST lost, the run ending at 120 s).  A server's answer
    over it that the phone could not have acted on before the end (sent within
    the at-once allowance of it: the phone's next step, its ACK, TLS hello or
    the request itself, was still due) leaves it under way too (survey 7019
    [02], round 18: TLS, the REGISTER given up at the silent primary at
    296.85 s, two SYNs to the secondary lost, the third answered at 299.85 s,
    the phone's ACK lost, the run ending at 300 s).
    """
    failed = {(a.server, a.phone_port) for a in ctx.conn_attempts}
    first: dict[tuple[str, int], tuple[int, float]] = {}
    heard: set[tuple[str, int]] = set()
    for i, e in ctx.trace.indexed(PacketEvent):
        if e.proto != "tcp":
            continue
        if e.src[0] in others and e.fate == "delivered":
            if e.t + ctx.at_once <= ctx.end:
                heard.add((e.src[0], e.dst[1]))
        elif e.dst[0] in others and (ctx.facts.phone is None or e.src[0] == ctx.facts.phone):
            if "S" in e.flags and "A" not in e.flags:
                first.setdefault((e.dst[0], e.src[1]), (i, e.t))
            elif e.payload:
                heard.add((e.dst[0], e.src[1]))
    used = {(x.dst, s.sport) for x in ctx.txns if x.on_wire for s in x.sends}
    return next((i for key, (i, t) in first.items()
                 if key not in failed and key not in heard and key not in used
                 and done - ctx.tol <= t <= done + ctx.at_once), None)


# -- FO ---------------------------------------------------------------------------------


def fo1(ctx: Ctx) -> Verdict:
    c = "FO-1"
    primary = ctx.primary
    # a REGISTER the phone sent to the next target as a call's request failed over there
    # (register_on_enable 1, FO-5) is part of that request's failover, not the account's
    # first registration (explore seed 118 of dns-ip-literal, round 5: every lookup
    # failing until the call at 60 s, whose INVITE got the primary's 503 and whose FO-5
    # REGISTER reached the secondary 10 ms before the registration's retry reached the
    # primary)
    fo5 = {id(t) for ch in ctx.new_chains(1) if registers_for_failover(ctx, ch)
           for t in ch.txns}
    regs = [t for t in ctx.txns if t.method == "REGISTER" and ctx.group(t.dst) == 1
            and id(t) not in fo5]
    if primary is None or not regs:
        return ctx.na(c, "no REGISTER reached a target of server 1")
    first = regs[0]
    if ctx.is_primary(first.dst):
        return ctx.passed(c, f"first REGISTER to the primary: {first.describe()}", first.indexes)
    mode = ctx.facts.account.server(1).failback_mode
    before = [f for f in ctx.failovers if f.t + ctx.tol < first.first]
    if mode != 0 and before and first.dst == before[-1].to:
        # a request of the phone (a call's INVITE) failed over before any REGISTER got
        # on the wire; under a failback mode that keeps the current server, the first
        # REGISTER goes there, as FB-1/2/3 judge it (explore seed 48 of dns-ip-literal,
        # round 3: the registration's lookups lost, the call failed over first)
        return ctx.passed(c, f"the first REGISTER came after a failover to "
                             f"{ctx.name(first.dst)} (failback_mode {mode}: FB-{mode} judges "
                             f"it); {first.describe()}",
                          (*before[-1].txn.indexes, *first.indexes))
    # (read question by question, the lookup behind the REGISTER's own: a call's lookup
    # begun meanwhile may have got the primary's address after the registration's had
    # given it up and moved on, before the REGISTER's connection; survey 7021 [04])
    gave_up = given_up_before(ctx, first)
    if ctx.top and ctx.top <= unresolved_targets(ctx, first.first) | gave_up.keys():
        if not ctx.top & gave_up.keys():
            return ctx.passed(c, f"the lookup gave no address for the primary (DNS-8, "
                                 f"DNS-11); then {first.describe()}", first.indexes)
        return ctx.passed(c, f"the phone's address query for the primary failed and it went "
                             f"on to the next target's (DNS-8, DNS-11) before any address of "
                             f"the primary reached it; then {first.describe()}",
                          (*gave_up[min(ctx.top & gave_up.keys())], *first.indexes))
    # a connection to the primary that failed, or that was not established in time
    # (RTX-2), carried the first REGISTER's attempt there though no SIP went over it
    # (at one instant, no latency, before the REGISTER in the trace's order: survey 7020
    # [01], round 18)
    here = (first.first, first.sends[0].index)
    tried = [(f.index, f.what) for f in ctx.conn_failures
             if f.server in ctx.top and (f.t, f.index) <= here]
    tried += [(a.index, a.what) for a in ctx.conn_attempts
              if a.server in ctx.top and (a.start, a.index) <= here]
    if tried:
        return ctx.passed(
            c,
            f"first REGISTER attempt to the primary failed at connection level "
            f"({tried[0][1]}); then {first.describe()}",
            (tried[0][0], *first.indexes),
        )
    return ctx.failed(c, "the first REGISTER did not go to the primary",
                      f"REGISTER to primary ({primary})", first.describe(), first.indexes)


def fo2(ctx: Ctx) -> Verdict:
    c = "FO-2"
    if len(ctx.facts.targets) < 2:
        return ctx.na(c, "server 1 has no secondary target to fail over to")
    # (not FO-5's REGISTER for one target, L{Ctx.roe_registers}: at the primary when the
    # lookup in use did not establish it, a call's attempt there, whose INVITE moves on
    # when it fails, not the registration; w7038 [7545] of round 26, the phone's variant
    # with no binding there)
    cands = [
        ch
        for ch in ctx.new_chains(1)
        if ch.method == "REGISTER"
        and ctx.is_primary(ch.head.dst)
        and ch.head.final is None
        and ctx.completed(ch.head)
        and id(ch.head) not in ctx.roe_registers
    ]
    if not cands:
        return ctx.na(c, "no REGISTER to the primary went unanswered")
    ev: list[int] = []
    judged = 0
    for ch in cands:
        head = ch.head
        rc = ctx.retry_counts(head.dst)
        want = len(wire.send_offsets(ctx.profile, "REGISTER", rc, head.transport))
        ev.extend(ch.indexes)
        # (a provisional answer moved the REGISTER's transaction to Proceeding: it
        # retransmits every T2 from then on, RFC 3261 17.1.2.2, and RTX-1 leaves it be)
        if len(head.sends) != want and not head.provisional:
            return ctx.failed(c, "primary not retried per RTX-1 before the failover",
                              f"{want} sends to the primary", head.describe(), head.indexes)
        second = next((t for t in ch.txns[1:] if t.dst != head.dst and ctx.group(t.dst) == 1),
                      None)
        if second is None:
            others = {s.address for s in ctx.facts.targets} - {head.dst}
            if others and others <= unresolved_targets(ctx, ch.start):
                continue  # the lookup gave no address for another target (DNS-8, DNS-11)
            if _tried_by_connection(ctx, head, others) is not None:
                continue  # its connection there failed before any SIP (RTX-2; FO-6 follows)
            if head.first + ctx.give_up(head) + 2 * ctx.tol < ctx.end and len(ch.txns) == 1:
                return ctx.failed(c, "the phone did not fail over to the secondary",
                                  "a REGISTER to the secondary", "none", ch.indexes)
            continue
        refused = head.conn_failure
        # (the REGISTER to the secondary starts with its connection's first SYN, lost or not)
        # (from the answer to the phone's asking again for the secondary's address, if
        # the lookup in use had none: DNS-11's retry, its answers lost and asked again)
        heard = None if refused is None else address_heard_again(ctx, refused.t, second.dst)
        if refused is not None and second.started > max(refused.t, heard or 0.0) + ctx.at_once:
            return ctx.failed(c, f"the primary's {refused.transport} connection failed "
                                 f"({refused.what}); the REGISTER did not go to the secondary "
                                 "at once (RTX-2)",
                              f"REGISTER to {ctx.name(second.dst)} by "
                              f"{max(refused.t, heard or 0.0) + ctx.at_once:.3f} s",
                              second.describe(), (*head.indexes, *second.indexes))
        # registered: a 2xx from that server to this Call-ID (possibly after a challenge)
        ok = next(
            (t for t in ctx.txns if t.method == "REGISTER" and t.dst == second.dst
             and t.call_id == ch.call_id and t.first >= second.first and t.ok),
            None,
        )
        if ok is None:
            if second.final is None or second.final.status not in (401, 407):
                continue  # the secondary was silent or refused: the scenario's doing
            return ctx.failed(c, "the failover REGISTER did not end in a registration",
                              f"200 OK from {ctx.name(second.dst)}", second.describe(),
                              second.indexes)
        ev.extend(ok.indexes)
        judged += 1
    if not judged:
        return ctx.na(c, "no REGISTER failover reached a secondary that answered")
    return ctx.passed(c, f"{judged} REGISTER failover(s): primary retried, secondary "
                         "registered", ev)


def _secondary_unregistered(ctx: Ctx, ch: wire.Chain) -> bool:
    """
    With C{register_on_enable} 1, whether the REGISTER to another target of server 1
    that the phone had in flight (or sent) when C{ch}'s INVITE gave the primary up
    failed: the phone must not send the INVITE there (FO-5).
    """
    if not ctx.facts.account.server(1).register_on_enable:
        return False
    g1 = [t for t in ch.txns if ctx.group(t.dst) == 1]
    gave_up = ctx.failed_at(g1[-1]) if g1 else None
    if gave_up is None:
        return False
    # (when the call whose INVITE C{ch} carries was placed: the latest placed by then)
    placed = ctx.last_call_planned(ch.head.started + ctx.tol)
    for t in ctx.txns:
        if t.method != "REGISTER" or ctx.group(t.dst) != 1 or t.dst == ch.head.dst:
            continue
        done = ctx.failed_at(t)
        # (or was refused: a final error other than a challenge is no registration
        # either, explore seed 145 of dns-ip-literal, round 5: the secondary answering
        # every REGISTER 500; the phone gave the INVITE up, FO-6)
        refused = t.refused
        if refused:
            done = t.final_t
        # ... or whose 200 OK may have reached the phone only after it had given the
        # target up (RTX-1, L{Ctx.maybe_late}): no registration either (survey 7022 [04],
        # round 20: TLS, 100 ms latency, the connection's set-up taking 0.4 s of the
        # half second from its first SYN, the 200 sent 2 ms after the give-up; the phone
        # gave the INVITE up, FO-6)
        late = t.ok and ctx.maybe_late(t)
        if late:
            done = t.started + ctx.give_up(t)
        refused = refused or late
        if ((t.failed or refused) and done is not None and t.started <= gave_up + ctx.at_once
                and done >= gave_up - ctx.tol):
            return True
        # ... or one the INVITE waited for: the failover of a REGISTER of its Call-ID
        # still being tried elsewhere when the INVITE gave the primary up (one REGISTER
        # of a Call-ID at a time, RFC 3261 10.2; round 5's reading for RTX-1: that wait
        # is the INVITE's move to the next target), which then failed there (explore
        # seed 216 of dns-ip-literal, round 6: the RTX-5 retry at the primary from
        # 45.02 s, the INVITE giving up at 45.5 s, the retry's failover to the silent
        # secondary at 52.52 s)
        if ((t.failed or refused) and done is not None and done >= gave_up - ctx.tol
                and any(x.method == "REGISTER" and x.call_id == t.call_id
                        and x.dst != t.dst and x.first <= gave_up + ctx.tol
                        and (xd := ctx.failed_at(x)) is not None and xd >= gave_up - ctx.tol
                        and abs(t.started - xd) <= ctx.at_once for x in ctx.txns)):
            return True
        # ... or had already failed as the INVITE began, sent after its call was placed:
        # FO-5's REGISTER was the INVITE's attempt at that target, before the primary
        # (the primary's address not yet heard when it began, DNS-8), and the INVITE never
        # goes back to a target it has left (RTX-2; survey 7002 [09], round 6: the
        # secondary answering 403, the call's INVITE then silent at the primary)
        if ((t.failed or refused) and done is not None
                and ch.head.started - ctx.at_once <= done <= ch.head.started + ctx.tol
                and placed is not None and placed - ctx.tol <= t.started):
            return True
    return False


def fo3(ctx: Ctx) -> Verdict:
    c = "FO-3"
    primary = ctx.primary
    if len(ctx.facts.targets) < 2:
        return ctx.na(c, "server 1 has no secondary target to fail over to")
    cands = [
        ch
        for ch in ctx.new_chains(1)
        if ch.method == "INVITE"
        and ctx.is_primary(ch.head.dst)
        and ch.head.final is None
        and not ch.head.provisional
        and ctx.completed(ch.head)
    ]
    if not cands:
        return ctx.na(c, "no INVITE to the primary went unanswered")
    ev: list[int] = []
    judged = 0
    for ch in cands:
        head = ch.head
        want = len(wire.send_offsets(ctx.profile, "INVITE", ctx.retry_counts(primary or ""),
                                     head.transport))
        ev.extend(ch.indexes)
        if len(head.sends) != want:
            return ctx.failed(c, "INVITE not retried per RTX-1 at the primary",
                              f"{want} sends", head.describe(), head.indexes)
        second = next((t for t in ch.txns[1:] if t.dst != head.dst and ctx.group(t.dst) == 1),
                      None)
        if second is None:
            if _secondary_unregistered(ctx, ch):
                continue  # FO-5 (register_on_enable 1): nothing may go there unregistered
            others = {s.address for s in ctx.facts.targets} - {head.dst}
            if others and others <= unresolved_targets(ctx, ch.start):
                continue  # the lookup gave no address for another target (DNS-8, DNS-11)
            # (its last attempt at server 1: the chain may go on to the fallback server,
            # FO-6; explore seed 39 of dns-ip-literal, round 3, second find)
            g1_last = [t for t in ch.txns if ctx.group(t.dst) == 1][-1]
            if _tried_by_connection(ctx, g1_last, others) is not None:
                continue  # its connection there failed before any SIP (RTX-2; FO-6 follows)
            if ch.tail.first + ctx.give_up(ch.tail) + 2 * ctx.tol < ctx.end:
                return ctx.failed(c, "the INVITE did not fail over to the secondary",
                                  "an INVITE to the secondary with the same Call-ID", "none",
                                  ch.indexes)
            continue
        if not second.ok or second.late:
            # the secondary was silent too or refused (FO-6 / the scenario), or its 2xx came
            # after the phone had given it up (RTX-1; a delaying server): no call through
            # it to ACK (explore seed 24 of dns-ip-literal)
            continue
        dlg = next((d for d in ctx.dialogs if d.invite is second), None)
        reqs = dlg.requests if dlg else ()
        ack = [r for r in reqs if r.method == "ACK"]
        bye = [r for r in reqs if r.method == "BYE"]
        ev.extend(second.indexes)
        if not ack and ctx.maybe_late(second):
            # its 2xx, sent at the phone's give-up time, may have reached the phone after
            # it had given the secondary up (RTX-1; the network's delay): the phone
            # had no call to ACK (explore seed 19 of dns-ip-literal, round 3: TLS set-up
            # took most of the secondary's half second, the 200 came at its end)
            continue
        if not ack and not ctx.ack_due(second):
            continue  # answered as the run ended: the ACK was still on its way (as FBK-C2)
        if not ack or ack[0].dst != second.dst:
            return ctx.failed(c, "no ACK for the 200 OK through the secondary",
                              f"ACK to {ctx.name(second.dst)}",
                              ack[0].describe() if ack else "none", second.indexes)
        ev.extend(ack[0].indexes)
        judged += 1
        if not bye and dlg is not None and not _bye_due(ctx, dlg, ch.start):
            continue  # the call's hang-up was not yet due when the run ended
        if not bye and dlg is not None:
            # the BYE's connection to the secondary, opened at the hang-up (or already being
            # opened then, L{_byes_conn}), failed before any SIP went over it (RTX-2): the
            # phone tore the call down there, the server being down is why nothing
            # reached it (explore seed 193 of dns-ip-literal,
            # round 7: the secondary stopped during the call, its connection closed, the
            # BYE's new connection refused)
            hang_up = _byes_conn(ctx, dlg, ch.start)
            if hang_up is not None:
                ev.extend(hang_up.indexes)
                continue
        if not bye or bye[0].dst != second.dst:
            return ctx.failed(c, "the call was not torn down through the secondary",
                              f"BYE to {ctx.name(second.dst)}",
                              bye[0].describe() if bye else "none", second.indexes)
        ev.extend(bye[0].indexes)
    if not judged:
        return ctx.na(c, "no INVITE failover reached a secondary that answered")
    return ctx.passed(c, f"{judged} INVITE failover(s): call set up and torn down through "
                         "the secondary", ev)


def _byes_conn(ctx: Ctx, dlg: wire.Dialog, placed: float) -> wire.ConnAttempt | None:
    """
    The failed connection to C{dlg}'s server that carried the call's BYE when
    none reached the wire: one begun at the planned hang-up (L{_hang_up_conn}),
    or one already being opened to that server then and failing after it.  A
    connection still being opened serves every request waiting for its server
    (as RTX-5 reads it): the BYE waited on it and went down with it, so the
    phone did tear the call down there (survey 7029 [5551], round 22: TLS, the
    secondary stopped mid-call, the next call's INVITE opening a connection to
    it 1 s before the hang-up, its SYNs unanswered until after the BYE gave up).
    """
    from harness.certify.checks_fbk import _hang_up_conn

    by = placed + ctx.tol
    plans = [p for p in ctx.facts.calls if p.at <= by]
    latest = ctx.last_call_planned(by)
    # (calls placed together: any of their hang-ups, as L{_bye_due} reads them)
    hang_ups = [dlg.established + p.duration for p in plans
                if latest is not None and p.at >= latest - ctx.tol and p.duration is not None]
    return next((a for a in ctx.conn_attempts if a.server == dlg.dst and (
        _hang_up_conn(ctx, a)
        or any(a.start <= h + ctx.tol and h < a.t for h in hang_ups))), None)


def _bye_due(ctx: Ctx, dlg: wire.Dialog, placed: float) -> bool:
    """
    Whether the run lasted past the hang-up the plan of the call placed at
    C{placed} asks for (its C{duration} after the call came up, as the phone
    counts it), with a tolerance for the 2xx's way to the phone; a plan that
    does not say when owes a BYE within the run.
    """
    by = placed + ctx.tol
    latest = ctx.last_call_planned(by)
    if latest is None:
        return True
    plans = [p for p in ctx.facts.calls if p.at <= by]
    # (several calls placed at the same instant: the wire does not tell which dialog is
    # which plan; the hang-ups due by the run's end are owed by as many of them, and
    # those that hung up took them first; survey 7005 [03], round 8: a 10 s and a 30 s
    # call placed together, both failed over, the 30 s one still up at the run's end)
    tied = [p for p in plans if abs(p.at - latest) <= ctx.tol]
    due = sum(1 for p in tied
              if p.duration is None or dlg.established + p.duration + ctx.tol < ctx.end)
    if len(tied) == 1 or due in (0, len(tied)):
        return due > 0
    together = [d for d in ctx.dialogs if d is not dlg and any(
        ch.method == "INVITE" and not ch.in_dialog and abs(ch.start - placed) <= ctx.tol
        and d.invite in ch.txns for ch in ctx.new_chains(1))]
    hung_up = sum(1 for d in together if any(r.method == "BYE" for r in d.requests))
    return hung_up < due


def fo4(ctx: Ctx) -> Verdict:
    c = "FO-4"
    dl = [d for d in ctx.dialogs if d.requests]
    if not dl:
        return ctx.na(c, "no dialog with in-dialog requests from the phone")
    ev: list[int] = []
    n = 0
    for d in dl:
        for r in d.requests:
            n += 1
            ev.extend(r.indexes)
            if r.dst != d.dst:
                return ctx.failed(
                    c,
                    f"in-dialog {r.method} of call {d.call_id} went to another server",
                    f"{r.method} to {ctx.name(d.dst)} (dialog set up there at "
                    f"{d.established:.3f} s)",
                    r.describe(),
                    (*d.invite.indexes, *r.indexes),
                )
    return ctx.passed(c, f"{n} in-dialog request(s) in {len(dl)} dialog(s) went where the "
                         "dialog was set up", ev)


def _registration_retry(ctx: Ctx, t: wire.Txn) -> bool:
    """
    Whether REGISTER C{t} is the registration's own: its renewal, due in the
    last half of a registration held at server 1 (REG-2), or its RTX-5 retry,
    an earlier REGISTER of its Call-ID having failed, or been refused with a
    final error other than a challenge (RTX-3), a retry interval before C{t}
    began.
    """
    if t.method != "REGISTER":
        return False
    # (or its renewal falling due, REG-2's last half of a registration held at any
    # target of server 1, sent where FB-1/2/3 keep new requests: explore seed 206 of
    # dns-ip-literal, round 6, next find, the renewal due at 30.04 s after a call's
    # failover to the secondary at 23.5 s)
    # (... not one already renewed, a registration of its own begun in that last half
    # since: the renewal then went, the next one is due in the new one's last half;
    # survey 7031 [3411], round 22: FB-2, the renewal due at 30.1 s moved on to the
    # secondary, FO-5's REGISTER there for a call at 53 s read as the primary's
    # registration's renewal, still inside its last half)
    if any(r.txn is not t and ctx.group(r.dst) == 1 and r.t < t.first
           and r.t + r.granted / 2 - ctx.tol <= t.started <= r.t + r.granted + ctx.tol
           and not _renewed(ctx, r, t.first)
           for r in ctx.regs):
        return True
    ri = ctx.profile.retry_interval
    slack = ctx.tol + ctx.profile.t1
    for x in ctx.txns:
        if x.method != "REGISTER" or x.call_id != t.call_id or x.first >= t.first:
            continue
        done = ctx.failed_at(x)
        if (done is None and x.final is not None and x.final.status >= 300
                and x.final.status not in (401, 407)):
            done = x.final_t
        if done is not None and abs(t.started - (done + ri)) <= slack:
            return True
    return False


def _renewed(ctx: Ctx, r: wire.Registration, before: float) -> bool:
    """
    Whether registration C{r} at server 1 was renewed before C{before}: a
    later 2xx at server 1 to a round of the registration's own (not FO-5's
    REGISTER for a call's target, L{Ctx.roe_registers}, L{_roe_before_call})
    begun in C{r}'s last half (REG-2).  C{r}'s renewal is then no longer due:
    the binding in force is the new one's.
    """
    from harness.certify.checks_rtx import _chain_of

    due = r.t + r.granted / 2 - ctx.tol
    for r2 in ctx.regs:
        if (r2 is r or ctx.group(r2.dst) != 1 or not r.t < r2.t < before
                or id(r2.txn) in ctx.roe_registers or _roe_before_call(ctx, r2.txn)):
            continue
        ch = _chain_of(ctx, r2.txn)
        if (ch.head if ch is not None else r2.txn).started >= due:
            return True
    return False


def fo5(ctx: Ctx) -> Verdict:
    c = "FO-5"
    roe = ctx.facts.account.server(1).register_on_enable
    # "the secondary server ... in the failover mode": a target of server 1 other than
    # the first one the resolution in use gave (FO-1: the primary is the first target
    # of DNS-*); a DNS fault that moved the primary's name to another address moved
    # the primary, it made no secondary of the new address (explore seed 7)
    uses = [
        t
        for t in ctx.txns
        if t.method not in ("REGISTER", "ACK", "CANCEL")
        and not t.in_dialog
        and ctx.group(t.dst) == 1
        and not ctx.is_primary(t.dst)
        and t.dst != first_resolved_target(ctx, t.first)
    ]
    if not uses:
        return ctx.na(c, "no request other than REGISTER was sent to a secondary target")
    ev: list[int] = []
    for u in uses:
        ev.append(u.sends[0].index)
        if roe:
            ok = [
                t for t in ctx.txns
                if t.method == "REGISTER" and t.dst == u.dst and t.ok
                and t.final_t is not None and t.final_t <= u.first + ctx.tol
            ]
            if not ok:
                return ctx.failed(c, f"register_on_enable 1: {u.describe()} before any "
                                     f"registration at {ctx.name(u.dst)}",
                                  f"a 200 OK to a REGISTER at {ctx.name(u.dst)} first",
                                  "none", u.indexes)
            ev.extend(ok[-1].indexes)
        else:
            chain = next((ch for ch in ctx.rounds if any(t is u for t in ch.txns)), None)
            since = chain.start if chain is not None else u.first
            # Registering "before using it" means a REGISTER the phone waited for: one
            # answered 2xx before the request was sent.  A REGISTER still in flight, or
            # one that is itself failing over there (FO-2: a renewal that found the
            # primary silent at the same time), is not; nor is the account's own
            # registration of server 1 that went there first because the primary was no
            # target then (FO-1: its lookup gave no address, DNS-8, DNS-11).
            failovers = {
                id(t) for r in ctx.rounds if r.method == "REGISTER" and r.head.failed
                for t in r.txns[1:]
            }
            failovers |= {
                id(r.head) for r in ctx.rounds
                if r.method == "REGISTER" and ctx.group(r.head.dst) == 1
                and not ctx.is_primary(r.head.dst) and ctx.top
                and all(_skipped(ctx, p, r.head.first, r.head) for p in ctx.top)
            }
            # nor the registration's own RTX-5 retry a retry interval after its REGISTER
            # failed or was refused (RTX-3: a 500), sent to the secondary as the top of
            # the list under FB-1/2/3 (explore seed 206 of dns-ip-literal, round 6:
            # failback_mode 1, the primary answering REGISTER 500 and silent to INVITEs,
            # the retry at 30 s going where a call had failed over; another call's INVITE
            # failing over there half a second later)
            failovers |= {id(t) for t in ctx.txns if _registration_retry(ctx, t)}
            # (answered before the request left the phone, not before it reached the
            # server: a REGISTER and an INVITE sent together, the 200 leaving the server
            # as the INVITE reached it, was not waited for; survey w7051 [5327], round 28:
            # TCP, the primary's SYN lost, the registration's REGISTER and a call's INVITE
            # both moving on to the secondary as that connection timed out)
            left = ctx.left_phone(u)
            regs = [
                t for t in ctx.txns
                if t.method == "REGISTER" and t.dst == u.dst and since <= t.first <= u.first
                and t.ok and t.final_t is not None and t.final_t <= left
                and id(t) not in failovers
                # nor the renewal of a registration held there already (REG-2: the
                # registration's own failover, FO-2, renewed on the secondary while a
                # call's INVITE was still failing over; explore seed 47 of
                # dns-ip-literal, round 4)
                and not any(r.dst == u.dst and r.txn is not t and r.t <= t.first
                            <= r.t + r.granted for r in ctx.regs)
            ]
            if regs:
                return ctx.failed(c, f"register_on_enable 0: the phone registered at "
                                     f"{ctx.name(u.dst)} before using it",
                                  f"{u.method} sent to {ctx.name(u.dst)} without a REGISTER",
                                  regs[0].describe(), (*regs[0].indexes, *u.indexes))
    return ctx.passed(c, f"register_on_enable {roe}: {len(uses)} request(s) to the secondary "
                         "as the setting says", ev)


def _fallback_down(ctx: Ctx, t: float) -> bool:
    """
    Concurrent mode: the phone had sent REGISTER to the fallback server by C{t}
    and the fallback server did not accept the latest of them by C{t}: it fails
    too (or refuses), and its own registration cycle (FBK-C1, RTX-5) is what
    goes on.
    """
    fb = ctx.fallback
    sent = [x for x in ctx.txns if x.method == "REGISTER" and x.dst == fb
            and x.first <= t + ctx.tol]
    # a connection to it that failed before any SIP went over it was a try (RTX-2),
    # even where nothing on the wire names the request it carried
    conns = [a for a in ctx.conn_attempts if a.server == fb and a.start <= t + ctx.tol]
    if conns and (not sent or max(a.start for a in conns) >= sent[-1].first):
        return True
    if not sent:
        return False
    last = sent[-1]
    return not (last.ok and last.final_t is not None and last.final_t <= t + ctx.tol)


def fallback_refused_at_once(ctx: Ctx, t: float) -> wire.ConnAttempt | None:
    """
    A connection the phone opened to the fallback server at once when server 1
    failed at C{t}, which failed before any SIP went over it: the failed
    request's attempt there (RTX-2), though nothing on the wire names it.
    Or one already being opened there at C{t}, its SYNs unanswered, which
    failed so only after C{t}: the request joined it (the phone opens no
    second connection to the same server, as checks_rtx._joined_opening
    reads it) and failed with it (survey 7011 [04], round 13: TLS, 5 % loss,
    the fallback server's registration retry (RTX-5) opening a connection at
    108.0 s, its RST lost, a call's INVITE failing over at 109.5 s, both
    refused at 111.0 s).
    """
    fb = ctx.fallback
    return next((a for a in ctx.conn_attempts if a.server == fb
                 and (t - ctx.tol <= a.start <= t + ctx.at_once
                      or a.start < t <= a.t)), None)


def fallback_register_in_flight(ctx: Ctx, before: float, at: float) -> wire.Txn | None:
    """
    A REGISTER to the fallback server begun before C{before} (server 1's last
    try of the request that failed there) and still under way at C{at}, when
    server 1 failed (retransmitted, neither answered nor given up,
    L{in_flight}): the phone was falling back already, and that REGISTER is
    the fallback server 1's failure owes (FO-6, FBK-S2; survey 7019 [04],
    round 18).  One rule for both clauses.
    """
    fb = ctx.fallback
    return next((x for x in ctx.txns if x.method == "REGISTER" and x.dst == fb
                 and x.first < before and in_flight(ctx, x, at)), None)


def fallback_opening_unanswered(ctx: Ctx, t: float) -> int | None:
    """
    The trace index of the first SYN of a connection the phone was opening to
    the fallback server when server 1 failed at C{t} (its first SYN sent
    before), none of whose segments either way got through before the run
    ended: still being opened then, neither up nor failed.

    Why: a request handed over to the fallback server joins a connection
    being opened there (the phone opens no second one to the same server, as
    L{fallback_refused_at_once} reads one that failed later); nothing goes on
    the wire for it until that connection is up, and the run ended first
    (survey w7085 [1719], round 35: TLS, call 1's SYN to the fallback server
    lost at 117.84 s and 118.84 s, call 2 failing server 1 at 119.64 s, the
    run over at 120 s).
    """
    fb = ctx.fallback
    phone = ctx.facts.phone
    first: dict[tuple[str, int], int] = {}
    through: set[tuple[str, int]] = set()
    for i, e in ctx.trace.indexed(PacketEvent):
        if e.proto != "tcp":
            continue
        if e.dst[0] == fb and (not phone or e.src[0] == phone):
            key = e.src
        elif e.src[0] == fb and (not phone or e.dst[0] == phone):
            key = e.dst
        else:
            continue
        if e.fate == "delivered":
            through.add(key)
        elif e.flags == "S" and e.dst[0] == fb and e.t <= t + ctx.tol:
            first.setdefault(key, i)
    # (one the phone had given up by then is no connection to join)
    ended = {(fb, a.phone_port) for a in ctx.conn_attempts
             if a.server == fb and a.t < t - ctx.tol}
    return min((i for k, i in first.items()
                if k not in through and (fb, k[1]) not in ended), default=None)


def fallback_write_in_flight(ctx: Ctx, t: float) -> int | None:
    """
    The trace index of a segment the phone sent at once when server 1 failed
    at C{t} towards the fallback server -- data over a connection there, or
    the SYN of a new one -- which the network lost, and of which no copy (nor
    anything sent after it on that connection) got through before the run
    ended: TCP was still sending it again then.  The request it carried (or
    would carry) is on its way, as one sent too close to the end to be
    answered, and the phone did take over at once, though over TLS, or with
    no connection yet, the trace cannot name it (explore seed 5 of
    dns-ip-literal: the call's INVITE at 119.5 s of 120, its TLS segment lost
    twice; in successive mode the SYN of the connection for it lost).
    """
    fb = ctx.fallback
    phone = ctx.facts.phone
    lost: dict[tuple[tuple[str, int], tuple[str, int]], int] = {}
    for i, e in ctx.trace.indexed(PacketEvent):
        if (e.proto != "tcp" or e.flags not in ("", "S") or e.dst[0] != fb
                or (phone and e.src[0] != phone)):
            continue
        key = (e.src, e.dst)
        if e.fate == "delivered":
            lost.pop(key, None)  # a copy got through, or what was sent after it did
        elif t - ctx.tol <= e.t <= t + 4 * ctx.tol:
            lost.setdefault(key, i)
    return min(lost.values(), default=None)


def _fallback_failed_before(ctx: Ctx, t: float, judged: wire.Chain | None = None) -> bool:
    """
    Whether the phone's last REGISTER attempt at the fallback server before
    C{t} had failed (L{checks_fbk.fallback_failed_at}, as FBK-S2 reads it)
    less than a retry interval before C{t}, and the phone
    then retried from the top of the list a retry interval after that failure
    (or the run ended first): every target had failed, server 1 failing again
    at C{t} (a probe still under way, FBK-S3) does not make the fallback
    server, which has just failed too, due at once; the next REGISTER there
    follows the retry (RTX-5; as FBK-S2's C{_fallback_backoff} reads it).
    Explore seed 213 of dns-ip-literal, round 6: successive mode, the
    fallback server's renewal given up at 127 s, a probe failing at 136 s,
    the retry at the primary at 157 s.

    C{judged}: the chain whose failure at C{t} is judged.  Its own REGISTERs
    are not that retry: a retry from the top that failed within its slack
    (its connection refused, or C{retry_counts} 0 over TCP, given up T1
    later) is the retry, and the fallback server is next, at once (round 30,
    the leniency found in round 29: a phone doing nothing then passed FO-6).
    """
    from harness.certify.checks_fbk import fallback_failed_at

    done = fallback_failed_at(ctx, t)
    ri = ctx.profile.retry_interval
    slack = ctx.tol + ctx.profile.t1
    # (a retry interval after it to the instant, the retry's own slack: server 1
    # failing as the retry fell due is still behind it; survey w7050 [2669], round 28:
    # TCP, the fallback's renewal given up at 521.0 s, a probe at 551.0 s, and the
    # retry to the primary at 551.0 s)
    if done is None or done > t + ctx.tol or done + ri + slack < t:
        return False
    due = done + ri
    if due - slack > ctx.end:
        return True
    own = {id(x) for x in judged.txns} if judged is not None else set()
    return any(x.method == "REGISTER" and ctx.group(x.dst) == 1 and id(x) not in own
               and abs(x.started - due) <= slack for x in ctx.attempts)


def _request_behind_roe(ctx: Ctx, ch: wire.Chain, done: float) -> wire.Txn | None:
    """
    If C{ch} is register_on_enable's REGISTER for one target (FO-5,
    L{checks_rtx._roe_register}; its connection may have failed before any SIP
    went over it) that failed at C{done}, the new INVITE that went on elsewhere
    as it failed, at once or once the phone had asked again for the addresses
    it lacked (DNS-11): the request it was sent for.  Attempts ahead of it in
    C{ch} that were only a connection, failed before any SIP went over it
    (RTX-2), were that request's, not the REGISTER's: the wire, naming no
    method for them, joined them to the next request on the wire (survey 7019
    [03], round 18: a call's connection to the stopped primary refused at
    586.046 s, FO-5's REGISTER to the secondary answered 503, the INVITE
    then to the fallback server).
    """
    tail = ch.tail
    if ch.method != "REGISTER" or any(t.on_wire for t in ch.txns[:-1]):
        return None
    # (L{Ctx.roe_registers} holds the answer for a REGISTER on the wire, worked out
    # once per run; only one whose connection failed before any SIP is asked afresh)
    if not (id(tail) in ctx.roe_registers if tail.on_wire else _roe_register(ctx, tail)):
        return None
    lo, hi = _roe_window(ctx, done, relook=True)
    return next((x for x in ctx.attempts if x.method == "INVITE" and not x.in_dialog
                 and x.dst != tail.dst and lo <= x.started <= hi), None)


def _call_went_to_fallback_first(ctx: Ctx, lo: float, hi: float) -> bool:
    """
    Whether a call's INVITE (out of dialog) went to the fallback server from
    C{lo} to before C{hi}, on the wire or over a connection there that failed
    before any SIP and that no other request's attempt names.

    Why: a call placed on the fallback server (successive mode) goes there
    first, and a connection to server 1 just after it is a probe's (FBK-S3),
    not the call failing server 1.  Only an INVITE says so: a REGISTER there in
    that moment (concurrent mode's renewal, a retry) says nothing about where
    the call went, and counting it would let a phone that never takes the call
    to the fallback server pass (review of round 34).
    """
    fb = ctx.fallback
    others = {i for x in ctx.attempts if x.method != "INVITE" or x.in_dialog
              for i in x.indexes}
    return any(x.dst == fb and x.method == "INVITE" and not x.in_dialog
               and lo <= x.started < hi for x in ctx.attempts) or any(
        b.server == fb and lo <= b.start < hi and not others.intersection(b.indexes)
        for b in ctx.conn_attempts)


def _fallback_register_not_due(ctx: Ctx, t: float) -> bool:
    """
    Whether no REGISTER of the phone's own was due at the fallback server at
    C{t}: its binding there, the last 2xx before C{t}, still in its first
    half (it is renewed in its last half, REG-2), and no REGISTER tried there
    since (no retry under way, RTX-5).
    """
    fb = ctx.fallback
    last = max((r for r in ctx.regs if r.dst == fb and r.t <= t),
               key=lambda r: r.t, default=None)
    if last is None or t >= last.t + last.granted / 2 - ctx.tol:
        return False
    return not any(x.dst == fb and x.method == "REGISTER"
                   and last.t < x.started < t - ctx.tol for x in ctx.attempts)


def _call_given_up_to_fallback(ctx: Ctx, lo: float, hi: float) -> bool:
    """
    Whether a connection to the fallback server began from C{lo} to C{hi} and
    failed before any SIP, which the wire names only as a REGISTER never sent
    (L{wire.attempts} reads an unnamed connection there as the registration's)
    while no REGISTER of the phone's own was due there
    (L{_fallback_register_not_due}).

    Why: the phone that gave a call's last connection to server 1 up (RTX-1's
    timeout, its SYNs unanswered) opened that connection for the call's INVITE
    (FO-6); nothing else had a reason to (survey w7038 [4213, 4214], round 35:
    concurrent mode, call 2's SYN to the primary at 44.0 s, its RST and the
    next SYN lost, given up at 45.5 s, the fallback server refusing at once,
    its binding good to 120 s).
    """
    fb = ctx.fallback
    named: dict[int, list[wire.Txn]] = {}
    for x in ctx.attempts:
        for i in x.indexes:
            named.setdefault(i, []).append(x)
    return any(
        b.server == fb and lo <= b.start < hi
        and all(x.method == "REGISTER" and not x.on_wire
                for i in b.indexes for x in named.get(i, ()))
        and _fallback_register_not_due(ctx, b.start)
        for b in ctx.conn_attempts)


def _server1_question_unheard(ctx: Ctx, lo: float, hi: float) -> bool:
    """
    Whether the phone asked the DNS server about a name of server 1 (its
    domain or a name under it, not the fallback server's) from C{lo} to C{hi}
    and heard nothing back for that try (the query or its answer lost).

    Why: the phone was still resolving server 1 then, and a lost question is
    asked again (DNS-11): server 1 is not used up for a request waiting on it,
    and a connection in that moment may be another request's whose lookup had
    been answered (the registration's, while the call's own lookup lost a
    query; survey w7065 [9037], w7083 [4942, 4943], round 35), or the call's
    first try with its next target's address still being asked again (survey
    w7047 [6205], round 35).  The call's own tries follow once its lookup
    ends, over connections no call claims.
    """
    dom = ctx.server1_domain
    if dom is None:
        return False
    s2 = ctx.facts.account.server(2)
    fb_name = wire.norm(s2.address) if s2.configured and not s2.is_ip else None
    return any(lo <= q.t <= hi and (q.answer is None or q.answer.rcode == "TIMEOUT")
               and (q.name == dom or q.name.endswith("." + dom)) and q.name != fb_name
               for question in ctx.questions for q in question.tries)


def unseen_call_failures(ctx: Ctx) -> list[tuple[float, list[wire.ConnAttempt]]]:
    """
    The planned calls that failed at every target of server 1 with no INVITE
    on the wire: the call's own connection (the one it claimed,
    L{wire.call_claims}, and no attempt of the wire names) failed before any
    SIP went over it, and the phone moved on at once to a connection to each
    other target in turn (RTX-2), each failing too.  For each: when the last
    one failed, and the connections.

    Why: L{wire.attempts} leaves such connections out (nothing on the wire
    names the request), so no chain of attempts shows the call failing at
    server 1 and FO-6 would never ask where it went next.  Survey w7078
    [9371], round 34: once a registration retry in the call's moment was no
    longer read as an old call's INVITE, a phone that never took such a call
    to the fallback server passed.  Under register_on_enable too: FO-5's
    REGISTER to the secondary refused before any SIP is no more named by the
    wire than the INVITE's connection (review of round 35).

    Left to the chains of L{wire.attempts} or not judged (blind spots, none
    of them judged by the chain rule either): a round whose connections do not
    follow each other at once (a target's address asked again slowly, DNS-11);
    a round's later connections named as another request's; the guards take
    any call's out-of-dialog INVITE, not only the claiming call's (two calls
    placed within a tolerance of each other); a round in whose moment a
    question of server 1 went unheard (L{_server1_question_unheard}: the
    call's own later round is claimed by no call, round 35).
    """
    conns = sorted((a for a in ctx.conn_attempts if ctx.group(a.server) == 1),
                   key=lambda a: a.start)
    claimed = ctx.call_claims
    # (a connection the wire names is that request's attempt, judged in its chain:
    # the registration's retry opening the first new connection in a call's moment
    # is claimed by the call all the same; survey w7069 [3327..3329], round 32,
    # without register_on_enable, found by the review of round 35)
    named = {x.conn_failure.index for x in ctx.attempts if x.conn_failure is not None}
    out: list[tuple[float, list[wire.ConnAttempt]]] = []
    for first in conns:
        if first.index not in claimed or first.index in named:
            continue
        placed = max((p.at for p in ctx.facts.calls if p.at - 0.001 <= first.start),
                     default=first.start)
        if _call_went_to_fallback_first(ctx, placed - ctx.tol, first.start):
            # the call went to the fallback server first (successive mode, on the
            # fallback server): the connection to server 1 after it was a probe's
            # (FBK-S3; fixture r26-w7040-fbk-s3-probe-refused-after-call-at-fallback)
            continue
        if any(x.method == "INVITE" and not x.in_dialog and x.on_wire
               and placed - ctx.tol <= x.started < first.start for x in ctx.attempts):
            # the call's INVITE was on the wire already (over the registration's
            # connection): this connection was its BYE or re-INVITE (FO-4), and any
            # later try of the INVITE is named by the wire and judged as a chain
            # (survey w7061 [6502..6504], w7042 [7519..7525], round 35: a 1 s call,
            # the primary stopped, the BYE's new connection refused)
            continue
        round_ = [first]
        while True:
            last = round_[-1]
            tried = {b.server for b in round_}
            nxt = next((b for b in conns if b.server not in tried
                        and last.t - ctx.tol <= b.start <= last.t + ctx.at_once), None)
            if nxt is None:
                break
            round_.append(nxt)
        # every target, but one whose lookup settled that it has no address (DNS-8):
        # a target whose address lookup failed or was lost is asked for again and
        # tried once the others failed (DNS-11), so server 1 is not used up yet;
        # that try reaches the wire or is a round of its own (survey w7051 [5325,
        # 5326], round 35: the primary's A lost twice, the secondary's connection
        # given up at 586.53 s, the primary's A asked again and the INVITE sent
        # there at 587.76 s)
        wanted = ({s.address for s in ctx.facts.targets}
                  - settled_unresolved_targets(ctx, round_[-1].t))
        if not wanted or not wanted <= {b.server for b in round_}:
            continue
        done = round_[-1].t
        if _server1_question_unheard(ctx, placed - ctx.tol, done + ctx.at_once):
            # still resolving server 1, a question of it unheard (DNS-11): left to the
            # later tries (a blind spot, as a slow round is)
            continue
        if any(x.method == "INVITE" and not x.in_dialog and x.on_wire
               and first.start - ctx.tol <= x.started <= done + ctx.tol
               for x in ctx.attempts):
            continue  # a call's INVITE on the wire then: its chain is judged
        out.append((done, round_))
    return out


def fo6(ctx: Ctx) -> Verdict:
    c = "FO-6"
    fb = ctx.fallback
    if fb is None or not ctx.facts.account.server(2).configured:
        return ctx.na(c, "no fallback server configured")
    ex = [ch for ch in ctx.new_chains(1) if ctx.exhausted(ch)]
    downs = ctx.dns_downs
    unseen = unseen_call_failures(ctx)
    if not ex and not downs and not unseen:
        return ctx.na(c, "every target of server 1 never failed for one request")
    ev: list[int] = []
    successive = ctx.facts.account.redundancy_type == 1
    for d in downs:  # DNS-11: a failed lookup is a failure of every target of server 1
        ev.append(d.index)
        if any(r.dst == fb and r.t <= d.end <= r.t + r.granted for r in ctx.regs):
            continue  # on the fallback server already: a probe (FBK-S3) or concurrent mode
        last_fb = [t for t in ctx.txns if t.method == "REGISTER" and t.dst == fb
                   and t.first <= d.end]
        if (successive and ctx.on_refusing_fallback(d.end) and last_fb[-1].final is not None
                and last_fb[-1].final.status >= 300):
            # on a fallback server that refuses (a 500 is no failure, RTX-3), its
            # registration lapsed: a probe's lookup (FBK-S3; explore seed 38 of
            # dns-ip-literal, round 3, third find)
            continue
        if not successive and any(r.dst == fb and r.txn.first <= d.end + ctx.tol
                                  and d.end <= r.t + r.granted for r in ctx.regs):
            continue  # concurrent: the fallback registration was already under way
        if not successive and _fallback_down(ctx, d.end):
            continue  # concurrent: the fallback server is being tried and fails too
        if any(t.method == "REGISTER" and t.dst == fb and t.first <= d.start
               and in_flight(ctx, t, d.end) for t in ctx.txns):
            continue  # on the fallback server, its renewal still under way (retransmitted)
        due = d.latest + ctx.at_once
        nxt = next((t for t in ctx.attempts if t.dst == fb and t.method not in ("ACK", "CANCEL")
                    and t.first >= d.start - ctx.tol), None)
        if nxt is None or nxt.started > due:
            # it took over at once and its port was closed: a connection there that failed
            # before any SIP went over it (RTX-2), though no request on the wire names it
            # (explore seed 15: no request of the phone ever reached the wire)
            # (or one already being opened there when the lookup failed, which failed
            # only after: the request joined it, L{fallback_refused_at_once}; survey
            # w7054 [8666], round 29: a call's SYNs to the stopped fallback server from
            # 287.0 s, refused at 290.0 s, the registration retry's lookup failing at 288.2 s)
            refused = next((a for a in ctx.conn_attempts if a.server == fb
                            and d.start - ctx.tol <= a.start <= due), None) or (
                fallback_refused_at_once(ctx, d.latest))
            if refused is not None:
                ev.extend(refused.indexes)
                continue
            if nxt is None and due > ctx.end:
                continue
            # ... or its first segment there (a SYN, or data over a connection) was lost
            # and still being sent again when the run ended: on its way, as for every
            # target failing below (survey w7034 [8946], round 23: a call's lookup at
            # 599.0 s of 600 found no address, its SYN to the fallback server lost)
            written = fallback_write_in_flight(ctx, d.latest) if nxt is None else None
            if written is not None:
                ev.append(written)
                continue
            return ctx.failed(c, "the lookup of server 1 failed; the fallback server did not "
                                 "take over at once",
                              f"a request to the fallback server by {due:.3f} s",
                              nxt.describe() if nxt else "none", d.indexes)
        ev.extend(nxt.indexes)
    for ch in ex:
        t_fail = ctx.exhausted_at(ch)
        assert t_fail is not None
        g1_last = [t for t in ch.txns if ctx.group(t.dst) == 1][-1]
        ev.extend(ch.indexes)
        if ch.method == "REGISTER" and successive and (any(
            r.dst == fb and r.t <= t_fail <= r.t + r.granted for r in ctx.regs
        ) or ctx.on_refusing_fallback(t_fail)):
            continue  # a probe while on the fallback server (FBK-S3)
        if ch.method == "REGISTER" and _fallback_failed_before(ctx, t_fail, ch):
            continue  # every target failed already: RTX-5's retry from the top is next
        behind = _request_behind_roe(ctx, ch, t_fail)
        if behind is not None:
            # FO-5's REGISTER ahead of a call's INVITE, for that one target: the INVITE
            # behind it moved on, and that request's round says whether server 1 had
            # failed (survey 7018 [06], round 17: the call's lookup lost the primary's
            # address, its REGISTER to the stopped secondary refused; the INVITE went
            # to the primary once the phone had asked for it again, DNS-11)
            ev.extend(behind.indexes)
            continue
        if ch.method == "REGISTER" and not successive:
            # registered there, or the concurrent registration already under way (its
            # connection opened with server 1's, a TLS handshake still going on)
            before = [r for r in ctx.regs if r.dst == fb and r.txn.started <= t_fail + ctx.tol]
            if not before and _fallback_down(ctx, t_fail):
                continue  # the concurrent registration at the fallback fails too (FBK-C1)
            # ... or was under way then (its connection begun with server 1's, its
            # REGISTER on the wire only later) and failed or was refused there (explore
            # seed 369 of dns-ip-literal, round 9: TLS, the fallback silent, its
            # REGISTER begun at 0.0 s, on the wire at 0.22 s; the primary refused at
            # 0.03 s)
            under_way = [x for x in ctx.txns if x.method == "REGISTER" and x.dst == fb
                         and x.started <= t_fail + ctx.tol]
            if not before and under_way and not under_way[-1].ok:
                continue
            if not before:
                return ctx.failed(c, "concurrent mode: server 1 failed and the phone had no "
                                     "registration at the fallback server",
                                  "a 200 OK to a REGISTER at the fallback server",
                                  "none", ch.indexes)
            ev.extend(before[-1].txn.indexes)
            continue
        # (an attempt whose connection failed before any SIP is a request there, RTX-2)
        # (the same request's may be seen first, within the tolerance: the wire knows a
        # TLS request only as the server read it, and a stopping server read the
        # INVITE the phone had given up on its closing connection after the fallback
        # server had answered it; survey 7003 [09], round 7, no latency)
        nxt = next((t for t in ctx.attempts if t.dst == fb and t.method == ch.method
                    and (t.first >= g1_last.first
                         or (t.call_id == ch.call_id and t.first >= g1_last.first - ctx.tol
                             and t.started >= g1_last.started - ctx.tol))), None)
        if nxt is None or nxt.started > t_fail + 4 * ctx.tol:
            if nxt is None and t_fail + 4 * ctx.tol > ctx.end:
                continue
            refused = fallback_refused_at_once(ctx, t_fail)
            if refused is not None:
                ev.extend(refused.indexes)
                continue  # it took over at once, and its port was closed
            if (ch.method == "REGISTER"
                    and fallback_register_in_flight(ctx, g1_last.first, t_fail) is not None):
                continue  # falling back already, its REGISTER there still under way
                # (as for a failed lookup above; survey 7019 [04] of round 18, FBK-S2)
            written = fallback_write_in_flight(ctx, t_fail) if nxt is None else None
            if written is not None:
                ev.append(written)
                continue  # it took over at once; its request was still in flight at the end
            return ctx.failed(c, f"server 1 failed a {ch.method}; the fallback server did not "
                                 "take over at once",
                              f"{ch.method} to the fallback server by "
                              f"{t_fail + 4 * ctx.tol:.3f} s",
                              nxt.describe() if nxt else "none", ch.indexes)
        ev.extend(nxt.indexes)
    for done, round_ in unseen:
        # a planned call whose every try at server 1 was a failed connection: its
        # INVITE goes to the fallback server at once all the same (a connection there
        # failing before any SIP is that try, RTX-2)
        ev.extend(i for b in round_ for i in b.indexes)
        due = done + 4 * ctx.tol
        if due > ctx.end:
            continue
        nxt = next((x for x in ctx.attempts if x.dst == fb and x.method == "INVITE"
                    and not x.in_dialog and done - ctx.tol <= x.started <= due), None)
        if nxt is not None:
            ev.extend(nxt.indexes)
            continue
        refused = fallback_refused_at_once(ctx, done)
        if refused is not None:
            ev.extend(refused.indexes)
            continue
        if (_call_went_to_fallback_first(ctx, round_[-1].start, due)
                or _call_given_up_to_fallback(ctx, round_[-1].start, due)):
            # it gave the last connection up before its failure was heard (RTX-1's
            # timeout, the RST lost) and went to the fallback server then (survey
            # w7040 [8173..8177], round 34: the primary's SYN at 100.0 s, given up at
            # 100.5 s for the fallback server, its RST heard only at 101.01 s)
            continue
        written = fallback_write_in_flight(ctx, done)
        if written is None:
            written = fallback_opening_unanswered(ctx, done)
        if written is not None:
            ev.append(written)
            continue
        return ctx.failed(c, "a planned call's connections failed at every target of server 1; "
                             "the fallback server did not take over at once",
                          f"INVITE to the fallback server by {due:.3f} s", "none",
                          tuple(i for b in round_ for i in b.indexes))
    parts = []
    if ex:
        parts.append(f"{len(ex)} time(s) every target of server 1 failed")
    if unseen:
        parts.append(f"{len(unseen)} planned call(s) failed at every target on connections")
    if downs:
        parts.append(f"{len(downs)} lookup(s) of server 1 failed (DNS-11)")
    return ctx.passed(c, f"{', '.join(parts)}; fallback took over", ev)


# -- FB ------------------------------------------------------------------------------------


def _mode_guard(ctx: Ctx, clause: str, mode: int) -> Verdict | None:
    cfg = ctx.facts.account.server(1)
    if cfg.failback_mode != mode:
        return ctx.na(clause, f"failback_mode is {cfg.failback_mode}, not {mode}")
    if not ctx.failovers:
        return ctx.na(clause, "no failover from the primary happened")
    return None


def registers_for_failover(ctx: Ctx, ch: wire.Chain) -> bool:
    """
    With C{register_on_enable} 1, whether C{ch} is the REGISTER the phone sent
    to another target of server 1 as a request of its own gave the target
    before up (FO-5: register there before sending requests there in the
    failover mode): part of that request's failover, not a new request
    (explore seed 24 of dns-ip-literal: a call's INVITE failing over).
    """
    if ch.method != "REGISTER" or not ctx.facts.account.server(1).register_on_enable:
        return False
    if ctx.is_primary(ch.head.dst):
        return False
    return any(t.method not in ("REGISTER", "ACK", "CANCEL") and not t.in_dialog
               and ctx.group(t.dst) == 1 and t.dst != ch.head.dst
               and (f := ctx.failed_at(t)) is not None
               and abs(f - ch.head.started) <= ctx.at_once for t in ctx.txns)


def _renewal_waited_on_primary(ctx: Ctx, ch: wire.Chain) -> wire.ConnAttempt | None:
    """
    The connection to the primary, another request's, that REGISTER C{ch}
    waited on: already being opened when the renewal of the registration at
    server 1 fell due (REG-2: the last half of its grant, no REGISTER sent
    since), and failing as C{ch}'s first attempt went to another target at
    once.  The phone opens no second connection to the same server, so the
    renewal rode that one and failed there first (RTX-2), as RTX-5 and FBK-C3
    read a retry riding a call's pending connection (L{checks_fbk._retry_rode}):
    it did try the primary first.  Survey w7029 [1743], round 22: TLS, a call's
    SYNs to the primary unanswered from 256.01 s, the renewal due at 256.29 s,
    both INVITE and REGISTER at the secondary when TCP gave up at 288.01 s.
    """
    if ch.method != "REGISTER" or ctx.is_primary(ch.head.dst):
        return None
    head = ch.head
    reg = next((r for r in reversed(ctx.regs)
                if ctx.group(r.dst) == 1 and r.t < head.started - ctx.tol), None)
    if reg is None or any(x.method == "REGISTER" and ctx.group(x.dst) == 1
                          and reg.t + ctx.tol < x.started < head.started - ctx.tol
                          for x in ctx.attempts):
        return None
    lo, hi = reg.t + reg.granted / 2, reg.t + reg.granted
    return next((a for a in ctx.conn_attempts
                 if ctx.is_primary(a.server) and a.start <= hi and lo < a.t
                 and a.t - ctx.tol <= head.started <= a.t + ctx.at_once), None)


def fb0(ctx: Ctx) -> Verdict:
    c = "FB-0"
    guard = _mode_guard(ctx, c, 0)
    if guard:
        return guard
    primary = ctx.primary or ""
    first_fo = ctx.failovers[0]
    later = [
        ch for ch in ctx.new_chains(1)
        if ch is not first_fo.chain and ch.start > first_fo.t + ctx.tol
        and not _skipped(ctx, primary, ch.start, ch.head)
        and not registers_for_failover(ctx, ch)
        and _renewal_waited_on_primary(ctx, ch) is None
    ]
    if not later:
        return ctx.na(c, "no new request after the failover")
    for ch in later:
        # (where it began: FO-5's REGISTER ahead of it was its attempt there, the primary
        # too when the lookup in use did not establish it, L{_began_at}; w7038 [7545] of
        # round 26, the phone's variant with no binding at the primary)
        if not ctx.is_primary(_began_at(ctx, ch)):
            return ctx.failed(c, "a new request after failover did not try the primary first",
                              f"{ch.method} to the primary first",
                              ch.head.describe(), (*first_fo.txn.indexes, *ch.head.indexes))
    return ctx.passed(c, f"{len(later)} new request(s) after failover tried the primary first",
                      [i for ch in later for i in ch.head.indexes])


def _primary_back(ctx: Ctx, f: Failover) -> float | None:
    """
    When the primary first answered a new request of the phone after failover
    C{f} (in time: not after the phone had given it up), even one begun before
    it: the phone is back on the primary and stays there (FB-OK).
    """
    return min((x.final_t for x in ctx.txns
                if ctx.is_primary(x.dst, f.to) and not x.in_dialog and x.answered
                and not x.late and x.final_t is not None and x.final_t > f.t), default=None)


def _stay_then_primary(ctx: Ctx, c: str, delay_of: str,
                       delay_for: float | Callable[[Failover], float],
                       spread: Callable[[Failover, float], tuple[float, float]] | None = None,
                       ) -> Verdict:
    """
    FB-1/FB-3: after each failover, new requests stay on the current server
    until C{delay_for} of it has run out, and the first one after that tries
    the primary.  C{spread}, when given, is the shortest and longest delay a
    request begun at C{t} may have been held to (FB-1: the TTL the phone knew
    may have changed with a lookup made during the stay); a request begun
    between the two is not judged.
    """
    primary = ctx.primary or ""
    ev: list[int] = []
    judged = 0
    for f in ctx.failovers:
        delay = delay_for(f) if callable(delay_for) else delay_for
        boundary = f.t + delay
        chains = _after(ctx, f)
        # the current server itself failing a new request ends the stay: the phone moves
        # on down its list (FO-2), to the primary too, and stays there once it answers
        # (FB-OK; as FB-3Z reads it; explore seed 8: the secondary fell silent before
        # the TTL ran out and the renewal went on to the primary)
        lost = next((n for n, ch in enumerate(chains)
                     if ch.head.dst == f.to and ch.head.failed), None)
        if lost is not None:
            chains = chains[:lost + 1]
        # ... whatever request it failed: a call's INVITE begun as the phone failed over
        # and failing there after the failover ends it too, the phone then retrying from
        # the top (RTX-5; explore seed 143 of dns-ip-literal, round 5, second find:
        # register_on_enable 1, the INVITE silenced at the secondary after FO-5's REGISTER
        # was answered there, the registration's retry at the primary 30 s later)
        failed_there = min((d for ch in ctx.new_chains(1) for x in ch.txns
                            if x.dst == f.to and x.first >= f.chain.start - ctx.tol
                            and (d := ctx.failed_at(x)) is not None and d > f.t + ctx.tol),
                           default=None)
        if failed_there is not None:
            chains = [ch for ch in chains if ch.start <= failed_there + ctx.tol]
        # So does its address lookup failing (DNS-8, DNS-11): a resolution made again once
        # the one in use ran out (DNS-10) that gave no address for the current server left
        # it no target, and the request went where that resolution said (explore seed 9 of
        # dns-ip-literal: the secondary's A answers lost, the renewal went to the primary)
        gone = next((n for n, ch in enumerate(chains)
                     if ch.head.dst != f.to and _skipped(ctx, f.to, ch.head.first, ch.head)), None)
        if gone is not None:
            chains = chains[:gone]
        # and the primary answering a request of the phone ends it too: the phone is back
        # on the primary and stays there (FB-OK; explore seed 46 of dns-ip-literal: an
        # INVITE begun before the failover was answered by its last retransmission once
        # the primary was back, and the next call went there)
        back = _primary_back(ctx, f)
        if back is not None:
            chains = [ch for ch in chains if ch.start <= back + ctx.tol]
        def bounds(t: float, f: Failover = f, boundary: float = boundary) -> tuple[float, float]:
            if spread is None:
                return boundary, boundary
            shortest, longest = spread(f, t)
            return min(boundary, f.t + shortest), max(boundary, f.t + longest)

        before = [ch for ch in chains if ch.start < bounds(ch.start)[0] - ctx.tol]
        after = [ch for ch in chains if ch.start > bounds(ch.start)[1] + ctx.tol]
        for ch in before:
            judged += 1
            ev.extend(ch.head.indexes)
            # (begun at the current server with FO-5's REGISTER there, failed or refused,
            # it moved on from it: as FB-2 and FB-3Z read it, L{_began_at})
            if ch.head.dst != f.to and _began_at(ctx, ch) != f.to:
                return ctx.failed(
                    c,
                    f"a new request before {delay_of} ran out left the current server",
                    f"{ch.method} to {ctx.name(f.to)} until {boundary:.3f} s "
                    f"(failover at {f.t:.3f} s + {delay:g} s)",
                    ch.head.describe(),
                    (*f.txn.indexes, *ch.head.indexes),
                )
        # another failover to the same server during the stay (a call's INVITE, begun
        # while the primary was current, failing over only later) may start the stay
        # again: both readings pass, the later failover's boundary judged in its turn
        # (explore seed 47 of dns-ip-literal, round 4: FB-3, the REGISTER's failover at
        # 19.5 s, the INVITE's at 63.5 s, failback_timeout 60 s); and so does one after
        # the stay ran out but before the first new request after it: the phone had sent
        # nothing new since, and the primary had just failed again; the stay runs from
        # that failover, judged in its turn (survey 7008 [04], round 10: FB-1, TCP, the
        # REGISTER's failover at 59.5 s, TTL 120 s, the INVITE begun with it failing over
        # at 180.1 s, the renewal at 299.6 s staying on the secondary)
        first_new = after[0].start if after else float("inf")
        again = any(g is not f and g.to == f.to and f.t < g.t
                    and (g.t <= boundary + ctx.tol or g.t < first_new - ctx.tol)
                    for g in ctx.failovers)
        # (a new request whose own lookup gave no address for the primary could not try
        # it, DNS-8, DNS-11: it ends the stay all the same, and the first one after it
        # whose lookup had the primary is due there; survey w7038 [166..172], round 26)
        due = next((ch for ch in after if not _skipped(ctx, primary, ch.start, ch.head)), None)
        if due is not None and not again:
            ch = due
            judged += 1
            ev.extend(ch.head.indexes)
            # (or its round began at the primary, a head at the current server held back
            # by TCP written only after, L{wire.began_with})
            if not (ctx.is_primary(ch.head.dst, f.to) or ctx.is_primary(
                    wire.began_with(ch, ctx.trace, ctx.facts).dst, f.to)):
                return ctx.failed(
                    c,
                    f"the first new request after {delay_of} ran out did not try the primary",
                    f"{ch.method} to the primary (after {boundary:.3f} s)",
                    ch.head.describe(),
                    (*f.txn.indexes, *ch.head.indexes),
                )
    if not judged:
        return ctx.na(c, "no new request after a failover")
    return ctx.passed(c, f"{judged} new request(s): on the current server until {delay_of} ran "
                         "out, then the primary", ev)


def fb1(ctx: Ctx) -> Verdict:
    c = "FB-1"
    guard = _mode_guard(ctx, c, 1)
    if guard:
        return guard
    zone_ttl = ctx.facts.zone_ttl
    if zone_ttl is None:
        return ctx.na(c, "server 1 is not resolved through DNS (no zone TTL)")

    def ttl(f: Failover) -> float:
        # the chain the phone resolved, as answered on the wire (records of the zone
        # it never asked for, e.g. another transport's SRV set, are not in it)
        wire_ttl = resolution_ttl(ctx, f.chain.start)
        return wire_ttl if wire_ttl is not None else zone_ttl

    def spread(f: Failover, t: float) -> tuple[float, float]:
        # "the DNSTTL configured for the server that the IP phone is registered to":
        # a lookup made during the stay may have told the phone another TTL (the
        # zone's changed), and the phone may time the stay by the TTL it knew at the
        # failover or by the newest one: a request begun while those disagree is
        # judged by neither (survey w7072 [9363], round 33: TTL 300 s at the failover
        # at 243.4 s, the secondary's 5 s learnt at 303.8 s, the renewal at 335.5 s
        # at the primary)
        ttls = resolution_ttls(ctx, f.chain.start, t)
        at_failover = ttl(f)
        return min(ttls, default=at_failover), max(ttls, default=at_failover)

    return _stay_then_primary(ctx, c, "the DNS TTL", ttl, spread)


def _registers_for_stay(ctx: Ctx, ch: wire.Chain, current: str) -> bool:
    """
    With C{register_on_enable} 1, whether REGISTER C{ch} at the C{current}
    server, answered there, is the one the phone sent before a new request
    that FB-2 keeps there (FO-5: register before sending requests to the
    secondary), that request following at once: part of that request, not the
    registration's renewal (nor its RTX-5 retry, L{_registration_retry}, which
    FB-2 sends to the primary).  Survey 7006 [05], round 9: the registration
    given up with a call's failed lookup (DNS-11), a later call's INVITE kept
    on the secondary and registered there first.  Refused or failed there, it
    is still that request's when the wire reads it as FO-5's REGISTER for that
    target (L{Ctx.roe_registers}): the request then moves on without it.
    """
    if (ch.method != "REGISTER" or not ctx.facts.account.server(1).register_on_enable
            or ch.head.dst != current or _registration_retry(ctx, ch.head)):
        return False
    if not ch.tail.ok:
        # refused or failed there, the request it was sent for moves on (RTX-2, RTX-3,
        # FO-6) and follows it elsewhere: still that request's when the wire reads it
        # as FO-5's REGISTER for that one target, as RTX-5 and the rounds do (survey
        # 7023 [02], round 20: the secondary answering 503 to FO-5's REGISTER for a
        # call kept there, the INVITE then at the fallback server, the registration's
        # own RTX-5 retry at the primary)
        return id(ch.head) in ctx.roe_registers
    if ch.tail.final_t is None:
        return False
    if _roe_after_another_target(ctx, ch.head) and _roe_before_call(ctx, ch.head):
        # the REGISTER of a new request that gave another target up first and moved on
        # here (FO-5), its INVITE following: that request's, though it did not stay
        # (survey w7034 [2655], round 23: the current server inside its Retry-After, a
        # call's INVITE to the silent primary, then its REGISTER and INVITE here)
        return True
    done = ch.tail.final_t
    return any(g.method != "REGISTER" and g.head.dst == current
               and ch.start <= g.start <= done + ctx.at_once for g in ctx.new_chains(1))


def _began_at(ctx: Ctx, ch: wire.Chain) -> str:
    """
    The target where new request C{ch} began: that of FO-5's REGISTER for one
    target (L{Ctx.roe_registers}) sent ahead of it, when its first attempt
    followed that REGISTER's failure or refusal at once
    (L{checks_rtx.roe_ended_at}, L{checks_rtx._roe_window}: the REGISTER was
    its attempt there, which the wire, naming transactions by Call-ID, puts
    in the registration's chain), else its first attempt's.  Survey 7023
    [02], round 20: a call kept on the secondary (FB-2), FO-5's REGISTER
    there answered 503, the INVITE on to the primary, refused, then to the
    fallback server; survey w7037 [1090], round 24: FB-3Z, the secondary
    answering 403 to FO-5's REGISTER, the INVITE on to the primary (round
    6's reading of a refused one, L{_secondary_unregistered}).
    """
    head = ch.head
    if ch.method == "REGISTER":
        # (FO-5's REGISTER goes ahead of another request, never of a REGISTER: the
        # registration's own attempt after it began where it went; survey w7048
        # [5201], round 28, the retry to the primary at once after a call's REGISTER
        # refused at the secondary)
        return head.dst
    for y in ctx.txns:
        if (id(y) not in ctx.roe_registers or y.dst == head.dst
                or (y.started, y.sends[0].index) >= (head.started, head.sends[0].index)):
            continue
        # (nor one begun before C{ch}'s call was placed: it went ahead of an earlier
        # request; w7056 [4215], round 30, a call's REGISTER to the silent secondary
        # given up at 112.0 s as the next call was placed, its INVITE to the primary)
        placed = wire._placed_at(ctx.facts, head, ctx.call_placings)
        if placed is not None and placed > y.started + ctx.tol:
            continue
        done = roe_ended_at(ctx, y)
        if done is not None:
            lo, hi = _roe_window(ctx, done)
            if lo <= head.started <= hi:
                return y.dst
    return _call_conn_ahead_of_roe(ctx, head) or head.dst


def _call_conn_ahead_of_roe(ctx: Ctx, head: wire.Txn) -> str | None:
    """
    The other target of server 1 where new INVITE C{head} began when FO-5's
    REGISTER at C{head}'s own target went out as a connection to that other
    target, begun in C{head}'s call's moment, failed before any SIP went over
    it (L{checks_rtx._roe_after_another_target}'s reading), and C{head}
    followed that REGISTER's 2xx at once: the connection was the call's first
    attempt, which the wire, naming it by the REGISTER it would have carried,
    puts in the registration's chain.  C{None}: no such connection.  Survey
    w7058 [1555], round 30: TCP, C{register_on_enable} 1, the primary
    stopped, a call at 243 s, its connection there refused at 243.2 s, FO-5's
    REGISTER to the secondary then and the INVITE after its 200, read as not
    trying the primary first (FB-0).  Likewise when the call rode the
    registration's REGISTER already outstanding there
    (L{checks_dns.call_conn_behind_register}; survey w7098 [9985], round 38).
    """
    if head.method != "INVITE" or head.in_dialog:
        return None
    placed = wire._placed_at(ctx.facts, head, ctx.call_placings)
    if placed is None:
        return None
    for y in ctx.txns:
        if (id(y) not in ctx.roe_registers or y.dst != head.dst or not y.ok or y.late
                or y.final_t is None
                or not y.final_t - ctx.tol <= head.started <= y.final_t + ctx.at_once):
            continue
        for a in ctx.conn_attempts:
            if (ctx.group(a.server) == 1 and a.server != y.dst
                    and placed - ctx.tol <= a.start <= placed + 1.0 + ctx.tol
                    and a.t - ctx.tol <= y.started <= a.t + ctx.at_once):
                return a.server
    # (or rode the registration's REGISTER already outstanding there, L{call_conn_behind_register})
    behind = call_conn_behind_register(ctx, head)
    return None if behind is None else behind.server


def fb2(ctx: Ctx) -> Verdict:
    c = "FB-2"
    guard = _mode_guard(ctx, c, 2)
    if guard:
        return guard
    primary = ctx.primary or ""
    ev: list[int] = []
    judged = 0
    for f in ctx.failovers:
        chains = _after(ctx, f)
        back = _primary_back(ctx, f)
        if back is not None:  # (FB-OK; explore seed 46 of dns-ip-literal, second find)
            chains = [ch for ch in chains if ch.start <= back + ctx.tol]
        first_reg = next((ch for ch in chains if ch.method == "REGISTER"
                          and not _registers_for_stay(ctx, ch, f.to)), None)
        for ch in chains:
            if ch.method == "REGISTER":
                continue
            if first_reg is not None and ch.start > first_reg.start and first_reg.head.answered:
                break  # back on the primary: FB-OK's business
            if ch.head.dst != f.to and _skipped(ctx, f.to, ch.head.first, ch.head):
                # the lookup it used gave no address for the current server (DNS-8,
                # DNS-11): no target, the request went where that resolution said, as
                # the stay of FB-1/FB-3 reads it (survey 7002 [07], round 6: the
                # secondary's A record removed, a call's INVITE to the primary)
                break
            judged += 1
            ev.extend(ch.head.indexes)
            if _began_at(ctx, ch) != f.to:
                return ctx.failed(c, "a new non-REGISTER request left the current server",
                                  f"{ch.method} to {ctx.name(f.to)}", ch.head.describe(),
                                  (*f.txn.indexes, *ch.head.indexes))
        if first_reg is not None and not _skipped(ctx, primary, first_reg.start, first_reg.head):
            judged += 1
            ev.extend(first_reg.head.indexes)
            if not ctx.is_primary(first_reg.head.dst, f.to):
                return ctx.failed(c, "the registration renewal after failover did not go to "
                                     "the primary", "REGISTER to the primary",
                                  first_reg.head.describe(),
                                  (*f.txn.indexes, *first_reg.head.indexes))
    if not judged:
        return ctx.na(c, "no new request after a failover")
    return ctx.passed(c, f"{judged} new request(s): others stayed, the renewal went to the "
                         "primary", ev)


def fb3(ctx: Ctx) -> Verdict:
    c = "FB-3"
    cfg = ctx.facts.account.server(1)
    if cfg.failback_mode == 3 and cfg.failback_timeout == 0:
        return ctx.na(c, "failback_timeout is 0 (FB-3Z)")
    guard = _mode_guard(ctx, c, 3)
    if guard:
        return guard
    return _stay_then_primary(ctx, c, f"failback_timeout ({cfg.failback_timeout} s)",
                              float(cfg.failback_timeout))


def fb3z(ctx: Ctx) -> Verdict:
    c = "FB-3Z"
    cfg = ctx.facts.account.server(1)
    if cfg.failback_mode != 3 or cfg.failback_timeout != 0:
        return ctx.na(c, "not failback_mode 3 with failback_timeout 0")
    if not ctx.failovers:
        return ctx.na(c, "no failover from the primary happened")
    ev: list[int] = []
    judged = 0
    for f in ctx.failovers:
        chains = _after(ctx, f)
        # the primary answering a request of the phone ends the stay too, even one begun
        # before the failover: the phone is back on the primary and stays there (FB-OK),
        # as FB-1/2/3 read it (explore seed 420 of dns-ip-literal, round 12: a call's
        # INVITE begun at the silent primary, the REGISTER failing over meanwhile, its
        # seventh send answered once the primary was back, the next call there)
        back = _primary_back(ctx, f)
        if back is not None:
            chains = [ch for ch in chains if ch.start <= back + ctx.tol]
        for ch in chains:
            judged += 1
            ev.extend(ch.head.indexes)
            if ch.head.dst == f.to:
                if ch.head.failed:
                    break  # the current server failed: the primary may come back
                continue
            if _began_at(ctx, ch) == f.to:
                # FO-5's REGISTER there, failed or refused, was its attempt at the current
                # server, and it moved on from it (as FB-2 reads it; survey w7037 [1090],
                # round 24: the secondary's 403 to it, the INVITE on to the primary)
                continue
            if _skipped(ctx, f.to, ch.head.first, ch.head):
                # the lookup it used gave no address for the current server (DNS-8,
                # DNS-11): no target, the stay is over, as FB-1/2/3 read it (survey 7007
                # [06], round 9: the secondary's address queries lost, a renewal to the
                # primary)
                break
            if ctx.is_primary(ch.head.dst, f.to):
                return ctx.failed(c, "the primary was tried again while the current server "
                                     "worked", f"{ch.method} to {ctx.name(f.to)}",
                                  ch.head.describe(), (*f.txn.indexes, *ch.head.indexes))
    if not judged:
        return ctx.na(c, "no new request after a failover")
    return ctx.passed(c, f"{judged} new request(s) stayed on the current server", ev)


def fbok(ctx: Ctx) -> Verdict:
    c = "FB-OK"
    primary = ctx.primary
    if not ctx.failovers or primary is None:
        return ctx.na(c, "no failover from the primary happened")
    first = ctx.failovers[0]
    back = next(
        (ch for ch in ctx.new_chains(1)
         if ch.start > first.t and ctx.is_primary(ch.head.dst) and ch.head.answered),
        None,
    )
    if back is None:
        return ctx.na(c, "the primary never answered again after the failover")
    assert back.head.final_t is not None
    ev = list(back.head.indexes)
    judged = 0
    # the primary failing a new request again, whichever (a call's INVITE begun as it
    # answered), is a new failover: the phone moves on (explore seed 62 of
    # dns-ip-literal, round 5: FO-5's REGISTER to the primary answered, the call's INVITE
    # silenced there, FO-5's REGISTER to the secondary), or one begun before that answer
    # and still being tried (survey 7003 [04], round 7: FB-1, the registration's retry
    # silenced at the primary from 323.8 s, a call's INVITE answered there at 337 s, the
    # REGISTER given up at 379.3 s and failing over to the secondary)
    again = min((d for c2 in ctx.new_chains(1) for x in c2.txns
                 if ctx.is_primary(x.dst)
                 and (d := ctx.failed_at(x)) is not None and d > back.head.final_t),
                default=float("inf"))
    for ch in ctx.new_chains(1):
        if ch.start <= back.head.final_t + ctx.tol:
            continue
        if ch.start >= again - ctx.tol:
            break
        judged += 1
        ev.extend(ch.head.indexes)
        if not ctx.is_primary(ch.head.dst):
            if _skipped(ctx, primary, ch.start, ch.head):
                continue
            return ctx.failed(c, "the phone left the primary although it answered",
                              f"{ch.method} to the primary", ch.head.describe(),
                              (*back.head.indexes, *ch.head.indexes))
        if ch.head.failed:
            break  # the primary failed again: a new failover
    if not judged:
        return ctx.passed(c, f"the primary answered again at {back.head.final_t:.3f} s "
                             "(no later request to judge)", ev)
    return ctx.passed(c, f"back on the primary at {back.head.final_t:.3f} s; {judged} later "
                         "request(s) stayed there", ev)


CHECKS = {
    "FO-1": fo1,
    "FO-2": fo2,
    "FO-3": fo3,
    "FO-4": fo4,
    "FO-5": fo5,
    "FO-6": fo6,
    "FB-0": fb0,
    "FB-1": fb1,
    "FB-2": fb2,
    "FB-3": fb3,
    "FB-3Z": fb3z,
    "FB-OK": fbok,
}
