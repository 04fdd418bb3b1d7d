"""``python -m perfrules …``: the same command line as the ``perfrules`` script."""

import sys

from perfrules.cli import main

sys.exit(main())
