"""Every limit perfrules enforces on its inputs, in one place.

A 自评表 is a few hundred KB with a few dozen rows; a rule is a line or two.  The
limits below are far above anything real and far below anything that could make
reading or scoring hang, exhaust memory or blow the Python stack.  Each is enforced
where the input is first read, with a Chinese message naming the limit (see the
"Security" section of README.md).  Modules import the names from here, so one edit
changes a limit everywhere.
"""

from __future__ import annotations

# -- files ------------------------------------------------------------------------
MAX_FILE_BYTES = 50 * 1024 * 1024  # a submission file (.docx, .xlsx, .csv, .txt)
MAX_TEXT_FILE_BYTES = 10 * 1024 * 1024  # a TOML or JSON file (tomli, compiled, parses a 自评表 at ~6 MB/s; tomllib ~2)
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # total uncompressed size a .docx/.xlsx may declare
MAX_ZIP_ENTRIES = 10_000  # members of a .docx/.xlsx

# -- tables -----------------------------------------------------------------------
MAX_ROWS = 5_000  # rows of a table (Word, Excel, CSV, text export) and [[指标]] entries
MAX_COLUMNS = 200  # columns of a table
MAX_CELL_CHARS = 100_000  # characters of one cell or one text value of a submission

# -- structured files -------------------------------------------------------------
MAX_DATA_NESTING = 32  # [ and { nesting in a TOML or JSON file (tomllib/json recurse)

# -- numbers ----------------------------------------------------------------------
MAX_DIGITS = 30  # significant digits of a number, and |exponent| (1e999999999 is refused)
MAX_POINTS = 1_000  # |分值|, |得分|, |自评总分| and ruleset weights: a table totals 100

# -- rules ------------------------------------------------------------------------
MAX_RULE_LENGTH = 4_000  # characters of one rule text
MAX_NESTING = 32  # parentheses and brackets in a rule
MAX_RULE_DEPTH = 100  # depth of a rule's syntax tree (1+1+1+… or ------1 nest without brackets)
MAX_CHAIN = 12  # ruleset inheritance levels (extends)
