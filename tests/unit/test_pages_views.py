"""What the screens compute from the API's answers: cases overdue first, the chart
series, tasks grouped per attendant."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.feedback.pages import cases_in_order, chart_series
from services.housekeeping.pages import by_attendant

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def test_cases_overdue_first_the_longest_overdue_at_the_top_then_by_deadline() -> None:
    cases = [
        {"case_id": "later", "due_at": "2027-03-11T09:00:00Z"},
        {"case_id": "overdue-1h", "due_at": "2027-03-10T11:00:00+00:00"},
        {"case_id": "soon", "due_at": "2027-03-10T13:00:00+00:00"},
        {"case_id": "overdue-1d", "due_at": "2027-03-09T12:00:00"},
    ]
    ordered = cases_in_order(cases, NOW)
    assert [c["case_id"] for c in ordered] == ["overdue-1d", "overdue-1h", "soon", "later"]
    assert [c["overdue"] for c in ordered] == [True, True, False, False]


def test_a_chart_series_keeps_the_weeks_with_a_figure_and_cannot_close_its_script_block() -> None:
    weeks = [
        {"week": "2027-W10", "nps": -20.0, "csat": 50.0},
        {"week": "2027-W11", "nps": None, "csat": 75.0},
        {"week": "</script>", "nps": 10.0, "csat": None},
    ]
    nps = chart_series(weeks, "nps", "NPS")
    assert "</script>" not in nps
    assert json.loads(nps) == {
        "label": "NPS",
        "min": -100,
        "max": 100,
        "points": [["2027-W10", -20.0], ["</script>", 10.0]],
    }
    assert json.loads(chart_series(weeks, "csat", "CSAT"))["points"] == [
        ["2027-W10", 50.0],
        ["2027-W11", 75.0],
    ]


def test_tasks_are_grouped_per_attendant_and_the_unassigned_come_last() -> None:
    tasks = [
        {"task_id": "a", "assigned_to": "Zoe"},
        {"task_id": "b"},
        {"task_id": "c", "attendant": "Ana", "assigned_to": "Zoe"},
    ]
    groups = by_attendant(tasks)
    assert list(groups) == ["Ana", "Zoe", "Unassigned"]
    assert [t["task_id"] for t in groups["Zoe"]] == ["a"]
