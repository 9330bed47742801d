"""Pages of the message centre and the outbox: thin wrappers around the
actions.

* ``/dashboard/notices`` (``.index``): "消息中心", the user's notices,
  newest first, unread ones marked; ``?unread=1`` only those.
* ``/dashboard/notices/<id>`` (``.read``): one notice, which opening marks
  read, with a link to what it is about.
* ``/dashboard/notices/read`` (``.mark_read``, POST): mark one (``id``) or
  all (``all=1``) read.
* ``/ckan-admin/mail`` (``.outbox``): "邮件发送情况" for sysadmins (403 to
  anyone else): notices not sent, attempts, last error, "retry now"
  (``/ckan-admin/mail/retry``, POST).

Forms POST with CKAN's CSRF token, checked here.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import Page

from ckanext.govshare import views_common

notifications = Blueprint("govshare_notifications", __name__)

#: notices per page of the message centre, rows per page of the outbox
PER_PAGE = 20
OUTBOX_PER_PAGE = 50



def _logged_in() -> bool:
    return bool(tk.current_user.is_authenticated)


def index() -> Any:
    """The logged-in user's notices."""
    if not _logged_in():
        return views_common.to_login()
    context = views_common.context()
    page = tk.h.get_page_number(tk.request.args)
    unread_only = tk.request.args.get("unread") == "1"
    try:
        listing = tk.get_action("govshare_notice_list")(
            context, {"unread_only": unread_only, "limit": PER_PAGE,
                      "offset": (page - 1) * PER_PAGE})
        user_dict = tk.get_action("user_show")(context, {"id": tk.current_user.id})
    except tk.ValidationError:
        return tk.abort(404, tk._("No such page"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this page"))

    def page_url(page: int = 1, **kwargs: Any) -> str:
        return tk.h.url_for("govshare_notifications.index", page=page,
                            unread="1" if unread_only else None)

    pager = Page(collection=listing["results"], page=page, item_count=listing["count"],
                 items_per_page=PER_PAGE, url=page_url, presliced_list=True)
    return tk.render("govshare/notifications/index.html", {
        "user_dict": user_dict, "notices": listing, "page": pager,
        "unread_only": unread_only})


def read(id: str) -> Any:
    """One notice; opening it marks it read."""
    if not _logged_in():
        return views_common.to_login()
    context = views_common.context()
    try:
        notice = tk.get_action("govshare_notice_show")(context, {"id": id})
        if notice["unread"]:
            tk.get_action("govshare_notice_read")(views_common.context(), {"id": id})
            tk.g.govshare_unread_notices = None  # the header counts again
        user_dict = tk.get_action("user_show")(context, {"id": tk.current_user.id})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("No such notice"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this page"))
    return tk.render("govshare/notifications/read.html", {
        "user_dict": user_dict, "notice": notice})


def mark_read() -> Any:
    """POST: mark one notice (``id``) or all (``all``) read."""
    if not _logged_in():
        return views_common.to_login()
    views_common.check_csrf()
    form = tk.request.form
    data_dict: dict[str, Any] = {"all": True} if form.get("all") else {"id": form.get("id")}
    try:
        result = tk.get_action("govshare_notice_read")(views_common.context(), data_dict)
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("No such notice"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this page"))
    if data_dict.get("all"):
        tk.h.flash_success(tk.ungettext("{count} notice marked as read.",
                                        "{count} notices marked as read.",
                                        result["marked"]).format(count=result["marked"]))
    return tk.redirect_to("govshare_notifications.index")


def outbox() -> Any:
    """The sysadmins' page of notices not sent."""
    context = views_common.context()
    page = tk.h.get_page_number(tk.request.args)
    try:
        listing = tk.get_action("govshare_mail_outbox_list")(
            context, {"limit": OUTBOX_PER_PAGE, "offset": (page - 1) * OUTBOX_PER_PAGE})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins may see this page"))
    except tk.ValidationError:
        return tk.abort(404, tk._("No such page"))

    def page_url(page: int = 1, **kwargs: Any) -> str:
        return tk.h.url_for("govshare_notifications.outbox", page=page)

    pager = Page(collection=listing["results"], page=page, item_count=listing["count"],
                 items_per_page=OUTBOX_PER_PAGE, url=page_url, presliced_list=True)
    return tk.render("govshare/notifications/outbox.html", {
        "outbox": listing, "page": pager})


def retry() -> Any:
    """POST: queue one notice (``id``) or all (``all``) for one more try."""
    views_common.check_csrf()
    form = tk.request.form
    data_dict: dict[str, Any] = {"all": True} if form.get("all") else {"id": form.get("id")}
    try:
        result = tk.get_action("govshare_mail_outbox_retry")(views_common.context(),
                                                             data_dict)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins may see this page"))
    except (tk.ObjectNotFound, tk.ValidationError):
        tk.h.flash_error(tk._("That notice is no longer waiting to be sent."))
        return tk.redirect_to("govshare_notifications.outbox")
    tk.h.flash_success(tk.ungettext(
        "{count} notice queued: the jobs worker sends it in a moment.",
        "{count} notices queued: the jobs worker sends them in a moment.",
        result["queued"]).format(count=result["queued"]))
    return tk.redirect_to("govshare_notifications.outbox")


notifications.add_url_rule("/dashboard/notices", view_func=index)
notifications.add_url_rule("/dashboard/notices/<int:id>", view_func=read)
notifications.add_url_rule("/dashboard/notices/read", view_func=mark_read, methods=["POST"])
notifications.add_url_rule("/ckan-admin/mail", view_func=outbox)
notifications.add_url_rule("/ckan-admin/mail/retry", view_func=retry, methods=["POST"])


def get_blueprints() -> list[Blueprint]:
    return [notifications]
