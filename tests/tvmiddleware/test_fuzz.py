"""No input makes the TVMW device API fail. Every method registered under /tvmiddleware/api/
(enumerated from the registry, so a method added later is fuzzed too) gets garbage in each
declared parameter, without a session and with a real one (authkey in the query or in the
cookie), by GET, by form POST and in a JSON body, for a JSON device type and an XML one. Every
answer must be the API's HTTP status, a body in the device type's format with an integer
`error`, and no unexpected exception may be logged (UNHANDLED_API_ERROR from the registry,
CONTENT_REQUEST_FAIL from the stream methods, Django's request errors)."""

from __future__ import annotations

import datetime as dt
import json
import os
import zlib
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.forms.models import model_to_dict
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.models import Account, AccountDevice, Customer, Message, ProfileType, Session
from accounts.services.messages import message_create
from channels.models import AccountChannelSetting, Camera, CameraCategory, ChannelSort
from clients.models import City, Country, PlayDevice
from smarty.api.registry import Method
from streaming.views import token_check
from tests import api_fuzz as fz
from tests import factories as f
from tvmiddleware import views as _views  # noqa: F401 - registers the methods
from tvmiddleware.api import tvmw

from .live_fixtures import make_guide

pytestmark = pytest.mark.django_db

BASE = "/tvmiddleware/api"
METHODS = sorted(tvmw.methods.values(), key=lambda m: m.path)

# The reference's TVMW methods this project implements (docs/tvmw-auth.md,
# docs/tvmw-content.md, docs/streaming.md): a floor for the enumeration, which comes from
# the registry.
IMPLEMENTED = frozenset(
    {
        "/account/parent_code/set/",
        "/account/password/change/",
        "/account/profile/settings/modify/",
        "/account/settings/list/",
        "/account/settings/modify/",
        "/account/status/",
        "/account/tariff/list",
        "/camera/category/list/",
        "/camera/city/list/",
        "/camera/detail/",
        "/camera/list/",
        "/camera/url/",
        "/category/list/",
        "/channel/action/",
        "/channel/detail/",
        "/channel/icon/list/",
        "/channel/list/",
        "/channel/list/last/",
        "/channel/list/programs/",
        "/channel/list/search/",
        "/channel/programs/",
        "/channel/sort/list/",
        "/channel/url/",
        "/country/info/",
        "/country/list/",
        "/health/check/",
        "/login/",
        "/login/customer_list/",
        "/login/ext/",
        "/logout/",
        "/message/delete/",
        "/message/detail/",
        "/message/list/",
        "/noauth/category/list/",
        "/noauth/program/category/channel/list/",
        "/noauth/program/category/list/",
        "/noauth/program/detail/",
        "/noauth/program/list/",
        "/portal/settings/list/",
        "/premiere/list/",
        "/profile/list/",
        "/program/category/channel/list/",
        "/program/category/list/",
        "/program/category/record/list/",
        "/program/detail/",
        "/program/genre/list/",
        "/program/list/",
        "/program/list/search/",
        "/program/url/",
        "/radio/list/",
        "/settings/save/",
        "/streamservice/token/check/",
        "/v2/account/channels/accountsettingsinfo/",
        "/v2/account/channels/sort/",
        "/v2/account/channels/update/",
        "/v2/channel/info/",
        "/v2/channel/list/",
        "/v2/noauth/channel/info/",
        "/v2/noauth/channel/list/",
    }
)

# Parameters every method shares: fewer probes each (they meet the same code in every
# method), rotating so that every probe still reaches every kind of method.
SHARED = frozenset({"authkey", "client_id", "device", "device_uid", "lang", "api_key"})


@dataclass(frozen=True)
class Variant:
    http: str  # GET or POST (form body)
    fmt: str  # the device type's format: json or xml
    key: str  # where the authkey travels: query or cookie


