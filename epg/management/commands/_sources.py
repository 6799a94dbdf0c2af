"""Shared argument handling of the EPG commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from epg.models import EpgSource


def resolve_source(*, source_id: int | None, source_name: str | None, required: bool) -> EpgSource | None:
    """The EpgSource given by id or by name (or None when neither is given and not required)."""
    if source_id is not None and source_name:
        raise CommandError("give the source by id or by name, not both")
    if source_id is not None:
        source = EpgSource.objects.filter(pk=source_id).first()
        if source is None:
            raise CommandError(f"no EPG source with id {source_id}")
        return source
    if source_name:
        source = EpgSource.objects.filter(name=source_name).first()
        if source is None:
            raise CommandError(f"no EPG source named {source_name!r}")
        return source
    if required:
        raise CommandError("give --epg_source_id or --epg_source_name")
    return None
