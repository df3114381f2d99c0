"""`chatcanvas demo` and `chatcanvas chat` end to end in subprocesses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time

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


def test_ctrl_c_cancels_the_running_image_not_the_chat(tmp_path):
    env = {**os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path / "data"), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR),
           "CHATCANVAS_STEPS": "5000", "CHATCANVAS_MAX_STEPS": "5000", "CHATCANVAS_PROGRESS": "1"}
    chat = subprocess.Popen(["chatcanvas", "chat", "--model", "tiny"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(iter(lambda: chat.stderr.read(1), "")), daemon=True)
    reader.start()
    try:
        chat.stdin.write("draw a very long picture\n")
        chat.stdin.flush()
        deadline = time.monotonic() + 120
        while not re.search(r"\| *[1-9]\d*/5000", "".join(stderr)):
            assert time.monotonic() < deadline, "".join(stderr)
            time.sleep(0.05)
        chat.send_signal(signal.SIGINT)
        chat.stdin.write("hello\n/quit\n")
        chat.stdin.close()
        out = chat.stdout.read()  # stderr is read by `reader` alone
        chat.wait(120)
        reader.join(30)
    finally:
        chat.kill()
    assert chat.returncode == 0, "".join(stderr)
    assert "cancelling the image" in "".join(stderr)
    assert re.search(r"chatcanvas> Sorry, I couldn't do that: job \w+ was cancelled at step \d+ of 5000", out)
    assert "chatcanvas> Hi!" in out  # the chat went on after the cancel


def test_the_platform_commands_name_their_missing_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(CHATCANVAS_DATA_DIR=str(tmp_path), CHATCANVAS_CACHE_DIR=str(CACHE_DIR))
    slack = subprocess.run(["chatcanvas", "slack"], env=env, capture_output=True, text=True, timeout=60)
    assert slack.returncode == 2 and "SLACK_APP_TOKEN" in slack.stderr and "SLACK_BOT_TOKEN" in slack.stderr
    discord = subprocess.run(["chatcanvas", "discord"], env=env, capture_output=True, text=True, timeout=60)
    assert discord.returncode == 2 and "DISCORD_TOKEN" in discord.stderr
