using System;

namespace Dendritic;

/// <summary>One epoch of <see cref="GrowthScheduler.Fit"/>, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Epoch">1-based epoch of the run just finished; a second Fit call goes on from the first's last epoch.</param>
/// <param name="Epochs">The last epoch this Fit call may run: the epochs before the call plus its budget (the budget itself on a first call).</param>
/// <param name="Decision">What the scheduler decided after this epoch's validation.</param>
/// <param name="EpochTime">Wall time of the epoch (training and validation).</param>
public sealed record GrowthProgress(int Epoch, int Epochs, GrowthDecision Decision, TimeSpan EpochTime);
