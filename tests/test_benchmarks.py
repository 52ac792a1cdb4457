"""
L{harness.benchmarks}: figures, not speed (no timed assertions): each
figure the scenarios group promises is there and counts real runs.
"""

from __future__ import annotations

import os

from twisted.trial.unittest import SynchronousTestCase

from harness.benchmarks import _truncated_failovers, bench_scenarios


class ScenariosBenchTests(SynchronousTestCase):
    def test_figures(self) -> None:
        out = bench_scenarios(seconds=0.3)
        for key in ("register_failover_scenarios_per_s", "invite_failover_scenarios_per_s",
                    "register_failover_run_virtual_s_per_wall_s"):
            self.assertGreater(out[key], 0, key)
        if (os.cpu_count() or 1) > 1:
            # one process per core, each running at least its first scenario
            self.assertEqual(out["register_failover_all_cores_processes"], os.cpu_count())
            self.assertGreater(out["register_failover_scenarios_per_s_all_cores"], 0)

    def test_truncated_failovers_bounded_by_time(self) -> None:
        self.assertEqual(_truncated_failovers(0, 0.0), 0)
        self.assertGreaterEqual(_truncated_failovers(0, 0.05), 1)
