"""
A checker's answer for one clause in one scenario.

Why evidence is trace indexes: a report can then show exactly the packets that
prove a verdict (on the ladder, in the pcap), and a person can check the
checker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness._frozen import quick_init

__all__ = ["Status", "Verdict"]

Status = Literal["pass", "fail", "n/a"]


@quick_init  # (45 per judged scenario: see harness._frozen)
@dataclass(frozen=True)
class Verdict:
    """
    C{status} of C{clause} in C{scenario}: C{"pass"}, C{"fail"} or C{"n/a"}
    (the scenario does not exercise the clause; C{summary} says why).  A
    failure says what was C{expected} and what was C{seen}; C{evidence} holds
    the indexes (in C{Trace.events}) of the events that prove the verdict.
    """

    clause: str
    scenario: str
    status: Status
    summary: str
    expected: str = ""
    seen: str = ""
    evidence: tuple[int, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "pass"
