"""The browser tests' setup: a missing chromium is a skip with a reason, not a failure, and
it is installed only when SMARTY_INSTALL_CHROMIUM=1."""

from __future__ import annotations

from . import browser


def test_without_chromium_the_reason_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.delenv("SMARTY_INSTALL_CHROMIUM", raising=False)
    path, reason = browser.ensure_chromium()
    assert path is None
    assert "apt-get install chromium" in reason and "SMARTY_INSTALL_CHROMIUM=1" in reason


def test_the_install_runs_only_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.setattr(browser.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)

    class Done:
        stderr = "E: no network"

    def run(args, **kwargs):
        calls.append(args)
        return Done()

    monkeypatch.setattr(browser.subprocess, "run", run)
    monkeypatch.setenv("SMARTY_INSTALL_CHROMIUM", "1")
    path, reason = browser.ensure_chromium()
    assert path is None and "no network" in reason
    assert calls[-1][:4] == ["/usr/bin/apt-get", "install", "-y", "-qq"] and calls[-1][-1] == "chromium"
