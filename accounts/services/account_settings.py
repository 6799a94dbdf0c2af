"""What a subscriber changes about its own account from a device (TVMW API): password,
parent code, interface template, profile. Each writes the customer action log."""

from __future__ import annotations

from django.db import transaction

from ..models import Account, ProfileType
from .action_log import Action, Source, customer_action_log


def _save(account: Account, fields: list[str]) -> None:
    # Validate only what changes: rows written by other tools are not this call's concern.
    account.clean_fields(exclude=[f.name for f in Account._meta.fields if f.name not in fields])
    account.save(update_fields=[*fields, "updated_at"])


def account_password_change(*, account: Account, old_password: str, new_password: str) -> bool:
    """Set a new password if the old one matches; False otherwise (nothing changes)."""
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if not locked.check_password(old_password):
            return False
        locked.set_password(new_password)
        locked.save(update_fields=["password", "updated_at"])
        customer_action_log(account=locked, action=Action.PASSWORD_CHANGED, source=Source.TVMW_API)
    return True


def account_parent_code_set(*, account: Account, parent_code: str) -> None:
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        locked.parent_code = parent_code
        _save(locked, ["parent_code"])
        customer_action_log(account=locked, action=Action.PARENT_CODE_CHANGED, source=Source.TVMW_API)


def account_template_set(*, account: Account, template) -> None:
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        locked.template = template.system_name
        _save(locked, ["template"])
        customer_action_log(
            account=locked,
            action=Action.TEMPLATE_CHANGED,
            source=Source.TVMW_API,
            details={"template": template.system_name},
        )


def account_profile_set(*, account: Account, profile_type: ProfileType, name: str) -> None:
    if profile_type.client_id != account.client_id:
        raise ValueError("profile type of another operator")
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        locked.profile_type = profile_type
        locked.profile_name = name
        _save(locked, ["profile_type", "profile_name"])
        customer_action_log(
            account=locked,
            action=Action.PROFILE_CHANGED,
            source=Source.TVMW_API,
            details={"profile_id": profile_type.pk, "name": name},
        )


ACCOUNT_SETTING_FIELDS = ("parent_code", "use_timeshift", "preferred_timeshift_offset", "data_center")


def account_settings_save(*, account: Account, changes: dict) -> None:
    """TVMW settings/save: parent code, timeshift, data center (keys of ACCOUNT_SETTING_FIELDS)."""
    unknown = set(changes) - set(ACCOUNT_SETTING_FIELDS)
    if unknown:
        raise ValueError(f"not account settings: {sorted(unknown)}")
    if not changes:
        return
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        _save(locked, list(changes))
        if "parent_code" in changes:
            customer_action_log(account=locked, action=Action.PARENT_CODE_CHANGED, source=Source.TVMW_API)
        rest = {k: str(getattr(v, "pk", v)) for k, v in changes.items() if k != "parent_code"}
        if rest:
            customer_action_log(account=locked, action=Action.SETTINGS_CHANGED, source=Source.TVMW_API, details=rest)
