"""Recomputing the applications' clocks (``ckan govshare workdays
recompute``, issue 15 §5): with an unchanged calendar every stored due date
and every decision's figures are reproduced, whatever happened to the
application; with a changed calendar they move by the calendar alone, and a
decision recorded late becomes on time when the calendar says so.

The moves are made through the actions on a frozen clock, under the test
profile that allows an extension (``tests/profiles/extension.yaml``).
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

import ckan.model as model
from ckan.tests import helpers

from ckanext.govshare import options, workdays
from ckanext.govshare.applications.model import Application
from tests import factories, profiles
from tests.applications.conftest import application_data, approval_terms

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db"),
              pytest.mark.ckan_config(options.JURISDICTION_PROFILE, profiles.EXTENSION)]

#: what a recompute may change, and the state beside it
STORED = ("state", "due_date", "due_date_provisional", "answer_working_days",
          "answered_late", "wait_working_days")


def as_user(user: dict) -> dict:
    return {"user": user["name"], "ignore_auth": False}


def stored() -> dict[str, tuple]:
    model.Session.expire_all()
    return {a.id: tuple(getattr(a, f) for f in STORED)
            for a in model.Session.query(Application)}


def recompute(agency) -> dict[str, int]:
    return helpers.call_action("govshare_application_recompute_due",
                               context=as_user(agency.sysadmin))


class Case:
    """One application and the moves made on it, each at the frozen time."""

    def __init__(self, agency, freezer, moment: str | dt.datetime) -> None:
        self.agency, self.freezer = agency, freezer
        self.applicant = factories.User()
        freezer.move_to(moment)
        self.id = helpers.call_action(
            "govshare_application_create", context=as_user(self.applicant),
            **application_data(agency.dataset["id"]))["id"]
        self.state, self.extended = "submitted", False

    def at(self, moment: str | dt.datetime) -> "Case":
        self.freezer.move_to(moment)
        return self

    def move(self, name: str, days: int = 5) -> dict:
        reviewer = as_user(self.agency.editor)
        if name == "supplement":
            result = helpers.call_action("govshare_application_supplement",
                                         context=as_user(self.applicant), id=self.id,
                                         note="已补充应用场景说明")
        elif name == "withdraw":
            result = helpers.call_action("govshare_application_withdraw",
                                         context=as_user(self.applicant), id=self.id)
        elif name == "extend":
            result = helpers.call_action("govshare_application_extend", context=reviewer,
                                         id=self.id, days=days, reason="需征求数据提供部门意见")
            self.extended = True
        elif name == "approve":
            result = helpers.call_action("govshare_application_decide", context=reviewer,
                                         id=self.id, decision="approve",
                                         terms=approval_terms())
        else:  # reject, request_supplement
            result = helpers.call_action("govshare_application_decide", context=reviewer,
                                         id=self.id, decision=name, reason="材料不全")
        self.state = result["state"]
        return result

    def moves(self) -> list[str]:
        """What may be done next without ending the application (the
        extension profile: once, 99 supplement requests)."""
        if self.state == "submitted":
            return ["request_supplement", *([] if self.extended else ["extend"])]
        if self.state == "needs_supplement":
            return ["supplement"]
        return []

    def endings(self) -> list[str]:
        """The moves that end it (or none: it stays open)."""
        return {"submitted": ["approve", "reject", "withdraw"],
                "needs_supplement": ["withdraw"]}.get(self.state, [])

    @property
    def row(self) -> Application:
        model.Session.expire_all()
        return model.Session.get(Application, self.id)


# ------------------------------------------------------------- the case
def test_an_extension_does_not_outlive_a_supplement(agency, freezer):
    """Extended by 15 working days, then sent back for a supplement: the
    supplement starts a fresh answer period without the extension, and a
    recompute keeps it so (it used to add the stored extension again:
    2026-12-23 became 2027-01-13, 2027-01-06 became 2027-01-27)."""
    dates = []
    for supplemented in ("2026-12-02 02:00:00", "2026-12-15 02:00:00"):
        case = Case(agency, freezer, "2026-11-02 02:00:00")
        case.at("2026-11-03 02:00:00").move("extend", days=15)
        case.at("2026-11-04 02:00:00").move("request_supplement")
        dates.append(case.at(supplemented).move("supplement")["due_date"])
    assert dates == ["2026-12-23", "2027-01-06"]
    before = stored()
    assert recompute(agency) == {"checked": 2, "changed": 0, "provisional": 1,
                                 "answered": 0, "answers_changed": 0, "skipped": 0}
    assert stored() == before


# ----------------------------------------------------------------- a property
MOVE_GAPS = st.integers(min_value=0, max_value=20 * 24)  # hours until the next move


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_recompute_reproduces_every_history(agency, freezer, data):
    """Random sequences of moves (submit, supplement request, supplement,
    extend, decide, withdraw) at random hours of random days: the recompute
    changes nothing, and again nothing."""
    start = data.draw(st.datetimes(min_value=dt.datetime(2025, 1, 1),
                                   max_value=dt.datetime(2026, 12, 20)), label="submitted")
    case = Case(agency, freezer, start)
    moment = start

    def make(name: str) -> None:
        nonlocal moment
        moment += dt.timedelta(hours=data.draw(MOVE_GAPS, label="hours later"))
        case.at(moment).move(name, days=data.draw(st.integers(1, 15), label="days"))

    for _ in range(data.draw(st.integers(min_value=0, max_value=5), label="moves")):
        make(data.draw(st.sampled_from(case.moves()), label="move"))
    ending = data.draw(st.sampled_from([None, *case.endings()]), label="ending")
    if ending:
        make(ending)
    before = stored()
    first = recompute(agency)
    assert (first["changed"], first["answers_changed"], first["skipped"]) == (0, 0, 0), (
        before[case.id])
    assert stored() == before
    assert recompute(agency) == first
    state, due, _provisional, answered, late, wait = before[case.id]
    if state in ("approved", "rejected"):
        assert answered is not None and late is not None and wait >= answered
    else:
        assert (answered, late, wait) == (None, None, None)
    if state == "needs_supplement":
        assert due is None
    elif state != "withdrawn":
        assert due is not None


# ----------------------------------------------------------- a changed calendar
def _calendar_2026(extra_holidays: list[dt.date]) -> dict:
    """2026 as chinese-calendar knows it, with ``extra_holidays`` besides,
    in the override file's form."""
    known = workdays.WorkdayCalendar()
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    holidays = [d for d in days if d.weekday() < 5 and not known.is_workday(d)]
    make_up = [d for d in days if d.weekday() >= 5 and known.is_workday(d)]
    return {2026: {"holidays": [d.isoformat() for d in sorted(holidays + extra_holidays)],
                   "workdays": [d.isoformat() for d in make_up]}}


