"""Running the command line inside the test process, quickly and without leaks.

``command_built_once`` builds the click command from the Typer app once instead of on every
``run`` (Typer reads every command's annotations again on each call, about 80 ms; what it
builds is the same each time). ``stores_closed_afterwards`` gives the command line a fresh
one-store-per-URL cache and closes every store it opened, so no PostgreSQL connection
outlives its test and SQLite files are closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

import pullflow.cli.app
import pullflow.cli.context
from pullflow.services import Store
from pullflow.services.unit import initialise_store, open_store


@contextlib.contextmanager
def command_built_once() -> Iterator[None]:
    original = typer.main.get_command
    built: dict[int, Any] = {}

    def get_command(app: typer.Typer) -> Any:
        if id(app) not in built:
            built[id(app)] = original(app)
        return built[id(app)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.main, "get_command", get_command)
        yield


@contextlib.contextmanager
def stores_closed_afterwards(patch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep the command line's one-store-per-URL cache only this long, then close the stores."""
    opened: list[Store] = []
    cached: dict[str, Store] = {}

    def store(url: str) -> Store:
        if url not in cached:
            cached[url] = open_store(url)
            opened.append(cached[url])
        return cached[url]

    def initialise(url: str) -> tuple[Store, bool]:
        made, migrated = initialise_store(url)
        opened.append(made)
        return made, migrated

    patch.setattr(pullflow.cli.context, "_store", store)
    patch.setattr(pullflow.cli.app, "initialise_store", initialise)
    try:
        yield
    finally:
        for each in opened:
            each.close()
