"""Read queries about operators and device types."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from smarty.cache import cached, dep
from smarty.i18n import lang_index
from smarty.instances import shallow_copy

from .models import (
    Client,
    ClientPlayDevice,
    ClientUser,
    Country,
    Dealer,
    DealerApiAccess,
    PlayDevice,
    PlayDeviceTemplate,
    PortalSettings,
)

DEVICE_TYPES = dep("system", "play_devices")


def client_dep(client_id: int) -> str:
    """Generation counter of everything an operator configures (bumped on any change)."""
    return dep("client", client_id)


def client_content_dep(client_id: int) -> str:
    """Generation of an operator's channels, categories, radio, cameras and sorts (bumped by
    the channels app and bulk writers through clients.invalidation.client_content_changed)."""
    return dep("client_content", client_id)


def play_device_formats() -> dict[str, str]:
    """system_name -> response format, cached until a device type changes."""
    return cached(
        "play_device_formats",
        (),
        [DEVICE_TYPES],
        lambda: dict(PlayDevice.objects.values_list("system_name", "response_format")),
        local=True,
    )


def play_device_get(system_name: str) -> PlayDevice | None:
    if not system_name:
        return None
    found = cached(
        "play_device",
        (system_name,),
        [DEVICE_TYPES],
        lambda: PlayDevice.objects.filter(system_name=system_name).first() or False,
        local=True,
    )
    return shallow_copy(found) if found else None  # the process's instance stays as it is


def client_get(client_id: object) -> Client | None:
    """The operator of a Client ID as a device or integration sent it (None when no operator
    can have it: not a number, or outside the id column's range)."""
    try:
        pk = int(str(client_id).strip())
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:  # no cache key or query for what no row can be
        return None
    found = cached("client", (pk,), [client_dep(pk)], lambda: Client.objects.filter(pk=pk).first() or False, local=True)
    # The process keeps one instance: each caller gets its own copy to change.
    return shallow_copy(found) if found else None


def client_get_by_api_key(*, client_id: object, api_key: str) -> Client | None:
    """The enabled operator whose TVMW api_key matches (constant-time compare)."""
    client = client_get(client_id)
    if client is None or not client.enabled or not api_key:
        return None
    if not hmac.compare_digest(client.api_key.encode(), str(api_key).encode()):
        return None
    return client


def client_get_by_prefix(prefix: str) -> Client | None:
    """The enabled operator of a domain prefix (the players' addresses name operators so).
    The prefix -> id pair is cached briefly without a generation; the operator itself comes
    from `client_get` and must still carry that prefix, so a renamed prefix is never served."""
    if not prefix or len(prefix) > 64 or not prefix.replace("-", "").replace("_", "").isalnum():
        return None
    pk = cached(
        "client_by_prefix",
        (prefix,),
        [],
        lambda: Client.objects.filter(domain_prefix=prefix).values_list("pk", flat=True).first() or 0,
        timeout=300,
    )
    client = client_get(pk) if pk else None
    if client is None or not client.enabled or client.domain_prefix != prefix:
        return None
    return client


# --- portal settings and geolocation (TVMW portal/settings/list, country/*) ----------------

PORTAL_FLAGS = (
    "show_tvchannels",
    "show_categorizedtv",
    "show_archive",
    "show_videocatalog",
    "show_cctv",
    "show_radio",
    "show_games",
    "show_balance",
    "show_payment",
    "show_info",
    "show_settings",
    "show_exit",
    "reports_enabled",
    "data_autorefresh_enabled",
    "mediascope_enabled",
    "start_stat_enabled",
    "mvision_stat_enabled",
    "premier_stat_enabled",
    "use_new_billing_logic",
)
PORTAL_VALUES = (
    "custom_api_url",
    "custom_css_url",
    "client_logo_url",
    "client_logo_login_url",
    "client_logo_loading_url",
    "standby_timer",
    "pvr_standby_timer",
    "redirect_to_portal_url",
    "auth_mode",
    "mvision_server_url",
    "premier_stat_start_event_url",
    "premier_stat_heartbeat_event_url",
    "client_uid",
    "portal_config",
    "available_country_phone_codes",
    "banner_video",
)
BANNER_VIDEO_KEYS = ("video_id", "image_url", "video_id_for_child_mode", "image_url_for_child_mode")


def portal_settings_get(*, client, device: str, lang: str = "") -> dict | None:
    """The portal settings a device type of the operator sees, or None when the operator has
    not enabled that device type. Operator-wide PortalSettings (defaults when absent), then
    the device type's ClientPlayDevice.settings keys on top, then its template."""

    index = lang_index(lang)

    def build() -> dict | bool:
        link = (
            ClientPlayDevice.objects.for_client(client)
            .filter(play_device__system_name=device, enabled=True)
            .select_related("template")
            .first()
        )
        if link is None:
            return False
        row = PortalSettings.objects.for_client(client).first() or PortalSettings(client_id=client.pk, client_uid="")
        body: dict = {name: int(getattr(row, name)) for name in PORTAL_FLAGS}
        body.update({name: getattr(row, name) for name in PORTAL_VALUES})
        login_text = getattr(row, f"login_text_lang{index}", "") if index else ""
        body["login_text"] = login_text or row.login_text
        if not body["client_uid"]:
            body["client_uid"] = f"{client.pk:032x}"
        body["template"] = link.template.system_name if link.template else ""
        for key, value in (link.settings or {}).items():
            if key in body:
                body[key] = int(value) if key in PORTAL_FLAGS else value
        banner = body["banner_video"] if isinstance(body["banner_video"], dict) else {}
        body["banner_video"] = {
            key: banner.get(key, 0 if key.startswith("video_id") else "") for key in BANNER_VIDEO_KEYS
        }
        body["has_child_clients"] = 0  # the portal app knows child operators: the door fills it in
        return body

    found = cached(
        "portal_settings", (client.pk, device, index), [client_dep(client.pk), DEVICE_TYPES], build, local=True
    )
    return found or None


def country_list() -> list[dict]:
    return cached(
        "country_list", (), [COUNTRIES], lambda: list(Country.objects.order_by("name").values("id", "code", "name"))
    )


COUNTRIES = dep("system", "countries")


def client_uses_geoip(client: Client) -> bool:
    """Whether the operator locates devices with the GeoIP2 database (country/info)."""
    return client.geo_locator == Client.GeoLocator.GEOIP2


def play_device_template_get(*, template_id: int | None = None, system_name: str = "") -> PlayDeviceTemplate | None:
    """A device template by id, else by system name."""
    if template_id is not None:
        return PlayDeviceTemplate.objects.filter(pk=template_id).first()
    if system_name:
        return PlayDeviceTemplate.objects.filter(system_name=system_name).first()
    return None


def geo_locate(ip: str) -> dict:
    """Country code/name and city of an IP from the GeoIP2/GeoLite2 database configured in
    SMARTY_GEOIP_DB; empty values when none is configured or the address is unknown."""
    from django.conf import settings

    empty = {"country_code": "", "country_name": "", "city_name": ""}
    path = settings.SMARTY_GEOIP_DB
    if not path or not ip:
        return empty
    try:
        reader = _geoip_reader(path)
        if "City" in reader.metadata().database_type:
            found = reader.city(ip)
            city = found.city.name or ""
        else:
            found = reader.country(ip)
            city = ""
    except Exception:  # noqa: BLE001 - unknown address, bad database: no location
        return empty
    return {"country_code": found.country.iso_code or "", "country_name": found.country.name or "", "city_name": city}


_READERS: dict = {}


def _geoip_reader(path: str):
    if path not in _READERS:
        import geoip2.database

        _READERS[path] = geoip2.database.Reader(path)
    return _READERS[path]


def dealer_login(dealer: Dealer):
    """The admin login of a dealer, if any."""
    profile = ClientUser.objects.filter(dealer=dealer).select_related("user").first()
    return profile.user if profile is not None else None


# --- device API (tvmiddleware: account self-service, QR login) ----------------------------------


def dealer_get_enabled(*, client, dealer_id: int) -> Dealer | None:
    return Dealer.objects.for_client(client).filter(pk=dealer_id, enabled=True).first()


def client_play_device_enabled(*, client, play_device: PlayDevice) -> bool:
    """Whether the operator serves this device type."""
    return ClientPlayDevice.objects.for_client(client).filter(play_device=play_device, enabled=True).exists()


# --- the Content API (content/views/video.py) ---------------------------------------------


def play_device_ids_known(ids: list[int]) -> set[int]:
    """Which of these play device ids exist (play devices are shared by the operators)."""
    return set(PlayDevice.objects.filter(pk__in=ids).values_list("id", flat=True))


# Billing API (billing/views/): the operator's dealers and device types


def dealer_get(*, client, dealer_id: int) -> Dealer | None:
    return Dealer.objects.for_client(client).filter(pk=dealer_id).first()


# --- the Dealers API (dealers/) ---------------------------------------------------------------


def dealer_api_access_get(*, dealer_id: int) -> DealerApiAccess | None:
    """The enabled API access of an enabled dealer of an enabled operator (the Dealers API's
    authentication: the dealer's id names its operator), with the dealer and the operator."""
    return (
        DealerApiAccess.objects.select_related("dealer", "dealer__client")
        .filter(dealer_id=dealer_id, enabled=True, dealer__enabled=True, dealer__client__enabled=True)
        .first()
    )


def client_play_device_candidates(
    *,
    client,
    client_play_device_id: int | None = None,
    system_name: str = "",
    order_by: Iterable[str] = ("id",),
    limit: int = 2,
) -> list[ClientPlayDevice]:
    """The operator's enabled device types named by id or by system name, with their
    PlayDevice, in `order_by` order, at most `limit` (two tell "ambiguous" from "none": the
    Billing API's and the Dealers API's device choice)."""
    candidates = ClientPlayDevice.objects.for_client(client).filter(enabled=True).select_related("play_device")
    if client_play_device_id is not None:
        candidates = candidates.filter(pk=client_play_device_id)
    else:
        candidates = candidates.filter(play_device__system_name=system_name)
    return list(candidates.order_by(*order_by)[:limit])
