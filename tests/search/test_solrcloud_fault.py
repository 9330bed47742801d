"""SolrCloud loses a node in the middle of a re-index (issue 17 §3).

``make test-solrcloud`` starts ZooKeeper and two Solr nodes with the
collection ``ckan-test`` in 2 shards x 2 replicas (``scripts/solr.sh
cloud-start``), and runs this test against node 1. 10,000 datasets are
re-indexed with ``ckan govshare search rebuild``; once a quarter of them are
in, node 2 (which holds a replica of each shard, often the leaders) is
stopped. Meanwhile the portal's search page and API search are asked again
and again. Then:

* no search answered with a server error;
* the rebuild completed (chunks the cluster refused while it elected new
  leaders were sent again);
* node 2 started again, caught up, and both nodes find exactly the
  datasets of the database, as does each replica of each shard.

Without SolrCloud (``GOVSHARE_TEST_SOLRCLOUD`` unset) the test is skipped,
saying so: ``make test`` has no Solr.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

CLOUD_VARIABLE = "GOVSHARE_TEST_SOLRCLOUD"
DATASETS = 10_000
#: stop node 2 once this many documents are searchable
STOP_AFTER = DATASETS // 4
NODE_2 = "http://127.0.0.1:8986/solr"


def _solr(url: str, **params: Any) -> dict[str, Any]:
    query = urllib.parse.urlencode({**params, "wt": "json"})
    with urllib.request.urlopen(f"{url}?{query}", timeout=30) as response:
        return json.load(response)


def _found(collection_url: str) -> int:
    return _solr(f"{collection_url}/select", q="*:*", rows=0)["response"]["numFound"]


def _ids(collection_url: str, **params: Any) -> set[str]:
    docs = _solr(f"{collection_url}/select", q="*:*", fl="id", rows=DATASETS * 2,
                 **params)["response"]["docs"]
    return {doc["id"] for doc in docs}


def _cluster(base_url: str, collection: str) -> dict[str, Any]:
    return _solr(f"{base_url}/admin/collections", action="CLUSTERSTATUS",
                 collection=collection)["cluster"]


def _all_active(base_url: str, collection: str) -> bool:
    cluster = _cluster(base_url, collection)
    replicas = [replica for shard in cluster["collections"][collection]["shards"].values()
                for replica in shard["replicas"].values()]
    return len(replicas) == 4 and all(
        r["state"] == "active" and r["node_name"] in cluster["live_nodes"] for r in replicas)


def _solr_sh(*args: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "solr.sh"), *args], check=True, timeout=180)


@pytest.mark.parametrize("search_backend", ["solr"], indirect=True)
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_a_node_stops_during_a_rebuild(search_backend, ckan_config, app):
    if not os.environ.get(CLOUD_VARIABLE):
        pytest.skip(f"{CLOUD_VARIABLE} is not set: make test-solrcloud runs this test")
    collection_url = ckan_config["solr_url"].rstrip("/")
    base_url, collection = collection_url.rsplit("/", 1)
    assert _all_active(base_url, collection)

    conn = psycopg2.connect(ckan_config["sqlalchemy.url"])
    generate(conn, DATASETS, progress=lambda message: None)
    with conn.cursor() as cursor:
        cursor.execute("SELECT id FROM package WHERE state <> 'deleted'")
        database_ids = {row[0] for row in cursor.fetchall()}
    conn.close()
    assert len(database_ids) >= DATASETS

    environment = {**os.environ, "CKAN_SQLALCHEMY_URL": ckan_config["sqlalchemy.url"],
                   "CKAN_SOLR_URL": collection_url,
                   "CKAN_REDIS_URL": ckan_config["ckan.redis.url"]}
    rebuild = subprocess.Popen(
        [str(Path(sys.executable).parent / "ckan"), "-c", str(ROOT / "config" / "test.ini"),
         "govshare", "search", "rebuild", "--clear", "--workers", "2"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    statuses: list[tuple[str, int]] = []
    searching = threading.Event()
    searching.set()

    def search_meanwhile() -> None:
        while searching.is_set():
            for path in ("/api/3/action/package_search?q=公交&rows=5",
                         "/dataset/?q=空气质量"):
                statuses.append((path, app.get(path).status_code))
            time.sleep(0.2)

    searcher = threading.Thread(target=search_meanwhile, daemon=True)
    searcher.start()
    stopped_at = None
    try:
        deadline = time.monotonic() + 900
        while rebuild.poll() is None:
            assert time.monotonic() < deadline, "the rebuild did not end within 15 minutes"
            if stopped_at is None and _found(collection_url) >= STOP_AFTER:
                stopped_at = _found(collection_url)
                _solr_sh("node-stop", "2")
            time.sleep(1)
        output = rebuild.stdout.read()
    finally:
        searching.clear()
        searcher.join(timeout=60)
        if rebuild.poll() is None:
            rebuild.kill()
        _solr_sh("node-start", "2")

    assert stopped_at is not None and stopped_at < len(database_ids), (
        "node 2 was not stopped while the rebuild ran")
    assert rebuild.returncode == 0, output[-3000:]
    assert statuses and all(status < 500 for _path, status in statuses), [
        item for item in statuses if item[1] >= 500][:10]

    deadline = time.monotonic() + 180
    while not _all_active(base_url, collection):
        assert time.monotonic() < deadline, "node 2's replicas did not recover within 3 minutes"
        time.sleep(1)
    # both nodes answer for the whole collection, and each replica of each
    # shard holds the same documents as the other
    assert _ids(collection_url) == database_ids
    assert _ids(f"{NODE_2}/{collection}") == database_ids
    shards = _cluster(base_url, collection)["collections"][collection]["shards"]
    in_shards: set[str] = set()
    for shard in shards.values():
        held = [_ids(f"{replica['base_url']}/{replica['core']}", distrib="false")
                for replica in shard["replicas"].values()]
        assert len(held) == 2 and held[0] == held[1]
        in_shards |= held[0]
    assert in_shards == database_ids
