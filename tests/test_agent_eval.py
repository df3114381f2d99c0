"""`chatcanvas eval agent` on the tiny model: the runner with the router, the CLI's table, and an
OpenAI-compatible server on loopback whose scripted decisions are judged right and wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from chatcanvas.errors import InvalidInput
from chatcanvas.eval.agent import has_phrase, load_conversations, run_suite, words_of
from chatcanvas.eval.suite import CATEGORY_ORDER, parse_conversations
from tests.conftest import CACHE_DIR
from tests.test_llm import FakeOpenAI

MINI = Path(__file__).parent / "data" / "agent_eval_mini.json"
EXE = Path(sys.executable).parent / "chatcanvas"


def chatcanvas(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # one torch thread: on a small shared machine the tiny model's work is too small to split
    env = {**os.environ, "CHATCANVAS_CACHE_DIR": str(CACHE_DIR), "CHATCANVAS_LLM": "router", "OMP_NUM_THREADS": "1"}
    return subprocess.run([str(EXE), "eval", "agent", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_the_router_on_the_mini_suite_is_judged_turn_by_turn(settings, one_torch_thread):
    report = run_suite(load_conversations(path=MINI), llm="router", settings=settings)
    categories = report.categories
    assert list(categories) == list(CATEGORY_ORDER)  # the fixture covers every category
    assert sum(score.turns for score in categories.values()) == report.overall.turns == 14
    for score in [*categories.values(), report.overall]:
        assert 0 <= score.correct <= score.turns and 0 <= score.decision_pct <= 100
        assert score.lineage_ok <= score.lineage_checked and score.fidelity_ok <= score.fidelity_checked
    assert categories["edit"].lineage_checked >= 1 and categories["draw"].lineage_checked == 0

    fox = report.result("mini-fox", 0)
    assert (fox.category, fox.correct, fox.fidelity) == ("draw", True, True)
    assert "generate_image" in fox.happened
    blue = report.result("mini-fox", 1)
    assert (blue.category, blue.correct, blue.lineage, blue.fidelity) == ("edit", True, True, True)
    assert report.result("mini-fox", 3).correct  # "thanks, that's lovely": words, no picture
    assert report.result("mini-lighthouse", 0).correct  # a question about drawing is not a request to draw
    assert report.result("mini-halo", 0).correct and report.result("mini-rex", 0).correct  # subjects
    assert report.result("mini-upload", 1).fidelity is None  # a reply has no prompt to check
    assert {f.conversation for f in report.failures} <= {r.conversation for r in report.results}

    data = json.loads(json.dumps(report.to_dict()))
    assert data["llm"] == "router" and data["conversations"] == 5
    assert data["overall"]["turns"] == 14 and set(data["categories"]) == set(CATEGORY_ORDER)
    assert len(data["failures"]) == len(report.failures)


def test_the_cli_prints_the_table_and_writes_the_json(tmp_path):
    done = chatcanvas("--file", str(MINI), "--show-failures", "--json", "report.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("agent evaluation: llm=router, 5 conversations, 14 turns")
    assert lines[1].split() == ["category", "turns", "decision", "lineage", "fidelity"]
    assert [line.split()[0] for line in lines[2:9]] == [*CATEGORY_ORDER, "overall"]
    written = json.loads((tmp_path / "report.json").read_text())
    assert lines[8].split()[:3] == ["overall", "14", f"{written['overall']['decision_pct']:.0f}%"]
    assert lines[9] == f"failures ({len(written['failures'])}):"
    assert "mini-fox: " in done.stderr  # one progress line per conversation


def test_a_bad_argument_prints_one_line_and_exits_2(tmp_path):
    done = chatcanvas("--split", "nope", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == "error: split: 'nope': use one of dev, test, all"


@pytest.mark.parametrize("args, message", [
    (["--file", "missing.json"], "file: no such file: missing.json"),
    (["--split", "dev", "--file", "x.json"], "split: give --split or --file, not both"),
])
def test_bad_arguments_are_refused_before_anything_runs(args, message):
    from typer.testing import CliRunner

    from chatcanvas.cli import app

    result = CliRunner().invoke(app, ["eval", "agent", *args])
    assert isinstance(result.exception, InvalidInput) and str(result.exception) == message


def test_a_scripted_openai_compatible_server_is_judged_right_and_wrong(tmp_path):
    suite = [{"id": "scripted", "turns": [
        {"say": "draw a red fox", "expect": "draw", "must": ["red", "fox"]},
        {"say": "thanks!", "expect": "reply"},
        {"say": "make it blue", "expect": "edit", "must": ["blue", "fox"]},
    ]}]
    (tmp_path / "suite.json").write_text(json.dumps(suite))
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeOpenAI.requests.clear()
    FakeOpenAI.replies[:] = [
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "generate_image", "arguments": json.dumps({"prompt": "a red fox in the snow"})}}]},
        {"role": "assistant", "content": "Here is a red fox."},
        {"role": "assistant", "content": "You're welcome!"},
        {"role": "assistant", "content": "Done, it is blue now."},  # says so, but edits nothing: wrong
    ]
    try:
        done = chatcanvas("--file", "suite.json", "--llm", "openai:scripted", "--llm-base-url",
                          f"http://127.0.0.1:{server.server_address[1]}/v1", "--json", "report.json",
                          "--show-failures", cwd=tmp_path)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("agent evaluation: llm=openai:scripted, 1 conversations, 3 turns")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["categories"]["draw"] == {**report["categories"]["draw"], "turns": 1, "correct": 1,
                                            "fidelity_checked": 1, "fidelity_ok": 1}
    assert report["categories"]["chat"]["correct"] == 1
    assert (report["categories"]["edit"]["turns"], report["categories"]["edit"]["correct"]) == (1, 0)
    assert report["overall"]["decision_pct"] == pytest.approx(66.7)
    [failure] = report["failures"]
    assert (failure["turn"], failure["expected"], failure["correct"]) == (2, "an edit", False)
    assert "scripted turn 2" in done.stdout and "no new image" in failure["happened"]
    assert len(FakeOpenAI.requests) == 4 and FakeOpenAI.requests[0]["model"] == "scripted"


def test_prompt_words_match_whole_words_and_plurals():
    words = words_of("Two Foxes, a pony-tailed girl and some berries at dusk")
    assert has_phrase(words, "fox") and has_phrase(words, "berry") and has_phrase(words, "DUSK")
    assert has_phrase(words, "pony tailed") and not has_phrase(words, "tail")
    assert not has_phrase(words_of("a foxglove"), "fox")


@pytest.mark.parametrize("turn, problem", [
    ({"say": "hi"}, "'expect' must be one of"),
    ({"say": "undo", "expect": "select"}, "expect 'select' needs 'select'"),
    ({"say": "more", "expect": "variations", "n": 0}, "'n' must be a whole number"),
    ({"say": "x", "expect": "draw", "mustnot": ["a"]}, "unknown field(s) mustnot"),
    ({"say": "x", "expect": "edit", "attach": {"shape": "blob", "color": "red", "background": "blue"}},
     "attach shape='blob'"),
])
def test_a_bad_conversation_is_named(turn, problem):
    with pytest.raises(InvalidInput) as caught:
        parse_conversations([{"id": "c1", "turns": [turn]}], "suite.json")
    assert "suite.json: c1 turn 0: " in str(caught.value) and problem in str(caught.value)
