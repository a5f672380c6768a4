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
    /// The score beat the best score by the thresholds and became the best score (<see cref="GrowthDecision.IsNewBest"/>
    /// is true). A score that beats only the best of the current cycle is <see cref="CycleBest"/>.
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

    /// <summary>
    /// With <see cref="GrowthOptions.PatienceAgainstCycleBest"/> (the default): the score beat the best score of the
    /// current cycle (since the start or the last architecture change; the first score of a cycle always does) but not
    /// the best score, which stays as it was. The patience restarts; the score is not the best
    /// (<see cref="GrowthDecision.IsNewBest"/> is false) and its weights are not kept. Before this value existed, such
    /// a score was reported as <see cref="Improved"/>.
    /// </summary>
    CycleBest = 9,
}
