"""Tokens never reach a log line: uvicorn logs WebSocket paths with their query strings
(?token=), and a browser can only send a token that way to streams, audio and sockets."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import uvicorn.config

TOKEN_IN_QUERY = re.compile(r"(token=)[^&\s\"']+", re.IGNORECASE)
SHUTDOWN_TIMEOUT_S = 2  # then the connections still open (streams, sockets) are closed


def hide_tokens(text: str) -> str:
    return TOKEN_IN_QUERY.sub(r"\1***", text)


class HideTokens(logging.Filter):
    """Rewrites a record whose message carries a token (the message is formatted here, so
    the token cannot come back through the arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message.lower():
            record.msg, record.args = hide_tokens(message), None
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up, its messages hiding tokens. (Its access log, which
    formats from the record's arguments, stays off.)"""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["hide_tokens"] = {"()": HideTokens}
    config["handlers"]["default"].setdefault("filters", []).append("hide_tokens")
    return config
