"""Stories of the published rule sets: found by id and version, hashed from the bytes on every load."""

from __future__ import annotations

import fnmatch
import hashlib
import shutil
import tomllib
from datetime import date
from pathlib import Path

import pytest

from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.ras import CarerSupport, CarerSupportLevel, calculate_adult_budget, recalculate
from policy import COUNCILS_FOLDER, RuleSetCatalogue

pytestmark = pytest.mark.unit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NORTHMOOR_FILE = COUNCILS_FOLDER / "northmoor" / "ras-2026.1.toml"
EASTVALE_FILE = COUNCILS_FOLDER / "eastvale" / "ras-2026.1.toml"
TODAY = date(2026, 12, 1)


def sha256_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def publish(folder: Path, council: str, source: Path, *, name: str | None = None, edits=()) -> Path:
    target = folder / council / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def councils(tmp_path: Path) -> Path:
    folder = tmp_path / "councils"
    folder.mkdir()
    return folder


class TestPublishedCouncils:
    def test_the_three_example_councils_are_published(self):
        catalogue = RuleSetCatalogue()

        assert [(r.id, r.version, r.council) for r in catalogue.all()] == [
            ("eastvale-ras", "2026.1", "Eastvale District Council"),
            ("northmoor-ras", "2026.1", "Northmoor Council"),
            ("southfield-ras", "2026.1", "Southfield Borough Council"),
        ]

    def test_southfield_gives_every_eligible_carer_one_flat_amount(self):
        southfield = RuleSetCatalogue().current("southfield-ras", on=TODAY)

        assert southfield.adult.method == "points"
        assert (southfield.carer.method, southfield.carer.questions) == ("flat", ())
        assert southfield.carer.cap_pence is not None

    def test_the_default_folder_is_beside_the_catalogue(self):
        import policy.catalogue

        assert Path(policy.catalogue.__file__).parent / "councils" == COUNCILS_FOLDER

    def test_a_rule_set_carries_the_hash_of_its_file(self):
        catalogue = RuleSetCatalogue()

        assert catalogue.get("northmoor-ras", "2026.1").content_hash == sha256_of(NORTHMOOR_FILE)
        assert catalogue.get("eastvale-ras", "2026.1").content_hash == sha256_of(EASTVALE_FILE)

    def test_northmoor_is_points_based_with_carer_breaks(self):
        northmoor = RuleSetCatalogue().current("northmoor-ras", on=TODAY)

        assert northmoor.adult.method == "points"
        assert 8 <= len(northmoor.adult.questions) <= 12
        assert northmoor.adult.cap_pence is not None
        assert northmoor.carer_neutral.carer_break_reinflation_bp is not None
        assert northmoor.carer.method in {"points", "flat"}
        assert 15_000 <= northmoor.carer.cap_pence <= 468_000

    def test_eastvale_is_banded_with_the_carers_trust_tiers(self):
        eastvale = RuleSetCatalogue().current("eastvale-ras", on=TODAY)

        assert eastvale.adult.method == "bands"
        assert eastvale.carer.method == "tiered"
        assert eastvale.carer.tiers.model_dump() == {"moderate": 12_500, "substantial": 20_000, "critical": 27_500}
        assert eastvale.carer.cap_pence is not None

    def test_every_council_file_is_package_data(self):
        pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        patterns = pyproject["tool"]["setuptools"]["package-data"]["policy"]
        files = [path.relative_to(COUNCILS_FOLDER.parent).as_posix() for path in COUNCILS_FOLDER.rglob("*.toml")]

        assert files
        assert all(any(fnmatch.fnmatch(file, pattern) for pattern in patterns) for file in files)


