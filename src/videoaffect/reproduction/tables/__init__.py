"""The paper's tables, one module each.

A table module has ``NAME`` (the table number), ``TITLE`` and ``build(plan) -> TableSpec``:
``build`` asks the plan for the trainings and runs of each cell (``plan.training``,
``plan.add_run``) and pairs them with the published numbers of ``paper_results``.  Rendering,
resuming and running are generic, so a new table is a new module listed in ``TABLE_MODULES``.
"""

from __future__ import annotations

from videoaffect.reproduction.tables import table1, table2, table3, table4, table5

# The order is the order tables are built, run and written in.
TABLE_MODULES = (table1, table2, table3, table4, table5)
TABLES = {m.NAME: m for m in TABLE_MODULES}
ALL_TABLES = tuple(TABLES)
# Table 5 needs a classification config; it joins the defaults when one is given.
DEFAULT_TABLES = ("1", "2", "3", "4")
