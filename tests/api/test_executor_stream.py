"""The pipeline's streaming entry point: a fresh context per operation and per event."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry

from commerce.api.graphql.executor import Executor, Outcome
from commerce.api.graphql.limits import Limits


@dataclass
class FakeReader:
    closed: bool = False

    async def close(self) -> None:
        self.closed = True


@dataclass
class FakeContext:
    serial: int
    long_lived: bool
    signed_out_after: int | None = None  # signs out once this many contexts exist
    reader: FakeReader = field(default_factory=FakeReader)
    request_id: str = "req"

    async def signed_out(self) -> bool:
        return self.signed_out_after is not None and self.serial >= self.signed_out_after


@strawberry.type
class Tick:
    n: int

    @strawberry.field
    def context(self, info: strawberry.Info) -> int:
        serial: int = info.context.serial
        return serial


@strawberry.type
class Query:
    @strawberry.field
    def context(self, info: strawberry.Info) -> int:
        serial: int = info.context.serial
        return serial


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, info: strawberry.Info) -> AsyncGenerator[Tick, None]:
        for n in range(3):
            yield Tick(n=n)


SCHEMA = strawberry.Schema(query=Query, subscription=Subscription)


def _executor() -> Executor:
    return Executor(SCHEMA, limits=Limits(15, 30, 25000), max_tokens=5000, introspection=True)


class Contexts:
    def __init__(self, signed_out_after: int | None = None) -> None:
        self.made: list[FakeContext] = []
        self.serials = itertools.count()
        self.signed_out_after = signed_out_after

    def __call__(self, long_lived: bool) -> Any:
        context = FakeContext(next(self.serials), long_lived, self.signed_out_after)
        self.made.append(context)
        return context


async def _all(executor: Executor, query: str, contexts: Contexts) -> list[Outcome]:
    return [o async for o in executor.stream(query, None, None, contexts)]


async def test_every_subscription_event_gets_a_fresh_context() -> None:
    contexts = Contexts()
    outcomes = await _all(_executor(), "subscription { ticks { n context } }", contexts)
    assert [o.data for o in outcomes] == [{"ticks": {"n": n, "context": n + 1}}
                                          for n in range(3)]
    source, *events = contexts.made
    assert source.long_lived and not any(e.long_lived for e in events)
    assert all(c.reader.closed for c in contexts.made)


async def test_each_query_gets_a_fresh_context_and_closes_it() -> None:
    contexts = Contexts()
    executor = _executor()
    first = await _all(executor, "{ context }", contexts)
    second = await _all(executor, "{ context }", contexts)
    assert [first[0].data, second[0].data] == [{"context": 0}, {"context": 1}]
    assert all(c.reader.closed for c in contexts.made)


async def test_a_subscription_stops_when_its_viewer_signs_out() -> None:
    contexts = Contexts(signed_out_after=2)  # source 0, event 1 fine, event 2 signed out
    outcomes = await _all(_executor(), "subscription { ticks { n } }", contexts)
    assert outcomes[0].data == {"ticks": {"n": 0}}
    assert outcomes[1].data is None
    assert outcomes[1].errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert len(outcomes) == 2
