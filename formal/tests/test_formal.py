"""The formal flow: its references agree with the golden model, its catalogue covers every
datapath and option, every mutant applies, and (marker ``formal``) the quick subset of proofs
passes and its mutants are caught, with SymbiYosys and the pinned solvers."""

import dataclasses
import gc
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from amaranth.sim import Simulator

import golden
from hdl.config import BITS, DATAPATHS, MAX_SIDE, WINDOW_SHIFTS, SparqConfig
from hdl.generate import verilog
from hdl.pe import max_pairs
from hdl.lint import put_tools_on_path

from amaranth import Shape
from formal import array as formal_array, dotprod
from hdl.blocks import BLOCK_TABLE
from formal.jobs import EQUIVALENCE_ARRAYS, PROPERTIES, SETTINGS, catalogue
from hdl.default_set import default_set
from formal.mutants import MUTANTS, QUICK_MUTANTS
from formal.pe_equiv import array_pes_equivalent
from formal.reference import lone_values, pair_values, window_table, window_values
from formal.run import mutant_line, proof_line
from formal.sby import Verdict, run_job, run_with_fallback
from formal.spec import SpecWindow, lone_window, spec_shifts

ROOT = Path(__file__).resolve().parents[2]
# The YoWASP tools see only folders below their working directory, not /tmp: work in build/.
WORK = ROOT / "build" / "formal" / "pytest"


@pytest.mark.parametrize("bits, options, rounding", SETTINGS)
def test_reference_pair_rule_is_golden(bits, options, rounding):
    cfg = SparqConfig(bits=bits, options=options, rounding=rounding)
    a1, a0 = np.divmod(np.arange(65536), 256)
    h0, h1 = pair_values(cfg, a0, a1)
    g0, g1 = golden.vsparq(a0, a1, bits=bits, options=options, rounding=rounding)
    assert np.array_equal(h0, g0) and np.array_equal(h1, g1)


def test_reference_follows_the_window_width():
    # The 3-bit reference is not the 4-bit one (the bug this guards against: a 4-bit reference
    # whatever bits says).
    four = window_values(SparqConfig(bits=4, options=5))
    three = window_values(SparqConfig(bits=3, options=6))
    assert not np.array_equal(four, three)
    assert three[255] == golden.bsparq(np.array([255]), bits=3, options=6)[0][0] << 5
    assert list(lone_values(SparqConfig())) == list(range(256))       # 4-bit: exact


def test_reference_refuses_what_golden_does_not_define():
    with pytest.raises(ValueError, match="datapath 'sparq', not 'int8'"):
        window_values(SparqConfig(datapath="int8"))
    with pytest.raises(ValueError, match=r"bits=5, options=3"):
        spec_shifts(5, 3)
    with pytest.raises(ValueError, match="bits must be one of .* not 6"):
        lone_window(6)


def test_window_table_holds_the_golden_values():
    cfg = SparqConfig(options=3, rounding="truncate")
    text = window_table(cfg)
    word = int(text.split("2048'h")[1].split(";")[0], 16)
    assert [(word >> (8 * x)) & 255 for x in range(256)] == list(window_values(cfg))


# Every pair window of the catalogue and the two lone windows (3-bit: 6-bit window, 3 options;
# 2-bit: 4-bit window, 5 options), both roundings.
_SPEC_WINDOWS = SETTINGS + [(6, 3, r) for r in ("nearest-even", "truncate")]


@pytest.mark.parametrize("bits, options, rounding", _SPEC_WINDOWS)
def test_spec_window_model_is_golden(bits, options, rounding):
    # The formal-only model, simulated over all 256 activations.
    dut = SpecWindow(bits, options, rounding)
    seen = []

    async def bench(ctx):
        for x in range(256):
            ctx.set(dut.x, x)
            seen.append((ctx.get(dut.mant), ctx.get(dut.shift)))

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    mant, shift = golden.bsparq(np.arange(256), bits=bits, options=options, rounding=rounding)
    assert seen == [(int(m), int(s)) for m, s in zip(mant, shift)]


