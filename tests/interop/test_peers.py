"""
The peers package itself: output parsers (no tool needed) and the bounded
process runner (real, short-lived child processes, stopped by PID).
"""

from __future__ import annotations

import os
import re
import socket
import sys
import textwrap
from pathlib import Path
from typing import Any

from twisted.internet.defer import inlineCallbacks
from twisted.trial.unittest import SynchronousTestCase, TestCase

from harness.peers.dig import parse_output
from harness.peers.kamailio import KamailioConfig
from harness.peers.nsd import NsdConfig, zone_origin
from harness.peers.process import (
    ManagedProcess,
    PeerError,
    ReadyTimeout,
    available,
    cpu_seconds,
    port_bound,
    run,
    run_async,
)
from harness.peers.sipp import parse_stat_csv, sipp_argv
from tests.interop._support import INTEROP_ZONE, reactor

STAT_CSV = (
    "StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;"
    "CallRate(P);CallRate(C);TotalCallCreated;SuccessfulCall(P);SuccessfulCall(C);"
    "FailedCall(P);FailedCall(C);FailedMaxUDPRetrans(P);FailedMaxUDPRetrans(C);"
    "FailedTimeoutOnRecv(P);FailedTimeoutOnRecv(C);Retransmissions(P);Retransmissions(C);"
    "ResponseTime1(P);ResponseTime1(C);\n"
    "2026-11-25\t14:00:00.000000\t1795600000.000000;2026-11-25\t14:00:00.000000\t1795600000.0;"
    "2026-11-25\t14:00:01.000000\t1795600001.000000;00:00:01;00:00:01;500;480;480;480;470;470;"
    "2;2;0;0;2;2;5;5;00:00:00:001000;00:00:00:001000;\n"
    "2026-11-25\t14:00:00.000000\t1795600000.000000;2026-11-25\t14:00:01.000000\t1795600001.0;"
    "2026-11-25\t14:00:02.500000\t1795600002.500000;00:00:01;00:00:02;500;500;490;1000;520;990;"
    "3;5;1;1;2;4;7;12;00:00:00:002000;00:00:00:001500;\n"
)

DIG_TC_THEN_TCP = textwrap.dedent(
    """\
    ;; Truncated, retrying in TCP mode.

    ; <<>> DiG 9.18.49 <<>> @127.0.2.53 -p 15353 big.interop.test A +norec
    ;; global options: +cmd
    ;; Got answer:
    ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1
    ;; flags: qr aa; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 0

    ;; QUESTION SECTION:
    ;big.interop.test.\t\tIN\tA

    ;; ANSWER SECTION:
    big.interop.test.\t300\tIN\tA\t127.0.3.1
    big.interop.test.\t300\tIN\tA\t127.0.3.2

    ;; SERVER: 127.0.2.53#15353(127.0.2.53) (TCP)
    """
)

KDIG_NXDOMAIN = textwrap.dedent(
    """\
    ;; ->>HEADER<<- opcode: QUERY; status: NXDOMAIN; id: 7
    ;; Flags: qr aa; QUERY: 1; ANSWER: 0; AUTHORITY: 1; ADDITIONAL: 0

    ;; QUESTION SECTION:
    ;; nowhere.interop.test.\t\tIN\tA

    ;; AUTHORITY SECTION:
    interop.test.\t60\tIN\tSOA\tns1.interop.test. hostmaster.interop.test. 1 3600 600 86400 60

    ;; Received 90 B
    ;; Time 2026-11-25 14:00:00 UTC
    ;; From 127.0.2.53@15353(UDP) in 0.3 ms
    """
)


