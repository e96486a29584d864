"""Optional abstractive story summaries through an OpenAI-compatible chat-completions endpoint.

Off unless ``LLM_BASE_URL`` is set (e.g. ``http://127.0.0.1:11434/v1`` for a local server);
``LLM_MODEL`` names the model and ``LLM_API_KEY`` is sent as a bearer token when given. Never
required: on an HTTP error or timeout, an answer of the wrong shape or an empty one, ``summarize``
returns None and the caller keeps the extractive summary. The reports' own sentences are the
only material the model sees.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.digest.extractive import Document, extract
from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MODEL = "default"
TIMEOUT_S = 20.0
MAX_CHARS = 400
_LANGUAGE = {"en": "English", "ru": "Russian"}


@dataclass(frozen=True, slots=True)
class LlmClient:
    base_url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    timeout_s: float = TIMEOUT_S
    subject: str = "international relations"
    """What the analysts follow: the topic file's ``subject`` (``from_settings``)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmClient | None:
        secrets = settings.secrets
        if secrets.llm_base_url is None:
            return None
        key = secrets.llm_api_key.get_secret_value() if secrets.llm_api_key else None
        return cls(
            str(secrets.llm_base_url),
            secrets.llm_model or DEFAULT_MODEL,
            key,
            subject=settings.topic.subject,
        )

    def request(self, headline: str, docs: Sequence[Document], lang: str) -> dict[str, Any]:
        material = "\n\n".join(
            f"Report {n}: {d.title}\n{extract([d], max_sentences=3, max_chars=700)}"
            for n, d in enumerate(docs, 1)
        )
        language = _LANGUAGE.get(lang, "English")
        return {
            "model": self.model,
            "temperature": 0.2,
            "max_tokens": 200,
            "messages": [
                {
                    "role": "system",
                    "content": (
                        f"You summarise news for analysts of {self.subject}. "
                        f"Answer with one or two plain sentences in {language}, "
                        "using only facts in the reports."
                    ),
                },
                {"role": "user", "content": f"Story: {headline}\n\n{material}"},
            ],
        }

    async def summarize(
        self, headline: str, docs: Sequence[Document], *, lang: str = "en"
    ) -> str | None:
        url = self.base_url.rstrip("/") + "/chat/completions"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        import httpx  # only a deployment with a language model configured needs it

        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, trust_env=False) as client:
                response = await client.post(
                    url, json=self.request(headline, docs, lang), headers=headers
                )
                response.raise_for_status()
                content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            # Never log the URL or headers: either may carry a key.
            log.warning(
                "abstractive summary unavailable (%s); using the extractive one", type(exc).__name__
            )
            return None
        text = " ".join(str(content or "").split())
        if not text:
            return None
        return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
