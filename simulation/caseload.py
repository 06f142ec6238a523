"""A synthetic council caseload: seeded, reproducible, lazy, sized by one number.

``generate_caseload(size, seed)`` yields one ``CaseScript`` per case: the case id, the named
profile it was drawn from, and the ordered commands of that case, built with ``Scenario`` so
every field has the same shape the domain tests use. Each script is *valid*: handled in order by
``CaseRecord.handle`` it is never refused. Effective dates run forward from a referral date drawn
over ``years`` from ``start``; whatever would happen after the end of that period is cut off, so
a script is a prefix of a longer story and the caseload holds open cases at every stage.

The mix (module constants below; the unit tests hold the generator to them):

* Carers: ``ONE_CARER_SHARE`` of adults have one carer, ``TWO_CARER_SHARE`` two (issue 5).
  Each carer accepts the offered assessment, or declines it (``CARER_DECLINES_SHARE``); a
  declining carer may ask later (``DECLINED_CARER_LATER_ASKS_SHARE``), which reopens the
  carer's assessment while the adult is in service. An assessed carer is eligible unless
  drawn in ``CARER_NOT_ELIGIBLE_SHARE``.
  Every carer has a council person id (decision 0031); ``CARER_OF_TWO_ADULTS_SHARE`` of them are
  a carer already identified on an earlier case (a daughter caring for both parents), so the
  person index links one carer across two adults' cases.
* Profiles (one per case, named in ``PROFILES``):
    - ``signposted``: screened to information and advice only, the advice given recorded with
      the screening (``SIGNPOSTED_SHARE``);
    - ``carer_only``: the adult refuses assessment with no s.11(2) exception, the carer is
      assessed, eligible and gets a plan of their own (``CARER_ONLY_SHARE_OF_CASES_WITH_CARERS``
      of cases that have a carer);
    - ``not_eligible``: the adult's findings name one outcome only, so not eligible; no plan;
      closed as no longer eligible or with information and advice (``NOT_ELIGIBLE_SHARE`` of the rest);
    - ``supported``: the adult is eligible, budgeted, means-tested, planned and signed off. Home
      from hospital, half of them (by case id) have six weeks of free reablement first, ending
      with ongoing needs so the assessments open on the same case; the other half get urgent
      interim support while they are assessed.
* How a plan is held, by age band (``OLDER_PEOPLE_SHARE`` are 65 or over): fully
  council-managed for ``COUNCIL_MANAGED_SHARE`` of each band (85% older, 54% younger: the seed
  figures in the domain brief); otherwise a direct payment, or an individual service fund
  (``INDIVIDUAL_SERVICE_FUND_SHARE`` of the non-council-managed). Carers' plans are mostly a
  one-off annual direct payment (``CARER_ONE_OFF_PAYMENT_SHARE``, the Carers Trust 72%).
* Challenges to the amount after sign-off (``CHALLENGE_SHARE``), with an outcome each.
* Reviews: the light-touch first review 6-8 weeks after sign-off, a direct-payment review
  within 6 months, annual reviews after that; unplanned review requests at
  ``UNPLANNED_REVIEWS_PER_YEAR``; a review revises the plan in ``REVIEW_REVISES_SHARE``.
* Closures of cases in service at ``CLOSURES_PER_YEAR`` (exponential waiting time), by a team
  manager while payments run. Before that, ``ADULT_ENDING_SHARE`` of adults paid by direct
  payment die, move into residential care or move to another council (``ADULT_MOVES_SHARE_OF_ENDINGS``,
  s.37-38: notified, shared, assessed there, before the move or after it with the needs met until
  then): their involvement ends (the final payment, if one is due, paid by finance), the carers
  carry on, and the case closes some weeks later.
* Payments: each direct payment agreement records at most ``PAYMENTS_PER_AGREEMENT``
  scheduled-and-issued payments (so a million cases stay a benchmark, not a ledger), with the
  odd failure, suspension, monitoring return and recovery of unspent funds.

Left out on purpose: young carers, cap overrides, stage-overdue flags (they depend on the
clock the record runs under) and reassessment after review.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from api.examples import interim_line
from domain import commands as c
from domain.case.state import Agreement, PaymentSlot
from domain.commands import CouncilSettings
from domain.people import Actor, Role
from simulation.scenario import ADULT, MANAGER, PANEL, Scenario, plan_for

HEAD_OF_SERVICE = Actor(user_id="hos-priya", role=Role.HEAD_OF_SERVICE)


def plan_cost(plan: dict[str, Any]) -> int:
    from domain.planning import SupportPlan

    return SupportPlan.model_validate(plan).annual_cost_pence


def _advice_at_screening(day: date) -> dict[str, Any]:
    """The information and advice a signposted referral is given at screening."""
    return {
        "topics": ["universal_and_community_services", "prevention"],
        "format": "verbal_and_written",
        "given_on": day.isoformat(),
        "given_by": "front-door",
        "notes": "day centre and lunch club nearby; falls prevention classes",
    }


# The people's details for the returns, when they are recorded (``person_details``).
DETAIL_ETHNICITIES = (
    "white_british",
    "white_british",
    "white_british",
    "white_irish",
    "white_other",
    "mixed_white_and_asian",
    "asian_indian",
    "asian_pakistani",
    "black_caribbean",
    "black_african",
    "arab",
    "refused",
    "not_known",
)
DETAIL_ACCOMMODATION = (
    "owner_occupier",
    "owner_occupier",
    "social_tenant",
    "private_tenant",
    "with_family_or_friends",
    "sheltered_or_extra_care_housing",
    "supported_accommodation",
)

# Reablement after a hospital discharge: the six weeks that are free of charge.
REABLEMENT = timedelta(weeks=6)

# The mix -------------------------------------------------------------------------------------
ONE_CARER_SHARE = 0.30
TWO_CARER_SHARE = 0.10
OLDER_PEOPLE_SHARE = 0.62  # adults aged 65 or over
SIGNPOSTED_SHARE = 0.05
CARER_ONLY_SHARE_OF_CASES_WITH_CARERS = 0.12
NOT_ELIGIBLE_SHARE = 0.12  # of the cases neither signposted nor carer-only
CARER_DECLINES_SHARE = 0.25
DECLINED_CARER_LATER_ASKS_SHARE = 0.5
CARER_NOT_ELIGIBLE_SHARE = 0.10
CARER_OF_TWO_ADULTS_SHARE = 0.05  # carers already identified on an earlier case
CARER_POOL_SIZE = 50  # how many recent cases' carers a new case's carer may be
COMBINED_ASSESSMENT_SHARE = 0.05  # of cases with an accepting first carer
ADULT_LACKS_CAPACITY_SHARE = 0.08
ADULT_AUTHORISED_PERSON = "ap-1"  # the id of the authorised person of an adult who lacks capacity
COUNCIL_MANAGED_SHARE = {"older": 0.85, "younger": 0.54}
INDIVIDUAL_SERVICE_FUND_SHARE = 0.15  # of plans not fully council-managed
CARER_ONE_OFF_PAYMENT_SHARE = 0.72
SIGN_OFF_DEFERRED_SHARE = 0.05
SIGN_OFF_WITH_CHANGES_SHARE = 0.08
CHALLENGE_SHARE = 0.04
UNPLANNED_REVIEWS_PER_YEAR = 0.25
REVIEW_REVISES_SHARE = 0.15
CLOSURES_PER_YEAR = 0.18
PAYMENTS_PER_AGREEMENT = 6
PAYMENT_FAILURE_SHARE = 0.03
SUSPENSION_SHARE = 0.05  # of agreements
MONITORING_RETURN_SHARE = 0.5  # of adult agreements
RECOVERY_SHARE = 0.5  # of monitoring returns with an underspend
# Endings (issue 19): of adults whose direct payment has begun, this share die or move into
# residential care (``ADULT_DIES_SHARE_OF_ENDINGS`` of them die) before the case would otherwise
# close; their agreement is settled to the day, the carers' plans go on, and the case closes after.
ADULT_ENDING_SHARE = 0.3
ADULT_DIES_SHARE_OF_ENDINGS = 0.6
# Of those endings, this share are moves to another council (s.37-38) rather than into residential
# care: the move is notified five weeks ahead and the plan and budget shared; the receiving council
# assesses before the move, or (the second half of them) after it, a team manager having recorded
# that the council goes on meeting the needs until it does; then the adult's involvement ends.
ADULT_MOVES_SHARE_OF_ENDINGS = 0.1
RECEIVING_COUNCIL = "E09000001"

PROFILES = ("signposted", "carer_only", "not_eligible", "supported")

# Vocabulary to draw from ---------------------------------------------------------------------
TEAMS = (
    "north-locality",
    "east-locality",
    "south-locality",
    "west-locality",
    "learning-disability",
    "mental-health",
    "hospital-social-work",
)
ROUTES = (
    ("self", 12),
    ("family", 15),
    ("gp", 14),
    ("hospital_discharge", 25),
    ("reablement", 14),
    ("community", 12),
    ("other", 8),
)
REASONS = {
    "self": "asked for help with managing at home",
    "family": "family worried about coping at home",
    "gp": "GP concerned about falls and weight loss",
    "hospital_discharge": "discharge after a stay in hospital",
    "reablement": "needs continue after reablement",
    "community": "community nurse raised concerns",
    "other": "contact from the housing officer",
}
SUPPORT_REASONS = {
    "older": (
        ("physical_support", 55),
        ("support_with_memory_and_cognition", 20),
        ("sensory_support", 8),
        ("mental_health_support", 7),
        ("social_support", 10),
    ),
    "younger": (
        ("learning_disability_support", 35),
        ("physical_support", 25),
        ("mental_health_support", 25),
        ("sensory_support", 5),
        ("social_support", 10),
    ),
}
FIRST_NAMES = (
    "Margaret",
    "Daniel",
    "Aisha",
    "John",
    "Priya",
    "Tomasz",
    "Grace",
    "Mohammed",
    "Sian",
    "Peter",
    "Olu",
    "Fatima",
    "Hannah",
    "Kwame",
    "Eileen",
    "Ravi",
    "Chloe",
    "Declan",
    "Yusuf",
    "Mary",
)
SURNAMES = (
    "Oduya",
    "Smith",
    "Khan",
    "Jones",
    "Patel",
    "Nowak",
    "Williams",
    "Ahmed",
    "Evans",
    "Brown",
    "Okafor",
    "Murphy",
    "Taylor",
    "Singh",
    "Hughes",
    "Begum",
    "Clarke",
    "Walsh",
    "Davies",
    "Shah",
)
RELATIONSHIPS = {
    "older": ("spouse", "daughter", "son", "partner", "friend", "neighbour"),
    "younger": ("mother", "father", "partner", "sister", "brother", "friend"),
}
WORKERS = tuple(f"sw-{n:03d}" for n in range(1, 61))
ADULT_OUTCOMES = (
    "nutrition",
    "personal_hygiene",
    "toilet_needs",
    "appropriately_clothed",
    "using_home_safely",
    "habitable_home",
    "relationships",
    "work_training_education_volunteering",
    "community_facilities",
    "caring_for_a_child",
)
ADULT_LIMBS = (
    "needs_assistance",
    "significant_pain_distress_or_anxiety",
    "endangers_health_or_safety",
    "takes_significantly_longer",
)
CARER_OUTCOMES = (
    "caring_for_a_child",
    "caring_for_others",
    "habitable_home",
    "nutrition",
    "relationships",
    "work_training_education_volunteering",
    "community_facilities",
    "recreation",
)
ADULT_QUESTIONS = (
    "nutrition",
    "personal_hygiene",
    "toilet_needs",
    "clothing",
    "home_safety",
    "habitable_home",
    "relationships",
    "work_education",
    "community",
    "caring_for_child",
)
CLOSURE_REASONS = (
    ("needs_met", 25),
    ("moved_away", 10),
    ("deceased", 35),
    ("moved_to_residential_care", 20),
    ("declined", 10),
)

_MAX_FULL_HELP = 2  # keeps every adult's points under the RAS cap (92 points at most, cap at 80)


@dataclass(frozen=True)
class CaseScript:
    case_id: uuid.UUID
    profile: str
    carers: int
    age_band: str
    commands: list[c.CaseCommand]

    @property
    def command_names(self) -> list[str]:
        return [type(cmd).__name__ for cmd in self.commands]

    def has(self, command_name: str) -> bool:
        return any(type(cmd).__name__ == command_name for cmd in self.commands)


@dataclass
class LoadStats:
    cases: int = 0
    commands: int = 0
    events: int = 0
    profiles: Counter[str] = field(default_factory=Counter)


def generate_caseload(
    size: int,
    seed: int,
    start: date = date(2023, 4, 1),
    years: int = 3,
    council: CouncilSettings | None = None,
    end: date | None = None,
    person_details: bool = False,
) -> Iterator[CaseScript]:
    """Yield ``size`` case scripts, one at a time; the same seed and size give the same scripts.
    The period is ``years`` from ``start``, or from ``start`` to ``end`` when that is given.
    ``person_details``: each person's details for the council's returns are recorded as they are
    identified (their values drawn from a generator of their own)."""
    if size < 0 or years < 1 or (end is not None and end <= start):
        raise ValueError("size must be at least 0, years at least 1, and the end after the start")
    settings = council or CouncilSettings()
    threshold = settings.panel_threshold_pence
    rng = random.Random(seed)
    end = end or start + timedelta(days=365 * years)
    carers: list[tuple[str, str]] = []  # recent cases' carers: council person id and name
    for _ in range(size):
        case_rng = random.Random(rng.getrandbits(64))
        builder = _CaseBuilder(case_rng, start, end, threshold, settings.panel_limit_pence, carers)
        builder.person_details = person_details
        yield builder.build()


def load(record: Any, scripts: Iterable[CaseScript], progress: Callable[[LoadStats], None] | None = None) -> LoadStats:
    """Feed every script's commands to the record in order; a refusal propagates."""
    stats = LoadStats()
    for script in scripts:
        for command in script.commands:
            outcome = record.handle(command)
            stats.commands += 1
            stats.events += len(outcome.events)
        stats.cases += 1
        stats.profiles[script.profile] += 1
        if progress is not None:
            progress(stats)
    return stats


