"""The simulator's state, moto-style: one MTurkBackend per (AWS account, environment).

Backends hold HIT types, HITs, assignments, bonuses, qualifications, worker blocks and
notification settings. Requester-level facts (linked, sandbox registered, production
balance) live in :class:`Account`. Methods take and return plain Python values named as
in botocore's mturk model; responses.py turns them into JSON.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import random
import string
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from . import exceptions as err
from . import fees
from .clock import Clock
from .questions import Question, QuestionError, answers_xml, parse_question
from .realism import Realism
from .workers import (
    ADULT,
    APPROVAL_RATE,
    HITS_APPROVED,
    LOCALE,
    MASTERS,
    Worker,
    answer,
    learner,
    make_pool,
)

DEFAULT_ACCOUNT_ID = "123456789012"
SANDBOX_BALANCE = Decimal("10000.00")
MIN_LIFETIME = 30
MAX_RESULTS = 100
# A question is parsed once per text (HITs made from one form share it; read only)
_parsed_question = functools.lru_cache(maxsize=64)(parse_question)
DEFAULT_MAX_RESULTS = 10  # unverified: MTurk's page size when MaxResults is left out
TOKEN_TTL = dt.timedelta(hours=24)
DEVELOPER_PAGES = {
    "sandbox": "https://requestersandbox.mturk.com/developer",
    "production": "https://requester.mturk.com/developer",
}
DEFAULT_AUTO_APPROVAL = 2592000  # 30 days, MTurk's default
ASSIGNED_STATES = ("Submitted", "Approved", "Rejected")
# 2014-08-15: Dallinger subscribes with it since 2019 and MTurk's events carry it as
# EventDocVersion; 2006-05-05: the docs and ParlAI (2018)
NOTIFICATION_VERSIONS = ("2006-05-05", "2014-08-15")
MIN_EXTENSION, MAX_EXTENSION = 60, 31536000  # ExpirationIncrementInSeconds (aws-sdk-ruby #2065)


@dataclass
class Account:
    """What the requester did on MTurk's websites (the guide's "console actions")."""

    linked: bool = True
    sandbox_registered: bool = True
    production_balance: Decimal = Decimal("0.00")
    linked_at: dt.datetime | None = None  # when linked / registered (None: from the start)
    registered_at: dt.datetime | None = None


@dataclass
class HITType:
    id: str
    title: str
    description: str
    reward: Decimal
    assignment_duration: int
    auto_approval_delay: int
    keywords: str | None
    qualification_requirements: list[dict]
    notification: dict | None = None
    notification_active: bool = False

    def key(self) -> tuple:
        """HIT types with identical properties are one type (MTurk reuses the id)."""
        return (
            self.title,
            self.description,
            self.reward,
            self.assignment_duration,
            self.auto_approval_delay,
            self.keywords,
            repr(self.qualification_requirements),
        )


@dataclass
class HIT:
    id: str
    hit_type: HITType
    group_id: str
    creation_time: dt.datetime
    expiration: dt.datetime
    max_assignments: int
    question: str | None
    parsed: Question | None
    annotation: str | None
    layout_id: str | None
    layout_parameters: list[dict] | None
    assignment_review_policy: dict | None
    hit_review_policy: dict | None
    review_status: str = "NotReviewed"
    reviewing: bool = False
    disposed: bool = False
    assignment_ids: list[str] = field(default_factory=list)
    worker_ids: set[str] = field(default_factory=set)


@dataclass
class Assignment:
    id: str
    worker_id: str
    hit_id: str
    status: str  # Submitted, Approved, Rejected; "Accepted" inside only (never listed)
    accept_time: dt.datetime
    submit_time: dt.datetime | None
    auto_approval_time: dt.datetime | None
    deadline: dt.datetime
    answer: str
    submit_at: dt.datetime | None = None  # when an accepted assignment will be submitted
    approval_time: dt.datetime | None = None
    rejection_time: dt.datetime | None = None
    feedback: str | None = None


@dataclass
class QualificationType:
    id: str
    creation_time: dt.datetime
    name: str
    description: str
    keywords: str | None
    status: str
    test: str | None = None
    test_duration: int | None = None
    answer_key: str | None = None
    retry_delay: int | None = None
    auto_granted: bool = False
    auto_granted_value: int | None = None
    system: bool = False

    @property
    def is_requestable(self) -> bool:
        return not self.system and self.status == "Active"

    def describe(self) -> dict:
        return {
            "QualificationTypeId": self.id,
            "CreationTime": self.creation_time,
            "Name": self.name,
            "Description": self.description,
            "Keywords": self.keywords,
            "QualificationTypeStatus": self.status,
            "Test": self.test,
            "TestDurationInSeconds": self.test_duration,
            "AnswerKey": self.answer_key,
            "RetryDelayInSeconds": self.retry_delay,
            "IsRequestable": self.is_requestable,
            "AutoGranted": self.auto_granted,
            "AutoGrantedValue": self.auto_granted_value if self.auto_granted else None,
        }


@dataclass
class Qualification:
    type_id: str
    worker_id: str
    grant_time: dt.datetime
    integer_value: int | None
    locale: dict | None = None
    status: str = "Granted"

    def describe(self) -> dict:
        return {
            "QualificationTypeId": self.type_id,
            "WorkerId": self.worker_id,
            "GrantTime": self.grant_time,
            "IntegerValue": self.integer_value,
            "LocaleValue": self.locale,
            "Status": self.status,
        }


def _system_types(environment: str, when: dt.datetime) -> dict[str, QualificationType]:
    rows = [
        (APPROVAL_RATE, "Worker_PercentAssignmentsApproved",
         "The percentage of assignments the Worker has submitted that were approved."),
        (HITS_APPROVED, "Worker_NumberHITsApproved",
         "The total number of HITs submitted by the Worker that have been approved."),
        (LOCALE, "Worker_Locale", "The location of the Worker, as specified in their address."),
        (ADULT, "Worker_Adult", "The Worker has agreed to view adult content."),
        (MASTERS[environment], "Masters", "Workers who have demonstrated excellence."),
    ]
    return {
        type_id: QualificationType(type_id, when, name, text, None, "Active", system=True)
        for type_id, name, text in rows
    }


class MTurkBackend:
    """One Requester's MTurk, in one environment, of one AWS account."""

    def __init__(self, account_id: str, environment: str, world: World):
        self.account_id = account_id
        self.environment = environment
        self.world = world
        self.clock: Clock = world.clock
        self._rng = random.Random(f"{world.seed}-{account_id}-{environment}")
        self.hit_types: dict[str, HITType] = {}
        self.hits: dict[str, HIT] = {}
        self.assignments: dict[str, Assignment] = {}
        self.bonuses: list[dict] = []
        self.qualification_types: dict[str, QualificationType] = {}
        self.qualifications: dict[tuple[str, str], Qualification] = {}
        self.qualification_requests: dict[str, dict] = {}
        self.worker_blocks: dict[str, str] = {}
        self.notifications_sent: list[dict] = []  # test events and real events, newest last
        self.notified_workers: list[dict] = []
        self._tokens: dict[tuple[str, str], tuple[dt.datetime, str]] = {}
        self._accepted: list[str] = []  # assignments accepted, not yet submitted
        self._held: list[str] = []  # accepted on the worker site by a person, not yet submitted
        self._released: dict[str, str] = {}  # assignment id → why a person no longer holds it
        self._hit_type_keys: dict[tuple, str] = {}

    # --- helpers ---------------------------------------------------------------------

    @property
    def account(self) -> Account:
        return self.world.account(self.account_id)

    def _now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def _id(self, length: int = 30) -> str:
        return "".join(self._rng.choices(string.ascii_uppercase + string.digits, k=length))

    def _mark(self) -> str:
        """The request marker of this environment (`` (ms s)`` sandbox, `` (ms)`` production)."""
        return err.marker(self._now_ms(), self.environment)

    def _bad(self, message: str, code: str = "AWS.ParameterOutOfRange") -> err.RequestError:
        return err.RequestError(message + self._mark(), code)

    def _not_valid(self, value, parameter: str) -> err.ParameterValidationError:
        return err.not_valid(value, parameter, self._mark())

    def _range(self, value: int, parameter: str, low: int, high: int) -> None:
        if not low <= value <= high:
            raise err.out_of_range(value, parameter, low, high, self._mark())

    def _money(self, text: str, name: str) -> Decimal:
        amount = fees.parse_money(text)
        if amount is None:  # the model's pattern lets through only what parse_money reads
            raise self._not_valid(text, name)
        return amount

    def _charge(self, amount: Decimal) -> None:
        """Spend production money; the sandbox is free."""
        if self.environment != "production" or amount <= 0:
            return
        account = self.account
        if amount > account.production_balance:
            raise err.insufficient_funds()
        account.production_balance -= amount

    def _refund(self, amount: Decimal) -> None:
        if self.environment == "production" and amount > 0:
            self.account.production_balance += amount

    def _check_token(self, op: str, token: str | None, what: str) -> None:
        if not token:
            return
        now = self.clock.now()
        seen = self._tokens.get((op, token))
        if seen and now - seen[0] < TOKEN_TTL:
            if op == "CreateHIT":
                # The CreateHIT docs: HitAlreadyExists "with a message containing the HITId";
                # where the id sits in the real text is not seen (an assumption).
                raise err.RequestError(
                    f'The idempotency token "{token}" has already been processed. '
                    f"HITId: {seen[1]}.{self._mark()}", "AWS.MechanicalTurk.HitAlreadyExists")
            raise err.already_processed(token, self._mark())

    def _remember_token(self, op: str, token: str | None, what: str) -> None:
        if token:
            self._tokens[(op, token)] = (self.clock.now(), what)

    def _page(self, items: list, next_token: str | None, max_results: int | None):
        """One page and its NextToken. As MTurk pages (evidence §2 row 10: Mephisto and
        Dallinger page until an empty page): every non-empty page carries a NextToken, the
        empty page after the last item has none. MaxResults' 1..100 is the model's range,
        checked by shapes.validate_input (ValidationException)."""
        if max_results is None:
            max_results = DEFAULT_MAX_RESULTS
        if not 1 <= max_results <= MAX_RESULTS:  # the model's range; kept for direct calls
            raise err.out_of_range(max_results, "MaxResults", 1, MAX_RESULTS, self._mark())
        start = 0
        if next_token:
            try:
                start = int(base64.urlsafe_b64decode(next_token.encode()).decode().split(":")[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                start = -1
            if start < 0:
                raise self._not_valid(next_token, "NextToken") from None
        page = items[start : start + max_results]
        token = None
        if page:
            token = base64.urlsafe_b64encode(f"p:{start + len(page)}".encode()).decode()
        return page, token

    # --- account ---------------------------------------------------------------------

    def get_account_balance(self) -> dict:
        balance = SANDBOX_BALANCE if self.environment == "sandbox" else self.account.production_balance
        return {"AvailableBalance": fees.money(balance), "OnHoldBalance": "0.00"}

    # --- HIT types and HITs --------------------------------------------------------

    def _validated_requirements(self, requirements: list[dict] | None) -> list[dict]:
        for req in requirements or []:
            type_id = req["QualificationTypeId"]
            if self._qualification_type(type_id, must_exist=False) is None:
                raise self._bad(
                    f"QualificationType {type_id} does not exist.",
                    "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
                )
            comparator = req["Comparator"]
            if comparator not in ("Exists", "DoesNotExist") and not (
                req.get("IntegerValues") or req.get("LocaleValues")
            ):
                raise self._bad(
                    f"The qualification requirement on {type_id} with comparator {comparator} "
                    "needs IntegerValues or LocaleValues.",
                    "AWS.MechanicalTurk.InvalidQualificationRequirement",
                )
        return [dict(r) for r in requirements or []]

    def create_hit_type(
        self,
        AssignmentDurationInSeconds: int,
        Reward: str,
        Title: str,
        Description: str,
        AutoApprovalDelayInSeconds: int | None = None,
        Keywords: str | None = None,
        QualificationRequirements: list[dict] | None = None,
    ) -> HITType:
        reward = self._money(Reward, "Reward")
        # ParameterValidationError for values MTurk refuses (which checks use it is
        # inferred from the three real ones: docs/simulator.md, "what we assume")
        self._range(AssignmentDurationInSeconds, "AssignmentDurationInSeconds", 30, 31536000)
        delay = DEFAULT_AUTO_APPROVAL if AutoApprovalDelayInSeconds is None else AutoApprovalDelayInSeconds
        self._range(delay, "AutoApprovalDelayInSeconds", 0, DEFAULT_AUTO_APPROVAL)
        if not Title.strip() or len(Title) > 128:
            raise self._not_valid(Title, "Title")
        if not Description.strip() or len(Description) > 2000:
            raise self._not_valid(Description, "Description")
        requirements = self._validated_requirements(QualificationRequirements)
        candidate = HITType("", Title, Description, reward, AssignmentDurationInSeconds, delay,
                            Keywords, requirements)
        existing = self._hit_type_keys.get(candidate.key())
        if existing:
            return self.hit_types[existing]
        candidate.id = self._id()
        self.hit_types[candidate.id] = candidate
        self._hit_type_keys[candidate.key()] = candidate.id
        return candidate

    def _hit_type(self, hit_type_id: str) -> HITType:
        try:
            return self.hit_types[hit_type_id]
        except KeyError:
            raise err.does_not_exist(
                "HITType", hit_type_id, "AWS.MechanicalTurk.HITTypeDoesNotExist", self._mark()
            ) from None

    def create_hit_with_hit_type(
        self,
        HITTypeId: str,
        LifetimeInSeconds: int,
        MaxAssignments: int | None = None,
        Question: str | None = None,
        RequesterAnnotation: str | None = None,
        UniqueRequestToken: str | None = None,
        AssignmentReviewPolicy: dict | None = None,
        HITReviewPolicy: dict | None = None,
        HITLayoutId: str | None = None,
        HITLayoutParameters: list[dict] | None = None,
    ) -> HIT:
        hit_type = self._hit_type(HITTypeId)
        self._check_token("CreateHIT", UniqueRequestToken, "")
        self._range(LifetimeInSeconds, "LifetimeInSeconds", MIN_LIFETIME, 31536000)
        max_assignments = 1 if MaxAssignments is None else MaxAssignments
        self._range(max_assignments, "MaxAssignments", 1, 1000000000)
        if (Question is None) == (HITLayoutId is None):
            raise self._not_valid(Question or "", "Question")
        parsed = None
        if Question is not None:
            # As boto3 #2108's Test: the refused XML is echoed in the message. MTurk refuses
            # it after IAM allowed the call, and nothing is created.
            if len(Question.encode()) > 131072:
                raise self._not_valid(Question, "Question")
            try:
                parsed = _parsed_question(Question)
            except QuestionError:
                raise self._not_valid(Question, "Question") from None
        for name, policy in (("AssignmentReviewPolicy", AssignmentReviewPolicy),
                             ("HITReviewPolicy", HITReviewPolicy)):
            if policy and policy["PolicyName"] not in ("ScoreMyKnownAnswers/2011-09-01",
                                                        "SimplePlurality/2011-09-01"):
                raise self._not_valid(policy["PolicyName"], name)
        masters = any(r["QualificationTypeId"] in fees.MASTERS_IDS
                      for r in hit_type.qualification_requirements)
        self._charge(fees.hit_cost(hit_type.reward, max_assignments, max_assignments, masters))
        now = self.clock.now()
        hit = HIT(
            id=self._id(),
            hit_type=hit_type,
            group_id=hit_type.id,
            creation_time=now,
            expiration=now + dt.timedelta(seconds=LifetimeInSeconds),
            max_assignments=max_assignments,
            question=Question,
            parsed=parsed,
            annotation=RequesterAnnotation,
            layout_id=HITLayoutId,
            layout_parameters=HITLayoutParameters,
            assignment_review_policy=AssignmentReviewPolicy,
            hit_review_policy=HITReviewPolicy,
        )
        self.hits[hit.id] = hit
        self._remember_token("CreateHIT", UniqueRequestToken, hit.id)
        self._event("HITCreated", hit)
        return hit

    def create_hit(self, LifetimeInSeconds: int, AssignmentDurationInSeconds: int, Reward: str,
                   Title: str, Description: str, MaxAssignments: int | None = None,
                   AutoApprovalDelayInSeconds: int | None = None, Keywords: str | None = None,
                   QualificationRequirements: list[dict] | None = None, **rest) -> HIT:
        known, ids = set(self.hit_types), self._rng.getstate()
        hit_type = self.create_hit_type(
            AssignmentDurationInSeconds=AssignmentDurationInSeconds,
            Reward=Reward,
            Title=Title,
            Description=Description,
            AutoApprovalDelayInSeconds=AutoApprovalDelayInSeconds,
            Keywords=Keywords,
            QualificationRequirements=QualificationRequirements,
        )
        try:
            return self.create_hit_with_hit_type(
                HITTypeId=hit_type.id, LifetimeInSeconds=LifetimeInSeconds,
                MaxAssignments=MaxAssignments, **rest
            )
        except Exception:
            # One request: a refused HIT leaves no new HIT type behind, and no id used up.
            if hit_type.id not in known:
                del self.hit_types[hit_type.id]
                del self._hit_type_keys[hit_type.key()]
                self._rng.setstate(ids)
            raise

    def hit(self, hit_id: str, include_disposed: bool = True) -> HIT:
        hit = self.hits.get(hit_id)
        if hit is None or (hit.disposed and not include_disposed):
            raise err.does_not_exist("Hit", hit_id, "AWS.MechanicalTurk.HITDoesNotExist",
                                     self._mark())
        return hit

    def _assignments_of(self, hit: HIT) -> list[Assignment]:
        self.apply_auto_approvals()
        return [self.assignments[a] for a in hit.assignment_ids]

    def counts(self, hit: HIT) -> tuple[int, int, int]:
        """(pending, available, completed) as MTurk counts them."""
        if self._accepted:
            self.apply_submissions()
        if self._held:
            self.release_overdue()
        done = [self.assignments[a].status for a in hit.assignment_ids]
        completed = sum(1 for s in done if s in ("Approved", "Rejected"))
        pending = sum(1 for s in done if s == "Accepted")
        available = hit.max_assignments - len(done)
        if self.expired(hit):
            available = 0
        return pending, max(available, 0), completed

    def expired(self, hit: HIT) -> bool:
        return self.clock.now() >= hit.expiration

    def status(self, hit: HIT) -> str:
        if hit.disposed:
            return "Disposed"
        if hit.reviewing:
            return "Reviewing"
        pending, available, _ = self.counts(hit)
        if available > 0:
            return "Assignable"
        if pending > 0:
            return "Unassignable"
        return "Reviewable"

    def describe_hit(self, hit: HIT) -> dict:
        hit_type = hit.hit_type
        pending, available, completed = self.counts(hit)
        return {
            "HITId": hit.id,
            "HITTypeId": hit_type.id,
            "HITGroupId": hit.group_id,
            "HITLayoutId": hit.layout_id,
            "CreationTime": hit.creation_time,
            "Title": hit_type.title,
            "Description": hit_type.description,
            "Question": hit.question,
            "Keywords": hit_type.keywords,
            "HITStatus": self.status(hit),
            "MaxAssignments": hit.max_assignments,
            "Reward": fees.money(hit_type.reward),
            "AutoApprovalDelayInSeconds": hit_type.auto_approval_delay,
            "Expiration": hit.expiration,
            "AssignmentDurationInSeconds": hit_type.assignment_duration,
            "RequesterAnnotation": hit.annotation,
            "QualificationRequirements": hit_type.qualification_requirements,
            "HITReviewStatus": hit.review_status,
            "NumberOfAssignmentsPending": pending,
            "NumberOfAssignmentsAvailable": available,
            "NumberOfAssignmentsCompleted": completed,
        }

    def list_hits(self) -> list[HIT]:
        return [h for h in self.hits.values() if not h.disposed]

    def listed_hits(self) -> list[HIT]:
        """What ListHITs shows: with the realism profile on, a new HIT only after a moment
        (MTurk's lists need "indexing" time)."""
        return self.world.realism.listed(self, self.list_hits())

    def update_expiration_for_hit(self, HITId: str, ExpireAt: dt.datetime) -> None:
        """As MTurk does it (aws-sdk-ruby #2065, Dallinger #3109): a time not after now
        expires the HIT at once; a future time becomes an increment over the current
        expiration, which must be 60 s to 365 days (so a HIT cannot be shortened to a
        future time); the same (HIT, ExpireAt) again is an idempotency token already
        processed."""
        hit = self.hit(HITId, include_disposed=False)
        now = self.clock.now()
        token = HITId + _java_date(ExpireAt)
        self._check_token("UpdateExpirationForHIT", token, "")
        self.world.realism.check_extend(self, hit)
        was_expired = self.expired(hit)
        if ExpireAt > now:
            increment = int((ExpireAt - hit.expiration).total_seconds())
            self._range(increment, "ExpirationIncrementInSeconds", MIN_EXTENSION, MAX_EXTENSION)
            hit.expiration = hit.expiration + dt.timedelta(seconds=increment)
            self._event("HITExtended", hit)
        else:
            hit.expiration = now
            if not was_expired:
                self._event("HITExpired", hit)
        self._remember_token("UpdateExpirationForHIT", token, f"HIT {hit.id}")

    def delete_hit(self, HITId: str) -> None:
        hit = self.hit(HITId, include_disposed=False)
        state = self.status(hit)
        unreviewed = any(a.status == "Submitted" for a in self._assignments_of(hit))
        if state not in ("Reviewable", "Reviewing") or unreviewed:
            raise err.wrong_state(state, "Reviewing, Reviewable", self._mark())
        hit.disposed = True
        hit.reviewing = False
        self._event("HITDisposed", hit)

    def update_hit_review_status(self, HITId: str, Revert: bool | None = None) -> None:
        hit = self.hit(HITId, include_disposed=False)
        state = self.status(hit)
        if Revert:
            if state != "Reviewing":
                raise err.wrong_state(state, "Reviewing", self._mark())
            hit.reviewing = False
        else:
            if state != "Reviewable":
                raise err.wrong_state(state, "Reviewable", self._mark())
            hit.reviewing = True

    def update_hit_type_of_hit(self, HITId: str, HITTypeId: str) -> None:
        hit = self.hit(HITId, include_disposed=False)
        hit.hit_type = self._hit_type(HITTypeId)
        hit.group_id = hit.hit_type.id

    def create_additional_assignments_for_hit(
        self, HITId: str, NumberOfAdditionalAssignments: int, UniqueRequestToken: str | None = None
    ) -> None:
        hit = self.hit(HITId, include_disposed=False)
        self._check_token("CreateAdditionalAssignmentsForHIT", UniqueRequestToken, "")
        extra = NumberOfAdditionalAssignments
        if extra < 1 or extra > 1000000000:
            raise self._bad(f"NumberOfAdditionalAssignments must be at least 1, not {extra}.")
        if hit.max_assignments < fees.LARGE_BATCH <= hit.max_assignments + extra:
            raise self._bad(
                f"This HIT was created with fewer than {fees.LARGE_BATCH} assignments and "
                f"cannot be extended to {fees.LARGE_BATCH} or more.",
                "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease",
            )
        if self.expired(hit) or hit.reviewing:
            raise err.wrong_state(self.status(hit), "Assignable, Unassignable", self._mark())
        masters = any(r["QualificationTypeId"] in fees.MASTERS_IDS
                      for r in hit.hit_type.qualification_requirements)
        total = hit.max_assignments + extra
        self._charge(fees.hit_cost(hit.hit_type.reward, extra, total, masters))
        hit.max_assignments = total
        self._remember_token("CreateAdditionalAssignmentsForHIT", UniqueRequestToken,
                             f"HIT {hit.id}")

    def list_reviewable_hits(self, HITTypeId: str | None = None, Status: str | None = None):
        wanted = Status or "Reviewable"
        return [
            h for h in self.listed_hits()
            if self.status(h) == wanted and (HITTypeId is None or h.hit_type.id == HITTypeId)
        ]

    # --- assignments -----------------------------------------------------------------

    def apply_submissions(self) -> None:
        """Workers who accepted submit when their time comes (the world's clock). Nothing is
        drawn here: the time and the answer were fixed when the worker accepted, so a world
        rebuilt from its journal gives the same result whenever it is looked at."""
        now = self.clock.now()
        due = sorted((self.assignments[i] for i in self._accepted
                      if self.assignments[i].submit_at <= now), key=lambda a: a.submit_at)
        for a in due:  # all taken off first: status() below looks again
            self._accepted.remove(a.id)
        for a in due:
            a.status = "Submitted"
            a.submit_time = a.submit_at
            a.auto_approval_time = a.submit_at + dt.timedelta(
                seconds=self.hits[a.hit_id].hit_type.auto_approval_delay)
            hit = self.hits[a.hit_id]
            self._event("AssignmentSubmitted", hit, a, when=a.submit_at)
            if self.status(hit) == "Reviewable":
                self._event("HITReviewable", hit, when=a.submit_at)

    def apply_auto_approvals(self) -> None:
        """Approve what is past its AutoApprovalTime (MTurk does this on its own)."""
        if self._accepted:
            self.apply_submissions()
        now = self.clock.now()
        for a in self.assignments.values():
            if a.status == "Submitted" and a.auto_approval_time <= now:
                a.status = "Approved"
                a.approval_time = a.auto_approval_time

    def assignment(self, assignment_id: str) -> Assignment:
        self.apply_auto_approvals()
        try:
            return self.assignments[assignment_id]
        except KeyError:
            raise err.does_not_exist("Assignment", assignment_id,
                                     "AWS.MechanicalTurk.AssignmentDoesNotExist",
                                     self._mark()) from None

    @staticmethod
    def describe_assignment(a: Assignment) -> dict:
        return {
            "AssignmentId": a.id,
            "WorkerId": a.worker_id,
            "HITId": a.hit_id,
            "AssignmentStatus": a.status,
            "AutoApprovalTime": a.auto_approval_time,
            "AcceptTime": a.accept_time,
            "SubmitTime": a.submit_time,
            "ApprovalTime": a.approval_time,
            "RejectionTime": a.rejection_time,
            "Deadline": a.deadline,
            "Answer": a.answer,
            "RequesterFeedback": a.feedback,
        }

    def list_assignments_for_hit(self, HITId: str, AssignmentStatuses: list[str] | None = None):
        hit = self.hit(HITId)
        wanted = set(AssignmentStatuses or ASSIGNED_STATES)
        return [a for a in self._assignments_of(hit) if a.status in wanted]

    def _cost_of(self, a: Assignment) -> Decimal:
        hit = self.hits[a.hit_id]
        masters = any(r["QualificationTypeId"] in fees.MASTERS_IDS
                      for r in hit.hit_type.qualification_requirements)
        return fees.hit_cost(hit.hit_type.reward, 1, hit.max_assignments, masters)

    def approve_assignment(self, AssignmentId: str, RequesterFeedback: str | None = None,
                           OverrideRejection: bool | None = None) -> None:
        a = self.assignment(AssignmentId)
        self._not_yet_submitted(a)
        allowed = ("Submitted", "Rejected") if OverrideRejection else ("Submitted",)
        if a.status not in allowed:
            raise self._bad(
                f"This operation can be called with a status of: {', '.join(allowed)}",
                "AWS.MechanicalTurk.InvalidAssignmentState",
            )
        self._feedback(RequesterFeedback)
        if a.status == "Rejected":
            self._charge(self._cost_of(a))  # the money was returned at rejection
            a.rejection_time = None
        a.status = "Approved"
        a.approval_time = self.clock.now()
        a.feedback = RequesterFeedback
        self._event("AssignmentApproved", self.hits[a.hit_id], a)

    def _not_yet_submitted(self, a: Assignment) -> None:
        """Approving or rejecting an assignment still being worked on: "…status of: null"
        (a public script that approved too early)."""
        if a.status == "Accepted":
            raise self._bad("This operation can be called with a status of: null",
                            "AWS.MechanicalTurk.InvalidAssignmentState")

    def get_assignment(self, assignment_id: str) -> Assignment:
        """GetAssignment: one accepted, not submitted, is refused with "…status of:
        Reviewable,Approved,Rejected" (ParlAI's get_agent_work_status)."""
        a = self.assignment(assignment_id)
        if a.status == "Accepted":
            raise self._bad("This operation can be called with a status of: "
                            "Reviewable,Approved,Rejected",
                            "AWS.MechanicalTurk.InvalidAssignmentState")
        return a

    def _feedback(self, text: str | None) -> None:
        if text is not None and len(text) > 1024:
            raise self._bad("RequesterFeedback must be at most 1024 characters long.")

    def reject_assignment(self, AssignmentId: str, RequesterFeedback: str) -> None:
        a = self.assignment(AssignmentId)
        self._not_yet_submitted(a)
        if a.status != "Submitted":
            raise self._bad("This operation can be called with a status of: Submitted",
                            "AWS.MechanicalTurk.InvalidAssignmentState")
        if not RequesterFeedback.strip():
            raise self._bad("RequesterFeedback is required to reject an assignment.")
        self._feedback(RequesterFeedback)
        a.status = "Rejected"
        a.rejection_time = self.clock.now()
        a.feedback = RequesterFeedback
        self._refund(self._cost_of(a))  # a rejected worker is not paid
        self._event("AssignmentRejected", self.hits[a.hit_id], a)

    def get_file_upload_url(self, AssignmentId: str, QuestionIdentifier: str) -> str:
        a = self.assignment(AssignmentId)
        parsed = self.hits[a.hit_id].parsed
        names = {f.name for f in parsed.fields if f.kind == "file"} if parsed else set()
        if QuestionIdentifier not in names:
            raise self._bad(
                f"Assignment {AssignmentId} has no file-upload answer for question "
                f"{QuestionIdentifier!r}.",
                "AWS.MechanicalTurk.FileUploadAnswerDoesNotExist",
            )
        expires = int(self.clock.now().timestamp()) + 60  # the URL is valid for 60 seconds
        return (f"https://mturk-sim-uploads.s3.amazonaws.com/{AssignmentId}/{QuestionIdentifier}"
                f"?Expires={expires}&Signature={self._id(28)}")

    # --- bonuses ---------------------------------------------------------------------

    def send_bonus(self, WorkerId: str, BonusAmount: str, AssignmentId: str, Reason: str,
                   UniqueRequestToken: str | None = None) -> None:
        amount = self._money(BonusAmount, "BonusAmount")
        if amount <= 0:
            raise self._not_valid(BonusAmount, "BonusAmount")
        if not Reason.strip():
            raise self._not_valid(Reason, "Reason")
        self._known_worker(WorkerId)  # boto3 #2355: another environment's assignment and worker
        a = self.assignment(AssignmentId)
        if a.worker_id != WorkerId:
            raise self._not_valid(WorkerId, "WorkerId")
        self._check_token("SendBonus", UniqueRequestToken, "")
        self._charge(fees.bonus_cost(amount))
        self.bonuses.append({
            "WorkerId": WorkerId, "BonusAmount": fees.money(amount), "AssignmentId": AssignmentId,
            "Reason": Reason, "GrantTime": self.clock.now(), "_hit": a.hit_id,
        })
        self._remember_token("SendBonus", UniqueRequestToken, f"bonus for {AssignmentId}")

    def list_bonus_payments(self, HITId: str | None = None, AssignmentId: str | None = None):
        if (HITId is None) == (AssignmentId is None):
            raise self._bad("Give exactly one of HITId and AssignmentId.")
        if HITId is not None:
            self.hit(HITId)
            return [b for b in self.bonuses if b["_hit"] == HITId]
        self.assignment(AssignmentId)
        return [b for b in self.bonuses if b["AssignmentId"] == AssignmentId]

    # --- qualifications ----------------------------------------------------------------

    def _system_types(self) -> dict[str, QualificationType]:
        return _system_types(self.environment, dt.datetime(2017, 1, 17, tzinfo=dt.UTC))

    def _qualification_type(self, type_id: str, must_exist: bool = True, owned: bool = False):
        found = self.qualification_types.get(type_id)
        if found is None and not owned:
            found = self._system_types().get(type_id)
        if found is None and must_exist:
            raise err.does_not_exist("QualificationType", type_id,
                                     "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
                                     self._mark())
        return found

    def create_qualification_type(self, Name: str, Description: str, QualificationTypeStatus: str,
                                  Keywords: str | None = None, RetryDelayInSeconds: int | None = None,
                                  Test: str | None = None, AnswerKey: str | None = None,
                                  TestDurationInSeconds: int | None = None,
                                  AutoGranted: bool | None = None,
                                  AutoGrantedValue: int | None = None) -> QualificationType:
        if any(q.name == Name for q in self.qualification_types.values()):
            raise self._bad(  # verbatim, Dallinger #3331 (production) and #8399 (sandbox)
                "You have already created a QualificationType with this name. A "
                "QualificationType's name must be unique among all of the QualificationTypes "
                "created by the same user.",
                "AWS.MechanicalTurk.QualificationTypeAlreadyExists",
            )
        self._check_test(Test)
        if Test is not None and TestDurationInSeconds is None:
            raise self._bad("TestDurationInSeconds is required when a Test is given.")
        if Test is not None and AutoGranted:
            raise self._bad("A QualificationType cannot have both a Test and AutoGranted.")
        q = QualificationType(self._id(), self.clock.now(), Name, Description, Keywords,
                              QualificationTypeStatus, Test, TestDurationInSeconds, AnswerKey,
                              RetryDelayInSeconds, bool(AutoGranted),
                              (1 if AutoGrantedValue is None else AutoGrantedValue)
                              if AutoGranted else None)
        self.qualification_types[q.id] = q
        return q

    def _check_test(self, test: str | None) -> None:
        """A qualification Test must be a QuestionForm (boto3 #2108: ParameterValidationError
        for the parameter Test, the XML echoed)."""
        if test is None:
            return
        try:
            parsed = _parsed_question(test)
        except QuestionError:
            parsed = None
        if parsed is None or parsed.kind != "QuestionForm":
            raise self._not_valid(test, "Test")

    def update_qualification_type(self, QualificationTypeId: str, **changes) -> QualificationType:
        q = self._owned_type(QualificationTypeId)
        self._check_test(changes.get("Test"))
        names = {"Description": "description", "QualificationTypeStatus": "status", "Test": "test",
                 "AnswerKey": "answer_key", "TestDurationInSeconds": "test_duration",
                 "RetryDelayInSeconds": "retry_delay", "AutoGranted": "auto_granted",
                 "AutoGrantedValue": "auto_granted_value"}
        for key, value in changes.items():
            if value is not None:
                setattr(q, names[key], value)
        if q.auto_granted and q.auto_granted_value is None:
            q.auto_granted_value = 1
        return q

    def _owned_type(self, type_id: str) -> QualificationType:
        q = self._qualification_type(type_id, owned=False)
        if q.system:
            raise self._bad(f"QualificationType {type_id} is a system type; you do not own it.",
                            "AWS.MechanicalTurk.PermissionDenied")
        return q

    def delete_qualification_type(self, QualificationTypeId: str) -> None:
        self._owned_type(QualificationTypeId)
        del self.qualification_types[QualificationTypeId]
        for key in [k for k in self.qualifications if k[0] == QualificationTypeId]:
            del self.qualifications[key]

    def list_qualification_types(self, MustBeRequestable: bool, Query: str | None = None,
                                 MustBeOwnedByCaller: bool | None = None):
        types = list(self.qualification_types.values())
        if not MustBeOwnedByCaller:
            types = list(self._system_types().values()) + types
        if MustBeRequestable:
            types = [q for q in types if q.is_requestable]
        if Query:
            needle = Query.lower()
            types = [q for q in types if needle in q.name.lower()
                     or needle in q.description.lower() or needle in (q.keywords or "").lower()]
        return types

    def associate_qualification_with_worker(self, QualificationTypeId: str, WorkerId: str,
                                            IntegerValue: int | None = None,
                                            SendNotification: bool | None = None) -> None:
        self._owned_type(QualificationTypeId)
        self.qualifications[(QualificationTypeId, WorkerId)] = Qualification(
            QualificationTypeId, WorkerId, self.clock.now(),
            1 if IntegerValue is None else IntegerValue)

    def disassociate_qualification_from_worker(self, WorkerId: str, QualificationTypeId: str,
                                               Reason: str | None = None) -> None:
        self._owned_type(QualificationTypeId)
        q = self.qualifications.get((QualificationTypeId, WorkerId))
        if q is None or q.status != "Granted":
            raise self._bad(
                f"Worker {WorkerId} does not have QualificationType {QualificationTypeId}.",
                "AWS.MechanicalTurk.QualificationDoesNotExist",
            )
        q.status = "Revoked"

    def get_qualification_score(self, QualificationTypeId: str, WorkerId: str) -> Qualification:
        """As Dallinger met it: a missing type or a worker without the qualification gives
        "You requested a Qualification that does not exist." (#3331, live test 2018); a
        revoked one "…status of: Granted" (Dallinger's code and live test); a system type
        is not the caller's to query (AWS API docs; legacy boto #3171 saw
        QualificationDoesNotExist for Locale)."""
        q_type = self._qualification_type(QualificationTypeId, must_exist=False)
        if q_type is not None and q_type.system:
            raise self._bad("Only the owner of a Qualification type can query the value of a "
                            "Worker's Qualification of that type.",
                            "AWS.MechanicalTurk.QualificationDoesNotExist")
        q = self.qualifications.get((QualificationTypeId, WorkerId))
        if q_type is None or q is None:
            raise self._bad("You requested a Qualification that does not exist.",
                            "AWS.MechanicalTurk.QualificationDoesNotExist")
        if q.status != "Granted":
            raise self._bad("This operation can be called with a status of: Granted",
                            "AWS.MechanicalTurk.InvalidQualificationState")  # code unverified
        return q

    def list_workers_with_qualification_type(self, QualificationTypeId: str,
                                             Status: str | None = None):
        self._qualification_type(QualificationTypeId)
        wanted = Status or "Granted"
        return [q for (t, _), q in self.qualifications.items()
                if t == QualificationTypeId and q.status == wanted]

    def list_hits_for_qualification_type(self, QualificationTypeId: str) -> list[HIT]:
        self._qualification_type(QualificationTypeId)
        return [h for h in self.listed_hits()
                if any(r["QualificationTypeId"] == QualificationTypeId
                       for r in h.hit_type.qualification_requirements)]

    def request_qualification(self, type_id: str, worker_id: str, answer_text: str | None) -> str:
        q = self._owned_type(type_id)
        if not q.is_requestable:
            raise ValueError(f"qualification type {type_id} is not requestable")
        if q.auto_granted:  # granted on the spot, no request to review
            self.qualifications[(type_id, worker_id)] = Qualification(
                type_id, worker_id, self.clock.now(), q.auto_granted_value)
            return ""
        request_id = self._id()
        self.qualification_requests[request_id] = {
            "QualificationRequestId": request_id, "QualificationTypeId": type_id,
            "WorkerId": worker_id, "Test": q.test, "Answer": answer_text,
            "SubmitTime": self.clock.now(),
        }
        return request_id

    def list_qualification_requests(self, QualificationTypeId: str | None = None):
        if QualificationTypeId is not None:
            self._qualification_type(QualificationTypeId)
        return [r for r in self.qualification_requests.values()
                if QualificationTypeId in (None, r["QualificationTypeId"])]

    def _qualification_request(self, request_id: str) -> dict:
        try:
            return self.qualification_requests[request_id]
        except KeyError:
            raise err.does_not_exist("QualificationRequest", request_id,
                                     "AWS.MechanicalTurk.QualificationRequestDoesNotExist",
                                     self._mark()) from None

    def accept_qualification_request(self, QualificationRequestId: str,
                                     IntegerValue: int | None = None) -> None:
        request = self._qualification_request(QualificationRequestId)
        del self.qualification_requests[QualificationRequestId]
        self.qualifications[(request["QualificationTypeId"], request["WorkerId"])] = Qualification(
            request["QualificationTypeId"], request["WorkerId"], self.clock.now(),
            1 if IntegerValue is None else IntegerValue)

    def reject_qualification_request(self, QualificationRequestId: str,
                                     Reason: str | None = None) -> None:
        self._qualification_request(QualificationRequestId)
        del self.qualification_requests[QualificationRequestId]

    # --- workers: blocks and messages ------------------------------------------------

    def _known_worker(self, worker_id: str) -> None:
        """A worker id this environment does not know (one of the other environment, or
        none at all) is refused (aws-sdk-java #2055: a production worker in the sandbox)."""
        if self.world.worker(worker_id, self.environment) is None:
            raise self._not_valid(worker_id, "WorkerId")

    def create_worker_block(self, WorkerId: str, Reason: str) -> None:
        self._known_worker(WorkerId)
        if not Reason.strip():
            raise self._not_valid(Reason, "Reason")
        self.worker_blocks[WorkerId] = Reason

    def delete_worker_block(self, WorkerId: str, Reason: str | None = None) -> None:
        self.worker_blocks.pop(WorkerId, None)  # MTurk does not complain about an unknown block

    def notify_workers(self, Subject: str, MessageText: str, WorkerIds: list[str]) -> list[dict]:
        if not 1 <= len(WorkerIds) <= 100:
            raise self._bad(f"WorkerIds must name 1 to 100 workers, not {len(WorkerIds)}.")
        if not Subject.strip() or len(Subject) > 200:
            raise self._bad("Subject must be 1 to 200 characters long.")
        if not MessageText.strip() or len(MessageText) > 4096:
            raise self._bad("MessageText must be 1 to 4096 characters long.")
        worked_for_us = {a.worker_id for a in self.assignments.values()}
        failures = []
        for worker in WorkerIds:
            if worker not in worked_for_us:
                failures.append({
                    "NotifyWorkersFailureCode": "HardFailure",
                    "NotifyWorkersFailureMessage": f"Cannot notify worker {worker}: the worker "
                    "has not worked for you.",
                    "WorkerId": worker,
                })
            else:
                self.notified_workers.append(
                    {"WorkerId": worker, "Subject": Subject, "MessageText": MessageText})
        return failures

    # --- notifications and review policies -------------------------------------------

    def _check_notification(self, spec: dict) -> None:
        destination, transport = spec["Destination"], spec["Transport"]
        ok = {
            "SQS": destination.startswith("https://sqs.") and ".amazonaws.com/" in destination,
            "SNS": destination.startswith("arn:aws:sns:"),
            "Email": "@" in destination and " " not in destination,
        }[transport]
        if not ok:
            raise self._bad(f"The {transport} destination {destination!r} is not valid.",
                            "AWS.MechanicalTurk.InvalidNotificationDestination")
        if spec["Version"] not in NOTIFICATION_VERSIONS:
            raise self._not_valid(spec["Version"], "Version")

    def update_notification_settings(self, HITTypeId: str, Notification: dict | None = None,
                                     Active: bool | None = None) -> None:
        hit_type = self._hit_type(HITTypeId)
        if Notification is not None:
            self._check_notification(Notification)
            hit_type.notification = Notification
            hit_type.notification_active = True if Active is None else Active
        elif Active is not None:
            if hit_type.notification is None:
                raise self._bad(f"HIT type {HITTypeId} has no notification to turn on or off.")
            hit_type.notification_active = Active

    def send_test_event_notification(self, TestEventType: str,
                                     Notification: dict | None = None) -> None:
        if Notification is None:
            raise self._bad("Notification is required to send a test event.")
        self._check_notification(Notification)
        self.notifications_sent.append({"EventType": TestEventType, "Test": True,
                                        "Destination": Notification["Destination"],
                                        "EventTimestamp": self.clock.now()})

    def _event(self, event_type: str, hit: HIT, a: Assignment | None = None,
               when: dt.datetime | None = None) -> None:
        spec = hit.hit_type.notification
        if spec and hit.hit_type.notification_active and event_type in spec.get("EventTypes", []):
            self.notifications_sent.append({
                "EventType": event_type, "Test": False, "Destination": spec["Destination"],
                "HITId": hit.id, "AssignmentId": a.id if a else None,
                "EventTimestamp": when or self.clock.now(),
            })

    def list_review_policy_results_for_hit(self, HITId: str, PolicyLevels=None,
                                           RetrieveActions=None, RetrieveResults=None) -> dict:
        hit = self.hit(HITId)
        levels = set(PolicyLevels or ("Assignment", "HIT"))
        result = {"HITId": hit.id}
        if "Assignment" in levels and hit.assignment_review_policy:
            result["AssignmentReviewPolicy"] = hit.assignment_review_policy
            result["AssignmentReviewReport"] = self._review_report(hit, RetrieveActions,
                                                                   RetrieveResults)
        if "HIT" in levels and hit.hit_review_policy:
            result["HITReviewPolicy"] = hit.hit_review_policy
            result["HITReviewReport"] = {"ReviewResults": [], "ReviewActions": []}
        return result

    def _review_report(self, hit: HIT, actions: bool | None, results: bool | None) -> dict:
        """One result per submitted assignment; the simulator reviews nothing by itself."""
        report: dict = {"ReviewResults": [], "ReviewActions": []}
        for a in self._assignments_of(hit):
            if results:
                report["ReviewResults"].append({
                    "ActionId": a.id[:20], "SubjectId": a.id, "SubjectType": "Assignment",
                    "Key": "Submitted", "Value": a.status})
            if actions:
                report["ReviewActions"].append({
                    "ActionId": a.id[:20], "ActionName": "Review", "TargetId": a.id,
                    "TargetType": "Assignment", "Status": "Intended"})
        return report

    # --- simulated workers -----------------------------------------------------------

    def eligible(self, worker: Worker, hit: HIT) -> bool:
        if worker.worker_id in self.worker_blocks or worker.worker_id in hit.worker_ids:
            return False
        return all(self._meets(worker, r) for r in hit.hit_type.qualification_requirements)

    def _meets(self, worker: Worker, req: dict) -> bool:
        type_id, comparator = req["QualificationTypeId"], req["Comparator"]
        q_type = self._qualification_type(type_id, must_exist=False)
        if q_type is not None and q_type.system:
            has, value, locale = worker.system_value(type_id, self.environment)
        else:
            granted = self.qualifications.get((type_id, worker.worker_id))
            if (granted is None or granted.status != "Granted") and q_type and q_type.auto_granted:
                granted = Qualification(type_id, worker.worker_id, self.clock.now(),
                                        q_type.auto_granted_value)
                self.qualifications[(type_id, worker.worker_id)] = granted
            has = granted is not None and granted.status == "Granted"
            value, locale = (granted.integer_value, granted.locale) if has else (None, None)
        if comparator == "Exists":
            return has
        if comparator == "DoesNotExist":
            return not has
        if not has:
            return False
        if req.get("LocaleValues"):
            matches = [
                loc["Country"] == (locale or {}).get("Country")
                and loc.get("Subdivision") in (None, (locale or {}).get("Subdivision"))
                for loc in req["LocaleValues"]
            ]
            return any(matches) if comparator in ("EqualTo", "In") else not any(matches)
        values = req.get("IntegerValues") or []
        if value is None or not values:
            return False
        first = values[0]
        return {
            "LessThan": value < first,
            "LessThanOrEqualTo": value <= first,
            "GreaterThan": value > first,
            "GreaterThanOrEqualTo": value >= first,
            "EqualTo": value == first,
            "NotEqualTo": value != first,
            "In": value in values,
            "NotIn": value not in values,
        }[comparator]

    def workers_accept(self, hit_id: str, count: int | None = None,
                       submit_after: float | None = None) -> list[str]:
        """Eligible simulated workers accept assignments and submit them later: after
        ``submit_after`` seconds of the world's clock, or (None) after a time drawn for each
        from (seed, assignment id), within the assignment duration. Returns the ids."""
        hit = self.hit(hit_id, include_disposed=False)
        duration = hit.hit_type.assignment_duration
        if submit_after is not None and (isinstance(submit_after, bool)
                                         or not 0 <= submit_after <= duration):
            raise ValueError(f"submit_after must be between 0 and the assignment duration "
                             f"({duration} s), not {submit_after!r}")
        if hit.reviewing:
            return []
        _, available, _ = self.counts(hit)
        wanted = available if count is None else min(count, available)
        pool = list(self.world.pool(self.environment))
        self._rng.shuffle(pool)
        made = []
        for worker in pool:
            if len(made) >= wanted:
                break
            if self.eligible(worker, hit):
                made.append(self._accept(hit, worker, submit_after))
        return made

    def _accept(self, hit: HIT, worker: Worker, submit_after: float | None) -> str:
        now = self.clock.now()
        fields = hit.parsed.fields if hit.parsed else []
        selections = bool(hit.parsed and hit.parsed.kind == "QuestionForm")
        duration = hit.hit_type.assignment_duration
        a = Assignment(
            id=self._id(), worker_id=worker.worker_id, hit_id=hit.id, status="Accepted",
            accept_time=now, submit_time=None, auto_approval_time=None,
            deadline=now + dt.timedelta(seconds=duration),
            answer=answer(fields, self._rng, selections))
        if submit_after is None:
            submit_after = random.Random(f"{self.world.seed}-{a.id}-submit").randint(
                min(30, duration), duration)
        a.submit_at = now + dt.timedelta(seconds=submit_after)
        self.assignments[a.id] = a
        self._accepted.append(a.id)
        hit.assignment_ids.append(a.id)
        hit.worker_ids.add(worker.worker_id)
        self._event("AssignmentAccepted", hit, a)
        return a.id

    def workers_submit(self, hit_id: str, count: int | None = None) -> list[str]:
        """Eligible simulated workers accept and submit; returns the new assignment ids."""
        hit = self.hit(hit_id, include_disposed=False)
        if hit.reviewing:
            return []
        _, available, _ = self.counts(hit)
        wanted = available if count is None else min(count, available)
        made = []
        pool = list(self.world.pool(self.environment))
        self._rng.shuffle(pool)
        for worker in pool:
            if len(made) >= wanted:
                break
            if not self.eligible(worker, hit):
                continue
            made.append(self._submit(hit, worker))
        return made

    def _submit(self, hit: HIT, worker: Worker) -> str:
        now = self.clock.now()
        fields = hit.parsed.fields if hit.parsed else []
        selections = bool(hit.parsed and hit.parsed.kind == "QuestionForm")
        a = Assignment(
            id=self._id(),
            worker_id=worker.worker_id,
            hit_id=hit.id,
            status="Submitted",
            accept_time=now,
            submit_time=now,
            auto_approval_time=now + dt.timedelta(seconds=hit.hit_type.auto_approval_delay),
            deadline=now + dt.timedelta(seconds=hit.hit_type.assignment_duration),
            answer=answer(fields, self._rng, selections),
        )
        self.assignments[a.id] = a
        hit.assignment_ids.append(a.id)
        hit.worker_ids.add(worker.worker_id)
        self._event("AssignmentSubmitted", hit, a)
        if self.status(hit) == "Reviewable":
            self._event("HITReviewable", hit)
        return a.id

    # --- a person on the worker site --------------------------------------------------

    def held_by(self, worker_id: str, hit: HIT) -> Assignment | None:
        """The assignment ``worker_id`` has (or had) on ``hit``: accepted, submitted, reviewed."""
        if self._held:
            self.release_overdue()
        for a in self._assignments_of(hit):
            if a.worker_id == worker_id:
                return a
        return None

    def accept_as(self, worker: Worker, hit_id: str) -> Assignment:
        """A person accepts an assignment of a HIT, as on MTurk's worker site: it counts
        against MaxAssignments like any other and stays Accepted (pending) until they submit
        it, return it, or its time (AssignmentDurationInSeconds) runs out."""
        hit = self.worker_hit(hit_id)
        mine = self.held_by(worker.worker_id, hit)
        if mine is not None:
            raise err.WorkerRefusal("You already submitted this HIT." if mine.status != "Accepted"
                                else "You already accepted this HIT: answer it and submit.")
        if worker.worker_id in self.worker_blocks:
            raise err.WorkerRefusal("The requester has blocked you: you cannot work on their HITs.",
                                403)
        if not all(self._meets(worker, r) for r in hit.hit_type.qualification_requirements):
            raise err.WorkerRefusal("You do not have the qualifications this HIT requires.", 403)
        _, available, _ = self.counts(hit)
        if available < 1:
            raise err.WorkerRefusal(f"This HIT has no assignments left: all {hit.max_assignments} "
                                "are taken by workers who accepted or submitted it.")
        now = self.clock.now()
        a = Assignment(id=self._id(), worker_id=worker.worker_id, hit_id=hit.id,
                       status="Accepted", accept_time=now, submit_time=None,
                       auto_approval_time=None, answer="",
                       deadline=now + dt.timedelta(seconds=hit.hit_type.assignment_duration))
        self.assignments[a.id] = a
        self._held.append(a.id)
        hit.assignment_ids.append(a.id)
        hit.worker_ids.add(worker.worker_id)
        self._event("AssignmentAccepted", hit, a)
        return a

    def worker_hit(self, hit_id: str) -> HIT:
        """A HIT a worker can still take, or the refusal the worker site shows."""
        hit = self.hits.get(hit_id)
        if hit is None or hit.disposed:
            raise err.WorkerRefusal(f"There is no HIT {hit_id} in this {self.environment}: it was "
                                "deleted (clean-up deletes the kit's HITs), or it belongs to "
                                "the other environment.", 404)
        if self.expired(hit) or hit.reviewing:
            raise err.WorkerRefusal("This HIT is no longer available: it expired on "
                                f"{hit.expiration:%Y-%m-%d at %H:%M} UTC.", 410)
        return hit

    def held(self, worker_id: str, assignment_id: str) -> Assignment:
        """``worker_id``'s own assignment ``assignment_id``, or the refusal the site shows."""
        if self._held:
            self.release_overdue()
        if assignment_id in self._released:
            raise err.WorkerRefusal(self._released[assignment_id], 410)
        a = self.assignments.get(assignment_id)
        if a is None:
            raise err.WorkerRefusal(f"There is no assignment {assignment_id} in this "
                                f"{self.environment}.", 404)
        if a.worker_id != worker_id:
            raise err.WorkerRefusal(f"Assignment {assignment_id} is another worker's.", 403)
        return a

    def submit_as(self, worker_id: str, assignment_id: str,
                  fields: list[tuple[str, str]]) -> Assignment:
        """The person's form reached externalSubmit: every field but ``assignmentId`` becomes
        a FreeText answer named after it (an HTML form's answers, botocore #1167); a name
        sent more than once has its values joined with ``|`` (unverified)."""
        a = self.held(worker_id, assignment_id)
        if a.status != "Accepted":
            raise err.WorkerRefusal(f"You already submitted this HIT (its answer is {a.status}).")
        values: dict[str, list[str]] = {}
        for name, value in fields:
            if name != "assignmentId":
                values.setdefault(name, []).append(value)
        hit, now = self.hits[a.hit_id], self.clock.now()
        a.answer = answers_xml([(name, "|".join(v), False) for name, v in values.items()])
        a.status, a.submit_time = "Submitted", now
        a.auto_approval_time = now + dt.timedelta(seconds=hit.hit_type.auto_approval_delay)
        self._held.remove(a.id)
        self._event("AssignmentSubmitted", hit, a)
        if self.status(hit) == "Reviewable":
            self._event("HITReviewable", hit)
        return a

    def return_as(self, worker_id: str, assignment_id: str) -> Assignment:
        """The person gives an accepted assignment back: the HIT has it available again."""
        a = self.held(worker_id, assignment_id)
        if a.status != "Accepted":
            raise err.WorkerRefusal(f"You already submitted this HIT (its answer is {a.status}): "
                                "it cannot be returned.")
        self._release(a, "You returned this HIT: its assignment went back to the HIT.")
        self._event("AssignmentReturned", self.hits[a.hit_id], a)
        return a

    def release_overdue(self) -> None:
        """A held assignment whose time ran out goes back to the HIT, as MTurk does with an
        abandoned one (never listed; decided by the clock alone, so a replay agrees)."""
        now = self.clock.now()
        for assignment_id in list(self._held):
            a = self.assignments[assignment_id]
            if a.deadline <= now:
                self._release(a, f"Your time for this HIT ran out at {a.deadline:%H:%M} UTC: "
                                 "MTurk gave its assignment back to the HIT.")
                self._event("AssignmentAbandoned", self.hits[a.hit_id], a, when=a.deadline)

    def _release(self, a: Assignment, why: str) -> None:
        hit = self.hits[a.hit_id]
        self._held.remove(a.id)
        del self.assignments[a.id]
        hit.assignment_ids.remove(a.id)
        hit.worker_ids.discard(a.worker_id)
        self._released[a.id] = why


def _java_date(when: dt.datetime) -> str:
    """A time as Java's Date.toString() writes it in UTC: ``Wed Jul 14 20:26:06 UTC 2021``
    (the form of MTurk's implicit UpdateExpirationForHIT token, Dallinger #3109)."""
    return when.astimezone(dt.UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


class World:
    """Everything the simulator knows: accounts, backends, the clock, the worker pool."""

    def __init__(self, seed: int = 0, clock: Clock | None = None):
        self.seed = seed
        self.clock = clock or Clock()
        self.lock = threading.RLock()  # the HTTP server answers from several threads
        self.accounts: dict[str, Account] = {}
        self.backends: dict[tuple[str, str], MTurkBackend] = {}
        self.workers = make_pool(seed)  # the sandbox's (the name older code knows)
        self.production_workers = make_pool(seed, environment="production")
        # The person at the keyboard, one worker per environment (the worker site's "you").
        self.learners = {env: learner(seed, env) for env in ("sandbox", "production")}
        self._workers_by_id = {w.worker_id: w for w in [*self.workers, *self.production_workers,
                                                         *self.learners.values()]}
        self.realism = Realism()
        self.propagation_delay = 0.0

    def account(self, account_id: str) -> Account:
        if account_id not in self.accounts:
            self.accounts[account_id] = Account()
        return self.accounts[account_id]

    def backend(self, account_id: str, environment: str) -> MTurkBackend:
        key = (account_id, environment)
        backend = self.backends.get(key)
        if backend is None:
            backend = self.backends[key] = MTurkBackend(account_id, environment, self)
        return backend

    def worker(self, worker_id: str, environment: str | None = None) -> Worker | None:
        worker = self._workers_by_id.get(worker_id)
        if worker is None or environment not in (None, worker.environment):
            return None
        return worker

    def pool(self, environment: str) -> list[Worker]:
        """The simulated workers of one environment (sandbox and production workers are
        different people with different ids, as on MTurk)."""
        return self.workers if environment == "sandbox" else self.production_workers

    def check_account(self, account_id: str, environment: str) -> None:
        """The "must be linked" RequestError for an unlinked account or unregistered sandbox."""
        account = self.account(account_id)
        if environment == "sandbox":
            ready, since = account.sandbox_registered, account.registered_at
        else:
            ready, since = account.linked, account.linked_at
        if not ready or self.realism.still_linking(since, self.clock.now()):
            raise err.account_not_linked(DEVELOPER_PAGES[environment])
