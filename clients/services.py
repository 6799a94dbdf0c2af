"""Operations on operators: system objects, creating and cloning operators, admin users."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from smarty.cache import bump

from .models import Client, ClientPlayDevice, ClientUser, Dealer, PlayDevice, PlayDeviceTemplate, generate_key
from .selectors import DEVICE_TYPES, client_dep

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
    transaction.on_commit(lambda: bump(DEVICE_TYPES))
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


def _copy(obj, **changes):  # noqa: ANN001, ANN003, ANN202
    obj.pk = None
    obj.id = None
    obj._state.adding = True
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save()
    return obj


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
    optionally its channels (with categories and tariffs), radio, cameras (with their
    categories) and videos (with their genres). Nothing of the copy points at the source's
    rows: relations without a copied counterpart (streaming services) are left empty."""
    from channels.models import Camera, Channel, ChannelCategory, Radio
    from tariffs.models import Tariff

    counts: dict[str, int] = {}
    new = Client.objects.get(pk=source.pk)
    keys = {field: generate_key() for field in API_KEY_FIELDS}
    new = _copy(new, name=f"{source.name} (copy)", domain_prefix=_unique_prefix(source.domain_prefix), **keys)
    for row in ClientPlayDevice.objects.filter(client=source):
        _copy(row, client=new)
    counts["device_types"] = ClientPlayDevice.objects.filter(client=new).count()

    tariff_map: dict[int, Tariff] = {}
    for tariff in Tariff.objects.filter(client=source):
        old_id = tariff.pk
        countries, cities = list(tariff.countries.all()), list(tariff.cities.all())
        copy = _copy(tariff, client=new)
        copy.countries.set(countries)
        copy.cities.set(cities)
        tariff_map[old_id] = copy
    counts["tariffs"] = len(tariff_map)

    if clone_channels:
        category_map: dict[int, ChannelCategory] = {}
        for category in ChannelCategory.objects.filter(client=source):
            old_id = category.pk
            category_map[old_id] = _copy(category, client=new)
        channels = 0
        for channel in Channel.objects.filter(client=source).prefetch_related("tariffs", "additional_categories"):
            tariffs = [tariff_map[t.pk] for t in channel.tariffs.all() if t.pk in tariff_map]
            extra = [category_map[c.pk] for c in channel.additional_categories.all() if c.pk in category_map]
            category = category_map.get(channel.category_id)
            copy = _copy(channel, client=new, category=category)
            copy.tariffs.set(tariffs)
            copy.additional_categories.set(extra)
            channels += 1
        counts["categories"] = len(category_map)
        counts["channels"] = channels
    if clone_radio:
        counts["radio"] = _clone_simple(Radio.objects.filter(client=source), new, tariff_map)
    if clone_cameras:
        from channels.models import CameraCategory

        # Categories are the operator's own rows: a copied camera points at the copy's.
        camera_categories = _clone_rows(CameraCategory.objects.filter(client=source), new)
        counts["cameras"] = _clone_simple(
            Camera.objects.filter(client=source, account__isnull=True),
            new,
            tariff_map,
            foreign_keys={"camera_category": camera_categories},
        )
    if clone_video:
        from vod.models import Video, VideoGenre

        genres = _clone_rows(VideoGenre.objects.filter(client=source), new)
        counts["videos"] = _clone_simple(
            Video.objects.filter(client=source), new, tariff_map, many_to_many={"genres": genres}
        )
    if clone_apps:
        counts["apps"] = 0  # the application directory arrives with its own issue
    transaction.on_commit(lambda: bump(client_dep(new.pk)))
    return new, counts


def _clone_rows(queryset, client: Client) -> dict[int, object]:  # noqa: ANN001
    """Copy rows without relations of their own to `client`; old id -> copy."""
    copies = {}
    for obj in list(queryset):
        old_id = obj.pk
        copies[old_id] = _copy(obj, client=client)
    return copies


def _clone_simple(
    queryset,  # noqa: ANN001
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
        copy = _copy(obj, client=client, **changes)
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
) -> tuple[object, bool]:
    """Create an admin login (seed 2.2.7), or with reset_password change an existing one's
    password. Returns (user, created)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is not None:
        if not reset_password:
            raise ValidationError(f"user {username!r} already exists (use --reset_password=True to change it)")
        user.set_password(password)
        user.save(update_fields=["password"])
        return user, False
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
    return user, True


def random_password(length: int = 12) -> str:
    return secrets.token_urlsafe(length)[:length]


# --- what the service panel and the operator panel save ----------------------------------------
def _bump_on_commit(*deps: str) -> None:
    transaction.on_commit(lambda: bump(*deps))


def client_save(*, client: Client) -> Client:
    """Create or change an operator (service panel, seed 3.1.1)."""
    with transaction.atomic():
        client.full_clean()
        client.save()
        _bump_on_commit(client_dep(client.pk))
    return client


def play_device_save(*, device: PlayDevice | PlayDeviceTemplate) -> PlayDevice | PlayDeviceTemplate:
    """Create or change a device type or portal template (seed 3.1.2-3.1.3)."""
    with transaction.atomic():
        device.full_clean()
        device.save()
        _bump_on_commit(DEVICE_TYPES)
    return device


def client_play_device_save(*, allowed: ClientPlayDevice) -> ClientPlayDevice:
    """Allow a device type for an operator or change its settings (seed 3.1.4, 3.2.4.1)."""
    with transaction.atomic():
        allowed.full_clean()
        allowed.save()
        _bump_on_commit(client_dep(allowed.client_id), DEVICE_TYPES)
    return allowed


def staff_user_bind(
    *,
    user,  # noqa: ANN001
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
        _bump_on_commit(client_dep(dealer.client_id))
    return dealer
