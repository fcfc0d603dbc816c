"""Markup that is the same for every request it answers, rendered once per worker."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, update_wrapper
from typing import Any, Generic, ParamSpec, TypeVar, cast

from django.conf import settings

P = ParamSpec("P")
T = TypeVar("T")


class RenderedOnce(Generic[P, T]):
    """`function` cached by its arguments (`functools.lru_cache`), but called afresh while
    DEBUG is on, so template edits show at once."""

    def __init__(self, function: Callable[P, T], maxsize: int) -> None:
        self.function = function
        self.cached = cast(Callable[..., T], lru_cache(maxsize)(function))
        update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        if settings.DEBUG:
            return self.function(*args, **kwargs)
        return self.cached(*args, **kwargs)

    def cache_clear(self) -> None:
        cast(Any, self.cached).cache_clear()


def rendered_once(maxsize: int = 256) -> Callable[[Callable[P, T]], RenderedOnce[P, T]]:
    """Decorate a function whose markup depends on its (hashable) arguments alone."""

    def decorate(function: Callable[P, T]) -> RenderedOnce[P, T]:
        return RenderedOnce(function, maxsize)

    return decorate
