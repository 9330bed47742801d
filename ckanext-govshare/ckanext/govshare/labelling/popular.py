"""Which datasets are downloaded most: receipts (logged-in downloads) and
anonymous day counts added up per dataset.

Only ids and numbers: whoever shows them must still ask ``package_search``
as the viewer which of these datasets the viewer may see (the home page).
"""
from __future__ import annotations

import sqlalchemy as sa

import ckan.model as model

_MOST_DOWNLOADED = sa.text("""
    SELECT package_id, sum(n) AS downloads FROM (
        SELECT package_id, count(*) AS n FROM govshare_download_receipt
        GROUP BY package_id
        UNION ALL
        SELECT package_id, sum(count) AS n FROM govshare_download_count
        GROUP BY package_id) AS per_table
    GROUP BY package_id
    ORDER BY downloads DESC, package_id
    LIMIT :limit""")


def most_downloaded(limit: int) -> list[tuple[str, int]]:
    """``(package_id, downloads)`` of the ``limit`` most downloaded datasets,
    whatever their tier or state, most downloaded first."""
    rows = model.Session.execute(_MOST_DOWNLOADED, {"limit": limit})
    return [(package_id, int(downloads)) for package_id, downloads in rows]
