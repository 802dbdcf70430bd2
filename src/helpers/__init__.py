"""지역중소기업 위기징후 모니터링 — the tested logic behind the notebooks and the quarterly batch.

Modules, imports flowing downward only (a module imports only from those before it):
errors, files → params → codes, pension, schema → nps → areas → reference → demo → indicators → stages
→ charts → report → export → brief → survey → explorer → batch → cli
(`codes` reads the administrative-change and province tables of `params/`, so it follows `params`.
`reference` builds and reads the real dense-area table `data/reference/dense_areas.csv`; `demo` is a package
whose simulation places workplaces with it. `demo.truth.true_stages` needs `stages`, which comes later: it
imports it inside the function, when called, never at import time.)
"""

__version__ = "0.1.0"
