"""`lantern chat`: a conversation in the terminal, a thin adapter over `bot.conversation`.

Suggestions are printed as numbered choices; typing the number asks that topic. Slash commands
mirror Telegram's (/sos, /topics, /region, /help, /checkin, /mood, /forget, /quit). Reads stdin line
by line, so it can be driven by a pipe as well as by a person. What each command does is the
conversation layer's; this module only prints it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from bot.config import Settings
from bot.conversation import Conversation, Said
from bot.core import Lantern
from bot.errors import LanternError
from bot.pseudonym import Pseudonyms
from bot.replies import SOS, Reply, Suggestion
from bot.store import Store, StoreError

# The console has one person at it; their key is made from this id and the per-install secret,
# exactly as a Telegram user's is from their id, and it is their only key (core and store alike).
CONSOLE_USER_ID = 0


class ConsoleSession:
    """One person at the terminal: one event loop for the session, their choices last offered.

    With `settings`, check-ins are saved in the store, opened on first use (a chat that never
    checks in never creates the database); without, the session keeps nothing.
    """

    def __init__(self, lantern: Lantern, region: str | None = None, settings: Settings | None = None) -> None:
        self.lantern = lantern
        self._settings = settings
        self._runner = asyncio.Runner()
        pseudonyms = (Pseudonyms.for_chat(settings.storage.chat_key_file) if settings is not None
                      else Pseudonyms.for_process())
        self.conversation = Conversation(lantern, None, pseudonyms,
                                         default_region=settings.region if settings is not None else "US")
        self.conversation.regions.fill({})
        self.key = self.conversation.key_for(CONSOLE_USER_ID)
        if region is not None:
            self.conversation.regions.set(self.key, region)
        self.choices: list[Suggestion] = []
        self._store: Store | None = None

    @property
    def region(self) -> str | None:
        return self.conversation.regions.known(self.key)[1]

    def handle(self, line: str) -> str | None:
        """The text to print for one line typed; None means the session is over."""
        text = line.strip()
        if text.startswith("/"):
            return self.command(text)
        if text.isdigit() and self.choices and not self.conversation.checkin_open(self.key):
            number = int(text)
            if 1 <= number <= len(self.choices):
                return self._run(lambda show: self.conversation.choose(self.key, self.choices[number - 1].answer_id,
                                                                       show))
        return self._run(lambda show: self.conversation.text(self.key, line, show))

    def command(self, text: str) -> str | None:
        name, _, argument = text[1:].partition(" ")
        name = name.lower()
        conversation, key = self.conversation, self.key
        if name in {"quit", "exit", "bye"}:
            return None
        if name == "sos":
            return self._run(lambda show: conversation.sos(key, show))
        if name == "help":
            return self._said(conversation.ui(key, "help")) + "\n/quit: leave the chat"
        if name in {"checkin", "mood"} and self._settings is not None:
            self._open_store()
            if name == "checkin":
                return self._run(lambda show: conversation.start_checkin(key, show))
            return self._said(conversation.mood(key))
        if name == "forget":
            if self._settings is not None and (self._settings.storage.path.exists() or self._store is not None):
                self._open_store()
            return self._said(conversation.forget(key))
        commands = {"start": lambda: conversation.start(key), "topics": lambda: conversation.topics(key),
                    "region": lambda: conversation.region(key, argument),
                    "privacy": lambda: conversation.ui(key, "privacy"), "about": lambda: conversation.ui(key, "about")}
        return self._said(commands.get(name, lambda: conversation.ui(key, "unknown_command"))())

    def close(self) -> None:
        if self._store is not None:
            self._runner.run(self._store.close())
        self._runner.close()

    # ----- showing what the conversation says ------------------------------------------------------

    def _said(self, said: object) -> str:
        return self.render(self._runner.run(said))  # type: ignore[arg-type]

    def _run(self, step: Callable[[Callable[[Said], object]], object]) -> str:
        """Run one step of the conversation; everything it shows, as one block of text."""
        shown: list[str] = []

        async def show(said: Said) -> None:
            text = self.render(said)
            if text:
                shown.append(text)

        self._runner.run(step(show))  # type: ignore[arg-type]
        return "\n\n".join(shown)

    def render(self, said: Said) -> str:
        """A `Said` as terminal text; choices numbered (typing a number picks one)."""
        if said.closes:
            return ""  # the terminal has no buttons to take off an answered question
        if said.reply is not None:
            return self.render_reply(said.reply)
        if said.prompt is not None:
            return said.prompt.as_text()
        if said.chart is not None:
            return said.chart.as_text()
        parts = [said.text]
        listed = said.regions is not None and any(f"{c} ({n})" in said.text for c, n in said.regions.items())
        if said.regions is not None and not listed:
            parts.append("\n".join(f"  {code} ({name})" for code, name in said.regions.items()))
        if said.choices:
            self.choices = list(said.choices)
            parts.append(self.lantern.ui("choose_number") + "\n" + self._numbered())
        return "\n\n".join(parts)

    def render_reply(self, reply: Reply) -> str:
        parts = [reply.text]
        if reply.sources:
            parts.append(f"{self.lantern.ui('sources', lang=reply.lang)}: {'; '.join(reply.sources)}")
        self.choices = list(reply.suggestions)
        if self.choices:
            parts.append(self.lantern.ui("choose_number", lang=reply.lang) + "\n" + self._numbered())
        return "\n\n".join(parts)

    def _numbered(self) -> str:
        return "\n".join(f"  {n}. {s.label}" for n, s in enumerate(self.choices, 1))

    def _open_store(self) -> None:
        """The store, or none at all if it cannot open (the chat goes on without saving)."""
        if self._store is not None or self._settings is None:
            return
        try:
            self._store = self._runner.run(Store.open(self._settings.storage.path))
        except (StoreError, LanternError) as error:
            self._store = Store.unavailable(str(error))
        self.conversation.store = self._store


def run_console(lantern: Lantern, lines: Iterable[str], write: Callable[[str], None],
                region: str | None = None, settings: Settings | None = None) -> None:
    """Drive a session from `lines` (stdin, or a list in tests) until they end or the user quits."""
    session = ConsoleSession(lantern, region=region, settings=settings)
    try:
        write(session.command("/start") or "")
        write("(Type /quit to leave, /sos for help now.)")
        for line in lines:
            out = session.handle(line)
            if out is None:
                break
            write(out)
        write(lantern.ui("goodbye_console", region_code=session.region))
    finally:
        session.close()


def prompt_lines(prompt: str = "you> ") -> Iterable[str]:
    """Lines typed at an interactive prompt; Ctrl-D or Ctrl-C end the conversation quietly."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            return


__all__ = ["SOS", "ConsoleSession", "prompt_lines", "run_console"]
