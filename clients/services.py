"""Operations on operators: system objects, creating and cloning operators, admin users."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from smarty.admin_groups import admin_groups_ensure, default_groups, groups_resolve

from .invalidation import clients_changed, device_types_changed
from .models import (
    City,
    Client,
    ClientPlayDevice,
    ClientUser,
    Country,
    Dealer,
    DealerApiAccess,
    PlayDevice,
    PlayDeviceTemplate,
    generate_key,
)

# Seed 3.1.3: the supported device types, their group, and the answer format.
# Legacy Linux STBs whose portals parse XML get XML; everything else JSON.
SYSTEM_DEVICES: list[tuple[str, str, int, str]] = [
    ("android", "Android (mobile)", PlayDevice.Group.MOBILE, "json"),
    ("android_stb", "Android STB / Smart TV", PlayDevice.Group.STB, "json"),
    ("dune", "Dune HD", PlayDevice.Group.STB, "json"),
    ("eltex", "Eltex", PlayDevice.Group.STB, "json"),
    ("tvip", "Tvip", PlayDevice.Group.STB, "json"),
    ("lg_netcast", "LG Netcast", PlayDevice.Group.SMART_TV, "json"),
    ("lg_webos", "LG webOS", PlayDevice.Group.SMART_TV, "json"),
    ("mag", "MAG", PlayDevice.Group.STB, "json"),
    ("pc", "PC", PlayDevice.Group.OTHER, "json"),
    ("sagemcom", "Sagemcom", PlayDevice.Group.STB, "xml"),
    ("samsung_smart_tv", "Samsung Smart TV (Orsay)", PlayDevice.Group.SMART_TV, "json"),
    ("tizen_tv", "Samsung Tizen", PlayDevice.Group.SMART_TV, "json"),
    ("ios", "iOS", PlayDevice.Group.MOBILE, "json"),
    ("wrt", "WRTech", PlayDevice.Group.STB, "xml"),
    ("amino", "Amino", PlayDevice.Group.STB, "xml"),
    ("imaqliq", "Imaqliq", PlayDevice.Group.STB, "json"),
    ("kodi", "Kodi", PlayDevice.Group.OTHER, "json"),
    ("vewd", "Vewd (HTML5 Smart TV)", PlayDevice.Group.SMART_TV, "json"),
    ("tbrowser", "TCL tbrowser", PlayDevice.Group.SMART_TV, "json"),
]

# Seed 3.1.2: the standard portal templates.
SYSTEM_TEMPLATES: list[tuple[str, str]] = [
    ("classic", "Classic"),
    ("impuls", "Impuls"),
    ("iridium", "Iridium"),
    ("focus", "Focus"),
    ("futuristic", "Futuristic"),
]

API_KEY_FIELDS = ("api_key", "billing_api_key", "content_api_key", "streaming_api_key", "dealers_api_key")


@transaction.atomic
def system_objects_ensure() -> tuple[int, int]:
    """Create the system device types and portal templates that are missing; returns
    (device types created, templates created). Existing rows keep operator edits."""
    devices = 0
    for system_name, name, group, fmt in SYSTEM_DEVICES:
        _, created = PlayDevice.objects.get_or_create(
            system_name=system_name, defaults={"name": name, "device_group": group, "response_format": fmt}
        )
        devices += created
    templates = 0
    for system_name, name in SYSTEM_TEMPLATES:
        _, created = PlayDeviceTemplate.objects.get_or_create(system_name=system_name, defaults={"name": name})
        templates += created
    device_types_changed()
    return devices, templates


def client_devices_allow_all(client: Client) -> int:
    """Allow every system device type for an operator, with the classic template."""
    template = PlayDeviceTemplate.objects.filter(system_name="classic").first()
    existing = set(ClientPlayDevice.objects.filter(client=client).values_list("play_device_id", flat=True))
    rows = [
        ClientPlayDevice(client=client, play_device=device, template=template)
        for device in PlayDevice.objects.exclude(pk__in=existing)
    ]
    ClientPlayDevice.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def client_create(
    *,
    name: str,
    api_key: str,
    domain_prefix: str,
    email: str,
    billing_api_key: str | None = None,
    content_api_key: str | None = None,
    streaming_api_key: str | None = None,
    dealers_api_key: str | None = None,
    **fields: object,
) -> Client:
    """Create an operator that works at once: system device types allowed, classic template."""
    limit = settings.SMARTY_MAX_CLIENTS
    if limit and Client.objects.count() >= limit:
        raise ValidationError(f"the installation allows at most {limit} operators (SMARTY_MAX_CLIENTS)")
    client = Client(
        name=name,
        api_key=api_key,
        domain_prefix=domain_prefix,
        email=email,
        billing_api_key=billing_api_key or generate_key(),
        content_api_key=content_api_key or generate_key(),
        streaming_api_key=streaming_api_key or generate_key(),
        dealers_api_key=dealers_api_key or generate_key(),
        **fields,
    )
    client.full_clean()
    client.save()
    system_objects_ensure()
    client_devices_allow_all(client)
    return client


def _unique_prefix(base: str) -> str:
    candidate, n = f"{base}-copy", 1
    while Client.objects.filter(domain_prefix=candidate).exists():
        n += 1
        candidate = f"{base}-copy{n}"
    return candidate


def clone_row(obj, **changes):
    """Save a copy of `obj` as a new row, with `changes` applied."""
    obj.pk = None
    obj.id = None
    obj._state.adding = True
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save()
    return obj


# The steps the apps above this one add to client_clone, each from its AppConfig.ready(): a
# step copies that app's rows of `source` to `new` (keyword arguments source, new, options,
# context) and returns counts. Steps run by `order`; `context` carries what a later step
# needs ("tariff_map": old tariff id -> copy, left by the tariffs step).
CLONE_STEPS: list[tuple[int, Callable[..., dict[str, int]]]] = []


def clone_step_register(order: int, step: Callable[..., dict[str, int]]) -> None:
    if all(known is not step for _, known in CLONE_STEPS):
        CLONE_STEPS.append((order, step))
        CLONE_STEPS.sort(key=lambda item: item[0])


@transaction.atomic
def client_clone(
    *,
    source: Client,
    clone_channels: bool = False,
    clone_radio: bool = False,
    clone_cameras: bool = False,
    clone_video: bool = False,
    clone_apps: bool = False,
) -> tuple[Client, dict[str, int]]:
    """Copy an operator with its settings (seed 2.2.6) under new keys and a new subdomain;
    its tariffs and, optionally, its channels (with categories and tariffs), radio, cameras
    (with their categories) and videos (with their genres), through CLONE_STEPS. Nothing of
    the copy points at the source's rows: relations without a copied counterpart (streaming
    services) are left empty."""
    counts: dict[str, int] = {}
    new = Client.objects.get(pk=source.pk)
    keys = {field: generate_key() for field in API_KEY_FIELDS}
    new = clone_row(new, name=f"{source.name} (copy)", domain_prefix=_unique_prefix(source.domain_prefix), **keys)
    for row in ClientPlayDevice.objects.filter(client=source):
        clone_row(row, client=new)
    counts["device_types"] = ClientPlayDevice.objects.filter(client=new).count()
    options = {"channels": clone_channels, "radio": clone_radio, "cameras": clone_cameras, "video": clone_video}
    context: dict = {"tariff_map": {}}
    for _, step in CLONE_STEPS:
        counts.update(step(source=source, new=new, options=options, context=context))
    if clone_apps:
        counts["apps"] = 0  # the application directory arrives with its own issue
    clients_changed(new.pk)
    return new, counts


def clone_rows(queryset, client: Client) -> dict[int, object]:
    """Copy rows without relations of their own to `client`; old id -> copy."""
    copies = {}
    for obj in list(queryset):
        old_id = obj.pk
        copies[old_id] = clone_row(obj, client=client)
    return copies


def clone_with_tariffs(
    queryset,
    client: Client,
    tariff_map: dict,
    *,
    foreign_keys: dict[str, dict] | None = None,
    many_to_many: dict[str, dict] | None = None,
) -> int:
    """Copy rows with their tariffs mapped to the copied tariffs; `foreign_keys` and
    `many_to_many` map other relations to the copy's rows (a relation without a copy is
    dropped, never left pointing at the source operator)."""
    foreign_keys, many_to_many = foreign_keys or {}, many_to_many or {}
    count = 0
    for obj in queryset.prefetch_related("tariffs", *many_to_many):
        tariffs = [tariff_map[t.pk] for t in obj.tariffs.all() if t.pk in tariff_map]
        links = {
            name: [copies[o.pk] for o in getattr(obj, name).all() if o.pk in copies]
            for name, copies in many_to_many.items()
        }
        changes = {name: copies.get(getattr(obj, f"{name}_id")) for name, copies in foreign_keys.items()}
        copy = clone_row(obj, client=client, **changes)
        copy.tariffs.set(tariffs)
        for name, values in links.items():
            getattr(copy, name).set(values)
        count += 1
    return count


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    is_admin: bool = False,
    is_superuser: bool = False,
    monitoring_user: bool = False,
    client: Client | None = None,
    reset_password: bool = False,
    groups: list[str] | None = None,
    read_only: bool = False,
) -> tuple[object, bool]:
    """Create an admin login (seed 2.2.7), or with reset_password change an existing one's
    password. A new login gets the permission groups of its role (every operator section for
    a login bound to an operator, the service panel with is_admin; view only with read_only),
    or exactly `groups` (names or "section:view|manage") when given; `groups` also replaces
    the groups of a login whose password is reset. Returns (user, created)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    created = user is None
    if not created:
        if not reset_password:
            raise ValidationError(f"user {username!r} already exists (use --reset_password=True to change it)")
        user.set_password(password)
        user.save(update_fields=["password"])
    else:
        user = user_model(username=username, is_staff=True, is_superuser=is_superuser, is_active=True)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        staff_user_bind(
            user=user,
            client_id=client.pk if client is not None else None,
            is_admin=is_admin or is_superuser,
            is_monitoring=monitoring_user,
        )
    if user.is_superuser or (not created and groups is None):
        return user, created
    known = admin_groups_ensure()
    try:
        if groups is not None:
            chosen = groups_resolve(groups, known)
        elif monitoring_user:
            chosen = []  # the monitoring role sees its section without permissions
        else:
            chosen = default_groups(known, bound=client is not None, service=is_admin, read_only=read_only)
    except LookupError as exc:
        raise ValidationError(str(exc)) from exc
    user.groups.set(chosen)
    return user, created


