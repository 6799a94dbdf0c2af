"""Writes to the video library, shared by the Content API, the TVMW video methods, Billing,
the admin and the commands (CONVENTIONS.md: one door per action).

Every function is keyword-only, runs in one transaction and validates with full_clean.
Ids of related rows are checked against the operator: an unknown or another operator's id
raises NotFoundError naming the parameter, and nothing is written. Plain attributes are
passed as `attrs` and checked against the model's editable fields (UnknownFieldError).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Avg, Count, Max
from django.utils import timezone

from accounts.models import Account
from channels.models import Camera, Channel, Radio
from clients.services import clone_rows, clone_with_tariffs
from streaming.models import StreamService
from tariffs.models import Tariff

from .invalidation import account_videos_changed, library_changed
from .models import (
    AccountVideo,
    AccountVideoFile,
    Actor,
    Episode,
    PriceCategory,
    ProgramBlocking,
    Seance,
    SeanceTicket,
    Season,
    Selection,
    SelectionItem,
    SkipVideoFragment,
    TargetBanner,
    Video,
    VideoActor,
    VideoFile,
    VideoGenre,
    VideoProvider,
    VideoPurchase,
)


class VodError(Exception):
    """Base of the library's refusals."""


class NotFoundError(VodError):
    def __init__(self, field: str, missing: Iterable[object] = ()) -> None:
        self.field = field
        self.missing = sorted(str(m) for m in missing)
        super().__init__(f"{field}: not found" + (f" ({', '.join(self.missing)})" if self.missing else ""))


class ExtIdTakenError(VodError):
    def __init__(self, ext_id: str) -> None:
        self.ext_id = ext_id
        super().__init__(f"ext_id {ext_id!r} is taken by another video")


class UnknownFieldError(VodError):
    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(names)
        super().__init__("unknown fields: " + ", ".join(self.names))


class TicketCodeTakenError(VodError):
    pass


class AlreadyInSelectionError(VodError):
    pass


class PurchaseNotFoundError(VodError):
    pass


class NotEnoughMoneyError(VodError):
    pass


# --- helpers --------------------------------------------------------------------------------

_NEVER = {"id", "client", "ext_id_key", "created_at", "updated_at"}


def _editable(model: type[models.Model]) -> set[str]:
    return {
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and not f.many_to_many and not f.is_relation and f.name not in _NEVER
    } | {
        f.name + "_id"
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and f.many_to_one and f.name != "client"
    }


def editable_fields(model: type[models.Model]) -> set[str]:
    """The attribute names the services accept in `attrs` for rows of `model`."""
    return _editable(model)


def _apply(obj: models.Model, attrs: Mapping[str, Any] | None) -> None:
    if not attrs:
        return
    unknown = set(attrs) - _editable(type(obj))
    if unknown:
        raise UnknownFieldError(unknown)
    for name, value in attrs.items():
        setattr(obj, name, value)


def _save(obj: models.Model, *, exclude: Sequence[str] = ()) -> None:
    obj.full_clean(exclude=["client", *exclude], validate_unique=False, validate_constraints=False)
    obj.save()


