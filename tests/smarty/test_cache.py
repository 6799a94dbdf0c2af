"""Versioned caching: hits, invalidation by generation bumps, and no stale value after a
change that lands while a value is being built."""

from django.core.cache import cache

from smarty.cache import bump, cached, generations
from tests.conftest import clear_cache


def test_a_value_is_built_once_and_served_until_a_dependency_changes():
    calls = []

    def build():
        calls.append(1)
        return {"n": len(calls)}

    assert cached("thing", (1,), ["a:1", "b:1"], build) == {"n": 1}
    assert cached("thing", (1,), ["a:1", "b:1"], build) == {"n": 1}
    bump("b:1")
    assert cached("thing", (1,), ["a:1", "b:1"], build) == {"n": 2}
    bump("unrelated:1")
    assert cached("thing", (1,), ["a:1", "b:1"], build) == {"n": 2}
    assert len(calls) == 2


def test_parts_separate_values_and_falsy_values_are_cached():
    assert cached("flag", ("x",), [], lambda: False) is False
    assert cached("flag", ("x",), [], lambda: True) is False
    assert cached("flag", ("y",), [], lambda: True) is True


def test_a_change_during_the_build_leaves_the_entry_stale():
    def build_and_change():
        bump("dep:race")  # another process changes the data while we read it
        return "old"

    assert cached("race", (), ["dep:race"], build_and_change) == "old"
    assert cached("race", (), ["dep:race"], lambda: "new") == "new"


def test_generations_survive_a_cache_flush_without_reviving_old_entries():
    before = generations(["dep:flush"])
    clear_cache()
    after = generations(["dep:flush"])
    assert before != after


def test_a_hit_costs_one_cache_round_trip(monkeypatch):
    import smarty.cache as module

    cached("rt", (), ["d:1", "d:2", "d:3"], lambda: 1)
    calls = []

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(cache, name)

    monkeypatch.setattr(module, "cache", Counting())
    assert cached("rt", (), ["d:1", "d:2", "d:3"], lambda: 2) == 1
    assert calls == ["get_many"]


def test_key_parts_keep_ids_and_plain_names_and_digest_anything_else():
    from smarty.cache import dep, key_part

    assert key_part(42) == "42" and key_part("android-tv_2.0") == "android-tv_2.0"
    odd = ["ß" * 300, "a b", "x\x01", "9" * 65, ""]
    digests = [key_part(value) for value in odd]
    assert all(d.startswith("~") and len(d) == 25 and d.isascii() for d in digests)
    assert len(set(digests)) == len(odd)  # distinct values stay distinct
    assert key_part("a b") == key_part("a b")  # and stable
    assert dep("portal_settings", "a b") == "portal_settings:" + key_part("a b")


def test_with_the_cache_raising_values_come_from_the_database_and_nothing_is_remembered():
    from django.test import override_settings

    from smarty.cache import cached_many, local_values

    local_values.clear()
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    with override_settings(CACHES={"default": {"BACKEND": "tests.channels.test_caching.RaisingCache"}}):
        from django.core.cache import caches

        import smarty.cache as module

        raising = caches["default"]
        original = module.cache
        module.cache = raising
        try:
            assert cached("down", (), ["d:down"], build) == 1
            assert cached("down", (), ["d:down"], build) == 2
            assert cached("down_local", (), ["d:down"], build, local=True) == 3
            assert cached("down_local", (), ["d:down"], build, local=True) == 4
            assert cached_many("down_many", [((1,), "d:down")], lambda missing: {p: "x" for p in missing}) == {
                (1,): "x"
            }
        finally:
            module.cache = original
    assert local_values.get("down_local") is None


def test_bump_now_and_on_commit_bumps_at_once_and_again_after_commit(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    from smarty.cache import bump_now_and_on_commit

    start = generations(["d:twice"])[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            bump_now_and_on_commit("d:twice", "d:twice")
            inside = generations(["d:twice"])[0]
    assert inside != start
    assert len(callbacks) == 1
    assert generations(["d:twice"])[0] not in (start, inside)


def test_without_now_the_bump_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    from smarty.cache import bump_now_and_on_commit

    start = generations(["d:later"])[0]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            bump_now_and_on_commit("d:later", now=False)
            assert generations(["d:later"])[0] == start
    assert generations(["d:later"])[0] == start + 1


def test_values_kept_in_process_memory_have_short_printable_keys_whatever_a_client_sent():
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning

    from smarty.cache import device_values, local_values

    sent = ["ß" * 300, "a b\x01"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # the local-memory cache checks its keys
        for text in sent:
            assert cached("sent", (text,), ["d:sent"], lambda: 1, local=True) == 1
            assert cached("sent_by_device", (text,), ["d:sent"], lambda: 2, local="device") == 2
    keys = list(local_values._items) + list(device_values._items)
    assert keys and all(key.isascii() and key.isprintable() and len(key) < 120 for key in keys)


def test_packed_values_are_kept_pickled_and_each_caller_gets_its_own_copy(django_assert_max_num_queries):
    import pickle

    from smarty.cache import _local_key, cached_many, generations, local_values

    local_values.clear()
    built = []

    def build(missing):
        built.extend(missing)
        return {parts: [{"id": parts[0], "name": "x" * 50}] for parts in missing}

    items = [((1,), "d:packed"), ((2,), "d:packed")]
    first = cached_many("packed_many", items, build, packed=True)
    assert first == {(1,): [{"id": 1, "name": "x" * 50}], (2,): [{"id": 2, "name": "x" * 50}]}
    kept = local_values.get(_local_key("packed_many", (1,), generations(["d:packed"])))
    assert isinstance(kept, bytes) and pickle.loads(kept) == first[(1,)]
    again = cached_many("packed_many", items, lambda missing: {}, packed=True)
    assert again == first and built == [(1,), (2,)]
    again[(1,)][0]["name"] = "changed"  # a caller's copy, not the process's value
    assert cached_many("packed_many", items, lambda missing: {}, packed=True)[(1,)][0]["name"] == "x" * 50
