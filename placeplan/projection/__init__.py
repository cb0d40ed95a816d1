"""Demand projection by need, year group and home zone, with honest ranges, and backtests.

Data flows one way through these modules (docs/projection.md explains the methods):

* :mod:`.trend`: trend with pooling, the growth core (arrays and tables of areas x years);
* :mod:`.cohort`: cohort ageing with joiners and leavers, the year-group core;
* :mod:`.dfe`: what the methods read from the DfE's EHC-plan open data;
* :mod:`.council`: a dataset's council, history and pooled growth model;
* :mod:`.methods`: each method's council-level Monte Carlo paths;
* :mod:`.share`: the specialist-share path (inclusion scenarios);
* :mod:`.project`: the whole flow, to zone-level P10 / P50 / P90 and council tables;
* :mod:`.scap`: the council's forecast in the shape of the DfE's SCAP return;
* :mod:`.history` and :mod:`.backtest`: fitting up to an origin and scoring what followed.

The cores know nothing of CSV files or datasets; the adapters do.
"""
