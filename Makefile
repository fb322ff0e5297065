# SiKondusif Lubuklinggau — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
PORT   ?= 8501

.PHONY: run test install geo prepare lint bench clean-data static

$(STAMP): requirements.txt
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)  # new, or left half-made
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP) static

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

# `make run` = try the app (demo accounts + simulated reports);
# `make run PRODUKSI=1` = real use: no demo material, one admin with a one-time password.
PRODUKSI ?=

prepare: install geo
	@if [ -n "$(PRODUKSI)" ]; then $(BIN)/python -m kondusif init --produksi; \
	else $(BIN)/python -m kondusif prepare; fi

# app.py is an st.App (ASGI, served by uvicorn) around dashboard.py: login routes, headers.
run: prepare
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.headless true

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done
