"""
Where the time of a simulated failover scenario goes: the per-phase profile
that C{sip-harness bench} prints next to the speed figures.

Two views, both from the same runs of the bundled REGISTER-failover scenario:

 - B{stages}, timed with C{perf_counter} around the testbed's own steps:
   building the world (servers, DNS, phone, listeners), running it on the
   virtual clock, and judging the trace against the clauses;
 - B{phases}, from C{cProfile}: every function's own time (C{tottime}) is
   credited to the part of the code it belongs to (SIP parsing, DNS
   encode/decode, Deferreds, timers, ...).  A builtin (C{list.sort},
   C{bytes.join}) has no module of its own: its time is shared among its
   callers in proportion to what each call edge cost, so C{str.split} called
   by the SIP parser counts as parsing.  The profiler inflates small calls
   more than large ones, so the shares are a guide to where to look, not a
   budget; the stage timings are taken without the profiler.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

#: (phase, path fragments of the functions it owns); the first match wins,
#: so more specific fragments come first.
PHASES: Sequence[tuple[str, tuple[str, ...]]] = (
    (
        "SIP parse/serialise",
        ("harness/sip/message", "harness/sip/_abnf", "harness/sip/uri", "harness/sip/framing"),
    ),
    ("SIP transactions", ("harness/sip/transaction",)),
    ("SIP transport", ("harness/sip/transport", "harness/sip/digest")),
    ("RFC 3263 locator", ("harness/sip/locate",)),
    ("DNS encode/decode", ("twisted/names/dns.py",)),
    ("DNS client/server", ("twisted/names/", "harness/dns/")),
    ("Deferreds", ("twisted/internet/defer.py",)),
    ("Automat", ("automat/",)),
    ("timers and simulated network", ("harness/net/", "twisted/internet/base.py", "heapq")),
    ("TLS", ("OpenSSL/", "twisted/protocols/tls.py", "harness/tls.py", "service_identity")),
    ("phone model", ("harness/phone/",)),
    ("fake servers", ("harness/servers/",)),
    ("trace", ("harness/trace/",)),
    ("judging (checkers)", ("harness/certify/",)),
    ("world build (testbed, scenario)", ("harness/testbed.py", "harness/scenario.py")),
    ("other Twisted", ("twisted/",)),
)
OTHER = "other (stdlib, logging, interpreter)"

_Func = tuple[str, int, str]


def phase_of(filename: str) -> str | None:
    """The phase owning code in C{filename}, or C{None} for builtins (no file)."""
    if filename == "~" or filename.startswith("<"):
        return None
    path = filename.replace("\\", "/")
    for phase, fragments in PHASES:
        if any(f in path for f in fragments):
            return phase
    return OTHER


def attribute(stats: dict[_Func, Any]) -> dict[str, float]:
    """
    Seconds of own time per phase from a C{pstats.Stats.stats} mapping.

    Builtins are charged to their callers' phases by the cost of each call
    edge; a builtin called only by builtins (rare) is charged, through its
    callers, recursively, and anything left unattributable goes to L{OTHER}.
    """
    totals: dict[str, float] = {}
    memo: dict[_Func, dict[str, float]] = {}

    def shares(func: _Func, depth: int) -> dict[str, float]:
        """The fraction of C{func}'s own time that belongs to each phase."""
        phase = phase_of(func[0])
        if phase is not None:
            return {phase: 1.0}
        if func in memo:
            return memo[func]
        memo[func] = {OTHER: 1.0}  # cycle guard
        callers = stats[func][4] if func in stats else {}
        weights = {c: edge[2] + 1e-12 for c, edge in callers.items()}
        total = sum(weights.values())
        out: dict[str, float] = {}
        if not weights or depth > 20:
            out = {OTHER: 1.0}
        else:
            for caller, w in weights.items():
                for p, f in shares(caller, depth + 1).items():
                    out[p] = out.get(p, 0.0) + f * w / total
        memo[func] = out
        return out

    for func, (_cc, _nc, tt, _ct, _callers) in stats.items():
        for p, f in shares(func, 0).items():
            totals[p] = totals.get(p, 0.0) + tt * f
    return totals


def profile_scenarios(
    runs: int = 200, scenario_file: str = "register-failover-udp.toml", until: float = 10.0
) -> dict[str, Any]:
    """
    Stage timings (without the profiler) and the per-phase split (with it) of
    C{runs} runs of a bundled failover scenario cut at C{until} virtual seconds.
    """
    from harness.scenario import bundled_scenarios_dir, load_scenario
    from harness.testbed import Testbed

    scenario = replace(load_scenario(bundled_scenarios_dir() / scenario_file), duration=until)
    stages = {"build": 0.0, "run": 0.0, "judge": 0.0}

    def one(seed: int, clock: Callable[[], float] = time.perf_counter) -> None:
        t0 = clock()
        bed = Testbed(scenario, seed=seed)
        world = bed.world
        assert world is not None
        with world.deterministic_dns():
            bed.start()
            t1 = clock()
            bed.run_until(scenario.duration)
            bed.stop()
            t2 = clock()
            bed.result()
        bed.dispose()  # as run_scenario does; counted with judging
        t3 = clock()
        stages["build"] += t1 - t0
        stages["run"] += t2 - t1
        stages["judge"] += t3 - t2

    one(runs)  # warm the caches (zone parse, TLS contexts) the bench does not time
    stages.update(dict.fromkeys(stages, 0.0))
    for seed in range(runs):
        one(seed)
    out: dict[str, Any] = {
        f"profile_{k}_us_per_scenario": v / runs * 1e6 for k, v in stages.items()
    }
    profiler = cProfile.Profile()
    profiler.enable()
    for seed in range(runs):
        one(seed)
    profiler.disable()
    phases = attribute(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]
    total = sum(phases.values()) or 1.0
    out["profile_phases_pct"] = {
        p: round(100 * s / total, 1) for p, s in sorted(phases.items(), key=lambda kv: -kv[1])
    }
    return out


def format_phases(figures: dict[str, Any]) -> list[str]:
    """The per-phase split as table lines (the bench table skips dict figures)."""
    phases = figures.get("profile_phases_pct") or {}
    return [f"    {pct:5.1f} %  {phase}" for phase, pct in phases.items()]


__all__ = ["OTHER", "PHASES", "attribute", "format_phases", "phase_of", "profile_scenarios"]
