"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright.

The tests skip with the reason when Playwright or chromium is missing. With
SMARTY_INSTALL_CHROMIUM=1 (set by CI) a missing chromium is installed with apt first."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


def ensure_chromium() -> tuple[str | None, str]:
    """(path, reason): chromium's path, installing it when SMARTY_INSTALL_CHROMIUM=1."""
    path = chromium_path()
    if path:
        return path, ""
    if os.environ.get("SMARTY_INSTALL_CHROMIUM") != "1":
        return None, "chromium is not installed (apt-get install chromium, or set SMARTY_INSTALL_CHROMIUM=1)"
    apt = shutil.which("apt-get")
    if apt is None:
        return None, "chromium is not installed and apt-get is not available"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], check=False, env=env, capture_output=True)
    result = subprocess.run(
        [apt, "install", "-y", "-qq", "chromium"], check=False, env=env, capture_output=True, text=True
    )
    path = chromium_path()
    if path:
        return path, ""
    return None, f"installing chromium with apt failed: {result.stderr.strip()[-300:]}"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
