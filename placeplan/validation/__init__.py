"""Checks on a dataset: cells against the schema, then rows and tables against each other."""

from .cells import check_geometry, parse_table
from .relations import check_relations

__all__ = ["check_geometry", "check_relations", "parse_table"]
