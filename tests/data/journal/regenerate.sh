#!/bin/sh
# Regenerate the journal fixtures (known-good and forged journals, the identity key, saved checkpoints,
# expected.txt). Run from the top of the tree; review the diff before committing.
set -eu
cd "$(dirname "$0")/../../.."
make build/tests/test-journal-fixtures
rm -f tests/data/journal/*.jsonl tests/data/journal/*.txt tests/data/journal/journal.pub
build/tests/test-journal-fixtures --regenerate tests/data/journal
build/tests/test-journal-fixtures
