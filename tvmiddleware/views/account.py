"""Account (reference tvmw/Account.md): status, settings, password, parent code, tariffs,
profile. Channel-related Account methods (channel/list/last, v2/account/channels/*) live
with the channel views."""

from __future__ import annotations

import hmac
import time

from accounts.selectors import (
    account_inbox_state,
    account_is_active,
    profile_type_get,
    profile_type_list,
    session_get_active,
)
from accounts.services.account_settings import (
    account_parent_code_set,
    account_password_change,
    account_profile_set,
    account_template_set,
)
from accounts.services.messages import command_mark_delivered, message_mark_read
from accounts.services.sessions import session_channel_list_changed, session_touch
from clients.selectors import play_device_template_get
from smarty.api import ApiError, Call, Flag, Number, String
from smarty.i18n import translated
from tariffs.selectors import account_open_subscriptions, account_tariff_ids, account_tariff_offer

from .. import errors
from ..api import AUTH_REQUIRED, tvmw

COMMON = [String("device"), String("device_uid"), String("lang", default="")]


def _status_session(call: Call):
    """account/status answers `status: 1` for an unknown or expired authkey instead of 403;
    403 only when no authkey was sent or it belongs to another operator's client_id."""
    authkey = call.data.get("authkey") or call.request.COOKIES.get("authkey", "")
    if not authkey:
        raise ApiError(AUTH_REQUIRED, "Authorization required")
    session = session_get_active(authkey=authkey, for_status=True)
    client_id = str(call.data.get("client_id", "")).strip()
    if session is not None and client_id and str(session.client_id) != client_id:
        raise ApiError(AUTH_REQUIRED, "Authorization required")
    return session


def _command_for(session, commands: tuple[dict, ...]) -> dict | None:
    for command in commands:
        if command["device_id"] in (None, session.device_id):
            return command
    return None


@tvmw.method(
    "/account/status/",
    "AccountStatus",
    error_message=False,
    params=[String("device_model"), Flag("with_tariffs"), *COMMON],
)
def account_status(call: Call) -> dict:
    session = _status_session(call)
    now = int(time.time())
    if session is None:
        return {
            "status": errors.STATUS_NO_SESSION,
            "status_reason": "",
            "utc_time": now,
            "has_new_messages": 0,
            "is_active": 0,
            "message": {},
            "command": {},
            "channel_list_changed": 0,
        }
    account = session.account
    active = account_is_active(account)
    session_touch(session=session)
    inbox = account_inbox_state(account)
    message: dict = {}
    if inbox.urgent is not None:
        urgent = inbox.urgent
        message = {
            "subject": urgent["subject"],
            "text": urgent["text"],
            "no_confirmation": int(urgent["no_confirmation"]),
        }
        # Delivered once: the pop-up counts as reading it.
        message_mark_read(
            account=account,
            message_id=urgent["id"],
            uuid=urgent["uuid"],
            subject=urgent["subject"],
            text=urgent["text"],
        )
    command: dict = {}
    pending = _command_for(session, inbox.commands)
    if pending is not None and command_mark_delivered(account=account, command_id=pending["id"]):
        command = {
            "type": int(pending["type"]) if str(pending["type"]).isdigit() else 1,
            "user_confirmation": int(pending["user_confirmation"]),
            "deep_link": pending["deep_link"],
            "accompanying_text_to_command": pending["accompanying_text"],
            "image_for_command": pending["image_url"],
        }
    body = {
        "status": errors.STATUS_ACTIVE if active else errors.STATUS_DEACTIVATED,
        "status_reason": account.status_reason,
        "utc_time": now,
        "has_new_messages": int(inbox.has_unread),
        "is_active": int(active),
        "message": message,
        "command": command,
        "channel_list_changed": int(session_channel_list_changed(session=session, account=account)),
    }
    if call.params["with_tariffs"]:
        body["tariff_ids"] = sorted(account_tariff_ids(account))
    return body


@tvmw.method("/account/settings/list/", "AccountSettingsList", error_message=False, params=COMMON, auth=["session"])
def account_settings_list(call: Call) -> dict:
    account, lang = call.account, call.params["lang"]
    profile = None
    if account.profile_type_id:
        profile = profile_type_get(client=call.client, profile_id=account.profile_type_id)
    if profile is None:
        types = profile_type_list(client=call.client)
        profile = next((t for t in types if t.is_default), types[0] if types else None)
    if profile is None:
        return {"account_settings": []}
    return {
        "account_settings": [
            {"name": account.profile_name, "profile_id": profile.pk, "profile_name": translated(profile, "name", lang)}
        ]
    }


