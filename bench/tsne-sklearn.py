#!/usr/bin/env python3
"""scikit-learn's Barnes-Hut t-SNE on a float32 .npy, for `npm run bench -- tsne`.

    /usr/bin/python3 bench/tsne-sklearn.py INPUT.npy OUTPUT.npy [PERPLEXITY] [SEED]

Runs TSNE(n_components=2, perplexity, init='pca', learning_rate='auto', method='barnes_hut',
angle=0.5) with scikit-learn's defaults otherwise (1,000 iterations, early exaggeration 12 for 250),
writes the embedding as float32 .npy and prints one JSON line: fit seconds (wall), scikit-learn's
own kl_divergence_ (Barnes-Hut estimate on its P), iterations, threads.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.manifold import TSNE

x = np.load(sys.argv[1]).astype(np.float32)
perplexity = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
model = TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", method="barnes_hut", angle=0.5, random_state=seed)
t0 = time.perf_counter()
y = model.fit_transform(x)
seconds = time.perf_counter() - t0
np.save(sys.argv[2], y.astype(np.float32))
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

print(
    json.dumps(
        {
            "sklearn": sklearn.__version__,
            "seconds": seconds,
            "kl": float(model.kl_divergence_),
            "iterations": int(model.n_iter_),
            "threads": int(_openmp_effective_n_threads()),
        }
    )
)
