"""Running a sweep's solves on Dask (``dask.distributed``).

By default a local cluster of ``workers`` processes, one thread each (the solver's own
thread: two solves never share a process, so neither slows the other through Python's
lock); with ``scheduler`` any running cluster (``dask scheduler`` and ``dask worker``, or
dask-jobqueue on an HPC), whose workers have placeplan installed. The shared context is
sent once to every worker; each job is a draw number. Results come back in job order,
whichever worker finishes first.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

from ..errors import PlacePlanError
from .jobs import Context, Job, Outcome, solve_job

log = logging.getLogger(__name__)


class SweepError(PlacePlanError):
    """The cluster could not be reached or a worker failed outside placeplan."""

    exit_code = 2


@contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator[object]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SweepError(f"--scheduler {scheduler}: no Dask scheduler answered ({exc}); expected the "
                             "address a running 'dask scheduler' prints, e.g. tcp://127.0.0.1:8786") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_jobs(context: Context, jobs: Sequence[Job], *, workers: int = 2, scheduler: str | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Solve every job on the cluster; outcomes in the order of ``jobs``."""
    from dask.distributed import as_completed

    with _client(workers, scheduler) as client:
        shared = client.scatter(context, broadcast=True)
        futures = [client.submit(solve_job, shared, job, pure=False) for job in jobs]
        for done, future in enumerate(as_completed(futures), start=1):
            if future.status == "error":
                raise future.exception()   # as the worker raised it: bad input (exit 2) or a bug (exit 1)
            if progress is not None:
                progress(done, len(jobs))
        return [future.result() for future in futures]


def run_local(context: Context, jobs: Sequence[Job],
              progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """The same solves in this process, one after another (``--workers 0``)."""
    outcomes = []
    for done, job in enumerate(jobs, start=1):
        outcomes.append(solve_job(context, job))
        if progress is not None:
            progress(done, len(jobs))
    return outcomes
