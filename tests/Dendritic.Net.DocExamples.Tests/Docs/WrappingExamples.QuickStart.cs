using System;
using Dendritic;
using TorchSharp;

namespace DocExamples.InWrapping;

/// <summary>docs/wrapping.md's first example, in a file with exactly its usings.</summary>
public sealed partial class WrappingExamples : DocExample
{
    public static void WrapAnExistingModel()
    {
        // doc-example: docs/wrapping.md
        var model = BuildMyModel();                        // any TorchSharp module tree, written without dendrites in mind
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            // "head": your output layer's name. A name that matches no layer is an error, in an exclusion too.
            Targets = LayerSelector.AllSupported.Except(LayerSelector.Named("head")),
            InitialDendrites = 1,
        }, sampleInput: torch.randn(1, 1, 28, 28));        // one check pass: every wrapped layer's dendrites must run

        var optimizer = torch.optim.Adam(handle.TrainableParameters(), lr: 1e-3);
        // ... train with your own loop; the model's own forward now runs the dendrites ...
        using (handle.Disable()) { /* evaluate the same weights without dendrites */ }
        Console.WriteLine(handle.Report().ToMarkdown());
        // end doc-example
    }
}