VARIANTS = [Variant(h, fm, k) for h in ("GET", "POST") for fm in ("json", "xml") for k in ("query", "cookie")]
DEVICES = {"json": "android", "xml": "sagemcom"}
UNKNOWN_AUTHKEY = "0" * 32


def key_of(method: Method) -> str:
    return method.path.strip("/")


def offset_of(method: Method) -> int:
    return zlib.crc32(method.path.encode())


def statuses(method: Method) -> set[int]:
    """The HTTP statuses the API answers with: 200, and the streaming server's denial for
    the token check."""
    if method.handler is token_check:
        return {200, settings.SMARTY_STREAM_TOKEN_DENY_STATUS}
    return {200}


@dataclass
class Fuzzer:
    """Sends garbage to TVMW methods as an operator's devices and checks every answer."""

    op: object
    other: object
    http: HttpClient
    findings: fz.Findings
    base: dict
    xml_devices: frozenset[str]
    password_hash: str
    sessions: dict[str, str] = field(default_factory=dict)

    # --- sessions ---------------------------------------------------------------------------

    def login(self, fmt: str) -> str:
        self.http.cookies.clear()
        response = self.http.get(
            f"{BASE}/login/",
            {
                "abonement": self.op.account.abonement,
                "password": "1234",
                "client_id": self.op.client.pk,
                "api_key": self.op.client.api_key,
                "device": DEVICES[fmt],
                "device_uid": f"fuzz-session-{fmt}",
            },
        )
        body = fz.parse_body(response, fmt, fields=("authkey",))
        assert body["error"] == 0, body
        self.sessions[fmt] = body["authkey"]
        return body["authkey"]

    def restore(self) -> None:
        """Undo what a fuzzed call may legitimately change for the next one: a password
        changed to garbage, a session logged out or replaced by a new login of its device."""
        Account.objects.filter(pk=self.op.account.pk).exclude(password=self.password_hash).update(
            password=self.password_hash
        )
        alive = set(Session.objects.filter(authkey__in=self.sessions.values()).values_list("authkey", flat=True))
        for fmt, authkey in list(self.sessions.items()):
            if authkey not in alive:
                self.login(fmt)

    # --- requests ---------------------------------------------------------------------------

    def credentials(self, variant: Variant, params: dict) -> tuple[dict, str | None]:
        """Query/body credentials of an authenticated call, and the authkey cookie."""
        creds = {"client_id": self.op.client.pk, "api_key": self.op.client.api_key}
        authkey = self.sessions[variant.fmt]
        cookie = None
        if variant.key == "cookie":
            cookie = authkey
        else:
            creds["authkey"] = authkey
        return {k: str(v) for k, v in creds.items() if k not in params}, cookie

    def send(
        self,
        method: Method,
        params: dict[str, fz.Value],
        variant: Variant,
        *,
        authenticated: bool,
        body: tuple[str, bytes] | None = None,
    ) -> None:
        params = dict(params)
        if "device" not in params and "device[]" not in params:
            params = {"device": DEVICES[variant.fmt], **params}
        cookie = None
        if authenticated:
            creds, cookie = self.credentials(variant, params)
            params = {**creds, **params}
        elif variant.key == "cookie":
            cookie = UNKNOWN_AUTHKEY
        items = fz.pairs(params)
        url = BASE + method.path
        self.http.cookies.clear()
        if cookie is not None:
            self.http.cookies["authkey"] = cookie
        if body is not None:
            content_type, payload = body
            response = self.http.generic("POST", f"{url}?{fz.encode(items)}", payload, content_type)
        elif variant.http == "GET":
            response = self.http.get(f"{url}?{fz.encode(items)}")
        else:
            response = self.http.post(url, fz.encode(items), content_type="application/x-www-form-urlencoded")
        self.check(method, items, response)
        if authenticated:
            self.restore()

    def check(self, method: Method, items: list, response) -> None:
        shown = [(n, v[:40] if isinstance(v, (str, bytes)) else v) for n, v in items][:16]
        device = fz.last_value(items, "device")
        fmt = method.response_format or ("xml" if device in self.xml_devices else "json")
        self.findings.check(
            response,
            where=(method.path, response.request["REQUEST_METHOD"], shown),
            fmt=fmt,
            statuses=statuses(method),
            redirect_ok=any(p.name == "redirect" for p in method.params),
            success_status=200 if method.handler is token_check else None,
        )


