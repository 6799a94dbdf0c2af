"""Django's admin app with the project's site as the default site, so `admin.site` and every
`@admin.register` in the apps use smarty.admin_site.SmartyAdminSite."""

from django.contrib.admin.apps import AdminConfig


class SmartyAdminConfig(AdminConfig):
    default_site = "smarty.admin_site.SmartyAdminSite"
