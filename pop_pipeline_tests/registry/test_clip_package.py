"""The CLIP package folder: written whole, loaded back with the same weights."""

from pop_pipeline.ml.clip.factory import create_clip
from pop_pipeline.registry.clip_package import load_clip, save_clip


def test_save_clip_moves_a_whole_package_in_and_replaces_a_torn_one(tmp_path):
    """A package torn by a killed save is replaced whole; no partial folder is left behind."""
    bundle = create_clip("pop-clip-tiny", None, seed=0, device="cpu")
    folder = tmp_path / "clip" / "abc"
    folder.mkdir(parents=True)
    (folder / "clip.safetensors").write_bytes(b"torn")  # what a kill -9 mid-write leaves
    save_clip(bundle, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["clip.json", "clip.safetensors"]
    assert [p.name for p in folder.parent.iterdir()] == ["abc"]
    loaded = load_clip(folder, device="cpu")
    assert loaded.identity().weights_sha256 == bundle.identity().weights_sha256
