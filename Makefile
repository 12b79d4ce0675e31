# The two commands of the README. Both set everything up on a fresh machine that has
# Python 3.11 or newer: a .venv here, the kit and its test tools installed into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab app lessons git-filters test lint bench pins clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,hub]'
	touch $@

# Where the lessons live: NN_name.md (the source) paired with NN_name.ipynb (jupytext.toml).
LESSONS := notebooks
# Containers, cloud VMs and many workshop servers run as root, which Jupyter refuses
# without --allow-root. (Expanded only by the targets that use it.)
ALLOW_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)

## make lab: start JupyterLab on the first notebook, in demo mode (no AWS account needed).
## Extra flags for JupyterLab go in ARGS, e.g. make lab ARGS="--no-browser --port 8890".
## The address it prints (and the page it opens) is notebook 00 itself, not the Launcher.
## The kit's JupyterLab settings (jupyter-config/README.md) come first in Jupyter's config path.
lab: $(STAMP)
	MTURKLINK_MODE=$${MTURKLINK_MODE:-demo} \
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH} \
	    $(BIN)/jupyter lab $(ALLOW_ROOT) \
	    --ServerApp.root_dir=$(LESSONS) --LabApp.default_url=/lab/tree/00_start_here.ipynb $(ARGS)

## make app: the same forms as a code-free Voilà app. It serves the whole folder, so each
## notebook's "Next" link opens the next one (one notebook alone would have nowhere to go).
## A tab closed without saying goodbye leaves its kernel: after 5 idle minutes with no tab
## connected it is shut down (open tabs are never culled), so a room does not fill the memory.
## Extra flags for Voilà go in ARGS, e.g. make app ARGS="--no-browser --port 8867".
app: $(STAMP)
	@port=8866; set -- $(ARGS); while [ $$# -gt 0 ]; do case "$$1" in \
	    --port=*|--Voila.port=*) port=$${1#*=};; --port|--Voila.port) port=$$2;; esac; shift; done; \
	    echo "Start with 00_start_here.ipynb: http://localhost:$$port/voila/render/00_start_here.ipynb"
	MTURKLINK_MODE=$${MTURKLINK_MODE:-demo} $(BIN)/voila $(LESSONS)/ \
	    --MappingKernelManager.cull_interval=60 --MappingKernelManager.cull_idle_timeout=300 $(ARGS)

## make lessons: after editing a lesson's .md outside JupyterLab, bring its .ipynb up to date
## (jupytext --sync: the newer file of each pair wins; outputs in the .ipynb are kept)
lessons: $(STAMP)
	$(BIN)/jupytext --sync $(LESSONS)/[0-9][0-9]_*.md

## make git-filters: once per clone. Notebooks then reach git without outputs, execution
## counts, widget state or the kernel's version details, however often they were run and
## saved (the nbstripout filter that .gitattributes names for *.ipynb).
git-filters: $(STAMP)
	$(BIN)/nbstripout --install
	git config filter.nbstripout.extrakeys metadata.language_info

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
	{ echo '# Written by `make pins`: every package of a fresh install of the kit, pinned.'; \
	  /tmp/mturklink-pins/bin/python -m pip freeze --exclude mturklink; } > binder/constraints.txt
	/tmp/mturklink-pins/bin/python tools/write_binder_requirements.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
