# Two commands for a fresh machine: `make demo` and `make test`. Both install what they need.

VENV            := .venv
PY              := $(VENV)/bin/python
STAMP           := $(VENV)/.installed
PYTHON          ?= python3
# Fonts for the PDF (Noto CJK: 宋体/黑体-like), HarfBuzz subsetting for fast CJK PDF, poppler
# for PDF text checks, LibreOffice to prove the DOCX opens and converts, Chromium and its
# driver for the browser editor's test.
SYSTEM_PACKAGES := fonts-noto-cjk fonts-liberation2 libharfbuzz-subset0 poppler-utils libreoffice-writer-nogui \
                   chromium chromium-driver
# The suite on every core, a test file to a worker process (its module fixtures made once);
# PYTEST_ARGS= runs it in one process.
PYTEST_ARGS     ?= -n auto --dist loadfile

.PHONY: setup system demo test typecheck test-latest-deps lint bench clean

setup: system $(STAMP)

system:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "policygen needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/policygen render examples/bank.yaml -f docx,pdf -o out/
	@echo "在浏览器中编辑配置 (edit in the browser): $(VENV)/bin/policygen edit examples/bank.yaml"

test: setup typecheck
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# mypy --strict on the packages pyproject.toml's [tool.mypy] names.
typecheck: setup
	$(VENV)/bin/mypy

# The DOCX tests against the latest python-docx release, whatever pyproject's pin says, in a
# throwaway venv (not part of `make test`): run it when python-docx releases, before raising
# the pin. What the writer takes from python-docx's internals is in writers/docx/oxml/compat.py.
LATEST_VENV     := build/latest-deps
LATEST_PACKAGES ?= python-docx
DOCX_TESTS      := tests/writers/test_docx.py tests/writers/test_docx_native.py \
                   tests/writers/test_docx_oxml.py tests/writers/test_docx_reference.py \
                   tests/writers/test_house_style.py tests/writers/test_gongwen.py \
                   tests/writers/test_reproducible.py tests/test_reference_docx.py \
                   tests/test_word_template.py tests/test_diff.py tests/security/test_docx_guard.py

test-latest-deps: system
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(LATEST_VENV)/bin/python -m pip install -q -e '.[test]'
	$(LATEST_VENV)/bin/python -m pip install -q --upgrade $(LATEST_PACKAGES)
	$(LATEST_VENV)/bin/python -m pip list 2>/dev/null | grep -i -E 'python-docx|docxtpl|docxcompose|lxml'
	$(LATEST_VENV)/bin/python -m pytest $(DOCX_TESTS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/ruff format --check src tests tools

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf out build dist .pytest_cache .ruff_cache .mypy_cache
