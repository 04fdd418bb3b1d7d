"""CLI commands, one module each (see perfrules.cli.COMMAND_MODULES)."""
