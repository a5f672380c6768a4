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
    /// How the dendrite weights and biases are drawn. Default <see cref="DendriteInitialization.Normal"/> (perforatedai's
    /// N(0, 0.01²) with the default <see cref="InitScale"/>; chosen on the evidence in docs/parity.md).
    /// </summary>
    public DendriteInitialization Initialization { get; init; } = DendriteInitialization.Normal;

    /// <summary>
    /// With <see cref="DendriteInitialization.Normal"/>: the standard deviation of the normal distribution. With
    /// <see cref="DendriteInitialization.HostUniform"/>: scale of the initial dendrite weights relative to the host
    /// layer's own default initialisation (uniform in ±InitScale/sqrt(fan-in); 1.0 is the host's own). Must be finite
    /// and positive. Default 0.01, the normal distribution's: switching to HostUniform alone gives 1 % of the host's
    /// scale, so set <c>InitScale = 1</c> with it for the host's own (the classic rules do).
    /// </summary>
    public double InitScale { get; init; } = 0.01;

    /// <summary>
    /// How the dendrite pre-activations are computed: per set or in one fused call. Changes speed only (results agree
    /// to float rounding). Default <see cref="DendriteProjection.Auto"/>: separate calls on the CPU and in a Linear layer's inference,
    /// fused otherwise.
    /// </summary>
    public DendriteProjection Projection { get; init; } = DendriteProjection.Auto;

    /// <summary>
    /// How the cascade is computed: the fastest kernel that takes the call, or always the reference path. Changes speed
    /// only (results agree to float rounding). Default <see cref="DendriteCascade.Auto"/>.
    /// </summary>
    public DendriteCascade Cascade { get; init; } = DendriteCascade.Auto;

    /// <summary>The options every layer gets unless told otherwise.</summary>
    public static DendriteOptions Default { get; } = new();

    /// <summary>
    /// The original perforatedai 3.0.5 initialisation (its <c>init_params</c>): dendrite weights and biases drawn from
    /// N(0, 0.01²) whatever the fan-in (<c>candidate_weight_initialization_multiplier</c> 0.01), sigmoid dendrites;
    /// output and cascade weights start at zero as always. Pair it with <see cref="GrowthOptions.PerforatedAICompatible"/>.
    /// Currently equal to <see cref="Default"/>; this one stays pinned to the original, while <see cref="Default"/> may
    /// change in a later version.
    /// </summary>
    public static DendriteOptions PerforatedAICompatible { get; } = new() { Initialization = DendriteInitialization.Normal, InitScale = 0.01 };

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
        check.Defined(Initialization, nameof(Initialization));
        check.FiniteAbove(InitScale, 0, nameof(InitScale), Default.InitScale);
        check.Defined(Projection, nameof(Projection));
        check.Defined(Cascade, nameof(Cascade));
    }
}
