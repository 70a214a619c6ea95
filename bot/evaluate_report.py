"""Plain-text reports for `lantern evaluate`: what an operator reads after changing content."""

from __future__ import annotations

from bot.evaluate import IntentReport, SafetyReport


def print_intents(report: IntentReport) -> str:
    lines = [
        f"messages: {report.total}",
        f"accuracy: {report.accuracy:.1%}",
        f"fallback rate: {report.rate('fallback'):.1%}   clarify rate: {report.rate('clarify'):.1%}   "
        f"wrong answers: {report.rate('wrong'):.1%}   crisis replies: {report.rate('crisis'):.1%}",
        "",
        f"{'intent':32} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}",
    ]
    for label, row in report.per_intent.items():
        lines.append(f"{label:32} {row['precision']:6.2f} {row['recall']:6.2f} {row['f1']:6.2f} {row['support']:4}")
    confused = report.confused()
    if confused:
        lines += ["", "most confused (expected -> got):"]
        lines += [f"  {n:3}  {e} -> {g}" for (e, g), n in confused]
    return "\n".join(lines)


def print_safety(report: SafetyReport) -> str:
    lines = [f"{'category':16} {'recall':>7} {'exact':>7} {'n':>4}"]
    for category in report.positives:
        n = report.positives[category]
        lines.append(f"{category:16} {report.recall(category):7.1%} {report.exact[category] / n:7.1%} {n:4}")
    lines.append(f"false alarms: {len(report.false_alarms)} of {report.negatives} negatives "
                 f"({report.false_alarm_rate:.1%})")
    if report.misses:
        lines += ["", "missed:"] + [f"  [{c}] {t}" for c, t in report.misses]
    if report.false_alarms:
        lines += ["", "false alarms:"] + [f"  [{c}] {t}" for c, t in report.false_alarms]
    return "\n".join(lines)
