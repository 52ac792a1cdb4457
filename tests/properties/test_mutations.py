"""
Property 6: the properties catch every defective phone variant.

For each defect in L{harness.phone.defects.DEFECTS}, a real Hypothesis search
(bounded budget, biased toward worlds where the defect can show) looks for a
world where the golden phone satisfies the defect's clause and every own
property, and the defective phone does not.  Comparing against the golden
phone in the same world keeps a checker's false alarm from counting as
"caught".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from twisted.trial.unittest import SynchronousTestCase

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


def _budget() -> int:
    """Worlds per defect: 4x the profile's examples (100 under ci)."""
    return settings.default.max_examples * 4


class MutationTests(SynchronousTestCase):
    """Each defective variant is caught within the budget."""


def _make(defect: str) -> Callable[[MutationTests], None]:
    def test(self: MutationTests) -> None:
        world, tried = search(defect, _budget(), derandomize=settings.default.derandomize)
        if world is None:
            self.fail(f"defect {defect!r} not caught in {tried} worlds")

    test.__name__ = f"test_caught_{defect.replace('-', '_')}"
    test.__doc__ = f"The properties catch the {defect!r} phone."
    return test


for _d in DEFECTS:
    setattr(MutationTests, f"test_caught_{_d.name.replace('-', '_')}", _make(_d.name))
