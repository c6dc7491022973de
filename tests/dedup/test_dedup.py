"""De-duplication layers, clusters and revisions, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, select

from crawler.db.models import Article, Revision
from crawler.db.store import ArticleStore, SourceInfo
from crawler.dedup.minhash import document_key, signature
from crawler.dedup.urls import url_key
from tests.support.records import BODY, OTHER_BODY, PARAGRAPHS, item


def rows(engine: Engine) -> dict[str, Article]:
    with engine.connect() as conn:
        return {r.url: r for r in conn.execute(select(Article))}  # type: ignore[misc]


def test_url_key_ignores_scheme_www_index_page_and_tracking() -> None:
    key = url_key("https://www.moe.gov.cn/s271/")
    assert url_key("http://moe.gov.cn/s271/index.html") == key
    assert url_key("https://www.moe.gov.cn/s271/index.html?utm_source=wechat#top") == key
    assert url_key("https://www.moe.gov.cn/s272/") != key


def test_document_key_needs_both_fields() -> None:
    assert document_key("国办发〔2024〕52号", "国务院办公厅") == "国办发202452号|国务院办公厅"
    assert document_key("国办发〔2024〕52号", None) is None


def test_another_spelling_of_a_known_url_updates_the_same_row(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([item("http://www.gov.cn/zhengce/content_1.htm")], SourceInfo("cn_gov"))
    result = store.write([item("https://gov.cn/zhengce/content_1.htm")], SourceInfo("cn_gov"))
    assert (result.new, result.layers["url_variant"]) == (0, 1)
    assert len(rows(engine)) == 1


def test_the_same_content_at_another_url_joins_the_cluster(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([item("https://www.gov.cn/a.htm")], SourceInfo("cn_gov"))
    result = store.write(
        [item("https://edu.sh.gov.cn/b.html", site="sh_edu")], SourceInfo("sh_edu")
    )
    assert (result.new, result.layers["content"]) == (1, 1)
    stored = rows(engine)
    original, repost = stored["https://www.gov.cn/a.htm"], stored["https://edu.sh.gov.cn/b.html"]
    assert original.cluster_id == original.id and original.dedup_layer is None
    assert repost.cluster_id == original.id and repost.dedup_layer == "content"


def test_the_same_document_number_and_issuer_join_the_cluster(engine: Engine) -> None:
    store = ArticleStore(engine)
    fields = {"doc_number": "国办发〔2024〕52号", "issuer": "国务院办公厅"}
    store.write([item("https://www.gov.cn/a.htm", **fields)], SourceInfo("cn_gov"))
    result = store.write(
        [item("https://jyt.zj.gov.cn/b.html", body=OTHER_BODY, site="zj_jyt", **fields)],
        SourceInfo("zj_jyt"),
    )
    assert result.layers["document"] == 1
    stored = rows(engine)
    assert (
        stored["https://jyt.zj.gov.cn/b.html"].cluster_id == stored["https://www.gov.cn/a.htm"].id
    )


def test_a_repost_with_another_lead_and_small_edits_is_a_near_duplicate(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([item("https://www.gov.cn/a.htm")], SourceInfo("cn_gov"))
    edited = "\n".join(
        [
            "（来源：中国政府网）各区教育局、卫生健康委：现将国务院办公厅文件转发给你们，请认真贯彻落实。"
        ]
        + [p.replace("各地", "各区") for p in PARAGRAPHS]
        + ["上海市教育委员会办公室　2024年12月2日"]
    )
    result = store.write(
        [item("https://edu.sh.gov.cn/c.html", body=edited, site="sh_edu")], SourceInfo("sh_edu")
    )
    assert result.layers["near"] == 1
    stored = rows(engine)
    assert (
        stored["https://edu.sh.gov.cn/c.html"].cluster_id == stored["https://www.gov.cn/a.htm"].id
    )
    assert stored["https://edu.sh.gov.cn/c.html"].dedup_layer == "near"


def test_a_repost_in_traditional_characters_is_a_near_duplicate(engine: Engine) -> None:
    import opencc

    store = ArticleStore(engine)
    store.write([item("https://www.gov.cn/a.htm")], SourceInfo("cn_gov"))
    traditional = opencc.OpenCC("s2t").convert(BODY)  # as a Hong Kong or Taiwan site prints it
    assert traditional != BODY
    result = store.write(
        [item("https://www.example.com.hk/c.html", body=traditional, site="hk")], SourceInfo("hk")
    )
    assert result.layers["near"] == 1


def test_distinct_documents_stay_in_clusters_of_their_own(engine: Engine) -> None:
    store = ArticleStore(engine)
    result = store.write(
        [
            item("https://www.gov.cn/a.htm"),
            item("https://www.gov.cn/b.htm", body=OTHER_BODY, title="宣传月"),
        ],
        SourceInfo("cn_gov"),
    )
    assert result.layers["original"] == 2
    stored = rows(engine)
    assert (
        stored["https://www.gov.cn/a.htm"].cluster_id
        != stored["https://www.gov.cn/b.htm"].cluster_id
    )


def test_copies_within_one_batch_share_a_cluster(engine: Engine) -> None:
    result = ArticleStore(engine).write(
        [item("https://www.gov.cn/a.htm"), item("https://www.moe.gov.cn/b.html", site="cn_gov")],
        SourceInfo("cn_gov"),
    )
    assert (result.layers["original"], result.layers["content"]) == (1, 1)
    clusters = {r.cluster_id for r in rows(engine).values()}
    assert len(clusters) == 1


def test_a_changed_page_keeps_its_previous_version_with_a_diff(engine: Engine) -> None:
    store = ArticleStore(engine)
    store.write([item("https://www.gov.cn/a.htm")], SourceInfo("cn_gov"))
    revised = BODY.replace("每千人口", "每千人").replace("四、强化组织保障。", "四、加强组织领导。")
    result = store.write([item("https://www.gov.cn/a.htm", body=revised)], SourceInfo("cn_gov"))
    assert result.updated == 1
    with engine.connect() as conn:
        [revision] = conn.execute(select(Revision)).all()
        current = conn.execute(select(Article.body_text)).scalar_one()
    assert revision.body_text == BODY
    assert current == revised
    assert "-四、强化组织保障。" in revision.diff and "+四、加强组织领导。" in revision.diff


def test_signatures_are_datasketch_minhashes_value_for_value() -> None:
    import numpy as np
    from datasketch import MinHash

    from crawler.dedup.minhash import (
        NUM_PERM,
        SEED,
        minhash_values,
        normalised_text,
        shingle_hashes,
    )

    rng = np.random.default_rng(7)
    inputs = [
        shingle_hashes(normalised_text(BODY)),
        rng.integers(0, 2**32, size=3_000, dtype=np.uint64),  # the whole 32-bit range
        np.array([0, 2**32 - 1], dtype=np.uint64),
        np.array([5, 5, 5], dtype=np.uint64),
    ]
    for hashes in inputs:
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda v: v)
        reference.update_batch(hashes.tolist())
        assert minhash_values(hashes).tolist() == reference.hashvalues.tolist()
    signed = signature(BODY)
    assert signed is not None
    assert signed.values.tolist() == minhash_values(inputs[0]).tolist()


def test_prepared_articles_bring_their_signatures_and_the_signer_signs_the_rest(
    engine: Engine,
) -> None:
    signed: list[str | None] = []

    def signer(bodies: list[str | None]) -> list[object]:
        signed.extend(bodies)
        return [signature(body) for body in bodies]

    store = ArticleStore(engine, signer=signer)  # type: ignore[arg-type]
    original = item("https://www.gov.cn/a.htm")
    repost = item("https://edu.sh.gov.cn/c.html", body="（转载）" + BODY, site="sh_edu")
    repost.signature = signature(repost.body_text)  # as crawler.records.prepare signs it
    short = item("https://www.gov.cn/b.htm", body="见附件。")
    store.write([original, short], SourceInfo("cn_gov"))
    result = store.write([repost], SourceInfo("sh_edu"))
    assert signed == [BODY]  # the signed one was not signed again, nor a body too short to sign
    assert result.layers["near"] == 1  # its own signature found the original


def test_short_bodies_get_no_signature() -> None:
    assert signature("见附件。") is None
    assert signature(BODY) is not None


def test_the_readme_queries_answer_on_a_cluster_and_a_revision(engine: Engine) -> None:
    import re

    from sqlalchemy import text

    from tests.support.paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    copies, by_number, changes = re.findall(r"```sql\n(.*?)```", readme, re.S)[:3]
    store = ArticleStore(engine)
    url = "https://www.gov.cn/zhengce/content/202411/content_6989123.htm"
    fields = {"doc_number": "国办发〔2024〕52号", "issuer": "国务院办公厅"}
    gov = {"source_name": "中国政府网", **fields}
    store.write([item(url, **gov)], SourceInfo("cn_gov"))
    store.write(
        [item("https://edu.sh.gov.cn/b.html", site="sh_edu", source_name="上海市教委", **fields)],
        SourceInfo("sh_edu"),
    )
    store.write([item(url, body=BODY + "\n（此件公开发布）", **gov)], SourceInfo("cn_gov"))
    with engine.connect() as conn:
        first_id = conn.execute(select(Article.id).where(Article.url == url)).scalar_one()
        assert len(conn.execute(text(copies.replace("42", str(first_id)))).all()) == 2
        agencies = [row.source_name for row in conn.execute(text(by_number))]
        assert sorted(agencies) == ["上海市教委", "中国政府网"]
        [change] = conn.execute(text(changes)).all()
    assert "+（此件公开发布）" in change.diff


def band_rows(engine: Engine) -> dict[int, set[int]]:
    from crawler.db.models import LshBand

    found: dict[int, set[int]] = {}
    with engine.connect() as conn:
        for key, article_id in conn.execute(select(LshBand.band_key, LshBand.article_id)):
            found.setdefault(article_id, set()).add(key)
    return found


def test_migration_0005_keeps_16_of_the_32_band_keys_and_stored_copies_are_still_found(
    engine: Engine,
) -> None:
    from importlib import import_module

    from crawler.db import current_revision, head_revision, upgrade
    from crawler.dedup.minhash import BANDS
    from tests.support.databases import downgrade

    migration = import_module("crawler.db.migrations.versions.0005_lsh_16_bands")
    store = ArticleStore(engine)
    store.write(
        [item("https://www.gov.cn/a.htm"), item("https://www.moe.gov.cn/b.htm", body=OTHER_BODY)],
        SourceInfo("cn_gov"),
    )
    current = band_rows(engine)
    assert [len(keys) for keys in current.values()] == [BANDS, BANDS] == [16, 16]
    for body in (BODY, OTHER_BODY):  # the migration's own key computation is the code's
        signed = signature(body)
        assert signed is not None
        assert migration.band_keys(signed.to_bytes(), BANDS) == signed.band_keys()

    downgrade(engine, "0004")  # the 32 bands of the previous code
    older = band_rows(engine)
    assert {id_: len(keys) for id_, keys in older.items()} == {id_: 32 for id_ in current}
    assert all(current[id_] < older[id_] for id_ in current)

    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert band_rows(engine) == current
    repost = "（转载）" + BODY.replace("各地", "各区")
    result = store.write(
        [item("https://edu.sh.gov.cn/c.html", body=repost, site="sh_edu")], SourceInfo("sh_edu")
    )
    assert result.layers["near"] == 1


def test_migration_0006_stores_band_keys_without_rowid_and_keeps_them(engine: Engine) -> None:
    from crawler.db import current_revision, head_revision, upgrade
    from tests.support.databases import downgrade

    def without_rowid() -> bool:
        with engine.connect() as conn:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'lsh_bands'"
            ).scalar_one()
        return "WITHOUT ROWID" in sql

    store = ArticleStore(engine)
    store.write(
        [item("https://www.gov.cn/a.htm"), item("https://www.moe.gov.cn/b.htm", body=OTHER_BODY)],
        SourceInfo("cn_gov"),
    )
    stored = band_rows(engine)
    assert len(stored) == 2
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        assert without_rowid()

    downgrade(engine, "0005")
    assert band_rows(engine) == stored
    if sqlite:
        assert not without_rowid()

    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert band_rows(engine) == stored
    if sqlite:
        assert without_rowid()
        with engine.connect() as conn:  # the index on article_id is back, and used
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT band_key FROM lsh_bands WHERE article_id = 1"
            ).all()
        assert "ix_lsh_bands_article_id" in " ".join(str(row) for row in plan)
    repost = "（转载）" + BODY.replace("各地", "各区")
    result = store.write(
        [item("https://edu.sh.gov.cn/c.html", body=repost, site="sh_edu")], SourceInfo("sh_edu")
    )
    assert result.layers["near"] == 1
    with engine.begin() as conn:  # deleting an article still deletes its band keys
        conn.exec_driver_sql("DELETE FROM articles WHERE url = 'https://www.moe.gov.cn/b.htm'")
    assert len(band_rows(engine)) == 2
