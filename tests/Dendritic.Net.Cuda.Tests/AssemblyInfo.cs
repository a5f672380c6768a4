using NUnit.Framework;

// libtorch keeps global state (default dtype, RNG, thread pools): tests run one at a time.
[assembly: NonParallelizable]
[assembly: LevelOfParallelism(1)]
