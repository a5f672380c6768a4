namespace Dendritic.FromPerforatedAI;

/// <summary>
/// What <c>plain_arm</c> returns: <c>dict(width, params, epochs, test)</c>, the test accuracy (percent) taken at the
/// best validation epoch.
/// </summary>
internal sealed record PlainArmResult(int Width, long Parameters, int Epochs, double Test);
