"""The RFC 3261 section 25 grammar pieces match what the RFC says they match."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from harness.sip import _abnf


class TokenTests(SynchronousTestCase):
    def test_token_accepts_rfc_punctuation(self) -> None:
        self.assertTrue(_abnf.token_re.fullmatch("!interesting-Method0123456789_*+`.%indeed'~"))

    def test_token_rejects_separators(self) -> None:
        for bad in ("a b", "a:b", "a,b", 'a"b', "a;b", "", "a(b"):
            self.assertIsNone(_abnf.token_re.fullmatch(bad), bad)


class QuotedStringTests(SynchronousTestCase):
    def test_quoted_pair(self) -> None:
        self.assertTrue(_abnf.quoted_string_re.fullmatch(r'"a \"b\" \\ c"'))

    def test_utf8_text(self) -> None:
        self.assertTrue(_abnf.quoted_string_re.fullmatch('"Bj\u00f6rn \u65e5\u672c"'))

    def test_unterminated(self) -> None:
        self.assertIsNone(_abnf.quoted_string_re.fullmatch('"abc'))
        self.assertIsNone(_abnf.quoted_string_re.fullmatch(r'"abc\"'))


class HostTests(SynchronousTestCase):
    def test_hosts(self) -> None:
        for good in ("example.com", "example.com.", "a-b.c", "192.0.2.1", "[2001:db8::1]"):
            self.assertTrue(_abnf.host_re.fullmatch(good), good)

    def test_toplabel_must_start_with_letter(self) -> None:
        self.assertIsNone(_abnf.hostname_re.fullmatch("example.9com"))
        self.assertIsNone(_abnf.hostname_re.fullmatch("-bad.com"))


class LineTests(SynchronousTestCase):
    def test_request_line(self) -> None:
        m = _abnf.request_line_re.fullmatch("INVITE sip:bob@biloxi.com SIP/2.0")
        assert m is not None
        self.assertEqual(m.group("method", "uri", "version"),
                         ("INVITE", "sip:bob@biloxi.com", "SIP/2.0"))

    def test_request_line_single_spaces_only(self) -> None:
        self.assertIsNone(_abnf.request_line_re.fullmatch("INVITE  sip:bob@b SIP/2.0"))
        self.assertIsNone(_abnf.request_line_re.fullmatch("INVITE sip:bob@b c SIP/2.0"))

    def test_status_line(self) -> None:
        m = _abnf.status_line_re.fullmatch("SIP/2.0 486 Busy Here")
        assert m is not None
        self.assertEqual(m.group("status", "reason"), ("486", "Busy Here"))

    def test_via_parm(self) -> None:
        m = _abnf.via_parm_re.fullmatch("SIP / 2.0 / UDP host.example.com:5060;branch=z9hG4bK1")
        assert m is not None
        self.assertEqual(m.group("transport", "host", "port"), ("UDP", "host.example.com", "5060"))

    def test_generic_param(self) -> None:
        m = _abnf.generic_param_re.fullmatch('q = "a b"')
        assert m is not None
        self.assertEqual(m.group("value"), '"a b"')
