"""What a user runs: the ``perfrules`` command line (:mod:`~perfrules.app.cli` and one
module per command in :mod:`~perfrules.app.commands`), batches of files
(:mod:`~perfrules.app.batch`), the JSON Lines stream and the ruleset cases runner."""
