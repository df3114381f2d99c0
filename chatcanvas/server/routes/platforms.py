"""Chat platforms that call in over HTTP: Slack's Events API at /slack/events (signed by Slack, not keyed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from chatcanvas.server.deps import StateDep, unauthorized

router = APIRouter(tags=["platforms"])


@router.post("/slack/events", include_in_schema=False)
async def slack_events(request: Request, state: StateDep) -> Response:
    """Slack events, verified by Slack's signing secret (a bad signature or a stale timestamp is a 401)."""
    if state.slack_handler is None:
        raise unauthorized("Slack is not configured here: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
    return await state.slack_handler.handle(request)
