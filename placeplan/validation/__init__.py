"""Checks on a dataset: cells against the schema, then rows and tables against each other."""

from .cells import parse_table
from .relations import check_relations

__all__ = ["parse_table", "check_relations"]
