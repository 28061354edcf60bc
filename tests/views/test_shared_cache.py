"""The tracker's own cache of shared data: time, clearing, one computation per key."""

from __future__ import annotations

import threading
import time

from views.shared_cache import SharedCache


def test_the_shared_cache_expires_and_computes_once_per_key() -> None:
    cache = SharedCache(ttl=60)
    calls: list[str] = []

    def value(text: str) -> str:
        calls.append(text)
        return text

    assert cache.get("q", 1, lambda: value("a")) == "a"
    assert cache.get("q", 1, lambda: value("b")) == "a"
    assert cache.get("q", 1, lambda: value("c"), ttl=0) == "c"  # out of time
    cache.clear()
    assert cache.get("q", 1, lambda: value("d")) == "d"
    assert calls == ["a", "c", "d"] and cache.computed["q"] == 3


def test_concurrent_misses_compute_once() -> None:
    cache = SharedCache(ttl=60)
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "ranked"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("q", 1, slow)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["ranked"] * 8 and len(calls) == 1
