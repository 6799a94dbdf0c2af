"""Read queries about streaming, always scoped to one operator.

The routing inputs (services with their tariffs, technical work windows, channels' and
cameras' stream data) are cached per operator under the generation `streaming_dep(client)`,
bumped by streaming/signals.py whenever any of them changes, so `channel/url` reads them
without a query on the warm path.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from channels.models import Camera, Channel
from smarty.cache import cached, dep
from tariffs.models import Tariff
from tariffs.selectors import tariffs_dep

from . import routing
from .models import DataCenter, Maintenance, RoutingScript, StreamService, StreamToken


def streaming_dep(client_id: int) -> str:
    """Generation of everything routing reads for one operator."""
    return dep("streaming", client_id)


def _deps(client_id: int) -> list[str]:
    return [streaming_dep(client_id), tariffs_dep(client_id)]


def _pairs(through, left: str, right: str, **filters) -> dict[int, frozenset[int]]:
    grouped: dict[int, set[int]] = defaultdict(set)
    for a, b in through.objects.filter(**filters).values_list(left, right):
        grouped[a].add(b)
    return {key: frozenset(values) for key, values in grouped.items()}


def _build_snapshot(client_id: int) -> routing.RoutingSnapshot:
    tariffs = _pairs(
        Tariff.stream_services.through, "streamservice_id", "tariff_id", streamservice__client_id=client_id
    )
    disabled_dcs = set(DataCenter.objects.filter(client_id=client_id, enabled=False).values_list("id", flat=True))
    scripts = dict(
        RoutingScript.objects.filter(client_id=client_id, enabled=True).exclude(code="").values_list("id", "code")
    )
    services = []
    for s in StreamService.objects.filter(client_id=client_id):
        masks = {routing.LIVE: s.live_url_mask, routing.ARCHIVE: s.archive_url_mask, routing.VOD: s.vod_url_mask}
        serves = {routing.LIVE: s.serves_live, routing.ARCHIVE: s.serves_archive, routing.VOD: s.serves_vod}
        services.append(
            routing.ServiceInfo(
                id=s.id,
                name=s.name,
                type=s.type,
                data_center_id=s.data_center_id,
                masks={kind: mask.strip() for kind, mask in masks.items() if serves[kind] and mask.strip()},
                preview_mask=s.archive_preview_url_mask.strip(),
                max_load=s.max_load,
                current_load=s.current_load,
                priority=s.priority,
                weight=s.weight,
                device_groups=frozenset(int(g) for g in (s.allowed_device_groups or []) if str(g).isdigit()),
                tariff_ids=tariffs.get(s.id, frozenset()),
                usable=s.enabled and s.is_available and s.data_center_id not in disabled_dcs,
                token_ttl=s.token_ttl,
                session_ttl=s.session_ttl,
                bind_to_content=s.token_bind_to_content,
                bind_to_ip=s.token_bind_to_ip,
                max_sessions=s.max_sessions_per_account,
                script_id=s.routing_script_id if s.routing_script_id in scripts else None,
                script_code=scripts.get(s.routing_script_id, ""),
            )
        )
    now = timezone.now()
    windows = Maintenance.objects.filter(client_id=client_id).filter(Q(end_time__isnull=True) | Q(end_time__gt=now))
    window_channels = _pairs(Maintenance.channels.through, "maintenance_id", "channel_id", maintenance__in=windows)
    window_services = _pairs(
        Maintenance.stream_services.through, "maintenance_id", "streamservice_id", maintenance__in=windows
    )
    maintenances = []
    for w in windows.order_by("start_time", "id"):
        flags = {routing.LIVE: w.restrict_live, routing.ARCHIVE: w.restrict_archive, routing.VOD: w.restrict_vod}
        kinds = {kind for kind, restricted in flags.items() if restricted}
        maintenances.append(
            routing.MaintenanceInfo(
                id=w.id,
                start=w.start_time,
                end=w.end_time,
                kinds=frozenset(kinds),
                channel_ids=window_channels.get(w.id, frozenset()),
                service_ids=window_services.get(w.id, frozenset()),
                message=w.message or w.name,
            )
        )
    return routing.RoutingSnapshot(services=tuple(services), maintenances=tuple(maintenances))


def routing_snapshot(client_id: int) -> routing.RoutingSnapshot:
    """The operator's services and unfinished technical work, as routing reads them."""
    return cached("stream_routing", (client_id,), _deps(client_id), lambda: _build_snapshot(client_id), local=True)


