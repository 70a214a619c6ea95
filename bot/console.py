"""`lantern chat`: a conversation in the terminal over the same core the Telegram bot uses.

Suggestions are printed as numbered choices; typing the number asks that topic. Slash commands
mirror Telegram's (/sos, /topics, /region, /help, /forget, /quit). Reads stdin line by line, so it
can be driven by a pipe as well as by a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core import SOS, Lantern
from bot.replies import Reply, Suggestion

USER = "console"


@dataclass
class ConsoleSession:
    """One person at the terminal: their region and the choices last offered."""

    lantern: Lantern
    region: str | None = None
    choices: list[Suggestion] = field(default_factory=list)

    def handle(self, line: str) -> str | None:
        """The text to print for one line typed; None means the session is over."""
        text = line.strip()
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
        if name in {"topics", "start"}:
            self.choices = list(self.lantern.topics())
            intro = self.lantern.ui("welcome") + "\n\n" if name == "start" else ""
            return intro + self.lantern.ui("topics_header") + "\n" + self._numbered()
        if name == "help":
            return self.lantern.ui("help") + "\n/quit: leave the chat"
        if name == "region":
            return self._set_region(argument.strip().upper())
        if name == "forget":
            self.lantern.forget(USER)
            self.region = None
            return self.lantern.ui("forget_done")
        if name in {"privacy", "about"}:
            return self.lantern.ui(name)
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
                region: str | None = None) -> None:
    """Drive a session from `lines` (stdin, or a list in tests) until they end or the user quits."""
    session = ConsoleSession(lantern, region=region)
    write(session.command("/start") or "")
    write("(Type /quit to leave, /sos for help now.)")
    for line in lines:
        out = session.handle(line)
        if out is None:
            break
        write(out)
    write(lantern.ui("goodbye_console"))


def prompt_lines(prompt: str = "you> ") -> Iterable[str]:
    """Lines typed at an interactive prompt; Ctrl-D or Ctrl-C end the conversation quietly."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            return


__all__ = ["SOS", "ConsoleSession", "prompt_lines", "run_console"]
