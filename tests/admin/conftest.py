"""Admin logins for the admin tests: a superuser, staff of each operator (all operator
permissions, or chosen ones), a monitoring operator and a dealer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient

from clients.models import ClientUser, Dealer

PASSWORD = "admin-pass-1"


def make_user(username: str, *, superuser: bool = False, **profile):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if profile:
        ClientUser.objects.create(user=user, **profile)
    return user


def grant(user, *codenames: str) -> None:
    """Give Django permissions by "app_label.codename"; "*operator*" gives every permission
    operator staff may hold."""
    from clients.admin import operator_permissions

    perms = []
    for name in codenames:
        if name == "*operator*":
            perms.extend(operator_permissions())
            continue
        app_label, codename = name.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.user_permissions.add(*perms)


def login(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_permission_cache():
    from clients.admin import _operator_permission_ids

    _operator_permission_ids.cache_clear()
    yield
    _operator_permission_ids.cache_clear()


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


@pytest.fixture
def staff(operator):
    """Operator 1's staff with every operator permission."""
    user = make_user("staff1", client=operator.client)
    grant(user, "*operator*")
    return user


@pytest.fixture
def other_staff(other_operator):
    user = make_user("staff2", client=other_operator.client)
    grant(user, "*operator*")
    return user


@pytest.fixture
def dealer(operator):
    return Dealer.objects.create(client=operator.client, name="Dealer One")


@pytest.fixture
def dealer_user(dealer):
    return make_user("dealer1", client=dealer.client, dealer=dealer)


@pytest.fixture
def monitoring_user(operator):
    return make_user("monitor1", client=operator.client, is_monitoring=True)


# --- browser tests -------------------------------------------------------------------------
@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 900}, locale="en-US", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def form_data(http, url: str, **overrides) -> dict:
    """POST data of an admin form as the page renders it (initial values, inline management
    forms), with `overrides` applied: what a browser submits without touching other fields."""
    response = http.get(url)
    assert response.status_code == 200, (url, response.status_code)
    context = response.context
    form = context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        widget = getattr(field.widget, "widget", field.widget)  # unwrap the related-object wrapper
        if hasattr(widget, "decompress"):
            for index, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{name}_{index}"] = str(part)
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[name] = str(getattr(value, "pk", value))
    for formset in context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
        for index, inline_form in enumerate(formset.formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value not in (None, False, ""):
                    data[f"{formset.formset.prefix}-{index}-{name}"] = (
                        "on" if value is True else str(getattr(value, "pk", value))
                    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