def test_catalogue_covers_every_block_datapath_option_and_property():
    proofs = catalogue()
    names = [p.name for p in proofs]
    assert len(names) == len(set(names))
    for block, props in PROPERTIES.items():
        assert {p.prop for p in proofs if p.block == block} == set(props)
    for block in ("pe", "array"):
        configs = [p.config for p in proofs if p.block == block]
        # Every datapath, window width and option.
        assert {c.datapath for c in configs} == set(DATAPATHS)
        assert {c.bits for c in configs} == set(BITS)
        assert {(c.bits, c.options) for c in configs if c.datapath == "sparq"} == set(WINDOW_SHIFTS)
    # The dot-product unit: every datapath family, one stage and split, both interfaces.
    units = [p.config for p in proofs if p.block == "dotprod"]
    assert {c.datapath for c in units} == set(DATAPATHS)
    assert {c.bits for c in units if c.datapath == "sparq"} == set(BITS)
    assert {c.mul_pipe for c in units} == {False, True}
    assert {c.interface for c in units} == {"native", "axis"}
    assert {c.mul_pipe for c in configs if c.datapath == "sparq"} == {False, True}
    assert any(p.block == "skid" for p in proofs)
    assert {p.config.datapath for p in proofs if p.block == "pe" and p.config.stc} == {"sparq", "int8"}
    arrays = [p.config for p in proofs if p.block == "array"]
    assert {c.mul_pipe for c in arrays} == {False, True}
    assert {c.interface for c in arrays} == {"native", "axis"}
    assert {c.rounding for c in arrays if c.datapath == "sparq"} == {"nearest-even", "truncate"}
    assert any(c.max_k % 2 for c in arrays)          # an odd max_k
    assert all(c.rows <= 3 and c.cols <= 3 and c.max_k <= 8 for c in arrays)
    # The forms of make verilog and beyond: 2:4 arrays of both datapaths, skid buffers at the
    # ports, packed products with and without the split.
    assert {c.datapath for c in arrays if c.stc} == {"sparq", "int8"}
    assert any(c.skid for c in arrays) and any(c.skid for c in units)
    assert any(c.skid and c.interface == "axis" for c in arrays)
    assert {c.mul_pipe for c in units if c.dsp_pack} == {False, True}
    # The default set of make verilog (hdl.default_set): every PE proved, every unit through one
    # output (1x1, the same pairs and max_k), every array through its PEs' equivalence with the
    # PE proved (and the any-size argument); the sparq units part by part.
    pes = {p.config for p in proofs if p.block == "pe"}
    for block, cfg in default_set():
        if block == "pe":
            assert cfg in pes, cfg
        elif block == "dotprod":
            one = dataclasses.replace(cfg, rows=1, cols=1)
            assert {p.prop for p in proofs if p.block == "dotprod" and p.config == one} == set(
                dotprod.properties(one)), one
        elif block == "array":
            assert cfg in EQUIVALENCE_ARRAYS, cfg
    assert {c.datapath for c in units if c.pairs == 4 and c.max_k == 1152} == set(DATAPATHS)
    assert {c.bits for c in units if c.pairs == 4 and c.datapath == "sparq"} == set(BITS)
    # The sparq units with more than 2 pairs: lanes and tree instead of products, in every form.
    composed = [c for c in units if dotprod.compositional(c)]
    assert {(c.mul_pipe, c.dsp_pack) for c in composed} == {(False, False), (True, False),
                                                             (False, True)}
    assert all(not dotprod.compositional(c) for c in units if c.pairs <= 2)
    # The framing of every number of rows the generator accepts (formal.frame), at the default
    # max_k's tile length, and the default dot-product unit's.
    frames = [p.config for p in proofs if p.block == "frame"]
    assert {c.rows for c in frames if max_pairs(c) == 576} == set(range(1, MAX_SIDE + 1))
    assert (4, 144) in {(c.rows, max_pairs(c)) for c in frames}
    quick = catalogue(quick=True)
    assert quick and set(quick) < set(proofs)


