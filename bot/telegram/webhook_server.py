"""Additions to python-telegram-bot's webhook server (tornado): refuse malformed bodies with 400,
and answer `GET /healthz` for a process supervisor or a load balancer.

PTB's handler answers a body that is not UTF-8, not JSON, or nested thousands deep with a 500
(an exception inside it), which tells Telegram to retry the same broken body forever and fills
the log. `CheckedTelegramHandler` checks the body first and answers 400 with a reason that holds
nothing of the body. Both are added to PTB's own tornado application after `start_webhook`, ahead
of its handler for the same path (tornado tries rules added later first, before the catch-all
host). Reaching that application goes through PTB's private `Updater._httpd`; a PTB without it
keeps serving with its own handler, and this logs that it could not add ours.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import tornado.web
from telegram.ext._utils.webhookhandler import TelegramHandler

from bot.telegram import handlers
from bot.telegram.delivery import priority_limiter

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.catalog import Catalog

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# Telegram's updates nest a handful of levels (a reply's quoted message, its entities); far below
# what would make json.loads recurse out of the stack.
MAX_NESTING = 64
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def body_problem(body: bytes) -> str | None:
    """Why this webhook body is refused, in words that quote nothing of it; None if it is fine."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    depth = deepest = 0
    for char in _STRINGS.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                return f"body nests deeper than {MAX_NESTING} levels"
        elif char in "]}":
            depth -= 1
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return "body is not JSON"
    if not isinstance(parsed, dict) or not isinstance(parsed.get("update_id"), int):
        return "body is not a Telegram update"
    return None


class CheckedTelegramHandler(TelegramHandler):
    """PTB's webhook handler, with the body checked before PTB reads it."""

    async def post(self) -> None:
        self._validate_post()  # content type and secret first: a stranger learns nothing more
        problem = body_problem(self.request.body)
        if problem is not None:
            logger.warning("webhook: refused a request (%s)", problem)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason=problem)
        await super().post()


class HealthHandler(tornado.web.RequestHandler):
    """`GET /healthz`: content version, store state, queue length. Nothing about any user."""

    def initialize(self, lantern_app: Application) -> None:
        self.lantern_application = lantern_app

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(health(self.lantern_application)))


def health(application: Application) -> dict[str, Any]:
    service: handlers.Services = application.bot_data[handlers.SERVICES]
    limiter = priority_limiter(application.bot)
    store_state = service.store.state if service.store is not None else "none"
    catalog = service.lantern.catalog
    return {
        "status": "ok" if store_state == "ok" and catalog is not None else "degraded",
        "content_version": content_version(catalog),
        "store": store_state,
        "queue": {
            "updates": application.update_queue.qsize(),
            "messages": limiter.queued if limiter is not None else 0,
            "sending": limiter.in_flight if limiter is not None else 0,
        },
    }


_versions: list[tuple[Catalog, str]] = []


def content_version(catalog: Catalog | None) -> str | None:
    """A short fingerprint of the content serving now: changes with any example, answer or text."""
    if catalog is None:
        return None
    if not _versions or _versions[0][0] is not catalog:
        shape = {
            "intents": [(i.id, i.answer, [e.text for e in i.examples], list(i.keywords)) for i in catalog.intents],
            "answers": {a.id: (a.title, a.text, list(a.sources), list(a.follow_ups)) for a in catalog.answers.values()},
            "interface": dict(catalog.interface),
            "crisis": dict(catalog.crisis_replies),
            "regions": sorted(catalog.regions),
        }
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:12]
        _versions[:] = [(catalog, digest)]
    return _versions[0][1]


def install(application: Application, url_path: str, secret: str | None) -> bool:
    """Add the checked handler and /healthz to the running webhook server."""
    server = getattr(application.updater, "_httpd", None)
    web_app = getattr(getattr(server, "_http_server", None), "request_callback", None)
    if not isinstance(web_app, tornado.web.Application):
        logger.warning("webhook: could not add body checks and /healthz (python-telegram-bot changed)")
        return False
    path = url_path if url_path.startswith("/") else f"/{url_path}"
    shared = {"bot": application.bot, "update_queue": application.update_queue, "secret_token": secret}
    web_app.add_handlers(r".*", [
        (rf"{re.escape(path)}/?", CheckedTelegramHandler, shared),
        (HEALTH_PATH, HealthHandler, {"lantern_app": application}),
    ])
    return True
