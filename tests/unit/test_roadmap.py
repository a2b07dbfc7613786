from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.roadmaps import RoadmapFileError, load_builtin, parse_roadmap
from bot.roadmap import RoadmapInvalid, position, validate

START = date(2026, 3, 2)


@pytest.fixture(scope="module")
def builtin():
    return load_builtin()


def test_the_five_published_roadmaps_ship_in_order_with_their_durations(builtin) -> None:
    assert sorted(builtin) == ["ai-engineer", "beginner-to-pro", "build-first-6m", "frontier-layers",
                               "tutorials-to-intuition"]
    first = builtin["build-first-6m"]
    assert [s.weeks for s in first.steps] == [4, 8, 4, 8, None]
    assert first.steps[0].title == "Talk to models through their APIs"
    assert "context windows" in first.steps[0].topics
    assert [s.weeks for s in builtin["tutorials-to-intuition"].steps][:3] == [2, 2, 5]
    assert [s.weeks for s in builtin["beginner-to-pro"].steps] == [4, 6, 8, 8, 4, 8, 4, 6]
    assert sum(s.weeks or 0 for s in builtin["frontier-layers"].steps) == 52
    assert len(builtin["ai-engineer"].steps) == 4


@pytest.mark.parametrize(("days", "step", "week"), [
    (0, 1, 1), (6, 1, 1), (7, 1, 2), (21, 1, 4), (27, 1, 4), (28, 2, 1), (28 + 55, 2, 8), (28 + 56, 3, 1),
    (7 * 24, 5, 1), (7 * 200, 5, 177)])
def test_current_step_follows_the_start_date_and_step_weeks(builtin, days: int, step: int, week: int) -> None:
    at = position(builtin["build-first-6m"], START, START + timedelta(days=days))
    assert (at.step.number, at.week_in_step, at.started) == (step, week, True)


def test_before_the_start_date_the_first_step_waits(builtin) -> None:
    at = position(builtin["build-first-6m"], START, START - timedelta(days=1))
    assert (at.step.number, at.started) == (1, False)
    assert at.next_step(builtin["build-first-6m"]).number == 2


def test_past_the_last_fixed_step_the_last_step_stays_current(builtin) -> None:
    roadmap = builtin["ai-engineer"]  # 4 × 6 weeks, all fixed
    at = position(roadmap, START, START + timedelta(weeks=30))
    assert at.step.number == 4 and at.next_step(roadmap) is None


def test_validation_collects_every_problem_with_its_path() -> None:
    with pytest.raises(RoadmapInvalid) as caught:
        validate({"id": "Bad Id", "steps": [{"title": "a", "weeks": 0}, "oops", {"weeks": 2, "topics": "x"}]})
    paths = [path for path, _ in caught.value.problems]
    assert ("id",) in paths and ("title",) in paths
    assert ("steps", 0, "weeks") in paths and ("steps", 1) in paths
    assert ("steps", 2, "title") in paths and ("steps", 2, "topics") in paths


def test_yaml_errors_name_the_line_and_field() -> None:
    text = "id: mine\ntitle: Mine\nsteps:\n  - title: one\n    weeks: 2\n  - title: two\n    weeks: many\n"
    with pytest.raises(RoadmapFileError) as caught:
        parse_roadmap(text, source="mine.yaml")
    assert str(caught.value) == "mine.yaml, line 7: step 2, `weeks`: a whole number of weeks from 1 to 104"
    with pytest.raises(RoadmapFileError, match=r"mine.yaml, line 4: "):
        parse_roadmap("id: mine\ntitle: Mine\nsteps: [\n", source="mine.yaml")
    with pytest.raises(RoadmapFileError, match="larger than"):
        parse_roadmap("#" * (65 * 1024))


def test_a_valid_custom_roadmap_parses() -> None:
    roadmap = parse_roadmap("id: my-plan\ntitle: My plan\nsteps:\n  - title: Read\n    weeks: 3\n"
                            "    topics: [papers]\n    project: notes\n  - title: Build\n    ongoing: true\n")
    assert [(s.number, s.title, s.weeks, s.ongoing) for s in roadmap.steps] == [
        (1, "Read", 3, False), (2, "Build", None, True)]
