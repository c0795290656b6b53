"""The README's diagram is the one the event registry gives (`make diagram`)."""

from pathlib import Path

from scripts.diagram import block, flows

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_diagram_is_fresh() -> None:
    assert block() in README.read_text(), "README.md's diagram is stale: run `make diagram`"


def test_the_checkout_fans_out_to_the_three_departments_and_reservation() -> None:
    # reservation follows its stays too (an early departure gives nights back)
    assert {
        consumer
        for (producer, consumer), types in flows().items()
        if producer == "frontdesk" and "stay.checked_out" in types
    } == {"housekeeping", "loyalty", "feedback", "reservation"}
