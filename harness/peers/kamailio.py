"""
Kamailio as a real, in-memory registrar: the independent SIP server our fake
servers are compared with (benchmarks) and a phone can fail over between.

The configuration is C{fixtures/peers/kamailio.cfg}: usrloc with
C{db_mode 0} (bindings in shared memory, nothing on disk), registrar, and
optionally digest authentication of one fixed user with C{pv_www_authenticate}
(no database).  Pitfall (peers/NOTES.md): Kamailio changes to C{/} before it
writes its C{-P} pid file, so every path given to it here is absolute.

For tests that judge from the registrar's side: C{log_registers} logs one
C{REGISTER-SAVED} line per saved REGISTER (time, source, Call-ID, CSeq,
Contact; read back with L{Kamailio.saved_registers}), and C{control} opens
the binrpc socket so C{kamcmd ul.dump} shows the bindings in usrloc
(L{Kamailio.rpc_async}).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from harness.peers.process import (
    Availability,
    CompletedRun,
    ManagedProcess,
    PeerError,
    available,
    descendants,
    run,
    run_async,
)

__all__ = ["FIXTURE", "Kamailio", "KamailioConfig", "SavedRegister", "kamailio_available"]

#: The configuration template.
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "peers" / "kamailio.cfg"


def kamailio_available() -> Availability:
    """Whether C{kamailio} is installed (with a skip reason if not)."""
    return available("kamailio")


@dataclass(frozen=True)
class KamailioConfig:
    """
    One registrar instance.

    @ivar address: the IP to listen on (one address per instance).
    @ivar port: the SIP port (UDP and/or TCP).
    @ivar transports: any of "udp", "tcp".
    @ivar user / password: with C{auth}, the only account accepted (digest,
        realm = the To domain); C{user="*"}: any user name with that password
        (load tests with many users); without C{auth}, every REGISTER is saved.
    @ivar children: worker processes per UDP socket and TCP workers.
    @ivar shm_mb / pkg_mb: shared and private memory (MB).
    @ivar min_expires: the registrar's C{min_expires} (Kamailio's default 60;
        a shorter asked expiry is raised to it in the 200 OK).
    @ivar log_registers: log a C{REGISTER-SAVED} line per saved REGISTER.
    @ivar control: open the binrpc control socket (for C{kamcmd}).
    """

    address: str = "127.0.2.60"
    port: int = 15060
    transports: Sequence[str] = ("udp", "tcp")
    auth: bool = False
    user: str = "alice"
    password: str = "secret"
    children: int = 2
    shm_mb: int = 128
    pkg_mb: int = 16
    debug: int = 1
    min_expires: int = 60
    log_registers: bool = False
    control: bool = False

    def render(self, template: str | None = None, *, ctl_socket: str = "") -> str:
        """The configuration text for this instance (C{ctl_socket}: with C{control})."""
        text = template if template is not None else FIXTURE.read_text(encoding="utf-8")
        bad = set(self.transports) - {"udp", "tcp"}
        if bad or not self.transports:
            raise ValueError(f"transports must be udp and/or tcp, not {self.transports!r}")
        if self.user == "*":
            text = text.replace('$au != "@USER@" || ', "")
        listen = "\n".join(f"listen={t}:{self.address}:{self.port}" for t in self.transports)
        for key, value in {
            "@LISTEN@": listen,
            "@DEBUG@": str(self.debug),
            "@CHILDREN@": str(self.children),
            "@DISABLE_TCP@": "no" if "tcp" in self.transports else "yes",
            "@SECRET@": "harness-interop-secret",
            "@USER@": self.user,
            "@PASSWORD@": self.password,
            "@MIN_EXPIRES@": str(self.min_expires),
            "@CTL_SOCKET@": ctl_socket,
        }.items():
            text = text.replace(key, value)
        return text


class Kamailio:
    """
    A running Kamailio: C{start()} / C{wait_ready()} (or C{when_ready(reactor)})
    / C{stop()}, or C{with Kamailio(cfg) as k:}.

    @ivar process: the L{ManagedProcess} (logs in C{process.workdir}).
    """

    def __init__(self, config: KamailioConfig, *, workdir: str | None = None) -> None:
        self.config = config
        avail = kamailio_available()
        if not avail:
            raise PeerError(avail.reason)
        argv = self._argv(Path("."))  # replaced below, once the workdir exists
        self.process = ManagedProcess(argv, name="kamailio", workdir=workdir)
        wd = self.process.workdir.resolve()
        self.cfg_path = wd / "kamailio.cfg"
        self.pid_path = wd / "kamailio.pid"
        self.ctl_path = wd / "kamailio.ctl"
        self.cfg_path.write_text(config.render(ctl_socket=str(self.ctl_path)), encoding="utf-8")
        self.process.argv = [avail.path or "kamailio", *self._argv(wd)[1:]]

    def _argv(self, wd: Path) -> list[str]:
        c = self.config
        argv = [
            "kamailio",
            "-f", str(wd / "kamailio.cfg"),
            "-P", str(wd / "kamailio.pid"),
            "-w", str(wd),
            "-Y", str(wd),
            "-DD",
            "-E",
            "-m", str(c.shm_mb),
            "-M", str(c.pkg_mb),
        ]  # fmt: skip
        if c.auth:
            argv += ["-A", "WITH_AUTH"]
        if c.log_registers:
            argv += ["-A", "WITH_REGISTER_LOG"]
        if c.control:
            argv += ["-A", "WITH_CTL"]
        return argv

    @property
    def ports(self) -> list[tuple[str, int, str]]:
        return [(self.config.address, self.config.port, t) for t in self.config.transports]

    def check_config(self, timeout: float = 10.0) -> str:
        """Run C{kamailio -c} on the rendered file; the error text, or ""."""
        argv = [*self.process.argv, "-c"]
        done = run(argv, timeout=timeout)
        if done.returncode != 0:
            return (done.stderr or done.stdout).strip()
        return ""

    def start(self) -> Kamailio:
        self.process.start()
        return self

    def wait_ready(self, timeout: float = 10.0) -> float:
        """Block until every socket is bound (see L{ManagedProcess.wait_ready})."""
        return self.process.wait_ready(ports=self.ports, timeout=timeout)

    def when_ready(self, reactor: Any, timeout: float = 10.0) -> Deferred[float]:
        """L{wait_ready} on a reactor, without blocking it."""
        return self.process.when_ready(reactor, ports=self.ports, timeout=timeout)

    @property
    def pid(self) -> int | None:
        """The main process's PID (from the pid file when written)."""
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return self.process.pid

    def worker_pids(self) -> list[int]:
        """Every process of this instance (main and forked workers), for CPU accounting."""
        main = self.process.pid
        if main is None:
            return []
        return [main, *descendants(main)]

    def saved_registers(self) -> list[SavedRegister]:
        """The REGISTERs saved so far (needs C{log_registers}), oldest first."""
        return [
            SavedRegister(float(m["t"]), m["src"], m["callid"], m["cseq"], m["contact"])
            for m in _SAVED.finditer(self.process.stderr() + self.process.stdout())
        ]

    def rpc_async(
        self, reactor: Any, *command: str, timeout: float = 5.0
    ) -> Deferred[CompletedRun]:
        """
        C{kamcmd} on this instance's control socket (needs C{control}), e.g.
        C{rpc_async(reactor, "ul.dump")}, bounded by C{timeout}.
        """
        if not self.config.control:
            raise PeerError("rpc needs KamailioConfig(control=True)")
        kamcmd = available("kamcmd")
        if not kamcmd:
            raise PeerError(kamcmd.reason)
        argv = [kamcmd.path or "kamcmd", "-s", f"unix:{self.ctl_path}", *command]
        return run_async(reactor, argv, timeout=timeout)

    def stop(self) -> int | None:
        return self.process.stop()

    def stop_async(self, reactor: Any, timeout: float = 5.0) -> Deferred[int | None]:
        """L{stop} on a reactor, without blocking it."""
        return self.process.stop_async(reactor, timeout)

    def cleanup(self) -> None:
        self.process.cleanup()

    def __enter__(self) -> Kamailio:
        self.start()
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


_SAVED = re.compile(
    r"REGISTER-SAVED t=(?P<t>[0-9.]+) src=(?P<src>\S+) callid=(?P<callid>\S+) "
    r"cseq=(?P<cseq>\S+) expires=\S* contact=(?P<contact>\S+)"
)


@dataclass(frozen=True)
class SavedRegister:
    """One REGISTER the registrar saved (L{Kamailio.saved_registers})."""

    t: float  # wall-clock time (epoch seconds) when Kamailio saved it
    source: str  # "ip:port" it came from
    call_id: str
    cseq: str
    contact: str
