"""HTML for the chat UI, built from escaped text only.

Everything that comes from an article, a file name, the user or the model
goes through `esc()` before it reaches the page; the only markup is the
markup written in this module. The page shows it with `innerHTML`, so an
unescaped `<img onerror=...>` would run: never concatenate raw text here.

A conversation is a list of turns, plain JSON so it can be saved:
{"question", "scope", "answer": Answer.to_dict() | None, "error", "stopped",
"passages"}. It is rendered afresh each time, against the library as it is
now, so a source whose article was removed says so.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Iterable, Mapping, Sequence

from assistant import Citation, Document, FileResult

CONTEXT_CHARS = 320
"""How much of the passage to show on each side of a highlighted quote."""

_MARKER = re.compile(r"\[(\d{1,3})\]")
_MD_PAIRS = [re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])"),
             re.compile(r"(`+)(.+?)\1")]


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def display_title(title: str) -> str:
    """A headline as plain text: Markdown emphasis and heading marks dropped, and a
    title the loader cut mid-clause ("…, which is…") ended at the clause before."""
    t = str(title or "")
    for pair in _MD_PAIRS:
        t = pair.sub(r"\2", t)
    t = " ".join(t.split()).lstrip("#> ").strip()
    for ell in ("…", "..."):
        if t.endswith(ell):
            body = t[: -len(ell)].rstrip(" ,;:")
            cut = body.rfind(", ")
            if cut >= len(body) * 0.5:
                return body[:cut]
            return body + "…"
    return t or "(untitled)"


def mb(n_bytes: float) -> str:
    """Rounded up, so a file just over a limit never reads as exactly the limit."""
    if n_bytes < 10e6:
        return f"{math.ceil(n_bytes / 1e5) / 10:g} MB"
    return f"{math.ceil(n_bytes / 1e6):d} MB"


# -- conversation ------------------------------------------------------------
def empty_chat(documents: Sequence[Document]) -> str:
    if not documents:
        return (
            '<div class="na-empty na-warn"><b>The library is empty.</b> '
            "Add articles in the <b>Library</b> tab (or run <code>assistant ingest seeds/</code>), "
            "then ask a question.</div>"
        )
    titles = "".join(f"<li>{esc(display_title(d.title))}</li>" for d in documents[:6])
    more = f"<li>… and {len(documents) - 6} more</li>" if len(documents) > 6 else ""
    return (
        f'<div class="na-empty"><b>Ask a question about your {len(documents)} article'
        f'{"s" if len(documents) != 1 else ""}.</b> Answers come only from the articles, '
        f"and every sentence cites the passage it comes from.<ul>{titles}{more}</ul></div>"
    )


def user_message(question: str, scope: str = "") -> str:
    chip = f'<div class="na-scope">Within: {esc(scope)}</div>' if scope else ""
    return f'<div class="na-msg na-user"><div class="na-bubble">{esc(question)}{chip}</div></div>'


def waiting_message(place: int | None = None) -> str:
    """The answer's place while other answers run first."""
    where = f"Waiting: {ordinal(place)} in line" if place else "Waiting for its turn"
    return (
        '<div class="na-msg na-bot na-streaming na-waiting" data-state="waiting">'
        f'<div class="na-badge na-badge-draft na-place">{where}</div>'
        '<div class="na-text"><span class="na-muted">The assistant answers one question at a time; '
        "yours starts when the ones before it are done.</span></div></div>"
    )


def draft_message(draft: str) -> str:
    """The answer while it streams: only sentences that passed verification,
    shown as they pass; the sources follow when it is complete."""
    body = _text(draft, set(), "") if draft else '<span class="na-muted">Searching the articles…</span>'
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


def stopped_message() -> str:
    return ('<div class="na-msg na-bot na-stopped" data-state="stopped"><div class="na-text na-muted">'
            "Stopped before the answer was complete. Press <b>Regenerate</b> to ask again.</div></div>")


