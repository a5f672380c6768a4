using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The shape and hyper-parameters of a host layer: everything needed to compute it from its weights, and to check
/// that a checkpoint fits a model. Convolution arrays have one entry per spatial dimension.
/// </summary>
public sealed record HostLayerSpec
{
    /// <summary>The host layer's kind.</summary>
    public required HostKind Kind { get; init; }

    /// <summary>Input features (Linear) or input channels (convolutions).</summary>
    public required long InFeatures { get; init; }

    /// <summary>Output features or channels: the number of neurons, each of which gets one dendrite per set.</summary>
    public required long OutFeatures { get; init; }

    /// <summary>Whether the host adds a bias; dendrites then carry a bias too.</summary>
    public required bool HasBias { get; init; }

    /// <summary>Kernel size per spatial dimension; empty for Linear. Copied when set (a later change to your array changes nothing here); compared by its elements.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<long> KernelSize { get; init => field = ValueList<long>.CopyOf(value) ?? throw new ArgumentNullException(nameof(KernelSize)); } = ValueList<long>.Empty;

    /// <summary>Stride per spatial dimension; empty for Linear. Copied when set, as the other lists are.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<long> Stride { get; init => field = ValueList<long>.CopyOf(value) ?? throw new ArgumentNullException(nameof(Stride)); } = ValueList<long>.Empty;

    /// <summary>Symmetric zero padding per spatial dimension (after resolving "same"/"valid"); empty for Linear. Copied when set, as the other lists are.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<long> Padding { get; init => field = ValueList<long>.CopyOf(value) ?? throw new ArgumentNullException(nameof(Padding)); } = ValueList<long>.Empty;

    /// <summary>Dilation per spatial dimension; empty for Linear. Copied when set, as the other lists are.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<long> Dilation { get; init => field = ValueList<long>.CopyOf(value) ?? throw new ArgumentNullException(nameof(Dilation)); } = ValueList<long>.Empty;

    /// <summary>Convolution groups; 1 for Linear.</summary>
    public long Groups { get; init; } = 1;

    /// <summary>How the input border is padded: zeros (the default), reflect, replicate or circular.</summary>
    public PaddingModes PaddingMode { get; init; } = PaddingModes.Zeros;

    /// <summary>
    /// For a <see cref="HostKind.Module"/> host: the module's type name (<c>LSTM</c>, <c>LayerNorm</c>, your block's
    /// class name); empty for Linear and convolutions.
    /// </summary>
    public string ModuleType { get; init; } = string.Empty;

    /// <summary>
    /// For a <see cref="HostKind.Module"/> host: the axis of its (selected) output that holds the neurons; negative
    /// counts from the end. Default -1, the last axis (features of <c>[batch, time, features]</c>). Unused otherwise.
    /// </summary>
    public int NeuronAxis { get; init; } = -1;

    /// <summary>For a <see cref="HostKind.Module"/> host: scalars in the host module's parameters; 0 otherwise.</summary>
    public long ModuleParameters { get; init; }

    /// <summary>Number of spatial dimensions: 0 for Linear and module hosts, 1 to 3 for convolutions.</summary>
    [JsonIgnore]
    public int SpatialDims => Kind is HostKind.Linear or HostKind.Module ? 0 : (int)Kind;

    /// <summary>Inputs that feed one neuron at one position: in/groups × kernel volume.</summary>
    [JsonIgnore]
    public long FanIn => InFeatures / Groups * KernelSize.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// The shape of one weight tensor of this layer (host or dendrite set): [out, in] for Linear, [out, in/groups,
    /// kernel...] for a convolution. A new list on every read.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<long> WeightShape => WeightShapeArray();

