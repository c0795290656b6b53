"""Keyed operations: a lookup by `_id` or by an index's fields looks at the documents with
that key only, and a unique check does not scan either; results are those of a scan."""

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from mongomock import collection as mongomock_collection
from pymongo.errors import DuplicateKeyError

from shared import embedded_keys
from shared.mongo import connect_database
from shared.settings import ServiceSettings

HELD = 2000


async def _filled(tmp_path=None):
    database = connect_database(
        ServiceSettings(
            service_name="keys-test",
            http_port=1,
            embedded_store_dir=str(tmp_path) if tmp_path else None,
        )
    )
    tasks = database["tasks"]
    await tasks.create_index("code", unique=True)
    await tasks.create_index("ref", unique=True, sparse=True)
    await tasks.create_index([("property_id", 1), ("stay_id", 1)])
    await tasks.insert_many(
        [
            {
                "_id": f"t{i}",
                "code": i,
                "property_id": "p",
                "stay_id": f"s{i // 2}",
                "tags": [i % 3],
            }
            for i in range(HELD)
        ]
    )
    return database


async def test_keyed_reads_and_writes_look_at_their_documents_only(examined, monkeypatch) -> None:
    # Every candidate evaluated, so that the count is the documents a lookup narrowed to.
    monkeypatch.setattr(embedded_keys, "SETTLE_BY_KEY", False)
    tasks = (await _filled())["tasks"]

    async def looked_at(call) -> int:
        examined[0] = 0
        with contextlib.suppress(DuplicateKeyError):
            await call
        return examined[0]

    # Each figure is the number of documents the filter was evaluated against, of 2,000.
    assert await looked_at(tasks.find_one({"_id": "t1500"})) == 1
    assert await looked_at(tasks.find_one({"code": 77})) == 1
    assert await looked_at(tasks.find({"property_id": "p", "stay_id": "s10"}).to_list(None)) == 2
    assert await looked_at(tasks.count_documents({"_id": {"$in": ["t1", "t2", "nope"]}})) == 2
    assert await looked_at(tasks.update_one({"_id": "t5"}, {"$set": {"done": True}})) == 1
    assert await looked_at(tasks.find_one_and_update({"code": 6}, {"$inc": {"n": 1}})) == 2
    assert await looked_at(tasks.delete_one({"_id": "t7"})) == 1
    # Unique checks through the maps; a refused write looks up the key it collided on
    # (mongomock-motor's error details: one document per unique index hit).
    assert await looked_at(tasks.insert_one({"_id": "new", "code": HELD + 1})) == 0
    assert await looked_at(tasks.insert_one({"_id": "dup", "code": 3})) == 3
    assert await looked_at(tasks.update_one({"_id": "t8"}, {"$set": {"code": 9}})) == 3
    assert await tasks.find_one({"_id": "dup"}) is None
    assert (await tasks.find_one({"_id": "t8"}))["code"] == 8  # the refused update undone
    assert [t["_id"] for t in await tasks.find({"code": 9}).to_list(None)] == ["t9"]


async def test_without_the_maps_the_same_calls_scan_the_collection(examined, monkeypatch) -> None:
    tasks = (await _filled())["tasks"]
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    examined[0] = 0
    await tasks.find_one({"code": 1999})
    await tasks.update_one({"_id": "t5"}, {"$set": {"done": True}})
    assert examined[0] >= 2 * HELD - 10


async def test_other_filters_still_scan_and_agree_with_keyed_ones() -> None:
    tasks = (await _filled())["tasks"]
    await tasks.update_one({"_id": "t4"}, {"$set": {"ref": "r4", "stay_id": "moved"}})
    assert [t["_id"] for t in await tasks.find({"stay_id": "moved"}).to_list(None)] == ["t4"]
    assert [
        t["_id"] for t in await tasks.find({"property_id": "p", "stay_id": "s2"}).to_list(None)
    ] == ["t5"]  # t4 moved away from s2
    assert await tasks.count_documents({"ref": None}) == HELD - 1  # sparse: missing is null
    assert await tasks.count_documents({"tags": 1}) == len(range(1, HELD, 3))
    await tasks.insert_one({"_id": "t-other", "code": -1, "property_id": "p", "ref": "r5"})
    with pytest.raises(DuplicateKeyError):
        await tasks.insert_one({"_id": "x", "code": -2, "ref": "r4"})
    await tasks.insert_one({"_id": "y", "code": -3})  # sparse: a second missing ref is fine
    await tasks.delete_many({"property_id": "p", "stay_id": {"$in": ["s0", "s1"]}})
    assert await tasks.find_one({"_id": "t0"}) is None
    assert (await tasks.find_one({"code": 0})) is None
    await tasks.insert_one({"_id": "t0", "code": 0})  # its unique key is free again


