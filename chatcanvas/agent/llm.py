"""Choosing the chat model behind the agent from one setting (`--llm` / `CHATCANVAS_LLM`).

- `router`: the built-in offline intent router (the default): its reading rules with the intent model's second look;
- `rules`: the router's reading rules alone, without the intent model (to compare the two);
- `provider:model`: anything langchain's `init_chat_model` accepts (`openai:gpt-4o-mini`, `anthropic:...`,
  `ollama:qwen3`), with `base_url` for an OpenAI-compatible server (vLLM, llama.cpp server, LM Studio);
- `hf:org/model`: a local transformers chat model through langchain-huggingface.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel

from chatcanvas.agent.router import IntentRouter, RouterRule
from chatcanvas.errors import InvalidInput

_EXTRAS = {
    "openai": "langchain-openai (pip install 'chatcanvas[openai]')",
    "anthropic": "langchain-anthropic (pip install 'chatcanvas[anthropic]')",
    "ollama": "langchain-ollama (pip install 'chatcanvas[ollama]')",
    "hf": "langchain-huggingface (pip install 'chatcanvas[huggingface]')",
}


def load_llm(spec: str | BaseChatModel, *, rules: Sequence[RouterRule] = (), base_url: str | None = None,
             api_key: str | None = None) -> BaseChatModel:
    if isinstance(spec, BaseChatModel):
        return spec
    spec = (spec or "router").strip()
    if spec == "router":
        return IntentRouter(rules=list(rules))
    if spec == "rules":
        return IntentRouter(rules=list(rules), second_opinion=None)
    if spec.startswith(("hf:", "huggingface:")):
        return _huggingface(spec.split(":", 1)[1])
    if ":" not in spec and base_url is None:
        raise InvalidInput("llm", f"{spec!r}: use 'router', 'rules', 'provider:model' (e.g. openai:gpt-4o-mini) or "
                                  "'hf:org/model'")
    provider = spec.split(":", 1)[0] if ":" in spec else "openai"
    from langchain.chat_models import init_chat_model

    kwargs: dict = {}
    if base_url:
        kwargs.update(base_url=base_url, api_key=api_key or "not-needed")
        if ":" not in spec:
            kwargs["model_provider"] = "openai"
    try:
        return init_chat_model(spec, **kwargs)
    except ImportError as exc:
        raise InvalidInput("llm", f"{spec!r} needs {_EXTRAS.get(provider, 'its langchain provider package')}") from exc
    except ValueError as exc:
        raise InvalidInput("llm", f"{spec!r}: {exc}") from exc


def _huggingface(repo_id: str) -> BaseChatModel:
    try:
        from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    except ImportError as exc:
        raise InvalidInput("llm", f"hf:{repo_id} needs {_EXTRAS['hf']}") from exc
    pipeline = HuggingFacePipeline.from_model_id(repo_id, task="text-generation",
                                                 pipeline_kwargs={"max_new_tokens": 512, "return_full_text": False})
    return ChatHuggingFace(llm=pipeline)
