"""Where streams come from: data centers, streaming services with URL masks and token
settings, routing scripts, technical work windows and one-time stream tokens (seed 3.2.5)."""

from __future__ import annotations

from django.db import models

from smarty.tenancy import ClientOwned
from smarty.validators import validate_url_mask


class DataCenter(ClientOwned):
    """A physical or virtual group of streaming services (seed 3.2.5.1); accounts bound to a data
    center are routed to its services first."""

    name = models.CharField(max_length=128)
    location = models.CharField(max_length=255, blank=True, default="")
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class RoutingScript(ClientOwned):
    """Operator Python that computes `uri` for dynamic routing (seed 3.2.5.2.2); runs sandboxed.
    Only service admins may edit it."""

    name = models.CharField(max_length=128)
    code = models.TextField()
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class StreamService(ClientOwned):
    """A streaming server (or group) with URL masks for live, catch-up and VOD."""

    class Type(models.TextChoices):
        FLUSSONIC = "flussonic", "Flussonic"
        ASTRA = "astra", "Astra / Alta"
        NGINX = "nginx", "nginx / generic HTTP(S) HLS"
        MULTICAST = "multicast", "Multicast / static"

    name = models.CharField(max_length=128)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.FLUSSONIC)
    data_center = models.ForeignKey(
        DataCenter, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    live_url_mask = models.CharField(max_length=1024, blank=True, default="", validators=[validate_url_mask])
    archive_url_mask = models.CharField(max_length=1024, blank=True, default="", validators=[validate_url_mask])
    vod_url_mask = models.CharField(max_length=1024, blank=True, default="", validators=[validate_url_mask])
    archive_preview_url_mask = models.CharField(
        max_length=1024, blank=True, default="", help_text="archive preview images; time variables are left in"
    )
    check_url = models.CharField(max_length=1024, blank=True, default="", help_text="host:port or URL probed")
    check_ping = models.BooleanField(default=False, help_text="ICMP ping of the check host")
    check_tcp = models.BooleanField(default=True, help_text="open a TCP connection to the check host:port")
    check_http = models.BooleanField(default=False, help_text="GET the check URL, expect a status below 400")
    check_is_alive = models.BooleanField(default=False, help_text='GET the check URL, expect JSON {"alive": 1}')
    check_message = models.CharField(max_length=512, blank=True, default="", help_text="last failed check")
    routing_script = models.ForeignKey(RoutingScript, null=True, blank=True, on_delete=models.SET_NULL)
    max_load = models.PositiveIntegerField(default=0, help_text="concurrent sessions; 0: unlimited")
    current_load = models.PositiveIntegerField(default=0)
    priority = models.IntegerField(default=0)
    weight = models.PositiveIntegerField(default=1)
    allowed_device_groups = models.JSONField(default=list, blank=True, help_text="PlayDevice groups; empty: all")
    serves_live = models.BooleanField(default=True)
    serves_archive = models.BooleanField(default=True)
    serves_vod = models.BooleanField(default=False)
    token_ttl = models.PositiveIntegerField(default=60, help_text="seconds a stream token may be first used")
    session_ttl = models.PositiveIntegerField(default=3600, help_text="X-AuthDuration for the streaming server")
    token_bind_to_content = models.BooleanField(default=True)
    token_bind_to_ip = models.BooleanField(default=False)
    max_sessions_per_account = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    is_available = models.BooleanField(default=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "id"]

    def __str__(self) -> str:
        return self.name


class Maintenance(ClientOwned):
    """Technical work (seed 3.2.5.3): a window restricting live, archive or VOD on chosen
    channels and services."""

    name = models.CharField(max_length=255, blank=True, default="")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True, help_text="empty: until further notice")
    restrict_live = models.BooleanField(default=True)
    restrict_archive = models.BooleanField(default=True)
    restrict_vod = models.BooleanField(default=False)
    channels = models.ManyToManyField("channels.Channel", blank=True)
    stream_services = models.ManyToManyField(StreamService, blank=True)
    message = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["client", "end_time"])]

    def __str__(self) -> str:
        return self.name or self.message[:60] or f"Technical work {self.pk}"


class StreamToken(ClientOwned):
    """A stream token's claim made while the cache was down (streaming/services.py): `token`
    is the digest of the signed token, one row per claimed token (unique: one winner).
    Tokens themselves are not stored; claims normally live in the cache with an expiry."""

    token = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE)
    stream_service = models.ForeignKey(StreamService, null=True, on_delete=models.CASCADE)
    content_type = models.CharField(max_length=16, default="live")
    content_id = models.CharField(max_length=255, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The stream names the token opens (empty: any) and the viewer that claimed it first.
    content_names = models.JSONField(default=list, blank=True)
    session_id = models.CharField(max_length=128, blank=True, default="")
    viewer_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]
