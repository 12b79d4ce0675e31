"""Clean-up of many HITs under faults: every HIT it found is either deleted or named as
left, none is lost track of, somebody else's HIT is never touched, and a second run with
the faults gone leaves nothing of the kit behind."""

from __future__ import annotations

from mturklink_helpers.hits import (
    cleanup,
    create_test_hit,
    survey_question,
)
from mturklink_helpers.retry import BULK_MAX_ATTEMPTS

HITS = 20
ANSWERED = 6  # HITs with submitted answers, which clean-up approves first


def _kit_hits_and_a_stranger(rig, client) -> tuple[set[str], str]:
    hits = [create_test_hit(client, assignments=2) for _ in range(HITS)]
    for hit in hits[:ANSWERED]:
        rig.workers_submit(hit.hit_id, 1 + hits.index(hit) % 2)
    stranger = client.create_hit(  # not the kit's: clean-up must leave it alone
        Title="somebody else's", Description="d", Reward="0.05", MaxAssignments=1,
        LifetimeInSeconds=600, AssignmentDurationInSeconds=60,
        Question=survey_question("sandbox"))["HIT"]["HITId"]
    return {h.hit_id for h in hits}, stranger


def _left(report) -> set[str]:
    """The HITs the report names as not cleaned up; each found HIT in exactly one outcome."""
    outcomes = [set(report.deleted), set(report.waiting_for_review), set(report.in_progress),
                set(report.failed)]
    assert sum(map(len, outcomes)) == len(set().union(*outcomes)) == report.found
    return set().union(*outcomes[1:])


def _all_hit_ids(client) -> set[str]:
    return {h["HITId"] for page in client.get_paginator("list_hits").paginate()
            for h in page["HITs"]}


def test_cleanup_under_faults(case, rig, stop_message, clear_text):
    # As the test HIT form's "Clean up" builds it: retry.BULK_MAX_ATTEMPTS attempts a call.
    client = rig.mturk(rig.new_key(), max_attempts=BULK_MAX_ATTEMPTS)
    kit, stranger = _kit_hits_and_a_stranger(rig, client)

    # One worker thread keeps the order of calls, and so the seeded faults, the same on
    # every run; the kit's own pacing is not under test here (the server's throttle is).
    report, error = rig.under_faults(
        lambda: cleanup(client, approve_submitted=True, max_rate=1000, max_workers=1))
    remaining = _all_hit_ids(client)
    assert stranger in remaining
    if error is not None or report.not_listed:  # it could not even list the HITs
        if error is not None:
            stop_message(error)
        else:  # said so in the report: nothing was touched, run it again
            assert not report.done and "nothing was cleaned up" in str(report)
            clear_text(str(report))
        assert remaining - {stranger} == kit
        left = kit
    else:
        assert report.found == HITS
        left = _left(report)
        assert not remaining & set(report.deleted)  # "deleted" means deleted
        assert remaining - {stranger} <= left  # every HIT still there is named, by id
        # A retry that meets its own lost first try is not a failure: MTurk refuses the same
        # expiry twice ("… has already been processed"), and the HIT is expired all the same.
        assert not [r for r in report.failed.values() if "already been processed" in r], report
        if not report.done:  # answers are approved, so only failures are left
            clear_text(next(line for line in report.lines() if "could not be cleaned" in line))
    lost = len(remaining - {stranger} - left)

    # Faults gone: the same call again finishes the job.
    again = cleanup(client, approve_submitted=True, max_rate=1000)
    assert again.found == len(remaining) - 1 and again.done
    assert _all_hit_ids(client) == {stranger}
    rig.record(f"clean-up ({HITS} HITs)", error is None and report.done, lost=f"{lost} HITs")


def test_threaded_cleanup_under_dropped_answers(world_rig, stop_message):
    """The default 16 threads against lost answers in the world: which calls lose their
    answer depends on the threads' order, so only what must always hold is checked (not put
    in the table)."""
    rig = world_rig({"drop_rate": 0.3}, seed=5)
    client = rig.mturk(rig.new_key(), max_attempts=BULK_MAX_ATTEMPTS)
    kit, stranger = _kit_hits_and_a_stranger(rig, client)
    report, error = rig.under_faults(lambda: cleanup(client, approve_submitted=True, max_rate=1000))
    remaining = _all_hit_ids(client)
    if error is not None:
        stop_message(error)
    else:
        assert remaining - {stranger} <= _left(report)
        assert not remaining & set(report.deleted)
    again = cleanup(client, approve_submitted=True, max_rate=1000)
    assert again.done and _all_hit_ids(client) == {stranger}
