"""Pages of the labels: thin wrappers around the actions.

* ``/dashboard/downloads`` (``govshare_labelling.downloads``): "My downloads",
  a dashboard tab listing the user's download receipts, newest first (what,
  which version, when, through which channel), each with the label of that
  download and a copy button. Anonymous visitors are sent to the login page.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import Page

from ckanext.govshare.labelling import helpers

labelling = Blueprint("govshare_labelling", __name__)

#: receipts per page of "My downloads"
PER_PAGE = 25


@labelling.route("/dashboard/downloads")
def downloads() -> Any:
    """The logged-in user's download receipts."""
    if not tk.current_user.is_authenticated:
        tk.h.flash_error(tk._("Log in to see this page"))
        return tk.redirect_to("user.login", next=tk.request.full_path.rstrip("?"))
    context = {"user": tk.current_user.name, "auth_user_obj": tk.current_user}
    page = tk.h.get_page_number(tk.request.args)
    try:
        listing = tk.get_action("govshare_download_receipt_list")(
            context, {"limit": PER_PAGE, "offset": (page - 1) * PER_PAGE,
                      "include_labels": True})
        user_dict = tk.get_action("user_show")(context, {"id": tk.current_user.id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this page"))
    for receipt in listing["results"]:
        if receipt.get("label"):
            receipt["label"] = helpers.decorate(receipt["label"])

    def page_url(page: int = 1, **kwargs: Any) -> str:
        return tk.h.url_for("govshare_labelling.downloads", page=page)

    pager = Page(collection=listing["results"], page=page, item_count=listing["count"],
                 items_per_page=PER_PAGE, url=page_url, presliced_list=True)
    return tk.render("govshare/labelling/downloads.html", {
        "user_dict": user_dict, "receipts": listing, "page": pager,
    })


def get_blueprints() -> list[Blueprint]:
    return [labelling]
