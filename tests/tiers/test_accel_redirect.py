"""Downloads handed to nginx (``ckanext.govshare.downloads.accel_redirect``,
make prod): the tier check stays the app's; a file it lets through is
answered with X-Accel-Redirect and no body, with its headers; a refused one
never names the file."""
from __future__ import annotations

import pytest

from ckanext.govshare import options
from ckanext.govshare.tiers import policy

pytestmark = [pytest.mark.usefixtures("with_plugins"),
              pytest.mark.ckan_config(options.DOWNLOADS_ACCEL_REDIRECT, "/_govshare_files/")]


def test_a_download_the_policy_lets_through_is_streamed_by_nginx(world, app):
    upload = world.uploads[policy.CONDITIONAL]
    url = f"/dataset/tier-conditional/resource/{upload['id']}/download/x.csv"
    rid = upload["id"]

    res = app.get(url, headers=world.headers("member"))
    assert res.status_code == 200 and res.get_data() == b""
    assert res.headers["X-Accel-Redirect"] == f"/_govshare_files/{rid[:3]}/{rid[3:6]}/{rid[6:]}"
    assert "attachment" in res.headers["Content-Disposition"]
    assert res.headers["Content-Type"].startswith("text/csv")
    assert res.headers["GovShare-Source-Label"]  # the label, as for any download

    refused = app.get(url, headers=world.headers("stranger"))
    assert refused.status_code == 403 and "X-Accel-Redirect" not in refused.headers
    closed = world.uploads[policy.CLOSED]
    hidden = app.get(f"/dataset/tier-closed/resource/{closed['id']}/download",
                     headers=world.headers("other_org_member"))
    assert hidden.status_code == 404 and "X-Accel-Redirect" not in hidden.headers


def test_without_the_option_the_app_streams_the_file(world, app, monkeypatch):
    from ckan.common import config

    monkeypatch.setitem(config, options.DOWNLOADS_ACCEL_REDIRECT, "")
    upload = world.uploads[policy.UNCONDITIONAL]
    res = app.get(f"/dataset/tier-unconditional/resource/{upload['id']}/download")
    assert res.status_code == 200 and "X-Accel-Redirect" not in res.headers
    assert res.get_data().startswith(b"id,name\n1,unconditional-file-bytes")
