"""
C{cached_property} without CPython 3.11's per-class lock.

Why: C{functools.cached_property} in 3.11 takes an C{RLock} on every first
access (3.12 dropped it: it serialised all instances and never made the
value safe to compute twice).  The judge's context object computes about
twenty wire views per run through it, so the lock was a measurable share of
judging one short scenario.  This one behaves as 3.12's: the value is
computed on the first access and stored in the instance dictionary, which
later accesses read directly (it is a non-data descriptor); an exception
stores nothing.  The harness never shares these objects between threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

__all__ = ["cached_property"]

T = TypeVar("T")


class cached_property(Generic[T]):  # (a drop-in: functools' name)
    """A lazily computed attribute, stored in the instance on first access."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.attrname: str | None = None
        self.__doc__ = func.__doc__
        self.__module__ = func.__module__

    def __set_name__(self, owner: type, name: str) -> None:
        if self.attrname is None:
            self.attrname = name
        elif name != self.attrname:
            raise TypeError(
                "Cannot assign the same cached_property to two different names "
                f"({self.attrname!r} and {name!r})."
            )

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        if self.attrname is None:
            raise TypeError(
                "Cannot use cached_property instance without calling __set_name__ on it."
            )
        value = self.func(instance)
        instance.__dict__[self.attrname] = value
        return value
