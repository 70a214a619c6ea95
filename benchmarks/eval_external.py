"""Lantern against text nobody on the team wrote: crisis detection and real questions.

Reads the measurement-only sets in `../shared/eval_external/` (relative to the repository root);
when that folder is absent it says so and exits 0. Nothing from those files is copied anywhere:
rows are read, replied to and counted, and sample rows are printed to the terminal only when asked.

    python benchmarks/eval_external.py
    python benchmarks/eval_external.py --show-disagreements 30
    python benchmarks/eval_external.py --sample-questions 50 --seed 7

What it prints:
1. Crisis detection on the labelled sets (and the false-alarm rate on an unlabelled in-domain set),
   Lantern side by side with `BASELINE_TERMS`, a plain keyword baseline, on the same rows. Any
   crisis category (elevated included) counts as a detection; the split by category follows.
2. Real questions (r/OpiatesRecovery titles, counsel_chat titles on family, addiction and
   depression): the distribution of reply kinds and the most frequent intents.
3. Speed: messages per second over the whole external run.

Every message is a fresh conversation (`Lantern.forget` after each), as with `lantern ask`.
Text is read with errors="replace"; the double-encoded UTF-8 in the tweet set (for example
"Iâ\\x80\\x99m" for "I'm") is repaired before both systems see it, since no real user sends it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_DIR = REPO_ROOT.parent / "shared" / "eval_external"

if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

# The baseline: a case-insensitive substring match on a short, obvious list. It is what anyone
# would write in five minutes; Lantern's detector has to beat it to be worth its complexity.
BASELINE_TERMS: tuple[str, ...] = (
    "suicide", "suicidal", "kill myself", "want to die", "end my life", "overdose", "overdosing",
    "self harm", "cut myself", "hopeless", "no reason to live", "better off dead",
)

CATEGORY_ORDER = ("suicide", "overdose", "other_at_risk", "danger", "elevated")
REAL_QUESTION_TOPICS = frozenset({"substance-abuse", "addiction", "family-conflict", "depression"})
_KEY = "eval-external"
_MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf]")


def baseline_hit(text: str) -> bool:
    """The keyword baseline: any of `BASELINE_TERMS` as a case-insensitive substring."""
    lowered = text.casefold()
    return any(term in lowered for term in BASELINE_TERMS)


def repair(text: str) -> str:
    """Undo UTF-8 read as Latin-1 ('â\\x80\\x99' -> '’'); other text is returned unchanged."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return text


def _read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(10_000_000)
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return list(csv.DictReader(handle))


# --- the sets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrisisSet:
    """Rows of (text, positive). `labelled` False: every row counts as a negative (alarms only)."""

    name: str
    rows: tuple[tuple[str, bool], ...]
    labelled: bool
    skipped: int = 0  # rows without text


def _crisis_set(name: str, raw: Iterable[tuple[str, bool]], labelled: bool = True) -> CrisisSet:
    rows, skipped = [], 0
    for text, positive in raw:
        text = repair(text).strip()
        if text:
            rows.append((text, positive))
        else:
            skipped += 1
    return CrisisSet(name, tuple(rows), labelled, skipped)


def load_crisis_sets(root: Path = EXTERNAL_DIR) -> list[CrisisSet]:
    sets = []
    path = root / "suicidal_tweet_detection" / "Suicide_Ideation_Dataset_Twitter-based.csv"
    if path.exists():  # columns Tweet, Suicide ("Potential Suicide post " / "Not Suicide post")
        sets.append(_crisis_set("suicidal_tweet_detection", (
            (r["Tweet"] or "", (r["Suicide"] or "").strip().casefold() == "potential suicide post")
            for r in _read_csv(path))))
    path = root / "twitter_suicidal_intention" / "short_le280.csv"
    if path.exists():  # columns tweet, intention (0/1)
        sets.append(_crisis_set("twitter_suicidal_intention/short_le280", (
            (r["tweet"] or "", (r["intention"] or "").strip() == "1") for r in _read_csv(path))))
    path = root / "opioid_time_perspective" / "posts2.csv"
    if path.exists():  # columns doc, label (time perspective, not crisis): all treated as negatives
        sets.append(_crisis_set("opioid_time_perspective", ((r["doc"] or "", False) for r in _read_csv(path)),
                                labelled=False))
    return sets


def load_question_sets(root: Path = EXTERNAL_DIR) -> dict[str, list[str]]:
    """Real questions: r/OpiatesRecovery titles, and counsel_chat titles on the topics we serve."""
    sets: dict[str, list[str]] = {}
    path = root / "opiates_recovery_reddit" / "opiatesrecovery_posts.csv"
    if path.exists():
        sets["opiates_recovery_reddit titles"] = [t for r in _read_csv(path) if (t := (r["title"] or "").strip())]
    path = root / "counsel_chat" / "questions.csv"
    if path.exists():
        sets["counsel_chat questionTitle"] = [
            t for r in _read_csv(path)
            if REAL_QUESTION_TOPICS & {x.strip() for x in (r["topics"] or "").split("|")}
            and (t := (r["questionTitle"] or "").strip())
        ]
    return sets


