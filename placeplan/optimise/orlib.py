"""Readers for the OR-Library facility-location benchmark files (Beasley 1985, 1988).

Formats (see ``benchmarks/orlib`` SOURCES.md in the shared data):

* ``capNN.txt`` / ``capa|b|c.txt``: ``m n``; m lines ``capacity fixed_cost`` (capa/b/c
  write the word ``capacity``, to be replaced by one of the published values); then for
  each customer its demand and the m costs of serving all of its demand from each site.
* ``pmedN.txt``: ``n_vertices n_edges p``; then ``u v cost`` per undirected edge (1-based);
  when an edge repeats, the last cost read counts; distances are all-pairs shortest paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path


@dataclass(frozen=True)
class CapInstance:
    name: str
    capacity: np.ndarray  # (m,)
    fixed_cost: np.ndarray  # (m,)
    demand: np.ndarray  # (n,)
    cost: np.ndarray  # (n, m): cost of serving all of customer j from site i


def read_cap(path: str | Path, capacity: float | None = None, *, name: str | None = None) -> CapInstance:
    """Read an OR-Library capacitated warehouse location file."""
    path = Path(path)
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    head = tokens[2 : 2 + 2 * m]
    caps = head[0::2]
    if any(c == "capacity" for c in caps):
        if capacity is None:
            raise ValueError(f"{path.name} writes 'capacity': give the capacity to use")
        cap = np.full(m, float(capacity))
    else:
        cap = np.array([float(c) for c in caps])
    fixed = np.array([float(f) for f in head[1::2]])
    body = np.array(tokens[2 + 2 * m : 2 + 2 * m + n * (m + 1)], dtype=float).reshape(n, m + 1)
    return CapInstance(name or path.stem, cap, fixed, body[:, 0].copy(), body[:, 1:].copy())


@dataclass(frozen=True)
class PmedInstance:
    name: str
    p: int
    distance: np.ndarray  # (n, n) all-pairs shortest paths


def read_pmed(path: str | Path) -> PmedInstance:
    """Read an OR-Library p-median graph and compute all-pairs shortest paths."""
    path = Path(path)
    values = np.array(path.read_text().split(), dtype=np.int64)
    n, e, p = (int(v) for v in values[:3])
    edges = values[3 : 3 + 3 * e].reshape(e, 3)
    u, v, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(float)
    # the last cost read for an edge counts (OR-Library pmedinfo), in either direction
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = a * n + b
    _, last = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - last
    a, b, c = a[last], b[last], c[last]
    graph = csr_matrix((np.concatenate([c, c]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    distance = shortest_path(graph, method="D", directed=False)
    return PmedInstance(path.stem, p, distance)
