"""The web UI in a real headless Chromium, against a real server: real
Assistant and model, real Chroma, seeds ingested into a temporary folder.

One server and one browser per module. Tests that depend on the layout run
at 1280x800 ("desktop") and 390x844 ("phone"); colour tests in both themes.
Screenshots go to tests/output/screenshots/ (gitignored): look at them."""

from __future__ import annotations

import os
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from assistant import Answer, Assistant  # noqa: E402
from ui_support import SCREENSHOTS, SEED_NAMES, fold, free_port, start  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FINAL = ".na-answer, .na-refused, .na-error, .na-stopped"
ANSWER_TIMEOUT = 240_000  # generous: the machine may be shared with other model runs
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

# Records every draft the page shows while an answer streams.
RECORD_DRAFTS = """
window.__drafts = [];
new MutationObserver(() => {
  document.querySelectorAll('[data-state=streaming] .na-text').forEach(e => window.__drafts.push(e.textContent));
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

# WCAG 2 contrast of an element's text against what is painted behind it,
# from computed styles (colours normalised through a canvas, translucent
# backgrounds composited up the tree).
CONTRAST = """
window.__contrast = (el, prop) => {
  const cv = document.createElement('canvas').getContext('2d');
  const parse = c => {
    cv.fillStyle = '#000'; cv.fillStyle = c; const v = cv.fillStyle;
    if (v[0] === '#') return [1, 3, 5].map(i => parseInt(v.slice(i, i + 2), 16)).concat([1]);
    const m = v.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const layers = []; let e = prop === 'border' ? el.parentElement : el;
  while (e) { const c = parse(getComputedStyle(e).backgroundColor);
              if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } e = e.parentElement; }
  let bg = [255, 255, 255];
  for (const c of layers.reverse()) bg = bg.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
  const s = getComputedStyle(el);
  const f = parse(prop === 'border' ? s.borderTopColor : s.color);
  const fg = bg.map((v, i) => f[i] * f[3] + v * (1 - f[3]));
  const a = lum(fg), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
};
"""

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:::gradio.queueing")]


@pytest.fixture(scope="module")
def assistant(module_assistant):
    return module_assistant


@pytest.fixture(scope="module")
def server(assistant):
    port = free_port()
    app, url = start(assistant, max_upload_mb=1, port=port)
    state = {"app": app, "url": url, "port": port}
    yield state
    state["app"].close()


@pytest.fixture(scope="module")
def url(server):
    return server["url"]


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_context(browser, view: str = "desktop", scheme: str = "light"):
    ctx = browser.new_context(viewport=VIEWPORTS[view], color_scheme=scheme, accept_downloads=True)
    ctx.add_init_script(RECORD_DRAFTS)
    ctx.add_init_script(CONTRAST)
    return ctx


@pytest.fixture
def context(browser):
    ctx = new_context(browser)
    yield ctx
    ctx.close()


def open_page(context, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#na-question textarea")
    expect(page.locator(".na-empty, .na-chat")).not_to_have_count(0)
    return page


@pytest.fixture
def page(context, url) -> Page:
    return open_page(context, url)


@pytest.fixture(params=list(VIEWPORTS))
def view(request) -> str:
    return request.param


@pytest.fixture
def vpage(browser, url, view) -> Page:
    """A page at the parametrised viewport, light theme."""
    ctx = new_context(browser, view)
    try:
        yield open_page(ctx, url)
    finally:
        ctx.close()


def shot(page: Page, name: str, full: bool = False) -> Path:
    page.wait_for_timeout(400)  # let smooth scrolling and transitions settle
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    assert path.stat().st_size > 5_000
    return path


def ask(page: Page, question: str):
    """Type `question`, send it, wait for the final (verified) message; return it."""
    n = page.locator(FINAL).count()
    box = page.locator("#na-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll({FINAL!r}).length > {n}", timeout=ANSWER_TIMEOUT)
    expect(page.locator("#na-ask")).to_be_visible()
    return page.locator(FINAL).last


def upload(page: Page, *files: Path) -> None:
    page.get_by_role("tab", name="Library").click()
    page.locator("#na-upload input[type=file]").set_input_files([str(f) for f in files])


def contrast(locator, prop: str = "color") -> float:
    return locator.evaluate(f"e => window.__contrast(e, {prop!r})")


def toggle_theme(page: Page, dark: bool) -> None:
    if page.evaluate("document.body.classList.contains('dark')") != dark:
        page.locator("#na-theme").click()
    page.wait_for_function(f"document.body.classList.contains('dark') === {str(dark).lower()}")
    page.wait_for_timeout(200)


@contextmanager
def model_busy(assistant: Assistant):
    """Hold the model's lock: an answer that reaches the model waits until the block ends."""
    lock = assistant.model._lock
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


