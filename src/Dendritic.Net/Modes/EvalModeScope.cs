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
    private readonly nn.Module? _model;
    private readonly Dictionary<nn.Module, bool> _modes;
    private bool _disposed;

    private EvalModeScope(nn.Module? model, Dictionary<nn.Module, bool> modes)
    {
        _model = model;
        _modes = modes;
    }

    /// <summary>Records the mode of <paramref name="model"/> and of every module under it, then sets them all to eval.</summary>
    /// <param name="model">The model; null records nothing (for callers whose model is optional).</param>
    /// <returns>The scope; dispose it to restore every module's mode.</returns>
    public static EvalModeScope Enter(nn.Module? model)
    {
        var modes = new Dictionary<nn.Module, bool>(ReferenceEqualityComparer.Instance);
        if (model is not null)
        {
            foreach (var module in Tree(model))
            {
                modes.TryAdd(module, module.training);
            }

            model.eval();
        }

        return new EvalModeScope(model, modes);
    }

    /// <summary>
    /// Gives every module the mode it had when the scope was entered. The tree is walked as it is now, parents before
    /// children, so a module added meanwhile (a new dendrite set) takes its parent's restored mode and a module
    /// removed meanwhile (a pruned set) is skipped. Safe to call twice.
    /// </summary>
    public void Dispose()
    {
        if (_disposed || _model is null)
        {
            return;
        }

        _disposed = true;
        foreach (var module in Tree(_model))
        {
            // train(flag) recurses into the subtree; children come later in the walk and get their own flag back.
            if (_modes.TryGetValue(module, out var training) && module.training != training)
            {
                module.train(training);
            }
        }
    }

    /// <summary>The model and every module under it, parents before children.</summary>
    private static IEnumerable<nn.Module> Tree(nn.Module model) =>
        model.named_modules().Select(m => m.module).Prepend(model);
}
