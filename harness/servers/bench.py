"""
Benchmark of the fake registrar on the simulated network (a figure, never a
timed test): REGISTERs per wall second through the full stack, framing,
transactions, transport shells, the simulated UDP and the registrar.

The wire/Kamailio comparison (DESIGN.md's "≥ 0.5× Kamailio") is another
part's; this is the in-process baseline it can be read against.
"""

from __future__ import annotations

import random
import time
from typing import Any

from harness.net.simulated import SimWorld
from harness.servers.server import SipServer
from harness.sip.locate import Target
from harness.sip.message import Headers, Request, Response, new_call_id, new_tag
from harness.sip.transaction import RetryPolicy
from harness.sip.transport import SipEndpoint

__all__ = ["bench_registrar_sim"]


def bench_registrar_sim(
    seconds: float = 1.0, *, in_flight: int = 16, users: int = 100, seed: int = 0
) -> dict[str, Any]:
    """
    Register C{users} phones over and over for about C{seconds} of wall time
    with C{in_flight} REGISTERs outstanding, and report the rate.
    """
    world = SimWorld(seed)
    server = SipServer(
        world.host("127.0.1.10"), world.trace, role="primary", address="127.0.1.10",
        transports={"udp": 5060}, rng=world.rng,
    )
    server.start()
    client = SipEndpoint(world.host("127.0.0.2"), world.trace, "127.0.0.2", rng=world.rng)
    client.listen("udp", 5060)
    target = Target("udp", "127.0.1.10", 5060)
    policy = RetryPolicy(retry_counts=3)
    rng = random.Random(seed)
    regs = [(new_call_id(rng, "127.0.0.2"), new_tag(rng)) for _ in range(users)]
    cseqs = [0] * users
    done = 0
    ok = 0
    sent = 0
    deadline = time.perf_counter() + seconds
    running = True

    def send(i: int) -> None:
        nonlocal sent
        cseqs[i] += 1
        call_id, tag = regs[i]
        user = f"u{i}"
        headers = Headers(
            [
                ("Max-Forwards", "70"),
                ("From", f"<sip:{user}@example.test>;tag={tag}"),
                ("To", f"<sip:{user}@example.test>"),
                ("Call-ID", call_id),
                ("CSeq", f"{cseqs[i]} REGISTER"),
                ("Contact", f"<sip:{user}@127.0.0.2:5060>"),
                ("Expires", "3600"),
            ]
        )
        sent += 1
        txn = client.request(Request("REGISTER", "sip:example.test", headers), target, policy)
        txn.final.addCallbacks(lambda r: finished(i, r), lambda f: finished(i, None))

    def finished(i: int, response: Response | None) -> None:
        nonlocal done, ok
        if not running:
            return
        done += 1
        if response is not None and response.status == 200:
            ok += 1
        if running:
            send((i + in_flight) % users)

    start = time.perf_counter()
    for i in range(min(in_flight, users)):
        send(i)
    while time.perf_counter() < deadline:
        world.run(max_steps=2000)
    running = False
    wall = time.perf_counter() - start
    virtual = world.seconds()
    server.stop()
    client.close()
    return {
        "registers": done,
        "ok": ok,
        "wall_s": wall,
        "virtual_s": virtual,
        "register_per_s": done / wall if wall > 0 else 0.0,
        "in_flight": in_flight,
        "trace_events": len(world.trace),
    }


if __name__ == "__main__":  # pragma: no cover
    print(bench_registrar_sim())
