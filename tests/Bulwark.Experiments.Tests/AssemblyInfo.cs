// Trainer.Fit seeds libtorch's process-wide generator and then draws the initial weights from it; two fits
// running at once would interleave their draws and make the seed tests meaningless. The libtorch thread pool
// already uses every core, so running tests one at a time costs little.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