class TestLookups:
    def test_an_unpublished_version_or_id_is_not_found(self):
        catalogue = RuleSetCatalogue()

        with pytest.raises(NotFound):
            catalogue.get("northmoor-ras", "2025.9")
        with pytest.raises(NotFound):
            catalogue.get("westshire-ras", "2026.1")
        with pytest.raises(NotFound):
            catalogue.current("westshire-ras", on=TODAY)

    def test_a_version_is_never_read_as_a_file_pattern(self):
        with pytest.raises(NotFound):
            RuleSetCatalogue().get("northmoor-ras", "*")

    def test_current_is_the_latest_to_take_effect(self, councils):
        publish(councils, "northmoor", NORTHMOOR_FILE)
        publish(
            councils,
            "northmoor",
            NORTHMOOR_FILE,
            name="ras-2027.1.toml",
            edits=[
                ('version = "2026.1"', 'version = "2027.1"'),
                ("effective_from = 2026-04-01", "effective_from = 2027-04-01"),
            ],
        )
        catalogue = RuleSetCatalogue(councils)

        # issue 13: on 2026-12-01 a version taking effect on 2027-04-01 is not yet in force.
        assert catalogue.current("northmoor-ras", on=date(2026, 12, 1)).version == "2026.1"
        assert catalogue.current("northmoor-ras", on=date(2027, 3, 31)).version == "2026.1"
        assert catalogue.current("northmoor-ras", on=date(2027, 4, 1)).version == "2027.1"
        assert [r.version for r in catalogue.all()] == ["2026.1", "2027.1"]
        assert catalogue.get("northmoor-ras", "2026.1").version == "2026.1"

    def test_before_the_first_version_takes_effect_none_is_in_force(self, councils):
        publish(councils, "northmoor", NORTHMOOR_FILE)

        with pytest.raises(RuleViolation) as raised:
            RuleSetCatalogue(councils).current("northmoor-ras", on=date(2026, 3, 31))

        assert raised.value.code == "no_rule_set_in_force"
        assert raised.value.details == {"on": "2026-03-31", "first_effective_from": "2026-04-01"}

    def test_two_versions_taking_effect_the_same_day_are_ambiguous(self, councils):
        publish(councils, "northmoor", NORTHMOOR_FILE)
        same_day = [('version = "2026.1"', 'version = "2026.2"')]
        publish(councils, "northmoor", NORTHMOOR_FILE, name="ras-2026.2.toml", edits=same_day)

        with pytest.raises(InvalidInput) as raised:
            RuleSetCatalogue(councils).current("northmoor-ras", on=TODAY)

        assert raised.value.code == "ambiguous_current_rule_set"

    def test_a_file_must_be_named_for_the_version_it_declares(self, councils):
        publish(councils, "northmoor", NORTHMOOR_FILE, name="ras-2026.2.toml")

        with pytest.raises(InvalidInput) as raised:
            RuleSetCatalogue(councils).all()

        assert (raised.value.code, raised.value.field) == ("rule_set_file_name_mismatch", "version")

    def test_the_same_version_published_twice_is_refused(self, councils):
        publish(councils, "northmoor", NORTHMOOR_FILE)
        publish(councils, "northmoor-copy", NORTHMOOR_FILE)

        with pytest.raises(InvalidInput) as raised:
            RuleSetCatalogue(councils).get("northmoor-ras", "2026.1")

        assert raised.value.code == "duplicate_rule_set"

    def test_a_broken_file_is_named_with_its_field(self, councils):
        in_pounds = [("price_per_point_pence = 25_000", "price_per_point_pence = 250.0")]
        publish(councils, "northmoor", NORTHMOOR_FILE, edits=in_pounds)

        with pytest.raises(InvalidInput) as raised:
            RuleSetCatalogue(councils).get("northmoor-ras", "2026.1")

        assert raised.value.code == "invalid_rule_set"
        assert raised.value.field == "adult.price_per_point_pence"
        assert raised.value.details["file"] == "northmoor/ras-2026.1.toml"

    def test_a_missing_folder_is_reported(self, tmp_path):
        with pytest.raises(NotFound):
            RuleSetCatalogue(tmp_path / "nowhere")


class TestEditedFiles:
    def test_an_edited_file_shows_a_new_hash_and_old_calculations_no_longer_verify(self, councils):
        path = publish(councils, "northmoor", NORTHMOOR_FILE)
        catalogue = RuleSetCatalogue(councils)
        published = catalogue.get("northmoor-ras", "2026.1")
        answers = {question.id: "some_help" for question in published.adult.questions}
        daughter = CarerSupport(
            carer_id="carer-daughter",
            willing_to_continue_caring=True,
            able_to_continue_caring=True,
            support_level=CarerSupportLevel.REGULAR,
        )
        calculation = calculate_adult_budget(published, person_id="adult-1", answers=answers, carer_support=[daughter])

        data = bytearray(path.read_bytes())
        at = data.index(b"price_per_point_pence = 25_000") + len(b"price_per_point_pence = 25_00")
        data[at : at + 1] = b"1"
        path.write_bytes(bytes(data))
        edited = catalogue.get("northmoor-ras", "2026.1")

        assert edited.adult.price_per_point_pence == 25_001
        assert edited.content_hash == sha256_of(path) != published.content_hash
        with pytest.raises(InvalidInput) as raised:
            recalculate(calculation, edited)
        assert raised.value.code == "rule_set_hash_mismatch"

    def test_even_an_edited_comment_changes_the_hash(self, councils):
        path = publish(councils, "eastvale", EASTVALE_FILE)
        catalogue = RuleSetCatalogue(councils)
        before = catalogue.get("eastvale-ras", "2026.1")

        path.write_bytes(path.read_bytes().replace(b"(fictional)", b"(fictionaL)", 1))
        after = catalogue.get("eastvale-ras", "2026.1")

        assert after.model_dump(exclude={"content_hash"}) == before.model_dump(exclude={"content_hash"})
        assert after.content_hash != before.content_hash

    def test_an_unedited_copy_verifies_the_calculation_exactly(self, councils):
        shutil.copytree(COUNCILS_FOLDER / "eastvale", councils / "eastvale")
        copy = RuleSetCatalogue(councils).get("eastvale-ras", "2026.1")
        original = RuleSetCatalogue().get("eastvale-ras", "2026.1")
        answers = {question.id: "some_help" for question in original.adult.questions}
        calculation = calculate_adult_budget(original, person_id="adult-1", answers=answers, carer_support=[])

        assert copy.content_hash == original.content_hash
        assert recalculate(calculation, copy) == calculation
