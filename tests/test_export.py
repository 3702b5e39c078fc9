import numpy as np
import pytest
import torch

from emolens.vectors import EmotionVectors
from emolens.vectors.export import export_control_vector, read_control_vector


def vectors():
    g = torch.Generator().manual_seed(0)
    return EmotionVectors(torch.randn(3, 2, 16, generator=g), ("calm", "desperate"), (0, 4, 9), {"method": "test"})


def test_roundtrip_exact(tmp_path):
    v = vectors()
    d = v["calm"] - v["desperate"]
    p = export_control_vector(d, tmp_path / "calm.gguf", layers=[4, 9], model_hint="llama", scale=2.0)
    back = read_control_vector(p)
    assert back["model_hint"] == "llama" and back["layer_count"] == 2 and sorted(back["directions"]) == [4, 9]
    for L in (4, 9):
        assert np.array_equal(back["directions"][L], (d.at(L).double() * 2.0).numpy().astype(np.float32))


def test_unit_and_errors(tmp_path):
    v = vectors()
    back = read_control_vector(export_control_vector(v, tmp_path / "u.gguf", emotion="calm", layers=[9], unit=True))
    assert abs(np.linalg.norm(back["directions"][9]) - 1) < 1e-6
    with pytest.raises(ValueError, match="direction.0 is invalid"):
        export_control_vector(v, tmp_path / "z.gguf", emotion="calm")
    with pytest.raises(ValueError, match="pass emotion"):
        export_control_vector(v, tmp_path / "z.gguf", layers=[4])
    with pytest.raises(ValueError, match="has no layers"):
        export_control_vector(v["calm"], tmp_path / "z.gguf", layers=[5])
    bad = tmp_path / "bad.gguf"
    import gguf

    w = gguf.GGUFWriter(str(bad), "llama")
    w.add_tensor("x", np.zeros(2, dtype=np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()  # noqa: E702
    with pytest.raises(ValueError, match="not a control-vector"):
        read_control_vector(bad)
