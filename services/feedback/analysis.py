"""Satisfaction analysis over stored responses. No I/O here.

NPS: promoters (9-10) minus detractors (0-6), in % of those who answered the NPS question.
CSAT: the share of ratings (1-5) that are 4 or 5, in %. Both rounded to one decimal.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from .domain import QuestionType

LOWEST_TOPICS = 5


def nps(scores: Iterable[int]) -> float | None:
    scores = list(scores)
    if not scores:
        return None
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def csat(ratings: Iterable[int]) -> float | None:
    ratings = list(ratings)
    if not ratings:
        return None
    return round(100 * sum(rating >= 4 for rating in ratings) / len(ratings), 1)


def mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def iso_week(moment: datetime | date) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


class _Tally:
    def __init__(self) -> None:
        self.responses = 0
        self.nps: list[int] = []
        self.ratings: list[int] = []

    def add(self, answer: dict[str, Any]) -> None:
        if answer["type"] == QuestionType.NPS:
            self.nps.append(answer["value"])
        elif answer["type"] == QuestionType.RATING:
            self.ratings.append(answer["value"])

    def figures(self) -> dict[str, Any]:
        return {
            "responses": self.responses,
            "nps_answers": len(self.nps),
            "nps": nps(self.nps),
            "rating_answers": len(self.ratings),
            "csat": csat(self.ratings),
            "mean_rating": mean(self.ratings),
        }


def satisfaction_report(responses: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """`responses`: {"received_at": datetime, "business_date": ISO date or None,
    "answers": [stored answers]} each. A response counts in the week of the hotel's
    business date it was answered on (answers recorded before that was kept: the UTC
    instant's week)."""
    overall = _Tally()
    by_question: dict[str, _Tally] = defaultdict(_Tally)
    question_info: dict[str, dict[str, str]] = {}
    by_department: dict[str, _Tally] = defaultdict(_Tally)
    by_week: dict[str, _Tally] = defaultdict(_Tally)
    for response in responses:
        answered_on = response.get("business_date")
        week = by_week[
            iso_week(date.fromisoformat(answered_on) if answered_on else response["received_at"])
        ]
        overall.responses += 1
        week.responses += 1
        departments = set()
        for answer in response["answers"]:
            if answer["type"] not in (QuestionType.NPS, QuestionType.RATING):
                continue
            overall.add(answer)
            week.add(answer)
            question = by_question[answer["question_id"]]
            question.responses += 1
            question.add(answer)
            question_info[answer["question_id"]] = {
                "department": answer["department"],
                "topic": answer["topic"],
                "type": answer["type"],
            }
            by_department[answer["department"]].add(answer)
            departments.add(answer["department"])
        for department in departments:
            by_department[department].responses += 1

    questions = [
        {"question_id": qid, **question_info[qid], **tally.figures()}
        for qid, tally in sorted(by_question.items())
    ]
    rated = [q for q in questions if q["type"] == QuestionType.RATING]
    lowest = sorted(rated, key=lambda q: (q["csat"], q["mean_rating"], q["question_id"]))
    return {
        "overall": overall.figures(),
        "questions": questions,
        "departments": [
            {"department": name, **tally.figures()} for name, tally in sorted(by_department.items())
        ],
        "weeks": [{"week": week, **tally.figures()} for week, tally in sorted(by_week.items())],
        "lowest_topics": [
            {
                "topic": q["topic"],
                "question_id": q["question_id"],
                "department": q["department"],
                "csat": q["csat"],
                "mean_rating": q["mean_rating"],
            }
            for q in lowest[:LOWEST_TOPICS]
        ],
    }


CSV_COLUMNS = (
    "scope",
    "key",
    "department",
    "responses",
    "nps_answers",
    "nps",
    "rating_answers",
    "csat",
    "mean_rating",
)


def report_csv(report: dict[str, Any]) -> str:
    """One row per scope: overall, each department, question and ISO week."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerow({"scope": "overall", "key": "all", **report["overall"]})
    for row in report["departments"]:
        writer.writerow({"scope": "department", "key": row["department"], **row})
    for row in report["questions"]:
        writer.writerow({"scope": "question", "key": row["question_id"], **row})
    for row in report["weeks"]:
        writer.writerow({"scope": "week", "key": row["week"], **row})
    return out.getvalue()
