"""Viewing statistics, device heartbeats and the STB health agent's reports (docs/monitoring.md).

Time-series layout: `ViewEvent` holds raw viewing sessions (kept SMARTY_MONITORING_RAW_DAYS),
`ViewRollup` their per-hour and per-day sums (kept SMARTY_MONITORING_ROLLUP_DAYS), written by
the scheduled `monitoring.tasks.rollup_views`. Charts read rollups only, through indexes that
start with (client, period, bucket): a month of a large operator is ~720 hourly rows per
channel, never a scan of the raw events.
"""

from __future__ import annotations

from django.db import models

from accounts.models import Session
from smarty.tenancy import ClientOwned


class ViewEvent(ClientOwned):
    """One viewing session: a device watching one channel (or recording, or video) from
    `started_at` for `duration` seconds. `channel_session` is the device's id of the session
    (ViewStats StatPush): repeated pushes of one session extend the same row."""

    class Source(models.TextChoices):
        PUSH = "push", "ViewStats push"
        URL = "url", "stream address request"

    account = models.ForeignKey("accounts.Account", null=True, on_delete=models.SET_NULL)
    content_type = models.CharField(max_length=16)
    content_id = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    duration = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    # started_at as Unix seconds: a repeated push sets duration = now - started_epoch in the
    # same UPDATE, with no date arithmetic in SQL and no pass over the rows later.
    started_epoch = models.BigIntegerField(default=0)
    program_id = models.BigIntegerField(null=True, blank=True)
    channel_session = models.BigIntegerField(null=True, blank=True)
    timeshift_offset = models.IntegerField(default=0)
    device = models.CharField(max_length=64, blank=True, default="")
    device_uid = models.CharField(max_length=128, blank=True, default="")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.PUSH)

    class Meta:
        indexes = [
            models.Index(fields=["client", "started_at"], name="mon_view_client_time"),
            models.Index(fields=["client", "content_type", "content_id", "started_at"], name="mon_view_content"),
            models.Index(fields=["account", "channel_session"], name="mon_view_session"),
        ]


class ViewRollup(ClientOwned):
    """Sums of the viewing sessions that started in one hour (or day) per content item:
    sessions, distinct accounts, seconds watched. `content_id` "" is the all-content total
    (concurrency and viewer counts per bucket)."""

    class Period(models.TextChoices):
        HOUR = "hour", "hour"
        DAY = "day", "day"

    period = models.CharField(max_length=4, choices=Period.choices)
    bucket = models.DateTimeField()
    content_type = models.CharField(max_length=16)
    content_id = models.CharField(max_length=64, blank=True, default="")
    sessions = models.PositiveIntegerField(default=0)
    viewers = models.PositiveIntegerField(default=0)
    seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period", "bucket", "content_type", "content_id"], name="mon_rollup_unique"
            )
        ]


class LoginStat(ClientOwned):
    """Logins and login errors per hour (counted in the cache, flushed by the rollup task)."""

    bucket = models.DateTimeField()
    logins = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "bucket"], name="mon_login_unique")]


class DeviceReport(models.Model):
    """What the STB health agent pushed (Device Monitoring API): ping, metrics, speed test or
    system info, as sent. `client` is the operator of the account the device uid is bound to
    (or the system info's client_id); None while the device is bound to no account."""

    class Kind(models.TextChoices):
        PING = "ping", "ping"
        METRICS = "metrics", "metrics"
        SPEEDTEST = "speedtest", "speed test"
        SYSTEM_INFO = "system_info", "system info"

    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    uid = models.CharField(max_length=128)
    mac = models.CharField(max_length=64, blank=True, default="")
    device_type = models.CharField(max_length=64, blank=True, default="")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()

    class Meta:
        indexes = [
            models.Index(fields=["uid", "kind", "created_at"], name="mon_report_uid"),
            models.Index(fields=["client", "created_at"], name="mon_report_client"),
        ]


class ProvisioningCommand(models.Model):
    """A provisioning command for devices (CommandList): for one uid, or a mass command for
    every device of the operator (`uid` empty). A per-device command is handed out once."""

    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.CASCADE)
    uid = models.CharField(max_length=128, blank=True, default="")
    name = models.CharField(max_length=64)
    param = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["uid", "delivered_at"], name="mon_command_uid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.uid or 'all devices'})"


class DevicePassword(models.Model):
    """The device's local admin-panel password (PasswordGenerate), stored as a hash: only
    the device, holding the private key, ever reads the clear text."""

    uid = models.CharField(max_length=128, unique=True)
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now=True)


class LiveDashboard(ViewEvent):
    """The admin's "Live dashboard" page: the charts above the latest viewing sessions (a
    view of ViewEvent; no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "viewing session"
        verbose_name_plural = "live dashboard"


class OnlineSession(Session):
    """The admin's one "Active sessions" page: who is online now (sessions active within
    SMARTY_ADMIN_ONLINE_MINUTES) with device, app version and what they watch (a view of
    accounts.Session; no table of its own). The accounts' "Sessions" list keeps every
    unexpired session, for ending them."""

    class Meta:
        proxy = True
        verbose_name = "active session"
        verbose_name_plural = "active sessions (online now)"
