"""
The built-in phone in whole worlds (the testbed's Python API): several
accounts, a DNS change during a run, disabled accounts, no internal errors.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from twisted.internet.defer import Deferred
from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from harness.phone.account import CallResult
from harness.scenario import bundled_scenarios_dir, load_scenario, scenario_from_dict
from harness.testbed import Testbed
from harness.trace.events import SipEvent

BASE = bundled_scenarios_dir()


def registers_to(bed: Testbed, address: str) -> list[SipEvent]:
    return [
        e
        for e in bed.trace.sip([address])
        if e.direction == "in" and getattr(e.message, "method", None) == "REGISTER"
    ]


class AccountsTests(SynchronousTestCase):
    def world(self, phone_text: str, duration: float = 30.0) -> Testbed:
        doc = {
            "scenario": {"name": "accounts", "duration": duration},
            "phone": {},
            "dns": {"zone": "../zones/example.test.zone"},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "secondary", "address": "127.0.1.20"},
            ],
        }
        sc = scenario_from_dict(doc, where="t", base=BASE, phone_text=phone_text)
        return Testbed(sc)

    def test_several_accounts_register_independently(self) -> None:
        text = "".join(
            f"account.{i}.enable = 1\naccount.{i}.user_name = 10{i}\n"
            f"account.{i}.sip_server.1.address = example.test\n"
            f"account.{i}.sip_server.1.port = 0\naccount.{i}.transport = {i % 3}\n"
            for i in (1, 2, 3)
        )
        text += "account.4.enable = 0\naccount.4.user_name = 104\n"
        text += "account.4.sip_server.1.address = example.test\n"
        bed = self.world(text)
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(20)
        users = sorted(str(e.message.from_.uri.user) for e in registers_to(bed, "127.0.1.10"))
        self.assertEqual(users, ["101", "102", "103"])  # 104 is disabled: REG-1
        transports = {e.transport for e in registers_to(bed, "127.0.1.10")}
        self.assertEqual(transports, {"udp", "tcp", "tls"})
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])

    def test_dns_change_seen_after_ttl(self) -> None:
        """A zone change mid-run reaches the phone at the next resolution (DNS-10)."""
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.sip_server.1.address = example.test\naccount.1.sip_server.1.port = 0\n"
            "account.1.sip_server.1.expires = 60\n"
        )
        bed = self.world(text, duration=200)
        assert bed.zone is not None
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(5)
            self.assertEqual(len(registers_to(bed, "127.0.1.10")), 1)
            # move "primary" to the secondary's address and make it the only target
            bed.zone.replace("primary.example.test", [dns.Record_A("127.0.1.20", ttl=60)])
            bed.run_until(200)
        late = [e for e in registers_to(bed, "127.0.1.20") if e.t > 60]
        self.assertTrue(late, "after the TTL the phone never used the new address")
        self.assertFalse([e for e in registers_to(bed, "127.0.1.10") if e.t > 65])


class CallTests(SynchronousTestCase):
    def test_call_api_reports_where_the_call_went(self) -> None:
        sc = load_scenario(BASE / "invite-failover-udp.toml")
        bed = Testbed(replace(sc, calls=()))
        results: list[CallResult] = []
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(15)
            assert bed.phone is not None
            d: Deferred[CallResult] = bed.phone.call("sip:echo@example.test", duration=3)
            d.addCallback(results.append)
            bed.run_until(60)
        self.assertEqual(len(results), 1)
        self.assertTrue(results[0].answered)
        self.assertEqual(results[0].target.host, "127.0.1.20")  # type: ignore[union-attr]
        byes = [
            e for e in bed.trace.sip(["127.0.1.20"]) if getattr(e.message, "method", None) == "BYE"
        ]
        self.assertEqual(len(byes), 1)

    def test_call_to_unknown_user_is_not_a_failover(self) -> None:
        sc = load_scenario(BASE / "register-failover-udp.toml")
        bed = Testbed(replace(sc, faults=(), calls=()))
        results: list[CallResult] = []
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(5)
            assert bed.phone is not None
            bed.phone.call("sip:nobody@example.test").addCallback(results.append)
            bed.run_until(30)
        self.assertEqual(results[0].status, 404)
        self.assertEqual(results[0].target.host, "127.0.1.10")  # type: ignore[union-attr]
        self.assertEqual(bed.trace.sip(["127.0.1.20"]), [])


class LivelockTests(SynchronousTestCase):
    def test_tls_to_a_plain_tcp_port_finishes(self) -> None:
        """
        Regression (found by the property tests): the phone speaking TLS to a
        TCP port left a half-read connection whose idle/partial timers
        rescheduled themselves by a rounding residue (1e-15 s), so virtual
        time never advanced.  The world must reach its end well within bounds.
        """
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\naccount.1.transport = 2\n"
            "account.1.sip_server.1.address = 127.0.1.10\naccount.1.sip_server.1.port = 5060\n"
        )
        doc = {
            "scenario": {"name": "tls-to-tcp-port", "duration": 120},
            "phone": {},
            "servers": [{"role": "primary", "address": "127.0.1.10"}],
            "network": {"latency": 0.001},
            "faults": [{"at": 0, "target": "primary", "action": "silence"}],
        }
        bed = Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))
        assert bed.world is not None
        with bed.world.deterministic_dns():
            bed.start()
            reason = bed.world.run(until=120, max_steps=200_000)
        self.assertEqual(reason, "until")


def _bed(doc: dict[str, object], text: str) -> Testbed:
    return Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))


def _requests(bed: Testbed, address: str) -> list[SipEvent]:
    return [e for e in bed.trace.sip([address]) if e.direction == "in"]


class StartOrderTests(SynchronousTestCase):
    def test_register_goes_out_before_a_call_placed_at_start(self) -> None:
        """
        Regression (property tests, REG-1): a call placed at t=0 shared the
        registration's DNS lookup, and the resolver woke the call first, so the
        INVITE reached the wire before the REGISTER at start.  The account now
        holds other requests until its registration at start is sent.
        """
        from pathlib import Path

        base = Path(self.mktemp())
        (base / "scenarios").mkdir(parents=True)
        (base / "zones").mkdir()
        (base / "zones" / "srv.zone").write_text(
            "$ORIGIN example.test.\n$TTL 300\n"
            "@ 86400 IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )\n@ 86400 IN NS ns1\n"
            "ns1 IN A 127.0.1.53\nprimary IN A 127.0.1.10\nsecondary IN A 127.0.1.20\n"
            "_sip._udp IN SRV 0 1 5060 primary\n_sip._udp IN SRV 0 0 5060 secondary\n"
        )
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.sip_server.1.address = example.test\naccount.1.sip_server.1.port = 0\n"
        )
        doc = {
            "scenario": {"name": "call-at-start", "duration": 30},
            "phone": {},
            "dns": {"zone": "../zones/srv.zone"},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "secondary", "address": "127.0.1.20"},
            ],
            "calls": [{"at": 0, "to": "sip:echo@example.test", "duration": 5}],
            "faults": [{"at": 0, "target": "primary", "action": "silence"}],
        }
        bed = Testbed(scenario_from_dict(doc, where="t", base=base / "scenarios",
                                         phone_text=text))
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(30)
        for server in ("127.0.1.10", "127.0.1.20"):
            reqs = _requests(bed, server)
            methods = [e.message.method for e in reqs]  # type: ignore[union-attr]
            self.assertIn("INVITE", methods)
            # in trace order (same instant): the REGISTER first, at each server
            self.assertEqual(methods[0], "REGISTER", (server, methods))
        verdicts = {v.clause: v.status for v in bed.judge()}
        self.assertEqual(verdicts["REG-1"], "pass")


class SuccessiveFallbackRenewalTests(SynchronousTestCase):
    def test_registration_at_the_fallback_is_refreshed(self) -> None:
        """
        Regression (property tests, REG-2): in successive mode the phone made
        its registration at the fallback server before it counted itself "on
        the fallback", so no renewal was scheduled and the binding expired.
        """
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.sip_server.1.address = 127.0.1.10\naccount.1.sip_server.1.port = 5060\n"
            "account.1.sip_server.2.address = 127.0.1.15\naccount.1.sip_server.2.port = 5060\n"
            "account.1.sip_server.2.expires = 60\n"
            "account.1.fallback.redundancy_type = 1\naccount.1.fallback.timeout = 600\n"
        )
        doc = {
            "scenario": {"name": "successive-renewal", "duration": 200},
            "phone": {},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"},
            ],
            "faults": [{"at": 0, "target": "primary", "action": "silence"}],
        }
        bed = _bed(doc, text)
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(200)
        regs = [e.t for e in registers_to(bed, "127.0.1.15")]
        # registered at ~7.5 s for 60 s: renewed every 30 s (REG-2), never left to expire
        self.assertGreaterEqual(len(regs), 6, regs)
        self.assertTrue(all(b - a <= 60 for a, b in itertools.pairwise(regs)), regs)
        verdicts = {v.clause: v.status for v in bed.judge()}
        self.assertEqual(verdicts["REG-2"], "pass")
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])


class RegisterOnEnableInFlightTests(SynchronousTestCase):
    """
    FO-5 with a REGISTER failover under way (explore seed 0): an INVITE failing
    over to the secondary at the moment the REGISTER does must not send a second
    REGISTER with the same Call-ID in parallel (RFC 3261 10.2); the REGISTER in
    flight decides whether the INVITE may go there.
    """

    def world(self, secondary_silent: bool, fallback: bool = False) -> Testbed:
        faults = [{"at": 0, "target": "primary", "action": "silence"}]
        if secondary_silent:
            faults.append({"at": 0, "target": "secondary", "action": "silence"})
        doc = {
            "scenario": {"name": "roe-in-flight", "duration": 40},
            "phone": {},
            "dns": {"zone": "../zones/example.test.zone"},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "secondary", "address": "127.0.1.20"},
            ],
            "calls": [{"at": 0, "to": "sip:echo@example.test", "duration": 5}],
            "faults": faults,
        }
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.sip_server.1.address = example.test\naccount.1.sip_server.1.port = 0\n"
            "account.1.sip_server.1.register_on_enable = 1\n"
        )
        if fallback:  # the INVITE gives the primary up before the REGISTER does
            doc["servers"].append(  # type: ignore[attr-defined]
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"})
            text += "account.1.sip_server.2.address = 127.0.1.15\n"
        bed = Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(40)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])
        return bed

    def test_one_register_at_a_silent_secondary(self) -> None:
        bed = self.world(True)
        cseqs = {e.message.cseq.seq for e in registers_to(bed, "127.0.1.20")}  # type: ignore[union-attr]
        self.assertEqual(len(cseqs), 1, cseqs)

    def test_invite_follows_the_register_in_flight(self) -> None:
        bed = self.world(False)
        cseqs = {e.message.cseq.seq for e in registers_to(bed, "127.0.1.20")}  # type: ignore[union-attr]
        self.assertEqual(len(cseqs), 1, cseqs)
        invites = [e for e in bed.trace.sip(["127.0.1.20"]) if e.direction == "in"
                   and getattr(e.message, "method", None) == "INVITE"]
        self.assertTrue(invites, "the INVITE never failed over to the registered secondary")

    def test_one_register_when_the_invite_gives_up_first(self) -> None:
        bed = self.world(True, fallback=True)
        cseqs = [e.message.cseq.seq for e in registers_to(bed, "127.0.1.20")]  # type: ignore[union-attr]
        self.assertEqual(len(set(cseqs)), 1, cseqs)
        everywhere = sorted({e.message.cseq.seq for e in registers_to(bed, "127.0.1.10")}  # type: ignore[union-attr]
                            | set(cseqs))
        self.assertEqual(everywhere, list(range(everywhere[0], everywhere[-1] + 1)))  # RTX-4


class RenewalAfterFailedInviteTests(SynchronousTestCase):
    """
    FBK-C1 / REG-2 (explore seed 6): an INVITE that finds the working server
    silent schedules the RTX-5 retry of the registration, but a renewal due
    before that retry is not postponed past the registration's expiry.
    """

    def test_renewal_due_before_the_retry_stays_due(self) -> None:
        doc = {
            "scenario": {"name": "renew-after-invite", "duration": 40},
            "phone": {},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"},
            ],
            "calls": [{"at": 0, "to": "sip:echo@example.test", "duration": 5}],
            "faults": [{"at": 0, "target": "primary", "action": "silence",
                        "methods": ["INVITE"]}],
        }
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.sip_server.1.address = 127.0.1.10\n"
            "account.1.sip_server.1.expires = 30\n"
            "account.1.sip_server.2.address = 127.0.1.15\n"
        )
        bed = Testbed(scenario_from_dict(doc, where="t", base=BASE, phone_text=text))
        bed.run_until(40)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])
        times = [e.t for e in registers_to(bed, "127.0.1.10")]
        self.assertTrue(any(1.0 < t < 30.0 for t in times),
                        f"registration (30 s) not renewed before it expired: {times}")


class FallbackLostTests(SynchronousTestCase):
    """
    RTX-5, FO-6 (explore seed 1): successive mode, the working server silent,
    the phone on the fallback server, then the fallback server falls silent
    too.  Its renewal there fails: every target has failed, so the phone
    retries the whole list from the top 30 s later (the working server, then
    the fallback server at once), rather than retrying the fallback server
    alone while probing the working server only every fallback.timeout.
    """

    def test_fallback_failing_too_retries_from_the_top(self) -> None:
        text = (
            "account.1.enable = 1\naccount.1.user_name = 1001\n"
            "account.1.sip_server.1.address = 127.0.1.10\naccount.1.sip_server.1.port = 5060\n"
            "account.1.sip_server.2.address = 127.0.1.15\naccount.1.sip_server.2.port = 5060\n"
            "account.1.sip_server.2.expires = 120\n"
            "account.1.fallback.redundancy_type = 1\naccount.1.fallback.timeout = 120\n"
        )
        doc = {
            "scenario": {"name": "fallback-lost", "duration": 300},
            "phone": {},
            "servers": [
                {"role": "primary", "address": "127.0.1.10"},
                {"role": "fallback", "address": "127.0.1.15", "features": "basic"},
            ],
            "faults": [{"at": 0, "target": "primary", "action": "silence"},
                       {"at": 8, "target": "fallback", "action": "silence"}],
        }
        bed = _bed(doc, text)
        with bed.world.deterministic_dns():  # type: ignore[union-attr]
            bed.run_until(300)
        assert bed.phone is not None
        self.assertEqual(bed.phone.errors, [])

        def firsts(address: str) -> list[float]:
            # the first send of each REGISTER transaction (retransmissions share a branch)
            seen: dict[str, float] = {}
            for e in registers_to(bed, address):
                seen.setdefault(str(e.message.top_via.branch), e.t)
            return sorted(seen.values())

        work, fb = firsts("127.0.1.10"), firsts("127.0.1.15")
        # fell back at 7.5; the renewal at 67.5 fails at 75: from the top at 105, the
        # fallback server at once when the working server gave up (112.5), and so on
        self.assertEqual([round(t) for t in work], [0, 105, 150, 195, 240, 285])
        self.assertEqual([round(t, 1) for t in fb[:3]], [7.5, 67.5, 112.5])
        for w in work[1:]:
            self.assertTrue(any(abs(f - (w + 7.5)) < 0.1 for f in fb), (w, fb))
        verdicts = {v.clause: v.status for v in bed.judge()}
        for clause in ("RTX-5", "FO-6", "FBK-S2"):
            self.assertEqual(verdicts[clause], "pass", clause)


class Retransmitted2xxTests(SynchronousTestCase):
    """
    RFC 3261 13.3.1.4 and 13.2.2.4: the echo user retransmits its 200 to an
    INVITE until the ACK arrives, and the phone sends the ACK again for each
    retransmitted 200.  A lost 200 no longer leaves the call unanswered; a
    lost ACK is made good by the next 200; the server never has to give up
    and end the call with a BYE.
    """

    def _run_call(self, lose: bytes, cseq: bytes) -> tuple[
            Testbed, list[SipEvent], list[SipEvent]]:
        sc = load_scenario(BASE / "register-failover-udp.toml")
        bed = Testbed(replace(sc, faults=(), calls=()))
        world = bed.world
        assert world is not None and bed.phone is not None
        phone, primary = bed.phone.address, "127.0.1.10"
        send = world._send_udp
        lost: list[bytes] = []

        def lossy(port: Any, data: bytes, dst: Any) -> None:
            # the network loses the first datagram starting with C{lose} with CSeq C{cseq}
            if not lost and data.startswith(lose) and b"\r\nCSeq: " + cseq + b"\r\n" in data:
                lost.append(data)
                world.partition(phone, primary)
                try:
                    send(port, data, dst)
                finally:
                    world.heal(phone, primary)
                return
            send(port, data, dst)

        world._send_udp = lossy  # type: ignore[method-assign]
        results: list[CallResult] = []
        with world.deterministic_dns():
            bed.run_until(5)
            bed.phone.call("sip:echo@example.test", duration=60).addCallback(results.append)
            bed.run_until(50)
        self.assertEqual(len(lost), 1)
        self.assertTrue(results and results[0].answered)
        oks = [e for e in bed.trace.sip([phone]) if e.direction == "in"
               and getattr(e.message, "status", None) == 200
               and e.message.cseq.method == "INVITE"]  # type: ignore[union-attr]
        acks = [e for e in bed.trace.sip([phone]) if e.direction == "out"
                and getattr(e.message, "method", None) == "ACK"]
        record = bed.servers["primary"].dialogs[acks[0].message.call_id]  # type: ignore[union-attr]
        self.assertEqual(record.state, "confirmed")
        self.assertEqual(bed.servers["primary"].proxy.ack_timeouts, [])
        return bed, oks, acks

    def test_lost_200_is_retransmitted(self) -> None:
        _, oks, acks = self._run_call(b"SIP/2.0 200 OK", b"1 INVITE")
        self.assertEqual((len(oks), len(acks)), (1, 1))

    def test_lost_ack_is_sent_again(self) -> None:
        _, oks, acks = self._run_call(b"ACK ", b"1 ACK")
        self.assertEqual((len(oks), len(acks)), (2, 2))
        self.assertEqual(acks[0].raw, acks[1].raw)


class _HeldTransaction:
    """A server transaction stand-in: the request and whatever is answered."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.source = ("udp", "127.0.1.10", 5060)
        self.answers: list[int] = []

    def respond(self, response: Any) -> None:
        self.answers.append(response.status)