def test_every_mutant_applies_once_and_every_class_has_one():
    classes = set()
    for mutant in MUTANTS:
        job = mutant.job()                       # raises unless the pattern matches once
        assert job.mode == mutant.mode and job.files["dut.v"] != mutant.proof.job().files["dut.v"]
        assert (mutant.bmc_depth > job.depth) == (mutant.mode == "prove")
        classes.add((mutant.proof.block, mutant.proof.prop))
    assert {("array", prop) for prop in PROPERTIES["array"]} <= classes
    assert {("dotprod", prop) for prop in PROPERTIES["dotprod"]} <= classes
    assert ("skid", "beats") in classes
    assert ("frame", "control") in classes
    expects = {(m.proof.block, m.proof.config, m.expect.split("_")[0]) for m in MUTANTS}
    stc = SparqConfig(datapath="int8", rows=2, cols=2, max_k=8, stc=True)
    assert {e for b, c, e in expects if b == "array" and c == stc} == set(PROPERTIES["array"])
    assert {e for b, c, e in expects if b == "frame"} == {"stream", "conservation", "err"}
    for form in ("dsp_pack", "skid"):
        units = {c for b, c, e in expects if b == "dotprod" and getattr(c, form)}
        assert {e for b, c, e in expects if b == "dotprod" and getattr(c, form)} == {
            prop for c in units for prop in dotprod.properties(c)}
    # the classes of the units proved part by part
    assert {e for b, c, e in expects if b == "dotprod" and dotprod.compositional(c)} == {
        "lanes", "tree", "arithmetic"}
    assert any(m.mode == "prove" for m in MUTANTS)      # one shows the bounded fallback
    assert {("pe", "slots"), ("pe", "accumulator"), ("pair", "spec"), ("window", "spec")} <= classes
    assert set(QUICK_MUTANTS) <= {m.name for m in MUTANTS}


# Components built for their port widths only, never elaborated: Amaranth's warning about an
# unused elaboratable says nothing here.
@pytest.mark.filterwarnings("ignore:.*created but never used")
def test_harness_stream_widths_are_the_designs():
    # The harness drives a, b and c with the widths of its Frame: they must be the design's
    # payload widths (3-bit and 2-bit sparq arrays once got the encoded operand's width for a,
    # narrower than the two raw activations; Yosys only warned while resizing the port).
    seen = set()
    for proof in catalogue():
        if proof.block not in ("array", "dotprod") or proof.config in seen:
            continue
        seen.add(proof.config)
        cfg = dataclasses.replace(proof.config, interface="native")
        members = BLOCK_TABLE[proof.block].component(cfg).signature.members
        widths = tuple(Shape.cast(members[s].signature.members["payload"].shape).width
                       for s in "abc")
        fr = (formal_array if proof.block == "array" else dotprod).frame(proof.config)
        assert (fr.a_width, fr.b_width, fr.c_width) == widths, proof.design
    del members
    gc.collect()        # the unused components go now, under this test's filter, not in a later test


# Components built for their port widths only, never elaborated: Amaranth's warning about an
# unused elaboratable says nothing here.
@pytest.mark.filterwarnings("ignore:.*created but never used")
def test_compositional_unit_jobs_cut_what_another_job_proves():
    # One output of the default sparq unit: tree reads free slot products (lanes proves them),
    # lanes and arithmetic free tree sums (tree proves them); the other classes cut nothing.
    cfg = SparqConfig(datapath="sparq", rows=1, cols=1, pairs=4, max_k=1152)
    jobs = {p.prop: p.job() for p in catalogue() if p.block == "dotprod" and p.config == cfg}
    assert set(jobs) == set(dotprod.COMPOSED_PROPERTIES)

    def cuts(prop):
        return [line for line in jobs[prop].script if line.startswith("expose -cut")]
    slots = sorted(f"p_0_0_{j}_slot{s}" for j in range(4) for s in range(2))
    assert cuts("tree") == ["expose -cut " + " ".join(f"w:{w}" for w in slots)]
    assert cuts("lanes") == cuts("arithmetic") == ["expose -cut w:sum_0_0"]
    assert cuts("stream") == cuts("conservation") == cuts("err") == []
    tree = jobs["tree"].files["harness.sv"]
    # each cut wire a free input of the harness, fed to the design's readers (<wire>.i) ...
    assert "input [11:0] dut_p_0_0_3_slot1," in tree
    assert ".\\p_0_0_3_slot1.i (dut_p_0_0_3_slot1)" in tree
    # ... assumed only in the range of a mantissa times a weight, in the cycle lanes checks it
    assert "if (f_hv0) assume ($signed(dut_p_0_0_3_slot1) >= -1920 && $signed(dut_p_0_0_3_slot1) <= 1905);" in tree
    assert "tree_sum_0_0: assert" in tree and "lanes_" not in tree
    lanes = jobs["lanes"].files["harness.sv"]
    assert "lanes_slot_0_0_3_1: assert" in lanes and "lanes_route_0_3: assert" in lanes
    assert "sum_0_0: assert" not in lanes and "assume" not in lanes
    arithmetic = jobs["arithmetic"].files["harness.sv"]
    assert "products_" not in arithmetic and "input [18:0] dut_sum_0_0," in arithmetic
    # A unit proved whole still states slots and sums in one job, the sum over every slot.
    plain = next(p for p in catalogue() if p.block == "dotprod" and p.prop == "products"
                 and p.config.datapath == "sparq" and p.config.pairs == 2).job()
    text = plain.files["harness.sv"]
    assert "products_slot_0_0_1_1: assert" in text and "products_sum_0_0: assert" in text
    assert re.search(r"f_ref_0_0 = 32'sd0 \+ \(f_p_0_0_0_0 <<< [^;]*f_p_0_0_1_1 <<< ", text)
    assert not any(line.startswith("expose -cut") for line in plain.script)
    gc.collect()        # the unused components go now, under this test's filter


