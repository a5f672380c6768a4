using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Export;

/// <summary>
/// Walks one module: containers recurse, user modules describe themselves, known layers become ONNX nodes. Alongside
/// the graph it runs the sample input through the real modules, so that every converter knows the shapes it sees and
/// so that a forward hook that changes a layer's output (which the file could not reproduce) is caught.
/// </summary>
internal static class ModuleExport
{
    public static string Emit(OnnxGraphBuilder builder, nn.Module module, string input)
    {
        if (builder.HookedLayer(module) is { Spec.Kind: HostKind.Module } moduleHost)
        {
            return ModuleHostExport.Emit(builder, module, moduleHost, input);
        }

        return Emit(builder, module, input, asModuleHost: false);
    }

    /// <summary>
    /// Writes <paramref name="module"/>; with <paramref name="asModuleHost"/> it is the host module of a module host,
    /// written without its dendrites (<see cref="ModuleHostExport"/> adds them): the hook that adds them is expected,
    /// and its sample is the module's own <c>forward</c>.
    /// </summary>
    public static string Emit(OnnxGraphBuilder builder, nn.Module module, string input, bool asModuleHost)
    {
        var sample = builder.Sample(input);
        string output;
        switch (module)
        {
            case Sequential sequential:
                output = input;
                foreach (var (name, child) in sequential.named_children())
                {
                    // Only Module<Tensor, Tensor> children are steps of the sequence; anything else registered on it
                    // (the dendrite container of a hook-wrapped model) is not part of its forward pass.
                    if (child is nn.Module<Tensor, Tensor>)
                    {
                        output = builder.AddModule(child, output, name);
                    }
                }

                return output;
            case IOnnxExportable exportable:
                // A description of a module that takes several tensors is a graph of one input that its forward cannot
                // be checked against (and, at the root, cannot match): refused, as the converters below refuse it.
                if (InputCountNote(module) is { Length: > 0 } note)
                {
                    throw builder.Error(module, note.TrimEnd());
                }

                output = exportable.ExportOnnx(builder, input);
                if (string.IsNullOrEmpty(output))
                {
                    throw builder.Error(module, "ExportOnnx returned no output name.");
                }

                CheckDescription(builder, module, input, output, sample, asModuleHost);
                return output;
        }

        if (BuiltInGraphs.TryEmit(builder, module, input) is { } builtIn)
        {
            return builtIn;
        }

        if (!asModuleHost && builder.HookedLayer(module) is { } hooked)
        {
            // The hook's dendrites are written in fused form, so the hook is accounted for.
            output = builder.WithoutNodeSamples(sample is not null, () => DendriteExport.Emit(builder, module, hooked.Branch, hooked.Enabled, hooked.HostWeight, hooked.HostBias, input, sample));

            if (sample is not null && Run(module, sample, withHooks: true) is { } hookedOutput)
            {
                builder.SetSample(output, hookedOutput);
            }

            return output;
        }

        // Each converter here writes one module and nothing of the user's, and the module's own run below gives its
        // output the sample value, so the converter's nodes are not computed on the sample as well.
        output = builder.WithoutNodeSamples(sample is not null, () => module is DendriteLayer layer
            ? DendriteExport.Emit(builder, layer, input, sample)
            : LayerExport.TryEmit(builder, module, input, sample)
              ?? RecurrentExport.TryEmit(builder, module, input, sample)
              ?? ActivationExport.TryEmit(builder, module, input, sample)
              ?? throw builder.Error(module, InputCountNote(module) + "this module type cannot be exported to ONNX. Supported: DendriteLayer, Sequential, Linear, Conv1d/2d/3d, BatchNorm1d/2d/3d, LayerNorm, Embedding, LSTM and GRU (their sequence output), ReLU, ReLU6, Hardtanh, Hardswish, Hardsigmoid, LeakyReLU, ELU, Mish, GELU, Sigmoid, Tanh, SiLU, Softmax, LogSoftmax, Dropout, Identity, Flatten, MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, and " + BuiltInGraphs.Supported + ". Implement Dendritic.Onnx.IOnnxExportable on your own modules to describe their graph."));

        if (sample is not null && Run(module, sample, withHooks: !asModuleHost) is { } called)
        {
            if (!asModuleHost)
            {
                var direct = Run(module, sample, withHooks: false)!;

                // A small tolerance: GPU kernels need not be bitwise deterministic from one call to the next.
                if (!called.shape.AsSpan().SequenceEqual(direct.shape) || !called.allclose(direct, rtol: 1e-5, atol: 1e-6))
                {
                    throw builder.Error(module, "a forward hook changes this module's output, and hooks cannot be written to ONNX. If the hook attaches dendrites (Dendrites.Wrap in hook mode), export through the wrapper's handle: OnnxExporter.Export(handle, sampleInput, path). Otherwise remove the hook before exporting.");
                }
            }

            builder.SetSample(output, called);
        }

        return output;
    }

