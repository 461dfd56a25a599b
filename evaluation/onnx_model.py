"""A float ONNX CNN as a PyTorch module whose convolutions and fully connected layers SPARQ
quantizes.

:func:`load_onnx` reads a model with the ``onnx`` package and returns an :class:`OnnxNet`: a
``torch.nn.Module`` that runs the graph's nodes in order with PyTorch operators. Every ``Conv``
becomes a ``torch.nn.Conv2d`` and every ``Gemm``/``MatMul`` with a constant weight a 1x1
``Conv2d`` on the flattened input (an (N, K) input as (N, K, 1, 1)), so that
:func:`evaluation.evaluate_model` quantizes both kinds alike (vSPARQ pairs: adjacent input
channels at one tap; for a fully connected layer, adjacent input features) and
:func:`evaluation.hardware.run_hardware_check` runs both on the array.

Supported operators (:data:`SUPPORTED_OPS`): ``Conv`` (2-D, ``group`` 1; any stride, explicit
or ``SAME_UPPER``/``SAME_LOWER``/``VALID`` padding), ``Relu``, ``MaxPool`` and ``AveragePool``
(2-D), ``Gemm`` (``transA`` 0, constant ``B``), ``MatMul`` (a 2-D input by a constant 2-D
weight), ``Flatten``, ``Reshape`` (constant shape) and ``Add`` (of a constant, e.g. a bias, or of
two activations, e.g. a residual). Nodes whose inputs are all constants (a ``Reshape`` of a weight)
are computed once at load time. Any other operator is rejected with a ``ValueError`` naming it.
The model has one input, an image batch (N, C, H, W), and one output, the class logits.
"""

import math
import re
from pathlib import Path

import numpy as np

__all__ = ["SUPPORTED_OPS", "OnnxNet", "load_onnx"]

