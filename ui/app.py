"""The web chat UI: a Gradio app over one `Assistant`.

    from assistant import Assistant
    from ui import serve
    serve(Assistant(data_dir="data"))                 # http://127.0.0.1:7860
    serve(a, host="0.0.0.0", port=8080, auth=("ann", "s3cret"))

Tabs: Chat (streamed draft, then the verified answer with numbered source
cards; Stop, Regenerate, Edit; a filter to ask within chosen articles or
dates), Library (search, sort, preview, upload, remove) and Settings. A
sidebar lists the saved conversations (SQLite under the data dir, keyed by
a random id kept in the browser, or by the signed-in user). The same app
serves a JSON API: `Client(url).predict("question", api_name="/ask")`.

Answers run through the Gradio queue one at a time (the model is one
llama.cpp instance); a waiting tab shows its place in line. Settings such
as top-k belong to the browser session, never to the server.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterator, Sequence

import gradio as gr

import assistant as core
from assistant import Answer, Assistant, AssistantError, EmptyLibraryError, ModelError
from assistant import loading
from assistant.errors import PortInUseError

from starlette.middleware import Middleware

from . import render
from .answering import ANSWER_QUEUE, article_text, kinds, place_in_line, stream_answer, turn_history
from .conversations import ConversationError, ConversationStore, to_markdown
from .guard import Guard
from .theme import CHAT_JS, CSS, THEME_ON_LOAD_JS, THEME_TOGGLE_JS, theme

log = logging.getLogger(__name__)

QUEUE_MAX = 64
SEED_EXAMPLES = [
    "Which AWS chip is Apple evaluating for pre-training its models?",
    "What is Benoit Dupin's role at Apple?",
    "What efficiency gain did Apple report with Amazon's chips?",
]
N_EXAMPLES = 3
GRADIO_UPLOAD_FACTOR = 4
"""Gradio's own size cap sits this many times above the app's limit, so files
just over the limit reach the app and get its message instead of Gradio's."""
FILTER_LABEL = "Ask within chosen articles or dates"
BUSY_HINT = ("An answer is still running: your question stays in the box. Press Stop, or send it when "
             "the answer is done.")


def _suffixes() -> tuple[str, ...]:
    return tuple(loading.SUFFIXES)