def random_password(length: int = 12) -> str:
    return secrets.token_urlsafe(length)[:length]


# --- what the service panel and the operator panel save ----------------------------------------


def client_save(*, client: Client) -> Client:
    """Create or change an operator (service panel, seed 3.1.1)."""
    with transaction.atomic():
        client.full_clean()
        client.save()
        clients_changed(client.pk)
    return client


def play_device_save(*, device: PlayDevice | PlayDeviceTemplate) -> PlayDevice | PlayDeviceTemplate:
    """Create or change a device type or portal template (seed 3.1.2-3.1.3)."""
    with transaction.atomic():
        device.full_clean()
        device.save()
        device_types_changed()
    return device


def client_play_device_save(*, allowed: ClientPlayDevice) -> ClientPlayDevice:
    """Allow a device type for an operator or change its settings (seed 3.1.4, 3.2.4.1)."""
    with transaction.atomic():
        allowed.full_clean()
        allowed.save()
        clients_changed(allowed.client_id)
        device_types_changed()
    return allowed


def staff_user_bind(
    *,
    user,
    client_id: int | None,
    dealer: Dealer | None = None,
    is_monitoring: bool | None = None,
    is_admin: bool | None = None,
) -> ClientUser:
    """Bind an admin login to an operator (and optionally a dealer or the monitoring role)."""
    with transaction.atomic():
        profile, _created = ClientUser.objects.select_for_update().get_or_create(
            user=user, defaults={"client_id": client_id}
        )
        profile.client_id = client_id
        if dealer is not None:
            profile.dealer = dealer
        if is_monitoring is not None:
            profile.is_monitoring = is_monitoring
        if is_admin is not None:
            profile.is_admin = is_admin
        if profile.dealer_id and profile.dealer.client_id != client_id:
            raise ValidationError(gettext("The dealer belongs to another operator."))
        profile.save()
    return profile


