namespace Dendritic.FromPerforatedAI;

/// <summary>
/// What <c>pai_arm</c> returns (<c>params</c>, <c>epochs</c>, <c>test</c>, <c>final_model_test</c>, <c>completed</c>,
/// <c>dendrites</c>; accuracies in percent), and two figures the script has no counterpart for.
/// </summary>
/// <param name="Parameters">The grown model's parameter count (perforatedai's count_params counts 19,200 where we count 19,164 for 2 sets).</param>
/// <param name="Epochs">Epochs trained: until the scheduler completed, or <see cref="PaiPilot.MaxEpochs"/>.</param>
/// <param name="Test">Test accuracy at the best validation epoch, the figure the script reports.</param>
/// <param name="FinalModelTest">Test accuracy of the model in place at the end (the best one).</param>
/// <param name="Completed">Whether the scheduler completed before <see cref="PaiPilot.MaxEpochs"/>.</param>
/// <param name="Sets">Dendrite sets per wrapped layer in the final model.</param>
/// <param name="DendritesOffTest">Test accuracy of the same weights with the dendrites switched off.</param>
/// <param name="ReloadedTest">Test accuracy of the model saved and loaded onto a fresh MLP.</param>
internal sealed record PaiArmResult(
    long Parameters,
    int Epochs,
    double Test,
    double FinalModelTest,
    bool Completed,
    int Sets,
    double DendritesOffTest,
    double ReloadedTest);
