"""Group commit: many small writes that must each be durable before their caller goes on, in few transactions.

The sequencer writes twice per change (before sending, and the answer); a thousand lanes doing that
each in its own transaction spend most of their time in transaction overhead, one at a time on
SQLite. Here every write waits for the transaction under way to finish, then all waiting writes
run together in the next one; each caller resumes once the transaction holding its write has
committed, exactly as with a transaction of its own.

When a write fails, its group is rolled back and every write of it runs again in a transaction of
its own, so each caller gets its own result or exception, as if it had never shared. A write must
therefore be safe to run twice when the first run was rolled back: it builds its rows inside the
function, and brings in objects from outside with `session.merge` (never `session.add`: a rollback
expires what was added, and the re-run would silently write nothing of it).
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.store.database import Database

T = TypeVar("T")
Write = Callable[[AsyncSession], Awaitable[Any]]


class GroupCommit:
    def __init__(self, database: Database, max_group: int = 500) -> None:
        self._db = database
        self._max_group = max_group
        self._waiting: list[tuple[Write, asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in a shared transaction; returns its result once that transaction has committed."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_all(), name="group commit")
        result: T = await future
        return result

    async def drain(self) -> None:
        """Wait until every write handed over so far is committed (or has failed)."""
        while self._committer is not None and not self._committer.done():
            await asyncio.shield(self._committer)

    async def _commit_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self._max_group], self._waiting[self._max_group :]
            results: list[Any] = []
            try:
                async with self._db.transaction() as session:
                    for work, _ in group:
                        results.append(await work(session))
            except Exception as exc:
                if len(group) == 1:
                    if not group[0][1].done():
                        group[0][1].set_exception(exc)
                else:
                    for work, future in group:
                        await self._alone(work, future)
                continue
            except BaseException:
                for _, future in group:
                    if not future.done():
                        future.cancel()
                raise
            for (_, future), result in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _alone(self, work: Write, future: asyncio.Future[Any]) -> None:
        try:
            async with self._db.transaction() as session:
                result = await work(session)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)