# --- running Lantern -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str
    intent: str | None
    score: float | None
    crisis: str | None


@dataclass
class Timer:
    messages: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def make_replier(timer: Timer) -> Callable[[str], Outcome]:
    """A function: message -> Outcome, each message its own conversation, timed into `timer`."""
    from bot.config import Settings
    from bot.core import Lantern

    lantern = Lantern.from_settings(Settings())
    if lantern.catalog is None:
        raise SystemExit("Lantern's content did not load; run `lantern validate`")

    def reply(text: str) -> Outcome:
        start = time.perf_counter()
        result = lantern.reply(_KEY, text)
        lantern.forget(_KEY)
        timer.seconds += time.perf_counter() - start
        timer.messages += 1
        return Outcome(result.kind, result.intent, result.score, result.crisis)

    return reply


# --- crisis detection ----------------------------------------------------------------------------


@dataclass
class CrisisScore:
    name: str
    labelled: bool
    rows: int
    positives: int
    lantern_tp: int = 0
    lantern_fp: int = 0
    baseline_tp: int = 0
    baseline_fp: int = 0
    lantern_only: list[tuple[str, bool, str]] = field(default_factory=list)  # text, label, category
    baseline_only: list[tuple[str, bool]] = field(default_factory=list)
    lantern_misses: list[tuple[str, bool]] = field(default_factory=list)  # positives; baseline hit?
    lantern_false_alarms: list[tuple[str, str]] = field(default_factory=list)  # text, category
    categories_pos: Counter[str] = field(default_factory=Counter)
    categories_neg: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    records: list[tuple[str, bool, str | None]] = field(default_factory=list)  # text, label, category

    @property
    def negatives(self) -> int:
        return self.rows - self.positives

    def recall(self, who: str) -> float | None:
        tp = self.lantern_tp if who == "lantern" else self.baseline_tp
        return tp / self.positives if self.positives else None

    def false_alarm(self, who: str) -> float | None:
        fp = self.lantern_fp if who == "lantern" else self.baseline_fp
        return fp / self.negatives if self.negatives else None


def score_crisis_set(data: CrisisSet, reply: Callable[[str], Outcome]) -> CrisisScore:
    """Every row through Lantern and the baseline."""
    records = [(text, positive, reply(text).crisis) for text, positive in data.rows]
    return summarise(data.name, data.labelled, records, data.skipped)


def distinct(score: CrisisScore) -> CrisisScore:
    """The same figures over distinct texts only (first occurrence kept): some sets repeat a row
    (a copied meme, one short sentence) hundreds of times, which would let one row set a rate."""
    seen: set[str] = set()
    records = []
    for text, positive, category in score.records:
        key = " ".join(text.casefold().split())
        if key not in seen:
            seen.add(key)
            records.append((text, positive, category))
    return summarise(score.name, score.labelled, records)