def _owned(model: type[models.Model], client_id: int, ids: Iterable[int], field: str) -> list[int]:
    """The ids, in the order given, after checking that all belong to the operator."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if not wanted:
        return []
    found = set(model.objects.filter(client_id=client_id, pk__in=wanted).values_list("id", flat=True))
    missing = set(wanted) - found
    if missing:
        raise NotFoundError(field, missing)
    return wanted


def _owned_one(model: type[models.Model], client_id: int, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(client_id=client_id, pk=pk).first()
    if obj is None:
        raise NotFoundError(field, [pk])
    return obj


def _client_id(client: Any) -> int:
    return int(getattr(client, "pk", client))


def _next_sort(qs: models.QuerySet) -> int:
    return (qs.aggregate(m=Max("sort_order"))["m"] or 0) + 1


def _place_after(obj: models.Model, siblings: models.QuerySet, after_id: int | None, field: str) -> None:
    """Put `obj` right after sibling `after_id` (sort_after_*), shifting the later ones."""
    if after_id is None:
        return
    anchor = siblings.filter(pk=after_id).exclude(pk=obj.pk).first()
    if anchor is None:
        raise NotFoundError(field, [after_id])
    siblings.filter(sort_order__gt=anchor.sort_order).exclude(pk=obj.pk).update(sort_order=models.F("sort_order") + 1)
    obj.sort_order = anchor.sort_order + 1
    obj.save(update_fields=["sort_order"])


def _touch(video_id: int) -> None:
    Video.objects.filter(pk=video_id).update(content_updated_at=timezone.now())


# --- videos ---------------------------------------------------------------------------------


def _set_video_relations(
    video: Video,
    *,
    genre_ids: Sequence[int] | None,
    tariff_ids: Sequence[int] | None,
    actor_ids: Sequence[int] | None,
    similar_ids: Sequence[int] | None,
    package_ids: Sequence[int] | None,
    stream_service_ids: Sequence[int] | None,
) -> None:
    cid = video.client_id
    if genre_ids is not None:
        video.genres.set(_owned(VideoGenre, cid, genre_ids, "genres"))
    if tariff_ids is not None:
        video.tariffs.set(_owned(Tariff, cid, tariff_ids, "tariffs"))
    if stream_service_ids is not None:
        video.stream_services.set(_owned(StreamService, cid, stream_service_ids, "stream_services"))
    if similar_ids is not None:
        video.similar.set([i for i in _owned(Video, cid, similar_ids, "similar_set") if i != video.pk])
    if package_ids is not None:
        video.package_videos.set([i for i in _owned(Video, cid, package_ids, "package_videos") if i != video.pk])
        Video.objects.filter(pk=video.pk).update(is_package=bool(package_ids))
    if actor_ids is not None:
        ids = _owned(Actor, cid, actor_ids, "actors_set")
        VideoActor.objects.filter(video=video).exclude(actor_id__in=ids).delete()
        for order, actor_id in enumerate(ids):
            VideoActor.objects.update_or_create(video=video, actor_id=actor_id, defaults={"sort_order": order})


def _check_video_refs(client_id: int, attrs: Mapping[str, Any]) -> None:
    for name, model in (("provider_id", VideoProvider), ("price_category_id", PriceCategory)):
        if attrs.get(name) is not None:
            _owned_one(model, client_id, attrs[name], name.removesuffix("_id"))


def video_create(
    *,
    client: Any,
    name: str,
    attrs: Mapping[str, Any] | None = None,
    genre_ids: Sequence[int] | None = None,
    tariff_ids: Sequence[int] | None = None,
    actor_ids: Sequence[int] | None = None,
    similar_ids: Sequence[int] | None = None,
    package_ids: Sequence[int] | None = None,
    stream_service_ids: Sequence[int] | None = None,
    files: Sequence[Mapping[str, Any]] = (),
    seasons: Sequence[Mapping[str, Any]] = (),
    episodes: Sequence[Mapping[str, Any]] = (),
) -> Video:
    """A video with its relations, its assets (`files`: attrs of VideoFile), and for a series
    its seasons (each may carry `episodes`, each episode its `files`) and season-less
    `episodes`: all in one transaction. Raises ValidationError, NotFoundError,
    ExtIdTakenError, UnknownFieldError."""
    cid = _client_id(client)
    attrs = dict(attrs or {})
    video = Video(client_id=cid, name=name)
    _apply(video, attrs)
    _check_video_refs(cid, attrs)
    with transaction.atomic():
        try:
            with transaction.atomic():
                _save(video)
        except IntegrityError:
            raise ExtIdTakenError(video.ext_id) from None
        _set_video_relations(
            video,
            genre_ids=genre_ids,
            tariff_ids=tariff_ids,
            actor_ids=actor_ids,
            similar_ids=similar_ids,
            package_ids=package_ids,
            stream_service_ids=stream_service_ids,
        )
        for file_attrs in files:
            video_file_create(video=video, attrs=file_attrs)
        for season_attrs in seasons:
            season_attrs = dict(season_attrs)
            season_episodes = season_attrs.pop("episodes", ())
            season = season_create(video=video, name=season_attrs.pop("name", ""), attrs=season_attrs)
            for episode_attrs in season_episodes:
                _episode_with_files(video, season, episode_attrs)
        for episode_attrs in episodes:
            _episode_with_files(video, None, episode_attrs)
    return video


def _episode_with_files(video: Video, season: Season | None, attrs: Mapping[str, Any]) -> Episode:
    attrs = dict(attrs)
    episode_files = attrs.pop("files", ())
    episode = episode_create(video=video, season=season, name=attrs.pop("name", ""), attrs=attrs)
    for file_attrs in episode_files:
        video_file_create(video=video, episode=episode, attrs=file_attrs)
    return episode


def video_modify(
    *,
    video: Video,
    attrs: Mapping[str, Any] | None = None,
    genre_ids: Sequence[int] | None = None,
    tariff_ids: Sequence[int] | None = None,
    actor_ids: Sequence[int] | None = None,
    similar_ids: Sequence[int] | None = None,
    similar_add: Sequence[int] = (),
    similar_remove: Sequence[int] = (),
    package_ids: Sequence[int] | None = None,
    stream_service_ids: Sequence[int] | None = None,
) -> Video:
    """Change the given attributes and relations (None: unchanged). Raises like video_create."""
    attrs = dict(attrs or {})
    _apply(video, attrs)
    _check_video_refs(video.client_id, attrs)
    with transaction.atomic():
        try:
            with transaction.atomic():
                _save(video)
        except IntegrityError:
            raise ExtIdTakenError(video.ext_id) from None
        _set_video_relations(
            video,
            genre_ids=genre_ids,
            tariff_ids=tariff_ids,
            actor_ids=actor_ids,
            similar_ids=similar_ids,
            package_ids=package_ids,
            stream_service_ids=stream_service_ids,
        )
        if similar_add:
            video.similar.add(*[i for i in _owned(Video, video.client_id, similar_add, "similar_add") if i != video.pk])
        if similar_remove:
            video.similar.remove(*_owned(Video, video.client_id, similar_remove, "similar_remove"))
    return video


def video_delete(*, video: Video) -> None:
    """Delete a video with its seasons, episodes, assets and account state."""
    with transaction.atomic():
        video.delete()


# --- seasons, episodes, assets, skip fragments ----------------------------------------------


def season_create(
    *, video: Video, name: str, attrs: Mapping[str, Any] | None = None, sort_after: int | None = None
) -> Season:
    """A season at the end of the video's seasons (or after `sort_after`)."""
    with transaction.atomic():
        siblings = Season.objects.filter(video=video)
        season = Season(client_id=video.client_id, video=video, name=name)
        season.number = siblings.count() + 1
        season.sort_order = _next_sort(siblings)
        _apply(season, attrs)
        _save(season, exclude=["video"])
        _place_after(season, siblings, sort_after, "sort_after_sid")
        Video.objects.filter(pk=video.pk).update(is_season=True, content_updated_at=timezone.now())
    return season


