"""The `assistant` command. It is the composition root: the web UI and the
Slack bot are imported here, lazily, and never by the core modules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .errors import AssistantError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="A local news assistant that answers only from your articles.")
    p.add_argument("--data-dir", help="where the article store lives (default: ./data, or ASSISTANT_DATA_DIR)")
    p.add_argument("--config", help="a TOML settings file (or ASSISTANT_CONFIG)")
    sub = p.add_subparsers(metavar="COMMAND")

    c = sub.add_parser("ingest", help="add or update articles (.txt, .md, .html, .pdf, .docx files or folders)")
    c.add_argument("paths", nargs="+")
    c.add_argument("--json", action="store_true", help="machine-readable report")
    c.set_defaults(func=_ingest)

    c = sub.add_parser("check", help="compare the vector store and the lexical catalog; --repair fixes differences")
    c.add_argument("--repair", action="store_true", help="re-embed or remove what is inconsistent")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_check)

    c = sub.add_parser("documents", help="list the ingested articles")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_documents)

    c = sub.add_parser("remove", help="remove an article by id or file name")
    c.add_argument("doc")
    c.set_defaults(func=_remove)

    c = sub.add_parser("search", help="show the passages that best match a query")
    c.add_argument("query")
    c.add_argument("-k", type=int, default=None, help="how many passages (default: top_k)")
    c.add_argument("--json", action="store_true")
    _filter_options(c)
    c.set_defaults(func=_search)

    c = sub.add_parser("ask", help="answer a question from the articles, with sources")
    c.add_argument("question")
    c.add_argument("--json", action="store_true")
    _filter_options(c)
    c.set_defaults(func=_ask)

    c = sub.add_parser("chat", help="a conversation in the terminal, with follow-up questions")
    c.set_defaults(func=_chat)

    c = sub.add_parser("eval", help="score the assistant on a question set (JSON lines)")
    c.add_argument("qa", nargs="?", help="questions, as in shared/eval/dev_qa.jsonl")
    c.add_argument("--conversations", help="follow-up conversations, as in dev_conversations.jsonl")
    c.add_argument("--articles", help="folder of articles: ingested into a fresh temporary store and scored "
                   "against (default: the current library, quotes checked against seeds/)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_eval)

    c = sub.add_parser("models", help="list or fetch the configured models")
    msub = c.add_subparsers(metavar="ACTION")
    m = msub.add_parser("list", help="models, where each comes from, present and verified or not")
    m.set_defaults(func=_models_list)
    m = msub.add_parser("pull", help="fetch models into models/cache (all by default)")
    m.add_argument("names", nargs="*")
    m.set_defaults(func=_models_pull)

    c = sub.add_parser("serve", help="start the web chat")
    c.add_argument("--host", default="127.0.0.1")
    c.add_argument("--port", type=int, default=7860)
    c.add_argument("--share-auth", metavar="USER:PASSWORD", help="require basic auth")
    c.add_argument("--ingest", nargs="*", default=[], metavar="PATH", help="ingest these first")
    c.set_defaults(func=_serve)

    c = sub.add_parser("slack", help="start the Slack bot (Events API over HTTP, or Socket Mode)")
    c.add_argument("--host", default="0.0.0.0")
    c.add_argument("--port", type=int, default=3000)
    c.set_defaults(func=_slack)

    c = sub.add_parser("api", help="serve an OpenAI-compatible HTTP API (verified answers with citations)")
    c.add_argument("--host", default="127.0.0.1", help="a non-local address needs an API key")
    c.add_argument("--port", type=int, default=8100)
    c.add_argument("--api-key", help="require `Authorization: Bearer KEY` on /v1 (or ASSISTANT_API_KEY)")
    c.set_defaults(func=_api)

    # The global options also work after the command name (`assistant serve --data-dir D`);
    # SUPPRESS keeps a value given before the command when none is given after it.
    commands = list(sub.choices.values()) + list(msub.choices.values())
    for c in commands:
        c.add_argument("--data-dir", default=argparse.SUPPRESS, help="where the article store lives")
        c.add_argument("--config", default=argparse.SUPPRESS, help="a TOML settings file")
    return p


def _settings(args):
    from .settings import Settings

    return Settings.load(args.config, data_dir=args.data_dir)


def _assistant(args):
    from .core import Assistant

    return Assistant(settings=_settings(args))


def _ingest(args) -> int:
    from tqdm import tqdm

    import time

    assistant = _assistant(args)
    bar = tqdm(total=0, unit="file", desc="Ingesting", disable=args.json or None)
    t0 = time.perf_counter()

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.n = done
        rate = assistant.library.chunks_stored / max(time.perf_counter() - t0, 1e-9)
        bar.set_postfix_str(f"{rate:.0f} chunks/s {name[-40:]}")
        bar.refresh()

    def notify(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = assistant.library.ingest(args.paths, progress, notify=notify)
    bar.close()
    seconds = time.perf_counter() - t0
    if args.json:
        print(json.dumps([r.__dict__ for r in report.results], ensure_ascii=False, indent=2))
    else:
        for r in report.results:
            if r.status == "skipped":
                print(f"  skipped  {r.path}: {r.reason}")
            elif r.status != "unchanged":
                print(f"  {r.status:<8} {r.path} ({r.n_chunks} chunks) {r.title}")
        stored = assistant.library.chunks_stored
        print(report.summary() + (f" ({stored} chunks in {seconds:.1f} s, {stored / seconds:.0f} chunks/s)" if stored else ""))
    return 1 if report.results and len(report.skipped) == len(report.results) else 0


def _check(args) -> int:
    from .check import check

    report = check(_assistant(args).library, repair=args.repair)
    if args.json:
        print(json.dumps({"documents": report.documents, "chunks": report.chunks,
                          "differences": [d.__dict__ for d in report.differences],
                          "repaired": report.repaired}, ensure_ascii=False, indent=2))
    else:
        for d in report.differences:
            print(f"  {d.kind:<20} {d.target}  {d.detail}")
        for line in report.repaired:
            print(f"  repaired: {line}")
        print(report.summary())
    return 0 if report.ok or report.repaired else 1


def _filter_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("--doc", action="append", default=[], metavar="ID",
                   help="only this article (repeat for several; ids from `assistant documents`)")
    c.add_argument("--since", default="", metavar="YYYY-MM-DD", help="only articles published on or after this date")
    c.add_argument("--until", default="", metavar="YYYY-MM-DD", help="only articles published on or before this date")


def _where(args) -> dict:
    return {"doc_ids": args.doc, "since": args.since, "until": args.until}


def _documents(args) -> int:
    docs = _assistant(args).documents()
    if args.json:
        print(json.dumps([d.__dict__ for d in docs], ensure_ascii=False, indent=2))
    elif not docs:
        print("No articles yet. Add some with `assistant ingest PATH...`.")
    for d in docs if not args.json else []:
        print(f"{d.doc_id}  {d.language}  {d.n_chunks:>3} chunks  {d.published or '----------'}  {d.source}  {d.title}")
        about = "  ".join(x for x in (f"by {d.author}" if d.author else "", d.url) if x)
        if about:
            print(f"{'':>16}  {about}")
    return 0


def _remove(args) -> int:
    doc = _assistant(args).remove(args.doc)
    print(f"Removed {doc.source} ({doc.title}).")
    return 0


def _search(args) -> int:
    passages = _assistant(args).search(args.query, args.k, where=_where(args))
    if args.json:
        print(json.dumps([p.__dict__ for p in passages], ensure_ascii=False, indent=2))
        return 0
    if not passages:
        print("No passage found (with --doc/--since/--until, no article may match them).")
    for i, p in enumerate(passages, start=1):
        where = ", ".join(x for x in (p.source, p.published, f"page {p.page}" if p.page else "",
                                      f"chars {p.start}-{p.end}") if x)
        print(f"{i}. [{p.score:.3f}] {p.title} ({where})")
        print("   " + " ".join(p.text.split())[:300])
    return 0


def _print_answer(answer) -> None:
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            about = ", ".join(x for x in (c.source, c.published, f"page {c.page}" if c.page else "", c.url) if x)
            print(f"[{c.number}] {c.title} ({about})\n    “{c.quote}”")
    if answer.dropped:
        print(f"\n({len(answer.dropped)} unsupported sentence(s) removed by verification.)")


def _ask(args) -> int:
    assistant = _assistant(args)
    if args.json:
        print(json.dumps(assistant.ask(args.question, where=_where(args)).to_dict(), ensure_ascii=False, indent=2))
        return 0
    answer = None
    for item in assistant.stream(args.question, where=_where(args)):
        if isinstance(item, str):
            continue  # the draft is not shown: only the verified answer is printed
        answer = item
    _print_answer(answer)
    return 0


def _chat(args) -> int:
    assistant = _assistant(args)
    history: list[dict[str, str]] = []
    print("Ask about your articles. Empty line or Ctrl-D to quit; /new starts a new conversation.")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question == "/new":
            history = []
            print("(new conversation)")
            continue
        try:
            answer = assistant.ask(question, history)
        except AssistantError as exc:
            print(f"error: {exc}")
            continue
        _print_answer(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def _eval(args) -> int:
    from .evaluation import run_eval

    if not args.qa and not args.conversations:
        raise AssistantError("Give a question set: `assistant eval QA.jsonl [--conversations C.jsonl]`.")
    import tempfile

    if args.articles and not Path(args.articles).is_dir():
        raise AssistantError(f"--articles {args.articles} is not a folder. Give the folder of the corpus's articles.")
    scratch = tempfile.TemporaryDirectory(prefix="assistant-eval-") if args.articles else None
    if scratch:  # score this corpus alone, without touching the user's library
        args.data_dir = scratch.name
    assistant = _assistant(args)
    folder = Path(args.articles or "seeds")
    if scratch:
        print(assistant.ingest([folder]).summary(), file=sys.stderr)
    articles = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in folder.glob("*") if p.is_file()}

    def show(row: dict) -> None:
        if not args.json:
            mark = "ok " if row["correct"] else "BAD"
            print(f"{mark} {row['id']:<6} {row['seconds']:>5.2f}s {row['question'][:60]!r} -> {row['text'][:100]!r}")

    report = run_eval(assistant, args.qa, args.conversations, articles, show)
    metrics = report.metrics()
    if args.json:
        print(json.dumps({"metrics": metrics, "rows": report.rows}, ensure_ascii=False, indent=2))
    else:
        print()
        for k, v in metrics.items():
            print(f"{k:<20} {v}")
    return 0


def _models_list(args) -> int:
    from . import modelfiles

    settings = _settings(args)
    for spec in modelfiles.load_manifest(settings).values():
        st = modelfiles.status(spec, settings)
        state = "verified" if st.verified else ("CORRUPT (sha256 mismatch)" if st.present else "missing")
        in_use = " (in use)" if spec.name in (settings.chat_model, settings.embed_model) else ""
        print(f"{spec.name}{in_use}: {spec.role}, {spec.size / 1e6:.0f} MB, {state}")
        print(f"  file: {st.path}")
        for src in spec.sources:
            print(f"  source: {src.get('package') or src.get('url')}" + (f" [{src['member']}]" if "member" in src else ""))
    for role, value in (("chat", settings.chat_model), ("embedding", settings.embed_model)):
        if value not in modelfiles.load_manifest(settings):
            print(f"{role} model from a path: {value} ({'present' if Path(value).is_file() else 'MISSING'})")
    return 0


def _models_pull(args) -> int:
    from . import modelfiles
    from .errors import ModelError

    settings = _settings(args)
    specs = modelfiles.load_manifest(settings)
    names = args.names or list(specs)
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ModelError(f"Unknown model(s): {', '.join(unknown)}. Known: {', '.join(specs)}.")
    for name in names:
        modelfiles.pull(specs[name], settings)
    return 0


def _serve(args) -> int:
    from ui.app import serve

    assistant = _assistant(args)
    if args.ingest:
        print(assistant.ingest(args.ingest).summary())
    auth = None
    if args.share_auth:
        user, sep, password = args.share_auth.partition(":")
        if not sep or not user or not password:
            raise AssistantError("--share-auth must look like USER:PASSWORD.")
        auth = (user, password)
    serve(assistant, host=args.host, port=args.port, auth=auth)
    return 0


def _slack(args) -> int:
    import slackbot

    # Check SLACK_* first: a missing token should not wait for the models to load.
    settings = slackbot.SlackSettings.from_env(port=args.port, host=args.host)
    slackbot.run(_assistant(args), port=args.port, host=args.host, settings=settings)
    return 0


def _api(args) -> int:
    from api import ApiSettings, serve

    # Check the host and key before loading anything: a refused --host fails at once.
    api_settings = ApiSettings.from_env(host=args.host, port=args.port, api_key=args.api_key)
    settings = _settings(args)

    def load():
        from .core import Assistant

        return Assistant(settings=settings)

    serve(load, api_settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
