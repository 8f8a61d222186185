"""Dynamic micro-batching: requests from many clients share inference batches, with backpressure."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from serving.schema import Document, Prediction

PredictFn = Callable[[Sequence[Document]], list[Prediction]]


class QueueFull(Exception):
    """More documents are waiting than the queue admits; the caller should retry later."""


@dataclass
class Job:
    docs: list[Document]
    deadline: float
    future: asyncio.Future[list[Prediction]]
    enqueued: float = field(default_factory=time.monotonic)


class MicroBatcher:
    """Collects jobs for up to ``max_wait_ms`` or ``max_batch_docs`` documents, then runs one batch.

    Inference runs in one worker thread, off the event loop. A job whose deadline passed before its
    batch started is dropped (its future gets ``TimeoutError``), so abandoned work costs nothing.
    """

    def __init__(
        self,
        predict: Callable[[], PredictFn],
        max_batch_docs: int,
        max_wait_ms: float,
        max_queue_docs: int,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._predict = predict
        self.max_batch_docs = max_batch_docs
        self.max_wait = max_wait_ms / 1000.0
        self.max_queue_docs = max_queue_docs
        self._on_batch = on_batch
        self._jobs: deque[Job] = deque()
        self._queued_docs = 0
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancewatch-infer")
        self._task: asyncio.Task[None] | None = None

    @property
    def queued_docs(self) -> int:
        return self._queued_docs

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="stancewatch-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for job in self._jobs:
            if not job.future.done():
                job.future.set_exception(RuntimeError("service is shutting down"))
        self._executor.shutdown(wait=False, cancel_futures=True)

    def submit(self, docs: list[Document], timeout_s: float) -> asyncio.Future[list[Prediction]]:
        """Queue a request's documents; raises ``QueueFull`` at once when there is no room."""
        if self._queued_docs + len(docs) > self.max_queue_docs:
            raise QueueFull(f"{self._queued_docs} documents queued, limit {self.max_queue_docs}")
        future: asyncio.Future[list[Prediction]] = asyncio.get_running_loop().create_future()
        self._jobs.append(Job(docs, time.monotonic() + timeout_s, future))
        self._queued_docs += len(docs)
        self._wakeup.set()
        return future

    async def _next_batch(self) -> list[Job]:
        while not self._jobs:
            self._wakeup.clear()
            await self._wakeup.wait()
        first_seen = time.monotonic()
        while sum(len(j.docs) for j in self._jobs) < self.max_batch_docs:
            remaining = self.max_wait - (time.monotonic() - first_seen)
            if remaining <= 0:
                break
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except TimeoutError:
                break
        batch: list[Job] = []
        size = 0
        while self._jobs and (not batch or size + len(self._jobs[0].docs) <= self.max_batch_docs):
            job = self._jobs.popleft()
            self._queued_docs -= len(job.docs)
            batch.append(job)
            size += len(job.docs)
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            now = time.monotonic()
            live = []
            for job in batch:
                if job.future.done():
                    continue
                if job.deadline <= now:
                    job.future.set_exception(TimeoutError("deadline passed while queued"))
                    continue
                live.append(job)
            if not live:
                continue
            docs = [doc for job in live for doc in job.docs]
            predict = self._predict()  # the model current at batch start: a reload never splits a batch
            try:
                results = await loop.run_in_executor(self._executor, predict, docs)
            except Exception as error:
                for job in live:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            if self._on_batch is not None:
                self._on_batch(len(docs))
            start = 0
            for job in live:
                part = results[start : start + len(job.docs)]
                start += len(job.docs)
                if not job.future.done():
                    job.future.set_result(part)
