"""The doctor under faults, on a key that is set up right: every check passes after
retries, or the verdict is one sentence that blames MTurk's silence, not a step the
learner already did; run again with the faults gone, everything passes."""

from __future__ import annotations

from mturklink_helpers.doctor import Status, diagnose


def test_doctor_under_faults(case, rig, clear_text):
    key = rig.new_key()  # guide steps 1-4 done right, before any fault

    def doctor():
        return diagnose(key, endpoint_url=rig.endpoint_url, backoff=rig.backoff)

    diagnosis, error = rig.under_faults(doctor)
    assert error is None, f"the doctor raised {error!r}"  # it reports; it never raises
    if not diagnosis.ok:
        clear_text(diagnosis.verdict)
        assert diagnosis.next_step is None  # nothing in the guide is undone
        assert "not a step of the guide" in diagnosis.verdict
        assert diagnosis.exit_code == 1
    else:
        assert {c.status for c in diagnosis.checks} <= {Status.OK, Status.WARNING}
        assert diagnosis["sandbox"].status is Status.OK
    rig.record("doctor", diagnosis.ok and set(c.status for c in diagnosis.checks) == {Status.OK})

    again = doctor()
    assert again.ok and {c.status for c in again.checks} == {Status.OK}
