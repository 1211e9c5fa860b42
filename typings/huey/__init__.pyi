# Partial stubs for Huey 3.5 (it ships no types): only what the app uses.
from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey.consumer import Consumer
from huey.storage import BaseStorage

class TaskWrapper:
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def schedule(
        self,
        args: tuple[Any, ...] | None = ...,
        kwargs: dict[str, Any] | None = ...,
        eta: datetime | None = ...,
        delay: float | None = ...,
        **options: Any,
    ) -> Any: ...
    def call_local(self, *args: Any, **kwargs: Any) -> Any: ...

class Huey:
    name: str
    storage: BaseStorage
    storage_class: type[BaseStorage] | None
    storage_kwargs: dict[str, Any]
    immediate: bool
    def __init__(
        self,
        name: str = ...,
        results: bool = ...,
        store_none: bool = ...,
        utc: bool = ...,
        immediate: bool = ...,
        storage_class: type[BaseStorage] | None = ...,
        **storage_kwargs: Any,
    ) -> None: ...
    def create_storage(self) -> BaseStorage: ...
    def create_consumer(self, **options: Any) -> Consumer: ...
    def task(
        self, *, name: str | None = ..., **settings: Any
    ) -> Callable[[Callable[..., Any]], TaskWrapper]: ...
    def periodic_task(
        self,
        validate_datetime: Callable[[datetime], bool],
        *,
        name: str | None = ...,
        **settings: Any,
    ) -> Callable[[Callable[..., Any]], TaskWrapper]: ...
    def pending_count(self) -> int: ...
    def scheduled_count(self) -> int: ...
    def flush(self) -> None: ...

def crontab(
    minute: str = ...,
    hour: str = ...,
    day: str = ...,
    month: str = ...,
    day_of_week: str = ...,
    strict: bool = ...,
) -> Callable[[datetime], bool]: ...
