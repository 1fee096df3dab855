"""Reading article files and cleaning them into plain text.

Only whitespace is normalized: characters are kept as they are, so a quote
taken from the cleaned text can be found again in the original article.
Metadata (title, date, author, link) and PDF/DOCX text come from `formats.py`.

The headline is, in order: the one the file declares (HTML og:title/JSON-LD/
<h1>, front matter, PDF/DOCX properties or a Title-styled paragraph), a
heading-like first (or last) line, or else the first sentence of the text.
A first sentence over 120 characters gives its first clause (up to the first
comma, semicolon, colon or dash past 30 characters); only when that is still
too long is it cut at a word, never after a dangling "which"/"of"/"the", and
marked "…". Markdown emphasis, links and code marks are taken out of titles.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import IngestError
from .formats import Meta, docx_text, front_matter, html_meta, pdf_pages

log = logging.getLogger("assistant.loading")
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
KINDS = ".txt, .md, .html, .pdf or .docx"
TITLE_CHARS = 120

# Lines that are page furniture, not article content.
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^leave a (reply|comment)\b.*$",
        r"^.*your email address will not be published.*$",
        r"^.*required fields are marked.*$",
        r"^follow [^:\n]{1,60}:\s*((threads|bluesky|instagram|mastodon|twitter|x|facebook|linkedin|youtube|tiktok|rss)[\s,.]*(and\s+)?)+$",
        r"^related (story|stories|article|articles|post|posts|reading)\b.*$",
        # a link to another article: "Read more: How Europe regulates data protection"
        r"^(read more|read also|see also|related|more on this|lire aussi|à lire aussi|a lire aussi|voir aussi)\s*:.*$",
        r"^(read more|more|see also|advertisement|share this( article)?|share|tweet|subscribe( now)?|sign up for .{0,60}newsletter.*)[\s.:!]*$",
        r"^[\W_]*(more|read more)?[\W_]*$",  # ": . More." and lines of bare punctuation
    )
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_INLINE_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


@dataclass(frozen=True)
class Article:
    doc_id: str
    title: str
    source: str
    text: str
    language: str
    url: str = ""
    published: str = ""
    """ISO date YYYY-MM-DD, or "" when unknown."""
    author: str = ""
    page_starts: tuple[int, ...] = ()
    """PDF only: where each page (1, 2, ...) starts in `text`."""


def page_at(page_starts: tuple[int, ...] | list[int], offset: int) -> int | None:
    """The page (1-based) holding character `offset`, or None for a text without pages."""
    if not page_starts:
        return None
    return max(1, bisect.bisect_right(page_starts, offset))


def read_article(path: Path, max_bytes: int = 5_000_000) -> Article:
    """Read one file into a cleaned Article, or raise IngestError saying why not."""
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'}; use {KINDS}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise IngestError(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit (ASSISTANT_MAX_FILE_BYTES)")
    kind = path.suffix.lower()
    if kind == ".pdf":
        pages, meta = pdf_pages(raw)
        return parse_pages(pages, source=path.name, meta=meta)
    if kind == ".docx":
        text, meta = docx_text(raw)
        return parse_article(text, source=path.name, meta=meta)
    return parse_article(decode(raw, path.name), source=path.name, kind=kind)


def parse_article(text: str, source: str, kind: str = ".txt", meta: Meta | None = None) -> Article:
    """Clean `text` (of file type `kind`) into an Article; `meta` is what the
    file's container declared (PDF/DOCX properties)."""
    meta = meta or Meta()
    if kind in (".html", ".htm"):
        h1, text_only = html_to_text(text)
        meta = _merge(html_meta(text, h1), meta)
        text = text_only
    elif kind in (".md", ".markdown"):
        declared, text = front_matter(text)
        heading, text = markdown_to_text(text)
        meta = _merge(_merge(declared, Meta(title=heading)), meta)
    title, lines = _take_title(_clean_lines(text), meta.title)
    body = _join_paragraphs(lines)
    return _article(title, body, source, meta)


