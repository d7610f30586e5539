# Every target creates .venv and installs into it when needed: a fresh machine needs only python3, venv and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo run test bench bench-quick bench-tmux screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tmail --demo

run: $(STAMP)
	$(BIN)/tmail

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	status=0; $(BIN)/python -m benchmarks || status=1; $(BIN)/python -m benchmarks.archive_search || status=1; \
	exit $$status

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick

bench-tmux: $(STAMP)
	$(BIN)/python -m benchmarks.tmux_check

screenshots: $(STAMP)
	$(BIN)/python screenshots/generate.py screenshots

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
