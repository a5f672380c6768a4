using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>One wrapped layer as the wrapper manages it: where its dendrites live and how to take them away again.</summary>
internal abstract class LayerAttachment
{
    protected LayerAttachment(string path, HostLayerSpec spec)
    {
        Path = path;
        Spec = spec;
    }

    public string Path { get; }

    public HostLayerSpec Spec { get; }

    public abstract AttachMode Mode { get; }

    public abstract DendriteBranch Branch { get; }

    public abstract bool Enabled { get; set; }

    public abstract long ForwardCalls { get; }

    /// <summary>Output positions per sample seen in the last observed forward pass (time steps, pixels); null before one.</summary>
    public long? PositionsPerSample { get; set; }

    public bool ObserveShapes { get; set; }

    /// <summary>Prefix of the dendrite parameters' keys in the model's state dict, ending with a dot.</summary>
    public abstract string DendriteKeyPrefix { get; }

    public abstract Parameter HostWeight { get; }

    public abstract Parameter? HostBias { get; }

    /// <summary>
    /// Removes the newest sets or adds fresh ones (on the host weight's device and dtype) until the layer has
    /// <paramref name="count"/>; used to bring a layer back to the structure of a snapshot or checkpoint.
    /// </summary>
    public void ResizeDendrites(int count)
    {
        var current = Branch.Count;
        if (current > count)
        {
            Branch.RemoveLast(current - count);
        }
        else if (current < count)
        {
            var weight = HostWeight;
            Branch.Add(count - current, weight.device, weight.dtype);
        }
    }

    /// <summary>Restores the model around this layer to its original structure.</summary>
    public abstract void Detach();

    protected void Observe(Tensor output)
    {
        if (!ObserveShapes)
        {
            return;
        }

        var neuronAxis = Spec.Kind == HostKind.Linear ? output.dim() - 1 : output.dim() - 1 - Spec.SpatialDims;
        var batched = Spec.Kind == HostKind.Linear ? output.dim() > 1 : output.dim() == Spec.SpatialDims + 2;
        long positions = 1;
        for (var d = batched ? 1 : 0; d < output.dim(); d++)
        {
            if (d != neuronAxis)
            {
                positions *= output.shape[d];
            }
        }

        PositionsPerSample = positions;
    }
}
