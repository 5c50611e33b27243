"""provenance.capture.sharding: which device meshes split a sample (refused, with the reason) and which shard only
parameters (accepted). Meshes are stand-ins with a DeviceMesh's `mesh_dim_names` and `shape`; the real ones run in
tests/callbacks/test_lightning_fsdp.py."""
import pytest
from torch import nn

from provenance.capture.sharding import check_mesh, check_model_sharding, token_splitting_dims
from provenance.errors import CaptureConfigError


class Mesh:
    def __init__(self, names, shape):
        self.mesh_dim_names, self.shape = names, shape


@pytest.mark.parametrize("names, shape", [
    (("data_parallel", "tensor_parallel"), (2, 1)),   # Lightning's ModelParallelStrategy, FSDP only
    (("dp_replicate", "dp_shard"), (2, 4)),            # HSDP
    (("dp", "ep"), (2, 2)),                            # expert parallel keeps every token's hidden state whole
    (("tp",), (1,)),                                   # a splitting dimension of size 1 splits nothing
    (None, (4,)),                                      # an unnamed mesh: FSDP2's default data-parallel mesh
])
def test_meshes_that_shard_only_parameters_are_accepted(names, shape):
    assert token_splitting_dims(Mesh(names, shape)) == []
    check_mesh(Mesh(names, shape), "the mesh")
    check_mesh(None, "no mesh")


@pytest.mark.parametrize("names, shape, found", [
    (("data_parallel", "tensor_parallel"), (1, 2), [("tensor_parallel", 2, "tensor parallelism")]),
    (("dp", "cp"), (2, 2), [("cp", 2, "context parallelism")]),
    (("dp_shard_cp",), (4,), [("dp_shard_cp", 4, "context parallelism")]),   # torchtitan's flattened FSDP x CP dim
    (("pp", "dp", "sp"), (2, 1, 2), [("pp", 2, "pipeline parallelism"), ("sp", 2, "sequence parallelism")]),
])
def test_meshes_that_split_a_sample_are_refused_with_the_reason(names, shape, found):
    assert token_splitting_dims(Mesh(names, shape)) == found
    name, size, kind = found[0]
    with pytest.raises(CaptureConfigError) as err:
        check_mesh(Mesh(names, shape), "the strategy's mesh")
    assert str(err.value).startswith(f"the strategy's mesh has dimension {name!r} of size {size} ({kind})")
    assert f"per-sample capture is impossible with {kind} because" in str(err.value)
    assert "Fix: shard parameters only" in str(err.value)


def test_model_sharding_is_read_from_its_parameters():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    assert check_model_sharding(model) is None  # plain tensors: one device or DDP
    for p in model.parameters():  # FSDP2 parameters are DTensors on a data-parallel mesh
        p.device_mesh = Mesh(("dp_shard",), (2,))
    assert check_model_sharding(model) == "fsdp2"
    model[1].weight.device_mesh = Mesh(("dp", "tp"), (1, 2))  # one tensor-parallel layer
    with pytest.raises(CaptureConfigError, match=r"a parameter of Sequential is a DTensor whose device mesh has "
                                                 r"dimension 'tp' of size 2 \(tensor parallelism\)"):
        check_model_sharding(model)

