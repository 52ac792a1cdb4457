"""
The garbage-collector policy of the long-running server processes.

Why: a server on the wire keeps every UDP non-INVITE transaction's record
for Timer J (32 s of traffic: tens of thousands of objects under load) and,
in C{sip-harness serve}, a trace of everything it sent and received.  With
Python's default thresholds, full (generation 2) collections walk that
growing heap again and again; measured on the bench registrar they stalled
the process for 0.12, 0.34, then 0.76 s within 19,000 REGISTERs, long enough
for a phone to retransmit and a failover to be judged on a pause of ours.
Freezing the start-up heap and raising the thresholds makes collections
rare and young-only.  It is safe because the request path makes no cyclic
garbage (a finished transaction drops its machine's back-reference,
L{harness.sip.transaction._release}; a completed one answers through its
Timer J record), so reference counting frees what a request used; the
cyclic garbage that remains (failures with tracebacks, Deferred chains) is
still collected, only later.
"""

from __future__ import annotations

import gc

#: generation 0 threshold: allocations minus deallocations between young collections
YOUNG = 200_000


def tune_gc() -> None:
    """Freeze what start-up built and collect rarely (call once the server listens)."""
    gc.freeze()
    gc.set_threshold(YOUNG, 50, 100)
