"""The mails the outbox's notices become: who receives them, what they say.

* ``new``, ``resubmitted``, ``reminder_N``: the reviewers, i.e. the admins
  and editors of the owning organization (the sysadmins when it has no
  reviewer with an email address, so that no application goes unseen);
* ``overdue``: the organization's admins and every sysadmin;
* ``approved``, ``rejected``, ``supplement_requested``, ``extended``,
  ``expired``, ``revoked``: the applicant, at the application's contact email.
  An approval whose terms the applicant must accept before the data opens
  (the jurisdiction profile's ``terms_acceptance_required``, recorded with
  the decision) says so, and links to the agreement on the application page.

A notice may be about a data request instead (:func:`case_of`): the same
reminders and escalation, in the request's words
(:mod:`ckanext.govshare.data_requests.notices`); and ``granted``,
``revoked``, ``expired`` (an interested party's access) for its requester,
the applicant's audience, at their account's address.

Recipients are looked up when the job handles the notice
(:func:`audience_of`, read by the mail and by the site's message centre
alike), so a reviewer who joined after the application was filed is told,
and one who left is not.

A mail names the dataset, the organization, the state, the due date and the
working days left where they matter, the reason of a refusal, supplement
request, extension or revocation, and links to the application page. It
never carries the applicant's contact email, phone or credit code, whoever
it is for. Subjects are written here (``tk._``), bodies are the templates
``templates/govshare/applications/emails/<kind>.txt``; both in the portal's
default language (``ckan.locale_default``), whoever triggered the step.
"""
from __future__ import annotations

import contextlib
import logging
import re
from typing import Any, Iterator, NamedTuple, Optional, Union

from markupsafe import Markup

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.govshare import workdays
from ckanext.govshare.applications import deadline, grants, kinds, notices, workflow
from ckanext.govshare.applications.model import (
    Application, ApplicationEvent, Grant, Notice)
from ckanext.govshare.data_requests import notices as request_notices
from ckanext.govshare.data_requests.model import DataRequest
from ckanext.govshare.error_reports import problems
from ckanext.govshare.notifications import inbox
from ckanext.govshare.notifications.model import UserNotice

log = logging.getLogger(__name__)

TEMPLATE = "govshare/applications/emails/{kind}.txt"
#: an error report's mails (kind ``error_report``): the same notices, told
#: of a report rather than an application
ERROR_REPORT_TEMPLATE = "govshare/error_reports/emails/{kind}.txt"
ERROR_REPORT_ENDPOINT = "govshare_error_reports.read"
#: the application page (another blueprint); a plain URL when it is missing
READ_ENDPOINT = "govshare_applications.read"
#: where the application page shows the agreement and its 我已阅读并同意 button
AGREEMENT_ANCHOR = "#govshare-agreement"

#: the moves a notice tells of (its reason, terms and state come from that event)
_MOVES_OF = {
    notices.NEW: (workflow.SUBMIT,),
    notices.RESUBMITTED: (workflow.SUPPLEMENT,),
    notices.APPROVED: (workflow.APPROVE,),
    notices.REJECTED: (workflow.REJECT,),
    notices.SUPPLEMENT_REQUESTED: (workflow.REQUEST_SUPPLEMENT,),
    notices.EXTENDED: (workflow.EXTEND,),
    notices.EXPIRED: (workflow.EXPIRE,),
    notices.REVOKED: (workflow.REVOKE,),
    notices.VERIFIED: (workflow.CORRECT, workflow.CONFIRM),
    notices.FORWARDED: (workflow.FORWARD,),
    notices.PERSONAL_DATA: (workflow.SUBMIT, workflow.FORWARD),
}


#: what a notice is about: an application (an error report too) or a data
#: request, which has the owner_org, state and due_date the recipients and
#: the checks read
Case = Union[Application, DataRequest]


def case_of(notice: Notice) -> Optional[Case]:
    """The application or data request a notice is about (None: gone)."""
    if notice.data_request_id is not None:
        return DataRequest.get(notice.data_request_id)
    return Application.get(notice.application_id)


class Mail(NamedTuple):
    recipient_name: str
    recipient_email: str
    subject: str
    body: str
    headers: dict[str, str]


class NoRecipients(Exception):
    """Nobody with an email address to send a notice to."""

    def __str__(self) -> str:
        return f"no recipient with an email address for a {self.args[0]!r} notice"


# ------------------------------------------------------------------ context
_fallback_app: Any = None


def _flask_app() -> Any:
    """The CKAN Flask app of this process: the one the ``ckan`` command (and
    so ``ckan jobs worker``) or the test session made, else one made here."""
    global _fallback_app
    from ckan.config import middleware

    ctx = middleware._internal_test_request_context
    if ctx is not None:
        return ctx.app
    if _fallback_app is None:
        from ckan.config.middleware.flask_app import make_flask_stack
        _fallback_app = make_flask_stack(tk.config)._wsgi_app
    return _fallback_app


