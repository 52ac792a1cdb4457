"""
A benchmark of the transaction and transport layers on the simulated network.

Why: the design's performance targets (1,000 failover scenarios per second,
10,000 phones in one world) rest on a client transaction costing a few tens
of microseconds; this measures that figure alone (no DNS, no TU logic) so a
regression is seen where it happens.  Not a test: numbers are reported, not
asserted.
"""

from __future__ import annotations

import time
from typing import Any

from harness.net.simulated import SimWorld
from harness.sip.locate import Target
from harness.sip.message import Headers, Request, make_response
from harness.sip.transaction import RetryPolicy, ServerTransaction
from harness.sip.transport import SipEndpoint

_SERVER = "127.0.9.1"
_PHONE = "127.0.9.9"


def _register(n: int) -> Request:
    return Request(
        "REGISTER",
        "sip:example.test",
        Headers(
            [
                ("Max-Forwards", "70"),
                ("From", "<sip:alice@example.test>;tag=bench"),
                ("To", "<sip:alice@example.test>"),
                ("Call-ID", f"bench-{n}@{_PHONE}"),
                ("CSeq", f"{n} REGISTER"),
                ("Contact", f"<sip:alice@{_PHONE}:5060>"),
                ("Expires", "3600"),
            ]
        ),
    )


def bench_transactions(
    seconds: float = 1.0,
    *,
    transport: str = "udp",
    batch: int = 200,
    max_transactions: int = 200_000,
) -> dict[str, Any]:
    """
    Run REGISTER -> 200 client transactions between two endpoints on one
    simulated world for about C{seconds} of CPU time (at most
    C{max_transactions}), in batches of C{batch} concurrent transactions.

    Returns C{transactions}, C{cpu_seconds}, C{per_second} (client
    transactions completed per CPU second), C{us_per_transaction} (CPU
    microseconds per transaction, both endpoints and the network included),
    C{virtual_seconds} and C{trace_events}.
    """
    world = SimWorld(seed=1)
    server = SipEndpoint(world.host(_SERVER), world.trace, _SERVER, rng=world.rng)
    server.listen(transport, 5060)  # type: ignore[arg-type]

    def answer(txn: ServerTransaction) -> None:
        txn.respond(make_response(txn.request, 200, to_tag="srv"))

    server.on_request = answer
    phone = SipEndpoint(world.host(_PHONE), world.trace, _PHONE, rng=world.rng)
    phone.listen("udp", 5060)
    target = Target(transport, _SERVER, 5060)  # type: ignore[arg-type]
    policy = RetryPolicy(retry_counts=3, give_up="last-interval")
    requests = [_register(n) for n in range(batch)]
    done = 0
    failed = 0

    def ok(_: object) -> None:
        nonlocal done
        done += 1

    def bad(_: object) -> None:
        nonlocal failed
        failed += 1

    started = 0
    cpu0 = time.process_time()
    while time.process_time() - cpu0 < seconds and started < max_transactions:
        for request in requests:
            phone.request(request, target, policy).final.addCallbacks(ok, bad)
        started += batch
        world.run(until=world.seconds() + 10.0)  # answers, then Timer K ends each
    cpu = time.process_time() - cpu0
    phone.close()
    server.close()
    return {
        "transport": transport,
        "transactions": done,
        "failed": failed,
        "cpu_seconds": round(cpu, 4),
        "per_second": round(done / cpu, 1) if cpu > 0 else 0.0,
        "us_per_transaction": round(cpu / done * 1e6, 2) if done else None,
        "virtual_seconds": round(world.seconds(), 3),
        "trace_events": len(world.trace),
    }


if __name__ == "__main__":  # pragma: no cover
    for name in ("udp", "tcp"):
        print(bench_transactions(1.0, transport=name))