async def test_a_key_that_settles_the_filter_is_not_evaluated_again(examined, monkeypatch) -> None:
    """Equalities on exactly a key's fields (strings, integers): the documents filed under
    the key match, and mongomock's filter is not run on them; any other condition is."""
    tasks = (await _filled())["tasks"]
    covered = [
        {"_id": "t1500"},
        {"_id": {"$in": ["t1", "t2", "nope"]}},
        {"code": 77},
        {"code": {"$in": [5, 6, 7]}},
        {"property_id": "p", "stay_id": "s10"},
        {"property_id": "p", "stay_id": {"$in": ["s1", "s2"]}},
    ]
    found = []
    examined[0] = 0
    for query in covered:
        found.append([t["_id"] for t in await tasks.find(query).to_list(None)])
    assert examined[0] == 0
    assert found == [
        ["t1500"],
        ["t1", "t2"],
        ["t77"],
        ["t5", "t6", "t7"],
        ["t20", "t21"],
        ["t2", "t3", "t4", "t5"],
    ]
    # Not settled by the key: a further condition, a value of another type, a datetime.
    examined[0] = 0
    assert await tasks.count_documents({"_id": "t5", "code": 5}) == 1
    assert await tasks.count_documents({"_id": "t5", "code": 6}) == 0
    assert await tasks.count_documents({"code": True}) == 0  # True is not 1 in MongoDB
    assert examined[0] == 2
    await tasks.update_one({"_id": "t9"}, {"$set": {"stay_id": ["a", "b"]}})  # multikey: aside
    examined[0] = 0
    assert [
        t["_id"] for t in await tasks.find({"property_id": "p", "stay_id": "a"}).to_list(None)
    ] == ["t9"]
    assert examined[0] == 1  # the document kept aside, evaluated
    # The same answers as a scan.
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert [[t["_id"] for t in await tasks.find(query).to_list(None)] for query in covered] == found


async def test_the_relays_query_looks_at_pending_outboxes_only(examined, monkeypatch) -> None:
    """The relay asks every outbox collection, on every pass, for documents with events
    still to publish (`outbox.0` exists): the store keeps their ids as they change, and
    looks at those documents only, where it scanned the collection."""
    from shared.outbox import PENDING

    tasks = (await _filled())["tasks"]
    relay_query = {**PENDING, "outbox_lease_until": {"$not": {"$gt": 5}}}
    event = {"event_id": "e", "type": "t"}
    await tasks.update_one({"_id": "t3"}, {"$push": {"outbox": event}})
    await tasks.update_many({"code": {"$in": [10, 11]}}, {"$set": {"outbox": [event]}})
    await tasks.insert_one({"_id": "n", "code": -1, "outbox": [event]})
    await tasks.replace_one({"_id": "t12"}, {"code": 12, "outbox": [event, event]})
    await tasks.insert_one({"_id": "empty", "code": -2, "outbox": []})
    await tasks.update_one({"_id": "t11"}, {"$pull": {"outbox": {"event_id": "e"}}})
    await tasks.delete_one({"_id": "t10"})

    examined[0] = 0
    pending = [t["_id"] for t in await tasks.find(relay_query).to_list(None)]
    assert pending == ["t3", "t12", "n"]
    assert examined[0] == 3
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    examined[0] = 0
    assert [t["_id"] for t in await tasks.find(relay_query).to_list(None)] == pending
    assert examined[0] == HELD + 1  # a scan: every document


