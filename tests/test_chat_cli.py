"""`chatcanvas demo` and `chatcanvas chat` end to end in subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time

import pytest
from PIL import Image

from tests.conftest import CACHE_DIR
from tests.test_cli import chatcanvas


def test_demo_draws_edits_and_personalizes_on_shapes_and_writes_an_html_transcript(tmp_path, monkeypatch):
    from chatcanvas.eval.reading import read
    from chatcanvas.store import SubjectStore, read_parameters

    monkeypatch.setenv("CHATCANVAS_PROGRESS", "1")  # the bars are drawn on a terminal; here they are asked for
    done = chatcanvas("demo", "--out", "demo", cwd=tmp_path, data_dir=tmp_path / "unused")
    assert done.returncode == 0, done.stderr
    transcript = (tmp_path / "demo" / "transcript.html").read_text()
    assert "model <code>shapes</code>" in transcript
    images = re.findall(r"image: (\S+\.png)", done.stdout)
    assert len(images) == 4  # draw, edit, edit again, the subject; registering and the question draw nothing
    for image in images:
        assert f'src="images/{os.path.basename(image)}"' in transcript
    for name in ("generate_image", "edit_image", "register_subject", "generate_with_subject", "what can you do?"):
        assert name in transcript
    assert "you> this is my ring Halo [4 pictures attached]" in done.stdout
    assert re.search(r"learning Halo:.*\| *[1-9]\d*/200", done.stderr)  # the training's steps, shown as they go
    assert "learned Halo: 200 of 200 training steps" in done.stdout
    drawn, green, yellow, sparkle = (tmp_path / image for image in images)
    assert (read(Image.open(drawn)).color, read(Image.open(drawn)).background) == ("red", "blue")
    assert (read(Image.open(green)).color, read(Image.open(green)).background) == ("green", "blue")
    assert (read(Image.open(yellow)).color, read(Image.open(yellow)).background) == ("green", "yellow")
    assert read_parameters(sparkle)["subject_method"] == "lora"
    assert Image.open(tmp_path / "demo" / "strip.png").size == (4 * 192 + 3 * 8, 192)

    # again in the same folder: the demo plays afresh (a short training keeps this cheap)
    monkeypatch.setenv("CHATCANVAS_LORA_STEPS", "8")
    again = chatcanvas("demo", "--out", "demo", cwd=tmp_path, data_dir=tmp_path / "unused")
    assert again.returncode == 0, again.stderr
    transcript = (tmp_path / "demo" / "transcript.html").read_text()
    assert "couldn&#x27;t" not in transcript and "Learning Halo" in transcript
    assert "learned Halo: 8 of 8 training steps" in again.stdout and re.search(r"learning Halo:.*\| *8/8", again.stderr)
    assert len(re.findall(r"image: (\S+\.png)", again.stdout)) == 4
    [subject] = SubjectStore(tmp_path / "demo" / "data").list_subjects("demo")  # the first run's is erased
    assert subject.status == "ready"


def test_chat_through_stdin_draws_edits_and_edits_an_attached_photo(tmp_path):
    Image.new("RGB", (64, 64), "orange").save(tmp_path / "photo.png")
    script = "hello\ndraw a red fox\nmake it blue\n/image photo.png\nmake this a watercolor\n/quit\n"
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path / "data"), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR)}
    done = subprocess.run(["chatcanvas", "chat", "--model", "tiny", "--llm", "router"], input=script, text=True,
                          capture_output=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("chatcanvas> Hi!") for line in lines)
    paths = re.findall(r"image: (\S+\.png)", done.stdout)
    assert len(paths) == 3 and all((tmp_path / p).exists() for p in paths)
    assert "attached photo.png to your next message" in done.stdout

    from chatcanvas.store import read_parameters

    fox, blue, watercolor = (read_parameters(tmp_path / p) for p in paths)
    assert (fox["operation"], blue["operation"], watercolor["operation"]) == ("generate", "edit", "edit")
    assert blue["prompt"] == "a blue fox" and blue["parent_id"] == paths[0].split("/")[-1][:-4]
    assert watercolor["parent_id"] not in (fox.get("parent_id"), paths[1].split("/")[-1][:-4])


class RunningChat:
    """`chatcanvas chat` on `tiny` in a subprocess, its pictures 1000 steps long (seconds; the most its scheduler
    takes), its output read as it comes (with the progress bar, to see a picture being made)."""

    def __init__(self, tmp_path):
        env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path / "data"), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR),
               "CHATCANVAS_STEPS": "1000", "CHATCANVAS_MAX_STEPS": "5000", "CHATCANVAS_PROGRESS": "1"}
        self.process = subprocess.Popen(["chatcanvas", "chat", "--model", "tiny"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                                        env=env)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.readers = [threading.Thread(target=lambda s=stream, into=into: into.extend(iter(lambda: s.read(1), "")),
                                         daemon=True)
                        for stream, into in ((self.process.stdout, self.stdout), (self.process.stderr, self.stderr))]
        for reader in self.readers:
            reader.start()

    @property
    def out(self) -> str:
        return "".join(self.stdout)

    @property
    def err(self) -> str:
        return "".join(self.stderr)

    def say(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for(self, pattern: str, stream: str) -> None:
        deadline = time.monotonic() + 120  # starting and a few steps take seconds
        while not re.search(pattern, getattr(self, stream)):
            assert time.monotonic() < deadline and self.process.poll() is None, self.out + self.err
            time.sleep(0.05)

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def finish(self) -> int:
        try:
            self.process.wait(120)
            for reader in self.readers:
                reader.join(30)
        finally:
            self.process.kill()
        return self.process.returncode

    def said_since(self, start: int) -> list[str]:
        """The lines on stderr from character `start` on, the progress bar's redraws aside."""
        return [line.strip() for line in re.split(r"[\r\n]", self.err[start:])
                if line.strip() and not line.startswith("drawing")]


