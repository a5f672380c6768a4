using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The one argument order of the cascade's custom autograd nodes (the CPU cascade and Dendritic.Net.Cuda's fused
/// cascade): a non-tensor description first, then the host output, the D pre-activations (or the one fused projection
/// output they are chunks of), the D output scales u_k and the D - 1 cascade weights v_1..v_{D-1}, then any extra
/// tensors a node takes only to return their gradients (the fused cascade's bias parameters). Their backward returns one
/// gradient per argument in the same order.
/// </summary>
internal static class CascadeArguments
{
    /// <summary>The arguments for <c>apply</c>, in the order above.</summary>
    /// <param name="head">What the node needs besides tensors (its shape or planned call).</param>
    /// <param name="host">The host output.</param>
    /// <param name="pre">The pre-activations.</param>
    /// <param name="u">The output scales.</param>
    /// <param name="v">The cascade weights; v[0] (null) is not passed.</param>
    /// <param name="extra">Tensors after the cascade's own, if any.</param>
    public static object[] Pack(object head, Tensor host, IReadOnlyList<Tensor> pre, IReadOnlyList<Tensor> u, IReadOnlyList<Tensor?> v, IReadOnlyList<Tensor>? extra = null)
    {
        var vars = new List<object>(2 + pre.Count + u.Count + v.Count + (extra?.Count ?? 0)) { head, host };
        vars.AddRange(pre);
        vars.AddRange(u);
        vars.AddRange(v.Skip(1).Select(t => (object)t!));
        if (extra is not null)
        {
            vars.AddRange(extra);
        }

        return vars.ToArray();
    }

    /// <summary>The tensors of <paramref name="vars"/> (as <see cref="Pack"/> ordered them) for <paramref name="sets"/> sets; V[0] is null.</summary>
    /// <param name="vars">The arguments.</param>
    /// <param name="sets">The number of sets.</param>
    /// <param name="preCount">How many pre-activation tensors were packed: <paramref name="sets"/>, or 1 when one fused projection output holds them all.</param>
    public static (Tensor Host, List<Tensor> Pre, List<Tensor> U, List<Tensor?> V) Unpack(object[] vars, int sets, int? preCount = null)
    {
        var pre = preCount ?? sets;
        var tensors = vars.Skip(1).Cast<Tensor>().ToList();
        var v = new List<Tensor?> { null };
        v.AddRange(tensors.Skip(1 + pre + sets).Take(sets - 1));
        return (tensors[0], tensors.GetRange(1, pre), tensors.GetRange(1 + pre, sets), v);
    }
}