async def test_the_relays_claim_by_ids_evaluates_the_pending_ones_only(
    examined, monkeypatch
) -> None:
    """The relay claims what it found by `_id $in` beside the pending condition: a
    document without events cannot match and is not evaluated, and `outbox.0` is not
    evaluated again on those that hold events (only the lease is)."""
    from shared.outbox import PENDING

    tasks = (await _filled())["tasks"]
    event = {"event_id": "e", "type": "t"}
    await tasks.update_many({"code": {"$lt": 300}}, {"$set": {"outbox": [event]}})
    await tasks.update_one({"_id": "t7"}, {"$set": {"outbox": []}})
    ids = [f"t{n}" for n in range(0, 600, 2)]
    claim = {**PENDING, "outbox_lease_until": {"$not": {"$gt": 5}}, "_id": {"$in": ids}}
    evaluated: list[dict] = []
    evaluate = mongomock_collection.filter_applies

    def noting(filter, document):  # noqa: A002 - mongomock's name
        evaluated.append(filter)
        return evaluate(filter, document)

    monkeypatch.setattr(mongomock_collection, "filter_applies", noting)
    claimed = [t["_id"] for t in await tasks.find(claim).to_list(None)]
    assert claimed == [f"t{n}" for n in range(0, 300, 2)]
    assert len(evaluated) == 150  # t0..t298, even: the pending ones asked for
    assert all(filter == {"outbox_lease_until": {"$not": {"$gt": 5}}} for filter in evaluated)
    monkeypatch.setattr(embedded_keys, "SETTLE_BY_KEY", False)
    evaluated.clear()
    assert [t["_id"] for t in await tasks.find(claim).to_list(None)] == claimed
    assert len(evaluated) == 300  # every id asked for, against the whole filter


async def test_the_relays_query_on_nothing_pending_answers_at_once(monkeypatch) -> None:
    """With no document holding an event to publish, the relay's query is answered
    without a search (most outbox collections, on most passes), as the scan answers."""
    from shared.outbox import PENDING

    tasks = (await _filled())["tasks"]
    relay_query = {**PENDING, "outbox_lease_until": {"$not": {"$gt": 5}}}
    event = {"event_id": "e", "type": "t"}
    await tasks.update_one({"_id": "t3"}, {"$push": {"outbox": event}})
    await tasks.update_one({"_id": "t3"}, {"$pull": {"outbox": {"event_id": "e"}}})
    searched = []
    equalities = embedded_keys._equalities
    monkeypatch.setattr(embedded_keys, "_equalities", lambda f: searched.append(f) or equalities(f))
    assert await tasks.find(relay_query).to_list(None) == []
    assert await tasks.count_documents({**relay_query, "code": 3}) == 0
    assert searched == []
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert await tasks.find(relay_query).to_list(None) == []  # the scan's answer
    await tasks.update_one({"_id": "t4"}, {"$push": {"outbox": event}})
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", True)
    assert [t["_id"] for t in await tasks.find(relay_query).to_list(None)] == ["t4"]


async def test_an_or_of_statuses_looks_at_those_statuses_only(examined, monkeypatch) -> None:
    """A due-work query (the survey mailer's): an `$or` of a status and a time range per
    branch, on a (status, time) index. Each branch narrows by the index's first field, the
    union is evaluated; finished records are not looked at."""
    database = connect_database(ServiceSettings(service_name="due-test", http_port=1))
    surveys = database["surveys"]
    await surveys.create_index([("status", 1), ("next_attempt_at", 1)])
    statuses = ["answered"] * 1900 + ["pending"] * 60 + ["sending"] * 40
    await surveys.insert_many(
        [
            {"_id": f"s{i}", "status": status, "next_attempt_at": i, "lease_until": i}
            for i, status in enumerate(statuses)
        ]
    )
    due = {
        "$or": [
            {"status": "pending", "next_attempt_at": {"$lte": 1930}},
            {"status": "sending", "lease_until": {"$lte": 1970}},
        ]
    }
    examined[0] = 0
    found = [s["_id"] for s in await surveys.find(due).sort("next_attempt_at").to_list(None)]
    assert found == [f"s{i}" for i in [*range(1900, 1931), *range(1960, 1971)]]
    assert examined[0] == 100  # the pending and sending ones, not the 1,900 answered
    # A branch no key narrows: the whole filter scans, with the same answer.
    examined[0] = 0
    either = {"$or": [due["$or"][0], {"lease_until": {"$lte": 5}}]}
    assert len(await surveys.find(either).to_list(None)) == 31 + 6
    assert examined[0] == len(statuses)
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert [
        s["_id"] for s in await surveys.find(due).sort("next_attempt_at").to_list(None)
    ] == found


