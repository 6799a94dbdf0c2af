"""The benchmark's dataset: synthetic operators at production scale (bench/README.md).

Two operators of (by default) equal size, so every query has to find one operator's rows among
another's: channels in categories, tariffs (a basic one and an additional one), a data center
and streaming services with Flussonic-style URL masks, customers each with one account, tariff
assignments and subscriptions. The EPG is shared, as in production (EPG channels are service
level): one EPG channel per channel of the larger operator, a week of programmes around today.

Rows go in with bulk_create in batches. Every account gets the same password hash (computed
once: PBKDF2 per row would take minutes at 100,000 accounts); the load scenario knows the
password. Bench data is recognised by the operators' domain prefix and the EPG source's name;
`dataset_delete` removes exactly that and nothing else.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.models import Account, AccountDevice, Customer, Session, hash_password
from channels.models import Channel, ChannelCategory
from clients.invalidation import clients_changed
from clients.models import Client, ClientPlayDevice, PlayDevice, PlayDeviceTemplate
from epg.models import EpgCategory, EpgChannel, EpgSource, Program
from streaming.models import DataCenter, StreamService
from tariffs.invalidation import tariffs_changed
from tariffs.models import Tariff, TariffSubscription
from vod import services as vod_services
from vod.models import Video

BENCH_PREFIX = "bench-op"
EPG_SOURCE_NAME = "bench-epg"
DEVICE_SYSTEM_NAME = "android"
# Operator k's abonements are k * ABONEMENT_BASE + 1, + 2, ...: disjoint and fixed-width.
ABONEMENT_BASE = 10_000_000
LIVE_URL_MASK = "http://stream$N.bench.test/$cid/index.m3u8?token=$token"
ARCHIVE_URL_MASK = "http://stream$N.bench.test/$cid/index-$flpbt-$flpdur.m3u8?token=$token"
EPG_CATEGORY_NAMES = ["Films", "Series", "News", "Sport", "Kids", "Documentary", "Music", "Entertainment"]
# Programme lengths as multiples of the mean length (their mean is 1).
LENGTH_FACTORS = (0.5, 0.75, 1.0, 1.0, 1.25, 1.5)
WORDS = (
    "morning evening news sport world city night story great big little return secret game "
    "life travel kitchen science music film garden ocean mountain journey hour live weekly"
).split()

Progress = Callable[[str, int, int], None]


class DatasetError(Exception):
    """The bench data cannot be created as asked (it exists, or the scale is invalid)."""


@dataclass(frozen=True)
class Scale:
    """How big the dataset is. The defaults are the issue's production-like size."""

    accounts: int = 100_000
    channels: int = 300
    categories: int = 15
    epg_days: int = 7
    programmes_per_day: int = 24
    stream_services: int = 3
    videos: int = 60
    other_scale: float = 1.0
    password: str = "bench-pass"
    batch_size: int = 5000
    seed: int = 7

    def validate(self) -> None:
        if not 1 <= self.accounts < ABONEMENT_BASE:
            raise DatasetError(f"accounts must be between 1 and {ABONEMENT_BASE - 1}")
        if self.channels < 1 or not 1 <= self.categories <= self.channels:
            raise DatasetError("channels must be >= 1 and categories between 1 and channels")
        if self.videos < 0:
            raise DatasetError("videos must be >= 0")
        if self.epg_days < 1 or self.programmes_per_day < 1 or self.stream_services < 1:
            raise DatasetError("epg_days, programmes_per_day and stream_services must be >= 1")
        if self.other_scale < 0 or self.batch_size < 1:
            raise DatasetError("other_scale must be >= 0 and batch_size >= 1")
        if not self.password:
            raise DatasetError("password must not be empty")

    def operator_sizes(self) -> list[tuple[int, int, int]]:
        """(accounts, channels, categories) of each operator: the main one, then the other."""
        sizes = [(self.accounts, self.channels, self.categories)]
        if self.other_scale > 0:
            channels = max(1, round(self.channels * self.other_scale))
            sizes.append(
                (
                    min(ABONEMENT_BASE - 1, max(1, round(self.accounts * self.other_scale))),
                    channels,
                    min(channels, max(1, round(self.categories * self.other_scale))),
                )
            )
        return sizes


