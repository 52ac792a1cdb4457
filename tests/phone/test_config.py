"""
Tests for L{harness.phone.config}: CFG-1 defaults, CFG-2 ranges and
whole-file rejection, CFG-3 unknown keys, the fixtures, and the round trip.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from harness.phone.config import (
    DEFAULT_FAILBACK_TIMEOUT,
    AccountConfig,
    ConfigError,
    PhoneConfig,
    ServerConfig,
    config_to_text,
    format_effective,
    load_config,
    parse_config,
)
from harness.testing.hypothesis_trial import show_notes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "phones"

# (key suffix after "account.1.", in-range edges, just-out-of-range values, range text)
INT_KEYS: list[tuple[str, list[int], list[int], str]] = [
    ("enable", [0, 1], [-1, 2], "0 or 1"),
    ("transport", [0, 3], [-1, 4], "0..3"),
    ("naptr_build", [0, 1], [-1, 2], "0 or 1"),
    ("napt_r_build", [0, 1], [-1, 2], "0 or 1"),
    ("fallback.redundancy_type", [0, 1], [-1, 2], "0 or 1"),
    ("fallback.timeout", [10, 2147483647], [9, 2147483648], "10..2147483647"),
]
SERVER_INT_KEYS: list[tuple[str, list[int], list[int], str]] = [
    ("port", [0, 1, 65535], [-1, 65536], "1..65535, or 0 = ask DNS"),
    ("expires", [30, 2147483647], [29, 2147483648], "30..2147483647"),
    ("retry_counts", [0, 20], [-1, 21], "0..20"),
    ("failback_mode", [0, 3], [-1, 4], "0..3"),
    ("failback_timeout", [0, 60, 65535], [-1, 1, 59, 65536], "0 or 60..65535"),
    ("register_on_enable", [0, 1], [-1, 2], "0 or 1"),
]
FIELD_OF = {
    "napt_r_build": "naptr_build",
    "fallback.redundancy_type": "redundancy_type",
    "fallback.timeout": "fallback_timeout",
}


def _error(text: str, filename: str = "t.cfg") -> ConfigError:
    try:
        parse_config(text, filename)
    except ConfigError as e:
        return e
    raise AssertionError(f"no ConfigError for {text!r}")


class DefaultsTests(SynchronousTestCase):
    """CFG-1."""

    def test_empty_file_gives_six_default_accounts(self) -> None:
        config = parse_config("")
        self.assertEqual([a.index for a in config.accounts], [1, 2, 3, 4, 5, 6])
        self.assertEqual(config, PhoneConfig())
        self.assertEqual(config.warnings, ())
        self.assertEqual(config.enabled_accounts, ())

    def test_account_defaults(self) -> None:
        a = parse_config("account.1.label = x").account(1)
        self.assertEqual(
            (a.enable, a.transport, a.naptr_build, a.redundancy_type, a.fallback_timeout),
            (0, 0, 0, 0, 120),
        )
        self.assertEqual((a.display_name, a.auth_name, a.user_name, a.password), ("",) * 4)

    def test_server_defaults(self) -> None:
        for n in (1, 2):
            s = parse_config("").account(3).server(n)
            self.assertEqual(s.address, "")
            self.assertEqual(s.port, 5060)
            self.assertEqual(s.expires, 3600)
            self.assertEqual(s.retry_counts, 3)
            self.assertEqual(s.failback_mode, 0)
            self.assertEqual(s.register_on_enable, 0)
            self.assertEqual(s.failback_timeout, DEFAULT_FAILBACK_TIMEOUT)
        self.assertEqual(DEFAULT_FAILBACK_TIMEOUT, 3600)

    def test_blank_value_keeps_default(self) -> None:
        a = parse_config("account.1.sip_server.1.port =\naccount.1.enable = ").account(1)
        self.assertEqual((a.server(1).port, a.enable), (5060, 0))

    def test_blank_value_still_counts_for_duplicates(self) -> None:
        e = _error("account.1.enable =\naccount.1.enable = 1")
        self.assertIn("duplicate", e.errors[0])


class SyntaxTests(SynchronousTestCase):
    """Comments, section headers, whitespace, values kept as given."""

    def test_comments_sections_blank_lines_and_whitespace(self) -> None:
        text = (
            "#!version:1.0.0.1\n"
            "##Phone Registration\n"
            "\n"
            "   # indented comment\n"
            "  account.2.enable   =   1  \r\n"
            "\taccount.2.label=Front desk\t\n"
        )
        a = parse_config(text).account(2)
        self.assertEqual((a.enable, a.label), (1, "Front desk"))

    def test_value_kept_as_given(self) -> None:
        a = parse_config(
            'account.1.password = a#b = "c"\naccount.1.display_name = "Reception"'
        ).account(1)
        self.assertEqual(a.password, 'a#b = "c"')
        self.assertEqual(a.display_name, '"Reception"')

    def test_quoted_integer_is_not_an_integer(self) -> None:
        e = _error('account.1.sip_server.1.port = "5060"')
        self.assertIn("not an integer", e.errors[0])

    def test_byte_order_mark_ignored(self) -> None:
        self.assertEqual(parse_config("\ufeffaccount.1.enable = 1").account(1).enable, 1)

    def test_plus_sign_and_leading_zeros_are_integers(self) -> None:
        s = parse_config("account.1.sip_server.1.port = +0050").account(1).server(1)
        self.assertEqual(s.port, 50)

    def test_unicode_digits_and_underscores_are_not_integers(self) -> None:
        for value in ("1_000", "\u0665", "5060.0", "0x10", "5 060"):
            e = _error(f"account.1.sip_server.1.port = {value}")
            self.assertIn("not an integer", e.errors[0], value)

    def test_malformed_lines(self) -> None:
        e = _error("account.1.enable 1\n= 5\naccount 1.enable = 1")
        self.assertEqual(len(e.errors), 3)
        for n, err in enumerate(e.errors, start=1):
            self.assertTrue(err.startswith(f"t.cfg:{n}: malformed line"), err)
            self.assertIn("valid: 'key = value'", err)

    def test_malformed_password_line_is_withheld(self) -> None:
        e = _error("account.1.password hunter2")
        self.assertNotIn("hunter2", str(e))


class RangeTests(SynchronousTestCase):
    """CFG-2: every integer setting, edges in and just out."""

    def test_account_keys_in_range(self) -> None:
        for key, good, _bad, _text in INT_KEYS:
            for v in good:
                a = parse_config(f"account.4.{key} = {v}").account(4)
                self.assertEqual(getattr(a, FIELD_OF.get(key, key)), v, key)

    def test_server_keys_in_range(self) -> None:
        for y in (1, 2):
            for key, good, _bad, _text in SERVER_INT_KEYS:
                for v in good:
                    s = parse_config(f"account.6.sip_server.{y}.{key} = {v}").account(6).server(y)
                    self.assertEqual(getattr(s, key), v, key)

    def test_out_of_range_names_file_line_key_value_range(self) -> None:
        cases = [(f"account.2.{k}", bad, text) for k, _g, bad, text in INT_KEYS]
        cases += [
            (f"account.2.sip_server.2.{k}", bad, text) for k, _g, bad, text in SERVER_INT_KEYS
        ]
        for key, bad, text in cases:
            for v in bad:
                e = _error(f"# header\n{key} = {v}", "phone.cfg")
                self.assertEqual(len(e.errors), 1)
                prefix = f"phone.cfg:2: {key} = {v}: out of range (valid: {text}"
                self.assertTrue(e.errors[0].startswith(prefix), (e.errors[0], prefix))
                self.assertTrue(e.errors[0].endswith(")"), e.errors[0])

    def test_non_integer_names_range(self) -> None:
        e = _error("account.1.sip_server.1.retry_counts = three", "x.cfg")
        self.assertEqual(
            e.errors,
            ["x.cfg:1: account.1.sip_server.1.retry_counts = three: not an integer (valid: 0..20)"],
        )

    def test_account_index_out_of_range(self) -> None:
        for index in ("0", "7", "01", "x", "", "-1"):
            e = _error(f"account.{index}.enable = 1")
            self.assertEqual(len(e.errors), 1, index)
            self.assertIn(f"account.{index}.enable = 1", e.errors[0])
            self.assertIn("account index", e.errors[0])
            self.assertIn("(valid: 1..6)", e.errors[0])

    def test_every_account_index_accepted(self) -> None:
        text = "\n".join(f"account.{i}.sip_server.1.expires = {30 + i}" for i in range(1, 7))
        config = parse_config(text)
        self.assertEqual([a.server(1).expires for a in config.accounts], [31, 32, 33, 34, 35, 36])


class DuplicateTests(SynchronousTestCase):
    """CFG-2: a key set twice is an error."""

    def test_duplicate_key(self) -> None:
        e = _error("account.1.enable = 1\n\naccount.1.enable = 1")
        self.assertEqual(
            e.errors,
            [
                "t.cfg:3: account.1.enable = 1: duplicate key, already set at line 1 "
                "(valid: once per file)"
            ],
        )

    def test_both_naptr_spellings_are_one_key(self) -> None:
        e = _error("account.1.napt_r_build = 1\naccount.1.naptr_build = 1")
        self.assertIn("already set at line 1 as account.1.napt_r_build", e.errors[0])

    def test_both_naptr_spellings_load(self) -> None:
        self.assertEqual(parse_config("account.1.naptr_build = 1").account(1).naptr_build, 1)
        self.assertEqual(parse_config("account.1.napt_r_build = 1").account(1).naptr_build, 1)

    def test_same_field_in_other_account_or_server_is_no_duplicate(self) -> None:
        config = parse_config(
            "account.1.sip_server.1.port = 1\naccount.1.sip_server.2.port = 2\n"
            "account.2.sip_server.1.port = 3"
        )
        self.assertEqual(config.account(1).server(2).port, 2)

    def test_duplicate_password_value_masked(self) -> None:
        e = _error("account.1.password = one-secret\naccount.1.password = two-secret")
        self.assertIn("account.1.password = ****", e.errors[0])
        self.assertNotIn("secret", str(e))

    def test_duplicate_unknown_keys_only_warn(self) -> None:
        config = parse_config("features.dnd.enable = 0\nfeatures.dnd.enable = 1")
        self.assertEqual(len(config.warnings), 2)


class WholeFileTests(SynchronousTestCase):
    """CFG-2: every error is collected, nothing is applied."""

    def test_all_errors_collected_in_line_order(self) -> None:
        e = _error(
            "account.1.enable = 2\naccount.1.label = ok\naccount.9.enable = 1\n"
            "bad line\naccount.1.transport = tcp\n"
        )
        self.assertEqual([err.split(":")[1] for err in e.errors], ["1", "3", "4", "5"])
        self.assertEqual(str(e), "\n".join(e.errors))
        self.assertIsInstance(e, ValueError)

    def test_nothing_applied_from_a_bad_file(self) -> None:
        base = parse_config("account.1.enable = 1")
        try:
            parse_config("account.1.enable = 0\naccount.1.transport = 9")
        except ConfigError:
            pass
        self.assertEqual(base, parse_config("account.1.enable = 1"))
        self.assertEqual(base.account(1).enable, 1)


class UnknownKeyTests(SynchronousTestCase):
    """CFG-3."""

    def test_unknown_keys_warn_once_each(self) -> None:
        text = (
            "static.network.ip = 127.0.0.2\n"
            "account.1.codec.1.enable = 1\n"
            "features.dnd.enable = 0\n"
            "account.1.enable = 1\n"
            "account.1.sip_server.3.address = x\n"
            "account.9.codec.1.enable = 1\n"
        )
        config = parse_config(text, "p.cfg")
        self.assertEqual(config.account(1).enable, 1)
        self.assertEqual(len(config.warnings), 5)
        self.assertEqual(config.warnings[0], "p.cfg:1: static.network.ip: unknown key, ignored")
        self.assertIn("server index valid: 1..2", config.warnings[3])

    def test_warning_never_shows_a_value(self) -> None:
        config = parse_config("static.security.user_password = admin:hunter2")
        self.assertNotIn("hunter2", config.warnings[0])

    def test_miscased_known_key_hints(self) -> None:
        config = parse_config("Account.1.Enable = 1")
        self.assertEqual(config.account(1).enable, 0)
        self.assertIn("did you mean account.X.enable?", config.warnings[0])


class ModelTests(SynchronousTestCase):
    """The dataclasses and their helpers."""

    def test_password_never_in_repr(self) -> None:
        config = parse_config("account.1.password = s3cret-1001")
        self.assertNotIn("s3cret", repr(config))
        self.assertNotIn("s3cret", str(config.account(1)))
        self.assertEqual(config.account(1).password, "s3cret-1001")

    def test_is_ip(self) -> None:
        self.assertTrue(ServerConfig(address="127.0.1.15").is_ip)
        for address in ("example.test", "", "127.0.1", "256.1.1.1", "::1", "127.0.1.15:5060"):
            self.assertFalse(ServerConfig(address=address).is_ip, address)

    def test_server_and_account_accessors(self) -> None:
        config = parse_config("account.5.sip_server.2.address = 127.0.1.15\naccount.5.enable = 1")
        self.assertEqual(config.account(5).server(2).address, "127.0.1.15")
        self.assertEqual([a.index for a in config.enabled_accounts], [5])
        for bad in (0, 7):
            self.assertRaises(ValueError, config.account, bad)
        self.assertRaises(ValueError, config.account(1).server, 3)

    def test_direct_construction_is_range_checked(self) -> None:
        self.assertRaises(ValueError, ServerConfig, port=70000)
        self.assertRaises(ValueError, ServerConfig, failback_timeout=30)
        self.assertRaises(ValueError, AccountConfig, index=7)
        self.assertRaises(ValueError, AccountConfig, index=1, transport=4)
        self.assertRaises(ValueError, PhoneConfig, accounts=(AccountConfig(index=1),))
        self.assertRaises(
            ValueError, dataclasses.replace, AccountConfig(index=1), fallback_timeout=9
        )

    def test_frozen(self) -> None:
        self.assertRaises(dataclasses.FrozenInstanceError, setattr, ServerConfig(), "port", 1)


class FormatEffectiveTests(SynchronousTestCase):
    """What C{sip-harness check-config} prints."""

    def test_masks_password_and_explains(self) -> None:
        text = format_effective(load_config(FIXTURES / "guide-example.cfg"))
        self.assertIn("password           ****", text)
        self.assertNotIn("password           1234", text)
        self.assertIn("transport          3 (DNS-NAPTR)", text)
        self.assertIn("failback_mode      3 (duration)", text)
        self.assertIn("127.0.1.15 (IP address: no DNS)", text)
        self.assertIn("example.test (domain: resolved by DNS)", text)
        self.assertIn("account.2: disabled (all defaults)", text)

    def test_lists_warnings(self) -> None:
        text = format_effective(parse_config("foo.bar = 1", "w.cfg"))
        self.assertIn("1 warning(s):\n  w.cfg:1: foo.bar: unknown key, ignored", text)


class FixtureTests(SynchronousTestCase):
    """Every fixture file loads (or, under invalid/, fails)."""

    def test_valid_fixtures_load(self) -> None:
        names = sorted(p.name for p in FIXTURES.glob("*.cfg"))
        for expected in (
            "guide-example.cfg",
            "failover-newrequests.cfg",
            "failover-dnsttl.cfg",
            "failover-registration.cfg",
            "failover-duration.cfg",
            "failover-duration-zero.cfg",
            "register-on-enable.cfg",
            "fallback-concurrent.cfg",
            "fallback-successive.cfg",
            "realistic-with-unknown-keys.cfg",
        ):
            self.assertIn(expected, names)
        for name in names:
            config = load_config(FIXTURES / name)
            a = config.account(1)
            self.assertEqual(a.enable, 1, name)
            self.assertEqual(a.server(1).address, "example.test", name)
            self.assertEqual(a.server(2).address, "127.0.1.15", name)
            if name != "realistic-with-unknown-keys.cfg":
                self.assertEqual(config.warnings, (), name)

    def test_fixture_modes(self) -> None:
        def s1(name: str) -> ServerConfig:
            return load_config(FIXTURES / name).account(1).server(1)

        self.assertEqual(s1("failover-newrequests.cfg").failback_mode, 0)
        self.assertEqual(s1("failover-dnsttl.cfg").failback_mode, 1)
        self.assertEqual(s1("failover-registration.cfg").failback_mode, 2)
        self.assertEqual(
            (
                s1("failover-duration.cfg").failback_mode,
                s1("failover-duration.cfg").failback_timeout,
            ),
            (3, 120),
        )
        self.assertEqual(s1("failover-duration-zero.cfg").failback_timeout, 0)
        self.assertEqual(s1("register-on-enable.cfg").register_on_enable, 1)
        fc = load_config(FIXTURES / "fallback-concurrent.cfg").account(1)
        fs = load_config(FIXTURES / "fallback-successive.cfg").account(1)
        self.assertEqual((fc.redundancy_type, fs.redundancy_type), (0, 1))

    def test_realistic_file_warns_for_each_unknown_key(self) -> None:
        path = FIXTURES / "realistic-with-unknown-keys.cfg"
        config = load_config(path)
        keys = [
            line.split("=")[0].strip()
            for line in path.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        known_suffixes = {k for k, *_ in INT_KEYS} | {
            "label",
            "display_name",
            "auth_name",
            "user_name",
            "password",
        }
        known_suffixes |= {f"sip_server.{y}.{k}" for y in (1, 2) for k, *_ in SERVER_INT_KEYS}
        known_suffixes |= {"sip_server.1.address", "sip_server.2.address"}
        expected_unknown = [
            k
            for k in keys
            if k.split(".", 2)[-1] not in known_suffixes or not k.startswith("account.")
        ]
        unknown = [w.split(": ")[1] for w in config.warnings]
        self.assertGreater(len(unknown), 50)
        self.assertEqual(unknown, expected_unknown)
        self.assertIn("static.network.ip", unknown)
        self.assertIn("account.1.codec.1.enable", unknown)
        self.assertEqual(config.account(2).naptr_build, 1)
        self.assertEqual(config.account(2).enable, 0)
        self.assertEqual(config.account(1).server(1).port, 0)
        self.assertEqual(config.account(1).server(1).failback_timeout, DEFAULT_FAILBACK_TIMEOUT)
        self.assertNotIn("not-a-real-one", "".join(config.warnings))

    def test_invalid_fixtures_fail(self) -> None:
        expected = {
            "out-of-range.cfg": 8,
            "duplicate-key.cfg": 2,
            "non-integer.cfg": 3,
            "bad-account-index.cfg": 2,
            "malformed-line.cfg": 2,
        }
        invalid = FIXTURES / "invalid"
        self.assertEqual(sorted(p.name for p in invalid.glob("*.cfg")), sorted(expected))
        for name, count in expected.items():
            path = invalid / name
            with self.assertRaises(ConfigError) as cm:
                load_config(path)
            self.assertEqual(len(cm.exception.errors), count, cm.exception.errors)
            for err in cm.exception.errors:
                self.assertTrue(err.startswith(f"{path}:"), err)
                self.assertIn("(valid: ", err)

    def test_guide_example_gives_the_guides_values(self) -> None:
        config = load_config(FIXTURES / "guide-example.cfg")
        a = config.account(1)
        self.assertEqual(
            (a.enable, a.label, a.display_name, a.auth_name, a.user_name, a.password),
            (1, "1234", "1234", "1234", "1234", "1234"),
        )
        self.assertEqual(
            a.server(1),
            ServerConfig("example.test", 5060, 3600, 3, failback_mode=3, failback_timeout=120),
        )
        self.assertEqual(a.server(2), ServerConfig("127.0.1.15", 5060, 3600, 3, failback_mode=0))
        self.assertEqual(
            (a.transport, a.naptr_build, a.redundancy_type, a.fallback_timeout), (3, 0, 1, 120)
        )
        self.assertEqual(config.enabled_accounts, (a,))

    def test_load_config_rejects_non_utf8(self) -> None:
        path = Path(self.mktemp())
        path.write_bytes(b"account.1.label = caf\xe9\n")
        with self.assertRaises(ConfigError) as cm:
            load_config(path)
        self.assertIn("not UTF-8", cm.exception.errors[0])
        self.assertTrue(cm.exception.errors[0].startswith(os.fspath(path)))


# --- round trip ------------------------------------------------------------

_texts = st.text(st.characters(codec="utf-8"), max_size=12).filter(
    lambda s: s == s.strip() and (not s or s.splitlines() == [s])
)


@st.composite
def _servers(draw: st.DrawFn) -> ServerConfig:
    return ServerConfig(
        address=draw(st.sampled_from(["", "example.test", "127.0.1.15", "sip.example.test"])),
        port=draw(st.integers(0, 65535)),
        expires=draw(st.integers(30, 2147483647)),
        retry_counts=draw(st.integers(0, 20)),
        failback_mode=draw(st.integers(0, 3)),
        failback_timeout=draw(st.one_of(st.just(0), st.integers(60, 65535))),
        register_on_enable=draw(st.integers(0, 1)),
    )


@st.composite
def _accounts(draw: st.DrawFn, index: int) -> AccountConfig:
    if draw(st.booleans()):
        return AccountConfig(index=index)
    return AccountConfig(
        index=index,
        enable=draw(st.integers(0, 1)),
        label=draw(_texts),
        display_name=draw(_texts),
        auth_name=draw(_texts),
        user_name=draw(_texts),
        password=draw(_texts),
        servers=(draw(_servers()), draw(_servers())),
        transport=draw(st.integers(0, 3)),
        naptr_build=draw(st.integers(0, 1)),
        redundancy_type=draw(st.integers(0, 1)),
        fallback_timeout=draw(st.integers(10, 2147483647)),
    )


phone_configs = st.tuples(*(_accounts(i) for i in range(1, 7))).map(
    lambda accounts: PhoneConfig(accounts=accounts)
)


class RoundTripTests(SynchronousTestCase):
    """config_to_text writes what parse_config reads back."""

    @show_notes
    @given(phone_configs)
    def test_round_trip(self, config: PhoneConfig) -> None:
        self.assertEqual(parse_config(config_to_text(config)), config)

    def test_fixtures_round_trip(self) -> None:
        for path in FIXTURES.glob("*.cfg"):
            config = dataclasses.replace(load_config(path), warnings=())
            self.assertEqual(parse_config(config_to_text(config)), config, path.name)

    def test_unwritable_value_refused(self) -> None:
        for bad in (" x", "x ", "a\nb", "a\u2028b"):
            config = PhoneConfig(
                accounts=(AccountConfig(index=1, label=bad), *PhoneConfig().accounts[1:])
            )
            self.assertRaises(ValueError, config_to_text, config)

    def test_defaults_write_no_accounts(self) -> None:
        self.assertNotIn("account.", config_to_text(PhoneConfig()))