async def test_a_keyed_field_is_not_evaluated_again_beside_other_conditions(monkeypatch) -> None:
    """The relay lets go of its documents by `_id $in` (hundreds of ids) and its lease
    token: each candidate the ids found is evaluated against the token only, where the
    whole filter cost ids x documents comparisons. A condition the key did not settle
    (another field, an equality taken from an `$and` beside a range on the same field) is
    still evaluated, and the answers are a scan's."""
    tasks = (await _filled())["tasks"]
    await tasks.update_many({"code": {"$lt": 600}}, {"$set": {"owner": "me"}})
    evaluated: list[dict] = []
    evaluate = mongomock_collection.filter_applies

    def recording(filter, document):  # noqa: A002 - mongomock's name
        evaluated.append(filter)
        return evaluate(filter, document)

    monkeypatch.setattr(mongomock_collection, "filter_applies", recording)
    ids = [f"t{i}" for i in range(0, 1000, 2)]
    release = {"_id": {"$in": ids}, "owner": "me"}
    assert await tasks.count_documents(release) == 300
    assert len(evaluated) == 500
    assert all(filter == {"owner": "me"} for filter in evaluated)
    evaluated.clear()
    by_index = {"property_id": "p", "stay_id": {"$in": ["s1", "s400"]}, "code": {"$gt": 2}}
    assert [t["_id"] for t in await tasks.find(by_index).to_list(None)] == ["t3", "t800", "t801"]
    assert evaluated == [{"code": {"$gt": 2}}] * 4
    evaluated.clear()
    mixed = {"_id": {"$gt": "t5"}, "$and": [{"_id": "t1"}]}  # the key's value, not settled
    assert await tasks.count_documents(mixed) == 0
    assert evaluated == [mixed]
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert await tasks.count_documents(release) == 300
    assert [t["_id"] for t in await tasks.find(by_index).to_list(None)] == ["t3", "t800", "t801"]


async def test_a_due_query_evaluates_each_candidate_on_its_own_branch(monkeypatch) -> None:
    """The survey mailer's due query, an `$or` of `$or`s over (status, time): the surveys
    sent wait days for their reminder under one status, so every pass found them all.
    Each is now looked at against the branch that found it, and one whose own values
    rule it out (a string status, a datetime beyond the bound) is not handed to
    mongomock at all; the answers are a scan's, datetimes, arrays and gaps included."""
    database = connect_database(ServiceSettings(service_name="due-test", http_port=1))
    surveys = database["surveys"]
    await surveys.create_index([("status", 1), ("next_attempt_at", 1)])
    now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    later, earlier = now + timedelta(days=3), now - timedelta(minutes=5)
    await surveys.insert_many(
        [
            *({"_id": f"sent{i}", "status": "sent", "next_attempt_at": later} for i in range(300)),
            {"_id": "reminder-due", "status": "sent", "next_attempt_at": earlier},
            {"_id": "pending", "status": "pending", "next_attempt_at": earlier},
            {"_id": "pending-later", "status": "pending", "next_attempt_at": later},
            {"_id": "lapsed", "status": "sending", "lease_until": earlier},
            {"_id": "leased", "status": "sending", "lease_until": later},
            {"_id": "on-the-bound", "status": "pending", "next_attempt_at": now},
            {"_id": "no-time", "status": "pending"},
            {"_id": "time-list", "status": "sent", "next_attempt_at": [earlier]},
            {"_id": "status-list", "status": ["sent"], "next_attempt_at": earlier},
            {"_id": "answered", "status": "answered", "next_attempt_at": earlier},
        ]
    )

    def due(waiting: str, holding: str) -> dict:
        return {
            "$or": [
                {"status": waiting, "next_attempt_at": {"$lte": now}},
                {"status": holding, "lease_until": {"$lte": now}},
            ]
        }

    query = {"$or": [due("pending", "sending"), due("sent", "reminding")]}
    evaluated: list[dict] = []
    evaluate = mongomock_collection.filter_applies

    def recording(filter, document):  # noqa: A002 - mongomock's name
        evaluated.append(filter)
        return evaluate(filter, document)

    monkeypatch.setattr(mongomock_collection, "filter_applies", recording)
    found = sorted(s["_id"] for s in await surveys.find(query).to_list(None))
    expected = ["lapsed", "on-the-bound", "pending", "reminder-due", "status-list", "time-list"]
    assert found == expected
    assert len(evaluated) < 20  # not the 300 surveys waiting for their reminder
    assert query not in evaluated  # each on its own branch
    for flag in ("PRUNE_BY_VALUE", "EITHER_BY_BRANCH", "KEYED_LOOKUPS"):
        monkeypatch.setattr(embedded_keys, flag, False)
        assert sorted(s["_id"] for s in await surveys.find(query).to_list(None)) == expected


