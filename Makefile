.PHONY: run test bench bench-proof lint fmt messages bootstrap help
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run:  ## install what is missing, migrate, load the demo once, serve on http://127.0.0.1:8000 with a worker
	@scripts/bootstrap.sh run
	@scripts/run.sh

test:  ## install what is missing, run every test on SQLite, PostgreSQL and in headless Chromium
	@scripts/test.sh

bench:  ## run the benchmarks (SCALE=small|large, DB=sqlite|postgres) and update docs/benchmarks.md
	@scripts/bootstrap.sh $(if $(filter postgres,$(DB)),test,bench)
	@SCALE=$(or $(SCALE),small) DB=$(or $(DB),sqlite) scripts/bench.sh run

bench-proof:  ## two web processes and two workers on PostgreSQL under 50 buyers: nothing lost
	@scripts/bootstrap.sh test
	@scripts/bench.sh proof

lint:  ## ruff (lint and format check) and mypy
	@scripts/bootstrap.sh run
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy .

fmt:  ## format and fix what ruff can
	uv run --frozen ruff format .
	uv run --frozen ruff check --fix .

messages:  ## refresh the Japanese and English message catalogues and compile them
	uv run --frozen python manage.py makemessages -l ja -l en --no-obsolete --add-location file -i '.venv/*' -i 'var/*'
	uv run --frozen python manage.py compilemessages -i '.venv' -i 'var'
