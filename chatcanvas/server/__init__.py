"""The HTTP server: chat API, OpenAI-compatible endpoints, jobs and progress, auth, the web chat page."""

from chatcanvas.server.app import create_app

__all__ = ["create_app"]
