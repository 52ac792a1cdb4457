"""
A tiny SIP user agent for tests of the fake servers: register (answering one
digest challenge), place a call (INVITE, ACK), re-INVITE, hang up (BYE), and
answer incoming requests like a phone that picks up at once.

Why not the built-in phone: the server tests need to say exactly what is
sent (expires, Contact, wrong passwords, CSeq games) and must not depend on
the phone model's failover logic.  It talks only through a L{SipEndpoint}.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred

from harness.sip.digest import answer, parse_challenge
from harness.sip.locate import Target
from harness.sip.message import (
    Headers,
    Request,
    Response,
    make_response,
    new_call_id,
    new_tag,
    parse_name_addr,
)
from harness.sip.transaction import ClientTransaction, RetryPolicy, ServerTransaction
from harness.sip.transport import SipEndpoint
from harness.trace.events import Trace

__all__ = ["Call", "SimpleUA"]


@dataclass
class Call:
    """An established call (the caller's view)."""

    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str
    remote_uri: str
    remote_target: str
    route: tuple[str, ...]
    target: Target
    cseq: int
    response: Response


@dataclass
class _Registration:
    call_id: str
    tag: str
    cseq: int = 0


@dataclass
class SimpleUA:
    """
    A user agent on C{host} (a simulated host view) at C{address}.

    @ivar received: every request received (after the transaction layer).
    @ivar answer_code: the final status given to incoming INVITEs (200).
    """

    host: Any
    trace: Trace
    address: str
    user: str
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    domain: str = "example.test"
    transports: tuple[str, ...] = ("udp",)
    port: int = 5060
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(retry_counts=3))
    trust_root: Any = None
    answer_code: int = 200

    def __post_init__(self) -> None:
        self.endpoint = SipEndpoint(
            self.host, self.trace, self.address, rng=self.rng, trust_root=self.trust_root,
            name=f"ua-{self.user}",
        )
        for t in self.transports:
            if t != "tls":
                self.endpoint.listen(t, self.port)  # type: ignore[arg-type]
        self.endpoint.on_request = self._incoming
        self.received: list[Request] = []
        self.acks: list[Request] = []
        self._reg: dict[str, _Registration] = {}

    # -- addressing ----------------------------------------------------------------

    def aor(self) -> str:
        return f"sip:{self.user}@{self.domain}"

    def contact(self, transport: str = "udp") -> str:
        tp = "" if transport == "udp" else f";transport={transport}"
        port = self.endpoint.local_port(transport)  # type: ignore[arg-type]
        return f"sip:{self.user}@{self.address}:{port}{tp}"

    def _headers(
        self, *, to: str, call_id: str, cseq: int, method: str, tag: str,
        extra: Iterable[tuple[str, str]] = (),
    ) -> Headers:
        return Headers(
            [
                ("Max-Forwards", "70"),
                ("From", f"<{self.aor()}>;tag={tag}"),
                ("To", to),
                ("Call-ID", call_id),
                ("CSeq", f"{cseq} {method}"),
                *extra,
            ]
        )

    # -- requests --------------------------------------------------------------------

    def send(self, request: Request, target: Target) -> ClientTransaction:
        return self.endpoint.request(request, target, self.policy)

    def register(
        self,
        target: Target,
        *,
        expires: int | None = 3600,
        contacts: Iterable[str] | None = None,
        contact_expires: int | None = None,
        password: str | None = None,
        auth_user: str | None = None,
        key: str = "default",
        extra: Iterable[tuple[str, str]] = (),
        max_challenges: int = 1,
    ) -> Deferred[Response]:
        """
        REGISTER (same Call-ID and increasing CSeq per C{key}); answers up to
        C{max_challenges} 401s with C{password}.  Fires with the last response.
        """
        reg = self._reg.setdefault(
            key, _Registration(new_call_id(self.rng, self.address), new_tag(self.rng))
        )
        cs = list(contacts) if contacts is not None else [f"<{self.contact(target.transport)}>"]
        if contact_expires is not None:
            cs = [f"{c};expires={contact_expires}" for c in cs]
        base: list[tuple[str, str]] = [("Contact", c) for c in cs]
        if expires is not None:
            base.append(("Expires", str(expires)))
        base.extend(extra)

        def make(auth: list[tuple[str, str]]) -> Request:
            reg.cseq += 1
            headers = self._headers(
                to=f"<{self.aor()}>", call_id=reg.call_id, cseq=reg.cseq, method="REGISTER",
                tag=reg.tag, extra=[*base, *auth],
            )
            return Request("REGISTER", f"sip:{self.domain}", headers)

        result: Deferred[Response] = Deferred()
        challenges = 0

        def got(response: Response) -> None:
            nonlocal challenges
            if response.status == 401 and password is not None and challenges < max_challenges:
                challenges += 1
                value = response.headers.get("WWW-Authenticate") or ""
                challenge = parse_challenge(value)
                creds = answer(
                    challenge, method="REGISTER", uri=f"sip:{self.domain}",
                    username=auth_user or self.user, password=password,
                    cnonce=f"{self.rng.getrandbits(32):08x}",
                )
                self.send(make([("Authorization", creds.to_header())]), target).final.addCallbacks(
                    got, result.errback
                )
                return
            result.callback(response)

        self.send(make([]), target).final.addCallbacks(got, result.errback)
        return result

    def invite(self, uri: str, target: Target, *, ack: bool = True) -> Deferred[Call | Response]:
        """
        INVITE C{uri} through C{target}; on a 2xx send the ACK and fire with a
        L{Call}, otherwise with the final response.
        """
        call_id = new_call_id(self.rng, self.address)
        tag = new_tag(self.rng)
        request = Request(
            "INVITE",
            uri,
            self._headers(
                to=f"<{uri}>", call_id=call_id, cseq=1, method="INVITE", tag=tag,
                extra=[("Contact", f"<{self.contact(target.transport)}>"),
                       ("Content-Type", "application/sdp")],
            ),
            b"v=0\r\n",
        )
        ct = self.send(request, target)
        self.last_invite = ct

        def got(response: Response) -> Call | Response:
            if not 200 <= response.status < 300:
                return response
            contact = response.headers.get("Contact")
            remote_target = str(parse_name_addr(contact).uri) if contact else uri
            call = Call(
                call_id=call_id,
                local_tag=tag,
                remote_tag=response.to.tag or "",
                local_uri=self.aor(),
                remote_uri=uri,
                remote_target=remote_target,
                route=tuple(reversed(response.headers.get_all("Record-Route"))),
                target=target,
                cseq=1,
                response=response,
            )
            if ack:
                self.endpoint.send_ack(self.in_dialog(call, "ACK", 1), target)
            return call

        return ct.final.addCallback(got)

    def in_dialog(self, call: Call, method: str, cseq: int | None = None) -> Request:
        if cseq is None:
            call.cseq += 1
            cseq = call.cseq
        extra = [("Route", r) for r in call.route]
        extra.append(("Contact", f"<{self.contact(call.target.transport)}>"))
        headers = Headers(
            [
                ("Max-Forwards", "70"),
                ("From", f"<{call.local_uri}>;tag={call.local_tag}"),
                ("To", f"<{call.remote_uri}>;tag={call.remote_tag}"),
                ("Call-ID", call.call_id),
                ("CSeq", f"{cseq} {method}"),
                *extra,
            ]
        )
        return Request(method, call.remote_target, headers)

    def bye(self, call: Call) -> Deferred[Response]:
        return self.send(self.in_dialog(call, "BYE"), call.target).final

    def reinvite(self, call: Call) -> Deferred[Response]:
        req = self.in_dialog(call, "INVITE")
        cseq = call.cseq

        def acked(response: Response) -> Response:
            if 200 <= response.status < 300:
                self.endpoint.send_ack(self.in_dialog(call, "ACK", cseq), call.target)
            return response

        return self.send(req, call.target).final.addCallback(acked)

    def close(self) -> None:
        self.endpoint.close()

    # -- incoming ------------------------------------------------------------------------

    def _incoming(self, st: ServerTransaction) -> None:
        request = st.request
        if request.method == "ACK":
            self.acks.append(request)
            return
        self.received.append(request)
        if request.method == "INVITE":
            tag = request.to.tag or new_tag(self.rng)
            if self.answer_code >= 200:
                st.respond(make_response(request, 180, to_tag=tag))
                st.respond(
                    make_response(
                        request, self.answer_code, to_tag=tag,
                        headers=[
                            ("Contact", f"<{self.contact(st.source[0])}>"),
                            *(("Record-Route", rr)
                              for rr in request.headers.get_all("Record-Route")),
                        ],
                        body=b"v=0\r\n" if self.answer_code < 300 else b"",
                    )
                )
            else:  # ring for ever (to be cancelled)
                st.respond(make_response(request, 180, to_tag=tag))
            return
        st.respond(make_response(request, 200, to_tag=new_tag(self.rng)))
