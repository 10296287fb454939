"""The ``videoaffect`` command: the parser, logging, and how failures reach the user.

A `VideoAffectError` (bad data, option, model, extraction input; see ``core/errors.py``) or an
`OSError` (missing file, full disk, permission) becomes one line on stderr and exit code 2.
Any other exception is a bug in videoaffect and keeps its traceback.  Ctrl-C exits with 130;
every long job resumes when rerun.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import re
import sys

from videoaffect.cli import (
    annotate,
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

# not `annotations`: that name is `from __future__ import annotations`'s
from videoaffect.cli import annotations as annotations_command
from videoaffect.cli.common import verbosity_parent
from videoaffect.cli.options import HelpFormatter, required_in_usage
from videoaffect.core.errors import VideoAffectError

# Options a command checks itself because an older form of it does without them; usage shows them
# as required all the same (the form in the value is the exception).
REQUIRED_UNLESS = {("predict", "--model"): "in the 0.1 form `predict MODEL --corpus DIR`"}

COMMANDS = (synth, train, evaluate, predict, view, models, demo, extract, weights, expression, reproduce,
            benchmark, annotate, annotations_command)


class _Parser(argparse.ArgumentParser):
    """argparse with short errors: the error, then the command's required arguments and where
    the rest are explained, instead of the whole usage block; "did you mean" for a mistyped
    command, choice or option (Python 3.11's argparse has no suggest_on_error)."""

    # The (sub)command parser that parsed last: the top parser learns of unrecognized arguments only
    # after its command's parser returned, and reports them with that command's options.
    last_used: _Parser | None = None

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self.given: list[str] = []

    def parse_known_args(self, args=None, namespace=None):
        # kept for error(): a missing --out is often a mistyped one, which argparse reports only later
        self.given = list(sys.argv[1:] if args is None else args)
        _Parser.last_used = self
        return super().parse_known_args(args, namespace)

    def _check_value(self, action, value):
        if action.choices is None or value in action.choices:
            return
        choices = [str(c) for c in action.choices]
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        if hasattr(action, "add_parser"):  # the command (or a command's action) itself
            what = (action.metavar or "command").lower()
            raise argparse.ArgumentError(None, f"unknown {what} {value!r}{hint} ({what}s: {', '.join(choices)})")
        raise argparse.ArgumentError(action, f"invalid choice {value!r}{hint} (choose from {', '.join(choices)})")

    def unknown_options(self, tokens: list[str]) -> str:
        """The tokens that look like options this parser lacks, each with its closest option."""
        known = [o for a in self._actions for o in a.option_strings]
        has_commands = any(hasattr(a, "add_parser") for a in self._actions)
        out = []
        for token in tokens:
            if token == "--" or (has_commands and not token.startswith("-")):
                break  # what follows a command's name is that command's to judge
            name = token.split("=", 1)[0]
            flags = name.startswith("-") and not name.startswith("--") and len(name) > 2  # -qv, or -q's value
            if not name.startswith("-") or flags or _NUMBER.fullmatch(name) or any(o.startswith(name) for o in known):
                continue
            # compared without the dashes, which every option shares and which would make any word close
            close = difflib.get_close_matches(name.lstrip("-"), [o[2:] for o in known if o.startswith("--")], n=1)
            out.append(f"{name} (did you mean --{close[0]}?)" if close else name)
        return ", ".join(out)

    def short_usage(self) -> str:
        """The command with what it requires, then [options]: one line, whatever the terminal width."""
        wanted = [a for a in self._actions if a.required or not a.option_strings or getattr(a, "required_unless", None)]
        groups = [g for g in self._mutually_exclusive_groups if g.required]
        wanted += [a for g in groups for a in g._group_actions if a not in wanted]
        formatter = HelpFormatter(prog=self.prog, width=10_000)
        formatter.add_usage(None, wanted, groups, prefix="")
        line = formatter.format_help().strip()
        return line + (" [options]" if len(wanted) < len(self._actions) else "")

    def error(self, message: str):
        unknown = self.unknown_options(self.given)
        if unknown and not message.startswith(("unrecognized arguments", "unknown option")):
            message += f"; unknown option {unknown}"
        hint = f"usage: {self.short_usage()}   (every option: {self.prog} --help)"
        self.exit(2, f"{self.prog}: error: {message}\n{hint}\n")


_NUMBER = re.compile(r"-\d+(\.\d*)?|-\.\d+")


class _TopParser(_Parser):
    def parse_known_args(self, args=None, namespace=None):
        # -q / -v default to SUPPRESS in every parser (so that a subcommand does not reset what
        # came before its name); the neutral level is filled in here, once.
        namespace, extras = super().parse_known_args(args, namespace)
        if not hasattr(namespace, "verbosity"):
            namespace.verbosity = 0
        return namespace, extras

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            # reported by the (sub)command that was parsed last, with its own options to suggest
            parser = _Parser.last_used or self
            unknown = parser.unknown_options(extras)
            parser.error(f"unknown option {unknown}" if unknown else f"unrecognized arguments: {' '.join(extras)}")
        return namespace


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
    for (command, flag), unless in REQUIRED_UNLESS.items():
        action = next(a for a in sub.choices[command]._actions if flag in a.option_strings)
        required_in_usage(action, unless)
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
