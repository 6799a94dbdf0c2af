"""The live-TV / TV-guide error-code constants are frozen against the reference."""

from __future__ import annotations

import pytest

from tvmiddleware.views import account_channels, camera, category, channel, program, program_category

from .live_fixtures import SPEC

FROZEN = [
    (channel.CHANNEL_LIST_SORT_NOT_FOUND, "/channel/list/"),
    (channel.CHANNEL_LIST_SORT_NOT_FOUND, "/channel/list/search/"),
    (channel.CHANNEL_DETAIL_BAD_PARAMS, "/channel/detail/"),
    (channel.CHANNEL_DETAIL_NOT_FOUND, "/channel/detail/"),
    (channel.CHANNEL_ACTION_FAILED, "/channel/action/"),
    (channel.CHANNEL_ACTION_NO_FUNDS, "/channel/action/"),
    (channel.CHANNEL_ACTION_ALREADY_DONE, "/channel/action/"),
    (channel.CHANNEL_ACTION_NOT_AVAILABLE, "/channel/action/"),
    (channel.CHANNEL_ACTION_SUBSCRIPTION_REQUIRED, "/channel/action/"),
    (channel.CHANNEL_PROGRAMS_BAD_PARAMS, "/channel/programs/"),
    (channel.CHANNEL_LIST_PROGRAMS_SORT_NOT_FOUND, "/channel/list/programs/"),
    (channel.CHANNEL_LIST_PROGRAMS_BAD_CHANNELS, "/channel/list/programs/"),
    (channel.PREMIERE_LIST_BAD_PARAMS, "/premiere/list/"),
    (channel.V2_BAD_PARAMS, "/v2/channel/info/"),
    (channel.V2_BAD_PARAMS, "/v2/channel/list/"),
    (channel.V2_NOT_FOUND, "/v2/noauth/channel/info/"),
    (channel.V2_CHANNELS_NOT_AVAILABLE, "/v2/channel/info/"),
    (account_channels.CHANNEL_LIST_LAST_BAD_PARAMS, "/channel/list/last/"),
    (account_channels.V2_BAD_PARAMS, "/v2/account/channels/sort/"),
    (account_channels.V2_NOT_FOUND, "/v2/account/channels/update/"),
    (category.CAMERA_CATEGORY_LIST_BAD_PARAMS, "/camera/category/list/"),
    (camera.CAMERA_LIST_BAD_PARAMS, "/camera/list/"),
    (camera.CAMERA_DETAIL_FAILED, "/camera/detail"),
    (program.PROGRAM_LIST_BAD_PARAMS, "/program/list/"),
    (program.PROGRAM_LIST_PID_FROM_NOT_FOUND, "/program/list/"),
    (program.PROGRAM_LIST_PID_FROM_NOT_FOUND, "/noauth/program/list/"),
    (program.PROGRAM_DETAIL_BAD_PARAMS, "/program/detail/"),
    (program.PROGRAM_DETAIL_BAD_PARAMS, "/noauth/program/detail/"),
    (program.PROGRAM_SEARCH_BAD_PARAMS, "/program/list/search/"),
    (program_category.PROGRAM_CATEGORY_BAD_PARAMS, "/program/category/list/"),
    (program_category.PROGRAM_CATEGORY_COMPACT_CONFLICT, "/program/category/channel/list/"),
]


@pytest.mark.parametrize(("code", "path"), FROZEN)
def test_each_error_code_constant_is_documented_for_its_method(code, path):
    assert code in SPEC[path]["errors"]


def test_every_method_of_the_area_is_registered_with_its_reference_name():
    from tvmiddleware.api import tvmw

    for path, method in SPEC.items():
        registered = tvmw.methods.get(path.strip("/"))
        assert registered is not None, path
        assert registered.name == method["name"]