# -- first load ------------------------------------------------------------------
def test_empty_chat_offers_examples_lists_articles_and_keeps_the_question_box_in_view(vpage, view):
    page = vpage
    expect(page).to_have_title("News assistant")
    expect(page.locator(".na-empty")).to_contain_text("5 articles")
    examples = page.locator(".na-example")
    expect(examples).to_have_count(3)
    expect(examples.first).to_have_text("Which AWS chip is Apple evaluating for pre-training its models?")
    titles = page.locator(".na-empty li").all_inner_texts()
    assert len(titles) == 5
    for t in titles:  # headlines, not a sentence cut at "which is…"
        assert not t.endswith(("…", "...")) and "**" not in t, t
    expect(page.locator("#na-question textarea")).to_be_in_viewport()  # also on a phone, from the first load
    expect(page.get_by_role("textbox", name="Question")).to_be_visible()
    shot(page, f"first-load-{view}")
    convs = page.locator("#na-convs")
    if view == "phone":  # the conversation list starts closed on a phone; its toggle opens it
        expect(convs).not_to_be_in_viewport()
        page.locator("#na-sidebar .toggle-button").click()
        expect(convs).to_be_in_viewport()
        shot(page, "sidebar-open-phone")
    else:
        expect(convs).to_be_in_viewport()


# -- answers -----------------------------------------------------------------------
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
    expect(page.locator("#na-examples")).to_be_hidden()
    # screen readers hear the answer: the chat sits in a polite live region, busy while it streams
    assert page.evaluate("document.querySelector('.na-chat').closest('[aria-live=polite]') !== null")
    assert page.evaluate("document.querySelector('.na-chat').closest('[aria-busy]').getAttribute('aria-busy')") == "false"

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
        assert contrast(card.locator(".na-context")) >= 4.5
        assert contrast(card.locator(".na-file")) >= 4.5
    for note in final.locator(".na-note").all():
        assert contrast(note) >= 4.5

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


def test_follow_up_scrolls_to_the_newest_answer_and_new_conversation_clears_it(vpage, view):
    page = vpage
    first = ask(page, "What is Benoit Dupin's role at Apple?")
    assert first.get_attribute("data-state") == "answer"
    expect(first).to_contain_text("Dupin")
    second = ask(page, "Where did he work before Apple?")
    assert second.get_attribute("data-state") in ("answer", "refused")
    expect(page.locator(".na-user")).to_have_count(2)
    expect(page.locator(".na-user").last).to_have_text("Where did he work before Apple?")
    # the newest question and the start of its answer are on screen, and so is the question box
    expect(page.locator(".na-user").last).to_be_in_viewport()
    expect(second.locator(".na-text").first).to_be_in_viewport()
    expect(page.locator("#na-question textarea")).to_be_in_viewport()
    shot(page, f"second-answer-{view}")

    page.locator("#na-new").click()
    expect(page.locator(".na-user")).to_have_count(0)
    expect(page.locator(".na-empty")).to_be_visible()
    expect(page.locator(".na-example").first).to_be_visible()


def test_off_topic_question_is_refused_with_the_topics_as_a_list(page):
    final = ask(page, "Who won the 2022 football World Cup?")
    assert final.get_attribute("data-state") == "refused"
    expect(final.locator(".na-badge-refused")).to_have_text("Not in the articles")
    expect(final).to_contain_text("They cover:")
    topics = final.locator(".na-list li").all_inner_texts()
    assert topics, final.inner_text()
    for t in topics:
        assert not t.endswith(("…", ".", "...")) and "**" not in t, t
    expect(final.locator(".na-card")).to_have_count(0)


