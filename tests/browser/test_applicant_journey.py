"""An applicant, from a new account to the file: registers through the
real form, applies for a conditionally open dataset (the form refuses the
application until the security commitment is accepted), supplements the
materials when the agency asks for it, and once the application is approved
reads the agreement and clicks 我已阅读并同意 before downloading the file;
"my downloads" then has its label. The agency's moves are its reviewer's
actions."""
from __future__ import annotations

import io

import pytest

from ckan.tests.helpers import call_action
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from tests import factories
from tests.applications.conftest import approval_terms

CSV = "企业名称,信用等级\n某某公交有限公司,A\n某某出租汽车公司,B\n".encode()
NAME = "zhang-wei-2026"
PASSWORD = "Correct-Horse-2026"


@pytest.fixture(scope="module")
def agency(module_db) -> dict:
    reviewer = factories.User()
    org = factories.Organization(title="市交通运输局",
                                 users=[{"name": reviewer["name"], "capacity": "admin"}])
    dataset = factories.Dataset(owner_org=org["id"], name="operator-credit",
                                title="客运企业信用评价", open_tier="conditional", resources=[])
    resource = call_action(
        "resource_create", context={"user": reviewer["name"]}, package_id=dataset["id"],
        upload=FakeFileStorage(io.BytesIO(CSV), "operator-credit.csv"), name="信用评价表",
        format="CSV")
    return {"reviewer": reviewer, "dataset": dataset, "resource": resource}


def state(application_id: str, reviewer: dict) -> str:
    return call_action("govshare_application_show", {"user": reviewer["name"]},
                       id=application_id)["state"]


def test_an_applicant_registers_applies_supplements_and_downloads(open_visitor, agency):
    reviewer = agency["reviewer"]
    visitor = open_visitor().go("/user/register")
    page = visitor.page

    # a new account, through CKAN's register form
    page.fill("#field-username", NAME)
    page.fill("#field-fullname", "张伟")
    page.fill("#field-email", "zhang.wei@example.com")
    page.fill("#field-password", PASSWORD)
    page.fill("#field-confirm-password", PASSWORD)
    with visitor.navigation():
        page.get_by_role("button", name="创建用户").click()
    assert call_action("user_show", id=NAME)["fullname"] == "张伟"
    assert page.locator(".account", has_text="张伟").count()        # logged in

    # the dataset's page leads to the application form
    visitor.go("/dataset/operator-credit")
    with visitor.navigation():
        page.locator("a.btn", has_text="申请获取").first.click()
    assert page.url.endswith("/dataset/operator-credit/apply")
    page.fill("#field-purpose", "客运市场信用监管研究")
    page.fill("#field-use-scenario", "研究报告中的企业信用分布统计")
    page.check("#field-resource-1")
    page.fill("#field-requested-fields", "企业名称、信用等级")
    page.fill("#field-requested-term-months", "6")
    page.fill("#field-contact-phone", "13812345678")
    page.check("#field-accept-terms")
    with visitor.navigation():
        page.get_by_role("button", name="提交申请").click()
    # refused, with the field named, until the commitment is made
    commitment = page.locator(".form-group.error", has=page.locator(
        "#field-accept-security-commitment"))
    assert commitment.locator(".error-block, .invalid-feedback").count()
    assert "安全承诺" in page.locator(".error-explanation").inner_text()
    assert page.input_value("#field-purpose") == "客运市场信用监管研究"     # kept
    page.check("#field-accept-security-commitment")
    with visitor.navigation():
        page.get_by_role("button", name="提交申请").click()
    assert "申请已提交" in page.locator(".flash-messages, .alert-success").first.inner_text()
    application_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert state(application_id, reviewer) == "submitted"
    assert page.locator(".govshare-application").get_attribute("data-state") == "submitted"

    # the agency asks for more
    call_action("govshare_application_decide", {"user": reviewer["name"]},
                id=application_id, decision="request_supplement",
                reason="请说明研究报告是否公开发表。")
    page.reload(wait_until="domcontentloaded")
    visitor.ready()
    notice = page.locator("#govshare-supplement-notice").inner_text()
    assert "请说明研究报告是否公开发表。" in notice
    form = page.locator("#govshare-move-supplement")
    form.locator("summary").click()
    visitor.check_accessibility()
    form.locator("#field-purpose").fill("客运市场信用监管研究，报告仅供内部使用，不公开发表")
    form.locator("#field-note").fill("已说明报告不公开发表")
    with visitor.navigation():
        form.get_by_role("button", name="提交补正材料").click()
    assert "补正材料已提交" in page.locator(".flash-messages, .alert-success").first.inner_text()
    assert state(application_id, reviewer) == "submitted"
    assert "不公开发表" in page.locator("#govshare-materials").inner_text()

    # approved: the applicant accepts the agreement, then the file is theirs
    call_action("govshare_application_decide", {"user": reviewer["name"]},
                id=application_id, decision="approve", terms=approval_terms())
    visitor.go(f"/application/{application_id}")
    agreement = page.locator("#govshare-agreement")
    assert "有条件开放数据使用协议" in agreement.locator("#govshare-agreement-text").inner_text()
    visitor.check_accessibility()
    with visitor.navigation():
        agreement.get_by_role("button", name="我已阅读并同意").click()
    assert "您已确认使用协议" in page.locator(".flash-messages, .alert-success").first.inner_text()
    visitor.go(f"/dataset/operator-credit/resource/{agency['resource']['id']}")
    with page.expect_download() as started:
        page.locator("a.btn.resource-url-analytics", has_text="下载").click()
    assert open(started.value.path(), "rb").read() == CSV
    receipts = call_action("govshare_download_receipt_list", {"user": NAME})
    assert [r["resource_id"] for r in receipts["results"]] == [agency["resource"]["id"]]

    # "my downloads" keeps the label to cite, dated by the download
    visitor.go("/dashboard/downloads")
    row = page.locator("tr[data-receipt]")
    assert row.count() == 1
    assert "客运企业信用评价" in row.locator(".govshare-label-text").inner_text()
    visitor.check_accessibility()
