using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Notices a score read the wrong way round: a loss given under <see cref="ScoreMode.Maximize"/> (the default) or an
/// accuracy under <see cref="ScoreMode.Minimize"/>. Training normally makes the validation score better; read the wrong
/// way round, it gets worse, no later score counts as an improvement, and the scheduler grows at the first plateau while
/// the model is in fact still improving. (A model that really gets worse from the start, by over-fitting or too high a
/// learning rate, or that does not learn at all, looks the same; the warning names them.) Asked once, at the first
/// growth.
/// </summary>
internal static class ScoreDirectionCheck
{
    /// <summary>
    /// The fewest scores from which the pattern is taken as a sign. It never fires on a model that improved on its first
    /// score; on one that did not improve at all it fires for a flat, noisy score by chance about one time in five with
    /// four scores and about one time in fifteen with eleven (simulated), and then the model is not learning, which the
    /// warning names too.
    /// </summary>
    internal const int MinScores = 4;

    /// <summary>
    /// Whether there are at least <see cref="MinScores"/> scores, none after the first is better than it under
    /// <paramref name="mode"/>, and the later half is worse on average than the earlier half: the scores moved the
    /// wrong way, whether steadily (each worse than the one before) or with noise (a loss that falls unevenly under
    /// Maximize).
    /// </summary>
    public static bool TrendsWrongWay(IReadOnlyList<double> scores, ScoreMode mode)
    {
        if (scores.Count < MinScores)
        {
            return false;
        }

        // Under Minimize, negate: "better" is then "higher" in both modes.
        var sign = mode == ScoreMode.Maximize ? 1.0 : -1.0;
        var first = sign * scores[0];
        if (scores.Skip(1).Any(s => sign * s > first))
        {
            return false;
        }

        var half = scores.Count / 2;
        var earlier = scores.Take(half).Average(s => sign * s);
        var later = scores.Skip(scores.Count - half).Average(s => sign * s);
        return later < earlier;
    }
}
