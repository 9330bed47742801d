"""The organization schema: an agency's unified social credit code and review contact."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib.helpers import url_for

from ckanext.govshare.catalog.logic.validators import uscc_check_char, uscc_is_valid
from ckanext.govshare.demo import loader
from tests import factories
from tests.catalog.conftest import translated

DEMO_CODES = [org["fields"]["unified_social_credit_code"]
              for org in loader.load_catalog()["organizations"]]
BAD_CHECK = ("This unified social credit code is not valid: its check character "
             "(the last one) does not match the other 17")
BAD_SHAPE = ("Enter the 18-character unified social credit code: digits and capital letters "
             "except I, O, S, V and Z, with the administrative division code (6 digits) in "
             "positions 3 to 8")


def one_digit_changed(code: str, position: int) -> str:
    """``code`` with the digit at ``position`` (0-based) replaced by another digit."""
    digit = code[position]
    assert digit.isdigit()
    return code[:position] + str((int(digit) + 1) % 10) + code[position + 1:]


class TestCheckCharacter:
    @pytest.mark.parametrize("code", DEMO_CODES + ["91350100M000100Y43"])
    def test_accepts_the_demo_catalogs_codes(self, code):
        assert uscc_is_valid(code)

    @pytest.mark.parametrize("code", DEMO_CODES)
    @pytest.mark.parametrize("position", [2, 8, 16])
    def test_rejects_a_code_with_one_digit_changed(self, code, position):
        assert not uscc_is_valid(one_digit_changed(code, position))

    @pytest.mark.parametrize("code", DEMO_CODES)
    def test_rejects_a_changed_check_character(self, code):
        wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[17])
        assert not uscc_is_valid(code[:17] + wrong)

    @pytest.mark.parametrize("code", [
        "", "1133010000250163", "11330100002501634KX", "11330100002501634k",
        "1133010000250163IK", "11ABCDEF002501634K", None])
    def test_rejects_malformed_codes(self, code):
        assert not uscc_is_valid(code)

    def test_check_character_zero(self):
        # when the weighted sum is a multiple of 31 the check character is 0, not 31
        first17 = next(f"91350100{n:09d}" for n in range(1000)
                       if uscc_check_char(f"91350100{n:09d}") == "0")
        assert uscc_is_valid(first17 + "0")


def organization_data(**overrides):
    data = {
        "name": "jiaotong",
        "title": "市交通运输局",
        "description": "负责全市综合交通运输。",
        "name_en": "Municipal Transport Bureau",
        "unified_social_credit_code": DEMO_CODES[0],
        "agency_type": "市政府工作部门",
        "address": "人民路 88 号",
        "review_contact": "周晓岚",
        "review_contact_dept": "科技与信息化处",
        "review_contact_email": "data-jiaotong@govshare.example",
        "review_contact_phone": "0571-12345678",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def organization_count() -> int:
    model.Session.remove()
    return model.Session.query(model.Group).filter_by(is_organization=True).count()


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestOrganizationApi:
    @pytest.fixture()
    def sysadmin_token(self):
        return factories.SysadminWithToken()["token"]

    def test_create_and_read(self, api, sysadmin_token):
        sent = organization_data(unified_social_credit_code=" " + DEMO_CODES[0].lower())
        api("organization_create", sent, sysadmin_token)
        shown = api("organization_show", {"id": "jiaotong"}).json["result"]
        for key, value in sent.items():
            if key != "unified_social_credit_code":
                assert shown[key] == value, key
        # stored normalised: no spaces, capital letters
        assert shown["unified_social_credit_code"] == DEMO_CODES[0]

    @pytest.mark.parametrize("code, message", [
        (one_digit_changed(DEMO_CODES[0], 10), BAD_CHECK),
        ("12345", BAD_SHAPE),
        ("11330100002501634O", BAD_SHAPE),
    ])
    def test_bad_credit_code_is_a_409(self, app, api, sysadmin_token, code, message):
        before = organization_count()
        response = api("organization_create", organization_data(unified_social_credit_code=code),
                       sysadmin_token, status=409)
        error = response.json["error"]
        assert error["__type"] == "Validation Error"
        assert error["unified_social_credit_code"] == [translated(app, message)]
        assert organization_count() == before

    def test_update_with_a_bad_credit_code_changes_nothing(self, app, api, sysadmin_token):
        org = factories.Organization()
        response = api("organization_patch", {
            "id": org["id"], "unified_social_credit_code": one_digit_changed(DEMO_CODES[1], 5),
            "title": "改过的名称"}, sysadmin_token, status=409)
        assert "unified_social_credit_code" in response.json["error"]
        shown = api("organization_show", {"id": org["id"]}).json["result"]
        assert shown["title"] == org["title"]
        assert shown["unified_social_credit_code"] == org["unified_social_credit_code"]

    @pytest.mark.parametrize("field", ["unified_social_credit_code", "review_contact",
                                       "review_contact_email"])
    def test_required_fields(self, api, sysadmin_token, field):
        response = api("organization_create", organization_data(**{field: None}),
                       sysadmin_token, status=409)
        assert field in response.json["error"]

    def test_review_contact_email_is_checked(self, api, sysadmin_token):
        response = api("organization_create",
                       organization_data(review_contact_email="not an email"),
                       sysadmin_token, status=409)
        assert set(response.json["error"]) == {"review_contact_email", "__type"}

    def test_the_factory_makes_valid_distinct_codes(self):
        codes = {factories.Organization()["unified_social_credit_code"] for _ in range(3)}
        assert len(codes) == 3 and all(uscc_is_valid(c) for c in codes)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestOrganizationForm:
    def post(self, app, token, **overrides):
        data = {**organization_data(**overrides), "image_url": "", "save": ""}
        return app.post(url_for("organization.new"), data=data,
                        headers={"Authorization": token}, follow_redirects=False)

    def test_bad_credit_code_is_a_field_error(self, app):
        token = factories.SysadminWithToken()["token"]
        before = organization_count()
        response = self.post(app, token,
                             unified_social_credit_code=one_digit_changed(DEMO_CODES[2], 12))
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        start = body.index('for="field-unified_social_credit_code"')
        group = body[start:body.index('for="field-agency_type"')]
        assert translated(app, BAD_CHECK) in group
        assert organization_count() == before

    def test_valid_form_creates_the_organization(self, app):
        token = factories.SysadminWithToken()["token"]
        response = self.post(app, token)
        assert response.status_code == 302
        org = tk.get_action("organization_show")({"ignore_auth": True}, {"id": "jiaotong"})
        assert org["unified_social_credit_code"] == DEMO_CODES[0]
        assert org["review_contact"] == "周晓岚"

    def test_form_labels(self, app):
        token = factories.SysadminWithToken()["token"]
        body = app.get(url_for("organization.new"),
                       headers={"Authorization": token}).get_data(as_text=True)
        for label in ("统一社会信用代码", "审核联系人", "审核联系人邮箱"):
            assert label in body
