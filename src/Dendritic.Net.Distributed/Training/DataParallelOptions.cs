namespace Dendritic.Distributed;

/// <summary>Settings of <see cref="DataParallel"/>. Immutable; checked once by <see cref="Validate"/>.</summary>
public sealed record DataParallelOptions
{
    /// <summary>The defaults.</summary>
    public static DataParallelOptions Default { get; } = new();

    /// <summary>
    /// Size of one gradient bucket in MiB: gradients are flattened into buckets of about this size and each bucket is
    /// all-reduced in one collective (fewer, larger calls). A gradient larger than a bucket gets a bucket of its own.
    /// Default 25 (PyTorch DDP's default); must be &gt; 0 and at most 65536 (64 GiB).
    /// </summary>
    public double BucketMegabytes { get; init; } = 25;

    /// <summary>Checks every value.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="InvalidOptionsException">An invalid value; the exception lists each.</exception>
    public DataParallelOptions Validate()
    {
        var check = new OptionsValidator(nameof(DataParallelOptions));
        check.Require(double.IsFinite(BucketMegabytes) && BucketMegabytes > 0 && BucketMegabytes <= 65536, nameof(BucketMegabytes), BucketMegabytes, $"must be a number > 0 and at most 65536 (64 GiB) (default {Default.BucketMegabytes})");
        check.ThrowIfInvalid();
        return this;
    }
}