async def test_an_equality_and_a_range_of_times_narrow_by_both(examined, monkeypatch) -> None:
    """On a (status, time) index, `status` equal and a range of datetimes on the time
    looks at the documents of that status within the range (a millisecond either side)
    and those whose time is not a datetime, not at every document of the status; it
    follows updates, deletes and a dropped index, and answers as a scan does."""
    # Every candidate evaluated, so that the count is the documents a lookup narrowed to.
    monkeypatch.setattr(embedded_keys, "PRUNE_BY_VALUE", False)
    database = connect_database(ServiceSettings(service_name="range-test", http_port=1))
    work = database["work"]
    await work.create_index([("status", 1), ("due_at", 1)])
    base = datetime(2027, 3, 1, 10, tzinfo=UTC)
    await work.insert_many(
        [
            *(
                {"_id": i, "status": "waiting", "due_at": base + timedelta(minutes=i)}
                for i in range(1000)
            ),
            {"_id": "no-time", "status": "waiting"},
            {"_id": "number", "status": "waiting", "due_at": 5},
            {"_id": "list", "status": "waiting", "due_at": [base]},
            {"_id": "statuses", "status": ["waiting"], "due_at": base},
            {"_id": "done", "status": "done", "due_at": base},
        ]
    )

    async def ids(filter: dict) -> list:
        return sorted(map(str, (d["_id"] for d in await work.find(filter).to_list(None))))

    early = {"status": "waiting", "due_at": {"$lte": base + timedelta(minutes=9)}}
    window = {
        "status": {"$in": ["waiting", "done"]},
        "due_at": {"$gt": base + timedelta(minutes=500), "$lt": base + timedelta(minutes=503)},
    }
    examined[0] = 0
    assert await ids(early) == sorted([*map(str, range(10)), "list", "statuses"])
    assert examined[0] <= 10 + 4  # the ten due, the three not filed by time, one aside
    assert await ids(window) == ["501", "502"]
    await work.update_many({"_id": {"$in": [700, 800]}}, {"$set": {"due_at": base}})
    await work.delete_many({"_id": {"$in": [0, 1]}})
    await work.update_one({"_id": 2}, {"$set": {"status": "done"}})
    changed = sorted([*map(str, range(3, 10)), "700", "800", "list", "statuses"])
    assert await ids(early) == changed
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert await ids(early) == changed
    assert await ids(window) == ["501", "502"]
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", True)
    await work.drop_index("status_1_due_at_1")
    assert await ids(early) == changed


