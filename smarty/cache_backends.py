"""django-redis client for a Redis Cluster (seed 2.4.4's cluster mode)."""

from __future__ import annotations

from django_redis.client import DefaultClient
from redis.cluster import ClusterNode, RedisCluster


class _Cluster(RedisCluster):
    """Keys of one get_many call live in different slots: read them slot by slot."""

    def mget(self, *keys, **kwargs):
        return self.mget_nonatomic(*keys)


class RedisClusterClient(DefaultClient):
    def __init__(self, server, params, backend) -> None:
        super().__init__(server, params, backend)
        nodes = []
        for item in self._options.get("STARTUP_NODES", []):
            host, _, port = item.partition(":")
            nodes.append(ClusterNode(host, int(port or 6379)))
        self._cluster = _Cluster(startup_nodes=nodes, socket_timeout=1, socket_connect_timeout=1)

    def connect(self, index: int = 0):
        # Every "server index" of django-redis is the one cluster client.
        return self._cluster
