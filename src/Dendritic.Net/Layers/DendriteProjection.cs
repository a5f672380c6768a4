namespace Dendritic;

/// <summary>
/// How a layer computes its dendrite pre-activations D_k x (the host-shaped GEMMs or convolutions of its sets).
/// Every choice computes the same function; they differ in speed and, by float rounding, in the last bits.
/// </summary>
public enum DendriteProjection
{
    /// <summary>
    /// <see cref="Separate"/> on the CPU and <see cref="Fused"/> on other devices, except a Linear layer's inference
    /// (no gradient recorded), which takes <see cref="Separate"/> there too: the faster of the two where each was
    /// measured (docs/benchmarks.md). The default.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// One host-shaped call per set, as the host layer computes (and as the Python original runs its dendrites).
    /// Each output is host-sized and owned by the layer, so the training cascade also works in place.
    /// </summary>
    Separate = 1,

    /// <summary>
    /// One call over the concatenated weights of all sets (D times the host's output channels), split afterwards:
    /// fewer, larger kernels.
    /// </summary>
    Fused = 2,

    /// <summary>
    /// Opt-in: the host and all sets in one call over their concatenated weights. One GEMM or convolution per layer,
    /// but the host's output is then rounded as part of a wider product, so it is no longer bit for bit the plain
    /// layer's (it agrees to float rounding); switching dendrites off (<c>Enabled = false</c>, <c>Disable()</c>) still
    /// runs the host alone, exactly. Layers attached by a forward hook (the host runs itself) use <see cref="Fused"/>.
    /// </summary>
    FusedWithHost = 3,
}
