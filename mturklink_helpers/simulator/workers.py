"""A seeded pool of simulated workers: who they are and how they answer."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from .questions import Field, answers_xml

# MTurk's system qualification types (ids as documented by AWS).
APPROVAL_RATE = "000000000000000000L0"
HITS_APPROVED = "00000000000000000040"
LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
MASTERS = {"sandbox": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", "production": "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"}

_COUNTRIES = ["US", "US", "US", "IN", "GB", "CA", "DE", "BR"]
_WORDS = (
    "clear quick careful honest simple yes no maybe blue green red small large fine good "
    "interesting confusing easy hard done thanks okay sure"
).split()


@dataclass
class Worker:
    worker_id: str
    approval_rate: int
    hits_approved: int
    country: str
    subdivision: str | None
    masters: bool
    adult: bool
    system_scores: dict[str, int] = field(default_factory=dict)
    environment: str = "sandbox"  # sandbox and production workers are different people

    def system_value(self, type_id: str, environment: str) -> tuple[bool, int | None, dict | None]:
        """(has it, integer value, locale) for a system qualification type."""
        if type_id == APPROVAL_RATE:
            return True, self.approval_rate, None
        if type_id == HITS_APPROVED:
            return True, self.hits_approved, None
        if type_id == LOCALE:
            locale = {"Country": self.country}
            if self.subdivision:
                locale["Subdivision"] = self.subdivision
            return True, None, locale
        if type_id == ADULT:
            return self.adult, 1 if self.adult else None, None
        if type_id == MASTERS[environment]:
            return self.masters, 1 if self.masters else None, None
        return False, None, None


def worker_id(rng: random.Random) -> str:
    return "A" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=13))


def learner(seed: int, environment: str = "sandbox") -> Worker:
    """The person at the keyboard as a worker of this world (the worker site's "you"): one
    id per world and environment, drawn from its seed, so it survives a restart."""
    rng = random.Random(f"learner-{seed}-{environment}")
    return Worker(worker_id=worker_id(rng), approval_rate=100, hits_approved=0, country="US",
                  subdivision=None, masters=False, adult=True, environment=environment)


def make_pool(seed: int, size: int = 60, environment: str = "sandbox") -> list[Worker]:
    rng = random.Random(f"workers-{seed}" if environment == "sandbox"
                        else f"workers-{seed}-{environment}")
    pool = []
    for _ in range(size):
        country = rng.choice(_COUNTRIES)
        pool.append(
            Worker(
                worker_id=worker_id(rng),
                approval_rate=rng.choice([100, 99, 98, 97, 95, 92, 88, 80]),
                hits_approved=rng.choice([0, 12, 150, 1000, 5000, 25000]),
                country=country,
                subdivision=rng.choice(["CA", "NY", "TX", "WA"]) if country == "US" else None,
                masters=rng.random() < 0.15,
                adult=rng.random() < 0.9,
                environment=environment,
            )
        )
    return pool


def answer(fields: list[Field], rng: random.Random, selections: bool = False) -> str:
    """QuestionFormAnswers XML that fits the question's fields.

    A QuestionForm's choices come back as SelectionIdentifier (``selections``); an HTML
    form posts every input as text, so MTurk reports them all as FreeText.
    """
    answers = []
    for f in fields:
        if f.kind == "choice" and f.options:
            answers.append((f.name, rng.choice(f.options), selections))
        elif f.kind == "number":
            answers.append((f.name, str(rng.randint(0, 100)), False))
        elif f.kind == "file":
            answers.append((f.name, f"upload-{rng.randint(1000, 9999)}.txt", False))
        else:
            answers.append((f.name, " ".join(rng.choices(_WORDS, k=rng.randint(1, 6))), False))
    return answers_xml(answers)
