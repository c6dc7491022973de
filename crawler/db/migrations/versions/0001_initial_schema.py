"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False, comment="or backfill"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finish_reason", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.String(length=20),
            nullable=False,
            comment="running | ok | warning | failed | blocked",
        ),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column(
            "responses_by_status",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("items_scraped", sa.Integer(), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_updated", sa.Integer(), nullable=False),
        sa.Column("items_unchanged", sa.Integer(), nullable=False),
        sa.Column("reposts", sa.Integer(), nullable=False, comment="new copies of known policies"),
        sa.Column("items_failed", sa.Integer(), nullable=False, comment="not stored"),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column(
            "dropped_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("newest_publish_date", sa.Date(), nullable=True),
        sa.Column(
            "problems",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="health problems",
        ),
        sa.Column(
            "stats",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(
        "ix_crawl_runs_site_started_at", "crawl_runs", ["site", "started_at"], unique=False
    )
    op.create_table(
        "failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=100), nullable=False),
        sa.Column("url_key", sa.String(length=2048), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False, comment="list | article"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failures")),
        sa.UniqueConstraint("site", "url_key", name=op.f("uq_failures_site")),
    )
    op.create_index(op.f("ix_failures_next_retry_at"), "failures", ["next_retry_at"], unique=False)
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=100), nullable=False, comment="spider name"),
        sa.Column("name", sa.String(length=200), nullable=True, comment="agency or site name"),
        sa.Column("region", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("site", name=op.f("uq_sources_site")),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "url_key",
            sa.String(length=2048),
            nullable=False,
            comment="the page across URL spellings (upsert key)",
        ),
        sa.Column("url", sa.String(length=2048), nullable=False, comment="canonical URL"),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=100), nullable=False, comment="spider name"),
        sa.Column("source_name", sa.String(length=200), nullable=True, comment="publishing agency"),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("publish_date", sa.Date(), nullable=True, comment="发布日期"),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="发布时间, only when the page gives a time",
        ),
        sa.Column("written_date", sa.Date(), nullable=True, comment="成文日期"),
        sa.Column("doc_number", sa.String(length=200), nullable=True, comment="发文字号"),
        sa.Column("issuer", sa.Text(), nullable=True, comment="发文机关 as printed"),
        sa.Column(
            "issuers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="发文机关, split",
        ),
        sa.Column("index_number", sa.String(length=200), nullable=True, comment="索引号"),
        sa.Column("topic", sa.Text(), nullable=True, comment="主题分类"),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True, comment="sanitised HTML"),
        sa.Column(
            "title_simplified",
            sa.Text(),
            nullable=True,
            comment="title in simplified characters, only when it differs (search)",
        ),
        sa.Column(
            "body_simplified",
            sa.Text(),
            nullable=True,
            comment="body_text in simplified characters, only when it differs (search)",
        ),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "document_key",
            sa.String(length=400),
            nullable=True,
            comment="发文字号|发文机关, when both are known",
        ),
        sa.Column(
            "cluster_id",
            sa.Integer(),
            nullable=True,
            comment="copies of one policy share it (id of the first stored copy)",
        ),
        sa.Column(
            "dedup_layer",
            sa.String(length=20),
            nullable=True,
            comment="how it joined its cluster: content | document | near; NULL if first",
        ),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "http_etag", sa.String(length=500), nullable=True, comment="for conditional revisits"
        ),
        sa.Column(
            "http_last_modified",
            sa.String(length=100),
            nullable=True,
            comment="for conditional revisits",
        ),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, comment="last content change"
        ),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_articles_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("url_key", name=op.f("uq_articles_url_key")),
    )
    op.create_index(op.f("ix_articles_cluster_id"), "articles", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_articles_content_hash"), "articles", ["content_hash"], unique=False)
    op.create_index(op.f("ix_articles_doc_number"), "articles", ["doc_number"], unique=False)
    op.create_index(op.f("ix_articles_document_key"), "articles", ["document_key"], unique=False)
    op.create_index(op.f("ix_articles_publish_date"), "articles", ["publish_date"], unique=False)
    op.create_index(op.f("ix_articles_site"), "articles", ["site"], unique=False)
    op.create_index(op.f("ix_articles_source_id"), "articles", ["source_id"], unique=False)
    op.create_index(op.f("ix_articles_url"), "articles", ["url"], unique=False)
    op.create_table(
        "article_signatures",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_signatures_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_article_signatures")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("file_type", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_attachments_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("article_id", "position", name=op.f("uq_attachments_article_id")),
    )
    op.create_table(
        "lsh_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_lsh_bands_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band_key", "article_id", name=op.f("pk_lsh_bands")),
    )
    op.create_index(op.f("ix_lsh_bands_article_id"), "lsh_bands", ["article_id"], unique=False)
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column(
            "replaced_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="when it was replaced",
        ),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("diff", sa.Text(), nullable=True, comment="unified diff to the next version"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_revisions_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
    )
    op.create_index(op.f("ix_revisions_article_id"), "revisions", ["article_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_revisions_article_id"), table_name="revisions")
    op.drop_table("revisions")
    op.drop_index(op.f("ix_lsh_bands_article_id"), table_name="lsh_bands")
    op.drop_table("lsh_bands")
    op.drop_table("attachments")
    op.drop_table("article_signatures")
    op.drop_index(op.f("ix_articles_url"), table_name="articles")
    op.drop_index(op.f("ix_articles_source_id"), table_name="articles")
    op.drop_index(op.f("ix_articles_site"), table_name="articles")
    op.drop_index(op.f("ix_articles_publish_date"), table_name="articles")
    op.drop_index(op.f("ix_articles_document_key"), table_name="articles")
    op.drop_index(op.f("ix_articles_doc_number"), table_name="articles")
    op.drop_index(op.f("ix_articles_content_hash"), table_name="articles")
    op.drop_index(op.f("ix_articles_cluster_id"), table_name="articles")
    op.drop_table("articles")
    op.drop_table("sources")
    op.drop_index(op.f("ix_failures_next_retry_at"), table_name="failures")
    op.drop_table("failures")
    op.drop_index("ix_crawl_runs_site_started_at", table_name="crawl_runs")
    op.drop_table("crawl_runs")
