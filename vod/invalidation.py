"""Cache generations of the video library, the one place vod bumps them.

The library of an operator is one dependency (`library_dep`): any change to a video, its
seasons, episodes, assets, people, genres, selections, providers, seances or banners bumps it,
and every cached library value (device lists, details) is rebuilt on the next read. An
account's own state (favourites, ratings, positions, purchases) is its `account_video_dep`.

Signal handlers only bump (CONVENTIONS.md); they are connected in VodConfig.ready. Bulk
writes (`QuerySet.update()`, `bulk_create`) call `library_changed` / `account_videos_changed`
themselves.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import Account
from smarty.cache import bump_now_and_on_commit, dep

M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}
_UID = "vod-cache-generations"


def library_dep(client_id: int) -> str:
    """Generation of an operator's whole video library."""
    return dep("vod_library", client_id)


def account_video_dep(account_id: int) -> str:
    """Generation of one account's favourites, ratings, positions and purchases."""
    return dep("vod_account", account_id)


def library_changed(client_id: int) -> None:
    bump_now_and_on_commit(library_dep(client_id))


def account_videos_changed(*account_ids: int) -> None:
    bump_now_and_on_commit(*(account_video_dep(a) for a in account_ids))


def _library_row_changed(sender, instance, **kwargs) -> None:
    library_changed(instance.client_id)


def _child_row_changed(sender, instance, **kwargs) -> None:
    # Rows without their own operator column belong to their parent's operator.
    parent = getattr(instance, "video", None) or getattr(instance, "selection", None)
    if parent is not None:
        library_changed(parent.client_id)


def _library_m2m_changed(sender, instance, action, **kwargs) -> None:
    if action in M2M_ACTIONS:
        library_changed(instance.client_id)


def _account_row_changed(sender, instance, **kwargs) -> None:
    account_videos_changed(instance.account_id)


def _purchase_changed(sender, instance, **kwargs) -> None:
    # A purchase belongs to the customer: every account of it sees it.
    ids = list(Account.objects.filter(customer_id=instance.customer_id).values_list("id", flat=True))
    if ids:
        account_videos_changed(*ids)


def connect() -> None:
    """Connect the handlers (VodConfig.ready)."""
    from . import models as m

    for model in (
        m.VideoGenre,
        m.VideoGenreMap,
        m.VideoProvider,
        m.PriceCategory,
        m.Actor,
        m.Video,
        m.Season,
        m.Episode,
        m.VideoFile,
        m.SkipVideoFragment,
        m.Selection,
        m.Seance,
        m.SeanceTicket,
        m.TargetBanner,
        m.ProgramBlocking,
    ):
        post_save.connect(_library_row_changed, sender=model, dispatch_uid=f"{_UID}-save-{model.__name__}")
        post_delete.connect(_library_row_changed, sender=model, dispatch_uid=f"{_UID}-delete-{model.__name__}")
    for model in (m.VideoActor, m.SelectionItem):
        post_save.connect(_child_row_changed, sender=model, dispatch_uid=f"{_UID}-save-{model.__name__}")
        post_delete.connect(_child_row_changed, sender=model, dispatch_uid=f"{_UID}-delete-{model.__name__}")
    for through in (
        m.Video.genres.through,
        m.Video.tariffs.through,
        m.Video.stream_services.through,
        m.Video.countries_allowed.through,
        m.Video.cities_allowed.through,
        m.Video.package_videos.through,
        m.Video.similar.through,
        m.TargetBanner.accounts.through,
        m.TargetBanner.tariffs.through,
        m.TargetBanner.cities.through,
    ):
        m2m_changed.connect(_library_m2m_changed, sender=through, dispatch_uid=f"{_UID}-m2m-{through.__name__}")
    for model in (m.AccountVideo, m.AccountVideoFile):
        post_save.connect(_account_row_changed, sender=model, dispatch_uid=f"{_UID}-save-{model.__name__}")
        post_delete.connect(_account_row_changed, sender=model, dispatch_uid=f"{_UID}-delete-{model.__name__}")
    post_save.connect(_purchase_changed, sender=m.VideoPurchase, dispatch_uid=f"{_UID}-save-purchase")
    post_delete.connect(_purchase_changed, sender=m.VideoPurchase, dispatch_uid=f"{_UID}-delete-purchase")
