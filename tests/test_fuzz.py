"""No input gets a 500, as a property: hypothesis draws malformed calls
(wrong types, nested objects and lists, huge and negative numbers, NUL and
lone surrogates, long text, weird dates, and real ids beside them) for every
``govshare_*`` action, every core action GovShare chains and the core
actions issue 11 found 500s in — all read from CKAN's plugins at test time
(``tests/fuzzing.py``) — and sends them through the Action API as
anonymous, a user and a sysadmin. Every answer is a 2xx or a 4xx in CKAN's
error shape. The examples are drawn from a fixed seed (the same on every run) and few,
so that the module stays under a minute; ``bench/fuzz.py`` sends ten
thousand and more."""
from __future__ import annotations

import pytest

from tests import fuzzing

#: calls per action and role
EXAMPLES = 8
#: hypothesis's seed: the same calls on every run (bench/fuzz.py draws new ones)
SEED = 20261202


@pytest.fixture(scope="module")
def targets(module_db):
    return fuzzing.make_targets()


@pytest.fixture(scope="module")
def drawn(targets):
    """The malformed calls of every fuzzed action, drawn once for the module
    and sent as each caller."""
    return {action: fuzzing.draw(action, targets["known"], EXAMPLES, SEED)
            for action in fuzzing.fuzzed_actions()}


def test_the_fuzzed_actions_are_read_from_the_registry():
    actions = fuzzing.fuzzed_actions()
    assert len(fuzzing.govshare_actions()) >= 19
    # GovShare chains package_search and activity_show (tiers), and the
    # create and update auth of datasets (products)
    assert {"package_search", "activity_show", "package_create"} <= set(
        fuzzing.chained_core_actions())
    assert set(fuzzing.CORE_FINDINGS) <= set(actions)
    params, quoted = fuzzing.parameters("govshare_application_decide")
    assert {"id", "decision", "terms"} <= set(params) and "valid_until" in quoted


@pytest.mark.parametrize("role", fuzzing.ROLES)
def test_malformed_calls_get_a_2xx_or_a_4xx_in_ckans_shape(app, targets, drawn, role):
    actions = fuzzing.fuzzed_actions()
    assert set(drawn) == set(actions)
    token = targets["tokens"][role]
    failures: list[str] = []
    sent = []
    for action in actions:
        for call in drawn[action]:
            sent.append(call)
            found = fuzzing.problem_of(app, call, token)
            if found:
                failures.append(f"{call.describe()}: {found}")
    assert len(sent) == EXAMPLES * len(actions)
    assert failures == [], f"{len(failures)} of {len(sent)} calls as {role} (seed {SEED}):\n" \
        + "\n".join(failures[:30])


@pytest.mark.parametrize("role", fuzzing.ROLES)
def test_a_govshare_action_called_without_its_id_says_missing_value(app, targets, role):
    """As CKAN core answers: 409 "Missing value" for the id an action takes
    (or the one it takes instead), before anything is looked up (never 404
    "not found"); an action that needs one of two parameters names both."""
    token = targets["tokens"][role]
    headers = {"Authorization": token} if token else {}
    wrong = []
    for action in fuzzing.govshare_actions():
        res = app.post(f"/en/api/3/action/{action}", json={}, headers=headers)
        error = res.json.get("error") or {}
        fields = {k: v for k, v in error.items() if k not in ("__type", "message")}
        if res.status_code == 404 or res.status_code >= 500:
            wrong.append(f"{action}: {res.status_code} {error}")
        elif res.status_code == 409 and not fields:
            wrong.append(f"{action}: 409 without a field error: {error}")
        elif res.status_code == 409 and "id" in fuzzing.parameters(action)[0] and \
                "Missing value" not in str(fields):
            wrong.append(f"{action}: 409 without Missing value: {error}")
    assert wrong == [], "\n".join(wrong)
