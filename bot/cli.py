"""The `lantern` command: chat, ask, validate, evaluate, run, and the operators' unmatched and stats.

Each subcommand is a thin shell over the core and the tools; errors an operator can cause end as
one clear line on stderr and exit status 2 (1 for content that fails validation), never a traceback.
`validate`, `ask`, `chat`, `evaluate` and `run` say which content folders they read (on stderr,
except `validate`, whose first line says it), so an edit that "changes nothing" is never a mystery.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings, load_settings
from bot.core import Lantern
from bot.errors import LanternError
from bot.paths import installed_copy

log = logging.getLogger("lantern")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerate_narrow_terminals()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except LanternError as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `lantern evaluate FILE | head`: the reader left; not an error
        sys.stderr.close()
        return 0


def _tolerate_narrow_terminals() -> None:
    """A terminal that cannot show a character (PYTHONIOENCODING=ascii, an old Windows console)
    gets a stand-in for it, not a traceback in the middle of an answer."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change: leave it
                reconfigure(errors="backslashreplace")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lantern",
                                     description="Lantern: a helper for families and people in recovery.")
    parser.set_defaults(handler=lambda _: parser.print_help() or 0)
    sub = parser.add_subparsers(metavar="COMMAND")

    chat = sub.add_parser("chat", help="talk to Lantern in the terminal (no Telegram token needed)")
    _common(chat)
    chat.add_argument("--region", help="help lines for this region (US, CA, UK, IE, AU, NZ, EU)")
    chat.set_defaults(handler=_chat)

    ask = sub.add_parser("ask", help="one reply per TEXT, or per line of standard input")
    _common(ask)
    ask.add_argument("--region", help="help lines for this region")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    ask.add_argument("text", nargs="*", metavar="TEXT")
    ask.set_defaults(handler=_ask)

    validate = sub.add_parser("validate", help="check the content; exit 1 on errors")
    _common(validate)
    validate.add_argument("--content", type=Path, metavar="DIR",
                          help="folder holding intents/ and responses/ (default: the configured ones)")
    validate.set_defaults(handler=_validate)

    evaluate = sub.add_parser("evaluate", help="measure accuracy on a labelled YAML file")
    _common(evaluate)
    evaluate.add_argument("file", type=Path, metavar="FILE")
    evaluate.add_argument("--safety", action="store_true", help="FILE labels crisis categories")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--write-floor", action="store_true",
                          help="with --safety: record these figures as the recall floor `validate` holds to")
    evaluate.set_defaults(handler=_evaluate)

    run = sub.add_parser("run", help="start the Telegram bot")
    _common(run)
    run.set_defaults(handler=_run)

    _operator_parsers(sub)
    return parser


def _operator_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.operator_cli import age

    unmatched = sub.add_parser("unmatched", help="questions nothing answered, most frequent first, with the "
                                                 "nearest intent")
    _common(unmatched)
    unmatched.add_argument("--since", type=age, metavar="AGE", help="only questions asked in the last AGE "
                                                                      "(7d, 24h, 30d)")
    unmatched.add_argument("--limit", type=int, default=50, metavar="N", help="at most N questions (default 50)")
    output = unmatched.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="CSV on standard output")
    output.add_argument("--suggest", action="store_true",
                        help="YAML examples to paste under the nearest intent (on a terminal, asks for each)")
    unmatched.set_defaults(handler=_unmatched)

    stats = sub.add_parser("stats", help="the operators' figures (the same as /stats in Telegram)")
    _common(stats)
    stats.set_defaults(handler=_stats)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help="config file (default: ./config.yaml when it exists)")


def settings_for(args: argparse.Namespace) -> Settings:
    path = args.config
    if path is None and Path("config.yaml").is_file():
        path = Path("config.yaml")
    return load_settings(path)


def _lantern(settings: Settings) -> Lantern:
    return Lantern.from_settings(settings)


def content_folders(settings: Settings) -> str:
    """Which content is in use, said plainly; the installed package's own copy is named as such."""
    intents_dir, responses_dir = settings.content.intents_dir, settings.content.responses_dir
    said = f"content from {intents_dir} and {responses_dir}"
    if installed_copy(intents_dir) or installed_copy(responses_dir):
        said += (" (the copy installed with the package: to edit the content, copy it to a folder of your own "
                 "and name that folder in config.yaml; OPERATING.md section 1)")
    return said


def _announce(settings: Settings, lantern: Lantern | None = None) -> None:
    """On stderr, so `ask --json` output stays JSON: the content in use, and whether it loaded."""
    print(f"lantern: {content_folders(settings)}", file=sys.stderr)
    if lantern is not None and lantern.catalog is None:
        print("lantern: the content could not load (see the errors above); only crisis replies work. "
              "Run 'lantern validate' for details.", file=sys.stderr)


def _region(lantern: Lantern, region: str | None) -> str | None:
    if region and region.upper() not in lantern.regions():
        raise LanternError(f"unknown region '{region}' (choose one of {', '.join(lantern.regions())})")
    return region.upper() if region else None