def conversation(turns: Sequence[Mapping[str, Any]], present: set[str] | None = None,
                 tail: Iterable[str] = ()) -> str:
    """Every turn of a conversation, then `tail` (the question being answered)."""
    parts = [turn(t, i, present) for i, t in enumerate(turns)]
    return chat(parts + list(tail))


def turn(t: Mapping[str, Any], i: int, present: set[str] | None = None) -> str:
    user = user_message(t.get("question", ""), t.get("scope", ""))
    if t.get("answer"):
        return user + answer_message(t["answer"], i, t.get("passages"), present)
    if t.get("stopped"):
        return user + stopped_message()
    return user + error_message(t.get("error") or "No answer.")


def answer_message(answer: Mapping[str, Any], turn: int, passages: Sequence[Mapping[str, Any]] | None = None,
                   present: set[str] | None = None) -> str:
    """The verified answer, its numbered source cards and a copy button."""
    pid = f"na-t{turn}"
    if answer.get("refused"):
        return (
            f'<div class="na-msg na-bot na-refused" data-state="refused" id="{pid}">'
            '<div class="na-badge na-badge-refused">Not in the articles</div>'
            f'<div class="na-text">{_refusal(answer.get("text", ""))}</div>'
            f"{_scores(passages)}{_copy(answer, pid)}</div>"
        )
    cites = answer.get("citations") or []
    text = _text(answer.get("text", ""), {c["number"] for c in cites}, pid)
    notes = []
    dropped = answer.get("dropped") or []
    if dropped:
        n = len(dropped)
        items = "".join(f"<li>{esc(d.get('sentence', ''))} <i>({esc(d.get('reason', ''))})</i></li>" for d in dropped)
        notes.append(
            f'<details class="na-note na-dropped"><summary>{n} unsupported sentence{"s" if n != 1 else ""} '
            f"removed</summary><ul>{items}</ul></details>"
        )
    if answer.get("mode") == "extractive":
        notes.append('<div class="na-note">Quoted directly from the articles.</div>')
    if answer.get("conflict"):
        notes.append('<div class="na-note na-conflict">The articles disagree on this.</div>')
    cards = "".join(source_card(c, pid, removed=present is not None and c.get("doc_id") not in present)
                    for c in cites)
    sources = f'<ol class="na-sources" aria-label="Sources">{cards}</ol>' if cards else ""
    return (
        f'<div class="na-msg na-bot na-answer" data-state="answer" data-mode="{esc(answer.get("mode", ""))}" '
        f'id="{pid}"><div class="na-text">{text}</div>{"".join(notes)}{sources}'
        f"{_scores(passages)}{_copy(answer, pid)}</div>"
    )


def source_card(c: Mapping[str, Any] | Citation, pid: str, removed: bool = False) -> str:
    c = _as_dict(c)
    before, quote, after = split_context(c)
    title = esc(display_title(c.get("title", "")))
    url = str(c.get("url") or "")
    if url.startswith(("http://", "https://")):
        title = f'<a class="na-title" href="{esc(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    else:
        title = f'<span class="na-title">{title}</span>'
    meta = [esc(x) for x in (c.get("published") or "", c.get("author") or "") if x]
    if c.get("page"):
        meta.append(f"p. {int(c['page'])}")
    meta_html = f'<span class="na-meta">{" · ".join(meta)}</span>' if meta else ""
    gone = '<span class="na-gone">removed from the library</span>' if removed else ""
    return (
        f'<li class="na-card{" na-card-removed" if removed else ""}" id="{pid}-src{c["number"]}" '
        f'data-source="{esc(c.get("source", ""))}"><div class="na-card-head"><span class="na-num">{c["number"]}</span>'
        f'{title}{meta_html}<span class="na-file">{esc(c.get("source", ""))}</span>{gone}</div>'
        f'<div class="na-context">{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}</div></li>'
    )


