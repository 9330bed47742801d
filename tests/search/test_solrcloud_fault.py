"""SolrCloud loses a node in the middle of a re-index (issue 17 §3).

``make test-solrcloud`` starts ZooKeeper and two Solr nodes with the
collection ``ckan-test`` in 2 shards x 2 replicas (``scripts/solr.sh
cloud-start``), and runs this test against node 1. 10,000 datasets are
re-indexed with ``ckan govshare search rebuild``; once a quarter of them are
in, the node that holds the first shard's leader is killed (SIGKILL: a
crash, which ZooKeeper notices only when the node's session expires, 30 s
later). The rebuild and the portal talk to the other node, since CKAN takes
one Solr URL (production puts a load balancer in front). Meanwhile the
portal's search page and API search are asked again and again. Then:

* no search answered with a server error;
* the rebuild completed (chunks the cluster refused until it had elected
  new leaders were sent again);
* the killed node started again, caught up, and both nodes find exactly the
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

import ckan.lib.search as ckan_search

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

CLOUD_VARIABLE = "GOVSHARE_TEST_SOLRCLOUD"
DATASETS = 10_000
#: kill a node once this many documents are searchable
STOP_AFTER = DATASETS // 4
NODES = {"1": "http://127.0.0.1:8985/solr", "2": "http://127.0.0.1:8986/solr"}


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


def _leader_node(base_url: str, collection: str, shard: str) -> str:
    """The number (NODES) of the node holding the shard's leader."""
    replicas = _cluster(base_url, collection)["collections"][collection]["shards"][shard][
        "replicas"].values()
    leader = next(r for r in replicas if r.get("leader") == "true")
    return next(n for n, url in NODES.items() if url == leader["base_url"])


def _solr_sh(*args: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "solr.sh"), *args], check=True, timeout=180)


@pytest.mark.parametrize("search_backend", ["solr"], indirect=True)
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_a_node_dies_during_a_rebuild(search_backend, ckan_config, app):
    if not os.environ.get(CLOUD_VARIABLE):
        pytest.skip(f"{CLOUD_VARIABLE} is not set: make test-solrcloud runs this test")
    base_url, collection = ckan_config["solr_url"].rstrip("/").rsplit("/", 1)
    assert _all_active(base_url, collection)
    victim = _leader_node(base_url, collection, "shard1")
    survivor = next(n for n in NODES if n != victim)
    # the portal (this process) and the rebuild talk to the node that stays
    base_url = NODES[survivor]
    collection_url = f"{base_url}/{collection}"
    ckan_config["solr_url"] = collection_url  # the fixture puts it back after
    ckan_search.SolrSettings.init(collection_url, None, None)
    # empty before the rebuild starts, so the count below is the rebuild's
    ckan_search.clear_all()
    assert _found(collection_url) == 0

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
                _solr_sh("node-kill", victim)
            time.sleep(1)
        output = rebuild.stdout.read()
    finally:
        searching.clear()
        searcher.join(timeout=60)
        if rebuild.poll() is None:
            rebuild.kill()
        _solr_sh("node-start", victim)

    assert stopped_at is not None and stopped_at < len(database_ids), (
        "the node was not killed while the rebuild ran")
    assert rebuild.returncode == 0, output[-3000:]
    assert statuses and all(status < 500 for _path, status in statuses), [
        item for item in statuses if item[1] >= 500][:10]

    deadline = time.monotonic() + 180
    while not _all_active(base_url, collection):
        assert time.monotonic() < deadline, "the node's replicas did not recover within 3 minutes"
        time.sleep(1)
    # both nodes answer for the whole collection, and each replica of each
    # shard holds the same documents as the other
    for node_url in NODES.values():
        assert _ids(f"{node_url}/{collection}") == database_ids
    shards = _cluster(base_url, collection)["collections"][collection]["shards"]
    in_shards: set[str] = set()
    for shard in shards.values():
        held = [_ids(f"{replica['base_url']}/{replica['core']}", distrib="false")
                for replica in shard["replicas"].values()]
        assert len(held) == 2 and held[0] == held[1]
        in_shards |= held[0]
    assert in_shards == database_ids