# --- the world the garbage lands in ------------------------------------------------------------


def build_world(op, other) -> dict:
    """Valid values for every parameter name, so that garbage in one reaches deep code."""
    now = timezone.now()
    guide = make_guide(op.channels)
    make_guide(other.channels, prefix="Theirs")
    programme = guide[op.channels[0].pk][3]
    dc = f.DataCenterFactory(client=op.client, name="DC fuzz")
    service = f.StreamServiceFactory(
        client=op.client,
        data_center=dc,
        live_url_mask="http://fuzz.test/$cid/index.m3u8?token=$token",
        archive_url_mask="http://fuzz.test/$cid/archive-$flpbt-$flpdur.m3u8?token=$token",
    )
    op.tariff.stream_services.add(service)
    for n, channel in enumerate(op.channels):
        channel.id_for_stream_service = f"fuzz{n}"
        channel.url_prefix = f"fuzz-{n}"
        channel.recording_days = 3
        channel.save()
    country = Country.objects.create(code="FZ", name="Fuzzland")
    city = City.objects.create(country=country, name="Fuzzcity")
    camera_category = CameraCategory.objects.create(client=op.client, name="Streets", city=city)
    camera = Camera.objects.create(
        client=op.client, name="Square", id_for_stream_service="cam1", camera_category=camera_category, geo_city=city
    )
    camera.tariffs.add(op.tariff)
    camera.stream_services.add(service)
    sort = ChannelSort.objects.create(client=op.client, name="Mine", channel_ids=[c.pk for c in op.channels])
    message = message_create(account=op.account, text="Hello", subject="Hi")
    message_create(account=other.account, text="Theirs")
    profile = ProfileType.objects.create(client=op.client, name="Kids", is_default=True)
    template = f.PlayDeviceTemplateFactory(system_name="fuzz-template")
    channel = op.channels[0]
    return {
        "cid": channel.pk,
        "pid": programme.pk,
        "uuid": str(message.uuid),
        "profile_id": profile.pk,
        "template_id": template.pk,
        "template_system_name": template.system_name,
        "category_id": op.category.pk,
        "city_id": city.pk,
        "genre_id": 1,
        "channel_sort_id": sort.pk,
        "tariff_id": op.tariff.pk,
        "exclude_tariff_id": other.tariff.pk,
        "channel_ids": ",".join(str(c.pk) for c in op.channels),
        "exclude_service_id": service.pk + 1000,
        "data_center_id": dc.pk,
        "favorite_channel": channel.pk,
        "unfavorite_channel": op.channels[1].pk,
        "parent_lock_channel": op.channels[1].pk,
        "parent_unlock_channel": op.channels[2].pk,
        "preferred_timeshift_offset": 3600,
        "use_timeshift": 1,
        "time": int(programme.time_begin.timestamp()),
        "time_from": int((now - dt.timedelta(hours=2)).timestamp()),
        "time_to": int((now + dt.timedelta(hours=2)).timestamp()),
        "programs_from_ts": int((now - dt.timedelta(hours=2)).timestamp()),
        "programs_to_ts": int((now + dt.timedelta(hours=2)).timestamp()),
        "pid_from": programme.pk,
        "date": now.strftime("%d.%m.%Y"),
        "timeshift_offset": 3600,
        "limit": 5,
        "page": 1,
        "icon_width": 100,
        "icon_height": 100,
        "search": "Channel",
        "name": "Kid",
        "ip": "127.0.0.1",
        "device_uid": "fuzz-device",
        "lang": "en",
        "action": "get_channel_url",
        "account_channels": json.dumps([{"channel_id": channel.pk, "is_favorited": 1}]),
        "channels_sort": json.dumps([c.pk for c in reversed(op.channels)]),
        "old_password": "1234",
        "new_password": "5678",
        "old_pin": "0000",
        "new_pin": "1234",
        "parent_code": "1111",
        "phone_number": "+79990001122",
        "validation_code": "1234",
        "abonement": op.account.abonement,
        "password": "1234",
        "brand": "Acme",
        "model": "X1",
        "device_model": "X1",
        "check_db_conn": 1,
        "redirect": 0,
        "camera_cid": camera.pk,
    }


