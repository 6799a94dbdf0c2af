"""Signal handlers for cache generations, the one use of signals CONVENTIONS.md allows.

Every handler only bumps generations (smarty.cache.bump): now, for readers in the same
transaction, and again after commit, so a value rebuilt from the old rows in between is never
served. Signals do not fire for bulk writes (`bulk_create`, `QuerySet.update()/delete()`,
raw SQL): code doing those calls the bump functions itself:

- channels.selectors.client_content_changed(client_id) for channels, categories, radio,
  cameras, camera categories and channel sorts;
- epg.selectors.epg_channel_changed(*epg_channel_ids) for programmes (the EPG importer);
- epg.selectors.epg_dictionary_changed() for programme categories and genres;
- smarty.cache.bump(accounts.selectors.account_dep(id)) for account channel settings
  (channels.services does it).

Entitlement inputs (tariffs, the tariffs of accounts and customers) are bumped here too,
because account_tariff_ids and the channel views depend on them.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from accounts.models import Account, Customer
from accounts.selectors import account_dep
from clients.selectors import client_content_dep
from epg.models import EpgCategory, EpgChannel, EpgGenre, Program
from epg.selectors import EPG_DICTIONARY, client_epg_dep, epg_change_deps, epg_channel_dep
from tariffs.models import Tariff
from tariffs.selectors import tariffs_dep

from .models import AccountChannelSetting, Camera, CameraCategory, Channel, ChannelCategory, ChannelSort, Radio
from .services import bump_after_commit

M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}
CONTENT_MODELS = (Channel, ChannelCategory, Radio, Camera, CameraCategory, ChannelSort)
CONTENT_M2M = (
    Channel.tariffs.through,
    Channel.additional_categories.through,
    Channel.stream_services.through,
    Radio.tariffs.through,
    Camera.tariffs.through,
    Camera.stream_services.through,
)
_UID = "smarty-cache-generations"


def content_saved(sender, instance, **kwargs) -> None:
    bump_after_commit(client_content_dep(instance.client_id))


def content_m2m_changed(sender, instance, action, **kwargs) -> None:
    # Either side of these relations (a channel or a tariff...) belongs to one operator.
    if action in M2M_ACTIONS:
        bump_after_commit(client_content_dep(instance.client_id))


def account_channel_setting_saved(sender, instance, **kwargs) -> None:
    bump_after_commit(account_dep(instance.account_id))


def program_saved(sender, instance, **kwargs) -> None:
    bump_after_commit(*epg_change_deps([instance.epg_channel_id]))


def program_genres_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:
        bump_after_commit(*epg_change_deps([instance.epg_channel_id]))
        return
    programs = Program.objects.filter(pk__in=pk_set or ()) if action != "post_clear" else Program.objects.none()
    epg_ids = set(programs.values_list("epg_channel_id", flat=True))
    if epg_ids:
        bump_after_commit(*epg_change_deps(epg_ids))


def _clients_of_epg_channel(epg_channel_id: int) -> set[int]:
    clients = set(Channel.objects.filter(epg_channel_id=epg_channel_id).values_list("client_id", flat=True))
    clients.update(Camera.objects.filter(epg_channel_id=epg_channel_id).values_list("client_id", flat=True))
    return clients


def epg_channel_saved(sender, instance, **kwargs) -> None:
    # Channels show the EPG channel's icon when they have none of their own.
    clients = _clients_of_epg_channel(instance.pk)
    deps = [epg_channel_dep(instance.pk), *(client_content_dep(c) for c in clients)]
    deps += [client_epg_dep(c) for c in clients]
    bump_after_commit(*deps)


def epg_dictionary_saved(sender, instance, **kwargs) -> None:
    bump_after_commit(EPG_DICTIONARY)


def tariff_saved(sender, instance, **kwargs) -> None:
    bump_after_commit(tariffs_dep(instance.client_id))


def tariff_geo_changed(sender, instance, action, reverse, **kwargs) -> None:
    if action in M2M_ACTIONS and not reverse:
        bump_after_commit(tariffs_dep(instance.client_id))


def account_tariffs_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:
        bump_after_commit(account_dep(instance.pk))
    else:  # tariff.accounts.add(...): the accounts are pk_set (or all, on clear)
        bump_after_commit(tariffs_dep(instance.client_id))


def customer_tariffs_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:
        accounts = Account.objects.filter(customer_id=instance.pk).values_list("id", flat=True)
        bump_after_commit(*(account_dep(a) for a in accounts))
    else:
        bump_after_commit(tariffs_dep(instance.client_id))


def connect() -> None:
    """Called once from ChannelsConfig.ready()."""
    for model in CONTENT_MODELS:
        post_save.connect(content_saved, sender=model, dispatch_uid=f"{_UID}-save-{model.__name__}")
        post_delete.connect(content_saved, sender=model, dispatch_uid=f"{_UID}-delete-{model.__name__}")
    for through in CONTENT_M2M:
        m2m_changed.connect(content_m2m_changed, sender=through, dispatch_uid=f"{_UID}-m2m-{through.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(account_channel_setting_saved, sender=AccountChannelSetting, dispatch_uid=f"{_UID}-acs-{signal}")
        signal.connect(program_saved, sender=Program, dispatch_uid=f"{_UID}-program-{signal}")
        signal.connect(epg_dictionary_saved, sender=EpgCategory, dispatch_uid=f"{_UID}-epgcat-{signal}")
        signal.connect(epg_dictionary_saved, sender=EpgGenre, dispatch_uid=f"{_UID}-epggenre-{signal}")
        signal.connect(tariff_saved, sender=Tariff, dispatch_uid=f"{_UID}-tariff-{signal}")
    post_save.connect(epg_channel_saved, sender=EpgChannel, dispatch_uid=f"{_UID}-epgchannel-save")
    # Before the delete: afterwards the channels no longer point at it (SET_NULL).
    pre_delete.connect(epg_channel_saved, sender=EpgChannel, dispatch_uid=f"{_UID}-epgchannel-delete")
    m2m_changed.connect(program_genres_changed, sender=Program.genres.through, dispatch_uid=f"{_UID}-program-genres")
    for through in (Tariff.countries.through, Tariff.cities.through):
        m2m_changed.connect(tariff_geo_changed, sender=through, dispatch_uid=f"{_UID}-geo-{through.__name__}")
    m2m_changed.connect(account_tariffs_changed, sender=Account.tariffs.through, dispatch_uid=f"{_UID}-acc-tariffs")
    m2m_changed.connect(customer_tariffs_changed, sender=Customer.tariffs.through, dispatch_uid=f"{_UID}-cust-tariffs")
