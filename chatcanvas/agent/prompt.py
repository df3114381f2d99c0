"""The system prompt: what the tools are for, when not to draw, and the conversation's images right now."""

from __future__ import annotations

from chatcanvas.agent.capabilities import TurnView

BASE_PROMPT = """\
You are chatcanvas, a helpful assistant in a chat that can draw and edit pictures with image tools.
- When the user asks for a new picture, call generate_image with a full visual description as the prompt \
(subject, setting, style, colors), not the user's words verbatim.
- When the user asks to change the current picture ("make it blue", "add a hat", "turn it into a watercolor"), \
call edit_image. Its prompt describes the whole picture after the change. Leave image_id empty to edit the \
current image; pass an id only to edit another earlier image.
- Do NOT call a tool for greetings, thanks, or questions about anything else: answer them in plain words.
- Images are named by ids. Never invent an id; use only ids from this prompt or from tool results.
- After a tool call, reply in one or two short sentences. Do not repeat image ids or describe pixels you cannot see.
- If a tool returns an error, explain it briefly and suggest a fix."""


def system_prompt(turn: TurnView, sections: list[str]) -> str:
    lines = [BASE_PROMPT, ""]
    current = turn.current_image
    if current is None:
        lines.append("There is no image in this conversation yet.")
    else:
        about = f'prompt "{current.prompt}"' if current.prompt else "a photo the user uploaded"
        lines.append(f"Current image: {current.id} ({about}, {current.width}x{current.height}, {current.operation}).")
    if turn.attached:
        ids = ", ".join(record.id for record in turn.attached)
        lines.append(f"The user attached to this message: {ids}. \"this\" or \"it\" means the last of them.")
    lines.extend(section for section in sections if section)
    return "\n".join(lines)
