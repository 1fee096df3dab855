"""The web UI in a real headless Chromium, against a real server: real
Assistant and model, real Chroma, seeds ingested into a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from assistant import Assistant  # noqa: E402
from ui_support import SEED_NAMES, fold, start  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FINAL = ".na-answer, .na-refused, .na-error"
ANSWER_TIMEOUT = 240_000  # generous: the machine may be shared with other model runs

# Records every draft the page shows while an answer streams.
RECORD_DRAFTS = """
window.__drafts = [];
new MutationObserver(() => {
  document.querySelectorAll('[data-state=streaming] .na-text').forEach(e => window.__drafts.push(e.textContent));
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:::gradio.queueing")]


@pytest.fixture(scope="module")
def assistant(module_assistant):
    return module_assistant


@pytest.fixture(scope="module")
def url(assistant):
    app, url = start(assistant, max_upload_mb=1)
    yield url
    app.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 1000})
    ctx.add_init_script(RECORD_DRAFTS)
    yield ctx
    ctx.close()


def open_page(context, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#na-question textarea")
    return page


@pytest.fixture
def page(context, url) -> Page:
    return open_page(context, url)


def ask(page: Page, question: str):
    """Type `question`, send it, wait for the final (verified) message; return it."""
    n = page.locator(FINAL).count()
    box = page.locator("#na-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll({FINAL!r}).length > {n}", timeout=ANSWER_TIMEOUT)
    return page.locator(FINAL).last


def upload(page: Page, *files: Path) -> None:
    page.get_by_role("tab", name="Library").click()
    page.locator("#na-upload input[type=file]").set_input_files([str(f) for f in files])


def test_empty_chat_offers_examples_and_lists_articles(page):
    expect(page).to_have_title("News assistant")
    expect(page.locator(".na-empty")).to_contain_text("5 articles")
    examples = page.locator(".na-example")
    expect(examples).to_have_count(3)
    expect(examples.first).to_have_text("Which AWS chip is Apple evaluating for pre-training its models?")


def test_answer_streams_then_shows_verified_answer_with_sources(page, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    n = page.locator(FINAL).count()
    page.locator(".na-example").first.click()  # the Trainium2 question
    page.wait_for_function(f"document.querySelectorAll({FINAL!r}).length > {n}", timeout=ANSWER_TIMEOUT)
    final = page.locator(FINAL).last

    drafts = [d.strip("▍ ") for d in page.evaluate("window.__drafts")]
    shown = [d for d in drafts if d and "Searching the articles" not in d]
    assert shown, drafts  # verified sentences streamed in before the answer was complete
    final_text = fold(final.locator(".na-text").first.inner_text())
    for d in shown:  # only verified text is ever shown: all of it is in the final answer
        assert fold(d) in final_text, (d, final_text)
    expect(page.locator("[data-state=streaming]")).to_have_count(0)  # the stream became the answer
    expect(page.locator(".na-examples, #na-examples")).to_be_hidden()

    assert final.get_attribute("data-state") == "answer"
    assert "Trainium" in final.inner_text()
    cards = final.locator(".na-card")
    assert cards.count() >= 1
    for i in range(cards.count()):
        card = cards.nth(i)
        source = card.get_attribute("data-source")
        assert source in SEED_NAMES
        expect(card.locator(".na-file")).to_have_text(source)
        quote = card.locator("mark").inner_text()
        assert len(quote) > 20
        assert fold(quote) in fold((SEEDS / source).read_text(encoding="utf-8"))

    # [n] markers link to their cards
    link = final.locator(".na-text a.na-cite").first
    target = link.get_attribute("data-target")
    link.click()
    expect(page.locator(f"#{target}")).to_have_class("na-card na-flash")

    # copy the answer with its sources
    final.locator("button.na-copy").click()
    expect(final.locator("button.na-copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Sources:" in copied
    assert fold(cards.first.locator("mark").inner_text()) in fold(copied)


def test_follow_up_uses_the_conversation_and_new_conversation_clears_it(page):
    first = ask(page, "What is Benoit Dupin's role at Apple?")
    assert first.get_attribute("data-state") == "answer"
    expect(first).to_contain_text("Dupin")
    second = ask(page, "Where did he work before Apple?")
    assert second.get_attribute("data-state") in ("answer", "refused")
    expect(page.locator(".na-user")).to_have_count(2)
    expect(page.locator(".na-user").last).to_have_text("Where did he work before Apple?")

    page.locator("#na-new").click()
    expect(page.locator(".na-user")).to_have_count(0)
    expect(page.locator(".na-empty")).to_be_visible()
    expect(page.locator(".na-example").first).to_be_visible()


def test_off_topic_question_is_refused_visibly(page):
    final = ask(page, "Who won the 2022 football World Cup?")
    assert final.get_attribute("data-state") == "refused"
    expect(final.locator(".na-badge-refused")).to_have_text("Not in the articles")
    expect(final).to_contain_text("They cover:")
    expect(final.locator(".na-card")).to_have_count(0)


def test_uploaded_article_is_answerable_at_once_and_can_be_removed(page, tmp_path):
    article = tmp_path / "lantern_festival.txt"
    article.write_text(
        "Vellmora lantern festival names new organizer\n\n"
        "The Quixotic Lantern Festival in Vellmora is held every March. Its chief organizer this year is "
        "Ondine Farrowgate, a retired lighthouse keeper.\n"
        "Farrowgate said the festival will release 4,000 paper lanterns over the harbour.\n",
        encoding="utf-8",
    )
    upload(page, article)
    expect(page.locator("#na-results")).to_contain_text("lantern_festival.txt: added", timeout=30_000)
    expect(page.locator("#na-library")).to_contain_text("Vellmora lantern festival names new organizer")

    # non-text and oversized files are refused with a message
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 not an article")
    upload(page, pdf)
    expect(page.get_by_text("Invalid file type: report.pdf")).to_be_visible()
    big = tmp_path / "huge.txt"
    big.write_text("word " * 300_000, encoding="utf-8")  # 1.5 MB > the 1 MB limit of this app
    upload(page, big)
    expect(page.get_by_text("exceed the maximum allowed size of 1.0 Mb")).to_be_visible()
    expect(page.locator("#na-library")).not_to_contain_text("huge.txt")

    page.get_by_role("tab", name="Chat").click()
    final = ask(page, "Who is the chief organizer of the Quixotic Lantern Festival?")
    assert final.get_attribute("data-state") == "answer"
    expect(final).to_contain_text("Farrowgate")
    expect(final.locator(".na-card").first).to_have_attribute("data-source", "lantern_festival.txt")

    page.get_by_role("tab", name="Library").click()
    page.locator("#na-remove-choice input").click()
    page.get_by_role("option", name="Vellmora lantern festival names new organizer — lantern_festival.txt").click()
    page.locator("#na-remove").click()
    expect(page.locator("#na-removed")).to_contain_text("Removed “Vellmora lantern festival names new organizer”")
    expect(page.locator("#na-library")).not_to_contain_text("lantern_festival.txt")


def test_html_in_articles_and_questions_is_inert(page, tmp_path):
    evil = tmp_path / "evil_notes.txt"
    evil.write_text(
        'Glimmerwick regatta <img src=x onerror="window.__pwned=1"> moves\n\n'
        "The Glimmerwick committee announced <script>window.__pwned=2</script> that the annual "
        "Glimmerwick regatta will move to Lake Perrow in 2031.\n"
        'Committee members said <img src=x onerror="window.__pwned=3"> the old lake had become too shallow.\n',
        encoding="utf-8",
    )
    upload(page, evil)
    expect(page.locator("#na-results")).to_contain_text("evil_notes.txt: added", timeout=30_000)
    expect(page.locator("#na-library")).to_contain_text('Glimmerwick regatta <img src=x onerror="window.__pwned=1"> moves')

    page.get_by_role("tab", name="Chat").click()
    final = ask(page, "Where will the Glimmerwick regatta move?")
    assert final.get_attribute("data-state") == "answer"
    expect(final).to_contain_text("Lake Perrow")
    expect(final.locator(".na-card").first).to_contain_text("<script>window.__pwned=2</script>")
    html_question = 'Who won the World Cup? <img src=x onerror="window.__pwned=4"> <script>window.__pwned=5</script>'
    ask(page, html_question)
    expect(page.locator(".na-user").last).to_have_text(html_question)

    page.wait_for_timeout(300)  # give any injected handler time to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    for where in ("#na-chat", "#na-library", "#na-results"):
        assert page.locator(f"{where} img, {where} script").count() == 0
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
    assert (tmp_path / "chat.png").stat().st_size > 10_000


def test_settings_show_model_and_retrieval_scores(page, assistant):
    page.get_by_role("tab", name="Settings").click()
    expect(page.locator("#na-model")).to_have_text(assistant.settings.chat_model)
    k = assistant.settings.top_k
    try:
        page.locator("#na-topk input[type=number]").fill("3")
        page.locator("#na-topk input[type=number]").press("Enter")
        expect(page.get_by_text("Retrieving 3 passages per question.")).to_be_visible()
        assert assistant.settings.top_k == 3
        page.locator("#na-scores input[type=checkbox]").check()
        page.get_by_role("tab", name="Chat").click()
        final = ask(page, "Who won the 2022 football World Cup?")  # refused: no model call needed
        rows = final.locator(".na-scores tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.first).to_contain_text(".txt")
    finally:
        assistant.settings = assistant.settings.replace(top_k=k)


def test_several_tabs_at_once_each_get_their_own_answer(browser, url):
    # (question, what its own answer must show): the answers must not mix between tabs
    cases = [
        ("What is Benoit Dupin's role at Apple?", "answer", "Dupin"),
        ("Which AWS chip is Apple evaluating for pre-training its models?", "answer", "Trainium"),
        ("Who won the 2022 football World Cup?", "refused", "Not in the articles"),
    ]
    contexts = [browser.new_context() for _ in cases]  # separate browser sessions
    try:
        pages = [open_page(c, url) for c in contexts]
        for p, (q, _, _) in zip(pages, cases):
            p.locator("#na-question textarea").fill(q)
        for p in pages:
            p.locator("#na-question textarea").press("Enter")
        # one answer at a time: the others wait and say so, with their place in the queue
        saw_queue = False
        for _ in range(40):
            if any("queue:" in p.locator("#na-chat").inner_text() for p in pages[1:]):
                saw_queue = True
                break
            pages[0].wait_for_timeout(100)
        assert saw_queue
        for p, (q, state, must_show) in zip(pages, cases):
            p.wait_for_selector(FINAL, timeout=ANSWER_TIMEOUT)
            expect(p.locator(".na-user")).to_have_count(1)
            expect(p.locator(".na-user")).to_have_text(q)
            final = p.locator(FINAL).last
            assert final.get_attribute("data-state") == state
            expect(final).to_contain_text(must_show)
    finally:
        for c in contexts:
            c.close()


def test_errors_say_what_to_do(page, browser, tmp_path):
    n = page.locator(FINAL).count()
    page.locator("#na-ask").click()  # empty question
    page.wait_for_function(f"document.querySelectorAll({FINAL!r}).length > {n}", timeout=ANSWER_TIMEOUT)
    error = page.locator(FINAL).last
    assert error.get_attribute("data-state") == "error"
    expect(error).to_contain_text("The question is empty")

    app, empty_url = start(Assistant(data_dir=tmp_path / "empty"))
    ctx = browser.new_context()
    try:
        p = open_page(ctx, empty_url)
        expect(p.locator(".na-empty")).to_contain_text("The library is empty")
        error = ask(p, "What is Trainium2?")
        assert error.get_attribute("data-state") == "error"
        expect(error).to_contain_text("No articles have been ingested yet")
        expect(error).to_contain_text("Library tab")
        assert "Traceback" not in p.content()
    finally:
        ctx.close()
        app.close()
