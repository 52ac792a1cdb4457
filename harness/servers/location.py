"""
The location service: address-of-record -> current contact bindings.

Why a separate object: a redundant pair of working servers shares one
location service (the registration a phone made at the primary is known to
the secondary, which is what makes FO-3 calls routable through it), while
the fallback server keeps its own.  L{harness.servers.cluster.WorkingCluster}
wires the sharing; each L{harness.servers.server.SipServer} otherwise gets
its own.

Design choices:

 - I{Keyed by user part.}  One location service serves one SIP domain, and
   phones address the same domain by name (server 1: C{example.test}) and by
   IP address (server 2: C{127.0.1.15}), so the AOR key is the lower-cased
   user part of the To URI (L{aor_key}); a URI without a user is keyed by
   its host.
 - I{Lazy expiry.}  A binding carries an absolute deadline on the injected
   clock and is simply not returned once the deadline has passed; nothing is
   scheduled, so a simulated world goes idle and ten thousand bindings cost
   no timers.  L{LocationService.purge} drops dead bindings on demand.
 - I{Routing back.}  A binding remembers where the REGISTER came from
   (transport, source host, source port): requests for the user are sent
   there, as a registrar behind a NAT or with connection reuse must do
   (RFC 3261 18.2.2, RFC 5626 in spirit), and the contact URI is kept for
   the Request-URI.
 - I{Refresh ordering} (RFC 3261 10.3 step 7): a binding refreshed with the
   same Call-ID must carry a higher CSeq, else L{OutOfOrder} (the registrar
   answers 500).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from harness._frozen import quick_init
from harness.sip.uri import SipURI, parse_uri

__all__ = ["Binding", "LocationService", "OutOfOrder", "aor_key", "contact_key"]


class _Clock(Protocol):
    def seconds(self) -> float: ...


class OutOfOrder(Exception):
    """A REGISTER with the Call-ID of a binding but a CSeq not above its own."""


#: (transport, host, port) a request came from
Source = tuple[str, str, int]


def aor_key(uri: SipURI | str) -> str:
    """
    The key of an address of record: the user part, lower-cased (see the
    module docstring for why the host is ignored), or the host for a URI
    without a user.
    """
    u = parse_uri(uri) if isinstance(uri, str) else uri
    return (u.user if u.user is not None else u.host).lower()


ContactKey = tuple[str, str, str, int | None, str]

#: contact text -> its key; bounded (cleared when full).  Why: a registrar
#: looks the same contact up twice per REGISTER (ordering check, then update)
#: and a phone re-registers the same contact for hours; parsing the URI text
#: each time was a fifth of the registrar's CPU per REGISTER under SIPp load.
_contact_keys: dict[str, ContactKey] = {}
_CONTACT_KEYS_MAX = 65536


def contact_key(uri: SipURI | str) -> ContactKey:
    """
    A comparison key for contact URIs, close to RFC 3261 19.1.4: scheme, user
    (case-sensitive), host (case-insensitive), port and transport parameter.
    """
    if isinstance(uri, str):
        key = _contact_keys.get(uri)
        if key is None:
            key = _key_of(parse_uri(uri))
            if len(_contact_keys) >= _CONTACT_KEYS_MAX:
                _contact_keys.clear()
            _contact_keys[uri] = key
        return key
    return _key_of(uri)


def _key_of(u: SipURI) -> ContactKey:
    return (u.scheme.lower(), u.user or "", u.host.lower(), u.port, u.transport or "")


@quick_init  # (one per REGISTER: see harness._frozen)
@dataclass(frozen=True)
class Binding:
    """
    One contact of an AOR.

    @ivar aor: the AOR key (L{aor_key}).
    @ivar contact: the contact URI as registered (text, without header params).
    @ivar expires_at: absolute deadline on the location service's clock.
    @ivar source: (transport, host, port) the REGISTER came from: where
        requests for this contact are sent.
    @ivar call_id: Call-ID of the REGISTER that made or last refreshed it.
    @ivar cseq: its CSeq number.
    @ivar registered_at: when it was made or last refreshed.
    @ivar server: the name (role) of the server that accepted it.
    @ivar q: the C{q} parameter, if any.
    """

    aor: str
    contact: str
    expires_at: float
    source: Source
    call_id: str
    cseq: int
    registered_at: float
    server: str = ""
    q: str | None = None

    def remaining(self, now: float) -> int:
        """Whole seconds left (never negative), for the C{expires} parameter."""
        return max(0, int(self.expires_at - now + 0.5))


class LocationService:
    """
    AOR -> bindings, with deadlines on C{clock} (anything with C{seconds()}).

    @ivar users: every AOR key that has ever had a binding here ("known" users
        get 480 rather than 404 from the proxy once their bindings expire).
    """

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self._bindings: dict[str, dict[ContactKey, Binding]] = {}
        self.users: set[str] = set()

    def now(self) -> float:
        # (the methods run per REGISTER read self.clock.seconds() themselves:
        # one Python call fewer each, three per REGISTER)
        return self.clock.seconds()

    # -- queries ------------------------------------------------------------------

    def bindings(self, aor: str) -> list[Binding]:
        """Live bindings of C{aor} (a key or a URI), oldest first."""
        key = _key(aor)
        table = self._bindings.get(key)
        if not table:
            return []
        now = self.clock.seconds()
        return [b for b in table.values() if b.expires_at > now]

    def lookup(self, aor: str) -> Binding | None:
        """The most recently refreshed live binding of C{aor}, or None."""
        live = self.bindings(aor)
        if not live:
            return None
        return max(live, key=lambda b: b.registered_at)

    def find_contact(self, uri: str) -> Binding | None:
        """The live binding whose contact is C{uri} (for in-dialog routing)."""
        try:
            ck = contact_key(uri)
            key = aor_key(uri)
        except ValueError:
            return None
        b = self._bindings.get(key, {}).get(ck)
        if b is not None and b.expires_at > self.now():
            return b
        for table in self._bindings.values():
            b = table.get(ck)
            if b is not None and b.expires_at > self.now():
                return b
        return None

    def known(self, aor: str) -> bool:
        return _key(aor) in self.users

    def __iter__(self) -> Iterator[Binding]:
        now = self.now()
        for table in self._bindings.values():
            for b in table.values():
                if b.expires_at > now:
                    yield b

    def __len__(self) -> int:
        return sum(1 for _ in self)

    # -- changes ------------------------------------------------------------------

    def check_order(self, aor: str, contact: str, call_id: str, cseq: int) -> None:
        """Raise L{OutOfOrder} if this update is older than the stored binding."""
        table = self._bindings.get(_key(aor))
        ck = contact_key(contact)  # (raises for a bad contact, with a table or not)
        old = table.get(ck) if table else None
        if (
            old is not None
            and old.expires_at > self.clock.seconds()
            and old.call_id == call_id
            and cseq <= old.cseq
        ):
            raise OutOfOrder(f"CSeq {cseq} <= {old.cseq} for {contact} (Call-ID {call_id})")

    def update(
        self,
        aor: str,
        contact: str,
        expires: float,
        *,
        source: Source,
        call_id: str,
        cseq: int,
        server: str = "",
        q: str | None = None,
    ) -> Binding:
        """Add or refresh a binding lasting C{expires} seconds from now."""
        key = _key(aor)
        now = self.clock.seconds()
        binding = Binding(key, contact, now + expires, source, call_id, cseq, now, server, q)
        table = self._bindings.get(key)
        if table is None:
            table = self._bindings[key] = {}
        table[contact_key(contact)] = binding
        self.users.add(key)
        return binding

    def remove(self, aor: str, contact: str) -> bool:
        """Remove one binding; True if it existed."""
        table = self._bindings.get(_key(aor))
        if not table:
            return False
        return table.pop(contact_key(contact), None) is not None

    def remove_all(self, aor: str) -> int:
        """Remove every binding of C{aor}; the number removed."""
        table = self._bindings.pop(_key(aor), None)
        return len(table) if table else 0

    def purge(self) -> int:
        """Drop expired bindings (memory only; queries already ignore them)."""
        now = self.now()
        dropped = 0
        for key in list(self._bindings):
            table = self._bindings[key]
            for ck in [ck for ck, b in table.items() if b.expires_at <= now]:
                del table[ck]
                dropped += 1
            if not table:
                del self._bindings[key]
        return dropped

    def expire_now(self, aor: str) -> None:
        """Make every binding of C{aor} expire at once (tests, scenarios)."""
        table = self._bindings.get(_key(aor), {})
        now = self.now()
        for ck, b in list(table.items()):
            table[ck] = replace(b, expires_at=now)


def _key(aor: str) -> str:
    """Accept an AOR key or a URI."""
    if ":" in aor:
        try:
            return aor_key(aor)
        except ValueError:
            return aor.lower()
    return aor.lower()
