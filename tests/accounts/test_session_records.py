"""Sessions and accounts on the device hot path (accounts/selectors.py): kept in each process
as plain records without secrets; callers get their own model instances."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.selectors import account_get_cached, session_get_active
from smarty.cache import device_values
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(operator, json_device):
    device = f.AccountDeviceFactory(account=operator.account, play_device=json_device, device_uid="box-1")
    return f.SessionFactory(account=operator.account, play_device=json_device, device=device)


def test_every_call_gets_its_own_instances_with_account_customer_operator_and_devices(session, operator):
    first = session_get_active(authkey=session.authkey)
    second = session_get_active(authkey=session.authkey)
    assert first is not second and first.account is not second.account and first.client is not second.client
    assert first.authkey == session.authkey and first.pk == session.pk
    assert first.account.pk == operator.account.pk and first.account.customer.pk == operator.customer.pk
    assert first.client.pk == operator.client.pk == first.account.client.pk
    assert first.device.device_uid == "box-1" and first.play_device.system_name == "android"
    first.account.settings["changed"] = 1  # a caller changing its copy changes nobody else's
    first.client.name = "changed"
    again = session_get_active(authkey=session.authkey)
    assert "changed" not in again.account.settings and again.client.name == operator.client.name


def test_the_secrets_left_out_are_read_from_the_database_on_demand_and_never_written_back(session, operator):
    Account.objects.filter(pk=operator.account.pk).update(playlist_token="token-1")
    account = account_get_cached(account_id=operator.account.pk)
    assert account.get_deferred_fields() == {"password", "playlist_token"}
    assert account.check_password(operator.password)  # one query for the hash
    account.parent_code = "4321"
    account.save()
    row = Account.objects.get(pk=operator.account.pk)
    assert row.parent_code == "4321" and row.playlist_token == "token-1" and row.check_password(operator.password)


def test_a_warm_session_lookup_needs_no_query(session):
    session_get_active(authkey=session.authkey)
    with CaptureQueriesContext(connection) as captured:
        assert session_get_active(authkey=session.authkey) is not None
    assert len(captured) == 0


def test_the_per_device_memory_is_bounded(operator, json_device):
    sessions = [f.SessionFactory(account=operator.account, play_device=json_device) for _ in range(6)]
    device_values.clear()
    with override_settings(SMARTY_LOCAL_DEVICE_ENTRIES=4):
        for s in sessions:
            assert session_get_active(authkey=s.authkey) is not None
        assert len(device_values) <= 4


@pytest.mark.skipif(
    settings.CACHES["default"]["BACKEND"] != "smarty.cache_backends.GuardedRedisCache",
    reason="what Redis holds: the services pass",
)
def test_what_the_shared_cache_holds_of_a_session_has_no_secret(session, operator):
    import redis

    raw = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert session_get_active(authkey=session.authkey) is not None
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = [k for k in raw.keys(f"{prefix}:*") if b":session:" in k or b":account:" in k]
    assert any(b":session:" in k for k in keys) and any(b":account:" in k for k in keys)
    account = Account.objects.get(pk=operator.account.pk)
    client = operator.client
    secrets = [session.authkey, account.password, client.api_key, client.billing_api_key, client.content_api_key]
    for key in keys:
        value = raw.get(key) or b""
        assert key.find(session.authkey.encode()) < 0
        for secret in secrets:
            assert secret.encode() not in value, (key, secret)


def test_an_instance_from_a_record_is_what_the_orm_builds_of_the_same_columns(session, operator):
    """_from_record leaves out Model.__init__: right only while the record models keep no
    pre_init/post_init receivers and plain column values; checked here against the ORM."""
    from django.db.models.signals import post_init, pre_init

    from accounts.models import AccountDevice, Customer, Session
    from accounts.selectors import _from_record, _record, record_columns
    from clients.models import PlayDevice

    for model in (Account, Customer, Session, AccountDevice, PlayDevice):
        assert not pre_init.has_listeners(model) and not post_init.has_listeners(model), model
    rows = [
        Session.objects.get(pk=session.pk),
        Account.objects.get(pk=operator.account.pk),
        Customer.objects.get(pk=operator.customer.pk),
        AccountDevice.objects.get(pk=session.device_id),
        PlayDevice.objects.get(pk=session.play_device_id),
    ]
    for row in rows:
        names, values = record_columns(type(row)), _record(row)
        built = _from_record(type(row), values)
        orm = type(row).from_db("default", names, values)
        assert built._state.adding is False and built._state.db == "default"
        assert built.get_deferred_fields() == orm.get_deferred_fields()
        assert {n: getattr(built, n) for n in names} == {n: getattr(orm, n) for n in names}
        assert built == row and str(built) == str(orm)


def test_a_record_carries_no_column_names_and_its_entry_names_the_columns_it_was_made_with(
    session, operator, monkeypatch
):
    """The column names are the model's, not the record's (most of its bytes once): the cache
    entry's name carries a digest of every record model's columns instead, so records made by
    code with other columns are not found, never read into the wrong fields."""
    import pickle

    from accounts import selectors
    from accounts.models import Session

    row = Session.objects.get(pk=session.pk)
    record = selectors._record(row)
    assert not any(name in record for name in selectors.record_columns(Session))
    assert len(pickle.dumps(record)) < len(pickle.dumps((selectors.record_columns(Session), record)))
    name = selectors._session_read(selectors.session_cache_id(session.authkey))[0]
    assert name == f"session.{selectors.record_layout()}"

    def forget_layout():
        selectors.record_layout.cache_clear()
        selectors.record_columns.cache_clear()

    # other code: one column fewer in the session's records
    monkeypatch.setitem(selectors._RECORD_LEAVES_OUT, Session, ("authkey", "last_active"))
    forget_layout()
    try:
        assert selectors._session_read(selectors.session_cache_id(session.authkey))[0] != name
    finally:
        monkeypatch.undo()
        forget_layout()
    assert selectors._session_read(selectors.session_cache_id(session.authkey))[0] == name
