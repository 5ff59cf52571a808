#!/usr/bin/env bash
# Seeds the fuzz corpora from the shipped policies, their cases and the
# bad-input fixtures, so the fuzzers start from inputs that reach deep.
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/load_policy corpus/expression corpus/decide_request

# Policy files: shipped versions, broken fixtures, the diff fixture.
for file in "$root"/policies/*/*.toml "$root"/tests/fixtures/policies/*.toml "$root"/tests/fixtures/diff/*.toml; do
    cp "$file" "corpus/load_policy/$(basename "$(dirname "$file")")-$(basename "$file")"
done

# Expressions: every quoted value of an expression key in those files.
for file in "$root"/policies/*/*.toml "$root"/tests/fixtures/policies/*.toml; do
    { grep -hE "^(when|required_when|must|value|[a-z_]+) = ['\"]" "$file" || true; } \
        | sed -E "s/^[a-z_]+ = ['\"](.*)['\"]\s*(#.*)?$/\1/" \
        | while IFS= read -r expr; do
            printf '%s' "$expr" > "corpus/expression/$(printf '%s' "$expr" | sha1sum | cut -c1-16)"
        done
done

# Requests: the request of every shipped case, and the broken requests.
for file in "$root"/policies/*/cases/*.json; do
    jq -c '.request // .' "$file" > "corpus/decide_request/case-$(basename "$file")"
done
for file in "$root"/tests/fixtures/requests/*.json; do
    cp "$file" "corpus/decide_request/fixture-$(basename "$file")"
done
ls corpus/* | wc -l
