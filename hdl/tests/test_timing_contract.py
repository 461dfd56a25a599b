# amaranth: UnusedElaboratable=no
"""The sidecar's timing is the contract: for every option combination the generator accepts, the
cycle counts the sidecar states (``timing.latency`` and ``timing.throughput``, read from its text)
are the ones the block takes in the Amaranth simulator.

The combinations come from the generator itself: every cross of datapath, window setting,
``mul_pipe``, ``skid``, ``stc``, ``dsp_pack`` and ``interface`` that :class:`SparqConfig` and
:func:`hdl.naming.check` accept for the block. ``make test`` measures one of each combination of
the options that change the pipeline (datapath kind, ``mul_pipe``, ``skid``, ``stc``,
``dsp_pack``), the window settings rotated over them; ``-m slow`` measures every combination. The
AXI4-Stream top level renames the ports of the same block: its sidecar must state the native
block's timing word for word (the native block is the one measured).
"""

import itertools
import re

import numpy as np
import pytest
from amaranth.sim import Simulator

from hdl import generate
from hdl.config import BITS, DATAPATHS, INTERFACES, ROUNDINGS, WINDOW_SHIFTS, SparqConfig
from hdl.naming import check, design_name
from hdl.pe import ProcessingElement
from hdl.stc_pe import StcProcessingElement

from golden.sparse import prune_2to4
from hdl.stream_codec import reference

from .array_sim import random_tile, run_array

# Small sizes: a 2x1 array or unit, K up to 64.
SIZE = dict(rows=2, cols=1, max_k=64)
SETTINGS = [dict(datapath="sparq", bits=b, options=o, rounding=r)
            for (b, o) in WINDOW_SHIFTS for r in ROUNDINGS if b in BITS] + \
           [dict(datapath=d) for d in DATAPATHS if d != "sparq"]


def accepted(block):
    """Every configuration of ``block`` the generator accepts (on the small sizes)."""
    out = []
    for setting, pipe, skid, stc, pack, interface in itertools.product(
            SETTINGS, (False, True), (False, True), (False, True), (False, True), INTERFACES):
        fields = dict(setting, mul_pipe=pipe, skid=skid, stc=stc, dsp_pack=pack,
                      interface=interface)
        if block == "dotprod":
            fields.update(SIZE, pairs=1)
        elif block == "array":
            fields.update(SIZE)
        else:
            fields.update(max_k=SIZE["max_k"])
        try:
            config = SparqConfig(**fields)
            check(block, config)
        except (ValueError, TypeError):
            continue
        out.append(config)
    return out


def _kind(config):
    # What changes the pipeline: the datapath's kind (the naive widths share one), the options.
    dp = "aNw8" if config.datapath.startswith("a") else config.datapath
    return (dp, config.mul_pipe, config.skid, config.stc, config.dsp_pack)


def cases(slow):
    """``(block, config)`` to measure: native interface only (see the module docstring)."""
    out = []
    for block in ("pe", "array", "dotprod"):
        native = [c for c in accepted(block) if c.interface == "native"]
        if slow:
            out += [(block, c) for c in native]
            continue
        seen = {}
        for config in native:
            seen.setdefault(_kind(config), []).append(config)
        # One per kind, the settings rotated so that the default run meets each of them.
        out += [(block, group[i % len(group)]) for i, group in enumerate(seen.values())]
    return out


def _name(case):
    return design_name(*case)


# -- what the sidecar states ----------------------------------------------------------------------

