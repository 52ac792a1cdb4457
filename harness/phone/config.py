"""
Yealink provisioning files (C{*.cfg}): the phone configuration the guide
describes, for accounts 1..6.

Why a parser of our own: the format is tiny (C{key = value} lines, C{#}
comments, C{##} section headers) but the certification depends on reading it
exactly as the clause catalogue says (CFG-1 defaults, CFG-2 ranges, CFG-3
unknown keys), and on refusing a bad file as a whole.  A half-applied
configuration would certify a phone against settings nobody wrote.

Rules, beyond CFG-1..CFG-3 (the guide is silent on them; each is our choice):

 - A line whose first non-blank character is C{#} is a comment (this covers
   C{##} section headers and the C{#!version:1.0.0.1} header).  There are no
   inline comments: a password may contain C{#}.
 - Key and value are stripped of surrounding whitespace; the value is kept as
   given otherwise (quotes are part of the value, so C{"5060"} is not an
   integer).
 - An empty value (C{account.1.sip_server.1.port =}) leaves the setting at its
   default, as Yealink's templates with blank values rely on; the key still
   counts for duplicate detection.
 - Keys are case-sensitive (the firmware's are all lower case); an unknown key
   that matches a known one except for case gets a "did you mean" warning.
 - C{account.X.*} with a known field and X outside 1..6 is an error (CFG-2);
   an unknown field under any index, and C{sip_server.Y} with Y outside 1..2,
   are unknown keys (CFG-3: a warning).
 - C{failback_timeout} has no default in the guide; ours is
   L{DEFAULT_FAILBACK_TIMEOUT} (3600 s).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike
from typing import Any


@functools.lru_cache(maxsize=1024)
def _is_ipv4(address: str) -> bool:
    """
    Whether C{address} is an IPv4 literal; remembered, as the checkers ask it
    of the same few addresses dozens of times per run (a failed parse raises
    and catches an exception inside C{ipaddress}: the costly case).
    """
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return True


__all__ = [
    "ACCOUNT_INDEXES",
    "DEFAULT_FAILBACK_TIMEOUT",
    "FAILBACK_MODES",
    "REDUNDANCY_TYPES",
    "TRANSPORTS",
    "AccountConfig",
    "ConfigError",
    "PhoneConfig",
    "ServerConfig",
    "config_to_text",
    "format_effective",
    "load_config",
    "parse_config",
]

#: Our choice: the guide gives a range (0, 60..65535) but no default for
#: C{sip_server.Y.failback_timeout}.  3600 s matches the default registration
#: interval, so a "duration" failback happens about once per registration.
DEFAULT_FAILBACK_TIMEOUT = 3600

#: Account indexes the guide allows (CFG-2: "X ranges from 1 to 6").
ACCOUNT_INDEXES = range(1, 7)

TRANSPORTS = {0: "UDP", 1: "TCP", 2: "TLS", 3: "DNS-NAPTR"}
FAILBACK_MODES = {0: "newRequests", 1: "DNSTTL", 2: "registration", 3: "duration"}
REDUNDANCY_TYPES = {0: "concurrent", 1: "successive"}

_MASK = "****"


@dataclass(frozen=True, slots=True)
class _Range:
    """An integer range as one or more closed intervals, and how to say it."""

    intervals: tuple[tuple[int, int], ...]
    text: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and any(lo <= value <= hi for lo, hi in self.intervals)


_BOOL = _Range(((0, 1),), "0 or 1")
#: Integer ranges of every integer setting (CFG-2), keyed by the dataclass
#: field name (server fields and account fields do not collide).
_RANGES: dict[str, _Range] = {
    "enable": _BOOL,
    "register_on_enable": _BOOL,
    "naptr_build": _BOOL,
    "redundancy_type": _Range(((0, 1),), "0 or 1; 0 concurrent, 1 successive"),
    "transport": _Range(((0, 3),), "0..3; 0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR"),
    "port": _Range(((0, 65535),), "1..65535, or 0 = ask DNS"),
    "expires": _Range(((30, 2147483647),), "30..2147483647"),
    "retry_counts": _Range(((0, 20),), "0..20"),
    "fallback_timeout": _Range(((10, 2147483647),), "10..2147483647"),
    "failback_mode": _Range(((0, 3),), "0..3; 0 newRequests, 1 DNSTTL, 2 registration, 3 duration"),
    "failback_timeout": _Range(((0, 0), (60, 65535)), "0 or 60..65535"),
}


def _check_ranges(obj: object, names: Iterable[str]) -> None:
    """Raise ValueError if a directly built config holds an out-of-range value."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, int) or value not in _RANGES[name]:
            raise ValueError(
                f"{type(obj).__name__}.{name} = {value!r}: out of range "
                f"(valid: {_RANGES[name].text})"
            )


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """
    One of an account's two SIP servers (C{account.X.sip_server.Y.*}).

    Server 1 is the working server (a domain that DNS resolves to primary and
    secondary, or an IP address); server 2, if its address is set, the
    fallback server.  C{port} 0 means "ask DNS" (DNS-2).
    """

    address: str = ""
    port: int = 5060
    expires: int = 3600
    retry_counts: int = 3
    failback_mode: int = 0
    failback_timeout: int = DEFAULT_FAILBACK_TIMEOUT
    register_on_enable: int = 0

    def __post_init__(self) -> None:
        _check_ranges(self, _SERVER_INT_FIELDS)

    @property
    def is_ip(self) -> bool:
        """
        Whether C{address} is an IPv4 literal, i.e. no DNS query is due (DNS-1).
        """
        return _is_ipv4(self.address)

    @property
    def configured(self) -> bool:
        """Whether an address is set at all (an unset server 2 means no fallback)."""
        return self.address != ""


