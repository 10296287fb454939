"""``python -m videoaffect`` is the ``videoaffect`` command."""

import sys

from videoaffect.cli.main import main

sys.exit(main())
