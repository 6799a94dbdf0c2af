"""Financial transactions (seed 3.2.6.3): manual payments move the balance, filters on several
fields at once, CSV export of the filtered list and of selected rows; tariff packages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer
from billing.models import Transaction
from smarty.cache import generations
from tariffs.models import Tariff
from tariffs.selectors import tariffs_dep

from .conftest import form_data, login

LIST = "/admin/billing/transaction/"
EXPORT = "/admin/billing/transaction/export.csv"


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def ledger(operator, other_operator):
    """Transactions of both operators at different dates."""
    now = timezone.now()
    rows = [
        (operator.customer, "100.00", True, 1, "pay-1", now - dt.timedelta(days=40)),
        (operator.customer, "-30.00", True, 2, "charge-1", now - dt.timedelta(days=10)),
        (operator.customer, "50.00", False, 1, "pay-2", now - dt.timedelta(days=5)),
        (operator.customer_without_tariff, "20.00", True, 1, "pay-3", now - dt.timedelta(days=1)),
        (other_operator.customer, "999.00", True, 1, "foreign", now - dt.timedelta(days=1)),
    ]
    created = []
    for customer, amount, processed, kind, ext_id, when in rows:
        row = Transaction.objects.create(
            client=customer.client,
            customer=customer,
            amount=Decimal(amount),
            processed=processed,
            transaction_type=kind,
            ext_id=ext_id,
            comment="=HYPERLINK(1)" if ext_id == "pay-3" else "",
        )
        Transaction.objects.filter(pk=row.pk).update(created_at=when)
        created.append(row)
    return created


def ext_ids(response) -> set[str]:
    return {t.ext_id for t in response.context["cl"].result_list}


def test_filters_combine_on_several_fields(staff, ledger):
    client = login(staff)
    assert ext_ids(client.get(LIST)) == {"pay-1", "charge-1", "pay-2", "pay-3"}
    assert ext_ids(client.get(LIST, {"kind": "payment"})) == {"pay-1", "pay-2", "pay-3"}
    assert ext_ids(client.get(LIST, {"kind": "payment", "processed__exact": "1"})) == {"pay-1", "pay-3"}
    since = (timezone.now() - dt.timedelta(days=20)).date().isoformat()
    response = client.get(LIST, {"kind": "payment", "processed__exact": "1", "created_at__date__gte": since})
    assert ext_ids(response) == {"pay-3"}
    until = (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    assert ext_ids(client.get(LIST, {"created_at__date__lte": until})) == {"pay-1", "charge-1"}
    assert ext_ids(client.get(LIST, {"q": "charge"})) == {"charge-1"}


def test_a_bad_date_in_the_filter_is_said_on_the_page_and_the_other_bound_still_applies(staff, ledger):
    until = (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    response = login(staff).get(LIST, {"created_at__date__gte": "yesterday", "created_at__date__lte": until})
    assert response.status_code == 200
    html = response.content.decode()
    assert "“yesterday” is not a date (YYYY-MM-DD)" in html and 'class="errornote smarty-filter-error"' in html
    assert ext_ids(response) == {"pay-1", "charge-1"}  # the valid bound, and never the other operator's


def test_the_csv_export_link_exports_the_filtered_list(staff, ledger):
    client = login(staff)
    html = client.get(LIST, {"kind": "payment", "processed__exact": "1"}).content.decode()
    assert "export.csv?kind=payment&amp;processed__exact=1" in html
    rows = read_csv(client.get(EXPORT, {"kind": "payment", "processed__exact": "1"}))
    assert {r["ext_id"] for r in rows} == {"pay-1", "pay-3"}
    assert rows[0].keys() >= {"id", "created_at", "customer", "amount", "processed", "ext_id", "comment"}
    # a cell that a spreadsheet would run as a formula is neutralised
    assert next(r for r in rows if r["ext_id"] == "pay-3")["comment"] == "'=HYPERLINK(1)"
    assert next(r for r in rows if r["ext_id"] == "pay-1")["amount"] == "100.00"


def test_the_csv_export_never_includes_another_operator(staff, ledger):
    rows = read_csv(login(staff).get(EXPORT))
    assert "foreign" not in {r["ext_id"] for r in rows}
    assert len(rows) == 4


def test_the_export_action_exports_the_selected_rows(staff, ledger):
    chosen = [ledger[0].pk, ledger[4].pk]  # the second belongs to the other operator
    response = login(staff).post(LIST, {"action": "export_csv", "_selected_action": chosen})
    assert {r["ext_id"] for r in read_csv(response)} == {"pay-1"}


def test_exporting_needs_the_view_permission(operator, ledger):
    from .conftest import make_user

    user = make_user("nobody", client=operator.client)
    assert login(user).get(EXPORT).status_code == 403


def test_a_manual_payment_moves_the_balance_and_deleting_it_moves_it_back(staff, operator):
    client = login(staff)
    url = reverse("admin:billing_transaction_add")
    response = client.post(url, form_data(client, url, customer=operator.customer.pk, amount="25.50", processed="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = Transaction.objects.get()
    assert row.client_id == operator.client.pk
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("25.50")
    # the money of a saved transaction cannot change, its comment can
    change = reverse("admin:billing_transaction_change", args=[row.pk])
    response = client.post(change, form_data(client, change, comment="by phone", amount="1000"))
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.amount, row.comment) == (Decimal("25.50"), "by phone")
    response = client.post(reverse("admin:billing_transaction_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("0")


def test_saving_a_tariff_bumps_the_operators_tariff_generation(
    staff, operator, other_operator, django_capture_on_commit_callbacks
):
    client = login(staff)
    url = reverse("admin:tariffs_tariff_change", args=[operator.tariff.pk])
    mine, theirs = tariffs_dep(operator.client.pk), tariffs_dep(other_operator.client.pk)
    before = generations([mine, theirs])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(client, url, price="9.99", allowed_device_groups=["1", "2"]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    tariff = Tariff.objects.get(pk=operator.tariff.pk)
    assert tariff.price == Decimal("9.99") and tariff.allowed_device_groups == [1, 2]
    after = generations([mine, theirs])
    assert after[0] != before[0] and after[1] == before[1]
