using System.Collections.Generic;
using System.Linq;
using Dendritic.Experiments;

namespace Dendritic.Reporting;

/// <summary>
/// The mean validation curve of one arm, as the training-curves chart draws it: each epoch's mean over the seeds that
/// reached that epoch, with how many did. Seeds of one arm may train for different numbers of epochs (the dendritic arm
/// ends growth at a different epoch per seed, and its controls follow), so a mean cut at the shortest seed would hide the
/// later epochs of the others.
/// </summary>
internal static class CurveSeries
{
    /// <summary>One epoch of an arm's mean curve.</summary>
    /// <param name="Epoch">The epoch, from 1.</param>
    /// <param name="Mean">The mean validation metric over <paramref name="Seeds"/> seeds, times the chart's scale.</param>
    /// <param name="Seeds">How many of the arm's seeds trained this epoch.</param>
    internal readonly record struct Point(int Epoch, double Mean, int Seeds);

    /// <summary>
    /// The mean curve of <paramref name="runs"/> (one arm, one run per seed), ordered by epoch: one point per epoch that
    /// at least one seed reached, its <see cref="Point.Seeds"/> the number of distinct runs that list it, each run's
    /// record of the epoch as <see cref="Epochs"/> picks it.
    /// </summary>
    /// <param name="runs">The arm's runs.</param>
    /// <param name="scale">Multiplies each validation metric (100 for accuracy in percent).</param>
    public static IReadOnlyList<Point> Mean(IEnumerable<RunResult> runs, double scale) =>
        runs.SelectMany(r => Epochs(r.Curve))
            .GroupBy(c => c.Epoch)
            .OrderBy(g => g.Key)
            .Select(g => new Point(g.Key, g.Average(c => c.ValidationMetric * scale), g.Count()))
            .ToList();

    /// <summary>
    /// Splits <paramref name="curve"/> where seeds start to drop out: the leading epochs that all
    /// <paramref name="seeds"/> seeds trained, and the rest, which starts at the last of those epochs so that the two
    /// lines join (empty when every seed trained every epoch; the whole curve when none did at epoch 1).
    /// </summary>
    /// <param name="curve">From <see cref="Mean"/>.</param>
    /// <param name="seeds">The arm's number of seeds.</param>
    public static (IReadOnlyList<Point> AllSeeds, IReadOnlyList<Point> FewerSeeds) Split(IReadOnlyList<Point> curve, int seeds)
    {
        var full = 0;
        while (full < curve.Count && curve[full].Seeds == seeds)
        {
            full++;
        }

        // An epoch after the first drop counts as "fewer seeds" even if its count were back at all (not something a
        // run writes: each seed's epochs run 1, 2, ... up to where it stopped), so a solid line always means every seed.
        var tail = full == curve.Count ? new List<Point>() : curve.Skip(full == 0 ? 0 : full - 1).ToList();
        return (curve.Take(full).ToList(), tail);
    }

    /// <summary>
    /// The records of <paramref name="curve"/> that the chart draws, one per epoch, in the order the epochs first
    /// appear: every one of a run's, which lists each epoch once (<see cref="ReportWriter.FromJson"/> refuses a curve that
    /// repeats one). A report built in code may repeat an epoch; the last record of it is then the epoch's, as a later
    /// record of an epoch replaces an earlier one, so that no epoch counts more seeds than the arm has and the growth
    /// marks stand on the lines.
    /// </summary>
    /// <param name="curve">One run's curve.</param>
    public static IEnumerable<EpochRecord> Epochs(IReadOnlyList<EpochRecord> curve) =>
        // GroupBy keeps each group's entries in the curve's order, so Last is the run's last entry for that epoch.
        curve.GroupBy(c => c.Epoch).Select(g => g.Last());
}
