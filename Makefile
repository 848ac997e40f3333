# The course's two commands: `make lab` (learn) and `make test` (verify).
# Both create .venv on first use and install the course into it; nothing is
# registered globally. Pin a CPU build of torch with e.g.
#   make test TORCH_SPEC=torch==2.13.0
# or take torch (only torch) from PyTorch's own index, e.g. its CPU builds:
#   make lab TORCH_INDEX=https://download.pytorch.org/whl/cpu
# PIP_EXTRA adds options to every pip install (e.g. --extra-index-url URL).

PYTHON     ?= python3
VENV       ?= .venv
TORCH_SPEC ?= torch
EXTRAS     ?= test,browser
PIP_EXTRA  ?=
TORCH_INDEX ?=
PYTEST_ARGS ?=
COURSE_LANG ?=

BIN    := $(VENV)/bin
STAMP  := $(VENV)/.course-installed

.PHONY: lab test lint install check-env bench clean-venv help site

help:
	@echo "make lab    - install into $(VENV) if needed, check it, start JupyterLab"
	@echo "               (make lab COURSE_LANG=zh-CN: the Chinese edition, check() in Chinese)"
	@echo "make test   - install into $(VENV) if needed, run pytest --nbval (tests + all notebooks)"
	@echo "make lint   - ruff check and ruff format --check over the repository (as CI does)"
	@echo "make bench  - run the benchmarks (they print ratios, not pass/fail)"
	@echo "make site   - build the static course website into site/_build/html (offline after set-up)"
	@echo "make clean-venv - remove $(VENV) (needed after changing TORCH_SPEC)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_EXTRA) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet $(PIP_EXTRA) -e ".[$(EXTRAS)]"
	@touch $(STAMP)

install: $(STAMP)

check-env: $(STAMP)
	$(BIN)/deconv-course check-env

lab: $(STAMP)
	$(if $(COURSE_LANG),DECONV_COURSE_LANG=$(COURSE_LANG) )$(BIN)/deconv-course lab

test: $(STAMP)
	$(BIN)/deconv-course check-env
	$(BIN)/python -m pytest --nbval $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

bench: $(STAMP)
	$(BIN)/deconv-course bench

# The static site (site/build.py): Sphinx + myst-nb from the committed outputs (nothing runs),
# MathJax from the npm registry into site/.npm once (MATHJAX_SPEC). After this set-up the build
# is offline. Output: site/_build/html/index.html.
MATHJAX_SPEC ?= mathjax@3.2.2
SITE_STAMP   := $(VENV)/.site-installed
MATHJAX_JS   := site/.npm/node_modules/mathjax/es5/tex-mml-chtml.js

$(SITE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet $(PIP_EXTRA) -e ".[$(EXTRAS),site]"
	@touch $(SITE_STAMP)

$(MATHJAX_JS):
	npm install --prefix site/.npm --no-audit --no-fund --no-save $(MATHJAX_SPEC)

site: $(SITE_STAMP) $(MATHJAX_JS)
	$(BIN)/python site/build.py --check

clean-venv:
	rm -rf $(VENV)
