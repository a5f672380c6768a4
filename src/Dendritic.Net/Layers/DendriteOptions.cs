using System;

namespace Dendritic;

/// <summary>
/// How the dendrites of one layer compute. Immutable; validated once by <see cref="Validate"/>, which every
/// constructor that takes options calls.
/// </summary>
public sealed record DendriteOptions
{
    /// <summary>The nonlinearity f of every dendrite. Default <see cref="DendriteActivation.Sigmoid"/>.</summary>
    public DendriteActivation Activation { get; init; } = DendriteActivation.Sigmoid;

    /// <summary>
    /// Scale of the initial dendrite weights relative to the host layer's own default initialisation
    /// (uniform in ±1/sqrt(fan-in)). Must be finite and positive. Default 1.0.
    /// </summary>
    public double InitScale { get; init; } = 1.0;

    /// <summary>
    /// How the dendrite pre-activations are computed: per set or in one fused call. Changes speed only (results agree
    /// to float rounding). Default <see cref="DendriteProjection.Auto"/>: separate calls on the CPU, fused elsewhere.
    /// </summary>
    public DendriteProjection Projection { get; init; } = DendriteProjection.Auto;

    /// <summary>The options every layer gets unless told otherwise.</summary>
    public static DendriteOptions Default { get; } = new();

    /// <summary>Checks every value and throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    /// <returns>This instance, for chaining.</returns>
    public DendriteOptions Validate()
    {
        if (!Enum.IsDefined(Activation))
        {
            throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Unknown dendrite activation; use one of " + string.Join(", ", Enum.GetNames<DendriteActivation>()) + ".");
        }

        if (!double.IsFinite(InitScale) || InitScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(InitScale), InitScale, "InitScale must be a finite number greater than zero (default 1.0).");
        }

        if (!Enum.IsDefined(Projection))
        {
            throw new ArgumentOutOfRangeException(nameof(Projection), Projection, "Unknown dendrite projection; use one of " + string.Join(", ", Enum.GetNames<DendriteProjection>()) + ".");
        }

        return this;
    }
}
