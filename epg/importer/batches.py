"""The spooled way (see the package docstring): the spool that holds an input's programmes
until it has been read, and the batches of channels committed together."""

from __future__ import annotations

import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db import DatabaseError, transaction

from ..parsers.base import ParsedProgramme


class Spool:
    """Programmes per channel key, in memory up to `limit` items, then in a temporary file."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.memory: dict[str, list[ParsedProgramme]] = {}
        self.order: dict[str, None] = {}
        self.index: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.count = 0
        self.total = 0
        self.file: IO[bytes] | None = None

    def add(self, item: ParsedProgramme) -> None:
        items = self.memory.get(item.channel)
        if items is None:
            items = self.memory[item.channel] = []
            self.order.setdefault(item.channel, None)
        items.append(item)
        self.count += 1
        self.total += 1
        if self.count >= self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="smarty-epg-spool-")
        self.file.seek(0, 2)
        for key, items in self.memory.items():
            data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
            self.index[key].append((self.file.tell(), len(data)))
            self.file.write(data)
        self.memory.clear()
        self.count = 0

    def channels(self) -> Iterator[tuple[str, list[ParsedProgramme]]]:
        """Each channel's programmes, channels in the order they first appeared."""
        for key in self.order:
            items: list[ParsedProgramme] = []
            for offset, size in self.index.pop(key, ()):
                self.file.seek(offset)
                items.extend(pickle.loads(self.file.read(size)))  # noqa: S301 - our own temporary file
            items.extend(self.memory.pop(key, ()))
            yield key, items

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class CommitBatches:
    """Channels are written in batches of about `limit` programmes per transaction, each
    channel in its own savepoint: every channel's replacement is atomic and a failing channel
    is undone alone, but the database flushes its log once per batch instead of once per
    channel (hundreds of small channels made commits the largest cost of an import).
    `committed(item)` runs for each item once its batch is committed, `lost(item, exc)` if the
    commit fails."""

    def __init__(
        self,
        limit: int,
        committed: Callable[[Any], None],
        lost: Callable[[Any, BaseException], None],
    ) -> None:
        self.limit = max(1, limit)
        self.committed = committed
        self.lost = lost
        self.items: list = []
        self.size = 0
        self.atomic: Any = None

    def __enter__(self) -> CommitBatches:
        self._open()
        return self

    def _open(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def add(self, item: Any, size: int) -> None:
        self.items.append(item)
        self.size += size
        if self.size >= self.limit:
            self._commit()
            self._open()

    def _commit(self) -> None:
        items, self.items, self.size = self.items, [], 0
        try:
            self.atomic.__exit__(None, None, None)
        except DatabaseError as exc:
            for item in items:
                self.lost(item, exc)
            return
        for item in items:
            self.committed(item)

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None:
            self._commit()
            return
        self.atomic.__exit__(exc_type, exc, tb)
        for item in self.items:
            self.lost(item, exc)
