"""The message centre's actions (a user's own notices) and the outbox
page's (sysadmins)."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.govshare.logic import context_user, validate
from ckanext.govshare.notifications import inbox, outbox
from ckanext.govshare.notifications.logic import schema
from ckanext.govshare.notifications.model import UserNotice


def _me(context: Context) -> model.User:
    user = context_user(context)
    if user is None:
        raise tk.NotAuthorized(tk._("Log in to see your notices"))
    return user


@tk.side_effect_free
def govshare_notice_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The caller's notices in the message centre, newest first: decisions,
    supplement requests, extensions and expiry of their applications; new
    applications, reminders and overdue notices for reviewers. Nobody sees
    another user's notices.

    :param mine: only true is accepted: a user lists their own notices
        (default true)
    :type mine: bool
    :param unread_only: only those not read yet (default false)
    :type unread_only: bool
    :param limit: at most this many (default 20, at most 100)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count`` (of the selection), ``unread`` (all unread) and
        ``results`` (``id``, ``kind``, ``source``, ``subject``, ``link``,
        ``open_label`` (the words for the link, or null), ``created_at``,
        ``read_at``, ``unread``)
    :rtype: dictionary
    """
    tk.check_access("govshare_notice_list", context, data_dict)
    data = validate(data_dict, schema.notice_list_schema(), context)
    if not data["mine"]:
        raise tk.ValidationError({"mine": [tk._("Only your own notices can be listed")]})
    user = _me(context)
    query = model.Session.query(UserNotice).filter(UserNotice.user_id == user.id)
    if data["unread_only"]:
        query = query.filter(UserNotice.read_at.is_(None))
    count = query.count()
    rows = query.order_by(UserNotice.created_at.desc(), UserNotice.id.desc()) \
        .offset(data["offset"]).limit(data["limit"]).all()
    return {"count": count, "unread": inbox.unread_count(user.id),
            "results": [inbox.as_dict(row) for row in rows]}


@tk.side_effect_free
def govshare_notice_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One of the caller's notices, with its ``body`` (it stays unread:
    ``govshare_notice_read`` marks it).

    :param id: the notice's id
    :type id: int
    """
    tk.check_access("govshare_notice_show", context, data_dict)
    data = validate(data_dict, schema.notice_show_schema(), context)
    user = _me(context)
    notice = model.Session.query(UserNotice).filter(
        UserNotice.id == data["id"], UserNotice.user_id == user.id).one_or_none()
    if notice is None:  # someone else's is not found either
        raise tk.ObjectNotFound(tk._("No such notice"))
    return inbox.as_dict(notice, with_body=True)


def govshare_notice_read(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Mark one of the caller's notices read, or all of them.

    :param id: the notice's id
    :type id: int
    :param all: true: every unread notice of the caller
    :type all: bool

    :returns: ``marked`` (how many changed) and ``unread`` (left)
    :rtype: dictionary
    """
    tk.check_access("govshare_notice_read", context, data_dict)
    data = validate(data_dict, schema.notice_read_schema(), context)
    if data.get("id") is None and not data["all"]:
        raise tk.ValidationError({"id": [tk._("Missing value: give id, or all=true")]})
    user = _me(context)
    if data.get("id") is not None:
        owned = model.Session.query(UserNotice.id).filter(
            UserNotice.id == data["id"], UserNotice.user_id == user.id).first()
        if owned is None:
            raise tk.ObjectNotFound(tk._("No such notice"))
    marked = inbox.mark_read(user.id, None if data["all"] else data["id"])
    if not context.get("defer_commit"):
        model.repo.commit()
    return {"marked": marked, "unread": inbox.unread_count(user.id)}


@tk.side_effect_free
def govshare_mail_outbox_list(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Notices whose mail was not sent, or which were not yet delivered in
    the site, newest first, with their attempts and last error; and how mail
    is configured (sysadmins only).

    :param limit: at most this many (default 50, at most 100)
    :type limit: int
    :param offset: skip this many
    :type offset: int

    :returns: ``count``, ``results`` (``id``, ``kind``, ``subject``,
        ``application_id`` or ``data_request_id``, ``created_at``, ``attempts``, ``last_error``,
        ``sent``, ``delivered``, ``standing``: waiting, failed, gave_up or
        not_in_site), ``max_attempts``, ``server`` and ``not_configured``
        (why mail cannot be sent at all, or null)
    :rtype: dictionary
    """
    tk.check_access("govshare_mail_outbox_list", context, data_dict)
    data = validate(data_dict, schema.outbox_list_schema(), context)
    return outbox.listing(data["limit"], data["offset"])


def govshare_mail_outbox_retry(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Queue a pending notice (or all of them) for one more try now, even
    when it ran out of attempts (sysadmins only).

    :param id: the notice's id
    :type id: int
    :param all: true: every pending notice
    :type all: bool

    :returns: ``queued`` (how many)
    :rtype: dictionary
    """
    tk.check_access("govshare_mail_outbox_retry", context, data_dict)
    data = validate(data_dict, schema.outbox_retry_schema(), context)
    if data.get("id") is None and not data["all"]:
        raise tk.ValidationError({"id": [tk._("Missing value: give id, or all=true")]})
    return {"queued": outbox.retry(None if data["all"] else data["id"])}


def get_actions() -> dict[str, Any]:
    return {name: fn for name, fn in globals().items()
            if name.startswith("govshare_") and callable(fn)}
