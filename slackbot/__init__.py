"""Slack adapter for the news assistant (slack-bolt).

    from assistant import Assistant
    import slackbot
    slackbot.run(Assistant(data_dir="data"), port=3000)     # blocks

Mentions in channels and direct messages are answered in their thread (one
thread = one conversation), `/ask <question>` ephemerally, `/ask --public
<question>` in the channel. Configuration: SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET (required), SLACK_APP_TOKEN (Socket Mode), SLACK_API_URL.
"""

from .bot import SlackBot
from .config import SlackConfigError, SlackSettings
from .render import escape, question_text, render_answer, split_text
from .server import SlackServer, SocketModeServer, create_server, run

__all__ = [
    "SlackBot",
    "SlackConfigError",
    "SlackServer",
    "SlackSettings",
    "SocketModeServer",
    "create_server",
    "escape",
    "question_text",
    "render_answer",
    "run",
    "split_text",
]
