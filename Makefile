# The two set-up commands of README.md:
#   make demo   creates .venv, installs the package, runs the main job on this host
#   make test   creates .venv, installs the package with its test tools, runs the tests
# torch is pinned (CPU build) in constraints.txt, the one place it is pinned.

PYTHON ?= python3
VENV   ?= .venv
BOARD  ?= .venv-board
PIP     = $(VENV)/bin/pip
STAMP   = $(VENV)/.installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt torch
	$(PIP) install --quiet -c constraints.txt -e '.[all,dev]'
	# The loopback board of the SSH tests: a Python holding only what a board needs.
	test -x $(BOARD)/bin/python || $(PYTHON) -m venv $(BOARD)
	$(BOARD)/bin/pip install --quiet -c constraints.txt numpy onnxruntime
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/oneproxy demo

# pytest's own progress (a dot per test, the share done at each line's end), not -q's
# silence: a long run on a busy machine is visibly alive.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -n 2 --dist worksteal

clean:
	rm -rf $(VENV) $(BOARD) oneproxy-output