def test_list_answers_render_as_a_list(page, assistant, monkeypatch):
    real = assistant.stream

    def as_list(question, history=None, **kw):  # the same verified answer, one sentence per "- " line
        for item in real(question, history, **kw):
            if isinstance(item, Answer):
                item.text = "Apple said:\n" + "\n".join("- " + s.strip() for s in item.text.split(". ") if s.strip())
            yield item

    monkeypatch.setattr(assistant, "stream", as_list)
    final = ask(page, "Which AWS chip is Apple evaluating for pre-training its models?")
    assert final.get_attribute("data-state") == "answer"
    items = final.locator(".na-text ul.na-list li")
    assert items.count() >= 1
    for line in final.locator(".na-text").first.inner_text().splitlines():
        assert not line.strip().startswith("- "), line
    expect(final.locator(".na-text a.na-cite").first).to_be_visible()  # markers still link inside the list


# -- defect 1 and Stop ---------------------------------------------------------------
def test_question_typed_during_an_answer_is_kept_and_stop_keeps_the_conversation(vpage, view, assistant):
    page = vpage
    box = page.locator("#na-question textarea")
    with model_busy(assistant):
        box.fill("What is Benoit Dupin's role at Apple?")
        box.press("Enter")
        expect(page.locator("[data-state=streaming]")).to_have_count(1)
        expect(page.locator("#na-stop")).to_be_visible()
        expect(page.locator("#na-ask")).to_be_hidden()
        box.fill("Which AWS chip is Apple evaluating for pre-training its models?")
        box.press("Enter")  # not sent while the first answer runs, and not lost
        expect(page.locator("#na-hint")).to_contain_text("An answer is still running")
        expect(box).to_have_value("Which AWS chip is Apple evaluating for pre-training its models?")
        expect(page.locator(".na-user")).to_have_count(1)
        shot(page, f"busy-question-kept-{view}")
    page.wait_for_selector(".na-answer", timeout=ANSWER_TIMEOUT)
    expect(box).to_have_value("Which AWS chip is Apple evaluating for pre-training its models?")
    box.press("Enter")
    expect(page.locator(".na-user")).to_have_count(2)
    expect(page.locator(".na-answer")).to_have_count(2, timeout=ANSWER_TIMEOUT)
    expect(page.locator(".na-answer").last).to_contain_text("Trainium")

    with model_busy(assistant):
        box.fill("What efficiency gain did Apple report with Amazon's chips?")
        box.press("Enter")
        expect(page.locator("[data-state=streaming]")).to_have_count(1)
        page.locator("#na-stop").click()
        stopped = page.locator(".na-stopped")
        expect(stopped).to_have_count(1)
        expect(stopped).to_contain_text("Stopped")
        expect(page.locator(".na-user")).to_have_count(3)  # the stopped question stays, the rest too
        expect(page.locator(".na-user").last).to_have_text("What efficiency gain did Apple report with Amazon's chips?")
        expect(page.locator(".na-answer")).to_have_count(2)
        expect(page.locator("#na-ask")).to_be_visible()
        expect(page.locator("#na-stop")).to_be_hidden()
        shot(page, f"stopped-{view}")
    # the stopped answer never comes back, and the next question is answered
    final = ask(page, "Who won the 2022 football World Cup?")
    assert final.get_attribute("data-state") == "refused"
    expect(page.locator(".na-stopped")).to_have_count(1)


