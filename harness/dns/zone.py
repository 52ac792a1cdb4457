"""
A mutable, in-memory authoritative zone for the harness's DNS server.

Why not C{twisted.names.authority.BindAuthority} as is: it cannot read the
zones this harness needs (it keeps the quotes of NAPTR strings, leaves
relative names in record data unexpanded and cannot parse a parenthesised
SOA), and C{FileAuthority} as an authority has gaps a certification
harness must not have (TWISTED-NOTES.md): SRV targets get no A glue,
NXDOMAIN goes out without the SOA, and names outside the zone get NXDOMAIN
instead of REFUSED.  L{Zone} keeps C{FileAuthority}'s data model
(C{records}, C{soa}), so it is still an L{IResolver} any twisted.names code
(and the locator's unit tests) can query directly, and fixes those gaps:

 - positive answers carry C{auth=True} RRs (the server sets AA);
 - NXDOMAIN fails with L{NameNotFound}, carrying the SOA for the authority
   section (RFC 2308); NODATA succeeds with no answers and that SOA;
 - a name outside the zone fails with L{NotAuthoritative} (REFUSED);
 - CNAME chains inside the zone are followed for every query type;
 - additional-section glue (switchable): A/AAAA of SRV targets, NS and MX
   names, and for a NAPTR with flag C{s} the SRV records of its replacement
   plus their targets' addresses (RFC 3403 section 4.3 / RFC 3263).

Master files are read with dnspython's zone reader (a faithful RFC 1035
parser: C{$ORIGIN}, C{$TTL}, relative names, parentheses, comments, quoted
strings) and converted into C{twisted.names.dns.Record_*}; serving stays
with twisted.names.
"""

from __future__ import annotations

import copy
import os
import re
import socket
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from twisted.internet import defer
from twisted.names import common, dns, error
from twisted.names.authority import FileAuthority

#: Record types the master-file loader converts.
SUPPORTED_TYPES = ("SOA", "NS", "A", "AAAA", "CNAME", "SRV", "NAPTR", "MX", "TXT", "PTR")

Answer = tuple[list[dns.RRHeader], list[dns.RRHeader], list[dns.RRHeader]]


class NameNotFound(error.DNSNameError, error.AuthoritativeDomainError):
    """
    The name does not exist in a zone this authority owns (NXDOMAIN).

    A L{error.DNSNameError} so code written against C{client.Resolver}
    treats it like an NXDOMAIN from the wire, and an
    L{error.AuthoritativeDomainError} so a C{ResolverChain} stops here.

    @ivar authority: the RRs for the authority section (the zone's SOA).
    """

    def __init__(self, name: bytes, authority: list[dns.RRHeader]) -> None:
        super().__init__(name)
        self.name = name
        self.authority = authority


class NotAuthoritative(error.DNSQueryRefusedError):
    """
    The name is outside every zone this authority owns: an authoritative-only
    server answers REFUSED.  A L{error.DomainError}, so a C{ResolverChain}
    moves on to its next resolver.
    """


def type_code(rtype: int | str) -> int:
    """C{28}, C{"AAAA"} or C{"aaaa"} -> C{28}."""
    if isinstance(rtype, int):
        return rtype
    for code, name in dns.QUERY_TYPES.items():
        if name == rtype.upper():
            return code
    raise ValueError(f"unknown DNS record type {rtype!r}")


def type_name(code: int) -> str:
    """C{33} -> C{"SRV"}; unknown codes -> C{"TYPE<n>"} (RFC 3597)."""
    return dns.QUERY_TYPES.get(code) or dns.EXT_QUERIES.get(code) or f"TYPE{code}"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "backslashreplace")
    return str(value)


def _name_text(name: dns.Name | bytes) -> str:
    raw = name.name if isinstance(name, dns.Name) else name
    return _text(raw) if raw else "."


