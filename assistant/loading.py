"""Reading article files and cleaning them into plain text.

Only whitespace is normalized: characters are kept as they are, so a quote
taken from the cleaned text can be found again in the original article.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import IngestError

log = logging.getLogger("assistant.loading")
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")

# Lines that are page furniture, not article content.
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^leave a (reply|comment)\b.*$",
        r"^.*your email address will not be published.*$",
        r"^.*required fields are marked.*$",
        r"^follow [^:\n]{1,60}:\s*((threads|bluesky|instagram|mastodon|twitter|x|facebook|linkedin|youtube|tiktok|rss)[\s,.]*(and\s+)?)+$",
        r"^related (story|stories|article|articles|post|posts|reading)\b.*$",
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


def read_article(path: Path, max_bytes: int = 5_000_000) -> Article:
    """Read one file into a cleaned Article, or raise IngestError saying why not."""
    if path.suffix.lower() not in SUFFIXES:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'}; use .txt, .md or .html")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise IngestError(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit (ASSISTANT_MAX_FILE_BYTES)")
    text = decode(raw, path.name)
    return parse_article(text, source=path.name, kind=path.suffix.lower())


def parse_article(text: str, source: str, kind: str = ".txt") -> Article:
    """Clean `text` (of file type `kind`) into an Article."""
    title_hint = ""
    if kind in (".html", ".htm"):
        title_hint, text = html_to_text(text)
    elif kind in (".md", ".markdown"):
        title_hint, text = markdown_to_text(text)
    lines = [line for line in normalize(text).split("\n")]
    lines = [line for line in lines if not any(p.match(line.strip()) for p in _BOILERPLATE)]
    title, lines = _take_title(lines, title_hint)
    body = _join_paragraphs(lines)
    if len(re.findall(r"\w", body)) < 20:
        raise IngestError("no article text found (the file is empty or holds only page furniture)")
    if not title:
        title = _first_sentence(body)
    doc_id = hashlib.sha256(f"{title}\n{body}".encode("utf-8")).hexdigest()[:16]
    return Article(doc_id=doc_id, title=title, source=source, text=body, language=detect_language(body))


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


def _take_title(lines: list[str], hint: str) -> tuple[str, list[str]]:
    """Find the title (a hint, a heading-like first line, or a heading-like last
    line) and drop every copy of it from the body."""
    content = [line for line in lines if line]
    title = hint.strip()
    if not title and content:
        if _looks_like_title(content[0]):
            title = content[0]
        elif _looks_like_title(content[-1]) and len(content[-1].split()) >= 4 and ":" not in content[-1]:
            title = content[-1]
    if title:
        key = title.casefold()
        # A copy of the title at the top or the bottom is furniture; keep mentions inside the body.
        while lines and (not lines[0] or lines[0].casefold() == key):
            lines = lines[1:]
        while lines and (not lines[-1] or lines[-1].casefold() == key):
            lines = lines[:-1]
    return title, lines


def _looks_like_title(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 20 and len(line) <= 160 and not line.endswith((".", ":", ";", ","))


def _join_paragraphs(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def _first_sentence(body: str) -> str:
    first = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0].split("\n")[0]
    return first if len(first) <= 100 else first[:97].rsplit(" ", 1)[0] + "…"


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