def split_context(c: Mapping[str, Any] | Citation) -> tuple[str, str, str]:
    """(text before, quote, text after) from the citation's context, trimmed
    to a readable length. Falls back to the bare quote if offsets disagree."""
    c = _as_dict(c)
    ctx, q = c.get("context") or "", c.get("quote") or ""
    i = c.get("start", 0) - c.get("context_start", 0)
    j = c.get("end", 0) - c.get("context_start", 0)
    if not (0 <= i <= j <= len(ctx) and ctx[i:j] == q):
        i = ctx.find(q) if q else -1
        if i < 0:
            return "", q, ""
        j = i + len(q)
    before, after = ctx[:i], ctx[j:]
    if len(before) > CONTEXT_CHARS:
        cut = before[-CONTEXT_CHARS:]
        before = "… " + cut[cut.find(" ") + 1:] if " " in cut else "… " + cut
    if len(after) > CONTEXT_CHARS:
        cut = after[:CONTEXT_CHARS]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + " …"
    return before, ctx[i:j], after


def copy_text(answer: Mapping[str, Any]) -> str:
    text = answer.get("text", "")
    cites = answer.get("citations") or []
    if cites and not answer.get("refused"):
        text += "\n\nSources:\n" + "\n".join(
            f"[{c['number']}] {display_title(c.get('title', ''))} ({c.get('source', '')})"
            + (f" {c['url']}" if c.get("url") else "") + f"\n    “{c.get('quote', '')}”" for c in cites)
    return text


def _text(text: str, numbers: set[int], pid: str) -> str:
    """Answer text as HTML: [n] markers linked to their cards, lines starting
    with "- " or "* " as a list, other lines as paragraphs."""
    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in numbers:
            return m.group(0)
        return f'<a class="na-cite" href="#{pid}-src{n}" data-target="{pid}-src{n}" title="Source {n}">[{n}]</a>'

    out: list[str] = []
    items: list[str] = []
    for line in text.split("\n"):
        s = line.strip()
        m = re.match(r"^[-*•]\s+(.*)$", s)
        if m:
            items.append(f"<li>{_MARKER.sub(link, esc(m.group(1)))}</li>")
            continue
        if items:
            out.append(f'<ul class="na-list">{"".join(items)}</ul>')
            items = []
        if s:
            out.append(f"<p>{_MARKER.sub(link, esc(s))}</p>")
    if items:
        out.append(f'<ul class="na-list">{"".join(items)}</ul>')
    return "".join(out)


def _refusal(text: str) -> str:
    """"The articles don't answer this. They cover: A; B." with the topics as a list."""
    m = re.match(r"^(.*?[.!?])\s+([^:]{2,40}?)\s?:\s+(.+?)\.?$", text, re.S)
    if not m or ";" not in m.group(3) and len(m.group(3)) > 200:
        return f"<p>{esc(text)}</p>"
    topics = [display_title(t) for t in m.group(3).split("; ") if t.strip()]
    items = "".join(f"<li>{esc(t)}</li>" for t in topics)
    return f'<p>{esc(m.group(1))}</p><p>{esc(m.group(2))}:</p><ul class="na-list">{items}</ul>'


def _copy(answer: Mapping[str, Any], pid: str) -> str:
    return (
        '<div class="na-actions">'
        f'<button type="button" class="na-copy" data-copy="{pid}-copy">Copy answer with sources</button>'
        f'<textarea class="na-copytext" id="{pid}-copy" hidden readonly>{esc(copy_text(answer))}</textarea></div>'
    )


def _scores(passages: Sequence[Mapping[str, Any]] | None) -> str:
    if not passages:
        return ""
    rows = "".join(
        f"<tr><td class='na-n'>{i}</td><td class='na-n'>{p['score']:.3f}</td><td class='na-n'>{p['similarity']:.3f}</td>"
        f"<td class='na-art'>{esc(display_title(p['title']))}<br><span class='na-file'>{esc(p['source'])}</span></td>"
        f"<td class='na-snippet'>{esc(_snip(p['text']))}</td></tr>"
        for i, p in enumerate(passages, 1)
    )
    return (
        '<details class="na-scores"><summary>Retrieved passages and scores</summary><div class="na-scroll">'
        "<table><thead><tr><th>#</th><th>score</th><th>similarity</th><th>article</th><th>passage</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></details>"
    )


