using System;
using TorchSharp;
using TorchSharp.Modules;

namespace Dendritic;

/// <summary>A layer replaced in its parent by a <see cref="DendriteLayer"/>.</summary>
internal sealed class ReplacedAttachment : LayerAttachment
{
    private readonly ModuleSlot _slot;

    public ReplacedAttachment(string path, DendriteLayer layer, ModuleSlot slot)
        : base(path, layer.Spec)
    {
        Layer = layer;
        _slot = slot;
        layer.HostOutputObserver = Observe;
    }

    public DendriteLayer Layer { get; }

    public override AttachMode Mode => AttachMode.Replaced;

    public override DendriteBranch Branch => Layer.Branch;

    public override bool Enabled
    {
        get => Layer.Enabled;
        set => Layer.Enabled = value;
    }

    public override long ForwardCalls => Layer.ForwardCalls;

    public override string DendriteKeyPrefix => Path + "." + DendriteLayer.BranchKey + ".";

    public override Parameter HostWeight => Layer.Weight;

    public override Parameter? HostBias => Layer.Bias;

    public override void Detach()
    {
        Layer.HostOutputObserver = null;
        _slot.Set(Layer.DetachHost());
    }
}
