"""What the live concurrency tests share: one session posting on many connections at once,
and the control rounds that show the race without the lock."""
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx

T = TypeVar("T")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def one_session(server, url: str, connections: int) -> Iterator[tuple[str, list[httpx.Client]]]:
    """Open `url` once (a cookie session and its CSRF token), then give `connections` clients
    that share that session: one person pressing the same button on many connections."""
    with server.client() as opener:
        page = opener.get(url)
        assert page.status_code == 200, page.text[:300]
        csrf = CSRF_RE.search(page.text).group(1)
        cookies = dict(opener.cookies)
    clients = [server.client(cookies=cookies) for _ in range(connections)]
    try:
        yield csrf, clients
    finally:
        for client in clients:
            client.close()


def rounds_until_race(rounds: int, one_round: Callable[[int], T],
                      raced: Callable[[T], bool]) -> list[T]:
    """A control without the lock: run `one_round(round_no)` up to `rounds` times, stopping at
    the first round whose outcome `raced`; every round's outcome, in order."""
    outcomes: list[T] = []
    for round_no in range(1, rounds + 1):
        outcomes.append(one_round(round_no))
        if raced(outcomes[-1]):
            break
    return outcomes