def season_modify(*, season: Season, attrs: Mapping[str, Any] | None = None, sort_after: int | None = None) -> Season:
    with transaction.atomic():
        _apply(season, attrs)
        _save(season, exclude=["video"])
        _place_after(season, Season.objects.filter(video_id=season.video_id), sort_after, "sort_after_sid")
        _touch(season.video_id)
    return season


def season_delete(*, season: Season) -> None:
    with transaction.atomic():
        video_id = season.video_id
        season.delete()
        _touch(video_id)


def episode_create(
    *,
    video: Video,
    name: str,
    season: Season | None = None,
    attrs: Mapping[str, Any] | None = None,
    sort_after: int | None = None,
) -> Episode:
    """An episode of the video (in `season`, which must be the video's)."""
    if season is not None and season.video_id != video.pk:
        raise NotFoundError("season_id", [season.pk])
    with transaction.atomic():
        siblings = Episode.objects.filter(video=video, season=season)
        episode = Episode(client_id=video.client_id, video=video, season=season, name=name)
        episode.number = siblings.count() + 1
        episode.sort_order = _next_sort(siblings)
        _apply(episode, attrs)
        _save(episode, exclude=["video", "season"])
        _place_after(episode, siblings, sort_after, "sort_after_eid")
        Video.objects.filter(pk=video.pk).update(is_season=True, content_updated_at=timezone.now())
    return episode


def episode_modify(
    *, episode: Episode, attrs: Mapping[str, Any] | None = None, sort_after: int | None = None
) -> Episode:
    with transaction.atomic():
        _apply(episode, attrs)
        _save(episode, exclude=["video", "season"])
        siblings = Episode.objects.filter(video_id=episode.video_id, season_id=episode.season_id)
        _place_after(episode, siblings, sort_after, "sort_after_eid")
        _touch(episode.video_id)
    return episode


def episode_delete(*, episode: Episode) -> None:
    with transaction.atomic():
        video_id = episode.video_id
        episode.delete()
        _touch(video_id)


