using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Notices a score read the wrong way round: a loss given under <see cref="ScoreMode.Maximize"/> (the default) or an
/// accuracy under <see cref="ScoreMode.Minimize"/>. Training normally makes the validation score better; read the wrong
/// way round, it gets worse at every validation, no later score counts as an improvement, and the scheduler grows at
/// the first plateau while the model is in fact still improving. (A model that really gets worse from the start, by
/// over-fitting or too high a learning rate, looks the same; the warning names both.) Asked once, at the first growth.
/// </summary>
internal static class ScoreDirectionCheck
{
    /// <summary>
    /// The fewest scores from which a steady worsening is taken as a sign, not chance: three falls in a row happen by
    /// chance to a flat, noisy score one time in 24; two falls (three scores) one time in 6.
    /// </summary>
    internal const int MinScores = 4;

    /// <summary>
    /// Whether there are at least <see cref="MinScores"/> scores and each one is worse than the one before under
    /// <paramref name="mode"/> (lower under Maximize, higher under Minimize).
    /// </summary>
    public static bool EveryScoreWorse(IReadOnlyList<double> scores, ScoreMode mode) =>
        scores.Count >= MinScores
        && scores.Zip(scores.Skip(1)).All(p => mode == ScoreMode.Maximize ? p.Second < p.First : p.Second > p.First);
}