@pytest.mark.parametrize("datapath", DATAPATHS)
def test_pe_module_is_the_same_at_every_array_size(datapath):
    # The PE proofs hold for the PEs of every array: the PE's Verilog does not depend on the
    # array's shape (only on the datapath, window, max_k and options).
    small = SparqConfig(datapath=datapath, rows=1, cols=1, max_k=8)
    large = SparqConfig(datapath=datapath, rows=MAX_SIDE, cols=16, max_k=8)
    assert verilog("pe", small, name="dut") == verilog("pe", large, name="dut")
    # (and the comparison sees a change: a longer tile widens the accumulator)
    assert verilog("pe", small, name="dut") != verilog("pe", SparqConfig(datapath=datapath,
                                                                          max_k=1152), name="dut")


def test_summary_lines_say_how_far_each_proof_went():
    proof = next(p for p in catalogue() if p.block == "pe")
    proved = Verdict(proof.name, "proved", "prove", 4, "smtbmc yices", 1.5)
    assert "proved, unbounded (k-induction, k=4)" in proof_line(proof, proved, "f")
    bounded = Verdict(proof.name, "bounded", "bmc", 12, "smtbmc yices", 1.5)
    assert "proved to depth 12 (bounded)" in proof_line(proof, bounded, "f")
    failed = Verdict(proof.name, "failed", "bmc", 12, "smtbmc yices", 1.5, ["x_y"],
                     "job/engine_0/trace.vcd")
    assert "FAILED (x_y), counterexample f/job/engine_0/trace.vcd" in proof_line(proof, failed, "f")
    mutant = MUTANTS[0]
    caught = Verdict(mutant.name, "failed", "bmc", 4, "smtbmc yices", 1.0,
                     [mutant.expect + "x"], "job/engine_0/trace.vcd")
    assert "caught by" in mutant_line(mutant, caught, "f")
    missed = Verdict(mutant.name, "bounded", "bmc", 4, "smtbmc yices", 1.0)
    assert "NOT CAUGHT" in mutant_line(mutant, missed, "f")


def test_summary_says_what_the_bounded_fallback_found():
    proof = next(p for p in catalogue() if p.block == "array" and p.prop == "err")
    deep = Verdict(proof.name, "bounded", "bmc", 30, "smtbmc yices", 2.0, reached=30)
    open_ = Verdict(proof.name, "bounded", "prove", 3, "smtbmc yices", 1.5, fallback=deep)
    assert ("k-induction did not close at k=3; no counterexample to depth 30 (bounded check)"
            in proof_line(proof, open_, "f"))
    cut = Verdict(proof.name, "error", "bmc", 30, "smtbmc yices", 9.0, reached=17,
                  detail="timeout after 600 s")
    stopped = Verdict(proof.name, "bounded", "prove", 3, "smtbmc yices", 1.5, fallback=cut)
    assert ("bounded check stopped after 17 of 30 steps without a counterexample (timeout after "
            "600 s)") in proof_line(proof, stopped, "f")
    found = Verdict(proof.name, "failed", "prove", 3, "smtbmc yices", 1.5, ["err_exact"],
                    "bmc/job/engine_0/trace.vcd", fallback=Verdict(proof.name, "failed", "bmc",
                                                                   30, "smtbmc yices", 1.0))
    line = proof_line(proof, found, "f")
    assert ("k-induction did not close at k=3; bounded check to depth 30: FAILED (err_exact), "
            "counterexample f/bmc/job/engine_0/trace.vcd") in line
    assert not found.ok and not open_.ok


@pytest.mark.formal
@pytest.mark.parametrize("proof", catalogue(quick=True), ids=lambda p: p.name)
def test_quick_proof(proof):
    put_tools_on_path()
    verdict = run_job(proof.job(), WORK / "proofs" / proof.name)
    assert verdict.ok, f"{proof.name}: {verdict}"


