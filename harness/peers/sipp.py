"""
SIPp as a load generator and scripted peer: REGISTER clients (plain and
digest, users from an C{-inf} CSV), the built-in C{uac}/C{uas} scenarios, and
our own XML (C{fixtures/peers/*.xml}).

Why through C{-trace_stat}: SIPp's statistics CSV is the one machine-readable
summary it writes (successful and failed calls, retransmissions, rates), one
row per C{-fd} period and a final row at the end; a run killed at its bound
still leaves the last periodic row.  The exit status alone (0 all calls
succeeded, 1 some failed, 97/99 other ends, 255/254 fatal) says too little.

Every run is bounded twice: SIPp's own C{-m} (calls) and C{-timeout}
(seconds), and a hard kill by PID a little later.  Facts (peers/NOTES.md):
SIPp is single-threaded and saturates near 20,000 messages/s on this kind of
machine, so rates above that measure SIPp, not the server.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import socket
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from harness.peers.process import (
    Availability,
    CompletedRun,
    ManagedProcess,
    available,
    run,
    run_async,
)

__all__ = [
    "FIXTURES",
    "SippResult",
    "SippStats",
    "free_port",
    "parse_stat_csv",
    "read_result",
    "register_scenario",
    "run_sipp",
    "run_sipp_async",
    "sipp_argv",
    "sipp_available",
    "start_sipp",
    "write_users",
]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "peers"

#: Exit statuses SIPp documents.
EXIT_MEANING = {
    0: "all calls succeeded",
    1: "at least one call failed",
    97: "exit on internal command",
    99: "normal exit without calls processed",
    255: "fatal error",
    254: "fatal error binding a socket",
}


def sipp_available() -> Availability:
    return available("sipp")


def register_scenario(digest: bool = False) -> Path:
    """Our REGISTER scenario (C{register.xml} or C{register-digest.xml})."""
    return FIXTURES / ("register-digest.xml" if digest else "register.xml")


def free_port(address: str, transports: Iterable[str] = ("udp", "tcp")) -> int:
    """
    A port free on C{address} for every transport in C{transports} at the
    time of asking (bound to 0 over UDP, then checked over TCP).
    """
    wanted = set(transports)
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((address, 0))
            port = int(u.getsockname()[1])
            if "tcp" not in wanted:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind((address, port))
                except OSError:
                    continue
                return port
    raise OSError(f"no free port on {address}")


def write_users(
    path: str | os.PathLike[str],
    users: Iterable[tuple[str, str]] | int,
    domain: str = "example.test",
    order: str = "SEQUENTIAL",
) -> Path:
    """
    Write an C{-inf} CSV: C{user;password;domain;[authentication ...]} per
    line.  C{users} is a list of (user, password), or a count (C{u00000},
    ... with password C{secret}).
    """
    if isinstance(users, int):
        users = [(f"u{i:05d}", "secret") for i in range(users)]
    lines = [order]
    for user, password in users:
        lines.append(
            f"{user};{password};{domain};[authentication username={user} password={password}]"
        )
    p = Path(path)
    p.write_text("\n".join(lines) + "\n", encoding="ascii")
    return p


# --- statistics -----------------------------------------------------------------------


@dataclass(frozen=True)
class SippStats:
    """
    The cumulative figures of one SIPp run (the last row of C{-trace_stat}).

    @ivar elapsed: seconds from SIPp's start to its last statistics row.
    @ivar rate: successful calls per second over C{elapsed}.
    @ivar failures: the non-zero C{Failed*(C)} counters by name.
    @ivar response_time_ms: mean response time 1 (C{rtd="true"}), if any.
    """

    created: int = 0
    successful: int = 0
    failed: int = 0
    retransmissions: int = 0
    elapsed: float = 0.0
    target_rate: float = 0.0
    rate: float = 0.0
    call_rate: float = 0.0
    dead_calls: int = 0
    out_of_call: int = 0
    failures: Mapping[str, int] = field(default_factory=dict)
    response_time_ms: float | None = None
    rows: int = 0


def _epoch(value: str) -> float:
    # "2026-11-25\t14:18:53.332356\t1795616333.332356"
    return float(value.split("\t")[-1])


def _duration(value: str) -> float:
    # "HH:MM:SS:micro" or "HH:MM:SS"
    parts = value.split(":")
    h, m, s = (int(x) for x in parts[:3])
    frac = float("0." + parts[3]) if len(parts) > 3 and parts[3] else 0.0
    return h * 3600 + m * 60 + s + frac


def parse_stat_csv(text: str) -> SippStats:
    """
    Read SIPp's C{-trace_stat} CSV (C{;}-separated, a header row then one row
    per period); the last row holds the cumulative C{(C)} columns.
    """
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=";") if r and r[0]]
    if len(rows) < 2:
        return SippStats()
    header, last = rows[0], rows[-1]
    col = {name: i for i, name in enumerate(header)}

    def get(name: str, default: str = "0") -> str:
        i = col.get(name)
        return last[i] if i is not None and i < len(last) else default

    def num(name: str) -> int:
        try:
            return int(float(get(name)))
        except ValueError:
            return 0

    try:
        elapsed = _epoch(get("CurrentTime")) - _epoch(get("StartTime"))
    except (ValueError, IndexError):
        elapsed = _duration(get("ElapsedTime(C)", "00:00:00"))
    failures = {
        name[len("Failed") : -3]: num(name)
        for name in header
        if name.startswith("Failed") and name.endswith("(C)") and name != "FailedCall(C)"
    }
    rtt: float | None = None
    with contextlib.suppress(ValueError, IndexError):
        if "ResponseTime1(C)" in col:
            rtt = _duration(get("ResponseTime1(C)", "")) * 1000.0
    successful = num("SuccessfulCall(C)")
    try:
        call_rate = float(get("CallRate(C)"))
    except ValueError:
        call_rate = 0.0
    try:
        target = float(get("TargetRate"))
    except ValueError:
        target = 0.0
    return SippStats(
        created=num("TotalCallCreated"),
        successful=successful,
        failed=num("FailedCall(C)"),
        retransmissions=num("Retransmissions(C)"),
        elapsed=elapsed,
        target_rate=target,
        rate=successful / elapsed if elapsed > 0 else 0.0,
        call_rate=call_rate,
        dead_calls=num("DeadCallMsgs(C)"),
        out_of_call=num("OutOfCallMsgs(C)"),
        failures={k: v for k, v in failures.items() if v},
        response_time_ms=rtt,
        rows=len(rows) - 1,
    )


@dataclass(frozen=True)
class SippResult:
    """One SIPp run: its statistics, exit status and the error log's head."""

    stats: SippStats
    returncode: int
    timed_out: bool
    wall: float
    argv: tuple[str, ...]
    errors: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        """Every created call succeeded and none failed."""
        s = self.stats
        return self.returncode == 0 and s.failed == 0 and s.successful > 0

    def describe(self) -> str:
        s = self.stats
        meaning = EXIT_MEANING.get(self.returncode, "")
        return (
            f"sipp exit {self.returncode} ({meaning}){' TIMED OUT' if self.timed_out else ''}: "
            f"created {s.created}, ok {s.successful}, failed {s.failed} {dict(s.failures)}, "
            f"retransmissions {s.retransmissions}, {s.rate:.0f}/s over {s.elapsed:.2f} s"
            + (f"\nerrors:\n{self.errors[:1500]}" if self.errors else "")
            + (f"\nstderr:\n{self.stderr[-800:]}" if self.stderr.strip() else "")
        )


