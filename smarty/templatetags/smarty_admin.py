"""Template helpers of the admin: pagination with first/previous/next/last and the page size
selector (seed 3.2.2), the navigation section of a model (breadcrumbs)."""

from __future__ import annotations

from django import template
from django.contrib.admin.views.main import ALL_VAR, PAGE_VAR

from smarty.admin import PAGE_SIZES, PER_PAGE_VAR
from smarty.admin_site import section_for_opts

register = template.Library()

PAGE_BUTTONS = 10


@register.inclusion_tag("admin/smarty/pagination.html")
def smarty_pagination(cl) -> dict:
    """Up to ten page buttons around the current page, «, ‹, › and » links, and the page size
    selector whose choices keep the first row of the current page in view."""
    paginated = (not cl.show_all or not cl.can_show_all) and cl.multi_page
    page = cl.page_num
    last = cl.paginator.num_pages if paginated else 1
    start = max(1, page - PAGE_BUTTONS // 2 + 1)
    end = min(last, start + PAGE_BUTTONS - 1)
    start = max(1, end - PAGE_BUTTONS + 1)

    def url(number: int) -> str:
        return cl.get_query_string({PAGE_VAR: number})

    first_row = (page - 1) * cl.list_per_page
    sizes = [
        {
            "size": size,
            "url": cl.get_query_string({PER_PAGE_VAR: size, PAGE_VAR: first_row // size + 1}, remove=[ALL_VAR]),
            "selected": size == cl.list_per_page,
        }
        for size in PAGE_SIZES
    ]
    return {
        "cl": cl,
        "paginated": paginated,
        "pages": [{"number": n, "url": url(n), "current": n == page} for n in range(start, end + 1)]
        if paginated
        else [],
        "first_url": url(1) if paginated and page > 1 else None,
        "prev_url": url(page - 1) if paginated and page > 1 else None,
        "next_url": url(page + 1) if paginated and page < last else None,
        "last_url": url(last) if paginated and page < last else None,
        "show_all_url": cl.get_query_string({ALL_VAR: ""})
        if cl.can_show_all and not cl.show_all and cl.multi_page
        else None,
        "sizes": sizes,
        "per_page_var": PER_PAGE_VAR,
    }


@register.simple_tag
def smarty_section(opts) -> dict | None:
    return section_for_opts(opts)
