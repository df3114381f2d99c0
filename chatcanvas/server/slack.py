"""The Slack app (slack-bolt): mentions and DMs go to the agent, one conversation per thread.

Attached images are fetched through Slack's API with the bot token (from Slack's own file hosts only),
a placeholder message shows progress through `chat.update`, and results are uploaded into the thread with
`files_upload_v2`. The same app runs in Socket Mode (`chatcanvas slack`) or mounted at `/slack/events`.
"""

from __future__ import annotations

import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import ParseResult, urlparse

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from chatcanvas.agent import ImageAgent, Progress, Reply
from chatcanvas.config import Settings
from chatcanvas.errors import ChatCanvasError, InvalidImage
from chatcanvas.services.chat import ChatService, ChatTurn

log = logging.getLogger(__name__)
_MENTION = re.compile(r"<@[A-Z0-9]+>")
PROGRESS_EVERY_SECONDS = 1.0


def slack_user(team: str | None, user: str) -> str:
    return f"slack:{team or 'unknown'}:{user}"


class SlackBridge:
    """Turns one Slack message into one agent turn and its answer in the thread."""

    def __init__(self, agent: ImageAgent, settings: Settings):
        self.agent, self.settings = agent, settings
        api = urlparse(settings.slack_api_url)
        # where the bot token may go: Slack's file hosts over https, and the configured Web API's own origin
        self.trusted_origins = {("https", "files.slack.com", 443), ("https", "slack-files.com", 443),
                                _origin(api)}

    def handle(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        channel, user = event["channel"], event.get("user")
        if not user or event.get("bot_id"):
            return
        thread = event.get("thread_ts") or event["ts"]
        who = slack_user(context.team_id or event.get("team"), user)
        conversation = f"slack:{channel}:{thread}"
        text = _MENTION.sub("", event.get("text") or "").strip()
        placeholder = client.chat_postMessage(channel=channel, thread_ts=thread, text="On it...")
        ts = placeholder["ts"]
        try:
            images = [self.download(client, file) for file in event.get("files", [])
                      if str(file.get("mimetype", "")).startswith("image/")]
            reply = self.run(client, channel, ts, text, images, who, conversation)
        except ChatCanvasError as exc:
            client.chat_update(channel=channel, ts=ts, text=f"Sorry, I couldn't do that: {exc}")
            return
        client.chat_update(channel=channel, ts=ts, text=reply.text or "Done.")
        if reply.images:
            client.files_upload_v2(channel=channel, thread_ts=thread, file_uploads=[
                {"file": self.agent.store.read(record), "filename": f"{record.id}.png",
                 "title": record.prompt or record.id}
                for record in reply.images
            ])

    def run(self, client: WebClient, channel: str, ts: str, text: str, images: list[bytes], who: str,
            conversation: str) -> Reply:
        last = 0.0
        reply = None
        for item in ChatService(self.agent).stream(ChatTurn(user=who, conversation=conversation, text=text,
                                                            uploads=images)):
            if isinstance(item, Progress):
                now = time.monotonic()
                if item.step and item.total and (now - last >= PROGRESS_EVERY_SECONDS or item.step == 1):
                    last = now
                    client.chat_update(channel=channel, ts=ts, text=f"Drawing... step {item.step} of {item.total}")
            else:
                reply = item
        assert reply is not None
        return reply

    def download(self, client: WebClient, file: dict[str, Any]) -> bytes:
        """A file shared in Slack, looked up with files.info and fetched from Slack with the bot token."""
        info = client.files_info(file=file["id"])["file"]
        url = info.get("url_private_download") or info.get("url_private") or ""
        self.check_url(url)  # the bot token is only ever sent to Slack: the first URL and every redirect
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
        opener = urllib.request.build_opener(_SlackOnlyRedirects(self.check_url))
        try:
            with opener.open(request, timeout=30) as response:
                data = response.read(self.settings.max_upload_bytes + 1)
        except urllib.error.URLError as exc:
            raise InvalidImage(f"could not fetch the file from Slack: {exc.reason}") from exc
        if len(data) > self.settings.max_upload_bytes:
            raise InvalidImage(f"the file is over {self.settings.max_upload_bytes:,} bytes")
        return data


    def check_url(self, url: str) -> None:
        if _origin(urlparse(url)) not in self.trusted_origins:
            raise InvalidImage(f"refusing to fetch {url!r}: not a Slack file URL")


def _origin(url: ParseResult) -> tuple[str, str | None, int | None]:
    try:
        port = url.port or {"https": 443, "http": 80}.get(url.scheme)
    except ValueError:  # a port that is not a number
        return ("", None, None)
    return (url.scheme, url.hostname, port)


class _SlackOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a Slack origin: urllib would resend the Authorization header to any host."""

    def __init__(self, check: Callable[[str], None]):
        self.check = check

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 (urllib's signature)
        self.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def create_slack_app(agent: ImageAgent, settings: Settings) -> App:
    if not settings.slack_bot_token:
        raise ChatCanvasError("Slack needs SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)")
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = App(client=client, signing_secret=settings.slack_signing_secret or "socket-mode-needs-no-secret")
    bridge = SlackBridge(agent, settings)

    @app.event("app_mention")
    def on_mention(event: dict, client: WebClient, context: BoltContext) -> None:
        bridge.handle(event, client, context)

    @app.event("message")
    def on_message(event: dict, client: WebClient, context: BoltContext) -> None:
        if event.get("channel_type") == "im" and event.get("subtype") in (None, "file_share"):
            bridge.handle(event, client, context)

    return app
