"""The per-process cache behind API tokens and the order check's country terms."""

from __future__ import annotations

from tradecredit.services.ttl_cache import TtlCache


def test_an_entry_is_trusted_while_fresh_and_at_its_generation() -> None:
    cache: TtlCache[str, int] = TtlCache(60)
    cache.put("a", 1, generation=3)
    assert (cache.get("a", 3), cache.get("a", 4), cache.get("b", 3)) == (1, None, None)
    cache.clear()
    assert cache.get("a", 3) is None


def test_an_expired_entry_is_a_miss() -> None:
    cache: TtlCache[str, int] = TtlCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None
