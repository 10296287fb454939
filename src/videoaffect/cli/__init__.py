"""Every ``videoaffect`` command, one module each; ``main.py`` assembles the parser.

Modules here import only light things at the top (argparse, ``core``, the config dataclasses);
torch, PyAV and the extractors are imported inside each command's ``run``, so ``--help`` is fast.
"""
