"""Edges of every entry point that are not HTTP: ingesting odd files and
folders, bad history through the Python API, and the command line."""

from __future__ import annotations

import logging
import os
import socket

import pytest

from assistant import QuestionError
from assistant.cli import _parser, main
from assistant.library import expand_paths
from assistant.loading import decode

ARTICLE = ("Zürich city council approved a budget of 4.2 billion francs on Tuesday, "
           "after a debate that lasted until midnight. The vote was 71 to 43.\n")


# -- ingest: encodings -----------------------------------------------------------
def test_utf16_without_bom_is_decoded():
    for codec in ("utf-16-le", "utf-16-be"):
        assert decode(ARTICLE.encode(codec)) == ARTICLE


def test_one_bad_byte_keeps_the_utf8_text(caplog):
    raw = ARTICLE.encode("utf-8")
    damaged = raw[:40] + b"\xff" + raw[40:]
    with caplog.at_level(logging.WARNING, logger="assistant.loading"):
        text = decode(damaged, "zurich.txt")
    assert text.startswith("Zürich") and "ZÃ¼rich" not in text
    assert text.replace("\ufffd", "") == ARTICLE and text.count("\ufffd") == 1
    assert any("zurich.txt" in r.getMessage() and "1 byte" in r.getMessage() for r in caplog.records)


def test_legacy_and_binary_files():
    assert decode(ARTICLE.encode("cp1252")) == ARTICLE
    assert decode("Москва — столица России, в ней живут 13 миллионов человек.\n".encode("cp1251")).startswith("Москва")
    with pytest.raises(Exception, match="binary"):
        decode(bytes(range(256)) * 8)


# -- ingest: folders with odd links --------------------------------------------------
def test_symlink_loops_and_dangling_links_are_reported(tmp_path, fresh):
    root = tmp_path / "news"
    (root / "deep").mkdir(parents=True)
    (root / "deep" / "zurich.txt").write_text(ARTICLE * 2, encoding="utf-8")
    os.symlink("..", root / "deep" / "up")                 # a loop back to a parent
    os.symlink("gone.txt", root / "dangling.txt")          # a dangling link
    os.symlink("loop-b", root / "loop-a")                  # a link cycle
    os.symlink("loop-a", root / "loop-b")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "geneva.md").write_text(ARTICLE.replace("Zürich", "Geneva") * 2, encoding="utf-8")
    os.symlink(tmp_path / "elsewhere" / "geneva.md", root / "alias.md")  # a good link is followed
    files, report = expand_paths([root])
    assert sorted(p.name for p in files) == ["alias.md", "zurich.txt"]
    reasons = {os.path.basename(r.path): r.reason for r in report.results}
    assert set(reasons) == {"up", "dangling.txt", "loop-a", "loop-b"}
    assert reasons["dangling.txt"].startswith("broken symbolic link") and "gone.txt" in reasons["dangling.txt"]
    assert all(reasons[k].startswith("symbolic link loop") for k in ("up", "loop-a", "loop-b"))
    result = fresh.ingest([root, root / "dangling.txt"])
    assert [os.path.basename(r.path) for r in result.added] == ["alias.md", "zurich.txt"]
    assert len(result.skipped) == 5 and all(r.reason for r in result.skipped)


# -- the Python API: history ---------------------------------------------------------
@pytest.mark.parametrize("history, says", [
    (5, "history must be a list of turns"),
    ("what about it?", "history must be a list of turns"),
    ({"role": "user", "content": "hi"}, "a single turn must still be in a list"),
    ([{"role": "user", "content": "hi"}] * 101, "the limit is 100"),
    ([{"role": "user", "content": "x" * 60_000}] * 2, "100,000 characters"),
    ([{"role": "robot", "content": "hi"}], "history[0] must be a dict"),
])
def test_bad_history_is_a_question_error(assistant, history, says):
    with pytest.raises(QuestionError, match=says.replace("[", r"\[").replace("]", r"\]")):
        assistant.ask("Which AWS chip is Apple evaluating?", history)


# -- the command line ------------------------------------------------------------
def test_global_options_work_before_or_after_the_command():
    p = _parser()
    assert p.parse_args(["--data-dir", "D", "serve"]).data_dir == "D"
    assert p.parse_args(["serve", "--data-dir", "D"]).data_dir == "D"
    args = p.parse_args(["--config", "c.toml", "ingest", "x", "--data-dir", "D"])
    assert (args.config, args.data_dir, args.paths) == ("c.toml", "D", ["x"])
    assert p.parse_args(["models", "list", "--data-dir", "D"]).data_dir == "D"
    assert p.parse_args(["api", "--port", "9", "--api-key", "k"]).api_key == "k"
    assert p.parse_args(["ask", "q"]).data_dir is None


def test_documents_with_data_dir_after_the_command(seeded_dir, capsys):
    assert main(["documents", "--data-dir", str(seeded_dir)]) == 0
    assert "000_c9fa0d67a8b7c485.txt" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["api"], ["slack"], ["serve"]])
def test_port_in_use_is_a_clear_error(command, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        if command == ["slack"]:
            from slack_mock import SlackMock  # the bot checks its token with Slack's Web API first

            mock = SlackMock(token="xoxb-test").start()
            monkeypatch.setenv("SLACK_API_URL", mock.api_url)
        try:
            code = main([*command, "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(tmp_path)])
        finally:
            if command == ["slack"]:
                mock.stop()
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"Port {port} on 127.0.0.1 is already in use" in err and "--port N" in err


def test_api_refuses_a_public_host_without_a_key(capsys, monkeypatch):
    monkeypatch.delenv("ASSISTANT_API_KEY", raising=False)
    assert main(["api", "--host", "0.0.0.0"]) == 1
    assert "without an API key" in capsys.readouterr().err
