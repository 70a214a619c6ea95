"""Adversarial timing: the whole core (`Lantern.reply`) on crafted messages of 4,096 characters.

Run: `python benchmarks/bench_adversarial.py [--messages 100]` (from the repository root; about a
minute). For each generator in tests/test_regex_safety.py (long unbroken words, repeated optional
words, repeated partial phrases, spaced letters, digits, a long word before a trigger...), it
builds `--messages` different messages of Telegram's maximum length (each shifted by a few
characters, so no cache sees the same text twice) and prints, per message through the core:

- worst and p99 milliseconds (the promise: no message over 50 ms on this machine);
- the same worst against two baselines measured in the same process: `re.search(r"\\bdie\\b")` over
  the same text (what one plain pattern costs), and the core on a short ordinary question.

Not a test: it prints figures and asserts nothing. The test suite holds a generous bound instead.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.core import Lantern
from tests.test_regex_safety import GENERATORS, LENGTH

SHORT_MESSAGE = "how do i help my son through withdrawal"
_PLAIN = re.compile(r"\bdie\b")


def _messages(make, count: int) -> list[str]:
    """`count` different messages from one generator: each starts a few characters further in."""
    long = make(LENGTH + 4 * count)
    return [long[4 * i: 4 * i + LENGTH] for i in range(count)]


def _ms(action, text: str) -> float:
    start = time.perf_counter()
    action(text)
    return (time.perf_counter() - start) * 1000


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100, help="messages per generator (default 100)")
    args = parser.parse_args(argv)

    lantern = Lantern.from_settings(Settings())
    if lantern.catalog is None:
        print("the shipped content did not load", file=sys.stderr)
        return 1

    def reply(text: str) -> None:
        lantern.reply("bench", text)
        lantern.forget("bench")

    for _ in range(20):  # warm the caches an ordinary message uses
        reply(SHORT_MESSAGE)
    short = statistics.median(_ms(reply, SHORT_MESSAGE) for _ in range(200))
    print(f"baseline: the core on a short ordinary question, median {short:.2f} ms")
    print(f"{args.messages} messages of {LENGTH} characters per generator, each through Lantern.reply\n")
    print(f"{'generator':34} {'worst ms':>9} {'p99 ms':>8} {'median':>8} {'re.search':>10} "
          f"{'worst/short':>12} {'worst/search':>13}")
    overall = 0.0
    for name, make in GENERATORS.items():
        texts = _messages(make, args.messages)
        times = [_ms(reply, text) for text in texts]
        plain = statistics.median(_ms(_PLAIN.search, text) for text in texts)
        worst = max(times)
        overall = max(overall, worst)
        print(f"{name:34} {worst:9.2f} {_p99(times):8.2f} {statistics.median(times):8.2f} {plain:10.3f} "
              f"{worst / short:11.0f}x {worst / plain:12.0f}x")
    print(f"\nworst message through the core: {overall:.2f} ms (promise: under 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
