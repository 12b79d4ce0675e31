# The two commands of the README. Both set everything up on a fresh machine that has
# Python 3.11 or newer: a .venv here, the kit and its test tools installed into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab app test lint bench pins clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## make lab: start JupyterLab on the first notebook, in demo mode (no AWS account needed)
lab: $(STAMP)
	MTURKLINK_MODE=$${MTURKLINK_MODE:-demo} $(BIN)/jupyter lab notebooks/00_start_here.ipynb

## make app: the same forms as a code-free Voilà app. It serves the whole folder, so each
## notebook's "Next" link opens the next one (one notebook alone would have nowhere to go).
## A tab closed without saying goodbye leaves its kernel: after 5 idle minutes with no tab
## connected it is shut down (open tabs are never culled), so a room does not fill the memory.
app: $(STAMP)
	@echo "Start with 00_start_here.ipynb: http://localhost:8866/voila/render/00_start_here.ipynb"
	MTURKLINK_MODE=$${MTURKLINK_MODE:-demo} $(BIN)/voila notebooks/ \
	    --MappingKernelManager.cull_interval=60 --MappingKernelManager.cull_idle_timeout=300

## make test: every test, the notebooks included
test: $(STAMP)
	$(BIN)/ruff check .
	MTURKLINK_MODE=demo $(BIN)/python -m pytest

## make bench: the benchmarks, figures printed side by side
bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

## make pins: refresh binder/constraints.txt from a fresh resolve of pyproject.toml
pins:
	rm -rf /tmp/mturklink-pins && $(PYTHON) -m venv /tmp/mturklink-pins
	/tmp/mturklink-pins/bin/python -m pip install --quiet .
	/tmp/mturklink-pins/bin/python -m pip freeze --exclude mturklink > binder/constraints.txt
	/tmp/mturklink-pins/bin/python tools/write_binder_requirements.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