class ParserTests(SynchronousTestCase):
    def test_sipp_stat_csv_last_row_is_cumulative(self) -> None:
        s = parse_stat_csv(STAT_CSV)
        self.assertEqual((s.created, s.successful, s.failed), (1000, 990, 5))
        self.assertEqual(s.retransmissions, 12)
        self.assertEqual(dict(s.failures), {"MaxUDPRetrans": 1, "TimeoutOnRecv": 4})
        self.assertAlmostEqual(s.elapsed, 2.5, places=3)
        self.assertAlmostEqual(s.rate, 396.0, places=1)
        self.assertAlmostEqual(s.response_time_ms or 0.0, 1.5, places=3)
        self.assertEqual(s.rows, 2)

    def test_sipp_stat_csv_empty_is_zero(self) -> None:
        self.assertEqual(parse_stat_csv("").successful, 0)

    def test_sipp_argv_is_bounded(self) -> None:
        argv = sipp_argv("127.0.2.10:15060", workdir=Path("/tmp/x"), max_calls=7, timeout=3.2)
        self.assertEqual(argv[argv.index("-m") + 1], "7")
        self.assertEqual(argv[argv.index("-timeout") + 1], "3s")
        self.assertIn("-sn", argv)
        self.assertRaises(ValueError, sipp_argv, "x", workdir=Path("."), transport="sctp")

    def test_dig_output_after_tcp_retry(self) -> None:
        a = parse_output(DIG_TC_THEN_TCP)
        self.assertEqual(a.rcode, "NOERROR")
        self.assertTrue(a.aa)
        self.assertFalse(a.tc)
        self.assertTrue(a.truncated_retry)
        self.assertEqual(a.transport, "TCP")
        self.assertEqual([r.rdata for r in a.answer], ["127.0.3.1", "127.0.3.2"])
        self.assertEqual(a.counts["ANSWER"], 2)

    def test_kdig_nxdomain(self) -> None:
        a = parse_output(KDIG_NXDOMAIN)
        self.assertEqual(a.rcode, "NXDOMAIN")
        self.assertEqual(a.flags, frozenset({"qr", "aa"}))
        self.assertEqual(a.transport, "UDP")
        self.assertEqual([r.type for r in a.authority], ["SOA"])
        self.assertEqual(a.authority[0].ttl, 60)

    def test_no_answer_has_no_rcode(self) -> None:
        a = parse_output(";; communications error to 127.0.2.53#1: timed out\n")
        self.assertIsNone(a.rcode)

    def test_kamailio_config_renders_listen_and_auth_user(self) -> None:
        text = KamailioConfig(
            address="127.0.2.9", port=15099, transports=("udp",), user="bob", password="pw"
        ).render()
        self.assertIn("listen=udp:127.0.2.9:15099", text)
        self.assertNotIn("listen=tcp", text)
        self.assertIn("disable_tcp=yes", text)
        self.assertIn('$au != "bob"', text)
        self.assertEqual(re.findall(r"@[A-Z_]+@", text), [])
        self.assertRaises(ValueError, KamailioConfig(transports=("tls",)).render)

    def test_kamailio_config_any_user_checks_only_the_password(self) -> None:
        text = KamailioConfig(user="*", password="pw").render()
        self.assertNotIn("$au", text)
        self.assertIn('pv_www_authenticate("$td", "pw", "0")', text)

    def test_nsd_config_names_each_zone(self) -> None:
        self.assertEqual(zone_origin(INTEROP_ZONE), "interop.test")
        text = NsdConfig(zones=[str(INTEROP_ZONE)], port=15999).render(Path("/run/x"))
        self.assertIn('name: "interop.test"', text)
        self.assertIn('zonefile: "/run/x/interop.test.zone"', text)
        self.assertIn("port: 15999", text)
        self.assertIn("rrl-ratelimit: 0", text)

    def test_missing_tool_has_a_reason(self) -> None:
        self.patch(os, "environ", {k: v for k, v in os.environ.items() if "PEERS" not in k})
        a = available("no-such-peer-xyz")
        self.assertFalse(a)
        self.assertIn("not found", a.reason)
        self.assertTrue(available(sys.executable))

    def test_a_peer_can_be_disabled_for_a_run(self) -> None:
        self.patch(os, "environ", {**os.environ, "HARNESS_PEERS_DISABLE": "nsd,sipp"})
        a = available("sipp")
        self.assertFalse(a)
        self.assertIn("HARNESS_PEERS_DISABLE", a.reason)
        self.assertTrue(available(sys.executable))


