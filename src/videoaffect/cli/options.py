"""Command-line options generated from the config dataclasses, so each option is declared once:
its name, type, choices, default and help all come from the field (``models/config.py``)."""

from __future__ import annotations

import argparse
import copy
import re
import typing
from dataclasses import MISSING, fields
from typing import Any, Literal, TypeVar, get_args, get_origin

from videoaffect.core.errors import ConfigError

C = TypeVar("C")


def flag_of(f) -> str:
    return "--" + (f.metadata.get("flag") or f.name).replace("_", "-")


def _default(f) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


def _element_type(hint: Any) -> type:
    args = [a for a in get_args(hint) if a is not Ellipsis]
    return args[0] if args and isinstance(args[0], type) else str


def _csv_of(kind: type, flag: str):
    def parse(text: str):
        items = [s.strip() for s in text.split(",") if s.strip()]
        try:
            return tuple(kind(s) for s in items)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: give comma-separated {kind.__name__} values") from None

    parse.__name__ = f"comma-separated {kind.__name__}"
    return parse


def cli_fields(cls) -> list:
    return [f for f in fields(cls) if f.metadata.get("cli", False)]


def add_config_options(group, cls, *, skip: tuple[str, ...] = ()) -> None:
    """One option per field of ``cls`` marked for the command line; ``dest`` is the field name."""
    hints = typing.get_type_hints(cls)
    for f in cli_fields(cls):
        if f.name in skip:
            continue
        hint, default, help_text = hints[f.name], _default(f), f.metadata["help"]
        kw: dict[str, Any] = {"dest": f.name, "default": default, "help": help_text}
        if hint is bool:
            kw["action"] = argparse.BooleanOptionalAction
        elif get_origin(hint) is Literal:
            kw["choices"] = list(get_args(hint))
        elif get_origin(hint) is tuple:
            kind = _element_type(hint)
            kw["type"] = _csv_of(kind, flag_of(f))
            kw["metavar"] = "NAME,..." if kind is str else ",".join([kind.__name__.upper()] * 2)
        else:
            kw["type"] = hint if hint in (int, float, str) else str
        group.add_argument(flag_of(f), **kw)


def config_values(cls, args: argparse.Namespace, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {f.name: getattr(args, f.name) for f in cli_fields(cls) if f.name not in skip and hasattr(args, f.name)}


def build_config(cls: type[C], args: argparse.Namespace, **fixed: Any) -> C:
    """``cls`` from the parsed options plus ``fixed`` values; a validation error names the flags
    the user typed, not the field names."""
    values = {**config_values(cls, args, skip=tuple(fixed)), **fixed}
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(as_flags(str(exc), cls)) from None


def as_flags(message: str, cls) -> str:
    for f in cli_fields(cls):
        message = re.sub(rf"(?<![\w-]){re.escape(f.name)}(?![\w-])", flag_of(f), message)
    return message


def required_in_usage(action: argparse.Action, unless: str) -> argparse.Action:
    """Show an option the command checks itself as required in usage (no brackets): argparse
    cannot require it because another form of the command does without it (``unless``)."""
    action.required_unless = unless  # type: ignore[attr-defined]
    if action.help and "required" not in action.help:
        action.help += f" (required unless {unless})"
    return action


def _shown_as_required(action: argparse.Action) -> argparse.Action:
    if not getattr(action, "required_unless", None):
        return action
    shown = copy.copy(action)
    shown.required = True
    return shown


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default, unless it has none or says it already; options
    marked with `required_in_usage` are shown as required in the usage line."""

    def _format_usage(self, usage, actions, groups, prefix):
        return super()._format_usage(usage, [_shown_as_required(a) for a in actions], groups, prefix)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default is None or default is False or default is argparse.SUPPRESS or default in ((), [])
            or not action.option_strings
            or isinstance(action, (argparse._HelpAction, argparse._VersionAction))
        ):
            return text
        shown = ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in default) \
            if isinstance(default, tuple) else "%(default)s"
        if isinstance(default, float):
            shown = f"{default:g}"
        return f"{text} (default: {shown})"
