"""
A finished, disposed world leaves no reference cycles behind: reference
counting frees all of it (L{harness.testbed.Testbed.dispose}).

Why tested: cyclic garbage left per run is what the cyclic collector then
walks; for a short failover scenario that was ~100 objects a run and about
a tenth of its CPU time.
"""

from __future__ import annotations

import gc
from dataclasses import replace

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import bundled_scenarios_dir, load_scenario
from harness.testbed import run_scenario


def _cyclic_garbage_of(name: str, duration: float) -> int:
    scenario = replace(load_scenario(bundled_scenarios_dir() / name), duration=duration)
    run_scenario(scenario, seed=1)  # (first-use caches filled outside the count)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        run_scenario(scenario, seed=2)
        return gc.collect()
    finally:
        if enabled:
            gc.enable()


class DisposeTests(SynchronousTestCase):
    def test_register_failover_cut_off(self) -> None:
        """
        A run cut off while transactions are unfinished (a silenced server's,
        a REGISTER that timed out with its failure's traceback) leaves none.
        """
        self.assertEqual(
            _cyclic_garbage_of("register-failover-udp.toml", 10.0), 0
        )
