"""
The C{sip-harness} command line: exit codes, outputs and reports, as a user
(or a CI script) relies on them.  Only simulated-network commands here.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from xml.etree import ElementTree

from twisted.trial.unittest import SynchronousTestCase

from harness import __version__
from harness.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "fixtures" / "scenarios"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse's --help/--version/usage errors
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


class BasicsTests(SynchronousTestCase):
    def test_version(self) -> None:
        code, out, _ = run("--version")
        self.assertEqual(code, 0)
        self.assertIn(__version__, out)

    def test_no_command_prints_help(self) -> None:
        code, out, _ = run()
        self.assertEqual(code, EXIT_USAGE)
        self.assertIn("certify", out)

    def test_clauses(self) -> None:
        code, out, _ = run("clauses")
        self.assertEqual(code, EXIT_OK)
        for cid in ("CFG-1", "DNS-11", "RTX-5", "FB-3Z", "FBK-S4", "TLS-1"):
            self.assertIn(cid, out)


class ParseTests(SynchronousTestCase):
    def test_good_message_normalised(self) -> None:
        code, out, _ = run("parse", str(ROOT / "fixtures" / "messages" / "register.sip"))
        self.assertEqual(code, EXIT_OK)
        self.assertTrue(out.startswith("REGISTER "))
        self.assertIn("Content-Length: 0", out)

    def test_bad_message_exit_1_naming_file(self) -> None:
        bad = ROOT / "fixtures" / "messages" / "bad-content-length.sip"
        code, _, err = run("parse", str(bad))
        self.assertEqual(code, EXIT_FAILED)
        self.assertIn(f"{bad}: error:", err)

    def test_missing_file(self) -> None:
        code, _, err = run("parse", "/nonexistent/x.sip")
        self.assertEqual(code, EXIT_FAILED)
        self.assertIn("/nonexistent/x.sip: error:", err)


class CheckConfigTests(SynchronousTestCase):
    def test_valid_masks_password(self) -> None:
        code, out, _ = run("check-config", str(ROOT / "fixtures/phones/guide-example.cfg"))
        self.assertEqual(code, EXIT_OK)
        self.assertIn("****", out)
        self.assertNotIn("password = 1234", out)

    def test_invalid_lists_every_error(self) -> None:
        code, _, err = run("check-config", str(ROOT / "fixtures/phones/invalid/out-of-range.cfg"))
        self.assertEqual(code, EXIT_FAILED)
        self.assertIn("nothing applied", err)
        self.assertGreaterEqual(err.count("out-of-range.cfg:"), 8)

    def test_missing_file_is_usage_error(self) -> None:
        code, _, err = run("check-config", "/nonexistent.cfg")
        self.assertEqual(code, EXIT_USAGE)
        self.assertIn("/nonexistent.cfg", err)


class CertifyTests(SynchronousTestCase):
    def test_one_scenario_with_reports(self) -> None:
        tmp = Path(self.mktemp())
        tmp.mkdir()
        code, out, err = run(
            "certify",
            "--scenario",
            str(SCENARIOS / "invite-failover-udp.toml"),
            "--json",
            str(tmp / "r.json"),
            "--junit",
            str(tmp / "r.xml"),
            "--html",
            str(tmp / "r.html"),
            "--pcap",
            str(tmp / "pcaps"),
        )
        self.assertEqual(code, EXIT_OK, out + err)
        self.assertIn("result: CERTIFIED", out)
        self.assertIn("[1/1] invite-failover-udp: ok", err)
        doc = json.loads((tmp / "r.json").read_text())
        self.assertEqual(doc["schema"], 1)
        self.assertEqual(doc["result"], "pass")
        self.assertEqual(len(doc["scenarios"][0]["trace_sha256"]), 64)
        suite = ElementTree.parse(tmp / "r.xml").getroot().find("testsuite")
        assert suite is not None
        self.assertEqual(suite.get("failures"), "0")
        self.assertGreater(int(suite.get("tests", "0")), 10)
        html = (tmp / "r.html").read_text()
        self.assertIn("<svg", html)
        self.assertIn("CERTIFIED", html)
        self.assertTrue((tmp / "pcaps" / "invite-failover-udp.pcap").stat().st_size > 100)

    def test_defective_phone_exits_1_and_names_the_clause(self) -> None:
        code, out, _ = run(
            "certify",
            "-q",
            "--phone",
            "builtin:defect=never-fails-back",
            "--scenario",
            str(SCENARIOS / "invite-failover-udp.toml"),
        )
        self.assertEqual(code, EXIT_FAILED)
        self.assertIn("FB-0", out)
        self.assertIn("NOT CERTIFIED", out)

    def test_clause_selection(self) -> None:
        code, out, _ = run(
            "certify",
            "-q",
            "--clause",
            "FO-3",
            "--scenario",
            str(SCENARIOS / "invite-failover-udp.toml"),
        )
        self.assertEqual(code, EXIT_OK)
        self.assertIn("FO-3", out)
        self.assertNotIn("FB-0 ", out)

    def test_same_seed_same_report(self) -> None:
        args = (
            "certify",
            "--scenario",
            str(SCENARIOS / "register-failover-udp.toml"),
            "--seed",
            "42",
        )
        _, _, err1 = run(*args)
        _, _, err2 = run(*args)
        self.assertEqual(err1.split("trace ")[1][:12], err2.split("trace ")[1][:12])

    def test_unknown_clause_is_usage_error(self) -> None:
        code, _, err = run("certify", "--clause", "FB-9")
        self.assertEqual(code, EXIT_USAGE)
        self.assertIn("FB-9", err)

    def test_unknown_defect_is_usage_error(self) -> None:
        code, _, err = run("certify", "--phone", "builtin:defect=nope")
        self.assertEqual(code, EXIT_USAGE)
        self.assertIn("known defects", err)

    def test_bad_scenario_is_usage_error_naming_key(self) -> None:
        p = Path(self.mktemp())
        p.write_text(
            '[scenario]\nname = "x"\nduration = 5\nfoo = 1\n[phone]\n'
            f'config = "{ROOT}/fixtures/phones/guide-example.cfg"\n'
        )
        code, _, err = run("certify", "--scenario", str(p))
        self.assertEqual(code, EXIT_USAGE)
        self.assertIn("scenario.foo: unknown key", err)

    def test_list_phones(self) -> None:
        code, out, _ = run("certify", "--list-phones")
        self.assertEqual(code, EXIT_OK)
        self.assertIn("builtin:defect=never-fails-back", out)
        self.assertIn("baresip", out)


class RunTests(SynchronousTestCase):
    def test_run_prints_ladder_verdicts_digest(self) -> None:
        tmp = Path(self.mktemp())
        code, out, _ = run(
            "run", str(SCENARIOS / "register-failover-udp.toml"), "--trace", str(tmp)
        )
        self.assertEqual(code, EXIT_OK)
        self.assertIn("REGISTER", out)
        self.assertIn("FO-2     PASS", out)
        self.assertIn("trace sha256 ", out)
        first = json.loads(tmp.read_text().splitlines()[0])
        self.assertIn("kind", first)
