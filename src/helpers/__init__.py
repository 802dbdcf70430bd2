"""지역중소기업 위기징후 모니터링 — the tested logic behind the notebooks and the quarterly batch.

Modules, imports flowing downward only (a module imports only from those before it):
errors, files, fmt → periods → params → codes, pension, schema → nps → areas → demo → indicators → stages
→ typology → charts → report → export → brief → survey → explorer → batch → cli
(`codes` reads the administrative-change and province tables of `params/`, so it follows `params`.
`typology` is analysis without plotting; `charts` is a package: theme → labels → shapes → maps, trends, matrix.)
"""

__version__ = "0.1.0"
