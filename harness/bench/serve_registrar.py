"""
C{python -m harness.bench.serve_registrar --address A --port P --transport udp}:
our fake SIP server (L{harness.servers.server.SipServer}: registrar, echo user)
on the real reactor in its own process, so a load generator (SIPp) and a CPU
meter (C{/proc/PID/stat}) see it as they see Kamailio.

Prints C{READY <address> <port>} once listening and, when it stops (after
C{--duration} seconds or on SIGTERM), C{CPU <seconds> REGISTER <n> BINDINGS <n>}.
The trace only counts events (a benchmark must not keep them all).

C{--gc}: measured here, full (generation 2) garbage collections of the
growing heap of live transactions (a UDP non-INVITE server transaction
lingers 64*T1 = 32 s, Timer J) stalled the process for 0.12 s, then 0.34 s,
then 0.76 s within 19,000 REGISTERs at one in flight: long enough for SIPp to
retransmit.  C{tuned}, the default, freezes the start-up heap and raises the
thresholds so that collections are rare and young-only.  That is safe here
because the request path makes no cyclic garbage (a finished transaction
drops its machine's back-reference, L{harness.sip.transaction._release}, and
is freed by reference counting when Timer J ends it): rare collections cost
no memory, only the pauses go.  C{python} keeps Python's own thresholds (the
server as an in-process harness runs it); C{off} disables collection (short
runs only).

C{--udp-buffer}: the UDP socket's receive buffer.  With the system default
(208 KiB) SIPp's bursts at 5,000 REGISTER/s, arriving during a pause of ours,
overflowed it: ~2,000 datagrams dropped in a 5 s step (C{RcvbufErrors}),
each retransmitted 500 ms later on top of the load, and the step failed
(> 10 % of calls), which ended the run's rate steps for our server.  A
server on the wire sizes its buffer for its load, as Kamailio does.  Not
larger: a buffer holding more than T1 (0.5 s) of requests at our full rate
only delays them past SIPp's first retransmission, and overloaded, each
request is then served twice (measured with 4 MiB in a loaded rate step).

C{--udp-batch}: responses leave in batches (L{SipEndpoint._udp_release}):
each datagram to a sleeping SIPp woke it inside our C{sendto}, and batches
wake it once per batch: CPU per REGISTER -15 to -20 %, REGISTER/s +20 %
(SIPp closed loop).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
from collections.abc import Sequence

#: default C{--udp-buffer}: 1 MiB asked, 2 MiB granted (Linux doubles it), ~1,600
#: REGISTERs (1,280 bytes each, measured): a 0.3 s pause at 5,000/s, and
#: under 0.2 s of queueing at our full rate, below SIPp's 0.5 s T1 (see below)
UDP_BUFFER = 1024 * 1024
#: default C{--udp-batch}: well below the ~100 of our datagrams SIPp's 128 KiB
#: receive buffer holds (64 overflowed it)
UDP_BATCH = 16


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.bench.serve_registrar")
    p.add_argument("--address", default="127.0.2.10")
    p.add_argument("--port", type=int, default=15060)
    p.add_argument(
        "--transport", action="append", choices=("udp", "tcp"), help="repeatable; default udp"
    )
    p.add_argument(
        "--auth",
        action="append",
        default=[],
        metavar="USER:PASSWORD",
        help="require digest authentication for these users (repeatable)",
    )
    p.add_argument(
        "--auth-users",
        type=int,
        default=0,
        metavar="N",
        help="also accept u00000..u{N-1} with password 'secret'",
    )
    p.add_argument("--duration", type=float, default=60.0, help="stop after S seconds")
    p.add_argument(
        "--gc",
        choices=("tuned", "python", "off"),
        default="tuned",
        help="tuned (default): freeze the start-up heap and collect rarely; python: Python's "
        "defaults; off: no collection at all (see the module docstring)",
    )
    p.add_argument(
        "--udp-buffer",
        type=int,
        default=UDP_BUFFER,
        metavar="BYTES",
        help="UDP receive buffer to ask for (SO_RCVBUF, capped by net.core.rmem_max); "
        "0: the system default (see the module docstring)",
    )
    p.add_argument(
        "--udp-batch",
        type=int,
        default=UDP_BATCH,
        metavar="N",
        help="send responses in batches of up to N datagrams, the rest at the end of the "
        "reactor turn (1: each at once; see the module docstring)",
    )
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="run under cProfile and write its stats to FILE (pstats format) on exit: "
        "where the CPU per REGISTER goes under real load",
    )
    args = p.parse_args(argv)

    from harness.cli import real_reactor

    reactor = real_reactor()

    from harness._gc import tune_gc
    from harness.bench._entry import NullTrace, announce, cpu_self, run_reactor
    from harness.servers.server import SipServer

    credentials: dict[str, str] | None = None
    if args.auth or args.auth_users:
        credentials = dict(a.split(":", 1) for a in args.auth)
        credentials.update({f"u{i:05d}": "secret" for i in range(args.auth_users)})
    transports = args.transport or ["udp"]
    server = SipServer(
        reactor,
        NullTrace(),
        role="bench",
        address=args.address,
        transports={t: args.port for t in transports},
        credentials=credentials,
        rng=random.Random(1),
        udp_receive_buffer=args.udp_buffer or None,
        udp_batch=max(1, args.udp_batch),
    )
    server.start()
    if args.gc == "tuned":
        tune_gc()
    elif args.gc == "off":
        gc.freeze()
        gc.disable()
    announce(f"READY {args.address} {args.port}")
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.runcall(run_reactor, reactor, args.duration)
        profiler.dump_stats(args.profile)
    else:
        run_reactor(reactor, args.duration)
    registers = server.received.get("REGISTER", 0)
    bindings = len(server.location)
    server.stop()
    announce(f"CPU {cpu_self():.3f} REGISTER {registers} BINDINGS {bindings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