def parse_pages(pages: list[str], source: str, meta: Meta | None = None) -> Article:
    """Clean a paged document (PDF) into an Article that knows where each page starts."""
    meta = meta or Meta()
    title = ""
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for i, page in enumerate(pages):
        lines = _clean_lines(page)
        if not parts:  # the first page with text holds the headline; a footer is never one
            title, lines = _take_title(lines, meta.title, last_line=False)
        text = _join_paragraphs(lines)
        if text and parts:
            offset += 2  # the blank line between pages
        starts.append(offset)
        if text:
            parts.append(text)
            offset += len(text)
    body = "\n\n".join(parts)
    return _article(title, body, source, meta, tuple(starts))


def _article(title: str, body: str, source: str, meta: Meta, page_starts: tuple[int, ...] = ()) -> Article:
    if len(re.findall(r"\w", body)) < 20:
        raise IngestError("no article text found (the file is empty or holds only page furniture)")
    if not title:
        title = headline(body)
    declared = f"\n{meta.url}\n{meta.published}\n{meta.author}" if (meta.url or meta.published or meta.author) else ""
    # Files without metadata keep the ids they had before metadata was read.
    doc_id = hashlib.sha256(f"{title}\n{body}{declared}".encode("utf-8")).hexdigest()[:16]
    return Article(doc_id=doc_id, title=title, source=source, text=body, language=detect_language(body),
                   url=meta.url, published=meta.published, author=meta.author, page_starts=page_starts)


def _merge(first: Meta, then: Meta) -> Meta:
    """`first`'s fields, with `then`'s where `first` has none."""
    return Meta(title=first.title or then.title, url=first.url or then.url,
                published=first.published or then.published, author=first.author or then.author)


def _clean_lines(text: str) -> list[str]:
    lines = normalize(text).split("\n")
    return [line for line in lines if not any(p.match(line.strip()) for p in _BOILERPLATE)]


def decode(raw: bytes, name: str = "") -> str:
    """The text of an article file: a BOM if there is one, else UTF-8; UTF-8
    with a few bad bytes keeps its UTF-8 (the bad bytes become U+FFFD, with a
    warning); UTF-16 without a BOM and legacy encodings (Windows-1252, ...) are
    recognized by charset-normalizer; anything else is binary."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                       (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                raise IngestError(f"the file starts with a {codec.upper()} byte order mark but is not valid "
                                  f"{codec.upper()}; save it as UTF-8 and retry") from None
    if b"\x00" in raw[:8192]:
        wide = _utf16_without_bom(raw)
        if wide is None:
            raise IngestError("this looks like a binary file, not text")
        return wide
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode())
    good_multibyte = sum(1 for c in text if ord(c) > 0x7F and c != "\ufffd")
    if good_multibyte and bad <= max(3, len(raw) // 500):
        # UTF-8 with a few damaged bytes: reading it all as Windows-1252 would turn every "ü" into "Ã¼".
        log.warning("%s: %d byte(s) are not valid UTF-8; they were replaced with U+FFFD and the rest read as UTF-8",
                    name or "file", bad)
        return text
    from charset_normalizer import from_bytes

    matches = from_bytes(raw)
    # Among the encodings that fit, Windows-1252 is by far the likeliest for a news article.
    if any("cp1252" in m.could_be_from_charset for m in matches):
        return raw.decode("cp1252", errors="replace")
    best = matches.best()
    if best is None:
        raise IngestError("cannot decode the file as UTF-8 or a known text encoding; save it as UTF-8 and retry")
    return str(best)


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text without a byte order mark (most of one byte of each pair is zero), else None."""
    sample = raw[:8192] if len(raw) % 2 == 0 else raw[:8191]
    pairs = len(sample) // 2
    if len(raw) % 2 or not pairs:
        return None
    for codec, zeros in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if zeros.count(0) >= 0.3 * pairs:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if sum(c.isprintable() or c.isspace() for c in text[:4096]) >= 0.95 * len(text[:4096]):
                return text
    return None


