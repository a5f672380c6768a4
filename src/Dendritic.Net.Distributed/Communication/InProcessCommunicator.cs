using System;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>One rank of an <see cref="InProcessGroup"/>.</summary>
internal sealed class InProcessCommunicator : ICommunicator
{
    private readonly InProcessGroup _group;

    public InProcessCommunicator(InProcessGroup group, int rank)
    {
        _group = group;
        Rank = rank;
    }

    public int Rank { get; }

    public int WorldSize => _group.WorldSize;

    public Device Device => CPU;

    public void AllReduce(Tensor tensor, ReduceOp op)
    {
        CollectiveChecks.Tensor(tensor, Device, op);
        Exchange(new Entry("AllReduce", op.ToString(), CollectiveChecks.Describe(tensor)), tensor, slots =>
        {
            var sum = slots[0].Tensor!.clone();
            for (var r = 1; r < slots.Length; r++)
            {
                sum.add_(slots[r].Tensor!);
            }

            return op == ReduceOp.Average ? sum.div_(WorldSize) : sum;
        });
    }

    public void Broadcast(Tensor tensor, int root)
    {
        CollectiveChecks.Tensor(tensor, Device);
        CollectiveChecks.Root(root, WorldSize);
        Exchange(new Entry("Broadcast", root.ToString(System.Globalization.CultureInfo.InvariantCulture), CollectiveChecks.Describe(tensor)), tensor, slots => slots[root].Tensor!.clone());
    }

    public void Barrier()
    {
        _group.Slots[Rank] = new Entry("Barrier", string.Empty, string.Empty);
        _group.Meet(Rank);
    }

    public void Abort(string reason) => _group.Abort(Rank, reason);

    public void Dispose()
    {
        // The group owns the shared state.
    }

    /// <summary>Deposits the tensor, meets, computes the result from everyone's tensors, meets again (so nobody
    /// overwrites a tensor another rank still reads), then writes the result in place.</summary>
    private void Exchange(Entry entry, Tensor tensor, Func<(Entry Entry, Tensor? Tensor)[], Tensor> compute)
    {
        var slots = _group.Slots;
        slots[Rank] = entry with { Tensor = tensor };
        _group.Meet(Rank);
        var gathered = new (Entry, Tensor?)[slots.Length];
        for (var r = 0; r < slots.Length; r++)
        {
            gathered[r] = (slots[r]!, slots[r]!.Tensor);
        }

        using var result = compute(gathered);
        _group.Meet(Rank);
        using (no_grad())
        {
            tensor.copy_(result);
        }
    }

    /// <summary>What a rank asked for; equal entries (the tensor aside) mean the ranks agree.</summary>
    internal sealed record Entry(string Kind, string Argument, string Shape)
    {
        public Tensor? Tensor { get; init; }

        public bool Equals(Entry? other) => other is not null && Kind == other.Kind && Argument == other.Argument && Shape == other.Shape;

        public override int GetHashCode() => HashCode.Combine(Kind, Argument, Shape);

        public override string ToString() => Shape.Length == 0 ? Kind : $"{Kind}({Argument}) on {Shape}";
    }
}
