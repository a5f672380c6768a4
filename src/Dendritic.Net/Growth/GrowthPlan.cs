namespace Dendritic;

/// <summary>
/// What the growth policy decided for one score, before anything happens to the model. The scheduler carries it out
/// in this order: capture the best weights, restore them (removing the sets added since), add dendrites, complete.
/// </summary>
/// <param name="Next">The policy state once the plan is carried out.</param>
/// <param name="Observed">The policy state with the score observed but before the action; kept when adding dendrites fails (the model is rolled back).</param>
/// <param name="Action">The resulting action.</param>
/// <param name="Reason">Why.</param>
/// <param name="Message">The explanation (the scheduler appends what growth itself reports).</param>
/// <param name="SmoothedScore">The score after smoothing.</param>
/// <param name="CaptureBest">Keep the current weights as the best (before any restore).</param>
/// <param name="RestoreBest">Go back to the best weights and their dendrite count.</param>
/// <param name="IsLearningRateLow">Growth with a learning rate under <see cref="GrowthOptions.LowLearningRateThreshold"/>.</param>
internal sealed record GrowthPlan(
    GrowthPolicyState Next,
    GrowthPolicyState Observed,
    GrowthAction Action,
    GrowthReason Reason,
    string Message,
    double SmoothedScore,
    bool CaptureBest,
    bool RestoreBest,
    bool IsLearningRateLow)
{
    /// <summary>Whether dendrites are added.</summary>
    public bool Grow => Action == GrowthAction.DendritesAdded;
}
