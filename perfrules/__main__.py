"""``python -m perfrules …``: the same command line as the ``perfrules`` script."""

from perfrules.cli import main

main()
