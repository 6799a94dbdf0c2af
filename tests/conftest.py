"""Shared fixtures (CONVENTIONS.md "Tests"): two operators with look-alike data from day one,
customers with and without tariffs, an inactive account, a device type of each format."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.test import client as test_client

from clients.models import PlayDevice
from smarty.cache import breaker_reset, flush
from smarty.http import DeviceApiRouting
from smarty.logging import SmartyFormatter

from . import factories as f


class ClientHandler(DeviceApiRouting, test_client.ClientHandler):
    """The test client's handler, routing as the servers' (smarty.http.Handler) does: a device
    API request goes through the device APIs' middleware chain, so every device test shows
    that the API needs nothing of the admin's chain."""


# django.test.Client (and DRF's APIClient) make their handler from this module attribute.
test_client.ClientHandler = ClientHandler


def clear_cache() -> None:
    # Only this test process's keys (its KEY_PREFIX): parallel workers share one Redis db;
    # and this process's generation mirror.
    flush()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Database rows are rolled back between tests (and SQLite reuses ids): so is the cache."""
    breaker_reset()
    clear_cache()
    yield
    breaker_reset()
    clear_cache()


class CacheRoundTrips:
    """Round trips this thread makes to Redis: each request written to a Redis connection
    (a pipeline is one), counted where redis-py sends it, so nothing above can hide one."""

    def __init__(self) -> None:
        self.commands: list[bytes] = []
        self._thread = threading.get_ident()

    def record(self, packed) -> None:
        if threading.get_ident() == self._thread:
            first = packed[0] if isinstance(packed, list | tuple) and packed else packed
            self.commands.append(bytes(first)[:80])

    def names(self, *, raw: bool = False) -> list[bytes]:
        """The name of each command sent (EVAL, MGET...). A script named by its digest
        (EVALSHA, smarty.cache.redis_script) is an EVAL here unless `raw`: one round trip
        running one script either way."""
        names = [command.split(b"\r\n")[2] for command in self.commands]
        return names if raw else [b"EVAL" if name == b"EVALSHA" else name for name in names]

    def __len__(self) -> int:
        return len(self.commands)

    def clear(self) -> None:
        self.commands.clear()


@pytest.fixture
def cache_round_trips(monkeypatch) -> CacheRoundTrips:
    """Counts this thread's Redis round trips (only meaningful on the Redis pass)."""
    from redis.connection import AbstractConnection

    counter = CacheRoundTrips()
    original = AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        counter.record(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_packed_command)
    return counter


@pytest.fixture
def json_device(db):
    return f.PlayDeviceFactory(system_name="android", device_group=PlayDevice.Group.MOBILE)


@pytest.fixture
def xml_device(db):
    return f.PlayDeviceFactory(
        system_name="sagemcom", device_group=PlayDevice.Group.STB, response_format=PlayDevice.Format.XML
    )


@dataclass
class Operator:
    """One operator's world: look-alike for both operators, so leaks show."""

    client: object
    tariff: object
    customer: object
    account: object
    customer_without_tariff: object
    account_without_tariff: object
    inactive_account: object
    category: object
    channels: list
    password: str = "1234"


def build_operator(json_device, xml_device, index: int) -> Operator:
    client = f.ClientFactory(name=f"Operator {index}", domain_prefix=f"op{index}", api_key=f"api-key-{index}")
    for device in (json_device, xml_device):
        f.ClientPlayDeviceFactory(client=client, play_device=device)
    tariff = f.TariffFactory(client=client, name="Basic")
    customer = f.CustomerFactory(client=client, firstname="Anna", lastname=f"Ivanova{index}")
    customer.tariffs.add(tariff)
    account = f.AccountFactory(customer=customer, abonement=f"{index}00001")
    bare_customer = f.CustomerFactory(client=client)
    bare_account = f.AccountFactory(customer=bare_customer, abonement=f"{index}00002")
    inactive = f.AccountFactory(customer=customer, abonement=f"{index}00003", active=False, status_reason="INACTIVE")
    category = f.ChannelCategoryFactory(client=client, name="News")
    channels = []
    for n in range(3):
        channel = f.ChannelFactory(client=client, category=category, name=f"Channel {n}", sort_order=n)
        channel.tariffs.add(tariff)
        channels.append(channel)
    return Operator(client, tariff, customer, account, bare_customer, bare_account, inactive, category, channels)


@pytest.fixture
def operator(db, json_device, xml_device) -> Operator:
    return build_operator(json_device, xml_device, 1)


@pytest.fixture
def other_operator(db, json_device, xml_device, operator) -> Operator:
    """A second operator with the same names, abonement pattern and structure."""
    return build_operator(json_device, xml_device, 2)


class WrittenLog(logging.Handler):
    """What the seed loggers write, rendered by the project's own line formatter."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(SmartyFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def on_seed_loggers(handler: logging.Handler) -> Iterator[logging.Handler]:
    """`handler` on every seed logger (they do not propagate to the root logger) meanwhile."""
    from django.conf import settings

    loggers = [logging.getLogger(name) for name in settings.SMARTY_LOGGERS]
    for log in loggers:
        log.addHandler(handler)
    try:
        yield handler
    finally:
        for log in loggers:
            log.removeHandler(handler)


@pytest.fixture
def written_log():
    """Every line the seed loggers write during the test, as it would reach the log files."""
    with on_seed_loggers(WrittenLog()) as handler:
        yield handler


# --- browser tests (tests/admin, tests/players) ------------------------------------------
@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the session (skips when it cannot run here)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -r requirements/dev.txt)"
    )
    from .admin.browser import LAUNCH_ARGS, ensure_chromium

    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(reason)
    import os

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between browser steps are ordinary synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