@contextlib.contextmanager
def mail_context() -> Iterator[None]:
    """What rendering a mail needs outside a web request (the worker): a
    request context of the CKAN app, for templates, translations and
    ``url_for``, with the portal's default language."""
    import flask
    import flask_babel

    locale = tk.config.get("ckan.locale_default") or "en"
    with contextlib.ExitStack() as stack:
        if not flask.has_request_context():
            stack.enter_context(_flask_app().test_request_context())
        stack.enter_context(flask_babel.force_locale(locale))
        yield


# ------------------------------------------------------------------ recipients
def _display_name(user: model.User) -> str:
    return user.fullname or user.name


def _org_users(org_id: str, capacities: tuple[str, ...]) -> list[model.User]:
    return (model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(model.Member.group_id == org_id, model.Member.table_name == "user",
                    model.Member.state == "active", model.Member.capacity.in_(capacities),
                    model.User.state == "active")
            .order_by(model.User.name).all())


def _sysadmins() -> list[model.User]:
    return (model.Session.query(model.User)
            .filter(model.User.sysadmin.is_(True), model.User.state == "active")
            .order_by(model.User.name).all())


def _addresses(users: list[model.User]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    found = []
    for user in users:
        email = (user.email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            found.append((_display_name(user), email))
    return found


class Recipient(NamedTuple):
    """Someone a notice is for: a user of the portal (``user_id``, None when
    there is none), and where the mail goes (``email``, empty: nowhere)."""
    user_id: Optional[str]
    name: str
    email: str


def _as_recipients(users: list[model.User]) -> list[Recipient]:
    seen: set[str] = set()
    found = []
    for user in users:
        if user.id not in seen:
            seen.add(user.id)
            found.append(Recipient(user.id, _display_name(user), (user.email or "").strip()))
    return found


def audience_of(notice: Notice, application: Case) -> list[Recipient]:
    """Everyone a notice is for, as of now: the one rule both the mail and
    the site's message centre read."""
    who = notices.audience(notice.kind)
    if who == notices.APPLICANT:
        user = model.User.get(application.user_id)
        if isinstance(application, DataRequest):  # no contact of its own: the account's
            return _as_recipients([user] if user is not None else [])
        return [Recipient(application.user_id,
                          _display_name(user) if user else application.applicant_name,
                          (application.contact_email or "").strip())]
    if who == notices.ESCALATION:
        return _as_recipients(_org_users(application.owner_org, ("admin",)) + _sysadmins())
    reviewers = _org_users(application.owner_org, ("admin", "editor"))
    if not _addresses(reviewers):
        log.warning("Organization %s has no reviewer with an email address: telling the "
                    "sysadmins of application %s", application.owner_org, application.id)
        reviewers += _sysadmins()
    return _as_recipients(reviewers)


def recipients(notice: Notice, application: Case) -> list[tuple[str, str]]:
    """``(name, email)`` of everyone a notice is mailed to, as of now."""
    seen: set[str] = set()
    found = []
    for recipient in audience_of(notice, application):
        if recipient.email and recipient.email.lower() not in seen:
            seen.add(recipient.email.lower())
            found.append((recipient.name, recipient.email))
    return found


def not_worth_sending(notice: Notice, application: Optional[Case]) -> Optional[str]:
    """Why a notice is moot by the time it is sent (None: send it): the
    reviewers are not asked to answer an application that was answered or
    withdrawn meanwhile, nor reminded of a due date that changed. What
    happened to an application (or to a data request's requester) is always
    told to its applicant."""
    if application is None:
        return "the application no longer exists"
    if notices.audience(notice.kind) == notices.APPLICANT:
        return None
    if isinstance(application, DataRequest):
        return request_notices.not_worth_sending(notice, application)
    if notice.kind == notices.PERSONAL_DATA:
        return None  # exposed personal data is told even when answered meanwhile
    if application.state not in workflow.WAITING_FOR_ANSWER:
        return f"the application is {application.state} now"
    if notice.due_date is not None and application.due_date != notice.due_date:
        return "the due date changed"
    return None


# ------------------------------------------------------------------ texts
def subject_text(kind: str, values: dict[str, Any]) -> str:
    """What a notice of ``kind`` (``reminder_5`` too) is about, in the
    current language: the mail's subject and the message centre's title."""
    kind = notices.base_kind(kind)
    if values.get("application_kind") == kinds.ERROR_REPORT:
        return _error_report_subject(kind, values)
    if values.get("application_kind") == request_notices.KIND:
        return request_notices.subject_text(kind, values)
    texts = {
        notices.NEW: tk._("New application for “{dataset}”"),
        notices.RESUBMITTED: tk._("Supplement received: application for “{dataset}”"),
        notices.REMINDER: tk._("Reminder: the application for “{dataset}” is due on "
                               "{due_date}"),
        notices.OVERDUE: tk._("Overdue: the application for “{dataset}” was due on "
                              "{due_date}"),
        notices.APPROVED: tk._("Your application for “{dataset}” was approved: accept "
                               "the terms to use the data") if values.get("accept_terms")
        else tk._("Your application for “{dataset}” was approved"),
        notices.REJECTED: tk._("Your application for “{dataset}” was not approved"),
        notices.SUPPLEMENT_REQUESTED: tk._("Your application for “{dataset}” needs a "
                                           "supplement"),
        notices.EXTENDED: tk._("The answer to your application for “{dataset}” is now "
                               "due on {due_date}"),
        notices.EXPIRED: tk._("Your access to “{dataset}” has ended"),
        notices.REVOKED: tk._("Your access to “{dataset}” was revoked"),
        notices.VERIFIED: tk._("The data of “{dataset}” was corrected after your "
                               "verification request")
        if values.get("state") == workflow.CORRECTED
        else tk._("Your verification request for “{dataset}” was answered: no error found"),
    }
    return texts[kind].format(dataset=values["dataset_title"],
                              due_date=values.get("due_date") or "")


def _error_report_subject(kind: str, values: dict[str, Any]) -> str:
    texts = {
        notices.NEW: tk._("New error report on “{dataset}”"),
        notices.REMINDER: tk._("Reminder: the error report on “{dataset}” is due on "
                               "{due_date}"),
        notices.OVERDUE: tk._("Overdue: the error report on “{dataset}” was due on "
                              "{due_date}"),
        notices.PERSONAL_DATA: tk._("Urgent: personal data reported exposed in “{dataset}”"),
        notices.FORWARDED: tk._("Your error report on “{dataset}” was forwarded to "
                                "{organization}"),
        notices.VERIFIED: tk._("Your error report on “{dataset}” was answered: corrected")
        if values.get("state") == workflow.CORRECTED
        else tk._("Your error report on “{dataset}” was answered: no error found"),
    }
    text = texts.get(kind) or tk._("Your error report on “{dataset}”: {state}")
    return text.format(dataset=values["dataset_title"], due_date=values.get("due_date") or "",
                       organization=values.get("organization_title") or "",
                       state=values.get("state_label") or "")


def subject(kind: str, values: dict[str, Any]) -> str:
    """The subject line of a notice's mail."""
    return f"[{values['site_title']}] {subject_text(kind, values)}"


def application_url(application_id: str, kind: Optional[str] = None) -> str:
    """The application page (an error report's own page), absolute."""
    from werkzeug.routing import BuildError

    report = kind == kinds.ERROR_REPORT
    try:
        return tk.h.url_for(ERROR_REPORT_ENDPOINT if report else READ_ENDPOINT,
                            id=application_id, _external=True)
    except BuildError:
        site_url = (tk.config.get("ckan.site_url") or "").rstrip("/")
        return f"{site_url}/{'error-report' if report else 'application'}/{application_id}"


def _event(notice: Notice, application: Application) -> Optional[ApplicationEvent]:
    """The step a notice tells of: the latest event of its move up to the
    notice's creation."""
    moves = _MOVES_OF.get(notices.base_kind(notice.kind))
    if moves is None:
        return None
    query = model.Session.query(ApplicationEvent).filter(
        ApplicationEvent.application_id == application.id, ApplicationEvent.move.in_(moves))
    event = (query.filter(ApplicationEvent.at <= notice.created_at)
             .order_by(ApplicationEvent.id.desc()).first())
    return event or query.order_by(ApplicationEvent.id.desc()).first()


def values_for(notice: Notice, application: Case) -> dict[str, Any]:
    """Everything a mail about ``notice`` may say, for any recipient."""
    if isinstance(application, DataRequest):
        return request_notices.values_for(notice, application)
    kind = notices.base_kind(notice.kind)
    who = notices.audience(notice.kind)
    package = model.Package.get(application.package_id)
    organization = model.Group.get(application.owner_org)
    event = _event(notice, application)
    state = event.to_state if (event is not None and who == notices.APPLICANT) \
        else application.state
    values: dict[str, Any] = {
        "kind": kind,
        "audience": who,
        "site_title": tk.config.get("ckan.site_title") or "CKAN",
        "site_url": tk.config.get("ckan.site_url"),
        "url": application_url(application.id, deadline.kind_of(application)),
        "application_kind": deadline.kind_of(application),
        "problem": application.problem,
        "problem_label": problems.label(application.problem),
        "dataset_title": (package.title or package.name) if package else application.package_id,
        "organization_title": ((organization.title or organization.name) if organization
                               else application.owner_org),
        "state": state,
        "state_label": workflow.state_label(state),
        "due_date": None,
        "days_left": None,
        "provisional": False,
        "reason": event.reason if event is not None else None,
        "basis": event.basis if event is not None else None,
    }
    if who != notices.APPLICANT:
        # the reviewers (and sysadmins) may see who applied; nobody gets the
        # applicant's contact details or credit code by mail
        values["applicant_name"] = application.applicant_name
    if who != notices.APPLICANT or kind == notices.EXTENDED:
        due = notice.due_date or application.due_date
        if due is not None:
            values["due_date"] = due.isoformat()
            values["days_left"] = deadline.working_days_left(due)
            values["provisional"] = bool(application.due_date_provisional)
    if kind == notices.EXTENDED and event is not None:
        values["extension_days"] = (event.details or {}).get("days") \
            or application.extension_days
    if kind == notices.APPROVED:
        terms = (event.terms if event is not None else None) or application.terms or {}
        values["valid_from"] = terms.get("valid_from")
        values["valid_until"] = terms.get("valid_until")
        values["accept_terms"] = bool(event is not None and (event.details or {}).get(
            "terms_acceptance_required"))
        if values["accept_terms"]:
            values["url"] += AGREEMENT_ANCHOR
    if kind == notices.FORWARDED and event is not None:
        values["forwarded_from"] = (event.details or {}).get("from_organization_title")
    if kind == notices.VERIFIED:
        values["correction"] = (event.details or {}).get("correction") if event else None
    if kind in (notices.EXPIRED, notices.REVOKED):
        grant = model.Session.query(Grant).filter(
            Grant.application_id == application.id).one_or_none()
        if grant is not None:
            values["valid_until"] = grants.last_day(grant.valid_until).isoformat()
            values["ended_at"] = workdays.local_date(grant.ended_at or grant.valid_until
                                                     ).isoformat()
    return values


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Mark strings safe: the mails are plain text, so nothing is to be
    HTML-escaped (CKAN's Jinja environment escapes every template)."""
    return {k: Markup(v) if isinstance(v, str) else v for k, v in values.items()}


def render_template(template: str, values: dict[str, Any]) -> str:
    """A plain-text mail body from ``template`` (trailing spaces and runs of
    blank lines left by the template's blocks removed)."""
    from ckan.lib.base import render

    text = render(template, _plain(values))
    text = "\n".join(line.rstrip() for line in str(text).splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_body(kind: str, values: dict[str, Any]) -> str:
    """The mail's text; with ``in_site`` in ``values``, without the greeting
    and the signature (the message centre's copy)."""
    template = {kinds.ERROR_REPORT: ERROR_REPORT_TEMPLATE,
                request_notices.KIND: request_notices.TEMPLATE}.get(
                    values.get("application_kind") or "", TEMPLATE)
    return render_template(template.format(kind=notices.base_kind(kind)), values)


def compose(notice: Notice, application: Case) -> list[Mail]:
    """The mails a notice becomes, one per recipient. Call inside
    :func:`mail_context`."""
    values = values_for(notice, application)
    subject_line = subject(notice.kind, values)
    headers = {"Auto-Submitted": "auto-generated", "X-GovShare-Notice": notice.kind}
    return [Mail(name, email, subject_line,
                 render_body(notice.kind, {**values, "recipient_name": name}), headers)
            for name, email in recipients(notice, application)]


# ------------------------------------------------------------------ the site
def in_site(notice: Notice, application: Case) -> list[inbox.Delivery]:
    """The message centre's copies of a notice: one per recipient user, with
    the values it was written from. Call inside :func:`mail_context`."""
    values = values_for(notice, application)
    deliveries = []
    for recipient in audience_of(notice, application):
        if recipient.user_id is None:
            continue
        data = {**values, "recipient_name": recipient.name}
        deliveries.append(inbox.Delivery(
            recipient.user_id, notice.kind, subject_text(notice.kind, data),
            render_body(notice.kind, {**data, "in_site": True}), values["url"], data))
    return deliveries


def render_in_site(notice: UserNotice) -> inbox.Text:
    """A delivered notice in the request's language (:func:`inbox.register`)."""
    data = dict(notice.data or {})
    if data.get("state"):  # a label, stored in the default language
        data["state_label"] = workflow.state_label(data["state"])
    if data.get("problem"):
        data["problem_label"] = problems.label(data["problem"])
    return inbox.Text(subject_text(notice.kind, data),
                      render_body(notice.kind, {**data, "in_site": True}),
                      tk._("Open the data request")
                      if data.get("application_kind") == request_notices.KIND else None)
