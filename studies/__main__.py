"""`python -m studies …`: see studies/cli.py."""

import sys

from .cli import main

sys.exit(main())
