"""
The built-in phone against a real registrar: C{sip-harness phone} (the
user-facing command, in its own process, on real loopback sockets) registers
with two Kamailio instances found through DNS (NAPTR -> SRV -> A), once behind
our DNS server (C{sip-harness dns}, also the command) and once behind NSD.

The scenario is the guide's REGISTER failover with failback_mode 0
(newRequests):

 1. the phone registers with the primary (the higher-weight SRV target);
 2. the primary Kamailio is stopped (SIGTERM to its PID); the phone's next
    REGISTER (its renewal) goes unanswered over UDP, and once the RTX-1 time
    has passed (T1 0.5 s, retry_counts 3: the last retransmission's interval
    ends 7.5 s after the first send) it registers with the secondary (FO-2);
 3. the primary is started again (empty usrloc); the phone's next renewal
    starts at the primary again and is saved there (FB-0), not at the
    secondary.

Judged from Kamailio's side first: each instance logs every REGISTER it saved
(C{REGISTER-SAVED}: wall time, source, Call-ID, CSeq, Contact) and, with
C{kamcmd}, C{ul.dump} shows the phone's binding in its usrloc.  The phone's
printed decisions (with their clauses) give the RTX-1 timing on the phone's
own clock and the order of the targets tried.

Bounds: expires 30 (the guide's minimum; Kamailio's min_expires is lowered
to 10, or it would grant 60 and the phone would renew at 30 s), renewal at
15 s (REG-2), so one run is ~40 s of wall time; every wait is bounded and
polled on the reactor, every process is stopped by PID.
Each test has its own loopback addresses, so the two can run in parallel.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.python import log
from twisted.trial.unittest import SkipTest, TestCase

from harness.peers.process import ManagedProcess, available
from tests.interop._support import ROOT, need_tool, reactor

#: REGISTER expiry asked by the phone (30: the smallest the configuration accepts)
EXPIRES = 30
RETRY_COUNTS = 3
#: Kamailio's registrar min_expires for these tests (its default, 60, would raise 30 to 60)
MIN_EXPIRES = 10
#: slack on every timing bound: scheduling, process start, DNS
MARGIN = 1.5
#: the phone's own bound on its life (it is stopped by PID well before)
PHONE_DURATION = 75


@dataclass(frozen=True)
class Addresses:
    primary: str
    secondary: str
    dns: str
    phone: str
    sip_port: int = 5060
    dns_port: int = 5353
    phone_port: int = 5060


def _free_ports(a: Addresses) -> Addresses:
    """
    C{a} with ports free now: the SIP port on both servers' addresses (one SRV
    port for both), the DNS and phone ports on theirs.  Why not fixed ports:
    two suites on one machine (a CI run beside a developer's) collided on
    5060/5353 of the same loopback addresses.
    """
    import socket

    from harness.peers.sipp import free_port

    for _ in range(20):
        sip = free_port(a.primary, ("udp", "tcp"))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                u.bind((a.secondary, sip))
                t.bind((a.secondary, sip))
            except OSError:
                continue
        return replace(a, sip_port=sip, dns_port=free_port(a.dns, ("udp", "tcp")),
                       phone_port=free_port(a.phone, ("udp", "tcp")))
    raise OSError(f"no SIP port free on both {a.primary} and {a.secondary}")


def zone_text(a: Addresses) -> str:
    """kam.test: one UDP NAPTR, two equal-priority SRV targets (primary first), short TTLs."""
    return f"""\
$ORIGIN kam.test.
$TTL 5
@          IN SOA   ns1.kam.test. hostmaster.kam.test. ( 2026010101 3600 600 86400 5 )
@          IN NS    ns1
ns1        IN A     {a.dns}
@          IN NAPTR 100 50 "s" "SIP+D2U" "" _sip._udp
_sip._udp  IN SRV   0 2 {a.sip_port} primary
_sip._udp  IN SRV   0 1 {a.sip_port} secondary
primary    IN A     {a.primary}
secondary  IN A     {a.secondary}
"""


PHONE_CFG = f"""\
#!version:1.0.0.1
# FO-2 / FB-0 against two Kamailio instances: server 1 is kam.test, resolved by
# NAPTR -> SRV -> A to the primary and the secondary; no fallback server.
account.1.enable = 1
account.1.label = 1001
account.1.auth_name = 1001
account.1.user_name = 1001
account.1.password = s3cret-1001
account.1.sip_server.1.address = kam.test
account.1.sip_server.1.port = 0
account.1.sip_server.1.expires = {EXPIRES}
account.1.sip_server.1.retry_counts = {RETRY_COUNTS}
account.1.sip_server.1.failback_mode = 0
account.1.sip_server.1.register_on_enable = 0
account.1.transport = 3
account.1.naptr_build = 0
account.1.fallback.redundancy_type = 1
"""

_LINE = re.compile(r"^\s*(?P<t>[0-9]+\.[0-9]+) (?P<text>.*)$")


@dataclass(frozen=True)
class PhoneLine:
    t: float  # seconds on the phone's clock (since it started)
    text: str


def phone_lines(process: ManagedProcess) -> list[PhoneLine]:
    """What C{sip-harness phone} printed so far: decisions and the messages it sent/got."""
    out = []
    for line in process.stdout().splitlines():
        m = _LINE.match(line)
        if m:
            out.append(PhoneLine(float(m["t"]), m["text"].strip()))
    return out


def until(
    predicate: Callable[[], bool], timeout: float, what: Callable[[], str]
) -> Deferred[float]:
    """
    Fires with the seconds it took once C{predicate()} is true; fails with
    C{AssertionError(what())} after C{timeout}.  Polls on the reactor.
    """
    start = reactor.seconds()
    d: Deferred[float] = Deferred()

    def poll() -> None:
        try:
            ok = predicate()
        except Exception as e:  # a peer that died says so
            d.errback(e)
            return
        if ok:
            d.callback(reactor.seconds() - start)
        elif reactor.seconds() - start >= timeout:
            d.errback(AssertionError(f"not within {timeout:.1f} s: {what()}"))
        else:
            reactor.callLater(0.05, poll)

    poll()
    return d


class _PhoneFailoverWithKamailio:
    """The scenario; subclasses start the DNS server that serves kam.test."""

    timeout = 90
    addresses: Addresses

    # -- what a subclass provides ------------------------------------------------

    def start_dns(self, zone: Path) -> Deferred[Any]:
        raise NotImplementedError

    def dns_evidence(self) -> str:
        return ""

    # -- set-up ---------------------------------------------------------------------

    def setUp(self) -> Any:
        need_tool("kamailio")
        from harness.profile import get_profile
        from harness.sip.transaction import RetryPolicy

        t: Any = self
        self.addresses = _free_ports(type(self).addresses)
        profile = get_profile("yealink")
        #: RTX-1: how long the phone waits for a silent server (7.5 s)
        self.rtx1 = RetryPolicy(
            t1=profile.t1,
            t2=profile.t2,
            t4=profile.t4,
            retry_counts=RETRY_COUNTS,
            give_up=profile.give_up,
        ).give_up_after(invite=False)
        #: REG-2: when the phone renews a registration of EXPIRES seconds (15 s)
        self.renew = profile.renewal_delay(EXPIRES)
        self.kamcmd = bool(available("kamcmd"))
        self.work = Path(t.mktemp()).resolve()
        self.work.mkdir(parents=True)
        self.zone = self.work / "kam.test.zone"
        self.zone.write_text(zone_text(self.addresses), encoding="utf-8")
        self.cfg = self.work / "phone.cfg"
        self.cfg.write_text(PHONE_CFG, encoding="utf-8")
        self.primary = self.kamailio(self.addresses.primary)
        self.secondary = self.kamailio(self.addresses.secondary)
        self.phone: ManagedProcess | None = None
        return self._start_servers()

    @inlineCallbacks
    def _start_servers(self) -> Any:
        yield self.primary.when_ready(reactor, timeout=10)
        yield self.secondary.when_ready(reactor, timeout=10)
        yield self.start_dns(self.zone)

    def kamailio(self, address: str) -> Any:
        """A started Kamailio registrar on C{address} (cleaned up with the test)."""
        from harness.peers.kamailio import Kamailio, KamailioConfig

        k = Kamailio(
            KamailioConfig(
                address=address,
                port=self.addresses.sip_port,
                transports=("udp",),
                children=1,
                min_expires=MIN_EXPIRES,
                log_registers=True,
                control=self.kamcmd,
            )
        )
        self.addCleanup(k.cleanup)  # type: ignore[attr-defined]
        k.start()
        return k

    def start_phone(self) -> ManagedProcess:
        a = self.addresses
        phone = ManagedProcess(
            [
                sys.executable, "-m", "harness.cli", "phone",
                "--config", str(self.cfg),
                "--dns", f"{a.dns}:{a.dns_port}",
                "--listen", f"{a.phone}:{a.phone_port}",
                "--duration", str(PHONE_DURATION),
            ],
            name="phone",
            env={"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
            cwd=ROOT,
        )  # fmt: skip
        self.addCleanup(phone.cleanup)  # type: ignore[attr-defined]
        self.phone = phone.start()
        return phone

    # -- evidence -------------------------------------------------------------------

    def evidence(self, *kamailios: Any) -> str:
        parts = []
        if self.phone is not None:
            parts.append("--- phone ---\n" + self.phone.stdout() + self.phone.stderr()[-2000:])
        for k in kamailios:
            saved = "\n".join(str(s) for s in k.saved_registers()) or "(nothing saved)"
            parts.append(f"--- kamailio {k.config.address} ---\n{saved}\n{k.process.tail(10)}")
        dns = self.dns_evidence()
        if dns:
            parts.append("--- dns ---\n" + dns)
        return "\n".join(parts)

    def phone_alive(self) -> None:
        assert self.phone is not None
        if self.phone.poll() is not None:
            raise AssertionError(f"the phone exited ({self.phone.returncode})\n{self.evidence()}")

    @inlineCallbacks
    def assert_binding(self, k: Any) -> Any:
        """From Kamailio's usrloc (kamcmd ul.dump): the phone's contact is bound there."""
        if not self.kamcmd:
            return
        t: Any = self
        done = yield k.rpc_async(reactor, "ul.dump", timeout=5)
        a = self.addresses
        t.assertEqual(done.returncode, 0, done.stderr)
        t.assertIn(f"Address: sip:1001@{a.phone}:{a.phone_port}", done.stdout)
        t.assertIn(f"Socket: udp:{k.config.address}:{a.sip_port}", done.stdout)

    # -- the scenario ---------------------------------------------------------------

    @inlineCallbacks
    def test_failover_then_failback_newrequests(self) -> Any:
        t: Any = self
        a = self.addresses
        primary_at = f"{a.primary}:{a.sip_port}/udp"
        secondary_at = f"{a.secondary}:{a.sip_port}/udp"
        contact = f"<sip:1001@{a.phone}:{a.phone_port}>"
        phone = self.start_phone()

        def saved(k: Any) -> list[Any]:
            self.phone_alive()
            return [s for s in k.saved_registers() if s.contact == contact]

        # 1. REG-1: registered with the primary, the higher-weight SRV target
        took = yield until(
            lambda: (
                bool(saved(self.primary))
                and any(f"registered at {primary_at}" in x.text for x in phone_lines(phone))
            ),
            10,
            lambda: (
                "the phone never registered with the primary\n"
                + self.evidence(self.primary, self.secondary)
            ),
        )
        first = saved(self.primary)[0]
        t.assertEqual(first.source, f"{a.phone}:{a.phone_port}")
        t.assertEqual(saved(self.secondary), [], self.evidence(self.secondary))
        t.assertIn(f"registered at {primary_at} for {EXPIRES}s [REG-2]", phone.stdout())
        yield self.assert_binding(self.primary)
        lines = phone_lines(phone)
        sent = next(x for x in lines if x.text.startswith(f"-> {primary_at} REGISTER"))
        ok = next(x for x in lines if f"registered at {primary_at}" in x.text)
        timings = {"registered_after_start": took, "register_round_trip": ok.t - sent.t}

        # 2. the primary goes away; the renewal fails over after the RTX-1 time
        yield self.primary.stop_async(reactor)
        bound = self.renew + self.rtx1 + MARGIN
        yield until(
            lambda: bool(saved(self.secondary)),
            bound,
            lambda: (
                "the phone never registered with the secondary\n"
                + self.evidence(self.primary, self.secondary)
            ),
        )
        on_secondary = saved(self.secondary)[0]
        t.assertEqual(on_secondary.call_id, first.call_id)  # the same registration, renewed
        # registrar side: the binding moved renew + RTX-1 after it was made at the primary
        moved = on_secondary.t - first.t
        t.assertTrue(
            self.renew + self.rtx1 - 0.2 <= moved <= self.renew + self.rtx1 + MARGIN,
            f"secondary saved the binding {moved:.3f} s after the primary\n{self.evidence()}",
        )
        # phone side: RTX-1, one first send + retry_counts retransmissions, then FO-2
        yield until(
            lambda: any(f"failed over to {secondary_at}" in x.text for x in phone_lines(phone)),
            MARGIN,
            lambda: "no FO-2 decision printed\n" + self.evidence(),
        )
        lines = phone_lines(phone)
        fo = next(x for x in lines if f"failed over to {secondary_at} [FO-2]" in x.text)
        gave_up = next(x for x in lines if f"{primary_at} failed: timeout" in x.text)
        t.assertIn("[RTX-1]", gave_up.text)
        registered = next(x for x in lines if f"registered at {primary_at}" in x.text)
        renewal_sends = [
            x
            for x in lines
            if registered.t < x.t < gave_up.t and x.text.startswith(f"-> {primary_at} REGISTER")
        ]
        t.assertEqual(len(renewal_sends), 1 + RETRY_COUNTS, self.evidence())
        waited = gave_up.t - renewal_sends[0].t
        t.assertTrue(
            self.rtx1 - 0.05 <= waited <= self.rtx1 + 0.5,
            f"gave up on the primary after {waited:.3f} s, RTX-1 says {self.rtx1}",
        )
        t.assertTrue(0 <= fo.t - gave_up.t <= 0.5, self.evidence())
        renewed = renewal_sends[0].t - registered.t  # REG-2
        t.assertTrue(self.renew - 0.05 <= renewed <= self.renew + 0.5, self.evidence())
        yield self.assert_binding(self.secondary)
        timings.update(renewal_after=renewed, rtx1_gave_up_after=waited, primary_to_secondary=moved)

        # 3. the primary comes back (empty usrloc); FB-0: the next renewal starts there
        self.primary = self.kamailio(a.primary)
        yield self.primary.when_ready(reactor, timeout=10)
        restarted = reactor.seconds()
        yield until(
            lambda: bool(saved(self.primary)),
            self.renew + MARGIN,
            lambda: (
                "the phone never failed back to the primary\n"
                + self.evidence(self.primary, self.secondary)
            ),
        )
        back = saved(self.primary)[0]
        t.assertEqual(back.call_id, first.call_id)
        failback = back.t - on_secondary.t
        t.assertTrue(
            self.renew - 0.2 <= failback <= self.renew + MARGIN,
            f"primary saved the binding {failback:.3f} s after the secondary\n{self.evidence()}",
        )
        # the renewal went to the primary first: nothing more reached the secondary
        t.assertEqual(len(saved(self.secondary)), 1, self.evidence(self.secondary))
        yield until(
            lambda: sum(f"registered at {primary_at}" in x.text for x in phone_lines(phone)) >= 2,
            MARGIN,
            lambda: "no second registration with the primary printed\n" + self.evidence(),
        )
        lines = phone_lines(phone)
        after_fo = [x for x in lines if x.t > fo.t and x.text.startswith("-> ")]
        t.assertTrue(after_fo, self.evidence())
        t.assertTrue(after_fo[0].text.startswith(f"-> {primary_at} REGISTER"), self.evidence())
        t.assertFalse(
            any(x.text.startswith(f"-> {secondary_at}") for x in after_fo), self.evidence()
        )
        yield self.assert_binding(self.primary)
        timings.update(
            secondary_to_primary=failback, failback_after_restart=reactor.seconds() - restarted
        )

        # the command ends cleanly on SIGTERM, with nothing internal gone wrong
        rc = yield phone.stop_async(reactor)
        t.assertEqual(rc, 0, self.evidence())
        t.assertNotIn("internal error", phone.stdout(), self.evidence())
        t.assertEqual(phone.stderr().strip(), "", phone.stderr())
        self.dns_checks()
        log.msg(
            f"{type(self).__name__} timings (s): "
            + ", ".join(f"{k}={v:.3f}" for k, v in timings.items())
        )

    def dns_checks(self) -> None:
        """What the DNS server itself can show (our server's trace); NSD logs no queries."""


class OurDnsServerTests(_PhoneFailoverWithKamailio, TestCase):
    """Behind C{sip-harness dns}, whose trace shows the phone's NAPTR -> SRV -> A lookups."""

    addresses = Addresses("127.0.3.10", "127.0.3.20", "127.0.3.53", "127.0.3.100")

    def start_dns(self, zone: Path) -> Deferred[Any]:
        a = self.addresses
        self.dns = ManagedProcess(
            [
                sys.executable, "-m", "harness.cli", "dns",
                "--zone", str(zone),
                "--listen", f"{a.dns}:{a.dns_port}",
                "--duration", str(PHONE_DURATION + 10),
            ],
            name="dns",
            env={"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
            cwd=ROOT,
        )  # fmt: skip
        self.addCleanup(self.dns.cleanup)
        self.dns.start()
        return self.dns.when_ready(
            reactor, ports=[(a.dns, a.dns_port, "udp")], log_pattern="serving kam.test", timeout=15
        )

    def dns_evidence(self) -> str:
        return self.dns.stdout()[-3000:]

    def dns_checks(self) -> None:
        a = self.addresses
        queries = [
            line.split()[2:4]
            for line in self.dns.stdout().splitlines()
            if f" {a.phone}:" in line and "-> NOERROR" in line
        ]
        # the phone located the server through the whole chain, from its own address
        for q in (
            ["kam.test", "NAPTR"],
            ["_sip._udp.kam.test", "SRV"],
            ["primary.kam.test", "A"],
            ["secondary.kam.test", "A"],
        ):
            self.assertIn(q, queries, self.dns_evidence())
        # one lookup per new REGISTER (TTL 5 s < the 15 s between them): 3 NAPTR queries
        self.assertGreaterEqual(queries.count(["kam.test", "NAPTR"]), 3, self.dns_evidence())


class NsdTests(_PhoneFailoverWithKamailio, TestCase):
    """Behind NSD: the same zone from a DNS server nobody here wrote."""

    addresses = Addresses("127.0.3.11", "127.0.3.21", "127.0.3.54", "127.0.3.101")

    def setUp(self) -> Any:
        avail = available("nsd")
        if not avail:
            raise SkipTest(avail.reason)
        return super().setUp()

    def start_dns(self, zone: Path) -> Deferred[Any]:
        from harness.peers.nsd import Nsd, NsdConfig

        a = self.addresses
        self.nsd = Nsd(NsdConfig(zones=[zone], address=a.dns, port=a.dns_port))
        self.addCleanup(self.nsd.cleanup)
        self.nsd.start()
        return self.nsd.when_ready(reactor, timeout=15)

    def dns_evidence(self) -> str:
        return self.nsd.process.tail(10)
