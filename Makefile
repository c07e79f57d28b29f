# partnerflow: every target bootstraps what it needs (uv, then the locked environment).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN := $(UV) run --frozen --extra scale

.PHONY: demo test lint bench bench-smoke up sync schema clean

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

sync: $(UV)
	$(UV) sync --frozen --extra scale

demo: sync  ## initialise, seed, list policies, deliver e-mails through a local Prefect server
	$(RUN) python -m demo

up: sync  ## Prefect server + SMTP sink + all deployments served (UI on http://127.0.0.1:4200)
	$(RUN) partnerflow up

# The suite on two workers (one test file each: a module's served deployments start once; the
# system tests together on one worker, first: tests/scheduling.py), then the fault suite alone:
# it races and kills processes it forks, which failed when forked from a worker that had run
# other files, and its timings want the machine to themselves.
test: sync  ## the whole suite (Postgres tests need PARTNERFLOW_TEST_DATABASE_URL)
	status=0; \
	$(RUN) pytest -n 2 --dist loadfile --ignore=tests/faults || status=1; \
	$(RUN) pytest tests/faults || status=1; \
	exit $$status

lint: sync  ## ruff, mypy --strict and the import contracts (ARCHITECTURE.md) on the product code
	$(RUN) ruff check partnerflow flows tasks demo tests bench migrations
	$(RUN) ruff format --check partnerflow flows tasks demo tests bench migrations
	$(RUN) mypy partnerflow flows tasks demo
	$(RUN) lint-imports

bench: sync  ## benchmarks; figures go to bench/README.md
	$(RUN) python bench/policy_eval.py
	$(RUN) python bench/outbox.py
	$(RUN) python bench/approval_page.py
	$(RUN) python bench/faults.py
	$(RUN) python bench/deal_intake.py
	$(RUN) python bench/deal_latency.py
	$(RUN) python bench/bulk_submit.py
	$(RUN) python bench/campaign_notify.py
	$(RUN) python bench/commissions.py
	$(RUN) python bench/rebalancing.py
	$(RUN) python bench/partner_health.py
	$(RUN) python bench/referrals.py
	$(RUN) python bench/partner_api.py
	$(RUN) python bench/distributed.py --runs 60 --queued 2000

# Every benchmark at a tiny size: each must exit 0 and print its JSON line (targets not asserted).
bench-smoke: sync  ## every script in bench/ at a CI size (bench/smoke.py)
	$(RUN) python bench/smoke.py

schema: sync  ## re-export policies/schema/*.json after changing a policy kind
	$(RUN) partnerflow policy schema

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
