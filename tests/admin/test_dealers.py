"""Dealers (seed 3.2.8.6): a dealer's login sees and creates only its own customers and
accounts, which are bound to it automatically."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Account, Customer
from billing.models import Transaction
from clients.models import Dealer
from tests import factories as f

from .conftest import form_data, login


def test_the_dealer_page_creates_the_dealers_login(staff, operator):
    client = login(staff)
    url = reverse("admin:clients_dealer_add")
    response = client.post(url, form_data(client, url, name="Corner shop", username="corner", password="Pw-12345"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    dealer = Dealer.objects.get(name="Corner shop")
    assert dealer.client_id == operator.client.pk
    user = get_user_model().objects.get(username="corner")
    assert user.is_staff and user.check_password("Pw-12345")
    assert user.smarty_profile.dealer_id == dealer.pk
    assert user.smarty_profile.client_id == operator.client.pk


def test_a_dealer_login_cannot_take_over_an_existing_username(staff, other_staff, operator):
    client = login(staff)
    url = reverse("admin:clients_dealer_add")
    response = client.post(url, form_data(client, url, name="Thief", username="staff2", password="Pw-12345"))
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    assert other_staff.smarty_profile.dealer_id is None


def test_a_dealer_sees_only_its_own_customers_and_accounts(dealer, dealer_user, operator, other_operator):
    own = f.CustomerFactory(client=operator.client, dealer=dealer, lastname="Own")
    own_account = f.AccountFactory(customer=own, abonement="777001")
    client = login(dealer_user)
    customers = client.get(reverse("admin:accounts_customer_changelist")).context["cl"].result_list
    assert [c.lastname for c in customers] == ["Own"]
    accounts = client.get(reverse("admin:accounts_account_changelist")).context["cl"].result_list
    assert [a.abonement for a in accounts] == ["777001"]
    assert client.get(reverse("admin:accounts_account_change", args=[own_account.pk])).status_code == 200
    # the operator's other customers and the other operator's are out of reach
    for customer in (operator.customer, other_operator.customer):
        assert client.get(reverse("admin:accounts_customer_change", args=[customer.pk])).status_code == 404
    assert client.get(reverse("admin:accounts_account_change", args=[operator.account.pk])).status_code == 404


def test_a_dealer_creates_a_customer_bound_to_it(dealer, dealer_user, operator):
    client = login(dealer_user)
    url = reverse("admin:accounts_customer_add")
    data = form_data(client, url, firstname="Petr", lastname="Dealerov")
    assert "dealer" not in data and "client" not in data
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(lastname="Dealerov")
    assert customer.dealer_id == dealer.pk
    assert customer.client_id == operator.client.pk


def test_a_dealer_creates_an_account_for_its_customer(dealer, dealer_user, operator):
    own = f.CustomerFactory(client=operator.client, dealer=dealer, lastname="Own")
    client = login(dealer_user)
    url = reverse("admin:accounts_account_add")
    response = client.post(url, form_data(client, url, customer=own.pk, abonement="", new_password="4321"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = Account.objects.get(customer=own)
    assert account.client_id == operator.client.pk
    assert len(account.abonement) == operator.client.abonement_length
    assert account.check_password("4321")


def test_a_dealer_cannot_create_accounts_for_other_customers(dealer, dealer_user, operator):
    client = login(dealer_user)
    url = reverse("admin:accounts_account_add")
    response = client.post(url, form_data(client, url, customer=operator.customer.pk, abonement="555"))
    assert response.status_code == 200
    assert "customer" in response.context["adminform"].form.errors
    assert not Account.objects.filter(abonement="555").exists()


def test_a_dealers_customer_choices_and_autocomplete_are_its_own(dealer, dealer_user, operator):
    own = f.CustomerFactory(client=operator.client, dealer=dealer, lastname="Own")
    response = login(dealer_user).get(
        reverse("admin:autocomplete"),
        {"term": "", "app_label": "accounts", "model_name": "account", "field_name": "customer"},
    )
    assert [int(item["id"]) for item in response.json()["results"]] == [own.pk]


def test_a_dealer_has_no_other_sections(dealer_user, operator):
    client = login(dealer_user)
    for name in ("admin:tariffs_tariff_changelist", "admin:channels_channel_changelist", "admin:auth_user_changelist"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("admin:smarty_summary_report")).status_code == 404
    sections = [s["name"] for s in client.get(reverse("admin:index")).context["available_apps"]]
    assert sections == ["Billing", "Subscribers"]


def test_a_dealer_sees_only_its_customers_transactions(dealer, dealer_user, operator):
    own = f.CustomerFactory(client=operator.client, dealer=dealer)
    Transaction.objects.create(client=operator.client, customer=own, amount=10, ext_id="mine")
    Transaction.objects.create(client=operator.client, customer=operator.customer, amount=10, ext_id="theirs")
    rows = login(dealer_user).get(reverse("admin:billing_transaction_changelist")).context["cl"].result_list
    assert [t.ext_id for t in rows] == ["mine"]
