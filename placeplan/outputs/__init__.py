"""Outputs for people, built from a solved output folder: the councillors' map, the
consultation shortlist, the Excel plan and the report.

:func:`write_documents` reads the folder (:mod:`.folder`), works out the figures once
(:mod:`.facts`), protects every count of pupils once (:mod:`.disclosure`, :mod:`.public`,
:mod:`.sufficiency`) and writes each file whole or not at all.
"""

from .build import DOCUMENTS, MAP, REPORT, Built, build_documents, maps_folder_for, write_documents

__all__ = ["DOCUMENTS", "MAP", "REPORT", "Built", "build_documents", "maps_folder_for", "write_documents"]
