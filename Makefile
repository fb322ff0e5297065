# SiKondusif Lubuklinggau — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Runtime set (requirements.txt) for `make run`; tests and tooling on top (requirements-dev.txt)
# for `make test`. Each stamp is named after the hash of what it installed.
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | sha256sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
PORT   ?= 8501

.PHONY: run test install install-dev geo prepare lint bench clean-data static

$(STAMP): requirements.txt
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)  # new, or left half-made
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-dev-*
	@touch $(DEV_STAMP)

install: $(STAMP) static

install-dev: install $(DEV_STAMP)

# Leaflet + leaflet.markercluster (pinned in package.json/package-lock.json), served by the
# app itself from static/vendor/ so the map works with no internet (issue 4).
VENDOR_STAMP := static/vendor/.installed
static: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor
	mkdir -p static/vendor/leaflet static/vendor/leaflet.markercluster
	cp -R node_modules/leaflet/dist/. static/vendor/leaflet/
	cp node_modules/leaflet/LICENSE static/vendor/leaflet/LICENSE
	cp node_modules/leaflet.markercluster/dist/*.js node_modules/leaflet.markercluster/dist/*.css \
		node_modules/leaflet.markercluster/MIT-LICENCE.txt static/vendor/leaflet.markercluster/
	@touch $@

# Boundaries: LUBUKLINGGAU_GEO_DIR, else data/geo/ (import/fetch), else the extract packaged in
# lubuklinggau_geo, verified and built into data/geo-bawaan/ here (no network). `check` says
# which source is in use; only a broken installation leaves the map with points.
geo: install
	@$(BIN)/python -m lubuklinggau_geo check || \
		echo "Peringatan: batas wilayah tidak dapat dipakai (lihat di atas); aplikasi tetap jalan, kelurahan sebagai titik."

# `make run` = try the app (demo accounts + simulated reports);
# `make run PRODUKSI=1` = real use: no demo material, one admin with a one-time password.
PRODUKSI ?=

prepare: install geo
	@if [ -n "$(PRODUKSI)" ]; then $(BIN)/python -m kondusif init --produksi; \
	else $(BIN)/python -m kondusif prepare; fi

# app.py is an st.App (ASGI, served by uvicorn) around dashboard.py: login routes, headers.
# `serve` listens on 127.0.0.1 unless KONDUSIF_SERVER_ADDRESS says otherwise (put nginx TLS in front),
# and starts one background worker (`python -m kondusif worker`) beside the app, stopped with it
# (both modes; on a server systemd runs sikondusif-worker.service instead).
run: prepare
	$(BIN)/python -m kondusif serve --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .

# Browser tests need Debian chromium (Playwright's own download is not used): installed here
# when missing and running as root with apt-get, else one line says what to run.
test: install-dev
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Memasang chromium untuk pengujian peramban (apt-get)..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1; \
		else \
			echo "Pengujian butuh Chromium Debian di /usr/bin/chromium; jalankan dulu: sudo apt-get install -y chromium"; exit 1; \
		fi; \
	fi
	$(BIN)/ruff check .
	$(BIN)/mypy  # kondusif/ and lubuklinggau_geo/, settings in pyproject.toml
	$(BIN)/python -m pytest

bench: install-dev
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
