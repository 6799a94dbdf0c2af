"""`/` ("View site") is a real page: the admin, the operator's device entry for its staff, the
API docs and the health check; the favicon answers."""

from __future__ import annotations

from django.test import Client as HttpClient

from .conftest import login


def test_the_home_page_links_the_admin_the_api_docs_and_the_health_check(db):
    response = HttpClient().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for link in ('href="/admin/"', 'href="/api/docs/"', 'href="/tvmiddleware/api/health/check/?check_db_conn=1"'):
        assert link in html
    assert "client_id=" not in html  # nobody signed in: no operator is named
    assert HttpClient().get("/tvmiddleware/api/health/check/?check_db_conn=1").status_code == 200


def test_staff_see_their_operators_portal_entry_and_never_another(staff, operator, other_operator):
    html = login(staff).get("/").content.decode()
    assert f"client_id={operator.client.pk}&amp;api_key=" in html and operator.client.domain_prefix in html
    assert f"client_id={other_operator.client.pk}&" not in html and other_operator.client.domain_prefix not in html


def test_the_favicon_answers_and_the_pages_declare_it(staff, db):
    response = HttpClient().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert 'rel="icon"' in login(staff).get("/admin/").content.decode()
