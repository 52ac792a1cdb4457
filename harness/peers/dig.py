"""
C{dig} and C{kdig} as independent DNS clients: one query, its answer parsed
into flags, rcode and the three sections.

Why two clients: they differ where our server must be exact.  C{dig}
retries a truncated UDP answer over TCP by itself (its output then comes from
the TCP answer; C{+ignore} keeps the truncated one), C{kdig} reports the TC
flag and stops unless asked for TCP (C{+tcp}).  Both print the same
presentation format, which L{parse_output} reads: the header line (status),
the flags line, and C{;; ANSWER SECTION:} / C{AUTHORITY} / C{ADDITIONAL}
records as C{name ttl class type rdata}.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred

from harness.peers.process import Availability, CompletedRun, available, run, run_async

__all__ = [
    "DigAnswer",
    "Record",
    "dig_argv",
    "dig_available",
    "parse_output",
    "query",
    "query_async",
]


def dig_available(tool: str = "dig") -> Availability:
    return available(tool)


@dataclass(frozen=True)
class Record:
    """One resource record as printed: C{rdata} normalised to single spaces."""

    name: str
    ttl: int
    cls: str
    type: str
    rdata: str

    def __str__(self) -> str:
        return f"{self.name} {self.ttl} {self.cls} {self.type} {self.rdata}"


@dataclass(frozen=True)
class DigAnswer:
    """
    The parsed answer.  C{rcode} is C{None} when no answer came (timeout:
    see C{text}).  C{transport} is what the answer came over, when the tool
    says ("UDP"/"TCP").
    """

    rcode: str | None
    flags: frozenset[str] = frozenset()
    answer: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()
    transport: str | None = None
    truncated_retry: bool = False
    text: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def aa(self) -> bool:
        return "aa" in self.flags

    @property
    def tc(self) -> bool:
        return "tc" in self.flags

    def of_type(self, section: str, rtype: str) -> list[Record]:
        return [r for r in getattr(self, section) if r.type == rtype.upper()]


_HEADER = re.compile(r"->>HEADER<<-.*?status:\s*([A-Z0-9]+)", re.IGNORECASE)
_FLAGS = re.compile(r"^;;\s*flags:\s*([a-z ]*)[;,]", re.IGNORECASE | re.MULTILINE)
_COUNTS = re.compile(r"\b(QUERY|ANSWER|AUTHORITY|ADDITIONAL):\s*(\d+)")
_SECTION = re.compile(r"^;;\s*(ANSWER|AUTHORITY|ADDITIONAL) SECTION:", re.IGNORECASE)
_SERVER_DIG = re.compile(r"^;; SERVER: .*\((UDP|TCP)\)", re.MULTILINE)
_SERVER_KDIG = re.compile(r"^;; (?:Received|From) .*?\((UDP|TCP)\)", re.MULTILINE)


def _record(line: str) -> Record | None:
    parts = line.split()
    if len(parts) < 4 or parts[0].startswith(";"):
        return None
    try:
        ttl = int(parts[1])
    except ValueError:
        return None
    return Record(parts[0].lower(), ttl, parts[2].upper(), parts[3].upper(), " ".join(parts[4:]))


def parse_output(text: str) -> DigAnswer:
    """Parse C{dig}/C{kdig} presentation output (the last answer printed)."""
    # dig prints a truncated answer's warning then the TCP answer; keep the last message
    start = text.rfind("->>HEADER<<-")
    head = _HEADER.search(text, max(start, 0)) if start >= 0 else None
    if head is None:
        return DigAnswer(rcode=None, text=text)
    body = text[text.rfind("\n", 0, start) + 1 :]
    flags_m = _FLAGS.search(body)
    flags = frozenset(flags_m.group(1).split()) if flags_m else frozenset()
    counts: dict[str, int] = {}
    if flags_m:
        line_end = body.find("\n", flags_m.start())
        counts = {k.upper(): int(v) for k, v in _COUNTS.findall(body[flags_m.start() : line_end])}
    sections: dict[str, list[Record]] = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
    current: str | None = None
    for line in body.splitlines():
        m = _SECTION.match(line)
        if m:
            current = m.group(1).upper()
            continue
        if not line.strip() or line.startswith(";;"):
            if not line.strip():
                current = None
            continue
        if current is not None:
            rec = _record(line)
            if rec is not None and rec.type != "OPT":
                sections[current].append(rec)
    server = _SERVER_DIG.search(body) or _SERVER_KDIG.search(body)
    return DigAnswer(
        rcode=head.group(1).upper(),
        flags=flags,
        answer=tuple(sections["ANSWER"]),
        authority=tuple(sections["AUTHORITY"]),
        additional=tuple(sections["ADDITIONAL"]),
        transport=server.group(1).upper() if server else None,
        truncated_retry="Truncated, retrying in TCP mode" in text,
        text=text,
        counts=counts,
    )


def dig_argv(
    server: tuple[str, int],
    name: str,
    rtype: str = "A",
    *,
    tool: str = "dig",
    tcp: bool = False,
    ignore_tc: bool = False,
    edns: bool = False,
    timeout: int = 2,
    tries: int = 1,
    extra: Sequence[str] = (),
) -> list[str]:
    """
    The command line: no recursion, no EDNS (so a 512-byte limit applies)
    unless C{edns}, one try of C{timeout} seconds.
    """
    host, port = server
    argv = [tool, f"@{host}", "-p", str(port), name, rtype, "+norec"]
    if tool == "kdig":
        argv += [f"+time={timeout}", f"+retry={max(0, tries - 1)}"]
        if not edns:
            argv.append("+noedns")
        if tcp:
            argv.append("+tcp")
        if ignore_tc:
            argv.append("+ignore")
    else:
        argv += [f"+time={timeout}", f"+tries={tries}", "+nocookie"]
        argv.append("+edns=0" if edns else "+noedns")
        if tcp:
            argv.append("+tcp")
        if ignore_tc:
            argv.append("+ignore")
    return argv + list(extra)


def _parse_run(done: CompletedRun) -> DigAnswer:
    return parse_output(done.stdout + ("\n" + done.stderr if done.stderr else ""))


def query(
    server: tuple[str, int], name: str, rtype: str = "A", *, timeout: int = 2, **kw: Any
) -> DigAnswer:
    """One query with C{dig} (or C{tool="kdig"}); blocking, bounded."""
    argv = dig_argv(server, name, rtype, timeout=timeout, **kw)
    return _parse_run(run(argv, timeout=timeout * 3 + 5))


def query_async(
    reactor: Any,
    server: tuple[str, int],
    name: str,
    rtype: str = "A",
    *,
    timeout: int = 2,
    **kw: Any,
) -> Deferred[DigAnswer]:
    """L{query} without blocking C{reactor} (for a server in the same process)."""
    argv = dig_argv(server, name, rtype, timeout=timeout, **kw)
    return run_async(reactor, argv, timeout=timeout * 3 + 5).addCallback(_parse_run)
