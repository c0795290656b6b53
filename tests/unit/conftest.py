"""Fixtures the unit tests of the embedded store share."""

from collections.abc import Iterator

import pytest
from mongomock import collection as mongomock_collection


@pytest.fixture
def examined(monkeypatch) -> Iterator[list[int]]:
    """Counts the documents mongomock evaluates a filter against."""
    count = [0]
    evaluate = mongomock_collection.filter_applies

    def counting(filter, document):  # noqa: A002 - mongomock's name
        count[0] += 1
        return evaluate(filter, document)

    monkeypatch.setattr(mongomock_collection, "filter_applies", counting)
    yield count
