"""
A C{random.Random(seed)} that is seeded on its first use.

Why: seeding a Mersenne Twister fills its 624-word state, about 10 us, and a
world gives each server, the phone's endpoint, its locator and the phone an
RNG of its own, of which a short run draws from only some (a silent
primary, a fallback server nobody reaches, a locator whose SRV answer needs
no weighted choice).  Seeding three unused RNGs was about 2 % of a 10 s
REGISTER-failover scenario.  The draws are those of C{random.Random(seed)}:
the state is the same when the first one is made.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["LazyRandom"]

_Base = random.Random


class LazyRandom(random.Random):
    """
    C{random.Random(seed)}, seeded on the first draw (or C{getstate}).

    Every draw of C{random.Random} goes through C{random()} or
    C{getrandbits()} (C{randbytes} and C{_randbelow} call the latter), so
    those and the state methods are the only ones that check.
    """

    def __init__(self, seed: int) -> None:
        # Deliberately not random.Random.__init__, which seeds: that is what waits.
        self._lazy_seed: int | None = seed
        self.gauss_next = None

    def _seed_now(self) -> None:
        seed, self._lazy_seed = self._lazy_seed, None
        _Base.seed(self, seed)

    def random(self) -> float:
        if self._lazy_seed is not None:
            self._seed_now()
        return _Base.random(self)

    def getrandbits(self, k: int) -> int:
        if self._lazy_seed is not None:
            self._seed_now()
        return _Base.getrandbits(self, k)

    def seed(self, a: Any = None, version: int = 2) -> None:
        self._lazy_seed = None
        _Base.seed(self, a, version)

    def getstate(self) -> tuple[Any, ...]:
        if self._lazy_seed is not None:
            self._seed_now()
        return _Base.getstate(self)

    def setstate(self, state: tuple[Any, ...]) -> None:
        self._lazy_seed = None
        _Base.setstate(self, state)
