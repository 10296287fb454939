"""The ``videoaffect`` command: the parser, logging, and how failures reach the user.

A `VideoAffectError` (bad data, option, model, extraction input; see ``core/errors.py``) or an
`OSError` (missing file, full disk, permission) becomes one line on stderr and exit code 2.
Any other exception is a bug in videoaffect and keeps its traceback.  Ctrl-C exits with 130;
every long job resumes when rerun.
"""

from __future__ import annotations

import argparse
import logging
import sys

from videoaffect.cli import (
    benchmark,
    demo,
    evaluate,
    expression,
    extract,
    models,
    predict,
    reproduce,
    synth,
    train,
    view,
    weights,
)
from videoaffect.cli.common import verbosity_parent
from videoaffect.cli.options import HelpFormatter
from videoaffect.core.errors import VideoAffectError

COMMANDS = (synth, train, evaluate, predict, view, models, demo, extract, weights, expression, reproduce,
            benchmark)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


class _TopParser(_Parser):
    def parse_known_args(self, args=None, namespace=None):
        # -q / -v default to SUPPRESS in every parser (so that a subcommand does not reset what
        # came before its name); the neutral level is filled in here, once.
        namespace, extras = super().parse_known_args(args, namespace)
        if not hasattr(namespace, "verbosity"):
            namespace.verbosity = 0
        return namespace, extras


def build_parser() -> argparse.ArgumentParser:
    from videoaffect import __version__

    parent = verbosity_parent()
    parser = _TopParser(
        prog="videoaffect",
        description="Predict per-second valence and arousal of videos (multi-modal fusion with long-short "
        "temporal context, residual progressive training).",
        parents=[parent],
    )
    parser.add_argument("--version", action="version", version=f"videoaffect {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.register(sub, [parent])
    return parser


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}[max(-1, min(1, verbosity))]
    logging.basicConfig(level=level, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("videoaffect").setLevel(level)
    # dask.distributed logs every scheduler, worker and connection event at INFO; only -v shows them
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(getattr(args, "verbosity", 0))
    try:
        return args.func(args)
    except (VideoAffectError, OSError) as exc:
        print(f"videoaffect: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("videoaffect: interrupted; rerun the same command to resume (finished work is kept)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
