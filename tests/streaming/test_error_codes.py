"""The stream methods' error codes, frozen against the reference (values copied from
reference/api/spec.json: ChannelUrl, ProgramUrl, CameraUrl, StreamServiceTokenCheck,
FlussonicTokenCheck, MaintenanceCreate, MaintenanceEdit)."""

from streaming import api, services
from tvmiddleware.views import stream

REFERENCE = {
    "ChannelUrl": {0, 1, 2, 404, 403},
    "ProgramUrl": {0, 1, 2, 404, 403},
    "CameraUrl": {0, 1, 403},
    "StreamServiceTokenCheck": {0, 1, 2, 3},
    "MaintenanceCreate": {0, 1, 20},
    "MaintenanceEdit": {0, 1, 2, 20},
}


def test_url_method_codes_match_the_reference():
    assert {0, stream.URL_BAD_PARAMS, stream.URL_DRM_ERROR, stream.URL_NOT_FOUND, 403} == REFERENCE["ChannelUrl"]
    assert REFERENCE["ProgramUrl"] == REFERENCE["ChannelUrl"]
    assert {0, stream.CAMERA_URL_BAD_PARAMS, 403} == REFERENCE["CameraUrl"]


def test_token_check_codes_match_the_reference():
    codes = {services.TOKEN_OK, services.TOKEN_EXPIRED, services.TOKEN_WRONG_CONTENT, services.TOKEN_WRONG_IP}
    assert codes == REFERENCE["StreamServiceTokenCheck"]
    assert (services.TOKEN_EXPIRED, services.TOKEN_WRONG_CONTENT, services.TOKEN_WRONG_IP) == (1, 2, 3)


def test_streaming_api_codes_match_the_reference():
    assert {api.OK, api.MAINTENANCE_CREATE_CHANNELS_NOT_FOUND, api.BAD_PARAMS} == REFERENCE["MaintenanceCreate"]
    edit = {api.OK, api.MAINTENANCE_EDIT_NOT_FOUND, api.MAINTENANCE_EDIT_CHANNELS_NOT_FOUND, api.BAD_PARAMS}
    assert edit == REFERENCE["MaintenanceEdit"]
    assert (api.MAINTENANCE_EDIT_NOT_FOUND, api.MAINTENANCE_EDIT_CHANNELS_NOT_FOUND) == (1, 2)
