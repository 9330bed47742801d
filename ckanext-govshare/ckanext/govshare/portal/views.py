"""The home page (``/``, in place of CKAN's) and the Help page (``/help``).
The About page stays CKAN's (``ckan.site_about``, with GovShare's default
text in ``home/snippets/about_text.html``)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint

import ckan.plugins.toolkit as tk

from ckanext.govshare import views_common
from ckanext.govshare.applications import deadline
from ckanext.govshare.portal import help as help_page
from ckanext.govshare.portal import home

#: registered before CKAN's own blueprints, so ``/`` is answered here;
#: ``h.url_for("home.index")`` still names it
portal = Blueprint("govshare_portal", __name__)


@portal.route("/")
def index() -> Any:
    """The front door: search, the public tiers' counts, topics, the newest
    and most downloaded datasets, how to apply, the API centre."""
    if tk.current_user.is_authenticated and not tk.current_user.email:
        # CKAN's home page asks for it: the password reset needs it
        url = tk.h.url_for("user.edit")
        tk.h.flash_notice(tk._('Please <a href="{url}">add your email address</a> to your '
                               'profile: it is needed to reset your password.').format(url=url),
                          allow_html=True)
    return tk.render("govshare/portal/home.html", {
        **home.front_page(views_common.context()),
        "answer_days": deadline.answer_working_days(),
    })


@portal.route("/help")
def help() -> Any:  # noqa: A001 - the page's name
    """How the portal works: tiers, applying, deadlines, labels, terms, privacy,
    contact."""
    return tk.render("govshare/portal/help.html", help_page.page())


def get_blueprints() -> list[Blueprint]:
    return [portal]
