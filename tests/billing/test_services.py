"""The domain services the Billing API, the admin and the Dealers API share: seed log events,
the customer action log, cache generations bumped after commit, sessions ended."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import CustomerActionLog
from accounts.selectors import account_dep, session_dep, session_get_active
from accounts.services import accounts as account_services
from accounts.services import customers as customer_services
from smarty.cache import generations
from tariffs.selectors import account_tariff_ids, tariffs_dep
from tests import factories as f

pytestmark = pytest.mark.django_db

SOURCE = CustomerActionLog.Source.BILLING_API


def test_customer_and_account_creation_log_the_seed_events(operator, events):
    customer = customer_services.customer_create(client=operator.client, data={"firstname": "A"}, source=SOURCE)
    account = account_services.account_create(customer=customer, source=SOURCE)
    assert events.of("CUSTOMER_CREATED") == [{"customer_id": customer.pk}]
    assert events.of("ACCOUNT_CREATED") == [{"account_id": account.pk}]


def test_changes_log_the_changed_fields_without_the_password(operator, events):
    account_services.account_modify(account=operator.account, data={"option1": "x"}, password="9999")
    [changed] = events.of("ACCOUNT_CHANGED")
    assert changed == {"account_id": operator.account.pk, "option1": "x", "password": "***"}
    customer_services.customer_modify(customer=operator.customer, data={"email": "a@b.test"})
    assert events.of("CUSTOMER_CHANGED") == [{"customer_id": operator.customer.pk, "email": "a@b.test"}]


def test_tariff_assignments_log_the_ids(operator, events):
    extra = f.TariffFactory(client=operator.client)
    customer_services.customer_tariff_assign(customer=operator.customer, tariffs=[extra])
    customer_services.customer_tariff_remove(customer=operator.customer, tariffs=[extra])
    account_services.account_tariff_assign(account=operator.account, tariffs=[extra])
    account_services.account_tariff_remove(account=operator.account, tariffs=[extra])
    assert events.of("CUSTOMER_TARIFFS_ASSIGNED") == [{"customer_id": operator.customer.pk, "tariffs_ids": [extra.pk]}]
    assert events.of("CUSTOMER_TARIFFS_REMOVED") == [{"customer_id": operator.customer.pk, "tariffs_ids": [extra.pk]}]
    assert events.of("ACCOUNT_TARIFFS_ASSIGNED") == [{"account_id": operator.account.pk, "tariffs_ids": [extra.pk]}]
    assert events.of("ACCOUNT_TARIFFS_REMOVED") == [{"account_id": operator.account.pk, "tariffs_ids": [extra.pk]}]


def test_the_customer_action_log_records_billing_api_actions_when_enabled(billing_client, operator, settings):
    settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = True
    billing_client.call("customer/modify", {"customer_id": operator.customer.pk, "comment": "x"})
    billing_client.call("account/deactivate", {"account_id": operator.account.pk})
    rows = list(CustomerActionLog.objects.order_by("id").values_list("source", "action", "customer_id"))
    assert rows == [
        ("billing_api", "customer_changed", operator.customer.pk),
        ("billing_api", "account_changed", operator.customer.pk),
    ]
    settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = False
    billing_client.call("customer/modify", {"customer_id": operator.customer.pk, "comment": "y"})
    assert CustomerActionLog.objects.count() == 2


def test_a_customer_tariff_change_reaches_the_accounts_entitlement_after_commit(
    operator, django_capture_on_commit_callbacks
):
    extra = f.TariffFactory(client=operator.client)
    assert account_tariff_ids(operator.account) == frozenset({operator.tariff.pk})  # now cached
    before = generations([tariffs_dep(operator.client.pk), account_dep(operator.account.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_tariff_assign(customer=operator.customer, tariffs=[extra])
    assert generations([tariffs_dep(operator.client.pk), account_dep(operator.account.pk)]) != before
    assert account_tariff_ids(operator.account) == frozenset({operator.tariff.pk, extra.pk})


def test_deactivation_makes_a_cached_session_unusable(operator, django_capture_on_commit_callbacks):
    session = f.SessionFactory(account=operator.account)
    assert session_get_active(authkey=session.authkey) is not None  # cached
    gen = generations([session_dep(session.authkey)])
    with django_capture_on_commit_callbacks(execute=True):
        account_services.account_deactivate(account=operator.account)
    assert generations([session_dep(session.authkey)]) != gen
    assert session_get_active(authkey=session.authkey) is None


def test_an_account_change_bumps_its_sessions_so_the_cached_account_is_fresh(
    operator, django_capture_on_commit_callbacks
):
    session = f.SessionFactory(account=operator.account)
    assert session_get_active(authkey=session.authkey).account.option1 == ""
    with django_capture_on_commit_callbacks(execute=True):
        account_services.account_modify(account=operator.account, data={"option1": "new"})
    assert session_get_active(authkey=session.authkey).account.option1 == "new"


def test_first_login_auto_activation_applies_once(operator):
    import datetime as dt

    operator.account.auto_activation_period = 10
    operator.account.active = False
    operator.account.save()
    today = dt.date(2030, 5, 1)
    assert account_services.account_first_login_activate(account=operator.account, today=today)
    operator.account.refresh_from_db()
    assert operator.account.active and operator.account.deactivation_date == dt.date(2030, 5, 11)
    assert not account_services.account_first_login_activate(account=operator.account, today=today)


def test_a_failed_create_writes_nothing(operator):
    from django.core.exceptions import ValidationError

    from accounts.models import Account

    with pytest.raises(ValidationError):
        account_services.account_create(customer=operator.customer, data={"subnets": "not a net"})
    assert Account.objects.filter(customer=operator.customer).count() == 2


def test_a_first_login_after_another_one_activated_the_account_keeps_its_dates(operator):
    """Two first logins at once: the one that read the account before the other's UPDATE must
    not start the period again (login uses the race-safe account_first_login_activate)."""
    import types

    from accounts.models import Account
    from accounts.services.sessions import _apply_account_changes

    Account.objects.filter(pk=operator.account.pk).update(auto_activation_period=30, activation_date=None)
    stale = Account.objects.get(pk=operator.account.pk)  # read by the slower login
    first_day = dt.date(2026, 1, 1)
    Account.objects.filter(pk=stale.pk).update(
        activation_date=first_day, deactivation_date=first_day + dt.timedelta(days=30)
    )  # the faster login won
    req = types.SimpleNamespace(reset_block_status_reason=False)
    assert _apply_account_changes(req, stale, dt.date(2026, 1, 5)) is False
    stored = Account.objects.get(pk=stale.pk)
    assert stored.activation_date == first_day and stored.deactivation_date == dt.date(2026, 1, 31)
