namespace Dendritic.Distributed;

/// <summary>How <see cref="ICommunicator.AllReduce"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum.</summary>
    Sum = 0,

    /// <summary>The element-wise mean (the sum divided by the world size).</summary>
    Average = 1,
}
