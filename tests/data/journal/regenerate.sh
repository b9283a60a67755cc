#!/bin/sh
# Regenerate the journal fixtures (known-good and forged journals, the identity key, saved checkpoints,
# expected.txt). Run from the top of the tree; review the diff before committing.
# BUILD names the build tree to use (default build), e.g. BUILD=build-x tests/data/journal/regenerate.sh.
set -eu
cd "$(dirname "$0")/../../.."
b=${BUILD:-build}
make BUILD="$b" "$b/tests/test-journal-fixtures"
rm -f tests/data/journal/*.jsonl tests/data/journal/*.txt tests/data/journal/journal.pub
"$b/tests/test-journal-fixtures" --regenerate tests/data/journal
"$b/tests/test-journal-fixtures"
