#!/usr/bin/env bash
# Schemathesis (PyPI, 4.x) against the server's own /api/openapi.json: requests generated from the
# document, valid and invalid, to every operation, with an admin token. Fails on any 5xx, on a
# status the operation does not declare, on a body that does not match its declared schema or
# content type. Bounded: a few examples per operation and a time budget (a few minutes).
#
# Called by .ci/run after `cargo test`; runs alone too (it builds the binary it needs).
#   SCHEMATHESIS_MAX_EXAMPLES (default 25), SCHEMATHESIS_MAX_TIME (seconds, default 240),
#   SCHEMATHESIS_SEED (default 1: the same requests on every run; change it to explore).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SCHEMATHESIS_VENV:-/var/cache/eventmap-ci/schemathesis-venv}"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" \
        || { apt-get install -y python3-venv || { apt-get update && apt-get install -y python3-venv; }; python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/eventmap-ci/target}"
cargo build --quiet --bin eventmap
BIN="$CARGO_TARGET_DIR/debug/eventmap"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

DB="sqlite://$WORK/schemathesis.db"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
TOKEN="$(EVENTMAP_LOG=warn "$BIN" token create --database "$DB" --name schemathesis --role admin)"
EVENTMAP_LOG=warn "$BIN" serve --database "$DB" --demo --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.5
done

st() {
    # One worker: with two, hypothesis (inside schemathesis) describes lambdas by parsing source
    # from two threads at once, and CPython 3.11's parser then fails its own recursion-depth check
    # ("AST constructor recursion depth mismatch"), an error of the tool, not of the server, that
    # failed a CI run on 2026-12-06.
    # From the scratch directory: schemathesis keeps its example database in ./.schemathesis.
    (cd "$WORK" && "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing \
        --seed "${SCHEMATHESIS_SEED:-1}" \
        --request-timeout 30 \
        --workers 1 \
        --suppress-health-check all \
        --report-dir "$WORK/report" \
        "$@")
}
status=0
# Every operation but revoking a token: schemathesis reuses ids it has seen in responses, and
# revoked its own token within a minute, leaving every later request a 401, then a 429.
st --header "Authorization: Bearer $TOKEN" --exclude-path '/api/tokens/{id}' \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" --max-time "${SCHEMATHESIS_MAX_TIME:-240}" \
    || status=$?
# Then revoking, with a token of its own.
REVOKER="$(EVENTMAP_LOG=warn "$BIN" token create --database "$DB" --name revoker --role admin)"
st --header "Authorization: Bearer $REVOKER" --include-path '/api/tokens/{id}' --max-examples 10 --max-time 60 \
    || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- server log (last 50 lines) ---"
    tail -n 50 "$WORK/serve.log"
fi
exit "$status"
