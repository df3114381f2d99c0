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
        ("gpt-4o-mini", "use 'router', 'provider:model'"),
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
        "generate_image", "edit_image", "register_subject", "generate_with_subject"}
    assert "runtime" not in json.dumps(first["tools"])
    assert first["messages"][0]["role"] == "system" and "no image in this conversation yet" in first["messages"][0][
        "content"]
    tool_result = second["messages"][-1]
    assert tool_result["role"] == "tool" and reply.images[0].id in tool_result["content"]
