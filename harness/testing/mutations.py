"""
The mutation check of the properties: for each defective phone variant
(L{harness.phone.defects.DEFECTS}), a bounded Hypothesis search for a world
where the golden phone satisfies the defect's clause and every own property
and the defective phone does not.

Why comparing against the golden phone in the same world: a checker's false
alarm must not count as "caught".  Why a bias per defect: each defect shows
only in some worlds (DNSTTL failback needs a failover under mode 1, probing
needs successive fallback); the bias keeps the search on those worlds, as a
tester writing scenarios for the defect would, while Hypothesis still picks
everything else.

C{python -m harness.testing.mutations [--budget N] [--random]} prints, per
defect, how many worlds the search needed (the budget the mutation tests
must at least have) and how long it took.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from harness.explore import check_world, run_world
from harness.phone.defects import DEFECTS, Defects
from harness.testing.strategies import (
    DOMAIN,
    World,
    accounts,
    fault_schedules,
    networks,
    server_faults,
    worlds,
    zones,
)

__all__ = ["BIAS", "main", "search"]

_FB = ("FAILBACK",)


def _primary_fails(roles, zone, duration):  # type: ignore[no-untyped-def]
    return st.tuples(
        server_faults(["primary"], duration),
        fault_schedules(roles, zone, duration, min_size=0, max_size=1, dns=False),
    ).map(lambda t: sorted([t[0], *t[1]], key=lambda f: f["at"]))


def _working_down(roles, zone, duration):  # type: ignore[no-untyped-def]
    """Both working servers silent from 0 for a while (successive fallback)."""
    until = st.sampled_from([150, 100, 250])
    return until.map(
        lambda u: [
            {"at": 0, "target": r, "action": "silence", "until": float(min(u, duration))}
            for r in roles if r != "fallback"
        ]
    )


def _retry_after(roles, zone, duration):  # type: ignore[no-untyped-def]
    return st.sampled_from([30, 120]).map(
        lambda ra: [{"at": 0, "target": "primary", "action": "respond", "code": 503,
                     "retry_after": ra, "until": float(duration)}]
    )


def _failover(mode=None, **kw):  # type: ignore[no-untyped-def]
    modes = st.just(mode) if isinstance(mode, int) else mode
    return dict(
        account=accounts(server1=st.just(DOMAIN), failback_mode=modes, **kw),
        zone=zones(hosts=st.just(2)),
        faults=_primary_fails,
        network=networks(lossy=False),
    )


def _mid_call_failover() -> dict[str, Any]:
    """A long call set up at the primary, which then fails while a renewal is due."""
    def call_list(duration, index):  # type: ignore[no-untyped-def]
        return st.integers(0, 20).map(
            lambda at: [{"at": at, "to": f"sip:echo@{DOMAIN}", "duration": 60,
                         **({"account": index} if index != 1 else {})}]
        )

    def faults(roles, zone, duration):  # type: ignore[no-untyped-def]
        return st.integers(21, 40).map(
            lambda at: [{"at": at, "target": "primary", "action": "silence"}]
        )

    return dict(
        account=accounts(server1=st.just(DOMAIN), expires=st.sampled_from([30, 60])),
        zone=zones(hosts=st.just(2)),
        faults=faults,
        call_list=call_list,
        network=networks(lossy=False),
    )


def _successive() -> dict[str, Any]:
    return dict(
        account=accounts(server1=st.just(DOMAIN), redundancy_type=st.just(1),
                         fallback=st.just(True)),
        zone=zones(hosts=st.just(2)),
        faults=_working_down,
        network=networks(lossy=False),
        durations=st.sampled_from([300, 600]),
    )


#: defect -> (world bias, clauses and own properties it must break)
BIAS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "ignores-dnsttl": (_failover(1), ("FB-1", *_FB)),
    "never-fails-back": (_failover(0), ("FB-0", *_FB)),
    "always-fails-back": (_failover(st.sampled_from([3, 1, 2])),
                          ("FB-1", "FB-2", "FB-3", "FB-3Z", *_FB)),
    "srv-weight-reversed": (
        dict(account=accounts(server1=st.just(DOMAIN)),
             zone=zones(hosts=st.just(2), priorities=st.sampled_from([0, 1]))),
        ("DNS-7", "FO-1"),
    ),
    "ignores-naptr-order": (
        dict(account=accounts(server1=st.just(DOMAIN), transport=st.just(3)),
             zone=zones(hosts=st.just(2), with_naptr=st.just(True))),
        ("DNS-4", "FO-1", "DNS-ORDER"),
    ),
    "retries-too-many": (_failover(), ("RTX-1", "RTX-2")),
    "retries-too-few": (_failover(), ("RTX-1", "RTX-2")),
    "registers-fallback-in-successive": (
        dict(account=accounts(redundancy_type=st.just(1), fallback=st.just(True))),
        ("FBK-S1",),
    ),
    "no-probing": (_successive(), ("FBK-S3", "FBK-S4", "LIVENESS")),
    "probes-wrong-interval": (_successive(), ("FBK-S3",)),
    "bye-to-new-server": (_mid_call_failover(), ("FO-4", "SAFETY-DIALOG")),
    "registers-before-secondary": (_failover(register_on_enable=st.just(0)), ("FO-5",)),
    "ignores-retry-after": (
        dict(account=accounts(server1=st.just(DOMAIN)), zone=zones(hosts=st.just(2)),
             faults=_retry_after, network=networks(lossy=False)),
        ("RTX-3", *_FB),
    ),
    "no-reregister-retry": (
        dict(account=accounts(fallback=st.just(False)),
             faults=lambda roles, zone, duration: st.just(
                 [{"at": 0, "target": r, "action": "silence", "until": 60.0} for r in roles]),
             network=networks(lossy=False), durations=st.sampled_from([300, 600])),
        ("RTX-5", "LIVENESS"),
    ),
}


def _relevant(problems: list[str], keys: tuple[str, ...]) -> list[str]:
    return [p for p in problems if p.split(":", 1)[0] in keys]


def search(defect: str, budget: int, *, derandomize: bool = True) -> tuple[World | None, int]:
    """
    Search up to C{budget} worlds for one that tells the defective phone from
    the golden one; return it (or C{None}) and the number of worlds tried.
    """
    bias, keys = BIAS[defect]
    clauses = tuple(k for k in keys if "-" in k and k[0].isupper() and not k.startswith(
        ("SAFETY", "LIVENESS")))
    defects = Defects.of(defect)
    tried = [0]
    found: list[World] = []

    class Found(Exception):
        pass

    @settings(max_examples=budget, deadline=None, database=None, derandomize=derandomize,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(worlds(**bias))
    def probe(world: World) -> None:
        tried[0] += 1
        bad = _relevant(check_world(run_world(world, defects=defects), clauses=clauses), keys)
        if not bad:
            return
        good = _relevant(check_world(run_world(world), clauses=clauses), keys)
        if not good:
            found.append(world)
            raise Found

    try:
        probe()
    except (Found, Unsatisfiable):
        pass
    return (found[0] if found else None), tried[0]



def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m harness.testing.mutations",
        description="Worlds the properties need to catch each defective phone variant.",
    )
    p.add_argument("--budget", type=int, default=400, help="worlds per defect (default 400)")
    p.add_argument("--random", action="store_true",
                   help="randomised search (default: derandomized, as under the ci profile)")
    p.add_argument("--defect", action="append", help="only this defect (repeatable)")
    args = p.parse_args(argv)
    names = args.defect or [d.name for d in DEFECTS]
    unknown = sorted(set(names) - set(BIAS))
    if unknown:
        p.error(f"unknown defect(s) {', '.join(unknown)}; known: {', '.join(sorted(BIAS))}")
    missed = 0
    print(f"{'defect':34s} {'clauses':28s} {'worlds':>7s} {'wall s':>7s}")
    for name in names:
        t0 = time.perf_counter()
        world, tried = search(name, args.budget, derandomize=not args.random)
        wall = time.perf_counter() - t0
        keys = ", ".join(k for k in BIAS[name][1] if k not in _FB)
        shown = str(tried) if world is not None else f">{tried}"
        missed += world is None
        print(f"{name:34s} {keys[:28]:28s} {shown:>7s} {wall:7.1f}", flush=True)
    print(f"{len(names) - missed} of {len(names)} defects caught within {args.budget} worlds")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
