"""Login throttling: exact under concurrency (the slot is taken before the password is
checked), and still enforced when the cache cannot be reached."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from urllib.parse import urlencode

import pytest

from accounts.services import throttling
from smarty.cache import breaker_reset

LOGIN = "/tvmiddleware/api/login/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    throttling.local_counters.clear()
    breaker_reset()
    yield
    throttling.local_counters.clear()
    breaker_reset()


def _query(operator, **params) -> str:
    return urlencode({"client_id": operator.client.pk, "api_key": operator.client.api_key, **params})


@pytest.fixture
def tvmw_call(client):
    def call(path: str, **params) -> dict:
        response = client.get(f"/tvmiddleware/api{path}?{urlencode(params)}", REMOTE_ADDR="127.0.0.1")
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        return json.loads(response.content)

    return call


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cache_unreachable(settings):
    """The cache pointed at a Redis port nobody listens on: every command fails."""
    settings.CACHES = {
        "default": {
            "BACKEND": "smarty.cache_backends.GuardedRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "KEY_PREFIX": "throttling-test",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }


def test_sixty_parallel_wrong_passwords_are_checked_exactly_the_limit_times(
    transactional_db, operator, live_server, settings
):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 10
    url = f"{live_server.url}{LOGIN}?{_query(operator, abonement='100001', password='wrong')}"
    start = threading.Barrier(60)
    codes: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        with urllib.request.urlopen(url, timeout=60) as response:
            code = json.loads(response.read())["error"]
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=attempt) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == 60
    assert codes.count(28) == 50
    assert sorted(set(codes) - {28}) == [1] and codes.count(1) == 10


def test_with_the_cache_unreachable_wrong_passwords_are_still_throttled(
    tvmw_call, operator, settings, cache_unreachable
):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 10
    wrong = {"client_id": operator.client.pk, "api_key": operator.client.api_key, "abonement": "100001"}
    codes = [tvmw_call("/login/", password="wrong", **wrong)["error"] for _ in range(15)]
    assert codes == [1] * 10 + [28] * 5
    # Another abonement has its own counter, even in this process's memory.
    assert tvmw_call("/login/", password="wrong", **{**wrong, "abonement": "100002"})["error"] == 1


def test_the_in_process_counters_are_exact_under_threads(cache_unreachable):
    breaker_reset()
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def take() -> None:
        start.wait()
        refused = throttling.login_attempt_take(client_id=1, ip="", login="a:42").refused
        with lock:
            results.append(refused)

    threads = [threading.Thread(target=take) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(False) == 10  # settings/test.py: 10 per abonement


def test_a_successful_login_gives_its_slot_back(tvmw_call, operator, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 2
    params = {"client_id": operator.client.pk, "api_key": operator.client.api_key, "abonement": "100001"}
    for _ in range(3):
        assert tvmw_call("/login/", password="1234", device_uid="a", **params)["error"] == 0
    assert [tvmw_call("/login/", password="x", **params)["error"] for _ in range(3)] == [1, 1, 28]


def test_a_refused_attempt_does_not_extend_the_lockout(operator):
    for _ in range(10):
        assert not throttling.login_attempt_take(client_id=operator.client.pk, ip="", login="a:7").refused
    for _ in range(5):
        assert throttling.login_attempt_take(client_id=operator.client.pk, ip="", login="a:7").refused
    key, _previous, _weight = throttling._keys("login", operator.client.pk, "a:7")
    assert throttling._get(key) == 10


def test_the_counters_of_one_operator_do_not_throttle_the_other(operator, other_operator):
    for _ in range(11):
        throttling.login_attempt_take(client_id=operator.client.pk, ip="", login="a:100001")
    assert throttling.login_attempt_take(client_id=operator.client.pk, ip="", login="a:100001").refused
    assert not throttling.login_attempt_take(client_id=other_operator.client.pk, ip="", login="a:100001").refused
