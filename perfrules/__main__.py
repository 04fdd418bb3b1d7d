"""``python -m perfrules …``: the same command line as the ``perfrules`` script."""

from perfrules.app.cli import main

main()
