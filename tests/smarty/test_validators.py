"""The shared field validators, and the models that use them refuse bad values at full_clean
(which the admin's forms and the services run)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from epg.models import EpgSource
from smarty.validators import validate_source_location, validate_url_mask
from streaming.models import StreamService


@pytest.mark.parametrize(
    "value", ["http://epg.example/guide.xml.gz", "https://x.test/%s.xml", "/srv/epg/guide.xml", "ftp://h/p", ""]
)
def test_feed_locations_that_pass(value):
    validate_source_location(value)


@pytest.mark.parametrize(
    "value", ["guide.xml", "http://", "ht tp://x", "http://x/a b", "http://x/\x00", "1http://x", "://x"]
)
def test_feed_locations_that_are_refused(value):
    with pytest.raises(ValidationError):
        validate_source_location(value)


@pytest.mark.parametrize("value", ["http://fl.test/$cid/index.m3u8?token=$token", "udp://@$multicast", ""])
def test_stream_masks_that_pass(value):
    validate_url_mask(value)


@pytest.mark.parametrize("value", ["/local/path", "fl.test/$cid", "http://x/$cid index.m3u8"])
def test_stream_masks_that_are_refused(value):
    with pytest.raises(ValidationError):
        validate_url_mask(value)


@pytest.mark.django_db
def test_the_models_refuse_bad_locations_at_full_clean():
    with pytest.raises(ValidationError) as excinfo:
        EpgSource(name="x", parser="xmltv", url="guide.xml").full_clean()
    assert "url" in excinfo.value.message_dict
    service = StreamService(name="s", live_url_mask="no scheme/$cid")
    with pytest.raises(ValidationError) as excinfo:
        service.full_clean(exclude=["client"])
    assert "live_url_mask" in excinfo.value.message_dict
