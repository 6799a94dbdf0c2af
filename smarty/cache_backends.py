"""django-redis client for a Redis Cluster (seed 2.4.4's cluster mode)."""

from __future__ import annotations

from django_redis.client import DefaultClient
from redis.cluster import ClusterNode, RedisCluster


class RedisClusterClient(DefaultClient):
    def __init__(self, server, params, backend) -> None:  # noqa: ANN001
        super().__init__(server, params, backend)
        nodes = []
        for item in self._options.get("STARTUP_NODES", []):
            host, _, port = item.partition(":")
            nodes.append(ClusterNode(host, int(port or 6379)))
        self._cluster = RedisCluster(startup_nodes=nodes, decode_responses=False)

    def get_client(self, write=True, tried=None, show_index=False):  # noqa: ANN001, ANN201, FBT002
        if show_index:
            return self._cluster, 0
        return self._cluster