def _quoted(value: Any) -> str:
    raw = value.string if isinstance(value, dns.Charstr) else value
    text = _text(raw).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def rdata_text(payload: Any) -> str:
    """
    The presentation form of one record's data, e.g. C{"0 1 5060
    a.example.test"} for an SRV record.
    """
    t = payload.TYPE
    if t == dns.A:
        return str(payload.dottedQuad())
    if t == dns.AAAA:
        return socket.inet_ntop(socket.AF_INET6, payload.address)
    if t == dns.SRV:
        return f"{payload.priority} {payload.weight} {payload.port} {_name_text(payload.target)}"
    if t == dns.NAPTR:
        return (
            f"{payload.order} {payload.preference} {_quoted(payload.flags)} "
            f"{_quoted(payload.service)} {_quoted(payload.regexp)} "
            f"{_name_text(payload.replacement)}"
        )
    if t in (dns.CNAME, dns.NS, dns.PTR):
        return _name_text(payload.name)
    if t == dns.MX:
        return f"{payload.preference} {_name_text(payload.name)}"
    if t == dns.SOA:
        return (
            f"{_name_text(payload.mname)} {_name_text(payload.rname)} {payload.serial} "
            f"{payload.refresh} {payload.retry} {payload.expire} {payload.minimum}"
        )
    if t == dns.TXT:
        return " ".join(_quoted(s) for s in payload.data)
    return str(payload)


def rr_text(rr: dns.RRHeader) -> str:
    """
    One RR in the trace's presentation form (L{harness.trace.events.DnsEvent}):
    C{"_sip._udp.example.test SRV 0 1 5060 a.example.test"}.
    """
    return f"{_name_text(rr.name)} {type_name(rr.type)} {rdata_text(rr.payload)}"


def _bytes_name(name: str | bytes) -> bytes:
    raw = name.encode("ascii") if isinstance(name, str) else bytes(name)
    return raw.rstrip(b".").lower()


def _is_subdomain(name: bytes, origin: bytes) -> bool:
    return not origin or name == origin or name.endswith(b"." + origin)


class _TypeToMethod(Mapping[int, Any]):
    """
    C{ResolverBase.typeToMethod} looked up when asked instead of bound up front.

    Why: C{ResolverBase.__init__} stores a bound method per record type in
    the instance, 25 references from the resolver to itself: a reference
    cycle, so every world's zone and server chain could only be freed by the
    cyclic garbage collector, and with them anything they reached.  This view
    holds the resolver only while a query looks a method up.
    """

    __slots__ = ("_owner",)

    def __init__(self, owner: object) -> None:
        self._owner = owner

    def __getitem__(self, kind: int) -> Any:
        return getattr(self._owner, common.typeToMethod[kind])

    def __iter__(self) -> Iterator[int]:
        return iter(common.typeToMethod)

    def __len__(self) -> int:
        return len(common.typeToMethod)


class AcyclicResolver:
    """
    Mixin for a C{twisted.names.common.ResolverBase} subclass (put it first)
    whose C{typeToMethod} does not bind methods into the instance (see
    L{_TypeToMethod}).  C{ResolverBase.__init__}, which does nothing else
    than bind them, must not run.
    """

    @property
    def typeToMethod(self) -> Mapping[int, Any]:
        return _TypeToMethod(self)


