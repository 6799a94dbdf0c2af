"""The per-process value memory (smarty.local_memory.LocalValues) and the weight it charges
(deep_size): bounded in bytes as well as in values."""

from __future__ import annotations

import dataclasses
import sys

from smarty.local_memory import LocalValues, deep_size


def _window(programmes: int, text: int = 100) -> list[dict]:
    """A guide day window's shape: one dict per programme."""
    return [{"id": n, "b": n * 3600, "e": n * 3600 + 3600, "name": f"{n:04d}" + "x" * text} for n in range(programmes)]


def test_the_weight_grows_with_what_the_value_holds():
    small, large = deep_size(_window(4)), deep_size(_window(40))
    assert 8 * small < large < 12 * small
    assert deep_size(_window(4, text=1000)) >= small + 4 * 900
    assert deep_size(b"x" * 10_000) >= 10_000


def test_an_object_held_twice_is_counted_once_and_the_interpreters_own_are_free():
    text = "y" * 5000
    once, twice = deep_size([text]), deep_size([text, text])
    assert twice - once == sys.getsizeof([text, text]) - sys.getsizeof([text])
    assert deep_size([None, True, 5, len]) == sys.getsizeof([None, True, 5, len])


def test_texts_and_numbers_inside_containers_are_counted_once_each_and_exactly():
    text, big, price = "w" * 3000, 10**30, 2.5
    row = {"name": text, "n": big, "small": 7, "price": price, text: None}
    value = [row, (text, big, 300), [price, -6]]
    expected = (
        sys.getsizeof(value)
        + sys.getsizeof(row)
        + sum(map(sys.getsizeof, ("name", "n", "small", "price", text, big, price)))
        + sys.getsizeof((text, big, 300))
        + sys.getsizeof(300)
        + sys.getsizeof([price, -6])
        + sys.getsizeof(-6)
    )
    assert deep_size(value) == expected


def test_records_are_weighed_through_their_attributes_and_slots():
    @dataclasses.dataclass
    class Plain:
        name: str

    @dataclasses.dataclass(slots=True)
    class Slotted:
        name: str

    text = "z" * 4000
    assert deep_size(Plain(text)) > 4000
    assert deep_size(Slotted(text)) > 4000


def test_values_beyond_the_byte_budget_push_out_the_least_recently_used(settings):
    settings.SMARTY_LOCAL_CACHE_BYTES = 4 * deep_size(_window(10))
    settings.SMARTY_LOCAL_CACHE_ENTRIES = 1000
    memory = LocalValues("SMARTY_LOCAL_CACHE_ENTRIES", 1000, "SMARTY_LOCAL_CACHE_BYTES")
    for n in range(4):
        memory.put(f"w{n}", _window(10), 60)
    assert len(memory) == 4
    assert memory.get("w0") is not None  # now the most recently used
    memory.put("w4", _window(10), 60)
    assert [memory.get(f"w{n}") is not None for n in range(5)] == [True, False, True, True, True]
    assert 0 < memory.weight <= settings.SMARTY_LOCAL_CACHE_BYTES


def test_a_value_heavier_than_a_quarter_of_the_budget_is_not_kept(settings):
    settings.SMARTY_LOCAL_CACHE_BYTES = 4 * deep_size(_window(10))
    memory = LocalValues("SMARTY_LOCAL_CACHE_ENTRIES", 1000, "SMARTY_LOCAL_CACHE_BYTES")
    memory.put("small", _window(10), 60)
    memory.put("large", _window(20), 60)
    assert memory.get("large") is None
    assert memory.get("small") is not None


def test_the_weight_follows_replacement_expiry_and_clearing(settings):
    settings.SMARTY_LOCAL_CACHE_BYTES = 10**7
    memory = LocalValues("SMARTY_LOCAL_CACHE_ENTRIES", 1000, "SMARTY_LOCAL_CACHE_BYTES")
    memory.put("a", _window(10), 60)
    one = memory.weight
    memory.put("a", _window(10), 60)
    assert memory.weight == one
    memory.put("gone", _window(10), -1)  # already expired
    assert memory.weight == 2 * one
    assert memory.get("gone") is None
    assert memory.weight == one
    memory.clear()
    assert memory.weight == 0 and len(memory) == 0


def test_the_count_still_bounds_a_memory_without_a_byte_budget(settings):
    settings.SMARTY_LOCAL_DEVICE_ENTRIES = 3
    memory = LocalValues("SMARTY_LOCAL_DEVICE_ENTRIES", 10_000)
    for n in range(5):
        memory.put(f"d{n}", _window(50), 60)
    assert len(memory) == 3 and memory.weight == 0
    assert memory.get("d0") is None and memory.get("d4") is not None


def test_a_memory_follows_new_limits_after_it_was_used(settings):
    """A memory keeps its limits between puts and reads them again when the settings change."""
    memory = LocalValues("SMARTY_LOCAL_DEVICE_ENTRIES", 10_000)
    settings.SMARTY_LOCAL_DEVICE_ENTRIES = 4
    for n in range(6):
        memory.put(f"d{n}", n + 1000, 60)
    assert len(memory) == 4
    settings.SMARTY_LOCAL_DEVICE_ENTRIES = 2
    memory.put("d6", 1006, 60)
    assert len(memory) == 2 and memory.get("d6") == 1006 and memory.get("d5") == 1005
    settings.SMARTY_LOCAL_DEVICE_ENTRIES = 0  # off: nothing more is kept
    memory.put("d7", 1007, 60)
    assert memory.get("d7") is None
    settings.SMARTY_CACHE_TIMEOUT = 0  # the default timeout too: a value without its own expires at once
    settings.SMARTY_LOCAL_DEVICE_ENTRIES = 10
    memory.put("d8", 1008)
    assert memory.get("d8") is None and memory.get("d6") == 1006
