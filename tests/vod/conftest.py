"""Video-library fixtures: the same small library for both operators (so a leak shows), a
VOD streaming service per operator, sessions of a JSON and an XML device."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from lxml import etree

from tests import factories as f
from vod import services
from vod.models import PriceCategory

API = "/tvmiddleware/api/"


@dataclass
class Library:
    op: object
    genre: object
    category: object
    actor: object
    director: object
    provider: object
    film: object
    series: object
    season: object
    episodes: list
    paid: object
    hidden: object
    service: object
    files: dict = field(default_factory=dict)


def build_library(op, index: int) -> Library:
    client = op.client
    genre = services.genre_create(client=client, name="Drama", attrs={"name_lang1": "Драма"})
    category = services.genre_create(client=client, name="Films", attrs={"is_category": True})
    actor = services.actor_create(client=client, name="Anna Actress", attrs={"gender": 2, "country": "France"})
    director = services.actor_create(client=client, name="Dan Director", attrs={"type": "director"})
    provider = services.provider_create(client=client, name=f"Studio {index}", attrs={"type": 0})
    film = services.video_create(
        client=client,
        name="Blue Film",
        attrs={
            "ext_id": "blue",
            "name_lang1": "Синий фильм",
            "year": 2020,
            "countries": "France, Italy",
            "age_rating": 12,
            "kinopoisk_rating": 7.5,
            "imdb_rating": 7.1,
            "duration": 95,
            "poster": "vod/1/poster/blue.jpg",
            "provider_id": provider.pk,
        },
        genre_ids=[genre.pk, category.pk],
        tariff_ids=[op.tariff.pk],
        actor_ids=[actor.pk, director.pk],
        files=[
            {
                "name": "HD",
                "filename": f"films/blue{index}.mp4",
                "duration": 5700,
                "quality": 2,
                "audio_tracks": [{"index": 1, "lang": "fr", "display_name": "Français"}],
            },
            {
                "name": "Trailer",
                "filename": f"http://cdn{index}.test/trailers/blue.mp4",
                "duration": 90,
                "is_trailer": True,
            },
        ],
    )
    series = services.video_create(
        client=client,
        name="Red Series",
        attrs={"ext_id": "red", "year": 2022},
        tariff_ids=[op.tariff.pk],
        seasons=[
            {
                "name": "Season 1",
                "episodes": [
                    {"name": "Pilot", "files": [{"name": "E1", "filename": f"series/red{index}-1.mp4"}]},
                    {
                        "name": "Later",
                        "is_planned": True,
                        "files": [{"name": "E2", "filename": f"series/red{index}-2.mp4"}],
                    },
                ],
            }
        ],
    )
    price = PriceCategory.objects.create(
        client=client, name="Rent", type=PriceCategory.Type.PURCHASE, price=Decimal("3.50"), rent_hours=48
    )
    paid = services.video_create(
        client=client,
        name="Green Premiere",
        attrs={"ext_id": "green", "price_category_id": price.pk},
        tariff_ids=[op.tariff.pk],
        files=[{"name": "Main", "filename": f"films/green{index}.mp4"}],
    )
    hidden = services.video_create(
        client=client,
        name="Grey Locked",
        attrs={"ext_id": "grey"},
        files=[{"name": "Main", "filename": "films/grey.mp4"}],
    )
    dc = f.DataCenterFactory(client=client, name=f"DC {index}")
    service = f.StreamServiceFactory(
        client=client,
        name=f"VOD {index}",
        data_center=dc,
        serves_live=False,
        serves_vod=True,
        vod_url_mask=f"http://vod{index}.test/$cid/index.m3u8?token=$token",
    )
    season = series.seasons.get()
    lib = Library(
        op,
        genre,
        category,
        actor,
        director,
        provider,
        film,
        series,
        season,
        list(series.episodes.order_by("sort_order")),
        paid,
        hidden,
        service,
    )
    lib.files = {v.name: list(v.files.order_by("sort_order")) for v in (film, series, paid, hidden)}
    return lib


@pytest.fixture
def library(operator) -> Library:
    return build_library(operator, 1)


@pytest.fixture
def other_library(other_operator, library) -> Library:
    return build_library(other_operator, 2)


@pytest.fixture
def session(operator, json_device):
    return f.SessionFactory(account=operator.account, play_device=json_device)


@pytest.fixture
def xml_session(operator, xml_device):
    return f.SessionFactory(account=operator.account, play_device=xml_device)


@pytest.fixture
def other_session(other_operator, json_device):
    return f.SessionFactory(account=other_operator.account, play_device=json_device)


@pytest.fixture
def api(client, session):
    """GET a TVMW method as the session's device; the parsed JSON body."""

    def call(method: str, _session=None, _json=None, _status=200, **params):
        sess = _session or session
        params.setdefault("authkey", sess.authkey)
        params.setdefault("client_id", sess.client_id)
        params = {k: v for k, v in params.items() if v is not None}
        if _json is not None:
            query = "&".join(f"{k}={v}" for k, v in params.items())
            response = client.post(f"{API}{method}?{query}", data=json.dumps(_json), content_type="application/json")
        else:
            response = client.get(f"{API}{method}", params)
        assert response.status_code == _status, response.content[:300]
        if _status != 200:
            return response
        return json.loads(response.content)

    return call


@pytest.fixture
def xml_api(client, xml_session):
    """The same as an XML device (the session's device type answers XML)."""

    def call(method: str, **params):
        params.setdefault("authkey", xml_session.authkey)
        params.setdefault("client_id", xml_session.client_id)
        params.setdefault("device", "sagemcom")
        response = client.get(f"{API}{method}", params)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(("application/xml", "text/xml")), response["Content-Type"]
        return etree.fromstring(response.content)

    return call


@pytest.fixture
def noauth(client, operator):
    def call(method: str, _operator=None, **params):
        op = _operator or operator
        params.setdefault("client_id", op.client.pk)
        params.setdefault("api_key", op.client.api_key)
        response = client.get(f"{API}{method}", params)
        assert response.status_code == 200
        return json.loads(response.content)

    return call


def future(days: int = 1) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


VOD_SPEC = json.loads(
    (__import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "tvmw_vod_spec.json").read_text()
)["methods"]


def spec_fields(path: str, prefix: str = "") -> set[str]:
    """Field names of the response (prefix "") or of the items of list `prefix`."""
    head = prefix + "." if prefix else ""
    names = VOD_SPEC[path]["response"]
    return {n[len(head) :] for n in names if n.startswith(head) and "." not in n[len(head) :]}