class Zone(AcyclicResolver, FileAuthority):  # type: ignore[misc]  # typeToMethod: a view
    """
    One authoritative zone, held in memory and changeable while it serves.

    Changes (L{add}, L{remove}, L{replace}, L{set_ttl}) are seen by the next
    query: a scenario can move a server, drop a record or shorten a TTL at
    run time.

    Names given to the methods are absolute if they end with C{"."}, are
    C{"@"} (the origin), or already end with the origin; anything else is
    relative to the origin (C{"server1"} -> C{"server1.example.test"}).
    Names inside record data (SRV targets, NAPTR replacements, ...) follow
    twisted.names' convention: absolute, without the final dot.

    A record whose C{ttl} is C{None} is served with C{default_ttl}.

    @ivar origin: the zone's origin, lowercase bytes without the final dot.
    @ivar glue: whether answers carry additional-section glue.
    """

    def __init__(
        self,
        origin: str | bytes,
        *,
        soa: dns.Record_SOA | None = None,
        default_ttl: int = 300,
        glue: bool = True,
    ) -> None:
        # Deliberately not FileAuthority.__init__: there is no file; nor
        # ResolverBase.__init__, which only binds typeToMethod (AcyclicResolver).
        #: A token for the records as they are: replaced by every change made
        #: through this class's methods (L{add}, L{remove}, L{replace},
        #: L{set_ttl}), shared by the unchanged copies of one parsed master
        #: file.  A server may keep the wire form of an answer for as long as
        #: the token it was computed under (L{harness.dns.server}).  Code that
        #: edits C{records} directly must call L{changed}.
        self.content: object = object()
        self._cache: dict[Any, Any] = {}
        self.origin: bytes = _bytes_name(origin)
        self.default_ttl = int(default_ttl)
        self.glue = glue
        self._records: dict[bytes, list[Any]] = {}
        #: whether C{_records} (and the SOA) are another zone's, not yet copied
        self._shared = False
        if soa is None:
            soa = dns.Record_SOA(
                mname=b"ns1." + self.origin,
                rname=b"hostmaster." + self.origin,
                serial=1,
                refresh=3600,
                retry=600,
                expire=86400,
                minimum=60,
                ttl=self.default_ttl,
            )
        self.soa: tuple[bytes, dns.Record_SOA] = (self.origin, soa)  # type: ignore[assignment]
        self._records[self.origin] = [soa]

    def __repr__(self) -> str:
        return f"<Zone {_text(self.origin)} ({sum(map(len, self._records.values()))} records)>"

    # -- the records (copied on first change) ----------------------------------

    @property  # type: ignore[override]  # FileAuthority's plain attribute
    def records(self) -> dict[bytes, list[Any]]:
        """
        The records by absolute lowercase name: this zone's own, which the
        caller may change (then call L{changed}).  For reading, L{entries}
        does not take a copy of records still shared with the parsed file.
        """
        self._own()
        return self._records

    @records.setter
    def records(self, value: dict[bytes, list[Any]]) -> None:
        self._records = value
        self._shared = False

    @property
    def entries(self) -> Mapping[bytes, list[Any]]:
        """The records by name, to read only (they may be shared with other zones)."""
        return self._records

    def _own(self) -> None:
        """
        Copy the records (and the SOA) before their first change, if they are
        still the parsed master file's (see L{_clone}).
        """
        if not self._shared:
            return
        soa = self.soa[1]
        own_soa = _copy_record(soa)
        self._records = {
            name: [own_soa if rec is soa else _copy_record(rec) for rec in recs]
            for name, recs in self._records.items()
        }
        self.soa = (self.soa[0], own_soa)
        self._shared = False

    # -- names ---------------------------------------------------------------

    def absolute(self, name: str | bytes) -> bytes:
        """The absolute, lowercase form of C{name} (see the class docstring)."""
        raw = name.encode("ascii") if isinstance(name, str) else bytes(name)
        if raw in (b"@", b""):
            return self.origin
        if raw.endswith(b"."):
            return raw[:-1].lower()
        low = raw.lower()
        if _is_subdomain(low, self.origin) and self.origin:
            return low
        return low + b"." + self.origin if self.origin else low

    def contains(self, name: str | bytes) -> bool:
        """Whether C{name} (absolute) is at or below this zone's origin."""
        return _is_subdomain(_bytes_name(name), self.origin)

    # -- changes -------------------------------------------------------------

    def changed(self) -> None:
        """Say the records changed (done by every method here that changes them)."""
        self.content = object()

    def add(self, name: str | bytes, record: Any, ttl: int | None = None) -> None:
        """
        Add a copy of C{record} (a C{twisted.names.dns.Record_*}) at C{name},
        with C{ttl} if given (else the record's own TTL, else the default).
        An SOA added at the origin replaces the zone's SOA.
        """
        self._own()
        self.changed()
        key = self.absolute(name)
        rec = copy.copy(record)
        if ttl is not None:
            rec.ttl = int(ttl)
        if rec.TYPE == dns.SOA:
            if key != self.origin:
                raise ValueError(f"an SOA belongs at the origin {_text(self.origin)!r}")
            self._records[key] = [r for r in self._records.get(key, []) if r.TYPE != dns.SOA]
            self.soa = (self.origin, rec)
        self._records.setdefault(key, []).append(rec)

    def remove(self, name: str | bytes, type: int | str | None = None) -> int:
        """
        Remove every record at C{name}, or only those of C{type}; returns how
        many were removed.  The origin's SOA is never removed.
        """
        self.changed()
        key = self.absolute(name)
        present = self.records.get(key, [])
        code = None if type is None else type_code(type)
        keep = [
            r
            for r in present
            if (code is not None and r.TYPE != code) or (r.TYPE == dns.SOA and key == self.origin)
        ]
        removed = len(present) - len(keep)
        if keep:
            self.records[key] = keep
        else:
            self.records.pop(key, None)
        return removed

    def replace(
        self, name: str | bytes, records: Iterable[Any], type: int | str | None = None
    ) -> None:
        """
        Replace, at C{name}, the records of each type that C{records} holds
        (or of C{type} if given, which also allows replacing with nothing)
        by copies of C{records}.  Records of other types stay.
        """
        self.changed()
        new = [copy.copy(r) for r in records]
        types = {r.TYPE for r in new}
        if type is not None:
            types.add(type_code(type))
        key = self.absolute(name)
        for code in types:
            if code != dns.SOA:
                self.remove(key + b".", code)
        for rec in new:
            self.add(key + b".", rec)

    def set_ttl(self, name: str | bytes, type: int | str, ttl: int) -> int:
        """Set the TTL of every C{type} record at C{name}; returns how many changed."""
        self.changed()
        code = type_code(type)
        n = 0
        for rec in self.records.get(self.absolute(name), []):
            if rec.TYPE == code:
                rec.ttl = int(ttl)
                n += 1
        return n

    def get(self, name: str | bytes, type: int | str | None = None) -> list[Any]:
        """The records at C{name} (of C{type}, if given), as stored."""
        code = None if type is None else type_code(type)
        return [
            r for r in self.records.get(self.absolute(name), []) if code is None or r.TYPE == code
        ]

    # -- answering -----------------------------------------------------------

    def _ttl(self, record: Any) -> int:
        return int(record.ttl) if record.ttl is not None else self.default_ttl

    def _rr(self, name: bytes, record: Any) -> dns.RRHeader:
        return dns.RRHeader(name, record.TYPE, dns.IN, self._ttl(record), record, auth=True)

    def negative_authority(self) -> list[dns.RRHeader]:
        """
        The authority section of a negative answer: the SOA, with TTL
        C{min(SOA TTL, SOA minimum)} (RFC 2308 section 3).
        """
        name, soa = self.soa
        ttl = min(self._ttl(soa), int(soa.minimum))
        return [dns.RRHeader(name, dns.SOA, dns.IN, ttl, soa, auth=True)]

    def _exists(self, name: bytes) -> bool:
        """The name owns records, or is an empty non-terminal (RFC 8020)."""
        if name in self._records:
            return True
        suffix = b"." + name
        return any(k.endswith(suffix) for k in self._records)

    def _address_glue(self, target: bytes, seen: set[tuple[bytes, int]]) -> Iterator[dns.RRHeader]:
        target = target.lower()
        for rec in self._records.get(target, ()):
            if rec.TYPE in self._ADDRESS_TYPES:
                key = (target, id(rec))
                if key not in seen:
                    seen.add(key)
                    yield self._rr(target, rec)

    def _additionalRecords(
        self, answer: list[dns.RRHeader], authority: list[dns.RRHeader], ttl: int
    ) -> Iterator[dns.RRHeader]:
        """
        Glue for the additional section (RFC 1034 4.3.2 step 6, RFC 2782,
        RFC 3403 4.3): addresses of SRV targets, NS and MX names; for NAPTR
        with flag C{s} the replacement's SRV records and their targets'
        addresses.  Nothing if C{glue} is off.
        """
        if not self.glue:
            return
        seen: set[tuple[bytes, int]] = set()
        for rr in list(answer) + list(authority):
            payload: Any = rr.payload
            if rr.type == dns.SRV:
                yield from self._address_glue(payload.target.name, seen)
            elif rr.type in (dns.NS, dns.MX):
                yield from self._address_glue(payload.name.name, seen)
            elif rr.type == dns.NAPTR and payload.flags.string.lower() == b"s":
                repl = payload.replacement.name.lower()
                srvs = [r for r in self._records.get(repl, ()) if r.TYPE == dns.SRV]
                for srv in srvs:
                    key = (repl, id(srv))
                    if key not in seen:
                        seen.add(key)
                        yield self._rr(repl, srv)
                for srv in srvs:
                    yield from self._address_glue(srv.target.name, seen)

    def answer(self, name: bytes | str, type: int) -> Answer:
        """
        The authoritative answer to C{name}/C{type}, synchronously.

        @return: C{(answers, authority, additional)}; NODATA is no answers and
            the SOA in the authority section.
        @raise NameNotFound: NXDOMAIN.
        @raise NotAuthoritative: C{name} is outside this zone.
        """
        qname = _bytes_name(name)
        if not self.contains(qname):
            raise NotAuthoritative(qname)
        answers: list[dns.RRHeader] = []
        current = qname
        followed: set[bytes] = set()
        while True:
            recs = self._records.get(current)
            if recs is None:
                if not answers and not self._exists(current):
                    raise NameNotFound(qname, self.negative_authority())
                break
            matching = [r for r in recs if r.TYPE == type or type == dns.ALL_RECORDS]
            if matching:
                answers.extend(self._rr(current, r) for r in matching)
                break
            cnames = [r for r in recs if r.TYPE == dns.CNAME]
            if not cnames or type == dns.CNAME:
                break
            answers.append(self._rr(current, cnames[0]))
            followed.add(current)
            current = cnames[0].name.name.lower()
            if current in followed or not self.contains(current):
                break
        authority: list[dns.RRHeader] = []
        has_type = any(rr.type == type or type == dns.ALL_RECORDS for rr in answers)
        if not has_type and self.contains(current):
            # NODATA (possibly at the end of a CNAME chain inside the zone):
            # the SOA lets the client cache the negative answer (RFC 2308).
            authority = self.negative_authority()
        additional = list(self._additionalRecords(answers, [], self.default_ttl))
        return answers, authority, additional

    def _lookup(
        self, name: bytes, cls: int, type: int, timeout: Any = None
    ) -> defer.Deferred[Answer]:
        try:
            return defer.succeed(self.answer(name, type))
        except (NameNotFound, NotAuthoritative) as e:
            return defer.fail(e)

    # -- master files ----------------------------------------------------------

    @classmethod
    def from_master_file(
        cls,
        path: str | os.PathLike[str],
        origin: str | None = None,
        *,
        default_ttl: int = 300,
        glue: bool = True,
    ) -> Zone:
        """
        Load a standard (RFC 1035) master file.

        The origin is C{origin} if given, else the file's C{$ORIGIN}, else its
        file name without a C{.zone} suffix (C{example.test.zone} ->
        C{example.test}).  A file without an SOA gets a default one.

        @raise ValueError: a syntax error (with file and line) or a record
            type this harness does not serve.
        """
        text, file_origin = _read_master_file(path)
        if origin is None:
            origin = file_origin
        return cls.from_text(
            text, origin, filename=os.fspath(path), default_ttl=default_ttl, glue=glue
        )

    @classmethod
    def from_text(
        cls,
        text: str,
        origin: str,
        *,
        filename: str = "<string>",
        default_ttl: int = 300,
        glue: bool = True,
    ) -> Zone:
        """
        Like L{from_master_file}, from the text of a master file.

        Parsing is memoised on the arguments (a certification loads the same
        few zone files hundreds of times; dnspython's reader dominated a short
        scenario's cost): each call returns a fresh zone with its own copies
        of the records, so run-time changes never leak between worlds.
        """
        key = (cls, text, origin, filename, int(default_ttl))
        template = _PARSED.get(key)
        if template is None:
            template = cls._parse_text(
                text, origin, filename=filename, default_ttl=default_ttl, glue=True
            )
            if len(_PARSED) > 64:
                _PARSED.clear()
            _PARSED[key] = template
        return template._clone(glue=glue)

    def _clone(self, *, glue: bool) -> Zone:
        """
        A zone serving this one's records, sharing them until its first change
        (L{_own}).

        Why shared: most worlds never change their zone, and copying every
        record for each world was about 2 % of a short failover scenario.
        """
        zone = type(self)(self.origin, soa=self.soa[1], default_ttl=self.default_ttl, glue=glue)
        zone._records = self._records
        zone._shared = True
        zone.content = self.content  # the same records: the same answers
        return zone

    @classmethod
    def _parse_text(
        cls,
        text: str,
        origin: str,
        *,
        filename: str = "<string>",
        default_ttl: int = 300,
        glue: bool = True,
    ) -> Zone:
        import dns.exception as dnsexc
        import dns.name as dnsname
        import dns.rdatatype as dnsrdatatype
        import dns.zone as dnszone

        # Records before any $TTL (and without their own) get default_ttl; the
        # extra first line is taken off the line numbers in error messages.
        shifted = f"$TTL {int(default_ttl)}\n{text}"
        try:
            parsed = dnszone.from_text(
                shifted,
                origin=dnsname.from_text(origin.rstrip(".") + "."),
                relativize=False,
                filename=filename,
                check_origin=False,
                allow_include=False,
            )
        except dnsexc.DNSException as e:
            message = re.sub(
                re.escape(filename) + r":(\d+):",
                lambda m: f"{filename}:{int(m.group(1)) - 1}:",
                str(e),
            )
            if not message.startswith(filename):
                message = f"{filename}: {message}"
            raise ValueError(message) from e

        zone_origin = parsed.origin.to_text(omit_final_dot=True) if parsed.origin else origin
        zone = cls(zone_origin, default_ttl=default_ttl, glue=glue)
        zone.records.clear()
        soa_seen = False
        for name, node in parsed.nodes.items():
            owner = name.to_text(omit_final_dot=True).encode("ascii")
            for rdataset in node.rdatasets:
                tname = dnsrdatatype.to_text(rdataset.rdtype)
                if tname not in SUPPORTED_TYPES:
                    raise ValueError(
                        f"{filename}: {_text(owner)}: record type {tname} is not supported "
                        f"(supported: {', '.join(SUPPORTED_TYPES)})"
                    )
                for rd in rdataset:
                    rec = _convert(tname, rd, int(rdataset.ttl))
                    if tname == "SOA":
                        soa_seen = True
                    zone.add(owner + b".", rec)
        if not soa_seen:
            zone.records.setdefault(zone.origin, []).insert(0, zone.soa[1])
        return zone


