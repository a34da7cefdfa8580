"""Entry point of `python -m convae`."""

import sys

from .cli import main

sys.exit(main())