def video_file_create(
    *,
    video: Video,
    attrs: Mapping[str, Any] | None = None,
    episode: Episode | None = None,
    sort_after: int | None = None,
) -> VideoFile:
    """An asset of the video (or of one of its episodes)."""
    attrs = dict(attrs or {})
    if episode is None and attrs.get("episode_id") is not None:
        episode = Episode.objects.filter(video=video, pk=attrs["episode_id"]).first()
        if episode is None:
            raise NotFoundError("episode_id", [attrs["episode_id"]])
    attrs.pop("episode_id", None)
    if episode is not None and episode.video_id != video.pk:
        raise NotFoundError("episode_id", [episode.pk])
    with transaction.atomic():
        siblings = VideoFile.objects.filter(video=video)
        vf = VideoFile(client_id=video.client_id, video=video, episode=episode)
        vf.sort_order = _next_sort(siblings)
        _apply(vf, attrs)
        _save(vf, exclude=["video", "episode"])
        _place_after(vf, siblings, sort_after, "sort_after_vfid")
        _touch(video.pk)
    return vf


def video_file_modify(*, video_file: VideoFile, attrs: Mapping[str, Any] | None = None) -> VideoFile:
    attrs = dict(attrs or {})
    if "episode_id" in attrs and attrs["episode_id"] is not None:
        if not Episode.objects.filter(video_id=video_file.video_id, pk=attrs["episode_id"]).exists():
            raise NotFoundError("episode_id", [attrs["episode_id"]])
    with transaction.atomic():
        _apply(video_file, attrs)
        _save(video_file, exclude=["video", "episode"])
        _touch(video_file.video_id)
    return video_file


def video_file_delete(*, video_file: VideoFile) -> None:
    with transaction.atomic():
        video_id = video_file.video_id
        video_file.delete()
        _touch(video_id)


def _check_fragment(fragment: SkipVideoFragment) -> None:
    if fragment.begin_time < 0 or fragment.end_time <= fragment.begin_time:
        raise ValidationError({"end_time": ["must be after begin_time (and begin_time not negative)"]})


def skip_fragment_create(
    *, video_file: VideoFile, type: int, begin_time: Decimal, end_time: Decimal
) -> SkipVideoFragment:
    """A skippable part of an asset (intro, recap, credits, advertising)."""
    fragment = SkipVideoFragment(
        client_id=video_file.client_id, video_file=video_file, type=type, begin_time=begin_time, end_time=end_time
    )
    _check_fragment(fragment)
    with transaction.atomic():
        _save(fragment, exclude=["video_file"])
    return fragment


def skip_fragment_modify(*, fragment: SkipVideoFragment, attrs: Mapping[str, Any]) -> SkipVideoFragment:
    attrs = dict(attrs)
    if attrs.get("video_file_id") is not None:
        _owned_one(VideoFile, fragment.client_id, attrs["video_file_id"], "vfid")
    _apply(fragment, attrs)
    _check_fragment(fragment)
    with transaction.atomic():
        _save(fragment, exclude=["video_file"])
    return fragment


def skip_fragment_delete(*, fragment: SkipVideoFragment) -> None:
    with transaction.atomic():
        fragment.delete()


# --- people, genres, providers --------------------------------------------------------------


def actor_create(*, client: Any, name: str, attrs: Mapping[str, Any] | None = None) -> Actor:
    """A person of the library (actor or director)."""
    actor = Actor(client_id=_client_id(client), name=name)
    _apply(actor, attrs)
    with transaction.atomic():
        _save(actor)
    return actor


def actor_modify(*, actor: Actor, attrs: Mapping[str, Any]) -> Actor:
    _apply(actor, attrs)
    with transaction.atomic():
        _save(actor)
    return actor


def video_credit_save(
    *, video: Video, actor_id: int, role: str = "", sort_order: int = 0, credit: VideoActor | None = None
) -> VideoActor:
    """A person in the credits of a video (the admin's inline rows): added, or changed when
    `credit` is given. The person must be the video's operator's."""
    _owned(Actor, video.client_id, [actor_id], "actor")
    credit = credit or VideoActor(video=video)
    credit.actor_id, credit.role, credit.sort_order = actor_id, role, sort_order
    with transaction.atomic():
        credit.full_clean(exclude=["video"], validate_unique=False, validate_constraints=False)
        credit.save()
        _touch(video.pk)
    return credit


def video_credit_delete(*, credit: VideoActor) -> None:
    with transaction.atomic():
        credit.delete()
        _touch(credit.video_id)


def actor_delete(*, actor: Actor) -> None:
    with transaction.atomic():
        actor.delete()


