"""The distributed topology uses a Redis database only if it holds nothing, and empties only the
one it claimed: on a shared Redis, someone else's data stays (a random one was emptied before)."""

from __future__ import annotations

import secrets

import redis

from tests.system.cluster import REDIS_URL, _empty_redis_database


def test_a_database_in_use_is_left_alone_and_the_claimed_one_emptied_after() -> None:
    key = f"someone-else:{secrets.token_hex(4)}"
    theirs = redis.Redis.from_url(f"{REDIS_URL}/1")
    created = theirs.set(key, "keep", nx=True)
    try:
        with _empty_redis_database(secrets.token_hex(4)) as first:
            with _empty_redis_database(secrets.token_hex(4)) as second:
                assert len({1, first, second}) == 3, "neither run took a database holding data"
                redis.Redis.from_url(f"{REDIS_URL}/{second}").set("the-run's", "1")
            assert redis.Redis.from_url(f"{REDIS_URL}/{second}").dbsize() == 0, "emptied after"
        assert theirs.get(key) == b"keep"
    finally:
        if created:
            theirs.delete(key)
        theirs.close()