# -- defect 3: place in line -----------------------------------------------------------
def test_waiting_tabs_show_their_place_in_line_and_each_get_their_own_answer(browser, url, assistant):
    # (question, what its own answer must show): the answers must not mix between tabs
    cases = [
        ("What is Benoit Dupin's role at Apple?", "answer", "Dupin"),
        ("Which AWS chip is Apple evaluating for pre-training its models?", "answer", "Trainium"),
        ("What efficiency gain did Apple report with Amazon's chips?", "answer", "%"),
    ]
    contexts = [new_context(browser, v) for v in ("desktop", "desktop", "phone")]  # separate sessions
    try:
        pages = [open_page(c, url) for c in contexts]
        with model_busy(assistant):
            for i, (p, (q, _, _)) in enumerate(zip(pages, cases)):
                p.locator("#na-question textarea").fill(q)
                p.locator("#na-question textarea").press("Enter")
                if i == 0:
                    expect(p.locator("[data-state=streaming]")).to_have_count(1)
                else:
                    expect(p.locator("[data-state=waiting]")).to_have_count(1)
            expect(pages[1].locator(".na-place")).to_have_text("Waiting: 1st in line", timeout=10_000)
            expect(pages[2].locator(".na-place")).to_have_text("Waiting: 2nd in line", timeout=10_000)
            assert contrast(pages[2].locator(".na-place")) >= 4.5
            shot(pages[2], "waiting-2nd-in-line-phone")
        for p, (q, state, must_show) in zip(pages, cases):
            p.wait_for_selector(".na-answer, .na-refused, .na-error", timeout=ANSWER_TIMEOUT)
            expect(p.locator(".na-user")).to_have_count(1)
            expect(p.locator(".na-user")).to_have_text(q)
            final = p.locator(FINAL).last
            assert final.get_attribute("data-state") == state
            expect(final).to_contain_text(must_show)
            expect(p.locator("[data-state=waiting]")).to_have_count(0)
    finally:
        for c in contexts:
            c.close()


# -- defect 2 and 9: colours -------------------------------------------------------------
def test_notices_bubbles_and_grey_text_are_readable_in_both_themes(browser, url, view, tmp_path):
    ctx = new_context(browser, view, scheme="dark")  # the system prefers dark
    try:
        page = open_page(ctx, url)
        expect(page.locator("body")).to_have_class("dark")  # honoured without touching the toggle
        refused = ask(page, "Who won the 2022 football World Cup?")
        page.locator("#na-filter").get_by_text("Ask within chosen articles or dates", exact=False).first.click()
        page.locator("#na-since input, #na-since textarea").fill("2024-13-45")
        error = ask(page, "What is Benoit Dupin's role at Apple?")
        assert error.get_attribute("data-state") == "error"
        expect(error).to_contain_text("YYYY-MM-DD")
        page.locator("#na-since input, #na-since textarea").fill("")
        chat_checks = {
            "refusal": refused.locator(".na-text"), "refusal badge": refused.locator(".na-badge"),
            "error": error.locator(".na-text"), "error badge": error.locator(".na-badge"),
            "question": page.locator(".na-user .na-bubble").first,
            "subtitle": page.locator(".na-header p"),
        }
        for dark in (True, False):
            toggle_theme(page, dark)
            theme = "dark" if dark else "light"
            for name, loc in chat_checks.items():
                assert contrast(loc) >= 4.5, (theme, name, contrast(loc))
            shot(page, f"chat-{theme}-{view}")

        bad = tmp_path / "notes.exe"
        bad.write_bytes(b"MZ not an article")
        upload(page, bad)
        expect(page.locator("#na-results .na-skipped")).to_contain_text("notes.exe", timeout=30_000)
        for dark in (False, True):
            toggle_theme(page, dark)
            theme = "dark" if dark else "light"
            for name, loc in {"upload notice": page.locator("#na-results .na-notice"),
                              "upload line": page.locator("#na-results .na-skipped"),
                              "upload label": page.locator("#na-upload .label-wrap span, #na-upload label span").first}.items():
                assert contrast(loc) >= 4.5, (theme, name, contrast(loc))
            page.locator("#na-results").scroll_into_view_if_needed()
            shot(page, f"library-notice-{theme}-{view}")
        page.get_by_role("tab", name="Settings").click()
        box = page.locator("#na-scores input[type=checkbox]")
        expect(box).not_to_be_checked()
        for dark in (True, False):
            toggle_theme(page, dark)
            assert contrast(box, "border") >= 3, ("unchecked checkbox", dark)  # non-text contrast
            assert contrast(page.locator("#na-topk [data-testid=block-info], #na-topk .info, #na-topk span").last) >= 4.5
            footer = page.locator("footer a, footer button").first
            assert contrast(footer) >= 4.5, ("footer", dark)
        # the choice is remembered: light stays light after a reload, though the system prefers dark
        page.reload()
        page.wait_for_selector("#na-question textarea")
        page.wait_for_timeout(500)
        assert not page.evaluate("document.body.classList.contains('dark')")
    finally:
        ctx.close()


