"""
The seam between the harness and a phone it does not contain.

Why an interface: the checkers judge only from the wire, so any phone that
can be pointed at the harness's DNS server and SIP servers can be certified.
What differs between phones is how to I{tell} them the scenario (a Yealink
C{.cfg}, a baresip C{accounts} file, a web form), how to start and stop
them, and which parts of the guide's configuration they cannot express at
all.  An adapter answers exactly those questions; the wire runner
(L{harness.adapters.wire}) does the rest, identically for every phone.

"Not expressible" is part of the contract: a phone that has no
C{retry_counts} setting must not be certified as if it had been told
C{retry_counts = 3}.  L{IPhoneUnderTest.configure} returns every setting it
could not pass on, and the report prints them next to the verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zope.interface import Attribute, Interface

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from harness.scenario import Scenario

__all__ = ["AdapterError", "IPhoneUnderTest", "NotExpressible"]


class AdapterError(RuntimeError):
    """The phone could not be configured, started or stopped (message says why)."""


@dataclass(frozen=True)
class NotExpressible:
    """
    A setting of the scenario's phone configuration that the phone under test
    has no way to receive: C{setting} (a provisioning key or a feature name),
    the C{value} the scenario asked for, and C{why} (what the phone does
    instead, if known).  Clauses that depend on it are still judged: the
    verdicts show what the phone does without it.
    """

    setting: str
    value: str
    why: str

    def __str__(self) -> str:
        return f"{self.setting} = {self.value}: {self.why}"


class IPhoneUnderTest(Interface):
    """
    A phone in another process (or box) that the wire runner certifies.

    Life cycle, per scenario: C{configure(scenario, workdir)} (pure: writes
    files, starts nothing), C{start(reactor)}, the scenario runs on the wall
    clock, C{stop(reactor)}.  C{start} and C{stop} never block the reactor
    thread; C{stop} is idempotent and must leave no process behind.
    """

    name = Attribute("short name used in reports and --phone (e.g. 'baresip')")
    address = Attribute(
        "the IP the phone sends from and listens on: Facts.phone, so the checkers "
        "judge only its traffic"
    )
    real_time = Attribute(
        "True when the phone's own timers run on the wall clock (no --time-scale)"
    )

    def available() -> Any:
        """An L{harness.peers.process.Availability}: truthy when the phone can run."""

    def adapt(scenario: Scenario) -> tuple[Scenario, list[str]]:
        """
        The scenario this phone can be judged on, and a note per change (e.g.
        DNS glue off for a phone that reads it, which the checkers cannot
        see).  Called before L{configure}; most adapters change nothing.
        """

    def configure(scenario: Scenario, workdir: Path) -> list[NotExpressible]:
        """
        Write the phone's configuration for C{scenario} into C{workdir};
        return what could not be expressed.
        """

    def start(reactor: Any) -> Deferred[None]:
        """Start the phone; fire when it is ready (listening), or fail with AdapterError."""

    def stop(reactor: Any) -> Deferred[None]:
        """Stop the phone by its PID; fire once it has gone (idempotent)."""

    def errors() -> list[str]:
        """Problems seen while it ran (crashed early, exit status), for the report."""

    def log_tail() -> str:
        """The last lines of the phone's own output, for a failure's evidence."""
