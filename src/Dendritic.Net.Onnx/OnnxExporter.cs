using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Dendritic.Onnx.Export;
using Dendritic.Onnx.Proto;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx;

/// <summary>
/// Writes a TorchSharp model to an ONNX file for inference, in opset <see cref="OpsetVersion"/>: a model with dendrites
/// through its <see cref="DendriticModel"/> handle (from <see cref="Dendrites.Wrap"/>, or <see cref="Dendrites.Adopt"/>
/// for one built with <see cref="DendriteLayer"/>s by hand), a model without through the module overloads. Every
/// dendrite layer is written in its fused form: the host and all its dendrite sets
/// as one Gemm/MatMul or Conv, then the cascade as elementwise nodes; a module host (dendrites by copy: LayerNorm,
/// Embedding, LSTM, GRU, or a block that implements <see cref="IOnnxExportable"/>) as the host and each copy, then the
/// cascade. See docs/export.md for what is supported.
/// </summary>
// RS0026 guards against overloads that one call could match; the module and handle overloads take unrelated first
// parameter types, so no call is ambiguous.
#pragma warning disable RS0026
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the files use: 17 (ONNX 1.12, read by ONNX Runtime 1.12 and later).</summary>
    public static int OpsetVersion => 17;

    /// <summary>The ONNX IR version written: 8, the one that goes with opset 17.</summary>
    public static int IrVersion => 8;

    /// <summary>Exports <paramref name="model"/>, a model without dendrites, to an ONNX file.</summary>
    /// <param name="model">The model (one holding <see cref="DendriteLayer"/>s is exported through its handle instead); it is run once on <paramref name="sampleInput"/> in eval mode, then every module gets its own previous mode back.</param>
    /// <param name="sampleInput">
    /// A batched input of the model's real shape and float type (float32 or float64), or int64 token indices for a model
    /// that starts with an Embedding (the graph's float type is then the model's); its batch axis (the first, or
    /// <see cref="OnnxExportOptions.InputBatchAxis"/>: 1 for a time-first recurrent model) is dynamic in the file unless
    /// <see cref="OnnxExportOptions.DynamicBatch"/> is false, and every other axis is fixed to the sample's. Its values
    /// don't matter (indices must be valid rows).
    /// </param>
    /// <param name="path">
    /// The file to write, atomically: into a temporary file beside it, flushed, then renamed over it, so an existing
    /// file is either replaced whole or left as it was (a symlink is followed and stays a link).
    /// </param>
    /// <param name="options">Names and batch handling; <see cref="OnnxExportOptions.Default"/> when null.</param>
    /// <exception cref="OnnxExportException">A module cannot be exported, or the model holds dendrite layers (export its handle); the message names its path and type. Also when the sample input cannot run through the model (a shape it does not take), and when a module's graph description (its <see cref="IOnnxExportable.ExportOnnx"/>, or a built-in one) computes something else than its forward on the sample input: the message gives the largest difference and where.</exception>
    /// <exception cref="ArgumentException">The sample input is not float32, float64 or int64 token indices, has no batch axis, or is of another float type or on another device than the model's parameters.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid, or (with a dynamic batch) its batch axes do not fit the sample run: <see cref="OnnxExportOptions.InputBatchAxis"/> is not an axis of the sample, or <see cref="OnnxExportOptions.OutputBatchAxis"/> is not an axis of the output of the input batch's size, or does not grow with the input's batch axis when the model runs once more on the sample with one more item along that axis (or the model cannot run so); lists every problem.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist; checked before the model is run, and nothing is written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the message names the file.</exception>
    /// <exception cref="IOException">The folder cannot take a new file (for example a full disk or a read-only file system); an existing file is left as it was.</exception>
    public static void Export(nn.Module model, Tensor sampleInput, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = AtomicFileWriter.ResolveTarget(path, FileDescription);
        WriteFile(target, ExportToBytes(model, sampleInput, options));
    }

    /// <summary>Exports <paramref name="model"/>, a model without dendrites, to ONNX and returns the file's bytes (for an in-memory ONNX Runtime session).</summary>
    /// <param name="model">The model; see <see cref="Export(nn.Module, Tensor, string, OnnxExportOptions?)"/>.</param>
    /// <param name="sampleInput">A batched sample input; see <see cref="Export(nn.Module, Tensor, string, OnnxExportOptions?)"/>.</param>
    /// <param name="options">Names and batch handling; <see cref="OnnxExportOptions.Default"/> when null.</param>
    /// <returns>The serialised ONNX ModelProto.</returns>
    /// <exception cref="OnnxExportException">A module cannot be exported, or the model holds dendrite layers (export its handle); the message names its path and type. Also when the sample input cannot run through the model (a shape it does not take), and when a module's graph description (its <see cref="IOnnxExportable.ExportOnnx"/>, or a built-in one) computes something else than its forward on the sample input: the message gives the largest difference and where.</exception>
    /// <exception cref="ArgumentException">The sample input is not float32, float64 or int64 token indices, has no batch axis, or is of another float type or on another device than the model's parameters.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid, or (with a dynamic batch) its batch axes do not fit the sample run: <see cref="OnnxExportOptions.InputBatchAxis"/> is not an axis of the sample, or <see cref="OnnxExportOptions.OutputBatchAxis"/> is not an axis of the output of the input batch's size, or does not grow with the input's batch axis when the model runs once more on the sample with one more item along that axis (or the model cannot run so); lists every problem.</exception>
    public static byte[] ExportToBytes(nn.Module model, Tensor sampleInput, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layer = model is DendriteLayer ? (Name: string.Empty, Module: model) : model.named_modules().Select(m => (Name: m.name, Module: m.module)).FirstOrDefault(m => m.Module is DendriteLayer);
        if (layer.Module is not null)
        {
            // Said of any DendriteLayer, with its sets counted: one with none (wrapped with InitialDendrites = 0) is refused too.
            var sets = ((DendriteLayer)layer.Module).DendriteCount;
            throw new OnnxExportException(layer.Name, nameof(DendriteLayer), $"{OnnxExportException.Describe(layer.Name, nameof(DendriteLayer))} is a dendrite layer ({sets} dendrite set(s)); export the model through its handle: OnnxExporter.Export(handle, sampleInput, path), with the handle from Dendrites.Wrap, or from Dendrites.Adopt(model) for a model built with DendriteLayers by hand.");
        }

        // Hooked dendrites live in branches the wrapper registers on the model (DendriteHookContainer, keyed by the
        // layer's path). Found here, they fail even while every u is still zero and the hooks change no output, which
        // is all the check at each hooked layer could see.
        if (HookedLayer(model) is { } hooked)
        {
            throw new OnnxExportException(hooked.Name, hooked.Type, $"{OnnxExportException.Describe(hooked.Name, hooked.Type)} has dendrites attached by a forward hook, and hooks cannot be written to ONNX; export the model through the wrapper's handle: OnnxExporter.Export(handle, sampleInput, path).");
        }

        return ExportToBytes(model, null, sampleInput, options);
    }

    /// <summary>
    /// Exports a model with dendrites, through its handle (from <see cref="Dendrites.Wrap"/> or
    /// <see cref="Dendrites.Adopt"/>), to an ONNX file. Replaced and hooked layers alike are written in fused form.
    /// </summary>
    /// <param name="model">The handle; its <see cref="DendriticModel.Model"/> is exported.</param>
    /// <param name="sampleInput">A batched sample input; see <see cref="Export(nn.Module, Tensor, string, OnnxExportOptions?)"/>.</param>
    /// <param name="path">The file to write, atomically; see <see cref="Export(nn.Module, Tensor, string, OnnxExportOptions?)"/>.</param>
    /// <param name="options">Names and batch handling; <see cref="OnnxExportOptions.Default"/> when null.</param>
    /// <exception cref="OnnxExportException">A module cannot be exported; the message names its path and type. Also when the sample input cannot run through the model (a shape it does not take), and when a module's graph description (its <see cref="IOnnxExportable.ExportOnnx"/>, or a built-in one) computes something else than its forward on the sample input: the message gives the largest difference and where.</exception>
    /// <exception cref="ArgumentException">The sample input is not float32, float64 or int64 token indices, has no batch axis, or is of another float type or on another device than the model's parameters.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid, or (with a dynamic batch) its batch axes do not fit the sample run: <see cref="OnnxExportOptions.InputBatchAxis"/> is not an axis of the sample, or <see cref="OnnxExportOptions.OutputBatchAxis"/> is not an axis of the output of the input batch's size, or does not grow with the input's batch axis when the model runs once more on the sample with one more item along that axis (or the model cannot run so); lists every problem.</exception>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>); export the unwrapped model itself with <see cref="Export(nn.Module, Tensor, string, OnnxExportOptions?)"/>. Nothing is written.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist; checked before the model is run, and nothing is written.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable; the message names the file.</exception>
    /// <exception cref="IOException">The folder cannot take a new file (for example a full disk or a read-only file system); an existing file is left as it was.</exception>
    public static void Export(DendriticModel model, Tensor sampleInput, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = AtomicFileWriter.ResolveTarget(path, FileDescription);
        WriteFile(target, ExportToBytes(model, sampleInput, options));
    }

    /// <summary>Exports a model with dendrites, through its handle, and returns the ONNX file's bytes.</summary>
    /// <param name="model">The handle; its <see cref="DendriticModel.Model"/> is exported.</param>
    /// <param name="sampleInput">A batched sample input; see <see cref="Export(nn.Module, Tensor, string, OnnxExportOptions?)"/>.</param>
    /// <param name="options">Names and batch handling; <see cref="OnnxExportOptions.Default"/> when null.</param>
    /// <returns>The serialised ONNX ModelProto.</returns>
    /// <exception cref="OnnxExportException">A module cannot be exported, or a layer is a module host (<see cref="HostKind.Module"/>) that the exporter cannot write (one with an output processor other than LSTM's and GRU's, or of a module type it does not write); the message names its path and type. Also when the sample input cannot run through the model (a shape it does not take), and when a module's graph description (its <see cref="IOnnxExportable.ExportOnnx"/>, or a built-in one) computes something else than its forward on the sample input: the message gives the largest difference and where.</exception>
    /// <exception cref="ArgumentException">The sample input is not float32, float64 or int64 token indices, has no batch axis, or is of another float type or on another device than the model's parameters.</exception>
    /// <exception cref="InvalidOptionsException">An option is invalid, or (with a dynamic batch) its batch axes do not fit the sample run: <see cref="OnnxExportOptions.InputBatchAxis"/> is not an axis of the sample, or <see cref="OnnxExportOptions.OutputBatchAxis"/> is not an axis of the output of the input batch's size, or does not grow with the input's batch axis when the model runs once more on the sample with one more item along that axis (or the model cannot run so); lists every problem.</exception>
    /// <exception cref="InvalidOperationException">The handle was unwrapped (<see cref="DendriticModel.Unwrap"/>); export the unwrapped model itself with <see cref="ExportToBytes(nn.Module, Tensor, OnnxExportOptions?)"/>.</exception>
    public static byte[] ExportToBytes(DendriticModel model, Tensor sampleInput, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ThrowIfUnwrapped();
        var bytes = ExportToBytes(model.Model, model, sampleInput, options);
        ResumePointOrigin.WarnIfUnresumed(model, "Exporting to ONNX");
        return bytes;
    }

    private static byte[] ExportToBytes(nn.Module model, DendriticModel? wrapped, Tensor sampleInput, OnnxExportOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleInput);
        options = (options ?? OnnxExportOptions.Default).Validate();
        if (sampleInput.dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64))
        {
            throw new ArgumentException($"The sample input is {sampleInput.dtype}; export needs a float32 or float64 input, or int64 token indices for a model that starts with an Embedding.", nameof(sampleInput));
        }

        if (!sampleInput.is_floating_point() && !model.modules().Any(m => m is TorchSharp.Modules.Embedding))
        {
            throw new ArgumentException("The sample input is int64 (token indices), but the model has no Embedding to look them up; give a float32 or float64 input.", nameof(sampleInput));
        }

        if (sampleInput.dim() < 1)
        {
            throw new ArgumentException("The sample input is a scalar; it must have a batch axis.", nameof(sampleInput));
        }

        // Caught here rather than as libtorch's own error from the first layer ("mat1 and mat2 must have the same dtype").
        if (model.parameters().FirstOrDefault() is { } parameter)
        {
            if (sampleInput.is_floating_point() && parameter.is_floating_point() && parameter.dtype != sampleInput.dtype)
            {
                throw new ArgumentException($"The sample input is {sampleInput.dtype} but the model's parameters are {parameter.dtype}; give a sample of the model's type (sampleInput.to({parameter.dtype})), or convert the model first.", nameof(sampleInput));
            }

            if (parameter.device_type != sampleInput.device_type || parameter.device_index != sampleInput.device_index)
            {
                throw new ArgumentException($"The sample input is on {sampleInput.device} but the model's parameters are on {parameter.device}; move the sample to the model's device (sampleInput.to(...)).", nameof(sampleInput));
            }
        }

        var graph = new GraphProto { Name = options.GraphName };
        var builder = new OnnxGraphBuilder(graph, FloatType(model, sampleInput))
        {
            Logger = options.Logger ?? wrapped?.Options.Logger ?? NullLogger.Instance,
        };

        // The builder's sample values outlive every dispose scope (a description may open its own), so they are freed
        // here, after the graph is complete, and when the export fails.
        try
        {
            if (wrapped is not null)
            {
                builder.AddHookedLayers(wrapped);
            }

            using (EvalModeScope.Enter(model))
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                // Both graph names are taken before any node or initializer is named, so that no generated name (a root
                // Linear's "weight", a root ReLU's "Relu") can be given to a second value: ONNX requires every value
                // name to be defined once.
                builder.Reserve(options.InputName);
                builder.Reserve(options.OutputName);
                var sample = sampleInput.detach();
                builder.SampleDevice = sample.device;
                builder.SetSample(options.InputName, sample);
                string output;
                try
                {
                    output = ModuleExport.Emit(builder, model, options.InputName);
                }
                catch (ExternalException e)
                {
                    // The sample runs through every module while the graph is written; a shape the model cannot take
                    // fails in libtorch, whose message (first line) names the operation.
                    throw new OnnxExportException($"The sample input {string.Join('x', sampleInput.shape)} could not run through the model ({LibTorchErrors.Reason(e)}); give a sample shaped like the model's training input, batch axis included.", e);
                }

                builder.AddNamedNode("Identity", output, options.OutputName);
                var outputSample = builder.Sample(output)
                    ?? throw new OnnxExportException(string.Empty, model.GetType().Name, "The model's output shape is unknown: its last module is an IOnnxExportable that is not a Module<Tensor, Tensor>.");
                var batchAxes = BatchAxes.Resolve(options, sample, outputSample.shape, larger => ModuleExport.Run(model, larger, withHooks: true));
                graph.Input.Add(TensorProtos.ValueInfo(options.InputName, sample.dtype, sample.shape, batchAxes.Input));
                graph.Output.Add(TensorProtos.ValueInfo(options.OutputName, outputSample.is_floating_point() ? builder.DType : outputSample.dtype, outputSample.shape, batchAxes.Output));
            }
        }
        finally
        {
            builder.ReleaseSamples();
        }

        var modelProto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Dendritic.Net.Onnx",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
        };
        modelProto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        // CalculateSize is an int, which wraps to a positive number again past 4 GiB: the weights, summed as a long
        // (they are almost all of a model), are checked first.
        ThrowIfTooLarge(graph.Initializer.Sum(t => (long)t.CalculateSize()));

        // ToByteArray would measure the whole model again to size its buffer; the size checked here sizes it instead.
        var size = modelProto.CalculateSize();
        ThrowIfTooLarge(size);
        var bytes = new byte[size];
        modelProto.WriteTo(bytes.AsSpan());
        return bytes;
    }

    /// <summary>The largest ONNX file this exporter writes: protobuf's 2 GiB message limit (no external data).</summary>
    internal const long MaxModelBytes = int.MaxValue;

    /// <summary>
    /// Refuses a model protobuf cannot serialise as one message, before serialising it: Google.Protobuf would fail
    /// with an error that names neither the size nor the way out.
    /// </summary>
    /// <exception cref="OnnxExportException">The model is larger than <see cref="MaxModelBytes"/>.</exception>
    internal static void ThrowIfTooLarge(long bytes)
    {
        if (bytes < 0 || bytes > MaxModelBytes)
        {
            throw new OnnxExportException(string.Create(CultureInfo.InvariantCulture, $"The ONNX model would take {(bytes < 0 ? "more than 2" : (bytes / (1024.0 * 1024 * 1024)).ToString("F2", CultureInfo.InvariantCulture))} GiB, past protobuf's 2 GiB limit for one file, and this exporter writes no external data (ONNX's way past it). Prune dendrites (DendritePruner) or export the model in parts to bring each file under 2 GiB."));
        }
    }

    /// <summary>What <see cref="AtomicFileWriter"/> calls the file in its messages.</summary>
    private const string FileDescription = "the ONNX model";

    /// <summary>
    /// Writes the file through a temporary beside it and a rename (the checkpoints' writer): writing in place would
    /// leave a file cut short, and the previous model gone, when the process is killed or the disk fills mid-write,
    /// and a reader loading the file at that moment would see part of it.
    /// </summary>
    private static void WriteFile(string target, byte[] bytes) =>
        AtomicFileWriter.Write(target, FileDescription, stream => stream.Write(bytes));

    /// <summary>The graph's float type: the sample input's; for integer token indices, that of the model's first floating-point parameter (float32 when it has none).</summary>
    private static ScalarType FloatType(nn.Module model, Tensor sampleInput) =>
        sampleInput.is_floating_point() ? sampleInput.dtype
        : model.parameters().Select(p => p.dtype).FirstOrDefault(t => t is ScalarType.Float32 or ScalarType.Float64, ScalarType.Float32);

    /// <summary>The first layer of <paramref name="model"/> with hooked dendrites (its path and type), or null.</summary>
    /// <remarks>
    /// The wrapper registers a container of hooked dendrites on the root, or, when the root is a Sequential (which
    /// lists only its own items), on the hooked layer's parent: containers are looked for at any depth.
    /// </remarks>
    private static (string Name, string Type)? HookedLayer(nn.Module model)
    {
        var modules = model.named_modules().ToList();
        var containers = modules.Where(m => m.module is DendriteHookContainer).Select(m => m.name).ToHashSet(StringComparer.Ordinal);
        var branches = modules
            .Where(m => m.module is DendriteBranch && m.name.LastIndexOf('.') is var dot && dot > 0 && containers.Contains(m.name[..dot]))
            .Select(m => (Path: m.name, Key: m.name[(m.name.LastIndexOf('.') + 1)..]))
            .ToList();
        if (branches.Count == 0)
        {
            return null;
        }

        var keys = branches.Select(b => b.Key).ToHashSet(StringComparer.Ordinal);
        var layer = modules.FirstOrDefault(m => m.name.Length > 0 && m.module is not DendriteBranch && keys.Contains(DendriteHookContainer.KeyFor(m.name)));
        return layer.module is not null ? (layer.name, layer.module.GetType().Name) : (branches[0].Path, nameof(DendriteBranch));
    }
}
