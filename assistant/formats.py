"""What plain text does not say: PDF and DOCX text, and each article's title,
date, author and link from HTML <meta>/JSON-LD (trafilatura), Markdown front
matter (python-frontmatter), and PDF/DOCX document properties.

Every foreign library's error becomes an `IngestError` with a reason here, so
a broken file is skipped like any other, never a traceback.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from .errors import IngestError

log = logging.getLogger("assistant.formats")
NO_TEXT_LAYER = "no text layer (a scanned PDF?); OCR it first"


@dataclass(frozen=True)
class Meta:
    """What a file declares about its article ("" when it says nothing)."""

    title: str = ""
    url: str = ""
    published: str = ""
    """ISO date YYYY-MM-DD."""
    author: str = ""

    def cleaned(self) -> Meta:
        return Meta(title=" ".join(self.title.split()), url=clean_url(self.url),
                    published=iso_date(self.published), author=" ".join(self.author.split()))


def iso_date(value: Any) -> str:
    """`value` (a date, a datetime or a date string in any common format) as
    YYYY-MM-DD, or "" when it is not a plausible date."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                return ""
        else:
            from dateutil import parser

            try:
                day = parser.parse(text, default=datetime(2000, 1, 1)).date()
            except (ValueError, OverflowError, TypeError):
                return ""
    else:
        return ""
    return day.isoformat() if 1800 <= day.year <= 2200 else ""


def clean_url(value: Any) -> str:
    """An http(s) URL, or "": anything else (javascript:, relative paths) is not a link we show."""
    text = str(value or "").strip()
    return text if re.fullmatch(r"https?://[^\s<>\"'|]+", text) else ""


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):  # {"name": ...} as in JSON-LD style front matter
        return _text(value.get("name", ""))
    return "" if value is None else str(value).strip()


# -- HTML ---------------------------------------------------------------------
def html_meta(html: str, h1: str = "") -> Meta:
    """Title (og:title, JSON-LD headline or <title>, without a " | Site" suffix),
    publication date, author and canonical link of an HTML page."""
    from trafilatura import extract_metadata

    try:
        found = extract_metadata(html, date_config={"extensive_search": False, "original_date": True,
                                                    "max_date": date.today().isoformat()})
    except Exception as exc:  # a page trafilatura cannot parse still has its text
        log.warning("cannot read the page's metadata: %s", exc)
        return Meta(title=h1)
    title = _page_title(found.title or "", h1, found.sitename or "")
    return Meta(title=title, url=found.url or "", published=found.date or "", author=found.author or "").cleaned()


def _page_title(declared: str, h1: str, site: str) -> str:
    declared, h1 = " ".join(declared.split()), " ".join(h1.split())
    if not declared:
        return h1
    if h1 and declared.casefold().startswith(h1.casefold()):
        return h1  # "Headline | The Daily" -> the headline as the page shows it
    parts = re.split(r"\s+[|–—-]\s+", declared)
    if len(parts) > 1 and site and parts[-1].casefold() in (site.casefold(), site.casefold().removeprefix("www.")):
        return " - ".join(parts[:-1])
    return declared


# -- Markdown -----------------------------------------------------------------
def front_matter(md: str) -> tuple[Meta, str]:
    """The YAML front matter of a Markdown article (title, date, author,
    url/link/canonical) and the text after it."""
    import frontmatter

    if not md.lstrip("\ufeff").startswith(("---", "+++")):
        return Meta(), md
    try:
        post = frontmatter.loads(md)
    except Exception as exc:  # not front matter after all (or broken YAML): keep every word
        log.warning("the front matter is not valid YAML (%s); it is read as text", exc)
        return Meta(), md
    m = post.metadata
    first = lambda *keys: next((m[k] for k in keys if m.get(k)), "")  # noqa: E731
    meta = Meta(
        title=_text(first("title", "headline")),
        url=_text(first("url", "link", "canonical", "canonical_url", "canonicalURL")),
        published=first("date", "published", "pubDate", "published_at", "datePublished"),
        author=_text(first("author", "authors", "byline")),
    )
    published = meta.published if isinstance(meta.published, (date, datetime)) else _text(meta.published)
    return replace(meta, published=iso_date(published)).cleaned(), post.content


