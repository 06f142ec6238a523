"""The bootstrap publication: the rule sets a release ships, recorded once by the system.

Before publishing was recorded (decision 0034) a rule set was in force because its file was in
``policy/councils``. At the first start of a process wired by ``config.bootstrap`` that finds a
council with files on disk and no publication, each of that council's files is published by the
system actor, with the reason saying so, from its own ``effective_from`` (the only publication
ever allowed a date in the past: it records what was already in force). From then on the council
publishes through ``carecase policy publish`` or ``POST /policy/rule-sets``, and a file on disk
is only checked against what was published.
"""

from __future__ import annotations

from domain.application import CaseRecord, PublicationOutcome
from domain.people import SYSTEM_ACTOR
from domain.policy import BOOTSTRAP_REASON
from policy.catalogue import RuleSetCatalogue


def publish_shipped_rule_sets(record: CaseRecord, catalogue: RuleSetCatalogue) -> list[PublicationOutcome]:
    """Publish the files of every council that has published nothing yet; attach the record."""
    catalogue.attach(record)
    publishing = {publication.council for publication in record.publications()}
    outcomes = []
    for data, rule_set in catalogue.files_on_disk():
        if rule_set.council in publishing:
            continue
        outcomes.append(record.publish_rule_set(data, actor=SYSTEM_ACTOR, reason=BOOTSTRAP_REASON, bootstrap=True))
    return outcomes
