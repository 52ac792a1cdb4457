"""SIP URIs: parsing, unescaping, canonical writing."""

from __future__ import annotations

from hypothesis import given
from twisted.trial.unittest import SynchronousTestCase

from harness.sip import _abnf
from harness.sip.uri import _ALNUM_SAFE, ParseError, SipURI, escape, parse_uri
from harness.testing.hypothesis_trial import show_notes
from harness.testing.strategies_sip import sip_uris


class ParseURITests(SynchronousTestCase):
    def test_full(self) -> None:
        u = parse_uri("sips:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x")
        self.assertEqual(
            u,
            SipURI("sips", "alice", "secret", "atlanta.com", 5061,
                   (("transport", "tcp"), ("lr", None)), (("subject", "project x"),)),
        )
        self.assertEqual(u.transport, "tcp")
        self.assertEqual(u.param("LR"), "")

    def test_host_only(self) -> None:
        u = parse_uri("sip:registrar.biloxi.com")
        self.assertEqual((u.user, u.host, u.port), (None, "registrar.biloxi.com", None))

    def test_ipv6_reference(self) -> None:
        u = parse_uri("sip:[2001:db8::10]:5070")
        self.assertEqual((u.host, u.port, u.bare_host), ("[2001:db8::10]", 5070, "2001:db8::10"))

    def test_escaped_user(self) -> None:
        """RFC 4475 3.1.1.2-style: the user part is unescaped."""
        u = parse_uri("sip:sip%3Auser%40example.com@company.com;other-param=summit")
        self.assertEqual(u.user, "sip:user@example.com")
        self.assertEqual(str(u), "sip:sip%3Auser%40example.com@company.com;other-param=summit")

    def test_user_with_semicolon(self) -> None:
        u = parse_uri("sip:user;par=u%40example.net@example.com")
        self.assertEqual((u.user, u.params), ("user;par=u@example.net", ()))

    def test_scheme_case_insensitive(self) -> None:
        self.assertEqual(parse_uri("SIP:a@b.com").scheme, "sip")

    def test_canonical_escaping(self) -> None:
        u = SipURI("sip", "a b", None, "example.com", None, (("x", "1 2"),), ())
        self.assertEqual(str(u), "sip:a%20b@example.com;x=1%202")

    def test_repr_hides_password(self) -> None:
        u = parse_uri("sip:alice:hunter2@atlanta.com")
        self.assertNotIn("hunter2", repr(u))

    def test_with_param(self) -> None:
        u = parse_uri("sip:a@b.com;transport=udp").with_param("TRANSPORT", "tcp")
        self.assertEqual(str(u), "sip:a@b.com;transport=tcp")

    def test_bad(self) -> None:
        for bad in ("tel:+1234", "sip:", "sip:@host.com", "sip:host.com:99999",
                    "sip:host.com:x", "sip:[::1", "sip:a%4@b.com", "sip:a@b.com;=x",
                    "sip:a@bad_host.com", "sip:a@256.1.1.1", "sip:a@[zz::1]", "nocolon",
                    "sip:a@b.com?x", "sip:%ff@b.com"):
            self.assertRaises(ParseError, parse_uri, bad)


class URIPropertyTests(SynchronousTestCase):
    @show_notes
    @given(sip_uris())
    def test_round_trip(self, u: SipURI) -> None:
        self.assertEqual(parse_uri(str(u)), u)


class EscapeTests(SynchronousTestCase):
    """L{escape}, including its shortcut for ASCII letters and digits."""

    def test_alphanumeric_unchanged_in_every_safe_set(self) -> None:
        self.assertEqual(len(_ALNUM_SAFE), 4)
        for safe in (_abnf.USER_SAFE, _abnf.PASSWORD_SAFE, _abnf.PARAM_SAFE,
                     _abnf.HEADER_SAFE):
            self.assertEqual(escape("u00001UDP", safe), "u00001UDP")

    def test_other_characters_still_escaped(self) -> None:
        self.assertEqual(escape("a b", _abnf.USER_SAFE), "a%20b")
        self.assertEqual(escape("é1", _abnf.PARAM_SAFE), "%C3%A91")
        self.assertEqual(escape("", _abnf.PARAM_SAFE), "")

    def test_shortcut_only_for_sets_holding_alphanumerics(self) -> None:
        self.assertEqual(escape("ab12", frozenset("ab")), "ab%31%32")
