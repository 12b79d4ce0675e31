"""The sandbox test HIT under faults: create it, let workers answer, approve two, reject one.
It succeeds after retries (one HIT, the right statuses) or stops with one clear sentence;
a lost answer never makes a second HIT or turns a done approval into an error."""

from __future__ import annotations

from mturklink_helpers.hits import (
    assignments_frame,
    cleanup,
    create_test_hit,
    list_kit_hits,
    review,
)
from mturklink_helpers.retry import BULK_MAX_ATTEMPTS


def test_test_hit_under_faults(case, rig, stop_message):
    key = rig.new_key()
    client = rig.mturk(key)  # as the test HIT form builds it (retry.MAX_ATTEMPTS)
    made = {}

    def test_hit():
        made["hit"] = hit = create_test_hit(client)
        rig.workers_submit(hit.hit_id, 3)  # the console action: never faulted
        frame = assignments_frame(client, hit.hit_id)
        first, second, third = frame["assignment_id"]
        made["review"] = {first: "Approved", second: "Approved", third: "Rejected"}
        return review(client, frame, approve=[first, second],
                      reject={third: "The answers were left empty."})

    result, error = rig.under_faults(test_hit)
    hits = list_kit_hits(client)
    assert len(hits) <= 1  # never a second HIT for one click
    if error is None:
        assert [h["HITId"] for h in hits] == [made["hit"].hit_id]
        assert len(result.approved) == 2 and len(result.rejected) == 1
        frame = assignments_frame(client, made["hit"].hit_id)
        assert dict(zip(frame["assignment_id"], frame["status"], strict=True)) == made["review"]
    else:
        stop_message(error)

    # Faults gone: clean-up (as the form runs it) finds the HIT, whatever happened (even one
    # whose creation was never confirmed), and nothing is left.
    bulk = rig.mturk(key, max_attempts=BULK_MAX_ATTEMPTS)
    report = cleanup(bulk, approve_submitted=True, max_rate=1000)
    assert report.found == len(hits) and report.done and list_kit_hits(client) == []
    rig.record("test HIT", error is None, lost=f"{len(hits) - len(report.deleted)} HITs")
