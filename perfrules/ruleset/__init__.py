"""Rulesets: the TOML layers of a jurisdiction, checked, merged along ``extends``, loaded
and chosen for a submission.

:mod:`~perfrules.ruleset.model` is the loaded :class:`~perfrules.ruleset.model.Ruleset`;
:mod:`~perfrules.ruleset.loader` reads and merges the layers (each section checked by
:mod:`~perfrules.ruleset.sections`, every problem yielded with its position);
:mod:`~perfrules.ruleset.catalog` picks the ruleset of a submission's 辖区 and year;
:mod:`~perfrules.ruleset.view` and :mod:`~perfrules.ruleset.files` serve ``ruleset
show`` and the studio.
"""
