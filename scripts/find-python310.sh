#!/usr/bin/env bash
# Prints a Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10 only):
# python3.10 on PATH first, then pyenv's newest 3.10.x. Exits 1 with advice.
set -u
for candidate in python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions"/3.10.*/bin/python3.10 \
                 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python3.10; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$path"; exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.10 found. Rasa 3.6 needs Python 3.8-3.10.
Install one, for example `pyenv install 3.10.13`, or put python3.10 on PATH,
or point the Makefile at it: make run PYTHON310=/path/to/python3.10
MSG
exit 1
