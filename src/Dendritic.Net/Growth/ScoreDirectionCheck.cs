using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Notices a score read the wrong way round: a loss given under <see cref="ScoreMode.Maximize"/> (the default) or an
/// accuracy under <see cref="ScoreMode.Minimize"/>. Training normally makes the validation score better; read the wrong
/// way round, it gets worse at every validation, the first score stays the best, and the scheduler grows at the first
/// plateau of "no improvement" while the model is in fact still improving. Asked once, at the first growth.
/// </summary>
internal static class ScoreDirectionCheck
{
    /// <summary>The fewest scores from which a steady worsening is taken as a sign, not chance.</summary>
    internal const int MinScores = 3;

    /// <summary>
    /// Whether there are at least <see cref="MinScores"/> scores and each one is worse than the one before under
    /// <paramref name="mode"/> (lower under Maximize, higher under Minimize).
    /// </summary>
    public static bool EveryScoreWorse(IReadOnlyList<double> scores, ScoreMode mode) =>
        scores.Count >= MinScores
        && scores.Zip(scores.Skip(1)).All(p => mode == ScoreMode.Maximize ? p.Second < p.First : p.Second > p.First);
}
