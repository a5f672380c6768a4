using System;

namespace Dendritic;

/// <summary>One epoch of <see cref="GrowthScheduler.Fit"/>, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Epoch">1-based epoch just finished.</param>
/// <param name="Epochs">The epoch budget.</param>
/// <param name="Decision">What the scheduler decided after this epoch's validation.</param>
/// <param name="EpochTime">Wall time of the epoch (training and validation).</param>
public sealed record GrowthProgress(int Epoch, int Epochs, GrowthDecision Decision, TimeSpan EpochTime);
