from __future__ import annotations

import logging

import pytest


@pytest.fixture()
def engine_log(caplog):
    """The working-day engine's log records (CKAN's logging config stops
    ``ckanext`` records from reaching the root logger, where caplog listens)."""
    logger = logging.getLogger("ckanext.govshare.workdays")
    # a `ckan` command run by an earlier test re-reads the logging config,
    # which disables the loggers it does not name
    disabled, logger.disabled = logger.disabled, False
    logger.addHandler(caplog.handler)
    with caplog.at_level(logging.INFO, logger="ckanext.govshare.workdays"):
        yield caplog
    logger.removeHandler(caplog.handler)
    logger.disabled = disabled
