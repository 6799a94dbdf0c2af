"""Model instances made from what a process keeps in memory, without Django's per-field work.

Every device request turns the records of its session, account and operator (kept in the
process's memory, see accounts.selectors) into model instances the views can use and change.
Model.__init__, copy.copy() (pickling's __reduce__ and __setstate__) and the related-object
descriptors' checks took about a fifth of a warm `account/status`. These helpers do the same
for the plain cases the hot path has: concrete columns only, no memoryview values, related
objects already known to match their foreign key.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


def _state(adding: bool, db: str | None, fields_cache: dict | None = None) -> ModelState:
    state = ModelState()
    state.adding, state.db = adding, db
    if fields_cache:
        state.fields_cache = fields_cache
    return state


def from_values(
    model: type[M], names: tuple[str, ...], values: tuple, mutable: tuple[str, ...] = (), db: str = "default"
) -> M:
    """What Model.from_db makes of these column values (the model's other fields deferred).
    `mutable` names the columns whose values may be dicts or lists (JSON): each instance gets
    its own copy of those, never the one the caller keeps."""
    if len(names) != len(values):
        raise ValueError(f"{model.__name__}: {len(values)} values for {len(names)} columns")
    row = model.__new__(model)
    columns = row.__dict__
    columns["_state"] = _state(False, db)
    columns.update(zip(names, values, strict=False))
    for name in mutable:
        value = columns[name]
        if isinstance(value, dict | list):
            columns[name] = json_copy(value)
    return row


def json_copy(value):
    """A deep copy of a JSON value (dicts, lists and immutable leaves; no cycles, nothing
    shared that must stay shared): what copy.deepcopy makes of it, without its memo."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind is tuple:  # set in Python code before the row was saved
        return tuple(json_copy(item) for item in value)
    return value


def shallow_copy(row: M) -> M:
    """copy.copy(row) for an instance of plain column values: its own attribute dict and
    related-object cache, the values themselves shared (as copy.copy shares them)."""
    new = row.__class__.__new__(row.__class__)
    columns = row.__dict__.copy()
    old = columns["_state"]
    columns["_state"] = _state(old.adding, old.db, dict(old.fields_cache))
    new.__dict__ = columns
    return new


def attach(row: Model, name: str, related: Model | None) -> None:
    """`row.<name> = related` for a forward foreign key whose column already holds related's
    key (the records were read together): the related object cached as the descriptor would
    cache it, without its type and database-router checks. A mismatch is a programming error."""
    field = row._meta.get_field(name)
    key = getattr(row, field.attname)
    if (related.pk if related is not None else None) != key:
        raise ValueError(f"{type(row).__name__}.{name}: {key!r} is not the key of the object given")
    row._state.fields_cache[field.cache_name] = related
