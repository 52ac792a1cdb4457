"""
C{python -m harness.bench.rtx_client --target IP:PORT --t1 0.5 --retry-counts 3}:
our client transaction layer (L{harness.sip.transport.SipEndpoint}) on the real
reactor, sending REGISTER transactions to a target that never answers, so a
receiver in another process can time the retransmissions as they arrive.

Each transaction has its own Call-ID (C{rtx-<k>}), so the receiver can tell
them apart; they start C{--stagger} seconds apart.  The process ends a little
after the last retransmission is due (C{--linger} seconds).  Prints
C{READY <local port>} at start and C{SENT <n>} at the end.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.bench.rtx_client")
    p.add_argument("--target", required=True, metavar="IP:PORT")
    p.add_argument("--local", default="127.0.2.1", help="address to send from")
    p.add_argument("--t1", type=float, default=0.5)
    p.add_argument("--retry-counts", type=int, default=3)
    p.add_argument("--transactions", type=int, default=5)
    p.add_argument("--stagger", type=float, default=0.037)
    p.add_argument("--linger", type=float, default=0.3)
    p.add_argument("--start-delay", type=float, default=0.2)
    args = p.parse_args(argv)
    host, _, port_text = args.target.rpartition(":")
    port = int(port_text)

    from harness.cli import real_reactor

    reactor = real_reactor()

    from harness.bench._entry import NullTrace, announce
    from harness.sip.locate import Target
    from harness.sip.message import Headers, Request
    from harness.sip.transaction import RetryPolicy
    from harness.sip.transport import SipEndpoint

    endpoint = SipEndpoint(reactor, NullTrace(), args.local, rng=random.Random(5))
    endpoint.listen("udp", 0)
    local_port = endpoint.local_port("udp")
    policy = RetryPolicy(
        t1=args.t1, t2=4.0, retry_counts=args.retry_counts, give_up="last-interval"
    )
    target = Target("udp", host, port)
    sent = [0]

    def send(k: int) -> None:
        headers = Headers(
            [
                ("Max-Forwards", "70"),
                ("From", f"<sip:rtx{k}@example.test>;tag=t{k}"),
                ("To", f"<sip:rtx{k}@example.test>"),
                ("Call-ID", f"rtx-{k}"),
                ("CSeq", "1 REGISTER"),
                ("Contact", f"<sip:rtx{k}@{args.local}:{local_port}>"),
                ("Expires", "3600"),
            ]
        )
        txn = endpoint.request(Request("REGISTER", "sip:example.test", headers), target, policy)
        txn.final.addErrback(lambda f: None)  # the timeout is the expected end
        sent[0] += 1

    for k in range(args.transactions):
        reactor.callLater(args.start_delay + k * args.stagger, send, k)
    last = max(policy.retransmit_offsets(False), default=0.0)
    end = args.start_delay + (args.transactions - 1) * args.stagger + last + args.linger
    announce(f"READY {local_port}")
    reactor.callLater(end, reactor.stop)
    reactor.run()
    endpoint.close()
    announce(f"SENT {sent[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
