"""Tests for L{harness.trace.jsonl}."""

from __future__ import annotations

import io
import json

from twisted.trial.unittest import SynchronousTestCase

from harness.trace.events import ConnEvent, Trace, event_to_json
from harness.trace.jsonl import COMMON_FIELDS, FIELDS, dump, dumps, load
from tests.trace import samples


class JsonlTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.trace = samples.build()
        self.trace.record(ConnEvent(70.0, samples.PHONE, "close", "tls", (samples.PHONE, 1),
                                    (samples.FALLBACK, 5061)))

    def test_round_trip(self) -> None:
        """What is dumped loads back as the events' JSON forms, in order."""
        buf = io.StringIO()
        dump(self.trace, buf)
        self.assertEqual(buf.getvalue(), self.trace.to_jsonl())
        loaded = load(io.StringIO(buf.getvalue()))
        expected = [json.loads(json.dumps(event_to_json(e))) for e in self.trace]
        self.assertEqual(loaded, expected)

    def test_raw_bytes_recoverable(self) -> None:
        """SIP raw text encodes back (latin-1) to the exact bytes."""
        loaded = load(io.StringIO(dumps(self.trace)))
        raws = [d["raw"].encode("latin-1") for d in loaded if d["kind"] == "sip"]
        self.assertEqual(raws, [e.raw for e in self.trace.sip()])

    def test_iterable_of_events(self) -> None:
        """A plain list of events dumps like the trace."""
        self.assertEqual(dumps(list(self.trace)), self.trace.to_jsonl())

    def test_schema_matches_encoder(self) -> None:
        """The documented fields are exactly what the encoder writes, for every kind."""
        seen = set()
        for event in self.trace:
            obj = event_to_json(event)
            self.assertEqual(set(obj), COMMON_FIELDS | FIELDS[obj["kind"]])
            seen.add(obj["kind"])
        self.assertEqual(seen, set(FIELDS))

    def test_blank_lines_skipped(self) -> None:
        text = "\n" + Trace().to_jsonl() + '{"t":0,"kind":"fault","target":"dns",' \
            '"action":"silence","detail":""}\n\n'
        self.assertEqual(len(load(io.StringIO(text))), 1)

    def test_bad_lines_named(self) -> None:
        """Broken input raises ValueError naming the line."""
        for text, message in [
            ('{"t":0,"kind":"note","source":"x","text":"y","clause":null}\n{oops\n', "line 2"),
            ("[1,2]\n", "not a JSON object"),
            ('{"t":0,"kind":"bogus"}\n', "unknown kind"),
            ('{"t":0,"kind":"fault","target":"dns"}\n', "lacks action, detail"),
        ]:
            e = self.assertRaises(ValueError, load, io.StringIO(text))
            self.assertIn(message, str(e))
