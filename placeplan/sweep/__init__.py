"""Sweeps: many independent plans of one scenario, on a Dask cluster.

* demand draws (:mod:`.jobs`): the plan solved against each of N Monte Carlo futures of
  the projection's own uncertainty, and the scenario's percentile (the P50 plan) beside
  them;
* the engine (:mod:`.engine`): a local cluster of worker processes, one solver thread
  each, or any running Dask scheduler; workers receive plain data (the loaded inputs, the
  demand futures, the travel pairs) and build their own models, since OR-Tools objects do
  not pickle;
* the tables (:mod:`.tables`): ``robustness.csv`` (how often each option is chosen) and
  ``draws.csv`` (each draw's cost, out-of-area pupils and capital), declared in
  :mod:`placeplan.swept`.

Results are ordered by draw, never by which worker finished first, so the same seed gives
byte-identical files on any number of workers.
"""
