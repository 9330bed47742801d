"""The portal starts with GovShare enabled and answers the Action API."""
import pytest


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestSmoke:
    def test_status_show(self, app):
        resp = app.get("/api/3/action/status_show")
        assert resp.status_code == 200
        body = resp.json
        assert body["success"] is True
        assert "govshare" in body["result"]["extensions"]
