"""
Property 4: a rule-based state machine drives one world step by step --
faults and recoveries on the servers and the DNS server, DNS record changes,
time passing, calls placed -- and checks the safety invariants after every
step, then the whole oracle at the end.
"""

from __future__ import annotations

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from twisted.trial.unittest import SynchronousTestCase

from harness.explore import MAX_STEPS, WorldRun, check_world, describe_failure
from harness.servers.faults import Fault
from harness.testbed import Testbed
from harness.testing.hypothesis_trial import run_machine
from harness.testing.strategies import DOMAIN, World, accounts, networks, worlds, zones
from tests.properties._support import scaled

_SAFETY = ("SAFETY-DEST", "SAFETY-DIALOG", "STORM", "LIVELOCK", "PHONE-ERROR")


class PhoneWorld(RuleBasedStateMachine):
    """One running testbed; the rules change the world while it runs."""

    bed: Testbed
    world: World

    @initialize(
        world=worlds(
            account=accounts(server1=st.just(DOMAIN)),
            zone=zones(hosts=st.just(2)),
            faults=lambda roles, zone, duration: st.just([]),
            network=networks(lossy=False),
            durations=st.just(3600),
            with_calls=False,
        )
    )
    def start(self, world: World) -> None:
        self.world = world
        self.bed = Testbed(world.scenario())
        assert self.bed.world is not None
        self._dns = self.bed.world.deterministic_dns()
        self._dns.__enter__()
        self.bed.start()
        self.log: list[str] = []
        self.livelock = False

    def teardown(self) -> None:
        if hasattr(self, "bed"):
            self.bed.stop()
            self._dns.__exit__(None, None, None)

    def _roles(self) -> list[str]:
        return list(self.bed.servers)

    def _apply(self, target: str, fault: Fault, text: str) -> None:
        self.log.append(f"{self.bed.now():.1f} s: {target} {text}")
        self.bed.apply(target, fault)

    @rule(data=st.data())
    def server_fails(self, data: st.DataObject) -> None:
        role = data.draw(st.sampled_from(self._roles()), label="role")
        how = data.draw(st.sampled_from(["silence", "stop", "503"]), label="how")
        fault = Fault("respond", code=503) if how == "503" else Fault(how)
        self._apply(role, fault, how)

    @rule(data=st.data())
    def server_recovers(self, data: st.DataObject) -> None:
        role = data.draw(st.sampled_from(self._roles()), label="role")
        self._apply(role, Fault("restore"), "restore")

    @rule(how=st.sampled_from(["servfail", "drop", "restore"]))
    def dns_fault(self, how: str) -> None:
        self._apply("dns", Fault(how), how)

    @rule(host=st.sampled_from(["primary", "secondary"]), ttl=st.sampled_from([5, 60, 600]))
    def dns_ttl_changes(self, host: str, ttl: int) -> None:
        self._apply("dns", Fault("set-ttl", name=f"{host}.{DOMAIN}", type="A", ttl=ttl),
                    f"set-ttl {host} {ttl}")

    @rule(dt=st.sampled_from([1.0, 10.0, 35.0, 120.0]))
    def time_passes(self, dt: float) -> None:
        sim = self.bed.world
        assert sim is not None
        epoch = sim.seconds() - self.bed.now()
        target = epoch + self.bed.now() + dt
        if sim.run(until=target, max_steps=MAX_STEPS) == "max_steps":
            self.livelock = True

    @precondition(lambda self: self.bed.phone is not None)
    @rule(duration=st.sampled_from([5.0, 30.0]), reinvite=st.booleans())
    def call_placed(self, duration: float, reinvite: bool) -> None:
        assert self.bed.phone is not None
        self.log.append(f"{self.bed.now():.1f} s: call")
        self.bed.phone.call(
            f"sip:echo@{DOMAIN}", account=self.world.subject.index, duration=duration,
            reinvite=reinvite,
        )

    def _run(self) -> WorldRun:
        world = self.world.with_document(
            scenario={**self.world.document["scenario"], "duration": max(self.bed.now(), 0.001)}
        )
        return WorldRun(world, self.bed.result(), self.livelock, 0.0)

    @invariant()
    def safe(self) -> None:
        if not hasattr(self, "bed"):
            return
        run = self._run()
        problems = [p for p in check_world(run, clauses=()) if p.split(":", 1)[0] in _SAFETY]
        if problems:
            note("steps:\n" + "\n".join(self.log))
            note(describe_failure(run, problems))
            raise AssertionError("\n".join(problems))


class MachineTests(SynchronousTestCase):
    def test_invariants_hold_under_any_fault_sequence(self) -> None:
        s = scaled(0.4)
        run_machine(PhoneWorld, settings_=s.__class__(s, stateful_step_count=12))