@tvmw.method(
    "/account/settings/modify/",
    "AccountSettingsModify",
    error_message=False,
    params=[String("template_system_name", max_length=64), Number("template_id"), *COMMON],
    auth=["session"],
)
def account_settings_modify(call: Call) -> dict:
    template_id, system_name = call.params["template_id"], call.params["template_system_name"]
    template = play_device_template_get(template_id=template_id, system_name=system_name or "")
    if template is None:
        field = "template_id" if template_id is not None else "template_system_name"
        raise ApiError(errors.SETTINGS_TEMPLATE_NOT_FOUND, "Template not found", {field: "unknown template"})
    account_template_set(account=call.account, template=template)
    return {}


@tvmw.method(
    "/account/password/change/",
    "AccountPasswordChange",
    params=[String("old_password", max_length=128), String("new_password", max_length=128), *COMMON],
    auth=["session"],
)
def account_password_change_view(call: Call) -> dict:
    old, new = call.params["old_password"], call.params["new_password"]
    missing = {
        name: "required parameter is missing" for name in ("old_password", "new_password") if not call.params[name]
    }
    if missing:
        raise ApiError(errors.PASSWORD_CHANGE_BAD_PARAMS, "Invalid parameters: " + ", ".join(missing), missing)
    if not account_password_change(account=call.account, old_password=old, new_password=new):
        raise ApiError(errors.PASSWORD_CHANGE_FAILED, "Wrong old_password", {"old_password": "invalid"})
    return {"error_message": ""}


@tvmw.method(
    "/account/parent_code/set/",
    "AccountParentCodeSet",
    error_message=False,
    params=[String("old_pin"), String("new_pin"), *COMMON],
    auth=["session"],
)
def account_parent_code_set_view(call: Call) -> dict:
    old, new = call.params["old_pin"] or "", call.params["new_pin"] or ""
    problems: dict[str, str] = {}
    current = call.account.parent_code
    if current and not hmac.compare_digest(current.encode(), old.encode()):
        problems["old_pin"] = "Old pin is invalid"
    if not new:
        problems["new_pin"] = "New pin can not be empty"
    elif len(new) > 16:
        problems["new_pin"] = f"Ensure this value has at most 16 characters (it has {len(new)})."
    if problems:
        raise ApiError(
            errors.PARENT_CODE_BAD_PARAMS, "; ".join(problems.values()), problems, extra={"error_messages": problems}
        )
    account_parent_code_set(account=call.account, parent_code=new)
    return {"error_messages": {}}


@tvmw.method(
    "/account/profile/settings/modify/",
    "AccountProfileSettingsModify",
    error_message=False,
    params=[Number("profile_id"), String("name", max_length=128), *COMMON],
    auth=["session"],
    param_error_code=errors.PROFILE_BAD_ID,
)
def account_profile_settings_modify(call: Call) -> dict:
    profile_id, name = call.params["profile_id"], (call.params["name"] or "").strip()
    profile = profile_type_get(client=call.client, profile_id=profile_id) if profile_id is not None else None
    if profile is None:
        raise ApiError(errors.PROFILE_BAD_ID, "Invalid profile_id", {"profile_id": "unknown profile type"})
    if not name:
        raise ApiError(errors.PROFILE_BAD_NAME, "Invalid name", {"name": "required parameter is missing"})
    account_profile_set(account=call.account, profile_type=profile, name=name)
    return {}


@tvmw.method("/account/tariff/list", "AccountTariffList", error_message=False, params=COMMON, auth=["session"])
def account_tariff_list(call: Call) -> dict:
    account, lang = call.account, call.params["lang"]
    assigned = account_tariff_ids(account)
    tariffs = account_tariff_offer(client=call.client, assigned=assigned)
    subscriptions = account_open_subscriptions(client=call.client, account=account)
    rows = []
    for tariff in tariffs:
        sub = subscriptions.get(tariff.pk)
        price_after = tariff.default_activation_price if tariff.default_activation_price is not None else tariff.price
        rows.append(
            {
                "id": tariff.pk,
                "name": translated(tariff, "name", lang),
                "description": translated(tariff, "description", lang),
                "period": tariff.period,
                "price": float(tariff.price),
                "price_after_activation": float(price_after),
                "basic_tariff_priority": tariff.basic_tariff_priority,
                "is_assigned": int(tariff.pk in assigned),
                "subscription_end_date": sub.end_date.strftime("%Y-%m-%d") if sub and sub.end_date else "",
                "is_virtual": 0,
                "available_to_unsubscribe": int(tariff.available_to_unsubscribe),
                "channels_count": tariff.n_channels if tariff.used_for_channel_list else -1,
                "is_periodical": int(sub.is_periodical) if sub else 1,
                "icon": "",
                "icon_tv": "",
                "videos_count": tariff.n_videos,
            }
        )
    return {"tariffs": rows}
