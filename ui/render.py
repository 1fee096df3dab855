"""HTML for the chat UI, built from escaped text only.

Everything that comes from an article, a file name, the user or the model
goes through `esc()` before it reaches the page; the only markup is the
markup written in this module. The page shows it with `innerHTML`, so an
unescaped `<img onerror=...>` would run: never concatenate raw text here.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Sequence

from assistant import Answer, Citation, Document, FileResult, Passage

CONTEXT_CHARS = 320
"""How much of the passage to show on each side of a highlighted quote."""

_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


# -- conversation ------------------------------------------------------------
def empty_chat(documents: Sequence[Document]) -> str:
    if not documents:
        return (
            '<div class="na-empty na-warn"><b>The library is empty.</b> '
            "Add articles in the <b>Library</b> tab (or run <code>assistant ingest seeds/</code>), "
            "then ask a question.</div>"
        )
    titles = "".join(f"<li>{esc(d.title)}</li>" for d in documents[:6])
    more = f"<li>… and {len(documents) - 6} more</li>" if len(documents) > 6 else ""
    return (
        f'<div class="na-empty"><b>Ask a question about your {len(documents)} article'
        f'{"s" if len(documents) != 1 else ""}.</b> Answers come only from the articles, '
        f"and every sentence cites the passage it comes from.<ul>{titles}{more}</ul></div>"
    )


def user_message(question: str) -> str:
    return f'<div class="na-msg na-user"><div class="na-bubble">{esc(question)}</div></div>'


def draft_message(draft: str, waiting: bool = False) -> str:
    """The answer while it streams: only sentences that passed verification,
    shown as they pass; the sources follow when it is complete."""
    if waiting:
        return (
            '<div class="na-msg na-bot na-streaming na-waiting" data-state="waiting">'
            '<div class="na-badge na-badge-draft">Waiting for its turn</div>'
            '<div class="na-text"><span class="na-muted">Queued — the assistant answers one question at a time…'
            "</span></div></div>"
        )
    body = esc(draft) if draft else '<span class="na-muted">Searching the articles…</span>'
    return (
        '<div class="na-msg na-bot na-streaming" data-state="streaming">'
        '<div class="na-badge na-badge-draft">Answering · each sentence is shown once checked against the articles</div>'
        f'<div class="na-text">{body}<span class="na-cursor">▍</span></div></div>'
    )


def error_message(message: str) -> str:
    return (
        '<div class="na-msg na-bot na-error" data-state="error">'
        '<div class="na-badge na-badge-error">Cannot answer</div>'
        f'<div class="na-text">{esc(message)}</div></div>'
    )


def answer_message(answer: Answer, turn: int, passages: Sequence[Passage] | None = None) -> str:
    """The verified answer, its numbered source cards and a copy button."""
    pid = f"na-t{turn}"
    if answer.refused:
        return (
            f'<div class="na-msg na-bot na-refused" data-state="refused" id="{pid}">'
            '<div class="na-badge na-badge-refused">Not in the articles</div>'
            f'<div class="na-text">{esc(answer.text)}</div>'
            f"{_scores(passages)}{_copy(answer, pid)}</div>"
        )
    numbers = {c.number for c in answer.citations}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return f'<a class="na-cite" href="#{pid}-src{n}" data-target="{pid}-src{n}" title="Source {n}">[{n}]</a>'

    text = _MARKER.sub(link, esc(answer.text)).replace("\n", "<br>")
    notes = []
    if answer.dropped:
        n = len(answer.dropped)
        items = "".join(f"<li>{esc(d.get('sentence', ''))} <i>({esc(d.get('reason', ''))})</i></li>" for d in answer.dropped)
        notes.append(
            f'<details class="na-note na-dropped"><summary>{n} unsupported sentence{"s" if n != 1 else ""} '
            f"removed</summary><ul>{items}</ul></details>"
        )
    if answer.mode == "extractive":
        notes.append('<div class="na-note">Quoted directly from the articles.</div>')
    if answer.conflict:
        notes.append('<div class="na-note na-conflict">The articles disagree on this.</div>')
    cards = "".join(source_card(c, pid) for c in answer.citations)
    sources = f'<ol class="na-sources">{cards}</ol>' if cards else ""
    return (
        f'<div class="na-msg na-bot na-answer" data-state="answer" data-mode="{esc(answer.mode)}" id="{pid}">'
        f'<div class="na-text">{text}</div>{"".join(notes)}{sources}'
        f"{_scores(passages)}{_copy(answer, pid)}</div>"
    )


def source_card(c: Citation, pid: str) -> str:
    before, quote, after = split_context(c)
    return (
        f'<li class="na-card" id="{pid}-src{c.number}" data-source="{esc(c.source)}">'
        f'<div class="na-card-head"><span class="na-num">{c.number}</span>'
        f'<span class="na-title">{esc(c.title)}</span>'
        f'<span class="na-file">{esc(c.source)}</span></div>'
        f'<div class="na-context">{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}</div></li>'
    )


def split_context(c: Citation) -> tuple[str, str, str]:
    """(text before, quote, text after) from the citation's context, trimmed
    to a readable length. Falls back to the bare quote if offsets disagree."""
    ctx = c.context or ""
    i = c.start - c.context_start
    j = c.end - c.context_start
    if not (0 <= i <= j <= len(ctx) and ctx[i:j] == c.quote):
        i = ctx.find(c.quote) if c.quote else -1
        if i < 0:
            return "", c.quote, ""
        j = i + len(c.quote)
    before, after = ctx[:i], ctx[j:]
    if len(before) > CONTEXT_CHARS:
        cut = before[-CONTEXT_CHARS:]
        before = "… " + cut[cut.find(" ") + 1:] if " " in cut else "… " + cut
    if len(after) > CONTEXT_CHARS:
        cut = after[:CONTEXT_CHARS]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + " …"
    return before, ctx[i:j], after


def copy_text(answer: Answer) -> str:
    text = answer.text
    if answer.citations:
        text += "\n\nSources:\n" + answer.sources_text()
    return text


def _copy(answer: Answer, pid: str) -> str:
    return (
        '<div class="na-actions">'
        f'<button type="button" class="na-copy" data-copy="{pid}-copy">Copy answer with sources</button>'
        f'<textarea class="na-copytext" id="{pid}-copy" hidden readonly>{esc(copy_text(answer))}</textarea></div>'
    )


def _scores(passages: Sequence[Passage] | None) -> str:
    if not passages:
        return ""
    rows = "".join(
        f"<tr><td class='na-n'>{i}</td><td class='na-n'>{p.score:.3f}</td><td class='na-n'>{p.similarity:.3f}</td>"
        f"<td class='na-art'>{esc(p.title)}<br><span class='na-file'>{esc(p.source)}</span></td>"
        f"<td class='na-snippet'>{esc(_snip(p.text))}</td></tr>"
        for i, p in enumerate(passages, 1)
    )
    return (
        '<details class="na-scores"><summary>Retrieved passages and scores</summary>'
        "<table><thead><tr><th>#</th><th>score</th><th>similarity</th><th>article</th><th>passage</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def _snip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def chat(parts: Iterable[str]) -> str:
    return f'<div class="na-chat">{"".join(parts)}</div>'


# -- library -----------------------------------------------------------------
def library_table(documents: Sequence[Document]) -> str:
    if not documents:
        return '<div class="na-empty na-warn">No articles yet. Upload .txt, .md or .html files below.</div>'
    rows = "".join(
        f'<tr data-doc="{esc(d.doc_id)}"><td>{esc(d.title)}</td><td class="na-file">{esc(d.source)}</td>'
        f"<td>{esc(d.language)}</td><td>{d.n_chunks}</td></tr>"
        for d in documents
    )
    return (
        f'<table class="na-library"><caption>{len(documents)} article{"s" if len(documents) != 1 else ""}</caption>'
        "<thead><tr><th>Title</th><th>File</th><th>Language</th><th>Chunks</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def ingest_results(results: Sequence[FileResult], refused: Sequence[tuple[str, str]] = ()) -> str:
    """One line per file: added / updated / unchanged / skipped (with why)."""
    rows = []
    for name, reason in refused:
        rows.append(f'<li class="na-skipped"><b>{esc(name)}</b>: refused — {esc(reason)}</li>')
    for r in results:
        name = r.path.replace("\\", "/").rsplit("/", 1)[-1]
        if r.status == "skipped":
            rows.append(f'<li class="na-skipped"><b>{esc(name)}</b>: skipped — {esc(r.reason)}</li>')
        else:
            rows.append(
                f'<li class="na-{esc(r.status)}"><b>{esc(name)}</b>: {esc(r.status)} — '
                f"“{esc(r.title)}”, {r.n_chunks} chunk{'s' if r.n_chunks != 1 else ''}</li>"
            )
    if not rows:
        return ""
    return f'<ul class="na-results">{"".join(rows)}</ul>'


def notice(message: str, kind: str = "info") -> str:
    return f'<div class="na-notice na-{esc(kind)}">{esc(message)}</div>'
