"""cocotb tests of the window selectors and pair encoders in the ``tb_encoders`` harness.

Run by ``tb/tests/test_encoders.py``. One sweep drives all 65,536 pairs ``(a0, a1)`` (``a0`` outer,
the order of the vectors' ``allpairs_a``), reads the concatenated outputs of every instance after
each input, and checks afterwards, with NumPy:

- window selectors (at the 256 inputs ``a1 == 0`` of the sweep, ``x = a0``): ``mant`` and
  ``shift`` equal :func:`golden.bsparq` and the vectors' ``both_mant_all``, ``both_shift_all``;
- pair encoders (all 65,536 pairs): the weight coefficients of the two slots,
  ``h0 = sum of mantJ << shiftJ over slots with srcJ == 0`` and ``h1`` likewise for ``srcJ == 1``,
  equal :func:`golden.vsparq` and the vectors' ``allpairs_h``. Since a pair's contribution
  ``h0*b0 + h1*b1`` is linear in the weights, equal coefficients mean equal contributions for
  every weight pair.
"""

import json
import os

import cocotb
import numpy as np
from cocotb.triggers import Timer

import golden
from tb.bench import environment

MAX_LOGGED = 8


def _fields(bits, field):
    chunk = bits[:, field["offset"]:field["offset"] + field["width"]].astype(np.int64)
    return chunk @ (1 << np.arange(field["width"], dtype=np.int64))


def _compare(log, name, inputs, expected, actual, what):
    """Count positions where ``expected != actual`` and log the first few."""
    bad = np.flatnonzero(expected != actual)
    for i in bad[:MAX_LOGGED]:
        log.error("%s %s at input %s: expected %d, got %d",
                  name, what, inputs[i], expected[i], actual[i])
    return len(bad)


@cocotb.test()
async def exhaustive(dut):
    """All 65,536 input pairs through every instance, checked against golden and the vectors."""
    fields = json.loads(os.environ["SPARQ_FIELDS"])
    width = len(dut.y)
    samples = []
    for a0 in range(256):
        dut.a0.value = a0
        for a1 in range(256):
            dut.a1.value = a1
            await Timer(1, "ns")
            samples.append(str(dut.y.value))
    # One row per input, bit 0 first.
    text = "".join(samples).encode()
    assert len(text) == width * 65536, "a sample was not a plain 0/1 string"
    bits = (np.frombuffer(text, dtype=np.uint8).reshape(65536, width) - ord("0"))[:, ::-1]
    assert bits.max() <= 1, "outputs hold X or Z"

    a0 = np.repeat(np.arange(256), 256)
    a1 = np.tile(np.arange(256), 256)
    pair_inputs = [f"(a0={x}, a1={y})" for x, y in zip(a0, a1)]
    instances = {}
    for f in fields:
        instances.setdefault(f["instance"], {"block": f["block"], "bits": f["bits"],
                                             "options": f["options"],
                                             "rounding": f["rounding"], "ports": {}})
        instances[f["instance"]]["ports"][f["port"]] = _fields(bits, f)

    checked = mismatches = 0
    per_instance = {}
    for name, inst in instances.items():
        b, o, r, p = inst["bits"], inst["options"], inst["rounding"], inst["ports"]
        vec = environment.vectors(o, r, bits=b)
        bad = 0
        if inst["block"] == "window":
            rows = a1 == 0
            x = a0[rows]
            mant, shift = p["mant"][rows], p["shift"][rows]
            g_mant, g_shift = golden.bsparq(x, bits=b, options=o, rounding=r)
            inputs = [f"x={v}" for v in x]
            bad += _compare(dut._log, name, inputs, g_mant, mant, "mant vs golden")
            bad += _compare(dut._log, name, inputs, g_shift, shift, "shift vs golden")
            assert np.array_equal(vec["x_all"], x)
            bad += _compare(dut._log, name, inputs, vec["both_mant_all"], mant, "mant vs vectors")
            bad += _compare(dut._log, name, inputs, vec["both_shift_all"], shift,
                            "shift vs vectors")
            bad += _compare(dut._log, name, inputs, vec["both_h_all"], mant << shift,
                            "value vs vectors")
            count = len(x)
        else:
            slot = [(p[f"mant{j}"] << p[f"shift{j}"], p[f"src{j}"]) for j in (0, 1)]
            h = [sum(np.where(src == w, value, 0) for value, src in slot) for w in (0, 1)]
            g_h0, g_h1 = golden.vsparq(a0, a1, bits=b, options=o, rounding=r)
            bad += _compare(dut._log, name, pair_inputs, g_h0, h[0], "h0 vs golden")
            bad += _compare(dut._log, name, pair_inputs, g_h1, h[1], "h1 vs golden")
            assert np.array_equal(vec["allpairs_a"], np.stack([a0, a1], axis=1))
            bad += _compare(dut._log, name, pair_inputs, vec["allpairs_h"][:, 0], h[0],
                            "h0 vs vectors")
            bad += _compare(dut._log, name, pair_inputs, vec["allpairs_h"][:, 1], h[1],
                            "h1 vs vectors")
            # The slot assignment itself is the authors' (the vectors' two-multiplier view).
            for j in (0, 1):
                for port, key in (("mant", "slot_mant"), ("shift", "slot_shift"),
                                  ("src", "slot_src")):
                    bad += _compare(dut._log, name, pair_inputs, vec[key][:, j],
                                    p[f"{port}{j}"], f"{port}{j} vs vectors")
            count = len(a0)
        per_instance[name] = {"inputs": count, "mismatches": bad}
        checked += count
        mismatches += bad
        dut._log.info("%s: %d inputs, %d mismatches", name, count, bad)
    environment.report("exhaustive", checked, mismatches, instances=per_instance)
