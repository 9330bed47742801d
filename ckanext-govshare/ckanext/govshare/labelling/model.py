"""Download receipts and anonymous download counts.

* ``govshare_download_receipt``: one row per download by a logged-in user
  (web session or API token): what, which version (the resource's
  ``last_modified`` and the dataset's ``metadata_modified`` at that moment)
  and when it was obtained. Their own receipts back the "obtained date" of a
  data product's sources.
* ``govshare_download_count``: anonymous downloads, counted per resource and
  day (China time), with nothing about who.

Created by the migration ``d8e24b6a1f90`` (``ckan db upgrade -p govshare``).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

import ckan.plugins.toolkit as tk


class DownloadReceipt(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_download_receipt"

    id: Mapped[int] = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    resource_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    resource_modified: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    metadata_modified: Mapped[Optional[dt.datetime]] = sa.Column(sa.DateTime)
    obtained_at: Mapped[dt.datetime] = sa.Column(sa.DateTime, nullable=False)
    #: ``web`` (a browser session) or ``api`` (an API token)
    channel: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)


class DownloadCount(tk.BaseModel):  # type: ignore[misc, valid-type]
    __tablename__ = "govshare_download_count"

    resource_id: Mapped[str] = sa.Column(sa.UnicodeText, primary_key=True)
    day: Mapped[dt.date] = sa.Column(sa.Date, primary_key=True)
    package_id: Mapped[str] = sa.Column(sa.UnicodeText, nullable=False)
    count: Mapped[int] = sa.Column(sa.BigInteger, nullable=False, default=0)
