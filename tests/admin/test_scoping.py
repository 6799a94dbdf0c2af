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


def admin_url(obj, view: str = "change") -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def changelist(model) -> str:
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
    assert list(Group.objects.filter(name__startswith="Service panel").values_list("name", flat=True)) == [
        "Service panel: manage"
    ]
    service = set(Group.objects.get(name="Service panel: manage").permissions.values_list("codename", flat=True))
    assert {"add_client", "change_playdevice"} <= service and "add_customer" not in service

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


def test_an_existing_object_never_moves_to_another_operator(superuser, operator, other_operator):
    """In the all-operators view a superuser chooses the operator of new rows only: a tariff
    or customer moved to another operator would leave its channels, accounts, devices and
    payments behind at the first one."""
    from tests.tenancy import cross_operator_links

    client = login(superuser)
    for obj in (operator.customer_without_tariff, operator.tariff, operator.channels[0], operator.category):
        url = admin_url(obj)
        assert client.get(url).context["adminform"].form.fields["client"].disabled, obj
        response = client.post(url, form_data(client, url, client=other_operator.client.pk))
        assert response.status_code == 302, (obj, response.context and response.context["adminform"].form.errors)
        obj.refresh_from_db()
        assert obj.client_id == operator.client.pk
    # An account follows its customer when created, never when changed.
    url = admin_url(operator.account)
    response = client.post(url, form_data(client, url, customer=other_operator.customer.pk))
    assert response.status_code == 200
    assert "customer" in response.context["adminform"].form.errors
    operator.account.refresh_from_db()
    assert (operator.account.client_id, operator.account.customer_id) == (operator.client.pk, operator.customer.pk)
    assert cross_operator_links() == []
    form = client.get(reverse("admin:accounts_customer_add")).context["adminform"].form
    assert not form.fields["client"].disabled


