namespace Dendritic;

/// <summary>How <see cref="GrowthScheduler.Fit"/> ended.</summary>
/// <param name="Epochs">Epochs run by this call (not the run's last epoch number, which is <c>LastDecision.Validation</c> when Fit made every Step).</param>
/// <param name="IsCompleted">True when the scheduler completed (best model restored); false when the budget ran out first.</param>
/// <param name="BestScore">The best (smoothed) score seen.</param>
/// <param name="DendriteCount">Dendrite sets per layer at the end.</param>
/// <param name="LastDecision">The last decision; null when no epoch ran.</param>
public sealed record GrowthFitResult(int Epochs, bool IsCompleted, double? BestScore, int DendriteCount, GrowthDecision? LastDecision);
