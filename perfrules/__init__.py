"""perfrules: score 预算绩效自评 tables as code, and explain every point lost."""