_SERVER_INT_FIELDS = (
    "port",
    "expires",
    "retry_counts",
    "failback_mode",
    "failback_timeout",
    "register_on_enable",
)
_ACCOUNT_INT_FIELDS = ("enable", "transport", "naptr_build", "redundancy_type", "fallback_timeout")


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """
    One account (C{account.X.*}, X = C{index}).  C{password} never appears in
    C{repr}: configurations end up in logs, traces and reports.
    """

    index: int
    enable: int = 0
    label: str = ""
    display_name: str = ""
    auth_name: str = ""
    user_name: str = ""
    password: str = field(default="", repr=False)
    servers: tuple[ServerConfig, ServerConfig] = (ServerConfig(), ServerConfig())
    transport: int = 0
    naptr_build: int = 0
    redundancy_type: int = 0
    fallback_timeout: int = 120

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or self.index not in ACCOUNT_INDEXES:
            raise ValueError(f"AccountConfig.index = {self.index!r}: out of range (valid: 1..6)")
        if len(self.servers) != 2 or not all(isinstance(s, ServerConfig) for s in self.servers):
            raise ValueError("AccountConfig.servers must be two ServerConfig (server 1, server 2)")
        _check_ranges(self, _ACCOUNT_INT_FIELDS)

    def server(self, n: int) -> ServerConfig:
        """Server C{n} (1 = working server, 2 = fallback server), as the guide numbers them."""
        if n not in (1, 2):
            raise ValueError(f"server number {n!r} out of range (valid: 1 or 2)")
        return self.servers[n - 1]

    @property
    def enabled(self) -> bool:
        """Whether the account registers at all (REG-1)."""
        return self.enable == 1


def _default_accounts() -> tuple[AccountConfig, ...]:
    return tuple(AccountConfig(index=i) for i in ACCOUNT_INDEXES)


@dataclass(frozen=True, slots=True)
class PhoneConfig:
    """
    A whole phone: always six accounts, index 1..6 in order, and the warnings
    (CFG-3) that loading produced.
    """

    accounts: tuple[AccountConfig, ...] = field(default_factory=_default_accounts)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if tuple(a.index for a in self.accounts) != tuple(ACCOUNT_INDEXES):
            raise ValueError("PhoneConfig.accounts must be accounts 1..6 in order")

    def account(self, index: int) -> AccountConfig:
        """Account C{index} (1..6)."""
        if isinstance(index, bool) or index not in ACCOUNT_INDEXES:
            raise ValueError(f"account index {index!r} out of range (valid: 1..6)")
        return self.accounts[index - 1]

    @property
    def enabled_accounts(self) -> tuple[AccountConfig, ...]:
        """The accounts with C{enable = 1}, in index order."""
        return tuple(a for a in self.accounts if a.enabled)


