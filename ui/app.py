"""The web chat UI: a Gradio app over one `Assistant`.

    from assistant import Assistant
    from ui import serve
    serve(Assistant(data_dir="data"))                 # http://127.0.0.1:7860
    serve(a, host="0.0.0.0", port=8080, auth=("ann", "s3cret"))

Tabs: Chat (streamed draft, then the verified answer with numbered source
cards), Library (list, upload, remove) and Settings. The same app serves a
JSON API: `Client(url).predict("question", api_name="/ask")` returns the
verified answer as a dict.

Every conversation lives in the browser session's `gr.State`; answers run
through the Gradio queue one at a time (the model is one llama.cpp
instance), so many tabs can ask at once and see their place in the queue.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

import gradio as gr

from assistant import Answer, Assistant, AssistantError, EmptyLibraryError, ModelError
from assistant.errors import PortInUseError
from assistant.loading import SUFFIXES

from starlette.middleware import Middleware

from . import render
from .guard import Guard

log = logging.getLogger(__name__)

ANSWER_QUEUE = "answers"
"""Concurrency group shared by the chat and the /ask API: one answer at a time."""
QUEUE_MAX = 64
SEED_EXAMPLES = [
    "Which AWS chip is Apple evaluating for pre-training its models?",
    "What is Benoit Dupin's role at Apple?",
    "What efficiency gain did Apple report with Amazon's chips?",
]
N_EXAMPLES = 3
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

CSS = """
.na-header h1 { margin: 0; font-size: 1.4rem; }
.na-header p { margin: .2rem 0 0; color: var(--body-text-color-subdued); }
.na-chat { display: flex; flex-direction: column; gap: .75rem; padding: .25rem 0; }
.na-msg { max-width: 100%; }
.na-user { display: flex; justify-content: flex-end; }
.na-user .na-bubble { background: var(--color-accent-soft); border-radius: 14px 14px 2px 14px;
  padding: .55rem .85rem; max-width: 80%; white-space: pre-wrap; overflow-wrap: anywhere; }
.na-bot { border: 1px solid var(--border-color-primary); border-radius: 14px 14px 14px 2px;
  padding: .7rem .9rem; background: var(--background-fill-secondary); overflow-wrap: anywhere; }
.na-text { line-height: 1.5; white-space: normal; }
.na-streaming { opacity: .8; border-style: dashed; }
.na-cursor { animation: na-blink 1s steps(2) infinite; margin-left: 1px; }
@keyframes na-blink { to { visibility: hidden; } }
.na-badge { display: inline-block; font-size: .75rem; font-weight: 600; border-radius: 999px;
  padding: .1rem .6rem; margin-bottom: .4rem; }
