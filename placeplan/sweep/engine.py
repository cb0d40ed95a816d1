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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import SweepError
from .jobs import Context, Job, Outcome, solve_job

log = logging.getLogger(__name__)


@contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator[object]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SweepError(
                f"--scheduler {scheduler}: no Dask scheduler answered ({exc}); expected the "
                "address a running 'dask scheduler' prints, e.g. tcp://127.0.0.1:8786"
            ) from None
        with client:
            yield client
        return
    # a free port for the scheduler's own HTTP routes: two sweeps at once never contend for one
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


class Cluster:
    """Where a sweep's jobs run: a Dask client, or this process (``client`` None). Each
    shared context is sent once to every worker, however many batches of jobs use it."""

    def __init__(self, client: object | None) -> None:
        self.client = client
        self._sent: dict[int, object] = {}

    def run(
        self,
        function: Callable[[Context, Any], Any],
        work: Sequence[tuple[Context, Any]],
        progress: Callable[[int, int], None] | None = None,
    ) -> list:
        """``function(context, job)`` of every pair of ``work``, results in its order."""
        if self.client is None:
            return _in_this_process(lambda pair: function(*pair), work, progress)
        client: Any = self.client
        for context, _ in work:
            if id(context) not in self._sent:
                self._sent[id(context)] = client.scatter(context, broadcast=True)
        return _in_order(
            [client.submit(function, self._sent[id(context)], job, pure=False) for context, job in work], progress
        )

    def map(self, function: Callable, items: Sequence, progress: Callable[[int, int], None] | None = None) -> list:
        """``function`` of each item (plain data in and out), results in the order of ``items``."""
        if self.client is None:
            return _in_this_process(function, items, progress)
        client: Any = self.client
        return _in_order([client.submit(function, item, pure=False) for item in items], progress)


@contextmanager
def cluster(workers: int, scheduler: str | None) -> Iterator[Cluster]:
    """The cluster a sweep runs on: this process when there are no workers and no scheduler."""
    if not (workers or scheduler):
        yield Cluster(None)
        return
    with _client(workers, scheduler) as client:
        yield Cluster(client)


def run(
    work: Sequence[tuple[Context, Job]],
    *,
    workers: int,
    scheduler: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Solve every (context, job) on a cluster of its own; outcomes in the order of ``work``."""
    with cluster(workers, scheduler) as where:
        return where.run(solve_job, work, progress)


def map_in_order(
    function: Callable,
    items: Sequence,
    *,
    workers: int,
    scheduler: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> list:
    """``function`` of each item on a cluster of its own; results in the order of ``items``."""
    with cluster(workers, scheduler) as where:
        return where.map(function, items, progress)


def _in_this_process(function: Callable, items: Sequence, progress: Callable[[int, int], None] | None) -> list:
    out = []
    for done, item in enumerate(items, start=1):
        out.append(function(item))
        if progress is not None:
            progress(done, len(items))
    return out


def _in_order(futures: list, progress: Callable[[int, int], None] | None) -> list:
    """The futures' results in their own order, reporting each as it finishes."""
    from dask.distributed import as_completed

    for done, future in enumerate(as_completed(futures), start=1):
        if future.status == "error":
            raise future.exception()  # as the worker raised it: bad input (exit 2) or a bug (exit 1)
        if progress is not None:
            progress(done, len(futures))
    return [future.result() for future in futures]
