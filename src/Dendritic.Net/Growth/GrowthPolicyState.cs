namespace Dendritic;

/// <summary>
/// What the growth policy remembers between validations: counters, scores and phase. Immutable; the scheduler holds
/// one and replaces it with <see cref="GrowthPlan.Next"/> once the plan has been carried out.
/// </summary>
internal sealed record GrowthPolicyState
{
    /// <summary>Validation calls so far.</summary>
    public int Validations { get; init; }

    /// <summary>Validation calls since the start or the last architecture change.</summary>
    public int SinceChange { get; init; }

    /// <summary>Failed attempts of the current growth step.</summary>
    public int Retries { get; init; }

    /// <summary>Whether the best score improved since the last architecture change.</summary>
    public bool ImprovedSinceChange { get; init; }

    /// <summary>Dendrite sets per layer when the best weights were captured.</summary>
    public int BestDendriteCount { get; init; }

    /// <summary>Phase.</summary>
    public GrowthPhase Phase { get; init; } = GrowthPhase.Initial;

    /// <summary>The best (smoothed) score; null before the first best.</summary>
    public double? Best { get; init; }

    /// <summary>The best (smoothed) score of the current cycle; null when the next score starts it.</summary>
    public double? CycleBest { get; init; }

    /// <summary>The current smoothed score; null when the next score re-seeds it.</summary>
    public double? Smoothed { get; init; }

    /// <summary>Non-improving validations counted against the patience.</summary>
    public int BadValidations { get; init; }

    /// <summary>Cooldown validations left.</summary>
    public int CooldownLeft { get; init; }
}
