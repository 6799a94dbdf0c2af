"""Monitoring fixtures: a session of each operator's main account (`session_of`), GET/POST
helpers for the ViewStats, Device Monitoring and DRM APIs decoding the answers."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests import factories as f


@pytest.fixture
def session_of(db):
    def make(op, account=None, play_device=None):
        return f.SessionFactory(account=account or op.account, play_device=play_device)

    return make


@pytest.fixture
def api_get(client):
    """api_get("/viewstats/api/stat/push", key=value...) -> (status, decoded JSON or text)."""

    def call(path: str, **params):
        params = {k: v for k, v in params.items() if v is not None}
        response = client.get(f"{path}?{urlencode(params, doseq=True)}")
        if response["Content-Type"].startswith("application/json"):
            return response.status_code, json.loads(response.content)
        return response.status_code, response.content.decode()

    return call


@pytest.fixture
def dm_post(client):
    """dm_post("/ping/push/", {...}) -> decoded JSON of a Device Monitoring call."""

    def call(path: str, body, raw: bool = False):
        data = body if raw else json.dumps(body)
        response = client.post("/device_monitoring/api" + path, data, content_type="application/json")
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        return json.loads(response.content)

    return call
