"""Account methods other than status (reference tvmw/Account.md): settings, password,
parent code, profile, tariff list; /profile/list/ (tvmw/Profile.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account, CustomerActionLog, ProfileType
from clients.models import PlayDeviceTemplate
from tariffs.models import TariffSubscription
from tests import factories as f


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


# --- password -----------------------------------------------------------------------------------


def test_password_change_with_the_right_old_password(tvmw_call, authkey, operator, tvmw_login):
    body = tvmw_call("/account/password/change/", authkey=authkey, old_password="1234", new_password="s3cret")
    assert body == {"error": 0, "error_message": ""}
    account = Account.objects.get(pk=operator.account.pk)
    assert account.check_password("s3cret") and "s3cret" not in account.password
    assert CustomerActionLog.objects.filter(account=account, action="password_changed").exists()
    tvmw_login(password="s3cret", device_uid="new")
    tvmw_login(password="1234", device_uid="new", expect_error=1)


def test_password_change_errors(tvmw_call, authkey, operator):
    body = tvmw_call("/account/password/change/", authkey=authkey, old_password="nope", new_password="x")
    assert body["error"] == 2 and "old_password" in body["error_fields"]
    body = tvmw_call("/account/password/change/", authkey=authkey, old_password="1234")
    assert body["error"] == 1 and "new_password" in body["error_fields"]
    assert Account.objects.get(pk=operator.account.pk).check_password("1234")
    body = tvmw_call("/account/password/change/", authkey="f" * 32, old_password="1234", new_password="x")
    assert body["error"] == 403


# --- parent code --------------------------------------------------------------------------------


def test_parent_code_set_and_change(tvmw_call, authkey, operator):
    body = tvmw_call("/account/parent_code/set/", _post=True, authkey=authkey, new_pin="1111")
    assert body["error"] == 0
    assert Account.objects.get(pk=operator.account.pk).parent_code == "1111"
    body = tvmw_call("/account/parent_code/set/", _post=True, authkey=authkey, old_pin="0000", new_pin="2222")
    assert body["error"] == 1 and body["error_messages"] == {"old_pin": "Old pin is invalid"}
    body = tvmw_call("/account/parent_code/set/", authkey=authkey, old_pin="1111", new_pin="2222")
    assert body["error"] == 0
    assert CustomerActionLog.objects.filter(action="parent_code_changed").count() == 2


def test_parent_code_validation_messages_match_the_reference(tvmw_call, authkey):
    body = tvmw_call("/account/parent_code/set/", _post=True, authkey=authkey, new_pin="")
    assert body["error_messages"] == {"new_pin": "New pin can not be empty"}
    body = tvmw_call("/account/parent_code/set/", _post=True, authkey=authkey, new_pin="1" * 17)
    assert body["error_messages"] == {"new_pin": "Ensure this value has at most 16 characters (it has 17)."}


def test_the_login_answer_carries_the_new_parent_code(tvmw_call, authkey, tvmw_login):
    tvmw_call("/account/parent_code/set/", _post=True, authkey=authkey, new_pin="4321")
    assert tvmw_login(device_uid="again")["parent_code"] == "4321"


# --- settings and profiles ------------------------------------------------------------------------


def test_settings_modify_sets_the_template_by_id_or_system_name(tvmw_call, authkey, operator):
    impuls = PlayDeviceTemplate.objects.create(name="Impuls", system_name="impuls")
    classic = PlayDeviceTemplate.objects.create(name="Classic", system_name="classic")
    assert tvmw_call("/account/settings/modify/", authkey=authkey, template_system_name="impuls") == {"error": 0}
    assert Account.objects.get(pk=operator.account.pk).template == "impuls"
    # template_id wins over template_system_name
    tvmw_call("/account/settings/modify/", authkey=authkey, template_id=classic.pk, template_system_name="impuls")
    assert Account.objects.get(pk=operator.account.pk).template == "classic"
    assert impuls.pk


def test_settings_modify_with_an_unknown_template_is_error_1(tvmw_call, authkey):
    body = tvmw_call("/account/settings/modify/", authkey=authkey, template_system_name="nope")
    assert body["error"] == 1 and "template_system_name" in body["error_fields"]
    assert tvmw_call("/account/settings/modify/", authkey=authkey)["error"] == 1
    assert tvmw_call("/account/settings/modify/", authkey=authkey, template_id="x")["error"] == 1


@pytest.fixture
def profiles(operator, other_operator):
    adult = ProfileType.objects.create(client=operator.client, name="Adult", name_lang1="Взрослый", is_default=True)
    child = ProfileType.objects.create(client=operator.client, name="Child", show_adult_content=False, sort_order=1)
    theirs = ProfileType.objects.create(client=other_operator.client, name="Adult")
    return adult, child, theirs


def test_profile_list_and_settings_list(tvmw_call, authkey, profiles, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    adult, child, _theirs = profiles
    body = tvmw_call("/profile/list/", authkey=authkey, lang="ru")
    assert body["profiles"] == [
        {"id": adult.pk, "name": "Взрослый", "default": 1, "show_adult_content": 1, "description": ""},
        {"id": child.pk, "name": "Child", "default": 0, "show_adult_content": 0, "description": ""},
    ]
    body = tvmw_call("/account/settings/list/", authkey=authkey)
    assert body["account_settings"] == [{"name": "", "profile_id": adult.pk, "profile_name": "Adult"}]


def test_profile_settings_modify(tvmw_call, authkey, profiles, operator):
    _adult, child, theirs = profiles
    body = tvmw_call("/account/profile/settings/modify/", authkey=authkey, profile_id=child.pk, name="Kids room")
    assert body == {"error": 0}
    body = tvmw_call("/account/settings/list/", authkey=authkey)
    assert body["account_settings"] == [{"name": "Kids room", "profile_id": child.pk, "profile_name": "Child"}]
    assert tvmw_call("/account/profile/settings/modify/", authkey=authkey, profile_id=theirs.pk, name="x")["error"] == 1
    assert tvmw_call("/account/profile/settings/modify/", authkey=authkey, profile_id="abc", name="x")["error"] == 1
    assert tvmw_call("/account/profile/settings/modify/", authkey=authkey, name="x")["error"] == 1
    assert tvmw_call("/account/profile/settings/modify/", authkey=authkey, profile_id=child.pk)["error"] == 2


def test_settings_list_is_empty_without_profile_types(tvmw_call, authkey):
    assert tvmw_call("/account/settings/list/", authkey=authkey) == {"error": 0, "account_settings": []}


# --- tariffs -------------------------------------------------------------------------------------


def test_tariff_list_shows_assigned_and_available_tariffs(tvmw_call, authkey, operator, other_operator):
    extra = f.TariffFactory(client=operator.client, name="Sport", price="5.50", period=30)
    f.TariffFactory(client=operator.client, name="Secret", hidden=True)
    f.TariffFactory(client=operator.client, name="Off", enabled=False)
    TariffSubscription.objects.create(
        client=operator.client,
        customer=operator.customer,
        tariff=operator.tariff,
        start_date=timezone.now(),
        end_date=timezone.now() + dt.timedelta(days=10),
        is_periodical=False,
    )
    body = tvmw_call("/account/tariff/list", authkey=authkey)
    by_name = {t["name"]: t for t in body["tariffs"]}
    assert set(by_name) == {"Basic", "Sport"}  # hidden and disabled unassigned tariffs are not offered
    basic = by_name["Basic"]
    assert basic["is_assigned"] == 1 and basic["channels_count"] == 3 and basic["is_periodical"] == 0
    assert basic["subscription_end_date"] == (timezone.now() + dt.timedelta(days=10)).strftime("%Y-%m-%d")
    sport = by_name["Sport"]
    assert sport["is_assigned"] == 0 and sport["price"] == 5.5 and sport["id"] == extra.pk
    assert sport["subscription_end_date"] == "" and sport["videos_count"] == 0 and sport["is_virtual"] == 0
    assert other_operator.tariff.pk not in {t["id"] for t in body["tariffs"]}


# --- tenancy -------------------------------------------------------------------------------------


def test_account_methods_act_only_on_the_sessions_own_account(tvmw_call, authkey, operator, other_operator):
    tvmw_call("/account/parent_code/set/", _post=True, authkey=authkey, new_pin="9999")
    tvmw_call("/account/password/change/", authkey=authkey, old_password="1234", new_password="changed")
    theirs = Account.objects.get(pk=other_operator.account.pk)
    assert theirs.parent_code == "" and theirs.check_password("1234")
    body = tvmw_call(
        "/account/password/change/",
        authkey=authkey,
        client_id=other_operator.client.pk,
        old_password="changed",
        new_password="x",
    )
    assert body["error"] == 403
