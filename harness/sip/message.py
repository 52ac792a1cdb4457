"""
SIP messages: frozen L{Request}/L{Response} values, their L{Headers}, and the
sans-IO parser and serialiser (RFC 3261 section 7, grammar in section 25).

Design, and why:

 - I{Values, not objects with state.}  A message is a frozen dataclass; a
   changed message is a new one (L{Headers.set}, L{Request.with_headers},
   C{dataclasses.replace}).  Traces, transactions and checkers can then share
   messages freely.
 - I{Lazy structure.}  Header values stay strings; L{Via}, L{CSeq} and
   L{NameAddr} are parsed when first asked for and cached on the message
   (C{functools.cached_property}; the dataclasses have no slots for that
   reason).  L{parse} still validates the headers every transaction needs
   (Via, From, To, Call-ID, CSeq, Content-Length) so a message that parsed
   is a message the rest of the harness can use without a try block.
 - I{One canonical form.}  Header names are stored in their canonical
   spelling (compact forms expanded), list headers are split into one entry
   per element, values are trimmed and unfolded, and C{Content-Length} is
   always present and equal to C{len(body)}.  L{Request.to_bytes} writes that
   form, so C{parse(m.to_bytes()) == m} for every message.
 - I{One exception.}  Whatever the input, L{parse} raises only L{ParseError}.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from harness.sip import _abnf
from harness.sip.uri import ParseError, SipURI, check_host, check_port, parse_uri

__all__ = [
    "DEFAULT_LIMITS",
    "REASONS",
    "CSeq",
    "Headers",
    "Limits",
    "NameAddr",
    "ParseError",
    "Request",
    "Response",
    "Via",
    "canonical_name",
    "make_response",
    "new_branch",
    "new_call_id",
    "new_tag",
    "parse",
    "parse_expires",
    "parse_name_addr",
    "parse_retry_after",
    "parse_via",
    "split_list",
]

_T = TypeVar("_T")

if TYPE_CHECKING:
    from functools import cached_property as _cached
else:

    class _cached(Generic[_T]):
        """
        C{functools.cached_property} without its per-access lock (Python
        3.11 takes an RLock on every first access, a measurable share of a
        parse).  A non-data descriptor: once the value is in the instance
        C{__dict__}, attribute look-up never reaches this class again.
        """

        def __init__(self, func: Any) -> None:
            self.func = func
            self.name = func.__name__
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: Any, objtype: Any = None) -> Any:
            if obj is None:
                return self
            value = self.func(obj)
            obj.__dict__[self.name] = value
            return value


MAX_CSEQ = 2**31 - 1  # RFC 3261 8.1.1.5: "MUST be less than 2**31"
MAX_DELTA = 2**32 - 1


@dataclass(frozen=True)
class Limits:
    """
    Bounds on what the parser accepts, so a hostile or broken peer cannot
    make the harness allocate without limit.  Exceeding one is a
    L{ParseError}.
    """

    max_size: int = 65535
    max_headers: int = 256
    max_header_len: int = 8192
    max_line: int = 8192


DEFAULT_LIMITS = Limits()

# --- header names --------------------------------------------------------------

_COMPACT = {
    "v": "Via",
    "i": "Call-ID",
    "m": "Contact",
    "f": "From",
    "t": "To",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "s": "Subject",
    "e": "Content-Encoding",
    "o": "Event",
    "r": "Refer-To",
    "u": "Allow-Events",
    "x": "Session-Expires",
    "y": "Identity",
    "b": "Referred-By",
    "a": "Accept-Contact",
    "j": "Reject-Contact",
    "d": "Request-Disposition",
    "n": "Identity-Info",
}

_KNOWN = [
    "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow",
    "Allow-Events", "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact",
    "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
    "Content-Type", "CSeq", "Date", "Error-Info", "Event", "Expires", "From", "History-Info",
    "Identity", "Identity-Info", "In-Reply-To", "Max-Forwards", "MIME-Version", "Min-Expires",
    "Min-SE", "Organization", "P-Asserted-Identity", "P-Associated-URI",
    "P-Preferred-Identity", "Path", "Priority", "Privacy", "Proxy-Authenticate",
    "Proxy-Authorization", "Proxy-Require", "RAck", "Reason", "Record-Route", "Refer-To",
    "Referred-By", "Reject-Contact", "Replaces", "Reply-To", "Request-Disposition", "Require",
    "Retry-After", "Route", "RSeq", "Security-Client", "Security-Server", "Security-Verify",
    "Server", "Service-Route", "Session-Expires", "SIP-ETag", "SIP-If-Match", "Subject",
    "Subscription-State", "Supported", "Timestamp", "To", "Unsupported", "User-Agent", "Via",
    "Warning", "WWW-Authenticate",
]  # fmt: skip
_CANONICAL = {n.lower(): n for n in _KNOWN}
_CANONICAL.update(_COMPACT)

# Headers whose grammar is a comma-separated list (RFC 3261 7.3.1): stored one
# element per entry.  Everything else (notably WWW-Authenticate,
# Authorization, Proxy-*, Date, unknown headers) is never split.
LIST_HEADERS = frozenset(
    [
        "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info",
        "Allow", "Allow-Events", "Call-Info", "Contact", "Content-Encoding",
        "Content-Language", "Error-Info", "History-Info", "In-Reply-To",
        "P-Asserted-Identity", "P-Associated-URI", "P-Preferred-Identity", "Path",
        "Proxy-Require", "Reason", "Record-Route", "Reject-Contact", "Require", "Route",
        "Security-Client", "Security-Server", "Security-Verify", "Service-Route", "Supported",
        "Unsupported", "Via", "Warning",
    ]
)  # fmt: skip
# List headers written one element per line (they are read element by element
# in ladders and sngrep); other list headers are joined on one line.
_ONE_PER_LINE = frozenset(["Via", "Contact", "Route", "Record-Route", "Path", "Service-Route"])
#: list headers whose consecutive values are written as one line (L{Headers._lines})
_JOINED = LIST_HEADERS - _ONE_PER_LINE
_NAME = itemgetter(0)

_canon_cache: dict[str, str] = {}


def canonical_name(name: str) -> str:
    """
    The canonical spelling of header C{name} (any case, compact or full;
    surrounding blanks ignored).  Unknown names are capitalised per
    hyphen-separated word.  L{ParseError} if C{name} is not a token.
    """
    c = _canon_cache.get(name)
    if c is not None:
        return c
    stripped = name.strip(" \t")
    lower = stripped.lower()
    c = _CANONICAL.get(lower)
    if c is None:
        if not _abnf.token_re.fullmatch(stripped):
            raise ParseError(f"bad header name {name!r}")
        c = "-".join(p[:1].upper() + p[1:] for p in lower.split("-"))
    if len(_canon_cache) < 4096:
        _canon_cache[name] = c
    return c


def split_list(value: str) -> list[str]:
    """
    Split a list header's value at commas outside quoted strings and angle
    brackets; empty elements are dropped (an all-empty value stays C{[""]}).
    """
    if "," not in value:
        return [value]
    if '"' not in value and "<" not in value:
        out = [p for p in (part.strip(" \t") for part in value.split(",")) if p]
        return out or [""]
    out = []
    start = 0
    in_quote = in_angle = False
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if in_quote:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_quote = False
        elif c == '"':
            in_quote = True
        elif c == "<":
            in_angle = True
        elif c == ">":
            in_angle = False
        elif c == "," and not in_angle:
            part = value[start:i].strip(" \t")
            if part:
                out.append(part)
            start = i + 1
        i += 1
    if in_quote:
        raise ParseError(f"unterminated quoted string in {value!r}")
    part = value[start:].strip(" \t")
    if part:
        out.append(part)
    return out or [""]


# What the parser rejects in a header section (controls other than HT), so a
# Headers built in code can always be written out and read back.
_BAD_VALUE_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class Headers:
    """
    An immutable, ordered, case-insensitive multi-map of header fields.

    Names are canonical (L{canonical_name}); list headers hold one entry per
    element.  Every "change" returns a new L{Headers}.
    """

    # No name -> values map is kept: a message has a dozen fields, a scan of
    # them costs about what building and consulting a dict does, and every
    # message in a trace would otherwise hold a dict and a list per field
    # (a third of the memory of a 10,000-phone world, and GC work).
    __slots__ = ("_hash", "_pairs")

    _pairs: tuple[tuple[str, str], ...]
    _hash: int | None

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        if isinstance(pairs, Headers):
            self._pairs = pairs._pairs
        else:
            self._pairs = tuple(_normalise(pairs))
        self._hash = None

    @classmethod
    def _trusted(cls, pairs: tuple[tuple[str, str], ...]) -> Headers:
        """Build from pairs already canonical (the parser's fast path)."""
        h = cls.__new__(cls)
        h._pairs = pairs
        h._hash = None
        return h

    def _values(self, cname: str) -> list[str]:
        """Every value of the canonical name C{cname}, in order."""
        return [v for n, v in self._pairs if n == cname]

    def get(self, name: str) -> str | None:
        """The first value of C{name} (list headers: the first element), or None."""
        cname = _canon_cache.get(name) or canonical_name(name)
        for n, v in self._pairs:
            if n == cname:
                return v
        return None

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of C{name} in order (list headers: every element)."""
        cname = _canon_cache.get(name) or canonical_name(name)
        return tuple([v for n, v in self._pairs if n == cname])

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            cname = canonical_name(name)
        except ParseError:
            return False
        return any(n == cname for n, _ in self._pairs)

    def set(self, name: str, value: str) -> Headers:
        """Replace every C{name} field by C{value}, where the first one was (else append)."""
        new = _normalise([(name, value)])
        cname = new[0][0]
        out: list[tuple[str, str]] = []
        placed = False
        for pair in self._pairs:
            if pair[0] == cname:
                if not placed:
                    out.extend(new)
                    placed = True
            else:
                out.append(pair)
        if not placed:
            out.extend(new)
        return Headers._trusted(tuple(out))

    def add(self, name: str, value: str, first: bool = False) -> Headers:
        """
        Add a field.  C{first=True} puts it before the existing fields of that
        name (or at the top), as a proxy adds a Via; otherwise after the last
        field of that name (or at the end).
        """
        new = _normalise([(name, value)])
        cname = new[0][0]
        pairs = self._pairs
        idx = [i for i, p in enumerate(pairs) if p[0] == cname]
        if first:
            at = idx[0] if idx else 0
        else:
            at = idx[-1] + 1 if idx else len(pairs)
        return Headers._trusted(pairs[:at] + tuple(new) + pairs[at:])

    def with_top_via(self, via: str) -> Headers:
        """
        The first Via replaced by C{via}, the other Vias right after it (where
        a transport stamps C{received}/C{rport}, RFC 3261 18.2.1).  Only C{via}
        is normalised: the other fields already are, so this equals building
        L{Headers} from the same pairs, without re-checking every field.
        """
        pairs = self._pairs
        vias = [p for p in pairs if p[0] == "Via"]
        new = _normalise([("Via", via)])
        out: list[tuple[str, str]] = []
        placed = False
        for pair in pairs:
            if pair[0] == "Via":
                if not placed:
                    placed = True
                    out.extend(new)
                    out.extend(vias[1:])
                continue
            out.append(pair)
        if not placed:
            out[:0] = new
        return Headers._trusted(tuple(out))

    def remove(self, name: str) -> Headers:
        """Every field except C{name}."""
        cname = canonical_name(name)
        return Headers._trusted(tuple(p for p in self._pairs if p[0] != cname))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._pairs == other._pairs

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._pairs)
        return self._hash

    def __repr__(self) -> str:
        return f"Headers({list(self._pairs)!r})"

    def _lines(self) -> list[str]:
        """
        The header lines of the canonical wire form: consecutive non-empty
        values of a list header that is not written one per line are joined
        into one line.

        Why two paths: every request and response sent is serialised once, and
        most have no such header (a REGISTER, its 200): their lines are made
        by C{str.join} over the pairs, without a bytecode per field (the loop
        took ~23 bytecodes per field, ~280 per message; 1 % of a 10 s
        REGISTER-failover scenario's bytecodes).
        """
        pairs = self._pairs
        if _JOINED.isdisjoint(map(_NAME, pairs)):
            return list(map(": ".join, pairs))
        out: list[str] = []
        joining: str | None = None  # the name of the last line, if it takes more values
        for name, value in pairs:
            if value and name == joining:
                out[-1] = f"{out[-1]}, {value}"
                continue
            out.append(f"{name}: {value}")
            joining = name if value and name in _JOINED else None
        return out


#: fields normalised before, by (name, value) as given: a server adds the same
#: Allow, Contact, Server fields to response after response
_normalised: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}


def _normalise(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    done = _normalised
    for name, value in pairs:
        if type(name) is str and type(value) is str:
            found = done.get((name, value))
            if found is not None:
                out.extend(found)
                continue
        elif not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"header name and value must be str: {(name, value)!r}")
        start = len(out)
        _normalise_one(name, value, out)
        _remember(done, (name, value), tuple(out[start:]))
    return out


def _normalise_one(name: str, value: str, out: list[tuple[str, str]]) -> None:
    """Append the canonical pairs of one field to C{out}; L{ParseError} if it is bad."""
    cname = canonical_name(name)
    if _BAD_VALUE_CHARS.search(value):
        raise ParseError(f"control character in header value {value!r}", header=cname)
    value = value.strip(" \t")
    if cname in LIST_HEADERS:
        out.extend((cname, v) for v in split_list(value))
    else:
        pair = (cname, value)
        out.append(_shared_pairs.get(pair) or pair)  # see parse: fields repeat


# --- structured header values ---------------------------------------------------

_PARAM_RE = re.compile(
    r"[ \t]*;[ \t]*(?P<name>" + _abnf.token + r")(?:[ \t]*=[ \t]*(?P<value>"
    + _abnf.token + "|" + _abnf.IPv6reference + "|" + _abnf.quoted_string + "))?"
)
_TRAIL_RE = re.compile(r"[ \t]*")


_shared_params: dict[tuple[str, str | None], tuple[str, str | None]] = {}


#: parameters with no blanks, quotes or brackets (what phones send: ";branch=z9hG4bK..;rport")
_SIMPLE_PARAMS_RE = re.compile(r"(?:;" + _abnf.token + r"(?:=" + _abnf.token + r")?)+")


def _parse_params(text: str, what: str) -> tuple[tuple[str, str | None], ...]:
    """C{*(SEMI generic-param)}; quoted values keep their quotes."""
    if not text:
        return ()
    out: list[tuple[str, str | None]] = []
    shared = _shared_params
    if _SIMPLE_PARAMS_RE.fullmatch(text):
        # The common case, split instead of matched parameter by parameter
        # (a Via's unique branch defeats every cache): token characters
        # include neither ";" nor "=", so the split is exactly the grammar.
        if len(shared) >= _CACHE_MAX:
            shared.clear()
        for part in text[1:].split(";"):
            name, eq, value = part.partition("=")
            param = (name, value if eq else None)
            found = shared.get(param)
            if found is None:
                shared[param] = found = param
            out.append(found)
        return tuple(out)
    pos = 0
    n = len(text)
    match = _PARAM_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            if _TRAIL_RE.fullmatch(text, pos):
                break
            raise ParseError(f"bad parameters in {what}: {text!r}")
        param = (m.group("name"), m.group("value"))
        found = _shared_params.get(param)  # ";rport", ";lr", ";expires=300" repeat
        if found is None:
            found = _remember(_shared_params, param, param)
        out.append(found)
        pos = m.end()
    return tuple(out)


def _get_param(params: tuple[tuple[str, str | None], ...], name: str) -> str | None:
    """C{name} (lower case) in C{params}; the exact spelling is tried before lower-casing."""
    for k, v in params:
        if k == name or k.lower() == name:
            return "" if v is None else v
    return None


def _set_param(
    params: tuple[tuple[str, str | None], ...], name: str, value: str | None
) -> tuple[tuple[str, str | None], ...]:
    lname = name.lower()
    out = list(params)
    for i, (k, _) in enumerate(out):
        if k.lower() == lname:
            out[i] = (k, value)
            return tuple(out)
    out.append((name, value))
    return tuple(out)


def _params_str(params: tuple[tuple[str, str | None], ...]) -> str:
    # a list, not a generator: join makes one anyway, and this runs for every Via stamped
    return "".join([f";{k}" if v is None else f";{k}={v}" for k, v in params])


@dataclass(frozen=True)
class Via:
    """
    One Via element (RFC 3261 20.42).  C{transport} is upper-case; C{host}
    keeps IPv6 brackets.  Parameter values are as on the wire.
    """

    transport: str
    host: str
    port: int | None = None
    params: tuple[tuple[str, str | None], ...] = ()

    def param(self, name: str) -> str | None:
        """Parameter C{name} (case-insensitive): its value, C{""} if bare, None if absent."""
        return _get_param(self.params, name.lower())

    # (the three below: L{param} of a name already in lower case, without its call and
    # lower(): the branch is read about fourteen times per REGISTER-failover scenario,
    # by the transaction layers and the judge)
    @property
    def branch(self) -> str | None:
        return _get_param(self.params, "branch")

    @property
    def received(self) -> str | None:
        return _get_param(self.params, "received")

    @property
    def rport(self) -> int | Literal[True] | None:
        """C{True} for a bare C{rport} (a request asking for it), the port once filled in."""
        v = _get_param(self.params, "rport")
        if v is None:
            return None
        if v == "":
            return True
        return int(v)

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def with_param(self, name: str, value: str | None) -> Via:
        """A copy with C{name} set to C{value} (None: a bare flag), replacing it in place."""
        return Via(self.transport, self.host, self.port, _set_param(self.params, name, value))

    def __str__(self) -> str:
        return f"SIP/2.0/{self.transport} {self.sent_by}{_params_str(self.params)}"


def _trusted_via(
    transport: str, host: str, port: int | None, params: tuple[tuple[str, str | None], ...]
) -> Via:
    """
    C{Via(transport, host, port, params)} (it has no checks to skip), its
    fields written straight into the instance dict, in field order (a
    key-sharing dict, as the frozen C{__init__} leaves it): 1.5 -> 0.73 us
    per Via (timeit, under load); two per request received.
    """
    via = object.__new__(Via)
    fields = via.__dict__
    fields["transport"] = transport
    fields["host"] = host
    fields["port"] = port
    fields["params"] = params
    return via


_VIA_PROTO_RE = re.compile(
    r"(?P<name>" + _abnf.token + r")[ \t]*/[ \t]*(?P<version>" + _abnf.token
    + r")[ \t]*/[ \t]*(?P<transport>" + _abnf.token + r")[ \t]+"
)
_SENT_BY_PORT_RE = re.compile(r"[ \t]*:[ \t]*([0-9]+)[ \t]*")


# Parsed values are immutable, so identical header texts (a phone's To and
# Contact on every refresh, the Via a response echoes) can share one object.
# Bounded: cleared when full.
_CACHE_MAX = 4096
_K = TypeVar("_K")


def _remember(cache: dict[_K, _T], key: _K, value: _T) -> _T:
    """Keep C{value} under C{key} in one of the parse caches, emptied when full."""
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


class _Generations(dict[_K, _T]):
    """
    A parse cache that keeps, when full, what is still in use: the full
    table becomes the elder generation (the previous elder is dropped) and
    an entry found only there moves back to the young one.  At most
    2 * C{_CACHE_MAX} entries.

    Why not cleared when full, as the other caches: a name-addr with a
    unique parameter (each request's From tag) fills the table within a
    few thousand requests, and clearing it made a registrar parse its
    users' To and Contact texts again after every clear (half of them
    missed with 1,000 SIPp users: about 3 us per REGISTER, measured
    in-process).  An entry used once per generation now stays.
    """

    __slots__ = ("elder",)

    def __init__(self) -> None:
        super().__init__()
        self.elder: dict[_K, _T] = {}

    def keep(self, key: _K, value: _T) -> None:
        """Add C{key} (not in the young generation), starting a new generation if full."""
        if len(self) >= _CACHE_MAX:
            self.elder = self.copy()
            self.clear()
        self[key] = value


_via_cache: dict[str, Via] = {}
_name_addr_cache: _Generations[str, NameAddr] = _Generations()
_uri_cache: _Generations[str, SipURI] = _Generations()


def parse_via(value: str) -> Via:
    """One Via element (C{via-parm}); L{ParseError} if malformed."""
    via = _via_cache.get(value)
    if via is None:
        m = _BRANCH_FIRST_RE.fullmatch(value)
        shape = None if m is None else _via_shapes.get((m.group(1), m.group(3)))
        if shape is not None and m is not None:
            via = _trusted_via(shape[0], shape[1], shape[2], (("branch", m.group(2)), *shape[3]))
        else:
            try:
                via = _parse_via(value)
            except ParseError as e:
                raise ParseError(e.reason, header="Via") from None
            if m is not None:
                _remember(_via_shapes, (m.group(1), m.group(3)),
                          (via.transport, via.host, via.port, via.params[1:]))
        _remember(_via_cache, value, via)
    return via


_Params = tuple[tuple[str, str | None], ...]
#: a Via whose first parameter is a simple branch, then simple parameters (what
#: phones and SIPp send): (sent-protocol and sent-by, the parameters after the branch)
_BRANCH_FIRST_RE = re.compile(
    r"([^;]*);branch=(" + _abnf.token + r")((?:;" + _abnf.token + r"(?:=" + _abnf.token + r")?)*)"
)
#: Vias parsed before, by the two texts around their branch: (transport, host,
#: port, parameters after the branch).  Why: each request's branch is unique,
#: so its Via misses L{_via_cache} and was parsed in full; a Via with the same
#: texts around a token branch is valid alike and differs only in the branch.
#: Measured per SIPp REGISTER in-process: see the commit message.
_via_shapes: dict[tuple[str, str], tuple[str, str, int | None, _Params]] = {}


def _parse_via(value: str) -> Via:
    semi = value.find(";")
    head, params_text = (value, "") if semi < 0 else (value[:semi], value[semi:])
    sent = _sent_by_cache.get(head)
    if sent is None:
        sent = _parse_sent_by(head)
        _remember(_sent_by_cache, head, sent)
    params = _parse_params(params_text, "Via")
    for k, v in params:
        # "branch=..." is the usual parameter: only a five-letter name is lower-cased
        if (
            v is not None
            and len(k) == 5
            and k.lower() == "rport"
            and not (v.isdigit() and len(v) <= 5)
        ):
            raise ParseError(f"bad rport in Via: {value!r}", header="Via")
    return _trusted_via(sent[0], sent[1], sent[2], params)


_sent_by_cache: dict[str, tuple[str, str, int | None]] = {}


def _parse_sent_by(value: str) -> tuple[str, str, int | None]:
    """C{sent-protocol LWS sent-by} -> (transport, host, port)."""
    m = _VIA_PROTO_RE.match(value)
    if m is None:
        raise ParseError(f"bad Via sent-protocol: {value!r}", header="Via")
    if m.group("name").upper() != "SIP" or m.group("version") != "2.0":
        raise ParseError(f"bad Via protocol: {value!r}", header="Via")
    rest = value[m.end() :]
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            raise ParseError(f"bad Via sent-by: {value!r}", header="Via")
        host = rest[: close + 1]
        rest = rest[close + 1 :]
    else:
        end = 0
        n = len(rest)
        while end < n and rest[end] not in " \t:":
            end += 1
        host = rest[:end]
        rest = rest[end:]
    port: int | None = None
    pm = _SENT_BY_PORT_RE.match(rest)
    if pm is not None:
        port = check_port(pm.group(1), "Via port")
        rest = rest[pm.end() :]
    if rest.strip(" \t"):
        raise ParseError(f"bad Via sent-by: {value!r}", header="Via")
    try:
        check_host(host, "Via host")
    except ParseError as e:
        raise ParseError(e.reason, header="Via") from None
    return m.group("transport").upper(), host, port


@dataclass(frozen=True)
class CSeq:
    """The CSeq header: sequence number (< 2**31) and method."""

    seq: int
    method: str

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


def _parse_cseq(value: str) -> CSeq:
    cseq = _cseq_cache.get(value)
    if cseq is None:
        cseq = _parse_cseq_text(value)
        _remember(_cseq_cache, value, cseq)
    return cseq


#: CSeq is immutable: a request, its retransmissions and responses share one
_cseq_cache: dict[str, CSeq] = {}


def _parse_cseq_text(value: str) -> CSeq:
    m = _abnf.cseq_re.fullmatch(value)
    if m is None:
        raise ParseError(f"bad CSeq: {value!r}", header="CSeq")
    digits = m.group("seq")
    if len(digits) > 10 or int(digits) > MAX_CSEQ:
        raise ParseError(f"CSeq number out of range: {digits}", header="CSeq")
    return CSeq(int(digits), m.group("method"))


def _unquote(text: str) -> str:
    """The content of a quoted-string (quotes included in C{text}), escapes removed."""
    inner = text[1:-1]
    if "\\" not in inner:
        return inner
    return re.sub(r"\\(.)", r"\1", inner, flags=re.S)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class NameAddr:
    """
    A C{name-addr} / C{addr-spec} with header parameters (From, To, Contact,
    Route, ...).  C{display} is unquoted text (None if absent); C{params}
    are the header parameters (after the C{>}), values as on the wire.
    """

    display: str | None
    uri: SipURI
    params: tuple[tuple[str, str | None], ...] = ()

    def param(self, name: str) -> str | None:
        return _get_param(self.params, name.lower())

    @property
    def tag(self) -> str | None:
        return self.param("tag")

    @property
    def expires(self) -> int | None:
        """The C{expires} parameter (a Contact's), None if absent or malformed."""
        return parse_expires(self.param("expires"))

    def with_param(self, name: str, value: str | None) -> NameAddr:
        return replace(self, params=_set_param(self.params, name, value))

    def with_tag(self, tag: str) -> NameAddr:
        return self.with_param("tag", tag)

    def __str__(self) -> str:
        shown = "" if self.display is None else _quote(self.display) + " "
        return f"{shown}<{self.uri}>{_params_str(self.params)}"


_DISPLAY_TOKENS_RE = re.compile(_abnf.token + r"(?:[ \t]+" + _abnf.token + r")*")


def parse_name_addr(value: str, header: str | None = None) -> NameAddr:
    """Parse C{( name-addr / addr-spec ) *( SEMI generic-param )}."""
    cache = _name_addr_cache
    na = cache.get(value)
    if na is None:
        na = cache.elder.get(value)
        if na is None:
            na = _parse_name_addr(value, header)
        cache.keep(value, na)
    return na


def _parse_name_addr(value: str, header: str | None) -> NameAddr:
    text = value.strip(" \t")
    display: str | None = None
    if text.startswith('"'):
        m = _abnf.quoted_string_re.match(text)
        if m is None:
            raise ParseError(f"unterminated display name: {value!r}", header=header)
        display = _unquote(m.group(0))
        text = text[m.end() :].lstrip(" \t")
        if not text.startswith("<"):
            raise ParseError(f"display name without <URI>: {value!r}", header=header)
    else:
        lt = text.find("<")
        if lt > 0:
            shown = text[:lt].strip(" \t")
            if shown:
                if not _DISPLAY_TOKENS_RE.fullmatch(shown):
                    raise ParseError(f"bad display name: {value!r}", header=header)
                display = " ".join(shown.split())
            text = text[lt:]
    if text.startswith("<"):
        gt = text.find(">")
        if gt < 0:
            raise ParseError(f"missing '>' in {value!r}", header=header)
        uri_text = text[1:gt].strip(" \t")
        rest = text[gt + 1 :]
    else:
        # addr-spec: parameters after it belong to the header, not the URI.
        semi = text.find(";")
        uri_text, rest = (text, "") if semi < 0 else (text[:semi], text[semi:])
        uri_text = uri_text.rstrip(" \t")
        if "?" in uri_text or "," in uri_text:
            raise ParseError(f"URI with '?' or ',' must be in <>: {value!r}", header=header)
    try:
        uri = _uri_cache.get(uri_text)
        if uri is None:
            uri = _uri_cache.elder.get(uri_text)
            if uri is None:
                uri = parse_uri(uri_text)
            _uri_cache.keep(uri_text, uri)
        params = _parse_params(rest, header or "name-addr")
    except ParseError as e:
        raise ParseError(e.reason, header=header) from None
    return NameAddr(display, uri, params)


def parse_expires(value: str | None) -> int | None:
    """
    A C{delta-seconds} value (Expires header or parameter).  None when absent,
    malformed, or above 2**32-1: RFC 4475 3.1.2.4 lets an element treat such
    a value as absent (that is, use its default).
    """
    if value is None:
        return None
    value = value.strip(" \t")
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    n = int(value)
    return n if n <= MAX_DELTA else None


_RETRY_AFTER_RE = re.compile(r"[ \t]*([0-9]{1,10})[ \t]*(?:\(.*\))?[ \t]*(?:;.*)?", re.S)


def parse_retry_after(value: str) -> int:
    """
    The seconds of a Retry-After value (C{delta-seconds [comment] *(SEMI
    retry-param)}); L{ParseError} if it does not start with a number.
    """
    m = _RETRY_AFTER_RE.fullmatch(value)
    if m is None:
        raise ParseError(f"bad Retry-After: {value!r}", header="Retry-After")
    n = int(m.group(1))
    if n > MAX_DELTA:
        raise ParseError(f"Retry-After out of range: {value!r}", header="Retry-After")
    return n


# --- messages ---------------------------------------------------------------------

_METHOD_RE = re.compile(_abnf.token)
_REQUEST_URI_RE = re.compile(_abnf.Request_URI)


class _Message:
    """Accessors shared by L{Request} and L{Response}."""

    headers: Headers
    body: bytes

    def _start_line(self) -> str:
        raise NotImplementedError

    def _required(self, name: str) -> str:
        value = self.headers.get(name)
        if value is None:
            raise ParseError(f"missing {name} header", header=name)
        return value

    @_cached
    def call_id(self) -> str:
        return self._required("Call-ID")

    @_cached
    def cseq(self) -> CSeq:
        return _parse_cseq(self._required("CSeq"))

    @_cached
    def vias(self) -> tuple[Via, ...]:
        """Every Via, topmost first."""
        return tuple(parse_via(v) for v in self.headers.get_all("Via"))

    @property
    def top_via(self) -> Via:
        vias = self.vias
        if not vias:
            raise ParseError("missing Via header", header="Via")
        return vias[0]

    @_cached
    def from_(self) -> NameAddr:
        return parse_name_addr(self._required("From"), "From")

    @_cached
    def to(self) -> NameAddr:
        return parse_name_addr(self._required("To"), "To")

    @_cached
    def contacts(self) -> tuple[NameAddr | Literal["*"], ...]:
        """Contact elements; C{"*"} is the wildcard of a remove-all REGISTER."""
        return tuple([  # a list, not a generator: once per REGISTER
            "*" if v == "*" else parse_name_addr(v, "Contact")
            for v in self.headers.get_all("Contact")
        ])

    @property
    def expires(self) -> int | None:
        """The Expires header (None if absent or malformed; see L{parse_expires})."""
        return parse_expires(self.headers.get("Expires"))

    @_cached
    def _wire(self) -> bytes:
        lines = [self._start_line(), *self.headers._lines(), "", ""]
        return "\r\n".join(lines).encode("utf-8") + self.body

    def to_bytes(self) -> bytes:
        """The canonical wire form (cached: retransmissions reuse it)."""
        return self._wire

    def _fix_length(self) -> None:
        if not isinstance(self.headers, Headers):
            raise TypeError(f"headers must be Headers, not {type(self.headers).__name__}")
        if not isinstance(self.body, bytes):
            raise TypeError(f"body must be bytes, not {type(self.body).__name__}")
        length = str(len(self.body))
        have = self.headers._values("Content-Length")
        if len(have) != 1 or have[0] != length:
            object.__setattr__(self, "headers", self.headers.set("Content-Length", length))


@dataclass(frozen=True)
class Request(_Message):
    """A SIP request.  C{uri} is the Request-URI as text (any scheme)."""

    method: str
    uri: str
    headers: Headers
    body: bytes = b""

    def __post_init__(self) -> None:
        if not _METHOD_RE.fullmatch(self.method):
            raise ParseError(f"bad method {self.method!r}")
        if not _REQUEST_URI_RE.fullmatch(self.uri):
            raise ParseError(f"bad Request-URI {self.uri!r}")
        self._fix_length()

    def _start_line(self) -> str:
        return f"{self.method} {self.uri} SIP/2.0"

    def with_headers(self, headers: Headers) -> Request:
        # Why not replace(self, headers=headers): the method and Request-URI
        # were checked when this request was built, and replace() looks up the
        # fields and runs __init__ and both checks again (about 4 us; twice per
        # REGISTER sent).  Only what the new headers can change is redone.
        msg = _trusted_request(self.method, self.uri, headers, self.body)
        msg._fix_length()
        return msg


@dataclass(frozen=True)
class Response(_Message):
    """A SIP response."""

    status: int
    reason: str
    headers: Headers
    body: bytes = b""

    def __post_init__(self) -> None:
        if not isinstance(self.status, int) or not 100 <= self.status <= 699:
            raise ParseError(f"status code out of range: {self.status!r}")
        if _BAD_VALUE_CHARS.search(self.reason) or self.reason != self.reason.strip(" \t"):
            raise ParseError(f"bad reason phrase {self.reason!r}")
        self._fix_length()

    def _start_line(self) -> str:
        return f"SIP/2.0 {self.status} {self.reason}"

    def with_headers(self, headers: Headers) -> Response:
        # (not replace(): see Request.with_headers)
        msg = _trusted_response(self.status, self.reason, headers, self.body)
        msg._fix_length()
        return msg


# --- the parser ----------------------------------------------------------------------

_CTL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
#: header fields already parsed (see L{parse}); cleared when it holds more than the max
_shared_pairs: dict[tuple[str, str], tuple[str, str]] = {}
_SHARED_PAIRS_MAX = 4096
#: list-header fields already split (C{Allow: INVITE, ACK, ...} repeats in every message)
_shared_lists: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
_REQUIRED = ("Call-ID", "CSeq", "From", "To", "Via")


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Request | Response:
    """
    Parse one whole SIP message.

    The body is C{Content-Length} bytes after the headers (bytes beyond it
    are dropped, as RFC 3261 18.3 says for datagrams); without
    C{Content-Length} the rest of C{data} is the body.  Line folding, blanks
    around colons, any header-name case, compact forms and bare-LF line ends
    are accepted.  Anything malformed raises L{ParseError}, and only that.
    """
    if not isinstance(data, bytes):
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        else:
            raise ParseError(f"expected bytes, not {type(data).__name__}")
    if len(data) > limits.max_size:
        raise ParseError(f"message larger than {limits.max_size} bytes")
    if data[:1] in (b"\r", b"\n"):
        data = data.lstrip(b"\r\n")
    end = data.find(b"\r\n\r\n")
    lf = data.find(b"\n\n", 0, None if end < 0 else end)
    if lf >= 0:
        head_b, rest = data[:lf], data[lf + 2 :]
    elif end >= 0:
        head_b, rest = data[:end], data[end + 4 :]
    else:
        # RFC 3261 7: the empty line is part of every message; without it a
        # datagram cut at a line end would pass for a whole (shorter) message
        raise ParseError("no empty line after the headers")
    try:
        head = head_b.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(f"header section is not UTF-8 (byte {e.start})") from None
    if len(head_b.translate(None, _CTL_BYTES)) != len(head_b):
        raise ParseError("control character in the header section")
    max_line = limits.max_line
    n_cr = head.count("\r")
    if (
        "\n " in head
        or "\n\t" in head
        or (n_cr and (n_cr != head.count("\n") or n_cr != head.count("\r\n")))
    ):
        start, lines, linenos = _unfold(head, max_line)
    else:
        lines = head.split("\r\n") if n_cr else head.split("\n")
        start = lines[0]
        del lines[0]
        linenos = None
        if len(head) > max_line:
            for i, line in enumerate(lines):
                if len(line) > max_line:
                    raise ParseError("line too long", line=i + 2)
        if len(start) > max_line:
            raise ParseError("start line too long", line=1)
    if len(lines) > limits.max_headers:
        raise ParseError(f"more than {limits.max_headers} header fields")
    pairs: list[tuple[str, str]] = []
    append = pairs.append
    cache = _canon_cache
    shared = _shared_pairs
    if len(shared) > _SHARED_PAIRS_MAX:
        shared.clear()
    shared_lists = _shared_lists
    if len(shared_lists) > _SHARED_PAIRS_MAX:
        shared_lists.clear()
    list_headers = LIST_HEADERS
    for line in lines:
        name, sep, value = line.partition(":")
        cname = cache.get(name)
        if cname is None or not sep:
            cname = _header_name(name, sep, _lineno(lines, linenos, line))
        value = value.strip(" \t")
        if "," in value and cname in list_headers:
            key = (cname, value)
            split = shared_lists.get(key)
            if split is None:
                try:
                    split = tuple([(cname, v) for v in split_list(value)])
                except ParseError as e:
                    raise ParseError(
                        e.reason, line=_lineno(lines, linenos, line), header=cname
                    ) from None
                shared_lists[key] = split
            pairs.extend(split)
        else:
            pair = (cname, value)
            # An equal field parsed before (the same Max-Forwards, Allow, a
            # response echoing From/Call-ID/CSeq, a retransmission) is shared:
            # the trace keeps every message, and most fields repeat.
            found = shared.get(pair)
            if found is None:
                shared[pair] = pair
                append(pair)
            else:
                append(found)
    if len(head) > limits.max_header_len:
        for cname, value in pairs:
            if len(value) > limits.max_header_len:
                raise ParseError("header value too long", header=cname)
    headers = Headers._trusted(tuple(pairs))
    # the first value of each name (its keys: the names present)
    first = names = dict(reversed(pairs))

    # No name twice (what phones and SIPp send): the one value of a name is its
    # first, and the fields need no scan for others (Content-Length, Via below:
    # parse 20.0 -> 19.0 us per SIPp REGISTER, in-process, median of 7 x 20,000)
    single = len(names) == len(pairs)
    if "Content-Length" not in names:
        lengths = None
    elif single:
        lengths = [first["Content-Length"]]
    else:
        lengths = headers._values("Content-Length")
    if lengths is not None:
        if len(set(lengths)) != 1:
            raise ParseError("conflicting Content-Length headers", header="Content-Length")
        cl = lengths[0]
        if not cl.isascii() or not cl.isdigit() or len(cl) > 10:
            raise ParseError(f"bad Content-Length {cl!r}", header="Content-Length")
        n = int(cl)
        if n > len(rest):
            raise ParseError(
                f"Content-Length {n} larger than the {len(rest)} body bytes received",
                header="Content-Length",
            )
        body = rest[:n] if n < len(rest) else rest
    else:
        body = rest
    if lengths is None or len(lengths) != 1 or lengths[0] != str(len(body)):
        headers = headers.set("Content-Length", str(len(body)))

    for name in _REQUIRED:
        if name not in names:
            raise ParseError(f"missing {name} header", header=name)

    msg: Request | Response
    if start[:4].upper() == "SIP/":
        m = _abnf.status_line_re.fullmatch(start)
        if m is None:
            raise ParseError(f"bad status line {start!r}", line=1)
        _check_version(m.group("version"))
        status = int(m.group("status"))
        if not 100 <= status <= 699:
            raise ParseError(f"status code out of range: {status}", line=1)
        reason = (m.group("reason") or "").strip(" \t")
        msg = _trusted_response(status, reason, headers, body)
    else:
        m = _abnf.request_line_re.fullmatch(start)
        if m is None:
            raise ParseError(f"bad request line {start!r}", line=1)
        _check_version(m.group("version"))
        msg = _trusted_request(m.group("method"), m.group("uri"), headers, body)
    # Validate (and cache) what every transaction needs, in this order (the
    # first error found is the one raised).  The values are what the cached
    # properties would compute from the same fields (first of each, every
    # Via), read straight from the pairs in hand.
    parsed = msg.__dict__
    cseq = parsed["cseq"] = _parse_cseq(first["CSeq"])
    if isinstance(msg, Request) and cseq.method != msg.method:
        raise ParseError(
            f"CSeq method {cseq.method} does not match {msg.method}", header="CSeq"
        )
    if single:
        parsed["vias"] = (parse_via(first["Via"]),)
    else:
        parsed["vias"] = tuple([parse_via(v) for n, v in pairs if n == "Via"])
    from_text = first["From"]
    if not _tagged_known(from_text):
        parsed["from_"] = parse_name_addr(from_text, "From")
    # (else valid as checked there, and parsed when first read: L{_Message.from_})
    parsed["to"] = parse_name_addr(first["To"], "To")
    parsed["call_id"] = first["Call-ID"]
    return msg


#: a From of the usual shape: C{<URI>} and a tag, nothing else
_TAGGED_RE = re.compile(r"(<[^<>\"]*>);tag=" + _abnf.token)


def _tagged_known(value: str) -> bool:
    """
    True if C{value} is a name-addr parsed before (in the parse cache) that
    is C{<URI>} alone, followed by C{;tag=token} and nothing else: then
    L{parse_name_addr} would accept C{value} (the same URI, the simple
    parameter grammar), so the parser need not build it to validate it.

    Why: each request's From tag is unique, so its From misses every cache
    and was parsed in full (URI look-up, parameters, a L{NameAddr}) only to
    check it: a registrar never reads it, and a response copies the text.
    Its C{<URI>} part is the same user's To (a REGISTER's) or an earlier
    From, already parsed.  Measured per SIPp REGISTER in-process: see the
    commit message.
    """
    m = _TAGGED_RE.fullmatch(value)
    if m is None:
        return False
    head = m.group(1)
    cache = _name_addr_cache
    return head in cache or head in cache.elder


_M = TypeVar("_M", Request, Response)


def _trusted_message(cls: type[_M], **fields: Any) -> _M:
    """
    Build a message from parts the parser has already checked, skipping
    C{__post_init__} (a measurable share of a parse).  C{Content-Length}
    must already be right.
    """
    msg = object.__new__(cls)
    setattr_ = object.__setattr__
    for name, value in fields.items():  # key-sharing dict: see lean_copy
        setattr_(msg, name, value)
    return msg


def _trusted_request(method: str, uri: str, headers: Headers, body: bytes) -> Request:
    """L{_trusted_message} for a request, without the keyword dict and loop (per request)."""
    msg = object.__new__(Request)
    # Written into the instance dict, in field order (it stays a key-sharing
    # one, as object.__setattr__ leaves it): four stores instead of four
    # calls, 1.28 -> 0.70 us per message (timeit, under load).
    fields = msg.__dict__
    fields["method"] = method
    fields["uri"] = uri
    fields["headers"] = headers
    fields["body"] = body
    return msg


def _trusted_response(status: int, reason: str, headers: Headers, body: bytes) -> Response:
    """L{_trusted_message} for a response, without the keyword dict and loop (per request)."""
    msg = object.__new__(Response)
    fields = msg.__dict__  # (see _trusted_request)
    fields["status"] = status
    fields["reason"] = reason
    fields["headers"] = headers
    fields["body"] = body
    return msg


def lean_copy(response: Response) -> Response:
    """
    C{response} as sent -- status, reason, headers, body and wire form, the
    same objects -- without the parsed header values cached on it (they are
    recomputed from the headers if asked for).

    Why: a UDP server keeps each final response 32 s (Timer J) to answer
    retransmissions, which read only its wire form and top Via.  The parsed
    values a response shares with its request (Vias, From, CSeq, ...) made
    that ~1 KB more per response kept: ~200 MB at 6,000 REGISTER/s.  A copy,
    not the original emptied: whoever else holds the original (a trace, a
    test) keeps what it already parsed.
    """
    copy = object.__new__(Response)
    d = response.__dict__
    # one attribute at a time, in field order: the instance keeps a key-sharing
    # dict (PEP 412); a dict filled by update() is a full one, ~200 B more each
    setattr_ = object.__setattr__
    for name in ("status", "reason", "headers", "body"):
        setattr_(copy, name, d[name])
    wire = d.get("_wire")
    if wire is not None:
        setattr_(copy, "_wire", wire)
    return copy


def _lineno(lines: list[str], linenos: list[int] | None, line: str) -> int:
    i = lines.index(line)
    return i + 2 if linenos is None else linenos[i]


def _header_name(name: str, sep: str, lineno: int) -> str:
    if not sep:
        raise ParseError("header line without a colon", line=lineno)
    try:
        return canonical_name(name)
    except ParseError as e:
        raise ParseError(e.reason, line=lineno) from None


def _unfold(head: str, max_line: int) -> tuple[str, list[str], list[int]]:
    """
    The slow path: split on CRLF or bare LF, undo line folding (RFC 3261
    7.3.1: the CRLF and blanks become one SP), remember where each logical
    line started for error messages.
    """
    raw = head.split("\n")
    start = raw[0][:-1] if raw[0].endswith("\r") else raw[0]
    if len(start) > max_line:
        raise ParseError("start line too long", line=1)
    if "\r" in start:
        raise ParseError("bare CR in the start line", line=1)
    lines: list[str] = []
    linenos: list[int] = []
    for lineno, line in enumerate(raw[1:], 2):
        if line[-1:] == "\r":
            line = line[:-1]
        if len(line) > max_line:
            raise ParseError("line too long", line=lineno)
        if "\r" in line:
            raise ParseError("bare CR in the header section", line=lineno)
        if not line:
            raise ParseError("empty line inside the header section", line=lineno)
        if line[0] in " \t":
            if not lines:
                raise ParseError("continuation line before the first header", line=lineno)
            lines[-1] = lines[-1].rstrip(" \t") + " " + line.lstrip(" \t")
        else:
            lines.append(line)
            linenos.append(lineno)
    return start, lines, linenos


def _check_version(version: str) -> None:
    if version.upper() != "SIP/2.0":
        raise ParseError(f"unsupported SIP version {version!r}", line=1)


# --- building ----------------------------------------------------------------------

REASONS: dict[int, str] = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 200: "OK", 202: "Accepted", 300: "Multiple Choices",
    301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy",
    380: "Alternative Service", 400: "Bad Request", 401: "Unauthorized",
    402: "Payment Required", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
    410: "Gone", 413: "Request Entity Too Large", 414: "Request-URI Too Long",
    415: "Unsupported Media Type", 416: "Unsupported URI Scheme", 420: "Bad Extension",
    421: "Extension Required", 423: "Interval Too Brief",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete", 485: "Ambiguous",
    486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
    491: "Request Pending", 493: "Undecipherable", 500: "Server Internal Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Server Time-out", 505: "Version Not Supported", 513: "Message Too Large",
    600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}  # fmt: skip


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> Response:
    """
    A response to C{request} (RFC 3261 8.2.6.2): Via (all, in order), From,
    To (with C{to_tag} appended if given and the To has no tag), Call-ID and
    CSeq copied; then C{headers}; Content-Length set from C{body}.
    """
    vias: list[tuple[str, str]] = []
    first: dict[str, tuple[str, str]] = {}
    for pair in request.headers._pairs:  # one scan (this runs once per request served)
        name = pair[0]
        if name == "Via":
            vias.append(pair)
        elif name in _ECHOED_SET and name not in first:
            first[name] = pair
    to_changed = False
    for name in _ECHOED:
        echoed = first.get(name)
        if echoed is None:
            continue
        # (request.to.tag, without its three calls)
        if name == "To" and to_tag is not None and _get_param(request.to.params, "tag") is None:
            echoed = ("To", f"{echoed[1]};tag={to_tag}")
            to_changed = True
        vias.append(echoed)
    pairs = vias
    extra = _normalise(headers)
    pairs.extend(extra)
    response: Response
    # Only the extra fields can hold a Content-Length (the others are Via and
    # the echoed ones), so only they are searched: a few, often none.
    if reason is None and status in REASONS and type(body) is bytes and not _has_length(extra):
        # The usual response (a known status, our reason phrase, no length
        # given): the checks of Response.__post_init__ hold by construction
        # and Content-Length goes last, where its Headers.set would put it,
        # so skip rebuilding the header tuple once more (once per request).
        n = len(body)
        pairs.append(_LENGTH_PAIRS[n] if n < 16 else ("Content-Length", str(n)))
        response = _trusted_response(status, REASONS[status], Headers._trusted(tuple(pairs)), body)
    else:
        if reason is None:
            reason = REASONS.get(status, "Unknown")
        response = Response(status, reason, Headers._trusted(tuple(pairs)), body)
    # The echoed fields are the request's, verbatim: share what the request
    # has already parsed rather than parse the same texts again.
    parsed = request.__dict__
    carried = response.__dict__
    for name in _CARRIED_TO_RESPONSE:
        if name in parsed:
            carried[name] = parsed[name]
    if not to_changed and "to" in parsed:
        carried["to"] = parsed["to"]
    return response


def _has_length(pairs: list[tuple[str, str]]) -> bool:
    for name, _ in pairs:
        if name == "Content-Length":
            return True
    return False


#: Content-Length values of short bodies (an empty one above all), made once
_LENGTHS = tuple(str(n) for n in range(16))
#: their Content-Length fields: one shared tuple each, not one more object kept
#: with every response a server holds for Timer J
_LENGTH_PAIRS = tuple(("Content-Length", length) for length in _LENGTHS)
#: fields a response copies from its request (after every Via), in this order
_ECHOED = ("From", "To", "Call-ID", "CSeq")
#: the same, for the scan of the request's fields (a hash probe, not four comparisons
#: per field: make_response 4.98 -> 4.60 us, timeit under load)
_ECHOED_SET = frozenset(_ECHOED)
#: parsed values of those fields that a response shares with its request
_CARRIED_TO_RESPONSE = ("vias", "from_", "call_id", "cseq")


def new_branch(rng: random.Random) -> str:
    """A fresh RFC 3261 branch: the magic cookie and 64 bits from C{rng}."""
    return f"z9hG4bK{rng.getrandbits(64):016x}"


def new_tag(rng: random.Random) -> str:
    """A fresh From/To tag (48 bits from C{rng}, RFC 3261 19.3 asks for 32)."""
    return f"{rng.getrandbits(48):012x}"


def new_call_id(rng: random.Random, host: str) -> str:
    """A fresh Call-ID: 96 bits from C{rng} C{@host}."""
    return f"{rng.getrandbits(96):024x}@{host}"
