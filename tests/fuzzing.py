"""Malformed API input, shared by ``tests/test_fuzz.py`` and
``bench/fuzz.py``: which actions are fuzzed (read from CKAN's plugins at run
time, so a new action is covered the day it is registered), which
parameters each one takes (read from its docstring), what a careless or
hostile client sends (hypothesis strategies), and what counts as a proper
answer: never a 5xx; a 4xx in CKAN's error shape.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import re
import urllib.parse
import zlib
from typing import Any, Callable, Iterable, Optional

import hypothesis
import hypothesis.strategies as st

import ckan.plugins as p

ROLES = ("anonymous", "user", "sysadmin")
#: core actions in which issue 11 found 500s: fuzzed beside the ones
#: GovShare chains
CORE_FINDINGS = ("resource_show", "user_create", "package_create", "package_update",
                 "package_patch", "package_show", "package_search", "organization_create",
                 "activity_show")
#: parameters nearly every action reads, tried on all of them
COMMON_KEYS = ("id", "name", "q", "fq", "rows", "start", "limit", "offset", "sort",
               "package_id", "resource_id", "include_data")
CORE_MODULES = ("get", "create", "update", "patch", "delete")

#: dates no form field should take: the ends of Python's calendar, time
#: zones that push them over, days that do not exist, numbers a date
#: parser reads as a year
WEIRD_DATES = ("9999-12-31", "9999-12-31T23:59:59", "9999-12-31T23:59:59-14:00",
               "9998-12-31", "0001-01-01", "0001-01-01T00:00:00+14:00", "0000-00-00",
               "10000-01-01", "2024-02-30", "2024-13-01", "-2024-01-01", "99999",
               "2024-01-01 99999999999999999999", "2024/01/01 25:61:61", "1e400",
               "NOW+10000YEARS", "9999-99-99", "1-1-1")
#: text PostgreSQL cannot store, and text that is only strange
ODD_TEXT = ("\x00", "\ud800", "a\udfffb", "", " ", "null", "[]", "{}", "../../etc/passwd",
            "' OR 1=1 --", "*:*", "id:*", "{!func}x", "${x}", "%s%n", "\u202e", "🙂" * 3)
#: the longest query string sent (nginx's default buffer for the request line)
MAX_URL = 8192
HUGE_NUMBERS = (2**31, 2**63, 2**64, 10**25, -(10**25), 10**400, -1, 0)


def govshare_function(function: Any) -> bool:
    return getattr(function, "__module__", "").startswith("ckanext.govshare.")


def govshare_actions() -> list[str]:
    """Every ``govshare_*`` action registered by a loaded plugin."""
    return sorted({name for plugin in p.PluginImplementations(p.IActions)
                   for name in plugin.get_actions() if name.startswith("govshare_")})


def chained_core_actions() -> list[str]:
    """The actions of CKAN and its other plugins that GovShare chains, or
    whose auth function it chains."""
    names = {name for plugin in p.PluginImplementations(p.IActions)
             for name, function in plugin.get_actions().items()
             if getattr(function, "chained_action", False) and govshare_function(function)}
    names |= {name for plugin in p.PluginImplementations(p.IAuthFunctions)
              for name, function in plugin.get_auth_functions().items()
              if getattr(function, "chained_auth_function", False)
              and govshare_function(function)}
    return sorted(names)


def fuzzed_actions() -> list[str]:
    """What the fuzz test and the benchmark call: GovShare's actions, the
    core actions it chains, and the core actions issue 11 found 500s in."""
    return sorted({*govshare_actions(), *chained_core_actions(), *CORE_FINDINGS})


def _docstrings(name: str) -> Iterable[str]:
    for plugin in p.PluginImplementations(p.IActions):
        function = plugin.get_actions().get(name)
        if function is not None:
            yield function.__doc__ or ""
    for module in CORE_MODULES:
        function = getattr(importlib.import_module(f"ckan.logic.action.{module}"), name, None)
        if function is not None:
            yield function.__doc__ or ""


def parameters(name: str) -> tuple[list[str], list[str]]:
    """The parameters ``name`` documents (``:param x:``); and the words its
    docstring quotes (``x``), keys of nested values."""
    docs = "\n".join(_docstrings(name))
    return sorted(set(re.findall(r":param (\w+):", docs))), sorted(
        set(re.findall(r"``(\w+)``", docs)))


# ------------------------------------------------------------------ strategies
def _scalars(known: list[str]) -> st.SearchStrategy[Any]:
    texts = [st.sampled_from(ODD_TEXT), st.sampled_from(WEIRD_DATES),
             st.text(max_size=12),
             # long text, built rather than drawn (hypothesis draws a few KB)
             st.builds(lambda n, c: c * n, st.integers(256, 20_000),
                       st.sampled_from(["x", "数", "\ud800"]))]
    if known:
        texts.append(st.sampled_from(known))
    return st.one_of(
        st.none(), st.booleans(),
        st.sampled_from(HUGE_NUMBERS), st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        *texts)


def values(keys: list[str], known: list[str]) -> st.SearchStrategy[Any]:
    """Malformed values: wrong types, odd and unstorable text, huge numbers,
    weird dates, known ids, and lists and objects of them."""
    key = st.sampled_from(keys) | st.sampled_from(ODD_TEXT) | st.text(max_size=6)
    return st.recursive(
        _scalars(known),
        lambda children: st.lists(children, max_size=3)
        | st.dictionaries(key, children, max_size=4),
        max_leaves=8)


@dataclasses.dataclass
class Call:
    action: str
    transport: str  # "json" body or "query" string
    payload: Any

    def describe(self) -> str:
        return f"{self.action} {self.transport} {_short(self.payload)}"


@functools.lru_cache(maxsize=None)
def calls(action: str, known: tuple[str, ...]) -> st.SearchStrategy[Call]:
    """One malformed call of ``action``: its documented parameters (and a
    few unknown ones) with malformed values; now and then a body that is
    not an object at all; as a JSON body or a query string."""
    documented, quoted = parameters(action)
    params = sorted({*documented, *COMMON_KEYS})
    value = values([*params, *quoted], list(known))
    body = st.dictionaries(st.sampled_from(params) | st.text(max_size=6), value, max_size=5)
    payload = st.one_of(body, body, body, body, value)
    return st.builds(Call, st.just(action), st.sampled_from(["json", "json", "json", "query"]),
                     payload)


def run(action: str, known: tuple[str, ...], examples: int, call: Callable[[Call], None],
        seed: int) -> None:
    """Draw ``examples`` malformed calls of ``action`` and hand each to
    ``call``: the same calls for the same ``seed`` (mixed with the action's
    name, so that actions do not all get the same shapes). Only generation:
    ``call`` records what it finds, so nothing is shrunk (each call costs a
    request)."""

    @hypothesis.seed(seed ^ zlib.crc32(action.encode()))
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         phases=[hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(calls(action, known))
    def each(drawn: Call) -> None:
        call(drawn)

    each()


def draw(action: str, known: tuple[str, ...], examples: int, seed: int) -> list[Call]:
    """The calls :func:`run` draws for ``action``, as a list: drawn once, they
    can be sent as several callers (drawing costs more than sending)."""
    drawn: list[Call] = []
    run(action, known, examples, drawn.append, seed)
    return drawn


# ------------------------------------------------------------------ sending
def _json(payload: Any) -> bytes:
    # NaN, infinities and lone surrogates (escaped) as a careless client sends them
    return json.dumps(payload).encode()


def _query(payload: Any) -> str:
    pairs = []
    items = payload.items() if isinstance(payload, dict) else [("q", payload)]
    for key, value in items:
        for item in value if isinstance(value, list) else [value]:
            text = item if isinstance(item, str) else json.dumps(item)
            pairs.append((str(key).encode("utf-8", "surrogatepass"),
                          text.encode("utf-8", "surrogatepass")))
    return urllib.parse.urlencode(pairs)


def send(client: Any, call: Call, token: Optional[str]) -> Any:
    """``call`` through the Action API with the werkzeug/Flask test client."""
    headers = {"Authorization": token} if token else {}
    url = f"/api/3/action/{call.action}"
    query = _query(call.payload) if call.transport == "query" else ""
    # a longer URL is refused by any web server in front of CKAN (414)
    if query and len(query) <= MAX_URL:
        return client.get(f"{url}?{query}", headers=headers)
    return client.post(url, data=_json(call.payload),
                       headers={**headers, "Content-Type": "application/json"})


def problem(response: Any) -> Optional[str]:
    """What is wrong with an answer to malformed input, or None: a 5xx, or
    an answer that is not CKAN's (``{"success": false, "error": {"__type":
    …}}`` for a 4xx)."""
    status = response.status_code
    if status >= 500:
        return f"HTTP {status}"
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return f"HTTP {status}, not JSON"
    if not isinstance(body, dict):
        return f"HTTP {status}, not CKAN's answer"
    if status >= 400:
        error = body.get("error")
        if body.get("success") is not False or not isinstance(error, dict) \
                or "__type" not in error:
            return f"HTTP {status}, not CKAN's error shape"
    elif body.get("success") is not True:
        return f"HTTP {status} without success"
    return None


def problem_of(client: Any, call: Call, token: Optional[str]) -> Optional[str]:
    """Send ``call``; what is wrong with the answer, or None. An exception
    the app lets through (a test client propagates them) is a 500 too."""
    try:
        response = send(client, call, token)
    except Exception as error:  # noqa: BLE001 - whatever it is, it is the finding
        return f"raised {error!r:.300}"
    return problem(response)


def make_targets() -> dict[str, Any]:
    """What the calls aim at: an agency with two conditional datasets, an
    application waiting for an answer and an approved one with its grant;
    the callers' API tokens (the applicant is the user); the ids and names
    worth drawing as values, so that calls get past the lookups."""
    from ckan.tests import helpers

    from tests import factories
    from tests.applications.conftest import application_data, approval_terms

    applicant = factories.UserWithToken()
    sysadmin = factories.SysadminWithToken()
    org = factories.Organization()
    known = [org["id"], org["name"], applicant["id"], applicant["name"]]
    for _ in range(2):
        dataset = factories.Dataset(owner_org=org["id"], open_tier="conditional", resources=[
            {"url": "http://example.com/a.csv", "name": "A"}])
        application = helpers.call_action("govshare_application_create",
                                          {"user": applicant["name"]},
                                          **application_data(dataset["id"]))
        known += [dataset["id"], dataset["name"], dataset["resources"][0]["id"],
                  application["id"]]
    approved = helpers.call_action("govshare_application_decide", {"user": sysadmin["name"]},
                                   id=application["id"], decision="approve",
                                   terms=approval_terms())
    known.append(approved["grant"]["id"])
    return {"tokens": {"anonymous": None, "user": applicant["token"],
                       "sysadmin": sysadmin["token"]},
            "known": tuple(known)}


def _short(value: Any, limit: int = 160) -> str:
    text = ascii(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"
