"""One settings object for the whole package, read from `CHATCANVAS_*` environment variables."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything chatcanvas can be told; every field reads `CHATCANVAS_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="CHATCANVAS_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("~/.chatcanvas"), description="SQLite metadata and image files (unless "
                           "database_url and storage_url name other places), caches.")
    cache_dir: Path | None = Field(default=None, description="Built-in model weights; defaults to DATA_DIR/models.")
    model: str = Field(default="shapes", description="Built-in id, Hub repo id or local diffusers folder.")
    models: str | None = Field(default=None, description="Models API users may name, comma-separated (the "
                               "default model is always one); None: the default model and the built-in ones.")
    device: Literal["auto", "cuda", "mps", "cpu"] = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    scheduler: str | None = Field(default=None, description="Default scheduler; None keeps the model's own.")
    steps: int | None = Field(default=None, ge=1, description="Default steps; None uses the model's default.")
    guidance_scale: float | None = Field(default=None, ge=0, description="Default guidance; None: the model's.")
    caption_model: str | None = Field(
        default=None, description="transformers image-to-text model (repo id or folder, e.g. BLIP) that describes "
                                  "uploads for models other than the built-in ones; None: uploads get no description.")

    llm: str = Field(default="router", description="'router' (offline), 'provider:model', or 'hf:repo/id'.")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible server (vLLM, llama.cpp, LM Studio).")
    llm_api_key: str | None = Field(default=None, description="Key for llm_base_url; most local servers need none.")
    inference_token: str | None = Field(default=None, description="Bearer token for an `inference:URL` model on a "
                                        "host other than Hugging Face's (e.g. another chatcanvas's API key); "
                                        "HF_TOKEN goes to Hugging Face's hosts only.")
    inference_timeout_s: float = Field(default=120, gt=0, description="How long a remote picture may take.")
    database_url: str | None = Field(default=None, description="postgresql://... for the records of images, "
                                    "subjects, jobs and conversations (and web sessions, per-user options); else "
                                    "SQLite in the data folder. Replicas that share it share their users' things.")
    storage_url: str | None = Field(default=None, description="Where image files, subject photos, embeddings and "
                                    "LoRA weights go: a folder or any fsspec URL (s3://bucket/prefix needs "
                                    "chatcanvas[s3]); None: the data folder.")
    storage_options: dict[str, Any] | None = Field(
        default=None, description="JSON options for storage_url's fsspec filesystem, e.g. {\"endpoint_url\": "
                                  "\"http://minio:9000\", \"key\": ..., \"secret\": ...}; for S3 the standard AWS_* "
                                  "environment variables work too.")

    subject_method: Literal["ip_adapter", "lora"] | None = Field(
        default=None, description="Default enrollment; None: the model's own (LoRA for `shapes`, else IP-Adapter).")
    ip_adapter_repo: str | None = Field(default=None, description="IP-Adapter repo or folder; else per model.")
    ip_adapter_subfolder: str | None = None
    ip_adapter_weight: str | None = None
    ip_adapter_image_encoder: str | None = Field(default=None, description="CLIP vision encoder repo or folder for "
                                                 "an adapter without one of its own (XLabs' FLUX adapter).")
    ip_adapter_scale: float = Field(default=0.7, ge=0, le=2)
    lora_steps: int | None = Field(default=None, ge=1, description="LoRA training steps; else the model's default.")
    lora_learning_rate: float | None = Field(default=None, gt=0)
    lora_rank: int | None = Field(default=None, ge=1, le=256, description="LoRA rank; else the model's default.")
    lora_resolution: int | None = Field(default=None, ge=8, description="Training size; else the model's.")
    subject_wait_s: float = Field(default=900, ge=0, description="How long a draw of a subject still being learned "
                                  "waits for its training (with progress) before answering 'try again soon'.")

    job_timeout_s: float = Field(default=1800, gt=0, description="The longest a chat turn waits for one image "
                                 "job (queue and run) before answering that it took too long; the job goes on.")
    durable_jobs: bool = Field(default=True, description="Record every job before it is acknowledged and run the "
                               "queued and interrupted ones again after a restart (the one-shot CLI commands don't).")
    shutdown_wait_s: float = Field(default=600, ge=0, description="On SIGTERM, how long the running job may take "
                                   "to finish; one still running then runs again from its first step after restart.")
    queue_size: int = Field(default=64, ge=1, description="Jobs waiting for the device, all users together.")
    quantize: Literal["int8wo", "float8wo", "nf4"] | None = Field(
        default=None, description="Quantize the denoiser's weights at load: int8wo/float8wo (torchao), nf4 "
                                  "(bitsandbytes).")
    offload: Literal["none", "model", "group", "sequential"] = Field(
        default="none", description="Keep weights in CPU memory and move parts to the GPU as they run.")
    cache: str | None = Field(default=None, description="Denoiser cache of transformer models: first_block, "
                                                        "first_block:THRESHOLD or taylorseer.")
    lora_hotswap: bool | None = Field(default=None, description="Keep one LoRA slot resident and swap subjects "
                                      "in and out of it, so a compiled model is not recompiled per subject; None: "
                                      "with the fast path.")
    lora_hotswap_rank: int = Field(default=64, ge=1, le=1024, description="The largest subject LoRA rank the "
                                                                         "hotswap slot takes.")
    control_models: str | None = Field(default=None, description="Adapters for controlled drawing: "
                                       "'sketch=REPO_OR_FOLDER,canny=...,depth=...' (T2I-Adapter or ControlNet).")
    fast_path: bool | None = Field(default=None, description="channels-last, fused QKV, torch.compile; None: on CUDA.")
    compile_mode: str = Field(default="max-autotune-no-cudagraphs",
                              description="torch.compile mode; 'max-autotune' adds CUDA graphs (per shape bucket).")
    warmup_sizes: str = Field(default="", description="Shape buckets compiled at start-up: '512x512,768x768'.")
    preview_vae: str | None = Field(default=None, description="AutoencoderTiny (e.g. madebyollin/taesd) for previews; "
                                    "None: the built-in models preview through their own VAE, others show none.")
    preview_every: int = Field(default=5, ge=1, description="Steps between preview images while a job runs.")
    preview_interval_s: float = Field(default=0.0, ge=0, description="Seconds at least between two previews of "
                                      "one job (0: every `preview_every` steps). A Ray worker uses the rate its "
                                      "progress crosses to the ingress.")
    max_models: int = Field(default=2, ge=1, description="Models kept loaded at once (least recently used goes).")
    model_memory_gb: float | None = Field(default=None, gt=0, description="Weight memory budget for loaded models.")
    max_batch: int = Field(default=8, ge=1, description="Images in one batched pipeline call (1: no batching).")
    batch_wait_ms: float = Field(default=0, ge=0, description="How long the worker waits for jobs to batch.")
    max_jobs_per_user: int = Field(default=8, ge=1, description="Jobs one user may have waiting.")
    max_width: int = Field(default=1536, ge=8)
    max_height: int = Field(default=1536, ge=8)
    max_steps: int = Field(default=100, ge=1)
    max_images: int = Field(default=4, ge=1, description="Images per request (n).")
    max_prompt_chars: int = Field(default=2000, ge=1)

    api_keys: str | None = Field(default=None, description="KEY1:alice,KEY2:bob - bearer keys and their users.")
    api_keys_file: Path | None = Field(default=None, description="A file of KEY:user lines (# comments).")
    url_secret: str | None = Field(default=None, description="Signs image URLs; when unset, a secret made once "
                                   "into DATA_DIR/url_secret.")
    max_request_bytes: int = Field(default=30 * 1024 * 1024, ge=1024, description="Largest HTTP request body.")
    public_url: str | None = Field(default=None, description="Base of image URLs; else the request's own.")

    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN",
                                        "CHATCANVAS_SLACK_BOT_TOKEN"))
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN",
                                        "CHATCANVAS_SLACK_APP_TOKEN"))
    slack_signing_secret: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET",
                                             "CHATCANVAS_SLACK_SIGNING_SECRET"))
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack's Web API (GovSlack, tests).")
    discord_token: str | None = Field(default=None, validation_alias=AliasChoices("DISCORD_TOKEN",
                                      "CHATCANVAS_DISCORD_TOKEN"))

    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_upload_pixels: int = Field(default=4096 * 4096, ge=1)

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser()

    @property
    def resolved_cache_dir(self) -> Path:
        return (self.cache_dir or self.resolved_data_dir / "models").expanduser()


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import)."""
    return Settings()
