"""Operations on the video library."""

from __future__ import annotations

from collections.abc import Mapping

from clients.services import clone_rows, clone_with_tariffs

from .models import Video, VideoGenre


def videos_clone(*, source, new, options: Mapping[str, bool], context: dict) -> dict[str, int]:
    """client_clone's step (registered in VodConfig.ready()): the videos with their genres and
    tariffs, when `options` ask for them."""
    if not options.get("video"):
        return {}
    genres = clone_rows(VideoGenre.objects.filter(client=source), new)
    videos = clone_with_tariffs(
        Video.objects.filter(client=source), new, context["tariff_map"], many_to_many={"genres": genres}
    )
    return {"videos": videos}
