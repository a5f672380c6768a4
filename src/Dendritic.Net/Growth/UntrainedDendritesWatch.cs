using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Notices dendrites that do not train. A manual training loop must rebuild its optimizer after every growth
/// (<see cref="GrowthDecision.TrainableParameters"/>); one built before keeps updating the old parameters and never
/// the new ones, which then stay exactly as they were added (u at zero) while the scheduler goes on judging scores.
/// After a growth this takes a fingerprint of the new trainable parameters (the float64 sum of each); at the next
/// validation it takes it again: the same fingerprint means no optimizer step has touched them.
/// </summary>
internal sealed class UntrainedDendritesWatch
{
    private IReadOnlyList<Parameter>? _watched;
    private double[]? _sums;
    private int _grewAt;

    /// <summary>Starts watching the trainable ones of <paramref name="fresh"/>, added at validation <paramref name="validation"/>.</summary>
    public void Start(IReadOnlyList<Parameter> fresh, int validation)
    {
        var trainable = fresh.Where(p => p.requires_grad).ToList();
        (_watched, _sums, _grewAt) = trainable.Count == 0 ? (null, null, 0) : (trainable, Sums(trainable), validation);
    }

    /// <summary>
    /// Whether the watched parameters are unchanged since <see cref="Start"/>, with their count and the validation that
    /// added them; then stops watching. False when nothing is watched, or when a watched parameter was freed or
    /// replaced meanwhile (the layer was moved: its new parameters are not the ones watched).
    /// </summary>
    public (bool Untrained, int Count, int GrewAt) Check()
    {
        var (watched, sums, grewAt) = (_watched, _sums, _grewAt);
        (_watched, _sums, _grewAt) = (null, null, 0);
        if (watched is null || sums is null || watched.Any(p => p.IsInvalid))
        {
            return (false, 0, 0);
        }

        return (Sums(watched).SequenceEqual(sums), watched.Count, grewAt);
    }

    private static double[] Sums(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return parameters.Select(p => p.detach().sum(ScalarType.Float64).item<double>()).ToArray();
    }
}
