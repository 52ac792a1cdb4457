"""
The HTML report renders in a real browser (headless Chromium), bounded in
time; skipped with the reason when Chromium is not installed (.ci/run installs
it).  The screenshot lands in the test's temp directory for a person to look at.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

from twisted.trial.unittest import SkipTest, SynchronousTestCase

from harness.cli import main

ROOT = Path(__file__).resolve().parents[2]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SkipTest("headless Chromium is not installed (apt-get install chromium)")


class HtmlRenderTests(SynchronousTestCase):
    def test_report_renders_to_a_screenshot(self) -> None:
        browser = chromium()
        tmp = Path(self.mktemp()).absolute()
        tmp.mkdir()
        html = tmp / "report.html"
        main([
            "certify", "-q", "--phone", "builtin:defect=never-fails-back",
            "--scenario", str(ROOT / "fixtures/scenarios/invite-failover-udp.toml"),
            "--html", str(html),
        ])
        text = html.read_text()
        self.assertIn("NOT CERTIFIED", text)
        self.assertIn("<svg", text)
        png = tmp / "report.png"
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp / 'profile'}", "--window-size=1200,1600",
             f"--screenshot={png}", html.as_uri()],
            check=False, timeout=90, capture_output=True,
        )
        data = png.read_bytes()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", data[16:24])
        self.assertEqual((width, height), (1200, 1600))
        self.assertGreater(len(data), 50_000, "an almost empty page")
