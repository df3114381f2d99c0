"""LLM choice: the router by default, any init_chat_model provider, and an OpenAI-compatible server by URL.

The last is checked for real: langchain-openai's client talks HTTP to a small OpenAI-compatible server on
loopback that answers with a tool call and then with text, through the whole agent loop.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chatcanvas.agent import ImageAgent, IntentRouter, load_llm
from chatcanvas.errors import InvalidInput


def test_router_is_the_default():
    assert isinstance(load_llm("router"), IntentRouter)


def test_provider_model_specs_go_through_init_chat_model():
    from langchain_openai import ChatOpenAI

    llm = load_llm("openai:gpt-4o-mini", base_url="http://127.0.0.1:9/v1")
    assert isinstance(llm, ChatOpenAI) and llm.model_name == "gpt-4o-mini"
    assert str(llm.openai_api_base) == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gpt-4o-mini", "use 'router', 'rules', 'provider:model'"),
        ("nosuchprovider:model", "nosuchprovider"),
    ],
)
def test_bad_llm_specs_name_the_problem(spec, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        load_llm(spec)
    assert caught.value.field == "llm"


class FakeOpenAI(BaseHTTPRequestHandler):
    replies: list[dict] = []
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOpenAI.requests.append(body)
        message = FakeOpenAI.replies.pop(0)
        payload = {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_an_openai_compatible_server_drives_the_agent(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeOpenAI.requests.clear()
    FakeOpenAI.replies[:] = [
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "generate_image", "arguments": json.dumps({"prompt": "a red fox", "seed": 3})}}]},
        {"role": "assistant", "content": "Here is a red fox."},
    ]
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    agent = ImageAgent.create(settings=settings.model_copy(update={"llm": "openai:local-model", "llm_base_url": url}))
    try:
        reply = agent.chat("draw a red fox", user="alice")
    finally:
        agent.close()
        server.shutdown()
    assert reply.text == "Here is a red fox."
    assert reply.images[0].prompt == "a red fox" and reply.images[0].seed == 3
    first, second = FakeOpenAI.requests
    assert first["model"] == "local-model"
    assert {tool["function"]["name"] for tool in first["tools"]} == {
        "generate_image", "edit_image", "select_image", "register_subject", "generate_with_subject"}
    assert "runtime" not in json.dumps(first["tools"])
    assert first["messages"][0]["role"] == "system" and "no image in this conversation yet" in first["messages"][0][
        "content"]
    tool_result = second["messages"][-1]
    assert tool_result["role"] == "tool" and reply.images[0].id in tool_result["content"]


def test_a_local_transformers_chat_model_runs_the_agent(settings, tmp_path):
    """`hf:<folder or repo>` through langchain-huggingface, here a tiny random GPT-2 saved to a folder."""
    import torch
    from langchain_huggingface import ChatHuggingFace
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    words = "hello draw a red fox here is your image the".split()
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, **{w: i + 3 for i, w in enumerate(words)}}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", bos_token="<s>",
                                        eos_token="</s>", pad_token="</s>")
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }} {% endfor %}"
    tokenizer.save_pretrained(tmp_path / "llm")
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config(vocab_size=len(vocab), n_positions=2048, n_embd=32, n_layer=2, n_head=2,
                               bos_token_id=1, eos_token_id=2)).save_pretrained(tmp_path / "llm")

    spec = f"hf:{tmp_path / 'llm'}"
    assert isinstance(load_llm(spec), ChatHuggingFace)
    agent = ImageAgent.create(settings=settings.model_copy(update={"llm": spec}))
    try:
        reply = agent.chat("hello", user="alice")
        kinds = [m.type for m in agent.messages("alice", "default")]
    finally:
        agent.close()
    assert reply.tool_calls == [] and not reply.text.startswith("You are chatcanvas")  # only the model's new text
    assert kinds == ["human", "ai"]
