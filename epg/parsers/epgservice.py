"""epgservice (epgservice.ru, paid, XMLTV). URL mask:
http://xmldata.epgservice.ru:8181/EPGService/hs/xmldata/<id>/file/%s

The seed does not say what fills `%s`; here each EPG channel's id in the source does (one file
per channel, so one failing channel does not affect the others). With options["mask_value"]
the mask is filled once with that value and read as one file."""

from ._xmltv import XmltvParser
from .base import FeedError


class EpgParser(XmltvParser):
    """XMLTV from an epgservice URL mask."""

    handles_channel_import = False

    def _location(self, value: str | None = None) -> str:
        url = super()._location(value)
        if value is None and "%s" not in url:
            raise FeedError(f"source {self.source.name!r}: the epgservice URL mask needs %s")
        return url
