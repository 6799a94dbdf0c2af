"""The read-replica router's decisions (smarty/db_routing.py). The same router against a real
MariaDB primary and replica: tests/scaling/test_replicas.py."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

import smarty.db_routing as routing
from settings.base import _add_replicas
from smarty.cache import _store_timeout

router = routing.ReplicaRouter()


@pytest.fixture
def replicas(monkeypatch, settings):
    """Two replicas with the lags the test sets."""
    lags = {"replica1": 0.0, "replica2": 0.0}
    monkeypatch.setattr(routing, "replica_aliases", lambda: list(lags))
    monkeypatch.setattr(routing, "measure_lag", lambda alias: lags[alias])
    settings.SMARTY_DATABASE_REPLICA_MAX_LAG = 2.0
    settings.SMARTY_DATABASE_REPLICA_LAG_CHECK = 0
    routing.lag.clear()
    yield lags
    routing.lag.clear()


def through_middleware(path: str, view) -> object:
    seen = {}

    def get_response(request):
        seen["result"] = view()
        return HttpResponse()

    routing.ReplicaRoutingMiddleware(get_response)(RequestFactory().get(path))
    return seen["result"]


def test_device_api_reads_go_to_a_replica_and_stay_on_it(replicas):
    chosen = through_middleware("/tvmiddleware/api/channel/list/", lambda: [router.db_for_read(None) for _ in range(5)])
    assert chosen[0] in replicas and set(chosen) == {chosen[0]}


def test_reads_after_a_write_in_the_same_request_go_to_the_primary(replicas):
    def view():
        before = router.db_for_read(None)
        assert router.db_for_write(None) == "default"
        return before, router.db_for_read(None), routing.replica_reads_active()

    before, after, active = through_middleware("/tvmiddleware/api/login/", view)
    assert before in replicas and after == "default" and active is False


def test_the_next_request_reads_from_a_replica_again(replicas):
    through_middleware("/tvmiddleware/api/login/", lambda: router.db_for_write(None))
    assert through_middleware("/tvmiddleware/api/account/info/", lambda: router.db_for_read(None)) in replicas


def test_other_doors_commands_and_tasks_read_the_primary(replicas):
    assert through_middleware("/admin/accounts/account/", lambda: router.db_for_read(None)) == "default"
    assert through_middleware("/billing/api/account/info/", lambda: router.db_for_read(None)) == "default"
    assert router.db_for_read(None) == "default"  # no request: a command or a Celery task


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(replicas):
    def view():
        with transaction.atomic():
            return router.db_for_read(None)

    assert through_middleware("/tvmiddleware/api/login/", view) == "default"


def test_primary_reads_overrides_a_device_request(replicas):
    def view():
        with routing.primary_reads():
            return router.db_for_read(None)

    assert through_middleware("/tvmiddleware/api/channel/list/", view) == "default"


def test_a_lagging_replica_is_skipped_and_none_close_enough_means_the_primary(replicas):
    replicas["replica1"] = 30.0
    chosen = {
        through_middleware("/tvmiddleware/api/channel/list/", lambda: router.db_for_read(None)) for _ in range(20)
    }
    assert chosen == {"replica2"}
    replicas["replica2"] = float("inf")  # replication stopped or the replica unreachable
    assert through_middleware("/tvmiddleware/api/channel/list/", lambda: router.db_for_read(None)) == "default"


def test_lag_is_asked_at_most_once_per_interval(replicas, monkeypatch, settings):
    settings.SMARTY_DATABASE_REPLICA_LAG_CHECK = 3600
    asked = []
    monkeypatch.setattr(routing, "measure_lag", lambda alias: asked.append(alias) or 0.0)
    for _ in range(10):
        through_middleware("/tvmiddleware/api/channel/list/", lambda: router.db_for_read(None))
    assert sorted(set(asked)) == sorted(asked)


def test_values_cached_from_a_replica_are_kept_briefly(replicas, settings):
    settings.SMARTY_CACHE_TIMEOUT = 3600
    settings.SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT = 60

    def view():
        router.db_for_read(None)
        return _store_timeout(None), _store_timeout(10)

    assert through_middleware("/tvmiddleware/api/channel/list/", view) == (60, 10)
    assert _store_timeout(None) == 3600


def test_only_the_primary_is_migrated():
    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate("replica1", "accounts") is False


def test_replica_urls_become_databases_the_router_and_its_middleware():
    namespace = {
        "SMARTY_DATABASE_REPLICA_URLS": ["mysql://ro@10.0.0.2:3306/smarty", "mysql://ro@10.0.0.3/smarty"],
        "DATABASES": {"default": {"ENGINE": "django.db.backends.mysql", "CONN_MAX_AGE": 60}},
        "MIDDLEWARE": ["smarty.middleware.StatsMiddleware", "django.middleware.common.CommonMiddleware"],
        "SMARTY_DEVICE_API_MIDDLEWARE": ["smarty.middleware.StatsMiddleware", "corsheaders.middleware.CorsMiddleware"],
    }
    _add_replicas(namespace)
    _add_replicas(namespace)  # settings modules may finalize twice: nothing doubles
    replica = namespace["DATABASES"]["replica1"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("10.0.0.2", "3306", "smarty")
    assert namespace["DATABASES"]["replica2"]["HOST"] == "10.0.0.3"
    assert replica["TEST"] == {"MIRROR": "default"} and replica["CONN_MAX_AGE"] == 60
    assert namespace["DATABASE_ROUTERS"] == ["smarty.db_routing.ReplicaRouter"]
    for chain in ("MIDDLEWARE", "SMARTY_DEVICE_API_MIDDLEWARE"):  # the device API's chain above all
        assert namespace[chain][1] == "smarty.db_routing.ReplicaRoutingMiddleware"
        assert namespace[chain].count("smarty.db_routing.ReplicaRoutingMiddleware") == 1


def test_without_replica_urls_nothing_is_routed():
    namespace = {"DATABASES": {"default": {}}, "MIDDLEWARE": []}
    _add_replicas(namespace)
    assert namespace == {"DATABASES": {"default": {}}, "MIDDLEWARE": []}
