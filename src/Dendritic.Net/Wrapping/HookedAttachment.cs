using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A layer left in place (its field is typed as the concrete layer) whose dendrites are added by a forward hook; the
/// dendrite weights live in a container registered on the root model or, when the root is a Sequential (which walks only
/// its own items), on the layer's parent.
/// </summary>
// The branch is owned by the model's container, which disposes it with the model.
#pragma warning disable CA1001
internal sealed class HookedAttachment : LayerAttachment
#pragma warning restore CA1001
{
    private readonly nn.Module<Tensor, Tensor> _host;
    private readonly DendriteHookContainer _container;
    private readonly string _key;
    private readonly string _ownerPath;
    private readonly nn.Module? _owner;
    private readonly DendriteBranch _branch;
    private IDisposableHook? _hook;
    private long _calls;

    public HookedAttachment(string path, nn.Module<Tensor, Tensor> host, HostLayerSpec spec, DendriteOptions options, DendriteHookContainer container, string ownerPath = "", nn.Module? owner = null)
        : base(path, spec)
    {
        _host = host;
        _container = container;
        _ownerPath = ownerPath;
        _owner = owner;
        _key = DendriteHookContainer.KeyFor(path);
        _branch = new DendriteBranch(spec, options);
        container.Attach(_key, _branch);
        _hook = new IDisposableHook(host.register_forward_hook(OnForward));
    }

    public override AttachMode Mode => AttachMode.Hooked;

    public override DendriteBranch Branch => _branch;

    public override bool Enabled { get; set; } = true;

    public override long ForwardCalls => _calls;

    /// <summary><c>dendrites.{path with _}.</c> on the root, or <c>{parent}.dendrites.{path with _}.</c> on the layer's parent.</summary>
    public override string DendriteKeyPrefix => (_ownerPath.Length == 0 ? string.Empty : _ownerPath + ".") + DendriteHookContainer.RegisteredName + "." + _key + ".";

    public override Parameter HostWeight => DendriteLayer.HostParameters(_host).Weight;

    public override Parameter? HostBias => DendriteLayer.HostParameters(_host).Bias;

    protected override void DetachCore()
    {
        _hook?.Remove();
        _hook = null;
        _container.Detach(_key);
        if (_owner is not null && _container.Count == 0)
        {
            // A container on the layer's parent (a Sequential root) is this wrapper's alone: the parent gets its original children back.
            TorchSharpInternals.RemoveSubmodule(_owner, DendriteHookContainer.RegisteredName);
        }
    }

    private Tensor OnForward(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output)
    {
        // The host ran with its current settings and weight; the dendrites would run with those copied at wrap time.
        HostSettingsCheck.ThrowIfChanged(Spec, _host, layerWeight: null, Path);
        _calls++;
        Observe(output);
        return Enabled && _branch.Count > 0 ? _branch.AddTo(input, output) : output;
    }

    /// <summary>Keeps TorchSharp's hook remover behind a type we can name.</summary>
    private sealed class IDisposableHook
    {
        private readonly Action _remove;

        public IDisposableHook(nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover remover) => _remove = remover.remove;

        public void Remove() => _remove();
    }
}