def documented(timing):
    """The cycle counts of a stream block's sidecar ``timing`` (a dict of its texts)."""
    latency, throughput = timing["latency"], timing["throughput"]
    unit, divisor = re.search(r"\b([PS]) = ceil\(K/(\d+)\)", latency).groups()
    first = re.search(rf"first input to first output: [^;]*?{unit} \+ (\d+) cycles", latency)
    last = re.search(r"last input transfer of a tile to its first output transfer: "
                     r"(?:[^;]*?= )?(\d+) cycles", latency)
    bounds = {int(b) for b in re.findall(rf"max\({unit}, (\d+)\)", latency + throughput)}
    assert first and last and len(bounds) == 1, timing
    return {
        "divisor": int(divisor), "first": int(first.group(1)), "last": int(last.group(1)),
        "bound": bounds.pop(),
        # With skid buffers a tile's final word may wait in the buffer: T - P more cycles.
        "waits": f"T - {unit} + " in latency,
        # The final input transfers of tiles 0 and 1 P apart (the buffers take tile 1's early).
        "early": f"tiles 0 and 1 are {unit} cycles apart" in throughput,
        "consecutive": "result rows follow on consecutive cycles" in latency,
    }


def documented_pe(timing):
    """The cycle counts of a PE's sidecar ``timing``: after a pair (group) in cycle t."""
    text = timing["latency"]
    get = lambda pattern: int(re.search(pattern, text).group(1))      # noqa: E731
    return {"accumulate": get(r"accumulated in cycle t\+(\d+)"),
            "capture": get(r"capture is high in cycle t\+(\d+)"),
            "result": get(r"on result from cycle t\+(\d+)"),
            "forward": get(r"delayed by (\d+) cycle"),
            "back_to_back": "tiles back to back" in timing["throughput"]}


def test_the_reader_reads_the_stated_numbers():
    # The reader above on a sidecar whose numbers are known from the block's own formulas: a 3x2
    # array, e = 1: latency rows + cols + 2 = 7, first output P + 6, period max(P, 10).
    timing = generate.sidecar("array", SparqConfig(rows=3, cols=2, max_k=8))["timing"]
    assert documented(timing) == {"divisor": 2, "first": 6, "last": 7, "bound": 10,
                                  "waits": False, "early": False, "consecutive": True}
    timing = generate.sidecar("pe", SparqConfig(max_k=8, mul_pipe=True))["timing"]
    assert documented_pe(timing) == {"accumulate": 3, "capture": 3, "result": 4, "forward": 1,
                                     "back_to_back": True}


# -- what the block does --------------------------------------------------------------------------

def _tiles(config, rng, k):
    tiles = [random_tile(config, rng, k) for _ in range(4)]
    return [(A, prune_2to4(B)) for A, B in tiles] if config.stc else tiles


