"""Writes of the portal app: viewing positions, game scores, HbbTV reports, ad impressions,
camera favourites. Typed keyword-only functions in a transaction; the API views, the admin
and the commands call these."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from smarty.logging import log_event

from . import models as m
from .feeds import FeedFetchError, fetch


@transaction.atomic
def content_position_set(
    *,
    account,
    content_type: str,
    content_id: int,
    asset_id: int,
    position: int,
    duration: int,
    is_viewed: bool | None,
) -> m.ContentPosition:
    """Remember where the account stopped; `is_viewed` defaults to "within the last 5% (or
    the last minute) of the duration"."""
    if is_viewed is None:
        is_viewed = bool(duration) and position >= duration - max(60, duration // 20)
    values = {"position": position, "duration": duration, "is_viewed": is_viewed}
    key = {
        "client_id": account.client_id,
        "account_id": account.pk,
        "content_type": content_type,
        "content_id": content_id,
        "asset_id": asset_id,
    }
    if m.ContentPosition.objects.filter(**key).update(**values):
        return m.ContentPosition.objects.get(**key)
    try:
        with transaction.atomic():
            return m.ContentPosition.objects.create(**key, **values)
    except IntegrityError:  # a concurrent first save of the same position
        m.ContentPosition.objects.filter(**key).update(**values)
        return m.ContentPosition.objects.get(**key)


@transaction.atomic
def content_position_delete(*, account, content_type: str, content_id: int, asset_id: int | None) -> int:
    """Forget a position (every asset of the content when asset_id is None); rows deleted."""
    qs = m.ContentPosition.objects.filter(
        client_id=account.client_id, account_id=account.pk, content_type=content_type, content_id=content_id
    )
    if asset_id is not None:
        qs = qs.filter(asset_id=asset_id)
    deleted, _ = qs.delete()
    return deleted


@transaction.atomic
def game_score_save(*, account, game: m.Game, score: int) -> m.GameScore:
    """Record one game played."""
    if game.client_id != account.client_id:
        raise ValueError("the game belongs to another operator")
    return m.GameScore.objects.create(client_id=account.client_id, game=game, account=account, score=score)


@transaction.atomic
def hbb_record_create(
    *,
    provider: m.HbbProvider,
    account,
    kind: str,
    event_id: str,
    events: list,
    error_info: object = None,
) -> m.HbbRecord:
    """Keep what a device reported of an interactive, for the statistics."""
    record = m.HbbRecord.objects.create(
        client_id=provider.client_id,
        provider=provider,
        account=account,
        kind=kind,
        event_id=event_id,
        events=events,
        error_info=error_info,
    )
    log_event(
        "smarty_portal",
        "HBB_EVENT_RECORDED",
        client_id=provider.client_id,
        provider_id=provider.pk,
        kind=kind,
        events=len(events),
    )
    return record


@transaction.atomic
def ad_impressions_record(*, account, block_ids: list[int], day: dt.date) -> None:
    """Count one impression of each block for the account and day (and in the block's total)."""
    for block_id in block_ids:
        key = {"client_id": account.client_id, "account_id": account.pk, "block_id": block_id, "day": day}
        if not m.AdImpression.objects.filter(**key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    m.AdImpression.objects.create(**key, count=1)
            except IntegrityError:
                m.AdImpression.objects.filter(**key).update(count=F("count") + 1)
    # The total is a statistic: an UPDATE does not fire post_save, so it does not bump the cache.
    m.AdBlock.objects.filter(client_id=account.client_id, pk__in=block_ids).update(impressions=F("impressions") + 1)


@transaction.atomic
def camera_favorite_set(*, account, camera_id: int, favorite: bool) -> None:
    """Add the camera to or remove it from the account's favourites."""
    key = {"client_id": account.client_id, "account_id": account.pk, "camera_id": camera_id}
    if favorite:
        m.CameraFavorite.objects.get_or_create(**key)
    else:
        m.CameraFavorite.objects.filter(**key).delete()


def data_source_fetch(*, source: m.DataSource) -> bool:
    """Fetch a widget data source. On success its data is replaced; on any failure (timeout,
    HTTP error, too large, garbage) the last good data stays, the failure is recorded on the
    source and logged. True when fresh data was stored."""
    now = timezone.now()
    try:
        data = fetch(source.kind, source.url)
    except FeedFetchError as exc:
        m.DataSource.objects.filter(pk=source.pk).update(
            attempted_at=now, status=m.DataSource.Status.FAILED, last_error=str(exc)[:2000]
        )
        log_event(
            "smarty_portal",
            "PORTAL_FEED_FETCH_FAILED",
            level="WARNING",
            client_id=source.client_id,
            source_id=source.pk,
            kind=source.kind,
            url=source.url,
            error=str(exc)[:500],
        )
        return False
    # A queryset update: fresh data is not a configuration change (no cache generation bump).
    m.DataSource.objects.filter(pk=source.pk).update(
        data=data, fetched_at=now, attempted_at=now, status=m.DataSource.Status.OK, last_error=""
    )
    log_event("smarty_portal", "PORTAL_FEED_FETCHED", client_id=source.client_id, source_id=source.pk, kind=source.kind)
    return True


def data_sources_fetch_due(*, client_id: int | None = None, force: bool = False) -> tuple[int, int]:
    """Fetch every enabled source whose last attempt is older than SMARTY_PORTAL_FEED_INTERVAL
    (all with force); (fetched, failed)."""
    qs = m.DataSource.objects.filter(enabled=True)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if not force:
        due = timezone.now() - dt.timedelta(minutes=settings.SMARTY_PORTAL_FEED_INTERVAL)
        qs = qs.filter(Q(attempted_at__isnull=True) | Q(attempted_at__lte=due))
    ok = failed = 0
    for source in qs.order_by("id"):
        if data_source_fetch(source=source):
            ok += 1
        else:
            failed += 1
    return ok, failed
