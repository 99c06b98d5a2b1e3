# SkillGym: `make demo` runs the main job, `make test` runs the whole suite.
# Every target installs what is missing first, idempotently.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Re-install when pyproject.toml changes (the stamp carries its hash).
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Debian packages the suite and the families need beyond Python itself: the terminal
# family's sandbox tools, and (for its bwrap sandbox, whose /usr is the host's) the
# packages its base image carries; the flight family's Chromium (Playwright drives it through
# executable_path) with a font, and chromium-driver for the MiniWoB++ peer in `make bench`.
APT_PACKAGES := bubblewrap debootstrap docker.io chromium chromium-driver fonts-dejavu-core postgresql \
  $(shell grep -v '^\#' containers/terminal/packages.txt)

# llama-cpp-python (the model extra) builds from source, once; pip's wheel cache serves
# later installs. A native build crashed at the first inference on these CPUs: portable
# flags, without AVX-512 and AMX.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF

.PHONY: setup system docker images demo serve test bench lint clean

setup: system $(STAMP)

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && apt-get install -y -qq $$missing; fi
	@sh envs/spreadsheet/install-engine.sh
	@# Ubuntu's archive keyring, for the stand-ins of ubuntu:* images (docs/harbor.md): Debian 12
	@# has it in bookworm-backports, which the spreadsheet engine's install has enabled.
	@dpkg -s ubuntu-keyring >/dev/null 2>&1 || apt-get install -y -qq ubuntu-keyring \
	  || apt-get install -y -qq -t bookworm-backports ubuntu-keyring
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "SkillGym needs Python 3.11+"' \
	  || { echo "Python 3.11+ is required (found $$($(PYTHON) --version))"; exit 1; }

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

demo: setup
	$(VENV)/bin/skillgym demo

serve: setup
	$(VENV)/bin/skillgym serve --host 127.0.0.1 --port 8000

# The Docker engine (started if absent) and the terminal base image (built offline, cached).
docker:
	@sh containers/docker-engine.sh

# The base images (bootstrapped offline, cached) and the family images (docs/images.md): with
# nothing changed every step is a cache hit and it takes seconds.
images: docker $(STAMP)
	@sh containers/terminal/build-base.sh >/dev/null
	@sh containers/base/build-base.sh >/dev/null
	$(VENV)/bin/skillgym images build

test: setup images
	$(PY) -m pytest -q

bench: setup images
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev,bench]"
	$(PY) benchmarks/protocol.py
	$(PY) benchmarks/spreadsheet.py
	$(PY) benchmarks/spreadsheet_neighbour.py
	$(PY) benchmarks/terminal.py
	$(PY) benchmarks/flight.py
	$(PY) benchmarks/hub.py
	$(PY) benchmarks/replicas.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache runs *.egg-info