_PARSED: dict[Any, Zone] = {}

#: master files read: path -> ((mtime_ns, size, inode), text, origin the file implies)
_FILES: dict[str, tuple[tuple[int, int, int], str, str]] = {}


def _read_master_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """
    The text of a master file and the origin it implies (its first C{$ORIGIN},
    else its name without C{.zone}).

    Why kept: every world of a certification or a benchmark loads the same zone
    file; reading and searching it again cost as much as cloning the parsed
    zone.  The copy is used while the file's modification time, size and inode
    are those it was read with (an edit, even one that keeps the size, moves
    the modification time; a file replaced by a rename changes the inode).
    """
    name = os.fspath(path)
    st = os.stat(name)
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    known = _FILES.get(name)
    if known is not None and known[0] == stamp:
        return known[1], known[2]
    with open(name, encoding="utf-8") as f:
        text = f.read()
    found = re.search(r"(?im)^\$ORIGIN[ \t]+(\S+)", text)
    if found:  # the file's own first $ORIGIN names the zone
        origin = found.group(1).rstrip(".")
    else:
        base = os.path.basename(name)
        origin = base[: -len(".zone")] if base.endswith(".zone") else base
    if len(_FILES) > 64:
        _FILES.clear()
    _FILES[name] = (stamp, text, origin)
    return text, origin


