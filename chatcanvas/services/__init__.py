"""Use cases every surface shares (HTTP, OpenAI routes, MCP, Slack, Discord, CLI); the one place a policy lives."""