    /// <summary>
    /// Checks what an <see cref="IOnnxExportable"/> described against the module's own forward on the sample (see
    /// <see cref="DescriptionCheck"/>), then gives its output forward's value for the modules after it. A module host's
    /// description covers the host alone, so it is compared with <c>forward</c> (its hook adds the dendrites).
    /// </summary>
    private static void CheckDescription(OnnxGraphBuilder builder, nn.Module module, string input, string output, Tensor? sample, bool asModuleHost)
    {
        if (sample is null)
        {
            DescriptionCheck.NotChecked(builder, module, $"its input is unknown on the sample ({builder.WhyUnknown(input)})");
            return;
        }

        if (Run(module, sample, withHooks: !asModuleHost) is not { } expected)
        {
            DescriptionCheck.NotChecked(builder, module, "its forward does not take one tensor and return one, so the exporter cannot run it on the sample");
            return;
        }

        DescriptionCheck.Verify(builder, module, output, expected, "its ExportOnnx description (IOnnxExportable)", "Your ExportOnnx describes a different computation than forward: check its activations (one left out?), reshapes and flattening, and the order of its layers against forward.");
        builder.SetSample(output, expected);
    }

    /// <summary>
    /// The module's result on <paramref name="sample"/>, through <c>call()</c> (hooks run) or <c>forward</c>: the tensor of
    /// a <c>Module&lt;Tensor, Tensor&gt;</c>, the sequence output of an LSTM or GRU; null for other modules.
    /// </summary>
    public static Tensor? Run(nn.Module module, Tensor sample, bool withHooks) => module switch
    {
        nn.Module<Tensor, Tensor> m => withHooks ? m.call(sample) : m.forward(sample),
        LSTM lstm => (withHooks ? lstm.call(sample, null) : lstm.forward(sample, null)).Item1,
        GRU gru => (withHooks ? gru.call(sample, null) : gru.forward(sample, null)).Item1,
        _ => null,
    };

    /// <summary>The input's shape from the sample run; fails when a converter needs it but no sample reached here.</summary>
    public static long[] ShapeOf(OnnxGraphBuilder builder, nn.Module module, Tensor? sample) =>
        sample?.shape ?? throw builder.Error(module, UnknownShape);

    private const string UnknownShape = "it needs its input shape, which is unknown here: it follows a node that an IOnnxExportable module added with an operator the exporter cannot evaluate. Put a supported module (or an elementwise node such as Add, Mul or Relu) between them, or describe this step with AddNode too.";

    /// <summary>
    /// For a user's module whose forward takes more than one tensor (<c>nn.Module&lt;Tensor, Tensor, Tensor&gt;</c> and up,
    /// and not also <c>nn.IModule&lt;Tensor, Tensor&gt;</c>), the sentence that says why implementing
    /// <see cref="IOnnxExportable"/> on it does not help: the exporter writes graphs of one input. Empty for every other
    /// module, TorchSharp's own included.
    /// </summary>
    private static string InputCountNote(nn.Module module)
    {
        // TorchSharp's own multi-input modules (GRUCell, with its optional state) and any module that also takes one
        // tensor are not what the note is about; the list of supported types covers them.
        if (module is nn.IModule<Tensor, Tensor> || module.GetType().Namespace?.StartsWith("TorchSharp", StringComparison.Ordinal) == true)
        {
            return string.Empty;
        }

        for (var type = module.GetType(); type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.Namespace == typeof(nn.Module).Namespace && type.Name.StartsWith("Module`", StringComparison.Ordinal))
            {
                var inputs = type.GetGenericArguments().Length - 1;
                return inputs > 1
                    ? $"its forward takes {inputs} inputs, and the exporter writes graphs of one input tensor (the sample; IOnnxExportable.ExportOnnx gets one input name), so it cannot describe this module either. Export a single-input module: one whose forward takes the inputs in one tensor (concatenated or stacked) and splits them, or each branch on its own. "
                    : string.Empty;
            }
        }

        return string.Empty;
    }
}
