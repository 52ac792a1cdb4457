"""
Scenario files: what a certification run builds and does, as data.

A scenario (TOML, read with the standard library's C{tomllib}) names the phone
configuration, the DNS zone, the servers with their addresses and features,
the calls the phone places, the fault schedule, the duration and the clauses
it is meant to exercise.  The README documents the schema with a commented
example; L{load_scenario} is its reference.

Why strict: a typo in a test fixture must not silently change the test, so an
unknown key is an error, and every error names the file, the key and the
problem.  Loading is pure: it returns a frozen L{Scenario} or raises
L{ScenarioError} listing every problem found.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.phone.config import ConfigError, PhoneConfig, parse_config

ROLES_DEFAULT = {"primary": "127.0.1.10", "secondary": "127.0.1.20", "fallback": "127.0.1.15"}
TRANSPORTS = ("udp", "tcp", "tls")
FAULT_ACTIONS = (
    "silence",
    "stop",
    "restore",
    "respond",
    "delay",
    "drop-first",
    "flap",
    "crash-mid",
    "cert",
    # DNS server faults
    "servfail",
    "drop",
    "nxdomain",
    "truncate",
    "down",
    "set-record",
    "remove-record",
    "set-ttl",
)


class ScenarioError(ValueError):
    """Everything wrong with a scenario file, one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ServerSpec:
    role: str
    address: str
    transports: tuple[str, ...] = ("udp", "tcp", "tls")
    port: int = 5060
    tls_port: int = 5061
    cert: str | None = None
    location: str = "cluster"
    features: str = "full"
    credentials: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class DnsSpec:
    zone: Path | None
    address: str = "127.0.1.53"
    port: int = 53
    glue: bool = True


@dataclass(frozen=True)
class CallSpec:
    at: float
    to: str
    duration: float = 5.0
    reinvite: bool = False
    account: int | None = None


@dataclass(frozen=True)
class FaultSpec:
    """One scheduled fault: at C{at} seconds (or on the C{on_request}-th request)."""

    target: str
    action: str
    at: float | None = None
    on_request: int | None = None
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class NetworkSpec:
    latency: float = 0.005
    jitter: float = 0.0
    loss: float = 0.0


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path | None
    description: str
    clauses: tuple[str, ...]
    duration: float
    seed: int
    profile: str
    phone: PhoneConfig
    phone_file: Path | None
    phone_address: str
    account: int
    mwi: bool
    dns: DnsSpec | None
    servers: tuple[ServerSpec, ...]
    calls: tuple[CallSpec, ...]
    faults: tuple[FaultSpec, ...]
    network: NetworkSpec
    #: CFG-2/CFG-3: the loader's errors for a file the scenario expects to be
    #: rejected (the phone then runs with nothing applied), and what it expects
    config_errors: tuple[str, ...] = ()
    expect_config_errors: bool | None = None
    unknown_keys: int | None = None

    def server(self, role: str) -> ServerSpec | None:
        for s in self.servers:
            if s.role == role:
                return s
        return None


