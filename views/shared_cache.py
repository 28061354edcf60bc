"""A small process-wide cache for the costly data every session shares (the ranked queue, the
map frames), owned by the tracker rather than by Streamlit.

Streamlit's ``st.cache_data`` is emptied for every user at once by any browser that sends a
``clear_cache`` message over the app's websocket — no login needed (one such message a second
doubled everyone's page time). Data kept here survives that. It is dropped only when its time is
up (``ttl``: edits made elsewhere, by the CLI or another process, show up after that) or when the
tracker itself says the data changed (:meth:`SharedCache.clear`, called after an edit).

Thread-safe: Streamlit runs each session in its own thread. Concurrent requests for a missing
key compute it once; the others wait for that result. Values are shared, not copied, so callers
must treat them as read-only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("tracker.cache")


class SharedCache:
    """Values by (name, key), each valid for ``ttl`` seconds and until :meth:`clear`."""

    def __init__(self, ttl: float, max_entries: int = 64) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.version = 0  # the data version the entries belong to; clear() moves it on
        self.computed: Counter[str] = Counter()  # computations per name, for logs and tests
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
        self._gates: dict[Hashable, threading.Lock] = {}

    def get(self, name: str, key: Hashable, compute: Callable[[], T],
            ttl: float | None = None) -> T:
        """The cached value of ``(name, key)``, computing it (once for all threads) if needed;
        ``ttl`` overrides the cache's own for this lookup."""
        slot = (name, key)
        ttl = self.ttl if ttl is None else ttl
        with self._lock:
            found, value = self._fresh(slot, ttl)
            if found:
                return value  # type: ignore[no-any-return]
            gate = self._gates.setdefault(slot, threading.Lock())
        with gate:  # one thread computes; the others wait here, then find its result
            with self._lock:
                found, value = self._fresh(slot, ttl)
                if found:
                    return value  # type: ignore[no-any-return]
                version = self.version
            started = time.perf_counter()
            result = compute()
            with self._lock:
                self.computed[name] += 1
                if version == self.version:  # not cleared while computing: keep it
                    self._entries[slot] = (version, time.monotonic(), result)
                    self._entries.move_to_end(slot)
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
                self._gates.pop(slot, None)
            log.info("computed %s in %.2f s", name, time.perf_counter() - started)
            return result

    def update(self, name: str, key: Hashable, change: Callable[[T], T]) -> bool:
        """Replace the cached value of ``(name, key)`` by ``change(value)`` — an edit patched into
        the data instead of dropping it — keeping its age (the TTL still brings in changes made
        elsewhere). Waits for a computation of the same key under way, so the patch lands on
        its result. False (nothing cached, nothing done) when there is no fresh value."""
        slot = (name, key)
        with self._lock:
            gate = self._gates.setdefault(slot, threading.Lock())
        with gate:
            with self._lock:
                entry = self._entries.get(slot)
                if entry is None or entry[0] != self.version:
                    self._gates.pop(slot, None)
                    return False
                version, stored, value = entry
            started = time.perf_counter()
            result = change(value)
            with self._lock:
                if version == self.version and slot in self._entries:
                    self._entries[slot] = (version, stored, result)
                self._gates.pop(slot, None)
            log.info("updated %s in %.2f s", name, time.perf_counter() - started)
            return True

    def keys(self, name: str) -> list[Hashable]:
        """The keys ``name`` has values for now (e.g. to patch each of them after an edit)."""
        with self._lock:
            return [slot[1] for slot in self._entries if isinstance(slot, tuple) and slot[0] == name]

    def clear(self) -> None:
        """The data changed (an edit): every entry is stale, for every user."""
        with self._lock:
            self.version += 1
            self._entries.clear()

    def _fresh(self, slot: Hashable, ttl: float) -> tuple[bool, Any]:
        entry = self._entries.get(slot)
        if entry is None:
            return False, None
        version, stored, value = entry
        if version != self.version or time.monotonic() - stored > ttl:
            del self._entries[slot]
            return False, None
        self._entries.move_to_end(slot)
        return True, value