async def test_a_field_that_must_hold_a_value_looks_at_the_documents_holding_one(
    examined, monkeypatch
) -> None:
    """An index starting with a field serves "it exists" and "it is in a range": among
    1,000 bookings, the few with an amendment started, letters due or a release pending
    are looked at, not the rest (missing, null, a scalar or an empty array on the path
    holds nothing). The answers are a scan's, through updates, unsets, deletes and a
    dropped index; with the presence maps off the same queries evaluate every document."""
    monkeypatch.setattr(embedded_keys, "PRUNE_BY_VALUE", False)
    database = connect_database(ServiceSettings(service_name="presence-test", http_port=1))
    bookings = database["bookings"]
    await bookings.create_index([("property_id", 1), ("status", 1)])
    await bookings.create_index("amendment.started_at", sparse=True)
    await bookings.create_index("letters_due", sparse=True)
    await bookings.create_index("release_pending.at", sparse=True)
    start = datetime(2027, 3, 1, 10)
    await bookings.insert_many(
        [
            {"_id": i, "property_id": "p", "status": "confirmed", "amendment": None}
            for i in range(1000)
        ]
        + [
            {"_id": "amending", "property_id": "p", "amendment": {"started_at": start}},
            {
                "_id": "late",
                "property_id": "p",
                "amendment": {"started_at": start.replace(year=2030)},
            },
            {"_id": "null-time", "property_id": "p", "amendment": {"started_at": None}},
            {"_id": "scalar", "property_id": "p", "amendment": 5},
            {"_id": "letters", "property_id": "p", "letters_due": ["confirmation"]},
            {"_id": "null-letters", "property_id": "p", "letters_due": None},
            {"_id": "released", "property_id": "p", "release_pending": []},
            {"_id": "pending", "property_id": "p", "release_pending": [{"at": start}]},
            {"_id": "pending-2", "property_id": "p", "release_pending": [{"at": 3}, {"x": 1}]},
        ]
    )
    amendments = {"property_id": "p", "amendment.started_at": {"$lt": start.replace(year=2028)}}
    letters = {"letters_due": {"$exists": True}, "status": {"$in": ["confirmed", None]}}
    releases = {"release_pending.at": {"$lte": start}}
    repair = {
        "property_id": "p",
        "$or": [
            {"status": "pending"},
            {"amendment.started_at": {"$lt": start.replace(year=2028)}},
        ],
    }
    not_served = [
        {"letters_due": {"$exists": False}},
        {"amendment.started_at": {"$lte": None}},
        {"amendment.started_at": {"$lt": start}, "status": {"$ne": "x"}, "$and": [{}]},
    ]

    async def ids(filter: dict) -> list[str]:
        return sorted(str(d["_id"]) for d in await bookings.find(filter).to_list(None))

    async def answers() -> list[list[str]]:
        return [await ids(f) for f in (amendments, letters, releases, repair, *not_served)]

    examined[0] = 0
    assert await ids(amendments) == ["amending"]
    assert await ids(letters) == ["letters", "null-letters"]  # no status: null, in the list
    assert await ids({"letters_due": {"$exists": True}}) == ["letters", "null-letters"]
    assert await ids(releases) == ["pending"]
    assert await ids(repair) == ["amending"]
    assert examined[0] <= 4 + 2 + 2 + 2 + 4  # the documents that hold each field, no more
    keyed = await answers()
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert await answers() == keyed  # the same as a scan
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", True)
    await bookings.update_one({"_id": 7}, {"$set": {"amendment": {"started_at": start}}})
    await bookings.update_one({"_id": "amending"}, {"$set": {"amendment": None}})
    await bookings.update_one({"_id": "letters"}, {"$unset": {"letters_due": ""}})
    await bookings.update_one({"_id": "pending"}, {"$pull": {"release_pending": {"at": start}}})
    await bookings.delete_one({"_id": "late"})
    assert await ids(amendments) == ["7"]
    assert await ids({"letters_due": {"$exists": True}}) == ["null-letters"]
    assert await ids(releases) == []
    changed = await answers()
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", False)
    assert await answers() == changed  # the same as a scan
    monkeypatch.setattr(embedded_keys, "KEYED_LOOKUPS", True)
    monkeypatch.setattr(embedded_keys, "PRESENCE", False)
    examined[0] = 0
    assert await ids(amendments) == ["7"]
    assert examined[0] > 1000  # the guard: without it every booking is evaluated
    monkeypatch.setattr(embedded_keys, "PRESENCE", True)
    await bookings.drop_index("amendment.started_at_1")
    assert await answers() == changed
    assert keyed != changed


async def test_a_collection_with_a_ttl_index_is_read_by_key_and_expired_once_a_minute(
    examined, monkeypatch
) -> None:
    """The kept Idempotency-Keys: a lookup by `_id` looks at one document, not at all
    of them for expiry; documents past their time are removed when the TTL monitor's
    minute has passed (as MongoDB's), and found until then."""
    database = connect_database(ServiceSettings(service_name="ttl-keys", http_port=1))
    keys = database["keys"]
    await keys.create_index("expires_at", expireAfterSeconds=0)
    now = datetime.now(UTC)
    await keys.insert_many(
        [{"_id": f"k{i}", "expires_at": now + timedelta(hours=1)} for i in range(HELD)]
        + [{"_id": "old", "expires_at": now - timedelta(hours=1)}]
    )
    monkeypatch.setattr(embedded_keys, "TTL_MONITOR_SECONDS", 0.0)  # a pass at every read
    assert await keys.find_one({"_id": "k7"}) is not None
    assert await keys.find_one({"_id": "old"}) is None
    monkeypatch.setattr(embedded_keys, "TTL_MONITOR_SECONDS", 60.0)  # the last pass: now
    await keys.insert_one({"_id": "stale", "expires_at": now - timedelta(hours=1)})
    examined[0] = 0
    assert await keys.find_one({"_id": "k9"}) is not None
    assert examined[0] <= 1  # the guard: with expiry on every read, all 2,001 are looked at
    assert await keys.find_one({"_id": "stale"}) is not None  # the minute has not passed
    monkeypatch.setattr(embedded_keys, "TTL_MONITOR_SECONDS", 0.0)
    assert await keys.find_one({"_id": "stale"}) is None
    assert await keys.count_documents({}) == HELD
