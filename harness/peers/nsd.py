"""
NSD as an independent authoritative DNS server: it serves the same master
file as our L{harness.dns.server.DnsServer}, so the locator's answers and the
servers' speed can be compared with software nobody here wrote.

Run as C{nsd -d -c CONF -P PIDFILE} (peers/NOTES.md), with every file it
writes (pid, zone list, xfrd state, log) in its own directory, no privilege
drop, no chroot, no remote control.  Each zone file is copied there, so the
caller's fixture is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from harness.peers.process import (
    Availability,
    ManagedProcess,
    PeerError,
    available,
    descendants,
    run,
)

__all__ = ["FIXTURE", "Nsd", "NsdConfig", "nsd_available", "zone_origin"]

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "peers" / "nsd.conf"


def nsd_available() -> Availability:
    return available("nsd")


def zone_origin(path: str | os.PathLike[str]) -> str:
    """
    The zone's origin: its C{$ORIGIN} line, else the file name without
    C{.zone} (as L{harness.dns.zone.Zone.from_master_file} reads it).
    """
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    m = re.search(r"^\$ORIGIN\s+(\S+)", text, re.MULTILINE | re.IGNORECASE)
    if m:
        return m.group(1).rstrip(".")
    base = os.path.basename(os.fspath(path))
    return base[: -len(".zone")] if base.endswith(".zone") else base


@dataclass(frozen=True)
class NsdConfig:
    """
    One NSD instance.

    @ivar zones: master files to serve (origin from L{zone_origin}).
    @ivar servers: NSD's C{server-count} (processes answering queries).
    """

    zones: Sequence[str | os.PathLike[str]]
    address: str = "127.0.2.53"
    port: int = 15353
    servers: int = 1
    verbosity: int = 1

    def render(self, directory: Path, template: str | None = None) -> str:
        text = template if template is not None else FIXTURE.read_text(encoding="utf-8")
        blocks = []
        for zone in self.zones:
            origin = zone_origin(zone)
            blocks.append(
                f'zone:\n\tname: "{origin}"\n\tzonefile: "{directory / Path(zone).name}"\n'
            )
        for key, value in {
            "@ADDRESS@": self.address,
            "@PORT@": str(self.port),
            "@SERVERS@": str(self.servers),
            "@DIR@": str(directory),
            "@VERBOSITY@": str(self.verbosity),
            "@ZONES@": "\n".join(blocks),
        }.items():
            text = text.replace(key, value)
        return text


class Nsd:
    """A running NSD: start / wait_ready (or when_ready) / stop, or a context manager."""

    def __init__(self, config: NsdConfig, *, workdir: str | None = None) -> None:
        avail = nsd_available()
        if not avail:
            raise PeerError(avail.reason)
        if not config.zones:
            raise ValueError("NSD needs at least one zone")
        self.config = config
        self.process = ManagedProcess(["nsd"], name="nsd", workdir=workdir)
        wd = self.process.workdir.resolve()
        for zone in config.zones:
            shutil.copyfile(zone, wd / Path(zone).name)
        self.conf_path = wd / "nsd.conf"
        self.pid_path = wd / "nsd.pid"
        self.conf_path.write_text(config.render(wd), encoding="utf-8")
        self.process.argv = [
            avail.path or "nsd",
            "-d",
            "-c",
            str(self.conf_path),
            "-P",
            str(self.pid_path),
        ]

    @property
    def ports(self) -> list[tuple[str, int, str]]:
        c = self.config
        return [(c.address, c.port, "udp"), (c.address, c.port, "tcp")]

    @property
    def log_path(self) -> Path:
        return self.process.workdir / "nsd.log"

    def check_config(self, timeout: float = 10.0) -> str:
        """C{nsd-checkconf} on the rendered file: the error text, or ""."""
        done = run(["nsd-checkconf", str(self.conf_path)], timeout=timeout)
        return "" if done.returncode == 0 else (done.stderr or done.stdout).strip()

    def _zones_loaded(self) -> bool:
        # NSD binds its sockets before it reads the zones: "nsd started" comes after
        # "zone ... read with success"; a zone error means it will never serve it
        try:
            log = self.log_path.read_text(errors="replace")
        except OSError:
            log = ""
        log += self.process.stderr()
        if re.search(r"\berror\b", log, re.IGNORECASE):
            raise PeerError(f"nsd reported an error:\n{log[-2000:]}")
        return "nsd started" in log

    def start(self) -> Nsd:
        self.process.start()
        return self

    def wait_ready(self, timeout: float = 10.0) -> float:
        return self.process.wait_ready(
            ports=self.ports, predicate=self._zones_loaded, timeout=timeout
        )

    def when_ready(self, reactor: Any, timeout: float = 10.0) -> Deferred[float]:
        return self.process.when_ready(
            reactor, ports=self.ports, predicate=self._zones_loaded, timeout=timeout
        )

    def worker_pids(self) -> list[int]:
        """The main process and its forked servers (for CPU accounting)."""
        main = self.process.pid
        return [] if main is None else [main, *descendants(main)]

    def stop(self) -> int | None:
        return self.process.stop()

    def cleanup(self) -> None:
        self.process.cleanup()

    def __enter__(self) -> Nsd:
        self.start()
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
