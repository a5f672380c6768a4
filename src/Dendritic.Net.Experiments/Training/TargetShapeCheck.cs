using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Float targets one trailing axis of size 1 away from the outputs ([n] against [n, 1], a regression's usual slip):
/// libtorch's elementwise losses broadcast the pair to [n, n] with only a warning, and every arm trains on the
/// difference of every output with every target (R² near -600 in a newcomer's trial), so the warm-up refuses it.
/// </summary>
internal static class TargetShapeCheck
{
    /// <summary>Throws when <paramref name="targets"/> are floating point and differ from <paramref name="outputs"/> by a trailing axis of size 1.</summary>
    /// <exception cref="System.InvalidOperationException">The shapes differ by such an axis; the message names both and the fix.</exception>
    public static void ThrowIfBroadcast(Tensor outputs, Tensor targets, string dataName)
    {
        if (!targets.is_floating_point())
        {
            return;
        }

        var o = outputs.shape;
        var t = targets.shape;
        var oneMore = (o.Length == t.Length + 1 && o[^1] == 1 && o[..^1].SequenceEqual(t))
            || (t.Length == o.Length + 1 && t[^1] == 1 && t[..^1].SequenceEqual(o));
        if (oneMore)
        {
            throw new System.InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The model's outputs [{string.Join(", ", o)}] and the float targets [{string.Join(", ", t)}] of the data '{dataName}' differ by a trailing axis of size 1: an elementwise loss (mse_loss, l1_loss) would broadcast them to every output against every target, with only libtorch's warning, before the first arm. Shape the targets like the outputs (targets.unsqueeze(-1), or a model whose output is squeezed)."));
        }
    }
}
