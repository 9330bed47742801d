"""No input gets a 500: every GovShare action registered in CKAN (read from
CKAN's action registry at test time, so a new action is covered the day it
is added) is called through the API with malformed values, as anonymous, as
a user and as a sysadmin, and answers 4xx in CKAN's error shape."""
from __future__ import annotations

import json

import pytest

import ckan.logic as logic

from tests import factories

#: what a careless or hostile client sends: missing, wrong types, text
#: PostgreSQL cannot store, numbers no column holds, one of each kind (lone
#: surrogates: test_unstorable_text_is_a_field_error_in_core_actions_too; floats,
#: long text and the rest: the property test, tests/test_fuzz.py)
MALFORMED = [None, {"a": 1}, ["x"], -1, True, 10**25, "\x00", ""]
KEYS = ("id", "package_id", "organization", "user", "offset", "limit", "mine", "grant_id",
        "decision", "terms", "obtained_date", "resource_id", "state", "days")
ROLES = ("anonymous", "user", "sysadmin")


def govshare_actions() -> list[str]:
    return sorted(name for name in logic._actions if name.startswith("govshare_"))


@pytest.fixture(scope="module")
def callers(module_db):
    return {"anonymous": None, "user": factories.UserWithToken()["token"],
            "sysadmin": factories.SysadminWithToken()["token"]}


def _body(key: str, value) -> bytes:
    payload = {} if value is None else {key: value}
    return json.dumps(payload).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("role", ROLES)
def test_every_action_answers_malformed_input_with_a_4xx(app, callers, role):
    actions = govshare_actions()
    assert len(actions) >= 19  # they are registered: the plugins are loaded
    headers = {"Content-Type": "application/json"}
    if callers[role]:
        headers["Authorization"] = callers[role]
    failures, calls = [], 0
    for action in actions:
        for key in KEYS:
            for value in MALFORMED:
                res = app.post(f"/api/3/action/{action}", data=_body(key, value),
                               headers=headers)
                calls += 1
                if res.status_code >= 500 or res.status_code < 200:
                    failures.append(f"{action} {key}={value!r:.40}: {res.status_code}")
                elif res.status_code >= 400:
                    body = res.json
                    if not (body and body.get("success") is False and "error" in body):
                        failures.append(f"{action} {key}={value!r:.40}: not CKAN's shape")
    assert failures == [], f"{len(failures)} of {calls} calls:\n" + "\n".join(failures[:40])


def test_json_nested_too_deep_is_a_400(app):
    body = ("[" * 5000 + "]" * 5000).encode()
    res = app.post("/api/3/action/package_search", data=body,
                   headers={"Content-Type": "application/json"})
    assert res.status_code == 400
    assert res.json["success"] is False


@pytest.mark.parametrize("value", ["\x00", "\ud800"])
def test_unstorable_text_is_a_field_error_in_core_actions_too(app, value):
    res = app.post("/api/3/action/package_show", data=_body("id", value),
                   headers={"Content-Type": "application/json"})
    assert res.status_code == 409
    assert res.json["error"]["id"]
    res = app.get("/api/3/action/package_show", query_string={"id": "a\x00b"})
    assert res.status_code == 409


@pytest.mark.usefixtures("with_plugins")
def test_a_missing_id_is_missing_not_unknown(app, callers):
    """As CKAN core answers: 409 'Missing value', not 404."""
    for action in ("govshare_application_show", "govshare_application_decide",
                   "govshare_grant_revoke"):
        res = app.post(f"/api/3/action/{action}", json={},
                       headers={"Authorization": callers["sysadmin"]})
        assert res.status_code == 409, action
        assert "id" in res.json["error"], action


@pytest.mark.parametrize("start", [10**20, 2**31])
def test_a_search_offset_past_any_index_is_a_search_error(app, start):
    """As Solr answers: 409 Search Error, not a database error."""
    res = app.get("/api/3/action/package_search", query_string={"start": str(start)})
    assert res.status_code == 409
    assert res.json["error"]["__type"] == "Search Error"
