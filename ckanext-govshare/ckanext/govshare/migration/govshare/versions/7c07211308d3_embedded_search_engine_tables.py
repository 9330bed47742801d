"""embedded search engine tables

Revision ID: 7c07211308d3
Revises:
Create Date: 2026-11-21

Three tables, split by how often a query touches them:

* ``govshare_search_doc``: one narrow row per indexed document with the
  columns every query filters, sorts or facets on; facet values are
  integer-coded in ``facet_values`` (ids in ``govshare_search_facet_value``).
* ``govshare_search_text``: the same narrow columns plus the weighted
  full-text vector (Chinese bigrams and jieba words, stemmed English) and a
  small vector of the title, name, tags and groups that ranking reads: text
  queries read this table only.
* ``govshare_search_store``: every field as JSONB for generic field queries,
  per-field vectors for fielded text queries, and the stored document
  returned by ``fl``.
* ``govshare_search_meta``: one row, an epoch and a generation bumped by every
  write, that keys the facet cache so it is invalidated with each change.
"""
from alembic import op

revision = "7c07211308d3"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE govshare_search_meta (
            epoch uuid NOT NULL DEFAULT gen_random_uuid(),
            generation bigint NOT NULL DEFAULT 0
        );
        INSERT INTO govshare_search_meta DEFAULT VALUES;
        CREATE TABLE govshare_search_facet_value (
            value_id serial PRIMARY KEY,
            field text NOT NULL,
            value text NOT NULL,
            UNIQUE (field, value)
        );
        CREATE TABLE govshare_search_doc (
            doc_id serial PRIMARY KEY,
            index_id text NOT NULL UNIQUE,
            id text NOT NULL,
            name text,
            site_id text,
            entity_type text,
            dataset_type text,
            state text,
            capacity text,
            permission_labels text[] NOT NULL DEFAULT '{}',
            metadata_created timestamptz,
            metadata_modified timestamptz,
            title_string text COLLATE "C",
            facet_values int[] NOT NULL DEFAULT '{}'
        );
        CREATE INDEX govshare_search_doc_id_idx ON govshare_search_doc (id);
        CREATE INDEX govshare_search_doc_name_idx ON govshare_search_doc (name);
        CREATE INDEX govshare_search_doc_modified_idx
            ON govshare_search_doc (metadata_modified);
        CREATE INDEX govshare_search_doc_created_idx
            ON govshare_search_doc (metadata_created);
        CREATE INDEX govshare_search_doc_title_idx ON govshare_search_doc (title_string);
        CREATE INDEX govshare_search_doc_facets_idx
            ON govshare_search_doc USING gin (facet_values);
        CREATE INDEX govshare_search_doc_labels_idx
            ON govshare_search_doc USING gin (permission_labels);

        -- The same narrow columns again, with the full-text vector and the
        -- small ranking vector: a text query is answered by one GIN bitmap
        -- scan of this table, filters, ranking and facets included, with
        -- no join.
        CREATE TABLE govshare_search_text (
            LIKE govshare_search_doc INCLUDING DEFAULTS,
            tsv tsvector NOT NULL,
            rank_tsv tsvector NOT NULL,
            PRIMARY KEY (doc_id),
            FOREIGN KEY (doc_id) REFERENCES govshare_search_doc (doc_id) ON DELETE CASCADE
        );
        ALTER TABLE govshare_search_text ALTER COLUMN doc_id DROP DEFAULT;
        CREATE INDEX govshare_search_text_tsv_idx
            ON govshare_search_text USING gin (tsv);

        CREATE TABLE govshare_search_store (
            doc_id int PRIMARY KEY
                REFERENCES govshare_search_doc (doc_id) ON DELETE CASCADE,
            fields jsonb NOT NULL,
            field_tsv jsonb NOT NULL DEFAULT '{}',
            stored jsonb NOT NULL,
            data_dict text,
            validated_data_dict text
        );
        CREATE INDEX govshare_search_store_fields_idx
            ON govshare_search_store USING gin (fields jsonb_path_ops);
        """
    )


def downgrade():
    op.execute(
        """
        DROP TABLE govshare_search_store;
        DROP TABLE govshare_search_text;
        DROP TABLE govshare_search_doc;
        DROP TABLE govshare_search_facet_value;
        DROP TABLE govshare_search_meta;
        """
    )