def _chat(args: argparse.Namespace) -> int:
    from bot.console import ConsoleCheckins, prompt_lines, run_console

    settings = settings_for(args)
    lantern = _lantern(settings)
    region = _region(lantern, args.region)
    _announce(settings, lantern)
    interactive = sys.stdin.isatty()
    lines = prompt_lines() if interactive else (line.rstrip("\n") for line in sys.stdin)
    run_console(lantern, lines, lambda text: print(text + "\n", flush=True), region=region,
                checkins=ConsoleCheckins(lantern, settings))
    return 0


def _ask(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    lantern = _lantern(settings)
    region = _region(lantern, args.region)
    _announce(settings, lantern)
    messages = args.text or (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    for message in messages:
        reply = lantern.reply("ask", message, region=region)
        lantern.forget("ask")  # stateless: every message is its own conversation
        if args.json:
            out.write(json.dumps(reply.as_json(message), ensure_ascii=False) + "\n")
        else:
            label = reply.crisis or reply.intent or reply.kind
            out.write(f"[{reply.kind}: {label} {reply.score:.0f}] {reply.text}\n\n")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from bot.validate import validate_dirs

    settings = settings_for(args)
    if args.content:
        content = settings.content.model_copy(update={"intents_dir": args.content / "intents",
                                                      "responses_dir": args.content / "responses"})
        settings = settings.model_copy(update={"content": content})
    intents_dir, responses_dir = settings.content.intents_dir, settings.content.responses_dir
    from bot.reload import example_findings, file_findings

    print(f"checking {content_folders(settings)}")
    # The limits a live reload enforces (file size, example length), stated here too; the loader
    # refuses an emptied file, naming what the content lacks without it.
    findings = file_findings(intents_dir, responses_dir)
    catalog = None
    if not findings:
        catalog, findings = validate_dirs(intents_dir, responses_dir, settings.matching)
        findings += example_findings(catalog) if catalog is not None else []
        if any(f.level == "error" for f in findings):
            catalog = None
    for finding in findings:
        print(finding)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    if catalog is not None:
        examples = sum(len(i.examples) for i in catalog.intents)
        print(f"ok: {len(catalog.intents)} intents, {examples} examples, {len(catalog.answers)} answers, "
              f"{len(catalog.regions)} regions; {warnings} warning(s)")
    else:
        print(f"failed: {errors} error(s), {warnings} warning(s)")
    return 0 if catalog is not None else 1


def _evaluate(args: argparse.Namespace) -> int:
    from bot.evaluate import evaluate_intents, evaluate_safety, load_labelled
    from bot.evaluate_report import print_intents, print_safety

    settings = settings_for(args)
    lantern = _lantern(settings)
    _announce(settings, lantern)
    if args.write_floor:
        from bot.validate import write_floor

        if not args.safety:
            raise LanternError("--write-floor records crisis figures: use it with --safety")
        for change in write_floor(lantern, args.file) or [f"{args.file.name}: the floor is unchanged"]:
            print(change)
        return 0
    if args.safety:
        report = evaluate_safety(lantern, load_labelled(args.file, "category"))
        print(json.dumps(report.as_dict(), indent=2) if args.json else print_safety(report))
    else:
        report = evaluate_intents(lantern, load_labelled(args.file, "intent"))
        print(json.dumps(report.as_dict(), indent=2) if args.json else print_intents(report))
    return 0


def _unmatched(args: argparse.Namespace) -> int:
    from bot import operator_cli
    from bot.operator_stats import review_unmatched

    settings = settings_for(args)
    cutoff = datetime.now(UTC) - args.since if args.since else None
    questions = operator_cli.read_unmatched(settings, since=cutoff, limit=args.limit)
    lantern = _lantern(settings) if questions else None
    if lantern is not None:
        _announce(settings, lantern)
    catalog = lantern.catalog if lantern is not None else None
    reviewed = review_unmatched(catalog, questions)
    if args.csv:
        operator_cli.write_csv(reviewed, sys.stdout)
    elif args.suggest and not reviewed:
        print("lantern: no unmatched questions to suggest examples from", file=sys.stderr)
    elif args.suggest:
        ask = operator_cli.terminal_question if sys.stdin.isatty() else None
        operator_cli.suggest(reviewed, catalog, settings, sys.stdout, ask=ask)
    else:
        heading = "Questions nothing answered" + (f" since {cutoff:%Y-%m-%d %H:%M} UTC" if cutoff else "")
        operator_cli.print_unmatched(reviewed, sys.stdout, heading=heading)
    return 0


def _stats(args: argparse.Namespace) -> int:
    from bot import operator_cli

    operator_cli.print_stats(settings_for(args), sys.stdout)
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.telegram.app import run

    settings = settings_for(args)
    logging.getLogger().setLevel(settings.log_level)
    if settings.bot_token():  # without one, `run` stops at once with its own one-line error
        _announce(settings)
    return run(settings) or 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
