"""
Wire benchmarks against real peers: figures for DESIGN.md's table, never
timed tests.

 - L{bench_registrar_vs_kamailio}: SIPp REGISTER load, in rate steps, against
   our fake server (in its own process on the real reactor,
   L{harness.bench.serve_registrar}) and against Kamailio, in the same run,
   over UDP and TCP.  Target: ours >= 0.5x Kamailio over UDP.
 - L{bench_dns_vs_nsd}: dnsperf (or, without it, a small asyncio load
   generator) against our DNS server (L{harness.bench.serve_dns}) and NSD,
   serving the same master file.
 - L{bench_wire_fidelity}: our client transaction's retransmission timing on
   the real reactor, measured at a silent UDP receiver in another process
   against the ideal T1, 2T1, 4T1 ... schedule.  Target: <= 20 ms.

Why processes: the load generator, the server under test and the measuring
receiver must not share a reactor (or a GIL) with each other, and CPU per
request is read per process from C{/proc/PID/stat} (utime + stime).

Every function is bounded in time (each SIPp step by C{-m}, C{-timeout} and a
kill; each server by C{--duration} and a stop by PID) and returns a dict of
plain figures.  C{quick=True} variants take well under 20 s each.

Run: C{python -m harness.bench.wire [--quick] [--json FILE]}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.peers.kamailio import Kamailio, KamailioConfig
from harness.peers.nsd import Nsd, NsdConfig
from harness.peers.process import (
    ManagedProcess,
    PeerError,
    available,
    cpu_seconds,
    run,
)
from harness.peers.sipp import free_port, register_scenario, run_sipp, write_users

__all__ = [
    "bench_dns_vs_nsd",
    "bench_registrar_vs_kamailio",
    "bench_wire_all",
    "bench_wire_fidelity",
    "headline",
    "main",
    "run_all",
]

ROOT = Path(__file__).resolve().parents[2]
ZONE = ROOT / "fixtures" / "peers" / "interop.test.zone"

OUR_SIP = "127.0.2.110"
KAMAILIO = "127.0.2.160"
SIPP = "127.0.2.101"
OUR_DNS = "127.0.2.153"
NSD = "127.0.2.154"
DNS_CLIENT = "127.0.2.102"
SILENT = "127.0.2.180"
RTX_CLIENT = "127.0.2.103"

#: queries of the DNS load: the locator's NAPTR -> SRV -> A chain, and a miss
DNS_QUERIES = [
    ("interop.test", "NAPTR"),
    ("_sip._udp.interop.test", "SRV"),
    ("_sip._tcp.interop.test", "SRV"),
    ("primary.interop.test", "A"),
    ("secondary.interop.test", "A"),
    ("nowhere.interop.test", "A"),
]


def _python_entry(module: str, args: Sequence[str], name: str, workdir: Path) -> ManagedProcess:
    env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return ManagedProcess(
        [sys.executable, "-m", module, *args], env=env, cwd=ROOT, name=name, workdir=workdir
    )


def _wait_line(proc: ManagedProcess, prefix: str, timeout: float) -> str:
    proc.wait_ready(log_pattern=rf"(?m)^{prefix}\b", timeout=timeout)
    for line in proc.stdout().splitlines():
        if line.startswith(prefix):
            return line
    return ""


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# --- SIP: our registrar vs Kamailio -----------------------------------------------------


def _sipp_step(
    target: str,
    transport: str,
    rate: float,
    duration: float,
    users: Path,
    digest: bool,
    pids: Sequence[int],
    workdir: Path,
    limit: int | None = None,
) -> dict[str, Any]:
    calls = max(1, int(rate * duration))
    before = cpu_seconds(pids)
    sipp_before = _children_cpu()
    result = run_sipp(
        target,
        scenario=register_scenario(digest),
        transport=transport,
        users=users,
        local_ip=SIPP,
        local_port=free_port(SIPP, (transport,)),
        rate=rate,
        max_calls=calls,
        # closed loop: SIPp's own global timeout ends the step (calls still in
        # flight then count neither way); rate steps end with their last call
        timeout=duration if limit is not None else duration + 4.0,
        limit=limit,
        recv_timeout_ms=2000,
        trace_errors=False,
        workdir=workdir,
    )
    server_cpu = cpu_seconds(pids) - before
    s = result.stats
    requests = s.successful * (2 if digest else 1)
    return {
        "offered_rate": rate if limit is None else None,
        "in_flight_limit": limit,
        "calls": calls,
        "ok": s.successful,
        "failed": s.failed,
        "failures": dict(s.failures),
        "retransmissions": s.retransmissions,
        "elapsed_s": round(s.elapsed, 3),
        "achieved_per_s": round(s.rate, 1),
        "server_cpu_s": round(server_cpu, 3),
        "server_cpu_us_per_register": (round(server_cpu / requests * 1e6, 1) if requests else None),
        "sipp_cpu_s": round(_children_cpu() - sipp_before, 3),
        "sipp_exit": result.returncode,
        "timed_out": result.timed_out,
    }


def _clean(step: dict[str, Any]) -> bool:
    return bool(step["ok"]) and step["failed"] <= 0.001 * step["calls"]


def _summary(steps: list[dict[str, Any]]) -> dict[str, Any]:
    clean = [s["achieved_per_s"] for s in steps if _clean(s)]
    cpus = [s["server_cpu_us_per_register"] for s in steps if s["server_cpu_us_per_register"]]
    return {
        "steps": steps,
        "peak_per_s": max((s["achieved_per_s"] for s in steps), default=0.0),
        "best_clean_per_s": max(clean, default=0.0),
        "cpu_us_per_register_min": min(cpus, default=None),
    }


def bench_registrar_vs_kamailio(
    duration_per_step: float = 5.0,
    rates: Sequence[float] = (2000, 5000, 10000, 20000),
    transports: Sequence[str] = ("udp", "tcp"),
    *,
    digest: bool = False,
    users: int = 1000,
    closed_loop: int | None = 200,
    stop_after_failures: bool = True,
    gc_mode: str = "tuned",
    quick: bool = False,
) -> dict[str, Any]:
    """
    SIPp REGISTER load at each rate of C{rates} (each step about
    C{duration_per_step} seconds) against our server and Kamailio, per
    transport; then, if C{closed_loop}, one step with at most that many
    registrations in flight and no rate cap (each server's capacity).

    Figures per step: achieved REGISTER/s (successful / SIPp's elapsed time),
    failures, retransmissions, the server's CPU per REGISTER, SIPp's CPU.
    Per transport: the peak and the best clean (<= 0.1 % failures) rate of
    each, and the ratios ours/Kamailio.  After a step a server fails badly
    (> 10 % failures), its higher rate steps are skipped
    (C{stop_after_failures}).  C{gc_mode}: our server's C{--gc} (see
    L{harness.bench.serve_registrar}).
    """
    if quick:
        # capacity only: a rate step both servers keep up with says nothing
        duration_per_step, rates, closed_loop = 1.0, (), closed_loop or 200
    for tool in ("sipp", "kamailio"):
        avail = available(tool)
        if not avail:
            return {"skipped": avail.reason}
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-reg-"))
    users_csv = write_users(work / "users.csv", users)
    cred_args = ["--auth-users", str(users)] if digest else []
    report: dict[str, Any] = {
        "digest": digest,
        "gc_mode": gc_mode,
        "users": users,
        "duration_per_step_s": duration_per_step,
        "cpus": os.cpu_count(),
    }
    for transport in transports:
        port = free_port(OUR_SIP, ("udp", "tcp"))
        kport = free_port(KAMAILIO, ("udp", "tcp"))
        ours = _python_entry(
            "harness.bench.serve_registrar",
            [
                "--address", OUR_SIP, "--port", str(port), "--transport", transport,
                "--duration", "600", "--gc", gc_mode, *cred_args,
            ],
            f"ours-{transport}",
            work / f"ours-{transport}",
        )  # fmt: skip
        kam = Kamailio(
            KamailioConfig(
                address=KAMAILIO,
                port=kport,
                transports=(transport,),
                auth=digest,
                user="*",
                password="secret",
            ),
            workdir=str(work / f"kamailio-{transport}"),
        )
        try:
            ours.start()
            _wait_line(ours, "READY", 20.0)
            kam.start()
            kam.wait_ready(10.0)
            our_pids = [p for p in [ours.pid] if p is not None]
            kam_pids = kam.worker_pids()
            results: dict[str, list[dict[str, Any]]] = {"ours": [], "kamailio": []}
            dead = {"ours": False, "kamailio": False}
            plan: list[tuple[float, int | None]] = [(r, None) for r in rates]
            if closed_loop:
                plan.append((50000.0, closed_loop))
            for i, (rate, limit) in enumerate(plan):
                for who, target, pids in (
                    ("ours", f"{OUR_SIP}:{port}", our_pids),
                    ("kamailio", f"{KAMAILIO}:{kport}", kam_pids),
                ):
                    if dead[who] and limit is None:
                        continue
                    step = _sipp_step(
                        target,
                        transport,
                        rate,
                        duration_per_step,
                        users_csv,
                        digest,
                        pids,
                        work / f"sipp-{transport}-{who}-{i}",
                        limit=limit,
                    )
                    if limit is not None:
                        # closed loop: the step is bounded by time, not by calls
                        step["offered_rate"] = "max"
                    results[who].append(step)
                    if stop_after_failures and step["failed"] > 0.1 * step["calls"]:
                        dead[who] = True
            ours_sum, kam_sum = _summary(results["ours"]), _summary(results["kamailio"])
            report[transport] = {
                "ours": ours_sum,
                "kamailio": kam_sum,
                "ratio_peak": _ratio(ours_sum["peak_per_s"], kam_sum["peak_per_s"]),
                "ratio_best_clean": _ratio(
                    ours_sum["best_clean_per_s"], kam_sum["best_clean_per_s"]
                ),
                "ratio_cpu_per_register": _ratio(
                    kam_sum["cpu_us_per_register_min"], ours_sum["cpu_us_per_register_min"]
                ),
            }
        except PeerError as e:
            report[transport] = {"error": str(e)[:2000]}
        finally:
            ours.stop()
            kam.cleanup()
            tail = [ln for ln in ours.stdout().splitlines() if ln.startswith("CPU")]
            if transport in report and tail:
                report[transport]["ours_process"] = tail[-1]
    report["load_average_1m"] = round(os.getloadavg()[0], 2)
    shutil.rmtree(work, ignore_errors=True)
    report["wall_s"] = round(time.monotonic() - started, 2)
    return report


def _ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return round(a / b, 3)


# --- DNS: our server vs NSD -------------------------------------------------------------


_DNSPERF_FIELDS = {
    "sent": r"Queries sent:\s+(\d+)",
    "completed": r"Queries completed:\s+(\d+)",
    "lost": r"Queries lost:\s+(\d+)",
    "qps": r"Queries per second:\s+([\d.]+)",
    "avg_latency_s": r"Average Latency \(s\):\s+([\d.]+)",
}


def _parse_dnsperf(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, pattern in _DNSPERF_FIELDS.items():
        m = re.search(pattern, text)
        if m:
            out[key] = float(m.group(1))
    return out


def _dnsperf(
    server: tuple[str, int], duration: float, outstanding: int, qfile: Path
) -> dict[str, Any]:
    argv = [
        "dnsperf", "-s", server[0], "-p", str(server[1]), "-a", DNS_CLIENT,
        "-d", str(qfile), "-l", f"{duration:g}", "-q", str(outstanding),
        "-c", "4", "-T", "1", "-t", "2",
    ]  # fmt: skip
    done = run(argv, timeout=duration + 15.0)
    figures: dict[str, Any] = dict(_parse_dnsperf(done.stdout))
    figures["tool"] = "dnsperf"
    if "qps" not in figures:
        figures["error"] = (done.stdout + done.stderr)[-1500:]
    return figures


def _dns_query(qid: int, name: str, rtype: str) -> bytes:
    codes = {"A": 1, "NS": 2, "SOA": 6, "AAAA": 28, "SRV": 33, "NAPTR": 35}
    header = qid.to_bytes(2, "big") + b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    qname = b"".join(len(p).to_bytes(1, "big") + p.encode() for p in name.split(".")) + b"\0"
    return header + qname + codes[rtype].to_bytes(2, "big") + b"\x00\x01"


async def _async_load(server: tuple[str, int], duration: float, outstanding: int) -> dict[str, Any]:
    """A closed-loop UDP load: C{outstanding} queries in flight, a new one per answer."""
    loop = asyncio.get_running_loop()
    queries = [_dns_query(0, n, t)[2:] for n, t in DNS_QUERIES]
    state = {"sent": 0, "completed": 0}
    inflight: dict[int, float] = {}
    rng = random.Random(0)
    done = loop.create_future()

    class Proto(asyncio.DatagramProtocol):
        transport: Any = None

        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def send_one(self) -> None:
            qid = rng.randrange(65536)
            while qid in inflight:
                qid = rng.randrange(65536)
            inflight[qid] = loop.time()
            self.transport.sendto(qid.to_bytes(2, "big") + queries[state["sent"] % len(queries)])
            state["sent"] += 1

        def datagram_received(self, data: bytes, addr: Any) -> None:
            qid = int.from_bytes(data[:2], "big")
            if inflight.pop(qid, None) is not None:
                state["completed"] += 1
            if not done.done():
                self.send_one()

    transport, proto = await loop.create_datagram_endpoint(
        Proto, local_addr=(DNS_CLIENT, 0), remote_addr=server
    )
    start = loop.time()

    def refill() -> None:
        # lost queries: forget those older than 1 s and send replacements
        now = loop.time()
        for qid, t in list(inflight.items()):
            if now - t > 1.0:
                del inflight[qid]
        while len(inflight) < outstanding and not done.done():
            proto.send_one()
        if not done.done():
            loop.call_later(0.2, refill)

    refill()
    loop.call_later(duration, done.set_result, None)
    await done
    elapsed = loop.time() - start
    transport.close()
    return {
        "tool": "asyncio-load",
        "sent": state["sent"],
        "completed": state["completed"],
        "lost": state["sent"] - state["completed"] - len(inflight),
        "qps": state["completed"] / elapsed,
    }


def bench_dns_vs_nsd(
    duration: float = 5.0,
    *,
    outstanding: int = 100,
    nsd_servers: int = 1,
    quick: bool = False,
) -> dict[str, Any]:
    """
    The same query mix (L{DNS_QUERIES}) for C{duration} seconds against our
    DNS server and NSD (C{nsd_servers} answering processes), each serving
    C{fixtures/peers/interop.test.zone}: queries/s, lost, CPU per query of
    each server, and the ratio ours/NSD.
    """
    if quick:
        duration = 1.0
    if not available("nsd"):
        return {"skipped": available("nsd").reason}
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-dns-"))
    use_dnsperf = bool(available("dnsperf"))
    qfile = work / "queries.txt"
    qfile.write_text("".join(f"{n} {t}\n" for n, t in DNS_QUERIES), encoding="ascii")
    port = free_port(OUR_DNS)
    nport = free_port(NSD)
    ours = _python_entry(
        "harness.bench.serve_dns",
        ["--zone", str(ZONE), "--address", OUR_DNS, "--port", str(port), "--duration", "300"],
        "ours-dns",
        work / "ours",
    )
    nsd = Nsd(
        NsdConfig(zones=[str(ZONE)], address=NSD, port=nport, servers=nsd_servers),
        workdir=str(work / "nsd"),
    )
    report: dict[str, Any] = {
        "duration_s": duration,
        "outstanding": outstanding,
        "queries": [f"{n} {t}" for n, t in DNS_QUERIES],
    }
    try:
        ours.start()
        _wait_line(ours, "READY", 20.0)
        nsd.start()
        nsd.wait_ready(10.0)
        for who, server, pids in (
            ("ours", (OUR_DNS, port), [ours.pid or 0]),
            ("nsd", (NSD, nport), nsd.worker_pids()),
        ):
            before = cpu_seconds(pids)
            if use_dnsperf:
                figures = _dnsperf(server, duration, outstanding, qfile)
            else:
                figures = asyncio.run(_async_load(server, duration, outstanding))
            cpu = cpu_seconds(pids) - before
            completed = figures.get("completed") or 0
            figures["server_cpu_s"] = round(cpu, 3)
            figures["server_cpu_us_per_query"] = (
                round(cpu / completed * 1e6, 1) if completed else None
            )
            report[who] = figures
        report["ratio_qps"] = _ratio(report["ours"].get("qps"), report["nsd"].get("qps"))
        report["ratio_cpu_per_query"] = _ratio(
            report["nsd"].get("server_cpu_us_per_query"),
            report["ours"].get("server_cpu_us_per_query"),
        )
    except PeerError as e:
        report["error"] = str(e)[:2000]
    finally:
        ours.stop()
        nsd.cleanup()
    report["load_average_1m"] = round(os.getloadavg()[0], 2)
    shutil.rmtree(work, ignore_errors=True)
    report["wall_s"] = round(time.monotonic() - started, 2)
    return report


# --- retransmission timing on the wire --------------------------------------------------


_CALL_ID = re.compile(rb"\r\nCall-ID:\s*(\S+)", re.IGNORECASE)


def _receive_until(
    sock: socket.socket, proc: ManagedProcess, bound: float
) -> list[tuple[float, bytes]]:
    arrivals: list[tuple[float, bytes]] = []
    deadline = time.monotonic() + bound
    sock.settimeout(0.05)
    grace_until: float | None = None
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65535)
        except TimeoutError:
            if proc.poll() is not None:
                grace_until = grace_until or time.monotonic() + 0.2
                if time.monotonic() >= grace_until:
                    break
            continue
        now = time.monotonic()
        m = _CALL_ID.search(data)
        arrivals.append((now, m.group(1) if m else b"?"))
    return arrivals


def _schedule_errors(
    arrivals: list[tuple[float, bytes]], ideal: Sequence[float]
) -> tuple[list[float], int, int]:
    by_call: dict[bytes, list[float]] = {}
    for t, cid in arrivals:
        by_call.setdefault(cid, []).append(t)
    errors: list[float] = []
    missing = extra = 0
    for times in by_call.values():
        offsets = [t - times[0] for t in times]
        missing += max(0, len(ideal) - len(offsets))
        extra += max(0, len(offsets) - len(ideal))
        errors += [abs(a - b) for a, b in zip(offsets, ideal, strict=False)][1:]
    return errors, missing, extra


def bench_wire_fidelity(
    schedules: Sequence[tuple[float, int]] = ((0.5, 3), (0.1, 4)),
    *,
    transactions: int = 8,
    quick: bool = False,
) -> dict[str, Any]:
    """
    For each (T1, retry_counts) in C{schedules}: our client
    (L{harness.bench.rtx_client}, real reactor, its own process) sends
    C{transactions} REGISTERs, staggered, to a UDP socket here that never
    answers; each retransmission's arrival offset from its transaction's
    first arrival is compared with the ideal (T1, 3T1, 7T1, ... with T2 = 4).
    Reports the max / p95 / mean error in ms, and missing or extra sends.
    """
    if quick:
        transactions, schedules = 5, ((0.5, 2), (0.1, 4))
    from harness.sip.transaction import RetryPolicy

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-rtx-"))
    report: dict[str, Any] = {"target_ms": 20.0, "transactions": transactions}
    worst = 0.0
    for t1, counts in schedules:
        policy = RetryPolicy(t1=t1, t2=4.0, retry_counts=counts, give_up="last-interval")
        ideal = (0.0, *policy.retransmit_offsets(False))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((SILENT, 0))
            port = sock.getsockname()[1]
            client = _python_entry(
                "harness.bench.rtx_client",
                [
                    "--target", f"{SILENT}:{port}", "--local", RTX_CLIENT,
                    "--t1", str(t1), "--retry-counts", str(counts),
                    "--transactions", str(transactions), "--start-delay", "0.5",
                ],
                f"rtx-{t1}",
                work / f"rtx-{t1}",
            )  # fmt: skip
            with contextlib.closing(_Stopper(client)):
                client.start()
                bound = 0.5 + transactions * 0.04 + ideal[-1] + 10.0
                arrivals = _receive_until(sock, client, bound)
        errors, missing, extra = _schedule_errors(arrivals, ideal)
        ms = sorted(e * 1000 for e in errors)
        key = f"t1={t1:g},retry_counts={counts}"
        report[key] = {
            "ideal_offsets_s": [round(x, 3) for x in ideal],
            "datagrams": len(arrivals),
            "samples": len(ms),
            "max_error_ms": round(ms[-1], 2) if ms else None,
            "p95_error_ms": round(ms[int(0.95 * (len(ms) - 1))], 2) if ms else None,
            "mean_error_ms": round(statistics.fmean(ms), 2) if ms else None,
            "missing": missing,
            "extra": extra,
        }
        if ms:
            worst = max(worst, ms[-1])
    report["worst_error_ms"] = round(worst, 2)
    report["load_average_1m"] = round(os.getloadavg()[0], 2)
    report["meets_target"] = worst <= 20.0
    shutil.rmtree(work, ignore_errors=True)
    report["wall_s"] = round(time.monotonic() - started, 2)
    return report


class _Stopper:
    def __init__(self, proc: ManagedProcess) -> None:
        self.proc = proc

    def close(self) -> None:
        self.proc.cleanup()


# --- all --------------------------------------------------------------------------------


@contextlib.contextmanager
def _timed(report: dict[str, Any], key: str) -> Iterator[None]:
    t = time.monotonic()
    try:
        yield
    except Exception as e:  # a figure missing is reported, not fatal
        report[key] = {"error": f"{type(e).__name__}: {e}"}
    report.setdefault("_timing_s", {})[key] = round(time.monotonic() - t, 2)


def bench_wire_all(quick: bool = False) -> dict[str, Any]:
    """Every wire benchmark; C{quick}: each in its short form."""
    report: dict[str, Any] = {}
    with _timed(report, "wire_fidelity"):
        report["wire_fidelity"] = bench_wire_fidelity(quick=quick)
    with _timed(report, "registrar_vs_kamailio"):
        report["registrar_vs_kamailio"] = bench_registrar_vs_kamailio(quick=quick)
    with _timed(report, "dns_vs_nsd"):
        report["dns_vs_nsd"] = bench_dns_vs_nsd(quick=quick)
    return report


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """
    The flat figures of a L{bench_wire_all} report (the C{sip-harness bench}
    table): numbers only, plus C{_detail} holding the whole report.
    """
    out: dict[str, Any] = {}
    fid = report.get("wire_fidelity", {})
    if "worst_error_ms" in fid:
        out["wire_rtx_timing_error_max_ms"] = fid["worst_error_ms"]
        p95 = [
            v["p95_error_ms"] for v in fid.values() if isinstance(v, dict) and "p95_error_ms" in v
        ]
        out["wire_rtx_timing_error_p95_ms"] = max(p95, default=None)
    reg = report.get("registrar_vs_kamailio", {})
    for transport in ("udp", "tcp"):
        r = reg.get(transport)
        if not isinstance(r, dict) or "ours" not in r:
            continue
        out[f"wire_register_{transport}_ours_per_s"] = r["ours"]["peak_per_s"]
        out[f"wire_register_{transport}_kamailio_per_s"] = r["kamailio"]["peak_per_s"]
        out[f"wire_register_{transport}_ratio_vs_kamailio"] = r["ratio_peak"]
        out[f"wire_register_{transport}_ours_cpu_us"] = r["ours"]["cpu_us_per_register_min"]
        out[f"wire_register_{transport}_kamailio_cpu_us"] = r["kamailio"]["cpu_us_per_register_min"]
    dns = report.get("dns_vs_nsd", {})
    if isinstance(dns.get("ours"), dict) and isinstance(dns.get("nsd"), dict):
        out["wire_dns_ours_qps"] = dns["ours"].get("qps")
        out["wire_dns_nsd_qps"] = dns["nsd"].get("qps")
        out["wire_dns_ratio_vs_nsd"] = dns.get("ratio_qps")
    for key in ("registrar_vs_kamailio", "dns_vs_nsd", "wire_fidelity"):
        section = report.get(key, {})
        if isinstance(section, dict):
            for what in ("skipped", "error"):
                if what in section:
                    out[f"wire_{key}_{what}"] = str(section[what])[:200]
    out["_detail"] = report
    return out


def run_all(quick: bool = False) -> dict[str, Any]:
    """L{bench_wire_all} as flat figures (L{headline}), for C{sip-harness bench}."""
    return headline(bench_wire_all(quick=quick))


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m harness.bench.wire")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", choices=("fidelity", "registrar", "dns"))
    p.add_argument("--digest", action="store_true", help="registrar bench with digest auth")
    p.add_argument(
        "--gc",
        choices=("tuned", "python"),
        default="tuned",
        help="our registrar process's garbage collector setting (its --gc)",
    )
    p.add_argument("--transport", action="append", choices=("udp", "tcp"))
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    if args.only == "fidelity":
        report: dict[str, Any] = {"wire_fidelity": bench_wire_fidelity(quick=args.quick)}
    elif args.only == "registrar":
        report = {
            "registrar_vs_kamailio": bench_registrar_vs_kamailio(
                quick=args.quick,
                digest=args.digest,
                gc_mode=args.gc,
                transports=args.transport or ("udp", "tcp"),
            )
        }
    elif args.only == "dns":
        report = {"dns_vs_nsd": bench_dns_vs_nsd(quick=args.quick)}
    else:
        report = bench_wire_all(quick=args.quick)
    text = json.dumps(report, indent=2, default=str)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
