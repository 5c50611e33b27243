#!/usr/bin/env bash
# The wheel built from the tracked files installs into an environment that already holds other releases of
# transformers and TRL inside pyproject.toml's ranges, leaves them as they are, and works there: `provenance --help`
# and a tiny TRL SFT capture run (tiny_capture.py). `make check-wheel` runs it; the venv (default .venv-wheel) is
# made anew each time.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
venv=${1:-.venv-wheel}
python=${PYTHON:-python3}
# A user's stack: a transformers release other than constraints.txt's 5.23.0, inside the supported window (TRL 1.16.0
# is the window's only release so far, so it is the one). torch comes first and pinned, as in `make setup`: pip takes
# the CPU build on this machine's disk.
stack=(transformers==5.22.2 trl==1.16.0)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
# Only tracked files, as a fresh clone has them: an ignored build/ or egg-info cannot hide a package missing from
# the wheel.
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/src"
"$python" -m pip wheel -q --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/provenance-*.whl)

rm -rf "$venv"
"$python" -m venv "$venv"
py="$repo/$venv/bin/python"
"$py" -m pip install -q --upgrade pip
"$py" -m pip install -q torch==2.13.0
"$py" -m pip install -q "${stack[@]}"
pinned() { "$py" -m pip freeze | grep -iE '^(torch|transformers|trl|accelerate|datasets)==' ; }
before=$(pinned)
"$py" -m pip install -q "$wheel[trl]"
after=$(pinned)
if [ "$before" != "$after" ]; then
    echo "installing the wheel changed the existing stack:"; diff <(echo "$before") <(echo "$after") || true
    exit 1
fi
echo "stack kept: $(echo "$after" | tr '\n' ' ')"

# Outside the repository, so everything is imported from the installed wheel.
cd "$work"
"$repo/$venv/bin/provenance" --help > help.txt
grep -q "Usage" help.txt || { cat help.txt; exit 1; }
echo "provenance --help: $(grep -c . help.txt) lines"
OMP_NUM_THREADS=1 "$py" "$repo/benchmarks/compat/tiny_capture.py"