_UDP_SERVER = (
    "import socket,sys,threading\n"
    "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.2.90',0))\n"
    "print('PORT', s.getsockname()[1], flush=True)\n"
    "threading.Event().wait(float(sys.argv[1]))  # a server that runs until stopped\n"
)


class ManagedProcessTests(SynchronousTestCase):
    def spawn(self, *args: str) -> ManagedProcess:
        proc = ManagedProcess([sys.executable, "-c", _UDP_SERVER, *args], name="udp")
        self.addCleanup(proc.cleanup)
        return proc.start()

    def test_ready_by_log_line_then_port_then_stop_by_pid(self) -> None:
        proc = self.spawn("30")
        proc.wait_ready(log_pattern=r"PORT \d+", timeout=10)
        port = int(proc.stdout().split()[1])
        proc.wait_ready(ports=[("127.0.2.90", port, "udp")], timeout=5)
        self.assertTrue(port_bound("127.0.2.90", port, "udp"))
        rc = proc.stop(timeout=2)
        self.assertEqual(rc, -15)  # SIGTERM
        self.assertFalse(proc.running())

    def test_ready_timeout_stops_the_program(self) -> None:
        proc = self.spawn("30")
        self.assertRaises(ReadyTimeout, proc.wait_ready, log_pattern="never", timeout=0.3)
        self.assertFalse(proc.running())

    def test_exit_before_ready_is_an_error_with_the_logs(self) -> None:
        proc = ManagedProcess([sys.executable, "-c", "print('boom'); raise SystemExit(3)"])
        self.addCleanup(proc.cleanup)
        proc.start()
        e = self.assertRaises(PeerError, proc.wait_ready, log_pattern="never", timeout=5)
        self.assertIn("status 3", str(e))
        self.assertIn("boom", str(e))

    def test_run_is_bounded(self) -> None:
        done = run(
            [sys.executable, "-c", "import threading; threading.Event().wait(30)"], timeout=0.3
        )
        self.assertTrue(done.timed_out)
        self.assertLess(done.elapsed, 5)

    def test_cpu_seconds_of_a_busy_child(self) -> None:
        proc = ManagedProcess(
            [
                sys.executable,
                "-c",
                "import time\nwhile time.process_time() < 0.5: pass\n"
                "print('done', flush=True)\nimport threading\nthreading.Event().wait(30)",
            ]
        )
        self.addCleanup(proc.cleanup)
        proc.start()
        proc.wait_ready(log_pattern="done", timeout=10)
        self.assertGreaterEqual(cpu_seconds([proc.pid or 0]), 0.4)  # clock ticks: 10 ms


class RunAsyncTests(TestCase):
    timeout = 10

    @inlineCallbacks
    def test_run_async_collects_output_without_blocking(self) -> Any:
        done = yield run_async(reactor, [sys.executable, "-c", "print('hi')"], timeout=5)
        self.assertEqual((done.returncode, done.stdout.strip()), (0, "hi"))

    @inlineCallbacks
    def test_run_async_kills_at_its_bound(self) -> Any:
        done = yield run_async(
            reactor,
            [sys.executable, "-c", "import threading; threading.Event().wait(30)"],
            timeout=0.3,
        )
        self.assertTrue(done.timed_out)
        self.assertNotEqual(done.returncode, 0)

    @inlineCallbacks
    def test_when_ready_polls_on_the_reactor(self) -> Any:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.2.91", 0))
            port = probe.getsockname()[1]
        proc = ManagedProcess(
            [
                sys.executable,
                "-c",
                f"import socket,threading\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                f"w=threading.Event().wait\nw(0.2)\ns.bind(('127.0.2.91',{port}))\nw(30)",
            ]
        )
        self.addCleanup(proc.cleanup)
        proc.start()
        took = yield proc.when_ready(reactor, ports=[("127.0.2.91", port, "udp")], timeout=5)
        self.assertGreater(took, 0.1)
        proc.stop()
        rc = yield proc.when_exited(reactor, timeout=5)
        self.assertEqual(rc, -15)