def snapshot(client) -> dict:
    """The other operator's rows the TVMW API could write."""
    models = (Account, Customer, AccountDevice, Session, Message, AccountChannelSetting)
    return {
        model.__name__: sorted(
            repr(sorted(model_to_dict(row).items(), key=lambda kv: kv[0])) for row in model.objects.for_client(client)
        )
        for model in models
    }


@pytest.fixture
def fuzz(operator, other_operator, json_device, xml_device, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 100_000
    settings.SMARTY_LOGIN_ATTEMPTS_PER_IP = 100_000
    base = build_world(operator, other_operator)
    operator.account.parent_code = "0000"
    operator.account.save()
    capture = fz.Capture.start()
    fuzzer = Fuzzer(
        op=operator,
        other=other_operator,
        http=HttpClient(),
        findings=fz.Findings(capture),
        base=base,
        xml_devices=frozenset(
            PlayDevice.objects.filter(response_format=PlayDevice.Format.XML).values_list("system_name", flat=True)
        ),
        password_hash=Account.objects.get(pk=operator.account.pk).password,
    )
    for fmt in DEVICES:
        fuzzer.login(fmt)
    # A real stream token of this operator, for the token check's other parameters.
    body = json.loads(
        fuzzer.http.get(
            f"{BASE}/channel/url/",
            {"cid": base["cid"], "authkey": fuzzer.sessions["json"], "client_id": operator.client.pk, "redirect": 0},
        ).content
    )
    assert body["error"] == 0, body
    base["token"] = body["uri"].rsplit("token=", 1)[1]
    base["stream_name"] = "fuzz0"
    yield fuzzer
    capture.stop()


def base_params(fuzzer: Fuzzer, method: Method) -> dict[str, str]:
    """Valid values for the method's declared parameters; credentials and the device type
    are added per call."""
    values = dict(fuzzer.base)
    # Names that mean another thing in some methods: a camera's id, a stream's name.
    if "camera" in method.path:
        values["cid"] = values["camera_cid"]
    if method.handler is token_check:
        values["name"] = values["stream_name"]
    per_call = {"authkey", "client_id", "api_key", "device"}
    return {p.name: str(values[p.name]) for p in method.params if p.name in values and p.name not in per_call}


def test_the_enumeration_covers_every_implemented_method_of_the_reference():
    registered = {m.path for m in METHODS}
    assert registered, "no TVMW method is registered"
    assert IMPLEMENTED <= registered, sorted(IMPLEMENTED - registered)


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_every_registered_method_is_a_method_of_the_reference():
    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        spec = {m["path"].strip("/") for m in json.load(handle)["methods"] if m["api"] == "tvmw"}
    # Project extensions (declared with extension=True: the QR images a reference method's
    # answer links to) are the only registered paths the reference does not list.
    extensions = {key_of(m) for m in METHODS if m.options.get("extension")}
    assert extensions == {"noauth/payment/qrcode/image", "noauth/qr/login/image"}
    assert not extensions & spec
    assert {key_of(m) for m in METHODS} - extensions <= spec
    assert {p.strip("/") for p in IMPLEMENTED} <= spec


@pytest.mark.parametrize("method", METHODS, ids=key_of)
def test_garbage_in_every_parameter_of_a_tvmw_method_answers_its_envelope(fuzz, method):
    theirs = snapshot(fuzz.other.client)
    names = [p.name for p in method.params]
    offset = offset_of(method)
    variants = fz.rotated(VARIANTS, offset)
    general = fz.rotated(fz.GENERAL, offset)
    base = base_params(fuzz, method)

    # 1. No session (no authkey, or an unknown one in the cookie): valid values, then garbage.
    for variant in VARIANTS:
        fuzz.send(method, base, variant, authenticated=False)
        fuzz.send(method, dict.fromkeys(names, next(general)), variant, authenticated=False)

    # 2. A real session, every declared parameter garbage at once.
    for variant in VARIANTS:
        fuzz.send(method, dict.fromkeys(names, next(general)), variant, authenticated=True)

    # 3. A real session, one garbage parameter next to valid values of the others.
    for index, param in enumerate(method.params):
        shared = param.name in SHARED
        for value in fz.probes(param, offset + index, general=1 if shared else 3, typed=3 if shared else None):
            fuzz.send(method, {**base, param.name: value}, next(variants), authenticated=True)

    # 4. A JSON body (the v2 methods and newer streaming servers send one), credentials in
    #    the query: a garbage value for each parameter, then bodies that are not JSON at all.
    for index, param in enumerate(method.params):
        value = fz.JSON_VALUES[(offset + index) % len(fz.JSON_VALUES)]
        payload = json.dumps({**base, param.name: value}).encode()
        fuzz.send(method, {}, next(variants), authenticated=True, body=("application/json", payload))
    for content_type, payload in fz.BAD_BODIES:
        fuzz.send(method, base, next(variants), authenticated=True, body=(content_type, payload))

    fuzz.findings.report()
    assert snapshot(fuzz.other.client) == theirs


def test_requests_django_cannot_read_answer_the_envelope_of_every_method(fuzz):
    """Too many fields, an oversized body, a broken multipart body, other HTTP verbs: the
    method's envelope in the device's format, never Django's HTML error page."""
    xml = [("device", "sagemcom")]
    many = [*xml, *[("x", "1")] * settings.DATA_UPLOAD_MAX_NUMBER_FIELDS]
    big = b"a=" + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for method in METHODS:
        url = BASE + method.path
        query = f"{url}?{fz.encode(xml)}"
        fuzz.http.cookies.clear()
        for items, response in (
            # A query Django refuses to read names no device: the default format, JSON.
            ([], fuzz.http.get(f"{url}?{fz.encode(many)}")),
            ([], fuzz.http.post(url, fz.encode(many), content_type="application/x-www-form-urlencoded")),
            (xml, fuzz.http.post(query, big, content_type="application/x-www-form-urlencoded")),
            (xml, fuzz.http.post(query, big, content_type="application/json")),
            (xml, fuzz.http.post(query, b"--x\r\nbroken", content_type="multipart/form-data; boundary=x")),
            (xml, fuzz.http.put(query, b"a=1", content_type="application/x-www-form-urlencoded")),
            (xml, fuzz.http.delete(query)),
            (xml, fuzz.http.options(query)),
        ):
            fuzz.check(method, items, response)
    fuzz.findings.report()


def test_cache_keys_never_carry_what_a_client_sent_as_it_was(tvmw_call, operator, recwarn):
    """A Client ID no operator can have, and a login of any length or character, make no cache
    key of their own (keys stay short and printable: memcached refuses others)."""
    from django.core.cache.backends.base import CacheKeyWarning

    tvmw_call("/noauth/category/list/", client_id="9" * 400)
    tvmw_call(
        "/login/",
        client_id=operator.client.pk,
        api_key=operator.client.api_key,
        abonement="\x01 ' x" * 80,
        password="nope",
        device="android",
        device_uid="fuzz-key",
    )
    assert not [w for w in recwarn.list if issubclass(w.category, CacheKeyWarning)]
