"""
What every checker family shares: the run's wire view computed once
(L{Ctx}), verdict constructors, and the failover episodes the failback
clauses are judged on.

Why a context object: a full certification runs ~45 checkers over one trace;
grouping transactions into chains once per trace keeps judging linear, and
every checker reads the same grouping (see L{harness.certify.wire}).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness._cached import cached_property
from harness._frozen import quick_init
from harness.certify import wire
from harness.certify.facts import Facts
from harness.certify.verdict import Verdict
from harness.trace.events import DnsEvent, FaultEvent, PacketEvent, SipEvent, Trace

if TYPE_CHECKING:
    from harness.certify.checks_dns import DnsDown, Q, Question

__all__ = ["Checker", "Ctx", "Failover"]


@quick_init
@dataclass(frozen=True)
class Failover:
    """
    A failover of server 1: C{chain} tried the primary first, the primary
    failed, and target C{to} answered at C{t} (when the phone learned it).
    """

    chain: wire.Chain
    txn: wire.Txn
    t: float
    to: str


class Ctx:
    """One trace and its facts, with the wire view computed lazily, once."""

    def __init__(self, trace: Trace, facts: Facts) -> None:
        self.trace = trace
        self.facts = facts
        self.profile = facts.profile
        self.tol = facts.tol
        #: L{Facts.group_of}'s table, read directly: asked ~50 times per judged run
        self._groups = facts._groups
        #: the server group of an address (None: not a harness server): that table's
        #: own C{get}, not a method around it (a Python call per question)
        self.group: Callable[[str], int | None] = self._groups.get
        #: L{new_chains} by group, worked out once (a dozen checkers ask for group 1)
        self._new_chains: dict[int, list[wire.Chain]] = {}
        #: L{exhausted_at} by chain id: (the chain, its answer)
        self._exhausted: dict[int, tuple[wire.Chain, float | None]] = {}
        #: L{give_up} by (method, server address)
        self._give_up: dict[tuple[str, str], float] = {}
        #: L{checks_dns._behind_register_claims}, worked out once (each round asks it)
        self._behind_register: dict[str, wire.ConnAttempt] | None = None

    def at_call_moment(self, t: float) -> bool:
        """
        Whether C{t} falls in a planned call's moment, from its placing to a
        second after: when its lookup and its INVITE's first connection
        begin, so what the phone began then may be the call's rather than
        the registration's (the RTX and FBK readings ask it).
        """
        return any(p.at - self.tol <= t <= p.at + 1.0 + self.tol for p in self.facts.calls)

    @cached_property
    def _plan_times(self) -> list[float]:
        """The planned calls' times, sorted: L{last_call_planned} bisects them."""
        return sorted(p.at for p in self.facts.calls)

    def last_call_planned(self, by: float) -> float | None:
        """
        When the latest call planned at or before C{by} was placed (C{None}: no
        call was planned by then).  Several readings ask which call a request
        begun at some time can be: no call planned after it, so the latest
        planned by then.  Each caller passes its own bound (a request's start,
        with or without the tolerance), so each keeps the boundary it was
        judged by; one bisect over the sorted plan times, not a scan per question.
        """
        times = self._plan_times
        i = bisect.bisect_right(times, by)
        return times[i - 1] if i else None

    def left_phone(self, x: wire.Txn) -> float:
        """
        When C{x}'s request left the phone: the phone's own packet carrying its
        Via branch to C{x}'s server, if the trace has it (the simulated network
        records each packet at its sending); C{x.first}, its arrival, otherwise.
        """
        return self.left_phone_packet(x)[0]

    def left_phone_packet(self, x: wire.Txn) -> tuple[float, int | None]:
        """
        L{left_phone}'s time and the trace index of the phone's packet it read
        (C{None} if the trace has none): within one instant, the trace's order is
        the order of sending.
        """
        if not x.on_wire or not x.branch:
            return x.first, None
        if x.transport == "tls":
            # (TLS records carry no payload in the trace: the last data segment of the
            # phone's connection delivered before the server read it, within a datagram's
            # flight; survey 7003, round 7: 100 ms latency)
            s0 = x.sends[0]
            conn = ((s0.src, s0.sport), (x.dst, s0.port))
            left = [(e.t, i) for i, e in self.trace.indexed(PacketEvent)
                    if e.proto == "tcp" and not e.flags and not e.payload
                    and e.fate == "delivered" and (e.src, e.dst) == conn
                    and x.first - wire._IN_FLIGHT <= e.t <= x.first + 1e-9]
            return max(left) if left else (x.first, None)
        branch = x.branch.encode()
        for i, e in self.trace.indexed(PacketEvent):
            if e.t > x.first + self.tol:
                break
            if (e.dst[0] == x.dst and e.payload and branch in e.payload
                    and (self.facts.phone is None or e.src[0] == self.facts.phone)):
                return min(e.t, x.first), i
        return x.first, None

    # -- wire view ---------------------------------------------------------------

    @cached_property
    def attempts(self) -> list[wire.Txn]:
        """
        Every attempt of the phone at a server: its transactions and the
        connections that failed before any SIP went over them (L{wire.attempts}).
        """
        return wire.attempts(self.trace, self.facts, self.conn_attempts)

    @cached_property
    def conn_attempts(self) -> list[wire.ConnAttempt]:
        """The phone's failed connections (L{wire.conn_attempts}); do not change the list."""
        return wire.conn_attempts(self.trace, self.facts)

    @cached_property
    def txns(self) -> list[wire.Txn]:
        """The phone's transactions: the attempts whose request reached the wire."""
        return [t for t in self.attempts if t.on_wire]

    @cached_property
    def chains(self) -> list[wire.Chain]:
        """Chains of attempts (a failed connection is an unanswered attempt, RTX-2)."""
        return wire.chains(self.trace, self.facts, self.attempts)

    @cached_property
    def rounds(self) -> list[wire.Chain]:
        """
        Every chain split into its rounds through the target list, by start
        time; FO-5's REGISTER for one target ends its round (the request
        behind it moves on; the REGISTER retries later, from the top).
        """
        alone = self.roe_registers | self._out_of_targets()
        # (not a call's INVITE moving on from FO-5's REGISTER over a connection that failed
        # before any SIP, which the wire names by the REGISTER: no registration attempt)
        unsent = self.unsent_calls
        chains = [c if not unsent else wire.Chain(c.method, c.call_id, kept)
                  for c in self.chains
                  if (kept := tuple(t for t in c.txns if id(t) not in unsent))]
        out = [r for c in chains for r in wire.rounds(c, self.facts, alone)]
        out.sort(key=lambda c: (c.start, c.head.sends[0].index))
        return out

    @cached_property
    def roe_registers(self) -> frozenset[int]:
        """
        The C{id}s of the transactions that are register_on_enable's REGISTERs
        for one target (FO-5, L{harness.certify.checks_rtx._roe_register}):
        L{rounds} and RTX-5 leave them out of the registration's rounds.
        """
        from harness.certify.checks_rtx import _roe_register

        return frozenset(id(t) for t in self.txns if _roe_register(self, t))

    @cached_property
    def call_placings(self) -> dict[str, float]:
        """
        When each planned call was placed, by the Call-ID of its INVITE
        (L{wire._call_placings}): read with L{wire._placed_at} per new request
        by the FB readings of FO-5's REGISTER, built once per run.  Do not
        change the map.
        """
        return wire._call_placings(self.facts, self.txns)

    @cached_property
    def unsent_calls(self) -> frozenset[int]:
        """
        The C{id}s of the attempts the wire names by a REGISTER that were a
        call's INVITE moving on from FO-5's REGISTER over a connection that
        failed before any SIP (L{harness.certify.checks_rtx.unsent_call_attempts}):
        L{rounds} and RTX-5 leave them out of the registration's rounds.
        """
        from harness.certify.checks_rtx import unsent_call_attempts

        return unsent_call_attempts(self)

    @cached_property
    def call_claims(self) -> frozenset[int]:
        """
        The indexes of the failed connections to server 1 the phone's planned
        calls opened (L{wire.call_claims}, the rule L{wire.attempts} names by):
        each call claims one, and the rest are other requests' (RTX-5's retry,
        a hang-up's BYE: L{hang_up_claims}).
        """
        return wire.call_claims(self.trace, self.facts, self.conn_attempts)

    @cached_property
    def hang_up_claims(self) -> frozenset[int]:
        """
        The indexes of the failed connections the phone's planned in-dialog
        requests opened (L{harness.certify.checks_rtx._hang_up_claims} over
        L{conn_attempts}, a planned call's own connection, L{call_claims},
        left to the call when another one is there): read by RTX-2, RTX-5,
        REG-1 and FBK-S3's probes, built once per run.  A run without a failed
        connection (most UDP runs) has none to claim: the calls' windows and
        dialogs are not worked out for it.
        """
        from harness.certify.checks_rtx import _hang_up_claims

        if not self.conn_attempts:
            return frozenset()
        return frozenset(_hang_up_claims(self, self.conn_attempts,
                                         self.planned_in_dialog,
                                         self.call_claims))

    def _out_of_targets(self) -> set[int]:
        """
        The attempts at server 1 after which the phone had no target left: when
        one failed, the lookup in use gave no address for the target the chain
        went to next (DNS-8; asked again, no answer named it, DNS-11), and that
        next attempt came a pause (half the retry interval) later.  Server 1
        had failed then; the next attempt is RTX-5's retry, a round of its own,
        wherever the failback mode let it begin (FB-1/2/3: the server in use),
        not the failed round moving on late (survey 7007 [10] of round 9: FB-3,
        a renewal refused at the primary, the secondary's address lost, the
        retry 30 s later at the secondary).  So, with no pause, when the lookup
        in use had I{settled} that the next target had no address
        (L{settled_unresolved_targets}: no second ask was owed) and the next
        attempt went out on a lookup of server 1 begun after the failure: a
        round of its own on a resolution of its own (survey w7070 [8719],
        round 32: the primary's name moved to 127.0.1.20, the other SRV target
        nameless; a FBK-S3 probe there given up at 435.78 s, the A record
        restored, the next probe's lookup 10 s later naming 127.0.1.10).
        """
        from harness.certify.checks_dns import (
            _server1_lookups,
            address_heard_again,
            settled_unresolved_targets,
            unresolved_targets,
        )

        pause = self.profile.retry_interval / 2
        out: set[int] = set()
        for c in self.chains:
            for prev, t in zip(c.txns, c.txns[1:], strict=False):
                if (t.dst == prev.dst or self.group(prev.dst) != 1
                        or self.group(t.dst) != 1):
                    continue
                at = self.failed_at(prev)
                if at is None:
                    continue
                # (the lookup read first: L{_relooked} is a look at a short list, and
                # the settled targets are worked out only for an attempt it holds)
                if ((t.first - at >= pause and t.dst in unresolved_targets(self, at)
                     and address_heard_again(self, at, t.dst) is None)
                        or (self._relooked(_server1_lookups(self), at, t)
                            and t.dst in settled_unresolved_targets(self, at))):
                    out.add(id(prev))
        return out

    def _relooked(self, lookups: Sequence[Sequence[Q]], at: float, t: wire.Txn) -> bool:
        """
        Whether C{t} went out on a lookup of server 1 (of C{lookups}, each a
        list of its queries) begun after C{at}: a resolution of its own.
        """
        before = [lk for lk in lookups if lk[0].t <= t.started + self.tol]
        return bool(before) and before[-1][0].t > at + self.tol

    @cached_property
    def dialogs(self) -> list[wire.Dialog]:
        return wire.dialogs(self.trace, self.facts, self.txns)

    @cached_property
    def planned_in_dialog(self) -> tuple[tuple[str, float], ...]:
        """
        Where and when the planned calls owe an in-dialog request
        (L{wire._planned_in_dialog} of L{dialogs}): read by RTX-2, RTX-5 and
        FBK-S3's views of failed connections, built once per run.
        """
        return tuple(wire._planned_in_dialog(self.facts, self.dialogs))

    @cached_property
    def regs(self) -> list[wire.Registration]:
        return wire.registrations(self.trace, self.facts, self.txns)

    @cached_property
    def queries(self) -> list[Q]:
        """
        The phone's DNS queries, the resolver's own retries counted once
        (L{harness.certify.checks_dns.queries}); a dozen DNS checkers read
        them, so they are worked out once.  Do not change the list.
        """
        from harness.certify.checks_dns import queries

        return queries(self)

    @cached_property
    def server1_lookups(self) -> list[list[Q]]:
        """
        The phone's lookups of server 1's domain, in order
        (L{harness.certify.checks_dns._server1_lookups}).  Why kept: DNS-10,
        DNS-11, the DNS failure view and the "lookup in use at t" views each
        grouped the same queries into the same lookups again.  Do not change
        the lists.
        """
        from harness.certify.checks_dns import _server1_lookups_of

        return _server1_lookups_of(self)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """
        The phone's DNS questions in the order it asked them, tries folded
        and lost queries included (L{harness.certify.checks_dns.questions}):
        read by the views of interleaved lookups, built once per run.
        """
        from harness.certify.checks_dns import questions

        return questions(self)

    @cached_property
    def dns(self) -> list[tuple[int, DnsEvent, DnsEvent | None]]:
        return list(wire.phone_dns_queries(self.trace, self.facts))

    @cached_property
    def conn_failures(self) -> list[wire.ConnFailure]:
        return wire.conn_failures(self.trace, self.facts)

    @cached_property
    def dns_downs(self) -> list[DnsDown]:
        """
        Lookups of server 1's domain that gave no address: DNS-11 counts each
        as a failure of server 1, as if every target had failed (FO-6, FBK-*).
        """
        from harness.certify.checks_dns import dns_failures

        return dns_failures(self)

    @cached_property
    def retry_times(self) -> tuple[tuple[float, float], ...]:
        """
        When RTX-5's retries were due, each with the moment from which it was
        owed (L{harness.certify.checks_rtx._retry_times}): RTX-5 asks per pair
        of transactions and REG-2 per renewal, so it is built once per run.
        """
        from harness.certify.checks_rtx import _retry_times

        return tuple(_retry_times(self))

    @cached_property
    def on_fallback_periods(self) -> tuple[tuple[wire.Txn, float], ...]:
        """
        Successful REGISTERs at the fallback server after server 1 failed
        (L{harness.certify.checks_fbk._on_fallback_periods}): read by FBK-S3
        and FBK-S4, built once per run.
        """
        from harness.certify.checks_fbk import _on_fallback_periods

        return tuple(_on_fallback_periods(self))

    @cached_property
    def address_questions(self) -> tuple[tuple[Question, ...], dict[str, frozenset[str]]]:
        """
        The phone's address questions and, by address heard, the names it was
        heard for (L{harness.certify.checks_dns.address_questions}): read by
        L{harness.certify.checks_dns.given_up_before} per request, built once
        per run.  Do not change the map.
        """
        from harness.certify.checks_dns import address_questions

        return address_questions(self)

    @cached_property
    def faults(self) -> list[tuple[int, FaultEvent]]:
        # (from the trace's events grouped by type, not a scan of them all)
        return list(self.trace.indexed(FaultEvent))

    @cached_property
    def end(self) -> float:
        """The end of the run: the facts' duration, or the last event's time."""
        last = self.trace.events[-1].t if self.trace.events else 0.0
        return max(self.facts.duration, last)

    # -- helpers ---------------------------------------------------------------

    @property
    def at_once(self) -> float:
        """The slack allowed for "at once" (RTX-2, RTX-3, FO-6, FBK-S2)."""
        return 4 * self.tol

    @cached_property  # (the facts are frozen; asked a few dozen times per judged run)
    def primary(self) -> str | None:
        p = self.facts.primary
        return p.address if p else None

    @cached_property
    def top(self) -> frozenset[str]:
        """
        The addresses that count as "the primary": the facts' primary, and
        under profile C{rfc} (RFC 2782 weighted random order) every target
        whose SRV record ties with it on priority in the first resolution --
        there the phone's random pick, not the role name, decides which one
        is first.
        """
        p = self.primary
        if p is None:
            return frozenset()
        if self.profile.srv_tie != "rfc2782":
            return frozenset({p})
        from harness.certify.checks_dns import first_srv_priorities

        prio = first_srv_priorities(self)
        if p not in prio:
            return frozenset({p})
        return frozenset(a for a, n in prio.items() if n == prio[p])

    def is_primary(self, address: str, current: str | None = None) -> bool:
        """
        Whether C{address} is the primary (L{top}); when several tie, one
        other than the C{current} server.
        """
        if address not in self.top:
            return False
        return len(self.top) == 1 or address != current

    @cached_property
    def server1_domain(self) -> str | None:
        """
        Server 1's address as a (normalised) domain name; None if it is an IP
        literal or unset.  Kept: nine DNS clauses ask for it in every judged run.
        """
        s = self.facts.account.server(1)
        if not s.configured or s.is_ip:
            return None
        return wire.norm(s.address)

    @cached_property
    def fallback(self) -> str | None:
        f = self.facts.fallback
        return f.address if f else None

    def name(self, address: str) -> str:
        return self.facts.role_of(address) or address

    def new_chains(self, group: int = 1) -> list[wire.Chain]:
        """
        Out-of-dialog requests (rounds of chains: a retry after every target
        failed is a new request) whose first attempt went to a server of
        C{group}.  Worked out once per group; do not change the list.
        """
        found = self._new_chains.get(group)
        if found is None:
            found = self._new_chains[group] = [
                c for c in self.rounds if not c.in_dialog and self.group(c.head.dst) == group
            ]
        return found

    def busy_at(self, t: float, besides: wire.Chain) -> bool:
        """
        Whether another request was still being tried at C{t} (a REGISTER a
        phone sends inside an INVITE's attempt, FO-5, is not a new request).

        A round whose next attempt went out at or after C{t} was still being
        tried then, however fast that attempt was answered: with
        C{register_on_enable} 1 the phone registers at the next target of the
        INVITE's resolution before re-sending the INVITE there, and that
        REGISTER is a step of the INVITE's failover through the targets it
        already has (DNS-10 asks a I{new} request to resolve again, FO-5).
        """
        for r in self.rounds:
            if r is besides or r.start >= t or r.in_dialog:
                continue
            if any(x.first >= t for x in r.txns[1:]):
                return True
            # its last attempt failed at C{t} with a target of server 1 left to try: the
            # phone was moving on to it (that REGISTER may fail, and no INVITE follow)
            done = self.failed_at(r.tail)
            if (done is not None and abs(done - t) <= self.tol and self.group(r.tail.dst) == 1
                    and not self.exhausted(r)):
                return True
            tail = r.tail
            end = tail.final_t if tail.final_t is not None else self.failed_at(tail)
            if end is not None and end > t + self.tol:
                return True
        return False

    def on_refusing_fallback(self, t: float) -> bool:
        """
        Successive mode: at C{t} the phone had fallen back (registered at the
        fallback server, at the working server not since) and the fallback
        server answered its last REGISTER, if with a refusal (a 500): no
        failure (RTX-3), so the phone is still on it, its registration lapsed
        or not, and a REGISTER to the working server is a probe (FBK-S3).
        """
        fb = self.fallback
        # (a 2xx that came after the phone had given its REGISTER up, RTX-1, registered
        # nothing: a server that only delays its answers; explore seed 38 of
        # dns-ip-literal, round 3: each probe of the working server answered late)
        regs = [r for r in self.regs if not r.txn.late]
        held = [r for r in regs if r.dst == fb and r.t <= t]
        if fb is None or not held:
            return False
        if any(self.group(w.dst) == 1 and held[-1].t < w.t <= t for w in regs):
            return False
        # (a REGISTER to it still under way at t, neither answered nor given up, has
        # decided nothing yet: the last one that had is what the phone went by, explore
        # seed 5 of round 3, a renewal's 500s lost as a probe failed)
        last = [x for x in self.txns if x.method == "REGISTER" and x.dst == fb and x.first <= t
                and (x.final_t if x.final_t is not None else self.failed_at(x) or t) <= t]
        return bool(last) and last[-1].answered

    def failed_at(self, txn: wire.Txn) -> float | None:
        return wire.failed_at(txn, self.facts)

    def retry_counts(self, address: str) -> int:
        return wire.retry_counts_for(self.facts, address)

    def give_up(self, txn: wire.Txn) -> float:
        # (by method and server: a few of each per run, asked a dozen times)
        key = (txn.method, txn.dst)
        found = self._give_up.get(key)
        if found is None:
            found = self._give_up[key] = wire.give_up_delay(
                self.profile, txn.method, self.retry_counts(txn.dst))
        return found

    def maybe_late(self, txn: wire.Txn) -> bool:
        """
        Whether C{txn}'s final response, though not L{wire.Txn.late}, was sent so
        close to the phone's give-up time (RTX-1) that, with the network's delay,
        it may have reached the phone only after it had given the target up.
        """
        if txn.final_t is None or txn.late:
            return False
        give_up = txn.started + self.give_up(txn)
        at = txn.provisional_t  # (L{wire.Txn.provisional}: when it reached the phone)
        if txn.method == "INVITE" and at is not None and at + self.tol <= give_up:
            # (an INVITE a provisional response put in Proceeding in time has no timer,
            # RFC 3261 17.1.1.2: no answer comes too late, as for L{wire.Txn.late}; one
            # whose provisional response itself may have come only after the give-up,
            # its segment lost and sent again just then, may have had its timer fire
            # first, and its final answer too: either reading stands (survey 7008 [03],
            # round 10: FBK-C2, TCP, 100 ms latency, the fallback server's 180 lost and
            # sent again with its 200 2 ms after the phone gave the INVITE up))
            return False
        return txn.final_t + self.tol > give_up

    def surely_in_time(self, txn: wire.Txn) -> bool:
        """
        Whether C{txn}'s final response surely reached the phone before it gave
        the transaction up (RTX-1), read on the phone's side: from when the request
        (or its connection's SYN) left the phone, L{left_phone} (a way earlier
        when the trace has only the server's sight of it), to when the
        response's first delivered copy (L{stream_arrivals}) got there, one way
        (half the tolerance's round trip).  L{maybe_late} reads both ends at the
        server, a round trip either side; a probe's 2xx sent 0.2 s before the
        phone's give-up over a 100 ms link is no doubt (survey w7045 [5988] and
        w7050 [4186], round 28: FBK-S4, REG-2).
        """
        if txn.final_t is None or txn.final_index is None or txn.late:
            return False
        left, packet = self.left_phone_packet(txn)
        if txn.conn_start is None and packet is None:
            left -= self.tol / 2  # (dated at the server: the request's own trip, one way)
        start = min(txn.started, left)
        # (the response's first delivered copy, as the server sent it: one way still to go)
        arrived = max(txn.final_t, self.stream_arrivals.get(txn.final_index, txn.final_t))
        return arrived + self.tol / 2 < start + self.give_up(txn)

    def ack_due(self, txn: wire.Txn) -> bool:
        """
        Whether the run lasted long enough for the ACK of C{txn}'s 2xx to reach
        the server: the 2xx's trip to the phone (from the first copy of its
        segment the network delivered, L{wire.stream_arrivals}) and the ACK's
        back, a round trip, within the tolerance.  An ACK the phone wrote as the
        run ended was still on its way (survey 7017 [02], round 17: FBK-C2, TLS,
        100 ms latency, the fallback server's 200 at 299.8 s of 300, the ACK
        written at 299.9 s arriving after the end).
        """
        if txn.final_t is None or txn.final_index is None:
            return True
        sent = max(txn.final_t, self.stream_arrivals.get(txn.final_index, txn.final_t))
        return sent + self.tol <= self.end and not self._written_unread(txn, sent)

    def _written_unread(self, txn: wire.Txn, since: float) -> bool:
        """
        Whether the phone wrote data onto C{txn}'s TCP/TLS connection from
        C{since} on that the server never read by the end of the run: TCP was
        still delivering it (a lost segment sent again), so an ACK in it was on
        its way (survey 7017 [01], round 18: FBK-C2, TLS, 20 % loss, the
        fallback server's 200 at 299.6 s of 300, the ACK's segment lost at
        299.7 s, its copy sent again at 299.9 s arriving after the end).
        """
        if txn.transport == "udp":
            return False
        ports = {s.sport for s in txn.sends}
        wrote = False
        for e in self.trace.events:
            if e.t < since:
                continue
            if (isinstance(e, PacketEvent) and e.proto == "tcp" and not e.flags
                    and e.src[0] == self.facts.phone and e.src[1] in ports
                    and e.dst[0] == txn.dst):
                wrote = True
            elif (wrote and isinstance(e, SipEvent) and e.direction == "in"
                  and e.observer == txn.dst and e.remote[0] == self.facts.phone
                  and e.remote[1] in ports):
                return False  # the server read what the phone wrote
        return wrote

    @cached_property
    def stream_arrivals(self) -> dict[int, float]:
        """L{wire.stream_arrivals} of the trace, worked out once; do not change it."""
        return wire.stream_arrivals(self.trace, self.facts)

    def completed(self, txn: wire.Txn) -> bool:
        """
        Whether the run lasted long enough for a silent C{txn} to be given up
        (a failed connection ended it at once).
        """
        if txn.final is None and txn.conn_failure is not None:
            return True
        return txn.started + self.give_up(txn) + self.tol <= self.end

    def chain_failed_at(self, chain: wire.Chain) -> float | None:
        """When the chain's last attempt failed; C{None} if it was answered."""
        return self.failed_at(chain.tail)

    def exhausted_at(self, chain: wire.Chain) -> float | None:
        """
        When every target of server 1 had failed in this chain (each was tried
        and failed, the last of them included), or C{None}: the time the last
        of those attempts failed.  A silent attempt the run cut short does not
        count.  Worked out once per chain (the failback checkers ask it of
        every chain, several times); the chain is kept with the answer, so its
        id cannot be reused while the context lives.
        """
        known = self._exhausted.get(id(chain))
        if known is not None and known[0] is chain:
            return known[1]
        at = self._exhausted_at(chain)
        self._exhausted[id(chain)] = (chain, at)
        return at

    def _exhausted_at(self, chain: wire.Chain) -> float | None:
        g1 = [t for t in chain.txns if self.group(t.dst) == 1]
        if not g1 or not g1[-1].failed:
            return None
        tried = {t.dst for t in g1 if t.failed}
        wanted = {s.address for s in self.facts.targets}
        # (a target the resolution in use did not give was not in the round, DNS-8)
        from harness.certify.checks_dns import unresolved_targets

        wanted -= unresolved_targets(self, chain.head.first)
        if not wanted or not wanted <= tried:
            return None
        last = g1[-1]
        if last.final is None and not self.completed(last):
            return None
        return self.round_failed_at(last)

    def round_failed_at(self, last: wire.Txn) -> float | None:
        """
        When server 1 had failed, C{last} being the attempt at its last target
        with an address: when C{last} failed, or, if the phone then asked again
        for a target whose address it lacked and got none, when that lookup
        ended (DNS-11; L{checks_dns.address_reasked_until}).
        """
        at = self.failed_at(last)
        return None if at is None else self.round_ended(at, began=last.started)

    def round_ended(self, at: float, began: float | None = None) -> float:
        """
        When server 1 had failed, its last target with an address having
        failed at C{at} (a request's, or a connection's that no request on the
        wire names, RTX-2): C{at}, or the end of the phone's asking again for a
        target whose address it lacked, none got (DNS-11;
        L{checks_dns.address_reasked_until}).  L{round_failed_at} for a time.
        C{began}: when that target's attempt began, if known: the addresses
        its request's own resolution lacked are the ones asked again.
        """
        from harness.certify.checks_dns import address_reasked_until

        again = address_reasked_until(self, at, began)
        return at if again is None or again < at else again

    def exhausted(self, chain: wire.Chain) -> bool:
        """Every target of server 1 failed in this chain (L{exhausted_at})."""
        return self.exhausted_at(chain) is not None

    @cached_property
    def failovers(self) -> list[Failover]:
        """Every failover of server 1 away from the primary, in time order."""
        out = []
        for c in self.new_chains(1):
            if not self.is_primary(c.head.dst) or not c.head.failed:
                continue
            for t in c.txns[1:]:
                if t.dst != c.head.dst and self.group(t.dst) == 1 and t.answered:
                    assert t.final_t is not None
                    if (self.not_taken(t, c.head.dst) or self._retried_after(t, c.head.dst)
                            or self._refused_register_first(c) or self.roe_unfollowed(t)):
                        break
                    out.append(Failover(c, t, t.final_t, t.dst))
                    break
        return out

    def roe_unfollowed(self, t: wire.Txn) -> bool:
        """
        Whether C{t} is FO-5's REGISTER for one target (L{roe_registers}) whose
        request did not get through there: no new request that followed its
        answer at once at that target (L{checks_rtx._roe_before_call}'s
        window) was answered in time.  Its answer alone put the phone on
        nothing: a failover is the request getting through at the next
        target (round 17, survey 7017 [01]).  Survey w7037 [9581], round 24:
        TLS, a call's connection to the stopped primary refused, which the
        wire lends to the REGISTER's chain too (sent with the first request
        after it), FO-5's REGISTER answered 200, the INVITE silenced there.
        """
        if id(t) not in self.roe_registers or t.final_t is None:
            return False
        done = t.final_t
        return not any(x.method not in ("REGISTER", "ACK", "CANCEL") and not x.in_dialog
                       and x.dst == t.dst and x.answered and not x.late
                       and done - self.tol <= x.started <= done + self.at_once
                       for x in self.txns)

    def _refused_register_first(self, c: wire.Chain) -> bool:
        """
        Whether REGISTER chain C{c} is FO-5's REGISTER for a new request
        failing over (C{register_on_enable} 1: neither the account's first
        registration nor its renewal or RTX-5 retry,
        L{checks_fo._registration_retry}) that the target it went to refused
        (a final error other than a challenge): the request behind it never
        went there (FO-3, as round 5 reads it), so the phone is on no server
        and there was no failover (survey 7009 [03], round 11: a call's
        connection to the stopped primary refused, the secondary's 486 to the
        REGISTER, the call lost; the next call, at the primary once it was
        back, is no new request leaving the current server under FB-2).
        """
        if c.method != "REGISTER" or not self.facts.account.server(1).register_on_enable:
            return False
        tail = c.txns[-1]
        if not tail.refused or self.is_primary(tail.dst):
            return False
        if not any(r.txn.first < c.start for r in self.regs if self.group(r.dst) == 1):
            return False  # (the account's first registration: its own)
        from harness.certify.checks_fo import _registration_retry

        return not _registration_retry(self, c.head)

    def _retried_after(self, t: wire.Txn, primary: str) -> bool:
        """
        Whether the answer to INVITE C{t} may have come after the phone gave it
        up (L{maybe_late}) and the phone then retried from the top, the
        registration's REGISTER to C{primary} a retry interval after that
        give-up (RTX-5, as L{not_taken} reads a retry of the same method): the
        INVITE's round had failed every target, the answer put the phone on
        nothing (explore seed 211 of dns-ip-literal, round 6: the secondary's
        500 lost, its retransmission sent at the give-up instant).
        """
        if t.method != "INVITE" or t.late or not self.maybe_late(t):
            return False
        due = t.started + self.give_up(t) + self.profile.retry_interval
        slack = self.tol + self.profile.t1
        return any(x.method == "REGISTER" and x.dst == primary
                   and abs(x.started - due) <= slack for x in self.attempts)

    def not_taken(self, t: wire.Txn, primary: str) -> bool:
        """L{wire.answer_not_taken} over every attempt of the phone."""
        # (an answer well before the give-up time was taken: L{wire.answer_not_taken}'s
        # own first test, asked before the phone's lookups are worked out for it)
        if not wire.answer_near_give_up(t, self.facts):
            return False
        return wire.answer_not_taken(t, primary, self.attempts, self.facts,
                                     wire.phone_lookups(self.trace, self.facts))

    def retry_after_windows(self, address: str) -> list[tuple[float, float]]:
        """Periods in which a 503 with Retry-After lets the phone skip C{address} (RTX-3)."""
        out = []
        for t in self.txns:
            if t.dst == address and t.final is not None and t.final.status == 503:
                ra = retry_after(t.final)
                if ra and t.final_t is not None:
                    out.append((t.final_t, t.final_t + ra))
        return out

    # -- verdicts ---------------------------------------------------------------

    def verdict(
        self,
        clause: str,
        status: str,
        summary: str,
        *,
        expected: str = "",
        seen: str = "",
        evidence: Iterable[int] = (),
    ) -> Verdict:
        if evidence.__class__ is not tuple or evidence:
            evidence = tuple(sorted(set(evidence)))
        # (L{Verdict} built here directly: a call fewer per verdict)
        return Verdict(clause, self.facts.scenario, status, summary,  # type: ignore[arg-type]
                       expected, seen, evidence)

    def passed(self, clause: str, summary: str, evidence: Iterable[int] = ()) -> Verdict:
        return self.verdict(clause, "pass", summary, evidence=evidence)

    def failed(
        self,
        clause: str,
        summary: str,
        expected: str,
        seen: str,
        evidence: Iterable[int] = (),
    ) -> Verdict:
        return self.verdict(
            clause, "fail", summary, expected=expected, seen=seen, evidence=evidence
        )

    def na(self, clause: str, why: str) -> Verdict:
        return Verdict(clause, self.facts.scenario, "n/a", why, "", "", ())


def retry_after(resp: object) -> int:
    """The seconds of a response's Retry-After header, 0 if absent or malformed."""
    headers = getattr(resp, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return 0
    head = value.split(";", 1)[0].split("(", 1)[0].strip()
    return int(head) if head.isdigit() else 0


Checker = Callable[[Ctx], Verdict]