.na-badge-draft { background: var(--neutral-200); color: var(--neutral-700); }
.na-refused { background: #fff8e6; border-color: #e8b64c; }
.na-badge-refused { background: #e8b64c; color: #3d2b00; }
.na-error { background: #fdecec; border-color: #e07070; }
.na-badge-error { background: #c93c3c; color: #fff; }
.na-cite { font-weight: 600; text-decoration: none; color: var(--color-accent); padding: 0 1px; }
.na-cite:hover { text-decoration: underline; }
.na-note { font-size: .8rem; color: var(--body-text-color-subdued); margin-top: .35rem; }
.na-note summary { cursor: pointer; }
.na-conflict { color: #a15c00; font-weight: 600; }
.na-sources { list-style: none; padding: 0; margin: .6rem 0 0; display: flex; flex-direction: column; gap: .5rem; }
.na-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: .5rem .7rem;
  background: var(--background-fill-primary); transition: box-shadow .3s; }
.na-card.na-flash { box-shadow: 0 0 0 3px var(--color-accent); }
.na-card-head { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.na-num { background: var(--color-accent); color: #fff; border-radius: 999px; font-size: .75rem;
  font-weight: 700; min-width: 1.3rem; text-align: center; padding: 0 .35rem; }
.na-title { font-weight: 600; }
.na-file { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .75rem; color: var(--body-text-color-subdued); }
.na-card .na-context { margin: .4rem 0 0; padding: .2rem 0 .2rem .7rem; border-left: 3px solid var(--border-color-primary);
  font-size: .88rem; color: var(--body-text-color-subdued); white-space: pre-wrap; }
.na-card .na-context mark { background: #ffe58a; color: #1f1f1f; padding: 0 1px; border-radius: 2px; }
.na-actions { margin-top: .5rem; }
.na-copy { font-size: .75rem; border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: .15rem .55rem; background: var(--background-fill-primary); cursor: pointer; }
.na-scores { margin-top: .5rem; font-size: .78rem; }
.na-scores td.na-n { white-space: nowrap; font-variant-numeric: tabular-nums; }
.na-scores td.na-art { min-width: 12rem; }
.na-scores table, .na-library { border-collapse: collapse; width: 100%; }
.na-scores td, .na-scores th, .na-library td, .na-library th { border-bottom: 1px solid var(--border-color-primary);
  padding: .25rem .4rem; text-align: left; vertical-align: top; }
.na-library caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
.na-empty { padding: 1rem; border: 1px dashed var(--border-color-primary); border-radius: 10px;
  color: var(--body-text-color-subdued); }
.na-empty ul { margin: .4rem 0 0 1rem; }
.na-warn { background: #fff8e6; }
.na-muted { color: var(--body-text-color-subdued); font-style: italic; }
.na-results { margin: .3rem 0; padding-left: 1.1rem; }
.na-results .na-skipped { color: #b03a3a; }
.na-results .na-added, .na-results .na-updated { color: #2a7a3a; }
.na-notice { padding: .45rem .7rem; border-radius: 8px; margin: .3rem 0; }
.na-notice.na-info { background: var(--background-fill-secondary); }
.na-notice.na-ok { background: #e9f6ec; }
.na-notice.na-error { background: #fdecec; }
"""

CHAT_JS = r"""
element.addEventListener('click', function (ev) {
  var cite = ev.target.closest('a.na-cite');
  if (cite) {
    ev.preventDefault();
    var card = element.querySelector('#' + CSS.escape(cite.dataset.target));
    if (card) {
      card.scrollIntoView({behavior: 'smooth', block: 'center'});
      card.classList.add('na-flash');
      setTimeout(function () { card.classList.remove('na-flash'); }, 1400);
    }
    return;
  }
  var btn = ev.target.closest('button.na-copy');
  if (btn) {
    var ta = element.querySelector('#' + CSS.escape(btn.dataset.copy));
    if (!ta) return;
    var text = ta.value;
    var done = function () { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy answer with sources'; }, 1500); };
    var fallback = function () {
      ta.hidden = false; ta.select(); try { document.execCommand('copy'); done(); } catch (e) {} ta.hidden = true;
    };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); }
    else { fallback(); }
  }
});
"""


# -- the app -------------------------------------------------------------------
def build_app(assistant: Assistant, *, show_scores_default: bool = False, max_upload_mb: int = 5,
              queue_max: int = QUEUE_MAX) -> gr.Blocks:
    """The Gradio Blocks app (not launched). Launch it with `launch()` or `serve()`,
    which also apply the page's CSS, the upload size limit and the sign-in throttle.
    At most `queue_max` answers wait; past that, "Queue is full, try again"."""
    a = assistant
    max_bytes = int(max_upload_mb * 1024 * 1024)

    # -- chat ---------------------------------------------------------------
    def stage(question: str | None, turns: list[dict]) -> tuple:
        """Show the question at once, with a 'waiting' bubble, while the answer queues."""
        question = question or ""
        user = render.user_message(question) if question.strip() else ""
        pending = render.draft_message("", waiting=True)
        return render.chat([t["html"] for t in turns or []] + [user, pending]), question, "", gr.update(visible=False)

    def respond(question: str | None, turns: list[dict], show_scores: bool) -> Iterator[tuple]:
        question = question or ""
        turns = list(turns or [])
        done = [t["html"] for t in turns]
        n = len(turns)
        user = render.user_message(question) if question.strip() else ""
        yield render.chat(done + [user, render.draft_message("")]), gr.skip()
        history = [h for t in turns for h in t["history"]]
        draft = ""
        try:
            answer = None
            for item in _stream(a, question, history):
                if isinstance(item, Answer):
                    answer = item
                else:
                    draft += item
                    yield render.chat(done + [user, render.draft_message(draft)]), gr.skip()
            assert answer is not None
            passages = None
            if show_scores:
                try:
                    passages = a.search(answer.query or answer.question, a.settings.top_k)
                except AssistantError:
                    passages = None
            turn = {
                "html": user + render.answer_message(answer, n, passages),
                "history": [{"role": "user", "content": answer.question},
                            {"role": "assistant", "content": answer.text}],
            }
        except AssistantError as exc:
            turn = {"html": user + render.error_message(_advice(exc)), "history": []}
        except Exception:  # never a stack trace in the page
            log.exception("answering %r failed", question[:200])
            turn = {"html": user + render.error_message(
                "Something went wrong on the server while answering. The details are in the "
                "server log; try again, and if it keeps failing restart `assistant serve`."), "history": []}
        turns.append(turn)
        yield render.chat([t["html"] for t in turns]), turns

    def new_conversation() -> tuple:
        return _empty_chat(a), [], "", gr.update(visible=True)

    def on_load() -> list:
        docs = _documents(a)
        examples = example_questions(docs)
        buttons = [gr.update(value=q, visible=True) for q in examples]
        buttons += [gr.update(visible=False)] * (N_EXAMPLES - len(buttons))
        return [_empty_chat(a, docs), *library_view(docs), gr.update(value=a.settings.top_k), *buttons]

    # -- library ------------------------------------------------------------
    def library_view(docs=None) -> tuple:
        docs = _documents(a) if docs is None else docs
        choices = [(f"{d.title} — {d.source}", d.doc_id) for d in docs]
        return render.library_table(docs), gr.update(choices=choices, value=None)

    def ingest_files(files: Sequence[str] | None, progress=gr.Progress()) -> tuple:
        paths, refused = [], []
        for f in files or []:
            p = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
            if p.suffix.lower() not in SUFFIXES:
                refused.append((p.name, f"not a text article ({p.suffix or 'no extension'}); upload .txt, .md or .html files"))
            elif p.stat().st_size > max_bytes:
                refused.append((p.name, f"{p.stat().st_size / 1e6:.1f} MB is over the {max_upload_mb} MB upload limit"))
            else:
                paths.append(p)
        results = []
        if paths:
            progress((0, len(paths)), desc="Reading articles")

            def tick(done: int, total: int, name: str) -> None:
                progress((done, total), desc=f"Ingesting {name}" if name else "Indexed", unit="files")

            try:
                results = a.ingest(paths, progress=tick).results
            except AssistantError as exc:
                return (render.notice(str(exc), "error"), *library_view(), None)
        report = render.ingest_results(results, refused)
        ok = sum(r.status in ("added", "updated") for r in results)
        head = render.notice(
            f"{ok} article{'s' if ok != 1 else ''} added or updated — ask about {'them' if ok != 1 else 'it'} in the Chat tab."
            if ok else "No new articles were added.", "ok" if ok else "info")
        return (head + report, *library_view(), None)

    def remove_article(doc_id: str | None) -> tuple:
        if not doc_id:
            return (render.notice("Pick an article to remove first.", "info"), *library_view())
        try:
            doc = a.remove(doc_id)
        except AssistantError as exc:
            return (render.notice(str(exc), "error"), *library_view())
        return (render.notice(f"Removed “{doc.title}” ({doc.source}).", "ok"), *library_view())

    # -- settings -----------------------------------------------------------
    def set_top_k(k: float) -> str:
        k = int(k)
        if k != a.settings.top_k:
            a.settings = a.settings.replace(top_k=k)
        return render.notice(f"Retrieving {k} passages per question.", "ok")

    # -- API ----------------------------------------------------------------
    def ask(question: str, history: list[dict] | None = None) -> dict[str, Any]:
        """Answer `question` from the ingested articles. Returns the verified answer:
        text (with [n] markers), refused, mode, language, conflict, dropped, timings and
        citations (number, doc_id, title, source, quote, start, end, context, context_start)."""
        try:
            answer = a.ask(question, history or None)
        except AssistantError as exc:
            raise gr.Error(_advice(exc, api=True), print_exception=False) from None
        return api_dict(answer)

    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.HTML(
            '<div class="na-header"><h1>News assistant</h1>'
            "<p>Answers only from your articles — every sentence is checked against the passage it cites.</p></div>"
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = gr.HTML(_empty_chat(a), elem_id="na-chat", js_on_load=CHAT_JS, autoscroll=True,
                               min_height=120)
                with gr.Row(elem_id="na-examples") as examples_row:
                    example_buttons = [
                        gr.Button(q, size="sm", variant="secondary", elem_classes=["na-example"])
                        for q in SEED_EXAMPLES[:N_EXAMPLES]
                    ]
                with gr.Row(equal_height=True):
                    question = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                          lines=1, max_lines=4, scale=8, elem_id="na-question", autofocus=True)
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="na-ask")
                with gr.Row():
                    new_btn = gr.Button("New conversation", size="sm", scale=0, min_width=160, elem_id="na-new")
            with gr.Tab("Library", id="library") as library_tab:
                library = gr.HTML(render.library_table(_documents(a)), elem_id="na-library")
                upload = gr.File(
                    label=f"Add articles: .txt, .md or .html, up to {max_upload_mb} MB each",
                    file_count="multiple", file_types=list(SUFFIXES), type="filepath", elem_id="na-upload",
                )
                results = gr.HTML(elem_id="na-results")
                with gr.Row():
                    remove_choice = gr.Dropdown(label="Remove an article", choices=[], value=None, scale=4,
                                                elem_id="na-remove-choice")
                    remove_btn = gr.Button("Remove", variant="stop", scale=0, min_width=120, elem_id="na-remove")
                removed = gr.HTML(elem_id="na-removed")
            with gr.Tab("Settings", id="settings"):
                s = a.settings
                gr.HTML(
                    '<table class="na-library"><tbody>'
                    f"<tr><th>Chat model</th><td class='na-file' id='na-model'>{render.esc(s.chat_model)}</td></tr>"
                    f"<tr><th>Embedding model</th><td class='na-file'>{render.esc(s.embed_model)}</td></tr>"
                    f"<tr><th>Data folder</th><td class='na-file'>{render.esc(s.data_dir)}</td></tr>"
                    f"<tr><th>Upload limit</th><td>{max_upload_mb} MB per file</td></tr>"
                    "</tbody></table>"
                )
                top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="Passages retrieved per question (top-k)",
                                  info="Applies to everyone using this server.", elem_id="na-topk")
                top_k_note = gr.HTML()
                show_scores = gr.Checkbox(value=show_scores_default, label="Show retrieval scores under each answer",
                                          elem_id="na-scores")

        pending_question = gr.State("")
        stage_outputs = [chat, pending_question, question, examples_row]
        answer_opts = dict(concurrency_id=ANSWER_QUEUE, concurrency_limit=1, show_progress="minimal",
                           show_progress_on=[chat], api_visibility="private")
        answering = [
            gr.on([question.submit, ask_btn.click], stage, [question, turns], stage_outputs, queue=False,
                  api_visibility="private").then(respond, [pending_question, turns, show_scores], [chat, turns],
                                                 **answer_opts)
        ]
        for b in example_buttons:
            answering.append(b.click(stage, [b, turns], stage_outputs, queue=False, api_visibility="private").then(
                respond, [pending_question, turns, show_scores], [chat, turns], **answer_opts))
        new_btn.click(new_conversation, None, [chat, turns, question, examples_row], queue=False,
                      cancels=answering, api_visibility="private")

        upload.upload(ingest_files, upload, [results, library, remove_choice, upload],
                      concurrency_id="library", concurrency_limit=1, api_visibility="private")
        remove_btn.click(remove_article, remove_choice, [removed, library, remove_choice],
                         concurrency_id="library", concurrency_limit=1, api_visibility="private")
        library_tab.select(library_view, None, [library, remove_choice], queue=False, api_visibility="private")
        top_k.input(set_top_k, top_k, top_k_note, queue=False, api_visibility="private")
        demo.load(on_load, None, [chat, library, remove_choice, top_k, *example_buttons], queue=False,
                  api_visibility="private")

        gr.api(ask, api_name="ask", concurrency_id=ANSWER_QUEUE, concurrency_limit=1)

    demo.queue(max_size=queue_max, default_concurrency_limit=1)
    demo.news_ui = {"max_upload_mb": max_upload_mb}  # read by launch()
    return demo


# -- launching -----------------------------------------------------------------
def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           open_browser: bool = False, block: bool = True, quiet: bool = False) -> str:
    """Start the server for `app`; return its URL. With block=False the server
    keeps running in a background thread (stop it with `app.close()`)."""
    max_mb = getattr(app, "news_ui", {}).get("max_upload_mb", 5)
    theme = gr.themes.Soft(font=SYSTEM_FONTS, font_mono=MONO_FONTS)
    try:
        _, url, _ = app.launch(
            server_name=host, server_port=port, auth=auth,
            auth_message="Sign in to use the news assistant." if auth else None,
            inbrowser=open_browser, prevent_thread_lock=True, share=False, ssr_mode=False,
            max_file_size=f"{max_mb}mb", show_error=False, quiet=True, css=CSS, theme=theme,
            footer_links=["api"], app_kwargs={"middleware": [Middleware(Guard)]},
        )
    except OSError as exc:
        if "empty port" in str(exc):
            raise PortInUseError(f"Port {port} on {host} is already in use. Stop the other server or pick another "
                                 "port (assistant serve --port N).") from None
        raise
    url = _public_url(host, port, url)
    if not quiet:
        print(f"News assistant running at {url}" + (" (sign-in required)" if auth else ""), flush=True)
        if host not in ("127.0.0.1", "localhost", "::1") and not auth:
            print("Warning: listening on a non-local address without --share-auth; anyone on the network can use it.",
                  flush=True)
    if block:
        try:
            app.block_thread()
        except (KeyboardInterrupt, OSError):
            app.close()
    return url


def serve(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860,
          auth: tuple[str, str] | None = None, open_browser: bool = False, *,
          max_upload_mb: int = 5, show_scores_default: bool = False) -> None:
    """Run the web UI until Ctrl-C. Prints the URL. `auth=("user", "password")`
    puts a sign-in page in front of the UI and the API."""
    app = build_app(assistant, show_scores_default=show_scores_default, max_upload_mb=max_upload_mb)
    launch(app, host, port, auth=auth, open_browser=open_browser, block=True)


# -- helpers -------------------------------------------------------------------
def api_dict(answer: Answer) -> dict[str, Any]:
    """What /ask returns: the verified answer (never the unverified draft)."""
    d = answer.to_dict()
    d.pop("draft", None)
    return d


def example_questions(docs) -> list[str]:
    if not docs:
        return []
    titles = " ".join(d.title for d in docs).lower()
    if "apple" in titles and ("amazon" in titles or "aws" in titles):
        return SEED_EXAMPLES[:N_EXAMPLES]
    return [f"What does “{_short(d.title)}” report?" for d in docs[:N_EXAMPLES]]


def _short(title: str, n: int = 70) -> str:
    return title if len(title) <= n else title[:n].rsplit(" ", 1)[0] + "…"


def _documents(a: Assistant):
    try:
        return a.documents()
    except AssistantError:
        return []


def _empty_chat(a: Assistant, docs=None) -> str:
    return render.chat([render.empty_chat(_documents(a) if docs is None else docs)])


def _advice(exc: AssistantError, api: bool = False) -> str:
    msg = str(exc)
    if isinstance(exc, EmptyLibraryError) and not api:
        msg += " In this page: open the Library tab and upload .txt, .md or .html articles."
    elif isinstance(exc, ModelError):
        msg += " (This must be fixed on the server; then restart `assistant serve`.)"
    return msg


def _stream(a: Assistant, question: str, history: list[dict]) -> Iterator[str | Answer]:
    """a.stream() run to completion in its own thread, its items relayed here.

    The model lock is held while a.stream() generates; if the browser goes
    away mid-answer this generator is dropped, but the worker still finishes
    and releases the lock, so no later question can hang on it."""
    q: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            for item in a.stream(question, history):
                q.put(("item", item))
        except BaseException as exc:  # relayed to the caller
            q.put(("error", exc))
        finally:
            q.put(("end", None))

    threading.Thread(target=work, name="answer", daemon=True).start()
    while True:
        kind, value = q.get()
        if kind == "item":
            yield value
        elif kind == "error":
            raise value
        else:
            return


def _public_url(host: str, port: int, url: str | None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return url or f"http://{shown}:{port}/"


__all__ = ["build_app", "launch", "serve", "api_dict", "example_questions"]
