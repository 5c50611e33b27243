"""`SplineDetector`: standard scaling + class-balanced logistic regression on SplineLLM features (METHODS.md 6).

    det = SplineDetector().fit_texts(model, tokenizer, prompts, labels)    # 1 = undesirable
    p = det.score_texts(model, tokenizer, new_prompts)                      # P(undesirable) per prompt
    det.save("runs/detector.joblib"); det = SplineDetector.load("runs/detector.joblib")

The saved file records the feature names, the pooled span and the fingerprint of the model the features came
from; applying the detector through another model geometry is refused.
"""
from __future__ import annotations

from pathlib import Path
from collections.abc import Sequence

import numpy as np

from provenance.detect.features import spline_features
from provenance.errors import DetectorError

FORMAT_VERSION = 1


class SplineDetector:
    def __init__(self, *, C: float = 1.0, max_iter: int = 5000):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        self.pipeline = Pipeline([
            ("scale", StandardScaler()),
            ("logreg", LogisticRegression(C=C, class_weight="balanced", max_iter=max_iter)),
        ])
        self.feature_names: list[str] | None = None
        self.meta: dict = {}

    @property
    def fitted(self) -> bool:
        return self.feature_names is not None

    # ---- on feature matrices ------------------------------------------------------------------------------
    def fit(self, X: np.ndarray, y: Sequence[int], feature_names: Sequence[str] | None = None,
            meta: dict | None = None) -> SplineDetector:
        X, y = np.asarray(X, np.float64), np.asarray(y)
        if X.ndim != 2 or len(X) != len(y):
            raise DetectorError(f"X must be [n, features] with one label per row; got X {X.shape}, y {y.shape}")
        if set(np.unique(y).tolist()) != {0, 1}:
            raise DetectorError(f"labels must contain both classes 0 (benign) and 1 (undesirable); got {sorted(set(y.tolist()))}")
        if not np.isfinite(X).all():
            raise DetectorError("features contain non-finite values")
        self.pipeline.fit(X, y.astype(int))
        self.feature_names = list(feature_names) if feature_names is not None else [f"f{i}" for i in range(X.shape[1])]
        if len(self.feature_names) != X.shape[1]:
            raise DetectorError(f"{len(self.feature_names)} feature names for {X.shape[1]} features")
        self.meta = dict(meta or {})
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(undesirable) per row, [n]."""
        if not self.fitted:
            raise DetectorError("the detector is not fitted: call fit / fit_texts or load a saved one")
        X = np.asarray(X, np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise DetectorError(f"expected [n, {len(self.feature_names)}] features, got {X.shape}")
        return self.pipeline.predict_proba(X)[:, 1]

    def predict(self, X: np.ndarray, threshold: float = 0.5) -> np.ndarray:
        return (self.predict_proba(X) >= threshold).astype(int)

    # ---- on texts through a model -------------------------------------------------------------------------
    def fit_texts(self, model, tokenizer, prompts: Sequence[str], labels: Sequence[int],
                  responses: Sequence[str] | None = None, *, span: str | None = None, batch_size: int = 8,
                  chat: bool = True) -> SplineDetector:
        X, names = spline_features(model, tokenizer, prompts, responses, span=span, batch_size=batch_size, chat=chat)
        return self.fit(X, labels, names, feature_meta(model, responses is not None, span, chat))

    def score_texts(self, model, tokenizer, prompts: Sequence[str], responses: Sequence[str] | None = None, *,
                    batch_size: int = 8) -> np.ndarray:
        """P(undesirable) per text, features pooled like at training time (same span and chat rendering)."""
        self.check_model(model)
        if self.meta.get("with_responses") and responses is None:
            raise DetectorError("this detector was trained on prompt + response texts: pass responses")
        if not self.meta.get("with_responses", False) and responses is not None:
            raise DetectorError("this detector was trained on prompts alone: pass no responses")
        X, _ = spline_features(model, tokenizer, prompts, responses, span=self.meta.get("span"),
                               batch_size=batch_size, chat=self.meta.get("chat", True))
        return self.predict_proba(X)

    def check_model(self, model) -> None:
        from provenance.capture import model_fingerprint

        want = (self.meta.get("model") or {}).get("config_hash")
        got = model_fingerprint(model)["config_hash"]
        if want is not None and want != got:
            raise DetectorError(f"the detector was fitted on features of model {self.meta['model'].get('name')!r} "
                                f"(config_hash {want}); this model has config_hash {got}")

    # ---- persistence ---------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        import joblib

        if not self.fitted:
            raise DetectorError("cannot save an unfitted detector")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"format": "provenance.SplineDetector", "version": FORMAT_VERSION, "pipeline": self.pipeline,
                     "feature_names": self.feature_names, "meta": self.meta}, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> SplineDetector:
        import joblib

        obj = joblib.load(Path(path))
        if not isinstance(obj, dict) or obj.get("format") != "provenance.SplineDetector":
            raise DetectorError(f"{path} is not a saved SplineDetector")
        if obj.get("version") != FORMAT_VERSION:
            raise DetectorError(f"{path} has detector format version {obj.get('version')}, this library reads {FORMAT_VERSION}")
        det = cls.__new__(cls)
        det.pipeline, det.feature_names, det.meta = obj["pipeline"], list(obj["feature_names"]), dict(obj["meta"])
        return det


def feature_meta(model, with_responses: bool, span: str | None = None, chat: bool = True) -> dict:
    """How features were made (stored with a fitted detector so it is applied the same way)."""
    from provenance.capture import model_fingerprint

    return {"model": model_fingerprint(model), "span": span or ("all" if with_responses else "prompt"),
            "with_responses": with_responses, "chat": chat}
