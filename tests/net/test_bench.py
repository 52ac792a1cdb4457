"""The benchmark runs, is bounded, and its exchanges succeed (figures are not asserted)."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.net.bench import bench_net


class BenchTests(SynchronousTestCase):
    def test_bench_reports_figures(self) -> None:
        figures = bench_net(seconds=0.02)
        for key in ("udp_exchanges_per_s", "udp_virtual_s_per_wall_s", "tls_exchanges_per_s"):
            self.assertGreater(figures[key], 0)
        self.assertEqual(figures["tls_ok"], figures["tls_exchanges"])
