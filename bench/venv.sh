# Sourced by the bench scripts: builds the release binary and installs the Python peers
# (bench/requirements.txt) into target/bench-venv when missing or out of date; sets $venv, and $out, a
# scratch folder removed when the script exits.
cargo build --release --locked -q
venv=target/bench-venv
if ! cmp -s bench/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r bench/requirements.txt
    cp bench/requirements.txt "$venv/requirements.txt"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
