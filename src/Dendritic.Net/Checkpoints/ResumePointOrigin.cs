using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <summary>
/// Where a handle's weights came from when <see cref="DendriteCheckpoint.Load"/> read a growth run's resume point (a
/// checkpoint <see cref="GrowthScheduler.SaveCheckpoint"/> wrote after a score, before completion): the last epoch's
/// weights, not the best. Kept on the handle until <see cref="GrowthScheduler.Resume"/> takes it over, so that the trap
/// is named where it is sprung, when such weights are saved or exported as if they were the result (warning 1103),
/// and not on the documented path, Load then Resume.
/// </summary>
/// <param name="Path">The full path of the resume point.</param>
/// <param name="Validations">The validations of the run when it was saved.</param>
/// <param name="Phase">The run's phase then.</param>
/// <param name="BestPath">The best model's file beside it, <c>{path}.best</c>.</param>
internal sealed record ResumePointOrigin(string Path, int Validations, GrowthPhase Phase, string BestPath)
{
    /// <summary>
    /// Warning 1103 when <paramref name="handle"/> holds a resume point's weights that no scheduler resumed.
    /// </summary>
    /// <param name="handle">The handle being saved or exported.</param>
    /// <param name="action">What is done with it, as the message's first words ("Saving", "Exporting to ONNX").</param>
    public static void WarnIfUnresumed(DendriticModel handle, string action)
    {
        if (handle.LoadedResumePoint is { } origin)
        {
            DendriticLog.UnresumedResumePointWritten(handle.Options.Logger, action, origin.Path, origin.Phase, origin.Validations, origin.BestPath);
        }
    }
}
