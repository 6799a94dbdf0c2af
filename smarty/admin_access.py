"""Who may do what in the admin, and where each model sits in the navigation (seed 3.2.3).

Roles of an admin login (clients.ClientUser is the binding to an operator):

- superuser: the service panel and every operator (the header selector picks one);
- operator staff (`ClientUser.client`): the operator panel, scoped to that operator, with the
  Django permissions (view / add / change / delete, directly or through groups) a superuser or
  an operator staff member with user permissions assigned (seed 3.2.4.4);
- service staff (`ClientUser.is_admin`): additionally the service models (device types, EPG
  sources...) as far as their Django permissions go;
- monitoring operator (`ClientUser.is_monitoring`): only the Monitoring section, view only;
- dealer (`ClientUser.dealer`): only its own customers and accounts (seed 3.2.8.6).

`SmartyPermissionBackend` enforces the role limits in one place: it sits first in
AUTHENTICATION_BACKENDS and raises PermissionDenied (which stops Django's permission check)
for anything a role may never do, whatever permissions were assigned. Everything else is
left to Django's ModelBackend.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_ACTIONS = frozenset({"view", "add", "change", "delete"})
VIEW = frozenset({"view"})


@dataclass(frozen=True)
class Section:
    slug: str
    name: str


#: The navigation of the operator panel in the seed's order, then the service panel.
SECTIONS: tuple[Section, ...] = (
    Section("general", _("General settings")),
    Section("video-servers", _("Video servers")),
    Section("monitoring", _("Monitoring")),
    Section("streaming", _("Streaming settings")),
    Section("billing", _("Billing")),
    Section("content", _("Content settings")),
    Section("subscribers", _("Subscribers")),
    Section("reports", _("Reports")),
    Section("service", _("Service panel")),
)
SECTION_BY_SLUG = {section.slug: section for section in SECTIONS}

#: Models placed explicitly, in their order inside the section.
MODEL_SECTIONS: dict[str, str] = {
    # General settings
    "clients.clientplaydevice": "general",
    "clients.portalsettings": "general",
    "accounts.profiletype": "general",
    "auth.user": "general",
    "auth.group": "general",
    # Monitoring
    "accounts.session": "monitoring",
    "monitoring.streammonitor": "monitoring",
    "monitoring.devicemonitoring": "monitoring",
    # Streaming settings
    "streaming.datacenter": "streaming",
    "streaming.streamservice": "streaming",
    "streaming.routingscript": "streaming",
    "streaming.maintenance": "streaming",
    # Billing
    "tariffs.tariff": "billing",
    "tariffs.tariffsubscription": "billing",
    "billing.transaction": "billing",
    "billing.payment": "billing",
    "billing.promocode": "billing",
    "billing.promoactivation": "billing",
    # Content settings
    "channels.channelcategory": "content",
    "channels.channel": "content",
    "epg.program": "content",
    "vod.videogenre": "content",
    "vod.video": "content",
    "channels.radio": "content",
    "channels.camera": "content",
    "channels.cameracategory": "content",
    "channels.channelsort": "content",
    # Subscribers
    "accounts.customer": "subscribers",
    "accounts.account": "subscribers",
    "accounts.accountdevice": "subscribers",
    "accounts.message": "subscribers",
    "accounts.devicecommand": "subscribers",
    "accounts.customeractionlog": "subscribers",
    "clients.dealer": "subscribers",
    "clients.dealerapiaccess": "subscribers",
    # Reports
    "monitoring.viewevent": "reports",
    # Service panel
    "clients.client": "service",
    "clients.playdevicetemplate": "service",
    "clients.playdevice": "service",
    "clients.country": "service",
    "clients.city": "service",
}
#: Models not placed above fall into their app's section.
APP_SECTIONS: dict[str, str] = {
    "accounts": "subscribers",
    "tariffs": "billing",
    "billing": "billing",
    "channels": "content",
    "vod": "content",
    "content": "content",
    "streaming": "streaming",
    "monitoring": "monitoring",
    "auth": "general",
    "clients": "service",
    "epg": "service",
}
MODEL_ORDER = {label: index for index, label in enumerate(MODEL_SECTIONS)}

#: What operator staff may ever hold on models where it is not "everything" (operator-owned
#: models) or "nothing" (shared system models). The rest is service-only.
OPERATOR_ACTIONS: dict[str, frozenset[str]] = {
    "auth.user": ALL_ACTIONS,  # the operator's own staff (scoped in clients/admin.py)
    "auth.group": VIEW,
    "clients.clientplaydevice": frozenset({"view", "change"}),  # enabling a device type is service work
    "streaming.routingscript": VIEW,  # operator Python: service admins only (seed 3.2.5.2.2)
    "accounts.session": frozenset({"view", "delete"}),
    "accounts.customeractionlog": VIEW,
    "accounts.message": frozenset({"view", "add", "delete"}),
    "accounts.devicecommand": frozenset({"view", "add", "delete"}),
    "billing.payment": VIEW,
    "billing.promoactivation": VIEW,
    "monitoring.viewevent": VIEW,
    "epg.program": VIEW,
    "epg.epgchannel": VIEW,
    "epg.epgcategory": VIEW,
    "epg.epggenre": VIEW,
}

#: A dealer's login: its customers and accounts (seed 3.2.8.6), nothing else.
DEALER_ACTIONS: dict[str, frozenset[str]] = {
    "accounts.customer": frozenset({"view", "add", "change"}),
    "accounts.account": frozenset({"view", "add", "change"}),
    "accounts.accountdevice": VIEW,
    "billing.transaction": VIEW,
}


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def section_of(model: type[models.Model]) -> str:
    label = model_label(model)
    return MODEL_SECTIONS.get(label) or APP_SECTIONS.get(model._meta.app_label, "general")


def is_operator_owned(model: type[models.Model]) -> bool:
    """Rows of this model belong to one operator (a `client` foreign key to clients.Client)."""
    try:
        field = model._meta.get_field("client")
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and friends
        return False
    return bool(field.is_relation and field.related_model and field.related_model._meta.label_lower == "clients.client")


def operator_actions(model: type[models.Model]) -> frozenset[str]:
    """The actions operator staff may ever hold on a model."""
    label = model_label(model)
    if label in OPERATOR_ACTIONS:
        return OPERATOR_ACTIONS[label]
    return ALL_ACTIONS if is_operator_owned(model) else frozenset()


@dataclass(frozen=True)
class Role:
    """The admin role of a login, derived from its clients.ClientUser binding."""

    superuser: bool = False
    client_id: int | None = None
    dealer_id: int | None = None
    monitoring: bool = False
    service: bool = False

    @property
    def is_dealer(self) -> bool:
        return self.dealer_id is not None

    @property
    def bound(self) -> bool:
        return self.client_id is not None


def user_role(user) -> Role:
    """The role of a user (cached on the user object for the request)."""
    cached = getattr(user, "_smarty_role", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        role = Role()
    elif user.is_superuser:
        role = Role(superuser=True)
    else:
        profile = getattr(user, "smarty_profile", None)
        if profile is None:
            role = Role()
        else:
            role = Role(
                client_id=profile.client_id,
                dealer_id=profile.dealer_id if profile.client_id else None,
                monitoring=profile.is_monitoring,
                service=profile.is_admin,
            )
    try:
        user._smarty_role = role
    except AttributeError:  # AnonymousUser-like objects without __dict__
        pass
    return role


SESSION_CLIENT_KEY = "admin_client_id"


def current_client_id(request) -> int | None:
    """The operator a request works on: the staff member's, or the superuser's selection
    (None: all operators). Logins bound to no operator get -1, which matches no rows."""
    role = user_role(request.user)
    if role.superuser:
        selected = request.session.get(SESSION_CLIENT_KEY)
        try:
            return int(selected) if selected else None
        except (TypeError, ValueError):
            return None
    return role.client_id if role.client_id is not None else -1


def parse_perm(perm: str) -> tuple[type[models.Model], str] | None:
    """("app_label.action_model") -> (model, action), or None for a permission that is not
    one of Django's four model permissions."""
    app_label, _sep, codename = perm.partition(".")
    action, _sep, model_name = codename.partition("_")
    if action not in ALL_ACTIONS or not model_name:
        return None
    try:
        return apps.get_model(app_label, model_name), action
    except LookupError:
        return None