def test_ctrl_c_cancels_the_picture_with_one_line_and_at_the_prompt_leaves(tmp_path):
    chat = RunningChat(tmp_path)
    chat.say("draw a very long picture")
    chat.wait_for(r"\| *[1-9]\d*/1000", "err")
    start = len(chat.err)
    chat.interrupt()  # while drawing: the picture stops, the chat goes on
    chat.say("hello")
    chat.wait_for(r"chatcanvas> Hi!", "out")
    chat.interrupt()  # at the prompt: the chat ends
    assert chat.finish() == 0, chat.err
    assert re.search(r"chatcanvas> Sorry, I couldn't do that: job \w+ was cancelled at step \d+ of 1000", chat.out)
    assert chat.said_since(start) == ["cancelling the picture (Ctrl-C again leaves the chat)",
                                      "leaving the chat; conversation 'default' is kept"], chat.err
    assert "Traceback" not in chat.err


def test_a_second_ctrl_c_while_drawing_leaves_with_one_line(tmp_path):
    chat = RunningChat(tmp_path)
    chat.say("draw a very long picture")
    chat.wait_for(r"\| *[1-9]\d*/1000", "err")
    start = len(chat.err)
    chat.interrupt()
    chat.wait_for("cancelling the picture", "err")
    chat.interrupt()
    assert chat.finish() == 0, chat.err
    assert chat.said_since(start) == ["cancelling the picture (Ctrl-C again leaves the chat)",
                                      "leaving the chat; conversation 'default' is kept"], chat.err
    assert "Traceback" not in chat.err


def test_the_platform_commands_name_their_missing_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(CHATCANVAS_DATA_DIR=str(tmp_path), CHATCANVAS_CACHE_DIR=str(CACHE_DIR))
    slack = subprocess.run(["chatcanvas", "slack"], env=env, capture_output=True, text=True, timeout=60)
    assert slack.returncode == 2 and "SLACK_APP_TOKEN" in slack.stderr and "SLACK_BOT_TOKEN" in slack.stderr
    discord = subprocess.run(["chatcanvas", "discord"], env=env, capture_output=True, text=True, timeout=60)
    assert discord.returncode == 2 and "DISCORD_TOKEN" in discord.stderr