def test_blank_question_is_not_sent(vpage):
    page = vpage
    n = page.locator(".na-msg").count()
    page.locator("#na-question textarea").fill("   ")
    page.locator("#na-question textarea").press("Enter")
    page.locator("#na-ask").click()
    page.wait_for_timeout(800)
    expect(page.locator(".na-msg")).to_have_count(n)
    expect(page.locator(".na-error")).to_have_count(0)
    expect(page.locator(".na-empty")).to_be_visible()


# -- defect 6: uploads ----------------------------------------------------------------
def test_upload_errors_are_the_apps_own_and_stay(vpage, view, tmp_path):
    page = vpage
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really a pdf")
    docx = tmp_path / "memo.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("hello.txt", "a zip, but not a Word document")
    big = tmp_path / "huge.txt"
    big.write_text("word " * 300_000, encoding="utf-8")  # 1.5 MB > the 1 MB limit of this app
    upload(page, pdf, docx, big)
    expect(page.locator("#na-upload")).to_contain_text("up to 1 MB each")
    results = page.locator("#na-results")
    expect(results.locator(".na-skipped")).to_have_count(3, timeout=60_000)
    expect(results).to_contain_text("report.pdf")
    expect(results).to_contain_text("memo.docx")
    expect(results).to_contain_text("huge.txt: refused — 1.5 MB is over the 1 MB limit per file")
    for line in results.locator(".na-skipped").all():
        assert len(line.inner_text().split("—", 1)[-1].strip()) > 15, line.inner_text()  # each says why
    page.wait_for_timeout(6000)  # the message stays; no pop-up that fades into a bare "Error"
    expect(results.locator(".na-skipped")).to_have_count(3)
    expect(page.locator(".toast-body, .toast-wrap .error")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"\d Mb\b"))).to_have_count(0)  # "1 MB", never Gradio's "1.0 Mb"
    expect(page.locator("#na-library")).not_to_contain_text("huge.txt")
    shot(page, f"upload-errors-{view}", full=True)

    # a new upload replaces the previous result at once: it never looks like its reply
    ok = tmp_path / "ferry_note.md"
    ok.write_text("# Tagus ferry timetable changes\n\nThe Tagus ferries from Cacilhas leave every "
                  "twelve minutes from June, the operator said.\n", encoding="utf-8")
    upload(page, ok)
    expect(results).not_to_contain_text("report.pdf", timeout=10_000)
    expect(results).to_contain_text("ferry_note.md", timeout=60_000)


# -- defect 7 and the library ----------------------------------------------------------
def test_library_upload_search_preview_confirm_remove_and_stale_chat(page, tmp_path, assistant):
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

    n = len(assistant.documents())
    page.get_by_role("tab", name="Chat").click()
    expect(page.locator(".na-empty")).to_contain_text(f"your {n} articles")  # not the count at page load
    final = ask(page, "Who is the chief organizer of the Quixotic Lantern Festival?")
    assert final.get_attribute("data-state") == "answer"
    expect(final).to_contain_text("Farrowgate")
    expect(final.locator(".na-card").first).to_have_attribute("data-source", "lantern_festival.txt")

    page.get_by_role("tab", name="Library").click()
    search = page.locator("#na-lib-search input, #na-lib-search textarea")
    search.fill("lantern")
    expect(page.locator("#na-library tbody tr")).to_have_count(1)
    expect(page.locator("#na-library caption")).to_have_text(f"1 of {n} articles")
    search.fill("")
    expect(page.locator("#na-library tbody tr")).to_have_count(n)
    page.locator("#na-lib-sort input").click()
    page.get_by_role("option", name="File").click()
    # the table is re-rendered after the click: wait for the order, never read it at once
    by_file = sorted((d.source for d in assistant.documents()), key=str.lower)
    expect(page.locator("#na-library tbody td.na-file")).to_have_text(by_file)

    page.locator("#na-remove-choice input").click()
    page.get_by_role("option", name="Vellmora lantern festival names new organizer — lantern_festival.txt").click()
    page.locator("#na-preview-btn").click()
    expect(page.locator(".na-preview")).to_contain_text("Ondine Farrowgate, a retired lighthouse keeper")
    expect(page.locator(".na-preview")).to_contain_text("4,000 paper lanterns over the harbour")

    page.locator("#na-remove").click()  # asks first
    expect(page.locator("#na-confirm")).to_contain_text("Remove “Vellmora lantern festival names new organizer”")
    page.locator("#na-confirm-no").click()
    expect(page.locator("#na-confirm")).to_be_hidden()
    expect(page.locator("#na-library")).to_contain_text("lantern_festival.txt")
    page.locator("#na-remove").click()
    shot(page, "library-confirm-remove-desktop", full=True)
    page.locator("#na-confirm-yes").click()
    expect(page.locator("#na-removed")).to_contain_text("Removed “Vellmora lantern festival names new organizer”")
    expect(page.locator("#na-library")).not_to_contain_text("lantern_festival.txt")

    page.get_by_role("tab", name="Chat").click()  # the old answer says its source is gone
    card = page.locator(".na-answer").last.locator(".na-card").first
    expect(card.locator(".na-gone")).to_have_text("removed from the library")
    shot(page, "removed-source-desktop")


