using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Puts a model in eval mode for a check pass and, when disposed, gives every module back its OWN previous mode.
/// TorchSharp's <c>train(flag)</c> sets the whole subtree, so recording only the root's flag and calling
/// <c>train(flag)</c> afterwards would unfreeze, for example, the BatchNorm layers a fine-tuning run keeps in eval mode
/// inside a training model. Every library operation that switches modes (wrapping with a sample input,
/// <see cref="DendriticModel.Verify"/>, checkpoint loading with a sample, pruning by measured effect, ONNX export)
/// goes through this type.
/// </summary>
/// <example><code>
/// using (EvalModeScope.Enter(model))
/// {
///     model.call(batch);   // every module in eval mode
/// }                        // every module back in the mode it had
/// </code></example>
public sealed class EvalModeScope : IDisposable
{
    // Parents before children (pre-order), so restoring in this order lets each module's own flag win over the
    // recursive train(flag) of its parent.
    private readonly List<(nn.Module Module, bool Training)> _modes;
    private bool _disposed;

    private EvalModeScope(List<(nn.Module Module, bool Training)> modes) => _modes = modes;

    /// <summary>Records the mode of <paramref name="model"/> and of every module under it, then sets them all to eval.</summary>
    /// <param name="model">The model; null records nothing (for callers whose model is optional).</param>
    /// <returns>The scope; dispose it to restore every module's mode.</returns>
    public static EvalModeScope Enter(nn.Module? model)
    {
        var modes = new List<(nn.Module Module, bool Training)>();
        if (model is not null)
        {
            var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
            foreach (var module in model.named_modules().Select(m => m.module).Prepend(model))
            {
                // A module registered twice (shared weights) is restored once, at its first position.
                if (seen.Add(module))
                {
                    modes.Add((module, module.training));
                }
            }

            model.eval();
        }

        return new EvalModeScope(modes);
    }

    /// <summary>Gives every recorded module back the mode it had when the scope was entered. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var (module, training) in _modes)
        {
            if (module.training != training)
            {
                module.train(training);
            }
        }
    }
}
