using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Follows one forward pass through a model's modules, so that a pass that throws can name the module it threw in:
/// hooks before and after every submodule's <c>call()</c> keep the modules entered and not yet left, and an exception
/// skips the after-hooks, which leaves the innermost module that was running on top. Only modules called through
/// <c>call()</c> are seen (TorchSharp runs hooks there and nowhere else); a module whose parent calls its
/// <c>forward</c> directly is reported as the nearest enclosing one that was called. The trail keeps a chain of
/// ancestors by path: a module called from outside its own ancestors (a shared module) cuts the chain there, so an
/// error after it returns names no module rather than a wrong one.
/// </summary>
internal sealed class ForwardTrail : IDisposable
{
    private readonly List<Action> _removers = new();
    private readonly List<(string Path, nn.Module Module)> _running = new();

    private ForwardTrail()
    {
    }

    /// <summary>Hooks every submodule of <paramref name="model"/> (not the model itself, whose failure names nothing new).</summary>
    public static ForwardTrail Follow(nn.Module model)
    {
        var trail = new ForwardTrail();
        try
        {
            foreach (var (path, module) in model.named_modules())
            {
                if (path.Length == 0 || ReferenceEquals(module, model))
                {
                    continue;
                }

                var remove = TorchSharpInternals.TryRegisterCallHooks(module, m => trail.Entered(path, m), trail.Left);
                if (remove is not null)
                {
                    trail._removers.Add(remove);
                }
            }
        }
        catch
        {
            trail.Dispose();
            throw;
        }

        return trail;
    }

    /// <summary>
    /// The innermost module that was entered and not left, as "'path' (Type)"; null when the pass threw outside every
    /// submodule (in the model's own forward code) or did not throw.
    /// </summary>
    public string? Innermost => _running.Count == 0 ? null : $"'{_running[^1].Path}' ({Describe(_running[^1].Module)})";

    /// <summary>Removes every hook (the trail stays readable).</summary>
    public void Dispose()
    {
        foreach (var remove in _removers)
        {
            remove();
        }

        _removers.Clear();
    }

    private static string Describe(nn.Module module) =>
        module is DendriteLayer layer ? $"{nameof(DendriteLayer)} on {layer.Host.GetType().Name}" : module.GetType().Name;

    private void Entered(string path, nn.Module module)
    {
        // What is running when a module starts is its ancestors; anything else on the trail is a module that threw
        // and whose exception a caller caught and went on, which skipped its after-hook.
        while (_running.Count > 0 && !path.StartsWith(_running[^1].Path + ".", StringComparison.Ordinal))
        {
            _running.RemoveAt(_running.Count - 1);
        }

        _running.Add((path, module));
    }

    private void Left(nn.Module module)
    {
        // Calls nest, so the module that finishes is the last one entered; a child left behind by a caught exception
        // is dropped with it.
        var last = _running.FindLastIndex(r => ReferenceEquals(r.Module, module));
        if (last >= 0)
        {
            _running.RemoveRange(last, _running.Count - last);
        }
    }
}
