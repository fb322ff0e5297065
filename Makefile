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

# Boundaries: use LUBUKLINGGAU_GEO_DIR or data/geo/ when present, else try the pinned
# download; without it the app still runs and draws kelurahan as points.
geo: install
	@if [ -n "$$LUBUKLINGGAU_GEO_DIR" ] && [ -f "$$LUBUKLINGGAU_GEO_DIR/kelurahan.geojson" ]; then \
		echo "Batas wilayah: $$LUBUKLINGGAU_GEO_DIR"; \
	elif [ -f data/geo/kelurahan.geojson ]; then \
		echo "Batas wilayah: data/geo/"; \
	else \
		$(BIN)/python -m lubuklinggau_geo fetch || \
		echo "Peringatan: batas wilayah belum terpasang; aplikasi tetap jalan (kelurahan sebagai titik)."; \
	fi

prepare: install geo
	$(BIN)/python -m kondusif prepare

run: prepare
	$(BIN)/python -m streamlit run dashboard.py --server.port $(PORT) --server.headless true

lint: install-dev
	$(BIN)/ruff check .

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: install-dev
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
