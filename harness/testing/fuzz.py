"""
A coverage-guided fuzz target for the SIP parser and stream framer.

The contract under test (L{harness.sip.message}): whatever the bytes,
L{parse} raises only L{ParseError}, and a message that parsed serialises to
bytes that parse back to an equal message.  The stream framer must raise
only L{ParseError} too, and cutting a stream at any point must not change
the messages it yields.

Run it with atheris (coverage-guided, libFuzzer flags)::

    python -m harness.testing.fuzz -runs=100000 tests/hostile/corpus

or, where atheris is not installed, with a seeded mutational runner over
the corpus (the same bounded runner the CI test uses)::

    python -m harness.testing.fuzz --mutate 100000 tests/hostile/corpus

Why both: atheris finds new paths fastest but needs a compiled extension;
the mutational runner is pure Python, deterministic for a seed, and cheap
enough for every CI run.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.sip.framing import StreamFramer, parse_datagram
from harness.sip.message import Limits, ParseError, Request, Response, parse

__all__ = ["FuzzStats", "fuzz_one", "load_corpus", "main", "mutate", "run_mutational"]

#: small limits so that the fuzzer reaches the limit checks with small inputs too
SMALL = Limits(max_size=4096, max_headers=24, max_header_len=512, max_line=512)


class RoundTripError(AssertionError):
    """A parsed message did not survive serialise -> parse."""


def fuzz_one(data: bytes) -> None:
    """
    One input.  Raises only if the contract is broken: an exception other
    than L{ParseError} from the parser or framer, or a round trip that
    changes the message (L{RoundTripError}).
    """
    for limits in (None, SMALL):
        try:
            message = parse(data) if limits is None else parse(data, limits)
        except ParseError:
            message = None
        if message is not None:
            _round_trip(message)
    try:
        parse_datagram(data)
    except ParseError:
        pass
    _stream(data)


def _round_trip(message: Request | Response) -> None:
    wire = message.to_bytes()
    try:
        again = parse(wire)
    except ParseError as e:
        raise RoundTripError(f"serialised message does not parse: {e}\n{wire!r}") from e
    if again != message:
        raise RoundTripError(f"round trip changed the message:\n{message!r}\n{again!r}")
    if again.to_bytes() != wire:
        raise RoundTripError(f"serialisation is not stable:\n{wire!r}\n{again.to_bytes()!r}")


def _stream(data: bytes) -> None:
    """The framer, fed whole and fed in two pieces, must agree (or both fail)."""
    whole: list[Request | Response] | None
    try:
        whole = StreamFramer().feed(data)
    except ParseError:
        whole = None
    cut = (data[0] * 7 + len(data)) % (len(data) + 1) if data else 0
    framer = StreamFramer()
    split: list[Request | Response] | None
    try:
        split = framer.feed(data[:cut]) + framer.feed(data[cut:])
    except ParseError:
        split = None
    if whole is not None and split is not None and whole != split:
        raise RoundTripError(f"framing depends on where the stream is cut ({cut}): {data!r}")


# --- corpus and the mutational runner -----------------------------------------------


def load_corpus(directory: str | Path) -> list[bytes]:
    """Every file in C{directory}, sorted by name (the seeds)."""
    return [p.read_bytes() for p in sorted(Path(directory).iterdir()) if p.is_file()]


_TOKENS = [
    b"\r\n", b"\n", b"\r\n\r\n", b" ", b"\t", b":", b";", b",", b"<", b">", b'"', b"\\",
    b"\x00", b"\xff", b"\xc3\x28", b"%00", b"%", b"@", b"[", b"]", b"=", b"?", b"&",
    b"SIP/2.0", b"sip:", b"sips:", b"tel:", b"Via: ", b"Content-Length: ", b"l: ", b"CSeq: ",
    b"Call-ID: ", b"From: ", b"To: ", b"Contact: ", b"Expires: ", b"Route: ", b";branch=",
    b";tag=", b";rport", b";received=", b";lr", b"z9hG4bK", b"REGISTER", b"INVITE", b"ACK",
    b"OPTIONS", b"SIP/2.0 200 OK", b"4294967296", b"-1", b"99999999999", b"0", b"[::1]",
    b"127.0.0.1:65536", b"*", b"\r\n ", b"\r\n\t",
]


def mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """One to four random edits of C{data} (flip, insert, delete, splice, token, line ops)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        n = len(buf)
        pos = rng.randrange(n + 1)
        if op == 0 and n:
            buf[rng.randrange(n)] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[pos:pos] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 8)))
        elif op == 2 and n:
            del buf[pos:pos + rng.randint(1, 16)]
        elif op == 3:
            buf[pos:pos] = rng.choice(_TOKENS)
        elif op == 4 and corpus:
            other = rng.choice(corpus)
            start = rng.randrange(len(other) + 1)
            buf[pos:] = other[start:start + rng.randint(1, 200)] + buf[pos:]
        elif op == 5:
            lines = bytes(buf).split(b"\r\n")
            if len(lines) > 1:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                buf = bytearray(b"\r\n".join(lines))
        elif op == 6:
            lines = bytes(buf).split(b"\r\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i] * rng.choice((1, 2, 50)))
            buf = bytearray(b"\r\n".join(lines))
        elif op == 7 and n:
            del buf[pos:]
        elif op == 8:
            digits = [i for i, b in enumerate(buf) if 48 <= b <= 57]
            if digits:
                i = rng.choice(digits)
                buf[i:i + 1] = rng.choice([b"0", b"9" * 12, b"-1", b"4294967296", b""])
    return bytes(buf)


@dataclass
class FuzzStats:
    replayed: int = 0
    generated: int = 0
    parsed: int = 0  # inputs (of both kinds) that parsed as a message
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.replayed + self.generated


def run_mutational(
    corpus: Iterable[bytes],
    *,
    count: int,
    seed: int = 0,
    max_seconds: float | None = None,
    target: Callable[[bytes], None] = fuzz_one,
    clock: Callable[[], float] = time.perf_counter,
) -> FuzzStats:
    """
    Replay C{corpus}, then C{count} mutated inputs from a seeded RNG (stop
    early after C{max_seconds} of wall time, if given).  The first input that
    breaks the contract propagates, with the input attached as a note.
    """
    seeds = list(corpus)
    stats = FuzzStats()
    start = clock()

    def one(data: bytes) -> None:
        try:
            target(data)
        except Exception as e:
            e.add_note(f"fuzz input: {data!r}")
            raise
        try:
            parse(data)
            stats.parsed += 1
        except ParseError:
            pass

    for data in seeds:
        one(data)
        stats.replayed += 1
    rng = random.Random(seed)
    pool = seeds or [b""]
    for i in range(count):
        if max_seconds is not None and i % 256 == 0 and clock() - start > max_seconds:
            break
        one(mutate(rng, rng.choice(pool), pool))
        stats.generated += 1
    stats.seconds = clock() - start
    return stats


def main(argv: list[str] | None = None) -> int:
    """C{python -m harness.testing.fuzz [libFuzzer flags] CORPUS} (atheris, else mutational)."""
    args = list(sys.argv if argv is None else argv)
    if "--mutate" in args:
        i = args.index("--mutate")
        count = int(args[i + 1])
        rest = [a for a in args[1:i] + args[i + 2:] if not a.startswith("-")]
        corpus = load_corpus(rest[0]) if rest else []
        stats = run_mutational(corpus, count=count, seed=0)
        print(f"{stats.total} inputs ({stats.replayed} corpus, {stats.generated} mutated, "
              f"{stats.parsed} parsed) in {stats.seconds:.1f} s: no contract violation")
        return 0
    try:
        import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        print("atheris is not installed; use --mutate N", file=sys.stderr)
        return 2
    # harness.sip is already imported (above): instrument what is loaded
    atheris.instrument_all()
    atheris.Setup(args, fuzz_one)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