# --- running --------------------------------------------------------------------------


def sipp_argv(
    target: str,
    *,
    workdir: Path,
    scenario: str | os.PathLike[str] = "uac",
    transport: str = "udp",
    local_ip: str = "127.0.0.1",
    local_port: int = 0,
    rate: float = 10.0,
    max_calls: int = 1,
    timeout: float = 10.0,
    users: str | os.PathLike[str] | None = None,
    service: str | None = None,
    limit: int | None = None,
    recv_timeout_ms: int | None = None,
    trace_errors: bool = True,
    trace_messages: bool = False,
    variables: Mapping[str, str] | None = None,
    pause_ms: int | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """
    The command line for one bounded run.  C{scenario}: a built-in name
    (C{uac}, C{uas}, ...) or the path of an XML file.  C{target} may be ""
    for a UAS.  C{transport}: C{udp} (C{-t u1}) or C{tcp} (C{-t t1}, one
    connection for every call).  C{pause_ms}: the duration of a bare
    C{<pause/>} (C{-d}), e.g. how long C{uas-slow-register.xml} holds a request.
    """
    tmode = {"udp": "u1", "tcp": "t1"}.get(transport)
    if tmode is None:
        raise ValueError(f"transport must be udp or tcp, not {transport!r}")
    sc = os.fspath(scenario)
    if sc.endswith(".xml"):
        sc = os.path.abspath(sc)
    argv = ["sipp"]
    if target:
        argv.append(target)
    argv += ["-sf", sc] if sc.endswith(".xml") else ["-sn", sc]
    argv += [
        "-t", tmode,
        "-i", local_ip,
        "-p", str(local_port),
        "-r", f"{rate:g}",
        "-rp", "1000",
        "-m", str(max_calls),
        "-timeout", f"{max(1, round(timeout))}s",
        "-timeout_error",
        "-nostdin",
        "-trace_stat", "-stf", str(workdir / "stat.csv"), "-fd", "1",
        "-trace_screen", "-screen_file", str(workdir / "screen.txt"),
        "-max_non_invite_retrans", "3",
    ]  # fmt: skip
    if trace_errors:
        argv += ["-trace_err", "-error_file", str(workdir / "errors.log")]
    if trace_messages:
        argv += ["-trace_msg", "-message_file", str(workdir / "messages.log")]
    if users is not None:
        argv += ["-inf", os.path.abspath(users)]  # SIPp runs in the workdir
    if service is not None:
        argv += ["-s", service]
    if limit is not None:
        argv += ["-l", str(limit)]
    if recv_timeout_ms is not None:
        argv += ["-recv_timeout", str(recv_timeout_ms)]
    if pause_ms is not None:
        argv += ["-d", str(pause_ms)]
    for name, value in (variables or {}).items():
        argv += ["-set", name, value]
    argv += list(extra)
    return argv


def _result(workdir: Path, done: CompletedRun) -> SippResult:
    stat = workdir / "stat.csv"
    errors = workdir / "errors.log"
    stats = parse_stat_csv(stat.read_text(errors="replace")) if stat.exists() else SippStats()
    err_text = ""
    if errors.exists():
        with open(errors, encoding="utf-8", errors="replace") as f:
            err_text = f.read(4000)
    return SippResult(
        stats=stats,
        returncode=done.returncode,
        timed_out=done.timed_out,
        wall=done.elapsed,
        argv=done.argv,
        errors=err_text,
        stderr=done.stderr,
    )


def run_sipp(
    target: str, *, timeout: float = 10.0, workdir: str | os.PathLike[str] | None = None, **kw: Any
) -> SippResult:
    """
    Run SIPp to completion (blocking; see L{sipp_argv} for the options),
    killed 5 s after its own C{-timeout}.
    """
    wd = Path(workdir or tempfile.mkdtemp(prefix="sipp-")).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    argv = sipp_argv(target, workdir=wd, timeout=timeout, **kw)
    done = run(argv, timeout=timeout + 5.0, cwd=wd)
    return _result(wd, done)


def run_sipp_async(
    reactor: Any,
    target: str,
    *,
    timeout: float = 10.0,
    workdir: str | os.PathLike[str] | None = None,
    **kw: Any,
) -> Deferred[SippResult]:
    """L{run_sipp} on a running reactor (our servers in the same process answer)."""
    wd = Path(workdir or tempfile.mkdtemp(prefix="sipp-")).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    argv = sipp_argv(target, workdir=wd, timeout=timeout, **kw)
    d = run_async(reactor, argv, timeout=timeout + 5.0, cwd=str(wd))
    return d.addCallback(lambda done: _result(wd, done))


def start_sipp(
    target: str = "",
    *,
    timeout: float = 30.0,
    workdir: str | os.PathLike[str] | None = None,
    **kw: Any,
) -> ManagedProcess:
    """
    Start SIPp in the background (a UAS, typically): the caller waits for
    its port (C{process.when_ready(reactor, ports=[(ip, port, "udp")])}),
    and stops it; its stats are read with L{read_result}.
    """
    proc = ManagedProcess(["sipp"], name="sipp", workdir=workdir)
    argv = sipp_argv(target, workdir=proc.workdir, timeout=timeout, **kw)
    proc.argv = [proc.argv[0], *argv[1:]]
    proc.cwd = proc.workdir
    return proc.start()


def read_result(proc: ManagedProcess) -> SippResult:
    """The statistics of a SIPp started with L{start_sipp} (after it ended)."""
    done = CompletedRun(
        tuple(proc.argv),
        proc.returncode if proc.returncode is not None else -1,
        proc.stdout(),
        proc.stderr(),
        0.0,
    )
    return _result(proc.workdir, done)
