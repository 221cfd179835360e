"""Evaluate a Density Workbench model file with NumPy only.

    import json, numpy as np
    from evaluate_model import log_prob
    model = json.load(open("model.json"))
    lp = log_prob(model, X, y)   # X: (n, d) in the order of model["architecture"]["inputs"]

log_prob returns log p(y|x) per row in the ORIGINAL units of y (nats), the same values as the
`log_prob` column of `density-workbench predict`. See MODEL_FORMAT.md for the fields.
"""
import numpy as np

ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "softplus": lambda z: np.logaddexp(0.0, z),
}


def network_outputs(model, X):
    """Raw outputs of the last Dense layer, shape (n, params_size)."""
    sx = model["scalers"]["x"]
    h = (np.asarray(X, dtype=np.float64) - [s["mean"] for s in sx]) / [s["std"] for s in sx]
    for layer in model["layers"]:
        h = ACTIVATIONS[layer["activation"]](h @ np.asarray(layer["kernel"]) + layer["bias"])
    return h


def log_prob(model, X, y):
    arch, sy = model["architecture"], model["scalers"]["y"]
    out, y = network_outputs(model, X), np.asarray(y, dtype=np.float64)
    head = arch["head"]["kind"]
    if head == "bernoulli":  # y is 0/1 and never scaled
        logit = out[:, 0]
        return y * -np.logaddexp(0.0, -logit) + (1 - y) * -np.logaddexp(0.0, logit)
    k = 1 if head == "normal" else arch["head"]["components"]
    logits = np.zeros((len(y), 1)) if head == "normal" else out[:, :k]
    pairs = out[:, :2] if head == "normal" else out[:, k:]  # (loc, raw_scale) per component
    loc, raw = pairs[:, 0::2], pairs[:, 1::2]
    scale = np.logaddexp(0.0, raw) + arch["sigma_floor"]        # standardised units
    z = ((y - sy["mean"]) / sy["std"])[:, None]
    log_w = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    log_n = -0.5 * ((z - loc) / scale) ** 2 - np.log(scale) - 0.5 * np.log(2 * np.pi)
    return np.logaddexp.reduce(log_w + log_n, axis=1) - np.log(sy["std"])
