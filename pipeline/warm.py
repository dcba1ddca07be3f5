"""Importing this module loads every lazily loaded resource of the per-file pipeline
(jieba's dictionary with the domain words, the category model, lexicons).

The process pool's fork server preloads it (:mod:`pipeline.executor`), so each worker is
forked already warm: no per-worker start-up, and the loaded pages start out shared.
"""
from pipeline.executor import warm_up

warm_up()
