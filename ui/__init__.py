"""Web chat UI for the news assistant (Gradio). `ui` imports `assistant`, never the reverse."""

from .app import build_app, launch, serve

__all__ = ["build_app", "launch", "serve"]
