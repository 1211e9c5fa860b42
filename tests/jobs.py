"""Background tasks in tests: they wait in the app's in-memory queue until a test runs them."""

from app.sync.queue import huey


class Jobs:
    """The queue as a test sees it: what is waiting, and running it (as a worker would)."""

    def pending(self) -> list[str]:
        """The names of the tasks waiting, oldest first."""
        return [huey.deserialize_task(raw).name for raw in huey.storage.enqueued_items()]

    def run(self, limit: int = 1000) -> int:
        """Run every waiting task, and the ones they enqueue, in this thread; how many ran."""
        ran = 0
        while ran < limit and (task := huey.dequeue()) is not None:
            huey.execute(task)
            ran += 1
        assert ran < limit, "tasks kept enqueuing tasks"
        return ran
