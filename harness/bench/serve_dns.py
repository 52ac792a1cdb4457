"""
C{python -m harness.bench.serve_dns --zone F.zone --address A --port P}: our
L{DnsServer} on the real reactor in its own process, for load tests and
interop checks against tools that must not share our reactor.

Prints C{READY <address> <port>} once listening and C{CPU <seconds>
QUERIES <n>} when it stops (after C{--duration} seconds, or on SIGTERM).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.bench.serve_dns")
    p.add_argument("--zone", action="append", required=True, help="master file (repeatable)")
    p.add_argument("--address", default="127.0.2.53")
    p.add_argument("--port", type=int, default=15353)
    p.add_argument("--duration", type=float, default=60.0, help="stop after S seconds")
    p.add_argument("--trace", action="store_true", help="keep a full trace (default: count only)")
    args = p.parse_args(argv)

    from harness.cli import real_reactor

    reactor = real_reactor()

    from harness.bench._entry import NullTrace, announce, cpu_self, run_reactor
    from harness.dns.server import DnsServer
    from harness.dns.zone import Zone
    from harness.trace.events import Trace

    zones = [Zone.from_master_file(z) for z in args.zone]
    trace: Trace = Trace() if args.trace else NullTrace()
    server = DnsServer(reactor, zones, trace, port=args.port, address=args.address)
    server.start()
    announce(f"READY {args.address} {server.port}")
    run_reactor(reactor, args.duration)
    server.stop()
    queries = len(trace) // 2 if args.trace else getattr(trace, "count", 0) // 2
    announce(f"CPU {cpu_self():.3f} QUERIES {queries}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