def test_library_fits_a_phone(browser, url):
    ctx = new_context(browser, "phone")
    try:
        page = open_page(ctx, url)
        page.get_by_role("tab", name="Library").click()
        rows = page.locator("#na-library tbody tr")
        expect(rows.first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for cell in rows.first.locator("td:visible").all():
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell.inner_text(), box)
        expect(rows.first.locator("td.na-file")).to_be_visible()
        shot(page, "library-phone", full=True)
    finally:
        ctx.close()


def test_metadata_pdf_and_docx_reach_the_cards_and_the_library(page, tmp_path):
    from test_documents import PDF_PAGES, write_docx, write_pdf

    pdf = write_pdf(tmp_path / "machinery.pdf", PDF_PAGES)
    docx = write_docx(tmp_path / "ferry.docx")
    md = tmp_path / "lynx.md"
    md.write_text('---\ntitle: "Iberian **lynx** numbers pass 2,000"\ndate: 2023-06-12\nauthor: Marta Gil\n'
                  "link: https://example.org/lynx-census\n---\n\nA census counted 2,021 Iberian lynxes in Spain "
                  "and Portugal in 2023.\n\nTwenty years ago fewer than 100 of the cats remained.\n",
                  encoding="utf-8")
    upload(page, pdf, docx, md)
    results = page.locator("#na-results")
    for name in ("machinery.pdf", "ferry.docx", "lynx.md"):
        expect(results).to_contain_text(f"{name}: added", timeout=60_000)
    expect(page.locator("#na-upload")).to_contain_text(".pdf")
    expect(page.locator("#na-upload")).to_contain_text(".docx")
    row = page.locator("#na-library tr", has_text="lynx.md")
    expect(row).to_contain_text("Iberian lynx numbers pass 2,000")  # no Markdown asterisks
    expect(row).not_to_contain_text("**")
    expect(row).to_contain_text("2023-06-12")
    expect(row).to_contain_text("Marta Gil")
    expect(row.locator("a")).to_have_attribute("href", "https://example.org/lynx-census")
    expect(page.locator("#na-library tr", has_text="ferry.docx")).to_contain_text("Rui Costa")

    page.get_by_role("tab", name="Chat").click()
    final = ask(page, "How much did the new container crane at Leixoes cost?")
    assert final.get_attribute("data-state") == "answer", final.inner_text()
    card = final.locator(".na-card", has=page.locator("mark", has_text="14 million"))
    expect(card).to_have_count(1)
    expect(card.locator(".na-meta")).to_contain_text("p. 2")
    expect(card.locator(".na-meta")).to_contain_text("2022-11-20")
    expect(card.locator(".na-meta")).to_contain_text("Ines Duarte")
    final = ask(page, "How many Iberian lynxes did the census count?")
    card = final.locator(".na-card").first
    expect(card.locator("a.na-title")).to_have_attribute("href", "https://example.org/lynx-census")
    expect(card.locator(".na-title")).to_have_text("Iberian lynx numbers pass 2,000")
    shot(page, "metadata-cards-desktop")


