VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: setup run test bench definitions deploy-definitions asyncapi diagram clean

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

definitions: setup  ## regenerate the RabbitMQ topology (committed, no users) from the code
	$(PYTHON) -m shared.topology > deploy/rabbitmq/definitions.json

asyncapi: setup  ## regenerate docs/asyncapi/*.json from the event registry
	$(PYTHON) -m shared.asyncapi docs/asyncapi

diagram: setup  ## regenerate the README's service diagram from the event registry
	$(PYTHON) -m scripts.diagram README.md

# At deploy time, before `docker compose up`: topology + users + permissions, passwords
# from .env (never committed). A missing secret stops it, and then compose too.
deploy-definitions: setup
	set -a; [ -f .env ] && . ./.env; set +a; \
	$(PYTHON) -m shared.topology --with-users > deploy/rabbitmq/definitions.rendered.json.tmp \
	&& mv deploy/rabbitmq/definitions.rendered.json.tmp deploy/rabbitmq/definitions.rendered.json \
	|| { rm -f deploy/rabbitmq/definitions.rendered.json.tmp; exit 1; }

clean:
	rm -rf .data .run
