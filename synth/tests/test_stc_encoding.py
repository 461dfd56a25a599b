"""The candidates of synth.stc_encoding compute the 2:4 pair exactly (so their sizes compare
like for like): every candidate's edge + PE against golden.sparq_gemm(stc=True), one group per
tile, random and corner groups."""

import numpy as np
import pytest
from amaranth import Module
from amaranth.sim import Simulator

import golden
from golden.sparse import expand_2to4
from hdl.config import SparqConfig
from synth.stc_encoding import CANDIDATES


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_candidate_equals_golden(name):
    config = SparqConfig(stc=True, max_k=4)
    pe_class, edge_class = CANDIDATES[name]
    m = Module()
    m.submodules.pe = pe = pe_class(config)
    if edge_class is not None:
        m.submodules.edge = edge = edge_class(config)
        m.d.comb += pe.a_in.eq(edge.out)
        group = edge.group
    else:
        group = pe.a_in
    rng = np.random.default_rng(len(name))
    cases = []
    for _ in range(300):
        a = rng.integers(0, 256, 4) * (rng.random(4) < 0.6)
        values = rng.integers(-128, 128, 2) * (rng.random(2) < 0.8)
        positions = rng.choice(4, 2, replace=False) if rng.random() < 0.9 else rng.integers(0, 4, 2)
        if values.all() and positions[0] == positions[1]:
            continue                     # not a 2:4 group
        cases.append((a, values, positions))
    got = []

    async def bench(ctx):
        for a, values, positions in cases:
            for i in range(4):
                ctx.set(group[i], int(a[i]))
            for j in range(2):
                ctx.set(pe.b_in.value[j], int(values[j]))
                ctx.set(pe.b_in.pos[j], int(positions[j]))
            ctx.set(pe.valid_in, 1)
            ctx.set(pe.last_in, 1)
            await ctx.tick()
            ctx.set(pe.valid_in, 0)
            await ctx.tick().repeat(3)
            got.append(ctx.get(pe.result))

    sim = Simulator(m)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    for (a, values, positions), result in zip(cases, got):
        B = expand_2to4(values[None, None], positions[None, None], 4)
        assert result == golden.sparq_gemm(a[None], B, stc=True)[0, 0], (a, values, positions)
