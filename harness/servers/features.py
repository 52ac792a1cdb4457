"""
Feature sets: what a fake server offers beyond registration and calls.

The guide's fallback server is "less featured": it "provides basic calling
capability, but without some advanced features offered by the working
server (for example, shared lines, call recording and MWI)".  FBK-F checks
that a phone does not fail over, or stop calling, because the fallback
rejects such a feature.  So a L{FeatureSet} says which SUBSCRIBE event
packages and which methods a server supports, and how it rejects the rest:

 - C{reject_code=489} (default): SUBSCRIBE for an unsupported event package
   gets 489 Bad Event with C{Allow-Events} (RFC 6665 7.2.2);
 - C{reject_code=405}: SUBSCRIBE itself is refused, 405 Method Not Allowed
   with C{Allow} (RFC 3261 21.4.6);
 - C{reject_code=501}: 501 Not Implemented, as a server that does not know
   the method at all would answer.

Methods outside C{methods} always get C{405} with C{Allow} (or 501 when
C{reject_code} is 501).

L{MwiState} holds the mailbox contents the working servers announce in
message-summary NOTIFYs (RFC 3842).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BASIC", "FULL", "FeatureSet", "MwiState", "feature_set", "message_summary"]

#: Every method the call server knows.
ALL_METHODS = (
    "REGISTER",
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "MESSAGE",
    "SUBSCRIBE",
    "NOTIFY",
    "INFO",
    "UPDATE",
    "REFER",
    "PRACK",
)

#: The event packages a full server answers itself: MWI and shared-line
#: appearance (BroadSoft/Yealink "dialog;sla", RFC 4235 dialog package).
FULL_EVENTS = ("message-summary", "dialog", "presence")


@dataclass(frozen=True)
class FeatureSet:
    """
    What a server supports.

    @ivar name: "full", "basic" or any label (shown in notes).
    @ivar methods: methods handled (others: 405/501).
    @ivar events: SUBSCRIBE event packages handled (the package name without
        parameters, lower case: C{"message-summary"}, C{"dialog"}).
    @ivar reject_code: how an unsupported event package is refused: 489,
        405 or 501 (see the module docstring).
    """

    name: str
    methods: frozenset[str]
    events: frozenset[str]
    reject_code: int = 489

    def __post_init__(self) -> None:
        if self.reject_code not in (405, 489, 501):
            raise ValueError(f"reject_code must be 405, 489 or 501, not {self.reject_code}")

    def allows_method(self, method: str) -> bool:
        return method.upper() in self.methods

    def allows_event(self, event: str | None) -> bool:
        return event_package(event) in self.events

    @property
    def allow_header(self) -> str:
        return ", ".join(m for m in ALL_METHODS if m in self.methods)

    @property
    def allow_events_header(self) -> str:
        return ", ".join(sorted(self.events))

    def rejecting(self, code: int) -> FeatureSet:
        """The same set, refusing unsupported features with C{code}."""
        return FeatureSet(self.name, self.methods, self.events, code)


FULL = FeatureSet("full", frozenset(ALL_METHODS), frozenset(FULL_EVENTS))
"""A working server: every method, MWI, shared lines (dialog), presence."""

BASIC = FeatureSet(
    "basic",
    frozenset({"REGISTER", "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "SUBSCRIBE", "NOTIFY"}),
    frozenset(),
    489,
)
"""The fallback server: registration and calls; every event package refused (489)."""


def feature_set(spec: str | FeatureSet | None, *, reject_code: int | None = None) -> FeatureSet:
    """
    A feature set from a scenario value: C{"full"}, C{"basic"}, or
    C{"basic:405"} / C{"basic:501"} (the reject code after a colon).
    """
    if spec is None:
        fs = FULL
    elif isinstance(spec, FeatureSet):
        fs = spec
    else:
        name, _, code = spec.partition(":")
        if name == "full":
            fs = FULL
        elif name == "basic":
            fs = BASIC
        else:
            raise ValueError(f"unknown feature set {spec!r} (valid: full, basic[:405|489|501])")
        if code:
            if not code.isdigit():
                raise ValueError(f"bad reject code in feature set {spec!r}")
            fs = fs.rejecting(int(code))
    if reject_code is not None:
        fs = fs.rejecting(reject_code)
    return fs


def event_package(event: str | None) -> str:
    """C{"message-summary;id=1"} -> C{"message-summary"}; C{"dialog;sla"} -> C{"dialog"}."""
    if not event:
        return ""
    return event.split(";", 1)[0].strip().lower()


@dataclass
class MwiState:
    """
    Mailboxes announced by message-summary NOTIFYs: user -> (new, old)
    voice messages.  Users without an entry have an empty mailbox.
    """

    boxes: dict[str, tuple[int, int]] = field(default_factory=dict)

    def get(self, user: str) -> tuple[int, int]:
        return self.boxes.get(user.lower(), (0, 0))

    def set(self, user: str, new: int, old: int = 0) -> None:
        self.boxes[user.lower()] = (new, old)


def message_summary(account: str, new: int, old: int) -> bytes:
    """An C{application/simple-message-summary} body (RFC 3842 section 5)."""
    waiting = "yes" if new else "no"
    return (
        f"Messages-Waiting: {waiting}\r\n"
        f"Message-Account: {account}\r\n"
        f"Voice-Message: {new}/{old} (0/0)\r\n"
    ).encode("ascii")
