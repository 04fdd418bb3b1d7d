"""Bundled rulesets, installed as perfrules.rulesets_data (data only; see docs)."""
