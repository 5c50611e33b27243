"""Which sharded-training layouts give exact per-sample capture, and a clear refusal for the ones that cannot.

Capture needs, on the rank that trains a sample, the whole of that sample: every token's hidden state at each
captured layer, the full hidden vector (all d components), and the gradient of the loss at the same places.

- Data parallelism in any form keeps that: DDP, FSDP (FSDP1 `FullyShardedDataParallel`, FSDP2 `fully_shard`, HSDP)
  shard *parameters* and optimizer state, but each rank runs whole samples through the whole (gathered) layer, so the
  block outputs hooked by the engine are ordinary full tensors. Supported.
- Sequence and context parallelism split one sample's tokens across ranks: no rank holds a sample's full hidden
  states, and its mean over response tokens would need a collective per layer. Refused.
- Tensor parallelism makes the ranks of a tensor-parallel group train the *same* samples (each rank would store them
  again) and, combined with sequence parallelism as it usually is, splits their tokens. Refused.
- Pipeline parallelism puts different layers (and the LM head) on different ranks: no rank sees all captured layers
  and the logits. Refused.

Device-mesh dimensions are recognised by name, the convention of PyTorch, Lightning (`"data_parallel"`,
`"tensor_parallel"`), accelerate and torchtitan (`"dp_shard"`, `"cp"`, `"tp"`, `"pp"`): a dimension of size > 1 whose
name holds one of `TOKEN_SPLITTING_WORDS` as a `_`-separated word is refused; any other name (`dp`, `fsdp`,
`data_parallel`, `dp_replicate`, `ep`, ...) is taken as data (or expert) parallel.
"""
from __future__ import annotations

from collections.abc import Iterable

from torch import nn

from provenance.errors import CaptureConfigError

# Words in a mesh dimension's name that mark a layout splitting a sample's tokens, hidden vector or layers.
TOKEN_SPLITTING_WORDS = {
    "tp": "tensor parallelism", "tensor": "tensor parallelism",
    "sp": "sequence parallelism", "sequence": "sequence parallelism",
    "cp": "context parallelism", "context": "context parallelism",
    "pp": "pipeline parallelism", "pipeline": "pipeline parallelism",
}
_WHY = {
    "tensor parallelism": "the ranks of a tensor-parallel group train the same samples (each would store them again) "
                          "and, with sequence parallelism, each holds only part of a sample's tokens",
    "sequence parallelism": "each rank holds only part of a sample's tokens, so no rank has its hidden states",
    "context parallelism": "each rank holds only part of a sample's tokens, so no rank has its hidden states",
    "pipeline parallelism": "each rank runs only some of the layers, so no rank sees every captured layer and the "
                            "logits",
}
_FIX = ("shard parameters only (DDP, FSDP, FSDP2 fully_shard or HSDP over a data-parallel mesh; e.g. Lightning's "
        "ModelParallelStrategy(data_parallel_size=<world size>, tensor_parallel_size=1))")


def token_splitting_dims(mesh) -> list[tuple[str, int, str]]:
    """(name, size, kind) of each dimension of a `DeviceMesh` that splits samples, of size > 1.

    Args:
        mesh: a `torch.distributed.device_mesh.DeviceMesh` (or anything with `mesh_dim_names` and `shape`).
    """
    names = getattr(mesh, "mesh_dim_names", None)
    if not names:
        return []
    found = []
    for name, size in zip(names, tuple(mesh.shape)):
        words = str(name).lower().split("_")
        kind = next((TOKEN_SPLITTING_WORDS[w] for w in words if w in TOKEN_SPLITTING_WORDS), None)
        if kind is not None and int(size) > 1:
            found.append((str(name), int(size), kind))
    return found


def check_mesh(mesh, where: str) -> None:
    """Refuse a device mesh that splits one sample across ranks (see the module docstring).

    Args:
        mesh: a `DeviceMesh`, or None (nothing to check).
        where: what holds the mesh, named in the error (e.g. "ModelParallelStrategy's device mesh").

    Raises:
        CaptureConfigError: the mesh has a tensor-, sequence-, context- or pipeline-parallel dimension of size > 1.
    """
    if mesh is None:
        return
    bad = token_splitting_dims(mesh)
    if bad:
        name, size, kind = bad[0]
        dims = ", ".join(f"{n!r} of size {s} ({k})" for n, s, k in bad)
        raise CaptureConfigError(
            f"{where} has dimension {dims}: per-sample capture is impossible with {kind} because {_WHY[kind]}, "
            f"and capture needs each sample's tokens whole on one data-parallel rank. Fix: {_FIX}."
        )


def parameter_meshes(model: nn.Module) -> list:
    """The distinct device meshes of a model's DTensor parameters (FSDP2, tensor parallel); [] for plain tensors."""
    meshes: list = []
    for param in model.parameters():
        mesh = getattr(param, "device_mesh", None)  # only DTensors carry one
        if mesh is not None and not any(mesh is m for m in meshes):
            meshes.append(mesh)
    return meshes


def check_model_sharding(model: nn.Module) -> str | None:
    """Refuse a model whose parameters are sharded in a way that splits samples; name its sharding otherwise.

    Args:
        model: the causal LM the engine hooks (after the framework has sharded it).

    Returns:
        "fsdp2" (DTensor parameters over data-parallel meshes), "fsdp1" (inside `FullyShardedDataParallel`), or
        None (plain parameters: single device or DDP).

    Raises:
        CaptureConfigError: a parameter lives on a mesh with a tensor-, sequence-, context- or pipeline-parallel
            dimension of size > 1.
    """
    meshes = parameter_meshes(model)
    for mesh in meshes:
        check_mesh(mesh, f"a parameter of {type(model).__name__} is a DTensor whose device mesh")
    if meshes:
        return "fsdp2"
    if _inside_fsdp1(model.modules()):
        return "fsdp1"
    return None


def _inside_fsdp1(modules: Iterable[nn.Module]) -> bool:
    try:
        from torch.distributed.fsdp import FullyShardedDataParallel
    except ImportError:  # a torch built without distributed support has no FSDP
        return False
    return any(isinstance(m, FullyShardedDataParallel) for m in modules)
