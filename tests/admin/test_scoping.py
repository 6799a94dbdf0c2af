"""Operator scoping of the admin: an operator's staff sees, opens, edits and picks only its
own operator's objects; the superuser's header selector narrows the panel to one operator."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Account, Customer
from billing.models import Transaction
from channels.models import Channel
from tariffs.models import Tariff
from tests import factories as f

from .conftest import form_data, grant, login, make_user


def admin_url(obj, view: str = "change") -> str:  # noqa: ANN001
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def changelist(model) -> str:  # noqa: ANN001
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


@pytest.fixture
def foreign_objects(other_operator):
    """One object of each kind belonging to the second operator."""
    transaction = Transaction.objects.create(client=other_operator.client, customer=other_operator.customer, amount=5)
    return [
        other_operator.customer,
        other_operator.account,
        other_operator.tariff,
        other_operator.channels[0],
        other_operator.category,
        transaction,
        f.AccountDeviceFactory(account=other_operator.account),
    ]


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_staff_cannot_open_another_operators_objects_by_url(staff, foreign_objects, view):
    client = login(staff)
    for obj in foreign_objects:
        response = client.get(admin_url(obj, view))
        assert response.status_code == 404, (obj, view, response.status_code)


def test_staff_opens_its_own_objects(staff, operator):
    client = login(staff)
    for obj in (operator.customer, operator.account, operator.tariff, operator.channels[0]):
        assert client.get(admin_url(obj)).status_code == 200


def test_staff_cannot_change_or_delete_another_operators_customer_by_post(staff, other_operator):
    client = login(staff)
    customer = other_operator.customer
    response = client.post(admin_url(customer), {"firstname": "Hacked", "lastname": "X"})
    assert response.status_code == 404
    response = client.post(admin_url(customer, "delete"), {"post": "yes"})
    assert response.status_code == 404
    customer.refresh_from_db()
    assert customer.firstname == "Anna"


def test_bulk_delete_action_ignores_another_operators_ids(staff, operator, other_operator):
    client = login(staff)
    victim = Channel.objects.create(client=other_operator.client, name="Foreign")
    response = client.post(
        changelist(Channel),
        {"action": "delete_selected", "_selected_action": [victim.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Channel.objects.filter(pk=victim.pk).exists()


def test_lists_show_only_the_staff_members_operator(staff, operator, other_operator):
    client = login(staff)
    response = client.get(changelist(Customer))
    names = {c.lastname for c in response.context["cl"].result_list}
    assert "Ivanova1" in names
    assert "Ivanova2" not in names
    response = client.get(changelist(Account))
    abonements = {a.abonement for a in response.context["cl"].result_list}
    assert abonements == {"100001", "100002", "100003"}


def test_search_does_not_reach_another_operator(staff, other_operator):
    response = login(staff).get(changelist(Customer), {"q": "Ivanova2"})
    assert list(response.context["cl"].result_list) == []


def test_form_choices_offer_only_the_operators_objects(staff, operator, other_operator):
    client = login(staff)
    form = client.get(reverse("admin:accounts_customer_add")).context["adminform"].form
    assert set(form.fields["tariffs"].queryset) == {operator.tariff}
    form = client.get(reverse("admin:channels_channel_add")).context["adminform"].form
    assert set(form.fields["category"].queryset) == {operator.category}
    assert "client" not in form.fields


def test_list_filters_offer_only_the_operators_objects(staff, operator, other_operator):
    response = login(staff).get(changelist(Customer))
    tariff_filter = next(spec for spec in response.context["cl"].filter_specs if spec.title == "tariffs")
    assert [pk for pk, _name in tariff_filter.lookup_choices] == [operator.tariff.pk]


def test_posting_another_operators_tariff_is_a_form_error(staff, operator, other_operator):
    client = login(staff)
    url = reverse("admin:accounts_customer_add")
    response = client.post(
        url, form_data(client, url, firstname="New", lastname="Customer", tariffs=[other_operator.tariff.pk])
    )
    assert response.status_code == 200
    assert "tariffs" in response.context["adminform"].form.errors
    assert not Customer.objects.filter(lastname="Customer").exists()


def test_autocomplete_returns_only_the_operators_customers(staff, operator, other_operator):
    response = login(staff).get(
        reverse("admin:autocomplete"),
        {"term": "Ivanova", "app_label": "accounts", "model_name": "account", "field_name": "customer"},
    )
    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert ids == {operator.customer.pk}


def test_new_rows_get_the_staff_members_operator(staff, operator):
    client = login(staff)
    url = reverse("admin:channels_channel_add")
    response = client.post(url, form_data(client, url, name="Brand new", category=operator.category.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Channel.objects.get(name="Brand new").client_id == operator.client.pk


def test_staff_without_an_operator_binding_sees_nothing(db, operator):
    user = make_user("loose")
    grant(user, "accounts.view_customer")
    client = login(user)
    assert client.get(changelist(Customer)).status_code == 403


def test_permissions_are_per_section_and_action(operator):
    user = make_user("viewer", client=operator.client)
    grant(user, "accounts.view_customer")
    client = login(user)
    assert client.get(changelist(Customer)).status_code == 200
    assert client.get(admin_url(operator.customer)).status_code == 200  # read-only page
    assert client.get(reverse("admin:accounts_customer_add")).status_code == 403
    assert client.post(admin_url(operator.customer, "delete"), {"post": "yes"}).status_code == 403
    assert client.get(changelist(Tariff)).status_code == 403
    index = client.get(reverse("admin:index")).context["available_apps"]
    assert [section["name"] for section in index] == ["Subscribers"]


def test_operator_staff_never_get_service_models_even_when_granted(operator):
    user = make_user("sneaky", client=operator.client)
    grant(user, "clients.change_playdevice", "clients.view_client", "streaming.change_routingscript")
    client = login(user)
    assert client.get(reverse("admin:clients_playdevice_changelist")).status_code == 403
    assert client.get(reverse("admin:clients_client_changelist")).status_code == 403
    assert not user.has_perm("streaming.change_routingscript")


def test_monitoring_users_see_only_the_monitoring_section(monitoring_user, operator):
    client = login(monitoring_user)
    sections = [s["name"] for s in client.get(reverse("admin:index")).context["available_apps"]]
    assert sections == ["Monitoring"]
    assert client.get(reverse("admin:accounts_session_changelist")).status_code == 200
    assert client.get(changelist(Customer)).status_code == 403
    assert client.get(admin_url(operator.customer)).status_code == 403


# --- the superuser's operator selector ------------------------------------------------------
def test_superuser_sees_all_operators_until_one_is_selected(superuser, operator, other_operator):
    client = login(superuser)
    response = client.get(changelist(Customer))
    assert {c.client_id for c in response.context["cl"].result_list} == {operator.client.pk, other_operator.client.pk}
    assert "client" in response.context["cl"].list_display

    response = client.post(
        reverse("admin:smarty_select_operator"),
        {"client_id": other_operator.client.pk, "next": changelist(Customer)},
    )
    assert response.status_code == 302
    assert response["Location"] == changelist(Customer)
    response = client.get(changelist(Customer))
    assert {c.client_id for c in response.context["cl"].result_list} == {other_operator.client.pk}
    assert "client" not in response.context["cl"].list_display
    assert client.get(admin_url(operator.customer)).status_code == 404
    assert response.context["smarty_current_operator"]["id"] == other_operator.client.pk

    client.post(reverse("admin:smarty_select_operator"), {"client_id": ""})
    response = client.get(changelist(Customer))
    assert len(response.context["cl"].result_list) == 4


def test_switching_operator_on_an_object_page_goes_back_to_its_list(superuser, operator, other_operator):
    response = login(superuser).post(
        reverse("admin:smarty_select_operator"),
        {"client_id": other_operator.client.pk, "next": admin_url(operator.customer)},
    )
    assert response["Location"] == changelist(Customer)


def test_the_selector_is_for_superusers_and_posts_only(superuser, staff, other_operator):
    url = reverse("admin:smarty_select_operator")
    assert login(superuser).get(url).status_code == 405
    assert login(staff).post(url, {"client_id": other_operator.client.pk}).status_code == 404


def test_the_selector_refuses_external_redirects(superuser, operator):
    response = login(superuser).post(
        reverse("admin:smarty_select_operator"), {"client_id": operator.client.pk, "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("admin:index")


def test_superuser_adding_with_an_operator_selected_gets_that_operator(superuser, operator, other_operator):
    client = login(superuser)
    client.post(reverse("admin:smarty_select_operator"), {"client_id": other_operator.client.pk})
    url = reverse("admin:channels_channel_add")
    response = client.post(url, form_data(client, url, name="Picked", category=other_operator.category.pk))
    assert response.status_code == 302
    assert Channel.objects.get(name="Picked").client_id == other_operator.client.pk


def test_superuser_in_all_operators_mode_cannot_mix_operators_in_one_object(superuser, operator, other_operator):
    client = login(superuser)
    url = reverse("admin:channels_channel_add")
    response = client.post(
        url, form_data(client, url, client=operator.client.pk, name="Mixed", category=other_operator.category.pk)
    )
    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert not Channel.objects.filter(name="Mixed").exists()


# --- staff logins managed by operator staff (seed 3.2.4.4) ---------------------------------
def test_operator_staff_manage_only_their_operators_logins(staff, other_staff, operator):
    colleague = make_user("colleague", client=operator.client)
    client = login(staff)
    response = client.get(reverse("admin:auth_user_changelist"))
    assert {u.username for u in response.context["cl"].result_list} == {"colleague"}
    assert client.get(reverse("admin:auth_user_change", args=[other_staff.pk])).status_code == 404
    assert client.get(reverse("admin:auth_user_change", args=[staff.pk])).status_code == 404  # not themselves
    form = client.get(reverse("admin:auth_user_change", args=[colleague.pk])).context["adminform"].form
    assert "is_superuser" not in form.fields
    codenames = set(form.fields["user_permissions"].queryset.values_list("codename", flat=True))
    assert "change_customer" in codenames
    assert "change_playdevice" not in codenames
    assert "change_client" not in codenames


def test_logins_created_by_operator_staff_are_bound_to_the_operator(staff, operator):
    client = login(staff)
    url = reverse("admin:auth_user_add")
    response = client.post(
        url,
        form_data(
            client,
            url,
            username="newbie",
            password1="S3cret-pass-xyz",
            password2="S3cret-pass-xyz",
            usable_password="true",
            **{"smarty_profile-TOTAL_FORMS": "1", "smarty_profile-0-is_monitoring": "on"},
        ),
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    from django.contrib.auth import get_user_model

    newbie = get_user_model().objects.get(username="newbie")
    assert newbie.is_staff and not newbie.is_superuser
    assert newbie.smarty_profile.client_id == operator.client.pk
    assert newbie.smarty_profile.is_monitoring


def test_section_groups_grant_view_or_manage_per_section(operator):
    import io

    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("setup_admin_groups", stdout=io.StringIO())
    call_command("setup_admin_groups", stdout=io.StringIO())  # idempotent
    manage = set(Group.objects.get(name="Subscribers: manage").permissions.values_list("codename", flat=True))
    assert {"view_customer", "add_customer", "change_customer", "delete_customer"} <= manage
    assert "change_customeractionlog" not in manage  # the action log is read-only
    assert not any(name.endswith("playdevice") or name.endswith("_client") for name in manage)
    assert not Group.objects.filter(name__startswith="Service panel").exists()

    user = make_user("accountant", client=operator.client)
    user.groups.add(Group.objects.get(name="Billing: view"))
    client = login(user)
    assert client.get(changelist(Transaction)).status_code == 200
    assert client.get(reverse("admin:billing_transaction_add")).status_code == 403
    assert client.get(changelist(Customer)).status_code == 403


def test_a_superuser_cannot_bind_a_login_to_another_operators_dealer(superuser, operator, other_operator):
    from clients.models import Dealer

    foreign_dealer = Dealer.objects.create(client=other_operator.client, name="Elsewhere")
    target = make_user("target")
    client = login(superuser)
    url = reverse("admin:auth_user_change", args=[target.pk])
    data = form_data(client, url)
    data.update(
        {
            "smarty_profile-TOTAL_FORMS": "1",
            "smarty_profile-0-client": str(operator.client.pk),
            "smarty_profile-0-dealer": str(foreign_dealer.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert not hasattr(target, "smarty_profile") or target.smarty_profile.dealer_id is None
    data["smarty_profile-0-dealer"] = ""
    assert client.post(url, data).status_code == 302
    target.refresh_from_db()
    assert target.smarty_profile.client_id == operator.client.pk
