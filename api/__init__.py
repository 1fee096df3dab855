"""An OpenAI-compatible HTTP API over the assistant's verified answers.

    assistant api --port 8100 --api-key KEY
    openai.OpenAI(base_url="http://127.0.0.1:8100/v1", api_key="KEY").chat.completions.create(
        model="news-assistant", messages=[{"role": "user", "content": "Which AWS chip is Apple evaluating?"}])

The core package `assistant` never imports this one; the CLI imports it lazily.
"""

from .app import create_app
from .config import MODEL_ID, ApiSettings
from .errors import ApiError
from .runtime import AnswerQueue, Loader
from .server import ApiServer, bind, serve

__all__ = ["MODEL_ID", "AnswerQueue", "ApiError", "ApiServer", "ApiSettings", "Loader", "bind", "create_app", "serve"]
