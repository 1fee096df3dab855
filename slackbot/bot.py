"""The Bolt app: which Slack requests become questions, and how answers go back.

Listeners only filter, dedupe and queue (Bolt acks events before they run,
and the slash command acks first thing), so Slack always gets its response
well within 3 seconds; answers are computed on a worker pool and posted with
chat.postMessage in the thread, or to the slash command's response_url.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import deque
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from assistant import AssistantError, EmptyLibraryError, QuestionError

from .config import SlackConfigError, SlackSettings
from .render import Message, escape, question_text, render_answer, render_error, render_notice
from .state import Conversations, Deduper, ThreadQueues

log = logging.getLogger("slackbot")

# Message subtypes that are still a person writing; anything else (bot_message,
# message_changed, message_deleted, channel_join, …) is ignored.
PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}
PUBLIC_FLAGS = {"--public", "-p", "public:"}
USAGE = (
    "Ask a question about the articles: `{cmd} <question>` (only you see the answer) "
    "or `{cmd} --public <question>` (posted in the channel). "
    "In a channel, mention me; in a DM, just write. Reply in the thread to follow up."
)
_STRING_FIELDS = ("user", "text", "ts", "thread_ts", "channel", "channel_type", "subtype", "bot_id", "team")
_COMMAND_FIELDS = ("text", "command", "response_url", "trigger_id", "user_id", "team_id", "channel_id")
BUSY = "I'm answering many questions right now. Please ask again in a minute."
EMPTY_MENTION = "Ask me a question about the articles, e.g. “Which AWS chip is Apple evaluating?”"


def _state_path(assistant: Any) -> Path | None:
    if os.environ.get("SLACK_STATE_PATH"):
        return None  # state.py reads it
    data_dir = getattr(getattr(assistant, "settings", None), "data_dir", None)
    return Path(data_dir) / "slack.sqlite" if data_dir else None


class SlackBot:
    """Holds the Bolt app and the bot's state. `assistant` needs `.ask(question, history)`."""

    def __init__(self, assistant: Any, settings: SlackSettings) -> None:
        self.assistant = assistant
        self.settings = settings
        # Thread history and dedupe survive a restart: kept in SQLite under the
        # assistant's data dir (SLACK_STATE_PATH names another file, e.g. one
        # shared by two bot processes).
        state = _state_path(assistant)
        self.deduper = Deduper(settings.dedupe_seconds, path=state)
        self.conversations = Conversations(settings.history_turns, settings.max_threads, path=state)
        self.queues = ThreadQueues(settings.workers, settings.max_pending)
        self.decisions: deque[dict[str, Any]] = deque(maxlen=2000)
        """What happened to each incoming message (queued, duplicate, ignored: …), newest last."""
        self._decisions_lock = threading.Lock()
        self.client = WebClient(token=settings.bot_token, base_url=settings.api_url, timeout=15)
        try:
            self.app = App(
                client=self.client,
                signing_secret=settings.signing_secret,
                process_before_response=False,
                token_verification_enabled=True,  # auth.test now: a bad token fails at start-up
                raise_error_for_unhandled_request=False,
                listener_executor=ThreadPoolExecutor(max_workers=8, thread_name_prefix="slackbot-listener"),
            )
        except BoltError as exc:
            raise SlackConfigError(f"Slack rejected SLACK_BOT_TOKEN: {exc}. Check the token and the app's installation.") from exc
        except SlackClientError as exc:
            raise SlackConfigError(f"Could not call Slack's auth.test at {settings.api_url}: {exc}.") from exc
        except OSError as exc:
            raise SlackConfigError(
                f"Could not reach Slack's Web API at {settings.api_url} ({exc}). Check the network or SLACK_API_URL."
            ) from exc
        self._register()

    # -- listeners ------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.event("app_mention")(self._on_mention)
        app.event("message")(self._on_message)
        app.command(self.settings.command)(self._on_command)
        # Any other subscribed event: acknowledged (no retries), nothing done.
        app.event(re.compile(".*"))(lambda: None)

        @app.error
        def _on_error(error: Exception, body: dict) -> None:
            log.error("Slack request failed: %r (request type %s)", error, body.get("type") or body.get("command"))

    def _on_mention(self, event: dict, body: dict, context: Any) -> None:
        self._handle_message(event, body, context.bot_user_id, context.bot_id)

    def _on_message(self, event: dict, body: dict, context: Any) -> None:
        if event.get("channel_type") != "im":  # channels: answered on app_mention only
            self._record(body, event, "ignored: not a direct message")
            return
        self._handle_message(event, body, context.bot_user_id, context.bot_id)

    def _handle_message(self, event: dict, body: dict, bot_user_id: str | None, bot_id: str | None) -> None:
        # The HTTP endpoint checks field types before Bolt; Socket Mode payloads arrive here unchecked.
        if any(not isinstance(event.get(k), (str, type(None))) for k in _STRING_FIELDS) or \
                not isinstance(body.get("event_id"), (str, type(None))):
            log.warning("Ignored a Slack event with a field of the wrong type: %.200r", event)
            return self._record(body, event, "ignored: malformed event")
        channel, ts, user = event.get("channel"), event.get("ts"), event.get("user")
        if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") not in PERSON_SUBTYPES:
            return self._record(body, event, "ignored: bot or system message")
        if not user or user == bot_user_id:
            return self._record(body, event, "ignored: own or anonymous message")
        if not isinstance(channel, str) or not isinstance(ts, str):
            return self._record(body, event, "ignored: no channel or ts")
        if not self.deduper.first_time([("event", body.get("event_id")), ("message", channel, ts)]):
            return self._record(body, event, "duplicate")
        thread_ts = event.get("thread_ts") or ts
        question = question_text(event.get("text"))
        post = self._poster(channel, thread_ts)
        if not question:
            self._record(body, event, "hint")
            return post(render_notice(EMPTY_MENTION, ":wave:"))
        key = ("thread", body.get("team_id") or event.get("team"), channel, thread_ts)
        if self.queues.submit(key, lambda: self._answer(question, key, post)):
            self._record(body, event, "queued")
        else:
            self._record(body, event, "busy")
            post(render_notice(BUSY, ":hourglass:"))

    def _on_command(self, ack: Callable, command: dict) -> None:
        if any(not isinstance(command.get(k), (str, type(None))) for k in _COMMAND_FIELDS):
            log.warning("Ignored a slash command with a field of the wrong type: %.200r", command)
            ack()
            return
        text = question_text(command.get("text"))
        words = text.split(" ", 1)
        public = bool(words and words[0].lower() in PUBLIC_FLAGS)
        question = (words[1] if len(words) > 1 else "") if public else text
        cmd = command.get("command") or self.settings.command
        if not question or question.lower() in ("help", "?"):
            ack(response_type="ephemeral", text=USAGE.format(cmd=cmd))
            return
        response_url = command.get("response_url")
        if not response_url:
            ack(response_type="ephemeral", text="This command has no response_url; Slack could not be answered.")
            return
        if not self.deduper.first_time([("command", command.get("trigger_id"))]):
            ack()
            return
        ack(response_type="ephemeral", text=f":mag: Looking that up in the articles: {escape(question)}")
        kind = "in_channel" if public else "ephemeral"
        header = f"<@{command.get('user_id')}> asked: {escape(question)}" if public and command.get("user_id") else None
        post = self._responder(response_url, kind, header)
        if not self.queues.submit(("command", command.get("trigger_id") or id(command)), lambda: self._answer(question, None, post)):
            post(render_notice(BUSY, ":hourglass:"))

    # -- answering ------------------------------------------------------------
    def _answer(self, question: str, key: Any, post: Callable[[Message], None]) -> None:
        history = self.conversations.history(key) if key else []
        try:
            answer = self.assistant.ask(question, history=history)
        except (QuestionError, EmptyLibraryError) as exc:
            post(render_notice(str(exc)))
            return
        except AssistantError as exc:
            log.error("The assistant failed on %r: %s", question[:200], exc)
            post(render_error())
            return
        except Exception:
            log.exception("Unexpected error answering %r", question[:200])
            post(render_error())
            return
        if key:
            self.conversations.add(key, question, answer.text)
        try:
            message = render_answer(answer)
        except Exception:
            log.exception("Could not render the answer to %r", question[:200])
            message = render_error()
        post(message)

    def _poster(self, channel: str, thread_ts: str) -> Callable[[Message], None]:
        def post(message: Message) -> None:
            try:
                self.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **message
                )
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.error("chat.postMessage to %s (thread %s) failed: %s", channel, thread_ts, exc)
                if message.get("blocks") and isinstance(exc, SlackApiError):
                    try:  # e.g. invalid_blocks: say something rather than nothing
                        self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=render_error()["text"])
                    except Exception as again:
                        log.error("The apology could not be posted either: %s", again)

        return post

    def _responder(self, response_url: str, kind: str, header: str | None) -> Callable[[Message], None]:
        webhook = WebhookClient(response_url, timeout=15)

        def post(message: Message) -> None:
            if header and kind == "in_channel":
                message = {**message, "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": header}]}]
                           + message["blocks"][:49]}
            try:
                resp = webhook.send(response_type=kind, replace_original=False, **message)
                if resp.status_code != 200:
                    log.error("response_url answered %s: %s", resp.status_code, resp.body[:200])
            except Exception as exc:
                log.error("Posting to the response_url failed: %s", exc)

        return post

    def _record(self, body: dict, event: dict, outcome: str) -> None:
        entry = {"event_id": body.get("event_id"), "channel": event.get("channel"), "ts": event.get("ts"), "outcome": outcome}
        if outcome.startswith("ignored"):
            log.debug("Slack event %s %s", entry["event_id"], outcome)
        with self._decisions_lock:
            self.decisions.append(entry)

    def outcome(self, event_id: str) -> list[str]:
        """Outcomes recorded for deliveries of `event_id` (for tests and debugging)."""
        with self._decisions_lock:
            return [d["outcome"] for d in self.decisions if d["event_id"] == event_id]

    def close(self) -> None:
        self.queues.shutdown(wait=False)