def genre_create(*, client: Any, name: str, attrs: Mapping[str, Any] | None = None) -> VideoGenre:
    """A genre (or genre-category) at the end of the operator's genres."""
    cid = _client_id(client)
    genre = VideoGenre(client_id=cid, name=name, sort_order=_next_sort(VideoGenre.objects.for_client(cid)))
    _apply(genre, attrs)
    with transaction.atomic():
        _save(genre)
    return genre


def provider_create(*, client: Any, name: str, attrs: Mapping[str, Any] | None = None) -> VideoProvider:
    """A content provider."""
    provider = VideoProvider(client_id=_client_id(client), name=name)
    _apply(provider, attrs)
    with transaction.atomic():
        _save(provider)
    return provider


# --- selections ------------------------------------------------------------------------------


def _selection_targets(selection: Selection, ids: Sequence[int], field: str) -> list[int]:
    """Check that the objects exist for the operator (videos, channels, cameras, radio)."""

    models_by_type = {
        Selection.ContentType.VIDEO: Video,
        Selection.ContentType.CHANNEL: Channel,
        Selection.ContentType.CAMERA: Camera,
        Selection.ContentType.RADIO: Radio,
    }
    model = models_by_type.get(selection.content_type)
    if model is None:
        return list(dict.fromkeys(int(i) for i in ids))
    return _owned(model, selection.client_id, ids, field)


def _selection_set(selection: Selection, ids: Sequence[int]) -> None:
    SelectionItem.objects.filter(selection=selection).delete()
    SelectionItem.objects.bulk_create(
        [SelectionItem(selection=selection, object_id=i, sort_order=n) for n, i in enumerate(ids)]
    )
    library_changed(selection.client_id)


def selection_create(
    *, client: Any, name: str, content_type: int, attrs: Mapping[str, Any] | None = None, items: Sequence[int] = ()
) -> Selection:
    """A selection with its items in the given order."""
    cid = _client_id(client)
    selection = Selection(
        client_id=cid,
        name=name,
        content_type=content_type,
        sort_order=_next_sort(Selection.objects.for_client(cid)),
    )
    _apply(selection, attrs)
    with transaction.atomic():
        _save(selection)
        _selection_set(selection, _selection_targets(selection, items, "items_set"))
    return selection


def selection_modify(
    *,
    selection: Selection,
    attrs: Mapping[str, Any] | None = None,
    items_set: Sequence[int] | None = None,
    items_add: Sequence[int] = (),
    items_remove: Sequence[int] = (),
) -> Selection:
    """Change a selection; a new content type drops the items of the old one. Raises
    AlreadyInSelectionError when `items_add` names an item already there."""
    old_type = selection.content_type
    _apply(selection, attrs)
    with transaction.atomic():
        _save(selection)
        if selection.content_type != old_type and items_set is None:
            _selection_set(selection, [])
        if items_set is not None:
            _selection_set(selection, _selection_targets(selection, items_set, "items_set"))
        if items_add:
            ids = _selection_targets(selection, items_add, "items_add")
            if SelectionItem.objects.filter(selection=selection, object_id__in=ids).exists():
                raise AlreadyInSelectionError("items_add: already in the selection")
            start = _next_sort(SelectionItem.objects.filter(selection=selection))
            SelectionItem.objects.bulk_create(
                [SelectionItem(selection=selection, object_id=i, sort_order=start + n) for n, i in enumerate(ids)]
            )
            library_changed(selection.client_id)
        if items_remove:
            SelectionItem.objects.filter(selection=selection, object_id__in=list(items_remove)).delete()
            library_changed(selection.client_id)
    return selection


def selection_delete(*, selection: Selection) -> None:
    with transaction.atomic():
        selection.delete()


# --- seances and tickets ---------------------------------------------------------------------


def seance_create(
    *, video: Video, date_start: dt.datetime, date_end: dt.datetime | None = None, video_file: VideoFile | None = None
) -> Seance:
    """A showing of a video; its end defaults to the start plus the asset's (or the video's)
    duration."""
    if video_file is not None and video_file.video_id != video.pk:
        raise NotFoundError("vfid", [video_file.pk])
    if video_file is None:
        video_file = VideoFile.objects.filter(video=video, is_trailer=False).order_by("sort_order", "id").first()
    if date_end is None:
        seconds = (video_file.duration if video_file is not None else 0) or video.duration * 60 or 3600
        date_end = date_start + dt.timedelta(seconds=seconds)
    if date_end <= date_start:
        raise ValidationError({"date_end": ["must be after date_start"]})
    seance = Seance(
        client_id=video.client_id, video=video, video_file=video_file, date_start=date_start, date_end=date_end
    )
    with transaction.atomic():
        _save(seance, exclude=["video", "video_file"])
    return seance