# -- PDF ----------------------------------------------------------------------
def pdf_pages(raw: bytes) -> tuple[list[str], Meta]:
    """The text of each page (wrapped lines joined into paragraphs) and the
    document properties of a PDF."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs are locked against editing only
            except Exception:
                opened = 0
            if not opened:
                raise IngestError("the PDF is encrypted (password-protected); save an unprotected copy and retry")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"cannot read the PDF ({type(exc).__name__}: {exc}); the file may be damaged") from exc
    if not pages:
        raise IngestError("the PDF has no pages")
    if not any(re.search(r"\w", p) for p in pages):
        raise IngestError(NO_TEXT_LAYER)
    return [_reflow(p) for p in pages], _pdf_meta(reader)


def _pdf_meta(reader) -> Meta:
    try:
        info = reader.metadata
        if info is None:
            return Meta()
        try:
            created = info.creation_date
        except Exception:  # a malformed date string in the file
            created = None
        return Meta(title=_useful_title(info.title or ""), author=_useful_author(info.author),
                    published=iso_date(created)).cleaned()
    except Exception as exc:
        log.warning("cannot read the PDF's document properties: %s", exc)
        return Meta()


def _useful_title(title: str) -> str:
    """Document-property titles are often a file name or a placeholder."""
    t = " ".join(str(title).split())
    if not t or re.search(r"\.(docx?|pdf|tex|odt|rtf|indd|qxd|txt)$", t, re.I) or t.casefold() in ("untitled", "title"):
        return ""
    return re.sub(r"^microsoft (word|powerpoint) - ", "", t, flags=re.I)


def _useful_author(author: Any) -> str:
    """Tools fill the author property with placeholders ("anonymous", "python-docx")."""
    a = _text(author)
    return "" if a.casefold() in ("anonymous", "unknown", "python-docx", "author", "user", "admin") else a


def _reflow(page: str) -> str:
    """Join a page's wrapped lines into paragraphs: a line continues the one
    before when that one fills most of the measure (at least 60% of the
    page's longest line) and does not end a sentence; a short line such as a
    headline stays on its own. A word hyphenated at a line end is rejoined."""
    lines = [" ".join(line.split()) for line in page.replace("\r", "\n").split("\n")]
    measure = max((len(line) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        if line and prev and len(prev) >= 0.6 * measure and not re.search(r"[.!?:…][\"'”’»)]*$", prev):
            if prev.endswith("-") and line[:1].islower() and prev[-2:-1].isalpha():
                out[-1] = prev[:-1] + line
            else:
                out[-1] = prev + " " + line
        else:
            out.append(line)
    return "\n".join(out)


# -- DOCX ---------------------------------------------------------------------
def docx_text(raw: bytes) -> tuple[str, Meta]:
    """The paragraphs of a Word document (one per line, blank lines between)
    and its properties; a paragraph styled Title or Heading 1 before the text
    is the title when the properties have none."""
    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
        paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]
        props = document.core_properties
        meta = Meta(title=_useful_title(props.title or ""), author=_useful_author(props.author),
                    published=iso_date(props.created))
    except Exception as exc:
        raise IngestError(f"cannot read the DOCX ({type(exc).__name__}: {exc}); "
                          "the file may be damaged or not a Word document") from exc
    texts = [(style, " ".join(t.split())) for style, t in paragraphs]
    texts = [(style, t) for style, t in texts if t]
    if not meta.title and texts and texts[0][0] in ("Title", "Heading 1"):
        meta = replace(meta, title=texts[0][1])
    return "\n\n".join(t for _, t in texts), meta.cleaned()
