"""dummy_source: 60-minute blocks for channels without a guide and for cameras with PVR.
URL mask: leave empty.

Options: days_before (1), days_after (7), block_minutes (60), title (default: the EPG
channel's name). Blocks start on whole hours of the source's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from .base import EpgParserBase, Feed, ParsedProgramme


class EpgParser(EpgParserBase):
    """Generates the blocks; nothing is fetched."""

    def feeds(self, channels: Mapping[str, str]) -> Iterable[Feed]:
        return [Feed(label="dummy")]

    def programmes(self, feed: Feed, channels: Mapping[str, str]) -> Iterator[ParsedProgramme]:
        days_before = int(self.options.get("days_before", 1))
        days_after = int(self.options.get("days_after", 7))
        block = timedelta(minutes=max(1, int(self.options.get("block_minutes", 60))))
        local_now = timezone.now().astimezone(self.default_tz)
        first = datetime.combine(local_now.date() - timedelta(days=days_before), datetime.min.time())
        last = datetime.combine(local_now.date() + timedelta(days=days_after + 1), datetime.min.time())
        for key, name in channels.items():
            title = str(self.options.get("title") or name or key)
            begin = first
            while begin < last:
                end = begin + block
                yield ParsedProgramme(
                    channel=key,
                    start=begin.replace(tzinfo=self.default_tz).astimezone(UTC),
                    stop=end.replace(tzinfo=self.default_tz).astimezone(UTC),
                    names={0: title},
                )
                begin = end
