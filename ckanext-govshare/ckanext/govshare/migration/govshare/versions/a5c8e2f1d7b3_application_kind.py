"""applications: the procedure kind and the requesting organization

Revision ID: a5c8e2f1d7b3
Revises: d4a7c2e9f1b6
Create Date: 2026-12-02 20:45:00

One workflow serves the public's applications for conditionally open data
(``open``) and other agencies' requests for data shared on conditions
(``sharing``, 共享申请): ``kind`` says which procedure (and so which answer
period of the jurisdiction profile) an application follows, and
``requesting_org`` the organization an agency's request is made for. Every
existing application is the public's.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a5c8e2f1d7b3"
down_revision = "d4a7c2e9f1b6"
branch_labels = None
depends_on = None

TABLE = "govshare_application"


def upgrade():
    op.add_column(TABLE, sa.Column("kind", sa.UnicodeText, nullable=False,
                                   server_default="open"))
    op.add_column(TABLE, sa.Column("requesting_org", sa.UnicodeText))
    op.create_index("govshare_application_kind_idx", TABLE, ["kind", "owner_org"])


def downgrade():
    op.drop_index("govshare_application_kind_idx", TABLE)
    op.drop_column(TABLE, "requesting_org")
    op.drop_column(TABLE, "kind")
