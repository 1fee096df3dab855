"""The saved-conversation store (ui/conversations.py): SQLite under the data dir."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ui.conversations import (ConversationError, ConversationNotFound, ConversationStore, to_markdown)

ROOT = Path(__file__).resolve().parent.parent


def turn(q: str, text: str = "An answer [1].") -> dict:
    return {"question": q, "answer": {"text": text, "refused": False, "citations": [
        {"number": 1, "title": "Apple and AWS", "source": "a.txt", "quote": "Apple uses Trainium2.",
         "published": "2024-12-03", "author": "Ann Lee", "url": "https://example.com/a", "page": 3}]}}


def test_save_list_get_rename_delete(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    cid = s.save("b1", None, [turn("Which chip does Apple use?")])
    assert [c.title for c in s.list("b1")] == ["Which chip does Apple use?"]
    s.save("b1", cid, [turn("Which chip does Apple use?"), turn("And why?")])
    conv = s.get("b1", cid)
    assert [t["question"] for t in conv.turns] == ["Which chip does Apple use?", "And why?"]
    s.rename("b1", cid, "  Trainium   notes ")
    assert s.get("b1", cid).title == "Trainium notes"
    s.save("b1", cid, conv.turns)  # a later save keeps the new name
    assert s.list("b1")[0].title == "Trainium notes" and s.list("b1")[0].n_turns == 2
    s.delete("b1", cid)
    assert s.list("b1") == []
    with pytest.raises(ConversationNotFound, match="Pick one from the list"):
        s.get("b1", cid)


def test_conversations_are_private_to_their_owner(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    cid = s.save("alice", None, [turn("Q")])
    assert s.list("bob") == []
    with pytest.raises(ConversationNotFound):
        s.get("bob", cid)
    with pytest.raises(ConversationNotFound):
        s.delete("bob", cid)
    with pytest.raises(ConversationNotFound):
        s.save("bob", cid, [turn("overwrite")])
    assert s.get("alice", cid).turns[0]["question"] == "Q"


def test_clear_errors(tmp_path):
    s = ConversationStore(tmp_path / "c.sqlite3")
    cid = s.save("b", None, [turn("Q")])
    with pytest.raises(ConversationError, match="name cannot be empty"):
        s.rename("b", cid, "   ")
    with pytest.raises(ConversationError, match="reload the page"):
        s.list("")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConversationError, match="Check that the data directory is writable"):
        ConversationStore(blocker / "sub" / "c.sqlite3")


def test_survives_a_restart_and_exports_markdown(tmp_path):
    cid = ConversationStore(tmp_path / "c.sqlite3").save("b", None, [turn("Which chip?"), {"question": "Later?",
                                                                                               "stopped": True}])
    conv = ConversationStore(tmp_path / "c.sqlite3").get("b", cid)  # a new process would open it the same way
    md = to_markdown(conv)
    assert md.startswith("# Which chip?\n")
    assert "**Question:** Which chip?" in md and "An answer [1]." in md
    assert "- [1] Apple and AWS (a.txt; 2024-12-03, Ann Lee, p. 3) <https://example.com/a>" in md
    assert "  > Apple uses Trainium2." in md
    assert "_Stopped before it was answered._" in md


WRITER = """
import sys
from ui.conversations import ConversationStore
s = ConversationStore(sys.argv[1])
owner = sys.argv[2]
for i in range(int(sys.argv[3])):
    cid = s.save(owner, None, [{"question": f"q{i}", "answer": {"text": "x" * 20000}}])
    s.rename(owner, cid, f"{owner} {i}")
print("done", flush=True)
"""


def _writer(path: Path, owner: str, n: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), owner, str(n)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_write_at_once(tmp_path):
    path = tmp_path / "c.sqlite3"
    ConversationStore(path)
    procs = [_writer(path, owner, 40) for owner in ("p1", "p2")]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    s = ConversationStore(path)
    for owner in ("p1", "p2"):
        titles = {c.title for c in s.list(owner)}
        assert titles == {f"{owner} {i}" for i in range(40)}


def test_killed_mid_write_leaves_a_readable_store(tmp_path):
    path = tmp_path / "c.sqlite3"
    s = ConversationStore(path)
    kept = s.save("b", None, [turn("kept")])
    p = _writer(path, "w", 100_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(s.list("w")) < 20:
        time.sleep(0.05)
    assert len(s.list("w")) >= 20
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    s = ConversationStore(path)
    assert s.get("b", kept).turns[0]["question"] == "kept"
    rows = s.list("w")
    assert rows and all(r.n_turns == 1 for r in rows)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    s.save("b", kept, [turn("kept"), turn("after the kill")])
    assert len(s.get("b", kept).turns) == 2
