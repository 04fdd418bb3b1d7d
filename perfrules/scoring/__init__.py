"""Scoring: a submission and a ruleset → a result, every point lost explained.

:mod:`~perfrules.scoring.interpreter` scores any table: it reads each row's cells,
chooses its rule by the domain policy of :mod:`~perfrules.scoring.policy`, runs it,
and turns what it charged into records (:mod:`~perfrules.scoring.records`, the one
record builder); the findings come from :mod:`~perfrules.scoring.audit` and
:mod:`~perfrules.scoring.tablecheck`.  :mod:`~perfrules.scoring.plan` scores typed
inputs of a form known in advance with rules bound to each form row
(:mod:`~perfrules.scoring.planrow`), through the same records.
"""
