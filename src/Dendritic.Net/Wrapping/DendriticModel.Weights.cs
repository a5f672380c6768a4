using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>Weight snapshots: copying every weight and the dendrite structure, and putting them back.</content>
public sealed partial class DendriticModel
{
    /// <summary>Copies every weight of the model (base and dendrites) and the dendrite structure.</summary>
    /// <param name="toCpu">Keep the copies in CPU memory rather than on the model's device. Default false.</param>
    /// <returns>The snapshot; dispose it when no longer needed.</returns>
    /// <exception cref="InvalidOperationException">The model was unwrapped (its dendrites are gone); wrap it again to get a new handle.</exception>
    public WeightSnapshot CaptureWeights(bool toCpu = false)
    {
        ThrowIfUnwrapped();
        var copies = new Dictionary<string, Tensor>(StringComparer.Ordinal);

        // The scope frees the detach() and cpu() intermediates now rather than in the finalizer queue.
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var (key, tensor) in Model.state_dict())
            {
                var copy = toCpu ? tensor.detach().cpu().clone() : tensor.detach().clone();
                copies[key] = scope.Detach(copy);
            }
        }

        return new WeightSnapshot(copies, _attachments.ToDictionary(a => a.Path, a => a.Branch.Count, StringComparer.Ordinal));
    }

    /// <summary>
    /// Puts back the weights of <paramref name="snapshot"/>: first the dendrite structure (surplus sets removed,
    /// missing ones added), then every tensor, in place. Parameter objects of surviving sets are kept.
    /// </summary>
    /// <param name="snapshot">A snapshot taken from this model.</param>
    /// <exception cref="ArgumentException">
    /// The snapshot's layers, dendrite counts, keys or shapes do not fit this model; checked before anything changes, so
    /// the model is then left as it was.
    /// </exception>
    /// <exception cref="ArgumentNullException"><paramref name="snapshot"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The model was unwrapped (its dendrites are gone); wrap it again to get a new handle.</exception>
    public void RestoreWeights(WeightSnapshot snapshot)
    {
        ThrowIfUnwrapped();
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var attachment in _attachments)
        {
            if (!snapshot.DendriteCounts.TryGetValue(attachment.Path, out var wanted))
            {
                throw new ArgumentException($"The snapshot has no entry for layer '{attachment.Path}': it was taken from another model.", nameof(snapshot));
            }

            // Every set holds at least its u, so no honest count exceeds the snapshot's tensor count.
            if (wanted < 0 || wanted > snapshot.Tensors.Count)
            {
                throw new ArgumentException($"The snapshot gives layer '{attachment.Path}' {wanted} dendrite sets, which its {snapshot.Tensors.Count} tensors cannot hold.", nameof(snapshot));
            }
        }

        // Checked in full before the first set is added or removed: a snapshot that does not fit leaves the model as it was.
        var expected = StateLayout.After(Model, _attachments, snapshot.DendriteCounts);
        if (StateLayout.FirstDifference(expected, StateLayout.Of(snapshot.Tensors), compareDTypes: false) is { } difference)
        {
            throw difference is { Found: { } found, Wanted: { } shape }
                ? new ArgumentException($"Snapshot tensor '{difference.Key}' has shape {found.ShapeText} but the model's is {shape.ShapeText}.", nameof(snapshot))
                : new ArgumentException($"The snapshot does not fit this model; keys that differ: {string.Join(", ", difference.Missing.Concat(difference.Unexpected).Take(10))}.", nameof(snapshot));
        }

        StateLayout.Resize(_attachments, snapshot.DendriteCounts);

        using (no_grad())
        {
            foreach (var (key, tensor) in Model.state_dict())
            {
                tensor.copy_(snapshot.Tensors[key]);
            }
        }
    }
}
