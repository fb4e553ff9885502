"""A small per-process cache whose entries are trusted for a few seconds (API tokens, country terms on the order
check's hot path). Another server process's change reaches this one within ``seconds``; a change made in this
process clears the cache (``clear()``) or moves its ``generation`` on, so it shows at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 10_000


class TtlCache(Generic[K, V]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[K, tuple[V, float, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, generation: int = 0) -> V | None:
        """The value while fresh and put at this ``generation``; else None."""
        entry = self._entries.get(key)
        if entry is None or entry[1] < time.monotonic() or entry[2] != generation:
            return None
        return entry[0]

    def put(self, key: K, value: V, generation: int = 0) -> None:
        with self._lock:
            if len(self._entries) > MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (value, time.monotonic() + self.seconds, generation)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
