"""Operations the admin performs on any ordered model (the sort-order arrows)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models, transaction


def ordered_move(
    *,
    obj: models.Model,
    direction: str,
    scope: models.QuerySet,
    field: str = "sort_order",
    on_change: Callable[[], None] | None = None,
) -> bool:
    """Move `obj` one place up or down among `scope` (ordered by `field`, then id). The
    order is renumbered 0..n-1 on the way, so equal or sparse sort values (rows created
    without a position) still move one step. Returns False at either end. `on_change` is
    called after the renumbering, in the transaction: the bulk update sends no signal, so it
    invalidates the caches that show the order."""
    with transaction.atomic():
        rows = list(scope.select_for_update().order_by(field, "pk").only("pk", field))
        index = next((i for i, row in enumerate(rows) if row.pk == obj.pk), None)
        if index is None:
            return False
        other = index - 1 if direction == "up" else index + 1
        if other < 0 or other >= len(rows):
            return False
        rows[index], rows[other] = rows[other], rows[index]
        changed = []
        for position, row in enumerate(rows):
            if getattr(row, field) != position:
                setattr(row, field, position)
                changed.append(row)
        type(obj)._default_manager.bulk_update(changed, [field])
        if on_change is not None:
            on_change()
    setattr(obj, field, next(getattr(r, field) for r in rows if r.pk == obj.pk))
    return True


def ordered_end_position(*, scope: models.QuerySet, field: str = "sort_order") -> int:
    """The position after the last row of `scope`: where a new row goes when nobody chose
    one (the seed's lists show new rows at the end, not among the first ones)."""
    top = scope.aggregate(top=models.Max(field))["top"]
    return 0 if top is None else top + 1
