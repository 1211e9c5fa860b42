"""Background tasks in tests: they wait in the app's in-memory queue until a test runs them."""

from datetime import datetime

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

    def scheduled(self) -> list[str]:
        """The names of the tasks waiting in the schedule (for later), soonest first."""
        return [task.name for task in sorted(huey.scheduled(), key=lambda t: t.eta)]

    def run_later_ones(self) -> int:
        """Run the tasks scheduled for later as if their time had come, and what they
        enqueue; how many ran."""
        ran = 0
        for task in huey.read_schedule(datetime.max):
            huey.execute(task, timestamp=task.eta)  # as the consumer will at its time
            ran += 1
        return ran + self.run()
