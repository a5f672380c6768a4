namespace Dendritic;

/// <summary>Why the scheduler decided what it did; stable values, also used in logs and the history CSV.</summary>
public enum GrowthReason
{
    /// <summary>
    /// The first score. It becomes the best score when <see cref="GrowthOptions.FirstScoreIsBest"/> is true; when it is
    /// false (the default) the first score only keeps its weights as a fallback, and the second score, reported with
    /// this reason too, becomes the best whatever its value.
    /// </summary>
    FirstScore = 0,

    /// <summary>
    /// The score beat the best score by the thresholds or, with <see cref="GrowthOptions.PatienceAgainstCycleBest"/>
    /// (the default), the best score of the current cycle (since the last growth step), which restarts the patience
    /// without a new best score; <see cref="GrowthDecision.IsNewBest"/> tells the two apart.
    /// </summary>
    Improved = 1,

    /// <summary>The score did not beat the best score by the thresholds; patience is counting.</summary>
    NoImprovement = 2,

    /// <summary>Within the cooldown after a growth step: non-improving scores are not counted.</summary>
    Cooldown = 3,

    /// <summary>A plateau (or the interval): the best weights were restored and one dendrite set added per layer.</summary>
    Grew = 4,

    /// <summary>The last growth step never beat the best score: it was reverted and fresh dendrites were added.</summary>
    Retried = 5,

    /// <summary>The last growth step never beat the best score and no retries are left: best model restored.</summary>
    RetriesExhausted = 6,

    /// <summary>A plateau at the maximum dendrite count: best model restored.</summary>
    MaxDendritesReached = 7,

    /// <summary>A plateau with <see cref="GrowthTrigger.Never"/>: early stopping, best model restored.</summary>
    EarlyStopped = 8,
}
