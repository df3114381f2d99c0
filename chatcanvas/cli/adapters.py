"""`chatcanvas mcp`, `chatcanvas slack` and `chatcanvas discord`: the places people chat."""

from __future__ import annotations

from typing import Annotated

import typer

from chatcanvas.cli.common import DataDirOpt, ModelOpt, app, quiet_libraries, settings_with


@app.command()
def mcp(
    model: ModelOpt = None,
    user: Annotated[str, typer.Option(help="Whose images and subjects the MCP tools use.")] = "local",
    data_dir: DataDirOpt = None,
) -> None:
    """Serve the image tools to an MCP client over stdio (the HTTP transport is at /mcp/ on `serve`)."""
    quiet_libraries()
    import logging

    from chatcanvas.agent import ImageAgent
    from chatcanvas.server.mcp import create_mcp_server

    logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the protocol
    agent = ImageAgent.create(settings=settings_with(model, data_dir))
    try:
        create_mcp_server(agent, stdio_user=user).run("stdio")
    finally:
        agent.close()


@app.command()
def slack(model: ModelOpt = None, data_dir: DataDirOpt = None) -> None:
    """Run the Slack app in Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN); no public URL needed."""
    from chatcanvas.errors import InvalidInput

    settings = settings_with(model, data_dir)
    if not settings.slack_app_token or not settings.slack_bot_token:
        raise InvalidInput("slack", "set SLACK_APP_TOKEN (xapp-...) and SLACK_BOT_TOKEN (xoxb-...) for Socket Mode")
    quiet_libraries()
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from chatcanvas.agent import ImageAgent
    from chatcanvas.server.slack import create_slack_app

    agent = ImageAgent.create(settings=settings)
    try:
        SocketModeHandler(create_slack_app(agent, settings), settings.slack_app_token).start()
    finally:
        agent.close()


@app.command()
def discord(model: ModelOpt = None, data_dir: DataDirOpt = None) -> None:
    """Run the Discord bot (DISCORD_TOKEN): /imagine, /edit, /subject, and chat by mention or DM."""
    from chatcanvas.errors import InvalidInput

    settings = settings_with(model, data_dir)
    if not settings.discord_token:
        raise InvalidInput("discord", "set DISCORD_TOKEN to the bot's token")
    quiet_libraries()
    from chatcanvas.agent import ImageAgent
    from chatcanvas.server.discord_bot import ChatcanvasBot

    agent = ImageAgent.create(settings=settings)
    try:
        ChatcanvasBot(agent).run(settings.discord_token, log_handler=None)
    finally:
        agent.close()
