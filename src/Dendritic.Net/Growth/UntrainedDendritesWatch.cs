using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Linq;
using TorchSharp.Modules;

namespace Dendritic;

/// <summary>
/// Notices dendrites that do not train. A manual training loop must rebuild its optimizer after every growth
/// (<see cref="GrowthDecision.TrainableParameters"/>); one built before keeps updating the old parameters and never
/// the new ones, which then stay exactly as they were added (u at zero) while the scheduler goes on judging scores.
/// After a growth this takes a fingerprint of the new trainable parameters (<see cref="TensorFingerprint"/>); at the
/// next validation it takes it again: the same fingerprint means no optimizer step has touched them.
/// A diagnostic only: where the fingerprint cannot be taken (a device without float64, a device error), nothing is
/// watched and nothing is said.
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
        var sums = trainable.Count == 0 ? null : Fingerprint(trainable);
        (_watched, _sums, _grewAt) = sums is null ? (null, null, 0) : (trainable, sums, validation);
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

        return Fingerprint(watched) is { } now ? (now.SequenceEqual(sums), watched.Count, grewAt) : (false, 0, 0);
    }

    /// <summary>The parameters' <see cref="TensorFingerprint"/>, or null when it cannot be taken.</summary>
    private static double[]? Fingerprint(IReadOnlyList<Parameter> parameters)
    {
        try
        {
            return TensorFingerprint.Of(parameters);
        }
        catch (Exception ex) when (ex is ExternalException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            // libtorch's errors reach .NET as ExternalException: no float64 on the device, a device error. The check is
            // a courtesy; it must never fail a Step whose growth has already happened.
            return null;
        }
    }
}
