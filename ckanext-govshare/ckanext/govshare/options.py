"""The name of every GovShare configuration option, once.

Types, defaults and descriptions are declared in ``config_declaration.yaml``
(so code reads ``tk.config.get(options.X)`` without a default of its own);
``tests/test_options.py`` checks that the two list the same options.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

# search/
SEARCH_BACKEND = "ckanext.govshare.search.backend"
SEARCH_FACET_FIELDS = "ckanext.govshare.search.facet_fields"
SEARCH_FACET_CACHE_TTL = "ckanext.govshare.search.facet_cache_ttl"
SEARCH_BATCH_SIZE = "ckanext.govshare.search.batch_size"
SEARCH_POSTINGS_FROM = "ckanext.govshare.search.postings_from"
SEARCH_POSTINGS_REFRESH_AFTER = "ckanext.govshare.search.postings_refresh_after"
SEARCH_POSTINGS_KEEP_GENERATIONS = "ckanext.govshare.search.postings_keep_generations"
SEARCH_POSTINGS_ORDER_CHUNK = "ckanext.govshare.search.postings_order_chunk"
SEARCH_POSTINGS_TIES_AFTER = "ckanext.govshare.search.postings_ties_after"
SEARCH_SYNONYMS_FILE = "ckanext.govshare.search.synonyms_file"
SEARCH_STOPWORDS_FILE = "ckanext.govshare.search.stopwords_file"
SEARCH_WARM_UP = "ckanext.govshare.search.warm_up"

# page_cache/
PAGE_CACHE_TTL = "ckanext.govshare.page_cache.ttl"

# jurisdiction/
JURISDICTION_PROFILE = "ckanext.govshare.jurisdiction.profile"
JURISDICTION_PROFILES_DIR = "ckanext.govshare.jurisdiction.profiles_dir"

# workdays.py
WORKDAYS_OVERRIDE_FILE = "ckanext.govshare.workdays.override_file"
WORKDAYS_TIMEZONE = "ckanext.govshare.workdays.timezone"

# catalog_review/
CATALOG_REVIEW_DATASET_TYPES = "ckanext.govshare.catalog_review.dataset_types"
CATALOG_REVIEW_UPDATE_REMINDER_WORKING_DAYS = \
    "ckanext.govshare.catalog_review.update_reminder_working_days"

# publication/
PUBLICATION_REVIEW = "ckanext.govshare.publication.review"

# dcat/
DCAT_PUBLISHER_NAME = "ckanext.govshare.dcat.publisher_name"
DCAT_PUBLISHER_URI = "ckanext.govshare.dcat.publisher_uri"
DCAT_PUBLISHER_EMAIL = "ckanext.govshare.dcat.publisher_email"

# applications/
APPLICATION_REMINDER_WORKING_DAYS = "ckanext.govshare.application.reminder_working_days"
APPLICATION_MAX_TERM_MONTHS = "ckanext.govshare.application.max_term_months"
APPLICATION_MAIL_ATTEMPTS = "ckanext.govshare.application.mail_attempts"

# labelling/
LABELLING_RECORD_RECEIPTS = "ckanext.govshare.labelling.record_receipts"
DOWNLOADS_ACCEL_REDIRECT = "ckanext.govshare.downloads.accel_redirect"

# portal/: the Help page's sections a sysadmin writes (/ckan-admin/config)
PORTAL_HELP_TERMS = "ckanext.govshare.portal.help_terms"
PORTAL_HELP_PRIVACY = "ckanext.govshare.portal.help_privacy"
PORTAL_HELP_CONTACT = "ckanext.govshare.portal.help_contact"

# stats/
STATS_CACHE_TTL = "ckanext.govshare.stats.cache_ttl"
STATS_STALE_FOR = "ckanext.govshare.stats.stale_for"


def config_file(value: Any) -> Path | None:
    """A file option's value as an absolute path, or None when set empty.

    A relative path is resolved against the directory of the CKAN ini file
    in use (the current directory if there is none), so the defaults name
    files in ``config/`` beside ``development.ini`` and ``test.ini``.
    """
    import ckan.plugins.toolkit as tk

    text = str(value or "").strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute():
        ini = tk.config.get("__file__")
        base = _ini_directory(str(ini)) if ini else Path.cwd()
        path = base / path
    return path


@functools.lru_cache(maxsize=8)
def _ini_directory(ini: str) -> Path:
    """The ini file's directory, resolved once: resolving costs some 70 µs
    (a system call per part of the path), and the working-day calendar and
    the jurisdiction profile ask it on every use to see whether their file
    changed (an inbox page of 50 cases: 200 times, 14 ms)."""
    return Path(ini).resolve().parent


def file_stamp(path: Path | None) -> tuple[Any, ...]:
    """What changes when a configured file is edited (its path, modification
    time and size), to re-read it only then."""
    if path is None:
        return (None,)
    try:
        stat = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), stat.st_mtime_ns, stat.st_size)