def _accepts(fn, name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


# -- the app -------------------------------------------------------------------
def build_app(assistant: Assistant, *, show_scores_default: bool = False, max_upload_mb: float = 5,
              queue_max: int = QUEUE_MAX, conversations: ConversationStore | None = None) -> gr.Blocks:
    """The Gradio Blocks app (not launched). Launch it with `launch()` or `serve()`,
    which also apply the page's CSS, the upload size limit and the sign-in throttle.
    At most `queue_max` answers wait; past that, "Queue is full, try again"."""
    a = assistant
    max_bytes = int(max_upload_mb * 1_000_000)  # decimal MB, as every message says
    limit = f"{max_upload_mb:g} MB"
    store, store_problem = conversations, ""
    if store is None:
        try:
            store = ConversationStore(Path(a.settings.data_dir) / "conversations.sqlite3")
        except ConversationError as exc:
            store, store_problem = None, str(exc)
            log.warning("Saved conversations are off: %s", exc)
    export_dir = Path(tempfile.mkdtemp(prefix="na-export-"))
    stream_kwargs = {n for n in ("where", "top_k") if _accepts(a.stream, n)}
    search_where = _accepts(a.search, "where")
    Where = getattr(core, "Where", None)
    demo: gr.Blocks

    def present() -> set[str]:
        return {d.doc_id for d in _documents(a)}

    def owner(bid: str | None, request: gr.Request | None) -> str:
        user = getattr(request, "username", None) if request else None
        return f"user:{user}" if user else (f"browser:{bid}" if bid else "")

    def conv_choices(who: str) -> list[tuple[str, str]]:
        if not store or not who:
            return []
        try:
            return [(c.title, c.id) for c in store.list(who)]
        except ConversationError as exc:
            log.warning("listing conversations: %s", exc)
            return []

    def save(who: str, cid: str, turns: list[dict]) -> tuple[Any, str, Any]:
        """Store the conversation: (list update, its id, export file update)."""
        if not store or not who or not turns:
            return gr.skip(), cid, gr.skip()
        try:
            cid = store.save(who, cid or None, turns)
        except ConversationError as exc:
            log.warning("saving a conversation: %s", exc)
            return gr.skip(), cid, gr.skip()
        return gr.update(choices=conv_choices(who), value=cid), cid, export_file(who, cid)

    def export_file(who: str, cid: str) -> Any:
        try:
            conv = store.get(who, cid)
        except (ConversationError, AttributeError):
            return gr.update(value=None, interactive=False)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", conv.title).strip("-")[:50] or "conversation"
        path = export_dir / cid / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(conv), encoding="utf-8")
        return gr.update(value=str(path), interactive=True)

    def scope_of(doc_ids: Sequence[str] | None, since: str | None, until: str | None) -> tuple[Any, str]:
        """The chat filter as a `Where` for the core, and as words for the question's bubble."""
        doc_ids = [d for d in (doc_ids or []) if d]
        since, until = (since or "").strip(), (until or "").strip()
        for name, value in (("From", since), ("To", until)):
            if value:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    raise ValueError(f"{name} date {value!r} is not a date: write it as YYYY-MM-DD, "
                                     "for example 2024-12-03, or leave it empty.") from None
        if since and until and since > until:
            raise ValueError(f"The From date {since} is after the To date {until}: swap them.")
        if not (doc_ids or since or until):
            return None, ""
        if Where is None or "where" not in stream_kwargs:
            raise ValueError("This server's assistant core cannot filter by article or date yet; "
                             "clear the filter to ask the whole library.")
        titles = {d.doc_id: render.display_title(d.title) for d in _documents(a)}
        words = []
        if doc_ids:
            named = [titles.get(d, d) for d in doc_ids]
            words.append(named[0] if len(named) == 1 else f"{len(named)} articles")
        if since or until:
            words.append(f"{since or '…'} to {until or '…'}")
        return Where(doc_ids=tuple(doc_ids), since=since, until=until), "; ".join(words)

    def controls(running: bool) -> tuple:
        """busy, Ask, Stop, the queue-place timer."""
        return (running, gr.update(visible=not running), gr.update(visible=running), gr.Timer(active=running))

    def filter_label(doc_ids, since_, until_) -> Any:
        """The filter's title says it is on, even while folded."""
        try:
            _, scope = scope_of(doc_ids, since_, until_)
        except ValueError as exc:
            return gr.update(label=f"{FILTER_LABEL} — check the dates: {exc}"[:160])
        return gr.update(label=f"{FILTER_LABEL} — on: {scope}" if scope else FILTER_LABEL)

    # -- chat ---------------------------------------------------------------
    def stage(question: str | None, turns: list[dict], busy: bool, doc_ids, since, until) -> tuple:
        """Show the question at once with a 'waiting' bubble, while the answer queues.
        Nothing is sent while another answer runs, or for a blank question;
        either way the box keeps what was typed."""
        question = question or ""
        skip = gr.skip()
        if busy:
            return (skip, "", skip, skip, skip, skip, skip, skip, skip, render.notice(BUSY_HINT, "info"))
        if not question.strip():
            return (skip, "", skip, skip, skip, skip, skip, skip, skip, "")
        try:
            _, scope = scope_of(doc_ids, since, until)
        except ValueError:
            scope = ""
        tail = [render.user_message(question, scope), render.waiting_message()]
        return (render.conversation(turns or [], present(), tail), question, "", gr.update(visible=False),
                {"question": question, "scope": scope}, *controls(True), "")

    def restage(turns: list[dict], busy: bool) -> tuple:
        """Regenerate: ask the last question again, in place of its answer."""
        skip = gr.skip()
        if busy or not turns:
            return (skip, "", skip, skip, skip, skip, skip, skip, skip)
        last, rest = turns[-1], list(turns[:-1])
        tail = [render.user_message(last["question"], last.get("scope", "")), render.waiting_message()]
        return (render.conversation(rest, present(), tail), last["question"], rest,
                {"question": last["question"], "scope": last.get("scope", "")}, *controls(True), "")

    def edit_last(turns: list[dict], busy: bool) -> tuple:
        """Put the last question back in the box, without its answer, to edit and send again."""
        if busy or not turns:
            return gr.skip(), gr.skip(), gr.skip(), render.notice(BUSY_HINT, "info") if busy else ""
        rest = list(turns[:-1])
        chat_html = render.conversation(rest, present()) if rest else _empty_chat(a)
        return chat_html, rest, turns[-1]["question"], ""

    def respond(question: str | None, turns: list[dict], k: int, show_scores: bool, doc_ids, since, until,
                cid: str, bid: str, request: gr.Request) -> Iterator[tuple]:
        skip = gr.skip()
        question = question or ""
        if not question.strip():
            yield (skip,) * 9
            return
        turns = list(turns or [])
        docs_now = present()
        scope = ""
        try:
            where, scope = scope_of(doc_ids, since, until)
            user = render.user_message(question, scope)
            yield (render.conversation(turns, docs_now, [user, render.draft_message("")]), skip, skip, skip, skip,
                   gr.Timer(active=False), skip, skip, skip)
            history = [h for t in turns for h in turn_history(t)]
            kwargs: dict[str, Any] = {}
            if where is not None:
                kwargs["where"] = where
            if "top_k" in stream_kwargs and k:
                kwargs["top_k"] = int(k)
            draft = ""
            answer = None
            for item in stream_answer(a, question, history, **kwargs):
                if isinstance(item, Answer):
                    answer = item
                else:
                    draft += item
                    yield (render.conversation(turns, docs_now, [user, render.draft_message(draft)]),
                           *(skip,) * 8)
            assert answer is not None
            passages = None
            if show_scores:
                try:
                    skw = {"where": where} if where is not None and search_where else {}
                    found = a.search(answer.query or answer.question, int(k or a.settings.top_k), **skw)
                    passages = [{"score": p.score, "similarity": p.similarity, "title": p.title,
                                 "source": p.source, "text": p.text} for p in found]
                except AssistantError:
                    passages = None
            turn = {"question": question, "scope": scope, "answer": api_dict(answer), "passages": passages}
        except ValueError as exc:
            turn = {"question": question, "scope": scope, "error": str(exc)}
        except AssistantError as exc:
            turn = {"question": question, "scope": scope, "error": _advice(exc)}
        except Exception:  # never a stack trace in the page
            log.exception("answering %r failed", question[:200])
            turn = {"question": question, "scope": scope, "error":
                    "Something went wrong on the server while answering. The details are in the server log; "
                    "try again, and if it keeps failing restart `assistant serve`."}
        turns.append(turn)
        listing, cid, export = save(owner(bid, request), cid, turns)
        yield (render.conversation(turns, present()), turns, *controls(False), listing, cid, export)

    def stop(turns: list[dict], current: dict, busy: bool, cid: str, bid: str, request: gr.Request) -> tuple:
        """Stop the running answer: its question stays, marked stopped."""
        if not busy:
            return (gr.skip(),) * 10
        turns = list(turns or [])
        if current and current.get("question"):
            turns.append({"question": current["question"], "scope": current.get("scope", ""), "stopped": True})
        listing, cid, export = save(owner(bid, request), cid, turns)
        chat_html = render.conversation(turns, present()) if turns else _empty_chat(a)
        return (chat_html, turns, *controls(False), listing, cid, export, "")

    def queue_place(turns: list[dict], current: dict, request: gr.Request) -> Any:
        """Re-render the waiting bubble with this tab's place in the answer queue."""
        place = place_in_line(demo, request.session_hash if request else None)
        if not place or not current:
            return gr.skip()
        tail = [render.user_message(current.get("question", ""), current.get("scope", "")),
                render.waiting_message(place)]
        return render.conversation(turns or [], present(), tail)

    def new_conversation() -> tuple:
        return (_empty_chat(a), [], "", gr.update(visible=True), "", gr.update(value=None),
                gr.update(value=None, interactive=False), "", *controls(False), "")

    def open_conversation(cid: str | None, busy: bool, bid: str, request: gr.Request) -> tuple:
        skip = gr.skip()
        if busy:
            return (skip,) * 6 + (render.notice("Stop the running answer before opening another conversation.",
                                                "info"),)
        who = owner(bid, request)
        try:
            conv = store.get(who, cid) if store and cid else None
        except ConversationError as exc:
            return (skip,) * 6 + (render.notice(str(exc), "error"),)
        if conv is None:
            return (skip,) * 7
        chat_html = render.conversation(conv.turns, present()) if conv.turns else _empty_chat(a)
        return (chat_html, conv.turns, conv.id, conv.title, export_file(who, conv.id),
                gr.update(visible=not conv.turns), "")

    def rename_conversation(cid: str, name: str, bid: str, request: gr.Request) -> tuple:
        who = owner(bid, request)
        if not store or not cid:
            return gr.skip(), render.notice("Open or start a conversation first, then rename it.", "info"), gr.skip()
        try:
            store.rename(who, cid, name or "")
        except ConversationError as exc:
            return gr.skip(), render.notice(str(exc), "error"), gr.skip()
        return (gr.update(choices=conv_choices(who), value=cid), render.notice("Renamed.", "ok"),
                export_file(who, cid))

    def delete_conversation(cid: str, busy: bool, bid: str, request: gr.Request) -> tuple:
        who = owner(bid, request)
        if not store or not cid:
            return (gr.skip(),) * 7 + (render.notice("Open a saved conversation first, then delete it.", "info"),)
        if busy:
            return (gr.skip(),) * 7 + (render.notice("Stop the running answer before deleting.", "info"),)
        try:
            store.delete(who, cid)
        except ConversationError as exc:
            return (gr.skip(),) * 7 + (render.notice(str(exc), "error"),)
        return (gr.update(choices=conv_choices(who), value=None), _empty_chat(a), [], "", "",
                gr.update(value=None, interactive=False), gr.update(visible=True),
                render.notice("Deleted the conversation.", "ok"))

    def refresh_chat(turns: list[dict], busy: bool) -> tuple:
        """The chat against the library as it is now: the welcome's article count,
        source cards of removed articles marked as such."""
        docs = _documents(a)
        choices = [(render.display_title(d.title), d.doc_id) for d in docs]
        if busy:
            return gr.skip(), gr.update(choices=choices)
        ids = {d.doc_id for d in docs}
        return (render.conversation(turns, ids) if turns else _empty_chat(a, docs)), gr.update(choices=choices)

    def on_load(bid: str | None, request: gr.Request) -> list:
        docs = _documents(a)
        examples = example_questions(docs)
        buttons = [gr.update(value=q, visible=True) for q in examples]
        buttons += [gr.update(visible=False)] * (N_EXAMPLES - len(buttons))
        bid = bid or uuid.uuid4().hex
        saved = conv_choices(owner(bid, request))
        note = render.notice(f"Saved conversations are off: {store_problem}", "error") if store_problem else (
            "" if saved else '<div class="na-nolist">' + render.notice(
                "No saved conversations yet: each one is saved here after its first answer.", "info") + "</div>")
        return [bid, _empty_chat(a, docs), *library_view(docs), gr.update(choices=[
            (render.display_title(d.title), d.doc_id) for d in docs]),
            gr.update(choices=saved, value=None), note, *buttons]

    # -- library ------------------------------------------------------------
    def library_view(docs=None, query: str = "", sort: str = "Title") -> tuple:
        docs = _documents(a) if docs is None else docs
        shown = render.find_documents(docs, query or "", render.SORTS.get(sort or "Title", "title"))
        choices = [(f"{render.display_title(d.title)} — {d.source}", d.doc_id) for d in shown]
        return render.library_table(shown, len(docs), query or ""), gr.update(choices=choices, value=None)

    def upload_started(files: Sequence[str] | None) -> str:
        names = ", ".join(Path(str(f)).name for f in files or [])
        return render.notice(f"Reading {names}…", "info") if names else ""

    def ingest_files(files: Sequence[str] | None, turns: list[dict], busy: bool, query: str, sort: str,
                     progress=gr.Progress()) -> tuple:
        suffixes = _suffixes()
        paths, refused = [], []
        for f in files or []:
            p = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
            size = p.stat().st_size if p.exists() else 0
            if p.suffix.lower() not in suffixes:
                refused.append((p.name, f"{p.suffix or 'no extension'} files cannot be read; upload "
                                        f"{kinds(suffixes)} files"))
            elif size > max_bytes:
                refused.append((p.name, f"{render.mb(size)} is over the {limit} limit per file; split it or "
                                        "ingest it on the server with `assistant ingest`"))
            else:
                paths.append(p)
        results, problem = [], ""
        if paths:
            progress((0, len(paths)), desc="Reading articles")

            def tick(done: int, total: int, name: str) -> None:
                progress((done, total), desc=f"Ingesting {name}" if name else "Indexed", unit="files")

            try:
                results = a.ingest(paths, progress=tick).results
            except AssistantError as exc:
                problem = str(exc)
            except Exception:  # a broken file must never leave a bare "Error"
                log.exception("ingesting %s failed", [p.name for p in paths])
                problem = ("Reading the upload failed on the server (details in the server log). "
                           "Check that each file opens on your computer, then try again.")
        report = render.ingest_results(results, refused)
        ok = sum(r.status in ("added", "updated") for r in results)
        if problem:
            head = render.notice(problem, "error")
        elif ok:
            head = render.notice(f"{ok} article{'s' if ok != 1 else ''} added or updated — ask about "
                                 f"{'them' if ok != 1 else 'it'} in the Chat tab.", "ok")
        elif refused or any(r.status == "skipped" for r in results):
            head = render.notice("Nothing was added: see why below.", "error")
        else:
            head = render.notice("No new articles were added: these were already in the library.", "info")
        chat_html, filt = refresh_chat(turns, busy)
        return (head + report, *library_view(None, query, sort), None, chat_html, filt)

    def preview_article(doc_id: str | None) -> str:
        if not doc_id:
            return render.notice("Pick an article to preview first.", "info")
        doc = next((d for d in _documents(a) if d.doc_id == doc_id), None)
        if doc is None:
            return render.notice("That article is no longer in the library.", "error")
        return render.preview(doc, article_text(a, doc_id))

    def ask_remove(doc_id: str | None) -> tuple:
        if not doc_id:
            return gr.update(visible=False), "", render.notice("Pick an article to remove first.", "info")
        doc = next((d for d in _documents(a) if d.doc_id == doc_id), None)
        if doc is None:
            return gr.update(visible=False), "", render.notice("That article is no longer in the library.", "error")
        question = render.notice(f"Remove “{render.display_title(doc.title)}” ({doc.source}) from the library? "
                                 "Answers can no longer cite it.", "error")
        return gr.update(visible=True), question, ""

    def remove_article(doc_id: str | None, turns: list[dict], busy: bool, query: str, sort: str) -> tuple:
        hide = gr.update(visible=False)
        if not doc_id:
            return (hide, render.notice("Pick an article to remove first.", "info"), *library_view(None, query, sort),
                    gr.skip(), gr.skip(), "")
        try:
            doc = a.remove(doc_id)
        except AssistantError as exc:
            return (hide, render.notice(str(exc), "error"), *library_view(None, query, sort), gr.skip(), gr.skip(), "")
        chat_html, filt = refresh_chat(turns, busy)
        return (hide, render.notice(f"Removed “{render.display_title(doc.title)}” ({doc.source}).", "ok"),
                *library_view(None, query, sort), chat_html, filt, "")

    # -- settings -----------------------------------------------------------
    def set_top_k(k: float) -> tuple:
        k = int(k)
        if "top_k" not in stream_kwargs:
            return k, render.notice("This server's assistant core cannot change top-k per session; "
                                    f"it uses {a.settings.top_k}.", "error")
        return k, render.notice(f"Retrieving {k} passages per question (in this browser tab only).", "ok")

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

    suffixes = _suffixes()
    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        turns = gr.State([])
        busy = gr.State(False)
        current = gr.State({})
        conv_id = gr.State("")
        top_k_state = gr.State(a.settings.top_k)
        browser_id = gr.BrowserState("", storage_key="na-browser-id",
                                     secret=store.secret() if store else None)
        with gr.Sidebar(label="Conversations", open=True, width=280, elem_id="na-sidebar"):
            gr.HTML("<h2 class='na-side-title'>Conversations</h2>")
            conv_list = gr.Radio(label="Saved conversations", choices=[], value=None, elem_id="na-convs")
            rename_box = gr.Textbox(label="Name of this conversation", max_lines=1, elem_id="na-rename-box")
            with gr.Row():
                rename_btn = gr.Button("Rename", size="sm", elem_id="na-rename")
                delete_btn = gr.Button("Delete", size="sm", variant="stop", elem_id="na-delete")
            export_btn = gr.DownloadButton("Export as Markdown", size="sm", interactive=False, elem_id="na-export")
            conv_note = gr.HTML(elem_id="na-conv-note")
        with gr.Row(elem_classes=["na-header-row"]):
            gr.HTML(
                '<div class="na-header"><h1>News assistant</h1>'
                "<p>Answers only from your articles — every sentence is checked against the passage it cites.</p>"
                "</div>"
            )
            theme_btn = gr.Button("◐ Theme", size="sm", scale=0, min_width=90, elem_id="na-theme")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat") as chat_tab:
                chat = gr.HTML(_empty_chat(a), elem_id="na-chat", js_on_load=CHAT_JS, min_height=120)
                with gr.Row(elem_id="na-examples") as examples_row:
                    example_buttons = [
                        gr.Button(q, size="sm", variant="secondary", elem_classes=["na-example"])
                        for q in SEED_EXAMPLES[:N_EXAMPLES]
                    ]
                with gr.Column(elem_id="na-input"):
                    with gr.Row(equal_height=True):
                        question = gr.Textbox(label="Question", placeholder="Ask a question about the articles…",
                                              show_label=False, lines=1, max_lines=4, scale=8,
                                              elem_id="na-question", autofocus=True)
                        ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="na-ask")
                        stop_btn = gr.Button("Stop", variant="stop", scale=1, min_width=80, visible=False,
                                             elem_id="na-stop")
                    hint = gr.HTML(elem_id="na-hint", padding=False)
                with gr.Row(elem_id="na-actions"):
                    regen_btn = gr.Button("Regenerate", size="sm", scale=0, min_width=110, elem_id="na-regen")
                    edit_btn = gr.Button("Edit last question", size="sm", scale=0, min_width=150, elem_id="na-edit")
                    new_btn = gr.Button("New conversation", size="sm", scale=0, min_width=150, elem_id="na-new")
                with gr.Accordion(FILTER_LABEL, open=False, elem_id="na-filter") as filter_box:
                    filter_docs = gr.Dropdown(label="Articles (none chosen: the whole library)", choices=[],
                                              multiselect=True, value=[], elem_id="na-filter-docs")
                    with gr.Row():
                        since = gr.Textbox(label="Published from (YYYY-MM-DD)", max_lines=1, elem_id="na-since")
                        until = gr.Textbox(label="Published until (YYYY-MM-DD)", max_lines=1, elem_id="na-until")
                pending = gr.Textbox(visible="hidden", elem_id="na-pending")
                timer = gr.Timer(1.0, active=False)
            with gr.Tab("Library", id="library") as library_tab:
                with gr.Row():
                    lib_search = gr.Textbox(label="Search the library", placeholder="Title, author or file name",
                                            max_lines=1, scale=3, elem_id="na-lib-search")
                    lib_sort = gr.Dropdown(label="Sort by", choices=list(render.SORTS), value="Title", scale=1,
                                           elem_id="na-lib-sort")
                library = gr.HTML(render.library_table(_documents(a)), elem_id="na-library")
                upload = gr.File(
                    label=f"Add articles: {kinds(suffixes)}, up to {limit} each",
                    file_count="multiple", type="filepath", elem_id="na-upload",
                )
                results = gr.HTML(elem_id="na-results")
                with gr.Row():
                    article_choice = gr.Dropdown(label="Article", choices=[], value=None, scale=4,
                                                 elem_id="na-remove-choice")
                    preview_btn = gr.Button("Preview", scale=0, min_width=100, elem_id="na-preview-btn")
                    remove_btn = gr.Button("Remove…", variant="stop", scale=0, min_width=110, elem_id="na-remove")
                with gr.Column(visible=False, elem_id="na-confirm") as confirm_box:
                    confirm_text = gr.HTML()
                    with gr.Row():
                        confirm_yes = gr.Button("Yes, remove it", variant="stop", scale=0, min_width=140,
                                                elem_id="na-confirm-yes")
                        confirm_no = gr.Button("Cancel", scale=0, min_width=100, elem_id="na-confirm-no")
                removed = gr.HTML(elem_id="na-removed")
                preview = gr.HTML(elem_id="na-preview")
            with gr.Tab("Settings", id="settings"):
                s = a.settings
                gr.HTML(
                    '<table class="na-library"><tbody>'
                    f"<tr><th>Chat model</th><td class='na-file' id='na-model'>{render.esc(s.chat_model)}</td></tr>"
                    f"<tr><th>Embedding model</th><td class='na-file'>{render.esc(s.embed_model)}</td></tr>"
                    f"<tr><th>Data folder</th><td class='na-file'>{render.esc(s.data_dir)}</td></tr>"
                    f"<tr><th>Upload limit</th><td>{limit} per file</td></tr>"
                    "</tbody></table>"
                )
                top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="Passages retrieved per question (top-k)",
                                  info="Applies to this browser tab only.", elem_id="na-topk")
                top_k_note = gr.HTML()
                show_scores = gr.Checkbox(value=show_scores_default, label="Show retrieval scores under each answer",
                                          elem_id="na-scores")

        private = dict(api_visibility="private")
        fast = dict(queue=False, **private)
        answer_opts = dict(concurrency_id=ANSWER_QUEUE, concurrency_limit=1, show_progress="hidden",
                           trigger_mode="multiple", **private)
        filters = [filter_docs, since, until]
        running = [busy, ask_btn, stop_btn, timer]
        respond_in = [pending, turns, top_k_state, show_scores, *filters, conv_id, browser_id]
        respond_out = [chat, turns, *running, conv_list, conv_id, export_btn]
        stage_out = [chat, pending, question, examples_row, current, *running, hint]
        answering = [
            gr.on([question.submit, ask_btn.click], stage, [question, turns, busy, *filters], stage_out, **fast)
            .then(respond, respond_in, respond_out, **answer_opts)
        ]
        for b in example_buttons:
            answering.append(b.click(stage, [b, turns, busy, *filters], stage_out, **fast)
                             .then(respond, respond_in, respond_out, **answer_opts))
        answering.append(regen_btn.click(restage, [turns, busy], [chat, pending, turns, current, *running, hint],
                                         **fast).then(respond, respond_in, respond_out, **answer_opts))
        edit_btn.click(edit_last, [turns, busy], [chat, turns, question, hint], **fast)
        stop_btn.click(stop, [turns, current, busy, conv_id, browser_id],
                       [chat, turns, *running, conv_list, conv_id, export_btn, hint], cancels=answering, **fast)
        new_btn.click(new_conversation, None,
                      [chat, turns, question, examples_row, conv_id, conv_list, export_btn, rename_box, *running,
                       hint], cancels=answering, **fast)
        timer.tick(queue_place, [turns, current], chat, **fast)

        conv_list.input(open_conversation, [conv_list, busy, browser_id],
                        [chat, turns, conv_id, rename_box, export_btn, examples_row, conv_note], **fast)
        rename_btn.click(rename_conversation, [conv_id, rename_box, browser_id], [conv_list, conv_note, export_btn],
                         **fast)
        rename_box.submit(rename_conversation, [conv_id, rename_box, browser_id], [conv_list, conv_note, export_btn],
                          **fast)
        delete_btn.click(delete_conversation, [conv_id, busy, browser_id],
                         [conv_list, chat, turns, conv_id, rename_box, export_btn, examples_row, conv_note], **fast)
        theme_btn.click(None, None, None, js=THEME_TOGGLE_JS, **fast)

        lib_in = [lib_search, lib_sort]
        upload.upload(upload_started, upload, results, **fast).then(
            ingest_files, [upload, turns, busy, *lib_in], [results, library, article_choice, upload, chat, filter_docs],
            concurrency_id="library", concurrency_limit=1, **private)
        gr.on([lib_search.change, lib_sort.change], lambda q, s: library_view(None, q, s), lib_in,
              [library, article_choice], **fast)
        preview_btn.click(preview_article, article_choice, preview, **fast)
        remove_btn.click(ask_remove, article_choice, [confirm_box, confirm_text, removed], **fast)
        confirm_no.click(lambda: (gr.update(visible=False), render.notice("Nothing was removed.", "info")), None,
                         [confirm_box, removed], **fast)
        confirm_yes.click(remove_article, [article_choice, turns, busy, *lib_in],
                          [confirm_box, removed, library, article_choice, chat, filter_docs, preview],
                          concurrency_id="library", concurrency_limit=1, **private)
        library_tab.select(lambda q, s: library_view(None, q, s), lib_in, [library, article_choice], **fast)
        chat_tab.select(refresh_chat, [turns, busy], [chat, filter_docs], **fast)
        gr.on([filter_docs.change, since.change, until.change], filter_label, filters, filter_box, **fast)
        top_k.input(set_top_k, top_k, [top_k_state, top_k_note], **fast)
        demo.load(on_load, [browser_id], [browser_id, chat, library, article_choice, filter_docs, conv_list,
                                          conv_note, *example_buttons], **fast)
        demo.load(None, None, None, js=THEME_ON_LOAD_JS, **fast)

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
    try:
        _, url, _ = app.launch(
            server_name=host, server_port=port, auth=auth,
            auth_message="Sign in to use the news assistant." if auth else None,
            inbrowser=open_browser, prevent_thread_lock=True, share=False, ssr_mode=False,
            max_file_size=f"{max_mb * GRADIO_UPLOAD_FACTOR:g}mb", show_error=False, quiet=True, css=CSS, theme=theme(),
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
          max_upload_mb: float = 5, show_scores_default: bool = False) -> None:
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
    return [f"What does “{_short(render.display_title(d.title))}” report?" for d in docs[:N_EXAMPLES]]


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
        msg += f" In this page: open the Library tab and upload {kinds(_suffixes())} articles."
    elif isinstance(exc, ModelError):
        msg += " (This must be fixed on the server; then restart `assistant serve`.)"
    return msg


def _public_url(host: str, port: int, url: str | None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return url or f"http://{shown}:{port}/"


__all__ = ["build_app", "launch", "serve", "api_dict", "example_questions"]
