"""Matcher benchmark: the whole reply path against bare rapidfuzz, on the real and a synthetic catalog.

Prints messages per second, p50 and p99 latency of `Lantern.reply` (crisis check, matching and
reply building; also for short messages and long posts apart), the crisis detector's own cost, and
the ratio against a bare `rapidfuzz.process.extractOne` over the same example strings, measured in
the same run.
Targets (issue 2): p99 under 1 ms on the real catalog; synthetic ratio at most 3x bare rapidfuzz.

    python benchmarks/bench_matcher.py [--synthetic-intents 2000] [--examples 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import MatchingSettings  # noqa: E402
from bot.content import load_catalog  # noqa: E402
from bot.core import Lantern  # noqa: E402
from bot.paths import DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR  # noqa: E402


def timings(function: Callable[[str], object], messages: Sequence[str], rounds: int) -> list[float]:
    """Per-call seconds over `rounds` passes (after one warm-up pass)."""
    for message in messages:
        function(message)
    out = []
    clock = time.perf_counter
    for _ in range(rounds):
        for message in messages:
            start = clock()
            function(message)
            out.append(clock() - start)
    return out


def summary(name: str, samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    figures = {
        "per_second": len(samples) / sum(samples),
        "mean_us": statistics.fmean(samples) * 1e6,
        "p50_us": ordered[len(ordered) // 2] * 1e6,
        "p99_us": ordered[int(len(ordered) * 0.99)] * 1e6,
    }
    print(f"  {name:38} {figures['per_second']:10.0f}/s  mean {figures['mean_us']:8.1f} us  "
          f"p50 {figures['p50_us']:8.1f} us  p99 {figures['p99_us']:8.1f} us")
    return figures


# Messages of at most this many words are "short" in the printed breakdown; longer ones are posts,
# which the matcher may also read sentence by sentence (their questions, their closing sentences).
SHORT_WORDS = 12


def by_length(messages: Sequence[str], samples: list[float]) -> dict[str, list[float]]:
    """The samples of `timings` split by the length of their message (samples run round by round)."""
    short = [len(m.split()) <= SHORT_WORDS for m in messages]
    groups: dict[str, list[float]] = {f"short (<= {SHORT_WORDS} words)": [], f"long (> {SHORT_WORDS} words)": []}
    names = list(groups)
    for index, sample in enumerate(samples):
        groups[names[0] if short[index % len(messages)] else names[1]].append(sample)
    return groups


def bench(lantern: Lantern, messages: Sequence[str], rounds: int) -> dict[str, dict[str, float]]:
    catalog = lantern.catalog
    assert catalog is not None
    choices = catalog.matcher.choices
    lowered = [m.lower() for m in messages]

    def reply(message: str) -> object:
        result = lantern.reply("bench", message)
        lantern.forget("bench")
        return result

    samples = timings(reply, messages, rounds)
    results = {"reply": summary("Lantern.reply (whole path)", samples)}
    for name, picked in by_length(messages, samples).items():
        if picked:  # the synthetic catalog's messages are all short
            summary(f"  of which {name}", picked)
    results |= {
        "crisis": summary("crisis detector alone", timings(catalog.detector.detect, messages, rounds)),
        "match": summary("matcher alone", timings(catalog.matcher.match, messages, rounds)),
    }
    iterator = iter(lowered * (rounds + 1))
    results["bare_set"] = summary(
        "bare extractOne token_set_ratio",
        timings(lambda _: process.extractOne(next(iterator), choices, scorer=fuzz.token_set_ratio,
                                             processor=None), lowered, rounds))
    iterator = iter(lowered * (rounds + 1))
    results["bare_ratio"] = summary(
        "bare extractOne ratio",
        timings(lambda _: process.extractOne(next(iterator), choices, scorer=fuzz.ratio, processor=None),
                lowered, rounds))
    for bare in ("bare_set", "bare_ratio"):
        ratio = results["reply"]["mean_us"] / results[bare]["mean_us"]
        print(f"  ratio Lantern.reply / {bare}: {ratio:.2f}x (mean)")
    return results


def real_messages() -> list[str]:
    texts = []
    for name, label in (("intent_eval.yaml", "intent"), ("safety_eval.yaml", "category")):
        rows = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
        texts += [r["text"] for r in rows if label in r]
    return texts


_WORDS = (
    "heroin depression son daughter wife husband detox relapse craving night sleep mood therapy "
    "counsel doctor clinic family support money work school pain pill methadone naloxone friend "
    "brother sister mother father hope fear anger guilt shame trust talk listen help why how what "
    "when where long short week month year day morning evening tired sick better worse home car phone "
    "meeting group sponsor program plan goal step start stop quit keep try need want feel "
).split()


def synthetic_content(folder: Path, intents: int, examples: int, seed: int = 42) -> tuple[Path, Path]:
    """A catalog of `intents` x `examples` made-up phrasings, each intent with its own topic words."""
    rng = random.Random(seed)
    vocabulary = [f"{rng.choice(_WORDS)}{i}" for i in range(intents * 3)] + list(_WORDS)
    topics, answers = [], {}
    for i in range(intents):
        own = rng.sample(vocabulary, 4)
        phrasings = [" ".join(rng.sample(own, 2) + rng.sample(_WORDS, rng.randint(2, 6))) for _ in range(examples)]
        topics.append({"id": f"t{i}", "answer": f"t{i}", "examples": phrasings})
        answers[f"t{i}"] = {"title": f"Topic {i}", "text": f"Answer {i}.", "sources": ["synthetic"]}
    intents_dir, responses_dir = folder / "intents", folder / "responses"
    intents_dir.mkdir()
    responses_dir.mkdir()
    (intents_dir / "topics.yaml").write_text(yaml.safe_dump({"intents": topics}), encoding="utf-8")
    for name in ("lexicon.yaml", "crisis.yaml"):
        (intents_dir / name).write_text((DEFAULT_INTENTS_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (responses_dir / "answers.yaml").write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
    for name in ("crisis.yaml", "hotlines.yaml", "interface.yaml"):
        (responses_dir / name).write_text((DEFAULT_RESPONSES_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    return intents_dir, responses_dir


def synthetic_messages(lantern: Lantern, count: int, seed: int = 7) -> list[str]:
    """Examples with a typo and a few extra words: near misses, as real messages are."""
    rng = random.Random(seed)
    catalog = lantern.catalog
    assert catalog is not None
    out = []
    for _ in range(count):
        text = rng.choice(rng.choice(catalog.intents).examples).text
        chars = list(text)
        spot = rng.randrange(len(chars))
        chars[spot] = rng.choice("aeiou")
        out.append(" ".join(["so", *"".join(chars).split(), rng.choice(_WORDS)]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-intents", type=int, default=2000)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print("real catalog")
    start = time.perf_counter()
    catalog = load_catalog(DEFAULT_INTENTS_DIR, DEFAULT_RESPONSES_DIR, MatchingSettings())
    print(f"  load + compile: {(time.perf_counter() - start) * 1000:.0f} ms; "
          f"{len(catalog.intents)} intents, {len(catalog.matcher.choices)} examples")
    real = bench(Lantern(catalog), real_messages(), args.rounds)
    print(f"  target p99 < 1000 us: {'met' if real['reply']['p99_us'] < 1000 else 'NOT met'}")

    print(f"synthetic catalog: {args.synthetic_intents} intents x {args.examples} examples")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        folders = synthetic_content(Path(tmp), args.synthetic_intents, args.examples)
        synthetic = load_catalog(*folders, MatchingSettings())
        print(f"  load + compile: {(time.perf_counter() - start) * 1000:.0f} ms; "
              f"{len(synthetic.matcher.choices)} examples")
    lantern = Lantern(synthetic)
    figures = bench(lantern, synthetic_messages(lantern, 1000), 1)
    ratio = figures["reply"]["mean_us"] / figures["bare_set"]["mean_us"]
    verdict = "met" if ratio <= 3 else "NOT met"
    print(f"  target ratio <= 3x bare extractOne (token_set_ratio): {verdict} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
