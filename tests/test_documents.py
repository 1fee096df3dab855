"""Article metadata (title, date, author, link), PDF and DOCX ingestion with
page numbers, and the `where` filter, on the real embedder, Chroma and model.

The PDF and DOCX fixtures are written here with reportlab and python-docx, so
they are real files made by real tools, not hand-built bytes."""

from __future__ import annotations

import io
import shutil
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

import pytest

from assistant import Assistant, Citation, Answer, QuestionError, Where
from assistant.formats import NO_TEXT_LAYER, iso_date
from assistant.lexical import DocMeta
from assistant.loading import headline, parse_article, read_article
from assistant.retrieval import NO_MATCH
from conftest import SEEDS

BERTH_URL = "https://example.org/porto-berth"

HTML = f"""<!doctype html><html><head>
<title>Porto harbour opens a deep-water berth | Porto Daily</title>
<meta property="og:title" content="Porto harbour opens a deep-water berth | Porto Daily">
<meta property="og:site_name" content="Porto Daily">
<meta property="article:published_time" content="2024-03-05T09:30:00+00:00">
<meta name="author" content="Ana Lima">
<link rel="canonical" href="{BERTH_URL}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Porto harbour opens a deep-water berth", "datePublished": "2024-03-05",
 "author": {{"@type": "Person", "name": "Ana Lima"}}}}</script>
</head><body><nav>Home | Ports | Shipping</nav><article>
<h1>Porto harbour opens a deep-water berth</h1>
<p>The Porto harbour authority opened a deep-water berth at Leixoes on Monday.</p>
<p>The new berth is 18 metres deep and can receive the largest container ships.</p>
<p>It cost 62 million euros, shared by the port and the European Union.</p>
</article><footer>Copyright Porto Daily</footer></body></html>"""

MARKDOWN = """---
title: "Iberian **lynx** numbers pass 2,000"
date: 2023-06-12
author: Marta Gil
link: https://example.org/lynx-census
---

A census counted 2,021 Iberian lynxes in Spain and Portugal in 2023.

Twenty years ago fewer than 100 of the cats remained, most of them in Andalusia.
"""

TEXT = """**Tejo Azul**

The Tejo Azul ferry line will link Lisbon and Seixal from next spring, the city council said.
Each crossing will take twenty minutes and cost two euros.
"""

PDF_PAGES = [
    ["Harbour machinery report",
     "The Porto harbour authority published its yearly machinery figures on Monday.",
     "Cargo volumes rose in every quarter of the year."],
    ["The new container crane at Leixoes cost 14 million euros.",
     "It was built by a firm from Rotterdam and entered service in May."],
]


