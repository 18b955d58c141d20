"""Handlers by name. A delivery names its handler, so each is retried on its own."""

from collections.abc import Callable

_handlers: dict[str, Callable] = {}


def handler(name: str):
    """Register ``fn(event) -> None`` under ``name``. It must be idempotent: the same event
    may reach it more than once (a worker killed after the work, before the receipt)."""

    def register(fn: Callable) -> Callable:
        existing = _handlers.get(name)
        if existing is not None and existing is not fn:
            same = (existing.__module__, existing.__qualname__) == (fn.__module__, fn.__qualname__)
            if not same:
                raise ValueError(f"Two event handlers are named {name!r}.")
        _handlers[name] = fn
        return fn

    return register


def handlers() -> dict[str, Callable]:
    return dict(_handlers)


def get(name: str) -> Callable | None:
    return _handlers.get(name)