def bench_clients():
    return Client.objects.filter(domain_prefix__startswith=BENCH_PREFIX).order_by("domain_prefix")


def epg_window(scale: Scale, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A week (epg_days) around today: more days back (catch-up) than ahead."""
    day0 = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day0 - dt.timedelta(days=(scale.epg_days + 1) // 2)
    return start, start + dt.timedelta(days=scale.epg_days)


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _bulk(model, rows: Iterable, *, scale: Scale, label: str, total: int, progress: Progress | None) -> int:
    """Insert rows of `model`, given as dicts of field attnames, in batches.

    This is bulk_create without its per-field, per-row machinery (a customer has ~45 fields; the
    ORM path made 100,000 accounts take minutes): every column a row does not set gets the
    field's default, converted once; the set ones are converted row by row by the field itself,
    and the batch goes to the driver's executemany. Rows bypass save() and signals, as with
    bulk_create; the bench data has no use for either.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    now = timezone.now()
    defaults = {}
    for field in fields:
        automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        value = now if automatic else field.get_default()
        defaults[field.attname] = field.get_db_prep_save(value, connection)
    by_attname = {f.attname: f for f in fields}
    done = 0
    for chunk in _batches(rows, scale.batch_size):
        params = []
        for row in chunk:
            values = dict(defaults)
            for name, value in row.items():
                values[name] = by_attname[name].get_db_prep_save(value, connection)
            params.append([values[f.attname] for f in fields])
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        done += len(chunk)
        if progress:
            progress(label, done, total)
    return done


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


# --- EPG -------------------------------------------------------------------------------------


def _programmes(epg_channels: list, categories: list, scale: Scale, now: dt.datetime) -> Iterator[dict]:
    start, end = epg_window(scale, now)
    mean_minutes = 1440 / scale.programmes_per_day
    for position, epg_channel in enumerate(epg_channels):
        rng = random.Random(scale.seed * 100_003 + position)
        begin = start
        number = 0
        while begin < end:
            minutes = max(5, round(mean_minutes * rng.choice(LENGTH_FACTORS) / 5) * 5)
            finish = begin + dt.timedelta(minutes=minutes)
            number += 1
            title = _words(rng, 3).capitalize()
            yield {
                "epg_channel_id": epg_channel.pk,
                "time_begin": begin,
                "time_end": finish,
                "name": title,
                "description": f"{title}: {_words(rng, 12)}.",
                "category_id": rng.choice(categories).pk,
                "age_rating": rng.choice(("0+", "6+", "12+", "16+", "18+")),
                "year": str(rng.randint(1970, 2024)),
                "preview": f"http://img.bench.test/{epg_channel.ext_id}/{number}.jpg",
            }
            begin = finish


def _expected_programmes(epg_channels: int, scale: Scale) -> int:
    return epg_channels * scale.epg_days * scale.programmes_per_day


def _create_programmes(source: EpgSource, scale: Scale, now: dt.datetime, progress: Progress | None) -> int:
    categories = [EpgCategory.objects.get_or_create(name=name)[0] for name in EPG_CATEGORY_NAMES]
    epg_channels = list(EpgChannel.objects.filter(source=source).order_by("id"))
    rows = _programmes(epg_channels, categories, scale, now)
    total = _expected_programmes(len(epg_channels), scale)
    return _bulk(Program, rows, scale=scale, label="programmes", total=total, progress=progress)


def _create_epg(scale: Scale, count: int, now: dt.datetime, progress: Progress | None) -> list[EpgChannel]:
    # Disabled: no importer ever fetches this source.
    source = EpgSource.objects.create(name=EPG_SOURCE_NAME, parser="xmltv", enabled=False)
    EpgChannel.objects.bulk_create(
        [EpgChannel(source=source, ext_id=f"bench{n}", name=f"Bench EPG {n}") for n in range(1, count + 1)],
        batch_size=scale.batch_size,
    )
    _create_programmes(source, scale, now, progress)
    return list(EpgChannel.objects.filter(source=source).order_by("id"))


def epg_refresh(*, scale: Scale, now: dt.datetime | None = None, progress: Progress | None = None) -> int:
    """Rebuild the bench programmes around today (a reused dataset's week moves on)."""
    now = now or timezone.now()
    source = EpgSource.objects.get(name=EPG_SOURCE_NAME)
    with transaction.atomic():
        _delete_in_chunks(Program.objects.filter(epg_channel__source=source), scale.batch_size)
        return _create_programmes(source, scale, now, progress)


# --- operators --------------------------------------------------------------------------------


def _create_operator(
    *,
    index: int,
    size: tuple[int, int, int],
    scale: Scale,
    epg_channels: list[EpgChannel],
    password_hash: str,
    now: dt.datetime,
    progress: Progress | None,
) -> Client:
    accounts, channel_count, category_count = size
    client = Client.objects.create(
        name=f"Bench operator {index}", domain_prefix=f"{BENCH_PREFIX}{index}", email=f"noc@bench-op{index}.test"
    )
    device, _ = PlayDevice.objects.get_or_create(
        system_name=DEVICE_SYSTEM_NAME,
        defaults={"name": "Android", "device_group": PlayDevice.Group.MOBILE, "response_format": "json"},
    )
    template, _ = PlayDeviceTemplate.objects.get_or_create(system_name="classic", defaults={"name": "Classic"})
    ClientPlayDevice.objects.create(client=client, play_device=device, template=template)

    data_center = DataCenter.objects.create(client=client, name="Bench DC", location="loopback")
    services = [
        # No check_url: nothing ever probes these made-up hosts (.test never resolves).
        StreamService.objects.create(
            client=client,
            name=f"Bench stream {n}",
            type=StreamService.Type.FLUSSONIC,
            data_center=data_center,
            live_url_mask=LIVE_URL_MASK.replace("$N", str(n)),
            archive_url_mask=ARCHIVE_URL_MASK.replace("$N", str(n)),
        )
        for n in range(1, scale.stream_services + 1)
    ]

    ChannelCategory.objects.bulk_create(
        [ChannelCategory(client=client, name=f"Category {n}", sort_order=n) for n in range(1, category_count + 1)]
    )
    categories = list(ChannelCategory.objects.filter(client=client).order_by("sort_order", "id"))
    basic = Tariff.objects.create(
        client=client, name="Bench basic", kind=Tariff.Kind.BASIC, price=Decimal("10"), basic_sessions_count=2
    )
    extra = Tariff.objects.create(client=client, name="Bench extra", kind=Tariff.Kind.ADDITIONAL, price=Decimal("3"))
    for tariff in (basic, extra):
        tariff.stream_services.set(services)
    # The last category is the additional tariff's (when there is more than one category).
    extra_category = categories[-1] if len(categories) > 1 else None

    Channel.objects.bulk_create(
        [
            Channel(
                client=client,
                name=f"Bench {index}.{n + 1}",
                category=categories[n * len(categories) // channel_count],
                epg_channel=epg_channels[n % len(epg_channels)],
                id_for_stream_service=f"ch{n + 1}",
                recording_days=scale.epg_days,
                lcn_number=n + 1,
                sort_order=n,
                meta={},
            )
            for n in range(channel_count)
        ],
        batch_size=scale.batch_size,
    )
    channels = list(Channel.objects.filter(client=client).order_by("sort_order", "id").values_list("id", "category"))
    extra_category_id = extra_category.pk if extra_category else None
    _bulk(
        Channel.tariffs.through,
        ({"channel_id": cid, "tariff_id": (extra if cat == extra_category_id else basic).pk} for cid, cat in channels),
        scale=scale,
        label="channel tariffs",
        total=len(channels),
        progress=None,
    )
    _bulk(
        Channel.stream_services.through,
        ({"channel_id": cid, "streamservice_id": s.pk} for cid, _ in channels for s in services),
        scale=scale,
        label="channel services",
        total=len(channels) * len(services),
        progress=None,
    )

    label = f"operator {index}"
    _bulk(
        Customer,
        (
            {
                "client_id": client.pk,
                "ext_id": f"bench{index}-{n}",
                "firstname": "Bench",
                "lastname": f"Customer{n}",
                "contract_number": f"B{index}-{n:07d}",
            }
            for n in range(1, accounts + 1)
        ),
        scale=scale,
        label=f"{label} customers",
        total=accounts,
        progress=progress,
    )
    customer_ids = list(Customer.objects.filter(client=client).order_by("id").values_list("id", flat=True))
    _bulk(
        Account,
        (
            {
                "client_id": client.pk,
                "customer_id": customer_id,
                "abonement": str(index * ABONEMENT_BASE + n),
                "ext_id": f"bench{index}-{n}",
                "password": password_hash,
                "data_center_id": data_center.pk,
                "activation_date": now.date(),
            }
            for n, customer_id in enumerate(customer_ids, start=1)
        ),
        scale=scale,
        label=f"{label} accounts",
        total=accounts,
        progress=progress,
    )
    through = Customer.tariffs.through
    # Every customer has the basic tariff; every third one the additional tariff too.
    assignments = (
        {"customer_id": customer_id, "tariff_id": tariff.pk}
        for n, customer_id in enumerate(customer_ids)
        for tariff in ((basic, extra) if n % 3 == 0 else (basic,))
    )
    total = accounts + (accounts + 2) // 3
    _bulk(through, assignments, scale=scale, label=f"{label} tariffs", total=total, progress=progress)
    _bulk(
        TariffSubscription,
        (
            {
                "client_id": client.pk,
                "customer_id": customer_id,
                "tariff_id": basic.pk,
                "price": basic.price,
                "start_date": now - dt.timedelta(days=10),
                "end_date": now + dt.timedelta(days=365),
            }
            for customer_id in customer_ids
        ),
        scale=scale,
        label=f"{label} subscriptions",
        total=accounts,
        progress=progress,
    )
    _create_sessions(client=client, play_device=device, scale=scale, now=now, label=label, progress=progress)
    _create_videos(client=client, tariffs=[basic.pk, extra.pk], count=scale.videos)
    return client


def _create_sessions(*, client: Client, play_device: PlayDevice, scale: Scale, now, label: str, progress) -> None:
    """One registered device and one live session (authkey) per account, as if every device
    had logged in once: the load then measures devices as they are, not their logins."""
    accounts = list(Account.objects.filter(client=client).order_by("id").values_list("id", "abonement"))
    _bulk(
        AccountDevice,
        (
            {
                "client_id": client.pk,
                "account_id": account_id,
                "play_device_id": play_device.pk,
                "device_uid": f"bench-{abonement}",
                "brand_name": "Bench",
                "device_model": "BenchBox",
            }
            for account_id, abonement in accounts
        ),
        scale=scale,
        label=f"{label} devices",
        total=len(accounts),
        progress=progress,
    )
    devices = dict(AccountDevice.objects.filter(client=client).values_list("account_id", "id"))
    expires = now + dt.timedelta(days=365)
    _bulk(
        Session,
        (
            {
                "client_id": client.pk,
                "authkey": secrets.token_hex(16),
                "account_id": account_id,
                "device_id": devices[account_id],
                "play_device_id": play_device.pk,
                "ip_address": "127.0.0.1",
                "expires_at": expires,
            }
            for account_id, _abonement in accounts
        ),
        scale=scale,
        label=f"{label} sessions",
        total=len(accounts),
        progress=progress,
    )


def _create_videos(*, client: Client, tariffs: list[int], count: int) -> None:
    """A small VOD library in both tariffs: films with one file each, every tenth a series."""
    if not count:
        return
    genres = [vod_services.genre_create(client=client, name=name) for name in ("Films", "Series", "Kids")]
    for n in range(1, count + 1):
        attrs = {"ext_id": f"bench-video-{n}", "year": 1990 + n % 35, "duration": 90, "description": f"Film {n}."}
        if n % 10 == 0:
            vod_services.video_create(
                client=client,
                name=f"Bench series {n}",
                attrs=attrs,
                genre_ids=[genres[1].pk],
                tariff_ids=tariffs,
                seasons=[
                    {
                        "name": "Season 1",
                        "episodes": [
                            {"name": f"Episode {e}", "duration": 45, "files": [{"name": "HD", "filename": name}]}
                            for e, name in ((e, f"s{n}e{e}.mp4") for e in (1, 2, 3))
                        ],
                    }
                ],
            )
        else:
            vod_services.video_create(
                client=client,
                name=f"Bench film {n}",
                attrs=attrs,
                genre_ids=[genres[n % 2 * 2].pk],
                tariff_ids=tariffs,
                files=[{"name": "HD", "filename": f"film{n}.mp4", "duration": 5400, "quality": 2}],
            )


def dataset_create(*, scale: Scale, now: dt.datetime | None = None, progress: Progress | None = None) -> dict:
    """Create the bench operators and the shared EPG; refuses when bench data exists."""
    scale.validate()
    if bench_clients().exists() or EpgSource.objects.filter(name=EPG_SOURCE_NAME).exists():
        raise DatasetError("bench data exists: delete it first (--reset) or keep it (--reuse)")
    now = now or timezone.now()
    password_hash = hash_password(scale.password)
    sizes = scale.operator_sizes()
    with transaction.atomic():
        epg_channels = _create_epg(scale, max(channels for _, channels, _ in sizes), now, progress)
        clients = [
            _create_operator(
                index=index,
                size=size,
                scale=scale,
                epg_channels=epg_channels,
                password_hash=password_hash,
                now=now,
                progress=progress,
            )
            for index, size in enumerate(sizes, start=1)
        ]
        # SQLite may hand out deleted ids again: cached values of a previous dataset must not
        # survive under them.
        clients_changed(*(c.pk for c in clients))
        tariffs_changed(*(c.pk for c in clients))
    return dataset_describe()


def _delete_in_chunks(queryset, size: int) -> int:
    """Delete through the ORM (cascades stay correct) in bounded chunks of ids."""
    deleted = 0
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for chunk in _batches(ids, size):
        queryset.model.objects.filter(pk__in=chunk).delete()
        deleted += len(chunk)
    return deleted


def dataset_delete(*, batch_size: int = 5000) -> int:
    """Remove the bench operators (with everything they own) and the bench EPG. Returns the
    number of operators removed."""
    clients = list(bench_clients())
    with transaction.atomic():
        for client in clients:
            _delete_in_chunks(Account.objects.filter(client=client), batch_size)
            _delete_in_chunks(Customer.objects.filter(client=client), batch_size)
            client.delete()
        _delete_in_chunks(Program.objects.filter(epg_channel__source__name=EPG_SOURCE_NAME), batch_size)
        EpgChannel.objects.filter(source__name=EPG_SOURCE_NAME).delete()
        EpgSource.objects.filter(name=EPG_SOURCE_NAME).delete()
    return len(clients)


# --- description and reuse -------------------------------------------------------------------


def dataset_describe() -> dict:
    """What the load scenario needs to know about the bench data (no password: only its
    hash is stored)."""
    operators = []
    for client in bench_clients():
        accounts = Account.objects.filter(client=client).aggregate(
            first=Min("abonement"), last=Max("abonement"), count=Count("id")
        )
        channels = Channel.objects.filter(client=client).order_by("sort_order", "id")
        channel_ids = list(channels.values_list("id", flat=True))
        video_ids = list(Video.objects.filter(client=client).order_by("id").values_list("id", flat=True))
        # Channels every account sees (the basic tariff's): what the load generator zaps to.
        basic_ids = set(
            Channel.tariffs.through.objects.filter(channel__client=client, tariff__kind=Tariff.Kind.BASIC).values_list(
                "channel_id", flat=True
            )
        )
        operators.append(
            {
                "index": int(client.domain_prefix.removeprefix(BENCH_PREFIX) or 0),
                "client_id": client.pk,
                "api_key": client.api_key,
                "abonement_first": int(accounts["first"]) if accounts["first"] else None,
                "abonement_last": int(accounts["last"]) if accounts["last"] else None,
                "accounts": accounts["count"],
                "channels": len(channel_ids),
                "channel_ids": channel_ids,
                "basic_channel_ids": [cid for cid in channel_ids if cid in basic_ids],
                "categories": ChannelCategory.objects.filter(client=client).count(),
                "stream_services": StreamService.objects.filter(client=client).count(),
                "sessions": Session.objects.filter(client=client, expires_at__gt=timezone.now()).count(),
                "videos": len(video_ids),
                "video_ids": video_ids,
            }
        )
    programmes = Program.objects.filter(epg_channel__source__name=EPG_SOURCE_NAME).aggregate(
        count=Count("id"), first=Min("time_begin"), last=Max("time_end")
    )
    return {
        "operators": operators,
        "device": DEVICE_SYSTEM_NAME,
        "epg_channels": EpgChannel.objects.filter(source__name=EPG_SOURCE_NAME).count(),
        "programmes": programmes["count"],
        "epg_from": programmes["first"].isoformat() if programmes["first"] else None,
        "epg_to": programmes["last"].isoformat() if programmes["last"] else None,
    }


def dataset_matches(description: dict, scale: Scale) -> bool:
    """Whether existing bench data has the asked size and the asked password."""
    sizes = scale.operator_sizes()
    operators = description["operators"]
    if len(operators) != len(sizes) or not description["programmes"]:
        return False
    for operator, (accounts, channels, categories) in zip(operators, sizes, strict=True):
        if (operator["accounts"], operator["channels"], operator["categories"]) != (accounts, channels, categories):
            return False
        if operator["stream_services"] != scale.stream_services:
            return False
        if operator["sessions"] != accounts or operator["videos"] != scale.videos:
            return False
    if description["epg_channels"] != max(channels for _, channels, _ in sizes):
        return False
    sample = Account.objects.filter(client_id=operators[0]["client_id"]).only("password").first()
    return bool(sample and sample.check_password(scale.password))


def epg_is_current(description: dict, scale: Scale, now: dt.datetime | None = None) -> bool:
    """The bench EPG starts where a fresh one would (to within a day)."""
    if not description["epg_from"]:
        return False
    start, _ = epg_window(scale, now or timezone.now())
    return abs(dt.datetime.fromisoformat(description["epg_from"]) - start) <= dt.timedelta(days=1)


def dataset_ensure(*, scale: Scale, progress: Progress | None = None) -> tuple[dict, str]:
    """Keep matching bench data (moving its EPG to today if needed), otherwise rebuild it.
    Returns the description and what was done: "reused", "epg refreshed" or "created"."""
    scale.validate()
    description = dataset_describe()
    if description["operators"] and dataset_matches(description, scale):
        if epg_is_current(description, scale):
            return description, "reused"
        epg_refresh(scale=scale, progress=progress)
        return dataset_describe(), "epg refreshed"
    dataset_delete(batch_size=scale.batch_size)
    return dataset_create(scale=scale, progress=progress), "created"


def key_values(description: dict, password: str) -> list[str]:
    """`key=value` lines for shell scripts."""
    lines = [f"operators={len(description['operators'])}", f"password={password}", f"device={description['device']}"]
    for operator in description["operators"]:
        prefix = f"operator{operator['index']}_"
        for key in ("client_id", "api_key", "abonement_first", "abonement_last", "accounts", "channels"):
            lines.append(f"{prefix}{key}={operator[key]}")
    lines.append(f"epg_channels={description['epg_channels']}")
    lines.append(f"programmes={description['programmes']}")
    return lines


def sessions_write(path, *, other_share: float = 0.1) -> int:
    """The load generator's accounts: one line per session, `client_id,authkey,operator index`,
    the second operator's sessions interleaved so that about `other_share` of the lines are
    theirs. Returns the number of lines written."""
    per_operator = []
    for client in bench_clients():
        index = int(client.domain_prefix.removeprefix(BENCH_PREFIX) or 0)
        keys = Session.objects.filter(client=client, expires_at__gt=timezone.now()).order_by("id")
        per_operator.append([(client.pk, key, index) for key in keys.values_list("authkey", flat=True)])
    lines = list(per_operator[0]) if per_operator else []
    if len(per_operator) > 1 and other_share > 0 and lines:
        others = per_operator[1][: max(1, round(len(lines) * other_share / (1 - other_share)))]
        step = max(1, len(lines) // len(others))
        for n, row in enumerate(others):
            lines.insert(min(len(lines), n * (step + 1)), row)
    with open(path, "w") as handle:
        handle.writelines(f"{client_id},{authkey},{index}\n" for client_id, authkey, index in lines)
    return len(lines)
