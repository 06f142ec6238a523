"""The one mapping table to the ASC-CLD return's codes is whole and true to the specification:
every value of the product's lists it maps has a code, and every code it gives is in the code list
of the field it fills (decision 0045)."""

from __future__ import annotations

from enum import StrEnum

import pytest

from domain.returns import asc_cld_mapping as m
from domain.returns.asc_cld_spec import BY_NAME, FIELDS, Format

# The field each table fills.
FILLS = {
    "GENDER": "Gender",
    "ETHNICITY": "Ethnicity",
    "ACCOMMODATION_STATUS": "Accommodation_Status",
    "EMPLOYMENT_STATUS": "Employment_Status",
    "KNOWN": "Dementia",
    "PRIMARY_SUPPORT_REASON": "Primary_Support_Reason",
    "ROUTE_OF_ACCESS": "Request_Route_of_Access",
    "REQUEST_OUTCOME": "Event_Outcome",
    "METHOD_OF_ASSESSMENT": "Method_of_Assessment",
    "CARER_ASSESSMENT_TYPE": "Assessment_Type",
    "SERVICE_COMPONENT": "Service_Component",
    "CARER_SERVICE_TYPE": "Service_Type",
    "DELIVERY_MECHANISM": "Delivery_Mechanism",
    "COST_FREQUENCY": "Cost_Frequency_Unit_Type",
    "SERVICE_ENDED_BY_INVOLVEMENT": "Event_Outcome",
    "SERVICE_ENDED_BY_CLOSURE": "Event_Outcome",
    "REABLEMENT_ENDED": "Event_Outcome",
    "UNPLANNED_REVIEW_REASON": "Review_Reason",
    "REVIEW_OUTCOME": "Event_Outcome",
}
# Single codes, by the field they fill.
CODES = {
    "ADULT_ASSESSMENT_TYPE": "Assessment_Type",
    "ELIGIBLE_OUTCOME": "Event_Outcome",
    "NOT_ELIGIBLE_OUTCOME": "Event_Outcome",
    "FIFTY_OR_MORE": "Total_Hrs_Caring_per_week",
    "ADULT_LONG_TERM": "Service_Type",
    "ADULT_SHORT_TERM": "Service_Type",
    "REABLEMENT_TYPE": "Service_Type",
    "REABLEMENT_COMPONENT": "Service_Component",
    "CARER_DIRECT": "Service_Type",
    "CARER_INVOLVING_THE_CARED_FOR": "Service_Type",
    "SERVICE_REPLACED": "Event_Outcome",
    "SERVICE_LINE_ENDED": "Event_Outcome",
    "INTERIM_ENDED": "Event_Outcome",
    "REVIEW_REASON_PLANNED": "Review_Reason",
    "FULLY_SOCIAL_CARE_FUNDED": "Client_Funding_Status",
    "JOINT_FUNDED": "Client_Funding_Status",
    "FULLY_CLIENT_FUNDED": "Client_Funding_Status",
    "FUNDING_NOT_KNOWN": "Client_Funding_Status",
}
PARTIAL = {"CARER_SERVICE_TYPE"}  # the exceptions to a default (CARER_DIRECT)


@pytest.mark.parametrize("table", sorted(FILLS))
def test_every_product_value_has_a_code_in_the_fields_list(table: str):
    mapping = getattr(m, table)
    spec = BY_NAME[FILLS[table]]
    keys = list(mapping)
    enum = type(keys[0])
    assert issubclass(enum, StrEnum)
    if table not in PARTIAL:
        assert set(keys) == set(enum), f"{table} leaves out {set(enum) - set(keys)}"
    for code in mapping.values():
        assert code is None or code in spec.values, (table, code)


@pytest.mark.parametrize("name", sorted(CODES))
def test_every_single_code_is_in_its_fields_list(name: str):
    assert getattr(m, name) in BY_NAME[CODES[name]].values


def test_the_hours_caring_bands_are_the_return_s_and_cover_every_figure():
    bands = {m.hours_caring_band(hours) for hours in range(0, 169)} | {m.hours_caring_band(None)}
    assert bands == set(BY_NAME["Total_Hrs_Caring_per_week"].values)


def test_every_table_is_shown_in_the_docs_and_every_coded_field_has_a_list():
    shown = {id(table) for _, _, table in m.TABLES}
    assert all(id(getattr(m, name)) in shown for name in FILLS if name != "CARER_SERVICE_TYPE")
    for spec in FIELDS:
        assert (spec.format == Format.CODE_LIST) == bool(spec.values), spec.name


def test_the_docs_page_is_printed_from_the_data():
    from pathlib import Path

    from domain.returns.asc_cld_docs import asc_cld_markdown

    page = Path(__file__).parents[2] / "docs" / "asc-cld.md"
    assert page.read_text(encoding="utf-8") == asc_cld_markdown() + "\n", (
        "regenerate: carecase returns asc-cld-doc > docs/asc-cld.md"
    )
