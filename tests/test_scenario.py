"""
Scenario files: strict, complete error reports (a typo must not silently change
a test), relative paths, phone settings overrides.
"""

from __future__ import annotations

from pathlib import Path

from twisted.trial.unittest import SynchronousTestCase

from harness.scenario import (
    ScenarioError,
    bundled_scenarios_dir,
    find_scenarios,
    load_scenario,
    scenario_from_dict,
)

FIXTURES = bundled_scenarios_dir()


def minimal(**extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "scenario": {"name": "t", "duration": 10},
        "phone": {"config": "../phones/failover-newrequests.cfg"},
        "servers": [{"role": "primary", "address": "127.0.1.10"}],
    }
    doc.update(extra)
    return doc


def errors_of(doc: dict[str, object]) -> list[str]:
    try:
        scenario_from_dict(doc, where="s.toml", base=FIXTURES)
    except ScenarioError as e:
        return e.errors
    raise AssertionError("no ScenarioError raised")


class LoadTests(SynchronousTestCase):
    def test_every_bundled_scenario_loads(self) -> None:
        paths = find_scenarios([str(FIXTURES)])
        self.assertGreater(len(paths), 20)
        for p in paths:
            sc = load_scenario(p)
            self.assertTrue(sc.name)
            self.assertTrue(sc.clauses, f"{p} declares no clauses")

    def test_minimal(self) -> None:
        sc = scenario_from_dict(minimal(), where="s.toml", base=FIXTURES)
        self.assertEqual(sc.duration, 10.0)
        self.assertEqual(sc.server("primary").address, "127.0.1.10")  # type: ignore[union-attr]
        self.assertEqual(sc.profile, "yealink")

    def test_settings_override_the_phone_file(self) -> None:
        doc = minimal()
        doc["phone"] = {
            "config": "../phones/failover-newrequests.cfg",
            "settings": {"account.1.transport": 2, "account.1.sip_server.1.expires": 300},
        }
        sc = scenario_from_dict(doc, where="s.toml", base=FIXTURES)
        acct = sc.phone.account(1)
        self.assertEqual(acct.transport, 2)
        self.assertEqual(acct.server(1).expires, 300)

    def test_missing_file(self) -> None:
        with self.assertRaises(ScenarioError) as cm:
            load_scenario(Path(self.mktemp()) / "nope.toml")
        self.assertIn("cannot read", str(cm.exception))

    def test_not_toml(self) -> None:
        p = Path(self.mktemp())
        p.write_text("[scenario\nname=")
        with self.assertRaises(ScenarioError) as cm:
            load_scenario(p)
        self.assertIn("not valid TOML", str(cm.exception))


class ErrorTests(SynchronousTestCase):
    def test_unknown_top_level_key(self) -> None:
        errs = errors_of(minimal(sever=[]))
        self.assertEqual(len(errs), 1)
        self.assertIn("s.toml: sever: unknown key", errs[0])

    def test_unknown_nested_key_names_its_path(self) -> None:
        doc = minimal()
        doc["servers"] = [{"role": "primary", "adress": "127.0.1.10"}]
        errs = errors_of(doc)
        self.assertTrue(any("servers[0].adress: unknown key" in e for e in errs), errs)

    def test_every_problem_reported_at_once(self) -> None:
        doc = minimal(network={"loss": 2.0})
        doc["scenario"] = {"name": "t", "duration": "long"}
        doc["faults"] = [{"at": 1, "target": "nobody", "action": "explode"}]
        errs = errors_of(doc)
        joined = "\n".join(errs)
        for needle in ("scenario.duration", "network.loss", "faults[0].target", "faults[0].action"):
            self.assertIn(needle, joined)

    def test_fault_needs_exactly_one_trigger(self) -> None:
        doc = minimal(faults=[{"target": "primary", "action": "silence"}])
        self.assertTrue(any("exactly one of 'at'" in e for e in errors_of(doc)))

    def test_fault_parameter_checked_per_action(self) -> None:
        doc = minimal(faults=[{"at": 1, "target": "primary", "action": "silence", "code": 503}])
        self.assertTrue(
            any("faults[0].code: unknown key for action 'silence'" in e for e in errors_of(doc))
        )

    def test_unknown_clause(self) -> None:
        doc = minimal()
        doc["scenario"] = {"name": "t", "duration": 10, "clauses": ["FO-99"]}
        self.assertTrue(any("unknown clause 'FO-99'" in e for e in errors_of(doc)))

    def test_bad_address(self) -> None:
        doc = minimal()
        doc["servers"] = [{"role": "primary", "address": "primary.example"}]
        self.assertTrue(any("is not an IPv4 address" in e for e in errors_of(doc)))

    def test_invalid_phone_config_is_an_error_naming_both_files(self) -> None:
        doc = minimal()
        doc["phone"] = {"config": "../phones/invalid/out-of-range.cfg"}
        errs = errors_of(doc)
        self.assertTrue(all("phone.config" in e for e in errs))
        self.assertTrue(any("out-of-range.cfg" in e and "account.1.transport" in e for e in errs))

    def test_expected_config_errors_are_kept_not_raised(self) -> None:
        doc = minimal()
        doc["phone"] = {"config": "../phones/invalid/out-of-range.cfg", "expect_errors": True}
        sc = scenario_from_dict(doc, where="s.toml", base=FIXTURES)
        self.assertTrue(sc.config_errors)
        self.assertEqual(sc.phone.enabled_accounts, ())

    def test_duplicate_role(self) -> None:
        doc = minimal()
        doc["servers"] = [{"role": "primary"}, {"role": "primary"}]
        self.assertTrue(any("duplicate role" in e for e in errors_of(doc)))