@pytest.mark.formal
@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.name in QUICK_MUTANTS],
                         ids=lambda m: m.name)
def test_quick_mutant_is_caught(mutant):
    put_tools_on_path()
    folder = WORK / "mutants" / mutant.name
    verdict = run_with_fallback(mutant.job(), folder, mutant.bmc_depth)
    assert verdict.status == "failed", verdict
    assert any(label.startswith(mutant.expect) for label in verdict.failed), verdict.failed
    assert (folder / verdict.trace).is_file()      # the counterexample, as a waveform


@pytest.mark.formal
@pytest.mark.parametrize("config", [
    # (make formal checks every PE of the default 8x8 arrays of every datapath)
    SparqConfig(datapath="sparq", options=3, rounding="truncate", rows=2, cols=2, max_k=8,
                mul_pipe=True),
], ids=lambda c: c.datapath)
def test_every_pe_of_an_array_is_the_proved_pe(config):
    put_tools_on_path()
    folder = WORK / "equiv" / config.datapath
    assert array_pes_equivalent(config, folder) == {f"arr.pe_{r}_{c}": True
                                                    for r in range(2) for c in range(2)}
    # The check sees a PE that differs: PE (1, 1)'s slot 0 off by one for weights (-128, -128).
    text = verilog("array", config, name="arr")
    start = text.index("module \\arr.pe_1_1 ")
    body, count = re.subn(r"(slot0_product <= \\\$\d+ );", r"\g<1> ^ (b == 16'h8080);",
                          text[start:text.index("endmodule", start)])
    assert count == 1
    found = array_pes_equivalent(config, folder / "mutant",
                                 array_text=text[:start] + body + text[text.index("endmodule", start):])
    assert found["arr.pe_1_1"] is False and found["arr.pe_0_0"] is True


def _sigint_as_at_a_terminal():
    # A command started at a terminal takes SIGINT; under a background `make test &` it would
    # inherit SIG_IGN and the interrupt under test would never arrive.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _processes_under(folder):
    # Processes whose working directory is inside `folder` (SymbiYosys and its solvers run in
    # the job's folder).
    found = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.readlink(f"/proc/{pid}/cwd").startswith(str(folder)):
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.mark.formal
def test_sigint_stops_the_solvers_and_keeps_finished_proofs():
    # Two proofs one after another: the int8 PE (seconds), then the int8 PE with the split
    # stage (minutes). SIGINT to the whole process group, as Ctrl-C at a terminal sends it, once
    # the first has finished: the run must end within seconds with status 130, no SymbiYosys
    # job or solver left running, the finished proof in the summary and in the store.
    out = WORK / "interrupt"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    only = "pe-int8-k8.slots,pe-int8-k8-pipe.slots"
    command = [sys.executable, "-m", "formal", "--only", only, "--no-mutants", "--jobs", "1",
               "--out", str(out)]
    out.mkdir(parents=True)
    # (stderr to a file: a pipe nobody reads while the run goes on could fill and stop it)
    with open(out / "stderr.txt", "w") as err:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                                start_new_session=True, preexec_fn=_sigint_as_at_a_terminal)
    lines = []
    for line in proc.stdout:                # one line per finished proof
        lines.append(line)
        if line.startswith("pe-int8-k8 "):
            break
    assert any("proved" in line for line in lines if line.startswith("pe-int8-k8 ")), lines
    deadline = time.monotonic() + 120
    while not _processes_under(out / "proofs" / "pe-int8-k8-pipe.slots"):
        assert proc.poll() is None and time.monotonic() < deadline, "the second proof never started"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    proc.communicate(timeout=60)
    stderr = (out / "stderr.txt").read_text()
    assert proc.returncode == 130, stderr
    assert "interrupted: running proofs stopped; 1 of 2 proofs" in stderr
    assert "Traceback" not in stderr
    time.sleep(1)
    assert _processes_under(out) == []
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert [(p["design"], p["status"]) for p in summary["proofs"]] == [("pe-int8-k8", "proved")]
    # The finished proof's record is kept: --reuse takes it instead of running it again.
    again = subprocess.run([sys.executable, "-m", "formal", "--only", "pe-int8-k8.slots",
                            "--no-mutants", "--jobs", "1", "--reuse", "--out", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "1/1 proofs proved" in again.stdout
    assert "dask: " not in again.stdout          # nothing ran: no cluster was started