def summarise(name: str, labelled: bool, records: Sequence[tuple[str, bool, str | None]],
              skipped: int = 0) -> CrisisScore:
    score = CrisisScore(name, labelled, len(records), sum(p for _, p, _ in records), skipped=skipped,
                        records=list(records))
    for text, positive, category in records:
        lantern, baseline = category is not None, baseline_hit(text)
        if lantern:
            (score.categories_pos if positive else score.categories_neg)[category] += 1
            if positive:
                score.lantern_tp += 1
            else:
                score.lantern_fp += 1
                score.lantern_false_alarms.append((text, category))
        elif positive:
            score.lantern_misses.append((text, baseline))
        if baseline:
            if positive:
                score.baseline_tp += 1
            else:
                score.baseline_fp += 1
        if lantern and not baseline:
            score.lantern_only.append((text, positive, category))
        elif baseline and not lantern:
            score.baseline_only.append((text, positive))
    return score


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def print_crisis_table(scores: Sequence[CrisisScore], out=sys.stdout) -> None:
    print("1. Crisis detection (any category, elevated included, counts as a detection)", file=out)
    print(f"   baseline = case-insensitive substring match on: {', '.join(BASELINE_TERMS)}", file=out)
    header = (f"   {'set':40} {'rows':>5} {'pos':>5} | {'Lantern recall':>14} {'false al.':>9} | "
              f"{'baseline recall':>15} {'false al.':>9} | {'L-only':>6} {'B-only':>6}")
    print(header, file=out)
    print("   " + "-" * (len(header) - 3), file=out)
    for s in scores:
        for row, label in ((s, s.name), (distinct(s), "  (distinct texts only)")):
            if label != s.name and row.rows == s.rows:
                continue
            pos = str(row.positives) if row.labelled else "-"
            recall_l = _pct(row.recall("lantern")) if row.labelled else "   n/a"
            recall_b = _pct(row.recall("baseline")) if row.labelled else "   n/a"
            print(f"   {label:40} {row.rows:5d} {pos:>5} | {recall_l:>14} {_pct(row.false_alarm('lantern')):>9} | "
                  f"{recall_b:>15} {_pct(row.false_alarm('baseline')):>9} | "
                  f"{len(row.lantern_only):6d} {len(row.baseline_only):6d}", file=out)
    print("   L-only / B-only: rows only Lantern / only the baseline flagged (whatever the label).", file=out)
    for s in scores:
        if s.labelled:
            lp = sum(p for _, p, _ in s.lantern_only)
            bp = sum(p for _, p in s.baseline_only)
            both_missed = sum(not b for _, b in s.lantern_misses)
            print(f"   {s.name}: L-only {lp} label-positive / {len(s.lantern_only) - lp} label-negative; "
                  f"B-only {bp} label-positive / {len(s.baseline_only) - bp} label-negative; "
                  f"positives missed by both {both_missed}", file=out)
    for s in scores:
        if not s.labelled:
            print(f"   {s.name}: no crisis labels; every row is treated as a negative, so only the alarm rate "
                  f"is reported (Lantern {s.lantern_fp}/{s.rows}, baseline {s.baseline_fp}/{s.rows}).", file=out)
        if s.skipped:
            print(f"   {s.name}: {s.skipped} row(s) without text skipped.", file=out)
    print("\n   Lantern detections by category (on label-positive / label-negative rows):", file=out)
    for s in scores:
        cats = [c for c in CATEGORY_ORDER if s.categories_pos[c] or s.categories_neg[c]]
        cats += sorted(c for c in {*s.categories_pos, *s.categories_neg} if c not in CATEGORY_ORDER)
        parts = [f"{c} {s.categories_pos[c]}/{s.categories_neg[c]}" if s.labelled else f"{c} {s.categories_neg[c]}"
                 for c in cats]
        print(f"   {s.name:40} {', '.join(parts) or 'none'}", file=out)
    print("   Without elevated (only suicide, overdose, other_at_risk or danger counted as a detection):", file=out)
    for s in scores:
        hard_pos = sum(v for c, v in s.categories_pos.items() if c != "elevated")
        hard_neg = sum(v for c, v in s.categories_neg.items() if c != "elevated")
        recall = _pct(hard_pos / s.positives) if s.labelled and s.positives else "   n/a"
        alarms = _pct(hard_neg / s.negatives) if s.negatives else "   n/a"
        print(f"   {s.name:40} Lantern recall {recall}, false alarms {alarms}", file=out)


def _sample(items: Sequence, n: int, rng: random.Random) -> list:
    return list(items) if len(items) <= n else rng.sample(list(items), n)


