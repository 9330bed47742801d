"""statistics and the public's lists: indexes measured at 100,000

Revision ID: e5c3a9d1b7f2
Revises: c2a9e5d7f3b1
Create Date: 2026-12-03 08:00:00

Measured with ``bench/stats.py`` and ``bench/lists.py`` (100,000 datasets,
a million download receipts, 100,000 applications, error reports and data
requests each) and EXPLAIN ANALYZE of their queries (the README's
Benchmarks):

* ``govshare_download_receipt (package_id)``: the most downloaded datasets
  and every dataset's total are one ordered pass over this index (no hash
  of a million rows: about 700 ms before), one dataset's count a range;
* ``govshare_download_receipt (obtained_at)``: downloads per month, each
  month a range of it (the whole table read before);
* ``govshare_application (kind, owner_org)`` now includes what the answer
  figures count, so every kind's report is read from the index alone
  (100,000 rows fetched from the table one by one before: 300 ms);
* ``govshare_data_request (answered_at)``: the statistics' cache is keyed by
  the latest answer to a data request (an answer writes no event), one
  step down this index.

The public's lists (``govshare_error_report_list``,
``govshare_data_request_list``): a page is read in its order from an index,
its total counted from an index alone:

* ``govshare_application (kind, created_at DESC, id)``: every error report,
  newest first (a sysadmin's list: all 100,000 sorted for 50 before, 99 ms);
  a dataset's, an agency's and a reporter's have their indexes already;
* ``govshare_data_request (owner_org, support_count, created_at)`` and
  ``(state, support_count, created_at)``: an agency's requests and those in
  a state, by support, and their totals (the whole table read to count them
  before, 35 ms); newest first reads ``(created_at)``.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "e5c3a9d1b7f2"
down_revision = "c2a9e5d7f3b1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE INDEX govshare_download_receipt_package_idx
            ON govshare_download_receipt (package_id);
        CREATE INDEX govshare_download_receipt_obtained_idx
            ON govshare_download_receipt (obtained_at);
        DROP INDEX IF EXISTS govshare_application_kind_idx;
        CREATE INDEX govshare_application_kind_idx ON govshare_application (kind, owner_org)
            INCLUDE (state, due_date, answered_late, answer_working_days,
                     wait_working_days);
        CREATE INDEX govshare_data_request_answered_idx
            ON govshare_data_request (answered_at);
        CREATE INDEX govshare_application_kind_created_idx
            ON govshare_application (kind, created_at DESC, id);
        CREATE INDEX govshare_data_request_org_idx
            ON govshare_data_request (owner_org, support_count, created_at);
        CREATE INDEX govshare_data_request_state_idx
            ON govshare_data_request (state, support_count, created_at);
    """)


def downgrade():
    op.execute("""
        DROP INDEX IF EXISTS govshare_data_request_state_idx;
        DROP INDEX IF EXISTS govshare_data_request_org_idx;
        DROP INDEX IF EXISTS govshare_application_kind_created_idx;
        DROP INDEX IF EXISTS govshare_data_request_answered_idx;
        DROP INDEX IF EXISTS govshare_application_kind_idx;
        CREATE INDEX govshare_application_kind_idx ON govshare_application (kind, owner_org);
        DROP INDEX IF EXISTS govshare_download_receipt_obtained_idx;
        DROP INDEX IF EXISTS govshare_download_receipt_package_idx;
    """)
