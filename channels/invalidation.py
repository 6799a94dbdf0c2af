"""Cache invalidation of the channels app. Signals are used for this one thing only; every
bump goes through smarty.cache.bump_now_and_on_commit.

- The operator's live content (channels, categories, radio, cameras, camera categories, sorts
  and their tariffs and services): `client_content:<client id>`, through
  clients.invalidation.client_content_changed. Bulk writes (QuerySet.update(), bulk_create)
  send no signal: the code doing them calls that function itself.
- An account's channel settings are cached with the account: accounts.invalidation.
- `account_last_viewed:<account id>` (channels/selectors.py) is owned here:
  last_viewed_changed().

The EPG, tariff and account models are handled by their own apps (epg/, tariffs/, accounts/
invalidation.py).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.invalidation import accounts_changed
from clients.invalidation import client_content_changed
from smarty.cache import bump_now_and_on_commit

from .models import AccountChannelSetting, Camera, CameraCategory, Channel, ChannelCategory, ChannelSort, Radio
from .selectors import last_viewed_dep

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
_UID = "channels-invalidation"


def last_viewed_changed(*account_ids: int) -> None:
    """The accounts watched channels (channel/list/last)."""
    if account_ids:
        bump_now_and_on_commit(*(last_viewed_dep(account_id) for account_id in account_ids))


def _content_saved(sender, instance, **kwargs) -> None:
    client_content_changed(instance.client_id)


def _content_m2m_changed(sender, instance, action: str, **kwargs) -> None:
    # Either side of these relations (a channel or a tariff...) belongs to one operator.
    if action in M2M_ACTIONS:
        client_content_changed(instance.client_id)


def _account_channel_setting_saved(sender, instance, **kwargs) -> None:
    accounts_changed(instance.account_id)


def connect() -> None:
    """Called once from ChannelsConfig.ready()."""
    for model in CONTENT_MODELS:
        post_save.connect(_content_saved, sender=model, dispatch_uid=f"{_UID}-save-{model.__name__}")
        post_delete.connect(_content_saved, sender=model, dispatch_uid=f"{_UID}-delete-{model.__name__}")
    for through in CONTENT_M2M:
        m2m_changed.connect(_content_m2m_changed, sender=through, dispatch_uid=f"{_UID}-m2m-{through.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(
            _account_channel_setting_saved, sender=AccountChannelSetting, dispatch_uid=f"{_UID}-acs-{signal}"
        )