def seance_delete(*, seance: Seance) -> None:
    with transaction.atomic():
        seance.delete()


def seance_ticket_create(*, seance: Seance, code: str | None = None) -> SeanceTicket:
    """A ticket with the given code or a random 8-digit one. Raises TicketCodeTakenError."""
    for _attempt in range(5):
        value = code if code else f"{secrets.randbelow(90_000_000) + 10_000_000}"
        ticket = SeanceTicket(client_id=seance.client_id, seance=seance, code=value)
        try:
            with transaction.atomic():
                _save(ticket, exclude=["seance"])
            return ticket
        except IntegrityError:
            if code:
                raise TicketCodeTakenError(f"code {code} is already used") from None
    raise TicketCodeTakenError("could not draw a free code")


def seance_ticket_delete(*, ticket: SeanceTicket) -> None:
    with transaction.atomic():
        ticket.delete()


def seance_ticket_use(*, ticket: SeanceTicket, account: Any) -> bool:
    """Bind a ticket to the account that first uses it; False when another account has it."""
    if ticket.revoked_at is not None:
        return False
    if ticket.account_id is None:
        won = SeanceTicket.objects.filter(pk=ticket.pk, account__isnull=True, revoked_at__isnull=True).update(
            account=account
        )
        if won:
            ticket.account_id = account.pk
            return True
        ticket.refresh_from_db()
    return ticket.account_id == account.pk and ticket.revoked_at is None


def seance_ticket_revoke(*, ticket: SeanceTicket) -> None:
    """Give a ticket back (the account may no longer watch with it)."""
    with transaction.atomic():
        SeanceTicket.objects.filter(pk=ticket.pk).update(revoked_at=timezone.now())
        library_changed(ticket.client_id)


# --- banners and programme blocking ---------------------------------------------------------


def target_banner_create(
    *,
    client: Any,
    name: str,
    published_from: dt.date,
    published_to: dt.date,
    attrs: Mapping[str, Any] | None = None,
    account_ids: Sequence[int] | None = None,
    tariff_ids: Sequence[int] | None = None,
    sort_after: int | None = None,
) -> TargetBanner:
    """A banner for chosen accounts/tariffs in a date window."""
    cid = _client_id(client)
    banner = TargetBanner(client_id=cid, name=name, published_from=published_from, published_to=published_to)
    banner.sort_order = _next_sort(TargetBanner.objects.for_client(cid))
    _apply(banner, attrs)
    with transaction.atomic():
        _save(banner)
        _banner_relations(banner, account_ids, tariff_ids)
        _place_after(banner, TargetBanner.objects.for_client(cid), sort_after, "sort_after_tbid")
    return banner


def _banner_relations(
    banner: TargetBanner, account_ids: Sequence[int] | None, tariff_ids: Sequence[int] | None
) -> None:
    if banner.published_to < banner.published_from:
        raise ValidationError({"published_to": ["must not be before published_from"]})
    if account_ids is not None:
        banner.accounts.set(_owned(Account, banner.client_id, account_ids, "account_ids"))
    if tariff_ids is not None:
        banner.tariffs.set(_owned(Tariff, banner.client_id, tariff_ids, "tariff_ids"))


def target_banner_modify(
    *,
    banner: TargetBanner,
    attrs: Mapping[str, Any] | None = None,
    account_ids: Sequence[int] | None = None,
    tariff_ids: Sequence[int] | None = None,
    sort_after: int | None = None,
) -> TargetBanner:
    _apply(banner, attrs)
    with transaction.atomic():
        _save(banner)
        _banner_relations(banner, account_ids, tariff_ids)
        _place_after(banner, TargetBanner.objects.for_client(banner.client_id), sort_after, "sort_after_tbid")
    return banner


def target_banner_delete(*, banner: TargetBanner) -> None:
    with transaction.atomic():
        banner.delete()


def program_blocking_create(*, client: Any, program: Any, days: int | None = None) -> ProgramBlocking:
    """Forbid watching a programme's recording (for `days`, or for good)."""
    end = timezone.now() + dt.timedelta(days=days) if days else None
    with transaction.atomic():
        blocking = ProgramBlocking(client_id=_client_id(client), program=program, end_date=end)
        _save(blocking, exclude=["program"])
    return blocking


# --- account state ---------------------------------------------------------------------------