class ConfigError(ValueError):
    """
    A provisioning file that must not be applied.  C{errors} holds every
    problem found, each C{"file:line: key = value: problem (valid: range)"}.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


# --- the key table ---------------------------------------------------------

#: account-level key suffix -> (dataclass field, is integer)
_ACCOUNT_KEYS: dict[str, tuple[str, bool]] = {
    "enable": ("enable", True),
    "label": ("label", False),
    "display_name": ("display_name", False),
    "auth_name": ("auth_name", False),
    "user_name": ("user_name", False),
    "password": ("password", False),
    "transport": ("transport", True),
    "naptr_build": ("naptr_build", True),
    # The guide's table spells it so; its example (and the firmware) use naptr_build.
    "napt_r_build": ("naptr_build", True),
    "fallback.redundancy_type": ("redundancy_type", True),
    "fallback.timeout": ("fallback_timeout", True),
}

#: server-level key suffix (after C{sip_server.Y.}) -> (field, is integer)
_SERVER_KEYS: dict[str, tuple[str, bool]] = {
    "address": ("address", False),
    "port": ("port", True),
    "expires": ("expires", True),
    "retry_counts": ("retry_counts", True),
    "failback_mode": ("failback_mode", True),
    "failback_timeout": ("failback_timeout", True),
    "register_on_enable": ("register_on_enable", True),
}

_ACCOUNT_RE = re.compile(r"account\.([^.]*)\.(.+)")
_SERVER_RE = re.compile(r"sip_server\.([^.]*)\.(.+)")
_INT_RE = re.compile(r"[+-]?[0-9]+")

_KNOWN_LOWER: dict[str, str] = {
    **{f"account.x.{k}": k for k in _ACCOUNT_KEYS},
    **{f"account.x.sip_server.y.{k}": f"sip_server.Y.{k}" for k in _SERVER_KEYS},
}

# A setting's identity: (account, server or 0 for account-level, field name).
_Slot = tuple[int, int, str]


def _show(key: str, value: str) -> str:
    """A value as it may appear in a message: passwords masked, long ones cut."""
    if key.endswith("password") and value:
        return _MASK
    return value if len(value) <= 60 else value[:57] + "..."


def _unknown_hint(key: str) -> str:
    """
    A hint for an unknown key that is a known one mis-cased, or under a server
    index other than 1..2; empty otherwise.
    """
    m = _ACCOUNT_RE.fullmatch(key.lower())
    if not m:
        return ""
    rest = m.group(2)
    sm = _SERVER_RE.fullmatch(rest)
    generic = f"account.x.sip_server.y.{sm.group(2)}" if sm else f"account.x.{rest}"
    if generic not in _KNOWN_LOWER:
        return ""
    if key != key.lower():
        return f" (did you mean account.X.{_KNOWN_LOWER[generic]}? keys are lower case)"
    return " (server index valid: 1..2)"


def parse_config(text: str, filename: str = "<string>") -> PhoneConfig:
    """
    Parse the text of a provisioning file.  Pure: returns a new
    L{PhoneConfig}, or raises L{ConfigError} listing every problem in the file
    (in which case nothing from it is applied; there is nothing to apply to).
    """
    errors: list[str] = []
    warnings: list[str] = []
    seen: dict[_Slot, tuple[int, str]] = {}  # slot -> (line, key as written)
    values: dict[_Slot, str | int] = {}

    if text.startswith("\ufeff"):
        text = text[1:]
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{filename}:{lineno}"
        key, eq, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key or any(c.isspace() for c in key):
            shown = "<withheld: may hold a password>" if "password" in line.lower() else line
            if len(shown) > 60:
                shown = shown[:57] + "..."
            errors.append(
                f"{where}: malformed line {shown!r} (valid: 'key = value', or '# comment')"
            )
            continue

        slot, is_int, problem = _classify(key)
        if problem is not None:
            errors.append(f"{where}: {key} = {_show(key, value)}: {problem}")
            continue
        if slot is None:
            warnings.append(f"{where}: {key}: unknown key, ignored{_unknown_hint(key)}")
            continue

        if slot in seen:
            first_line, first_key = seen[slot]
            also = "" if first_key == key else f" as {first_key}"
            errors.append(
                f"{where}: {key} = {_show(key, value)}: duplicate key, already set at line "
                f"{first_line}{also} (valid: once per file)"
            )
            continue
        seen[slot] = (lineno, key)
        if value == "":
            continue  # blank: keep the default
        if not is_int:
            values[slot] = value
            continue
        valid = _RANGES[slot[2]]
        if not _INT_RE.fullmatch(value):
            errors.append(
                f"{where}: {key} = {_show(key, value)}: not an integer (valid: {valid.text})"
            )
            continue
        number = int(value)
        if number not in valid:
            errors.append(f"{where}: {key} = {value}: out of range (valid: {valid.text})")
            continue
        values[slot] = number

    if errors:
        raise ConfigError(errors)
    return PhoneConfig(accounts=_build_accounts(values), warnings=tuple(warnings))


def _classify(key: str) -> tuple[_Slot | None, bool, str | None]:
    """
    Map a key to its setting slot.  Returns C{(slot, is_int, None)} for a known
    key, C{(None, False, None)} for an unknown one, and C{(None, False,
    problem)} for a known field under a bad account index.
    """
    m = _ACCOUNT_RE.fullmatch(key)
    if not m:
        return None, False, None
    index_text, rest = m.groups()
    sm = _SERVER_RE.fullmatch(rest)
    if sm:
        server_text, suffix = sm.groups()
        if suffix not in _SERVER_KEYS or server_text not in ("1", "2"):
            return None, False, None
        name, is_int = _SERVER_KEYS[suffix]
        server = int(server_text)
    elif rest in _ACCOUNT_KEYS:
        name, is_int = _ACCOUNT_KEYS[rest]
        server = 0
    else:
        return None, False, None
    if index_text not in {str(i) for i in ACCOUNT_INDEXES}:
        return None, False, f"account index {index_text!r} out of range (valid: 1..6)"
    return (int(index_text), server, name), is_int, None


def _build_accounts(values: dict[_Slot, str | int]) -> tuple[AccountConfig, ...]:
    def pick(i: int, s: int) -> dict[str, Any]:
        return {n: v for (a, y, n), v in values.items() if a == i and y == s}

    return tuple(
        AccountConfig(
            index=i,
            servers=(ServerConfig(**pick(i, 1)), ServerConfig(**pick(i, 2))),
            **pick(i, 0),
        )
        for i in ACCOUNT_INDEXES
    )


def load_config(path: str | PathLike[str]) -> PhoneConfig:
    """
    Read and parse a provisioning file (UTF-8, a BOM is allowed).  Errors name
    the file as given.  A file that is not UTF-8 is a L{ConfigError}; a file
    that cannot be read raises the C{OSError}.
    """
    name = str(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError([f"{name}: not UTF-8 text (byte {e.start}: {e.reason})"]) from None
    return parse_config(text, filename=name)


# --- writing ---------------------------------------------------------------


def _check_writable(key: str, value: str) -> str:
    if value != value.strip() or (value and value.splitlines() != [value]):
        raise ValueError(
            f"{key}: value {_show(key, value)!r} cannot be written to a .cfg file "
            "(no line breaks, no surrounding whitespace)"
        )
    return value


def config_to_text(config: PhoneConfig) -> str:
    """
    Write C{config} as a provisioning file that L{parse_config} reads back
    equal (warnings aside: they describe the file a config came from).

    Every key is written for each account that differs from a default one;
    untouched accounts are left out.  The spelling is C{naptr_build} (the
    guide's example), the order that of the guide's example.  Raises
    C{ValueError} for a string that a .cfg line cannot hold.
    """
    out = ["#!version:1.0.0.1", "# written by harness.phone.config.config_to_text", ""]
    for acc in config.accounts:
        if acc == AccountConfig(index=acc.index):
            continue
        p = f"account.{acc.index}."
        lines = ["##Phone Registration"]
        lines.append(f"{p}enable = {acc.enable}")
        for name in ("label", "display_name", "auth_name", "user_name", "password"):
            lines.append(f"{p}{name} = {_check_writable(p + name, getattr(acc, name))}")
        for y, srv in enumerate(acc.servers, start=1):
            s = f"{p}sip_server.{y}."
            lines.append(f"{s}address = {_check_writable(s + 'address', srv.address)}")
            for name in ("port", "expires", "retry_counts"):
                lines.append(f"{s}{name} = {getattr(srv, name)}")
        lines += [
            "##DNS SRV",
            f"{p}transport = {acc.transport}",
            f"{p}naptr_build = {acc.naptr_build}",
            "##Fallback Mode",
            f"{p}fallback.redundancy_type = {acc.redundancy_type}",
            f"{p}fallback.timeout = {acc.fallback_timeout}",
            "##Failover Mode",
        ]
        for y, srv in enumerate(acc.servers, start=1):
            s = f"{p}sip_server.{y}."
            for name in ("failback_mode", "failback_timeout", "register_on_enable"):
                lines.append(f"{s}{name} = {getattr(srv, name)}")
        out += [line.rstrip() for line in lines]
        out.append("")
    return "\n".join(out)


# --- showing ---------------------------------------------------------------


def _port_text(port: int) -> str:
    return "0 (ask DNS)" if port == 0 else str(port)


def _server_lines(y: int, srv: ServerConfig) -> list[str]:
    role = "working server" if y == 1 else "fallback server"
    if not srv.configured:
        where = "(not set)" + (" - no fallback" if y == 2 else "")
    elif srv.is_ip:
        where = f"{srv.address} (IP address: no DNS)"
    else:
        where = f"{srv.address} (domain: resolved by DNS)"
    timeout = (
        "0 (primary not retried until the current server fails)"
        if srv.failback_timeout == 0
        else f"{srv.failback_timeout} s"
    )
    return [
        f"  sip_server.{y} ({role}): {where}",
        f"    port               {_port_text(srv.port)}",
        f"    expires            {srv.expires} s",
        f"    retry_counts       {srv.retry_counts}",
        f"    failback_mode      {srv.failback_mode} ({FAILBACK_MODES[srv.failback_mode]})",
        f"    failback_timeout   {timeout}",
        f"    register_on_enable {srv.register_on_enable}",
    ]


def format_effective(config: PhoneConfig) -> str:
    """
    The effective settings, account by account, as C{sip-harness
    check-config} prints them: every value after defaults, with its meaning.
    Passwords are shown as C{****} (or C{(empty)}).  Accounts still at their
    defaults get one line.
    """
    out: list[str] = []
    for acc in config.accounts:
        if acc == AccountConfig(index=acc.index):
            out.append(f"account.{acc.index}: disabled (all defaults)")
            continue
        state = "enabled" if acc.enabled else "disabled"
        out.append(f"account.{acc.index}: {state}")
        out += [
            f"  label              {acc.label or '(empty)'}",
            f"  display_name       {acc.display_name or '(empty)'}",
            f"  auth_name          {acc.auth_name or '(empty)'}",
            f"  user_name          {acc.user_name or '(empty)'}",
            f"  password           {_MASK if acc.password else '(empty)'}",
            f"  transport          {acc.transport} ({TRANSPORTS[acc.transport]})",
            f"  naptr_build        {acc.naptr_build} ({'TCP or TLS' if acc.naptr_build else 'UDP'}"
            " SRV when NAPTR gives nothing)",
            f"  fallback.redundancy_type {acc.redundancy_type}"
            f" ({REDUNDANCY_TYPES[acc.redundancy_type]})",
            f"  fallback.timeout   {acc.fallback_timeout} s",
        ]
        for y, srv in enumerate(acc.servers, start=1):
            out += _server_lines(y, srv)
    if config.warnings:
        out.append(f"{len(config.warnings)} warning(s):")
        out += [f"  {w}" for w in config.warnings]
    else:
        out.append("no warnings")
    return "\n".join(out) + "\n"
