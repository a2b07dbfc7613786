from __future__ import annotations

from bot.commands.context import Invocation
from tests.unit.conftest import Harness


async def test_a_cohort_three_weeks_into_build_first_is_on_step_one(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club roadmap:build-first-6m start:2026-02-13")
    shown = await h.ok("ann", "roadmap")
    assert shown.private
    assert (shown.data["roadmap"], shown.data["step"], shown.data["week_in_step"]) == ("build-first-6m", 1, 4)
    assert shown.data["title"] == "Talk to models through their APIs"
    assert shown.data["next_title"] == "One real project that hits every wall"
    assert "context windows" in shown.text
    h.clock.advance(days=7)
    assert (await h.ok("ann", "roadmap show")).data["step"] == 2


async def test_marking_steps_done_and_the_cohorts_progress(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club roadmap:build-first-6m start:2026-03-02")
    await h.ok("ben", "cohort join")
    first = await h.ok("ann", "roadmap done")
    assert (first.data["step"], first.data["new"]) == (1, True)
    again = await h.ok("ann", "roadmap done 1")
    assert again.data["new"] is False
    await h.refused("ann", "roadmap done 9", "bad_step")
    shown = await h.ok("ben", "roadmap")
    assert shown.data["progress"]["cohort"] == {"done_current": 1, "members": 2}
    assert shown.data["progress"]["you"] == {"done": [], "total": 5}


async def test_no_roadmap_and_unknown_roadmaps_say_what_exists(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    refused = await h.refused("ann", "roadmap", "no_roadmap")
    assert "frontier-layers" in refused.data["choices"]
    await h.refused("ann", "cohort settings roadmap:learn-everything", "unknown_roadmap")
    await h.refused("ann", "cohort settings roadmap:ai-engineer start:someday", "bad_date")
    set_today = await h.ok("ann", "cohort settings roadmap:ai-engineer")
    assert set_today.data["roadmap_start"] == "2026-03-06"


async def test_organizers_load_their_own_roadmap(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    yaml_text = "id: our-plan\ntitle: Our plan\nsteps:\n  - title: Read\n    weeks: 2\n  - title: Build\n    weeks: 3\n"
    await h.refused("ben", f"roadmap load our.yaml {yaml_text}", "not_organizer")
    broken = await h.refused("ann", "roadmap load bad.yaml id: x2\ntitle: X\nsteps:\n  - weeks: 2\n", "bad_roadmap")
    assert "bad.yaml, line 4: step 1, `title`: required" in broken.text
    loaded = await h.ok("ann", f"roadmap load our.yaml {yaml_text}")
    assert loaded.data == {"roadmap": "our-plan", "steps": 2}
    await h.ok("ann", "cohort settings roadmap:our-plan start:2026-02-20")
    assert (await h.ok("ben", "roadmap")).data["title"] == "Build"


async def test_check_in_topics_name_roadmap_steps(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club roadmap:build-first-6m start:2026-03-02")
    by_number = await h.ok("ann", "checkin 20 topic:3")
    assert (by_number.data["topic"], by_number.data["step"]) == ("3", 3)
    by_words = await h.ok("ann", "checkin 20 read about embeddings topic:embeddings")
    assert by_words.data["step"] == 3
    free = await h.ok("ann", "checkin 20 topic:gardening")
    assert (free.data["topic"], free.data["step"]) == ("gardening", None)


async def test_weekly_goal_shows_in_streak(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club weekly_goal:300")
    await h.ok("ann", "checkin 45")
    reply = await h.ok("ann", "streak")
    assert reply.data["week"] == {"minutes": 45, "goal": 300}
    assert "45/300" in reply.text
    await h.refused("ann", "cohort settings weekly_goal:5", "bad_weekly_goal")


async def test_step_autocomplete_follows_the_cohort_option(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club roadmap:build-first-6m start:2026-03-02")
    await h.ok("ann", "cohort create theory roadmap:ai-engineer start:2026-03-02", channel="theory-room")
    assert await h.bot.roadmap_steps(_dm("ann")) == []  # in two cohorts, and a DM names neither
    first = await h.bot.roadmap_steps(_dm("ann"), "ml-club")
    second = await h.bot.roadmap_steps(_dm("ann"), "theory")
    assert first and second and first != second
    assert first[0] == (1, "Talk to models through their APIs")


def _dm(user: str) -> Invocation:
    return Invocation(platform="test", workspace="local", user_id=user, display_name=user, channel_id=f"dm-{user}")
