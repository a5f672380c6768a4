using System;
using System.Linq;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// What a built-in graph description sees of one module: its named children and, where the forward pass depends on
/// a private setting, that field. Every lookup fails with an <see cref="OnnxExportException"/> naming the module when
/// the structure is not the expected one (another version of the library that defines the module).
/// </summary>
internal sealed class ModuleGraph
{
    private readonly nn.Module _module;

    public ModuleGraph(OnnxGraphBuilder builder, nn.Module module)
    {
        Builder = builder;
        _module = module;
    }

    public OnnxGraphBuilder Builder { get; }

    /// <summary>Exports the child <paramref name="name"/> applied to <paramref name="input"/>.</summary>
    public string Child(string name, string input) =>
        Builder.AddModule(Find(name) ?? throw Missing(name), input, name);

    /// <summary>Exports the child <paramref name="name"/> when the module has it; otherwise returns <paramref name="input"/>.</summary>
    public string OptionalChild(string name, string input) =>
        Find(name) is { } child ? Builder.AddModule(child, input, name) : input;

    /// <summary>Exports the named children one after another.</summary>
    public string Chain(string input, params string[] names) =>
        names.Aggregate(input, (value, name) => Child(name, value));

    /// <summary>Adds <c>Flatten</c> from axis 1 (the models' <c>flatten(1)</c> in forward).</summary>
    public string FlattenFromAxis1(string input) =>
        Builder.AddNode("Flatten", new[] { input }, new System.Collections.Generic.Dictionary<string, object> { ["axis"] = 1L });

    /// <summary>Adds <c>GlobalAveragePool</c> (the models' functional <c>adaptive_avg_pool2d(x, 1)</c>).</summary>
    public string GlobalAveragePool(string input) => Builder.AddNode("GlobalAveragePool", new[] { input });

    /// <summary>A private boolean setting of the module, read by reflection (the block types are private too).</summary>
    public bool Flag(string field)
    {
        var info = _module.GetType().GetField(field, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        return info?.GetValue(_module) is bool value
            ? value
            : throw Builder.Error(_module, $"the built-in ONNX description of {_module.GetType().FullName} reads its boolean field '{field}', which this version of the type does not have. Implement Dendritic.Onnx.IOnnxExportable on a module of your own that reproduces it.");
    }

    private nn.Module? Find(string name) =>
        _module.named_children().Where(c => c.name == name).Select(c => c.module).FirstOrDefault();

    private OnnxExportException Missing(string name) =>
        Builder.Error(_module, $"the built-in ONNX description of {_module.GetType().FullName} expects a child module named '{name}', which this module does not have (children: {string.Join(", ", _module.named_children().Select(c => c.name))}). Implement Dendritic.Onnx.IOnnxExportable on a module of your own that reproduces it.");
}
