"""TVMW Actor, Genre, Selection, Seance and Provider groups and the video purchases
(Billing's transaction/create type 1, video/action, subscription list/cancel) over HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import tvmiddleware.views  # noqa: F401 - registers the methods
from billing import services as billing_services
from billing.models import Transaction
from tests.billing.conftest import BillingClient
from tvmiddleware.api import tvmw
from vod import services
from vod.models import SeanceTicket, Selection, VideoPurchase

from .conftest import VOD_SPEC, spec_fields

pytestmark = pytest.mark.django_db


def test_every_video_group_method_of_the_reference_is_registered():
    registered = {m.path for m in tvmw.methods.values()}
    missing = sorted(set(VOD_SPEC) - registered)
    assert missing == []
    assert len(VOD_SPEC) == 33


def test_actor_list_detail_and_search(api, noauth, library, other_library):
    body = api("actor/list/")
    assert body["error"] == 0 and [a["name"] for a in body["actors"]] == ["Anna Actress"]
    assert set(body["actors"][0]) == spec_fields("/actor/list/", "actors")
    everyone = api("actor/list/", type="all", order="-name")
    assert [a["name"] for a in everyone["actors"]] == ["Dan Director", "Anna Actress"] and everyone["count"] == 2
    assert [a["name"] for a in api("actor/list/", vid=library.film.pk, type="director")["actors"]] == ["Dan Director"]
    detail = api("actor/detail/", aid=library.actor.pk)
    assert detail["name"] == "Anna Actress" and detail["gender"] == "female" and detail["type"] == "Actor"
    assert [g["name"] for g in detail["genres"]] == ["Drama", "Films"]
    assert spec_fields("/actor/detail/") <= set(detail)
    assert api("actor/detail/", aid=other_library.actor.pk)["error"] == 1
    assert [a["name"] for a in api("actor/list/search/", search="ANNA")["actors"]] == ["Anna Actress"]
    assert api("actor/list/search/")["error"] == 1
    assert api("actor/list/", limit=101)["error"] == 1
    assert noauth("noauth/actor/detail/", aid=library.actor.pk)["name"] == "Anna Actress"
    assert noauth("noauth/actor/detail/", aid=other_library.actor.pk)["error"] == 1
    assert [a["id"] for a in noauth("noauth/actor/list/", type="all")["actors"]] == [
        library.actor.pk,
        library.director.pk,
    ]


def test_genre_list_counts_the_videos_the_viewer_sees(api, noauth, library, other_library):
    body = api("genre/list/")
    assert body["error"] == 0
    assert [(g["name"], g["count"], g["subgenres_count"]) for g in body["genres"]] == [("Drama", 1, 1)]
    assert set(body["genres"][0]) == spec_fields("/genre/list/", "genres")
    assert [g["name"] for g in api("genre/list/", categories=1)["genres"]] == ["Films"]
    assert api("genre/list/", categories=2)["error"] == 1
    assert [g["id"] for g in noauth("noauth/genre/list/")["genres"]] == [library.genre.pk]


def test_provider_list(api, noauth, library, other_library):
    body = api("provider/list/")
    assert [p["name"] for p in body["providers"]] == ["Studio 1"]
    assert set(body["providers"][0]) == spec_fields("/provider/list/", "providers")
    assert [p["name"] for p in noauth("noauth/provider/list/")["providers"]] == ["Studio 1"]
    assert noauth("noauth/provider/list/", api_key="nope")["error"] == 403


def test_selections_in_their_order(api, noauth, library, other_library):
    op = library.op
    sel = services.selection_create(
        client=op.client,
        name="Top",
        content_type=Selection.ContentType.VIDEO,
        items=[library.series.pk, library.film.pk, library.hidden.pk],
    )
    services.selection_create(client=op.client, name="Secret", content_type=2, attrs={"is_hidden": True})
    with pytest.raises(services.NotFoundError):
        services.selection_create(client=op.client, name="Bad", content_type=2, items=[other_library.film.pk])
    body = api("selection/list/")
    assert [(s["name"], s["count"]) for s in body["selections"]] == [("Top", 2)]
    assert set(body["selections"][0]) == spec_fields("/selection/list/", "selections")
    detail = api("selection/detail/", selection_id=sel.pk)
    assert [c["video"]["id"] for c in detail["contents"]] == [library.series.pk, library.film.pk]
    assert detail["next_cursor"] == -1 and detail["count"] == 2
    first = api("selection/detail/", selection_id=sel.pk, limit=1, compact=1)
    assert first["next_cursor"] == 1 and "actors" not in first["contents"][0]["video"]
    assert api("selection/detail/")["error"] == 1
    other_sel = services.selection_create(client=other_library.op.client, name="Top", content_type=2)
    assert api("selection/detail/", selection_id=other_sel.pk)["error"] == 1
    assert [s["id"] for s in noauth("noauth/selection/list/")["selections"]] == [sel.pk]
    services.selection_modify(selection=sel, items_add=[library.paid.pk])
    with pytest.raises(services.AlreadyInSelectionError):
        services.selection_modify(selection=sel, items_add=[library.paid.pk])
    assert [c["video"]["id"] for c in api("selection/detail/", selection_id=sel.pk)["contents"]][-1] == library.paid.pk


def test_seances_list_url_and_revoke(api, library, other_library):
    now = dt.datetime.now(dt.UTC)
    seance = services.seance_create(video=library.film, date_start=now - dt.timedelta(minutes=10))
    past = services.seance_create(video=library.film, date_start=now - dt.timedelta(days=2))
    ticket = services.seance_ticket_create(seance=seance, code="12345678")
    with pytest.raises(services.TicketCodeTakenError):
        services.seance_ticket_create(seance=seance, code="12345678")
    other = services.seance_create(video=other_library.film, date_start=now)
    services.seance_ticket_create(seance=other, code="87654321")
    body = api("seance/list/")
    assert [s["id"] for s in body["seances"]] == [seance.pk]
    assert set(body["seances"][0]) == spec_fields("/seance/list/", "seances")
    assert [s["id"] for s in api("seance/list/", show_past=1)["seances"]] == [past.pk, seance.pk]
    url = api("seance/url/", code="12345678")
    assert url["error"] == 0 and url["uri"].startswith("http://vod1.test/") and url["position"] >= 600
    assert SeanceTicket.objects.get(pk=ticket.pk).account_id == library.op.account.pk
    assert api("seance/url/", code="87654321")["error"] == 404
    assert api("seance/url/")["error"] == 400
    assert api("seance/revoke/", code="87654321")["error"] == 3
    assert api("seance/revoke/", sid=other.pk)["error"] == 2
    assert api("seance/revoke/")["error"] == 1
    assert api("seance/revoke/", code="12345678")["error"] == 0
    assert api("seance/url/", code="12345678")["error"] == 404


def test_a_purchase_through_billing_appears_on_the_device(client, api, library, other_library):
    assert library.paid.pk in [v["id"] for v in api("video/list/")["videos"]]
    assert api("video/url/", vid=library.paid.pk, redirect=0)["error"] == 1
    tx = billing_services.transaction_create(
        customer=library.op.customer,
        amount=Decimal("-3.50"),
        ext_id="buy-1",
        transaction_type=1,
        video_ext_id="green",
        video_available_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
    )
    services.video_purchase_from_transaction(transaction_row=tx)
    listed = api("video/list/", get_purchased=1)
    assert [v["id"] for v in listed["videos"]] == [library.paid.pk] and listed["videos"][0]["is_purchased"] == 1
    assert api("video/url/", vid=library.paid.pk, redirect=0)["error"] == 0
    subs = api("video/subscription/list/", is_purchased=1)["subscriptions"]
    purchase = VideoPurchase.objects.get()
    assert [s["name"] for s in subs] == ["Basic", "Green Premiere"]
    assert set(subs[0]) == spec_fields("/video/subscription/list/", "subscriptions")
    assert api("video/subscription/list/", is_purchased=2)["error"] == 1
    assert api("video/subscription/cancel/", subscription=1_000_000_000 + purchase.pk + 7)["error"] == 1
    assert api("video/subscription/cancel/", subscription=1_000_000_000 + purchase.pk)["error"] == 0
    assert api("video/url/", vid=library.paid.pk, redirect=0)["error"] == 1


def test_billing_transaction_create_with_a_video_grants_it(api, library, other_library):
    billing_call = BillingClient(library.op.client).call
    body = billing_call(
        "transaction/create",
        {
            "customer_id": library.op.customer.pk,
            "amount": "-3.50",
            "ext_id": "tx-9",
            "transaction_type": 1,
            "video_ext_id": "green",
            "video_available_until": "2031-02-03 04:05:06",
        },
    )
    assert body["error"] == 0
    purchase = VideoPurchase.objects.get(video=library.paid)
    assert purchase.transaction_id == body["transaction_id"] and purchase.price == Decimal("3.50")
    assert purchase.available_until == dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    assert api("video/detail/", vid=library.paid.pk)["actions"][0]["action"] == "get_video_url"
    assert billing_call("transaction/delete", {"ext_id": "tx-9"})["error"] == 0
    assert not VideoPurchase.objects.exists()


def test_video_action_buys_with_the_balance(api, library):
    customer = library.op.customer
    assert api("video/action/", vid=library.paid.pk, action="buy")["error"] == 2
    billing_services.transaction_create(customer=customer, amount=Decimal("10"), ext_id="pay-1")
    assert api("video/action/", vid=library.paid.pk, action="dance")["error"] == 1
    assert api("video/action/", vid=999999, action="buy")["error"] == 5
    assert api("video/action/", vid=library.paid.pk, action="buy")["error"] == 0
    customer.refresh_from_db()
    assert customer.balance == Decimal("6.50")
    assert Transaction.objects.filter(customer=customer, amount=Decimal("-3.50")).count() == 1
    assert api("video/action/", vid=library.paid.pk, action="buy")["error"] == 3
    assert api("video/url/", vid=library.paid.pk, redirect=0)["error"] == 0
