"""Reproducing the paper: ``videoaffect reproduce`` (tables 1-5 over seeds, resumable) and the
LIRIS-ACCEDE benchmark.

What runs (paper section 4; metrics are per second, the MediaEval 2018 protocol): one module
per table under ``tables/`` says which trainings and runs each cell needs.  Trainings are
shared wherever the paper's protocol allows (see ``plan``): the audio+scene+expression valence
model of table 2 is the L = 4 model of tables 3 and 4; for other L only the inter-clip BiLSTM is
retrained on that frozen intra-clip model (seeded from (seed, L), so its result does not depend
on which other L ran); beta only changes post-processing, so one arousal training serves every
beta, table 2 and table 4.  Paper modalities missing from the corpus make their rows "n/a" in
tables 1 and 2; the final models (tables 3-5) use the paper's modalities that the corpus has and
name the missing ones in the table.

Modules, in the order a reproduction uses them:

* ``mapping``   paper modality -> corpus modality
* ``tables/``   the five tables: layout, published numbers, which runs fill each cell
* ``specs``     the data types of a plan (trainings, runs, tables, rows, cells)
* ``table_plan`` ``TablePlan``: the plan's state and the trainings and runs a table asks for
* ``plan``      ``ExperimentPlan``: builds and checks the plan of the requested tables
* ``run_files`` run files: format, fingerprint, resume, leftover temporary files
* ``trainings`` executing a training and every run that shares it
* ``report``    aggregation over seeds, tableN.json / tableN.md, summary.md
* ``figures``   figures 3-6 and which models draw them
* ``orchestrator`` ``run_reproduction``: all of the above under the output directory's lock
* ``reproduce`` the public names, re-exported
* ``paper_results`` the published numbers; ``liris_benchmark`` / ``references`` the LIRIS benchmark
"""
