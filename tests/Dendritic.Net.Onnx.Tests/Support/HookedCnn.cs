using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>
/// A newcomer's CNN: fields typed as the concrete layers (Dendrites.Wrap hooks them), the rest functional in forward,
/// relu(conv) → max pool, twice, → flatten → relu(fc1) → fc2, and its graph described with AddModule and AddNode.
/// With <c>omitFc1Relu</c> the description leaves out the ReLU after fc1, the mistake a trial user made.
/// </summary>
internal sealed class HookedCnn : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly bool omitFc1Relu;

    /// <param name="omitFc1Relu">Whether ExportOnnx leaves out the ReLU after fc1 (forward keeps it).</param>
    public HookedCnn(bool omitFc1Relu = false)
        : base(nameof(HookedCnn))
    {
        conv1 = nn.Conv2d(1, 4, 3, padding: 1);
        conv2 = nn.Conv2d(4, 8, 3, padding: 1);
        fc1 = nn.Linear(8 * 2 * 2, 16);
        fc2 = nn.Linear(16, 5);
        this.omitFc1Relu = omitFc1Relu;
        RegisterComponents();
    }

    /// <summary>The input this model takes: [batch, 1, 8, 8].</summary>
    public static long[] InputShape(long batch) => new[] { batch, 1L, 8, 8 };

    public override Tensor forward(Tensor input)
    {
        var h = nn.functional.max_pool2d(nn.functional.relu(conv1.call(input)), 2);
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.call(h)), 2);
        return fc2.call(nn.functional.relu(fc1.call(h.flatten(1))));
    }

    public string ExportOnnx(OnnxGraphBuilder builder, string input)
    {
        var pool = new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } };
        var h = builder.AddNode("MaxPool", new[] { builder.AddNode("Relu", new[] { builder.AddModule(conv1, input, nameof(conv1)) }) }, pool);
        h = builder.AddNode("MaxPool", new[] { builder.AddNode("Relu", new[] { builder.AddModule(conv2, h, nameof(conv2)) }) }, pool);
        h = builder.AddNode("Flatten", new[] { h }, new Dictionary<string, object> { ["axis"] = 1L });
        h = builder.AddModule(fc1, h, nameof(fc1));
        if (!omitFc1Relu)
        {
            h = builder.AddNode("Relu", new[] { h });
        }

        return builder.AddModule(fc2, h, nameof(fc2));
    }
}
