# GovShare: two commands.
#   make run    set up and serve the portal on http://127.0.0.1:5000
#   make test   set up the test database and run the whole test suite
# Everything is idempotent; see docs/quickstart.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help
export PYTHON ?= python3

.PHONY: help run test install services lock worker clean-db render-production-ini i18n axe prod prod-stop prod-smoke solr solr-stop test-solr solrcloud solrcloud-stop test-solrcloud

help:
	@echo "make run         set up (venv, PostgreSQL, Redis, db, sysadmin, demo) and serve http://127.0.0.1:5000"
	@echo "                 (DEMO=0 skips the demo catalog, WORKER=0 the jobs worker, PORT=5001 another port,"
	@echo "                 DEBUGGER=1 turns on the Werkzeug debugger)"
	@echo "make test        set up the test database and run pytest (PYTEST_ARGS='-k x -x' to narrow);"
	@echo "                 starts make solr's Solr for the Solr variants where java and mvn are (TEST_SOLR=0: not)"
	@echo "make prod        the production topology on one machine: nginx :8080, gunicorn, jobs worker"
	@echo "                 (PORT, APP_PORT, WORKERS=4, CKAN_SOLR_URL, PAGE_CACHE_TTL=0: no page cache);"
	@echo "                 make prod-stop stops it,"
	@echo "                 make prod-smoke starts it and checks home, search, a download and a 403"
	@echo "make install     only create .venv and install the pinned dependencies"
	@echo "make services    only make sure PostgreSQL, Redis, the roles and both databases exist"
	@echo "make worker      run a background-jobs worker in the foreground"
	@echo "make lock        re-resolve the requirements and rewrite requirements/lock.txt"
	@echo "make clean-db    empty the development database and var/storage (asks nothing)"
	@echo "make render-production-ini OUT=FILE   render config/production.ini.tmpl from the environment"
	@echo "make i18n        extract the translatable strings, update the zh_Hans_CN/en catalogs, compile .mo"
	@echo "make solr        resolve Solr 9 with Maven (once, into var/maven) and start it on 127.0.0.1:8983"
	@echo "                 (cores ckan and ckan-test from config/solr/govshare; docs/solr.md)"
	@echo "make solr-stop   stop that Solr"
	@echo "make test-solr   only the search tests on both engines, one worker: starts make solr's Solr"
	@echo "                 (stopped after), or skips the Solr variants saying why"
	@echo "make solrcloud   SolrCloud: ZooKeeper :9985 and two Solr nodes :8985 :8986, collections ckan and"
	@echo "                 ckan-test in 2 shards x 2 replicas (CKAN_SOLR_URL=http://127.0.0.1:8985/solr/ckan)"
	@echo "make solrcloud-stop  stop it"
	@echo "make test-solrcloud  the search tests on SolrCloud, and the fault test: a node stopped during a"
	@echo "                 10,000-dataset rebuild (starts make solrcloud's cluster, stopped after)"
	@echo "make axe         refresh tests/browser/vendor/axe.min.js from npm (AXE_VERSION=4.x.y; not run by the tests)"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

prod:
	@scripts/prod.sh

prod-stop:
	@scripts/prod.sh stop

prod-smoke:
	@scripts/prod-smoke.sh

install:
	@scripts/bootstrap.sh

services: install
	@scripts/services.sh govshare govshare_test

worker: install
	@.venv/bin/ckan -c config/development.ini jobs worker default govshare

lock:
	@scripts/lock.sh --resolve

clean-db:
	@scripts/clean-db.sh config/development.ini

render-production-ini:
	@scripts/render-production-ini.sh config/production.ini.tmpl $(OUT)

i18n:
	@scripts/i18n.sh

axe:
	@scripts/refresh-axe.sh

solr:
	@scripts/solr.sh start

solr-stop:
	@scripts/solr.sh stop

solrcloud:
	@scripts/solr.sh cloud-start

solrcloud-stop:
	@scripts/solr.sh cloud-stop

# one worker: every worker would share the one Solr collection, and each
# test empties it (CKAN clears the index by site_id, the same for all)
test-solrcloud:
	@TEST_SOLR=cloud TEST_WORKERS="$${TEST_WORKERS:-1}" TEST_PATHS="$${TEST_PATHS:-tests/search/test_package_search.py tests/search/test_package_search_writes.py tests/search/test_bulk.py tests/search/test_solrcloud_fault.py tests/solr}" scripts/test.sh

test-solr:
	@TEST_SOLR=1 TEST_WORKERS="$${TEST_WORKERS:-1}" TEST_PATHS="$${TEST_PATHS:-tests/search/test_package_search.py tests/search/test_package_search_writes.py tests/search/test_bulk.py tests/search/test_differential.py tests/solr}" scripts/test.sh
