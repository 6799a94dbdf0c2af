"""The cache on a real three-node Redis Cluster (SMARTY_REDIS_CLUSTER_NODES), started here on
loopback when redis-server is installed."""

import shutil
import socket
import subprocess
import time

import pytest
from django_redis.cache import RedisCache

from smarty import cache as versioned

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def _free_ports(count: int) -> list[int]:
    """Free ports below 45535 (a cluster node also listens on port + 10000)."""
    ports = []
    for port in range(21000, 45000, 7):
        with socket.socket() as probe, socket.socket() as bus:
            try:
                probe.bind(("127.0.0.1", port))
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            break
    return ports


def _cluster_ok(port: int) -> bool:
    info = subprocess.run([REDIS_CLI, "-p", str(port), "cluster", "info"], capture_output=True).stdout
    return b"cluster_state:ok" in info


@pytest.fixture(scope="module")
def cluster_nodes(tmp_path_factory):
    if not (REDIS_SERVER and REDIS_CLI):
        pytest.skip("redis-server/redis-cli are not installed")
    ports = _free_ports(3)
    if len(ports) < 3:
        pytest.skip("no free ports for a cluster")
    workdir = tmp_path_factory.mktemp("cluster")
    procs = []
    for port in ports:
        node_dir = workdir / str(port)
        node_dir.mkdir()
        procs.append(
            subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(node_dir),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        for port in ports:
            for _ in range(50):
                if subprocess.run([REDIS_CLI, "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG":
                    break
                time.sleep(0.1)
        subprocess.run(
            [REDIS_CLI, "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports], "--cluster-yes"],
            capture_output=True,
            check=True,
            timeout=30,
        )
        # Every node must see the cluster as up, not just the first: a node that has not yet
        # heard of all slot assignments answers "CLUSTERDOWN The cluster is down".
        deadline = time.monotonic() + 60
        while not all(_cluster_ok(port) for port in ports):
            if time.monotonic() > deadline:
                pytest.fail(f"the cluster on {ports} did not come up within 60 s")
            time.sleep(0.1)
        yield [f"127.0.0.1:{p}" for p in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def test_the_cache_works_on_a_redis_cluster(cluster_nodes, monkeypatch):
    backend = RedisCache(
        cluster_nodes[0] and f"redis://{cluster_nodes[0]}",
        {
            "KEY_PREFIX": "t",
            "OPTIONS": {"CLIENT_CLASS": "smarty.cache_backends.RedisClusterClient", "STARTUP_NODES": cluster_nodes},
        },
    )
    values = {f"key-{n}": n for n in range(50)}  # spread over many slots
    backend.set_many(values)
    assert backend.get_many(list(values)) == values
    assert backend.add("once", 1) and not backend.add("once", 2)
    backend.set("counter", 1)
    assert backend.incr("counter") == 2

    monkeypatch.setattr(versioned, "cache", backend)
    built = []
    value = versioned.cached("thing", (1,), ["dep:a", "dep:b"], lambda: built.append(1) or "v1")
    assert value == "v1" and versioned.cached("thing", (1,), ["dep:a", "dep:b"], lambda: "other") == "v1"
    versioned.bump("dep:b")
    assert versioned.cached("thing", (1,), ["dep:a", "dep:b"], lambda: "v2") == "v2"