def test_filter_asks_within_chosen_articles_or_dates(page, assistant):
    page.locator("#na-filter").get_by_text("Ask within chosen articles or dates", exact=False).first.click()
    dupin = next(d for d in assistant.documents() if d.source == "004_f4b611562b8eb4e0.txt")
    page.locator("#na-filter-docs input").click()
    page.get_by_role("option", name=dupin.title).click()
    page.keyboard.press("Escape")
    expect(page.locator("#na-filter")).to_contain_text("on: " + dupin.title)  # says so even when folded
    final = ask(page, "What is Benoit Dupin's role at Apple?")
    expect(page.locator(".na-user").last).to_contain_text("Within: " + dupin.title)
    assert final.get_attribute("data-state") == "answer", final.inner_text()
    sources = {c.get_attribute("data-source") for c in final.locator(".na-card").all()}
    assert sources == {"004_f4b611562b8eb4e0.txt"}
    shot(page, "filter-desktop")
    # a date range that no article falls in: nothing is answered from outside it
    page.locator("#na-since input, #na-since textarea").fill("2031-01-01")
    final = ask(page, "What is Benoit Dupin's role at Apple?")
    assert final.get_attribute("data-state") in ("refused", "error"), final.inner_text()
    expect(final.locator(".na-card")).to_have_count(0)


# -- saved conversations, regenerate, edit -------------------------------------------------
def test_saved_conversations_reopen_after_reload_and_restart_rename_export_delete(browser, server, assistant):
    ctx = new_context(browser)
    try:
        page = open_page(ctx, server["url"])
        expect(page.locator("#na-conv-note")).to_contain_text("No saved conversations yet")
        ask(page, "What is Benoit Dupin's role at Apple?")
        expect(page.locator("#na-conv-note")).not_to_contain_text("No saved conversations yet", use_inner_text=True)
        convs = page.locator("#na-convs")
        expect(convs).to_contain_text("What is Benoit Dupin's role at Apple?")
        page.locator("#na-new").click()
        expect(page.locator(".na-user")).to_have_count(0)
        ask(page, "Who won the 2022 football World Cup?")
        expect(convs.locator("label")).to_have_count(2)

        page.reload()  # the list comes back; picking one reopens it with its sources
        page.wait_for_selector("#na-question textarea")
        expect(convs.locator("label")).to_have_count(2)
        convs.get_by_text("What is Benoit Dupin's role at Apple?").click()
        expect(page.locator(".na-user")).to_have_text("What is Benoit Dupin's role at Apple?")
        expect(page.locator(".na-answer .na-card").first).to_be_visible()

        server["app"].close()  # a server restart, on the same address
        server["app"], server["url"] = start(assistant, max_upload_mb=1, port=server["port"])
        page.reload()
        page.wait_for_selector("#na-question textarea")
        expect(convs.locator("label")).to_have_count(2)
        convs.get_by_text("What is Benoit Dupin's role at Apple?").click()
        expect(page.locator(".na-answer")).to_contain_text("Dupin")

        name = page.locator("#na-rename-box textarea, #na-rename-box input")
        name.fill("Dupin at Apple")
        page.locator("#na-rename").click()
        expect(convs).to_contain_text("Dupin at Apple")
        shot(page, "saved-conversations-desktop")
        with page.expect_download() as dl:
            page.locator("#na-export").click()
        text = Path(dl.value.path()).read_text(encoding="utf-8")
        assert text.startswith("# Dupin at Apple")
        assert "**Question:** What is Benoit Dupin's role at Apple?" in text and "Sources:" in text
        quote = page.locator(".na-answer mark").first.inner_text()
        assert fold(quote) in fold(text)

        page.locator("#na-delete").click()
        expect(convs.locator("label")).to_have_count(1)
        expect(convs).not_to_contain_text("Dupin at Apple")
        expect(page.locator(".na-user")).to_have_count(0)

        other = new_context(browser)  # another browser sees none of them
        try:
            p2 = open_page(other, server["url"])
            p2.wait_for_timeout(500)
            expect(p2.locator("#na-convs label")).to_have_count(0)
        finally:
            other.close()
    finally:
        ctx.close()


