"""CLI commands, one module each (see perfrules.app.cli.COMMAND_MODULES)."""