def dealer_save(*, dealer: Dealer, username: str = "", password: str = "") -> Dealer:
    """Create or change a dealer; `username` (and `password`) create or update the dealer's
    admin login, bound to the dealer (seed 3.2.8.6)."""
    user_model = get_user_model()
    with transaction.atomic():
        dealer.full_clean()
        dealer.save()
        if username:
            user = user_model.objects.select_for_update().filter(username=username).first()
            if user is None:
                user = user_model(username=username, is_staff=True, is_active=True)
                if not password:
                    raise ValidationError({"password": gettext("A new login needs a password.")})
            else:
                profile = getattr(user, "smarty_profile", None)
                if user.is_superuser or profile is None or profile.dealer_id != dealer.pk:
                    raise ValidationError({"username": gettext("This username is taken.")})
            if password:
                user.set_password(password)
            user.is_staff = True
            user.save()
            staff_user_bind(user=user, client_id=dealer.client_id, dealer=dealer)
        clients_changed(dealer.client_id)
    return dealer


# --- the Dealers API (dealers/): a dealer's API access -----------------------------------------


def dealer_api_access_save(*, access: DealerApiAccess, new_key: bool = False) -> DealerApiAccess:
    """Create or change a dealer's API access; `new_key` replaces the key (the old one stops
    working at once: the key is read from the database on every request)."""
    with transaction.atomic():
        if new_key or not access.api_key:
            access.api_key = generate_key()
        access.full_clean()
        access.save()
    return access


