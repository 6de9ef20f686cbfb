# Baton — the common jobs. `make run` and `make test` set everything up on first use.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := run

VENV := .venv
RASA_VENV := .venv-rasa
# pip on this machine kind warns about every unreachable extra index; keep the output readable
QUIET_PIP := { grep -v --line-buffered -e 'is ignored: it is neither a file nor a directory' -e '^DEPRECATION:' || true; }
PYTEST_ARGS ?=
# the assistant folder to serve (a Rasa 3.x project with a baton.yml); default: the demo, bot/
PROJECT ?=
WITH_PROJECT = $(if $(PROJECT),--project $(PROJECT))

.PHONY: run test test-faults setup train index bench-handoff bench-retrieval bench-vectors bench-nlu bench-assist lint fuzz docs clean

run: setup ## start Rasa, the action server and the gateway (PROJECT=DIR: your assistant); Ctrl-C stops them all
	$(VENV)/bin/baton run $(WITH_PROJECT)

test: setup ## set up, train the demo bot and build its knowledge index if they changed, run every test
	$(VENV)/bin/baton train
	$(VENV)/bin/python -m pytest -m "not faults" $(PYTEST_ARGS)

test-faults: setup ## every fault scenario under load on the scaled stack, those still failing included
	$(VENV)/bin/baton train
	$(VENV)/bin/python -m pytest tests/scenarios/test_faults.py tests/scenarios/test_scale_out.py $(PYTEST_ARGS)

setup: $(VENV)/.installed $(RASA_VENV)/.installed $(VENV)/.browser

train: setup ## train the Rasa model if the assistant (PROJECT=DIR, default bot/) changed since the last one
	$(VENV)/bin/baton train $(WITH_PROJECT)

index: setup ## build the knowledge index from help_centre/ (incremental: only changed articles are embedded)
	$(VENV)/bin/baton index $(WITH_PROJECT)

bench-retrieval: setup ## retrieval quality and latency, BM25 vs dense vs shipped (DATA=a StackFAQ or articles/queries file)
	$(VENV)/bin/python -m bench.retrieval $(if $(DATA),--data $(DATA)) $(BENCH_ARGS)

bench-vectors: setup ## the index at scale: 1M vectors, single-query latency on one core, recall@10, build time, RAM
	$(VENV)/bin/python -m bench.vectors $(BENCH_ARGS)

bench-nlu: setup ## intents through a real Rasa server, shipped pipeline (COMPARE=1: and Rasa's default) on DATA in CLINC150's layout
	$(VENV)/bin/python -m bench.nlu $(if $(DATA),--data $(DATA)) $(if $(COMPARE),--compare) $(BENCH_ARGS)

bench-handoff: setup ## handoff latency, SQLite vs PostgreSQL + Redis (table, JSON and chart in bench/results/)
	$(VENV)/bin/python -m bench.handoff $(BENCH_ARGS)

bench-assist: setup ## AI-assist latency: customer message → suggestions on the agent's console, 1 vs 50 agent-owned conversations
	$(VENV)/bin/python -m bench.assist $(BENCH_ARGS)

fuzz: setup ## the deep fuzzing run: hypothesis on every parser of outside input, schemathesis on every API route (tests/fuzz)
	BATON_FUZZ=deep $(VENV)/bin/python -m pytest tests/fuzz -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy baton bench gateway handoff connectors knowledge_index baton_actions agent_console analytics retraining bot/actions
	$(VENV)/bin/python -m baton.settings_reference --check

docs: $(VENV)/.installed ## regenerate docs/settings.md from the settings classes and baton.yml's contract
	$(VENV)/bin/python -m baton.settings_reference

$(VENV)/.installed: pyproject.toml requirements/app.lock
	@echo "==> app runtime ($(VENV), Python 3.11): installing (first time: about 3 minutes)"
	@test -x $(VENV)/bin/python || "$$(scripts/find-python 3.11)" -m venv $(VENV)
	$(VENV)/bin/python -m pip install --upgrade pip 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -m pip install -c requirements/app.lock -e '.[dev,bench]' 2>&1 | $(QUIET_PIP)
	@touch $@

# Debian's chromium for the browser tests of the console and the widget
$(VENV)/.browser: scripts/install-browser | $(VENV)/.installed
	scripts/install-browser
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt
	@echo "==> Rasa runtime ($(RASA_VENV), Python 3.10): installing rasa 3.6.21 (first time: about 4 minutes)"
	@test -x $(RASA_VENV)/bin/python || "$$(scripts/find-python 3.10)" -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install -r requirements/rasa.txt 2>&1 | $(QUIET_PIP)
	@touch $@

clean: ## remove virtual environments, models and local data
	rm -rf $(VENV) $(RASA_VENV) bot/models bot/.rasa var
