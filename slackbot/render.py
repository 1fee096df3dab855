"""Answers as Slack messages: Block Kit within Slack's limits, plus a text fallback.

Limits respected (https://api.slack.com/reference/block-kit):
  a section's text <= 3,000 chars, a context block <= 10 elements,
  a message <= 50 blocks. Text is mrkdwn with &, < and > escaped, so nothing
  from an article or a question can become a mention, a link or a broadcast.
  The one link is the source's own: its http(s) URL from the article's metadata,
  checked again here, on the source title.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant import Answer

SECTION_LIMIT = 3000
CONTEXT_ELEMENTS = 10
MAX_BLOCKS = 50
FALLBACK_LIMIT = 3000
QUOTE_CHARS = 160
TITLE_CHARS = 150
REFUSAL_CHARS = 500

Message = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` chars."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split (escaped) text into pieces of at most `limit` chars.

    Cuts at a paragraph, line, sentence or word boundary when there is one in
    the second half of the window, and never inside an entity like `&amp;`.
    """
    pieces: list[str] = []
    text = text.strip()
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for sep in ("\n\n", "\n", ". ", "? ", "! ", " "):
            i = window.rfind(sep)
            if i >= limit // 2:
                cut = i + len(sep.rstrip(" ")) if sep.strip() else i
                break
        if cut <= 0:
            cut = limit
            amp = window.rfind("&", limit - 8)
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        piece, text = text[:cut].rstrip(), text[cut:].lstrip()
        if piece:
            pieces.append(piece)
    if text:
        pieces.append(text)
    return pieces


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(texts: list[str]) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts]}


_SAFE_URL = re.compile(r"https?://[^\s<>|\"'`]+")


def source_line(citation) -> str:
    """`*[n]* Title — _file_, date, p. N: “quote”`, the title linked to the article's URL when known."""
    title = escape(shorten(citation.title or citation.source or citation.doc_id, TITLE_CHARS))
    url = getattr(citation, "url", "") or ""
    if _SAFE_URL.fullmatch(url) and len(url) <= 2000:
        title = f"<{escape(url)}|{title.replace('|', '¦')}>"
    where = [f"_{escape(shorten(citation.source or citation.doc_id, TITLE_CHARS))}_"]
    if getattr(citation, "published", ""):
        where.append(escape(citation.published))
    if getattr(citation, "page", None):
        where.append(f"p. {citation.page}")
    quote = escape(shorten(citation.quote, QUOTE_CHARS))
    return f"*[{citation.number}]* {title} — {', '.join(where)}: “{quote}”"


def render_answer(answer: Answer, header: str | None = None) -> Message:
    """A chat.postMessage / response_url payload (text + blocks) for `answer`.

    `header` (already mrkdwn) goes first in a context block, e.g. who asked.
    """
    if answer.refused:
        return render_refusal(answer.text, header)
    blocks: list[dict] = []
    if header:
        blocks.append(_context([header]))

    lines = [source_line(c) for c in answer.citations]
    source_blocks: list[dict] = []
    if lines:
        source_blocks.append(_context(lines[:CONTEXT_ELEMENTS]))
        rest = lines[CONTEXT_ELEMENTS:]
        if rest:
            source_blocks += [_section(p) for p in split_text("\n".join(rest))]
    room = MAX_BLOCKS - len(blocks) - min(len(source_blocks), MAX_BLOCKS // 2)
    source_blocks = source_blocks[: MAX_BLOCKS // 2]

    pieces = split_text(escape(answer.text)) or ["…"]
    if len(pieces) > room:
        pieces = pieces[:room]
        pieces[-1] = shorten(pieces[-1], SECTION_LIMIT - 30) + " _(answer truncated)_"
    blocks += [_section(p) for p in pieces]
    blocks += source_blocks

    fallback = escape(answer.text)
    if answer.citations:
        fallback += "\n\nSources: " + "; ".join(
            f"[{c.number}] {escape(shorten(c.title or c.source, TITLE_CHARS))}" for c in answer.citations
        )
    return {"text": shorten_block(fallback, FALLBACK_LIMIT), "blocks": blocks}


def render_refusal(text: str, header: str | None = None) -> Message:
    """The assistant's (localized) refusal, short, with no sources."""
    body = ":grey_question: " + escape(shorten(text, REFUSAL_CHARS))
    blocks = ([_context([header])] if header else []) + [_section(body)]
    return {"text": escape(shorten(text, REFUSAL_CHARS)), "blocks": blocks}


def render_notice(text: str, emoji: str = ":information_source:", header: str | None = None) -> Message:
    """A short message: errors, usage hints, busy."""
    text = shorten_block(escape(text), SECTION_LIMIT - len(emoji) - 1)
    blocks = ([_context([header])] if header else []) + [_section(f"{emoji} {text}")]
    return {"text": text, "blocks": blocks}


APOLOGY = "Sorry, something went wrong while answering. The error was logged; please try again in a moment."


def render_error() -> Message:
    return render_notice(APOLOGY, ":warning:")


def shorten_block(text: str, limit: int) -> str:
    """Cut multi-line text to `limit` chars keeping its line breaks."""
    if len(text) <= limit:
        return text
    return split_text(text, limit - 1)[0] + "…"


# -- incoming text ------------------------------------------------------------
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>|<#[CG][A-Z0-9]+>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|([^>]*)|([a-z]+)(?:\|[^>]*)?)>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]*)(?:\|([^>]*))?>")


def question_text(text: str | None) -> str:
    """A question from a Slack message's text: mentions (including the bot's)
    removed, links and channels as their labels, entities decoded."""
    if not text:
        return ""
    text = _USER.sub(" ", text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(1) or "channel"), text)
    text = _SPECIAL.sub(lambda m: m.group(1) or "", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text) if "&" in text else text
    return " ".join(text.split())
