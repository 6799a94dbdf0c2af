"""Ads (reference tvmw/Ads.md): ad blocks of a channel or a film, targeted by tariff, device
type and region, within each block's daily impressions per account."""

from __future__ import annotations

import datetime as dt

import pytest

from clients.models import PlayDevice
from portal.models import AdBlock, AdImpression, AdMovie


@pytest.fixture(autouse=True)
def ads_on(settings):
    settings.SMARTY_TVMW_ADS_ENABLED = True


@pytest.fixture
def blocks(operator, other_operator):
    block = AdBlock.objects.create(
        client=operator.client,
        name="Morning",
        days="1,2,3,4,5,6,7",
        begin_time=dt.time(0, 0),
        end_time=dt.time(23, 59, 59),
        daily_limit=2,
        events=[{"type": "start", "url": "http://track/start"}],
    )
    block.channels.add(operator.channels[0])
    AdMovie.objects.create(client=operator.client, block=block, name="Spot", url="http://ads/1.mp4", duration=15)
    theirs = AdBlock.objects.create(client=other_operator.client, name="Theirs", all_channels=True)
    return block, theirs


def test_ads_list_answers_the_channels_blocks_and_counts_impressions(tvmw_call, tvmw_xml, authkey, operator, blocks):
    block, _theirs = blocks
    body = tvmw_call("/ads/list/", authkey=authkey, channel_id=operator.channels[0].pk)
    assert body == {
        "error": 0,
        "error_message": "",
        "ads": [
            {
                "days": "1,2,3,4,5,6,7",
                "begin_time": "00:00:00",
                "end_time": "23:59:59",
                "display_order": 0,
                "provider": 0,
                "movies": [
                    {
                        "name": "Spot",
                        "url": "http://ads/1.mp4",
                        "width": 0,
                        "duration": 15,
                        "provider_options": [],
                        "skipoffset": 0,
                    }
                ],
                "events": [{"type": "start", "url": "http://track/start"}],
            }
        ],
    }
    assert AdImpression.objects.get(block=block).count == 1
    # With the device's time zone the block is filtered by time and its schedule is not sent.
    zoned = tvmw_call("/ads/list/", authkey=authkey, channel_id=operator.channels[0].pk, timezone=3)
    assert zoned["error"] == 0 and "days" not in zoned["ads"][0]
    # The daily limit (2) is reached: error 7 with the time of the next request.
    limited = tvmw_call("/ads/list/", authkey=authkey, channel_id=operator.channels[0].pk)
    assert limited["error"] == 7 and "next_time_request" in limited["error_message"]
    block.refresh_from_db()
    assert block.impressions == 2
    # Another channel has no block; the other operator's "every channel" block never shows here.
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=operator.channels[1].pk)["ads"] == []
    assert tvmw_xml("/ads/list/", authkey=authkey, channel_id=operator.channels[1].pk).findtext("error") == "0"


def test_ads_targeting_by_tariff_and_device_type(tvmw_call, authkey, operator, other_operator, blocks):
    block, _ = blocks
    block.tariffs.add(other_operator.tariff)  # a tariff the account does not have
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=operator.channels[0].pk)["ads"] == []
    block.tariffs.set([operator.tariff])
    block.play_devices.set([PlayDevice.objects.get(system_name="sagemcom")])
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=operator.channels[0].pk, device="android")["ads"] == []
    block.play_devices.clear()
    block.video_ids = [77]
    block.save()
    assert len(tvmw_call("/ads/list/", authkey=authkey, video_id=77)["ads"]) == 1


def test_ads_errors(tvmw_call, authkey, operator, settings, blocks):
    channel = operator.channels[0].pk
    assert tvmw_call("/ads/list/", authkey=authkey)["error"] == 1
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=channel, video_id=1)["error"] == 6
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=channel, timezone="Moscow")["error"] == 5
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=channel, ad_context="{bad")["error"] == 4
    assert tvmw_call("/ads/list/", authkey="unknown", channel_id=channel)["error"] == 403
    settings.SMARTY_TVMW_ADS_ENABLED = False
    assert tvmw_call("/ads/list/", authkey=authkey, channel_id=channel)["error"] == 2
