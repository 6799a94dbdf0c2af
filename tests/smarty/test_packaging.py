"""The Debian package's pieces that run outside a package build: the installed settings
module, the gunicorn configuration, the units and the maintainer scripts. The package itself
is built and installed in a throwaway root by .ci/deb-test."""

from __future__ import annotations

import configparser
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEBIAN = ROOT / "debian"

PRINT = (
    "from django.conf import settings; print(settings.TIME_ZONE, settings.DEBUG, settings.LOG_DIR, settings.MEDIA_ROOT)"
)


def installed_settings(tmp_path: Path, site_file: Path) -> list[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.installed",
        "SMARTY_SETTINGS_FILE": str(site_file),
        "SMARTY_VAR_DIR": str(tmp_path),
        "SMARTY_LOG_DIR": str(tmp_path / "log"),
        "SMARTY_MEDIA_ROOT": str(tmp_path / "media"),
    }
    code = f"import django; django.setup(); {PRINT}"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_installed_settings_read_the_environment_then_the_site_file(tmp_path):
    site = tmp_path / "settings.py"
    site.write_text('TIME_ZONE = "Europe/Moscow"\n')
    expected = ["Europe/Moscow", "False", str(tmp_path / "log"), str(tmp_path / "media")]
    assert installed_settings(tmp_path, site) == expected
    assert installed_settings(tmp_path, tmp_path / "absent.py")[0] == "UTC"


def gunicorn_config(**env: str) -> dict:
    namespace: dict = {}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        exec((DEBIAN / "etc" / "gunicorn.conf.py").read_text(), namespace)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return namespace


def test_gunicorn_workers_follow_the_cpu_count_unless_set():
    assert gunicorn_config(SMARTY_GUNICORN_WORKERS="")["workers"] == multiprocessing.cpu_count() * 2 + 1
    config = gunicorn_config(SMARTY_GUNICORN_WORKERS="3", SMARTY_BIND="127.0.0.1:9000")
    assert (config["workers"], config["bind"]) == (3, "127.0.0.1:9000")


def test_gunicorn_starts_with_an_empty_metrics_directory(tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_123.db").write_bytes(b"old")
    config = gunicorn_config(PROMETHEUS_MULTIPROC_DIR=str(metrics))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    try:
        config["on_starting"](None)
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert metrics.is_dir() and not any(metrics.iterdir())


def test_a_gunicorn_worker_writes_what_waits_behind_before_it_exits(monkeypatch):
    from accounts.services.sessions import touch_batch
    from monitoring.recording import view_batch

    flushed = []
    for batch in (view_batch, touch_batch):
        monkeypatch.setattr(batch, "flush", lambda name=batch.name: flushed.append(name) or 0)
    gunicorn_config()["worker_exit"](None, None)
    assert sorted(flushed) == ["touches", "views"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEBIAN / f"smarty.{name}.service")
    return parser


def test_every_unit_runs_as_the_service_user_and_restarts_on_failure():
    for name in ("smarty", "smarty-celery", "smarty-celerybeat"):
        service = unit(name)["Service"]
        assert service["User"] == "smarty" and service["Restart"] == "on-failure", name
        assert service["EnvironmentFile"] == "/etc/smarty/smarty.env", name
        assert service["ExecStart"].startswith("/opt/smarty/venv/bin/"), name
    assert unit("smarty")["Service"]["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/smarty/metrics"
    assert "/etc/smarty/gunicorn.conf.py" in unit("smarty")["Service"]["ExecStart"]


def test_the_maintainer_scripts_migrate_and_delete_only_on_purge():
    postinst = (DEBIAN / "smarty.postinst").read_text()
    assert "smarty_manage migrate --noinput" in postinst and "flush" not in postinst
    postrm = (DEBIAN / "smarty.postrm").read_text()
    purge = postrm.index('if [ "$1" = purge ]')
    assert postrm.index("rm -rf /var/lib/smarty") > purge


def test_the_nginx_site_passes_the_callers_address_as_the_trusted_proxy_rule_expects():
    site = (DEBIAN / "etc" / "nginx-smarty.conf").read_text()
    assert "proxy_set_header X-Real-IP $remote_addr;" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "alias /opt/smarty/static/;" in site and "alias /var/lib/smarty/media/;" in site
    assert "auth_request /smarty-token-check;" in site
    env = (DEBIAN / "etc" / "smarty.env").read_text()
    assert "SMARTY_TRUSTED_PROXIES=127.0.0.1,::1" in env and "SMARTY_STATIC_ROOT=/opt/smarty/static" in env