# --- every operator admin at once ----------------------------------------------------------
def populate(op, index: int) -> None:
    """One look-alike row of each operator-owned model that has an admin."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from accounts.models import CustomerActionLog, DeviceCommand, Message, ProfileType
    from billing.models import Payment, PromoActivation, PromoCode, SavedCard
    from channels.models import Camera, CameraCategory, ChannelSort, Radio
    from clients.models import Dealer, PortalSettings
    from monitoring.models import DeviceReport, ProvisioningCommand, ViewEvent
    from streaming.models import Maintenance, RoutingScript, StreamToken
    from tariffs.models import TariffSubscription
    from tests.vod.world import populate_library
    from vod.models import Video, VideoGenre

    client, now = op.client, timezone.now()
    dealer = Dealer.objects.create(client=client, name="Dealer")
    op.customer.dealer = dealer
    op.customer.save()
    PortalSettings.objects.create(client=client)
    ProfileType.objects.create(client=client, name="Kids")
    device = f.AccountDeviceFactory(account=op.account, device_uid="uid")
    f.SessionFactory(account=op.account, device=device)
    Message.objects.create(client=client, account=op.account, uuid=uuid.uuid4(), text="Hi")
    DeviceCommand.objects.create(client=client, account=op.account, device=device, type="2")
    CustomerActionLog.objects.create(
        client=client, customer=op.customer, account=op.account, source="admin", action="x"
    )
    TariffSubscription.objects.create(client=client, customer=op.customer, tariff=op.tariff, start_date=now)
    Radio.objects.create(client=client, name="Radio", uri="http://r.test").tariffs.add(op.tariff)
    category = CameraCategory.objects.create(client=client, name="Streets")
    Camera.objects.create(client=client, name="Cam", account=op.account, camera_category=category)
    ChannelSort.objects.create(client=client, name="Sort")
    genre = VideoGenre.objects.create(client=client, name="Drama")
    video = Video.objects.create(client=client, name="Film")
    video.genres.add(genre)
    populate_library(op, video, genre)
    dc = f.DataCenterFactory(client=client, name="DC")
    script = RoutingScript.objects.create(client=client, name="Script", code="uri = uri")
    service = f.StreamServiceFactory(client=client, name="Streamer", data_center=dc, routing_script=script)
    window = Maintenance.objects.create(client=client, start_time=now, message="Works")
    window.channels.add(op.channels[0])
    StreamToken.objects.create(
        client=client, token=f"token{index}", account=op.account, stream_service=service, expires_at=now
    )
    transaction = Transaction.objects.create(client=client, customer=op.customer, amount=5, tariff=op.tariff)
    promo = PromoCode.objects.create(client=client, code="PROMO", account=op.account, tariff=op.tariff, amount=1)
    PromoActivation.objects.create(
        client=client, promo=promo, customer=op.customer, account=op.account, transaction=transaction
    )
    paid = Payment.objects.create(client=client, customer=op.customer, account=op.account, amount=5)
    from billing.models import Refund
    from channels.models import ProgramReminder

    Refund.objects.create(client=client, payment=paid, amount=1)
    guide = f.EpgChannelFactory(name=f"Guide {index}")
    ProgramReminder.objects.create(
        client=client, account=op.account, channel=op.channels[0], program=f.ProgramFactory(epg_channel=guide)
    )
    SavedCard.objects.create(client=client, customer=op.customer, gateway="test", token="t")
    from billing.models import GatewayAccount
    from selfservice.models import LegalDocument, QrLogin

    GatewayAccount.objects.create(client=client, gateway="yookassa", shop_id="shop", secret_key="secret")
    LegalDocument.objects.create(client=client, name="Terms")
    QrLogin.objects.create(
        client=client, token=f"qr{index}", login_code="123456", device_uid="tv", expires_at=now, account=op.account
    )
    ViewEvent.objects.create(
        client=client, account=op.account, content_type="live", content_id="1", started_at=now - dt.timedelta(hours=1)
    )
    DeviceReport.objects.create(client=client, kind="ping", uid="uid", payload={"sent": 1})
    ProvisioningCommand.objects.create(client=client, uid="uid", name="reboot")
    populate_portal(op, index)


def populate_portal(op, index: int) -> None:
    from portal import models as portal

    client = op.client
    row = portal.Dashboard.objects.create(client=client, title="Row", type=2, channel_category=op.category)
    row.channels.add(op.channels[0])
    portal.Application.objects.create(client=client, name="App", system_name="App")
    portal.DataSource.objects.create(client=client, name="News", kind="rss", url="http://127.0.0.1:9/rss")
    portal.AdBlock.objects.create(client=client, name="Block").channels.add(op.channels[0])
    portal.Feed.objects.create(client=client, name="Feed")
    portal.Game.objects.create(client=client, name="Game", system_name="game")
    portal.HbbProvider.objects.create(client=client, type=1, name="Hbb").channels.add(op.channels[0])
    child = f.ClientFactory(name=f"Child {index}", domain_prefix=f"child{index}")
    portal.ChildClient.objects.create(client=client, child=child, uid=index)


def test_every_operator_admin_lists_filters_offers_and_exports_only_the_staff_members_operator(
    staff, operator, other_operator, settings
):
    import csv
    import io

    from django.contrib import admin as django_admin

    from clients.models import ClientUser
    from smarty.admin_access import is_operator_owned

    settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = True
    populate(operator, 1)
    populate(other_operator, 2)
    mine = operator.client.pk
    http = login(staff)
    checked = 0

    def own(model, pks) -> bool:
        pks = {int(pk) for pk in pks}
        return not is_operator_owned(model) or set(
            model._default_manager.filter(pk__in=pks).values_list("client_id", flat=True)
        ) <= {mine}

    for model, model_admin in django_admin.site._registry.items():
        if not is_operator_owned(model) or model is ClientUser:
            continue
        opts = model._meta
        response = http.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, model
        cl = response.context["cl"]
        rows = list(cl.queryset)
        assert rows and {row.client_id for row in rows} == {mine}, model
        for spec in cl.filter_specs:
            field = getattr(spec, "field", None)
            if field is not None and field.is_relation and getattr(spec, "lookup_choices", None) is not None:
                assert own(field.related_model, [pk for pk, _label in spec.lookup_choices]), (model, spec.title)
        forms = [http.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[rows[0].pk]))]
        forms.append(http.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")))
        for page in forms:
            if page.status_code != 200:
                continue
            for name, form_field in page.context["adminform"].form.fields.items():
                queryset = getattr(form_field, "queryset", None)
                if queryset is not None and name != "client":
                    assert own(queryset.model, queryset.values_list("pk", flat=True)), (model, name)
        for name in model_admin.autocomplete_fields:
            found = http.get(
                reverse("admin:autocomplete"),
                {"term": "", "app_label": opts.app_label, "model_name": opts.model_name, "field_name": name},
            ).json()["results"]
            remote = opts.get_field(name).related_model
            assert found and own(remote, [item["id"] for item in found]), (model, name)
        export = f"admin:{opts.app_label}_{opts.model_name}_export"
        try:
            url = reverse(export)
        except Exception:  # noqa: BLE001 - no CSV export on this list
            url = None
        if url:
            exported = list(csv.reader(io.StringIO(b"".join(http.get(url).streaming_content).decode())))
            assert len(exported) - 1 == len(rows), model
        checked += 1
    assert checked >= 30


def test_a_crafted_post_naming_another_operators_row_in_any_relation_is_refused(staff, operator, other_operator):
    from django.contrib import admin as django_admin
    from django.forms import ModelMultipleChoiceField

    from clients.models import ClientUser
    from smarty.admin_access import is_operator_owned
    from tests.tenancy import operator_snapshot

    populate(operator, 1)
    populate(other_operator, 2)
    http = login(staff)
    before = {"mine": operator_snapshot(operator.client), "theirs": operator_snapshot(other_operator.client)}
    tried = 0
    for model in list(django_admin.site._registry):
        if not is_operator_owned(model) or model is ClientUser:
            continue
        opts = model._meta
        own_row = model._default_manager.filter(client=operator.client).order_by("pk").first()
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_add")]
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[own_row.pk]))
        for url in urls:
            page = http.get(url)
            if page.status_code != 200:
                continue
            form = page.context["adminform"].form
            for name, form_field in form.fields.items():
                queryset = getattr(form_field, "queryset", None)
                if queryset is None or name == "client" or form_field.disabled or not is_operator_owned(queryset.model):
                    continue
                foreign = queryset.model._default_manager.filter(client=other_operator.client).first()
                assert foreign is not None, (model, name)
                value = [foreign.pk] if isinstance(form_field, ModelMultipleChoiceField) else foreign.pk
                response = http.post(url, form_data(http, url, **{name: value}))
                assert response.status_code == 200, (model, name, url)
                assert name in response.context["adminform"].form.errors, (model, name, url)
                tried += 1
    assert tried >= 25
    assert operator_snapshot(operator.client) == before["mine"]
    assert operator_snapshot(other_operator.client) == before["theirs"]


def test_list_actions_ignore_another_operators_ids(staff, operator, other_operator):
    from accounts.models import Session

    mine, theirs = f.SessionFactory(account=operator.account), f.SessionFactory(account=other_operator.account)
    client = login(staff)
    client.post(changelist(Session), {"action": "terminate", "_selected_action": [mine.pk, theirs.pk]})
    assert list(Session.objects.values_list("pk", flat=True)) == [theirs.pk]
    Transaction.objects.create(client=other_operator.client, customer=other_operator.customer, amount=5, ext_id="T")
    foreign = Transaction.objects.get(ext_id="T")
    response = client.post(changelist(Transaction), {"action": "export_csv", "_selected_action": [foreign.pk]})
    exported = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(exported) == 1  # the header only


def test_an_add_page_preset_with_another_operators_row_does_not_show_it(staff, operator, other_operator):
    client = login(staff)
    pages = {
        reverse("admin:accounts_account_add") + f"?customer={other_operator.customer.pk}": "Ivanova2",
        reverse("admin:accounts_message_add") + f"?account={other_operator.account.pk}": "200001",
        reverse("admin:accounts_devicecommand_add") + f"?account={other_operator.account.pk}": "200001",
        reverse("admin:tariffs_tariffsubscription_add") + f"?customer={other_operator.customer.pk}": "Ivanova2",
        reverse("admin:billing_transaction_add") + f"?customer={other_operator.customer.pk}": "Ivanova2",
    }
    for url, marker in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker not in response.content.decode(), url
