using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// How the dendritic arm gets its dendrites: the arm-runner seam of the harness. A policy starts a session on a freshly
/// built baseline model; the harness trains the session's model and asks it after every epoch whether to grow or stop.
/// </summary>
public interface IGrowthPolicy
{
    /// <summary>A one-line description for reports, including anything a reader needs to reproduce the arm.</summary>
    string Description { get; }

    /// <summary>
    /// The most epochs any session of this policy trains (its <see cref="IGrowthSession.MaxEpochs"/>), when known before
    /// <see cref="Begin"/>; null when the policy cannot say. <see cref="ExperimentRunner"/> checks a known cap against
    /// <see cref="TrainingRecipe.Epochs"/> when it is built, and reports a smaller one with the other invalid options,
    /// before anything trains: the controls train as long as the dendritic arm, so an arm capped below the baseline's
    /// budget would make "train-as-long" shorter than the baseline. With null nothing is checked. No default
    /// implementation, so that a policy says it (a policy's own <c>int MaxEpochs</c> property would not implement an
    /// <c>int?</c> member, and a default would hide that). <see cref="SchedulerGrowth"/> and
    /// <see cref="FixedEpochGrowth"/> return their options' <c>MaxEpochs</c>.
    /// </summary>
    int? MaxEpochs { get; }

    /// <summary>Starts growth on <paramref name="model"/>, a freshly built model of the baseline's width.</summary>
    /// <param name="model">The model, on the experiment's device, written without dendrites in mind.</param>
    /// <param name="context">The baseline's budget, a sample input, the training losses and the logger.</param>
    /// <returns>A session that owns the (possibly wrapped) model for the rest of the arm.</returns>
    IGrowthSession Begin(nn.Module<Tensor, Tensor> model, GrowthContext context);
}
