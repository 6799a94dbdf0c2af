"""Django's admin app with the project's site as the default site, so `admin.site` and every
`@admin.register` in the apps use smarty.admin_site.SmartyAdminSite."""

from django.contrib.admin.apps import AdminConfig

from smarty.model_names import name_unnamed_models


class SmartyAdminConfig(AdminConfig):
    default_site = "smarty.admin_site.SmartyAdminSite"

    def ready(self) -> None:
        super().ready()
        name_unnamed_models()
