"""Replaying a recorded disposition history into an empty feedback store: what `make demo` does with the
history the generator writes (DIR/feedback/history.json and its batches), so the pages show a working
county on day one.

The first publish happens at the history's time, then each batch is imported at its own time as its user,
through the same write path as an official's upload. A store that already holds a publication is left as
it is: a history is only ever the beginning of a store's life.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pipelines.feedback.clock import parse_as_of
from pipelines.feedback.record import Actor, Result, record
from pipelines.feedback.returned import read_returned
from pipelines.feedback.store import feedback_store
from pipelines.settings import Locations

HISTORY = "history.json"


def replay_history(
    locations: Locations, users: dict, say: Callable[[str], None] = lambda _m: None
) -> list[Result] | None:
    """Publish at the history's time, then import its batches. None when there is no history or the store
    is not empty. `users`: the users file's records (dashboards.auth.load_users)."""
    from pipelines.run import run_pipeline

    path = locations.data / "feedback" / HISTORY
    store = feedback_store()
    if not path.exists() or store.publications_count():
        return None
    history = json.loads(path.read_text(encoding="utf-8"))
    say(f"处置历史 replaying the disposition history: first publish at {history['published_at']}")
    summary = run_pipeline(locations, as_of=history["published_at"], progress=say)
    if summary.failed or summary.published is None:
        raise RuntimeError("the first publish of the history failed:\n" + summary.describe())
    results = []
    for batch in history["batches"]:
        user = users[batch["user"]]
        file = path.parent / batch["file"]
        content = file.read_bytes()
        result = record(
            store,
            Actor(user.user, user.role, user.county),
            read_returned(file.name, content),
            as_of=parse_as_of(batch["as_of"]),
            file_name=file.name,
            file_bytes=content,
        )
        say(f"  {batch['as_of']} {batch['user']} {file.name}: {result.describe()}")
        results.append(result)
    return results