def _account_video(account: Any, video_id: int) -> AccountVideo:
    row, _ = AccountVideo.objects.select_for_update().get_or_create(
        account=account, video_id=video_id, defaults={"client_id": account.client_id}
    )
    return row


def account_video_favorite_set(*, account: Any, video_ids: Mapping[int, bool]) -> None:
    """Add or remove videos from the account's favourites ({video id: favourite})."""
    ids = _owned(Video, account.client_id, video_ids.keys(), "vid")
    now = timezone.now()
    with transaction.atomic():
        for video_id in ids:
            row = _account_video(account, video_id)
            row.is_favorited = bool(video_ids[video_id])
            row.favorited_at = now if row.is_favorited else None
            row.save(update_fields=["is_favorited", "favorited_at", "updated_at"])
        account_videos_changed(account.pk)


def video_rating_set(*, account: Any, video: Video, rating: int) -> float:
    """The account's mark 1..10 (a new mark replaces the old); returns the new average."""
    if not 1 <= int(rating) <= 10:
        raise ValidationError({"rating": ["from 1 to 10"]})
    with transaction.atomic():
        row = _account_video(account, video.pk)
        row.rating = int(rating)
        row.save(update_fields=["rating", "updated_at"])
        stats = AccountVideo.objects.filter(video=video, rating__isnull=False).aggregate(
            avg=Avg("rating"), n=Count("id")
        )
        average = round(float(stats["avg"] or 0), 2)
        Video.objects.filter(pk=video.pk).update(average_customers_rating=average, number_of_ratings=stats["n"])
        account_videos_changed(account.pk)
        library_changed(video.client_id)
    return average


LISTINGS = ("is_viewing", "viewed_only", "history_only")


def account_video_listing_delete(*, account: Any, video_ids: Sequence[int], listing: str) -> None:
    """Take videos off the account's "watching", "watched" or both lists."""
    ids = _owned(Video, account.client_id, video_ids, "vid")
    changes = {
        "is_viewing": {"is_viewing": False},
        "viewed_only": {"is_viewed": False},
        "history_only": {"is_viewing": False, "is_viewed": False},
    }[listing]
    with transaction.atomic():
        AccountVideo.objects.filter(account=account, video_id__in=ids).update(**changes)
        account_videos_changed(account.pk)


def account_video_position_set(
    *, account: Any, video_file: VideoFile, position: int, finished: bool = False
) -> AccountVideo:
    """Where the account stopped watching an asset (the player's report)."""

    with transaction.atomic():
        row = _account_video(account, video_file.video_id)
        row.position, row.position_file, row.is_viewing = max(0, int(position)), video_file, not finished
        if finished:
            row.is_viewed, row.viewed_at = True, timezone.now()
        row.save()
        AccountVideoFile.objects.update_or_create(
            account=account,
            video_file=video_file,
            defaults={"client_id": account.client_id, "position": max(0, int(position)), "is_viewed": finished},
        )
        account_videos_changed(account.pk)
    return row


# --- purchases -------------------------------------------------------------------------------


def video_purchase_grant(
    *,
    customer: Any,
    video: Video,
    price: Decimal = Decimal("0"),
    available_until: dt.datetime | None = None,
    transaction_row: Any = None,
    account: Any = None,
) -> VideoPurchase:
    """Open a bought (or, with `available_until`, rented) video to the customer's accounts."""
    if video.client_id != customer.client_id:
        raise NotFoundError("video_ext_id", [video.pk])
    with transaction.atomic():
        purchase = VideoPurchase.objects.create(
            client_id=customer.client_id,
            customer=customer,
            account=account,
            video=video,
            transaction=transaction_row,
            price=price,
            available_until=available_until,
        )
    return purchase


def video_purchase_from_transaction(*, transaction_row: Any) -> VideoPurchase | None:
    """Billing's transaction/create with transaction_type 1: the purchase of the video it
    names by ext_id (nothing for other transactions)."""
    if transaction_row.transaction_type != 1 or not transaction_row.video_ext_id:
        return None
    video = Video.objects.filter(client_id=transaction_row.client_id, ext_id=transaction_row.video_ext_id).first()
    if video is None:
        raise NotFoundError("video_ext_id", [transaction_row.video_ext_id])
    return video_purchase_grant(
        customer=transaction_row.customer,
        video=video,
        price=-transaction_row.amount if transaction_row.amount < 0 else Decimal("0"),
        available_until=transaction_row.video_available_until,
        transaction_row=transaction_row,
    )


