"""
Secrets stay secret: the phone's password and the servers' digest passwords
never appear in the trace (JSON lines), the ladder, NoteEvents, reports
(text, JSON, JUnit, HTML), logs, reprs or exceptions.  The pcap keeps the
wire as it was (a digest response is a hash, not the password), so it is
checked too: the password must not be in it either.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from twisted.logger import globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase

from harness.cli import main
from harness.scenario import load_scenario
from harness.testbed import run_scenario
from harness.trace.events import NoteEvent
from harness.trace.jsonl import dumps
from harness.trace.ladder import html_ladder, text_ladder

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIO = ROOT / "fixtures" / "scenarios" / "auth-digest.toml"
SECRETS = (b"s3cret-1001", b"not-the-phones-password")


class SecretsTests(SynchronousTestCase):
    def assertNoSecret(self, what: str, data: str | bytes) -> None:
        blob = data.encode("utf-8", "replace") if isinstance(data, str) else data
        for secret in SECRETS:
            self.assertNotIn(secret, blob, f"{secret!r} found in {what}")

    def test_secrets_in_play(self) -> None:
        """The scenario really uses the secrets (else the other tests prove nothing)."""
        sc = load_scenario(SCENARIO)
        self.assertEqual(sc.phone.account(1).password, SECRETS[0].decode())
        result = run_scenario(sc)
        auth = [e for e in result.trace.sip() if b"Authorization: Digest" in e.raw]
        self.assertTrue(auth)

    def test_in_process_outputs(self) -> None:
        """Trace, ladder, notes, verdicts, reprs and every log line of a run."""
        logs: list[str] = []

        def observer(event: dict[str, object]) -> None:
            logs.append(repr(event))

        globalLogPublisher.addObserver(observer)
        try:
            sc = load_scenario(SCENARIO)
            result = run_scenario(sc)
        finally:
            globalLogPublisher.removeObserver(observer)
        self.assertNoSecret("the JSON-lines trace", dumps(result.trace))
        self.assertNoSecret("the text ladder", text_ladder(result.trace))
        self.assertNoSecret("the HTML ladder", html_ladder(result.trace))
        notes = [e.text for e in result.trace.events if isinstance(e, NoteEvent)]
        self.assertNoSecret("NoteEvents", "\n".join(notes))
        self.assertNoSecret("verdicts", repr(result.verdicts))
        self.assertNoSecret("facts", repr(result.facts))
        self.assertNoSecret("scenario", repr(sc))
        self.assertNoSecret("phone errors", repr(result.phone_errors))
        self.assertNoSecret("logs", "\n".join(logs))

    def test_cli_outputs(self) -> None:
        """`certify` with every report format and pcaps, and `run` with trace and pcap."""
        with tempfile.TemporaryDirectory() as tmp:
            out, err = io.StringIO(), io.StringIO()
            t = Path(tmp)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(["certify", "--scenario", str(SCENARIO), "--json", str(t / "r.json"),
                      "--junit", str(t / "r.xml"), "--html", str(t / "r.html"),
                      "--pcap", str(t / "pcaps")])
                main(["run", str(SCENARIO), "--trace", str(t / "trace.jsonl"),
                      "--pcap", str(t / "run.pcap")])
            self.assertNoSecret("stdout", out.getvalue())
            self.assertNoSecret("stderr", err.getvalue())
            files = [p for p in t.rglob("*") if p.is_file()]
            self.assertGreaterEqual(len(files), 5, files)
            for path in files:
                self.assertNoSecret(str(path.relative_to(t)), path.read_bytes())

    def test_exceptions_do_not_carry_the_password(self) -> None:
        """A broken config names the key, never the password's value."""
        from harness.phone.config import ConfigError, parse_config

        text = ("account.1.enable = 1\naccount.1.password = s3cret-1001\n"
                "account.1.sip_server.1.port = not-a-port\naccount.1.password = \x00\n")
        with self.assertRaises(ConfigError) as ctx:
            parse_config(text)
        self.assertNoSecret("ConfigError", str(ctx.exception) + repr(ctx.exception.errors))


