# CareBot front door. Every target installs what it needs first (scripts/setup is idempotent).
.PHONY: help setup test test-fast lint chat bench nlu-train nlu-eval nlu-serve clean
CAREBOT = .venv/bin/carebot

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## build .venv (app) and .venv-nlu (Rasa 3.6), train the NLU model if stale
	@scripts/setup

test: setup lint  ## install what is missing, lint, type-check and run the whole test suite
	.venv/bin/pytest -q

test-fast:  ## the inner loop: ruff and the tests without Rasa (`-m "not nlu"`); builds only .venv, trains nothing
	@scripts/setup --app-only
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pytest -q -m "not nlu"

lint: setup  ## ruff and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

chat: setup  ## load the demo shop and talk to the bot in the terminal (SQLite, in-process Redis)
	$(CAREBOT) seed-demo
	$(CAREBOT) chat --with-nlu $(ARGS)

bench: setup  ## run the benchmarks (prints numbers; not part of the tests)
	.venv/bin/python -m benchmarks.run_all

nlu-train: setup  ## retrain the NLU model (skipped when data and config are unchanged)
	$(CAREBOT) nlu train

nlu-eval: setup  ## evaluate the model on the held-out set
	$(CAREBOT) nlu eval

nlu-serve: setup  ## run the Rasa NLU server
	$(CAREBOT) nlu serve

clean:  ## remove environments, models and local data
	rm -rf .venv .venv-nlu models var