SUPPORTED_OPS = ("Conv", "Relu", "MaxPool", "AveragePool", "Gemm", "MatMul", "Flatten", "Reshape",
                 "Add")


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _same_pads(size, kernel, stride, mode):
    """(before, after) padding of one axis for ONNX ``auto_pad`` SAME_UPPER / SAME_LOWER."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    small, big = total // 2, total - total // 2
    return (small, big) if mode == "SAME_UPPER" else (big, small)


class _Spatial:
    """Kernel, stride and padding of a Conv or pooling node, ONNX attributes checked."""

    def __init__(self, where, attrs, kernel):
        self.where = where
        self.kernel = tuple(int(k) for k in kernel)
        if len(self.kernel) != 2:
            raise ValueError(f"{where}: only 2-D kernels are supported, not kernel_shape "
                             f"{list(self.kernel)}")
        self.stride = tuple(int(s) for s in attrs.get("strides", (1, 1)))
        dil = tuple(int(d) for d in attrs.get("dilations", (1, 1)))
        if dil != (1, 1):
            raise ValueError(f"{where}: dilations must be 1, not {list(dil)}")
        self.auto_pad = attrs.get("auto_pad", b"NOTSET")
        self.auto_pad = self.auto_pad.decode() if isinstance(self.auto_pad, bytes) else self.auto_pad
        if self.auto_pad not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
            raise ValueError(f"{where}: auto_pad {self.auto_pad!r} is not supported")
        pads = tuple(int(p) for p in attrs.get("pads", (0, 0, 0, 0)))
        if len(pads) != 4 or min(pads) < 0:
            raise ValueError(f"{where}: pads must be 4 non-negative ints, not {list(pads)}")
        # ONNX order (top, left, bottom, right) -> (top, bottom, left, right).
        self.pads = (pads[0], pads[2], pads[1], pads[3]) if self.auto_pad == "NOTSET" else None

    def padding(self, hw):
        """(top, bottom, left, right) for an input of spatial size ``hw``."""
        if self.pads is not None:
            return self.pads
        if self.auto_pad == "VALID":
            return (0, 0, 0, 0)
        (t, b), (l, r) = (_same_pads(hw[i], self.kernel[i], self.stride[i], self.auto_pad)
                          for i in range(2))
        return (t, b, l, r)


class _Node:
    """One graph node bound to PyTorch: ``run(values)`` reads its inputs and writes its outputs."""

    def __init__(self, node, where, run):
        self.name, self.op, self.where = node.name, node.op_type, where
        self.inputs, self.outputs = list(node.input), list(node.output)
        self.run = run


def _torch_module_base():
    import torch
    return torch.nn.Module


class OnnxNet(_torch_module_base()):
    """The graph of an ONNX model as a ``torch.nn.Module`` (see the module docstring).

    Members: ``path``, ``input_name``, ``input_shape`` (the declared input shape, ``None`` for a
    symbolic dimension), ``output_name``, ``ops`` (operator counts), ``quantizable`` (names of
    the ``Conv2d`` modules: Conv nodes and fully connected layers, in graph order), ``macs``
    (per image, by module name, filled by the first forward pass).
    """

    def __init__(self, path, input_name, input_shape, output_name, constants, nodes, modules):
        super().__init__()
        self.path = str(path)
        self.input_name, self.input_shape, self.output_name = input_name, input_shape, output_name
        self._constants = constants
        self._nodes = nodes
        for name, module in modules.items():
            self.add_module(name, module)
        self.quantizable = list(modules)
        self.ops = {}
        for n in nodes:
            self.ops[n.op] = self.ops.get(n.op, 0) + 1
        self.macs = {}

    def check_input(self, shape, what="input"):
        """Raise ``ValueError`` when a batch of ``shape`` does not fit the declared input."""
        shape = tuple(shape)
        declared = self.input_shape
        if declared is not None and (len(shape) != len(declared) or any(
                d is not None and i > 0 and d != s for i, (d, s) in enumerate(zip(declared, shape)))):
            want = "(" + ", ".join("N" if i == 0 or d is None else str(d)
                                   for i, d in enumerate(declared)) + ")"
            raise ValueError(f"{what} of shape {shape} does not fit the model's input "
                             f"{self.input_name!r} of shape {want} ({self.path})")

    def forward(self, x):
        import torch
        values = dict(self._constants)
        values[self.input_name] = x
        for node in self._nodes:
            try:
                out = node.run(values)
            except (RuntimeError, ValueError, IndexError) as exc:
                if isinstance(exc, ValueError) and str(exc).startswith(node.where):
                    raise
                shapes = ", ".join(f"{n} {tuple(values[n].shape)}" for n in node.inputs
                                   if n in values and hasattr(values[n], "shape"))
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ValueError(f"{node.where}: the shapes do not fit ({shapes}): {first}") \
                    from None
            values[node.outputs[0]] = out
        y = values[self.output_name]
        return y if isinstance(y, torch.Tensor) else torch.as_tensor(y)


def _const(values, constants, name, where, what):
    if name not in constants:
        raise ValueError(f"{where}: {what} {name!r} must be a constant (an initializer); "
                         "only constant weights can be quantized")
    return constants[name]


def _module_name(node, index, taken):
    base = re.sub(r"\W", "_", node.name or f"{node.op_type.lower()}{index}")
    if not base or base[0].isdigit():
        base = f"n_{base}"
    name, i = base, 1
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def _bind(node, index, constants, modules, net_macs, batch):
    """A :class:`_Node` for ``node`` (its module, if any, added to ``modules``)."""
    import torch
    import torch.nn.functional as F

    op = node.op_type
    where = f"node {node.name or index!r} ({op})"
    attrs = _attrs(node)
    ins = list(node.input)

    def act(values, i=0):
        return values[ins[i]]

    if op == "Relu":
        return _Node(node, where, lambda v: F.relu(act(v)))
    if op == "Add":
        a, b = ins[0], ins[1]
        for name in (a, b):
            if name in constants:
                constants[name] = torch.as_tensor(np.array(constants[name], np.float32))
        return _Node(node, where, lambda v: v[a] + v[b])
    if op == "Flatten":
        axis = int(attrs.get("axis", 1))

        def flatten(v):
            x = act(v)
            ax = axis if axis >= 0 else x.dim() + axis
            return x.reshape(int(np.prod(x.shape[:ax], dtype=np.int64)), -1)
        return _Node(node, where, flatten)
    if op == "Reshape":
        shape = [int(s) for s in np.asarray(_const(None, constants, ins[1], where, "shape"))]
        if attrs.get("allowzero", 0):
            raise ValueError(f"{where}: allowzero=1 is not supported")

        def reshape(v):
            x = act(v)
            target = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
            # A model exported for a fixed batch (often 1) reshapes to (batch, ...): the first
            # dimension stays the batch of the images given.
            if target and batch is not None and target[0] == batch and x.shape[0] != batch:
                target[0] = x.shape[0]
            return x.reshape(target)
        return _Node(node, where, reshape)
    if op in ("MaxPool", "AveragePool"):
        sp = _Spatial(where, attrs, attrs.get("kernel_shape", ()))
        ceil = bool(attrs.get("ceil_mode", 0))
        if op == "MaxPool" and len(node.output) > 1 and node.output[1]:
            raise ValueError(f"{where}: the Indices output is not supported")
        include = bool(attrs.get("count_include_pad", 0))

        def pool(v):
            x = act(v)
            if x.dim() != 4:
                raise ValueError(f"{where}: input must be (N, C, H, W), got {tuple(x.shape)}")
            t, b, l, r = sp.padding(tuple(x.shape[-2:]))
            if op == "MaxPool":
                xp = F.pad(x, (l, r, t, b), value=-math.inf) if (t, b, l, r) != (0,) * 4 else x
                return F.max_pool2d(xp, sp.kernel, sp.stride, ceil_mode=ceil)
            if (t, b, l, r) == (0,) * 4:
                return F.avg_pool2d(x, sp.kernel, sp.stride, ceil_mode=ceil)
            if include:
                return F.avg_pool2d(F.pad(x, (l, r, t, b)), sp.kernel, sp.stride, ceil_mode=ceil)
            # Padding excluded from the count: sum over the window / number of real inputs.
            ones = torch.ones_like(x[:, :1])
            s = F.avg_pool2d(F.pad(x, (l, r, t, b)), sp.kernel, sp.stride, ceil_mode=ceil)
            n = F.avg_pool2d(F.pad(ones, (l, r, t, b)), sp.kernel, sp.stride, ceil_mode=ceil)
            return s / n
        return _Node(node, where, pool)
    if op == "Conv":
        w = np.array(_const(None, constants, ins[1], where, "weight"), np.float32)
        if w.ndim != 4:
            raise ValueError(f"{where}: only 2-D convolutions are supported, weight shape "
                             f"{w.shape}")
        if int(attrs.get("group", 1)) != 1:
            raise ValueError(f"{where}: group must be 1, not {attrs['group']}")
        sp = _Spatial(where, attrs, attrs.get("kernel_shape", w.shape[2:]))
        if sp.kernel != tuple(w.shape[2:]):
            raise ValueError(f"{where}: kernel_shape {list(sp.kernel)} does not fit weight shape "
                             f"{w.shape}")
        bias = None
        if len(ins) > 2 and ins[2]:
            bias = np.array(_const(None, constants, ins[2], where, "bias"), np.float32)
            if bias.shape != (w.shape[0],):
                raise ValueError(f"{where}: bias shape {bias.shape} does not fit {w.shape[0]} "
                                 "output channels")
        name = _module_name(node, index, modules)
        symmetric = sp.pads is not None and sp.pads[0] == sp.pads[1] and sp.pads[2] == sp.pads[3]
        conv = torch.nn.Conv2d(w.shape[1], w.shape[0], sp.kernel, stride=sp.stride,
                               padding=(sp.pads[0], sp.pads[2]) if symmetric else 0,
                               bias=bias is not None)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(w))
            if bias is not None:
                conv.bias.copy_(torch.from_numpy(bias))
        modules[name] = conv

        def run_conv(v):
            x = act(v)
            if x.dim() != 4 or x.shape[1] != w.shape[1]:
                raise ValueError(f"{where}: input {tuple(x.shape)} does not fit weight "
                                 f"{w.shape} (needs (N, {w.shape[1]}, H, W))")
            if not symmetric:
                # Explicit zero padding (activation 0) before the module: its quantized input is
                # the padded tensor, which is what the kernel sees anyway.
                t, b, l, r = sp.padding(tuple(x.shape[-2:]))
                x = F.pad(x, (l, r, t, b))
            y = conv(x)
            net_macs[name] = int(np.prod(y.shape[1:])) * int(np.prod(w.shape[1:]))
            return y
        return _Node(node, where, run_conv)
    if op in ("Gemm", "MatMul"):
        if op == "Gemm":
            if int(attrs.get("transA", 0)):
                raise ValueError(f"{where}: transA=1 is not supported")
            B = np.asarray(_const(None, constants, ins[1], where, "B"), np.float64)
            B = B * float(attrs.get("alpha", 1.0))
            W = B if int(attrs.get("transB", 0)) else B.T          # (O, K)
            bias = None
            if len(ins) > 2 and ins[2]:
                C = np.asarray(_const(None, constants, ins[2], where, "C"), np.float64)
                C = C * float(attrs.get("beta", 1.0))
                if C.size not in (1, W.shape[0]) or (C.ndim == 2 and C.shape[0] != 1):
                    raise ValueError(f"{where}: C of shape {C.shape} must broadcast to "
                                     f"(N, {W.shape[0]})")
                bias = np.broadcast_to(C.reshape(-1), (W.shape[0],)).copy()
        else:
            B = np.asarray(_const(None, constants, ins[1], where, "weight"), np.float64)
            if B.ndim != 2:
                raise ValueError(f"{where}: the weight must be 2-D (K, O), not shape {B.shape}")
            W, bias = B.T, None
        if W.ndim != 2:
            raise ValueError(f"{where}: the weight must be 2-D, not shape {W.shape}")
        O, K = W.shape
        name = _module_name(node, index, modules)
        fc = torch.nn.Conv2d(K, O, 1, bias=bias is not None)
        with torch.no_grad():
            fc.weight.copy_(torch.from_numpy(W.reshape(O, K, 1, 1).astype(np.float32)))
            if bias is not None:
                fc.bias.copy_(torch.from_numpy(bias.astype(np.float32)))
        modules[name] = fc

        def run_fc(v):
            x = act(v)
            if x.dim() != 2 or x.shape[1] != K:
                raise ValueError(f"{where}: input {tuple(x.shape)} does not fit the weight "
                                 f"(needs (N, {K}))")
            net_macs[name] = K * O
            return fc(x.reshape(x.shape[0], K, 1, 1)).reshape(x.shape[0], O)
        return _Node(node, where, run_fc)
    raise AssertionError(op)        # pragma: no cover - only SUPPORTED_OPS reach here


def _fold(node, constants, where):
    """Compute a node whose inputs are all constants with NumPy (Reshape/Flatten/Add of weights)."""
    attrs = _attrs(node)
    ins = [np.asarray(constants[n]) for n in node.input if n]
    if node.op_type == "Reshape":
        shape = [int(s) for s in ins[1]]
        shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return ins[0].reshape(shape)
    if node.op_type == "Flatten":
        axis = int(attrs.get("axis", 1))
        return ins[0].reshape(int(np.prod(ins[0].shape[:axis], dtype=np.int64)), -1)
    if node.op_type == "Add":
        return ins[0] + ins[1]
    raise ValueError(f"{where}: operator {node.op_type} on constants only is not supported")


def load_onnx(path):
    """Read the ONNX model at ``path`` into an :class:`OnnxNet` (see the module docstring).

    Raises ``FileNotFoundError`` for a missing file, and ``ValueError`` with one line naming the
    file for a file that is not a valid ONNX model, and naming the node for an unsupported
    operator (``operator X is not supported``), a non-constant weight or attributes outside the
    supported set.
    """
    import onnx
    from onnx import numpy_helper
    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such ONNX model file")
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as exc:       # DecodeError, ValidationError, ...: the file is not ONNX
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"{path}: not a valid ONNX model ({type(exc).__name__}: {first})") \
            from None
    graph = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise ValueError(f"{path}: the model must have one input and one output, not "
                         f"{len(inputs)} and {len(graph.output)}")
    unsupported = sorted({n.op_type for n in graph.node
                          if n.op_type not in SUPPORTED_OPS and n.op_type != "Constant"})
    if unsupported:
        first = next(n for n in graph.node if n.op_type in unsupported)
        raise ValueError(f"{path}: node {first.name or first.output[0]!r}: operator "
                         f"{first.op_type} is not supported (supported: "
                         f"{', '.join(SUPPORTED_OPS)})")
    dims = inputs[0].type.tensor_type.shape.dim
    input_shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims) or None
    nodes, modules, macs = [], {}, {}
    net = None
    for index, node in enumerate(graph.node):
        where = f"node {node.name or index!r} ({node.op_type})"
        if node.op_type == "Constant":
            constants[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"]) \
                if "value" in _attrs(node) else None
            if constants[node.output[0]] is None:
                raise ValueError(f"{where}: only a Constant with a tensor 'value' is supported")
            continue
        if all(n in constants for n in node.input if n):
            constants[node.output[0]] = _fold(node, constants, where)
            continue
        nodes.append(_bind(node, index, constants, modules, macs,
                           input_shape[0] if input_shape else None))
    # Float constants as tensors (the Add nodes converted theirs already), the rest (shapes) as is.
    tensors = {k: v if isinstance(v, torch.Tensor) else
               (torch.as_tensor(np.array(v, np.float32)) if np.asarray(v).dtype.kind == "f" else v)
               for k, v in constants.items()}
    net = OnnxNet(path, inputs[0].name, input_shape, graph.output[0].name, tensors, nodes, modules)
    net.macs = macs
    net.eval()
    return net
