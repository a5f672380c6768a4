using Dendritic;
using Dendritic.Experiments;

namespace DocExamples.InPackageReadmes;

/// <summary>src/Dendritic.Net.Experiments/README.md's example.</summary>
public static class ExperimentsReadme
{
    public static void Harness(ModelFactory factory, ExperimentData data)
    {
        // doc-example: src/Dendritic.Net.Experiments/README.md
        var growth = new SchedulerGrowth(new SchedulerGrowthOptions
        {
            Growth = new GrowthOptions { Patience = 3, MaxDendrites = 2 },   // the library's scheduler rules
            MaxEpochs = 45,                                                  // the dendritic arm's budget, at least Recipe.Epochs
            Wrap = HarnessWrapOptions.Default,                               // which layers get dendrites, and how they compute
        });
        var report = new ExperimentRunner(factory, data, growth, ExperimentOptions.Default with { Width = 8 }).Run();
        // end doc-example
    }
}
