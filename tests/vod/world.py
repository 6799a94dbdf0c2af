"""One of every video-library row for an operator (the admin scoping tests walk every
registered model and need a row of each)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests import factories as f
from vod import services
from vod.models import PriceCategory, ProgramBlocking, VideoGenreMap


def populate_library(op, video, genre) -> None:
    client = op.client
    provider = services.provider_create(client=client, name="Studio")
    price = PriceCategory.objects.create(client=client, name="Rent", type=PriceCategory.Type.PURCHASE)
    actor = services.actor_create(client=client, name="Actor")
    services.video_modify(
        video=video, attrs={"provider_id": provider.pk, "price_category_id": price.pk}, actor_ids=[actor.pk]
    )
    VideoGenreMap.objects.create(client=client, external_name="drama", genre=genre)
    season = services.season_create(video=video, name="S1")
    episode = services.episode_create(video=video, season=season, name="E1")
    asset = services.video_file_create(video=video, episode=episode, attrs={"name": "HD", "filename": "a.mp4"})
    services.skip_fragment_create(video_file=asset, type=0, begin_time=0, end_time=10)
    services.selection_create(client=client, name="Top", content_type=2, items=[video.pk])
    seance = services.seance_create(video=video, date_start=timezone.now())
    services.seance_ticket_create(seance=seance)
    today = timezone.now().date()
    services.target_banner_create(
        client=client,
        name="Banner",
        published_from=today,
        published_to=today + dt.timedelta(days=1),
        account_ids=[op.account.pk],
        tariff_ids=[op.tariff.pk],
    )
    program = f.ProgramFactory(epg_channel=f.EpgChannelFactory(), name="Show")
    ProgramBlocking.objects.create(client=client, program=program)