class IncomingByeTests(SynchronousTestCase):
    """An in-dialog BYE is answered by whether the phone knows the dialog."""

    BYE = (
        b"BYE sip:1001@127.0.0.100:5060 SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 127.0.1.10:5060;branch=z9hG4bK-bye-1\r\n"
        b"From: <sip:echo@example.test>;tag=far\r\n"
        b"To: <sip:1001@example.test>;tag=near\r\n"
        b"Call-ID: %s\r\n"
        b"CSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )

    def account(self) -> Any:
        from harness.sip.message import parse

        sc = load_scenario(BASE / "register-failover-udp.toml")
        bed = Testbed(replace(sc, faults=(), calls=()))
        assert bed.phone is not None
        return bed.phone.accounts[0], parse

    def test_bye_for_an_unknown_dialog_gets_481(self) -> None:
        """RFC 3261 15.1.2 (before: 200 to a BYE of a dialog the phone never had)."""
        account, parse = self.account()
        st = _HeldTransaction(parse(self.BYE % b"never-seen"))
        account.incoming(st)
        self.assertEqual(st.answers, [481])

    def test_bye_for_a_known_dialog_gets_200_and_ends_it(self) -> None:
        account, parse = self.account()
        invite = _HeldTransaction(parse(
            self.BYE.replace(b"BYE sip", b"INVITE sip").replace(b"2 BYE", b"1 INVITE")
            .replace(b"bye-1", b"inv-1").replace(b";tag=near", b"") % b"call-1"
        ))
        account.incoming(invite)
        self.assertEqual(invite.answers, [180, 200])
        bye = _HeldTransaction(parse(self.BYE % b"call-1"))
        account.incoming(bye)
        self.assertEqual(bye.answers, [200])
        self.assertNotIn("call-1", account.dialogs)
