"""`lantern chat`: a conversation in the terminal over the same core the Telegram bot uses.

Suggestions are printed as numbered choices; typing the number asks that topic. Slash commands
mirror Telegram's (/sos, /topics, /region, /help, /checkin, /mood, /forget, /quit). Reads stdin line
by line, so it can be driven by a pipe as well as by a person.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.checkin import (
    CheckinFlow,
    CheckinTexts,
    Done,
    Interrupted,
    Prompt,
    finish,
    load_checkin_texts,
    mood_summary,
)
from bot.config import Settings
from bot.core import Lantern
from bot.errors import LanternError
from bot.pseudonym import id_key_for_chat, user_key
from bot.replies import SOS, Reply, Suggestion
from bot.store import Store, StoreError

# The one key the console's person has in the core (`Lantern.reply`, `answer`, `forget`), for every
# line, check-in lines included: the crisis follow-up and the conversation memory are kept per key,
# so a second key would split one conversation in two.
USER = "console"
# The console has one person at it; their pseudonymous key is made from this id and the
# per-install key file, exactly as a Telegram user's is from their id.
CONSOLE_USER_ID = 0


class ConsoleCheckins:
    """Check-ins at the terminal: one event loop for the session, the store opened on first use."""

    def __init__(self, lantern: Lantern, settings: Settings) -> None:
        self._lantern = lantern
        self._settings = settings
        self._runner = asyncio.Runner()
        self._store: Store | None = None
        self._key: str | None = None
        self._texts: CheckinTexts | None = None
        self.flow: CheckinFlow | None = None

    @property
    def active(self) -> bool:
        return self.flow is not None and not self.flow.finished

    def start(self) -> str:
        self.flow = CheckinFlow(self.texts)
        return self.flow.start().as_text()

    def respond(self, line: str, region: str | None, render: Callable[[Reply], str]) -> str:
        """One line typed during a check-in: crisis first, then the flow; saved when done. The core
        sees the session's key (USER); the pseudonymous key is the store's."""
        assert self.flow is not None
        step = self.flow.respond(self._lantern, USER, line, region=region)
        if isinstance(step, Prompt):
            return step.as_text()
        if isinstance(step, Interrupted):
            return render(step.reply)
        return self._finish(step, region, render)

    @property
    def texts(self) -> CheckinTexts:
        """The check-in texts, read once per session (and only if a check-in is used)."""
        if self._texts is None:
            self._texts = load_checkin_texts(self._settings.content.responses_dir)
        return self._texts

    def mood(self) -> str:
        texts = self.texts
        try:
            chart = self._runner.run(mood_summary(self._open(), self._user(), texts, self._settings.region))
        except StoreError:
            return texts.chart.unavailable
        return chart.as_text()

    def forget(self) -> None:
        if self._key is not None:
            with contextlib.suppress(StoreError):
                self._runner.run(self._open().forget(self._key))
        self.flow = None

    def close(self) -> None:
        if self._store is not None:
            self._runner.run(self._store.close())
        self._runner.close()

    def _finish(self, done: Done, region: str | None, render: Callable[[Reply], str]) -> str:
        assert self.flow is not None
        shown: list[str] = []

        async def send(reply: Reply) -> None:
            shown.append(render(reply))

        self._runner.run(finish(done, lantern=self._lantern, store=self._open(), user_key=self._user(),
                                texts=self.flow.texts, default_region=self._settings.region, send=send,
                                region=region))
        return "\n\n".join(shown)

    def _user(self) -> str:
        if self._key is None:
            self._key = user_key(self._id_key(), CONSOLE_USER_ID)
        return self._key

    def _id_key(self) -> bytes:
        return id_key_for_chat(self._settings.storage.chat_key_file)

    def _open(self) -> Store:
        """The store, or a stand-in that fails every call (the chat goes on without saving)."""
        if self._store is None:
            try:
                self._store = self._runner.run(Store.open(self._settings.storage.path, self._id_key()))
            except (StoreError, LanternError) as exc:
                self._store = Store.unavailable(self._id_key(), str(exc))
        return self._store


@dataclass
class ConsoleSession:
    """One person at the terminal: their region and the choices last offered."""

    lantern: Lantern
    region: str | None = None
    choices: list[Suggestion] = field(default_factory=list)
    checkins: ConsoleCheckins | None = None

    def handle(self, line: str) -> str | None:
        """The text to print for one line typed; None means the session is over."""
        text = line.strip()
        if self.checkins is not None and self.checkins.active and not text.startswith("/"):
            return self.checkins.respond(line, self.region, self.render)
        if text.isdigit() and self.choices:
            number = int(text)
            if 1 <= number <= len(self.choices):
                return self.render(self.lantern.answer(self.choices[number - 1].answer_id, user_key=USER,
                                                       region=self.region))
        if text.startswith("/"):
            return self.command(text)
        return self.render(self.lantern.reply(USER, line, region=self.region))

    def command(self, text: str) -> str | None:
        name, _, argument = text[1:].partition(" ")
        name = name.lower()
        if name in {"quit", "exit", "bye"}:
            return None
        if name == "sos":
            return self.render(self.lantern.sos(self.region))
        if name == "start":
            self.choices = list(self.lantern.starter_topics())
            welcome = self.lantern.ui("welcome", region_code=self.region)
            return welcome + "\n\n" + self.lantern.ui("choose_number") + "\n" + self._numbered()
        if name == "topics":
            self.choices = list(self.lantern.topics())
            return self.lantern.ui("topics_header") + "\n" + self._numbered()
        if name == "help":
            return self.lantern.ui("help", region_code=self.region) + "\n/quit: leave the chat"
        if name == "region":
            return self._set_region(argument.strip().upper())
        if name == "forget":
            self.lantern.forget(USER)
            if self.checkins is not None:
                self.checkins.forget()
            self.region = None
            return self.lantern.ui("forget_done")
        if name in {"checkin", "mood"} and self.checkins is not None:
            return self.checkins.start() if name == "checkin" else self.checkins.mood()
        if name in {"privacy", "about"}:
            return self.lantern.ui(name, region_code=self.region)
        return self.lantern.ui("unknown_command")

    def _set_region(self, code: str) -> str:
        regions = self.lantern.regions()
        if code not in regions:
            listed = ", ".join(f"{c} ({n})" for c, n in regions.items())
            return self.lantern.ui("region_unknown", regions=listed)
        self.region = code
        return self.lantern.ui("region_set", region=regions[code])

    def render(self, reply: Reply) -> str:
        parts = [reply.text]
        if reply.sources:
            parts.append(f"{self.lantern.ui('sources')}: {'; '.join(reply.sources)}")
        self.choices = list(reply.suggestions)
        if self.choices:
            parts.append(self.lantern.ui("choose_number") + "\n" + self._numbered())
        return "\n\n".join(parts)

    def _numbered(self) -> str:
        return "\n".join(f"  {n}. {s.label}" for n, s in enumerate(self.choices, 1))


def run_console(lantern: Lantern, lines: Iterable[str], write: Callable[[str], None],
                region: str | None = None, checkins: ConsoleCheckins | None = None) -> None:
    """Drive a session from `lines` (stdin, or a list in tests) until they end or the user quits."""
    session = ConsoleSession(lantern, region=region, checkins=checkins)
    write(session.command("/start") or "")
    write("(Type /quit to leave, /sos for help now.)")
    try:
        for line in lines:
            out = session.handle(line)
            if out is None:
                break
            write(out)
    finally:
        if checkins is not None:
            checkins.close()
    write(lantern.ui("goodbye_console", region_code=session.region))


def prompt_lines(prompt: str = "you> ") -> Iterable[str]:
    """Lines typed at an interactive prompt; Ctrl-D or Ctrl-C end the conversation quietly."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            return


__all__ = ["SOS", "ConsoleSession", "prompt_lines", "run_console"]
