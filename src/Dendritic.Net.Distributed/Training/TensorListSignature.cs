using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>
/// A 64-bit fingerprint of a list of tensors' dtypes and shapes, in order, and a check that every rank holds the same
/// one, through collectives any communicator has. NCCL compares nothing itself: ranks whose lists differ but fill buckets
/// of the same size would average unrelated gradients without a word, and buckets of different sizes would hang.
/// </summary>
internal static class TensorListSignature
{
    private const int Bits = 64;

    /// <summary>FNV-1a over the count, then each tensor's dtype, rank and sizes.</summary>
    public static ulong Of(IReadOnlyList<Tensor> tensors)
    {
        var h = Mix(14695981039346656037, (ulong)tensors.Count);
        foreach (var t in tensors)
        {
            h = Mix(h, (ulong)t.dtype);
            var shape = t.shape;
            h = Mix(h, (ulong)shape.Length);
            foreach (var d in shape)
            {
                h = Mix(h, (ulong)d);
            }
        }

        return h;
    }

    /// <summary>
    /// Whether every rank passed the same <paramref name="signature"/>. One all-reduce (sum) of its bits: each sum is 0
    /// or the world size exactly when the ranks agree on that bit (its minimum equals its maximum), and every rank gets
    /// the same sums, so every rank returns the same answer.
    /// </summary>
    public static bool SameOnEveryRank(ICommunicator communicator, ulong signature) =>
        SameOnEveryRank(communicator, signature, flagged: false).Same;

    /// <summary>
    /// <see cref="SameOnEveryRank(ICommunicator, ulong)"/> with one more int in the same all-reduce: 1 on each rank
    /// that sets <paramref name="flagged"/>, so that every rank learns, from the one collective, how many ranks raised
    /// it (a rank that must fail then fails together with the others instead of leaving them blocked).
    /// </summary>
    /// <returns>Whether the signatures agree, and how many ranks passed <paramref name="flagged"/> true.</returns>
    public static (bool Same, int Flagged) SameOnEveryRank(ICommunicator communicator, ulong signature, bool flagged)
    {
        var bits = new int[Bits + 1];
        for (var i = 0; i < Bits; i++)
        {
            bits[i] = (int)((signature >> i) & 1);
        }

        bits[Bits] = flagged ? 1 : 0;
        using var scope = NewDisposeScope();
        var sums = tensor(bits).to(communicator.Device);
        communicator.AllReduce(sums, ReduceOp.Sum);
        var values = sums.cpu().data<int>().ToArray();
        var same = true;
        for (var i = 0; i < Bits; i++)
        {
            if (values[i] != 0 && values[i] != communicator.WorldSize)
            {
                same = false;
            }
        }

        return (same, values[Bits]);
    }

    private static ulong Mix(ulong h, ulong value) => (h ^ value) * 1099511628211;
}
