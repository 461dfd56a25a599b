"""Host-side tiling of a GEMM or a convolution layer onto a fixed-size MAC array.

An array computes ``C = A . B^T`` for one tile of ``rows`` activation rows and ``cols`` weight rows
over a reduction of at most ``max_k``. :class:`TilePlan` maps a GEMM of any size onto it:

- M is padded to whole row blocks (activation 0) and N to whole column blocks (weight 0); the
  padded outputs are dropped when the result is assembled;
- a K longer than ``max_k`` is split into chunks starting at even positions when the array pairs
  activations (SPARQ pairs positions (2i, 2i+1); a pair never straddles two chunks, so the chunks'
  results add up to the whole reduction's exactly, the odd-K pairing with 0 included);
- the tiles run chunk by chunk, row block outer, column block inner (:meth:`TilePlan.tiles`), and
  :meth:`TilePlan.assemble` adds the chunks' partial sums into ``C``.

A convolution becomes a GEMM with :func:`conv_as_gemm` (``golden.im2col`` in SPARQ's reduction
order) and its accumulators come back with :func:`gemm_to_conv`. Pure NumPy: nothing here knows the
hardware; :func:`tb.gemm.array_gemm` drives a simulated array or dot-product unit with it (the
unit pads each tile's K to whole chunks of its own; the pairs stay golden's, since every chunk
starts at an even position).
"""

from dataclasses import dataclass

import numpy as np

from .layer import im2col, weights_to_matrix

__all__ = ["TilePlan", "conv_as_gemm", "gemm_to_conv"]


def _positive(name, value, minimum=1):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class TilePlan:
    """How an ``M x K`` by ``N x K`` GEMM runs on a ``rows x cols`` array of ``max_k``.

    ``paired``: the array takes activations in pairs (SPARQ), so K chunks start at even positions.
    ``grouped``: the array takes aligned groups of four (2:4 structured-sparse weights), so K
    chunks start at multiples of 4 (a group never straddles two chunks).
    Raises ValueError when K cannot be split (a paired array with ``max_k`` 1 and K > 1, a
    grouped one with ``max_k`` below 4 and K > ``max_k``).
    """

    M: int
    N: int
    K: int
    rows: int
    cols: int
    max_k: int
    paired: bool = True
    grouped: bool = False

    def __post_init__(self):
        for name in ("M", "N"):
            _positive(name, getattr(self, name), 0)
        for name in ("K", "rows", "cols", "max_k"):
            _positive(name, getattr(self, name))
        if self.paired and self.max_k == 1 and self.K > 1:
            raise ValueError(f"K={self.K} cannot be split into pairs on an array of max_k=1")
        if self.grouped and self.max_k < 4 and self.K > self.max_k:
            raise ValueError(f"K={self.K} cannot be split into groups of four on an array of "
                             f"max_k={self.max_k}")

    @property
    def padded(self):
        """``(M, N)`` rounded up to whole row and column blocks."""
        return -(-self.M // self.rows) * self.rows, -(-self.N // self.cols) * self.cols

    def k_chunks(self):
        """``[(start, stop)]`` of the reduction chunks: at most ``max_k`` long, starting at even
        positions when ``paired``, at multiples of 4 when ``grouped``."""
        align = 4 if self.grouped else 2 if self.paired else 1
        step = self.max_k - self.max_k % align if self.max_k >= align else self.max_k
        return [(k0, min(k0 + step, self.K)) for k0 in range(0, self.K, step)]

    def blocks(self):
        """``[(row, col)]`` origins of the output blocks, row block outer."""
        Mp, Np = self.padded
        return [(r, c) for r in range(0, Mp, self.rows) for c in range(0, Np, self.cols)]

    @property
    def tile_count(self):
        return len(self.k_chunks()) * len(self.blocks())

    def tiles(self, A, B):
        """``[[(name, A tile, B tile)] per chunk]``: ``A`` (M, K) and ``B`` (N, K) cut into the
        array's tiles (``rows x k`` and ``cols x k``, zero-padded to whole blocks)."""
        A, B = np.asarray(A), np.asarray(B)
        if A.shape != (self.M, self.K) or B.shape != (self.N, self.K):
            raise ValueError(f"A and B must have shapes ({self.M}, {self.K}) and "
                             f"({self.N}, {self.K}) for this plan, not {A.shape} and {B.shape}")
        Mp, Np = self.padded
        Ap = np.zeros((Mp, self.K), A.dtype)
        Ap[:self.M] = A
        Bp = np.zeros((Np, self.K), B.dtype)
        Bp[:self.N] = B
        return [[(f"rows {r}..{r + self.rows - 1} columns {c}..{c + self.cols - 1} "
                  f"k {k0}..{k1 - 1}", Ap[r:r + self.rows, k0:k1], Bp[c:c + self.cols, k0:k1])
                 for r, c in self.blocks()]
                for k0, k1 in self.k_chunks()]

    def assemble(self, chunk_outputs):
        """``(C, missing)`` from the array's result rows of each chunk.

        ``chunk_outputs``: one array per chunk of the result rows in output order (``rows`` rows
        per tile, tile after tile as :meth:`tiles` lists them; fewer rows when the array stopped
        early). ``C`` (M, N) int64 sums the chunks; ``missing`` (M, N) bool marks outputs of a
        tile whose rows did not all come out.
        """
        chunks = self.k_chunks()
        if len(chunk_outputs) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks of results expected, not {len(chunk_outputs)}")
        Mp, Np = self.padded
        C = np.zeros((Mp, Np), np.int64)
        missing = np.zeros((Mp, Np), bool)
        blocks = self.blocks()
        for rows in chunk_outputs:
            rows = np.asarray(rows, np.int64).reshape(-1, self.cols)
            got = min(len(rows) // self.rows, len(blocks))
            for (r, c), block in zip(blocks[:got], rows[:got * self.rows].reshape(
                    got, self.rows, self.cols)):
                C[r:r + self.rows, c:c + self.cols] += block
            for r, c in blocks[got:]:
                missing[r:r + self.rows, c:c + self.cols] = True
        return C[:self.M, :self.N], missing[:self.M, :self.N]


def conv_as_gemm(xq, wq, *, stride=1, padding=0):
    """``(A, B, (N, Ho, Wo))``: the GEMM of a convolution of ``xq`` (N, C, H, W) with ``wq``
    (O, C, kh, kw) in SPARQ's reduction order (``golden.im2col``)."""
    wq = np.asarray(wq)
    if wq.ndim != 4:
        raise ValueError(f"wq must have shape (O, C, kh, kw), got {wq.shape}")
    cols = im2col(xq, wq.shape[2], wq.shape[3], stride=stride, padding=padding)
    n, ho, wo, k = cols.shape
    return cols.reshape(-1, k), weights_to_matrix(wq), (n, ho, wo)


def gemm_to_conv(C, shape):
    """The (N, O, Ho, Wo) accumulators of a convolution from its GEMM result ``C`` (N*Ho*Wo, O)."""
    n, ho, wo = shape
    return np.ascontiguousarray(np.asarray(C).reshape(n, ho, wo, -1).transpose(0, 3, 1, 2))
