"""Dates outside the portal's range (``workdays.DATE_RANGE``) are field
errors wherever a date is given: approval terms (API and the decision
form), the catalog's date fields, product sources, labels, the report. A
year near 9999 passes a date parser, then overflowed (a 500) where a day, a
term or a time zone was added to it."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import url_for
from ckan.tests import helpers

from ckanext.govshare import workdays
from tests import factories
from tests.applications.conftest import application_data, approval_terms, make_agency
from tests.products.conftest import product_data

FIRST, LAST = (d.isoformat() for d in workdays.DATE_RANGE)
#: the last days of Python's calendar, with and without a time zone that
#: pushes them over, its first day, and the first days past the range
OUTSIDE = ["9999-12-31", "9999-12-31T23:59:59-14:00", "0001-01-01", "2200-01-01", "1799-12-31"]


@pytest.fixture(scope="module")
def agency(module_db):
    agency = make_agency()
    agency.application = helpers.call_action(
        "govshare_application_create", {"user": agency.applicant["name"]},
        **application_data(agency.dataset["id"]))
    agency.editor_token = factories.APIToken(user=agency.editor["id"])["token"]
    return agency


def _errors(action: str, user: dict, **data) -> dict:
    with pytest.raises(tk.ValidationError) as caught:
        helpers.call_action(action, {"user": user["name"]}, **data)
    return caught.value.error_dict


@pytest.mark.parametrize("valid_from,valid_until", [
    (None, "9999-12-31"), ("9999-12-01", "9999-12-31"), ("9999-12-31", "9999-12-31"),
    ("0001-01-01", "0001-12-31"), (None, "2200-01-01")])
def test_approval_terms_outside_the_range_are_a_field_error(app, agency, valid_from,
                                                           valid_until):
    terms = approval_terms(valid_until=valid_until)
    if valid_from:
        terms["valid_from"] = valid_from
    res = app.post("/api/3/action/govshare_application_decide",
                   json={"id": agency.application["id"], "decision": "approve", "terms": terms},
                   headers={"Authorization": agency.editor_token})
    assert res.status_code == 409, res.body
    assert set(res.json["error"]["terms"]) <= {"valid_from", "valid_until"}
    assert helpers.call_action("govshare_application_show", {"user": agency.editor["name"]},
                               id=agency.application["id"])["state"] == "submitted"


@pytest.mark.parametrize("valid_until", ["9999-12-31", "9999-12-30", "0001-01-01"])
def test_the_decision_form_shows_the_range_error(app, agency, valid_until):
    url = url_for("govshare_applications.move", id=agency.application["id"], move="approve")
    res = app.post(url, headers={"Authorization": agency.editor_token},
                   data={**approval_terms(valid_until=valid_until), "valid_from": valid_until})
    assert res.status_code == 200
    assert "error-explanation" in res.body and f"{FIRST}" in res.body


def test_the_ends_of_the_range_are_dates():
    from ckanext.govshare.applications.logic.validators import iso_date

    assert iso_date(FIRST).isoformat() == FIRST and iso_date(LAST).isoformat() == LAST


@pytest.mark.parametrize("field", ["release_date", "temporal_coverage_start",
                                   "temporal_coverage_end", "last_reviewed"])
@pytest.mark.parametrize("value", OUTSIDE)
def test_catalog_dates_outside_the_range_are_a_field_error(agency, field, value):
    fields = {"temporal_coverage_start": FIRST, field: value}
    errors = _errors("package_create", agency.editor, owner_org=agency.org["id"],
                     name="far-dates", title="far dates", notes="n",
                     **factories.catalog_fields(**fields))
    assert list(errors) == [field]


def test_catalog_dates_at_the_ends_of_the_range_are_kept(agency):
    dataset = helpers.call_action(
        "package_create", {"user": agency.editor["name"]}, owner_org=agency.org["id"],
        name="range-ends", title="range ends", notes="n",
        **factories.catalog_fields(temporal_coverage_start=FIRST, temporal_coverage_end=LAST))
    assert (dataset["temporal_coverage_start"][:10], dataset["temporal_coverage_end"][:10]) \
        == (FIRST, LAST)


@pytest.mark.parametrize("value", OUTSIDE)
def test_a_product_source_obtained_outside_the_range_is_a_field_error(agency, value):
    errors = _errors("package_create", agency.applicant, **product_data(
        [{"dataset": agency.dataset["name"], "obtained_date": value}], name="far-product"))
    assert "sources" in errors


@pytest.mark.parametrize("value", OUTSIDE)
def test_labels_and_the_report_refuse_dates_outside_the_range(agency, value):
    assert "obtained_date" in _errors("govshare_label_show", agency.applicant,
                                      package_id=agency.dataset["id"], obtained_date=value)
    sysadmin = factories.Sysadmin()
    assert "since" in _errors("govshare_application_report", sysadmin, since=value)
    assert "until" in _errors("govshare_application_report", sysadmin, until=value)
