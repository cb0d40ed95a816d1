"""Datasets for any English council from open data (``placeplan data build``).

Reads the trimmed open-data pack in ``data/open`` (:mod:`placeplan.opendata`), and writes
the tables of the data standard: zones (LSOAs), demand (:mod:`placeplan.caseload`), sites
(:mod:`.sites`), candidate options (:mod:`.options`) and history.
"""

from .build import BuildReport, build_dataset

__all__ = ["BuildReport", "build_dataset"]