@dataclass
class GeoSyncResult:
    """What a countries-and-cities sync did: skipped (there were some already) or the
    numbers of places read and added."""

    skipped: bool = False
    places: int = 0
    countries_added: int = 0
    cities_added: int = 0


@transaction.atomic
def geo_places_sync(*, places: Iterable[tuple[str, str, str]], force: bool = False) -> GeoSyncResult:
    """Countries and cities from a locator's database, (country code, country name, city)
    per row (seed 2.4.5: "only works if there is no country and city"). With `force` the
    missing ones are added to those already there; nothing is renamed or deleted. A country
    named differently by different networks keeps the first name met."""
    if not force and (Country.objects.exists() or City.objects.exists()):
        return GeoSyncResult(skipped=True)
    result = GeoSyncResult()
    names: dict[str, str] = {}
    cities: dict[str, set[str]] = {}
    for code, name, city in places:
        result.places += 1
        code = code.upper()[:2]
        names.setdefault(code, name[:128])
        if city:
            cities.setdefault(code, set()).add(city[:128])
    existing = {c.code: c for c in Country.objects.filter(code__in=names)}
    new = [Country(code=code, name=name) for code, name in sorted(names.items()) if code not in existing]
    for country in new:
        country.full_clean()
    Country.objects.bulk_create(new)
    result.countries_added = len(new)
    by_code = {c.code: c for c in Country.objects.filter(code__in=names)}
    known = set(City.objects.filter(country__code__in=cities).values_list("country__code", "name"))
    new_cities = [
        City(country=by_code[code], name=city)
        for code, city_names in sorted(cities.items())
        for city in sorted(city_names)
        if (code, city) not in known
    ]
    City.objects.bulk_create(new_cities, batch_size=1000)
    result.cities_added = len(new_cities)
    return result
