"""Rule text → AST, through a small on-disk cache of parsed rules.

Parsing needs lark (about 40 ms to import) and its LALR tables (about 40 ms to load
from lark's own cache) before the first rule is parsed: most of a cold
``perfrules score``.  The rules a ruleset chain holds change rarely, so their ASTs
are kept in a JSON file (:mod:`perfrules.rules.astcache`) keyed by the exact rule text and
by the grammar, the AST module and the parser module as they are now.  A process
whose rules are all in the cache never imports lark; any other text is parsed by
:mod:`perfrules.rules.lark_parser`, the only module that imports lark, and its AST added.
Errors are never cached: a text that does not parse is parsed (and reported) again.
"""

from __future__ import annotations

from perfrules.rules import ast
from perfrules.rules.astcache import cache
from perfrules.limits import MAX_RULE_LENGTH  # longer texts go to lark_parser, which refuses them


def parse_rule(text: str) -> ast.Rule:
    """Parse one rule text.  Raises PerfrulesError with an offset into *text*."""
    store = cache()
    if len(text) <= MAX_RULE_LENGTH:
        found = store.get(text)
        if found is not None:
            return found
    from perfrules.rules import lark_parser

    rule = lark_parser.parse_rule(text)
    store.put(text, rule)
    return rule
