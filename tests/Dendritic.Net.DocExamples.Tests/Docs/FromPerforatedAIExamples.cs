using System;
using Dendritic;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples.InFromPerforatedAI;

/// <summary>docs/from-perforatedai.md's example.</summary>
public sealed class FromPerforatedAIExamples : DocExample
{
    public static void PortedLoop(nn.Module<Tensor, Tensor> model, Tensor xValidation, int maxEpochs)
    {
        // doc-example: docs/from-perforatedai.md
        // m = UPA.initialize_pai(m, save_name="s1")
        var handle = Dendrites.Wrap(model, new WrapOptions
        {
            InitialDendrites = 0,                                  // perforatedai starts without dendrites; Wrap's default is 1
            Dendrite = DendriteOptions.PerforatedAICompatible,     // dendrite weights from N(0, 0.01²), as the original draws them
        }, sampleInput: xValidation);

        // GPA.pc.set_n_epochs_to_switch(3); set_max_dendrites(2); set_max_dendrite_tries(2)
        var scheduler = new GrowthScheduler(handle, GrowthOptions.PerforatedAICompatible with { Patience = 3, MaxDendrites = 2, MaxRetries = 2 });

        // opt = GPA.pai_tracker.setup_optimizer(m, {"params": m.parameters(), "lr": 0.003})
        var optimizer = optim.Adam(handle.TrainableParameters(), lr: 0.003);

        for (var epoch = 0; epoch < maxEpochs; epoch++)
        {
            TrainOneEpoch(model, optimizer);
            var score = ValidationAccuracy(model);                 // the unit you gave perforatedai (pai_pilot.py: percent)

            // m, restructured, complete = GPA.pai_tracker.add_validation_score(score, m)
            var decision = scheduler.Step(score, learningRate: 0.003);
            if (decision.RebuildOptimizer)                         // restructured (the same model object, new parameters)
            {
                optimizer.Dispose();
                optimizer = optim.Adam(decision.TrainableParameters, lr: 0.003);
            }

            if (decision.IsCompleted)                              // complete: the best model is already in place
            {
                break;
            }
        }

        scheduler.Finish();                                        // the epoch cap came first: put the best model back
        Console.WriteLine(handle.Report().TotalParameters);        // UPA.count_params(m)
        // end doc-example
    }

    private static double ValidationAccuracy(nn.Module<Tensor, Tensor> model) => throw new NotSupportedException(NeverRun);
}
