"""지역중소기업 위기징후 모니터링 — the tested logic behind the notebooks and the quarterly batch.

Modules, imports flowing downward only:
codes → params → nps → demo → areas → indicators → stages → charts → report → batch → cli
"""

__version__ = "0.1.0"
