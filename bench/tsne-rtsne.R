# Rtsne (the bhtsne C++ of van der Maaten) on a raw little-endian float32 matrix, for
# `npm run bench -- tsne-peers`.
#
#   Rscript bench/tsne-rtsne.R INPUT.f32 ROWS COLS OUTPUT.f32 [PERPLEXITY] [SEED] [THREADS]
#
# Runs Rtsne(X, dims = 2, perplexity, theta = 0.5, pca = FALSE, max_iter = 1000, num_threads)
# with its other defaults (exaggeration 12 for 250 iterations, momentum 0.5 then 0.8, eta 200),
# writes the embedding as float32 (row-major) and prints one JSON line: fit seconds (wall),
# Rtsne's last reported KL (its own estimate), iterations, threads, version.
suppressMessages(library(Rtsne))
args <- commandArgs(trailingOnly = TRUE)
rows <- as.integer(args[2])
cols <- as.integer(args[3])
perplexity <- if (length(args) >= 5) as.numeric(args[5]) else 30
seed <- if (length(args) >= 6) as.integer(args[6]) else 0L
threads <- if (length(args) >= 7) as.integer(args[7]) else 2L
con <- file(args[1], "rb")
x <- matrix(readBin(con, "numeric", n = rows * cols, size = 4, endian = "little"), nrow = rows, ncol = cols, byrow = TRUE)
close(con)
set.seed(seed)
t0 <- proc.time()[["elapsed"]]
fit <- Rtsne(x, dims = 2, perplexity = perplexity, theta = 0.5, pca = FALSE, max_iter = 1000, num_threads = threads, check_duplicates = FALSE, verbose = FALSE)
seconds <- proc.time()[["elapsed"]] - t0
con <- file(args[4], "wb")
writeBin(as.vector(t(fit$Y)), con, size = 4, endian = "little")
close(con)
kl <- fit$itercosts[length(fit$itercosts)]
cat(sprintf('{"rtsne":"%s","seconds":%.3f,"kl":%.6f,"iterations":1000,"threads":%d}\n', as.character(packageVersion("Rtsne")), seconds, kl, threads))
