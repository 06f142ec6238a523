#!/bin/sh
# The carecase namespace and the search attributes its case workflows write
# (workflows/search_attributes.py: the names and types below are checked by the test suite).
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do sleep 2; done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n carecase >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n carecase --retention "$CARECASE_NAMESPACE_RETENTION"
for attribute in CaseStage=Keyword StageEnteredAt=Datetime StageDueAt=Datetime Team=Keyword CarersOutstanding=Int CaseFlags=KeywordList; do
  name=${attribute%%=*}
  type=${attribute#*=}
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n carecase --name "$name" --type "$type" 2>/dev/null || true
done
temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n carecase
