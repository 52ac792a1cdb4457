"""
baresip's configuration from a scenario (pure): what is mapped, what is
reported as not expressible, and the files L{BaresipPhone.configure} writes.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from harness.adapters import IPhoneUnderTest, adapter_for
from harness.adapters.baresip import BaresipPhone, not_expressible, render
from harness.adapters.base import AdapterError
from harness.scenario import Scenario
from tests.adapters._support import scenario


def with_settings(sc: Scenario, **changes: Any) -> Scenario:
    """C{sc} with account 1 (or its server 1) changed."""
    account = sc.phone.account(sc.account)
    server_keys = {f.name for f in dataclasses.fields(account.server(1))}
    s1 = dataclasses.replace(
        account.server(1), **{k: v for k, v in changes.items() if k in server_keys}
    )
    acc = dataclasses.replace(
        account,
        servers=(s1, account.server(2)),
        **{k: v for k, v in changes.items() if k not in server_keys},
    )
    accounts = tuple(acc if a.index == acc.index else a for a in sc.phone.accounts)
    return dataclasses.replace(sc, phone=dataclasses.replace(sc.phone, accounts=accounts))


class RenderTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.sc = scenario("register-failover-udp")

    def test_listens_where_told_and_asks_only_the_scenario_dns(self) -> None:
        files = render(self.sc, listen=("127.0.0.1", 15099))
        lines = files.config.splitlines()
        self.assertIn("sip_listen\t\t127.0.0.1:15099", lines)
        self.assertIn("dns_server\t\t127.0.1.53:53", lines)
        self.assertEqual(files.listen, ("127.0.0.1", 15099))

    def test_headless_modules_only(self) -> None:
        config = render(self.sc).config
        self.assertIn("module_path\t\t/usr/lib/baresip/modules", config)
        self.assertIn("audio_source\t\tausine,440", config)
        for ui in ("stdio.so", "cons.so", "menu.so", "httpd.so", "ctrl_tcp.so", "evdev.so"):
            self.assertNotIn(ui, config)

    def test_account_line_carries_user_auth_expires_and_transport(self) -> None:
        line = render(self.sc).accounts.splitlines()[-1]
        self.assertTrue(line.startswith('"Phone 1001" <sip:1001@example.test;transport=udp>;'))
        params = line.split(">;", 1)[1].split(";")
        self.assertIn("auth_user=1001", params)
        self.assertIn("auth_pass=s3cret-1001", params)
        self.assertIn("regint=120", params)
        self.assertIn("mwi=no", params)

    def test_transport_mapping(self) -> None:
        for transport, suffix in ((0, ";transport=udp>"), (1, ";transport=tcp>"),
                                  (2, ";transport=tls>"), (3, "@example.test>")):
            line = render(with_settings(self.sc, transport=transport)).accounts
            self.assertIn(suffix, line, f"transport {transport}")

    def test_explicit_port_goes_into_the_aor(self) -> None:
        line = render(with_settings(self.sc, address="127.0.1.10", port=5070)).accounts
        self.assertIn("<sip:1001@127.0.1.10:5070;transport=udp>", line)

    def test_port_zero_asks_dns(self) -> None:
        self.assertIn("<sip:1001@example.test;transport=udp>", render(self.sc).accounts)

    def test_no_dns_server_line_without_a_scenario_dns(self) -> None:
        sc = dataclasses.replace(self.sc, dns=None)
        self.assertNotIn("dns_server", render(sc).config)

    def test_tls_trusts_the_given_ca(self) -> None:
        config = render(with_settings(self.sc, transport=2), cafile="/x/ca.pem").config
        self.assertIn("sip_cafile\t\t/x/ca.pem", config)

    def test_password_that_would_break_the_line_is_refused(self) -> None:
        e = self.assertRaises(AdapterError, render, with_settings(self.sc, password="a;b"))
        self.assertIn("password", str(e))

    def test_empty_server_is_refused(self) -> None:
        e = self.assertRaises(AdapterError, render, with_settings(self.sc, address=""))
        self.assertIn("sip_server.1.address", str(e))


class NotExpressibleTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.sc = scenario("register-failover-udp")

    def settings(self, sc: Scenario) -> dict[str, str]:
        return {m.setting: m.value for m in not_expressible(sc)}

    def test_guide_settings_baresip_lacks_are_listed(self) -> None:
        got = self.settings(self.sc)
        self.assertEqual(got["sip_server.1.retry_counts"], "3")
        self.assertEqual(got["sip_server.1.failback_mode"], "0 (newRequests)")
        self.assertEqual(got["sip_server.1.register_on_enable"], "0")
        self.assertEqual(got["sip_server.2.address"], "127.0.1.15")
        self.assertEqual(got["fallback.redundancy_type"], "1")
        self.assertEqual(got["fallback.timeout"], "120")

    def test_retry_counts_says_what_baresip_does_instead(self) -> None:
        (m,) = [m for m in not_expressible(self.sc) if m.setting.endswith("retry_counts")]
        self.assertIn("Timer F", m.why)
        self.assertIn("retry_counts = 3", str(m))

    def test_failback_timeout_only_in_duration_mode(self) -> None:
        self.assertNotIn("sip_server.1.failback_timeout", self.settings(self.sc))
        sc = with_settings(self.sc, failback_mode=3, failback_timeout=60)
        self.assertEqual(self.settings(sc)["sip_server.1.failback_timeout"], "60")

    def test_no_fallback_server_no_fallback_items(self) -> None:
        account = self.sc.phone.account(1)
        s2 = dataclasses.replace(account.server(2), address="")
        acc = dataclasses.replace(account, servers=(account.server(1), s2))
        accounts = (acc, *self.sc.phone.accounts[1:])
        sc = dataclasses.replace(self.sc, phone=dataclasses.replace(self.sc.phone,
                                                                    accounts=accounts))
        got = self.settings(sc)
        self.assertNotIn("sip_server.2.address", got)
        self.assertNotIn("fallback.redundancy_type", got)


class BaresipPhoneTests(SynchronousTestCase):
    def test_provides_the_interface(self) -> None:
        verifyObject(IPhoneUnderTest, BaresipPhone())
        verifyObject(IPhoneUnderTest, adapter_for("baresip"))

    def test_unknown_adapter(self) -> None:
        e = self.assertRaises(ValueError, adapter_for, "linphone")
        self.assertIn("baresip", str(e))

    def test_configure_writes_config_accounts_contacts(self) -> None:
        work = Path(tempfile.mkdtemp(prefix="baresip-test-"))
        self.addCleanup(lambda: __import__("shutil").rmtree(work, ignore_errors=True))
        phone = BaresipPhone(port=15098)
        missing = phone.configure(scenario("register-failover-udp"), work)
        self.assertIn("sip_listen\t\t127.0.0.1:15098", (work / "config").read_text())
        self.assertIn("regint=120", (work / "accounts").read_text())
        self.assertEqual((work / "contacts").read_text(), "")
        self.assertIn("sip_server.1.retry_counts", [m.setting for m in missing])

    def test_adapt_turns_dns_glue_off_and_says_so(self) -> None:
        sc = scenario("register-failover-udp")
        assert sc.dns is not None and sc.dns.glue
        adapted, notes = BaresipPhone().adapt(sc)
        assert adapted.dns is not None
        self.assertFalse(adapted.dns.glue)
        self.assertEqual(len(notes), 1)
        self.assertIn("glue", notes[0])
        again, none = BaresipPhone().adapt(adapted)
        self.assertIs(again, adapted)
        self.assertEqual(none, [])

    def test_stop_before_start_is_a_no_op(self) -> None:
        from twisted.internet.task import Clock

        d = BaresipPhone().stop(Clock())
        self.assertIsNone(self.successResultOf(d))

    def test_start_before_configure_fails(self) -> None:
        from twisted.internet.task import Clock

        f = self.failureResultOf(BaresipPhone().start(Clock()), AdapterError)
        self.assertIn("configure", f.getErrorMessage())
