"""Vectors of 8 float64 lanes inside numba-compiled code, with no C compiler.

numba has no vector type, and LLVM's vectorizers do not keep a tile's 8-lane accumulators in
registers (``first_pass_layouts.py``'s ``tiles``). This module registers one through numba's
extension API: :data:`VEC8` is a numba type whose LLVM value is ``<8 x double>``, and its
operations are :func:`numba.extending.intrinsic` functions that emit one LLVM vector
instruction each. A loop-carried ``VEC8`` variable is then a vector register, as a GCC
vector-extension variable is in C. Each lane is computed as the scalar code computes it (IEEE
add, multiply, ordered compare and select; no fused multiply-add), so a kernel whose lanes
are independent rows gives the scalar kernel's bits.

Importing this module registers the type; nothing is compiled until a kernel that uses it is
first called. Loads and stores take a 1-D C-contiguous float64 array and the index of the
first of 8 consecutive elements, without a bounds check. On a CPU without 512-bit vectors
LLVM splits each operation into narrower ones, lane for lane, so the bits do not change.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic, models, register_model

__all__ = ["VEC8", "vadd", "vload", "vmul", "vsplat", "vstore", "vwhere_less"]

LANES = 8
_VECTOR = ir.VectorType(ir.DoubleType(), LANES)


class Vec8Type(types.Type):
    """8 float64 lanes, one LLVM ``<8 x double>`` value."""

    def __init__(self) -> None:
        super().__init__(name="Vec8")


VEC8 = Vec8Type()


@register_model(Vec8Type)
class _Vec8Model(models.PrimitiveModel):
    def __init__(self, dmm: Any, fe_type: Any) -> None:
        super().__init__(dmm, fe_type, _VECTOR)


def _is_vector_array(array: Any) -> bool:
    return (
        isinstance(array, types.Array)
        and array.dtype == types.float64
        and array.ndim == 1
        and array.layout == "C"
    )


def _lanes_pointer(context: Any, builder: Any, array_type: Any, array: Any, index: Any) -> Any:
    data = context.make_array(array_type)(context, builder, value=array).data
    return builder.bitcast(builder.gep(data, [index]), _VECTOR.as_pointer())


def _binary(operation: str) -> Any:
    def typer(typingctx: Any, a: Any, b: Any) -> Any:
        if a != VEC8 or b != VEC8:
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return getattr(builder, operation)(args[0], args[1])

        return VEC8(VEC8, VEC8), codegen

    typer.__name__ = f"v{operation[1:]}"
    return intrinsic(typer)


#: Lane-wise ``a + b`` and ``a * b``.
vadd = _binary("fadd")
vmul = _binary("fmul")


@intrinsic
def vwhere_less(typingctx: Any, a: Any, b: Any, x: Any, y: Any) -> Any:
    """Lane-wise ``x if a < b else y`` (false where a lane is NaN, as in scalar code)."""
    if any(t != VEC8 for t in (a, b, x, y)):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        a, b, x, y = args
        return builder.select(builder.fcmp_ordered("<", a, b), x, y)

    return VEC8(VEC8, VEC8, VEC8, VEC8), codegen


@intrinsic
def vsplat(typingctx: Any, x: Any) -> Any:
    """A vector of 8 lanes equal to the float ``x``."""
    if x != types.float64:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        vector = ir.Constant(_VECTOR, ir.Undefined)
        for lane in range(LANES):
            vector = builder.insert_element(vector, args[0], ir.Constant(ir.IntType(32), lane))
        return vector

    return VEC8(types.float64), codegen


@intrinsic
def vload(typingctx: Any, array: Any, index: Any) -> Any:
    """``array[index : index + 8]`` as a vector."""
    if not _is_vector_array(array) or not isinstance(index, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        pointer = _lanes_pointer(context, builder, signature.args[0], args[0], index)
        return builder.load(pointer, align=8)

    return VEC8(array, index), codegen


@intrinsic
def vstore(typingctx: Any, array: Any, index: Any, value: Any) -> Any:
    """``array[index : index + 8] = value``."""
    if not _is_vector_array(array) or not isinstance(index, types.Integer) or value != VEC8:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        pointer = _lanes_pointer(context, builder, signature.args[0], args[0], index)
        builder.store(args[2], pointer, align=8)
        return context.get_dummy_value()

    return types.void(array, index, VEC8), codegen
