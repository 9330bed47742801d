"""The production topology's smoke test (make prod-smoke, after make prod).

Through nginx: the home page (gzip), the search page (kept for the next
anonymous visitors: the page cache is on), the API, an open
file downloaded (nginx streams it after the app's check: X-Accel-Redirect,
the label headers kept, a range answered) and a conditional file refused
with 403 to a browser and to a program. Exit 1 on the first failure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional


def fetch(url: str, headers: Optional[dict[str, str]] = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def check(ok: bool, what: str) -> None:
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        sys.exit(1)


def upload_of(base: str, tier: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A dataset of the tier with an uploaded file, and that resource."""
    query = f"{base}/api/3/action/package_search?fq=open_tier:{tier}&rows=100"
    result = json.loads(fetch(query)[2])["result"]["results"]
    for dataset in result:
        for resource in dataset["resources"]:
            if resource.get("url_type") == "upload" or (
                    resource.get("url_type") == "govshare_restricted"
                    and resource.get("size")):
                return dataset, resource
    raise SystemExit(f"no {tier} dataset with an uploaded file: load the demo (make prod)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--storage", default=os.path.join(os.path.dirname(__file__), "..",
                                                          "var", "storage"))
    args = parser.parse_args()
    base = args.base.rstrip("/")

    status, headers, body = fetch(base + "/", {"Accept-Encoding": "gzip",
                                               "Accept-Language": "zh-CN"})
    check(status == 200 and headers.get("Content-Encoding") == "gzip",
          f"home page 200, gzip by nginx ({status}, {headers.get('Content-Encoding')})")
    search = base + "/dataset/?q=" + urllib.request.quote("公交")
    status, _h, body = fetch(search)
    check(status == 200 and b'href="/dataset/' in body, f"search page finds datasets ({status})")
    # the production template keeps anonymous visitors' pages (page_cache):
    # kept at the second visit, served whole at the third
    fetch(search)
    status, headers, again = fetch(search)
    check(status == 200 and headers.get("X-GovShare-Page-Cache") == "hit"
          and again.count(b'href="/dataset/') == body.count(b'href="/dataset/'),
          f"the third visit gets the kept page ({headers.get('X-GovShare-Page-Cache')})")
    status, _h, body = fetch(base + "/api/3/action/status_show")
    check(status == 200 and json.loads(body)["success"], "the API answers")

    dataset, resource = upload_of(base, "unconditional")
    # the index keeps the URL of the site that indexed it (make run's port)
    url = base + urllib.parse.urlparse(resource["url"]).path
    status, headers, body = fetch(url)
    rid = resource["id"]
    path = os.path.join(args.storage, "resources", rid[:3], rid[3:6], rid[6:])
    with open(path, "rb") as handle:
        on_disk = handle.read()
    check(status == 200 and body == on_disk,
          f"open file {dataset['name']}/{resource['name']}: 200, {len(body)} bytes as on disk")
    check("X-Accel-Redirect" not in headers and headers.get("Server", "").startswith("nginx"),
          "streamed by nginx (X-Accel-Redirect consumed)")
    check(bool(headers.get("GovShare-Source-Label")) and "describedby" in headers.get("Link", ""),
          "the source label headers kept")
    check("attachment" in headers.get("Content-Disposition", ""), "Content-Disposition kept")
    status, headers, body = fetch(url, {"Range": "bytes=0-9"})
    check(status == 206 and body == on_disk[:10], f"a range request: 206, 10 bytes ({status})")

    dataset, resource = upload_of(base, "conditional")
    download = f"{base}/dataset/{dataset['id']}/resource/{resource['id']}/download"
    status, _h, body = fetch(download)
    check(status == 403, f"conditional file refused to a visitor: {status}")
    status, _h, body = fetch(download, {"Accept": "application/json"})
    error = json.loads(body).get("error", {}) if status == 403 else {}
    check(status == 403 and error.get("apply_url", "").endswith("/apply"),
          "refused to a program in the API's shape, with apply_url")
    print("make prod: smoke test passed")


if __name__ == "__main__":
    main()
