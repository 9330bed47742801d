"""A developer revokes an API token: CKAN's ``confirm-action`` module asks
first (in the page's language); cancelling keeps the token."""
from __future__ import annotations

import pytest

from ckan.tests.helpers import call_action

from tests import factories

PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def developer(module_db):
    user = factories.User(password=PASSWORD)
    return {**user, "password": PASSWORD}


def token_names(user) -> list[str]:
    return sorted(t["name"] for t in call_action(
        "api_token_list", {"user": user["name"]}, user_id=user["name"]))


@pytest.mark.parametrize("lang, phone, question, cancel, confirm", [
    ("", False, "确定要进行这个操作吗?", "取消", "确认"),
    ("en", True, "Are you sure you want to perform this action?", "Cancel", "Confirm"),
], ids=["zh", "en-phone"])
def test_revoking_a_token_asks_first(open_visitor, developer, lang, phone,
                                     question, cancel, confirm):
    keep, revoke = f"keep-{lang or 'zh'}", f"revoke-{lang or 'zh'}"
    for name in (keep, revoke):
        call_action("api_token_create", {"user": developer["name"]},
                    user=developer["name"], name=name)
    visitor = open_visitor(lang=lang, phone=phone, user=developer)
    visitor.go(f"/user/{developer['name']}/api-tokens")
    page = visitor.page
    revoke_button = page.locator("tr", has_text=revoke).locator("[data-module=confirm-action]")
    dialog = page.locator(".modal.show")

    with visitor.bootstrap_event("shown.bs.modal"):
        revoke_button.click()                                # ×
    assert dialog.locator(".modal-body").inner_text() == question
    with visitor.bootstrap_event("hidden.bs.modal"):
        dialog.get_by_role("button", name=cancel).click()
    assert dialog.count() == 0
    page.reload(wait_until="domcontentloaded")
    visitor.ready()
    assert page.locator("tr", has_text=revoke).count() == 1
    assert revoke in token_names(developer)

    with visitor.bootstrap_event("shown.bs.modal"):
        revoke_button.click()
    with visitor.navigation():
        dialog.get_by_role("button", name=confirm).click()
    assert page.locator("tr", has_text=revoke).count() == 0
    assert page.locator("tr", has_text=keep).count() == 1
    assert revoke not in token_names(developer) and keep in token_names(developer)
