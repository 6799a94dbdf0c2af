"""The operator panel: the playlist token is shown on the account card and reset by an
action that touches only the operator's own accounts; the players switches of the operator
and of a tariff."""

from __future__ import annotations

import pytest

from accounts.models import Account
from accounts.services.players import account_playlist_token_ensure
from tests.admin.conftest import grant, login, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(operator):
    user = make_user("players-staff", client=operator.client)
    grant(user, "*operator*")
    return user


def test_staff_reset_the_playlist_token_of_their_accounts_only(staff, operator, other_operator):
    own = account_playlist_token_ensure(account=operator.account)
    other = account_playlist_token_ensure(account=other_operator.account)
    http = login(staff)
    card = http.get(f"/admin/accounts/account/{operator.account.pk}/change/")
    assert card.status_code == 200 and own.encode() in card.content
    response = http.post(
        "/admin/accounts/account/",
        {"action": "reset_playlist_token", "_selected_action": [operator.account.pk, other_operator.account.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Account.objects.get(pk=operator.account.pk).playlist_token not in (own, None)
    assert Account.objects.get(pk=other_operator.account.pk).playlist_token == other


def test_the_players_switches_are_in_the_tariff_form(staff, operator):
    page = login(staff).get(f"/admin/tariffs/tariff/{operator.tariff.pk}/change/")
    assert page.status_code == 200 and b'name="players_enabled"' in page.content