def _build_channels(client_id: int) -> dict[int, routing.ContentInfo]:
    tariffs = _pairs(Channel.tariffs.through, "channel_id", "tariff_id", channel__client_id=client_id)
    services = _pairs(Channel.stream_services.through, "channel_id", "streamservice_id", channel__client_id=client_id)
    fields = ("id", "enabled", "uri", "url_prefix", "id_for_stream_service", "multicast_address")
    fields += ("recording_days", "epg_channel_id", "meta")
    channels = {}
    for row in Channel.objects.filter(client_id=client_id).values(*fields):
        meta = row["meta"] if isinstance(row["meta"], dict) else {}
        channels[row["id"]] = routing.ContentInfo(
            id=row["id"],
            enabled=row["enabled"],
            tariff_ids=tariffs.get(row["id"], frozenset()),
            service_ids=services.get(row["id"], frozenset()),
            uri=row["uri"].strip(),
            prefix=row["url_prefix"].strip(),
            cid=row["id_for_stream_service"].strip(),
            multicast=row["multicast_address"].strip(),
            recording_days=row["recording_days"],
            epg_channel_id=row["epg_channel_id"],
            drm=meta.get("drm"),  # validated when a device asks for it (get_drm_info=1)
        )
    return channels


def routing_channels(client_id: int) -> dict[int, routing.ContentInfo]:
    """Every channel of the operator with what routing needs (id -> ContentInfo)."""
    return cached("stream_channels", (client_id,), _deps(client_id), lambda: _build_channels(client_id), local=True)


def routing_camera(client_id: int, camera_id: int) -> routing.ContentInfo | None:
    """One camera of the operator (cameras may be many and bound to accounts: cached one by one)."""

    def build() -> routing.ContentInfo | bool:
        camera = Camera.objects.filter(client_id=client_id, pk=camera_id).first()
        if camera is None:
            return False
        return routing.ContentInfo(
            id=camera.id,
            enabled=camera.enabled,
            tariff_ids=frozenset(camera.tariffs.values_list("id", flat=True)),
            service_ids=frozenset(camera.stream_services.values_list("id", flat=True)),
            uri=camera.uri.strip(),
            prefix=camera.id_for_stream_service.strip(),
            cid=camera.id_for_stream_service.strip(),
            recording_days=camera.recording_days,
            epg_channel_id=camera.epg_channel_id,
            account_id=camera.account_id,
        )

    return cached("stream_camera", (client_id, camera_id), _deps(client_id), build) or None


def data_center_list(*, client) -> list[dict]:
    """The operator's enabled data centers: id, name, location."""
    return list(DataCenter.objects.for_client(client).filter(enabled=True).values("id", "name", "location"))


def data_center_get(*, client, data_center_id: int) -> DataCenter | None:
    """An enabled data center of the operator."""
    return DataCenter.objects.for_client(client).filter(pk=data_center_id, enabled=True).first()


def maintenance_get(*, client, maintenance_id: int) -> Maintenance | None:
    return Maintenance.objects.for_client(client).filter(pk=maintenance_id).first()


def stream_token_claim_get(*, digest: str) -> StreamToken | None:
    """A token claim made while the cache was down, by the digest of its token."""
    return StreamToken.objects.filter(token=digest).first()


# --- the Content API (content/views/channels.py, cameras.py) ------------------------------


def stream_service_list(*, client):
    """The operator's streaming servers (a queryset: the doors resolve id lists against it)."""
    return StreamService.objects.for_client(client)


# Billing API (billing/views/): any data center or streaming service of the operator by id


def data_center_get_any(*, client, data_center_id: int) -> DataCenter | None:
    """A data center of the operator, enabled or not (an account may be bound to either)."""
    return DataCenter.objects.for_client(client).filter(pk=data_center_id).first()


def stream_service_get(*, client, service_id: int) -> StreamService | None:
    return StreamService.objects.for_client(client).filter(pk=service_id).first()
