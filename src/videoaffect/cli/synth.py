"""``videoaffect synth``: a synthetic corpus with known answers."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from videoaffect.cli.common import SYNTHETIC_PRESETS, check_out_dir, non_negative_int
from videoaffect.core.errors import ConfigError


def register(sub, parents) -> None:
    p = sub.add_parser("synth", parents=parents, help="write a synthetic corpus with known answers to a directory",
                       description="Write a synthetic corpus (corpus.json + movies/*.npz) whose labels are planted "
                       "in the features, for trying the commands and for tests.")
    p.add_argument("out", type=Path, help="output corpus directory (new or empty; --overwrite replaces a corpus)")
    p.add_argument("--preset", choices=SYNTHETIC_PRESETS, default="small", help="corpus size")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--context-clips", type=non_negative_int, default=0,
                   help="plant long-range valence context over +-N clips (0 = none)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing corpus in OUT")
    p.add_argument("--layout", choices=["corpus", "liris-accede"], default="corpus",
                   help="corpus: synthetic features (corpus.json); liris-accede: a small LIRIS-ACCEDE discrete root "
                   "of generated excerpt videos in the official layout (data/ACCEDE*.mp4, ACCEDEdescription.xml, "
                   "annotations/), to try `train --dataset OUT` on videos (--preset and --context-clips do not apply)")
    p.set_defaults(func=run)


def prepare(out: Path, overwrite: bool) -> None:
    check_out_dir(out, "OUT")
    if not out.exists() or not any(out.iterdir()):
        return
    if not (out / "corpus.json").is_file():
        raise ConfigError(f"{out} exists, is not empty and holds no corpus; choose a new or empty folder")
    if not overwrite:
        raise ConfigError(f"{out} already holds a corpus; pass --overwrite to replace it, or choose another folder")
    # Replacing means no movie of the old corpus survives next to the new one.
    (out / "corpus.json").unlink()
    shutil.rmtree(out / "movies", ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from videoaffect.core.locks import OutputLock
    from videoaffect.datasets.generated import write_generated_marker
    from videoaffect.datasets.synthetic.features import generate, preset

    if args.layout == "liris-accede":
        return _liris(args)
    prepare(args.out, args.overwrite)
    cfg = preset(args.preset, seed=args.seed)
    if args.context_clips:
        cfg = replace(cfg, context_clips=args.context_clips)
    with OutputLock(args.out, "synth"):
        corpus = generate(cfg)
        corpus.save(args.out)
        write_generated_marker(args.out, f"videoaffect synth --preset {args.preset} --seed {args.seed}",
                               "synthetic features with planted valence and arousal")
    print(f"wrote {corpus.n_movies} movies, {corpus.total_seconds} s, modalities "
          f"{ {n: s.shape for n, s in corpus.specs.items()} } to {args.out}")
    return 0


def _liris(args: argparse.Namespace) -> int:
    from videoaffect.core.locks import LOCK_NAME, OutputLock
    from videoaffect.datasets.synthetic.liris import write_liris_like

    check_out_dir(args.out, "OUT")
    if args.out.exists() and any(p.name != LOCK_NAME for p in args.out.iterdir()):
        raise ConfigError(f"{args.out} exists and is not empty; choose a new or empty folder for the LIRIS-ACCEDE root")
    with OutputLock(args.out, "synth"):
        write_liris_like(args.out, seed=args.seed)
    n = len(list((args.out / "data").glob("ACCEDE*.mp4")))
    print(f"wrote a generated LIRIS-ACCEDE discrete root with {n} excerpt videos (sets 1, 2 and 0) to {args.out}; "
          f"train on it with `videoaffect train --dataset {args.out} --out MODEL`")
    return 0
