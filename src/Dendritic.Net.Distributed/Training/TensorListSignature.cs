using System.Collections.Generic;
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
    public static bool SameOnEveryRank(ICommunicator communicator, ulong signature)
    {
        var bits = new int[Bits];
        for (var i = 0; i < Bits; i++)
        {
            bits[i] = (int)((signature >> i) & 1);
        }

        using var scope = NewDisposeScope();
        var sums = tensor(bits).to(communicator.Device);
        communicator.AllReduce(sums, ReduceOp.Sum);
        foreach (var sum in sums.cpu().data<int>())
        {
            if (sum != 0 && sum != communicator.WorldSize)
            {
                return false;
            }
        }

        return true;
    }

    private static ulong Mix(ulong h, ulong value) => (h ^ value) * 1099511628211;
}
