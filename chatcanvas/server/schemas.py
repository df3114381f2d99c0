"""What every route answers, as typed models: the OpenAPI schema documents each response, and clients (and the
contract tests) can check a response against it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    """Every 4xx and 5xx, in OpenAI's error shape."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A field is wrong; `error.param` names it."},
    401: {"model": ErrorBody, "description": "Missing or invalid API key."},
    404: {"model": ErrorBody, "description": "No such thing of yours."},
    409: {"model": ErrorBody, "description": "In use (a conversation's turn is running)."},
    413: {"model": ErrorBody, "description": "The request or an image is too large."},
    422: {"model": ErrorBody, "description": "The request does not match the schema."},
    429: {"model": ErrorBody, "description": "Too many jobs or logins; see Retry-After."},
    503: {"model": ErrorBody, "description": "Starting, stopping or restarting; try again."},
}


class A1111Error(BaseModel):
    """AUTOMATIC1111's error body: what went wrong in `detail` (and again in `errors`)."""

    error: str
    detail: str
    body: str = ""
    errors: str = ""


class HFError(BaseModel):
    """The Hugging Face inference error body."""

    error: str


def errors_as(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """ERROR_RESPONSES with another protocol's error body."""
    return {status: {**response, "model": model} for status, response in ERROR_RESPONSES.items()}


class Image(BaseModel):
    id: str
    url: str = Field(description="A signed link to the PNG (works without a key until it expires).")
    width: int
    height: int
    seed: int | None
    prompt: str | None
    parent_id: str | None = Field(description="The image this one was edited from.")
    operation: Literal["generate", "edit", "personalize", "upload"]
    model: str | None
    created: float


class ImageList(BaseModel):
    data: list[Image]


class ImageMeta(Image):
    """An image with everything needed to reproduce it."""

    conversation_id: str | None
    negative_prompt: str | None
    steps: int | None
    guidance_scale: float | None
    scheduler: str | None
    strength: float | None
    subject_ids: list[str]
    subject_method: str | None
    edit_method: str | None = Field(default=None, description="How an edit was made: img2img, inpaint, instruct "
                                                              "or inversion.")
    control: str | None = Field(default=None, description="What steered the layout: sketch, canny or depth.")
    control_image_id: str | None = Field(default=None, description="The image that steered it.")
    style_image_id: str | None = Field(default=None, description="The image whose style it took.")


class Conversation(BaseModel):
    id: str
    title: str
    created: float
    updated: float


class ConversationList(BaseModel):
    data: list[Conversation]


class Message(BaseModel):
    role: Literal["user", "assistant", "tool"]
    content: str
    name: str | None = None
    status: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    image_ids: list[str] | None = None


class ConversationDetail(Conversation):
    current_image_id: str | None
    messages: list[Message] = Field(description="Oldest first; a user message's `image_ids` are the pictures "
                                                "attached to it, a tool message's the pictures it made.")


class CurrentImage(BaseModel):
    conversation_id: str
    current_image_id: str = Field(description='The picture "it" means in the next message.')


class Cancelled(BaseModel):
    conversation_id: str
    cancelled: int = Field(description="How many of its queued and running jobs were stopped.")


class Job(BaseModel):
    id: str
    status: JobState
    step: int
    total: int
    created: float
    conversation_id: str | None
    images: list[Image]
    error: str | None


class Subject(BaseModel):
    id: str
    name: str
    aliases: list[str]
    kind: str | None
    method: Literal["ip_adapter", "lora"]
    status: Literal["training", "ready", "failed"]
    progress: float
    error: str | None
    model: str
    references: int = Field(description="How many photos it was learned from.")
    step: int | None = Field(default=None, description="While training: the training step reached...")
    total: int | None = Field(default=None, description="...of this many.")
    created: float
    updated: float


class SubjectList(BaseModel):
    data: list[Subject]


class ChatReply(BaseModel):
    conversation_id: str
    reply: str
    images: list[Image]
    tool_calls: list[dict[str, Any]]
    current_image_id: str | None


class GeneratedImage(BaseModel):
    id: str
    seed: int | None = None
    revised_prompt: str | None = None
    url: str | None = None
    b64_json: str | None = None


class ImagesResponse(BaseModel):
    """OpenAI's images response (`url` or `b64_json` per `response_format`), with our ids and seeds."""

    created: int
    data: list[GeneratedImage]


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"]
    content: str
    images: list[dict[str, Any]] = Field(description='[{"type": "image_url", "image_url": {"url": "data:..."}}]')
    current_image_id: str | None


class ChatCompletionChoice(BaseModel):
    index: int
    message: ChatCompletionMessage
    finish_reason: Literal["stop"]


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: Usage
    conversation_id: str


class Model(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[Model]


class ModelRange(BaseModel):
    summary: str = Field(description="What it can draw, in a sentence.")
    width: int = Field(description="Its native size.")
    height: int


class ModelCard(Model):
    """A model as a person meets it: what it is, what it can draw, what to try."""

    image_model: str = Field(description="The model that draws (the agent `chatcanvas` draws with the default one).")
    description: str | None
    range: ModelRange | None = Field(description="What a built-in model can draw; null: whatever it is told.")
    examples: list[str] = Field(description="Three prompts to try, in its range.")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    model: str
    model_loaded: bool
    worker_alive: bool
    accepting: bool
    workers: int | None = Field(default=None, description="Live image workers (a Ray Serve deployment's replicas); "
                                "absent for the server's own device worker.")
