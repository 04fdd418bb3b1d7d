"""Rules: a rule's text → tree → checked program, knowing no table.

``grammar.lark`` and :mod:`~perfrules.rules.lark_parser` parse a rule into the typed
AST of :mod:`~perfrules.rules.ast` (cached by :mod:`~perfrules.rules.astcache`);
:mod:`~perfrules.rules.compiler` checks it and builds a
:class:`~perfrules.rules.program.CompiledRule`, whose cases and deductions run on the one
row arithmetic of :mod:`~perfrules.rules.arithmetic`.  Bound to one form row
(:mod:`~perfrules.rules.binding`), a rule is specialised into one of the scorers of
:mod:`~perfrules.rules.shapes`.
"""