class _Reader:
    """Collects errors while reading one table, naming file and key."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.errors: list[str] = []

    def err(self, key: str, problem: str) -> None:
        self.errors.append(f"{self.where}: {key}: {problem}")

    def table(
        self,
        data: Mapping[str, Any],
        prefix: str,
        allowed: set[str],
        required: frozenset[str] | set[str] = frozenset(),
    ) -> dict[str, Any]:
        out = dict(data)
        for key in out:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.err(f"{prefix}{key}", f"unknown key (allowed: {hint})")
        for key in required:
            if key not in out:
                self.err(f"{prefix}{key}", "missing")
        return out

    def number(
        self, d: Mapping[str, Any], key: str, prefix: str, default: float, lo: float, hi: float
    ) -> float:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.err(f"{prefix}{key}", f"expected a number, got {v!r}")
            return default
        if not lo <= v <= hi:
            self.err(f"{prefix}{key}", f"{v} out of range {lo}..{hi}")
            return default
        return float(v)

    def integer(
        self, d: Mapping[str, Any], key: str, prefix: str, default: int, lo: int, hi: int
    ) -> int:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(f"{prefix}{key}", f"expected an integer, got {v!r}")
            return default
        if not lo <= v <= hi:
            self.err(f"{prefix}{key}", f"{v} out of range {lo}..{hi}")
            return default
        return v

    def string(self, d: Mapping[str, Any], key: str, prefix: str, default: str) -> str:
        v = d.get(key, default)
        if not isinstance(v, str):
            self.err(f"{prefix}{key}", f"expected a string, got {v!r}")
            return default
        return v

    def boolean(self, d: Mapping[str, Any], key: str, prefix: str, default: bool) -> bool:
        v = d.get(key, default)
        if not isinstance(v, bool):
            self.err(f"{prefix}{key}", f"expected true or false, got {v!r}")
            return default
        return v

    def address(self, d: Mapping[str, Any], key: str, prefix: str, default: str) -> str:
        v = self.string(d, key, prefix, default)
        try:
            ipaddress.IPv4Address(v)
        except ValueError:
            self.err(f"{prefix}{key}", f"{v!r} is not an IPv4 address")
            return default
        return v


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ScenarioError([f"{p}: cannot read: {e.strerror or e}"]) from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError([f"{p}: not valid TOML: {e}"]) from e
    return scenario_from_dict(data, where=str(p), base=p.parent, path=p)


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    where: str = "<scenario>",
    base: Path | None = None,
    path: Path | None = None,
    phone_text: str | None = None,
) -> Scenario:
    """
    Validate a scenario given as a dict (the TOML document).  C{base} resolves
    relative file names; C{phone_text} supplies the phone configuration inline
    (used by generated worlds) instead of C{[phone] config}.
    """
    r = _Reader(where)
    base = base or Path(".")
    top = r.table(
        data,
        "",
        {"scenario", "phone", "dns", "servers", "calls", "faults", "network"},
        {"scenario", "phone"},
    )
    sc = r.table(
        _as_table(r, top.get("scenario", {}), "scenario"),
        "scenario.",
        {"name", "description", "clauses", "duration", "seed", "profile"},
        {"name", "duration"},
    )
    name = r.string(sc, "name", "scenario.", path.stem if path else "scenario")
    description = r.string(sc, "description", "scenario.", "")
    duration = r.number(sc, "duration", "scenario.", 60.0, 0.001, 10 * 86400)
    seed = r.integer(sc, "seed", "scenario.", 1, 0, 2**63 - 1)
    profile = r.string(sc, "profile", "scenario.", "yealink")
    clauses = sc.get("clauses", [])
    if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses):
        r.err("scenario.clauses", "expected a list of clause IDs")
        clauses = []
    else:
        from harness.certify.clauses import CLAUSES

        known = {c.id for c in CLAUSES}
        for c in clauses:
            if c not in known:
                r.err("scenario.clauses", f"unknown clause {c!r}")

    ph = r.table(
        _as_table(r, top.get("phone", {}), "phone"),
        "phone.",
        {"config", "settings", "address", "account", "mwi", "expect_errors", "unknown_keys"},
    )
    phone_address = r.address(ph, "address", "phone.", "127.0.0.100")
    account = r.integer(ph, "account", "phone.", 1, 1, 6)
    mwi = r.boolean(ph, "mwi", "phone.", False)
    expect_errors = (
        r.boolean(ph, "expect_errors", "phone.", False) if "expect_errors" in ph else None
    )
    unknown_keys = (
        r.integer(ph, "unknown_keys", "phone.", 0, 0, 100_000) if "unknown_keys" in ph else None
    )
    phone_file: Path | None = None
    text = phone_text
    if text is None:
        cfg = ph.get("config")
        if not isinstance(cfg, str):
            r.err("phone.config", "missing: the phone's .cfg file (relative to the scenario)")
            text = ""
        else:
            phone_file = (base / cfg).resolve()
            try:
                text = phone_file.read_text("utf-8")
            except OSError as e:
                r.err("phone.config", f"cannot read {phone_file}: {e.strerror or e}")
                text = ""
    settings = ph.get("settings", {})
    if not isinstance(settings, dict):
        r.err("phone.settings", "expected a table of provisioning keys")
        settings = {}
    if settings:
        extra = "".join(f"{k} = {_cfg_value(v)}\n" for k, v in settings.items())
        text = _override(text or "", extra)
    phone: PhoneConfig | None = None
    config_errors: tuple[str, ...] = ()
    try:
        phone = parse_config(text or "", filename=str(phone_file or f"{where} [phone]"))
    except ConfigError as e:
        if expect_errors:
            # CFG-2: the file is meant to be rejected; the phone gets nothing from it
            config_errors = tuple(e.errors)
            phone = PhoneConfig()
        else:
            for line in e.errors:
                r.errors.append(f"{where}: phone.config: {line}")

    dns: DnsSpec | None = None
    if "dns" in top:
        dd = r.table(_as_table(r, top["dns"], "dns"), "dns.", {"zone", "address", "port", "glue"})
        zone = dd.get("zone")
        zpath: Path | None = None
        if zone is not None:
            if not isinstance(zone, str):
                r.err("dns.zone", "expected a file name")
            else:
                zpath = (base / zone).resolve()
                if not zpath.is_file():
                    r.err("dns.zone", f"no such file: {zpath}")
        dns = DnsSpec(
            zone=zpath,
            address=r.address(dd, "address", "dns.", "127.0.1.53"),
            port=r.integer(dd, "port", "dns.", 53, 1, 65535),
            glue=r.boolean(dd, "glue", "dns.", True),
        )

    servers: list[ServerSpec] = []
    raw_servers = top.get("servers", [])
    if not isinstance(raw_servers, list):
        r.err("servers", "expected [[servers]] tables")
        raw_servers = []
    seen_roles: set[str] = set()
    for i, s in enumerate(raw_servers):
        pre = f"servers[{i}]."
        sd = r.table(
            _as_table(r, s, f"servers[{i}]"),
            pre,
            {
                "role",
                "address",
                "transports",
                "port",
                "tls_port",
                "cert",
                "location",
                "features",
                "credentials",
            },
            {"role"},
        )
        role = r.string(sd, "role", pre, f"server{i}")
        if role in seen_roles:
            r.err(f"{pre}role", f"duplicate role {role!r}")
        seen_roles.add(role)
        transports = sd.get("transports", list(TRANSPORTS))
        if not isinstance(transports, list) or not all(t in TRANSPORTS for t in transports):
            r.err(f"{pre}transports", f"expected a list of {', '.join(TRANSPORTS)}")
            transports = list(TRANSPORTS)
        features = r.string(sd, "features", pre, "basic" if role == "fallback" else "full")
        if features not in ("full", "basic"):
            r.err(f"{pre}features", f"{features!r}: expected 'full' or 'basic'")
        creds = sd.get("credentials", {})
        if not isinstance(creds, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in creds.items()
        ):
            r.err(f"{pre}credentials", 'expected a table of user = "password"')
            creds = {}
        cert = sd.get("cert")
        if cert is not None and not isinstance(cert, str):
            r.err(f"{pre}cert", "expected a certificate name")
            cert = None
        servers.append(
            ServerSpec(
                role=role,
                address=r.address(sd, "address", pre, ROLES_DEFAULT.get(role, "127.0.1.99")),
                transports=tuple(transports),
                port=r.integer(sd, "port", pre, 5060, 1, 65535),
                tls_port=r.integer(sd, "tls_port", pre, 5061, 1, 65535),
                cert=cert,
                location=r.string(sd, "location", pre, "cluster"),
                features=features,
                credentials=tuple(sorted(creds.items())),
            )
        )

    calls: list[CallSpec] = []
    raw_calls = top.get("calls", [])
    if not isinstance(raw_calls, list):
        r.err("calls", "expected [[calls]] tables")
        raw_calls = []
    for i, c in enumerate(raw_calls):
        pre = f"calls[{i}]."
        cd = r.table(
            _as_table(r, c, f"calls[{i}]"),
            pre,
            {"at", "to", "duration", "reinvite", "account"},
            {"at"},
        )
        acct = cd.get("account")
        calls.append(
            CallSpec(
                at=r.number(cd, "at", pre, 0.0, 0.0, duration),
                to=r.string(cd, "to", pre, "sip:echo@example.test"),
                duration=r.number(cd, "duration", pre, 5.0, 0.0, 86400.0),
                reinvite=r.boolean(cd, "reinvite", pre, False),
                account=r.integer(cd, "account", pre, 1, 1, 6) if acct is not None else None,
            )
        )

    faults: list[FaultSpec] = []
    raw_faults = top.get("faults", [])
    if not isinstance(raw_faults, list):
        r.err("faults", "expected [[faults]] tables")
        raw_faults = []
    targets = seen_roles | {"dns"}
    for i, f in enumerate(raw_faults):
        pre = f"faults[{i}]."
        fd = _as_table(r, f, f"faults[{i}]")
        target = r.string(fd, "target", pre, "")
        if target not in targets:
            r.err(f"{pre}target", f"{target!r}: expected one of {', '.join(sorted(targets))}")
        action = r.string(fd, "action", pre, "")
        if action not in FAULT_ACTIONS:
            r.err(f"{pre}action", f"{action!r}: expected one of {', '.join(FAULT_ACTIONS)}")
        at = fd.get("at")
        on_request = fd.get("on_request")
        if (at is None) == (on_request is None):
            r.err(pre.rstrip("."), "give exactly one of 'at' (seconds) or 'on_request' (N)")
        at_v = r.number(fd, "at", pre, 0.0, 0.0, duration) if at is not None else None
        on_v = r.integer(fd, "on_request", pre, 1, 1, 10**6) if on_request is not None else None
        params = {k: v for k, v in fd.items() if k not in ("target", "action", "at", "on_request")}
        allowed = _FAULT_PARAMS.get(action, set())
        for k in params:
            if k not in allowed:
                r.err(
                    f"{pre}{k}",
                    f"unknown key for action {action!r} "
                    f"(allowed: {', '.join(sorted(allowed)) or 'none'})",
                )
        faults.append(FaultSpec(target, action, at_v, on_v, tuple(sorted(params.items()))))

    nd = r.table(
        _as_table(r, top.get("network", {}), "network"),
        "network.",
        {"latency", "jitter", "loss"},
    )
    network = NetworkSpec(
        latency=r.number(nd, "latency", "network.", 0.005, 0.0, 10.0),
        jitter=r.number(nd, "jitter", "network.", 0.0, 0.0, 10.0),
        loss=r.number(nd, "loss", "network.", 0.0, 0.0, 0.9),
    )

    if phone is not None and not config_errors:
        try:
            acct_cfg = phone.account(account)
            if not acct_cfg.enable:
                r.err("phone.account", f"account {account} is not enabled in the phone config")
        except (KeyError, ValueError, IndexError):
            r.err("phone.account", f"account {account} is not in the phone config")
    if r.errors or phone is None:
        raise ScenarioError(r.errors or [f"{where}: invalid phone configuration"])
    return Scenario(
        name=name,
        path=path,
        description=description,
        clauses=tuple(clauses),
        duration=duration,
        seed=seed,
        profile=profile,
        phone=phone,
        phone_file=phone_file,
        phone_address=phone_address,
        account=account,
        mwi=mwi,
        dns=dns,
        servers=tuple(servers),
        calls=tuple(calls),
        faults=tuple(faults),
        network=network,
        config_errors=config_errors,
        expect_config_errors=expect_errors,
        unknown_keys=unknown_keys,
    )


_FAULT_PARAMS: dict[str, set[str]] = {
    "silence": {"methods", "until"},
    "stop": {"until"},
    "restore": set(),
    "respond": {"code", "retry_after", "methods", "until"},
    "delay": {"seconds", "methods", "until"},
    "drop-first": {"count", "methods"},
    "flap": {"period", "down", "until"},
    "crash-mid": {"methods", "until"},
    "cert": {"name"},
    "servfail": {"until", "name"},
    "drop": {"until", "name"},
    "nxdomain": {"name", "until"},
    "truncate": {"until"},
    "down": {"until"},
    "set-record": {"name", "type", "value", "ttl"},
    "remove-record": {"name", "type"},
    "set-ttl": {"name", "type", "ttl"},
}


def _as_table(r: _Reader, v: Any, key: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        r.err(key, "expected a table")
        return {}
    return v


def _cfg_value(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return str(v)


def _override(text: str, extra: str) -> str:
    """Apply C{[phone.settings]} on top of the file: later keys replace earlier ones."""
    keys = {line.split("=", 1)[0].strip() for line in extra.splitlines() if "=" in line}
    kept = [
        line
        for line in text.splitlines()
        if not ("=" in line and line.split("=", 1)[0].strip() in keys)
    ]
    return "\n".join(kept) + "\n" + extra


def find_scenarios(paths: list[str]) -> list[Path]:
    """Expand files and directories (C{*.toml}, sorted) into scenario paths."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.toml")))
        else:
            out.append(p)
    return out


def bundled_scenarios_dir() -> Path:
    """C{fixtures/scenarios} next to the package (the repo layout)."""
    return Path(__file__).resolve().parent.parent / "fixtures" / "scenarios"
