"""
Shared pieces of the C{python -m harness.bench.serve_*} entries: a trace that
keeps nothing (a benchmark of 100,000 requests must not hold 200,000 events),
the bounded run of the real reactor, and the CPU figures the parent reads.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from harness.trace.events import Trace


class NullTrace(Trace):
    """
    A L{Trace} that counts events and keeps none (benchmarks only).  SIP
    message events are not even built (L{Trace.wants_sip_events}), so they
    are not counted: a server process spends its CPU on SIP, not on records
    nobody reads.
    """

    wants_sip_events = False
    count: int = 0

    def record(self, event: Any) -> None:
        self.count += 1


def cpu_self() -> float:
    """This process's user+system CPU seconds."""
    t = os.times()
    return t.user + t.system


def announce(line: str) -> None:
    """One line on stdout for the parent (flushed: it waits for it)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_reactor(reactor: Any, duration: float) -> None:
    """Run C{reactor} for at most C{duration} seconds (SIGTERM/SIGINT stop it sooner)."""
    reactor.callLater(duration, reactor.stop)
    reactor.run()