def _one_line(text: str, width: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_disagreements(scores: Sequence[CrisisScore], n: int, rng: random.Random, out=sys.stdout) -> None:
    """For reading only (terminal): sample rows where Lantern, the baseline and the label part ways."""
    for s in scores:
        label = (lambda p: "pos" if p else "neg") if s.labelled else (lambda p: "-")
        print(f"\n--- {s.name}: Lantern-only hits ({len(s.lantern_only)}), sample of {n}", file=out)
        for text, positive, category in _sample(s.lantern_only, n, rng):
            print(f"  [{label(positive)}] [{category}] {_one_line(text)}", file=out)
        print(f"--- {s.name}: baseline-only hits ({len(s.baseline_only)}), sample of {n}", file=out)
        for text, positive in _sample(s.baseline_only, n, rng):
            print(f"  [{label(positive)}] {_one_line(text)}", file=out)
        if s.labelled:
            print(f"--- {s.name}: Lantern misses on label-positive rows ({len(s.lantern_misses)}; "
                  f"[B] = the baseline caught it), sample of {n}", file=out)
            for text, baseline in _sample(s.lantern_misses, n, rng):
                print(f"  [pos]{' [B]' if baseline else ''} {_one_line(text)}", file=out)
            print(f"--- {s.name}: Lantern false alarms on label-negative rows ({len(s.lantern_false_alarms)}), "
                  f"sample of {n}", file=out)
            for text, category in _sample(s.lantern_false_alarms, n, rng):
                print(f"  [neg] [{category}] {_one_line(text)}", file=out)


# --- real questions ------------------------------------------------------------------------------


def score_questions(sets: dict[str, list[str]], reply: Callable[[str], Outcome]) -> dict[str, list[Outcome]]:
    return {name: [reply(text) for text in texts] for name, texts in sets.items()}


def print_questions(sets: dict[str, list[str]], outcomes: dict[str, list[Outcome]], top: int = 10,
                    out=sys.stdout) -> None:
    print("\n2. Real questions (each a fresh conversation)", file=out)
    kinds = ("answer", "fallback", "clarify", "crisis", "smalltalk")
    for name, results in outcomes.items():
        n = len(results)
        counts = Counter(o.kind for o in results)
        shown = ", ".join(f"{k} {counts[k]} ({100 * counts[k] / n:.0f}%)" for k in kinds
                          if counts[k] or k != "smalltalk")
        print(f"   {name}: {n} messages: {shown}", file=out)
        intents = Counter(o.intent for o in results if o.kind in ("answer", "smalltalk") and o.intent)
        print(f"     top intents: {', '.join(f'{i} {c}' for i, c in intents.most_common(top)) or 'none'}", file=out)
        crises = Counter(o.crisis for o in results if o.crisis)
        if crises:
            print(f"     crisis categories: {', '.join(f'{c} {k}' for c, k in crises.most_common())}", file=out)
        long_ones = [o for t, o in zip(sets[name], results, strict=True) if len(t) > 60]
        if long_ones:
            long_counts = Counter(o.kind for o in long_ones)
            print(f"     titles over 60 characters ({len(long_ones)}): "
                  f"{', '.join(f'{k} {long_counts[k]}' for k in kinds if long_counts[k])}", file=out)


def print_question_sample(sets: dict[str, list[str]], outcomes: dict[str, list[Outcome]], n: int,
                          rng: random.Random, out=sys.stdout) -> None:
    """For manual review (terminal only): n questions, an equal share from every set, with Lantern's reply."""
    names = list(sets)
    picked = []
    for index, name in enumerate(names):
        share = n // len(names) + (1 if index < n % len(names) else 0)
        picked += [(name, t, o) for t, o in _sample(list(zip(sets[name], outcomes[name], strict=True)), share, rng)]
    rng.shuffle(picked)
    print(f"\n   Sample of {len(picked)} real questions, an equal share per set (for manual review):", file=out)
    for number, (name, text, o) in enumerate(picked, 1):
        what = o.crisis if o.kind == "crisis" else (o.intent or "-")
        score = f"{o.score:5.1f}" if o.score is not None else "    -"
        print(f"  {number:3d}. [{name.split()[0][:14]:14}] {o.kind:9} {what:28} {score}  {_one_line(text, 200)}",
              file=out)


# --- entry point ---------------------------------------------------------------------------------


@dataclass
class Results:
    crisis: list[CrisisScore]
    questions: dict[str, list[str]]
    outcomes: dict[str, list[Outcome]]
    timer: Timer


def fingerprint(patterns: Sequence[str]) -> str:
    """A short hash of the files under the repository root matching `patterns`, so figures can be
    tied to the content and code they measured (both change while the lead tunes)."""
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(REPO_ROOT.glob(pattern)):
            digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def run(root: Path = EXTERNAL_DIR) -> Results | None:
    """Everything measured, nothing printed; None when the external data is absent."""
    if not root.is_dir():
        return None
    timer = Timer()
    reply = make_replier(timer)
    crisis = [score_crisis_set(data, reply) for data in load_crisis_sets(root)]
    questions = load_question_sets(root)
    return Results(crisis, questions, score_questions(questions, reply), timer)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=EXTERNAL_DIR, help="the eval_external folder")
    parser.add_argument("--show-disagreements", type=int, default=0, metavar="N",
                        help="print N sample rows per set of each kind of disagreement: Lantern-only hits, "
                             "baseline-only hits, Lantern misses, Lantern false alarms (terminal only)")
    parser.add_argument("--sample-questions", type=int, default=0, metavar="N",
                        help="print N real questions with Lantern's kind and intent, for manual review")
    parser.add_argument("--seed", type=int, default=0, help="seed for the samples")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    results = run(args.data)
    if results is None:
        print(f"eval_external: {args.data} not found; skipping (external data is optional).")
        return 0
    wall = time.perf_counter() - start
    print(f"Lantern content {fingerprint(('intents/*.yaml', 'responses/*.yaml'))}, "
          f"code {fingerprint(('bot/**/*.py',))} (sha256 prefixes); data {args.data}\n")
    print_crisis_table(results.crisis)
    if args.show_disagreements:
        print_disagreements(results.crisis, args.show_disagreements, random.Random(args.seed))
    print_questions(results.questions, results.outcomes)
    if args.sample_questions:
        print_question_sample(results.questions, results.outcomes, args.sample_questions, random.Random(args.seed))
    t = results.timer
    print(f"\n3. Speed: {t.messages} messages in {t.seconds:.2f} s of Lantern.reply = {t.rate:,.0f} messages/s; "
          f"whole run including loading and CSV reading {wall:.2f} s = {t.messages / wall:,.0f} messages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
