"""Read replicas against real MariaDB: a primary and a replica started by the test (their own
data directories and ports, GTID replication), an app server with
SMARTY_DATABASE_REPLICA_URLS. Device reads go to the replica, writes and the reads after them
to the primary; a replica that lags is left aside until it catches up."""

from __future__ import annotations

import os
import time

import pytest

from .servers import INSTALL_DB, MARIADB, MARIADBD, MariaDB, app_env, app_servers, manage, wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(os.environ.get("SMARTY_EXPECT_SERVICES") != "1", reason="needs the services pass (Redis)"),
    pytest.mark.skipif(
        not (MARIADBD and INSTALL_DB and MARIADB), reason="mariadbd, mariadb-install-db or mariadb is not installed"
    ),
]

SEED = """
from clients.models import PlayDevice
from tests import factories as f
device = f.PlayDeviceFactory(system_name="android", device_group=PlayDevice.Group.MOBILE)
for index in (1, 2):
    client = f.ClientFactory(name=f"Operator {index}", domain_prefix=f"op{index}", api_key=f"api-key-{index}")
    f.ClientPlayDeviceFactory(client=client, play_device=device)
    tariff = f.TariffFactory(client=client, name="Basic")
    customer = f.CustomerFactory(client=client)
    customer.tariffs.add(tariff)
    f.AccountFactory(customer=customer, abonement=f"{index}00001")
    category = f.ChannelCategoryFactory(client=client, name="News")
    for n in range(3):
        f.ChannelFactory(client=client, category=category, name=f"Channel {n}", sort_order=n).tariffs.add(tariff)
print(client.pk - 1)
"""


def caught_up(primary: MariaDB, replica: MariaDB) -> bool:
    position = primary.sql("SELECT @@gtid_binlog_pos")
    return replica.sql(f"SELECT MASTER_GTID_WAIT('{position}', 30)") == "0"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    base = tmp_path_factory.mktemp("replicas")
    primary = MariaDB(base, 1)
    replica = None
    try:
        replica = MariaDB(base, 2, replica=True)
        primary.sql(
            "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';"
        )
        replica.sql(
            f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.port}, MASTER_USER='repl',"
            " MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos; START SLAVE"
        )
        # Created on the primary, replicated: the application's account is not SUPER, so the
        # replica's read_only refuses any write routed to it by mistake.
        primary.sql(
            "CREATE DATABASE smarty CHARACTER SET utf8mb4;"
            "CREATE USER 'smarty'@'127.0.0.1' IDENTIFIED BY 'smarty';"
            "GRANT ALL ON smarty.* TO 'smarty'@'127.0.0.1';"
            "GRANT SLAVE MONITOR ON *.* TO 'smarty'@'127.0.0.1';"
        )
        env = app_env(
            base / "var",
            SMARTY_DATABASE_URL=f"mysql://smarty:smarty@127.0.0.1:{primary.port}/smarty",
            SMARTY_CACHE_KEY_PREFIX=f"replicas-{os.getpid()}-{time.time_ns()}",
        )
        manage("migrate", "--noinput", "-v", "0", env=env, timeout=300)
        client_id = int(manage("shell", "-c", SEED, env=env).split()[-1])
        assert caught_up(primary, replica)
        yield primary, replica, env, client_id, base
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()


def login(server, client_id: int, device_uid: str) -> str:
    body = server.get(
        "login/",
        abonement=f"{client_id}00001",
        password="1234",
        client_id=client_id,
        api_key=f"api-key-{client_id}",
        device="android",
        device_uid=device_uid,
    )
    assert body["error"] == 0, body
    return body["authkey"]


def test_device_reads_go_to_the_replica_and_writes_to_the_primary(pair):
    primary, replica, env, client_id, base = pair
    env = {
        **env,
        "SMARTY_DATABASE_REPLICA_URLS": f"mysql://smarty:smarty@127.0.0.1:{replica.port}/smarty",
        "SMARTY_DATABASE_REPLICA_LAG_CHECK": "0",
        "SMARTY_DATABASE_REPLICA_MAX_LAG": "2",
    }
    with app_servers(1, env, base) as (server,):
        authkey = login(server, client_id, "box-1")  # reads the account on the replica, writes the session
        assert caught_up(primary, replica)
        selects = primary.status("Com_select"), replica.status("Com_select")
        channels = server.get("channel/list/", authkey=authkey)  # cold cache: built from the database
        assert channels["error"] == 0 and len(channels["channels"]) == 3
        after = primary.status("Com_select"), replica.status("Com_select")
        # The mariadb client's own status query is one SELECT-free SHOW: the deltas are the app's.
        assert after[1] > selects[1], "the device read did not reach the replica"
        assert after[0] == selects[0], "a device read went to the primary"

        # Lag: the replica stops applying what it receives.
        replica.sql("STOP SLAVE SQL_THREAD")
        try:
            newer = login(server, client_id, "box-2")  # a session the replica does not have
            count = "SELECT COUNT(*) FROM smarty.accounts_session"
            assert int(replica.sql(count)) == int(primary.sql(count)) - 1
            before = replica.status("Com_select")
            status = server.get("account/status/", authkey=newer)
            assert status["error"] == 0, status
            assert replica.status("Com_select") == before, "a lagging replica was read"
        finally:
            replica.sql("START SLAVE SQL_THREAD")
        assert caught_up(primary, replica)
        wait_for(lambda: replica.replica_status().get("Seconds_Behind_Master") == "0", timeout=30, what="replica")
        before = replica.status("Com_select")
        login(server, client_id, "box-3")
        assert replica.status("Com_select") > before, "the caught-up replica was not read again"
