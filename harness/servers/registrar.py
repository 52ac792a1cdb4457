"""
The fake registrar: REGISTER handling (RFC 3261 section 10.3) on a
L{LocationService}, with optional digest authentication (RFC 7616 / 3261 22).

Sans-IO: L{Registrar.handle} takes a request and where it came from and
returns the response; the server owns the transport.

Expiry (RFC 3261 10.2.1 / 10.3 step 7): a contact's C{expires} parameter wins
over the C{Expires} header, which wins over C{default_expires}.  A non-zero
request below C{min_expires} is refused with 423 Interval Too Brief and
C{Min-Expires}; above C{max_expires} it is granted C{max_expires}.  The 200
lists every current binding of the AOR with its remaining C{expires}
(phones read their granted interval there, REG-2).

Authentication, and why this behaviour (REG-3):

 - no credentials (or credentials for another realm) -> 401 with one
   C{WWW-Authenticate} per configured algorithm, the preferred first
   (RFC 7616 3.7: SHA-256 before MD5 when both are offered);
 - credentials with an expired nonce of ours and the right password ->
   401 with a fresh challenge and C{stale=true} (RFC 7616 3.3): the phone
   must retry without asking the user;
 - wrong password, unknown user, forged nonce -> the first time 401 with a
   fresh challenge (RFC 3261 22.4 / RFC 7235 3.1: "the server SHOULD send a
   new challenge"), so a phone that mis-typed nothing is never locked out by
   a lost race; a second bad attempt in a row on the same Call-ID -> 403
   Forbidden, which ends a client's challenge loop (RFC 3261 22.2 lets a
   UAS refuse without a challenge).  A success clears the count.
 - passwords are only used to compute digests: they are never logged, never
   put in a response or a trace event (the trace holds only wire bytes).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from twisted.internet.interfaces import IReactorTime

from harness.servers.location import LocationService, OutOfOrder, Source, aor_key
from harness.sip.digest import Challenge, DigestServer, parse_credentials
from harness.sip.message import (
    NameAddr,
    ParseError,
    Request,
    Response,
    make_response,
    new_tag,
)

__all__ = ["Authenticator", "Registrar"]

AuthResult = Literal["ok", "challenge", "stale", "forbidden"]


@dataclass
class Authenticator:
    """
    Digest authentication against per-user passwords (keyed by the
    credentials' C{username}, the phone's C{auth_name}).

    @ivar algorithms: offered algorithms, preferred first (C{"MD5"},
        C{"SHA-256"}); one L{DigestServer} each.
    @ivar max_bad: bad attempts in a row (per Call-ID) before 403.
    """

    realm: str
    clock: IReactorTime
    rng: random.Random
    credentials: Mapping[str, str] = field(repr=False, default_factory=dict)
    algorithms: tuple[str, ...] = ("MD5",)
    nonce_lifetime: float = 300.0
    max_bad: int = 2
    _servers: dict[str, DigestServer] = field(init=False, repr=False)
    _bad: dict[str, int] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not self.algorithms:
            raise ValueError("at least one digest algorithm")
        self._servers = {}
        for alg in self.algorithms:
            server = DigestServer(
                self.realm, self.clock, self.rng, self.nonce_lifetime, algorithm=alg
            )
            self._servers[server.algorithm.upper()] = server

    def challenges(self, stale: bool = False) -> list[Challenge]:
        return [s.challenge(stale=stale) for s in self._servers.values()]

    def check(self, request: Request, header: str = "Authorization") -> AuthResult:
        """Judge the credentials of C{request} (see the module docstring)."""
        values = request.headers.get_all(header)
        creds = None
        for value in values:
            try:
                parsed = parse_credentials(value)
            except (ParseError, ValueError):
                continue
            if parsed.realm == self.realm:
                creds = parsed
                break
        if creds is None:
            return "challenge"
        server = self._servers.get((creds.algorithm or "MD5").upper())
        password = self.credentials.get(creds.username)
        if server is None or password is None:
            return self._bad_attempt(request)
        verdict = server.verify(request.method, creds, password)
        if verdict == "ok":
            self._bad.pop(request.call_id, None)
            return "ok"
        if verdict == "stale":
            return "stale"
        return self._bad_attempt(request)

    def _bad_attempt(self, request: Request) -> AuthResult:
        n = self._bad.get(request.call_id, 0) + 1
        self._bad[request.call_id] = n
        if n >= self.max_bad:
            self._bad.pop(request.call_id, None)
            return "forbidden"
        return "challenge"

    def reject(
        self, request: Request, result: AuthResult, status: int = 401, to_tag: str | None = None
    ) -> Response:
        """The 401/407 (or 403) for a failed L{check}."""
        if result == "forbidden":
            return make_response(request, 403, to_tag=to_tag)
        header = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
        return make_response(
            request,
            status,
            to_tag=to_tag,
            headers=[(header, c.to_header()) for c in self.challenges(stale=result == "stale")],
        )


class Registrar:
    """
    REGISTER processing on C{location}.

    @param server_name: recorded in each binding (which server accepted it).
    @param rng: source of the To tags of responses (none without it).
    """

    def __init__(
        self,
        location: LocationService,
        *,
        server_name: str = "",
        min_expires: int = 30,
        max_expires: int = 86400,
        default_expires: int = 3600,
        auth: Authenticator | None = None,
        allow_methods: Iterable[str] = (),
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < min_expires <= max_expires:
            raise ValueError(f"need 0 < min_expires ({min_expires}) <= max_expires ({max_expires})")
        self.location = location
        self.server_name = server_name
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.default_expires = default_expires
        self.auth = auth
        self.allow = ", ".join(allow_methods)
        self.rng = rng
        #: REGISTERs answered, by status (for tests and benchmarks)
        self.answered: dict[int, int] = {}

    @property
    def to_tag(self) -> str | None:
        """A fresh To tag for a response (RFC 3261 8.2.6.2)."""
        return new_tag(self.rng) if self.rng is not None else None

    def handle(self, request: Request, source: Source) -> Response:
        response = self._handle(request, source)
        self.answered[response.status] = self.answered.get(response.status, 0) + 1
        return response

    def _handle(self, request: Request, source: Source) -> Response:
        if self.auth is not None:
            result = self.auth.check(request)
            if result != "ok":
                return self.auth.reject(request, result, to_tag=self.to_tag)
        try:
            aor = aor_key(request.to.uri)
            contacts = request.contacts
        except (ParseError, ValueError) as e:
            return make_response(request, 400, f"Bad Request ({_reason(e)})", to_tag=self.to_tag)
        call_id, cseq = request.call_id, request.cseq.seq
        loc = self.location

        if "*" in contacts:  # a NameAddr never equals a str
            if len(contacts) != 1 or request.expires != 0:
                return make_response(
                    request, 400, "Bad Request (* needs Expires: 0 alone)", to_tag=self.to_tag
                )
            for b in loc.bindings(aor):
                if b.call_id == call_id and cseq <= b.cseq:
                    return self._ok_or_500(request, aor, out_of_order=True)
            loc.remove_all(aor)
            return self._ok_or_500(request, aor)

        # (contact, its URI as text, granted seconds): the text is made once,
        # it is both the ordering check's and the binding's key
        changes: list[tuple[NameAddr, str, int]] = []
        header_expires = request.expires
        for c in contacts:
            assert not isinstance(c, str)
            asked = c.expires
            if asked is None:
                asked = header_expires if header_expires is not None else self.default_expires
            if asked != 0 and asked < self.min_expires:
                return make_response(
                    request,
                    423,
                    to_tag=self.to_tag,
                    headers=[("Min-Expires", str(self.min_expires))],
                )
            changes.append((c, str(c.uri), min(asked, self.max_expires)))
        try:
            for _, contact, _ in changes:
                loc.check_order(aor, contact, call_id, cseq)
        except OutOfOrder:
            return self._ok_or_500(request, aor, out_of_order=True)
        for c, contact, granted in changes:
            if granted == 0:
                loc.remove(aor, contact)
            else:
                loc.update(
                    aor,
                    contact,
                    granted,
                    source=source,
                    call_id=call_id,
                    cseq=cseq,
                    server=self.server_name,
                    q=c.param("q"),
                )
        return self._ok_or_500(request, aor)

    def _ok_or_500(self, request: Request, aor: str, out_of_order: bool = False) -> Response:
        if out_of_order:
            return make_response(
                request, 500, "Server Internal Error (CSeq out of order)", to_tag=self.to_tag
            )
        now = self.location.now()
        headers: list[tuple[str, str]] = [
            ("Contact", f"<{b.contact}>;expires={b.remaining(now)}")
            for b in self.location.bindings(aor)
        ]
        if self.allow:
            headers.append(("Allow", self.allow))
        return make_response(request, 200, to_tag=self.to_tag, headers=headers)


def _reason(e: Exception) -> str:
    text = getattr(e, "reason", None) or str(e)
    return "".join(ch for ch in text if ch.isprintable() and ch not in "\r\n")[:60]
