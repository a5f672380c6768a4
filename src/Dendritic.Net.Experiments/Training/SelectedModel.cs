using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// Keeps a copy of an arm's model at its best-validation epoch, so that what the report measures after training
/// (parameters, FLOPs, latency, dendrite sets, export) is the model whose test score it reports. With a dendrite handle
/// the copy includes the dendrite structure (<see cref="DendriticModel.CaptureWeights"/>); without one, every tensor of
/// the state dict.
/// </summary>
internal sealed class SelectedModel : IDisposable
{
    private readonly nn.Module _module;
    private readonly DendriticModel? _handle;
    private WeightSnapshot? _snapshot;
    private Dictionary<string, Tensor>? _state;

    public SelectedModel(nn.Module module, DendriticModel? handle)
    {
        _module = module;
        _handle = handle;
    }

    /// <summary>Replaces the kept copy with the model as it is now.</summary>
    public void Capture()
    {
        Release();
        if (_handle is not null)
        {
            _snapshot = _handle.CaptureWeights();
            return;
        }

        using (no_grad())
        {
            _state = _module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        }
    }

    /// <summary>Puts the kept copy back (nothing when none was taken).</summary>
    public void Restore()
    {
        if (_snapshot is not null)
        {
            _handle!.RestoreWeights(_snapshot);
            return;
        }

        if (_state is null)
        {
            return;
        }

        using (no_grad())
        {
            foreach (var (name, tensor) in _module.state_dict())
            {
                tensor.copy_(_state[name]);
            }
        }
    }

    public void Dispose() => Release();

    private void Release()
    {
        _snapshot?.Dispose();
        _snapshot = null;
        if (_state is not null)
        {
            foreach (var tensor in _state.Values)
            {
                tensor.Dispose();
            }

            _state = null;
        }
    }
}
