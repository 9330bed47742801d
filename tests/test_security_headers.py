"""Every response carries the security headers; the login cookies are
same-site only."""
from __future__ import annotations

import pytest

from ckanext.govshare.request_guard import SECURITY_HEADERS
from tests import factories


@pytest.mark.parametrize("url", ["/", "/dataset/", "/en/dataset/", "/api/3/action/status_show",
                                 "/no-such-page"])
def test_every_response_has_the_headers(app, url):
    res = app.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert res.headers.get(name) == value, (url, name)


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_the_login_cookies_are_same_site(app):
    user = factories.User(password="correct-horse-1")
    res = app.post("/user/login", data={"login": user["name"], "password": "correct-horse-1",
                                        "remember": "63072000"}, follow_redirects=False)
    cookies = res.headers.getlist("Set-Cookie")
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert "remember_token" in names and len(names) >= 2, (res.status_code, names)
    for cookie in cookies:
        assert "SameSite=Lax" in cookie, cookie
