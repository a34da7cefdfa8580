"""`python -m convae …`: the command line (see convae/tools/cli.py)."""

import sys

from .tools.cli import main

sys.exit(main())
