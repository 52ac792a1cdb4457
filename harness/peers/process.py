"""
A small, bounded runner for the real peers (Kamailio, NSD, SIPp, dig, baresip).

Why our own rather than bare C{subprocess}: every peer a test or a benchmark
starts must be bounded in time, stopped by its PID (never by name: other
people's Kamailio or NSD may run on the same machine) and cleaned up even when
the caller fails half-way.  L{ManagedProcess} does that once:

 - the program's stdout and stderr go to files in a private temporary
   directory (a pipe nobody reads would block a chatty server);
 - readiness is awaited with a bound: a port bound on an address (read from
   C{/proc/net/udp} and C{/proc/net/tcp}, so no probe packet disturbs the
   server), a line in its logs, or a caller's predicate;
 - stop is SIGTERM, then SIGKILL after a bound, to the PID we started (and
   to its process group, which we created, so a forking server's children go
   too);
 - a context manager and an C{atexit} hook both stop what is still running.

Two flavours of waiting: blocking (L{ManagedProcess.wait_ready}, L{run}) for
benchmarks and command-line use, and Deferred-returning
(L{ManagedProcess.when_ready}, L{run_async}) for trial tests on the real
reactor, which must never block or sleep the reactor thread.

Nothing here imports the global reactor: the Deferred flavours take one.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet import defer, error, protocol
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

__all__ = [
    "Availability",
    "CompletedRun",
    "ManagedProcess",
    "PeerError",
    "ReadyTimeout",
    "available",
    "bound_ports",
    "cpu_seconds",
    "descendants",
    "port_bound",
    "run",
    "run_async",
    "which",
]

#: Where the Debian packages put their programs; searched after C{$PATH}
#: (C{/usr/sbin} is often missing from a non-root PATH).
_EXTRA_PATH = ("/usr/sbin", "/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")

#: Debian package that provides each peer, for skip reasons.
PACKAGES: dict[str, str] = {
    "sipp": "sip-tester",
    "kamailio": "kamailio",
    "nsd": "nsd",
    "dig": "bind9-dnsutils",
    "kdig": "knot-dnsutils",
    "tshark": "tshark",
    "baresip": "baresip-core",
    "dnsperf": "dnsperf",
    "resperf": "dnsperf",
}


class PeerError(RuntimeError):
    """A peer could not be started, did not become ready, or failed."""


class ReadyTimeout(PeerError):
    """A peer did not become ready within its bound (its logs are attached)."""


@dataclass(frozen=True)
class Availability:
    """
    Whether a program can be used: C{path} when it can, else C{reason}, a
    sentence suitable for C{SkipTest} ("kamailio not found (apt-get install
    kamailio)").
    """

    name: str
    path: str | None
    reason: str

    def __bool__(self) -> bool:
        return self.path is not None


def which(name: str) -> str | None:
    """The full path of program C{name} on C{$PATH} or in the sbin dirs."""
    found = shutil.which(name)
    if found:
        return found
    return shutil.which(name, path=os.pathsep.join(_EXTRA_PATH))


def available(name: str) -> Availability:
    """
    L{which}, with a reason for a skip when the program is absent.  Names
    listed in C{$HARNESS_PEERS_DISABLE} (comma-separated, or C{all}) count as
    absent: how to check the skips, or keep a slow peer out of a CI job.
    """
    disabled = {d.strip() for d in os.environ.get("HARNESS_PEERS_DISABLE", "").split(",")}
    if name in disabled or "all" in disabled:
        return Availability(name, None, f"{name} disabled by HARNESS_PEERS_DISABLE")
    path = which(name)
    if path is not None:
        return Availability(name, path, "")
    pkg = PACKAGES.get(name)
    hint = f" (Debian package {pkg!r})" if pkg else ""
    return Availability(name, None, f"{name} not found on PATH{hint}")


# --- ports ----------------------------------------------------------------------------


def _hex_addr(field: str) -> tuple[str, int]:
    addr, port = field.split(":")
    if len(addr) == 8:  # IPv4, little-endian on x86 and arm
        raw = bytes.fromhex(addr)[::-1]
        return str(ipaddress.IPv4Address(raw)), int(port, 16)
    raw6 = b"".join(bytes.fromhex(addr[i : i + 8])[::-1] for i in range(0, 32, 8))
    return str(ipaddress.IPv6Address(raw6)), int(port, 16)


def bound_ports(proto: str) -> set[tuple[str, int]]:
    """
    Every (address, port) bound for C{proto} ("udp" or "tcp"; TCP only in
    LISTEN state) on this machine, read from C{/proc/net}.  Empty where
    C{/proc} is unavailable.
    """
    result: set[tuple[str, int]] = set()
    for suffix in ("", "6"):
        path = f"/proc/net/{proto}{suffix}"
        try:
            with open(path, encoding="ascii") as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) < 4:
                continue
            if proto == "tcp" and cols[3] != "0A":  # 0A = LISTEN
                continue
            with contextlib.suppress(ValueError):
                result.add(_hex_addr(cols[1]))
    return result


def port_bound(host: str, port: int, proto: str = "udp") -> bool:
    """Whether something listens on C{host:port} (or on the wildcard address)."""
    ports = bound_ports(proto)
    return any(p == port and a in (host, "0.0.0.0", "::") for a, p in ports)


# --- the process ----------------------------------------------------------------------

_LIVE: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()


def _stop_all_at_exit() -> None:
    for proc in list(_LIVE):
        with contextlib.suppress(Exception):
            proc.stop(timeout=2.0)


atexit.register(_stop_all_at_exit)


class ManagedProcess:
    """
    One program run with bounded start, readiness and stop.

    @param argv: the program and its arguments; C{argv[0]} is looked up with
        L{which} when it is not a path.
    @param env: extra environment variables (added to a copy of ours).
    @param cwd: the working directory (default: the private temp dir).
    @param name: a short name for messages and log file names.
    @param workdir: the directory for logs and any files the caller puts
        there (default: a fresh temp dir, removed by L{cleanup} unless
        C{keep} is true).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        name: str | None = None,
        workdir: str | os.PathLike[str] | None = None,
        keep: bool = False,
    ) -> None:
        if not argv:
            raise ValueError("empty argv")
        self.name = name or os.path.basename(argv[0])
        program = argv[0] if os.sep in argv[0] else (which(argv[0]) or argv[0])
        self.argv: list[str] = [program, *argv[1:]]
        self.env = dict(env or {})
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"peer-{self.name}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cwd = Path(cwd) if cwd is not None else self.workdir
        self.keep = keep
        self.stdout_path = self.workdir / f"{self.name}.stdout"
        self.stderr_path = self.workdir / f"{self.name}.stderr"
        self.popen: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None
        self.returncode: int | None = None

    # -- life cycle --------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    def start(self) -> ManagedProcess:
        """Start the program (in its own process group); return self."""
        if self.popen is not None:
            raise PeerError(f"{self.name} already started")
        env = dict(os.environ)
        env.update(self.env)
        out = open(self.stdout_path, "wb")  # handed to the child, closed below
        err = open(self.stderr_path, "wb")
        try:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=self.cwd,
                env=env,
                start_new_session=True,
            )
        except OSError as e:
            raise PeerError(f"cannot start {self.name} ({self.argv[0]}): {e}") from e
        finally:
            out.close()
            err.close()
        self.started_at = time.monotonic()
        _LIVE.add(self)
        return self

    def poll(self) -> int | None:
        """The exit status if the program has ended, else None."""
        if self.popen is None:
            return self.returncode
        rc = self.popen.poll()
        if rc is not None:
            self.returncode = rc
        return rc

    def running(self) -> bool:
        return self.popen is not None and self.poll() is None

    def wait(self, timeout: float) -> int:
        """
        Wait at most C{timeout} seconds for the program to end by itself;
        on timeout stop it and raise L{PeerError}.
        """
        if self.popen is None:
            raise PeerError(f"{self.name} not started")
        try:
            self.returncode = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise PeerError(
                f"{self.name} did not finish within {timeout} s (stopped)\n{self.tail()}"
            ) from None
        _LIVE.discard(self)
        return self.returncode

    def stop(self, timeout: float = 5.0, sig: int = signal.SIGTERM) -> int | None:
        """
        C{sig} (SIGTERM) to the process group we created, then SIGKILL after
        C{timeout} seconds.  Returns the exit status; idempotent.
        """
        popen = self.popen
        if popen is None:
            return self.returncode
        if popen.poll() is None:
            self._signal(popen, sig)
            try:
                popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(popen, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    popen.wait(timeout=timeout)
        # the group's other members (forked children) must not outlive the leader
        self._signal(popen, signal.SIGKILL, group_only=True)
        self.returncode = popen.poll()
        _LIVE.discard(self)
        return self.returncode

    def stop_async(
        self, clock: Any, timeout: float = 5.0, sig: int = signal.SIGTERM, interval: float = 0.02
    ) -> Deferred[int | None]:
        """
        L{stop} without blocking: C{sig} to our process group now, SIGKILL
        after C{timeout} seconds if the program is still there; fires with
        the exit status.  Polls on C{clock} (the reactor).
        """
        popen = self.popen
        if popen is None or popen.poll() is not None:
            return defer.succeed(self.stop())
        self._signal(popen, sig)
        start = clock.seconds()
        d: Deferred[int | None] = Deferred()
        killed = False

        def poll() -> None:
            nonlocal killed
            if popen.poll() is not None:
                d.callback(self.stop())  # reaps the group's leftovers, forgets us
                return
            if not killed and clock.seconds() - start >= timeout:
                killed = True
                self._signal(popen, signal.SIGKILL)
            clock.callLater(interval, poll)

        poll()
        return d

    @staticmethod
    def _signal(popen: subprocess.Popen[bytes], sig: int, group_only: bool = False) -> None:
        # our child is its session and group leader (start_new_session): its pgid is its pid
        try:
            os.killpg(popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            if not group_only:
                with contextlib.suppress(ProcessLookupError):
                    popen.send_signal(sig)

    def cleanup(self) -> None:
        """Stop, then remove the private temp dir (unless C{keep})."""
        self.stop()
        if self._own_dir and not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> ManagedProcess:
        if self.popen is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # -- output ------------------------------------------------------------------------

    def stdout(self) -> str:
        return _read(self.stdout_path)

    def stderr(self) -> str:
        return _read(self.stderr_path)

    def tail(self, lines: int = 20) -> str:
        """The last lines of stdout and stderr, for error messages."""
        parts = []
        for label, text in (("stdout", self.stdout()), ("stderr", self.stderr())):
            if text.strip():
                last = "\n".join(text.rstrip().splitlines()[-lines:])
                parts.append(f"--- {self.name} {label} ---\n{last}")
        return "\n".join(parts)

    # -- readiness ---------------------------------------------------------------------

    def ready_check(
        self,
        *,
        ports: Sequence[tuple[str, int, str]] = (),
        log_pattern: str | None = None,
        predicate: Callable[[], bool] | None = None,
    ) -> Callable[[], bool]:
        """
        A function that says whether the program is ready: every
        C{(host, port, proto)} in C{ports} bound, C{log_pattern} (a regex)
        found in its stdout or stderr, and C{predicate()} true.
        """
        regex = re.compile(log_pattern) if log_pattern else None

        def check() -> bool:
            for host, port, proto in ports:
                if not port_bound(host, port, proto):
                    return False
            if regex is not None and not (
                regex.search(self.stderr()) or regex.search(self.stdout())
            ):
                return False
            return predicate() if predicate is not None else True

        return check

    def wait_ready(
        self,
        *,
        ports: Sequence[tuple[str, int, str]] = (),
        log_pattern: str | None = None,
        predicate: Callable[[], bool] | None = None,
        timeout: float = 10.0,
        interval: float = 0.02,
    ) -> float:
        """
        Block until ready (see L{ready_check}) or C{timeout}; return the
        seconds it took.  Raises L{ReadyTimeout} (after stopping the program)
        on timeout, L{PeerError} if the program exits first.  Not for use on
        a running reactor's thread: see L{when_ready}.
        """
        check = self.ready_check(ports=ports, log_pattern=log_pattern, predicate=predicate)
        start = time.monotonic()
        deadline = start + timeout
        while True:
            if self.poll() is not None:
                raise PeerError(
                    f"{self.name} exited with status {self.returncode} before it was ready\n"
                    f"{self.tail()}"
                )
            if check():
                return time.monotonic() - start
            if time.monotonic() >= deadline:
                self.stop()
                raise ReadyTimeout(f"{self.name} not ready within {timeout} s\n{self.tail()}")
            time.sleep(interval)

    def when_ready(
        self,
        clock: Any,
        *,
        ports: Sequence[tuple[str, int, str]] = (),
        log_pattern: str | None = None,
        predicate: Callable[[], bool] | None = None,
        timeout: float = 10.0,
        interval: float = 0.02,
    ) -> Deferred[float]:
        """
        L{wait_ready} without blocking: polls on C{clock} (the reactor) and
        fires with the seconds it took, or fails with L{ReadyTimeout} /
        L{PeerError}.
        """
        check = self.ready_check(ports=ports, log_pattern=log_pattern, predicate=predicate)
        start = clock.seconds()
        d: Deferred[float] = Deferred()

        def poll() -> None:
            try:
                if self.poll() is not None:
                    raise PeerError(
                        f"{self.name} exited with status {self.returncode} before it was "
                        f"ready\n{self.tail()}"
                    )
                if check():
                    d.callback(clock.seconds() - start)
                    return
                if clock.seconds() - start >= timeout:
                    self.stop()
                    raise ReadyTimeout(f"{self.name} not ready within {timeout} s\n{self.tail()}")
            except PeerError as e:
                d.errback(Failure(e))
                return
            clock.callLater(interval, poll)

        poll()
        return d

    def when_exited(
        self, clock: Any, timeout: float = 10.0, interval: float = 0.02
    ) -> Deferred[int]:
        """
        Fires with the exit status once the program has ended by itself;
        after C{timeout} seconds it is stopped and the Deferred fails with
        L{PeerError}.  Polls on C{clock}, never blocks.
        """
        start = clock.seconds()
        d: Deferred[int] = Deferred()

        def poll() -> None:
            rc = self.poll()
            if rc is not None:
                _LIVE.discard(self)
                d.callback(rc)
                return
            if clock.seconds() - start >= timeout:
                self.stop()
                d.errback(
                    Failure(PeerError(f"{self.name} still running after {timeout} s (stopped)"))
                )
                return
            clock.callLater(interval, poll)

        poll()
        return d


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    """Every descendant of C{pid}, from C{/proc/*/stat} (empty without /proc)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def cpu_seconds(pids: Sequence[int]) -> float:
    """
    User plus system CPU seconds used so far by C{pids} (from
    C{/proc/PID/stat} utime+stime; processes gone are counted as 0).
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / tick


# --- one-shot runs --------------------------------------------------------------------


@dataclass(frozen=True)
class CompletedRun:
    """The result of a bounded one-shot run (L{run}, L{run_async})."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    timed_out: bool = False


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    input: bytes | None = None,
) -> CompletedRun:
    """
    Run a program to completion, bounded by C{timeout} seconds (then
    killed: C{timed_out} is true and C{returncode} negative).
    """
    program = argv[0] if os.sep in argv[0] else (which(argv[0]) or argv[0])
    full_env = dict(os.environ)
    full_env.update(env or {})
    start = time.monotonic()
    popen = subprocess.Popen(
        [program, *argv[1:]],
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=full_env,
        start_new_session=True,
    )
    timed_out = False
    try:
        out, err = popen.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGKILL)
        out, err = popen.communicate(timeout=5)
    return CompletedRun(
        tuple(argv),
        popen.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - start,
        timed_out,
    )


class _Collect(protocol.ProcessProtocol):
    def __init__(self, argv: Sequence[str], started: float, clock: Any) -> None:
        self.argv = tuple(argv)
        self.started = started
        self.clock = clock
        self.out: list[bytes] = []
        self.err: list[bytes] = []
        self.done: Deferred[CompletedRun] = Deferred()
        self.timed_out = False
        self.killer: Any = None

    def outReceived(self, data: bytes) -> None:
        self.out.append(data)

    def errReceived(self, data: bytes) -> None:
        self.err.append(data)

    def processEnded(self, reason: Failure) -> None:
        if self.killer is not None and self.killer.active():
            self.killer.cancel()
        value = reason.value
        if isinstance(value, error.ProcessTerminated):
            rc = value.exitCode if value.exitCode is not None else -(value.signal or 1)
        else:
            rc = 0
        self.done.callback(
            CompletedRun(
                self.argv,
                int(rc),
                b"".join(self.out).decode("utf-8", "replace"),
                b"".join(self.err).decode("utf-8", "replace"),
                self.clock.seconds() - self.started,
                self.timed_out,
            )
        )

    def kill(self) -> None:
        self.timed_out = True
        transport: Any = self.transport
        if transport is not None:
            # by PID only: spawnProcess leaves the child in our process group
            with contextlib.suppress(error.ProcessExitedAlready):
                transport.signalProcess("KILL")


def run_async(
    reactor: Any,
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> Deferred[CompletedRun]:
    """
    L{run} on C{reactor} (C{IReactorProcess} + C{IReactorTime}): the
    reactor keeps running (our own servers in the same process answer the
    peer) and the program is killed after C{timeout} seconds.
    """
    program = argv[0] if os.sep in argv[0] else (which(argv[0]) or argv[0])
    full_env = dict(os.environ)
    full_env.update(env or {})
    proto = _Collect(argv, reactor.seconds(), reactor)
    try:
        reactor.spawnProcess(
            proto,
            program,
            [program, *argv[1:]],
            env=full_env,
            path=cwd,
            childFDs={0: "w", 1: "r", 2: "r"},
        )
    except OSError as e:
        return defer.fail(PeerError(f"cannot start {argv[0]}: {e}"))
    proto.transport.closeStdin()  # type: ignore[union-attr]
    proto.killer = reactor.callLater(timeout, proto.kill)
    return proto.done