def _snip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def _as_dict(c: Mapping[str, Any] | Citation) -> Mapping[str, Any]:
    return c if isinstance(c, Mapping) else vars(c)


def chat(parts: Iterable[str]) -> str:
    return f'<div class="na-chat">{"".join(parts)}</div>'


# -- library -----------------------------------------------------------------
SORTS = {"Title": "title", "Newest first": "newest", "Oldest first": "oldest", "File": "file"}


def find_documents(documents: Sequence[Document], query: str = "", sort: str = "title") -> list[Document]:
    """The documents whose title, author or file name contains every word of `query`, sorted."""
    words = query.lower().split()
    found = [d for d in documents
             if all(w in f"{d.title} {getattr(d, 'author', '')} {d.source}".lower() for w in words)]
    if sort in ("newest", "oldest"):
        dated = sorted((d for d in found if getattr(d, "published", "")), key=lambda d: d.published,
                       reverse=sort == "newest")
        return dated + sorted((d for d in found if not getattr(d, "published", "")), key=lambda d: d.title.lower())
    key = (lambda d: d.source.lower()) if sort == "file" else (lambda d: display_title(d.title).lower())
    return sorted(found, key=key)


def library_table(documents: Sequence[Document], total: int | None = None, query: str = "") -> str:
    total = len(documents) if total is None else total
    if not total:
        return '<div class="na-empty na-warn">No articles yet. Upload files below.</div>'
    if not documents:
        return f'<div class="na-empty">No article matches “{esc(query)}”.</div>'
    rows = "".join(
        f'<tr data-doc="{esc(d.doc_id)}"><td data-label="Title" class="na-lib-title">{_doc_title(d)}</td>'
        f'{_cell("Published", getattr(d, "published", ""))}{_cell("Author", getattr(d, "author", ""))}'
        f'<td data-label="File" class="na-file">{esc(d.source)}</td>'
        f'<td data-label="Language">{esc(d.language)}</td><td data-label="Chunks">{d.n_chunks}</td></tr>'
        for d in documents
    )
    shown = f"{len(documents)} of {total} articles" if len(documents) != total else \
        f'{total} article{"s" if total != 1 else ""}'
    return (
        f'<table class="na-library na-lib"><caption>{shown}</caption>'
        "<thead><tr><th>Title</th><th>Published</th><th>Author</th><th>File</th><th>Language</th><th>Chunks</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _cell(label: str, value: str) -> str:
    if not value:  # "—" on a wide table; left out of a phone's stacked card
        return f'<td data-label="{label}" class="na-none">—</td>'
    return f'<td data-label="{label}">{esc(value)}</td>'


def _doc_title(d: Document) -> str:
    title = esc(display_title(d.title))
    url = str(getattr(d, "url", "") or "")
    if url.startswith(("http://", "https://")):
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    return title


def preview(d: Document, text: str) -> str:
    meta = " · ".join(esc(x) for x in (getattr(d, "published", ""), getattr(d, "author", ""), d.source) if x)
    paras = "".join(f"<p>{esc(p)}</p>" for p in text.split("\n") if p.strip())
    return (f'<article class="na-preview" aria-label="Article preview"><h3>{esc(display_title(d.title))}</h3>'
            f'<div class="na-meta">{meta}</div>{paras or "<p class=na-muted>(no text)</p>"}</article>')


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
                f"“{esc(display_title(r.title))}”, {r.n_chunks} chunk{'s' if r.n_chunks != 1 else ''}</li>"
            )
    if not rows:
        return ""
    return f'<ul class="na-results">{"".join(rows)}</ul>'


def notice(message: str, kind: str = "info") -> str:
    role = ' role="alert"' if kind == "error" else ' role="status"'
    return f'<div class="na-notice na-{esc(kind)}"{role}>{esc(message)}</div>'