def sign_in(context, url: str, user: str, password: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.locator("input[type=password]").wait_for()
    page.locator("input:not([type=password])").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.locator("input[type=password]").press("Enter")
    page.wait_for_selector("#na-question textarea")
    return page


def test_with_sign_in_conversations_follow_the_user_to_another_browser(browser, assistant):
    app, url = start(assistant, auth=("ann", "s3cret"))
    contexts = [new_context(browser), new_context(browser, "phone")]
    try:
        first = sign_in(contexts[0], url, "ann", "s3cret")
        ask(first, "Who won the 2022 football World Cup?")
        expect(first.locator("#na-convs")).to_contain_text("Who won the 2022 football World Cup?")
        second = sign_in(contexts[1], url, "ann", "s3cret")  # another browser: no shared localStorage
        second.locator("#na-sidebar .toggle-button").click()
        expect(second.locator("#na-convs")).to_contain_text("Who won the 2022 football World Cup?")
        second.locator("#na-convs").get_by_text("Who won the 2022 football World Cup?").click()
        second.locator("#na-sidebar .toggle-button").click()
        expect(second.locator(".na-refused")).to_contain_text("Not in the articles")
    finally:
        for c in contexts:
            c.close()
        app.close()


def test_regenerate_and_edit_the_last_question(page):
    ask(page, "What is Benoit Dupin's role at Apple?")
    page.locator("#na-regen").click()
    expect(page.locator("[data-state=waiting], [data-state=streaming]")).to_have_count(1)
    expect(page.locator(".na-answer")).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(page.locator("#na-ask")).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(page.locator(".na-user")).to_have_count(1)  # in place of the old answer
    expect(page.locator(".na-answer")).to_contain_text("Dupin")

    page.locator("#na-edit").click()
    box = page.locator("#na-question textarea")
    expect(box).to_have_value("What is Benoit Dupin's role at Apple?")
    expect(page.locator(".na-user")).to_have_count(0)
    box.fill("Which AWS chip is Apple evaluating for pre-training its models?")
    box.press("Enter")
    expect(page.locator(".na-answer")).to_contain_text("Trainium", timeout=ANSWER_TIMEOUT)
    expect(page.locator(".na-user")).to_have_count(1)


# -- safety, settings, errors ---------------------------------------------------------------
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


def test_settings_are_per_session_and_show_retrieval_scores(page, browser, url, assistant):
    page.get_by_role("tab", name="Settings").click()
    expect(page.locator("#na-model")).to_have_text(assistant.settings.chat_model)
    k = assistant.settings.top_k
    box = page.locator("#na-topk input[type=number]")
    note = page.get_by_text("Retrieving 3 passages per question")
    for _ in range(3):  # an edit made while the page's load event is still running can be missed once
        box.fill("3")
        box.press("Enter")
        try:
            note.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    expect(note).to_be_visible()
    assert assistant.settings.top_k == k  # not changed for everyone
    page.locator("#na-scores input[type=checkbox]").check()
    page.get_by_role("tab", name="Chat").click()
    final = ask(page, "Who won the 2022 football World Cup?")  # refused: no model call needed
    rows = final.locator(".na-scores tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".na-file")).to_have_text(re.compile(r"\.(txt|md|html|pdf|docx)$"))

    other = new_context(browser)  # another browser keeps the server's default
    try:
        p2 = open_page(other, url)
        p2.get_by_role("tab", name="Settings").click()
        expect(p2.locator("#na-topk input[type=number]")).to_have_value(str(k))
        p2.locator("#na-scores input[type=checkbox]").check()
        p2.get_by_role("tab", name="Chat").click()
        final = ask(p2, "Who won the 2022 football World Cup?")
        expect(final.locator(".na-scores tbody tr")).to_have_count(k)
    finally:
        other.close()


def test_errors_say_what_to_do(browser, tmp_path):
    app, empty_url = start(Assistant(data_dir=tmp_path / "empty"))
    ctx = new_context(browser)
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
