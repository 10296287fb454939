"""``videoaffect train-expression``: pre-train the paper's Xception expression network."""

from __future__ import annotations

import argparse
from pathlib import Path

from videoaffect.cli import common


def register(sub, parents) -> None:
    p = sub.add_parser("train-expression", parents=parents,
                       help="pre-train the paper's Xception expression network (per-epoch log next to --out as "
                       ".log.jsonl)")
    p.add_argument("root", type=Path, help="dataset root (RAF-DB basic or FER2013 layout)")
    p.add_argument("--layout", choices=["raf-db", "fer2013"], required=True, help="dataset layout")
    p.add_argument("--out", type=Path, required=True, help="output .safetensors file")
    p.add_argument("--epochs", type=common.positive_int, default=30, help="training epochs")
    p.add_argument("--batch-size", type=common.positive_int, default=32, help="images per batch")
    common.add_device(p, default="auto")
    p.add_argument("--max-images", type=common.positive_int,
                   help="use at most this many training images (quick runs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoaffect.training.expression_pretrain import pretrain_expression
    from videoaffect.training.log import TrainingLog

    common.check_file_arg(args.out, "--out")
    path = pretrain_expression(
        args.root, layout=args.layout, out_path=args.out, epochs=args.epochs, batch_size=args.batch_size,
        device=common.resolved_device(args), max_images=args.max_images,
        log=TrainingLog(args.out.with_suffix(".log.jsonl")),
    )
    print(f"expression network written to {path}; make it the paper set's expression weights with\n"
          f"  videoaffect weights import {path} --name expression-xception")
    return 0