def write_pdf(path: Path, pages: list[list[str]], created: str = "D:20221120100000Z", author: str = "Ines Duarte",
              password: str = "") -> Path:
    """A real PDF with a text layer (one line of text per item), via reportlab;
    an empty page list item gives a page with a drawing and no text."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    c = canvas.Canvas(raw, pagesize=A4)
    for lines in pages:
        c.rect(60, 60, 200, 100)  # something on every page, text or not
        y = 780
        for line in lines:
            c.drawString(72, y, line)
            y -= 18
        c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw.getvalue())))
    writer.add_metadata({"/CreationDate": created, "/Author": author, "/Title": "untitled"})
    if password:
        writer.encrypt(password)
    with path.open("wb") as out:
        writer.write(out)
    return path


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Lisbon ferry fleet goes electric"
    d.core_properties.author = "Rui Costa"
    d.core_properties.created = datetime(2024, 9, 1, 8, 0)
    d.add_paragraph("Transtejo received its tenth electric ferry in August, the operator said.")
    d.add_paragraph("Each electric ferry carries 540 passengers across the Tagus.")
    d.save(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("documents")
    (folder / "berth.html").write_text(HTML)
    (folder / "lynx.md").write_text(MARKDOWN)
    (folder / "tejo.txt").write_text(TEXT)
    write_pdf(folder / "machinery.pdf", PDF_PAGES)
    write_docx(folder / "ferry.docx")
    return folder


@pytest.fixture(scope="module")
def lib(module_assistant, corpus):
    """The seeds plus the corpus above, and the ingest report."""
    report = module_assistant.ingest([corpus])
    return module_assistant, report


def doc(a: Assistant, source: str):
    return next(d for d in a.documents() if d.source == source)


# -- metadata ---------------------------------------------------------------------
def test_html_meta_and_json_ld_give_title_date_author_and_link(lib):
    a, report = lib
    assert {r.status for r in report.results} == {"added"}, [(r.path, r.reason) for r in report.results]
    d = doc(a, "berth.html")
    assert (d.title, d.published, d.author, d.url) == (
        "Porto harbour opens a deep-water berth", "2024-03-05", "Ana Lima", BERTH_URL)
    hit = a.search("deep-water berth Leixoes metres", k=1)[0]
    assert (hit.doc_id, hit.url, hit.published, hit.author, hit.page) == (d.doc_id, BERTH_URL, "2024-03-05",
                                                                          "Ana Lima", None)
    assert "Home | Ports" not in hit.text


def test_markdown_front_matter_is_metadata_not_text(lib):
    a, _ = lib
    d = doc(a, "lynx.md")
    assert (d.title, d.published, d.author, d.url) == (
        "Iberian lynx numbers pass 2,000", "2023-06-12", "Marta Gil", "https://example.org/lynx-census")
    assert all("Marta Gil" not in p.text and "title:" not in p.text for p in a.search("Iberian lynx census", k=3))


def test_plain_text_first_line_is_the_headline_without_markdown(lib):
    a, _ = lib
    d = doc(a, "tejo.txt")
    assert (d.title, d.published, d.author, d.url) == ("Tejo Azul", "", "", "")
    article = parse_article(TEXT, "tejo.txt")
    assert article.text.startswith("The Tejo Azul ferry")  # the title line is not in the body


def test_long_first_sentence_gives_a_clause_not_a_cut_off_title():
    article = read_article(SEEDS / "002_60c3e1250ff692ad.txt")
    assert article.title == "Amazon Web Services chips will reportedly be used to train Apple Intelligence models"
    long = ("The regional council approved on Tuesday after a debate lasting most of the night the new budget "
            "for public transport in the three valleys which is larger than last year. More text follows here.")
    title = headline(long)
    assert title.endswith("…") and len(title) <= 120
    assert title.split()[-1].rstrip("…") not in ("which", "is", "the", "of", "for", "in")
    assert headline("Short news about a bridge. Then more.") == "Short news about a bridge"


def test_dates_are_normalized_and_metadata_survives_old_chunks():
    assert iso_date("March 5, 2024") == iso_date("2024-03-05T10:00:00Z") == "2024-03-05"
    assert iso_date("not a date") == iso_date("") == iso_date(None) == ""
    assert DocMeta.from_store({}) == DocMeta()  # chunks stored before metadata existed
    meta = DocMeta("https://x.org/a", "2024-01-02", "A", (0, 120))
    assert DocMeta.from_store(meta.to_store()) == meta


def test_documents_cli_shows_date_author_and_link(lib, capsys):
    from assistant.cli import main

    a, _ = lib
    assert main(["--data-dir", str(a.settings.data_dir), "documents"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if "berth.html" in l)
    assert "2024-03-05" in line
    assert f"by Ana Lima  {BERTH_URL}" in out


# -- PDF and DOCX -----------------------------------------------------------------
def test_pdf_pages_are_located_in_the_text(lib, corpus):
    article = read_article(corpus / "machinery.pdf")
    assert article.title == "Harbour machinery report"
    assert (article.published, article.author) == ("2022-11-20", "Ines Duarte")
    assert len(article.page_starts) == 2
    second = article.text.index("The new container crane")
    assert article.page_starts[1] == second
    a, _ = lib
    hit = a.search("container crane Leixoes Rotterdam", k=1)[0]
    assert hit.source == "machinery.pdf" and hit.page_at(hit.start + hit.text.index("The new container")) == 2


def test_docx_text_and_properties(lib):
    a, _ = lib
    d = doc(a, "ferry.docx")
    assert (d.title, d.published, d.author) == ("Lisbon ferry fleet goes electric", "2024-09-01", "Rui Costa")
    hit = a.search("electric ferry passengers Tagus", k=1)[0]
    assert hit.source == "ferry.docx" and "540 passengers" in hit.text


def test_scanned_encrypted_and_broken_files_are_skipped_with_a_reason(module_assistant, tmp_path):
    write_pdf(tmp_path / "scan.pdf", [[], []])
    write_pdf(tmp_path / "locked.pdf", PDF_PAGES, password="s3cret")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a PDF")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip archive")
    report = module_assistant.ingest([tmp_path])
    reasons = {Path(r.path).name: (r.status, r.reason) for r in report.results}
    assert reasons["scan.pdf"] == ("skipped", NO_TEXT_LAYER)
    assert reasons["locked.pdf"][0] == "skipped" and "encrypted" in reasons["locked.pdf"][1]
    assert reasons["broken.pdf"][0] == "skipped" and "cannot read the PDF" in reasons["broken.pdf"][1]
    assert reasons["broken.docx"][0] == "skipped" and "cannot read the DOCX" in reasons["broken.docx"][1]


# -- where ------------------------------------------------------------------------
def test_where_by_doc_ids_limits_both_dense_and_lexical_search(lib):
    a, _ = lib
    berth = doc(a, "berth.html").doc_id
    hits = a.search("container crane cost Leixoes", k=5, where={"doc_ids": [berth]})
    assert hits and {h.doc_id for h in hits} == {berth}
    vector = a.embedder.embed(["container crane"])[0]
    assert {c.doc_id for c, _ in a.library.store.query(vector, 20, [berth])} == {berth}
    assert {cid.split(":")[0] for cid, _ in a.library.lexical.search("container crane", 20, [berth])} == {berth}
    unfiltered = a.search("container crane cost Leixoes", k=5)
    assert unfiltered[0].source == "machinery.pdf"


def test_where_by_date_range_is_inclusive_and_leaves_out_undated_articles(lib):
    a, _ = lib
    dated_2024 = {doc(a, s).doc_id for s in ("berth.html", "ferry.docx")}
    hits = a.search("harbour ferry lynx crane Apple", k=20, where=Where(since="2024-01-01"))
    assert hits and {h.doc_id for h in hits} <= dated_2024
    hits = a.search("harbour ferry lynx crane Apple", k=20, where={"since": "2023-06-12", "until": "2023-06-12"})
    assert hits and {h.source for h in hits} == {"lynx.md"}
    assert a.search("Apple chips", k=5, where={"until": "2030-01-01"})  # dated articles exist before 2030 ...
    assert all(h.published for h in a.search("Apple chips", k=20, where={"until": "2030-01-01"}))  # ... seeds are undated


def test_where_is_checked_with_clear_messages(lib):
    a, _ = lib
    with pytest.raises(QuestionError, match="ISO date YYYY-MM-DD"):
        a.search("crane", where={"since": "05/03/2024"})
    with pytest.raises(QuestionError, match="unknown key"):
        a.search("crane", where={"from": "2024-01-01"})
    with pytest.raises(QuestionError, match="after"):
        Where(since="2024-02-01", until="2024-01-01")
    with pytest.raises(QuestionError, match="doc_ids"):
        Where.of({"doc_ids": [3]})
    with pytest.raises(QuestionError, match="top_k"):
        a.ask("How much did the crane cost?", top_k=0)
    assert Where.of({"doc_ids": "abc"}) == Where(doc_ids=("abc",))


def test_a_filter_that_matches_nothing_refuses_in_the_question_language(lib):
    a, _ = lib
    answer = a.ask("How much did the new container crane cost?", where={"since": "2031-01-01"})
    assert answer.refused and answer.text == NO_MATCH["en"] and not answer.citations
    answer = a.ask("Combien a coûté la nouvelle grue du port ?", where={"doc_ids": ["0000000000000000"]})
    assert answer.refused and answer.text == NO_MATCH["fr"]
    assert a.search("crane", where={"doc_ids": ["0000000000000000"]}) == []


# -- answers with the real model ---------------------------------------------------
@pytest.mark.slow
def test_pdf_answer_cites_page_2(lib):
    a, _ = lib
    answer = a.ask("How much did the new container crane at Leixoes cost?")
    assert not answer.refused, answer.refusal_reason
    crane = [c for c in answer.citations if c.source == "machinery.pdf"]
    assert crane and all(c.page == 2 for c in crane if "crane" in c.quote)
    assert crane[0].published == "2022-11-20" and crane[0].author == "Ines Duarte"
    assert "14 million" in answer.text


@pytest.mark.slow
def test_html_answer_citation_carries_link_date_and_author(lib):
    a, _ = lib
    answer = a.ask("How deep is the new berth at Leixoes?", top_k=4)
    assert not answer.refused, answer.refusal_reason
    c = answer.citations[0]
    assert (c.source, c.url, c.published, c.author, c.page) == ("berth.html", BERTH_URL, "2024-03-05", "Ana Lima", None)


@pytest.mark.slow
def test_answers_only_cite_the_articles_the_filter_allows(lib):
    a, _ = lib
    pdf, berth = doc(a, "machinery.pdf").doc_id, doc(a, "berth.html").doc_id
    answer = a.ask("How much did the new container crane at Leixoes cost?", where={"doc_ids": [berth]})
    assert {c.doc_id for c in answer.citations} <= {berth}
    assert "14 million" not in answer.text
    answer = a.ask("Where did most Iberian lynxes remain twenty years ago?", where=Where(since="2024-01-01"))
    assert not {c.source for c in answer.citations} & {"lynx.md"}
    answer = a.ask("Where did most Iberian lynxes remain twenty years ago?", where={"doc_ids": [doc(a, "lynx.md").doc_id, pdf]})
    assert not answer.refused and {c.source for c in answer.citations} == {"lynx.md"}


# -- stores made before metadata ---------------------------------------------------
def test_a_catalog_without_the_document_table_still_opens(lib, corpus, tmp_path):
    a, _ = lib
    target = tmp_path / "data"
    shutil.copytree(a.settings.data_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    with sqlite3.connect(target / "lexical.sqlite") as conn:  # the catalog as it was before this change
        conn.execute("DROP TABLE document")
    old = Assistant(data_dir=target)
    docs = {d.source: d for d in old.documents()}
    assert len(docs) == len(a.documents())
    assert docs["berth.html"].published == "" and docs["000_c9fa0d67a8b7c485.txt"].title
    assert old.search("Trainium2", k=1)
    # the catalog is rebuilt from the vector store, metadata included
    (target / "lexical.sqlite").unlink()
    for extra in ("lexical.sqlite-wal", "lexical.sqlite-shm"):
        (target / extra).unlink(missing_ok=True)
    rebuilt = Assistant(data_dir=target)
    assert doc(rebuilt, "berth.html").published == "2024-03-05"
    assert doc(rebuilt, "machinery.pdf").doc_id == doc(a, "machinery.pdf").doc_id
    hit = rebuilt.search("container crane Leixoes Rotterdam", k=1)[0]
    assert hit.page_starts == read_article(corpus / "machinery.pdf").page_starts and hit.page == 1


# -- adapters -----------------------------------------------------------------------
def test_slack_and_api_show_date_link_and_page():
    from api.openai_format import citations
    from slackbot.render import source_line

    c = Citation(number=1, doc_id="d", title="Crane | costs", source="machinery.pdf", quote="It cost 14 million.",
                 start=0, end=19, context="It cost 14 million.", context_start=0, url="https://example.org/a?b=1&c=2",
                 published="2022-11-20", author="Ines Duarte", page=2)
    line = source_line(c)
    assert line.startswith("*[1]* <https://example.org/a?b=1&amp;c=2|Crane ¦ costs>")
    assert "2022-11-20" in line and "p. 2" in line
    evil = Citation(**{**c.__dict__, "url": "javascript:alert(1)"})
    assert "<" not in source_line(evil)
    answer = Answer(question="q", text="It cost 14 million [1].", refused=False, citations=[c])
    got = citations(answer)[0]
    assert (got["url"], got["date"], got["author"], got["page"]) == (c.url, "2022-11-20", "Ines Duarte", 2)


def test_http_api_takes_where_and_returns_metadata(lib):
    import httpx

    from api import ApiServer, ApiSettings, create_app

    a, _ = lib
    berth = doc(a, "berth.html").doc_id
    settings = ApiSettings(port=0)
    srv = ApiServer(create_app(a, settings), settings).start()
    try:
        with httpx.Client(base_url=srv.url, timeout=120) as http:
            for _ in range(600):
                if http.get("/readyz").status_code == 200:
                    break
                threading.Event().wait(0.1)
            found = http.post("/v1/search", json={"query": "container crane cost", "k": 3,
                                                  "where": {"doc_ids": [berth]}}).json()["data"]
            assert found and {p["doc_id"] for p in found} == {berth}
            assert (found[0]["url"], found[0]["date"], found[0]["author"]) == (BERTH_URL, "2024-03-05", "Ana Lima")
            chat = {"model": "news-assistant", "messages": [{"role": "user", "content": "How much did the crane cost?"}]}
            r = http.post("/v1/chat/completions", json={**chat, "where": {"since": "2031-01-01"}})
            assert r.status_code == 200 and r.json()["refused"]
            assert r.json()["choices"][0]["message"]["content"] == NO_MATCH["en"]
            r = http.post("/v1/chat/completions", json={**chat, "where": {"since": "last week"}})
            assert r.status_code == 400 and "ISO date" in r.json()["error"]["message"]
            r = http.post("/v1/chat/completions", json={**chat, "stream": True, "where": {"until": "31/12/2024"}})
            assert r.status_code == 400
            docs = {d["source"]: d for d in http.get("/v1/documents").json()["data"]}
            assert docs["berth.html"]["date"] == "2024-03-05" and docs["tejo.txt"]["date"] is None
    finally:
        srv.stop()
