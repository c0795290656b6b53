"""NPS and CSAT over a fixed set of 1,000 responses, against figures worked out by hand
from the counts the set is built from."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from services.feedback.analysis import csat, nps, report_csv, satisfaction_report

# NPS answers (score: how many). Promoters 9-10: 220 + 180 = 400. Passives 7-8: 250.
# Detractors 0-6: 120 + 80 + 50 + 40 + 30 + 20 + 10 = 350.  NPS = (400 - 350) / 1000 = +5.0
NPS_COUNTS = {10: 220, 9: 180, 8: 150, 7: 100, 6: 120, 5: 80, 4: 50, 3: 40, 2: 30, 1: 20, 0: 10}
# Ratings (1-5) per question; the rest of the 1,000 left the question out.
# check_in:         4-5 = 300 + 350 = 650 of 1000 -> CSAT 65.0, mean 3750/1000 = 3.75
# room_cleanliness: 4-5 = 200 + 200 = 400 of  800 -> CSAT 50.0, mean 2750/800 = 3.44
# breakfast:        4-5 = 100 + 150 = 250 of  500 -> CSAT 50.0, mean 1650/500 = 3.30
# all ratings:      1300 of 2300 -> CSAT 56.5 (56.52)
RATING_COUNTS = {
    ("check_in", "front_office"): {5: 300, 4: 350, 3: 200, 2: 100, 1: 50},
    ("room_cleanliness", "housekeeping"): {5: 200, 4: 200, 3: 200, 2: 150, 1: 50},
    ("breakfast", "food_beverage"): {5: 100, 4: 150, 3: 100, 2: 100, 1: 50},
}
# The first 600 responses (all 400 promoters, then 200 passives) came on Sunday
# 3 January 2027, which is ISO week 2026-W53 (1 January 2027 is a Friday); the other 400
# (50 passives, 350 detractors) on Monday 4 January, 2027-W01.
# 2026-W53: (400 - 0) / 600 = +66.7;  2027-W01: (0 - 350) / 400 = -87.5
SUNDAY, MONDAY = datetime(2027, 1, 3, 12, tzinfo=UTC), datetime(2027, 1, 4, 9, tzinfo=UTC)


def expand(counts: dict[int, int]) -> list[int]:
    return [score for score, count in counts.items() for _ in range(count)]


def thousand_responses() -> list[dict]:
    scores = expand(NPS_COUNTS)
    responses = [
        {
            "received_at": SUNDAY if i < 600 else MONDAY,
            "answers": [
                {
                    "question_id": "recommend",
                    "type": "nps",
                    "department": "overall",
                    "topic": "recommend",
                    "value": score,
                },
                {
                    "question_id": "comments",
                    "type": "text",
                    "department": "overall",
                    "topic": "comments",
                    "value": "fine",
                },
            ],
        }
        for i, score in enumerate(scores)
    ]
    for (question, department), counts in RATING_COUNTS.items():
        # fewer ratings than responses: the rest left the question out
        for response, rating in zip(responses, expand(counts), strict=False):
            response["answers"].append(
                {
                    "question_id": question,
                    "type": "rating",
                    "department": department,
                    "topic": question,
                    "value": rating,
                }
            )
    return responses


def test_nps_and_csat_of_1000_responses_match_the_hand_computed_figures() -> None:
    report = satisfaction_report(thousand_responses())

    assert report["overall"]["responses"] == 1000
    assert report["overall"]["nps"] == 5.0
    assert report["overall"]["rating_answers"] == 2300
    assert report["overall"]["csat"] == 56.5
    by_question = {q["question_id"]: q for q in report["questions"]}
    assert set(by_question) == {"recommend", "check_in", "room_cleanliness", "breakfast"}
    assert (by_question["check_in"]["rating_answers"], by_question["check_in"]["csat"]) == (
        1000,
        65.0,
    )
    assert (
        by_question["room_cleanliness"]["rating_answers"],
        by_question["room_cleanliness"]["csat"],
    ) == (800, 50.0)
    assert (by_question["breakfast"]["rating_answers"], by_question["breakfast"]["csat"]) == (
        500,
        50.0,
    )
    assert by_question["recommend"]["nps"] == 5.0
    departments = {d["department"]: d for d in report["departments"]}
    assert departments["front_office"]["csat"] == 65.0
    assert departments["housekeeping"]["csat"] == 50.0
    assert departments["food_beverage"]["csat"] == 50.0
    assert departments["housekeeping"]["responses"] == 800
    assert departments["overall"]["nps"] == 5.0
    print(
        f"\n1,000 responses: NPS {report['overall']['nps']:+}, CSAT "
        f"{report['overall']['csat']}% (check-in 65.0, cleanliness 50.0, breakfast 50.0)"
    )


def test_weekly_trend_follows_iso_weeks_across_the_new_year() -> None:
    weeks = {w["week"]: w for w in satisfaction_report(thousand_responses())["weeks"]}
    assert list(weeks) == ["2026-W53", "2027-W01"]
    assert (weeks["2026-W53"]["responses"], weeks["2026-W53"]["nps"]) == (600, 66.7)
    assert (weeks["2027-W01"]["responses"], weeks["2027-W01"]["nps"]) == (400, -87.5)


def test_lowest_topics_rank_by_csat_then_mean_rating() -> None:
    lowest = satisfaction_report(thousand_responses())["lowest_topics"]
    assert [(t["topic"], t["csat"], t["mean_rating"]) for t in lowest] == [
        ("breakfast", 50.0, 3.3),
        ("room_cleanliness", 50.0, 3.44),
        ("check_in", 65.0, 3.75),
    ]


def test_the_csv_export_carries_the_same_figures() -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(satisfaction_report(thousand_responses())))))
    by_key = {(row["scope"], row["key"]): row for row in rows}
    assert by_key[("overall", "all")]["nps"] == "5.0"
    assert by_key[("overall", "all")]["csat"] == "56.5"
    assert by_key[("question", "check_in")]["csat"] == "65.0"
    assert by_key[("department", "housekeeping")]["rating_answers"] == "800"
    assert by_key[("week", "2027-W01")]["nps"] == "-87.5"
    assert len(rows) == 1 + 4 + 4 + 2


def test_nps_bounds_and_empty_sets() -> None:
    assert nps([10, 9, 9]) == 100.0
    assert nps([0, 6, 6]) == -100.0
    assert nps([7, 8]) == 0.0
    assert nps([]) is None and csat([]) is None
    assert csat([3, 4]) == 50.0
