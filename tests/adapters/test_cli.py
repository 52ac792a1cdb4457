"""The command line's adapter options: listing phones and refusing what cannot work."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout

from twisted.trial.unittest import SynchronousTestCase

from harness.cli import EXIT_OK, EXIT_USAGE, main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


class ListPhonesTests(SynchronousTestCase):
    def test_baresip_listed_with_its_installation(self) -> None:
        rc, out, _ = run("certify", "--list-phones")
        self.assertEqual(rc, EXIT_OK)
        (line,) = [x for x in out.splitlines() if x.startswith("baresip ")]
        have = shutil.which("baresip")
        self.assertIn(f"installed: {have}" if have else "not installed", line)
        self.assertIn("external", out)


class UsageTests(SynchronousTestCase):
    def test_time_scale_needs_the_wire(self) -> None:
        rc, _, err = run("certify", "--time-scale", "0.1")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--network wire", err)

    def test_external_phone_points_to_serve(self) -> None:
        rc, _, err = run("certify", "--phone", "external")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("serve", err)

    def test_baresip_refuses_a_time_scale(self) -> None:
        if shutil.which("baresip") is None:
            self.skipTest("baresip not installed")
        rc, _, err = run("certify", "--phone", "baresip", "--time-scale", "0.1")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("real timers", err)

    def test_explore_is_simulation_only(self) -> None:
        rc, _, err = run("certify", "--network", "wire", "--explore", "3")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("simulated", err)
