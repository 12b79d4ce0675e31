"""The JSON 1.1 protocol layer: X-Amz-Target in, JSON out, nothing else.

Order of checks, as AWS does it: faults (throttling, ServiceFault), signature and IAM
policy, the Requester account, the request against the service model, then the
operation itself. Answers keep only what the operation's output shape has.
"""

from __future__ import annotations

import email.utils
import json
import uuid

from . import exceptions as err
from . import shapes
from .models import DEFAULT_ACCOUNT_ID, MTurkBackend

CONTENT_TYPE = "application/x-amz-json-1.1"


class _RequestHeaders:
    """Lower-case, str-valued view of botocore's request headers, read only as needed
    (copying all of botocore's email-based HTTPHeaders costs more than the request)."""

    __slots__ = ("_headers",)

    def __init__(self, headers):
        self._headers = headers

    def get(self, name: str, default=None):
        value = self._headers.get(name)
        if value is None:
            return default
        return value.decode() if isinstance(value, bytes) else value


class MTurkResponse:
    """Answers one MTurk request for a simulator (both the in-process and HTTP ways in)."""

    def __init__(self, simulator):
        self.sim = simulator

    def dispatch(self, environment: str, method: str, url: str, headers, body: bytes | None):
        """(status, headers, body bytes) for one request."""
        try:
            data = self._answer(environment, method, url, headers, body or b"")
            status, payload = 200, json.dumps(data).encode()
        except err.MTurkError as error:
            status, payload = error.status, error.to_json()
        return status, {
            "x-amzn-RequestId": str(uuid.uuid4()),
            "Content-Type": CONTENT_TYPE,
            "Content-Length": str(len(payload)),
            # real time, as the server's own Date (the signature window is real time too)
            "Date": email.utils.formatdate(usegmt=True),
        }, payload

    def _answer(self, environment: str, method: str, url: str, headers, body: bytes) -> dict:
        sim = self.sim
        if not isinstance(headers, dict):
            headers = _RequestHeaders(headers)
        target = headers.get("x-amz-target") or ""
        op_name = target[len(shapes.TARGET_PREFIX):] if target.startswith(
            shapes.TARGET_PREFIX) else ""
        if op_name not in shapes.operation_names():
            raise err.UnknownOperationException(target)
        faults = sim.faults
        if faults.active:
            faults.before_request()
        if sim.auth_enabled:
            caller = sim.authenticator.authenticate(method, url, headers, body, op_name)
            account_id = caller.account_id
        else:
            account_id = DEFAULT_ACCOUNT_ID
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            raise err.ValidationException("The request body is not valid JSON.") from None
        except RecursionError:  # json gives up on thousands of nested [ or {
            raise err.ValidationException("The request body is nested too deeply.") from None
        shapes.validate_input(op_name, params)
        world = sim.world
        with world.lock:
            world.check_account(account_id, environment)
            backend = world.backend(account_id, environment)
            result = getattr(self, op_name)(backend, params)
        return shapes.output(op_name, result)

    # --- account ---------------------------------------------------------------------

    def GetAccountBalance(self, backend: MTurkBackend, p: dict) -> dict:
        return backend.get_account_balance()

    # --- HIT types and HITs ----------------------------------------------------------

    def CreateHITType(self, backend, p):
        return {"HITTypeId": backend.create_hit_type(**p).id}

    def CreateHIT(self, backend, p):
        return {"HIT": backend.describe_hit(backend.create_hit(**p))}

    def CreateHITWithHITType(self, backend, p):
        return {"HIT": backend.describe_hit(backend.create_hit_with_hit_type(**p))}

    def GetHIT(self, backend, p):
        return {"HIT": backend.describe_hit(backend.hit(p["HITId"]))}

    def _hit_page(self, backend, hits, p):
        page, token = backend._page(hits, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page),
                "HITs": [backend.describe_hit(h) for h in page]}

    def ListHITs(self, backend, p):
        return self._hit_page(backend, backend.listed_hits(), p)

    def ListReviewableHITs(self, backend, p):
        # Only the HIT ids, as MTurk answers (aws-sdk-js #2522; the docs: "only returns the
        # IDs of HITs")
        hits = backend.list_reviewable_hits(p.get("HITTypeId"), p.get("Status"))
        page, token = backend._page(hits, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page),
                "HITs": [{"HITId": h.id} for h in page]}

    def ListHITsForQualificationType(self, backend, p):
        hits = backend.list_hits_for_qualification_type(p["QualificationTypeId"])
        return self._hit_page(backend, hits, p)

    def UpdateExpirationForHIT(self, backend, p):
        backend.update_expiration_for_hit(p["HITId"], shapes.parse_timestamp(p["ExpireAt"]))
        return {}

    def DeleteHIT(self, backend, p):
        backend.delete_hit(**p)
        return {}

    def UpdateHITReviewStatus(self, backend, p):
        backend.update_hit_review_status(**p)
        return {}

    def UpdateHITTypeOfHIT(self, backend, p):
        backend.update_hit_type_of_hit(**p)
        return {}

    def CreateAdditionalAssignmentsForHIT(self, backend, p):
        backend.create_additional_assignments_for_hit(**p)
        return {}

    # --- assignments -----------------------------------------------------------------

    def ListAssignmentsForHIT(self, backend, p):
        found = backend.list_assignments_for_hit(p["HITId"], p.get("AssignmentStatuses"))
        page, token = backend._page(found, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page),
                "Assignments": [backend.describe_assignment(a) for a in page]}

    def GetAssignment(self, backend, p):
        a = backend.get_assignment(p["AssignmentId"])
        return {"Assignment": backend.describe_assignment(a),
                "HIT": backend.describe_hit(backend.hits[a.hit_id])}

    def ApproveAssignment(self, backend, p):
        backend.approve_assignment(**p)
        return {}

    def RejectAssignment(self, backend, p):
        backend.reject_assignment(**p)
        return {}

    def GetFileUploadURL(self, backend, p):
        return {"FileUploadURL": backend.get_file_upload_url(**p)}

    # --- bonuses ---------------------------------------------------------------------

    def SendBonus(self, backend, p):
        backend.send_bonus(**p)
        return {}

    def ListBonusPayments(self, backend, p):
        found = backend.list_bonus_payments(p.get("HITId"), p.get("AssignmentId"))
        page, token = backend._page(found, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page), "BonusPayments": page}

    # --- qualifications --------------------------------------------------------------

    def CreateQualificationType(self, backend, p):
        return {"QualificationType": backend.create_qualification_type(**p).describe()}

    def GetQualificationType(self, backend, p):
        q = backend._qualification_type(p["QualificationTypeId"])
        return {"QualificationType": q.describe()}

    def UpdateQualificationType(self, backend, p):
        return {"QualificationType": backend.update_qualification_type(**p).describe()}

    def DeleteQualificationType(self, backend, p):
        backend.delete_qualification_type(**p)
        return {}

    def ListQualificationTypes(self, backend, p):
        found = backend.list_qualification_types(p["MustBeRequestable"], p.get("Query"),
                                                 p.get("MustBeOwnedByCaller"))
        page, token = backend._page(found, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page),
                "QualificationTypes": [q.describe() for q in page]}

    def AssociateQualificationWithWorker(self, backend, p):
        backend.associate_qualification_with_worker(**p)
        return {}

    def DisassociateQualificationFromWorker(self, backend, p):
        backend.disassociate_qualification_from_worker(**p)
        return {}

    def GetQualificationScore(self, backend, p):
        return {"Qualification": backend.get_qualification_score(**p).describe()}

    def ListWorkersWithQualificationType(self, backend, p):
        found = backend.list_workers_with_qualification_type(p["QualificationTypeId"],
                                                             p.get("Status"))
        page, token = backend._page(found, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page),
                "Qualifications": [q.describe() for q in page]}

    def ListQualificationRequests(self, backend, p):
        found = backend.list_qualification_requests(p.get("QualificationTypeId"))
        page, token = backend._page(found, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page), "QualificationRequests": page}

    def AcceptQualificationRequest(self, backend, p):
        backend.accept_qualification_request(**p)
        return {}

    def RejectQualificationRequest(self, backend, p):
        backend.reject_qualification_request(**p)
        return {}

    # --- workers ---------------------------------------------------------------------

    def CreateWorkerBlock(self, backend, p):
        backend.create_worker_block(**p)
        return {}

    def DeleteWorkerBlock(self, backend, p):
        backend.delete_worker_block(**p)
        return {}

    def ListWorkerBlocks(self, backend, p):
        blocks = [{"WorkerId": w, "Reason": r} for w, r in backend.worker_blocks.items()]
        page, token = backend._page(blocks, p.get("NextToken"), p.get("MaxResults"))
        return {"NextToken": token, "NumResults": len(page), "WorkerBlocks": page}

    def NotifyWorkers(self, backend, p):
        return {"NotifyWorkersFailureStatuses": backend.notify_workers(**p)}

    # --- notifications and review policies -------------------------------------------

    def UpdateNotificationSettings(self, backend, p):
        backend.update_notification_settings(**p)
        return {}

    def SendTestEventNotification(self, backend, p):
        backend.send_test_event_notification(**p)
        return {}

    def ListReviewPolicyResultsForHIT(self, backend, p):
        params = {k: v for k, v in p.items() if k not in ("NextToken", "MaxResults")}
        if p.get("MaxResults") is not None:
            backend._page([], p.get("NextToken"), p["MaxResults"])  # same range check
        return backend.list_review_policy_results_for_hit(**params)
