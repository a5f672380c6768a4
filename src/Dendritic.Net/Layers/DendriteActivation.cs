namespace Dendritic;

/// <summary>The sigmoid-like nonlinearity f applied to each dendrite's pre-activation.</summary>
public enum DendriteActivation
{
    /// <summary>The logistic sigmoid, 1 / (1 + e^-x); output in (0, 1). The default.</summary>
    Sigmoid = 0,

    /// <summary>The hyperbolic tangent; output in (-1, 1), zero-centred.</summary>
    Tanh = 1,

    /// <summary>The piecewise-linear hard sigmoid, clamp(x / 6 + 1 / 2, 0, 1); cheapest to compute.</summary>
    HardSigmoid = 2,
}