def normalize(text: str) -> str:
    """NFC, no control characters, single spaces, `\\n` line ends."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return "\n".join(_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))


def _take_title(lines: list[str], hint: str, last_line: bool = True) -> tuple[str, list[str]]:
    """Find the title (a hint, a heading-like first line, or a heading-like last
    line) and drop every copy of it from the body."""
    content = [line for line in lines if line]
    title = clean_title(hint)
    if not title and content:
        if _looks_like_title(clean_title(content[0])):
            title = clean_title(content[0])
        elif last_line and _looks_like_title(content[-1]) and len(content[-1].split()) >= 4 and ":" not in content[-1]:
            title = clean_title(content[-1])
    if title:
        key = title.casefold()
        same = lambda line: line.casefold() == key or clean_title(line).casefold() == key  # noqa: E731
        # A copy of the title at the top or the bottom is furniture; keep mentions inside the body.
        while lines and (not lines[0] or same(lines[0])):
            lines = lines[1:]
        while lines and (not lines[-1] or same(lines[-1])):
            lines = lines[:-1]
    return title, lines


def clean_title(title: str) -> str:
    """A title without Markdown marks: `**Tejo Azul**` -> `Tejo Azul`."""
    t = " ".join(title.split())
    t = re.sub(r"^#{1,6}\s+", "", t)
    t = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", t)  # links and images keep their text
    t = re.sub(r"(\*\*|__)(.+?)\1", r"\2", t)
    t = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", t)
    t = re.sub(r"`([^`]+)`", r"\1", t)
    t = t.strip("*_` ")
    return " ".join(t.split())


def _looks_like_title(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 20 and len(line) <= 160 and not line.endswith((".", ":", ";", ","))


def _join_paragraphs(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


_DANGLING = set("which who whom whose that is are was were be of the a an and or but to in on at for with by from as "
                "its their his her qui que dont est sont le la les des du de un une et ou à au aux en pour par avec".split())


def headline(body: str) -> str:
    """A title for an article that has none: its first sentence (see the module doc)."""
    first = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0].split("\n")[0].strip()
    first = clean_title(first)
    if len(first) <= TITLE_CHARS:
        return first[:-1] if first.endswith(".") and not first.endswith("..") else first
    clause = re.match(r"(.{30,}?)(?:[,;:]\s|\s[–—-]\s)", first)
    if clause and len(clause.group(1)) <= TITLE_CHARS:
        return clause.group(1).strip()
    cut = first[: TITLE_CHARS - 1].rsplit(" ", 1)[0].split()
    while len(cut) > 3 and cut[-1].casefold().strip(",;:") in _DANGLING:
        cut.pop()
    return " ".join(cut).rstrip(",;:") + "…"


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, text) of an HTML page, keeping only readable content."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "svg", "form",
                     "nav", "header", "footer", "aside", "button", "input", "select"]):
        tag.decompose()
    title = ""
    h1 = soup.find("h1")
    if h1 and h1.get_text(strip=True):
        title = h1.get_text(" ", strip=True)
    elif soup.title and soup.title.get_text(strip=True):
        title = soup.title.get_text(" ", strip=True)
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = root.find_all(["p", "li", "h2", "h3", "h4", "blockquote", "pre", "td"])
    if blocks:
        parts = [b.get_text(" ", strip=True) for b in blocks if not b.find(["p", "li"])]
    else:
        parts = [root.get_text("\n", strip=True)]
    return title, "\n\n".join(p for p in parts if p)


def markdown_to_text(md: str) -> tuple[str, str]:
    """Return (title, text) of a Markdown article: markup removed, words kept."""
    title = ""
    out = []
    for line in md.replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            if not title and line.lstrip().startswith("# "):
                title = heading.group(1)
                continue
            line = heading.group(1)
        if re.match(r"^\s{0,3}([-*_]\s*){3,}$", line):  # horizontal rule
            continue
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)  # images
        line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)  # links keep their text
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
        line = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", line)
        line = re.sub(r"`([^`]+)`", r"\1", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        out.append(line)
    return title, "\n".join(out)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language ('en', 'fr', ...)."""
    import py3langid

    code, _ = py3langid.classify(text[:4000])
    return code