def video_purchase_cancel(*, customer: Any, purchase_id: int) -> VideoPurchase:
    """Close an open purchase of the customer. Raises PurchaseNotFoundError."""
    with transaction.atomic():
        purchase = (
            VideoPurchase.objects.select_for_update()
            .filter(client_id=customer.client_id, customer=customer, pk=purchase_id, cancelled_at__isnull=True)
            .first()
        )
        if purchase is None:
            raise PurchaseNotFoundError(f"purchase {purchase_id} not found")
        purchase.cancelled_at = timezone.now()
        purchase.save(update_fields=["cancelled_at"])
    return purchase


# --- archive recordings as videos (make_vodpvr) -----------------------------------------------


@dataclass
class ArchiveSync:
    created: int = 0
    updated: int = 0
    removed: int = 0


def archive_videos_sync(*, client: Any, now: dt.datetime | None = None) -> ArchiveSync:
    """A video (source "EPG archive") for every recorded programme of the operator's channels
    that keep an archive, in step with the guide: new recordings get a video, moved or renamed
    programmes update theirs, and videos of programmes that left the archive (or the guide)
    are removed. Each video is visible in its channel's tariffs. Idempotent."""
    from epg.models import Program

    cid = _client_id(client)
    now = now or timezone.now()
    result = ArchiveSync()
    channels = list(
        Channel.objects.filter(client_id=cid, enabled=True, recording_days__gt=0, epg_channel__isnull=False)
    )
    channel_tariffs: dict[int, list[int]] = {}
    for channel_id, tariff_id in Channel.tariffs.through.objects.filter(
        channel_id__in=[c.pk for c in channels]
    ).values_list("channel_id", "tariff_id"):
        channel_tariffs.setdefault(channel_id, []).append(tariff_id)
    keep: set[int] = set()
    with transaction.atomic():
        existing = {
            v.program_id: v
            for v in Video.objects.filter(client_id=cid, video_source=Video.Source.ARCHIVE, program__isnull=False)
        }
        for channel in channels:
            since = now - dt.timedelta(days=channel.recording_days)
            programs = Program.objects.filter(
                epg_channel_id=channel.epg_channel_id, time_begin__gte=since, time_end__lte=now, is_blocked=False
            ).order_by("time_begin")
            for program in programs:
                fields = {
                    "name": program.name[:255] or channel.name,
                    **{f"name_lang{i}": getattr(program, f"name_lang{i}") for i in range(1, 6)},
                    "description": program.description,
                    "year": int(program.year[:4]) if program.year[:4].isdigit() else None,
                    "duration": max(1, int((program.time_end - program.time_begin).total_seconds()) // 60),
                    "channel_id": channel.pk,
                    "poster": program.preview[:255] if "://" in program.preview else "",
                    "meta": {"begin": int(program.time_begin.timestamp()), "end": int(program.time_end.timestamp())},
                }
                video = existing.get(program.pk)
                if video is None or video.channel_id != channel.pk:
                    if video is not None:
                        continue  # one recording per programme and operator (first channel wins)
                    video = Video(client_id=cid, video_source=Video.Source.ARCHIVE, program=program, **fields)
                    video.save()
                    video.tariffs.set(channel_tariffs.get(channel.pk, []))
                    VideoFile.objects.create(
                        client_id=cid, video=video, name=video.name, duration=fields["duration"] * 60
                    )
                    existing[program.pk] = video
                    result.created += 1
                elif any(getattr(video, k) != v for k, v in fields.items()):
                    for key, value in fields.items():
                        setattr(video, key, value)
                    video.save()
                    VideoFile.objects.filter(video=video).update(duration=fields["duration"] * 60)
                    result.updated += 1
                keep.add(video.pk)
        stale = Video.objects.filter(client_id=cid, video_source=Video.Source.ARCHIVE).exclude(pk__in=keep)
        result.removed = stale.count()
        stale.delete()
        library_changed(cid)
    return result


def videos_clone(*, source, new, options: Mapping[str, bool], context: dict) -> dict[str, int]:
    """client_clone's step (registered in VodConfig.ready()): the videos with their genres and
    tariffs, when `options` ask for them."""
    if not options.get("video"):
        return {}
    genres = clone_rows(VideoGenre.objects.filter(client=source), new)
    videos = clone_with_tariffs(
        Video.objects.filter(client=source), new, context["tariff_map"], many_to_many={"genres": genres}
    )
    return {"videos": videos}
