VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: setup run test bench definitions clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

run: setup  ## all five services on the embedded store + local RabbitMQ + SMTP sink
	$(PYTHON) -m scripts.local_stack

test: setup
	$(PYTHON) -m pytest

bench: setup
	$(PYTHON) -m benchmarks.run

definitions: setup  ## regenerate the RabbitMQ definitions from the code's topology
	$(PYTHON) -m shared.topology > deploy/rabbitmq/definitions.json

clean:
	rm -rf .data .run
