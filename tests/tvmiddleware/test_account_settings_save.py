"""/settings/save/ (reference tvmw/Settings.md)."""

from __future__ import annotations

import json

import pytest

from accounts.models import Account, CustomerActionLog
from channels.models import AccountChannelSetting
from tests import factories as f


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


def test_settings_save_changes_account_settings(tvmw_call, authkey, operator):
    center = f.DataCenterFactory(client=operator.client, name="DC-1")
    body = tvmw_call(
        "/settings/save/",
        authkey=authkey,
        parent_code="7777",
        use_timeshift=1,
        preferred_timeshift_offset=3,
        data_center_id=center.pk,
    )
    assert body == {"error": 0, "error_message": ""}
    account = Account.objects.get(pk=operator.account.pk)
    assert (account.parent_code, account.use_timeshift, account.preferred_timeshift_offset) == ("7777", True, 3)
    assert account.data_center == center
    assert CustomerActionLog.objects.filter(account=account, action="parent_code_changed").exists()


def test_settings_save_favourites_and_channel_order(tvmw_call, authkey, operator):
    first, second, third = operator.channels
    assert tvmw_call("/settings/save/", authkey=authkey, favorite_channel=second.pk)["error"] == 0
    assert AccountChannelSetting.objects.get(account=operator.account, channel=second).is_favorite
    tvmw_call("/settings/save/", authkey=authkey, unfavorite_channel=second.pk)
    assert not AccountChannelSetting.objects.get(account=operator.account, channel=second).is_favorite
    sort = [{"id": third.pk, "is_favorited": 1}, {"id": first.pk, "is_hidden": 1}, {"id": second.pk}]
    body = tvmw_call("/settings/save/", _post=True, authkey=authkey, channels_sort=json.dumps(sort))
    assert body["error"] == 0
    rows = {r.channel_id: r for r in AccountChannelSetting.objects.filter(account=operator.account)}
    assert [rows[c.pk].sort_order for c in (third, first, second)] == [0, 1, 2]
    assert rows[third.pk].is_favorite and rows[first.pk].is_hidden


@pytest.mark.parametrize(
    "sort",
    [
        [{"id": "²"}],
        [{"id": "1", "is_hidden": "x"}],
        [{"id": "1", "is_favorited": [1]}],
        [{"id": "1", "is_parent_control": {"a": 1}}],
        [{"id": 1.5}],
        [{"id": [1]}],
        [{"id": True}],
        [{"id": "9" * 40}],
        [["1"]],
        [None],
        {"id": "1"},
    ],
)
def test_settings_save_answers_a_malformed_channels_sort_with_code_1(tvmw_call, authkey, operator, sort):
    body = tvmw_call("/settings/save/", _post=True, authkey=authkey, channels_sort=json.dumps(sort))
    assert body["error"] == 1 and "channels_sort" in body["error_fields"], body
    assert not AccountChannelSetting.objects.filter(account=operator.account).exists()


def test_settings_save_errors_are_code_1_naming_the_parameter(tvmw_call, authkey, operator, other_operator):
    body = tvmw_call("/settings/save/", authkey=authkey, data_center_id=999)
    assert body["error"] == 1 and "data_center_id" in body["error_fields"]
    body = tvmw_call("/settings/save/", authkey=authkey, use_timeshift=5)
    assert body["error"] == 1 and "use_timeshift" in body["error_fields"]
    body = tvmw_call("/settings/save/", authkey=authkey, channels_sort="{bad json")
    assert body["error"] == 1 and "channels_sort" in body["error_fields"]
    body = tvmw_call("/settings/save/", authkey=authkey, parent_code="1" * 17)
    assert body["error"] == 1 and "parent_code" in body["error_fields"]
    # Another operator's channel and data center are unknown here.
    theirs = other_operator.channels[0]
    assert tvmw_call("/settings/save/", authkey=authkey, favorite_channel=theirs.pk)["error"] == 1
    center = f.DataCenterFactory(client=other_operator.client)
    assert tvmw_call("/settings/save/", authkey=authkey, data_center_id=center.pk)["error"] == 1
    assert not AccountChannelSetting.objects.exists()
    assert Account.objects.get(pk=operator.account.pk).data_center is None


@pytest.mark.parametrize("pin", ["1e309", "12a4", "-123", "1.5", "١٢٣٤", "²", " 1234 x", "1" * 17])
def test_settings_save_refuses_a_parent_code_that_is_not_digits(tvmw_call, authkey, operator, pin):
    Account.objects.filter(pk=operator.account.pk).update(parent_code="1111")
    body = tvmw_call("/settings/save/", authkey=authkey, parent_code=pin)
    assert body["error"] == 1 and body["error_fields"] == {"parent_code": "expected a PIN of 1 to 16 digits"}
    assert Account.objects.get(pk=operator.account.pk).parent_code == "1111"


def test_settings_save_keeps_a_pins_leading_zeros(tvmw_call, authkey, operator, other_operator):
    assert tvmw_call("/settings/save/", authkey=authkey, parent_code="0042")["error"] == 0
    assert Account.objects.get(pk=operator.account.pk).parent_code == "0042"
    assert Account.objects.get(pk=other_operator.account.pk).parent_code != "0042"