    /// <summary>A short human-readable description, e.g. <c>Conv2d(3→16, k=3x3, s=1x1, p=1x1, g=1)</c>.</summary>
    public override string ToString()
    {
        if (Kind == HostKind.Module)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ModuleType} (copies; {OutFeatures} neurons on axis {NeuronAxis}, {ModuleParameters} parameters)");
        }

        if (Kind == HostKind.Linear)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Linear({InFeatures}→{OutFeatures}{(HasBias ? string.Empty : ", no bias")})");
        }

        static string Join(IReadOnlyList<long> v) => string.Join("x", v);
        return string.Create(CultureInfo.InvariantCulture, $"{Kind}({InFeatures}→{OutFeatures}, k={Join(KernelSize)}, s={Join(Stride)}, p={Join(Padding)}, d={Join(Dilation)}, g={Groups}{(HasBias ? string.Empty : ", no bias")}{(PaddingMode == PaddingModes.Zeros ? string.Empty : ", " + PaddingMode)})");
    }

    /// <summary>Whether <paramref name="module"/> is a layer type of the fast path (computed from its weights).</summary>
    /// <param name="module">Any module.</param>
    /// <returns>True for Linear, Conv1d, Conv2d and Conv3d. Other modules can carry dendrites by copy (<see cref="ModuleHost"/>).</returns>
    public static bool IsSupported(nn.Module module) => module is Linear or Conv1d or Conv2d or Conv3d;

    /// <summary>The names of the fast-path host types, for error messages.</summary>
    public static string SupportedTypeNames => "Linear, Conv1d, Conv2d, Conv3d";

    /// <summary>The spec of a module host: its type, neurons, neuron axis and parameter count.</summary>
    internal static HostLayerSpec ForModule(nn.Module host, long neurons, int neuronAxis) => new()
    {
        Kind = HostKind.Module,
        InFeatures = 0,
        OutFeatures = neurons,
        HasBias = false,
        ModuleType = host.GetType().Name,
        NeuronAxis = neuronAxis,
        ModuleParameters = host.parameters().Sum(p => p.numel()),
    };

    /// <summary>Reads the spec of a supported host layer.</summary>
    /// <param name="host">A Linear, Conv1d, Conv2d or Conv3d module.</param>
    /// <param name="layerName">The layer's path in its model, for the error message.</param>
    /// <returns>The spec.</returns>
    /// <exception cref="UnsupportedHostException">The module is of another type (a transposed convolution, an embedding, ...), or a convolution with "same" padding that pads asymmetrically.</exception>
    internal static HostLayerSpec From(nn.Module host, string layerName = "") => Read(host, layerName, strictPadding: true);

    /// <summary>
    /// The spec of a Linear or Conv1d/2d/3d layer for counting its FLOPs (<see cref="FlopCounter"/>) when it carries
    /// no dendrites: as <see cref="From"/>, except that a "same" padding that pads asymmetrically is not refused (FLOPs
    /// per output position do not depend on padding, and such a layer must not stop a report or a wrap).
    /// </summary>
    internal static HostLayerSpec ForCounting(nn.Module host) => Read(host, string.Empty, strictPadding: false);

    private static HostLayerSpec Read(nn.Module host, string layerName, bool strictPadding)
    {
        ArgumentNullException.ThrowIfNull(host);
        switch (host)
        {
            case Linear linear:
                return new HostLayerSpec
                {
                    Kind = HostKind.Linear,
                    InFeatures = linear.in_features,
                    OutFeatures = linear.out_features,
                    HasBias = linear.bias is not null,
                };
            case Convolution conv when !conv.transposed && host is Conv1d or Conv2d or Conv3d:
                var kind = host switch { Conv1d => HostKind.Conv1d, Conv2d => HostKind.Conv2d, _ => HostKind.Conv3d };
                return new HostLayerSpec
                {
                    Kind = kind,
                    InFeatures = conv.in_channels,
                    OutFeatures = conv.out_channels,
                    HasBias = conv.bias is not null,
                    KernelSize = conv.kernel_size.ToArray(),
                    Stride = conv.stride.ToArray(),
                    Dilation = conv.dilation.ToArray(),
                    Groups = conv.groups,
                    PaddingMode = conv.padding_mode,
                    Padding = ResolvePadding(conv, layerName, strictPadding),
                };
            default:
                var type = host.GetType().Name;
                throw new UnsupportedHostException(layerName, type, layerName.Length == 0
                    ? $"A {type} cannot carry dendrites. Supported host types: {SupportedTypeNames}. Build the DendriteLayer on one of those, or give the {type} dendrites as a module host through Dendrites.Wrap (docs/wrapping.md, \"Dendrites on any module\")."
                    : $"Layer '{layerName}' is a {type}, which cannot carry dendrites. Supported host types: {SupportedTypeNames}. Exclude it from the targets.");
        }
    }

    /// <summary>
    /// The padding "same" adds on axis <paramref name="axis"/> of <paramref name="conv"/>, both sides together:
    /// dilation × (kernel − 1). PyTorch puts half of it (rounded down) before and the rest after.
    /// </summary>
    internal static long SamePaddingTotal(Convolution conv, int axis) => SamePaddingTotal(conv.dilation[axis], conv.kernel_size[axis]);

    /// <summary>The padding "same" adds on an axis of this dilation and kernel size, both sides together.</summary>
    internal static long SamePaddingTotal(long dilation, long kernel) => dilation * (kernel - 1);

    private static long[] ResolvePadding(Convolution conv, string layerName, bool strict)
    {
        if (conv.padding_type is null)
        {
            return conv.padding?.ToArray() ?? new long[conv.kernel_size.Length];
        }

        if (conv.padding_type == TorchSharp.Padding.Valid)
        {
            return new long[conv.kernel_size.Length];
        }

        var padding = new long[conv.kernel_size.Length];
        for (var d = 0; d < padding.Length; d++)
        {
            var total = SamePaddingTotal(conv, d);
            if (strict && total % 2 != 0)
            {
                throw new UnsupportedHostException(layerName, conv.GetType().Name, $"{(layerName.Length == 0 ? "This " + conv.GetType().Name : $"Layer '{layerName}'")} uses padding \"same\" with an even effective kernel ({conv.kernel_size[d]}, dilation {conv.dilation[d]}), which pads asymmetrically. Give it explicit padding instead.");
            }

            padding[d] = total / 2;
        }

        return padding;
    }

    /// <summary><see cref="WeightShape"/> as a new array, for TorchSharp calls that take one.</summary>
    internal long[] WeightShapeArray() => Kind == HostKind.Linear
        ? new[] { OutFeatures, InFeatures }
        : new[] { OutFeatures, InFeatures / Groups }.Concat(KernelSize).ToArray();

    /// <summary>
    /// A module host's <see cref="NeuronAxis"/> as an index into an output of <paramref name="rank"/> dimensions
    /// (negative counts from the end); null when the output has no such axis.
    /// </summary>
    internal int? NeuronAxisIndex(int rank)
    {
        var axis = NeuronAxis < 0 ? rank + NeuronAxis : NeuronAxis;
        return axis >= 0 && axis < rank ? axis : null;
    }

    /// <summary>Shape that broadcasts a per-neuron vector against the layer output: [out] or [out, 1, ...].</summary>
    internal long[] NeuronShape(Tensor output)
    {
        if (Kind == HostKind.Linear)
        {
            return new[] { OutFeatures };
        }

        if (Kind == HostKind.Module)
        {
            // [out] followed by a 1 for every axis after the neuron axis.
            var rank = (int)output.dim();
            if (NeuronAxisIndex(rank) is not { } axis || output.shape[axis] != OutFeatures)
            {
                throw new DendriteWrapException($"A {ModuleType} host's output has shape [{string.Join(", ", output.shape)}], whose axis {NeuronAxis} does not hold its {OutFeatures} neurons. Fix whichever is wrong: the neuron count (the neurons function of ModuleHost.For, or IDendriteHost.Neurons) or the axis (ModuleHost.WithNeuronAxis, or IDendriteHost.NeuronAxis).");
            }

            var moduleShape = new long[rank - axis];
            Array.Fill(moduleShape, 1L);
            moduleShape[0] = OutFeatures;
            return moduleShape;
        }

        var shape = new long[1 + SpatialDims];
        Array.Fill(shape, 1L);
        shape[0] = OutFeatures;
        if (output.dim() < shape.Length)
        {
            throw new ArgumentException($"The {this} layer gave an output of rank {output.dim()} (shape [{string.Join(", ", output.shape)}]); a {Kind} layer's output has at least {shape.Length} dimensions ({OutFeatures} {(SpatialDims == 0 ? "features last" : "channels, then " + SpatialDims + " spatial")}). Check the input's shape: an unbatched input needs at least those dimensions too.", nameof(output));
        }

        return shape;
    }
}
