"""No input gets a 500: every GovShare action registered in CKAN (read from
CKAN's action registry at test time, so a new action is covered the day it
is added) is called through the API with malformed values, as anonymous, as
a user and as a sysadmin, and answers 4xx in CKAN's error shape. Each
malformed value goes under each key an action may read (named in its
docstring or quoted in its code), alone; under the keys it does not read, all
at once (one request, not one a key)."""
from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest

import ckan.logic as logic
import ckan.plugins as p

from tests import factories, fuzzing

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


def own_keys(action: str) -> list[str]:
    """The keys of ``KEYS`` that ``action`` may read: those its docstring
    names (``:param x:``, ````x````) or its code quotes."""
    names, quoted = fuzzing.parameters(action)
    words = set(names) | set(quoted)
    for function in _functions(action):
        try:
            words |= set(re.findall(r"""["'](\w+)["']""", inspect.getsource(function)))
        except (OSError, TypeError):
            return list(KEYS)  # its code cannot be read: every key is its own
    return [key for key in KEYS if key in words]


def _functions(action: str) -> list[Any]:
    """The action's function in each plugin that defines it (chained ones too)."""
    return [plugin.get_actions()[action] for plugin in p.PluginImplementations(p.IActions)
            if action in plugin.get_actions()]


def payloads(action: str) -> list[tuple[str, Any]]:
    """What is sent to ``action``: no key at all once; each malformed value
    under each key it may read; and each malformed value under all the other
    keys at once (it reads none of them, so they are one case)."""
    own = own_keys(action)
    others = [key for key in KEYS if key not in own]
    sent: list[tuple[str, Any]] = [("(nothing)", {})]
    for value in MALFORMED:
        if value is None:
            continue  # None is the missing key: the empty body above
        sent += [(key, {key: value}) for key in own]
        if others:
            sent.append((",".join(others), dict.fromkeys(others, value)))
    return sent


@pytest.fixture(scope="module")
def callers(module_db):
    return {"anonymous": None, "user": factories.UserWithToken()["token"],
            "sysadmin": factories.SysadminWithToken()["token"]}


def _body(key: str, value) -> bytes:
    payload = {} if value is None else {key: value}
    return json.dumps(payload).encode("utf-8", "surrogatepass")


def _encoded(payload: dict[str, Any]) -> bytes:
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
        for keys, payload in payloads(action):
            res = app.post(f"/api/3/action/{action}", data=_encoded(payload), headers=headers)
            calls += 1
            value = next(iter(payload.values()), None)
            if res.status_code >= 500 or res.status_code < 200:
                failures.append(f"{action} {keys}={value!r:.40}: {res.status_code}")
            elif res.status_code >= 400:
                body = res.json
                if not (body and body.get("success") is False and "error" in body):
                    failures.append(f"{action} {keys}={value!r:.40}: not CKAN's shape")
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
