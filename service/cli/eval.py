"""`etiquette eval LABELS.yaml`: precision, recall, timing and depth errors on labelled clips."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etiquette.service.cli.commands import Command
from etiquette.service.offline.evaluation.labels import LabelError, load_labels


class EvalError(Exception):
    """A problem with the eval's files; one line for the user."""


def cmd_eval(args: argparse.Namespace) -> int:
    from etiquette.service.offline.evaluation.run import evaluate, load_metrics, regressions, table

    try:
        labels, folder = load_labels(Path(args.labels))
    except LabelError as error:
        raise EvalError(str(error)) from None
    missing = [c.path for c in labels.clips if not (folder / c.path).exists()]
    if missing:
        raise EvalError(
            f"{len(missing)} labelled clip(s) not found, e.g. {folder / missing[0]}: the paths "
            "in the labels file are relative to it (the shared clips live in ../shared/data)"
        )
    _, metrics = evaluate(labels, folder, only=args.clip or None)
    print(table(metrics))
    if args.out:
        Path(args.out).write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.out}")
    if args.check:
        try:
            committed = load_metrics(Path(args.check))
        except (OSError, ValueError) as error:
            raise EvalError(f"{args.check}: cannot read the committed metrics ({error})") from None
        if args.clip:  # only the clips that ran; the totals need every clip
            clips = committed.get("clips")
            if isinstance(clips, dict):
                committed = {"clips": {n: clips[n] for n in args.clip if n in clips}}
        worse = regressions(metrics, committed)
        for line in worse:
            print(f"worse: {line}", file=sys.stderr)
        if worse:
            print(
                f"{len(worse)} figure(s) worse than {args.check}; fix the cause, or if the "
                "labels changed, write the new figures with --out",
                file=sys.stderr,
            )
            return 1
        print(f"no figure worse than {args.check}")
    return 0


def _eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("labels", metavar="LABELS.yaml", help="the labelled clips")
    parser.add_argument(
        "--clip",
        action="append",
        metavar="NAME",
        help="only this clip (repeatable); --check then compares only these clips' figures",
    )
    parser.add_argument("--out", metavar="METRICS.json", help="write the figures as JSON")
    parser.add_argument(
        "--check",
        metavar="METRICS.json",
        help="exit 1 if any figure is worse than in this committed metrics file",
    )


EVAL = Command(
    "eval",
    help="score the product on labelled real clips",
    run=cmd_eval,
    arguments=_eval_arguments,
    description="Run every clip of a labels file through perception and the rules, match "
    "the reported events (bows, gestures, arrivals) to the labelled ones and print "
    "precision, recall, start/peak/end timing errors (frames), bow depth errors "
    "(degrees), people-count accuracy, acquisition delay and id switches, per clip and "
    "in total. The labels format is documented in the README (Evaluation).",
)