def chat(tmp_path, script: str, *options: str) -> subprocess.CompletedProcess:
    """`chatcanvas chat` on `tiny` with the offline router, fed `script` through stdin."""
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path / "data"), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR)}
    done = subprocess.run(["chatcanvas", "chat", "--model", "tiny", "--llm", "router", *options], input=script,
                          text=True, capture_output=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def listed(output: str) -> list[tuple[str, int, str, str]]:
    """The lines of each /images in `output`: (mark, ordinal, id, what it shows)."""
    return [(m[1], int(m[2]), m[3], m[4]) for m in re.finditer(r"^([ *]) #(\d+) ([0-9a-f]{24})  (.*)$", output, re.M)]


@pytest.fixture(scope="module")
def commands_run(tmp_path_factory):
    """One chat that draws, edits, undoes, picks pictures by number, saves one, and mistypes each command."""
    tmp_path = tmp_path_factory.mktemp("commands")
    script = ("/images\n/use 1\n/undo\n"  # nothing to list, use or undo yet
              "draw a red fox\nmake it green\n/images\n"
              "/undo\nmake it blue\n"  # edits the red fox, the picture before the green one
              "/use 2\nmake it yellow\n/images\n"  # edits the green fox
              "/save 1 saved/fox.png\n"
              "/use 7\n/use two\n/save 9 x.png\n/save 2\n/save 2 fox.jpg\n/undo now\n/frobnicate\n/help\n/quit\n")
    return tmp_path, chat(tmp_path, script)


def test_images_undo_and_use_pick_the_picture_the_next_edit_changes(commands_run):
    from chatcanvas.store import read_parameters

    tmp_path, done = commands_run
    assert "new conversation 'default'" in done.stdout
    assert "no pictures in this conversation yet" in done.stdout
    drawn = [read_parameters(tmp_path / path) for path in re.findall(r"^  image: (\S+\.png)", done.stdout, re.M)]
    ids = [path.split("/")[-1][:-4] for path in re.findall(r"^  image: (\S+\.png)", done.stdout, re.M)]
    assert [p["prompt"] for p in drawn] == ["a red fox", "a green fox", "a blue fox", "a yellow fox"]
    red, green, blue, yellow = ids
    assert [p["parent_id"] for p in drawn] == [None, red, red, green]  # after /undo, then after /use 2

    lists = listed(done.stdout)
    assert lists[:2] == [(" ", 1, red, "a red fox"), ("*", 2, green, "a green fox (edit of #1)  (current)")]
    assert lists[2:] == [(" ", 1, red, "a red fox"), (" ", 2, green, "a green fox (edit of #1)"),
                         (" ", 3, blue, "a blue fox (edit of #1)"),
                         ("*", 4, yellow, "a yellow fox (edit of #2)  (current)")]
    assert f"current picture: #1 {red}  a red fox" in done.stdout  # /undo
    assert f"current picture: #2 {green}  a green fox" in done.stdout  # /use 2


def test_save_writes_the_picture_as_a_png_with_its_parameters(commands_run):
    from chatcanvas.store import read_parameters

    tmp_path, done = commands_run
    assert "saved #1 to saved/fox.png" in done.stdout
    with Image.open(tmp_path / "saved" / "fox.png") as saved:
        assert saved.format == "PNG" and saved.size == (64, 64)
        saved.load()
    assert read_parameters(tmp_path / "saved" / "fox.png")["prompt"] == "a red fox"


def test_a_mistyped_command_says_what_is_wrong_in_one_line(commands_run):
    tmp_path, done = commands_run
    errors = done.stderr.splitlines()
    for line in ("/use: this conversation has no pictures yet",
                 "/undo: there is no earlier picture to go back to",
                 "/use: no picture 7; this conversation has 4",
                 "/use: give a picture's number from /images, 1 to 4, e.g. /use 2",
                 "/save: no picture 9; this conversation has 4",
                 "/save: give a path to write to, e.g. /save 1 fox.png",
                 "/save: pictures are saved as PNG; name the file fox.png",
                 "/undo: takes no argument (got 'now')",
                 "/frobnicate: no such command; /help lists them"):
        assert line in errors, done.stderr
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "fox.jpg").exists()
    for command in ("/images", "/use N", "/undo", "/save N PATH", "/image PATH", "/quit"):
        assert re.search(rf"^  {re.escape(command)}: ", done.stdout, re.M), command  # /help


def test_chat_says_it_resumes_and_new_starts_another_conversation(commands_run):
    from chatcanvas.store import ImageStore

    tmp_path, _ = commands_run  # conversation 'default' has 4 messages and 4 pictures
    fresh = chat(tmp_path, "/images\ndraw a red fox\nmake it green\n", "--new")
    name = re.search(r"^new conversation '(chat-[0-9a-f]+)'$", fresh.stdout, re.M)[1]
    assert "no pictures in this conversation yet" in fresh.stdout
    assert len(ImageStore(tmp_path / "data").list_images("local", "default")) == 4  # the earlier one stays

    latest = chat(tmp_path, "/images\n")  # a run without --conversation continues the latest conversation
    assert f"resuming conversation '{name}' (2 messages, 2 pictures); --new starts fresh" in latest.stdout
    assert [(mark, ordinal) for mark, ordinal, _, _ in listed(latest.stdout)] == [(" ", 1), ("*", 2)]
