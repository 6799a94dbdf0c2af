"""Cache invalidation has one owner per model and one helper (docs/architecture.md, "Caching")."""

import ast
from pathlib import Path

from django.db.models.signals import m2m_changed

from accounts.models import Account, Customer

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "billing", "channels", "clients", "epg", "streaming", "tariffs", "tvmiddleware", "vod", "smarty")


def _receivers(sender) -> list:
    return [r for r in m2m_changed._live_receivers(sender)[0]]


def test_the_tariffs_of_accounts_and_customers_are_handled_once():
    for through in (Account.tariffs.through, Customer.tariffs.through):
        handlers = _receivers(through)
        assert len(handlers) == 1, handlers
        assert handlers[0].__module__ == "accounts.invalidation"


def test_no_module_bumps_after_commit_by_hand():
    """The bump-now-and-after-commit helper exists once (smarty.cache); nobody schedules a
    bump of their own with transaction.on_commit, and only smarty.cache calls the low-level
    bump()."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == "bump" and rel != "smarty/cache.py":
                    offenders.append(f"{rel}:{node.lineno} bump()")
                if name == "on_commit" and "bump" in ast.unparse(node) and rel != "smarty/cache.py":
                    offenders.append(f"{rel}:{node.lineno} on_commit(bump)")
    assert offenders == []
