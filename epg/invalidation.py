"""Cache invalidation of the EPG app: the generations it owns (epg/selectors.py) and the
functions other code calls to bump them. Signals are used for this one thing only; every bump
goes through smarty.cache.bump_now_and_on_commit.

Owned dependency names: `epg_channel:<id>` (one EPG channel's day windows), `client_epg:<client
id>` (an operator's now/next snapshot) and `epg:dictionary` (programme categories and genres).
An EPG channel's own change also refreshes the live content of the operators showing it
(channels show its icon when they have none): through clients.invalidation.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from clients.invalidation import client_content_changed
from smarty.cache import bump_now_and_on_commit

from .models import EpgCategory, EpgChannel, EpgGenre, Program
from .selectors import EPG_DICTIONARY, client_epg_dep, clients_showing, epg_change_deps, epg_channel_dep

M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}
_UID = "epg-invalidation"


def epg_channel_changed(*epg_channel_ids: int) -> None:
    """Programmes of these EPG channels were written in bulk (the importer, the EPG services):
    their day windows, once the transaction commits (no reader of these writers' transactions
    uses the guide cache). The operators' now/next snapshots follow at the next time bucket."""
    bump_now_and_on_commit(*(epg_channel_dep(pk) for pk in epg_channel_ids), now=False)


def epg_programmes_changed(*epg_channel_ids: int) -> None:
    """Programmes of these EPG channels changed: their windows and the now/next snapshots of
    the operators showing them, at once."""
    bump_now_and_on_commit(*epg_change_deps(epg_channel_ids))


def epg_dictionary_changed() -> None:
    bump_now_and_on_commit(EPG_DICTIONARY)


def _program_saved(sender, instance: Program, **kwargs) -> None:
    epg_programmes_changed(instance.epg_channel_id)


def _program_genres_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:
        epg_programmes_changed(instance.epg_channel_id)
        return
    programs = Program.objects.filter(pk__in=pk_set or ()) if action != "post_clear" else Program.objects.none()
    epg_ids = set(programs.values_list("epg_channel_id", flat=True))
    if epg_ids:
        epg_programmes_changed(*epg_ids)


def _epg_channel_saved(sender, instance: EpgChannel, **kwargs) -> None:
    clients = sorted(clients_showing([instance.pk]))
    bump_now_and_on_commit(epg_channel_dep(instance.pk), *(client_epg_dep(c) for c in clients))
    client_content_changed(*clients)


def _dictionary_saved(sender, instance, **kwargs) -> None:
    epg_dictionary_changed()


def connect() -> None:
    """Called once from EpgConfig.ready()."""
    for signal in (post_save, post_delete):
        signal.connect(_program_saved, sender=Program, dispatch_uid=f"{_UID}-program-{signal}")
        signal.connect(_dictionary_saved, sender=EpgCategory, dispatch_uid=f"{_UID}-category-{signal}")
        signal.connect(_dictionary_saved, sender=EpgGenre, dispatch_uid=f"{_UID}-genre-{signal}")
    post_save.connect(_epg_channel_saved, sender=EpgChannel, dispatch_uid=f"{_UID}-channel-save")
    # Before the delete: afterwards the channels no longer point at it (SET_NULL).
    pre_delete.connect(_epg_channel_saved, sender=EpgChannel, dispatch_uid=f"{_UID}-channel-delete")
    m2m_changed.connect(_program_genres_changed, sender=Program.genres.through, dispatch_uid=f"{_UID}-genres")