class SmartyPermissionBackend:
    """Role limits on top of Django's permissions (see the module docstring). Implicit grants:
    a dealer gets DEALER_ACTIONS, a monitoring operator gets view on the Monitoring section."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not user_obj.is_active or user_obj.is_superuser:
            return False  # superusers never reach backends; inactive users get nothing
        parsed = parse_perm(perm)
        if parsed is None:
            return False
        model, action = parsed
        role = user_role(user_obj)
        label = model_label(model)
        if role.is_dealer:
            if action in DEALER_ACTIONS.get(label, ()):
                return True
            raise PermissionDenied
        if role.monitoring:
            if action == "view" and section_of(model) == "monitoring" and action in operator_actions(model):
                return True
            raise PermissionDenied
        if role.bound and action in operator_actions(model):
            return False  # Django's permissions decide
        if role.service and not is_operator_owned(model) and label not in OPERATOR_ACTIONS:
            return False  # service models: Django's permissions decide
        raise PermissionDenied

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        if not user_obj.is_active or user_obj.is_superuser:
            return False
        role = user_role(user_obj)
        if role.is_dealer:
            if any(label.startswith(app_label + ".") for label in DEALER_ACTIONS):
                return True
            raise PermissionDenied
        if role.monitoring:
            try:
                config = apps.get_app_config(app_label)
            except LookupError:
                raise PermissionDenied from None
            if any(section_of(m) == "monitoring" and "view" in operator_actions(m) for m in config.get_models()):
                return True
            raise PermissionDenied
        if not role.bound and not role.service:
            raise PermissionDenied
        return False