#: record classes whose C{copy.copy} is "a new instance with the same attributes"
_PLAIN: dict[type, bool] = {}


def _copy_record(rec: Any) -> Any:
    """
    C{copy.copy(rec)}, without the copy protocol's general machinery for the
    record classes it reduces to a dictionary copy on (no C{__slots__},
    C{__copy__}, C{__reduce__}, C{__getstate__} or C{__setstate__} of their
    own): a world clones its zone's records, and copy.copy was most of that.
    """
    cls: Any = type(rec)
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = (
            cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__
            and cls.__getstate__ is object.__getstate__
            and not hasattr(cls, "__copy__")
            and not hasattr(cls, "__setstate__")
            and not any("__slots__" in vars(k) for k in cls.__mro__)
        )
    if not plain:
        return copy.copy(rec)
    new = cls.__new__(cls)
    new.__dict__.update(rec.__dict__)
    return new


def _dname(name: Any) -> bytes:
    text: str = name.to_text(omit_final_dot=True)
    return b"" if text in (".", "") else text.encode("ascii")


def _convert(tname: str, rd: Any, ttl: int) -> Any:
    """One dnspython rdata -> the equivalent C{twisted.names.dns.Record_*}."""
    if tname == "A":
        return dns.Record_A(rd.address, ttl=ttl)
    if tname == "AAAA":
        return dns.Record_AAAA(rd.address, ttl=ttl)
    if tname == "CNAME":
        return dns.Record_CNAME(_dname(rd.target), ttl=ttl)
    if tname == "NS":
        return dns.Record_NS(_dname(rd.target), ttl=ttl)
    if tname == "PTR":
        return dns.Record_PTR(_dname(rd.target), ttl=ttl)
    if tname == "MX":
        return dns.Record_MX(rd.preference, _dname(rd.exchange), ttl=ttl)
    if tname == "TXT":
        return dns.Record_TXT(*rd.strings, ttl=ttl)
    if tname == "SRV":
        return dns.Record_SRV(rd.priority, rd.weight, rd.port, _dname(rd.target), ttl=ttl)
    if tname == "NAPTR":
        return dns.Record_NAPTR(
            rd.order,
            rd.preference,
            rd.flags,
            rd.service,
            rd.regexp,
            _dname(rd.replacement),
            ttl=ttl,
        )
    if tname == "SOA":
        return dns.Record_SOA(
            mname=_dname(rd.mname),
            rname=_dname(rd.rname),
            serial=rd.serial,
            refresh=rd.refresh,
            retry=rd.retry,
            expire=rd.expire,
            minimum=rd.minimum,
            ttl=ttl,
        )
    raise ValueError(f"record type {tname} is not supported")
