"""Two app servers sharing nothing but the database and Redis: what one of them changes, the
other answers on its very next request (versioned cache keys, no per-server state that
outlives a change)."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection

from .servers import app_env, app_servers, database_url

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        os.environ.get("SMARTY_EXPECT_SERVICES") != "1", reason="needs the services pass (MariaDB and Redis)"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_a_change_through_one_server_is_seen_through_the_other_at_once(operator, other_operator, tmp_path, settings):
    assert connection.vendor == "mysql" and settings.REDIS_URL
    env = app_env(
        tmp_path,
        SMARTY_DATABASE_URL=database_url(connection.settings_dict),
        SMARTY_REDIS_URL=settings.REDIS_URL,
        SMARTY_CACHE_KEY_PREFIX=f"two-servers-{os.getpid()}-{time.time_ns()}",
    )
    account, client = operator.account, operator.client
    with app_servers(2, env, tmp_path) as (first, second):
        login = first.get(
            "login/",
            abonement=account.abonement,
            password=operator.password,
            client_id=client.pk,
            api_key=client.api_key,
            device="android",
            device_uid="shared-box",
        )
        assert login["error"] == 0, login
        authkey = login["authkey"]

        # The session written through the first server authenticates on the second.
        before = second.get("channel/list/", authkey=authkey)
        assert before["error"] == 0
        assert [c["is_favorited"] for c in before["channels"]] == [0, 0, 0]
        ids = [c["id"] for c in before["channels"]]
        assert set(ids) == {c.pk for c in operator.channels}  # never the other operator's look-alikes

        favourite = operator.channels[1].pk
        assert first.get("settings/save/", authkey=authkey, favorite_channel=favourite)["error"] == 0
        after = second.get("channel/list/", authkey=authkey)
        assert {c["id"]: c["is_favorited"] for c in after["channels"]}[favourite] == 1

        # And back the other way: a change through the second, read through the first.
        assert second.get("settings/save/", authkey=authkey, unfavorite_channel=favourite)["error"] == 0
        again = first.get("channel/list/", authkey=authkey)
        assert [c["is_favorited"] for c in again["channels"]] == [0, 0, 0]

        # A logout through one server ends the session on both.
        assert second.get("logout/", authkey=authkey)["error"] == 0
        assert first.get("channel/list/", authkey=authkey)["error"] != 0