def _measure_stream(block, config, doc):
    rng = np.random.default_rng(21)
    per = config.pairs * 2 if block == "dotprod" else config.k_per_transfer
    assert doc["divisor"] == per
    # A short tile (the period is the bound) and a long one (the period is P).
    for P in (1, doc["bound"] + 3):
        k = min(P * per, config.max_k)
        P = -(-k // per)
        tiles = _tiles(config, rng, k)
        res = run_array(config, tiles, block=block)
        T = max(P, doc["bound"])
        firsts = res.out_cycles[::config.rows]
        what = f"{_name((block, config))}, K={k} (P={P}, T={T})"
        assert res.cycle_first_out - res.cycle_first_in == P + doc["first"], what
        wait = T - P if doc["waits"] else 0
        assert [f - l for f, l in zip(firsts, res.last_in_cycles)] == \
            [doc["last"]] + [wait + doc["last"]] * 3, what
        assert np.diff(firsts).tolist() == [T] * 3, what
        assert np.diff(res.last_in_cycles).tolist() == [P if doc["early"] else T] + [T] * 2, what
        if doc["consecutive"]:
            assert all(res.out_cycles[t * config.rows + config.rows - 1]
                       - res.out_cycles[t * config.rows] == config.rows - 1
                       for t in range(4)), what
        # The results are right too (a timing test on wrong results would prove little).
        assert res.err == 0 and res.protocol_errors == [], what
        for (A, B), got in zip(tiles, res.tiles(config)):
            np.testing.assert_array_equal(got, reference(config, A, B), err_msg=what)


def _measure_pe(config, doc):
    """Two tiles back to back (3 and 2 pairs), then idle: the cycles of capture, of the sum on
    ``result`` and of the forwarded operands, counted from the cycle of each tile's last pair."""
    dut = StcProcessingElement(config) if config.stc else ProcessingElement(config)
    a_width, b_width = len(dut.a_in.as_value()), len(dut.b_in.as_value())
    lasts = [2, 4]                       # cycles of the tiles' last pairs
    schedule = [(1, int(t in lasts)) for t in range(5)] + [(0, 0)] * 8
    seen = {"capture": [], "result": [], "forward": []}

    async def bench(ctx):
        previous_result = ctx.get(dut.result)
        for t, (valid, last) in enumerate(schedule):
            word = (0x5A3C1 * (t + 1)) & ((1 << a_width) - 1) if valid else 0
            ctx.set(dut.a_in.as_value(), word)
            ctx.set(dut.b_in.as_value(), (0x3F01 * (t + 3)) & ((1 << b_width) - 1))
            ctx.set(dut.valid_in, valid)
            ctx.set(dut.last_in, last)
            if ctx.get(dut.capture):
                seen["capture"].append(t)
            result = ctx.get(dut.result)
            if result != previous_result:
                seen["result"].append(t)
            previous_result = result
            if ctx.get(dut.last_out):
                seen["forward"].append(t)
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    what = _name(("pe", config))
    assert seen["capture"] == [t + doc["capture"] for t in lasts], (what, seen)
    assert seen["forward"] == [t + doc["forward"] for t in lasts], (what, seen)
    # The sums of the two tiles are distinct and non-zero for these operands, so each shows as
    # a change of result, in the cycle the sidecar states.
    assert seen["result"] == [t + doc["result"] for t in lasts], (what, seen)
    assert doc["accumulate"] == doc["capture"] and doc["back_to_back"], what


def _timing(block, config):
    # The sidecar's timing is the top level's describe() (hdl.generate copies it; the reader
    # test above reads whole sidecars), without the Verilog conversion a sidecar costs.
    top = generate.build(block, config)
    _silence(top)                       # built for its description only, never elaborated
    return top.describe()


def _silence(component):
    # Amaranth warns about every component built and never elaborated, and a wrapper (the
    # AXI4-Stream top) holds its block as a member: silence the whole tree.
    from amaranth.hdl import Elaboratable
    component._MustUse__silence = True
    for member in vars(component).values():
        if isinstance(member, Elaboratable) and not getattr(member, "_MustUse__silence", False):
            _silence(member)


def _measure(block, config):
    timing = _timing(block, config)
    if block == "pe":
        _measure_pe(config, documented_pe(timing))
    else:
        _measure_stream(block, config, documented(timing))


#: The default run's cases, and the rest (-m slow); worked out once (each is thousands of checks).
DEFAULT_CASES = cases(slow=False)
SLOW_CASES = [c for c in cases(slow=True) if c not in DEFAULT_CASES]


@pytest.mark.parametrize("case", DEFAULT_CASES, ids=_name)
def test_documented_timing_is_measured(case):
    _measure(*case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES, ids=_name)
def test_documented_timing_is_measured_every_combination(case):
    _measure(*case)


@pytest.mark.parametrize("block", ["array", "dotprod"])
def test_axis_states_the_native_timing(block):
    # The AXI4-Stream top level is the same block with its ports renamed.
    axis = [c for c in accepted(block) if c.interface == "axis"]
    assert axis
    for config in axis:
        native = SparqConfig(**{**config.__dict__, "interface": "native"})
        for key in ("latency", "throughput"):
            assert _timing(block, config)[key] == _timing(block, native)[key], \
                (design_name(block, config), key)


def test_combinational_blocks_have_no_clock():
    # window and pair: the sidecar says combinational (0 cycles); the module has no clock.
    for block in ("window", "pair"):
        for config in accepted(block)[:1]:
            doc = generate.sidecar(block, config)
            assert doc["timing"]["latency"].startswith("combinational (0 cycles)")
            assert doc["clock"] is None and "clk" not in {p["name"] for p in doc["ports"]}
        for config in accepted(block):
            assert _timing(block, config)["latency"].startswith("combinational (0 cycles)")
