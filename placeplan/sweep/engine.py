"""Running a sweep's solves on Dask (``dask.distributed``).

By default a local cluster of ``workers`` processes, one thread each (the solver's own
thread: two solves never share a process, so neither slows the other through Python's
lock); with ``scheduler`` any running cluster (``dask scheduler`` and ``dask worker``, or
dask-jobqueue on an HPC), whose workers have placeplan installed. Each shared context
is sent once to every worker; each job is a draw number. Results come back in job order,
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
    # a free port for the scheduler's own HTTP routes: two sweeps at once never contend for one
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_jobs(work: Sequence[tuple[Context, Job]], *, workers: int = 2, scheduler: str | None = None,
             progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Solve every (context, job) on the cluster, each context sent once to every worker;
    outcomes in the order of ``work``."""
    from dask.distributed import as_completed

    jobs = list(work)
    with _client(workers, scheduler) as client:
        sent: dict[int, object] = {}
        for context, _ in jobs:
            if id(context) not in sent:
                sent[id(context)] = client.scatter(context, broadcast=True)
        futures = [client.submit(solve_job, sent[id(context)], job, pure=False) for context, job in jobs]
        for done, future in enumerate(as_completed(futures), start=1):
            if future.status == "error":
                raise future.exception()   # as the worker raised it: bad input (exit 2) or a bug (exit 1)
            if progress is not None:
                progress(done, len(jobs))
        return [future.result() for future in futures]


def run_local(work: Sequence[tuple[Context, Job]],
              progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """The same solves in this process, one after another (``--workers 0``)."""
    outcomes = []
    for done, (context, job) in enumerate(work, start=1):
        outcomes.append(solve_job(context, job))
        if progress is not None:
            progress(done, len(work))
    return outcomes


def run(work: Sequence[tuple[Context, Job]], *, workers: int, scheduler: str | None,
        progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """On the cluster, or in this process when there are no workers and no scheduler."""
    if workers or scheduler:
        return run_jobs(work, workers=workers, scheduler=scheduler, progress=progress)
    return run_local(work, progress=progress)


def map_in_order(function: Callable, items: Sequence, *, workers: int, scheduler: str | None,
                 progress: Callable[[int, int], None] | None = None) -> list:
    """``function`` of each item (plain data in and out) on the cluster, or in this process
    with no workers and no scheduler; results in the order of ``items``."""
    if not (workers or scheduler):
        out = []
        for done, item in enumerate(items, start=1):
            out.append(function(item))
            if progress is not None:
                progress(done, len(items))
        return out
    from dask.distributed import as_completed

    with _client(workers, scheduler) as client:
        futures = [client.submit(function, item, pure=False) for item in items]
        for done, future in enumerate(as_completed(futures), start=1):
            if future.status == "error":
                raise future.exception()
            if progress is not None:
                progress(done, len(items))
        return [future.result() for future in futures]
