"""The local copy of each connection's calendar data, and the background work that keeps it.

Pages read the copy (app/sync/copy.py); they never wait on Cronofy to read. Workers on the
task queue (app/sync/queue.py) fill it: app/sync/tasks.py says when, app/sync/fetch.py
reads Cronofy, app/sync/store.py writes the copy, app/sync/marks.py keeps in the database
what still needs doing, so no lost job ever loses data.
"""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_sync(app: Flask) -> None:
    """Bind the task queue to this app, add `flask worker`, and say if push is off."""
    from app.sync import tasks  # noqa: F401 - registers the tasks with the queue
    from app.sync.channels import say_how_push_works
    from app.sync.queue import init_queue

    init_queue(app)
    say_how_push_works(app)
    app.cli.add_command(worker)


@click.command("worker")
@click.option("--threads", type=int, default=None, help="worker threads (WORKER_THREADS)")
@with_appcontext
def worker(threads: int | None) -> None:
    """Run background tasks from the queue until stopped (Ctrl-C or SIGTERM: graceful)."""
    from app.sync.queue import huey, safe_url

    if huey.immediate:
        raise click.ClickException("TASK_QUEUE_IMMEDIATE is on: tasks run where they are asked.")
    count = threads or current_app.config["WORKER_THREADS"]
    click.echo(f"Worker: {count} threads on {safe_url(current_app.config['TASK_QUEUE_URL'])}")
    consumer = huey.create_consumer(workers=count, worker_type="thread", periodic=True)
    consumer.run()