def test_a_changed_calendar_moves_them_by_the_calendar_alone(agency, freezer, tmp_path,
                                                            monkeypatch, ckan_config):
    """11 November 2026 (a Wednesday) becomes a holiday: every due date
    counted over it moves one working day later; an answer given one working
    day after the old due date is now on time; a date counted from after it
    stays; the report follows."""
    opened = Case(agency, freezer, "2026-11-02 02:00:00")         # due 23 Nov
    late = Case(agency, freezer, "2026-11-02 02:00:00")           # due 23 Nov
    late.at("2026-11-24 02:00:00").move("approve")               # a day late
    resent = Case(agency, freezer, "2026-11-02 02:00:00")
    resent.at("2026-11-03 02:00:00").move("request_supplement")
    resent.at("2026-11-05 02:00:00").move("supplement")          # due 26 Nov
    resent.at("2026-11-26 02:00:00").move("reject")              # on the day
    after = Case(agency, freezer, "2026-11-16 02:00:00")          # due 7 Dec
    freezer.move_to("2026-12-15 02:00:00")
    fields = ("due_date", "answered_late", "answer_working_days", "wait_working_days")

    def values(case: Case) -> tuple:
        return tuple(getattr(case.row, f) for f in fields)

    d = dt.date
    assert values(opened) == (d(2026, 11, 23), None, None, None)
    assert values(late) == (d(2026, 11, 23), True, 16, 16)
    assert values(resent) == (d(2026, 11, 26), False, 15, 18)
    assert values(after) == (d(2026, 12, 7), None, None, None)

    path = tmp_path / "workdays.yaml"
    path.write_text(yaml.safe_dump(_calendar_2026([])), encoding="utf-8")
    monkeypatch.setitem(ckan_config, options.WORKDAYS_OVERRIDE_FILE, str(path))
    # the same calendar from the override file: nothing moves
    assert recompute(agency)["changed"] == 0

    path.write_text(yaml.safe_dump(_calendar_2026([d(2026, 11, 11)])), encoding="utf-8")
    report_before = helpers.call_action("govshare_application_report",
                                        context=as_user(agency.sysadmin))["total"]
    assert recompute(agency) == {"checked": 4, "changed": 3, "provisional": 0,
                                 "answered": 2, "answers_changed": 2, "skipped": 0}
    assert values(opened) == (d(2026, 11, 24), None, None, None)
    assert values(late) == (d(2026, 11, 24), False, 15, 15)
    assert values(resent) == (d(2026, 11, 27), False, 14, 17)
    assert values(after) == (d(2026, 12, 7), None, None, None)
    report_after = helpers.call_action("govshare_application_report",
                                       context=as_user(agency.sysadmin))["total"]
    assert (report_before["answered_late"], report_after["answered_late"]) == (1, 0)
    assert report_after["answered_on_time"] == 2
    # and again: nothing more
    assert recompute(agency)["changed"] == 0


def test_rows_without_events_are_left_alone(agency, freezer):
    """A row not made by the actions (imported, say) has no history to
    count from: the recompute leaves it as it is."""
    case = Case(agency, freezer, "2026-11-02 02:00:00")
    template = case.row
    columns = {c.name: getattr(template, c.key) for c in Application.__table__.columns}
    model.Session.execute(sa.insert(Application.__table__), [{
        **columns, "id": "imported-1", "user_id": "someone-else",
        "due_date": dt.date(2026, 11, 30)}])
    model.repo.commit()
    assert recompute(agency)["checked"] == 1
    assert model.Session.get(Application, "imported-1").due_date == dt.date(2026, 11, 30)
