using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A module whose layers live inside libtorch (TorchSharp's Transformer*, MultiheadAttention, LSTM, GRU, RNN and the
/// recurrent cells): it holds parameters of inner layers that are not registered as submodules, so
/// <c>named_modules()</c> cannot see them and the wrapper can neither replace nor hook them.
/// </summary>
internal sealed class NativeModule
{
    /// <summary>Recurrent modules whose per-layer weights (weight_ih_l0, ...) sit on the module itself.</summary>
    private static readonly HashSet<string> RecurrentTypeNames = new(StringComparer.Ordinal) { "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell" };

    private NativeModule(string path, nn.Module module, IReadOnlyList<string> parameterNames, long parameters)
    {
        Path = path;
        Module = module;
        ParameterNames = parameterNames;
        Parameters = parameters;
    }

    /// <summary>The module's path in the model; empty for the model itself.</summary>
    public string Path { get; }

    public nn.Module Module { get; }

    /// <summary>Its parameters' names relative to the module (<c>layers.0.linear1.weight</c>).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Scalars in its parameters.</summary>
    public long Parameters { get; }

    public string TypeName => Module.GetType().Name;

    /// <summary>How messages name it: its path, or "the model itself" for the root.</summary>
    public string DisplayName => Path.Length == 0 ? "The model itself" : $"'{Path}'";

    /// <summary>The native modules of <paramref name="model"/> (the model itself included), in model order.</summary>
    public static IReadOnlyList<NativeModule> Find(nn.Module model)
    {
        var found = new List<NativeModule>();
        var dendrites = new List<string>();
        foreach (var (path, module) in model.named_modules().Prepend((string.Empty, model)))
        {
            // A module host's dendrite copies (an LSTM's) are dendrites, not native modules of the model.
            if (module is DendriteBranch)
            {
                dendrites.Add(path + ".");
            }

            if (dendrites.Any(d => path.StartsWith(d, StringComparison.Ordinal)))
            {
                continue;
            }

            // Parameters registered on the module itself: a dotted name means an inner layer that is no submodule.
            var own = module.named_parameters(recurse: false).ToList();
            if (own.Count == 0 || !(own.Any(p => p.name.Contains('.', StringComparison.Ordinal)) || IsRecurrent(module)))
            {
                continue;
            }

            found.Add(new NativeModule(path, module, own.Select(p => p.name).ToList(), own.Sum(p => p.parameter.numel())));
        }

        return found;
    }

    /// <summary>
    /// The paths inside this module that a user could name: every parameter and every inner layer
    /// (<c>encoder.layers.0.linear1.weight</c>, <c>encoder.layers.0.linear1</c>, <c>encoder.layers.0</c>, ...).
    /// </summary>
    public IEnumerable<string> InnerPaths()
    {
        var prefix = Path.Length == 0 ? string.Empty : Path + ".";
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in ParameterNames)
        {
            for (var end = name.Length; end > 0; end = name.LastIndexOf('.', end - 1))
            {
                if (!paths.Add(prefix + name[..end]))
                {
                    break;
                }
            }
        }

        return paths;
    }

    /// <summary>Why the wrapper cannot reach into this module and what to do instead, for error messages.</summary>
    public string Explanation() =>
        $"{DisplayName} ({TypeName}) is a native TorchSharp module: its layers live inside libtorch, are not submodules, and cannot be replaced or hooked one by one. " +
        (IsRecurrent(Module)
            ? "To put dendrites on the whole module, select it by name or type (LSTM and GRU are built-in module hosts; others need WrapOptions.ModuleHosts with a copy factory and an output processor), or build the block from Linear layers (the cell's input and recurrent projections)"
            : "To put dendrites into attention, build the block from Linear layers (query, key, value and output projections, and the feed-forward layers); a ModuleHost can host a native module of one or two inputs as a whole (e.g. TransformerEncoderLayer through WrapOptions.ModuleHosts), not MultiheadAttention") +
        " (see docs/wrapping.md, \"TorchSharp's native modules\"), or exclude the module from the selection.";

    /// <summary>The typed error for a selection that takes this module or a path inside it.</summary>
    /// <param name="problem">What the selection did, to open the message.</param>
    public NativeModuleException Error(string problem) => new($"{problem} {Explanation()}", Path, TypeName);

    /// <summary>"encoder (TransformerEncoder, 275,008 parameters), ..." for logs and errors.</summary>
    public static string Describe(IEnumerable<NativeModule> modules) =>
        string.Join(", ", modules.Select(m => $"{(m.Path.Length == 0 ? "(the model)" : m.Path)} ({m.TypeName}, {m.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters)"));

    private static bool IsRecurrent(nn.Module module) =>
        module.GetType().Assembly == typeof(nn.Module).Assembly && RecurrentTypeNames.Contains(module.GetType().Name);
}
