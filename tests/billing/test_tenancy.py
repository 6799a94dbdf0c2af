"""Two operators with look-alike data: with the first operator's credentials, every id of the
second operator is "not found" and nothing of the second operator is read or changed."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from accounts.models import Account, AccountDevice, Customer, Session
from billing.models import Payment, PromoCode, Transaction
from channels.models import Camera
from clients.models import ClientPlayDevice, Dealer
from tariffs.models import Tariff, TariffSubscription
from tests import factories as f
from tests.tenancy import cross_operator_links, operator_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(operator, other_operator, json_device):
    """Extra look-alike rows of both operators."""
    rows = {}
    for key, op in (("mine", operator), ("theirs", other_operator)):
        op.customer.ext_id = "SAME-EXT"
        op.customer.save()
        rows[key] = {
            "device": f.AccountDeviceFactory(account=op.account, play_device=json_device, device_uid=f"uid-{key}"),
            "session": f.SessionFactory(account=op.account),
            "camera": Camera.objects.create(client=op.client, name="Cam"),
            "service": f.StreamServiceFactory(client=op.client),
            "promo": PromoCode.objects.create(client=op.client, code=f"PROMO{key.upper()}", amount=1),
            "subscription": TariffSubscription.objects.create(
                client=op.client, customer=op.customer, tariff=op.tariff, start_date="2030-01-01T00:00:00Z"
            ),
            "transaction": Transaction.objects.create(
                client=op.client, customer=op.customer, ext_id=f"tx-{key}", amount=5
            ),
            "dealer": Dealer.objects.create(client=op.client, name="Dealer"),
            "data_center": f.DataCenterFactory(client=op.client, name="DC"),
            "device_type": ClientPlayDevice.objects.filter(client=op.client).first(),
            "payment": Payment.objects.create(
                client=op.client, customer=op.customer, amount=5, gateway="test", gateway_ref=f"pay-{key}"
            ),
        }
    other_operator.customer_without_tariff.ext_id = "ONLY-THEIRS"
    other_operator.customer_without_tariff.save()
    return rows


def snapshot(client) -> dict:
    models = (Account, Customer, Tariff, AccountDevice, Session, Camera, PromoCode, TariffSubscription, Transaction)
    return {
        model.__name__: sorted(
            (
                repr(sorted(model_to_dict(row).items(), key=lambda kv: kv[0]))
                for row in model.objects.for_client(client)
            ),
        )
        for model in models
    }


def calls(op, other, mine, theirs) -> list[tuple[str, dict, int]]:
    """(path, params naming the other operator's rows, the expected not-found code)."""
    return [
        ("account/info", {"account_id": other.account.pk}, 1),
        ("account/info", {"abonement": other.account.abonement}, 1),
        ("account/modify", {"account_id": other.account.pk, "option1": "hacked"}, 1),
        ("account/delete", {"account_id": other.account.pk}, 1),
        ("account/activate", {"account_id": other.inactive_account.pk}, 1),
        ("account/deactivate", {"account_id": other.account.pk}, 1),
        ("account/tariff/assign", {"account_id": other.account.pk, "tariff_id": op.tariff.pk}, 1),
        ("account/tariff/assign", {"account_id": op.account.pk, "tariff_id": other.tariff.pk}, 2),
        ("account/tariff/remove", {"account_id": other.account.pk, "tariff_id": op.tariff.pk}, 1),
        ("account/device/create", {"account_id": other.account.pk, "device_uid": "n", "system_name": "android"}, 1),
        ("account/device/modify", {"device_id": theirs["device"].pk, "serial_number": "hacked"}, 1),
        ("account/device/modify", {"device_uid": "uid-theirs", "serial_number": "hacked"}, 1),
        ("account/device/delete", {"device_id": theirs["device"].pk}, 1),
        ("account/camera/create", {"account_id": other.account.pk, "camera_id": mine["camera"].pk}, 2),
        ("account/camera/create", {"account_id": op.account.pk, "camera_id": theirs["camera"].pk}, 3),
        ("account/camera/delete", {"account_id": op.account.pk, "camera_id": theirs["camera"].pk}, 3),
        ("account/message/create", {"account_id": other.account.pk, "text": "hi"}, 1),
        ("authkey/delete", {"authkey_id": theirs["session"].pk}, 2),
        ("authkey/delete", {"authkey_key": theirs["session"].authkey}, 2),
        ("account/create", {"customer_id": other.customer.pk}, 1),
        ("customer/info", {"customer_id": other.customer.pk}, 1),
        ("customer/modify", {"customer_id": other.customer.pk, "comment": "hacked"}, 1),
        ("customer/delete", {"customer_id": other.customer.pk}, 1),
        ("customer/tariff/assign", {"customer_id": other.customer.pk, "tariff_id": op.tariff.pk}, 1),
        ("customer/tariff/assign", {"customer_id": op.customer.pk, "tariff_id": other.tariff.pk}, 2),
        ("customer/tariff/remove", {"customer_id": other.customer.pk, "tariff_id": op.tariff.pk}, 1),
        ("customer/tariffsubscription/create", {"customer_id": other.customer.pk, "tariff_id": op.tariff.pk}, 1),
        ("customer/tariffsubscription/delete", {"id": theirs["subscription"].pk}, 1),
        ("customer/transaction/list", {"customer_id": other.customer.pk}, 1),
        ("customer/merchant_url", {"customer_id": other.customer.pk, "amount": 1}, 1),
        ("customer/payment/create", {"customer_id": other.customer.pk, "amount": 1}, 100),
        (
            "customer/payment/process",
            {
                "customer_id": other.customer.pk,
                "payment_id": "p",
                "card_number": "1",
                "card_expire": "1",
                "card_cvv": "1",
            },
            100,
        ),
        ("customer/saved_card/pay", {"abonement": other.account.abonement, "amount": 1}, 1),
        ("promo/create", {"account_id": other.account.pk, "amount": 1}, 1),
        ("promo/activate", {"id": theirs["promo"].pk, "account_id": op.account.pk}, 2),
        ("promo/activate", {"code": theirs["promo"].code, "account_id": op.account.pk}, 2),
        ("promo/activate", {"id": mine["promo"].pk, "account_id": other.account.pk}, 1),
        ("tariff/modify", {"tariff_id": other.tariff.pk, "name": "hacked"}, 1),
        ("tariff/delete", {"tariff_id": other.tariff.pk}, 1),
        ("tariff/streamservice/assign", {"tariff_id": other.tariff.pk, "service_id": mine["service"].pk}, 1),
        ("tariff/streamservice/assign", {"tariff_id": op.tariff.pk, "service_id": theirs["service"].pk}, 2),
        ("tariff/streamservice/remove", {"tariff_id": op.tariff.pk, "service_id": theirs["service"].pk}, 2),
        ("transaction/create", {"ext_id": "new", "customer_id": other.customer.pk, "amount": 1}, -1),
        ("transaction/create", {"ext_id": "new", "customer_ext_id": "ONLY-THEIRS", "amount": 1}, -1),
        ("transaction/delete", {"ext_id": "tx-theirs"}, 1),
        # Their rows named as the values of our objects' fields.
        ("customer/create", {"firstname": "New", "dealer_id": theirs["dealer"].pk}, 3),
        ("account/create", {"customer_id": op.customer.pk, "data_center": theirs["data_center"].pk}, 2),
        ("account/modify", {"account_id": op.account.pk, "data_center": theirs["data_center"].pk}, 2),
        (
            "account/device/create",
            {"account_id": op.account.pk, "device_uid": "n", "client_play_device_id": theirs["device_type"].pk},
            2,
        ),
        ("account/camera/delete", {"account_id": other.account.pk, "camera_id": mine["camera"].pk}, 2),
        ("customer/list", {"tariff_id": other.tariff.pk}, 1),
        ("customer/tariffsubscription/create", {"customer_id": op.customer.pk, "tariff_id": other.tariff.pk}, 2),
        ("tariff/streamservice/remove", {"tariff_id": other.tariff.pk, "service_id": mine["service"].pk}, 1),
        ("promo/create", {"discount": 10, "tariffs": other.tariff.pk}, 2),
        ("promo/create", {"free_tariffs": other.tariff.pk}, 2),
        (
            "customer/payment/process",
            {
                "customer_id": op.customer.pk,
                "payment_id": "pay-theirs",
                "card_number": "4111111111111111",
                "card_expire": "12/40",
                "card_cvv": "123",
            },
            4,
        ),
    ]


def test_the_other_operators_ids_are_not_found_and_nothing_of_theirs_changes(
    billing_client, operator, other_operator, world
):
    before, everything = snapshot(other_operator.client), operator_snapshot(other_operator.client)
    for path, params, code in calls(operator, other_operator, world["mine"], world["theirs"]):
        body = billing_client.call(path, params)
        assert body["error"] == code, (path, params, body)
    assert snapshot(other_operator.client) == before
    assert operator_snapshot(other_operator.client) == everything
    assert cross_operator_links() == []


def test_lists_show_only_the_operators_own_rows(billing_client, operator, other_operator, world):
    theirs_accounts = set(Account.objects.for_client(other_operator.client).values_list("id", flat=True))
    theirs_customers = set(Customer.objects.for_client(other_operator.client).values_list("id", flat=True))
    accounts = billing_client.call("account/list", {}, method="get")["accounts"]
    assert accounts and not {a["id"] for a in accounts} & theirs_accounts
    customers = billing_client.call("customer/list", {}, method="get")["customers"]
    assert customers and not {c["id"] for c in customers} & theirs_customers
    sessions = billing_client.call("session/list", {})["sessions"]
    assert [s["account"] for s in sessions] == [int(operator.account.abonement)]
    for path in ("tariff/list", "tariff/basic/list"):
        assert [t["id"] for t in billing_client.call(path, {})["tariffs"]] == [operator.tariff.pk]
    body = billing_client.call("customer/info", {"ext_id": "SAME-EXT"})
    assert body["tariffs"] == [operator.tariff.pk]
    assert [a["id"] for a in body["accounts"]] == [operator.account.pk, operator.inactive_account.pk]


def test_the_same_ext_id_is_independent_per_operator(billing_client, other_billing_client, operator, other_operator):
    for client, op in ((billing_client, operator), (other_billing_client, other_operator)):
        assert (
            client.call("transaction/create", {"ext_id": "E", "customer_id": op.customer.pk, "amount": 1})["error"] == 0
        )
    assert billing_client.call("transaction/delete", {"ext_id": "E"})["error"] == 0
    assert Transaction.objects.for_client(other_operator.client).filter(ext_id="E").exists()


def test_every_identifier_another_operator_uses_is_free_here(billing_client, operator, other_operator, world):
    """Abonements, ext_ids and device UIDs are unique per operator (the reference scopes every
    request to its client_id): the other operator's values are free for this one."""
    theirs = other_operator
    theirs.account.ext_id = "ACC-EXT"
    theirs.account.save()
    body = billing_client.call("customer/create", {"firstname": "New", "ext_id": "ONLY-THEIRS"})
    assert body["error"] == 0, body
    customer_id = body["id"]
    body = billing_client.call(
        "account/create",
        {"customer_id": customer_id, "abonement": theirs.account.abonement, "ext_id": "ACC-EXT"},
    )
    assert body["error"] == 0, body
    body = billing_client.call(
        "account/device/create",
        {"account_id": body["account_id"], "device_uid": "uid-theirs", "system_name": "android"},
    )
    assert body["error"] == 0, body
    body = billing_client.call("transaction/create", {"ext_id": "tx-theirs", "customer_id": customer_id, "amount": 1})
    assert body["error"] == 0, body
    assert Customer.objects.get(pk=theirs.customer_without_tariff.pk).ext_id == "ONLY-THEIRS"
    assert cross_operator_links() == []
