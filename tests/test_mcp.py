"""The MCP server with the official MCP client, over stdio and over streamable HTTP, and through
langchain-mcp-adapters: image results as PNG ImageContent, progress as notifications."""

from __future__ import annotations

import base64
import io
import os

import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared.memory import create_connected_server_and_client_session
from PIL import Image

from tests.conftest import CACHE_DIR, KEYS, png_bytes


async def exercise(session: ClientSession) -> None:
    await session.initialize()
    names = {tool.name for tool in (await session.list_tools()).tools}
    assert {"generate_image", "edit_image", "list_images", "register_subject", "generate_with_subject"} <= names
    progress = []

    async def on_progress(value, total, message):
        progress.append((value, total))

    made = await session.call_tool("generate_image", {"prompt": "a red fox", "seed": 3, "steps": 4},
                                   progress_callback=on_progress)
    assert not made.isError, made.content
    image, text = made.content
    assert image.type == "image" and image.mimeType == "image/png"
    assert Image.open(io.BytesIO(base64.b64decode(image.data))).size == (64, 64)
    image_id = text.text.split("Generated image: ")[1].split(" ")[0]
    assert progress and progress[-1] == (4, 4) and [p for p, _ in progress] == sorted(p for p, _ in progress)

    edited = await session.call_tool("edit_image", {"prompt": "a blue fox", "image_id": image_id})
    assert edited.content[0].type == "image" and "Edited image" in edited.content[1].text
    listed = await session.call_tool("list_images", {})
    assert image_id in listed.content[0].text

    bad = await session.call_tool("generate_image", {"prompt": "a fox", "width": 63})
    assert bad.isError and "width: must be a multiple of 8" in bad.content[0].text


async def test_stdio_with_the_official_client(tmp_path):
    params = StdioServerParameters(command="chatcanvas", args=["mcp", "--model", "tiny"], env={
        **os.environ, "CHATCANVAS_DATA_DIR": str(tmp_path), "CHATCANVAS_CACHE_DIR": str(CACHE_DIR)})
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await exercise(session)


async def test_streamable_http_behind_the_api_key(live):
    server = live(api_keys=KEYS)
    async with streamablehttp_client(f"{server.url}/mcp/", headers={"Authorization": "Bearer key-alice"}) as (
            read, write, _), ClientSession(read, write) as session:
        await exercise(session)
        # subjects through MCP: upload a photo, register, draw
        stored = await session.call_tool("upload_image", {
            "data_base64": base64.b64encode(png_bytes(Image.new("RGB", (64, 64), "brown"))).decode()})
        photo_id = stored.content[0].text.split()[2]
        registered = await session.call_tool("register_subject", {"name": "Rex", "image_ids": [photo_id]})
        assert "Registered Rex" in registered.content[-1].text
        drawn = await session.call_tool("generate_with_subject", {"subject": "Rex", "prompt": "Rex surfing"})
        assert drawn.content[0].type == "image"
    # the images belong to alice, the key's owner
    assert server.state.store.list_images("alice") and not server.state.store.list_images("bob")
    assert httpx.post(f"{server.url}/mcp/", json={}).status_code == 401
    assert httpx.post(f"{server.url}/mcp/", json={}, headers={"Authorization": "Bearer nope"}).status_code == 401


async def test_langchain_mcp_adapters_load_and_call_our_tools(live):
    from langchain_mcp_adapters.client import MultiServerMCPClient

    server = live(api_keys=KEYS)
    client = MultiServerMCPClient({"chatcanvas": {"transport": "streamable_http", "url": f"{server.url}/mcp/",
                                                  "headers": {"Authorization": "Bearer key-bob"}}})
    tools = {tool.name: tool for tool in await client.get_tools()}
    assert {"generate_image", "edit_image", "list_images"} <= tools.keys()
    result = await tools["generate_image"].ainvoke({"prompt": "a green frog", "seed": 1})
    text = result if isinstance(result, str) else str(result)
    assert "Generated image" in text
    assert server.state.store.list_images("bob")[0].prompt == "a green frog"


async def test_every_tool_parameter_is_described_and_select_image_makes_an_earlier_image_current(settings):
    from chatcanvas.agent import ImageAgent
    from chatcanvas.server.mcp import create_mcp_server
    from chatcanvas.tools import ToolBox

    agent = ImageAgent.create(llm="router", settings=settings)
    try:
        async with create_connected_server_and_client_session(create_mcp_server(agent)) as session:
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert "select_image" in tools
            undescribed = [f"{tool.name}.{name}" for tool in tools.values()
                           for name, schema in tool.inputSchema["properties"].items()
                           if not str(schema.get("description", "")).strip()]
            assert not undescribed
            agent_tools = ToolBox(agent.subjects, "local", "mcp").tools  # shared parameters: the agent's words
            assert tools["edit_image"].inputSchema["properties"]["strength"]["description"] == (
                agent_tools["edit_image"].args["strength"]["description"])

            def made(result) -> str:
                assert not result.isError, result.content
                return result.content[-1].text.split(" image: ")[1].split(" ")[0]

            first = made(await session.call_tool("generate_image", {"prompt": "a red fox", "seed": 1, "steps": 2}))
            made(await session.call_tool("generate_image", {"prompt": "a grey owl", "seed": 2, "steps": 2}))
            selected = await session.call_tool("select_image", {"image_id": first})
            assert not selected.isError and f"The current image is now {first}" in selected.content[0].text
            edited = made(await session.call_tool("edit_image", {"prompt": "a blue fox"}))
            assert agent.store.get(edited, "local").parent_id == first  # the selected image, not the latest
            elsewhere = await session.call_tool("select_image", {"image_id": first, "conversation": "other"})
            assert elsewhere.isError and "not an image of this conversation" in elsewhere.content[0].text
    finally:
        agent.close()


def test_the_mcp_command_is_documented():
    from typer.testing import CliRunner

    from chatcanvas.cli import app

    result = CliRunner().invoke(app, ["mcp", "--help"])
    assert result.exit_code == 0 and "stdio" in result.output
