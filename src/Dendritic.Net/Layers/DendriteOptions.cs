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

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public DendriteOptions Validate()
    {
        var check = new OptionsValidator(nameof(DendriteOptions));
        Collect(check);
        check.ThrowIfInvalid();
        return this;
    }

    internal void Collect(OptionsValidator check)
    {
        check.Defined(Activation, nameof(Activation));
        check.FiniteAbove(InitScale, 0, nameof(InitScale), Default.InitScale);
        check.Defined(Projection, nameof(Projection));
    }
}