# Building one case ---------------------------------------------------------------------------


class _PastHorizon(Exception):
    """The story has reached the end of the period; the script stops here."""


class _CaseScenario(Scenario):
    """``Scenario`` with the case's own social worker in place of the default one."""

    def __init__(self, case_id: uuid.UUID, worker: Actor) -> None:
        super().__init__(case_id)
        self.worker = worker

    def _make(self, cls: type[c.CaseCommand], defaults: dict[str, Any], overrides: dict[str, Any]) -> Any:
        fields = {"case_id": self.case_id, "command_id": f"cmd-{next(self._ids)}", "actor": self.worker}
        fields.update(defaults)
        fields.update(overrides)
        return cls.model_validate(fields)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _birth_date(rng: random.Random, on: date, low: int, high: int) -> date:
    age_days = rng.randint(low * 365 + 30, high * 365 + 300)
    return on - timedelta(days=age_days)


@dataclass
class _Carer:
    carer_id: str
    council_person_id: str
    name: str
    accepts: bool
    later_asks: bool
    eligible: bool
    assessed: bool = False
    planned: bool = False


class _CaseBuilder:
    def __init__(
        self,
        rng: random.Random,
        start: date,
        end: date,
        threshold: int,
        panel_limit: int = 10_000_000,
        carer_pool: list[tuple[str, str]] | None = None,
    ) -> None:
        self.rng = rng
        self.end = end
        self.threshold = threshold
        self.panel_limit = panel_limit
        # The figure last signed off for each person (or revised on challenge after it): a later
        # plan never costs less without a reassessment, so the generator keeps to it or above.
        self.approved_pence: dict[str, int] = {}
        self.case_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        worker = Actor(user_id=rng.choice(WORKERS), role=Role.SOCIAL_WORKER)
        self.s = _CaseScenario(self.case_id, worker)
        self.day = start + timedelta(days=rng.randrange((end - start).days - 14))
        self.commands: list[c.CaseCommand] = []
        self.last_at: datetime | None = None
        self.age_band = "older" if rng.random() < OLDER_PEOPLE_SHARE else "younger"
        draw = rng.random()
        self.n_carers = 1 if draw < ONE_CARER_SHARE else 2 if draw < ONE_CARER_SHARE + TWO_CARER_SHARE else 0
        draw = rng.random()
        if draw < SIGNPOSTED_SHARE:
            self.profile = "signposted"
        elif self.n_carers and rng.random() < CARER_ONLY_SHARE_OF_CASES_WITH_CARERS:
            self.profile = "carer_only"
        elif rng.random() < NOT_ELIGIBLE_SHARE:
            self.profile = "not_eligible"
        else:
            self.profile = "supported"
        self.surname = rng.choice(SURNAMES)
        self.adult_name = f"{rng.choice(FIRST_NAMES)} {self.surname}"
        self.has_capacity = rng.random() >= ADULT_LACKS_CAPACITY_SHARE
        self.carers: list[_Carer] = []
        pool = carer_pool if carer_pool is not None else []
        new_carers: list[tuple[str, str]] = []
        for n in range(1, self.n_carers + 1):
            accepts = rng.random() >= CARER_DECLINES_SHARE
            if pool and rng.random() < CARER_OF_TWO_ADULTS_SHARE:
                council_person_id, name = pool.pop(rng.randrange(len(pool)))  # cares for this adult too
            else:
                council_person_id, name = f"LA-C{rng.getrandbits(40):010X}", f"{rng.choice(FIRST_NAMES)} {self.surname}"
                new_carers.append((council_person_id, name))
            self.carers.append(
                _Carer(
                    carer_id=f"carer-{n}",
                    council_person_id=council_person_id,
                    name=name,
                    accepts=accepts,
                    later_asks=(not accepts) and rng.random() < DECLINED_CARER_LATER_ASKS_SHARE,
                    eligible=rng.random() >= CARER_NOT_ELIGIBLE_SHARE,
                )
            )
        # Only carers of earlier cases are drawn again (two carers of one adult are two people), and
        # each once: a carer of two adults.
        pool.extend(new_carers)
        del pool[:-CARER_POOL_SIZE]
        if self.profile == "carer_only":
            # The carer's own support is the point of this profile: the first carer takes it up.
            self.carers[0].accepts, self.carers[0].later_asks, self.carers[0].eligible = True, False, True
        self.approved: list[str] = []  # people whose plans are signed off
        self.ended: set[str] = set()  # people whose involvement ended
        self.adult_died = False
        self.adult_moved = False
        self.management: dict[str, str] = {}
        self.representatives: set[str] = set()
        self.agreements: dict[str, dict[str, Any]] = {}
        self.requested: set[str] = set()  # the people whose request for a direct payment is recorded
        self.ids = itertools.count(1)
        self.person_details = False
        self.details_rng = random.Random(self.case_id.int)

    # Time and emission --------------------------------------------------------------------

    def _after(self, low: int, high: int) -> None:
        self.day += timedelta(days=self.rng.randint(low, high))

    def _at(self) -> datetime:
        minutes = self.rng.randrange(8 * 60, 17 * 60)
        moment = datetime.combine(self.day, time(minutes // 60, minutes % 60), tzinfo=UTC)
        if self.last_at is not None and moment <= self.last_at:
            moment = self.last_at + timedelta(minutes=self.rng.randint(1, 20))  # later the same day
        if moment.date() > self.end:
            raise _PastHorizon
        self.last_at = moment
        return moment

    def emit(self, make: Callable[..., c.CaseCommand], *args: Any, **kw: Any) -> None:
        self.commands.append(make(*args, effective_at=self._at(), **kw))

    def _record_details(self, person_id: str, older: bool) -> None:
        """The person's details for the returns, a minute after the last command, their values drawn
        from the case's details generator (not the story's)."""
        if not self.person_details:
            return
        assert self.last_at is not None
        moment = self.last_at + timedelta(minutes=1)
        if moment.date() > self.end:
            raise _PastHorizon
        self.last_at = moment
        rng = self.details_rng
        employment = (
            "not_seeking_work_or_retired"
            if older
            else rng.choice(("paid_under_16_hours", "paid_16_hours_or_more", "seeking_work", "not_known"))
        )
        self.commands.append(
            self.s.person_details(
                person_id,
                effective_at=moment,
                gender=rng.choice(("female", "female", "male", "male", "other", "not_stated")),
                ethnicity=rng.choice(DETAIL_ETHNICITIES),
                accommodation_status=rng.choice(DETAIL_ACCOMMODATION),
                employment_status=employment,
                postcode=f"NM{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                dementia=rng.choice(("yes", "no", "not_known")) if older else "no",
            )
        )

    def build(self) -> CaseScript:
        try:
            self._story()
        except _PastHorizon:
            pass
        return CaseScript(
            case_id=self.case_id,
            profile=self.profile,
            carers=self.n_carers,
            age_band=self.age_band,
            commands=self.commands,
        )

    # The story ------------------------------------------------------------------------------

    def _story(self) -> None:
        rng, s = self.rng, self.s
        route = _weighted(rng, ROUTES)
        team = (
            "hospital-social-work"
            if route == "hospital_discharge" and rng.random() < 0.5
            else rng.choice(TEAMS[:4])
            if self.age_band == "older"
            else rng.choice(TEAMS)
        )
        low, high = (65, 99) if self.age_band == "older" else (18, 64)
        self.emit(
            s.referral,
            team=team,
            route=route,
            reason=REASONS[route],
            adult_name=self.adult_name,
            adult_date_of_birth=_birth_date(rng, self.day, low, high).isoformat(),
            primary_support_reason=_weighted(rng, SUPPORT_REASONS[self.age_band]),
        )
        self._record_details(ADULT, self.age_band == "older")
        self._after(0, 3)
        for carer in self.carers:
            relationship = rng.choice(RELATIONSHIPS[self.age_band])
            self.emit(
                s.identify_carer,
                carer.carer_id,
                council_person_id=carer.council_person_id,
                name=carer.name,
                date_of_birth=_birth_date(rng, self.day, 25, 85).isoformat(),
                relationship_to_adult=relationship,
                lives_with_adult=rng.random() < 0.6,
            )
            self._record_details(carer.carer_id, older=False)
        self._after(1, 3)
        if self.profile == "signposted":
            self.emit(s.signpost, advice=_advice_at_screening(self.day))
            return
        if route == "hospital_discharge" and self.profile == "supported" and self.case_id.int % 2:
            self._reablement_first()
        else:
            self.emit(s.screen)
        if route == "hospital_discharge" and self.profile == "supported" and not self.case_id.int % 2:
            # Home from hospital before the assessments finish: urgent interim support (s.19(3)),
            # reviewed within four weeks and replaced by the signed-off plan.
            self.emit(
                s.interim,
                lines=[interim_line(self.day.isoformat())],
                review_by=(self.day + timedelta(days=28)).isoformat(),
                actor=MANAGER,
            )
        self._carers_respond()
        if self.profile == "carer_only":
            self._after(2, 10)
            self.emit(
                s.refuse_adult, reason=rng.choice(("does not want the council involved", "says the family will manage"))
            )
            self._assess_carers()
            self._carer_decisions()
        else:
            self._assess_adult(eligible=self.profile == "supported")
            self._assess_carers()
            self._after(1, 7)
            self.emit(s.eligibility, ADULT, practitioner_notes="determined from the assessment")
            if self.profile == "not_eligible":
                self._after(3, 14)
                # s.13(5): written advice on meeting or reducing the needs and on prevention, then closure.
                self.emit(s.advice, ADULT, given_on=self.day.isoformat())
                reason = "no_longer_eligible" if rng.random() < 0.4 else "information_and_advice_only"
                self.emit(s.close, reason=reason, notes="written advice on preventing needs given")
                return
            self._carer_decisions()
            self._after(1, 7)
            self.emit(s.budget, ADULT)
            self._after(3, 21)
            self.emit(s.finances, ADULT, assessed_contribution_pence=rng.choice((0, 0, 0, 25_000, 150_000, 400_000)))
            self._plan_adult()
        self._sign_off_all()
        self._set_up_payments()
        self._in_service()

    def _reablement_first(self) -> None:
        """Home from hospital: six weeks of free reablement first, ending with needs still to be
        assessed, so the assessments open on the same case without a new referral."""
        s = self.s
        self.emit(s.screen, outcome="reablement", reasons="home from hospital after a fall; reablement first")
        starts_on = self.day
        self.emit(s.reablement, starts_on=starts_on.isoformat(), planned_end_on=(starts_on + REABLEMENT).isoformat())
        self.day = starts_on + REABLEMENT
        self.emit(
            s.end_reablement,
            ended_on=self.day.isoformat(),
            outcome="ongoing_needs",
            notes="more confident at home; still needs help with personal care",
        )

    def _carers_respond(self) -> None:
        for carer in self.carers:
            self._after(1, 10)
            if carer.accepts:
                self.emit(self.s.accept, carer.carer_id)
            else:
                self.emit(
                    self.s.decline,
                    carer.carer_id,
                    reason=self.rng.choice(("does not want an assessment now", "managing for now")),
                )

    def _adult_findings(self, eligible: bool) -> dict[str, Any]:
        rng = self.rng
        outcomes = rng.sample(ADULT_OUTCOMES[:9], rng.randint(2, 5) if eligible else 1)
        unable = {o: rng.sample(ADULT_LIMBS, rng.randint(1, 2)) for o in outcomes}
        helps = [o for o in outcomes if self.carers and rng.random() < 0.5]
        return {
            "needs_arise_from_impairment_or_illness": True,
            "unable_to_achieve": unable,
            "significant_impact_on_wellbeing": True,
            "carer_currently_helps_with": helps,
        }

    def _adult_answers(self) -> dict[str, str]:
        rng = self.rng
        answers: dict[str, str] = {}
        full = 0
        for question in ADULT_QUESTIONS:
            if question == "caring_for_child":
                answers[question] = "not_applicable" if rng.random() < 0.9 else "with_difficulty"
                continue
            level = rng.choices(("achieves", "with_difficulty", "some_help", "full_help"), weights=(3, 3, 4, 2))[0]
            if level == "full_help":
                full += 1
                if full > _MAX_FULL_HELP:
                    level = "some_help"
            answers[question] = level
        return answers

    def _assess_adult(self, eligible: bool) -> None:
        rng, s = self.rng, self.s
        self._after(3, 20)
        first = self.carers[0] if self.carers else None
        if first is not None and first.accepts and rng.random() < COMBINED_ASSESSMENT_SHARE:
            self.emit(s.consent, ADULT)
            self.emit(s.consent, first.carer_id)
            self._after(1, 7)
            self.emit(s.start_adult, method="combined", combined_with_carer_id=first.carer_id)
            self.emit(s.start_carer, first.carer_id, method="combined")
            self.combined = first.carer_id
        else:
            self.emit(
                s.start_adult,
                method=rng.choice(("face_to_face", "face_to_face", "supported_self_assessment", "self_assessment")),
            )
        self._after(5, 28)
        self.emit(
            s.complete_adult,
            findings=self._adult_findings(eligible),
            ras_answers=self._adult_answers(),
            has_capacity=self.has_capacity,
            summary="needs help with daily living" if eligible else "managing most things day to day",
        )

    def _carer_findings(self, eligible: bool) -> dict[str, Any]:
        rng = self.rng
        if not eligible:
            return {
                "needs_arise_from_providing_necessary_care": True,
                "health_deteriorating_or_at_risk": False,
                "unable_to_achieve": {},
                "significant_impact_on_wellbeing": False,
            }
        outcomes = rng.sample(CARER_OUTCOMES[2:], rng.randint(1, 3))
        return {
            "needs_arise_from_providing_necessary_care": True,
            "health_deteriorating_or_at_risk": rng.random() < 0.6,
            "unable_to_achieve": {o: rng.sample(ADULT_LIMBS[:3], rng.randint(1, 2)) for o in outcomes},
            "significant_impact_on_wellbeing": True,
        }

    def _carer_answers(self) -> dict[str, str]:
        # At most 38 points: under the carer RAS cap of 40, so no override is needed.
        rng = self.rng
        health = rng.choice(("not_at_risk", "at_risk", "at_risk", "deteriorating"))
        extra = (
            None
            if health == "deteriorating" or rng.random() < 0.8
            else rng.choice(("caring_for_child", "caring_for_others"))
        )
        answers = {
            "health": health,
            "caring_for_child": "unable" if extra == "caring_for_child" else "not_applicable",
            "caring_for_others": "unable" if extra == "caring_for_others" else "not_applicable",
        }
        for question in ("habitable_home", "nutrition", "relationships", "work_education", "community", "recreation"):
            answers[question] = "unable" if rng.random() < 0.45 else "achieves"
        return answers

    def _assess_carer(self, carer: _Carer, started: bool = False) -> None:
        rng, s = self.rng, self.s
        if not started:
            self._after(1, 14)
            self.emit(s.start_carer, carer.carer_id)
        self._after(5, 28)
        willing = rng.random() < 0.9
        self.emit(
            s.complete_carer,
            carer.carer_id,
            findings=self._carer_findings(carer.eligible),
            hours_caring_per_week=rng.randint(5, 70),
            willing_to_continue_caring=willing,
            able_to_continue_caring=willing and rng.random() < 0.85,
            support_level=rng.choice(("none", "occasional", "regular", "substantial")),
            wellbeing_impact=rng.choice(("moderate", "substantial", "critical")),
            outcomes_wanted=rng.sample(
                ["work", "education", "training", "leisure", "relationships", "looking_after_others"], rng.randint(1, 3)
            ),
            ras_answers=self._carer_answers(),
            summary="caring most days; few breaks",
        )
        carer.assessed = True

    def _assess_carers(self) -> None:
        for carer in self.carers:
            if carer.accepts:
                self._assess_carer(carer, started=getattr(self, "combined", None) == carer.carer_id)

    def _carer_decisions(self, only: _Carer | None = None) -> None:
        for carer in [only] if only else self.carers:
            if not carer.assessed:
                continue
            self._after(1, 7)
            self.emit(self.s.eligibility, carer.carer_id, practitioner_notes="determined from the carer's assessment")
            if carer.eligible:
                self._after(1, 7)
                self.emit(self.s.budget, carer.carer_id)
                self._plan_carer(carer)

    # Plans and sign-off --------------------------------------------------------------------

    def _plan_adult(self) -> None:
        self._after(5, 28)
        self.emit(self.s.draft, ADULT, plan=self._adult_plan())
        self._after(1, 10)
        self.emit(self.s.submit, ADULT)

    def _adult_plan(self, management: str | None = None) -> dict[str, Any]:
        rng = self.rng
        if management is None:
            if rng.random() < COUNCIL_MANAGED_SHARE[self.age_band]:
                management = "council_managed"
            elif rng.random() < INDIVIDUAL_SERVICE_FUND_SHARE:
                management = "individual_service_fund"
            else:
                management = "direct_payment"
        hours = rng.randint(3, 25)
        cost = rng.randrange(1_900, 2_800, 10)
        plan = plan_for(ADULT, weekly_hours=hours, unit_cost_pence=cost, management=management)
        line = plan["lines"][0]
        if management == "direct_payment":
            line["provider"] = rng.choice(("personal_assistant", "agency"))
            freq = rng.choice(("four_weekly", "monthly"))
            plan["direct_payment_frequency"] = freq
            plan["direct_payment_pence"] = hours * cost * 52 // (13 if freq == "four_weekly" else 12)
        else:
            line["provider"] = (
                rng.choice(("agency", "council_service")) if management == "council_managed" else "agency"
            )
            line["provider_name"] = rng.choice(("Homecare North Ltd", "Caring Hands", "Council reablement team"))
            if management == "individual_service_fund":
                plan["isf_provider"] = line["provider_name"]
        if self.age_band == "younger" and rng.random() < 0.4:
            plan["lines"].append(
                {
                    "need": "community",
                    "what": "day opportunities",
                    "category": "day_opportunities",
                    "provider": "agency",
                    "provider_name": "Bridges Day Centre",
                    "frequency": "weekly",
                    "units_per_period": rng.randint(1, 3),
                    "unit_cost_pence": rng.randrange(3_500, 6_000, 50),
                    "held_as": management,
                }
            )
        self.management[ADULT] = management
        return plan

    def _carer_plan(self, carer: _Carer) -> dict[str, Any]:
        rng = self.rng
        amount = rng.randrange(15_000, 100_000, 500)
        if rng.random() < CARER_ONE_OFF_PAYMENT_SHARE:
            management = "direct_payment"
            line = {
                "need": "a break from caring",
                "what": "one-off carer's payment for breaks and leisure",
                "category": "leisure_and_wellbeing",
                "provider": "other",
                "provider_name": carer.name,
                "frequency": "annual",
                "units_per_period": 1,
                "unit_cost_pence": amount,
                "held_as": "direct_payment",
            }
            extra = {"direct_payment_pence": amount, "direct_payment_frequency": "annual"}
        else:
            management = "council_managed"
            line = {
                "need": "a break from caring",
                "what": "replacement care so the carer can go out",
                "category": "replacement_care_break",
                "provider": "agency",
                "provider_name": "Caring Hands",
                "frequency": "monthly",
                "units_per_period": 1,
                "unit_cost_pence": max(amount // 12, 1_000),
                "held_as": "council_managed",
                # Replacement care is care for the adult, arranged with the adult's agreement.
                "cared_for_person_agreed": True,
            }
            extra = {}
        self.management[carer.carer_id] = management
        return {
            "needs": [f"{carer.carer_id}: time for themselves"],
            "outcomes": ["to keep caring and stay well"],
            "lines": [line],
            "management": management,
            "contingency": "the carers' centre helpline",
            "risks": [],
            **extra,
        }

    def _plan_carer(self, carer: _Carer) -> None:
        self._after(3, 21)
        self.emit(self.s.draft, carer.carer_id, plan=self._carer_plan(carer))
        self._after(1, 10)
        self.emit(self.s.submit, carer.carer_id)
        carer.planned = True

    def _plans(self) -> dict[str, Any]:
        plans: dict[str, Any] = {}
        for cmd in self.commands:
            if isinstance(cmd, (c.DraftSupportPlan, c.ReviseSupportPlan)):
                plans[cmd.person_id] = cmd.plan
            elif isinstance(cmd, c.RecordSignOffDecision) and cmd.plan is not None:
                plans[cmd.person_id] = cmd.plan  # an approval with changes changes the plan
        return plans

    def _plan_cost(self) -> dict[str, int]:
        return {person_id: plan.annual_cost_pence for person_id, plan in self._plans().items()}

    def _authority(self, amount_pence: int) -> tuple[str, Actor]:
        """The route and approver the scheme of delegation gives an amount."""
        if amount_pence <= self.threshold:
            return "delegated", MANAGER
        if amount_pence <= self.panel_limit:
            return "panel", PANEL
        return "exception", HEAD_OF_SERVICE

    def _sign_off(self, person_id: str) -> None:
        rng, s = self.rng, self.s
        cost = self._plan_cost()[person_id]
        route, actor = self._authority(cost)
        self._after(2, 14)
        if rng.random() < SIGN_OFF_DEFERRED_SHARE:
            self.emit(
                s.sign_off,
                person_id,
                route=route,
                actor=actor,
                outcome="deferred",
                reasons="more information needed on night-time needs",
            )
            self._after(7, 21)
            self.emit(s.submit, person_id)
            self._after(2, 14)
        # Approval with changes lowers the budget below the plan's cost; a direct payment must then
        # follow a revised plan, so the generator approves direct-payment plans as they stand.
        # An approval with changes approves a changed plan (fewer units on its first line) at its cost,
        # never below the figure signed off before (a cut needs a reassessment).
        changed = None
        if rng.random() < SIGN_OFF_WITH_CHANGES_SHARE and self.management.get(person_id) != "direct_payment":
            changed = self._with_fewer_units(self._plans()[person_id], rng.randint(85, 99))
            if changed.annual_cost_pence >= self.approved_pence.get(person_id, 0):
                self.emit(
                    s.sign_off,
                    person_id,
                    route=route,
                    actor=actor,
                    outcome="approved_with_changes",
                    plan=changed,
                    approved_pence=changed.annual_cost_pence,
                    reasons="approved with fewer hours",
                )
            else:
                changed = None
        if changed is None:
            self.emit(
                s.sign_off, person_id, route=route, actor=actor, outcome="approved", reasons="meets eligible needs"
            )
        self.approved_pence[person_id] = self._plan_cost()[person_id]
        if person_id not in self.approved:
            self.approved.append(person_id)

    @staticmethod
    def _with_fewer_units(plan: Any, percent: int) -> Any:
        line = plan.lines[0]
        if line.units_per_period > 1:
            fewer = line.model_copy(update={"units_per_period": max(1, line.units_per_period * percent // 100)})
        else:
            fewer = line.model_copy(update={"unit_cost_pence": line.unit_cost_pence * percent // 100})
        return plan.model_copy(update={"lines": [fewer, *plan.lines[1:]]})

    def _sign_off_all(self) -> None:
        if self.profile == "supported":
            self._sign_off(ADULT)
        for carer in self.carers:
            if carer.planned:
                self._sign_off(carer.carer_id)

    # Payments ---------------------------------------------------------------------------------

    def _make_agreement(self, person_id: str) -> None:
        rng = self.rng
        plan = next(
            cmd.plan
            for cmd in reversed(self.commands)  # type: ignore[attr-defined]
            if isinstance(cmd, (c.DraftSupportPlan, c.ReviseSupportPlan)) and cmd.person_id == person_id
        )
        agreement_id = f"dp-{next(self.ids)}"
        self._after(3, 10)
        start = self.day + timedelta(days=rng.randint(3, 14))
        recipient_id: str | None = None
        if person_id == ADULT:
            recipient = "person" if self.has_capacity else "authorised_person"
            name = self.adult_name if self.has_capacity else f"{rng.choice(FIRST_NAMES)} {self.surname}"
            if not self.has_capacity and ADULT_AUTHORISED_PERSON not in self.representatives:
                # The authorised person is a person on the case, resting on the capacity assessment
                # of that decision and a best-interests decision.
                today = self.day.isoformat()
                self.emit(self.s.capacity, ADULT, has_capacity=False, assessed_on=today)
                self.emit(
                    self.s.authorised_person,
                    ADULT,
                    representative_id=ADULT_AUTHORISED_PERSON,
                    name=name,
                    relationship="relative",
                    consented_on=today,
                    best_interests_decided_on=today,
                )
                self.representatives.add(ADULT_AUTHORISED_PERSON)
            if not self.has_capacity:
                recipient_id = ADULT_AUTHORISED_PERSON
        else:
            recipient = "person"
        if person_id not in self.requested:
            # A direct payment only on request (s.31/s.32): the person's own, or their authorised person's.
            self.emit(
                self.s.direct_payment_request,
                person_id,
                requested_by_id=recipient_id or person_id,
                requested_on=self.day.isoformat(),
            )
            self.requested.add(person_id)
        assert plan.direct_payment_frequency is not None, "a plan using a direct payment names its frequency"
        frequency = plan.direct_payment_frequency.value
        self.emit(
            self.s.agreement,
            person_id,
            agreement_id=agreement_id,
            recipient=recipient,
            recipient_id=recipient_id,
            start_date=start.isoformat(),
            frequency=frequency,
            amount_per_payment_pence=plan.direct_payment_pence,
        )
        self.agreements[agreement_id] = {
            "person_id": person_id,
            "start": start,
            "frequency": frequency,
            "amount": plan.direct_payment_pence,
            "status": "active",
            "slots": 0,
            "paid": {},  # slot -> (due, amount) of each payment issued and not failed
            "issued": {},  # slot -> "issued" or "failed": what the record holds of each slot paid
            "suspended_on": None,  # the day the current suspension took effect
            "recipient": recipient,
            "recipient_id": recipient_id,
        }

    def _set_up_payments(self) -> None:
        for person_id in self.approved:
            if self.management.get(person_id) == "direct_payment":
                self._make_agreement(person_id)

    # Life in service: a queue of dated happenings, played in date order ----------------------

    def _in_service(self) -> None:
        rng = self.rng
        queue: list[tuple[date, int, str, dict[str, Any]]] = []
        order = itertools.count()

        def add(day: date, happening: str, **payload: Any) -> None:
            queue.append((day, next(order), happening, payload))

        begun = self.day
        horizon_days = (self.end - begun).days + 1
        step = {"four_weekly": 28, "monthly": 30, "annual": 365}
        for agreement_id, agreement in self.agreements.items():
            for slot in range(1, PAYMENTS_PER_AGREEMENT + 1):
                due = agreement["start"] + timedelta(days=step[agreement["frequency"]] * (slot - 1))
                add(due, "pay", agreement_id=agreement_id, slot=slot, due=due)
            if rng.random() < SUSPENSION_SHARE:
                when = begun + timedelta(days=rng.randint(20, 150))
                add(when, "suspend", agreement_id=agreement_id)
                add(when + timedelta(days=rng.randint(10, 60)), "resume", agreement_id=agreement_id)
            if agreement["person_id"] == ADULT and rng.random() < MONITORING_RETURN_SHARE:
                add(agreement["start"] + timedelta(days=rng.randint(90, 110)), "monitor", agreement_id=agreement_id)
        people = list(self.approved)
        if people:
            add(begun + timedelta(days=rng.randint(42, 56)), "review", kind="planned_first", people=people)
            if self.agreements:
                add(
                    begun + timedelta(days=rng.randint(150, 180)),
                    "review",
                    kind="direct_payment_first",
                    people=[a["person_id"] for a in self.agreements.values()],
                )
            for year in range(1, horizon_days // 365 + 1):
                add(
                    begun + timedelta(days=365 * year - rng.randint(0, 30)),
                    "review",
                    kind="planned_annual",
                    people=people,
                )
            day = 0.0
            while True:
                day += rng.expovariate(UNPLANNED_REVIEWS_PER_YEAR / 365)
                if day > horizon_days:
                    break
                add(begun + timedelta(days=int(day)), "request_review", people=people)
            if rng.random() < CHALLENGE_SHARE:
                add(begun + timedelta(days=rng.randint(7, 40)), "challenge", person_id=rng.choice(people))
        for carer in self.carers:
            if carer.later_asks:
                add(begun + timedelta(days=rng.randint(60, 700)), "carer_asks", carer=carer)
        closure = begun + timedelta(days=int(rng.expovariate(CLOSURES_PER_YEAR / 365)))
        adult_paid = [a for a in self.agreements.values() if a["person_id"] == ADULT]
        if adult_paid and rng.random() < ADULT_ENDING_SHARE:
            ending = adult_paid[0]["start"] + timedelta(days=rng.randint(20, 400))
            if ending < closure:
                draw = rng.random()  # one draw: who dies, who moves to another council, who into care
                died = draw < ADULT_DIES_SHARE_OF_ENDINGS
                move_band = draw - (1 - ADULT_MOVES_SHARE_OF_ENDINGS)
                if move_band >= 0:
                    move_on = ending
                    add(max(move_on - timedelta(days=35), begun), "move_notified", move_on=move_on)
                    if move_band < ADULT_MOVES_SHARE_OF_ENDINGS / 2:
                        add(move_on - timedelta(days=5), "receiving_assessed")
                    else:
                        add(move_on, "move_continued")
                        ending = move_on + timedelta(days=14)
                        add(ending, "receiving_assessed")
                add(ending, "adult_ends", died=died, moved=move_band >= 0)
                closure = ending + timedelta(days=rng.randint(14, 60))
        add(closure, "close")
        queue.sort(key=lambda item: (item[0], item[1]))
        play: dict[str, Callable[..., None]] = {
            "pay": self._do_pay,
            "suspend": self._do_suspend,
            "resume": self._do_resume,
            "monitor": self._do_monitor,
            "review": self._do_review,
            "request_review": self._do_request_review,
            "challenge": self._do_challenge,
            "carer_asks": self._do_carer_asks,
            "adult_ends": self._do_adult_ends,
            "move_notified": self._do_move_notified,
            "receiving_assessed": self._do_receiving_assessed,
            "move_continued": self._do_move_continued,
        }
        for when, _, happening, payload in queue:
            if when > self.day:
                self.day = when
            if happening == "close":
                self._close()
                return
            if happening == "monitor" and self.agreements[payload["agreement_id"]]["person_id"] in self.ended:
                continue  # her agreement was settled at the ending; the return is finance's to take later
            if happening in ("review", "request_review", "challenge"):
                # Nobody's plan is reviewed or challenged once their involvement has ended.
                if "people" in payload:
                    payload = {**payload, "people": [p for p in payload["people"] if p not in self.ended]}
                    if not payload["people"]:
                        continue
                elif payload.get("person_id") in self.ended:
                    continue
            play[happening](**payload)

    def _do_pay(self, agreement_id: str, slot: int, due: date) -> None:
        agreement = self.agreements[agreement_id]
        if agreement["status"] == "stopped":
            return
        self.emit(
            self.s.schedule_payment,
            slot,
            agreement_id=agreement_id,
            due_on=due.isoformat(),
            amount_pence=agreement["amount"],
        )
        if agreement["status"] != "active":
            return
        self.emit(
            self.s.issue_payment, slot, agreement_id=agreement_id, payment_reference=f"PAY-{agreement_id}-{slot:03d}"
        )
        agreement["paid"][slot] = (due, agreement["amount"])
        agreement["issued"][slot] = "issued"
        if self.rng.random() < PAYMENT_FAILURE_SHARE:
            self.emit(self.s.fail_payment, slot, agreement_id=agreement_id, reason="bank account closed")
            del agreement["paid"][slot]
            agreement["issued"][slot] = "failed"

    def _do_suspend(self, agreement_id: str) -> None:
        if self.agreements[agreement_id]["status"] == "active":
            self.emit(self.s.suspend, agreement_id=agreement_id, reason="in hospital")
            self.agreements[agreement_id]["status"] = "suspended"
            self.agreements[agreement_id]["suspended_on"] = self.last_at.date() if self.last_at else self.day

    def _do_resume(self, agreement_id: str) -> None:
        if self.agreements[agreement_id]["status"] == "suspended":
            self.emit(self.s.resume, agreement_id=agreement_id, reason="home again")
            self.agreements[agreement_id]["status"] = "active"

    def _do_monitor(self, agreement_id: str) -> None:
        rng = self.rng
        agreement = self.agreements[agreement_id]
        period_start = agreement["start"]
        period_end = period_start + timedelta(days=83)
        # A return accounts for the payments issued for the slots due by its end, and no more.
        paid = sum(amount for due, amount in agreement["paid"].values() if due <= period_end)
        underspend = rng.choice((0, 0, paid * rng.randint(5, 25) // 100))
        items = rng.randint(0, 4)
        self.emit(
            self.s.monitoring_return,
            agreement_id=agreement_id,
            period_start=period_start.isoformat(),
            period_end=period_end.isoformat(),
            spent_pence=paid - underspend,
            items_over_threshold=items,
            receipts_over_threshold=items,
            underspend_pence=underspend,
        )
        if underspend and rng.random() < RECOVERY_SHARE:
            self._after(7, 30)
            self.emit(
                self.s.recover,
                agreement_id=agreement_id,
                amount_pence=underspend,
                reason="unspent after the first quarter",
            )

    def _new_review_id(self) -> str:
        return f"rv-{next(self.ids)}"

    def _finish_review(self, review_id: str, people: list[str]) -> None:
        rng = self.rng
        self._after(0, 21)
        revise = rng.random() < REVIEW_REVISES_SHARE
        self.emit(self.s.complete_review, review_id=review_id, outcome="revise_plan" if revise else "no_change")
        if revise:
            person_id = rng.choice(people)
            self._revise(person_id)

    def _revise(self, person_id: str) -> None:
        s = self.s
        self._after(3, 21)
        if person_id == ADULT:
            # Carers assessed since the adult's figure was worked out change it: recalculate first.
            self.emit(s.budget, ADULT)
            plan = self._adult_plan(self.management[ADULT])
        else:
            carer = next(cr for cr in self.carers if cr.carer_id == person_id)
            plan = self._carer_plan(carer)
            # A carer's plan keeps how it is held, so its agreement still fits.
            if any(a["person_id"] == person_id for a in self.agreements.values()):
                while self.management[person_id] != "direct_payment":
                    plan = self._carer_plan(carer)
            else:
                while self.management[person_id] == "direct_payment":
                    plan = self._carer_plan(carer)
        if plan_cost(plan) < self.approved_pence.get(person_id, 0):
            # A cut needs a reassessment and the gate again: this review keeps the plan, with enough
            # units on its first line to cost at least the figure approved (a challenge may have raised it).
            kept = self._plans()[person_id]
            line = kept.lines[0]
            units = line.units_per_period
            while (
                units < 10_000
                and kept.annual_cost_pence
                + (units - line.units_per_period) * (line.annual_cost_pence // line.units_per_period)
                < self.approved_pence[person_id]
            ):
                units += 1
            more = line.model_copy(update={"units_per_period": units})
            plan = kept.model_copy(update={"lines": [more, *kept.lines[1:]]}).model_dump(mode="json")
            self.management[person_id] = kept.management.value
        self.emit(s.revise, person_id, plan=plan, reason="needs changed at review")
        self._after(1, 7)
        self.emit(s.submit, person_id)
        self._sign_off(person_id)

    def _do_review(self, kind: str, people: list[str]) -> None:
        review_id = self._new_review_id()
        self.emit(
            self.s.schedule_review,
            review_id=review_id,
            person_ids=people,
            kind=kind,
            due_on=(self.day + timedelta(days=21)).isoformat(),
        )
        self._after(14, 28)
        self._finish_review(review_id, people)

    def _do_request_review(self, people: list[str]) -> None:
        rng = self.rng
        review_id = self._new_review_id()
        reason = rng.choice(("person_requested", "carer_requested", "change_of_circumstances", "safeguarding"))
        self.emit(
            self.s.request_review,
            review_id=review_id,
            person_ids=people,
            reason=reason,
            due_on=(self.day + timedelta(days=14)).isoformat(),
            details="asked for a review",
        )
        self._finish_review(review_id, people)

    def _do_challenge(self, person_id: str) -> None:
        rng, s = self.rng, self.s
        challenge_id = f"ch-{next(self.ids)}"
        self.emit(s.challenge, person_id, challenge_id=challenge_id, grounds="the amount does not cover all needs")
        self._after(14, 56)
        outcome = rng.choice(("upheld", "partly_upheld", "not_upheld", "not_upheld"))
        revised = None
        if outcome != "not_upheld":
            revised = self._plan_cost()[person_id] * rng.randint(101, 115) // 100
        # A revised figure is an amount approved: resolved by the approver whose limit covers it.
        _, resolver = self._authority(revised or 0)
        self.emit(
            s.resolve,
            person_id,
            challenge_id=challenge_id,
            outcome=outcome,
            revised_pence=revised,
            reasons="reconsidered against the assessment",
            actor=resolver,
        )
        if revised is not None and person_id in self.approved:
            self.approved_pence[person_id] = revised

    def _do_carer_asks(self, carer: _Carer) -> None:
        s = self.s
        self.emit(s.request_carer_assessment, carer.carer_id, reason="caring has got harder")
        self._assess_carer(carer)
        self._carer_decisions(only=carer)
        if carer.planned:
            self._sign_off(carer.carer_id)
            if self.management[carer.carer_id] == "direct_payment":
                self._make_agreement(carer.carer_id)

    def _close(self) -> None:
        rng = self.rng
        for agreement_id, agreement in self.agreements.items():
            if agreement["status"] != "stopped" and rng.random() < 0.5:
                self.emit(self.s.end_agreement, agreement_id=agreement_id, reason="support ending")
                agreement["status"] = "stopped"
        reason = _weighted(rng, CLOSURE_REASONS)
        if ADULT in self.ended:
            reason = (
                "deceased" if self.adult_died else "moved_away" if self.adult_moved else "moved_to_residential_care"
            )
        # With payments running (or a final payment unpaid) closing is a team manager's decision.
        running = any(a["status"] != "stopped" for a in self.agreements.values())
        self.emit(self.s.close, reason=reason, **({"actor": MANAGER} if running else {}))

    def _do_move_notified(self, move_on: date) -> None:
        """The adult means to move to another council's area: notified, and what it needs shared."""
        s = self.s
        self.emit(
            s.notify_move,
            move_on=move_on.isoformat(),
            receiving_council_code=RECEIVING_COUNCIL,
            notified_on=self.day.isoformat(),
        )
        kinds = ["needs_assessment", "eligibility", "support_plan", "personal_budget"]
        self.emit(s.share_with_receiving_council, kinds=kinds, shared_on=self.day.isoformat())

    def _do_receiving_assessed(self) -> None:
        self.emit(self.s.receiving_assessed, assessed_on=self.day.isoformat())

    def _do_move_continued(self) -> None:
        """The receiving council has not assessed by the move date: the council goes on (s.38)."""
        self.emit(self.s.continue_after_move, reasons="not assessed by the move date; we pay until it has")

    def _do_adult_ends(self, died: bool, moved: bool = False) -> None:
        """The adult dies, moves into residential care or to another council: her involvement ends,
        her agreements are settled to the day, and finance pays a final payment where one is due."""
        from domain.case.endings import settlement

        reason = "adult_died" if died else "moved_to_another_council" if moved else "moved_to_residential_care"
        self.emit(self.s.end_involvement, reason=reason, ended_on=self.day.isoformat(), notes="notified by the family")
        self.ended.add(ADULT)
        self.adult_died = died
        self.adult_moved = moved
        for agreement_id, agreement in self.agreements.items():
            if agreement["person_id"] != ADULT or agreement["status"] == "stopped":
                continue
            if settlement(self._as_recorded(agreement_id), self.day).final_payment_pence:
                self.emit(self.s.final_payment, agreement_id=agreement_id)
            agreement["status"] = "stopped"

    def _as_recorded(self, agreement_id: str) -> Agreement:
        """The agreement as the record holds it, from what this script recorded of it."""
        a = self.agreements[agreement_id]
        step = {"four_weekly": 28, "monthly": 30, "annual": 365}
        slots = {
            slot: PaymentSlot(
                slot=slot,
                due_on=a["start"] + timedelta(days=step[a["frequency"]] * (slot - 1)),
                amount_pence=a["amount"],
                status=status,
            )
            for slot, status in a["issued"].items()
        }
        return Agreement(
            agreement_id=agreement_id,
            person_id=a["person_id"],
            recipient=a["recipient"],
            recipient_name="",
            recipient_id=a["recipient_id"],
            start_date=a["start"],
            frequency=a["frequency"],
            amount_per_payment_pence=a["amount"],
            status=a["status"],
            slots=slots,
            stopped_on=a["suspended_on"] if a["status"] == "suspended" else None,
        )
