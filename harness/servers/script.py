"""
Scripted SIP servers: "expect REGISTER from X, answer 401, then 200".

Modelled on treq's C{RequestSequence} (C{treq/testing.py}): a list of
expectations consumed in order; each incoming request is checked against the
next one and answered as it says.  A request that does not match (or arrives
when nothing is left) is recorded as I{unexpected} and, by default, not
answered at all (a silent server is the least surprising thing for a phone
under test; C{unexpected_code} answers it instead, as treq answers 500).
L{ScriptedServer.assert_done} (or the L{ScriptedServer.consume} context
manager, with a test's C{fail}) reports every unmet expectation and every
unexpected request in one message.

Retransmissions never reach the script: the transaction layer absorbs them
(and re-sends the scripted answer).  An ACK for a 2xx is matched like any
request only if an expectation names C{"ACK"}; otherwise ACKs are ignored.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from harness.servers.server import DEFAULT_TRANSPORTS, SwitchableServerCreator
from harness.sip.message import Request, Response, make_response, new_tag
from harness.sip.transaction import ServerTransaction
from harness.sip.transport import SipEndpoint
from harness.trace.events import Trace

__all__ = ["Expect", "ScriptFailure", "ScriptedServer"]

#: how an expectation answers: a status code, (code, headers), a callable
#: building the response, or None (stay silent)
Answer = (
    int
    | tuple[int, Iterable[tuple[str, str]]]
    | Callable[[Request], Response | None]
    | None
)


class ScriptFailure(AssertionError):
    """The script was not followed: unmet expectations and/or unexpected requests."""


@dataclass(frozen=True)
class Expect:
    """
    One expected request and the answer to it.

    @ivar method: the expected method.
    @ivar answer: see L{Answer}; a list of answers means one expectation per
        answer (C{Expect("REGISTER", [401, 200])}).
    @ivar source: the expected source host (any if None).
    @ivar match: an extra predicate on the request (e.g. "has Authorization").
    @ivar label: shown in failure reports.
    """

    method: str
    answer: Answer | list[Answer] = 200
    source: str | None = None
    match: Callable[[Request], bool] | None = None
    label: str = ""

    def accepts(self, request: Request, source: tuple[str, str, int]) -> list[str]:
        """The mismatches (empty if the request is the expected one)."""
        out = []
        if request.method != self.method.upper():
            out.append(f"method {request.method} != {self.method.upper()}")
        if self.source is not None and source[1] != self.source:
            out.append(f"source {source[1]} != {self.source}")
        if self.match is not None and not self.match(request):
            out.append(f"predicate {self.label or getattr(self.match, '__name__', 'match')}")
        return out

    def describe(self) -> str:
        ans = self.answer
        if isinstance(ans, int):
            shown = str(ans)
        elif isinstance(ans, tuple):
            shown = str(ans[0])
        elif ans is None:
            shown = "silence"
        else:
            shown = getattr(ans, "__name__", "custom")
        src = f" from {self.source}" if self.source else ""
        label = f" [{self.label}]" if self.label else ""
        return f"{self.method.upper()}{src} -> {shown}{label}"


@dataclass(frozen=True)
class Unexpected:
    """A request that did not match the script."""

    t: float
    request: Request
    source: tuple[str, str, int]
    why: str

    def describe(self) -> str:
        return (
            f"t={self.t:.3f} {self.request.method} {self.request.uri} from "
            f"{self.source[0]}:{self.source[1]}:{self.source[2]} ({self.why})"
        )


@dataclass
class ScriptedServer:
    """
    A SIP server that follows a script of L{Expect}ations.

    @param reactor: the host's reactor view.
    @param trace: the run's trace (every message is recorded by the endpoint).
    @param address: where it listens.
    @param script: the expectations, in order (L{Expect} with a list of
        answers expands into one per answer).
    @param unexpected_code: answer unexpected requests with this status
        (None: stay silent).
    """

    reactor: Any
    trace: Trace
    address: str
    script: list[Expect] = field(default_factory=list)
    transports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_TRANSPORTS))
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    unexpected_code: int | None = None
    tls_cert_name: str | None = None
    name: str = "scripted"

    def __post_init__(self) -> None:
        self._pending: list[Expect] = []
        for e in self.script:
            self.expect(e)
        self.unexpected: list[Unexpected] = []
        self.handled: list[tuple[Expect, Request]] = []
        self.endpoint: SipEndpoint | None = None

    def expect(self, expectation: Expect) -> ScriptedServer:
        """Append an expectation (chainable)."""
        ans = expectation.answer
        if isinstance(ans, list):
            for a in ans:
                self._pending.append(
                    Expect(expectation.method, a, expectation.source, expectation.match,
                           expectation.label)
                )
        else:
            self._pending.append(expectation)
        return self

    def start(self) -> None:
        creator = None
        if "tls" in self.transports:
            from harness.tls import server_context

            creator = SwitchableServerCreator(server_context(self.tls_cert_name or "example.test"))
        self.endpoint = SipEndpoint(
            self.reactor, self.trace, self.address, rng=self.rng,
            tls_server_context=creator, name=self.name,
        )
        self.endpoint.on_request = self._on_request
        for transport, port in self.transports.items():
            self.endpoint.listen(cast(Any, transport), port)

    def stop(self) -> None:
        if self.endpoint is not None:
            self.endpoint.close()
            self.endpoint = None

    # -- the script --------------------------------------------------------------------

    def _on_request(self, st: ServerTransaction) -> None:
        request = st.request
        if request.method == "ACK" and not (
            self._pending and self._pending[0].method.upper() == "ACK"
        ):
            return
        now = float(self.reactor.seconds())
        if not self._pending:
            self._unexpected(st, Unexpected(now, request, st.source, "no more requests expected"))
            return
        nxt = self._pending[0]
        mismatches = nxt.accepts(request, st.source)
        if mismatches:
            why = f"expected {nxt.describe()}: " + ", ".join(mismatches)
            self._unexpected(st, Unexpected(now, request, st.source, why))
            return
        self._pending.pop(0)
        self.handled.append((nxt, request))
        if request.method == "ACK":
            return
        response = _build(cast(Answer, nxt.answer), request, self.rng)
        if response is not None:
            st.respond(response)

    def _unexpected(self, st: ServerTransaction, u: Unexpected) -> None:
        self.unexpected.append(u)
        if self.unexpected_code is not None and st.request.method != "ACK":
            st.respond(make_response(st.request, self.unexpected_code, to_tag=new_tag(self.rng)))

    # -- reporting ---------------------------------------------------------------------

    @property
    def remaining(self) -> tuple[Expect, ...]:
        return tuple(self._pending)

    def consumed(self) -> bool:
        """True when every expectation was met (unexpected requests aside)."""
        return not self._pending

    def report(self) -> str:
        lines: list[str] = []
        if self._pending:
            lines.append("Not all expected requests were made.  Still expecting:")
            lines.extend(f"- {e.describe()}" for e in self._pending)
        if self.unexpected:
            lines.append("Unexpected requests:")
            lines.extend(f"- {u.describe()}" for u in self.unexpected)
        return "\n".join(lines)

    def assert_done(self) -> None:
        """Raise L{ScriptFailure} listing unmet expectations and unexpected requests."""
        if self._pending or self.unexpected:
            raise ScriptFailure(f"{self.name} at {self.address}:\n{self.report()}")

    @contextmanager
    def consume(self, fail: Callable[[str], object]) -> Iterator[ScriptedServer]:
        """C{with server.consume(self.fail): ...}: report a broken script through C{fail}."""
        yield self
        if self._pending or self.unexpected:
            fail(f"{self.name} at {self.address}:\n{self.report()}")


def _build(answer: Answer, request: Request, rng: random.Random) -> Response | None:
    if answer is None:
        return None
    if isinstance(answer, int):
        return make_response(request, answer, to_tag=new_tag(rng) if answer > 100 else None)
    if isinstance(answer, tuple):
        code, headers = answer
        return make_response(
            request, code, to_tag=new_tag(rng) if code > 100 else None, headers=list(headers)
        )
    return answer(request)
